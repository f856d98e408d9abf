"""Checks that the archive is what it says it is: SQLite's own integrity check, every message's
content hash recomputed from its stored row, every blob's sha256, the audit chain, and every
recorded transcript file.
Problems are returned as sentences; the CLI exits 3 when there are any."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Callable

from textfile import audit
from textfile.fingerprint import file_sha256
from textfile.ingest import message_content_hash


def check_archive(conn: sqlite3.Connection, progress: Callable[[int], None] | None = None) -> dict:
    problems: list[str] = []
    result = conn.execute("PRAGMA integrity_check").fetchall()
    if [r[0] for r in result] != ["ok"]:
        problems += [f"SQLite integrity check: {r[0]}" for r in result]
    attachments: dict[str, list[tuple]] = {}
    for a in conn.execute("SELECT message_id, position, file_name, mime, blob_sha256, missing_reason FROM message_attachments ORDER BY message_id, position"):
        attachments.setdefault(a[0], []).append(tuple(a)[1:])
    checked = 0
    for m in conn.execute(
        "SELECT m.id, m.sent_at, m.direction, m.kind, p.handle, m.body, m.status, m.duration_s, m.flags, m.reply_to, m.content_hash"
        " FROM messages m LEFT JOIN participants p ON p.id = m.sender_id"
    ):
        expected = message_content_hash(m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8], m[9], attachments.get(m[0], []))
        if expected != m["content_hash"]:
            problems.append(f"message {m['id'][:16]}… ({m['sent_at']}): its content no longer matches the hash recorded when it was imported")
        checked += 1
        if progress and checked % 10000 == 0:
            progress(checked)
    # Rows deleted behind textfile's back: every message an import added is still here, and
    # nothing points at a row that is gone (sources, attachments, transcripts' message lists).
    added = conn.execute("SELECT coalesce(sum(added), 0) FROM imports").fetchone()[0]
    if added != checked:
        problems.append(f"the imports added {_count(added, 'message')}, but the archive holds {checked:,}: "
                        f"{'messages were deleted' if checked < added else 'messages were added'} outside textfile")
    dangling: dict[tuple[str, str], int] = {}
    for table, _rowid, parent, _fk in conn.execute("PRAGMA foreign_key_check"):
        dangling[table, parent] = dangling.get((table, parent), 0) + 1
    for (table, parent), n in sorted(dangling.items()):
        problems.append(f"{_count(n, 'row')} of {table} point{'s' if n == 1 else ''} at {parent} rows that are no longer in the archive")
    for transcript_id, n in conn.execute(
            "SELECT tm.transcript_id, count(*) FROM transcript_messages tm WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.id = tm.message_id)"
            " GROUP BY tm.transcript_id ORDER BY tm.transcript_id"):
        problems.append(f"transcript {transcript_id} shows {_count(n, 'message')} that {'are' if n != 1 else 'is'} no longer in the archive")
    blobs = 0
    for b in conn.execute("SELECT sha256, size, data FROM blobs"):
        if hashlib.sha256(b["data"]).hexdigest() != b["sha256"] or len(b["data"]) != b["size"]:
            problems.append(f"attachment blob {b['sha256'][:16]}…: its bytes no longer match their hash")
        blobs += 1
    problems += audit.verify(conn)
    entries = conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    transcripts = transcript_states(conn)
    problems += [f"transcript {t['path']} (made {t['created_at']}) is {t['state']}" for t in transcripts.values() if t["state"] != "ok"]
    return {"ok": not problems, "messages": checked, "blobs": blobs, "audit_entries": entries, "transcripts": len(transcripts), "problems": problems}


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def transcript_states(conn: sqlite3.Connection) -> dict[int, dict]:
    """Every recorded transcript: does its file still exist with the recorded sha256?"""
    states = {}
    for t in conn.execute("SELECT id, path, pdf_sha256, matter_id, created_at FROM transcripts ORDER BY id"):
        try:
            sha = file_sha256(Path(t["path"]))
        except OSError:
            sha = None
        state = "ok" if sha == t["pdf_sha256"] else ("missing" if sha is None else "altered")
        states[t["id"]] = {"id": t["id"], "path": t["path"], "state": state, "matter_id": t["matter_id"], "created_at": t["created_at"]}
    return states
