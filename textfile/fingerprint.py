"""Message identity and content hashes: canonical JSON, then sha256.

A message's id is derived from what the source says makes it itself (DESIGN.md, "Identity"),
never from a row number, so the same message read again from any later export gets the same id.
The content hash covers what a transcript shows; a re-import whose content differs under the
same id is recorded as a new version, never a silent change.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

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
