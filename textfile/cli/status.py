"""`textfile status`, and its screen: each thing that needs a person, with the command that deals with
it; the last line says, in one line, what needs them (what cron's mail says first) or that nothing does."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from textfile import ignore, times
from textfile.cli.options import Json, Quiet
from textfile.cli.output import command, emit, open_archive, say
from textfile.cli.tables import Col, add_row, show, table
from textfile.integrity.earlier import counted
from textfile.weekly.log import failed_file, why_not_finished

if TYPE_CHECKING:
    from textfile.status import Status


@command
def status(json_: Json = False, quiet: Quiet = False):
    """What needs a person this week, each with the command that deals with it. Changes nothing.

    What was imported since the last `archive` run (or since the start of a run that did not finish: killed, a reboot; else in the last 7 days) and what those imports assumed, conversations waiting to be filed (the new ones marked) and those set aside that hold a client's handle, the files and transcripts the last run failed on (a file refused with the command that takes it; and a run that did not finish), matters with messages in no transcript, transcripts missing or altered, transcripts showing a conversation filed since to none of their client's matters, notes left behind by a refiling (`note move`), review flags open, messages those imports found no longer on the phone and attachments of filed conversations not in the archive (`textfile coverage`), and how many conversations are safe to delete.

    Exit 0 when nothing needs a person, 4 when something does (for cron: `textfile status > FILE || mail … < FILE` mails the screen only when something needs you), 3 when an integrity check fails (a transcript altered, the audit log or the archive's records changed outside textfile).

    Example: textfile status > status.txt || mail -s "textfile" me < status.txt"""
    from textfile.status import status as read_status

    with open_archive() as archive:
        found = read_status(archive)
        tz = times.zone(archive.settings.tz)
    emit(found, json_=json_, quiet=quiet, show=lambda found: show_status(found, tz))
    if found.exit_code:
        raise typer.Exit(found.exit_code)


def show_status(s: Status, tz) -> None:
    _say_imports(s, tz)
    _say_assumptions(s)
    _say_unfiled(s, tz)
    _say_aside_with_clients(s, tz)
    _say_last_run(s, tz)
    if s.stale_matters:
        say(
            f"Matters with messages in no transcript: {', '.join(s.stale_matters)} (the next archive run renders them, or textfile transcript REF)"
        )
    _say_transcripts(s, tz)
    _say_held_elsewhere(s)
    if s.open_flags:
        # (a rule's name after its count: "deadlines: 1", not "1 deadlines", a lexicon category's name being plural)
        by_rule = ", ".join(f"{rule}: {n}" for rule, n in s.open_flags.items())
        say(
            f"Review flags open: {sum(s.open_flags.values())} ({by_rule}), {s.new_flags} new"
            " (textfile review; textfile review --unanswered)"
        )
    if s.notes_left_behind:
        say("Notes left behind: their messages are no longer filed to their matter (move each where they are):")
        for left in s.notes_left_behind:
            say(f"  {left.said}")
    if s.exchanges_without_note:
        n = s.exchanges_without_note
        say(f"Substantive exchanges with no note to file: {n} (textfile note list --missing)")
    if s.missing_from_phone:
        say(f"{counted(s.missing_from_phone, 'message')} no longer on the phone (textfile coverage)")
    if s.attachments_not_archived:
        n = s.attachments_not_archived
        say(
            f"{counted(n, 'attachment')} of filed conversations {'are' if n != 1 else 'is'} not in the archive:"
            f" deleting {'their threads' if n != 1 else 'its thread'} from the phone loses {'them' if n != 1 else 'it'}"
            " (textfile coverage)"
        )
    if s.past_retention:
        say(f"Closed matters past retention, on no hold: {', '.join(s.past_retention)} (textfile retention report)")
    for problem in s.problems:
        say(f"INTEGRITY {problem} (textfile verify)")
    _say_safe_to_delete(s)
    if not s.exit_code:
        say("Nothing needs you.")
    elif s.exit_code == 4:  # (what above needs you, in one line: what cron's mail says first)
        say(f"Needs you: {'; '.join(_needs(s))}.")


def _say_imports(s: Status, tz) -> None:
    since = (
        f"by the archive run of {times.display(s.since, tz)} and since"
        if s.since_run
        else "in the last 7 days (no archive run recorded)"
    )
    if not s.imports:
        return say(f"Nothing imported {since}.")
    say(f"Imported {since}: {len(s.imports)} file{'s' if len(s.imports) != 1 else ''}")
    rows = table(
        Col("#", whole=True),
        Col("File"),
        Col("Format", whole=True, drop=2),
        Col("Added", whole=True),
        Col("Updated", whole=True, drop=3),
        Col("Imported", whole=True, drop=1),
    )
    for i in s.imports:
        add_row(
            rows, i.import_, i.file_name, i.format, f"{i.added:,}", f"{i.updated:,}", times.display(i.started_at, tz)
        )
    show(rows)


def _say_assumptions(s: Status) -> None:
    noted = [i for i in s.imports if i.notes]
    if not noted:
        return
    say(
        "What they assumed and warned of (an assumption wrong? import the file again with --tz, --date-order, --me or --conversation):"
    )
    for i in noted:
        say(f"  import {i.import_}, {i.file_name}:")
        before = {f"assumed: {a}" for a in i.seen_before}
        for line in i.notes:  # (an assumption earlier imports made too: said, and not news)
            say(f"    {line.replace('assumed: ', 'assumed, as by earlier imports: ', 1) if line in before else line}")


def _say_unfiled(s: Status, tz) -> None:
    if not s.unfiled:
        return
    new = sum(1 for c in s.unfiled if c.new)
    say(
        f"Conversations waiting to be filed: {len(s.unfiled)}{f', {new} new' if new else ''}"
        " (textfile file N --matter REF, or textfile conversation ignore N)"
    )
    rows = table(
        Col("#", whole=True),
        Col("New", whole=True),
        Col("Platform", whole=True, drop=2),
        Col("Conversation"),
        Col("Unfiled", whole=True, drop=3),
        Col("Last", whole=True, drop=1),
    )
    for c in s.unfiled:
        last = times.display(c.last, tz, c.last_precision)
        add_row(rows, c.id, "new" if c.new else "", c.platform, c.label, f"{c.unfiled:,}", last)
    show(rows)


def _say_aside_with_clients(s: Status, tz) -> None:
    """The conversations set aside that hold a client's handle: one line each, with the way out."""
    if not s.aside_with_clients:
        return
    say(
        f"Set aside, yet holding a client's handle (neither filed nor reviewed while set aside): {len(s.aside_with_clients)}"
        " (textfile conversation unignore N; or, if it is not client-related, textfile conversation ignore N --force)"
    )
    for c in s.aside_with_clients:
        say(f"  {c.conversation} {', '.join(c.handles)} ({', '.join(c.clients)}): {ignore.said(c.ignored, tz)}")


def _say_last_run(s: Status, tz) -> None:
    """What the last archive run could not do: start, finish, import a file, render a transcript; what it left for the next."""
    # (what it imported is listed above as new; nothing is, where nothing was imported since it started)
    listed = "what it imported is listed as new above" if s.imports else "nothing was imported since it started"
    for r in s.not_finished:
        said = f"The archive run of {r.inbox} started at {times.display(r.started_at, tz)}"
        if r.running:
            say(
                f"{said} is still running: {'what it has imported so far is listed as new above' if s.imports else 'it has imported nothing yet'}"
            )
        elif r.followed_by:
            say(
                f"{said} did not finish ({why_not_finished(r.stopped)}); the run started at"
                f" {times.display(r.followed_by, tz)} has finished since: {listed}"
            )
        else:
            say(
                f"{said} did not finish ({why_not_finished(r.stopped)}), and no run has finished since:"
                f" {listed}; the next archive run takes up the rest"
            )
    if s.not_run:
        say(f"The archive run of {times.display(s.not_run.at, tz)} did not run: {s.not_run.reason}")
    if s.failed or s.render_failed:
        say(
            f"Failed in the last archive run ({times.display(s.last_run['started_at'], tz)}; the next run tries them again):"
        )
        for f in s.failed:
            say(f"  {failed_file(f.path, f.reason)}")
        for f in s.render_failed:
            say(f"  transcript of {f.matter}: {f.reason} (textfile transcript {f.matter})")
    if s.waiting:
        say(
            f"Left for the next archive run (modified within a minute of the last one: still being written?): {len(s.waiting)}"
            f" file{'s' if len(s.waiting) != 1 else ''}"
        )
        for path in s.waiting:
            say(f"  {path}")


def _say_transcripts(s: Status, tz) -> None:
    for t in s.transcripts:  # (integrity.transcript_states' records, and the matter)
        said = (
            f"Transcript {t['path']}"
            + (f" of {t['matter']}" if t["matter"] else "")
            + f" (made {times.display(t['created_at'], tz)}) is {t['state']}"
        )
        say(
            said
            + (
                f": if it was moved, textfile verify --moved NEW.pdf; if it was deleted on purpose, textfile verify --deleted {t['path']}"
                if t["state"] == "missing"
                else f": textfile verify {t['path']} says what differs"
            )
        )


def _say_held_elsewhere(s: Status) -> None:
    """The transcripts that show a conversation filed since to no matter of their client: where each is filed now."""
    from textfile.integrity.refiled import unfiled_lines

    if not s.held_elsewhere:
        return
    say(
        "Transcripts showing a conversation filed since to none of their client's matters (if its texts are another"
        " client's, take the transcript out of the client's file, then textfile verify --deleted PATH):"
    )
    for t in s.held_elsewhere:
        say(f"  {t['path']}" + (f" of {t['matter']}" if t["matter"] else f" of {t['client']}") + ":")
        for line in unfiled_lines(t["unfiled"], "it is in the wrong file"):
            say(f"  {line}")


def _say_safe_to_delete(s: Status) -> None:
    if s.safe_to_delete is None:
        say("Safe to delete from the phone: nothing can be said until textfile verify passes.")
    elif s.safe_to_delete or s.ignored_safe_to_delete:
        ignored = (
            f", and {len(s.ignored_safe_to_delete)} set aside as not client-related" if s.ignored_safe_to_delete else ""
        )
        say(
            f"Safe to delete from the phone: {len(s.safe_to_delete)} conversation{'s' if len(s.safe_to_delete) != 1 else ''}{ignored}"
            " (textfile deletable says up to when)"
        )


def _needs(s: Status) -> list[str]:
    """Each kind of thing that needs a person, counted."""

    def n(count: int, one: str, many: str) -> str:
        return f"{count} {one if count == 1 else many}"

    items = [
        n(len(s.unfiled), "conversation to file or set aside", "conversations to file or set aside")
        if s.unfiled
        else "",
        n(
            len(s.aside_with_clients),
            "conversation set aside yet holding a client's handle",
            "conversations set aside yet holding a client's handle",
        )
        if s.aside_with_clients
        else "",
        n(s.assumptions, "assumption no earlier import made", "assumptions no earlier import made")
        if s.assumptions
        else "",
        n(len(s.failed), "failed file", "failed files") if s.failed else "",
        n(len(s.render_failed), "failed transcript", "failed transcripts") if s.render_failed else "",
        "an archive run refused before it began" if s.not_run else "",
        n(len(s.stopped), "run that did not finish", "runs that did not finish") if s.stopped else "",
        n(len(s.stale_matters), "matter with messages in no transcript", "matters with messages in no transcript")
        if s.stale_matters
        else "",
        n(len(s.transcripts), "transcript missing", "transcripts missing") if s.transcripts else "",
        n(
            len(s.held_elsewhere),
            "transcript showing a conversation filed elsewhere since",
            "transcripts showing a conversation filed elsewhere since",
        )
        if s.held_elsewhere
        else "",
        n(len(s.notes_left_behind), "note left behind by a refiling", "notes left behind by a refiling")
        if s.notes_left_behind
        else "",
        n(sum(s.open_flags.values()), "review flag open", "review flags open") if s.open_flags else "",
        n(s.missing_from_phone, "message no longer on the phone", "messages no longer on the phone")
        if s.missing_from_phone
        else "",
    ]
    return list(filter(None, items))
