"""macOS Messages `chat.db` and iPhone-backup `sms.db`.

Decisions:
- The source is never changed. A database is opened `mode=ro&immutable=1` (no lock, no -shm).
  When a `-wal` or hot `-journal` file sits beside it, the database and that file are copied into
  a temporary folder and the copy is read, so messages still in the write-ahead log are not
  missed and nothing is written next to the source.
- Columns differ between OS versions: the message query is built from `PRAGMA table_info`.
- One row at a time, in ROWID order; attachments are merged in from a second cursor in the same
  order, so memory stays flat however big the database is.
- Tapbacks become `Reaction`s on the message they point at; group events become system lines.
- A conversation's key is its chat guid without the service ("iMessage;-;+1202…", "SMS;-;+1202…"
  and macOS 26's "any;-;+1202…" are all "-;+12025550123"), so the same conversation read from an
  iPhone, a Mac or after an OS upgrade is one conversation. A message no chat lists (its chat was
  deleted) is filed by the key its chat had; one in "Recently Deleted" stays in its chat, flagged.
- A client's own Messages folder, chat.db or iPhone backup (`ImportOptions.custodian`: ingest checked the
  client and their handle, `me`, a number or an email) is read in the archive owner's frame: what the
  phone sent (is_from_me) is "in", from the client; what came from one of the owner's handles is "out",
  from the owner (written as the owner's phone writes them); the rest is "in" from its sender. The chat
  with the owner ("iMessage;-;alex@example.com" there) is the conversation the owner's copy keys by the
  client's handle ("-;<--me>"); a chat with someone else is the client's own, keyed "… without the owner"
  so that it is never the owner's chat with that person; a group's guid is the same on every phone. A
  message's guid is the same on both phones too, so its identity finds the other phone's copy; an SMS or
  RCS message has a guid of each phone's own, and ingest matches it by sender, text and time
  (COPIES_DIFFER). Whose phone it is, is recorded by ingest.
- Nothing in a damaged database raises anything but ImportFailed: numbers and texts are read
  through CAST, undecodable text and unreadable blobs become warnings.
- An attachment is read only from an attachments folder (Attachments/ or StickerCache/ of a Messages
  folder: the home's, the one chat.db sits in, or --attachments-root) or from the backup's own files,
  with `..` and links resolved, and checked again as the file is opened (not through a link, and where
  the system says the open file is), so a link swapped in meanwhile cannot lead out. A crafted path
  ("/etc/passwd", "…/Attachments/../../.ssh/id_rsa", a link to outside, a Manifest.db entry naming
  another place) is recorded as a missing attachment saying so, and counted in a warning.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import mimetypes
import os
import plistlib
import re
import shutil
import sqlite3
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import fields
from datetime import datetime
from functools import cached_property
from pathlib import Path

import phonenumbers

from textfile import phones, times
from textfile.errors import ImportFailed
from textfile.importers import typedstream
from textfile.model import (
    Attachment,
    Conversation,
    ImportOptions,
    Message,
    Notice,
    Participant,
    Reaction,
    Skipped,
    Version,
)

FORMAT = "imessage"
VERSION = "1"
SENT_BY_THE_PHONE = True  # is_from_me: sent by the phone's owner, not by a named sender (see ingest)
READS_A_CLIENTS_PHONE = (
    True  # ImportOptions.custodian: a client's own phone, read in the owner's frame (`_Reader._conversation`)
)
# Each phone's copy of a message of these services has its own guid (an SMS or RCS message goes through the carrier, not
# Apple: no guid travels with it), so ingest matches it to the other phone's copy; an iMessage's guid is the same on both.
COPIES_DIFFER = frozenset({"SMS", "RCS"})
JOINS_NUMBERS = False  # handles are written in full (E.164 or email)
CHAT_NAMED_BY_FILE = False  # a chat is keyed by its guid
EDITS_CHANGE_IDENTITY = False  # an edit keeps the message's guid: a new version of the same message
WALL_CLOCK = False  # every date is an instant (since 2001-01-01 UTC)

SQLITE_MAGIC = b"SQLite format 3\x00"
SMS_DB_HASH = "3d0d7e5fb2ce288813306e4d4636395e047a3d28"  # SHA-1 of "HomeDomain-Library/SMS/sms.db"
REQUIRED_TABLES = {"message", "handle", "chat"}
BACKUP_MARKERS = ("Manifest.db", "Manifest.plist", f"{SMS_DB_HASH[:2]}/{SMS_DB_HASH}", SMS_DB_HASH)
GROUP_STYLE = 43
URL_PREVIEW = "com.apple.messages.URLBalloonProvider"  # a link preview: the text is the link itself
# "~/Library/Messages/Attachments/ab/01/AB01…/receipt.png" (Mac), "/var/mobile/Library/SMS/Attachments/…" or
# "~/Library/SMS/Attachments/…" (iPhone), "/Users/alex/Library/Messages/StickerCache/8e68…/289D….heic" (a sticker):
# (home, "Messages" or "SMS", the attachments folder, the path inside it)
ATTACHMENT_PATH = re.compile(r"(.*?)/Library/(Messages|SMS)/(Attachments|StickerCache)/([^\0]+)", re.DOTALL)
TAPBACKS = {
    0: "loved",
    1: "liked",
    2: "disliked",
    3: "laughed",
    4: "emphasized",
    5: "questioned",
    6: "emoji",
    7: "sticker",
}

# message columns we read; any the database lacks are read as NULL
MESSAGE_COLUMNS = (
    "ROWID", "guid", "text", "attributedBody", "subject", "handle_id", "is_from_me", "service", "error",
    "date", "date_read", "date_delivered", "date_edited", "date_retracted",
    "item_type", "group_title", "group_action_type", "other_handle",
    "associated_message_guid", "associated_message_type", "associated_message_emoji",
    "thread_originator_guid", "message_summary_info", "cache_roomnames", "balloon_bundle_id",
)  # fmt: skip
ATTACHMENT_COLUMNS = ("ROWID", "guid", "filename", "mime_type", "transfer_name")
# SQLite lets any column hold any type: numbers and texts are read through CAST, so a damaged row
# yields 0 or a string rather than a value of the wrong type.
INTEGER_COLUMNS = {"handle_id", "is_from_me", "error", "date", "date_read", "date_delivered", "date_edited", "date_retracted",
                   "item_type", "group_action_type", "other_handle", "associated_message_type"}  # fmt: skip
TEXT_COLUMNS = {"guid", "text", "subject", "service", "group_title", "associated_message_guid", "associated_message_emoji",
                "thread_originator_guid", "cache_roomnames", "balloon_bundle_id", "filename", "mime_type", "transfer_name"}  # fmt: skip


def _column(alias: str, name: str, present: set[str]) -> str:
    if name not in present:
        return f"NULL AS {name}"
    if name in INTEGER_COLUMNS:
        return f"CAST({alias}.{name} AS INTEGER)"
    if name in TEXT_COLUMNS:
        return f"CAST({alias}.{name} AS TEXT)"
    return f"{alias}.{name}"


def _apple(value) -> datetime | None:
    """times.from_apple, or None for a value no clock can show (a damaged row)."""
    try:
        return times.from_apple(value) if value else None
    except (OverflowError, OSError, ValueError, TypeError):
        return None


_NO_FLAGS: frozenset[str] = frozenset()

# Message(...) by position costs half what 16 keywords do (a large database makes millions).
_MESSAGE_ORDER = ("conversation", "identity", "sent_at", "direction", "sender", "body", "source_zone", "service", "kind",
                  "status", "delivered_at", "read_at", "duration_s", "flags", "source_id", "reply_to", "versions",
                  "attachments", "source_ref")  # fmt: skip
if tuple(f.name for f in fields(Message)) == _MESSAGE_ORDER:
    _message = Message
else:  # the model changed: still correct, by keyword

    def _message(*values):
        return Message(**dict(zip(_MESSAGE_ORDER, values)))


# --- detection -------------------------------------------------------------------------------


def detect(path: Path) -> bool:
    path = Path(path)
    if path.is_dir():
        if any((path / name).is_file() for name in BACKUP_MARKERS):
            return True
        return (path / "chat.db").is_file() and detect(path / "chat.db")  # a copied ~/Library/Messages folder
    if not path.is_file():
        return False
    with open(path, "rb") as fp:
        if fp.read(16) != SQLITE_MAGIC:
            return False
    try:
        if _has_tables(_readonly_uri(path)):
            return True
        if not path.with_name(path.name + "-wal").is_file():
            return False
        snapshot = _Snapshot(path)  # a new database whose tables are still only in its WAL
        try:
            return _has_tables(snapshot.uri)
        finally:
            snapshot.close()
    except (sqlite3.Error, UnicodeDecodeError):
        return False


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


def backup_holding(path: Path) -> Path | None:
    """The iPhone backup folder a file given on its own belongs to (its Manifest.db, Info.plist, or a
    file in one of its 00…ff folders), else None: the backup is read whole, from its folder."""
    path = Path(path).absolute()
    if not path.is_file():
        return None
    for folder, name in ((path.parent, path.name), (path.parent.parent, path.parent.name)):
        if BACKUP_OWN.match(name) and any((folder / marker).is_file() for marker in BACKUP_MARKERS):
            return folder
    return None


def whole_backup(path: Path) -> str:
    """What to say of a file of an iPhone backup given on its own."""
    return f"this is one file of an iPhone backup: import the backup's folder ({backup_holding(path)})"


def foreign_entries(folder: Path) -> list[Path]:
    """What a folder taken whole as a Messages folder also holds that is not Messages' own (another
    export dropped beside chat.db, say): the caller reads those on their own, so nothing is passed
    over. In an iPhone backup, what is not the backup's own (its manifests and 00…ff folders)."""
    if any((folder / name).is_file() for name in BACKUP_MARKERS):
        return sorted(child for child in folder.iterdir() if not BACKUP_OWN.match(child.name))
    return sorted(child for child in folder.iterdir() if not _messages_own(child))


def _messages_own(child: Path) -> bool:
    if child.is_dir():
        return child.name in MESSAGES_OWN_FOLDERS
    return bool(MESSAGES_OWN_FILES.match(child.name))


def _has_tables(uri: str) -> bool:
    conn = sqlite3.connect(uri, uri=True)
    try:
        return REQUIRED_TABLES <= _tables(conn)
    finally:
        conn.close()


# --- reading ---------------------------------------------------------------------------------


def read(path: Path, options: ImportOptions) -> Iterator:
    path = Path(path)
    if not path.exists():
        raise ImportFailed(path, "no such file or folder")
    backup = None
    db_path = path
    if path.is_dir():
        if (path / "chat.db").is_file() and not any((path / name).is_file() for name in BACKUP_MARKERS):
            db_path = path / "chat.db"  # a copied ~/Library/Messages folder, Attachments/ beside it
        else:
            backup = _Backup(path)
            db_path = backup.sms_db
    try:
        with open(db_path, "rb") as fp:
            head = fp.read(16)
    except OSError as exc:
        raise ImportFailed(path, _os_reason(exc)) from None
    if head != SQLITE_MAGIC:
        if backup is not None:
            raise ImportFailed(
                path,
                "the backup's sms.db is not a readable database (is the backup encrypted? make an unencrypted one)",
            )
        raise ImportFailed(path, "not a SQLite database (not a Messages chat.db or sms.db)")
    try:
        snapshot = _Snapshot(db_path)
    except OSError as exc:
        raise ImportFailed(
            path, f"cannot copy the database and its write-ahead log to a temporary folder: {exc.strerror or exc}"
        ) from None
    try:
        try:
            conn = sqlite3.connect(snapshot.uri, uri=True)
        except sqlite3.Error as exc:
            raise ImportFailed(path, _reason(exc)) from None
        try:
            if snapshot.copied:
                yield Notice(
                    f"read a copy of {db_path.name} together with its {snapshot.copied} file, so no recent message is missed",
                    kind="assumption",
                )
            yield from _Reader(conn, path, db_path, options, backup).records()
        except (sqlite3.Error, UnicodeDecodeError) as exc:  # SQLite's message about a damaged schema may not be UTF-8
            raise ImportFailed(path, _reason(exc)) from None
        finally:
            conn.close()
    finally:
        snapshot.close()


def _os_reason(exc: OSError) -> str:
    reason = f"cannot read: {exc.strerror or exc}"
    if isinstance(exc, PermissionError):
        reason += " (on a Mac, give the terminal Full Disk Access in System Settings \u203a Privacy & Security, or copy the file first)"
    return reason


def _reason(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "corrupt database (its schema is not readable text)"
    text = "".join(c if c.isprintable() else "?" for c in str(exc))[:200]
    if "locked" in text or "busy" in text:
        return "the database is locked by another program; quit Messages or copy the file, then import the copy"
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return f"corrupt database ({text})"
    return f"cannot read the database ({text})"


def _readonly_uri(path: Path) -> str:
    return path.resolve().as_uri() + "?mode=ro&immutable=1"


class _Snapshot:
    """What to open: the database itself (immutable), or, when a -wal or hot -journal file sits
    beside it, a copy of both in a temporary folder, opened read-write so SQLite applies the WAL or
    rolls the journal back in our copy. `copied` names the side file; `close()` removes the copy."""

    def __init__(self, db_path: Path):
        self.uri, self.copied, self._tmp = _readonly_uri(db_path), None, None
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


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}


class _Outside(Exception):
    """A path that leads outside the folder it must stay in (through `..`, a link, or by naming another place)."""


def _inside(path: Path, folder: Path) -> str | None:
    """The real path of the file `path` names, None when no file is there; raises _Outside when, `..` and
    links resolved, it is not in `folder` (resolved too: a folder linked elsewhere as a whole is fine)."""
    if not os.path.isfile(path):
        return None
    real = os.path.realpath(path)
    if not Path(real).is_relative_to(os.path.realpath(folder)):
        raise _Outside(path)
    return real


def _read_inside(path: Path, folder: Path) -> bytes | None:
    """The bytes of the file `path` names inside `folder` (`_inside`), checked again as it is opened: not
    through a link (O_NOFOLLOW), a regular file, and where the system says the open file is still in
    `folder`, so a link swapped in after the check cannot lead out."""
    real = _inside(path, folder)
    if real is None:
        return None
    try:
        fd = os.open(real, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # a link now stands where the check found a file
            raise _Outside(path) from None
        raise
    with os.fdopen(fd, "rb") as fp:
        if not stat.S_ISREG(os.fstat(fd).st_mode) or not Path(_opened(fd, real)).is_relative_to(
            os.path.realpath(folder)
        ):
            raise _Outside(path)
        return fp.read()


def _opened(fd: int, path: str) -> str:
    """Where the file open as `fd` is, as macOS or Linux says; elsewhere, `path` resolved again."""
    if hasattr(fcntl, "F_GETPATH"):  # macOS
        return os.fsdecode(fcntl.fcntl(fd, fcntl.F_GETPATH, bytes(1024)).split(b"\0", 1)[0])
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return os.path.realpath(path)


class _Backup:
    """An unencrypted Finder/iTunes backup folder: sms.db and attachments under SHA-1 names."""

    def __init__(self, folder: Path):
        self.folder = folder
        manifest = folder / "Manifest.plist"
        if manifest.is_file():
            try:
                info = plistlib.loads(manifest.read_bytes())
            except (plistlib.InvalidFileException, ValueError, OSError) as exc:
                raise ImportFailed(folder, f"Manifest.plist of this iPhone backup cannot be read ({exc})") from None
            if isinstance(info, dict) and info.get("IsEncrypted"):
                raise ImportFailed(
                    folder,
                    "this iPhone backup is encrypted; make an unencrypted backup (Finder or iTunes: untick "
                    '"Encrypt local backup") and import that',
                )
        try:
            self.sms_db = self.find("HomeDomain", "Library/SMS/sms.db")
        except _Outside:
            raise ImportFailed(
                folder, "the backup's Messages database (Library/SMS/sms.db) leads outside the backup folder; not read"
            ) from None
        if self.sms_db is None:
            raise ImportFailed(folder, "no Messages database (Library/SMS/sms.db) in this folder")

    def find(self, domain: str, relative: str) -> Path | None:
        """The file of `relative` in `domain` (under its hashed name, else where Manifest.db maps it), when
        it is inside the backup folder; raises _Outside when the only file there leads outside it."""
        leads_out = None
        for candidate in self.candidates(domain, relative):
            try:
                if _inside(candidate, self.folder):
                    return candidate
            except _Outside as exc:
                leads_out = exc
        if leads_out is not None:
            raise leads_out
        return None

    def candidates(self, domain: str, relative: str) -> Iterator[Path]:
        """Where the file of `relative` in `domain` may be: under its hashed name, else where Manifest.db says."""
        file_id = hashlib.sha1(f"{domain}-{relative}".encode()).hexdigest()
        yield from (self.folder / file_id[:2] / file_id, self.folder / file_id)
        file_id = self._from_manifest(domain, relative)  # asked only when the hashed name is not there
        if file_id:
            yield from (self.folder / file_id[:2] / file_id, self.folder / file_id)

    def _from_manifest(self, domain: str, relative: str) -> str | None:
        manifest = self.folder / "Manifest.db"
        if not manifest.is_file():
            return None
        try:
            conn = sqlite3.connect(_readonly_uri(manifest), uri=True)
            try:
                row = conn.execute(
                    "SELECT CAST(fileID AS TEXT) FROM Files WHERE domain = ? AND relativePath = ?", (domain, relative)
                ).fetchone()
            finally:
                conn.close()
        except sqlite3.Error:
            return None
        return row[0] if row else None


class _Reader:
    def __init__(self, conn, path: Path, db_path: Path, options: ImportOptions, backup: _Backup | None):
        self.conn = conn
        self.path = path
        self.db_path = db_path
        self.options = options
        self.backup = backup
        self.region = options.region
        owner_handle = sorted(options.owner_handles)[0] if options.owner_handles else "me"
        # The archive's owner, as the owner's phone writes them (one handle, whichever of theirs a chat used).
        self.archive_owner = Participant(handle=owner_handle, display_name=options.owner_name, is_owner=True)
        self.custodian = options.custodian  # a client's name: the phone is theirs (module docstring)
        # "This phone": who is_from_me is. The owner's, or a client's with the handle ingest checked (--me).
        self.owner = Participant(options.me, options.custodian, False) if self.custodian else self.archive_owner
        self.roots_noted = False
        self.leading_out: list[str] = []  # the ROWIDs of attachments whose path leads outside the attachments folders
        self.undecodable = 0
        conn.text_factory = self._text

    def _text(self, raw: bytes) -> str:
        """TEXT values: UTF-8; bytes that are not are shown as U+FFFD and reported, never a crash."""
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            self.undecodable += 1
            return raw.decode("utf-8", errors="replace")

    # -- lookups ------------------------------------------------------------------------------

    def records(self) -> Iterator:
        tables = _tables(self.conn)
        if not REQUIRED_TABLES <= tables:
            raise ImportFailed(
                self.path,
                whole_backup(self.path)
                if backup_holding(self.path)
                else "a SQLite database, but not a Messages database (no message, handle and chat tables)",
            )
        self.handles = self._handles()
        owners = self.options.owner_handles if self.custodian else frozenset()
        self.participants = {
            rowid: self.archive_owner if handle in owners else Participant(handle=handle)
            for rowid, handle in self.handles.items()
        }
        self.chats = self._chats(tables)
        self.orphans: dict[str, Conversation] = {}
        self.orphans_noted = False
        message_columns = _columns(self.conn, "message")
        select = ", ".join(_column("m", c, message_columns) for c in MESSAGE_COLUMNS)
        if "chat_message_join" in tables and "chat_recoverable_message_join" in tables:
            # iOS 16 / macOS Ventura "Recently Deleted": the message left chat_message_join for this table.
            sql = (
                f"SELECT {select}, coalesce(cmj.chat_id, crj.chat_id), crj.delete_date FROM message m"
                " LEFT JOIN chat_message_join cmj ON cmj.message_id = m.ROWID"
                " LEFT JOIN chat_recoverable_message_join crj ON cmj.chat_id IS NULL AND crj.message_id = m.ROWID"
                " ORDER BY m.ROWID"
            )
        elif "chat_message_join" in tables:
            sql = f"SELECT {select}, cmj.chat_id, NULL FROM message m LEFT JOIN chat_message_join cmj ON cmj.message_id = m.ROWID ORDER BY m.ROWID"
        else:
            sql = f"SELECT {select}, NULL, NULL FROM message m ORDER BY m.ROWID"
        if self.undecodable:
            self.undecodable = 0
            yield Notice("some handles or chat names are not valid UTF-8; the undecodable bytes are shown as U+FFFD")
        attachments = self._attachment_rows(tables)
        pending = next(attachments, None)
        last_rowid, last_attachments = None, []
        out: list = []
        record = self._record
        for row in self.conn.execute(sql):
            rowid = row[0]
            if rowid != last_rowid:
                found = []
                while pending is not None and pending[0] < rowid:
                    pending = next(attachments, None)
                while pending is not None and pending[0] == rowid:
                    found.append(pending[1:])
                    pending = next(attachments, None)
                last_rowid, last_attachments = rowid, found
            record(row, last_attachments, out)
            if self.undecodable:
                self.undecodable = 0
                out.append(
                    Notice(
                        f"ROWID {rowid} (or its attachments) holds text that is not valid UTF-8; the undecodable bytes "
                        "are shown as U+FFFD"
                    )
                )
            if len(out) == 1:
                yield out[0]
            else:
                yield from out
            out.clear()
        if self.leading_out:
            n = len(self.leading_out)
            yield Notice(
                f"{n} attachment path{'s' if n != 1 else ''} {'leads' if n == 1 else 'lead'} outside the attachments folders "
                f"(the first at {self.leading_out[0]}): not read, recorded as missing with the reason"
            )

    def _handles(self) -> dict[int, str]:
        # handle: (1, "+12025550123", "us", "iMessage") — `country` is the region the device filed the
        # number under; a number written without its country code is read in that region.
        country = "country" if "country" in _columns(self.conn, "handle") else "NULL"
        handles = {}
        for rowid, raw, region in self.conn.execute(
            f"SELECT ROWID, CAST(id AS TEXT), CAST({country} AS TEXT) FROM handle"
        ):
            if raw:
                region = str(region).upper() if region else self.region
                if region not in phonenumbers.SUPPORTED_REGIONS:
                    region = self.region
                handles[rowid] = phones.normalize_handle(str(raw), region)
        return handles

    def _chats(self, tables: set[str]) -> dict[int, Conversation]:
        columns = _columns(self.conn, "chat")
        members: dict[int, set[str]] = {}
        if "chat_handle_join" in tables:
            for chat_id, handle_id in self.conn.execute("SELECT chat_id, handle_id FROM chat_handle_join"):
                if handle_id in self.handles:
                    members.setdefault(chat_id, set()).add(self.handles[handle_id])
        style = "style" if "style" in columns else "NULL"
        name = "display_name" if "display_name" in columns else "NULL"
        chats = {}
        for rowid, guid, chat_style, display_name in self.conn.execute(
            f"SELECT ROWID, CAST(guid AS TEXT), CAST({style} AS INTEGER), CAST({name} AS TEXT) FROM chat"
        ):
            if not guid:
                continue
            chats[rowid] = self._conversation(
                conversation_key(guid, self.region),
                sorted(members.get(rowid, ())),
                display_name or None,
                chat_style == GROUP_STYLE or ";+;" in guid,
            )
        self.by_key = {}
        for chat in chats.values():
            self.by_key.setdefault(chat.source_key, chat)
        return chats

    def _conversation(self, key: str, members: list[str], title: str | None, is_group: bool) -> Conversation:
        """A chat with these other members (normalized handles, sorted), as the archive keys it. On a
        client's phone, in the owner's frame: the one-to-one chat with one of the owner's handles
        ("-;alex@example.com") is the conversation the owner's copy keys by the client's handle
        ("-;<--me>"); a one-to-one chat with anyone else is the client's own thread with that person,
        keyed so that no chat of the owner's phone has its key ("-;<client>~<other> without the owner");
        a group keeps its guid, the same on every phone. The owner is among the people as the owner's
        phone writes them, the client as this phone's own."""
        if not self.custodian:
            return Conversation(
                FORMAT, key, title, is_group, tuple(Participant(handle=h) for h in members) + (self.owner,)
            )
        owners = self.options.owner_handles
        people = tuple(self.archive_owner if h in owners else Participant(handle=h) for h in members)
        if key.startswith("-;"):
            with_owner = key[2:] in owners
            if with_owner:
                key, title, people = f"-;{self.owner.handle}", None, (self.archive_owner,)
            else:
                key = f"-;{'~'.join(sorted({self.owner.handle, key[2:]}))} without the owner"
        return Conversation(FORMAT, key, title, is_group, tuple(dict.fromkeys(people)) + (self.owner,))

    def _attachment_rows(self, tables: set[str]):
        if not {"attachment", "message_attachment_join"} <= tables:
            return iter(())
        columns = _columns(self.conn, "attachment")
        select = ", ".join(_column("a", c, columns) for c in ATTACHMENT_COLUMNS)
        return iter(
            self.conn.execute(
                f"SELECT j.message_id, {select} FROM message_attachment_join j JOIN attachment a ON a.ROWID = j.attachment_id"
                " WHERE typeof(j.message_id) = 'integer' "
                "ORDER BY j.message_id, a.ROWID"
            )
        )

    def _orphan(self, handle_id, room_names: str | None, ref: str, out: list) -> Conversation:
        """The conversation of a message no chat lists (its chat was deleted on the device), by the
        key its chat had: the group's room name (cache_roomnames "chat493827161"), else the other party."""
        handle = self.handles.get(handle_id)
        if room_names:
            key = "+;" + room_names.split(",")[0]
        elif handle:
            key = "-;" + handle
        else:
            key = "no-chat;unknown"
        conversation = self.by_key.get(key) or self.orphans.get(key)
        if conversation is None:
            conversation = self._conversation(
                key, [handle] if handle and not room_names else [], None, key.startswith("+;")
            )
            conversation = (
                self.by_key.get(conversation.source_key) or conversation
            )  # (a client's phone: the key it has there)
            self.orphans[key] = conversation
        if not self.orphans_noted:
            self.orphans_noted = True
            out.append(
                Notice(
                    f"{ref} and possibly others belong to no chat (deleted on the device); each is filed under the "
                    "person or group it was exchanged with",
                    kind="assumption",
                )
            )
        return conversation

    # -- one row --------------------------------------------------------------------------------

    def _record(self, row, attachment_rows, out: list) -> None:
        """The records of one message row, appended to `out` (usually one; a list avoids a generator per row)."""
        (rowid, guid, text, attributed_body, subject, handle_id, is_from_me, service, error,
         date, date_read, date_delivered, date_edited, date_retracted,
         item_type, group_title, group_action_type, other_handle,
         assoc_guid, assoc_type, assoc_emoji, thread_originator, summary, room_names, app, chat_id, deleted_at) = row  # fmt: skip
        ref = f"ROWID {rowid}"
        if is_from_me:
            sender = self.owner
        else:
            sender = self.participants.get(handle_id)
        conversation = self.chats.get(chat_id) or self._orphan(handle_id, room_names, ref, out)
        if sender is None and not is_from_me and not item_type:
            others = [p for p in conversation.participants if p is not self.owner]
            if len(others) == 1:
                sender = others[0]
        sent_at = _apple(date)
        if sent_at is None:
            sent_at = times.APPLE_EPOCH
            out.append(Notice(f"{ref} ({guid}) has no usable date ({date!r}); filed at 2001-01-01T00:00:00Z"))
        if not guid:
            out.append(
                Notice(f"{ref} has no guid; its identity is its ROWID, which a later copy of the database may not keep")
            )

        # A tapback: associated_message_type 2000-2007 (3000-3007 removes it),
        # associated_message_guid "p:0/5E1F…" (part 0 of the message) or "bp:5E1F…".
        if assoc_type and (2000 <= assoc_type <= 2007 or 3000 <= assoc_type <= 3007):
            target = _target_guid(assoc_guid)
            if not target:
                out.append(Skipped("tapback that names no message", ref))
                return
            out.append(
                Reaction(
                    conversation=conversation,
                    target_source_id=target,
                    sender=sender,
                    kind=TAPBACKS[assoc_type % 1000],
                    at=sent_at,
                    emoji=assoc_emoji or None,
                    removed=assoc_type >= 3000,
                    source_id=guid,
                    source_ref=ref,
                )
            )
            return

        flags = set()
        if item_type:
            direction = "system"
            body = self._event(item_type, group_action_type, group_title, other_handle, sender)
            if text:
                body = f"{body}: {text}" if body else text
        else:
            # What the archive's owner sent: on their phone, what the phone sent; on a client's, what came from them.
            direction = "out" if (sender is self.archive_owner if self.custodian else is_from_me) else "in"
            if text or (text is not None and attributed_body is None):
                body = text
            elif attributed_body is not None:
                try:
                    body = typedstream.decode(attributed_body)
                except typedstream.TypedstreamError as exc:
                    body = ""
                    flags.add("empty_body")
                    out.append(
                        Notice(
                            f"{ref} ({guid}): its text (attributedBody) cannot be read: {exc}; imported with an empty body"
                        )
                    )
            else:
                body = ""
            if subject:
                body = f"{subject}\n{body}" if body else subject
        if is_from_me and error:
            flags.add("failed")
        if app and app != URL_PREVIEW:
            # Apple Pay, polls, Digital Touch, handwriting, other iMessage apps: their content is an
            # archived object in payload_data that this importer does not render.
            out.append(
                Notice(f"{ref} ({guid}): an iMessage app message ({app}); only its text and attachments are imported")
            )
        if deleted_at:
            flags.add("deleted")

        versions: tuple[Version, ...] = ()
        info = None
        if summary:
            try:
                info = plistlib.loads(summary)
            except Exception as exc:  # any malformed plist: plistlib raises several kinds
                out.append(Notice(f"{ref} ({guid}): its edit history (message_summary_info) cannot be read: {exc}"))
            if not isinstance(info, dict):
                info = None
        if info and isinstance(info.get("ec"), dict) and info["ec"]:
            versions, problems = _versions(info, body)
            for problem in problems:
                out.append(Notice(f"{ref} ({guid}): {problem}"))
        if date_edited or versions:
            flags.add("edited")
        if date_retracted or (info and info.get("rp")):
            flags.add("unsent")

        attachments = ()
        if attachment_rows:
            if not self.roots_noted and self.backup is None:
                self.roots_noted = True
                where = ", ".join(str(root) for root in self.roots)
                out.append(
                    Notice(f"attachment files (~/Library/Messages/…) looked for under: {where}", kind="assumption")
                )
            attachment_rows = list(attachment_rows)
            order = typedstream.order_by_position(attributed_body, [a[1] or "" for a in attachment_rows])
            attachments = tuple(self._attachment(attachment_rows[i], ref) for i in order)

        out.append(
            _message(
                conversation,
                ("guid", guid) if guid else ("rowid", rowid),  # identity
                sent_at,
                direction,
                sender,
                body,
                "UTC",  # source_zone
                service or None,
                "message",  # kind
                None,  # status
                _apple(date_delivered),
                _apple(date_read),
                None,  # duration_s
                frozenset(flags) if flags else _NO_FLAGS,
                guid,  # source_id
                thread_originator or None,  # reply_to
                versions,
                attachments,
                ref,  # source_ref
            )
        )

    def _name(self, participant: Participant | None) -> str:
        if participant is None:
            return "Someone"
        if participant.is_owner:
            return participant.display_name or participant.handle
        return participant.handle

    def _event(self, item_type, action, group_title, other_handle, actor) -> str:
        # item_type 1 (action 0 added / 1 removed other_handle), 2 (renamed to group_title),
        # 3 (action 0 left, 1 changed / 2 removed the group photo)
        who = self._name(actor)
        other = self.handles.get(other_handle) or "someone"
        if item_type == 1:
            if action == 0:
                return f"{who} added {other}"
            if action == 1:
                return f"{who} removed {other}"
            return f"{who} changed the members ({other})"
        if item_type == 2:
            if group_title:
                return f"{who} named the conversation \u201c{group_title}\u201d"
            return f"{who} removed the conversation name"
        if item_type == 3:
            if action == 0:
                return f"{who} left the conversation"
            if action == 1:
                return f"{who} changed the group photo"
            if action == 2:
                return f"{who} removed the group photo"
            return f"{who} changed the conversation (group action {action})"
        if item_type == 4:
            return f"{who} shared or stopped sharing their location"
        return f"{who}: Messages event of type {item_type}"

    # -- attachments ----------------------------------------------------------------------------

    def _attachment(self, row, ref: str) -> Attachment:
        _rowid, _guid, filename, mime, transfer_name = row
        name = transfer_name or (Path(filename).name if filename else None)
        mime = mime or (mimetypes.guess_type(name)[0] if name else None)
        if not filename:
            return Attachment(
                name, mime, missing_reason="no file recorded in the database (never downloaded to this device)"
            )
        parts = ATTACHMENT_PATH.fullmatch(filename)
        if parts is None or ".." in parts[4].split("/"):
            return self._leading_out(name, mime, filename, ref, "attachments folder")
        leads_out = False
        for candidate, folder in self._candidates(*parts.groups()):
            try:
                data = _read_inside(candidate, folder)
            except _Outside:
                leads_out = True
                continue
            except OSError as exc:
                return Attachment(name, mime, missing_reason=f"cannot read {candidate}: {exc.strerror or exc}")
            if data is not None:
                return Attachment(name, mime, data=data)
        if leads_out:
            return self._leading_out(
                name, mime, filename, ref, "attachments folder" if self.backup is None else "backup folder"
            )
        return Attachment(name, mime, missing_reason=f"file not found: {filename}")

    def _leading_out(self, name, mime, filename: str, ref: str, where: str) -> Attachment:
        self.leading_out.append(ref)
        return Attachment(name, mime, missing_reason=f"not read: {filename} leads outside the {where}")

    def _candidates(self, home: str, messages: str, kind: str, inside: str) -> Iterator[tuple[Path, Path]]:
        """Where the file may be, each with the folder it must stay in: in a backup, its files (in the backup
        folder); else in the attachments folder `kind` ("Attachments" or "StickerCache") of
        each root taken as a home and as a Messages folder (and --attachments-root as the Attachments folder
        itself when it is one, by its name: any other folder, a home, would let "Attachments/.ssh/id_rsa" in),
        and in the home an absolute path names."""
        if self.backup is not None:
            for candidate in self.backup.candidates("MediaDomain", f"Library/{messages}/{kind}/{inside}"):
                yield candidate, self.backup.folder
            return
        given = self.options.attachments_root
        roots = [*self.roots, Path(home)] if home.startswith("/") and given is None else self.roots
        for root in roots:
            for folder in (root / "Library" / messages / kind, root / kind):
                yield folder / inside, folder
            if given is not None and kind == "Attachments" and root.name.casefold() == "attachments":
                yield root / inside, root  # --attachments-root …/Attachments

    @cached_property
    def roots(self) -> list[Path]:
        if self.options.attachments_root is not None:
            return [Path(self.options.attachments_root).expanduser()]
        roots = []
        parent = self.db_path.resolve().parent
        if parent.name in ("Messages", "SMS") and parent.parent.name == "Library":
            roots.append(parent.parent.parent)  # the home folder the path implies
        roots.append(parent)  # a copied Messages folder: chat.db beside Attachments/
        if Path.home() not in roots:
            roots.append(Path.home())
        return roots


def conversation_key(guid: str, region: str) -> str:
    """A chat's guid without its service, the other party's number normalized.

    # chat: ("iMessage;-;+12025550123", 45), ("SMS;-;+12025550123", 45), ("any;-;+12025550123", 45) (macOS 26),
    #       ("iMessage;+;chat493827161", 43)
    The same conversation has a different service prefix on an iPhone, on a Mac before and after
    macOS 26, and as iMessage or SMS; keyed by the full guid, one conversation would be archived
    twice. "-;+12025550123" (one-to-one) and "+;chat493827161" (group) stay the same everywhere.
    """
    _service, sep, rest = guid.partition(";")
    kind, sep2, identifier = rest.partition(";")
    if not sep or not sep2 or kind not in ("-", "+") or not identifier:
        return guid
    if kind == "-":
        identifier = phones.normalize_handle(identifier, region)
    return f"{kind};{identifier}"


def _target_guid(value: str | None) -> str | None:
    # "p:0/5E1F…-02" (part 0 of a message), "bp:5E1F…-01" (a message's whole body), or a bare guid
    if not value:
        return None
    if value.startswith("p:") and "/" in value:
        return value.split("/", 1)[1] or None
    if value.startswith("bp:"):
        return value[3:] or None
    return value


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _utf16_slice(body: str, location: int, length: int) -> str | None:
    units = body.encode("utf-16-le")[2 * location : 2 * (location + length)]
    try:
        return units.decode("utf-16-le")
    except UnicodeDecodeError:
        return None


def _utf16_replace(body: str, location: int, length: int, text: str) -> str:
    units = body.encode("utf-16-le")
    return (units[: 2 * location] + text.encode("utf-16-le") + units[2 * (location + length) :]).decode(
        "utf-16-le", errors="replace"
    )


def _versions(info: dict, body: str) -> tuple[tuple[Version, ...], list[str]]:
    """Prior versions from message_summary_info: `ec` {"0": [{"t": typedstream, "d": 690513474.27}, …]}.

    Each part's history ends with the part's current text. Where that text is found in the body
    (at the offset the parts before it add up to; `otr` {"0": {"lo": 0, "le": 1}} gives the length
    of parts never edited) it is dropped and each earlier entry becomes a version of the whole body
    with that part as it was. Where it is not found, every entry is kept as written.
    """
    problems: list[str] = []
    ranges = info.get("otr") if isinstance(info.get("otr"), dict) else {}
    histories: dict[int, list[tuple[datetime | None, str]]] = {}
    for part, history in info["ec"].items():
        if not str(part).isdigit() or not isinstance(history, list):
            problems.append(f"edit history of part {part!r} is not understood; ignored")
            continue
        entries = []
        for entry in history:
            if not isinstance(entry, dict):
                continue
            try:
                entry_text = typedstream.decode(entry.get("t") or b"")
            except typedstream.TypedstreamError as exc:
                problems.append(f"an earlier version (part {part}) cannot be read: {exc}; kept as empty")
                entry_text = ""
            seconds = entry.get("d")
            at = _apple(seconds) if isinstance(seconds, (int, float)) and not isinstance(seconds, bool) else None
            entries.append((at, entry_text))
        if entries:  # in the order Messages wrote them: oldest first, the current text last
            histories[int(part)] = entries
    lengths: dict[int, int | None] = {}
    for key, span in ranges.items():
        if str(key).isdigit():
            length = span.get("le") if isinstance(span, dict) else None
            lengths[int(key)] = length if isinstance(length, int) and not isinstance(length, bool) else None
    for part, entries in histories.items():
        lengths[part] = _utf16_length(entries[-1][1])
    versions: list[Version] = []
    for part, entries in sorted(histories.items()):
        before = [lengths[q] for q in lengths if q < part]
        current = entries[-1][1]
        offset = sum(before) if None not in before else None
        if offset is not None and _utf16_slice(body, offset, _utf16_length(current)) == current:
            for at, entry_text in entries[:-1]:
                versions.append(Version(_utf16_replace(body, offset, _utf16_length(current), entry_text), at))
        else:
            versions.extend(Version(entry_text, at) for at, entry_text in entries)
    if all(v.at is not None for v in versions):
        versions.sort(key=lambda v: v.at)  # several parts edited: their edits interleave in time
    return tuple(versions), problems
