"""Reading the audit log: an entry's details, the last entry, the entries `textfile log` shows."""

from __future__ import annotations

import json
import sqlite3


def details_of(text: str) -> dict:
    """An entry's details as a dict; {} for details that are not one (an entry written outside
    textfile: its hash or seal says so, and reading it must not stop `verify` saying it)."""
    try:
        found = json.loads(text)
    except (TypeError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def head(conn: sqlite3.Connection) -> dict | None:
    """The last entry: {'entry', 'hash'}."""
    row = conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    return {"entry": row[0], "hash": row[1]} if row else None


def entries(conn: sqlite3.Connection, limit: int | None = None, command: str | None = None) -> list[dict]:
    """The log's entries in order: the last `limit`, of those whose command holds `command` (any case)."""
    sql = "SELECT id, at, command, details, prev_hash, hash FROM audit_log WHERE instr(lower(command), lower(?)) > 0 ORDER BY id"
    if limit:
        sql = f"SELECT * FROM ({sql} DESC LIMIT {int(limit)}) ORDER BY id"
    return [
        {
            "id": r["id"],
            "at": r["at"],
            "command": r["command"],
            "details": details_of(r["details"]),
            "prev_hash": r["prev_hash"],
            "hash": r["hash"],
        }
        for r in conn.execute(sql, (command or "",))
    ]
