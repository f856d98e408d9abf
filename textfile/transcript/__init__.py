"""Transcripts: a dated PDF of a matter (or a client) that can be proven to match the archive.

`make_transcript` is the one function the CLI calls. It reads the plan (which messages, in what
order, numbered within their conversations, with which content hashes), has the documents
rendered in parallel (`render/`): the cover, with the first messages that fit on its last page (no
page holds a few lines of it alone), then the chunks, each conversation cut at fixed positions so
that a chunk nothing changed in is taken from the cache of rendered chunks; joins the parts and
draws on them the running headers, the page and Bates numbers, and the cover's page count and
Bates range, known only then (`joining.py`, `pdf.py`), attaches the manifest (`manifest.py`) and
then, in one write transaction, takes the Bates numbers, records the transcript and its messages,
appends the audit entry and puts the file in place. The Bates counter is checked again inside that
transaction, so two productions made at the same time can never both use a number: the second is
refused and writes nothing.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from textfile import __version__, audit, scratch, times
from textfile.archive import Archive
from textfile.errors import InvalidInput, TextfileError
from textfile.transcript import again, appendix, joining, options
from textfile.transcript.again import Recorded
from textfile.transcript.bates import check_not_own, privileged_bates
from textfile.transcript.content.notes import Appendix
from textfile.transcript.made import Made, PhaseSeconds, RenderCost, Transcript
from textfile.transcript.output import (
    default_name,
    output_folder,
    output_path,
    partial_file,
    place,
    privileged_name,
    recorded_paths,
)
from textfile.transcript.recorded import record_deleted, record_moves, verify_pdfs
from textfile.transcript.recording import record
from textfile.transcript.request import Contents, Request, check_request, read_contents

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from textfile.transcript.content import Job, Scope

__all__ = [  # what the CLI, the weekly run and `conversation show` use
    "CHUNK",
    "SMALL",
    "check_again",
    "make_transcript",
    "output_folder",
    "record_deleted",
    "record_moves",
    "verify_pdfs",
]

CHUNK = 1000  # messages per rendered document (MEASURED.md: ~1,000 keeps each process near 200 MB)
SMALL = 400  # up to this many messages, one document rendered in this process (no pool to start)


def make_transcript(
    archive: Archive, *, again: str | None = None, keep_differing: bool = False, **options
) -> Transcript:
    """Render, record and write one transcript; returns what was made. Options: those of
    `_make_transcript` (matter or client, from_/until, tz, out or out_dir, bates_prefix/start, media…,
    and a production's: conversations, context, exhibit, production, redact, notes, signer, for_production:
    options.py).
    `again`: the id of a recorded transcript, made again byte for byte from its record (`again.py`:
    given only out/out_dir, mkdir, signer and how it is rendered), written to `out`, not recorded.
    `keep_differing` (with `again`): a file that comes out otherwise is put in place all the same, not
    refused, for a production made again to name it (its sha256 is not the recorded one)."""
    remade = None
    if keep_differing and again is None:
        raise InvalidInput("keep_differing is for a transcript made again: give again=ID")
    if again is not None:
        from textfile.transcript import again as remaking

        remaking.checked_given(again, options)
        remade = remaking.recorded(archive.conn, again)
        options = {**options, **remaking.asked(remade)}
    with (
        _small_page_cache(archive.conn),
        scratch.temporary_folder("textfile-transcript-", "the transcript") as parts,
        ExitStack() as cleanup,
    ):
        return _make_transcript(
            archive, parts=parts, cleanup=cleanup, remade=remade, keep_differing=keep_differing, **options
        )


def check_again(archive: Archive, transcript: str) -> None:
    """Refused (Conflict, NotFound) when the recorded transcript could not be made again byte for byte from
    what the archive holds now: what `make_transcript(again=…)` refuses before it renders (its messages, the
    record's scope: `again.check_contents`), asked alone, so a production made again is refused before its
    folder is made. Nothing is rendered or written."""
    remade = again.recorded(archive.conn, transcript)
    asked = again.asked(remade)
    checked = options.checked(**remade.options())
    _contents(archive, again.request(remade), asked["matter"], asked["client"], checked, remade)


def _contents(archive: Archive, request: Request, matter, client, asked: options.Options, remade):
    """The contents read in one snapshot, and what the record says of their scope; made again (`remade`):
    refused when they are not the record's (`again.check_contents`)."""
    contents = read_contents(archive.conn, archive.settings, request, matter, client, asked.selection)
    scope_record = {**_scope_record(request, contents), **options.recorded(asked, contents)}
    if remade:
        again.check_contents(remade, contents, scope_record)
    return contents, scope_record


@contextmanager
def _small_page_cache(conn):
    """A transcript reads every message of a matter once: a small page cache is enough, and keeps
    this process small for 100,000 messages (the archive's connection otherwise caches 32 MiB)."""
    size = conn.execute("PRAGMA cache_size").fetchone()[0]
    conn.execute("PRAGMA cache_size = -8192")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA cache_size = {int(size)}")


class Phases(NamedTuple):
    """When the making started, and when its plan and its rendering were done (time.monotonic())."""

    started: float
    planned: float
    rendered: float


class Chunks(NamedTuple):
    """The documents a transcript is rendered as, and how many processes render them (1: this one)."""

    jobs: list[Job]
    processes: int


def _make_transcript(
    archive: Archive,
    *,
    parts: str,
    cleanup: ExitStack,
    matter: str | None = None,
    client: str | None = None,
    from_: str | None = None,
    until: str | None = None,
    tz: str | None = None,
    out: str | os.PathLike | None = None,
    out_dir: str | os.PathLike | None = None,
    mkdir: bool = False,
    bates_prefix: str | None = None,
    bates_start: int | None = None,
    media: bool = True,
    snapshot: bool = False,
    workers: int | None = None,
    chunk_size: int = CHUNK,
    cache: bool = True,
    cache_size: str | int | None = None,
    progress: Callable[[int, int], None] | None = None,
    include_privileged: bool = False,
    conversations: list[int] | None = None,
    context: int = 0,
    exhibit: str | None = None,
    production: str | None = None,
    redact: bool = False,
    notes: bool = True,
    signer: Callable[[Path], None] | None = None,
    for_production: bool = False,
    keyed: bool = True,
    earlier_said: bool = True,
    remade: Recorded | None = None,
    keep_differing: bool = False,
) -> Transcript:
    """The request checked; the contents read in one snapshot (scope, Bates series, plan, cover);
    the destination and its partial file; the chunks rendered, the first opening with the cover;
    the parts joined and stamped, the manifest attached; the file written (and signed: `signer`);
    the transcript recorded and audited, and the file put in place. A production's options
    (conversations … signer): `options.py`; one made again from its record (`remade`): `again.py`."""
    from textfile.transcript import render
    from textfile.transcript.render import cache as render_cache

    started = time.monotonic()
    audit.require_key(archive.conn)  # (refused before the matter is rendered, not after)
    request = (
        again.request(remade)
        if remade
        else check_request(archive.settings, tz, from_, until, bates_prefix, bates_start, media, snapshot)
    )
    asked = options.checked(
        conversations, context, exhibit, production, redact, notes, signer, for_production, keyed, earlier_said
    )
    cache_bytes = render_cache.size_of(cache_size)  # (a size that is none refused before anything is rendered)
    contents, scope_record = _contents(archive, request, matter, client, asked, remade)
    now = remade.generated_at if remade else times.now_iso()
    notes = appendix.read(archive.conn, contents, request, include_privileged) if asked.notes else Appendix()
    if notes.privileged and bates_prefix is None and not remade:  # (its own series: bates.py)
        request, contents.bates = privileged_bates(archive.conn, request, archive.settings.bates_prefix)
    if bates_prefix and not remade:  # (a prefix given names no series of the archive's own but for what it numbers)
        check_not_own(
            request.prefix, archive.settings.bates_prefix, privileged=bool(notes.privileged), snapshot=request.snapshot
        )
    path = _destination(archive.conn, contents.scope, request.zone, now, (out, out_dir, mkdir), bool(notes.privileged))
    appendix.placed(notes, contents, path)  # (and the cover says them)
    partial = cleanup.enter_context(partial_file(path))
    made = Made(remade.uuid if remade else str(uuid.uuid4()), now, path, contents.bates.prefix, contents.bates.number)
    chunks = _chunks(contents, chunk_size, workers, request.imports_until)
    options.fitted(chunks.jobs, contents, asked)
    planned = time.monotonic()
    context = _render_context(archive, request, contents.scope, parts, cache)
    with render.Renderer(context, chunks.processes) as renderer:
        results = _rendered(renderer, archive.settings, request, contents, made, chunks.jobs, progress, asked)
        results += appendix.rendered(renderer, notes, context["page_size"])
        labels, label_of_page = joining.running_headers(_header(context["header"], notes), results)
        headers = renderer.headers(labels)
        rendered = time.monotonic()
    made.pages = sum(r["pages"] for r in results)
    _check_cover_slots(results[0])
    message_bates = _finished(
        archive,
        request,
        contents,
        made,
        scope_record,
        notes,
        results,
        headers,
        label_of_page,
        asked,
        partial,
        remade,
        keep_differing,
    )
    if context.get("cache"):
        _evict(context["cache"], cache_bytes)
    made_now = _summary(request, contents, made, results, len(chunks.jobs), Phases(started, planned, rendered))
    made_now.notes = notes.summary()
    if asked.notes:  # (a production's PDFs show no notes: the production says it, `produce`)
        made_now.warnings = _notes_elsewhere(archive.conn, contents)
    made_now.message_bates = message_bates
    return made_now


def _notes_elsewhere(conn, contents) -> list[str]:
    """The privileged notes of another matter about a message the transcript shows (notes/stranded.py)."""
    from textfile.notes.stranded import elsewhere

    scope = contents.scope
    matters = (
        [scope.matter_id]
        if scope.matter_id is not None
        else [r[0] for r in conn.execute("SELECT id FROM matters WHERE client_id = ?", (scope.client_id,))]
    )
    return elsewhere(conn, matters, [row.id for row in contents.plan.rows], "transcript")


def _finished(
    archive,
    request,
    contents,
    made,
    scope_record,
    notes,
    results,
    headers,
    label_of_page,
    asked,
    partial,
    remade,
    keep_differing=False,
) -> dict[str, str]:
    """The parts joined and stamped, the manifest attached; the file written (and signed); then the
    transcript recorded and audited and the file put in place, or, made again (`remade`), the file
    proven the recorded one and put in place, nothing recorded (one that is not: refused, or put in
    place all the same with `keep_differing`). Each message's Bates number."""

    def manifest_with(head):
        return _manifest(archive, request, contents, made, scope_record, notes.record(), head)

    manifest_bytes = (
        again.manifest_matched(archive.conn, remade, manifest_with, keep_differing) if remade else manifest_with(HEAD)
    )
    document = joining.joined(results, made, manifest_bytes, headers, label_of_page, asked.exhibit)
    message_bates = options.message_bates(results, made, len(contents.plan.rows))
    _write(document, partial, made, manifest_bytes, asked.signer)
    if remade:
        if not keep_differing:
            again.check_file(remade, made.pdf_sha256)
        appendix.recorded(notes, lambda: place(partial, made.path))
    else:
        appendix.recorded(
            notes, lambda: record(archive, request, contents, made, scope_record, partial, notes.audited())
        )
    return message_bates


def _header(header: str, notes: appendix.Appendix) -> str:
    """Every page's running header begins with the matter, or with "PRIVILEGED & CONFIDENTIAL · " when
    the transcript shows privileged notes (drawn once joined: no chunk's bytes change)."""
    from textfile.transcript.content.notes import PRIVILEGED_MARK

    return f"{PRIVILEGED_MARK} · {header}" if notes.privileged else header


def _scope_record(request: Request, contents: Contents) -> dict:
    """What the transcript's record and its manifest say of its scope: the matter or client, the window,
    the zone, whether images are shown, how its messages are numbered (`content.number_at`), and
    whether it is the weekly run's snapshot (so it can be made again: `again.py`)."""
    return {
        **contents.scope.as_dict(),
        "zone": request.zone_name,
        "media": request.media,
        "numbering": [list(run) for run in contents.plan.runs],
        **({"snapshot": True} if request.snapshot else {}),  # (the weekly run's: its cover says so)
    }


def _destination(conn, scope: Scope, zone: ZoneInfo, now: str, given: tuple, privileged: bool) -> Path:
    """Where the PDF goes (`given`: --out, --out-dir, --mkdir): --out, or the day's default name in
    --out-dir, saying PRIVILEGED when it shows privileged notes (never a recorded transcript's path,
    nor one whose privilege log's name is taken)."""
    from textfile.notes.privilege import CSV_SUFFIX

    out, out_dir, mkdir = given
    if out and privileged:
        privileged_name(out)
    today = times.from_iso(now).astimezone(zone).strftime("%Y-%m-%d")
    return output_path(
        out,
        out_dir,
        default_name(today, scope.client, scope.matter, privileged),
        mkdir,
        recorded_paths(conn),
        beside=(CSV_SUFFIX,),
    )


def _chunks(contents: Contents, chunk_size: int, workers: int | None, imports_until: int | None) -> Chunks:
    """The documents to render: the cover, then the messages in chunks that stay put when messages are
    added (`content.jobs`: every `chunk_size` messages of a conversation); a small transcript, or
    one worker, is rendered in this process. Each says where its messages were found by the imports up
    to `imports_until` only (a transcript made again), or by every one."""
    from textfile.transcript import content, render

    total = len(contents.plan.rows)
    workers = workers or render.default_workers()
    in_process = total <= min(SMALL, chunk_size) or workers <= 1
    jobs = content.jobs(contents.plan, chunk_size)
    for job in jobs:
        job.found_on = bool(contents.cover["phones"])
        job.imports_until = imports_until
    return Chunks(jobs, 1 if in_process else min(workers, len(jobs)))


def _cache_of(archive: Archive) -> dict:
    """Where the cache of rendered chunks is, and the key its entries are sealed with (derived from the
    archive's audit key); none for an archive whose audit log is not sealed."""
    from textfile.transcript.render.cache import folder_for, seal_key

    sealing = audit.sealing_of(archive.conn)
    if sealing is None:
        return {}
    return {"cache": str(folder_for(archive.path)), "cache_seal": seal_key(sealing.key, archive.settings.archive_id)}


def _evict(folder: str, size: int) -> None:
    """The cache of rendered chunks brought back within its size (the transcript is made: a cache
    that cannot be trimmed now is trimmed by the next one)."""
    from textfile.transcript.render import cache as render_cache

    try:
        render_cache.evict(folder, size)
    except OSError:
        pass


def _render_context(archive: Archive, request: Request, scope: Scope, parts: str, cache: bool) -> dict:
    """What every rendering process is given: where the archive, the parts and the cache of rendered
    chunks are (None: none used), the zone, the page."""
    from textfile.transcript import render

    settings = archive.settings
    header = (
        f"{scope.client} — {scope.matter} {scope.matter_title}" if scope.matter else f"{scope.client} — all matters"
    )
    return {
        "parts": parts,
        "archive": str(Path(archive.path).absolute()),
        **(_cache_of(archive) if cache else {}),
        "tz": request.zone_name,
        "media": request.media,
        "owner": settings.owner_name,
        "header": header,
        "title": f"Transcript: {header}",
        "page_size": render.page_size(settings.region),
    }


def _rendered(
    renderer, settings, request: Request, contents: Contents, made: Made, jobs: list[Job], progress, asked
) -> list[dict]:
    """Every chunk rendered, the first opening with the cover; refused if the archive changed meanwhile
    (a chunk read other messages or hashes than the plan's)."""
    from textfile.transcript import content

    total = len(contents.plan.rows)
    # (the stamp's font measures the slots while the workers set up)
    jobs[0].cover = {**_cover_page(settings, request, contents, made), **options.cover_said(asked, contents)}
    results = renderer.chunks(jobs, (lambda done: progress(done, total)) if progress else None)
    rows = contents.plan.rows
    if any(
        r["digest"]
        != content.digest((row.id, row.content_hash) for row in rows[job.start : job.start + len(job.rowids)])
        for r, job in zip(results, jobs)
    ):
        raise TextfileError(
            "the archive changed while the transcript was being made; nothing was written (run it again)"
        )
    return results


def _cover_page(settings, request: Request, contents: Contents, made: Made) -> dict:
    """What the cover says beside the cover's facts (`content.cover`): the scope and window, who made
    it when, the first Bates number, and how wide to leave the slots of the page count and the last
    Bates number, which are drawn in once every chunk is rendered."""
    from textfile.transcript import pdf

    widest = 10 ** max(7, len(str(made.first_number)) + 1) - 1  # the slots' widths: more pages than there can be
    return {
        "scope": contents.scope.as_dict(),
        "c": contents.cover,
        "client_handles": contents.client_handles,
        "owner": settings.owner_name,
        "owner_handles": list(settings.owner_handles),
        "window": _window_said(request, contents),
        "total": len(contents.plan.rows),
        "zone": request.zone_name,
        "generated_local": times.display(made.generated_at, request.zone),
        "generated_utc": made.generated_at,
        "version": __version__,
        "snapshot": request.snapshot,
        "bates_first": pdf.bates(made.prefix, made.first_number),
        "transcript_id": made.id,
        "slots": {
            "pages": round(pdf.text_width(f"{widest:,}", 1), 3),  # (em)
            "bates_last": round(pdf.text_width(pdf.bates(made.prefix, widest), 1), 3),
        },
    }


def _window_said(request: Request, contents: Contents) -> str:
    """The transcript's window in words: which messages, and from and until when (at their precision)."""
    from textfile.transcript import content

    window = (
        "all messages filed to the matter"
        if contents.scope.matter
        else "all messages filed to the client's matters or in the client's conversations"
    )
    if request.from_at or request.until_at:
        precision = contents.cover["precision"]
        window += (
            f", from {content.fmt_bound(request.from_at, request.zone, precision) or 'the start'}"
            f" until {content.fmt_bound(request.until_at, request.zone, precision) or 'the end'}"
        )
    return window + options.window_said(contents)


def _check_cover_slots(first: dict) -> None:
    """The cover's page count and last Bates number have their slots (or it would not say them)."""
    from textfile.transcript import render

    if set(first["slots"]) != set(render.SLOTS):  # (the cover would not say how many pages it has)
        raise TextfileError(
            f"the cover's fields {', '.join(sorted(set(render.SLOTS) - set(first['slots'])))} were not laid out;"
            " please report this"
        )


HEAD = object()  # the manifest's audit_head: the log's last entry now


def _manifest(
    archive: Archive,
    request: Request,
    contents: Contents,
    made: Made,
    scope_record: dict,
    notes: dict | None = None,
    head=HEAD,
) -> bytes:
    """The manifest's bytes; a production's redacted messages named in it by their keyed id and content hash
    (keyed.py: both are computed over the words it withholds)."""
    from textfile.transcript import keyed, manifest

    redacted = (contents.redactions or {}) if scope_record.get("keyed") else {}
    shown = keyed.for_production(
        archive.conn, ((row.id, row.content_hash) for row in contents.plan.rows if row.id in redacted)
    )
    return manifest.build(
        transcript_id=made.id,
        archive_id=archive.settings.archive_id,
        generated_at=made.generated_at,
        version=__version__,
        scope=shown(scope_record),
        zone=request.zone_name,
        media=request.media,
        pages=made.pages,
        bates_prefix=made.prefix,
        bates_first=made.first_number,
        bates_last=made.last_number,
        disclosures=shown(contents.cover["disclosures"]),
        messages=((shown.value(row.id), shown.value(row.content_hash)) for row in contents.plan.rows),
        audit_head=audit.head(archive.conn) if head is HEAD else head,
        notes=notes,
    )


def _write(document, partial: Path, made: Made, manifest_bytes: bytes, signer=None) -> None:
    """The document written to the partial file, on disk, and signed (`signer`, given the file: a
    production's PAdES signature); the sha256 of the file as it then is, and of the manifest."""
    from textfile.transcript import manifest, pdf

    try:
        with open(partial, "wb") as fp:
            pdf.save(document, fp)
            fp.flush()
            os.fsync(fp.fileno())
    except OSError as exc:  # the disk filled up, the folder went away…
        raise TextfileError(f"cannot write {made.path}: {exc.strerror or exc}") from None
    document.close()
    if signer is not None:
        signer(partial)
    made.pdf_sha256 = manifest.file_sha256(partial)
    made.manifest_sha256 = manifest.sha256(manifest_bytes)


def _summary(
    request: Request, contents: Contents, made: Made, results: list[dict], jobs: int, phases: Phases
) -> Transcript:
    """What was made, as the CLI and the weekly run report it."""
    from textfile.transcript import pdf

    started, planned, rendered = phases.started, phases.planned, phases.rendered
    return Transcript(
        path=str(made.path),
        transcript=made.id,
        matter=contents.scope.matter,
        client=contents.scope.client,
        from_=request.from_at,
        until=request.until_at,
        zone=request.zone_name,
        messages=len(contents.plan.rows),
        conversations=len(contents.plan.conversations),
        pages=made.pages,
        bates_first=pdf.bates(made.prefix, made.first_number),
        bates_last=pdf.bates(made.prefix, made.last_number),
        pdf_sha256=made.pdf_sha256,
        manifest_sha256=made.manifest_sha256,
        chunks=jobs,
        reused=sum(1 for r in results if r["cached"]),
        refused_urls=[u for r in results for u in r["refused"]],
        seconds=round(time.monotonic() - started, 2),
        phases_s=PhaseSeconds(
            plan=round(planned - started, 2),
            render=round(rendered - planned, 2),
            finish=round(time.monotonic() - rendered, 2),
        ),
        render=RenderCost(
            processes=len({r["pid"] for r in results}),
            peak_rss_mb=max(r["peak_rss_mb"] for r in results),
            cpu_s=round(sum({r["pid"]: r["cpu_s"] for r in results}.values()), 1),
        ),
    )
