"""The messages a note concerns: named as people name them, checked against the matter, numbered.

A person names a message as `review`, `conversation show` and the transcripts print it: `#2.15` (or
`2.15`), the 15th message of conversation 2 counted over the whole conversation in time order
(`transcript.content.scope`); or by the start of its id (8 hex digits or more, as `verify` names
one). The number is resolved once, when the note is written: a note records message ids (and each
one's content hash), never numbers, since a message archived later with an earlier time moves the
numbers after it. Every number shown is computed again from the id (`numbers`). A number typed
from a transcript made before the numbers moved names another message than it printed: `note add`
(and `redact`, which names its message so too) warns, naming both, when the newest transcript that
printed the number gave it another message (`printed_otherwise`); an id's start never moves.

A window (`--conversation N --from --until`) binds every message of that conversation in it, as
the archive holds them when the note is written. Each message must be filed to the note's matter
at its time (a filing's window); otherwise the note is refused, naming the messages.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field

from textfile import times
from textfile.errors import InvalidInput, NotFound
from textfile.filing.names import require_conversation
from textfile.results import Result, omit_empty

# A message's number as printed (#2.15), or the start of its id.
_NUMBER = re.compile(r"#?(\d+)\.(\d+)")
_ID = re.compile(r"[0-9a-f]{8,64}")


def in_matter(matter: str = "?") -> str:
    """(SQL on `m`, a message) a filing of the matter `matter` (SQL: a parameter, or a column) covers it at its time."""
    return (
        f"EXISTS (SELECT 1 FROM filings f WHERE f.matter_id = {matter} AND f.conversation_id = m.conversation_id"
        " AND (f.from_at IS NULL OR m.sent_at >= f.from_at) AND (f.until_at IS NULL OR m.sent_at <= f.until_at))"
    )


_IN_MATTER = in_matter()


@dataclass(slots=True, eq=False)
class Bound(Result):
    """A message a note concerns, as the archive holds it now: its id and number, its time, and the
    content hash it had when the note was written against the one it has now (`changed`: the archive
    now holds a later version of it)."""

    message_id: str
    number: str  # "2.15" (conversation 2, its 15th message), as now numbered
    conversation: int
    sent_at: str
    direction: str
    content_hash: str  # when the note was written
    content_hash_now: str
    changed: bool
    # the later exports of its phone that no longer hold it (lifecycle/coverage.py), not since seen
    # again: {"import", "file_name", "imported_at"}
    missing_from_phone: list[dict] = field(default_factory=list)
    time_precision: str | None = omit_empty(default=None)  # the source's ("minute": WhatsApp): printed at no finer one


def resolve(conn: sqlite3.Connection, given: list[str]) -> list[str]:
    """The ids of the messages named (`#2.15`, `2.15`, an id's start), each once, in the order given."""
    found = {_one(conn, part): None for part in _parts(given)}
    if not found:
        raise InvalidInput("name the messages (--about #2.15, as `textfile conversation show` numbers them)")
    return list(found)


def _parts(given: list[str]) -> list[str]:
    """Each message named, as given: "#2.15 #2.16" and "#2.15,#2.16" are two."""
    return [part for text in given for part in filter(None, re.split(r"[\s,]+", text.strip()))]


def printed_otherwise(conn: sqlite3.Connection, given: list[str], concerns: str = "the note") -> list[str]:
    """A warning for each number named (`#2.15`) that the newest transcript printing it (not deleted on
    purpose) gave another message: the messages of its conversation numbered otherwise since (an
    import archived one with an earlier time), so a number typed from it names another message now.
    Each names the message the number names now (the one `concerns` concerns: "the note", "the
    redaction") and the one the transcript printed under it, with its number now. Certain (the
    transcript's record keeps the numbers it printed, `scope.numbering`) and cheap (transcripts'
    records, newest first, until one printed the number); an id named never moves."""
    tz = times.archive_zone(conn)
    warnings = []
    for part in dict.fromkeys(_parts(given)):
        number = _NUMBER.fullmatch(part)
        if not number:
            continue
        conversation, n = int(number[1]), int(number[2])
        printed = _newest_printing(conn, conversation, n)
        now = _one(conn, part)
        if printed is None or printed["message_id"] == now:
            continue
        warnings.append(
            f"#{conversation}.{n} names {_described(conn, now, tz)} now, which {concerns} concerns; transcript"
            f" {printed['path']} (made {times.display(printed['created_at'], tz)}) printed #{conversation}.{n}"
            f" for {_described(conn, printed['message_id'], tz, numbered=True)}"
        )
    return warnings


def _newest_printing(conn: sqlite3.Connection, conversation: int, n: int) -> sqlite3.Row | None:
    """The newest transcript not deleted on purpose that printed #conversation.n: its path, when it was
    made, and the message it printed under that number (`message_id`); None when none printed it."""
    for t in conn.execute(
        "SELECT id, path, created_at, scope FROM transcripts"
        " WHERE id NOT IN (SELECT transcript_id FROM transcript_retirements) ORDER BY id DESC"
    ):
        position = _position(t["scope"], conversation, n)
        if position is not None:
            return conn.execute(
                "SELECT ? AS path, ? AS created_at, message_id FROM transcript_messages"
                " WHERE transcript_id = ? AND position = ?",
                (t["path"], t["created_at"], t["id"], position),
            ).fetchone()
    return None


def _position(scope: str, conversation: int, n: int) -> int | None:
    """Where a transcript printed #conversation.n (its position, from 1), by its scope's numbering (runs
    of [conversation, first number, count], as `transcript.content.number_at` reads them); None when it
    did not, or numbered its messages by position (made before they were numbered per conversation)."""
    try:
        at = 0
        for run in json.loads(scope).get("numbering") or ():
            c, first, count = run if len(run) == 3 else (run[0], 1, run[1])
            if c == conversation and first <= n < first + count:
                return at + n - first + 1
            at += count
    except (TypeError, ValueError, AttributeError):  # (a damaged record names no position)
        pass
    return None


def _described(conn: sqlite3.Connection, message_id: str, tz, numbered: bool = False) -> str:
    """ "the incoming message of 2026-11-06 12:00:00 -05:00" (`numbered`: then ", #1.8 now"), or that it is no
    longer in the archive."""
    row = conn.execute(
        "SELECT conversation_id, sent_at, rowid, direction FROM messages WHERE id = ?", (message_id,)
    ).fetchone()
    if row is None:
        return f"a message no longer in the archive ({message_id[:16]}…)"
    way = {"in": "incoming ", "out": "outgoing "}.get(row["direction"], "")
    number = f", #{number_of(conn, row['conversation_id'], row['sent_at'], row['rowid'])} now" if numbered else ""
    return f"the {way}message of {times.display(row['sent_at'], tz)}{number}"


def _one(conn: sqlite3.Connection, text: str) -> str:
    number = _NUMBER.fullmatch(text)
    if number:
        conversation, n = int(number[1]), int(number[2])
        if conversation >= 2**63 or not 1 <= n < 2**63:  # (SQLite's integers: no such number)
            raise NotFound(f"no message #{number[1]}.{number[2]} (see `textfile conversations`)")
        require_conversation(conn, conversation)
        row = conn.execute(
            "SELECT id FROM messages WHERE conversation_id = ? ORDER BY sent_at, rowid LIMIT 1 OFFSET ?",
            (conversation, n - 1),
        ).fetchone()
        if n < 1 or row is None:
            raise NotFound(f"no message #{conversation}.{n} (see `textfile conversation show {conversation}`)")
        return row[0]
    if _ID.fullmatch(text.lower()):
        rows = conn.execute(
            "SELECT id FROM messages WHERE id >= ? AND id < ? LIMIT 2", (text.lower(), text.lower() + "g")
        ).fetchall()
        if len(rows) == 1:
            return rows[0][0]
        raise NotFound(f"{'no' if not rows else 'more than one'} message with an id starting {text!r}")
    raise InvalidInput(f"not a message number (#2.15: conversation 2, its 15th message) or id: {text!r}")


def in_window(conn: sqlite3.Connection, conversation: int, from_at: str | None, until_at: str | None) -> list[str]:
    """The ids of the messages of a conversation in a window (UTC instants, inclusive), in time order."""
    require_conversation(conn, conversation)
    rows = conn.execute(
        "SELECT id FROM messages WHERE conversation_id = ? AND sent_at >= ? AND sent_at <= ? ORDER BY sent_at, rowid",
        (conversation, from_at or "", until_at or "9999"),
    ).fetchall()
    if not rows:
        raise InvalidInput(
            f"conversation {conversation} holds no message in that window: nothing for the note to concern"
        )
    return [r[0] for r in rows]


def check_in_matter(conn: sqlite3.Connection, matter_id: int, reference: str, ids: list[str]) -> None:
    """Every message is filed to the matter at its time; otherwise refused, naming those that are not."""
    outside = conn.execute(
        "SELECT m.id, m.conversation_id, m.sent_at, m.rowid FROM messages m"
        f" WHERE m.id IN (SELECT value FROM json_each(?)) AND NOT {_IN_MATTER} ORDER BY m.sent_at, m.rowid",
        (json.dumps(ids), matter_id),
    ).fetchall()
    if outside:
        said = ", ".join(f"#{number_of(conn, r['conversation_id'], r['sent_at'], r['rowid'])}" for r in outside[:10])
        more = f" and {len(outside) - 10} more" if len(outside) > 10 else ""
        raise InvalidInput(
            f"{'message' if len(outside) == 1 else 'messages'} {said}{more} {'is' if len(outside) == 1 else 'are'}"
            f" not filed to matter {reference} at {'its' if len(outside) == 1 else 'their'} time: a note is about"
            f" the matter's own messages (see `textfile conversations`; `textfile file N --matter {reference}`)"
        )


def number_of(conn: sqlite3.Connection, conversation: int, sent_at: str, rowid: int) -> str:
    """A message's number in its conversation, "2.15" (the index messages (conversation_id, sent_at))."""
    (before,) = conn.execute(
        "SELECT count(*) FROM messages WHERE conversation_id = ? AND (sent_at < ? OR (sent_at = ? AND rowid < ?))",
        (conversation, sent_at, sent_at, rowid),
    ).fetchone()
    return f"{conversation}.{before + 1}"


def numbers_in(conn: sqlite3.Connection, wanted: list[tuple[int, int]]) -> dict[tuple[int, int], str]:
    """The numbers of many messages, each (conversation, rowid): one pass over each of their conversations in
    time order, up to the last of them wanted (`number_of` counts through the conversation again for each: a
    search's 100 hits in a conversation of 200,000 messages took 1.0 s so, 0.07 s so)."""
    by_conversation: dict[int, set[int]] = {}
    for conversation, rowid in wanted:
        by_conversation.setdefault(conversation, set()).add(rowid)
    numbers = {}
    for conversation, rowids in by_conversation.items():
        left = set(rowids)
        for n, (rowid,) in enumerate(
            conn.execute(
                "SELECT rowid FROM messages WHERE conversation_id = ? ORDER BY sent_at, rowid", (conversation,)
            ),
            1,
        ):
            if rowid in left:
                numbers[conversation, rowid] = f"{conversation}.{n}"
                left.discard(rowid)
                if not left:
                    break
    return numbers


def bound(conn: sqlite3.Connection, note_ids: list[int]) -> dict[int, list[Bound]]:
    """The messages each note concerns, as the archive holds them now, in time order."""
    out: dict[int, list[Bound]] = {n: [] for n in note_ids}
    rows = conn.execute(
        "SELECT nm.note_id, nm.message_id, nm.content_hash, m.content_hash AS now, m.conversation_id, m.sent_at,"
        " m.direction, m.rowid, m.time_precision FROM note_messages nm JOIN messages m ON m.id = nm.message_id"
        " WHERE nm.note_id IN (SELECT value FROM json_each(?)) ORDER BY nm.note_id, m.sent_at, m.rowid",
        (json.dumps(note_ids),),
    ).fetchall()
    numbers = numbers_in(conn, [(r["conversation_id"], r["rowid"]) for r in rows])
    for r in rows:
        out[r["note_id"]].append(
            Bound(
                r["message_id"],
                numbers[r["conversation_id"], r["rowid"]],
                r["conversation_id"],
                r["sent_at"],
                r["direction"],
                r["content_hash"],
                r["now"],
                r["content_hash"] != r["now"],
                time_precision=r["time_precision"],
            )
        )
    _missing_from_phone(conn, [m for ms in out.values() for m in ms])
    return out


def _missing_from_phone(conn: sqlite3.Connection, messages: list[Bound]) -> None:
    """Each message's exports of its phone that no longer hold it (and no later one held it again)."""
    by_id: dict[str, list[Bound]] = {}
    for m in messages:
        by_id.setdefault(m.message_id, []).append(m)
    for r in conn.execute(
        "SELECT a.message_id, a.import_id, i.file_name, i.started_at FROM missing_from_phone a"
        " JOIN imports i ON i.id = a.import_id WHERE a.seen_again_import_id IS NULL"
        " AND a.message_id IN (SELECT value FROM json_each(?)) ORDER BY a.import_id",
        (json.dumps(list(by_id)),),
    ):
        for m in by_id[r["message_id"]]:
            m.missing_from_phone.append(
                {"import": r["import_id"], "file_name": r["file_name"], "imported_at": r["started_at"]}
            )
