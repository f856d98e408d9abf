"""The weekly routine: `textfile archive INBOX --out DIR` for cron, and `textfile deletable`.

`archive_inbox` imports every export under the inbox that the archive has not already taken,
then renders a new transcript for each matter whose messages are not all in a transcript yet.
Both are derived from the archive itself, never from memory of the last run, so a run killed
at any moment leaves nothing half-done: each file's import and its `inbox_files` row commit
together, and a matter whose transcript was not recorded is simply still "not transcribed" and
is rendered by the next run — exactly once.

A known file (same path, size and modification time) is skipped without being read. A changed
or new one is hashed; bytes the archive has already imported (the same export imported by
hand, copied or renamed) are recorded without being parsed again, and the run names the import
that took them. A file modified within the last minute may still be being written, and is left
for the next run. The run names each new conversation no matter took (a person files or ignores
it), and keeps its own record beside the log (`record_run`: when it started, what failed), which
`textfile status` reads.

`deletable` answers, per conversation, how far it is safe to delete it from the phone: every
archived message up to that instant is in a transcript whose file still exists, still has the
recorded sha256, and still shows the message's current content, or the same content as an earlier
reading gave it (a zone corrected, a number read anew: the phone holds what the transcript shows,
proven by hashing the current message with that reading, `integrity.earlier_state`). A message the
transcript shows as it was before a later import changed what it says (an edit or a deletion in a
later export, a change in the source) is "changed since its transcript", not covered: the phone
holds its new state and no transcript does yet; the next weekly run renders the matter again.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from textfile import audit, ignore, times
from textfile.archive import Archive
from textfile.errors import ArchiveBusy, ImportFailed, IntegrityFailed, TextfileError
from textfile.exports import candidates
from textfile.filing import COVERED
from textfile.fingerprint import tree_listing
from textfile.ingest import import_path, source_digest
from textfile.integrity import FINE, earlier_state, transcript_states

SETTLE_S = 60
MAX_WARNINGS = 10  # per import, in the run's report and `textfile import`'s (all are on the import's record)


# -- the run lock and the log ------------------------------------------------------------------


@contextmanager
def run_lock(archive_path: Path, *, wait: bool):
    """One `textfile archive` run at a time per archive: a second one waits, or (without wait) says so."""
    lock_path = Path(f"{archive_path}.lock")
    fd = os.open(lock_path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise ArchiveBusy(
                    f"another `textfile archive` run is in progress on {archive_path}; it holds {lock_path} (use --wait to wait for it)"
                ) from None
            raise
        yield
    finally:
        os.close(fd)  # closing releases the lock


def log_path(archive_path: Path) -> Path:
    return archive_path.with_name(archive_path.name + ".log")


def run_path(archive_path: Path) -> Path:
    """The last run's record beside the log (`record_run`): what `textfile status` reads of it."""
    return archive_path.with_name(archive_path.name + ".run.json")


def record_run(archive_path: Path, run: dict) -> None:
    """Keep what the last run was and what failed in it, 0600, replaced whole (a reader never sees half).

    A file beside the log, not an audit entry: a failed file leaves nothing in the archive, and a run
    that finds nothing new changes nothing, so neither is a change to audit; the archive stays as it
    was. The log holds the same as prose; this is its last run as data, for `status`."""
    path = run_path(archive_path)
    partial = path.with_name(f".{path.name}.partial")
    fd = os.open(partial, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fp:
        json.dump(run, fp, ensure_ascii=False, indent=1)
    os.replace(partial, path)


def last_run(archive_path: Path, archive_id: str) -> dict | None:
    """The last run's record, or None: no run yet, or a record that is unreadable or of another archive (a copy's)."""
    try:
        run = json.loads(run_path(archive_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return run if isinstance(run, dict) and run.get("archive") == archive_id else None


def append_log(archive_path: Path, lines: list[str]) -> None:
    fd = os.open(log_path(archive_path), os.O_CREAT | os.O_WRONLY | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as fp:
        stamp = times.now_iso()
        for line in lines:
            fp.write(f"{stamp} {line}\n")


# -- the inbox ---------------------------------------------------------------------------------


def _stat(path: Path) -> tuple[int, int]:
    """Size and newest modification time (ns) of a file, or of everything in a folder."""
    if path.is_file():
        st = path.stat()
        return st.st_size, st.st_mtime_ns
    listing = tree_listing(path)
    return sum(size for _, size, _ in listing), max([path.stat().st_mtime_ns, *(mtime for _, _, mtime in listing)])


@dataclass
class RunReport:
    inbox: str
    imported: list[dict] = field(default_factory=list)
    already_archived: int = 0  # known path, size and mtime: not read
    same_bytes: list[dict] = field(default_factory=list)  # new path or changed file, bytes already imported: not parsed
    waiting: list[str] = field(default_factory=list)  # modified within the last minute
    failed: list[dict] = field(default_factory=list)
    rendered: list[dict] = field(default_factory=list)
    render_failed: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    head: dict | None = (
        None  # the audit log's last entry when the run ended (audit.head): the log keeps it outside the archive
    )
    zone: str = "UTC"  # the archive's: log_lines prints the dates of earlier imports in it
    started_at: str = ""
    unfiled: list[dict] = field(
        default_factory=list
    )  # conversations this run's imports created that wait for a person (ignore.waiting)

    @property
    def exit_code(self) -> int:
        if self.problems:
            return 3
        return 1 if self.failed or self.render_failed else 0

    def as_dict(self) -> dict:
        return {
            "inbox": self.inbox,
            "imported": self.imported,
            "already_archived": self.already_archived,
            "same_bytes": self.same_bytes,
            "waiting": self.waiting,
            "failed": self.failed,
            "rendered": self.rendered,
            "render_failed": self.render_failed,
            "problems": self.problems,
            "unfiled": self.unfiled,
            "started_at": self.started_at,
            "audit_head": self.head,
            "exit_code": self.exit_code,
        }

    def record(self, archive_id: str) -> dict:
        """What `record_run` keeps of the run: when it started, the imports it made, what failed."""
        return {
            "archive": archive_id,
            "inbox": self.inbox,
            "started_at": self.started_at,
            "finished_at": times.now_iso(),
            "imports": [r["import_id"] for r in self.imported],
            "failed": self.failed,
            "render_failed": self.render_failed,
            "waiting": self.waiting,
            "problems": self.problems,
            "exit_code": self.exit_code,
        }


Renderer = Callable[[Archive, str, Path], dict]


SNAPSHOT_SERIES = (
    "{prefix}-SNAP"  # the weekly run's own Bates series: DEMO-SNAP-000001 (productions keep DEMO-000001 on)
)


def snapshot_prefix(archive: Archive) -> str:
    """The Bates prefix of the weekly run's transcripts: archival snapshots, numbered in a series of
    their own so that they spend no number of the series productions are numbered in."""
    return SNAPSHOT_SERIES.format(prefix=archive.settings.bates_prefix.rstrip("-"))


def render_matter(archive: Archive, reference: str, out_dir: Path, bates_prefix: str | None = None) -> dict:
    """A new dated transcript of the whole matter in `out_dir` (WeasyPrint is loaded only here),
    numbered in the snapshots' series unless `bates_prefix` says another."""
    from textfile.transcript import make_transcript

    made = make_transcript(
        archive, matter=reference, out_dir=out_dir, bates_prefix=bates_prefix or snapshot_prefix(archive), snapshot=True
    )
    return {
        "matter": reference,
        "path": made["path"],
        "messages": made["messages"],
        "pages": made["pages"],
        "bates_first": made["bates_first"],
        "bates_last": made["bates_last"],
    }


def archive_inbox(
    archive: Archive,
    inbox: Path,
    out_dir: Path,
    *,
    render: Renderer | None,
    settle_s: float = SETTLE_S,
    now: float | None = None,
    on_file: Callable[[Path, str], None] | None = None,
    **import_options,
) -> RunReport:
    """Import what is new under `inbox`, then render the matters that have untranscribed messages."""
    inbox = Path(inbox)
    if not inbox.is_dir():
        raise TextfileError(f"{inbox}: not a folder")
    audit.require_key(archive.conn)  # (a run that could change nothing is refused before it reads anything)
    report = RunReport(str(inbox), zone=archive.settings.tz, started_at=times.now_iso())
    failing = audit.verify(
        archive.conn, archive.path
    )  # (a restored or altered archive gets nothing new until a person looks)
    if failing:
        report.problems = [
            "nothing was imported or rendered: the archive fails its checks (`textfile verify` says which; after"
            " restoring a backup on purpose, `textfile verify --accept-older-copy`)"
        ] + failing
        report.head = audit.head(archive.conn) | {"archive": archive.settings.archive_id}
        return report
    now = time.time() if now is None else now
    conn = archive.conn
    own = [Path(f"{archive.path}{suffix}") for suffix in ("", "-wal", "-shm", "-journal", ".log", ".lock", ".run.json")]
    for path in candidates(inbox, skip=(Path(out_dir), *own)):
        key = str(path.resolve())
        try:
            size, mtime_ns = _stat(path)
        except OSError as exc:
            report.failed.append({"path": str(path), "reason": f"cannot read: {exc.strerror or exc}"})
            continue
        row = conn.execute("SELECT size, mtime_ns FROM inbox_files WHERE path = ?", (key,)).fetchone()
        if row is not None and (row["size"], row["mtime_ns"]) == (size, mtime_ns):
            report.already_archived += 1
            continue
        # Changed within the last minute: may still be being written. A time further ahead than
        # that is a clock's mistake (a copy from another machine), not a write in progress.
        if abs(now - mtime_ns / 1e9) < settle_s:
            report.waiting.append(str(path))
            continue
        if on_file:
            on_file(path, "importing")
        try:
            with archive.transaction():
                digest = source_digest(path)
                sha = digest[1]
                # (an import of these bytes under this file's name first: a file imported as a copy and as itself is not "another name")
                prior = conn.execute(
                    "SELECT id, path, file_name, started_at FROM imports WHERE sha256 = ? ORDER BY file_name = ? DESC, id LIMIT 1",
                    (sha, path.name),
                ).fetchone()
                if prior is not None:
                    import_id = prior["id"]
                    report.same_bytes.append(
                        {
                            "path": str(path),
                            "import": import_id,
                            "imported_at": prior["started_at"],
                            "file_name": prior["file_name"],
                            "imported_from": prior["path"],
                        }
                    )
                else:
                    result = import_path(archive, path, digest=digest, **import_options)
                    import_id = result.import_id
                    report.imported.append(result.as_dict())
                conn.execute(
                    "INSERT INTO inbox_files (path, size, mtime_ns, sha256, import_id, seen_at) VALUES (?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns,"
                    " sha256 = excluded.sha256, import_id = excluded.import_id, seen_at = excluded.seen_at",
                    (key, size, mtime_ns, sha, import_id, times.now_iso()),
                )
        except ImportFailed as exc:
            report.failed.append({"path": str(path), "reason": exc.reason})
        except OSError as exc:
            report.failed.append({"path": str(path), "reason": f"cannot read: {exc.strerror or exc}"})
    if render is not None:
        for reference in stale_matters(conn):
            if on_file:
                on_file(Path(reference), "rendering")
            try:
                report.rendered.append(render(archive, reference, out_dir))
            except TextfileError as exc:
                report.render_failed.append({"matter": reference, "reason": str(exc)})
    report.unfiled = [c for c in ignore.waiting(conn, report.started_at) if c["new"]]
    report.problems = audit.verify(conn, archive.path) + audit.check_digests(conn) + audit.check_records(conn)
    report.head = audit.head(conn) | {"archive": archive.settings.archive_id}
    return report


def stale_matters(conn) -> list[str]:
    """Matters with a filed message that no transcript of theirs shows in its current content.

    A transcript whose file is gone does not count, so the next run renders its matter again. An
    altered file is found by `deletable` and `verify` (which hash every transcript); this check
    runs every week and only asks whether the files exist."""
    gone = [t["id"] for t in conn.execute("SELECT id, path FROM transcripts") if not Path(t["path"]).is_file()]
    excluded = f" AND t.id NOT IN ({','.join('?' * len(gone))})" if gone else ""
    rows = conn.execute(
        "SELECT mt.reference FROM matters mt WHERE EXISTS ("
        " SELECT 1 FROM filings f JOIN messages m ON m.conversation_id = f.conversation_id"
        " WHERE f.matter_id = mt.id AND (f.from_at IS NULL OR m.sent_at >= f.from_at) AND (f.until_at IS NULL OR m.sent_at <= f.until_at)"
        " AND NOT EXISTS (SELECT 1 FROM transcript_messages tm JOIN transcripts t ON t.id = tm.transcript_id"
        f"   WHERE t.matter_id = mt.id AND tm.message_id = m.id AND tm.content_hash = m.content_hash{excluded}))"
        " ORDER BY mt.reference",
        gone,
    ).fetchall()
    return [r[0] for r in rows]


# -- deletable ---------------------------------------------------------------------------------


def deletable(archive: Archive) -> list[dict]:
    failing = failing_checks(archive)
    if failing:
        raise IntegrityFailed(
            f"the archive fails its checks ({failing[0]}{' …' if len(failing) > 1 else ''}): nothing can be said safe to"
            " delete until `textfile verify` passes"
        )
    return verdicts(archive)


def failing_checks(archive: Archive) -> list[str]:
    """What a verdict rests on, checked: the filings, holds and transcripts the archive records. None is
    given when its record of them does not hold (a hold lifted or a filing removed outside textfile)."""
    conn = archive.conn
    return audit.verify(conn, archive.path) + audit.check_records(conn) + audit.check_holds(conn)


def verdicts(archive: Archive, states: dict[int, dict] | None = None) -> list[dict]:
    """`deletable`'s verdicts on an archive whose checks passed (`failing_checks`); `states`: the
    transcripts' (integrity.transcript_states), when the caller has them already."""
    conn = archive.conn
    states = transcript_states(conn) if states is None else states
    good = [tid for tid, s in states.items() if s["state"] == "ok"]
    transcribed: dict[str, set[str]] = {}  # message id -> the content hashes verified transcripts show of it
    for start in range(0, len(good), 500):
        chunk = good[start : start + 500]
        for mid, digest in conn.execute(
            f"SELECT message_id, content_hash FROM transcript_messages WHERE transcript_id IN ({','.join('?' * len(chunk))})",
            chunk,
        ):
            transcribed.setdefault(mid, set()).add(digest)
    audited: dict = {}

    def coverage(m) -> str:
        """ "covered" (a verified transcript shows it as it is, or as an earlier reading of the same thing),
        "changed" (it shows a state a later import replaced: the new state is in no transcript), or "none"."""
        shown = transcribed.get(m["id"], ())
        if m["content_hash"] in shown:
            return "covered"
        states = [
            s for s in (earlier_state(conn, m["id"], digest, audited) for digest in shown) if s and not s["problems"]
        ]
        return "covered" if any(s["reading_only"] for s in states) else "changed" if states else "none"

    broken_by_conversation: dict[int, list[dict]] = {}
    for s in states.values():
        if s["state"] not in FINE and s["matter_id"] is not None:
            for (conv_id,) in conn.execute(
                "SELECT DISTINCT conversation_id FROM filings WHERE matter_id = ?", (s["matter_id"],)
            ):
                broken_by_conversation.setdefault(conv_id, []).append(s)
    holds: dict[int, list[str]] = {}
    for conv_id, reference in conn.execute(
        "SELECT DISTINCT f.conversation_id, mt.reference FROM filings f JOIN matters mt ON mt.id = f.matter_id"
        " WHERE mt.legal_hold = 1 ORDER BY mt.reference"
    ):
        holds.setdefault(conv_id, []).append(reference)
    ignored = ignore.ignored(conn)
    out = []
    conversations = conn.execute("SELECT id, platform, title FROM conversations ORDER BY id").fetchall()
    for c in conversations:
        people = [
            r[0]
            for r in conn.execute(
                "SELECT coalesce(display_name, handle) FROM participants WHERE conversation_id = ? AND is_owner = 0 ORDER BY handle",
                (c["id"],),
            )
        ]
        sources = [  # (custodian: the client whose own phone the import read; None: the owner's)
            {
                "file_name": r["file_name"],
                "imported_at": r["finished_at"],
                "last_message": r["last"],
                "custodian": r["custodian"],
            }
            for r in conn.execute(
                "SELECT i.file_name, i.finished_at, max(m.sent_at) AS last, cl.name AS custodian FROM message_sources s"
                " JOIN messages m ON m.id = s.message_id JOIN imports i ON i.id = s.import_id"
                " LEFT JOIN import_custodians ic ON ic.import_id = i.id LEFT JOIN clients cl ON cl.id = ic.client_id"
                " WHERE m.conversation_id = ? GROUP BY i.id ORDER BY i.id",
                (c["id"],),
            )
        ]
        # The verdict is about the owner's phone: where a client's phone holds the thread too, only the
        # messages found on the owner's phone count (one found on the client's alone says nothing of how
        # far the owner's copy may go: walk 15c).
        mixed = any(x["custodian"] for x in sources) and not all(x["custodian"] for x in sources)
        messages = conn.execute(
            f"SELECT m.id, m.sent_at, coalesce(m.time_precision, 'millisecond') AS time_precision, m.content_hash, {COVERED} AS filed"
            " FROM messages m WHERE m.conversation_id = ?"
            + (
                " AND EXISTS (SELECT 1 FROM message_sources s LEFT JOIN import_custodians ic ON ic.import_id = s.import_id"
                "             WHERE s.message_id = m.id AND ic.import_id IS NULL)"
                if mixed
                else ""
            )
            + " ORDER BY m.sent_at, m.id",
            (c["id"],),
        ).fetchall()
        entry = {
            "conversation": c["id"],
            "platform": c["platform"],
            "title": c["title"],
            "participants": people,
            "messages": len(messages),
            "last_archived": messages[-1]["sent_at"] if messages else None,
            "last_archived_precision": messages[-1]["time_precision"] if messages else None,
            "sources": sources,
            "safe_until": None,
            "safe_until_precision": None,
            "untranscribed": 0,
            "unfiled": sum(1 for m in messages if not m["filed"]),
            "broken_transcripts": [
                {"path": s["path"], "state": s["state"]} for s in broken_by_conversation.get(c["id"], [])
            ],
            "legal_hold": holds.get(c["id"], []),
            "ignored": ignored.get(c["id"]),
            # found only on clients' own phones (each source a `--custodian` import): the names of those clients
            "elsewhere": sorted({x["custodian"] for x in sources})
            if sources and all(x["custodian"] for x in sources)
            else [],
        }
        covered = [coverage(m) for m in messages]
        first_gap = next((i for i, c in enumerate(covered) if c != "covered"), len(messages))
        if first_gap:
            entry["safe_until"], entry["safe_until_precision"] = (
                messages[first_gap - 1]["sent_at"],
                messages[first_gap - 1]["time_precision"],
            )
        entry["untranscribed"] = covered[first_gap:].count("none")
        entry["changed_since_transcript"] = covered[first_gap:].count("changed")
        entry["verdict"], entry["safe"] = _verdict(entry, archive)
        out.append(entry)
    # The verdicts that ask something of a person first (a hold, not safe, not yet), then the safe
    # ones, then the threads a person set aside, so the verdicts that matter come first.
    return sorted(
        out, key=lambda e: (e["ignored"] is not None and not e["legal_hold"], bool(e["elsewhere"]), e["safe"])
    )


def _verdict(e: dict, archive: Archive) -> tuple[str, bool]:
    tz = times.zone(archive.settings.tz)
    if e["legal_hold"]:
        # Preserving evidence includes the phone's copy: nothing under a hold is deleted anywhere.
        matters = ", ".join(e["legal_hold"])
        return (
            f"not safe: under legal hold (matter {matters}); keep it on the phone until the hold is released"
            f" (textfile matter release REF)"
        ), False
    if e["elsewhere"]:
        # Found only on a client's own phone (`--custodian`): not the owner's to delete, whatever is transcribed.
        return (
            f"not on your phone: found on {' and '.join(e['elsewhere'])}'s phone only; nothing of it is yours to delete"
            " (the archive keeps it)"
        ), False
    if e["ignored"]:
        return f"not client-related ({ignore.said(e['ignored'], tz)}) — delete when you like", True
    if not e["messages"]:
        return "nothing archived yet", False
    if e["unfiled"]:
        return (
            f"not safe: {e['unfiled']} message{'s' if e['unfiled'] != 1 else ''} in no matter: textfile file {e['conversation']}"
            f" --matter REF (then a transcript), or, if not client-related, textfile conversation ignore {e['conversation']}"
        ), False
    broken = "; ".join(
        f"transcript {b['path']} is {b['state']}"
        + (" (moved? textfile verify --moved NEW.pdf)" if b["state"] == "missing" else "")
        for b in e["broken_transcripts"]
    )
    changed, untranscribed = e["changed_since_transcript"], e["untranscribed"]
    safe_until = times.display(e["safe_until"], tz, e["safe_until_precision"])
    if not untranscribed and not changed:
        verdict = f"safe to delete from the phone up to {safe_until}"
        return (f"{verdict} (note: {broken})" if broken else verdict), True
    after = f" after {safe_until}" if safe_until else ""
    parts = []
    if changed:  # a transcript shows it as it was before a later import changed it; the phone holds the new state
        parts.append(
            f"{changed} message{'s' if changed != 1 else ''}{after} changed since {'their' if changed != 1 else 'its'} transcript"
        )
    if untranscribed:
        parts.append(
            f"{untranscribed}{'' if parts else ' message' + ('s' if untranscribed != 1 else '') + after}"
            f" {'are' if untranscribed != 1 else 'is'} in no transcript"
        )
    verdict = "not yet: " + " and ".join(parts)
    if safe_until:
        verdict = f"safe to delete from the phone up to {safe_until}; " + verdict
    if broken:
        verdict += f" ({broken}: render the matter again)"
    elif changed:
        verdict += " (render the matter again)"
    return verdict, False


def import_notes(assumptions: list[str], warnings: list[str]) -> list[str]:
    """What an import assumed and warned of, a line each, as `textfile import` and the run's report
    print them: every assumption, the first MAX_WARNINGS warnings and how many more its record holds."""
    lines = [f"assumed: {text}" for text in assumptions] + [f"warning: {text}" for text in warnings[:MAX_WARNINGS]]
    if len(warnings) > MAX_WARNINGS:
        lines.append(f"… and {len(warnings) - MAX_WARNINGS:,} more warnings (textfile log --json shows the import)")
    return lines


def log_lines(report: RunReport) -> list[str]:
    """What a run did, one line per event, for the terminal and the log file beside the archive."""
    lines = [
        f"archive {report.inbox}: {len(report.imported)} imported, {report.already_archived} already archived,"
        f" {len(report.same_bytes)} identical to an earlier import, {len(report.waiting)} still being written,"
        f" {len(report.failed)} failed, {len(report.rendered)} transcripts rendered"
    ]
    for r in report.imported:
        lines.append(
            f"  imported {r['path']}: {r['format']}, added {r['added']}, already present {r['already_present']}, updated {r['updated']}"
        )
        # what the import assumed or warned of (the zone a chat was read in, DST, …): cron's log is the only trace
        lines += [f"    {line}" for line in import_notes(r["assumptions"], r["warnings"])]
    for s in report.same_bytes:
        # The same file imported before (by hand, its path given otherwise) or a copy of it under another name.
        when = f"on {times.display(s['imported_at'], times.zone(report.zone))} (import {s['import']})"
        renamed = Path(s["path"]).name != s["file_name"]
        lines.append(
            f"  already archived under another name, {s['file_name']}, {when}: {s['path']}"
            if renamed
            else f"  already imported {when}: {s['path']}"
        )
    for c in report.unfiled:
        lines.append(
            f"  new conversation {c['id']} ({c['label']}; {c['platform']}) is not filed: textfile file {c['id']} --matter REF,"
            f" or textfile conversation ignore {c['id']}"
        )
    for path in report.waiting:
        lines.append(f"  left for the next run (modified within the last minute): {path}")
    for f in report.failed:
        lines.append(f"  FAILED {f['path']}: {f['reason']}")
    for r in report.rendered:
        lines.append(f"  rendered {r['matter']}: {r['path']}")
    for f in report.render_failed:
        lines.append(f"  FAILED transcript of {f['matter']}: {f['reason']}")
    for p in report.problems:
        lines.append(f"  INTEGRITY {p}")
    if report.head:
        lines.append(f"  {audit.head_line(report.head['archive'], report.head)}")
    return lines
