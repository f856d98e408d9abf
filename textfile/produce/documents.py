"""A production's documents: the PDFs and the natives, their extracted text, their load-file records.

Decisions, and why:
- **Documents.** Each PDF is a document (the matter's transcript, or one conversation's exhibit),
  with its pages' Bates range; each attachment the archive holds is a document of its own, its
  original file named by its Bates number (`NATIVES/P-000041.jpg`), numbered after the PDFs in the
  same series, one number each. An attachment the export did not carry has no native: the CSV and
  the PDF say why (its `missing_reason`).
- **Extracted text** (`TEXT/<BEGBATES>.txt`, UTF-8): for a PDF, every message it shows, each as a
  heading line (number, time with offset, sender, direction, service, Bates) and its text as
  produced (redacted); for a native, what it is (file name, type, size, sha256, the message it
  came with). A platform searches these; they are never OCR of the images.
- **Load-file records** (`loadfiles.Document`): the DAT lists every document (NATIVELINK for a
  native, or for an exhibit the conversation's .rsmf when it is one file), each with the custodians
  of its own messages (a native: its message's; a PDF: those of the messages it shows); the OPT lists
  the pages of the PDFs (a native has no image).
- **Found on**, in the extracted text: under each message's heading, where the PDF says it (its
  messages come from more than one phone), in its words: "found on: Alex Owner's phone, Jordan Lee's
  phone (recorded there at …)".
- **The native's name** keeps the original's extension when it is a plain one (letters and digits,
  up to 10), else none: a file name from an export is never trusted as a path.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field

from textfile.produce.loadfiles import Document

EXTENSION = re.compile(r"\.([A-Za-z0-9]{1,10})$")


@dataclass
class Native:
    """An attachment handed over as its original file."""

    message_id: str
    position: int
    file_name: str | None
    mime: str | None
    sha256: str
    size: int
    bates: str = ""
    path: str = ""


@dataclass
class PdfDocument:
    """A PDF of the production, as rendered: its file, pages, Bates range, conversations, messages."""

    path: str
    pages: int
    begbates: str
    endbates: str
    conversations: list[int]
    message_ids: list[str]
    exhibit: str | None = None
    rsmf: list[str] = field(default_factory=list)
    transcript: str = ""  # its id (the transcript's record)


def natives(conn: sqlite3.Connection, ids: list[str]) -> list[Native]:
    """The attachments the archive holds of these messages, in the messages' order, each by position."""
    order = {mid: n for n, mid in enumerate(ids)}
    found = [
        Native(r[0], r[1], r[2], r[3] or r[5], r[4], r[6])
        for r in conn.execute(
            "SELECT a.message_id, a.position, a.file_name, a.mime, a.blob_sha256, b.mime, b.size"
            " FROM message_attachments a JOIN blobs b ON b.sha256 = a.blob_sha256"
            " WHERE a.message_id IN (SELECT value FROM json_each(?))",
            (json.dumps(ids),),
        )
    ]
    return sorted(found, key=lambda n: (order[n.message_id], n.position))


def native_name(bates: str, file_name: str | None) -> str:
    found = EXTENSION.search(file_name or "")
    return f"{bates}.{found[1].lower()}" if found else bates


def blob(conn: sqlite3.Connection, sha256: str) -> bytes:
    return conn.execute("SELECT data FROM blobs WHERE sha256 = ?", (sha256,)).fetchone()[0]


def pdf_text(
    rows: list[dict],
    numbers: dict[str, str],
    natives_of: dict[str, list[Native]],
    redactions: dict | None = None,
) -> bytes:
    """A PDF's extracted text: each message's heading line with the PDF's marks (a draft never sent, a
    failed send, deleted, edited…, a text that could not be read, in the transcript's own words), where the
    PDF says it the phones it was found on, a call as the PDF says it, and its text as produced; a redacted
    message's (`redactions`: the ids) earlier versions withheld, as the PDF says it."""
    from textfile.transcript.content.marks import _call, _marks
    from textfile.transcript.content.people import phones_said

    # (as the PDF: only where its messages come from more than one phone; `people._found_on`)
    phones = len({f["custodian"] for r in rows for f in r["found_on"]}) > 1
    lines = []
    for r in rows:
        who = (
            r["sender_name"]
            or r["sender_handle"]
            or ("(system)" if r["direction"] == "system" else "(sender not named)")
        )
        if r["sender_name"] and r["sender_handle"] and r["sender_handle"] != r["sender_name"]:
            who += f" ({r['sender_handle']})"
        head = [f"#{numbers[r['message_id']]}", r["sent_local"], who, r["direction"]]
        head += [x for x in (r["service"], r["bates"]) if x]
        marks = _marks(r["status"], r["flags"], r["kind"])
        lines.append(" · ".join(head) + "".join(f" [{m}]" for m in marks))
        if phones and r["found_on"]:
            lines.append(f"found on: {phones_said({f['custodian']: f['recorded_local'] for f in r['found_on']})}")
        if r["kind"] == "call":
            lines.append(_call(r))
        if r["body"]:
            lines.append(r["body"])
        earlier = r["versions"] - 1
        if redactions and r["message_id"] in redactions and earlier:
            lines.append(f"[{earlier} earlier version{'s' if earlier != 1 else ''} withheld (redacted)]")
        for a in r["attachments"]:
            native = next((n for n in natives_of.get(r["message_id"], []) if n.position == a["position"]), None)
            lines.append(
                f"[attachment: {a['file_name'] or 'no file name'}"
                + (f", produced as {native.bates}" if native else f", not produced: {a['missing_reason']}")
                + "]"
            )
        lines.append("")
    return "\n".join(lines).encode("utf-8")


def native_text(native: Native, number: str, message_bates: str | None) -> bytes:
    return (
        f"Native file {native.bates}: {native.file_name or '(no file name)'}\n"
        f"Type: {native.mime or 'unknown'}; size: {native.size} bytes; sha256: {native.sha256}\n"
        f"Attached to message #{number}" + (f" ({message_bates})" if message_bates else "") + "\n"
    ).encode("utf-8")


def load_documents(
    pdfs: list[PdfDocument],
    natives_: list[Native],
    facts: dict,
    custodian_of: Callable[[list[str]], str],
    message_bates: dict[str, str],
) -> list[Document]:
    """The DAT's documents: the PDFs, then the natives (each with its parent: the Bates number of the page
    of the message it came with). `facts`: message id -> (sent_at, conversation title, participants) and
    conversation -> (title, participants, first sent_at); `custodian_of`: the custodians of these messages."""
    docs = []
    for p in pdfs:
        titles = [facts["conversations"][c][0] for c in p.conversations]
        people = sorted({h for c in p.conversations for h in facts["conversations"][c][1]})
        docs.append(
            Document(
                p.begbates,
                p.endbates,
                custodian_of(p.message_ids),
                min(facts["conversations"][c][2] for c in p.conversations),
                tuple(people),
                " | ".join(titles) if len(titles) < 5 else f"{len(titles)} conversations",
                p.rsmf[0] if len(p.rsmf) == 1 else "",
                f"TEXT/{p.begbates}.txt",
                p.pages,
                p.path,
            )
        )
    for n in natives_:
        sent_at, conversation = facts["messages"][n.message_id]
        title, people, _first = facts["conversations"][conversation]
        docs.append(
            Document(
                n.bates,
                n.bates,
                custodian_of([n.message_id]),
                sent_at,
                tuple(people),
                title,
                n.path,
                f"TEXT/{n.bates}.txt",
                1,
                "",
                message_bates.get(n.message_id, ""),
            )
        )
    return docs
