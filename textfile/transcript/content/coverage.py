"""What the transcript says of messages no longer on the phone (lifecycle/coverage.py records them at import).

Each message shown that a later export of the phone it came from lacked, inside that export's span,
is marked where it stands ("not in the export imported on DATE (FILE NAME)"), and the cover counts
them and names their numbers; the manifest carries each (`disclosures["missing_from_phone"]`). The
date is the day the lacking export was imported, in the transcript's zone: the formats record no
date of their own that the archive keeps, and the mark says "imported" so that it is not read as
the day the export was made. A message a still later export of that phone held again is marked too,
saying so: that export left it out. A transcript whose messages have none of these has no such key:
the manifests of transcripts made before stay as they were.
"""

from __future__ import annotations

import json
import sqlite3
from zoneinfo import ZoneInfo

from textfile import sightings, times
from textfile.transcript.content.scope import Plan, _numbered


def _rows(until: int | None) -> str:
    """SQL of the exports that lacked messages, and of the later ones that held them again: those of the
    imports up to `until` only (a transcript made again says what it said: a later import that held a
    message again, or lacked another, is not its to say); every one for None."""
    again = (
        "a.seen_again_import_id"
        if until is None
        else f"(CASE WHEN a.seen_again_import_id <= {int(until)} THEN a.seen_again_import_id END)"
    )
    return (
        "SELECT a.message_id, m.rowid, a.import_id, li.file_name, li.started_at, a.last_seen_import_id, si.file_name AS seen_file,"
        f" si.started_at AS seen_at, {again}{'' if until is None else ' AS seen_again_import_id'},"
        " ai.file_name AS again_file, ai.started_at AS again_at"
        " FROM missing_from_phone a JOIN messages m ON m.id = a.message_id JOIN imports li ON li.id = a.import_id"
        f" JOIN imports si ON si.id = a.last_seen_import_id LEFT JOIN imports ai ON ai.id = {again}"
    )


def _where(cond: str, until: int | None) -> str:
    """SQL WHERE of `cond` and, with `until`, of the exports up to it that lacked the messages."""
    return f" WHERE {cond}{sightings.up_to('a.import_id', until)}"


def _day(stored: str, tz: ZoneInfo) -> str:
    return times.from_iso(stored).astimezone(tz).strftime("%Y-%m-%d")


def mark(r, tz: ZoneInfo) -> str:
    """A message's mark for one export that lacked it."""
    said = f"not in the export imported on {_day(r['started_at'], tz)} ({r['file_name']})"
    if r["seen_again_import_id"] is not None:
        said += f"; in the one imported on {_day(r['again_at'], tz)} ({r['again_file']}) again: that export left it out"
    return said


def marks(conn: sqlite3.Connection, ids: list[str], tz: ZoneInfo, until: int | None = None) -> dict[str, list[str]]:
    """message id -> its marks, for a chunk's messages (by the imports up to `until`)."""
    found: dict[str, list[str]] = {}
    for r in conn.execute(
        f"{_rows(until)}{_where('a.message_id IN (SELECT value FROM json_each(?))', until)} ORDER BY a.message_id, a.import_id",
        (json.dumps(ids),),
    ):
        found.setdefault(r["message_id"], []).append(mark(r, tz))
    return found


def disclosed(
    conn: sqlite3.Connection, cond: str, params: list, p: Plan, tz: ZoneInfo, until: int | None = None
) -> list[dict]:
    """Each shown message an export of its phone lacked (of the imports up to `until`), with its number,
    in transcript order."""
    rows = conn.execute(f"{_rows(until)}{_where(cond, until)} ORDER BY a.import_id", params).fetchall()
    if not rows:
        return []
    seq = _numbered(p, (r["rowid"] for r in rows))
    shown = sorted((r for r in rows if r["rowid"] in seq), key=lambda r: (seq[r["rowid"]].position, r["import_id"]))
    return [
        {
            "seq": str(seq[r["rowid"]]),
            "message": r["message_id"],
            "import": r["import_id"],
            "file_name": r["file_name"],
            "imported_at": r["started_at"],
            "last_seen_import": r["last_seen_import_id"],
            "last_seen_file_name": r["seen_file"],
            "last_seen_imported_at": r["seen_at"],
            "seen_again_import": r["seen_again_import_id"],
            "mark": mark(r, tz),
        }
        for r in shown
    ]
