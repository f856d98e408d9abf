"""The transcripts the archive records, and their files: checked, moved, deleted on purpose.

A transcript file is checked against the archive by its embedded manifest (`manifest.verify_pdf`),
and matches only an archive whose record of its changes (the audit log) holds. A file found at a
new place while the one the archive records is gone was moved: `verify --moved` records where it
is now. A transcript deleted on purpose is recorded as such, with the reason, audited: no longer
reported missing, and vouching for nothing. Each move and each deletion recorded is returned as a
typed result (`Moved`, `Deleted`) whose JSON form is also the audit entry's details.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from textfile import audit, times
from textfile.archive import Archive
from textfile.errors import Conflict, InvalidInput, NotFound
from textfile.results import Result, json_name

if TYPE_CHECKING:
    from textfile.transcript.manifest import PdfCheck


@dataclass(slots=True, eq=False)
class Moved(Result):
    """A transcript recorded at its new place (`verify --moved`): its id, where it was, where it is."""

    transcript: str
    from_: str = json_name("from")
    to: str


@dataclass(slots=True, eq=False)
class Deleted(Result):
    """A transcript recorded as deleted on purpose (`verify --deleted`): its id, its recorded path, when it
    was made, the reason given (None: none), when and by whom it was recorded."""

    transcript: str
    path: str
    made: str
    reason: str | None
    at: str
    by: str


def verify_pdfs(archive: Archive, paths: list[str | os.PathLike]) -> list[PdfCheck]:
    """Each transcript file checked against the archive (manifest.verify_pdf). A path that is no
    file is a mistake in the command (NotFound / InvalidInput: exit 1), not a failed check (exit 3).
    `recorded_gone`: the archive records the transcript at another path, where it no longer is
    (nothing there, or another file)."""
    from textfile.transcript.manifest import verify_pdf

    for path in map(Path, paths):
        if not path.exists():
            raise NotFound(f"{path}: no such file")
        if not path.is_file():
            raise InvalidInput(f"{path}: not a file (a transcript is a PDF file)")
    from textfile.integrity.reports import ReportCheck, is_report, verify_report  # (a review report: issue 18)
    from textfile.lifecycle.disposal.records import CertificateCheck, is_certificate, verify_certificate  # (issue 19)

    reports = [
        (verify_certificate if is_certificate(p) else verify_report if is_report(archive.conn, p) else verify_pdf)(
            archive.conn, archive.settings.archive_id, p
        )
        for p in paths
    ]
    chain = [f"the archive's audit log: {problem}" for problem in audit.verify(archive.conn, archive.path)]
    for r in reports:
        if chain:  # a transcript matches only an archive whose record of its changes holds
            r.problems += chain
            r.ok, r.matches = False, None
        if isinstance(r, ReportCheck | CertificateCheck):
            continue
        recorded = r.recorded_path
        r.recorded_gone = bool(recorded and recorded != str(Path(r.path).resolve()) and not _holds(recorded, r.sha256))
        _redactions_withdrawn(archive.conn, r)
    return reports


def _redactions_withdrawn(conn, r) -> None:
    """A production's PDF checked alone: the redactions the production applied to what it shows, withdrawn since
    (its words are withheld in it, and shown by a production made now), as `verify DIR` says them."""
    from textfile.produce.check import redactions_withdrawn

    if not isinstance(r.sha256, str):  # (NOT_REACHED: no file hash, no production to find)
        return
    found = conn.execute(
        "SELECT pf.production_id, t.id FROM production_files pf JOIN transcripts t ON t.pdf_sha256 = pf.sha256"
        " WHERE pf.sha256 = ? AND pf.kind = 'pdf' LIMIT 1",
        (r.sha256,),
    ).fetchone()
    if found is not None:
        r.redactions_withdrawn = redactions_withdrawn(conn, found[0], found[1])


def _holds(path: str, sha: str) -> bool:
    """Whether the file at `path` has this sha256 (an unreadable or missing file does not)."""
    from textfile.fingerprint import file_sha256

    try:
        return file_sha256(path) == sha
    except OSError:
        return False


def record_deleted(archive: Archive, paths: list, reason: str | None) -> list[Deleted]:
    """Record that the transcripts recorded at `paths` were deleted on purpose (all or none), audited
    with the reason: no longer reported missing, and vouching for nothing (integrity.transcript_states).
    Refused: a path no transcript is recorded at, one whose file is still there, one recorded already."""
    done = []
    with archive.transaction() as conn:
        for given in paths:
            path = Path(given).expanduser().absolute()
            row = conn.execute(
                "SELECT t.id, t.uuid, t.created_at, r.transcript_id AS deleted FROM transcripts t"
                " LEFT JOIN transcript_retirements r ON r.transcript_id = t.id WHERE t.path = ?",
                (str(path),),
            ).fetchone()
            if row is None:
                raise NotFound(
                    f"{path}: no transcript is recorded there (textfile verify names the missing ones where they were)"
                )
            if row["deleted"] is not None:
                raise Conflict(f"{path}: already recorded as deleted on purpose")
            if path.exists():
                raise Conflict(
                    f"{path} is still there: a transcript is recorded as deleted once its file is gone (if it was moved"
                    " elsewhere, textfile verify --moved NEW.pdf records where)"
                )
            record = Deleted(
                row["uuid"],
                str(path),
                row["created_at"],
                (reason or "").strip() or None,
                times.now_iso(),
                audit.current_user(),
            )
            conn.execute(
                "INSERT INTO transcript_retirements (transcript_id, reason, retired_at, retired_by) VALUES (?, ?, ?, ?)",
                (row["id"], record.reason, record.at, record.by),
            )
            audit.append(conn, "transcript deleted", record.to_json())
            done.append(record)
    return done


def record_moves(archive: Archive, reports: list[PdfCheck]) -> list[Moved]:
    """For each transcript that verified at a new place while its recorded file is gone (moved or
    renamed), record where it is now, audited. A copy beside an original still in place moves nothing."""
    moves = []
    with archive.transaction() as conn:
        for r in reports:
            if not r.ok or not r.recorded_gone:
                continue
            move = Moved(r.transcript, r.recorded_path, str(Path(r.path).resolve()))
            conn.execute("UPDATE transcripts SET path = ? WHERE uuid = ?", (move.to, move.transcript))
            audit.append(conn, "transcript moved", move.to_json())
            moves.append(move)
    return moves
