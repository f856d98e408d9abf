"""What a run leaves beside the archive: its lock (one run at a time), its log (prose, one line per
event: cron's only trace) and its record (`record_run`: when it started, what failed), which
`textfile status` reads.

A run marks its start on the record before it imports anything (`record_start`), and the record of
its end replaces that mark: a run killed part-way (cron's timeout, a reboot, Ctrl-C) has committed
the imports it made but leaves only its start, so the next run and `status` know it did not finish
and count what it imported as new (`not_finished`)."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import shlex
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from textfile import audit, times
from textfile.errors import ArchiveBusy

if TYPE_CHECKING:
    from textfile.weekly.run import NotFinished, RunReport

OPTION = re.compile(r"(?<![\w-])--[a-z]")  # a reason that names an option of textfile's (`failed_file`)
MAX_WARNINGS = 10  # per import, in the run's report and `textfile import`'s (all are on the import's record)


# -- the run lock ------------------------------------------------------------------------------


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


# -- the run's record --------------------------------------------------------------------------


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


def record_start(archive_path: Path, archive_id: str, inbox: Path, started_at: str) -> list[dict]:
    """Mark a run begun, before it imports anything: its start added to the record's `started` (the runs
    begun since the recorded one, none finished), the rest of the record kept. `record_run` at its end
    replaces the mark; a run killed part-way leaves it. The runs begun before this one and not finished
    are returned, earliest first (each {"started_at", "inbox"}): this run takes up what they left."""
    last = last_run(archive_path, archive_id) or {"archive": archive_id, "started_at": None}
    begun = not_finished(last)
    record_run(archive_path, last | {"started": [*begun, {"started_at": started_at, "inbox": str(inbox)}]})
    return begun


def not_finished(run: dict) -> list[dict]:
    """The runs a record says were begun since the run it records and did not finish (killed, or one
    still running), earliest first; none in a record a run wrote at its end (or the previous release)."""
    return run.get("started") or []


def run_in_progress(archive_path: Path) -> bool:
    """Whether an `archive` run holds the run lock now (`run_lock`). Asked without writing anything: the
    lock file is opened read-only and only if it exists, and a shared lock taken and let go at once."""
    try:
        fd = os.open(Path(f"{archive_path}.lock"), os.O_RDONLY)
    except OSError:
        return False  # (no lock file: no run ever took the lock)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
            return True
        raise
    finally:
        os.close(fd)  # (closing lets go of the shared lock)
    return False


def last_run(archive_path: Path, archive_id: str) -> dict | None:
    """The last run's record, or None: no run yet, or a record that is unreadable or of another archive (a copy's)."""
    try:
        run = json.loads(run_path(archive_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return run if isinstance(run, dict) and run.get("archive") == archive_id else None


def record_stopped(archive_path: Path, archive_id: str, inbox: Path, started_at: str, reason: str) -> None:
    """A run that began and stopped on an error it met (the archive busy past the wait, a full disk): said in the
    log now, and its start on the record says why, so that `status` and the next run say it, not "killed". What it
    imported before is taken up by the next run, as a killed run's is (its start stays on the record)."""
    append_log(archive_path, [f"archive {inbox}: stopped: {reason}; the next run takes up what it imported"])
    last = last_run(archive_path, archive_id)
    if last is not None:
        begun = [r | {"stopped": reason} if r["started_at"] == started_at else r for r in not_finished(last)]
        record_run(archive_path, last | {"started": begun})


def why_not_finished(stopped: str | None) -> str:
    """Why a run did not finish, as the log and `status` say it: the error it stopped on, else what stops a run
    and leaves no word (`record_stopped`)."""
    return f"stopped: {stopped}" if stopped else "stopped part-way: killed, a reboot, a crash"


def record_not_run(archive_path: Path, archive_id: str, inbox: Path, reason: str) -> None:
    """A run that could not start (its --out folder refused): said in the log, cron's only trace, and on
    the last run's record, which `status` reads (the record of the run before it kept)."""
    append_log(archive_path, [f"archive {inbox}: not run: {reason}"])
    record_run(
        archive_path,
        (last_run(archive_path, archive_id) or {"archive": archive_id, "started_at": None})
        | {"not_run": {"at": times.now_iso(), "inbox": str(inbox), "reason": reason}},
    )


# -- the log -----------------------------------------------------------------------------------


def log_path(archive_path: Path) -> Path:
    return archive_path.with_name(archive_path.name + ".log")


def append_log(archive_path: Path, lines: list[str]) -> None:
    fd = os.open(log_path(archive_path), os.O_CREAT | os.O_WRONLY | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as fp:
        stamp = times.now_iso()
        for line in lines:
            fp.write(f"{stamp} {line}\n")


def failed_file(path: str, reason: str) -> str:
    """A file an archive run failed on, with the command that deals with it (round 19 #8: a file the run refused,
    its zone to be given, was listed with no way in; `archive --tz` gives every file of the inbox that zone). A
    refusal that names an option: the file imported alone with it (the next run finds its bytes archived and
    tries it no more); any other (a broken export, a file that cannot be read): a new export in its place."""
    if OPTION.search(reason):
        return (
            f"{path}: {reason}; to take it: textfile import {shlex.quote(path)} with the option it names (the next"
            " run then finds it archived)"
        )
    return f"{path}: {reason}; export it again in its place, or move it out of the inbox"


def import_notes(assumptions: list[str], warnings: list[str]) -> list[str]:
    """What an import assumed and warned of, a line each, as `textfile import` and the run's report
    print them: every assumption, the first MAX_WARNINGS warnings and how many more its record holds."""
    lines = [f"assumed: {text}" for text in assumptions] + [f"warning: {text}" for text in warnings[:MAX_WARNINGS]]
    if len(warnings) > MAX_WARNINGS:
        lines.append(f"… and {len(warnings) - MAX_WARNINGS:,} more warnings (textfile log --json shows the import)")
    return lines


def not_finished_lines(run: NotFinished, tz) -> list[str]:
    """An earlier run that did not finish, as the run that found it says it: cron's only trace of it,
    with the imports made from its start (each with what it assumed and warned of, as the run's own)."""
    said = (
        f"  the archive run of {run.inbox} started at {times.display(run.started_at, tz)} did not finish"
        f" ({why_not_finished(run.stopped)})"
    )
    if not run.imports:
        return [f"{said}; nothing was imported from its start until this run"]
    n = len(run.imports)
    lines = [f"{said}; imported from its start until this run: {n} file{'s' if n != 1 else ''}"]
    for i in run.imports:
        lines.append(
            f"    import {i.import_}, {i.path}: {i.format}, added {i.added:,}, already present {i.already_present:,}, updated {i.updated:,}"
        )
        lines += [f"      {line}" for line in import_notes(i.assumptions, i.warnings)]
    return lines


def log_lines(report: RunReport) -> list[str]:
    """What a run did, one line per event, for the terminal and the log file beside the archive."""
    from textfile.lifecycle import coverage

    lines = [
        f"archive {report.inbox}: {len(report.imported)} imported, {report.already_archived} already archived,"
        f" {len(report.same_bytes)} identical to an earlier import, {len(report.waiting)} still being written,"
        f" {len(report.failed)} failed, {len(report.rendered)} transcript{'' if len(report.rendered) == 1 else 's'} rendered"
    ]
    for run in report.not_finished:
        lines += not_finished_lines(run, times.zone(report.zone))
    for r in report.imported:  # (ingest's ImportResult, as its as_dict says it)
        skipped = r.get("skipped") or {}
        lines.append(
            f"  imported {r['path']}: {r['format']}, added {r['added']:,}, already present {r['already_present']:,}, updated {r['updated']:,}"
            + (f", skipped {sum(skipped.values()):,}" if skipped else "")
        )
        lines += [f"    skipped {n:,}: {reason}" for reason, n in skipped.items()]  # (as `textfile import` says them)
        # what the import assumed or warned of (the zone a chat was read in, DST, …): cron's log is the only trace
        lines += [f"    {line}" for line in import_notes(r["assumptions"], r["warnings"])]
        if line := coverage.import_line(r.get("missing_from_phone", 0), r.get("seen_again", 0)):
            lines.append(f"    {line}")
    raised: dict[str, int] = {}
    for r in report.imported:
        for rule, n in (r.get("flags") or {}).items():
            raised[rule] = raised.get(rule, 0) + n
    if raised:
        total = sum(raised.values())
        lines.append(f"  review: {total} new flag{'s' if total != 1 else ''} ({_by_rule(raised)}): textfile review")
    if report.reviewed:  # (the scan after the imports: what changed besides what they brought)
        said = "; ".join(
            f"{what} {sum(counts.values())} ({_by_rule(counts)})" for what, counts in report.reviewed.items()
        )
        lines.append(f"  review of the archive as it stands: flags {said}: textfile review")
    for s in report.same_bytes:
        # The same file imported before (by hand, its path given otherwise) or a copy of it under another name.
        when = f"on {times.display(s.imported_at, times.zone(report.zone))} (import {s.import_})"
        renamed = Path(s.path).name != s.file_name
        lines.append(
            f"  already archived under another name, {s.file_name}, {when}: {s.path}"
            if renamed
            else f"  already imported {when}: {s.path}"
        )
    for c in report.unfiled:
        lines.append(
            f"  new conversation {c.id} ({c.label}; {c.platform}) is not filed: textfile file {c.id} --matter REF,"
            f" or textfile conversation ignore {c.id}"
        )
    for path in report.waiting:
        lines.append(f"  left for the next run (modified within the last minute): {path}")
    for f in report.failed:
        lines.append(f"  FAILED {failed_file(f.path, f.reason)}")
    for r in report.rendered:
        lines.append(f"  rendered {r.matter}: {r.path}")
    for f in report.render_failed:
        lines.append(f"  FAILED transcript of {f.matter}: {f.reason}")
    for p in report.problems:
        lines.append(f"  INTEGRITY {p}")
    if report.head:
        lines.append(f"  {audit.head_line(report.head['archive'], report.head)}")
    return lines


def _by_rule(counts: dict[str, int]) -> str:
    """Flags counted by rule, each rule's name before its count ("deadlines: 1, no_consent: 2", as `status`
    says them: a lexicon category's name is a plural, "1 deadlines" is not English)."""
    return ", ".join(f"{rule}: {n}" for rule, n in sorted(counts.items()))
