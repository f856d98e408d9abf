"""Message identity and content hashes: canonical JSON, then sha256.

A message's id is derived from what the source says makes it itself (DESIGN.md, "Identity"),
never from a row number, so the same message read again from any later export gets the same id.
The content hash covers what a transcript shows; a re-import whose content differs under the
same id is recorded as a new version, never a silent change. What it covers is decided here once
(`message_content_hash`), and so is how a stored message is checked against it (`stored_hashes`,
which `verify` and a transcript's verification both call).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from textfile.sqlparams import chunks, marks

_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
# The same encoder, made once: `JSONEncoder.encode` builds a new C encoder on every call, which
# cost more than the encoding (two calls per imported message). Arguments as `JSONEncoder.iterencode`
# passes them, without the circular-reference check (our values are trees); same output.
try:
    from json.encoder import c_make_encoder, encode_basestring

    _C_ENCODE = (
        c_make_encoder(None, str, encode_basestring, None, ":", ",", True, False, True) if c_make_encoder else None
    )
except ImportError:  # a Python built without the C accelerator
    _C_ENCODE = None


def canonical_json(value) -> str:
    if _C_ENCODE is not None and isinstance(value, (list, tuple, dict)):
        return "".join(_C_ENCODE(value, 0))
    return _ENCODER.encode(value)


def file_digest(path) -> tuple[int, str]:
    """Size and sha256 of a file, read in 1 MiB chunks (the size counted as read)."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as fp:
        while chunk := fp.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def tree_listing(folder: Path) -> list[tuple[str, int, int]]:
    """(relative path, size, modification time ns) of every file under a folder, in a stable
    order. A dangling link is listed as itself (its target is nothing to read)."""
    listing = []
    for root, _dirs, files in sorted(os.walk(folder)):
        for name in sorted(files):
            full = Path(root) / name
            st = full.stat() if full.exists() else full.lstat()
            listing.append((str(full.relative_to(folder)), st.st_size, st.st_mtime_ns))
    return listing


def file_sha256(path) -> str:
    return file_digest(path)[1]


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def message_id(platform: str, conversation_key: str, identity: tuple) -> str:
    return sha256_text(canonical_json([platform, conversation_key, list(identity)]))


def content_hash(fields: dict) -> str:
    return sha256_text(canonical_json(fields))


def message_content_hash(
    sent_at, direction, kind, sender_handle, body, status, duration_s, flags_json, reply_to, attachments
) -> str:
    """What a transcript shows of a message, hashed. `verify` recomputes it from the stored row,
    so it is built only from stored values. `attachments`: (position, file_name, mime, sha256, missing_reason)."""
    # An attachment counts by name, type and bytes; why bytes are missing is device-specific
    # wording (the same message from a Mac and from an iPhone backup), so it is not hashed.
    return content_hash(
        [
            sent_at,
            direction,
            kind,
            sender_handle,
            body,
            status,
            duration_s,
            flags_json,
            reply_to,
            [list(a[1:4]) for a in attachments],
        ]
    )


class StoredHash(NamedTuple):
    """A stored message's content hash as recorded, and as recomputed from its stored row."""

    id: str
    recorded: str
    recomputed: str
    sent_at: str


_STORED = (
    "SELECT m.id, m.sent_at, m.direction, m.kind, p.handle, m.body, m.status, m.duration_s, m.flags, m.reply_to, m.content_hash"
    " FROM messages m LEFT JOIN participants p ON p.id = m.sender_id"
)
_ATTACHMENTS = "SELECT message_id, position, file_name, mime, blob_sha256, missing_reason FROM message_attachments"


def stored_hashes(conn: sqlite3.Connection, ids: list[str] | None = None) -> Iterator[StoredHash]:
    """Every stored message (or those of `ids`, in batches), its content hash recomputed from what the
    archive holds: a message changed behind textfile's back recomputes to another hash."""
    for batch in [None] if ids is None else chunks(ids):
        where, params = ("", []) if batch is None else (f" WHERE message_id IN ({marks(batch)})", batch)
        attachments: dict[str, list[tuple]] = {}
        for a in conn.execute(f"{_ATTACHMENTS}{where} ORDER BY message_id, position", params):
            attachments.setdefault(a[0], []).append(tuple(a)[1:])
        for m in conn.execute(_STORED + where.replace("message_id", "m.id"), params):
            yield StoredHash(m[0], m[10], message_content_hash(*tuple(m)[1:10], attachments.get(m[0], [])), m[1])
