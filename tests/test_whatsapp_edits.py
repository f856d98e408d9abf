"""A WhatsApp message edited or deleted between two exports of its chat stays one message with
versions (ingest `_Writer.fold`), and a second reading of an export in another zone is refused
unless it says it corrects the first (`--corrects-tz`). The exports are written here in the real
shapes: Android (`13/03/2024, 09:05 - Name: text`) and iOS (`[13/03/2024, 09:05:00] Name: text`)."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from conftest import snapshot
from textfile.errors import ImportFailed
from textfile.ingest import import_path
from textfile.integrity import check_archive

SAM, ALEX = "Sam Client", "Alex Owner"
ENCRYPTED = "Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them."


class Shape:
    """How one phone writes a chat: its file name, header, line ends and the words it adds."""

    def __init__(self, name, file_name, newline, header, edited, deleted, you_deleted, system):
        self.name, self.file_name, self.newline = name, file_name, newline
        self.header, self.edited, self.deleted, self.you_deleted, self.system = header, edited, deleted, you_deleted, system

    def __repr__(self) -> str:
        return self.name


ANDROID = Shape("android", "WhatsApp Chat with Sam Client.txt", "\n", "{d}/03/2024, {t} - ", " <This message was edited>",
                "This message was deleted", "You deleted this message", lambda text: text)
IOS = Shape("ios", "WhatsApp Chat - Sam Client.txt", "\r\n", "[{d}/03/2024, {t}:00] ", " \u200e<This message was edited>",
            "\u200eThis message was deleted.", "\u200eYou deleted this message.", lambda text: f"{SAM}: \u200e{text}")
SHAPES = [ANDROID, IOS]

# (day, time, sender, text); the first week's chat, and what each later export adds at its end
WEEK1 = [
    ("13", "09:00", None, ENCRYPTED),
    ("13", "09:01", SAM, "Can we meet this week?"),
    ("13", "09:05", ALEX, "Thursday 3 pm works."),
    ("13", "09:06", SAM, "Great, see you then"),
]
WEEK2_NEW = [("20", "10:00", SAM, "Running late, sorry")]
WEEK3_NEW = [("27", "11:00", ALEX, "Thanks for today")]


def export(folder: Path, shape: Shape, messages: list[tuple]) -> Path:
    """The chat as its phone exports it, in a folder of its own (every week's file has the same name)."""
    lines = []
    for day, clock, sender, text in messages:
        head = shape.header.format(d=day, t=clock)
        lines.append(head + (shape.system(text) if sender is None else f"{sender}: {text}"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / shape.file_name
    path.write_bytes((shape.newline.join(lines) + shape.newline).encode("utf-8"))
    return path


def replaced(messages: list[tuple], clock: str, text: str) -> list[tuple]:
    return [(d, t, who, text if t == clock else body) for d, t, who, body in messages]


def weeks(tmp_path: Path, shape: Shape) -> tuple[Path, Path, Path]:
    """Week 1; week 2, where Alex's 09:05 message was edited; week 3, where it was edited again."""
    w2 = replaced(WEEK1, "09:05", "Thursday 3:30 pm works." + shape.edited) + WEEK2_NEW
    w3 = replaced(WEEK1, "09:05", "Thursday 4 pm works." + shape.edited) + WEEK2_NEW + WEEK3_NEW
    return export(tmp_path / "week1", shape, WEEK1), export(tmp_path / "week2", shape, w2), export(tmp_path / "week3", shape, w3)


def chat(archive) -> list[tuple]:
    """Every message: local time as stored (UTC), sender, text, flags, version, zone."""
    return [tuple(r) for r in archive.conn.execute(
        "SELECT m.sent_at, p.display_name, m.body, m.flags, m.version, m.source_zone FROM messages m"
        " LEFT JOIN participants p ON p.id = m.sender_id ORDER BY m.sent_at, m.rowid")]


def versions(archive) -> list[tuple]:
    return [tuple(r) for r in archive.conn.execute(
        "SELECT m.body, v.version, v.body, v.at, v.origin, v.import_id, v.sent_at, v.source_zone FROM message_versions v"
        " JOIN messages m ON m.id = v.message_id ORDER BY m.sent_at, v.version")]


def message_id(archive, body: str) -> str:
    return archive.conn.execute("SELECT id FROM messages WHERE body = ?", (body,)).fetchone()[0]


def sources(archive, mid: str) -> list[tuple]:
    return [tuple(r) for r in archive.conn.execute(
        "SELECT import_id, source_ref FROM message_sources WHERE message_id = ? ORDER BY import_id", (mid,))]


def aliases(archive) -> list[tuple]:
    return [tuple(r) for r in archive.conn.execute("SELECT alias_id, message_id, import_id, rule FROM message_aliases ORDER BY import_id")]


def counts(result) -> tuple:
    return result.added, result.already_present, result.updated


def week1_rows(shape: Shape = ANDROID) -> list[tuple]:
    ny = "America/New_York"
    return [
        ("2024-03-13T13:00:00.000Z", SAM if shape is IOS else None, ENCRYPTED, "[]", 1, ny),  # (iOS: written by the chat's name)
        ("2024-03-13T13:01:00.000Z", SAM, "Can we meet this week?", "[]", 1, ny),
        ("2024-03-13T13:05:00.000Z", ALEX, "Thursday 3 pm works.", "[]", 1, ny),
        ("2024-03-13T13:06:00.000Z", SAM, "Great, see you then", "[]", 1, ny),
    ]


EDITED_ROW = ("2024-03-13T13:05:00.000Z", ALEX, "Thursday 3:30 pm works.", '["edited"]', 2, "America/New_York")
WEEK2_ROW = ("2024-03-20T14:00:00.000Z", SAM, "Running late, sorry", "[]", 1, "America/New_York")
WEEK3_ROW = ("2024-03-27T15:00:00.000Z", ALEX, "Thanks for today", "[]", 1, "America/New_York")


def read_in_paris(week2_version: int) -> list[tuple]:
    """Weeks 1 and 2 (Alex's message edited) as the archive holds them once read in Europe/Paris."""
    paris = "Europe/Paris"
    return [
        ("2024-03-13T08:00:00.000Z", None, ENCRYPTED, "[]", 2, paris),
        ("2024-03-13T08:01:00.000Z", SAM, "Can we meet this week?", "[]", 2, paris),
        ("2024-03-13T08:05:00.000Z", ALEX, "Thursday 3:30 pm works.", '["edited"]', 3, paris),
        ("2024-03-13T08:06:00.000Z", SAM, "Great, see you then", "[]", 2, paris),
        ("2024-03-20T09:00:00.000Z", SAM, "Running late, sorry", "[]", week2_version, paris),
    ]


def one_edited_message(archive, shape: Shape) -> str:
    """Weeks 1 and 2 archived, in either order: Alex's message once, with its text before the edit; its id."""
    rows = week1_rows(shape)
    assert chat(archive) == rows[:2] + [EDITED_ROW] + rows[3:] + [WEEK2_ROW]
    assert versions(archive) == [("Thursday 3:30 pm works.", 1, "Thursday 3 pm works.", None, "export", 2, None, None)]
    return message_id(archive, "Thursday 3:30 pm works.")


def assert_verified(archive) -> None:
    report = check_archive(archive.conn)
    assert report["problems"] == [] and report["ok"]


# -- edits and deletions -----------------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES, ids=repr)
def test_an_edit_between_two_exports_is_a_new_version_of_the_archived_message(archive, tmp_path, shape):
    week1, week2, _ = weeks(tmp_path, shape)
    assert counts(import_path(archive, week1)) == (4, 0, 0)
    original = message_id(archive, "Thursday 3 pm works.")
    result = import_path(archive, week2)
    assert counts(result) == (1, 3, 1)
    assert one_edited_message(archive, shape) == original  # the archived message, not a new one
    [(alias, target, import_id, rule)] = aliases(archive)
    assert (target, import_id, rule) == (original, 2, "edited") and alias != original
    assert sources(archive, original) == [(1, "line 3"), (2, "line 3")]
    assert result.warnings == [f"line 3: edited since line 3 of {shape.file_name} (import 1): kept as a new version of that message,"
                               " not as a second message"]
    stored = archive.conn.execute("SELECT added, already_present, updated FROM imports WHERE id = 2").fetchone()
    assert tuple(stored) == (1, 3, 1)
    [details] = [json.loads(r[0]) for r in archive.conn.execute("SELECT details FROM audit_log WHERE command = 'import' ORDER BY id DESC LIMIT 1")]
    assert (details["added"], details["updated"], details["folded"]) == (1, 1, [
        {"message": original, "alias": alias, "rule": "edited", "source_ref": "line 3"}])
    assert_verified(archive)


@pytest.mark.parametrize("shape", SHAPES, ids=repr)
@pytest.mark.parametrize("who", [SAM, ALEX])
def test_a_deletion_between_two_exports_keeps_the_text_as_the_earlier_version(archive, tmp_path, shape, who):
    first = WEEK1 + [("13", "09:07", who, "I never agreed to that")]
    gone = shape.deleted if who == SAM else shape.you_deleted
    import_path(archive, export(tmp_path / "week1", shape, first))
    original = message_id(archive, "I never agreed to that")
    result = import_path(archive, export(tmp_path / "week2", shape, replaced(first, "09:07", gone) + WEEK2_NEW))
    assert counts(result) == (1, 4, 1)
    body = gone.strip("\u200e")
    assert chat(archive) == week1_rows(shape) + [
        ("2024-03-13T13:07:00.000Z", who, body, '["deleted"]', 2, "America/New_York"), WEEK2_ROW]
    assert versions(archive) == [(body, 1, "I never agreed to that", None, "export", 2, None, None)]
    assert message_id(archive, body) == original
    assert [a[1:] for a in aliases(archive)] == [(original, 2, "deleted")]
    assert result.warnings == [f"line 5: deleted since line 5 of {shape.file_name} (import 1): kept as a new version of that message,"
                               " not as a second message"]
    assert_verified(archive)


@pytest.mark.parametrize("shape", SHAPES, ids=repr)
def test_importing_either_export_again_adds_nothing(archive, tmp_path, shape):
    week1, week2, _ = weeks(tmp_path, shape)
    import_path(archive, week1)
    import_path(archive, week2)
    before = snapshot(archive)
    again2 = import_path(archive, week2)
    again1 = import_path(archive, week1)
    assert (counts(again2), counts(again1)) == ((0, 5, 0), (0, 4, 0))
    assert again2.warnings == again1.warnings == []
    after = snapshot(archive)
    for table in after:
        if table not in ("imports", "message_sources", "audit_log"):
            assert after[table] == before[table], table
    original = message_id(archive, "Thursday 3:30 pm works.")
    assert sources(archive, original) == [(1, "line 3"), (2, "line 3"), (3, "line 3"), (4, "line 3")]
    assert_verified(archive)


@pytest.mark.parametrize("shape", SHAPES, ids=repr)
def test_the_earlier_export_imported_after_the_later_one_gives_the_edit_its_earlier_version(archive, tmp_path, shape):
    week1, week2, _ = weeks(tmp_path, shape)
    assert counts(import_path(archive, week2)) == (5, 0, 0)
    edited = message_id(archive, "Thursday 3:30 pm works.")
    result = import_path(archive, week1)
    assert counts(result) == (0, 3, 1)
    assert one_edited_message(archive, shape) == edited
    assert [a[1:] for a in aliases(archive)] == [(edited, 2, "earlier")]
    assert sources(archive, edited) == [(1, "line 3"), (2, "line 3")]
    assert result.warnings == [f"line 3: the text before the message archived from line 3 of {shape.file_name} (import 1) was edited:"
                               " kept as its earlier version, not as a second message"]
    before = snapshot(archive)
    assert (counts(import_path(archive, week1)), counts(import_path(archive, week2))) == ((0, 4, 0), (0, 5, 0))
    after = snapshot(archive)
    assert all(after[t] == before[t] for t in after if t not in ("imports", "message_sources", "audit_log"))
    assert_verified(archive)


ORDERS = list(itertools.permutations((0, 1, 2)))


@pytest.mark.parametrize("order", ORDERS, ids=lambda o: "-".join(f"week{i + 1}" for i in o))
def test_two_edits_over_three_weeks_in_any_order_are_one_message_with_its_versions_in_time_order(archive, tmp_path, order):
    exports = weeks(tmp_path, ANDROID)
    results = [import_path(archive, exports[n]) for n in order]
    if order == (0, 1, 2):  # the second edit replaces the text week 2 showed
        assert results[2].warnings == [f"line 3: edited since line 3 of {ANDROID.file_name} (import 2): kept as a new version of that"
                                       " message, not as a second message"]
    rows = week1_rows()
    final = ("2024-03-13T13:05:00.000Z", ALEX, "Thursday 4 pm works.", '["edited"]', 3, "America/New_York")
    assert chat(archive) == rows[:2] + [final] + rows[3:] + [WEEK2_ROW, WEEK3_ROW]
    assert [(v[1], v[2], v[4]) for v in versions(archive)] == [(1, "Thursday 3 pm works.", "export"), (2, "Thursday 3:30 pm works.", "export")]
    assert archive.conn.execute("SELECT count(*) FROM message_aliases").fetchone()[0] == 2
    assert sum(r[0] for r in archive.conn.execute("SELECT added FROM imports")) == 6
    assert all(counts(import_path(archive, path))[0] == 0 for path in exports)
    assert_verified(archive)


def test_several_messages_of_one_minute_that_may_have_been_edited_are_not_guessed_between(archive, tmp_path):
    first = WEEK1[:3] + [("13", "09:05", ALEX, "Or Friday at 10?")] + WEEK1[3:]
    import_path(archive, export(tmp_path / "week1", ANDROID, first))
    second = WEEK1[:2] + [("13", "09:05", ALEX, "Thursday 3:30 pm works." + ANDROID.edited),
                          ("13", "09:05", ALEX, "Or Friday at 11?" + ANDROID.edited)] + WEEK1[3:]
    result = import_path(archive, export(tmp_path / "week2", ANDROID, second))
    assert counts(result) == (2, 3, 0)
    assert [r[2] for r in chat(archive)] == [ENCRYPTED, "Can we meet this week?", "Thursday 3 pm works.", "Or Friday at 10?",
                                              "Thursday 3:30 pm works.", "Or Friday at 11?", "Great, see you then"]
    assert versions(archive) == [] and aliases(archive) == []
    name = ANDROID.file_name
    assert result.warnings == [f"line 3, line 4: the same sender at the same time as archived line 3 of {name} (import 1), line 4 of {name}"
                               " (import 1), edited or deleted between the exports, and which message is which cannot be told: none was"
                               " taken as another form of another; each is kept as a message of its own"]
    details = json.loads(archive.conn.execute("SELECT details FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()[0])
    assert details["not_folded"] == 2 and "folded" not in details
    assert_verified(archive)


def test_a_message_that_is_in_the_later_export_too_is_not_taken_for_the_edited_one(archive, tmp_path):
    """The unedited text of the same minute is still there: the edited one is another message."""
    week1 = export(tmp_path / "week1", ANDROID, WEEK1)
    import_path(archive, week1)
    second = WEEK1[:3] + [("13", "09:05", ALEX, "Or Friday? (forgot the time)" + ANDROID.edited)] + WEEK1[3:]
    result = import_path(archive, export(tmp_path / "week2", ANDROID, second))
    assert counts(result) == (1, 4, 0)
    assert versions(archive) == [] and aliases(archive) == [] and result.warnings == []


def test_the_transcript_shows_one_message_with_its_earlier_version(cli, archive, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed")
    week1, week2, _ = weeks(tmp_path, ANDROID)
    assert cli("import", week1, "--quiet").exit_code == 0
    assert cli("import", week2, "--quiet").exit_code == 0
    text = transcript_text(cli, archive, tmp_path)
    assert text.count("Thursday 3:30 pm works.") == 1
    assert "earlier version 1, from the earlier export: Thursday 3 pm works." in text
    assert text.count("Thursday 3 pm works.") == 1  # only as the earlier version
    assert "#6" not in text and "#5" in text  # five messages, not six
    assert cli("verify").exit_code == 0


def transcript_text(cli, archive, tmp_path) -> str:
    conversation = archive.conn.execute("SELECT id FROM conversations").fetchone()[0]
    assert cli("client", "add", "Sam Client", "--phone", "+12025550143").exit_code == 0
    assert cli("matter", "open", "2026-020", "--client", "Sam Client", "--title", "Lease").exit_code == 0
    assert cli("file", conversation, "--matter", "2026-020").exit_code == 0
    made = cli("transcript", "2026-020", "--out-dir", tmp_path / "out", "--json")
    assert made.exit_code == 0, made.output
    pdf = json.loads(made.stdout)["path"]
    return " ".join(subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True, check=True).stdout.split())


# -- another zone for the same export ------------------------------------------------------------------


def test_reading_an_archived_export_in_another_zone_is_refused(cli, archive, tmp_path):
    week1 = export(tmp_path / "week1", ANDROID, WEEK1)
    assert cli("import", week1, "--quiet").exit_code == 0
    before = snapshot(archive)
    refused = cli("import", week1, "--tz", "Europe/Paris")
    assert refused.exit_code == 1
    assert refused.output == (
        f"Error: {week1}: line 1: archived as read in America/New_York (2024-03-13 09:00 -04:00); read in Europe/Paris it would"
        " move to 2024-03-13 09:00 +01:00, and so would every message read that way. Pass --tz America/New_York to read this"
        " export as before, or --corrects-tz if Europe/Paris corrects the earlier reading\n")
    assert snapshot(archive) == before
    with pytest.raises(ImportFailed):
        import_path(archive, week1, tz="Europe/Paris")
    # the same zone, or another that puts every message at the same instant, is no correction
    assert counts(import_path(archive, week1, tz="America/Detroit")) == (0, 4, 0)


def test_a_corrected_zone_moves_the_messages_and_keeps_each_earlier_time_as_a_version(cli, archive, tmp_path):
    week1, week2, _ = weeks(tmp_path, ANDROID)
    assert cli("import", week1, "--quiet").exit_code == 0
    assert cli("import", week2, "--quiet").exit_code == 0
    done = cli("import", week2, "--tz", "Europe/Paris", "--corrects-tz", "--json")
    assert done.exit_code == 0, done.output
    [report] = json.loads(done.stdout)
    assert (report["added"], report["already_present"], report["updated"]) == (0, 0, 5)
    assert report["warnings"] == ["5 messages archived as read in America/New_York now read in Europe/Paris (--corrects-tz):"
                                  " each keeps its earlier time as a version"]
    paris = "Europe/Paris"
    assert chat(archive) == read_in_paris(week2_version=2)
    ny = "America/New_York"
    assert versions(archive) == [
        (ENCRYPTED, 1, ENCRYPTED, None, "reimport", 3, "2024-03-13T13:00:00.000Z", ny),
        ("Can we meet this week?", 1, "Can we meet this week?", None, "reimport", 3, "2024-03-13T13:01:00.000Z", ny),
        ("Thursday 3:30 pm works.", 1, "Thursday 3 pm works.", None, "export", 2, None, None),
        ("Thursday 3:30 pm works.", 2, "Thursday 3:30 pm works.", None, "reimport", 3, "2024-03-13T13:05:00.000Z", ny),
        ("Great, see you then", 1, "Great, see you then", None, "reimport", 3, "2024-03-13T13:06:00.000Z", ny),
        ("Running late, sorry", 1, "Running late, sorry", None, "reimport", 3, "2024-03-20T14:00:00.000Z", ny),
    ]
    details = json.loads(archive.conn.execute("SELECT details FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()[0])
    assert details["tz_corrected"] == {"to": paris, "from": {ny: 5}}
    stored = json.loads(archive.conn.execute("SELECT options FROM imports WHERE id = 3").fetchone()[0])
    assert stored["corrects_tz"] is True
    # week 1 read in the corrected zone too: its text before the edit changes nothing; with no --tz it is read in the
    # zone the chat was last read in (Paris); read in New York as before, it is refused
    assert counts(import_path(archive, week1, tz=paris, corrects_tz=True)) == (0, 4, 0)
    assert counts(import_path(archive, week1)) == (0, 4, 0)
    with pytest.raises(ImportFailed, match="archived as read in Europe/Paris"):
        import_path(archive, week1, tz=ny)
    assert_verified(archive)
    text = transcript_text(cli, archive, tmp_path) if shutil.which("pdftotext") else None
    if text is not None:
        # (to the minute, as the export wrote it; the text the same as the message's now: not repeated)
        assert "earlier reading: 2024-03-13 09:05 -04:00 in America/New_York (same text)" in text
        assert "earlier version 1, from the earlier export: Thursday 3 pm works." in text


def test_a_corrected_zone_for_the_earlier_export_moves_a_message_folded_from_it(archive, tmp_path):
    """Week 1 corrected after week 2 folded its edit: the message moves once, its texts stay in order."""
    week1, week2, _ = weeks(tmp_path, ANDROID)
    import_path(archive, week1)
    import_path(archive, week2)
    result = import_path(archive, week1, tz="Europe/Paris", corrects_tz=True)
    assert counts(result) == (0, 0, 4)
    assert [r[:3] + r[5:] for r in chat(archive)][2] == ("2024-03-13T08:05:00.000Z", ALEX, "Thursday 3:30 pm works.", "Europe/Paris")
    assert [v[1:] for v in versions(archive) if v[0] == "Thursday 3:30 pm works."] == [
        (1, "Thursday 3 pm works.", None, "export", 2, None, None),
        (2, "Thursday 3:30 pm works.", None, "reimport", 3, "2024-03-13T13:05:00.000Z", "America/New_York"),
    ]
    assert_verified(archive)


def test_with_no_tz_a_chat_is_read_in_the_zone_it_was_last_read_in(cli, archive, tmp_path, monkeypatch):
    """After --corrects-tz, the chat's next export needs no --tz (walk report, defect 7); another chat still
    reads in the archive's zone, and a --tz that differs from the chat's is refused as before."""
    from textfile import ingest

    week1, week2, _ = weeks(tmp_path, ANDROID)
    assert cli("import", week1, "--quiet").exit_code == 0
    assert cli("import", week1, "--tz", "Europe/Paris", "--corrects-tz", "--quiet").exit_code == 0
    before = snapshot(archive)
    refused = cli("import", week2, "--tz", "America/New_York")
    assert refused.exit_code == 1 and "line 1: archived as read in Europe/Paris (2024-03-13 09:00 +01:00)" in refused.output
    assert snapshot(archive) == before
    assumed = ("WhatsApp Chat with Sam Client.txt: times read as wall-clock times in Europe/Paris, the zone this chat's messages"
               " were last read in, not the archive's America/New_York; pass --tz to read the export in another zone (with"
               " --corrects-tz if that zone corrects the earlier reading)")
    done = cli("import", week2)
    assert done.exit_code == 0, done.output
    assert done.output == (f"{week2}: whatsapp, added 1, already present 3, updated 1, skipped 0\n  assumed: {assumed}\n"
                           "  warning: line 3: edited since line 3 of WhatsApp Chat with Sam Client.txt (import 2): kept as a new version"
                           " of that message, not as a second message\n")
    paris = "Europe/Paris"
    assert chat(archive) == read_in_paris(week2_version=1)
    assert [(r[0], r[1], json.loads(r[2])) for r in archive.conn.execute("SELECT id, zone, assumptions FROM imports ORDER BY id")] == [
        (1, "America/New_York", []), (2, paris, []), (3, paris, [assumed])]
    # the same through a second reading process, which hands the zone over with the records
    monkeypatch.setattr(ingest, "PARALLEL_MIN_BYTES", 0)
    again = import_path(archive, week2, parallel=True)
    assert (counts(again), again.zone, again.assumptions) == ((0, 5, 0), paris, [assumed])
    # another chat has never been read anywhere else: the archive's zone, and nothing to say
    other = export(tmp_path / "other", Shape("android", "WhatsApp Chat with Lee Park.txt", "\n", "{d}/03/2024, {t} - ", "", "", "", str),
                   [("21", "10:00", "Lee Park", "Hello"), ("21", "10:01", ALEX, "Hi")])
    fresh = import_path(archive, other)
    assert (fresh.zone, fresh.assumptions, fresh.added) == ("America/New_York", [], 2)
    assert_verified(archive)


def test_the_weekly_run_refuses_another_zone_and_takes_a_correction(cli, archive, tmp_path):
    week1, week2, _ = weeks(tmp_path, ANDROID)
    assert cli("import", week1, "--quiet").exit_code == 0
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    copied = shutil.copy(week2, inbox)
    hour_ago = time.time() - 3600
    for path in (copied, inbox):  # (a folder of one chat is an unzipped export: it must have settled too)
        os.utime(path, (hour_ago, hour_ago))
    refused = cli("archive", inbox, "--out", tmp_path / "out", "--tz", "Europe/Paris")
    assert refused.exit_code == 1
    assert f"Error: {inbox}: line 1: archived as read in America/New_York" in refused.output
    assert {r[5] for r in chat(archive)} == {"America/New_York"}
    done = cli("archive", inbox, "--out", tmp_path / "out", "--tz", "Europe/Paris", "--corrects-tz")
    assert done.exit_code == 0, done.output
    assert [r[0] for r in chat(archive)] == ["2024-03-13T08:00:00.000Z", "2024-03-13T08:01:00.000Z", "2024-03-13T08:05:00.000Z",
                                             "2024-03-13T08:06:00.000Z", "2024-03-20T09:00:00.000Z"]
    # the edit first seen in the correcting export is folded into the message still at its earlier reading
    assert versions(archive)[2] == ("Thursday 3:30 pm works.", 1, "Thursday 3 pm works.", None, "export", 2,
                                    "2024-03-13T13:05:00.000Z", "America/New_York")
    assert tuple(archive.conn.execute("SELECT added, already_present, updated FROM imports WHERE id = 2").fetchone()) == (1, 0, 4)
    assert_verified(archive)


def test_a_correcting_export_older_than_the_archived_edit_gives_it_its_earlier_text_and_its_earlier_reading(archive, tmp_path):
    week1, week2, _ = weeks(tmp_path, ANDROID)
    import_path(archive, week2)
    result = import_path(archive, week1, tz="Europe/Paris", corrects_tz=True)
    assert counts(result) == (0, 0, 4)
    assert result.warnings[-1] == ("4 messages archived as read in America/New_York now read in Europe/Paris (--corrects-tz):"
                                   " each keeps its earlier time as a version")
    assert [r for r in chat(archive) if r[1] == ALEX] == [
        ("2024-03-13T08:05:00.000Z", ALEX, "Thursday 3:30 pm works.", '["edited"]', 3, "Europe/Paris")]
    assert [v[1:] for v in versions(archive) if v[0] == "Thursday 3:30 pm works."] == [
        (1, "Thursday 3 pm works.", None, "export", 2, None, None),
        (2, "Thursday 3:30 pm works.", None, "reimport", 2, "2024-03-13T13:05:00.000Z", "America/New_York"),
    ]
    assert_verified(archive)
