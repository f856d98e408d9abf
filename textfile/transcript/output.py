"""Where a transcript's file goes: its name, its folder, and how it takes its place.

A transcript is never written over a file, nor at a path the archive records for another
transcript whose file is gone. It is written to a hidden partial file beside its final name, made
before any rendering (a place that cannot be written is refused at once, not after minutes of
work), and given its name by a hard link, which never replaces a file that appeared meanwhile.
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from pathlib import Path

from textfile import scratch
from textfile.errors import Conflict, InvalidInput


def default_name(day: str, client: str, matter: str | None, privileged: bool = False) -> str:
    """`YYYY-MM-DD_<client>_<matter>_transcript.pdf`; `…_transcript_PRIVILEGED.pdf` for one that
    shows privileged notes (`--include-privileged`), so that it is never taken for a production."""

    def clean(text: str) -> str:
        return re.sub(r"[^\w.-]+", "-", text, flags=re.UNICODE).strip("-.") or "x"

    parts = [day, clean(client)] + ([clean(matter)] if matter else [])
    return "_".join(parts) + ("_transcript_PRIVILEGED.pdf" if privileged else "_transcript.pdf")


def privileged_name(out: str | os.PathLike) -> None:
    """A transcript that shows privileged notes, written to a name of one's choosing (--out), says so in its
    name, as the default one does: it is never taken for a production by its name."""
    name = Path(os.fspath(out)).name
    if "privileged" not in name.lower():
        stem, suffix = os.path.splitext(name)
        raise InvalidInput(
            f"{out}: this transcript shows privileged notes: name it so, with PRIVILEGED in its name"
            f" (e.g. {stem or 'transcript'}_PRIVILEGED{suffix or '.pdf'}), so that it is never taken for a production"
        )


def recorded_paths(conn) -> frozenset[str]:
    """Every path the archive records an output at (transcripts, review reports, disposal certificates):
    a new output never takes one, even when its file is gone (it would then read as that one, altered)."""
    return frozenset(
        p
        for (p,) in conn.execute(
            "SELECT path FROM transcripts UNION SELECT path FROM review_reports UNION SELECT path FROM disposal_certificates"
        )
    )


def output_folder(folder: Path, mkdir: bool, option: str) -> Path:
    """The folder transcripts are written to, as given with `option`: one that does not exist is an
    error naming it (a mistyped path would otherwise become a new folder, and the transcripts be
    looked for elsewhere) unless `mkdir` says to make it, private."""
    if folder.is_dir():
        return folder
    if folder.exists():
        raise InvalidInput(f"{folder}: a file is in the way; {option} must be a folder")
    if not mkdir:
        raise InvalidInput(f"{folder}: no such folder (make it, or give --mkdir to have textfile make it)")
    try:
        for missing in reversed(
            [folder, *(p for p in folder.parents if not p.exists())]
        ):  # (each made private, not by umask)
            missing.mkdir(mode=0o700, exist_ok=True)
    except OSError as exc:
        raise InvalidInput(f"{folder}: cannot create the folder ({exc.strerror or exc})") from None
    return folder


def output_path(
    out: str | os.PathLike | None,
    out_dir: str | os.PathLike | None,
    name: str,
    mkdir: bool = False,
    recorded: frozenset[str] = frozenset(),
    beside: tuple[str, ...] = (),
    kind: str = "transcript",
) -> Path:
    """Where the PDF goes: --out as given, or a free name in --out-dir. Never a file that exists, nor
    a path the archive records for another transcript whose file is gone (moved away: taking its name
    would make that one read as altered, and `verify --moved` could no longer tell them apart). In
    --out-dir a name is free only when the files it may write beside it are too (`beside`: the ends
    of their names after the PDF's stem, ".privilege-log.csv"): a file left there by another is
    passed over, as a taken PDF is; with --out, whoever writes them refuses one in the way.
    `kind`: what the PDF is, as the messages name it (a disposal certificate has no --out-dir)."""
    if out and out_dir:
        raise InvalidInput("give --out or --out-dir, not both")
    if out:
        given = os.fspath(out)
        if given.endswith(tuple(filter(None, (os.sep, os.altsep)))):
            raise InvalidInput(
                f"{given} ends in {given[-1]}, so it names a folder: give the PDF's file name"
                + (f", or use --out-dir {given}" if kind == "transcript" else "")
            )
        path = Path(given).expanduser()
        if path.is_dir():
            raise InvalidInput(
                f"{path} is a folder: give the PDF's file name"
                + (f", or use --out-dir {path}" if kind == "transcript" else "")
            )
        if path.exists() or path.is_symlink():
            raise Conflict(f"{path} already exists; a {kind} is never overwritten (choose another --out)")
        if str(path.absolute()) in recorded:
            raise Conflict(
                f"{path} is where the archive records an earlier transcript, whose file is gone (moved? textfile verify"
                " --moved NEW.pdf records where): choose another --out"
            )
        if not path.parent.exists() and mkdir:
            output_folder(path.parent, mkdir, "--out")
        if not path.parent.exists():
            raise InvalidInput(
                f"cannot write {path}: the folder {path.parent} does not exist (make it, or give --mkdir to have textfile make it)"
            )
        if not path.parent.is_dir():
            raise InvalidInput(f"cannot write {path}: {path.parent} is not a folder")
        return path.absolute()
    folder = output_folder(Path(out_dir or ".").expanduser(), mkdir, "--out-dir")
    stem, suffix = os.path.splitext(name)
    path, n = folder / name, 2
    while _taken(path, recorded, beside):
        path, n = folder / f"{stem}-{n}{suffix}", n + 1
    return path.absolute()


def _taken(path: Path, recorded: frozenset[str], beside: tuple[str, ...]) -> bool:
    """A file is there (or beside it, `beside`), or the archive records a transcript there."""
    return (
        path.exists()
        or str(path.absolute()) in recorded
        or any(path.with_name(path.stem + end).exists() for end in beside)
    )


@contextmanager
def partial_file(path: Path):
    """The hidden file the PDF is written to before it takes its name, made before any rendering:
    a place that cannot be written is refused at once, not after minutes of work. Removed at the
    end; those a killed transcript left in the folder are removed first (`scratch`)."""
    scratch.remove_dead_partials(path.parent)
    partial = scratch.partial_path(path)
    try:
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError as exc:
        raise InvalidInput(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        yield partial
    finally:
        partial.unlink(missing_ok=True)


def place(partial: Path, path: Path, what: str = "transcript") -> None:
    """Give the finished file (a transcript, a review report) its name without ever replacing a file of that name."""
    try:
        os.link(partial, path)
    except FileExistsError:
        raise Conflict(f"{path} appeared while the {what} was being made; nothing was written") from None
    except OSError:  # a file system without hard links
        if path.exists():
            raise Conflict(f"{path} appeared while the {what} was being made; nothing was written") from None
        os.replace(partial, path)
