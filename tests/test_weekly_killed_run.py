"""A weekly run killed part-way (cron's timeout, a reboot, Ctrl-C) has committed the imports it made
and reported nothing. Its start, marked on the run's record before it imports anything, makes it known:
`status` counts its imports as new and says the run did not finish; the next run's log says so, with
the imports it left and what they assumed; and `status` after that run still counts them as new.

The kill is a KeyboardInterrupt raised where the run starts an import (`kill_at_import`): the imports
before it are committed, as a killed process's are (test_weekly_cli.py kills real processes)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import CALLS_CODES, SMS_CODES
from test_status import CALLS_ASSUMED, SMS_ASSUMED, SMS_WARNED, run_status
from test_weekly_cli import office  # noqa: F401 (a fixture: two clients, a matter each, an inbox of last week's backups)

from textfile import times, weekly
from textfile.archive import Archive
from textfile.weekly import run as weekly_run

TZ = times.zone("America/New_York")  # (the archive's: conftest.OWNER)
STOPPED = "did not finish (stopped part-way: killed, a reboot, a crash)"


def kill_at_import(monkeypatch, n: int) -> None:
    """The run killed as it starts its `n`th import (1: before any)."""
    real = weekly_run.import_path
    started = []

    def import_path(*args, **kwargs):
        started.append(args[1])
        if len(started) == n:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(weekly_run, "import_path", import_path)


def killed_run(cli, monkeypatch, inbox: Path, out: Path, at_import: int) -> None:
    with monkeypatch.context() as patch:
        kill_at_import(patch, at_import)
        r = cli("archive", inbox, "--out", out, "--mkdir", "--quiet")
    assert (r.exit_code, r.stdout, r.stderr) == (130, "", "")  # (click's exit on Ctrl-C)


def record(archive_path: Path) -> dict:
    return json.loads(Path(f"{archive_path}.run.json").read_text(encoding="utf-8"))


def log_since(archive_path: Path, lines_before: int) -> list[str]:
    """The log's lines after its first `lines_before`, each without its time stamp."""
    lines = Path(f"{archive_path}.log").read_text(encoding="utf-8").splitlines()
    return [line.split(" ", 1)[1] for line in lines[lines_before:]]


def imports(archive_path: Path) -> dict[int, dict]:
    with Archive.open(archive_path) as archive:
        return {r["id"]: dict(r) for r in archive.conn.execute("SELECT id, path, started_at FROM imports")}


def new_import(
    row: dict, format_, added: int, assumptions: list[str], warnings: list[str], seen_before: list[str] = ()
) -> dict:
    """An import as `status --json` lists it among the new ones (`seen_before`: its assumptions an earlier import
    made too)."""
    return {
        "import": row["id"],
        "path": row["path"],
        "file_name": Path(row["path"]).name,
        "format": format_,
        "started_at": row["started_at"],
        "added": added,
        "already_present": 0,
        "updated": 0,
        "assumptions": assumptions,
        "warnings": warnings,
        "notes": [f"assumed: {a}" for a in assumptions] + [f"warning: {w}" for w in warnings],
        "seen_before": list(seen_before),
    }


def test_a_run_killed_after_its_first_import_is_said_by_status_and_by_the_next_run(
    cli, office, tmp_path, archive_path, monkeypatch
):
    out = tmp_path / "out"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cli("archive", empty, "--out", out, "--mkdir", "--quiet").exit_code == 0
    before = record(archive_path)
    killed_run(cli, monkeypatch, office, out, at_import=2)  # (calls-20240301.xml imported, sms-20240301.xml not)

    # The record: the run before it, as it was, and the killed run's start.
    killed = record(archive_path)["started"][0]["started_at"]
    assert record(archive_path) == before | {"started": [{"started_at": killed, "inbox": str(office)}]}
    assert before["started_at"] < killed
    calls = imports(archive_path)[1]
    assert killed <= calls["started_at"] and list(imports(archive_path)) == [1]

    # status: what the killed run imported is new (not what came after the run before it), and it needs a person.
    code, found = run_status(cli)
    assert (code, found["since"], found["since_run"], found["last_run"]) == (4, killed, True, record(archive_path))
    assert found["imports"] == [new_import(calls, "android", 7, [CALLS_CODES, CALLS_ASSUMED], [])]
    assert found["not_finished"] == [
        {"started_at": killed, "inbox": str(office), "followed_by": None, "running": False}
    ]
    lines = cli("status").stdout.splitlines()
    assert lines[0] == f"Imported by the archive run of {times.display(killed, TZ)} and since: 1 file"
    at = lines.index("  import 1, calls-20240301.xml:")
    assert lines[at + 1 : at + 3] == [f"    assumed: {CALLS_CODES}", f"    assumed: {CALLS_ASSUMED}"]
    said = (
        f"The archive run of {office} started at {times.display(killed, TZ)} {STOPPED}, and no run has finished"
        " since: what it imported is listed as new above; the next archive run takes up the rest"
    )
    assert said in lines
    assert lines[-1] == (
        "Needs you: 1 conversation to file or set aside; 2 assumptions no earlier import made; 1 run that did not"
        " finish; 2 matters with messages in no transcript."
    )

    # A run that could not start keeps the killed run's start on the record: status says both.
    in_the_way = office / "sms-20240301.xml"
    assert cli("archive", office, "--out", in_the_way).exit_code == 1
    assert record(archive_path) == before | {
        "started": [{"started_at": killed, "inbox": str(office)}],
        "not_run": record(archive_path)["not_run"],
    }
    code, found = run_status(cli)
    assert (code, found["since"], [i["import"] for i in found["imports"]]) == (4, killed, [1])
    assert found["not_run"]["reason"] == f"{in_the_way}: a file is in the way; --out must be a folder"
    assert said in cli("status").stdout.splitlines()

    # The next run says the killed run did not finish, with what it imported and assumed (cron's only trace of it).
    logged = len(Path(f"{archive_path}.log").read_text(encoding="utf-8").splitlines())
    r = cli("archive", office, "--out", out)
    assert r.exit_code == 0, r.output
    sms = imports(archive_path)[2]
    expected = [
        f"archive {office}: 1 imported, 1 already archived, 0 identical to an earlier import, 0 still being written,"
        " 0 failed, 2 transcripts rendered",
        f"  the archive run of {office} started at {times.display(killed, TZ)} {STOPPED}; imported from its start"
        " until this run: 1 file",
        f"    import 1, {calls['path']}: android, added 7, already present 0, updated 0",
        f"      assumed: {CALLS_CODES}",
        f"      assumed: {CALLS_ASSUMED}",
        f"  imported {sms['path']}: android, added 16, already present 0, updated 0",
        f"    assumed: {SMS_ASSUMED}",
        f"    assumed: {SMS_CODES}",
    ] + [f"    warning: {w}" for w in SMS_WARNED]
    assert r.stdout.splitlines()[: len(expected)] == expected
    assert log_since(archive_path, logged)[: len(expected)] == expected
    # (the conversation the killed run's import made is new to this run too: it names it)
    assert (
        "  new conversation 3 ((private number); android) is not filed: textfile file 3 --matter REF, or textfile"
        " conversation ignore 3" in r.stdout.splitlines()
    )
    finished = record(archive_path)
    assert finished == {
        "archive": before["archive"],
        "inbox": str(office),
        "started_at": finished["started_at"],
        "finished_at": finished["finished_at"],
        "imports": [2],
        "failed": [],
        "render_failed": [],
        "waiting": [],
        "problems": [],
        "exit_code": 0,
        "not_finished": [{"started_at": killed, "inbox": str(office), "imports": [1]}],
    }
    assert killed < finished["started_at"] <= sms["started_at"]

    # status after it: new still counts from the killed run's start, its import and assumptions included.
    code, found = run_status(cli)
    assert (code, found["since"], found["last_run"]) == (4, killed, finished)
    assert found["imports"] == [
        new_import(calls, "android", 7, [CALLS_CODES, CALLS_ASSUMED], []),
        new_import(sms, "android", 16, [SMS_ASSUMED, SMS_CODES], SMS_WARNED, [SMS_CODES]),
    ]
    assert found["not_finished"] == [
        {"started_at": killed, "inbox": str(office), "followed_by": finished["started_at"], "running": False}
    ]
    lines = cli("status").stdout.splitlines()
    assert lines[0] == f"Imported by the archive run of {times.display(killed, TZ)} and since: 2 files"
    at = lines.index("  import 1, calls-20240301.xml:")
    assert lines[at + 1 : at + 3] == [f"    assumed: {CALLS_CODES}", f"    assumed: {CALLS_ASSUMED}"]
    assert (
        f"The archive run of {office} started at {times.display(killed, TZ)} {STOPPED}; the run started at"
        f" {times.display(finished['started_at'], TZ)} has finished since: what it imported is listed as new above"
    ) in lines
    assert lines[-1] == "Needs you: 4 conversations to file or set aside; 3 assumptions no earlier import made."

    # The run after that reported them: new counts from its own start again, as after any run.
    assert cli("archive", office, "--out", out, "--quiet").exit_code == 0
    code, found = run_status(cli)
    assert (found["since"], found["imports"], "not_finished" in found) == (
        record(archive_path)["started_at"],
        [],
        False,
    )
    assert "not_finished" not in record(archive_path)


def test_two_runs_killed_in_a_row_then_one_that_finishes(cli, office, tmp_path, archive_path, monkeypatch):
    """The second killed run carries the first's start: the run that finishes names both, each with the
    imports made from its start to the next's, and new counts from the first."""
    out = tmp_path / "out"
    killed_run(cli, monkeypatch, office, out, at_import=2)  # (calls-20240301.xml imported)
    first = record(archive_path)["started"][0]["started_at"]
    killed_run(cli, monkeypatch, office, out, at_import=1)  # (nothing imported)
    second = record(archive_path)["started"][1]["started_at"]
    assert record(archive_path)["started"] == [
        {"started_at": first, "inbox": str(office)},
        {"started_at": second, "inbox": str(office)},
    ]
    code, found = run_status(cli)
    assert (code, found["since"], [i["import"] for i in found["imports"]]) == (4, first, [1])
    assert found["not_finished"] == [
        {"started_at": first, "inbox": str(office), "followed_by": None, "running": False},
        {"started_at": second, "inbox": str(office), "followed_by": None, "running": False},
    ]
    assert cli("status").stdout.splitlines()[-1] == (
        "Needs you: 1 conversation to file or set aside; 2 assumptions no earlier import made; 2 runs that did not"
        " finish; 2 matters with messages in no transcript."
    )

    r = cli("archive", office, "--out", out)
    assert r.exit_code == 0, r.output
    calls = imports(archive_path)[1]
    assert r.stdout.splitlines()[1:6] == [
        f"  the archive run of {office} started at {times.display(first, TZ)} {STOPPED}; imported from its start"
        " until this run: 1 file",
        f"    import 1, {calls['path']}: android, added 7, already present 0, updated 0",
        f"      assumed: {CALLS_CODES}",
        f"      assumed: {CALLS_ASSUMED}",
        f"  the archive run of {office} started at {times.display(second, TZ)} {STOPPED}; nothing was imported from"
        " its start until this run",
    ]
    finished = record(archive_path)
    assert finished["not_finished"] == [
        {"started_at": first, "inbox": str(office), "imports": [1]},
        {"started_at": second, "inbox": str(office), "imports": []},
    ]
    code, found = run_status(cli)
    assert (found["since"], [i["import"] for i in found["imports"]]) == (first, [1, 2])
    assert found["not_finished"] == [
        {"started_at": first, "inbox": str(office), "followed_by": finished["started_at"], "running": False},
        {"started_at": second, "inbox": str(office), "followed_by": finished["started_at"], "running": False},
    ]


def test_a_run_still_going_on_is_said_to_be_running_not_stopped(cli, office, tmp_path, archive_path, monkeypatch):
    """status while a run holds the run lock: its start is on the record as a killed run's is, and it is
    said to be running, needing no one."""
    killed_run(cli, monkeypatch, office, tmp_path / "out", at_import=1)  # (its start marked, nothing imported)
    started = record(archive_path)["started"][0]["started_at"]
    with weekly.run_lock(archive_path, wait=False):
        code, found = run_status(cli)
        lines = cli("status").stdout.splitlines()
    assert (code, found["since"], found["imports"]) == (0, started, [])
    assert found["not_finished"] == [
        {"started_at": started, "inbox": str(office), "followed_by": None, "running": True}
    ]
    assert lines == [
        f"Nothing imported by the archive run of {times.display(started, TZ)} and since.",
        f"The archive run of {office} started at {times.display(started, TZ)} is still running: it has imported"
        " nothing yet",  # (nothing listed above: round 7, H)
        "Nothing needs you.",
    ]
    # The lock let go, the same record is a run that did not finish.
    code, found = run_status(cli)
    assert (code, found["not_finished"][0]["running"]) == (4, False)
    assert cli("status").stdout.splitlines()[-1] == "Needs you: 1 run that did not finish."


def test_a_run_refused_by_the_archives_checks_keeps_the_killed_runs_start(
    cli, office, tmp_path, archive_path, monkeypatch
):
    """A run that imports nothing because the archive fails its checks still finishes and records: its
    record keeps the killed run's start, so the killed run's imports stay new."""
    out = tmp_path / "out"
    killed_run(cli, monkeypatch, office, out, at_import=2)  # (calls-20240301.xml imported)
    killed = record(archive_path)["started"][0]["started_at"]
    with monkeypatch.context() as patch:
        patch.setattr(weekly_run.audit, "verify", lambda conn, path: ["the audit log was rewritten"])
        r = cli("archive", office, "--out", out, "--json")
    report = json.loads(r.stdout)
    calls = imports(archive_path)[1]
    assert (r.exit_code, report["imported"], report["problems"][1:]) == (3, [], ["the audit log was rewritten"])
    assert report["not_finished"] == [
        {
            "started_at": killed,
            "inbox": str(office),
            "imports": [
                {
                    "import": 1,
                    "path": calls["path"],
                    "file_name": "calls-20240301.xml",
                    "format": "android",
                    "started_at": calls["started_at"],
                    "added": 7,
                    "already_present": 0,
                    "updated": 0,
                    "assumptions": [CALLS_CODES, CALLS_ASSUMED],
                    "warnings": [],
                }
            ],
        }
    ]
    refused = record(archive_path)
    assert (refused["exit_code"], refused["not_finished"]) == (
        3,
        [{"started_at": killed, "inbox": str(office), "imports": [1]}],
    )
    code, found = run_status(cli)
    assert (code, found["since"], found["imports"]) == (
        4,
        killed,
        [new_import(calls, "android", 7, [CALLS_CODES, CALLS_ASSUMED], [])],
    )
    assert found["not_finished"] == [
        {"started_at": killed, "inbox": str(office), "followed_by": refused["started_at"], "running": False}
    ]


def test_a_run_stopped_by_a_busy_archive_says_so_not_killed(cli, office, tmp_path, archive_path, monkeypatch):
    """A run that began and met an error it could not go past (the archive held by another command for longer than the
    wait: second reader, round 6, #6) says the error (one line, exit 1) and leaves it in the log and on its start in the
    record: status and the next run say it stopped on that, not that it was killed; what it imported before is taken
    up by the next run as a killed run's is."""
    from textfile.errors import ArchiveBusy

    out = tmp_path / "out"
    busy = f"{archive_path}: another textfile command has been writing to the archive for over 60 s; try again when it has finished"
    real, started = weekly_run.import_path, []

    def import_path(*args, **kwargs):  # (the second import meets the archive held by another command)
        started.append(args[1])
        if len(started) == 2:
            raise ArchiveBusy(busy)
        return real(*args, **kwargs)

    logged = 0
    with monkeypatch.context() as patch:
        patch.setattr(weekly_run, "import_path", import_path)
        r = cli("archive", office, "--out", out, "--mkdir", "--quiet")
    assert (r.exit_code, r.stdout, r.stderr) == (1, "", f"Error: {busy}\n")
    [start] = record(archive_path)["started"]
    assert start == {"started_at": start["started_at"], "inbox": str(office), "stopped": busy}
    assert log_since(archive_path, logged) == [
        f"archive {office}: stopped: {busy}; the next run takes up what it imported"
    ]
    stopped = f"did not finish (stopped: {busy})"

    code, found = run_status(cli)
    assert found["not_finished"] == [
        {
            "started_at": start["started_at"],
            "inbox": str(office),
            "followed_by": None,
            "running": False,
            "stopped": busy,
        }
    ]
    said = f"The archive run of {office} started at {times.display(start['started_at'], TZ)} {stopped}, and no run"
    assert any(line.startswith(said) for line in cli("status").stdout.splitlines())
    assert not any(STOPPED in line for line in cli("status").stdout.splitlines())

    logged = len(Path(f"{archive_path}.log").read_text(encoding="utf-8").splitlines())
    again = cli("archive", office, "--out", out)
    assert again.exit_code == 0, again.output
    calls = imports(archive_path)[1]
    assert (
        f"  the archive run of {office} started at {times.display(start['started_at'], TZ)} {stopped}; imported from"
        " its start until this run: 1 file" in log_since(archive_path, logged)
    )
    assert record(archive_path)["not_finished"] == [
        {"started_at": start["started_at"], "inbox": str(office), "imports": [calls["id"]], "stopped": busy}
    ]


def test_a_run_stopped_before_it_imported_anything_says_nothing_was(cli, office, tmp_path, archive_path, monkeypatch):
    """Status of a run killed before its first import said "what it imported is listed as new above" over an empty
    list (second reader, round 7, H)."""
    killed_run(cli, monkeypatch, office, tmp_path / "out", at_import=1)
    [start] = record(archive_path)["started"]
    lines = cli("status").stdout.splitlines()
    assert (
        f"The archive run of {office} started at {times.display(start['started_at'], TZ)} {STOPPED}, and no run has"
        " finished since: nothing was imported since it started; the next archive run takes up the rest"
    ) in lines
    assert not any("listed as new above" in line for line in lines)


def test_a_quiet_run_still_says_an_earlier_run_did_not_finish(cli, office, tmp_path, archive_path, monkeypatch):
    """Under --quiet (cron, whose mail is often the only trace) the run after a killed one says it, a line on stderr,
    and nothing else that is not an error (second reader, round 9, #6)."""
    out = tmp_path / "out"
    killed_run(cli, monkeypatch, office, out, at_import=2)  # (calls-20240301.xml imported)
    [start] = record(archive_path)["started"]
    r = cli("archive", office, "--out", out, "--quiet")
    assert (r.exit_code, r.stdout) == (0, "")
    assert r.stderr == (
        f"the archive run of {office} started at {times.display(start['started_at'], TZ)} {STOPPED}; imported from"
        " its start until this run: 1 file (textfile status says more)\n"
    )
    # said once: the run after that has nothing to say
    again = cli("archive", office, "--out", out, "--quiet")
    assert (again.exit_code, again.stdout, again.stderr) == (0, "", "")
