"""Reading a file only inside the folder it must stay in (an attachments folder, the backup's folder).

Decision: a path is followed only with `..` and links resolved, and checked again as the file is
opened (not through a link, a regular file, and where the system says the open file is), so a link
swapped in between the check and the open cannot lead out. What leads out raises `Outside`; the
caller records it as a missing attachment saying so (attachments.py).
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
from pathlib import Path


class Outside(Exception):
    """A path that leads outside the folder it must stay in (through `..`, a link, or by naming another place)."""


def inside(path: Path, folder: Path) -> str | None:
    """The real path of the file `path` names, None when no file is there; raises Outside when, `..` and
    links resolved, it is not in `folder` (resolved too: a folder linked elsewhere as a whole is fine)."""
    if not os.path.isfile(path):
        return None
    real = os.path.realpath(path)
    if not Path(real).is_relative_to(os.path.realpath(folder)):
        raise Outside(path)
    return real


def read_inside(path: Path, folder: Path) -> bytes | None:
    """The bytes of the file `path` names inside `folder` (`inside`), checked again as it is opened: not
    through a link (O_NOFOLLOW), a regular file, and where the system says the open file is still in
    `folder`, so a link swapped in after the check cannot lead out."""
    real = inside(path, folder)
    if real is None:
        return None
    try:
        fd = os.open(real, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # a link now stands where the check found a file
            raise Outside(path) from None
        raise
    with os.fdopen(fd, "rb") as fp:
        if not stat.S_ISREG(os.fstat(fd).st_mode) or not Path(_opened(fd, real)).is_relative_to(
            os.path.realpath(folder)
        ):
            raise Outside(path)
        return fp.read()


def _opened(fd: int, path: str) -> str:
    """Where the file open as `fd` is, as macOS or Linux says; elsewhere, `path` resolved again."""
    if hasattr(fcntl, "F_GETPATH"):  # macOS
        return os.fsdecode(fcntl.fcntl(fd, fcntl.F_GETPATH, bytes(1024)).split(b"\0", 1)[0])
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return os.path.realpath(path)
