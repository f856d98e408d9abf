"""Hostile exports for the importers' property tests (tests/test_fuzz_importers.py, `make fuzz`).

Every strategy starts from an export the project already builds (fixtures/, tests/imessage_build.py,
tests/whatsapp_build.py) and damages it the way files get damaged or crafted: odd dates and every
header shape, direction marks, NULs, lone surrogates, huge lines, broken zips, DOCTYPEs, wrong column
types. A strategy draws a *recipe* (plain data: which base, what to change), so the falsifying example
hypothesis prints after shrinking is the smallest recipe that still fails, readable; `write` turns
a recipe into the file(s) of an export.

`attempt(export, template)` imports an export through the CLI, as a user runs it, into a copy of an
archive that holds the fixtures, and says which promise broke, if one did:
  - exit 0, or exit 1 with one line `Error: <the file>: <reason>` on stderr and nothing on stdout;
  - never a traceback (TEXTFILE_DEBUG=1 lets an unexpected exception through, so it is seen);
  - after a refusal, the archive's logical content (`dump`) exactly as it was;
  - after exit 0, the same import again adds, updates and skips nothing new: it finds every message
    it read the first time and changes only the provenance tables (imports, message_sightings, audit_log);
  - done within the deadline (a SIGALRM stops it: a hang).
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
import zipfile
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from conftest import FIXTURES, OWNER, ROOT
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase
from imessage_build import build_modern, build_old, typedstream
from typer.testing import CliRunner
from whatsapp_build import FIXED_TIME

from textfile.archive import Archive
from textfile.cli import app
from textfile.ingest import import_path

# Settings profiles: `fuzz-ci` runs in `make test` (its tests have a fixed @seed: the same examples every
# run; a failure found is kept in the worktree's .hypothesis/, ignored by git, and replayed first);
# `fuzz` is benchmarks/fuzz.py's.
_SLOW_IS_FINE = [
    HealthCheck.too_slow,
    HealthCheck.data_too_large,
    HealthCheck.large_base_example,
    HealthCheck.filter_too_much,
]
EXAMPLES = DirectoryBasedExampleDatabase(str(ROOT / ".hypothesis" / "examples"))
settings.register_profile(
    "fuzz-ci",
    max_examples=30,
    deadline=timedelta(seconds=10),
    database=EXAMPLES,
    suppress_health_check=_SLOW_IS_FINE,
    print_blob=True,
)
settings.register_profile(
    "fuzz", max_examples=1000, deadline=None, database=EXAMPLES, suppress_health_check=_SLOW_IS_FINE, print_blob=True
)

# what importing the same file again may add to (its sightings: `message_sightings`, the rows of the view
# message_sources that are not a message's first, m031)
PROVENANCE = ("audit_log", "imports", "message_sightings")


# -- bytes ----------------------------------------------------------------------------------------

# (at, cut, insert): at byte `at` (modulo the length), remove `cut` bytes and put `insert` there.
# A huge `cut` truncates; cut == len(insert) overwrites.
ByteEdit = tuple[int, int, bytes]


def apply_edits(data: bytes, edits: tuple[ByteEdit, ...]) -> bytes:
    for at, cut, insert in edits:
        at %= len(data) + 1
        data = data[:at] + insert + data[at + cut :]
    return data


def byte_edits(max_at: int = 1 << 20, max_size: int = 3) -> st.SearchStrategy[tuple[ByteEdit, ...]]:
    edit = st.tuples(
        st.one_of(
            st.integers(0, 64),
            st.integers(0, max_at),
            st.integers(0, max_at),
            st.integers(0, max_at // 4096).map(lambda page: page * 4096),
        ),
        st.one_of(st.integers(0, 8), st.just(1 << 40)),
        st.one_of(
            st.binary(max_size=8),
            st.sampled_from([b"\x00", b"\xff" * 4, b"\xed\xa0\x80", b"\xef\xbb\xbf", b"\r", b"\x80"]),
        ),
    )
    return st.lists(edit, max_size=max_size).map(tuple)


@dataclass(frozen=True)
class Repeat:
    "A huge run of text, kept short in a falsifying example: `text` written `times` times."

    text: str
    times: int

    def __str__(self) -> str:
        return self.text * self.times


# -- text pieces --------------------------------------------------------------------------------

MARKS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c\u200b\ufeff"
ODD = "\x00\r\n\t\x0b\x0c\x1b\x7f\x85\u2028\u2029\u00a0\u202f\u2009\ufffd\u0301\ufe0f\u200d:[]-,./<>&\"'"
PHRASES = (
    "<Media omitted>",
    "image omitted",
    "\u200e<attached: 00000003-PHOTO-2024-03-20-10-00-10.jpg>",
    "\u200e<attached: ../../../etc/passwd>",
    "IMG-20240312-WA0001.jpg (file attached)",
    "This message was deleted",
    "You deleted this message",
    "<This message was edited>",
    "Missed voice call",
    "Voice call, 2 min",
    " - ",
    ": ",
    "\U0001f468\u200d\U0001f469\u200d\U0001f467",
    "\u202eevil\u202c",
    "invoice\u202efdp.exe",
    "&#55357;",
    "<b>",
    "{{ x }}",
)
SURROGATES = st.integers(0xD800, 0xDFFF).map(chr)
CHARS = st.one_of(st.characters(codec="utf-8"), st.sampled_from(MARKS + ODD), SURROGATES)
TEXT = st.lists(st.one_of(st.text(CHARS, max_size=12), st.sampled_from(PHRASES)), max_size=5).map("".join)


# -- WhatsApp .txt -------------------------------------------------------------------------------

# Header shapes of every locale the importer knows (importers/whatsapp/locales.py), and some it does not.
HEADER_SHAPES = (
    "[{a}/{b}/{c}, {H}:{M}:{S}{sp}{ap}] ",
    "[{a}.{b}.{c}, {H}:{M}:{S}] ",
    "[{a}.{b}.{c} klo {H}.{M}.{S}] ",
    "[\u200f{a}\u200f/{b}\u200f/{c}\u060c {H}:{M}:{S}] ",
    "[{a}/{b}/{c} BE, {H}:{M}:{S}] ",
    "[{a}/{b}/R{c}, {H}:{M}:{S}] ",
    "[{a}/{b}/{c} {H}:{M}:{S}] ",
    "[{a}-{b}-{c} {ap}{H}:{M}:{S}] ",
    "{a}/{b}/{c}, {H}:{M} - ",
    "{a}/{b}/{c}, {H}:{M}{sp}{ap} - ",
    "{a}/{b}/{c} {H}:{M} {ap} - ",
    "{a}.{b}.{c} {H}:{M} - ",
    "{a}-{b}-{c}, {H}:{M} - ",
    "{a}/{b}/{c}، {H}:{M} {ap} - ",
    "{a}.{b}.{c}, {H}:{M}:{S}: ",
    "{a}/{b}/{c}, {H}:{M}:{S} {ap}: ",
    "{a}/{b}/{c}, {H}:{M} \u2013 ",
    "{a}/{b}/{c} um {H}:{M} - ",
)
AM_PM = (
    "AM",
    "PM",
    "am",
    "a. m.",
    "p.\u00a0m.",
    "ص",
    "م",
    "午前",
    "午後",
    "上午",
    "오후",
    "π.μ.",
    "μ.μ.",
    "vorm.",
    "nachm.",
    "дп",
    "ก่อนเที่ยง",
    "XM",
    "",
)
DIGITS = ("0123456789", "٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹", "०१२३४५६७८९", "০১২৩৪৫৬৭৮৯", "０１２３４５６７８９", "๐๑๒๓๔๕๖๗๘๙")
NUMBER = st.one_of(st.integers(1, 12), st.integers(0, 31), st.integers(0, 99), st.integers(0, 99999))
SENDERS = (
    "Sam Client",
    "Alex Owner",
    "Jordan Lee",
    "Dr: Smith",
    "\u202a+1 202-555-0143\u202c",
    "+12025550143",
    "",
    " ",
    "\u200eSam Client",
    "Sam Client\u202c",
    "You",
    "Meta AI",
)


@st.composite
def headers(draw) -> str:
    shape = draw(st.sampled_from(HEADER_SHAPES))
    width = draw(st.sampled_from(["{}", "{:02d}"]))
    numbers = {
        k: width.format(draw(NUMBER if k in "abc" else st.integers(0, 99))) for k in ("a", "b", "c", "H", "M", "S")
    }
    text = shape.format(
        sp=draw(st.sampled_from([" ", "\u202f", "\u00a0", ""])), ap=draw(st.sampled_from(AM_PM)), **numbers
    )
    digits = draw(st.sampled_from(DIGITS))
    return draw(st.sampled_from(["", "\u200e", "\u200f", "\ufeff"])) + text.translate(
        str.maketrans("0123456789", digits)
    )


LINES = st.one_of(
    st.tuples(headers(), st.one_of(st.sampled_from(SENDERS), TEXT), TEXT).map(lambda t: f"{t[0]}{t[1]}: {t[2]}"),
    st.tuples(headers(), TEXT).map("".join),  # a system line
    TEXT,  # a continuation line
    st.builds(
        Repeat,
        st.sampled_from(["a", "\u202e", "x" * 63 + " ", "\ud83d", "\x00", "12/03/2024, 09:01 - Sam Client: "]),
        st.integers(1_000, 300_000),
    ),
)


def _fixture_chats() -> list[tuple[str, tuple[str, ...]]]:
    files = sorted(
        FIXTURES.glob("whatsapp/**/*.txt"), key=lambda p: p.stat().st_size
    )  # the smallest first: shrinking goes there
    return [(p.name, tuple(p.read_text(encoding="utf-8-sig", errors="surrogateescape").split("\n"))) for p in files]


CHATS = _fixture_chats()
FIXTURE_LINES = sorted({line for _, lines in CHATS for line in lines})
CHAT_NAMES = (
    "WhatsApp Chat with Sam Client.txt",
    "_chat.txt",
    "WhatsApp Chat - Jordan Lee.txt",
    "WhatsApp Chat with \u202eevil.txt",
    "WhatsApp Chat with " + "x" * 200 + ".txt",
    "WhatsApp Chat with Sam Client (2).txt",
    "WhatsApp Chat - .txt",
    "chat.txt",
    "WhatsApp Chat with ..txt",
    "Chat de WhatsApp con Lucía Gómez.txt",
    "WhatsApp Chat with Sam Client",
)
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16-le-bom", "utf-16-be-bom", "utf-16-le", "latin-1")
WHATSAPP_OPTIONS = (
    ("--me", "Alex Owner"),
    ("--me", "Sam Client"),
    ("--date-order", "mdy"),
    ("--tz", "Asia/Kolkata"),
    ("--conversation", "Sam Client"),
    ("--region", "DE"),
)


def encode(text: str, encoding: str) -> bytes:
    """Text as a phone or an editor wrote it; a lone surrogate in the text becomes the bytes that encode it."""
    if encoding.endswith("-bom"):
        return encode("\ufeff" + text, encoding[:-4])
    if encoding == "latin-1":
        return text.encode("latin-1", errors="replace")
    return text.encode(encoding, errors="surrogatepass")


def options(fmt: str, choices) -> st.SearchStrategy[tuple[str, ...]]:
    """Up to two of `choices`; half the time `--format fmt` too, so that an export detection would not
    take still reaches its importer."""
    return st.tuples(st.booleans(), st.lists(st.sampled_from(choices), max_size=2, unique=True)).map(
        lambda t: ("--format", fmt) * t[0] + tuple(a for pair in t[1] for a in pair)
    )


@dataclass(frozen=True)
class ChatText:
    "A WhatsApp .txt export: `lines` joined by `endings` (in turn), encoded, then `edits` to its bytes."

    name: str
    lines: tuple[str | Repeat, ...]
    endings: tuple[str, ...] = ("\n",)
    encoding: str = "utf-8"
    edits: tuple[ByteEdit, ...] = ()
    args: tuple[str, ...] = ()
    format = "whatsapp-txt"

    def data(self) -> bytes:
        text = "".join(f"{line}{self.endings[i % len(self.endings)]}" for i, line in enumerate(self.lines))
        return apply_edits(encode(text, self.encoding), self.edits)

    def write(self, folder: Path) -> Path:
        path = folder / self.name
        path.write_bytes(self.data())
        return path


@st.composite
def chat_texts(draw, name: str | None = None) -> ChatText:
    base_name, base = draw(st.sampled_from(CHATS))
    lines = list(base)
    for at, op, line in draw(
        st.lists(
            st.tuples(
                st.integers(0, 1 << 16),
                st.sampled_from(["insert", "replace", "delete"]),
                st.one_of(LINES, st.sampled_from(FIXTURE_LINES)),
            ),
            max_size=6,
        )
    ):
        at %= len(lines) + 1
        if op == "insert":
            lines.insert(at, line)
        elif at < len(lines):
            lines[at : at + 1] = [line] if op == "replace" else []
    return ChatText(
        name=name or draw(st.one_of(st.just(base_name), st.sampled_from(CHAT_NAMES))),
        lines=tuple(lines),
        endings=tuple(draw(st.lists(st.sampled_from(["\n", "\r\n", "\r", "\n\n"]), min_size=1, max_size=3))),
        encoding=draw(st.sampled_from(ENCODINGS)),
        edits=draw(byte_edits(max_at=1 << 12)),
        args=draw(options("whatsapp", WHATSAPP_OPTIONS)),
    )


# -- WhatsApp .zip -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    name: str
    data: bytes | ChatText | ChatZip
    deflated: bool = True

    def payload(self) -> bytes:
        return self.data if isinstance(self.data, bytes) else self.data.data()


# A header field of one member, set to a value: (member index, "local" | "central" | "both", field, value).
ZIP_FIELDS = {
    "flags": (6, "<H", 8, "<H"),
    "method": (8, "<H", 10, "<H"),
    "crc": (14, "<I", 16, "<I"),
    "csize": (18, "<I", 20, "<I"),
    "usize": (22, "<I", 24, "<I"),
    "nlen": (26, "<H", 28, "<H"),
}  # offsets in the local header, in the central entry
ZIP_VALUES = {
    "flags": [1, 8, 0x800, 0x41, 0xFFFF],
    "method": [99, 12, 14, 1, 255, 0, 8],
    "crc": [0, 0xFFFFFFFF, 1],
    "csize": [0, 1, 10, 0xFFFFFFFF],
    "usize": [0, 1, 10, 1 << 31, 0xFFFFFFFF],
    "nlen": [0, 1, 0xFFFF],
}


@dataclass(frozen=True)
class ChatZip:
    "A WhatsApp .zip export: `members` zipped (fixed times), header `patches`, then `edits` to its bytes."

    name: str
    members: tuple[Member, ...]
    patches: tuple[tuple[int, str, str, int], ...] = ()
    edits: tuple[ByteEdit, ...] = ()
    args: tuple[str, ...] = ()
    format = "whatsapp-zip"

    def data(self) -> bytes:
        buffer = io.BytesIO()
        with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w") as zf:
            warnings.simplefilter("ignore")  # duplicate names are the point
            for member in self.members:
                info = zipfile.ZipInfo(member.name, FIXED_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED if member.deflated else zipfile.ZIP_STORED
                zf.writestr(info, member.payload())
        return apply_edits(patch_headers(buffer.getvalue(), self.patches), self.edits)

    def write(self, folder: Path) -> Path:
        path = folder / self.name
        path.write_bytes(self.data())
        return path


def patch_headers(data: bytes, patches) -> bytes:
    if not patches:
        return data
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos, central = zf.infolist(), zf.start_dir
    entries = []  # (local header offset, central entry offset) of each member
    for info in infos:
        entries.append((info.header_offset, central))
        nlen, elen, clen = struct.unpack_from("<HHH", data, central + 28)
        central += 46 + nlen + elen + clen
    out = bytearray(data)
    for index, where, name, value in patches:
        local, entry = entries[index % len(entries)]
        local_at, local_fmt, central_at, central_fmt = ZIP_FIELDS[name]
        if where in ("local", "both"):
            struct.pack_into(local_fmt, out, local + local_at, value)
        if where in ("central", "both"):
            struct.pack_into(central_fmt, out, entry + central_at, value)
    return bytes(out)


def _zip_sources() -> list[tuple[str, tuple[Member, ...]]]:
    out = []
    for folder, name in (
        (FIXTURES / "whatsapp" / "ios-zip-source", "WhatsApp Chat - Jordan Lee.zip"),
        (FIXTURES / "whatsapp" / "demo-zip-source", "WhatsApp Chat - Dana Reyes.zip"),
    ):
        out.append((name, tuple(Member(p.name, p.read_bytes()) for p in sorted(folder.iterdir()))))
    return out


ZIPS = _zip_sources()
MEMBER_NAMES = (
    "../_chat.txt",
    "/tmp/_chat.txt",
    "a/../../_chat.txt",
    "__MACOSX/._chat.txt",
    "dir/",
    "_chat.txt",
    "C:\\evil.jpg",
    "..",
    "../00000003-PHOTO-2024-03-20-10-00-10.jpg",
    "00000003-PHOTO-2024-03-20-10-00-10.jpg",
    "x" * 300,
    "inner.zip",
    "chat/_chat.txt",
    "WhatsApp Chat with Sam Client.txt",
    "\u202eevil.txt",
    "._chat.txt",
    "/",
    "a//b.jpg",
    ".DS_Store",
)
ZIP_NAMES = (
    "WhatsApp Chat - Jordan Lee.zip",
    "WhatsApp Chat - Dana Reyes.zip",
    "WhatsApp Chat with Sam Client.zip",
    "export.zip",
    "WhatsApp Chat - \u202eevil.zip",
)
ZEROS = b"\x00" * (2 << 20)  # 2 MiB that deflate to 2 KiB: over the importer's expansion limit


@st.composite
def chat_zips(draw, depth: int = 1) -> ChatZip:
    base_name, base = draw(st.sampled_from(ZIPS))
    members = list(base)
    data = st.one_of(
        st.binary(max_size=64),
        chat_texts(name="_chat.txt"),
        st.just(ZEROS),
        *([chat_zips(depth=depth - 1)] if depth > 0 else []),
    )
    for at, op, name, value, deflated in draw(
        st.lists(
            st.tuples(
                st.integers(0, 64),
                st.sampled_from(["add", "rename", "replace", "delete"]),
                st.one_of(
                    st.sampled_from(MEMBER_NAMES),
                    st.text(CHARS.filter(lambda c: not "\ud800" <= c <= "\udfff"), min_size=1, max_size=12),
                ),
                data,
                st.booleans(),
            ),
            max_size=4,
        )
    ):
        i = at % len(members) if members else 0
        if op == "add" or not members:
            members.insert(i, Member(name, value, deflated))
        elif op == "rename":
            members[i] = Member(name, members[i].data, members[i].deflated)
        elif op == "replace":
            members[i] = Member(members[i].name, value, deflated)
        else:
            del members[i]
    patch = st.sampled_from(sorted(ZIP_FIELDS)).flatmap(
        lambda f: st.tuples(
            st.integers(0, 8),
            st.sampled_from(["local", "central", "both"]),
            st.just(f),
            st.one_of(st.sampled_from(ZIP_VALUES[f]), st.integers(0, 0xFFFF)),
        )
    )
    return ChatZip(
        name=draw(st.one_of(st.just(base_name), st.sampled_from(ZIP_NAMES))),
        members=tuple(members),
        patches=tuple(draw(st.lists(patch, max_size=3))) if members else (),
        edits=draw(byte_edits(max_at=1 << 12, max_size=2)),
        args=draw(options("whatsapp", WHATSAPP_OPTIONS)),
    )


# -- Android XML ---------------------------------------------------------------------------------

ANDROID_BASES = ("calls-20240301.xml", "sms-20240301.xml", "sms-20240308.xml")
ATTRIBUTES = (
    "date",
    "type",
    "address",
    "body",
    "msg_box",
    "m_id",
    "data",
    "ct",
    "duration",
    "number",
    "readable_date",
    "date_sent",
    "sub_id",
    "text",
    "chset",
    "cl",
    "name",
    "fn",
    "count",
    "protocol",
    "contact_name",
    "m_type",
    "seq",
    "presentation",
)
RAW = (
    '"',
    "<",
    "&",
    "&#55357;",
    "&#56832;",
    "&#55357;&#56832;",
    "&#0;",
    "&#1;",
    "&#x110000;",
    "&#99999999999999999999;",
    "&undefined;",
    "&#xD800;",
    '"/><sms date="1" ',
    "\x00",
    "]]>",
    "<!--",
    "&b;",
    "&amp",
    "&#",
    "\udc80",
)
NUMBERS = (
    "0",
    "-1",
    "-1709312400000",
    str(2**63),
    str(2**64),
    "1" + "0" * 30,
    "99999999999999",
    "253402300799999",
    "253402300800000",
    "1e309",
    "NaN",
    "inf",
    "1.5",
    "0x10",
    " 17",
    "٣",
    "",
    "null",
    "1709312400",
    "1709312400000000",
)
DOCTYPES = (
    "<!DOCTYPE smses>",
    '<!DOCTYPE smses [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',
    '<!DOCTYPE smses SYSTEM "file:///etc/passwd">',
    '<!DOCTYPE smses [<!ENTITY x SYSTEM "file:///etc/hostname">]>',
    "<!doctype smses>",
    "<!DOCTYPE",
)
DECLARATIONS = (
    "<?xml version='1.0' encoding='UTF-16' standalone='yes' ?>",
    "<?xml version='1.1'?>",
    "<?xml version='1.0' encoding='latin-1'?>",
    "<?xml version='1.0' encoding='bogus'?>",
    "",
    "\ufeff<?xml version='1.0' encoding='UTF-8'?>",
    "<?xml version='1.0' encoding='UTF-8'?><?xml version='1.0'?>",
)
ANDROID_OPTIONS = (("--me", "+12025550100"), ("--region", "FR"), ("--me", "+12025550143"))


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


@dataclass(frozen=True)
class Backup:
    "An Android SMS Backup & Restore file: a fixture with `ops` applied to its text, then `edits` to its bytes."

    base: str
    ops: tuple[tuple, ...]
    edits: tuple[ByteEdit, ...] = ()
    name: str = "sms-fuzz.xml"
    args: tuple[str, ...] = ()
    format = "android"

    def data(self) -> bytes:
        text = (FIXTURES / "android" / self.base).read_text(encoding="utf-8")
        for op, *rest in self.ops:
            if op == "attr":  # the k-th `name="…"` of the file gets `value`
                name, k, value = rest
                found = list(re.finditer(rf'\s{name}="([^"]*)"', text))
                if found:
                    m = found[k % len(found)]
                    text = text[: m.start(1)] + value + text[m.end(1) :]
            elif op == "insert":
                at, value = rest
                at %= len(text) + 1
                text = text[:at] + value + text[at:]
            elif op == "repeat":  # a record twice
                lines = text.split("\n")
                k = rest[0] % len(lines)
                lines.insert(k, lines[k])
                text = "\n".join(lines)
            elif op == "doctype":
                first, _, after = text.partition("\n")
                text = f"{first}\n{rest[0]}\n{after}"
            elif op == "declaration":
                end = text.find("?>")
                text = rest[0] + text[end + 2 if end >= 0 else 0 :]
        return apply_edits(text.encode("utf-8", errors="surrogatepass"), self.edits)

    def write(self, folder: Path) -> Path:
        path = folder / self.name
        path.write_bytes(self.data())
        return path


VALUES = st.one_of(
    st.sampled_from(NUMBERS),
    st.integers().map(str),
    TEXT.map(_xml_escape),
    st.sampled_from(RAW),
    st.builds(Repeat, st.sampled_from(["9", "a", "&#55357;"]), st.integers(1000, 200_000)).map(str),
)
ANDROID_OPS = st.one_of(
    st.tuples(st.just("attr"), st.sampled_from(ATTRIBUTES), st.integers(0, 64), VALUES),
    st.tuples(st.just("insert"), st.integers(0, 1 << 14), st.one_of(st.sampled_from(RAW), TEXT)),
    st.tuples(st.just("repeat"), st.integers(0, 64)),
    st.tuples(st.just("doctype"), st.sampled_from(DOCTYPES)),
    st.tuples(st.just("declaration"), st.sampled_from(DECLARATIONS)),
)


@st.composite
def backups(draw) -> Backup:
    return Backup(
        base=draw(st.sampled_from(ANDROID_BASES)),
        ops=tuple(draw(st.lists(ANDROID_OPS, max_size=5))),
        edits=draw(byte_edits(max_at=1 << 14, max_size=2)),
        name=draw(st.sampled_from(["sms-fuzz.xml", "sms-20240301.xml", "calls-fuzz.xml", "backup"])),
        args=draw(options("android", ANDROID_OPTIONS)),
    )


# -- iMessage chat.db ----------------------------------------------------------------------------


def _columns(schema: str) -> dict[str, tuple[str, ...]]:
    with closing(sqlite3.connect(":memory:")) as conn:
        conn.executescript((FIXTURES / "imessage" / schema).read_text())
        tables = [
            t
            for (t,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {t: tuple(row[1] for row in conn.execute(f"PRAGMA table_info([{t}])")) for t in tables}


COLUMNS = _columns("modern_schema.sql")
TABLES = tuple(COLUMNS)
# The columns the importer reads first, then the rest of the schema's.
READ = (
    "date",
    "text",
    "attributedBody",
    "handle_id",
    "is_from_me",
    "guid",
    "associated_message_type",
    "associated_message_guid",
    "message_summary_info",
    "date_edited",
    "date_retracted",
    "item_type",
    "group_action_type",
    "service",
    "filename",
    "chat_id",
    "message_id",
    "attachment_id",
    "id",
    "chat_identifier",
    "style",
    "transfer_name",
    "mime_type",
    "ROWID",
)
# A table (the message table most often) and one of its columns (one the importer reads most often).
TABLE_COLUMNS = st.sampled_from(("message", "message", "message", *TABLES)).flatmap(
    lambda table: st.tuples(
        st.just(table),
        st.one_of(
            st.sampled_from([c for c in COLUMNS[table] if c in READ] or COLUMNS[table]), st.sampled_from(COLUMNS[table])
        ),
    )
)
SQL_VALUES = st.one_of(
    st.none(),
    st.integers(-(2**63), 2**63 - 1),
    st.sampled_from([2**63 - 1, -(2**63), 0, -1, 1, 10**18, 10**17 * 9, 978307200, -978307200, 1 << 53]),
    st.floats(),
    TEXT,
    st.binary(max_size=32),
    st.sampled_from(["", "2024-03-01", "+12025550123", "chat493827161", "NaN"]),
)
BLOBS = st.one_of(
    st.binary(max_size=64),
    st.tuples(TEXT.filter(lambda t: not any("\ud800" <= c <= "\udfff" for c in t)), st.integers(0, 200)).map(
        lambda t: typedstream(t[0])[: t[1]]
    ),
    st.tuples(st.sampled_from(["Hello", "x" * 300, "\u202eabc"]), byte_edits(max_at=200, max_size=2)).map(
        lambda t: apply_edits(typedstream(t[0]), t[1])
    ),
    st.sampled_from(
        [
            b"bplist00",
            b"bplist00\x00\x00",
            b"\x04\x0bstreamtyped",
            b"\x04\x0bstreamtyped\x81\xe8\x03\x84\x01@\x84\x84\x84",
        ]
    ),
)
ROW = st.one_of(st.none(), st.integers(0, 40))  # one row (its index, modulo the table's rows), or every row
DB_OPS = st.one_of(
    st.tuples(st.just("drop table"), st.sampled_from(TABLES)),
    TABLE_COLUMNS.map(lambda tc: ("drop column", *tc)),
    st.tuples(TABLE_COLUMNS, ROW, SQL_VALUES).map(lambda t: ("set", *t[0], t[1], t[2])),
    st.tuples(st.sampled_from(["attributedBody", "message_summary_info", "payload_data"]), ROW, BLOBS).map(
        lambda t: ("set", "message", *t)
    ),
    st.sampled_from(TABLES).flatmap(
        lambda table: st.tuples(
            st.just("insert"), st.just(table), st.dictionaries(st.sampled_from(COLUMNS[table]), SQL_VALUES, max_size=4)
        )
    ),
)


def _loosen(conn: sqlite3.Connection, table: str, keep=lambda column: True) -> None:
    """`table` rebuilt without its constraints (NOT NULL, UNIQUE, types), and without the columns `keep` refuses."""
    columns = [r[1] for r in conn.execute(f"PRAGMA table_info([{table}])") if keep(r[1])]
    if not columns:
        conn.execute(f"DROP TABLE [{table}]")
        return
    conn.execute(f"CREATE TABLE [fuzz_{table}] AS SELECT {', '.join(f'[{c}]' for c in columns)} FROM [{table}]")
    conn.execute(f"DROP TABLE [{table}]")
    conn.execute(f"ALTER TABLE [fuzz_{table}] RENAME TO [{table}]")


def _bind(value) -> tuple[str, object]:
    """A placeholder and its parameter; text with a lone surrogate is stored as the bytes that encode it,
    typed TEXT: invalid UTF-8 in a text column, as a damaged database has."""
    if isinstance(value, str) and any("\ud800" <= c <= "\udfff" for c in value):
        return "CAST(? AS TEXT)", value.encode("utf-8", errors="surrogatepass")
    return "?", value


def _apply(conn: sqlite3.Connection, op: tuple) -> None:
    kind, table, *rest = op
    if kind == "drop table":
        conn.execute(f"DROP TABLE [{table}]")
        return
    if kind == "drop column":
        _loosen(conn, table, keep=lambda column: column != rest[0])
        return
    if kind == "set":
        column, row, value = rest
        where = (
            ""
            if row is None
            else f" WHERE rowid = (SELECT rowid FROM [{table}] LIMIT 1 OFFSET {row} % max(1, (SELECT count(*) FROM [{table}])))"
        )
        placeholder, parameter = _bind(value)
        sql, parameters = f"UPDATE [{table}] SET [{column}] = {placeholder}{where}", [parameter]
    else:  # insert
        bound = [_bind(value) for value in rest[0].values()]
        sql = (
            f"INSERT INTO [{table}] ({', '.join(f'[{c}]' for c in rest[0])}) VALUES ({', '.join(p for p, _ in bound)})"
            if bound
            else f"INSERT INTO [{table}] DEFAULT VALUES"
        )
        parameters = [parameter for _, parameter in bound]
    try:
        conn.execute(sql, parameters)
    except sqlite3.IntegrityError:
        _loosen(conn, table)
        conn.execute(sql, parameters)


@dataclass(frozen=True)
class ChatDb:
    "A Messages chat.db in home/Library/Messages: a built fixture with SQL `ops` (one that cannot apply is left out), then `edits` to its bytes."

    base: str  # "modern" | "old"
    ops: tuple[tuple, ...]
    edits: tuple[ByteEdit, ...] = ()
    args: tuple[str, ...] = ()
    format = "imessage"

    def write(self, folder: Path) -> Path:
        home = folder / "home"
        path = build_modern(home) if self.base == "modern" else build_old(home / "Library" / "Messages" / "chat.db")
        with closing(sqlite3.connect(path)) as conn:
            for op in self.ops:
                try:
                    _apply(conn, op)
                except (sqlite3.OperationalError, sqlite3.IntegrityError, sqlite3.ProgrammingError, OverflowError):
                    pass  # (a table or column the base lacks, or one an earlier op dropped)
            conn.commit()
        if self.edits:
            path.write_bytes(apply_edits(path.read_bytes(), self.edits))
        return path


@st.composite
def chat_dbs(draw) -> ChatDb:
    return ChatDb(
        base=draw(st.sampled_from(["modern", "old"])),
        ops=tuple(draw(st.lists(DB_OPS, max_size=5))),
        edits=draw(st.one_of(st.just(()), byte_edits(max_at=1 << 16, max_size=3))),
        args=draw(options("imessage", (("--region", "GB"), ("--tz", "Europe/Paris")))),
    )


STRATEGIES = {"whatsapp-txt": chat_texts(), "whatsapp-zip": chat_zips(), "android": backups(), "imessage": chat_dbs()}


# -- the archive and the import ------------------------------------------------------------------


def make_template(folder: Path) -> Path:
    """An archive holding the fixtures each fuzzed export overlaps: an Android backup, a WhatsApp chat as
    .txt and as .zip (both with --me), a Messages chat.db."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "template.db"
    with Archive.create(path, **OWNER) as archive:
        import_path(archive, FIXTURES / "android" / "sms-20240301.xml")
        import_path(archive, FIXTURES / "whatsapp" / "WhatsApp Chat with Sam Client.txt", me="Alex Owner")
        import_path(archive, FIXTURES / "whatsapp" / "WhatsApp Chat - Jordan Lee.zip", me="Alex Owner")
        import_path(archive, build_modern(folder / "home"), attachments_root=folder / "home")
    return path


def dump(path: Path) -> list[str]:
    """The archive's logical content: schema and every row of every table, as SQL (`.iterdump`)."""
    with closing(sqlite3.connect(path)) as conn:
        return list(conn.iterdump())


def _without_provenance(lines: list[str]) -> list[str]:
    return [line for line in lines if not line.startswith(tuple(f'INSERT INTO "{t}" ' for t in PROVENANCE))]


def _difference(before: list[str], after: list[str], limit: int = 6) -> str:
    gone, new = sorted(set(before) - set(after)), sorted(set(after) - set(before))
    return "; ".join([*(f"- {line[:300]}" for line in gone[:limit]), *(f"+ {line[:300]}" for line in new[:limit])])


class Hang(BaseException):
    "The import did not end within the deadline (a BaseException: no `except Exception` swallows it)."


@contextmanager
def deadline_alarm(seconds: float):
    def ring(signum, frame):
        raise Hang()

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class Outcome:
    status: str  # "imported", "refused", or the promise broken: "crash", "hang", "bad output", "changed on refusal", "not idempotent"
    detail: str = ""  # the refusal's reason; what broke, with the traceback
    seconds: float = 0.0

    @property
    def held(self) -> bool:
        return self.status in ("imported", "refused")


@dataclass
class _Run:
    exit_code: int
    stdout: str
    stderr: str
    error: str | None = None  # a traceback


def _run_cli(args: list[str], env: dict, seconds: float) -> _Run:
    with deadline_alarm(seconds):
        result = CliRunner().invoke(app, args, env=env)
    error = None
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        error = "".join(traceback.format_exception(*result.exc_info))
    return _Run(result.exit_code, result.stdout, result.stderr, error)


def _run_process(args: list[str], env: dict, seconds: float) -> _Run:
    try:
        environment = {k: v for k, v in {**os.environ, **env}.items() if v is not None}
        done = subprocess.run(
            [sys.executable, "-m", "textfile", *args], env=environment, capture_output=True, timeout=seconds
        )
    except subprocess.TimeoutExpired:
        raise Hang() from None
    return _Run(done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace"))


_TEMPLATE_DUMPS: dict[Path, list[str]] = {}
_SUMMARY = re.compile(r"\w+, added ([\d,]+), already present ([\d,]+), updated ([\d,]+), skipped ([\d,]+)$")


def attempt(export, template: Path, *, deadline: float = 10.0, process: bool = False) -> Outcome:
    """Import `export` into a copy of `template` through the CLI (in this process, or `process`: `python -m
    textfile`), and again where it was imported; which promise broke, if one did."""
    run = _run_process if process else _run_cli
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="textfile-fuzz-") as tmp:
        folder = Path(tmp)
        archive = folder / "archive.db"
        shutil.copyfile(template, archive)
        (folder / "in" / "home").mkdir(parents=True)
        path = export.write(folder / "in")
        before = _TEMPLATE_DUMPS.get(template) or _TEMPLATE_DUMPS.setdefault(template, dump(template))
        # Attachment paths (~/…) are looked for in the export's own home, never the user's; the config
        # folder stays the one the template was made with.
        env = {
            "TEXTFILE_DEBUG": "1",
            "TEXTFILE_ARCHIVE": None,
            "HOME": str(folder / "in" / "home"),
            "XDG_CONFIG_HOME": os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config"),
        }
        command = ["--archive", str(archive), "import", str(path), *export.args]

        def outcome(status: str, detail: str = "") -> Outcome:
            return Outcome(status, detail, time.monotonic() - started)

        try:
            first = run(command, env, deadline)
            if first.error or "Traceback (most recent call last)" in first.stdout + first.stderr:
                return outcome("crash", first.error or first.stderr)
            prefix = f"Error: {path}: "
            if first.exit_code == 1:
                lines = first.stderr.splitlines()
                if len(lines) != 1 or not lines[0].startswith(prefix) or first.stdout:
                    return outcome(
                        "bad output", f"exit 1, stderr {first.stderr[:2000]!r}, stdout {first.stdout[:500]!r}"
                    )
                if (after := dump(archive)) != before:
                    return outcome("changed on refusal", f"{lines[0]}: {_difference(before, after)}")
                return outcome("refused", lines[0][len(prefix) :])
            summary = _SUMMARY.match(first.stdout.partition("\n")[0].removeprefix(f"{path}: "))
            if first.exit_code != 0 or first.stderr or not first.stdout.startswith(f"{path}: ") or not summary:
                return outcome(
                    "bad output",
                    f"exit {first.exit_code}, stderr {first.stderr[:2000]!r}, stdout {first.stdout[:500]!r}",
                )
            added, present, updated, skipped = (int(n.replace(",", "")) for n in summary.groups())
            imported = dump(archive)
            second = run([*command, "--json"], env, deadline)
            if second.error or second.exit_code != 0:
                return outcome(
                    "not idempotent", f"the second import: exit {second.exit_code}, {second.error or second.stderr}"
                )
            [again] = json.loads(second.stdout)
            counts = (again["added"], again["updated"], again["already_present"], sum(again["skipped"].values()))
            if counts != (0, 0, added + present + updated, skipped):
                return outcome(
                    "not idempotent",
                    f"first added {added}, already present {present}, updated {updated}, skipped {skipped};"
                    f" the second added {counts[0]}, updated {counts[1]}, already present {counts[2]}, skipped {counts[3]}",
                )
            if (after := _without_provenance(dump(archive))) != (kept := _without_provenance(imported)):
                return outcome("not idempotent", f"the second import changed: {_difference(kept, after)}")
            return outcome("imported")
        except Hang:
            return outcome("hang", f"no end within {deadline:g} s")


def prove(outcome: Outcome) -> None:
    """The property: the import's promises held."""
    assert outcome.held, f"{outcome.status}: {outcome.detail}"
