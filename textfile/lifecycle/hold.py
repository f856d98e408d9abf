"""Legal hold: since when a matter is held, as the audit log says it.

`matter hold` / `matter release` set the flag on the matter (filing/matters.py); the audit log is the
authority on it (`audit.check_holds`). The date a hold began is the time of the audit entry that put
the matter on hold last (following `matter edit`'s new references), never a column of its own: the
transcript's cover prints it ("Under legal hold since …", in the archive's zone with its offset), and
a held matter is never disposed of.
"""

from __future__ import annotations

import sqlite3
from typing import NamedTuple
from zoneinfo import ZoneInfo

from textfile import audit, times


class Hold(NamedTuple):
    """A matter under legal hold: its reference, the audit entry that put it on hold, and when (UTC)."""

    matter: str
    entry: int
    since: str

    def said(self, tz: ZoneInfo) -> str:
        return f"Under legal hold since {times.display(self.since, tz)} (audit entry {self.entry})"


def holds(conn: sqlite3.Connection) -> dict[str, Hold]:
    """Every matter on legal hold now, by reference (casefolded), with the entry that put it on hold."""
    said = audit.hold_history(conn)
    out = {}
    for (reference,) in conn.execute("SELECT reference FROM matters WHERE legal_hold = 1 ORDER BY reference"):
        entry, at, held = said.get(reference.casefold(), (0, "", False))
        if held:
            out[reference.casefold()] = Hold(reference, entry, at)
    return out


def hold_of(conn: sqlite3.Connection, reference: str) -> Hold | None:
    """The matter's legal hold, or None when it is not held (or the audit log never put it on hold:
    `verify` says so)."""
    return holds(conn).get(reference.casefold())
