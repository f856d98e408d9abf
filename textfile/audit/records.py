"""The archive's other records (`digest.RECORDS`), each table's digest against what the audit log recorded,
and every matter's legal hold against the audit log's last word on it."""

from __future__ import annotations

import sqlite3

from textfile.audit.digest import MOD, RECORDS, is_digest, plural, row_parts, term
from textfile.audit.entries import details_of


def recorded_records(conn: sqlite3.Connection) -> dict[str, dict] | None:
    """Each table's digest as the last entry that changed it recorded it; None before any entry did."""
    recorded: dict[str, dict] | None = None
    for (details,) in conn.execute("SELECT details FROM audit_log WHERE details LIKE '%\"records\":%' ORDER BY id"):
        found = details_of(details).get("records")
        if isinstance(found, dict):
            recorded = (recorded or {}) | {t: d for t, d in found.items() if is_digest(d, "rows")}
    return recorded


def current_records(conn: sqlite3.Connection, tables: tuple[str, ...] = RECORDS) -> dict[str, dict]:
    """Each table's digest computed from its rows as they are (of `tables` only, where a change touched one:
    every table's is a second's work in a large archive)."""
    out = {}
    for table in (
        t
        for t in tables
        if conn.execute("SELECT 1 FROM main.sqlite_master WHERE type = 'table' AND name = ?", (t,)).fetchone()
    ):
        total = rows = 0
        for (parts,) in conn.execute(f"SELECT {row_parts(conn, table, '')} FROM main.{table}"):
            total += term(table, parts)
            rows += 1
        out[table] = {"digest": f"{total % MOD:0512x}", "rows": rows}
    return out


def pending_records(conn: sqlite3.Connection) -> dict[str, dict]:
    """The digests of the tables this transaction changed (all of them, the first time: then the
    archive's records as they stand are the start)."""
    try:
        if (
            conn.execute(
                "SELECT 1 FROM temp.record_changes UNION ALL SELECT 1 FROM temp.record_sums LIMIT 1"
            ).fetchone()
            is None
        ):
            return {}
    except sqlite3.OperationalError:  # not watched (a migration before m015)
        return {}
    recorded = recorded_records(conn)
    if recorded is None:
        conn.execute("DELETE FROM temp.record_changes")
        conn.execute("DELETE FROM temp.record_sums")
        return current_records(conn)
    sums: dict[str, list[int]] = {}

    def at(table: str) -> list[int]:
        if table not in sums:
            was = recorded.get(table, {"digest": "0", "rows": 0})
            sums[table] = [int(was["digest"], 16), was["rows"]]
        return sums[table]

    for table, sign, parts in conn.execute("SELECT tab, sign, parts FROM temp.record_changes"):
        row = at(table)
        row[0] += sign * term(table, parts)
        row[1] += sign
    for table, count, total in conn.execute("SELECT tab, count, total FROM temp.record_sums"):  # (`inserted_in_bulk`)
        row = at(table)
        row[0] += int(total, 16)
        row[1] += count
    conn.execute("DELETE FROM temp.record_changes")
    conn.execute("DELETE FROM temp.record_sums")
    said = {t: {"digest": f"{total % MOD:0512x}", "rows": rows} for t, (total, rows) in sums.items()}
    return {t: d for t, d in sorted(said.items()) if d != recorded.get(t)}


def hold_history(conn: sqlite3.Connection) -> dict[str, tuple[int, str, bool]]:
    """The audit log's last word on each matter's legal hold (`matter hold` / `matter release`, following
    `matter edit`'s new references), by reference casefolded: (that entry, its time, on hold)."""
    said: dict[str, tuple[int, str, bool]] = {}
    for entry, at, command, details in conn.execute(
        "SELECT id, at, command, details FROM audit_log WHERE command IN"
        " ('matter hold', 'matter release', 'matter edit') ORDER BY id"
    ):
        found = details_of(details)
        reference = found.get("matter")
        if not isinstance(reference, str):
            continue
        if command == "matter edit":  # a new reference: what was said of the matter goes with it
            renamed = found.get("reference")
            if isinstance(renamed, dict) and isinstance(renamed.get("to"), str) and reference.casefold() in said:
                said[renamed["to"].casefold()] = said.pop(reference.casefold())
        else:
            said[reference.casefold()] = (entry, at, command == "matter hold")
    return said


def check_holds(conn: sqlite3.Connection) -> list[str]:
    """Every matter's legal hold as the audit log's last word on it says (`hold_history`): caught even when
    the records' digests were first taken after the change (an archive changed outside textfile before
    this version opened it)."""
    said = {reference: (entry, int(held)) for reference, (entry, _at, held) in hold_history(conn).items()}
    problems = []
    for reference, hold in conn.execute("SELECT reference, legal_hold FROM matters ORDER BY reference"):
        entry, expected = said.get(reference.casefold(), (None, 0))
        if hold != expected:
            problems.append(
                f"matter {reference} is {'on' if hold else 'not on'} legal hold, but the audit log "
                + (
                    f"put it {'on hold' if expected else 'off hold'} last (entry {entry})"
                    if entry
                    else "never put it on hold"
                )
                + ": changed outside textfile"
            )
    return problems


def check_records(conn: sqlite3.Connection) -> list[str]:
    """Every table of records against what the audit log last recorded of it."""
    recorded = recorded_records(conn)
    if recorded is None:
        return []
    problems = []
    for table, now in current_records(conn).items():
        was = recorded.get(table)
        if was is not None and was != now:
            counts = (
                f"{plural(was['rows'], 'row')} recorded, {now['rows']:,} now"
                if was["rows"] != now["rows"]
                else "same number of rows, other content"
            )
            problems.append(
                f"the archive's {table} no longer add up to what the audit log recorded ({counts}): changed outside textfile"
            )
    return problems
