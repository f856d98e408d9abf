"""What a person names in a command, found in the archive: a client by name, a matter by reference,
a conversation by number; or NotFound, saying where to look."""

from __future__ import annotations

import sqlite3

from textfile.errors import NotFound


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


def require_conversation(conn: sqlite3.Connection, conversation_id: int) -> None:
    if conn.execute("SELECT 1 FROM conversations WHERE id = ?", (conversation_id,)).fetchone() is None:
        raise NotFound(no_conversation(conversation_id))


def no_conversation(conversation_id: int) -> str:
    return f"no conversation {conversation_id} (see `textfile conversations`)"
