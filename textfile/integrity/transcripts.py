"""The recorded transcripts: does each file still exist as recorded, is each row as its audit entry recorded
it, and is every message a transcript shows in the archive as it showed it (or as an earlier state the
archive keeps, earlier.py)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from textfile import audit
from textfile.fingerprint import file_sha256
from textfile.integrity.earlier import counted, earlier_state

# What a transcript's row says that its sealed audit entry recorded too (the row's column: the entry's key).
_RECORDED = {"pdf_sha256": "pdf_sha256", "manifest_sha256": "manifest_sha256", "pages": "pages", "messages": "messages"}


def transcript_entries(conn: sqlite3.Connection) -> dict[str, dict]:
    """What the sealed audit entry made with each transcript recorded, by the transcript's uuid."""
    entries = {}
    for (details,) in conn.execute("SELECT details FROM audit_log WHERE command = 'transcript'"):
        d = audit.details_of(details)
        entries[d.get("transcript")] = d
    return entries


def privilege_logs(
    conn: sqlite3.Connection, states: dict[int, dict], entries: dict[str, dict]
) -> tuple[int, list[str]]:
    """The privilege logs written beside the transcripts whose file is as recorded (`states`), each against the
    sha256 its transcript's sealed audit entry (`entries`) recorded (the same the PDF's manifest holds): how
    many were checked, and each altered one. One moved away is not checked (as `verify FILE.pdf` says): the
    PDF is proven without it."""
    from textfile.notes.proof import log_name, log_problems

    checked, problems = 0, []
    for row in conn.execute("SELECT id, uuid, path FROM transcripts ORDER BY id"):
        log = entries.get(row["uuid"], {}).get("privilege_log")
        if not isinstance(log, dict) or states.get(row["id"], {}).get("state") != "ok":
            continue
        pdf = Path(row["path"])
        name = log_name(log)
        checked += name is not None and pdf.with_name(name).is_file()
        problems += [f"transcript {row['id']} ({row['path']}): {p}" for p in log_problems(log, pdf)]
    return checked, problems


def transcript_records(
    conn: sqlite3.Connection, uuid: str | None = None, entries: dict[str, dict] | None = None
) -> list[str]:
    """Every transcript's row (or the one of `uuid`) as the audit entry made with it recorded it (`entries`,
    read here when not given): a row rewritten to match an altered file, or made outside textfile, is caught."""
    entries = transcript_entries(conn) if entries is None else entries
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


def shown_states(conn: sqlite3.Connection) -> list[str]:
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
        f"transcript {t} shows {counted(len(shown), 'message')} (#{', #'.join(_numbers(conn, t, shown[:10]))}{', …' if len(shown) > 10 else ''})"
        " in a state the archive no longer holds: changed outside textfile"
        for t, shown in unproven.items()
    ]


def _numbers(conn: sqlite3.Connection, transcript_id: int, positions: list[int]) -> list[str]:
    """The numbers a transcript gave the messages at these positions (its scope's numbering)."""
    from textfile.transcript.content import number_at

    (scope,) = conn.execute("SELECT scope FROM transcripts WHERE id = ?", (transcript_id,)).fetchone()
    try:
        numbering = json.loads(scope or "{}").get("numbering")
    except (ValueError, AttributeError):
        numbering = None
    return [str(number_at(numbering, p)) for p in positions]


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
