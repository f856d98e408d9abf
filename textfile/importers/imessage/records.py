"""The records of a Messages database, one message row at a time.

Decisions:
- One row at a time, in ROWID order; attachments are merged in from a second cursor in the same
  order, so memory stays flat however big the database is.
- Text that is not UTF-8 (a handle, a chat name, a message's text) is shown with U+FFFD for the
  undecodable bytes and said in a warning (at the row that held it), never a crash.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from functools import partial
from pathlib import Path

from textfile.errors import ImportFailed
from textfile.importers.imessage.attachments import AttachmentFiles
from textfile.importers.imessage.backup import Backup
from textfile.importers.imessage.chats import Chats
from textfile.importers.imessage.message import MessageReader
from textfile.importers.imessage.schema import (
    REQUIRED_TABLES,
    AttachmentRow,
    MessageRow,
    attachment_rows,
    message_query,
    tables,
)
from textfile.importers.imessage.source import backup_holding, whole_backup
from textfile.model import ImportOptions, Notice


class _Texts:
    """The connection's TEXT values: UTF-8; bytes that are not are shown as U+FFFD and counted, never a crash."""

    def __init__(self):
        self.undecodable = 0

    def decode(self, raw: bytes) -> str:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            self.undecodable += 1
            return raw.decode("utf-8", errors="replace")


def read_database(
    conn: sqlite3.Connection, path: Path, db_path: Path, options: ImportOptions, backup: Backup | None
) -> Iterator:
    """The records of the database open as `conn` (`db_path`, of the source `path`)."""
    texts = _Texts()
    conn.text_factory = texts.decode  # (a bound method: SQLite calls it for every TEXT value)
    present = tables(conn)
    if not REQUIRED_TABLES <= present:
        raise ImportFailed(
            path,
            whole_backup(path)
            if backup_holding(path)
            else "a SQLite database, but not a Messages database (no message, handle and chat tables)",
        )
    chats = Chats(conn, options)
    chats.read(present)
    sql = message_query(conn, present)
    if texts.undecodable:
        texts.undecodable = 0
        yield Notice("some handles or chat names are not valid UTF-8; the undecodable bytes are shown as U+FFFD")
    files = AttachmentFiles(db_path, options, backup)
    yield from _messages(conn, sql, attachment_rows(conn, present), MessageReader(chats, files), texts)
    notice = files.leading_out_notice()
    if notice is not None:
        yield notice
    yield from chats.check_senders(path)  # (raises where its sent messages are someone else's)


def _messages(
    conn: sqlite3.Connection, sql: str, attachments: Iterator[AttachmentRow], reader: MessageReader, texts: _Texts
) -> Iterator:
    """The records of each row of the message query `sql`, its attachments (in the same ROWID order) merged in."""
    # --- fast loop: a row of a million-message database each turn; one list reused for its records
    # (no generator per row), the attachment cursor advanced alongside (no lookup per row) ---
    pending = next(attachments, None)
    last_rowid, last_attachments = None, []
    out: list = []
    record = reader.record
    for row in map(partial(tuple.__new__, MessageRow), conn.execute(sql)):  # (each a MessageRow, made in C)
        rowid = row.ROWID
        if rowid != last_rowid:
            found = []
            while pending is not None and pending.message_id < rowid:
                pending = next(attachments, None)
            while pending is not None and pending.message_id == rowid:
                found.append(pending)
                pending = next(attachments, None)
            last_rowid, last_attachments = rowid, found
        record(row, last_attachments, out)
        if texts.undecodable:
            texts.undecodable = 0
            out.append(
                Notice(
                    f"ROWID {rowid} (or its attachments) holds text that is not valid UTF-8; the undecodable bytes "
                    "are shown as U+FFFD"
                )
            )
        if len(out) == 1:
            yield out[0]
        else:
            yield from out
        out.clear()
