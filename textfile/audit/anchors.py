"""The head: the chain's last entry, recorded where the archive cannot reach.

Decision: after each change, this machine writes the last entry's number and hash (and the key's id)
to `heads/<archive id>-<path>.json` beside the key; transcripts' manifests and the weekly log's lines
carry it too. Entries removed from the end (or all of them) are caught by any of them; a head the
chain lost stays recorded until `accept_missing` (verify.py) says why.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
from pathlib import Path

from textfile import times
from textfile.audit.entries import details_of, head
from textfile.audit.key import archive_id_of, key_path
from textfile.errors import TextfileError
from textfile.fingerprint import canonical_json


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
    path = head_path(archive_id_of(conn), archive_path)
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
    found = _read_head(head_path(archive_id_of(conn), archive_path))
    anchors = [found, *[m for m in found.get("missing", []) if _is_anchor(m)]] if found else []
    if log is not None:
        anchors += [anchor for _, anchor in heads_in_log(log, archive_id_of(conn))]
    accepted, out = _accepted(conn), []
    for m in anchors:
        if check_anchor(conn, m, "") and not any(_same(m, a) for a in accepted + out):
            out.append(m)
    return out


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


def check_log(conn: sqlite3.Connection, log: Path) -> list[str]:
    """Each head of this archive the weekly run's log records (`head_line`) is still in its chain, as it was;
    one a person accepted as lost (`accept_missing`) is not said again."""
    accepted = accepted_heads(conn)
    problems = []
    for line, anchor in heads_in_log(log, archive_id_of(conn)):
        if not any(_same(anchor, a) for a in accepted):
            problems += check_anchor(conn, anchor, f"the weekly log ({log}, line {line})")
    return problems


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


def check_heads(conn: sqlite3.Connection, archive_path: Path, archive_id: str, recorded: str | None) -> list[str]:
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
