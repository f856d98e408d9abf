"""The chat text's bytes as text: the encoding, the bytes that are not text, the chunks the passes read.

Decisions:
- Bytes that are not text: WhatsApp writes UTF-8 (UTF-16 with a BOM on some old phones). A byte
  the encoding cannot decode (the file re-saved by an editor as Latin-1, damage) is read as U+FFFD,
  one for each byte, and a warning names the lines and the byte values; the chat is not refused
  for it. No other encoding is guessed, even for a file that decodes as cp1252 throughout: 0xE9 is
  "é" in cp1252, "й" in cp1251, "È" in Mac Roman, "ι" in cp1253, and nothing in the bytes says which, so
  a guess would put characters in the record that the file does not prove. U+FFFD marks the place
  (transcripts show it and count it), and the import's sha256 identifies the bytes as they are.
  It is part of the text as read: the same file gives the same identities every time. The file is
  decoded in a stream (`_chunks`): a character cut by a read is whole, as in a decoding at once.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterator
from pathlib import Path

from textfile.errors import ImportFailed
from textfile.importers.whatsapp.media import _ZIP_ERRORS
from textfile.model import Notice

CHUNK = 1 << 18  # characters per read; headers are matched over whole chunks


MAX_LINE = 64 << 20  # a "line" longer than this is not text


# A byte the chat text's encoding cannot decode is read as U+DC00 + its value (a lone surrogate, which
# no decoding yields), so that `_chunks` can say where it stood before it puts U+FFFD in its place.
_BYTES = "textfile-whatsapp-bytes"


codecs.register_error(_BYTES, lambda exc: ("".join(chr(0xDC00 + b) for b in exc.object[exc.start : exc.end]), exc.end))


_ESCAPED = re.compile("[\udc00-\udcff]")


def _encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16"
    return "utf-8-sig"


class _Undecodable:
    """The bytes of the chat text its encoding cannot decode, each read as U+FFFD (`_chunks`): how
    many, on how many lines, and the values on the first lines, for a warning (`notice`)."""

    SHOWN_LINES = 5
    SHOWN_BYTES = 8  # per line

    def __init__(self) -> None:
        self.count = 0
        self.lines = 0
        self.last_line = 0
        self.shown: dict[int, list[int]] = {}
        self.line_breaks = 0  # in the text read before (`_chunks` counts them)

    def add(self, piece: str, lines_before: int) -> None:
        line, pos = lines_before + 1, 0
        for m in _ESCAPED.finditer(piece):
            line += piece.count("\n", pos, m.start())
            pos = m.start()
            self.count += 1
            if line != self.last_line:
                self.lines += 1
                self.last_line = line
                if len(self.shown) < self.SHOWN_LINES:
                    self.shown[line] = []
            values = self.shown.get(line)
            if values is not None and len(values) <= self.SHOWN_BYTES:
                values.append(ord(m.group()) - 0xDC00)

    def notice(self, name: str, encoding: str) -> Notice:
        text = "UTF-16" if encoding == "utf-16" else "UTF-8"
        where = "; ".join(
            f"line {line} ({' '.join(f'0x{b:02x}' for b in values[: self.SHOWN_BYTES])}{' …' if len(values) > self.SHOWN_BYTES else ''})"
            for line, values in self.shown.items()
        )
        more = self.lines - len(self.shown)
        return Notice(
            f"{name}: {self.count} byte{'s that are' if self.count != 1 else ' that is'} not {text} text, each read as U+FFFD (transcripts mark it where"
            f" it stands): {where}{f'; and on {more} more line' + ('s' if more != 1 else '') if more else ''}. WhatsApp writes {text}: another"
            " program re-saved this file, or it is damaged; which characters were meant is not guessed, and the import's sha256"
            " identifies the bytes as they are"
        )


def _chunks(path: Path, stream: io.TextIOBase, undecodable: _Undecodable | None = None) -> Iterator[str]:
    """The text in pieces that each begin with a "\n": the one that ended the piece before, or for
    the first piece one added (not part of the text). Every line start is then right after a "\n".
    A byte the encoding cannot decode is U+FFFD, counted in `undecodable` (with its line) when given;
    its `line_breaks` is then the "\n" in the chunks before the one being read (the survey's lines)."""
    carry = "\n"
    try:
        while True:
            piece = stream.read(CHUNK)
            if not piece:
                break
            if not piece.isascii() and _ESCAPED.search(piece) is not None:
                if undecodable is not None:  # (the carry holds one "\n", the last of the chunks yielded)
                    undecodable.add(piece, undecodable.line_breaks)
                piece = _ESCAPED.sub("\ufffd", piece)
            text = carry + piece
            cut = text.rfind("\n")
            if cut <= 0:
                if len(text) > MAX_LINE:
                    raise ImportFailed(path, "not a WhatsApp chat export (a line longer than 64 MB)")
                carry = text
                continue
            carry = text[cut:]
            chunk = text[:cut]
            yield chunk
            if undecodable is not None:
                undecodable.line_breaks += chunk.count("\n")
        yield carry
    except _ZIP_ERRORS as exc:
        raise ImportFailed(path, f"cannot read the chat text ({exc})") from None
