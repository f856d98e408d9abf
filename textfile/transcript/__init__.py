"""Transcripts: a dated PDF of a matter (or a client) that can be proven to match the archive.

`make_transcript` is the one function the CLI calls. It reads the plan (which messages, in what
order, with which content hashes), has the chunks rendered in parallel (`render.py`), the first
one opening with the cover, so that the messages begin on the cover's last page however long the
cover is (no page holds a few lines of it alone); joins the parts and stamps on them the page and
Bates numbers, and the cover's page count and Bates range, known only then (`pdf.py`),
attaches the manifest (`manifest.py`) and then, in one write transaction, takes the Bates numbers,
records the transcript and its messages, appends the audit entry and puts the file in place.
The Bates counter is checked again inside that transaction, so two productions made at the same
time can never both use a number: the second is refused and writes nothing.
"""

from __future__ import annotations

import math
import os
import re
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack, contextmanager
from pathlib import Path

from textfile import __version__, audit, scratch, times
from textfile.archive import Archive, validate_bates_prefix
from textfile.errors import Conflict, InvalidInput, NotFound, TextfileError

CHUNK = 1000  # messages per rendered document (MEASURED.md: ~1,000 keeps each process near 200 MB)
SMALL = 400  # up to this many messages, one document rendered in this process (no pool to start)
MANIFEST_DESCRIPTION = "textfile manifest: scope, Bates range, every message id and content hash in transcript order"


def default_name(day: str, client: str, matter: str | None) -> str:
    def clean(text: str) -> str:
        return re.sub(r"[^\w.-]+", "-", text, flags=re.UNICODE).strip("-.") or "x"

    parts = [day, clean(client)] + ([clean(matter)] if matter else [])
    return "_".join(parts) + "_transcript.pdf"


def bates_series(conn, prefix: str, archive_prefix: str) -> tuple[str, int]:
    """The spelling and the next free number of the Bates series that `prefix` names.

    Prefixes that differ only in case are one series (GAP-000201 and gap-000201 would be two pages
    with one number): one counter, spelled as the series was first used, or as the archive's own
    prefix, so a production never switches between GAP and gap. An archive written before may hold
    a counter per spelling: the series is used up to the highest of them."""
    rows = conn.execute(
        "SELECT prefix, next_number FROM bates_counters WHERE prefix = ? COLLATE NOCASE ORDER BY rowid", (prefix,)
    ).fetchall()
    if rows:
        return rows[0][0], max(row[1] for row in rows)
    return (archive_prefix if prefix.lower() == archive_prefix.lower() else prefix), 1


def _take_bates(conn, prefix: str, next_number: int) -> None:
    """Move the series' counter (every spelling of it) on to `next_number`."""
    if not conn.execute(
        "UPDATE bates_counters SET next_number = ? WHERE prefix = ? COLLATE NOCASE", (next_number, prefix)
    ).rowcount:
        conn.execute("INSERT INTO bates_counters (prefix, next_number) VALUES (?, ?)", (prefix, next_number))


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


def _output_path(
    out: str | os.PathLike | None,
    out_dir: str | os.PathLike | None,
    name: str,
    mkdir: bool = False,
    recorded: frozenset[str] = frozenset(),
) -> Path:
    """Where the PDF goes: --out as given, or a free name in --out-dir. Never a file that exists, nor
    a path the archive records for another transcript whose file is gone (moved away: taking its name
    would make that one read as altered, and `verify --moved` could no longer tell them apart)."""
    if out and out_dir:
        raise InvalidInput("give --out or --out-dir, not both")
    if out:
        given = os.fspath(out)
        if given.endswith(tuple(filter(None, (os.sep, os.altsep)))):
            raise InvalidInput(
                f"{given} ends in {given[-1]}, so it names a folder: give the PDF's file name, or use --out-dir {given}"
            )
        path = Path(given).expanduser()
        if path.is_dir():
            raise InvalidInput(f"{path} is a folder: give the PDF's file name, or use --out-dir {path}")
        if path.exists() or path.is_symlink():
            raise Conflict(f"{path} already exists; a transcript is never overwritten (choose another --out)")
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
    path = folder / name
    n = 2
    while path.exists() or str(path.absolute()) in recorded:
        path = folder / name.replace("_transcript.pdf", f"_transcript-{n}.pdf")
        n += 1
    return path.absolute()


@contextmanager
def _partial_file(path: Path):
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


def make_transcript(archive: Archive, **options) -> dict:
    """Render, record and write one transcript; returns what was made. Options: those of
    `_make_transcript` (matter or client, from_/until, tz, out or out_dir, bates_prefix/start, media…)."""
    with (
        _small_page_cache(archive.conn),
        scratch.temporary_folder("textfile-transcript-", "the transcript") as parts,
        ExitStack() as cleanup,
    ):
        return _make_transcript(archive, parts=parts, cleanup=cleanup, **options)


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
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    from textfile.transcript import content, manifest, pdf, render

    started = time.monotonic()
    conn = archive.conn
    audit.require_key(conn)  # (refused before the matter is rendered, not after)
    settings = archive.settings
    zone_name = tz or settings.tz
    zone = times.zone(zone_name)
    from_at = times.parse_user_instant(from_, zone) if from_ else None
    until_at = times.parse_user_instant(until, zone, end_of_day=True) if until else None
    prefix = (
        validate_bates_prefix(bates_prefix)
        if bates_prefix
        else validate_bates_prefix(settings.bates_prefix, stored=True)
    )
    if bates_start is not None and bates_start < 1:
        raise InvalidInput("--bates-start must be 1 or more")

    conn.execute("BEGIN")  # one consistent snapshot for the plan and the cover
    try:
        scope = content.resolve_scope(conn, matter, client, from_at, until_at)
        prefix, free = bates_series(conn, prefix, settings.bates_prefix)
        if bates_start is not None and bates_start < free:
            raise Conflict(
                f"Bates numbers up to {pdf.bates(prefix, free - 1)} are already used; the next free number is {free}"
            )
        first_number = bates_start or free
        plan = content.plan(conn, scope)
        if not plan.rows:
            what = f"matter {scope.matter}" if scope.matter else f"client {scope.client}"
            window = f" between {from_ or 'the start'} and {until or 'now'}" if (from_ or until) else ""
            raise NotFound(f"{what} has no messages{window}: nothing to transcribe")
        cover_facts = content.cover(conn, scope, plan, zone, settings.owner_name, settings.tz)
        client_handles = [
            r[0]
            for r in conn.execute(
                "SELECT handle FROM client_handles WHERE client_id = ? ORDER BY kind, handle", (scope.client_id,)
            )
        ]
    finally:
        conn.execute("COMMIT")

    now = times.now_iso()
    today = times.from_iso(now).astimezone(zone).strftime("%Y-%m-%d")
    path = _output_path(
        out,
        out_dir,
        default_name(today, scope.client, scope.matter),
        mkdir,
        frozenset(p for (p,) in conn.execute("SELECT path FROM transcripts")),
    )
    partial = cleanup.enter_context(_partial_file(path))
    transcript_id = str(uuid.uuid4())
    header = (
        f"{scope.client} — {scope.matter} {scope.matter_title}" if scope.matter else f"{scope.client} — all matters"
    )
    ctx = {
        "parts": parts,
        "archive": str(Path(archive.path).absolute()),
        "tz": zone_name,
        "media": media,
        "owner": settings.owner_name,
        "header": header,
        "title": f"Transcript: {header}",
        "page_size": render.page_size(settings.region),
    }

    total = len(plan.rows)
    workers = workers or render.default_workers()
    in_process = total <= min(SMALL, chunk_size) or workers <= 1
    chunks = math.ceil(total / chunk_size)
    if not in_process:
        chunks = (
            math.ceil(chunks / workers) * workers
        )  # as many chunks for every worker: none renders the last one alone
    jobs = content.jobs(plan, math.ceil(total / chunks))
    for job in jobs:
        job.found_on = bool(cover_facts["phones"])
    window = (
        "all messages filed to the matter"
        if scope.matter
        else "all messages filed to the client's matters or in the client's conversations"
    )
    if from_at or until_at:
        precision = cover_facts["precision"]
        window += (
            f", from {content.fmt_bound(from_at, zone, precision) or 'the start'}"
            f" until {content.fmt_bound(until_at, zone, precision) or 'the end'}"
        )
    widest = 10 ** max(7, len(str(first_number)) + 1) - 1  # the slots' widths: more pages than there can be

    planned = time.monotonic()
    with render.Renderer(ctx, 1 if in_process else min(workers, len(jobs))) as renderer:
        # (the stamp's font measures the slots while the workers set up)
        jobs[0].cover = {
            "scope": scope.as_dict(),
            "c": cover_facts,
            "client_handles": client_handles,
            "owner": settings.owner_name,
            "owner_handles": list(settings.owner_handles),
            "window": window,
            "total": total,
            "zone": zone_name,
            "generated_local": times.display(now, zone),
            "generated_utc": now,
            "version": __version__,
            "snapshot": snapshot,
            "bates_first": pdf.bates(prefix, first_number),
            "transcript_id": transcript_id,
            "slots": {
                "pages": round(pdf.text_width(f"{widest:,}", 1), 3),  # (em)
                "bates_last": round(pdf.text_width(pdf.bates(prefix, widest), 1), 3),
            },
        }
        results = renderer.chunks(jobs, (lambda done: progress(done, total)) if progress else None)
        if any(
            r["digest"]
            != content.digest((row.id, row.content_hash) for row in plan.rows[job.start : job.start + len(job.rowids)])
            for r, job in zip(results, jobs)
        ):
            raise TextfileError(
                "the archive changed while the transcript was being made; nothing was written (run it again)"
            )
        rendered = time.monotonic()
    pages = sum(r["pages"] for r in results)
    last_number = first_number + pages - 1
    if set(results[0]["slots"]) != set(render.SLOTS):  # (the cover would not say how many pages it has)
        raise TextfileError(
            f"the cover's fields {', '.join(sorted(set(render.SLOTS) - set(results[0]['slots'])))} were not laid out;"
            " please report this"
        )

    scope_record = {**scope.as_dict(), "zone": zone_name, "media": media}
    manifest_bytes = manifest.build(
        transcript_id=transcript_id,
        archive_id=settings.archive_id,
        generated_at=now,
        version=__version__,
        scope=scope_record,
        zone=zone_name,
        media=media,
        pages=pages,
        bates_prefix=prefix,
        bates_first=first_number,
        bates_last=last_number,
        disclosures=cover_facts["disclosures"],
        messages=((row.id, row.content_hash) for row in plan.rows),
        audit_head=audit.head(archive.conn),
    )
    document = pdf.assemble([part for r in results for part in r["parts"]])
    marks, offset = [(1, "Cover", 0)], 0
    for r in results:
        marks += [(level, label, page + offset) for level, label, page in r["bookmarks"]]
        offset += r["pages"]
    pdf.bookmarks(document, marks)
    drawn = {"pages": f"{pages:,}", "bates-last": pdf.bates(prefix, last_number)}
    pdf.stamp(document, prefix, first_number, [(where, drawn[name]) for name, where in results[0]["slots"].items()])
    pdf.attach(document, manifest.NAME, manifest_bytes, MANIFEST_DESCRIPTION)

    placed = False
    try:
        try:
            with open(partial, "wb") as fp:
                pdf.save(document, fp)
                fp.flush()
                os.fsync(fp.fileno())
        except OSError as exc:  # the disk filled up, the folder went away…
            raise TextfileError(f"cannot write {path}: {exc.strerror or exc}") from None
        document.close()
        pdf_sha = manifest.file_sha256(partial)
        manifest_sha = manifest.sha256(manifest_bytes)
        with archive.transaction() as w:
            if bates_series(w, prefix, settings.bates_prefix)[1] > first_number:
                raise Conflict(
                    f"another transcript took Bates numbers from {pdf.bates(prefix, first_number)} on while this one was made;"
                    " nothing was written (run it again)"
                )
            cur = w.execute(
                "INSERT INTO transcripts (uuid, matter_id, client_id, scope, from_at, until_at, zone, path, pdf_sha256, manifest_sha256,"
                " pages, messages, bates_prefix, bates_first, bates_last, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    transcript_id,
                    scope.matter_id,
                    scope.client_id,
                    manifest_json(scope_record),
                    from_at,
                    until_at,
                    zone_name,
                    str(path),
                    pdf_sha,
                    manifest_sha,
                    pages,
                    total,
                    prefix,
                    first_number,
                    last_number,
                    now,
                ),
            )
            w.executemany(
                "INSERT INTO transcript_messages (transcript_id, position, message_id, content_hash) VALUES (?, ?, ?, ?)",
                ((cur.lastrowid, i, row.id, row.content_hash) for i, row in enumerate(plan.rows, 1)),
            )
            _take_bates(w, prefix, last_number + 1)
            audit.append(
                w,
                "transcript",
                {
                    "transcript": transcript_id,
                    "matter": scope.matter,
                    "client": scope.client,
                    "from": from_at,
                    "until": until_at,
                    "path": str(path),
                    "pdf_sha256": pdf_sha,
                    "manifest_sha256": manifest_sha,
                    "pages": pages,
                    "messages": total,
                    "bates_first": pdf.bates(prefix, first_number),
                    "bates_last": pdf.bates(prefix, last_number),
                },
            )
            _place(partial, path)
            placed = True
    except BaseException:
        if placed:
            path.unlink(missing_ok=True)
        raise
    return {
        "path": str(path),
        "transcript": transcript_id,
        "matter": scope.matter,
        "client": scope.client,
        "from": from_at,
        "until": until_at,
        "zone": zone_name,
        "messages": total,
        "conversations": len(plan.conversations),
        "pages": pages,
        "bates_first": pdf.bates(prefix, first_number),
        "bates_last": pdf.bates(prefix, last_number),
        "pdf_sha256": pdf_sha,
        "manifest_sha256": manifest_sha,
        "chunks": len(jobs),
        "refused_urls": [u for r in results for u in r["refused"]],
        "seconds": round(time.monotonic() - started, 2),
        "phases_s": {
            "plan": round(planned - started, 2),
            "render": round(rendered - planned, 2),
            "finish": round(time.monotonic() - rendered, 2),
        },
        "render": {
            "processes": len({r["pid"] for r in results}),
            "peak_rss_mb": max(r["peak_rss_mb"] for r in results),
            "cpu_s": round(sum({r["pid"]: r["cpu_s"] for r in results}.values()), 1),
        },
    }


def manifest_json(value) -> str:
    from textfile.fingerprint import canonical_json

    return canonical_json(value)


def _place(partial: Path, path: Path) -> None:
    """Give the finished file its name without ever replacing a file of that name."""
    try:
        os.link(partial, path)
    except FileExistsError:
        raise Conflict(f"{path} appeared while the transcript was being made; nothing was written") from None
    except OSError:  # a file system without hard links
        if path.exists():
            raise Conflict(f"{path} appeared while the transcript was being made; nothing was written") from None
        os.replace(partial, path)


def verify_pdfs(archive: Archive, paths: list[str | os.PathLike]) -> list[dict]:
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
    reports = [verify_pdf(archive.conn, archive.settings.archive_id, p) for p in paths]
    chain = [f"the archive's audit log: {problem}" for problem in audit.verify(archive.conn, archive.path)]
    for r in reports:
        if chain:  # a transcript matches only an archive whose record of its changes holds
            r["problems"] += chain
            r["ok"], r["matches"] = False, None
        recorded = r.get("recorded_path")
        r["recorded_gone"] = bool(
            recorded and recorded != str(Path(r["path"]).resolve()) and not _holds(recorded, r["sha256"])
        )
    return reports


def _holds(path: str, sha: str) -> bool:
    """Whether the file at `path` has this sha256 (an unreadable or missing file does not)."""
    from textfile.fingerprint import file_sha256

    try:
        return file_sha256(path) == sha
    except OSError:
        return False


def record_deleted(archive: Archive, paths: list, reason: str | None) -> list[dict]:
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
            record = {
                "transcript": row["uuid"],
                "path": str(path),
                "made": row["created_at"],
                "reason": (reason or "").strip() or None,
                "at": times.now_iso(),
                "by": audit.current_user(),
            }
            conn.execute(
                "INSERT INTO transcript_retirements (transcript_id, reason, retired_at, retired_by) VALUES (?, ?, ?, ?)",
                (row["id"], record["reason"], record["at"], record["by"]),
            )
            audit.append(conn, "transcript deleted", record)
            done.append(record)
    return done


def record_moves(archive: Archive, reports: list[dict]) -> list[dict]:
    """For each transcript that verified at a new place while its recorded file is gone (moved or
    renamed), record where it is now, audited. A copy beside an original still in place moves nothing."""
    moves = []
    with archive.transaction() as conn:
        for r in reports:
            if not r["ok"] or not r["recorded_gone"]:
                continue
            new, old = str(Path(r["path"]).resolve()), r["recorded_path"]
            conn.execute("UPDATE transcripts SET path = ? WHERE uuid = ?", (new, r["transcript"]))
            move = {"transcript": r["transcript"], "from": old, "to": new}
            audit.append(conn, "transcript moved", move)
            moves.append(move)
    return moves
