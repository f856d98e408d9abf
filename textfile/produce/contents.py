"""What a production holds beside its PDFs: natives, RSMF, CSV/JSONL, extracted text, load files, the
redaction and privilege logs, the signing certificate (see production.py for the order, documents.py
for the documents and their text)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textfile import __version__, sightings
from textfile.produce import documents
from textfile.produce.folder import Folder

if TYPE_CHECKING:
    from textfile.produce.production import Run

GENERATOR = f"textfile {__version__}"


@dataclass
class Others:
    """What a production holds beside its PDFs."""

    natives: list[documents.Native]
    next_number: int  # the series' next free number once the natives are numbered
    rsmf: int
    privileged_notes: int
    withheld_versions: int = 0  # the earlier versions of the redacted messages, withheld (they hold the words)
    certification_sha256: str | None = None  # CERTIFICATION.pdf's
    sums: str = ""  # SHA256SUMS's sha256


def write_others(run: Run, first_native: int, pdfs, message_bates) -> Others:
    """Natives (numbered on from `first_native`), RSMF, CSV/JSONL, extracted text, load files, the logs,
    the signing certificate."""
    from textfile.produce import loadfiles, signing, tabular
    from textfile.transcript import pdf

    archive, chosen, series, folder, redactions = run.archive, run.chosen, run.series, run.folder, run.redactions
    conn = archive.conn
    ids = chosen.ids
    natives = documents.natives(conn, ids)
    number = first_native
    for native in natives:
        native.bates = pdf.bates(series.prefix, number)
        native.path = f"NATIVES/{documents.native_name(native.bates, native.file_name)}"
        folder.write(native.path, documents.blob(conn, native.sha256), "native", (native.bates, native.bates))
        number += 1
    numbers = _numbers(conn, chosen, run.imports_until)
    facts = _facts(conn, chosen)
    owner = archive.settings.owner_name
    custodians = _custodians(conn, ids, owner, run.imports_until)
    rows = tabular.message_rows(
        conn,
        ids,
        run.zone,
        message_bates,
        redactions,
        numbers=numbers,
        natives={(n.message_id, n.position): n.bates for n in natives},
        outside=_outside(chosen, facts),
        owner_name=owner,
        imports_until=run.imports_until,
    )
    from textfile.transcript.content.unreadable import shown_flags, unreadable

    gone = unreadable(conn, ids, run.imports_until)  # (their text could not be read: said so, as the PDFs say it)
    for r in rows:
        r["flags"] = shown_flags(r["flags"], r["message_id"] in gone)
    # (a redacted message's id and content hash, keyed: transcript/keyed.py; a reply's, outside it, too)
    keyed = run.keyed(r["reply_to_message_id"] for r in rows if r["reply_to_message_id"])
    shown = [keyed(r) if keyed.holds(r["message_id"], r["reply_to_message_id"]) else r for r in rows]
    folder.write("DATA/messages.csv", tabular.csv_bytes(shown), "csv")
    folder.write("DATA/messages.jsonl", tabular.jsonl_bytes(shown), "jsonl")
    rsmf = _rsmf(run, pdfs, message_bates, custodians, keyed)
    natives_of: dict[str, list[documents.Native]] = {}
    for n in natives:
        natives_of.setdefault(n.message_id, []).append(n)
    by_id = {r["message_id"]: r for r in rows}
    for p in pdfs:
        folder.write(
            f"TEXT/{p.begbates}.txt",
            documents.pdf_text(
                [by_id[m] for m in p.message_ids],
                numbers,
                natives_of,
                redactions if run.edition >= 2 else {},  # (said from edition 2 on: production.EDITION)
            ),
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
    docs = documents.load_documents(pdfs, natives, facts, lambda of: _named(custodians, of), message_bates)
    folder.write("DATA/loadfile.dat", loadfiles.dat_bytes(docs), "dat")
    folder.write("DATA/loadfile.opt", loadfiles.opt_bytes([d for d in docs if d.image_path], "VOL001"), "opt")
    folder.write("DATA/redaction-log.csv", _redaction_log(redactions, message_bates, numbers, keyed), "log")
    privileged = _privilege_log(conn, chosen, run.zone, folder)
    folder.write("signing-certificate.pem", signing.certificate_pem(run.signer), "certificate")
    withheld = sum(r["versions"] - 1 for r in rows if r["message_id"] in redactions)
    return Others(natives, number, len(rsmf), privileged, withheld)


def _rsmf(run: Run, pdfs, message_bates, custodians: dict[str, set[str]], keyed) -> list[str]:
    """One .rsmf per conversation (sliced when long), naming the custodians of its own messages; an exhibit
    names its conversation's. `run.imports_until`: where they were found, by the imports up to it only."""
    from textfile.produce import rsmf

    conn, chosen, redactions, folder = run.archive.conn, run.chosen, run.redactions, run.folder
    owner, imports_until = run.archive.settings.owner_name, run.imports_until
    written = []
    for c in chosen.conversations:
        for name, data in rsmf.conversation_rsmf(
            conn,
            c,
            chosen.messages[c],
            custodian=_named(custodians, chosen.messages[c]),
            owner_name=owner,
            bates=message_bates,
            generator=GENERATOR,
            redactions={m: redactions[m] for m in chosen.messages[c] if m in redactions},
            imports_until=imports_until,
            keyed=keyed,
            first_attachment=1 if run.edition >= 2 else 0,  # (production.EDITION)
        ):
            folder.write(f"RSMF/{name}", data, "rsmf")
            written.append(f"RSMF/{name}")
            for p in pdfs:
                if p.exhibit and p.conversations == [c]:
                    p.rsmf.append(f"RSMF/{name}")
    return written


def _outside(chosen, facts: dict) -> set[str]:
    """The messages produced as context (--context), outside the window asked for."""
    return {
        mid
        for mid, (sent_at, _c) in facts["messages"].items()
        if (chosen.from_at and sent_at < chosen.from_at) or (chosen.until_at and sent_at > chosen.until_at)
    }


def _numbers(conn, chosen, until: int | None = None) -> dict[str, str]:
    """Each produced message's number in its conversation ("2.15"), as transcripts print it (`until`: among
    the messages first archived by the imports up to it, as a transcript made again numbers them)."""
    wanted = set(chosen.ids)
    found = {}
    bound = sightings.up_to("import_id", until)
    for c in chosen.conversations:
        for n, (mid,) in enumerate(
            conn.execute(f"SELECT id FROM messages WHERE conversation_id = ?{bound} ORDER BY sent_at, rowid", (c,)), 1
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


def _custodians(conn, ids: list[str], owner: str, until: int | None = None) -> dict[str, set[str]]:
    """Whom each message was collected from: the custodians of the imports (up to `until`) that hold it
    (the owner's phone when an import names none), by message id."""
    found: dict[str, set[str]] = {}
    for mid, custodian in conn.execute(
        f"SELECT DISTINCT s.message_id, i.custodian FROM ({sightings.of_ids(until)}) s JOIN imports i ON i.id = s.import_id",
        (json.dumps(ids),),
    ):
        found.setdefault(mid, set()).add(custodian or owner)
    return found


def _named(custodians: dict[str, set[str]], ids: list[str]) -> str:
    """The custodians of these messages, as the load file, the RSMF and the certification name them:
    "Alex Owner; Jordan Lee"."""
    return "; ".join(sorted({name for mid in ids for name in custodians.get(mid, ())}))


def _redaction_log(redactions: dict, message_bates: dict, numbers: dict, keyed) -> bytes:
    """Every redaction applied: its number, the message (number, keyed id, Bates), the reason."""
    import csv
    import io

    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(("Redaction", "Bates", "Message", "Message ID", "Reason"))
    for mid in sorted(redactions, key=lambda m: (message_bates[m], numbers[m])):
        for s in redactions[mid]:  # (never where or how long: that would tell of what is hidden)
            writer.writerow((s.id, message_bates[mid], f"#{numbers[mid]}", keyed.value(mid), s.reason))
    return out.getvalue().encode("utf-8")


def _privilege_log(conn, chosen, zone, folder: Folder) -> int:
    """The privileged notes of the matter the production leaves out, as the privilege log (when any): those
    about the matter as a whole, and those about a message of the window in a conversation it produces."""
    from textfile import notes

    log = notes.privilege_log(conn, chosen.matter_id, chosen.from_at, chosen.until_at, zone, chosen.conversations)
    if log:
        from textfile.notes.privilege import csv_bytes

        folder.write("DATA/privilege-log.csv", csv_bytes(log), "log")
    return len(log)
