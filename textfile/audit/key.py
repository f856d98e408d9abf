"""The key that seals the audit log, kept outside the archive.

Decision: each entry is sealed with HMAC-SHA256 under a key in the user's config folder (`key_path`,
0600, made by `init` or by the first change to an archive made before keys). The archive records only
the key's id. An entry rewritten without the key has a seal that fails; a key that is missing or
another is said by `verify` (exit 3), and refused by every change (`sealing_of`).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sqlite3
import sys
from pathlib import Path
from typing import NamedTuple

from textfile.errors import TextfileError

KEY_ENV = "TEXTFILE_KEY"


class KeyMissing(TextfileError):
    "The archive is sealed with a key that is not where textfile looks for it (or is another key)."


def config_dir() -> Path:
    """The platform's per-user config folder for textfile (XDG on Linux)."""
    if sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    elif os.name == "nt":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    else:
        base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "textfile"


def key_path() -> Path:
    """$TEXTFILE_KEY, else `key` in the config folder."""
    return Path(os.environ[KEY_ENV]).expanduser() if os.environ.get(KEY_ENV) else config_dir() / "key"


def key_id(key: bytes) -> str:
    return hmac.new(key, b"textfile key id", hashlib.sha256).hexdigest()[:16]


def seal(key: bytes, archive_id: str, entry_hash_: str) -> str:
    return hmac.new(key, f"{archive_id}:{entry_hash_}".encode(), hashlib.sha256).hexdigest()


def read_key() -> bytes | None:
    """This user's key, or None when there is none yet."""
    path = key_path()
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeError) as exc:
        raise KeyMissing(
            f"{path}: cannot read the key that seals the audit log: {getattr(exc, 'strerror', None) or exc}"
        ) from None
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise KeyMissing(f"{path}: not a textfile key (64 hex digits)")
    return key


def make_key() -> bytes:
    """This user's key: read, or made (32 random bytes, a 0600 file in a 0700 folder) when there is none."""
    key = read_key()
    if key is not None:
        return key
    path = key_path()
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = secrets.token_bytes(32)
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fp:
            fp.write(key.hex() + "\n")
    except FileExistsError:  # another process made it first
        return make_key()
    except OSError as exc:
        raise KeyMissing(f"{path}: cannot write the key that seals the audit log: {exc.strerror}") from None
    return key


def require_key(conn: sqlite3.Connection) -> None:
    """Before long work that ends in a change (an import, a transcript): the key the change needs is
    there (KeyMissing now rather than after the work)."""
    sealing_of(conn)


class Sealing(NamedTuple):
    """What a change is sealed with: the key, and the key id the archive records (None: not sealed yet)."""

    key: bytes
    recorded: str | None


def sealing_of(conn: sqlite3.Connection) -> Sealing | None:
    """The key a change is sealed with and the key id the archive records (None: not yet); None before m015 made seals."""
    if "seal" not in {r[1] for r in conn.execute("PRAGMA table_info(audit_log)")}:
        return None
    row = conn.execute("SELECT key_id FROM settings").fetchone()
    recorded = row[0] if row else None
    if row is not None and recorded is None and made_sealed(conn):
        raise KeyMissing(
            "the archive's record of the key that seals its audit log was removed (every archive this version opened"
            " has one): it was changed outside textfile; see `textfile verify`. Nothing was changed"
        )
    key = make_key() if recorded is None else read_key()
    if recorded is not None and (key is None or key_id(key) != recorded):
        raise KeyMissing(
            f"{key_path()}: {'no key is there' if key is None else 'that is another key (id ' + key_id(key) + ')'}, but this"
            f" archive's audit log is sealed with key {recorded}: copy that key file from the machine that made the archive,"
            f" or set {KEY_ENV} to where it is. Nothing was changed"
        )
    return Sealing(key, recorded)


SEALING_MIGRATION = "m015_sealed_audit_log_and_digests"


def made_sealed(conn: sqlite3.Connection) -> bool:
    """Whether the migration that seals audit logs ran on this archive (from then on it always records its key)."""
    return (
        conn.execute(
            "SELECT 1 FROM _sqlite_migrations WHERE migration_set = 'textfile' AND name = ?", (SEALING_MIGRATION,)
        ).fetchone()
        is not None
    )


def archive_id_of(conn: sqlite3.Connection) -> str:
    return conn.execute("SELECT archive_id FROM settings").fetchone()[0]
