"""The arguments and options more than one command takes, each written once: its flag and its help."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

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
ConversationNumber = Annotated[int, typer.Argument(help="The conversation's number (see `textfile conversations`).")]
From = Annotated[str | None, typer.Option("--from", help="Only messages from this date or time on.")]
Until = Annotated[str | None, typer.Option(help="Only messages up to this date (inclusive) or time.")]
Reference = Annotated[str, typer.Argument(help="The matter's reference.")]
ClientName = Annotated[str, typer.Argument(help="The client's name.")]
OutFolder = Annotated[Path, typer.Option("--out", help="Folder for the new transcripts.", show_default=False)]
NoCache = Annotated[
    bool,
    typer.Option(
        "--no-cache",
        help="Render every chunk of messages anew: take none from the cache of rendered chunks beside the archive, keep none in it.",
    ),
]
CacheSize = Annotated[
    str | None,
    typer.Option(
        "--cache-size",
        metavar="SIZE",
        help="The most the cache of rendered chunks beside the archive may hold (500M, 2G…); the chunks used least recently are removed past it. Default: 1G.",
        show_default=False,
    ),
]


def numbers(given: list[str], noun: str, *, highest: int | None = None, see: str = "") -> list[int]:
    """Numbers as a person gives them: 12, or a range 20-25; each once, in order. With `highest`, a
    range is expanded only up to it (`see`: the command that lists them); without, up to 100,000 at once."""
    from textfile.errors import InvalidInput

    out: dict[int, None] = {}
    for text in given:
        first, dash, last = text.strip().partition("-")
        if not (first.isdigit() and (not dash or last.isdigit())) or (dash and int(last) < int(first)):
            raise InvalidInput(f"not a {noun} number or range (12, 20-25): {text!r}")
        if dash and highest is not None and int(last) > highest:
            raise InvalidInput(
                f"no {noun} {max(int(first), highest + 1)} (see `{see}`): {text!r} goes past the last, {highest}"
            )
        if dash and int(last) - int(first) >= 100_000:
            raise InvalidInput(f"{text!r}: a range of more than 100,000 {noun}s")
        out.update(dict.fromkeys(range(int(first), int(last if dash else first) + 1)))
    return list(out)
