"""The run: `textfile archive INBOX --out DIR`, for cron.

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
it), and keeps its own record beside the log (`log.record_run`: when it started, what failed), which
`textfile status` reads.

The archive is left whole by a killed run, but its report is lost: so the run marks its start on the
record before it imports anything (`mark_start`, `log.record_start`), and a run that finds the start
of one that did not finish says so, with the imports made from that start on (`NotFinished`): they
are new to its report and to `status`, with every assumption they made.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from textfile import audit, ignore, times
from textfile.archive import Archive
from textfile.errors import ImportFailed, TextfileError
from textfile.fingerprint import tree_listing
from textfile.ignore import WaitingConversation
from textfile.ingest import import_path, source_digest
from textfile.results import Result, json_form, json_name, omit_empty
from textfile.sources import candidates
from textfile.transcript.bates import SNAPSHOT_SERIES

SETTLE_S = 60


@dataclass(slots=True, eq=False)
class SameBytes(Result):
    """A file whose bytes an earlier import took (imported by hand, copied, renamed): recorded, not parsed again."""

    path: str
    import_: int = json_name("import")
    imported_at: str
    file_name: str  # as that import recorded it
    imported_from: str


@dataclass(slots=True, eq=False)
class FailedFile(Result):
    # absolute: `status` and cron say it, with the command that takes it, from wherever they run (round 21 #11)
    path: str
    reason: str


@dataclass(slots=True, eq=False)
class Rendered(Result):
    """A matter's new snapshot transcript."""

    matter: str
    path: str
    messages: int
    pages: int
    bates_first: str
    bates_last: str
    chunks: int = 0  # documents made (the cover and the chunks of messages)
    reused: int = 0  # chunks taken from the cache of rendered chunks


@dataclass(slots=True, eq=False)
class FailedTranscript(Result):
    matter: str
    reason: str


@dataclass(slots=True, eq=False)
class ArchivedImport(Result):
    """An import as its row in the archive's `imports` records it: what it added, and what it assumed and warned of."""

    import_: int = json_name("import")
    path: str
    file_name: str
    format: str
    started_at: str
    added: int
    already_present: int
    updated: int
    assumptions: list[str]
    warnings: list[str]


@dataclass(slots=True, eq=False)
class NotFinished(Result):
    """An earlier run that began and did not finish (killed, or the machine stopped), found by a later run:
    when it started, and the imports made from then until the next run began (its own, and any made by
    hand meanwhile), which no report has said."""

    started_at: str
    inbox: str
    imports: list[ArchivedImport]
    stopped: str | None = omit_empty(default=None)  # the error it stopped on (`log.record_stopped`); None: no word


@dataclass(slots=True, eq=False)
class RunReport(Result):
    inbox: str
    imported: list[dict] = field(default_factory=list)  # each ingest's ImportResult.as_dict()
    already_archived: int = 0  # known path, size and mtime: not read
    same_bytes: list[SameBytes] = field(
        default_factory=list
    )  # new path or changed file, bytes already imported: not parsed
    waiting: list[str] = field(default_factory=list)  # modified within the last minute
    failed: list[FailedFile] = field(default_factory=list)
    rendered: list[Rendered] = field(default_factory=list)
    render_failed: list[FailedTranscript] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # conversations this run's imports created that wait for a person (ignore.waiting)
    unfiled: list[WaitingConversation] = field(default_factory=list)
    started_at: str = ""
    # the audit log's last entry when the run ended (audit.head): the log keeps it outside the archive
    head: dict | None = json_name("audit_head", default=None)
    zone: str = json_name(None, default="UTC")  # the archive's: log_lines prints the dates of earlier imports in it
    # the runs before this one that did not finish, earliest first (none but after a run was killed)
    not_finished: list[NotFinished] = omit_empty(default_factory=list)
    # what the review scan after the imports changed, that no import's own scan had (`_review`): said when any
    reviewed: dict = omit_empty(default_factory=dict)

    JSON_PROPERTIES = ("exit_code",)

    @property
    def exit_code(self) -> int:
        if self.problems:
            return 3
        return 1 if self.failed or self.render_failed else 0

    @property
    def since(self) -> str:
        """The start of the earliest run this report covers: a run before it that did not finish, or its own."""
        return self.not_finished[0].started_at if self.not_finished else self.started_at

    def record(self, archive_id: str) -> dict:
        """What `record_run` keeps of the run: when it started, the imports it made, what failed; and the
        runs before it that did not finish, with the imports it found from their start (only when there
        were such runs: otherwise the record is as the previous release wrote it)."""
        record = {
            "archive": archive_id,
            "inbox": self.inbox,
            "started_at": self.started_at,
            "finished_at": times.now_iso(),
            "imports": [r["import_id"] for r in self.imported],
            "failed": json_form(self.failed),
            "render_failed": json_form(self.render_failed),
            "waiting": self.waiting,
            "problems": self.problems,
            "exit_code": self.exit_code,
        }
        if self.not_finished:
            record["not_finished"] = [
                {"started_at": r.started_at, "inbox": r.inbox, "imports": [i.import_ for i in r.imports]}
                | ({"stopped": r.stopped} if r.stopped else {})
                for r in self.not_finished
            ]
        return record


Renderer = Callable[[Archive, str, Path], Rendered]


def snapshot_prefix(archive: Archive) -> str:
    """The Bates prefix of the weekly run's transcripts: archival snapshots, numbered in a series of
    their own so that they spend no number of the series productions are numbered in."""
    return SNAPSHOT_SERIES.format(prefix=archive.settings.bates_prefix.rstrip("-"))


def render_matter(
    archive: Archive,
    reference: str,
    out_dir: Path,
    bates_prefix: str | None = None,
    cache: bool = True,
    cache_size: str | int | None = None,
) -> Rendered:
    """A new dated transcript of the whole matter in `out_dir` (WeasyPrint is loaded only here),
    numbered in the snapshots' series unless `bates_prefix` says another; its unchanged chunks taken
    from the cache of rendered chunks unless `cache` is off."""
    from textfile.transcript import make_transcript

    made = make_transcript(
        archive,
        matter=reference,
        out_dir=out_dir,
        bates_prefix=bates_prefix or snapshot_prefix(archive),
        snapshot=True,
        cache=cache,
        cache_size=cache_size,
    )
    return Rendered(
        reference, made.path, made.messages, made.pages, made.bates_first, made.bates_last, made.chunks, made.reused
    )


def archive_inbox(
    archive: Archive,
    inbox: Path,
    out_dir: Path,
    *,
    render: Renderer | None,
    settle_s: float = SETTLE_S,
    now: float | None = None,
    on_file: Callable[[Path, str], None] | None = None,
    mark_start: Callable[[str], list[dict]] | None = None,
    **import_options,
) -> RunReport:
    """Import what is new under `inbox`, then render the matters that have untranscribed messages.

    `mark_start` (the CLI's: `log.record_start`) is given the run's start before the run imports anything,
    and returns the runs before it that did not finish. It is called once only a record can end the run
    (a run the archive's checks refuse records too), never before an error that records nothing."""
    inbox = Path(inbox)
    if not inbox.is_dir():
        raise TextfileError(f"{inbox}: not a folder")
    audit.require_key(archive.conn)  # (a run that could change nothing is refused before it reads anything)
    report = RunReport(str(inbox), zone=archive.settings.tz, started_at=times.now_iso())
    if mark_start is not None:  # (before the checks: a run they refuse records, and must keep a killed run's start)
        report.not_finished = _not_finished(archive.conn, mark_start(report.started_at), report.started_at)
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

    def written_lately(mtime_ns: int) -> bool:
        # Changed within the last minute: may still be being written. A time further ahead than
        # that is a clock's mistake (a copy from another machine), not a write in progress.
        return abs(now - mtime_ns / 1e9) < settle_s

    own = [
        Path(f"{archive.path}{suffix}")
        for suffix in ("", "-wal", "-shm", "-journal", ".log", ".lock", ".run.json", "-render-cache")
    ]
    for path in candidates(inbox, skip=(Path(out_dir), *own)):
        _take(archive, path, report, on_file, import_options, written_lately)
    _review(archive, report)
    if render is not None:
        _render_stale(archive, out_dir, render, report, on_file)
    conn = archive.conn
    report.unfiled = [c for c in ignore.waiting(conn, report.since) if c.new]
    report.problems = audit.verify(conn, archive.path) + audit.check_digests(conn) + audit.check_records(conn)
    report.head = audit.head(conn) | {"archive": archive.settings.archive_id}
    return report


def _review(archive: Archive, report: RunReport) -> None:
    """The review as it stands now, whatever the run imported: each import scans what it brought, but a
    run that imports nothing (every export known) must still read what changed since the last scan (a
    newer textfile's rules: flags on a text never sent, cleared), or `status`, which cron mails, would
    count flags that `textfile review` then clears. A scan that finds nothing changed writes nothing; an
    archive never reviewed (no message imported yet) is left as it is: there is nothing to read again."""
    from textfile.review import scan

    if archive.conn.execute("SELECT 1 FROM review_settings WHERE id = 1").fetchone() is None:
        return
    with archive.transaction() as conn:
        done = scan.scan(conn, times.zone(archive.settings.tz))
    if done.changed:
        report.reviewed = {
            k: v for k, v in (("raised", done.raised), ("reopened", done.reopened), ("cleared", done.cleared)) if v
        }


def _not_finished(conn, runs: list[dict], until: str) -> list[NotFinished]:
    """The runs that did not finish (`runs`, earliest first), each with the imports made from its start
    to the start of the next run (of the next of them, or `until`: this one's)."""
    ends = [*(r["started_at"] for r in runs), until][1:]
    return [
        NotFinished(r["started_at"], r["inbox"], imports_since(conn, r["started_at"], end), r.get("stopped"))
        for r, end in zip(runs, ends, strict=True)
    ]


def imports_since(conn, since: str, until: str | None = None) -> list[ArchivedImport]:
    """The imports started at or after `since` (and before `until`), in the order they were made."""
    rows = conn.execute(
        "SELECT * FROM imports WHERE started_at >= ?" + (" AND started_at < ?" if until else "") + " ORDER BY id",
        (since, until) if until else (since,),
    )
    return [
        ArchivedImport(
            import_=i["id"],
            path=i["path"],
            file_name=i["file_name"],
            format=i["format"],
            started_at=i["started_at"],
            added=i["added"],
            already_present=i["already_present"],
            updated=i["updated"],
            assumptions=json.loads(i["assumptions"]),
            warnings=json.loads(i["warnings"]),
        )
        for i in rows
    ]


def _stat(path: Path) -> tuple[int, int]:
    """Size and newest modification time (ns) of a file, or of everything in a folder."""
    if path.is_file():
        st = path.stat()
        return st.st_size, st.st_mtime_ns
    listing = tree_listing(path)
    return sum(size for _, size, _ in listing), max([path.stat().st_mtime_ns, *(mtime for _, _, mtime in listing)])


def _take(archive: Archive, path: Path, report: RunReport, on_file, import_options: dict, written_lately) -> None:
    """One export of the inbox: skipped when known, left for the next run when `written_lately`, else
    imported (or recorded as bytes an earlier import took) with its `inbox_files` row."""
    key = str(path.resolve())
    where = str(path.absolute())  # (as a failed file is named: `FailedFile`)
    try:
        size, mtime_ns = _stat(path)
    except OSError as exc:
        report.failed.append(FailedFile(where, f"cannot read: {exc.strerror or exc}"))
        return
    row = archive.conn.execute("SELECT size, mtime_ns FROM inbox_files WHERE path = ?", (key,)).fetchone()
    if row is not None and (row["size"], row["mtime_ns"]) == (size, mtime_ns):
        report.already_archived += 1
        return
    if written_lately(mtime_ns):
        report.waiting.append(str(path))
        return
    if on_file:
        on_file(path, "importing")
    try:
        with archive.transaction():
            digest = source_digest(path)
            _, sha256 = digest
            import_id = _import_once(archive, path, digest, report, import_options)
            archive.conn.execute(
                "INSERT INTO inbox_files (path, size, mtime_ns, sha256, import_id, seen_at) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns,"
                " sha256 = excluded.sha256, import_id = excluded.import_id, seen_at = excluded.seen_at",
                (key, size, mtime_ns, sha256, import_id, times.now_iso()),
            )
    except ImportFailed as exc:
        report.failed.append(FailedFile(where, exc.reason))
    except OSError as exc:
        report.failed.append(FailedFile(where, f"cannot read: {exc.strerror or exc}"))


def _import_once(archive: Archive, path: Path, digest: tuple[int, str], report: RunReport, import_options: dict) -> int:
    """The import that holds these bytes (`digest`: their size and sha256): an earlier one (the run names
    it), or a new one made now."""
    _, sha256 = digest
    # (an import of these bytes under this file's name first: a file imported as a copy and as itself is not "another name")
    prior = archive.conn.execute(
        "SELECT id, path, file_name, started_at FROM imports WHERE sha256 = ? ORDER BY file_name = ? DESC, id LIMIT 1",
        (sha256, path.name),
    ).fetchone()
    if prior is not None:
        report.same_bytes.append(
            SameBytes(str(path), prior["id"], prior["started_at"], prior["file_name"], prior["path"])
        )
        return prior["id"]
    result = import_path(archive, path, digest=digest, **import_options)
    report.imported.append(result.as_dict())
    return result.import_id


def _render_stale(archive: Archive, out_dir: Path, render: Renderer, report: RunReport, on_file) -> None:
    """A new transcript of each matter with messages in none (`stale_matters`)."""
    for reference in stale_matters(archive.conn):
        if on_file:
            on_file(Path(reference), "rendering")
        try:
            report.rendered.append(render(archive, reference, out_dir))
        except TextfileError as exc:
            report.render_failed.append(FailedTranscript(reference, str(exc)))


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
