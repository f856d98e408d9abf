"""What goes with a disposed message, found by walking the schema's foreign keys.

Decisions:
- Never a hand-kept list of tables: the roots are deleted (the messages, the matter's rows in every
  table that points at `matters` but the lifecycle's own, the records of transcripts and review
  reports that show what goes), then every row left pointing at a row that is gone is deleted, table
  by table as `PRAGMA foreign_key_list` gives them, until none is left. A table added later with a
  foreign key to messages(id), conversations(id) or matters(id) is covered without a change here.
- The foreign keys are deferred for the transaction (`PRAGMA defer_foreign_keys`), so the order rows
  go in does not matter; `PRAGMA foreign_key_check` must be empty before the transaction commits.
  An archive whose check is not empty before is refused: deleting its dangling rows would hide them.
- A conversation goes when it has no message and no filing left; a blob when no row of any table that
  points at `blobs` uses it any more (a message, a conversation's file, a consent's document).
- The matter, its client and the imports are never deleted: the matter's row stays (marked disposed of
  in `disposals`), and an import is the record of a source read.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import NamedTuple

from textfile.errors import Conflict, TextfileError

KEPT = ("matters", "clients", "imports", "settings", "audit_log")  # never deleted
# the matter's record of itself; and of what it handed over (the production log: files, sha256, Bates, no text)
KEPT_WITH_MATTER = ("disposals", "retention_policies", "disposal_certificates", "productions")


class ForeignKey(NamedTuple):
    """A column of `child` that points at `parent`.`key`."""

    child: str
    column: str
    parent: str
    key: str


def foreign_keys(conn: sqlite3.Connection) -> list[ForeignKey]:
    """Every foreign key of every table of the archive (single-column: textfile makes no others)."""
    tables = [
        t
        for (t,) in conn.execute(
            "SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    found = []
    for table in tables:
        for fk in conn.execute(f'PRAGMA main.foreign_key_list("{table}")').fetchall():
            key = fk[4] or _primary_key(conn, fk[2])
            found.append(ForeignKey(table, fk[3], fk[2], key))
    return found


def _primary_key(conn: sqlite3.Connection, table: str) -> str:
    keys = [c[1] for c in conn.execute(f'PRAGMA main.table_info("{table}")') if c[5]]
    return keys[0] if len(keys) == 1 else "rowid"


def dangling(conn: sqlite3.Connection) -> list[str]:
    """`PRAGMA foreign_key_check` in words: the rows pointing at rows that are gone, per table."""
    counts: dict[tuple[str, str], int] = {}
    for table, _rowid, parent, _fk in conn.execute("PRAGMA main.foreign_key_check"):
        counts[table, parent] = counts.get((table, parent), 0) + 1
    return [f"{n:,} rows of {table} point at {parent} rows that are gone" for (table, parent), n in counts.items()]


def require_whole(conn: sqlite3.Connection) -> None:
    """Refused when rows already point at rows that are gone (`verify` says so): disposal would hide them."""
    found = dangling(conn)
    if found:
        raise Conflict(
            "the archive is not whole: " + "; ".join(found) + ". Nothing was disposed of (textfile verify says more)"
        )


class Walk:
    """The deletion of one disposal in the caller's transaction: rows deleted per table (`deleted`)."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.keys = foreign_keys(conn)
        self.deleted: dict[str, int] = {}
        conn.execute("PRAGMA defer_foreign_keys = ON")

    def delete(self, table: str, where: str, params: Iterable = ()) -> int:
        if table in KEPT:
            raise TextfileError(f"disposal would delete rows of {table}; please report this")
        n = self.conn.execute(f'DELETE FROM main."{table}" WHERE {where}', tuple(params)).rowcount
        if n:
            self.deleted[table] = self.deleted.get(table, 0) + n
        return n

    def matter_rows(self, matter_id: int) -> None:
        """The matter's rows in every table that points at `matters` (filings, transcripts, review reports,
        notes…), but its own record of itself."""
        for fk in self.keys:
            if fk.parent == "matters" and fk.child not in KEPT_WITH_MATTER:
                self.delete(fk.child, f'"{fk.column}" = ?', (matter_id,))

    def cascade(self, gone: set[str]) -> None:
        """Every row pointing at a row of a table in `gone` that is no longer there, then at what those
        pointed at, until nothing more goes."""
        while gone:
            now: set[str] = set()
            for fk in self.keys:
                if fk.parent not in gone or fk.child in KEPT_WITH_MATTER:
                    continue
                n = self.delete(
                    fk.child,
                    f'"{fk.column}" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM main."{fk.parent}" p'
                    f' WHERE p."{fk.key}" = main."{fk.child}"."{fk.column}")',
                )
                if n:
                    now.add(fk.child)
            gone = now

    def blobs_used(self) -> set[str]:
        """Every blob some row of a table that points at `blobs` uses."""
        used: set[str] = set()
        for fk in self.keys:
            if fk.parent == "blobs":
                used |= {
                    v
                    for (v,) in self.conn.execute(
                        f'SELECT DISTINCT "{fk.column}" FROM main."{fk.child}" WHERE "{fk.column}" IS NOT NULL'
                    )
                }
        return used

    def finish(self) -> None:
        """`PRAGMA foreign_key_check` empty, or the transaction fails (nothing is disposed of)."""
        found = dangling(self.conn)
        if found:
            raise TextfileError(
                "disposal would leave rows pointing at rows that are gone: " + "; ".join(found) + "; please report this"
            )
