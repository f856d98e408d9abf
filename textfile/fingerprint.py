"""Message identity and content hashes: canonical JSON, then sha256.

A message's id is derived from what the source says makes it itself (DESIGN.md, "Identity"),
never from a row number, so the same message read again from any later export gets the same id.
The content hash covers what a transcript shows; a re-import whose content differs under the
same id is recorded as a new version, never a silent change.
"""

from __future__ import annotations

import hashlib
import json


_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def canonical_json(value) -> str:
    return _ENCODER.encode(value)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def message_id(platform: str, conversation_key: str, identity: tuple) -> str:
    return sha256_text(canonical_json([platform, conversation_key, list(identity)]))


def content_hash(fields: dict) -> str:
    return sha256_text(canonical_json(fields))
