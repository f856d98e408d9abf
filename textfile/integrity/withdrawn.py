"""What a transcript or a production showed that has been withdrawn since: `verify`'s information, not a problem.

A consent recorded by mistake (`client consent NAME --withdraw N --reason`) and a note added by mistake
(`note withdraw N --reason`) are withdrawn, never deleted (m034). A transcript made before shows them as
they stood; it is still what was made, so `verify FILE.pdf` passes, and says, for each consent and note the
transcript showed that is withdrawn now: which one (as the transcript names it), when it was withdrawn and by
whom. The reason is never said: the archive keeps only its sha256 (given in the JSON form).

What a transcript showed is what its manifest recorded when it was made, not a reading of the archive now:
- its notes: `notes` names each note it shows and each its privilege log lists, by id and version
  (content/notes.py);
- its consents: `disclosures["consent"]["consents"]`, each as the cover shows it (content/consent.py),
  without the archive's number; the consent is found among its client's by what the cover shows of it that
  nothing changes later (when it was given, the method, when and by whom it was recorded). A production's
  cover shows none (content/withheld.py).
A rendering never shows a consent or a note already withdrawn, so each one found was withdrawn since.
A note moved since to another matter of its client (`note move`: its messages were refiled) is said the same
way, kind "note moved": a transcript or production of one matter shows, or logs, only that matter's notes, so a
note of another matter now was moved since; made now, it leaves the note out (where, when and by whom, from the
audit log's "note move"; a note moved back says nothing). A client's transcript (all their matters) says none.
A production (`verify DIR`) shows no note in its PDFs; its privilege log (DATA/privilege-log.csv, checked
against the sha256 the production recorded) lists the privileged notes it withheld, by id and version.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sqlite3
from pathlib import Path
from zoneinfo import ZoneInfo

from textfile import times

PRIVILEGE_LOG = "DATA/privilege-log.csv"  # (a production's: produce/contents.py)


def withdrawn_since(conn: sqlite3.Connection, manifest: dict, transcript_id: int) -> list[dict]:
    """Each consent and note a transcript's `manifest` records it showed that is withdrawn now (see the
    module), consents first, each in the order the transcript shows it."""
    (matter,) = conn.execute("SELECT matter_id FROM transcripts WHERE id = ?", (transcript_id,)).fetchone()
    return _consents(conn, manifest, transcript_id) + _notes(conn, manifest.get("notes"), matter)


def _consents(conn: sqlite3.Connection, manifest: dict, transcript_id: int) -> list[dict]:
    disclosed = (manifest.get("disclosures") or {}).get("consent")
    shown = disclosed.get("consents") if isinstance(disclosed, dict) else None
    if not isinstance(shown, list):
        return []  # (a transcript made before the cover said it, or a production's: it shows none)
    (client,) = conn.execute(
        "SELECT coalesce(t.client_id, m.client_id) FROM transcripts t LEFT JOIN matters m ON m.id = t.matter_id"
        " WHERE t.id = ?",
        (transcript_id,),
    ).fetchone()
    out = []
    for c in shown:
        if not isinstance(c, dict):
            continue  # (a manifest altered: its sha256 says so)
        row = conn.execute(
            "SELECT id, withdrawn_at, withdrawn_by, withdrawn_why_sha256 FROM consents WHERE client_id = ?"
            " AND given_at = ? AND method = ? AND recorded_at = ? AND recorded_by = ? AND withdrawn_at IS NOT NULL",
            (client, c.get("given_at"), c.get("method"), c.get("recorded_at"), c.get("recorded_by")),
        ).fetchone()
        if row is not None:
            out.append(
                {
                    "kind": "consent",
                    "id": row["id"],
                    "client": disclosed.get("client"),
                    "given_local": c.get("given_local"),
                    "method": c.get("method"),
                    **_withdrawal(row),
                }
            )
    return out


def _notes(conn: sqlite3.Connection, record, matter: int | None) -> list[dict]:
    if not isinstance(record, dict):
        return []
    out = []
    for where, listed in (("shown", record.get("shown")), ("privilege log", record.get("left_out"))):
        for named in listed if isinstance(listed, list) else []:
            try:
                note, version = int(named[0]), int(named[1])
            except (TypeError, ValueError, IndexError):
                continue  # (damaged: notes/proof.py says so)
            out += _note(conn, note, version, where, matter)
    return out


def _note(conn: sqlite3.Connection, note: int, version: int, where: str, matter: int | None) -> list[dict]:
    """The note withdrawn since, or moved since to another matter than `matter` (the output's: None, a client's)."""
    row = conn.execute(
        "SELECT id, matter_id, withdrawn_at, withdrawn_by, withdrawn_why_sha256 FROM notes WHERE id = ?", (note,)
    ).fetchone()
    if row is None:
        return []
    if row["withdrawn_at"] is not None:
        return [{"kind": "note", "id": note, "version": version, "where": where, **_withdrawal(row)}]
    if matter is None or row["matter_id"] == matter:
        return []
    moved = conn.execute(
        "SELECT at, details FROM audit_log WHERE command = 'note move' AND json_extract(details, '$.note') = ?"
        " ORDER BY id DESC LIMIT 1",
        (note,),
    ).fetchone()
    if moved is None:
        return []  # (not moved by textfile: `verify` of the archive says what changed it)
    details = json.loads(moved["details"])
    return [
        {
            "kind": "note moved",
            "id": note,
            "version": version,
            "where": where,
            "moved_to": details.get("matter"),
            "moved_at": moved["at"],
            "moved_by": details.get("by"),
        }
    ]


def _withdrawal(row) -> dict:
    return {
        "withdrawn_at": row["withdrawn_at"],
        "withdrawn_by": row["withdrawn_by"],
        "withdrawn_why_sha256": row["withdrawn_why_sha256"],
    }


def production_withdrawn(conn: sqlite3.Connection, production: int, folder: str | Path) -> list[dict]:
    """Each note the privilege log of `production` (in `folder`) lists that is withdrawn now; none when the
    log is not there as the production recorded it (`verify DIR` says that as a problem of its own)."""
    recorded = conn.execute(
        "SELECT sha256 FROM production_files WHERE production_id = ? AND path = ?", (production, PRIVILEGE_LOG)
    ).fetchone()
    path = Path(folder) / PRIVILEGE_LOG
    if recorded is None or not path.is_file():
        return []
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != recorded[0]:
        return []
    (matter,) = conn.execute("SELECT matter_id FROM productions WHERE id = ?", (production,)).fetchone()
    out = []
    for row in list(csv.reader(io.StringIO(data.decode("utf-8"))))[1:]:  # (its header: notes.privilege.CSV_HEADER)
        out += _note(conn, int(row[0]), int(row[1]), "privilege log", matter)
    return out


def withdrawn_lines(withdrawn: list[dict], tz: ZoneInfo, made: str = "transcript") -> list[str]:
    """`withdrawn` in words, one line each, times in `tz` (the transcript's zone); `made`: what showed them
    ("transcript", "production")."""
    lines = []
    for w in withdrawn:
        if w["kind"] == "consent":
            what = (
                f"consent {w['id']} of {w['client']}, which its cover shows (given {w['given_local']}, {w['method']}),"
            )
        elif w["where"] == "shown":
            what = f"note {w['id']} (version {w['version']}), which it shows,"
        else:
            what = f"note {w['id']} (version {w['version']}), which its privilege log lists,"
        if w["kind"] == "note moved":
            lines.append(
                f"{what} was moved since to matter {w['moved_to']}, on {times.display(w['moved_at'], tz)} by"
                f" {w['moved_by']} (its messages were refiled there: a {made} of this matter made now leaves it out)"
            )
            continue
        lines.append(
            f"{what} was withdrawn since the {made} was made, on {times.display(w['withdrawn_at'], tz)}"
            f" by {w['withdrawn_by']} (recorded by mistake: a {made} made now leaves it out)"
        )
    return lines
