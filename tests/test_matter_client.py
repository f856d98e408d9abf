"""A matter opened for the wrong client, corrected: `matter edit --client` moves it to the right one while
nothing made of it names the first client (transcripts, productions, notes, review reports, a legal hold)
and no conversation of the first client's is filed to it; `matter close --reason` keeps why a matter closed."""

import json

from conftest import ME, ingest_records, msg, snapshot
from test_corrections import DANA_CHAT, audited, records, verified

from textfile import times
from textfile.model import Conversation, Participant

JORDAN_CHAT = Conversation("android", "+12025550147", None, False, (Participant("+12025550147", "Jordan Lee"), ME))
PAT_MAIL = Participant("pat@example.com", "Pat Reed")
PAT_IMESSAGE = Conversation("imessage", "pat@example.com", None, False, (PAT_MAIL, ME))

MOVE = ("matter", "edit", "2026-106", "--client", "Jordan Lee")


def commands(archive, after: int) -> list[str]:
    """The audit log's commands after entry `after` (the review scans included)."""
    return [c for (c,) in archive.conn.execute("SELECT command FROM audit_log WHERE id > ? ORDER BY id", (after,))]


def last_entry(archive) -> int:
    return archive.conn.execute("SELECT max(id) FROM audit_log").fetchone()[0]


def test_a_matter_opened_for_the_wrong_client_moves_to_the_right_one(cli, archive):
    cli("client", "add", "Pat Reed", "--phone", "202-555-0143", "--email", "pat@example.com")
    cli("client", "add", "Jordan Lee", "--phone", "202-555-0147")
    cli("matter", "open", "P-1", "--client", "Pat Reed", "--title", "Custody")
    ingest_records(archive, [msg(1), msg(2, conversation=JORDAN_CHAT), msg(3, conversation=DANA_CHAT, out=True)])
    r = cli("matter", "open", "2026-106", "--client", "Pat Reed", "--title", "Family sessions")  # (meant Jordan Lee)
    assert (r.exit_code, r.stdout) == (0, "Opened matter 2026-106 for Pat Reed: Family sessions.\n")
    ingest_records(archive, [msg(4, conversation=PAT_IMESSAGE)], name="later.xml")  # (Pat has two open matters)
    assert cli("file", "1", "--matter", "2026-106").exit_code == 0  # Pat's own texts
    assert cli("file", "3", "--matter", "2026-106").exit_code == 0  # Dana's, filed by hand: no client's handle
    assert records(archive)["filings"] == [
        (1, "P-1", None, None, "auto"),
        (1, "2026-106", None, None, "manual"),
        (3, "2026-106", None, None, "manual"),
    ]
    before = snapshot(archive)
    for args, code, said in (
        ((), 1, "Error: say why the matter moves to another client (--reason)\n"),
        (("--reason", "  "), 1, "Error: say why the matter moves to another client (--reason)\n"),
        (("--client", "Jo Lee", "--reason", "x"), 1, "Error: no client named 'Jo Lee' (see `textfile client list`)\n"),
        (
            ("--reason", "opened for the wrong client"),
            1,
            "Error: matter '2026-106' cannot move from Pat Reed to Jordan Lee: conversation 1 holds +12025550143, a"
            " handle of Pat Reed: moving would put Pat Reed's texts in Jordan Lee's file (textfile unfile 1 --matter"
            " 2026-106 takes it out first)\n",
        ),
    ):
        r = cli(*MOVE, *args)
        assert (r.exit_code, r.stdout, r.stderr) == (code, "", said)
    r = cli("matter", "edit", "2026-106", "--client", "pat reed", "--reason", "x")  # (names are matched as listed)
    assert (r.exit_code, r.stderr) == (
        1,
        "Error: nothing to change: give --title, --reference or --client with a new value\n",
    )
    assert snapshot(archive) == before

    assert cli("unfile", "1", "--matter", "2026-106", "--reason", "Pat's, filed to the wrong matter").exit_code == 0
    start = last_entry(archive)
    r = cli(*MOVE, "--reason", "opened for the wrong client")
    assert (r.exit_code, r.stderr) == (0, "")
    assert r.stdout == (
        "Matter 2026-106 moved from Pat Reed to Jordan Lee: Family sessions; the filings of conversation 3 moved with"
        " it.\n"
        "  filed conversation 2 to 2026-106\n"
        "  filed conversation 4 to P-1\n"
        "Review: 0 flags raised, the reason of 1 open flag changed (textfile review).\n"
    )
    assert records(archive)["matters"] == [("P-1", 1, "Custody", 0), ("2026-106", 2, "Family sessions", 0)]
    assert records(archive)["filings"] == [
        (1, "P-1", None, None, "auto"),
        (3, "2026-106", None, None, "manual"),
        (2, "2026-106", None, None, "auto"),
        (4, "P-1", None, None, "auto"),
    ]
    assert commands(archive, start) == ["matter edit", "file (automatic)", "file (automatic)", "review scan"]
    assert audited(archive, 3) == [
        (
            "matter edit",
            {
                "matter": "2026-106",
                "client": {"from": "Pat Reed", "to": "Jordan Lee"},
                "conversations": [3],
                "reason": "opened for the wrong client",
            },
        ),
        ("file (automatic)", {"filed": [{"conversation": 2, "matter": "2026-106"}]}),
        ("file (automatic)", {"filed": [{"conversation": 4, "matter": "P-1"}]}),
    ]
    [(flag_reason,)] = archive.conn.execute(
        "SELECT reason FROM review_flags WHERE rule = 'no_consent' AND state = 'open'"
    ).fetchall()
    assert json.loads(flag_reason)["clients"] == ["Jordan Lee"]  # (Dana's thread is texting Jordan's file now)
    listed = json.loads(cli("matter", "list", "--json").stdout)
    assert [(m["reference"], m["client"], m["conversations"], m["messages"]) for m in listed] == [
        ("2026-106", "Jordan Lee", 2, 2),
        ("P-1", "Pat Reed", 2, 2),
    ]
    assert verified(cli)


def test_a_move_says_itself_in_json_and_a_title_edit_is_said_as_before(cli, archive):
    cli("client", "add", "Pat Reed", "--phone", "202-555-0143")
    cli("client", "add", "Jordan Lee", "--phone", "202-555-0147")
    cli("matter", "open", "2026-106", "--client", "Pat Reed", "--title", "Family sesions")
    r = cli("matter", "edit", "2026-106", "--title", "Family sessions", "--json")
    assert r.exit_code == 0 and "moved_from" not in json.loads(r.stdout)
    r = cli(*MOVE, "--reason", "opened for the wrong client", "--json")
    shown = json.loads(r.stdout)
    assert (shown["client"], shown["moved_from"], "moved" in shown, "filed" in shown) == (
        "Jordan Lee",
        "Pat Reed",
        False,
        False,
    )
    assert audited(archive, 1) == [
        (
            "matter edit",
            {
                "matter": "2026-106",
                "client": {"from": "Pat Reed", "to": "Jordan Lee"},
                "reason": "opened for the wrong client",
            },
        )
    ]
    assert verified(cli)


def test_a_matter_with_work_made_under_its_client_stays_theirs(cli, archive, tmp_path):
    cli("client", "add", "Pat Reed", "--phone", "202-555-0143")
    cli("client", "add", "Jordan Lee", "--phone", "202-555-0147")
    cli("matter", "open", "2026-106", "--client", "Pat Reed", "--title", "Family sessions")
    ingest_records(archive, [msg(1, conversation=DANA_CHAT)])
    assert cli("file", "1", "--matter", "2026-106").exit_code == 0
    refused = "Error: matter '2026-106' cannot move from Pat Reed to Jordan Lee: "
    way_out = " (open a matter for Jordan Lee instead, and close this one with --reason)\n"
    for step, said in (
        (("note", "add", "2026-106", "Called about the sessions."), "it has 1 note made as Pat Reed's"),
        (
            ("transcript", "2026-106", "--out", tmp_path / "t.pdf", "--quiet"),
            "it has 1 transcript and 1 note made as Pat Reed's",
        ),
        (
            ("transcript", "2026-106", "--out", tmp_path / "t2.pdf", "--quiet"),
            "it has 2 transcripts and 1 note made as Pat Reed's",
        ),
        (
            ("produce", "2026-106", "--out", tmp_path / "p", "--quiet"),
            "it has 3 transcripts, 1 production and 1 note made as Pat Reed's",  # (a production's transcript too)
        ),
        (
            ("review", "--matter", "2026-106", "--all", "--pdf", tmp_path / "report.pdf"),
            "it has 3 transcripts, 1 production, 1 note and 1 review report made as Pat Reed's",
        ),
        (
            ("matter", "hold", "2026-106"),
            "it has 3 transcripts, 1 production, 1 note and 1 review report made as Pat Reed's and is under legal hold",
        ),
    ):
        assert cli(*step).exit_code == 0, step
        before = snapshot(archive)
        r = cli(*MOVE, "--reason", "opened for the wrong client")
        assert (r.exit_code, r.stdout, r.stderr) == (1, "", refused + said + way_out)
        assert snapshot(archive) == before
    assert verified(cli)


def test_a_held_matter_with_nothing_made_of_it_stays_its_clients(cli, archive):
    cli("client", "add", "Pat Reed", "--phone", "202-555-0143")
    cli("client", "add", "Jordan Lee", "--phone", "202-555-0147")
    cli("matter", "open", "2026-106", "--client", "Pat Reed", "--title", "Family sessions")
    cli("matter", "hold", "2026-106")
    before = snapshot(archive)
    r = cli(*MOVE, "--reason", "opened for the wrong client")
    assert (r.exit_code, r.stderr) == (
        1,
        "Error: matter '2026-106' cannot move from Pat Reed to Jordan Lee: it is under legal hold (open a matter for"
        " Jordan Lee instead, and close this one with --reason)\n",
    )
    assert snapshot(archive) == before


def test_matter_close_keeps_why_as_reopen_does(cli, archive, monkeypatch):
    cli("client", "add", "Sam", "--phone", "202-555-0143")
    cli("matter", "open", "M-1", "--client", "Sam", "--title", "Lease")
    ingest_records(archive, [msg(1)])
    before = snapshot(archive)
    r = cli("matter", "close", "M-1", "--reason", " ")
    assert (r.exit_code, r.stderr) == (1, "Error: say why the matter is closed (--reason), or give no --reason\n")
    assert snapshot(archive) == before
    with monkeypatch.context() as clock:
        clock.setattr(times, "now_iso", lambda: "2024-03-01T12:02:30.000Z")
        r = cli("matter", "close", "M-1", "--reason", " opened for the wrong client ")
    assert (r.exit_code, r.stdout) == (0, "Matter M-1 closed.\n")
    assert audited(archive, 1) == [
        (
            "matter close",
            {
                "matter": "M-1",
                "filings_end": "2024-03-01T12:02:30.000Z",
                "conversations": [1],
                "reason": "opened for the wrong client",
            },
        )
    ]
    assert cli("matter", "reopen", "M-1", "--reason", "it was the right one").exit_code == 0
    with monkeypatch.context() as clock:
        clock.setattr(times, "now_iso", lambda: "2024-03-01T12:05:00.000Z")
        assert cli("matter", "close", "M-1").exit_code == 0
    assert audited(archive, 1) == [  # (without a reason, as a close always was)
        ("matter close", {"matter": "M-1", "filings_end": "2024-03-01T12:05:00.000Z", "conversations": [1]})
    ]
    assert verified(cli)
