"""The audit log: every command that changed the archive appends one entry, chained by sha256,
sealed with a key kept outside the archive, and anchored where the archive cannot reach.

Each entry's hash covers the previous entry's hash and its own time, command and details, so
altering, removing or reordering any entry breaks the chain from that point on (`verify`).
Entries are written inside the same transaction as the change they describe.

A chain of plain hashes proves nothing to someone who can rewrite it: recomputing every later
hash is one loop. So three things hold it from outside the archive:
- **The key.** Each entry is sealed with HMAC-SHA256 under a key in the user's config folder
  (`key_path`, 0600, made by `init` or by the first change to an archive made before keys). The
  archive records only the key's id. An entry rewritten without the key has a seal that fails;
  a key that is missing or another is said by `verify` (exit 3), and refused by every change.
- **The head.** After each change, this machine writes the last entry's number and hash (and the
  key's id) to `heads/<archive id>-<path>.json` beside the key; transcripts' manifests and the
  weekly log's lines carry it too. Entries removed from the end (or all of them) are caught by any
  of them; a head the chain lost stays recorded until `accept_missing` says why.
- **The digests.** Each entry that changed messages records, per import, a digest of the messages
  and versions that import brought as they now stand (`digests`: a multiset hash, so a change adds
  and subtracts terms without reading the rest). `verify` recomputes them from the rows: a message
  deleted, added or edited outside textfile (even with its content hash recomputed) no longer adds
  up to what its import's sealed entry says. The archive's other records (`RECORDS`: matters and
  their holds, filings, transcripts' rows…) are summed per table the same way. The terms are
  collected by temporary triggers of textfile's own connection (`watch`), so every writer is counted.

What someone holding only `archive.db` (not the key, the head file, the transcripts or the weekly
log) can still do: delete the whole file, or put back an older copy of it — which the head file
and every later transcript show as entries missing — and read it (it is not encrypted).
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import json
import os
import re
import secrets
import sqlite3
import sys
from pathlib import Path

from textfile import times
from textfile.errors import TextfileError
from textfile.fingerprint import canonical_json, sha256_text

GENESIS = "0" * 64
KEY_ENV = "TEXTFILE_KEY"


class KeyMissing(TextfileError):
    "The archive is sealed with a key that is not where textfile looks for it (or is another key)."


def current_user() -> str:
    """Who is making a change: the operating-system user running textfile (recorded with filings by
    hand and with imports; transcripts print it)."""
    try:
        return getpass.getuser()
    except Exception:  # no login name in the environment and none in the user database (some containers)
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown user"


def details_of(text: str) -> dict:
    """An entry's details as a dict; {} for details that are not one (an entry written outside
    textfile: its hash or seal says so, and reading it must not stop `verify` saying it)."""
    try:
        found = json.loads(text)
    except (TypeError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def entry_hash(prev_hash: str, at: str, command: str, details_json: str) -> str:
    return sha256_text(canonical_json([prev_hash, at, command, details_json]))


def append(conn: sqlite3.Connection, command: str, details: dict) -> str:
    """Append an entry for a change made in this transaction, with the digests of the imports whose
    messages it changed and, from the archive's first sealed entry on, its seal."""
    sealing = _sealing(conn)
    if sealing and sealing[1] is None:  # an archive made before keys: its first change seals it from here on
        key, _ = sealing
        conn.execute("UPDATE settings SET key_id = ?", (key_id(key),))
        _append(
            conn,
            "audit log sealed",
            {"key": key_id(key), "unsealed_entries": conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]},
            key,
        )
    changed = pending_digests(conn)
    if changed:
        details = details | {"digests": changed}
    records = pending_records(conn)
    if records:
        details = details | {"records": records}
    return _append(conn, command, details, sealing[0] if sealing else None)


def _append(conn: sqlite3.Connection, command: str, details: dict, key: bytes | None) -> str:
    row = conn.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    prev = row[0] if row else GENESIS
    at = times.now_iso()
    details_json = canonical_json(details)
    digest = entry_hash(prev, at, command, details_json)
    if key is None:  # (a migration before m015 added the seal column)
        conn.execute(
            "INSERT INTO audit_log (at, command, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?)",
            (at, command, details_json, prev, digest),
        )
    else:
        conn.execute(
            "INSERT INTO audit_log (at, command, details, prev_hash, hash, seal) VALUES (?, ?, ?, ?, ?, ?)",
            (at, command, details_json, prev, digest, seal(key, _archive_id(conn), digest)),
        )
    return digest


# -- the key --------------------------------------------------------------------------------------


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
    _sealing(conn)


def _sealing(conn: sqlite3.Connection) -> tuple[bytes, str | None] | None:
    """(the key, the archive's recorded key id or None) for a change; None before m015 made seals."""
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
    return key, recorded


SEALING_MIGRATION = "m015_sealed_audit_log_and_digests"


def made_sealed(conn: sqlite3.Connection) -> bool:
    """Whether the migration that seals audit logs ran on this archive (from then on it always records its key)."""
    return (
        conn.execute(
            "SELECT 1 FROM _sqlite_migrations WHERE migration_set = 'textfile' AND name = ?", (SEALING_MIGRATION,)
        ).fetchone()
        is not None
    )


def _archive_id(conn: sqlite3.Connection) -> str:
    return conn.execute("SELECT archive_id FROM settings").fetchone()[0]


# -- the digests of what each import brought ------------------------------------------------------

# A term of an import's digest: a message as it stands (its id and content hash), or a version of
# one (what it keeps of the earlier state; a version's number is left out: a fold renumbers). Each
# is the SQL of its term's text for a row prefix ("new.", "old.", "").
TERMS = {
    "messages": ("m", lambda r: f"{r}id || ':' || {r}content_hash"),
    "message_versions": (
        "v",
        lambda r: (
            f"json_array({r}message_id, {r}origin, {r}body, {r}content_hash, {r}at, {r}sent_at,"
            f" {r}source_zone, {r}earlier)"
        ),
    ),
}
_MOD = 1 << 2048  # a sum of 2048-bit terms: no set of rows an attacker can choose sums to another's


def term(kind: str, parts: str) -> int:
    return int.from_bytes(hashlib.shake_256((kind + parts).encode()).digest(256), "big")


def watch(conn: sqlite3.Connection) -> None:
    """Collect, in this connection only, the terms every write to messages and versions adds or
    removes (temporary triggers: nothing in the archive file). New messages are the exception:
    their one writer counts them in bulk (`count_new_messages`), as a trigger per row made an
    import of 200,000 messages ~20% slower."""
    statements = [
        "CREATE TEMP TABLE IF NOT EXISTS digest_changes (import_id INTEGER, kind TEXT, sign INTEGER, parts TEXT)",
        "CREATE TEMP TABLE IF NOT EXISTS digest_sums (import_id INTEGER, kind TEXT, count INTEGER, total TEXT)",
    ]
    for table, (kind, parts) in TERMS.items():
        new, old = parts("new."), parts("old.")
        if table != "messages":
            statements.append(
                f"CREATE TEMP TRIGGER IF NOT EXISTS digest_{table}_insert AFTER INSERT ON main.{table} BEGIN"
                f" INSERT INTO digest_changes VALUES (new.import_id, '{kind}', 1, {new}); END"
            )
        statements += [
            f"CREATE TEMP TRIGGER IF NOT EXISTS digest_{table}_delete AFTER DELETE ON main.{table} BEGIN"
            f" INSERT INTO digest_changes VALUES (old.import_id, '{kind}', -1, {old}); END",
            f"CREATE TEMP TRIGGER IF NOT EXISTS digest_{table}_update AFTER UPDATE ON main.{table}"
            f" WHEN old.import_id IS NOT new.import_id OR {old} IS NOT {new} BEGIN"
            f" INSERT INTO digest_changes VALUES (old.import_id, '{kind}', -1, {old});"
            f" INSERT INTO digest_changes VALUES (new.import_id, '{kind}', 1, {new}); END",
        ]
    statements.append("CREATE TEMP TABLE IF NOT EXISTS record_changes (tab TEXT, sign INTEGER, parts TEXT)")
    for table in RECORDS:
        new, old = _row_parts(conn, table, "new."), _row_parts(conn, table, "old.")
        statements += [
            f"CREATE TEMP TRIGGER IF NOT EXISTS record_{table}_insert AFTER INSERT ON main.{table} BEGIN"
            f" INSERT INTO record_changes VALUES ('{table}', 1, {new}); END",
            f"CREATE TEMP TRIGGER IF NOT EXISTS record_{table}_delete AFTER DELETE ON main.{table} BEGIN"
            f" INSERT INTO record_changes VALUES ('{table}', -1, {old}); END",
            f"CREATE TEMP TRIGGER IF NOT EXISTS record_{table}_update AFTER UPDATE ON main.{table} WHEN {old} IS NOT {new} BEGIN"
            f" INSERT INTO record_changes VALUES ('{table}', -1, {old}); INSERT INTO record_changes VALUES ('{table}', 1, {new}); END",
        ]
    for statement in statements:
        conn.execute(statement)


# The archive's other records, which decide what a transcript shows, what is filed where, what is on
# hold and what may be deleted: each table summed into a digest of all its rows' columns, kept like
# the imports'. Left out: blobs (each checked against its sha256), message_sources (one per message
# read: the foreign keys and the imports' counts check them), inbox_files (the weekly run's note of
# what it has seen, kept without an entry: a file it wrongly skips is still read by `import`), the
# audit log itself.
RECORDS = (
    "settings",
    "owner_handles",
    "clients",
    "client_handles",
    "matters",
    "filings",
    "conversations",
    "participants",
    "conversation_keys",
    "conversation_files",
    "message_aliases",
    "message_attachments",
    "reactions",
    "imports",
    "transcripts",
    "transcript_messages",
    "bates_counters",
    "conversation_ignores",
    "ignored_handles",
    "import_custodians",
    "phone_copies",
    "transcript_retirements",
)


def _row_parts(conn: sqlite3.Connection, table: str, prefix: str) -> str:
    """The SQL of a row's term text: every column, as JSON."""
    return (
        "json_array(" + ", ".join(f'{prefix}"{c[1]}"' for c in conn.execute(f"PRAGMA main.table_info({table})")) + ")"
    )


def recorded_records(conn: sqlite3.Connection) -> dict[str, dict] | None:
    """Each table's digest as the last entry that changed it recorded it; None before any entry did."""
    recorded: dict[str, dict] | None = None
    for (details,) in conn.execute("SELECT details FROM audit_log WHERE details LIKE '%\"records\":%' ORDER BY id"):
        found = details_of(details).get("records")
        if isinstance(found, dict):
            recorded = (recorded or {}) | {t: d for t, d in found.items() if _is_digest(d, "rows")}
    return recorded


def _is_digest(value, *counts: str) -> bool:
    """A recorded digest as textfile writes it: {'digest': hex, count: int…}."""
    try:
        return isinstance(value, dict) and int(value["digest"], 16) >= 0 and all(type(value[c]) is int for c in counts)
    except (KeyError, TypeError, ValueError):
        return False


def current_records(conn: sqlite3.Connection) -> dict[str, dict]:
    """Each table's digest computed from its rows as they are."""
    out = {}
    for table in (
        t
        for t in RECORDS
        if conn.execute("SELECT 1 FROM main.sqlite_master WHERE type = 'table' AND name = ?", (t,)).fetchone()
    ):
        total = rows = 0
        for (parts,) in conn.execute(f"SELECT {_row_parts(conn, table, '')} FROM main.{table}"):
            total += term(table, parts)
            rows += 1
        out[table] = {"digest": f"{total % _MOD:0512x}", "rows": rows}
    return out


def pending_records(conn: sqlite3.Connection) -> dict[str, dict]:
    """The digests of the tables this transaction changed (all of them, the first time: then the
    archive's records as they stand are the start)."""
    try:
        if conn.execute("SELECT 1 FROM temp.record_changes LIMIT 1").fetchone() is None:
            return {}
    except sqlite3.OperationalError:  # not watched (a migration before m015)
        return {}
    recorded = recorded_records(conn)
    if recorded is None:
        conn.execute("DELETE FROM temp.record_changes")
        return current_records(conn)
    sums = {}
    for table, sign, parts in conn.execute("SELECT tab, sign, parts FROM temp.record_changes"):
        if table not in sums:
            was = recorded.get(table, {"digest": "0", "rows": 0})
            sums[table] = [int(was["digest"], 16), was["rows"]]
        sums[table][0] += sign * term(table, parts)
        sums[table][1] += sign
    conn.execute("DELETE FROM temp.record_changes")
    said = {t: {"digest": f"{total % _MOD:0512x}", "rows": rows} for t, (total, rows) in sums.items()}
    return {t: d for t, d in sorted(said.items()) if d != recorded.get(t)}


def check_holds(conn: sqlite3.Connection) -> list[str]:
    """Every matter's legal hold as the audit log's last word on it says (`matter hold` / `matter
    release`, following `matter edit`'s new references): caught even when the records' digests were first taken after the change (an archive
    changed outside textfile before this version opened it)."""
    said: dict[str, tuple[int, int]] = {}
    for entry, command, details in conn.execute(
        "SELECT id, command, details FROM audit_log WHERE command IN"
        " ('matter hold', 'matter release', 'matter edit') ORDER BY id"
    ):
        found = details_of(details)
        reference = found.get("matter")
        if not isinstance(reference, str):
            continue
        if command == "matter edit":  # a new reference: what was said of the matter goes with it
            renamed = found.get("reference")
            if isinstance(renamed, dict) and isinstance(renamed.get("to"), str) and reference.casefold() in said:
                said[renamed["to"].casefold()] = said.pop(reference.casefold())
        else:
            said[reference.casefold()] = (entry, 1 if command == "matter hold" else 0)
    problems = []
    for reference, hold in conn.execute("SELECT reference, legal_hold FROM matters ORDER BY reference"):
        entry, expected = said.get(reference.casefold(), (None, 0))
        if hold != expected:
            problems.append(
                f"matter {reference} is {'on' if hold else 'not on'} legal hold, but the audit log "
                + (
                    f"put it {'on hold' if expected else 'off hold'} last (entry {entry})"
                    if entry
                    else "never put it on hold"
                )
                + ": changed outside textfile"
            )
    return problems


def check_records(conn: sqlite3.Connection) -> list[str]:
    """Every table of records against what the audit log last recorded of it."""
    recorded = recorded_records(conn)
    if recorded is None:
        return []
    problems = []
    for table, now in current_records(conn).items():
        was = recorded.get(table)
        if was is not None and was != now:
            counts = (
                f"{_n(was['rows'], 'row')} recorded, {now['rows']:,} now"
                if was["rows"] != now["rows"]
                else "same number of rows, other content"
            )
            problems.append(
                f"the archive's {table} no longer add up to what the audit log recorded ({counts}): changed outside textfile"
            )
    return problems


def count_new_messages(conn: sqlite3.Connection, rows) -> None:
    """The terms of messages just inserted: (import id, message id, content hash) each."""
    sums: dict[int, list[int]] = {}
    for import_id, message_id, content_hash in rows:
        at = sums.setdefault(import_id, [0, 0])
        at[0] += term("m", f"{message_id}:{content_hash}")
        at[1] += 1
    conn.executemany(
        "INSERT INTO temp.digest_sums VALUES (?, 'm', ?, ?)",
        [(i, n, format(total % _MOD, "x")) for i, (total, n) in sums.items()],
    )


def recorded_digests(conn: sqlite3.Connection) -> dict[int, dict]:
    """Each import's digest as the last entry that changed its messages recorded it."""
    recorded: dict[int, dict] = {}
    for (details,) in conn.execute("SELECT details FROM audit_log WHERE details LIKE '%\"digests\":%' ORDER BY id"):
        digests = details_of(details).get("digests")
        for import_id, digest in digests.items() if isinstance(digests, dict) else ():
            if str(import_id).isdigit() and _is_digest(digest, "messages", "versions"):
                recorded[int(import_id)] = digest
    return recorded


def pending_digests(conn: sqlite3.Connection) -> dict[str, dict]:
    """The digests of the imports whose messages or versions changed since the last entry, as they now
    stand (the terms `watch` and `count_new_messages` collected, added to what the audit log last
    recorded of each)."""
    try:
        changed = conn.execute(
            "SELECT import_id FROM temp.digest_changes UNION SELECT import_id FROM temp.digest_sums"
        ).fetchall()
    except sqlite3.OperationalError:  # not watched (a migration's own connection before m015)
        return {}
    if not changed:
        return {}
    recorded = recorded_digests(conn)
    sums: dict[int, list[int]] = {}

    def at(import_id: int) -> list[int]:
        if import_id not in sums:
            was = recorded.get(import_id, EMPTY)
            sums[import_id] = [int(was["digest"], 16), was["messages"], was["versions"]]
        return sums[import_id]

    for import_id, kind, sign, parts in conn.execute("SELECT import_id, kind, sign, parts FROM temp.digest_changes"):
        row = at(import_id)
        row[0] += sign * term(kind, parts)
        row[1 if kind == "m" else 2] += sign
    for import_id, kind, count, total in conn.execute("SELECT import_id, kind, count, total FROM temp.digest_sums"):
        row = at(import_id)
        row[0] += int(total, 16)
        row[1 if kind == "m" else 2] += count
    conn.execute("DELETE FROM temp.digest_changes")
    conn.execute("DELETE FROM temp.digest_sums")
    said = {i: _said(total % _MOD, messages, versions) for i, (total, messages, versions) in sums.items()}
    return {str(i): d for i, d in sorted(said.items()) if d != recorded.get(i)}


EMPTY = {"digest": "0", "messages": 0, "versions": 0}


def _said(total: int, messages: int, versions: int) -> dict:
    return {"digest": f"{total:0512x}", "messages": messages, "versions": versions}


def current_digests(conn: sqlite3.Connection) -> dict[int, dict]:
    """Each import's digest computed from the rows as they are."""
    sums: dict[int, list[int]] = {}
    for table, (kind, parts) in TERMS.items():
        slot = 1 if kind == "m" else 2
        for import_id, row in conn.execute(f"SELECT import_id, {parts('')} FROM main.{table}"):
            at = sums.setdefault(import_id, [0, 0, 0])
            at[0] = (at[0] + term(kind, row)) % _MOD
            at[slot] += 1
    return {i: _said(*at) for i, at in sums.items()}


def check_digests(conn: sqlite3.Connection) -> list[str]:
    """Every import's messages and versions against what the audit log last recorded of them."""
    recorded, current = recorded_digests(conn), current_digests(conn)
    problems = []
    for import_id in sorted(set(recorded) | set(current)):
        was, now = recorded.get(import_id, EMPTY), current.get(import_id, EMPTY)
        if import_id not in recorded and import_id in current:
            problems.append(
                f"import {import_id}: the archive holds {_n(now['messages'], 'message')} and {_n(now['versions'], 'version')} from it"
                " that no audit entry records: they were written outside textfile"
            )
        elif was != now and not (was["messages"] == now["messages"] == 0 and was["versions"] == now["versions"] == 0):
            counts = [
                f"{_n(w, noun)} recorded, {n:,} now"
                for noun, w, n in (
                    ("message", was["messages"], now["messages"]),
                    ("version", was["versions"], now["versions"]),
                )
                if w != n
            ]
            problems.append(
                f"import {import_id}: its messages and versions no longer add up to what the audit log recorded"
                f" ({'; '.join(counts) or 'same number, other content'}): they were changed, deleted or added outside textfile"
            )
    return problems


def _n(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


# -- the head, kept outside the archive -----------------------------------------------------------


def head(conn: sqlite3.Connection) -> dict | None:
    """The last entry: {'entry', 'hash'}."""
    row = conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    return {"entry": row[0], "hash": row[1]} if row else None


def head_path(archive_id: str, archive_path: Path) -> Path:
    """This machine's record of the archive `archive_id` at `archive_path`: a copy of it elsewhere,
    used on its own, has its own record; an archive put in its place (another id, or an older copy)
    is checked against this one."""
    where = hashlib.sha256(str(Path(archive_path).resolve()).encode()).hexdigest()[:12]
    return key_path().parent / "heads" / f"{archive_id}-{where}.json"


def _read_head(path: Path) -> dict | None:
    """A head file's record, or None when there is none or it cannot be read as one."""
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) and _is_anchor(found) else None


def _is_anchor(value) -> bool:
    return isinstance(value, dict) and type(value.get("entry")) is int and isinstance(value.get("hash"), str)


def record_head(conn: sqlite3.Connection, archive_path: Path) -> None:
    """After a change is committed: this machine's record of the archive's last entry and key. A
    head recorded before that the chain no longer holds (entries cut, or an older copy put back) is
    kept in the record's `missing`, so that `verify` says it until the loss is accepted (`accept_missing`):
    an ordinary change never clears it."""
    last = head(conn)
    if last is None:
        return
    path = head_path(_archive_id(conn), archive_path)
    was = _read_head(path)
    missing = [m for m in (was or {}).get("missing", []) if _is_anchor(m)]
    if was is not None and check_anchor(conn, was, "") and not any(_same(was, m) for m in missing):
        missing.append({"entry": was["entry"], "hash": was["hash"], "at": was.get("at", "")})
    accepted = _accepted(conn)
    missing = [m for m in missing if not any(_same(m, a) for a in accepted)]
    try:
        row = conn.execute("SELECT key_id FROM settings").fetchone()
    except sqlite3.OperationalError:  # (a schema before m015)
        row = None
    record = last | {
        "archive": str(Path(archive_path).resolve()),
        "at": times.now_iso(),
        "key": row[0] if row else None,
        "missing": missing,
    }
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(partial, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fp:
            fp.write(canonical_json(record) + "\n")
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise TextfileError(
            f"{path}: the change was saved, but this machine's record of the audit log's last entry could not be"
            f" written ({exc.strerror}); `textfile verify` cannot catch entries removed after it"
        ) from None


def forget_heads_at(archive_path: Path) -> None:
    """`init` makes a new archive at `archive_path`: the heads this machine recorded of an archive
    that was there before are no longer about that file."""
    where = str(Path(archive_path).resolve())
    for found in (key_path().parent / "heads").glob("*.json"):
        if (_read_head(found) or {}).get("archive") == where:
            found.unlink(missing_ok=True)


def _same(a: dict, b: dict) -> bool:
    return a["entry"] == b["entry"] and a["hash"] == b["hash"]


def accepted_heads(conn: sqlite3.Connection) -> list[dict]:
    """The heads a person accepted as lost, as {'entry', 'hash'}."""
    return [{"entry": m["entry"], "hash": m["hash"]} for m in _accepted(conn)]


def _accepted(conn: sqlite3.Connection) -> list[dict]:
    """The heads a person accepted as lost (entries an older copy of the archive does not hold)."""
    return [
        m
        for (details,) in conn.execute("SELECT details FROM audit_log WHERE command = 'older copy accepted'")
        for m in (details_of(details).get("missing") or [])
        if _is_anchor(m)
    ]


def missing_heads(conn: sqlite3.Connection, archive_path: Path, log: Path | None = None) -> list[dict]:
    """The heads recorded outside the archive (this machine's, the weekly log's) that the chain no
    longer holds and no one accepted."""
    found = _read_head(head_path(_archive_id(conn), archive_path))
    anchors = [found, *[m for m in found.get("missing", []) if _is_anchor(m)]] if found else []
    if log is not None:
        anchors += [anchor for _, anchor in heads_in_log(log, _archive_id(conn))]
    accepted, out = _accepted(conn), []
    for m in anchors:
        if check_anchor(conn, m, "") and not any(_same(m, a) for a in accepted + out):
            out.append(m)
    return out


def accept_missing(conn: sqlite3.Connection, archive_path: Path, log: Path | None = None) -> list[dict]:
    """A person says the archive is an older copy put back on purpose (a restored backup): the heads
    it lacks are recorded in an audit entry as accepted losses, and `verify` no longer reports them.
    Refused while anything else fails (a seal, the key's record, the chain, another archive's place),
    and for a head whose entry the archive holds with another hash from before that head was recorded:
    that is a rewritten log, not an older copy (entries made after a restore are later than it). Only
    the times tell: someone holding the key can rewrite entries and date the last one later."""
    lost = missing_heads(conn, archive_path, log)
    others = [
        p
        for p in verify(conn, archive_path)
        if not any(
            f"records audit entry {m['entry']}," in p or f"records audit entry {m['entry']} with" in p for m in lost
        )
    ]
    if others:
        raise TextfileError(
            f"not accepted: the archive fails more than missing entries ({others[0]}); nothing was recorded"
        )
    for m in lost:
        row = conn.execute("SELECT at FROM audit_log WHERE id = ?", (m["entry"],)).fetchone()
        if row is not None and not m.get("at", "") < row[0]:
            raise TextfileError(
                f"not accepted: the archive's audit entry {m['entry']} differs from the one recorded ({m.get('at', '')}) and"
                " is not later than it: the log was rewritten, not restored from an older copy; nothing was recorded"
            )
    said = sorted(
        ({"entry": m["entry"], "hash": m["hash"], "recorded_at": m.get("at", "")} for m in lost),
        key=lambda m: m["entry"],
    )
    if said:
        append(conn, "older copy accepted", {"missing": said, "by": current_user()})
    return said


_HEAD_LINE = re.compile(r"audit log of archive (\S+): entry (\d+), hash ([0-9a-f]{64})$")


def head_line(archive_id: str, anchor: dict) -> str:
    """The line a run's log ends with: the entry the archive's audit log ended at."""
    return f"audit log of archive {archive_id}: entry {anchor['entry']}, hash {anchor['hash']}"


def heads_in_log(path: Path, archive_id: str) -> list[tuple[int, dict]]:
    """(line number, {'entry', 'hash', 'at'}) of each `head_line` of this archive in a log file (none when there is no file)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return [
        (n, {"entry": int(m[2]), "hash": m[3], "at": line.split(" ", 1)[0]})
        for n, line in enumerate(text.splitlines(), 1)
        if (m := _HEAD_LINE.search(line)) and m[1] == archive_id
    ]


def check_anchor(conn: sqlite3.Connection, anchor: dict, where: str) -> list[str]:
    """An entry recorded outside the archive ({'entry', 'hash'}) is still in its chain, as it was."""
    row = conn.execute("SELECT hash FROM audit_log WHERE id = ?", (anchor["entry"],)).fetchone()
    if row is None:
        last = head(conn)
        return [
            f"{where} records audit entry {anchor['entry']}, but the audit log ends at "
            f"{'entry ' + str(last['entry']) if last else 'no entry at all'}: entries were removed (or this is an older copy of the archive:"
            " if it was put back on purpose, `textfile verify --accept-older-copy` records that)"
        ]
    if row[0] != anchor["hash"]:
        return [
            f"{where} records audit entry {anchor['entry']} with hash {anchor['hash'][:12]}…, but the archive's entry"
            f" {anchor['entry']} has {row[0][:12]}…: the audit log was rewritten (or an older copy of the archive was put back and"
            " changed since: if so, `textfile verify --accept-older-copy` records that)"
        ]
    return []


def entries(conn: sqlite3.Connection, limit: int | None = None, command: str | None = None) -> list[dict]:
    """The log's entries in order: the last `limit`, of those whose command holds `command` (any case)."""
    sql = "SELECT id, at, command, details, prev_hash, hash FROM audit_log WHERE instr(lower(command), lower(?)) > 0 ORDER BY id"
    if limit:
        sql = f"SELECT * FROM ({sql} DESC LIMIT {int(limit)}) ORDER BY id"
    return [
        {
            "id": r["id"],
            "at": r["at"],
            "command": r["command"],
            "details": details_of(r["details"]),
            "prev_hash": r["prev_hash"],
            "hash": r["hash"],
        }
        for r in conn.execute(sql, (command or "",))
    ]


def verify(conn: sqlite3.Connection, archive_path: Path | None = None) -> list[str]:
    """Problems found walking the chain, checking its seals and this machine's records of its head
    (of the archive at `archive_path`; empty when it holds)."""
    problems = []
    prev = GENESIS
    recorded = conn.execute("SELECT key_id FROM settings").fetchone()[0]
    key = _checking_key(recorded, problems)
    archive_id = _archive_id(conn)
    sealed = False
    for r in conn.execute("SELECT id, at, command, details, prev_hash, hash, seal FROM audit_log ORDER BY id"):
        if r["prev_hash"] != prev:
            problems.append(
                f"audit log entry {r['id']}: does not follow the entry before it (an entry was removed or altered)"
            )
        if entry_hash(r["prev_hash"], r["at"], r["command"], r["details"]) != r["hash"]:
            problems.append(
                f"audit log entry {r['id']} ({r['command']}, {r['at']}): its content does not match its hash"
            )
        if r["seal"] is None and sealed:
            problems.append(
                f"audit log entry {r['id']} ({r['command']}, {r['at']}): not sealed, though the entries before it are:"
                " it was written outside textfile"
            )
        elif r["seal"] is not None:
            sealed = True
            if key is not None and not hmac.compare_digest(r["seal"], seal(key, archive_id, r["hash"])):
                problems.append(
                    f"audit log entry {r['id']} ({r['command']}, {r['at']}): its seal does not match: it was written or"
                    " rewritten without the archive's key"
                )
        prev = r["hash"]
    if recorded is not None and not sealed:
        problems.append(
            f"the archive is sealed with key {recorded}, but no audit entry carries a seal: the entries were removed or rewritten"
        )
    if recorded is None and (sealed or made_sealed(conn)):
        problems.append(
            "the archive records no key, but it was sealed (its audit entries carry seals, or this version opened it):"
            " its record of the key was removed"
        )
    if archive_path is not None:
        problems += _check_heads(conn, archive_path, archive_id, recorded)
    return problems


def _check_heads(conn: sqlite3.Connection, archive_path: Path, archive_id: str, recorded: str | None) -> list[str]:
    """This machine's records of the archive (by its id, and of any archive at its path) against it."""
    problems = []
    where = str(Path(archive_path).resolve())
    for found in sorted((key_path().parent / "heads").glob("*.json")):
        other = _read_head(found)
        if other is not None and other.get("archive") == where and not found.stem.startswith(archive_id + "-"):
            problems.append(
                f"this machine recorded another archive ({found.stem[:-13]}) at {where} ({found}), and no `textfile init` made"
                f" this one ({archive_id}) there since: its identity was changed, or another file was put in its place"
            )
    path = head_path(archive_id, archive_path)
    anchor = _read_head(path)
    if anchor is None:
        if path.exists():
            problems.append(f"{path}: this machine's record of the audit log's last entry cannot be read")
        return problems
    if anchor.get("key") and anchor["key"] != recorded:
        problems.append(
            f"this machine ({path}) recorded the archive as sealed with key {anchor['key']}, but it now records"
            f" {recorded or 'no key'}: its record of the key was changed"
        )
    accepted = _accepted(conn)
    for m in [anchor, *[m for m in anchor.get("missing", []) if _is_anchor(m)]]:
        if not any(_same(m, a) for a in accepted):
            problems += check_anchor(conn, m, f"this machine ({path}, {m.get('at', '')})")
    return problems


def _checking_key(recorded: str | None, problems: list[str]) -> bytes | None:
    """The key to check seals with, or None (and why, in `problems`, when the archive has one)."""
    if recorded is None:
        return None
    try:
        key = read_key()
    except KeyMissing as exc:
        problems.append(f"{exc}: the audit log's seals cannot be checked")
        return None
    if key is None or key_id(key) != recorded:
        problems.append(
            f"{key_path()}: {'no key is there' if key is None else 'another key is there (id ' + key_id(key) + ')'}; the archive is"
            f" sealed with key {recorded} (set {KEY_ENV} to where it is): without it, entries rewritten with their hashes"
            " recomputed cannot be told from real ones"
        )
        return None
    return key
