"""Checks that the archive is what it says it is: SQLite's own integrity check, every message's
content hash recomputed from its stored row, every blob's sha256, the audit chain, and every
recorded transcript file.
Problems are returned as sentences; the CLI exits 3 when there are any.

`earlier_state` finds a message's state that a later import replaced: a transcript made before
shows that state, and it is a true record of the archive as it was when the state it shows is kept
as a version with that content hash, by an import that read the message and whose audit entry
counts the change (`verify FILE.pdf`). Each change since is named with its import and why, read
from what the version rows record: edited or deleted in a later export (the fold's alias), the zone
corrected or the time read anew (the version keeps its earlier time), the number re-read (its
earlier sender or "number as written" mark), or what else changed in the source.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

from textfile import audit
from textfile.fingerprint import file_sha256, message_content_hash, stored_hashes
from textfile.ingest import EDITS, TIME_FLAGS


def check_archive(
    conn: sqlite3.Connection,
    progress: Callable[[int], None] | None = None,
    log: Path | None = None,
    archive_path: Path | None = None,
) -> dict:
    """`log`: the weekly run's log beside the archive, whose lines record the audit log's last entry;
    `archive_path`: where the archive is (this machine's records of its head are checked)."""
    problems: list[str] = []
    result = conn.execute("PRAGMA integrity_check").fetchall()
    if [r[0] for r in result] != ["ok"]:
        problems += [f"SQLite integrity check: {r[0]}" for r in result]
    checked = 0
    for m in stored_hashes(conn):
        if m.recomputed != m.recorded:
            problems.append(
                f"message {m.id[:16]}… ({m.sent_at}): its content no longer matches the hash recorded when it was imported"
            )
        checked += 1
        if progress and checked % 10000 == 0:
            progress(checked)
    # Rows deleted behind textfile's back: every message an import added is still here, and
    # nothing points at a row that is gone (sources, attachments, transcripts' message lists).
    added = conn.execute("SELECT coalesce(sum(added), 0) FROM imports").fetchone()[0]
    if added != checked:
        problems.append(
            f"the imports added {_count(added, 'message')}, but the archive holds {checked:,}: "
            f"{'messages were deleted' if checked < added else 'messages were added'} outside textfile"
        )
    dangling: dict[tuple[str, str], int] = {}
    for table, _rowid, parent, _fk in conn.execute("PRAGMA foreign_key_check"):
        dangling[table, parent] = dangling.get((table, parent), 0) + 1
    for (table, parent), n in sorted(dangling.items()):
        problems.append(
            f"{_count(n, 'row')} of {table} point{'s' if n == 1 else ''} at {parent} rows that are no longer in the archive"
        )
    for transcript_id, n in conn.execute(
        "SELECT tm.transcript_id, count(*) FROM transcript_messages tm WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.id = tm.message_id)"
        " GROUP BY tm.transcript_id ORDER BY tm.transcript_id"
    ):
        problems.append(
            f"transcript {transcript_id} shows {_count(n, 'message')} that {'are' if n != 1 else 'is'} no longer in the archive"
        )
    blobs = 0
    for b in conn.execute("SELECT sha256, size, data FROM blobs"):
        if hashlib.sha256(b["data"]).hexdigest() != b["sha256"] or len(b["data"]) != b["size"]:
            problems.append(f"attachment blob {b['sha256'][:16]}…: its bytes no longer match their hash")
        blobs += 1
    problems += audit.verify(conn, archive_path)
    problems += audit.check_digests(conn)
    problems += audit.check_records(conn) + audit.check_holds(conn)
    if log is not None:
        problems += audit.check_log(conn, log)
    entries = conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    transcripts = transcript_states(conn)
    problems += [
        f"transcript {t['path']} (made {t['created_at']}) is {t['state']}"
        for t in transcripts.values()
        if t["state"] not in FINE
    ]
    problems += transcript_records(conn)
    problems += _shown_states(conn)
    return {
        "ok": not problems,
        "messages": checked,
        "blobs": blobs,
        "audit_entries": entries,
        "transcripts": len(transcripts),
        "problems": problems,
    }


# What a transcript's row says that its sealed audit entry recorded too (the row's column: the entry's key).
_RECORDED = {"pdf_sha256": "pdf_sha256", "manifest_sha256": "manifest_sha256", "pages": "pages", "messages": "messages"}


def transcript_records(conn: sqlite3.Connection, uuid: str | None = None) -> list[str]:
    """Every transcript's row (or the one of `uuid`) as the audit entry made with it recorded it: a
    row rewritten to match an altered file, or made outside textfile, is caught."""
    entries = {}
    for (details,) in conn.execute("SELECT details FROM audit_log WHERE command = 'transcript'"):
        d = audit.details_of(details)
        entries[d.get("transcript")] = d
    problems = []
    for row in conn.execute(
        "SELECT * FROM transcripts" + (" WHERE uuid = ?" if uuid else "") + " ORDER BY id", (uuid,) if uuid else ()
    ):
        entry = entries.get(row["uuid"])
        if entry is None:
            problems.append(
                f"transcript {row['id']} ({row['path']}): no audit entry records it: it was written outside textfile"
            )
            continue
        changed = [column for column, key in _RECORDED.items() if entry.get(key) != row[column]]
        if changed:
            problems.append(
                f"transcript {row['id']} ({row['path']}): its {', '.join(changed)} differ{'s' if len(changed) == 1 else ''} from what its audit entry recorded:"
                " the record was changed outside textfile"
            )
    return problems


def _shown_states(conn: sqlite3.Connection) -> list[str]:
    """Every message a recorded transcript shows is in the archive as it showed it: its current state,
    or an earlier one the archive keeps as a version that an import vouches for (`earlier_state`)."""
    unproven: dict[int, list[int]] = {}
    audited: dict[int, tuple] = {}
    for transcript_id, position, message_id, digest in conn.execute(
        "SELECT tm.transcript_id, tm.position, tm.message_id, tm.content_hash FROM transcript_messages tm"
        " JOIN messages m ON m.id = tm.message_id WHERE m.content_hash <> tm.content_hash ORDER BY tm.transcript_id, tm.position"
    ):
        state = earlier_state(conn, message_id, digest, audited)
        if state is None or state["problems"]:
            unproven.setdefault(transcript_id, []).append(position)
    return [
        f"transcript {t} shows {_count(len(shown), 'message')} (#{', #'.join(map(str, shown[:10]))}{', …' if len(shown) > 10 else ''})"
        " in a state the archive no longer holds: changed outside textfile"
        for t, shown in unproven.items()
    ]


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


FINE = ("ok", "deleted")  # transcript states that are no problem (a deleted one covers nothing: only "ok" does)


def transcript_states(conn: sqlite3.Connection) -> dict[int, dict]:
    """Every recorded transcript: does its file still exist with the recorded sha256? ("ok", "missing",
    "altered"; "deleted": a person recorded that they deleted it on purpose, `verify --deleted`, and it
    vouches for nothing any more.) `FINE`: the states that are no problem."""
    states = {}
    deleted = {r[0] for r in conn.execute("SELECT transcript_id FROM transcript_retirements")}
    for t in conn.execute("SELECT id, path, pdf_sha256, matter_id, created_at FROM transcripts ORDER BY id"):
        try:
            sha = file_sha256(Path(t["path"])) if t["id"] not in deleted else None
        except OSError:
            sha = None
        state = (
            "deleted"
            if t["id"] in deleted
            else "ok"
            if sha == t["pdf_sha256"]
            else ("missing" if sha is None else "altered")
        )
        states[t["id"]] = {
            "id": t["id"],
            "path": t["path"],
            "state": state,
            "matter_id": t["matter_id"],
            "created_at": t["created_at"],
        }
    return states


# -- a message in a state a later import replaced -----------------------------------------------

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
    a cache of those counts per import, shared between calls."""
    current = conn.execute(
        "SELECT m.*, p.handle FROM messages m LEFT JOIN participants p ON p.id = m.sender_id WHERE m.id = ?",
        (message_id,),
    ).fetchone()
    if current is None:
        return None
    # A version from the earlier form of a fold (origin "export", alias rule "earlier") is a text an
    # earlier export showed, never a state of this row: not a state any transcript showed.
    versions = [
        v
        for v in conn.execute(
            "SELECT v.*, a.rule, i.file_name, i.finished_at FROM message_versions v JOIN imports i ON i.id = v.import_id"
            " LEFT JOIN message_aliases a ON a.message_id = v.message_id AND a.import_id = v.import_id"
            " WHERE v.message_id = ? AND v.content_hash IS NOT NULL ORDER BY v.version",
            (message_id,),
        )
        if not (v["origin"] == "export" and v["rule"] == "earlier")
    ]
    start = next((i for i, v in enumerate(versions) if v["content_hash"] == digest), None)
    if start is None:
        return None
    chain = versions[start:]
    earlier = [json.loads(v["earlier"] or "{}") for v in chain]

    def reading(j: int) -> dict:
        """State j's time, zone, sender and flags: a version keeps them only where they differ from the next state's."""
        moved = next((v for v in chain[j:] if v["sent_at"]), None)
        return {
            "sent_at": moved["sent_at"] if moved else current["sent_at"],
            "zone": moved["source_zone"] if moved else current["source_zone"],
            "sender": next((e["sender"] for e in earlier[j:] if "sender" in e), current["handle"]),
            "flags": next((e["flags"] for e in earlier[j:] if "flags" in e), current["flags"]),
        }

    changes, problems, audited = [], [], {} if audited is None else audited
    for j, v in enumerate(chain):
        after = chain[j + 1]["body"] if j + 1 < len(chain) else current["body"]
        changes.append(
            {
                "version": v["version"],
                "import": v["import_id"],
                "file_name": v["file_name"],
                "imported_at": v["finished_at"],
                "why": _why(v, earlier[j], after, reading(j), reading(j + 1)),
            }
        )
        problems += _unvouched(conn, message_id, v["import_id"], audited)
    was = reading(0)
    attachments = [
        tuple(a)
        for a in conn.execute(
            "SELECT position, file_name, mime, blob_sha256, missing_reason FROM message_attachments"
            " WHERE message_id = ? ORDER BY position",
            (message_id,),
        )
    ]
    as_read = message_content_hash(
        was["sent_at"],
        current["direction"],
        current["kind"],
        was["sender"],
        current["body"],
        current["status"],
        current["duration_s"],
        was["flags"],
        current["reply_to"],
        attachments,
    )
    return {
        "version": chain[0]["version"],
        "current_version": current["version"],
        "sent_at": was["sent_at"],
        "time_precision": current["time_precision"],
        "changes": changes,
        "reading_only": chain[0]["body"] == current["body"] and as_read == digest,
        "problems": problems,
    }


def _why(v, earlier: dict, after: str, was: dict, now: dict) -> list[str]:
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
            f"zone corrected: read in {was['zone']}, now in {now['zone']}"
            if was["zone"] != now["zone"]
            else "its time re-read"
        )
    marks = set(json.loads(was["flags"])) ^ set(json.loads(now["flags"]))
    if "sender" in earlier or "number_as_written" in marks:
        why.append(
            f"number re-read: {was['sender'] or 'no sender'}, now {now['sender'] or 'no sender'}"
            if was["sender"] != now["sender"]
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
        entry = conn.execute(
            "SELECT details FROM audit_log WHERE command = 'import' AND json_extract(details, '$.import_id') = ?",
            (import_id,),
        ).fetchone()
        audited[import_id] = (
            audit.details_of(entry[0]).get("updated") if entry else None,
            conn.execute(
                "SELECT count(DISTINCT message_id) FROM message_versions WHERE import_id = ? AND content_hash IS NOT NULL",
                (import_id,),
            ).fetchone()[0],
        )
    updated, versioned = audited[import_id]
    if updated is None or versioned > updated:
        said = (
            "has no audit entry" if updated is None else f"changed {_count(updated, 'message')}, says its audit entry"
        )
        problems.append(
            f"import {import_id} {said}, but the archive holds versions of {_count(versioned, 'message')} from it:"
            " versions were written outside textfile"
        )
    return problems
