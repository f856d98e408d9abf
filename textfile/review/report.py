"""The review's rows as data: one row per flag, the same for `--json`, `--csv` and the PDF report.

Times are printed in the archive's zone with their offset (as transcripts print them); a wait is
said in words and in seconds. A row never leaves out a flag's state: a reviewed flag says by whom,
when and the note; a dismissed one why.
"""

from __future__ import annotations

import csv
import io

from textfile import times
from textfile.review.queue import Flag
from textfile.review.response import took

COLUMNS = (
    "flag",
    "state",
    "rule",
    "why",
    "message",
    "conversation",
    "sent",
    "direction",
    "sender",
    "text",
    "outside_hours",
    "response",
    "response_at",
    "response_after_s",
    "response_outside_hours",
    "notice_before_hours",
    "waiting_s",
    "decided_by",
    "decided_at",
    "note",
)


def row(flag: Flag, tz) -> dict:
    r = flag.response
    return {
        "flag": flag.id,
        "state": flag.state,
        "rule": flag.rule,
        "why": flag.why,
        "message": f"#{flag.number}",
        "conversation": flag.conversation,
        "sent": times.display(flag.sent_at, tz, flag.time_precision),
        "direction": flag.direction,
        "sender": flag.sender or "",
        "text": flag.body,
        "outside_hours": _yes(flag.outside_hours),
        "response": (f"{r.how}" + (f" ({took(r.duration_s)})" if r.duration_s else "")) if r else "",
        "response_at": times.display(r.at, tz) if r else "",
        "response_after_s": r.after_s if r else "",
        "response_outside_hours": _yes(r.outside_hours) if r else "",
        "notice_before_hours": _yes(flag.notice_before_hours),
        "waiting_s": flag.waiting_s if flag.waiting_s is not None else "",
        "decided_by": flag.decided_by or "",
        "decided_at": times.display(flag.decided_at, tz) if flag.decided_at else "",
        "note": flag.note or "",
    }


def _yes(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def csv_text(flags: list[Flag], tz) -> str:
    """The rows as CSV (RFC 4180, a header row): every character of a message kept, line breaks quoted."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for flag in flags:
        writer.writerow(row(flag, tz))
    return buffer.getvalue()
