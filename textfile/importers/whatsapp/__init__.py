"""WhatsApp "Export chat": the .txt, or the .zip with the chat text and its media.

Decisions:
- The file is read twice, streamed in chunks, never held whole: the first pass surveys it (the
  header style, which day/month order its dates allow, who writes), the second yields messages.
  Memory stays flat however long the chat; zip members are streamed the same way, never extracted.
- Headers are found by one regex over whole chunks, each header right after a "\n" (the common
  Android shape tried first, see _AFTER_NEWLINE); the date and time are taken apart by hand (no
  strptime per line) and cached. A line that looks like a header but is not one of the file's own
  style, or whose date is impossible, is text of the message before it.
- Identity (DESIGN.md): the time as written (its components in written order, the year made
  Gregorian, the hour made 24-hour), the sender as written (marks and odd spaces removed, but not
  made E.164, which would change with phone-number metadata), the text with WhatsApp's
  invisible marks removed and media placeholders reduced to one token (so an export with media and
  one without give the same identities), and the occurrence of that tuple within the export.
  The body keeps those marks as written (`_interpret`): they are evidence, and can reverse what a
  phone displays. Versions before kept none; their identities are the same.
  An edit or a deletion between two exports therefore changes a message's identity: ingest folds
  the new form into the archived message (`EDITS_CHANGE_IDENTITY`, `ingest._Writer.fold`).
- The conversation key is the chat's name (from the file name in WhatsApp's languages, the zip's
  name, `--conversation`) and the owner: next week's longer export lands in the same conversation.
  A chat the archive holds under another owner (another --me, or none where one was given) is
  refused (`_same_chat_same_owner`): it would be a second copy of the chat with another person's
  messages as the owner's; `--conversation` names another chat of the same name.
- Day/month order: a date with a number above 12 proves it. Else, in turn, the order a person gave
  for this chat before (`ImportOptions.chat_date_orders`: --date-order, or a correction; so the
  weekly run, which takes no --date-order, reads it alike), the dated attachment names (a third,
  cold reading: only such a file, a short one), the order in which the dates advance, the region's
  usual order; an order not proven is an assumption naming what it rested on. For a chat the
  archive holds, the order is told to ingest (`DateOrder`), which refuses an order that would move
  its messages unless the import corrects the earlier reading.
- The zone of the wall clock: --tz; without it, for a chat the archive holds, the zone it was
  last read in (`ImportOptions.chat_zones`, by conversation key, which only the survey settles:
  no second reading), with an assumption saying so and a `Zone` record that the import records;
  else the archive's. A --tz that moves archived messages is refused by ingest unless it corrects.
- A time as written that a DST change made impossible or ambiguous in the zone is read as
  `times.localize` says and flagged on its message; an assumption of the import says how many
  were read how, naming the first lines of each with the time as written and as read (`_Resolved`).
  Except where the order of the lines shows the clocks going back: WhatsApp writes a chat in the
  order it was sent, mostly, so on a day whose lines go back in time once, from a time of the
  repeated hour to an earlier one of it (the survey counts the go-backs of each day, `_fall_backs`
  checks them in the zone), the line that goes back and the lines of that hour after it are the
  second occurrence (still flagged `time_ambiguous`; the instant says which, `times.second_occurrence`).
  The lines of that hour before it are the first, on that evidence. A day whose lines go back
  elsewhere too proves nothing: the first is assumed, and the assumption names the line. By day,
  not by file, so that a later export of the chat, with lines out of order on other days, reads
  that night the same way. Identity holds the time as written: it does not change with the reading.
- Media: a line names a file by its exact name, or by that name plus one extension the phone added
  ("….jpg.png"), when only one file fits. A zip or an export folder is the whole export: the files
  no line names are kept as files of the chat (`ChatFile`: no time, no sender), the litter of
  zipping is skipped by name, so no file of an export goes unaccounted for. A member that cannot
  be read (damaged, encrypted) does not cost the chat: a line's attachment is missing with the
  reason, and said; a file no line names is skipped with it. A member holding more than it
  declares refuses the zip, as the declared sizes are what its limits were checked on (`_member`).
  A chat text that cannot be read is refused as such (encrypted, larger than it declares, damaged),
  not as a zip without a chat (`_zip_chat_member`).
- Media the export left out: iOS says what kind ("image omitted", "Bild weggelassen"), Android's
  "<Media omitted>" does not. The attachment's missing reason keeps the kind in English and the
  placeholder as the export wrote it ('image omitted by export (the export wrote "Bild
  weggelassen")'), or says the export names no kind. Not its `mime`: that would claim a file type
  nobody saw, and it is hashed. The reason is in no identity or content hash, so a message archived
  when the reason was only "omitted by export" is the same message, with the same hash (its stored
  reason stays as it was).
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
import copy
import hashlib
import io
import lzma
import mimetypes
import re
import struct
import unicodedata
import zipfile
import zlib
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path

from textfile import phones, times
from textfile.errors import ImportFailed, TextfileError
from textfile.model import (
    DATE_ORDERS,
    OTHER_ORDER,
    Attachment,
    ChatFile,
    Conversation,
    DateOrder,
    ImportOptions,
    Message,
    Notice,
    Participant,
    Record,
    Skipped,
    Zone,
)

FORMAT = "whatsapp"
VERSION = "1"
CHAT_NAMED_BY_FILE = True  # the conversation key comes from the file's name (see ingest)
EDITS_CHANGE_IDENTITY = True  # the text is part of a message's identity: an edit between exports is folded (see ingest)
WALL_CLOCK = True  # times carry no zone: read in --tz, or a chat the archive holds in the zone it was last read in (`ImportOptions.chat_zones`)

CHUNK = 1 << 18  # characters per read; headers are matched over whole chunks
MAX_LINE = 64 << 20  # a "line" longer than this is not text
DETECT_BYTES = 64 << 10

# Zip limits: refuse before reading anything (declared sizes), and never read more than declared.
MAX_CHAT_BYTES = 1 << 30
MAX_MEMBER_BYTES = 1 << 30
MAX_TOTAL_BYTES = 8 << 30
MAX_RATIO = 200  # uncompressed/compressed for members over 1 MiB; real media barely compress

# --------------------------------------------------------------------------------------------
# The header. Examples (invisible characters written out):
#   iOS      \u200e[3/14/26, 9:05:11\u202fPM] Sam: text        [20.06.19, 15:58:47] Loris: text
#            [12.3.2022 klo 14.08.18] Name: text                 [\u200f27\u200f/3\u200f/2022\u060c 21:41:35] …
#            [3/27/2565 BE, 21:41:35] …   [3/27/R4, 21:41:35] …  [3/18/22 14:56:00] …
#   Android  18/03/2022, 14:56 - Name: text    1/4/23, 7:02\u202fPM - …    20/6/2017 8:28 p.\u00a0m. - …
#            23.03.22 13:31 - …   2019-10-20, 10:16 - …   ٢٤\u200f/٤\u200f/٢٠٢٢، ٢:٠٧ م - …
#   legacy   06.08.13, 19:55:10: Name: text    3/24/14, 1:59:59 PM: Name: text
# --------------------------------------------------------------------------------------------

_MARKS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff\u061c\u200b"
_M = f"[{_MARKS}]*+"  # possessive: a line of nothing but marks is read in time linear in its length (fuzz finding)
_SP = "[ \u00a0\u202f\u2009]"

# Morning / afternoon words, normalized (case-folded, dots and spaces removed) -> hours to add.
_AMPM = {
    "am": 0,
    "pm": 12,
    "ص": 0,
    "م": 12,
    "午前": 0,
    "午後": 12,
    "上午": 0,
    "下午": 12,
    "오전": 0,
    "오후": 12,
    "πμ": 0,
    "μμ": 12,
    "قظ": 0,
    "بظ": 12,
    "ap": 0,
    "ip": 12,
    "fm": 0,
    "em": 12,
    "fh": 0,
    "eh": 12,
    "дп": 0,
    "пп": 12,
    "sa": 0,
    "ch": 12,
    "vorm": 0,
    "nachm": 12,
    "पूर्वाह्न": 0,
    "अपराह्न": 12,
    "ก่อนเที่ยง": 0,
    "หลังเที่ยง": 12,
    "পূর্বাহ্ণ": 0,
    "অপরাহ্ণ": 12,
}
_AP_WORDS = (
    rf"(?i:[ap]\.?{_SP}?m\.?)|ص|م|午前|午後|上午|下午|오전|오후|π\.?{_SP}?μ\.?|μ\.?{_SP}?μ\.?|ق\.?ظ\.?|ب\.?ظ\.?"
    r"|(?i:ap\.|ip\.|fm|em|f\.h\.|e\.h\.|дп|пп|sa|ch|vorm\.|nachm\.)|पूर्वाह्न|अपराह्न|ก่อนเที่ยง|หลังเที่ยง|পূর্বাহ্ণ|অপরাহ্ণ"
)

HEADER = re.compile(
    rf"^{_M}(?P<br>\[)?{_M}"
    # date: three numbers, the same separator twice; a Japanese era letter or Buddhist "BE"
    rf"(?P<d1>\d{{1,4}}){_M}(?P<sep>[./\-]){_SP}?{_M}(?P<d2>\d{{1,2}}){_M}(?P=sep){_SP}?{_M}"
    rf"(?P<era>[RHST])?(?P<d3>\d{{1,4}})\.?(?:{_SP}?(?P<be>BE))?"
    # between date and time: a comma (Latin or Arabic) and/or spaces, maybe a word ("klo")
    rf"{_M}(?:[,\u060c]{_SP}*|{_SP}+)(?:(?:klo|à|kl\.?|um|alle|às|om|в){_SP}+)?{_M}"
    rf"(?:(?P<ap0>上午|下午|午前|午後|오전|오후){_SP}?)?"
    rf"(?P<H>\d{{1,2}})[:.](?P<M>\d{{2}})(?:[:.](?P<S>\d{{2}}))?"
    rf"(?:{_SP}*{_M}(?P<ap>{_AP_WORDS}))?{_M}"
    # end: "] " (iOS), " - " (Android), ": " (legacy)
    rf"(?(br)\]{_SP}?|(?P<tr>{_SP}[-–]{_SP}|:{_SP}))",
    re.M,
)

# Finding headers in a long text: the same HEADER after a "\n" (the chunks begin with one, see
# _chunks), so that the regex engine jumps from line end to line end instead of trying `^` at every
# character. The shape most exports have, `18/03/2022, 14:56 - ` (Android), is tried first: it is
# HEADER with every optional part left out (marks, "[", a space after a separator, era letter,
# "BE", ".", a word before the time, am/pm), and where it matches none of those parts could have
# (the characters there are the digits and the punctuation it requires), so HEADER would match the
# same text with the same numbers. Its groups are 1-7 (d1, sep, d2, d3, H, M, S); HEADER's follow.
_COMMON = r"(\d{1,4})([./\-])(\d{1,2})\2(\d{1,4}), (\d{1,2})[:.](\d{2})(?:[:.](\d{2}))? - "
_AFTER_NEWLINE = re.compile(f"\n(?:{_COMMON}|{HEADER.pattern[1:]})")

_ERAS = {"R": 2018, "H": 1988, "S": 1925, "T": 1911}
_INVISIBLE = str.maketrans({**{c: None for c in _MARKS}})
_MARK_START = ("\u200e", "\u200f")
_HAS_MARK = re.compile(f"[{_MARKS}]").search


def _clean(text: str) -> str:
    if text.isascii() or not _HAS_MARK(text):  # (every mark is outside ASCII; isascii() costs nothing)
        return text
    return text.translate(_INVISIBLE)


def _year(era: str | None, d3: str, be: str | None) -> int:
    year = int(d3)
    if era:
        return _ERAS[era] + year
    if len(d3) <= 2:
        return 2000 + year
    if be or year > 2400:  # Buddhist era
        return year - 543
    return year


def _hour(H: str, ap: str | None, ap0: str | None) -> int:
    hour = int(H)
    word = ap or ap0
    if word is None:
        return hour
    add = _AMPM.get(word.casefold().replace(".", "").replace(" ", "").replace("\u00a0", "").replace("\u202f", ""))
    if add is None or hour > 12:  # "23:59 PM" (seen in hand-edited files): the hour is already 24-hour
        return hour
    return hour % 12 + add


# --------------------------------------------------------------------------------------------
# Reading the source: a .txt (with its media maybe beside it) or a .zip (chat text + media)
# --------------------------------------------------------------------------------------------

# Everything reading a damaged zip can raise (zipfile lets zlib's, lzma's and struct's errors through).
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    lzma.LZMAError,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,
    RuntimeError,
    KeyError,
    IndexError,
    struct.error,
    UnicodeDecodeError,
)


class _Unreadable(Exception):
    "A zip member that cannot be read as the zip declares it (the message says why: 'encrypted …', 'damaged …')."


class _LargerThanDeclared(_Unreadable):
    "A zip member that holds more than the size the zip declares (a zip bomb's way past the limits): the zip is refused."


def _member(zf: zipfile.ZipFile, member: zipfile.ZipInfo, keep: bool = True) -> bytes:
    """A zip member's bytes (b"" unless `keep`), read to the end and checked, or _Unreadable saying
    what is wrong. zipfile stops at the declared size and calls what it cut off a "Bad CRC-32":
    the member is read one byte past it instead, its CRC-32 checked here, so the two are told apart."""
    if member.flag_bits & 1:
        raise _Unreadable("encrypted (a password is needed to read it)")
    probe = copy.copy(member)
    probe.file_size = member.file_size + 1
    del probe.CRC  # (zipfile checks none)
    kept, size, crc = [], 0, 0
    try:
        with zf.open(probe) as fp:
            while piece := fp.read(1 << 20):
                size += len(piece)
                crc = zlib.crc32(piece, crc)
                if keep:
                    kept.append(piece)
    except NotImplementedError as exc:  # (zipfile's words: "That compression method is not supported")
        raise _Unreadable(f"compressed in a way that cannot be read here ({exc})") from None
    except _ZIP_ERRORS as exc:
        raise _Unreadable(f"damaged ({exc})") from None
    if size > member.file_size:
        raise _LargerThanDeclared(f"larger than it declares ({member.file_size:,} bytes)")
    if crc != member.CRC:
        raise _Unreadable("damaged (its content does not match its CRC-32)")
    return b"".join(kept)


@dataclass
class _Source:
    path: Path
    open_text: Callable[[], io.TextIOBase]
    chat_file_name: str  # name of the chat text (member name inside a zip)
    container_name: str | None  # the zip's file name
    media: _Media  # the files of the export beside the chat text (in the zip, the folder)
    close: Callable[[], None] = lambda: None
    encoding: str = "utf-8-sig"


# A byte the chat text's encoding cannot decode is read as U+DC00 + its value (a lone surrogate, which
# no decoding yields), so that `_chunks` can say where it stood before it puts U+FFFD in its place.
_BYTES = "textfile-whatsapp-bytes"
codecs.register_error(_BYTES, lambda exc: ("".join(chr(0xDC00 + b) for b in exc.object[exc.start : exc.end]), exc.end))
_ESCAPED = re.compile("[\udc00-\udcff]")


def _encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16"
    return "utf-8-sig"


def _looks_like_chat(head: bytes) -> bool:
    """Does this start of a file begin like a WhatsApp chat? (first non-empty lines)"""
    if b"\x00" in head[:4096] and not (head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE)):
        return False
    text = head.decode(_encoding(head), errors="replace").replace("\r\n", "\n")
    lines = [line for line in text.split("\n")[:50] if line.strip(" \t\r" + _MARKS)]
    for line in lines[:3]:
        m = HEADER.match(line)
        if m and _valid_components(m):
            return True
    return False


def _valid_components(m: re.Match) -> bool:
    try:
        a, b, H, M = int(m.group("d1")), int(m.group("d2")), int(m.group("H")), int(m.group("M"))
    except ValueError:
        return False
    if len(m.group("d1")) >= 3:
        return 1 <= b <= 12 and 1 <= int(m.group("d3")) <= 31 and H <= 24 and M <= 59
    return 1 <= a <= 31 and 1 <= b <= 31 and (a <= 12 or b <= 12) and H <= 24 and M <= 59


class _UnreadableChat(Exception):
    "The zip's chat text (by its name) cannot be read: (member name, why)."


def _zip_chat_member(zf: zipfile.ZipFile) -> zipfile.ZipInfo | None:
    """The zip's chat text. A text named as one ("_chat.txt", "WhatsApp Chat with Sam.txt") that
    cannot be read is still the chat: _UnreadableChat says why, where it is the one to take."""
    candidates, unreadable = [], {}
    for info in zf.infolist():
        name = info.filename
        base = name.rsplit("/", 1)[-1]
        if info.is_dir() or name.startswith("__MACOSX/") or base.startswith("._") or not base.lower().endswith(".txt"):
            continue
        if info.file_size > MAX_CHAT_BYTES:
            continue
        rank = _chat_rank(base)
        try:
            with zf.open(info) as fp:
                head = fp.read(DETECT_BYTES)
        except _ZIP_ERRORS as exc:
            if rank == 2:  # a text of any name that cannot be read: nothing says it is a chat
                continue
            try:
                _member(zf, info, keep=False)
                unreadable[name] = f"unreadable ({exc})"
            except _Unreadable as why:
                unreadable[name] = str(why)
            candidates.append((rank, name, info))
            continue
        if not _looks_like_chat(head):
            continue
        candidates.append((rank, name, info))
    chat = _pick(candidates)
    if chat is not None and chat.filename in unreadable:
        raise _UnreadableChat(chat.filename, unreadable[chat.filename])
    return chat


def _chat_rank(name: str) -> int:
    return 0 if name == "_chat.txt" else 1 if chat_name_from_file(name) or "whatsapp" in name.lower() else 2


class _SeveralChats(Exception):
    "More than one chat text, none of them clearly the export's own."


def _pick(candidates: list[tuple]):
    """The chat text among (rank, name, item) candidates: the only one of the best rank."""
    if not candidates:
        return None
    best = min(c[0] for c in candidates)
    top = sorted(
        (c for c in candidates if c[0] == best), key=lambda c: c[:2]
    )  # (two members of one name: their items have no order)
    if len(top) > 1:
        raise _SeveralChats(", ".join(repr(c[1]) for c in top[:5]) + (" …" if len(top) > 5 else ""))
    return top[0][-1]


# What an unzipped export holds beside its chat text, besides files the chat names: the media and
# documents WhatsApp exports ("00000004-Contract.pdf", "PTT-20240312-WA0002.opus", "Sam.vcf").
_MEDIA_EXTENSIONS = frozenset(
    ".jpg .jpeg .png .gif .webp .heic .heif .bmp .tif .tiff .mp4 .3gp .mov .m4v .avi .mkv .webm .opus .ogg .oga .mp3 .m4a"
    " .aac .amr .wav .flac .vcf .pdf .doc .docx .xls .xlsx .ppt .pptx .odt .ods .odp .rtf .pages .numbers .key".split()
)
# Left by unzipping or browsing a folder; never part of an export, never one.
_FOLDER_LITTER = frozenset({".DS_Store", "Thumbs.db", "desktop.ini", "__MACOSX"})


# Extensions a phone adds when it converts a file it exports ("IMG-20230922-WA0006.jpg.png", "….opus.ogg").
_ADDED_EXTENSIONS = frozenset(
    ".jpg .jpeg .png .gif .webp .heic .heif .mp4 .3gp .mov .m4v .webm .opus .ogg .oga .mp3 .m4a .aac .amr .wav".split()
)


@dataclass(eq=False)
class _File:
    name: str  # as the zip or the folder writes it
    read: Callable[
        [], bytes | None
    ]  # None: not to be read (a link out of the export folder, unreadable); raises _Unreadable


def _is_litter(name: str) -> bool:
    base = name.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    return name.startswith("__MACOSX/") or base in _FOLDER_LITTER or base.startswith("._")


class _Media:
    """The files an export holds beside its chat text: the one each attachment line names, and the rest.

    A line names a file by its exact name (Unicode-normalized), or else by that name plus one
    extension the phone added when it converted the file ("IMG-20230922-WA0006.jpg.png" for a line
    naming "IMG-20230922-WA0006.jpg"): an image, audio or video extension (_ADDED_EXTENSIONS), and
    only one file may fit; of two, neither is taken (nothing says which is meant). Listed on first
    use, so a chat without attachments never lists the folder of a lone chat text."""

    def __init__(self, listing: Callable[[], tuple[list[_File], list[str]]], missing: str, whole_export: bool):
        self.listing = listing  # -> (files, names of the litter of zipping or unzipping)
        self.missing = missing  # why a named file is not there: "not in the zip", …
        # A zip or an export folder is the export: the files no line names are kept (ChatFile).
        # Beside a lone chat text, they may be anybody's.
        self.whole_export = whole_export
        self.files: list[_File] | None = None
        self.litter: list[str] = []
        self.exact: dict[str, _File] = {}
        self.longer: dict[str, list[_File]] = {}  # a name -> the files named it plus one added extension
        self.used: set[int] = set()  # ids of the files a line named
        self.converted: list[tuple[int, str, str]] = []  # (line, name written, file taken) by an added extension
        self.unreadable: list[tuple[int, str, str]] = []  # (line, file, why) of a file a line names that cannot be read

    def index(self) -> list[_File]:
        if self.files is None:
            self.files, self.litter = self.listing()
            for f in self.files:
                key = unicodedata.normalize("NFC", f.name.replace("\\", "/").rsplit("/", 1)[-1])
                self.exact.setdefault(key, f)
                stem, _dot, extension = key.rpartition(".")
                if stem and "." + extension.lower() in _ADDED_EXTENSIONS:
                    self.longer.setdefault(stem, []).append(f)
        return self.files

    def find(self, name: str, line: int) -> tuple[_File, str] | str:
        """The file a line's attachment name stands for and the name to record it by (the line's,
        or the file's own when the phone added an extension), or why there is none."""
        self.index()
        key = unicodedata.normalize("NFC", name)
        found = self.exact.get(key)
        if found is None:
            fits = self.longer.get(key, ())
            if len(fits) != 1:
                if not fits:
                    return self.missing
                listed = ", ".join(repr(f.name) for f in fits[:3]) + (" …" if len(fits) > 3 else "")
                return f"{self.missing} under this name; {len(fits)} files are this name with one more extension ({listed}): none was taken"
            found = fits[0]
            self.converted.append((line, name, found.name))
            name = found.name.replace("\\", "/").rsplit("/", 1)[-1]
        self.used.add(id(found))
        return found, name


class _NotOneExport(Exception):
    "The folder is not one unzipped WhatsApp export (the message says why)."


def _export_folder(folder: Path) -> Path:
    """The chat text of an unzipped export folder ("WhatsApp Chat - Sam/_chat.txt" and its media).

    A folder is one export only when everything in it but the chat text is that chat's media: a
    folder holding a chat beside other exports is read file by file, or the others would never be."""
    chats, others, folders = [], [], []
    for child in sorted(folder.iterdir()):
        name = child.name
        if _is_litter(name):
            continue
        if child.is_dir():
            folders.append(name + "/")
            continue
        if name.lower().endswith(".txt") and child.is_file():
            with open(child, "rb") as fp:
                if _looks_like_chat(fp.read(DETECT_BYTES)):
                    chats.append((_chat_rank(name), name, child))
                    continue
        others.append(name)
    try:
        chat = _pick(chats)
    except _SeveralChats as several:
        raise _NotOneExport(
            f"the folder holds several WhatsApp chats ({several}); it is not one unzipped export: import each chat's file on its own"
        ) from None
    if chat is None:
        raise _NotOneExport("the folder holds no WhatsApp chat text (_chat.txt or 'WhatsApp Chat … .txt')")
    # a chat text of lower rank may still be a document sent in this chat (iOS "00000011-WhatsApp Chat with Sam.txt")
    others += [name for _rank, name, path in chats if path != chat]
    strangers = [name for name in others if name[name.rfind(".") :].lower() not in _MEDIA_EXTENSIONS]
    strangers = sorted(folders + _not_named(chat, strangers))
    if strangers:
        listed = ", ".join(repr(name) for name in strangers[:5]) + (" …" if len(strangers) > 5 else "")
        raise _NotOneExport(
            f"not one unzipped WhatsApp export: beside the chat text {chat.name!r} the folder holds {listed}, "
            "which the chat does not name as its media; import each file on its own"
        )
    return chat


def _not_named(chat: Path, names: list[str]) -> list[str]:
    """Those of `names` the chat text never mentions (an attachment is written by its file name)."""
    if not names:
        return []
    forms = {name: {unicodedata.normalize("NFC", name), unicodedata.normalize("NFD", name)} for name in names}
    longest = max(len(form) for both in forms.values() for form in both)
    with open(chat, "rb") as fp:
        encoding = _encoding(fp.read(4))
    carry = ""
    with open(chat, encoding=encoding, errors="replace") as stream:
        while forms and (piece := stream.read(CHUNK)):
            text = carry + piece
            for name in [name for name, both in forms.items() if any(form in text for form in both)]:
                del forms[name]
            carry = text[-longest:]
    return list(forms)


def detect(path: Path) -> bool:
    path = Path(path)
    try:
        if path.is_dir():
            try:
                _export_folder(path)
                return True
            except _NotOneExport:
                return False
        if not path.is_file():
            return False
        with open(path, "rb") as fp:
            head = fp.read(DETECT_BYTES)
        if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
            try:
                with zipfile.ZipFile(path) as zf:
                    return _zip_chat_member(zf) is not None
            except (_SeveralChats, _UnreadableChat):
                return True
            except _ZIP_ERRORS:
                return False
        return _looks_like_chat(head)
    except (OSError, ValueError):
        return False


def _check_zip(path: Path, zf: zipfile.ZipFile) -> None:
    total = 0
    for info in zf.infolist():
        if info.is_dir():
            continue
        total += info.file_size
        if info.file_size > MAX_MEMBER_BYTES:
            raise ImportFailed(
                path,
                f"refusing zip: member {info.filename!r} declares {info.file_size} bytes (limit {MAX_MEMBER_BYTES})",
            )
        if info.file_size > (1 << 20) and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ImportFailed(
                path,
                f"refusing zip: member {info.filename!r} expands {info.file_size // max(info.compress_size, 1)}x (a zip bomb?)",
            )
    if total > MAX_TOTAL_BYTES:
        raise ImportFailed(path, f"refusing zip: it declares {total} bytes uncompressed (limit {MAX_TOTAL_BYTES})")


def _open_source(path: Path) -> _Source:
    container = None
    try:
        if path.is_dir():
            try:
                chat = _export_folder(path)
            except _NotOneExport as reason:
                raise ImportFailed(path, str(reason)) from None
            container, path = path, chat
        with open(path, "rb") as fp:
            head = fp.read(DETECT_BYTES)
    except OSError as exc:
        raise ImportFailed(path, f"cannot read: {exc.strerror or exc}") from None
    if not head:
        raise ImportFailed(path, "the file is empty")
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        try:
            zf = zipfile.ZipFile(path)
        except _ZIP_ERRORS as exc:
            raise ImportFailed(path, f"not a readable zip ({exc})") from None
        try:
            _check_zip(path, zf)
            info = _zip_chat_member(zf)
        except ImportFailed:
            zf.close()
            raise
        except _SeveralChats as several:
            zf.close()
            raise ImportFailed(
                path, f"the zip holds several WhatsApp chats ({several}); import each chat's own export"
            ) from None
        except _UnreadableChat as unreadable:
            zf.close()
            name, why = unreadable.args
            raise ImportFailed(path, f"cannot read the chat text {name!r} from the zip: it is {why}") from None
        except _ZIP_ERRORS as exc:
            zf.close()
            raise ImportFailed(path, f"not a readable zip ({exc})") from None
        if info is None:
            zf.close()
            raise ImportFailed(path, "the zip holds no WhatsApp chat text (_chat.txt or 'WhatsApp Chat … .txt')")
        try:
            with zf.open(info) as fp:
                enc = _encoding(fp.read(4))
        except _ZIP_ERRORS as exc:
            zf.close()
            raise ImportFailed(path, f"cannot read the chat text ({exc})") from None

        def open_text() -> io.TextIOBase:
            try:
                return io.TextIOWrapper(zf.open(info), encoding=enc, errors=_BYTES, newline="")
            except _ZIP_ERRORS as exc:
                raise ImportFailed(path, f"cannot read the chat text ({exc})") from None

        def members() -> tuple[list[_File], list[str]]:
            files, litter = [], []
            for member in zf.infolist():
                if member.is_dir() or member is info:
                    continue
                if _is_litter(member.filename):
                    litter.append(member.filename)
                else:
                    files.append(_File(member.filename, lambda member=member: read(member)))
            return files, litter

        def read(member: zipfile.ZipInfo) -> bytes:
            try:
                return _member(zf, member)
            except _LargerThanDeclared as why:
                raise ImportFailed(path, f"refusing zip: member {member.filename!r} is {why}") from None

        return _Source(
            path,
            open_text,
            info.filename.rsplit("/", 1)[-1],
            path.name,
            _Media(members, "not in the zip", True),
            zf.close,
            enc,
        )

    enc = _encoding(head)
    if b"\x00" in head[:4096] and enc != "utf-16":
        raise ImportFailed(path, "not a WhatsApp chat export (binary data)")
    # Lines before the first header are reported as skipped; a file with no header at all fails
    # after the first pass.
    folder = path.parent

    def open_text() -> io.TextIOBase:
        return open(path, encoding=enc, errors=_BYTES, newline="")

    def beside() -> tuple[list[_File], list[str]]:
        files, litter = [], []
        try:
            children = sorted(folder.iterdir())
        except OSError:
            return files, litter
        for child in children:
            if child.name == path.name:
                continue
            if _is_litter(child.name):
                litter.append(child.name)
            elif child.is_file():
                files.append(_File(child.name, lambda child=child: read_beside(child)))
        return files, litter

    def read_beside(candidate: Path) -> bytes | None:
        # only a file directly beside the chat text, not one a link leads to elsewhere
        try:
            if candidate.is_file() and candidate.resolve().parent == folder.resolve():
                return candidate.read_bytes()
        except OSError:
            return None
        return None

    # a chat text in an unzipped export folder takes the folder's name ("WhatsApp Chat - Sam/_chat.txt")
    folder_name = (container or path.parent).name
    named = container is not None or chat_name_from_file(folder_name) is not None
    media = _Media(beside, "file not found beside the chat text", container is not None)
    return _Source(container or path, open_text, path.name, folder_name if named else None, media, encoding=enc)


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


# --------------------------------------------------------------------------------------------
# Pass 1: survey
# --------------------------------------------------------------------------------------------


@dataclass
class _Survey:
    styles: dict = field(default_factory=dict)  # style -> count
    year_first: int = 0
    first_over_12: int = 0
    second_over_12: int = 0
    first_over_12_line: int = 0  # the line of the first such header
    second_over_12_line: int = 0
    ambiguous: int = 0  # dates where either order is possible and they differ
    back_dmy: int = 0
    back_mdy: int = 0
    prefixes: dict = field(default_factory=dict)  # candidate sender -> count (first ": ")
    longer: dict = field(default_factory=dict)  # (first, longer) -> count
    first_author: str | None = None
    first_author_system: bool = False
    headers: int = 0
    group_hint: bool = False  # a system line speaks of a group
    # Date orders in which some header's time is earlier than the one before it (see _messages)
    out_of_order: set = field(default_factory=set)
    # For each order, the days on which a header's time goes back: _day_start -> [how many times, the
    # first time that went back: the time before it, its time] (_went_back; None: too many days)
    backs: dict = field(default_factory=lambda: {"dmy": {}, "mdy": {}, "ymd": {}})
    undecodable: _Undecodable = field(default_factory=_Undecodable)


def _date_facts(d1: str, d2: str, d3: str):
    """What one header's date says about the file's date order; None if it is no date at all."""
    try:
        a, b, y = int(d1), int(d2), int(d3)
    except ValueError:
        return None
    if len(d1) >= 3:
        return ("ymd", None, None) if 1 <= b <= 12 and 1 <= y <= 31 else None
    if not (1 <= a <= 31 and 1 <= b <= 31) or (a > 12 and b > 12):
        return None
    kind = "first" if a > 12 else "second" if b > 12 else "ambiguous" if a != b else "same"
    return kind, (y, b, a), (y, a, b)


def _survey_date(d1, d2, era, d3, be) -> tuple:
    """What the date says about the order (_date_facts), then for each of dmy, mdy and ymd its
    midnight in seconds (_day_start), or None where pass 2 would not read it as a date."""
    facts = _date_facts(d1, d2, d3)
    if facts is None:
        return (None,)
    return (facts,) + tuple(_day_start(_date(d1, d2, era, d3, be, order)) for order in ("dmy", "mdy", "ymd"))


def _survey_clock(H, M, S, ap, ap0) -> int | bool:
    """A header's time of day in seconds (_time_of_day); -1 if pass 2 would not read it as a time;
    False if the survey does not count the header at all."""
    if not (int(H) <= 24 and int(M) <= 59):
        return False
    return _time_of_day(_time(H, M, S, ap, ap0))


# Headers ordered by time: _day_start(date) + _time_of_day(time), in seconds.
def _day_start(day: tuple | bool) -> int | None:
    return date(*day[0]).toordinal() * 86400 if day else None


def _time_of_day(clock_time: tuple | bool) -> int:
    if not clock_time:
        return -1
    hour, minute, second = clock_time[0]
    return hour * 3600 + minute * 60 + second


MAX_BACK_DAYS = 1 << 16  # days on which the time goes back, kept by the survey (memory stays flat on any file)


def _went_back(days: dict | None, day_start: int, before: int, at: int) -> dict | None:
    """A header's time `at` earlier than the one before it (`before`), both _day_start + _time_of_day:
    counted on its day, the first kept (see _fall_backs). None: more days than MAX_BACK_DAYS."""
    if days is None:
        return None
    seen = days.get(day_start)
    if seen is not None:
        seen[0] += 1
    elif len(days) < MAX_BACK_DAYS:
        days[day_start] = [1, before, at]
    else:
        return None
    return days


def _survey(source: _Source) -> _Survey:
    """Pass 1: header styles, what the dates say about day/month order, sender name candidates."""
    s = _Survey()
    styles = s.styles
    prefixes = s.prefixes
    longer = s.longer
    out_of_order = s.out_of_order
    backs = s.backs
    dates: dict = {}
    clocks: dict = {}
    counts = {"ymd": 0, "first": 0, "second": 0, "ambiguous": 0, "same": 0}
    prev_dmy = prev_mdy = None
    prev_facts = None
    back_dmy = back_mdy = 0
    last_dmy = last_mdy = last_ymd = -1
    last_date_key = day = None
    headers = 0
    with source.open_text() as stream:
        for chunk in _chunks(source.path, stream, s.undecodable):
            for m in _AFTER_NEWLINE.finditer(chunk):
                g = m.groups()
                if g[0] is not None:  # the common shape (groups 1-7)
                    d1, d2, d3, H, M, S = g[0], g[2], g[3], g[4], g[5], g[6]
                    era = be = ap0 = ap = None
                    style = "dash"
                else:
                    br, d1, _sep, d2, era, d3, be, ap0, H, M, S, ap, tr = g[7:]
                    style = "bracket" if br is not None else "colon" if tr[0] == ":" else "dash"
                date_key = (d1, d2, era, d3, be)
                if date_key != last_date_key:  # (most headers have the date of the one before)
                    day = dates.get(date_key)
                    if day is None:
                        day = _survey_date(d1, d2, era, d3, be)
                        if len(dates) > 4096:
                            dates.clear()
                        dates[date_key] = day
                    last_date_key = date_key
                facts = day[0]
                if facts is None:
                    continue
                seconds = clocks.get((H, M, S, ap, ap0))
                if seconds is None:
                    seconds = _survey_clock(H, M, S, ap, ap0)
                    if len(clocks) > 20_000:
                        clocks.clear()
                    clocks[(H, M, S, ap, ap0)] = seconds
                if seconds is False:
                    continue
                styles[style] = styles.get(style, 0) + 1
                headers += 1
                kind, key_dmy, key_mdy = facts
                counts[kind] += 1
                if counts[kind] == 1 and kind in ("first", "second"):  # where the evidence is, for the notices
                    # (its line: the line breaks in the chunks before, and in this one up to it, see _messages)
                    setattr(s, f"{kind}_over_12_line", s.undecodable.line_breaks + chunk.count("\n", 0, m.start() + 1))
                if key_dmy is not None and facts is not prev_facts:  # (the same date again changes nothing)
                    if prev_dmy is not None:
                        if key_dmy < prev_dmy:
                            back_dmy += 1
                        if key_mdy < prev_mdy:
                            back_mdy += 1
                    prev_dmy, prev_mdy = key_dmy, key_mdy
                prev_facts = facts
                # does the time ever go back, in each order (among the headers pass 2 can read in it)?
                if seconds >= 0:
                    if day[1] is not None:
                        at = day[1] + seconds
                        if at < last_dmy:
                            out_of_order.add("dmy")
                            backs["dmy"] = _went_back(backs["dmy"], day[1], last_dmy, at)
                        last_dmy = at
                    if day[2] is not None:
                        at = day[2] + seconds
                        if at < last_mdy:
                            out_of_order.add("mdy")
                            backs["mdy"] = _went_back(backs["mdy"], day[2], last_mdy, at)
                        last_mdy = at
                    if day[3] is not None:
                        at = day[3] + seconds
                        if at < last_ymd:
                            out_of_order.add("ymd")
                            backs["ymd"] = _went_back(backs["ymd"], day[3], last_ymd, at)
                        last_ymd = at
                start = m.end()
                end = chunk.find("\n", start)
                if end < 0:
                    end = len(chunk)
                cut = chunk.find(": ", start, end)
                if cut < 0:
                    if headers == 1:
                        s.first_author = None
                    if not s.group_hint and _GROUP_WORDS.search(chunk, start, end):
                        s.group_hint = True
                    continue
                first = chunk[start:cut]
                prefixes[first] = prefixes.get(first, 0) + 1
                if headers == 1:
                    s.first_author = first
                    s.first_author_system = (
                        chunk[cut + 2 : cut + 3] in _MARK_START and m.group(0)[1:2] not in _MARK_START
                    )
                limit = start + 80 if start + 80 < end else end
                more = chunk.find(": ", cut + 2, limit)
                hops = 0
                while more >= 0 and hops < 3:
                    pair = (first, chunk[start:more])
                    longer[pair] = longer.get(pair, 0) + 1
                    more = chunk.find(": ", more + 2, limit)
                    hops += 1
    s.headers = headers
    s.year_first, s.first_over_12, s.second_over_12, s.ambiguous = (
        counts["ymd"],
        counts["first"],
        counts["second"],
        counts["ambiguous"],
    )
    s.back_dmy, s.back_mdy = back_dmy, back_mdy
    return s


def _unbalanced(text: str) -> bool:
    return (
        text.count('"') % 2 == 1 or text.count("\u201c") != text.count("\u201d") or text.count("«") != text.count("»")
    )


def _senders(s: _Survey) -> dict[str, str]:
    """first-colon prefix -> the sender name it stands for.

    Names may contain ': ' ("Dr: Smith: hello"): a longer prefix stands for the sender when
    nearly every line with the shorter one continues the same way. A prefix with an unbalanced
    quote is a system line quoting text ('X changed the subject to "Trip: Rome"'), and so is one
    longer than a name seen once ("Sam turned on disappearing messages for this chat: 7 days").
    """
    resolved = {p: p for p, count in s.prefixes.items() if not _unbalanced(p) and (len(p) <= 40 or count > 1)}
    for (first, candidate), count in s.longer.items():
        base = s.prefixes.get(first, 0)
        if first in resolved and count >= 2 and count * 10 >= base * 9:
            current = resolved.get(first, first)
            if len(candidate) > len(current):
                resolved[first] = candidate
    return resolved


_GROUP_WORDS = re.compile(
    r"(?i)\bgroup|gruppe|grupo|groupe|gruppo|groep|grupa|grupy|группу|группы|групу|групи|skupin|grubu|grup\b|ryhmä|grupp"
    r"|ομάδα|קבוצה|مجموعة|グループ|群组|群組|그룹|กลุ่ม|समूह"
)
_MDY_REGIONS = {"US", "PH", "PR", "GU", "AS", "VI", "MP", "UM", "FM", "MH", "PW", "BZ"}


def _date_order(
    source: _Source, s: _Survey, options: ImportOptions, said: tuple[str, str] | None = None
) -> tuple[str, Notice | None]:
    """The file's day/month order, and a notice naming what it rested on wherever the headers do
    not prove it. In turn: --date-order; a first or second number above 12 (proof, said only when
    both occur); the order a person gave for this chat before (`said`: `ImportOptions.chat_date_orders`),
    so that a chat read by a person's word is read alike next week with no flag; the dated attachment
    names (_dated_names); the order in which the dates advance; last, the usual order of the region,
    and only then "nothing in the file tells"."""
    name = source.path.name
    if options.date_order:
        misfits, line = {
            "dmy": (s.second_over_12, s.second_over_12_line),
            "mdy": (s.first_over_12, s.first_over_12_line),
        }.get(options.date_order, (0, 0))
        if not misfits:
            return options.date_order, None
        return options.date_order, Notice(
            f"{name}: {misfits} lines look like message headers but their dates are impossible in "
            f"--date-order {options.date_order} (the first at line {line}); they were kept as text of the message before them"
        )
    if s.first_over_12 and s.second_over_12:
        order = "dmy" if s.first_over_12 >= s.second_over_12 else "mdy"
        misfits = s.second_over_12 if order == "dmy" else s.first_over_12
        return order, Notice(
            f"{name}: dates read as {DATE_ORDERS[order]}: {s.first_over_12} header dates have a first number above 12 "
            f"(the first at line {s.first_over_12_line}), {s.second_over_12} a second one (the first at line {s.second_over_12_line}); "
            f"the {misfits} that fit only {DATE_ORDERS[OTHER_ORDER[order]]} were kept as text of the message before them "
            "(pass --date-order to choose)"
        )
    if s.first_over_12:
        return "dmy", None
    if s.second_over_12:
        return "mdy", None
    region = options.region.upper()
    if not s.ambiguous:  # every date reads the same in either order
        return ("mdy" if region in _MDY_REGIONS else "dmy"), None
    if said is not None and said[0] in OTHER_ORDER:
        order, where = said
        return order, Notice(
            f"{name}: dates read as {DATE_ORDERS[order]}, {where}: no header date has a number above 12;"
            f" pass --date-order {OTHER_ORDER[order]} if that is wrong",
            kind="assumption",
        )
    names = _dated_names(source)
    back = {"dmy": s.back_dmy, "mdy": s.back_mdy}
    disagree = (
        (
            f", its dated attachment names disagree ({DATE_ORDERS['dmy']} fits {_listed(names['dmy'])}; "
            f"{DATE_ORDERS['mdy']} fits {_listed(names['mdy'])})"
        )
        if names["dmy"] and names["mdy"]
        else ""
    )
    if bool(names["dmy"]) != bool(names["mdy"]):
        order = "dmy" if names["dmy"] else "mdy"
        other = OTHER_ORDER[order]
        text = (
            f"dates read as {DATE_ORDERS[order]}: no header date has a number above 12, and the dated attachment names "
            f"fit that order only ({_listed(names[order])})"
        )
        if back[order] > back[other]:
            text += f"; the dates go back from one header to the next {_times(back[order])} read so, {_times(back[other])} read as {DATE_ORDERS[other]}"
    elif s.back_dmy != s.back_mdy:
        order = "dmy" if s.back_dmy < s.back_mdy else "mdy"
        other = OTHER_ORDER[order]
        text = (
            f"dates read as {DATE_ORDERS[order]}: no header date has a number above 12{disagree}, and the dates go back "
            f"from one header to the next {_times(back[order])} read so, {_times(back[other])} read as {DATE_ORDERS[other]}"
        )
    else:
        order = "mdy" if region in _MDY_REGIONS else "dmy"
        other = OTHER_ORDER[order]
        if disagree:
            text = (
                f"dates read as {DATE_ORDERS[order]}, the usual order for region {region}: no header date has a number above 12, "
                f"the dates advance alike in both orders{disagree}"
            )
        else:
            text = (
                "nothing in the file tells day/month from month/day order (no header date has a number above 12, the dates advance "
                f"alike in both orders, no dated attachment name fits one order only); dates were read as {DATE_ORDERS[order]} "
                f"(the usual order for region {region})"
            )
    return order, Notice(f"{name}: {text}; pass --date-order {other} if that is wrong", kind="assumption")


# The attachment names that carry a date: Android's, the day the phone saved the file, and iOS's,
# the message's own time, both on the phone's clock:
#   IMG-20230922-WA0006.jpg (file attached)      ‎<attached: 00000010-PHOTO-2020-11-02-21-49-51.jpg>
_DATED_NAME = re.compile(
    r"\b(?:IMG|VID|PTT|AUD|STK|DOC)-(\d{4})(\d\d)(\d\d)-WA\d+\.\w+"
    r"|\b\d{8}-(?:PHOTO|VIDEO|AUDIO|STICKER|GIF)-(\d{4})-(\d\d)-(\d\d)-\d\d-\d\d-\d\d\.\w+"
)


def _dated_names(source: _Source) -> dict[str, list]:
    """The dated attachment names on the first line of a message whose header's date reads either
    way, by the order they fit: {"dmy": [(line, name, header date as written)], "mdy": [...]}.

    A name fits an order when its date is within a day of the header's date read in that order (a
    message near midnight, a file saved on the next day) and more than a day from it read in the
    other. A third reading of the file, made only when the headers leave the order open (a file
    whose dates all have both numbers at most 12, so a short one)."""
    fits: dict[str, list] = {"dmy": [], "mdy": []}
    line_no = 0
    with source.open_text() as stream:
        for chunk in _chunks(source.path, stream):
            count_from = 0
            for m in _AFTER_NEWLINE.finditer(chunk):
                end = chunk.find("\n", m.end())
                found = list(_DATED_NAME.finditer(chunk, m.end(), len(chunk) if end < 0 else end))
                if not found:
                    continue
                g = m.groups()
                d1, sep, d2, era, d3, be = (g[0], g[1], g[2], None, g[3], None) if g[0] is not None else g[8:14]
                line_no += chunk.count("\n", count_from, m.start() + 1)
                count_from = m.start() + 1
                facts = _date_facts(d1, d2, d3)
                if facts is None or facts[0] != "ambiguous":
                    continue
                readings = {order: _date(d1, d2, era, d3, be, order) for order in ("dmy", "mdy")}
                for found_name in found:
                    y, mo, d = [int(n) for n in found_name.groups() if n is not None]
                    try:
                        named = date(y, mo, d)
                    except ValueError:
                        continue
                    near = {
                        order: bool(day) and abs((named - date(*day[0])).days) <= 1 for order, day in readings.items()
                    }
                    for order, other in OTHER_ORDER.items():
                        if near[order] and not near[other]:
                            fits[order].append((line_no, found_name.group(0), f"{d1}{sep}{d2}{sep}{d3}"))
            line_no += chunk.count("\n", count_from)
    return fits


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def _listed(names: list) -> str:
    shown = "; ".join(f"{name!r} at line {line}, header date {written}" for line, name, written in names[:3])
    return f"{len(names)} name{'s' if len(names) != 1 else ''}: {shown}" + (
        f"; and {len(names) - 3} more" if len(names) > 3 else ""
    )


# --------------------------------------------------------------------------------------------
# Names: chats, senders, owners
# --------------------------------------------------------------------------------------------

_COPY_SUFFIX = re.compile(r"\s*\(\d{1,3}\)$")
_CHAT_NAME_PATTERNS = [
    re.compile(p, re.I)
    for p in (
        r"^WhatsApp[\s\u00a0]+Chat[\s\u00a0]*[-–][\s\u00a0]*(?P<name>.+)$",  # iOS, every language
        # Android: "<words with WhatsApp> <connector> <name>"
        r"^(?:\S+[\s\u00a0]+){0,2}WhatsApp(?:[\s\u00a0-]\S+)?[\s\u00a0]+"
        r"(?:s[\s\u00a0]+uživatelem|с[\s\u00a0]+контактом|з[\s\u00a0]+контактом|z[\s\u00a0]+użytkownikiem|s[\s\u00a0]+používateľom|"
        r"with|mit|con|avec|com|met|med|z|ze|s|с|з|dengan|cu|με|mat|ar|su|kanssa|عم|مع|עם)"
        r"[\s\u00a0]+(?P<name>.+)$",
        r"^WhatsApp[\s\u00a0-]*\S*[\s\u00a0]*[:：][\s\u00a0]*(?P<name>.+)$",
        r"^(?P<name>.+?)[\s\u00a0]+(?:ile|के[\s\u00a0]+साथ|との|와의|과의)[\s\u00a0]*WhatsApp.*$",
    )
]
_GENERIC_STEMS = {"_chat", "chat", "whatsapp chat", "whatsapp", "chat export", "export"}


def normalize_name(text: str) -> str:
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def chat_name_from_file(file_name: str) -> str | None:
    """The chat's name in WhatsApp's own file name ("WhatsApp Chat with Sam.txt" -> "Sam")."""
    stem = file_name.rsplit("/", 1)[-1]
    for ext in (".txt", ".zip"):
        if stem.lower().endswith(ext):
            stem = stem[: -len(ext)]
    stem = _COPY_SUFFIX.sub("", normalize_name(stem))
    for pattern in _CHAT_NAME_PATTERNS:
        m = pattern.match(stem)
        if m and m.group("name").strip():
            return m.group("name").strip()
    return None


def _fallback_stem(file_name: str | None) -> str | None:
    if not file_name:
        return None
    stem = file_name.rsplit("/", 1)[-1]
    for ext in (".txt", ".zip"):
        if stem.lower().endswith(ext):
            stem = stem[: -len(ext)]
    stem = _COPY_SUFFIX.sub("", normalize_name(stem))
    if not stem or stem.casefold() in _GENERIC_STEMS:
        return None
    return stem


def _same_chat_same_owner(path: Path, chat_name: str, source_key: str, owner: str, options: ImportOptions) -> None:
    """Refuse to read a chat the archive holds with another sender as the owner (another --me, or none
    where one was given before): its key holds the owner, so every message would be archived again,
    in a second conversation in which another person's messages are the owner's."""
    if source_key in options.chat_owners:
        return
    prefix = f"{_fold(chat_name)}|"
    archived = sorted((conv_id, name) for key, (name, conv_id) in options.chat_owners.items() if key.startswith(prefix))
    if archived:
        conv_id, earlier = archived[0]
        given = f"--me {options.me!r}" if options.me else "no --me given"
        raise ImportFailed(
            path,
            f"the chat {chat_name!r} is archived with {earlier!r} as the owner (conversation {conv_id}); read with"
            f" {owner!r} as the owner ({given}), every message would be archived again, in a second conversation."
            f" Pass --me {earlier!r} to read it as before, or --conversation NAME if this is another chat",
        )


def _as_written(name: str) -> str:
    """A sender as written, without the marks and odd spaces phones add: "\u202a+34\u00a0662\u202c" -> "+34 662".

    Identities use this rather than E.164: it cannot change when phone-number metadata does."""
    return " ".join(unicodedata.normalize("NFC", phones.clean(name)).split())


def _fold(text: str) -> str:
    return normalize_name(text).casefold()


# --------------------------------------------------------------------------------------------
# Message text: placeholders, deletions, edits, calls
# --------------------------------------------------------------------------------------------


def _phrase(text: str) -> str:
    """A short text folded for comparing with known phrases: no marks, case, extra spaces or final stop."""
    return " ".join(_clean(text).casefold().split()).rstrip(".。!")


def _folded_set(*items: str) -> frozenset[str]:
    return frozenset(_phrase(i) for i in items)


_DELETED = _folded_set(
    "This message was deleted",
    "You deleted this message",
    "This message was deleted by admin",
    "Diese Nachricht wurde gelöscht",
    "Du hast diese Nachricht gelöscht",
    "Sie haben diese Nachricht gelöscht",
    "Ce message a été supprimé",
    "Vous avez supprimé ce message",
    "Se eliminó este mensaje",
    "Eliminaste este mensaje",
    "Este mensaje fue eliminado",
    "Mensagem apagada",
    "Você apagou esta mensagem",
    "Esta mensagem foi apagada",
    "Questo messaggio è stato eliminato",
    "Hai eliminato questo messaggio",
    "Dit bericht is verwijderd",
    "Je hebt dit bericht verwijderd",
    "U heeft dit bericht verwijderd",
    "Данное сообщение удалено",
    "Вы удалили данное сообщение",
    "Это сообщение удалено",
    "Сообщение удалено",
    "Вы удалили это сообщение",
    "Tato zpráva byla odstraněna",
    "Tuto zprávu jste odstranili",
    "Odstranili jste tuto zprávu",
    "Ta wiadomość została usunięta",
    "Usunięto tę wiadomość",
    "Usunąłeś tę wiadomość",
    "Bu mesaj silindi",
    "Bu mesajı sildiniz",
    "تم حذف هذه الرسالة",
    "لقد حذفت هذه الرسالة",
    "Pesan ini telah dihapus",
    "Anda menghapus pesan ini",
    "Pesan ini dihapus",
    "このメッセージは削除されました",
    "メッセージを削除しました",
    "ข้อความนี้ถูกลบแล้ว",
    "คุณลบข้อความนี้แล้ว",
    "यह मैसेज हटा दिया गया था",
    "आपने यह मैसेज हटा दिया",
    "Tämä viesti poistettiin",
    "Poistit tämän viestin",
    "Det här meddelandet raderades",
    "Du raderade det här meddelandet",
    "Denne besked blev slettet",
    "Du slettede denne besked",
    "Denne meldingen ble slettet",
    "Du slettet denne meldingen",
    "Αυτό το μήνυμα διαγράφηκε",
    "Διαγράψατε αυτό το μήνυμα",
    "Це повідомлення видалено",
    "Ви видалили це повідомлення",
    "Acest mesaj a fost șters",
    "Ai șters acest mesaj",
    "Ez az üzenet törölve lett",
    "Törölted ezt az üzenetet",
    "이 메시지는 삭제되었습니다",
    "메시지를 삭제했습니다",
    "此消息已删除",
    "你删除了此消息",
    "這則訊息已被刪除",
    "你刪除了這則訊息",
    "Tin nhắn này đã bị xóa",
    "Bạn đã xóa tin nhắn này",
    "הודעה זו נמחקה",
    "מחקת את ההודעה הזו",
    "Aquesta missatge s'ha suprimit",
    "S'ha suprimit aquest missatge",
    "このメッセージを削除しました",
    "คุณได้ลบข้อความนี้",
    "आपने यह मैसेज डिलीट किया",
    "यह मैसेज डिलीट कर दिया गया है",
    "Tuto zprávu jste odstranil/a",
    "Вы удалили это сообщение",
    "Ви видалили це повідомлення",
    "لقد حذَفت هذه الرسالة",
)
_EDITED_WORDS = re.compile(
    r"(?i)edit|bearbeit|modifi|bewerkt|изменен|змінен|upraven|düzenlen|diedit|muokat|redigera|redigert|redigeret|επεξεργ|編集|编辑|編輯|수정|แก้ไข|संपादित|נערכה|تعديل|editad|szerkeszt|zmieniona|edytowan"
)
_EDITED_TAIL = re.compile(rf"[ \u00a0\u202f]*{_M}<([^<>\n]{{3,60}})>{_M}$")
_OMITTED_ANDROID = _folded_set(
    "<Media omitted>",
    "<Medien ausgeschlossen>",
    "<Médias omis>",
    "<Multimedia omitido>",
    "<Archivo omitido>",
    "<Mídia oculta>",
    "<Arquivo de mídia oculto>",
    "<Media omessi>",
    "<Media weggelaten>",
    "<Без медиафайлов>",
    "<Média vynechány>",
    "<Pominięto multimedia>",
    "<Medya dahil edilmedi>",
    "<Media tidak disertakan>",
    "<Media jätetty pois>",
    "<Media utelatt>",
    "<Medier udeladt>",
    "<Media utelämnad>",
    "<Πολυμέσα παραλείφθηκαν>",
    "<Медіафайли пропущено>",
    "<Fișier media omis>",
    "<Média elhagyva>",
    "<미디어 파일 생략>",
    "<省略了媒体>",
    "<メディアは含まれていません>",
    "<ไม่รวมสื่อ>",
    "<मीडिया हटाया गया>",
    "<המדיה הושמטה>",
    "<تم استبعاد الوسائط>",
    "<الوسائط محذوفة>",
)
_OMITTED_WORDS = re.compile(
    r"(?i)^<[^<>]*(?:media|medien|médias|mídia|multimedia|медиа|média|medya|mediat|medier|πολυμέσ|медіа|미디어|媒体|メディア|สื่อ|मीडिया|מדיה|وسائط)[^<>]*>$"
)
_ATTACHED_IOS = re.compile(rf"{_M}<([^<>:]{{2,30}}):{_SP}?{_M}([^<>/\\\n]+?){_M}>$")
_FILE_ATTACHED_ANDROID = re.compile(rf"^{_M}([^/\\\n]+?\.[0-9A-Za-z]{{1,8}}){_SP}\(([^()\n]{{3,40}})\)$")
_ANDROID_ATTACHED_WORDS = _folded_set(
    "file attached",
    "Datei angehängt",
    "soubor byl přiložen",
    "файл добавлен",
    "archivo adjunto",
    "fichier joint",
    "arquivo anexado",
    "file allegato",
    "bestand bijgevoegd",
    "plik załączony",
    "dosya ekli",
    "berkas terlampir",
    "tiedosto liitetty",
    "fil bifogad",
    "fil vedhæftet",
    "fil vedlagt",
    "επισυνάπτεται αρχείο",
    "файл додано",
    "fișier atașat",
    "fájl csatolva",
    "파일 첨부됨",
    "附件",
    "ファイル添付",
    "ไฟล์แนบ",
    "फ़ाइल संलग्न है",
    "קובץ מצורף",
    "ملف مرفق",
)
# iOS writes what kind of media it left out ("\u200eimage omitted", localized): the kind is kept in the
# attachment's missing reason (`_omitted`), with the placeholder as the export wrote it.
_OMITTED_KINDS = {
    "image": (
        "image omitted",
        "Bild weggelassen",
        "image absente",
        "imagen omitida",
        "imagem ocultada",
        "immagine omessa",
        "afbeelding weggelaten",
        "изображение отсутствует",
    ),
    "video": (
        "video omitted",
        "Video weggelassen",
        "vidéo absente",
        "video omitido",
        "vídeo ocultado",
        "video omesso",
        "video weggelaten",
        "видео отсутствует",
    ),
    "audio": (
        "audio omitted",
        "Audio weggelassen",
        "audio omis",
        "audio omitido",
        "áudio ocultado",
        "audio omesso",
        "audio weggelaten",
        "аудиофайл отсутствует",
    ),
    "sticker": (
        "sticker omitted",
        "Sticker weggelassen",
        "sticker omis",
        "sticker omitido",
        "figurinha omitida",
        "стикер не добавлен",
    ),
    "GIF": ("GIF omitted", "GIF weggelassen", "GIF retiré", "GIF omitido", "GIF отсутствует"),
    "contact card": (
        "Contact card omitted",
        "Kontaktkarte ausgelassen",
        "Fiche contact manquante",
        "tarjeta de contacto omitida",
        "Карточка контакта отсутствует",
    ),
    "document": (
        "document omitted",
        "Dokument weggelassen",
        "document manquant",
        "documento omitido",
        "документ отсутствует",
    ),
}
_OMITTED_IOS = {
    _phrase(placeholder): kind for kind, placeholders in _OMITTED_KINDS.items() for placeholder in placeholders
}
# More languages, known by the mark that starts them ("\u200e画像は含まれていません"), not as a line's whole text:
# only the kind is read from them, so that no message's identity changes.
_MORE_KINDS = {
    "image": ("لم يتم إدراج الصورة", "फ़ोटो हटाई गई", "画像は含まれていません", "ไม่มีรูปภาพ"),
    "video": ("لم يتم إدراج الفيديوهات", "वीडियो छोड़ा गया", "ビデオは含まれていません", "วิดีโอถูกลบ"),
    "audio": ("لم يتم إدراج المقاطع الصوتية", "ऑडियो हटाई गयी", "音声は含まれていません", "ไม่มีไฟล์เสียง"),
    "sticker": ("تم حذف الملصقات", "स्टिकर छोड़ा गया", "スタンプは含まれていません", "ไม่มีสติกเกอร์"),
    "GIF": ("لم يتم إدراج صورة GIF", "GIF छोड़ा गया", "GIFは含まれていません", "ละเว้น GIF"),
    "contact card": ("لم يتم إدراج بطاقة جهة اتصال", "कॉन्टैक्ट कार्ड छोड़ा गया", "連絡先カードを省略", "บัตรรายชื่อที่ละเว้น"),
    "document": ("لم يتم إدراج المستند", "डॉक्यूमेंट छोड़ा गया", "ドキュメントは含まれていません", "ละเว้นเอกสาร"),
}
# (looked up in NFC: Hindi is written with "\u095c" or "\u0921\u093c" alike)
_OMITTED_KIND = {
    unicodedata.normalize("NFC", _phrase(placeholder)): kind
    for kinds in (_OMITTED_KINDS, _MORE_KINDS)
    for kind, placeholders in kinds.items()
    for placeholder in placeholders
}
_WA_MEDIA_NAME = re.compile(
    r"^(?:IMG|VID|PTT|AUD|STK|DOC|PHOTO)-\d{8}-WA\d{4,}\.\w+$|^\d{8}-(?:PHOTO|VIDEO|AUDIO|STICKER|GIF)-"
)
_MISSED_CALLS = _folded_set(
    "Missed voice call",
    "Missed video call",
    "Missed group voice call",
    "Missed group video call",
    "Verpasster Sprachanruf",
    "Verpasster Videoanruf",
    "Appel vocal manqué",
    "Appel vidéo manqué",
    "Llamada de voz perdida",
    "Videollamada perdida",
    "Chamada de voz perdida",
    "Chamada de vídeo perdida",
    "Chiamata vocale persa",
    "Videochiamata persa",
    "Gemiste spraakoproep",
    "Gemiste video-oproep",
    "Пропущенный аудиозвонок",
    "Пропущенный видеозвонок",
    "Zmeškaný hlasový hovor",
    "Zmeškaný videohovor",
)
_CALLS = _folded_set(
    "Voice call",
    "Video call",
    "Sprachanruf",
    "Videoanruf",
    "Appel vocal",
    "Appel vidéo",
    "Llamada de voz",
    "Videollamada",
)
_CALL_LENGTH = re.compile(r",\s*(\d+)\s*(h|hr|min|sec|s)\b")
_CALL_UNITS = {"h": 3600, "m": 60, "s": 1}
_MIME_EXTRA = {
    ".opus": "audio/ogg",
    ".webp": "image/webp",
    ".vcf": "text/vcard",
    ".m4a": "audio/mp4",
    ".ogg": "audio/ogg",
}


def _mime(name: str | None) -> str | None:
    if not name:
        return None
    dot = name.rfind(".")
    ext = name[dot:].lower() if dot >= 0 else ""
    if ext in _MIME_EXTRA:
        return _MIME_EXTRA[ext]
    return mimetypes.guess_type(name, strict=False)[0]


_TAIL_STRIP = " \u00a0\u202f" + _MARKS
_NO_FLAGS: frozenset = frozenset()
_PHRASES = None  # filled below: every short phrase any rule looks for
_DOC_TITLE = re.compile(r"\.[0-9A-Za-z]{1,8}$")


def _omitted(placeholder: str, kind: str | None) -> str:
    """Why an attachment is missing, for media the export left out: the kind of media its placeholder
    names (None: Android's "<Media omitted>" names none; "": a placeholder textfile does not know),
    and the placeholder as the export wrote it. Not part of identity or content hash (`ingest.message_content_hash`)."""
    said = f'the export wrote "{placeholder}"'
    if kind is None:
        return f"media omitted by export, which does not say what kind ({said})"
    return f"{kind} omitted by export ({said})" if kind else f"omitted by export ({said})"


def _interpret(text: str, line_marked: bool) -> tuple:
    """A message's text (all its lines, invisible marks as written) →
    (body, identity body, flags, attachments [(file name, why the export left it out | None)], kind, status).
    The body keeps every character of the text as written; the marks the export writes as part of what
    is read from it (a placeholder, the edited tail, WhatsApp's own words for a deletion or a call) go
    with it. The identity body is the text without the marks (`_clean`), as every version read it."""
    first_end = text.find("\n")
    first = text if first_end < 0 else text[:first_end]
    tail = text.rstrip(_TAIL_STRIP)[-1:]
    first_tail = tail if first_end < 0 else first.rstrip(_TAIL_STRIP)[-1:]
    # the common case: plain text, nothing any rule below looks for
    if (
        not line_marked
        and tail != ">"
        and first_tail != ">"
        and first_tail != ")"
        and first[:1] != "<"
        and (len(first) > 80 or _phrase(first) not in _PHRASES)
    ):
        body = _clean(text).rstrip()
        return text.rstrip(), body, (_NO_FLAGS if body else frozenset(("empty_body",))), (), "message", None, None

    flags: set = set()
    attachments: list = []
    call_seconds = None
    # "… <This message was edited>" at the very end (localized)
    if tail == ">":
        tail_line = text if first_end < 0 else text[text.rfind("\n") + 1 :]
        em = _EDITED_TAIL.search(tail_line)
        if em and _EDITED_WORDS.search(em.group(1)):
            flags.add("edited")
            text = text[: len(text) - len(tail_line) + em.start()]
    first, _, rest = text.partition("\n")
    clean_first = _clean(first).strip()
    folded_first = _phrase(clean_first) if len(clean_first) <= 80 else ""
    caption = kept = rest  # (kept: the caption with its marks)
    media = False
    kind, status = "message", None

    # Android: "<Media omitted>" then the caption on the next lines
    if folded_first in _OMITTED_ANDROID or (clean_first[:1] == "<" and _OMITTED_WORDS.match(clean_first)):
        attachments.append((None, _omitted(clean_first, None)))
        media = True
    # iOS with media: "\u200e<attached: 00000035-PHOTO-2022-03-27-21-41-55.jpg>", "Some file.txt \u200e<attached: 00000046-Some file.txt>"
    elif clean_first[-1:] == ">" and (am := _ATTACHED_IOS.search(first)) is not None:
        attachments.append((_clean(am.group(2)).strip(), None))
        caption, kept = _caption(_clean(first[: am.start()]), rest), _caption(first[: am.start()], rest)
        media = True
    # Android with media: "IMG-20220323-WA0002.jpg (file attached)" then the caption
    elif (
        clean_first[-1:] == ")"
        and (fm := _FILE_ATTACHED_ANDROID.match(first)) is not None
        and (_phrase(fm.group(2)) in _ANDROID_ATTACHED_WORDS or _WA_MEDIA_NAME.match(_clean(fm.group(1))))
    ):
        attachments.append((_clean(fm.group(1)).strip(), None))
        media = True
    elif folded_first in _OMITTED_IOS:
        attachments.append((None, _omitted(clean_first, _OMITTED_IOS[folded_first])))
        media = True
    elif folded_first in _DELETED and not rest:
        flags.add("deleted")
        caption = None
    elif not rest and (folded_first in _MISSED_CALLS or folded_first.split(",")[0] in _MISSED_CALLS):
        # "Missed voice call", iOS "\u200eMissed voice call, \u200eTap to call back"
        kind, status, caption = "call", "missed", None
    elif not rest and (folded_first in _CALLS or folded_first.split(",")[0] in _CALLS):
        # iOS "\u200eVoice call, \u200e12 min"
        kind, caption = "call", None
        duration = _CALL_LENGTH.search(folded_first)
        if duration:
            call_seconds = int(duration.group(1)) * _CALL_UNITS[duration.group(2)[:1]]
    # iOS without media: the line starts with a mark and the text ends with "\u200eimage omitted",
    # "Some file.txt \u200edocument omitted" (localized)
    elif line_marked and ("\u200e" in first or "\u200f" in first):
        cut = max(first.rfind("\u200e"), first.rfind("\u200f"))
        placeholder = _clean(first[cut:]).strip()
        before = _clean(first[:cut]).strip()
        if placeholder:
            name = None
            if before:
                title = before.split(" • ")[0].strip()
                if _DOC_TITLE.search(title):
                    name = title
            attachments.append(
                (name, _omitted(placeholder, _OMITTED_KIND.get(unicodedata.normalize("NFC", _phrase(placeholder)), "")))
            )
            caption, kept = _caption(before, rest), _caption(first[:cut], rest)
            media = True
    elif clean_first == "null" and not rest:
        flags.add("view_once")

    if caption is None:  # WhatsApp's own words
        body = kept = _clean(text).strip()
    elif media:
        body, kept = _clean(caption).strip("\n").rstrip(), kept.strip("\n").rstrip()
    else:
        body, kept = _clean(text).rstrip(), text.rstrip()
    identity_body = ("\x00media\n" if media else "") + body
    if not body and not attachments and kind == "message":
        flags.add("empty_body")
    return kept, identity_body, frozenset(flags), attachments, kind, status, call_seconds


def _caption(first: str, rest: str) -> str:
    """A caption: the first line's text before a placeholder, then the lines after it."""
    first = first.strip()
    return first + ("\n" + rest if rest else "") if first else rest


_PHRASES = _OMITTED_ANDROID | frozenset(_OMITTED_IOS) | _DELETED | _MISSED_CALLS | _CALLS | {"null"}


# --------------------------------------------------------------------------------------------
# read()
# --------------------------------------------------------------------------------------------


def read(path: Path, options: ImportOptions) -> Iterator[Record]:
    path = Path(path)
    source = _open_source(path)
    try:
        yield from _read(source, options)
    finally:
        source.close()


def _read(source: _Source, options: ImportOptions) -> Iterator[Record]:
    path = source.path
    survey = _survey(source)
    if not survey.headers:
        raise ImportFailed(path, "not a WhatsApp chat export (no line starts with a WhatsApp date and time)")
    style = max(survey.styles, key=lambda k: survey.styles[k])
    region = options.region

    # senders and the owner
    resolved = _senders(survey)
    senders: dict[str, int] = {}
    for prefix, name in resolved.items():
        senders[name] = senders.get(name, 0) + survey.prefixes[prefix]

    # the chat's name
    chat_name = None
    if options.conversation:
        chat_name = normalize_name(options.conversation)
    inner = chat_name_from_file(source.chat_file_name)
    outer = chat_name_from_file(source.container_name) if source.container_name else None
    ios_author = survey.first_author if survey.first_author_system and style == "bracket" else None
    file_chat_name = inner or outer or ios_author
    name_notice = None
    if chat_name is None:
        chat_name = file_chat_name
    if chat_name is None:
        stem = _fallback_stem(source.container_name) or _fallback_stem(source.chat_file_name)
        if stem is None:
            raise ImportFailed(path, "cannot tell which chat this is from its file name; pass --conversation NAME")
        chat_name = stem
        name_notice = Notice(
            f"{path.name}: the chat's name {stem!r} was taken from the file name; import later exports of this chat "
            f"under the same name or with --conversation {stem!r}",
            kind="assumption",
        )
    system_authors = {_fold(n) for n in (file_chat_name, ios_author, chat_name) if n}

    # The owner: the conversation key holds the owner's name, so a --me that named nobody would file
    # the same chat under a second key. --me must be a sender, or the archive's owner (who may never
    # have written in the chat), and then it is read exactly as when no --me is given.
    owner_raw = None
    owner_handles = set(options.owner_handles)
    real = sorted(senders)
    listed = (
        ", ".join(repr(n) for n in real[:20]) + (f" and {len(real) - 20} more" if len(real) > 20 else "")
    ) or "none"
    me = options.me
    if (
        me
        and phones.normalize_handle(me, region) in owner_handles
        and not any(phones.normalize_handle(name, region) in owner_handles for name in senders)
    ):
        # One of the owner's own numbers that no sender of this chat is: meant for a phone backup
        # in the same command. The chat's owner is found as without --me (and it fails as then).
        me = None
    me_is_owner = bool(me and options.owner_name and _fold(me) == _fold(options.owner_name))
    if me and not me_is_owner:
        want = _fold(me)
        want_handle = phones.normalize_handle(me, region)
        for name in senders:
            if _fold(name) == want or phones.normalize_handle(name, region) == want_handle:
                owner_raw = name
                break
        if owner_raw is None:
            raise ImportFailed(
                path,
                f"--me {options.me!r} matches none of the senders found: {listed}; pass one of them as written, "
                f"or the archive's owner {options.owner_name!r} for a chat in which you never wrote",
            )
    else:
        want = _fold(options.owner_name) if options.owner_name else None
        for name in senders:
            if (want and _fold(name) == want) or phones.normalize_handle(name, region) in owner_handles:
                owner_raw = name
                break
        if owner_raw is None:
            if real and not me_is_owner:
                raise ImportFailed(
                    path,
                    f"none of the senders is the archive's owner {options.owner_name!r}; senders found: {listed}; "
                    "pass --me NAME to say which one is you",
                )
            owner_raw = normalize_name(options.owner_name or "owner")

    owner_fold = _fold(owner_raw)
    owner_key = _fold(_as_written(owner_raw))
    source_key = f"{_fold(chat_name)}|{owner_key}"
    _same_chat_same_owner(path, chat_name, source_key, normalize_name(owner_raw), options)

    if survey.year_first * 2 > survey.headers:
        order, notice = "ymd", None
        if options.date_order and options.date_order != "ymd":
            order = options.date_order
    else:
        order, notice = _date_order(source, survey, options, options.chat_date_orders.get(source_key))
    if (
        source_key in options.chat_owners
    ):  # (a chat the archive holds: ingest names the order where it would move its messages)
        yield DateOrder(order)

    # The zone: --tz, the zone this chat was last read in (no --tz given), or the archive's.
    read_in = options.chat_zones.get(source_key)
    if read_in and read_in != options.tz:
        yield Zone(read_in)
        yield Notice(
            f"{path.name}: times read as wall-clock times in {read_in}, the zone this chat's messages were last read in,"
            f" not the archive's {options.tz}; pass --tz to read the export in another zone (with --corrects-tz if that"
            " zone corrects the earlier reading)",
            kind="assumption",
        )
        options = replace(options, tz=read_in)
    try:
        tz = times.zone(options.tz)
    except TextfileError as exc:
        raise ImportFailed(path, str(exc)) from None

    participants: dict[str, Participant] = {}
    for name in senders:
        raw = normalize_name(name)
        is_owner = _fold(name) == owner_fold
        participants[name] = Participant(phones.normalize_handle(name, region), raw, is_owner)
    if not any(p.is_owner for p in participants.values()):
        participants["\x00owner"] = Participant(
            phones.normalize_handle(owner_raw, region), normalize_name(owner_raw), True
        )
    others = [p for p in participants.values() if not p.is_owner and _fold(p.display_name or "") not in system_authors]
    is_group = len(others) > 1 or survey.group_hint
    conversation = Conversation(
        platform=FORMAT,
        source_key=source_key,
        title=chat_name,
        is_group=is_group,
        participants=tuple(participants[k] for k in sorted(participants)),
    )

    if survey.undecodable.count:
        yield survey.undecodable.notice(path.name, source.encoding)
    if notice is not None:
        yield notice
    if name_notice is not None:
        yield name_notice

    yield from _messages(
        source,
        options,
        conversation,
        participants,
        resolved,
        style,
        order,
        tz,
        system_authors,
        order not in survey.out_of_order,
        _fall_backs(survey.backs[order], tz),
    )
    yield from _media_records(source, conversation)


RUN_KEYS = 1000  # whole keys kept for the messages of one time (see _messages)


class _Digests:
    """A set of 64-bit digests at 16 bytes each (a set of ints costs ~70): open addressing."""

    def __init__(self, bits: int = 12) -> None:
        self.mask = (1 << bits) - 1
        self.table = array("Q", bytes(8 * (self.mask + 1)))
        self.size = 0

    def clear(self) -> None:
        """Empty again, at a small size (the digests of one time are few)."""
        if self.size:
            self.__init__(4)

    def add(self, digest: int) -> bool:
        """True if the digest is new."""
        digest |= 1  # 0 marks a free slot
        table, mask = self.table, self.mask
        i = digest & mask
        while True:
            value = table[i]
            if value == 0:
                table[i] = digest
                self.size += 1
                if self.size * 2 > mask:
                    self._grow()
                return True
            if value == digest:
                return False
            i = (i + 1) & mask

    def _grow(self) -> None:
        old = self.table
        self.mask = self.mask * 2 + 1
        self.table = array("Q", bytes(8 * (self.mask + 1)))
        self.size = 0
        for value in old:
            if value:
                self.add(value)


def _messages(
    source, options, conversation, participants, resolved, style, order, tz, system_authors, in_order, fall_backs
) -> Iterator[Record]:
    """Pass 2: the records. Written for speed: one regex pass per chunk, caches for dates (with
    their UTC midnight) and times, no per-line work for the lines inside a message, and repeats
    counted among the messages of one time when the survey found the file in time order (`in_order`)."""
    path = source.path
    zone_name = options.tz
    want_bracket = style == "bracket"
    want_colon = style == "colon"
    dates: dict = {}
    last_date_key = day = None
    clock: dict = {}
    offsets: dict = {}
    written_names: dict[str, str] = {}
    # Which messages are the same time, sender and text again (identity's occurrence). When the
    # survey found the headers in time order, only the messages of one time count: the first
    # RUN_KEYS of a time by their whole key (run_keys, cheapest), any more like the rest. The rest:
    # by 64-bit digest (_Digests, 16 bytes a message) and exactly for the keys seen twice (dups),
    # over the whole file when it is not in time order. Memory stays flat either way.
    run = [-1]  # the current time (_day_start + _time_of_day)
    run_keys: dict[str, int] = {}
    seen = _Digests()
    seen_add = seen.add
    dups: dict = {}
    dst = _Resolved(tz, fall_backs)
    line_no = 0  # (the first chunk's own "\n" counts as the end of line 0)
    pending = None  # the message being built: (day, clock_time, line_no, line marked, its header's match)
    parts: list[str] = []
    prelude_done = False
    blake2b = hashlib.blake2b
    resolved_get = resolved.get
    from_bytes = int.from_bytes
    mark_start = _MARK_START
    fold = _fold
    interpret = _interpret
    participants_get = participants.get

    def build(head, text: str) -> Message:
        day, clock_time, line_no, line_marked, header_match = head
        if text[-1:] == "\r":
            text = text[:-1]
        if "\r" in text:
            text = text.replace("\r\n", "\n")
        first_end = text.find("\n")
        if first_end < 0:
            first_end = len(text)
        cut = text.find(": ", 0, first_end)  # (in the first line)
        sender = None
        name = None
        if cut >= 0 and (resolved_name := resolved_get(text[:cut])) is not None:
            name = resolved_name
            if len(name) != cut:
                if text.startswith(name + ": "):
                    cut = len(name)
                else:
                    name = text[:cut]
            sender = participants_get(name)
            content = text[cut + 2 :]
            if sender is None:  # a prefix the survey did not resolve to this name
                sender = Participant(phones.normalize_handle(name, options.region), normalize_name(name), False)
        else:
            content = text
            colon = text.find(":", 0, first_end)
            # "01/20/19, 11:23 - John Doe:." (no space after the colon) from a known sender
            if colon > 0 and text[:colon] in participants and (cut < 0 or colon < cut):
                name = text[:colon]
                sender = participants[name]
                content = text[colon + 1 :]

        written = day[1] + clock_time[1]
        try:
            if day[2] is not None:  # the day has one UTC offset: its UTC midnight + the time of day
                sent_at, time_flag = day[2] + clock_time[2], None
            else:
                sent_at, time_flag = _instant(day[0] + clock_time[0], tz, offsets)
        except OverflowError:
            raise ImportFailed(
                path, f"line {line_no}: {written.strip()} in {zone_name} is outside the dates a clock can hold"
            ) from None
        body, ident_body, flags, attachments, kind, status, duration = interpret(content, line_marked)
        if sender is None:
            direction = "system"
        elif (
            # iOS system lines: the chat's name as author, text starting with a mark, the line unmarked
            content[:1] in mark_start
            and not line_marked
            and not sender.is_owner
            and fold(name) in system_authors
            and not flags
            and not attachments
            and kind == "message"
            and "://" not in content
        ):
            direction = "system"
            content = content.lstrip("\u200e\u200f")  # (the marks that, with the author, make it a system line)
        else:
            direction = "out" if sender.is_owner else "in"
        if direction == "system":
            body, ident_body = content.strip(), _clean(content).strip()
            flags, attachments, kind, status, duration = _NO_FLAGS, (), "message", None, None
        elif attachments:
            attachments = tuple(_attachment(source, file_name, omitted, line_no) for file_name, omitted in attachments)
        else:
            attachments = ()
        if time_flag:
            flags = flags | {time_flag}
            header = _clean(header_match.group(0)).strip(" []-–:\u00a0\u202f\n")
            if time_flag == "time_ambiguous":
                sent_at = dst.twice(
                    day[3], clock_time[3], day[0] + clock_time[0], line_no, header, sent_at, clock_time[4]
                )
            else:
                dst.add(time_flag, (line_no, header, sent_at, clock_time[4]))
        if name is None:
            identity_sender = None
        else:
            identity_sender = written_names.get(name)
            if identity_sender is None:
                identity_sender = written_names[name] = _as_written(name)

        key = f"{written}\x1f{identity_sender}\x1f{ident_body}"
        if in_order:
            # Times never go back (the survey saw to it): a key seen before has this very time, so
            # the messages of the current time are all there is to count among.
            at = day[3] + clock_time[3]
            if at != run[0]:
                if at < run[0]:
                    raise ImportFailed(path, "the file changed while it was being read; import it again")
                run[0] = at
                run_keys.clear()
                seen.clear()
                dups.clear()
            occurrence = run_keys.get(key)
            if occurrence is not None:
                occurrence = run_keys[key] = occurrence + 1
            elif len(run_keys) < RUN_KEYS:
                occurrence = run_keys[key] = 0
        else:
            occurrence = None
        if occurrence is None:
            digest = from_bytes(blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big")
            if seen_add(digest):
                occurrence = 0
            else:  # the same time, sender and text again: count exactly (rare, so kept whole)
                occurrence = dups.get(key, 0) + 1
                dups[key] = occurrence
        return Message(
            conversation,
            (written, identity_sender, ident_body, occurrence),
            sent_at,
            direction,
            sender=sender,
            body=body,
            source_zone=zone_name,
            service="WhatsApp",
            kind=kind,
            status=status,
            flags=flags,
            attachments=attachments,
            source_ref=f"line {line_no}",
            duration_s=duration,
            time_precision=clock_time[4],
        )

    with source.open_text() as stream:
        pos = 1  # the first chunk's "\n" is not text
        for chunk in _chunks(path, stream):
            count_from = 0
            for m in _AFTER_NEWLINE.finditer(chunk):
                g = m.groups()
                if g[0] is not None:  # the common shape (groups 1-7): a dash header, no marks
                    if want_bracket or want_colon:
                        continue
                    d1, d2, d3, H, M, S = g[0], g[2], g[3], g[4], g[5], g[6]
                    era = be = ap0 = ap = None
                    marked = False
                else:
                    br, d1, _sep, d2, era, d3, be, ap0, H, M, S, ap, tr = g[7:]
                    if want_bracket:
                        if br is None:
                            continue
                    elif br is not None or (tr[0] == ":") != want_colon:
                        continue
                    marked = m.group(0)[1:2] in mark_start
                date_key = (d1, d2, era, d3, be)
                if date_key != last_date_key:  # (most headers have the date of the one before)
                    day = dates.get(date_key)
                    if day is None:
                        day = _date(d1, d2, era, d3, be, order)
                        if day:  # + the day's UTC midnight when the whole day has one offset, + _day_start
                            day += (_utc_midnight(day[0], tz, offsets), _day_start(day))
                        if len(dates) > 4096:
                            dates.clear()
                        dates[date_key] = day
                    last_date_key = date_key
                if not day:
                    continue
                clock_time = clock.get((H, M, S, ap, ap0))
                if clock_time is None:
                    clock_time = _time(H, M, S, ap, ap0)
                    if clock_time:  # + the time of day as a timedelta, + _time_of_day, + its precision (as written)
                        hour, minute, second = clock_time[0]
                        clock_time += (
                            timedelta(hours=hour, minutes=minute, seconds=second),
                            _time_of_day(clock_time),
                            "second" if S else "minute",
                        )
                    if len(clock) > 20_000:
                        clock.clear()
                    clock[(H, M, S, ap, ap0)] = clock_time
                if not clock_time:
                    continue
                end = m.start()  # the "\n" before the header: the text before it is the last message's
                line_no += chunk.count("\n", count_from, end + 1)
                count_from = end + 1
                text = chunk[pos:end]
                if parts:  # the text began in an earlier chunk
                    parts.append(text)
                    text = "".join(parts)
                    parts = []
                if pending is not None:
                    yield build(pending, text)
                elif not prelude_done:
                    yield from _prelude(text)
                prelude_done = True
                pending = (day, clock_time, line_no, marked, m)
                pos = m.end()
            line_no += chunk.count("\n", count_from)
            parts.append(chunk[pos:])
            pos = 0
        if pending is not None:
            text = "".join(parts)
            if text[-1:] != "\n":
                header = pending[4].group(0)[1:]
                names = [name for name in participants if name != "\x00owner"] + [
                    p.display_name for p in participants.values() if p.is_owner
                ]
                cut = _cut_header(header, text, names)
                if cut is not None:
                    at = line_no if "\n" in text else pending[2]
                    raise ImportFailed(
                        path,
                        f"line {at}: the export ends in the middle of a message header ({_clean(cut)!r}): "
                        "the file looks truncated; export the chat again",
                    )
            yield build(pending, text[:-1] if text[-1:] == "\n" else text)
        else:
            raise ImportFailed(path, f"no line has a valid date when read in {order} order (check --date-order)")
    notice = dst.notice(path.name, zone_name)
    if notice is not None:
        yield notice


class _Resolved:
    """The times as written that a DST change made impossible or ambiguous in the zone (`_instant`'s
    flags), for an assumption that says how each was read: how many, and the first lines of each.

    A time that occurred twice (the clocks went back) is read as the first of the two, unless the
    order of the lines shows otherwise: on a day of `fall_backs` (its lines go back in time once, from
    one time of the repeated hour to an earlier one), the line that goes back and the lines of that
    hour after it are the second of the two; the lines of that hour before it are the first, on that
    evidence. A line of the repeated hour that goes back on another day is named: its order proves
    nothing there (`unused`)."""

    SHOWN = 5
    NONEXISTENT = "did not exist (the clocks jumped forward) and {} read with the offset before the change"
    TWICE = "occurred twice (the clocks went back)"
    HOW = {
        "before": "read as the first of the two, as a later line of that hour goes back in time (the clocks going back)",
        "second": "read as the second of the two, from the line of that hour that goes back in time on, the lines of that day"
        " being otherwise in time order",
        "first": "read as the first of the two, where the order of the lines does not show which",
    }

    def __init__(self, tz, fall_backs: set | None) -> None:
        self.tz = tz
        self.fall_backs = fall_backs or set()
        self.too_many = fall_backs is None  # the file's lines go back on too many days (_went_back)
        self.counts: dict[str, int] = {}
        self.shown: dict[str, list] = {}
        # _day_start -> [the latest time of the repeated hour (_time_of_day, line, as written), the line
        # that went back or None, the lines before it: [how many, the first SHOWN]]
        self.days: dict[int, list] = {}
        self.unused: tuple | None = None  # (line that goes back, line it goes back from) on a day not in fall_backs

    def add(self, how: str, entry: tuple, n: int = 1) -> None:
        self.counts[how] = self.counts.get(how, 0) + n
        shown = self.shown.setdefault(how, [])
        if (
            len(shown) < self.SHOWN or entry[0] < shown[-1][0]
        ):  # (lines held back come later: the first lines are shown)
            shown.append(entry)
            shown.sort()
            del shown[self.SHOWN :]

    def twice(
        self, day_start: int, at: int, wall: tuple, line: int, written: str, sent_at: datetime, precision: str
    ) -> datetime:
        """The instant of a time that occurred twice (`sent_at`: the first), as the order of the lines shows it."""
        day = self.days.get(day_start)
        if day is None:
            day = self.days[day_start] = [None, None, [0, []]]
        latest, back, before = day
        why = None
        if back is None and latest is not None and at < latest[0]:
            if day_start in self.fall_backs:
                day[1] = back = line
                why = f'it goes back from line {latest[1]}, written "{latest[2]}"'
                for entry in before[1]:
                    self.add("before", entry, 0)
                self.counts["before"] = self.counts.get("before", 0) + before[0]
            elif self.unused is None:
                self.unused = (line, latest[1])
        if latest is None or at > latest[0]:
            day[0] = (at, line, written)
        if back is not None:
            sent_at = datetime(*wall, tzinfo=self.tz, fold=1).astimezone(times.UTC)
            self.add("second", (line, written, sent_at, precision, why or f"after line {back}"))
        elif day_start in self.fall_backs:
            before[0] += 1
            if len(before[1]) < self.SHOWN:
                before[1].append((line, written, sent_at, precision))
        else:
            self.add("first", (line, written, sent_at, precision))
        return sent_at

    def notice(self, name: str, zone_name: str) -> Notice | None:
        for _latest, back, before in self.days.values():  # a day whose lines never went back: the first was assumed
            if back is None and before[0]:
                for entry in before[1]:
                    self.add("first", entry, 0)
                self.counts["first"] = self.counts.get("first", 0) + before[0]
        if not self.counts:
            return None
        parts = []
        if "time_nonexistent" in self.counts:
            n = self.counts["time_nonexistent"]
            parts.append(
                f"{n} {self.NONEXISTENT.format('was' if n == 1 else 'were')}: {self._lines('time_nonexistent')}"
            )
        twice = [how for how in ("before", "second", "first") if how in self.counts]
        unused = ""
        if self.unused:
            unused = (
                f" (line {self.unused[0]} has an earlier time of that hour than line {self.unused[1]} before it, but "
                + (
                    "the file's lines go back in time on too many days to be counted"
                    if self.too_many
                    else "that day's lines do not go back in time just once, within that hour"
                )
                + ", so their order does not show which)"
            )
        if twice == ["first"]:
            n = self.counts["first"]
            parts.append(
                f"{n} {self.TWICE} and {'was' if n == 1 else 'were'} read as the first of the two: {self._lines('first')}{unused}"
            )
        elif twice:
            parts.append(
                f"{sum(self.counts[how] for how in twice)} {self.TWICE}: "
                + "; ".join(
                    f"{self.counts[how]} {'was' if self.counts[how] == 1 else 'were'} {self.HOW[how]}: {self._lines(how)}"
                    + (unused if how == "first" else "")
                    for how in twice
                )
            )
        total = sum(self.counts.values())
        return Notice(
            f"{name}: {total} time{'s' if total != 1 else ''} as written did not exist or occurred twice in {zone_name}"
            f" (daylight saving time): {'; '.join(parts)}",
            kind="assumption",
        )

    def _lines(self, how: str) -> str:
        """The first lines read this way, each as written and as read (and why, where the order of the lines said)."""
        n = self.counts[how]
        return ", ".join(
            f'line {entry[0]} (written "{entry[1]}", read as {times.display(times.to_iso(entry[2]), self.tz, entry[3])}'
            + (f": {entry[4]})" if len(entry) > 4 else ")")
            for entry in self.shown[how]
        ) + (f", and {n - self.SHOWN} more" if n > self.SHOWN else "")


def _cut_header(header: str, text: str, names: list[str]) -> str | None:
    """The file's last line when it stops inside a message header, else None. `header` is the
    file's last header as written ("12/03/2024, 09:05 - "), `text` what follows it to the end of
    the file, which has no final line break (real exports end with one; a copy cut short may not).

    Cut inside the next header ("12/03/2024, 0"): the last line is a header of this file's shape
    once the rest of `header` is put after it. It must hold at least the first number of the date
    and its separator: digits alone are as likely the last words of a message. Cut inside the
    sender's name ("12/03/2024, 09:05 - Sam Cl"): what follows the last header falls short of
    "<a sender>: ". Either way the cut line would be imported as (part of) a message, and the
    complete export would later add the real one beside it."""
    if "\n" not in text:
        if not text or any(len(text) < len(name) + 2 and (name + ": ").startswith(text) for name in names):
            return header + text
        return None
    line = text[text.rfind("\n") + 1 :]
    whole = HEADER.match(header)
    if whole is None:  # (HEADER matches every header the scanner finds)
        return None
    style = (whole.group("br") is None, (whole.group("tr") or "")[:1])
    for start in range(len(header)):
        m = HEADER.match(line + header[start:])
        if (
            m
            and m.end() == len(line) + len(header) - start
            and m.end("sep") <= len(line)
            and (m.group("br") is None, (m.group("tr") or "")[:1]) == style
            and _valid_components(m)
        ):
            return line
    return None


def _prelude(text: str) -> Iterator[Skipped]:
    for n, line in enumerate(text.split("\n"), 1):
        if line.strip(" \t\r" + _MARKS):
            yield Skipped("unparseable line before the first message", f"line {n}")


def _date(d1, d2, era, d3, be, order) -> tuple | bool:
    """((year, month, day), "d1/d2/year as written") or False when it is not a date in `order`."""
    try:
        if order == "ymd" or len(d1) >= 3:
            if len(d1) < 3:
                return False
            year, month, day = _year(None, d1, None), int(d2), int(d3)
            written = f"{year}/{month}/{day}"
            if 1300 <= year <= 1500:  # Solar Hijri (Iranian phones): ۱۴۰۱/۱/۷
                if not (1 <= month <= 12 and 1 <= day <= (31 if month <= 6 else 30)):
                    return False
                year, month, day = _jalali_to_gregorian(year, month, day)
        else:
            year = _year(era, d3, be)
            a, b = int(d1), int(d2)
            day, month = (a, b) if order == "dmy" else (b, a)
            written = f"{a}/{b}/{year}"
        datetime(year, month, day)
    except (ValueError, OverflowError):
        return False
    return (year, month, day), written


def _jalali_to_gregorian(jy: int, jm: int, jd: int) -> tuple[int, int, int]:
    """Solar Hijri to Gregorian (the arithmetic of the 33-year cycle, as in jdf)."""
    jy += 1595
    days = (
        -355668
        + 365 * jy
        + (jy // 33) * 8
        + ((jy % 33) + 3) // 4
        + jd
        + ((jm - 1) * 31 if jm < 7 else (jm - 7) * 30 + 186)
    )
    gy = 400 * (days // 146097)
    days %= 146097
    if days > 36524:
        days -= 1
        gy += 100 * (days // 36524)
        days %= 36524
        if days >= 365:
            days += 1
    gy += 4 * (days // 1461)
    days %= 1461
    if days > 365:
        gy += (days - 1) // 365
        days = (days - 1) % 365
    gd = days + 1
    leap = (gy % 4 == 0 and gy % 100 != 0) or gy % 400 == 0
    for gm, length in enumerate((31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31), 1):
        if gd <= length:
            return gy, gm, gd
        gd -= length
    raise ValueError("day out of range")


def _time(H, M, S, ap, ap0) -> tuple | bool:
    """((hour, minute, second), " HH:MM[:SS]" in 24 hours) or False."""
    hour, minute, second = _hour(H, ap, ap0), int(M), int(S) if S else 0
    if hour > 23 or minute > 59 or second > 59:
        return False
    return (hour, minute, second), f" {hour:02d}:{minute:02d}" + (f":{second:02d}" if S else "")


def _fall_backs(days: dict | None, tz) -> set | None:
    """The days (_day_start) whose lines show the clocks going back in `tz`: the time goes back on the
    day once (the survey's `backs`), from a time the change made occur twice to an earlier such time
    that, read as its second occurrence, comes after the first reading of the time before it. None:
    the file's lines go back on too many days for the survey to count (`_went_back`)."""
    if days is None:
        return None
    found = set()
    for day_start, (count, before, at) in days.items():
        if count != 1 or before >= day_start + 86400:  # (the time before it is on that day: not a later date's)
            continue
        try:
            midnight = datetime(*date.fromordinal(day_start // 86400).timetuple()[:3])
            earlier, flag = times.localize(midnight + timedelta(seconds=before - day_start), tz)
            later = midnight + timedelta(seconds=at - day_start)
            if (
                flag == "time_ambiguous"
                and times.localize(later, tz)[1] == "time_ambiguous"
                and (later.replace(tzinfo=tz, fold=1).astimezone(times.UTC) > earlier.astimezone(times.UTC))
            ):
                found.add(day_start)
        except (OverflowError, ValueError):  # a day at the calendar's edge
            continue
    return found


def _utc_midnight(day: tuple, tz, offsets: dict) -> datetime | None:
    """The UTC instant of 00:00 on `day` in `tz` when the whole day has one UTC offset (then a
    time that day is this + the time of day, as _instant would give), else None."""
    try:
        _instant(day + (0, 0, 0), tz, offsets)  # fills offsets[day]
        known = offsets.get(day)
        return None if known is None or known is False else datetime(*day, tzinfo=times.UTC) - known
    except OverflowError:  # a day at the calendar's edge: each time on its own (_instant)
        return None


def _instant(wall: tuple, tz, offsets: dict) -> tuple:
    """A wall clock in `tz` as a UTC instant and its DST flag; one zone lookup per day, or per
    hour on a day when the offset changes."""
    day_key = wall[:3]
    known = offsets.get(day_key)
    if known is None:
        start, flag_start = times.localize(datetime(*day_key), tz)
        end, flag_end = times.localize(datetime(*day_key, 23, 59, 59), tz)
        known = start.utcoffset() if start.utcoffset() == end.utcoffset() and not flag_start and not flag_end else False
        if len(offsets) > 4096:
            offsets.clear()
        offsets[day_key] = known
    if known is not False:
        return datetime(*wall, tzinfo=times.UTC) - known, None
    hour_key = wall[:4]
    known = offsets.get(hour_key)
    if known is None:
        start, flag_start = times.localize(datetime(*hour_key), tz)
        end, flag_end = times.localize(datetime(*hour_key, 59, 59), tz)
        known = start.utcoffset() if start.utcoffset() == end.utcoffset() and not flag_start and not flag_end else False
        if len(offsets) > 4096:
            offsets.clear()
        offsets[hour_key] = known
    if known is False:  # an hour with a DST change: each time on its own
        local, flag = times.localize(datetime(*wall), tz)
        return local.astimezone(times.UTC), flag
    return datetime(*wall, tzinfo=times.UTC) - known, None


def _attachment(source: _Source, name: str | None, omitted: str | None, line: int) -> Attachment:
    if omitted or not name:
        return Attachment(name, _mime(name), missing_reason=omitted or "omitted by export")
    found = source.media.find(name, line)
    if isinstance(found, str):
        return Attachment(name, _mime(name), missing_reason=found)
    try:
        data = found[0].read()
    except _Unreadable as why:
        source.media.unreadable.append((line, found[0].name, str(why)))
        return Attachment(name, _mime(name), missing_reason=f"in the zip, but {why}")
    if data is None:
        return Attachment(name, _mime(name), missing_reason=source.media.missing)
    return Attachment(found[1], _mime(found[1]), data=data)


def _media_records(source: _Source, conversation: Conversation) -> Iterator[Record]:
    """After the messages: a notice of the attachments found under a name with an extension the
    phone added, and for a whole export (a zip, an export folder) the files no line names, kept as
    files of the chat (no time and no sender: nothing says when or by whom they were sent), and the
    litter of zipping, each skipped by name. No file of an export goes unaccounted for."""
    media = source.media
    name = source.path.name
    if media.converted:
        shown = "; ".join(
            f"line {line} names {written!r}, the file is {taken!r}" for line, written, taken in media.converted[:3]
        )
        more = f"; and {len(media.converted) - 3} more" if len(media.converted) > 3 else ""
        yield Notice(
            f"{name}: {len(media.converted)} attachment{'s' if len(media.converted) != 1 else ''} found under the name "
            f"the chat gives plus an extension the phone added ({shown}{more})",
            kind="assumption",
        )
    for line, file_name, why in media.unreadable:
        yield Notice(
            f"{name}: {file_name!r}, which line {line} attaches, is {why}: the attachment is recorded as missing"
        )
    if not media.whole_export:
        return
    kept = []
    for f in media.index():
        if id(f) in media.used:
            continue
        try:
            data = f.read()
        except _Unreadable as why:
            yield Skipped(f"{f.name!r}, named by no message, cannot be read from the zip: it is {why}", f.name)
            continue
        if data is None:
            yield Skipped("file in the export folder that cannot be read, or a link to a file outside it", f.name)
            continue
        kept.append(f.name)
        yield ChatFile(conversation, f.name, _mime(f.name), data, f.name)
    for litter in media.litter:
        yield Skipped(
            "left by the program that zipped or unzipped the export (__MACOSX, .DS_Store, ._…), not part of it", litter
        )
    if kept:
        listed = ", ".join(repr(n) for n in kept[:5]) + (f" and {len(kept) - 5} more" if len(kept) > 5 else "")
        yield Notice(
            f"{name}: {len(kept)} file{'s' if len(kept) != 1 else ''} in the export named by no message ({listed}): "
            "kept as files of the chat, with no time or sender; transcripts list them at the end"
        )
