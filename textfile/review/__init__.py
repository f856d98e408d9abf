"""Duty to respond (issue 18): the messages a professional must look at, and whether they were answered.

- lexicons.py  the words and phrases that flag a message, per category, shipped per language
- settings.py  working hours, lexicon languages, consent required; the archive's lexicon changes
- hours.py     working hours: parsed from a spec, judged by the wall clock in the archive's zone
- periods.py   working hours and the zone's offsets as UTC intervals, for SQL
- consent.py   consent to be texted, opt-outs (STOP / START), minors
- rules.py     what flags a message: a category's terms, after hours, opt-outs, no consent, a minor
- scan.py      raising the flags the rules say hold, never twice; run by each import and by `review`
- queue.py     the flags, their state (open, reviewed, dismissed, cleared) and a person's decisions
- response.py  the first response to a flagged message (a text, a call) and how long it took
- report.py    the flags as rows: --json, --csv, the PDF report
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from textfile.results import Result
from textfile.review import queue, scan
from textfile.review.queue import Filters, Flag
from textfile.review.scan import ScanResult

OPEN = Filters()  # every open flag


@dataclass(slots=True, eq=False)
class Queue(Result):
    """What `review` lists: the scan it ran first, the flags asked for, and how many are open by rule."""

    scan: ScanResult
    flags: list[Flag] = field(default_factory=list)
    open: dict[str, int] = field(default_factory=dict)
    within_s: int | None = None  # --unanswered --within


def queue_now(
    conn: sqlite3.Connection, tz, filters: Filters = OPEN, *, ids: list[int] | None = None, context: int = 0
) -> Queue:
    """Scan what is new, then the flags the filters name (with `unanswered_within`, a time such as 24h:
    only the flagged inbound messages no response reached within it)."""
    within = queue.duration(filters.unanswered_within) if filters.unanswered_within is not None else None
    done = scan.scan(conn, tz)
    flagged = queue.flags(
        conn,
        states=filters.states,
        rules=list(filters.rules) if filters.rules else None,
        matter=filters.matter,
        client=filters.client,
        conversation=filters.conversation,
        ids=ids,
        context=context,
        tz=tz,
    )
    if within is not None:
        flagged = queue.unanswered(flagged, within)
    return Queue(done, flagged, queue.counts(conn), within)


def decide_and_scan(conn: sqlite3.Connection, tz, ids: list[int], state: str, note: str | None, by: str | None):
    """A person's decision on flags (queue.decide), after a scan so the flags named are as they stand."""
    scan.scan(conn, tz)
    return queue.decide(conn, ids, state, note, by)


@dataclass(slots=True, eq=False)
class Changed(Result):
    """A change to what the rules read (the lexicon, the settings, a consent, a minor), and the scan
    that brought the flags in line with it at once."""

    change: Result | None
    scan: ScanResult


def change_and_scan(conn: sqlite3.Connection, tz, change) -> Changed:
    """Make a change (`change(conn)` returns its record), then scan, in the caller's transaction."""
    made = change(conn)
    return Changed(made, scan.scan(conn, tz))
