"""Commands of duty to respond: `review` (the queue), `review show|ack|dismiss|reopen`,
`review lexicon show|add|remove|reset`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from textfile import review, times
from textfile.cli.options import Json, Quiet, numbers
from textfile.cli.output import command, emit, open_archive, say
from textfile.cli.tables import Col, add_row, show, table
from textfile.errors import InvalidInput, NotFound
from textfile.review import queue, report, settings
from textfile.review.queue import Filters
from textfile.review.response import NONE_OWED, took
from textfile.review.scan import SCAN_CLEARED

Unanswered = Annotated[
    bool,
    typer.Option("--unanswered", help="Only flagged messages from clients no response reached within --within."),
]
Within = Annotated[
    str, typer.Option("--within", metavar="TIME", help="With --unanswered: how soon a response was due (24h, 90m, 2d).")
]
MatterOption = Annotated[str | None, typer.Option("--matter", help="Only messages filed under this matter.")]
ClientOption = Annotated[str | None, typer.Option("--client", help="Only messages with this client.")]
ConversationOption = Annotated[int | None, typer.Option("--conversation", help="Only this conversation.")]
RuleOption = Annotated[
    list[str] | None,
    typer.Option("--rule", help="Only this rule (a lexicon category, after_hours_in, no_consent…); repeatable."),
]
StateOption = Annotated[
    list[str] | None,
    typer.Option("--state", help="Flags in this state: open (default), reviewed, dismissed, cleared; repeatable."),
]
AllStates = Annotated[bool, typer.Option("--all", help="Flags in every state.")]
Csv = Annotated[bool, typer.Option("--csv", help="Print the rows as CSV.")]
Pdf = Annotated[Path | None, typer.Option("--pdf", help="Write the review report as a dated PDF.", show_default=False)]
FlagNumbers = Annotated[
    list[str], typer.Argument(help="The flags' numbers (see `textfile review`): 12 14 20-25.", metavar="FLAG…")
]
By = Annotated[str | None, typer.Option("--by", help="Who decided (default: you, the system user).")]
Note = Annotated[str | None, typer.Option("--note", help="What was done about it (recorded with the review).")]
Why = Annotated[str, typer.Option("--reason", help="Why (recorded with the decision).")]


def review_queue(
    ctx: typer.Context,
    unanswered: Unanswered = False,
    within: Within = "24h",
    matter: MatterOption = None,
    client: ClientOption = None,
    conversation: ConversationOption = None,
    rule: RuleOption = None,
    state: StateOption = None,
    all_: AllStates = False,
    csv: Csv = False,
    pdf: Pdf = None,
    json_: Json = False,
    quiet: Quiet = False,
):
    """Messages that need a professional's attention: flags from the lexicons (deadlines, arrest, safety, money, content limits), after-hours texts, opt-outs and texts after them, texts with no consent on record, texts with a minor; each with the response it got and how long it took. Runs the review of what is new first.

    Example: textfile review --unanswered --within 24h"""
    if ctx.invoked_subcommand is not None:
        return
    _queue(unanswered, within, matter, client, conversation, rule, state, all_, csv, pdf, json_, quiet)


@command
def _queue(unanswered, within, matter, client, conversation, rule, state, all_, csv, pdf, json_, quiet):
    if csv and json_:
        raise InvalidInput("--csv and --json print the same rows: give one")
    states = queue.STATES if all_ else tuple(state or ("open",))
    filters = Filters(
        states, tuple(rule) if rule else None, matter, client, conversation, within if unanswered else None
    )
    if pdf is not None:
        if csv:
            raise InvalidInput("--pdf writes the report, --csv prints its rows: give one")
        return _report(pdf, filters, json_, quiet)
    with open_archive() as archive:
        tz = times.zone(archive.settings.tz)
        with archive.transaction() as conn:
            found = review.queue_now(conn, tz, filters)
    if csv:
        typer.echo(report.csv_text(found.flags, tz), nl=False)
        return
    emit(found, json_=json_, quiet=quiet, show=lambda q: _show_queue(q, tz, states, unanswered, filters))


def _report(pdf: Path, filters: Filters, json_: bool, quiet: bool) -> None:
    """`review --pdf FILE`: the review report written, recorded and audited (review/pdf/)."""
    from textfile.review.pdf import make_report

    with open_archive() as archive:
        made = make_report(archive, pdf, filters)
    states = ", ".join(f"{n} {state}" for state, n in made.states.items())
    emit(
        made,
        json_=json_,
        quiet=quiet,
        show=lambda r: say(
            f"Wrote {r.path}: {r.flags} flag{'s' if r.flags != 1 else ''}{f' ({states})' if states else ''},"
            f" {r.pages} page{'s' if r.pages != 1 else ''}, Bates {r.bates_first} to {r.bates_last}."
        ),
    )


def _show_queue(q: review.Queue, tz, states, unanswered: bool, filters: Filters) -> None:
    new, others = sum(q.scan.raised.values()), _other_changes(q.scan)
    if new or others:
        say(f"Reviewed what is new: {', '.join([f'{new} new flag' + ('s' if new != 1 else ''), *others])}.")
    if not q.flags:
        say(
            f"No flagged message from a client went without a response within {took(q.within_s)}."
            if unanswered
            else f"No {'/'.join(states)} flag."
        )
        return
    rows = table(
        Col("Flag", whole=True),
        Col("Message", whole=True),
        Col("Sent", whole=True, drop=2),  # (the reason a flag holds gives way last: second reader, round 15)
        Col("From", drop=1),
        Col("Why", min_width=12, drop=3),
        Col("Text", min_width=16),
        Col("Response", min_width=12),  # (what --unanswered is about: never left out)
        *([Col("State", whole=True)] if states != ("open",) else []),
    )
    for f in q.flags:
        add_row(
            rows,
            f.id,
            f"#{f.number}",
            times.display(f.sent_at, tz, f.time_precision),
            f.sender or "",
            f.why,
            f.body,
            _response(f),
            *([f.state] if states != ("open",) else []),
        )
    show(rows)
    waiting = ", ".join(f"{rule}: {n}" for rule, n in q.open.items())  # ("deadlines: 1", as `status` says it)
    narrowed = filters.matter or filters.client or filters.conversation is not None or filters.rules  # (the list is)
    said = "Open flags in the whole archive" if narrowed else "Open flags"  # (the count never is: q.open)
    say(f"{said}: {sum(q.open.values())}" + (f" ({waiting})" if waiting else "") + ".")
    say("Decide with `textfile review ack FLAG --note …` or `textfile review dismiss FLAG --reason …`.")


def _response(f: queue.Flag) -> str:
    if f.direction != "in":
        return ""
    if f.between_others:
        return NONE_OWED
    if f.response is None:
        return f"none yet ({took(f.waiting_s or 0)} so far)"
    said = f.response.said
    if f.response.outside_hours:
        said += ", after hours"
    return said


@command
def review_show(
    flag: Annotated[int, typer.Argument(help="The flag's number.")], json_: Json = False, quiet: Quiet = False
):
    """One flag: its message with the two before and after it, why it was raised, the response, its state, and every decision a person made on it.

    Example: textfile review show 12"""
    with open_archive() as archive:
        tz = times.zone(archive.settings.tz)
        with archive.transaction() as conn:
            found = review.queue_now(conn, tz, Filters(queue.STATES), ids=[flag], context=2)
    if not found.flags:
        raise NotFound(f"no flag {flag} (see `textfile review --all`)")
    emit(found.flags[0], json_=json_, quiet=quiet, show=lambda f: _show_flag(f, tz))


def _show_flag(f: queue.Flag, tz) -> None:
    say(f"Flag {f.id}: {f.why} — {f.state}")
    if f.decided_at:
        by, note = f.decided_by, f.note
        if f.state == "cleared" and (note or "").startswith(SCAN_CLEARED):  # (not "by textfile …: cleared by a scan")
            by, note = "a scan", note[len(SCAN_CLEARED) :]
        say(f"  {f.state} by {by} on {times.display(f.decided_at, tz)}" + (f": {note}" if note else ""))
    if len(f.history) > 1 or (f.history and f.history[-1].state != f.state):  # (what came before the state now)
        say("  Decisions, oldest first:")
        for d in f.history:
            entered = f", entered by {d.entered_by}" if d.entered_by != d.by else ""
            said = "reopened" if d.state == "open" else d.state
            say(f"    {said} by {d.by} on {times.display(d.at, tz)}{entered}" + (f": {d.note}" if d.note else ""))
    for line in f.context:
        mark = ">" if line.number == f.number else " "
        who = "me" if line.direction == "out" else (line.sender or "?")
        body = line.body if line.kind == "message" else f"[{line.kind}]"
        marks = (
            f" [{'; '.join(line.marks)}]" if line.marks else ""
        )  # (a draft is said a draft, as the transcript says it)
        say(f"{mark} #{line.number} {times.display(line.at, tz, line.time_precision)} {who}{marks}: {body}")
    if f.direction == "in":
        say(f"Response: {_response(f)}")
    if f.outside_hours:
        notice = {True: "a text went out before hours began again", False: "no text went out before hours began again"}
        if f.direction == "in":
            say(f"Received outside working hours; {notice.get(f.notice_before_hours, '')}".rstrip("; "))
        else:
            say("Sent outside working hours")


def _ids(given: list[str]) -> list[int]:
    return numbers(given, "flag")


def _decide(given: list[str], state: str, note: str | None, by: str | None, json_: bool, quiet: bool) -> None:
    with open_archive() as archive:
        tz = times.zone(archive.settings.tz)
        with archive.transaction() as conn:
            done = review.decide_and_scan(conn, tz, _ids(given), state, note, by)
    n = len(done.flags)
    verb = {"reviewed": "Reviewed", "dismissed": "Dismissed", "open": "Opened again"}[state]
    emit(
        done,
        json_=json_,
        quiet=quiet,
        show=lambda d: say(f"{verb} {n} flag{'s' if n != 1 else ''}: {', '.join(map(str, d.flags))}."),
    )


@command
def review_ack(flags: FlagNumbers, note: Note = None, by: By = None, json_: Json = False, quiet: Quiet = False):
    """Mark flags reviewed: by whom (you), when, and what was done (audited).

    Example: textfile review ack 12 --note "called her back at 9:05, hearing moved\""""
    _decide(flags, "reviewed", note, by, json_, quiet)


@command
def review_dismiss(flags: FlagNumbers, reason: Why, by: By = None, json_: Json = False, quiet: Quiet = False):
    """Dismiss flags that need nothing, saying why (audited).

    Example: textfile review dismiss 14 --reason "'trial' is a free trial of an app\""""
    _decide(flags, "dismissed", reason, by, json_, quiet)


@command
def review_reopen(flags: FlagNumbers, reason: Why, by: By = None, json_: Json = False, quiet: Quiet = False):
    """Take back a decision on flags (reviewed or dismissed by mistake): open again, saying why (audited).

    Example: textfile review reopen 14 --reason "dismissed the wrong flag\""""
    _decide(flags, "open", reason, by, json_, quiet)


# -- the lexicon ---------------------------------------------------------------------------------------


@command
def review_lexicon_show(
    category: Annotated[str | None, typer.Argument(help="Only this category.")] = None,
    json_: Json = False,
    quiet: Quiet = False,
):
    """The words and phrases that flag messages, by category: shipped for the archive's languages, or added to this archive (by whom, when).

    Example: textfile review lexicon show safety"""
    with open_archive() as archive:
        terms = settings.lexicon_terms(archive.conn)
        languages = settings.current(archive.conn).languages
    if category:
        terms = [t for t in terms if t.category == category]
        if not terms:
            raise InvalidInput(f"no category {category!r} (see `textfile review lexicon show`)")
    emit(terms, json_=json_, quiet=quiet, show=lambda ts: _show_terms(ts, languages))


def _show_terms(terms: list[settings.LexiconTerm], languages: list[str]) -> None:
    rows = table(Col("Category", whole=True), Col("Flags", whole=True), Col("Terms", min_width=20))
    by: dict[str, list[settings.LexiconTerm]] = {}
    for t in terms:
        by.setdefault(t.category, []).append(t)
    words = {"in": "received", "out": "sent", "any": "both"}
    for name, ts in by.items():
        add_row(
            rows, name, words[ts[0].direction], ", ".join(t.term + ("*" if t.source == "added" else "") for t in ts)
        )
    show(rows)
    say(f"Languages: {', '.join(languages)} (`textfile settings --review-languages`). * added to this archive.")


@command
def review_lexicon_add(
    category: Annotated[str, typer.Argument(help="The category (a new one needs --direction).")],
    terms: Annotated[
        list[str], typer.Argument(help="Words or phrases, each quoted if it has spaces.", metavar="TERM…")
    ],
    direction: Annotated[
        str | None, typer.Option("--direction", help="For a new category: which messages it flags: in, out or any.")
    ] = None,
    json_: Json = False,
    quiet: Quiet = False,
):
    """Add words or phrases to a category (audited); the messages already archived are reviewed for them at once.

    Example: textfile review lexicon add deadlines "mediation" "arbitration hearing\""""
    if direction is not None and direction not in ("in", "out", "any"):
        raise InvalidInput(f"--direction is in, out or any, not {direction!r}")
    _lexicon_change(lambda conn: settings.add_terms(conn, category, terms, direction), json_, quiet)


@command
def review_lexicon_remove(
    category: Annotated[str, typer.Argument(help="The category.")],
    terms: Annotated[list[str], typer.Argument(help="Words or phrases of it.", metavar="TERM…")],
    json_: Json = False,
    quiet: Quiet = False,
):
    """Remove words or phrases from a category (audited); the open flags only they raised are cleared.

    Example: textfile review lexicon remove deadlines motion"""
    _lexicon_change(lambda conn: settings.remove_terms(conn, category, terms), json_, quiet)


@command
def review_lexicon_reset(
    category: Annotated[str | None, typer.Argument(help="Only this category.")] = None,
    json_: Json = False,
    quiet: Quiet = False,
):
    """Forget this archive's changes to the lexicon (of one category, or all): the shipped terms again (audited).

    Example: textfile review lexicon reset"""
    _lexicon_change(lambda conn: settings.reset_lexicon(conn, category), json_, quiet)


def _lexicon_change(change, json_: bool, quiet: bool) -> None:
    with open_archive() as archive:
        tz = times.zone(archive.settings.tz)
        with archive.transaction() as conn:
            done = review.change_and_scan(conn, tz, change)
    emit(done, json_=json_, quiet=quiet, show=_show_change)


def _show_change(done: review.Changed) -> None:
    c = done.change
    verb = {"add": "Added to", "remove": "Removed from", "reset": "Reset"}[c.change]
    say(
        f"{verb} {c.category or 'the lexicon'}: {', '.join(c.terms)}."
        if c.change != "reset"
        else f"Reset: {'; '.join(c.terms)}."
    )
    say(scanned_line(done.scan))


def say_scanned(scanned: review.ScanResult) -> None:
    """What the review scan a change ran raised or cleared, when it did (`textfile review` lists them)."""
    if scanned.new_flags or scanned.cleared or scanned.reasons_changed:
        say(scanned_line(scanned)[:-1] + " (textfile review).")


def scanned_line(s: review.ScanResult) -> str:
    """What a scan changed, in one line ("Review: 2 flags raised, 1 open flag cleared."): a flag opened
    again is said as such, never as raised; an open flag whose reason changed (a term added or removed), too."""
    n = sum(s.raised.values())
    return "Review: " + ", ".join([f"{n} flag{'s' if n != 1 else ''} raised", *_other_changes(s)]) + "."


def _other_changes(s: review.ScanResult) -> list[str]:
    """What a scan changed besides the flags it raised: flags opened again, cleared, and open flags whose
    reason changed."""
    said = []
    if n := sum(s.reopened.values()):
        said.append(f"{n} cleared flag{'s' if n != 1 else ''} opened again")
    if n := sum(s.cleared.values()):
        said.append(f"{n} open flag{'s' if n != 1 else ''} cleared")
    if n := sum(s.reasons_changed.values()):
        said.append(f"the reason{'s' if n != 1 else ''} of {n} open flag{'s' if n != 1 else ''} changed")
    return said
