"""`textfile status`: the weekly question answered on one screen — what needs a person, each item
with the command that deals with it.

"New" is what was imported since the start of the last `archive` run (that run's imports included,
and any made by hand since), or, when no run is recorded, in the last 7 days; the status says which.
The last run is read from its record beside the log (`weekly.record_run`, `<archive>.run.json`):
when it started, the files that failed, a run that could not start. A run marks its start on that
record before it imports anything (`weekly.record_start`), and the record of its end replaces the
mark: a run killed part-way (cron's timeout, a reboot, Ctrl-C) is known by the start it left. "New"
then counts from that start: what it imported is new, and the status says the run did not finish
(unless it is still running: it holds the run lock). The next run to finish (one that imports what
is left, or one refused by the archive's checks) keeps that start on its own record
(`not_finished`): "new" then counts from the earliest start of the runs before it that did not
finish, and the status still names them. So what a killed run imported, and every assumption it
made, is new until a second run has finished after it.

What needs a person (exit 4): a conversation waiting to be filed or set aside, or one set aside that
holds a client's handle no forced ignore overruled (`ignore.aside_with_clients`: a number set aside
before it became a client's; its texts are neither filed nor reviewed), an assumption an
import since then made that no earlier import made (the same words but for their numbers: next week's
backup repairing emoji again is listed, and is not news), a file or transcript the last run failed on
(or a run that did not run, or one that did not finish with no run finished since), a matter with
messages in no transcript, a transcript whose file is gone, a review flag open (a
message the lexicons, the working hours, an opt-out, a missing consent or a minor flagged, which no
one has reviewed or dismissed: `textfile review`; how many are new is said), messages those imports found no
longer on the phone (`textfile coverage`). Substantive exchanges that no note to file concerns yet are
counted, with the command that lists them (`note list --missing`), and closed matters past their
retention (`retention report`): neither needs a person this week by itself, nor do attachments of filed
conversations the archive does not hold the bytes of (an export made without media: `textfile coverage`),
counted on one line: no import may ever bring some (a part corrupt, a file the phone never downloaded),
and `deletable` says, thread by thread, what deleting loses. Messages imported since the last review scan
are not scanned here (read-only): each import scans what it brings. An integrity problem (exit 3): a
transcript whose file no longer has its recorded sha256, or the archive's records and audit log failing
the checks `deletable` rests on (then no conversation is said safe to delete). What is safe to delete
from the phone is said, counted, and needs no one.

Read-only and fast: nothing is written, no audit entry is made (whether a run is going on is asked of
its lock: a shared lock taken and let go at once); transcripts are checked by their file's sha256
only (`textfile verify FILE.pdf` checks one in depth), messages are not re-hashed.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from dataclasses import dataclass, field

from textfile import ignore, notes, times
from textfile.archive import Archive
from textfile.ignore import AsideWithClients, WaitingConversation
from textfile.ingest.writer.regions import AS_WRITTEN
from textfile.integrity import FINE, transcript_states
from textfile.lifecycle import retention
from textfile.lifecycle.coverage_report import not_archived_count
from textfile.results import Result, omit_empty
from textfile.weekly.log import import_notes, last_run, not_finished, run_in_progress
from textfile.weekly.run import ArchivedImport, FailedFile, FailedTranscript, imports_since, stale_matters
from textfile.weekly.verdicts import failing_checks, verdicts

DAYS = 7  # "new" without a recorded run: imports of the last DAYS days


@dataclass(slots=True, eq=False)
class NewImport(ArchivedImport):
    """An import since the last run: what it added, and what it assumed and warned of (`notes`, as printed)."""

    notes: list[str]
    seen_before: list[str]  # its assumptions an earlier import made too (`_kind`): said, and not news


@dataclass(slots=True, eq=False)
class UnfinishedRun(Result):
    """An archive run that began and did not finish (the record's `started`, or a later run's `not_finished`)."""

    started_at: str
    inbox: str
    # the start of the run that finished after it (its record names this one); None: no run has finished since
    followed_by: str | None
    running: bool  # it holds the run lock now: still going on, not stopped
    stopped: str | None = omit_empty(default=None)  # the error it stopped on (`weekly.record_stopped`); None: no word


@dataclass(slots=True, eq=False)
class NotRun(Result):
    """An archive run that could not start (its record's `not_run`)."""

    at: str
    inbox: str
    reason: str


@dataclass(slots=True, eq=False)
class Status(Result):
    since: str  # imports started at or after this instant are new
    since_run: bool  # since the start of an archive run (the last, or one before it that did not finish; else: the last DAYS days)
    last_run: dict | None  # the last run's record, as `weekly.record_run` wrote it
    imports: list[NewImport] = field(default_factory=list)
    unfiled: list[WaitingConversation] = field(default_factory=list)
    # set aside, yet holding a client's handle no forced ignore overruled (the JSON has it only when there are)
    aside_with_clients: list[AsideWithClients] = omit_empty(default_factory=list)
    failed: list[FailedFile] = field(default_factory=list)
    render_failed: list[FailedTranscript] = field(default_factory=list)
    not_run: NotRun | None = None
    # the runs that did not finish whose imports are new, earliest first ("new" counts from the first's start)
    not_finished: list[UnfinishedRun] = omit_empty(default_factory=list)
    # files the last run left for the next (still being written): said, needing no one
    waiting: list[str] = field(default_factory=list)
    stale_matters: list[str] = field(default_factory=list)
    transcripts: list[dict] = field(
        default_factory=list
    )  # missing or altered (integrity.transcript_states, and the matter)
    # transcripts on file as recorded that show a conversation filed since to no matter of their client (a
    # filing mistake fixed: integrity/refiled.py): {"transcript", "path", "matter", "client", "unfiled": [{
    # "conversation", "filed_now"}]}; if its texts are another client's, the transcript is in the wrong file
    held_elsewhere: list[dict] = omit_empty(default_factory=list)
    safe_to_delete: list[int] | None = None  # None: the archive fails its checks, nothing is said safe
    ignored_safe_to_delete: list[int] | None = None
    problems: list[str] = field(default_factory=list)  # the checks deletable rests on, failing (weekly.failing_checks)
    # review flags open, by rule, and how many of them were raised since `since` (`textfile review`)
    open_flags: dict[str, int] = field(default_factory=dict)
    new_flags: int = 0
    # notes in force left behind: their messages no longer filed to their matter (notes/stranded.py; `note move`)
    notes_left_behind: list[notes.Stranded] = omit_empty(default_factory=list)
    # substantive exchanges no note concerns (`note list --missing`): said, needing no one by itself
    exchanges_without_note: int = 0
    # messages the new imports found no longer on the phone, and not held again since (`textfile coverage`)
    missing_from_phone: int | None = omit_empty(default=None)  # (None: none; the JSON has it only when there are)
    # attachments of filed conversations whose bytes the archive does not hold (`textfile coverage`): said, needing no
    # one by itself (`deletable` does not call their threads safe to delete)
    attachments_not_archived: int | None = omit_empty(default=None)
    # closed matters past retention, on no hold, that `dispose` would take (`textfile retention report`): said,
    # needing no one this week by itself (disposal is a person's decision, never urged)
    past_retention: list[str] = field(default_factory=list)

    JSON_PROPERTIES = ("assumptions", "exit_code")

    @property
    def assumptions(self) -> int:
        """The assumptions of the new imports that the archive has not seen before (`_seen`): those need a person."""
        return sum(len(i.assumptions) - len(i.seen_before) for i in self.imports)

    @property
    def stopped(self) -> list[UnfinishedRun]:
        """The runs that did not finish and that no run has finished since (nor still running): they need a person."""
        return [r for r in self.not_finished if r.followed_by is None and not r.running]

    @property
    def exit_code(self) -> int:
        if self.problems or any(t["state"] == "altered" for t in self.transcripts):
            return 3
        needs = (
            self.unfiled,
            self.aside_with_clients,
            self.assumptions,
            self.failed,
            self.render_failed,
            self.not_run,
            self.stopped,
            self.stale_matters,
            self.transcripts,
            self.held_elsewhere,
            self.notes_left_behind,
            self.open_flags,
            self.missing_from_phone,
        )
        return 4 if any(needs) else 0


def status(archive: Archive, now: float | None = None) -> Status:
    conn = archive.conn
    run = last_run(archive.path, archive.settings.archive_id)
    unfinished = _unfinished(archive, run) if run else []
    since = unfinished[0].started_at if unfinished else run and run.get("started_at")
    week_ago = times.from_unix_s((time.time() if now is None else now) - DAYS * 86400)
    found = Status(since=since or times.to_iso(week_ago), since_run=bool(since), last_run=run, not_finished=unfinished)
    found.imports = _new_imports(conn, found.since)
    found.unfiled = ignore.waiting(conn, found.since)
    found.aside_with_clients = ignore.aside_with_clients(conn)
    if run:
        found.failed = [FailedFile(f["path"], f["reason"]) for f in run.get("failed") or []]
        found.render_failed = [FailedTranscript(f["matter"], f["reason"]) for f in run.get("render_failed") or []]
        not_run = run.get("not_run")
        found.not_run = NotRun(not_run["at"], not_run["inbox"], not_run["reason"]) if not_run else None
        found.waiting = [str(p) for p in run.get("waiting") or []]
    found.stale_matters = stale_matters(conn)
    states = transcript_states(conn)
    matters = dict(conn.execute("SELECT id, reference FROM matters"))
    found.transcripts = [s | {"matter": matters.get(s["matter_id"])} for s in states.values() if s["state"] not in FINE]
    found.held_elsewhere = _held_elsewhere(conn, states)
    found.open_flags = dict(
        conn.execute("SELECT rule, count(*) FROM review_flags WHERE state = 'open' GROUP BY rule ORDER BY rule")
    )
    (found.new_flags,) = conn.execute(
        "SELECT count(*) FROM review_flags WHERE state = 'open' AND raised_at >= ?", (found.since,)
    ).fetchone()
    found.exchanges_without_note = notes.count(conn)
    found.notes_left_behind = notes.stranded(conn)
    found.past_retention = [r.matter for r in retention.report(conn, times.zone(archive.settings.tz)) if r.disposable]
    found.missing_from_phone = (
        conn.execute(
            "SELECT count(DISTINCT a.message_id) FROM missing_from_phone a JOIN imports i ON i.id = a.import_id"
            " WHERE a.seen_again_import_id IS NULL AND i.started_at >= ?",
            (found.since,),
        ).fetchone()[0]
        or None
    )
    found.attachments_not_archived = not_archived_count(conn) or None
    found.problems = failing_checks(archive)
    if not found.problems:
        judged = verdicts(archive, states)
        found.safe_to_delete = [v.conversation for v in judged if v.safe and not v.aside]
        found.ignored_safe_to_delete = [v.conversation for v in judged if v.safe and v.aside]
    return found


def _held_elsewhere(conn: sqlite3.Connection, states: dict[int, dict]) -> list[dict]:
    """The transcripts on file as recorded (`states`: "ok") that show a conversation filed since to no matter
    of their client (`refiled.unfiled_since`; one moved to another matter of the same client is still in its
    file): said by `verify FILE.pdf` alone before (second reader, round 10). A production's PDFs are not: served,
    they are not taken out of a file, and `verify DIR` says what to claw back."""
    from textfile.integrity.refiled import unfiled_since

    out = []
    for t in conn.execute(
        "SELECT t.id, t.path, x.reference, coalesce(c.name, d.name) AS client FROM transcripts t"
        " LEFT JOIN matters x ON x.id = t.matter_id LEFT JOIN clients c ON c.id = x.client_id"
        " LEFT JOIN clients d ON d.id = t.client_id"
        " WHERE json_extract(t.scope, '$.production') IS NULL ORDER BY t.id"  # (a production's PDF: `verify DIR`)
    ):
        if states.get(t["id"], {}).get("state") != "ok":
            continue
        unfiled = [
            u for u in unfiled_since(conn, t["id"]) if not any(f["client"] == t["client"] for f in u["filed_now"])
        ]
        if unfiled:
            out.append(
                {
                    "transcript": t["id"],
                    "path": t["path"],
                    "matter": t["reference"],
                    "client": t["client"],
                    "unfiled": unfiled,
                }
            )
    return out


def _unfinished(archive: Archive, run: dict) -> list[UnfinishedRun]:
    """The runs that did not finish that "new" covers, earliest first: those begun since the recorded run
    (`weekly.not_finished`; the newest may be running now), else those the recorded run found."""
    begun = not_finished(run)
    if begun:
        running = run_in_progress(archive.path)  # (only the newest can be: one run at a time)
        last = len(begun) - 1
        return [
            UnfinishedRun(r["started_at"], r["inbox"], None, running and n == last, r.get("stopped"))
            for n, r in enumerate(begun)
        ]
    return [
        UnfinishedRun(r["started_at"], r["inbox"], run["started_at"], False, r.get("stopped"))
        for r in run.get("not_finished") or []
    ]


def _new_imports(conn: sqlite3.Connection, since: str) -> list[NewImport]:
    """The imports started since `since`, each with the assumptions an earlier import made too: one before
    `since`, or one of these before it (the same file imported twice this week assumes what it did once)."""
    seen = {
        _kind(text, name)
        for texts, name in conn.execute("SELECT assumptions, file_name FROM imports WHERE started_at < ?", (since,))
        for text in json.loads(texts)
    }
    out = []
    for i in imports_since(conn, since):  # (in the order they were made)
        kinds = [_kind(a, i.file_name) for a in i.assumptions]
        out.append(
            NewImport.extending(
                i,
                notes=import_notes(i.assumptions, i.warnings),
                seen_before=[a for a, kind in zip(i.assumptions, kinds, strict=True) if kind in seen],
            )
        )
        seen.update(kinds)
    return out


def _kind(assumption: str, source: str) -> str:
    """An assumption's words without the name of the source that made it and without its numbers, counts
    and file names' digits: "repaired 2 emoji …" made again by next week's backup ("repaired 3 emoji …"), or
    a chat's zone said of its .txt one week and of its .zip the next, is one a person has seen (it is listed,
    and does not by itself need them); a new kind of assumption does. So does a guess of a chat's own date
    order (those name --date-order) for a chat no earlier import guessed it for (without its extension):
    what was guessed for other chats says nothing of this one's dates (second reader, round 10)."""
    said = assumption.removeprefix(f"{source}: ").split(AS_WRITTEN)[0]  # (the numbers it gave a code, by name)
    if "--date-order" in said:
        said = f"{source.rsplit('.', 1)[0]}: {said}"
    return re.sub(r"\d+", "#", said)
