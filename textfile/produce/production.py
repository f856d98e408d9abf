"""`textfile produce`: one production of a matter's texts, in every form a court and a review
platform take, recorded in the archive and provable by the other side without textfile.

The order of the work, and why:
1. **Refusals first** (selection.py): the matter's messages in the window and conversations asked
   for, a named conversation's messages not filed to the matter, open review flags under
   --require-reviewed, messages produced before unless --reproduce, redactions whose words moved.
   Nothing is rendered, numbered or written before all of them pass.
2. **The PDFs**, one continuous Bates series: the matter's transcript, or with --exhibits one PDF per
   conversation, each stamped as an exhibit on every page; each starts at the number after the last
   one's last page. They are transcripts (recorded and audited as such, so `verify FILE.pdf` proves
   each one), rendered with the redactions in force and without notes, and signed (PAdES) before
   their sha256 is taken. Each message's Bates number is the page its entry starts on.
3. **Natives** numbered on from the PDFs, one number each; RSMF per conversation; CSV and JSONL;
   the extracted text per document; the DAT and OPT load files; the redaction log and the privilege
   log; the signing certificate; the certification (§1746 / FRE 902(14)) naming every file's sha256;
   README.txt; then SHA256SUMS.
4. **The record**, in one transaction: the natives' numbers taken from the series (refused if another
   production took them meanwhile), the production, its files and its messages, and the audit entry.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from textfile import audit, times
from textfile.archive import Archive, validate_bates_prefix
from textfile.errors import Conflict, InvalidInput, NotFound, TextfileError
from textfile.integrity.earlier import counted
from textfile.notes.stranded import elsewhere
from textfile.produce import contents, documents, record, remade, selection
from textfile.produce.folder import UNLISTED, Folder
from textfile.results import Result, omit_empty
from textfile.transcript.bates import Series, bates_series, check_not_own

# What a production's files say, edition by edition (recorded in its options; one made before editions were
# recorded has none: 1), so that a production made again says what it said when it was made (`produce --again`
# makes it byte for byte: a wording changed for every production would make every earlier one differ):
# 1. as made before 2026-12-07.
# 2. TEXT/ says a redacted message's earlier versions are withheld, as its PDF page does; the RSMF counts an
#    attachment not in the archive from 1, as the PDF does ("Attachment 1 not in the archive", not 0); the
#    certification says that a redacted message's identifier and content hash are given keyed and its earlier
#    versions withheld (README.txt already did); README.txt says what took the numbers of its series before it
#    (record.preceding: the archive owner's own transcripts, earlier productions, numbers not used).
EDITION = 2


@dataclass(slots=True)
class Request:
    """What `produce` was asked for, as given (checked by `produce`)."""

    matter: str
    out: str
    from_: str | None = None
    until: str | None = None
    conversations: list[int] = field(default_factory=list)
    bates_prefix: str | None = None
    exhibits: bool = False
    exhibit_start: str = "1"
    context: int = 0
    require_reviewed: bool = False
    reproduce: bool = False
    mkdir: bool = False


@dataclass(slots=True, eq=False)
class Production(Result):
    """A production made: its number, folder, Bates range and what it holds."""

    production: int
    matter: str
    folder: str
    bates_first: str
    bates_last: str
    pdfs: list[dict]
    messages: int
    conversations: int
    pages: int
    natives: int
    rsmf: int
    redactions: int
    privileged_notes: int
    files: int
    sums_sha256: str
    certification_sha256: str | None
    reproduces: list[dict] = omit_empty(default_factory=list)
    repeated: int = omit_empty(default=0)  # its messages produced before, each counted once (in several: once)
    earlier_redactions: int = omit_empty(default=0)  # of `redactions`, those of words in an earlier version only
    seconds: dict = field(default_factory=dict)
    # privileged notes of another matter about a produced message (notes/stranded.py `elsewhere`): said, not recorded
    warnings: list[str] = omit_empty(default_factory=list)


def exhibit_labels(start: str, count: int) -> list[str]:
    """Exhibit 1, 2, 3… or A, B, … Z, AA, AB… from `start` (--exhibit-start)."""
    start = (start or "1").strip()
    if start.isdigit() and int(start) >= 1:
        return [f"Exhibit {int(start) + i}" for i in range(count)]
    if start.isalpha() and start.isascii():
        first = 0
        for ch in start.upper():
            first = first * 26 + (ord(ch) - 64)
        return [f"Exhibit {_letters(first + i)}" for i in range(count)]
    raise InvalidInput(f"--exhibit-start is a number (1) or letters (A): not {start!r}")


def _letters(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


@dataclass
class Run:
    """One production as it is made: what every step reads (the archive, the messages chosen, the Bates
    series, the redactions, the folder, the signing key, its time and maker, its number, the zone)."""

    archive: Archive
    chosen: selection.Selection
    series: Series
    redactions: dict
    folder: Folder
    signer: object
    now: str
    by: str
    number: int
    zone: object
    earlier: list = field(default_factory=list)  # the earlier productions of its messages (--reproduce)
    imports_until: int | None = None  # made again: the last import it knew (`sightings.known_until`); none: every one
    keyed_ids: bool = True  # made again: whether it was made keying them (productions made before it was did not)
    edition: int = EDITION  # made again: the edition it was made in (`EDITION`)
    preceded_by: list | None = None  # what took its series' numbers before it (record.preceding), as recorded

    def keyed(self, named=()):
        """The redacted messages' ids and content hashes as the production's files show them (transcript/keyed.py;
        as they are in a production made before they were keyed, made again): those it holds, and those of
        `named` (messages outside it its files name: a reply's) with a redaction in force."""
        from textfile.produce.redaction import in_force
        from textfile.transcript import keyed

        if not self.keyed_ids:
            return keyed.NONE
        conn = self.archive.conn
        pairs = [(m, self.chosen.hashes[m]) for m in self.redactions]
        outside = sorted(in_force(conn, set(named) - set(self.chosen.hashes)))
        pairs += conn.execute(
            "SELECT id, content_hash FROM messages WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(outside),)
        ).fetchall()
        return keyed.for_production(conn, [tuple(p) for p in pairs])


def produce(archive: Archive, request: Request, progress=None) -> Production:
    """One production (see the module): refused before anything is written, or made whole and recorded."""
    started = time.monotonic()
    conn, settings = archive.conn, archive.settings
    audit.require_key(conn)
    zone = times.zone(settings.tz)
    from_at = times.parse_user_instant(request.from_, zone) if request.from_ else None
    until_at = times.parse_user_instant(request.until, zone, end_of_day=True) if request.until else None
    if request.context and not (from_at or until_at):
        raise InvalidInput("--context N adds messages around a window: give --from or --until too")
    prefix = validate_bates_prefix(request.bates_prefix) if request.bates_prefix else settings.bates_prefix
    if request.bates_prefix:  # (never one of the archive's own series: transcript/bates.py)
        check_not_own(prefix, settings.bates_prefix)
    series = bates_series(conn, prefix, settings.bates_prefix)
    chosen = selection.select(conn, request.matter, from_at, until_at, request.conversations, request.context)
    if request.require_reviewed:
        selection.check_reviewed(conn, chosen.ids)
    earlier = selection.check_not_produced(conn, chosen.ids, request.reproduce)
    redactions = _redactions(conn, chosen.ids)
    labels = exhibit_labels(request.exhibit_start, len(chosen.conversations)) if request.exhibits else []
    signer = _signer(archive)
    run = Run(
        archive,
        chosen,
        series,
        redactions,
        Folder(request.out, request.mkdir),
        signer,
        times.now_iso(),
        audit.current_user(),
        record.next_production_number(conn),
        zone,
        earlier,
        preceded_by=record.preceding(conn, series),
    )
    pdfs, message_bates, after = _pdfs(run, request, labels, progress)
    seconds = {"pdf": round(time.monotonic() - started, 2)}
    other = time.monotonic()
    others = _finish(run, after, pdfs, message_bates)
    seconds["other"] = round(time.monotonic() - other, 2)
    made = record.record(run, request, pdfs, others, message_bates, earlier, others.sums)
    run.folder.done()
    made.seconds = {**seconds, "total": round(time.monotonic() - started, 2)}
    made.warnings = elsewhere(conn, [chosen.matter_id], chosen.ids, "production")
    return made


def _finish(run: Run, first_native: int, pdfs, message_bates, recorded: dict[str, str] | None = None):
    """Every file beside the PDFs, README.txt, the certification, SHA256SUMS. Made again (`recorded`: the
    production's files, path -> sha256): the certification only where it is the one produced (`_certifies`),
    else a README.txt that says first the folder is not the production; and PRODUCTION-DIFFERS.txt when a
    file is not the one produced (`_said_differing`)."""
    others = contents.write_others(run, first_native, pdfs, message_bates)
    readme = record.readme(run, pdfs, others)
    facts = _facts_with(record.certification_facts(run, pdfs, others), readme)
    if recorded is None or _certifies(facts, recorded):
        run.folder.write("README.txt", readme, "readme")
        others.certification_sha256 = record.certification(run, facts)
    else:  # (no certification: a file differs, and README.txt says first that the folder is not the production)
        run.folder.write("README.txt", record.readme(run, pdfs, others, differs=remade.NAME), "readme")
    if recorded is not None:
        _said_differing(run, recorded)
    others.sums = run.folder.finish(run.signer)
    return others


def _facts_with(facts, readme: bytes):
    """The certification's facts (`facts`: of the files written so far) with README.txt (`readme`) among the
    files it lists: a production made again asks whether they are the production's before README.txt is
    written, to write the one that says it is not the production when they are not."""
    import dataclasses
    import hashlib

    from textfile.produce import certify

    listed = certify.ProducedFile("README.txt", hashlib.sha256(readme).hexdigest(), len(readme), None, None)
    return dataclasses.replace(facts, files=tuple(sorted((*facts.files, listed), key=lambda f: f.path)))


def _redactions(conn, ids: list[str]) -> dict:
    from textfile.produce import redaction

    return redaction.spans(conn, ids)


def _signer(archive: Archive):
    """The archive's signing key (made on first use, audited), to sign every PDF of the production."""
    from textfile.produce import signing

    return signing.ensure_key(archive)


def _pdfs(run: Run, request: Request, labels: list[str], progress):
    """The PDFs, one continuous Bates series from the series' next free number; each message's Bates number."""
    from textfile.produce import signing
    from textfile.transcript import make_transcript, pdf

    archive, chosen, series, folder = run.archive, run.chosen, run.series, run.folder

    groups = _groups(chosen, labels)
    pdfs: list[documents.PdfDocument] = []
    message_bates: dict[str, str] = {}
    number = series.number
    for n, group in enumerate(groups):
        name = f"IMAGES/{pdf.bates(series.prefix, number)}.pdf"
        made = make_transcript(
            archive,
            matter=chosen.matter,
            from_=request.from_,
            until=request.until,
            out=folder.path / name,
            bates_prefix=series.prefix,
            bates_start=number,
            conversations=group if (labels or request.conversations) else None,
            context=request.context,
            exhibit=labels[n] if labels else None,
            production=f"Production {run.number}",
            redact=True,
            notes=False,
            for_production=True,  # (a cover without the firm's internals: transcript/content/withheld.py)
            signer=lambda path: signing.sign_pdf(path, run.signer, when=run.now),
            progress=progress,
        )
        pdfs.append(_placed(run, name, made, group, labels[n] if labels else None, message_bates))
        number += made.pages
    shown, wanted = set(message_bates), set(chosen.ids)
    if shown != wanted:
        raise TextfileError(
            f"the PDFs show {len(shown)} messages where the production holds {len(wanted)}; nothing more was"
            " written (please report this)"
        )
    return pdfs, message_bates, number


@dataclass(slots=True, eq=False)
class Reproduction(Result):
    """A production made again (`produce --again N`): where, and whether every file came out the same."""

    production: int
    matter: str
    folder: str
    identical: bool
    sums_sha256: str
    files: int
    differs: list[str] = omit_empty(default_factory=list)  # files whose bytes are not those produced
    left_out: list[str] = omit_empty(default_factory=list)  # of them, the certification left out (remade.py)


def produce_again(archive: Archive, matter: str, number: int, out, mkdir: bool = False, progress=None) -> Reproduction:
    """Production `number` made again into a new folder, with its numbers, options, time and maker: the
    same bytes, file for file, when the archive still holds its messages as produced (refused before
    anything is written when it does not: the bytes could not be the same). Audited."""
    conn, settings = archive.conn, archive.settings
    audit.require_key(conn)
    row = conn.execute(
        "SELECT p.*, m.reference FROM productions p JOIN matters m ON m.id = p.matter_id WHERE p.id = ?", (number,)
    ).fetchone()
    if row is None:
        raise NotFound(f"no production {number} (see `textfile productions`)")
    if row["reference"] != matter.strip():
        raise InvalidInput(f"production {number} is of matter {row['reference']}, not {matter.strip()}")
    options = json.loads(row["options"])
    _check_reference(conn, number, row["reference"], options["transcripts"])
    known = _imports_known(conn, number)  # (its messages as the archive held them then: selection.select)
    chosen = selection.select(
        conn, row["reference"], row["from_at"], row["until_at"], options["conversations"], options["context"], known
    )
    redactions = _redactions(conn, chosen.ids)
    _check_unchanged(conn, number, chosen, redactions)
    signer = _signer(archive)
    _check_key(conn, number, signer)
    labels = exhibit_labels(options["exhibit_start"], len(chosen.conversations)) if options["exhibits"] else []
    _check_transcripts(archive, chosen, labels, options["transcripts"])
    run = Run(
        archive,
        chosen,
        Series(row["bates_prefix"], row["bates_first"]),
        redactions,
        Folder(out, mkdir),
        signer,
        row["created_at"],
        row["created_by"],
        number,
        times.zone(settings.tz),
        json.loads(row["reproduces"]),
        known,
        _keyed_ids(conn, options["transcripts"]),
        options.get("edition", 1),
        options.get("preceded_by"),
    )
    pdfs, message_bates, after = _pdfs_again(run, options["transcripts"], labels, progress)
    recorded = dict(conn.execute("SELECT path, sha256 FROM production_files WHERE production_id = ?", (number,)))
    others = _finish(run, after, pdfs, message_bates, recorded)
    made = {f.path: f.sha256 for f in run.folder.files.values()}
    differs = remade.differing(recorded, {p: sha for p, sha in made.items() if p != remade.NAME})
    again = Reproduction(
        number,
        row["reference"],
        str(run.folder.path),
        others.sums == row["sums_sha256"],
        others.sums,
        len(made) + len(UNLISTED),
        differs,
        [p for p in remade.CERTIFICATIONS if p in recorded and p not in made],
    )
    with archive.transaction() as w:
        audit.append(w, "produce again", again.to_json())
    run.folder.done()
    return again


def _keyed_ids(conn, transcripts: list[str]) -> bool:
    """Whether the production keyed its redacted messages' ids and content hashes (its PDFs' records say so, as
    every production since they were keyed: transcript/keyed.py); one made before, made again, does not."""
    return bool(
        conn.execute(
            "SELECT 1 FROM transcripts WHERE uuid IN (SELECT value FROM json_each(?)) AND json_extract(scope, '$.keyed')",
            (json.dumps(transcripts),),
        ).fetchone()
    )


def _certifies(facts, recorded: dict[str, str]) -> bool:
    """A production made again is certified only where every file written so far is the one produced and
    the certification would say the words production N's did (its text twin's sha256 is the recorded one):
    a certification states that its files are production N, and of a folder that is not, it would misstate
    (`remade.py`: PRODUCTION-DIFFERS.txt says it is left out, and why)."""
    import hashlib

    from textfile.produce import certify

    made = {f.path: f.sha256 for f in facts.files}  # (every file written so far, README.txt as it would be)
    if remade.differing({p: sha for p, sha in recorded.items() if p not in remade.CERTIFICATIONS}, made):
        return False
    text = certify.text(facts).encode("utf-8")
    return hashlib.sha256(text).hexdigest() == recorded.get("CERTIFICATION.txt")


def _said_differing(run: Run, recorded: dict[str, str]) -> None:
    """The files that differ from the production's record, named in the folder itself with why, as the
    archive records it (`remade.py`: PRODUCTION-DIFFERS.txt, which SHA256SUMS then lists), when there are any."""
    from textfile.produce import since

    made = {f.path: f.sha256 for f in run.folder.files.values()}
    if not remade.differing(recorded, made):
        return
    conn = run.archive.conn
    row = conn.execute(
        "SELECT p.*, m.reference FROM productions p JOIN matters m ON m.id = p.matter_id WHERE p.id = ?", (run.number,)
    ).fetchone()
    why = since.changes(conn, row, run.chosen.conversations, run.zone)
    made_on = times.display(run.now, run.zone)
    run.folder.write(remade.NAME, remade.note(run.number, row["reference"], made_on, recorded, made, why), "notice")


def _imports_known(conn, number: int) -> int | None:
    """The last import production `number` knew: its messages (those first archived by the imports up to
    it), their numbers, and where they were found (the data's found_on, the custodians, the certification's
    sources and copies) are read as it was made (an export imported since that holds them, or adds messages
    to their conversations, is no change to what it says). None: its audit entry is not found (read by
    every import; a file that then differs is named)."""
    from textfile import sightings
    from textfile.produce.since import produced_entry

    entry = produced_entry(conn, number)
    return None if entry is None else sightings.known_until(conn, entry)


def _check_unchanged(conn, number: int, chosen, redactions: dict) -> None:
    """The archive holds production `number`'s messages as they were produced, with the same redactions."""
    recorded = {
        r[0]: (r[1], json.loads(r[2]))
        for r in conn.execute(
            "SELECT message_id, content_hash, redactions FROM production_messages WHERE production_id = ?", (number,)
        )
    }
    now = {mid: (chosen.hashes[mid], [s.id for s in redactions.get(mid, [])]) for mid in chosen.ids}
    if now != recorded:
        changed = [m for m in set(now) & set(recorded) if now[m] != recorded[m]]
        added, left = set(now) - set(recorded), set(recorded) - set(now)
        said = [
            f"{len(changed)} changed or redacted otherwise{_which(conn, changed, now, recorded)}" if changed else "",
            f"{counted(len(added), 'message')} its scope holds now that it did not" if added else "",
            f"{counted(len(left), 'message')} it showed no longer in its scope{numbered(conn, left)}"
            " (unfiled from the matter since, or deleted)"
            if left
            else "",
        ]
        raise Conflict(
            f"the archive no longer holds production {number}'s messages as they were produced"
            f" ({'; '.join(s for s in said if s)}): the same files cannot be made again (`textfile verify` the"
            " production's folder you have, or produce again with --reproduce)"
        )


def numbered(conn, ids, how=None) -> str:
    """The messages of `ids` the archive still holds, by number in the order the transcript shows them (the
    first five, each followed by `how(id)` where given), after ": "; "" when it holds none."""
    from textfile.notes.messages import number_of

    rows = conn.execute(
        "SELECT id, conversation_id, sent_at, rowid FROM messages WHERE id IN (SELECT value FROM json_each(?))"
        " ORDER BY conversation_id, sent_at, rowid",
        (json.dumps(sorted(ids)),),
    ).fetchall()
    if not rows:
        return ""
    shown = ", ".join(
        f"#{number_of(conn, conversation, sent_at, rowid)}" + (f" {how(mid)}" if how else "")
        for mid, conversation, sent_at, rowid in rows[:5]
    )
    return f": {shown}" + (f" and {len(rows) - 5} more" if len(rows) > 5 else "")


def _which(conn, changed: list[str], now: dict, recorded: dict) -> str:
    """The messages changed since the production, by number, and how: a later version (an edit; an attachment's
    bytes an earlier export lacked, filled in: `conversation show N` lists the versions), or the redactions."""
    return numbered(
        conn, changed, lambda mid: "a later version" if now[mid][0] != recorded[mid][0] else "redacted otherwise"
    )


def _check_reference(conn, number: int, reference: str, transcripts: list[str]) -> None:
    """The matter production `number` is of still has the reference it was made under (its PDFs' records say
    it): its files name the matter by it (each PDF's cover, the load files, README.txt, the certification), so
    under another (`matter edit --reference`) none of them could be made again the same."""
    found = conn.execute(
        "SELECT json_extract(scope, '$.matter') FROM transcripts WHERE uuid IN (SELECT value FROM json_each(?))"
        " AND json_extract(scope, '$.matter') <> ? LIMIT 1",
        (json.dumps(transcripts), reference),
    ).fetchone()
    if found is not None:
        raise Conflict(
            f"production {number} was made of matter {found[0]}, whose reference is {reference} now: its files name"
            f" it {found[0]} and cannot be made again the same (`textfile verify` the production's folder you have,"
            " or produce its messages again with --reproduce)"
        )


def _check_key(conn, number: int, signer) -> None:
    """Production `number` was signed with the archive's signing key as it is now."""
    import hashlib

    from textfile.produce import signing

    recorded = conn.execute(
        "SELECT sha256 FROM production_files WHERE production_id = ? AND path = 'signing-certificate.pem'", (number,)
    ).fetchone()
    if recorded and recorded[0] != hashlib.sha256(signing.certificate_pem(signer)).hexdigest():
        raise Conflict(
            f"production {number} was signed with another key than the archive's: it cannot be signed again the same"
        )


def _groups(chosen, labels: list[str]) -> list[list[int]]:
    """The conversations of each PDF: one each as exhibits (`labels`), or all of them in one."""
    return [[c] for c in chosen.conversations] if labels else [chosen.conversations]


def _check_transcripts(archive: Archive, chosen, labels: list[str], transcripts: list[str]) -> None:
    """The production's PDFs can be made again from their transcripts' records: as many as it made, each
    refused as `make_transcript(again=…)` would refuse it before rendering (`check_again`: the matter's title,
    the messages' numbers, the redactions applied), so nothing is written when one is (its folder not made)."""
    from textfile.transcript import check_again

    if len(_groups(chosen, labels)) != len(transcripts):
        raise Conflict("the production's conversations are not those it was made of: it cannot be made again the same")
    for transcript in transcripts:
        check_again(archive, transcript)


def _pdfs_again(run: Run, transcripts: list[str], labels: list[str], progress):
    """The production's PDFs made again from their transcripts' records (`make_transcript(again=…)`, checked
    already: `_check_transcripts`); one that comes out otherwise is kept, to be named with the other files
    that differ (`Reproduction.differs`)."""
    from textfile.produce import signing
    from textfile.transcript import make_transcript, pdf

    chosen, folder = run.chosen, run.folder
    groups = _groups(chosen, labels)
    pdfs, message_bates = [], {}
    number = run.series.number
    for n, (group, transcript) in enumerate(zip(groups, transcripts)):
        name = f"IMAGES/{pdf.bates(run.series.prefix, number)}.pdf"
        made = make_transcript(
            run.archive,
            again=transcript,
            keep_differing=True,
            out=folder.path / name,
            signer=lambda path: signing.sign_pdf(path, run.signer, when=run.now),
            progress=progress,
        )
        pdfs.append(_placed(run, name, made, group, labels[n] if labels else None, message_bates))
        number += made.pages
    return pdfs, message_bates, number


def _placed(
    run: Run, name: str, made, group: list[int], label: str | None, message_bates: dict
) -> documents.PdfDocument:
    """A PDF made (`made`, a Transcript) as a document of the production: summed, its messages' Bates numbers kept."""
    run.folder.add(name, "pdf", (made.bates_first, made.bates_last))
    message_bates.update(made.message_bates)
    return documents.PdfDocument(
        name,
        made.pages,
        made.bates_first,
        made.bates_last,
        group,
        [mid for c in group for mid in run.chosen.messages[c]],
        label,
        transcript=made.transcript,
    )


def interrupted(out) -> str:
    """What to say when a production was stopped (Ctrl-C): whether its folder is complete."""
    from textfile.produce.folder import INCOMPLETE, SUMS

    folder = Path(out).expanduser().absolute()
    if (folder / SUMS).is_file() and (folder / INCOMPLETE).exists():
        return (
            f"Interrupted after {folder}'s SHA256SUMS was written: `textfile verify {folder}` says whether it was"
            " recorded (then `textfile produce MATTER --again N` makes it again whole); do not hand it over as it is"
        )
    if (folder / SUMS).is_file() and not (folder / INCOMPLETE).exists():
        return f"Interrupted after the production in {folder} was made and recorded: it is complete (textfile verify {folder})"
    if folder.is_dir():
        return (
            f"Interrupted: {folder} is unfinished ({INCOMPLETE}): do not hand it over; make the production again"
            " into a new folder"
        )
    return "Interrupted before anything was written"
