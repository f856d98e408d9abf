"""Commands that take exports in: `import` (files named on the command line, each said as it goes in)
and `archive` (the weekly run over an inbox folder, for cron)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from textfile import ignore
from textfile.archive import resolve_path
from textfile.cli.options import CacheSize, CorrectsReading, CorrectsTz, Json, MakeFolder, NoCache, OutFolder, Quiet
from textfile.cli.output import command, emit, open_archive, say, state, warn, with_progress
from textfile.errors import ImportFailed, InvalidInput, TextfileError
from textfile.results import Result

if TYPE_CHECKING:
    from textfile.ingest import ImportResult
    from textfile.weekly.run import RunReport

Paths = Annotated[list[Path], typer.Argument(help="Export files or folders, any mix of formats.", show_default=False)]
Format = Annotated[str | None, typer.Option("--format", help="Skip detection: imessage, android or whatsapp.")]
ImportZone = Annotated[
    str | None,
    typer.Option(
        help="Zone of wall-clock times in the export (WhatsApp). Default: the zone the chat was last read in, else the archive's."
    ),
]
Region = Annotated[
    str | None, typer.Option(help="Phone region for numbers without a country code. Default: the archive's.")
]
Me = Annotated[
    str | None,
    typer.Option(
        help="You in the export: your name as a WhatsApp chat writes it (one of its senders), or the number of the phone an Android backup came from."
    ),
]
DateOrder = Annotated[str | None, typer.Option(help="Date order of a WhatsApp export: dmy, mdy or ymd.")]
ChatName = Annotated[str | None, typer.Option(help="The chat's name, when the file name does not say it (WhatsApp).")]
AttachmentsRoot = Annotated[
    Path | None, typer.Option(help="Home folder that iMessage attachment paths (~/Library/…) refer to.")
]
Custodian = Annotated[
    str | None,
    typer.Option(
        help="Whose phone the export came from (recorded on the import). An Android backup or an iMessage export may come from a client's own phone: name the client (--me: their number, or for iMessage their email, the phone had)."
    ),
]
ClientAs = Annotated[
    str | None,
    typer.Option(
        help="With --custodian, for a WhatsApp chat: the sender who is that client, as their own phone writes them (the name they gave WhatsApp), or the client's name if they wrote nothing in it."
    ),
]
Inbox = Annotated[
    Path, typer.Argument(help="Folder of exports (searched recursively, any mix of formats).", show_default=False)
]
Wait = Annotated[bool, typer.Option("--wait/--no-wait", help="If another run is going: wait for it, or exit at once.")]
RunZone = Annotated[
    str | None,
    typer.Option(
        help="Zone of wall-clock times in every WhatsApp export. Default: each chat's zone as last read, else the archive's."
    ),
]
RunMe = Annotated[
    str | None,
    typer.Option(
        help="You in the exports: your name as WhatsApp chats write it, or the number of the phone an Android backup came from."
    ),
]
RunDateOrder = Annotated[
    str | None,
    typer.Option(
        help="Date order of every WhatsApp export in the inbox: dmy, mdy or ymd. Default: each chat's as last read, else what its dates prove."
    ),
]
BatesPrefix = Annotated[
    str | None,
    typer.Option(
        help="Bates prefix of the run's transcripts. Default: the snapshots' own series, <archive prefix>-SNAP, so that productions' numbers stay unbroken."
    ),
]


@dataclass(slots=True, eq=False)
class ImportFailure(Result):
    """A file `import` could not take (nothing of it imported): said in its place among the results."""

    path: str
    failed: str  # why


# -- import ----------------------------------------------------------------------------------


@command
def import_(
    paths: Paths,
    format: Format = None,
    tz: ImportZone = None,
    corrects_tz: CorrectsTz = False,
    corrects_reading: CorrectsReading = False,
    region: Region = None,
    me: Me = None,
    date_order: DateOrder = None,
    conversation: ChatName = None,
    attachments_root: AttachmentsRoot = None,
    custodian: Custodian = None,
    client_as: ClientAs = None,
    json_: Json = False,
    quiet: Quiet = False,
):
    """Import phone exports. Each file goes in whole or not at all; importing it again adds only what is new.

    Example: textfile import sms-20240301.xml "WhatsApp Chat with Sam Client.txt\""""
    from textfile.ingest import warm_up
    from textfile.sources import expand

    sources = expand(paths)
    if conversation and len(sources) > 1:
        raise InvalidInput(
            f"--conversation names one chat: give it with one export, not {len(sources)} ({', '.join(p.name for p in sources[:3])}…)"
        )
    if client_as is not None and not custodian:
        raise InvalidInput(
            "--client-as names the sender who is the client whose phone the export came from: give --custodian CLIENT too"
        )
    options = dict(format=format, tz=tz, region=region, me=me, date_order=date_order, conversation=conversation)
    options |= dict(attachments_root=attachments_root, custodian=custodian, client_as=client_as)
    options |= dict(corrects_tz=corrects_tz, corrects_reading=corrects_reading)
    warm_up(sources, format)
    with open_archive() as archive:
        results = [_import_one(archive, path, options, quiet or json_) for path in sources]
        if not (
            quiet or json_
        ):  # (listed only to be printed: every conversation's unfiled count is a scan of the archive)
            _say_waiting(archive, results, len(sources))
    emit(results, json_=json_, quiet=quiet)  # every path, in order: what it added, or why it failed
    if any(isinstance(r, ImportFailure) for r in results):
        raise typer.Exit(1)


def _import_one(archive, path: Path, options: dict, quiet: bool) -> ImportResult | ImportFailure:
    """One export imported (and said, unless `quiet`), or its failure said on stderr: the ImportResult or an ImportFailure."""
    from textfile.ingest import import_path

    try:
        result = with_progress(
            quiet,
            f"Importing {path.name}",
            "records",
            lambda progress: import_path(archive, path, **options, progress=progress, parallel=True),
        )
    except ImportFailed as exc:
        warn(f"Error: {exc}")
        return ImportFailure(str(path), exc.reason)
    if not quiet:
        _say_import(result, None if options["tz"] else archive.settings.tz)
    return result


def _say_import(r: ImportResult, archive_zone: str | None = None) -> None:
    """What one import did, and what it assumed; `archive_zone`: the archive's, where no --tz was given (a format
    whose times carry no zone read in it is said so, as the transcript says it: second reader, round 15)."""
    from textfile.importers import by_name
    from textfile.lifecycle import coverage
    from textfile.weekly.log import import_notes

    skipped = sum(r.skipped.values())
    say(
        f"{r.path}: {r.format}, added {r.added:,}, already present {r.already_present:,}, updated {r.updated:,}, skipped {skipped:,}"
    )
    for reason, count in r.skipped.items():
        say(f"  skipped {count:,}: {reason}")
    if archive_zone is not None and r.zone == archive_zone and by_name(r.format).WALL_CLOCK:
        say(
            f"  assumed: times read as wall-clock times in {r.zone}, the archive's zone (the export writes none);"
            " pass --tz ZONE if the phone was set to another"
        )
    for line in import_notes(r.assumptions, r.warnings):
        say(f"  {line}")
    if line := coverage.import_line(r.missing_from_phone, r.seen_again):
        say(f"  {line}")
    for f in r.filed:
        say(f"  filed conversation {f.conversation} to {f.matter}")
    if r.flags:  # (the review scan the import ran: raised, or opened again; `--json` gives them as `flags`)
        n = sum(r.flags.values())
        by_rule = ", ".join(f"{rule}: {k:,}" for rule, k in r.flags.items())
        say(f"  review: {n:,} flag{'s' if n != 1 else ''} raised ({by_rule}) (textfile review)")


def _say_waiting(archive, results: list[ImportResult | ImportFailure], sources: int) -> None:
    """The conversations of these exports that wait to be filed (as the weekly run and status name them)."""
    touched = {c for r in results if not isinstance(r, ImportFailure) for c in r.conversations}
    waiting = [c for c in ignore.waiting(archive.conn, None) if c.id in touched] if touched else []
    if waiting:
        n = len(waiting)
        say(
            f"{n} conversation{'s' if n != 1 else ''} of {'these exports' if sources > 1 else 'this export'}"
            f" wait{'' if n != 1 else 's'} to be filed: {', '.join(str(c.id) for c in waiting[:12])}{' …' if n > 12 else ''}"
            " (textfile conversations --unfiled; textfile file N --matter REF, or textfile conversation ignore N)"
        )


# -- the weekly run --------------------------------------------------------------------------


@command
def archive_(
    inbox: Inbox,
    out_dir: OutFolder,
    mkdir: MakeFolder = False,
    wait: Wait = False,
    tz: RunZone = None,
    corrects_tz: CorrectsTz = False,
    corrects_reading: CorrectsReading = False,
    me: RunMe = None,
    date_order: RunDateOrder = None,
    bates_prefix: BatesPrefix = None,
    no_cache: NoCache = False,
    cache_size: CacheSize = None,
    json_: Json = False,
    quiet: Quiet = False,
):
    """The weekly run, for cron: import every new export under INBOX, render a transcript for each matter that gained messages, report.

    Exit 0 when everything went in, 1 when a file or a transcript failed (the rest still went in), 3 when an integrity check failed. With --quiet it prints only the files that failed and, once, an earlier run that did not finish.

    Example: textfile archive ~/Exports --out ~/Transcripts"""
    from textfile import weekly

    path = resolve_path(state.archive_path)
    options = dict(tz=tz, corrects_tz=corrects_tz, corrects_reading=corrects_reading, me=me, date_order=date_order)
    # (--tz is the zone of every WhatsApp export's wall clocks, by its help: the exports of an inbox whose times
    # are instants are read without it, and without a word each week, where `import --tz` says so)
    options["tz_for_wall_clocks"] = True
    # (and --me is your name in its WhatsApp chats or the number of its Android backups' phone, by its help: where an
    # export's importer does not read it, an iMessage database or a name for an Android backup, it goes unsaid too)
    options["me_where_read"] = True
    with open_archive() as archive, weekly.run_lock(path, wait=wait):
        _check_run(archive, path, inbox, out_dir, mkdir, tz, date_order)
        render = functools.partial(
            weekly.render_matter, bates_prefix=bates_prefix, cache=not no_cache, cache_size=cache_size
        )
        # (the run's start on its record before it imports: a run killed part-way is known to the next and to status)
        started: list[str] = []

        def mark_start(at: str) -> list[dict]:
            started.append(at)
            return weekly.record_start(path, archive.settings.archive_id, inbox, at)

        try:
            report = with_progress(
                quiet or json_,
                "Archiving",
                "files",
                lambda progress: weekly.archive_inbox(
                    archive,
                    inbox,
                    out_dir,
                    render=render,
                    **options,
                    parallel=True,
                    on_file=_on_file(progress),
                    mark_start=mark_start,
                ),
            )
        except TextfileError as exc:  # (begun, then stopped on what it met: said as that, never as killed)
            if started:
                weekly.record_stopped(path, archive.settings.archive_id, inbox, started[0], str(exc))
            raise
        weekly.append_log(path, weekly.log_lines(report))
        weekly.record_run(path, report.record(archive.settings.archive_id))
    emit(report, json_=json_, quiet=quiet, show=_say_report)
    if quiet and not json_:
        _say_not_finished(report)
    _say_failures(report)
    if report.exit_code:
        raise typer.Exit(report.exit_code)


def _check_run(
    archive, path: Path, inbox: Path, out_dir: Path, mkdir: bool, tz: str | None, date_order: str | None
) -> None:
    """What the run is given, checked before it begins: INBOX a folder, --tz a zone, --date-order an order,
    the --out folder. Refused, the run did not run: said in the log (cron's only trace) and on the run's
    record (status says so), never taken for a run that began and stopped part-way (a typo in a cron line
    would be said every week as a crash), nor left unsaid (status would say nothing needs you)."""
    from textfile import times, weekly
    from textfile.ingest import check_date_order
    from textfile.transcript import output_folder

    try:
        if not Path(inbox).is_dir():
            raise TextfileError(f"{inbox}: not a folder")
        if tz is not None:
            times.zone(tz)
        check_date_order(date_order)
        output_folder(out_dir, mkdir, "--out")
    except TextfileError as exc:
        weekly.record_not_run(path, archive.settings.archive_id, inbox, str(exc))
        raise


def _on_file(progress):
    """What the progress display says as the run takes each file ("Importing x.txt", "Rendering 2026-014")."""
    return progress and (lambda p, what: progress(advance=1, description=f"{what.capitalize()} {p.name}"))


def _say_report(report: RunReport) -> None:
    from textfile.weekly.log import log_lines

    for line in log_lines(report):
        say(line)


def _say_not_finished(report: RunReport) -> None:
    """Under --quiet (cron): an earlier run that did not finish (killed, the machine stopped) still said, a line
    each on stderr. Cron's output is often its only trace: the log beside the archive and `status` say more."""
    from textfile import times
    from textfile.weekly.log import not_finished_lines

    for run in report.not_finished:
        warn(f"{not_finished_lines(run, times.zone(report.zone))[0].strip()} (textfile status says more)")


def _say_failures(report: RunReport) -> None:
    for failure in report.failed:
        warn(f"Error: {failure.path}: {failure.reason}")
    for failure in report.render_failed:
        warn(f"Error: transcript of {failure.matter}: {failure.reason}")
    for problem in report.problems:
        warn(f"Error: {problem}")
