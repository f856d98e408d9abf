"""The disposal certificate: a PDF saying what was disposed of, under which policy, by whom and when, with
the hashes of what went (never its text), recorded so that `textfile verify CERT.pdf` proves it.

It is made as a review report is (review/pdf/): HTML (jinja2, autoescaped) laid out by WeasyPrint with
the transcripts' stylesheets and its own, PDF/A-3b, page and Bates numbers stamped (the transcripts'
series: a number is never used twice), the manifest attached (manifest.py), written 0600 to a partial
file beside its name (`transcript.output.partial_file`), and recorded with one audit entry ("disposal
certificate") before it takes its name (`transcript.recording.on_record`). Its facts are the
`disposals` row and the audit entry "dispose" that recorded it (number and hash): the certificate is
made after that entry, and may be made again (`dispose MATTER --certificate`).
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from textfile import __version__, audit, scratch, times
from textfile.errors import Conflict, NotFound, TextfileError
from textfile.filing.names import matter_row
from textfile.results import Result

if TYPE_CHECKING:
    from textfile.archive import Archive

TEMPLATES = Path(str(resources.files("textfile.lifecycle.disposal.certificate") / "templates"))


@dataclass(slots=True, eq=False)
class Certificate(Result):
    """A certificate made: where, its id, the matter, pages, Bates range, hashes."""

    path: str
    certificate: str
    matter: str
    pages: int
    bates_first: str
    bates_last: str
    pdf_sha256: str
    manifest_sha256: str


def destination(conn, matter, out, mkdir: bool = False) -> Path:
    """Where the certificate goes: --out as given (its folder made with --mkdir), else a free name in the
    current folder (where transcripts go by default). Never over a file, nor at a path the archive records for another output."""
    from textfile.transcript.output import default_name, output_path, recorded_paths

    recorded = recorded_paths(conn)
    if out:
        return output_path(out, None, "", mkdir=mkdir, recorded=recorded, kind="certificate")
    client = conn.execute("SELECT name FROM clients WHERE id = ?", (matter["client_id"],)).fetchone()[0]
    name = default_name(times.now_iso()[:10], client, matter["reference"]).replace("_transcript.pdf", "_disposal")
    path, n = Path(f"{name}.pdf").absolute(), 2
    while path.exists() or str(path) in recorded:
        path, n = Path(f"{name}-{n}.pdf").absolute(), n + 1
    return path


def facts(conn, reference: str) -> dict:
    """The disposal as recorded, with its matter, client and audit entry: what the certificate says."""
    matter = matter_row(conn, reference)
    row = conn.execute("SELECT * FROM disposals WHERE matter_id = ?", (matter["id"],)).fetchone()
    if row is None:
        raise NotFound(f"matter {matter['reference']} was not disposed of (see textfile retention report)")
    entry = conn.execute(
        "SELECT id, hash FROM audit_log WHERE command = 'dispose' AND json_extract(details, '$.disposal') = ? ORDER BY id DESC",
        (row["id"],),
    ).fetchone()
    if entry is None:
        raise TextfileError(f"no audit entry records the disposal of matter {matter['reference']}: verify the archive")
    client = conn.execute("SELECT name FROM clients WHERE id = ?", (matter["client_id"],)).fetchone()[0]
    counts = json.loads(row["counts"])
    disposal = {
        "disposal": row["id"],
        "matter": matter["reference"],
        "title": matter["title"],
        "client": client,
        "opened_at": matter["opened_at"],
        "closed_at": matter["closed_at"],
        "disposed_at": row["disposed_at"],
        "disposed_by": row["disposed_by"],
        "reason": row["reason"],
        "policy": json.loads(row["policy"]),
        "counts": counts,
        "per_import": json.loads(row["per_import"]),
        "messages_sha256": row["messages_sha256"],
        "blobs_sha256": row["blobs_sha256"],
        "transcripts": json.loads(row["transcripts"]),
        "reports": json.loads(row["reports"]),
    }
    return {
        "disposal": disposal,
        "audit_entry": {"entry": entry["id"], "hash": entry["hash"]},
        "messages": json.loads(row["messages"]),
        "blobs": json.loads(row["blobs"]),
    }


def make(archive: Archive, reference: str, path: Path) -> Certificate:
    """Render, record and write the certificate of a matter's disposal (see the module's docstring)."""
    from textfile.archive import validate_bates_prefix
    from textfile.lifecycle.disposal.certificate import manifest
    from textfile.transcript import pdf
    from textfile.transcript.bates import bates_series
    from textfile.transcript.made import Made
    from textfile.transcript.output import partial_file
    from textfile.transcript.recording import on_record

    audit.require_key(archive.conn)
    settings = archive.settings
    found = facts(archive.conn, reference)
    series = bates_series(
        archive.conn, validate_bates_prefix(settings.bates_prefix, stored=True), settings.bates_prefix
    )
    made = Made(str(uuid.uuid4()), times.now_iso(), path, series.prefix, series.number)
    made_by = audit.current_user()
    with partial_file(path) as partial, scratch.temporary_folder("textfile-certificate-", "the certificate") as parts:
        page = _page(found, made, made_by, settings, pdf.bates(made.prefix, made.first_number))
        rendered, made.pages = _render(page, parts)
        manifest_bytes = manifest.build(
            found,
            certificate_id=made.id,
            archive_id=settings.archive_id,
            made_at=made.generated_at,
            made_by=made_by,
            prefix=made.prefix,
            first=made.first_number,
            last=made.last_number,
            pages=made.pages,
        )
        document = pdf.assemble(rendered)
        pdf.stamp(document, made.prefix, made.first_number)
        pdf.attach(document, manifest.NAME, manifest_bytes, manifest.DESCRIPTION)
        made.pdf_sha256 = pdf.save_partial(document, partial, made.path)
        made.manifest_sha256 = manifest.sha256(manifest_bytes)
        details = {
            "certificate": made.id,
            "disposal": found["disposal"]["disposal"],
            "matter": found["disposal"]["matter"],
            "path": str(made.path),
            "pdf_sha256": made.pdf_sha256,
            "manifest_sha256": made.manifest_sha256,
            "pages": made.pages,
            "bates_first": pdf.bates(made.prefix, made.first_number),
            "bates_last": pdf.bates(made.prefix, made.last_number),
            "by": made_by,
        }
        on_record(
            archive,
            made,
            partial,
            "a transcript or report took Bates numbers from {first} on while this certificate was made; nothing was"
            " written (make it again: textfile dispose MATTER --certificate)",
            lambda w: _insert(w, found, made, made_by),
            "disposal certificate",
            details,
            "certificate",
        )
    return Certificate(
        str(made.path),
        made.id,
        found["disposal"]["matter"],
        made.pages,
        details["bates_first"],
        details["bates_last"],
        made.pdf_sha256,
        made.manifest_sha256,
    )


def _page(found: dict, made, made_by: str, settings, bates_first: str) -> dict:
    """The template's data: the facts with their times in the archive's zone, and the appendix's rows."""
    from textfile.transcript.render import page_size

    tz = times.zone(settings.tz)
    d = found["disposal"]
    local = {k: times.display(d[k], tz) for k in ("opened_at", "closed_at", "disposed_at")}
    counts = {
        k: v
        for k, v in d["counts"].items()
        if k not in ("kept", "kept_filed", "kept_notes", "inherited", "scrubbed", "audit_quotes")
    }
    return {
        "title": f"Disposal certificate — {d['client']} — {d['matter']}",
        "page_size": page_size(settings.region),
        "d": d,
        "local": local,
        "zone": settings.tz,
        "owner": settings.owner_name,
        "made_local": times.display(made.generated_at, tz),
        "made_utc": made.generated_at,
        "made_by": made_by,
        "version": __version__,
        "certificate_id": made.id,
        "bates_first": bates_first,
        "entry": found["audit_entry"],
        "counts": sorted(counts.items()),
        "kept": d["counts"].get("kept", 0),
        "kept_filed": d["counts"].get("kept_filed", d["counts"].get("kept", 0)),
        "kept_notes": d["counts"].get("kept_notes", []),
        "inherited": d["counts"].get("inherited", []),
        "scrubbed": d["counts"].get("scrubbed", 0),
        "audit_quotes": d["counts"].get("audit_quotes", 0),
        "messages": found["messages"],
        "blobs": found["blobs"],
    }


LINES = 4000  # appendix lines per document laid out: WeasyPrint lays out 4,000 preformatted lines in ~2 s


def _appendix(page: dict) -> list[dict]:
    """The appendix's documents: each a heading where a list begins, and up to LINES lines of hashes."""
    kept = [(f"note {k['note']} of {k['matter']}", mid) for k in page["kept_notes"] for mid in k.get("ids", [])]
    inherited = [(k["matter"], k["note"], mid) for k in page["inherited"] for mid in k["ids"]]
    lists = (
        (
            "Appendix A: messages deleted",
            "number, message id, content hash",
            [f"{i:>7,}  {mid}  {digest}" for i, (mid, digest) in enumerate(page["messages"], 1)],
        ),
        (
            "Appendix B: attachment files deleted",
            "number, sha256",
            [f"{i:>7,}  {sha}" for i, sha in enumerate(page["blobs"], 1)],
        ),
        (
            "Appendix C: messages kept for a note of another matter",
            "number, note and its matter, message id",
            [f"{i:>7,}  {note:<20}  {mid}" for i, (note, mid) in enumerate(kept, 1)],
        ),
        (
            "Appendix D: messages deleted that an earlier disposal kept for a note of this matter",
            "number, matter disposed of, note, message id",
            [f"{i:>7,}  {matter:<12}  note {note:<6}  {mid}" for i, (matter, note, mid) in enumerate(inherited, 1)],
        ),
    )
    parts = []
    for heading, columns, lines in (found for found in lists if found[2]):  # (an empty list: none printed)
        for k, start in enumerate(range(0, len(lines), LINES)):
            chunk = lines[start : start + LINES]
            parts.append({"heading": heading if k == 0 else None, "columns": columns, "lines": "\n".join(chunk)})
    return parts


def _render(page: dict, folder: str) -> tuple[list[str], int]:
    """The certificate laid out with the transcripts' page and cover stylesheets and its own: the cover
    (PDF/A-3b, the document's catalog), then the appendix, LINES lines a document; its part files and pages."""
    from jinja2 import Environment, FileSystemLoader
    from weasyprint import HTML

    from textfile.transcript.render import archive_fetcher
    from textfile.transcript.render.assets import page_stylesheets
    from textfile.transcript.render.layout import _collector_off, written
    from textfile.transcript.render.text import isolated

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True)
    env.filters["isolated"] = isolated
    fonts, sheets = page_stylesheets(TEMPLATES / "certificate.css")
    fetcher = archive_fetcher()
    documents = [env.get_template("certificate.html.j2").render(**page)] + [
        env.get_template("appendix.html.j2").render(**page | part) for part in _appendix(page)
    ]
    parts, pages = [], 0
    for k, html in enumerate(documents):
        with _collector_off():
            laid_out = HTML(string=html, url_fetcher=fetcher, base_url=None).render(
                font_config=fonts, stylesheets=sheets
            )
            part = Path(folder) / f"part-{k:05d}.pdf"
            fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fp:
                fp.write(written(laid_out, catalog=k == 0))
            parts.append(str(part))
            pages += len(laid_out.pages)
            del laid_out
    return parts, pages


def _insert(w, found: dict, made, made_by: str) -> None:
    if w.execute("SELECT 1 FROM disposal_certificates WHERE path = ?", (str(made.path),)).fetchone():
        raise Conflict(f"{made.path}: the archive records another certificate there")
    w.execute(
        "INSERT INTO disposal_certificates (uuid, disposal_id, path, pdf_sha256, manifest_sha256, pages, bates_prefix,"
        " bates_first, bates_last, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            made.id,
            found["disposal"]["disposal"],
            str(made.path),
            made.pdf_sha256,
            made.manifest_sha256,
            made.pages,
            made.prefix,
            made.first_number,
            made.last_number,
            made.generated_at,
            made_by,
        ),
    )
