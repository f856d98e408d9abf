"""The command line: parse arguments, call one function of the core, print.

Errors from the core are typed (textfile.errors); only here do they become a one-line
`Error: …` on stderr and an exit code (1 error, 2 usage, 3 integrity; `status` exits 4 when something needs a person). No traceback reaches a
user: anything unexpected is reported the same way (set TEXTFILE_DEBUG=1 to see the traceback).

Tables fit the terminal they are printed on (`Rows`): a narrow one leaves out the columns that
give way first and says which under the table; a number, handle, reference or date is never
wrapped or cut to "…", a name never broken. Piped, a table is as wide as $COLUMNS, else 200.
"""

from __future__ import annotations

import functools
import json
import os
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text
from typer.core import TyperCommand, TyperOption

from textfile import __version__, audit, filing, ignore, scratch, times
from textfile.archive import Archive, resolve_path
from textfile.errors import ImportFailed, InvalidInput, TextfileError

# typer's rich help (seen in 0.29) prints a flag's type, `--json <bool>`, as if it took a value (its
# plain help does not): a flag, --help among them, shows as a flag. (Older typer has no such method.)
if _type_shown := getattr(TyperOption, "display_type_rich", None):
    TyperOption.display_type_rich = lambda self, ctx: (
        None if self.is_flag and not self.count else _type_shown(self, ctx)
    )

app = typer.Typer(
    name="textfile",
    help="Archive client text messages (iMessage, Android, WhatsApp) under clients and matters, for the file.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
client_app = typer.Typer(help="Clients and the phone numbers and emails they text from.", no_args_is_help=True)
matter_app = typer.Typer(help="Matters: what a client's conversations are filed under.", no_args_is_help=True)
app.add_typer(client_app, name="client")
app.add_typer(matter_app, name="matter")
conversation_app = typer.Typer(
    help="One conversation: set it aside as not client-related, or take it back.", no_args_is_help=True
)
handle_app = typer.Typer(
    help="Handles (a bank's short code, a 2FA sender) whose new threads are set aside as they arrive.",
    no_args_is_help=True,
)
app.add_typer(conversation_app, name="conversation")
app.add_typer(handle_app, name="handle")

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

Json = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")]
Reason = Annotated[str | None, typer.Option("--reason", help="Why (recorded in the audit log).")]
CorrectsTz = Annotated[
    bool,
    typer.Option(
        "--corrects-tz",
        help="--tz corrects the zone an earlier import read these messages in:"
        " move them, keeping each earlier time as a version (without it, such an import is refused).",
    ),
]
CorrectsReading = Annotated[
    bool,
    typer.Option(
        "--corrects-reading",
        help="This import's reading of the export's wall clock (its zone,"
        " its --date-order, how it reads a time as written) corrects an earlier import's reading of"
        " these messages: move them, keeping each earlier time as a version (without it, such an"
        " import is refused).",
    ),
]

MakeFolder = Annotated[
    bool,
    typer.Option(
        "--mkdir",
        help="Make the output folder (readable by you only) if it does not exist; without it, a folder that does not exist is an error.",
    ),
]


class State:
    archive_path: Path | None = None


state = State()


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"Error: {message}", markup=False)
    return typer.Exit(code)


class NamesEveryMissingOption(TyperCommand):
    """A command with several required options names every one that is missing, in one `Error:`
    line (exit 2, a usage error), where click stops at the first."""

    def parse_args(self, ctx, args):
        if not ctx.resilient_parsing:
            given, _, _ = self.make_parser(ctx).parse_args(args=list(args))
            missing = [
                p.opts[0]
                for p in self.get_params(ctx)
                if p.param_type_name == "option" and p.required and given.get(p.name) is None
            ]
            if missing and not given.get("help"):
                raise fail(
                    f"missing option{'s' if len(missing) > 1 else ''} {', '.join(missing)} (see {ctx.command_path} --help)",
                    2,
                )
        return super().parse_args(ctx, args)


def command(fn):
    """Turn the core's typed errors into `Error: …` and an exit code."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except TextfileError as exc:
            failure = (str(exc), exc.exit_code)
        except typer.Exit:
            raise
        except Exception as exc:
            if os.environ.get("TEXTFILE_DEBUG"):
                raise
            failure = (f"internal error: {type(exc).__name__}: {exc}", 1)
        if kwargs.get("json_"):  # a script reading stdout learns why there is no data
            emit_json({"error": failure[0], "exit_code": failure[1]})
        raise fail(*failure) from None

    return wrapper


def open_archive() -> Archive:
    return Archive.open(resolve_path(state.archive_path))


def emit_json(data) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


@dataclass(frozen=True)
class Col:
    """A table column. `whole`: its values (numbers, handles, references, dates) are never wrapped
    or cut, so the column is as wide as its widest value. Otherwise its text wraps at spaces, never
    narrower than `min_width`, or than its longest word when `min_width` is None (names, handles:
    never broken); a word longer than the column folds onto the next line, never "…". `drop`: which
    columns give way when the terminal is too narrow for all of them, 1 first, then 2…; 0 never."""

    header: str
    whole: bool = False
    drop: int = 0
    min_width: int | None = None


class Rows:
    """A table that fits the terminal it is printed on: at its width, the columns that give way
    first are left out until the rest fit at their minimum widths, and a line under the table says
    which were (--json has everything); the room left goes to the wrapping columns. Never a column
    of zero width, never a value cut to "…"."""

    def __init__(self, columns: list[Col]):
        self.columns = columns
        self.rows: list[list[Text]] = []

    def __rich_console__(self, console, options):
        widths = []  # (minimum, natural) of each column's text, padding not counted
        for i, col in enumerate(self.columns):
            texts = [col.header, *(row[i].plain for row in self.rows)]
            natural = max(cell_len(line) for t in texts for line in t.split("\n"))
            word = max((cell_len(w) for t in texts for w in t.split()), default=0)
            header_word = max((cell_len(w) for w in col.header.split()), default=0)
            widths.append((natural if col.whole else max(header_word, min(natural, col.min_width or word)), natural))
        kept = list(range(len(self.columns)))

        def room() -> int:  # each column's padding and border, and the last border
            return options.max_width - 3 * len(kept) - 1

        dropped = []
        for i in sorted((i for i, c in enumerate(self.columns) if c.drop), key=lambda i: self.columns[i].drop):
            if sum(widths[k][0] for k in kept) <= room():
                break
            kept.remove(i)
            dropped.append(i)
        for i in reversed(dropped[:-1]):  # a column left out before a wide one was may fit now that it is gone
            kept.append(i)
            if sum(widths[k][0] for k in kept) > room():
                kept.remove(i)
        kept.sort()
        width = {i: widths[i][0] for i in kept}
        growing = [i for i in kept if not self.columns[i].whole]
        while sum(width.values()) < room() and (wanting := [i for i in growing if width[i] < widths[i][1]]):
            width[min(wanting, key=lambda i: width[i])] += 1  # the narrowest first: the room shared evenly
        table = Table()
        for i in kept:
            table.add_column(self.columns[i].header, width=width[i], overflow="fold")
        for row in self.rows:
            table.add_row(*(row[i] for i in kept))
        yield table
        if left_out := [c.header for i, c in enumerate(self.columns) if i not in kept]:
            yield Text(
                f"(columns left out at {options.max_width} columns: {', '.join(left_out)}; --json has everything)",
                no_wrap=False,
                overflow="fold",
            )  # (wrapped at the terminal width even where the console soft-wraps)


def table(*columns: str | Col) -> Rows:
    return Rows([c if isinstance(c, Col) else Col(c) for c in columns])


def add_row(rows: Rows, *cells) -> None:
    """Cells are data (message text, names): printed literally, never read as rich markup."""
    rows.rows.append([c if isinstance(c, Text) else Text(str(c)) for c in cells])


def progress_bar(quiet: bool, description: str, unit: str = "records"):
    """A rich progress display on a terminal; None (no output) under --quiet or when piped."""
    if quiet or not err.is_terminal:
        return None
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    # File names are data: never read as markup ("test_[mmddyy].txt").
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}", markup=False, style="bold"),
        BarColumn(),
        TextColumn(f"{{task.completed:,}} {unit}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )


def with_progress(quiet: bool, description: str, unit: str, work):
    """Run `work(progress)` with a progress display when one is wanted; `progress` is None otherwise.
    `progress(n)` sets the count done; keywords go to the display as they are (total=, advance=,
    description=)."""
    bar = progress_bar(quiet, description, unit)
    if bar is None:
        return work(None)
    with bar:
        task = bar.add_task(description, total=None)
        return work(lambda completed=None, **fields: bar.update(task, completed=completed, **fields))


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"textfile {__version__}")
        raise typer.Exit(0)


@app.callback()
def main_options(
    archive: Annotated[
        Path | None,
        typer.Option(
            "--archive",
            help="The archive file. Default: $TEXTFILE_ARCHIVE, else the user data directory.",
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", help="Print the version and exit.", is_eager=True, callback=_print_version)
    ] = False,
) -> None:
    state.archive_path = archive
    for console in (out, err):
        if not console.is_terminal:  # piped or redirected: do not wrap table rows at 80 columns
            console.width = int(os.environ.get("COLUMNS") or 200)


# -- init ------------------------------------------------------------------------------------


@app.command(cls=NamesEveryMissingOption)
@command
def init(
    owner: Annotated[
        str, typer.Option(help="The owner's name as it appears in exports (WhatsApp uses it to find your messages).")
    ],
    tz: Annotated[str, typer.Option(help="Your IANA time zone, e.g. America/New_York.")],
    region: Annotated[str, typer.Option(help="Default phone region for numbers without a country code, e.g. US.")],
    bates_prefix: Annotated[str, typer.Option(help="Prefix of the Bates numbers on transcripts, e.g. SMITH.")],
    phone: Annotated[
        list[str] | None, typer.Option(metavar="NUMBER", help="One of your own phone numbers (repeatable).")
    ] = None,
    email: Annotated[
        list[str] | None, typer.Option(metavar="EMAIL", help="One of your own iMessage emails (repeatable).")
    ] = None,
    json_: Json = False,
    quiet: Quiet = False,
) -> None:
    """Create a new archive (readable by you only), its audit log sealed with your key (made if you have none). Refuses to overwrite an existing one."""
    from textfile import audit

    path = resolve_path(state.archive_path)
    with Archive.create(
        path, owner_name=owner, phones=phone or [], emails=email or [], tz=tz, region=region, bates_prefix=bates_prefix
    ) as archive:
        settings = archive.settings.as_dict()
    if json_:
        emit_json({"archive": str(path), **settings, "key": str(audit.key_path())})
    elif not quiet:
        out.print(
            f"Created archive {path} for {settings['owner_name']} ({settings['tz']}, region {settings['region']}, Bates prefix {settings['bates_prefix']}).",
            markup=False,
        )
        out.print(
            f"Its audit log is sealed with the key in {audit.key_path()} (id {settings['key_id']}): keep a copy of that file apart"
            " from the archive; `textfile verify` needs it to prove the log was not rewritten.",
            markup=False,
        )


# -- clients ---------------------------------------------------------------------------------


@client_app.command("add")
@command
def client_add(
    name: Annotated[str, typer.Argument(help="The client's name.")],
    phone: Annotated[
        list[str] | None, typer.Option(metavar="NUMBER", help="A phone number the client texts from (repeatable).")
    ] = None,
    email: Annotated[
        list[str] | None, typer.Option(metavar="EMAIL", help="An email the client uses for iMessage (repeatable).")
    ] = None,
    json_: Json = False,
    quiet: Quiet = False,
) -> None:
    """Add a client with the numbers and emails they text from (numbers are stored in E.164)."""
    with open_archive() as archive, archive.transaction() as conn:
        added = filing.add_client(conn, name, phone or [], email or [], archive.settings.region)
    if json_:
        emit_json(added)
    elif not quiet:
        handles = ", ".join(h["handle"] for h in added["handles"]) or "no handles"
        out.print(f"Added client {added['name']} ({handles}).", markup=False)


@client_app.command("edit")
@command
def client_edit(
    name: Annotated[str, typer.Argument(help="The client's name.")],
    new_name: Annotated[str | None, typer.Option("--name", help="The client's new name.")] = None,
    add_phone: Annotated[
        list[str] | None, typer.Option("--add-phone", metavar="NUMBER", help="A phone number to add (repeatable).")
    ] = None,
    remove_phone: Annotated[
        list[str] | None,
        typer.Option("--remove-phone", metavar="NUMBER", help="A phone number to remove (repeatable)."),
    ] = None,
    add_email: Annotated[
        list[str] | None, typer.Option("--add-email", metavar="EMAIL", help="An email to add (repeatable).")
    ] = None,
    remove_email: Annotated[
        list[str] | None, typer.Option("--remove-email", metavar="EMAIL", help="An email to remove (repeatable).")
    ] = None,
    reason: Reason = None,
    json_: Json = False,
    quiet: Quiet = False,
) -> None:
    """Correct a client: rename, add or remove a number or email (audited); then file what the change makes unambiguous."""
    with open_archive() as archive, archive.transaction() as conn:
        edited = filing.edit_client(
            conn,
            name,
            new_name=new_name,
            add_phones=add_phone or [],
            remove_phones=remove_phone or [],
            add_emails=add_email or [],
            remove_emails=remove_email or [],
            region=archive.settings.region,
            reason=reason,
        )
    if json_:
        return emit_json(edited)
    if not quiet:
        handles = ", ".join(h["handle"] for h in edited["handles"]) or "no handles"
        changed = edited["changed"]
        said = "; ".join(
            [f"renamed from {changed['client']}"] * ("renamed_to" in changed)
            + [f"removed {', '.join(changed['removed'])}"] * bool(changed["removed"])
            + [f"added {', '.join(changed['added'])}"] * bool(changed["added"])
        )
        out.print(f"Client {edited['name']} ({handles}): {said}.", markup=False)
        for f in edited["unfiled"]:
            out.print(
                f"  unfiled conversation {f['conversation']} from {f['matter']}: it was filed automatically through {f['through']},"
                " no longer the client's",
                markup=False,
            )
        for f in edited["kept"]:
            out.print(
                f"  conversation {f['conversation']} stays filed to {f['matter']} (filed by hand), though it no longer holds a handle"
                f" of the client's: textfile unfile {f['conversation']} --matter {f['matter']} if it does not belong there",
                markup=False,
            )
        for f in edited["filed"]:
            out.print(f"  filed conversation {f['conversation']} to {f['matter']}", markup=False)


@client_app.command("list")
@command
def client_list(json_: Json = False, quiet: Quiet = False) -> None:
    """List clients with their handles and matters."""
    with open_archive() as archive:
        clients = filing.list_clients(archive.conn)
    if json_:
        return emit_json(clients)
    if quiet:
        return
    rows = table(Col("Client"), Col("Handles", whole=True), Col("Matters (open)", whole=True, drop=1))
    for c in clients:
        add_row(rows, c["name"], "\n".join(c["handles"]), f"{c['matters']} ({c['open_matters']})")
    out.print(rows)


@client_app.command("show")
@command
def client_show(
    name: Annotated[str, typer.Argument(help="The client's name.")], json_: Json = False, quiet: Quiet = False
) -> None:
    """Show a client: handles, matters and conversations."""
    with open_archive() as archive:
        found = filing.client(archive.conn, name)
        tz = times.zone(archive.settings.tz)
    if json_:
        return emit_json(found)
    if quiet:
        return
    out.print(Text(found["name"], style="bold") + Text(f"  (client since {times.display(found['created_at'], tz)})"))
    out.print("Handles: " + (", ".join(h["handle"] for h in found["handles"]) or "none"), markup=False)
    _matters_table(found["matters"], tz)
    _conversations_table(found["conversations"], tz)


# -- matters ---------------------------------------------------------------------------------


def _matters_table(matters: list[dict], tz) -> None:
    rows = table(
        Col("Matter", whole=True),
        Col("Client", drop=4),
        Col("Title", min_width=12),
        Col("Opened", whole=True, drop=1),
        Col("Status", min_width=6, drop=5),
        Col("Conversations", whole=True, drop=2),
        Col("Messages", whole=True, drop=3),
    )
    for m in matters:
        status = m["status"] + (", legal hold" if m["legal_hold"] else "")
        add_row(
            rows,
            m["reference"],
            m["client"],
            m["title"],
            times.display(m["opened_at"], tz),
            status,
            str(m["conversations"]),
            str(m["messages"]),
        )
    out.print(rows)


@matter_app.command("open", cls=NamesEveryMissingOption)
@command
def matter_open(
    reference: Annotated[str, typer.Argument(help="The matter's reference, e.g. 2026-014.")],
    client: Annotated[str, typer.Option(help="The client the matter belongs to.")],
    title: Annotated[str, typer.Option(help="A short title.")],
    json_: Json = False,
    quiet: Quiet = False,
) -> None:
    """Open a matter for a client; their unfiled conversations are filed to it if it is their only open matter."""
    with open_archive() as archive, archive.transaction() as conn:
        opened = filing.open_matter(conn, reference, client, title)
    if json_:
        return emit_json(opened)
    if not quiet:
        out.print(f"Opened matter {opened['reference']} for {opened['client']}: {opened['title']}.", markup=False)
        for f in opened["filed"]:
            out.print(f"  filed conversation {f['conversation']} to {f['matter']}", markup=False)


def _matter_state(reference: str, action: str, json_: bool, quiet: bool, said: str) -> None:
    with open_archive() as archive, archive.transaction() as conn:
        changed = filing.set_matter_state(conn, reference, action)
    if json_:
        emit_json(changed)
    elif not quiet:
        out.print(f"Matter {changed['reference']} {said}.", markup=False)


@matter_app.command("close")
@command
def matter_close(
    reference: Annotated[str, typer.Argument(help="The matter's reference.")], json_: Json = False, quiet: Quiet = False
) -> None:
    """Close a matter: its filings end now; later messages go to the client's next open matter, or wait unfiled."""
    _matter_state(reference, "close", json_, quiet, "closed")


@matter_app.command("hold")
@command
def matter_hold(
    reference: Annotated[str, typer.Argument(help="The matter's reference.")], json_: Json = False, quiet: Quiet = False
) -> None:
    """Put a matter under legal hold: its conversations are never reported safe to delete from the phone."""
    _matter_state(reference, "hold", json_, quiet, "is under legal hold")


@matter_app.command("release")
@command
def matter_release(
    reference: Annotated[str, typer.Argument(help="The matter's reference.")], json_: Json = False, quiet: Quiet = False
) -> None:
    """Release a matter's legal hold."""
    _matter_state(reference, "release", json_, quiet, "is released from legal hold")


@matter_app.command("edit")
@command
def matter_edit(
    reference: Annotated[str, typer.Argument(help="The matter's reference.")],
    title: Annotated[str | None, typer.Option(help="The matter's new title.")] = None,
    new_reference: Annotated[str | None, typer.Option("--reference", help="The matter's new reference.")] = None,
    reason: Reason = None,
    json_: Json = False,
    quiet: Quiet = False,
) -> None:
    """Correct a matter's title or reference (audited)."""
    with open_archive() as archive, archive.transaction() as conn:
        edited = filing.edit_matter(conn, reference, title=title, new_reference=new_reference, reason=reason)
    if json_:
        return emit_json(edited)
    if not quiet:
        out.print(f"Matter {edited['reference']} for {edited['client']}: {edited['title']}.", markup=False)


@matter_app.command("list")
@command
def matter_list(json_: Json = False, quiet: Quiet = False) -> None:
    """List matters with their client, status and what is filed to them."""
    with open_archive() as archive:
        matters = filing.list_matters(archive.conn)
        tz = times.zone(archive.settings.tz)
    if json_:
        return emit_json(matters)
    if not quiet:
        _matters_table(matters, tz)


# -- import ----------------------------------------------------------------------------------


@app.command("import")
@command
def import_(
    paths: Annotated[
        list[Path], typer.Argument(help="Export files or folders, any mix of formats.", show_default=False)
    ],
    format: Annotated[
        str | None, typer.Option("--format", help="Skip detection: imessage, android or whatsapp.")
    ] = None,
    tz: Annotated[
        str | None,
        typer.Option(
            help="Zone of wall-clock times in the export (WhatsApp). Default: the zone the chat was last read in, else the archive's."
        ),
    ] = None,
    corrects_tz: CorrectsTz = False,
    corrects_reading: CorrectsReading = False,
    region: Annotated[
        str | None, typer.Option(help="Phone region for numbers without a country code. Default: the archive's.")
    ] = None,
    me: Annotated[
        str | None,
        typer.Option(
            help="You in the export: your name as a WhatsApp chat writes it (one of its senders), or the number of the phone an Android backup came from."
        ),
    ] = None,
    date_order: Annotated[str | None, typer.Option(help="Date order of a WhatsApp export: dmy, mdy or ymd.")] = None,
    conversation: Annotated[
        str | None, typer.Option(help="The chat's name, when the file name does not say it (WhatsApp).")
    ] = None,
    attachments_root: Annotated[
        Path | None, typer.Option(help="Home folder that iMessage attachment paths (~/Library/…) refer to.")
    ] = None,
    custodian: Annotated[
        str | None,
        typer.Option(
            help="Whose phone the export came from (recorded on the import). An Android backup or an iMessage export may come from a client's own phone: name the client (--me: their number, or for iMessage their email, the phone had)."
        ),
    ] = None,
    json_: Json = False,
    quiet: Quiet = False,
) -> None:
    """Import phone exports. Each file goes in whole or not at all; importing it again adds only what is new."""
    from textfile.exports import expand
    from textfile.ingest import import_path

    results, failed = [], 0
    sources = expand(paths)
    if conversation and len(sources) > 1:
        raise InvalidInput(
            f"--conversation names one chat: give it with one export, not {len(sources)} ({', '.join(p.name for p in sources[:3])}…)"
        )
    with open_archive() as archive:
        for path in sources:
            try:
                result = with_progress(
                    quiet or json_,
                    f"Importing {path.name}",
                    "records",
                    lambda progress, path=path: import_path(
                        archive,
                        path,
                        format=format,
                        tz=tz,
                        region=region,
                        me=me,
                        date_order=date_order,
                        conversation=conversation,
                        attachments_root=attachments_root,
                        custodian=custodian,
                        progress=progress,
                        parallel=True,
                        corrects_tz=corrects_tz,
                        corrects_reading=corrects_reading,
                    ),
                )
            except ImportFailed as exc:
                err.print(f"Error: {exc}", markup=False)
                failed += 1
                results.append({"path": str(path), "failed": exc.reason})
                continue
            results.append(result)
            if not quiet and not json_:
                _print_import(result)
        touched = {c for r in results if not isinstance(r, dict) for c in r.conversations}
        # (listed only to be printed: every conversation's unfiled count is a scan of the archive)
        waiting = (
            [c for c in ignore.waiting(archive.conn, None) if c["id"] in touched]
            if touched and not (quiet or json_)
            else []
        )
    if waiting and not quiet and not json_:  # (as the weekly run and status name them)
        out.print(
            f"{len(waiting)} conversation{'s' if len(waiting) != 1 else ''} of {'these exports' if len(sources) > 1 else 'this export'}"
            f" wait{'' if len(waiting) != 1 else 's'} to be filed: {', '.join(str(c['id']) for c in waiting[:12])}{' …' if len(waiting) > 12 else ''}"
            " (textfile conversations --unfiled; textfile file N --matter REF, or textfile conversation ignore N)",
            markup=False,
        )
    if json_:  # every path, in order: what it added, or why it failed (nothing of it imported)
        emit_json([r if isinstance(r, dict) else r.as_dict() for r in results])
    if failed:
        raise typer.Exit(1)


def _print_import(r) -> None:
    from textfile.weekly import import_notes

    skipped = sum(r.skipped.values())
    out.print(
        f"{r.path}: {r.format}, added {r.added:,}, already present {r.already_present:,}, updated {r.updated:,}, skipped {skipped:,}",
        markup=False,
    )
    for reason, count in r.skipped.items():
        out.print(f"  skipped {count:,}: {reason}", markup=False)
    for line in import_notes(r.assumptions, r.warnings):
        out.print(f"  {line}", markup=False)
    for f in r.filed:
        out.print(f"  filed conversation {f['conversation']} to {f['matter']}", markup=False)


# -- conversations and filing ------------------------------------------------------------------


def _conversations_table(conversations: list[dict], tz) -> None:
    # A conversation by its own title alone where it has one (a group's members made its row as tall
    # as the group is large; --json lists them), else by its participants.
    rows = table(
        Col("#", whole=True),
        Col("Platform", whole=True, drop=2),
        Col("Conversation"),
        Col("Messages", whole=True, drop=3),
        Col("First", whole=True, drop=1),
        Col("Last", whole=True, drop=4),
        Col("Matter"),
        Col("Unfiled", whole=True, drop=5),
    )
    for c in conversations:
        people = filing.label(c)
        matters = (
            ", ".join(c["matters"] + (["ignored"] if c.get("ignored") else [])) or "—"
        )  # (set aside: `conversation ignore`)
        add_row(
            rows,
            str(c["id"]),
            c["platform"],
            people,
            str(c["messages"]),
            times.display(c["first"], tz, c["first_precision"]),
            times.display(c["last"], tz, c["last_precision"]),
            matters,
            str(c["unfiled"]) if c["unfiled"] and not c.get("ignored") else "",
        )
    out.print(rows)


def _ignored_table(conversations: list[dict], tz) -> None:
    """The conversations set aside: when, by whom, why (`conversation ignore`, or a handle's on arrival)."""
    rows = table(
        Col("#", whole=True),
        Col("Platform", whole=True, drop=1),
        Col("Conversation"),
        Col("Messages", whole=True, drop=2),
        Col("Ignored", whole=True),
        Col("By", whole=True, drop=3),
        Col("Reason", min_width=16),
    )
    for c in conversations:
        record = c["ignored"]
        add_row(
            rows,
            str(c["id"]),
            c["platform"],
            filing.label(c),
            str(c["messages"]),
            ignore.day(record, tz),
            record["by"] or "",
            record["reason"] or "",
        )
    out.print(rows)


@app.command()
@command
def conversations(
    unfiled: Annotated[
        bool, typer.Option("--unfiled", help="Only conversations with messages no matter covers (not those set aside).")
    ] = False,
    ignored: Annotated[
        bool, typer.Option("--ignored", help="Only conversations set aside as not client-related: when, by whom, why.")
    ] = False,
    json_: Json = False,
    quiet: Quiet = False,
) -> None:
    """List archived conversations: participants, message count, first/last message, matter."""
    if unfiled and ignored:
        raise InvalidInput("--unfiled and --ignored list different conversations: give one")
    with open_archive() as archive:
        found = ignore.conversations(archive.conn, unfiled_only=unfiled)
        tz = times.zone(archive.settings.tz)
    if ignored:
        found = [c for c in found if c["ignored"]]
    if json_:
        return emit_json(found)
    if quiet:
        return
    if not found:
        return out.print(
            "No conversation waits to be filed."
            if unfiled
            else "No conversation is set aside."
            if ignored
            else "No conversation is archived yet.",
            markup=False,
        )
    (_ignored_table if ignored else _conversations_table)(found, tz)


Force = Annotated[bool, typer.Option("--force", help="Ignore it even though it is filed or holds a client's handle.")]
ConversationNumber = Annotated[int, typer.Argument(help="The conversation's number (see `textfile conversations`).")]
HandleArg = Annotated[
    str, typer.Argument(help="A phone number, short code, email or sender name, as a conversation shows it.")
]


def _ignore_change(change, json_: bool, quiet: bool, said: str) -> None:
    """Run one change of what is ignored in a transaction and say what it did."""
    with open_archive() as archive, archive.transaction() as conn:
        done = change(conn, archive.settings.region)
    if json_:
        emit_json(done)
    elif not quiet:
        out.print(said.format(**done) + (f": {done['reason']}" if done["reason"] else "") + ".", markup=False)
        for c in done.get("conversations", []):  # (handle ignore: the archived conversations it set aside at once)
            out.print(f"  ignored conversation {c['conversation']} ({', '.join(c['handles'])})", markup=False)
        for c in done.get("kept_filed", []):
            out.print(
                f"  conversation {c} is filed: it stays so (textfile conversation ignore {c} --force sets it aside)",
                markup=False,
            )


@conversation_app.command("show")
@command
def conversation_show(
    conversation: ConversationNumber,
    from_: Annotated[str | None, typer.Option("--from", help="Only messages from this date or time on.")] = None,
    until: Annotated[str | None, typer.Option(help="Only messages up to this date (inclusive) or time.")] = None,
    json_: Json = False,
    quiet: Quiet = False,
) -> None:
    """Read a conversation as its transcript would show it (senders, times, marks, attachments, reactions, earlier versions),
    with where it is filed; through a pager when longer than the terminal."""
    from textfile.thread import lines, thread

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
    if json_:
        return emit_json(shown)
    if quiet:
        return
    text = Text("\n".join(lines(shown, tz)))  # (message text is data: a Text, never read as markup)
    if out.is_terminal and len(text.wrap(out, out.width)) > out.height:
        with out.pager():
            out.print(text, soft_wrap=False)
    else:
        out.print(text)


@conversation_app.command("ignore")
@command
def conversation_ignore(
    conversations: Annotated[
        list[str],
        typer.Argument(
            help="The conversations' numbers (see `textfile conversations`): 12 14 20-25.",
            metavar="N…",
            show_default=False,
        ),
    ],
    reason: Reason = None,
    force: Force = False,
    json_: Json = False,
    quiet: Quiet = False,
) -> None:
    """Set conversations aside as not client-related: never filed automatically; deletable lists them last. All or none."""
    with open_archive() as archive, archive.transaction() as conn:
        numbers = _numbers(conversations, conn.execute("SELECT coalesce(max(id), 0) FROM conversations").fetchone()[0])
        done, refused = [], []
        for n in numbers:  # (every refusal named at once; then none is ignored)
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
    if json_:
        return emit_json(done)
    if not quiet:
        for d in done:
            out.print(
                f"Ignored conversation {d['conversation']}" + (f": {d['reason']}" if d["reason"] else "") + ".",
                markup=False,
            )


def _numbers(given: list[str], highest: int) -> list[int]:
    """Conversation numbers as given: 12, or a range 20-25 (within the archive's numbers: `highest`
    is the last); each once, in order."""
    out: dict[int, None] = {}
    for text in given:
        first, dash, last = text.strip().partition("-")
        if not (first.isdigit() and (not dash or last.isdigit())) or (dash and int(last) < int(first)):
            raise InvalidInput(f"not a conversation number or range (12, 20-25): {text!r}")
        if dash and int(last) > highest:  # (a range is expanded only within the archive's numbers)
            raise InvalidInput(
                f"no conversation {max(int(first), highest + 1)} (see `textfile conversations`): {text!r} goes past the last, {highest}"
            )
        out.update(dict.fromkeys(range(int(first), int(last if dash else first) + 1)))
    return list(out)


@conversation_app.command("unignore")
@command
def conversation_unignore(
    conversation: ConversationNumber, reason: Reason = None, json_: Json = False, quiet: Quiet = False
) -> None:
    """Take back an ignored conversation: filed and judged like any other again."""
    _ignore_change(
        lambda conn, _region: ignore.unignore_conversation(conn, conversation, reason),
        json_,
        quiet,
        "Conversation {conversation} is no longer ignored",
    )


@handle_app.command("ignore")
@command
def handle_ignore(handle: HandleArg, reason: Reason = None, json_: Json = False, quiet: Quiet = False) -> None:
    """Ignore a handle: each conversation with it alone (besides you), archived or imported later, is ignored (one filed stays filed)."""
    _ignore_change(
        lambda conn, region: ignore.ignore_handle(conn, handle, reason, region), json_, quiet, "Ignored handle {handle}"
    )


@handle_app.command("unignore")
@command
def handle_unignore(handle: HandleArg, reason: Reason = None, json_: Json = False, quiet: Quiet = False) -> None:
    """Stop ignoring a handle (conversations already ignored stay so: `conversation unignore N`)."""
    _ignore_change(
        lambda conn, region: ignore.unignore_handle(conn, handle, reason, region),
        json_,
        quiet,
        "Handle {handle} is no longer ignored",
    )


@handle_app.command("list")
@command
def handle_list(json_: Json = False, quiet: Quiet = False) -> None:
    """List ignored handles: when, why and by whom."""
    with open_archive() as archive:
        handles = ignore.list_handles(archive.conn)
        tz = times.zone(archive.settings.tz)
    if json_:
        return emit_json(handles)
    if not quiet:
        for h in handles:
            out.print(f"{h['handle']}: {ignore.said(h, tz)} (by {h['by']})", markup=False)


@app.command("file")
@command
def file_(
    conversation: Annotated[int, typer.Argument(help="The conversation's number (see `textfile conversations`).")],
    matter: Annotated[str, typer.Option(help="The matter to file it under.")],
    from_: Annotated[
        str | None,
        typer.Option(
            "--from", help="Only messages from this date or time on (archive's zone unless an offset is given)."
        ),
    ] = None,
    until: Annotated[str | None, typer.Option(help="Only messages up to this date (inclusive) or time.")] = None,
    also: Annotated[
        bool, typer.Option("--also", help="File it under this matter although another client's matter holds it too.")
    ] = False,
    json_: Json = False,
    quiet: Quiet = False,
) -> None:
    """File a conversation, or the part of it between --from and --until, under a matter."""
    with open_archive() as archive:
        tz = times.zone(archive.settings.tz)
        start = times.parse_user_instant(from_, tz) if from_ else None
        end = times.parse_user_instant(until, tz, end_of_day=True) if until else None
        with archive.transaction() as conn:
            done = filing.file_conversation(conn, conversation, matter, start, end, also=also)
    for warning in done.get("warnings", []):
        err.print(f"Warning: {warning}", markup=False)
    if json_:
        return emit_json(done)
    if not quiet:
        window = ""
        if start or end:
            window = f" from {times.display(start, tz) or 'the start'} until {times.display(end, tz) or 'now'}"
        out.print(
            f"Filed conversation {done['conversation']}{window} to {done['matter']} ({done['messages']:,} messages).",
            markup=False,
        )


@app.command("unfile")
@command
def unfile(
    conversation: Annotated[int, typer.Argument(help="The conversation's number (see `textfile conversations`).")],
    matter: Annotated[
        str | None, typer.Option(help="Only its filings under this matter. Default: all of them.")
    ] = None,
    reason: Reason = None,
    json_: Json = False,
    quiet: Quiet = False,
) -> None:
    """Take a conversation out of its matter(s): the removed filings are kept whole in the audit log; transcripts made stay as they are."""
    with open_archive() as archive, archive.transaction() as conn:
        done = filing.unfile(conn, conversation, matter, reason)
    if json_:
        return emit_json(done)
    if not quiet:
        matters = ", ".join(dict.fromkeys(f["matter"] for f in done["removed"]))
        out.print(
            f"Unfiled conversation {done['conversation']} from {matters} ({len(done['removed'])} filing{'s' if len(done['removed']) != 1 else ''}).",
            markup=False,
        )


# -- search, log, verify -----------------------------------------------------------------------


@app.command()
@command
def search(
    text: Annotated[
        str,
        typer.Argument(
            help="Words to find (a trailing * matches a prefix; words in double quotes, '\"the contract\"', a phrase)."
        ),
    ],
    client: Annotated[str | None, typer.Option(help="Only this client's conversations.")] = None,
    matter: Annotated[str | None, typer.Option(help="Only what is filed to this matter.")] = None,
    from_: Annotated[str | None, typer.Option("--from", help="From this date or time on.")] = None,
    until: Annotated[str | None, typer.Option(help="Up to this date (inclusive) or time.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many messages.")] = 100,
    json_: Json = False,
    quiet: Quiet = False,
) -> None:
    """Search message text across the archive, earlier versions included (text since edited or deleted)."""
    from textfile.search import search as run_search
    from textfile.transcript.content import VERSION_ORIGINS  # (the transcript's words for where a version came from)

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
    if json_:
        return emit_json(found)
    if quiet:
        return
    rows = table(
        Col("When", whole=True), Col("Conversation", drop=2), Col("From", drop=1), Col("Message", min_width=16)
    )
    for r in found:
        # (as a transcript names the sender: name and number, or what it says when the export names nobody)
        sender = (
            (f"{r['sender']} {r['handle']}" if r["sender"] != r["handle"] else r["handle"])
            if r["handle"]
            else ("sender not named in the export" if r["direction"] == "in" else "(no sender)")
        )
        text = _found(r["snippet_parts"], r["body"])
        if r["versions"]:  # the hit is (also) in an earlier text: that one beside the current one
            text = Text("\n").join(
                [Text("now: ") + text]
                + [
                    Text(
                        f"earlier version {v['version']}, from the {VERSION_ORIGINS.get(v['origin'], v['origin'])}, kept by import {v['import']}: "
                    )
                    + _found(v["snippet_parts"], v["body"])
                    for v in r["versions"]
                ]
            )
        add_row(
            rows,
            times.display(r["sent_at"], tz, r["time_precision"]),
            f"{r['conversation']} {r['conversation_name']}".strip(),
            sender,
            text,
        )
    out.print(rows)
    out.print(f"{len(found)} message{'s' if len(found) != 1 else ''}", markup=False)


def _found(pieces: list | None, body: str) -> Text:
    """A hit's text as the transcript prints it (`render.plain`), each match highlighted on a terminal,
    in [brackets] when piped (where a style would be lost); the whole text where nothing matched in it."""
    from textfile.search import bracketed
    from textfile.transcript.render import plain

    if pieces is None:
        return Text(plain(body))
    if not out.is_terminal:
        return Text(plain(bracketed(pieces)))
    found = Text()
    for piece, matched in pieces:
        found.append(plain(piece), style="bold reverse" if matched else None)
    return found


@app.command()
@command
def log(
    limit: Annotated[int | None, typer.Option(help="Only the last N entries (of those --command selects).")] = None,
    command_: Annotated[
        str | None,
        typer.Option("--command", help="Only entries whose command holds this text: ignore, client, file, import…."),
    ] = None,
    json_: Json = False,
    quiet: Quiet = False,
) -> None:
    """Show the audit log: every change to the archive, hash-chained (the table says the records' digests by table; --json has them whole)."""
    with open_archive() as archive:
        entries = audit.entries(archive.conn, limit, command=command_)
        tz = times.zone(archive.settings.tz)
    if json_:
        return emit_json(entries)
    if quiet:
        return
    rows = table(
        Col("#", whole=True),
        Col("When", whole=True, drop=2),
        Col("Command"),
        Col("Details", min_width=20),
        Col("Hash", whole=True, drop=1),
    )
    for e in entries:
        details = ", ".join(
            f"{k}={_digests_said(v) if k == 'digests' else json.dumps(v, ensure_ascii=False)}"
            if k != "records"
            else f"records of {', '.join(v) if isinstance(v, dict) else '?'}"
            for k, v in e["details"].items()
        )
        add_row(rows, str(e["id"]), times.display(e["at"], tz), e["command"], details, e["hash"][:12])
    out.print(rows)


def _digests_said(digests: dict) -> str:
    """An entry's digests in a table: per import (or table of records), its counts and the digest's first 12 digits (--json has them whole)."""
    return (
        "{"
        + ", ".join(
            f"import {i}: {d['messages']:,} messages, {d['versions']:,} versions, {d['digest'][:12]}…"
            if "messages" in d
            else f"{i}: {d['rows']:,} rows, {d['digest'][:12]}…"
            for i, d in digests.items()
        )
        + "}"
    )


@app.command()
@command
def verify(
    pdfs: Annotated[
        list[Path] | None,
        typer.Argument(help="Transcript PDFs to check against the archive instead.", show_default=False),
    ] = None,
    moved: Annotated[
        bool,
        typer.Option(
            "--moved",
            help="A PDF that verifies where its recorded file is gone was moved or renamed: record where it is now.",
        ),
    ] = False,
    accept_older_copy: Annotated[
        bool,
        typer.Option(
            "--accept-older-copy",
            help="The archive is an older copy put back on purpose (a restored backup): record, in the audit log, the entries it lacks, which verify then no longer reports.",
        ),
    ] = False,
    deleted: Annotated[
        bool,
        typer.Option(
            "--deleted",
            help="The PDFs named (their recorded paths) were deleted on purpose: record it (audited, with --reason), so they are no longer reported missing; they then vouch for nothing.",
        ),
    ] = False,
    reason: Reason = None,
    json_: Json = False,
    quiet: Quiet = False,
) -> None:
    """Check the archive: SQLite integrity, every message's content hash, every attachment, the audit chain with its seals and recorded heads, every import's digest, every transcript. Exit 3 on any problem.

    With PDF files: check each transcript against the archive (its file hash, its manifest, every message it shows).
    """
    if deleted:
        return _record_deleted(pdfs or [], reason, json_, quiet)
    if pdfs:
        return _verify_pdfs(pdfs, moved, json_, quiet)
    if moved:
        raise InvalidInput("--moved needs the transcript PDFs that were moved: textfile verify --moved FILE.pdf")
    if accept_older_copy:
        return _accept_older_copy(json_, quiet)
    from textfile import weekly
    from textfile.integrity import check_archive

    with open_archive() as archive:
        log = weekly.log_path(archive.path)
        report = with_progress(
            quiet or json_,
            "Verifying",
            "messages",
            lambda progress: check_archive(archive.conn, progress=progress, log=log, archive_path=archive.path),
        )
    if json_:
        emit_json(report)
    elif not quiet:
        if report["ok"]:
            counts = ", ".join(
                f"{n:,} {noun}{'' if n == 1 else 's'}"
                for n, noun in (
                    (report["messages"], "message"),
                    (report["blobs"], "attachment"),
                    (report["audit_entries"], "audit entry"),
                )
            )
            out.print(
                f"Archive verified: {counts.replace('audit entrys', 'audit entries')}: all hashes match.", markup=False
            )
    for problem in report["problems"]:
        err.print(f"Error: {problem}", markup=False)
    if not report["ok"]:
        raise typer.Exit(3)


def _accept_older_copy(json_: bool, quiet: bool) -> None:
    from textfile import audit, weekly

    with open_archive() as archive, archive.transaction() as conn:
        lost = audit.accept_missing(conn, archive.path, weekly.log_path(archive.path))
    if json_:
        return emit_json({"accepted": lost})
    if not quiet:
        out.print(
            f"Recorded in the audit log: this archive is an older copy put back on purpose; it does not hold audit"
            f" entr{'ies' if len(lost) > 1 else 'y'} {', '.join(str(m['entry']) for m in lost)} as recorded before."
            if lost
            else "Nothing to accept: the archive holds every audit entry recorded outside it.",
            markup=False,
        )


def _record_deleted(paths: list[Path], reason: str | None, json_: bool, quiet: bool) -> None:
    from textfile.transcript import record_deleted

    if not paths:
        raise InvalidInput(
            "--deleted needs the recorded paths of the transcripts deleted on purpose: textfile verify --deleted FILE.pdf"
        )
    with open_archive() as archive:
        done = record_deleted(archive, paths, reason)
    if json_:
        return emit_json(done)
    if not quiet:
        for d in done:
            out.print(
                f"Recorded: transcript {d['path']} (made {d['made']}) was deleted on purpose"
                + (f": {d['reason']}" if d["reason"] else "")
                + "; it vouches for nothing any more.",
                markup=False,
            )


def _verify_pdfs(pdfs: list[Path], moved: bool, json_: bool, quiet: bool) -> None:
    from textfile.transcript import record_moves, verify_pdfs
    from textfile.transcript.manifest import earlier_lines

    with open_archive() as archive:
        reports = verify_pdfs(archive, pdfs)
        moves = {m["transcript"]: m for m in record_moves(archive, reports)} if moved else {}
    for r in reports:
        r["moved_from"] = moves[r["transcript"]]["from"] if r.get("transcript") in moves else None
    if json_:
        emit_json(reports)
    for r in reports:
        if r["ok"] and not quiet and not json_:
            bates = r["bates"]
            out.print(
                f"{r['path']}: matches {r['matches']} (transcript {r['transcript']}, {r['messages']:,} messages, {r['pages']:,} pages,"
                f" Bates {bates['first']} to {bates['last']}).",
                markup=False,
            )
            for line in earlier_lines(r["earlier"], r["zone"]):
                out.print(line, markup=False)
            if r["moved_from"]:
                out.print(f"  recorded as moved here from {r['moved_from']}", markup=False)
            elif r.get("recorded_gone"):
                out.print(
                    f"  the archive records it at {r['recorded_path']}, where it is gone: if it was moved, "
                    f"record its new place with textfile verify --moved {r['path']}",
                    markup=False,
                )
        for problem in r["problems"]:
            err.print(f"Error: {r['path']}: {problem}", markup=False)
    if not all(r["ok"] for r in reports):
        raise typer.Exit(3)


# -- transcripts -----------------------------------------------------------------------------


@app.command()
@command
def transcript(
    reference: Annotated[
        str | None, typer.Argument(help="The matter's reference (or --client).", show_default=False)
    ] = None,
    client: Annotated[
        str | None, typer.Option(help="A client's transcript instead: their matters and conversations.")
    ] = None,
    from_: Annotated[str | None, typer.Option("--from", help="Only messages from this date or time on.")] = None,
    until: Annotated[str | None, typer.Option(help="Only messages up to this date (inclusive) or time.")] = None,
    tz: Annotated[str | None, typer.Option(help="Zone to show times in. Default: the archive's.")] = None,
    out_path: Annotated[
        str | None, typer.Option("--out", help="The PDF to write (never overwritten).", show_default=False)
    ] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option(help="Folder for YYYY-MM-DD_<client>_<matter>_transcript.pdf. Default: here.", show_default=False),
    ] = None,
    mkdir: MakeFolder = False,
    bates_prefix: Annotated[str | None, typer.Option(help="Bates prefix. Default: the archive's.")] = None,
    bates_start: Annotated[
        int | None, typer.Option(help="First Bates number. Default: the prefix's next free number.")
    ] = None,
    no_media: Annotated[bool, typer.Option("--no-media", help="List images instead of showing them.")] = False,
    json_: Json = False,
    quiet: Quiet = False,
) -> None:
    """Render a matter's messages as a dated PDF/A with page and Bates numbers, recorded so `textfile verify FILE.pdf` can prove it."""
    from textfile.transcript import make_transcript

    options = dict(
        matter=reference,
        client=client,
        from_=from_,
        until=until,
        tz=tz,
        out=out_path,
        out_dir=out_dir,
        mkdir=mkdir,
        bates_prefix=bates_prefix,
        bates_start=bates_start,
        media=not no_media,
    )
    with open_archive() as archive:
        made = with_progress(
            quiet or json_,
            "Rendering transcript",
            "messages",
            lambda progress: make_transcript(
                archive, **options, progress=progress and (lambda done, total: progress(done, total=total))
            ),
        )
    if json_:
        emit_json(made)
    elif not quiet:
        out.print(
            f"Wrote {made['path']}: {made['messages']:,} messages, {made['pages']:,} pages, Bates {made['bates_first']} to {made['bates_last']}.",
            markup=False,
        )


# -- the weekly routine ------------------------------------------------------------------------


@app.command("archive")
@command
def archive_(
    inbox: Annotated[
        Path, typer.Argument(help="Folder of exports (searched recursively, any mix of formats).", show_default=False)
    ],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the new transcripts.", show_default=False)],
    mkdir: MakeFolder = False,
    wait: Annotated[
        bool, typer.Option("--wait/--no-wait", help="If another run is going: wait for it, or exit at once.")
    ] = False,
    tz: Annotated[
        str | None,
        typer.Option(
            help="Zone of wall-clock times in every WhatsApp export. Default: each chat's zone as last read, else the archive's."
        ),
    ] = None,
    corrects_tz: CorrectsTz = False,
    corrects_reading: CorrectsReading = False,
    me: Annotated[
        str | None,
        typer.Option(
            help="You in the exports: your name as WhatsApp chats write it, or the number of the phone an Android backup came from."
        ),
    ] = None,
    date_order: Annotated[
        str | None,
        typer.Option(
            help="Date order of every WhatsApp export in the inbox: dmy, mdy or ymd. Default: each chat's as last read, else what its dates prove."
        ),
    ] = None,
    bates_prefix: Annotated[
        str | None,
        typer.Option(
            help="Bates prefix of the run's transcripts. Default: the snapshots' own series, <archive prefix>-SNAP, so that productions' numbers stay unbroken."
        ),
    ] = None,
    json_: Json = False,
    quiet: Quiet = False,
) -> None:
    """The weekly run, for cron: import every new export under INBOX, render a transcript for each matter that gained messages, report.

    Exit 0 when everything went in, 1 when a file or a transcript failed (the rest still went in), 3 when an integrity check failed.
    """
    from textfile import weekly
    from textfile.transcript import output_folder

    path = resolve_path(state.archive_path)
    with open_archive() as archive, weekly.run_lock(path, wait=wait):
        try:
            output_folder(out_dir, mkdir, "--out")
        except TextfileError as exc:
            weekly.append_log(path, [f"archive {inbox}: not run: {exc}"])  # cron's only trace
            weekly.record_run(
                path,
                (
                    weekly.last_run(path, archive.settings.archive_id)
                    or {"archive": archive.settings.archive_id, "started_at": None}
                )
                | {"not_run": {"at": times.now_iso(), "inbox": str(inbox), "reason": str(exc)}},
            )  # (status says so)
            raise
        report = with_progress(
            quiet or json_,
            "Archiving",
            "files",
            lambda progress: weekly.archive_inbox(
                archive,
                inbox,
                out_dir,
                render=functools.partial(weekly.render_matter, bates_prefix=bates_prefix),
                tz=tz,
                corrects_tz=corrects_tz,
                corrects_reading=corrects_reading,
                me=me,
                date_order=date_order,
                parallel=True,
                on_file=progress and (lambda p, what: progress(advance=1, description=f"{what.capitalize()} {p.name}")),
            ),
        )
        weekly.append_log(path, weekly.log_lines(report))
        weekly.record_run(path, report.record(archive.settings.archive_id))
    if json_:
        emit_json(report.as_dict())
    elif not quiet:
        for line in weekly.log_lines(report):
            out.print(line, markup=False)
    for failure in report.failed:
        err.print(f"Error: {failure['path']}: {failure['reason']}", markup=False)
    for failure in report.render_failed:
        err.print(f"Error: transcript of {failure['matter']}: {failure['reason']}", markup=False)
    for problem in report.problems:
        err.print(f"Error: {problem}", markup=False)
    if report.exit_code:
        raise typer.Exit(report.exit_code)


@app.command()
@command
def deletable(json_: Json = False, quiet: Quiet = False) -> None:
    """Per conversation: how far it is safe to delete it from the phone (every message up to then is in a verified transcript);
    conversations set aside as not client-related (`conversation ignore`) come last."""
    from textfile import weekly

    with open_archive() as archive:
        verdicts = weekly.deletable(archive)
        tz = times.zone(archive.settings.tz)
    if json_:
        return emit_json(verdicts)
    if quiet:
        return
    rows = table(
        Col("#", whole=True),
        Col("Platform", whole=True, drop=1),
        Col("Conversation"),
        Col("Messages", whole=True, drop=2),
        Col("Last archived", whole=True, drop=3),
        Col("Verdict", min_width=30),
    )
    aside = [v for v in verdicts if v["ignored"] and not v["legal_hold"]]
    for v in verdicts:  # (named as `conversations` names it)
        if v not in aside:
            add_row(
                rows,
                v["conversation"],
                v["platform"],
                _people(v),
                v["messages"],
                times.display(v["last_archived"], tz, v["last_archived_precision"]),
                v["verdict"],
            )
    if not verdicts:
        return out.print("No conversation is archived yet.", markup=False)
    if len(aside) < len(verdicts):
        out.print(rows)
    if aside:  # one line each, after the verdicts that matter
        out.print(
            f"Not client-related (textfile conversation ignore), {len(aside)}: delete when you like", markup=False
        )
        for v in aside:
            out.print(
                f"  {v['conversation']} {_people(v)} ({v['platform']}, {v['messages']}): {ignore.said(v['ignored'], tz)}",
                markup=False,
                soft_wrap=True,
            )


def _people(v: dict) -> str:
    """A deletable verdict's conversation, named as `conversations` names it."""
    from textfile.transcript.content import own_title

    return own_title(v["title"], v["participants"]) or ", ".join(v["participants"])


@app.command()
@command
def status(json_: Json = False, quiet: Quiet = False) -> None:
    """What needs a person this week, each with the command that deals with it. Changes nothing.

    What was imported since the last `archive` run (else in the last 7 days) and what those imports assumed, conversations waiting to be filed (the new ones marked), the files and transcripts the last run failed on, matters with messages in no transcript, transcripts missing or altered, and how many conversations are safe to delete.

    Exit 0 when nothing needs a person, 4 when something does (for cron: `textfile status > FILE || mail … < FILE` mails the screen only when something needs you), 3 when an integrity check fails (a transcript altered, the audit log or the archive's records changed outside textfile).
    """
    from textfile.status import status as read_status

    with open_archive() as archive:
        found = read_status(archive)
        tz = times.zone(archive.settings.tz)
    if json_:
        emit_json(found.as_dict())
    elif not quiet:
        _print_status(found, tz)
    if found.exit_code:
        raise typer.Exit(found.exit_code)


def _print_status(s, tz) -> None:
    say = lambda text: out.print(text, markup=False)  # noqa: E731
    since = (
        f"by the archive run of {times.display(s.since, tz)} and since"
        if s.since_run
        else "in the last 7 days (no archive run recorded)"
    )
    if s.imports:
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
                rows,
                i["import"],
                i["file_name"],
                i["format"],
                f"{i['added']:,}",
                f"{i['updated']:,}",
                times.display(i["started_at"], tz),
            )
        out.print(rows)
    else:
        say(f"Nothing imported {since}.")
    noted = [i for i in s.imports if i["notes"]]
    if noted:
        say(
            "What they assumed and warned of (an assumption wrong? import the file again with --tz, --date-order or --me):"
        )
        for i in noted:
            say(f"  import {i['import']}, {i['file_name']}:")
            before = {f"assumed: {a}" for a in i["seen_before"]}
            for line in i["notes"]:  # (an assumption earlier imports made too: said, and not news)
                say(
                    f"    {line.replace('assumed: ', 'assumed, as by earlier imports: ', 1) if line in before else line}"
                )
    if s.unfiled:
        new = sum(1 for c in s.unfiled if c["new"])
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
            add_row(
                rows,
                c["id"],
                "new" if c["new"] else "",
                c["platform"],
                c["label"],
                f"{c['unfiled']:,}",
                times.display(c["last"], tz, c["last_precision"]),
            )
        out.print(rows)
    if s.not_run:
        say(f"The archive run of {times.display(s.not_run['at'], tz)} did not run: {s.not_run['reason']}")
    if s.failed or s.render_failed:
        say(
            f"Failed in the last archive run ({times.display(s.last_run['started_at'], tz)}; the next run tries them again):"
        )
        for f in s.failed:
            say(f"  {f['path']}: {f['reason']}")
        for f in s.render_failed:
            say(f"  transcript of {f['matter']}: {f['reason']} (textfile transcript {f['matter']})")
    if s.waiting:
        say(
            f"Left for the next archive run (modified within a minute of the last one: still being written?): {len(s.waiting)}"
            f" file{'s' if len(s.waiting) != 1 else ''}"
        )
        for path in s.waiting:
            say(f"  {path}")
    if s.stale_matters:
        say(
            f"Matters with messages in no transcript: {', '.join(s.stale_matters)} (the next archive run renders them, or textfile transcript REF)"
        )
    for t in s.transcripts:
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
    for problem in s.problems:
        say(f"INTEGRITY {problem} (textfile verify)")
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
    if not s.exit_code:
        say("Nothing needs you.")
    elif s.exit_code == 4:  # (what above needs you, in one line: what cron's mail says first)
        n = lambda count, one, many: f"{count} {one if count == 1 else many}"  # noqa: E731
        items = [
            n(len(s.unfiled), "conversation to file or set aside", "conversations to file or set aside")
            if s.unfiled
            else "",
            n(s.assumptions, "assumption no earlier import made", "assumptions no earlier import made")
            if s.assumptions
            else "",
            n(len(s.failed), "failed file", "failed files") if s.failed else "",
            n(len(s.render_failed), "failed transcript", "failed transcripts") if s.render_failed else "",
            "a run that did not run" if s.not_run else "",
            n(len(s.stale_matters), "matter with messages in no transcript", "matters with messages in no transcript")
            if s.stale_matters
            else "",
            n(len(s.transcripts), "transcript missing", "transcripts missing") if s.transcripts else "",
        ]
        say(f"Needs you: {'; '.join(filter(None, items))}.")


def main() -> None:
    os.umask(0o077)  # every file textfile writes is readable by its owner only
    with ExitStack() as run:
        try:
            run.enter_context(scratch.run_folder())  # every temporary file of this run, removed at its end
        except TextfileError as exc:
            err.print(f"Error: {exc}", markup=False)
            raise SystemExit(1) from None
        app(prog_name="textfile")


if __name__ == "__main__":
    main()
