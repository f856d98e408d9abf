"""A transcript recorded: one write transaction, then the file in place.

In that transaction the Bates counter is checked again (another transcript may have taken numbers
while this one was rendered: then this one is refused and writes nothing), the transcript and each
of its messages with the content hash it shows are recorded, its Bates numbers taken, and the audit
entry appended; the finished file takes its name last, and is removed again if the transaction
fails after that.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textfile import audit
from textfile.errors import Conflict
from textfile.transcript.bates import bates_series, take_bates
from textfile.transcript.output import place

if TYPE_CHECKING:
    from textfile.archive import Archive
    from textfile.transcript.made import Made
    from textfile.transcript.request import Contents, Request


def record(
    archive: Archive,
    request: Request,
    contents: Contents,
    made: Made,
    scope_record: dict,
    partial: Path,
    notes: dict | None = None,
) -> None:
    """The transcript and its messages recorded, its Bates numbers taken, the audit entry appended (with
    `notes`: whether privileged notes were asked for and shown, the privilege log's CSV and its sha256,
    `Appendix.audited`), the file put in place: `on_record`."""
    from textfile.transcript import pdf

    on_record(
        archive,
        made,
        partial,
        "another transcript took Bates numbers from {first} on while this one was made; nothing was written (run it again)",
        lambda w: _record_transcript(w, request, contents, made, scope_record),
        "transcript",
        {
            "transcript": made.id,
            "matter": contents.scope.matter,
            "client": contents.scope.client,
            "from": request.from_at,
            "until": request.until_at,
            "path": str(made.path),
            "pdf_sha256": made.pdf_sha256,
            "manifest_sha256": made.manifest_sha256,
            "pages": made.pages,
            "messages": len(contents.plan.rows),
            "bates_first": pdf.bates(made.prefix, made.first_number),
            "bates_last": pdf.bates(made.prefix, made.last_number),
            **(notes or {}),
        },
    )


def on_record(
    archive: Archive, made: Made, partial: Path, race: str, write, command: str, details: dict, what: str = "transcript"
) -> None:
    """In one write transaction: the Bates counter checked again (`race`, a message naming {first}, when
    another took numbers meanwhile: nothing is written), the caller's records written (`write(w)`), the
    numbers taken, the audit entry appended (`command`, `details`), and the file (a transcript, a review
    report: `what`) put in place; removed again if the transaction fails after that."""
    from textfile.transcript import pdf

    placed = False
    try:
        with archive.transaction() as w:
            if bates_series(w, made.prefix, archive.settings.bates_prefix).number > made.first_number:
                raise Conflict(race.format(first=pdf.bates(made.prefix, made.first_number)))
            write(w)
            take_bates(w, made.prefix, made.last_number + 1)
            audit.append(w, command, details)
            place(partial, made.path, what)
            placed = True
    except BaseException:
        if placed:
            made.path.unlink(missing_ok=True)
        raise


def _record_transcript(w, request: Request, contents: Contents, made: Made, scope_record: dict) -> None:
    """The transcript's row, and each of its messages with the content hash it shows, in order."""
    cur = w.execute(
        "INSERT INTO transcripts (uuid, matter_id, client_id, scope, from_at, until_at, zone, path, pdf_sha256, manifest_sha256,"
        " pages, messages, bates_prefix, bates_first, bates_last, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            made.id,
            contents.scope.matter_id,
            contents.scope.client_id,
            manifest_json(scope_record),
            request.from_at,
            request.until_at,
            request.zone_name,
            str(made.path),
            made.pdf_sha256,
            made.manifest_sha256,
            made.pages,
            len(contents.plan.rows),
            made.prefix,
            made.first_number,
            made.last_number,
            made.generated_at,
        ),
    )
    w.executemany(
        "INSERT INTO transcript_messages (transcript_id, position, message_id, content_hash) VALUES (?, ?, ?, ?)",
        ((cur.lastrowid, i, row.id, row.content_hash) for i, row in enumerate(contents.plan.rows, 1)),
    )


def manifest_json(value) -> str:
    from textfile.fingerprint import canonical_json

    return canonical_json(value)
