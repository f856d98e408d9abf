"""Commands that read the archive and say what is in it: `search`, `log`, `deletable` (and `status`: status.py)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from textfile import audit, ignore, times
from textfile.cli import output
from textfile.cli.options import Json, Quiet
from textfile.cli.output import command, emit, open_archive, say
from textfile.cli.tables import Col, add_row, conversation_columns, show, table

if TYPE_CHECKING:
    from textfile.audit.entries import Entry
    from textfile.search import Hit
    from textfile.weekly.verdicts import Verdict

Words = Annotated[
    str,
    typer.Argument(
        help="Words to find (a trailing * matches a prefix; words in double quotes, '\"the contract\"', a phrase)."
    ),
]
OfClient = Annotated[str | None, typer.Option(help="Only this client's conversations.")]
InMatter = Annotated[str | None, typer.Option(help="Only what is filed to this matter.")]
SearchFrom = Annotated[str | None, typer.Option("--from", help="From this date or time on.")]
SearchUntil = Annotated[str | None, typer.Option(help="Up to this date (inclusive) or time.")]
Limit = Annotated[int, typer.Option(min=1, help="At most this many messages.")]
LastEntries = Annotated[int | None, typer.Option(min=1, help="Only the last N entries (of those --command selects).")]
OfCommand = Annotated[
    str | None,
    typer.Option("--command", help="Only entries whose command holds this text: ignore, client, file, import…."),
]


# -- search ----------------------------------------------------------------------------------


@command
def search(
    text: Words,
    client: OfClient = None,
    matter: InMatter = None,
    from_: SearchFrom = None,
    until: SearchUntil = None,
    limit: Limit = 100,
    json_: Json = False,
    quiet: Quiet = False,
):
    """Search message text across the archive, earlier versions included (text since edited or deleted).

    Example: textfile search "settle*" --matter 2026-014"""
    from textfile.search import search as run_search

    with open_archive() as archive:
        tz = times.zone(archive.settings.tz)
        found = run_search(
            archive.conn,
            text,
            client=client,
            matter=matter,
            from_at=times.parse_user_instant(from_, tz) if from_ else None,
            until_at=times.parse_user_instant(until, tz, end_of_day=True) if until else None,
            limit=limit,
            owner_name=archive.settings.owner_name,
        )
    emit(found, json_=json_, quiet=quiet, show=lambda found: _show_hits(found, tz))


def _show_hits(found: list[Hit], tz) -> None:
    # The message keeps 30 columns, as `deletable`'s verdict does (at 80 the sender gives way: --json has it),
    # and has the room the names cannot all be whole in. Its number ("#2.15"), whole, as `review` lists it: what
    # `note add --about` and `redact` take.
    rows = table(
        Col("When", whole=True),
        Col("#", whole=True),
        Col("Conversation", drop=2),
        Col("From", drop=1),
        Col("Message", min_width=30, first=True),
    )
    for hit in found:
        add_row(
            rows,
            times.display(hit.sent_at, tz, hit.time_precision),
            f"#{hit.number}",
            hit.conversation_name or str(hit.conversation),  # (its number begins the message's)
            _sender(hit),
            _hit_text(hit),
        )
    show(rows)
    say(f"{len(found)} message{'s' if len(found) != 1 else ''}")


def _sender(hit: Hit) -> str:
    """As a transcript names the sender: name and number, or what it says when the export names nobody."""
    if hit.handle:
        return f"{hit.sender} {hit.handle}" if hit.sender != hit.handle else hit.handle
    return "sender not named in the export" if hit.direction == "in" else "(no sender)"


def _hit_text(hit: Hit) -> Text:
    """The hit's current text; where the hit is (also) in an earlier text, that one beside it."""
    from textfile.transcript.content import VERSION_ORIGINS  # (the transcript's words for where a version came from)

    text = _found(hit.snippet_parts, hit.body)
    if not hit.versions:
        return text
    return Text("\n").join(
        [Text("now: ") + text]
        + [
            Text(
                f"earlier version {v.version}, from the {VERSION_ORIGINS.get(v.origin, v.origin)}, kept by import {v.import_}: "
            )
            + _found(v.snippet_parts, v.body)
            for v in hit.versions
        ]
    )


def _found(pieces: list | None, body: str) -> Text:
    """A hit's text as the transcript prints it (`render.plain`), each match highlighted on a terminal,
    in [brackets] when piped (where a style would be lost); the whole text where nothing matched in it."""
    from textfile.search import bracketed
    from textfile.transcript.render import plain

    if pieces is None:
        return Text(plain(body))
    if not output.out.is_terminal:
        return Text(plain(bracketed(pieces)))
    found = Text()
    for piece, matched in pieces:
        found.append(plain(piece), style="bold reverse" if matched else None)
    return found


# -- log -------------------------------------------------------------------------------------


@command
def log(limit: LastEntries = None, command_: OfCommand = None, json_: Json = False, quiet: Quiet = False):
    """Show the audit log: every change to the archive, hash-chained (the table says the records' digests by table; --json has them whole).

    Example: textfile log --limit 20 --command file"""
    with open_archive() as archive:
        entries = audit.entries(archive.conn, limit, command=command_)
        tz = times.zone(archive.settings.tz)
    emit(entries, json_=json_, quiet=quiet, show=lambda entries: _log_table(entries, tz))


def _log_table(entries: list[Entry], tz) -> None:
    rows = table(
        Col("#", whole=True),
        Col("When", whole=True, drop=2),
        Col("Command"),
        # The details have the room a command's name cannot be whole in ("conversation unignore" wraps at its words).
        Col("Details", min_width=20, first=True),
        Col("Hash", whole=True, drop=1),
    )
    for e in entries:
        details = ", ".join(
            f"{k}={_digests_said(v) if k in ('digests', 'custody') else json.dumps(v, ensure_ascii=False)}"
            if k != "records"
            else f"records of {', '.join(v) if isinstance(v, dict) else '?'}"
            for k, v in e.details.items()
        )
        add_row(rows, str(e.id), times.display(e.at, tz), e.command, details, e.hash[:12])
    show(rows)


def _digests_said(digests: dict) -> str:
    """An entry's digests in a table: per import (its messages and versions, or its sightings: custody) or table of
    records, its counts and the digest's first 12 digits (--json has them whole)."""
    return (
        "{"
        + ", ".join(
            f"import {i}: {d['messages']:,} messages, {d['versions']:,} versions, {d['digest'][:12]}…"
            if "messages" in d
            else f"import {i}: {d['sightings']:,} sightings, {d['digest'][:12]}…"
            if "sightings" in d
            else f"{i}: {d['rows']:,} rows, {d['digest'][:12]}…"
            for i, d in digests.items()
        )
        + "}"
    )


# -- deletable ---------------------------------------------------------------------------


@command
def deletable(json_: Json = False, quiet: Quiet = False):
    """Per conversation: how far it is safe to delete it from the phone (every message up to then is in a verified transcript);
    conversations set aside as not client-related (`conversation ignore`) come last.

    A thread whose messages up to then have an attachment the archive does not hold (a WhatsApp export made without media, an MMS part corrupt) is not said safe: its texts are, and the verdict says how many attachments deleting the thread loses, the first by its number, and how to fill them in (import an export that holds them), or to delete anyway where they are kept elsewhere or not needed.

    Example: textfile deletable"""
    from textfile.weekly.verdicts import deletable as judge

    with open_archive() as archive:
        verdicts = judge(archive)
        tz = times.zone(archive.settings.tz)
    emit(verdicts, json_=json_, quiet=quiet, show=lambda verdicts: _show_verdicts(verdicts, tz))


def _show_verdicts(verdicts: list[Verdict], tz) -> None:
    """The verdicts that matter in a table; the conversations set aside after it, one line each."""
    if not verdicts:
        return say("No conversation is archived yet.")
    aside = [v for v in verdicts if v.aside]
    if len(aside) < len(verdicts):
        rows = table(
            *conversation_columns(platform_drop=1, messages_drop=2),
            Col("Last archived", whole=True, drop=3),
            Col("Verdict", min_width=30),
        )
        for v in verdicts:  # (named as `conversations` names it)
            if not v.aside:
                last = times.display(v.last_archived, tz, v.last_archived_precision)
                add_row(rows, v.conversation, v.platform, _people(v), v.messages, last, v.verdict)
        show(rows)
    if aside:  # one line each, after the verdicts that matter
        say(f"Not client-related (textfile conversation ignore), {len(aside)}: delete when you like")
        for v in aside:
            say(f"  {v.conversation} {_people(v)} ({v.platform}, {v.messages}): {ignore.said(v.ignored, tz)}")


def _people(v: Verdict) -> str:
    """A deletable verdict's conversation, named as `conversations` names it."""
    from textfile.transcript.content import own_title

    return own_title(v.title, v.participants) or ", ".join(v.participants)
