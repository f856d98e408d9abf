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

import json
import time
from dataclasses import dataclass, field

from textfile import __version__, audit, times
from textfile.archive import Archive, validate_bates_prefix
from textfile.errors import Conflict, InvalidInput, TextfileError
from textfile.produce import documents, selection
from textfile.produce.folder import Folder
from textfile.results import Result, omit_empty
from textfile.transcript.bates import Series, bates_series, take_bates

GENERATOR = f"textfile {__version__}"


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
    ids = chosen.ids
    if request.require_reviewed:
        selection.check_reviewed(conn, ids)
    earlier = selection.check_not_produced(conn, ids, request.reproduce)
    redactions = _redactions(conn, ids)
    labels = exhibit_labels(request.exhibit_start, len(chosen.conversations)) if request.exhibits else []
    now = times.now_iso()
    number = next_production_number(conn)
    signer = _signer(archive)
    folder = Folder(request.out, request.mkdir)
    seconds = {}
    pdfs, message_bates, after = _pdfs(archive, request, chosen, series, labels, folder, signer, now, progress, number)
    seconds["pdf"] = round(time.monotonic() - started, 2)
    other = time.monotonic()
    others = _others(
        archive, chosen, Series(series.prefix, after), pdfs, message_bates, redactions, folder, zone, signer, now
    )
    fingerprint = signer.fingerprint
    folder.write(
        "README.txt", _readme(conn, number, chosen, settings, pdfs, others, redactions, fingerprint, now), "readme"
    )
    others.certificate_sha256 = _certification(
        archive, number, chosen, series, pdfs, others, redactions, folder, signer, now
    )
    sums = folder.finish()
    seconds["other"] = round(time.monotonic() - other, 2)
    production = _record(
        archive, request, chosen, series, pdfs, others, message_bates, redactions, folder, earlier, number, sums, now
    )
    production.seconds = {**seconds, "total": round(time.monotonic() - started, 2)}
    return production


def _redactions(conn, ids: list[str]) -> dict:
    from textfile.produce import redaction

    return redaction.spans(conn, ids)


def _signer(archive: Archive):
    """The archive's signing key (made on first use, audited), to sign every PDF of the production."""
    from textfile.produce import signing

    return signing.ensure_key(archive)


def _pdfs(archive, request: Request, chosen, series, labels, folder: Folder, signer, now, progress, production: int):
    """The PDFs, one continuous Bates series from the series' next free number; each message's Bates number."""
    from textfile.produce import signing
    from textfile.transcript import make_transcript, pdf

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
            production=f"Production {production}",
            redact=True,
            notes=False,
            signer=lambda path: signing.sign_pdf(path, signer, when=now),
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


@dataclass
class Others:
    """What a production holds beside its PDFs."""

    natives: list[documents.Native]
    next_number: int  # the series' next free number once the natives are numbered
    rsmf: int
    privileged_notes: int
    certificate_sha256: str | None = None


def _others(archive, chosen, series: Series, pdfs, message_bates, redactions, folder: Folder, zone, signer, now):
    """Natives, RSMF, CSV/JSONL, extracted text, load files, the logs, the signing certificate."""
    from textfile.produce import loadfiles, signing, tabular
    from textfile.transcript import pdf

    conn = archive.conn
    ids = chosen.ids
    natives = documents.natives(conn, ids)
    number = series.number
    for native in natives:
        native.bates = pdf.bates(series.prefix, number)
        native.path = f"NATIVES/{documents.native_name(native.bates, native.file_name)}"
        folder.write(native.path, documents.blob(conn, native.sha256), "native", (native.bates, native.bates))
        number += 1
    rows = tabular.message_rows(conn, ids, zone, message_bates, redactions)
    folder.write("DATA/messages.csv", tabular.csv_bytes(rows), "csv")
    folder.write("DATA/messages.jsonl", tabular.jsonl_bytes(rows), "jsonl")
    rsmf = _rsmf(conn, chosen, pdfs, message_bates, redactions, folder, archive.settings.owner_name)
    numbers = _numbers(conn, chosen)
    natives_of: dict[str, list[documents.Native]] = {}
    for n in natives:
        natives_of.setdefault(n.message_id, []).append(n)
    by_id = {r["message_id"]: r for r in rows}
    for p in pdfs:
        folder.write(
            f"TEXT/{p.begbates}.txt",
            documents.pdf_text([by_id[m] for m in p.message_ids], numbers, natives_of),
            "text",
            (p.begbates, p.endbates),
        )
    for n in natives:
        folder.write(
            f"TEXT/{n.bates}.txt",
            documents.native_text(n, numbers[n.message_id], message_bates.get(n.message_id)),
            "text",
            (n.bates, n.bates),
        )
    custodian = _custodian(conn, ids, archive.settings.owner_name)
    docs = documents.load_documents(pdfs, natives, _facts(conn, chosen), custodian)
    folder.write("DATA/loadfile.dat", loadfiles.dat_bytes(docs), "dat")
    folder.write("DATA/loadfile.opt", loadfiles.opt_bytes([d for d in docs if d.image_path], "VOL001"), "opt")
    folder.write("DATA/redaction-log.csv", _redaction_log(conn, redactions, message_bates, numbers), "log")
    privileged = _privilege_log(conn, chosen, zone, folder)
    folder.write("signing-certificate.pem", signing.certificate_pem(signer), "certificate")
    return Others(natives, number, len(rsmf), privileged)


def _rsmf(conn, chosen, pdfs, message_bates, redactions, folder: Folder, owner: str) -> list[str]:
    """One .rsmf per conversation (sliced when long); an exhibit names its conversation's."""
    from textfile.produce import rsmf

    written = []
    for c in chosen.conversations:
        for name, data in rsmf.conversation_rsmf(
            conn,
            c,
            chosen.messages[c],
            custodian=owner,
            bates=message_bates,
            generator=GENERATOR,
            redactions={m: redactions[m] for m in chosen.messages[c] if m in redactions},
        ):
            folder.write(f"RSMF/{name}", data, "rsmf")
            written.append(f"RSMF/{name}")
            for p in pdfs:
                if p.exhibit and p.conversations == [c]:
                    p.rsmf.append(f"RSMF/{name}")
    return written


def _numbers(conn, chosen) -> dict[str, str]:
    """Each produced message's number in its conversation ("2.15"), as transcripts print it."""
    wanted = set(chosen.ids)
    found = {}
    for c in chosen.conversations:
        for n, (mid,) in enumerate(
            conn.execute("SELECT id FROM messages WHERE conversation_id = ? ORDER BY sent_at, rowid", (c,)), 1
        ):
            if mid in wanted:
                found[mid] = f"{c}.{n}"
    return found


def _facts(conn, chosen) -> dict:
    """What the load files say of each conversation and message (see documents.load_documents)."""
    conversations, messages = {}, {}
    for c in chosen.conversations:
        title = conn.execute("SELECT title FROM conversations WHERE id = ?", (c,)).fetchone()[0]
        people = [
            h
            for (h,) in conn.execute("SELECT handle FROM participants WHERE conversation_id = ? ORDER BY handle", (c,))
        ]
        rows = conn.execute(
            "SELECT id, sent_at FROM messages WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(chosen.messages[c]),),
        ).fetchall()
        for mid, sent_at in rows:
            messages[mid] = (sent_at, c)
        conversations[c] = (title or f"conversation {c}", people, min(r[1] for r in rows))
    return {"conversations": conversations, "messages": messages}


def _custodian(conn, ids: list[str], owner: str) -> str:
    """Whom the texts were collected from: the custodians of the imports that hold them (the owner's
    phone when an import names none)."""
    names = sorted(
        {
            r[0] or owner
            for r in conn.execute(
                "SELECT DISTINCT i.custodian FROM message_sources s JOIN imports i ON i.id = s.import_id"
                " WHERE s.message_id IN (SELECT value FROM json_each(?))",
                (json.dumps(ids),),
            )
        }
    )
    return "; ".join(names) or owner


def _redaction_log(conn, redactions: dict, message_bates: dict, numbers: dict) -> bytes:
    """Every redaction applied: its number, the message (number, id, Bates), the place, the reason."""
    import csv
    import io

    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(("Redaction", "Bates", "Message", "Message ID", "Characters", "Reason"))
    for mid in sorted(redactions, key=lambda m: (message_bates[m], numbers[m])):
        for s in redactions[mid]:
            writer.writerow((s.id, message_bates[mid], f"#{numbers[mid]}", mid, f"{s.start}-{s.end}", s.reason))
    return out.getvalue().encode("utf-8")


def _privilege_log(conn, chosen, zone, folder: Folder) -> int:
    """The privileged notes of the matter the production leaves out, as the privilege log (when any)."""
    from textfile import notes

    log = notes.privilege_log(conn, chosen.matter_id, chosen.from_at, chosen.until_at, zone)
    if log:
        from textfile.notes.privilege import csv_bytes

        folder.write("DATA/privilege-log.csv", csv_bytes(log), "log")
    return len(log)


def next_production_number(conn) -> int:
    found = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'productions'").fetchone()
    return (found[0] if found else 0) + 1


README = """\
PRODUCTION {number} OF MATTER {matter} ({title})
Produced {when} by {owner}, with {generator}.
Bates numbers {first} to {last}: {pages} PDF page(s){natives}.

WHAT IS HERE
  IMAGES/    the texts as PDF, Bates-numbered on every page{exhibits}, signed (PAdES)
  NATIVES/   each attachment as its original file, named by its Bates number
  RSMF/      each conversation in Relativity Short Message Format 2.0 (.rsmf), for review platforms
  TEXT/      the extracted text of each document, named by its first Bates number
  DATA/      messages.csv and messages.jsonl (one row per message, every field, UTC and local time);
             loadfile.dat (Concordance) and loadfile.opt (Opticon) load files;
             redaction-log.csv{privilege}
  CERTIFICATION.pdf / CERTIFICATION.txt
             a declaration under 28 U.S.C. 1746 and FRE 902(13)/(14), to be completed and signed
  signing-certificate.pem
             the certificate the PDFs are signed with; its SHA-256 fingerprint:
             {fingerprint}
  SHA256SUMS the SHA-256 of every file above

HOW TO CHECK IT (no textfile needed)
  1. Every file is as produced:    cd <this folder> && sha256sum -c SHA256SUMS
     (on macOS: shasum -a 256 -c SHA256SUMS). Every line must say OK.
  2. Every PDF is as signed: open it in a PDF reader that shows signatures (Adobe Acrobat
     Reader), or with pyHanko's command line (pip install pyhanko-cli):
       pyhanko sign validate --trust signing-certificate.pem IMAGES/<file>.pdf
     The signature must be valid and cover the whole file; the signer's certificate must be
     signing-certificate.pem (fingerprint above).
  3. The load files: loadfile.dat is UTF-8 with a byte-order mark, Concordance delimiters
     (field separator U+0014, quote U+00FE, line break in a value U+00AE); loadfile.opt lists
     each PDF page by Bates number.

REDACTIONS
  {redactions} redaction(s), each shown as a black box with its reason in the PDFs and as
  "[REDACTED: <reason>]" in the RSMF, CSV, JSONL and text files; DATA/redaction-log.csv lists them.
  A redacted message's earlier versions (edits) are withheld.

TIMES
  Times are given in UTC and in {zone} with their offset, at the precision the phone recorded.
"""


def _readme(conn, number: int, chosen, settings, pdfs, others, redactions, fingerprint: str, now: str) -> bytes:
    zone = times.zone(settings.tz)
    natives = len(others.natives)
    return README.format(
        number=number,
        matter=chosen.matter,
        title=chosen.matter_title,
        when=times.display(now, zone),
        owner=settings.owner_name,
        generator=GENERATOR,
        first=pdfs[0].begbates,
        last=others.natives[-1].bates if natives else pdfs[-1].endbates,
        pages=sum(p.pages for p in pdfs),
        natives=f" and {natives} native file(s)" if natives else "",
        exhibits=", one exhibit per conversation" if pdfs[0].exhibit else "",
        privilege="; privilege-log.csv (the privileged notes withheld)" if others.privileged_notes else "",
        fingerprint=fingerprint,
        redactions=sum(len(v) for v in redactions.values()),
        zone=settings.tz,
    ).encode("utf-8")


def _record(
    archive, request, chosen, series, pdfs, others, message_bates, redactions, folder, earlier, number, sums, now
):
    """The production, its files and messages, the natives' numbers taken, audited: one transaction."""
    from textfile.transcript import pdf

    files = sorted(folder.files.values(), key=lambda f: f.path)
    first = pdfs[0].begbates
    last = others.natives[-1].bates if others.natives else pdfs[-1].endbates
    options = {
        "from": request.from_,
        "until": request.until,
        "conversations": request.conversations,
        "exhibits": request.exhibits,
        "exhibit_start": request.exhibit_start if request.exhibits else None,
        "context": request.context,
        "require_reviewed": request.require_reviewed,
        "reproduce": request.reproduce,
    }
    with archive.transaction() as conn:
        natives_from = int(pdfs[-1].endbates.rsplit("-", 1)[1]) + 1
        if others.natives:
            now_free = bates_series(conn, series.prefix, archive.settings.bates_prefix).number
            if now_free != natives_from:
                raise Conflict(
                    f"another production took Bates numbers from {pdf.bates(series.prefix, natives_from)} while this one"
                    f" was made; nothing was recorded: make it again into a new folder ({folder.path} is not a production)"
                )
            take_bates(conn, series.prefix, others.next_number)
        production_id = conn.execute(
            "INSERT INTO productions (matter_id, folder, from_at, until_at, options, bates_prefix, bates_first,"
            " bates_last, reproduces, sums_sha256, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                chosen.matter_id,
                str(folder.path),
                chosen.from_at,
                chosen.until_at,
                json.dumps(options),
                series.prefix,
                series.number,
                others.next_number - 1,
                json.dumps(earlier),
                sums,
                now,
                audit.current_user(),
            ),
        ).lastrowid
        if production_id != number:
            raise Conflict(
                f"another production was recorded as number {number} while this one was made; nothing was recorded:"
                f" make it again into a new folder ({folder.path} is not a production)"
            )
        conn.executemany(
            "INSERT INTO production_files VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(production_id, *f) for f in files],
        )
        conn.executemany(
            "INSERT INTO production_messages VALUES (?, ?, ?, ?, ?)",
            [
                (
                    production_id,
                    mid,
                    chosen.hashes[mid],
                    message_bates[mid],
                    json.dumps([s.id for s in redactions.get(mid, [])]),
                )
                for mid in chosen.ids
            ],
        )
        audit.append(
            conn,
            "produce",
            {
                "production": production_id,
                "matter": chosen.matter,
                "folder": str(folder.path),
                "bates": [first, last],
                "messages": len(chosen.ids),
                "files": len(files),
                "sums_sha256": sums,
                "transcripts": [p.path for p in pdfs],
                "redactions": sorted(s.id for spans in redactions.values() for s in spans),
                "options": options,
                "reproduces": [e["production"] for e in earlier],
            },
        )
    return Production(
        production=production_id,
        matter=chosen.matter,
        folder=str(folder.path),
        bates_first=first,
        bates_last=last,
        pdfs=[
            {"path": p.path, "pages": p.pages, "bates": [p.begbates, p.endbates], "exhibit": p.exhibit} for p in pdfs
        ],
        messages=len(chosen.ids),
        conversations=len(chosen.conversations),
        pages=sum(p.pages for p in pdfs),
        natives=len(others.natives),
        rsmf=others.rsmf,
        redactions=sum(len(v) for v in redactions.values()),
        privileged_notes=others.privileged_notes,
        files=len(files) + 1,
        sums_sha256=sums,
        certificate_sha256=others.certificate_sha256,
        reproduces=earlier,
    )


def _certification(archive, number, chosen, series, pdfs, others, redactions, folder: Folder, signer, now) -> str:
    """CERTIFICATION.pdf (signed) and CERTIFICATION.txt: the declaration, pre-filled with every file
    written so far (all but itself and SHA256SUMS); the PDF's sha256."""
    from textfile.produce import certify, signing

    settings = archive.settings
    facts = certify.Certification(
        production=str(number),
        produced_at=now,
        produced_by=audit.current_user(),
        zone=settings.tz,
        region=settings.region,
        owner=settings.owner_name,
        archive_id=settings.archive_id,
        client=chosen.client,
        matter=chosen.matter,
        matter_title=chosen.matter_title,
        window_from=chosen.from_at,
        window_until=chosen.until_at,
        conversations=len(chosen.conversations),
        messages=len(chosen.ids),
        bates_first=pdfs[0].begbates,
        bates_last=others.natives[-1].bates if others.natives else pdfs[-1].endbates,
        sources=certify.sources_of(archive.conn, chosen.ids, settings.owner_name),
        files=tuple(
            certify.ProducedFile(f.path, f.sha256, f.size, f.bates_first, f.bates_last)
            for f in sorted(folder.files.values(), key=lambda f: f.path)
        ),
        redactions=sum(len(v) for v in redactions.values()),
        redaction_log="DATA/redaction-log.csv",
        signing_certificate=signer.fingerprint,
        certificate_file="signing-certificate.pem",
    )
    data, text = certify.certification(facts)
    folder.write("CERTIFICATION.txt", text.encode("utf-8"), "certification")
    folder.write_unsummed("CERTIFICATION.pdf", data)
    signing.sign_pdf(folder.path / "CERTIFICATION.pdf", signer, when=now)
    return folder.add("CERTIFICATION.pdf", "certification").sha256
