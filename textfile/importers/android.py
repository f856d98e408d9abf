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
    references (`&#10;`), which the parser keeps, and says how many. Only those inside a quoted
    value: the file's own layout between records and attributes is left alone (`_Repair._line_breaks`).
  - No DTD, no entities: a DOCTYPE is refused before the parser sees a byte (an entity bomb cannot
    be defused by a parser that has `huge_tree` on), so only the five predefined entities exist,
    and the parser loads nothing (no DTD, no network). An undefined `&name;` is a clear error.
  - A conversation is keyed by its participants without the owner: the normalized address for
    one-to-one threads ("+12025550123"), "~"-joined sorted handles for groups. SMS, MMS and calls
    with the same number land in the same conversation, whichever way the number was written.
  - No number is invented (phones.py): a number with no country code that is not the region's
    ("0669462731", a French mobile, in a US archive) is kept as written, flagged
    "number_as_written" and said. Where this same backup writes a number whose national form it is
    ("+33669462731"), the two are one handle, the international one, and that is said; where two
    such numbers fit (a French and a Dutch 06…), neither is chosen. Which numbers the backup writes
    is learnt by reading it for its addresses alone, once, when the first such number turns up
    (`_international_forms`): a backup without one is read once.
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
    1973 in milliseconds, when no SMS existed) is read as seconds unless the year in its
    `readable_date` says milliseconds; how many were read so is said once. (An MMS's `date_sent`
    is in seconds by format; it is not read.)
  - What this phone sent is from the archive's (first) number, whatever `--me` says: the sender is
    part of a message's content hash, so an option that varies between imports must not change it.
    `--me` counts only as an address (a name is meant for a WhatsApp file in the same command) and
    stands in for the number only when the archive has none.
  - An <sms> with no type, or a type Android does not write, is kept, but neither "in" nor "out"
    (either says who wrote it, which the backup does not): a system line with no sender, flagged
    direction_unknown, and a warning. A date no clock holds (year 11476) skips the record, with why.
"""

from __future__ import annotations

import binascii
import codecs
import hashlib
import html
import itertools
import re
from collections.abc import Iterator
from datetime import datetime
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
SENT_BY_THE_PHONE = True  # "sent" means sent by the phone's owner, not by a named sender (see ingest)

PLATFORM = "android"
CHUNK = 1 << 20
SECONDS_BELOW = 10 ** 11  # a `date` below this is in seconds (Reader.instant)
_YEAR = re.compile(r"(?<!\d)(?:19|2\d)\d\d(?!\d)")  # the year in readable_date="Dec 2, 2017 06:49:27"
SCAN_CHUNK = 1 << 22  # reading a backup for its addresses only (_international_forms)
SCAN_TAIL = 1 << 16  # how far back from the end of a read a value cut in two is looked for
HEAD = 1 << 16  # the prolog (declaration, stylesheet, comments) must end within this many bytes
ROOTS = ("smses", "calls")

# <sms type="…">: Telephony.TextBasedSmsColumns.MESSAGE_TYPE_*; MMS msg_box uses the same numbers.
BOX_STATUS = {1: "received", 2: "sent", 3: "draft", 4: "outbox", 5: "failed", 6: "queued"}
BOX_FLAGS = {3: frozenset({"draft"}), 5: frozenset({"failed"})}
KNOWN_BOXES = ", ".join(f"{n} {status}" for n, status in BOX_STATUS.items())
# <call type="…">: CallLog.Calls.*_TYPE.
CALL_STATUS = {1: "incoming", 2: "outgoing", 3: "missed", 4: "voicemail", 5: "rejected", 6: "refused",
               7: "answered on another device"}
# <call presentation="…"> for calls without a number: 2 restricted, 3 unknown, 4 payphone.
CALL_PRESENTATION = {"2": "(private number)", "3": "(unknown number)", "4": "(payphone)"}
# <addr type="…">: PduHeaders FROM / TO / CC / BCC.
ADDR_FROM, ADDR_RECIPIENTS = "137", ("151", "130", "129")
# <part chset="…">: IANA MIBenum of the character set.
CHARSETS = {106: "utf-8", 3: "us-ascii", 4: "iso-8859-1", 1000: "utf-16", 1013: "utf-16-be", 1014: "utf-16-le",
            1015: "utf-16", 17: "shift_jis", 2026: "big5", 2025: "gb2312", 113: "gbk", 114: "gb18030", 38: "euc-kr",
            39: "iso-2022-jp", 2252: "cp1252", 2259: "tis-620"}
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
_LINE_BREAK_REFERENCES = {10: b"&#10;", 13: b"&#13;", 9: b"&#9;"}
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
            state = _OUTSIDE if data[at - 1] == 62 else data[at - 1:at]  # 62: ">"
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


def _repair_run(run: bytes) -> tuple[bytes, int, int]:
    """A run of adjacent character references repaired: (the run as the parser gets it, surrogate
    pairs joined, references replaced by U+FFFD)."""
    refs = [(m.group(0), int(m.group(1), 16) if m.group(1) else int(m.group(2))) for m in _REF.finditer(run)]
    if all(_xml_char(cp) for _, cp in refs):
        return run, 0, 0
    out = []
    pairs = replaced = 0
    i = 0
    while i < len(refs):
        text, cp = refs[i]
        if 0xD800 <= cp <= 0xDBFF and i + 1 < len(refs) and 0xDC00 <= refs[i + 1][1] <= 0xDFFF:
            out.append(b"&#x%X;" % (0x10000 + ((cp - 0xD800) << 10) + (refs[i + 1][1] - 0xDC00)))
            pairs += 1
            i += 2
            continue
        if _xml_char(cp):
            out.append(text)
        else:
            out.append(_FFFD_REF)
            replaced += 1
        i += 1
    return b"".join(out), pairs, replaced


class _Repair:
    """Counts what was repaired while rewriting character references chunk by chunk."""

    def __init__(self) -> None:
        self.pairs = 0  # surrogate pairs joined into one character
        self.replaced = 0  # lone surrogates, forbidden references and raw control bytes → U+FFFD
        self.pending = b""
        self.runs: dict[bytes, tuple[bytes, int, int]] = {}  # _repair_run of short runs a backup repeats (`&#10;`, an emoji)
        self.line_breaks = 0  # raw CR, LF, TAB inside attribute values, kept as references
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
            fixed, pairs, replaced = found
            if pairs or replaced:
                self.pairs += pairs
                self.replaced += replaced
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
            if data[cut - 1:cut] == b";":
                amp = data.rfind(b"&", max(0, cut - 16), cut)
                whole = _REF.fullmatch(data, amp, cut) if amp >= 0 else None
                if whole and 0xD800 <= (int(whole.group(1), 16) if whole.group(1) else int(whole.group(2))) <= 0xDBFF:
                    cut = amp
            data, self.pending = data[:cut], data[cut:]
        # One bytes.find (memchr) per control byte: several times faster than a pass of translate().
        if any(control in data for control in _RAW_CONTROL_BYTES):
            data, n = _RAW_CONTROL.subn(b"\xef\xbf\xbd", data)
            self.replaced += n
        return self._line_breaks(self._references(data))

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
                if not (at + 3 < size and data[at + 3] == 60 and data[at + 1] == 32 == data[at + 2]) \
                        and _NOT_IN_VALUE.match(data, at + 1) is None:
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
        pieces.append(data[kept:])
        return b"".join(pieces)


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


def detect(path: Path) -> bool:
    path = Path(path)
    if not path.is_file():
        return False
    with open(path, "rb") as fh:
        head = fh.read(8192)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", "replace").encode("utf-8")
    return _root_name(head) in ROOTS


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

    def __init__(self) -> None:
        self.count = 0
        self.first: list[str] = []

    def add(self, ref: str) -> None:
        self.count += 1
        if len(self.first) < 5:
            self.first.append(ref)

    def __bool__(self) -> bool:
        return self.count > 0

    def __str__(self) -> str:
        return ", ".join(self.first) + (f" and {self.count - 5} more" if self.count > 5 else "")


def _beyond_clocks(element: str, date: int, ref: str) -> Skipped:
    return Skipped(f"{element} date {date} is outside the dates a clock can hold", ref)


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


def _country(international: str) -> str:
    number = phonenumbers.parse(international, None)
    region = phonenumbers.region_code_for_number(number)
    return f"{region} (+{number.country_code})" if region else f"its country (+{number.country_code})"


# <sms … address="+33669462731" …>, <addr address="0669462731" …>, <call number="+33669462731" …>
_ADDRESS_VALUE = {name: re.compile(name + rb"""=(?:"([^"<]*)"|'([^'<]*)')""") for name in (b"address", b"number")}


def _international_forms(path: Path, region: str, root: str) -> dict[str, set[str]]:
    """Every international number the backup writes (an address, or a call's number, that reads as
    E.164), by the digits it is dialed with in its own country: "0669462731" -> {"+33669462731"}.
    One pass over the raw bytes, without the XML parser: the attribute values as written, their
    character references read. A value a read cuts in two is read whole with the next read."""
    name = b"number" if root == "calls" else b"address"
    pattern = _ADDRESS_VALUE[name]
    values: set[bytes] = set()
    with open(path, "rb") as raw:
        fh = _Utf16AsUtf8(raw) if raw.read(2) in (b"\xff\xfe", b"\xfe\xff") else raw
        fh.seek(0)
        tail = b""
        while chunk := fh.read(SCAN_CHUNK):
            data = tail + chunk if tail else chunk
            for double, single in pattern.findall(data):
                values.add(double or single)
            # Read again with the next: the last value if it is not whole, else what could begin
            # the attribute's name.
            last = data.rfind(name + b"=", max(0, len(data) - SCAN_TAIL))
            whole = last >= 0 and pattern.match(data, last) is not None
            tail = data[last:] if last >= 0 and not whole else data[-len(name) - 1:]
        for double, single in pattern.findall(tail):
            values.add(double or single)
    forms: dict[str, set[str]] = {}
    for value in values:
        text = value.decode("utf-8", "replace")
        if "&" in text:
            text = html.unescape(text)
        for raw_address in text.split("~"):
            handle = phones.normalize_handle(raw_address, region) if raw_address.strip() else ""
            if handle.startswith("+"):
                digits = phones.national_digits(handle)
                if digits:
                    forms.setdefault(digits, set()).add(handle)
    return forms


class _Reader:
    def __init__(self, path: Path, options: ImportOptions, root: str = "smses"):
        self.path = path
        self.root = root  # smses or calls: which attribute holds the numbers
        self.region = options.region
        self.addresses: dict[str, _Address] = {}
        self.forms: dict[str, set[str]] | None = None  # international numbers in this backup, by national digits
        self.spelled: dict[_Address, _Refs] = {}  # an address kept as written or joined -> the records naming it
        # Reader.instant: dates read as seconds; of those, where readable_date agrees or names another
        # year; dates small enough to be seconds that readable_date says are milliseconds.
        self.in_seconds, self.readable_agrees, self.readable_disagrees, self.ms_by_readable = _Refs(), _Refs(), _Refs(), _Refs()
        self.notices: list[Notice] = []  # said before the records, or after the record they are about
        archived = frozenset(options.owner_handles)
        # --me counts here only as an address (the number of the phone the backup came from): the
        # same command may carry the owner's name for a WhatsApp file beside this backup.
        me = phones.normalize_handle(options.me, self.region) if options.me else None
        if me is not None and not (me.startswith("+") or phones.is_email(me)):
            me = None
        self.owners = (archived | {me}) if me else archived
        # The owner as sender of what this phone sent: the archive's (first) number, so that a
        # backup reads the same whatever --me says (the sender is part of each message's content
        # hash: next week's import without --me must not "change" every sent message); --me only
        # where the archive has no number.
        archived_phones = sorted(h for h in archived if h.startswith("+"))
        if archived_phones:
            self.owner_handle = archived_phones[0]
            if me is not None and me not in archived:
                self.notices.append(Notice(
                    f"--me {options.me!r} ({me}) is not one of the archive's own numbers or emails: it counts as yours, but what this"
                    f" phone sent is attributed to the archive's number {self.owner_handle}", "assumption"))
        else:
            self.owner_handle = me or (sorted(archived)[0] if archived else None)
        self.owner_name = options.owner_name
        self.conversations: dict[tuple, Conversation] = {}
        self.sms_threads: dict[tuple, tuple[Conversation, Participant | None]] = {}
        self.sms_types: dict[str | None, tuple] = {}
        self.owners_as_sender: dict[str | None, Participant] = {}
        self.assumed_owner = False

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
            else:
                found = _Address(handle, key, key, "number_as_written", handle)
        else:
            found = _Address(handle, key, key)
        if len(self.addresses) < 100_000:
            self.addresses[raw] = found
        return found

    def international(self, digits: str) -> str | None:
        """The one international number this backup writes whose national form is `digits`. The
        backup is read for its addresses once, when the first number written without a country
        code that is not the region's turns up (a backup with none is never read twice)."""
        if self.forms is None:
            self.forms = _international_forms(self.path, self.region, self.root)
        found = self.forms.get(digits, ())
        return next(iter(found)) if len(found) == 1 else None

    def instant(self, date: int, readable: str | None, ref: str) -> datetime | None:
        """A `date` as an instant: milliseconds, or seconds where the value is too small for
        milliseconds (some writers put seconds): below 10^11, which in milliseconds is before March
        1973 (no SMS is that old) and in seconds any date up to the year 5138. The year in
        `readable_date` (the app's own rendering, in the phone's zone and language), where it has
        one, settles it: a value it says is milliseconds is read so. Counted, and said once."""
        if not 0 < date < SECONDS_BELOW:
            return _instant(date)
        as_seconds = _instant(date * 1000)
        match = _YEAR.search(readable) if readable else None
        if match is not None:
            year = int(match.group(0))
            as_ms = _instant(date)
            if abs(year - as_seconds.year) > 1 and as_ms is not None and abs(year - as_ms.year) <= 1:
                self.ms_by_readable.add(ref)
                return as_ms
            (self.readable_agrees if abs(year - as_seconds.year) <= 1 else self.readable_disagrees).add(ref)
        self.in_seconds.add(ref)
        return as_seconds

    def date_notices(self) -> Iterator[Notice]:
        seconds, agree, disagree, ms = self.in_seconds, self.readable_agrees, self.readable_disagrees, self.ms_by_readable
        if seconds:
            said = [f"readable_date agrees for {agree.count}"] if agree else []
            if disagree:
                said.append(f"readable_date names another year for {disagree.count} ({disagree}), read as seconds all the same")
            yield Notice(f"read {seconds.count} date{'s' if seconds.count > 1 else ''} as seconds, not milliseconds ({seconds}):"
                         " a value below 100,000,000,000 is before March 1973 in milliseconds"
                         + ("; " + "; ".join(said) if said else ""), "assumption")
        if ms:
            yield Notice(f"read {ms.count} date{'s' if ms.count > 1 else ''} small enough to be seconds as milliseconds ({ms}):"
                         " their readable_date says so", "assumption")

    def spelled_in(self, addresses, ref: str) -> frozenset:
        """Counts a record that names an address kept as written or joined; its flags (a joined
        number has none: the record shows the number the backup itself writes elsewhere, and two
        copies of one message, one written each way, must not differ)."""
        flags = set()
        for address in addresses:
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
                yield Notice(
                    f"{written} ({where}) is read as {address.handle}: it has no country code and is not a number of region"
                    f" {self.region}, it is how {address.handle} is written within {_country(address.handle)}, and this backup"
                    f" also writes {address.handle}: the two are one handle", "assumption")
                continue
            candidates = sorted((self.forms or {}).get(written, ()))
            also = (f"; it could be {' or '.join(candidates)}, all written in this backup, so it is joined with none"
                    if len(candidates) > 1 else "")
            yield Notice(f"{written} ({where}) has no country code and is not a number of region {self.region}: kept as written,"
                         f" not given +{code}{also} (flagged \"number as written\")")

    def owner(self, handle: str | None = None) -> Participant:
        found = self.owners_as_sender.get(handle)
        if found is None:
            own = handle or self.owner_handle
            if own is None:
                own = self.owner_name
            found = self.owners_as_sender[handle] = Participant(own, self.owner_name, True)
        if handle is None and self.owner_handle is None:
            self.assumed_owner = True
        return found

    def conversation(self, others: tuple[str, ...], title: str | None, group: bool, names: dict,
                     members: tuple[str, ...] = (), own: str | None = None, key: str | None = None,
                     other_keys: tuple[str, ...] = ()) -> Conversation:
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
            people.append(Participant(own, self.owner_name, True))
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
        conversation = self.conversation((handle,), name, False, {handle: name}, key=found.key,
                                         other_keys=_other_keys((found,), found.key, found.legacy) if found.flag else ())
        return _Thread(conversation, Participant(handle, name), found.legacy, (found,) if found.flag else ())

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
            return _beyond_clocks("sms", date, ref)
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
            said = f'type="{raw_type}", which is not one Android writes ({KNOWN_BOXES})' if status != "no type" else status
            self.notices.append(Notice(f"{ref}: {said}: whether it was sent or received is unknown; kept with no sender"
                                       " and no direction (a system line, marked direction unknown)"))
        return Message(
            conversation=conversation,
            # Identity as earlier versions keyed it (they read an unknown type as "in"): an archive
            # made by them must not get a second copy of the message when it is imported again.
            identity=("sms", thread.legacy, date, direction if direction != "system" else "in", body),
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
            conversation = self.conversation(others, _name(contact_name), len(others) > 1, self.names(listed, contact_name), key=key,
                                             other_keys=_other_keys(spelled, key, legacy))
            found = _Thread(conversation, Participant(others[0]) if len(others) == 1 else None, legacy,
                            tuple(a for a in spelled if a.flag))
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
            yield _beyond_clocks("mms", date, ref)
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
            said = "no msg_box" if box is None else f'msg_box="{get("msg_box")}", which is not one Android writes ({KNOWN_BOXES})'
            written_status = "no msg_box" if box is None else f"msg_box {get('msg_box')}"
            if sender_handle is None:
                box, status, flags = None, written_status, frozenset({"direction_unknown"})
                yield Notice(f"{ref}: {said} and no sender address: whether it was sent or received is unknown; kept with"
                             " no sender and no direction (a system line, marked direction unknown)")
            else:
                box = 2 if sender_handle in self.owners or (listed and sender_handle not in listed) else 1
                status = BOX_STATUS[box] if written is None else written_status
                yield Notice(f"{ref}: {said}; read as {'sent' if box == 2 else 'received'} from its addresses", "assumption")
        direction = "in" if box == 1 else ("out" if box in BOX_STATUS else "system")
        key, members, mine = self.mms_people(direction, addrs, listed)
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
        own = self.owner_handle or next(iter(sorted(mine - set(key))), None)
        conversation_key = (_key(spelled, key) or _joined(key)) if odd else None
        other_keys = _other_keys(spelled, conversation_key, legacy) if odd else ()
        names = self.names(threaded, get("contact_name")) if group else {}
        if group:
            conversation = self.conversation(key, contact, True, names, members, own, conversation_key, other_keys)
        else:
            handle = key[0] if key else NO_ADDRESS
            conversation = self.conversation((handle,), contact, False, {handle: contact}, members, own, conversation_key, other_keys)
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
                        digest.update(b"t" + text.encode("utf-8", "surrogatepass") + b"\0")
                continue
            if data is None:
                if text is not None:  # e.g. text/x-vCard carried as text
                    payload = text.encode("utf-8", "surrogatepass")
                    attachments.append(Attachment(name, ct or None, data=payload))
                    if digest is not None:
                        digest.update(b"a" + hashlib.sha256(payload).digest())
                else:
                    attachments.append(Attachment(name, ct or None, missing_reason="not included in the backup"))
                    if digest is not None:
                        digest.update(b"m" + (name or "").encode() + b"\0")
                continue
            raw, problem = _b64(data)
            if raw is None:
                attachments.append(Attachment(name, ct or None, missing_reason=f"corrupt base64: {problem}"))
                if digest is not None:
                    digest.update(b"c" + hashlib.sha256(data.encode("utf-8", "surrogatepass")).digest())
                notices.append(Notice(f"{ref}: attachment {name or position + 1} has corrupt base64 ({problem}); kept as missing"))
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
            identity = ("mms", date, written if written is not None else (box if box is not None else 1), addresses, digest.hexdigest())
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
            return _beyond_clocks("call", date, ref)
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
            self.notices.append(Notice(f"{ref}: {said}: whether the call was made or received is unknown; kept with no"
                                       " caller and no direction (a system line, marked direction unknown)"))
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

    def __init__(self) -> None:
        self.depth = 0
        self.root: dict | None = None  # the root's attributes (its declared count)
        self.records: list[tuple[str, dict, list]] = []  # (tag, attributes, [(container tag, attributes)])
        self.current: tuple[str, dict, list] | None = None
        self.container = ""

    def start(self, tag: str, attrib: dict) -> None:
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
        raise ImportFailed(path, "refused: the file declares a DOCTYPE (entities could expand without bound); SMS Backup & Restore backups never do")
    if root is None:
        if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
            raise ImportFailed(path, "not an SMS Backup & Restore backup: no XML root element at the start of the file")
        raise ImportFailed(path, "not an SMS Backup & Restore backup: not an XML file")
    if root not in ROOTS:
        raise ImportFailed(path, f"not an SMS Backup & Restore backup: the root element is <{root}>, not <smses> or <calls>")

    reader = _Reader(path, options, root)
    yield from reader.said()
    repair = _Repair()
    backup = _Backup()
    parser = etree.XMLParser(
        target=backup, huge_tree=True, no_network=True, load_dtd=False, dtd_validation=False, remove_comments=True, remove_pis=True, recover=False,
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
                raise ImportFailed(path, f"truncated or malformed XML (the file ends before the backup does): {exc.msg}") from None
        closed, backup.records = backup.records, []
        total += len(closed)
        for tag, attrib, children in closed:
            if tag == "sms":
                n_sms += 1
                yield reader.sms(attrib, f"sms {n_sms}")
            elif tag == "mms":
                n_mms += 1
                yield from reader.mms(attrib, children, f"mms {n_mms}")
            elif tag == "call":
                n_calls += 1
                yield reader.call(attrib, f"call {n_calls}")
            else:
                others[tag] = others.get(tag, 0) + 1
                yield Skipped(f"<{tag}> is not a record of SMS Backup & Restore (sms, mms, call)", f"{tag} {others[tag]}")
            if reader.notices:  # what reading the record found to say, after it
                yield from reader.said()
        del closed
        if final:
            break
        chunk = following

    declared = _int(backup.root.get("count")) if backup.root is not None else None
    ordinals = {"sms": n_sms, "mms": n_mms, "call": n_calls}
    if declared is not None and declared != total:
        yield Notice(f"the backup says count=\"{declared}\" but holds {total} records (" + ", ".join(
            f"{n} {tag}" for tag, n in (ordinals | others).items() if n) + "); imported what is there")
    if repair.pairs:
        yield Notice(f"repaired {repair.pairs} emoji written as UTF-16 surrogate-pair references", "assumption")
    if repair.line_breaks:
        yield Notice(f"kept {repair.line_breaks} line break{'s' if repair.line_breaks > 1 else ''} and tabs written raw inside"
                     " attribute values as they are (an XML parser reads each as a space)", "assumption")
    if repair.replaced:
        yield Notice(f"replaced {repair.replaced} invalid character references or control characters (lone surrogates, &#0; …) with U+FFFD")
    yield from reader.spelling_notices()
    yield from reader.date_notices()
    if reader.assumed_owner:
        yield Notice(f"the owner's number is unknown (no phone in the archive settings, no --me): messages sent from this phone are attributed to {reader.owner_name!r}", "assumption")
