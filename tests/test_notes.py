"""Notes to file (textfile/notes/): bound to exact messages, every version kept, every step audited;
a later edit of a message shows against the note; the privilege log; exchanges that need a note."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from conftest import ingest_records, msg

from textfile import notes
from textfile.fingerprint import sha256_text
from textfile.model import Version
from textfile.times import zone

NY = zone("America/New_York")
ADVICE = "Advised Sam to keep paying rent into escrow."


def at(n: int, when: str, body: str | None = None, out: bool = False):
    """Message n, sent at `when` (UTC, "2024-03-08T13:30")."""
    return replace(msg(n, body, out=out), sent_at=datetime.fromisoformat(when).replace(tzinfo=UTC))


@pytest.fixture
def sam(cli, archive):
    """Sam Client with matter M-1, and five messages of theirs filed to it (conversation 1), and a
    thread with someone else (conversation 2), filed nowhere."""
    assert cli("client", "add", "Sam Client", "--phone", "+12025550143").exit_code == 0
    assert cli("matter", "open", "M-1", "--client", "Sam Client", "--title", "Lease").exit_code == 0
    ingest_records(archive, [msg(n, out=n % 2 == 0) for n in range(1, 6)])
    from conftest import Conversation, Participant

    other = Participant("+12025550178", "Bo")
    chat = Conversation(
        "android", "+12025550178", None, False, (other, Participant("+12025550100", "Alex Owner", True))
    )
    ingest_records(archive, [msg(9, "unrelated", conversation=chat)], name="other.xml")
    return archive


def ids(archive) -> list[str]:
    return [r[0] for r in archive.conn.execute("SELECT id FROM messages WHERE conversation_id = 1 ORDER BY sent_at")]


def audited(archive, command: str) -> list[dict]:
    return [
        {k: v for k, v in json.loads(d).items() if k != "records"}
        for (d,) in archive.conn.execute("SELECT details FROM audit_log WHERE command = ? ORDER BY id", (command,))
    ]


def hashes(archive) -> dict[str, str]:
    return dict(archive.conn.execute("SELECT id, content_hash FROM messages"))


def test_a_note_binds_the_messages_named_as_transcripts_number_them(cli, sam):
    first = ids(sam)
    result = cli("note", "add", "M-1", ADVICE, "--about", "#1.2", "--about", first[3][:12], "--privileged", "--json")
    assert result.exit_code == 0, result.output
    note = json.loads(result.output)
    written = note.pop("created_at"), note["versions"][0].pop("written_at")
    assert all(w.endswith("Z") for w in written)
    user = note["created_by"]
    h = hashes(sam)
    assert note == {
        "id": 1,
        "matter": "M-1",
        "author": user,
        "created_by": user,
        "conversation": None,
        "from": None,
        "until": None,
        "messages": [
            {
                "message_id": first[n - 1],
                "number": f"1.{n}",
                "conversation": 1,
                "sent_at": f"2024-03-01T12:0{n}:00.000Z",
                "direction": "out",
                "content_hash": h[first[n - 1]],
                "content_hash_now": h[first[n - 1]],
                "changed": False,
                "missing_from_phone": [],
            }
            for n in (2, 4)
        ],
        "versions": [
            {
                "version": 1,
                "text": ADVICE,
                "text_sha256": sha256_text(ADVICE),
                "privileged": True,
                "basis": "Attorney work product",
                "written_by": user,
                "reason": None,
            }
        ],
        "privileged": True,
    }
    assert audited(sam, "note add") == [
        {
            "note": 1,
            "matter": "M-1",
            "author": user,
            "version": 1,
            "text_sha256": sha256_text(ADVICE),
            "privileged": True,
            "basis_sha256": sha256_text("Attorney work product"),
            "conversation": None,
            "from": None,
            "until": None,
            "messages": [[first[1], h[first[1]]], [first[3], h[first[3]]]],
        }
    ]


def test_a_window_binds_every_message_of_it_and_is_recorded(cli, sam):
    result = cli(
        "note", "add", "M-1", "Call about the deposit", "--conversation", 1,
        "--from", "2024-03-01T07:02-05:00", "--until", "2024-03-01T12:04Z", "--author", "Pat Partner",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output == "Added note 1 of M-1 by Pat Partner, about #1.2–#1.4.\n"
    [note] = notes.listed(sam.conn, "M-1")
    assert (note.author, note.conversation, note.from_, note.until) == (
        "Pat Partner",
        1,
        "2024-03-01T12:02:00.000Z",
        "2024-03-01T12:04:00.000Z",
    )
    assert [m.number for m in note.messages] == ["1.2", "1.3", "1.4"]


def test_a_note_about_the_matter_as_a_whole_concerns_no_message(cli, sam):
    assert cli("note", "add", "M-1", "File opened; conflict check done.").output == (
        "Added note 1 of M-1 by " + notes.listed(sam.conn)[0].author + ", about the matter as a whole.\n"
    )
    assert notes.listed(sam.conn)[0].messages == []


@pytest.mark.parametrize(
    "args, error",
    [
        (["--about", "#2.1"], "Error: message #2.1 is not filed to matter M-1 at its time"),
        (["--about", "#1.9"], "Error: no message #1.9 (see `textfile conversation show 1`)"),
        (["--about", "1-2"], "Error: not a message number (#2.15: conversation 2, its 15th message) or id: '1-2'"),
        (["--conversation", "2"], "Error: message #2.1 is not filed to matter M-1 at its time"),
        (["--conversation", "1", "--from", "2025-01-01"], "Error: conversation 1 holds no message in that window"),
        (["--from", "2024-03-01"], "Error: --from and --until are a window of one conversation: give --conversation N"),
        (["--about", "#1.1", "--conversation", "1"], "Error: a note concerns messages (--about) or a window"),
        (["--basis", "Common interest"], "Error: --basis is the ground of a privileged note: give --privileged too"),
    ],
)
def test_a_note_is_refused_with_the_reason_and_nothing_is_written(cli, sam, args, error):
    result = cli("note", "add", "M-1", ADVICE, *args)
    assert result.exit_code == 1
    assert result.output.startswith(error), result.output
    assert tuple(sam.conn.execute("SELECT count(*) FROM notes").fetchone()) == (0,)
    assert audited(sam, "note add") == []


def test_an_edit_adds_a_version_and_keeps_every_one(cli, sam):
    assert cli("note", "add", "M-1", ADVICE, "--about", "#1.1").exit_code == 0
    assert cli("note", "edit", 1, "Advised escrow.", "--reason", "shorter").exit_code == 0
    assert cli("note", "edit", 1, "--privileged", "--basis", "Common interest").exit_code == 0
    again = cli("note", "edit", 1, "--privileged", "--basis", "Common interest")
    assert again.exit_code == 1 and "Error: note 1 already says that: nothing to change" in again.output
    assert cli("note", "edit", 1, "--not-privileged").exit_code == 0
    [note] = notes.listed(sam.conn)
    assert [(v.version, v.text, v.privileged, v.basis, v.reason) for v in note.versions] == [
        (1, ADVICE, False, None, None),
        (2, "Advised escrow.", False, None, "shorter"),
        (3, "Advised escrow.", True, "Common interest", None),
        (4, "Advised escrow.", False, None, None),
    ]
    edits = audited(sam, "note edit")
    assert [(e["version"], e["text_sha256"], e["privileged"], e["basis_sha256"], e["reason_sha256"], e["was"]) for e in edits] == [
        (2, sha256_text("Advised escrow."), False, None, sha256_text("shorter"), {"version": 1, "text_sha256": sha256_text(ADVICE), "privileged": False, "basis_sha256": None}),
        (3, sha256_text("Advised escrow."), True, sha256_text("Common interest"), None, {"version": 2, "text_sha256": sha256_text("Advised escrow."), "privileged": False, "basis_sha256": None}),
        (4, sha256_text("Advised escrow."), False, None, None, {"version": 3, "text_sha256": sha256_text("Advised escrow."), "privileged": True, "basis_sha256": sha256_text("Common interest")}),
    ]  # fmt: skip
    shown = cli("note", "show", 1).output
    assert [line.split(",")[0] for line in shown.splitlines() if line.startswith("Version")] == [
        "Version 4 (current)",
        "Version 3",
        "Version 2",
        "Version 1",
    ]


def test_no_note_text_is_ever_in_the_audit_log(cli, sam):
    """Nor its basis, nor an edit's reason: they may say what the text says (a disposal must remove them)."""
    assert (
        cli(
            "note", "add", "M-1", "SECRET-ADVICE-1", "--about", "#1.1", "--privileged", "--basis", "SECRET-BASIS"
        ).exit_code
        == 0
    )
    assert cli("note", "edit", 1, "SECRET-ADVICE-2", "--reason", "SECRET-REASON").exit_code == 0
    (log,) = sam.conn.execute("SELECT group_concat(details, ' ') FROM audit_log").fetchone()
    assert "SECRET" not in log
    assert [c for (c,) in sam.conn.execute("SELECT command FROM audit_log WHERE command LIKE 'note%'")] == [
        "note add",
        "note edit",
    ]
    assert cli("verify").exit_code == 0


def test_notes_survive_reimport_and_show_a_message_edited_later(cli, sam):
    assert cli("note", "add", "M-1", ADVICE, "--about", "#1.1", "--about", "#1.3").exit_code == 0
    before = notes.listed(sam.conn)
    ingest_records(sam, [msg(n, out=n % 2 == 0) for n in range(1, 6)], name="again.xml")  # the same export again
    assert notes.listed(sam.conn) == before and before[0].changed == []
    # A later export edits message 3 (its identity kept: a new version of the same message).
    edited = replace(
        msg(3), body="message 3, edited", flags=frozenset({"edited"}), versions=(Version("message 3", None),)
    )
    ingest_records(sam, [edited], name="later.xml")
    [note] = notes.listed(sam.conn)
    assert [(m.number, m.changed) for m in note.messages] == [("1.1", False), ("1.3", True)]
    assert note.messages[1].content_hash == before[0].messages[1].content_hash != note.messages[1].content_hash_now
    shown = cli("note", "show", 1).output
    assert (
        "  #1.3  2024-03-01 07:03:00 -05:00  in  changed since this note: the archive now holds a later version\n"
        in shown
    )
    listed = cli("note", "list", "M-1").output
    [row] = [line for line in listed.splitlines() if line.startswith("│ 1 ")]
    assert [cell.strip() for cell in row.strip("│").split("│")][4:] == [
        "",
        "#1.1, #1.3",
        "#1.3",
        "Advised Sam to keep paying rent into escrow.",
    ]  # (privileged, messages, changed, how its text begins)
    assert listed.endswith(
        "Changed: messages changed since this note: the archive now holds a later version (textfile note show NOTE).\n"
    )


def test_the_privilege_log_lists_exactly_the_privileged_notes_of_the_window(cli, sam):
    for args in (
        ["Advice on the lease", "--about", "#1.1", "--privileged"],
        ["Not privileged", "--about", "#1.2"],
        ["Strategy", "--privileged", "--basis", "Common interest", "--author", "Pat Partner"],  # the whole matter
        ["Later advice", "--about", "#1.5", "--privileged"],
    ):
        assert cli("note", "add", "M-1", *args).exit_code == 0
    matter = sam.conn.execute("SELECT id FROM matters").fetchone()[0]
    log = notes.privilege_log(sam.conn, matter, None, "2024-03-01T12:04:00.000Z", NY)
    user = notes.listed(sam.conn)[0].author
    assert [(e.note, e.version, e.author, e.type, e.messages, e.basis) for e in log] == [
        (1, 1, user, "Memo to file", ["#1.1"], "Attorney work product"),
        (3, 1, "Pat Partner", "Memo to file", [], "Common interest"),
    ]
    rows = list(csv.reader(io.StringIO(notes.csv_bytes(log).decode("utf-8"), newline="")))
    assert rows == [
        ["Note", "Version", "Date", "Author", "Type", "Messages", "Basis"],
        ["1", "1", log[0].date, user, "Memo to file", "#1.1", "Attorney work product"],
        ["3", "1", log[1].date, "Pat Partner", "Memo to file", "the matter as a whole", "Common interest"],
    ]
    assert notes.csv_bytes(log).count(b"\r\n") == 3
    everything = notes.privilege_log(sam.conn, matter, None, None, NY)
    assert [e.note for e in everything] == [1, 3, 4]


# -- exchanges that need a note ------------------------------------------------------------------------


def thread(start: int, when: list[str], out: set[int] = frozenset()) -> list:
    return [at(start + i, w, f"text {start + i}", out=i in out) for i, w in enumerate(when)]


def test_a_long_two_way_exchange_without_a_note_is_listed_until_a_note_concerns_it(cli, archive):
    assert cli("client", "add", "Sam Client", "--phone", "+12025550143").exit_code == 0
    assert cli("matter", "open", "M-1", "--client", "Sam Client", "--title", "Lease").exit_code == 0
    long = thread(1, [f"2024-03-04T14:{m:02d}" for m in range(0, 50, 5)], out={1, 3})  # 10 texts, both ways
    one_way = thread(20, [f"2024-03-05T14:{m:02d}" for m in range(0, 55, 5)])  # 11 texts, all incoming
    # 12 texts both ways, but more than 4 hours apart: three exchanges of four
    split = thread(40, [f"2024-03-06T{h:02d}:{m:02d}" for h in (2, 7, 12) for m in (0, 1, 2, 3)], out={1, 5, 9})
    ingest_records(archive, long + one_way + split)
    found = notes.missing(archive.conn, NY)
    assert [e.to_json() for e in found] == [
        {
            "matter": "M-1",
            "conversation": 1,
            "from": "2024-03-04 09:00:00 -05:00",
            "until": "2024-03-04 09:45:00 -05:00",
            "first": "1.1",
            "last": "1.10",
            "texts": 10,
            "why": ["10 texts"],
            "command": 'textfile note add M-1 "…" --conversation 1 --from 2024-03-04T09:00:00-05:00 --until 2024-03-04T09:45:01-05:00',
        }
    ]
    assert notes.count(archive.conn) == 1 == notes.count(archive.conn, "M-1")
    status = cli("status")
    assert "Substantive exchanges with no note to file: 1 (textfile note list --missing)\n" in status.stdout
    shown = cli("note", "list", "--missing").output
    assert found[0].command in shown and "M-1, conversation 1, #1.1–#1.10" in shown
    assert "#1.1–#1.10, 2024-03-04 09:00:00 -05:00 until 2024-03-04 09:45:00 -05:00: 10 texts\n" in shown  # (once)
    window = found[0].command.split()[5:]  # (after `textfile note add M-1 "…"`)
    assert cli("note", "add", "M-1", "Discussed the lease", *window).exit_code == 0
    assert notes.missing(archive.conn, NY) == [] and notes.count(archive.conn) == 0
    assert cli("note", "list", "--missing").output == "Every substantive exchange has a note.\n"
    assert json.loads(cli("status", "--json").stdout)["exchanges_without_note"] == 0


def test_a_flagged_or_after_hours_exchange_is_substantive_however_short(cli, archive):
    assert cli("client", "add", "Sam Client", "--phone", "+12025550143").exit_code == 0
    assert cli("matter", "open", "M-1", "--client", "Sam Client", "--title", "Lease").exit_code == 0
    assert cli("settings", "--hours", "Mon-Fri 09:00-18:00").exit_code == 0
    ingest_records(
        archive,
        [
            at(1, "2024-03-04T15:00", "The hearing is Friday"),  # deadlines (10:00 in New York)
            at(2, "2024-03-04T15:05", "Noted", out=True),
            at(3, "2024-03-05T03:00", "Are you there?"),  # 22:00 in New York: after hours
            at(4, "2024-03-05T03:10", "Yes", out=True),
            at(5, "2024-03-06T15:00", "Fine"),  # neither: not substantive
            at(6, "2024-03-06T15:05", "Good", out=True),
        ],
    )
    assert [(e.first, e.last, e.why) for e in notes.missing(archive.conn, NY)] == [
        ("1.1", "1.2", ["1 flagged by the lexicons"]),
        ("1.3", "1.4", ["2 after hours"]),
    ]
    flag = archive.conn.execute("SELECT id FROM review_flags WHERE rule = 'deadlines'").fetchone()[0]
    assert cli("review", "dismiss", flag, "--reason", "routine").exit_code == 0  # a dismissed flag does not count
    assert [(e.first, e.why) for e in notes.missing(archive.conn, NY)] == [("1.3", ["2 after hours"])]


def test_note_show_says_a_message_a_later_export_of_the_phone_no_longer_holds(cli, archive, tmp_path):
    from test_coverage import ANDROID, DELETED, without

    assert cli("client", "add", "Sam Client", "--phone", "+12025550143").exit_code == 0
    assert cli("matter", "open", "M-1", "--client", "Sam Client", "--title", "Lease").exit_code == 0
    for export in (ANDROID / "sms-20240301.xml", ANDROID / "sms-20240308.xml"):
        assert cli("import", export).exit_code == 0
    gone, kept = (
        archive.conn.execute("SELECT id FROM messages WHERE body = ?", (body,)).fetchone()[0]
        for body in (DELETED, "I also wanted to ask about the deposit")
    )
    assert (
        cli("note", "add", "M-1", "Sam said to call at 3.", "--about", gone[:12], "--about", kept[:12]).exit_code == 0
    )
    assert cli("import", without(tmp_path, ANDROID / "sms-20240308.xml", "sms-20240315.xml", DELETED)).exit_code == 0
    said = cli("note", "show", 1).stdout.splitlines()
    (imported_at,) = archive.conn.execute("SELECT started_at FROM imports WHERE id = 3").fetchone()
    day = datetime.fromisoformat(imported_at).astimezone(NY).strftime("%Y-%m-%d")
    [at] = [i for i, line in enumerate(said) if line.startswith("  #") and " 12:01:00 " in line]
    assert said[at + 1] == f"    no longer on the phone: not in the export imported on {day} (sms-20240315.xml)"
    assert sum("no longer on the phone" in line for line in said) == 1
    [bound] = [m for m in json.loads(cli("note", "show", 1, "--json").stdout)["messages"] if m["message_id"] == gone]
    assert bound["missing_from_phone"] == [{"import": 3, "file_name": "sms-20240315.xml", "imported_at": imported_at}]
