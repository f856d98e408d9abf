"""The command line: parse arguments, call one function of the core, print its result.

Every command is a function of a module named for what it acts on, marked `@command`, and named by
its function: `client_add` is `client add` (a group's name first), `import_` is `import` (a Python
keyword). They are found here (`commands`), so a new command is one function in one module: it is
listed last in `--help` until a line of HELP_ORDER places it.

  archive.py        init, verify: the archive as a whole
  imports.py        import, archive: exports taken in (the weekly run)
  clients.py        client …, matter …
  conversations.py  conversations, conversation …, handle …, file, unfile
  report.py         search, log, deletable
  status.py         status, and its screen
  coverage.py       coverage: what the archive may be missing
  transcripts.py    transcript
  notes.py          note add|list|show|edit|move|withdraw
  lifecycle.py      retention …, dispose
  browse.py         browse: the archive in Datasette, read-only
  output.py         the one way a command prints (`emit`: --json, --quiet, its tables) and fails (`command`)
  tables.py         tables that fit the terminal
  options.py        the arguments and options more than one command takes

A command's docstring is its --help; the docstring's last paragraph, `Example: …`, is printed at
the end of it (an epilog). Only here, at `main`, does the run's temporary folder begin and end.
"""

from __future__ import annotations

import inspect
import os
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperOption

from textfile import __version__, scratch
from textfile.cli import (
    archive,
    browse,
    clients,
    conversations,
    coverage,
    imports,
    lifecycle,
    notes,
    produce,
    report,
    review,
    status,
    transcripts,
)
from textfile.cli.output import NamesEveryMissingOption, err, out, state, warn
from textfile.errors import TextfileError

# typer's rich help (seen in 0.29) prints a flag's type, `--json <bool>`, as if it took a value (its
# plain help does not): a flag, --help among them, shows as a flag. (Older typer has no such method.)
if _type_shown := getattr(TyperOption, "display_type_rich", None):
    TyperOption.display_type_rich = lambda self, ctx: (
        None if self.is_flag and not self.count else _type_shown(self, ctx)
    )

app = typer.Typer(
    name="textfile",
    help="Archive client text messages (iMessage, Android, WhatsApp) under clients and matters, for the file.",
    epilog="Example: textfile import ~/Exports/sms-20240301.xml && textfile status",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
client_app = typer.Typer(
    help="Clients and the phone numbers and emails they text from.",
    epilog='Example: textfile client add "Sam Client" --phone "(202) 555-0143"',
    no_args_is_help=True,
)
matter_app = typer.Typer(
    help="Matters: what a client's conversations are filed under.",
    epilog="Example: textfile matter list",
    no_args_is_help=True,
)
conversation_app = typer.Typer(
    help="One conversation: set it aside as not client-related, or take it back.",
    epilog='Example: textfile conversation ignore 2 --reason "my dentist"',
    no_args_is_help=True,
)
handle_app = typer.Typer(
    help="Handles (a bank's short code, a 2FA sender) whose new threads are set aside as they arrive.",
    epilog='Example: textfile handle ignore 72975 --reason "bank 2FA codes"',
    no_args_is_help=True,
)
review_app = typer.Typer(
    help="Duty to respond: messages that need a professional's attention, the responses they got, and"
    " a person's decisions on them.",
    epilog="Example: textfile review --unanswered --within 24h",
    invoke_without_command=True,
)
review_app.callback()(review.review_queue)
lexicon_app = typer.Typer(
    help="The words and phrases that flag messages: show, add, remove, reset (each change audited).",
    epilog='Example: textfile review lexicon add deadlines "mediation"',
    no_args_is_help=True,
)
review_app.add_typer(lexicon_app, name="lexicon")
retention_app = typer.Typer(
    help="Retention: how long a closed matter's file is kept, and what is past it.",
    epilog="Example: textfile retention report",
    no_args_is_help=True,
)
app.add_typer(client_app, name="client")
app.add_typer(matter_app, name="matter")
app.add_typer(conversation_app, name="conversation")
app.add_typer(handle_app, name="handle")
app.add_typer(review_app, name="review")
note_app = typer.Typer(
    help="Notes to file: memos about a matter bound to the messages they concern; privileged ones stay out of"
    " transcripts, listed in their privilege log.",
    epilog='Example: textfile note add 2026-014 "Called Sam; agreed to wait." --about "#2.15"',
    no_args_is_help=True,
)
app.add_typer(note_app, name="note")
app.add_typer(retention_app, name="retention")


GROUPS = {
    "client": client_app,
    "matter": matter_app,
    "conversation": conversation_app,
    "handle": handle_app,
    "review": review_app,
    "review lexicon": lexicon_app,
    "note": note_app,
    "retention": retention_app,
}
MODULES = (
    *(archive, imports, clients, conversations, report, status, transcripts, review, notes, coverage, lifecycle),
    produce,
    browse,
)
# The order `--help` lists the commands in: for people (setting up, the weekly loop, then the groups).
HELP_ORDER = (
    *("init", "import", "conversations", "file", "unfile", "search", "log", "verify", "transcript", "archive"),
    *("deletable", "status", "coverage", "settings", "browse"),
    *("client add", "client edit", "client list", "client show", "client consent", "client minor"),
    *("matter open", "matter close", "matter reopen", "matter hold", "matter release", "matter edit", "matter list"),
    *("conversation show", "conversation ignore", "conversation unignore"),
    *("handle ignore", "handle unignore", "handle list"),
    *("review show", "review ack", "review dismiss", "review reopen"),
    *("review lexicon show", "review lexicon add", "review lexicon remove", "review lexicon reset"),
    *("note add", "note list", "note show", "note edit", "note move", "note withdraw"),
    *("retention set", "retention show", "retention report", "dispose"),
    *("produce", "productions", "redact", "redactions", "unredact"),
)
OPTIONS = {name: {"cls": NamesEveryMissingOption} for name in ("init", "matter open", "matter reopen")}


def command_name(fn) -> str:
    """The command a function is: `client_add` is `client add`, `import_` is `import`, `conversations` is itself."""
    name = fn.__name__.rstrip("_")
    words = name.split("_")
    for k in range(len(words) - 1, 0, -1):  # the longest group first: `review_lexicon_add` is `review lexicon add`
        if " ".join(words[:k]) in GROUPS:
            return f"{' '.join(words[:k])} {'_'.join(words[k:])}"
    return name


def commands(modules=MODULES) -> dict:
    """Every `@command` function the modules define, by command name, in HELP_ORDER, then the others."""
    found = {
        command_name(fn): fn
        for module in modules
        for fn in vars(module).values()
        if getattr(fn, "is_command", False) and fn.__module__ == module.__name__ and not fn.__name__.startswith("_")
    }
    return {
        name: found[name]
        for name in [*(n for n in HELP_ORDER if n in found), *(n for n in found if n not in HELP_ORDER)]
    }


def _add(group: typer.Typer, name: str, fn, **options) -> None:
    """`fn` as the command `name` of `group`: its docstring is its help, the last paragraph (`Example: …`) its epilog."""
    help_text, _, example = inspect.getdoc(fn).rpartition("\n\nExample: ")
    group.command(name, help=help_text, epilog=f"Example: {example}", **options)(fn)


for _name, _fn in commands().items():
    _group, _, _sub = _name.rpartition(" ")
    _add(GROUPS[_group] if _group else app, _sub, _fn, **OPTIONS.get(_name, {}))


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


def main() -> None:
    os.umask(0o077)  # every file textfile writes is readable by its owner only
    with ExitStack() as run:
        try:
            run.enter_context(scratch.run_folder())  # every temporary file of this run, removed at its end
        except TextfileError as exc:
            warn(f"Error: {exc}")
            raise SystemExit(1) from None
        app(prog_name="textfile")


__all__ = ["app", "main"]
