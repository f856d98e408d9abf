"""The source: a chat.db, a copied ~/Library/Messages folder, or an iPhone backup, opened without changing it.

Decisions:
- The source is never changed. A database is opened `mode=ro&immutable=1` (no lock, no -shm).
  When a `-wal` or hot `-journal` file sits beside it, the database and that file are copied into
  a temporary folder and the copy is read, so messages still in the write-ahead log are not
  missed and nothing is written next to the source.
- A folder is read whole: a Messages folder (chat.db beside Attachments/) or an iPhone backup (its
  manifests and 00…ff folders). What else it holds is not Messages' own and is read on its own
  (`foreign_entries`); a file of a backup given on its own is refused, naming the backup's folder.
- What cannot be read is said in words a person can act on (`os_reason`, `reason`): Full Disk
  Access on a Mac, a database locked by Messages, a corrupt file.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import tempfile
from pathlib import Path

from textfile.errors import ImportFailed
from textfile.importers.imessage.schema import REQUIRED_TABLES, tables

SQLITE_MAGIC = b"SQLite format 3\x00"
SMS_DB_HASH = "3d0d7e5fb2ce288813306e4d4636395e047a3d28"  # SHA-1 of "HomeDomain-Library/SMS/sms.db"
BACKUP_MARKERS = ("Manifest.db", "Manifest.plist", f"{SMS_DB_HASH[:2]}/{SMS_DB_HASH}", SMS_DB_HASH)

# What a copied ~/Library/Messages folder holds of its own: the database and its journals,
# Messages' other databases and settings, and its caches; Attachments/ is read through chat.db.
# Exact names, as Messages writes them (a "Chat.db" beside "chat.db" is another database).
MESSAGES_OWN_FILES = re.compile(r"^(\.DS_Store|(chat|prewarmsg)\.db(-wal|-shm|-journal)?|.*\.plist)$")
MESSAGES_OWN_FOLDERS = frozenset(
    (
        "Attachments",
        "StickerCache",
        "NickNameCache",
        "CollaborationNoticeCache",
        "CloudKitMetaData",
        "Archive",
        "Caches",
    )
)
# An unencrypted iPhone backup: Manifest.db/.plist, Info.plist, Status.plist, and 256 folders 00…ff.
BACKUP_OWN = re.compile(
    r"^(\.DS_Store|Manifest\.(db|plist|mbdb|mbdx)(-wal|-shm)?|Info\.plist|Status\.plist|[0-9a-f]{2}|[0-9a-f]{40})$"
)


def holds_backup(folder: Path) -> bool:
    """Whether `folder` is an iPhone backup (it holds one of its manifests, or sms.db under its hashed name)."""
    return any((folder / marker).is_file() for marker in BACKUP_MARKERS)


def backup_holding(path: Path) -> Path | None:
    """The iPhone backup folder a file given on its own belongs to (its Manifest.db, Info.plist, or a
    file in one of its 00…ff folders), else None: the backup is read whole, from its folder."""
    path = Path(path).absolute()
    if not path.is_file():
        return None
    for folder, name in ((path.parent, path.name), (path.parent.parent, path.parent.name)):
        if BACKUP_OWN.match(name) and holds_backup(folder):
            return folder
    return None


def whole_backup(path: Path) -> str:
    """What to say of a file of an iPhone backup given on its own."""
    return f"this is one file of an iPhone backup: import the backup's folder ({backup_holding(path)})"


def foreign_entries(folder: Path) -> list[Path]:
    """What a folder taken whole as a Messages folder also holds that is not Messages' own (another
    export dropped beside chat.db, say): the caller reads those on their own, so nothing is passed
    over. In an iPhone backup, what is not the backup's own (its manifests and 00…ff folders)."""
    if holds_backup(folder):
        return sorted(child for child in folder.iterdir() if not BACKUP_OWN.match(child.name))
    return sorted(child for child in folder.iterdir() if not _messages_own(child))


def _messages_own(child: Path) -> bool:
    if child.is_dir():
        return child.name in MESSAGES_OWN_FOLDERS
    return bool(MESSAGES_OWN_FILES.match(child.name))


def has_tables(uri: str) -> bool:
    conn = sqlite3.connect(uri, uri=True)
    try:
        return REQUIRED_TABLES <= tables(conn)
    finally:
        conn.close()


def readonly_uri(path: Path) -> str:
    return path.resolve().as_uri() + "?mode=ro&immutable=1"


class Snapshot:
    """What to open: the database itself (immutable), or, when a -wal or hot -journal file sits
    beside it, a copy of both in a temporary folder, opened read-write so SQLite applies the WAL or
    rolls the journal back in our copy. `copied` names the side file; `close()` removes the copy."""

    def __init__(self, db_path: Path):
        self.uri, self.copied, self._tmp = readonly_uri(db_path), None, None
        for suffix in ("-wal", "-journal"):
            side = db_path.with_name(db_path.name + suffix)
            try:
                has_side = side.is_file() and side.stat().st_size > 0
            except OSError:
                has_side = False
            if has_side:
                self._tmp = tempfile.TemporaryDirectory(prefix="textfile-imessage-")
                try:
                    copy = Path(self._tmp.name) / "chat.db"
                    shutil.copyfile(db_path, copy)
                    shutil.copyfile(side, Path(self._tmp.name) / ("chat.db" + suffix))
                except OSError:
                    self.close()
                    raise
                self.uri, self.copied = copy.as_uri(), side.name
                return

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None


def snapshot(path: Path, db_path: Path) -> Snapshot:
    """The `Snapshot` of the database `db_path` of the source `path`; ImportFailed when it cannot be copied."""
    try:
        return Snapshot(db_path)
    except OSError as exc:
        raise ImportFailed(
            path, f"cannot copy the database and its write-ahead log to a temporary folder: {exc.strerror or exc}"
        ) from None


def connect(path: Path, uri: str) -> sqlite3.Connection:
    try:
        return sqlite3.connect(uri, uri=True)
    except sqlite3.Error as exc:
        raise ImportFailed(path, reason(exc)) from None


def os_reason(exc: OSError) -> str:
    said = f"cannot read: {exc.strerror or exc}"
    if isinstance(exc, PermissionError):
        said += " (on a Mac, give the terminal Full Disk Access in System Settings \u203a Privacy & Security, or copy the file first)"
    return said


def reason(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "corrupt database (its schema is not readable text)"
    text = "".join(c if c.isprintable() else "?" for c in str(exc))[:200]
    if "locked" in text or "busy" in text:
        return "the database is locked by another program; quit Messages or copy the file, then import the copy"
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return f"corrupt database ({text})"
    return f"cannot read the database ({text})"
