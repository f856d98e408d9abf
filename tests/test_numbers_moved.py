"""Message numbers that moved since a transcript was made: a later import archived a message with an
earlier time (the client's own phone held one the owner's did not), so every later number of its
conversation moved by one. `verify FILE.pdf` still passes and says, as information, which numbers the
transcript printed that the archive gives its messages no longer; `note add --about #N.M` typed from
that transcript warns, naming the message the number names now and the one the transcript printed.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import ingest_records, msg

from textfile import times
from textfile.integrity.earlier import counted
from textfile.integrity.renumbered import renumbered

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


def verified(cli, pdf: Path) -> tuple[dict, str]:
    """`verify PDF --json`'s report and `verify PDF`'s output: both pass, exit 0, nothing on stderr."""
    data = cli("verify", pdf, "--json")
    assert data.exit_code == 0, data.output
    text = cli("verify", pdf)
    assert (text.exit_code, text.stderr) == (0, ""), text.output
    [report] = json.loads(data.stdout)
    assert (report["ok"], report["problems"], report["matches"]) == (True, [], "the archive")
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
