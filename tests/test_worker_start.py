"""The processes a command starts (the rendering workers, the reading process) import the installed
package wherever the command runs: a `textfile/` folder in the current directory (a clone in
$HOME, where cron starts) is never imported. A worker that cannot start ends the command with one
`Error:` line and exit 1, never a loop of respawned workers.

Each test runs the installed console script in its own session, from such a folder, with a time
limit: before the fix these commands never ended."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_reader_process import in_session

from textfile.archive import Archive
from textfile.transcript import SMALL, render

TEXTFILE = Path(sys.executable).with_name("textfile")  # the console script `pip install` made
PAST = time.time() - 3600
LIMIT_S = 120  # a few seconds when it works; before the fix, for ever

pytestmark = pytest.mark.skipif(
    render.default_workers() < 2, reason="one core: transcripts are rendered without a pool"
)

# What a `textfile/` folder in the current directory may look like: a clone (the package one level
# down, so `textfile` there is a namespace package without __version__), or a package of that name.
SHADOWS = {
    "clone": {
        "textfile/textfile/__init__.py": '"""textfile: an older clone."""\n',
        "textfile/README.md": "# textfile\n",
    },
    "package": {"textfile/__init__.py": '"""Not the installed textfile."""\n'},
}


@pytest.fixture(params=sorted(SHADOWS))
def home(request, tmp_path) -> Path:
    """A folder holding a `textfile/` subfolder, to run the commands from."""
    folder = tmp_path / "home"
    for name, text in SHADOWS[request.param].items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


def android_backup(path: Path, messages: int) -> Path:
    """An "SMS Backup & Restore" file of `messages` SMS with Sam Client, one a minute, last written an hour ago."""
    # <sms protocol="0" address="+12025550143" date="1709312400000" type="1" subject="null" body="Hi Alex" ... contact_name="Sam Client" />
    rows = "".join(
        f'  <sms protocol="0" address="+12025550143" date="{1709312400000 + n * 60000}" type="{1 + n % 2}" subject="null"'
        f' body="message {n} about the lease and the deposit" read="1" status="-1" locked="0" date_sent="0" contact_name="Sam Client" />\n'
        for n in range(messages)
    )
    path.write_text(
        f"<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<smses count=\"{messages}\">\n{rows}</smses>\n"
    )
    os.utime(path, (PAST, PAST))
    return path


@pytest.fixture
def office(cli, tmp_path) -> Path:
    """An archive with Sam Client's matter M-1, and an inbox holding a backup of more messages with
    Sam than a transcript renders without its pool of workers."""
    cli("client", "add", "Sam Client", "--phone", "202-555-0143")
    cli("matter", "open", "M-1", "--client", "Sam Client", "--title", "Lease")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    android_backup(inbox / "sms-20240301.xml", SMALL + 50)
    return inbox


def textfile(archive_path: Path, *args, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """The console script run from `cwd` in a session of its own; fails the test when it runs
    past LIMIT_S or leaves a process behind (a worker, the forkserver)."""
    environ = {k: v for k, v in os.environ.items() if k not in ("PYTHONSAFEPATH", "PYTHONPATH", "TEXTFILE_DEBUG")} | (
        env or {}
    )
    proc = subprocess.Popen(
        [str(TEXTFILE), "--archive", str(archive_path), *map(str, args)],
        cwd=cwd,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=LIMIT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
        pytest.fail(
            f"textfile {' '.join(map(str, args))} still running after {LIMIT_S} s; stderr ends:\n{stderr[-3000:]}"
        )
    gone_by = time.monotonic() + 15
    while in_session(proc.pid) and time.monotonic() < gone_by:
        time.sleep(0.1)
    assert in_session(proc.pid) == [], "a process of the command outlived it"
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


def verified(cli, pdf: str) -> None:
    r = cli("verify", pdf)
    assert r.exit_code == 0 and "matches the archive" in r.stdout, r.output


def partial_files(*folders: Path) -> list[Path]:
    return [p for folder in folders if folder.exists() for p in folder.rglob("*.partial")]


def test_a_transcript_from_a_folder_holding_textfile(cli, office, home, tmp_path, archive_path):
    assert cli("import", office / "sms-20240301.xml").exit_code == 0
    out = tmp_path / "out.pdf"
    r = textfile(archive_path, "transcript", "M-1", "--out", out, "--json", cwd=home)
    assert (r.returncode, r.stderr) == (0, "")
    made = json.loads(r.stdout)
    assert (made["path"], made["messages"], made["chunks"], made["render"]["processes"]) == (str(out), SMALL + 50, 2, 2)
    verified(cli, out)
    assert partial_files(tmp_path, home) == []


def test_the_weekly_run_from_a_folder_holding_textfile(cli, office, home, tmp_path, archive_path):
    """cron's line: the weekly run from $HOME. (A source big enough for the reading process would
    have started the forkserver without the rendering modules, and hidden the hang.)"""
    out = tmp_path / "transcripts"
    r = textfile(archive_path, "archive", "--mkdir", office, "--out", out, "--wait", "--json", cwd=home)
    assert (r.returncode, r.stderr) == (0, "")
    report = json.loads(r.stdout)
    assert [(Path(i["path"]).name, i["added"]) for i in report["imported"]] == [("sms-20240301.xml", SMALL + 50)]
    assert report["failed"] == report["render_failed"] == []
    [rendered] = report["rendered"]
    assert (rendered["matter"], rendered["messages"]) == ("M-1", SMALL + 50)
    verified(cli, rendered["path"])
    assert f"rendered M-1: {rendered['path']}" in Path(f"{archive_path}.log").read_text()
    assert partial_files(out, home) == []


@pytest.fixture(params=["ImportError", "OSError"])
def broken_weasyprint(request, tmp_path) -> tuple[dict, str]:
    """An environment in which a rendering worker cannot start, and the reason it gives: the
    WeasyPrint it finds first fails to import, as WeasyPrint does when Pango is missing (OSError)
    or a module is. The main process never imports WeasyPrint when it has a pool: only workers meet it."""
    folder = tmp_path / "broken"
    (folder / "weasyprint").mkdir(parents=True)
    (folder / "weasyprint" / "__init__.py").write_text(
        f"raise {request.param}(\"cannot load library 'libpango-1.0-0'\")\n"
    )
    return {"PYTHONPATH": str(folder)}, f"{request.param}: cannot load library 'libpango-1.0-0'"


def test_a_worker_that_cannot_start_ends_the_transcript(cli, office, tmp_path, archive_path, broken_weasyprint):
    assert cli("import", office / "sms-20240301.xml").exit_code == 0
    out = tmp_path / "out.pdf"
    env, cause = broken_weasyprint
    r = textfile(archive_path, "transcript", "M-1", "--out", out, "--quiet", cwd=tmp_path, env=env)
    assert (r.returncode, r.stdout, r.stderr) == (
        1,
        "",
        f"Error: a rendering process could not start ({cause}); nothing was written\n",
    )
    assert not out.exists() and partial_files(tmp_path) == []
    with Archive.open(archive_path) as archive:
        assert archive.conn.execute("SELECT count(*) FROM transcripts").fetchone()[0] == 0


def test_a_worker_that_cannot_start_ends_the_weekly_run(cli, office, tmp_path, archive_path, broken_weasyprint):
    out = tmp_path / "transcripts"
    env, cause = broken_weasyprint
    r = textfile(archive_path, "archive", "--mkdir", office, "--out", out, "--wait", "--quiet", cwd=tmp_path, env=env)
    reason = f"a rendering process could not start ({cause}); nothing was written"
    assert (r.returncode, r.stdout, r.stderr) == (1, "", f"Error: transcript of M-1: {reason}\n")
    assert f"  FAILED transcript of M-1: {reason}\n" in Path(f"{archive_path}.log").read_text()  # cron's only trace
    assert list(out.iterdir()) == [] and partial_files(tmp_path) == []
    with open(f"{archive_path}.lock") as lock:  # free: the next run need not wait
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    # The export went in; the next run, where WeasyPrint works, renders the matter.
    r = textfile(archive_path, "archive", "--mkdir", office, "--out", out, "--json", cwd=tmp_path)
    assert r.returncode == 0 and [x["matter"] for x in json.loads(r.stdout)["rendered"]] == ["M-1"]


def test_a_worker_killed_mid_transcript_ends_it(cli, office, tmp_path, archive_path):
    """A worker that dies (the kernel's out-of-memory killer, say) ends the transcript with one
    error; a pool would have started another and waited for ever for the chunk it lost."""
    import multiprocessing
    import threading

    from textfile.errors import TextfileError
    from textfile.transcript import make_transcript

    assert cli("import", office / "sms-20240301.xml").exit_code == 0
    out = tmp_path / "out.pdf"

    def kill_the_workers(done, total):
        for child in multiprocessing.active_children():
            try:
                os.kill(child.pid, signal.SIGKILL)
            except (
                ProcessLookupError
            ):  # (one that ended between the listing and the kill: the test's race, not textfile's)
                pass

    outcome = {}

    def make():
        with Archive.open(archive_path) as archive:
            try:
                outcome["made"] = make_transcript(
                    archive, matter="M-1", out=out, workers=2, chunk_size=50, progress=kill_the_workers
                )
            except TextfileError as exc:
                outcome["error"] = str(exc)

    thread = threading.Thread(target=make, daemon=True)
    thread.start()
    thread.join(LIMIT_S)
    assert not thread.is_alive(), f"still rendering after {LIMIT_S} s"
    assert outcome == {"error": "a rendering process ended unexpectedly (killed by SIGKILL); nothing was written"}
    assert multiprocessing.active_children() == []
    assert not out.exists() and partial_files(tmp_path) == []
    with Archive.open(archive_path) as archive:
        assert archive.conn.execute("SELECT count(*) FROM transcripts").fetchone()[0] == 0
