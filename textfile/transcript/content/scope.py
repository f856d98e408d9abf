"""Which messages a transcript shows: its scope, its plan, their numbers.

The main process reads the plan: which messages are in the window, in transcript order, with
their content hashes (the manifest) and enough to number them and resolve "in reply to #n".
It is read row by row: conversations in the order of their first message, each in time order.
A window's bounds are printed at the precision of the messages they bound where that loses nothing.

Messages are numbered within their conversation: `#2.123` is the 123rd message of conversation 2
(the archive's number for it, on its heading), counted over the whole conversation in time order,
whatever the transcript's window or filing: transcripts made of the archive as it stands, and
`conversation show`, give a message the same number, and a gap in the numbers is a message the
transcript does not show. A later import that archives a message with an earlier time moves every
number after it: `verify FILE.pdf` names the numbers a transcript printed that moved since
(integrity/renumbered.py), and `note add` warns of one typed from it. Numbered through the whole transcript, one conversation's growth would renumber every
conversation after it, and no rendered page could be reused (measured: ~30% reused after 100 new
messages, against ~96% numbered per conversation). The transcript's record and its manifest keep
the numbering as runs (conversation, first number, how many, in transcript order: `scope.numbering`),
so a number can be told again from a position whatever happens to the conversations later (`number_at`).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import NamedTuple
from zoneinfo import ZoneInfo

from textfile import sightings, times
from textfile.errors import InvalidInput, NotFound
from textfile.filing.names import live_matter_row


@dataclass
class Scope:
    matter_id: int | None
    matter: str | None
    matter_title: str | None
    client_id: int
    client: str
    from_at: str | None
    until_at: str | None
    conversation_id: int | None = None  # one conversation, whatever it is filed to (`conversation show`)
    conversations: tuple[int, ...] = ()  # only these of the scope's conversations (a production's selection)
    context: int = 0  # up to this many filed messages shown before and after the window (`content/excerpt.py`)
    context_rows: tuple[int, ...] = ()  # their rowids: shown whatever the window
    imports_until: int | None = None  # made again: only the messages first archived by the imports it knew

    def where(self) -> tuple[str, list]:
        """SQL condition on `messages m` selecting the scope's messages, and its parameters (made again:
        only those first archived by an import up to `imports_until`; none: every one, the SQL unchanged)."""
        if self.conversation_id is not None:
            cond, params = "m.conversation_id = ?", [self.conversation_id]
        elif self.matter_id is not None:
            cond = (
                "EXISTS (SELECT 1 FROM filings f WHERE f.matter_id = ? AND f.conversation_id = m.conversation_id"
                " AND (f.from_at IS NULL OR m.sent_at >= f.from_at) AND (f.until_at IS NULL OR m.sent_at <= f.until_at))"
            )
            params: list = [self.matter_id]
        else:
            # A client's transcript: what is filed to any of their matters, and every conversation
            # they take part in through one of their handles.
            cond = (
                "(EXISTS (SELECT 1 FROM filings f JOIN matters mt ON mt.id = f.matter_id WHERE mt.client_id = ?"
                " AND f.conversation_id = m.conversation_id"
                " AND (f.from_at IS NULL OR m.sent_at >= f.from_at) AND (f.until_at IS NULL OR m.sent_at <= f.until_at))"
                " OR m.conversation_id IN (SELECT p.conversation_id FROM participants p JOIN client_handles h ON h.handle = p.handle"
                " WHERE h.client_id = ? AND p.is_owner = 0))"
            )
            params = [self.client_id, self.client_id]
        cond += sightings.up_to("m.import_id", self.imports_until)
        if self.conversations:
            cond += f" AND m.conversation_id IN ({','.join('?' * len(self.conversations))})"
            params += list(self.conversations)
        window, bounds = self.window()
        if window and self.context_rows:
            cond += f" AND (({window}) OR m.rowid IN ({','.join('?' * len(self.context_rows))}))"
            params += bounds + list(self.context_rows)
        elif window:
            cond += f" AND {window}"
            params += bounds
        return cond, params

    def window(self) -> tuple[str, list]:
        """SQL condition on `messages m` of the window (--from, --until; "" when none), and its parameters."""
        found = [(cond, at) for cond, at in (("m.sent_at >= ?", self.from_at), ("m.sent_at <= ?", self.until_at)) if at]
        return " AND ".join(c for c, _ in found), [at for _, at in found]

    def as_dict(self) -> dict:
        """The scope as the cover, the manifest and the transcript's record say it (a selection of
        conversations and the context around the window only when asked for)."""
        return {
            "matter": self.matter,
            "matter_title": self.matter_title,
            "client": self.client,
            "from": self.from_at,
            "until": self.until_at,
            **({"conversations": list(self.conversations)} if self.conversations else {}),
            **({"context": self.context} if self.context else {}),
        }


def resolve_scope(
    conn: sqlite3.Connection, matter: str | None, client: str | None, from_at: str | None, until_at: str | None
) -> Scope:
    if bool(matter) == bool(client):
        raise InvalidInput(
            "name a matter (REF) or a client (--client NAME), not both"
            if matter
            else "name a matter (REF) or a client (--client NAME)"
        )
    if from_at and until_at and from_at > until_at:
        raise InvalidInput("--from is after --until")
    if matter:
        row = conn.execute(
            "SELECT mt.id, mt.reference, mt.title, c.id AS client_id, c.name FROM matters mt JOIN clients c ON c.id = mt.client_id"
            " WHERE mt.reference = ?",
            (matter.strip(),),
        ).fetchone()
        if row is None:
            raise NotFound(f"no matter {matter!r} (see `textfile matter list`)")
        live_matter_row(conn, row["reference"], "there is nothing left to render")
        return Scope(row["id"], row["reference"], row["title"], row["client_id"], row["name"], from_at, until_at)
    row = conn.execute("SELECT id, name FROM clients WHERE name = ?", (client.strip(),)).fetchone()
    if row is None:
        raise NotFound(f"no client named {client!r} (see `textfile client list`)")
    return Scope(None, None, None, row["id"], row["name"], from_at, until_at)


class Number(str):
    """A message's number in a transcript, as printed: "2.123" (conversation 2, its 123rd message the
    transcript shows). Ordered as the transcript runs (`position`, from 1), not as text."""

    def __new__(cls, conversation: int, n: int, position: int):
        self = super().__new__(cls, f"{conversation}.{n}")
        self.conversation, self.n, self.position = conversation, n, position
        return self

    def __getnewargs__(self):  # (sent to a rendering process with its chunk)
        return self.conversation, self.n, self.position

    def __lt__(self, other):
        return self.position < other.position if isinstance(other, Number) else NotImplemented

    def __gt__(self, other):
        return self.position > other.position if isinstance(other, Number) else NotImplemented

    def __le__(self, other):
        return self.position <= other.position if isinstance(other, Number) else NotImplemented

    def __ge__(self, other):
        return self.position >= other.position if isinstance(other, Number) else NotImplemented

    __hash__ = str.__hash__


def number_at(numbering, position: int) -> Number | int:
    """The number of the message at `position` (from 1) of a transcript numbered by `numbering` (its
    scope's runs: [conversation, first number, count] in transcript order); a transcript made before
    messages were numbered per conversation has none, and numbered its messages by their position
    (as does a numbering that is not runs of whole numbers: a damaged record names no wrong number)."""
    at = 0
    try:
        for run in numbering or ():
            conversation, first, count = run if len(run) == 3 else (run[0], 1, run[1])
            if not all(type(x) is int for x in (conversation, first, count)):
                return position
            if position <= at + count:
                return Number(conversation, first + position - at - 1, position)
            at += count
    except (TypeError, ValueError, IndexError, KeyError):
        pass
    return position


class Planned(NamedTuple):
    """One message of a transcript's plan: what the plan reads of it, in transcript order."""

    rowid: int
    id: str
    conversation: int
    content_hash: str
    service: str | None
    number: int  # in its conversation, from 1, over all its messages in time order


@dataclass
class Plan:
    """The messages of a transcript in order (`Planned`)."""

    rows: list[Planned]
    reply_seq: dict[int, Number] = field(default_factory=dict)  # position (0-based) -> the number replied to
    reply_outside: set[int] = field(default_factory=set)  # positions replying to a message not in the transcript
    conversations: list[int] = field(default_factory=list)  # in transcript order
    runs: list[tuple[int, int, int]] = field(default_factory=list)  # (conversation, first number, count), in order
    totals: dict[int, int] = field(default_factory=dict)  # conversation -> how many messages the archive holds of it


def plan(conn: sqlite3.Connection, scope: Scope) -> Plan:
    """Read row by row (a 100,000-message matter must not cost a list of full rows): conversations
    in the order of their first message, each in time order, each message with its number in its
    conversation."""
    cond, params = scope.where()
    cursor = conn.cursor()
    cursor.row_factory = None
    groups: dict[int, list[tuple]] = {}
    first: dict[int, str] = {}
    sources: dict[tuple[int, str], int] = {}  # (conversation, source id) -> index in its group
    replies: list[tuple[int, int, str]] = []  # (conversation, index in its group, source id replied to)
    services: dict[str, str] = {}
    for rowid, mid, conv, digest, service, sent_at, source_id, reply_to in cursor.execute(
        "SELECT m.rowid, m.id, m.conversation_id, m.content_hash, m.service, m.sent_at, m.source_id, m.reply_to"
        f" FROM messages m WHERE {cond} ORDER BY m.conversation_id, m.sent_at, m.rowid",
        params,
    ):
        group = groups.get(conv)
        if group is None:
            group = groups[conv] = []
            first[conv] = sent_at
        if source_id:
            sources.setdefault((conv, source_id), len(group))
        if reply_to:
            replies.append((conv, len(group), reply_to))
        group.append((rowid, mid, conv, digest, services.setdefault(service, service) if service else service))
    order = sorted(groups, key=lambda c: (first[c], c))
    offset, at, rows, runs, totals = {}, 0, [], [], {}
    for c in order:
        offset[c] = at
        numbers, totals[c] = _numbers(conn, c, groups[c], scope.imports_until)
        rows += [Planned(*row, n) for row, n in zip(groups.pop(c), numbers)]
        for n in numbers:
            if runs and runs[-1][0] == c and runs[-1][1] + runs[-1][2] == n:
                runs[-1][2] += 1
            else:
                runs.append([c, n, 1])
        at = len(rows)
    result = Plan(rows, conversations=order, runs=[tuple(run) for run in runs], totals=totals)
    for conv, index, target in replies:
        found = sources.get((conv, target))
        if found is not None:
            target_row = rows[offset[conv] + found]
            result.reply_seq[offset[conv] + index] = Number(conv, target_row.number, offset[conv] + found + 1)
        else:
            result.reply_outside.add(offset[conv] + index)
    return result


def _numbers(
    conn: sqlite3.Connection, conversation: int, group: list[tuple], until: int | None = None
) -> tuple[list[int], int]:
    """Each message's number in its conversation (from 1, all its messages in time order), for these
    messages of it (rows in that order): 1, 2, 3… when they are all of it; and how many it has. `until`:
    of the messages first archived by the imports up to it only (a transcript made again, as it was)."""
    bound = sightings.up_to("import_id", until)
    (total,) = conn.execute(
        f"SELECT count(*) FROM messages WHERE conversation_id = ?{bound}", (conversation,)
    ).fetchone()
    if total == len(group):
        return list(range(1, total + 1)), total
    rank = {
        rowid: n
        for n, (rowid,) in enumerate(
            conn.execute(
                f"SELECT rowid FROM messages WHERE conversation_id = ?{bound} ORDER BY sent_at, rowid", (conversation,)
            ),
            1,
        )
    }
    return [rank[row[0]] for row in group], total


def fmt_bound(stored: str | None, tz: ZoneInfo, precision: str | None) -> str:
    """A bound of a window (--from/--until, a filing's from/until) at the precision of the messages it
    bounds where that loses nothing: on a whole minute, or an inclusive end at a minute's last millisecond."""
    if stored and precision == "minute" and stored[17:23] not in ("00.000", "59.999"):
        precision = None
    return times.display(stored, tz, precision)


def _numbered(p: Plan, rowids) -> dict[int, Number]:
    """rowid -> the message's number in the transcript, for these rowids (those in it)."""
    wanted = set(rowids)
    return {
        row.rowid: Number(row.conversation, row.number, n) for n, row in enumerate(p.rows, 1) if row.rowid in wanted
    }


def message_numbers(numbers) -> str:
    """Message numbers in order, a run of consecutive ones of one conversation as "#2.3–#2.7"
    (`Number`s, or as JSON gives them back: "2.3"; plain positions, of a transcript numbered
    throughout, as "#3–#7")."""
    runs: list[list[tuple]] = []
    for n in sorted(_parsed(n) for n in numbers):
        if runs and n[1] == runs[-1][-1][1] and n[2] == runs[-1][-1][2] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(f"#{r[0][3]}–#{r[-1][3]}" if len(r) > 2 else ", ".join(f"#{n[3]}" for n in r) for r in runs)


def _parsed(n) -> tuple:
    """(order, conversation, number within it, as printed) of a message number."""
    if isinstance(n, Number):
        return n.position, n.conversation, n.n, str(n)
    if isinstance(n, str) and "." in n:
        conversation, k = (int(x) for x in n.split(".", 1))
        return (0, conversation, k), conversation, k, n
    return int(n), None, int(n), str(n)
