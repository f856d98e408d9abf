"""Substantive exchanges that have no note yet (`note list --missing`, one line of `status`).

The rule, stated in the help and the README:
- An **exchange** is a run of texts of one conversation filed to a matter (within the filing's
  window), each sent or received within GAP (4 hours) of the one before it; a longer silence starts
  the next exchange. Texts only: calls and system lines neither join nor split one.
- It is **substantive** when it has texts both ways (in and out) and either holds at least LONG (10)
  texts, or a text a lexicon category of the review flagged (deadlines, arrest, money…), or a text
  flagged as after hours; a flag counts while open or reviewed (a dismissed or cleared flag does not).
- It **has a note** when a note of that matter concerns at least one of its texts.

One SQL statement over the indexes (filings; messages (conversation_id, sent_at); review_flags
(message_id, rule); note_messages (message_id)): window functions cut the runs, nothing is read into
Python but the exchanges found. Measured in `benchmarks/notes.py`.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import timedelta

from textfile import times
from textfile.filing.names import matter_row
from textfile.notes.messages import number_of
from textfile.results import Result, json_name
from textfile.review.rules import BUILT_IN, HOURS_RULES

GAP_HOURS = 4
LONG = 10
_COUNTED = "('open', 'reviewed')"  # the flag states that count

_EXCHANGES = f"""
WITH filed AS (
    SELECT DISTINCT f.matter_id, m.conversation_id, m.id, m.rowid AS r, m.sent_at, m.direction
    FROM filings f JOIN messages m ON m.conversation_id = f.conversation_id
        AND (f.from_at IS NULL OR m.sent_at >= f.from_at) AND (f.until_at IS NULL OR m.sent_at <= f.until_at)
    WHERE m.kind = 'message' AND m.direction IN ('in', 'out') AND {{matter}}
), starts AS (
    SELECT *, CASE WHEN (julianday(sent_at) - julianday(lag(sent_at) OVER w)) * 24 <= {GAP_HOURS} THEN 0 ELSE 1 END
        AS starts
    FROM filed WINDOW w AS (PARTITION BY matter_id, conversation_id ORDER BY sent_at, r)
), runs AS (
    SELECT *, sum(starts) OVER (PARTITION BY matter_id, conversation_id ORDER BY sent_at, r ROWS UNBOUNDED PRECEDING)
        AS run
    FROM starts
)
SELECT matter_id, conversation_id, min(sent_at) AS first_at, max(sent_at) AS last_at, count(*) AS texts,
    sum(direction = 'in') AS incoming, sum(direction = 'out') AS outgoing,
    sum(EXISTS (SELECT 1 FROM review_flags rf WHERE rf.message_id = runs.id AND rf.state IN {_COUNTED}
        AND rf.rule NOT IN ({", ".join(f"'{r}'" for r in BUILT_IN)}))) AS flagged,
    sum(EXISTS (SELECT 1 FROM review_flags rf WHERE rf.message_id = runs.id AND rf.state IN {_COUNTED}
        AND rf.rule IN ({", ".join(f"'{r}'" for r in HOURS_RULES)}))) AS after_hours,
    max(EXISTS (SELECT 1 FROM note_messages nm JOIN notes n ON n.id = nm.note_id
        WHERE nm.message_id = runs.id AND n.matter_id = runs.matter_id)) AS noted
FROM runs GROUP BY matter_id, conversation_id, run
HAVING incoming > 0 AND outgoing > 0 AND (texts >= {LONG} OR flagged > 0 OR after_hours > 0) AND noted = 0
ORDER BY first_at, conversation_id, matter_id
"""


@dataclass(slots=True, eq=False)
class Exchange(Result):
    """A substantive exchange with no note: where, when (first and last text, with offsets in the
    archive's zone), how many texts, why it is substantive, and the command that adds its note."""

    matter: str
    conversation: int
    from_: str = json_name("from")
    until: str
    first: str  # its first text's number, "2.15"
    last: str
    texts: int
    why: list[str] = field(default_factory=list)
    command: str = ""


def missing(conn: sqlite3.Connection, tz, matter: str | None = None) -> list[Exchange]:
    """The substantive exchanges no note of their matter concerns (of one matter, or all), in time order."""
    found = conn.execute(*_query(conn, matter)).fetchall()
    references = dict(conn.execute("SELECT id, reference FROM matters"))
    return [_exchange(conn, r, references[r["matter_id"]], tz) for r in found]


def count(conn: sqlite3.Connection, matter: str | None = None) -> int:
    """How many substantive exchanges have no note (`status`)."""
    sql, args = _query(conn, matter)
    return conn.execute(f"SELECT count(*) FROM ({sql})", args).fetchone()[0]


def _query(conn: sqlite3.Connection, matter: str | None) -> tuple[str, tuple]:
    if matter is None:
        return _EXCHANGES.replace("{matter}", "1"), ()
    return _EXCHANGES.replace("{matter}", "f.matter_id = ?"), (matter_row(conn, matter)["id"],)


def _exchange(conn: sqlite3.Connection, r, reference: str, tz) -> Exchange:
    why = []
    if r["texts"] >= LONG:
        why.append(f"{r['texts']} texts")
    if r["flagged"]:
        why.append(f"{r['flagged']} flagged by the lexicons")
    if r["after_hours"]:
        why.append(f"{r['after_hours']} after hours")
    first, last = (
        number_of(conn, r["conversation_id"], at, rowid)
        for at, rowid in (
            _rowid(conn, r["conversation_id"], r["first_at"], "min"),
            _rowid(conn, r["conversation_id"], r["last_at"], "max"),
        )
    )
    # The window of the command: whole seconds around its texts (the next exchange is hours away).
    start = times.from_iso(r["first_at"]).astimezone(tz).replace(microsecond=0)
    end = times.from_iso(r["last_at"]).astimezone(tz).replace(microsecond=0) + timedelta(seconds=1)
    from_, until = start.isoformat(), end.isoformat()
    return Exchange(
        reference,
        r["conversation_id"],
        times.display(r["first_at"], tz),
        times.display(r["last_at"], tz),
        first,
        last,
        r["texts"],
        why,
        f'textfile note add {reference} "…" --conversation {r["conversation_id"]} --from {from_} --until {until}',
    )


def _rowid(conn, conversation: int, at: str, which: str) -> tuple[str, int]:
    (rowid,) = conn.execute(
        f"SELECT {which}(rowid) FROM messages WHERE conversation_id = ? AND sent_at = ?", (conversation, at)
    ).fetchone()
    return at, rowid
