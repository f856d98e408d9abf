"""The backup file: what it is (its prolog, `detect`, the refusals before any parsing) and how its
bytes are read (a UTF-16 file as UTF-8; in large raw reads for the passes made without the parser).

Decisions, and why:
  - No DTD, no entities: a DOCTYPE is refused before the parser sees a byte (an entity bomb cannot
    be defused by a parser that has `huge_tree` on), so only the five predefined entities exist,
    and the parser loads nothing (no DTD, no network). An undefined `&name;` is a clear error.
    `detect` takes a backup with a DOCTYPE for one (`_DOCTYPE_BACKUP`), so that this refusal is
    what the user reads, not "unrecognized export".
  - A backup saved again as "Unicode" (UTF-16 with its BOM) by an editor is read as the UTF-8 it
    was, its declaration made to say so (`_Utf16AsUtf8`).
"""

from __future__ import annotations

import codecs
import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from textfile.errors import ImportFailed

SCAN_CHUNK = 1 << 22  # reading a backup for its addresses only (numbers._international_forms, owner._own_numbers_in)
SCAN_TAIL = 1 << 16  # how far back from the end of a read a value cut in two is looked for
HEAD = 1 << 16  # the prolog (declaration, stylesheet, comments) must end within this many bytes
ROOTS = ("smses", "calls")

# <?xml version='1.0' encoding='UTF-8' standalone='yes' ?>
# <?xml-stylesheet type="text/xsl" href="sms.xsl"?>
# <!--File Created By SMS Backup & Restore v10.20.002 on 21/07/2024 11:20:32-->
# <smses count="58" backup_set="97e66a20-…" backup_date="1721556032311" type="full">
_PROLOG = re.compile(
    rb"\A(?:\xef\xbb\xbf)?(?:<\?xml\b.*?\?>)?(?:\s|<\?.*?\?>|<!--.*?-->)*<(!DOCTYPE|[A-Za-z_][\w.:-]*)", re.S
)


class _Utf16AsUtf8:
    """A UTF-16 file (with its BOM) read as UTF-8, its declaration saying so."""

    def __init__(self, raw):
        self.raw = raw
        self.seek(0)

    def seek(self, _offset: int) -> None:
        self.raw.seek(0)
        self.decoder = codecs.getincrementaldecoder("utf-16")(errors="replace")
        self.first = True

    def read(self, size: int) -> bytes:
        data = self.raw.read(size)
        text = self.decoder.decode(data, final=not data)
        out = text.encode("utf-8", "surrogatepass")
        if self.first and out:
            self.first = False
            out = re.sub(rb"\A(\s*<\?xml[^>]*?encoding=)(['\"])[^'\"]*\2", rb"\1\2UTF-8\2", out, count=1)
        if not out and data:
            return self.read(size)
        return out


def _root_name(head: bytes) -> str | None:
    match = _PROLOG.match(head)
    return match.group(1).decode("ascii", "replace") if match else None


# <!DOCTYPE smses [ <!ENTITY lol "lol"> … ]> or <!DOCTYPE lolz […]><smses count="1">: a backup with a
# DOCTYPE, for `read` to refuse by name (an entity bomb is not "an unrecognized export").
_DOCTYPE_BACKUP = re.compile(rb"<!DOCTYPE\s+(?:smses|calls)\b|<(?:smses|calls)[\s/>]")


def detect(path: Path) -> bool:
    path = Path(path)
    if not path.is_file():
        return False
    with open(path, "rb") as fh:
        head = fh.read(8192)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", "replace").encode("utf-8")
    root = _root_name(head)
    return root in ROOTS or (root == "!DOCTYPE" and _DOCTYPE_BACKUP.search(head) is not None)


class _Opened(NamedTuple):
    """A backup whose prolog was read: the file to parse (a UTF-16 one read as UTF-8) and its root element."""

    file: object
    root: str


def _opened(path: Path, fh) -> _Opened:
    """The backup's root element, read from its prolog, or why the file is refused before the parser sees a byte:
    empty, not XML, a DOCTYPE (entities could expand without bound), a root that is not a backup's."""
    head = fh.read(HEAD)
    fh.seek(0)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # saved again as "Unicode" by an editor
        fh = _Utf16AsUtf8(fh)
        head = fh.read(HEAD)
        fh.seek(0)
    if not head.strip():
        raise ImportFailed(path, "empty file: not an SMS Backup & Restore backup")
    root = _root_name(head)
    if root == "!DOCTYPE":
        raise ImportFailed(
            path,
            "refused: the file declares a DOCTYPE (entities could expand without bound); SMS Backup & Restore backups never do",
        )
    if root is None:
        if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
            raise ImportFailed(path, "not an SMS Backup & Restore backup: no XML root element at the start of the file")
        raise ImportFailed(path, "not an SMS Backup & Restore backup: not an XML file")
    if root not in ROOTS:
        raise ImportFailed(
            path, f"not an SMS Backup & Restore backup: the root element is <{root}>, not <smses> or <calls>"
        )
    return _Opened(fh, root)


def _raw_reads(path: Path) -> Iterator[bytes]:
    """The backup's bytes (a UTF-16 one's as UTF-8), SCAN_CHUNK at a time: for the passes that
    read it without the XML parser (`_international_forms`, `_own_numbers_in`)."""
    with open(path, "rb") as raw:
        fh = _Utf16AsUtf8(raw) if raw.read(2) in (b"\xff\xfe", b"\xfe\xff") else raw
        fh.seek(0)
        while chunk := fh.read(SCAN_CHUNK):
            yield chunk


def _text(raw: bytes) -> str:
    """An attribute's value as the raw bytes write it, its character references read."""
    text = raw.decode("utf-8", "replace")
    return html.unescape(text) if "&" in text else text
