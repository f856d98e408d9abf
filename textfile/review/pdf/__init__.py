"""The review report: `review --pdf FILE`, a dated PDF of the flags with the transcripts' cover, Bates
numbers and manifest, recorded so that `textfile verify FILE` can prove it (integrity/reports.py).

`make_report` is the one function the CLI calls. It reads the report's contents in one snapshot
(contents.py: the scan, the flags with their context and responses, each message's content hash, the
Bates series), lays out the report (page.py says each thing in words, document.py renders it),
stamps its page and Bates numbers (in a series of its own, <archive prefix>-REVIEW: the firm's record, never
produced, takes no number a production would have had; no number is used twice), attaches the manifest (manifest.py), writes the file 0600 beside its name,
and records it with one audit entry before the file takes its name (recording.py).

- contents.py   what the report holds, read in one transaction
- page.py       the template's data: the cover's facts, each flag in words
- document.py   HTML to PDF/A-3b, then stamped and the manifest attached
- manifest.py   the embedded manifest: the rows (as `review --json` / `--csv`), each message's hash
- recording.py  where the file goes; the report recorded, audited, and put in place
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textfile import audit, scratch, times
from textfile.errors import TextfileError
from textfile.results import Result
from textfile.review.queue import Filters

if TYPE_CHECKING:
    from textfile.archive import Archive

__all__ = ["Filters", "ReviewReport", "make_report"]


@dataclass(slots=True, eq=False)
class ReviewReport(Result):
    """The report made: where, its id, its scope, how many flags in each state, pages, Bates range, hashes."""

    path: str
    report: str
    matter: str | None
    client: str | None
    flags: int
    states: dict[str, int]
    pages: int
    bates_first: str
    bates_last: str
    pdf_sha256: str
    manifest_sha256: str


def make_report(archive: Archive, out: str | os.PathLike, filters: Filters) -> ReviewReport:
    """Read, render, record and write one review report (see the module's docstring)."""
    from textfile.review.pdf import contents as reading
    from textfile.review.pdf import document, manifest, page, recording
    from textfile.transcript import pdf
    from textfile.transcript.made import Made
    from textfile.transcript.output import partial_file
    from textfile.transcript.render import page_size

    audit.require_key(archive.conn)  # (refused before anything is read or rendered)
    settings = archive.settings
    tz = times.zone(settings.tz)
    path = recording.destination(archive.conn, out)
    with partial_file(path) as partial, scratch.temporary_folder("textfile-review-", "the review report") as parts:
        contents = reading.read_contents(archive, filters, tz)
        made = Made(str(uuid.uuid4()), times.now_iso(), path, contents.bates.prefix, contents.bates.number)
        made_by = audit.current_user()
        data = page.page(
            contents,
            tz,
            zone=settings.tz,
            owner=settings.owner_name,
            made_at=made.generated_at,
            made_by=made_by,
            report_id=made.id,
            bates_first=pdf.bates(made.prefix, made.first_number),
            slots=document.slot_widths(made.prefix, made.first_number),
            page_size=page_size(settings.region),
        )
        rendered = document.render(data, parts)
        if set(rendered.slots) != {"pages", "bates-last"}:
            raise TextfileError("the report's cover did not lay out its page count and Bates range; please report this")
        made.pages = rendered.pages
        manifest_bytes = manifest.build(
            contents,
            tz,
            report_id=made.id,
            archive_id=settings.archive_id,
            generated_at=made.generated_at,
            generated_by=made_by,
            zone=settings.tz,
            pages=made.pages,
            first=made.first_number,
            last=made.last_number,
        )
        made.pdf_sha256 = pdf.save_partial(
            document.finished(rendered, made.prefix, made.first_number, manifest_bytes), partial, made.path
        )
        made.manifest_sha256 = manifest.sha256(manifest_bytes)
        recording.record(archive, contents, made, made_by, settings.tz, partial)
    return ReviewReport(
        str(made.path),
        made.id,
        contents.scope.matter,
        contents.scope.client,
        len(contents.flags),
        {s: n for s, n in _states(contents).items() if n},
        made.pages,
        pdf.bates(made.prefix, made.first_number),
        pdf.bates(made.prefix, made.last_number),
        made.pdf_sha256,
        made.manifest_sha256,
    )


def _states(contents) -> dict[str, int]:
    from textfile.review.queue import STATES

    return {s: sum(1 for f in contents.flags if f.state == s) for s in STATES}
