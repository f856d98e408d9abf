"""The byte stream repaired before the parser sees it, chunk by chunk (`_Repair.feed`), and read back
after it (`_Repair.unmark`).

Decisions, and why:
  - The app writes emoji as UTF-16 surrogate halves (`&#55357;&#56832;`), which libxml2 rejects.
    Each chunk is repaired before the parser sees it: a surrogate pair becomes the one reference
    it stands for (`&#x1F600;`); a lone surrogate or a reference to a character XML forbids
    (`&#0;`, `&#1;`) becomes U+FFFD, and so does a raw control byte. Replacements are counted and
    reported as a warning. A reference split across two chunks is held back until it is whole.
  - Line breaks and tabs some writers leave raw inside attribute values (`body="line one
    line two"`) are the phone's text, but XML reads each as a space: the same stage writes them as
    references the parser keeps, and says how many. Only those inside a quoted value: the file's own
    layout between records and attributes is left alone (`_Repair._line_breaks`). Earlier versions
    read them as spaces (a raw CRLF as one), and a message's body is part of its identity: the
    identity is still computed from the body as they read it, so an archive they made finds the
    message again, and its kept line breaks are a new version of it. So the reader must tell a raw
    line break from one the file writes as `&#10;` (always read as a line break): raw ones are
    written as references to noncharacters no phone writes (U+FDD0 CR, U+FDD1 LF, U+FDD2 TAB), which
    the parser's target reads back (`_Repair.unmark`). A file that holds one of U+FDD0-U+FDD3 itself
    (raw or as a reference) has each written after U+FDD3, which says the next is the file's own:
    read back as written, never as a line break.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from textfile.model import Notice

_REF_RUN = re.compile(rb"&#(?:[xX][0-9a-fA-F]{1,8}|[0-9]{1,10});(?:&#(?:[xX][0-9a-fA-F]{1,8}|[0-9]{1,10});)*")
_REF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));")
_REF_PARTIAL = re.compile(rb"&(?:#(?:[xX][0-9a-fA-F]{0,8}|[0-9]{0,10});?)?")
_RAW_CONTROLS = bytes(b for b in range(32) if b not in (9, 10, 13))
_RAW_CONTROL = re.compile(b"[" + re.escape(_RAW_CONTROLS) + b"]")
_RAW_CONTROL_BYTES = tuple(bytes([b]) for b in _RAW_CONTROLS)
_FFFD_REF = b"&#xFFFD;"


# Where a byte stands, for _Repair._line_breaks: outside any tag (text, a comment, an end tag), in
# a start tag between attributes, or in an attribute value (then the state is its quote).
_OUTSIDE, _IN_TAG, _AFTER_LT = b"", b"<", b"<<"  # _AFTER_LT: a "<" ends the data; what follows it says which
_LINE_BREAK_BYTES = (b"\n", b"\r", b"\t")
# A raw CR, LF, TAB inside a value, written as a reference to a noncharacter (_Repair.unmark reads it back).
_LINE_BREAK_REFERENCES = {13: b"&#xFDD0;", 10: b"&#xFDD1;", 9: b"&#xFDD2;"}
_OWN_MARK = b"&#xFDD3;"  # written before the file's own U+FDD0-U+FDD3: the next character is the file's
_OWN_RAW = re.compile(rb"\xef\xb7[\x90-\x93]")  # U+FDD0-U+FDD3 in UTF-8 (0xEF is never a continuation byte)
_MARKED = re.compile("\ufdd3(.)|\ufdd0\ufdd1|[\ufdd0-\ufdd2]", re.S)
_AS_WRITTEN = {"\ufdd0": "\r", "\ufdd1": "\n", "\ufdd2": "\t", "\ufdd0\ufdd1": "\r\n"}
# What each is called in the notice that says how many were kept (singular, plural).
_KEPT_NAMES = {
    "\ufdd1": ("line break", "line breaks"),
    "\ufdd0\ufdd1": ("CRLF line break", "CRLF line breaks"),
    "\ufdd0": ("carriage return (CR)", "carriage returns (CR)"),
    "\ufdd2": ("tab", "tabs"),
}
READ_BEFORE = "\0read before"  # the key of a record's values as earlier versions read them (no XML name holds "\0")
_NOT_IN_VALUE = re.compile(rb"[ \t\r\n]*<")
_TAG_STOP = re.compile(rb"[\"'>]")


def _walk(data: bytes, at: int, end: int, state: bytes) -> bytes:
    """The state at `end`, from `state` at `at`; data[at:end] holds no "<"."""
    while state != _OUTSIDE:
        if state == _AFTER_LT:
            if at >= end:
                return state
            state = _OUTSIDE if data[at] in b"!?/" else _IN_TAG  # a comment, a processing instruction, an end tag
        elif state == _IN_TAG:
            stop = _TAG_STOP.search(data, at, end)
            if stop is None:
                return state
            at = stop.end()
            state = _OUTSIDE if data[at - 1] == 62 else data[at - 1 : at]  # 62: ">"
        else:
            close = data.find(state, at, end)
            if close < 0:
                return state
            state, at = _IN_TAG, close + 1
    return state


#  <sms protocol="0" address="+12025550123" … body="line one
# line two" … />
def _tag_state(data: bytes, lt: int, end: int) -> bytes:
    """The state at `end` of the tag that opens at data[lt] ("<"), which holds no "<" before `end`."""
    return _walk(data, lt + 1, end, _AFTER_LT)


def _xml_char(cp: int) -> bool:
    return cp in (9, 10, 13) or 0x20 <= cp <= 0xD7FF or 0xE000 <= cp <= 0xFFFD or 0x10000 <= cp <= 0x10FFFF


class _Reference(NamedTuple):
    """A character reference as written (`&#55357;`) and the code point it names."""

    text: bytes
    code: int


class _Repaired(NamedTuple):
    """A run of adjacent character references as the parser gets it, and what its repair did."""

    run: bytes
    pairs: int  # surrogate pairs joined
    replaced: int  # references replaced by U+FFFD
    own: int  # references to U+FDD0-U+FDD3 written after _OWN_MARK


def _repair_run(run: bytes) -> _Repaired:
    """A run of adjacent character references repaired: the run as the parser gets it, surrogate
    pairs joined, references replaced by U+FFFD, references to U+FDD0-U+FDD3 written after _OWN_MARK."""
    refs = [_Reference(m.group(0), int(m.group(1), 16) if m.group(1) else int(m.group(2))) for m in _REF.finditer(run)]
    if all(_xml_char(cp) and not 0xFDD0 <= cp <= 0xFDD3 for _, cp in refs):
        return _Repaired(run, 0, 0, 0)
    out = []
    pairs = replaced = own = 0
    i = 0
    while i < len(refs):
        text, cp = refs[i]
        if 0xD800 <= cp <= 0xDBFF and i + 1 < len(refs) and 0xDC00 <= refs[i + 1].code <= 0xDFFF:
            out.append(b"&#x%X;" % (0x10000 + ((cp - 0xD800) << 10) + (refs[i + 1].code - 0xDC00)))
            pairs += 1
            i += 2
            continue
        if 0xFDD0 <= cp <= 0xFDD3:
            out += (_OWN_MARK, text)
            own += 1
        elif _xml_char(cp):
            out.append(text)
        else:
            out.append(_FFFD_REF)
            replaced += 1
        i += 1
    return _Repaired(b"".join(out), pairs, replaced, own)


class _Repair:
    """Counts what was repaired while rewriting character references chunk by chunk."""

    def __init__(self) -> None:
        self.pairs = 0  # surrogate pairs joined into one character
        self.replaced = 0  # lone surrogates, forbidden references and raw control bytes → U+FFFD
        self.pending = b""
        self.runs: dict[bytes, _Repaired] = {}  # _repair_run of short runs a backup repeats (`&#10;`, an emoji)
        self.line_breaks = 0  # raw CR, LF, TAB inside attribute values, written as references to U+FDD0-U+FDD2
        self.marked = False  # whether any were, or the file's own U+FDD0-U+FDD3 were written after _OWN_MARK (`unmark`)
        self.kept: dict[str, int] = {}  # the raw line breaks `unmark` read back, by mark (a CRLF as one: _KEPT_NAMES)
        self.state = _OUTSIDE  # where the data fed so far ends: _OUTSIDE, _IN_TAG, _AFTER_LT or in a value (its quote)

    def _references(self, data: bytes) -> bytes:
        """`data` with each run of character references repaired. A reference is found by its "#":
        bytes.find of one byte (memchr) skips the text between references many times faster than
        a regular expression or a search for "&#" does, and "#" is rare outside references."""
        pieces = []
        done = 0
        at = data.find(b"#")
        while at >= 0:
            amp = at - 1
            run = _REF_RUN.match(data, amp) if amp >= 0 and data[amp] == 38 else None  # 38: "&"
            if run is None:
                at = data.find(b"#", at + 1)
                continue
            end = run.end()
            text = run.group(0)
            found = self.runs.get(text)
            if found is None:
                found = _repair_run(text)
                if len(text) <= 64 and len(self.runs) < 10_000:
                    self.runs[text] = found
            fixed, pairs, replaced, own = found
            if pairs or replaced or own:
                self.pairs += pairs
                self.replaced += replaced
                self.marked = self.marked or own > 0
                pieces.append(data[done:amp])
                pieces.append(fixed)
                done = end
            at = data.find(b"#", end)
        if not pieces:
            return data
        pieces.append(data[done:])
        return b"".join(pieces)

    def feed(self, chunk: bytes, final: bool) -> bytes:
        data = self.pending + chunk if self.pending else chunk
        if final:
            self.pending = b""
        else:
            # Hold back a reference cut in two ("&#5535"), and a whole reference to a high surrogate
            # just before the cut: the next chunk may hold the low half of its pair.
            cut = end = len(data)
            amp = data.rfind(b"&", max(0, end - 16), end)
            if amp >= 0 and not data.endswith(b";") and _REF_PARTIAL.fullmatch(data, amp, end):
                cut = amp
            if data[cut - 1 : cut] == b";":
                amp = data.rfind(b"&", max(0, cut - 16), cut)
                whole = _REF.fullmatch(data, amp, cut) if amp >= 0 else None
                if whole and 0xD800 <= (int(whole.group(1), 16) if whole.group(1) else int(whole.group(2))) <= 0xDBFF:
                    cut = amp
            elif data[cut - 1 : cut] == b"\xef" or data[cut - 2 : cut] == b"\xef\xb7":  # maybe U+FDD0-U+FDD3 cut in two
                cut = data.rindex(b"\xef", max(0, cut - 2), cut)
            data, self.pending = data[:cut], data[cut:]
        # One bytes.find (memchr) per control byte: several times faster than a pass of translate().
        if any(control in data for control in _RAW_CONTROL_BYTES):
            data, n = _RAW_CONTROL.subn(b"\xef\xbf\xbd", data)
            self.replaced += n
        data = self._references(data)
        if b"\xef\xb7" in data:  # (after the references: the marks written are references to U+FDD3)
            data, n = _OWN_RAW.subn(_OWN_MARK + rb"\g<0>", data)
            self.marked = self.marked or n > 0
        return self._line_breaks(data)

    def _line_breaks(self, data: bytes) -> bytes:
        """`data` with each raw CR, LF and TAB inside an attribute value written as a character
        reference (`&#10;`), which the parser keeps; raw, XML makes each one a space. Most line
        breaks are the file's own layout: one followed by blanks and a "<" is never in a value (a
        value cannot hold "<"), which one regular expression match tells. The others are placed
        exactly: from the last "<" before them (or from where the previous data ended), the tag's
        attributes are read to see whether the line break is inside a quoted value."""
        unplaced = []
        size = len(data)
        for byte in _LINE_BREAK_BYTES:
            at = data.find(byte)
            while at >= 0:
                # The layout of SMS Backup & Restore (a record per line, indented by two spaces)
                # told by comparing three bytes; anything else by the regular expression.
                if (
                    not (at + 3 < size and data[at + 3] == 60 and data[at + 1] == 32 == data[at + 2])
                    and _NOT_IN_VALUE.match(data, at + 1) is None
                ):
                    unplaced.append(at)
                at = data.find(byte, at + 1)
        state, done = self.state, 0
        pieces = []
        kept = 0  # data[:kept] is in pieces
        for at in sorted(unplaced):
            lt = data.rfind(b"<", done, at)
            state = _tag_state(data, lt, at) if lt >= 0 else _walk(data, done, at, state)
            done = at
            if state == b'"' or state == b"'":
                pieces += (data[kept:at], _LINE_BREAK_REFERENCES[data[at]])
                kept = at + 1
        lt = data.rfind(b"<", done)
        self.state = _tag_state(data, lt, len(data)) if lt >= 0 else _walk(data, done, len(data), state)
        if not pieces:
            return data
        self.line_breaks += len(pieces) // 2
        self.marked = True
        pieces.append(data[kept:])
        return b"".join(pieces)

    def unmark(self, attrib: dict) -> None:
        """An element's attributes read back (the parser's target calls it once anything was marked):
        each raw line break as written (CR, LF, TAB; a CR and an LF one after the other are a CRLF),
        the file's own U+FDD0-U+FDD3 as themselves; and under READ_BEFORE, the values that held a raw
        line break as earlier versions read them: each a space (a CRLF one space, as XML reads it)."""
        before = None
        for name, value in attrib.items():
            if value.isascii() or _MARKED.search(value) is None:
                continue
            if before is None:
                before = {}
            before[name] = _MARKED.sub(_as_read_before, value)
            attrib[name] = _MARKED.sub(self._as_written, value)
        if before is not None:
            attrib[READ_BEFORE] = before

    def _as_written(self, mark: re.Match) -> str:
        if mark.group(1):
            return mark.group(1)
        self.kept[mark.group(0)] = self.kept.get(mark.group(0), 0) + 1
        return _AS_WRITTEN[mark.group(0)]

    def kept_notice(self) -> Notice | None:
        """What raw line breaks were kept, each kind by its name ("5 line breaks, 1 CRLF line break and 1 tab")."""
        said = [f"{n} {names[n > 1]}" for mark, names in _KEPT_NAMES.items() if (n := self.kept.get(mark))]
        if not said:
            return None
        listed = said[0] if len(said) == 1 else ", ".join(said[:-1]) + " and " + said[-1]
        return Notice(
            f"kept {listed} written raw inside attribute values as they are (an XML parser reads each as a space, and"
            " earlier versions did: each message is still identified by that reading)",
            "assumption",
        )


def _as_read_before(mark: re.Match) -> str:
    return mark.group(1) or " "


def _read_before(attrib: dict, name: str, value: str | None) -> str | None:
    """`value`, attribute `name` as read now, as earlier versions read it (raw line breaks as spaces,
    _Repair.unmark): what a message's identity is computed from."""
    before = attrib.get(READ_BEFORE)
    return before.get(name, value) if before is not None else value
