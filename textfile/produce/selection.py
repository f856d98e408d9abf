"""What a production hands over: the matter's messages in its window and conversations, and the
refusals that keep a production honest.

Decisions, and why:
- **The matter's own messages.** A production is of one matter: the messages its filings give it
  (a filing's window included), within --from/--until, of the conversations named (default: all
  of the matter's). A conversation named that holds messages in the window not filed to the matter
  is refused, naming them: a production never quietly leaves out part of what was asked for, and
  never hands over another matter's texts.
- **Context** (±N, FRE 106) is taken only among the matter's own messages of that conversation, the
  N just before the window's first and the N just after its last: never a text of another matter.
- **Refusals**, each before anything is rendered or numbered: an open review flag on a message
  when --require-reviewed is given; a message produced before (in an earlier production) unless
  --reproduce, naming the earlier production and its Bates numbers, so a message is never handed
  over under two numbers by accident.
- **Order** is the transcripts': conversations by their first message, each in time order.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field

from textfile import sightings
from textfile.errors import Conflict, InvalidInput, NotFound

IN_MATTER = (
    "EXISTS (SELECT 1 FROM filings f WHERE f.matter_id = :matter AND f.conversation_id = m.conversation_id"
    " AND (f.from_at IS NULL OR m.sent_at >= f.from_at) AND (f.until_at IS NULL OR m.sent_at <= f.until_at))"
)
WINDOW = "(:from_at IS NULL OR m.sent_at >= :from_at) AND (:until_at IS NULL OR m.sent_at <= :until_at)"


@dataclass
class Selection:
    """The messages a production hands over, in transcript order, by conversation."""

    matter_id: int
    matter: str
    matter_title: str
    client: str
    from_at: str | None
    until_at: str | None
    conversations: list[int]  # in transcript order
    messages: dict[int, list[str]]  # conversation -> message ids in time order
    hashes: dict[str, str] = field(default_factory=dict)  # message id -> content hash

    @property
    def ids(self) -> list[str]:
        return [mid for c in self.conversations for mid in self.messages[c]]


def select(
    conn: sqlite3.Connection,
    matter: str,
    from_at: str | None,
    until_at: str | None,
    conversations: list[int] | None,
    context: int = 0,
    imports_until: int | None = None,
) -> Selection:
    """The matter's messages to produce (see the module's decisions); NotFound when there are none.
    `imports_until` (a production made again): only the messages first archived by the imports up to it,
    those the archive held when it was made; none: every one (the SQL unchanged)."""
    from textfile.filing.names import live_matter_row

    if from_at and until_at and from_at > until_at:
        raise InvalidInput("--from is after --until")
    if context < 0:
        raise InvalidInput("--context must be 0 or more")
    row = live_matter_row(conn, matter, "there is nothing left to produce")
    client = conn.execute("SELECT name FROM clients WHERE id = ?", (row["client_id"],)).fetchone()[0]
    params = {"matter": row["id"], "from_at": from_at, "until_at": until_at}
    bound = sightings.up_to("m.import_id", imports_until)
    filed = [
        c for (c,) in conn.execute("SELECT DISTINCT conversation_id FROM filings WHERE matter_id = ?", (row["id"],))
    ]
    if conversations:
        for c in conversations:
            if conn.execute("SELECT 1 FROM conversations WHERE id = ?", (c,)).fetchone() is None:
                raise NotFound(f"no conversation {c} (see `textfile conversations`)")
            if c not in filed:
                raise NotFound(
                    f"conversation {c} is not filed to matter {row['reference']} (see `textfile conversations`)"
                )
        _check_filed(conn, row["reference"], conversations, params, bound)
    chosen = sorted(set(conversations or filed))
    messages: dict[int, list[str]] = {}
    hashes: dict[str, str] = {}
    first: dict[int, str] = {}
    for c in chosen:
        rows = conn.execute(
            f"SELECT m.id, m.content_hash, m.sent_at, {WINDOW} AS inside FROM messages m"
            f" WHERE m.conversation_id = :c AND {IN_MATTER}{bound} ORDER BY m.sent_at, m.rowid",
            {**params, "c": c},
        ).fetchall()
        inside = [i for i, r in enumerate(rows) if r["inside"]]
        if not inside:
            continue
        lo, hi = max(0, inside[0] - context), min(len(rows), inside[-1] + 1 + context)
        taken = rows[lo:hi] if context else [rows[i] for i in inside]
        messages[c] = [r["id"] for r in taken]
        hashes.update((r["id"], r["content_hash"]) for r in taken)
        first[c] = taken[0]["sent_at"]
    if not messages:
        window = " in that window" if (from_at or until_at) else ""
        raise NotFound(f"matter {row['reference']} has no filed messages{window}: nothing to produce")
    order = sorted(messages, key=lambda c: (first[c], c))
    return Selection(row["id"], row["reference"], row["title"], client, from_at, until_at, order, messages, hashes)


def _check_filed(conn: sqlite3.Connection, reference: str, conversations: list[int], params: dict, bound: str) -> None:
    """Every message of the named conversations in the window is filed to the matter (`bound`: of the
    imports a production made again knew, `select`)."""
    from textfile.notes.messages import number_of

    outside = conn.execute(
        "SELECT m.conversation_id, m.sent_at, m.rowid FROM messages m"
        f" WHERE m.conversation_id IN (SELECT value FROM json_each(:cs)) AND {WINDOW} AND NOT {IN_MATTER}{bound}"
        " ORDER BY m.conversation_id, m.sent_at, m.rowid LIMIT 11",
        {**params, "cs": json.dumps(conversations)},
    ).fetchall()
    if outside:
        said = ", ".join(f"#{number_of(conn, r[0], r[1], r[2])}" for r in outside[:10])
        more = " and more" if len(outside) > 10 else ""
        raise InvalidInput(
            f"messages {said}{more} of the conversations named are in the window but not filed to matter {reference}:"
            f" narrow --from/--until, or file them (`textfile file N --matter {reference}`)"
        )


def check_reviewed(conn: sqlite3.Connection, ids: list[str]) -> None:
    """--require-reviewed: refused while a message produced has an open review flag."""
    (n,) = conn.execute(
        "SELECT count(*) FROM review_flags WHERE state = 'open' AND message_id IN (SELECT value FROM json_each(?))",
        (json.dumps(ids),),
    ).fetchone()
    if n:
        raise Conflict(
            f"{n} review flag{'s are' if n > 1 else ' is'} still open on messages of this production"
            " (--require-reviewed): decide them first (`textfile review`)"
        )


def produced_before(conn: sqlite3.Connection, ids: list[str]) -> list[dict]:
    """The earlier productions that handed over any of these messages: their number, Bates range and count."""
    return [
        {"production": r[0], "messages": r[1], "first": r[2], "last": r[3]}
        for r in conn.execute(
            "SELECT pm.production_id, count(*), min(pm.bates), max(pm.bates) FROM production_messages pm"
            " WHERE pm.message_id IN (SELECT value FROM json_each(?)) GROUP BY pm.production_id ORDER BY pm.production_id",
            (json.dumps(ids),),
        )
    ]


def check_not_produced(conn: sqlite3.Connection, ids: list[str], reproduce: bool) -> list[dict]:
    """Refused when messages were produced before, unless --reproduce (then: which productions)."""
    earlier = produced_before(conn, ids)
    if earlier and not reproduce:
        said = "; ".join(
            f"{e['messages']} in production {e['production']} ({e['first']}–{e['last']})" for e in earlier[:3]
        )
        raise Conflict(
            f"messages of this production were produced before: {said}. Produce them again under new numbers"
            " with --reproduce, or narrow --from/--until/--conversation"
        )
    return earlier
