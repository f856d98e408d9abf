"""The manifest embedded in every review report (`textfile-review-report.json`, a PDF/A-3 attachment).

It says what the report is: its id, the archive it came from, when and by whom it was made, its
scope, filters and the settings in force, its pages and Bates range, the audit log's last entry
when it was read (so `verify` finds it in the chain), each flag with the state it was in, and the
rows: one per flag, the same row `review --json`'s flags and `review --csv` give
(`review.report.row`), with the id and content hash of the flagged message, of each message of its
context and of its response. `messages` lists every message shown, each once, with its content
hash. A name and format of its own (not the transcripts'), so that `verify` tells the two apart.
"""

from __future__ import annotations

import hashlib
import json

from textfile import __version__
from textfile.fingerprint import canonical_json
from textfile.review import report
from textfile.review.pdf.contents import Contents

NAME = "textfile-review-report.json"
FORMAT = "textfile-review-report"
WITHHELD = "not filed to this matter: not shown"
DESCRIPTION = "textfile review report manifest: scope, filters, Bates range, each flag's row and state, every message id and content hash"


def rows(contents: Contents, tz) -> list[dict]:
    """The report's rows: `review.report.row` of each flag, and the messages it shows by id and hash."""
    out = []
    for f in contents.flags:
        flagged, answer = contents.flagged[f.id], contents.responses.get(f.id)
        out.append(
            report.row(f, tz)
            | {
                "message_id": flagged.id,
                "content_hash": flagged.content_hash,
                "context": [
                    {"message": f"#{s.number}", "withheld": WITHHELD}
                    if s.id in contents.withheld
                    else {"message": f"#{s.number}", "message_id": s.id, "content_hash": s.content_hash}
                    for s in contents.shown[f.id]
                ],
                "response_message": f"#{answer.number}" if answer else None,
                "response_message_id": answer.id if answer else None,
                "response_content_hash": answer.content_hash if answer else None,
            }
        )
    return out


def build(
    contents: Contents,
    tz,
    *,
    report_id: str,
    archive_id: str,
    generated_at: str,
    generated_by: str,
    zone: str,
    pages: int,
    first: int,
    last: int,
) -> bytes:
    """The manifest's bytes: canonical JSON (keys sorted, no spaces), one line."""
    from textfile.transcript.pdf import bates

    prefix = contents.bates.prefix
    data = {
        "format": FORMAT,
        "format_version": 1,
        "report": report_id,
        "archive": archive_id,
        "generated_at": generated_at,
        "generated_by": generated_by,
        "textfile_version": __version__,
        "zone": zone,
        "scope": contents.scope.as_dict(),
        "filters": contents.filters.as_dict(),
        "settings": contents.review_settings.to_json(),
        "pages": pages,
        "bates": {
            "prefix": prefix,
            "first": bates(prefix, first),
            "last": bates(prefix, last),
            "first_number": first,
            "last_number": last,
        },
        "audit_head": contents.audit_head,
        "counts": contents.counts(),
        "flags": [[f.id, f.state] for f in contents.flags],
        "rows": rows(contents, tz),
        "messages": [[mid, digest] for mid, digest in contents.messages()],
    }
    return (canonical_json(data) + "\n").encode("utf-8")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parsed(raw: bytes) -> dict | None:
    """A report's manifest read back; None when it is damaged or not a review report's."""
    try:
        data = json.loads(raw)
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return None
        data["messages"] = [(str(mid), str(digest)) for mid, digest in data["messages"]]
        data["flags"] = [(int(i), str(state)) for i, state in data["flags"]]
    except Exception:
        return None
    return data


def read(path) -> bytes | None:
    """The embedded manifest's bytes; None when the file is not a PDF or carries none."""
    from textfile.transcript.pdf import read_attachment

    try:
        return read_attachment(path, NAME)
    except Exception:  # not a PDF, or damaged beyond reading
        return None
