"""What a person names in a command, found in the archive: a client by name, a matter by reference,
a conversation by number; or NotFound, saying where to look."""

from __future__ import annotations

import sqlite3

from textfile import times
from textfile.errors import Conflict, NotFound


def client_row(conn: sqlite3.Connection, name: str) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM clients WHERE name = ?", (name.strip(),)).fetchone()
    if row is None:
        raise NotFound(f"no client named {name!r} (see `textfile client list`)")
    return row


def matter_row(conn: sqlite3.Connection, reference: str) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM matters WHERE reference = ?", (reference.strip(),)).fetchone()
    if row is None:
        raise NotFound(f"no matter {reference!r} (see `textfile matter list`)")
    return row


def live_matter_row(conn: sqlite3.Connection, reference: str, doing: str) -> sqlite3.Row:
    """A matter a command files to, writes to, renders or changes: refused when its file was disposed of
    (`dispose`), whose row stays only as the record of that (`doing`: what the command would do)."""
    row = matter_row(conn, reference)
    disposed = disposed_at(conn, row["id"])
    if disposed:
        raise Conflict(
            f"matter {row['reference']!r} was disposed of on {times.day(disposed, times.archive_zone(conn))} (textfile retention report):"
            f" its file is gone, so {doing}"
        )
    return row


def disposed_at(conn: sqlite3.Connection, matter_id: int) -> str | None:
    """When the matter's file was disposed of (UTC), or None."""
    found = conn.execute("SELECT disposed_at FROM disposals WHERE matter_id = ?", (matter_id,)).fetchone()
    return found[0] if found else None


def require_conversation(conn: sqlite3.Connection, conversation_id: int) -> None:
    if conn.execute("SELECT 1 FROM conversations WHERE id = ?", (conversation_id,)).fetchone() is None:
        raise NotFound(no_conversation(conversation_id))


def no_conversation(conversation_id: int) -> str:
    return f"no conversation {conversation_id} (see `textfile conversations`)"
