"""Substantive exchanges that have no note yet (`note list --missing`, one line of `status`).

The rule, stated in the help and the README:
- An **exchange** is a run of texts of one conversation filed to a matter (within the filing's
  window), each sent or received within GAP (4 hours) of the one before it; a longer silence starts
  the next exchange. Texts only: calls and system lines neither join nor split one.
- It is **substantive** when it has texts both ways (in and out) and either holds at least LONG (10)
  texts, or a text a lexicon category of the review flagged (deadlines, arrest, money…), or a text
  flagged as after hours; a flag counts while open or reviewed (a dismissed or cleared flag does not).
- It **has a note** when a note of that matter concerns at least one of its texts (a withdrawn
  note does not count).

One SQL statement over the indexes (filings; messages (conversation_id, sent_at); review_flags
(message_id, rule); note_messages (message_id)): window functions cut the runs, nothing is read into
Python but the exchanges found. Measured in `benchmarks/notes.py`.
"""

from __future__ import annotations

import sqlite3
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import timedelta

from textfile import times
from textfile.filing.names import live_matter_row
from textfile.results import Result, json_name
from textfile.review.rules import BUILT_IN, HOURS_RULES

GAP_HOURS = 4
LONG = 10
_COUNTED = "('open', 'reviewed')"  # the flag states that count

_LEXICON = ", ".join(f"'{r}'" for r in BUILT_IN)  # (a rule not built in is a lexicon category's)
_HOURS = ", ".join(f"'{r}'" for r in HOURS_RULES)
# Flags and notes keyed by the messages' rowids (hash lookups, not a text id per text), then the texts
# filed to each matter (a message in two overlapping filings of one matter once), cut into runs.
_EXCHANGES = f"""
WITH flagged AS MATERIALIZED (
    SELECT m.rowid AS r, max(rf.rule NOT IN ({_LEXICON})) AS lexicon, max(rf.rule IN ({_HOURS})) AS hours
    FROM review_flags rf JOIN messages m ON m.id = rf.message_id WHERE rf.state IN {_COUNTED} GROUP BY m.rowid
), noted AS MATERIALIZED (
    SELECT DISTINCT n.matter_id, m.rowid AS r FROM notes n JOIN note_messages nm ON nm.note_id = n.id
        JOIN messages m ON m.id = nm.message_id WHERE n.withdrawn_at IS NULL
), texts AS (
    SELECT f.matter_id, m.conversation_id AS c, m.rowid AS r, m.sent_at AS at, m.direction AS d,
        coalesce(fl.lexicon, 0) AS lexicon, coalesce(fl.hours, 0) AS hours, nt.r IS NOT NULL AS noted
    FROM filings f JOIN messages m ON m.conversation_id = f.conversation_id
        AND (f.from_at IS NULL OR m.sent_at >= f.from_at) AND (f.until_at IS NULL OR m.sent_at <= f.until_at)
    LEFT JOIN flagged fl ON fl.r = m.rowid LEFT JOIN noted nt ON nt.r = m.rowid AND nt.matter_id = f.matter_id
    WHERE m.kind = 'message' AND m.direction IN ('in', 'out') AND {{matter}}
    GROUP BY f.matter_id, m.rowid
), starts AS (
    SELECT *, coalesce((julianday(at) - julianday(lag(at) OVER w)) * 24 > {GAP_HOURS}, 1) AS starts
    FROM texts WINDOW w AS (PARTITION BY matter_id, c ORDER BY at, r)
), runs AS (
    SELECT *, sum(starts) OVER (PARTITION BY matter_id, c ORDER BY at, r ROWS UNBOUNDED PRECEDING) AS run FROM starts
)
SELECT matter_id, c AS conversation_id, min(at) AS first_at, max(at) AS last_at, count(*) AS texts, sum(d = 'in') AS incoming, sum(d = 'out') AS outgoing, sum(lexicon) AS flagged,
    sum(hours) AS after_hours, max(noted) AS noted
FROM runs GROUP BY matter_id, c, run
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
    numbers = _Numbers(conn)
    return [_exchange(r, references[r["matter_id"]], numbers(r["conversation_id"]), tz) for r in found]


def count(conn: sqlite3.Connection, matter: str | None = None) -> int:
    """How many substantive exchanges have no note (`status`)."""
    sql, args = _query(conn, matter)
    return conn.execute(f"SELECT count(*) FROM ({sql})", args).fetchone()[0]


def _query(conn: sqlite3.Connection, matter: str | None) -> tuple[str, tuple]:
    if matter is None:
        return _EXCHANGES.replace("{matter}", "1"), ()
    return _EXCHANGES.replace("{matter}", "f.matter_id = ?"), (
        live_matter_row(conn, matter, "its exchanges went with it")["id"],
    )


class _Numbers:
    """Each conversation's messages in time order (the transcripts' numbering), read once per conversation."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn, self.known = conn, {}

    def __call__(self, conversation: int) -> tuple[list[str], list[bool]]:
        if conversation not in self.known:
            rows = self.conn.execute(
                "SELECT sent_at, kind = 'message' AND direction IN ('in', 'out') FROM messages"
                " WHERE conversation_id = ? ORDER BY sent_at, rowid",
                (conversation,),
            ).fetchall()
            self.known[conversation] = ([r[0] for r in rows], [bool(r[1]) for r in rows])
        return self.known[conversation]


def _exchange(r, reference: str, numbered: tuple[list[str], list[bool]], tz) -> Exchange:
    why = []
    if r["texts"] >= LONG:
        why.append(f"{r['texts']} texts")
    if r["flagged"]:
        why.append(f"{r['flagged']} flagged by the lexicons")
    if r["after_hours"]:
        why.append(f"{r['after_hours']} after hours")
    at, text = numbered
    first = bisect_left(at, r["first_at"])  # its first text: the first text at its first time
    while not text[first]:
        first += 1
    last = bisect_right(at, r["last_at"]) - 1  # its last: the last text at its last time
    while not text[last]:
        last -= 1
    c = r["conversation_id"]
    # The window of the command: whole seconds around its texts (the next exchange is hours away).
    start = times.from_iso(r["first_at"]).astimezone(tz).replace(microsecond=0)
    end = times.from_iso(r["last_at"]).astimezone(tz).replace(microsecond=0) + timedelta(seconds=1)
    return Exchange(
        reference,
        c,
        times.display(r["first_at"], tz),
        times.display(r["last_at"], tz),
        f"{c}.{first + 1}",
        f"{c}.{last + 1}",
        r["texts"],
        why,
        f'textfile note add {reference} "…" --conversation {c} --from {start.isoformat()} --until {end.isoformat()}',
    )
