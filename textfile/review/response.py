"""Escalation: for a flagged inbound message, the professional's response and how long it took.

The response is the first, after the message, of: a text the owner sent in that conversation, or a
call logged with the sender's handle (from the call logs already imported, in whatever conversation
the phone kept them): a call the owner made, answered or not (an attempt to respond is a response
the record should show), or one the owner took. A call the owner missed, rejected or let go to
voicemail is not a response. What it was is said with it ("text", "call out, 3 min").

Working hours, when set, say whether the message came outside them, whether the response did, and
for a message after hours whether a text went out before the hours began again (an after-hours
notice, or an answer: either tells the client someone saw it).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from textfile import times
from textfile.results import Result

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


def first_response(conn: sqlite3.Connection, rowid: int, working=None, tz=None) -> Response | None:
    """The first response to the message at `rowid` (see the module's docstring), or None."""
    m = conn.execute(
        "SELECT m.conversation_id, m.sent_at, p.handle FROM messages m LEFT JOIN participants p ON p.id = m.sender_id"
        " WHERE m.rowid = ?",
        (rowid,),
    ).fetchone()
    candidates = []
    text = conn.execute(
        "SELECT id, sent_at FROM messages WHERE conversation_id = ? AND sent_at > ? AND direction = 'out'"
        " AND kind = 'message' ORDER BY sent_at LIMIT 1",
        (m["conversation_id"], m["sent_at"]),
    ).fetchone()
    if text:
        candidates.append((text["sent_at"], "text", text["id"], None))
    if m["handle"]:
        call = conn.execute(
            "SELECT c.id, c.sent_at, c.direction, c.duration_s FROM messages c"
            " WHERE c.kind = 'call' AND c.sent_at > ? AND c.conversation_id IN"
            " (SELECT conversation_id FROM participants WHERE handle = ? AND is_owner = 0)"
            f" AND (c.direction = 'out' OR (c.direction = 'in' AND coalesce(c.status, '') NOT IN ({_marks()})))"
            " ORDER BY c.sent_at LIMIT 1",
            (m["sent_at"], m["handle"], *NOT_ANSWERED),
        ).fetchone()
        if call:
            candidates.append((call["sent_at"], f"call {call['direction']}", call["id"], call["duration_s"]))
    if not candidates:
        return None
    at, how, message_id, duration = min(candidates)
    return Response(
        at,
        how,
        message_id,
        _seconds(m["sent_at"], at),
        outside_hours(working, at, tz),
        duration,
    )


def _marks() -> str:
    return ",".join("?" * len(NOT_ANSWERED))


def _seconds(start: str, end: str) -> int:
    return int((times.from_iso(end) - times.from_iso(start)).total_seconds())


def outside_hours(working, at: str, tz) -> bool | None:
    """Whether an instant is outside the working hours (None: none are set)."""
    if working is None:
        return None
    from textfile.review import hours

    return not hours.within(working, times.from_iso(at), tz)


def notice_before_hours(conn: sqlite3.Connection, rowid: int, working, tz) -> bool | None:
    """For a message outside working hours: whether the owner texted in its conversation before the hours
    began again (None: no hours set, or the message was within them)."""
    if working is None:
        return None
    from textfile.review import hours

    m = conn.execute("SELECT conversation_id, sent_at FROM messages WHERE rowid = ?", (rowid,)).fetchone()
    at = times.from_iso(m["sent_at"])
    if hours.within(working, at, tz):
        return None
    opening: datetime | None = hours.next_opening(working, at, tz)
    until = times.to_iso(opening) if opening else "9999"
    return (
        conn.execute(
            "SELECT 1 FROM messages WHERE conversation_id = ? AND sent_at > ? AND sent_at < ? AND direction = 'out'"
            " AND kind = 'message' LIMIT 1",
            (m["conversation_id"], m["sent_at"], until),
        ).fetchone()
        is not None
    )


def waited(sent_at: str, now: str | None = None) -> int:
    """Seconds since a message that has no response yet."""
    return _seconds(sent_at, now or times.now_iso())
