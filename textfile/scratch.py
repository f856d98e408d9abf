"""Where a command keeps its temporary files, and how what a killed command left is removed.

Every run of the command line (`cli.main`) keeps all of its temporary files in one private folder,
`$TMPDIR/textfile-<uid>/run-<pid>-<start>` (0700 in a 0700 folder): a transcript's rendered
parts, an iMessage database's working copy, and multiprocessing's own folder (the forkserver's
socket), which would otherwise be a `pymp-*` folder beside it. The processes the run starts are
given it as their TMPDIR (`processes.start`). The run removes it when it ends; a run that was
killed cannot, so every run first removes the folders whose owner is gone. A folder is named by
its owner's process id and the time that process started (Linux's /proc; where that cannot be
read, 0 and the id alone), so a process that got the id later is not taken for its owner. A
folder whose owner still runs (another command going on at the same time) is never touched.

A transcript is written to a hidden `.<name>.<pid>-<start>.partial` beside its final name, named
the same way; a command that writes into that folder first removes the partial files whose
owner is gone (and those of earlier versions, `.<name>.<pid>.partial`, whose process is gone).

A folder removed while the command runs (a cleaner of /tmp) makes what needed it fail with one
error that says so (`temporary_folder`), never a traceback.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path

from textfile.errors import TextfileError

_RUN = re.compile(r"run-(\d+)-(\d+)")
# .2024-03-01_Sam-Client_M-1_transcript.pdf.31311-8812345.partial (before: ….pdf.31311.partial)
_PARTIAL = re.compile(r"\..+\.(\d+)(?:-(\d+))?\.partial")
_PROC = Path("/proc/self/stat").is_file()

_current: Path | None = None


def started(pid: int) -> int | None:
    """When process `pid` started (clock ticks after the boot; 0 where that cannot be read), or
    None when there is no such process (a zombie is none: it has ended)."""
    if not _PROC:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:  # another user's
            pass
        return 0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return None if fields[0] in ("Z", "X") else int(fields[19])  # (field 3 is the state, field 22 the start)
    except (OSError, IndexError, ValueError):
        return None


def owner() -> str:
    """This process as the owner of a folder or a file: `<pid>-<start>`."""
    return f"{os.getpid()}-{started(os.getpid())}"


def _gone(pid: str, start: str | None) -> bool:
    """Whether the process that named a file is gone (with no start time: whether its id is free)."""
    now = started(int(pid))
    return now is None if start is None else now != int(start)


def current() -> Path | None:
    """This run's folder, or None outside the command line (a library caller's temporary files go
    where its own settings say)."""
    return _current


@contextmanager
def run_folder():
    """This run's private folder, made after those of runs that are gone were removed; every
    temporary file of the run goes in it (`tempfile.tempdir`) until it is removed at the end."""
    global _current
    base = Path(tempfile.gettempdir()) / f"textfile-{os.getuid()}"
    try:
        base.mkdir(mode=0o700, exist_ok=True)
        found = base.lstat()
    except OSError as exc:
        raise TextfileError(f"cannot make the folder for temporary files {base}: {exc.strerror or exc}") from None
    if not stat.S_ISDIR(found.st_mode) or found.st_uid != os.getuid():
        raise TextfileError(
            f"{base} is not a folder of yours; textfile keeps its temporary files there:"
            " remove it, or set TMPDIR to a folder of your own"
        )
    if stat.S_IMODE(found.st_mode) != 0o700:
        base.chmod(0o700)
    mine = f"run-{owner()}"
    for entry in base.iterdir():
        m = _RUN.fullmatch(entry.name)
        if m and entry.name != mine and _gone(*m.groups()):
            shutil.rmtree(entry, ignore_errors=True)  # (one of its processes still writing: the next run finishes)
    folder = base / mine
    try:
        folder.mkdir(mode=0o700)
    except OSError as exc:
        raise TextfileError(f"cannot make the folder for temporary files {folder}: {exc.strerror or exc}") from None
    before, tempfile.tempdir, _current = tempfile.tempdir, str(folder), folder
    try:
        yield folder
    finally:
        tempfile.tempdir, _current = before, None
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def temporary_folder(prefix: str, purpose: str):
    """A private folder (0700) for `purpose` ("the transcript"), removed after. Made in this run's
    folder: when that was removed meanwhile, or this one is while it is in use, whatever fails
    because of it fails as one error that says so."""
    try:
        made = tempfile.mkdtemp(prefix=prefix)
    except OSError as exc:
        raise TextfileError(
            f"cannot make a temporary folder for {purpose} in {tempfile.gettempdir()}: {exc.strerror or exc}"
            "; nothing was written"
        ) from None
    try:
        yield made
    except Exception:
        if not os.path.isdir(made):
            raise TextfileError(
                f"the temporary folder {made} was removed while {purpose} was being made; nothing was written"
            ) from None
        raise
    finally:
        shutil.rmtree(made, ignore_errors=True)


def partial_path(path: Path) -> Path:
    """The hidden file `path` is written to before it takes its name, named by this process."""
    return path.with_name(f".{path.name}.{owner()}.partial")


def remove_dead_partials(folder: Path) -> None:
    """Remove the partial files in `folder` that a process now gone left (a killed transcript's)."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        m = _PARTIAL.fullmatch(entry.name)
        if m and entry.is_file(follow_symlinks=False) and _gone(*m.groups()):
            try:
                os.unlink(entry.path)
            except OSError:
                pass  # removed by another run meanwhile, or not ours to remove
