"""The one way a command prints: `emit` its result (its JSON form under --json, nothing under
--quiet, else the command's own `show`: tables, lines), and `command`, which turns the core's typed
errors into a one-line `Error: …` on stderr and an exit code (1 error, 2 usage, 3 integrity; `status`
exits 4 when something needs a person). No traceback reaches a user: anything unexpected is reported
the same way (set TEXTFILE_DEBUG=1 to see the traceback). Under --json, a failure is also said on
stdout, as `{"error": …, "exit_code": …}`, so a script reading stdout learns why there is no data.

What is printed is data, never rich markup (a name, a message, a file name `test_[mmddyy].txt`).
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable
from pathlib import Path

import typer
from rich.console import Console
from typer.core import TyperCommand

from textfile.archive import Archive, resolve_path
from textfile.errors import TextfileError
from textfile.results import json_form

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class State:
    archive_path: Path | None = None  # --archive


state = State()


def open_archive() -> Archive:
    return Archive.open(resolve_path(state.archive_path))


def say(text: str) -> None:
    """A line of the command's output (data: never read as markup)."""
    out.print(text, markup=False)


def warn(text: str) -> None:
    """A line on stderr: `Error: …` or `Warning: …`, said whatever --json or --quiet say."""
    err.print(text, markup=False)


def emit(result, *, json_: bool, quiet: bool, show: Callable | None = None) -> None:
    """Print a command's result: its JSON form under --json, nothing under --quiet, else `show(result)`."""
    if json_:
        print_json(result)
    elif not quiet and show is not None:
        show(result)


def print_json(result) -> None:
    typer.echo(json.dumps(json_form(result), ensure_ascii=False, indent=2, default=str))


def fail(message: str, code: int = 1) -> typer.Exit:
    warn(f"Error: {message}")
    return typer.Exit(code)


def command(fn):
    """Turn the core's typed errors into `Error: …` and an exit code."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except TextfileError as exc:
            message, code = str(exc), exc.exit_code
        except typer.Exit:
            raise
        except Exception as exc:
            if os.environ.get("TEXTFILE_DEBUG"):
                raise
            message, code = f"internal error: {type(exc).__name__}: {exc}", 1
        if kwargs.get("json_"):  # a script reading stdout learns why there is no data
            print_json({"error": message, "exit_code": code})
        raise fail(message, code) from None

    wrapper.is_command = True  # (found by textfile.cli.commands: a new command is one function in one module)
    return wrapper


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
