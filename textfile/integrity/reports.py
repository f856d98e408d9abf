"""A review report checked against the archive: `textfile verify REPORT.pdf` (review/pdf/).

A PDF is taken for a review report when it carries a report's manifest (`textfile-review-report.json`),
or when the archive records a report at its path (a report whose manifest was stripped is still
checked as one, and found altered). The report is proven as a transcript is: the file's sha256 is the
one recorded when it was made, so is its manifest's, the record is as its sealed audit entry says,
the audit log's last entry when it was read is still in the chain, the flags it lists are those
recorded, and every message it shows (flagged, context, response) still has the content hash it
shows, or a state a later import replaced that the archive keeps and vouches for
(`integrity.earlier_state`: it then matches "the archive as it was"). Any other difference is a
problem: `verify` exits 3.

A flag whose state changed since the report was made (reviewed, dismissed, reopened, cleared) is
no disagreement: a report shows the queue as it stood. Each such change is said, as information, in
`flags_since`. A flag the report lists that the archive no longer holds, or that now names another
message, is a problem (textfile never deletes a flag, nor moves one).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from textfile import audit
from textfile.fingerprint import file_sha256
from textfile.integrity.earlier import counted
from textfile.results import Result, json_name
from textfile.transcript.manifest import NOT_REACHED, anchor_problems, message_problems


@dataclass(slots=True, eq=False)
class ReportCheck(Result):
    """One review report checked against the archive. A finding the check stopped before is
    NOT_REACHED and not in the JSON form (as `PdfCheck`'s). `flags_since`: the flags whose state
    changed since it was made (information, not a problem)."""

    path: str
    kind: str = "review report"
    ok: bool = False
    problems: list[str] = field(default_factory=list)
    report: str | None = None  # its id, as its manifest says it
    sha256: str = NOT_REACHED
    bates: dict | None = NOT_REACHED
    scope: dict | None = NOT_REACHED
    filters: dict | None = NOT_REACHED
    flags: int = NOT_REACHED
    messages: int = NOT_REACHED
    pages: int | None = NOT_REACHED
    zone: str | None = NOT_REACHED
    made_at: str | None = NOT_REACHED
    recorded_path: str = NOT_REACHED
    earlier: list[dict] = NOT_REACHED
    flags_since: list[dict] = NOT_REACHED
    matches: str | None = NOT_REACHED
    # what `verify` reads of every PDF it checks (a transcript's move): never in a report's JSON
    transcript: None = json_name(None, default=None)
    recorded_gone: bool = json_name(None, default=False)
    moved_from: str | None = json_name(None, default=None)

    def to_json(self) -> dict:
        return {k: v for k, v in Result.to_json(self).items() if v is not NOT_REACHED}


def is_report(conn: sqlite3.Connection, path: str | Path) -> bool:
    """Whether a PDF is a review report: it carries a report's manifest, or the archive records one at its path."""
    from textfile.review.pdf import manifest

    if manifest.read(path) is not None:
        return True
    where = {str(Path(path).resolve()), str(Path(path).absolute())}
    return any(conn.execute("SELECT 1 FROM review_reports WHERE path = ?", (p,)).fetchone() is not None for p in where)


def verify_report(conn: sqlite3.Connection, archive_id: str, path: str | Path) -> ReportCheck:
    """Check one review report against the archive (see the module's docstring)."""
    from textfile.review.pdf import manifest

    path = Path(path)
    check = ReportCheck(str(path))
    problems = check.problems
    actual = check.sha256 = file_sha256(path)
    raw = manifest.read(path)
    if raw is None:
        problems += _without_manifest(conn, path, actual)
        return check
    data = manifest.parsed(raw)
    if data is None:
        problems.append("the embedded manifest is damaged or not a textfile review report's")
        return check
    _said(check, data)
    if data.get("archive") != archive_id:
        problems.append(f"unknown review report: it was made from another archive ({data.get('archive')})")
        return check
    problems += anchor_problems(conn, data.get("audit_head"))
    row = conn.execute("SELECT * FROM review_reports WHERE uuid = ?", (check.report,)).fetchone()
    if row is None:
        from textfile.lifecycle.disposal.records import disposed_output  # (its record went with a disposal: issue 19)

        gone = disposed_output(conn, check.report)
        problems.append(
            f"review report {check.report} was disposed of: {gone}"
            if gone
            else f"unknown review report: this archive has no record of report {check.report}"
        )
        return check
    check.recorded_path = row["path"]
    problems += report_records(conn, row["uuid"])
    if manifest.sha256(raw) != row["manifest_sha256"]:
        problems.append(
            "the embedded manifest was altered: its sha256 differs from the one recorded when the report was made"
        )
    if actual != row["pdf_sha256"]:
        problems.append(f"the file was altered: its sha256 is {actual}, the archive recorded {row['pdf_sha256']}")
    if [tuple(x) for x in json.loads(row["flags"])] != data["flags"]:
        problems.append("the manifest's flags differ from those the archive recorded for this report")
    check.earlier = []
    problems += _message_problems(conn, data, check.earlier)
    check.flags_since = []
    problems += _flag_problems(conn, data, check.flags_since)
    check.ok = not problems
    check.matches = None if problems else "the archive as it was" if check.earlier else "the archive"
    return check


def _said(check: ReportCheck, data: dict) -> None:
    """What the manifest says of the report."""
    check.report = data.get("report")
    check.bates, check.scope, check.filters = data.get("bates"), data.get("scope"), data.get("filters")
    check.flags, check.messages = len(data["flags"]), len(data["messages"])
    check.pages, check.zone, check.made_at = data.get("pages"), data.get("zone"), data.get("generated_at")


def report_records(conn: sqlite3.Connection, uuid: str) -> list[str]:
    """A report's row as the audit entry made with it recorded it: a row rewritten to match an altered
    file, or made outside textfile, is caught."""
    entry = None
    for (details,) in conn.execute("SELECT details FROM audit_log WHERE command = 'review report'"):
        found = audit.details_of(details)
        if found.get("report") == uuid:
            entry = found
    row = conn.execute("SELECT * FROM review_reports WHERE uuid = ?", (uuid,)).fetchone()
    if entry is None:
        return [
            f"review report {row['id']} ({row['path']}): no audit entry records it: it was written outside textfile"
        ]
    recorded = {"pdf_sha256": row["pdf_sha256"], "manifest_sha256": row["manifest_sha256"], "pages": row["pages"]}
    changed = [k for k, v in recorded.items() if entry.get(k) != v]
    if entry.get("flags") != json.loads(row["flags"]):
        changed.append("flags")
    if changed:
        return [
            f"review report {row['id']} ({row['path']}): its {', '.join(changed)} differ{'s' if len(changed) == 1 else ''}"
            " from what its audit entry recorded: the record was changed outside textfile"
        ]
    return []


def _without_manifest(conn: sqlite3.Connection, path: Path, actual: str) -> list[str]:
    """A report whose manifest cannot be read: altered (by its recorded path), or unknown."""
    if conn.execute("SELECT 1 FROM review_reports WHERE pdf_sha256 = ?", (actual,)).fetchone() is not None:
        return ["the embedded manifest cannot be read, though the file is the one recorded: please report this"]
    row = conn.execute(
        "SELECT uuid FROM review_reports WHERE path IN (?, ?)", (str(path.resolve()), str(path.absolute()))
    ).fetchone()
    if row is not None:
        return [
            f"the file was altered: it is no longer the review report {row['uuid']} recorded at this path"
            " (its sha256 differs and its embedded manifest cannot be read)"
        ]
    return ["unknown review report: the file carries no textfile manifest that can be read"]


def _numbers(data: dict) -> dict[str, str]:
    """Each message the report shows, by id: its number (#c.n) as the report shows it."""
    out: dict[str, str] = {}
    for row in data.get("rows", []):
        out.setdefault(row.get("message_id"), str(row.get("message", "")).lstrip("#"))
        for line in row.get("context", []):
            if line.get("message_id"):  # (a message not filed to the report's matter is not shown: no id)
                out.setdefault(line["message_id"], str(line.get("message", "")).lstrip("#"))
        if row.get("response_message_id"):
            out.setdefault(row["response_message_id"], str(row.get("response_message", "")).lstrip("#"))
    return out


def _message_problems(conn: sqlite3.Connection, data: dict, earlier: list[dict]) -> list[str]:
    """Each message the report shows, against the archive (transcript.manifest.message_problems), by its number."""
    numbers = _numbers(data)
    shown = [(mid, digest, numbers.get(mid, "?")) for mid, digest in data["messages"]]
    return message_problems(conn, shown, earlier, "report", timed=False)


def _flag_problems(conn: sqlite3.Connection, data: dict, since: list[dict]) -> list[str]:
    """Each flag the report lists, as the archive holds it now: a changed state is said in `since`
    (information); a flag gone, or naming another message, is a problem."""
    messages = {row.get("flag"): row.get("message_id") for row in data.get("rows", [])}
    problems = []
    for flag_id, state in data["flags"]:
        now = conn.execute(
            "SELECT message_id, state, decided_at, decided_by, note FROM review_flags WHERE id = ?", (flag_id,)
        ).fetchone()
        if now is None:
            problems.append(
                f"flag {flag_id}, which the report lists, is no longer in the archive: removed outside textfile"
            )
        elif messages.get(flag_id) not in (None, now["message_id"]):
            problems.append(f"flag {flag_id} now names another message than the report shows: changed outside textfile")
        elif now["state"] != state:
            since.append(
                {
                    "flag": flag_id,
                    "was": state,
                    "now": now["state"],
                    "at": now["decided_at"],
                    "by": now["decided_by"],
                    "note": now["note"],
                }
            )
    return problems


def report_lines(check: ReportCheck) -> list[str]:
    """What `verify` says of a report that matched: what it is, then what changed since (information)."""
    from textfile import times
    from textfile.transcript.manifest import earlier_lines

    bates = check.bates or {}
    lines = [
        f"{check.path}: matches {check.matches} (review report {check.report}, {counted(check.flags, 'flag')},"
        f" {counted(check.messages, 'message')}, {counted(check.pages or 0, 'page')},"
        f" Bates {bates.get('first')} to {bates.get('last')})."
    ]
    lines += earlier_lines(check.earlier, check.zone or "UTC")
    tz = times.zone(check.zone or "UTC")
    for s in check.flags_since:
        when = f" by {s['by']} on {times.display(s['at'], tz)}" if s["at"] and s["now"] != "open" else ""
        note = f": {s['note']}" if s["note"] else ""
        lines.append(f"  flag {s['flag']} was {s['was']} when the report was made; it is {s['now']} now{when}{note}")
    return lines
