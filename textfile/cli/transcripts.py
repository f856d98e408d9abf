"""`textfile transcript`: a matter's (or a client's) messages as a dated, Bates-numbered PDF/A."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from textfile.cli.options import CacheSize, From, Json, MakeFolder, NoCache, Quiet, Until
from textfile.cli.output import command, emit, open_archive, say, warn, with_progress

if TYPE_CHECKING:
    from textfile.transcript.made import Transcript

MatterReference = Annotated[
    str | None, typer.Argument(help="The matter's reference (or --client).", show_default=False)
]
OfClient = Annotated[str | None, typer.Option(help="A client's transcript instead: their matters and conversations.")]
ShownZone = Annotated[str | None, typer.Option(help="Zone to show times in. Default: the archive's.")]
OutPath = Annotated[str | None, typer.Option("--out", help="The PDF to write (never overwritten).", show_default=False)]
OutDir = Annotated[
    Path | None,
    typer.Option(help="Folder for YYYY-MM-DD_<client>_<matter>_transcript.pdf. Default: here.", show_default=False),
]
BatesPrefix = Annotated[
    str | None,
    typer.Option(
        help="Bates prefix. Default: the archive's (<archive prefix>-PRIV for one that shows privileged notes)."
    ),
]
BatesStart = Annotated[int | None, typer.Option(help="First Bates number. Default: the prefix's next free number.")]
NoMedia = Annotated[bool, typer.Option("--no-media", help="List images instead of showing them.")]
IncludePrivileged = Annotated[
    bool,
    typer.Option(
        "--include-privileged",
        help='Put the privileged notes to file in an appendix marked "Privileged & Confidential", and mark the whole'
        " file so (named …_transcript_PRIVILEGED.pdf; an --out name must say PRIVILEGED too), numbered in its own Bates"
        " series, <archive prefix>-PRIV, unless --bates-prefix is given, so that productions' numbers stay unbroken."
        " Without it they are left out, and listed in a privilege log: a page of the PDF and a CSV beside it.",
    ),
]


@command
def transcript(
    reference: MatterReference = None,
    client: OfClient = None,
    from_: From = None,
    until: Until = None,
    tz: ShownZone = None,
    out_path: OutPath = None,
    out_dir: OutDir = None,
    mkdir: MakeFolder = False,
    bates_prefix: BatesPrefix = None,
    bates_start: BatesStart = None,
    no_media: NoMedia = False,
    include_privileged: IncludePrivileged = False,
    no_cache: NoCache = False,
    cache_size: CacheSize = None,
    json_: Json = False,
    quiet: Quiet = False,
):
    """Render a matter's messages as a dated PDF/A with page and Bates numbers, recorded so `textfile verify FILE.pdf` can prove it.

    Example: textfile transcript 2026-014 --out-dir ~/Transcripts --mkdir"""
    from textfile.transcript import make_transcript

    options = dict(matter=reference, client=client, from_=from_, until=until, tz=tz, out=out_path, out_dir=out_dir)
    options |= dict(mkdir=mkdir, bates_prefix=bates_prefix, bates_start=bates_start, media=not no_media)
    options |= dict(cache=not no_cache, cache_size=cache_size, include_privileged=include_privileged)
    with open_archive() as archive:
        made = with_progress(
            quiet or json_,
            "Rendering transcript",
            "messages",
            lambda progress: make_transcript(
                archive, **options, progress=progress and (lambda done, total: progress(done, total=total))
            ),
        )
    emit(made, json_=json_, quiet=quiet, show=_say_made)
    for warning in made.warnings:  # (notes of another matter: notes/stranded.py)
        warn(f"Warning: {warning}")
    if made.notes and made.notes["privileged_shown"]:  # (said whatever --json or --quiet say)
        from textfile.integrity.earlier import counted

        warn(
            f"Warning: {made.path} includes {counted(made.notes['privileged_shown'], 'privileged note')}:"
            " Privileged & Confidential, not for production."
        )


def _say_made(made: Transcript) -> None:
    """transcript.make_transcript's record of the file it wrote."""
    from textfile.integrity.earlier import counted

    reused = f" ({made.reused} of {made.chunks - 1} chunks from the cache)" if made.reused else ""
    say(
        f"Wrote {made.path}: {counted(made.messages, 'message')}, {counted(made.pages, 'page')}, Bates {made.bates_first} to {made.bates_last}."
        + reused
    )
    notes = made.notes
    if notes and notes["privileged_left_out"]:
        n = notes["privileged_left_out"]
        say(
            f"Left out {counted(n, 'privileged note')}; their privilege log: {notes['privilege_log']} (and a page of the PDF)."
        )
