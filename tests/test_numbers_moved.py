"""Message numbers that moved since a transcript was made: a later import archived a message with an
earlier time (the client's own phone held one the owner's did not), so every later number of its
conversation moved by one. `verify FILE.pdf` still passes and says, as information, which numbers the
transcript printed that the archive gives its messages no longer, and `verify DIR` says so of each PDF
of a production; `note add --about #N.M` and `redact #N.M` typed from that transcript (or production)
warn, naming the message the number names now and the one the transcript printed.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import ME, ingest_records, msg

from textfile import times
from textfile.fingerprint import sha256_text
from textfile.integrity.earlier import counted
from textfile.integrity.renumbered import renumbered
from textfile.model import Conversation, Participant
from textfile.produce.check import verify_production

NY = times.zone("America/New_York")
MOVED = (
    "moved since it was made (a number counts its conversation's messages in time order as the archive holds them now)"
)
TYPED = "a number typed from it names the message `textfile conversation show` numbers so"


def at(n: int, when: str):
    """Message n of Sam's conversation, sent at `when` (UTC, "2024-03-01T12:02:30")."""
    return replace(msg(n), sent_at=datetime.fromisoformat(when).replace(tzinfo=UTC))


@pytest.fixture
def sam(cli, archive):
    """Sam Client's matter M-1 with `count` messages of Sam's conversation filed to it (conversation 1,
    at 12:01, 12:02, … UTC): a function of `count`."""

    def made(count: int):
        assert cli("client", "add", "Sam Client", "--phone", "+12025550143").exit_code == 0
        assert cli("matter", "open", "M-1", "--client", "Sam Client", "--title", "Lease").exit_code == 0
        ingest_records(archive, [msg(n, out=n % 2 == 0) for n in range(1, count + 1)])
        return archive

    return made


def transcript(cli, tmp_path: Path, name: str = "out") -> Path:
    made = cli("transcript", "M-1", "--mkdir", "--out-dir", tmp_path / name, "--json")
    assert made.exit_code == 0, made.output
    return Path(json.loads(made.stdout)["path"])


def ids(archive) -> list[str]:
    """Conversation 1's message ids, in its order now (#1.1 first)."""
    return [
        r[0] for r in archive.conn.execute("SELECT id FROM messages WHERE conversation_id = 1 ORDER BY sent_at, rowid")
    ]


def earlier_message(archive, when: str, n: int = 50) -> str:
    """Sam's own phone brings a message the owner's lacked (message n), sent at `when`: its id."""
    ingest_records(archive, [at(n, when)], name=f"sams-phone-{n}.xml")
    return archive.conn.execute("SELECT id FROM messages WHERE body = ?", (f"message {n}",)).fetchone()[0]


def verified(cli, path: Path, matches: str | None = "the archive") -> tuple[dict, str]:
    """`verify PATH --json`'s report and `verify PATH`'s output: both pass, exit 0, nothing on stderr; a
    transcript PDF's report says it matches `matches` (a production's folder, None, says no such thing)."""
    data = cli("verify", path, "--json")
    assert data.exit_code == 0, data.output
    text = cli("verify", path)
    assert (text.exit_code, text.stderr) == (0, ""), text.output
    [report] = json.loads(data.stdout)
    assert (report["ok"], report["problems"], report.get("matches")) == (True, [], matches)
    return report, text.stdout


def head(report: dict, pdf: Path) -> str:
    bates = report["bates"]
    return (
        f"{pdf}: matches the archive (transcript {report['transcript']}, {counted(report['messages'], 'message')},"
        f" {counted(report['pages'], 'page')}, Bates {bates['first']} to {bates['last']}).\n"
    )


def test_verify_says_which_numbers_a_transcript_printed_moved_when_an_earlier_message_came_later(cli, sam, tmp_path):
    archive = sam(5)
    pdf = transcript(cli, tmp_path)
    before = ids(archive)
    new = earlier_message(archive, "2024-03-01T12:02:30")  # between #1.2 and #1.3
    assert ids(archive) == before[:2] + [new] + before[2:]
    report, out = verified(cli, pdf)
    assert report["renumbered"] == [
        {"message": "1.3", "id": before[2], "now": "1.4"},
        {"message": "1.4", "id": before[3], "now": "1.5"},
        {"message": "1.5", "id": before[4], "now": "1.6"},
    ]
    assert out == head(report, pdf) + (
        f"  The numbers of 3 of its messages have {MOVED}: #1.3 on this transcript is #1.4 now, #1.4 is #1.5 now,"
        f" #1.5 is #1.6 now; {TYPED}\n"
    )


def test_verify_names_the_first_five_moved_numbers_then_how_many_more(cli, sam, tmp_path):
    archive = sam(8)
    pdf = transcript(cli, tmp_path)
    before = ids(archive)
    earlier_message(archive, "2024-03-01T11:00:00")  # before every one: all 8 move
    report, out = verified(cli, pdf)
    assert report["renumbered"] == [
        {"message": f"1.{n}", "id": before[n - 1], "now": f"1.{n + 1}"} for n in range(1, 9)
    ]
    assert out == head(report, pdf) + (
        f"  The numbers of 8 of its messages have {MOVED}: #1.1 on this transcript is #1.2 now, #1.2 is #1.3 now,"
        f" #1.3 is #1.4 now, #1.4 is #1.5 now, #1.5 is #1.6 now, and 3 more; {TYPED}\n"
    )


def test_one_moved_number_is_said_in_the_singular_and_a_later_message_moves_none(cli, sam, tmp_path):
    archive = sam(3)
    pdf = transcript(cli, tmp_path)
    before = ids(archive)
    earlier_message(archive, "2024-03-01T12:10:00")  # after every one: no number moves
    report, out = verified(cli, pdf)
    assert (report["renumbered"], out) == ([], head(report, pdf))
    earlier_message(archive, "2024-03-01T12:02:30", 51)  # before #1.3, the transcript's last
    report, out = verified(cli, pdf)
    assert report["renumbered"] == [{"message": "1.3", "id": before[2], "now": "1.4"}]
    assert out == head(report, pdf) + (
        f"  The number of 1 of its messages has {MOVED}: #1.3 on this transcript is #1.4 now; {TYPED}\n"
    )


def test_a_transcript_numbered_by_position_names_no_moved_number(sam):
    archive = sam(2)
    recorded = [(mid, "unused") for mid in ids(archive)]
    assert renumbered(archive.conn, recorded, [[1, 1, 2]]) == []  # (as printed: nothing moved)
    assert renumbered(archive.conn, recorded[::-1], [[1, 1, 2]]) == [
        {"message": "1.1", "id": recorded[1][0], "now": "1.2"},
        {"message": "1.2", "id": recorded[0][0], "now": "1.1"},
    ]
    assert renumbered(archive.conn, recorded[::-1], None) == []  # (printed #1, #2: no conversation's numbers)


# -- note add --about #N.M typed from a transcript made before the numbers moved -------------------------


def added(cli, *about: str) -> tuple[dict, str]:
    """`note add M-1 … --about …`: the note's JSON and what it said on stderr (exit 0)."""
    result = cli(
        "note", "add", "M-1", "Sam asked about the deposit.", *[a for x in about for a in ("--about", x)], "--json"
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), result.stderr


def made_at(archive, pdf: Path) -> str:
    (created,) = archive.conn.execute("SELECT created_at FROM transcripts WHERE path = ?", (str(pdf),)).fetchone()
    return times.display(created, NY)


def test_a_number_the_newest_transcript_printed_for_another_message_is_warned_of(cli, sam, tmp_path):
    archive = sam(5)
    pdf = transcript(cli, tmp_path)
    before = ids(archive)
    new = earlier_message(archive, "2024-03-01T12:02:30")
    note, err = added(cli, "#1.3", "#1.2 1.4")
    assert [m["message_id"] for m in note["messages"]] == [before[1], new, before[2]]  # (#1.2, #1.3, #1.4 now)
    made = made_at(archive, pdf)
    assert note["warnings"] == [
        f"#1.3 names the incoming message of 2024-03-01 07:02:30 -05:00 now, which the note concerns; transcript"
        f" {pdf} (made {made}) printed #1.3 for the incoming message of 2024-03-01 07:03:00 -05:00, #1.4 now",
        f"#1.4 names the incoming message of 2024-03-01 07:03:00 -05:00 now, which the note concerns; transcript"
        f" {pdf} (made {made}) printed #1.4 for the outgoing message of 2024-03-01 07:04:00 -05:00, #1.5 now",
    ]
    assert err == "".join(f"Warning: {w}\n" for w in note["warnings"])


def test_no_warning_for_a_number_unmoved_unprinted_or_printed_again_nor_for_an_id(cli, sam, tmp_path):
    archive = sam(5)
    first = transcript(cli, tmp_path)
    new = earlier_message(archive, "2024-03-01T12:02:30")
    # #1.2 did not move; #1.6 no transcript printed; an id never moves
    note, err = added(cli, "#1.2", "#1.6", new[:12])
    assert ("warnings" in note, err) == (False, "")
    later = transcript(cli, tmp_path, "again")  # the newest transcript prints #1.3 as the archive numbers it now
    note, err = added(cli, "#1.3")
    assert ("warnings" in note, err, [m["message_id"] for m in note["messages"]]) == (False, "", [new])
    later.unlink()
    deleted = cli("verify", "--deleted", later, "--reason", "superseded")
    assert deleted.exit_code == 0, deleted.output
    note, err = added(cli, "#1.3")  # (a transcript deleted on purpose prints nothing any more: the older one did)
    assert err == (
        "Warning: #1.3 names the incoming message of 2024-03-01 07:02:30 -05:00 now, which the note concerns;"
        f" transcript {first} (made {made_at(archive, first)}) printed #1.3 for the incoming message of"
        " 2024-03-01 07:03:00 -05:00, #1.4 now\n"
    )


# -- redact #N.M typed from a transcript or a production made before the numbers moved ---------------------


def redacted(cli, number: str, span: str = "message") -> tuple[list[dict], str]:
    """`redact NUMBER --span SPAN --reason PII --json`: the redactions' JSON and what it said on stderr (exit 0)."""
    result = cli("redact", number, "--span", span, "--reason", "PII", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), result.stderr


def test_redact_warns_of_a_number_the_newest_transcript_printed_for_another_message(cli, sam, tmp_path):
    archive = sam(5)
    pdf = transcript(cli, tmp_path)
    before = ids(archive)
    new = earlier_message(archive, "2024-03-01T12:02:30")
    warning = (
        "#1.3 names the incoming message of 2024-03-01 07:02:30 -05:00 now, which the redaction concerns; transcript"
        f" {pdf} (made {made_at(archive, pdf)}) printed #1.3 for the incoming message of 2024-03-01 07:03:00 -05:00,"
        " #1.4 now"
    )
    refused = cli("redact", "#1.3", "--span", "message 3", "--reason", "PII")  # (words #1.3 no longer holds)
    assert (refused.exit_code, refused.stderr) == (
        1,
        f"Error: message #1.3 does not hold those words (matched exactly, as sent); {warning}\n",
    )  # (refused, nothing redacted: the number's move, the likely cause, said in the error)
    assert cli("redact", "#1.2", "--span", "no such words", "--reason", "PII").stderr == (
        "Error: message #1.2 does not hold those words (matched exactly, as sent)\n"  # (#1.2 did not move)
    )
    made, err = redacted(cli, "#1.3")
    # the words are redacted all the same, in the message #1.3 names now (as `note add` adds its note)
    assert made == [
        {
            "id": 1,
            "message_id": new,
            "number": "1.3",
            "matter": ["M-1"],
            "start": 0,
            "end": 7,
            "span_sha256": sha256_text("message"),
            "reason": "PII",
            "created_at": made[0]["created_at"],
            "created_by": made[0]["created_by"],
            "warnings": [warning],
        }
    ]
    assert err == f"Warning: {warning}\n"
    # #1.2 did not move, #1.6 no transcript printed, and an id never moves: no warning
    for named in ("#1.2", "#1.6", before[2][:12]):
        made, err = redacted(cli, named)
        assert ("warnings" in made[0], err) == (False, ""), named
    said = cli("redact", "1.5", "--span", "message", "--reason", "PII")  # (without --json too)
    assert (said.exit_code, said.stdout) == (0, "Redaction 5: message #1.5, characters 1–7 (PII).\n")
    assert said.stderr == (
        "Warning: #1.5 names the outgoing message of 2024-03-01 07:04:00 -05:00 now, which the redaction concerns;"
        f" transcript {pdf} (made {made_at(archive, pdf)}) printed #1.5 for the incoming message of"
        " 2024-03-01 07:05:00 -05:00, #1.6 now\n"
    )


def test_redact_warns_of_a_number_typed_from_a_production(cli, sam, tmp_path):
    archive = sam(3)
    assert cli("produce", "M-1", "--out", tmp_path / "vol1").exit_code == 0
    [(pdf, made)] = archive.conn.execute("SELECT path, created_at FROM transcripts").fetchall()
    earlier_message(archive, "2024-03-01T11:00:00")  # before every one: all 3 move
    [redaction], err = redacted(cli, "#1.2")
    warning = (
        "#1.2 names the incoming message of 2024-03-01 07:01:00 -05:00 now, which the redaction concerns;"
        f" transcript {pdf} (made {times.display(made, NY)}) printed #1.2 for the outgoing message of"
        " 2024-03-01 07:02:00 -05:00, #1.3 now"
    )
    assert redaction["warnings"] == [warning]
    # (then, as before, that the message #1.2 names now was produced: the production printed it as #1.1)
    assert err.splitlines() == [
        f"Warning: {warning}",
        f"Warning: message #1.2 was produced before, unredacted, in production 1 ({redaction['produced'][0]['bates']}):"
        " those words are in the other side's hands (a clawback is for you to ask); the redaction applies from the"
        " next production on.",
    ]


# -- verify DIR: the numbers a production's PDFs printed that moved since ----------------------------------


def production(cli, archive, tmp_path: Path, *args: str) -> tuple[Path, list[str]]:
    """`produce M-1 … --out vol1`: its folder and its PDFs' paths in it (IMAGES/…), as its record lists them."""
    made = cli("produce", "M-1", "--out", tmp_path / "vol1", *args)
    assert made.exit_code == 0, made.output
    pdfs = [
        r[0]
        for r in archive.conn.execute("SELECT path FROM production_files WHERE kind = 'pdf' ORDER BY path")
        if r[0].startswith("IMAGES/")
    ]
    return tmp_path / "vol1", pdfs


def test_verify_dir_says_which_numbers_its_pdf_printed_moved(cli, sam, tmp_path):
    archive = sam(5)
    folder, [pdf] = production(cli, archive, tmp_path)
    before_report, _ = verified(cli, folder, None)
    assert "renumbered" not in before_report and "notices" not in before_report
    before = ids(archive)
    earlier_message(archive, "2024-03-01T12:02:30")  # between #1.2 and #1.3
    report, out = verified(cli, folder, None)
    notice = (
        f"{pdf}: The numbers of 3 of its messages have {MOVED}: #1.3 on this transcript is #1.4 now, #1.4 is #1.5"
        f" now, #1.5 is #1.6 now; {TYPED}"
    )
    assert report == {
        **before_report,
        "renumbered": [
            {"pdf": pdf, "message": "1.3", "id": before[2], "now": "1.4"},
            {"pdf": pdf, "message": "1.4", "id": before[3], "now": "1.5"},
            {"pdf": pdf, "message": "1.5", "id": before[4], "now": "1.6"},
        ],
        "notices": [notice],
    }
    assert verify_production(archive, folder).to_json() == report  # (said by the core, for every caller)
    bates = report["bates"]
    assert out.splitlines() == [
        f"{folder}: production 1 of M-1 matches the archive: {report['files']} files as SHA256SUMS lists them,"
        f" 1 signed PDF, 1 RSMF file; Bates {bates[0]} to {bates[1]}.",
        f"  {notice}",
    ]


def test_verify_dir_names_each_pdf_whose_numbers_moved(cli, sam, tmp_path):
    """One PDF per conversation (--exhibits): each PDF's moved numbers said under its own name, in the
    folder's order; a PDF whose numbers did not move is not named."""
    archive = sam(2)
    jo = Participant("+12025550144", "Jo Witness")
    jo_chat = Conversation("android", jo.handle, None, False, (jo, ME))
    ingest_records(archive, [msg(n, conversation=jo_chat) for n in (3, 4)], name="jo.xml")
    assert cli("file", "2", "--matter", "M-1").exit_code == 0
    folder, [sams, jos] = production(cli, archive, tmp_path, "--exhibits")
    sam_ids, jo_ids = (
        ids(archive),
        [r[0] for r in archive.conn.execute("SELECT id FROM messages WHERE conversation_id = 2 ORDER BY sent_at")],
    )
    earlier_message(archive, "2024-03-01T11:00:00")  # before Sam's two; Jo's conversation keeps its numbers
    report, out = verified(cli, folder, None)
    sam_notice = (
        f"{sams}: The numbers of 2 of its messages have {MOVED}: #1.1 on this transcript is #1.2 now, #1.2 is #1.3"
        f" now; {TYPED}"
    )
    assert (report["renumbered"], report["notices"]) == (
        [
            {"pdf": sams, "message": "1.1", "id": sam_ids[0], "now": "1.2"},
            {"pdf": sams, "message": "1.2", "id": sam_ids[1], "now": "1.3"},
        ],
        [sam_notice],
    )
    assert out.splitlines()[1:] == [f"  {sam_notice}"]
    ingest_records(  # Jo's phone brings one before #2.2: it moves
        archive,
        [replace(msg(60, conversation=jo_chat), sent_at=datetime(2024, 3, 1, 12, 3, 30, tzinfo=UTC))],
        name="jos-phone.xml",
    )
    report, out = verified(cli, folder, None)
    jo_notice = f"{jos}: The number of 1 of its messages has {MOVED}: #2.2 on this transcript is #2.3 now; {TYPED}"
    assert (report["renumbered"], report["notices"]) == (
        [
            {"pdf": sams, "message": "1.1", "id": sam_ids[0], "now": "1.2"},
            {"pdf": sams, "message": "1.2", "id": sam_ids[1], "now": "1.3"},
            {"pdf": jos, "message": "2.2", "id": jo_ids[1], "now": "2.3"},
        ],
        [sam_notice, jo_notice],
    )
    assert out.splitlines()[1:] == [f"  {sam_notice}", f"  {jo_notice}"]
