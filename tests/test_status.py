"""Issue 15, "See what needs attention": `textfile status` answers the weekly question on one screen,
each item with the command that deals with it; exit 0 when nothing needs a person, 4 when something
does, 3 on an integrity problem. (The `archive` run naming the same things: test_weekly_cli.py.)"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path

from conftest import CALLS_CODES, FIXTURES, SMS_CODES, snapshot
from test_weekly_cli import HOUR_AGO, office  # noqa: F401 (a fixture: two clients, a matter each, an inbox of last week's backups)

from textfile import times, weekly
from textfile.archive import Archive
from textfile.status import status

CALLS_ASSUMED = (
    "this phone's number is taken to be +12025550100, the owner's only number in the archive, and what it sent is attributed"
    " to it: no MMS of this backup names the phone's own number, and --me did not"
)
SMS_ASSUMED = "repaired 2 emoji written as UTF-16 surrogate-pair references"
SMS_WARNED = [
    "mms 4: attachment report.pdf has corrupt base64 (Only base64 data is allowed); kept as missing",
    "replaced 2 invalid character references or control characters (lone surrogates, &#0; …) with U+FFFD",
]


def run_status(cli, *args):
    r = cli("status", "--json", *args)
    return r.exit_code, json.loads(r.stdout)


# The office's conversations: 1 Sam (M-1), 2 Lee (M-2), 3 a private number, 4 a short code, 5 and 6 groups with both clients.
SAM, LEE, PRIVATE, SHORT_CODE, GROUP, RCS_GROUP = range(1, 7)


def settle(cli, out: Path, inbox: Path, exit_code: int = 0) -> None:
    """Set the personal threads aside, file the groups, and run again: nothing is left for a person."""
    for conversation in (PRIVATE, SHORT_CODE):
        assert cli("conversation", "ignore", conversation, "--reason", "personal").exit_code == 0
    for conversation in (GROUP, RCS_GROUP):
        assert cli("file", conversation, "--matter", "M-1").exit_code == 0
    assert cli("archive", inbox, "--out", out, "--mkdir", "--quiet").exit_code == exit_code


def test_the_weekly_question_answered_item_by_item(cli, office, tmp_path, archive_path):
    code, empty = run_status(cli)
    assert code == 0 and (empty["imports"], empty["unfiled"], empty["since_run"], empty["last_run"]) == (
        [],
        [],
        False,
        None,
    )
    assert (
        cli("status").stdout == "Nothing imported in the last 7 days (no archive run recorded).\nNothing needs you.\n"
    )

    out = tmp_path / "out"
    assert cli("archive", office, "--out", out, "--mkdir", "--quiet").exit_code == 0
    run = json.loads(Path(f"{archive_path}.run.json").read_text())
    assert oct(os.stat(f"{archive_path}.run.json").st_mode & 0o777) == "0o600"
    code, found = run_status(cli)
    assert code == 4
    with Archive.open(archive_path) as archive:
        imports = {i["id"]: dict(i) for i in archive.conn.execute("SELECT id, path, started_at FROM imports")}
        archive_id = archive.settings.archive_id
    assert run == {
        "archive": archive_id,
        "inbox": str(office),
        "started_at": run["started_at"],
        "finished_at": run["finished_at"],
        "imports": [1, 2],
        "failed": [],
        "render_failed": [],
        "waiting": [],
        "problems": [],
        "exit_code": 0,
    }
    assert run["started_at"] <= imports[1]["started_at"] <= imports[2]["started_at"] <= run["finished_at"]
    waiting = {c["id"]: c for c in json.loads(cli("conversations", "--unfiled", "--json").stdout)}
    assert found == {
        "since": run["started_at"],
        "since_run": True,
        "last_run": run,
        "imports": [
            {
                "import": 1,
                "path": str(office / "calls-20240301.xml"),
                "file_name": "calls-20240301.xml",
                "format": "android",
                "started_at": imports[1]["started_at"],
                "added": 7,
                "already_present": 0,
                "updated": 0,
                "assumptions": [CALLS_CODES, CALLS_ASSUMED],
                "warnings": [],
                "notes": [f"assumed: {CALLS_CODES}", f"assumed: {CALLS_ASSUMED}"],
                "seen_before": [],
            },
            {
                "import": 2,
                "path": str(office / "sms-20240301.xml"),
                "file_name": "sms-20240301.xml",
                "format": "android",
                "started_at": imports[2]["started_at"],
                "added": 16,
                "already_present": 0,
                "updated": 0,
                "assumptions": [SMS_ASSUMED, SMS_CODES],
                "warnings": SMS_WARNED,
                "notes": [f"assumed: {SMS_ASSUMED}", f"assumed: {SMS_CODES}"] + [f"warning: {w}" for w in SMS_WARNED],
                "seen_before": [SMS_CODES],  # (the calls' backup gave its numbers the code just before: no news)
            },
        ],
        "unfiled": [
            waiting[PRIVATE] | {"label": "(private number)", "new": True},
            waiting[SHORT_CODE] | {"label": "72975", "new": True},
            waiting[GROUP] | {"label": "Sam Client, Dana Reyes, Lee Park", "new": True},
            waiting[RCS_GROUP] | {"label": "+12025550143, +12025550178, group_42@rcs.google.com", "new": True},
        ],
        "failed": [],
        "render_failed": [],
        "not_run": None,
        "waiting": [],
        "stale_matters": [],
        "transcripts": [],
        "safe_to_delete": [LEE],  # (SAM's mms 4 has report.pdf in corrupt base64: its texts only are safe to delete)
        "ignored_safe_to_delete": [],
        "problems": [],
        "open_flags": {},  # (both clients consented to be texted: the office fixture)
        "new_flags": 0,
        "exchanges_without_note": 1,  # conversation 1: 11 texts both ways in half an hour
        "attachments_not_archived": 1,
        "past_retention": [],
        "assumptions": 3,
        "exit_code": 4,
    }
    text = cli("status")
    assert text.exit_code == 4
    lines = text.stdout.splitlines()
    assert (
        lines[0]
        == f"Imported by the archive run of {times.display(run['started_at'], times.zone('America/New_York'))} and since: 2 files"
    )
    assert "\n".join(lines).count("calls-20240301.xml") == 2 and f"    assumed: {CALLS_ASSUMED}" in lines
    assert (
        "Conversations waiting to be filed: 4, 4 new (textfile file N --matter REF, or textfile conversation ignore N)"
        in lines
    )
    assert lines[-3:] == [
        "1 attachment of filed conversations is not in the archive: deleting its thread from the phone loses it"
        " (textfile coverage)",
        "Safe to delete from the phone: 1 conversation (textfile deletable says up to when)",
        "Needs you: 4 conversations to file or set aside; 3 assumptions no earlier import made.",
    ]

    # Set aside and run again: nothing new since that run, nothing waiting; the ignored ones counted apart.
    settle(cli, out, office)
    code, found = run_status(cli)
    assert (code, found["imports"], found["unfiled"], found["assumptions"]) == (0, [], [], 0)
    assert (found["safe_to_delete"], found["ignored_safe_to_delete"]) == (
        [LEE, GROUP, RCS_GROUP],
        [PRIVATE, SHORT_CODE],
    )
    assert cli("status").stdout.splitlines()[-2:] == [
        "Safe to delete from the phone: 3 conversations, and 2 set aside as not client-related (textfile deletable says up to when)",
        "Nothing needs you.",
    ]
    r = cli("status", "--quiet")
    assert (r.exit_code, r.stdout, r.stderr) == (0, "", "")


def test_a_new_chat_is_new_an_old_one_still_waits(cli, office, tmp_path, archive_path):
    """An unfiled conversation archived before the last run still waits, unmarked; one the run's imports created is new."""
    assert cli("import", FIXTURES / "whatsapp" / "WhatsApp Chat with Kim.txt", "--quiet").exit_code == 0
    assert cli("archive", office, "--out", tmp_path / "out", "--mkdir", "--quiet").exit_code == 0
    code, found = run_status(cli)
    assert code == 4 and [(c["label"], c["new"]) for c in found["unfiled"]][:3] == [
        ("Kim", False),
        ("(private number)", True),
        ("72975", True),
    ]
    assert [i["file_name"] for i in found["imports"]] == [
        "calls-20240301.xml",
        "sms-20240301.xml",
    ]  # the hand import came before the run


def test_an_assumption_earlier_imports_made_too_is_listed_and_is_not_news(cli, office, tmp_path, archive_path):
    """Next week's backup repairs emoji again ("repaired 3 emoji …"): said, marked as made before, and
    by itself it needs no one (exit 0); a new kind of assumption still does (exit 4). Files the last
    run left because they were still being written are said, and need no one."""
    out = tmp_path / "out"
    assert cli("archive", office, "--out", out, "--mkdir", "--quiet").exit_code == 0
    settle(cli, out, office)
    week2 = tmp_path / "week2"
    week2.mkdir()
    (week2 / "sms-20240308.xml").write_bytes((FIXTURES / "android" / "sms-20240308.xml").read_bytes())
    os.utime(week2 / "sms-20240308.xml", (HOUR_AGO, HOUR_AGO))
    (week2 / "sms-being-written.xml").write_bytes((FIXTURES / "android" / "sms-20240308.xml").read_bytes())
    assert cli("archive", week2, "--out", out, "--quiet").exit_code == 0
    code, found = run_status(cli)
    [week] = found["imports"]
    assert (week["assumptions"], week["seen_before"]) == (
        ["repaired 3 emoji written as UTF-16 surrogate-pair references", SMS_CODES],
    ) * 2
    assert (code, found["assumptions"], found["unfiled"], found["waiting"]) == (
        0,
        0,
        [],
        [str(week2 / "sms-being-written.xml")],
    )
    lines = cli("status").stdout.splitlines()
    assert "    assumed, as by earlier imports: repaired 3 emoji written as UTF-16 surrogate-pair references" in lines
    assert (
        lines[
            lines.index(
                "Left for the next archive run (modified within a minute of the last one: still being written?): 1 file"
            )
            + 1
        ]
        == f"  {week2 / 'sms-being-written.xml'}"
    )
    # a kind of assumption no earlier import made needs a person
    assert (
        cli("import", FIXTURES / "whatsapp" / "WhatsApp Chat with Pat.txt", "--me", "Alex Owner", "--quiet").exit_code
        == 0
    )
    code, found = run_status(cli)
    assert (code, found["assumptions"], [len(i["seen_before"]) for i in found["imports"]]) == (4, 1, [2, 0])


def test_an_assumption_an_import_of_this_week_made_already_is_not_news_again(cli, archive):
    """The same chat imported twice in a week by hand (no archive run): its assumptions are new once."""
    chat = FIXTURES / "whatsapp" / "WhatsApp Chat with Pat.txt"
    assert cli("import", chat, "--me", "Alex Owner", "--quiet").exit_code == 0
    code, first = run_status(cli)
    assert cli("import", chat, "--me", "Alex Owner", "--quiet").exit_code == 0

    code, found = run_status(cli)

    made = first["imports"][0]["assumptions"]
    assert made and first["assumptions"] == len(made)
    assert [(i["assumptions"], i["seen_before"]) for i in found["imports"]] == [(made, []), (made, made)]
    assert (code, found["assumptions"]) == (4, len(made))
    lines = cli("status").stdout.splitlines()
    assert [line for line in lines if line.startswith("    assumed, as by earlier imports: ")] == [
        f"    assumed, as by earlier imports: {a}" for a in made
    ]


def test_without_a_run_new_is_the_last_seven_days(cli, office, archive_path):
    assert cli("import", office / "sms-20240301.xml", "--quiet").exit_code == 0
    with Archive.open(archive_path) as archive:
        now = status(archive)
        later = status(archive, now=time.time() + 8 * 86400)
    assert (now.since_run, [i["file_name"] for i in now.imports]) == (False, ["sms-20240301.xml"])
    assert [(c["id"], c["new"]) for c in now.unfiled] == [(c, True) for c in (PRIVATE, SHORT_CODE, GROUP)]
    assert (later.since_run, later.imports, [(c["id"], c["new"]) for c in later.unfiled]) == (
        False,
        [],
        [(c["id"], False) for c in now.unfiled],
    )


def test_what_the_last_run_failed_on_needs_a_person(cli, office, tmp_path, archive_path):
    bad = office / "sms-broken.xml"
    bad.write_bytes((FIXTURES / "android" / "sms-20240308.xml").read_bytes()[:2500])
    os.utime(bad, (HOUR_AGO, HOUR_AGO))
    out = tmp_path / "out"
    assert cli("archive", office, "--out", out, "--mkdir", "--quiet").exit_code == 1
    settle(cli, out, office, exit_code=1)  # (the broken file fails again: it is tried every run)
    code, found = run_status(cli)
    reason = json.loads(Path(f"{archive_path}.run.json").read_text())["failed"][0]["reason"]
    assert reason.startswith("truncated or malformed XML")
    assert (code, found["failed"], found["last_run"]["exit_code"]) == (4, [{"path": str(bad), "reason": reason}], 1)
    assert (
        f"  {bad}: {reason}; export it again in its place, or move it out of the inbox"
        in cli("status").stdout.splitlines()
    )

    # A run that could not start is said, and what the run before it failed on still is.
    r = cli("archive", office, "--out", bad)
    assert r.exit_code == 1
    code, found = run_status(cli)
    assert (code, found["failed"], found["not_run"]["reason"]) == (
        4,
        [{"path": str(bad), "reason": reason}],
        f"{bad}: a file is in the way; --out must be a folder",
    )
    said = cli("status").stdout.splitlines()
    assert f"did not run: {bad}: a file is in the way; --out must be a folder" in "\n".join(said)
    assert said[-1].startswith("Needs you: ") and "; an archive run refused before it began" in said[-1]


def test_a_matter_with_messages_in_no_transcript_and_a_missing_transcript(cli, office, tmp_path, archive_path):
    out = tmp_path / "out"
    assert cli("archive", office, "--out", out, "--mkdir", "--quiet").exit_code == 0
    settle(cli, out, office)
    assert run_status(cli)[0] == 0
    # A conversation filed by a person after the run: its matter has messages in no transcript.
    assert cli("conversation", "unignore", PRIVATE).exit_code == 0
    assert cli("file", PRIVATE, "--matter", "M-2").exit_code == 0
    code, found = run_status(cli)
    assert (code, found["stale_matters"], found["unfiled"]) == (4, ["M-2"], [])
    assert (
        "Matters with messages in no transcript: M-2 (the next archive run renders them, or textfile transcript REF)"
        in cli("status").stdout.splitlines()
    )
    assert cli("transcript", "M-2", "--out-dir", out, "--quiet").exit_code == 0
    assert run_status(cli)[0] == 0
    # A transcript whose file is gone: a person moved it, or the next run renders its matter again.
    with Archive.open(archive_path) as archive:
        gone, created = archive.conn.execute(
            "SELECT path, created_at FROM transcripts t JOIN matters m ON m.id = t.matter_id"
            " WHERE m.reference = 'M-1' ORDER BY t.id DESC"
        ).fetchone()
    Path(gone).unlink()
    code, found = run_status(cli)
    assert (code, found["stale_matters"], found["problems"]) == (4, ["M-1"], [])
    (transcript,) = found["transcripts"]
    assert transcript == {
        "id": transcript["id"],
        "path": gone,
        "state": "missing",
        "matter_id": transcript["matter_id"],
        "created_at": created,
        "matter": "M-1",
    }
    assert (
        f"Transcript {gone} of M-1 (made {times.display(created, times.zone('America/New_York'))}) is missing: if it was moved,"
        f" textfile verify --moved NEW.pdf; if it was deleted on purpose, textfile verify --deleted {gone}"
    ) in cli("status").stdout
    # Deleted on purpose (walk 15c: a snapshot thrown away was reported missing, and status exited 4, every week for ever):
    # recorded, audited with the reason; no longer a problem, and it vouches for nothing any more.
    assert cli("verify").exit_code == 3
    r = cli("verify", "--deleted", gone, "--reason", "superseded snapshot")
    assert (r.exit_code, r.stdout) == (
        0,
        f"Recorded: transcript {gone} (made {created}) was deleted on purpose: superseded snapshot;"
        " it vouches for nothing any more.\n",
    )
    with Archive.open(archive_path) as archive:
        command, details = archive.conn.execute(
            "SELECT command, details FROM audit_log ORDER BY id DESC LIMIT 1"
        ).fetchone()
        (uuid,) = archive.conn.execute("SELECT uuid FROM transcripts WHERE path = ?", (gone,)).fetchone()
    details = json.loads(details)
    assert (command, {k: details[k] for k in ("transcript", "path", "made", "reason")}) == (
        "transcript deleted",
        {"transcript": uuid, "path": gone, "made": created, "reason": "superseded snapshot"},
    )
    code, found = run_status(cli)
    assert (found["transcripts"], found["stale_matters"]) == (
        [],
        ["M-1"],
    )  # (its messages are in no transcript now: M-1 is stale)
    assert cli("verify").exit_code == 0
    for args, said in (
        ((gone,), f"{gone}: already recorded as deleted on purpose"),
        (
            (tmp_path / "nowhere.pdf",),
            f"{tmp_path / 'nowhere.pdf'}: no transcript is recorded there (textfile verify names the"
            " missing ones where they were)",
        ),
        (
            (),
            "--deleted needs the recorded paths of the transcripts deleted on purpose: textfile verify --deleted FILE.pdf",
        ),
    ):
        r = cli("verify", "--deleted", *args)
        assert (r.exit_code, r.stderr) == (1, f"Error: {said}\n")


def test_an_altered_transcript_or_a_record_changed_outside_textfile_is_exit_3(cli, office, tmp_path, archive_path):
    out = tmp_path / "out"
    assert cli("archive", office, "--out", out, "--mkdir", "--quiet").exit_code == 0
    settle(cli, out, office)
    with Archive.open(archive_path) as archive:
        (path,) = archive.conn.execute(
            "SELECT path FROM transcripts t JOIN matters m ON m.id = t.matter_id WHERE m.reference = 'M-1'"
            " ORDER BY t.id DESC"
        ).fetchone()
    original = Path(path).read_bytes()
    data = bytearray(original)
    data[len(data) // 2] ^= 1
    Path(path).write_bytes(bytes(data))
    code, found = run_status(cli)
    assert (code, [t["state"] for t in found["transcripts"]], found["problems"]) == (3, ["altered"], [])
    # (SAM: report.pdf is not in the archive; the groups are in M-1's second transcript only, the altered one)
    assert found["safe_to_delete"] == [LEE]
    assert f"is altered: textfile verify {path} says what differs" in cli("status").stdout
    r = cli("verify", "--deleted", path)  # (a file still there is not deleted)
    assert r.exit_code == 1 and "is still there" in r.stderr
    Path(path).write_bytes(original)
    assert run_status(cli)[0] == 0

    # A hold lifted behind textfile's back: what deletable rests on fails, so nothing is said safe.
    assert cli("matter", "hold", "M-1").exit_code == 0
    conn = sqlite3.connect(archive_path)
    conn.execute("UPDATE matters SET legal_hold = 0 WHERE reference = 'M-1'")
    conn.commit()
    conn.close()
    code, found = run_status(cli)
    with Archive.open(archive_path) as archive:
        assert found["problems"] == weekly.failing_checks(archive) != []
    assert (code, found["safe_to_delete"], found["ignored_safe_to_delete"]) == (3, None, None)
    text = cli("status")
    assert (
        text.exit_code == 3
        and "Safe to delete from the phone: nothing can be said until textfile verify passes." in text.stdout
    )
    assert f"INTEGRITY {found['problems'][0]} (textfile verify)" in text.stdout
    assert (cli("status", "--quiet").exit_code, cli("status", "--quiet").stdout) == (3, "")


def test_status_changes_nothing(cli, office, tmp_path, archive_path):
    assert cli("archive", office, "--out", tmp_path / "out", "--mkdir", "--quiet").exit_code == 0
    files = {
        p: (p.stat().st_mtime_ns, p.read_bytes())
        for p in tmp_path.rglob("*")
        if p.is_file() and not p.name.endswith(("-wal", "-shm"))
    }
    with Archive.open(archive_path) as archive:
        before = snapshot(archive)
    for args in ((), ("--json",), ("--quiet",)):
        assert cli("status", *args).exit_code == 4
    with Archive.open(archive_path) as archive:
        assert snapshot(archive) == before
    assert {
        p: (p.stat().st_mtime_ns, p.read_bytes())
        for p in tmp_path.rglob("*")
        if p.is_file() and not p.name.endswith(("-wal", "-shm"))
    } == files


def test_status_reads_at_80_columns(cli, office, tmp_path, monkeypatch):
    assert cli("archive", office, "--out", tmp_path / "out", "--mkdir", "--quiet").exit_code == 0
    monkeypatch.setenv("COLUMNS", "80")
    lines = cli("status").stdout.splitlines()
    tables = [line for line in lines if line[:1] in "┏┃┡│└"]
    assert tables and max(len(line) for line in tables) <= 80
    assert (
        "│ 1 │ calls-20240301.xml │ android │ 7     │ 0       │" in lines
    )  # (a file name whole; the import time left out)
    assert "(columns left out at 80 columns: Imported; --json has everything)" in lines


def test_the_open_flags_line_says_its_breakdown_beside_the_open_not_the_new(cli, archive):
    """ "Review flags open: 2 (after_opt_out: 1, opt_out: 1), 2 new": the counts by rule are of the open flags
    (the second reader read them as the new ones' when they followed "new"), each after its rule's name."""
    from conftest import ingest_records, msg

    ingest_records(archive, [msg(1, "STOP"), msg(2, "One more thing", out=True)])

    shown = cli("status")

    lines = [line for line in shown.stdout.splitlines() if line.startswith("Review flags open")]
    assert lines == [
        "Review flags open: 2 (after_opt_out: 1, opt_out: 1), 2 new (textfile review; textfile review --unanswered)"
    ], shown.stdout


def test_a_lexicon_category_is_named_before_its_count(cli, archive):
    """A lexicon's category is a plural name ("deadlines"): "deadlines: 1", not "1 deadlines"; --json keeps
    the rule as its key."""
    from conftest import ingest_records, msg

    ingest_records(archive, [msg(1, "The court date is tomorrow")])

    shown = cli("status")

    lines = [line for line in shown.stdout.splitlines() if line.startswith("Review flags open")]
    assert lines == ["Review flags open: 1 (deadlines: 1), 1 new (textfile review; textfile review --unanswered)"], (
        shown.stdout
    )
    assert json.loads(cli("status", "--json").stdout)["open_flags"] == {"deadlines": 1}


def test_a_date_order_guessed_for_another_chat_is_not_this_chat_s(cli, archive):
    """Second reader, round 10: a chat never imported before had its guessed date order said "as by earlier
    imports", and left out of "Needs you", because another chat's order had been guessed too."""
    for chat in ("WhatsApp Chat with Old Friend.txt", "WhatsApp Chat with Pat.txt"):
        assert cli("import", FIXTURES / "whatsapp" / chat, "--me", "Alex Owner", "--quiet").exit_code == 0

    code, found = run_status(cli)

    guessed = [[a for a in i["assumptions"] if "--date-order" in a] for i in found["imports"]]
    assert [len(g) for g in guessed] == [1, 1]
    assert all(g[0] not in i["seen_before"] for g, i in zip(guessed, found["imports"], strict=True))
    lines = cli("status").stdout.splitlines()
    assert f"    assumed: {guessed[1][0]}" in lines
    # the same chat imported again (its .zip, next week's copy) guessed what it did: no news
    assert (
        cli("import", FIXTURES / "whatsapp" / "WhatsApp Chat with Pat.txt", "--me", "Alex Owner", "-q").exit_code == 0
    )
    code, again = run_status(cli)
    assert guessed[1][0] in again["imports"][2]["seen_before"]


def test_a_transcript_showing_a_conversation_filed_elsewhere_since_is_said(cli, archive, tmp_path):
    """Second reader, round 10: a filing mistake fixed (`unfile`) left the transcript holding the other person's
    texts in the client's file, said by `verify FILE.pdf` alone."""
    for chat in ("WhatsApp Chat with Sam Client.txt", "WhatsApp Chat with Pat.txt"):
        assert cli("import", FIXTURES / "whatsapp" / chat, "--me", "Alex Owner", "-q").exit_code == 0
    assert cli("client", "add", "Sam Client", "-q").exit_code == 0
    assert cli("client", "add", "Pat Other", "-q").exit_code == 0
    for matter, client in (("M-1", "Sam Client"), ("M-2", "Sam Client"), ("P-1", "Pat Other")):
        assert cli("matter", "open", matter, "--client", client, "--title", "T", "-q").exit_code == 0
    assert cli("file", "2", "--matter", "M-1", "-q").exit_code == 0
    assert cli("transcript", "M-1", "--out", tmp_path / "m1.pdf", "-q").exit_code == 0
    # (a production's PDF, served, is not taken out of a file: `verify DIR` says what to claw back)
    assert cli("produce", "M-1", "--out", tmp_path / "vol1", "-q").exit_code == 0
    assert cli("unfile", "2", "--matter", "M-1", "--reason", "not the client's: a neighbour", "-q").exit_code == 0

    code, found = run_status(cli)

    [transcript] = found["held_elsewhere"]
    assert transcript == {
        "transcript": 1,
        "path": str(tmp_path / "m1.pdf"),
        "matter": "M-1",
        "client": "Sam Client",
        "unfiled": [{"conversation": 2, "filed_now": []}],
    }
    assert code == 4
    lines = cli("status").stdout.splitlines()
    assert f"  {tmp_path / 'm1.pdf'} of M-1:" in lines
    assert (
        "    conversation 2, which it shows, is filed to its matter no longer (now to no matter): if its texts are"
        " another client's, it is in the wrong file"
    ) in lines
    assert "1 transcript showing a conversation filed elsewhere since" in lines[-1]
    # filed to another matter of the same client: still in the client's file, nothing to say
    assert cli("file", "2", "--matter", "M-2", "-q").exit_code == 0
    assert "held_elsewhere" not in run_status(cli)[1]
    # to another client's matter: said, with where
    assert cli("unfile", "2", "--matter", "M-2", "--reason", "Pat's", "-q").exit_code == 0
    assert cli("file", "2", "--matter", "P-1", "-q").exit_code == 0
    [transcript] = run_status(cli)[1]["held_elsewhere"]
    assert transcript["unfiled"] == [{"conversation": 2, "filed_now": [{"matter": "P-1", "client": "Pat Other"}]}]
