"""Each import's digest: its messages and versions as they now stand, against what the audit log recorded."""

from __future__ import annotations

import sqlite3

from textfile.audit.digest import MOD, TERMS, is_digest, plural, term
from textfile.audit.entries import details_of


def count_new_messages(conn: sqlite3.Connection, rows) -> None:
    """The terms of messages just inserted: (import id, message id, content hash) each."""
    sums: dict[int, list[int]] = {}
    for import_id, message_id, content_hash in rows:
        at = sums.setdefault(import_id, [0, 0])
        at[0] += term("m", f"{message_id}:{content_hash}")
        at[1] += 1
    conn.executemany(
        "INSERT INTO temp.digest_sums VALUES (?, 'm', ?, ?)",
        [(i, n, format(total % MOD, "x")) for i, (total, n) in sums.items()],
    )


def recorded_digests(conn: sqlite3.Connection) -> dict[int, dict]:
    """Each import's digest as the last entry that changed its messages recorded it."""
    recorded: dict[int, dict] = {}
    for (details,) in conn.execute("SELECT details FROM audit_log WHERE details LIKE '%\"digests\":%' ORDER BY id"):
        digests = details_of(details).get("digests")
        for import_id, digest in digests.items() if isinstance(digests, dict) else ():
            if str(import_id).isdigit() and is_digest(digest, "messages", "versions"):
                recorded[int(import_id)] = digest
    return recorded


def pending_digests(conn: sqlite3.Connection) -> dict[str, dict]:
    """The digests of the imports whose messages or versions changed since the last entry, as they now
    stand (the terms `watch` and `count_new_messages` collected, added to what the audit log last
    recorded of each)."""
    try:
        changed = conn.execute(
            "SELECT import_id FROM temp.digest_changes UNION SELECT import_id FROM temp.digest_sums"
        ).fetchall()
    except sqlite3.OperationalError:  # not watched (a migration's own connection before m015)
        return {}
    if not changed:
        return {}
    recorded = recorded_digests(conn)
    sums: dict[int, list[int]] = {}

    def at(import_id: int) -> list[int]:
        if import_id not in sums:
            was = recorded.get(import_id, EMPTY)
            sums[import_id] = [int(was["digest"], 16), was["messages"], was["versions"]]
        return sums[import_id]

    for import_id, kind, sign, parts in conn.execute("SELECT import_id, kind, sign, parts FROM temp.digest_changes"):
        row = at(import_id)
        row[0] += sign * term(kind, parts)
        row[1 if kind == "m" else 2] += sign
    for import_id, kind, count, total in conn.execute("SELECT import_id, kind, count, total FROM temp.digest_sums"):
        row = at(import_id)
        row[0] += int(total, 16)
        row[1 if kind == "m" else 2] += count
    conn.execute("DELETE FROM temp.digest_changes")
    conn.execute("DELETE FROM temp.digest_sums")
    said = {i: _said(total % MOD, messages, versions) for i, (total, messages, versions) in sums.items()}
    return {str(i): d for i, d in sorted(said.items()) if d != recorded.get(i)}


EMPTY = {"digest": "0", "messages": 0, "versions": 0}


def _said(total: int, messages: int, versions: int) -> dict:
    return {"digest": f"{total:0512x}", "messages": messages, "versions": versions}


def current_digests(conn: sqlite3.Connection) -> dict[int, dict]:
    """Each import's digest computed from the rows as they are."""
    sums: dict[int, list[int]] = {}
    for table, (kind, parts) in TERMS.items():
        slot = 1 if kind == "m" else 2
        for import_id, row in conn.execute(f"SELECT import_id, {parts('')} FROM main.{table}"):
            at = sums.setdefault(import_id, [0, 0, 0])
            at[0] = (at[0] + term(kind, row)) % MOD
            at[slot] += 1
    return {i: _said(*at) for i, at in sums.items()}


def check_digests(conn: sqlite3.Connection) -> list[str]:
    """Every import's messages and versions against what the audit log last recorded of them."""
    recorded, current = recorded_digests(conn), current_digests(conn)
    problems = []
    for import_id in sorted(set(recorded) | set(current)):
        was, now = recorded.get(import_id, EMPTY), current.get(import_id, EMPTY)
        if import_id not in recorded and import_id in current:
            problems.append(
                f"import {import_id}: the archive holds {plural(now['messages'], 'message')} and {plural(now['versions'], 'version')} from it"
                " that no audit entry records: they were written outside textfile"
            )
        elif was != now and not (was["messages"] == now["messages"] == 0 and was["versions"] == now["versions"] == 0):
            counts = [
                f"{plural(w, noun)} recorded, {n:,} now"
                for noun, w, n in (
                    ("message", was["messages"], now["messages"]),
                    ("version", was["versions"], now["versions"]),
                )
                if w != n
            ]
            problems.append(
                f"import {import_id}: its messages and versions no longer add up to what the audit log recorded"
                f" ({'; '.join(counts) or 'same number, other content'}): they were changed, deleted or added outside textfile"
            )
    return problems
