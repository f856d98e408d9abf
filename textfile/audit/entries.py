"""Reading the audit log: an entry's details, the last entry, the entries `textfile log` shows.

An entry as `textfile log` shows it is a typed result (`Entry`); its details stay the dict its
command wrote into the log. The last entry (`head`) stays a dict too: it is written as it is into
transcripts' manifests, the weekly run's record and its log.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from textfile.results import Result


@dataclass(slots=True, eq=False)
class Entry(Result):
    """One entry of the log: its number, when, the command, its details (as written), and its chained hashes."""

    id: int
    at: str
    command: str
    details: dict
    prev_hash: str
    hash: str


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


def entries(conn: sqlite3.Connection, limit: int | None = None, command: str | None = None) -> list[Entry]:
    """The log's entries in order: the last `limit`, of those whose command holds `command` (any case)."""
    sql = "SELECT id, at, command, details, prev_hash, hash FROM audit_log WHERE instr(lower(command), lower(?)) > 0 ORDER BY id"
    if limit:
        sql = f"SELECT * FROM ({sql} DESC LIMIT {int(limit)}) ORDER BY id"
    return [
        Entry(r["id"], r["at"], r["command"], details_of(r["details"]), r["prev_hash"], r["hash"])
        for r in conn.execute(sql, (command or "",))
    ]
