"""`textfile browse`: the archive in Datasette, read-only (textfile/browse/)."""

from __future__ import annotations

import threading
import webbrowser
from typing import Annotated

import typer

from textfile.archive import resolve_path
from textfile.cli.output import command, say, state
from textfile.errors import TextfileError


@command
def browse(
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="The port on 127.0.0.1 to serve on (0: any free one).")
    ] = 8001,
    open_: Annotated[
        bool,
        typer.Option(
            "--open",
            help="Open the page in your web browser (handed a private file that forwards to the link: a browser's command line is not private).",
        ),
    ] = False,
):
    """The archive in your web browser, read-only: every message with its client and matter, filters (facets) by client, matter, conversation, direction, service and year, full-text search, and the weekly questions as ready-made queries (unfiled conversations, messages in no transcript, a matter's timeline, review flags, deletions seen on the phone, imports and their assumptions). Images are shown, other attachments downloaded.

    It serves a copy of the archive taken when it starts (imports made later are not shown until you start it again), on 127.0.0.1 only, to a browser that opened the link it prints: the link holds a token made for this run, so another user of the machine cannot read it. Starting it and each opening of the link are recorded in the audit log. Ctrl-C stops it; the copy is removed. Needs the browse extra: pip install 'textfile\\[browse]'.

    Example: textfile browse --open"""
    try:
        import datasette  # noqa: F401  (the browse extra)

        from textfile.browse.session import Session
    except ImportError as exc:
        raise TextfileError(
            f"textfile browse needs Datasette, which is not installed ({exc.name}): pip install 'textfile[browse]'"
        ) from None
    session = Session.start(resolve_path(state.archive_path), port)
    started = session.started
    say(f"Browsing a read-only copy of the archive ({started.messages:,} messages), taken {started.taken_at}.")
    say(f"Open: {started.url}")
    say("The link holds this run's token: keep it to yourself. Ctrl-C stops it.")
    if open_:  # (in a thread: a browser in the terminal, such as lynx, would hold the command until it quits)
        threading.Thread(target=_open, args=(session.opener(),), daemon=True).start()
    session.serve()
    say("Stopped; the copy was removed.")


def _open(page) -> None:
    if not webbrowser.open(page.as_uri()):
        say("No web browser could be opened here: open the link above in yours.")
