"""Commands on conversations and handles: `conversations`, `conversation show|ignore|unignore`,
`file`, `unfile`, `handle ignore|unignore|list`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from textfile import filing, ignore, review, times
from textfile.cli import output
from textfile.cli.options import ConversationNumber, From, Json, Quiet, Reason, Until, numbers
from textfile.cli.output import command, emit, open_archive, say, warn
from textfile.cli.review import say_scanned
from textfile.cli.tables import Col, add_row, conversation_columns, conversations_table, show, table
from textfile.errors import InvalidInput, TextfileError

if TYPE_CHECKING:
    from textfile.thread import Shown

Unfiled = Annotated[
    bool, typer.Option("--unfiled", help="Only conversations with messages no matter covers (not those set aside).")
]
Ignored = Annotated[
    bool, typer.Option("--ignored", help="Only conversations set aside as not client-related: when, by whom, why.")
]
Force = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Ignore it even though it is filed or holds a client's handle (or keep one set aside that has come to hold one).",
    ),
]
HandleArg = Annotated[
    str, typer.Argument(help="A phone number, short code, email or sender name, as a conversation shows it.")
]
Numbers = Annotated[
    list[str],
    typer.Argument(
        help="The conversations' numbers (see `textfile conversations`): 12 14 20-25.", metavar="N…", show_default=False
    ),
]
ToMatter = Annotated[str, typer.Option(help="The matter to file it under.")]
FileFrom = Annotated[
    str | None,
    typer.Option("--from", help="Only messages from this date or time on (archive's zone unless an offset is given)."),
]
Also = Annotated[
    bool, typer.Option("--also", help="File it under this matter although another client's matter holds it too.")
]
FromMatter = Annotated[str | None, typer.Option(help="Only its filings under this matter. Default: all of them.")]


# -- listing and reading ---------------------------------------------------------------------


@command
def conversations(unfiled: Unfiled = False, ignored: Ignored = False, json_: Json = False, quiet: Quiet = False):
    """List archived conversations: participants, message count, first/last message, matter.

    Example: textfile conversations --unfiled"""
    if unfiled and ignored:
        raise InvalidInput("--unfiled and --ignored list different conversations: give one")
    with open_archive() as archive:
        found = ignore.conversations(archive.conn, unfiled_only=unfiled)
        tz = times.zone(archive.settings.tz)
    if ignored:
        found = [c for c in found if c.ignored]
    emit(found, json_=json_, quiet=quiet, show=lambda found: _show_conversations(found, tz, unfiled, ignored))


def _show_conversations(found: list[ignore.ListedConversation], tz, unfiled: bool, ignored: bool) -> None:
    if not found:
        say(
            "No conversation waits to be filed."
            if unfiled
            else "No conversation is set aside."
            if ignored
            else "No conversation is archived yet."
        )
    else:
        (_ignored_table if ignored else conversations_table)(found, tz)


def _ignored_table(conversations: list[ignore.ListedConversation], tz) -> None:
    """The conversations set aside: when, by whom, why (`conversation ignore`, or a handle's on arrival)."""
    rows = table(
        *conversation_columns(platform_drop=1, messages_drop=2),
        Col("Ignored", whole=True),
        Col("By", whole=True, drop=3),
        Col("Reason", min_width=16),
    )
    for c in conversations:
        mark = c.ignored
        add_row(
            rows,
            str(c.id),
            c.platform,
            filing.label(c),
            str(c.messages),
            ignore.day(mark, tz),
            mark.by or "",
            mark.reason or "",
        )
    show(rows)


@command
def conversation_show(
    conversation: ConversationNumber, from_: From = None, until: Until = None, json_: Json = False, quiet: Quiet = False
):
    """Read a conversation as its transcript would show it (senders, times, marks, attachments, reactions, earlier versions),
    with where it is filed; through a pager when longer than the terminal.

    Example: textfile conversation show 6 --from 2024-03-01"""
    from textfile.thread import thread

    with open_archive() as archive:
        tz = times.zone(archive.settings.tz)
        shown = thread(
            archive.conn,
            conversation,
            tz,
            archive.settings.owner_name,
            times.parse_user_instant(from_, tz) if from_ else None,
            times.parse_user_instant(until, tz, end_of_day=True) if until else None,
        )
    emit(shown, json_=json_, quiet=quiet, show=lambda shown: _show_thread(shown, tz))


def _show_thread(shown: Shown, tz) -> None:
    from textfile.thread import lines

    out = output.out
    text = Text("\n".join(lines(shown, tz)))  # (message text is data: a Text, never read as markup)
    if out.is_terminal and len(text.wrap(out, out.width)) > out.height:
        with out.pager():
            out.print(text, soft_wrap=False)
    else:
        out.print(text)


# -- setting aside ---------------------------------------------------------------------------


@command
def conversation_ignore(
    conversations: Numbers, reason: Reason = None, force: Force = False, json_: Json = False, quiet: Quiet = False
):
    """Set conversations aside as not client-related: never filed automatically nor reviewed; deletable lists them last. All or none; the archive is reviewed again at once.

    Example: textfile conversation ignore 2 14-16 --reason "my dentist\""""
    with open_archive() as archive, archive.transaction() as conn:
        highest = conn.execute("SELECT coalesce(max(id), 0) FROM conversations").fetchone()[0]
        changed = review.change_and_scan(
            conn,
            times.zone(archive.settings.tz),
            lambda conn: _ignore_all(conn, _numbers(conversations, highest), reason, force),
        )
    emit(changed.change, json_=json_, quiet=quiet, show=lambda done: _show_ignored(done, changed.scan))


def _ignore_all(conn, numbers: list[int], reason: str | None, force: bool) -> list[ignore.IgnoredConversation]:
    """Ignore each conversation, or none: every refusal named at once."""
    done, refused = [], []
    for n in numbers:
        try:
            done.append(ignore.ignore_conversation(conn, n, reason, force))
        except TextfileError as exc:
            refused.append(str(exc))
    if refused:
        raise InvalidInput(
            refused[0]
            if len(refused) == 1
            else f"{len(refused)} conversations refused, none ignored: {'; '.join(refused)}"
        )
    return done


def _show_ignored(done: list[ignore.IgnoredConversation], scanned) -> None:
    for d in done:
        say(f"Ignored conversation {d.conversation}" + _because(d.reason) + ".")
    say_scanned(scanned)


def _because(reason: str | None) -> str:
    return f": {reason}" if reason else ""


def _numbers(given: list[str], highest: int) -> list[int]:
    """Conversation numbers as given (within the archive's numbers: `highest` is the last)."""
    return numbers(given, "conversation", highest=highest, see="textfile conversations")


@command
def conversation_unignore(
    conversation: ConversationNumber, reason: Reason = None, json_: Json = False, quiet: Quiet = False
):
    """Take back an ignored conversation: filed and judged like any other again (the archive is reviewed again at once).

    Example: textfile conversation unignore 2"""
    with open_archive() as archive, archive.transaction() as conn:
        changed = review.change_and_scan(
            conn, times.zone(archive.settings.tz), lambda conn: ignore.unignore_conversation(conn, conversation, reason)
        )
    emit(changed.change, json_=json_, quiet=quiet, show=lambda d: _show_unignored(d, changed.scan))


def _show_unignored(d, scanned) -> None:
    say(f"Conversation {d.conversation} is no longer ignored{_because(d.reason)}.")
    for f in d.filed:
        say(f"  filed conversation {f.conversation} to {f.matter}")
    say_scanned(scanned)


@command
def handle_ignore(handle: HandleArg, reason: Reason = None, json_: Json = False, quiet: Quiet = False):
    """Ignore a handle: each conversation with it alone (besides you), archived or imported later, is ignored (one filed stays filed).

    Example: textfile handle ignore 72975 --reason "bank 2FA codes\""""
    with open_archive() as archive, archive.transaction() as conn:
        done = ignore.ignore_handle(conn, handle, reason, archive.settings.region)
    emit(done, json_=json_, quiet=quiet, show=_show_handle_ignored)


def _show_handle_ignored(done: ignore.HandleIgnored) -> None:
    say(f"Ignored handle {done.handle}{_because(done.reason)}.")
    for c in done.conversations:  # (the archived conversations it set aside at once)
        say(f"  ignored conversation {c.conversation} ({', '.join(c.handles)})")
    for c in done.kept_filed:
        say(f"  conversation {c} is filed: it stays so (textfile conversation ignore {c} --force sets it aside)")


@command
def handle_unignore(handle: HandleArg, reason: Reason = None, json_: Json = False, quiet: Quiet = False):
    """Stop ignoring a handle (conversations already ignored stay so: `conversation unignore N`).

    Example: textfile handle unignore 72975"""
    with open_archive() as archive, archive.transaction() as conn:
        done = ignore.unignore_handle(conn, handle, reason, archive.settings.region)
    emit(
        done,
        json_=json_,
        quiet=quiet,
        show=lambda d: say(f"Handle {d.handle} is no longer ignored{_because(d.reason)}."),
    )


@command
def handle_list(json_: Json = False, quiet: Quiet = False):
    """List ignored handles: when, why and by whom.

    Example: textfile handle list"""
    with open_archive() as archive:
        handles = ignore.list_handles(archive.conn)
        tz = times.zone(archive.settings.tz)
    emit(handles, json_=json_, quiet=quiet, show=lambda handles: _show_handles(handles, tz))


def _show_handles(handles: list[ignore.IgnoredHandle], tz) -> None:
    for h in handles:
        say(f"{h.handle}: {ignore.said(h, tz)} (by {h.by})")


# -- filing ----------------------------------------------------------------------------------


@command
def file_(
    conversation: ConversationNumber,
    matter: ToMatter,
    from_: FileFrom = None,
    until: Until = None,
    also: Also = False,
    json_: Json = False,
    quiet: Quiet = False,
):
    """File a conversation, or the part of it between --from and --until, under a matter (the archive is reviewed again at once: whose texts these are decides consent). One set aside as not client-related is taken back.

    Example: textfile file 6 --matter 2026-014 --from 2024-03-01"""
    with open_archive() as archive:
        tz = times.zone(archive.settings.tz)
        start = times.parse_user_instant(from_, tz) if from_ else None
        end = times.parse_user_instant(until, tz, end_of_day=True) if until else None
        with archive.transaction() as conn:  # (reviewed again at once: whose messages these are decides consent)
            changed = review.change_and_scan(
                conn, tz, lambda conn: filing.file_conversation(conn, conversation, matter, start, end, also=also)
            )
    done = changed.change
    for warning in done.warnings:
        warn(f"Warning: {warning}")
    emit(done, json_=json_, quiet=quiet, show=lambda done: _show_filed(done, tz, changed.scan))


def _show_filed(done: filing.ManualFiling, tz, scanned) -> None:
    window = ""
    if done.from_ or done.until:
        window = f" from {times.display(done.from_, tz) or 'the start'} until {times.display(done.until, tz) or 'now'}"
    say(
        f"Filed conversation {done.conversation}{window} to {done.matter} ({done.messages:,} message{'' if done.messages == 1 else 's'})."
    )
    if done.unignored:  # (filing says it is a client's thread)
        said = ignore.said(done.unignored, tz)
        say(f"It is no longer set aside as not client-related ({said}): filing it says it is a client's.")
    say_scanned(scanned)


@command
def unfile(
    conversation: ConversationNumber,
    matter: FromMatter = None,
    reason: Reason = None,
    json_: Json = False,
    quiet: Quiet = False,
):
    """Take a conversation out of its matter(s): the removed filings are kept whole in the audit log; transcripts made stay as they are; the archive is reviewed again at once.

    Example: textfile unfile 6 --matter 2026-014 --reason "not the client's\""""
    with open_archive() as archive, archive.transaction() as conn:
        changed = review.change_and_scan(
            conn, times.zone(archive.settings.tz), lambda conn: filing.unfile(conn, conversation, matter, reason)
        )
    for warning in changed.change.warnings:  # (the notes it left behind: notes/stranded.py)
        warn(f"Warning: {warning}")
    emit(changed.change, json_=json_, quiet=quiet, show=lambda done: _show_unfiled(done, changed.scan))


def _show_unfiled(done: filing.Unfiled, scanned) -> None:
    matters = ", ".join(dict.fromkeys(f.matter for f in done.removed))
    n = len(done.removed)
    say(f"Unfiled conversation {done.conversation} from {matters} ({n} filing{'s' if n != 1 else ''}).")
    say_scanned(scanned)
