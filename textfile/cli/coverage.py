"""`textfile coverage`: what the archive may be missing, per conversation (lifecycle/coverage_report.py)."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Annotated

import typer

from textfile import times
from textfile.cli.options import Json, Quiet
from textfile.cli.output import command, emit, open_archive, say
from textfile.lifecycle.coverage_report import not_archived_said

if TYPE_CHECKING:
    from textfile.lifecycle.coverage_report import ConversationCoverage, CoverageReport, Export, Missing

MatterOption = Annotated[
    str | None, typer.Option("--matter", help="Only this matter's conversations (default: every filed conversation).")
]
WIDTH = 80


@command
def coverage(matter: MatterOption = None, json_: Json = False, quiet: Quiet = False):
    """What the archive may be missing, per filed conversation: messages no longer on the phone, holes in a regular thread, the WhatsApp export cap, a matter whose archive starts after it opened, attachments not in the archive. Changes nothing; exit 0 (`textfile status` is what asks for a person).

    No longer on the phone: a message an earlier export of the same phone (format, and whose phone: yours or a client's; an iPhone and a Mac apart) held, which a later export lacks although its time is inside the span that export covers for its conversation (its first to last message there; WhatsApp: from its first line): deleted on the phone, or left out of that export; "left out" when a later export holds it again. A message outside that span (a WhatsApp export that dropped the oldest, a backup of the last 30 days) is never counted.

    A hole: a gap over 10x the conversation's median gap and over 14 days, in a conversation of 20 messages or more. The WhatsApp cap: an export holding 95% or more of 40,000 messages of a chat (10,000 with media) no other export of which brought older messages of the chat: messages before its first line (the cap drops the first lines, whatever the times further down) may be missing. A late start: a matter's first archived message over 14 days after the matter opened. An attachment not in the archive: one whose bytes no import held (an export made without media, a part left out or corrupt): deleting its thread from the phone loses it; an import that holds it (WhatsApp: the chat exported again with media) fills it in.

    Example: textfile coverage --matter SMITH-2024"""
    from textfile.lifecycle.coverage_report import report

    with open_archive() as archive:
        found = report(archive.conn, matter)
        tz = times.zone(archive.settings.tz)
    emit(found, json_=json_, quiet=quiet, show=lambda found: show_coverage(found, tz))


def _line(text: str, indent: int = 0) -> None:
    say(textwrap.fill(text, WIDTH, initial_indent=" " * indent, subsequent_indent=" " * (indent + 2)))


def show_coverage(r: CoverageReport, tz) -> None:
    """The report in words: each message time at its source's precision (a WhatsApp time to the minute); an
    import's and a matter's times, the archive's own clock, to the second."""
    shown = [c for c in r.conversations if c.problems]
    for c in shown:
        _conversation(c, tz)
    for late in r.late_starts:
        _line(
            f"Matter {late.matter} opened {times.display(late.opened_at, tz)}; its first archived message is"
            f" {times.display(late.first, tz, late.first_precision)}, {late.days:g} days later: the messages before may never have been exported."
        )
    n = len(r.conversations)
    where = f"of {r.matter}" if r.matter else "filed"
    quiet = n - len(shown)
    _line(
        f"{n} conversation{'s' if n != 1 else ''} {where}: {len(shown)} with something to say, {quiet} with nothing"
        + (
            f"; {r.missing_from_phone:,} message{'s' if r.missing_from_phone != 1 else ''} no longer on the phone"
            if r.missing_from_phone
            else ""
        )
        + (
            f"; {r.attachments_not_archived:,} attachment{'s' if r.attachments_not_archived != 1 else ''} not in the archive"
            if r.attachments_not_archived
            else ""
        )
        + "."
    )


def _conversation(c: ConversationCoverage, tz) -> None:
    title = f": {c.title}" if c.title else ""
    matters = f", filed to {', '.join(c.matters)}" if c.matters else ""
    _line(f"Conversation {c.conversation}{title} ({c.platform}, {c.messages:,} messages{matters})")
    for g in c.missing:
        _line(f"{_group(g, tz)}: deleted on the phone, or left out of that export.", 2)
    for g in c.left_out:
        them = "them" if g.messages != 1 else "it"
        _line(f"{_group(g, tz)}; {_export(g.seen_again, tz)} holds {them} again: that export left {them} out.", 2)
    for h in c.holes:
        _line(
            f"A gap of {h.days:g} days, from {times.display(h.after, tz, h.after_precision)}"
            f" to {times.display(h.before, tz, h.before_precision)}, in a thread"
            f" whose median gap is {h.median_hours:g} hours: messages may be missing.",
            2,
        )
    for cap in c.caps:
        media = " with media" if cap.media else ""
        _line(
            f"{_export(cap.export, tz)} holds {cap.messages:,} messages of this chat: WhatsApp exports{media} stop at"
            f" about {cap.cap:,}, dropping the oldest: messages before {times.display(cap.first, tz, cap.first_precision)}"
            " may be missing.",
            2,
        )
    if c.attachments_not_archived:
        said = not_archived_said(c.attachments_not_archived, c.platform)
        _line(f"{said[0].upper()}{said[1:]}.", 2)


def _group(g: Missing, tz) -> str:
    first = times.display(g.first, tz, g.first_precision)
    span = first if g.first == g.last else f"{first} to {times.display(g.last, tz, g.last_precision)}"
    return (
        f"{g.messages:,} message{'s' if g.messages != 1 else ''} ({span}) not in {_export(g.lacking, tz)},"
        f" last seen in {_export(g.last_seen, tz)}"
    )


def _export(e: Export, tz) -> str:
    return f"{e.file_name} (import {e.import_}, {times.display(e.imported_at, tz)})"
