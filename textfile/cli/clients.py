"""Commands on clients and matters: `client add|edit|list|show`, `matter open|close|hold|release|edit|list`."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from textfile import filing, ignore, review, times
from textfile.cli import output
from textfile.cli.options import ClientName, Json, Quiet, Reason, Reference
from textfile.cli.output import command, emit, open_archive, say, warn
from textfile.cli.review import say_scanned
from textfile.cli.tables import Col, add_row, conversations_table, matters_table, show, table
from textfile.errors import InvalidInput

Phones = Annotated[
    list[str] | None, typer.Option(metavar="NUMBER", help="A phone number the client texts from (repeatable).")
]
Emails = Annotated[
    list[str] | None, typer.Option(metavar="EMAIL", help="An email the client uses for iMessage (repeatable).")
]
NewName = Annotated[str | None, typer.Option("--name", help="The client's new name.")]
AddPhone = Annotated[
    list[str] | None, typer.Option("--add-phone", metavar="NUMBER", help="A phone number to add (repeatable).")
]
RemovePhone = Annotated[
    list[str] | None, typer.Option("--remove-phone", metavar="NUMBER", help="A phone number to remove (repeatable).")
]
AddEmail = Annotated[
    list[str] | None, typer.Option("--add-email", metavar="EMAIL", help="An email to add (repeatable).")
]
RemoveEmail = Annotated[
    list[str] | None, typer.Option("--remove-email", metavar="EMAIL", help="An email to remove (repeatable).")
]
MatterReference = Annotated[str, typer.Argument(help="The matter's reference, e.g. 2026-014.")]
OfClient = Annotated[str, typer.Option(help="The client the matter belongs to.")]
Title = Annotated[str, typer.Option(help="A short title.")]
NewTitle = Annotated[str | None, typer.Option(help="The matter's new title.")]
NewReference = Annotated[str | None, typer.Option("--reference", help="The matter's new reference.")]
NewClient = Annotated[
    str | None,
    typer.Option(
        "--client",
        help="The client it belongs to, when it was opened for the wrong one (with --reason): refused once a"
        " transcript, production, note or review report was made of it, while it is on hold, or while a"
        " conversation of the first client's is filed to it.",
    ),
]

ReopenWhy = Annotated[str, typer.Option("--reason", help="Why it is reopened (recorded in the audit log).")]
CloseWhy = Annotated[str | None, typer.Option("--reason", help="Why it is closed (recorded in the audit log).")]
HoldWhy = Annotated[
    str | None,
    typer.Option("--reason", help="Why: the litigation or request that calls for it (recorded in the audit log)."),
]
ReleaseWhy = Annotated[str | None, typer.Option("--reason", help="Why the hold ends (recorded in the audit log).")]


# -- clients ---------------------------------------------------------------------------------


@command
def client_add(name: ClientName, phone: Phones = None, email: Emails = None, json_: Json = False, quiet: Quiet = False):
    """Add a client with the numbers and emails they text from (numbers are stored in E.164); the archive is reviewed again at once (whose texts these are decides consent).

    Example: textfile client add "Sam Client" --phone "(202) 555-0143\""""
    with open_archive() as archive, archive.transaction() as conn:
        tz = times.zone(archive.settings.tz)
        changed = review.change_and_scan(
            conn, tz, lambda conn: filing.add_client(conn, name, phone or [], email or [], archive.settings.region)
        )
    emit(changed.change, json_=json_, quiet=quiet, show=lambda c: _show_added(c, tz, changed.scan))


def _show_added(added: filing.AddedClient, tz, scanned) -> None:
    say(f"Added client {added.name} ({_handles(added)}).")
    _say_set_aside(added.set_aside, tz)
    say_scanned(scanned)


def _say_set_aside(aside: list[ignore.AsideWithClients], tz) -> None:
    """The conversations set aside that hold a handle just made a client's: one line each, with the way out."""
    for c in aside:
        say(
            f"  warning: conversation {c.conversation} is set aside ({ignore.said(c.ignored, tz)}) but holds"
            f" {', '.join(c.handles)}, a handle of {', '.join(c.clients)}: it is neither filed nor reviewed while set"
            f" aside (textfile conversation unignore {c.conversation})"
        )


def _handles(client: filing.Client) -> str:
    return ", ".join(h.handle for h in client.handles) or "no handles"


@command
def client_edit(
    name: ClientName,
    new_name: NewName = None,
    add_phone: AddPhone = None,
    remove_phone: RemovePhone = None,
    add_email: AddEmail = None,
    remove_email: RemoveEmail = None,
    reason: Reason = None,
    json_: Json = False,
    quiet: Quiet = False,
):
    """Correct a client: rename, add or remove a number or email (audited); then file what the change makes unambiguous, and review the archive again at once.

    Example: textfile client edit "Sam Client" --add-phone 202-555-0144"""
    with open_archive() as archive, archive.transaction() as conn:
        tz = times.zone(archive.settings.tz)
        changed = review.change_and_scan(
            conn,
            tz,
            lambda conn: filing.edit_client(
                conn,
                name,
                new_name=new_name,
                add_phones=add_phone or [],
                remove_phones=remove_phone or [],
                add_emails=add_email or [],
                remove_emails=remove_email or [],
                region=archive.settings.region,
                reason=reason,
            ),
        )
    for warning in changed.change.warnings:  # (the notes a filing it took back left behind: notes/stranded.py)
        warn(f"Warning: {warning}")
    emit(changed.change, json_=json_, quiet=quiet, show=lambda e: _show_edited(e, tz, changed.scan))


def _show_edited(edited: filing.EditedClient, tz, scanned) -> None:
    changed = edited.changed
    said = "; ".join(
        [f"renamed from {changed.client}"] * (changed.renamed_to is not None)
        + [f"removed {', '.join(changed.removed)}"] * bool(changed.removed)
        + [f"added {', '.join(changed.added)}"] * bool(changed.added)
    )
    say(f"Client {edited.name} ({_handles(edited)}): {said}.")
    for f in edited.unfiled:
        say(
            f"  unfiled conversation {f.conversation} from {f.matter}: it was filed automatically through {f.through},"
            " no longer the client's"
        )
    for f in edited.kept:
        say(
            f"  conversation {f.conversation} stays filed to {f.matter} (filed by hand), though it no longer holds a handle"
            f" of the client's: textfile unfile {f.conversation} --matter {f.matter} if it does not belong there"
        )
    _say_filed(edited.filed)
    _say_set_aside(edited.set_aside, tz)
    say_scanned(scanned)


def _say_filed(filed: list[filing.Filed]) -> None:
    for f in filed:
        say(f"  filed conversation {f.conversation} to {f.matter}")


@command
def client_list(json_: Json = False, quiet: Quiet = False):
    """List clients with their handles and matters.

    Example: textfile client list"""
    with open_archive() as archive:
        clients = filing.list_clients(archive.conn)
    emit(clients, json_=json_, quiet=quiet, show=_clients_table)


def _clients_table(clients: list[filing.ClientSummary]) -> None:
    rows = table(Col("Client"), Col("Handles", whole=True), Col("Matters (open)", whole=True, drop=1))
    for c in clients:
        add_row(rows, c.name, "\n".join(c.handles), f"{c.matters} ({c.open_matters})")
    show(rows)


@command
def client_show(name: ClientName, json_: Json = False, quiet: Quiet = False):
    """Show a client: handles, whether they are marked a minor (guardians, date of birth), matters and conversations.

    Example: textfile client show "Sam Client\""""
    with open_archive() as archive:
        found = filing.client(archive.conn, name)
        tz = times.zone(archive.settings.tz)
    emit(found, json_=json_, quiet=quiet, show=lambda c: _show_client(c, tz))


def _show_client(found: filing.Client, tz) -> None:
    output.out.print(Text(found.name, style="bold") + Text(f"  (client since {times.display(found.created_at, tz)})"))
    say("Handles: " + (", ".join(h.handle for h in found.handles) or "none"))
    if found.minor or found.born:
        guardians = ", ".join(found.guardians) or "none named"
        born = f"born {found.born}" if found.born else "no date of birth on record"
        say(f"A minor: guardians {guardians}; {born}." if found.minor else f"Not marked a minor; {born}.")
    matters_table(found.matters, tz)
    conversations_table(found.conversations, tz)


# -- matters ---------------------------------------------------------------------------------


@command
def matter_open(reference: MatterReference, client: OfClient, title: Title, json_: Json = False, quiet: Quiet = False):
    """Open a matter for a client; their unfiled conversations are filed to it if it is their only open matter.

    Example: textfile matter open 2026-014 --client "Sam Client" --title Lease"""
    with open_archive() as archive, archive.transaction() as conn:
        opened = filing.open_matter(conn, reference, client, title)
        tz = times.zone(archive.settings.tz)
    emit(opened, json_=json_, quiet=quiet, show=lambda o: _show_opened(o, tz))


def _show_opened(opened: filing.OpenedMatter, tz) -> None:
    say(f"Opened matter {opened.reference} for {opened.client}: {opened.title}.")
    _say_filed(opened.filed)
    _say_not_filed_aside(opened.set_aside, opened.reference, tz)


def _say_not_filed_aside(aside: list[ignore.AsideWithClients], reference: str, tz) -> None:
    """The conversations set aside that hold the matter's client's handle: the automatic rule never files one."""
    for c in aside:
        say(
            f"  warning: conversation {c.conversation} is set aside ({ignore.said(c.ignored, tz)}) but holds"
            f" {', '.join(c.handles)}, a handle of {', '.join(c.clients)}: not filed to {reference}"
            f" (textfile file {c.conversation} --matter {reference} files it and takes the set-aside back)"
        )


def _matter_state(reference: str, action: str, json_: bool, quiet: bool, said: str, reason: str | None = None) -> None:
    with open_archive() as archive, archive.transaction() as conn:
        changed = filing.set_matter_state(conn, reference, action, reason)
    emit(changed, json_=json_, quiet=quiet, show=lambda m: say(f"Matter {m.reference} {said}."))


@command
def matter_close(reference: Reference, reason: CloseWhy = None, json_: Json = False, quiet: Quiet = False):
    """Close a matter: its filings end now; later messages go to the client's next open matter, or wait unfiled.

    Example: textfile matter close 2026-014 --reason 'settled'"""
    _matter_state(reference, "close", json_, quiet, "closed", reason)


@command
def matter_reopen(reference: Reference, reason: ReopenWhy, json_: Json = False, quiet: Quiet = False):
    """Reopen a closed matter (closed by mistake, or taken up again): its retention clock stops, and the filings its close ended run on, so the messages since are filed to it as if it had not closed. Audited, with the reason.

    Example: textfile matter reopen 2026-014 --reason 'closed by mistake'"""
    with open_archive() as archive, archive.transaction() as conn:
        reopened = filing.reopen_matter(conn, reference, reason)
    tz = times.zone(archive.settings.tz)
    emit(reopened, json_=json_, quiet=quiet, show=lambda m: _show_reopened(m, tz))


def _show_reopened(m: filing.ReopenedMatter, tz) -> None:
    resumed = ", ".join(str(c) for c in m.resumed)
    say(
        f"Matter {m.reference} reopened (it had closed {times.display(m.was_closed_at, tz)})"
        + (
            f"; the filings its close ended run on again: conversation{'s' if len(m.resumed) > 1 else ''} {resumed}"
            if m.resumed
            else ""
        )
        + "."
    )
    _say_filed(m.filed)
    for conversation, others in m.also.items():  # (what came since the close is filed to both: said, never silent)
        say(
            f"  conversation {conversation} is filed to {', '.join(others)} too since {m.reference} closed: the messages"
            f" since are in both (textfile unfile {conversation} --matter REF takes it out of the one it does not belong to)"
        )
    _say_not_filed_aside(m.set_aside, m.reference, tz)


@command
def matter_hold(reference: Reference, reason: HoldWhy = None, json_: Json = False, quiet: Quiet = False):
    """Put a matter under legal hold: its conversations are never reported safe to delete from the phone, its transcripts' cover says so, and it is never disposed of.

    Example: textfile matter hold 2026-014 --reason 'malpractice claim notice of 2026-11-30'"""
    _matter_state(reference, "hold", json_, quiet, "is under legal hold", reason)


@command
def matter_release(reference: Reference, reason: ReleaseWhy = None, json_: Json = False, quiet: Quiet = False):
    """Release a matter's legal hold.

    Example: textfile matter release 2026-014 --reason 'claim withdrawn'"""
    _matter_state(reference, "release", json_, quiet, "is released from legal hold", reason)


@command
def matter_edit(
    reference: Reference,
    title: NewTitle = None,
    new_reference: NewReference = None,
    client: NewClient = None,
    reason: Reason = None,
    json_: Json = False,
    quiet: Quiet = False,
):
    """Correct a matter's title, reference or client (audited); a matter moved to another client is reviewed again at once (whose matter a conversation is filed to decides whose consent its texts need).

    Example: textfile matter edit 2026-014 --title "Lease dispute, 12 Elm St\""""
    with open_archive() as archive, archive.transaction() as conn:
        tz = times.zone(archive.settings.tz)
        edit = partial(
            filing.edit_matter,
            reference=reference,
            title=title,
            new_reference=new_reference,
            client_name=client,
            reason=reason,
        )
        if client is None:
            edited, scanned = edit(conn), None
        else:  # (whose matter a conversation is filed to is what the review rules read of it)
            changed = review.change_and_scan(conn, tz, edit)
            edited, scanned = changed.change, changed.scan
    emit(edited, json_=json_, quiet=quiet, show=lambda m: _show_matter_edited(m, scanned))


def _show_matter_edited(m: filing.EditedMatter, scanned) -> None:
    if m.moved_from is None:
        say(f"Matter {m.reference} for {m.client}: {m.title}.")
        return
    moved = ", ".join(str(c) for c in m.moved)
    say(
        f"Matter {m.reference} moved from {m.moved_from} to {m.client}: {m.title}"
        + (f"; the filings of conversation{'s' if len(m.moved) > 1 else ''} {moved} moved with it" if m.moved else "")
        + "."
    )
    _say_filed(m.filed)
    if scanned is not None:
        say_scanned(scanned)


@command
def matter_list(json_: Json = False, quiet: Quiet = False):
    """List matters with their client, status and what is filed to them.

    Example: textfile matter list"""
    with open_archive() as archive:
        matters = filing.list_matters(archive.conn)
        tz = times.zone(archive.settings.tz)
    emit(matters, json_=json_, quiet=quiet, show=lambda m: matters_table(m, tz))


# -- consent and minors (review) -----------------------------------------------------------------------

Given = Annotated[
    str | None,
    typer.Option("--given", metavar="DATE", help="When the client consented to be texted (a date, or a time)."),
]
Method = Annotated[str | None, typer.Option("--method", help="How: written, verbal or text.")]
Scope = Annotated[str | None, typer.Option("--scope", help='What they consented to, e.g. "scheduling only".')]
Document = Annotated[
    Path | None,
    typer.Option(
        "--doc", metavar="FILE", help="The signed consent: kept in the archive with its sha256.", show_default=False
    ),
]
Revoked = Annotated[
    str | None,
    typer.Option("--revoked", metavar="DATE", help="When the client withdrew their consent (a date, or a time)."),
]
WithdrawConsent = Annotated[
    int | None,
    typer.Option(
        "--withdraw",
        metavar="N",
        help="Withdraw consent N, recorded by mistake: it stays on the record, shown as withdrawn, and clears no flag.",
        show_default=False,
    ),
]
WithdrawReason = Annotated[
    str | None, typer.Option("--reason", help="With --withdraw: why (its sha256 is kept and audited).")
]


@command
def client_consent(
    name: ClientName,
    given: Given = None,
    method: Method = None,
    scope: Scope = None,
    doc: Document = None,
    revoked: Revoked = None,
    withdraw: WithdrawConsent = None,
    reason: WithdrawReason = None,
    json_: Json = False,
    quiet: Quiet = False,
):
    """A client's consent to be texted: record it (--given, --method, --scope, --doc) or its withdrawal (--revoked), take back one recorded by mistake (--withdraw N --reason), or, with none of these, show each consent by its number with the opt-outs and opt-ins their numbers sent (audited; the archive is reviewed again at once).

    Example: textfile client consent "Sam Client" --given 2026-01-05 --method written --scope "scheduling only" --doc consent.pdf"""
    from textfile import review
    from textfile.review import consent

    if sum(x is not None for x in (given, revoked, withdraw)) > 1:
        raise InvalidInput("--given records a consent, --revoked ends one, --withdraw takes one back: give one")
    if (reason is not None) != (withdraw is not None):
        raise InvalidInput("--withdraw N takes back a consent recorded by mistake, with --reason saying why: give both")
    if given is None and (method or scope or doc):
        raise InvalidInput("--method, --scope and --doc describe a consent: give --given too")
    if given is not None and method is None:
        raise InvalidInput("say how the client consented: --method written, verbal or text")
    scanned = None
    with open_archive() as archive:
        tz = times.zone(archive.settings.tz)
        if given is not None or revoked is not None or withdraw is not None:
            with archive.transaction() as conn:
                scanned = review.change_and_scan(
                    conn,
                    tz,
                    lambda conn: (
                        consent.give_consent(conn, name, given, method, scope, doc, tz)
                        if given is not None
                        else consent.revoke_consent(conn, name, revoked, tz)
                        if revoked is not None
                        else consent.withdraw_consent(conn, name, withdraw, reason, tz)
                    ),
                )
        found = consent.history(archive.conn, name)
    emit(found, json_=json_, quiet=quiet, show=lambda h: _show_consent(h, tz, scanned.scan if scanned else None))


def _show_consent(h, tz, scanned=None) -> None:
    if not h.consents:
        say(
            f"{h.client}: no consent to text on record"
            + (" (required: their texts are flagged)." if h.required else ".")
        )
    for c in h.consents:
        document = f"; document {c.document} (sha256 {c.document_sha256[:16]}…)" if c.document else ""
        revoked = f"; revoked {times.display(c.revoked_at, tz)}" if c.revoked_at else ""
        scope = f", {c.scope}" if c.scope else ""
        say(f"{h.client}: consent {c.id} given {times.display(c.given_at, tz)} ({c.method}{scope}){document}{revoked}.")
        if c.withdrawn_at:
            say(
                f"  withdrawn {times.display(c.withdrawn_at, tz)} by {c.withdrawn_by}, recorded by mistake"
                f" (reason's sha256 {c.withdrawn_why_sha256[:16]}…): it clears no flag."
            )
    if h.consents and all(c.withdrawn_at or c.revoked_at for c in h.consents):
        say(
            f"{h.client}: no consent to text in force"
            + (" (required: their texts are flagged)." if h.required else ".")
        )
    for o in h.opt_changes:
        said = "opted out" if o.change == "out" else "opted back in"
        say(
            f"  {said}: {o.handle} sent {o.keyword} on {times.display(o.at, tz, o.precision)} (conversation {o.conversation})."
        )
    if h.minor:
        guardians = ", ".join(h.minor.guardians) or "none named"
        say(f"  A minor (guardians: {guardians}): texts without a guardian in the conversation are flagged.")
    if scanned is not None:  # (the change reviewed the archive at once: what it raised or cleared)
        say_scanned(scanned)


@command
def client_minor(
    name: ClientName,
    guardian: Annotated[
        list[str] | None, typer.Option("--guardian", help="A guardian's number or email (repeatable).")
    ] = None,
    not_minor: Annotated[
        bool,
        typer.Option("--not-minor", help="The client is not a minor: the mark and the date of birth are cleared."),
    ] = False,
    born: Annotated[
        str | None,
        typer.Option(
            "--born",
            metavar="YYYY-MM-DD",
            help="The client's date of birth (replaces the one recorded): their file is kept N years after they turn 18 (retention). A date 18 or more years ago is taken: a client who was a minor during the matter keeps that rule. They turn 18 at midnight of their birthday in the archive's zone (textfile settings); born on 29 February: on 28 February, in a year without it.",
        ),
    ] = None,
    json_: Json = False,
    quiet: Quiet = False,
):
    """Mark a client a minor, with their guardians' handles: each text with them is flagged for review unless a guardian is in the conversation (audited; the archive is reviewed again at once). A wrong date of birth is corrected by giving --born again, and cleared with --not-minor, which also takes the mark off (both audited).

    Example: textfile client minor "Kim Young" --guardian "+1 202 555 0177" --born 2012-05-04"""
    from textfile import review

    if not_minor and (born or guardian):
        raise InvalidInput(
            "--not-minor clears the mark and the date of birth: give neither --born nor --guardian with it"
        )
    births = []
    with open_archive() as archive:
        tz, region = times.zone(archive.settings.tz), archive.settings.region
        with archive.transaction() as conn:
            done = review.change_and_scan(
                conn, tz, lambda conn: _mark_minor(conn, name, not_minor, guardian or [], region, born, births)
            )
    emit(done, json_=json_, quiet=quiet, show=lambda d: _show_minor(name, d))
    if births and births[0] is not None and not (json_ or quiet):
        say(_birth_said(births[0], tz))


def _birth_said(b, tz) -> str:
    from datetime import date

    from textfile.lifecycle.retention import LEAP_DAY, today

    if b.born is None:
        return f"Date of birth cleared (it was {b.was})."
    adult = b.adult_on
    when = f"an adult since {adult}" if date.fromisoformat(adult) <= today(tz) else f"a minor until {adult}"
    when += f", from midnight in {tz.key}" + (f" ({LEAP_DAY})" if b.born[5:] == "02-29" else "")
    was = f", replacing {b.was}" if b.was else ""
    return f"Date of birth recorded: {b.born} ({when}{was}; retention: textfile retention report)."


def _mark_minor(conn, name: str, not_minor: bool, guardians: list[str], region: str, born: str | None, births: list):
    """The minor marked (or no longer, the date of birth cleared), and the date of birth recorded
    (lifecycle/retention.py); the date recorded or cleared appended to `births`."""
    from textfile.filing.names import client_row
    from textfile.lifecycle import retention
    from textfile.review import consent

    was = consent.minor(conn, client_row(conn, name)["id"])
    if not_minor:
        done = (
            consent.mark_minor(conn, name, False, [], region)
            if was is not None or not retention.birth_of(conn, name)
            else None
        )
        births.append(retention.clear_birth(conn, name))
        return done
    done = was if born and was and not guardians else consent.mark_minor(conn, name, True, guardians, region)
    if born:
        births.append(retention.record_birth(conn, name, born))
    return done


def _show_minor(name: str, done) -> None:
    if done.change is None:
        say(f"{name} is no longer marked a minor.")
    else:
        guardians = ", ".join(done.change.guardians) or "none named"
        say(f"{done.change.client} is marked a minor (guardians: {guardians}).")
    from textfile.cli.review import scanned_line

    say(scanned_line(done.scan))
