"""Commands on notes to file: `note add|list|show|edit|withdraw` (textfile/notes/)."""

from __future__ import annotations

from typing import Annotated

import typer

from textfile import notes, times
from textfile.cli.options import From, Json, Quiet, Reference, Until
from textfile.cli.output import command, emit, open_archive, say, warn
from textfile.cli.tables import Col, add_row, show, table
from textfile.errors import InvalidInput
from textfile.notes.exchanges import GAP_HOURS, LONG

CHANGED = "changed since this note: the archive now holds a later version"
PREVIEW = 60  # characters of a note's text `note list` shows

NoteText = Annotated[str, typer.Argument(help="What the note says.", metavar="TEXT")]
NewText = Annotated[str | None, typer.Argument(help="Its new text (default: the text stays).", metavar="[TEXT]")]
NoteNumber = Annotated[int, typer.Argument(help="The note's number (see `textfile note list`).", metavar="NOTE")]
About = Annotated[
    list[str] | None,
    typer.Option(
        "--about",
        metavar="MESSAGE",
        help="A message the note concerns: its number as `conversation show` numbers it now (#2.15; a later import"
        " can move numbers, so one from an older transcript may name another message: you are warned), or the start"
        " of its id, which never moves (prefer it where you have it); repeatable.",
    ),
]
InConversation = Annotated[
    int | None,
    typer.Option(
        "--conversation", metavar="N", help="With --from/--until: every message of conversation N in the window."
    ),
]
Privileged = Annotated[
    bool,
    typer.Option("--privileged", help="A privileged note: left out of transcripts (listed in their privilege log)."),
]
PrivilegedOrNot = Annotated[
    bool | None,
    typer.Option("--privileged/--not-privileged", help="Make the note privileged, or not.", show_default=False),
]
Basis = Annotated[
    str | None,
    typer.Option("--basis", help='The ground of the privilege (default: "Attorney work product").', show_default=False),
]
Author = Annotated[
    str | None, typer.Option("--author", help="Who the note is by (default: you, the system user).", show_default=False)
]
Why = Annotated[str | None, typer.Option("--reason", help="Why it changed (kept with the version).")]
OfMatter = Annotated[
    str | None, typer.Argument(help="The matter's reference (default: every matter).", metavar="[MATTER]")
]
WithdrawWhy = Annotated[str, typer.Option("--reason", help="Why it is withdrawn (its sha256 is kept and audited).")]
ToMatter = Annotated[str, typer.Option("--matter", help="The matter to move it to (of the same client).")]
MoveWhy = Annotated[str, typer.Option("--reason", help="Why it is moved (its sha256 is kept and audited).")]
Withdrawn = Annotated[bool, typer.Option("--withdrawn", help="Also the notes withdrawn (`note withdraw`).")]
Missing = Annotated[
    bool,
    typer.Option(
        "--missing",
        help="The substantive exchanges that have no note yet, each with the command that adds it, instead of the notes.",
    ),
]


@command
def note_add(
    matter: Reference,
    text: NoteText,
    about: About = None,
    conversation: InConversation = None,
    from_: From = None,
    until: Until = None,
    privileged: Privileged = False,
    basis: Basis = None,
    author: Author = None,
    json_: Json = False,
    quiet: Quiet = False,
):
    """Add a note to file to a matter, bound to the messages it concerns (their ids and content hashes are recorded, so a later edit of one shows against the note): --about #2.15 #2.16, or every message of --conversation N from --from until --until, or neither for the matter as a whole. Each message must be filed to the matter. Audited (with the text's sha256, never the text).

    Example: textfile note add 2026-014 "Advised Sam to keep the lease; call Monday." --about '#2.15' --privileged"""
    with open_archive() as archive, archive.transaction() as conn:
        tz = times.zone(archive.settings.tz)
        window = notes.About(
            tuple(about or ()),
            conversation,
            times.parse_user_instant(from_, tz) if from_ else None,
            times.parse_user_instant(until, tz, end_of_day=True) if until else None,
        )
        added = notes.add(conn, matter, text, window, privileged, basis, author)
    for warning in added.warnings:
        warn(f"Warning: {warning}")
    emit(added, json_=json_, quiet=quiet, show=lambda n: say(f"Added {_said(n)}."))


@command
def note_edit(
    note: NoteNumber,
    text: NewText = None,
    privileged: PrivilegedOrNot = None,
    basis: Basis = None,
    reason: Why = None,
    json_: Json = False,
    quiet: Quiet = False,
):
    """Edit a note: its text, whether it is privileged, its basis. Every version is kept (`note show` lists them all); audited.

    Example: textfile note edit 3 "Advised Sam to keep the lease; call Tuesday." --reason "the call moved\""""
    with open_archive() as archive, archive.transaction() as conn:
        edited = notes.edit(conn, note, text, privileged, basis, reason)
    emit(
        edited,
        json_=json_,
        quiet=quiet,
        show=lambda n: say(f"Note {n.id} is now version {n.current.version}: {_said(n)}."),
    )


@command
def note_withdraw(note: NoteNumber, reason: WithdrawWhy, json_: Json = False, quiet: Quiet = False):
    """Withdraw a note added by mistake (to the wrong matter, say): it stays on the record with every version (`note show`, `note list --withdrawn`), and is no longer listed, shown in transcripts, logged as privileged or counted as an exchange's note. Audited. To put it where it belongs, add it again: `note add` to the right matter (a note whose messages were refiled to another matter of the client is moved instead, keeping its history: `note move`).

    Example: textfile note withdraw 3 --reason "added to the wrong matter: belongs to 2026-015\""""
    with open_archive() as archive, archive.transaction() as conn:
        done = notes.withdraw(conn, note, reason)
    emit(done, json_=json_, quiet=quiet, show=lambda n: say(f"Note {n.id} of {n.matter} withdrawn."))


@command
def note_move(note: NoteNumber, matter: ToMatter, reason: MoveWhy, json_: Json = False, quiet: Quiet = False):
    """Move a note to another matter of its client, where the messages it concerns are filed now (a conversation filed to the wrong matter first, then where it belongs: `unfile` and `file` name the notes it leaves behind). It keeps its number, every version, its date and its privilege; each message must be filed to that matter at its time, as for `note add`. Audited (with the reason's sha256).

    Example: textfile note move 3 --matter 2026-015 --reason "the conversation belongs to 2026-015\""""
    with open_archive() as archive, archive.transaction() as conn:
        moved = notes.move(conn, note, matter, reason)
    for warning in moved.warnings:
        warn(f"Warning: {warning}")
    emit(moved, json_=json_, quiet=quiet, show=lambda n: say(f"Moved {_said(n)}."))


@command
def note_list(
    matter: OfMatter = None,
    missing: Missing = False,
    withdrawn: Withdrawn = False,
    json_: Json = False,
    quiet: Quiet = False,
):
    """List the notes to file (of a matter, or all), each with the messages it concerns, those that changed since it was written, and how its text begins.

    With --missing: the substantive exchanges that have no note yet. An exchange is a run of texts of one conversation filed to a matter, each within 4 hours of the one before; it is substantive when it has texts both ways and holds 10 texts or more, a text a lexicon of the review flagged, or a text flagged after hours (a flag open or reviewed); it has a note when a note of its matter concerns one of its texts (a withdrawn note does not count).

    Example: textfile note list 2026-014 --missing"""
    if missing and withdrawn:
        raise InvalidInput("--missing lists exchanges, --withdrawn notes: give one")
    with open_archive() as archive:
        tz = times.zone(archive.settings.tz)
        found = notes.missing(archive.conn, tz, matter) if missing else notes.listed(archive.conn, matter, withdrawn)
    emit(found, json_=json_, quiet=quiet, show=lambda f: _exchanges(f) if missing else _notes(f, tz))


@command
def note_show(note: NoteNumber, json_: Json = False, quiet: Quiet = False):
    """Show a note: every version of it, and each message it concerns, marked where the archive now holds a later version of it.

    Example: textfile note show 3"""
    with open_archive() as archive:
        tz = times.zone(archive.settings.tz)
        found = notes.one(archive.conn, note)
    emit(found, json_=json_, quiet=quiet, show=lambda n: _show(n, tz))


def _said(n: notes.Note) -> str:
    privilege = f", privileged ({n.current.basis})" if n.privileged else ""
    return f"note {n.id} of {n.matter} by {n.author}{privilege}, {_concerns(n)}"


def _concerns(n: notes.Note) -> str:
    if not n.messages:
        return "about the matter as a whole"
    from textfile.transcript.content import message_numbers

    return f"about {message_numbers([m.number for m in n.messages])}"


def _notes(found: list[notes.Note], tz) -> None:
    if not found:
        return say("No notes.")
    states = {n.id: "withdrawn" if n.withdrawn_at else "left behind" if n.stranded else "" for n in found}
    stated = any(states.values())  # (a column of its own, only when a note has one: at 80 columns it wraps)
    rows = table(
        Col("Note", whole=True),
        *([Col("State", min_width=6)] if stated else []),
        Col("Matter", whole=True, drop=3),
        Col("Written", whole=True, drop=1),
        Col("Author", drop=2),  # (a solo practice's notes are all its own: the matter says more)
        Col("Privileged", whole=True),
        Col("Messages", min_width=8),
        Col("Changed", min_width=6),
        Col("Begins", min_width=16),
    )
    for n in found:
        changed = ", ".join(f"#{m.number}" for m in n.changed)
        add_row(
            rows,
            n.id,
            *([states[n.id]] if stated else []),
            n.matter,
            times.display(n.created_at, tz),
            n.author,
            "yes" if n.privileged else "",
            _concerns(n).removeprefix("about ").replace("the matter as a whole", "whole matter"),
            changed,
            _begins(n.current.text),
        )
    show(rows)
    if any(n.changed for n in found):
        say(f"Changed: messages {CHANGED} (textfile note show NOTE).")
    for n in found:  # (left behind: its messages filed to its matter no longer, notes/stranded.py)
        if n.stranded:
            say(f"Left behind: {n.stranded.said}")


def _begins(text: str, most: int = PREVIEW) -> str:
    """How a note's text begins, for the list: its first line, its first words up to `most` characters
    (`note show` prints it whole)."""
    first = text.splitlines()[0]
    if len(first) > most:
        return first[:most].rsplit(" ", 1)[0] + " …"
    return first + (" …" if "\n" in text else "")


def _show(n: notes.Note, tz) -> None:
    say(
        f"Note {n.id} of {n.matter}, by {n.author}, written {times.display(n.created_at, tz)} (entered by {n.created_by})"
    )
    if n.withdrawn_at:
        say(
            f"Withdrawn {times.display(n.withdrawn_at, tz)} by {n.withdrawn_by} (reason's sha256"
            f" {n.withdrawn_why_sha256[:16]}…): not listed, shown in transcripts or logged as privileged."
        )
    for m in n.moves:  # (a note whose messages were refiled: `note move`)
        say(
            f"Moved from {m['from']} to {m['to']} {times.display(m['at'], tz)} by {m['by']} (reason's sha256"
            f" {m['why_sha256'][:16]}…)"
        )
    say(f"Privileged: {n.current.basis}" if n.privileged else "Not privileged")
    if n.conversation is not None:
        say(
            f"About conversation {n.conversation} from {times.display(n.from_, tz) or 'its start'}"
            f" until {times.display(n.until, tz) or 'its end'}"
        )
    if not n.messages:
        say("About the matter as a whole.")
    for m in n.messages:
        mark = f"  {CHANGED}" if m.changed else ""
        say(f"  #{m.number}  {times.display(m.sent_at, tz, m.time_precision)}  {m.direction}{mark}")
        for gone in m.missing_from_phone:  # (lifecycle/coverage.py)
            day = times.from_iso(gone["imported_at"]).astimezone(tz).strftime("%Y-%m-%d")
            say(f"    no longer on the phone: not in the export imported on {day} ({gone['file_name']})")
    for v in reversed(n.versions):
        current = " (current)" if v is n.current else ""
        why = f", because: {v.reason}" if v.reason else ""
        privilege = f", privileged ({v.basis})" if v.privileged else ""
        say(f"Version {v.version}{current}, {times.display(v.written_at, tz)} by {v.written_by}{privilege}{why}:")
        for line in v.text.splitlines():
            say(f"  {line}")


def _exchanges(found: list[notes.Exchange]) -> None:
    if not found:
        return say("Every substantive exchange has a note.")
    say(
        f"Substantive exchanges with no note: {len(found)} (texts both ways, each within {GAP_HOURS} h of the one"
        f" before; {LONG}+ texts, flagged, or after hours)"
    )
    for e in found:
        say(
            f"  {e.matter}, conversation {e.conversation}, #{e.first}–#{e.last}, {e.from_} until {e.until}:"
            f" {', '.join(dict.fromkeys([f'{e.texts} texts', *e.why]))}"  # (the count is said once)
        )
        say(f"    {e.command}")
