"""What `verify` reads of the disposals: how many messages they removed (the imports' added counts are
less them), a message held under an id one deleted, one line per disposal, a transcript or report whose record went with one, and a
certificate proven against the archive.

A certificate is proven as a review report is: the file's sha256 and its manifest's are those recorded
when it was made (`disposal_certificates`), that record is as its sealed audit entry says, the
disposal it certifies is as recorded (its hashes, counts and the messages and blobs listed), and the
audit entry "dispose" it names is in the chain with that hash.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from textfile import audit, times
from textfile.fingerprint import file_sha256
from textfile.integrity.earlier import counted
from textfile.results import Result, json_name


def removed_messages(conn: sqlite3.Connection) -> int:
    """How many messages the disposals removed: the imports' `added` counts still count them."""
    return sum(sum(json.loads(p).values()) for (p,) in conn.execute("SELECT per_import FROM disposals"))


def disposed_present(conn: sqlite3.Connection) -> list[str]:
    """Messages the archive holds under an id a disposal deleted (`disposed_messages`): put back outside
    textfile, since ingest never archives one again. One problem per disposal, its day on the archive's clock
    (as its line in `disposal_lines`, not the UTC date, which differs in the evening west of Greenwich)."""
    tz = times.archive_zone(conn)
    return [
        f"the archive holds {counted(n, 'message')} that the disposal of matter {reference} on"
        f" {times.day(at, tz)} deleted:"
        " added outside textfile"
        for reference, at, n in conn.execute(
            "SELECT m.reference, d.disposed_at, count(*) FROM messages g JOIN disposed_messages x ON x.message_id = g.id"
            " JOIN disposals d ON d.id = x.disposal_id JOIN matters m ON m.id = d.matter_id GROUP BY d.id ORDER BY d.id"
        )
    ]


def disposal_lines(conn: sqlite3.Connection, tz) -> list[str]:
    """One line per disposal: the matter, when, the counts, the certificate. Its attachments are the rows
    that tied a file to a message (`message_attachments`); its attachment files, the blobs deleted (the
    certificate's Appendix B, the audit entry's `blobs`): a file no message named (a WhatsApp chat's) is one."""
    lines = []
    for r in conn.execute(
        "SELECT d.*, m.reference, (SELECT path FROM disposal_certificates c WHERE c.disposal_id = d.id ORDER BY c.id DESC LIMIT 1)"
        " AS certificate FROM disposals d JOIN matters m ON m.id = d.matter_id ORDER BY d.id"
    ):
        counts = json.loads(r["counts"])
        lines.append(
            f"Disposed of: matter {r['reference']} on {times.display(r['disposed_at'], tz)} by {r['disposed_by']}:"
            f" {counted(counts.get('messages', 0), 'message')}, {counted(counts.get('message_versions', 0), 'version')},"
            f" {counted(counts.get('message_attachments', 0), 'attachment')},"
            f" {counted(len(json.loads(r['blobs'])), 'attachment file')},"
            f" {counted(len(json.loads(r['transcripts'])), 'transcript record')};"
            f" certificate {r['certificate'] or 'not made (textfile dispose ' + r['reference'] + ' --certificate)'}"
        )
    return lines


def disposed_output(conn: sqlite3.Connection, uuid: str | None) -> str | None:
    """Why the archive has no record of this transcript or report any more: the disposal its record went
    with (matter, when, certificate); None when no disposal took it."""
    if not uuid:
        return None
    tz = times.archive_zone(conn)
    for r in conn.execute(
        "SELECT d.*, m.reference, (SELECT path FROM disposal_certificates c WHERE c.disposal_id = d.id ORDER BY c.id DESC LIMIT 1)"
        " AS certificate FROM disposals d JOIN matters m ON m.id = d.matter_id ORDER BY d.id"
    ):
        if uuid in json.loads(r["transcripts"]) or uuid in json.loads(r["reports"]):
            return (
                f"it shows messages of matter {r['reference']}, disposed of on {times.display(r['disposed_at'], tz)}"
                f" (certificate {r['certificate'] or 'not made'}): the archive no longer holds them, nor the record of this file,"
                " so it can no longer be proven"
            )
    return None


@dataclass(slots=True, eq=False)
class CertificateCheck(Result):
    """One disposal certificate checked against the archive."""

    path: str
    kind: str = "disposal certificate"
    ok: bool = False
    problems: list[str] = field(default_factory=list)
    certificate: str | None = None
    matter: str | None = None
    disposed_at: str | None = None
    messages: int | None = None
    audit_entry: dict | None = None
    matches: str | None = None
    # what `verify` reads of every PDF it checks (a transcript's move): never in a certificate's JSON
    transcript: None = json_name(None, default=None)
    recorded_path: str | None = json_name(None, default=None)
    sha256: str | None = json_name(None, default=None)
    recorded_gone: bool = json_name(None, default=False)
    moved_from: str | None = json_name(None, default=None)


def is_certificate(path: str | Path) -> bool:
    from textfile.lifecycle.disposal.certificate import manifest

    return manifest.read(path) is not None


def verify_certificate(conn: sqlite3.Connection, archive_id: str, path: str | Path) -> CertificateCheck:
    """Check one certificate against the archive (see the module's docstring)."""
    from textfile.lifecycle.disposal.certificate import facts, manifest

    report = CertificateCheck(str(path))
    raw = manifest.read(path)
    data = manifest.parsed(raw) if raw else None
    if data is None:
        report.problems.append("the embedded certificate manifest is damaged")
        return report
    report.certificate, report.audit_entry = data.get("certificate"), data.get("audit_entry")
    disposal = data.get("disposal") or {}
    report.matter, report.disposed_at = disposal.get("matter"), disposal.get("disposed_at")
    report.messages = len(data.get("messages") or [])
    if data.get("archive") != archive_id:
        report.problems.append(f"unknown certificate: it was made from another archive ({data.get('archive')})")
        return report
    row = conn.execute("SELECT * FROM disposal_certificates WHERE uuid = ?", (report.certificate,)).fetchone()
    if row is None:
        report.problems.append(f"unknown certificate: this archive has no record of certificate {report.certificate}")
        return report
    report.sha256 = file_sha256(path)
    report.problems += _recorded(conn, row, raw, report.sha256)
    matter = conn.execute(
        "SELECT m.reference FROM disposals d JOIN matters m ON m.id = d.matter_id WHERE d.id = ?", (row["disposal_id"],)
    ).fetchone()
    now = facts(conn, matter[0])
    if {k: data.get(k) for k in ("disposal", "audit_entry", "messages", "blobs")} != now:
        report.problems.append("the certificate's account of the disposal differs from the archive's record of it")
    report.problems += audit.check_anchor(conn, data["audit_entry"], "the certificate")
    report.ok = not report.problems
    report.matches = "the archive" if report.ok else None
    return report


def _recorded(conn: sqlite3.Connection, row, raw: bytes, actual_sha: str) -> list[str]:
    """The file and its manifest against the sha256 recorded, and the record against its audit entry."""
    from textfile.lifecycle.disposal.certificate import manifest

    problems = []
    if manifest.sha256(raw) != row["manifest_sha256"]:
        problems.append("the embedded manifest was altered: its sha256 differs from the one recorded when it was made")
    if actual_sha != row["pdf_sha256"]:
        problems.append(f"the file was altered: its sha256 is {actual_sha}, the archive recorded {row['pdf_sha256']}")
    entry = conn.execute(
        "SELECT details FROM audit_log WHERE command = 'disposal certificate' AND json_extract(details, '$.certificate') = ?",
        (row["uuid"],),
    ).fetchone()
    said = audit.details_of(entry[0]) if entry else {}
    if not entry or any(said.get(k) != row[k] for k in ("pdf_sha256", "manifest_sha256", "pages", "path")):
        problems.append(
            "the archive's record of this certificate is not as its audit entry recorded it: changed outside textfile"
        )
    return problems
