"""The files of an export beside its chat text: the one each attachment line names, and the rest.

Decisions:
- Media: a line names a file by its exact name, or by that name plus one extension the phone added
  ("….jpg.png"), when only one file fits. A zip or an export folder is the whole export: the files
  no line names are kept as files of the chat (`ChatFile`: no time, no sender), the litter of
  zipping is skipped by name, so no file of an export goes unaccounted for. Their names follow them
  (`ChatFilesNamed`): ingest says which it kept, since it skips one of a conversation disposed of. A member that cannot
  be read (damaged, encrypted) does not cost the chat: a line's attachment is missing with the
  reason, and said; a file no line names is skipped with it. A member holding more than it
  declares refuses the zip, as the declared sizes are what its limits were checked on (`_member`).
  A chat text that cannot be read is refused as such (encrypted, larger than it declares, damaged),
  not as a zip without a chat (`_zip_chat_member`).
"""

from __future__ import annotations

import copy
import lzma
import mimetypes
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textfile.model import (
    Attachment,
    ChatFile,
    ChatFilesNamed,
    Conversation,
    Notice,
    Record,
    Skipped,
)

if TYPE_CHECKING:  # (source.py builds _Media: only the annotation comes from there)
    from textfile.importers.whatsapp.source import _Source

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


def _attachment(source: _Source, name: str | None, omitted: str | None, line: int) -> Attachment:
    if omitted or not name:
        return Attachment(name, _mime(name), missing_reason=omitted or "omitted by export")
    found = source.media.find(name, line)
    if isinstance(found, str):
        return Attachment(name, _mime(name), missing_reason=found)
    file, recorded_as = found
    try:
        data = file.read()
    except _Unreadable as why:
        source.media.unreadable.append((line, file.name, str(why)))
        return Attachment(name, _mime(name), missing_reason=f"in the zip, but {why}")
    if data is None:
        return Attachment(name, _mime(name), missing_reason=source.media.missing)
    return Attachment(recorded_as, _mime(recorded_as), data=data)


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
    if kept:  # (ingest says which it kept: a file of a conversation disposed of is not)
        yield ChatFilesNamed(name, tuple(kept))
