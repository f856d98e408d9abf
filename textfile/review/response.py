"""Escalation: for a flagged inbound message, the professional's response and how long it took.

The response is the first, after the message, of: a text the owner sent in that conversation, or a
call logged with the sender's handle (from the call logs already imported, in whatever conversation
the phone kept them): a call the owner made, answered or not (an attempt to respond is a response
the record should show), or one the owner took. A call the owner missed, rejected or let go to
voicemail is not a response, nor is a text that never went out (`rules.sent`): a draft, a failed
send, or a queued one whose sending is not confirmed (the client may never have had it, so it shows
no duty to respond met). What it was is said with it ("text", "call out, 3 min").

Working hours, when set, say whether the message came outside them, whether the response did, and
for a message after hours whether a text went out (`rules.sent`, as above) before the hours began
again (an after-hours notice, or an answer: either tells the client someone saw it).

All the flags a list shows are answered at once (`responses`): the messages asked about in a
temporary table, each one's next text and next answering call found by SQL through the indexes, the
working periods as UTC intervals (periods.py) searched in memory. No query per flag.
"""

from __future__ import annotations

import bisect
import json
import sqlite3
from dataclasses import dataclass
from datetime import timedelta
from typing import NamedTuple

from textfile import times
from textfile.results import Result
from textfile.review.rules import sent

NOT_ANSWERED = ("missed", "rejected", "refused", "voicemail")


@dataclass(slots=True, eq=False)
class Response(Result):
    """The first response to a message: when, what it was, how long after, and whether outside working hours."""

    at: str
    how: str  # "text", "call out", "call in"
    message_id: str
    after_s: int
    outside_hours: bool | None
    duration_s: int | None = None
    number: str = ""  # its number in its conversation (#c.n), as the list gives it

    @property
    def said(self) -> str:
        minutes = f", {round(self.duration_s / 60)} min" if self.how.startswith("call") and self.duration_s else ""
        return f"{self.how}{minutes} after {took(self.after_s)}"


def took(seconds: int) -> str:
    """A wait as people say it: 45 s, 12 min, 3 h 05 min, 2 d 4 h."""
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


class Facts(NamedTuple):
    """What a list says of a flagged message besides the flag: whether it came outside working hours,
    its first response (inbound messages), and whether a text went out before hours began again."""

    outside_hours: bool | None
    response: Response | None
    notice_before_hours: bool | None


class Hours:
    """The working periods over a stretch of time, searched in memory: is an instant outside them,
    when do they next begin."""

    def __init__(self, working, tz, first: str, last: str):
        from textfile.review import periods

        start, end = times.from_iso(first), times.from_iso(last) + timedelta(days=8)
        self.periods = periods.open_intervals(working, tz, start, end)
        self.opens = [o for o, _ in self.periods]

    def outside(self, at: str) -> bool:
        i = bisect.bisect_right(self.opens, at) - 1
        return not (i >= 0 and self.periods[i][1] > at)

    def next_opening(self, at: str) -> str | None:
        """When working hours begin again after `at` (an instant outside them)."""
        i = bisect.bisect_right(self.opens, at)
        return self.opens[i] if i < len(self.opens) else None


NONE_OWED = "none owed (between others)"  # a flagged text of a thread the owner is not in (queue.Flag.between_others)


def responses(conn: sqlite3.Connection, asked: dict[int, str], inbound: set[int], working, tz) -> dict[int, Facts]:
    """For each message asked about (rowid -> sent_at), its facts; a response only for `inbound` ones."""
    if not asked:
        return {}
    now = times.now_iso()
    hours = None
    if working is not None:
        (last,) = conn.execute("SELECT max(sent_at) FROM messages").fetchone()
        hours = Hours(working, tz, min(asked.values()), max(last or now, now))
    found = _first_answers(conn, sorted(inbound))
    out = {}
    for rowid, at in asked.items():
        outside = hours.outside(at) if hours else None
        answer = found.get(rowid)
        response = None
        if answer is not None:
            when, how, message_id, duration = answer
            response = Response(
                when, how, message_id, _seconds(at, when), hours.outside(when) if hours else None, duration
            )
        notice = None
        if outside and rowid in inbound:
            text_at = found.text_at.get(rowid)
            opening = hours.next_opening(at)
            notice = text_at is not None and (opening is None or text_at < opening)
        out[rowid] = Facts(outside, response, notice)
    return out


class _Answers(dict):
    """rowid -> (at, how, message id, duration) of its first response; `text_at`: of its next text."""

    text_at: dict[int, str]


def _first_answers(conn: sqlite3.Connection, rowids: list[int]) -> _Answers:
    """The first text and the first answering call after each message, found in SQL through the indexes."""
    out = _Answers()
    out.text_at = {}
    if not rowids:
        return out
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS review_asked (rowid INTEGER PRIMARY KEY)")
    conn.execute("DELETE FROM temp.review_asked")
    conn.executemany("INSERT INTO temp.review_asked VALUES (?)", ((r,) for r in rowids))
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS review_calls (handle TEXT, sent_at TEXT, rowid INTEGER,"
        " PRIMARY KEY (handle, sent_at, rowid)) WITHOUT ROWID"
    )
    conn.execute("DELETE FROM temp.review_calls")
    marks = ",".join("?" * len(NOT_ANSWERED))
    conn.execute(  # the calls that answer: those the owner made, and those taken
        "INSERT OR IGNORE INTO temp.review_calls SELECT q.handle, c.sent_at, c.rowid"
        " FROM participants q CROSS JOIN messages c ON c.conversation_id = q.conversation_id"
        " WHERE q.is_owner = 0 AND q.handle IN (SELECT p.handle FROM temp.review_asked a CROSS JOIN messages m"
        "   ON m.rowid = a.rowid JOIN participants p ON p.id = m.sender_id)"
        f" AND c.kind = 'call' AND (c.direction = 'out' OR (c.direction = 'in' AND coalesce(c.status, '') NOT IN ({marks})))",
        NOT_ANSWERED,
    )
    pairs = conn.execute(
        "SELECT a.rowid,"
        " (SELECT o.rowid FROM messages o WHERE o.conversation_id = m.conversation_id AND o.sent_at > m.sent_at"
        f"   AND o.direction = 'out' AND o.kind = 'message' AND {sent('o')} ORDER BY o.sent_at LIMIT 1),"
        " (SELECT k.rowid FROM temp.review_calls k WHERE k.handle = p.handle AND k.sent_at > m.sent_at"
        "   ORDER BY k.sent_at LIMIT 1)"
        " FROM temp.review_asked a CROSS JOIN messages m ON m.rowid = a.rowid LEFT JOIN participants p ON p.id = m.sender_id"
    ).fetchall()
    answers = {r for _, text, call in pairs for r in (text, call) if r is not None}
    about = {
        r[0]: r[1:]
        for r in conn.execute(
            "SELECT rowid, sent_at, id, kind, direction, duration_s FROM messages WHERE rowid IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted(answers)),),
        )
    }
    for rowid, text, call in pairs:
        candidates = []
        if text is not None:
            at, message_id, *_ = about[text]
            out.text_at[rowid] = at
            candidates.append((at, "text", message_id, None))
        if call is not None:
            at, message_id, _, direction, duration = about[call]
            candidates.append((at, f"call {direction}", message_id, duration))
        if candidates:
            out[rowid] = min(candidates)
    return out


def _seconds(start: str, end: str) -> int:
    return int((times.from_iso(end) - times.from_iso(start)).total_seconds())


def waited(sent_at: str, now: str | None = None) -> int:
    """Seconds since a message that has no response yet."""
    return _seconds(sent_at, now or times.now_iso())
