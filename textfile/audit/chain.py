"""The chain: every command that changed the archive appends one entry, chained by sha256.

Decisions:
- Each entry's hash covers the previous entry's hash and its own time, command and details, so
  altering, removing or reordering any entry breaks the chain from that point on (`verify`).
- Entries are written inside the same transaction as the change they describe, with the digests of
  what the change touched (imports.py, records.py, custody.py) and, from the archive's first sealed
  entry on, the entry's seal (key.py).
"""

from __future__ import annotations

import getpass
import os
import sqlite3

from textfile import times
from textfile.audit.custody import pending_custody
from textfile.audit.imports import pending_digests
from textfile.audit.key import archive_id_of, key_id, seal, sealing_of
from textfile.audit.records import pending_records
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
    """Append an entry for a change made in this transaction, with the digests of the imports whose
    messages it changed and, from the archive's first sealed entry on, its seal."""
    sealing = sealing_of(conn)
    if sealing and sealing.recorded is None:  # an archive made before keys: its first change seals it from here on
        key = sealing.key
        conn.execute("UPDATE settings SET key_id = ?", (key_id(key),))
        _append(
            conn,
            "audit log sealed",
            {"key": key_id(key), "unsealed_entries": conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]},
            key,
        )
    changed = pending_digests(conn)
    if changed:
        details = details | {"digests": changed}
    records = pending_records(conn)
    if records:
        details = details | {"records": records}
    custody = pending_custody(conn)
    if custody:
        details = details | {"custody": custody}
    return _append(conn, command, details, sealing.key if sealing else None)


def _append(conn: sqlite3.Connection, command: str, details: dict, key: bytes | None) -> str:
    row = conn.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    prev = row[0] if row else GENESIS
    at = times.now_iso()
    details_json = canonical_json(details)
    digest = entry_hash(prev, at, command, details_json)
    if key is None:  # (a migration before m015 added the seal column)
        conn.execute(
            "INSERT INTO audit_log (at, command, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?)",
            (at, command, details_json, prev, digest),
        )
    else:
        conn.execute(
            "INSERT INTO audit_log (at, command, details, prev_hash, hash, seal) VALUES (?, ?, ?, ?, ?, ?)",
            (at, command, details_json, prev, digest, seal(key, archive_id_of(conn), digest)),
        )
    return digest
