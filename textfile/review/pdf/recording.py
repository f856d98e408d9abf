"""Where a report goes, and the report recorded: one write transaction, then the file in place.

The file is never written over another, nor at a path the archive records for a transcript or a
report (the file gone: taking its name would make that one read as altered). It is written 0600 to a
hidden partial file beside its name, made before anything renders (`transcript.output.partial_file`:
a place that cannot be written is refused at once), and given its name by a hard link, which never
replaces a file that appeared meanwhile. In the write transaction the Bates counter is checked again
(a transcript or report may have taken numbers meanwhile: then this one is refused and writes
nothing), the report recorded with the flags it lists and their states, its numbers taken, and one
audit entry appended; the file takes its name last, and is removed again if the transaction fails.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from textfile.errors import Conflict, InvalidInput
from textfile.transcript.recording import on_record

if TYPE_CHECKING:
    from textfile.archive import Archive
    from textfile.review.pdf.contents import Contents
    from textfile.transcript.made import Made


def destination(conn, out: str | os.PathLike) -> Path:
    """Where the report goes: `--pdf` as given, refused when it names a folder, a file that exists, a
    folder that does not, or a path the archive records for another transcript or report."""
    given = os.fspath(out)
    if not given.strip() or given.endswith(tuple(filter(None, (os.sep, os.altsep)))):
        raise InvalidInput(f"--pdf {given!r} names no file: give the report's file name (REPORT.pdf)")
    path = Path(given).expanduser()
    if path.is_dir():
        raise InvalidInput(f"{path} is a folder: give the report's file name (--pdf {path / 'review.pdf'})")
    if path.exists() or path.is_symlink():
        raise Conflict(f"{path} already exists; a review report is never written over a file (choose another --pdf)")
    from textfile.transcript.output import recorded_paths

    if str(path.absolute()) in recorded_paths(conn):
        raise Conflict(
            f"{path} is where the archive records an earlier transcript or report, whose file is gone: choose another --pdf"
        )
    if not path.parent.is_dir():
        raise InvalidInput(f"cannot write {path}: the folder {path.parent} does not exist")
    return path.absolute()


def record(archive: Archive, contents: Contents, made: Made, made_by: str, zone: str, partial: Path) -> None:
    """The report recorded with the flags it lists and their states, its Bates numbers taken, the audit
    entry appended, the file put in place, in one write transaction (transcript.recording.on_record)."""
    on_record(
        archive,
        made,
        partial,
        "a transcript or report took Bates numbers from {first} on while this report was made; nothing was written"
        " (run it again)",
        lambda w: _insert(w, contents, made, made_by, zone),
        "review report",
        entry(contents, made, made_by),
        "report",
    )


def _insert(w, contents: Contents, made: Made, made_by: str, zone: str) -> None:
    w.execute(
        "INSERT INTO review_reports (uuid, path, pdf_sha256, manifest_sha256, pages, bates_prefix, bates_first,"
        " bates_last, matter_id, client_id, zone, filters, flags, created_at, created_by)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            made.id,
            str(made.path),
            made.pdf_sha256,
            made.manifest_sha256,
            made.pages,
            made.prefix,
            made.first_number,
            made.last_number,
            contents.scope.matter_id,
            contents.scope.client_id,
            zone,
            json.dumps(contents.filters.as_dict(), sort_keys=True),
            json.dumps([[f.id, f.state] for f in contents.flags]),
            made.generated_at,
            made_by,
        ),
    )


def entry(contents: Contents, made: Made, made_by: str) -> dict:
    """The audit entry's details: what the report's record says, for `verify` to hold it against."""
    from textfile.transcript import pdf

    return {
        "report": made.id,
        "path": str(made.path),
        "matter": contents.scope.matter,
        "client": contents.scope.client,
        "filters": contents.filters.as_dict(),
        "pdf_sha256": made.pdf_sha256,
        "manifest_sha256": made.manifest_sha256,
        "pages": made.pages,
        "flags": [[f.id, f.state] for f in contents.flags],
        "bates_first": pdf.bates(made.prefix, made.first_number),
        "bates_last": pdf.bates(made.prefix, made.last_number),
        "by": made_by,
    }
