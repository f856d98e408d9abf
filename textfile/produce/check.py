"""`textfile verify DIR`: a production folder checked, file by file, against the archive's record.

What is checked, and why:
- **The folder is a finished production**: no `PRODUCTION-INCOMPLETE.txt`, a SHA256SUMS that reads,
  and that SHA256SUMS is the one a production of this archive recorded (its sha256): the other
  side's copy, or one handed back, is proven to be what was produced.
- **Every file**: each file SHA256SUMS lists is there with that sha256 (what `sha256sum -c` checks),
  and the list is the recorded one; a file in the folder that is not part of the production is
  a problem too (something was added).
- **Every PDF** is checked as a transcript against the archive (`verify FILE.pdf`: its manifest,
  every message's content hash) and its PAdES signature: intact, covering the whole file, made with
  this archive's signing key. The messages a PDF shows that the archive numbers otherwise now (an
  import archived an earlier one since: integrity/renumbered.py) are a notice, in `verify FILE.pdf`'s
  words: a number typed from the production names another message now.
- **Every .rsmf** passes the RSMF checks (rsmf_check.py: the structure and its cross-references).
- **The archive since**: a produced message the archive now holds in a later version, or no longer
  holds (disposed of), is a notice, not a problem: the production is what was produced then; so is one
  redacted since (handed over unredacted), and a redaction it applied that was withdrawn since (`unredact`:
  its words withheld here, shown by a production made now, which `produce --again` therefore refuses to
  make the same).
- **Conversations unfiled since**: a conversation a PDF shows that is filed to the production's matter no
  longer (filed there by mistake, then where it belongs: integrity/refiled.py) is a notice: if its texts are
  another client's, they were produced in this matter, and the person must know it to claw them back.
- **Notes withdrawn since**: a note its privilege log lists that was withdrawn since (recorded by
  mistake) is a notice (integrity/withdrawn.py), for every caller, not only the command line.
- **A production made again that differs** (`remade.py`: its PRODUCTION-DIFFERS.txt, which its
  SHA256SUMS lists) is said as such, in one problem naming the files that differ from the production's
  record, not as altered files: it is textfile's own output, and it is not that production.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from textfile import times
from textfile.errors import InvalidInput, NotFound
from textfile.produce import remade
from textfile.produce.folder import INCOMPLETE, SUMS, SUMS_SIGNATURE, UNLISTED, file_sha256, parse_sums
from textfile.results import Result, omit_empty


@dataclass(slots=True, eq=False)
class ProductionCheck(Result):
    """A production folder checked (`ok`: no problem found)."""

    folder: str
    ok: bool = False
    production: int | None = None
    matter: str | None = None
    bates: list[str] = field(default_factory=list)
    files: int = 0
    pdfs: int = 0
    rsmf: int = 0
    problems: list[str] = field(default_factory=list)
    notices: list[str] = omit_empty(default_factory=list)
    # the messages its PDFs show that the archive numbers otherwise now, in order: {"pdf" (its path in the
    # folder), "message" (its number as printed), "id", "now"} (integrity/renumbered.py); a notice each PDF
    renumbered: list[dict] = omit_empty(default_factory=list)
    # the conversations its PDFs show that are filed to its matter no longer: {"pdf", "conversation", "filed_now"}
    # (integrity/refiled.py); a notice each: if their texts are another client's, they were produced in this matter
    unfiled: list[dict] = omit_empty(default_factory=list)
    # the redactions it applied, withdrawn since (`redactions_withdrawn`): {"message", "redaction"}
    redactions_withdrawn: list[dict] = omit_empty(default_factory=list)


def refuse_production_parts(conn, paths) -> None:
    """A file of a production that is no transcript (its certification, a CSV, a native) given to `verify`
    as a transcript: said, with the command that checks it (InvalidInput), not failed as unknown."""
    for path in map(Path, paths):
        if not path.is_file():
            continue
        if path.name in (SUMS, SUMS_SIGNATURE, INCOMPLETE) and (path.parent / SUMS).is_file():
            raise InvalidInput(
                f"{path}: the list of files of a production, not a transcript: check the production's folder as a"
                f" whole (textfile verify {path.parent})"
            )
        size, sha = file_sha256(path)
        found = conn.execute(
            "SELECT production_id, path FROM production_files WHERE sha256 = ? AND size = ? AND kind <> 'pdf'",
            (sha, size),
        ).fetchone()
        if found is not None:
            raise InvalidInput(
                f"{path}: the file {found[1]} of production {found[0]}, not a transcript: check the production's"
                " folder as a whole (textfile verify DIR)"
            )


def verify_production(archive, folder: str | Path) -> ProductionCheck:
    """Check a production folder (see the module); a path that is no folder is InvalidInput."""
    folder = Path(folder).expanduser().absolute()
    if not folder.exists():
        raise NotFound(f"{folder}: no such folder")
    if not folder.is_dir():
        raise InvalidInput(f"{folder}: not a folder")
    if not (folder / SUMS).exists() and not (folder / INCOMPLETE).exists():
        raise InvalidInput(
            f"{folder}: not a file, nor a production's folder (it has no {SUMS}): a transcript is a PDF file"
        )
    check = ProductionCheck(str(folder))
    if (folder / INCOMPLETE).exists():
        check.problems.append(
            f"{INCOMPLETE}: the production was not finished (stopped after it was recorded, the checks below"
            " say whether every file is as recorded; make it again with `textfile produce MATTER --again N`)"
            if (folder / SUMS).is_file()
            else f"{INCOMPLETE}: the production was not finished"
        )
    sums_path = folder / SUMS
    if not sums_path.is_file():
        check.problems.append(f"{SUMS} is missing: this is not a production textfile finished")
        return check
    data = sums_path.read_bytes()
    try:
        listed = parse_sums(data)
    except (InvalidInput, UnicodeDecodeError) as exc:
        check.problems.append(str(exc) if isinstance(exc, InvalidInput) else f"{SUMS} is not UTF-8 text")
        return check
    import hashlib

    row = archive.conn.execute(
        "SELECT p.*, m.reference FROM productions p JOIN matters m ON m.id = p.matter_id WHERE p.sums_sha256 = ?",
        (hashlib.sha256(data).hexdigest(),),
    ).fetchone()
    differing = None
    if row is None and remade.NAME in listed:
        row, differing = _made_again(archive.conn, folder, listed, check)
    if row is None:
        row = _named(archive.conn, folder)
        if row is None:
            check.problems.append(
                f"{SUMS} is not that of any production this archive recorded (changed, or another archive's)"
            )
        else:  # (SHA256SUMS itself was changed: the files are told against the production's record)
            check.problems.append(f"{SUMS} is not the one production {row['id']} recorded: it was changed")
            listed = dict(
                archive.conn.execute("SELECT path, sha256 FROM production_files WHERE production_id = ?", (row["id"],))
            )
    if row is not None:
        check.production, check.matter = row["id"], row["reference"]
        check.bates = _bates(archive.conn, row)
        if differing is None:
            _against_record(archive.conn, row["id"], listed, check)
        disposed = _disposed(archive.conn, row, check)
    else:
        disposed = False
    _files(folder, listed, check)
    _sums_signed(archive, folder, data, check)
    if not disposed:  # (a disposed matter's PDFs: their sha256 and signatures are checked; their messages are gone)
        pdfs = [p for p in listed if p.startswith("IMAGES/") and p.endswith(".pdf") and p not in (differing or ())]
        _pdfs(archive, folder, pdfs, check)
    _signed(archive, folder, [p for p in listed if p.startswith("IMAGES/") or p == "CERTIFICATION.pdf"], check)
    _rsmf(folder, [p for p in listed if p.startswith("RSMF/")], check)
    if row is not None:
        _since(archive.conn, row["id"], check)
        _withdrawn(archive.conn, row["id"], folder, check)
    check.files = len(listed)
    check.ok = not check.problems
    return check


def _named(conn, folder: Path):
    """The production a folder whose SHA256SUMS was changed is: the one made there, or the one its README.txt
    names (its first line: "PRODUCTION 3 OF MATTER …", or made again and differing, "NOT PRODUCTION 3 OF
    MATTER …": remade.py)."""
    import re

    found = conn.execute(
        "SELECT p.*, m.reference FROM productions p JOIN matters m ON m.id = p.matter_id WHERE p.folder = ?",
        (str(folder),),
    ).fetchone()
    if found is not None:
        return found
    try:
        first = (folder / "README.txt").read_text(encoding="utf-8").splitlines()[0]
    except (OSError, UnicodeDecodeError, IndexError):
        return None
    said = re.fullmatch(r"(?:NOT )?PRODUCTION (\d+) OF MATTER (\S+) .*", first)
    if said is None:
        return None
    return conn.execute(
        "SELECT p.*, m.reference FROM productions p JOIN matters m ON m.id = p.matter_id"
        " WHERE p.id = ? AND m.reference = ?",
        (int(said[1]), said[2]),
    ).fetchone()


def _made_again(conn, folder: Path, listed: dict[str, str], check: ProductionCheck):
    """A production made again that differs (its SHA256SUMS lists a PRODUCTION-DIFFERS.txt): the production
    the note names (taken out: the one its README.txt names), and the files that differ from its record,
    said as one problem (None, None: it names none)."""
    try:
        said = remade.read((folder / remade.NAME).read_bytes())
    except OSError:
        said = None
    if said is None:
        row = _named(conn, folder)
    else:
        row = conn.execute(
            "SELECT p.*, m.reference FROM productions p JOIN matters m ON m.id = p.matter_id"
            " WHERE p.id = ? AND m.reference = ?",
            said[:2],
        ).fetchone()
    if row is None:
        return None, None
    number = row["id"]
    recorded = dict(conn.execute("SELECT path, sha256 FROM production_files WHERE production_id = ?", (number,)))
    differs = remade.differing(recorded, {p: sha for p, sha in listed.items() if p != remade.NAME})
    check.problems.append(
        f"made again, differs from production {number} in: {', '.join(differs)} (made from the archive as it is"
        f" now: {remade.NAME} says why): it is not production {number}"
    )
    if said is not None and said[2] != differs:
        check.problems.append(
            f"{remade.NAME} names other files than those that differ from production {number}: {', '.join(said[2])}"
        )
    return row, set(differs)


def _disposed(conn, row, check: ProductionCheck) -> bool:
    """A production of a matter since disposed of: its record is kept (files, sums), its messages are not
    (its PDFs are checked against that record and by their signatures, not message by message)."""
    from textfile.filing.names import disposed_at

    when = disposed_at(conn, row["matter_id"])
    if when:
        check.notices.append(
            f"matter {row['reference']} was disposed of on {times.day(when, times.archive_zone(conn))}: the archive keeps this production's record"
            " (its files and their sha256), not its messages; its PDFs are checked against that record"
        )
    return bool(when)


def _bates(conn, row) -> list[str]:
    from textfile.transcript import pdf

    return [pdf.bates(row["bates_prefix"], row["bates_first"]), pdf.bates(row["bates_prefix"], row["bates_last"])]


def _against_record(conn, production: int, listed: dict[str, str], check: ProductionCheck) -> None:
    recorded = dict(conn.execute("SELECT path, sha256 FROM production_files WHERE production_id = ?", (production,)))
    for path in sorted(set(recorded) - set(listed)):
        check.problems.append(f"{path}: produced, but not in {SUMS}")
    for path in sorted(set(listed) - set(recorded)):
        check.problems.append(f"{path}: in {SUMS}, but not a file of production {production}")
    for path in sorted(set(listed) & set(recorded)):
        if listed[path] != recorded[path]:
            check.problems.append(f"{path}: {SUMS} gives another sha256 than production {production} recorded")


def _files(folder: Path, listed: dict[str, str], check: ProductionCheck) -> None:
    for path, sha in sorted(listed.items()):
        target = (folder / path).resolve()
        if folder.resolve() not in target.parents:
            check.problems.append(f"{path}: outside the production folder")
            continue
        if not target.is_file():
            check.problems.append(f"{path}: missing")
            continue
        if file_sha256(target)[1] != sha:
            check.problems.append(f"{path}: changed (its sha256 is not the one produced)")
    made_here = {*UNLISTED, INCOMPLETE}
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() or p.is_symlink()}
    present -= made_here
    for extra in sorted(present - set(listed)):
        check.problems.append(f"{extra}: not part of the production (added)")


def _sums_signed(archive, folder: Path, data: bytes, check: ProductionCheck) -> None:
    """SHA256SUMS.p7s: a signature of SHA256SUMS as it is, under this archive's signing key."""
    from textfile.produce import signing

    signature = folder / SUMS_SIGNATURE
    if not signature.is_file():
        check.problems.append(f"{SUMS_SIGNATURE} is missing: {SUMS} is not signed")
        return
    certificates = [r[0].encode() for r in archive.conn.execute("SELECT certificate FROM signing_keys ORDER BY rowid")]
    _found, problem = signing.check_detached(data, signature.read_bytes(), certificates)
    if problem:
        check.problems.append(f"{SUMS_SIGNATURE}: {problem} ({SUMS} or its signature changed)")


def _pdfs(archive, folder: Path, paths: list[str], check: ProductionCheck) -> None:
    """Each PDF of IMAGES/ checked as the transcript it is (`verify FILE.pdf`): its problems, and its
    messages numbered otherwise now and its conversations filed to the matter no longer (notices, in
    `verify FILE.pdf`'s words)."""
    from textfile.integrity.refiled import unfiled_lines
    from textfile.integrity.renumbered import renumbered_lines
    from textfile.transcript import verify_pdfs
    from textfile.transcript.manifest import NOT_REACHED

    existing = [p for p in paths if (folder / p).is_file()]
    for rel, report in zip(existing, verify_pdfs(archive, [folder / p for p in existing])):
        for problem in report.problems:
            check.problems.append(f"{rel}: {problem}")
        moved = [] if report.renumbered is NOT_REACHED else report.renumbered
        check.renumbered += [{"pdf": rel, **m} for m in moved]
        check.notices += [f"{rel}: {line.strip()}" for line in renumbered_lines(moved)]
        unfiled = [] if report.unfiled is NOT_REACHED else report.unfiled
        check.unfiled += [{"pdf": rel, **u} for u in unfiled]
        check.notices += [f"{rel}: {line.strip()}" for line in unfiled_lines(unfiled, PRODUCED)]
    check.pdfs = len(existing)


# What a conversation unfiled since means for a production (`unfiled_lines`): its texts went to the other side.
PRODUCED = "they were produced in this matter"


def _signed(archive, folder: Path, paths: list[str], check: ProductionCheck) -> None:
    """Each PDF the production made (IMAGES/, the certification; a native is as it came): its PAdES
    signature there, intact, covering the whole file, made with this archive's key."""
    from textfile.produce import signing

    fingerprints = signing.recorded_fingerprints(archive.conn)
    for rel in paths:
        if not (folder / rel).is_file():
            continue
        signed = signing.check_signature(folder / rel)
        if not signed.signed:
            check.problems.append(f"{rel}: not signed")
        elif not (signed.intact and signed.covers_whole_file):
            check.problems.append(f"{rel}: changed after it was signed (its signature does not cover it as it is)")
        elif signed.certificate_fingerprint not in fingerprints:
            check.problems.append(f"{rel}: signed with a key that is not this archive's")


def _rsmf(folder: Path, paths: list[str], check: ProductionCheck) -> None:
    from textfile.produce.rsmf_check import validate

    for rel in paths:
        if (folder / rel).is_file():
            for problem in validate((folder / rel).read_bytes()):
                check.problems.append(f"{rel}: {problem}")
    check.rsmf = len(paths)


def _since(conn, production: int, check: ProductionCheck) -> None:
    """Notices: produced messages the archive holds in a later version since, or no longer holds; redacted since
    (handed over unredacted), or their redactions withdrawn since (withheld here)."""
    from textfile.produce.production import numbered

    changed, gone, which = conn.execute(
        "SELECT sum(m.id IS NOT NULL AND m.content_hash <> pm.content_hash), sum(m.id IS NULL),"
        " json_group_array(CASE WHEN m.content_hash <> pm.content_hash THEN m.id END)"
        " FROM production_messages pm LEFT JOIN messages m ON m.id = pm.message_id WHERE pm.production_id = ?",
        (production,),
    ).fetchone()
    if changed:
        check.notices.append(
            f"{changed} produced message{'s' if changed != 1 else ''} the archive now holds in a later version"
            + numbered(conn, [m for m in json.loads(which) if m])
        )
    if gone:
        check.notices.append(
            f"{gone} produced message{'s' if gone != 1 else ''} the archive no longer holds (disposed of)"
        )
    from textfile.notes.messages import number_of
    from textfile.produce.redaction import handed_over

    since = conn.execute(
        'SELECT DISTINCT r.message_id, r.start, r."end", m.conversation_id, m.sent_at, m.rowid FROM redactions r'
        " JOIN production_messages pm ON pm.message_id = r.message_id JOIN productions p ON p.id = pm.production_id"
        " JOIN messages m ON m.id = r.message_id"
        " WHERE pm.production_id = ? AND r.withdrawn_at IS NULL AND r.created_at > p.created_at ORDER BY m.sent_at",
        (production,),
    ).fetchall()
    named = sorted(
        {
            f"#{number_of(conn, r[3], r[4], r[5])}"
            for r in since
            if any(h["production"] == production for h in handed_over(conn, r[0], r[1], r[2]))
        }
    )
    if named:
        check.notices.append(f"redacted since, handed over unredacted by this production: {', '.join(named)}")
    check.redactions_withdrawn = redactions_withdrawn(conn, production)
    check.notices += redactions_withdrawn_lines(check.redactions_withdrawn)


def redactions_withdrawn(conn, production: int, transcript_id: int | None = None) -> list[dict]:
    """The redactions production `production` applied (as its record lists them) that were withdrawn since
    (`unredact`) and that no redaction of the same words replaced, of the messages its PDF `transcript_id` shows
    where given: {"message" (its number now), "redaction"}, in the messages' order. Their words are withheld in
    what was produced, and shown by a production made now (`produce --again` refuses to make it the same)."""
    from textfile.notes.messages import number_of

    # (a PDF's: from its own messages, each found in the production's record by its key; `verify DIR` checks every
    # PDF of the production, and reading the whole record for each cost as many passes as it has PDFs)
    produced = (
        "transcript_messages tm JOIN production_messages pm ON pm.production_id = ?1 AND pm.message_id = tm.message_id"
        " WHERE tm.transcript_id = ?2"
        if transcript_id
        else "production_messages pm WHERE pm.production_id = ?1"
    )
    return [
        {"message": number_of(conn, r[1], r[2], r[3]), "redaction": r[0]}
        for r in conn.execute(
            "SELECT DISTINCT r.id, m.conversation_id, m.sent_at, m.rowid FROM (SELECT pm.redactions FROM"
            f" {produced}) pm, json_each(pm.redactions) j JOIN redactions r ON r.id = j.value"
            " JOIN messages m ON m.id = r.message_id WHERE r.withdrawn_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM"
            ' redactions o WHERE o.message_id = r.message_id AND o.start = r.start AND o."end" = r."end"'
            " AND o.withdrawn_at IS NULL) ORDER BY m.sent_at, m.rowid, r.id",
            (production, transcript_id) if transcript_id else (production,),
        )
    ]


def redactions_withdrawn_lines(withdrawn: list[dict]) -> list[str]:
    """`redactions_withdrawn` in words: a line, or none."""
    if not withdrawn:
        return []
    said = ", ".join(f"#{w['message']} (redaction {w['redaction']})" for w in withdrawn)
    return [
        f"redaction{'s' if len(withdrawn) != 1 else ''} withdrawn since (`unredact`), applied by this production"
        f" (the words withheld here, shown by a production made now): {said}"
    ]


def _withdrawn(conn, production: int, folder: Path, check: ProductionCheck) -> None:
    """Notices: the notes the production's privilege log lists that were withdrawn since (integrity/withdrawn.py)."""
    from textfile.integrity.withdrawn import production_withdrawn, withdrawn_lines

    withdrawn = production_withdrawn(conn, production, folder)
    check.notices += withdrawn_lines(withdrawn, times.archive_zone(conn), "production")
