"""The archived conversations as `textfile conversations` lists them: participants, counts, the
first and last message at their source's precision, the matters they are filed to, and how many of
their messages no filing covers (the unfiled queue: `unfiled_only`)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from textfile.results import Result

# A message `m` some filing covers (bounds inclusive).
COVERED = (
    "EXISTS (SELECT 1 FROM filings f WHERE f.conversation_id = m.conversation_id"
    " AND (f.from_at IS NULL OR m.sent_at >= f.from_at) AND (f.until_at IS NULL OR m.sent_at <= f.until_at))"
)

# The precision a conversation's first or last message wrote its time at (`times.display`).
PRECISION_OF = "SELECT coalesce(f.time_precision, 'millisecond') FROM messages f WHERE f.conversation_id = c.id"


@dataclass(slots=True, eq=False)
class ParticipantSummary(Result):
    """A participant as a listing names them."""

    handle: str
    name: str | None
    is_owner: bool


@dataclass(slots=True, eq=False)
class ConversationSummary(Result):
    """A conversation as `conversations` lists it (the owner left out of its participants)."""

    id: int
    platform: str
    title: str | None
    is_group: bool
    participants: list[ParticipantSummary]
    handles: list[str]
    messages: int
    first: str | None
    first_precision: str | None
    last: str | None
    last_precision: str | None
    matters: list[str]
    unfiled: int


def label(conversation: ConversationSummary) -> str:
    """A conversation as `conversations` names it: its own title where it has one (a group's), else its
    participants, each by name and number."""
    from textfile.transcript.content import own_title

    people = conversation.participants
    return own_title(conversation.title, (p.name or p.handle for p in people)) or ", ".join(
        f"{p.name} {p.handle}" if p.name and p.name != p.handle else p.handle for p in people
    )


def list_conversations(conn: sqlite3.Connection, *, unfiled_only: bool = False) -> list[ConversationSummary]:
    rows = conn.execute(
        "SELECT c.id, c.platform, c.title, c.is_group, count(m.id) AS messages, min(m.sent_at) AS first, max(m.sent_at) AS last,"
        f" ({PRECISION_OF} ORDER BY f.sent_at, f.rowid LIMIT 1) AS first_precision,"
        f" ({PRECISION_OF} ORDER BY f.sent_at DESC, f.rowid DESC LIMIT 1) AS last_precision,"
        f" coalesce(sum(CASE WHEN m.id IS NOT NULL AND NOT {COVERED} THEN 1 ELSE 0 END), 0) AS unfiled"
        " FROM conversations c LEFT JOIN messages m ON m.conversation_id = c.id GROUP BY c.id ORDER BY c.id"
    ).fetchall()
    participants: dict[int, list[ParticipantSummary]] = {}
    for p in conn.execute(
        "SELECT conversation_id, handle, display_name, is_owner FROM participants ORDER BY is_owner, handle"
    ):
        participants.setdefault(p["conversation_id"], []).append(
            ParticipantSummary(p["handle"], p["display_name"], bool(p["is_owner"]))
        )
    matters: dict[int, list[str]] = {}
    for f in conn.execute(
        "SELECT DISTINCT f.conversation_id, mt.reference FROM filings f JOIN matters mt ON mt.id = f.matter_id ORDER BY mt.reference"
    ):
        matters.setdefault(f["conversation_id"], []).append(f["reference"])
    out = []
    for r in rows:
        if unfiled_only and not (r["unfiled"] or (not r["messages"] and r["id"] not in matters)):
            continue
        others = [p for p in participants.get(r["id"], []) if not p.is_owner]
        out.append(
            ConversationSummary(
                id=r["id"],
                platform=r["platform"],
                title=r["title"],
                is_group=bool(r["is_group"]),
                participants=others,
                handles=[p.handle for p in others],
                messages=r["messages"],
                first=r["first"],
                first_precision=r["first_precision"],
                last=r["last"],
                last_precision=r["last_precision"],
                matters=matters.get(r["id"], []),
                unfiled=r["unfiled"],
            )
        )
    return out
