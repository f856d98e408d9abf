"""The audit log: every command that changed the archive appends one entry, chained by sha256.

Each entry's hash covers the previous entry's hash and its own time, command and details, so
altering, removing or reordering any entry breaks the chain from that point on (`verify`).
Entries are written inside the same transaction as the change they describe.
"""

from __future__ import annotations

import getpass
import json
import os
import sqlite3

from textfile import times
from textfile.fingerprint import canonical_json, sha256_text

GENESIS = "0" * 64


def current_user() -> str:
    """Who is making a change: the operating-system user running textfile (recorded with filings by
    hand and with imports; transcripts print it)."""
    try:
        return getpass.getuser()
    except Exception:  # no login name in the environment and none in the user database (some containers)
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown user"


def entry_hash(prev_hash: str, at: str, command: str, details_json: str) -> str:
    return sha256_text(canonical_json([prev_hash, at, command, details_json]))


def append(conn: sqlite3.Connection, command: str, details: dict) -> str:
    row = conn.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    prev = row[0] if row else GENESIS
    at = times.now_iso()
    details_json = canonical_json(details)
    digest = entry_hash(prev, at, command, details_json)
    conn.execute(
        "INSERT INTO audit_log (at, command, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?)",
        (at, command, details_json, prev, digest),
    )
    return digest


def entries(conn: sqlite3.Connection, limit: int | None = None) -> list[dict]:
    sql = "SELECT id, at, command, details, prev_hash, hash FROM audit_log ORDER BY id"
    if limit:
        sql = f"SELECT * FROM ({sql} DESC LIMIT {int(limit)}) ORDER BY id"
    return [
        {"id": r["id"], "at": r["at"], "command": r["command"], "details": json.loads(r["details"]), "prev_hash": r["prev_hash"], "hash": r["hash"]}
        for r in conn.execute(sql)
    ]


def verify(conn: sqlite3.Connection) -> list[str]:
    """Problems found walking the chain (empty when it holds)."""
    problems = []
    prev = GENESIS
    for r in conn.execute("SELECT id, at, command, details, prev_hash, hash FROM audit_log ORDER BY id"):
        if r["prev_hash"] != prev:
            problems.append(f"audit log entry {r['id']}: does not follow the entry before it (an entry was removed or altered)")
        if entry_hash(r["prev_hash"], r["at"], r["command"], r["details"]) != r["hash"]:
            problems.append(f"audit log entry {r['id']} ({r['command']}, {r['at']}): its content does not match its hash")
        prev = r["hash"]
    return problems
