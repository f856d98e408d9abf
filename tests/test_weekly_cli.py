"""`textfile archive` and `textfile deletable` as cron and a user run them, transcripts included."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import CALLS_CODES, FIXTURES, SMS_CODES

from textfile import times
from textfile.archive import Archive

HOUR_AGO = time.time() - 3600


def drop(inbox: Path, name: str, source: Path | None = None) -> Path:
    target = inbox / name
    shutil.copy(source or FIXTURES / "android" / name, target)
    os.utime(target, (HOUR_AGO, HOUR_AGO))
    return target


@pytest.fixture
def office(cli, tmp_path):
    """An archive with two clients who consented to be texted, each with one open matter, and an inbox with last week's backups."""
    cli("client", "add", "Sam Client", "--phone", "202-555-0143")
    cli("client", "add", "Lee Park", "--phone", "202-555-0178")
    cli("matter", "open", "M-1", "--client", "Sam Client", "--title", "Lease")
    cli("matter", "open", "M-2", "--client", "Lee Park", "--title", "Deposit")
    for name in ("Sam Client", "Lee Park"):  # (texts to a client with no consent on record are review flags)
        cli("client", "consent", name, "--given", "2024-01-01", "--method", "written")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    drop(inbox, "sms-20240301.xml")
    drop(inbox, "calls-20240301.xml")
    return inbox


def transcripts(archive_path):
    with Archive.open(archive_path) as archive:
        return [
            tuple(r)
            for r in archive.conn.execute(
                "SELECT m.reference, t.path FROM transcripts t JOIN matters m ON m.id = t.matter_id ORDER BY t.id"
            )
        ]


def test_two_runs_then_next_weeks_export(cli, office, tmp_path, archive_path):
    out = tmp_path / "out"
    first = cli("archive", "--mkdir", office, "--out", out, "--json")
    assert first.exit_code == 0, first.output
    report = json.loads(first.stdout)
    assert len(report["imported"]) == 2 and report["failed"] == []
    assert sorted(r["matter"] for r in report["rendered"]) == ["M-1", "M-2"]
    for r in report["rendered"]:
        assert Path(r["path"]).parent == out and oct(os.stat(r["path"]).st_mode & 0o777) == "0o600"
    # The second run over the same inbox adds nothing and renders nothing.
    second = cli("archive", "--mkdir", office, "--out", out, "--json")
    assert json.loads(second.stdout) | {} == {
        **json.loads(second.stdout),
        "imported": [],
        "rendered": [],
        "already_archived": 2,
    }
    assert len(transcripts(archive_path)) == 2
    # Next week's backup repeats everything and adds two messages with Sam: only M-1 is rendered again.
    drop(office, "sms-20240308.xml")
    third = json.loads(cli("archive", "--mkdir", office, "--out", out, "--json").stdout)
    assert [r["added"] for r in third["imported"]] == [2]
    assert [r["matter"] for r in third["rendered"]] == ["M-1"]
    assert cli("archive", "--mkdir", office, "--out", out, "--quiet").stdout == ""
    log = Path(f"{archive_path}.log").read_text()
    runs = [line for line in log.splitlines() if line.split(" ", 1)[1].startswith("archive ")]
    assert len(runs) == 4 and "rendered M-1" in log


def test_a_corrupt_file_among_good_ones(cli, office, tmp_path, archive_path):
    bad = office / "sms-broken.xml"
    bad.write_bytes((FIXTURES / "android" / "sms-20240308.xml").read_bytes()[:2500])
    os.utime(bad, (HOUR_AGO, HOUR_AGO))
    r = cli("archive", "--mkdir", office, "--out", tmp_path / "out")
    assert r.exit_code == 1
    assert r.stderr.startswith(f"Error: {bad}: truncated or malformed XML")
    assert "2 imported" in r.stdout and "1 failed" in r.stdout
    assert len(transcripts(archive_path)) == 2


def test_a_second_run_while_one_is_going(cli, office, archive_path, tmp_path):
    from textfile import weekly

    with weekly.run_lock(archive_path, wait=False):
        r = cli("archive", "--mkdir", office, "--out", tmp_path / "out")
    assert r.exit_code == 1
    assert r.stderr.startswith("Error: another `textfile archive` run is in progress")


def run_cli(archive_path, *args) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "textfile", "--archive", str(archive_path), *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def state(archive_path) -> dict:
    """What must be the same however the runs were interrupted."""
    with Archive.open(archive_path) as archive:
        c = archive.conn
        return {
            "messages": sorted(tuple(r) for r in c.execute("SELECT id, content_hash, version FROM messages")),
            "sources": sorted(
                tuple(r)
                for r in c.execute(
                    "SELECT s.message_id, i.sha256, s.source_ref FROM message_sources s JOIN imports i ON i.id = s.import_id"
                )
            ),
            "imports": sorted(r[0] for r in c.execute("SELECT sha256 FROM imports")),
            "inbox": sorted(tuple(r) for r in c.execute("SELECT path, sha256 FROM inbox_files")),
            "filings": sorted(tuple(r) for r in c.execute("SELECT conversation_id, matter_id, how FROM filings")),
            "transcribed": sorted(
                tuple(r)
                for r in c.execute(
                    "SELECT t.matter_id, tm.message_id, tm.content_hash FROM transcript_messages tm JOIN transcripts t ON t.id = tm.transcript_id"
                )
            ),
            "bates": [tuple(r) for r in c.execute("SELECT * FROM bates_counters")],
            "integrity": c.execute("PRAGMA integrity_check").fetchone()[0],
        }


def test_concurrent_runs_and_runs_killed_midway_end_like_one_clean_run(cli, office, tmp_path, archive_path):
    reference_path = tmp_path / "reference.db"
    shutil.copy(archive_path, reference_path)
    for suffix in ("-wal", "-shm"):
        if Path(f"{archive_path}{suffix}").exists():
            shutil.copy(f"{archive_path}{suffix}", f"{reference_path}{suffix}")
    done = run_cli(reference_path, "archive", "--mkdir", office, "--out", tmp_path / "ref-out", "--quiet")
    assert done.wait(120) == 0, done.stderr.read()
    expected = state(reference_path)

    # Killed with SIGKILL at several points (start-up, importing, rendering), then run again.
    for delay in (0.3, 1.0, 1.8, 2.6):
        proc = run_cli(archive_path, "archive", "--mkdir", office, "--out", tmp_path / "out", "--quiet")
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    # Two runs at once: the second waits for the first, then finds nothing left to do.
    runs = [
        run_cli(archive_path, "archive", "--mkdir", office, "--out", tmp_path / "out", "--wait", "--json")
        for _ in range(2)
    ]
    outcomes = [(p.wait(180), p.stdout.read(), p.stderr.read()) for p in runs]
    assert [code for code, _, _ in outcomes] == [0, 0], outcomes
    assert "database is locked" not in "".join(err for _, _, err in outcomes)
    final = state(archive_path)
    assert final == expected
    assert cli("verify").exit_code == 0


def test_deletable_follows_the_transcripts(cli, office, tmp_path, archive_path):
    cli("import", office / "sms-20240301.xml")

    def verdicts():
        r = cli("deletable", "--json")
        assert r.exit_code == 0, r.output
        return {v["conversation"]: v for v in json.loads(r.stdout)}

    sam = next(v for v in verdicts().values() if v["participants"] == ["Sam Client"])
    assert (sam["safe"], sam["safe_until"]) == (False, None)
    assert sam["verdict"].startswith(f"not yet: {sam['messages']} messages are in no transcript")
    assert sam["sources"][0]["file_name"] == "sms-20240301.xml"
    unfiled = next(v for v in verdicts().values() if v["unfiled"])
    assert unfiled["verdict"].startswith("not safe:") and "textfile file" in unfiled["verdict"]

    rendered = json.loads(cli("archive", "--mkdir", office, "--out", tmp_path / "out", "--json").stdout)["rendered"]
    sam = verdicts()[sam["conversation"]]
    # Every text is in the transcript; mms 4's report.pdf (corrupt base64) is not in the archive: not safe as a whole.
    assert (sam["safe"], sam["safe_until"], sam["attachments_not_archived"]) == (False, sam["last_archived"], 1)
    assert sam["verdict"].startswith("safe to delete the texts from the phone up to ")
    rendered_verdict = sam["verdict"]
    assert "deletable" not in cli("deletable").stderr

    m1 = next(r["path"] for r in rendered if r["matter"] == "M-1")
    data = bytearray(Path(m1).read_bytes())
    data[len(data) // 2] ^= 1
    Path(m1).write_bytes(bytes(data))
    sam = verdicts()[sam["conversation"]]
    assert not sam["safe"] and f"transcript {m1} is altered" in sam["verdict"]
    r = cli("verify")
    assert r.exit_code == 3 and f"transcript {m1}" in r.stderr
    Path(m1).unlink()
    assert f"transcript {m1} is missing" in verdicts()[sam["conversation"]]["verdict"]
    # The next run renders the matter again, and the conversation is safe again.
    again = json.loads(cli("archive", "--mkdir", office, "--out", tmp_path / "out", "--json").stdout)
    assert [r["matter"] for r in again["rendered"]] == ["M-1"]
    assert verdicts()[sam["conversation"]]["verdict"] == (
        f"{rendered_verdict} (note: transcript {m1} is missing (moved? textfile verify --moved NEW.pdf))"
    )


def test_a_legal_hold_is_never_safe_to_delete(cli, office, tmp_path):
    def sam():
        verdicts = json.loads(cli("deletable", "--json").stdout)
        return next(v for v in verdicts if v["participants"] == ["Sam Client"])

    cli("archive", "--mkdir", office, "--out", tmp_path / "out", "--quiet")
    # (every text is in the transcript; mms 4's report.pdf is not in the archive: safe but for that attachment)
    unheld = sam()
    assert unheld["safe_until"] == unheld["last_archived"] and unheld["legal_hold"] == []
    assert cli("matter", "hold", "M-1").exit_code == 0
    held = sam()
    assert (held["safe"], held["legal_hold"]) == (False, ["M-1"])
    assert held["verdict"] == (
        "not safe: under legal hold (matter M-1); keep it on the phone until the hold is released"
        " (textfile matter release REF)"
    )
    assert "legal hold" in cli("deletable").stdout
    assert cli("matter", "release", "M-1").exit_code == 0
    assert sam() == unheld


def test_an_output_folder_that_cannot_be_made_is_a_one_line_error_and_logged(cli, office, archive_path):
    in_the_way = office / "sms-20240301.xml"
    r = cli("archive", "--mkdir", office, "--out", in_the_way)
    assert (r.exit_code, r.stderr) == (1, f"Error: {in_the_way}: a file is in the way; --out must be a folder\n")
    r = cli("archive", "--mkdir", office, "--out", "/proc/textfile-out")
    assert r.exit_code == 1 and r.stderr.startswith("Error: /proc/textfile-out: cannot create the folder (")
    log = archive_path.with_name(archive_path.name + ".log").read_text()
    assert f"archive {office}: not run: {in_the_way}: a file is in the way" in log


def test_a_run_given_what_it_cannot_use_did_not_run_and_says_so(cli, office, archive_path, tmp_path):
    """A missing inbox, an unknown --tz or --date-order (a typo in a cron line) is refused before the run begins,
    nothing imported: said in the log and by status as a run that did not run, never as one that began and stopped
    part-way (said every week as a crash), nor left unsaid."""
    out, missing = tmp_path / "out", tmp_path / "no-inbox"
    for args, said in (
        ([missing], f"{missing}: not a folder"),
        ([office, "--tz", "Mars/Base"], "unknown time zone 'Mars/Base' (use an IANA name such as America/New_York)"),
        ([office, "--date-order", "xyz"], "--date-order must be dmy, mdy or ymd, not 'xyz'"),
    ):
        r = cli("archive", *args, "--out", out, "--mkdir")
        assert (r.exit_code, r.stdout, r.stderr) == (1, "", f"Error: {said}\n")
        assert json.loads(cli("conversations", "--json").stdout) == []
        log = archive_path.with_name(archive_path.name + ".log").read_text()
        assert log.splitlines()[-1].endswith(f"archive {args[0]}: not run: {said}")
        status = cli("status")
        assert f"did not run: {said}" in status.stdout and "did not finish" not in status.stdout
        assert status.exit_code == 4


def test_an_output_folder_that_does_not_exist_is_an_error_unless_mkdir(cli, office, archive_path, tmp_path):
    """`archive --out` to a folder that does not exist (a typo in a cron line) is an error naming it, in
    the log too, and nothing is imported; --mkdir makes it, readable by its owner only (issue 15)."""
    missing = tmp_path / "transcripts"
    r = cli("archive", office, "--out", missing)
    assert (r.exit_code, r.stdout, r.stderr) == (
        1,
        "",
        f"Error: {missing}: no such folder (make it, or give --mkdir to have textfile make it)\n",
    )
    assert not missing.exists() and json.loads(cli("conversations", "--json").stdout) == []
    log = archive_path.with_name(archive_path.name + ".log").read_text()
    assert f"archive {office}: not run: {missing}: no such folder" in log
    assert cli("archive", office, "--out", missing, "--mkdir", "--quiet").exit_code == 0
    assert oct(missing.stat().st_mode & 0o777) == "0o700" and list(missing.glob("*.pdf"))


def test_a_file_imported_by_hand_as_a_copy_and_as_itself_or_as_dot_is_not_another_name(
    cli, office, tmp_path, archive_path, monkeypatch
):
    """Issue 15: the run named the first import of the same bytes, so a file imported by hand as a copy
    ("sms copy.xml") and then as itself was "already archived under another name, sms copy.xml"; and a
    backup imported from inside it (`import .`) was recorded with no file name, which is another
    name than its folder's. Each is said to be imported, as itself."""
    import imessage_build

    copy = drop(tmp_path, "sms copy.xml", FIXTURES / "android" / "sms-20240308.xml")
    own = drop(office, "sms-20240308.xml")
    backup = imessage_build.build_backup(office / "00008030-001A2B3C4D5E6F70")
    for path in [backup, *backup.rglob("*")]:
        os.utime(path, (HOUR_AGO, HOUR_AGO))
    assert cli("import", copy, "--quiet").exit_code == 0
    monkeypatch.chdir(office)
    assert cli("import", own.name, "--quiet").exit_code == 0
    monkeypatch.chdir(backup)
    assert cli("import", ".", "--quiet").exit_code == 0
    with Archive.open(archive_path) as archive:
        imports = [
            tuple(r) for r in archive.conn.execute("SELECT id, path, file_name, started_at FROM imports ORDER BY id")
        ]
    assert [i[:3] for i in imports] == [
        (1, str(copy), "sms copy.xml"),
        (2, "sms-20240308.xml", "sms-20240308.xml"),
        (3, ".", "00008030-001A2B3C4D5E6F70"),
    ]
    tz = times.zone("America/New_York")
    r = cli("archive", office, "--out", tmp_path / "out", "--mkdir")
    assert r.exit_code == 0, r.output
    assert [line for line in r.stdout.splitlines() if line.startswith("  already")] == [
        f"  already imported on {times.display(imports[2][3], tz)} (import 3): {backup}",
        f"  already imported on {times.display(imports[1][3], tz)} (import 2): {own}",
    ]
    assert "another name" not in r.stdout


def test_the_cron_run_reads_each_chat_in_the_zone_it_was_last_read_in(cli, archive_path, tmp_path):
    """A chat corrected to Europe/London is read there every week with no --tz, and says so in the run's log;
    a new chat from the owner's own phone is read in the archive's zone (walk report, defect 7)."""

    def chat(folder: Path, name: str, lines: list[str]) -> Path:
        folder.mkdir(exist_ok=True)
        path = folder / name
        path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
        os.utime(path, (HOUR_AGO, HOUR_AGO))
        return path

    group = "WhatsApp Chat with Chen Estate Heirs.txt"
    lines = [
        "14/05/2024, 09:00 - Sam Client: The will is in the safe",
        "14/05/2024, 09:05 - Dana Reyes: Which safe?",
        "14/05/2024, 09:06 - Alex Owner: Let me check",
        "21/05/2024, 10:00 - Alex Owner: The one at the office",
        "28/05/2024, 11:00 - Sam Client: Found it",
    ]
    assert cli("import", chat(tmp_path / "w1", group, lines[:3]), "--quiet").exit_code == 0
    assert (
        cli(
            "import", chat(tmp_path / "w2", group, lines[:4]), "--tz", "Europe/London", "--corrects-tz", "--quiet"
        ).exit_code
        == 0
    )
    inbox = tmp_path / "inbox"
    week3 = chat(inbox, group, lines)
    mine = chat(
        inbox,
        "WhatsApp Chat with Maria Lopez.txt",
        ["15/05/2024, 16:00 - Maria Lopez: New chat from my other phone", "15/05/2024, 16:02 - Alex Owner: Got it"],
    )
    run = cli("archive", "--mkdir", inbox, "--out", tmp_path / "out", "--quiet")
    assert (run.exit_code, run.output) == (0, "")
    with Archive.open(archive_path) as archive:
        rows = [
            tuple(r)
            for r in archive.conn.execute(
                "SELECT c.title, m.sent_at, m.source_zone, p.display_name, m.body, m.version FROM messages m JOIN conversations c"
                " ON c.id = m.conversation_id JOIN participants p ON p.id = m.sender_id ORDER BY c.id, m.sent_at"
            )
        ]
        zones = [tuple(r) for r in archive.conn.execute("SELECT id, file_name, zone FROM imports ORDER BY id")]
    london, new_york = "Europe/London", "America/New_York"
    assert rows == [
        ("Chen Estate Heirs", "2024-05-14T08:00:00.000Z", london, "Sam Client", "The will is in the safe", 2),
        ("Chen Estate Heirs", "2024-05-14T08:05:00.000Z", london, "Dana Reyes", "Which safe?", 2),
        ("Chen Estate Heirs", "2024-05-14T08:06:00.000Z", london, "Alex Owner", "Let me check", 2),
        ("Chen Estate Heirs", "2024-05-21T09:00:00.000Z", london, "Alex Owner", "The one at the office", 1),
        ("Chen Estate Heirs", "2024-05-28T10:00:00.000Z", london, "Sam Client", "Found it", 1),
        ("Maria Lopez", "2024-05-15T20:00:00.000Z", new_york, "Maria Lopez", "New chat from my other phone", 1),
        ("Maria Lopez", "2024-05-15T20:02:00.000Z", new_york, "Alex Owner", "Got it", 1),
    ]
    assert zones == [(1, group, new_york), (2, group, london), (3, group, london), (4, mine.name, new_york)]
    log = (tmp_path / "archive.db.log").read_text(encoding="utf-8").splitlines()
    assert re.fullmatch(
        r"\S+   audit log of archive \S+: entry \d+, hash [0-9a-f]{64}", log[-1]
    )  # the head, kept outside the archive (textfile/audit/anchors.py)
    assert [line.split(" ", 1)[1] for line in log[-6:-1]] == [
        f"archive {inbox}: 2 imported, 0 already archived, 0 identical to an earlier import, 0 still being written, 0 failed,"
        " 0 transcripts rendered",
        f"  imported {week3}: whatsapp, added 1, already present 4, updated 0",
        f"    assumed: {group}: times read as wall-clock times in Europe/London, the zone this chat's messages were last read in, not"
        " the archive's America/New_York; pass --tz to read the export in another zone (with --corrects-tz if that zone corrects"
        " the earlier reading)",
        f"  imported {mine}: whatsapp, added 2, already present 0, updated 0",
        # (issue 15: the new chat is named with what deals with it; the group, archived before this run, is not new)
        "  new conversation 2 (Maria Lopez; whatsapp) is not filed: textfile file 2 --matter REF, or textfile conversation ignore 2",
    ]


def test_a_file_imported_by_hand_is_said_to_be_imported_not_renamed(cli, office, tmp_path, archive_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert (
        cli("import", "inbox/sms-20240301.xml", "--quiet").exit_code == 0
    )  # the inbox's own file, its path given relatively
    assert (
        cli("import", FIXTURES / "android" / "calls-20240301.xml", "--quiet").exit_code == 0
    )  # the same name in another folder
    assert cli("import", FIXTURES / "android" / "sms-20240308.xml", "--quiet").exit_code == 0
    drop(office, "sms-renamed.xml", FIXTURES / "android" / "sms-20240308.xml")  # the same bytes under another name
    with Archive.open(archive_path) as archive:
        when = {
            i: times.display(at, times.zone(archive.settings.tz))
            for i, at in archive.conn.execute("SELECT id, started_at FROM imports")
        }
    r = cli("archive", "--mkdir", office, "--out", tmp_path / "out")
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[:4] == [
        f"archive {office}: 0 imported, 0 already archived, 3 identical to an earlier import, 0 still being written, 0 failed,"
        " 2 transcripts rendered",
        f"  already imported on {when[2]} (import 2): {office / 'calls-20240301.xml'}",
        f"  already imported on {when[1]} (import 1): {office / 'sms-20240301.xml'}",
        f"  already archived under another name, sms-20240308.xml, on {when[3]} (import 3): {office / 'sms-renamed.xml'}",
    ]
    # Touched since: read again, and found to be the same bytes again.
    for path in office.iterdir():
        os.utime(path, (HOUR_AGO - 60, HOUR_AGO - 60))
    report = json.loads(cli("archive", "--mkdir", office, "--out", tmp_path / "out", "--json").stdout)
    assert report["same_bytes"] == [
        {
            "path": str(office / "calls-20240301.xml"),
            "import": 2,
            "imported_at": report["same_bytes"][0]["imported_at"],
            "file_name": "calls-20240301.xml",
            "imported_from": str(FIXTURES / "android" / "calls-20240301.xml"),
        },
        {
            "path": str(office / "sms-20240301.xml"),
            "import": 1,
            "imported_at": report["same_bytes"][1]["imported_at"],
            "file_name": "sms-20240301.xml",
            "imported_from": "inbox/sms-20240301.xml",
        },
        {
            "path": str(office / "sms-renamed.xml"),
            "import": 3,
            "imported_at": report["same_bytes"][2]["imported_at"],
            "file_name": "sms-20240308.xml",
            "imported_from": str(FIXTURES / "android" / "sms-20240308.xml"),
        },
    ]
    with Archive.open(archive_path) as archive:
        assert [times.display(s["imported_at"], times.zone(archive.settings.tz)) for s in report["same_bytes"]] == [
            when[2],
            when[1],
            when[3],
        ]


def test_what_an_import_assumed_and_warned_of_is_said_alike_by_import_and_by_the_weekly_run(tmp_path):
    """Review B4: `textfile import` and the weekly run's report each built the lines of what an import assumed
    and warned of, and the "… and N more warnings" line (one with MAX_WARNINGS, one with a literal 10);
    both now print `weekly.import_notes`. Twelve sent messages whose delivery failed since the first backup:
    twelve warnings, ten of them printed."""
    from test_import_android import backup, sms_line
    from typer.testing import CliRunner

    from textfile import weekly
    from textfile.cli import app

    sent = [sms_line("+12025550143", 1709312400000 + n * 60_000, 2, f"Reminder {n}", "Sam Client") for n in range(12)]
    for how in ("import", "archive"):
        path, inbox = tmp_path / how / "archive.db", tmp_path / how / "inbox"
        inbox.mkdir(parents=True)

        def run(*args, path=path):
            return CliRunner().invoke(app, ["--archive", str(path), *map(str, args)], catch_exceptions=False)

        assert (
            run(
                "init",
                "--owner",
                "Alex Owner",
                "--phone",
                "+12025550100",
                "--tz",
                "America/New_York",
                "--region",
                "US",
                "--bates-prefix",
                "TF",
            ).exit_code
            == 0
        )
        assert run("import", backup(tmp_path / how / "week1.xml", *sent)).exit_code == 0
        week2 = backup(inbox / "week2.xml", *(line.replace('status="-1"', 'status="64"') for line in sent))
        os.utime(week2, (HOUR_AGO, HOUR_AGO))
        r = (
            run("import", week2)
            if how == "import"
            else run("archive", "--mkdir", inbox, "--out", tmp_path / how / "out")
        )
        assert r.exit_code == 0, r.output
        with Archive.open(path) as archive:
            assumptions, warnings = (
                json.loads(said)
                for said in archive.conn.execute("SELECT assumptions, warnings FROM imports WHERE id = 2").fetchone()
            )
        assert warnings == [
            f"sms {n}: changed since it was archived (its status, its marks); the earlier version is kept"
            for n in range(1, 13)
        ]
        notes = weekly.import_notes(assumptions, warnings)
        assert len(assumptions) == 1 and notes == [f"assumed: {assumptions[0]}"] + [
            f"warning: {text}" for text in warnings[:10]
        ] + ["… and 2 more warnings (textfile log --json shows the import)"]
        indent = "  " if how == "import" else "    "
        assert "".join(f"{indent}{line}\n" for line in notes) in r.stdout


def test_the_weekly_runs_snapshots_spend_no_number_of_the_production_series(cli, office, tmp_path, archive_path):
    """Issue 15: snapshots are numbered TF-SNAP-…; a production of the matter afterwards starts at TF-000001."""
    out = tmp_path / "out"
    run = json.loads(cli("archive", "--mkdir", office, "--out", out, "--json").stdout)
    assert [(r["matter"], r["bates_first"]) for r in run["rendered"]] == [
        ("M-1", "TF-SNAP-000001"),
        ("M-2", "TF-SNAP-000004"),
    ]  # (M-1: 3 pages)
    made = json.loads(cli("transcript", "M-1", "--mkdir", "--out-dir", tmp_path / "production", "--json").stdout)
    assert made["bates_first"] == "TF-000001"
    assert cli("verify").exit_code == 0
    if shutil.which("pdftotext"):  # the snapshot's cover says what it is; the production's does not
        said = "An archival snapshot, made by the weekly run (textfile archive)"
        covers = [
            " ".join(
                subprocess.run(
                    ["pdftotext", "-l", "1", str(path), "-"], capture_output=True, text=True, check=True
                ).stdout.split()
            )
            for path in (run["rendered"][0]["path"], made["path"])
        ]
        assert [said in cover for cover in covers] == [True, False]


def test_the_weekly_run_takes_a_date_order_like_import(cli, tmp_path, archive_path):
    """Issue 15: `archive --date-order` reads the inbox's WhatsApp exports in that order, as `import --date-order` does; and
    an inbox holding one chat text is an inbox, not an unzipped export whose folder was just changed (it waited for ever)."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    chat = inbox / "WhatsApp Chat with Sam Client.txt"
    chat.write_text("01/02/24, 09:00 - Sam Client: Can we meet?\n03/02/24, 10:00 - Alex Owner: Yes\n", encoding="utf-8")
    os.utime(chat, (HOUR_AGO, HOUR_AGO))
    r = cli("archive", "--mkdir", inbox, "--out", tmp_path / "out", "--date-order", "dmy", "--json")
    assert r.exit_code == 0 and len(json.loads(r.stdout)["imported"]) == 1, r.output
    with Archive.open(archive_path) as archive:
        (options,) = archive.conn.execute("SELECT options FROM imports").fetchone()
        sent = [r[0] for r in archive.conn.execute("SELECT sent_at FROM messages ORDER BY sent_at")]
    assert json.loads(options)["date_order"] == "dmy" and sent == [
        "2024-02-01T14:00:00.000Z",
        "2024-02-03T15:00:00.000Z",
    ]


def test_the_weekly_run_names_each_new_unfiled_chat_and_what_it_took_me_for(cli, tmp_path, archive_path):
    """Issue 15: a new chat waited unfiled while the run said "added 3". The run's output and its log name each
    new conversation no matter took, with what deals with it; and `--me` reaches every import, each saying what it took it for."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    calls, sms = drop(inbox, "calls-20240301.xml"), drop(inbox, "sms-20240301.xml")
    cli("client", "add", "Sam Client", "--phone", "202-555-0143")
    cli("matter", "open", "M-1", "--client", "Sam Client", "--title", "Lease")
    r = cli("archive", inbox, "--out", tmp_path / "out", "--mkdir", "--me", "202-555-0199")
    assert r.exit_code == 0, r.output
    me = (
        "assumed: --me '202-555-0199' (+12025550199) is not one of the archive's own numbers or emails: it counts as yours, but what"
        " this phone sent is attributed to the archive's number +12025550100 (textfile settings --add-phone +12025550199"
        " makes it one of yours; import the backup again then)"
    )
    new = [(2, "+12025550178"), (3, "(private number)"), (4, "72975")]
    expected = [
        f"  imported {calls}: android, added 7, already present 0, updated 0",
        f"    {me}",
        f"    assumed: {CALLS_CODES}",
        "    assumed: this phone's number is taken to be +12025550100, the owner's only number in the archive, and what it sent is"
        " attributed to it: no MMS of this backup names the phone's own number, and --me names none of the owner's",
        f"  imported {sms}: android, added 16, already present 0, updated 0",
        f"    {me}",
        "    assumed: repaired 2 emoji written as UTF-16 surrogate-pair references",
        f"    assumed: {SMS_CODES}",
        "    warning: mms 4: attachment report.pdf has corrupt base64 (Only base64 data is allowed); kept as missing",
        "    warning: replaced 2 invalid character references or control characters (lone surrogates, &#0; …) with U+FFFD",
        # (Sam has no consent to text on record: the three texts sent; the draft, failed and queued ones never went out)
        "  review: 3 new flags (no_consent: 3): textfile review",
    ] + [
        f"  new conversation {n} ({label}; android) is not filed: textfile file {n} --matter REF, or textfile conversation ignore {n}"
        for n, label in new
    ]
    assert (
        r.stdout.splitlines()[1 : len(expected) + 1] == expected
    )  # (Sam's conversations, 1, 5 and 6, were filed to M-1)
    log = [line.split(" ", 1)[1] for line in Path(f"{archive_path}.log").read_text(encoding="utf-8").splitlines()]
    assert log[1 : len(expected) + 1] == expected
    assert [
        c["id"]
        for c in json.loads(cli("archive", inbox, "--out", tmp_path / "out", "--mkdir", "--json").stdout)["unfiled"]
    ] == []  # (none new)


def test_the_weekly_runs_tz_and_date_order_reach_every_import(cli, tmp_path, archive_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("Pat", "Kim"):
        chat = inbox / f"WhatsApp Chat with {name}.txt"
        chat.write_text(
            f"01/02/24, 09:00 - {name}: Can we meet?\n03/02/24, 10:00 - Alex Owner: Yes\n", encoding="utf-8"
        )
        os.utime(chat, (HOUR_AGO, HOUR_AGO))
    r = cli(
        "archive", inbox, "--out", tmp_path / "out", "--mkdir", "--tz", "Europe/London", "--date-order", "dmy", "--json"
    )
    assert r.exit_code == 0 and len(json.loads(r.stdout)["imported"]) == 2, r.output
    with Archive.open(archive_path) as archive:
        imports = [
            (i["file_name"], i["zone"], json.loads(i["options"])["date_order"])
            for i in archive.conn.execute("SELECT * FROM imports ORDER BY id")
        ]
        sent = [
            tuple(r)
            for r in archive.conn.execute(
                "SELECT c.title, m.sent_at FROM messages m JOIN conversations c ON c.id = m.conversation_id"
                " ORDER BY c.title, m.sent_at"
            )
        ]
    assert imports == [
        ("WhatsApp Chat with Kim.txt", "Europe/London", "dmy"),
        ("WhatsApp Chat with Pat.txt", "Europe/London", "dmy"),
    ]
    assert sent == [
        ("Kim", "2024-02-01T09:00:00.000Z"),
        ("Kim", "2024-02-03T10:00:00.000Z"),
        ("Pat", "2024-02-01T09:00:00.000Z"),
        ("Pat", "2024-02-03T10:00:00.000Z"),
    ]


def test_a_tz_for_wall_clocks_is_not_recorded_for_an_export_of_instants(cli, tmp_path, archive_path):
    """--tz reads WhatsApp's wall clocks; an Android backup's or an iMessage database's times are instants, which
    carry their own offset. `import --tz` with one says the zone was not used, and records the archive's, as without
    --tz (defect 11 of reader37); the archive run's --tz, for every WhatsApp export of an inbox mixing formats by its
    own definition, is left unused for the others without a word, every week."""
    from imessage_build import build_modern

    def chat(folder: Path, name: str) -> Path:
        folder.mkdir(exist_ok=True)
        path = folder / f"WhatsApp Chat with {name}.txt"
        path.write_text(
            f"01/02/24, 09:00 - {name}: Can we meet?\n03/02/24, 10:00 - Alex Owner: Yes\n", encoding="utf-8"
        )
        os.utime(path, (HOUR_AGO, HOUR_AGO))
        return path

    mac = build_modern(tmp_path / "mac")
    r = cli("import", FIXTURES / "android" / "sms-20240301.xml", mac, chat(tmp_path, "Pat"), "--tz", "Europe/London")
    assert r.exit_code == 0, r.output
    unused = [line for line in r.stdout.splitlines() if "--tz" in line]
    assert unused == [
        "  warning: --tz Europe/London was not used: an Android backup's times are instants (Unix milliseconds, UTC),"
        " which carry their own offset; --tz gives the zone of WhatsApp's wall-clock times. The import records the"
        " archive's zone, America/New_York, as without --tz",
        "  warning: --tz Europe/London was not used: an iMessage database's times are instants (counted from"
        " 2001-01-01 UTC), which carry their own offset; --tz gives the zone of WhatsApp's wall-clock times. The"
        " import records the archive's zone, America/New_York, as without --tz",
    ]
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    drop(inbox, "sms-20240308.xml")
    chat(inbox, "Kim")
    r = cli("archive", inbox, "--out", tmp_path / "out", "--mkdir", "--tz", "Europe/London", "--date-order", "dmy")
    assert r.exit_code == 0 and "--tz" not in r.output, r.output
    with Archive.open(archive_path) as archive:
        imports = [
            (i["file_name"], i["zone"], [w for w in json.loads(i["warnings"]) if "--tz" in w])
            for i in archive.conn.execute("SELECT * FROM imports ORDER BY id")
        ]
        zones = archive.conn.execute(
            "SELECT DISTINCT c.platform, m.source_zone FROM messages m JOIN conversations c ON c.id = m.conversation_id"
            " ORDER BY 1"
        ).fetchall()
    assert imports == [
        ("sms-20240301.xml", "America/New_York", [unused[0][len("  warning: ") :]]),
        ("chat.db", "America/New_York", [unused[1][len("  warning: ") :]]),
        ("WhatsApp Chat with Pat.txt", "Europe/London", []),
        ("WhatsApp Chat with Kim.txt", "Europe/London", []),
        ("sms-20240308.xml", "America/New_York", []),
    ]
    assert [tuple(z) for z in zones] == [("android", "UTC"), ("imessage", "UTC"), ("whatsapp", "Europe/London")]
