"""A message in a state a later import replaced.

`earlier_state` finds a message's state that a later import replaced: a transcript made before
shows that state, and it is a true record of the archive as it was when the state it shows is kept
as a version with that content hash, by an import that read the message and whose audit entry
counts the change (`verify FILE.pdf`). Each change since is named with its import and why, read
from what the version rows record: edited or deleted in a later export (the fold's alias), the zone
corrected or the time read anew (the version keeps its earlier time), the number re-read (its
earlier sender or "number as written" mark), or what else changed in the source.
"""

from __future__ import annotations

import json
import sqlite3
from typing import NamedTuple

from textfile import audit
from textfile.fingerprint import message_content_hash
from textfile.ingest import EDITS, TIME_FLAGS

CHANGED = {
    "direction": "direction",
    "kind": "kind",
    "status": "status",
    "duration_s": "call length",
    "reply_to": "reply",
    "attachments": "attachments",
}  # `message_versions.earlier` keys (ingest SHOWN) in words; sender and flags: see `_why`


def earlier_state(
    conn: sqlite3.Connection, message_id: str, digest: str, audited: dict[int, tuple] | None = None
) -> dict | None:
    """The recorded earlier state of a message whose content hash is `digest`, or None when no version
    of it has that hash. {'version', 'current_version', 'sent_at' and 'time_precision' (the state's
    time), 'changes': each import that replaced a state since, oldest first ({'version', 'import',
    'file_name', 'imported_at', 'why': [words]}), 'reading_only', 'problems'}.

    `reading_only`: the state is the current one read differently (its time in another zone, its
    sender's number), proven by hashing the current row with the earlier reading. `problems`: why
    the record does not vouch for it (a version naming an import that never read the message, or
    an import with versions of more messages than its audit entry says it changed). `audited`:
    a cache of those counts per import (`_Audited`), shared between calls."""
    current = conn.execute(
        "SELECT m.*, p.handle FROM messages m LEFT JOIN participants p ON p.id = m.sender_id WHERE m.id = ?",
        (message_id,),
    ).fetchone()
    if current is None:
        return None
    versions = _states(conn, message_id)
    start = next((i for i, v in enumerate(versions) if v["content_hash"] == digest), None)
    if start is None:
        return None
    chain = versions[start:]
    earlier = [json.loads(v["earlier"] or "{}") for v in chain]
    readings = [_reading(chain, earlier, current, j) for j in range(len(chain) + 1)]
    changes, problems, audited = [], [], {} if audited is None else audited
    for j, v in enumerate(chain):
        after = chain[j + 1]["body"] if j + 1 < len(chain) else current["body"]
        changes.append(
            {
                "version": v["version"],
                "import": v["import_id"],
                "file_name": v["file_name"],
                "imported_at": v["finished_at"],
                "why": _why(v, earlier[j], after, readings[j], readings[j + 1]),
            }
        )
        problems += _unvouched(conn, message_id, v["import_id"], audited)
    as_read = _hash_as_read(conn, current, readings[0])
    return {
        "version": chain[0]["version"],
        "current_version": current["version"],
        "sent_at": readings[0].sent_at,
        "time_precision": current["time_precision"],
        "changes": changes,
        "reading_only": chain[0]["body"] == current["body"] and as_read == digest,
        "problems": problems,
    }


def _states(conn: sqlite3.Connection, message_id: str) -> list[sqlite3.Row]:
    """The message's earlier states the archive keeps (its versions with a content hash), oldest first. A
    version from the earlier form of a fold (origin "export", alias rule "earlier") is a text an earlier
    export showed, never a state of this row: not a state any transcript showed."""
    return [
        v
        for v in conn.execute(
            "SELECT v.*, a.rule, i.file_name, i.finished_at FROM message_versions v JOIN imports i ON i.id = v.import_id"
            " LEFT JOIN message_aliases a ON a.message_id = v.message_id AND a.import_id = v.import_id"
            " WHERE v.message_id = ? AND v.content_hash IS NOT NULL ORDER BY v.version",
            (message_id,),
        )
        if not (v["origin"] == "export" and v["rule"] == "earlier")
    ]


class _Reading(NamedTuple):
    """A state's time, zone, sender and flags (JSON) as it was read."""

    sent_at: str
    zone: str
    sender: str | None
    flags: str


def _reading(chain: list[sqlite3.Row], earlier: list[dict], current: sqlite3.Row, j: int) -> _Reading:
    """State j's reading (j = len(chain): the current row's): a version keeps its time, zone, sender and flags
    only where they differ from the next state's."""
    moved = next((v for v in chain[j:] if v["sent_at"]), None)
    return _Reading(
        sent_at=moved["sent_at"] if moved else current["sent_at"],
        zone=moved["source_zone"] if moved else current["source_zone"],
        sender=next((e["sender"] for e in earlier[j:] if "sender" in e), current["handle"]),
        flags=next((e["flags"] for e in earlier[j:] if "flags" in e), current["flags"]),
    )


def _hash_as_read(conn: sqlite3.Connection, current: sqlite3.Row, was: _Reading) -> str:
    """The content hash of the current row with an earlier reading's time, sender and flags (fingerprint.py)."""
    attachments = [
        tuple(a)
        for a in conn.execute(
            "SELECT position, file_name, mime, blob_sha256, missing_reason FROM message_attachments"
            " WHERE message_id = ? ORDER BY position",
            (current["id"],),
        )
    ]
    return message_content_hash(
        was.sent_at,
        current["direction"],
        current["kind"],
        was.sender,
        current["body"],
        current["status"],
        current["duration_s"],
        was.flags,
        current["reply_to"],
        attachments,
    )


def _why(v: sqlite3.Row, earlier: dict, after: str, was: _Reading, now: _Reading) -> list[str]:
    """Why version `v` (with `earlier`, its `message_versions.earlier`) was replaced by the state whose text is `after`:
    `was` and `now` are the readings of the two states (`earlier_state`)."""
    why = []
    if v["body"] != after:
        why.append(
            f"{v['rule']} in a later export"
            if v["origin"] == "export" and v["rule"]
            else "its text changed in the source"
        )
    if v["sent_at"]:
        why.append(
            f"zone corrected: read in {was.zone}, now in {now.zone}" if was.zone != now.zone else "its time re-read"
        )
    marks = set(json.loads(was.flags)) ^ set(json.loads(now.flags))
    if "sender" in earlier or "number_as_written" in marks:
        why.append(
            f"number re-read: {was.sender or 'no sender'}, now {now.sender or 'no sender'}"
            if was.sender != now.sender
            else "the conversation's number re-read"
        )
    changed = [words for key, words in CHANGED.items() if key in earlier]
    if changed:
        why.append(f"its {', '.join(changed)} changed in the source")
    if marks - {
        *TIME_FLAGS,
        *EDITS,
        "number_as_written",
    }:  # (a time's DST marks go with its reading, an edit's with its text)
        why.append("its marks changed in the source")
    return why or ["changed in the source"]


class _Audited(NamedTuple):
    """What an import's audit entry says it changed, and how many messages the archive holds versions of from it."""

    updated: int | None  # None: the import has no audit entry
    versioned: int


def _unvouched(conn: sqlite3.Connection, message_id: str, import_id: int, audited: dict[int, tuple]) -> list[str]:
    """Why import `import_id` cannot have recorded a version of this message: it never read the
    message, or the archive holds versions of more messages from it than its audit entry says it changed."""
    problems = []
    if (
        conn.execute(
            "SELECT 1 FROM message_sources WHERE message_id = ? AND import_id = ?", (message_id, import_id)
        ).fetchone()
        is None
    ):
        problems.append(f"its version from import {import_id} names an import that never read it")
    if import_id not in audited:
        audited[import_id] = _audited(conn, import_id)
    updated, versioned = audited[import_id].updated, audited[import_id].versioned
    if updated is None or versioned > updated:
        said = (
            "has no audit entry" if updated is None else f"changed {counted(updated, 'message')}, says its audit entry"
        )
        problems.append(
            f"import {import_id} {said}, but the archive holds versions of {counted(versioned, 'message')} from it:"
            " versions were written outside textfile"
        )
    return problems


def _audited(conn: sqlite3.Connection, import_id: int) -> _Audited:
    entry = conn.execute(
        "SELECT details FROM audit_log WHERE command = 'import' AND json_extract(details, '$.import_id') = ?",
        (import_id,),
    ).fetchone()
    return _Audited(
        audit.details_of(entry[0]).get("updated") if entry else None,
        conn.execute(
            "SELECT count(DISTINCT message_id) FROM message_versions WHERE import_id = ? AND content_hash IS NOT NULL",
            (import_id,),
        ).fetchone()[0],
    )


def counted(n: int, noun: str) -> str:
    """A count in words: "1 message", "2,000 messages"."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"
