"""Which notes a production of a window concerns, and the privilege log of those it leaves out.

A production (a transcript, the productions of issue 20) of a matter's messages in a window concerns
the notes of that matter (of each of the client's matters, for a client's) that concern a message
sent in the window, and the notes about the matter as a whole; a note about other messages only is
not its business (`concerning`). A production limited to some conversations (`produce
--conversation`) is scoped the same way: a note about messages of other conversations only is not
its business either; a note about the matter as a whole still is (it concerns whatever of the
matter is produced). A withdrawn note (`note withdraw`: added by mistake) is no production's business.
Privileged notes are left out unless asked for, and every production that
leaves one out carries a privilege log: for each, its date, author, type ("Memo to file"), the
messages it concerns and the basis of the privilege (`privilege_log`), as a page of the PDF and as
CSV beside it (`csv_bytes`, `write_csv`: RFC 4180, UTF-8, 0600, never over a file).
"""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from textfile import times
from textfile.errors import Conflict, TextfileError
from textfile.notes.records import IN_FORCE, TYPE, Note, read
from textfile.results import Result

CSV_HEADER = ("Note", "Version", "Date", "Author", "Type", "Messages", "Basis")
CSV_SUFFIX = ".privilege-log.csv"
WHOLE = "the matter as a whole"  # what the log says a note about no message concerns (the PDF's page and the CSV)


@dataclass(slots=True, eq=False)
class LogEntry(Result):
    """A privileged note a production left out, as the privilege log lists it."""

    note: int
    version: int
    date: str  # when it was written, with its offset
    author: str
    type: str
    messages: list[str] = field(default_factory=list)  # their numbers, "#2.15"; none: the matter as a whole
    basis: str = ""
    text_sha256: str = ""

    @property
    def concerning(self) -> str:
        return ", ".join(self.messages) if self.messages else WHOLE


def concerning(
    conn: sqlite3.Connection,
    matter_ids: int | list[int],
    from_at: str | None,
    until_at: str | None,
    conversations: list[int] | None = None,
) -> list[Note]:
    """The notes of these matters that a production of the window (of these `conversations` only, when
    given) concerns (see the module), in the order made."""
    ids = [matter_ids] if isinstance(matter_ids, int) else list(matter_ids)
    return read(
        conn,
        f"{IN_FORCE} AND n.matter_id IN (SELECT value FROM json_each(?)) AND (NOT EXISTS (SELECT 1 FROM note_messages x WHERE x.note_id = n.id)"
        " OR EXISTS (SELECT 1 FROM note_messages x JOIN messages m ON m.id = x.message_id WHERE x.note_id = n.id"
        " AND m.sent_at >= ? AND m.sent_at <= ?"
        " AND (? IS NULL OR m.conversation_id IN (SELECT value FROM json_each(?)))))",
        (
            json.dumps(ids),
            from_at or "",
            until_at or "9999",
            *[json.dumps(conversations) if conversations else None] * 2,
        ),
    )


def privilege_log(
    conn: sqlite3.Connection,
    matter_ids: int | list[int],
    from_at: str | None,
    until_at: str | None,
    tz,
    conversations: list[int] | None = None,
) -> list[LogEntry]:
    """The privileged notes a production of the window (of these `conversations` only, when given)
    leaves out, each as the log lists it."""
    return entries([n for n in concerning(conn, matter_ids, from_at, until_at, conversations) if n.privileged], tz)


def entries(notes: list[Note], tz) -> list[LogEntry]:
    """Notes as the privilege log lists them (their current versions), dated in `tz`."""
    return [
        LogEntry(
            n.id,
            n.current.version,
            times.display(n.created_at, tz),
            n.author,
            TYPE,
            [f"#{m.number}" for m in n.messages],
            n.current.basis or "",
            n.current.text_sha256,
        )
        for n in notes
    ]


def csv_bytes(log: list[LogEntry]) -> bytes:
    """The log as CSV: RFC 4180 (CRLF, quoted where needed), UTF-8, a header row."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for e in log:
        writer.writerow((e.note, e.version, e.date, e.author, e.type, " ".join(e.messages) or WHOLE, e.basis))
    return out.getvalue().encode("utf-8")


def csv_path(pdf: str | os.PathLike) -> Path:
    """Where a production's log goes: beside it, `<pdf stem>.privilege-log.csv`."""
    pdf = Path(pdf)
    return pdf.with_name(pdf.stem + CSV_SUFFIX)


def check_free(path: Path) -> None:
    """A log is never written over a file: refused before anything is made."""
    if path.exists():
        raise Conflict(f"{path} exists: the privilege log is never written over a file (move it away)")


def write_csv(path: Path, data: bytes) -> None:
    """The log's bytes written to `path` (0600, never over a file)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise Conflict(f"{path} exists: the privilege log is never written over a file (move it away)") from None
    except OSError as exc:
        raise TextfileError(f"cannot write {path}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "wb") as fp:
        fp.write(data)
        fp.flush()
        os.fsync(fp.fileno())
