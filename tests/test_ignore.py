"""Personal threads set aside: `conversation ignore`/`unignore`, `handle ignore`/`unignore`/`list`,
and what they change in automatic filing, imports, `conversations` and `deletable`."""

import json
import sqlite3
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from conftest import FIXTURES, snapshot
from test_import_android import OLD_RELEASE, archived_by_the_old_release
from typer.testing import CliRunner

from textfile import audit, times
from textfile.cli import app

SMS = FIXTURES / "android" / "sms-20240301.xml"


def today() -> str:
    """Today in the archive's zone (conftest.OWNER), asked when a test compares, not when the module was
    read: a suite started before midnight in New York compared the day before (05:00 UTC)."""
    return datetime.now(ZoneInfo("America/New_York")).date().isoformat()


def last_entry(archive) -> tuple[str, dict]:
    """The last audit entry of a change (not the review scan it ran after it: tests/test_reviewed_at_once.py), its
    records' digests named by table (the tables the change was summed into)."""
    command, details = archive.conn.execute(
        "SELECT command, details FROM audit_log WHERE command <> 'review scan' ORDER BY id DESC"
    ).fetchone()
    details = json.loads(details)
    return command, details | {"records": sorted(details.get("records", {}))}


def ignores(archive) -> list[tuple]:
    return [tuple(r) for r in archive.conn.execute("SELECT * FROM conversation_ignores ORDER BY conversation_id")]


def verified(cli) -> None:
    r = cli("verify")
    assert r.exit_code == 0, r.output


@pytest.fixture
def office(cli):
    """Sam is a client with one open matter; last week's backup is imported (conversation 1 is Sam's,
    2 is +12025550178 alone, 3 the short code 72975, 4 and 5 groups with Sam)."""
    cli("client", "add", "Sam Client", "--phone", "202-555-0143")
    cli("matter", "open", "M-1", "--client", "Sam Client", "--title", "Lease")
    assert cli("import", SMS, "--quiet").exit_code == 0


def test_ignore_and_unignore_a_personal_thread(cli, office, archive):
    me = audit.current_user()
    r = cli("conversation", "ignore", "2", "--reason", " personal ")
    assert (r.exit_code, r.stdout) == (0, "Ignored conversation 2: personal.\n")
    [(conversation, reason, at, by)] = ignores(archive)
    assert (conversation, reason, by) == (2, "personal", me) and times.from_iso(at).tzinfo is not None
    assert last_entry(archive) == (
        "conversation ignore",
        {"conversation": 2, "reason": "personal", "at": at, "by": me, "records": ["conversation_ignores"]},
    )
    verified(cli)

    listed = {c["id"]: c for c in json.loads(cli("conversations", "--json").stdout)}
    assert listed[2]["ignored"] == {"at": at, "reason": "personal", "by": me}
    assert [listed[n]["ignored"] for n in (1, 3, 4, 5)] == [None] * 4
    # Waiting for nobody: --unfiled leaves it out (the short code 72975 is still waiting).
    assert [c["id"] for c in json.loads(cli("conversations", "--unfiled", "--json").stdout)] == [3]
    row = next(line for line in cli("conversations").stdout.splitlines() if "+12025550178 " in line and "│ 2 " in line)
    assert "ignored" in row

    again = cli("conversation", "ignore", "2")
    assert (again.exit_code, again.stderr) == (1, "Error: conversation 2 is already ignored\n")

    r = cli("conversation", "unignore", "2", "--reason", "it was Lee's work number")
    assert (r.exit_code, r.stdout) == (0, "Conversation 2 is no longer ignored: it was Lee's work number.\n")
    assert ignores(archive) == []
    assert last_entry(archive) == (
        "conversation unignore",
        {
            "conversation": 2,
            "reason": "it was Lee's work number",
            "was": {"at": at, "reason": "personal", "by": me},
            "records": ["conversation_ignores"],
        },
    )
    assert [c["id"] for c in json.loads(cli("conversations", "--unfiled", "--json").stdout)] == [2, 3]
    verified(cli)
    r = cli("conversation", "unignore", "2")
    assert (r.exit_code, r.stderr) == (1, "Error: conversation 2 is not ignored\n")
    r = cli("conversation", "ignore", "99")
    assert (r.exit_code, r.stderr) == (1, "Error: no conversation 99 (see `textfile conversations`)\n")


def test_a_client_related_thread_is_ignored_only_with_force(cli, office, archive):
    before = snapshot(archive)
    r = cli("conversation", "ignore", "1", "--reason", "personal")
    assert (r.exit_code, r.stdout, r.stderr) == (
        1,
        "",
        "Error: conversation 1 looks client-related (it is filed to M-1; it holds the"
        " handle of client Sam Client): give --force to ignore it all the same\n",
    )
    assert snapshot(archive) == before
    r = cli("conversation", "ignore", "1", "--reason", "personal", "--force", "--json")
    assert r.exit_code == 0
    [done] = json.loads(r.stdout)
    assert done == {"conversation": 1, "reason": "personal", "at": done["at"], "by": audit.current_user()}
    assert last_entry(archive) == (
        "conversation ignore",
        done
        | {
            "forced": {"matters": ["M-1"], "clients": ["Sam Client"], "handles": ["+12025550143"]},
            "records": ["conversation_ignores"],
        },
    )
    # Its filing stays as it was: ignoring takes nothing out of a matter.
    assert [
        tuple(r) for r in archive.conn.execute("SELECT conversation_id, how FROM filings WHERE conversation_id = 1")
    ] == [(1, "auto")]
    verified(cli)


def test_automatic_filing_skips_an_ignored_conversation(cli, archive):
    cli("client", "add", "Sam Client", "--phone", "202-555-0143")
    cli("client", "add", "Lee Park", "--phone", "202-555-0178")
    assert cli("import", SMS, "--quiet").exit_code == 0  # no matter open yet: nothing filed
    # Lee's number is also a family member's phone: conversation 2 is personal.
    r = cli("conversation", "ignore", "2", "--reason", "family, not Lee's matter")
    assert r.exit_code == 1 and "--force" in r.stderr
    assert cli("conversation", "ignore", "2", "--reason", "family, not Lee's matter", "--force").exit_code == 0
    r = json.loads(cli("matter", "open", "M-2", "--client", "Lee Park", "--title", "Deposit", "--json").stdout)
    assert r["filed"] == []  # (the groups with Lee in them hold Sam, another client, too: a person files them)
    assert archive.conn.execute("SELECT count(*) FROM filings WHERE conversation_id = 2").fetchone()[0] == 0
    # Taken back, it is filed at once to Lee's one open matter, as the rule files any other conversation of his.
    r = json.loads(cli("conversation", "unignore", "2", "--json").stdout)
    assert r["filed"] == [{"conversation": 2, "matter": "M-2"}]
    cli("matter", "close", "M-2")
    closed_at = archive.conn.execute("SELECT closed_at FROM matters WHERE reference = 'M-2'").fetchone()[0]
    r = json.loads(cli("matter", "open", "M-3", "--client", "Lee Park", "--title", "Repairs", "--json").stdout)
    assert [(f["conversation"], f["matter"]) for f in r["filed"]] == [(2, "M-3")]
    assert {f["from"] for f in r["filed"]} == {times.to_iso(times.from_iso(closed_at) + timedelta(milliseconds=1))}
    verified(cli)


def test_deletable_says_ignored_threads_last_on_one_line(cli, office, archive, tmp_path):
    assert cli("conversation", "ignore", "2", "--reason", "personal").exit_code == 0
    verdicts = json.loads(cli("deletable", "--json").stdout)
    # what asks something of a person first (not safe, not yet), then the safe, then what was set aside
    assert [(v["conversation"], v["safe"]) for v in verdicts] == [
        (1, False),
        (3, False),
        (4, False),
        (5, False),
        (2, True),
    ]
    last = verdicts[-1]
    assert (last["verdict"], last["safe"]) == (
        f"not client-related (ignored on {today()}: personal) — delete when you like",
        True,
    )
    assert last["ignored"]["reason"] == "personal" and [v["ignored"] for v in verdicts[:-1]] == [None] * 4
    assert verdicts[1]["verdict"] == (
        "not safe: 1 message in no matter: textfile file 3 --matter REF (then a transcript), or, if not"
        " client-related, textfile conversation ignore 3"
    )
    shown = cli("deletable").stdout.splitlines()
    assert [line.split("│")[1].strip() for line in shown if line.startswith("│ ") and line[2].isdigit()] == [
        "1",
        "3",
        "4",
        "5",
    ]
    # the ones set aside: one line each, after the table
    assert shown[-2:] == [
        "Not client-related (textfile conversation ignore), 1: delete when you like",
        f"  2 +12025550178 (android, 1): ignored on {today()}: personal",
    ]
    # Without a reason, the date alone.
    assert cli("conversation", "unignore", "2").exit_code == 0
    assert cli("conversation", "ignore", "2").exit_code == 0
    assert (
        json.loads(cli("deletable", "--json").stdout)[-1]["verdict"]
        == f"not client-related (ignored on {today()}) — delete when you like"
    )


def test_several_conversations_are_ignored_at_once_all_or_none(cli, office, archive):
    before = snapshot(archive)
    r = cli(
        "conversation", "ignore", "2", "1-3", "--reason", "personal"
    )  # 1 is Sam's: needs --force, so none is ignored
    assert (r.exit_code, r.stderr) == (
        1,
        "Error: conversation 1 looks client-related (it is filed to M-1; it holds the handle of client"
        " Sam Client): give --force to ignore it all the same\n",
    )
    assert snapshot(archive) == before
    r = cli("conversation", "ignore", "1", "3", "99")  # every refusal named at once
    assert (r.exit_code, r.stderr) == (
        1,
        "Error: 2 conversations refused, none ignored: conversation 1 looks client-related (it is filed to"
        " M-1; it holds the handle of client Sam Client): give --force to ignore it all the same; no"
        " conversation 99 (see `textfile conversations`)\n",
    )
    assert snapshot(archive) == before
    r = cli("conversation", "ignore", "2-99999999")  # (was expanded whole before any check: it never ended)
    assert (r.exit_code, r.stderr) == (
        1,
        "Error: no conversation 6 (see `textfile conversations`): '2-99999999' goes past the last, 5\n",
    )
    assert snapshot(archive) == before
    for bad in ("3-2", "x", "2-"):
        r = cli("conversation", "ignore", bad)
        assert (r.exit_code, r.stderr) == (1, f"Error: not a conversation number or range (12, 20-25): {bad!r}\n")
    r = cli("conversation", "ignore", "3", "2-3", "--reason", "personal")
    assert (r.exit_code, r.stdout) == (0, "Ignored conversation 3: personal.\nIgnored conversation 2: personal.\n")
    assert [(c, reason) for c, reason, _at, _by in ignores(archive)] == [(2, "personal"), (3, "personal")]
    assert (
        [last_entry(archive)[0]] * 2
        == [
            c
            for (c,) in archive.conn.execute(
                "SELECT command FROM audit_log WHERE command <> 'review scan' ORDER BY id DESC LIMIT 2"
            )
        ]
        == ["conversation ignore"] * 2
    )
    verified(cli)


def test_ignoring_a_handle_sets_aside_its_archived_threads_too_but_not_a_filed_one(cli, office, archive):
    me = audit.current_user()
    assert cli("file", "2", "--matter", "M-1").exit_code == 0  # a person filed +12025550178's thread
    r = cli("handle", "ignore", "72975", "--reason", "2FA codes")
    assert (r.exit_code, r.stdout) == (0, "Ignored handle 72975: 2FA codes.\n  ignored conversation 3 (72975)\n")
    assert [(c, reason) for c, reason, _at, _by in ignores(archive)] == [(3, "handle ignored: 2FA codes")]
    command, details = last_entry(archive)
    assert (command, details) == (
        "handle ignore",
        {
            "handle": "72975",
            "reason": "2FA codes",
            "at": details["at"],
            "by": me,
            "kept_filed": [],
            "conversations": [{"conversation": 3, "handles": ["72975"], "reason": "handle ignored: 2FA codes"}],
            "records": ["conversation_ignores", "ignored_handles"],
        },
    )
    r = cli("handle", "ignore", "202-555-0178")
    assert (r.exit_code, r.stdout) == (
        0,
        "Ignored handle +12025550178.\n  conversation 2 is filed: it stays so"
        " (textfile conversation ignore 2 --force sets it aside)\n",
    )
    assert [c for c, *_ in ignores(archive)] == [3]
    assert json.loads(cli("deletable", "--json").stdout)[-1]["conversation"] == 3
    verified(cli)


def test_conversations_ignored_lists_what_was_set_aside_when_by_whom_and_why(cli, office, archive, monkeypatch):
    me = audit.current_user()
    assert cli("conversations", "--ignored").stdout == "No conversation is set aside.\n"
    assert cli("conversation", "ignore", "2", "--reason", "family").exit_code == 0
    assert cli("handle", "ignore", "72975", "--reason", "2FA codes").exit_code == 0
    listed = json.loads(cli("conversations", "--ignored", "--json").stdout)
    assert [(c["id"], c["ignored"]["reason"], c["ignored"]["by"]) for c in listed] == [
        (2, "family", me),
        (3, "handle ignored: 2FA codes", me),
    ]
    monkeypatch.setenv("COLUMNS", "120")
    rows = [
        [cell.strip() for cell in line.split("│")[1:-1]]
        for line in cli("conversations", "--ignored").stdout.splitlines()
        if line.startswith("│")
    ]
    assert rows == [
        ["2", "android", "+12025550178", "1", today(), me, "family"],
        ["3", "android", "72975", "1", today(), me, "handle ignored: 2FA codes"],
    ]
    # nothing waits to be filed (2 and 3 set aside, the rest filed): a sentence, not an empty table
    assert cli("conversations", "--unfiled").stdout == "No conversation waits to be filed.\n"
    # an ignored conversation's messages are not counted as waiting in the Unfiled column
    row = next(line for line in cli("conversations").stdout.splitlines() if line.startswith("│ 2 "))
    assert [cell.strip() for cell in row.split("│")[-3:-1]] == ["ignored", ""]
    r = cli("conversations", "--unfiled", "--ignored")
    assert (r.exit_code, r.stderr) == (1, "Error: --unfiled and --ignored list different conversations: give one\n")


def test_a_legal_hold_outranks_ignoring(cli, office, archive):
    assert cli("conversation", "ignore", "1", "--force").exit_code == 0
    assert cli("matter", "hold", "M-1").exit_code == 0
    verdicts = json.loads(cli("deletable", "--json").stdout)
    assert verdicts[0]["conversation"] == 1 and verdicts[0]["verdict"].startswith(
        "not safe: under legal hold (matter M-1)"
    )


def test_a_new_thread_from_ignored_handles_is_ignored_on_arrival(cli, archive):
    me = audit.current_user()
    cli("client", "add", "Sam Client", "--phone", "202-555-0143")
    cli("matter", "open", "M-1", "--client", "Sam Client", "--title", "Lease")
    r = cli("handle", "ignore", "72975", "--reason", "2FA codes")
    assert (r.exit_code, r.stdout) == (0, "Ignored handle 72975: 2FA codes.\n")
    # Normalized as participants are: (202) 555-0178 is +12025550178.
    assert (
        cli("handle", "ignore", "(202) 555-0178", "--reason", "bank").stdout == "Ignored handle +12025550178: bank.\n"
    )
    handles = json.loads(cli("handle", "list", "--json").stdout)
    assert [(h["handle"], h["reason"], h["by"]) for h in handles] == [
        ("+12025550178", "bank", me),
        ("72975", "2FA codes", me),
    ]
    assert last_entry(archive) == (
        "handle ignore",
        {
            "handle": "+12025550178",
            "reason": "bank",
            "at": handles[0]["at"],
            "by": me,
            "conversations": [],
            "kept_filed": [],
            "records": ["ignored_handles"],
        },
    )
    assert (
        cli("handle", "list").stdout
        == f"+12025550178: ignored on {today()}: bank (by {me})\n72975: ignored on {today()}: 2FA codes (by {me})\n"
    )
    verified(cli)

    r = cli("import", SMS)
    assert r.exit_code == 0
    assert "  warning: conversation 2 (+12025550178) ignored on arrival: handle ignored: bank\n" in r.stdout
    assert "  warning: conversation 3 (72975) ignored on arrival: handle ignored: 2FA codes\n" in r.stdout
    rows = ignores(archive)
    assert [(c, reason, by) for c, reason, _at, by in rows] == [
        (2, "handle ignored: bank", me),
        (3, "handle ignored: 2FA codes", me),
    ]
    command, entry = archive.conn.execute("SELECT command, details FROM audit_log WHERE command = 'import'").fetchone()
    assert json.loads(entry)["ignored_on_arrival"] == [
        {"conversation": 2, "handles": ["+12025550178"], "reason": "handle ignored: bank"},
        {"conversation": 3, "handles": ["72975"], "reason": "handle ignored: 2FA codes"},
    ]
    warnings = json.loads(archive.conn.execute("SELECT warnings FROM imports").fetchone()[0])
    assert "conversation 3 (72975) ignored on arrival: handle ignored: 2FA codes" in warnings
    # The groups (with Sam in them) arrive as any other thread does.
    assert [tuple(r) for r in archive.conn.execute("SELECT DISTINCT conversation_id FROM filings ORDER BY 1")] == [
        (1,),
        (4,),
        (5,),
    ]
    verified(cli)
    # Importing the backup again ignores nothing anew (those conversations are not new).
    assert cli("conversation", "unignore", "3").exit_code == 0
    again = cli("import", SMS, "--json")
    assert again.exit_code == 0 and "ignored on arrival" not in again.stdout
    assert [r[0] for r in ignores(archive)] == [2]

    r = cli("handle", "unignore", "72975", "--reason", "codes for a client's portal")
    assert (r.exit_code, r.stdout) == (0, "Handle 72975 is no longer ignored: codes for a client's portal.\n")
    assert last_entry(archive) == (
        "handle unignore",
        {
            "handle": "72975",
            "reason": "codes for a client's portal",
            "was": {"at": handles[1]["at"], "reason": "2FA codes", "by": me},
            "records": ["ignored_handles"],
        },
    )
    verified(cli)


def test_a_clients_or_the_owners_handle_is_never_ignored(cli, archive):
    cli("client", "add", "Sam Client", "--phone", "202-555-0143")
    before = snapshot(archive)
    r = cli("handle", "ignore", "+1 202 555 0143")
    assert (r.exit_code, r.stderr) == (
        1,
        "Error: +12025550143 belongs to client 'Sam Client': a client's handle is never ignored\n",
    )
    r = cli("handle", "ignore", "202-555-0100")
    assert (r.exit_code, r.stderr) == (1, "Error: +12025550100 is one of the archive owner's own handles\n")
    r = cli("handle", "unignore", "72975")
    assert (r.exit_code, r.stderr) == (1, "Error: 72975 is not ignored\n")
    assert snapshot(archive) == before


def test_an_ignore_removed_outside_textfile_is_caught(cli, office, archive_path):
    assert cli("conversation", "ignore", "2", "--reason", "personal").exit_code == 0
    assert cli("handle", "ignore", "72975").exit_code == 0
    verified(cli)
    with sqlite3.connect(archive_path) as conn:
        conn.execute("DELETE FROM conversation_ignores")
    r = cli("verify")
    assert r.exit_code == 3
    assert (
        "the archive's conversation_ignores no longer add up to what the audit log recorded (2 rows recorded, 0 now)"
        in r.output
    )  # (2, and 72975's thread 3)


@pytest.mark.parametrize("commit", [OLD_RELEASE, "fdefd30"], ids=["old release", "before m016"])
def test_an_archive_made_before_ignoring_existed_takes_it(tmp_path, commit):
    """m016 on an archive an earlier version made (m015 summing its records first, when that version was older still):
    conversations are ignored and verify passes."""
    db = archived_by_the_old_release(tmp_path, SMS, commit=commit)
    runner = CliRunner()

    def cli(*args):
        return runner.invoke(app, ["--archive", str(db), *map(str, args)], catch_exceptions=False)

    verified(cli)
    r = cli("conversation", "ignore", "3", "--reason", "2FA codes")
    assert (r.exit_code, r.stdout) == (0, "Ignored conversation 3: 2FA codes.\n")
    assert cli("handle", "ignore", "72975").exit_code == 0
    verified(cli)
    verdicts = json.loads(cli("deletable", "--json").stdout)
    assert verdicts[-1]["conversation"] == 3 and verdicts[-1]["verdict"].startswith("not client-related (ignored on ")


# A thread set aside before its number became a client's (the second reader's repro, defect C): the
# archive never takes a person's set-aside back by itself, but names it at once and until they decide.

DANA_SMS = """<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>
<smses count="1" backup_set="33333333-5f0e-4d7e-9a51-2f4c8e1d7a10" backup_date="1710100000000" type="full">
  <sms protocol="0" address="+12025550178" date="1710043200000" type="1" subject="null"
       body="URGENT: police came, court date tomorrow, call me" toa="null" sc_toa="null"
       service_center="+12063130004" read="1" status="-1" locked="0" date_sent="1710043198000" sub_id="1"
       readable_date="" contact_name="Dana Reyes" />
</smses>
"""


@pytest.fixture
def dentist(cli, office, archive, tmp_path):
    """Conversation 2 (+12025550178) set aside as "my dentist"; then the number turns out to be Dana's,
    a new client with matter 2026-020, and her urgent text arrives in that conversation. Returns the
    set-aside's record."""
    assert cli("conversation", "ignore", "2", "--reason", "my dentist").exit_code == 0
    [(_, reason, at, by)] = ignores(archive)
    return {"reason": reason, "at": at, "by": by}


def dana_arrives(cli, tmp_path) -> None:
    dana = tmp_path / "dana.xml"
    dana.write_text(DANA_SMS, encoding="utf-8")
    assert cli("import", dana, "--quiet").exit_code == 0


def test_adding_a_client_whose_number_is_in_a_set_aside_thread_says_so_at_once(cli, dentist, archive, tmp_path):
    warned = (
        f"  warning: conversation 2 is set aside (ignored on {today()}: my dentist) but holds +12025550178, a handle"
        " of Dana Reyes: it is neither filed nor reviewed while set aside (textfile conversation unignore 2)\n"
    )
    r = cli("client", "add", "Dana Reyes", "--phone", "202-555-0178")
    reviewed = "Review: 0 flags raised, the reason of 1 open flag changed (textfile review).\n"  # (a group text's no_consent: Dana's too)
    assert (r.exit_code, r.stdout) == (0, "Added client Dana Reyes (+12025550178).\n" + warned + reviewed)
    assert ignores(archive) == [(2, "my dentist", dentist["at"], dentist["by"])]  # the person's decision stands
    r = cli("matter", "open", "2026-020", "--client", "Dana Reyes", "--title", "Lease")
    assert (r.exit_code, r.stdout) == (
        0,
        "Opened matter 2026-020 for Dana Reyes: Lease.\n"
        f"  warning: conversation 2 is set aside (ignored on {today()}: my dentist) but holds +12025550178, a handle"
        " of Dana Reyes: not filed to 2026-020 (textfile file 2 --matter 2026-020 files it and takes the set-aside"
        " back)\n",
    )
    # Given to a client as a correction, the same; and --json carries it.
    assert cli("client", "edit", "Dana Reyes", "--remove-phone", "202-555-0178").exit_code == 0
    r = cli("client", "edit", "Dana Reyes", "--add-phone", "202-555-0178")
    assert (r.exit_code, r.stdout) == (0, "Client Dana Reyes (+12025550178): added +12025550178.\n" + warned + reviewed)
    assert cli("client", "edit", "Dana Reyes", "--remove-phone", "202-555-0178").exit_code == 0
    r = cli("client", "edit", "Dana Reyes", "--add-phone", "202-555-0178", "--json")
    assert json.loads(r.stdout)["set_aside"] == [
        {"conversation": 2, "clients": ["Dana Reyes"], "handles": ["+12025550178"], "ignored": dentist}
    ]
    # A handle in no set-aside conversation says nothing more.
    r = cli("client", "add", "Kim Other", "--phone", "202-555-0199")
    assert (r.exit_code, r.stdout) == (0, "Added client Kim Other (+12025550199).\n")
    verified(cli)


def test_status_names_a_set_aside_thread_holding_a_clients_handle_until_a_person_decides(
    cli, dentist, archive, tmp_path
):
    cli("client", "add", "Dana Reyes", "--phone", "202-555-0178")
    cli("matter", "open", "2026-020", "--client", "Dana Reyes", "--title", "Lease")
    dana_arrives(cli, tmp_path)
    said = [
        "Set aside, yet holding a client's handle (neither filed nor reviewed while set aside): 1 (textfile"
        " conversation unignore N; or, if it is not client-related, textfile conversation ignore N --force)",
        f"  2 +12025550178 (Dana Reyes): ignored on {today()}: my dentist",
    ]
    r = cli("status")
    lines = r.stdout.splitlines()
    assert r.exit_code == 4 and lines[lines.index(said[0]) + 1] == said[1]
    assert "1 conversation set aside yet holding a client's handle" in lines[-1]
    assert json.loads(cli("status", "--json").stdout)["aside_with_clients"] == [
        {"conversation": 2, "clients": ["Dana Reyes"], "handles": ["+12025550178"], "ignored": dentist}
    ]
    # Set aside again without --force: refused, with the way out.
    before = snapshot(archive)
    r = cli("conversation", "ignore", "2", "--reason", "still the dentist")
    assert (r.exit_code, r.stderr) == (
        1,
        "Error: conversation 2 is already ignored, yet it holds the handle of client Dana Reyes: give --force to"
        " keep it set aside all the same, or take it back (textfile conversation unignore 2)\n",
    )
    assert snapshot(archive) == before
    # With --force: the person's word, recorded with what it overrules; status has nothing more to say of it.
    r = cli("conversation", "ignore", "2", "--reason", "the dentist's line, Dana's old number", "--force")
    assert (r.exit_code, r.stdout) == (0, "Ignored conversation 2: the dentist's line, Dana's old number.\n")
    [(_, reason, at, by)] = ignores(archive)
    assert last_entry(archive) == (
        "conversation ignore",
        {
            "conversation": 2,
            "reason": "the dentist's line, Dana's old number",
            "at": at,
            "by": by,
            "forced": {"matters": [], "clients": ["Dana Reyes"], "handles": ["+12025550178"]},
            "was": {"at": dentist["at"], "reason": "my dentist", "by": dentist["by"]},
            "records": ["conversation_ignores"],
        },
    )
    r = cli("status")
    assert "Set aside, yet holding" not in r.stdout and "set aside yet holding" not in r.stdout
    assert "aside_with_clients" not in json.loads(cli("status", "--json").stdout)
    again = cli("conversation", "ignore", "2", "--force")
    assert (again.exit_code, again.stderr) == (1, "Error: conversation 2 is already ignored\n")
    # The number given to another client since: the person overruled Dana's handle, not Kim's. Named again.
    assert cli("client", "edit", "Dana Reyes", "--remove-phone", "202-555-0178").exit_code == 0
    r = cli("client", "add", "Kim Other", "--phone", "202-555-0178")
    assert r.stdout.splitlines()[1] == (
        f"  warning: conversation 2 is set aside (ignored on {today()}: the dentist's line, Dana's old number) but"
        " holds +12025550178, a handle of Kim Other: it is neither filed nor reviewed while set aside (textfile"
        " conversation unignore 2)"
    )
    assert [
        (c["conversation"], c["clients"]) for c in json.loads(cli("status", "--json").stdout)["aside_with_clients"]
    ] == [(2, ["Kim Other"])]
    # Taken back, it waits to be filed as any other (and, filed, is reviewed).
    assert cli("conversation", "unignore", "2").exit_code == 0
    assert "aside_with_clients" not in json.loads(cli("status", "--json").stdout)
    verified(cli)


def test_filing_a_set_aside_thread_takes_the_set_aside_back_and_says_so(cli, dentist, archive, tmp_path):
    cli("client", "add", "Dana Reyes", "--phone", "202-555-0178")
    cli("matter", "open", "2026-020", "--client", "Dana Reyes", "--title", "Lease")
    dana_arrives(cli, tmp_path)
    urgent = "SELECT rule FROM review_flags f JOIN messages m ON m.id = f.message_id WHERE m.body LIKE 'URGENT%'"
    assert archive.conn.execute(urgent).fetchall() == []  # (set aside: not reviewed)
    r = cli("file", "2", "--matter", "2026-020")
    assert r.exit_code == 0
    assert r.stdout.splitlines()[:2] == [
        "Filed conversation 2 to 2026-020 (2 messages).",
        f"It is no longer set aside as not client-related (ignored on {today()}: my dentist): filing it says it is"
        " a client's.",
    ]
    assert ignores(archive) == []
    entries = [
        (command, json.loads(details))
        for command, details in archive.conn.execute(
            "SELECT command, details FROM audit_log WHERE command IN ('conversation unignore', 'file') ORDER BY id"
        )
    ]
    assert [(c, {k: v for k, v in d.items() if k != "records"}) for c, d in entries] == [
        ("conversation unignore", {"conversation": 2, "reason": "filed to 2026-020", "was": dentist}),
        (
            "file",
            {"conversation": 2, "matter": "2026-020", "from": None, "until": None, "messages": 2, "by": dentist["by"]},
        ),
    ]
    # Reviewed at once, as any filed thread: the urgent text is flagged.
    assert sorted(rule for (rule,) in archive.conn.execute(urgent)) == ["arrest", "deadlines"]
    assert "aside_with_clients" not in json.loads(cli("status", "--json").stdout)
    verdict = next(v for v in json.loads(cli("deletable", "--json").stdout) if v["conversation"] == 2)
    assert (verdict["verdict"], verdict["ignored"]) == ("not yet: 2 messages are in no transcript", None)
    verified(cli)


def test_deletable_never_says_delete_when_you_like_of_a_filed_or_a_clients_thread(cli, office, archive, tmp_path):
    """Set aside with --force (filed, or holding a client's handle), a thread is judged as any other: its
    messages in no transcript are not safe to delete; it is not listed with the personal threads."""
    assert cli("conversation", "ignore", "1", "--reason", "mostly chit-chat", "--force").exit_code == 0
    assert cli("client", "add", "Dana Reyes", "--phone", "202-555-0178").exit_code == 0
    assert cli("conversation", "ignore", "2", "--reason", "family, not Dana's matter", "--force").exit_code == 0
    assert cli("conversation", "ignore", "3", "--reason", "2FA codes").exit_code == 0
    verdicts = {v["conversation"]: v for v in json.loads(cli("deletable", "--json").stdout)}
    assert [v for v in verdicts][-1] == 3  # only the personal thread comes last
    assert (verdicts[1]["verdict"], verdicts[1]["safe"], verdicts[1].get("client_related")) == (
        "not yet: 11 messages are in no transcript",
        False,
        {"matters": ["M-1"], "clients": ["Sam Client"], "handles": ["+12025550143"]},
    )
    assert (verdicts[2]["verdict"], verdicts[2]["safe"], verdicts[2].get("client_related")) == (
        f"not safe: 1 message in no matter; it is set aside (ignored on {today()}: family, not Dana's matter), but it"
        " holds the handle of client Dana Reyes: textfile file 2 --matter REF (then a transcript)",
        False,
        {"matters": [], "clients": ["Dana Reyes"], "handles": ["+12025550178"]},
    )
    assert (verdicts[3]["verdict"], verdicts[3]["safe"], "client_related" in verdicts[3]) == (
        f"not client-related (ignored on {today()}: 2FA codes) — delete when you like",
        True,
        False,
    )
    assert cli("deletable").stdout.splitlines()[-2:] == [
        "Not client-related (textfile conversation ignore), 1: delete when you like",
        f"  3 72975 (android, 1): ignored on {today()}: 2FA codes",
    ]
    # Transcribed, a forced filed thread is judged as any other (its texts safe up to its last message; its
    # report.pdf, corrupt in the backup, is not in the archive: tests/test_deletable_media.py).
    assert cli("transcript", "M-1", "--out", tmp_path / "m1.pdf").exit_code == 0
    verdicts = {v["conversation"]: v for v in json.loads(cli("deletable", "--json").stdout)}
    assert (verdicts[1]["verdict"], verdicts[1]["safe"], verdicts[1]["safe_until"]) == (
        "safe to delete the texts from the phone up to 2024-03-01 12:32:00 -05:00 (#1.11), not the media: 1"
        " attachment is not in the archive (#1.8 report.pdf): deleting the thread from the phone loses it; import"
        " an export that holds it to fill it in, or delete anyway where it is kept elsewhere or not needed",
        False,
        "2024-03-01T17:32:00.000Z",
    )
    status = json.loads(cli("status", "--json").stdout)
    assert (status["safe_to_delete"], status["ignored_safe_to_delete"]) == ([4, 5], [3])
    # Filed by hand, a thread set aside with --force is taken back too, and --json says from what.
    filed = json.loads(cli("file", "2", "--matter", "M-1", "--also", "--json").stdout)
    assert filed["unignored"]["reason"] == "family, not Dana's matter"


def test_an_ignored_handle_is_refused_as_a_clients_until_it_is_unignored(cli, office, archive):
    """A client's handle is never ignored: one ignored is refused to a client (it would go on setting aside
    the client's new threads as they arrive), with the way out."""
    assert cli("handle", "ignore", "72975", "--reason", "2FA").exit_code == 0
    assert cli("handle", "ignore", "(202) 555-0178", "--reason", "my dentist").exit_code == 0
    assert cli("client", "add", "Dana Reyes", "--email", "dana@example.com").exit_code == 0
    before = snapshot(archive)
    refused = [
        cli("client", "add", "Bank Client", "--phone", "72975"),
        cli("client", "add", "Dana Other", "--phone", "202-555-0178"),
        cli("client", "edit", "Dana Reyes", "--add-phone", "+1 202 555 0178"),
    ]
    assert [(r.exit_code, r.stdout, r.stderr) for r in refused] == [
        (
            1,
            "",
            f"Error: 72975 is an ignored handle (ignored on {today()}: 2FA), and a client's handle is never ignored:"
            " stop ignoring it first (textfile handle unignore 72975)\n",
        ),
        *[
            (
                1,
                "",
                f"Error: +12025550178 is an ignored handle (ignored on {today()}: my dentist), and a client's handle"
                " is never ignored: stop ignoring it first (textfile handle unignore +12025550178)\n",
            )
        ]
        * 2,
    ]
    assert snapshot(archive) == before
    # Unignored, the number is Dana's; the thread it set aside is named at once (a person decides).
    assert cli("handle", "unignore", "+12025550178").exit_code == 0
    r = cli("client", "edit", "Dana Reyes", "--add-phone", "+1 202 555 0178")
    assert (r.exit_code, r.stdout.splitlines()[:2]) == (
        0,
        [
            "Client Dana Reyes (dana@example.com, +12025550178): added +12025550178.",
            f"  warning: conversation 2 is set aside (ignored on {today()}: handle ignored: my dentist) but holds"
            " +12025550178, a handle of Dana Reyes: it is neither filed nor reviewed while set aside (textfile"
            " conversation unignore 2)",
        ],
    )
