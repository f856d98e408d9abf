"""Commands of the client file after the matter: `retention set|show|report`, `dispose` (lifecycle/)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from textfile import times
from textfile.cli.options import Json, Quiet, Reference
from textfile.cli.output import command, emit, open_archive, say, warn
from textfile.cli.tables import Col, add_row, show, table
from textfile.errors import InvalidInput

Years = Annotated[int, typer.Option("--years", help="Keep the file this many years after the matter closes.")]
Basis = Annotated[
    str | None, typer.Option("--basis", help='Where the policy comes from, e.g. "state bar rule 1.15: 6 years".')
]
ForMatter = Annotated[
    str | None, typer.Option("--matter", help="This matter's own policy (default: the archive's, for every matter).")
]
Confirm = Annotated[
    bool, typer.Option("--confirm", help="Do it: without it, say what would be deleted and do nothing.")
]
Why = Annotated[str | None, typer.Option("--reason", help="Why (recorded in the audit log and on the certificate).")]
CertificateOut = Annotated[
    Path | None,
    typer.Option("--out", help="The certificate PDF (default: a new file in the current folder).", show_default=False),
]
CertificateFolder = Annotated[
    bool, typer.Option("--mkdir", help="Make the certificate's folder (--out) if it does not exist.")
]
Again = Annotated[
    bool, typer.Option("--certificate", help="Make the certificate of a matter already disposed of again.")
]


@command
def retention_set(
    years: Years, matter: ForMatter = None, basis: Basis = None, json_: Json = False, quiet: Quiet = False
):
    """Set the retention policy: keep a matter's file N years after it closes (a minor's: after their 18th birthday too, when later). For the archive, or with --matter for one matter (audited).

    Example: textfile retention set --years 6 --basis "state bar rule: 6 years after the matter ends\""""
    from textfile.lifecycle import retention

    with open_archive() as archive, archive.transaction() as conn:
        policy = retention.set_policy(conn, matter, years, basis)
    if policy.years == 0:  # (second reader, round 12: accepted without a word, a file disposed of the day it closed)
        warn(
            "Warning: --years 0: a matter's file may be disposed of (every message deleted) the day it closes,"
            f" {'this matter' if matter else 'every matter under the archive policy'} included"
        )
    emit(
        policy,
        json_=json_,
        quiet=quiet,
        show=lambda p: say(
            f"Retention {'of ' + matter if matter else 'of the archive'}: {_policy(p)}"
            + "."
            + (f" The basis it had, {p.basis_dropped!r}, is not kept: give --basis again." if p.basis_dropped else "")
        ),
    )


def _policy(p) -> str:
    return f"{p.years} year{'s' if p.years != 1 else ''} after the matter closes ({p.source}; basis: {p.basis or 'none given'})"


@command
def retention_show(json_: Json = False, quiet: Quiet = False):
    """The retention policies: the archive's (or textfile's default, and where it comes from) and each matter's own.

    Example: textfile retention show"""
    from textfile.lifecycle import retention

    with open_archive() as archive:
        found = retention.policies(archive.conn)
    emit(found, json_=json_, quiet=quiet, show=_show_policies)


def _show_policies(found) -> None:
    say(f"Archive: {_policy(found.archive)}.")
    if found.archive.source == "default":
        say("  Set the archive's own: textfile retention set --years N --basis TEXT")
    for reference, p in found.matters.items():
        say(f"Matter {reference}: {_policy(p)}.")


@command
def retention_report(json_: Json = False, quiet: Quiet = False):
    """Every closed matter: its policy, the date from which its file may be disposed of, whether that date has come, and what stops its disposal (a legal hold, a conversation still needed by another matter); with the command that disposes of what can be.

    Example: textfile retention report"""
    from textfile.lifecycle import retention

    with open_archive() as archive:
        tz = times.zone(archive.settings.tz)
        found = retention.report(archive.conn, tz)
    emit(found, json_=json_, quiet=quiet, show=lambda rows: _show_report(rows, tz))


def _show_report(rows, tz) -> None:
    if not rows:
        return say("No closed matter.")
    t = table(
        Col("Matter", whole=True),
        Col("Client", drop=1),
        Col("Closed", whole=True, drop=2),
        Col("Policy", drop=3),
        Col("Keep until", whole=True),
        Col("State", min_width=12),
    )
    for r in rows:
        state = (
            "disposed of"
            if r.disposed_at
            else "can be disposed of"
            if r.disposable
            else "on hold"
            if r.hold
            else "past retention"
            if r.past
            else "unknown"
            if r.unknown
            else "kept"
        )
        add_row(
            t,
            r.matter,
            r.client,
            times.day(r.closed_at, tz),
            f"{r.policy.years}y {r.policy.source}" + (f", minor: 18+{r.policy.years}" if r.minor_rule else ""),
            r.keep_until or "?",
            state,
        )
    show(t)
    for r in rows:
        if r.disposed_at:
            continue
        if r.disposable:
            say(f"{r.matter}: {r.command}")
        elif r.past or r.unknown or r.hold:
            say(f"{r.matter} cannot be disposed of yet: {'; '.join(r.obstacles)}.")


@command
def dispose(
    reference: Reference,
    confirm: Confirm = False,
    reason: Why = None,
    out: CertificateOut = None,
    mkdir: CertificateFolder = False,
    certificate: Again = False,
    json_: Json = False,
    quiet: Quiet = False,
):
    """Dispose of a closed matter's file past retention: delete its messages and all that refers to them, for good (secure delete, then VACUUM: no byte stays in the archive file), and write a disposal certificate PDF (what, how many, the hashes of what was deleted, the policy, by whom, when; audited). Refused, saying why, for a matter open, on legal hold, not past retention, or with a conversation another open or held matter needs. Without --confirm, say what would be deleted.

    Example: textfile dispose 2019-007 --confirm --reason "retention period over\""""
    from textfile.lifecycle.disposal import certificate as certificates
    from textfile.lifecycle.disposal import dispose as disposing

    with open_archive() as archive:
        if certificate:
            if confirm or reason:
                raise InvalidInput(
                    "--certificate makes a disposed matter's certificate again: give neither --confirm nor --reason"
                )
            from textfile.filing.names import matter_row

            made = certificates.make(
                archive,
                reference,
                certificates.destination(archive.conn, matter_row(archive.conn, reference), out, mkdir),
            )
            return emit(
                made,
                json_=json_,
                quiet=quiet,
                show=lambda c: say(
                    f"Disposal certificate of {c.matter}: {c.path} ({c.pages} pages, Bates {c.bates_first} to {c.bates_last})."
                ),
            )
        done = disposing(archive, reference, confirm=confirm, reason=reason, out=out, mkdir=mkdir)
    emit(done, json_=json_, quiet=quiet, show=_show_disposal)


def _numbered(d, ids: list[str]) -> str:
    """Messages by their numbers now ("#1.5, #1.6"), the first SHOWN; "" when none is held any more."""
    said = [f"#{d.numbers[i]}" for i in ids if i in d.numbers]
    if len(said) > SHOWN:
        said = said[:SHOWN] + [f"and {len(said) - SHOWN:,} more (--json lists their ids)"]
    return ", ".join(said)


SHOWN = 20


def _kept(d) -> str:
    notes = "; ".join(
        f"note {k['note']} of matter {k['matter']}: {k['messages']:,}"
        + (f", {'now ' if d.done else ''}{_numbered(d, k['ids'])}" if _numbered(d, k.get("ids", [])) else "")
        for k in d.kept_notes
    )
    return f"{d.kept_filed:,} kept as filed to another matter" + (
        f", {sum(k['messages'] for k in d.kept_notes):,} kept as another matter's note concerns them ({notes})"
        if notes
        else ""
    )


def _inherited(d) -> list[str]:
    """The lines on the messages an earlier disposal kept for a note of this matter, which go now."""
    return [
        f"  Of them, {k['messages']:,} message{'s' if k['messages'] != 1 else ''} matter {k['matter']} kept for note"
        f" {k['note']} of this matter"
        + (f" ({_numbered(d, k['ids'])})" if _numbered(d, k["ids"]) else "")
        + ": no live matter holds them any more."
        for k in d.inherited
    ]


def _show_disposal(d) -> None:
    counts = ", ".join(
        f"{n:,} {table}" + (" (attachment files)" if table == "blobs" else "") for table, n in d.counts.items()
    )
    if not d.done:
        say(f"Matter {d.matter} ({d.client}) would be disposed of: {d.messages:,} messages deleted, {_kept(d)}.")
        for line in _inherited(d):
            say(line)
        say(f"  Rows: {counts or 'none'}.")
        for path in d.files_left:
            say(f"  On disk, outside the archive, with the matter's text (its proof goes with the records): {path}")
        say(f"  Nothing was done. To do it: textfile dispose {d.matter} --confirm")
        return
    say(f"Matter {d.matter} ({d.client}) was disposed of: {d.messages:,} messages deleted, {_kept(d)}.")
    for line in _inherited(d):
        say(line)
    say(f"  Rows: {counts or 'none'}.")
    say(f"  Audit entry {d.entry}; messages sha256 {d.messages_sha256}.")
    say(f"  Certificate: {d.certificate}")
    if not d.wal_checkpointed:
        say(
            "  Warning: another program holds the archive open: its write-ahead log could not be emptied yet (close it, then run textfile verify)."
        )
    if d.audit_quotes:
        say(
            f"  Warning: audit entries {', '.join(map(str, d.audit_quotes))} quote a deleted text (a person's note):"
            " the audit log is append-only, so those words stay in it."
        )
    for path in d.files_left:
        say(f"  Still on disk, outside the archive, with the matter's text: {path}")
