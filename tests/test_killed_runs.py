"""A command killed mid-work leaves nothing that outlives it: its temporary files are in one
private folder of its run, which the next run removes, with the partial PDF it left; the workers
it leaves end without a word. A temporary folder removed while a command runs ends it with one
`Error:` line. Nothing of a run that is still going on is touched.

Each test runs the installed console script with a TMPDIR of its own, stops it where the issue
says, reads its stderr once every process it started is gone (they inherit it), and runs it again."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_reader_process import in_session
from test_worker_start import LIMIT_S, TEXTFILE, android_backup, office, textfile, verified  # noqa: F401 (office: a fixture)

from textfile import scratch
from textfile.transcript import SMALL, render

pool = pytest.mark.skipif(render.default_workers() < 2, reason="one core: transcripts are rendered without a pool")
COMMANDS = ["transcript", "archive"]


def base(temp_root: Path) -> Path:
    return temp_root / f"textfile-{os.getuid()}"


def left_in(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def start(archive_path: Path, *args, temp_root: Path, stderr: Path) -> subprocess.Popen:
    """The console script started in a session of its own, its stderr (and its workers') to a file."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONSAFEPATH", "PYTHONPATH", "TEXTFILE_DEBUG")} | {
        "TMPDIR": str(temp_root)
    }
    with open(stderr, "w") as err:
        return subprocess.Popen(
            [str(TEXTFILE), "--archive", str(archive_path), *map(str, args)],
            env=env,
            cwd=temp_root,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
        )


def wait_for(proc: subprocess.Popen, stderr: Path, find):
    """What `find()` finds, polled while the command runs."""
    deadline = time.monotonic() + LIMIT_S
    while not (found := find()):
        assert proc.poll() is None, f"the command ended first ({proc.returncode}): {stderr.read_text()}"
        assert time.monotonic() < deadline, f"not found after {LIMIT_S} s"
        time.sleep(0.01)
    return found


def all_gone(session: int) -> None:
    """Wait until no process of the command's session is left (its orphaned workers end by themselves)."""
    gone_by = time.monotonic() + 30
    while in_session(session) and time.monotonic() < gone_by:
        time.sleep(0.05)
    assert in_session(session) == [], "a process of the killed command did not end"


def arguments(command: str, office: Path, out: Path) -> list:
    return (
        ["transcript", "M-1", "--mkdir", "--out-dir", out]
        if command == "transcript"
        else ["archive", "--mkdir", office, "--out", out, "--wait"]
    )


def begin(command: str, cli, office: Path, tmp_path: Path, archive_path: Path, temp_root: Path):
    """`command` started on the office's backup (imported first for a transcript): (the process,
    the output folder, the file its stderr goes to)."""
    if command == "transcript":
        assert cli("import", office / "sms-20240301.xml").exit_code == 0
    out = tmp_path / "transcripts"
    out.mkdir()
    stderr = tmp_path / "stderr"
    return start(archive_path, *arguments(command, office, out), temp_root=temp_root, stderr=stderr), out, stderr


@pool
@pytest.mark.parametrize("command", COMMANDS)
def test_what_a_killed_run_left_is_removed_by_the_next(cli, office, tmp_path, archive_path, temp_root, command):
    proc, out, stderr = begin(command, cli, office, tmp_path, archive_path, temp_root)
    # Mid-render: a worker is writing a rendered part, and has still to hand it over.
    wait_for(proc, stderr, lambda: list(temp_root.rglob("part-*.pdf")))
    proc.kill()
    assert proc.wait() == -signal.SIGKILL
    all_gone(proc.pid)
    assert stderr.read_text() == ""  # the workers it left ended without a traceback
    [dead_run] = base(temp_root).glob(f"run-{proc.pid}-*")  # what it left: its folder (pages rendered), a partial PDF
    [partial] = out.glob(f".*_transcript.pdf.{proc.pid}-*.partial")
    assert any(dead_run.rglob("part-*.pdf")) and partial.name.endswith(f"_transcript.pdf.{dead_run.name[4:]}.partial")

    r = textfile(
        archive_path, *arguments(command, office, out), "--json", cwd=temp_root, env={"TMPDIR": str(temp_root)}
    )
    assert (r.returncode, r.stderr) == (0, "")
    made = json.loads(r.stdout) if command == "transcript" else json.loads(r.stdout)["rendered"][0]
    assert (made["matter"], made["messages"]) == ("M-1", SMALL + 50)
    assert left_in(temp_root) == [base(temp_root).name]  # the dead run's folder gone, and this run's own
    assert stat.S_IMODE(base(temp_root).stat().st_mode) == 0o700
    assert sorted(out.iterdir()) == [Path(made["path"])]  # the partial gone
    verified(cli, made["path"])


@pool
@pytest.mark.parametrize("command", COMMANDS)
def test_a_temporary_folder_removed_midway_ends_the_run_with_one_error(
    cli, office, tmp_path, archive_path, temp_root, command
):
    proc, out, stderr = begin(command, cli, office, tmp_path, archive_path, temp_root)
    [parts] = wait_for(proc, stderr, lambda: list(temp_root.rglob("textfile-transcript-*")))
    while parts.parent.exists():  # a cleaner of /tmp takes the folder the pages are rendered in
        shutil.rmtree(parts.parent, ignore_errors=True)
    assert proc.wait(LIMIT_S) == 1
    all_gone(proc.pid)
    reason = f"the temporary folder {parts} was removed while the transcript was being made; nothing was written"
    assert stderr.read_text() == (
        f"Error: {reason}\n" if command == "transcript" else f"Error: transcript of M-1: {reason}\n"
    )
    assert list(out.iterdir()) == []
    if command == "archive":
        assert f"  FAILED transcript of M-1: {reason}\n" in Path(f"{archive_path}.log").read_text()


def test_a_run_removes_only_what_runs_that_are_gone_left(cli, tmp_path, archive_path, temp_root):
    """Another command going on keeps its folder and its partial file; what is not named as textfile
    names them is left alone; a process id now used by another process owns nothing of before."""
    cli("client", "add", "Sam Client", "--phone", "202-555-0143")
    cli("matter", "open", "M-1", "--client", "Sam Client", "--title", "Lease")
    assert cli("import", android_backup(tmp_path / "sms.xml", 20)).exit_code == 0
    runs, out = base(temp_root), tmp_path / "transcripts"
    runs.mkdir(mode=0o755)
    out.mkdir()
    going_on = subprocess.Popen(["sleep", "60"])
    ended = subprocess.Popen(["true"])
    ended.wait()
    try:
        now, since = going_on.pid, scratch.started(going_on.pid)
        assert since is not None and scratch.started(ended.pid) is None
        kept = [
            runs / f"run-{now}-{since}",
            out / f".a.pdf.{now}-{since}.partial",
            out / f".b.pdf.{now}.partial",
            runs / "notes",
            runs / f"run-{ended.pid}",
            out / ".c.partial",
            out / f"d.pdf.{ended.pid}.partial",
            out / f".e.pdf.x{ended.pid}.partial",
            out / f".f.pdf.{ended.pid}.partial.pdf",
        ]
        removed = [
            runs / f"run-{ended.pid}-{since}",
            runs / f"run-{now}-{since + 1}",
            out / f".g.pdf.{ended.pid}-{since}.partial",
            out / f".h.pdf.{now}-{since + 1}.partial",
            out / f".i.pdf.{ended.pid}.partial",
        ]
        for path in kept + removed:
            if path.parent == runs:
                path.mkdir()
                (path / "part-00000-0.pdf").write_bytes(b"%PDF")
            else:
                path.write_bytes(b"%PDF")
        r = textfile(
            archive_path,
            "transcript",
            "M-1",
            "--mkdir",
            "--out-dir",
            out,
            "--json",
            cwd=tmp_path,
            env={"TMPDIR": str(temp_root)},
        )
        assert (r.returncode, r.stderr) == (0, "")
        made = json.loads(r.stdout)["path"]
        assert sorted(p for p in [*runs.iterdir(), *out.iterdir()]) == sorted(kept + [Path(made)])
        assert all((p / "part-00000-0.pdf").read_bytes() == b"%PDF" for p in kept if p.parent == runs)
        assert stat.S_IMODE(runs.stat().st_mode) == 0o700
    finally:
        going_on.kill()
        going_on.wait()


def test_a_folder_for_temporary_files_that_is_not_ours_is_refused(tmp_path, archive_path, archive, temp_root):
    """Someone else's folder (or a link to one) where textfile would keep its temporary files."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    base(temp_root).symlink_to(elsewhere)
    r = textfile(archive_path, "client", "list", cwd=tmp_path, env={"TMPDIR": str(temp_root)})
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == (
        f"Error: {base(temp_root)} is not a folder of yours; textfile keeps its temporary files there:"
        " remove it, or set TMPDIR to a folder of your own\n"
    )
    assert list(elsewhere.iterdir()) == []


CHILD = """
import multiprocessing, multiprocessing.util, sys, tempfile
from textfile import processes, scratch

def report(conn):
    conn.send((tempfile.gettempdir(), tempfile.mkdtemp(prefix="child-")))

if __name__ == "__main__":
    with scratch.run_folder() as run:
        here = tempfile.mkdtemp(prefix="main-")
        mine, theirs = multiprocessing.get_context(sys.argv[1]).Pipe()
        child = multiprocessing.get_context(sys.argv[1]).Process(target=report, args=(theirs,))
        processes.start(child)
        print(run, here, multiprocessing.util.get_temp_dir(), *mine.recv())
        child.join()
"""


@pytest.mark.parametrize("method", ["forkserver", "spawn"])
def test_the_processes_a_run_starts_keep_their_temporary_files_in_its_folder(tmp_path, temp_root, method):
    """The reading process and the rendering workers (and multiprocessing's own folder, the
    forkserver's socket): all in the run's folder, which is gone when the run ends."""
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONSAFEPATH", "PYTHONPATH")} | {
        "TMPDIR": str(temp_root)
    }
    r = subprocess.run([sys.executable, str(script), method], env=env, capture_output=True, text=True, timeout=LIMIT_S)
    assert (r.returncode, r.stderr) == (0, "")
    run, here, multiprocessing_folder, child_tmp, child_made = r.stdout.split()
    assert Path(run).parent == base(temp_root) and re.fullmatch(r"run-\d+-\d+", Path(run).name)
    assert Path(here).parent == Path(run) and multiprocessing_folder == run
    assert child_tmp == run and Path(child_made).parent == Path(run)
    assert left_in(temp_root) == [base(temp_root).name]
