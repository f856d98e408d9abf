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
from conftest import ZONE_SAID, snapshot

from textfile.errors import ImportFailed, TextfileError
from textfile.ingest import import_path
from textfile.integrity import check_archive

SAM, ALEX = "Sam Client", "Alex Owner"
ENCRYPTED = "Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them."


class Shape:
    """How one phone writes a chat: its file name, header, line ends and the words it adds."""

    def __init__(self, name, file_name, newline, header, edited, deleted, you_deleted, system):
        self.name, self.file_name, self.newline = name, file_name, newline
        self.header, self.edited, self.deleted, self.you_deleted, self.system = (
            header,
            edited,
            deleted,
            you_deleted,
            system,
        )

    def __repr__(self) -> str:
        return self.name


ANDROID = Shape(
    "android",
    "WhatsApp Chat with Sam Client.txt",
    "\n",
    "{d}/03/2024, {t} - ",
    " <This message was edited>",
    "This message was deleted",
    "You deleted this message",
    lambda text: text,
)
IOS = Shape(
    "ios",
    "WhatsApp Chat - Sam Client.txt",
    "\r\n",
    "[{d}/03/2024, {t}:00] ",
    " \u200e<This message was edited>",
    "\u200eThis message was deleted.",
    "\u200eYou deleted this message.",
    lambda text: f"{SAM}: \u200e{text}",
)
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
    return (
        export(tmp_path / "week1", shape, WEEK1),
        export(tmp_path / "week2", shape, w2),
        export(tmp_path / "week3", shape, w3),
    )


def chat(archive) -> list[tuple]:
    """Every message: local time as stored (UTC), sender, text, flags, version, zone."""
    return [
        tuple(r)
        for r in archive.conn.execute(
            "SELECT m.sent_at, p.display_name, m.body, m.flags, m.version, m.source_zone FROM messages m"
            " LEFT JOIN participants p ON p.id = m.sender_id ORDER BY m.sent_at, m.rowid"
        )
    ]


def versions(archive) -> list[tuple]:
    return [
        tuple(r)
        for r in archive.conn.execute(
            "SELECT m.body, v.version, v.body, v.at, v.origin, v.import_id, v.sent_at, v.source_zone FROM message_versions v"
            " JOIN messages m ON m.id = v.message_id ORDER BY m.sent_at, v.version"
        )
    ]


def message_id(archive, body: str) -> str:
    return archive.conn.execute("SELECT id FROM messages WHERE body = ?", (body,)).fetchone()[0]


def sources(archive, mid: str) -> list[tuple]:
    return [
        tuple(r)
        for r in archive.conn.execute(
            "SELECT import_id, source_ref FROM message_sources WHERE message_id = ? ORDER BY import_id", (mid,)
        )
    ]


def aliases(archive) -> list[tuple]:
    return [
        tuple(r)
        for r in archive.conn.execute(
            "SELECT alias_id, message_id, import_id, rule FROM message_aliases ORDER BY import_id"
        )
    ]


def counts(result) -> tuple:
    return result.added, result.already_present, result.updated


def week1_rows(shape: Shape = ANDROID) -> list[tuple]:
    ny = "America/New_York"
    return [
        (
            "2024-03-13T13:00:00.000Z",
            SAM if shape is IOS else None,
            ENCRYPTED,
            "[]",
            1,
            ny,
        ),  # (iOS: written by the chat's name)
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


def imported(cli, *args) -> dict:
    """`textfile import ARGS --json`, which must succeed: the one import's report."""
    done = cli("import", *args, "--json")
    assert done.exit_code == 0, done.output
    [report] = json.loads(done.stdout)
    return report


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
    assert result.warnings == [
        f"line 3: edited since line 3 of {shape.file_name} (import 1): kept as a new version of that message,"
        " not as a second message"
    ]
    stored = archive.conn.execute("SELECT added, already_present, updated FROM imports WHERE id = 2").fetchone()
    assert tuple(stored) == (1, 3, 1)
    [details] = [
        json.loads(r[0])
        for r in archive.conn.execute("SELECT details FROM audit_log WHERE command = 'import' ORDER BY id DESC LIMIT 1")
    ]
    assert (details["added"], details["updated"], details["folded"]) == (
        1,
        1,
        [{"message": original, "alias": alias, "rule": "edited", "source_ref": "line 3"}],
    )
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
        ("2024-03-13T13:07:00.000Z", who, body, '["deleted"]', 2, "America/New_York"),
        WEEK2_ROW,
    ]
    assert versions(archive) == [(body, 1, "I never agreed to that", None, "export", 2, None, None)]
    assert message_id(archive, body) == original
    assert [a[1:] for a in aliases(archive)] == [(original, 2, "deleted")]
    assert result.warnings == [
        f"line 5: deleted since line 5 of {shape.file_name} (import 1): kept as a new version of that message,"
        " not as a second message"
    ]
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
    assert result.warnings == [
        f"line 3: the text before the message archived from line 3 of {shape.file_name} (import 1) was edited:"
        " kept as its earlier version, not as a second message"
    ]
    before = snapshot(archive)
    assert (counts(import_path(archive, week1)), counts(import_path(archive, week2))) == ((0, 4, 0), (0, 5, 0))
    after = snapshot(archive)
    assert all(after[t] == before[t] for t in after if t not in ("imports", "message_sources", "audit_log"))
    assert_verified(archive)


ORDERS = list(itertools.permutations((0, 1, 2)))


@pytest.mark.parametrize("order", ORDERS, ids=lambda o: "-".join(f"week{i + 1}" for i in o))
def test_two_edits_over_three_weeks_in_any_order_are_one_message_with_its_versions_in_time_order(
    archive, tmp_path, order
):
    exports = weeks(tmp_path, ANDROID)
    results = [import_path(archive, exports[n]) for n in order]
    if order == (0, 1, 2):  # the second edit replaces the text week 2 showed
        assert results[2].warnings == [
            f"line 3: edited since line 3 of {ANDROID.file_name} (import 2): kept as a new version of that"
            " message, not as a second message"
        ]
    rows = week1_rows()
    final = ("2024-03-13T13:05:00.000Z", ALEX, "Thursday 4 pm works.", '["edited"]', 3, "America/New_York")
    assert chat(archive) == rows[:2] + [final] + rows[3:] + [WEEK2_ROW, WEEK3_ROW]
    assert [(v[1], v[2], v[4]) for v in versions(archive)] == [
        (1, "Thursday 3 pm works.", "export"),
        (2, "Thursday 3:30 pm works.", "export"),
    ]
    assert archive.conn.execute("SELECT count(*) FROM message_aliases").fetchone()[0] == 2
    assert sum(r[0] for r in archive.conn.execute("SELECT added FROM imports")) == 6
    assert all(counts(import_path(archive, path))[0] == 0 for path in exports)
    assert_verified(archive)


def test_several_messages_of_one_minute_that_may_have_been_edited_are_not_guessed_between(archive, tmp_path):
    first = WEEK1[:3] + [("13", "09:05", ALEX, "Or Friday at 10?")] + WEEK1[3:]
    import_path(archive, export(tmp_path / "week1", ANDROID, first))
    second = (
        WEEK1[:2]
        + [
            ("13", "09:05", ALEX, "Thursday 3:30 pm works." + ANDROID.edited),
            ("13", "09:05", ALEX, "Or Friday at 11?" + ANDROID.edited),
        ]
        + WEEK1[3:]
    )
    result = import_path(archive, export(tmp_path / "week2", ANDROID, second))
    assert counts(result) == (2, 3, 0)
    assert [r[2] for r in chat(archive)] == [
        ENCRYPTED,
        "Can we meet this week?",
        "Thursday 3 pm works.",
        "Or Friday at 10?",
        "Thursday 3:30 pm works.",
        "Or Friday at 11?",
        "Great, see you then",
    ]
    assert versions(archive) == [] and aliases(archive) == []
    name = ANDROID.file_name
    assert result.warnings == [
        f"line 3, line 4: the same sender at the same time as archived line 3 of {name} (import 1), line 4 of {name}"
        " (import 1), edited or deleted between the exports, and which message is which cannot be told: none was"
        " taken as another form of another; each is kept as a message of its own"
    ]
    details = json.loads(
        archive.conn.execute(
            "SELECT details FROM audit_log WHERE command = 'import' ORDER BY id DESC LIMIT 1"
        ).fetchone()[0]
    )
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
    assert "#1.6" not in text and "#1.5 " in text  # five messages, not six
    assert cli("verify").exit_code == 0


def transcript_text(cli, archive, tmp_path) -> str:
    conversation = archive.conn.execute("SELECT id FROM conversations").fetchone()[0]
    assert cli("client", "add", "Sam Client", "--phone", "+12025550143").exit_code == 0
    assert cli("matter", "open", "2026-020", "--client", "Sam Client", "--title", "Lease").exit_code == 0
    assert cli("file", conversation, "--matter", "2026-020").exit_code == 0
    made = cli("transcript", "2026-020", "--mkdir", "--out-dir", tmp_path / "out", "--json")
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
        " export as before, or --corrects-tz if Europe/Paris corrects the earlier reading\n"
    )
    assert snapshot(archive) == before
    with pytest.raises(ImportFailed):
        import_path(archive, week1, tz="Europe/Paris")
    # the same zone, or another that puts every message at the same instant, is no correction
    assert counts(import_path(archive, week1, tz="America/Detroit")) == (0, 4, 0)


def test_a_corrected_zone_moves_the_messages_and_keeps_each_earlier_time_as_a_version(cli, archive, tmp_path):
    week1, week2, _ = weeks(tmp_path, ANDROID)
    assert cli("import", week1, "--quiet").exit_code == 0
    assert cli("import", week2, "--quiet").exit_code == 0
    report = imported(cli, week2, "--tz", "Europe/Paris", "--corrects-tz")
    assert (report["added"], report["already_present"], report["updated"]) == (0, 0, 5)
    assert report["warnings"] == [
        "5 messages archived as read in America/New_York now read in Europe/Paris (--corrects-tz):"
        " each keeps its earlier time as a version"
    ]
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
    details = json.loads(
        archive.conn.execute(
            "SELECT details FROM audit_log WHERE command = 'import' ORDER BY id DESC LIMIT 1"
        ).fetchone()[0]
    )
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
    assert [r[:3] + r[5:] for r in chat(archive)][2] == (
        "2024-03-13T08:05:00.000Z",
        ALEX,
        "Thursday 3:30 pm works.",
        "Europe/Paris",
    )
    assert [v[1:] for v in versions(archive) if v[0] == "Thursday 3:30 pm works."] == [
        (1, "Thursday 3 pm works.", None, "export", 2, None, None),
        (2, "Thursday 3:30 pm works.", None, "reimport", 3, "2024-03-13T13:05:00.000Z", "America/New_York"),
    ]
    assert_verified(archive)


def test_with_no_tz_a_chat_is_read_in_the_zone_it_was_last_read_in(cli, archive, tmp_path, monkeypatch):
    """After --corrects-tz, the chat's next export needs no --tz (walk report, defect 7); another chat still
    reads in the archive's zone, and a --tz that differs from the chat's is refused as before."""
    from textfile.ingest import policy as ingest

    week1, week2, _ = weeks(tmp_path, ANDROID)
    assert cli("import", week1, "--quiet").exit_code == 0
    assert cli("import", week1, "--tz", "Europe/Paris", "--corrects-tz", "--quiet").exit_code == 0
    before = snapshot(archive)
    refused = cli("import", week2, "--tz", "America/New_York")
    assert (
        refused.exit_code == 1
        and "line 1: archived as read in Europe/Paris (2024-03-13 09:00 +01:00)" in refused.output
    )
    assert snapshot(archive) == before
    assumed = (
        "WhatsApp Chat with Sam Client.txt: times read as wall-clock times in Europe/Paris, the zone this chat's messages"
        " were last read in, not the archive's America/New_York; pass --tz to read the export in another zone (with"
        " --corrects-tz if that zone corrects the earlier reading)"
    )
    done = cli("import", week2)
    assert done.exit_code == 0, done.output
    assert done.output == (
        f"{week2}: whatsapp, added 1, already present 3, updated 1, skipped 0\n  assumed: {assumed}\n"
        "  warning: line 3: edited since line 3 of WhatsApp Chat with Sam Client.txt (import 2): kept as a new version"
        " of that message, not as a second message\n1 conversation of this export waits to be filed: 1 (textfile"
        " conversations --unfiled; textfile file N --matter REF, or textfile conversation ignore N)\n"
    )
    paris = "Europe/Paris"
    assert chat(archive) == read_in_paris(week2_version=1)
    assert [
        (r[0], r[1], json.loads(r[2]))
        for r in archive.conn.execute("SELECT id, zone, assumptions FROM imports ORDER BY id")
    ] == [(1, "America/New_York", []), (2, paris, []), (3, paris, [assumed])]
    # the same through a second reading process, which hands the zone over with the records
    monkeypatch.setattr(ingest, "PARALLEL_MIN_BYTES", 0)
    again = import_path(archive, week2, parallel=True)
    assert (counts(again), again.zone, again.assumptions) == ((0, 5, 0), paris, [assumed])
    # another chat has never been read anywhere else: the archive's zone, and nothing to say
    other = export(
        tmp_path / "other",
        Shape("android", "WhatsApp Chat with Lee Park.txt", "\n", "{d}/03/2024, {t} - ", "", "", "", str),
        [("21", "10:00", "Lee Park", "Hello"), ("21", "10:01", ALEX, "Hi")],
    )
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
    os.utime(copied, (hour_ago, hour_ago))  # (an inbox holding one chat is an inbox: its folder's time does not count)
    refused = cli("archive", "--mkdir", inbox, "--out", tmp_path / "out", "--tz", "Europe/Paris")
    assert refused.exit_code == 1
    assert f"Error: {copied}: line 1: archived as read in America/New_York" in refused.output
    assert {r[5] for r in chat(archive)} == {"America/New_York"}
    done = cli("archive", "--mkdir", inbox, "--out", tmp_path / "out", "--tz", "Europe/Paris", "--corrects-tz")
    assert done.exit_code == 0, done.output
    assert [r[0] for r in chat(archive)] == [
        "2024-03-13T08:00:00.000Z",
        "2024-03-13T08:01:00.000Z",
        "2024-03-13T08:05:00.000Z",
        "2024-03-13T08:06:00.000Z",
        "2024-03-20T09:00:00.000Z",
    ]
    # the edit first seen in the correcting export is folded into the message still at its earlier reading
    assert versions(archive)[2] == (
        "Thursday 3:30 pm works.",
        1,
        "Thursday 3 pm works.",
        None,
        "export",
        2,
        "2024-03-13T13:05:00.000Z",
        "America/New_York",
    )
    assert tuple(
        archive.conn.execute("SELECT added, already_present, updated FROM imports WHERE id = 2").fetchone()
    ) == (1, 0, 4)
    assert_verified(archive)


def test_a_correcting_export_older_than_the_archived_edit_gives_it_its_earlier_text_and_its_earlier_reading(
    archive, tmp_path
):
    week1, week2, _ = weeks(tmp_path, ANDROID)
    import_path(archive, week2)
    result = import_path(archive, week1, tz="Europe/Paris", corrects_tz=True)
    assert counts(result) == (0, 0, 4)
    assert result.warnings[-1] == (
        "4 messages archived as read in America/New_York now read in Europe/Paris (--corrects-tz):"
        " each keeps its earlier time as a version"
    )
    assert [r for r in chat(archive) if r[1] == ALEX] == [
        ("2024-03-13T08:05:00.000Z", ALEX, "Thursday 3:30 pm works.", '["edited"]', 3, "Europe/Paris")
    ]
    assert [v[1:] for v in versions(archive) if v[0] == "Thursday 3:30 pm works."] == [
        (1, "Thursday 3 pm works.", None, "export", 2, None, None),
        (2, "Thursday 3:30 pm works.", None, "reimport", 2, "2024-03-13T13:05:00.000Z", "America/New_York"),
    ]
    assert_verified(archive)


# -- another reading of the same wall clock: the date order, and any other (walk report 2, defects 5 and 6) ----------

US_CHAT = "WhatsApp Chat with Sam Client.txt"
US_WEEK1 = "11/1/25, 9:31\u202fAM - Alex Owner: Can we meet Thursday?\n11/1/25, 9:35\u202fAM - Sam Client: Thursday 3 pm works.\n"
US_WEEK2 = (
    US_WEEK1 + "12/1/25, 10:00\u202fAM - Sam Client: See you then\n"
)  # (advances alike in both orders: still ambiguous)


def us_export(folder: Path, text: str) -> Path:
    """A chat whose every date reads either way (11/1/25: 1 November or 11 January), as a US phone writes it."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / US_CHAT
    path.write_text(text, encoding="utf-8")
    return path


def options_of(archive, import_id: int) -> dict:
    return json.loads(archive.conn.execute("SELECT options FROM imports WHERE id = ?", (import_id,)).fetchone()[0])


def settled_inbox(tmp_path: Path, *paths: Path) -> Path:
    """An inbox for `archive` holding copies of `paths`, older than a minute (a file still being written is left for later)."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    hour_ago = time.time() - 3600
    for path in paths:
        os.utime(shutil.copy(path, inbox), (hour_ago, hour_ago))
    return inbox


def test_reading_an_archived_export_with_another_date_order_is_refused_unless_it_corrects_the_reading(
    cli, archive, tmp_path
):
    week1 = us_export(tmp_path / "week1", US_WEEK1)
    assert cli("import", week1, "--quiet").exit_code == 0  # read as month/day/year, the usual order for region US
    ny = "America/New_York"
    as_read = [
        ("2025-11-01T13:31:00.000Z", ALEX, "Can we meet Thursday?", "[]", 1, ny),
        ("2025-11-01T13:35:00.000Z", SAM, "Thursday 3 pm works.", "[]", 1, ny),
    ]
    assert chat(archive) == as_read
    before = snapshot(archive)
    refusal = (
        f"Error: {week1}: line 1: archived with its date read as month/day/year (2025-11-01 09:31 -04:00); read as day/month/year"
        " it would move to 2025-01-11 09:31 -05:00, and so would every message read that way. Pass --date-order mdy to read this"
        " export as before, or --corrects-reading if day/month/year corrects the earlier reading\n"
    )
    for flags in ((), ("--corrects-tz",)):  # (--corrects-tz corrects a zone, not a date order)
        refused = cli("import", week1, "--date-order", "dmy", *flags)
        assert (refused.exit_code, refused.output) == (1, refusal)
        assert snapshot(archive) == before
    report = imported(cli, week1, "--date-order", "dmy", "--corrects-reading")
    assert (report["added"], report["already_present"], report["updated"]) == (0, 0, 2)
    assert report["warnings"] == [
        "2 messages archived with dates read as month/day/year now read as day/month/year (--corrects-reading):"
        " each keeps its earlier time as a version"
    ]
    corrected = [
        ("2025-01-11T14:31:00.000Z", ALEX, "Can we meet Thursday?", "[]", 2, ny),
        ("2025-01-11T14:35:00.000Z", SAM, "Thursday 3 pm works.", "[]", 2, ny),
    ]
    assert chat(archive) == corrected
    assert versions(archive) == [
        ("Can we meet Thursday?", 1, "Can we meet Thursday?", None, "reimport", 2, "2025-11-01T13:31:00.000Z", ny),
        ("Thursday 3 pm works.", 1, "Thursday 3 pm works.", None, "reimport", 2, "2025-11-01T13:35:00.000Z", ny),
    ]
    # what was corrected, for the cover: from which order to which, how many messages; and in the audit trail
    same_bytes = {"conversation": "Sam Client", "same_bytes_as": US_CHAT}
    assert options_of(archive, 2) == same_bytes | {
        "date_order": "dmy",
        "corrects_reading": True,
        "corrected": {"date_order": {"from": {"mdy": 2}, "to": "dmy"}},
    }
    details = json.loads(
        archive.conn.execute(
            "SELECT details FROM audit_log WHERE command = 'import' ORDER BY id DESC LIMIT 1"
        ).fetchone()[0]
    )
    assert details["date_order_corrected"] == {"from": {"mdy": 2}, "to": "dmy"}
    assert_verified(archive)
    # with no --date-order the chat is read as it was corrected, and the import says so
    assumed = (
        "dates read as day/month/year, as import 2 corrected this chat's reading: no header date has a number above 12;"
        " pass --date-order mdy if that is wrong"
    )
    again = import_path(archive, week1)
    assert (counts(again), again.assumptions, again.warnings) == ((0, 2, 0), [f"{US_CHAT}: {assumed}"], [])
    assert options_of(archive, 3) == same_bytes
    # so does the weekly run, given no --date-order: next week's export goes on from the corrected reading
    week2 = us_export(tmp_path / "week2", US_WEEK2)
    weekly = cli("archive", "--mkdir", settled_inbox(tmp_path, week2), "--out", tmp_path / "out", "--json")
    assert weekly.exit_code == 0, weekly.output
    [taken] = json.loads(weekly.stdout)["imported"]
    # (an inbox holding one chat text is an inbox: the notices name the chat's file)
    assert ((taken["added"], taken["already_present"], taken["updated"]), taken["assumptions"]) == (
        (1, 2, 0),
        [f"{week2.name}: {assumed}"],
    )
    assert chat(archive) == corrected + [("2025-01-12T15:00:00.000Z", SAM, "See you then", "[]", 1, ny)]


def test_a_chat_imported_with_a_date_order_is_read_in_it_by_the_weekly_run(cli, archive, tmp_path):
    """`archive` given no --date-order: a chat a person read as day/month/year must not be read otherwise next week."""
    assert cli("import", us_export(tmp_path / "week1", US_WEEK1), "--date-order", "dmy", "--quiet").exit_code == 0
    week2 = us_export(tmp_path / "week2", US_WEEK2)
    weekly = cli("archive", "--mkdir", settled_inbox(tmp_path, week2), "--out", tmp_path / "out", "--json")
    assert weekly.exit_code == 0, weekly.output
    [taken] = json.loads(weekly.stdout)["imported"]
    assert (taken["added"], taken["already_present"], taken["updated"]) == (1, 2, 0)
    assert taken["assumptions"] == [
        f"{week2.name}: dates read as day/month/year, as --date-order dmy said for this chat in import 1: no"
        " header date has a number above 12; pass --date-order mdy if that is wrong"
    ]
    ny = "America/New_York"
    assert chat(archive) == [
        ("2025-01-11T14:31:00.000Z", ALEX, "Can we meet Thursday?", "[]", 1, ny),
        ("2025-01-11T14:35:00.000Z", SAM, "Thursday 3 pm works.", "[]", 1, ny),
        ("2025-01-12T15:00:00.000Z", SAM, "See you then", "[]", 1, ny),
    ]
    # a --date-order given again is the chat's order from then on; one that would move its messages is refused
    with pytest.raises(ImportFailed, match="archived with its date read as day/month/year"):
        import_path(archive, us_export(tmp_path / "week2", US_WEEK2), date_order="mdy")


# Day first, as a UK phone writes it: "25/03/2024" has no month 25, so the file proves day/month/year.
UK_CHAT = (
    "12/03/2024, 09:01 - Sam Client: The lease arrived\n"
    "25/03/2024, 14:02 - Sam Client: Did you sign it?\n"
    "26/03/2024, 08:15 - Alex Owner: Yes, this morning\n"
)
UK_ROWS = [
    ("2024-03-12T13:01:00.000Z", SAM, "The lease arrived", "[]", 1, "America/New_York"),
    ("2024-03-25T18:02:00.000Z", SAM, "Did you sign it?", "[]", 1, "America/New_York"),
    ("2024-03-26T12:15:00.000Z", ALEX, "Yes, this morning", "[]", 1, "America/New_York"),
]


def test_an_import_whose_dates_disprove_its_date_order_is_refused_and_the_archive_is_unchanged(cli, archive, tmp_path):
    """Walk report (date order): `import --date-order mdy` of a day-first export was read with a warning, each header
    whose date has no month read so kept as text of the message before it: 61% of a real chat's messages were merged
    into other people's. The file proves the other order: refused, by `import` as by the weekly run's --date-order."""
    export = us_export(tmp_path / "export", UK_CHAT)
    before = snapshot(archive)
    refusal = (
        "--date-order mdy contradicts the file's dates: 2 header dates are impossible as month/day/year (the first,"
        " 25/03/2024, at line 2) and none as day/month/year; pass --date-order dmy, the order they prove, or leave"
        " --date-order out"
    )
    for flags in ((), ("--corrects-reading",)):
        refused = cli("import", export, "--date-order", "mdy", *flags)
        assert (refused.exit_code, refused.output) == (1, f"Error: {export}: {refusal}\n")
        assert snapshot(archive) == before
    inbox = settled_inbox(tmp_path, export)
    weekly = cli("archive", "--mkdir", inbox, "--out", tmp_path / "out", "--date-order", "mdy", "--json")
    assert (weekly.exit_code, weekly.stderr) == (1, f"Error: {inbox / US_CHAT}: {refusal}\n")
    assert json.loads(weekly.stdout)["failed"] == [{"path": str(inbox / US_CHAT), "reason": refusal}]
    assert snapshot(archive) == before
    # the order the dates prove, given or not, reads every line as a message
    report = imported(cli, export)
    assert (report["added"], report["warnings"], report["assumptions"]) == (3, [], [])
    assert chat(archive) == UK_ROWS


def test_a_chat_whose_dates_contradict_both_orders_is_refused_until_a_person_chooses(cli, archive, tmp_path):
    """Second reader (date order): dates of both kinds (25/03/2024 fits day/month/year only, 03/27/2024 month/day/year
    only) were read in the more dates' order, the others kept as text of the message before them and archived so, and
    the import advised --date-order to choose: the other reading archived those messages again, shorter. Each order
    reads only some lines as messages: with no order given for the chat, refused by `import` and the weekly run alike,
    naming both choices, and the archive unchanged; the choice made by hand reads every line it can as a message."""
    export = us_export(tmp_path / "export", UK_CHAT + "03/27/2024, 10:00 - Sam Client: Sent it back\n")
    before = snapshot(archive)
    refusal = (
        "2 header dates have a first number above 12 (the first, 25/03/2024, at line 2), 1 a second one (03/27/2024, at"
        " line 4): each date order reads some of them as messages and not the others (kept as text of the message"
        " before them, or skipped where they come before the first message); import the file with --date-order dmy to"
        " read the 2 as messages, or with --date-order mdy to read the 1; the order given is remembered for this chat"
    )
    refused = cli("import", export)
    assert (refused.exit_code, refused.output) == (1, f"Error: {export}: {refusal}\n")
    assert snapshot(archive) == before
    inbox = settled_inbox(tmp_path, export)
    weekly = cli("archive", "--mkdir", inbox, "--out", tmp_path / "out", "--json")
    assert (weekly.exit_code, weekly.stderr) == (1, f"Error: {inbox / US_CHAT}: {refusal}\n")
    assert json.loads(weekly.stdout)["failed"] == [{"path": str(inbox / US_CHAT), "reason": refusal}]
    assert snapshot(archive) == before
    report = imported(cli, export, "--date-order", "mdy")
    assert (report["added"], report["warnings"]) == (
        2,
        [
            f"{US_CHAT}: 2 lines look like message headers but their dates are impossible in --date-order mdy (the"
            " first at line 2): they were kept as text of the message before them"
        ],
    )
    ny = "America/New_York"
    assert chat(archive) == [
        ("2024-03-27T14:00:00.000Z", SAM, "Sent it back", "[]", 1, ny),
        (
            "2024-12-03T14:01:00.000Z",
            SAM,
            "The lease arrived\n25/03/2024, 14:02 - Sam Client: Did you sign it?\n26/03/2024, 08:15 - Alex Owner: Yes,"
            " this morning",
            "[]",
            1,
            ny,
        ),
    ]


def test_a_date_order_chosen_between_two_contradicted_readings_is_imported_with_its_misfits_named(
    cli, archive, tmp_path
):
    """Dates of both kinds: 25/03/2024 fits day/month/year only, 03/27/2024 month/day/year only. --date-order chooses
    between two contradicted readings: not a guess, and it stands, the headers impossible in it named (kept as text)."""
    export = us_export(tmp_path / "export", UK_CHAT + "03/27/2024, 10:00 - Sam Client: Sent it back\n")
    report = imported(cli, export, "--date-order", "dmy")
    assert (report["added"], report["warnings"]) == (
        3,
        [
            f"{US_CHAT}: 1 line looks like a message header but its date is impossible in --date-order dmy (at line 4):"
            " it was kept as text of the message before it"
        ],
    )
    assert chat(archive) == UK_ROWS[:2] + [
        (
            "2024-03-26T12:15:00.000Z",
            ALEX,
            "Yes, this morning\n03/27/2024, 10:00 - Sam Client: Sent it back",
            "[]",
            1,
            "America/New_York",
        )
    ]


def test_a_chat_whose_dates_contradict_both_orders_is_read_next_week_as_a_person_chose(cli, archive, tmp_path):
    """A person chose month/day/year for a chat whose dates contradict both orders. The weekly run read next week's
    export as day/month/year, the more dates' order, over that choice: the lines read as months before were skipped
    ("unparseable line before the first message") and the two kept as text were archived again as messages of their
    own. A choice between two contradicted readings is the chat's, as an order given for it is when its dates read
    either way: read alike, and said."""
    mixed = "03/13/2024, 09:01 - Sam Client: a\n03/14/2024, 09:02 - Alex Owner: b\n" + UK_CHAT.split("\n", 1)[1]
    report = imported(cli, us_export(tmp_path / "week1", mixed), "--date-order", "mdy")
    assert report["added"] == 2
    week2 = us_export(tmp_path / "week2", mixed + "03/15/2024, 10:00 - Sam Client: Sent it back\n")
    weekly = cli("archive", "--mkdir", settled_inbox(tmp_path, week2), "--out", tmp_path / "out", "--json")
    assert weekly.exit_code == 0, weekly.output
    [taken] = json.loads(weekly.stdout)["imported"]
    assert ((taken["added"], taken["already_present"], taken["updated"], taken["skipped"]), taken["warnings"]) == (
        (1, 2, 0, {}),
        [
            f"{US_CHAT}: dates read as month/day/year, as --date-order mdy said for this chat in import 1: 2 header"
            " dates have a first number above 12 (the first, 25/03/2024, at line 3), 3 a second one (the first,"
            " 03/13/2024, at line 1); the 2 that fit only day/month/year: they were kept as text of the message before"
            " them"
        ],
    )
    ny = "America/New_York"
    assert chat(archive) == [
        ("2024-03-13T13:01:00.000Z", SAM, "a", "[]", 1, ny),
        (
            "2024-03-14T13:02:00.000Z",
            ALEX,
            "b\n25/03/2024, 14:02 - Sam Client: Did you sign it?\n26/03/2024, 08:15 - Alex Owner: Yes, this morning",
            "[]",
            1,
            ny,
        ),
        ("2024-03-15T14:00:00.000Z", SAM, "Sent it back", "[]", 1, ny),
    ]


def test_an_order_given_for_a_chat_before_that_a_newer_export_disproves_is_refused(cli, archive, tmp_path):
    """A chat read as month/day/year by a person's word (its dates read either way) is read so next week with no flag
    (`_said_before`). Next week's export has 13/1/25, which has no month 13: it disproves that word. It was read over
    in silence (day/month/year, proven), or refused by ingest advising the very --date-order the export disproves.
    Refused by the importer, naming the word and the way out, whether by `import`, `import --corrects-reading` with
    no --date-order, or the weekly run; an order a correction gave is that word too."""
    assert cli("import", us_export(tmp_path / "week1", US_WEEK1), "--date-order", "mdy", "--quiet").exit_code == 0
    as_said = chat(archive)
    week2 = us_export(tmp_path / "week2", US_WEEK1 + "13/1/25, 10:00\u202fAM - Sam Client: See you then\n")
    before = snapshot(archive)
    said = (
        "this chat's dates are read as month/day/year, as --date-order mdy said for this chat in import 1, but this"
        " export's dates contradict it: 1 header date is impossible as month/day/year (13/1/25, at line 3) and none"
        " as day/month/year; pass --date-order dmy, the order they prove (with --corrects-reading if that moves"
        " messages archived as month/day/year)"
    )
    for flags in ((), ("--corrects-reading",)):
        refused = cli("import", week2, *flags)
        assert (refused.exit_code, refused.output) == (1, f"Error: {week2}: {said}\n")
        assert snapshot(archive) == before
    inbox = settled_inbox(tmp_path, week2)
    weekly = cli("archive", "--mkdir", inbox, "--out", tmp_path / "out", "--json")
    assert (weekly.exit_code, weekly.stderr) == (1, f"Error: {inbox / US_CHAT}: {said}\n")
    assert json.loads(weekly.stdout)["failed"] == [{"path": str(inbox / US_CHAT), "reason": said}]
    assert snapshot(archive) == before and chat(archive) == as_said
    # the way out: the order the dates prove, correcting the messages read the other way
    report = imported(cli, week2, "--date-order", "dmy", "--corrects-reading")
    assert (report["added"], report["updated"]) == (1, 2)
    ny = "America/New_York"
    assert chat(archive) == [
        ("2025-01-11T14:31:00.000Z", ALEX, "Can we meet Thursday?", "[]", 2, ny),
        ("2025-01-11T14:35:00.000Z", SAM, "Thursday 3 pm works.", "[]", 2, ny),
        ("2025-01-13T15:00:00.000Z", SAM, "See you then", "[]", 1, ny),
    ]
    # that correction is the chat's word now: an export whose dates disprove it is refused, naming it
    week3 = us_export(
        tmp_path / "week3", "1/14/25, 9:00\u202fAM - Alex Owner: Thanks\n1/14/25, 9:05\u202fAM - Sam Client: Bye\n"
    )
    before = snapshot(archive)
    refused = cli("import", week3)
    assert (refused.exit_code, refused.output) == (
        1,
        f"Error: {week3}: this chat's dates are read as day/month/year, as import 2 corrected this chat's reading, but"
        " this export's dates contradict it: 2 header dates are impossible as day/month/year (the first, 1/14/25, at"
        " line 1) and none as month/day/year; pass --date-order mdy, the order they prove (with --corrects-reading if"
        " that moves messages archived as day/month/year)\n",
    )
    assert snapshot(archive) == before


# Year first, as a phone set to ISO dates writes it; line 3 is written day first, of another shape than the file's.
YEAR_FIRST_CHAT = (
    "2024-03-12, 09:01 - Sam Client: The lease arrived\n"
    "2024-03-13, 09:02 - Alex Owner: Did you sign it?\n"
    "25/03/2024, 14:02 - Sam Client: Signed and sent back\n"
    "2024-03-26, 08:15 - Alex Owner: Thanks\n"
)
YEAR_FIRST_ROWS = [
    ("2024-03-12T13:01:00.000Z", SAM, "The lease arrived", "[]", 1, "America/New_York"),
    ("2024-03-13T13:02:00.000Z", ALEX, "Did you sign it?", "[]", 1, "America/New_York"),
    ("2024-03-25T18:02:00.000Z", SAM, "Signed and sent back", "[]", 1, "America/New_York"),
    ("2024-03-26T12:15:00.000Z", ALEX, "Thanks", "[]", 1, "America/New_York"),
]


YEAR_FIRST_REFUSAL = (
    "3 of its 4 header dates are written year first, 1 day or month first (25/03/2024, at line 3): whether that line"
    " is a message is the date order's choice; import the file with --date-order dmy, the order its date proves, to"
    " read it as a message, or with --date-order ymd to keep it as text of the message before it (as this chat's"
    " other headers write the year first); the order given is remembered for this chat"
)


def test_a_year_first_chat_with_a_header_written_day_first_is_refused_until_a_person_chooses(cli, archive, tmp_path):
    """Second reader (date order): a header written day first in a chat whose headers mostly write the year first was
    kept as text of the message before it, that message archived so, and the import advised --date-order dmy to read
    it as a message. A message's text is part of its identity: that re-reading archived the message again, shorter,
    beside the one archived (6 real messages became 8), and next week's export said the longer one was no longer on
    the phone. Which lines are messages is decided before anything is archived: with no order given for the chat,
    the import is refused, by `import` and by the weekly run alike, naming both choices and what each does."""
    export = us_export(tmp_path / "export", YEAR_FIRST_CHAT)
    before = snapshot(archive)
    for flags in ((), ("--corrects-reading",)):
        refused = cli("import", export, *flags)
        assert (refused.exit_code, refused.output) == (1, f"Error: {export}: {YEAR_FIRST_REFUSAL}\n")
        assert snapshot(archive) == before
    inbox = settled_inbox(tmp_path, export)
    weekly = cli("archive", "--mkdir", inbox, "--out", tmp_path / "out", "--json")
    assert (weekly.exit_code, weekly.stderr) == (1, f"Error: {inbox / US_CHAT}: {YEAR_FIRST_REFUSAL}\n")
    assert json.loads(weekly.stdout)["failed"] == [{"path": str(inbox / US_CHAT), "reason": YEAR_FIRST_REFUSAL}]
    assert snapshot(archive) == before


def test_the_refusal_of_a_chat_the_archive_holds_names_the_order_it_was_read_in_before(cli, archive, tmp_path):
    """A chat archived before such a file was refused (here from an export with no line written day first; an archive
    made before this rule holds such lines as text of other messages): its refusal says in which order an import
    given none read it, which reads alike a message archived with such a line as its text, and that another order
    would archive that message again."""
    week1 = us_export(
        tmp_path / "week1", YEAR_FIRST_CHAT.replace("25/03/2024, 14:02 - Sam Client: Signed and sent back\n", "")
    )
    assert imported(cli, week1)["added"] == 3
    week2 = us_export(tmp_path / "week2", YEAR_FIRST_CHAT)
    before = snapshot(archive)
    refused = cli("import", week2)
    assert (refused.exit_code, refused.output) == (
        1,
        f"Error: {week2}: {YEAR_FIRST_REFUSAL}; this chat is archived: before such a file was refused, an import given"
        " no order read it as year/month/day, and another order would archive again each message archived with such"
        " a line as its text\n",
    )
    assert snapshot(archive) == before


GLUED = YEAR_FIRST_ROWS[1][:2] + ("Did you sign it?\n25/03/2024, 14:02 - Sam Client: Signed and sent back",)


def kept_as_text(why: str, headers: int) -> str:
    """What an import in year/month/day order, as a person chose (`why`), says of YEAR_FIRST_CHAT's line 3."""
    return (
        f"{US_CHAT}: dates read as year/month/day, {why} and as {headers - 1} of its {headers} header dates are written;"
        " the other is written day or month first (25/03/2024, at line 3): it was kept as text of the message before it"
    )


# each choice's messages, and whether its import names the line written day first
AS_CHOSEN = {
    "ymd": ([YEAR_FIRST_ROWS[0], GLUED + YEAR_FIRST_ROWS[1][3:], YEAR_FIRST_ROWS[3]], True),
    "dmy": (YEAR_FIRST_ROWS, False),
}


@pytest.mark.parametrize("order", AS_CHOSEN)
def test_the_date_order_a_person_chose_for_a_year_first_chat_is_read_alike_again_and_next_week(
    cli, archive, tmp_path, order
):
    """Either choice, imported by hand, is the chat's: its notice (ymd: the line kept as text) says the order was the
    person's and advises no other; the same export imported again with no flag, and next week's longer export taken
    by the weekly run, are read in it: nothing archived twice, nothing said to be no longer on the phone."""
    rows, named = AS_CHOSEN[order]
    export = us_export(tmp_path / "week1", YEAR_FIRST_CHAT)
    report = imported(cli, export, "--date-order", order)
    said = [kept_as_text(f"as --date-order {order} said", 4)] if named else []
    assert (report["added"], report["warnings"], report["assumptions"]) == (len(rows), said, [])
    assert chat(archive) == rows
    said_before = f"as --date-order {order} said for this chat in import 1"
    again = imported(cli, export)
    assert (again["added"], again["already_present"], again["updated"], again["warnings"], again["assumptions"]) == (
        0,
        len(rows),
        0,
        [kept_as_text(said_before, 4)] if named else [],
        [],
    )
    week2 = us_export(tmp_path / "week2", YEAR_FIRST_CHAT + "2024-03-27, 09:00 - Sam Client: Received, thanks\n")
    weekly = cli("archive", "--mkdir", settled_inbox(tmp_path, week2), "--out", tmp_path / "out", "--json")
    assert weekly.exit_code == 0, weekly.output
    [taken] = json.loads(weekly.stdout)["imported"]
    assert (
        (taken["added"], taken["already_present"], taken["updated"], taken.get("missing_from_phone")),
        taken["warnings"],
    ) == ((1, len(rows), 0, None), [kept_as_text(said_before, 5)] if named else [])  # (a count of none is left out)
    assert chat(archive) == rows + [("2024-03-27T13:00:00.000Z", SAM, "Received, thanks", "[]", 1, "America/New_York")]
    assert archive.conn.execute("SELECT * FROM missing_from_phone").fetchall() == []


def test_a_line_of_another_style_is_named_on_the_imports_transcript(cli, archive, tmp_path):
    """Walk report (header styles): an iOS line pasted into an Android chat was kept as text of Sam's message, and its
    author made a participant of the chat, in silence. Kept as text (an export writes every header in one style), it
    is named on the transcript and recorded among the import's warnings; the chat's participants are its writers."""
    export = us_export(
        tmp_path / "export",
        "12/03/2024, 09:01 - Sam Client: From the landlord:\n[11/03/2024, 17:45:12] Landlord: The lease is ready\n"
        "13/03/2024, 09:02 - Alex Owner: Thanks\n",
    )
    warning = (
        f"{US_CHAT}: 1 line looks like a message header of another style than the file's 2 headers ('[11/03/2024,"
        " 17:45:12]', at line 2; the first of the file's: '12/03/2024, 09:01 -', at line 1): it was kept as text of"
        " the message before it (an export writes every header in one style)"
    )
    done = cli("import", export)
    assert (done.exit_code, done.output) == (  # (the zone, as the transcript says it: second reader, round 15)
        0,
        f"{export}: whatsapp, added 2, already present 0, updated 0, skipped 0\n{ZONE_SAID}  warning: {warning}\n1 conversation of"
        " this export waits to be filed: 1 (textfile conversations --unfiled; textfile file N --matter REF, or textfile"
        " conversation ignore N)\n",
    )
    ny = "America/New_York"
    assert chat(archive) == [
        (
            "2024-03-12T13:01:00.000Z",
            SAM,
            "From the landlord:\n[11/03/2024, 17:45:12] Landlord: The lease is ready",
            "[]",
            1,
            ny,
        ),
        ("2024-03-13T13:02:00.000Z", ALEX, "Thanks", "[]", 1, ny),
    ]
    assert [
        tuple(r) for r in archive.conn.execute("SELECT handle, display_name, is_owner FROM participants ORDER BY id")
    ] == [
        (ALEX, ALEX, 1),
        (SAM, SAM, 0),
    ]
    assert json.loads(archive.conn.execute("SELECT warnings FROM imports").fetchone()[0]) == [warning]


def test_a_year_first_chat_read_in_a_persons_day_first_order_is_read_so_by_the_weekly_run(cli, archive, tmp_path):
    """A person read a year-first chat with --date-order dmy, which reads its header written day first as a message.
    The weekly run, given no --date-order, read next week's export year first before any other rule: that header
    kept as text, Alex's message archived again with Sam's in it. The order a person gave for the chat reads both
    shapes next week too."""
    report = imported(cli, us_export(tmp_path / "week1", YEAR_FIRST_CHAT), "--date-order", "dmy")
    assert (report["added"], report["warnings"], report["assumptions"]) == (4, [], [])
    week2 = us_export(tmp_path / "week2", YEAR_FIRST_CHAT + "2024-03-27, 10:00 - Sam Client: See you Friday\n")
    weekly = cli("archive", "--mkdir", settled_inbox(tmp_path, week2), "--out", tmp_path / "out", "--json")
    assert weekly.exit_code == 0, weekly.output
    [taken] = json.loads(weekly.stdout)["imported"]
    assert (taken["added"], taken["already_present"], taken["updated"], taken["warnings"]) == (1, 4, 0, [])
    assert chat(archive) == YEAR_FIRST_ROWS + [
        ("2024-03-27T14:00:00.000Z", SAM, "See you Friday", "[]", 1, "America/New_York")
    ]


WEEK2_LINE = "2024-03-27, 09:00 - Sam Client: Received, thanks\n"  # (what next week's export of YEAR_FIRST_CHAT adds)

# A reading in another order than a person gave for the chat that makes messages of other lines: the line written
# day first (line 3) kept as text of Alex's message, read as a message, or the reverse (`_refuse_lines_read_otherwise`).
RESPLIT = {
    ("ymd", "dmy"): (
        "this chat was read as year/month/day (as --date-order ymd said for this chat in import 1): --date-order dmy"
        " would read as a message line 3 ('25/03/2024, 14:02 -'), which that reading kept as text of the message before"
        " it, archiving again, shorter, the message archived with it in its text (a message's text is part of its"
        " identity). A reading that changes which lines are messages cannot be corrected yet, with --corrects-reading"
        " or without: pass --date-order ymd to read this file as before (the archive keeps that line as text of the"
        " message before it: nothing is lost)"
    ),
    ("dmy", "ymd"): (
        "this chat was read as day/month/year (as --date-order dmy said for this chat in import 1): --date-order ymd"
        " would keep as text of the message before it line 3 ('25/03/2024, 14:02 -'), which that reading read as a"
        " message, archiving again, longer, the message before it (a message's text is part of its identity). A"
        " reading that changes which lines are messages cannot be corrected yet, with --corrects-reading or without:"
        " pass --date-order dmy to read this file as before (the archive keeps that line as a message: nothing is lost)"
    ),
}


@pytest.mark.parametrize("first, then", RESPLIT)
def test_an_order_that_makes_messages_of_other_lines_than_the_chats_is_refused_and_the_archive_is_unchanged(
    cli, archive, tmp_path, first, then
):
    """Lead's report: a year-first chat imported with --date-order ymd (line 3, written day first, kept as text of
    Alex's message), then with --date-order dmy, archived Alex's message again, shorter, beside the first, with no
    warning; --corrects-reading too ("nothing was corrected"); and the reverse (dmy, then ymd) archived it again,
    longer. The refusal for want of an order covered only an import given none. Refused by `import`, with
    --corrects-reading or without, and by the weekly run's --date-order, naming the line, the chat's order, whose
    word it was, and the way out, which reads the file as before."""
    export = us_export(tmp_path / "export", YEAR_FIRST_CHAT)
    rows = AS_CHOSEN[first][0]
    assert imported(cli, export, "--date-order", first)["added"] == len(rows)
    before = snapshot(archive)
    for flags in ((), ("--corrects-reading",)):
        refused = cli("import", export, "--date-order", then, *flags)
        assert (refused.exit_code, refused.output) == (1, f"Error: {export}: {RESPLIT[first, then]}\n")
        assert snapshot(archive) == before
    # (next week's export: the weekly run does not read again bytes the archive has imported)
    inbox = settled_inbox(tmp_path, us_export(tmp_path / "week2", YEAR_FIRST_CHAT + WEEK2_LINE))
    weekly = cli("archive", "--mkdir", inbox, "--out", tmp_path / "out", "--date-order", then, "--json")
    refusal = RESPLIT[first, then]
    assert (weekly.exit_code, weekly.stderr) == (1, f"Error: {inbox / US_CHAT}: {refusal}\n")
    assert json.loads(weekly.stdout)["failed"] == [{"path": str(inbox / US_CHAT), "reason": refusal}]
    assert snapshot(archive) == before and chat(archive) == rows
    as_before = imported(cli, export, "--date-order", first)
    assert (as_before["added"], as_before["already_present"], as_before["updated"]) == (0, len(rows), 0)
    assert chat(archive) == rows


def test_the_weekly_run_refuses_an_order_said_later_that_makes_messages_of_lines_an_earlier_one_kept_as_text(
    cli, archive, tmp_path
):
    """Every order a person gave for a chat counts, not only the latest: a year-first chat read with --date-order ymd
    (line 3 kept as text), then another export of it with --date-order dmy (every date written year first: read
    alike). The weekly run, given no order, reads the chat in the latest (dmy), which would read line 3 as a message
    and archive Alex's message again, shorter: refused, naming both words."""
    assert imported(cli, us_export(tmp_path / "week1", YEAR_FIRST_CHAT), "--date-order", "ymd")["added"] == 3
    other = us_export(
        tmp_path / "other", "2024-03-27, 09:00 - Sam Client: Received\n2024-03-27, 09:05 - Alex Owner: Thanks again\n"
    )
    assert imported(cli, other, "--date-order", "dmy")["added"] == 2
    before = snapshot(archive)
    inbox = settled_inbox(tmp_path, us_export(tmp_path / "week2", YEAR_FIRST_CHAT + WEEK2_LINE))
    weekly = cli("archive", "--mkdir", inbox, "--out", tmp_path / "out", "--json")
    refusal = (
        "this chat was read as year/month/day (as --date-order ymd said for this chat in import 1): reading it as"
        " day/month/year (as --date-order dmy said for this chat in import 2) would read as a message line 3"
        " ('25/03/2024, 14:02 -'), which that reading kept as text of the message before it, archiving again, shorter,"
        " the message archived with it in its text (a message's text is part of its identity). A reading that changes"
        " which lines are messages cannot be corrected yet, with --corrects-reading or without: pass --date-order ymd"
        " to read this file as before (the archive keeps that line as text of the message before it: nothing is lost)"
    )
    assert (weekly.exit_code, weekly.stderr) == (1, f"Error: {inbox / US_CHAT}: {refusal}\n")
    assert json.loads(weekly.stdout)["failed"] == [{"path": str(inbox / US_CHAT), "reason": refusal}]
    assert snapshot(archive) == before


def test_an_order_that_makes_messages_of_no_other_line_than_the_chats_is_read_as_before(cli, archive, tmp_path):
    """No new refusal where nothing would be archived twice: a year-first chat read with --date-order ymd, then its
    export read with --date-order dmy, which reads every line alike (all written year first); then an export with a
    line written day first before its first message, which year/month/day order skips as a line before the first
    message and dmy reads as a message: added, no message's text changes."""
    lines = "2024-03-12, 09:01 - Sam Client: The lease arrived\n2024-03-13, 09:02 - Alex Owner: Did you sign it?\n"
    assert imported(cli, us_export(tmp_path / "week1", lines), "--date-order", "ymd")["added"] == 2
    alike = imported(cli, us_export(tmp_path / "week1", lines), "--date-order", "dmy")
    assert (alike["added"], alike["already_present"], alike["updated"], alike["warnings"]) == (0, 2, 0, [])
    lead = imported(
        cli, us_export(tmp_path / "week2", "25/02/2024, 10:00 - Sam Client: Forwarded\n" + lines), "--date-order", "dmy"
    )
    assert (lead["added"], lead["already_present"], lead["updated"], lead["warnings"]) == (1, 2, 0, [])
    ny = "America/New_York"
    assert chat(archive) == [
        ("2024-02-25T15:00:00.000Z", SAM, "Forwarded", "[]", 1, ny),
        ("2024-03-12T13:01:00.000Z", SAM, "The lease arrived", "[]", 1, ny),
        ("2024-03-13T13:02:00.000Z", ALEX, "Did you sign it?", "[]", 1, ny),
    ]


def test_a_chat_whose_dates_contradict_both_orders_is_refused_in_the_other_order_than_a_persons(cli, archive, tmp_path):
    """Dates of both kinds, no date that reads either way (nothing would move): read with --date-order dmy (lines 2
    and 4 kept as text), then with mdy, which reads lines 2 and 4 as messages, skips line 1 as a line before its first
    message and keeps line 3 as text: Sam's message archived again, shorter, and Alex's, longer. Refused, naming
    each."""
    export = us_export(
        tmp_path / "export",
        "25/03/2024, 09:01 - Sam Client: a\n03/27/2024, 09:02 - Alex Owner: b\n26/03/2024, 09:03 - Sam Client: c\n"
        "03/28/2024, 09:04 - Alex Owner: d\n",
    )
    assert imported(cli, export, "--date-order", "dmy")["added"] == 2
    before = snapshot(archive)
    refused = cli("import", export, "--date-order", "mdy")
    assert (refused.exit_code, refused.output) == (
        1,
        f"Error: {export}: this chat was read as day/month/year (as --date-order dmy said for this chat in import 1):"
        " --date-order mdy would read as messages 2 lines (line 2, '03/27/2024, 09:02 -'; line 4, '03/28/2024, 09:04"
        " -'), which that reading kept as text of the message before them, archiving again, shorter, each message"
        " archived with one in its text and keep as text of the message before it line 3 ('26/03/2024, 09:03 -'),"
        " which that reading read as a message, archiving again, longer, the message before it (a message's text is"
        " part of its identity). A reading that changes which lines are messages cannot be corrected yet, with"
        " --corrects-reading or without: pass --date-order dmy to read this file as before (the archive keeps those"
        " lines as text of the message before them and that line as a message: nothing is lost)\n",
    )
    assert snapshot(archive) == before


def test_date_order_ymd_on_a_chat_mostly_written_day_first_is_refused_and_the_archive_is_unchanged(
    cli, archive, tmp_path
):
    """Walk report (date order): `--date-order ymd` on a day-first export with one header written year first read
    that one alone: the three before it were skipped as lines before the first message, and nothing said so.
    Refused, by `import` as by the weekly run's --date-order, naming the order the dates prove."""
    export = us_export(tmp_path / "export", UK_CHAT + "2024-03-27, 10:00 - Sam Client: Sent it back\n")
    before = snapshot(archive)
    refusal = (
        "--date-order ymd contradicts the file's dates: 3 header dates are impossible as year/month/day (the first,"
        " 12/03/2024, at line 1); pass --date-order dmy, the order they prove, or leave --date-order out"
    )
    refused = cli("import", export, "--date-order", "ymd")
    assert (refused.exit_code, refused.output) == (1, f"Error: {export}: {refusal}\n")
    assert snapshot(archive) == before
    inbox = settled_inbox(tmp_path, export)
    weekly = cli("archive", "--mkdir", inbox, "--out", tmp_path / "out", "--date-order", "ymd", "--json")
    assert (weekly.exit_code, weekly.stderr) == (1, f"Error: {inbox / US_CHAT}: {refusal}\n")
    assert json.loads(weekly.stdout)["failed"] == [{"path": str(inbox / US_CHAT), "reason": refusal}]
    assert snapshot(archive) == before


def test_an_export_whose_dates_prove_the_other_order_is_not_advised_the_order_they_disprove(cli, archive, tmp_path):
    """A chat read as month/day/year, the usual order for region US (its dates read either way). Next week's export
    has 13/1/25, which proves day/month/year: ingest refused it, advising "--date-order mdy to read this export as
    before", which the importer refuses (the dates disprove it). The advice is the one way out: --corrects-reading."""
    assert cli("import", us_export(tmp_path / "week1", US_WEEK1), "--quiet").exit_code == 0
    week2 = us_export(tmp_path / "week2", US_WEEK1 + "13/1/25, 10:00\u202fAM - Sam Client: See you then\n")
    before = snapshot(archive)
    refused = cli("import", week2)
    assert (refused.exit_code, refused.output) == (
        1,
        f"Error: {week2}: line 1: archived with its date read as month/day/year (2025-11-01 09:31 -04:00); read as"
        " day/month/year it would move to 2025-01-11 09:31 -05:00, and so would every message read that way. This"
        " export's dates prove day/month/year (some are impossible as month/day/year), so it cannot be read as before:"
        " pass --corrects-reading, as day/month/year corrects the earlier reading\n",
    )
    assert snapshot(archive) == before
    advised_before = cli("import", week2, "--date-order", "mdy")
    assert (advised_before.exit_code, snapshot(archive)) == (1, before)
    report = imported(cli, week2, "--corrects-reading")
    assert (report["added"], report["updated"]) == (1, 2)
    ny = "America/New_York"
    assert chat(archive) == [
        ("2025-01-11T14:31:00.000Z", ALEX, "Can we meet Thursday?", "[]", 2, ny),
        ("2025-01-11T14:35:00.000Z", SAM, "Thursday 3 pm works.", "[]", 2, ny),
        ("2025-01-13T15:00:00.000Z", SAM, "See you then", "[]", 1, ny),
    ]


def test_any_other_reading_of_a_known_time_as_written_is_refused_unless_it_corrects_the_earlier(archive):
    """The same time as written (the identity holds it), in the same zone and date order, at another instant: a DST hour
    read as its other occurrence, say, by a newer reading. Refused like a zone, naming both readings."""
    from dataclasses import replace
    from datetime import timedelta

    from conftest import msg, source

    from textfile.ingest import ingest

    hello = replace(msg(1, "Hello", time_precision="minute"), source_zone="America/New_York")
    ingest(archive, source(wall_clock=True), [hello])
    before = snapshot(archive)
    later = replace(hello, sent_at=hello.sent_at + timedelta(hours=1))
    with pytest.raises(TextfileError) as refused:
        ingest(archive, source(wall_clock=True), [later])
    assert str(refused.value) == (
        "element 1: archived as 2024-03-01 07:01 -05:00 (read in America/New_York); this import reads the same"
        " time as written as 2024-03-01 08:01 -05:00, and so would it read every message written that way. Pass"
        " --corrects-reading if this reading corrects the earlier one"
    )
    assert snapshot(archive) == before
    result = ingest(
        archive, source(wall_clock=True, corrects_reading=True, options={"corrects_reading": True}), [later]
    )
    assert counts(result) == (0, 0, 1)
    assert result.warnings == [
        "1 message archived at another reading of their time as written in America/New_York now read as this"
        " import reads it (--corrects-reading): each keeps its earlier time as a version"
    ]
    assert options_of(archive, 2) == {
        "corrects_reading": True,
        "corrected": {"reading": {"from": {"America/New_York": 1}}},
    }
    assert [
        tuple(r)
        for r in archive.conn.execute("SELECT version, sent_at, source_zone, origin, import_id FROM message_versions")
    ] == [(1, "2024-03-01T12:01:00.000Z", "America/New_York", "reimport", 2)]


def test_a_correction_that_corrects_nothing_is_said_and_not_recorded(cli, archive, tmp_path):
    """--corrects-tz on a chat's first import, or with no --tz, moves nothing: the import says so, and records no
    correction, so that no transcript can claim one (walk report 2, defect 6)."""
    week1, week2, _ = weeks(tmp_path, ANDROID)
    report = imported(cli, week1, "--tz", "Europe/London", "--corrects-tz")
    assert (report["added"], report["updated"]) == (4, 0)
    assert report["warnings"] == [
        "--corrects-tz: no archived message was read in another zone than Europe/London; nothing was corrected"
    ]
    assert options_of(archive, 1) == {"tz": "Europe/London"}  # (the zone given is recorded; no correction is)
    # no --tz: the chat is read in the zone it was last read in, so nothing moves either
    again = import_path(archive, week2, corrects_tz=True)
    assert (counts(again), again.zone) == ((1, 3, 1), "Europe/London")
    assert (
        again.warnings[-1]
        == "--corrects-tz: no archived message was read in another zone than Europe/London; nothing was corrected"
    )
    assert options_of(archive, 2) == {}
    nothing = import_path(archive, week2, corrects_reading=True)
    assert counts(nothing) == (0, 5, 0)
    assert nothing.warnings == ["--corrects-reading: no archived message was read otherwise; nothing was corrected"]
    assert options_of(archive, 3) == {
        "conversation": "Sam Client",
        "same_bytes_as": ANDROID.file_name,
    }  # (week 2's bytes again)
    assert versions(archive) == [("Thursday 3:30 pm works.", 1, "Thursday 3 pm works.", None, "export", 2, None, None)]
    details = [
        json.loads(r[0])
        for r in archive.conn.execute("SELECT details FROM audit_log WHERE command = 'import' ORDER BY id")
    ]
    assert not any(k.endswith("_corrected") for d in details for k in d)
    if shutil.which("pdftotext"):
        text = transcript_text(cli, archive, tmp_path)
        assert (
            "times read as wall-clock times in Europe/London;" in text
            and "correcting" not in text
            and "corrected" not in text
        )


# -- another person as the owner of an archived chat (walk report 2, defect 3) -------------------------------------------


def test_another_me_for_a_chat_the_archive_holds_is_refused(cli, archive, tmp_path):
    """The conversation key holds the owner: another --me would archive every message again, reversed."""
    week1, week2, _ = weeks(tmp_path, ANDROID)
    assert cli("import", week1, "--quiet").exit_code == 0
    before = snapshot(archive)
    for path in (week1, week2):  # the same bytes again, and next week's export
        refused = cli("import", path, "--me", SAM)
        assert refused.exit_code == 1
        assert refused.output == (  # (the person the chat is with: tests/test_whatsapp_me.py)
            f"Error: {path}: --me 'Sam Client' names 'Sam Client', the person this chat is with (it is named after"
            " them): in a chat between two people you are the other sender; pass --me 'Alex Owner'\n"
        )
        assert snapshot(archive) == before
    # the ways out: the owner as before; another chat under another name
    assert counts(import_path(archive, week2, me=ALEX)) == (1, 3, 1)
    other = import_path(archive, week1, conversation="Sam Client (another chat)")  # (--me Sam: round 12's refusal)
    assert (counts(other), other.conversations) == ((4, 0, 0), [2])
    # a group chat first read with one --me is refused with another, naming the first
    lee = export(
        tmp_path / "lee",
        Shape("android", "WhatsApp Chat with Lee Park Group.txt", "\n", "{d}/03/2024, {t} - ", "", "", "", str),
        [("21", "10:00", "Lee Park", "Hello"), ("21", "10:01", "Alex", "Hi"), ("21", "10:02", "Kim", "Hey")],
    )
    assert counts(import_path(archive, lee, me="Alex")) == (3, 0, 0)
    with pytest.raises(ImportFailed) as refused:
        import_path(archive, lee, me="Lee Park")
    assert refused.value.reason == (
        "the chat 'Lee Park Group' is archived with 'Alex' as the owner (conversation 3); read with 'Lee Park' as"
        " the owner (--me 'Lee Park'), every message would be archived again, in a second conversation. Pass --me"
        " 'Alex' to read it as before, or --conversation NAME if this is another chat"
    )
    assert [tuple(r) for r in archive.conn.execute("SELECT id, source_key FROM conversations ORDER BY id")] == [
        (1, "sam client|alex owner"),
        (2, "sam client (another chat)|alex owner"),
        (3, "lee park group|alex"),
    ]


# -- versions in the order the exports prove (walk report 2, defect 9) ----------------------------------------------------

WEEK4_NEW = [("29", "12:00", SAM, "See you Thursday")]
WEEK4_ROW = ("2024-03-29T16:00:00.000Z", SAM, "See you Thursday", "[]", 1, "America/New_York")
TEXTS = ["Thursday 3 pm works.", "Thursday 3:30 pm works.", "Thursday 3:45 pm works.", "You deleted this message"]


def four_weeks(tmp_path: Path) -> list[Path]:
    """Week 1: Alex's 09:05 message; week 2: edited; week 3: edited again; week 4: deleted. Each export adds a message."""
    edited = ANDROID.edited
    return [
        export(tmp_path / "week1", ANDROID, WEEK1),
        export(tmp_path / "week2", ANDROID, replaced(WEEK1, "09:05", TEXTS[1] + edited) + WEEK2_NEW),
        export(tmp_path / "week3", ANDROID, replaced(WEEK1, "09:05", TEXTS[2] + edited) + WEEK2_NEW + WEEK3_NEW),
        export(
            tmp_path / "week4",
            ANDROID,
            replaced(WEEK1, "09:05", ANDROID.you_deleted) + WEEK2_NEW + WEEK3_NEW + WEEK4_NEW,
        ),
    ]


def kept_by(order: tuple) -> list[int]:
    """The import that keeps each earlier text (weeks 1 to 3) as a version, imported in `order`: the later form's import where
    that form replaced the text; the text's own import where it came after a later form."""
    import_of = {week: n for n, week in enumerate(order, 1)}
    kept, current = {}, None
    for week in order:
        if current is None or week > current:
            if current is not None:
                kept[current] = import_of[week]
            current = week
        else:
            kept[week] = import_of[week]
    return [kept[week] for week in range(3)]


@pytest.mark.parametrize(
    "order", list(itertools.permutations(range(4))), ids=lambda o: "-".join(f"week{i + 1}" for i in o)
)
def test_a_message_edited_twice_then_deleted_keeps_its_versions_in_the_order_the_exports_prove(
    archive, tmp_path, order
):
    exports = four_weeks(tmp_path)
    for n in order:
        import_path(archive, exports[n])
    rows = week1_rows()
    now = ("2024-03-13T13:05:00.000Z", ALEX, TEXTS[3], '["deleted"]', 4, "America/New_York")
    assert chat(archive) == rows[:2] + [now] + rows[3:] + [WEEK2_ROW, WEEK3_ROW, WEEK4_ROW]
    assert versions(archive) == [
        (TEXTS[3], n, TEXTS[n - 1], None, "export", import_id, None, None)
        for n, import_id in enumerate(kept_by(order), 1)
    ]
    assert archive.conn.execute("SELECT count(*) FROM message_aliases").fetchone()[0] == 3
    assert all(counts(import_path(archive, path))[0] == 0 for path in exports)
    assert_verified(archive)


def test_the_transcript_lists_the_versions_of_exports_imported_newest_first_in_the_order_they_were_made(
    cli, archive, tmp_path
):
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed")
    for path in reversed(four_weeks(tmp_path)):
        assert cli("import", path, "--quiet").exit_code == 0
    text = transcript_text(cli, archive, tmp_path)
    assert (
        f"{TEXTS[3]} earlier version 1, from the earlier export: {TEXTS[0]} earlier version 2, from the earlier export: {TEXTS[1]}"
        f" earlier version 3, from the earlier export: {TEXTS[2]}"
    ) in text


def test_an_edit_first_seen_in_the_export_that_corrects_the_date_order_is_folded_at_the_earlier_reading(
    archive, tmp_path
):
    import_path(archive, us_export(tmp_path / "week1", US_WEEK1))
    edited = US_WEEK2.replace("Thursday 3 pm works.", "Thursday 3:30 pm works. <This message was edited>")
    result = import_path(archive, us_export(tmp_path / "week2", edited), date_order="dmy", corrects_reading=True)
    assert counts(result) == (1, 0, 2)
    assert result.warnings == [
        f"line 2: edited since line 2 of {US_CHAT} (import 1): kept as a new version of that message, not as a second message",
        "2 messages archived with dates read as month/day/year now read as day/month/year (--corrects-reading): each keeps its"
        " earlier time as a version",
    ]
    ny = "America/New_York"
    assert chat(archive) == [
        ("2025-01-11T14:31:00.000Z", ALEX, "Can we meet Thursday?", "[]", 2, ny),
        ("2025-01-11T14:35:00.000Z", SAM, "Thursday 3:30 pm works.", '["edited"]', 2, ny),
        ("2025-01-12T15:00:00.000Z", SAM, "See you then", "[]", 1, ny),
    ]
    assert versions(archive) == [
        ("Can we meet Thursday?", 1, "Can we meet Thursday?", None, "reimport", 2, "2025-11-01T13:31:00.000Z", ny),
        ("Thursday 3:30 pm works.", 1, "Thursday 3 pm works.", None, "export", 2, "2025-11-01T13:35:00.000Z", ny),
    ]
    assert options_of(archive, 2)["corrected"] == {"date_order": {"from": {"mdy": 2}, "to": "dmy"}}
    assert_verified(archive)


# -- characters that change how text is displayed ---------------------------------------------------------

STRIPPED_BY = "41bb186"  # a commit whose WhatsApp importer removed them from a message's text (the last before issue 14: its archives get their digests when first opened)
HIDDEN = [  # (issue 14, point 4) what the phone displayed: "I will not give you custody", "invoiceexe.pdf"
    ("13", "09:10", SAM, "I will \u202eton\u202c give you custody"),
    ("13", "09:11", SAM, "invoice\u202efdp.exe"),
    (
        "13",
        "09:12",
        ALEX,
        "ask @\u2068Dana Reyes\u2069 and \u2067\u05e2\u05d1\u05e8\u05d9\u05ea\u2069 \u200eok\u200f \u061c zero\u200bwidth \ufeffbom",
    ),
]


def without_invisible(messages: list[tuple]) -> list[tuple]:
    from textfile.model import INVISIBLE

    return [(d, t, who, text.translate(str.maketrans(dict.fromkeys(INVISIBLE)))) for d, t, who, text in messages]


def hidden_rows(version: int) -> list[tuple]:
    ny = "America/New_York"
    return [
        ("2024-03-13T13:10:00.000Z", SAM, HIDDEN[0][3], "[]", version, ny),
        ("2024-03-13T13:11:00.000Z", SAM, HIDDEN[1][3], "[]", version, ny),
        ("2024-03-13T13:12:00.000Z", ALEX, HIDDEN[2][3], "[]", version, ny),
    ]


@pytest.mark.parametrize("shape", SHAPES, ids=repr)
def test_a_message_keeps_the_characters_that_change_how_it_is_displayed_and_its_identity_is_as_before(
    archive, tmp_path, shape
):
    """Main removed U+202A-202E, U+2066-2069, U+200E/F, U+200B, U+FEFF and U+061C from a message's text:
    the archive held "I will ton give you custody" for what the phone displayed as "I will not give you
    custody". The text is kept as sent; its identity is the text without them, as before, so an
    archive made before holds the same messages (next test)."""
    from textfile.archive import Archive

    result = import_path(archive, export(tmp_path / "marked", shape, WEEK1 + HIDDEN))
    assert counts(result) == (7, 0, 0) and result.warnings == []
    assert chat(archive) == week1_rows(shape) + hidden_rows(1)
    with Archive.create(
        tmp_path / "plain.db",
        owner_name=ALEX,
        phones=["+12025550100"],
        emails=[],
        tz="America/New_York",
        region="US",
        bates_prefix="TF",
    ) as plain:
        import_path(plain, export(tmp_path / "plain", shape, WEEK1 + without_invisible(HIDDEN)))
        ids = [r[0] for r in plain.conn.execute("SELECT id FROM messages ORDER BY sent_at")]
    assert [r[0] for r in archive.conn.execute("SELECT id FROM messages ORDER BY sent_at")] == ids


def archived_stripped(tmp_path: Path, path: Path) -> Path:
    """An archive made by today's code reading such a text as the earlier importer did: without them."""
    from textfile.archive import Archive
    from textfile.importers import whatsapp

    interpret = whatsapp.scan._interpret
    db = tmp_path / "old.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            whatsapp.scan,
            "_interpret",
            lambda text, marked: (lambda r: (r[1].removeprefix("\x00media\n"), *r[1:]))(interpret(text, marked)),
        )
        with Archive.create(
            db,
            owner_name=ALEX,
            phones=["+12025550100"],
            emails=["alex@example.com"],
            tz="America/New_York",
            region="US",
            bates_prefix="TF",
        ) as archive:
            import_path(archive, path)
    return db


def archived_by_the_release_that_stripped_them(tmp_path: Path, path: Path) -> Path:
    from test_import_android import archived_by_the_old_release

    return archived_by_the_old_release(tmp_path, path, commit=STRIPPED_BY)


@pytest.mark.parametrize(
    "made_by", [archived_by_the_release_that_stripped_them, archived_stripped], ids=["old release", "old reading"]
)
@pytest.mark.parametrize("shape", SHAPES, ids=repr)
def test_an_archive_made_without_them_gets_them_as_a_new_version_of_each_message_and_no_second_message(
    tmp_path, shape, made_by
):
    from textfile.archive import Archive

    path = export(tmp_path / "week1", shape, WEEK1 + HIDDEN)
    with Archive.open(made_by(tmp_path, path)) as archive:
        assert chat(archive) == week1_rows(shape) + [
            row[:2] + (text,) + row[3:] for row, (*_, text) in zip(hidden_rows(1), without_invisible(HIDDEN))
        ]
        result = import_path(archive, path)
        assert counts(result) == (0, 4, 3)
        assert result.warnings == [
            "3 messages archived by an earlier textfile without the invisible characters in their text that change how text is displayed"
            " (direction marks, overrides and isolates, zero-width spaces) now hold them as sent; the text as archived before is kept as each"
            " one earlier version (line 5, line 6, line 7)"
        ]
        assert chat(archive) == week1_rows(shape) + hidden_rows(2)
        assert versions(archive) == [
            (text, 1, plain, None, "reimport", 2, None, None)
            for (*_, text), (*_, plain) in zip(HIDDEN, without_invisible(HIDDEN))
        ]
        [details] = [
            json.loads(r[0])
            for r in archive.conn.execute(
                "SELECT details FROM audit_log WHERE command = 'import' ORDER BY id DESC LIMIT 1"
            )
        ]
        assert (details["added"], details["updated"], details["invisible_kept"]) == (0, 3, 3)
        assert counts(import_path(archive, path)) == (0, 7, 0)  # and again: nothing new
        assert_verified(archive)
