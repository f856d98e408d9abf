"""Checks that the archive is what it says it is: SQLite's own integrity check, every message's
content hash recomputed from its stored row, every blob's sha256, the audit chain, and every
recorded transcript file.
Problems are returned as sentences, in a typed result (`ArchiveCheck`) with the counts checked; the
CLI exits 3 when there are any.

The package: this module checks the archive (`check_archive`, in named steps); transcripts.py, the
recorded transcripts (their files, their rows, the states of messages they show); earlier.py, a
message's state that a later import replaced (`earlier_state`); reports.py, a review report checked;
withdrawn.py, the consents and notes a transcript or a production showed that were withdrawn since.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from textfile import audit
from textfile.fingerprint import stored_hashes
from textfile.integrity.earlier import counted, earlier_state
from textfile.integrity.transcripts import (
    FINE,
    privilege_logs,
    shown_states,
    transcript_entries,
    transcript_records,
    transcript_states,
)
from textfile.results import Result

__all__ = ["FINE", "ArchiveCheck", "check_archive", "earlier_state", "transcript_records", "transcript_states"]


@dataclass(slots=True, eq=False)
class ArchiveCheck(Result):
    """What `check_archive` found: ok when no problem; how many messages, attachments, audit entries
    and transcripts it checked; each problem as a sentence."""

    ok: bool
    messages: int
    blobs: int
    audit_entries: int
    transcripts: int
    problems: list[str]
    disposals: list[str]  # one line per matter disposed of (lifecycle/disposal/)
    privilege_logs: int = 0  # the transcripts' privilege logs found beside them and checked
    productions: int = 0  # the productions recorded, whose folders `verify DIR` checks (not read here)


def check_archive(
    conn: sqlite3.Connection,
    progress: Callable[[int], None] | None = None,
    log: Path | None = None,
    archive_path: Path | None = None,
) -> ArchiveCheck:
    """`log`: the weekly run's log beside the archive, whose lines record the audit log's last entry;
    `archive_path`: where the archive is (this machine's records of its head are checked)."""
    problems = _sqlite_check(conn)
    checked = _check_content_hashes(conn, progress, problems)
    problems += _rows_removed_or_added(conn, checked)
    blobs = _check_blobs(conn, problems)
    problems += _audit_problems(conn, log, archive_path)
    entries = conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    transcripts = transcript_states(conn)
    problems += [
        f"transcript {t['path']} (made {t['created_at']}) is {t['state']}"
        for t in transcripts.values()
        if t["state"] not in FINE
    ]
    recorded = transcript_entries(conn)
    problems += transcript_records(conn, entries=recorded)
    logs, altered = privilege_logs(conn, transcripts, recorded)
    problems += altered
    problems += shown_states(conn)
    from textfile import times
    from textfile.lifecycle.disposal.records import disposal_lines, disposed_present

    problems += disposed_present(conn)
    tz = times.archive_zone(conn)
    productions = conn.execute("SELECT count(*) FROM productions").fetchone()[0]
    return ArchiveCheck(
        not problems, checked, blobs, entries, len(transcripts), problems, disposal_lines(conn, tz), logs, productions
    )


def _sqlite_check(conn: sqlite3.Connection) -> list[str]:
    """SQLite's own integrity check."""
    result = conn.execute("PRAGMA integrity_check").fetchall()
    if [r[0] for r in result] != ["ok"]:
        return [f"SQLite integrity check: {r[0]}" for r in result]
    return []


def _check_content_hashes(conn: sqlite3.Connection, progress: Callable[[int], None] | None, problems: list[str]) -> int:
    """Every message's content hash recomputed from its stored row (fingerprint.py); how many were checked."""
    checked = 0
    for m in stored_hashes(conn):
        if m.recomputed != m.recorded:
            problems.append(
                f"message {m.id[:16]}… ({m.sent_at}): its content no longer matches the hash recorded when it was imported"
            )
        checked += 1
        if progress and checked % 10000 == 0:
            progress(checked)
    return checked


def _rows_removed_or_added(conn: sqlite3.Connection, checked: int) -> list[str]:
    """Rows deleted behind textfile's back: every message an import added is still here (`checked` are), and
    nothing points at a row that is gone (sources, attachments, transcripts' message lists)."""
    problems = []
    from textfile.lifecycle.disposal.records import removed_messages  # (what disposals removed: issue 19)

    added = conn.execute("SELECT coalesce(sum(added), 0) FROM imports").fetchone()[0] - removed_messages(conn)
    if added != checked:
        problems.append(
            f"the imports added {counted(added, 'message')}, but the archive holds {checked:,}: "
            f"{'messages were deleted' if checked < added else 'messages were added'} outside textfile"
        )
    dangling: dict[tuple[str, str], int] = {}
    for table, _rowid, parent, _fk in conn.execute("PRAGMA foreign_key_check"):
        dangling[table, parent] = dangling.get((table, parent), 0) + 1
    for (table, parent), n in sorted(dangling.items()):
        problems.append(
            f"{counted(n, 'row')} of {table} point{'s' if n == 1 else ''} at {parent} rows that are no longer in the archive"
        )
    for transcript_id, n in conn.execute(
        "SELECT tm.transcript_id, count(*) FROM transcript_messages tm WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.id = tm.message_id)"
        " GROUP BY tm.transcript_id ORDER BY tm.transcript_id"
    ):
        problems.append(
            f"transcript {transcript_id} shows {counted(n, 'message')} that {'are' if n != 1 else 'is'} no longer in the archive"
        )
    return problems


def _check_blobs(conn: sqlite3.Connection, problems: list[str]) -> int:
    """Every attachment blob's sha256 and size; how many there are."""
    blobs = 0
    for b in conn.execute("SELECT sha256, size, data FROM blobs"):
        if hashlib.sha256(b["data"]).hexdigest() != b["sha256"] or len(b["data"]) != b["size"]:
            problems.append(f"attachment blob {b['sha256'][:16]}…: its bytes no longer match their hash")
        blobs += 1
    return blobs


def _audit_problems(conn: sqlite3.Connection, log: Path | None, archive_path: Path | None) -> list[str]:
    """The audit log (textfile/audit/): its chain, seals and heads, the digests it recorded (of each import's
    messages and where it found them, and of the other records), the holds it set, and the heads the weekly
    log recorded."""
    problems = audit.verify(conn, archive_path)
    problems += audit.check_digests(conn) + audit.check_custody(conn)
    problems += audit.check_records(conn) + audit.check_holds(conn)
    if log is not None:
        problems += audit.check_log(conn, log)
    return problems
