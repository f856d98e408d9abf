"""Commands of productions: `redact`, `redactions`, `unredact` (produce/redaction.py) and `produce`."""

from __future__ import annotations

from typing import Annotated

import typer

from textfile import times
from textfile.cli.options import Json, Quiet
from textfile.cli.output import command, emit, open_archive, say
from textfile.cli.tables import Col, add_row, show, table

Message = Annotated[
    str,
    typer.Argument(
        help="The message, as `conversation show` and transcripts number it (#2.15), or the start of its id.",
        metavar="MESSAGE",
    ),
]
Span = Annotated[str, typer.Option("--span", help="The words to redact, exactly as the message has them.")]
Reason = Annotated[str, typer.Option("--reason", help="Why: privileged, PII or other (shown in the black box).")]
Occurrence = Annotated[
    int | None,
    typer.Option("--occurrence", metavar="N", help="The words occur more than once: redact the Nth (from 1)."),
]
Every = Annotated[bool, typer.Option("--all", help="The words occur more than once: redact every one.")]
RedactionNumber = Annotated[
    int, typer.Argument(help="The redaction's number (see `textfile redactions`).", metavar="REDACTION")
]
Why = Annotated[str, typer.Option("--reason", help="Why it is withdrawn (its sha256 is audited).")]
OfMatter = Annotated[
    str | None, typer.Argument(help="The matter's reference (default: every matter).", metavar="[MATTER]")
]
Withdrawn = Annotated[bool, typer.Option("--withdrawn", help="Also the redactions withdrawn.")]


@command
def redact(
    message: Message,
    span: Span,
    reason: Reason,
    occurrence: Occurrence = None,
    every: Every = False,
    json_: Json = False,
    quiet: Quiet = False,
):
    """Redact words of a message from what `produce` hands over: the PDF shows a black box with the reason, the RSMF, CSV, JSONL and text files "[REDACTED: PII]", and the production's redaction log lists it. The archive keeps the message as sent. Audited (the words' sha256, never the words).

    Example: textfile redact '#2.15' --span "SSN 123-45-6789" --reason PII"""
    from textfile.produce import redaction

    with open_archive() as archive, archive.transaction() as conn:
        made = redaction.add(conn, message, span, reason, occurrence, every)
    emit(
        made,
        json_=json_,
        quiet=quiet,
        show=lambda rs: say(
            "; ".join(f"Redaction {r.id}: message #{r.number}, characters {r.start}–{r.end} ({r.reason})" for r in rs)
            + "."
        ),
    )


@command
def redactions(matter: OfMatter = None, withdrawn: Withdrawn = False, json_: Json = False, quiet: Quiet = False):
    """List the redactions (of the messages filed to a matter, or all): each one's message, place, reason, who made it and when.

    Example: textfile redactions 2026-014"""
    from textfile.produce import redaction

    with open_archive() as archive:
        tz = times.zone(archive.settings.tz)
        found = redaction.listed(archive.conn, matter, withdrawn)
    emit(found, json_=json_, quiet=quiet, show=lambda rs: _redactions(rs, tz))


def _redactions(found, tz) -> None:
    if not found:
        say("No redactions.")
        return
    rows = table(
        Col("#", whole=True),
        Col("Message", whole=True),
        Col("Matter", whole=True, drop=2),
        Col("Chars", whole=True),
        Col("Reason", whole=True),
        Col("Made", drop=1),
        Col("State", drop=3),
    )
    for r in found:
        add_row(
            rows,
            r.id,
            f"#{r.number}",
            ", ".join(r.matter) or "(unfiled)",
            f"{r.start}–{r.end}",
            r.reason,
            f"{times.display(r.created_at, tz, 'minute')} {r.created_by}",
            f"withdrawn {times.display(r.withdrawn_at, tz, 'minute')}" if r.withdrawn_at else "in force",
        )
    show(rows)


@command
def unredact(redaction_id: RedactionNumber, reason: Why, json_: Json = False, quiet: Quiet = False):
    """Withdraw a redaction made by mistake: it stays on the record (`redactions --withdrawn`) and is no longer applied. Audited.

    Example: textfile unredact 3 --reason "wrong words: the number is the firm's own\""""
    from textfile.produce import redaction

    with open_archive() as archive, archive.transaction() as conn:
        done = redaction.withdraw(conn, redaction_id, reason)
    emit(done, json_=json_, quiet=quiet, show=lambda r: say(f"Redaction {r.id} of message #{r.number} withdrawn."))
