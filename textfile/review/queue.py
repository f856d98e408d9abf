"""The review queue: each flag with its message, where it stands, and the response it got.

A flag is `open` until a person reviews it (`ack`: by whom, when, a note) or dismisses it
(`dismiss`: why); a scan clears an open flag whose rule no longer holds (`cleared`). A decision
can be taken back (`reopen`, with a reason): a mistake is fixed, never erased; the audit log keeps
every decision. A flag is listed with its message's number (`#c.n`, as transcripts and
`conversation show` give it), and for an inbound message, its first response and how long it took
(response.py). `unanswered` lists the flagged inbound messages no response reached within a time.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field

from textfile import audit, times
from textfile.errors import Conflict, InvalidInput, NotFound
from textfile.filing.names import client_row, matter_row
from textfile.fingerprint import sha256_text
from textfile.model import between_others
from textfile.results import Result, omit_empty
from textfile.review import response, settings
from textfile.review.response import Response

STATES = ("open", "reviewed", "dismissed", "cleared")
RULE_NAMES = {
    "after_hours_in": "received after hours",
    "after_hours_out": "sent after hours",
    "opt_out": "opt-out or opt-in",
    "after_opt_out": "texted after an opt-out",
    "no_consent": "no consent in force",  # (one revoked, or given since, may be on record)
    "minor": "a minor client",
}


@dataclass(frozen=True, slots=True)
class Filters:
    """What the report lists: flags in these states, of these rules (None: all), of a matter, a client
    or the whole archive, of one conversation, and (`unanswered_within`: "24h") only the flagged
    messages from clients no response reached within that time."""

    states: tuple[str, ...] = ("open",)
    rules: tuple[str, ...] | None = None
    matter: str | None = None
    client: str | None = None
    conversation: int | None = None
    unanswered_within: str | None = None

    def as_dict(self) -> dict:
        return {
            "states": list(self.states),
            "rules": list(self.rules) if self.rules else None,
            "matter": self.matter,
            "client": self.client,
            "conversation": self.conversation,
            "unanswered_within": self.unanswered_within,
        }


@dataclass(slots=True, eq=False)
class Line(Result):
    """A message as a flag shows it, or one around it."""

    number: str
    at: str
    direction: str
    sender: str | None
    body: str
    kind: str = "message"
    message_id: str = ""
    time_precision: str | None = None  # the source's ("minute": WhatsApp): its time is printed no finer
    marks: list[str] = field(default_factory=list)  # what the transcript marks it with: "DRAFT (never sent)", "EDITED"…


@dataclass(slots=True, eq=False)
class Flag(Result):
    """A flag in the queue: its rule and why, its message, where it stands, and the response."""

    id: int
    rule: str
    why: str
    reason: dict
    state: str
    conversation: int
    message_id: str
    number: str
    sent_at: str
    direction: str
    sender: str | None
    body: str
    raised_at: str
    decided_at: str | None = None
    decided_by: str | None = None
    note: str | None = None
    outside_hours: bool | None = None
    notice_before_hours: bool | None = None
    response: Response | None = None
    waiting_s: int | None = None
    context: list[Line] = field(default_factory=list)
    time_precision: str | None = None  # the source's ("minute": WhatsApp): its time is printed no finer
    # (`review show`) every decision a person made on it, oldest first (`review_decisions`, m027): its state is
    # only the latest (second reader, round 15: an ack, then a reopen, showed only "open")
    history: list[Decided] = omit_empty(default_factory=list)
    # a thread on a client's phone that the owner is not in (model.between_others): a lexicon's flag there looks
    # for no response, which the owner never owed (it read "none yet", waiting: second reader, round 17)
    between_others: bool | None = omit_empty(default=None)


@dataclass(slots=True, eq=False)
class Decided(Result):
    """A decision a person made on a flag (`review ack|dismiss|reopen`): the state it put the flag in, the note (a
    reopen's reason), who decided, when, and who entered it."""

    state: str
    note: str | None
    by: str
    at: str
    entered_by: str


@dataclass(slots=True, eq=False)
class Decision(Result):
    """Flags a person decided on (`review ack|dismiss|reopen`)."""

    state: str
    flags: list[int]
    note: str | None
    by: str
    at: str


def _day(stored, tz) -> str:
    """A reason's stored instant as its day on the clock of `tz` (a value that is no instant, edited in the
    file, as it is stored: `times.day`)."""
    return times.day(stored, tz) if stored else ""


def reason_of(stored: str) -> dict:
    """A flag's reason as stored (JSON, an object); one that is not (edited in the file) kept as its text,
    under `as_stored`, for `describe` to show: what the archive holds is shown, never a traceback."""
    try:
        reason = json.loads(stored)
    except (TypeError, ValueError):
        return {"as_stored": stored}
    return reason if isinstance(reason, dict) else {"as_stored": stored}


def describe(rule: str, reason: dict, tz) -> str:
    """Why a flag was raised, in words: "deadlines: hearing, court date", "texted after STOP on …" (its
    day on the clock of `tz`); a reason not as textfile writes it (edited in the file) as it is stored."""
    try:
        said = _described(rule, reason, tz)
    except (TypeError, AttributeError):  # (a value of another type than textfile writes there)
        said = None
    if said is not None:
        return said
    return f"{rule}: {reason['as_stored'] if 'as_stored' in reason else json.dumps(reason, ensure_ascii=False)}"


def _described(rule: str, reason: dict, tz) -> str | None:
    """`describe`'s words for a reason as textfile writes it; None for another."""
    if "as_stored" in reason:
        return None
    if "terms" in reason:
        terms, amounts = reason["terms"], reason.get("amounts", [])
        if not isinstance(terms, list) or not isinstance(amounts, list):
            return None
        return f"{rule}: {', '.join(str(t) for t in [*terms, *amounts])}"
    if rule == "opt_out":
        return f"{'opted out' if reason.get('change') == 'out' else 'opted back in'} ({reason.get('keyword')})"
    if rule == "after_opt_out":
        return f"texted after {reason.get('handle')} sent {reason.get('keyword')} ({_day(reason.get('at'), tz)})"
    if rule in ("no_consent", "minor"):
        return f"{RULE_NAMES[rule]}: {', '.join(reason.get('clients', []))}"
    if rule.startswith("after_hours"):
        return f"{RULE_NAMES[rule]} ({reason.get('local', '')})"
    return rule


class _Numbers:
    """Each message's number in its conversation (#c.n), one pass over a conversation the first time."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn, self.known = conn, {}

    def __call__(self, conversation: int, rowid: int) -> str:
        if conversation not in self.known:
            self.known[conversation] = {
                r: n
                for n, (r,) in enumerate(
                    self.conn.execute(
                        "SELECT rowid FROM messages WHERE conversation_id = ? ORDER BY sent_at, rowid", (conversation,)
                    ),
                    1,
                )
            }
        return f"{conversation}.{self.known[conversation][rowid]}"


def flags(
    conn: sqlite3.Connection,
    *,
    states: tuple[str, ...] = ("open",),
    rules: list[str] | None = None,
    matter: str | None = None,
    client: str | None = None,
    conversation: int | None = None,
    ids: list[int] | None = None,
    context: int = 0,
    tz=None,
) -> list[Flag]:
    """The flags that match, in the order of their messages, each with its response (all of them
    answered at once: response.responses)."""
    where, args = _where(conn, states, rules, matter, client, conversation, ids)
    rows = conn.execute(
        "SELECT f.*, m.rowid AS mrow, m.conversation_id, m.sent_at, m.direction, m.body, m.time_precision, p.handle,"
        " p.display_name"
        " FROM review_flags f JOIN messages m ON m.id = f.message_id LEFT JOIN participants p ON p.id = m.sender_id"
        f" WHERE {where} ORDER BY m.sent_at, m.rowid, f.rule",
        args,
    ).fetchall()
    working = settings.working_hours(conn) if tz is not None else None
    zone = tz or times.archive_zone(conn)  # (a reason's dates: on the archive's clock)
    apart = {
        c
        for (c,) in conn.execute(
            f"SELECT id FROM conversations WHERE id IN (SELECT value FROM json_each(?)) AND {between_others('source_key')}",
            (json.dumps(sorted({r["conversation_id"] for r in rows})),),
        )
    }
    owed = {r["mrow"] for r in rows if r["direction"] == "in" and r["conversation_id"] not in apart}
    facts = response.responses(conn, {r["mrow"]: r["sent_at"] for r in rows}, owed, working, tz)
    numbers, now = _Numbers(conn), times.now_iso()
    answers = [f.response.message_id for f in facts.values() if f.response is not None]
    facts_at = {  # each response's conversation and rowid: its number
        r[0]: (r[1], r[2])
        for r in conn.execute(
            "SELECT id, conversation_id, rowid FROM messages WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(answers),),
        )
    }
    out = []
    for r in rows:
        reason = reason_of(r["reason"])
        known = facts[r["mrow"]]
        flag = Flag(
            r["id"],
            r["rule"],
            describe(r["rule"], reason, zone),
            reason,
            r["state"],
            r["conversation_id"],
            r["message_id"],
            numbers(r["conversation_id"], r["mrow"]),
            r["sent_at"],
            r["direction"],
            _who(r),
            r["body"],
            r["raised_at"],
            r["decided_at"],
            r["decided_by"],
            r["note"],
            outside_hours=known.outside_hours,
            notice_before_hours=known.notice_before_hours,
            response=known.response,
            time_precision=r["time_precision"],
        )
        if r["conversation_id"] in apart:
            flag.between_others = True
        elif r["direction"] == "in" and flag.response is None:
            flag.waiting_s = response.waited(r["sent_at"], now)
        if flag.response is not None:
            flag.response.number = numbers(*facts_at[flag.response.message_id])
        if context:
            flag.context = _context(conn, numbers, r["conversation_id"], r["mrow"], r["sent_at"], context)
        if ids is not None:  # (flags asked for by id: `review show`, which lists every decision)
            flag.history = [
                Decided(*d)
                for d in conn.execute(
                    "SELECT state, note, decided_by, decided_at, entered_by FROM review_decisions WHERE flag_id = ?"
                    " ORDER BY id",
                    (flag.id,),
                )
            ]
        out.append(flag)
    return out


def _who(r) -> str | None:
    if r["direction"] == "out":
        return "owner"
    return r["display_name"] or r["handle"]


def _where(conn, states, rules, matter, client, conversation, ids) -> tuple[str, list]:
    for state in states:
        if state not in STATES:
            raise InvalidInput(f"not a flag state: {state!r} ({', '.join(STATES)})")
    where, args = [f"f.state IN ({','.join('?' * len(states))})"], list(states)
    if rules:
        where.append(f"f.rule IN ({','.join('?' * len(rules))})")
        args += rules
    if matter is not None:
        row = matter_row(conn, matter)
        where.append(
            "EXISTS (SELECT 1 FROM filings fi WHERE fi.matter_id = ? AND fi.conversation_id = m.conversation_id"
            " AND (fi.from_at IS NULL OR m.sent_at >= fi.from_at) AND (fi.until_at IS NULL OR m.sent_at <= fi.until_at))"
        )
        args.append(row["id"])
    if client is not None:
        row = client_row(conn, client)
        where.append(
            "(EXISTS (SELECT 1 FROM filings fi JOIN matters mt ON mt.id = fi.matter_id WHERE mt.client_id = ?"
            " AND fi.conversation_id = m.conversation_id AND (fi.from_at IS NULL OR m.sent_at >= fi.from_at)"
            " AND (fi.until_at IS NULL OR m.sent_at <= fi.until_at))"
            " OR EXISTS (SELECT 1 FROM participants pc JOIN client_handles h ON h.handle = pc.handle"
            " WHERE pc.conversation_id = m.conversation_id AND pc.is_owner = 0 AND h.client_id = ?))"
        )
        args += [row["id"], row["id"]]
    if conversation is not None:
        where.append("m.conversation_id = ?")
        args.append(conversation)
    if ids is not None:
        where.append("f.id IN (SELECT value FROM json_each(?))")
        args.append(json.dumps(ids))
    return " AND ".join(where), args


# A line of context: the message, its sender, and what the transcript marks it with (its status, its flags).
_LINE = "m.rowid, m.id, m.sent_at, m.direction, m.body, m.kind, m.time_precision, m.status, m.flags, p.handle, p.display_name"


def _context(conn, numbers: _Numbers, conversation: int, rowid: int, sent_at: str, n: int) -> list[Line]:
    """The `n` messages before a message and the `n` after it, in its conversation, and it."""
    from textfile.transcript.content.marks import _marks  # (the transcript's words; not imported by every command)

    before = conn.execute(
        f"SELECT {_LINE} FROM messages m"
        " LEFT JOIN participants p ON p.id = m.sender_id WHERE m.conversation_id = ?"
        " AND (m.sent_at < ? OR (m.sent_at = ? AND m.rowid < ?)) ORDER BY m.sent_at DESC, m.rowid DESC LIMIT ?",
        (conversation, sent_at, sent_at, rowid, n),
    ).fetchall()
    after = conn.execute(
        f"SELECT {_LINE} FROM messages m"
        " LEFT JOIN participants p ON p.id = m.sender_id WHERE m.conversation_id = ?"
        " AND (m.sent_at > ? OR (m.sent_at = ? AND m.rowid >= ?)) ORDER BY m.sent_at, m.rowid LIMIT ?",
        (conversation, sent_at, sent_at, rowid, n + 1),
    ).fetchall()
    return [
        Line(
            numbers(conversation, r["rowid"]),
            r["sent_at"],
            r["direction"],
            _who(r),
            r["body"],
            r["kind"],
            r["id"],
            r["time_precision"],
            _marks(r["status"], json.loads(r["flags"]), r["kind"]),
        )
        for r in [*reversed(before), *after]
    ]


def unanswered(flagged: list[Flag], within_s: int) -> list[Flag]:
    """The flagged inbound messages no response reached within `within_s` seconds (still waiting, or answered later)."""
    return [
        f
        for f in flagged
        if f.direction == "in" and not f.between_others and (f.response is None or f.response.after_s > within_s)
    ]


def duration(text: str) -> int:
    """A time given as 24h, 90m, 2d, 1d12h, 45s: seconds."""
    import re

    raw = text.strip().lower().replace(" ", "")
    parts = re.fullmatch(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?:in)?)?(?:(\d+)s)?", raw)
    if not raw or not parts or not any(parts.groups()):
        raise InvalidInput(f"not a length of time: {text!r} (e.g. 24h, 90m, 2d, 1d12h)")
    d, h, m, s = (int(x or 0) for x in parts.groups())
    return ((d * 24 + h) * 60 + m) * 60 + s


# -- decisions ----------------------------------------------------------------------------------------


def decide(conn: sqlite3.Connection, ids: list[int], state: str, note: str | None, by: str | None = None) -> Decision:
    """A person's decision on flags: `reviewed` (a note), `dismissed` (why: required), or `open` again
    (why: required), each kept in `review_decisions`. One audit entry for them all (the note's sha256); a flag already so decided is refused, as is a
    cleared one (its rule no longer holds: nothing to decide)."""
    note = (note or "").strip() or None
    if state in ("dismissed", "open") and not note:
        raise InvalidInput("say why (--reason): a dismissal or a reopening is kept with its reason")
    if not ids:
        raise InvalidInput("name the flags (their numbers in `textfile review`)")
    rows = {
        r["id"]: r
        for r in conn.execute(
            "SELECT id, state, message_id, rule, decided_by, decided_at, note FROM review_flags WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(ids),),
        )
    }
    for i in ids:
        row = rows.get(i)
        if row is None:
            raise NotFound(f"no flag {i} (see `textfile review`)")
        if state == "open" and row["state"] not in ("reviewed", "dismissed"):
            raise Conflict(f"flag {i} is {row['state']}: only a reviewed or dismissed flag is opened again")
        if state != "open" and row["state"] != "open":
            said = (
                f" by {row['decided_by']} on {times.day(row['decided_at'], times.archive_zone(conn))}"
                if row["decided_at"]
                else ""
            )
            raise Conflict(
                f"flag {i} is already {row['state']}{said}"
                + ("; `review reopen` it first to decide again" if row["state"] in ("reviewed", "dismissed") else "")
            )
    entered_by = audit.current_user()
    decision = Decision(state, ids, note, (by or "").strip() or entered_by, times.now_iso())
    if state == "open":
        conn.execute(
            "UPDATE review_flags SET state = 'open', decided_at = NULL, decided_by = NULL, note = NULL"
            " WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(ids),),
        )
    else:
        conn.execute(
            "UPDATE review_flags SET state = ?, decided_at = ?, decided_by = ?, note = ? WHERE id IN (SELECT value FROM json_each(?))",
            (state, decision.at, decision.by, note, json.dumps(ids)),
        )
    conn.executemany(
        "INSERT INTO review_decisions (flag_id, state, note, decided_by, decided_at, entered_by) VALUES (?, ?, ?, ?, ?, ?)",
        [(i, state, note, decision.by, decision.at, entered_by) for i in ids],
    )
    audit.append(
        conn,
        {"reviewed": "review ack", "dismissed": "review dismiss", "open": "review reopen"}[state],
        {k: v for k, v in decision.to_json().items() if k != "note"}
        | {"note_sha256": _digest(note)}
        | {
            "was": {
                str(i): {k: rows[i][k] for k in ("state", "message_id", "rule", "decided_by", "decided_at")}
                | {"note_sha256": _digest(rows[i]["note"])}
                for i in ids
            }
        }
        | ({"entered_by": entered_by} if entered_by != decision.by else {}),  # (--by names another than who ran it)
    )
    return decision


def _digest(note: str | None) -> str | None:
    """What the audit log records of a decision's note: its sha256 (the words are in `review_decisions`,
    which a disposal deletes with the flag: a note may say what the message says)."""
    return sha256_text(note) if note is not None else None


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    """How many flags are open, by rule."""
    return dict(
        conn.execute("SELECT rule, count(*) FROM review_flags WHERE state = 'open' GROUP BY rule ORDER BY rule")
    )
