"""The manifest embedded in every disposal certificate (`textfile-disposal-certificate.json`, a PDF/A-3
attachment).

It says what the certificate is (its id, the archive, when and by whom it was made, its pages and Bates
range) and what it certifies: the disposal as recorded (the matter, the policy and its basis, the
counts, the messages per import, every message's id and content hash and every blob's sha256 removed,
with their digests, the records of transcripts and reports that went, the reason, when and by whom)
and the audit entry that recorded it (number and hash). Never text. A name and format of its own, so
that `verify` tells it from a transcript's or a review report's.
"""

from __future__ import annotations

import hashlib
import json

from textfile import __version__
from textfile.fingerprint import canonical_json

NAME = "textfile-disposal-certificate.json"
FORMAT = "textfile-disposal-certificate"
DESCRIPTION = "textfile disposal certificate manifest: the disposal as recorded, its audit entry, every message id and content hash and blob sha256 removed"


def build(
    facts: dict,
    *,
    certificate_id: str,
    archive_id: str,
    made_at: str,
    made_by: str,
    prefix: str,
    first: int,
    last: int,
    pages: int,
) -> bytes:
    """The manifest's bytes: canonical JSON, one line."""
    from textfile.transcript.pdf import bates

    data = {
        "format": FORMAT,
        "format_version": 1,
        "certificate": certificate_id,
        "archive": archive_id,
        "generated_at": made_at,
        "generated_by": made_by,
        "textfile_version": __version__,
        "pages": pages,
        "bates": {
            "prefix": prefix,
            "first": bates(prefix, first),
            "last": bates(prefix, last),
            "first_number": first,
            "last_number": last,
        },
        "disposal": facts["disposal"],
        "audit_entry": facts["audit_entry"],
        "messages": facts["messages"],
        "blobs": facts["blobs"],
    }
    return (canonical_json(data) + "\n").encode("utf-8")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parsed(raw: bytes) -> dict | None:
    """A certificate's manifest read back; None when it is damaged or not a certificate's."""
    try:
        data = json.loads(raw)
        return data if isinstance(data, dict) and data.get("format") == FORMAT else None
    except ValueError:
        return None


def read(path) -> bytes | None:
    """The embedded manifest's bytes; None when the file is not a PDF or carries none."""
    from textfile.transcript.pdf import read_attachment

    try:
        return read_attachment(path, NAME)
    except Exception:  # not a PDF, or damaged beyond reading
        return None
