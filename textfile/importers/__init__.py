"""The importer registry, the importer interface, and content-based format detection.

An importer is a module that is an `Importer` (below): every attribute ingest, the folder walk and the
weekly run read of it is named there, once, and every registered importer declares each one (a test
checks it; `importers()` refuses one that does not). Importers never open the archive. Detection looks
at content, not at the file name alone, so a renamed export is still recognized and a random file is
not mistaken for one.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Protocol, get_args, get_origin, get_type_hints

from textfile.errors import ImportFailed, UnsupportedFormat
from textfile.model import ImportOptions, Record


class Importer(Protocol):
    """What an importer module declares. Its flags say how ingest must treat what it reads."""

    FORMAT: str  # its name, as `--format` takes it ("whatsapp")
    VERSION: str  # recorded on every import it performs
    # "sent" means sent by the phone's owner, not by a named sender (iMessage, Android): whose phone it is matters
    SENT_BY_THE_PHONE: bool
    READS_A_CLIENTS_PHONE: bool  # reads a client's own phone in the owner's frame (`ImportOptions.custodian`)
    # each phone's copy of a message has its own identity (True for all, or the services whose have): ingest matches them
    COPIES_DIFFER: bool | frozenset[str]
    JOINS_NUMBERS: (
        bool  # reads ImportOptions.joined_keys and .archived_numbers (a number with and without its country code)
    )
    CHAT_NAMED_BY_FILE: (
        bool  # the conversation key comes from the file's name (WhatsApp): a copy's name is the same chat
    )
    EDITS_CHANGE_IDENTITY: bool  # the text is part of a message's identity: an edit between exports is folded (ingest)
    WALL_CLOCK: bool  # times carry no zone: read in --tz, or a chat in the zone it was last read in

    def detect(self, path: Path) -> bool:
        """A cheap look at the content: is this file (or folder) mine?"""

    def read(self, path: Path, options: ImportOptions) -> Iterator[Record]:
        """The records of the source (textfile.model); raises ImportFailed(path, reason) for input it cannot read."""

    def foreign_entries(self, folder: Path) -> list[Path]:
        """What a folder this importer takes whole holds that is not part of it (read on its own): often nothing."""

    def read_from(self, folder: Path) -> Path | None:
        """The file of a folder this importer takes whole that the messages are read from, where it is one
        file small enough to hash on every import (an unzipped WhatsApp export's chat text): the import
        records its sha256, as a folder's own sha256 is of its listing, not of its files' content. None:
        no such file (the folder is not one this importer takes whole; reading it says why)."""


@cache
def _declared() -> tuple[tuple[str, object, tuple[type, ...]], ...]:
    """Each attribute `Importer` declares: (name, its type, the classes an isinstance check takes), read once
    (get_type_hints costs more than all the rest of `conforms`, which every detect() runs per importer)."""
    return tuple(
        (name, kind, tuple(get_origin(k) or k for k in (get_args(kind) or (kind,))))  # (frozenset[str]: a frozenset)
        for name, kind in get_type_hints(Importer).items()
    )


def conforms(module: ModuleType) -> list[str]:
    """What `module` lacks of `Importer`, or declares of another type: [] when it is one."""
    missing = []
    for name, kind, kinds in _declared():
        if not hasattr(module, name):
            missing.append(name)
        elif not isinstance(getattr(module, name), kinds):
            missing.append(f"{name} (not {kind})")
    return missing + [
        name for name in ("detect", "read", "foreign_entries", "read_from") if not callable(getattr(module, name, None))
    ]


# Every module (or package) in textfile/importers/ is an importer, tried for detection in name order: a new
# importer is one new file here, and one that does not conform is refused, not skipped. What is not one:
_NOT_IMPORTERS = frozenset({"typedstream"})  # (iMessage's attributedBody decoder)


def discover(folders) -> tuple[str, ...]:
    """The importer modules in `folders` (the package's own: `__path__`), by name."""
    names = (m.name for m in pkgutil.iter_modules(folders))
    return tuple(sorted(n for n in names if n not in _NOT_IMPORTERS and not n.startswith("_")))


REGISTRY: tuple[str, ...] = discover(__path__)


def importers() -> dict[str, Importer]:
    found = {}
    for name in REGISTRY:
        module = importlib.import_module(f"textfile.importers.{name}")
        if lacks := conforms(module):
            raise TypeError(f"textfile.importers.{name} is not an Importer: it lacks {', '.join(lacks)}")
        found[module.FORMAT] = module
    return found


def detect(path: Path) -> Importer:
    """The importer that recognizes `path` by its content."""
    if not path.exists():
        raise ImportFailed(path, "no such file or folder")
    for module in importers().values():
        try:
            if module.detect(path):
                return module
        except OSError as exc:
            raise ImportFailed(path, f"cannot read: {exc.strerror or exc}") from None
    raise UnsupportedFormat(path, _why_unrecognized(path))


def _why_unrecognized(path: Path) -> str:
    """As precise a reason as the first bytes allow, for a file no importer took."""
    from textfile.importers.imessage import backup_holding, whole_backup

    if backup_holding(path):  # Manifest.db, Info.plist…: the folder holding it is the export
        return whole_backup(path)
    if path.is_dir():
        return "unsupported or unrecognized export (a folder that is neither an iPhone backup nor an unzipped WhatsApp export)"
    try:
        with open(path, "rb") as fp:
            head = fp.read(16)
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    if not head:
        return "the file is empty"
    if head == b"SQLite format 3\0":  # (an iMessage chat.db the iMessage importer could not read as one)
        if _is_an_archive(path):
            return "a textfile archive, not a phone's export (textfile --archive FILE opens one)"
        return (
            "a SQLite database that is not a readable iMessage chat.db (damaged or truncated, or another app's):"
            " --format imessage says what is wrong with it"
        )
    if head.startswith(b"PK"):
        import zipfile

        from textfile.importers.whatsapp import (
            _ZIP_ERRORS,  # (everything reading a damaged zip raises: a name not the UTF-8 it claims…)
        )

        try:
            with zipfile.ZipFile(path):
                pass
        except _ZIP_ERRORS:
            return "a damaged or truncated zip file"
        return "a zip file without a WhatsApp chat in it"
    return "unsupported or unrecognized export"


def _is_an_archive(path: Path) -> bool:
    """Whether `path` is a textfile archive: read immutable (nothing written beside it), and where a write-ahead
    log is beside it (an archive in use holds its rows there), read only with it."""
    import sqlite3
    from contextlib import closing

    modes = ["mode=ro&immutable=1"] + (["mode=ro"] if Path(f"{path}-wal").exists() else [])
    for mode in modes:
        try:
            with closing(sqlite3.connect(f"file:{path}?{mode}", uri=True)) as conn:
                if conn.execute("SELECT archive_id FROM settings WHERE id = 1").fetchone() is not None:
                    return True
        except sqlite3.Error:
            continue
    return False


def by_name(name: str) -> Importer:
    found = importers()
    if name not in found:
        known = ", ".join(sorted(found)) or "none yet"
        raise UnsupportedFormat(name, f"no importer for that format (known: {known})")
    return found[name]
