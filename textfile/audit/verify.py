"""Verifying the audit log: the chain, its seals, the key's record, this machine's heads; and accepting
an older copy of the archive put back on purpose (each entry it lacks returned as an `AcceptedLoss`,
whose JSON form is what the audit entry records)."""

from __future__ import annotations

import hmac
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from textfile.audit.anchors import check_heads, missing_heads
from textfile.audit.chain import GENESIS, append, current_user, entry_hash
from textfile.audit.key import KEY_ENV, KeyMissing, archive_id_of, key_id, key_path, made_sealed, read_key, seal
from textfile.errors import TextfileError
from textfile.results import Result


def verify(conn: sqlite3.Connection, archive_path: Path | None = None) -> list[str]:
    """Problems found walking the chain, checking its seals and this machine's records of its head
    (of the archive at `archive_path`; empty when it holds)."""
    problems = []
    prev = GENESIS
    recorded = conn.execute("SELECT key_id FROM settings").fetchone()[0]
    key = _checking_key(recorded, problems)
    archive_id = archive_id_of(conn)
    sealed = False
    for r in conn.execute("SELECT id, at, command, details, prev_hash, hash, seal FROM audit_log ORDER BY id"):
        if r["prev_hash"] != prev:
            problems.append(
                f"audit log entry {r['id']}: does not follow the entry before it (an entry was removed or altered)"
            )
        if entry_hash(r["prev_hash"], r["at"], r["command"], r["details"]) != r["hash"]:
            problems.append(
                f"audit log entry {r['id']} ({r['command']}, {r['at']}): its content does not match its hash"
            )
        if r["seal"] is None and sealed:
            problems.append(
                f"audit log entry {r['id']} ({r['command']}, {r['at']}): not sealed, though the entries before it are:"
                " it was written outside textfile"
            )
        elif r["seal"] is not None:
            sealed = True
            if key is not None and not hmac.compare_digest(r["seal"], seal(key, archive_id, r["hash"])):
                problems.append(
                    f"audit log entry {r['id']} ({r['command']}, {r['at']}): its seal does not match: it was written or"
                    " rewritten without the archive's key"
                )
        prev = r["hash"]
    if recorded is not None and not sealed:
        problems.append(
            f"the archive is sealed with key {recorded}, but no audit entry carries a seal: the entries were removed or rewritten"
        )
    if recorded is None and (sealed or made_sealed(conn)):
        problems.append(
            "the archive records no key, but it was sealed (its audit entries carry seals, or this version opened it):"
            " its record of the key was removed"
        )
    if archive_path is not None:
        problems += check_heads(conn, archive_path, archive_id, recorded)
    return problems


def _checking_key(recorded: str | None, problems: list[str]) -> bytes | None:
    """The key to check seals with, or None (and why, in `problems`, when the archive has one)."""
    if recorded is None:
        return None
    try:
        key = read_key()
    except KeyMissing as exc:
        problems.append(f"{exc}: the audit log's seals cannot be checked")
        return None
    if key is None or key_id(key) != recorded:
        problems.append(
            f"{key_path()}: {'no key is there' if key is None else 'another key is there (id ' + key_id(key) + ')'}; the archive is"
            f" sealed with key {recorded} (set {KEY_ENV} to where it is): without it, entries rewritten with their hashes"
            " recomputed cannot be told from real ones"
        )
        return None
    return key


@dataclass(slots=True, eq=False)
class AcceptedLoss(Result):
    """An audit entry an older copy put back on purpose lacks, accepted as lost: its number, the hash and
    the time this machine (or the weekly log) recorded of it. Its JSON form is what the audit entry records."""

    entry: int
    hash: str
    recorded_at: str


def accept_missing(conn: sqlite3.Connection, archive_path: Path, log: Path | None = None) -> list[AcceptedLoss]:
    """A person says the archive is an older copy put back on purpose (a restored backup): the heads
    it lacks are recorded in an audit entry as accepted losses, and `verify` no longer reports them.
    Refused while anything else fails (a seal, the key's record, the chain, another archive's place),
    and for a head whose entry the archive holds with another hash from before that head was recorded:
    that is a rewritten log, not an older copy (entries made after a restore are later than it). Only
    the times tell: someone holding the key can rewrite entries and date the last one later."""
    lost = missing_heads(conn, archive_path, log)
    others = [
        p
        for p in verify(conn, archive_path)
        if not any(
            f"records audit entry {m['entry']}," in p or f"records audit entry {m['entry']} with" in p for m in lost
        )
    ]
    if others:
        raise TextfileError(
            f"not accepted: the archive fails more than missing entries ({others[0]}); nothing was recorded"
        )
    for m in lost:
        row = conn.execute("SELECT at FROM audit_log WHERE id = ?", (m["entry"],)).fetchone()
        if row is not None and not m.get("at", "") < row[0]:
            raise TextfileError(
                f"not accepted: the archive's audit entry {m['entry']} differs from the one recorded ({m.get('at', '')}) and"
                " is not later than it: the log was rewritten, not restored from an older copy; nothing was recorded"
            )
    said = sorted((AcceptedLoss(m["entry"], m["hash"], m.get("at", "")) for m in lost), key=lambda m: m.entry)
    if said:
        append(conn, "older copy accepted", {"missing": [m.to_json() for m in said], "by": current_user()})
    return said
