"""A production's record and its words: README.txt, the certification, the row in the production log
with its files and messages, and the audit entry (see production.py for the order)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textfile import audit, times
from textfile.errors import Conflict
from textfile.produce.certify import _one_line
from textfile.produce.contents import GENERATOR
from textfile.produce.folder import UNLISTED
from textfile.results import Result
from textfile.transcript.bates import bates_series, take_bates

if TYPE_CHECKING:
    from textfile.produce.production import Production, Run


def next_production_number(conn) -> int:
    found = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'productions'").fetchone()
    return (found[0] if found else 0) + 1


README = """\
{head}
Bates numbers {first} to {last}: {pages}{natives}.{repeats}{preceded}

WHAT IS HERE
  IMAGES/    the texts as PDF, Bates-numbered on every page{exhibits}, signed (PAdES)
  NATIVES/   each attachment as its original file, named by its Bates number (as received:
             not signed; SHA256SUMS and its signature cover them)
  RSMF/      each conversation in Relativity Short Message Format 2.0 (.rsmf), for review platforms
             (X-RSMF-Custodian: the custodians of its messages; each event's "Found on": the phones)
  TEXT/      the extracted text of each document, named by its first Bates number
  DATA/      messages.jsonl and messages.csv (one row per message, every field, UTC and local time;
             direction: "in" or "out" (received or sent by the archive's owner), "system" (a group
             event), or "between_others" (a thread the owner is not in, found on a client's phone:
             neither, as the PDFs say "between others"); found_on: whose phone(s) the message was
             found on, each with the time that phone's copy recorded where it differs from the
             message's own);
             loadfile.dat (Concordance; CUSTODIAN: the custodians the document's messages were
             collected from) and loadfile.opt (Opticon) load files; redaction-log.csv{privilege}
{certification}  signing-certificate.pem
             the certificate the PDFs and SHA256SUMS are signed with; its SHA-256 fingerprint
             (as openssl prints it):
             {fingerprint}
  SHA256SUMS the SHA-256 of every file above; SHA256SUMS.p7s its signature

HOW TO CHECK IT (no textfile needed; run in this folder)
  1. The certificate is the producing party's: confirm the fingerprint above with them by
     another channel (a letter, a call), and that it is the certificate's:
       openssl x509 -in signing-certificate.pem -noout -fingerprint -sha256
  2. The list of files is as produced, signed under that certificate and no other (it must say
     "Verification successful"; the options keep the computer's own trusted certificates out):
       openssl cms -verify -binary -inform DER -in SHA256SUMS.p7s -content SHA256SUMS \\
         -nointern -certfile signing-certificate.pem -CAfile signing-certificate.pem \\
         -no-CApath -no-CAstore -purpose any -out /dev/null
  3. Every file is as produced, and no other file is here:
       sha256sum -c SHA256SUMS          (on macOS: shasum -a 256 -c SHA256SUMS)
     Every line must say OK; then this must print nothing:
       find . -type f | sed 's|^\\./||' | grep -vxF -e SHA256SUMS -e SHA256SUMS.p7s \\
         | sort | comm -23 - <(cut -c67- SHA256SUMS | sort)
  4. Every PDF of IMAGES/{and_certification} is as signed: open it in a PDF reader that shows
     signatures (Adobe Acrobat Reader), or with pyHanko's command line (pip install pyhanko-cli):
       pyhanko sign validate --trust signing-certificate.pem --trust-replace IMAGES/<file>.pdf
     The signature must be valid (INTACT:TRUSTED,UNTOUCHED) and cover the whole file.
  5. The load files: loadfile.dat is UTF-8 with a byte-order mark, Concordance delimiters
     (field separator U+0014, quote U+00FE, line break in a value U+00AE); loadfile.opt lists
     each PDF page by Bates number.
  6. messages.csv in a spreadsheet: import it (Data > From Text/CSV) as UTF-8 with every column
     as text. Opened directly, a spreadsheet reads a message that begins with = + - or @ as a
     formula and a phone number as a number. messages.jsonl holds the same rows, exactly.

REDACTIONS
{redactions_line}
  "[REDACTED: PII]", "[REDACTED: Privileged]" or "[REDACTED]" in the RSMF, CSV, JSONL and text
  files; DATA/redaction-log.csv lists them. A redacted message's earlier versions (edits) are
  withheld.{keyed}

TIMES
  Times are given in UTC and in {zone} with their offset, at the precision the phone recorded.
  time_precision (messages.csv, messages.jsonl) is "minute" or "second" where the export wrote
  its times no finer (WhatsApp); the local times are then shown to that. It is empty (null in
  the JSONL) where the source records a clock value instead (Android: milliseconds since 1970;
  iMessage: nanoseconds, or whole seconds in Messages databases before macOS 10.13 / iOS 11,
  which the archive does not tell apart): the UTC times give it to the millisecond, the local
  times to the second, as the PDFs show them.
"""


KEYED = """ Its message_id and content_hash are given keyed ("redacted-" and an HMAC-SHA256 under
  a key the producing party keeps), the same in every file: both are computed over its words, and
  given plain they would let a guess of the words withheld be checked."""

PRODUCED = """\
PRODUCTION {number} OF MATTER {matter} ({title})
Produced {when} from the archive of {owner}, by system user {by}, with {generator}."""

CERTIFIED = """\
  CERTIFICATION.pdf / CERTIFICATION.txt
             the declaration under 28 U.S.C. 1746 and FRE 902(13)/(14) that goes with this
             production, as prepared (signed by the declarant on a separate copy: the files here
             stay as produced)
"""

# A production made again that differs (remade.py): its README says so first, and names no certification.
NOT_PRODUCED = """\
NOT PRODUCTION {number} OF MATTER {matter} ({title}): MADE AGAIN, AND IT DIFFERS
This folder is production {number} made again from the archive as it is now, with {generator}.
It is not that production: some of its files are not the ones produced, and it has no
certification ({differs} says which files, and why). Do not hand it over as production {number}.
Production {number} was produced {when} from the archive of {owner}, by system user {by}."""

DIFFERS = """\
  {differs}
             the files that are not the ones production {number} holds, and why
"""


def readme(run: Run, pdfs, others, differs: str | None = None) -> bytes:
    """README.txt: what the folder holds and how the other side checks it without textfile. Made again
    and differing (`differs`: the name of the note that says so, remade.NAME): that it is not the production,
    first, and the note in place of the certification it lacks."""
    chosen, settings, natives = run.chosen, run.archive.settings, len(run_natives := others.natives)
    said = {
        "number": run.number,
        "matter": _one_line(chosen.matter),
        "title": _one_line(chosen.matter_title),
        "when": times.display(run.now, run.zone),
        "owner": _one_line(settings.owner_name),
        "by": _one_line(run.by),
        "generator": GENERATOR,
        "differs": differs,
    }
    return README.format(
        head=(NOT_PRODUCED if differs else PRODUCED).format(**said),
        certification=(DIFFERS if differs else CERTIFIED).format(**said),
        and_certification="" if differs else " and CERTIFICATION.pdf",
        repeats=_repeats(run),
        first=pdfs[0].begbates,
        last=run_natives[-1].bates if natives else pdfs[-1].endbates,
        pages=_n(sum(p.pages for p in pdfs), "PDF page"),
        natives=f" and {_n(natives, 'native file')}" if natives else "",
        exhibits=", one exhibit per conversation" if pdfs[0].exhibit else "",
        privilege="; privilege-log.csv (the privileged notes withheld)" if others.privileged_notes else "",
        fingerprint=_openssl_form(run.signer.fingerprint),
        redactions_line=_wrapped(
            f"  {_redactions_said(run)}, each shown as a black box with its reason in the PDFs and as"
        ),
        keyed=KEYED if run.keyed_ids else "",  # (not in a production made before they were keyed, made again)
        zone=settings.tz,
        preceded=_preceded(run),
    ).encode("utf-8")


def preceding(conn, series) -> list[list] | None:
    """What took the numbers of the production's series before its first (`series.number`), in their order: each
    run of numbers as [first, last, what]: what is a production's number, "file" (transcripts made for the firm's
    own file, never produced: `textfile transcript` numbers in the archive's series), or None (not used: a
    --bates-start past them). None where the production starts the series. Recorded with the production (its
    options), so that made again it says what it said (a transcript's record may go with a disposal since)."""
    start = series.number
    if start <= 1:
        return None
    taken = [
        (first, min(last, start - 1), number)
        for first, last, number in conn.execute(
            "SELECT bates_first, bates_last, id FROM productions WHERE bates_prefix = ? COLLATE NOCASE"
            " AND bates_first < ? ORDER BY bates_first",
            (series.prefix, start),
        )
    ]
    taken += [
        (first, min(last, start - 1), "file")
        for first, last in conn.execute(
            "SELECT bates_first, bates_last FROM transcripts WHERE bates_prefix = ? COLLATE NOCASE AND bates_first < ?"
            " AND json_extract(scope, '$.production') IS NULL ORDER BY bates_first",
            (series.prefix, start),
        )
    ]
    runs: list[list] = []
    at = 1
    for first, last, what in sorted(taken, key=lambda t: (t[0], t[1])):
        if first > at:
            runs.append([at, first - 1, None])
        if runs and runs[-1][2] == what == "file" and runs[-1][1] + 1 >= first:
            runs[-1][1] = max(runs[-1][1], last)  # (one run of the firm's transcripts)
        elif last >= at:
            runs.append([max(first, at), last, what])
        at = max(at, last + 1)
    if at < start:
        runs.append([at, start - 1, None])
    return runs


def _preceded(run: Run) -> str:
    """README.txt's word on the numbers of its series before it (`preceding`): a production that starts at
    TF-000006 says what TF-000001 to TF-000005 were (second reader, round 9: a gap no one explained). From
    edition 2 on (production.EDITION)."""
    if run.edition < 2 or not run.preceded_by:
        return ""
    from textfile.transcript import pdf

    said = []
    for first, last, what in run.preceded_by:
        numbers = pdf.bates(run.series.prefix, first) + (
            "" if first == last else f" to {pdf.bates(run.series.prefix, last)}"
        )
        if what == "file":
            said.append(f"{numbers}: transcripts made for the archive owner's own file, not produced")
        elif what is None:
            said.append(f"{numbers}: not used")
        else:
            said.append(f"{numbers}: production {what}")
    return "\n" + _wrapped("The numbers before it in this series: " + "; ".join(said) + ".")


def _wrapped(text: str) -> str:
    """A paragraph of README.txt no wider than its other lines (100 columns; indented as its first line is). A line
    that fits is itself: what a production made before said stays as it was."""
    import textwrap

    if len(text) <= 100:
        return text
    indent = text[: len(text) - len(text.lstrip(" "))]
    return textwrap.fill(text, width=100, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False)


def _redactions_said(run: Run) -> str:
    """README.txt's count of the redactions: from edition 2 on (production.EDITION), those of words an edit took
    out since (in an earlier version only: no page shows a box for them) apart (second reader, round 13)."""
    n, earlier = _redaction_counts(run)
    if not earlier:
        return _n(n, "redaction")
    return (
        f"{_n(n - earlier, 'redaction')} of the text produced (and {earlier:,} of words an edit took out since, found"
        " in earlier versions only, which are withheld)"
    )


def _redaction_counts(run: Run) -> tuple[int, int]:
    """How many redactions the production applies, and of those how many are of words in an earlier version only
    (said apart from edition 2 on; 0 before)."""
    spans = [span for found in run.redactions.values() for span in found]
    return len(spans), sum(span.earlier for span in spans) if run.edition >= 2 else 0


def _n(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _openssl_form(fingerprint: str) -> str:
    """A fingerprint as `openssl x509 -fingerprint -sha256` prints it: upper case, colons."""
    return ":".join(fingerprint[i : i + 2] for i in range(0, len(fingerprint), 2)).upper()


def _repeated(run: Run) -> str | None:
    """The earlier productions a production repeats messages of, in words (the certification's), or None."""
    if not run.earlier:
        return None
    return "; ".join(
        f"{_n(e['messages'], 'message')} of production {e['production']} ("
        + (e["first"] if e["first"] == e["last"] else f"{e['first']} to {e['last']}")
        + ")"
        for e in run.earlier
    )


def _repeats(run: Run) -> str:
    """README.txt's word on messages handed over before, in earlier productions (--reproduce)."""
    said = _repeated(run)
    return f"\nIt repeats messages produced before, under other numbers: {said}." if said else ""


def _bound(conn, chosen, given: str | None, pick) -> str | None:
    """A bound of the window the certification states: as asked, widened to the first (or last) message
    produced when --context took messages from beyond it (the statement must hold for every message)."""
    if given is None:
        return None
    (edge,) = conn.execute(
        f"SELECT {pick.__name__}(sent_at) FROM messages WHERE id IN (SELECT value FROM json_each(?))",
        (json.dumps(chosen.ids),),
    ).fetchone()
    return pick(given, edge) if edge else given


def certification(run: Run, facts) -> str:
    """CERTIFICATION.pdf (signed) and CERTIFICATION.txt: the declaration (`facts`: `certification_facts`);
    the PDF's sha256."""
    from textfile.produce import certify, signing

    folder = run.folder
    data, text = certify.certification(facts)
    folder.write("CERTIFICATION.txt", text.encode("utf-8"), "certification")
    folder.write_unsummed("CERTIFICATION.pdf", data)
    signing.sign_pdf(folder.path / "CERTIFICATION.pdf", run.signer, when=run.now)
    return folder.add("CERTIFICATION.pdf", "certification").sha256


def certification_facts(run: Run, pdfs, others):
    """What the certification states (`certify.Certification`): the production, its sources and every file
    written so far (all but the certification and SHA256SUMS)."""
    from textfile.produce import certify

    archive, chosen, folder, now = run.archive, run.chosen, run.folder, run.now
    settings = archive.settings
    redactions, earlier_redactions = _redaction_counts(run)
    return certify.Certification(
        production=str(run.number),
        produced_at=now,
        produced_by=run.by,
        zone=settings.tz,
        region=settings.region,
        owner=settings.owner_name,
        archive_id=settings.archive_id,
        client=chosen.client,
        matter=chosen.matter,
        matter_title=chosen.matter_title,
        window_from=_bound(archive.conn, chosen, chosen.from_at, min),
        window_until=_bound(archive.conn, chosen, chosen.until_at, max),
        conversations=len(chosen.conversations),
        messages=len(chosen.ids),
        bates_first=pdfs[0].begbates,
        bates_last=others.natives[-1].bates if others.natives else pdfs[-1].endbates,
        sources=certify.sources_of(archive.conn, chosen.ids, settings.owner_name, run.imports_until),
        files=tuple(
            certify.ProducedFile(f.path, f.sha256, f.size, f.bates_first, f.bates_last)
            for f in sorted(folder.files.values(), key=lambda f: f.path)
        ),
        redactions=redactions,
        earlier_redactions=earlier_redactions,
        redaction_log="DATA/redaction-log.csv",
        # (said from edition 2 on: production.EDITION)
        keyed=run.edition >= 2 and run.keyed_ids and bool(run.redactions),
        withheld_versions=others.withheld_versions if run.edition >= 2 else 0,
        signing_certificate=run.signer.fingerprint,
        certificate_file="signing-certificate.pem",
        repeats=_repeated(run),
        copies=certify.copies_of(archive.conn, chosen.ids, run.imports_until),
    )


def record(run: Run, request, pdfs, others, message_bates, earlier, sums) -> Production:
    """The production, its files and messages, the natives' numbers taken, audited: one transaction."""
    from textfile.produce.production import Production
    from textfile.transcript import pdf

    archive, chosen, series, folder, redactions, number, now = (
        run.archive,
        run.chosen,
        run.series,
        run.folder,
        run.redactions,
        run.number,
        run.now,
    )

    files = sorted(folder.files.values(), key=lambda f: f.path)
    first = pdfs[0].begbates
    last = others.natives[-1].bates if others.natives else pdfs[-1].endbates
    options = {
        "from": request.from_,
        "until": request.until,
        "conversations": request.conversations,
        "exhibits": request.exhibits,
        "exhibit_start": request.exhibit_start if request.exhibits else None,
        "context": request.context,
        "require_reviewed": request.require_reviewed,
        "reproduce": request.reproduce,
        "transcripts": [p.transcript for p in pdfs],
        "edition": run.edition,  # (what its files say: production.EDITION)
        "preceded_by": run.preceded_by,  # (what took its series' numbers before it: `preceding`)
    }
    with archive.transaction() as conn:
        natives_from = int(pdfs[-1].endbates.rsplit("-", 1)[1]) + 1
        if others.natives:
            now_free = bates_series(conn, series.prefix, archive.settings.bates_prefix).number
            if now_free != natives_from:
                raise Conflict(
                    f"another production took Bates numbers from {pdf.bates(series.prefix, natives_from)} while this one"
                    f" was made; nothing was recorded: make it again into a new folder ({folder.path} is not a production)"
                )
            take_bates(conn, series.prefix, others.next_number)
        production_id = conn.execute(
            "INSERT INTO productions (matter_id, folder, from_at, until_at, options, bates_prefix, bates_first,"
            " bates_last, reproduces, sums_sha256, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                chosen.matter_id,
                str(folder.path),
                chosen.from_at,
                chosen.until_at,
                json.dumps(options),
                series.prefix,
                series.number,
                others.next_number - 1,
                json.dumps(earlier),
                sums,
                now,
                run.by,
            ),
        ).lastrowid
        if production_id != number:
            raise Conflict(
                f"another production was recorded as number {number} while this one was made; nothing was recorded:"
                f" make it again into a new folder ({folder.path} is not a production)"
            )
        conn.executemany(
            "INSERT INTO production_files VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(production_id, *f) for f in files],
        )
        conn.executemany(
            "INSERT INTO production_messages VALUES (?, ?, ?, ?, ?)",
            [
                (
                    production_id,
                    mid,
                    chosen.hashes[mid],
                    message_bates[mid],
                    json.dumps([s.id for s in redactions.get(mid, [])]),
                )
                for mid in chosen.ids
            ],
        )
        audit.append(
            conn,
            "produce",
            {
                "production": production_id,
                "matter": chosen.matter,
                "folder": str(folder.path),
                "bates": [first, last],
                "messages": len(chosen.ids),
                "files": len(files),
                "sums_sha256": sums,
                "transcripts": [p.path for p in pdfs],
                "redactions": sorted(s.id for spans in redactions.values() for s in spans),
                "options": options,
                "reproduces": [e["production"] for e in earlier],
            },
        )
    return Production(
        production=production_id,
        matter=chosen.matter,
        folder=str(folder.path),
        bates_first=first,
        bates_last=last,
        pdfs=[
            {"path": p.path, "pages": p.pages, "bates": [p.begbates, p.endbates], "exhibit": p.exhibit} for p in pdfs
        ],
        messages=len(chosen.ids),
        conversations=len(chosen.conversations),
        pages=sum(p.pages for p in pdfs),
        natives=len(others.natives),
        rsmf=others.rsmf,
        redactions=sum(len(v) for v in redactions.values()),
        privileged_notes=others.privileged_notes,
        files=len(files) + len(UNLISTED),
        sums_sha256=sums,
        certification_sha256=others.certification_sha256,
        reproduces=earlier,
        earlier_redactions=_redaction_counts(run)[1],
        repeated=conn.execute(
            "SELECT count(DISTINCT message_id) FROM production_messages WHERE production_id != ?"
            " AND message_id IN (SELECT value FROM json_each(?))",
            (production_id, json.dumps(chosen.ids)),
        ).fetchone()[0]
        if earlier
        else 0,
    )


@dataclass(slots=True, eq=False)
class Listed(Result):
    """A production as `productions` lists it."""

    production: int
    matter: str
    made_at: str
    made_by: str
    bates_first: str
    bates_last: str
    messages: int  # as the production log still holds them (a disposal removes its messages' rows)
    files: int  # in its folder: those SHA256SUMS lists (`listed`), and SHA256SUMS and SHA256SUMS.p7s
    folder: str
    reproduces: list[int] = field(default_factory=list)
    listed: int = 0  # the files SHA256SUMS lists (the certification's Schedule B: all but CERTIFICATION.pdf, .txt)


def listed(conn, matter: str | None = None) -> list[Listed]:
    """The production log: every production (of a matter), in the order made."""
    from textfile.transcript import pdf

    cond, params = ("1", ())
    if matter:
        from textfile.filing.names import matter_row

        cond, params = ("p.matter_id = ?", (matter_row(conn, matter)["id"],))
    return [
        Listed(
            r["id"],
            r["reference"],
            r["created_at"],
            r["created_by"],
            pdf.bates(r["bates_prefix"], r["bates_first"]),
            pdf.bates(r["bates_prefix"], r["bates_last"]),
            r["messages"],
            r["files"] + len(UNLISTED),
            r["folder"],
            [e["production"] for e in json.loads(r["reproduces"])],
            r["files"],
        )
        for r in conn.execute(
            "SELECT p.*, m.reference,"
            " (SELECT count(*) FROM production_messages pm WHERE pm.production_id = p.id) AS messages,"
            " (SELECT count(*) FROM production_files pf WHERE pf.production_id = p.id) AS files"
            f" FROM productions p JOIN matters m ON m.id = p.matter_id WHERE {cond} ORDER BY p.id",
            params,
        )
    ]
