"""Commands on the archive as a whole: `init` (create it) and `verify` (check it, or transcripts
against it; record what a person says about what it lacks: an older copy put back, transcripts
moved or deleted on purpose)."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from textfile import times
from textfile.archive import Archive, resolve_path
from textfile.cli.options import Json, Quiet, Reason
from textfile.cli.output import command, emit, open_archive, say, state, warn, with_progress
from textfile.errors import InvalidInput
from textfile.integrity.earlier import counted

if TYPE_CHECKING:
    from textfile.integrity import ArchiveCheck
    from textfile.transcript.manifest import PdfCheck
    from textfile.transcript.recorded import Deleted

Owner = Annotated[
    str, typer.Option(help="The owner's name as it appears in exports (WhatsApp uses it to find your messages).")
]
Zone = Annotated[str, typer.Option(help="Your IANA time zone, e.g. America/New_York.")]
Region = Annotated[str, typer.Option(help="Default phone region for numbers without a country code, e.g. US.")]
BatesPrefix = Annotated[str, typer.Option(help="Prefix of the Bates numbers on transcripts, e.g. SMITH.")]
OwnPhones = Annotated[
    list[str] | None, typer.Option(metavar="NUMBER", help="One of your own phone numbers (repeatable).")
]
OwnEmails = Annotated[
    list[str] | None, typer.Option(metavar="EMAIL", help="One of your own iMessage emails (repeatable).")
]
Hours = Annotated[
    str | None,
    typer.Option(
        "--hours",
        metavar="SPEC",
        help='Your working hours, in the archive\'s zone: "Mon-Fri 09:00-18:00", "Mon-Thu 09:00-17:30, Fri 09:00-13:00"'
        ' (holidays may follow: "; holidays 2026-12-25"); "none" clears them. Review flags texts outside them.',
        show_default=False,
    ),
]
Holidays = Annotated[
    list[str] | None,
    typer.Option(
        "--holidays",
        metavar="DATES",
        help="Whole days off: 2026-12-25, 2026-12-24..2026-12-26 (replaces those set).",
        show_default=False,
    ),
]
AddPhones = Annotated[
    list[str] | None,
    typer.Option(
        "--add-phone",
        metavar="NUMBER",
        help="Add a phone number of yours that init was not given, e.g. a work phone (repeatable; audited).",
    ),
]
AddEmails = Annotated[
    list[str] | None,
    typer.Option("--add-email", metavar="EMAIL", help="Add an iMessage email of yours (repeatable; audited)."),
]
ConsentRequired = Annotated[
    bool | None,
    typer.Option(
        "--consent-required/--no-consent-required",
        help="Flag a text to a client with no consent to text on record (`client consent`). Default: yes.",
        show_default=False,
    ),
]
ReviewLanguages = Annotated[
    list[str] | None,
    typer.Option(
        "--review-languages",
        metavar="CODES",
        help="The lexicons review runs: en, es, pt… (en,es for both).",
        show_default=False,
    ),
]
Pdfs = Annotated[
    list[Path] | None,
    typer.Argument(
        help="Transcript PDFs (or production folders) to check against the archive instead.", show_default=False
    ),
]
Moved = Annotated[
    bool,
    typer.Option(
        "--moved",
        help="A PDF that verifies where its recorded file is gone was moved or renamed: record where it is now.",
    ),
]
AcceptOlderCopy = Annotated[
    bool,
    typer.Option(
        "--accept-older-copy",
        help="The archive is an older copy put back on purpose (a restored backup): record, in the audit log, the entries it lacks, which verify then no longer reports.",
    ),
]
Deleted = Annotated[
    bool,
    typer.Option(
        "--deleted",
        help="The PDFs named (their recorded paths) were deleted on purpose: record it (audited, with --reason), so they are no longer reported missing; they then vouch for nothing.",
    ),
]


# -- init ------------------------------------------------------------------------------------


@command
def init(
    owner: Owner,
    tz: Zone,
    region: Region,
    bates_prefix: BatesPrefix,
    phone: OwnPhones = None,
    email: OwnEmails = None,
    hours: Hours = None,
    json_: Json = False,
    quiet: Quiet = False,
):
    """Create a new archive (readable by you only), its audit log sealed with your key (made if you have none), and the key its productions are signed with. Refuses to overwrite an existing one.

    Example: textfile init --owner Alex --tz UTC --region GB --bates-prefix ALEX"""
    from textfile import audit
    from textfile.produce import signing
    from textfile.review import hours as working
    from textfile.review import settings as review_settings

    if hours is not None and hours.strip().lower() not in ("", "none", "off"):
        working.parse(hours)  # (refused before the archive is made; "none" sets none, as `settings --hours`)
    path = resolve_path(state.archive_path)
    with Archive.create(
        path, owner_name=owner, phones=phone or [], emails=email or [], tz=tz, region=region, bates_prefix=bates_prefix
    ) as archive:
        if hours is not None:
            with archive.transaction() as conn:
                review_settings.set_review_settings(conn, hours_spec=hours)
        settings = archive.settings.as_dict() | {"hours": review_settings.current(archive.conn).hours}
        signer = signing.ensure_key(archive)
    # (the archive's settings as archive.py says them, where it is, the key that seals its log, the signing key)
    created = {"archive": str(path), **settings, "key": str(audit.key_path())}
    created |= {"signing_key": str(signer.path), "signing_certificate": signer.fingerprint}
    emit(created, json_=json_, quiet=quiet, show=_show_created)


def _show_created(created: dict) -> None:
    hours = f", working hours {created['hours']}" if created.get("hours") else ""
    say(
        f"Created archive {created['archive']} for {created['owner_name']} ({created['tz']}, region {created['region']}, Bates prefix {created['bates_prefix']}{hours})."
    )
    say(
        f"Its audit log is sealed with the key in {created['key']} (id {created['key_id']}): keep a copy of that file apart"
        " from the archive; `textfile verify` needs it to prove the log was not rewritten."
    )
    say(
        f"Its productions are signed with the key in {created['signing_key']} (certificate"
        f" {created['signing_certificate'][:16]}…): keep a copy of it apart from the archive too."
    )


@command
def settings(
    hours: Hours = None,
    holidays: Holidays = None,
    consent_required: ConsentRequired = None,
    review_languages: ReviewLanguages = None,
    add_phone: AddPhones = None,
    add_email: AddEmails = None,
    json_: Json = False,
    quiet: Quiet = False,
):
    """Show the archive's settings, or change those review reads: working hours and holidays, whether a text to a client with no consent on record is flagged, the lexicons' languages (each change audited, and the archive reviewed again at once); or add a number or email of yours.

    Example: textfile settings --hours "Mon-Fri 09:00-18:00" --holidays 2026-12-24..2026-12-26"""
    from textfile import review
    from textfile.review import settings as review_settings

    reviewing = any(v is not None for v in (hours, holidays, consent_required, review_languages))
    with (
        open_archive() as archive,
        archive.transaction() if reviewing or add_phone or add_email else contextlib.nullcontext(),
    ):  # (what is asked, all or nothing: a bad --hours adds no handle)
        added = archive.add_owner_handles(add_phone or [], add_email or []) if add_phone or add_email else []
        if reviewing:
            with archive.transaction() as conn:
                changed = review.change_and_scan(
                    conn,
                    times.zone(archive.settings.tz),
                    lambda conn: review_settings.set_review_settings(
                        conn,
                        hours_spec=hours,
                        holidays=holidays,
                        languages=review_languages,
                        consent_required=consent_required,
                    ),
                )
            scanned = changed.scan
        else:
            scanned = None
        found = archive.settings.as_dict() | {"review": review_settings.current(archive.conn).to_json()}
    emit(found, json_=json_, quiet=quiet, show=lambda f: _show_settings(f, scanned, added))


def _show_settings(found: dict, scanned, added: list[str]) -> None:
    if added:
        it = "it" if len(added) == 1 else "them"
        say(
            f"Added {', '.join(added)} to yours: imports from now on count {it} as yours. Messages already archived"
            " keep the sender they were archived with until their export is imported again (an iMessage database"
            " naming it, an Android backup with --me NUMBER): each then a new version, the earlier kept."
        )
    r = found["review"]
    say(
        f"Owner: {found['owner_name']}; zone {found['tz']}; region {found['region']}; Bates prefix {found['bates_prefix']}."
    )
    say(f"Your numbers and emails: {', '.join(found['owner_handles']) or 'none'}.")
    say(
        "Working hours: "
        + (
            r["hours"] + (f"; holidays {', '.join(r['holidays'])}" if r["holidays"] else "")
            if r["hours"]
            else "not set"
        )
        + "."
    )
    say(f"Consent to text required: {'yes' if r['consent_required'] else 'no'}.")
    say(f"Review lexicons: {', '.join(r['languages'])}.")
    if scanned is not None:
        from textfile.cli.review import scanned_line

        say(scanned_line(scanned))


# -- verify ----------------------------------------------------------------------------------


@command
def verify(
    pdfs: Pdfs = None,
    moved: Moved = False,
    accept_older_copy: AcceptOlderCopy = False,
    deleted: Deleted = False,
    reason: Reason = None,
    json_: Json = False,
    quiet: Quiet = False,
):
    """Check the archive: SQLite integrity, every message's content hash, every attachment, the audit chain with its seals and recorded heads, every import's digest, every transcript's file and the privilege log beside it (a production's folder is checked by naming it). Exit 3 on any problem.

    With PDF files: check each transcript against the archive (its file hash, its manifest, every message it shows). With a production's folder (`textfile produce`): every file against SHA256SUMS and the production's record, every PDF as a transcript and its signature, every RSMF file.

    Example: textfile verify 2026-03-02_Sam-Client_2026-014_transcript.pdf"""
    if deleted:
        return _record_deleted(pdfs or [], reason, json_, quiet)
    if pdfs and any(p.is_dir() for p in pdfs) and not moved:
        return _verify_productions(pdfs, json_, quiet)
    if pdfs:
        return _verify_pdfs(pdfs, moved, json_, quiet)
    if moved:
        raise InvalidInput("--moved needs the transcript PDFs that were moved: textfile verify --moved FILE.pdf")
    if accept_older_copy:
        return _accept_older_copy(json_, quiet)
    return _verify_archive(json_, quiet)


def _verify_archive(json_: bool, quiet: bool) -> None:
    from textfile.integrity import check_archive
    from textfile.weekly.log import log_path

    with open_archive() as archive:
        log = log_path(archive.path)
        report = with_progress(
            quiet or json_,
            "Verifying",
            "messages",
            lambda progress: check_archive(archive.conn, progress=progress, log=log, archive_path=archive.path),
        )
    emit(report, json_=json_, quiet=quiet, show=_say_verified)
    for problem in report.problems:
        warn(f"Error: {problem}")
    if not report.ok:
        raise typer.Exit(3)


def _say_verified(report: ArchiveCheck) -> None:
    """What integrity.check_archive found, when it found nothing wrong (its problems are said on stderr);
    the matters disposed of, whatever it found."""
    for line in report.disposals:
        say(line)
    if report.ok:
        counts = ", ".join(
            f"{n:,} {noun}{'' if n == 1 else 's'}"
            for n, noun in (
                (report.messages, "message"),
                (report.blobs, "attachment"),
                (report.audit_entries, "audit entry"),
            )
        )
        said = f"Archive verified: {counts.replace('audit entrys', 'audit entries')}"
        if report.transcripts:  # (what was checked of them: each file, each privilege log beside one)
            said += f", {counted(report.transcripts, 'transcript')}"
            if report.privilege_logs:
                said += f" ({counted(report.privilege_logs, 'privilege log')} beside them)"
        say(f"{said}: all hashes match.")
        if report.productions:
            one = report.productions == 1
            say(
                f"  {counted(report.productions, 'production')}: {'its folder is' if one else 'their folders are'} not"
                f" read here; textfile verify DIR checks {'it' if one else 'one'} (textfile productions lists them)"
            )


def _accept_older_copy(json_: bool, quiet: bool) -> None:
    from textfile import audit
    from textfile.weekly.log import log_path

    with open_archive() as archive, archive.transaction() as conn:
        lost = audit.accept_missing(conn, archive.path, log_path(archive.path))
    emit({"accepted": lost}, json_=json_, quiet=quiet, show=_say_accepted)


def _say_accepted(accepted: dict) -> None:
    lost = accepted["accepted"]  # (audit.accept_missing's AcceptedLoss, each entry the copy lacks)
    say(
        f"Recorded in the audit log: this archive is an older copy put back on purpose; it does not hold audit"
        f" entr{'ies' if len(lost) > 1 else 'y'} {', '.join(str(m.entry) for m in lost)} as recorded before."
        if lost
        else "Nothing to accept: the archive holds every audit entry recorded outside it."
    )


def _record_deleted(paths: list[Path], reason: str | None, json_: bool, quiet: bool) -> None:
    from textfile.transcript import record_deleted

    if not paths:
        raise InvalidInput(
            "--deleted needs the recorded paths of the transcripts deleted on purpose: textfile verify --deleted FILE.pdf"
        )
    with open_archive() as archive:
        done = record_deleted(archive, paths, reason)
    emit(done, json_=json_, quiet=quiet, show=_say_deleted)


def _say_deleted(done: list[Deleted]) -> None:
    for d in done:
        say(
            f"Recorded: transcript {d.path} (made {d.made}) was deleted on purpose"
            + (f": {d.reason}" if d.reason else "")
            + "; it vouches for nothing any more."
        )


def _verify_pdfs(pdfs: list[Path], moved: bool, json_: bool, quiet: bool) -> None:
    from textfile.produce.check import refuse_production_parts
    from textfile.transcript import record_moves, verify_pdfs

    with open_archive() as archive:
        refuse_production_parts(archive.conn, pdfs)
        reports = verify_pdfs(archive, pdfs)
        moves = {m.transcript: m for m in record_moves(archive, reports)} if moved else {}
    for r in reports:
        r.moved_from = moves[r.transcript].from_ if r.transcript in moves else None
    emit(reports, json_=json_, quiet=quiet)  # (each PDF is said below, with its errors, in turn)
    for r in reports:
        if r.ok and not quiet and not json_:
            _say_pdf(r)
        for problem in r.problems:
            warn(f"Error: {r.path}: {problem}")
    if not all(r.ok for r in reports):
        raise typer.Exit(3)


def _verify_productions(paths: list[Path], json_: bool, quiet: bool) -> None:
    """Production folders (and transcripts beside them) checked: every file, every PDF, the record."""
    from textfile.produce.check import verify_production
    from textfile.transcript import verify_pdfs

    with open_archive() as archive:
        reports = [verify_production(archive, p) if p.is_dir() else verify_pdfs(archive, [p])[0] for p in paths]
    emit(reports, json_=json_, quiet=quiet)
    for r in reports:
        if r.ok and not quiet and not json_:
            _say_production(r) if hasattr(r, "production") else _say_pdf(r)
        for problem in r.problems:
            warn(f"Error: {r.path if hasattr(r, 'path') else r.folder}: {problem}")
    if not all(r.ok for r in reports):
        raise typer.Exit(3)


def _say_production(r) -> None:
    from textfile.integrity.earlier import counted

    say(
        f"{r.folder}: production {r.production} of {r.matter} matches the archive: {counted(r.files, 'file')}"
        f" as SHA256SUMS lists them, {counted(r.pdfs, 'signed PDF')}, {counted(r.rsmf, 'RSMF file')};"
        f" Bates {r.bates[0]} to {r.bates[1]}."
    )
    for notice in r.notices:
        say(f"  {notice}")


def _say_pdf(r: PdfCheck) -> None:
    from textfile.integrity.earlier import counted
    from textfile.integrity.refiled import unfiled_lines
    from textfile.integrity.renumbered import renumbered_lines
    from textfile.integrity.reports import ReportCheck, report_lines
    from textfile.integrity.withdrawn import withdrawn_lines
    from textfile.produce.check import redactions_withdrawn_lines
    from textfile.transcript.manifest import earlier_lines

    if isinstance(r, ReportCheck):  # a review report (issue 18)
        return say("\n".join(report_lines(r)))
    if getattr(r, "kind", None) == "disposal certificate":  # (issue 19)
        return say(
            f"{r.path}: matches the archive (disposal certificate {r.certificate} of matter {r.matter},"
            f" {counted(r.messages, 'message')} deleted; audit entry {r.audit_entry['entry']})."
        )
    bates = r.bates  # (as the manifest says them)
    say(
        f"{r.path}: matches {r.matches} (transcript {r.transcript}, {counted(r.messages, 'message')}, {counted(r.pages, 'page')},"
        f" Bates {bates['first']} to {bates['last']})."
    )
    for line in earlier_lines(r.earlier, r.zone) + renumbered_lines(r.renumbered) + unfiled_lines(r.unfiled):
        say(line)
    for line in withdrawn_lines(r.withdrawn, times.zone(r.zone)):  # (information: it is what was made)
        say(f"  {line}")
    if isinstance(r.redactions_withdrawn, list):  # (a production's PDF: what it withheld that a production now shows)
        for line in redactions_withdrawn_lines(r.redactions_withdrawn):
            say(f"  {line}")
    if r.privilege_log_absent:  # (the PDF is proven without it; notes/proof.py)
        say(f"  its privilege log {r.privilege_log_absent} is not beside it: not checked")
    if r.moved_from:
        say(f"  recorded as moved here from {r.moved_from}")
    elif r.recorded_gone:
        say(
            f"  the archive records it at {r.recorded_path}, where it is gone: if it was moved, "
            f"record its new place with textfile verify --moved {r.path}"
        )
