"""Correcting mistakes: client and matter edits, unfiling, and the checks filing by hand makes
(another client's matter, a closed matter, an empty window). Every change audited, `verify` clean."""

import getpass
import json

from conftest import ME, ingest_records, msg, snapshot

from textfile import times
from textfile.model import Conversation, Participant
from textfile.transcript import manifest

DANA = Participant(
    "+15559876543", "Dana"
)  # a fictional 555 number, as a backup holds it: phonenumbers calls it invalid
DANA_CHAT = Conversation("android", "+15559876543", None, False, (DANA, ME))


def records(archive) -> dict:
    conn = archive.conn
    return {
        "clients": [tuple(r) for r in conn.execute("SELECT id, name FROM clients ORDER BY id")],
        "client_handles": [
            tuple(r) for r in conn.execute("SELECT handle, client_id, kind FROM client_handles ORDER BY handle")
        ],
        "matters": [
            tuple(r)
            for r in conn.execute("SELECT reference, client_id, title, closed_at IS NOT NULL FROM matters ORDER BY id")
        ],
        "filings": [
            tuple(r)
            for r in conn.execute(
                "SELECT f.conversation_id, m.reference, f.from_at, f.until_at, f.how FROM filings f JOIN matters m ON m.id = f.matter_id ORDER BY f.id"
            )
        ],
    }


def audited(archive, n: int) -> list[tuple[str, dict]]:
    """The last n audit entries: command and details (without the digests of records, textfile/audit's own;
    without the review scans a filing runs after it, tests/test_review.py's)."""
    rows = archive.conn.execute(
        "SELECT command, details FROM audit_log WHERE command <> 'review scan' ORDER BY id DESC LIMIT ?", (n,)
    ).fetchall()
    return [(c, {k: v for k, v in json.loads(d).items() if k != "records"}) for c, d in reversed(rows)]


def verified(cli) -> bool:
    r = cli("verify")
    return r.exit_code == 0 and r.stderr == ""


def test_a_number_an_import_holds_can_be_given_to_a_client_even_if_invalid_for_the_region(cli, archive):
    before = snapshot(archive)
    r = cli("client", "add", "Dana", "--phone", "555-987-6543")  # nothing archived has it: still refused
    assert (r.exit_code, r.stderr) == (1, "Error: not a valid phone number for region US: '555-987-6543'\n")
    assert snapshot(archive) == before
    ingest_records(archive, [msg(1, conversation=DANA_CHAT)])
    r = cli("client", "add", "Dana", "--phone", "555-987-6543")
    assert (r.exit_code, r.stdout) == (0, "Added client Dana (+15559876543).\n")
    assert records(archive)["client_handles"] == [("+15559876543", 1, "phone")]
    assert audited(archive, 1) == [
        ("client add", {"client": "Dana", "handles": ["+15559876543"], "by": getpass.getuser()})
    ]
    assert verified(cli)


def test_client_edit_add_phone_files_what_it_makes_unambiguous(cli, archive):
    cli("client", "add", "Dana", "--email", "dana@example.com")
    cli("matter", "open", "D-1", "--client", "Dana", "--title", "Lease")
    ingest_records(archive, [msg(1, conversation=DANA_CHAT), msg(2, conversation=DANA_CHAT)])
    assert records(archive)["filings"] == []
    r = cli("client", "edit", "Dana", "--add-phone", "+1 555 987 6543", "--reason", "her new phone")
    assert (r.exit_code, r.stdout) == (
        0,
        "Client Dana (dana@example.com, +15559876543): added +15559876543.\n  filed conversation 1 to D-1\n",
    )
    assert records(archive) == {
        "clients": [(1, "Dana")],
        "client_handles": [("+15559876543", 1, "phone"), ("dana@example.com", 1, "email")],
        "matters": [("D-1", 1, "Lease", 0)],
        "filings": [(1, "D-1", None, None, "auto")],
    }
    assert audited(archive, 2) == [
        (
            "client edit",
            {
                "client": "Dana",
                "added": ["+15559876543"],
                "removed": [],
                "reason": "her new phone",
                "by": getpass.getuser(),
            },
        ),
        ("file (automatic)", {"filed": [{"conversation": 1, "matter": "D-1"}]}),
    ]
    assert verified(cli)


def test_client_edit_renames_and_removes_a_handle(cli, archive):
    cli("client", "add", "Sam", "--phone", "202-555-0143", "--email", "sam@example.com")
    cli("client", "add", "Kim", "--phone", "202-555-0177")
    r = cli(
        "client",
        "edit",
        "Sam",
        "--name",
        "Sam Rivera",
        "--remove-phone",
        "(202) 555-0143",
        "--remove-email",
        "SAM@example.com",
        "--json",
    )
    assert r.exit_code == 0
    assert json.loads(r.stdout)["changed"] == {
        "client": "Sam",
        "renamed_to": "Sam Rivera",
        "added": [],
        "removed": ["+12025550143", "sam@example.com"],
        "reason": None,
        "by": getpass.getuser(),
    }
    assert records(archive)["clients"] == [(1, "Sam Rivera"), (2, "Kim")]
    assert records(archive)["client_handles"] == [("+12025550177", 2, "phone")]
    assert audited(archive, 1) == [
        (
            "client edit",
            {
                "client": "Sam",
                "renamed_to": "Sam Rivera",
                "added": [],
                "removed": ["+12025550143", "sam@example.com"],
                "reason": None,
                "by": getpass.getuser(),
            },
        )
    ]
    before = snapshot(archive)
    for args, message in (
        (
            ("Sam Rivera", "--remove-phone", "202-555-0177"),
            "+12025550177 is not one of 'Sam Rivera''s handles (see `textfile client show`)",
        ),
        (
            ("Sam Rivera", "--add-phone", "202-555-0177"),
            "+12025550177 already belongs to client 'Kim'; one handle cannot belong to two clients",
        ),
        (("Kim", "--add-phone", "202-555-0177"), "+12025550177 is already one of Kim's handles"),
        (("Sam Rivera", "--name", "kim"), "a client named 'Kim' already exists"),
        (("Sam Rivera",), "nothing to change: give --name, --add-phone, --remove-phone, --add-email or --remove-email"),
        (("Nobody", "--name", "X"), "no client named 'Nobody' (see `textfile client list`)"),
    ):
        r = cli("client", "edit", *args)
        assert (r.exit_code, r.stderr) == (1, f"Error: {message}\n")
    assert snapshot(archive) == before
    assert verified(cli)


MOM = Participant("+12025550199", "Mom")
MOM_CHAT = Conversation("android", "+12025550199", None, False, (MOM, ME))


def test_removing_a_mistyped_number_takes_back_the_automatic_filings_it_was_the_only_ground_for(cli, archive, tmp_path):
    """A number typed wrong filed the owner's mother's thread to the client's matter; removing it
    takes that filing back (audited with the edit), keeps a filing a person made and names it, and
    under legal hold refuses the edit."""
    cli("client", "add", "Jordan", "--phone", "202-555-0199")  # a typo: 0199 is Mom's
    cli("matter", "open", "J-1", "--client", "Jordan", "--title", "Estate")
    ingest_records(archive, [msg(1, conversation=MOM_CHAT), msg(2), msg(3, conversation=MOM_CHAT)])
    assert records(archive)["filings"] == [(1, "J-1", None, None, "auto")]
    cli("matter", "hold", "J-1")
    before = snapshot(archive)
    r = cli("client", "edit", "Jordan", "--remove-phone", "202-555-0199", "--add-phone", "202-555-0143")
    assert (r.exit_code, r.stderr) == (
        1,
        "Error: the number or address removed filed conversation 1 to J-1 (through +12025550199) automatically,"
        " under legal hold: release the hold first\n",
    )
    assert snapshot(archive) == before
    cli("matter", "release", "J-1")
    r = cli(
        "client",
        "edit",
        "Jordan",
        "--remove-phone",
        "202-555-0199",
        "--add-phone",
        "202-555-0143",
        "--reason",
        "typo: 0199 is Mom",
    )
    assert (r.exit_code, r.stdout) == (
        0,
        "Client Jordan (+12025550143): removed +12025550199; added +12025550143.\n"
        "  unfiled conversation 1 from J-1: it was filed automatically through +12025550199, no longer the client's\n"
        "  filed conversation 2 to J-1\n",
    )
    assert records(archive)["filings"] == [(2, "J-1", None, None, "auto")]
    (edit, edit_details), filed = audited(archive, 2)
    filed_at = edit_details["unfiled"][0]["filed_at"]
    assert (edit, edit_details) == (
        "client edit",
        {
            "client": "Jordan",
            "added": ["+12025550143"],
            "removed": ["+12025550199"],
            "reason": "typo: 0199 is Mom",
            "by": getpass.getuser(),
            "unfiled": [
                {
                    "conversation": 1,
                    "matter": "J-1",
                    "through": "+12025550199",
                    "from": None,
                    "until": None,
                    "filed_at": filed_at,
                }
            ],
        },
    )
    assert filed == ("file (automatic)", {"filed": [{"conversation": 2, "matter": "J-1"}]})
    # Mom's thread is now unfiled, and is filed automatically again if the number comes back
    assert [c["unfiled"] for c in json.loads(cli("conversations", "--json").stdout)] == [2, 0]
    # a filing a person made stays, and is named
    cli("file", "1", "--matter", "J-1")
    cli("client", "edit", "Jordan", "--add-phone", "202-555-0199")
    r = cli("client", "edit", "Jordan", "--remove-phone", "202-555-0199")
    assert (r.exit_code, r.stdout) == (
        0,
        "Client Jordan (+12025550143): removed +12025550199.\n  conversation 1 stays filed to J-1 (filed by hand),"
        " though it no longer holds a handle of the client's: textfile unfile 1 --matter J-1 if it does not belong there\n",
    )
    assert records(archive)["filings"] == [(2, "J-1", None, None, "auto"), (1, "J-1", None, None, "manual")]
    assert verified(cli)
    # the transcript names the handle an automatic filing rests on, and who gave it to the client, when, and why
    r = cli("transcript", "J-1", "--out", str(tmp_path / "j1.pdf"), "--json")
    assert r.exit_code == 0, r.stderr
    disclosed = json.loads(manifest.read(tmp_path / "j1.pdf"))["disclosures"]["filings"]
    [(at,)] = archive.conn.execute(
        "SELECT at FROM audit_log WHERE command = 'client edit' AND details LIKE '%typo: 0199 is Mom%'"
    )
    assert [{k: f[k] for k in ("conversation", "how", "through") if k in f} for f in disclosed] == [
        {"conversation": 1, "how": "manual"},
        {
            "conversation": 2,
            "how": "auto",
            "through": [
                {
                    "handle": "+12025550143",
                    "given_by": "client edit",
                    "at": at,
                    "at_local": times.display(at, times.zone("America/New_York")),
                    "by": getpass.getuser(),
                    "reason": "typo: 0199 is Mom",
                }
            ],
        },
    ]


def test_matter_edit_changes_title_and_reference(cli, archive):
    cli("client", "add", "Sam", "--phone", "202-555-0143")
    cli("matter", "open", "M-1", "--client", "Sam", "--title", "Leese")
    cli("matter", "open", "M-2", "--client", "Sam", "--title", "Other")
    r = cli("matter", "edit", "M-1", "--title", "Lease", "--reference", "2026-014", "--reason", "typo")
    assert (r.exit_code, r.stdout) == (0, "Matter 2026-014 for Sam: Lease.\n")
    assert records(archive)["matters"] == [("2026-014", 1, "Lease", 0), ("M-2", 1, "Other", 0)]
    assert audited(archive, 1) == [
        (
            "matter edit",
            {
                "matter": "M-1",
                "reference": {"from": "M-1", "to": "2026-014"},
                "title": {"from": "Leese", "to": "Lease"},
                "reason": "typo",
            },
        )
    ]
    before = snapshot(archive)
    for args, message in (
        (("2026-014", "--reference", "m-2"), "a matter 'm-2' already exists"),
        (("2026-014", "--title", "Lease"), "nothing to change: give --title, --reference or --client with a new value"),
        (("M-1", "--title", "X"), "no matter 'M-1' (see `textfile matter list`)"),
    ):
        r = cli("matter", "edit", *args)
        assert (r.exit_code, r.stderr) == (1, f"Error: {message}\n")
    assert snapshot(archive) == before
    assert verified(cli)


def test_unfile_removes_filings_keeps_them_in_the_audit_log_and_transcripts_stay(cli, archive, tmp_path, monkeypatch):
    monkeypatch.setenv("LOGNAME", "paralegal3")
    cli("client", "add", "Sam", "--phone", "202-555-0143")
    cli("matter", "open", "M-1", "--client", "Sam", "--title", "Lease")
    ingest_records(archive, [msg(n) for n in range(4)])  # filed to M-1 automatically
    cli("matter", "open", "M-2", "--client", "Sam", "--title", "Other")
    assert cli("file", "1", "--matter", "M-2", "--from", "2024-03-01T07:02:00").exit_code == 0
    assert cli("transcript", "M-2", "--out", tmp_path / "t.pdf", "--quiet").exit_code == 0
    [(filed_at,)] = archive.conn.execute("SELECT created_at FROM filings WHERE how = 'manual'").fetchall()
    r = cli("unfile", "1", "--matter", "M-2", "--reason", "misfiled")
    assert (r.exit_code, r.stdout) == (0, "Unfiled conversation 1 from M-2 (1 filing).\n")
    assert records(archive)["filings"] == [(1, "M-1", None, None, "auto")]
    assert audited(archive, 1) == [
        (
            "unfile",
            {
                "conversation": 1,
                "removed": [
                    {
                        "matter": "M-2",
                        "from": "2024-03-01T12:02:00.000Z",
                        "until": None,
                        "how": "manual",
                        "filed_at": filed_at,
                        "by": "paralegal3",
                    }
                ],
                "reason": "misfiled",
            },
        )
    ]
    assert verified(cli)
    assert cli("verify", tmp_path / "t.pdf").exit_code == 0  # the transcript made before stays as it was
    r = cli("unfile", "1", "--json")
    assert r.exit_code == 0 and [f["matter"] for f in json.loads(r.stdout)["removed"]] == ["M-1"]
    assert records(archive)["filings"] == []
    r = cli("unfile", "1")
    assert (r.exit_code, r.stderr) == (1, "Error: conversation 1 is not filed\n")
    # A conversation a person unfiled is not filed again automatically when it grows.
    ingest_records(archive, [msg(9)], name="later.xml")
    cli("matter", "close", "M-2")
    ingest_records(archive, [msg(10)], name="later2.xml")
    assert records(archive)["filings"] == []
    assert verified(cli)


def test_filing_under_another_clients_matter_needs_also(cli, archive):
    cli("client", "add", "Sam", "--phone", "202-555-0143")
    cli("client", "add", "Kim", "--phone", "202-555-0177")
    cli("matter", "open", "M-1", "--client", "Sam", "--title", "Lease")
    cli("matter", "open", "K-1", "--client", "Kim", "--title", "Estate")
    ingest_records(archive, [msg(1), msg(2)])  # Sam's chat, filed to M-1
    before = snapshot(archive)
    r = cli("file", "1", "--matter", "K-1")
    assert (r.exit_code, r.stdout) == (1, "")
    assert r.stderr == (
        "Error: conversation 1 is already filed under another client's matter: M-1 (Sam); filing it under K-1 too puts one"
        " client's messages in another's file (a privilege risk): give --also if it belongs to both\n"
    )
    assert snapshot(archive) == before
    r = cli("file", "1", "--matter", "K-1", "--also")
    assert r.exit_code == 0
    assert r.stderr == "Warning: conversation 1 is now filed under more than one client's matters: M-1, K-1\n"
    assert records(archive)["filings"] == [(1, "M-1", None, None, "auto"), (1, "K-1", None, None, "manual")]
    [(command, details)] = audited(archive, 1)
    assert (command, details["matter"], details["messages"], details["also_filed_under"]) == ("file", "K-1", 2, ["M-1"])
    assert verified(cli)


def test_filing_into_a_closed_matter_warns_and_an_empty_window_is_an_error(cli, archive):
    cli("client", "add", "Sam", "--phone", "202-555-0143")
    cli("matter", "open", "M-1", "--client", "Sam", "--title", "Lease")
    cli("matter", "close", "M-1")
    ingest_records(archive, [msg(1)])
    before = snapshot(archive)
    r = cli("file", "1", "--matter", "M-1", "--from", "2030-01-01")
    assert (r.exit_code, r.stderr) == (1, "Error: conversation 1 holds no message in that window: nothing to file\n")
    assert snapshot(archive) == before
    r = cli("file", "1", "--matter", "M-1")
    assert r.exit_code == 0 and r.stdout == "Filed conversation 1 to M-1 (1 message).\n"
    closed_at = archive.conn.execute("SELECT closed_at FROM matters").fetchone()[0]
    again = cli("matter", "close", "M-1")  # (its time as a person reads every time: local, with its offset)
    assert (again.exit_code, again.stderr) == (
        1,
        f"Error: matter 'M-1' is already closed (since {times.display(closed_at, times.archive_zone(archive.conn))})\n",
    )
    assert (
        r.stderr
        == f"Warning: matter M-1 is closed (since {times.display(closed_at, times.zone('America/New_York'))})\n"
    )
    assert records(archive)["filings"] == [(1, "M-1", None, None, "manual")]
    # a filing that adds nothing (every message of the window already filed to that matter) is refused
    before = snapshot(archive)
    for window, said in (
        ((), "for that window"),
        (("--from", "2024-03-01", "--until", "2024-03-01"), "for every message in that window: nothing to file"),
    ):
        r = cli("file", "1", "--matter", "M-1", *window)
        assert (r.exit_code, r.stderr) == (1, f"Error: conversation 1 is already filed to M-1 {said}\n")
    assert snapshot(archive) == before
    assert verified(cli)


def test_a_held_matter_keeps_its_conversations_and_its_hold_follows_a_new_reference(cli, archive):
    cli("client", "add", "Sam", "--phone", "202-555-0143")
    cli("matter", "open", "M-1", "--client", "Sam", "--title", "Lease")
    ingest_records(archive, [msg(1)])
    cli("matter", "hold", "M-1")
    before = snapshot(archive)
    r = cli("unfile", "1")
    assert (r.exit_code, r.stderr) == (
        1,
        "Error: conversation 1 is filed to M-1, under legal hold: release the hold first\n",
    )
    assert snapshot(archive) == before
    assert cli("matter", "edit", "M-1", "--title", "Lease (held)", "--reference", "M-9").exit_code == 0
    assert records(archive)["matters"] == [("M-9", 1, "Lease (held)", 0)]
    assert verified(cli)  # (the audit log's hold of M-1 is M-9's now: audit.check_holds follows the new reference)


def test_a_matter_closed_by_mistake_is_reopened_and_the_filings_its_close_ended_run_on(cli, archive, monkeypatch):
    cli("client", "add", "Sam", "--phone", "202-555-0143")
    cli("matter", "open", "M-1", "--client", "Sam", "--title", "Lease")
    ingest_records(archive, [msg(1), msg(2), msg(3), msg(4, conversation=DANA_CHAT)])  # Sam's chat filed to M-1
    assert cli("file", "2", "--matter", "M-1", "--until", "2024-03-01").exit_code == 0  # (a window of its own)
    with monkeypatch.context() as clock:
        clock.setattr(times, "now_iso", lambda: "2024-03-01T12:02:30.000Z")
        assert cli("matter", "close", "M-1").exit_code == 0
    dana_until = records(archive)["filings"][1][3]
    assert records(archive)["filings"] == [
        (1, "M-1", None, "2024-03-01T12:02:30.000Z", "auto"),
        (2, "M-1", None, dana_until, "manual"),
    ]
    assert dana_until != "2024-03-01T12:02:30.000Z"
    before = snapshot(archive)
    for args, code, said in (
        ((), 2, "Error: missing option --reason (see textfile matter reopen --help)\n"),
        (("--reason", "  "), 1, "Error: say why the matter is reopened (--reason)\n"),
        (("--reason", "x", "M-9"), 1, "Error: no matter 'M-9'"),
    ):
        r = cli("matter", "reopen", *(args[-1:] if args[-1:] == ("M-9",) else ("M-1",)), *args[:2])
        assert (r.exit_code, r.stderr[: len(said)]) == (code, said), r.output
        assert r.stderr.count("\n") == 1
    assert snapshot(archive) == before

    r = cli("matter", "reopen", "M-1", "--reason", "closed by mistake")
    assert (r.exit_code, r.stdout) == (
        0,
        "Matter M-1 reopened (it had closed 2024-03-01 07:02:30 -05:00); the filings its close ended run on again:"
        " conversation 1.\n",
    )
    assert records(archive)["matters"] == [("M-1", 1, "Lease", 0)]
    assert records(archive)["filings"] == [(1, "M-1", None, None, "auto"), (2, "M-1", None, dana_until, "manual")]
    assert audited(archive, 1) == [
        (
            "matter reopen",
            {
                "matter": "M-1",
                "closed_at": "2024-03-01T12:02:30.000Z",
                "conversations": [1],
                "reason": "closed by mistake",
            },
        )
    ]
    again = cli("matter", "reopen", "M-1", "--reason", "again")
    assert (again.exit_code, again.stderr) == (1, "Error: matter 'M-1' is open: there is nothing to reopen\n")
    listed = json.loads(cli("matter", "list", "--json").stdout)
    assert [(m["reference"], m["status"], m["closed_at"], m["messages"]) for m in listed] == [("M-1", "open", None, 4)]
    assert verified(cli)


def test_a_matter_reopened_says_what_another_matter_took_meanwhile_and_what_is_set_aside(cli, archive, monkeypatch):
    """What came since the close, filed to the client's next matter, is in both once the first is reopened:
    said, with the way out; a thread of the client's set aside is named, as `matter open` names it."""
    cli("client", "add", "Sam", "--phone", "202-555-0143")
    cli("matter", "open", "M-1", "--client", "Sam", "--title", "Lease")
    ingest_records(archive, [msg(1), msg(2), msg(3, conversation=DANA_CHAT)])
    cli("conversation", "ignore", "2", "--reason", "not Sam's")
    with monkeypatch.context() as clock:
        clock.setattr(times, "now_iso", lambda: "2024-03-01T12:01:30.000Z")
        assert cli("matter", "close", "M-1").exit_code == 0
    cli("matter", "open", "M-2", "--client", "Sam", "--title", "Deposit")  # (takes Sam's chat from the close on)
    assert cli("client", "edit", "Sam", "--add-phone", "555-987-6543").exit_code == 0  # (Dana's number: Sam's too)
    r = cli("matter", "reopen", "M-1", "--reason", "the lease is not settled")
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[1:] == [
        "  conversation 1 is filed to M-2 too since M-1 closed: the messages since are in both (textfile unfile 1"
        " --matter REF takes it out of the one it does not belong to)",
        f"  warning: conversation 2 is set aside (ignored on {times.day(times.now_iso(), times.archive_zone(archive.conn))}:"
        " not Sam's) but holds +15559876543, a handle of Sam: not filed to M-1 (textfile file 2 --matter M-1 files it"
        " and takes the set-aside back)",
    ]
    shown = json.loads(cli("matter", "list", "--json").stdout)
    assert [(m["reference"], m["status"], m["messages"]) for m in shown] == [("M-1", "open", 2), ("M-2", "open", 1)]
    assert verified(cli)


def test_a_matter_reopened_names_no_other_matter_that_took_no_message_since(cli, archive, monkeypatch):
    """Another matter opened meanwhile, but no message came after the close: nothing is in both, nothing said."""
    cli("client", "add", "Sam", "--phone", "202-555-0143")
    cli("matter", "open", "M-1", "--client", "Sam", "--title", "Lease")
    ingest_records(archive, [msg(1), msg(2)])
    with monkeypatch.context() as clock:
        clock.setattr(times, "now_iso", lambda: "2024-03-01T12:05:00.000Z")
        assert cli("matter", "close", "M-1").exit_code == 0
    cli("matter", "open", "M-2", "--client", "Sam", "--title", "Deposit")
    r = cli("matter", "reopen", "M-1", "--reason", "closed by mistake")
    assert (r.exit_code, r.stdout) == (
        0,
        "Matter M-1 reopened (it had closed 2024-03-01 07:05:00 -05:00); the filings its close ended run on again:"
        " conversation 1.\n",
    )
