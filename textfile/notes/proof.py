"""A transcript's notes checked by `verify FILE.pdf`: what its manifest says it showed and left out.

The manifest names each note it shows or leaves out by its id, its version and the sha256 of that
version's text; a version is never rewritten, so each must still be in the archive as named (a
note disposed of with its matter is gone, and said so). The privilege log written beside the PDF
(`<stem>.privilege-log.csv`) is checked against the sha256 the manifest recorded when it is there;
a log that was moved away is not a problem of the PDF (the PDF is proven without it: `verify` passes),
but it is said (`log_not_beside`: "not checked"); an altered one is a problem.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path


def notes_problems(conn: sqlite3.Connection, record, pdf: str | Path) -> list[str]:
    """What differs between the notes a transcript's manifest records (`record`, None: it has none)
    and the archive, and between its privilege log's CSV beside it and the manifest."""
    if record is None:
        return []
    try:
        named = [(kind, int(i), int(v), str(sha)) for kind in ("shown", "left_out") for i, v, sha in record[kind]]
        log = record.get("privilege_log")
    except (TypeError, ValueError, KeyError, AttributeError):
        return ["the embedded manifest's record of the notes to file is damaged"]
    problems = []
    for kind, note, version, sha in named:
        row = conn.execute(
            "SELECT text_sha256 FROM note_versions WHERE note_id = ? AND version = ?", (note, version)
        ).fetchone()
        what = "shows" if kind == "shown" else "lists in its privilege log"
        if row is None:
            problems.append(f"note {note} version {version}, which the transcript {what}, is not in the archive")
        elif row[0] != sha:
            problems.append(
                f"note {note} version {version}, which the transcript {what}, differs from the archive's (its text's sha256)"
            )
    return problems + log_problems(log, Path(pdf))


def log_problems(log, pdf: Path) -> list[str]:
    """The privilege log's CSV beside `pdf` against its record (`log`: its file name and sha256): altered, a
    problem; not there, none (`log_not_beside` says it was not checked)."""
    if not log:
        return []
    name = log_name(log)
    if name is None:
        return ["the embedded manifest's record of the privilege log is damaged"]
    path = pdf.with_name(name)
    if not path.is_file():
        return []
    actual = hashlib.sha256(path.read_bytes()).hexdigest()
    if actual != log.get("sha256"):
        return [
            f"the privilege log beside it ({path.name}) was altered: its sha256 is {actual},"
            f" the transcript's manifest recorded {log.get('sha256')}"
        ]
    return []


def log_not_beside(record, pdf: str | Path) -> str | None:
    """The name of the privilege log's CSV the manifest records (`record`: its notes) when it is not
    beside the PDF, so that it could not be checked; None when it is there, or there is none."""
    name = log_name(record.get("privilege_log") if isinstance(record, dict) else None)
    if name is None:
        return None  # (none, or damaged: notes_problems says so)
    return None if Path(pdf).with_name(name).is_file() else name


def log_name(log) -> str | None:
    """The file name a privilege log's record (`log`) gives, beside its PDF; None when there is no record or
    it is damaged (not a file name alone)."""
    if not isinstance(log, dict) or not isinstance(log.get("file"), str) or "/" in log["file"]:
        return None
    return log["file"]
