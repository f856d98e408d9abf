"""What a rendering worker reads of its chunk: every message's full content, as plain data.

Each rendering worker reads the full content of its own chunk of messages by rowid, through
its own read-only connection, so no process holds a whole large matter in memory. A worker
returns the content hashes it read; if the archive changed in between, the transcript is refused.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from textfile import times
from textfile.model import between_others
from textfile.transcript.content import coverage, withheld
from textfile.transcript.content.marks import (
    DIRECTION_WORDS,
    DST_FLAGS,
    NOT_THE_OWNERS,
    _attachment,
    _call,
    _marks,
    _reaction,
    _versions,
    second_occurrence,
    stands_for_attachments,
    written_time,
)
from textfile.transcript.content.people import (
    client_names,
    conversation_info,
    copies_elsewhere,
    found_on_said,
    phones_of,
    sender_name,
)
from textfile.transcript.content.scope import Number, Plan
from textfile.transcript.content.unreadable import shown_flags, unreadable


@dataclass
class Job:
    """One document for a rendering worker: consecutive positions of the plan (the cover's: the first
    few, or none)."""

    index: int
    start: int  # position of the first message (0-based)
    rowids: list[int]
    replies: dict[int, Number]  # position -> the number replied to
    outside: list[int]
    continues_from: int | None = None  # rowid of the message before, when the chunk starts mid-conversation
    balance: bool = (
        False  # share a mostly blank last page among the last ones (every chunk; the cover's when one follows)
    )
    files_of: list[int] = field(
        default_factory=list
    )  # the last chunk: the conversations whose files it lists at its end
    cover: dict | None = None  # the cover's facts (document 0): rendered every time, never cached
    found_on: bool = False  # the transcript's messages come from more than one phone: each says whose (`phones_of`)
    numbers: list[int] = field(default_factory=list)  # each message's number in its conversation
    excerpts: dict[int, str] = field(default_factory=dict)  # conversation -> what its heading says it leaves out
    redactions: dict[str, list] = field(default_factory=dict)  # message id -> the spans of its body redacted
    context: list[int] = field(default_factory=list)  # positions of messages shown as context, outside the window
    for_production: bool = False  # the computer's paths not shown (content/withheld.py)
    imports_until: int | None = None  # made again: where its messages were found, by the imports it knew only


LEAD_IN = 50  # the messages the cover's document shows after it: its last page is never the cover's end alone


def jobs(p: Plan, size: int) -> list[Job]:
    """The plan's messages as documents that stay put when messages are added. Document 0 is the
    cover's, with the first LEAD_IN messages after it (rendered every time, as the cover changes
    with every transcript). Then each conversation is cut where its numbers cross a multiple of
    `size` (`#2.1`, `#2.1001`…), so that new messages at a conversation's end change its last chunk
    only, and a window or a filing that shows part of it cuts it where the whole one is cut; a last
    piece of fewer than a tenth of `size` stays with the one before (no chunk of a message or two);
    whole conversations smaller than `size` share a chunk with the ones next to them, up to `size`
    messages (a small one that grows changes its own chunk, and at most moves the small ones after it)."""
    spans = _spans(p, size)
    lead = min(LEAD_IN, spans[0][1]) if spans else 0
    spans = [(0, lead)] + ([(lead, spans[0][1])] if spans and spans[0][1] > lead else []) + spans[1:]
    return [_job(p, i, start, stop) for i, (start, stop) in enumerate(spans)]


def _job(p: Plan, index: int, start: int, stop: int) -> Job:
    before = p.rows[start - 1] if start else None
    rows = p.rows[start:stop]
    return Job(
        index,
        start,
        [r.rowid for r in rows],
        {k: v for k, v in p.reply_seq.items() if start <= k < stop},
        [k for k in p.reply_outside if start <= k < stop],
        before.rowid if before and rows and before.conversation == rows[0].conversation else None,
        stop < len(p.rows) or index > 0,  # (a chunk's pages the same whether or not one follows it: always)
        p.conversations if stop == len(p.rows) else [],
        numbers=[r.number for r in rows],
    )


def _spans(p: Plan, size: int) -> list[tuple[int, int]]:
    """(start, stop) positions of each chunk (`jobs`)."""
    spans: list[tuple[int, int]] = []
    shared: list[int] | None = None  # [start, stop] of small conversations being put together
    for pieces in _conversations_cut(p, size):
        start, stop = pieces[0][0], pieces[-1][1]
        if len(pieces) == 1 and stop - start < size:
            if shared is not None and shared[1] == start and stop - shared[0] <= size:
                shared[1] = stop
                continue
            if shared is not None:
                spans.append((shared[0], shared[1]))
            shared = [start, stop]
            continue
        if shared is not None:
            spans.append((shared[0], shared[1]))
            shared = None
        spans += pieces
    if shared is not None:
        spans.append((shared[0], shared[1]))
    return spans


def _conversations_cut(p: Plan, size: int) -> list[list[tuple[int, int]]]:
    """Each conversation's pieces, (start, stop) positions: cut where its numbers cross a multiple of
    `size`, a last piece shorter than size // 10 joined to the one before. Its last piece, where new
    messages arrive, when it holds half a chunk or more but not a whole one, is cut in halves
    (`_open`): a week's new messages change the last half, not the whole last chunk."""
    out: list[list[tuple[int, int]]] = []
    for at, row in enumerate(p.rows):
        if not out or p.rows[at - 1].conversation != row.conversation:
            out.append([(at, at + 1)])
        elif (p.rows[at - 1].number - 1) // size != (row.number - 1) // size:
            out[-1].append((at, at + 1))
        else:
            out[-1][-1] = (out[-1][-1][0], at + 1)
    for pieces in out:
        _join_short_tail(pieces, size // 10)
        start, stop = pieces[-1]
        if size >= OPEN_CUT_FROM and size // 2 <= stop - start < size:
            pieces[-1:] = _open(p, start, stop, size // 2, size // 10)
    return out


OPEN_CUT_FROM = 400  # chunks of at least this many messages have their open last piece cut in halves


def _open(p: Plan, start: int, stop: int, half: int, shortest: int) -> list[tuple[int, int]]:
    """A conversation's last piece cut where its numbers cross a multiple of `half` (a chunk of 500
    costs +6% to render against one of 1,000, MEASURED; only a last piece is cut so; quarters cost
    +13%, and at 20,000 messages made the first render 0.87x of before issue 17's instead of 0.83x)."""
    pieces = [(start, start + 1)]
    for at in range(start + 1, stop):
        if (p.rows[at - 1].number - 1) // half != (p.rows[at].number - 1) // half:
            pieces.append((at, at + 1))
        else:
            pieces[-1] = (pieces[-1][0], at + 1)
    _join_short_tail(pieces, shortest)
    return pieces


def _join_short_tail(pieces: list[tuple[int, int]], shortest: int) -> None:
    if len(pieces) > 1 and pieces[-1][1] - pieces[-1][0] < shortest:
        last = pieces.pop()
        pieces[-1] = (pieces[-1][0], last[1])


DAY = "%A, %-d %B %Y"  # a day's heading


@dataclass(slots=True)
class ChunkFacts:
    """What a chunk's messages are shown with, read once for the chunk: by message id, their earlier
    versions, reactions and attachments, the phones each was found on and the times other phones
    recorded; the clients' names by handle; the conversations whose owner is not in them."""

    tz: ZoneInfo
    media: bool
    owner_name: str
    clients: dict[str, str]
    versions: dict[str, list]
    reactions: dict[str, list]
    attachments: dict[str, list]
    phones: dict[str, list[str]]
    elsewhere: dict[str, dict[str, str]]
    others: set[int] = field(default_factory=set)
    absent: dict[str, list[str]] = field(
        default_factory=dict
    )  # a later export of its phone lacked it (content/coverage.py)
    unreadable: set[str] = field(default_factory=set)  # their text could not be read (content/unreadable.py)


@dataclass(slots=True)
class Chunk:
    """What a chunk shows, as plain data for the template: its messages (each a dict the template reads),
    its conversations by id (`conversation_info`), the files the last chunk lists; and a digest of the
    (id, content hash) pairs read, how many of the job's messages were no longer there, and the ids of
    those it shows."""

    messages: list[dict]
    conversations: dict
    files: list[dict]
    digest: str
    missing: int
    ids: list[str] = field(default_factory=list)  # each message's id, in `messages`' order

    def __getitem__(self, key: str):
        """Read by key too, as the dict it was (`render.shown` takes {"messages": …} as well)."""
        return getattr(self, key)


def load_chunk(conn: sqlite3.Connection, job: Job, tz: ZoneInfo, media: bool, owner_name: str) -> Chunk:
    """Everything a chunk shows, as plain data for the template, and a digest of the hashes that were read."""
    if not job.rowids:  # (the cover's document of a transcript with no messages)
        return Chunk([], {}, conversation_files(conn, job.files_of, client_names(conn)), digest(()), 0)
    ordered = _rows(conn, job)
    facts = _chunk_facts(conn, [r["id"] for r in ordered], job, tz, media, owner_name)
    conversation_ids = sorted({r["conversation_id"] for r in ordered})
    conversations = conversation_info(conn, conversation_ids, facts.clients)
    for c, said in job.excerpts.items():  # (content/excerpt.py)
        if c in conversations:
            conversations[c]["excerpt"] = said
    facts.others = _without_the_owner(conn, conversation_ids)
    facts.absent = coverage.marks(conn, [r["id"] for r in ordered], tz, job.imports_until)
    facts.unreadable = unreadable(conn, [r["id"] for r in ordered], job.imports_until)
    messages = [_message(r, job.start + offset, job, facts) for offset, r in enumerate(ordered)]
    context = set(job.context)
    for m, r in zip(messages, ordered):
        if r["id"] in job.redactions:
            _redacted(m, job.redactions[r["id"]])
        if m["seq"].position - 1 in context:  # (content/excerpt.py; said only where it is so)
            m["context"] = True
        if job.for_production:
            for a in m["attachments"]:
                a["missing"] = withheld.missing_said(a["missing"])
    _mark_days(messages, _day_before(conn, job, ordered, tz), job.continues_from is not None)
    return Chunk(
        messages,
        conversations,
        conversation_files(conn, job.files_of, facts.clients),
        digest((r["id"], r["content_hash"]) for r in ordered),
        len(job.rowids) - len(ordered),
        [r["id"] for r in ordered],
    )


def _rows(conn: sqlite3.Connection, job: Job) -> list[sqlite3.Row]:
    """The chunk's messages with their senders, in the plan's order (one deleted meanwhile is missing)."""
    marks = ",".join("?" * len(job.rowids))
    rows = conn.execute(
        "SELECT m.rowid, m.*, p.handle AS sender_handle, p.display_name AS sender_name, p.is_owner AS sender_is_owner"
        f" FROM messages m LEFT JOIN participants p ON p.id = m.sender_id WHERE m.rowid IN ({marks})",
        job.rowids,
    ).fetchall()
    by_rowid = {r["rowid"]: r for r in rows}
    return [by_rowid[rid] for rid in job.rowids if rid in by_rowid]


def _chunk_facts(
    conn: sqlite3.Connection, ids: list[str], job: Job, tz: ZoneInfo, media: bool, owner_name: str
) -> ChunkFacts:
    """What the chunk's messages are shown with, read for all of them at once (whose phones each was
    found on where the job says, by the imports it knew)."""
    id_marks = ",".join("?" * len(ids))
    versions = _by_message(
        conn, f"SELECT * FROM message_versions WHERE message_id IN ({id_marks}) ORDER BY message_id, version", ids
    )
    reactions = _by_message(
        conn,
        "SELECT x.*, p.handle, p.display_name FROM reactions x LEFT JOIN participants p ON p.id = x.sender_id"
        f" WHERE x.message_id IN ({id_marks}) ORDER BY x.message_id, x.at, x.id",
        ids,
    )
    attachments = _by_message(
        conn,
        "SELECT a.*, b.size FROM message_attachments a LEFT JOIN blobs b ON b.sha256 = a.blob_sha256"
        f" WHERE a.message_id IN ({id_marks}) ORDER BY a.message_id, a.position",
        ids,
    )
    clients = client_names(conn)
    cond, until = f"m.id IN ({id_marks})", job.imports_until
    phones = phones_of(conn, cond, ids, owner_name, until=until) if job.found_on else {}
    elsewhere = copies_elsewhere(conn, cond, ids, owner_name, until=until) if job.found_on else {}
    return ChunkFacts(tz, media, owner_name, clients, versions, reactions, attachments, phones, elsewhere)


def _by_message(conn: sqlite3.Connection, sql: str, ids: list[str]) -> dict[str, list]:
    """The rows `sql` selects for these messages, by message id (their `message_id`), in its order."""
    found: dict[str, list] = {}
    for row in conn.execute(sql, ids):
        found.setdefault(row["message_id"], []).append(row)
    return found


def _without_the_owner(conn: sqlite3.Connection, conversation_ids: list[int]) -> set[int]:
    """A thread found on a client's own phone that the owner is not in (keyed "… without the owner"): its
    messages are neither incoming nor outgoing for the owner, whose frame the archive keeps."""
    return {
        cid
        for (cid,) in conn.execute(
            f"SELECT id FROM conversations WHERE id IN ({','.join('?' * len(conversation_ids))})"
            f" AND {between_others('source_key')}",
            conversation_ids,
        )
    }


def _message(r: sqlite3.Row, pos: int, job: Job, facts: ChunkFacts) -> dict:
    """One message as the template shows it (its day's heading is decided after: `_mark_days`)."""
    tz = facts.tz
    local = times.from_iso(r["sent_at"]).astimezone(tz)
    flags = json.loads(r["flags"] or "[]")
    precision = r["time_precision"]
    found = facts.attachments.get(r["id"], [])
    return {
        "seq": Number(r["conversation_id"], job.numbers[pos - job.start], pos + 1),
        "conversation": r["conversation_id"],
        "day": local.strftime(DAY),
        "time": times.display(r["sent_at"], tz, precision),
        "sent_at": r["sent_at"],
        "written": next(
            (written_time(r["sent_at"], r["source_zone"], f, precision) for f in flags if f in DST_FLAGS), ""
        ),
        "direction": r["direction"],
        "direction_word": NOT_THE_OWNERS
        if r["conversation_id"] in facts.others and r["direction"] == "in"
        else DIRECTION_WORDS.get(r["direction"], r["direction"]),
        "kind": r["kind"],
        "service": r["service"] or "",
        "sender_name": sender_name(
            r["sender_name"], r["sender_handle"], r["sender_is_owner"], facts.owner_name, facts.clients
        ),
        "sender_handle": r["sender_handle"] or "",
        "body": "" if stands_for_attachments(r["body"], len(found)) else r["body"] or "",
        "marks": _marks(
            r["status"],
            shown_flags(flags, r["id"] in facts.unreadable),
            r["kind"],
            "time_ambiguous" in flags and second_occurrence(r["sent_at"], r["source_zone"]),
        )
        + facts.absent.get(r["id"], []),
        "call": _call(r) if r["kind"] == "call" else "",
        "delivered": times.display(r["delivered_at"], tz, precision),
        "read": times.display(r["read_at"], tz, precision),
        "reply_to": job.replies.get(pos),
        "reply_outside": pos in job.outside,
        "versions": _versions(facts.versions.get(r["id"], []), r["body"], tz, precision),
        "reactions": [_reaction(x, tz, facts.clients, precision) for x in facts.reactions.get(r["id"], [])],
        "attachments": [_attachment(a, facts.media) for a in found],
        "found_on": found_on_said(
            facts.phones.get(r["id"], []), facts.elsewhere.get(r["id"], {}), tz, precision, r["sent_at"]
        ),
    }


def _redacted(m: dict, spans: list) -> None:
    """A message with its redactions applied (`produce.redaction.segments`): its body as pieces of text
    and the reasons that stand in place of the rest (`segments`), and its earlier versions withheld,
    since they hold the redacted words (`withheld`: how many)."""
    import importlib

    redaction = importlib.import_module("textfile.produce.redaction")
    if m["body"]:  # (a body that only stands for its attachments is not shown)
        m["segments"] = [{"text": text, "label": label} for text, label in redaction.segments(m["body"], spans)]
        m["body"] = "".join(piece["text"] for piece in m["segments"])
    m["withheld"], m["versions"] = len(m["versions"]), []


def _day_before(conn: sqlite3.Connection, job: Job, ordered: list, tz: ZoneInfo) -> str | None:
    """The day of the message before the chunk, where the chunk goes on with its conversation."""
    if not (ordered and job.continues_from):
        return None
    before = conn.execute("SELECT sent_at FROM messages WHERE rowid = ?", (job.continues_from,)).fetchone()[0]
    return times.from_iso(before).astimezone(tz).strftime(DAY)


def _mark_days(messages: list[dict], day_before: str | None, continued: bool) -> None:
    """Where a day's heading goes: at each new day of a conversation, and on the chunk's first message
    (`day_continued` when that day went on from the chunk before); `continued`: the chunk goes on with
    the conversation of the chunk before."""
    conversation = messages[0]["conversation"] if messages and day_before is not None else None
    day = day_before
    for offset, item in enumerate(messages):
        if item["conversation"] != conversation:
            conversation, day = item["conversation"], None
        item["new_day"] = item["day"] != day or offset == 0
        item["day_continued"] = item["day"] == day and offset == 0
        item["continued"] = offset == 0 and continued
        day = item["day"]


def conversation_files(conn: sqlite3.Connection, ids: list[int], clients: dict[str, str]) -> list[dict]:
    """The files the exports of these conversations held that no message names (m009), by
    conversation in transcript order: listed, never shown (no image is drawn), since nothing says
    when or by whom they were sent, they are listed whatever the transcript's window."""
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    found: dict[int, list] = {}
    for f in conn.execute(
        "SELECT f.conversation_id, f.file_name, f.mime, f.blob_sha256, b.size FROM conversation_files f"
        f" JOIN blobs b ON b.sha256 = f.blob_sha256 WHERE f.conversation_id IN ({marks}) ORDER BY f.file_name, f.blob_sha256",
        ids,
    ):
        found.setdefault(f["conversation_id"], []).append(
            {"name": f["file_name"], "mime": f["mime"] or "unknown type", "size": f["size"], "sha256": f["blob_sha256"]}
        )
    convs = conversation_info(conn, [c for c in ids if c in found], clients)
    return [{"conv": convs[c], "files": found[c]} for c in ids if c in found]


def digest(pairs) -> str:
    """One sha256 over (message id, content hash) pairs: what a worker read, compared with the plan."""
    h = hashlib.sha256()
    for mid, content_hash in pairs:
        h.update(f"{mid} {content_hash}\n".encode())
    return h.hexdigest()
