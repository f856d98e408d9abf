"""Commands of productions: `produce` (produce/production.py), `redact`, `redactions`, `unredact` (produce/redaction.py)."""

from __future__ import annotations

from typing import Annotated

import typer

from textfile import times
from textfile.cli.options import From, Json, Quiet, Reference, Until
from textfile.cli.output import command, emit, open_archive, say, warn, with_progress
from textfile.cli.tables import Col, add_row, show, table
from textfile.errors import InvalidInput

Message = Annotated[
    str,
    typer.Argument(
        help="The message, as `conversation show` numbers it now (#2.15; a later import can move numbers), or the"
        " start of its id, which never moves.",
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
Out = Annotated[
    str, typer.Option("--out", help="The production's folder: a new one (or empty); nothing is written over.")
]
Conversations = Annotated[
    list[int] | None,
    typer.Option("--conversation", metavar="N", help="Only this conversation of the matter; repeatable."),
]
Prefix = Annotated[str | None, typer.Option("--bates-prefix", help="Bates prefix. Default: the archive's.")]
Exhibits = Annotated[
    bool, typer.Option("--exhibits", help="One PDF per conversation, stamped as a numbered exhibit on every page.")
]
ExhibitStart = Annotated[
    str, typer.Option("--exhibit-start", metavar="1|A", help="The first exhibit's number or letter (with --exhibits).")
]
Context = Annotated[
    int,
    typer.Option(
        "--context",
        metavar="N",
        help="With --from/--until: also up to N of the matter's messages before and after the window in each"
        " conversation (FRE 106).",
    ),
]
RequireReviewed = Annotated[
    bool, typer.Option("--require-reviewed", help="Refuse while a message of the production has an open review flag.")
]
Again = Annotated[
    int | None,
    typer.Option(
        "--again",
        metavar="N",
        help="Make production N again into a new folder, with its own numbers, options and time: the same bytes,"
        " file for file. Refused (exit 1, nothing written) when the archive no longer holds its messages as produced"
        " (edited, redacted otherwise, unfiled from the matter); exit 3 naming the files that differ when what else"
        " they say changed since.",
    ),
]
Parents = Annotated[
    bool,
    typer.Option(
        "--mkdir",
        help="Make the folders --out is in when they do not exist (readable by you only); without it, a missing one"
        " is an error. The production's own folder is always made new.",
    ),
]
Reproduce = Annotated[
    bool, typer.Option("--reproduce", help="Produce messages already produced again, under new Bates numbers.")
]


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
    for warning in made[0].warnings:  # (every redaction made is of the one message named)
        warn(f"Warning: {warning}")
    emit(
        made,
        json_=json_,
        quiet=quiet,
        show=lambda rs: say(
            "; ".join(  # (characters counted from 1, both ends included; --json: offsets, end excluded)
                f"Redaction {r.id}: message #{r.number}, characters {r.start + 1}–{r.end} ({r.reason})" for r in rs
            )
            + "."
        ),
    )
    if made and made[0].produced:  # (said whatever --json or --quiet say)
        said = ", ".join(f"production {p['production']} ({p['bates']})" for p in made[0].produced)
        warn(
            f"Warning: message #{made[0].number} was produced before, unredacted, in {said}: those words are in the"
            " other side's hands (a clawback is for you to ask); the redaction applies from the next production on."
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
            f"{r.start + 1}–{r.end}",  # (counted from 1, both ends included: as a person counts)
            r.reason,
            f"{times.display(r.created_at, tz, 'minute')} {r.created_by}",
            f"withdrawn {times.display(r.withdrawn_at, tz, 'minute')}"
            if r.withdrawn_at
            else f"in force ({_WORDS[r.words]})"
            if r.words
            else "in force",
        )
    show(rows)


# where a redaction's words are when they are not where it was made (produce/redaction.py `Redaction.words`)
_WORDS = {
    "earlier version": "in an earlier version only, withheld",
    "moved": "its words moved: redo it",
}


@command
def unredact(redaction_id: RedactionNumber, reason: Why, json_: Json = False, quiet: Quiet = False):
    """Withdraw a redaction made by mistake: it stays on the record (`redactions --withdrawn`) and is no longer applied. Audited.

    Example: textfile unredact 3 --reason "wrong words: the number is the firm's own\""""
    from textfile.produce import redaction

    with open_archive() as archive, archive.transaction() as conn:
        done = redaction.withdraw(conn, redaction_id, reason)
    emit(done, json_=json_, quiet=quiet, show=lambda r: say(f"Redaction {r.id} of message #{r.number} withdrawn."))


@command
def produce(
    matter: Reference,
    out: Out,
    from_: From = None,
    until: Until = None,
    conversation: Conversations = None,
    bates_prefix: Prefix = None,
    exhibits: Exhibits = False,
    exhibit_start: ExhibitStart = "1",
    context: Context = 0,
    require_reviewed: RequireReviewed = False,
    reproduce: Reproduce = False,
    again: Again = None,
    mkdir: Parents = False,
    json_: Json = False,
    quiet: Quiet = False,
):
    """Produce a matter's texts for a court and for e-discovery, in one new folder: the PDF (one Bates series across every file, signed), natives named by Bates number, RSMF 2.0 per conversation, messages.csv and .jsonl, DAT and OPT load files with extracted text, the redaction and privilege logs, a certification under 28 U.S.C. §1746 / FRE 902(14) to sign, README.txt and SHA256SUMS. Recorded and audited; `textfile verify DIR` checks it, and the other side can with `sha256sum -c SHA256SUMS`.

    Refused when a conversation named holds messages in the window not filed to the matter, when a message was produced before (--reproduce), or while a review flag is open (--require-reviewed).

    Example: textfile produce 2026-014 --out ~/Productions/2026-014-vol1 --mkdir"""
    from textfile.produce import production

    if again is not None:
        given = [
            name
            for name, value in (
                ("--from", from_),
                ("--until", until),
                ("--conversation", conversation),
                ("--bates-prefix", bates_prefix),
                ("--exhibits", exhibits or exhibit_start != "1"),
                ("--context", context),
                ("--require-reviewed", require_reviewed),
                ("--reproduce", reproduce),
            )
            if value
        ]
        if given:
            raise InvalidInput(f"--again makes production {again} with its own options: not with {', '.join(given)}")
        return _again(matter, again, out, mkdir, json_, quiet)

    request = production.Request(
        matter,
        out,
        from_,
        until,
        list(conversation or []),
        bates_prefix,
        exhibits or exhibit_start != "1",
        exhibit_start,
        context,
        require_reviewed,
        reproduce,
        mkdir,
    )
    try:
        with open_archive() as archive:
            made = with_progress(
                quiet or json_,
                "Rendering the production's PDFs",
                "messages",
                lambda progress: production.produce(
                    archive, request, progress=progress and (lambda done, total: progress(done, total=total))
                ),
            )
    except KeyboardInterrupt:
        warn(production.interrupted(out))
        raise typer.Exit(130) from None
    emit(made, json_=json_, quiet=quiet, show=_said)
    for warning in made.warnings:  # (notes of another matter: notes/stranded.py)
        warn(f"Warning: {warning}")


def _said(p) -> None:
    from textfile.integrity.earlier import counted

    lines = [
        f"Production {p.production} of {p.matter}: {p.folder}",
        f"  Bates {p.bates_first} to {p.bates_last}: {counted(p.pages, 'PDF page')} in {counted(len(p.pdfs), 'PDF')},"
        f" {counted(p.natives, 'native file')}",
        f"  {counted(p.messages, 'message')} of {counted(p.conversations, 'conversation')};"
        f" {counted(p.rsmf, 'RSMF file')}; {counted(p.redactions, 'redaction')}",
    ]
    if p.earlier_redactions:  # (on a line of its own: at 80 columns)
        lines.append(f"  of which {p.earlier_redactions:,} of words an edit took out since, in an earlier version only")
    if p.privileged_notes:
        lines.append(f"  {counted(p.privileged_notes, 'privileged note')} withheld, in its privilege log")
    if p.reproduces:
        earlier = ", ".join(str(e["production"]) for e in p.reproduces)
        lines.append(  # (each message once, however many earlier productions held it: second reader, round 13)
            f"  It repeats {counted(p.repeated, 'message')} of production{'s' if len(p.reproduces) > 1 else ''} {earlier}"
        )
    lines += [
        *_files_said(p),
        f"  Check it: textfile verify {p.folder}",
        "  The declaration (CERTIFICATION.pdf) is signed by its declarant on a copy,",
        "  served with the production: the files of the folder stay as they are.",
    ]
    say("\n".join(lines))


def _again(matter: str, number: int, out: str, mkdir: bool, json_: bool, quiet: bool) -> None:
    from textfile.produce import production
    from textfile.produce.remade import NAME as DIFFERS

    with open_archive() as archive:
        made = with_progress(
            quiet or json_,
            "Rendering the production's PDFs again",
            "messages",
            lambda progress: production.produce_again(
                archive,
                matter,
                number,
                out,
                mkdir,
                progress=progress and (lambda done, total: progress(done, total=total)),
            ),
        )
    emit(
        made,
        json_=json_,
        quiet=quiet,
        show=lambda r: say(
            f"Production {r.production} of {r.matter} made again in {r.folder}: "
            + (
                "every file is the same, byte for byte (SHA256SUMS too)."
                if r.identical
                else f"{len(r.differs)} of its files are not the same, as {DIFFERS} in it says."
            )
        ),
    )
    if not made.identical:
        for path in made.differs:
            warn(
                f"Error: {made.folder}: {path} left out: this folder is not production {number}, and has no"
                f" certification ({DIFFERS} says why)"
                if path in made.left_out
                else f"Error: {made.folder}: {path} is not the file production {number} holds (the archive changed since)"
            )
        raise typer.Exit(3)


def _files_said(p) -> list[str]:
    """The folder's files, and how its counts tie: SHA256SUMS lists all but itself and its signature; the
    certification's Schedule B all it lists but the certification (a declaration cannot list its own hash)."""
    from textfile.integrity.earlier import counted

    listed = p.files - 2
    said = [f"  {counted(p.files, 'file')}: {listed:,} listed in SHA256SUMS, which SHA256SUMS.p7s signs"]
    if p.certification_sha256:
        said[0] += ";"
        said.append(f"  the certification's Schedule B lists {listed - 2:,} (all but CERTIFICATION.pdf and .txt).")
    else:
        said[0] += "."
    return said


@command
def productions(matter: OfMatter = None, json_: Json = False, quiet: Quiet = False):
    """List the productions (of a matter, or all): each one's number, matter, when and by whom it was made, its Bates range, how many messages and files, its folder. The number is what `produce --again N` takes.

    Example: textfile productions 2026-014"""
    from textfile.produce import record

    with open_archive() as archive:
        tz = times.zone(archive.settings.tz)
        found = record.listed(archive.conn, matter)
    emit(found, json_=json_, quiet=quiet, show=lambda ps: _productions(ps, tz))


def _productions(found, tz) -> None:
    if not found:
        say("No productions.")
        return
    rows = table(
        Col("#", whole=True),
        Col("Matter", whole=True),
        Col("Made", drop=2),
        Col("Bates", whole=True),
        Col("Msgs", whole=True, drop=3),
        Col("Files", whole=True, drop=4),
        Col("Folder", drop=1),
    )
    for p in found:
        add_row(
            rows,
            p.production,
            p.matter,
            f"{times.display(p.made_at, tz, 'minute')} {p.made_by}",
            f"{p.bates_first}–{p.bates_last}",
            p.messages,
            p.files,
            p.folder + (f" (repeats {', '.join(map(str, p.reproduces))})" if p.reproduces else ""),
        )
    show(rows)
