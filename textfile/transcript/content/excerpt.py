"""What a production asks of a transcript's messages: a selection of conversations, context around the
window, and what each conversation's heading says of the messages it leaves out (FRE 106).

A selection names conversations of the scope: one the matter has no filing of (or a client's transcript
does not take in) is refused, never shown empty. Context is up to N more messages of each conversation
just before the window's first shown message and after its last, ONLY among messages the scope takes in
(filed to the matter, within each filing's window): context never reaches outside the matter's filings.
Each is a rowid the scope's condition takes in whatever the window (`Scope.context_rows`); without a
window there is nothing to add context to, and none is.

An excerpt is a conversation the transcript shows part of. Its heading says how many messages of the
whole conversation, as the archive holds it (whatever is filed), come before the first shown message
and after the last one, and how many between them are not shown; it is worked out from the numbers
the plan gives every message in its conversation, so it costs no query. It is part of the chunk's
HTML, so the cache of rendered chunks never serves a heading whose counts changed.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from typing import NamedTuple

from textfile.errors import NotFound
from textfile.transcript.content.scope import Plan, Scope


class Excerpt(NamedTuple):
    """How many messages of a conversation the transcript does not show: before its first shown
    message, between its first and last (a filing's window, a selection), and after its last."""

    earlier: int
    between: int
    later: int

    def said(self) -> str:
        """The heading's line: "Excerpt: 12 earlier messages and 3 later messages of this conversation
        are not shown." ("" when the whole conversation is shown)."""
        parts = [
            phrase
            for n, phrase in (
                (self.earlier, f"{_n(self.earlier)} earlier message{_s(self.earlier)}"),
                (self.between, f"{_n(self.between)} message{_s(self.between)} between those shown"),
                (self.later, f"{_n(self.later)} later message{_s(self.later)}"),
            )
            if n
        ]
        if not parts:
            return ""
        listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        one = sum(self) == 1
        return f"Excerpt: {listed} of this conversation {'is' if one else 'are'} not shown."


def _n(n: int) -> str:
    return f"{n:,}"


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def excerpts(p: Plan) -> dict[int, Excerpt]:
    """Each conversation the plan shows part of: how many of its messages it leaves out (its
    messages' numbers count the whole conversation in time order: `scope.plan`)."""
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    shown: dict[int, int] = {}
    for row in p.rows:
        first.setdefault(row.conversation, row.number)
        last[row.conversation] = row.number
        shown[row.conversation] = shown.get(row.conversation, 0) + 1
    out = {}
    for c, total in p.totals.items():
        found = Excerpt(first[c] - 1, last[c] - first[c] + 1 - shown[c], total - last[c])
        if any(found):
            out[c] = found
    return out


def check_selection(conn: sqlite3.Connection, scope: Scope, conversations) -> tuple[int, ...]:
    """The conversations asked for, each one of the scope's (filed to the matter; of a client's
    transcript, filed to one of the client's matters or with the client in it), in the order given."""
    asked = tuple(dict.fromkeys(int(c) for c in conversations))
    whole = replace(scope, from_at=None, until_at=None, conversations=(), context_rows=())
    cond, params = whole.where()
    for c in asked:
        if conn.execute(
            f"SELECT 1 FROM messages m WHERE m.conversation_id = ? AND {cond} LIMIT 1", [c, *params]
        ).fetchone() is None and not _filed(conn, scope, c):
            what = f"filed to matter {scope.matter}" if scope.matter else f"in client {scope.client}'s transcripts"
            raise NotFound(f"conversation {c} is not {what}")
    return asked


def _filed(conn: sqlite3.Connection, scope: Scope, conversation: int) -> bool:
    """The matter has a filing of the conversation (whose window may hold none of its messages)."""
    return scope.matter_id is not None and (
        conn.execute(
            "SELECT 1 FROM filings WHERE matter_id = ? AND conversation_id = ?", (scope.matter_id, conversation)
        ).fetchone()
        is not None
    )


def context_rows(conn: sqlite3.Connection, scope: Scope, n: int) -> tuple[int, ...]:
    """Up to `n` messages of each conversation the window shows, just before its first shown message
    and just after its last, among those the scope takes in without the window: their rowids."""
    window, bounds = scope.window()
    if n <= 0 or not window:
        return ()
    cond, params = scope.where()
    whole = replace(scope, from_at=None, until_at=None, context_rows=())
    around, around_params = whole.where()
    found: list[int] = []
    shown = [c for (c,) in conn.execute(f"SELECT DISTINCT m.conversation_id FROM messages m WHERE {cond}", params)]
    for c in shown:
        for compare, order, edge in (
            ("<", "DESC", _edge(conn, cond, params, c, "ASC")),
            (">", "ASC", _edge(conn, cond, params, c, "DESC")),
        ):
            found += [
                r[0]
                for r in conn.execute(
                    f"SELECT m.rowid FROM messages m WHERE m.conversation_id = ? AND {around}"
                    f" AND (m.sent_at, m.rowid) {compare} (?, ?) ORDER BY m.sent_at {order}, m.rowid {order} LIMIT ?",
                    [c, *around_params, *edge, n],
                )
            ]
    return tuple(sorted(found))


def _edge(conn: sqlite3.Connection, cond: str, params: list, conversation: int, order: str) -> tuple[str, int]:
    """The (sent_at, rowid) of the conversation's first (ASC) or last (DESC) message in the window."""
    return tuple(
        conn.execute(
            f"SELECT m.sent_at, m.rowid FROM messages m WHERE m.conversation_id = ? AND {cond}"
            f" ORDER BY m.sent_at {order}, m.rowid {order} LIMIT 1",
            [conversation, *params],
        ).fetchone()
    )
