"""What a review report holds, read in one write transaction: the scan of what is new and the queue
it leaves (`review.queue_now`, the flags with two messages either side), each message shown with its
id and content hash, the scope and filters, the settings in force, and the Bates series it starts.

One transaction, because the report must describe one state of the archive: the flags, their
states, the messages' hashes and the next free Bates number are all read before anything renders
(the Bates counter is checked again when the report is recorded: recording.py). A message is named
by its number in its conversation (#c.n, counted over the whole conversation in time order, as
transcripts and `review` number it), and the report's manifest names it by its id and content hash.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from textfile import audit, review
from textfile.archive import validate_bates_prefix
from textfile.filing.names import client_row, matter_row
from textfile.review import consent, settings
from textfile.review.queue import RULE_NAMES, STATES, Filters, Flag
from textfile.transcript.bates import REVIEW_SERIES, Series, bates_series

if TYPE_CHECKING:
    from textfile.archive import Archive

CONTEXT = 2  # messages shown before and after each flagged one


class Shown(NamedTuple):
    """A message the report shows: its number (#c.n), its id and content hash, and what a transcript
    says of it besides its text, in the transcript's words (a draft, failed, deleted, edited; a call
    and how long; its attachments)."""

    number: str
    id: str
    content_hash: str
    facts: tuple[str, ...] = ()


@dataclass(slots=True)
class Scope:
    """Whose flags: a matter (and its client), a client, or the whole archive (all None)."""

    matter: str | None = None
    matter_title: str | None = None
    client: str | None = None
    matter_id: int | None = None
    client_id: int | None = None

    def as_dict(self) -> dict:
        return {"matter": self.matter, "matter_title": self.matter_title, "client": self.client}

    @property
    def label(self) -> str:
        if self.matter:
            return f"{self.client} — {self.matter} {self.matter_title}"
        return self.client or "the whole archive"


@dataclass(slots=True)
class Contents:
    """The report's contents, read in one snapshot (see the module's docstring)."""

    flags: list[Flag]
    shown: dict[int, list[Shown]]  # per flag: its context, in order (the flagged message among them)
    flagged: dict[int, Shown]  # per flag: its message
    responses: dict[int, Shown]  # per flag answered: the response
    scope: Scope
    filters: Filters
    within_s: int | None
    review_settings: settings.ReviewSettings
    clients: list[consent.ConsentHistory]
    bates: Series
    audit_head: dict | None
    withheld: set[str] = field(default_factory=set)  # context of a matter's report not filed to it: not shown

    def messages(self) -> list[tuple[str, str]]:
        """Every message shown (id, content hash), each once, in the order first shown."""
        seen: dict[str, str] = {}
        for f in self.flags:
            for s in [
                *self.shown[f.id],
                self.flagged[f.id],
                *([self.responses[f.id]] if f.id in self.responses else []),
            ]:
                if s.id not in self.withheld:
                    seen.setdefault(s.id, s.content_hash)
        return list(seen.items())

    def counts(self) -> dict[str, dict[str, int]]:
        """How many flags the report lists, by rule, then state."""
        out: dict[str, dict[str, int]] = {}
        for f in self.flags:
            by_state = out.setdefault(f.rule, dict.fromkeys(STATES, 0))
            by_state[f.state] += 1
        return dict(sorted(out.items(), key=lambda item: (item[0] in RULE_NAMES, item[0])))


def read_contents(archive: Archive, filters: Filters, tz) -> Contents:
    """The report's contents, in one write transaction (the scan may raise flags: see the module)."""
    prefix = REVIEW_SERIES.format(prefix=validate_bates_prefix(archive.settings.bates_prefix, stored=True).rstrip("-"))
    with archive.transaction() as conn:
        found = review.queue_now(conn, tz, filters, context=CONTEXT)
        shown = _Shown(conn)
        contents = Contents(
            found.flags,
            {f.id: [shown(line.number, line.message_id) for line in f.context] for f in found.flags},
            {f.id: shown(f.number, f.message_id) for f in found.flags},
            {f.id: shown(f.response.number, f.response.message_id) for f in found.flags if f.response is not None},
            _scope(conn, filters),
            filters,
            found.within_s,
            settings.current(conn),
            [],
            bates_series(conn, prefix, archive.settings.bates_prefix),
            audit.head(conn),
        )
        contents.clients = [consent.history(conn, name) for name in _clients(conn, contents.scope)]
        if contents.scope.matter_id is not None:
            contents.withheld = _not_filed(conn, contents.scope.matter_id, contents.shown)
    return contents


def _not_filed(conn: sqlite3.Connection, matter_id: int, shown: dict[int, list[Shown]]) -> set[str]:
    """The messages of the flags' context that are not filed to the matter (a conversation filed to it
    from or until a date, the rest to another matter): a matter's report shows no other matter's
    messages, as its transcript does not. (The flagged messages are the matter's: `queue.flags`.)"""
    ids = sorted({s.id for context in shown.values() for s in context})
    return {
        r[0]
        for r in conn.execute(
            "SELECT m.id FROM messages m WHERE m.id IN (SELECT value FROM json_each(?)) AND NOT EXISTS ("
            "SELECT 1 FROM filings fi WHERE fi.matter_id = ? AND fi.conversation_id = m.conversation_id"
            " AND (fi.from_at IS NULL OR m.sent_at >= fi.from_at) AND (fi.until_at IS NULL OR m.sent_at <= fi.until_at))",
            (json.dumps(ids), matter_id),
        )
    }


class _Shown:
    """A message shown, by its number (#c.n, as `review` numbers it) and id: with its content hash and
    what a transcript says of it besides its text; each message read once."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn, self.known = conn, {}

    def __call__(self, number: str, message_id: str) -> Shown:
        if message_id not in self.known:
            r = self.conn.execute(
                "SELECT content_hash, kind, status, flags, direction, duration_s FROM messages WHERE id = ?",
                (message_id,),
            ).fetchone()
            self.known[message_id] = Shown(number, message_id, r["content_hash"], self._facts(message_id, r))
        return self.known[message_id]

    def _facts(self, message_id: str, r) -> tuple[str, ...]:
        """What a transcript says of a message besides its text (content.marks): its marks, its call, its
        attachments (each by name and type, or why the export left its bytes out)."""
        from textfile.transcript.content.marks import _call, _marks

        facts = [_call(r)] if r["kind"] == "call" else []
        facts += _marks(r["status"], json.loads(r["flags"] or "[]"), r["kind"])
        facts += [
            f"attachment {a['file_name'] or '(no name)'} ({a['mime'] or 'type unknown'})"
            + ("" if a["blob_sha256"] else f": {a['missing_reason'] or 'bytes not in the export'}")
            for a in self.conn.execute(
                "SELECT file_name, mime, blob_sha256, missing_reason FROM message_attachments WHERE message_id = ?"
                " ORDER BY position",
                (message_id,),
            )
        ]
        return tuple(facts)


def _scope(conn: sqlite3.Connection, filters: Filters) -> Scope:
    if filters.matter is not None:
        m = matter_row(conn, filters.matter)
        (client,) = conn.execute("SELECT name FROM clients WHERE id = ?", (m["client_id"],)).fetchone()
        return Scope(m["reference"], m["title"], client, m["id"], m["client_id"])
    if filters.client is not None:
        c = client_row(conn, filters.client)
        return Scope(client=c["name"], client_id=c["id"])
    return Scope()


def _clients(conn: sqlite3.Connection, scope: Scope) -> list[str]:
    """The clients whose consents the cover states: the scope's, or every client's (the whole archive)."""
    if scope.client is not None:
        return [scope.client]
    return [r[0] for r in conn.execute("SELECT name FROM clients ORDER BY name")]
