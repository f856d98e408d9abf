"""Android "SMS Backup & Restore" XML: SMS, MMS (parts, addresses, group threads) and call logs.

Decisions, and why:
  - Streamed. Backups reach gigabytes because MMS media travel inside as base64, so the file is
    fed to lxml's parser in 1 MB chunks, and the parser builds no tree: its target (`_Backup`)
    keeps each record's attributes only until the records of that chunk have been read, so
    memory does not grow with the file.
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
  - No DTD, no entities: a DOCTYPE is refused before the parser sees a byte (an entity bomb cannot
    be defused by a parser that has `huge_tree` on), so only the five predefined entities exist,
    and the parser loads nothing (no DTD, no network). An undefined `&name;` is a clear error.
    `detect` takes a backup with a DOCTYPE for one (`_DOCTYPE_BACKUP`), so that this refusal is
    what the user reads, not "unrecognized export".
  - A conversation is keyed by its participants without the owner: the normalized address for
    one-to-one threads ("+12025550123"), "~"-joined sorted handles for groups. SMS, MMS and calls
    with the same number land in the same conversation, whichever way the number was written.
  - No number is invented (phones.py): a number with no country code that is not the region's
    ("0669462731", a French mobile, in a US archive) is kept as written, flagged
    "number_as_written" and said. Where this same backup writes a number whose national form it is
    ("+33669462731"), the two are one handle, the international one, and that is said; where two
    such numbers fit (a French and a Dutch 06…), neither is chosen. Which numbers the backup writes
    is learnt by reading it for its addresses alone, once, when the first such number turns up
    (`_international_forms`): a backup without one is read once. Where this backup does not write
    the international form but an earlier import joined the two (the archive's own evidence: a
    conversation keyed by the international number is known too under the number's key as
    written, `ImportOptions.joined_keys`), the number is read as that one handle too, and the
    notice names that import; nothing else joins a number. Where an archived conversation has a
    number this backup writes the other way (national only, then international only), they may be
    one person, which is said, and not joined (`ImportOptions.archived_numbers`).
  - Identity (DESIGN.md): SMS by address, date as written, direction and body; MMS by `m_id` when it
    has one, else by date, box, sorted addresses and a digest of its parts; calls by number, date,
    type and duration. Next week's backup, which repeats everything, adds only what is new. The
    addresses in an identity, and the conversation key it is computed under, are those earlier
    versions used ("+10669462731" for the number above; a key, never shown): a backup imported
    again into an archive they made finds every message, and what reads differently now (the number,
    the date) becomes a new version. A conversation is keyed the same way, except a joined number's,
    which is keyed by its international form (`_Address`); such a conversation also names the keys
    the same thread has where the number is read as written, by this version or earlier ones
    (`_other_keys`), so that ingest re-keys the conversation archived under one of them in place
    (same number, filings and messages) or merges the two an earlier reading split.
  - `date` is Unix milliseconds, but some writers put seconds: a value below 10^11 (before March
    1973 in milliseconds, when no SMS existed) is read as seconds unless its `readable_date` says
    milliseconds; how many were read so, and what their readable_date says, is said once. A
    readable_date is the phone's clock with no zone: it agrees with an instant when it is no more
    than 12 hours behind and 14 ahead of UTC (every zone in use), to what it writes (a second, a
    minute, a day); it is read where its form is unambiguous (a month by name, or year-month-day),
    else by its year alone. One that fits neither reading contradicts the date: each such record is
    named, with both values (the first five, then how many more), and keeps its date as read.
    (An MMS's `date_sent` is in seconds by format; it is not read.)
  - A `date` of 0 or below is no date (Android writes 0 where it has none; read, it would be
    1 January 1970): the record is skipped with why, as one no clock holds (year 11476) is. No date
    is invented, and a message placed at one it never had would head every transcript; a skip is
    counted and named on the import (its element), whose file hash identifies the backup holding it.
  - A backup names no number of its own: an <sms> has no sender address. What this phone sent is
    from the one of the owner's numbers `--me` gives; else, where the owner has one number, from
    it (as before); else from the one the backup proves, where its MMS name exactly one of the
    owner's numbers as the phone's own (the sender of one it sent, a recipient of one it received)
    and its records come from one SIM (`sub_id`): one SIM's MMS say nothing of another's number;
    else from the owner with no number (`Participant(owner name)`, as for an owner with no number
    at all): the identity holds no sender, so the message is the same one, and its content hash
    says what the transcript shows. The import says which number it took and why (for an owner with
    one number, only where no MMS names it); an MMS keeps the sender it names. A later reading with
    no number does not take away the number --me gave (ingest). `--me` counts only as an address (a
    name is meant for a WhatsApp file in the same command).
  - A client's own phone (`ImportOptions.custodian`: ingest checked the client and their number, `me`):
    "this phone" is the client's, and the archive stays in its owner's frame (`_Reader.framed`). What
    the phone sent is "in", from the client; what it received from one of the owner's numbers is "out",
    from the owner; the rest is "in" from its sender. Its threads are keyed by their people without the
    archive's owner, the client among them, which is the key the owner's phone gives the same thread;
    a thread the owner is not in (the client and their spouse) is keyed as such ("… without the owner"),
    apart from the owner's group with the same people. Each identity is the phone's own, with its
    number: ingest matches it to the other phone's copy. No number is joined to another country's form
    on such a phone (other_keys are not given), and what the owner's MMS say of the owner's numbers is
    not read.
  - An <sms> with no type, or a type Android does not write, is kept, but neither "in" nor "out"
    (either says who wrote it, which the backup does not): a system line with no sender, flagged
    direction_unknown, and a warning.
"""

from __future__ import annotations

import binascii
import codecs
import hashlib
import html
import itertools
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

import phonenumbers
from lxml import etree

from textfile import phones
from textfile.errors import ImportFailed
from textfile.model import Attachment, Conversation, ImportOptions, Message, Notice, Participant, Record, Skipped
from textfile.times import from_unix_ms

FORMAT = "android"
VERSION = "1"
JOINS_NUMBERS = True  # reads ImportOptions.joined_keys and .archived_numbers (ingest gives them)
SENT_BY_THE_PHONE = True  # "sent" means sent by the phone's owner, not by a named sender (see ingest)
READS_A_CLIENTS_PHONE = (
    True  # ImportOptions.custodian: a client's own phone, read in the owner's frame (`_Reader.framed`)
)
COPIES_DIFFER = True  # each phone's copy of an SMS has its own date, direction and identity (ingest matches them)
CHAT_NAMED_BY_FILE = False  # a thread is keyed by its addresses, not by the backup's name
EDITS_CHANGE_IDENTITY = False  # an SMS is never edited
WALL_CLOCK = False  # every date is an instant (Unix milliseconds)

PLATFORM = "android"
CHUNK = 1 << 20
SECONDS_BELOW = 10**11  # a `date` below this is in seconds (Reader.instant)
_YEAR = re.compile(r"(?<!\d)(?:19|2\d)\d\d(?!\d)")  # the year in readable_date="Dec 2, 2017 06:49:27"
# readable_date="Dec 2, 2017 06:49:27", "Oct 29, 2025 8:01:00 AM", "2 Dec 2017 06:49", "2017-12-02 06:49:27", "Mar 1, 2024"
_READABLE_DATE = re.compile(
    r"\s*(?:([A-Za-z]{3})[A-Za-z]*\.?\s+(\d{1,2}),?|(\d{1,2})\s+([A-Za-z]{3})[A-Za-z]*\.?,?)\s+((?:19|2\d)\d\d)(?!\d)"
    r"|\s*((?:19|2\d)\d\d)-(\d\d)-(\d\d)(?!\d)"
)
_READABLE_TIME = re.compile(r"[\sT,]+(\d{1,2}):(\d\d)(?::(\d\d))?(?:\s*([AaPp])\.?\s?[Mm]\.?)?\s*")
_MONTHS = {
    name: n
    for n, name in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)
}
# What a readable_date says of a date read as seconds (Reader.instant), in the order said.
CONTRADICTS = "contradicts it"
READABLE = ("agrees", "agrees in its year (a form read no further)", CONTRADICTS, "is absent", "names no year")
# The phone's clock is UTC plus an offset between these (UTC-12:00 to UTC+14:00, every zone in use).
BEHIND_UTC, AHEAD_OF_UTC = timedelta(hours=12), timedelta(hours=14)
SCAN_CHUNK = 1 << 22  # reading a backup for its addresses only (_international_forms)
SCAN_TAIL = 1 << 16  # how far back from the end of a read a value cut in two is looked for
HEAD = 1 << 16  # the prolog (declaration, stylesheet, comments) must end within this many bytes
ROOTS = ("smses", "calls")

# <sms type="…">: Telephony.TextBasedSmsColumns.MESSAGE_TYPE_*; MMS msg_box uses the same numbers.
BOX_STATUS = {1: "received", 2: "sent", 3: "draft", 4: "outbox", 5: "failed", 6: "queued"}
BOX_FLAGS = {3: frozenset({"draft"}), 5: frozenset({"failed"})}
KNOWN_BOXES = ", ".join(f"{n} {status}" for n, status in BOX_STATUS.items())
# <call type="…">: CallLog.Calls.*_TYPE.
CALL_STATUS = {
    1: "incoming",
    2: "outgoing",
    3: "missed",
    4: "voicemail",
    5: "rejected",
    6: "refused",
    7: "answered on another device",
}
# <call presentation="…"> for calls without a number: 2 restricted, 3 unknown, 4 payphone.
CALL_PRESENTATION = {"2": "(private number)", "3": "(unknown number)", "4": "(payphone)"}
# <addr type="…">: PduHeaders FROM / TO / CC / BCC.
ADDR_FROM, ADDR_RECIPIENTS = "137", ("151", "130", "129")
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
NO_ADDRESS = "(no address)"
UNKNOWN_NAMES = {"", "null", "(Unknown)", "(unknown)"}


# ---------------------------------------------------------------- the byte stream, repaired

# <?xml version='1.0' encoding='UTF-8' standalone='yes' ?>
# <?xml-stylesheet type="text/xsl" href="sms.xsl"?>
# <!--File Created By SMS Backup & Restore v10.20.002 on 21/07/2024 11:20:32-->
# <smses count="58" backup_set="97e66a20-…" backup_date="1721556032311" type="full">
_PROLOG = re.compile(
    rb"\A(?:\xef\xbb\xbf)?(?:<\?xml\b.*?\?>)?(?:\s|<\?.*?\?>|<!--.*?-->)*<(!DOCTYPE|[A-Za-z_][\w.:-]*)", re.S
)
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


def _repair_run(run: bytes) -> tuple[bytes, int, int, int]:
    """A run of adjacent character references repaired: (the run as the parser gets it, surrogate
    pairs joined, references replaced by U+FFFD, references to U+FDD0-U+FDD3 written after _OWN_MARK)."""
    refs = [(m.group(0), int(m.group(1), 16) if m.group(1) else int(m.group(2))) for m in _REF.finditer(run)]
    if all(_xml_char(cp) and not 0xFDD0 <= cp <= 0xFDD3 for _, cp in refs):
        return run, 0, 0, 0
    out = []
    pairs = replaced = own = 0
    i = 0
    while i < len(refs):
        text, cp = refs[i]
        if 0xD800 <= cp <= 0xDBFF and i + 1 < len(refs) and 0xDC00 <= refs[i + 1][1] <= 0xDFFF:
            out.append(b"&#x%X;" % (0x10000 + ((cp - 0xD800) << 10) + (refs[i + 1][1] - 0xDC00)))
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
    return b"".join(out), pairs, replaced, own


class _Repair:
    """Counts what was repaired while rewriting character references chunk by chunk."""

    def __init__(self) -> None:
        self.pairs = 0  # surrogate pairs joined into one character
        self.replaced = 0  # lone surrogates, forbidden references and raw control bytes → U+FFFD
        self.pending = b""
        self.runs: dict[
            bytes, tuple[bytes, int, int, int]
        ] = {}  # _repair_run of short runs a backup repeats (`&#10;`, an emoji)
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


# ---------------------------------------------------------------- handles and conversations


def _present(value: str | None) -> str | None:
    """The literal "null" (and an empty string) means absent."""
    if value is None or value == "null" or value == "":
        return None
    return value


def _int(value: str | None) -> int | None:
    value = _present(value)
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


def _instant(ms: int) -> datetime | None:
    """Unix milliseconds as a UTC instant; None for a number no clock holds (before year 1, after
    9999: fromtimestamp raises ValueError, OverflowError or OSError by how far out it is)."""
    try:
        return from_unix_ms(ms)
    except (ValueError, OverflowError, OSError):
        return None


class _Refs:
    """How many records, and the first few of them, for a notice."""

    def __init__(self, separator: str = ", ") -> None:
        self.count = 0
        self.first: list[str] = []
        self.separator = separator

    def add(self, ref: str) -> None:
        self.count += 1
        if len(self.first) < 5:
            self.first.append(ref)

    def __bool__(self) -> bool:
        return self.count > 0

    def __str__(self) -> str:
        return self.separator.join(self.first) + (f" and {self.count - 5} more" if self.count > 5 else "")


def _undated(element: str, date: int, ref: str) -> Skipped:
    """A record whose `date` names no instant: 0 or below (what Android stores where it has no time;
    read, it would be 1 January 1970), or beyond what a clock holds (year 11476). Skipped, with why:
    no date is invented, and a message placed at one it never had would stand first in every
    transcript, at a time the evidence does not give."""
    if date <= 0 and _instant(date) is not None:
        return Skipped(
            f'{element} with date="{date}", which is no date (Android writes 0 where it has none): not archived,'
            " since no date is invented for it",
            ref,
        )
    return Skipped(f"{element} date {date} is outside the dates a clock can hold", ref)


def _wall(readable: str) -> tuple[datetime, timedelta] | None:
    """A `readable_date` as the wall-clock time it writes and how finely (a second, a minute, or a
    day where it has no time), where it is written in a form read unambiguously: a month by its
    name's first three letters (English, and those of the languages where they name the same
    month), or year-month-day. None for any other (02/03/2024 could be either month)."""
    date = _READABLE_DATE.match(readable)
    if date is None:
        return None
    if date.group(6):
        year, month, day = int(date.group(6)), int(date.group(7)), int(date.group(8))
    else:
        month = _MONTHS.get((date.group(1) or date.group(4)).lower())
        if month is None:
            return None
        year, day = int(date.group(5)), int(date.group(2) or date.group(3))
    hour = minute = second = 0
    precision = timedelta(days=1)
    rest = readable[date.end() :]
    if rest.strip():
        time = _READABLE_TIME.fullmatch(rest)
        if time is None:
            return None
        hour, minute, second = int(time.group(1)), int(time.group(2)), int(time.group(3) or 0)
        if time.group(4):
            if not 1 <= hour <= 12:
                return None
            hour = hour % 12 + (12 if time.group(4) in "Pp" else 0)
        precision = timedelta(seconds=1) if time.group(3) else timedelta(minutes=1)
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC), precision
    except ValueError:
        return None


def _agrees(instant: datetime | None, readable: tuple[datetime, timedelta] | int) -> bool:
    """Whether a `readable_date` (`_wall`, or the year it names) can be `instant` on a phone's
    clock: its wall time at most 12 hours behind or 14 ahead of UTC, within what the readable_date
    writes (its second, minute or day). A year alone agrees within a year (the clock's zone can
    put the last hours of a year in the next)."""
    if instant is None:
        return False
    if isinstance(readable, int):
        return abs(readable - instant.year) <= 1
    wall, precision = readable
    return wall - AHEAD_OF_UTC <= instant < wall + precision + BEHIND_UTC


def _name(value: str | None) -> str | None:
    if value is None or value.strip() in UNKNOWN_NAMES:
        return None
    return value.strip()


class _Address(NamedTuple):
    """An address as this backup's records write it, read three ways.

    `handle` is what the archive shows: phones.normalize_handle, except that a number with no
    country code that is not the region's ("0669462731" in a US archive) becomes the international
    number this same backup writes whose national form it is ("+33669462731"), when there is
    exactly one (`flag` "joined"); with none it stays as written (`flag` "number_as_written", which
    its records carry). `legacy` is the handle earlier versions gave it (phones.handle_key,
    "+10669462731"): message identities are computed from it, so a backup imported again into an
    archive they made finds every message, and a joined number keeps the ids it had before it was
    joined. `key` is its part of the conversation key: `legacy` (so such an archive's conversation
    goes on), except that a joined number is keyed by its international form, the conversation it
    shares with the records that write it so. Keys and legacy handles are hash inputs, never shown."""

    handle: str
    key: str
    legacy: str
    flag: str | None = None
    written: str | None = None  # the number as written (normalize_handle), for a flagged address
    joined_by: str | None = (
        None  # for one joined by what an earlier import read ("import 3, sms-….xml"), not by this backup
    )


class _Thread(NamedTuple):
    conversation: Conversation
    counterpart: Participant | None
    legacy: str  # the conversation key earlier versions computed: the identity's key
    spelled: tuple  # the flagged addresses in it (_Address.flag)

    @property
    def identity_key(self) -> str | None:
        """Message.identity_key: the legacy key where the conversation's own differs (a joined number)."""
        return self.legacy if self.legacy != self.conversation.source_key else None


def _key(addresses, others: tuple[str, ...]) -> str | None:
    """The conversation key of `others` (handles) from their addresses' key parts; None when it is
    the handles themselves."""
    parts: dict[str, str] = {}
    for a in addresses:
        if a.handle in others and a.key != a.handle:
            parts[a.handle] = min(parts.get(a.handle, a.key), a.key)
    if not parts:
        return None
    return "~".join(sorted(parts.get(h, h) for h in others))


def _other_keys(addresses, key: str, legacy: str) -> tuple[str, ...]:
    """The keys the thread keyed `key` has where a number this backup joins with its international
    form (_Address "joined") was read as written: by this version, from a backup that does not write
    the international form (a number kept as written is keyed by its legacy handle), or by earlier
    versions (`legacy`). Each joined number either way, in every combination (up to three joined
    numbers in one thread; beyond, `legacy` alone). Keys, never shown: ingest finds the archived
    conversation under any of them and re-keys it (model.Conversation.other_keys)."""
    swaps: dict[str, set[str]] = {}
    for a in addresses:
        if a.flag == "joined":
            swaps.setdefault(a.handle, set()).add(a.legacy)
    if not swaps:
        return ()
    keys = {legacy}
    if len(swaps) <= 3:
        parts = [(part, *sorted(swaps.get(part, ()))) for part in key.split("~")]
        keys.update("~".join(sorted(choice)) for choice in itertools.product(*parts))
    keys.discard(key)
    return tuple(sorted(keys))


def _joined(handles: tuple[str, ...]) -> str:
    """The conversation key of these handles: "~"-joined (they are sorted)."""
    return "~".join(handles) if handles else NO_ADDRESS


def _conversations(numbers: tuple[int, ...]) -> str:
    numbers = sorted(set(numbers))
    return f"conversation{'s' if len(numbers) > 1 else ''} {', '.join(map(str, numbers))}"


def _country(international: str) -> str:
    number = phonenumbers.parse(international, None)
    region = phonenumbers.region_code_for_number(number)
    return f"{region} (+{number.country_code})" if region else f"its country (+{number.country_code})"


# <sms … address="+33669462731" …>, <addr address="0669462731" …>, <call number="+33669462731" …>
# (The name found first, then the blank before it: as fast as the name alone, and "xaddress=" is no address.)
_ADDRESS_VALUE = {
    name: re.compile(name + rb"(?<=\s" + name + rb""")=(?:"([^"<]*)"|'([^'<]*)')""") for name in (b"address", b"number")
}


def _raw_reads(path: Path) -> Iterator[bytes]:
    """The backup's bytes (a UTF-16 one's as UTF-8), SCAN_CHUNK at a time: for the passes that
    read it without the XML parser (`_international_forms`, `_own_numbers_in`)."""
    with open(path, "rb") as raw:
        fh = _Utf16AsUtf8(raw) if raw.read(2) in (b"\xff\xfe", b"\xfe\xff") else raw
        fh.seek(0)
        while chunk := fh.read(SCAN_CHUNK):
            yield chunk


def _text(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    return html.unescape(text) if "&" in text else text


def _international_forms(path: Path, region: str, root: str) -> dict[str, set[str]]:
    """Every international number the backup writes (an address, or a call's number, that reads as
    E.164), by the digits it is dialed with in its own country: "0669462731" -> {"+33669462731"}.
    One pass over the raw bytes, without the XML parser: the attribute values as written, their
    character references read. A value a read cuts in two is read whole with the next read."""
    name = b"number" if root == "calls" else b"address"
    pattern = _ADDRESS_VALUE[name]
    values: set[bytes] = set()
    tail = b""
    for chunk in _raw_reads(path):
        data = tail + chunk if tail else chunk
        for double, single in pattern.findall(data):
            values.add(double or single)
        # Read again with the next: the last value if it is not whole (with the blank before its
        # name), else what could begin the attribute's name.
        last = data.rfind(name + b"=", max(1, len(data) - SCAN_TAIL))
        whole = last >= 0 and pattern.match(data, last) is not None
        tail = data[last - 1 :] if last >= 0 and not whole else data[-len(name) - 1 :]
    for double, single in pattern.findall(tail):
        values.add(double or single)
    forms: dict[str, set[str]] = {}
    for value in values:
        for raw_address in _text(value).split("~"):
            handle = phones.normalize_handle(raw_address, region) if raw_address.strip() else ""
            if handle.startswith("+"):
                digits = phones.national_digits(handle)
                if digits:
                    forms.setdefault(digits, set()).add(handle)
    return forms


def _own_numbers(direction: str, addrs, numbers: frozenset[str]) -> list[str]:
    """The owner's `numbers` an MMS names as this phone's own: its sender (137) on one the phone
    sent, a "to" (151) on one it received. (Not the reverse: the owner's other phone may be the
    one that sent it, or another recipient of a group message.)"""
    own = ADDR_FROM if direction == "out" else "151"
    return [h for t, h in addrs if t == own and h in numbers]


# <mms … msg_box="2" …> … <addr address="+12025550101" type="137" charset="106" /> … </mms>
_OWN_TAG = re.compile(rb"""<(mms|addr)\b((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(/?)>""")
_ATTRIBUTE = re.compile(rb"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
# <sms … sub_id="1" … />, <mms … sub_id="1">, <call … sub_id="2" … />: a record's sub_id, the values
# before it skipped whole (a body may say sub_id=); _ANY_SIM finds each, and maybe more (in a body).
_SIM = re.compile(
    rb"""<(?:sms|mms|call)\b(?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*?\s+sub_id\s*=\s*(?:"([^"]*)"|'([^']*)')"""
)
_ANY_SIM = re.compile(rb"""sub_id\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def _values(attributes: bytes) -> dict[bytes, bytes]:
    """The attributes of a tag _OWN_TAG matched, by name (each value read whole: a value cannot pass for an attribute)."""
    return {name: double or single for name, double, single in _ATTRIBUTE.findall(attributes)}


def _own_numbers_in(path: Path, region: str, numbers: frozenset[str]) -> tuple[dict[str, _Refs], set[str]]:
    """Which of the owner's `numbers` the backup's MMS name as the phone's own (`_own_numbers`),
    each with the MMS that name it, and the SIMs (`sub_id` 0 and above) its records were sent or
    received with. One pass over the raw bytes without the XML parser, as `_international_forms`:
    read before the records, whose sender it decides. Cheap beside the parse: a regular expression
    per read finds the sub_id values, and bytes.find jumps from an MMS to its <addr> and its end,
    past the media, then to the next MMS; an address is normalized once. A start
    tag holds no "<", so every tag that begins before the last "<" of a read ends within it; the rest
    is read with the next."""
    named: dict[str, _Refs] = {}
    sims: set[bytes] = set()  # every sub_id as written
    handles: dict[bytes, str] = {}  # an address as written -> normalized
    n_mms = 0
    direction, addrs, in_mms = None, [], False  # of the MMS being read

    def close_mms() -> None:
        nonlocal direction, in_mms
        for number in _own_numbers(direction, addrs, numbers) if direction else ():
            named.setdefault(number, _Refs()).add(f"mms {n_mms}")
        direction, in_mms = None, False

    def sub_ids(data: bytes, start: int, stop: int) -> None:
        # A backup writes one or two sub_id values a million times: where _ANY_SIM finds none but
        # those already read, _SIM (several times slower) has nothing to add.
        if not sims.issuperset(double or single for double, single in _ANY_SIM.findall(data, start, stop)):
            sims.update(double or single for double, single in _SIM.findall(data, start, stop))

    def read(data: bytes, end: int) -> None:
        nonlocal n_mms, direction, addrs, in_mms
        at = 0
        while True:
            if not in_mms:  # the records up to the next MMS, then its start tag
                lt = data.find(b"<mms", at, end)
                sub_ids(data, at, end if lt < 0 else lt)
                if lt < 0:
                    return
                tag = _OWN_TAG.match(data, lt, end)
                if tag is None or tag.group(1) != b"mms":
                    at = lt + 4
                    continue
                sub_ids(data, lt, tag.end())
                n_mms += 1
                box = _int(_text(_values(tag.group(2)).get(b"msg_box", b"")))
                direction, addrs, in_mms = "in" if box == 1 else ("out" if box in BOX_STATUS else None), [], True
                at = tag.end()
                if tag.group(3):  # <mms … />: nothing inside
                    close_mms()
                    continue
            # Inside an MMS, from "<" to "<" (memchr: past the media in one step) to its end.
            lt = data.find(b"<", at, end)
            while lt >= 0 and not data.startswith(b"</mms", lt):
                tag = _OWN_TAG.match(data, lt, end) if data.startswith(b"<addr", lt) else None
                if tag is not None and tag.group(1) == b"addr":
                    values = _values(tag.group(2))
                    address, kind = values.get(b"address"), values.get(b"type")
                    if address and kind:
                        if address not in handles:
                            handles[address] = phones.normalize_handle(_text(address), region)
                        addrs.append((_text(kind), handles[address]))
                lt = data.find(b"<", lt + 1, end)
            if lt < 0:
                return
            close_mms()
            at = lt + 5

    tail = b""
    for chunk in _raw_reads(path):
        data = tail + chunk if tail else chunk
        cut = data.rfind(b"<", max(0, len(data) - SCAN_TAIL))
        cut = len(data) if cut < 0 else cut
        read(data, cut)
        tail = data[cut:]
    read(tail, len(tail))
    if in_mms:
        close_mms()
    return named, {sim for sim in (_text(raw).strip() for raw in sims) if sim.isdigit()}


class _Reader:
    def __init__(self, path: Path, options: ImportOptions, root: str = "smses"):
        self.path = path
        self.root = root  # smses or calls: which attribute holds the numbers
        self.region = options.region
        self.addresses: dict[str, _Address] = {}
        self.forms: dict[str, set[str]] | None = None  # international numbers in this backup, by national digits
        self.joined_keys = options.joined_keys
        self.joins: dict[str, dict[str, str]] | None = None  # what earlier imports joined (`joined_before`)
        self.archived_numbers = options.archived_numbers
        self.archived_as_written = {n: held for n, held in options.archived_numbers.items() if n.isdigit()}
        self.maybe_same: dict[str, tuple[str, tuple[int, ...]]] = {}  # (`written_elsewhere`)
        self.spelled: dict[_Address, _Refs] = {}  # an address kept as written or joined -> the records naming it
        # Reader.instant: dates read as seconds, and what the readable_date of each says (READABLE: a
        # contradiction with both values); dates small enough to be seconds that readable_date says are milliseconds.
        self.in_seconds, self.ms_by_readable = _Refs(), _Refs()
        self.readable = {how: _Refs("; " if how == CONTRADICTS else ", ") for how in READABLE}
        self.notices: list[Notice] = []  # said before the records, or after the record they are about
        archived = frozenset(options.owner_handles)
        # --me counts here only as an address (the number of the phone the backup came from): the
        # same command may carry the owner's name for a WhatsApp file beside this backup.
        me = phones.normalize_handle(options.me, self.region) if options.me else None
        if me is not None and not (me.startswith("+") or phones.is_email(me)):
            me = None
        self.custodian = options.custodian  # a client's name: the phone is theirs (`framed`)
        self.archive_owner, self.archive_owner_name = archived, options.owner_name
        self.owned: dict[str, _Refs] = {}  # those the MMS read so far name as this phone's (`_own_numbers`)
        if self.custodian:
            # "This phone" is the client's, its number the one of theirs ingest checked (--me): what it
            # sent is theirs, and the archive owner is one of the people it writes to.
            self.owners = frozenset(options.custodian_handles) | {me}
            self.owner_name, self.numbers = self.custodian, frozenset()
            self.owner_handle, self.owner_by = me, "custodian"
        else:
            self.owners = (archived | {me}) if me else archived
            self.owner_name = options.owner_name
            self.numbers = frozenset(h for h in archived if h.startswith("+"))  # the owner's phone numbers (settings)
            self.owner_handle, self.owner_by = self.phone_number(archived, me, options.me)
        self.in_owner_frame: dict[
            Conversation, Conversation
        ] = {}  # a conversation of the client's phone -> the archive's (`framed`)
        self.owner_as_sender: dict[str, Participant] = {}  # the archive owner, by number, on a client's phone
        self.conversations: dict[tuple, Conversation] = {}
        self.sms_threads: dict[tuple, tuple[Conversation, Participant | None]] = {}
        self.sms_types: dict[str | None, tuple] = {}
        self.owners_as_sender: dict[str | None, Participant] = {}
        self.assumed_owner = False

    def phone_number(self, archived: frozenset[str], me: str | None, me_as_given: str | None) -> tuple[str | None, str]:
        """This phone's number, the sender of what it sent, and what says so: "--me" (one of the
        owner's numbers), "only" (the owner has one number), "backup" (of the owner's numbers, its
        MMS name exactly one as the phone's own), "none" (the owner has several and nothing says
        which: what it sent is the owner's, with no number), "archive" (the owner has no number:
        --me, else the archive's first address, as earlier versions did). A backup says nothing
        else of its own number: an <sms> has no sender address. Said, except where --me or the
        backup prove it (`owner_notices` says the rest once the backup is read)."""
        numbers = sorted(self.numbers)
        if not numbers:
            return me or (sorted(archived)[0] if archived else None), "archive"
        if me is not None and me not in archived:
            but = (
                f"but what this phone sent is attributed to the archive's number {numbers[0]}"
                if len(numbers) == 1
                else "but not as this phone's number"
            )
            self.notices.append(
                Notice(
                    f"--me {me_as_given!r} ({me}) is not one of the archive's own numbers or emails: it counts as"
                    f" yours, {but}",
                    "assumption",
                )
            )
        if me in self.numbers:
            if len(numbers) > 1:
                self.notices.append(
                    Notice(
                        f"this phone's number is {me}, as --me says (the owner's numbers are {', '.join(numbers)}):"
                        " what it sent is attributed to it",
                        "assumption",
                    )
                )
            return me, "--me"
        if len(numbers) == 1:
            return numbers[0], "only"
        # (A call log names no number as the phone's own: it has no MMS.)
        named, sims = _own_numbers_in(self.path, self.region, self.numbers) if self.root != "calls" else ({}, set())
        if len(named) == 1 and len(sims) <= 1:
            ((number, refs),) = named.items()
            others = ", ".join(n for n in numbers if n != number)
            self.notices.append(
                Notice(
                    f"this phone's number is {number}: its MMS name it as the phone's own ({refs}), and none names"
                    f" the owner's other number{'s' if len(numbers) > 2 else ''} ({others}); what it sent is"
                    f" attributed to {number}",
                    "assumption",
                )
            )
            return number, "backup"
        if len(sims) > 1 and named:
            why = (
                f"its records were sent and received with {len(sims)} SIMs (sub_id {', '.join(sorted(sims, key=int))}), and an MMS"
                " names the number of its own SIM only"
            )
        elif named:
            why = (
                "its MMS name more than one as the phone's own ("
                + "; ".join(f"{n}: {refs}" for n, refs in sorted(named.items()))
                + ")"
            )
        else:
            why = "no MMS of this backup names the phone's own number, and --me did not"
        self.notices.append(
            Notice(
                f"which of the owner's numbers ({', '.join(numbers)}) this phone had is not known: {why}; what it"
                f" sent is attributed to {self.owner_name}, with no number (--me with the phone's number names it)",
                "assumption",
            )
        )
        return None, "none"

    def owner_notices(self, read_any: bool) -> Iterator[Notice]:
        """What the backup, once read, says of the number `phone_number` took."""
        if self.owner_by == "only" and read_any and self.owner_handle not in self.owned:
            yield Notice(
                f"this phone's number is taken to be {self.owner_handle}, the owner's only number in the archive, and what it sent"
                " is attributed to it: no MMS of this backup names the phone's own number, and --me did not",
                "assumption",
            )
        elif self.owner_by == "--me" and len(self.numbers) > 1:
            others = {n: refs for n, refs in self.owned.items() if n != self.owner_handle}
            if others:
                yield Notice(
                    f"--me says this phone's number is {self.owner_handle}, but its MMS name "
                    + "; ".join(f"{n} ({refs})" for n, refs in sorted(others.items()))
                    + f" as the phone's own: what it sent is attributed to {self.owner_handle}, as --me says, except an MMS"
                    " that names its sender"
                )
        elif self.owner_by == "archive" and self.assumed_owner:
            yield Notice(
                f"the owner's number is unknown (no phone in the archive settings, no --me): messages sent from this phone are"
                f" attributed to {self.owner_name!r}",
                "assumption",
            )

    def said(self) -> list[Notice]:
        """The notices gathered so far, handed over once."""
        notices, self.notices = self.notices, []
        return notices

    def address(self, raw: str) -> _Address:
        """How an address as written is read (see _Address), cached per raw spelling."""
        found = self.addresses.get(raw)
        if found is not None:
            return found
        handle = phones.normalize_handle(raw, self.region)
        key = phones.handle_key(raw, self.region)
        if phones.written_without_code(handle, self.region):
            international = self.international(handle)
            if international is not None:
                found = _Address(international, international, key, "joined", handle)
            elif not self.forms.get(handle) and len(earlier := self.joined_before().get(handle, {})) == 1:
                ((international, where),) = earlier.items()
                found = _Address(international, international, key, "joined", handle, where)
            else:
                found = _Address(handle, key, key, "number_as_written", handle)
        else:
            found = _Address(handle, key, key)
            if self.archived_as_written and handle.startswith("+") and handle not in self.archived_numbers:
                self.written_elsewhere(handle)
        if len(self.addresses) < 100_000:
            self.addresses[raw] = found
        return found

    def joined_before(self) -> dict[str, dict[str, str]]:
        """The numbers earlier imports joined with their international form (`ImportOptions.joined_keys`:
        a conversation keyed by the international number, known too under the key the number has as
        written), by the number as written: {"0669462731": {"+33669462731": "import 1 of sms.xml"}}.
        Worked out once, when a number written without a country code that this backup does not
        join turns up."""
        if self.joins is None:
            self.joins = {}
            for other, (own, where) in self.joined_keys.items():
                was, now = set(other.split("~")), set(own.split("~"))
                for number in now - was:
                    digits = phones.national_digits(number) if number.startswith("+") else None
                    if digits and phones.handle_key(digits, self.region) in was - now:
                        self.joins.setdefault(digits, {})[number] = where
        return self.joins

    def written_elsewhere(self, international: str) -> None:
        """Notes an international number of another country whose national form the people of an
        archived conversation have as written: maybe one person, which nothing proves (`spelling_notices`)."""
        digits = phones.national_digits(international)
        held = self.archived_as_written.get(digits) if digits else None
        if held:
            self.maybe_same[international] = (digits, held)

    def international(self, digits: str) -> str | None:
        """The one international number this backup writes whose national form is `digits`. The
        backup is read for its addresses once, when the first number written without a country
        code that is not the region's turns up (a backup with none is never read twice)."""
        if self.forms is None:
            self.forms = _international_forms(self.path, self.region, self.root)
        found = self.forms.get(digits, ())
        return next(iter(found)) if len(found) == 1 else None

    def instant(self, date: int, readable: str | None, ref: str) -> datetime | None:
        """A `date` below 10^11 as an instant (None for 0 and below: no date, `_undated`). In
        milliseconds it would be before March 1973 (no SMS is that old); some writers put seconds,
        which reach the year 5138: it is read as seconds, unless its `readable_date` (the app's own
        rendering of the date, in the phone's zone and language) says milliseconds (`_agrees`).
        A readable_date that fits neither reading contradicts the date: the record is named, with
        both values, and keeps the date as read. Counted, and said once (`date_notices`)."""
        if date <= 0:
            return None
        as_seconds = _instant(date * 1000)
        read, detail = _wall(readable) if readable else None, ref
        if read is None and readable:
            match = _YEAR.search(readable)
            read = int(match.group(0)) if match is not None else None
        if read is None:
            how = "names no year" if readable else "is absent"
        elif _agrees(as_seconds, read):
            how = "agrees" if isinstance(read, tuple) else "agrees in its year (a form read no further)"
        elif _agrees(as_ms := _instant(date), read):
            self.ms_by_readable.add(ref)
            return as_ms
        else:
            how = CONTRADICTS
            detail = f'{ref}: date="{date}" read as seconds is {as_seconds:%Y-%m-%d %H:%M:%S} UTC, readable_date="{readable}"'
        self.readable[how].add(detail)
        self.in_seconds.add(ref)
        return as_seconds

    def date_notices(self) -> Iterator[Notice]:
        seconds, ms, contradicts = self.in_seconds, self.ms_by_readable, self.readable[CONTRADICTS]
        if seconds:
            said = [
                f"{how} for {refs.count} ({refs if how != CONTRADICTS else 'named below'})"
                for how, refs in self.readable.items()
                if refs
            ]
            yield Notice(
                f"read {seconds.count} date{'s' if seconds.count > 1 else ''} as seconds, not milliseconds ({seconds}):"
                " a value below 100,000,000,000 is before March 1973 in milliseconds"
                + ("; readable_date " + ", ".join(said) if said else ""),
                "assumption",
            )
        if contradicts:
            yield Notice(
                f"readable_date contradicts the date for {contradicts.count} record{'s' if contradicts.count > 1 else ''}:"
                f" {contradicts}. A readable_date is the phone's clock, at most 12 hours behind and 14 hours ahead of UTC"
                " (whatever its zone), to the second, minute or day it writes: each record keeps its date as read"
            )
        if ms:
            yield Notice(
                f"read {ms.count} date{'s' if ms.count > 1 else ''} small enough to be seconds as milliseconds ({ms}):"
                " their readable_date says so",
                "assumption",
            )

    def spelled_in(self, addresses, ref: str) -> frozenset:
        """Counts a record that names an address kept as written or joined; its flags (a joined
        number has none: the record shows the number the backup itself writes elsewhere, and two
        copies of one message, one written each way, must not differ)."""
        flags = set()
        # (a set: in a fixed order, or the notices' order changes from run to run)
        for address in sorted(addresses, key=repr):
            if address.flag is not None:
                if address.flag == "number_as_written":
                    flags.add(address.flag)
                seen = self.spelled.get(address)
                if seen is None:
                    seen = self.spelled[address] = _Refs()
                seen.add(ref)
        return frozenset(flags)

    def spelling_notices(self) -> Iterator[Notice]:
        """What was kept as written and what was joined with what, and why: one notice per number."""
        code = phonenumbers.country_code_for_region(self.region)
        for address, where in self.spelled.items():
            written = address.written
            if address.flag == "joined":
                why = (
                    f"this backup also writes {address.handle}"
                    if address.joined_by is None
                    else f"an earlier import ({address.joined_by}) read a backup that writes both and joined them (this one writes only"
                    f" {written})"
                )
                yield Notice(
                    f"{written} ({where}) is read as {address.handle}: it has no country code and is not a number of region"
                    f" {self.region}, it is how {address.handle} is written within {_country(address.handle)}, and {why}:"
                    " the two are one handle",
                    "assumption",
                )
                continue
            candidates = sorted((self.forms or {}).get(written, ()))
            also = (
                f"; it could be {' or '.join(candidates)}, all written in this backup, so it is joined with none"
                if len(candidates) > 1
                else self.archived_forms(written)
            )
            yield Notice(
                f"{written} ({where}) has no country code and is not a number of region {self.region}: kept as written,"
                f' not given +{code}{also} (flagged "number as written")'
            )
        joined = {a.handle for a in self.spelled if a.flag == "joined"}
        for international, (written, held) in self.maybe_same.items():
            if international in joined:  # (this backup writes both: said above)
                continue
            yield Notice(
                f"{international}, which this backup writes, is {written} as written within {_country(international)}:"
                f" {_conversations(held)} {'has' if len(held) == 1 else 'have'} {written}, with no country code. It may be"
                " the same person, but neither this backup nor an earlier one writes both, so they are not joined (a backup"
                " that writes both joins them)"
            )

    def archived_forms(self, written: str) -> str:
        """What the notice of a number kept as written says of the archived conversations with an
        international number whose national form it is: maybe the same person, not joined."""
        held = sorted(
            {
                (n, c)
                for n, convs in self.archived_numbers.items()
                if n.startswith("+") and n.endswith(written[-4:]) and phones.national_digits(n) == written
                for c in convs
            }
        )
        if not held:
            return ""
        numbers = sorted({n for n, _ in held})
        return (
            f"; {_conversations(tuple(c for _, c in held))} {'has' if len(held) == 1 else 'have'} {' or '.join(numbers)},"
            f" which is written so within {_country(numbers[0])}: it may be the same person, but neither this backup nor an earlier"
            " one writes both, so they are not joined (a backup that writes both joins them)"
        )

    def owner(self, handle: str | None = None) -> Participant:
        found = self.owners_as_sender.get(handle)
        if found is None:
            own = handle or self.owner_handle
            if own is None:
                own = self.owner_name
            found = self.owners_as_sender[handle] = Participant(own, self.owner_name, self.custodian is None)
        if handle is None and self.owner_handle is None:
            self.assumed_owner = True
        return found

    def conversation(
        self,
        others: tuple[str, ...],
        title: str | None,
        group: bool,
        names: dict,
        members: tuple[str, ...] = (),
        own: str | None = None,
        key: str | None = None,
        other_keys: tuple[str, ...] = (),
    ) -> Conversation:
        """The conversation with `others` (sorted handles without the owner); `members` are further
        people seen in it (an RCS group's members), `own` the owner's handle on it. Its key is
        `others` joined by "~", unless `key` says otherwise (a number kept as written: _Address);
        `other_keys` are those of the same thread read another way (`_other_keys`)."""
        cache_key = (others, title, members, own, key, other_keys, tuple(names.items()))
        found = self.conversations.get(cache_key)
        if found is not None:
            return found
        if key is None:
            key = _joined(others)
        people = [Participant(h, names.get(h)) for h in others]
        people += [Participant(h) for h in members if h not in others]
        own = own or self.owner_handle
        if own is not None:
            people.append(Participant(own, self.owner_name, self.custodian is None))
        found = Conversation(PLATFORM, key, title, group, tuple(people), other_keys)
        if len(self.conversations) > 50_000:
            self.conversations.clear()
        self.conversations[cache_key] = found
        return found

    # <mms … address="+12025550109~+12025550112" contact_name="Bea, Cy">
    def names(self, listed: list[_Address], contact_name: str | None) -> dict[str, str]:
        """The name of each person of a group thread, where `contact_name` gives them: the app writes
        one name per address of the `address` list, in its order, joined by ", ". Only where there
        are exactly as many names as addresses: a list the app cut short ("Emily, Lisa, +2 more"), one
        name for the whole group, or a name holding ", " itself names nobody (no name is guessed;
        the list as written stays the conversation's title).
        A place holding the number itself (or "(Unknown)") names no one; one holding another number
        shows the names are not in that order: then none is taken. Two names for one handle: neither."""
        parts = contact_name.split(", ") if contact_name else []
        if len(listed) < 2 or len(parts) != len(listed):
            return {}
        names: dict[str, str | None] = {}
        for address, part in zip(listed, parts):
            name = _name(part)
            if name is None:
                continue
            read = self.address(name)
            if read.handle.startswith("+") or read.handle.isdigit():  # a number, not a name
                if address.handle not in (read.handle, read.written):
                    return {}
                continue
            names[address.handle] = name if names.get(address.handle, name) == name else None
        return {handle: name for handle, name in names.items() if name is not None and handle not in self.owners}

    def one_to_one(self, raw_address: str | None, contact_name: str | None) -> _Thread:
        address = _present(raw_address)
        found = self.address(address) if address else _Address(NO_ADDRESS, NO_ADDRESS, NO_ADDRESS)
        handle = found.handle
        name = _name(contact_name)
        conversation = self.conversation(
            (handle,),
            name,
            False,
            {handle: name},
            key=found.key,
            other_keys=_other_keys((found,), found.key, found.legacy) if found.flag else (),
        )
        return _Thread(conversation, Participant(handle, name), found.legacy, (found,) if found.flag else ())

    def framed(self, record: Record) -> Record:
        """A record of a client's phone as the archive holds it, in its owner's frame (module docstring):
        what the phone sent is "in", from the client; what it received from one of the owner's numbers
        is "out", from the owner, as on the owner's phone; anything else is "in" from its sender. The
        identity is the phone's own (its date, its direction), with the phone's number: ingest matches
        it to the other phone's copy of the same message."""
        if self.custodian is None or type(record) is not Message:
            return record
        direction, sender = record.direction, record.sender
        if direction == "out":
            direction = "in"
        elif direction == "in" and sender is not None and sender.handle in self.archive_owner:
            direction, sender = (
                "out",
                self.owner_as_sender.get(sender.handle)
                or self.owner_as_sender.setdefault(
                    sender.handle, Participant(sender.handle, self.archive_owner_name, True)
                ),
            )
        return replace(
            record,
            conversation=self.owner_frame(record.conversation),
            direction=direction,
            sender=sender,
            identity=(*record.identity, "on the phone of", self.owner_handle),
            identity_key=record.identity_key or record.conversation.source_key,
        )

    def owner_frame(self, conversation: Conversation) -> Conversation:
        """A conversation of a client's phone as the archive keys it: by its people without the archive's
        owner (the client among them), as the owner's phone keys the same thread. A thread the owner is
        not in (the client and their spouse) is a conversation of its own, whose key says so: the owner's
        group with the same people is another one. Its title is the phone's name for it only then (the
        owner's copy names the others)."""
        found = self.in_owner_frame.get(conversation)
        if found is None:
            with_owner = any(p.handle in self.archive_owner for p in conversation.participants)
            people = tuple(
                Participant(p.handle, self.archive_owner_name, True) if p.handle in self.archive_owner else p
                for p in conversation.participants
            )
            others = sorted({p.handle for p in people if not p.is_owner})
            key = "~".join(others) if with_owner else f"{'~'.join(others)} without the owner"
            found = Conversation(
                PLATFORM,
                key,
                None if with_owner else conversation.title,
                len(others) > (1 if with_owner else 2),
                people,
            )
            if len(self.in_owner_frame) > 50_000:
                self.in_owner_frame.clear()
            self.in_owner_frame[conversation] = found
        return found

    # ------------------------------------------------------------ <sms>

    # <sms protocol="0" address="+12025550123" date="1512226167463" type="1" subject="null" body="Hi"
    #      toa="null" sc_toa="null" service_center="+12063130004" read="1" status="-1" locked="0"
    #      date_sent="1512226166000" sub_id="-1" readable_date="Dec 2, 2017 06:49:27" contact_name="Ann" />
    def sms(self, attrib: dict, ref: str) -> Record:
        get = attrib.get
        try:
            date = int(get("date"))
        except (TypeError, ValueError):
            return Skipped(f"sms without a valid date ({get('date')!r})", ref)
        sent_at = _instant(date) if date >= SECONDS_BELOW else self.instant(date, get("readable_date"), ref)
        if sent_at is None:
            return _undated("sms", date, ref)
        raw_type = get("type")
        box_type = self.sms_types.get(raw_type)
        if box_type is None:
            box_type = self.sms_type(raw_type)
        box, direction, status, flags = box_type
        raw_address, contact_name = get("address"), get("contact_name")
        thread = self.sms_threads.get((raw_address, contact_name))
        if thread is None:
            thread = self.sms_thread(raw_address, contact_name)
        conversation, counterpart = thread.conversation, thread.counterpart
        if thread.spelled:
            flags = flags | self.spelled_in(thread.spelled, ref)
        if box == 2 and _int(get("status")) == 64:  # delivery report: failed
            status, flags = "delivery failed", flags | {"failed"}
        body = get("body")
        if body is None or body == "null":
            body = ""
        subject = get("subject")
        if subject and subject != "null":
            text = f"Subject: {subject}\n\n{body}"
        else:
            text = body
            if not text:
                flags = flags | {"empty_body"}
        if direction == "in":
            sender = counterpart
        elif direction == "out":
            sender = self.owner()
        else:
            sender = None
            said = (
                f'type="{raw_type}", which is not one Android writes ({KNOWN_BOXES})' if status != "no type" else status
            )
            self.notices.append(
                Notice(
                    f"{ref}: {said}: whether it was sent or received is unknown; kept with no sender"
                    " and no direction (a system line, marked direction unknown)"
                )
            )
        return Message(
            conversation=conversation,
            # Identity as earlier versions keyed it (they read an unknown type as "in"): an archive
            # made by them must not get a second copy of the message when it is imported again.
            identity=(
                "sms",
                thread.legacy,
                date,
                direction if direction != "system" else "in",
                _read_before(attrib, "body", body),
            ),
            sent_at=sent_at,
            direction=direction,
            sender=sender,
            body=text,
            source_zone="UTC",
            service="SMS",
            status=status,
            flags=flags,
            source_ref=ref,
            identity_key=thread.identity_key,
        )

    def sms_type(self, raw_type: str | None) -> tuple[int | None, str, str, frozenset]:
        """(box, direction, status, flags) of an <sms type="…">, cached per spelling.

        No type, or one Android does not write: neither "in" nor "out" (either would say who wrote
        it); the archive has no "unknown" direction, so it is a system line marked direction_unknown."""
        box = _int(raw_type)
        if box in BOX_STATUS:
            found = box, "in" if box == 1 else "out", BOX_STATUS[box], BOX_FLAGS.get(box, frozenset())
        else:
            status = "no type" if box is None and _present(raw_type) is None else f"type {raw_type}"
            found = box, "system", status, frozenset({"direction_unknown"})
        if len(self.sms_types) < 1000 and len(raw_type or "") <= 16:
            self.sms_types[raw_type] = found
        return found

    def sms_thread(self, raw_address: str | None, contact_name: str | None) -> _Thread:
        """The conversation of an <sms> and the other person in it, cached per (address, contact_name) as written."""
        address = _present(raw_address)
        if address and "~" in address:
            listed = [self.address(a) for a in address.split("~") if a.strip()]
            spelled = set(listed)
            others = tuple(sorted({a.handle for a in spelled} - self.owners))
            key = _key(spelled, others) or _joined(others)
            legacy = "~".join(sorted({a.legacy for a in spelled} - self.owners)) or NO_ADDRESS
            conversation = self.conversation(
                others,
                _name(contact_name),
                len(others) > 1,
                self.names(listed, contact_name),
                key=key,
                other_keys=_other_keys(spelled, key, legacy),
            )
            found = _Thread(
                conversation,
                Participant(others[0]) if len(others) == 1 else None,
                legacy,
                tuple(a for a in spelled if a.flag),
            )
        else:
            found = self.one_to_one(raw_address, contact_name)
        if len(self.sms_threads) > 100_000:
            self.sms_threads.clear()
        self.sms_threads[(raw_address, contact_name)] = found
        return found

    # ------------------------------------------------------------ <mms>

    # <mms date="1721334048000" msg_box="2" address="+12025550109~+12025550112" m_id="0718…" date_sent="0"
    #      sub="null" m_type="128" contact_name="Bea, Cy">
    #   <parts><part seq="-1" ct="application/smil" text="&lt;smil&gt;…" />
    #          <part seq="0" ct="image/jpeg" name="null" chset="null" cl="image_11.jpg" text="null" data="/9j/4AAQ…" />
    #          <part seq="0" ct="text/plain" chset="106" cl="text_12.txt" text="Look!" /></parts>
    #   <addrs><addr address="+12025550107" type="137" charset="106" />
    #          <addr address="+12025550109" type="151" charset="106" /> …</addrs>
    # </mms>
    def mms(self, attrib: dict, children: list[tuple[str, dict]], ref: str) -> Iterator[Record]:
        """`children`: (container tag, attributes) of each element inside <addrs> and <parts>, in order."""
        get = attrib.get
        date = _int(get("date"))
        if date is None:
            yield Skipped(f"mms without a valid date ({get('date')!r})", ref)
            return
        sent_at = _instant(date) if date >= SECONDS_BELOW else self.instant(date, get("readable_date"), ref)
        if sent_at is None:
            yield _undated("mms", date, ref)
            return
        written = box = _int(get("msg_box"))
        typed: list[tuple[str, _Address]] = []  # (type, address) of each <addr>
        parts = []
        for container, child in children:
            if container == "addrs":
                raw = _present(child.get("address"))
                if raw and raw != "insert-address-token":
                    typed.append((child.get("type") or "", self.address(raw)))
            elif container == "parts":
                parts.append(child)
        addrs = [(t, a.handle) for t, a in typed]
        sender_handle = next((h for t, h in addrs if t == ADDR_FROM), None)
        address = _present(get("address"))
        threaded = [self.address(a) for a in address.split("~") if a.strip()] if address else []
        listed = {a.handle for a in threaded}
        status = BOX_STATUS.get(box)
        flags = BOX_FLAGS.get(box, frozenset())
        if status is None:
            # No msg_box (hand-made backups) or one Android does not write: from me when the sender
            # is mine or not among the thread's addresses; with no sender, no direction (as an <sms>).
            said = (
                "no msg_box"
                if box is None
                else f'msg_box="{get("msg_box")}", which is not one Android writes ({KNOWN_BOXES})'
            )
            written_status = "no msg_box" if box is None else f"msg_box {get('msg_box')}"
            if sender_handle is None:
                box, status, flags = None, written_status, frozenset({"direction_unknown"})
                yield Notice(
                    f"{ref}: {said} and no sender address: whether it was sent or received is unknown; kept with"
                    " no sender and no direction (a system line, marked direction unknown)"
                )
            else:
                box = 2 if sender_handle in self.owners or (listed and sender_handle not in listed) else 1
                status = BOX_STATUS[box] if written is None else written_status
                yield Notice(
                    f"{ref}: {said}; read as {'sent' if box == 2 else 'received'} from its addresses", "assumption"
                )
        direction = "in" if box == 1 else ("out" if box in BOX_STATUS else "system")
        key, members, mine = self.mms_people(direction, addrs, listed)
        if (
            self.owner_by in ("only", "--me") and written in BOX_STATUS
        ):  # (what `phone_number` read before, for the others)
            for number in _own_numbers(direction, addrs, self.numbers):
                self.owned.setdefault(number, _Refs()).add(ref)
        spelled = {a for _, a in typed} | set(threaded)
        # A number kept as written or joined (_Address): the conversation's key and the identity
        # are those earlier versions computed from the same addresses, read as they read them.
        odd = any(a.flag or a.key != a.handle or a.legacy != a.handle for a in spelled)
        if odd:
            was, _, _ = self.mms_people(direction, [(t, a.legacy) for t, a in typed], {a.legacy for a in threaded})
            legacy = "~".join(was) if was else NO_ADDRESS
            flags = flags | self.spelled_in(spelled, ref)
        contact = _name(get("contact_name"))
        rcs_key = len(key) == 1 and key[0].endswith("@rcs.google.com")
        rcs = rcs_key or any(h.endswith("@rcs.google.com") for h in members)
        group = len(key) > 1 or (rcs_key and len(members) > 1)
        own = self.owner_handle or next(
            iter(sorted(mine.intersection(h for _, h in addrs) - set(key))), None
        )  # (one it names)
        conversation_key = (_key(spelled, key) or _joined(key)) if odd else None
        other_keys = _other_keys(spelled, conversation_key, legacy) if odd else ()
        names = self.names(threaded, get("contact_name")) if group else {}
        if group:
            conversation = self.conversation(key, contact, True, names, members, own, conversation_key, other_keys)
        else:
            handle = key[0] if key else NO_ADDRESS
            conversation = self.conversation(
                (handle,), contact, False, {handle: contact}, members, own, conversation_key, other_keys
            )
        if not odd:
            legacy = conversation.source_key

        # Sender.
        if direction == "in":
            handle = sender_handle or (key[0] if len(key) == 1 else None)
            sender = Participant(handle, names.get(handle) if group else contact) if handle else None
        elif direction == "out":
            sender = self.owner(sender_handle if sender_handle in mine else None)
        else:
            sender = None

        # Body and attachments, in `seq` order (ties keep document order).
        texts: list[str] = []
        attachments: list[Attachment] = []
        m_id = _present(get("m_id"))
        # A digest of the parts identifies an MMS without m_id; with one, its parts need no hashing.
        digest = None if m_id else hashlib.sha256()
        notices: list[Record] = []
        ordered = sorted(enumerate(parts), key=lambda ip: (_int(ip[1].get("seq")) or 0, ip[0]))
        for position, (_, part) in enumerate(ordered):
            ct = (_present(part.get("ct")) or "").lower()
            if ct == "application/smil":
                continue
            text = _present(part.get("text"))
            data = _present(part.get("data"))
            name = _present(part.get("cl")) or _present(part.get("fn")) or _present(part.get("name"))
            if ct == "text/plain" and not (name or "").lower().endswith(".vcf"):
                if text is None and data is not None:
                    raw, problem = _b64(data)
                    if raw is not None:
                        text = raw.decode(CHARSETS.get(_int(part.get("chset")) or 106, "utf-8"), "replace")
                if text is not None:
                    texts.append(text)
                    if digest is not None:
                        digest.update(b"t" + _read_before(part, "text", text).encode("utf-8", "surrogatepass") + b"\0")
                continue
            if data is None:
                if text is not None:  # e.g. text/x-vCard carried as text
                    payload = text.encode("utf-8", "surrogatepass")
                    attachments.append(Attachment(name, ct or None, data=payload))
                    if digest is not None:
                        digest.update(
                            b"a"
                            + hashlib.sha256(_read_before(part, "text", text).encode("utf-8", "surrogatepass")).digest()
                        )
                else:
                    attachments.append(Attachment(name, ct or None, missing_reason="not included in the backup"))
                    if digest is not None:
                        digest.update(b"m" + (name or "").encode() + b"\0")
                continue
            raw, problem = _b64(data)
            if raw is None:
                attachments.append(Attachment(name, ct or None, missing_reason=f"corrupt base64: {problem}"))
                if digest is not None:
                    digest.update(
                        b"c"
                        + hashlib.sha256(_read_before(part, "data", data).encode("utf-8", "surrogatepass")).digest()
                    )
                notices.append(
                    Notice(f"{ref}: attachment {name or position + 1} has corrupt base64 ({problem}); kept as missing")
                )
            else:
                attachments.append(Attachment(name, ct or None, data=raw))
                if digest is not None:
                    digest.update(b"a" + hashlib.sha256(raw).digest())
        body = "\n".join(texts)
        subject = _present(get("sub"))
        if subject:
            body = f"Subject: {subject}\n\n{body}" if body else f"Subject: {subject}"
        if not body and not attachments:
            flags = flags | {"empty_body"}
        if m_id:
            identity = ("mms", m_id)
        else:
            addresses = sorted({a.legacy for a in spelled})
            # As earlier versions keyed it: the written msg_box, else the box read from the
            # addresses, else 1 (they read an MMS with no box and no sender as received).
            identity = (
                "mms",
                date,
                written if written is not None else (box if box is not None else 1),
                addresses,
                digest.hexdigest(),
            )
        yield from notices
        yield Message(
            conversation=conversation,
            identity=identity,
            sent_at=sent_at,
            direction=direction,
            sender=sender,
            body=body,
            source_zone="UTC",
            service="RCS" if rcs else "MMS",
            status=status,
            flags=flags,
            attachments=tuple(attachments),
            source_ref=ref,
            identity_key=legacy if legacy != conversation.source_key else None,
        )

    def mms_people(self, direction: str, addrs: list[tuple[str, str]], listed: set[str]) -> tuple[tuple, tuple, set]:
        """(the thread's other people: the conversation key; everyone else seen in it; the owner's
        own addresses on this message) from an MMS's (type, handle) addresses and its `address` list."""
        # The owner's own address on this message: the sender of a sent one; on a received one the
        # "to" that is not one of the thread's addresses (or the only "to" beside a "from"). Only
        # where that leaves someone else: hand-made backups put the other person in either field.
        mine = set(self.owners)
        senders = [h for t, h in addrs if t == ADDR_FROM]
        to = [h for t, h in addrs if t == "151"]
        if direction == "out":
            if len(senders) == 1 and senders[0] not in listed and (listed or len(addrs) > 1):
                mine.add(senders[0])
        elif listed:
            mine.update(h for h in to if h not in listed)
        elif len(to) == 1 and senders:
            mine.update(to)
        # The thread's other people: the `address` attribute, else every address that is not the owner.
        key = tuple(sorted(listed - self.owners)) if listed else tuple(sorted({h for _, h in addrs} - mine))
        members = tuple(sorted(({h for _, h in addrs} | set(key)) - mine))
        return key, members, mine

    # ------------------------------------------------------------ <call>

    # <call number="+12025550123" duration="125" date="1609632000000" type="1" presentation="1"
    #       subscription_id="1" readable_date="Jan 3, 2021 12:00:00 AM" contact_name="Ann" />
    def call(self, attrib: dict, ref: str) -> Record:
        get = attrib.get
        date = _int(get("date"))
        if date is None:
            return Skipped(f"call without a valid date ({get('date')!r})", ref)
        sent_at = _instant(date) if date >= SECONDS_BELOW else self.instant(date, get("readable_date"), ref)
        if sent_at is None:
            return _undated("call", date, ref)
        kind = _int(get("type"))
        number = _present(get("number"))
        if number is not None and number.strip().lstrip("-").isdigit() and int(number) < 0:
            number = None  # -1 / -2 / -3: no number shown
        if number is None:
            number = CALL_PRESENTATION.get(get("presentation") or "", "(unknown number)")
            thread = _Thread(self.conversation((number,), None, False, {}), Participant(number), number, ())
        else:
            thread = self.one_to_one(number, get("contact_name"))
        conversation, counterpart = thread.conversation, thread.counterpart
        status = CALL_STATUS.get(kind)
        flags = self.spelled_in(thread.spelled, ref) if thread.spelled else frozenset()
        if status is None:  # as an <sms> of no known type: who called whom is unknown
            direction, sender, flags = "system", None, flags | {"direction_unknown"}
            status = "no type" if kind is None and _present(get("type")) is None else f"type {get('type')}"
            said = status if status == "no type" else f'type="{get("type")}", which is not one Android writes'
            self.notices.append(
                Notice(
                    f"{ref}: {said}: whether the call was made or received is unknown; kept with no"
                    " caller and no direction (a system line, marked direction unknown)"
                )
            )
        elif kind == 2:
            direction, sender = "out", self.owner()
        else:
            direction, sender = "in", counterpart
        duration = _int(get("duration"))
        return Message(
            conversation=conversation,
            identity=("call", thread.legacy, date, kind, duration),
            sent_at=sent_at,
            direction=direction,
            sender=sender,
            body="",
            source_zone="UTC",
            service="Phone",
            kind="call",
            status=status,
            flags=flags,
            duration_s=duration,
            source_ref=ref,
            identity_key=thread.identity_key,
        )


def _b64(text: str) -> tuple[bytes | None, str | None]:
    try:
        return binascii.a2b_base64(text, strict_mode=True), None
    except (binascii.Error, ValueError) as exc:
        first = str(exc)
    compact = "".join(text.split())
    if compact != text:
        try:
            return binascii.a2b_base64(compact, strict_mode=True), None
        except (binascii.Error, ValueError) as exc:
            first = str(exc)
    return None, first


# ---------------------------------------------------------------- the record stream


class _Backup:
    """The parser's target: keeps each record (each child of the root) as plain attribute dicts.

    No tree is built, so nothing has to be cleared: the parser hands over the attributes of
    every element as it starts, and a record is complete when its element ends. `records` holds
    the records closed since it was last emptied (one chunk's worth); deeper elements are kept
    only as far as a record reads them (an MMS's <parts><part …> and <addrs><addr …>).
    Measured cheaper than a pull parser's tree read with elem.get and cleared element by element:
    no element proxies, no clearing, plain dict lookups.
    """

    def __init__(self, repair: _Repair) -> None:
        self.repair = repair  # what was written before the parser saw it, read back (`_Repair.unmark`)
        self.depth = 0
        self.root: dict | None = None  # the root's attributes (its declared count)
        self.records: list[tuple[str, dict, list]] = []  # (tag, attributes, [(container tag, attributes)])
        self.current: tuple[str, dict, list] | None = None
        self.container = ""

    def start(self, tag: str, attrib: dict) -> None:
        if self.repair.marked:
            self.repair.unmark(attrib)
        self.depth += 1
        depth = self.depth
        if depth == 2:
            self.current = (tag, attrib, [])
        elif depth == 3:
            self.container = tag
        elif depth == 4 and self.current[0] == "mms":  # only an MMS reads what is inside it
            self.current[2].append((self.container, attrib))
        elif depth == 1:
            self.root = attrib

    def end(self, _tag: str) -> None:
        if self.depth == 2:
            self.records.append(self.current)
            self.current = None
        self.depth -= 1

    def close(self) -> None:  # lxml requires it of a target
        return None


def read(path: Path, options: ImportOptions) -> Iterator[Record]:
    path = Path(path)
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise ImportFailed(path, f"cannot read: {exc.strerror or exc}") from None
    with fh:
        yield from _records(path, fh, options)


def _records(path: Path, fh, options: ImportOptions) -> Iterator[Record]:
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

    reader = _Reader(path, options, root)
    yield from reader.said()
    repair = _Repair()
    backup = _Backup(repair)
    parser = etree.XMLParser(
        target=backup,
        huge_tree=True,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
        recover=False,
    )
    n_sms = n_mms = n_calls = 0
    others: dict[str, int] = {}
    total = 0
    chunk = fh.read(CHUNK)
    while True:
        following = fh.read(CHUNK) if chunk else b""
        final = not following
        try:
            parser.feed(repair.feed(chunk, final))
        except etree.XMLSyntaxError as exc:
            raise ImportFailed(path, f"malformed XML: {exc.msg}") from None
        if final:
            try:
                parser.close()
            except etree.XMLSyntaxError as exc:
                raise ImportFailed(
                    path, f"truncated or malformed XML (the file ends before the backup does): {exc.msg}"
                ) from None
        closed, backup.records = backup.records, []
        total += len(closed)
        for tag, attrib, children in closed:
            if tag == "sms":
                n_sms += 1
                yield reader.framed(reader.sms(attrib, f"sms {n_sms}"))
            elif tag == "mms":
                n_mms += 1
                yield from map(reader.framed, reader.mms(attrib, children, f"mms {n_mms}"))
            elif tag == "call":
                n_calls += 1
                yield reader.framed(reader.call(attrib, f"call {n_calls}"))
            else:
                others[tag] = others.get(tag, 0) + 1
                yield Skipped(
                    f"<{tag}> is not a record of SMS Backup & Restore (sms, mms, call)", f"{tag} {others[tag]}"
                )
            if reader.notices:  # what reading the record found to say, after it
                yield from reader.said()
        del closed
        if final:
            break
        chunk = following

    declared = _int(backup.root.get("count")) if backup.root is not None else None
    ordinals = {"sms": n_sms, "mms": n_mms, "call": n_calls}
    if declared is not None and declared != total:
        yield Notice(
            f'the backup says count="{declared}" but holds {total} records ('
            + ", ".join(f"{n} {tag}" for tag, n in (ordinals | others).items() if n)
            + "); imported what is there"
        )
    if repair.pairs:
        yield Notice(f"repaired {repair.pairs} emoji written as UTF-16 surrogate-pair references", "assumption")
    if (kept := repair.kept_notice()) is not None:
        yield kept
    if repair.replaced:
        yield Notice(
            f"replaced {repair.replaced} invalid character references or control characters (lone surrogates, &#0; …) with U+FFFD"
        )
    yield from reader.spelling_notices()
    yield from reader.date_notices()
    yield from reader.owner_notices(total > 0)


def foreign_entries(folder: Path) -> list[Path]:
    """An Android backup is a file: no folder is taken whole, so nothing is foreign to one."""
    return []
