"""An MMS's parts: its text, its attachments (base64 inside the backup), and the digest of them that
identifies an MMS without `m_id`.

Decisions, and why:
  - Parts are read in `seq` order (ties keep document order); the SMIL part (the slide layout) is
    not content. A text/plain part is the body (its `text`, else its `data` decoded in its charset);
    a vCard is an attachment even where it is typed text/plain.
  - Nothing is dropped: a part with no data is an attachment "not included in the backup"; one whose
    base64 is corrupt is kept as missing, with why, and said.
  - The digest of an MMS without `m_id` covers each part as earlier versions read it (a text's raw line
    breaks as spaces, `_read_before`), so an archive they made finds the message again.
"""

from __future__ import annotations

import binascii
import hashlib
from dataclasses import dataclass
from typing import NamedTuple

from textfile.importers.android.attributes import _int, _present
from textfile.importers.android.repair import _read_before
from textfile.model import Attachment, Notice

# <part chset="…">: IANA MIBenum of the character set.
CHARSETS = {
    106: "utf-8",
    3: "us-ascii",
    4: "iso-8859-1",
    1000: "utf-16",
    1013: "utf-16-be",
    1014: "utf-16-le",
    1015: "utf-16",
    17: "shift_jis",
    2026: "big5",
    2025: "gb2312",
    113: "gbk",
    114: "gb18030",
    38: "euc-kr",
    39: "iso-2022-jp",
    2252: "cp1252",
    2259: "tis-620",
}


class _Base64(NamedTuple):
    """A part's `data` decoded, or why it could not be."""

    data: bytes | None
    problem: str | None


def _b64(text: str) -> _Base64:
    try:
        return _Base64(binascii.a2b_base64(text, strict_mode=True), None)
    except (binascii.Error, ValueError) as exc:
        first = str(exc)
    compact = "".join(text.split())
    if compact != text:
        try:
            return _Base64(binascii.a2b_base64(compact, strict_mode=True), None)
        except (binascii.Error, ValueError) as exc:
            first = str(exc)
    return _Base64(None, first)


@dataclass(slots=True)
class _Content:
    """What an MMS's parts hold: the texts of its body, its attachments, the digest of both (None where
    its m_id identifies it: its parts need no hashing), and what is said of a part that could not be read."""

    texts: list[str]
    attachments: list[Attachment]
    digest: hashlib._Hash | None
    notices: list[Notice]


def _seq(numbered: tuple[int, dict]) -> tuple[int, int]:
    """A part's place: its `seq`, then its place in the document."""
    position, part = numbered
    return _int(part.get("seq")) or 0, position


#   <parts><part seq="-1" ct="application/smil" text="&lt;smil&gt;…" />
#          <part seq="0" ct="image/jpeg" name="null" chset="null" cl="image_11.jpg" text="null" data="/9j/4AAQ…" />
#          <part seq="0" ct="text/plain" chset="106" cl="text_12.txt" text="Look!" /></parts>
def _content(parts: list[dict], hashed: bool, ref: str) -> _Content:
    """Body and attachments, in `seq` order (ties keep document order); with `hashed`, their digest."""
    content = _Content([], [], hashlib.sha256() if hashed else None, [])
    for position, (_, part) in enumerate(sorted(enumerate(parts), key=_seq)):
        ct = (_present(part.get("ct")) or "").lower()
        if ct == "application/smil":
            continue
        text = _present(part.get("text"))
        data = _present(part.get("data"))
        name = _present(part.get("cl")) or _present(part.get("fn")) or _present(part.get("name"))
        if ct == "text/plain" and not (name or "").lower().endswith(".vcf"):
            _text(content, part, text, data)
        elif data is None:
            _carried_as_text(content, part, name, ct, text)
        else:
            _encoded(content, part, name, ct, data, f"{ref}: attachment {name or position + 1}")
    return content


def _text(content: _Content, part: dict, text: str | None, data: str | None) -> None:
    """A text/plain part: its text, else its data decoded in its charset, is part of the body."""
    if text is None and data is not None:
        decoded = _b64(data)
        if decoded.data is not None:
            text = decoded.data.decode(CHARSETS.get(_int(part.get("chset")) or 106, "utf-8"), "replace")
    if text is not None:
        content.texts.append(text)
        if content.digest is not None:
            content.digest.update(b"t" + _read_before(part, "text", text).encode("utf-8", "surrogatepass") + b"\0")


def _carried_as_text(content: _Content, part: dict, name: str | None, ct: str, text: str | None) -> None:
    """An attachment with no data: its text where it has one (a vCard carried as text), else missing."""
    if text is not None:  # e.g. text/x-vCard carried as text
        payload = text.encode("utf-8", "surrogatepass")
        content.attachments.append(Attachment(name, ct or None, data=payload))
        if content.digest is not None:
            content.digest.update(
                b"a" + hashlib.sha256(_read_before(part, "text", text).encode("utf-8", "surrogatepass")).digest()
            )
    else:
        content.attachments.append(Attachment(name, ct or None, missing_reason="not included in the backup"))
        if content.digest is not None:
            content.digest.update(b"m" + (name or "").encode() + b"\0")


def _encoded(content: _Content, part: dict, name: str | None, ct: str, data: str, said_as: str) -> None:
    """An attachment in base64: its bytes, or kept as missing where the base64 is corrupt (`said_as` names it)."""
    decoded = _b64(data)
    if decoded.data is None:
        content.attachments.append(Attachment(name, ct or None, missing_reason=f"corrupt base64: {decoded.problem}"))
        if content.digest is not None:
            content.digest.update(
                b"c" + hashlib.sha256(_read_before(part, "data", data).encode("utf-8", "surrogatepass")).digest()
            )
        content.notices.append(Notice(f"{said_as} has corrupt base64 ({decoded.problem}); kept as missing"))
    else:
        content.attachments.append(Attachment(name, ct or None, data=decoded.data))
        if content.digest is not None:
            content.digest.update(b"a" + hashlib.sha256(decoded.data).digest())
