"""macOS Messages `chat.db` and iPhone-backup `sms.db`.

The importer in modules named by what they decide:
- source.py: which database a path is (a chat.db, a Messages folder, an iPhone backup), opened without changing it
- backup.py: an iPhone backup's files (hashed names, Manifest.db), never an encrypted one
- schema.py: which tables and columns this OS version has, the queries built from them, the rows they yield
- chats.py: handles and chats, the conversation key, the frame a client's phone is read in
- records.py: the records of the database, one message row at a time (the fast loop)
- message.py: one message row → a Message or a Reaction: its text, sender, times, marks
- edits.py: its edits and unsends (message_summary_info)
- attachments.py and confined.py: its attachment files, read only inside the folders they belong in
- typedstream.py (beside this package): the text of an attributedBody

Decision: nothing in a damaged database raises anything but ImportFailed: numbers and texts are read
through CAST (schema.py), undecodable text and unreadable blobs become warnings.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from textfile.errors import ImportFailed
from textfile.importers.imessage import source
from textfile.importers.imessage.backup import Backup
from textfile.importers.imessage.chats import FORMAT, conversation_key
from textfile.importers.imessage.records import read_database
from textfile.importers.imessage.source import (
    SQLITE_MAGIC,
    Snapshot,
    backup_holding,
    foreign_entries,
    has_tables,
    holds_backup,
    readonly_uri,
    whole_backup,
)
from textfile.model import ImportOptions, Notice

__all__ = [
    "FORMAT",
    "backup_holding",
    "conversation_key",
    "detect",
    "foreign_entries",
    "read",
    "read_from",
    "whole_backup",
]

VERSION = "1"
SENT_BY_THE_PHONE = True  # is_from_me: sent by the phone's owner, not by a named sender (see ingest)
READS_A_CLIENTS_PHONE = True  # ImportOptions.custodian: a client's own phone, read in the owner's frame (chats.py)
# Each phone's copy of a message of these services has its own guid (an SMS or RCS message goes through the carrier, not
# Apple: no guid travels with it), so ingest matches it to the other phone's copy; an iMessage's guid is the same on both.
COPIES_DIFFER = frozenset({"SMS", "RCS"})
JOINS_NUMBERS = False  # handles are written in full (E.164 or email)
CHAT_NAMED_BY_FILE = False  # a chat is keyed by its guid
EDITS_CHANGE_IDENTITY = False  # an edit keeps the message's guid: a new version of the same message
WALL_CLOCK = False  # every date is an instant (since 2001-01-01 UTC)


def detect(path: Path) -> bool:
    path = Path(path)
    if path.is_dir():
        if holds_backup(path):
            return True
        return (path / "chat.db").is_file() and detect(path / "chat.db")  # a copied ~/Library/Messages folder
    if not path.is_file():
        return False
    with open(path, "rb") as fp:
        if fp.read(16) != SQLITE_MAGIC:
            return False
    try:
        if has_tables(readonly_uri(path)):
            return True
        if not path.with_name(path.name + "-wal").is_file():
            return False
        snapshot = Snapshot(path)  # a new database whose tables are still only in its WAL
        try:
            return has_tables(snapshot.uri)
        finally:
            snapshot.close()
    except (sqlite3.Error, UnicodeDecodeError):
        return False


def read(path: Path, options: ImportOptions) -> Iterator:
    path = Path(path)
    if not path.exists():
        raise ImportFailed(path, "no such file or folder")
    database = _database(path)
    db_path = database.path
    snapshot = source.snapshot(path, db_path)
    try:
        conn = source.connect(path, snapshot.uri)
        try:
            if snapshot.copied:
                yield Notice(
                    f"read a copy of {db_path.name} together with its {snapshot.copied} file, so no recent message is missed",
                    kind="assumption",
                )
            yield from read_database(conn, path, db_path, options, database.backup)
        except (sqlite3.Error, UnicodeDecodeError) as exc:  # SQLite's message about a damaged schema may not be UTF-8
            raise ImportFailed(path, source.reason(exc)) from None
        finally:
            conn.close()
    finally:
        snapshot.close()


def read_from(folder: Path) -> None:
    """None: the database of a Messages folder or of an iPhone backup is read together with its -wal
    file where it has one (a copy of both, `source.snapshot`), so no one file's sha256 is of what was
    read; and it may be gigabytes, hashed again on every import."""
    return None


class _Database(NamedTuple):
    path: Path  # the database file
    backup: Backup | None  # the iPhone backup it is in


def _database(path: Path) -> _Database:
    """The database file of the source `path` (itself, a Messages folder's chat.db, a backup's sms.db)
    and the backup it is in; ImportFailed when it is not a readable SQLite database."""
    backup = None
    db_path = path
    if path.is_dir():
        if (path / "chat.db").is_file() and not holds_backup(path):
            db_path = path / "chat.db"  # a copied ~/Library/Messages folder, Attachments/ beside it
        else:
            backup = Backup(path)
            db_path = backup.sms_db
    try:
        with open(db_path, "rb") as fp:
            head = fp.read(16)
    except OSError as exc:
        raise ImportFailed(path, source.os_reason(exc)) from None
    if head != SQLITE_MAGIC:
        if backup is not None:
            raise ImportFailed(
                path,
                "the backup's sms.db is not a readable database (is the backup encrypted? make an unencrypted one)",
            )
        raise ImportFailed(path, "not a SQLite database (not a Messages chat.db or sms.db)")
    return _Database(db_path, backup)
