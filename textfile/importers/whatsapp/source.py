"""Reading the source: a .txt (its media maybe beside it), a .zip (chat text + media), an unzipped export folder.
Its text is decoded in chunks by decoding.py.

Decisions:
- Zip limits: refuse before reading anything (declared sizes), and never read more than declared.
"""

from __future__ import annotations

import codecs
import io
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from textfile.errors import ImportFailed
from textfile.importers.whatsapp.decoding import _BYTES, CHUNK, _encoding
from textfile.importers.whatsapp.header import _MARKS, HEADER, _valid_components
from textfile.importers.whatsapp.media import (
    _ZIP_ERRORS,
    _File,
    _is_litter,
    _LargerThanDeclared,
    _Media,
    _member,
    _Unreadable,
)
from textfile.importers.whatsapp.people import chat_name_from_file

DETECT_BYTES = 64 << 10


# Zip limits: refuse before reading anything (declared sizes), and never read more than declared.
MAX_CHAT_BYTES = 1 << 30


MAX_MEMBER_BYTES = 1 << 30


MAX_TOTAL_BYTES = 8 << 30


MAX_RATIO = 200  # uncompressed/compressed for members over 1 MiB; real media barely compress


@dataclass
class _Source:
    path: Path
    open_text: Callable[[], io.TextIOBase]
    chat_file_name: str  # name of the chat text (member name inside a zip)
    container_name: str | None  # the zip's file name
    media: _Media  # the files of the export beside the chat text (in the zip, the folder)
    close: Callable[[], None] = lambda: None
    encoding: str = "utf-8-sig"


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
            candidates.append(_Candidate(rank, name, info))
            continue
        if not _looks_like_chat(head):
            continue
        candidates.append(_Candidate(rank, name, info))
    chat = _pick(candidates)
    if chat is not None and chat.filename in unreadable:
        raise _UnreadableChat(chat.filename, unreadable[chat.filename])
    return chat


def _chat_rank(name: str) -> int:
    return 0 if name == "_chat.txt" else 1 if chat_name_from_file(name) or "whatsapp" in name.lower() else 2


class _SeveralChats(Exception):
    "More than one chat text, none of them clearly the export's own."


class _Candidate(NamedTuple):
    """A text that may be the export's chat: the lower its rank, the likelier (`_chat_rank`)."""

    rank: int
    name: str
    item: object  # the zip member or the file


def _pick(candidates: list[_Candidate]):
    """The chat text among the candidates: the only one of the best rank."""
    if not candidates:
        return None
    best = min(c.rank for c in candidates)
    # (two members of one name: their items have no order)
    top = sorted((c for c in candidates if c.rank == best), key=lambda c: (c.rank, c.name))
    if len(top) > 1:
        raise _SeveralChats(", ".join(repr(c.name) for c in top[:5]) + (" …" if len(top) > 5 else ""))
    return top[0].item


# What an unzipped export holds beside its chat text, besides files the chat names: the media and
# documents WhatsApp exports ("00000004-Contract.pdf", "PTT-20240312-WA0002.opus", "Sam.vcf").
_MEDIA_EXTENSIONS = frozenset(
    ".jpg .jpeg .png .gif .webp .heic .heif .bmp .tif .tiff .mp4 .3gp .mov .m4v .avi .mkv .webm .opus .ogg .oga .mp3 .m4a"
    " .aac .amr .wav .flac .vcf .pdf .doc .docx .xls .xlsx .ppt .pptx .odt .ods .odp .rtf .pages .numbers .key".split()
)


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
                    chats.append(_Candidate(_chat_rank(name), name, child))
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
    """The source at `path`: a zip (its chat text and its other members), or a chat text (its media
    beside it, or the unzipped export folder that holds it)."""
    container, path, head = _chat_file(path)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _zip_source(path)
    return _text_source(path, head, container)


def _chat_file(path: Path) -> tuple[Path | None, Path, bytes]:
    """(the unzipped export folder or None, the file to read: a zip or a chat text, its first bytes)."""
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
    return container, path, head


def _zip_source(path: Path) -> _Source:
    """A zip: its chat text, streamed from the zip, and its other members as the export's files."""
    try:
        zf = zipfile.ZipFile(path)
    except _ZIP_ERRORS as exc:
        raise ImportFailed(path, f"not a readable zip ({exc})") from None
    try:
        info = _zip_chat(path, zf)
        with zf.open(info) as fp:
            enc = _encoding(fp.read(4))
    except ImportFailed:
        zf.close()
        raise
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

    media = _Media(members, "not in the zip", True)
    return _Source(path, open_text, info.filename.rsplit("/", 1)[-1], path.name, media, zf.close, enc)


def _zip_chat(path: Path, zf: zipfile.ZipFile) -> zipfile.ZipInfo:
    """The zip's chat text (`_zip_chat_member`), its limits checked first (`_check_zip`), or why none can be read."""
    try:
        _check_zip(path, zf)
        info = _zip_chat_member(zf)
    except _SeveralChats as several:
        raise ImportFailed(
            path, f"the zip holds several WhatsApp chats ({several}); import each chat's own export"
        ) from None
    except _UnreadableChat as unreadable:
        name, why = unreadable.args
        raise ImportFailed(path, f"cannot read the chat text {name!r} from the zip: it is {why}") from None
    except _ZIP_ERRORS as exc:
        raise ImportFailed(path, f"not a readable zip ({exc})") from None
    if info is None:
        raise ImportFailed(path, "the zip holds no WhatsApp chat text (_chat.txt or 'WhatsApp Chat … .txt')")
    return info


def _text_source(path: Path, head: bytes, container: Path | None) -> _Source:
    """A chat text: its media are the files beside it (in an unzipped export folder, `container`, the folder's)."""
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
