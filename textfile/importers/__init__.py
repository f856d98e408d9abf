"""The importer registry and content-based format detection.

An importer is a module with:
    FORMAT: str                      its name, as `--format` takes it ("whatsapp")
    VERSION: str                     recorded on every import it performs
    detect(path: Path) -> bool       cheap look at the content: is this file (or folder) mine?
    read(path: Path, options: ImportOptions) -> Iterator[Record]
                                     the records of the source (textfile.model); raises
                                     ImportFailed(path, reason) for input it cannot read.
Importers never open the archive. Detection looks at content, not at the file name alone, so a
renamed export is still recognized and a random file is not mistaken for one.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

from textfile.errors import ImportFailed, UnsupportedFormat

# One line per importer module in textfile.importers, in detection order.
REGISTRY: tuple[str, ...] = ("android", "imessage", "whatsapp")


def importers() -> dict[str, ModuleType]:
    return {
        module.FORMAT: module for module in (importlib.import_module(f"textfile.importers.{name}") for name in REGISTRY)
    }


def detect(path: Path) -> ModuleType:
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
            head = fp.read(4)
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    if not head:
        return "the file is empty"
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


def by_name(name: str) -> ModuleType:
    found = importers()
    if name not in found:
        known = ", ".join(sorted(found)) or "none yet"
        raise UnsupportedFormat(name, f"no importer for that format (known: {known})")
    return found[name]
