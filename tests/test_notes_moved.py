"""A conversation filed to the wrong matter, then where it belongs, leaves its notes behind: `unfile` and `file`
warn of each (with the `note move` that mends it), `note list` marks it, `status` lists it; a transcript or
production of the matter it belongs to warns of a privileged one. `note move N --matter REF --reason` moves it
to another matter of its client, keeping its id, versions, date and privilege; audited; a transcript made
before still verifies."""

from __future__ import annotations

import json

import pytest
from conftest import ingest_records, msg

from textfile import audit, filing, times
from textfile.fingerprint import sha256_text

ADVICE = "Advised Sam to keep paying rent into escrow."
LEFT = (
    "note 1 of M-1, privileged, concerns its message #1.2, no longer filed to M-1 at its time (filed to M-2 now):"
    " `textfile note move 1 --matter M-2 --reason TEXT`"
)
# filed to no other matter: a move is refused until it is, so the way out names the filing first (round 18 #13)
NOWHERE = (
    "note 1 of M-1, privileged, concerns its message #1.2, no longer filed to M-1 at its time (filed to no other"
    " matter of its client): file it where it belongs (`textfile file 1 --matter REF`), then `textfile note move 1"
    " --matter REF --reason TEXT`; or, written by mistake, `textfile note withdraw 1 --reason TEXT`"
)


@pytest.fixture
def refiled(cli, archive):
    """Sam Client's matters M-1 and M-2, ten texts (conversation 1) filed to M-1, note 1 (privileged, about
    #1.2) and note 2 (about M-1 as a whole) added to M-1; then the conversation unfiled from M-1."""
    assert cli("client", "add", "Sam Client", "--phone", "+12025550143").exit_code == 0
    for reference in ("M-1", "M-2"):
        assert cli("matter", "open", reference, "--client", "Sam Client", "--title", "Lease").exit_code == 0
    ingest_records(archive, [msg(n, out=n % 2 == 0) for n in range(1, 11)])
    assert cli("file", "1", "--matter", "M-1").exit_code == 0
    assert cli("note", "add", "M-1", ADVICE, "--about", "#1.2", "--privileged").exit_code == 0
    assert cli("note", "add", "M-1", "Conflict check done.").exit_code == 0
    return archive


def test_unfile_and_file_name_the_note_left_behind(cli, refiled):
    unfiled = cli("unfile", "1", "--matter", "M-1", "--reason", "belongs to M-2", "--json")
    assert unfiled.exit_code == 0, unfiled.output
    assert json.loads(unfiled.stdout)["warnings"] == [NOWHERE]

    filed = cli("file", "1", "--matter", "M-2")

    assert (filed.exit_code, filed.stdout, filed.stderr) == (
        0,
        "Filed conversation 1 to M-2 (10 messages).\n",
        f"Warning: {LEFT}\n",
    )
    listed = cli("note", "list")
    assert listed.stdout.splitlines()[-1] == f"Left behind: {LEFT}"
    assert "│ 1    │ left behind │ M-1 " in listed.stdout and "│ 2    │             │ M-1 " in listed.stdout
    [first, second] = json.loads(cli("note", "list", "--json").stdout)
    assert first["stranded"] == {
        "note": 1,
        "matter": "M-1",
        "privileged": True,
        "messages": ["#1.2"],
        "filed_to": ["M-2"],
        "command": "textfile note move 1 --matter M-2 --reason TEXT",
    }
    assert "stranded" not in second  # (about the matter as a whole: nothing left behind)
    status = cli("status")
    assert status.exit_code == 4
    lines = status.stdout.splitlines()
    at = lines.index(
        "Notes left behind: their messages are no longer filed to their matter (move each where they are):"
    )
    assert lines[at + 1] == f"  {LEFT}"
    assert lines[-1].startswith("Needs you: ") and "1 note left behind by a refiling" in lines[-1]
    assert json.loads(cli("status", "--json").stdout)["notes_left_behind"] == [first["stranded"]]


def test_note_list_at_80_columns_keeps_the_matter_beside_the_mark(cli, refiled, monkeypatch):
    assert cli("unfile", "1", "--matter", "M-1").exit_code == 0
    monkeypatch.setenv("COLUMNS", "80")

    listed = cli("note", "list").stdout.splitlines()

    assert listed[1] == "┃ Note ┃ State   ┃ Matter ┃ Privileged ┃ Messages ┃ Changed ┃ Begins           ┃"
    assert listed[3].startswith("│ 1    │ left    │ M-1    │ yes ") and listed[4].startswith("│      │ behind  │")
    assert "(columns left out at 80 columns: Written, Author; --json has everything)" in listed
    assert max(len(line) for line in listed[:-1]) <= 80


def test_note_move_keeps_the_note_and_is_audited(cli, refiled):
    conn = refiled.conn
    assert cli("unfile", "1", "--matter", "M-1").exit_code == 0
    assert cli("file", "1", "--matter", "M-2").exit_code == 0
    before = [tuple(r) for r in conn.execute("SELECT * FROM notes WHERE id = 1")]
    versions = [tuple(r) for r in conn.execute("SELECT * FROM note_versions WHERE note_id = 1")]

    moved = cli("note", "move", "1", "--matter", "M-2", "--reason", "the conversation is M-2's")

    assert (moved.exit_code, moved.stdout, moved.stderr) == (
        0,
        "Moved note 1 of M-2 by " + audit.current_user() + ", privileged (Attorney work product), about #1.2.\n",
        "",
    )
    (m2,) = conn.execute("SELECT id FROM matters WHERE reference = 'M-2'").fetchone()
    assert [tuple(r) for r in conn.execute("SELECT * FROM notes WHERE id = 1")] == [
        (*before[0][:1], m2, *before[0][2:])
    ]
    assert [tuple(r) for r in conn.execute("SELECT * FROM note_versions WHERE note_id = 1")] == versions
    (details,) = conn.execute("SELECT details FROM audit_log WHERE command = 'note move'").fetchone()
    (mid, content) = conn.execute("SELECT message_id, content_hash FROM note_messages WHERE note_id = 1").fetchone()
    details = json.loads(details)
    details.pop("records")
    assert details == {
        "note": 1,
        "matter": "M-2",
        "from": "M-1",
        "by": audit.current_user(),
        "version": 1,
        "text_sha256": sha256_text(ADVICE),
        "privileged": True,
        "messages": [[mid, content]],
        "why_sha256": sha256_text("the conversation is M-2's"),
    }
    assert "Left behind" not in cli("note", "list").stdout
    assert cli("status", "--json").stdout.count("notes_left_behind") == 0
    # `note show` says it moved (second reader, round 16: only the audit log did)
    (at,) = conn.execute("SELECT at FROM audit_log WHERE command = 'note move'").fetchone()
    shown = cli("note", "show", "1").stdout.splitlines()
    assert shown[1] == (
        f"Moved from M-1 to M-2 {times.display(at, times.zone('America/New_York'))} by {audit.current_user()}"
        f" (reason's sha256 {sha256_text('the conversation is M-2' + chr(39) + 's')[:16]}…)"
    )
    [move] = json.loads(cli("note", "show", "1", "--json").stdout)["moves"]
    assert (move["from"], move["to"], move["at"]) == ("M-1", "M-2", at)
    assert cli("verify").exit_code == 0


def test_note_move_refused(cli, refiled):
    conn = refiled.conn
    assert cli("client", "add", "Dana Other", "--phone", "+12025550199").exit_code == 0
    assert cli("matter", "open", "D-1", "--client", "Dana Other", "--title", "Other").exit_code == 0
    entries = conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    cases = {
        ("1", "--matter", "M-2", "--reason", " "): "say why the note is moved (--reason)",
        ("9", "--matter", "M-2", "--reason", "x"): "no note 9 (see `textfile note list`)",
        ("1", "--matter", "M-1", "--reason", "x"): "note 1 is already of matter M-1: nothing to move",
        ("1", "--matter", "D-1", "--reason", "x"): "matter D-1 is Dana Other's, and note 1 is of Sam Client's matter"
        " M-1: a note is moved only to another matter of its client",
        ("1", "--matter", "M-2", "--reason", "x"): "message #1.2 is not filed to matter M-2 at its time: a note is"
        " about the matter's own messages (see `textfile conversations`; `textfile file N --matter M-2`)",
    }
    for args, error in cases.items():
        r = cli("note", "move", *args)
        assert (r.exit_code, r.stdout, r.stderr) == (1, "", f"Error: {error}\n"), args
    assert cli("matter", "hold", "M-1", "--reason", "litigation").exit_code == 0
    assert cli("file", "1", "--matter", "M-2").exit_code == 0
    held = cli("note", "move", "1", "--matter", "M-2", "--reason", "x")
    assert (held.exit_code, held.stderr) == (
        1,
        "Error: note 1 is of matter M-1, under legal hold: release the hold first\n",
    )
    assert cli("matter", "release", "M-1", "--reason", "settled").exit_code == 0
    assert cli("note", "withdraw", "1", "--reason", "wrong").exit_code == 0
    entries = conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    gone = cli("note", "move", "1", "--matter", "M-2", "--reason", "x")
    assert gone.exit_code == 1 and gone.stderr.startswith("Error: note 1 was already withdrawn on ")
    assert gone.stderr.endswith(": a withdrawn note is not moved (`textfile note add` writes it again)\n")
    assert conn.execute("SELECT count(*) FROM audit_log").fetchone()[0] == entries


def test_transcripts_before_verify_and_the_matter_it_belongs_to_warns(cli, refiled, tmp_path):
    before = tmp_path / "before.pdf"
    assert cli("transcript", "M-1", "--out", before).exit_code == 0
    assert cli("produce", "M-1", "--out", tmp_path / "vol0").exit_code == 0
    assert cli("unfile", "1", "--matter", "M-1").exit_code == 0
    assert cli("file", "1", "--matter", "M-2").exit_code == 0
    warned = (
        "Warning: note 1 of M-1, privileged, concerns #1.2, which this {} shows: a note of another matter, it is"
        " neither in its notes nor in its privilege log; if it belongs here:"
        " `textfile note move 1 --matter M-2 --reason TEXT`\n"
    )
    made = cli("transcript", "M-2", "--out", tmp_path / "m2.pdf")
    assert (made.exit_code, made.stderr) == (0, warned.format("transcript"))
    assert not (tmp_path / "m2.privilege-log.csv").exists()
    produced = cli("produce", "M-2", "--out", tmp_path / "vol1", "--reproduce")  # (M-1 produced them: vol0)
    assert (produced.exit_code, produced.stderr) == (0, warned.format("production"))
    assert not (tmp_path / "vol1" / "DATA" / "privilege-log.csv").exists()

    assert cli("note", "move", "1", "--matter", "M-2", "--reason", "refiled").exit_code == 0

    verified = cli("verify", before)
    assert verified.exit_code == 0, verified.output
    # each output of M-1 made before says the note it logs was moved since (it said nothing: round 17's note)
    (at,) = refiled.conn.execute("SELECT at FROM audit_log WHERE command = 'note move'").fetchone()
    moved = (
        f"note 1 (version 1), which its privilege log lists, was moved since to matter M-2, on"
        f" {times.display(at, times.zone('America/New_York'))} by {audit.current_user()} (its messages were refiled"
        " there: a {} of this matter made now leaves it out)"
    )
    assert f"  {moved.format('transcript')}" in verified.stdout.splitlines()
    [shown] = json.loads(cli("verify", before, "--json").stdout)[0]["withdrawn"]
    assert shown == {
        "kind": "note moved",
        "id": 1,
        "version": 1,
        "where": "privilege log",
        "moved_to": "M-2",
        "moved_at": at,
        "moved_by": audit.current_user(),
    }
    production = cli("verify", tmp_path / "vol0")
    assert production.exit_code == 0, production.output
    assert moved.format("production") in production.stdout
    again = cli("produce", "M-2", "--out", tmp_path / "vol2", "--reproduce")
    assert (again.exit_code, again.stderr) == (0, "")
    assert (tmp_path / "vol2" / "DATA" / "privilege-log.csv").read_text().splitlines()[1].startswith("1,1,")
    later = cli("transcript", "M-2", "--out", tmp_path / "m2-after.pdf")
    assert (later.exit_code, later.stderr) == (0, "")
    assert (tmp_path / "m2-after.privilege-log.csv").exists()


def test_client_edit_taking_back_a_filing_warns_of_the_notes_left_behind(cli, archive):
    """`client edit --remove-phone` takes back the automatic filings a number removed was the only ground for
    (a mistyped number): a note of that matter about those texts is left behind, and said, as `unfile` says it."""
    assert cli("client", "add", "Sam Client", "--phone", "+12025550143").exit_code == 0
    assert cli("matter", "open", "M-1", "--client", "Sam Client", "--title", "Lease").exit_code == 0
    ingest_records(archive, [msg(n, out=n % 2 == 0) for n in range(1, 11)])
    with archive.transaction() as conn:  # (what an import does: `import` files a client's new thread)
        filing.auto_file(conn)
    assert [tuple(r) for r in archive.conn.execute("SELECT conversation_id, how FROM filings")] == [(1, "auto")]
    assert cli("note", "add", "M-1", ADVICE, "--about", "#1.2", "--privileged").exit_code == 0

    r = cli("client", "edit", "Sam Client", "--remove-phone", "+12025550143", "--reason", "mistyped")

    assert r.exit_code == 0, r.output
    assert r.stderr == f"Warning: {NOWHERE}\n"
    assert "unfiled conversation 1 from M-1" in r.stdout
    edited = json.loads(cli("note", "list", "--json").stdout)
    assert edited[0]["stranded"]["messages"] == ["#1.2"]
