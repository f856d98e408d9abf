"""Disposal: `dispose MATTER --confirm`, a closed matter's file deleted from the archive for good, with a
certificate of what went.

Decisions:
- Only a matter retention.py finds nothing stopping (closed, past retention, not on hold, no
  conversation also filed to an open or held matter); otherwise refused with every reason, nothing done.
- Without --confirm the deletion is run and rolled back: the counts printed are exactly what it would do.
- The deletion (removal.py, walk.py) runs in one transaction with `PRAGMA secure_delete` on (freed
  pages are zeroed), the FTS indexes optimized, the disposal recorded (`disposals`) and one audit
  entry "dispose" holding the matter, the policy and its basis, the counts, the messages per import,
  the sha256 of what went and the reason: never text. The digests of the imports and of the records
  subtract what went on their own: the deletion goes through the archive's own watched connection.
  Every id that identified a message that went is recorded (`disposed_messages`): ingest never
  archives it again, and `verify` reports a message the archive holds under one.
- Then VACUUM and `wal_checkpoint(TRUNCATE)`: no page of the old file and no frame of the WAL keeps a
  byte of what went. The cache of rendered chunks beside the archive (it holds transcripts' pages) is
  emptied.
- Then the certificate (certificate/): a PDF recorded like a review report, so `verify CERT.pdf`
  proves it. It names the audit entry, so it is made after that entry: a disposal whose certificate
  failed is done, and `dispose MATTER --certificate` makes it again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from textfile import audit, times
from textfile.errors import Conflict, TextfileError
from textfile.filing.names import matter_row
from textfile.lifecycle import retention
from textfile.lifecycle.disposal.removal import Removed, remove
from textfile.results import Result

if TYPE_CHECKING:
    from textfile.archive import Archive


@dataclass(slots=True, eq=False)
class Disposal(Result):
    """A disposal done (`done`), or what one would do: the matter, its policy, the counts (rows per table),
    messages kept (as filed to another matter, or for another matter's note: which), those an earlier
    disposal kept for a note of this matter that go now (`inherited`), the digests of what went, the audit entry, the certificate,
    and the files outside the archive (transcripts, reports) that still hold the matter's text."""

    matter: str
    client: str
    done: bool
    policy: dict
    messages: int
    kept: int
    counts: dict[str, int]
    per_import: dict[str, int]
    messages_sha256: str
    blobs_sha256: str
    transcripts: list[str]
    reports: list[str]
    reason: str | None = None
    kept_filed: int = 0  # of `kept`: also filed to another matter
    kept_notes: list[dict] = field(
        default_factory=list
    )  # of `kept`: for a note of another matter {note, matter, messages, ids}
    inherited: list[dict] = field(
        default_factory=list
    )  # of `messages`: kept by an earlier disposal for a note of this matter {disposal, matter, note, messages, ids}
    numbers: dict[str, str] = field(
        default_factory=dict
    )  # the kept and inherited messages' numbers as `conversation show` gives them when this is said ("1.5")
    at: str | None = None
    by: str | None = None
    entry: int | None = None
    entry_hash: str | None = None
    certificate: str | None = None
    certificate_sha256: str | None = None
    files_left: list[str] = field(default_factory=list)
    audit_quotes: list[int] = field(default_factory=list)  # audit entries quoting a text that went: they stay
    wal_checkpointed: bool | None = None


class _Preview(Exception):
    """Raised in the preview's transaction to roll it back, carrying what it found."""

    def __init__(self, removed: Removed):
        self.removed = removed


def dispose(
    archive: Archive,
    reference: str,
    *,
    confirm: bool,
    reason: str | None = None,
    out=None,
    on: date | None = None,
    mkdir: bool = False,
) -> Disposal:
    """Dispose of a matter's file (see the module's docstring); `on`: the day retention is judged on;
    `mkdir`: make the certificate's folder (--out) when it does not exist."""
    from textfile.lifecycle.disposal import certificate

    audit.require_key(archive.conn)
    conn, tz = archive.conn, times.zone(archive.settings.tz)
    matter = matter_row(conn, reference)
    found = retention.retention(conn, matter, tz, on)
    if found.obstacles:
        raise Conflict(
            f"matter {matter['reference']} cannot be disposed of: " + "; ".join(found.obstacles) + ". Nothing was done."
        )
    if not confirm:
        try:
            with archive.transaction() as w:
                raise _Preview(remove(w, matter["id"]))
        except _Preview as preview:
            result = _result(matter, found, preview.removed, False, reason, _files(preview.removed.paths))
            result.numbers = numbers(conn, result)
            return result
    path = certificate.destination(conn, matter, out, mkdir)
    secure = conn.execute("PRAGMA secure_delete").fetchone()[0]
    conn.execute("PRAGMA secure_delete = ON")
    try:
        with archive.transaction() as w:
            removed = remove(w, matter["id"])
            result = _result(matter, found, removed, True, reason, _files(removed.paths))
            result.at, result.by = times.now_iso(), audit.current_user()
            disposal_id = _record(w, matter["id"], result, removed)
            w.executemany(
                "INSERT OR IGNORE INTO disposed_messages (message_id, disposal_id) VALUES (?, ?)",
                ((i, disposal_id) for i in removed.ids),
            )
            result.entry_hash = audit.append(w, "dispose", {"disposal": disposal_id} | _entry(result, removed))
            result.entry = w.execute("SELECT max(id) FROM audit_log").fetchone()[0]
        result.wal_checkpointed = compact(archive)
        result.numbers = numbers(conn, result)
    finally:
        conn.execute(f"PRAGMA secure_delete = {int(secure)}")
    _empty_cache(archive)
    try:
        made = certificate.make(archive, matter["reference"], path)
    except TextfileError as exc:
        raise TextfileError(
            f"matter {matter['reference']} was disposed of (audit entry {result.entry}), but its certificate could not"
            f" be made: {exc}. Make it again: textfile dispose {matter['reference']} --certificate"
        ) from None
    result.certificate, result.certificate_sha256 = made.path, made.pdf_sha256
    compact(archive, vacuum=False)
    return result


def compact(archive: Archive, vacuum: bool = True) -> bool:
    """VACUUM (the file rewritten without its free pages), then the WAL checkpointed into it and
    truncated; whether the checkpoint was complete (a reader holding the WAL open can stop it).

    The FTS indexes point at rowids of `messages` and `message_versions`, which have no INTEGER PRIMARY
    KEY: SQLite says VACUUM *may* renumber such rows (the SQLite textfile runs keeps them, measured). Should
    it ever, the indexes are rebuilt from the rows, so search never finds the wrong message."""
    if vacuum:
        before = _rowids(archive.conn)
        archive.conn.execute("VACUUM")
        if _rowids(archive.conn) != before:
            with archive.transaction() as w:
                for index in ("messages_fts", "message_versions_fts"):
                    w.execute(f"INSERT INTO {index} ({index}) VALUES ('rebuild')")
    busy, _, _ = archive.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return not busy


def numbers(conn, result: Disposal) -> dict[str, str]:
    """The numbers `conversation show` gives now to the messages kept for notes and those inherited (still
    held before a disposal is done, gone after)."""
    from textfile.notes.messages import number_of

    ids = [i for k in result.kept_notes + result.inherited for i in k["ids"]]
    return {
        r["id"]: number_of(conn, r["conversation_id"], r["sent_at"], r["rowid"])
        for r in conn.execute(
            "SELECT id, conversation_id, sent_at, rowid FROM messages WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(ids),),
        )
    }


def _rowids(conn) -> str:
    """A digest of which row has which rowid in the tables the FTS indexes point at."""
    digest = hashlib.sha256()
    for sql in (
        "SELECT rowid, id FROM messages ORDER BY rowid",
        "SELECT rowid, message_id, version FROM message_versions ORDER BY rowid",
    ):
        for row in conn.execute(sql):
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def _empty_cache(archive: Archive) -> None:
    """The cache of rendered chunks beside the archive emptied: it holds transcripts' pages."""
    from textfile.transcript.render.cache import folder_for

    shutil.rmtree(folder_for(archive.path), ignore_errors=True)


def _files(paths: list[str]) -> list[str]:
    """The files still where the archive recorded them that hold what goes: every transcript and report
    whose record goes (the matter's, and a client's transcript showing its messages), the folders of the
    productions that handed its messages over, and the privilege log written beside a transcript
    (`notes.csv_path`)."""
    from textfile.notes import csv_path

    beside = [str(csv_path(p)) for p in paths]
    return sorted({p for p in [*paths, *beside] if os.path.exists(p)})


def _result(matter, found: retention.Retention, removed: Removed, done: bool, reason, files) -> Disposal:
    return Disposal(
        matter=matter["reference"],
        client=found.client,
        done=done,
        policy=found.policy.to_json() | {"keep_until": found.keep_until, "born": found.born},
        messages=len(removed.messages),
        kept=removed.kept,
        counts=removed.counts,
        per_import=removed.per_import,
        messages_sha256=removed.messages_sha256,
        blobs_sha256=removed.blobs_sha256,
        transcripts=removed.transcripts,
        reports=removed.reports,
        reason=(reason or "").strip() or None,
        kept_filed=removed.kept_filed,
        kept_notes=removed.kept_notes,
        inherited=removed.inherited,
        files_left=files,
        audit_quotes=removed.audit_quotes,
    )


def _entry(result: Disposal, removed: Removed) -> dict:
    """The audit entry's details: no text."""
    return {
        "matter": result.matter,
        "client": result.client,
        "policy": result.policy,
        "counts": result.counts,
        "kept": result.kept,
        "kept_filed": result.kept_filed,
        "kept_notes": result.kept_notes,
        "inherited": result.inherited,
        "per_import": result.per_import,
        "messages_sha256": result.messages_sha256,
        "blobs": len(removed.blobs),
        "blobs_sha256": result.blobs_sha256,
        "transcripts": result.transcripts,
        "reports": result.reports,
        "scrubbed": removed.scrubbed,
        "audit_quotes": removed.audit_quotes,
        "disposed_ids": len(removed.ids),
        "reason": result.reason,
        "by": result.by,
    }


def _record(w, matter_id: int, result: Disposal, removed: Removed) -> int:
    """The disposal's row; its id."""
    return w.execute(
        "INSERT INTO disposals (matter_id, disposed_at, disposed_by, reason, policy, counts, per_import, messages,"
        " messages_sha256, blobs, blobs_sha256, transcripts, reports) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            matter_id,
            result.at,
            result.by,
            result.reason,
            json.dumps(result.policy, sort_keys=True),
            json.dumps(
                result.counts
                | {
                    "kept": result.kept,
                    "kept_filed": result.kept_filed,
                    "kept_notes": result.kept_notes,
                    "inherited": result.inherited,
                    "scrubbed": removed.scrubbed,
                    "audit_quotes": len(removed.audit_quotes),
                },
                sort_keys=True,
            ),
            json.dumps(result.per_import, sort_keys=True),
            json.dumps([list(m) for m in removed.messages]),
            result.messages_sha256,
            json.dumps(removed.blobs),
            result.blobs_sha256,
            json.dumps(result.transcripts),
            json.dumps(result.reports),
        ),
    ).lastrowid
