"""A redacted message's id and content hash as a production shows them: keyed, so that the words a
redaction withholds cannot be guessed from them.

Decision: a message's content hash, and for WhatsApp and Android SMS its id too (DESIGN.md, "Identity"),
is a sha256 over what a production prints beside it, the words a redaction withholds among them. With
the row in hand, each guess of those words can be checked against it: a social security number's 10^9
guesses take hours on one core, seconds on a graphics card. So a production shows the two, for each
message it redacts, as `redacted-` and their HMAC-SHA256 under a key derived from the one that seals the
audit log (kept outside the archive, never in a production). They are the same in every file of the
production (the PDFs' manifests, messages.csv and messages.jsonl, the RSMF, the redaction log), so its
files still tie each row to the others; `textfile verify`, which has the key, ties them to the archive.

Whole values are replaced (a JSON string or key that is one of them), never part of a text: no word of a
message changes. The archive's own records (the transcript's row, its audit entry) keep the ids as they are.
"""

from __future__ import annotations

import hashlib
import hmac
import sqlite3
from collections.abc import Iterable

PREFIX = "redacted-"
_PURPOSE = b"textfile: the keyed id and content hash of a redacted message in a production"


def _subkey(key: bytes) -> bytes:
    return hmac.new(key, _PURPOSE, hashlib.sha256).digest()


def _token(subkey: bytes, value: str) -> str:
    return PREFIX + hmac.new(subkey, value.encode("utf-8"), hashlib.sha256).hexdigest()


class Keyed:
    """Each value it keys (a redacted message's id or content hash) -> what a production shows for it; or,
    read back (`unkeyed`), the other way round."""

    __slots__ = ("shown",)

    def __init__(self, shown: dict[str, str]):
        self.shown = shown

    def __bool__(self) -> bool:
        return bool(self.shown)

    def __call__(self, value):
        """A JSON value with every string (a key or a value) that is one of those keyed replaced."""
        return _replaced(value, self.shown) if self.shown else value

    def holds(self, *values) -> bool:
        """Whether any of `values` is one it keys (a row naming none is shown as it is)."""
        return any(v in self.shown for v in values if v)

    def value(self, text: str) -> str:
        return self.shown.get(text, text)


NONE = Keyed({})


def for_production(conn: sqlite3.Connection, redacted: Iterable[tuple[str, str]]) -> Keyed:
    """The keyed forms of the redacted messages' (id, content hash) pairs, under the archive's key (the
    change that makes the production has required it already)."""
    from textfile import audit

    pairs = list(redacted)
    if not pairs:
        return NONE
    subkey = _subkey(audit.sealing_of(conn).key)
    return Keyed({value: _token(subkey, value) for pair in pairs for value in pair})


def keyed_in(data) -> set[str]:
    """The keyed ids a production PDF's manifest names (its scope's redactions), if any."""
    scope = data.get("scope") if isinstance(data, dict) else None
    redactions = scope.get("redactions") if isinstance(scope, dict) else None
    if not isinstance(redactions, dict):
        return set()
    return {k for k in redactions if isinstance(k, str) and k.startswith(PREFIX)}


def unkeyed(key: bytes, recorded: list[tuple[str, str]], keyed: set[str]) -> Keyed:
    """What reads a manifest's keyed values back into the archive's (`recorded`: the (id, content hash)
    pairs the archive recorded for the PDF; `keyed`: the ids its manifest keyed): a keyed id the archive
    does not give stays as it is, and the manifest then differs from the record."""
    subkey = _subkey(key)
    back = {}
    for mid, digest in recorded:
        token = _token(subkey, mid)
        if token in keyed:
            back[token] = mid
            back[_token(subkey, digest)] = digest
    return Keyed(back)


def _replaced(value, shown: dict[str, str]):
    if isinstance(value, str):
        return shown.get(value, value)
    if isinstance(value, dict):
        return {shown.get(k, k) if isinstance(k, str) else k: _replaced(v, shown) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_replaced(v, shown) for v in value]
    return value
