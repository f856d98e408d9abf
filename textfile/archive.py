"""The archive: one SQLite file that is the whole record.

`Archive` opens or creates the file, applies pending migrations on open, and gives the core one
connection with WAL, foreign keys and a busy timeout (a second process waits for the first
instead of failing). Writes go through `transaction()`, which takes the write lock up front
(BEGIN IMMEDIATE) so that a long import and a second command never deadlock half-way.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import uuid
from collections.abc import Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from sqlite_utils import Database

from textfile import audit, times
from textfile.errors import ArchiveBusy, ArchiveExists, ArchiveNotFound, InvalidInput, TextfileError
from textfile.migrations import migrations
from textfile.phones import normalize_email, normalize_phone, validate_region

BUSY_TIMEOUT_S = 60
ENV_VAR = "TEXTFILE_ARCHIVE"

# None binds as NULL either way; Python 3.11's sqlite3 looks every None parameter up as a value to adapt
# (int, float, str and bytes it binds directly), and finds nothing after two attribute lookups. A
# message row binds eight Nones or so: that lookup was a quarter of storing 200,000 rows with
# `executemany` (0.92 s, with this adapter 0.64 s; INSERT … SELECT of the same rows 0.17 s). The
# adapter found first returns None unchanged (`{}.get`: a C call, cheaper than a lambda), for every
# connection of the process.
sqlite3.register_adapter(type(None), {}.get)


def default_path() -> Path:
    """The platform's user data directory: XDG on Linux, Application Support on macOS."""
    if sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    elif os.name == "nt":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "textfile" / "archive.db"


def resolve_path(explicit: str | os.PathLike | None) -> Path:
    """`--archive PATH`, else $TEXTFILE_ARCHIVE, else the user data directory."""
    if explicit:
        return Path(explicit).expanduser()
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser()
    return default_path()


@dataclass(frozen=True)
class Settings:
    archive_id: str
    owner_name: str
    tz: str
    region: str
    bates_prefix: str
    created_at: str
    owner_handles: tuple[str, ...]
    # the key that seals the audit log (audit/key.py); None before the archive's first change sealed it
    key_id: str | None = None

    def as_dict(self) -> dict:
        return {
            "archive_id": self.archive_id,
            "owner_name": self.owner_name,
            "tz": self.tz,
            "region": self.region,
            "bates_prefix": self.bates_prefix,
            "created_at": self.created_at,
            "owner_handles": list(self.owner_handles),
            "key_id": self.key_id,
        }


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_S, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    # 32 MiB: message ids are hashes, so inserts land all over the index; measured at 1M records
    # a 16 MiB cache cost 10-20% more CPU than 64 MiB, and 64 MiB made a 200k-message import
    # take 50 MB more memory than a 50k one. The cache is the import's one memory budget.
    conn.execute("PRAGMA cache_size = -32768")
    return conn


def _check_is_archive(path: Path) -> None:
    """Before anything writes (WAL mode, migrations): is this file a textfile archive? Looked at
    read-only (`mode=ro` still reads an archive's WAL), so another program's database passed by
    mistake (a Messages chat.db) is left byte for byte as it was."""
    try:
        probe = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            known = (
                probe.execute(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlite_migrations'"
                ).fetchone()
                and probe.execute(
                    "SELECT 1 FROM _sqlite_migrations WHERE migration_set = 'textfile' LIMIT 1"
                ).fetchone()
            )
        finally:
            probe.close()
    except sqlite3.DatabaseError as exc:
        raise InvalidInput(f"{path}: not a textfile archive ({exc})") from None
    if not known:
        raise InvalidInput(
            f"{path}: not a textfile archive (another program's SQLite database?); it was left untouched"
        )


class _OwnerHandle(NamedTuple):
    handle: str  # normalized: E.164 or an email
    kind: str  # "phone" or "email"


class _OwnerSettings(NamedTuple):
    """What `Archive.create` records of the owner, checked: name, zone, region, Bates prefix, handles."""

    owner_name: str
    tz: str
    region: str
    bates_prefix: str
    handles: list[_OwnerHandle]


def _owner_settings(
    owner_name: str, tz: str, region: str, bates_prefix: str, phones: Sequence[str], emails: Sequence[str]
) -> _OwnerSettings:
    """The owner's settings for a new archive, each checked (InvalidInput for one that is not valid)."""
    owner_name = owner_name.strip()
    if not owner_name:
        raise InvalidInput("the owner's name must not be empty")
    times.zone(tz)
    region = validate_region(region)
    prefix = validate_bates_prefix(bates_prefix)
    handles = [_OwnerHandle(normalize_phone(n, region), "phone") for n in phones]
    handles += [_OwnerHandle(normalize_email(e), "email") for e in emails]
    return _OwnerSettings(owner_name, tz, region, prefix, handles)


def _create_confidential_file(path: Path) -> None:
    """The new archive's file, empty, readable by this user alone (0600, in a 0700 folder when one is made);
    refused where a folder, a file or a write-ahead log already is (it is left untouched)."""
    if path.is_dir():
        raise ArchiveExists(f"{path}: is a folder; give the archive a file name (e.g. {path / 'archive.db'})")
    if path.exists() or Path(f"{path}-wal").exists():
        raise ArchiveExists(f"{path}: {_what_is_there(path)} already exists there; it was left untouched")
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        raise ArchiveExists(f"{path}: {_what_is_there(path)} already exists there; it was left untouched") from None
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot create the archive: {exc.strerror}") from None
    os.close(fd)


class Archive:
    def __init__(self, path: Path, conn: sqlite3.Connection):
        self.path = path
        self.conn = conn
        self.db = Database(conn)
        self._depth = 0
        self._settings: Settings | None = None

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        path: str | os.PathLike,
        *,
        owner_name: str,
        tz: str,
        region: str,
        bates_prefix: str,
        phones: list[str] | tuple[str, ...] = (),
        emails: list[str] | tuple[str, ...] = (),
    ) -> Archive:
        """Create a new archive; refuses to touch an existing file."""
        path = Path(path).expanduser()
        owner = _owner_settings(owner_name, tz, region, bates_prefix, phones, emails)
        _create_confidential_file(path)
        try:
            audit.forget_heads_at(path)  # (this machine's records of an archive that was at this path before)
            archive = cls(path, _connect(path))
            migrations.apply(archive.db)
            audit.watch(archive.conn)
            archive._record_owner(owner)
        except BaseException:
            for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                leftover.unlink(missing_ok=True)
            raise
        return archive

    def _record_owner(self, owner: _OwnerSettings) -> None:
        """A new archive's settings (a new archive id, this user's key's id) and the owner's handles, audited as `init`."""
        with self.transaction():
            self.conn.execute(
                "INSERT INTO settings (id, archive_id, owner_name, tz, region, bates_prefix, created_at, key_id)"
                " VALUES (1, ?, ?, ?, ?, ?, ?, ?)",
                (
                    str(uuid.uuid4()),
                    owner.owner_name,
                    owner.tz,
                    owner.region,
                    owner.bates_prefix,
                    times.now_iso(),
                    audit.key_id(audit.make_key()),
                ),
            )
            self.conn.executemany("INSERT OR IGNORE INTO owner_handles (handle, kind) VALUES (?, ?)", owner.handles)
            audit.append(
                self.conn,
                "init",
                {
                    "owner": owner.owner_name,
                    "handles": [h.handle for h in owner.handles],
                    "tz": owner.tz,
                    "region": owner.region,
                    "bates_prefix": owner.bates_prefix,
                },
            )

    @classmethod
    def open(cls, path: str | os.PathLike) -> Archive:
        path = Path(path).expanduser()
        if not path.is_file():
            raise ArchiveNotFound(f"no archive at {path} (create one with `textfile init`, or pass --archive)")
        _check_is_archive(path)
        try:
            archive = cls(path, _connect(path))
            before = audit.head(archive.conn)
            migrations.apply(archive.db)
            _ = archive.settings  # (read now: a file that is no archive fails here, inside the try)
        except sqlite3.DatabaseError as exc:
            raise InvalidInput(f"{path}: not a textfile archive ({exc})") from None
        audit.watch(archive.conn)
        if audit.head(archive.conn) != before:  # a migration audited a change
            audit.record_head(archive.conn, path)
        return archive

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- writing ---------------------------------------------------------------------------

    @contextmanager
    def transaction(self):
        """One write transaction; nested uses join the outer one."""
        if self._depth:
            self._depth += 1
            try:
                yield self.conn
            finally:
                self._depth -= 1
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise ArchiveBusy(
                    f"{self.path}: another textfile command has been writing to the archive for over {BUSY_TIMEOUT_S} s; try again when it has finished"
                ) from None
            raise
        self._depth = 1
        before = audit.head(self.conn)
        try:
            yield self.conn
        except BaseException:
            self._depth = 0
            # (the terms `audit.watch` collected too: the temp table is in the transaction)
            self.conn.execute("ROLLBACK")
            self._settings = None
            raise
        self._depth = 0
        self.conn.execute("COMMIT")
        if audit.head(self.conn) != before:
            audit.record_head(self.conn, self.path)

    def add_owner_handles(self, phones: Sequence[str], emails: Sequence[str]) -> list[str]:
        """Numbers and iMessage emails of the owner's that `init` was not given (a work phone), added to theirs,
        audited; the handles added, normalized. Refused (InvalidInput, nothing added) for one that is already
        theirs, a client's, or another person's in a conversation archived and not set aside (what was archived of
        them stays theirs: adding it would make the owner a party the archive holds as someone else; a thread set
        aside, the owner's own with their work phone, is no client's record). Messages archived
        before keep the sender they were archived with until an import says otherwise (a new version each)."""
        region = self.settings.region
        handles = [_OwnerHandle(normalize_phone(n, region), "phone") for n in phones]
        handles += [_OwnerHandle(normalize_email(e), "email") for e in emails]
        with self.transaction() as conn:  # (checked in the transaction that adds them: no other writer in between)
            self._add_owner_handles(conn, handles)
        self._settings = None
        return [h.handle for h in handles]

    def _add_owner_handles(self, conn: sqlite3.Connection, handles: list[_OwnerHandle]) -> None:
        from textfile.ignore import refuse_ignored

        for n, h in enumerate(handles):
            if h.handle in self.settings.owner_handles:
                raise InvalidInput(f"{h.handle} is already one of your {h.kind}s")
            if any(h.handle == other.handle for other in handles[:n]):
                raise InvalidInput(f"{h.handle} is given twice")
            client = conn.execute(
                "SELECT c.name FROM client_handles h JOIN clients c ON c.id = h.client_id WHERE h.handle = ?",
                (h.handle,),
            ).fetchone()
            if client is not None:
                raise InvalidInput(f"{h.handle} is a handle of client {client[0]}, not yours")
            held = [
                r[0]
                for r in conn.execute(
                    "SELECT DISTINCT conversation_id FROM participants WHERE handle = ? AND is_owner = 0"
                    " AND conversation_id NOT IN (SELECT conversation_id FROM conversation_ignores) ORDER BY 1",
                    (h.handle,),
                )
            ]
            if held:
                said = ", ".join(map(str, held[:5])) + (" …" if len(held) > 5 else "")
                raise InvalidInput(
                    f"{h.handle} is another person in archived conversation{'s' if len(held) != 1 else ''} {said}:"
                    " it cannot be made yours (what was archived of them stays theirs); if that is your own thread"
                    f" with it, set it aside first (textfile conversation ignore {held[0]})"
                )
            refuse_ignored(conn, h.handle, "your own")
        conn.executemany("INSERT INTO owner_handles (handle, kind) VALUES (?, ?)", handles)
        audit.append(conn, "settings", {"owner_handles_added": [h.handle for h in handles]})

    # -- reading ---------------------------------------------------------------------------

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            row = self.conn.execute("SELECT * FROM settings WHERE id = 1").fetchone()
            if row is None:
                raise TextfileError(f"{self.path}: not a textfile archive (no settings)")
            handles = tuple(r[0] for r in self.conn.execute("SELECT handle FROM owner_handles ORDER BY handle"))
            self._settings = Settings(
                archive_id=row["archive_id"],
                owner_name=row["owner_name"],
                tz=row["tz"],
                region=row["region"],
                bates_prefix=row["bates_prefix"],
                created_at=row["created_at"],
                owner_handles=handles,
                key_id=row["key_id"],
            )
        return self._settings


def _what_is_there(path: Path) -> str:
    """ "an archive", or what else a file in the way is (read-only: it is never changed). Read immutable,
    so nothing is made beside it, it does not see what is still in a write-ahead log: an archive in use,
    or one a killed run left, whose tables are all still there (`-wal`), is said to be a database with its log."""
    try:
        # immutable: no -wal/-shm made
        with closing(sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)) as conn:
            conn.execute("SELECT 1 FROM settings WHERE id = 1").fetchone()
        return "an archive"
    except sqlite3.Error:
        wal = Path(f"{path}-wal")
        if wal.exists() and wal.stat().st_size:
            return f"a database whose latest writes are still in its log ({wal.name}: perhaps an archive in use, or one a run left unclosed)"
        return "a file that is not a textfile archive"


def validate_bates_prefix(prefix: str, *, stored: bool = False) -> str:
    """ASCII letters, digits, - and _ (the page stamp's font holds ASCII), not ending in the - that
    joins it to the number. `stored`: the archive's own prefix, which an archive made before the
    last rule may end in - (its series, SMITH--000001 on, goes on as it began)."""
    prefix = prefix.strip()
    if not prefix or not all(c.isascii() and (c.isalnum() or c in "-_") for c in prefix):
        raise InvalidInput(f"invalid Bates prefix {prefix!r} (ASCII letters, digits, - and _ only)")
    if prefix.endswith("-") and not stored:  # SMITH- would print SMITH--000001
        raise InvalidInput(
            f"invalid Bates prefix {prefix!r}: leave out the final - (numbers are written {prefix.rstrip('-') or 'SMITH'}-000001)"
        )
    return prefix
