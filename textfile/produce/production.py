"""`textfile produce`: one production of a matter's texts, in every form a court and a review
platform take, recorded in the archive and provable by the other side without textfile.

The order of the work, and why:
1. **Refusals first** (selection.py): the matter's messages in the window and conversations asked
   for, a named conversation's messages not filed to the matter, open review flags under
   --require-reviewed, messages produced before unless --reproduce, redactions whose words moved.
   Nothing is rendered, numbered or written before all of them pass.
2. **The PDFs**, one continuous Bates series: the matter's transcript, or with --exhibits one PDF per
   conversation, each stamped as an exhibit on every page; each starts at the number after the last
   one's last page. They are transcripts (recorded and audited as such, so `verify FILE.pdf` proves
   each one), rendered with the redactions in force and without notes, and signed (PAdES) before
   their sha256 is taken. Each message's Bates number is the page its entry starts on.
3. **Natives** numbered on from the PDFs, one number each; RSMF per conversation; CSV and JSONL;
   the extracted text per document; the DAT and OPT load files; the redaction log and the privilege
   log; the signing certificate; the certification (§1746 / FRE 902(14)) naming every file's sha256;
   README.txt; then SHA256SUMS.
4. **The record**, in one transaction: the natives' numbers taken from the series (refused if another
   production took them meanwhile), the production, its files and its messages, and the audit entry.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from textfile import audit, times
from textfile.archive import Archive, validate_bates_prefix
from textfile.errors import InvalidInput, TextfileError
from textfile.produce import contents, documents, record, selection
from textfile.produce.folder import Folder
from textfile.results import Result, omit_empty
from textfile.transcript.bates import Series, bates_series


@dataclass(slots=True)
class Request:
    """What `produce` was asked for, as given (checked by `produce`)."""

    matter: str
    out: str
    from_: str | None = None
    until: str | None = None
    conversations: list[int] = field(default_factory=list)
    bates_prefix: str | None = None
    exhibits: bool = False
    exhibit_start: str = "1"
    context: int = 0
    require_reviewed: bool = False
    reproduce: bool = False
    mkdir: bool = False


@dataclass(slots=True, eq=False)
class Production(Result):
    """A production made: its number, folder, Bates range and what it holds."""

    production: int
    matter: str
    folder: str
    bates_first: str
    bates_last: str
    pdfs: list[dict]
    messages: int
    conversations: int
    pages: int
    natives: int
    rsmf: int
    redactions: int
    privileged_notes: int
    files: int
    sums_sha256: str
    certificate_sha256: str | None
    reproduces: list[dict] = omit_empty(default_factory=list)
    seconds: dict = field(default_factory=dict)


def exhibit_labels(start: str, count: int) -> list[str]:
    """Exhibit 1, 2, 3… or A, B, … Z, AA, AB… from `start` (--exhibit-start)."""
    start = (start or "1").strip()
    if start.isdigit() and int(start) >= 1:
        return [f"Exhibit {int(start) + i}" for i in range(count)]
    if start.isalpha() and start.isascii():
        first = 0
        for ch in start.upper():
            first = first * 26 + (ord(ch) - 64)
        return [f"Exhibit {_letters(first + i)}" for i in range(count)]
    raise InvalidInput(f"--exhibit-start is a number (1) or letters (A): not {start!r}")


def _letters(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


@dataclass
class Run:
    """One production as it is made: what every step reads (the archive, the messages chosen, the Bates
    series, the redactions, the folder, the signing key, its time and maker, its number, the zone)."""

    archive: Archive
    chosen: selection.Selection
    series: Series
    redactions: dict
    folder: Folder
    signer: object
    now: str
    by: str
    number: int
    zone: object


def produce(archive: Archive, request: Request, progress=None) -> Production:
    """One production (see the module): refused before anything is written, or made whole and recorded."""
    started = time.monotonic()
    conn, settings = archive.conn, archive.settings
    audit.require_key(conn)
    zone = times.zone(settings.tz)
    from_at = times.parse_user_instant(request.from_, zone) if request.from_ else None
    until_at = times.parse_user_instant(request.until, zone, end_of_day=True) if request.until else None
    prefix = validate_bates_prefix(request.bates_prefix) if request.bates_prefix else settings.bates_prefix
    series = bates_series(conn, prefix, settings.bates_prefix)
    chosen = selection.select(conn, request.matter, from_at, until_at, request.conversations, request.context)
    if request.require_reviewed:
        selection.check_reviewed(conn, chosen.ids)
    earlier = selection.check_not_produced(conn, chosen.ids, request.reproduce)
    redactions = _redactions(conn, chosen.ids)
    labels = exhibit_labels(request.exhibit_start, len(chosen.conversations)) if request.exhibits else []
    signer = _signer(archive)
    run = Run(
        archive,
        chosen,
        series,
        redactions,
        Folder(request.out, request.mkdir),
        signer,
        times.now_iso(),
        audit.current_user(),
        record.next_production_number(conn),
        zone,
    )
    pdfs, message_bates, after = _pdfs(run, request, labels, progress)
    seconds = {"pdf": round(time.monotonic() - started, 2)}
    other = time.monotonic()
    others = _finish(run, after, pdfs, message_bates)
    seconds["other"] = round(time.monotonic() - other, 2)
    made = record.record(run, request, pdfs, others, message_bates, earlier, others.sums)
    made.seconds = {**seconds, "total": round(time.monotonic() - started, 2)}
    return made


def _finish(run: Run, first_native: int, pdfs, message_bates):
    """Every file beside the PDFs, README.txt, the certification, SHA256SUMS."""
    others = contents.write_others(run, first_native, pdfs, message_bates)
    run.folder.write("README.txt", record.readme(run, pdfs, others), "readme")
    others.certificate_sha256 = record.certification(run, pdfs, others)
    others.sums = run.folder.finish()
    return others


def _redactions(conn, ids: list[str]) -> dict:
    from textfile.produce import redaction

    return redaction.spans(conn, ids)


def _signer(archive: Archive):
    """The archive's signing key (made on first use, audited), to sign every PDF of the production."""
    from textfile.produce import signing

    return signing.ensure_key(archive)


def _pdfs(run: Run, request: Request, labels: list[str], progress):
    """The PDFs, one continuous Bates series from the series' next free number; each message's Bates number."""
    from textfile.produce import signing
    from textfile.transcript import make_transcript, pdf

    archive, chosen, series, folder = run.archive, run.chosen, run.series, run.folder

    groups = [[c] for c in chosen.conversations] if labels else [chosen.conversations]
    pdfs: list[documents.PdfDocument] = []
    message_bates: dict[str, str] = {}
    number = series.number
    for n, group in enumerate(groups):
        name = f"IMAGES/{pdf.bates(series.prefix, number)}.pdf"
        made = make_transcript(
            archive,
            matter=chosen.matter,
            from_=request.from_,
            until=request.until,
            out=folder.path / name,
            bates_prefix=series.prefix,
            bates_start=number,
            conversations=group if (labels or request.conversations) else None,
            context=request.context,
            exhibit=labels[n] if labels else None,
            production=f"Production {run.number}",
            redact=True,
            notes=False,
            signer=lambda path: signing.sign_pdf(path, run.signer, when=run.now),
            progress=progress,
        )
        pdfs.append(
            documents.PdfDocument(
                name,
                made.pages,
                made.bates_first,
                made.bates_last,
                group,
                [mid for c in group for mid in chosen.messages[c]],
                labels[n] if labels else None,
                transcript=made.transcript,
            )
        )
        folder.add(name, "pdf", (made.bates_first, made.bates_last))
        message_bates.update(made.message_bates)
        number += made.pages
    shown, wanted = set(message_bates), set(chosen.ids)
    if shown != wanted:
        raise TextfileError(
            f"the PDFs show {len(shown)} messages where the production holds {len(wanted)}; nothing more was"
            " written (please report this)"
        )
    return pdfs, message_bates, number
