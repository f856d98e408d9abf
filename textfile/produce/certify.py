"""The certification of a production: a signable declaration under 28 U.S.C. § 1746 that lets the
produced records self-authenticate under Federal Rules of Evidence 902(13) and 902(14), as a PDF and
its plain-text twin.

Decisions, and why:
- **Pure.** `certification(facts)` turns a `Certification` (what the production command knows: the
  matter, the production's number, date and Bates range, the source exports, every file produced) into
  the PDF's bytes and the text; it reads no archive and writes no file.
- **Pre-filled, never signed for the declarant.** The process (collection from each export with its
  sha256, preservation in the archive, production), the tool and its version, the Bates range and
  every file with its sha256 are written in; the declarant's name, employer, title, signature, date and
  place are blank lines to fill in. The § 1746 closing is the statute's words for a declaration made in
  the United States. The declarant reads it and strikes what they cannot attest to: textfile states
  only what its records show.
- **True of a folder.** An export that is a folder (an unzipped WhatsApp export, an iPhone backup) is
  recorded with its files' total size and the sha256 of its listing (each file's name, size and
  modification time: a backup is many gigabytes), not of any content. Where its import recorded that
  (`Folder`), Schedule A names it as a folder, says what its SHA-256 is of and gives the file the
  messages were read from with that file's own, and paragraph 3 says what is recorded of a folder (and
  calls a WhatsApp export that is a folder one: `_kinds`); "the file's SHA-256" alone would not be true
  of it. A hash the other side cannot compute proves nothing to them: a note after Schedule A says
  exactly how the listing is written (`LISTING`: ingest/policy.py `_listing_digest`, `tree_listing`,
  `canonical_json`). A production of files says what it said before.
- **One export once.** An export imported more than once (the same bytes, under the same name, of the
  same custodian) is one row of Schedule A with every import's number and time, its messages counted
  once, as a transcript's cover lists a source once; listed once per import, the same folder looked
  like two exports.
- **True of a message two phones record.** A message found on more than one phone (a client's own phone
  beside the owner's) is one message, as the phone imported first records it: its time, receipts and
  state there; another phone's time is kept beside it ("recorded there at"), its receipts and state
  are not, and a text it shows otherwise is a new version (ingest/writer/copies.py). "As the export
  records it" alone would not be true of such a message: where the production holds any, paragraph 4
  says what the archive does with them, how many there are (`copies_of`), and paragraph 7 points to
  it. Where it holds none, neither says a word of it.
- **One text, two forms.** The words are built once, here (`_declaration`, `_schedules`), as parts
  made of literal text and values; the template lays them out and `_text` writes them as text, so the
  PDF and the text twin say the same words.
- **Nothing in the facts is trusted.** Every value (a file name, a custodian, a matter title, a path)
  is made one line and visible (`_one_line`: control characters as their pictures, line breaks and
  the characters that reorder text as marks), then autoescaped in the template, a name isolated in its
  own direction: a value cannot forge a line, a paragraph or markup in either form.
- **20,000 files in seconds.** The file list (Schedule B) is a table of fixed-width columns in
  DejaVu Sans Mono (number, Bates range, sha256, path; a long path continued under its column), laid
  out as preformatted blocks of up to ROWS rows with the column heads repeated at the top of each of
  its pages (a running element). WeasyPrint lays out an HTML <table> of 20,000 rows in about a minute
  (MEASURED, 2 cores: 52 s, and 13 s to write); these blocks take about ten seconds. A row that wraps is
  a block of its own, never split across pages.
- **Deterministic.** The PDF's dates are the production's (its `created`), WeasyPrint's document id is
  drawn from its content, and the file is written uncompressed (PDF/A-3b) and compressed by pikepdf with
  a deterministic id: the same facts give the same bytes.
"""

from __future__ import annotations

import io
import textwrap
import unicodedata
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import NamedTuple

from textfile import __version__, times

TEMPLATES = Path(str(resources.files("textfile.produce") / "templates"))
ROWS = 40  # file rows per preformatted block
LINE = 132  # monospace characters in a line of Schedule B (6 pt DejaVu Sans Mono: 139 fit on Letter, 134 on A4)
BLANK = "_" * 34
SHORT_BLANK = "_" * 16
FORMATS = {
    "android": "Android SMS Backup & Restore XML",
    "imessage": "Apple Messages database (iMessage, SMS)",
    "whatsapp": "WhatsApp “Export chat”",
}


class Folder(NamedTuple):
    """An export that is a folder, as its import recorded it (ingest/policy.py `_folder`): how many files
    its listing holds, and the file of it the messages were read from, with that file's size and sha256,
    where the import names one (an unzipped WhatsApp export's chat text)."""

    files: int
    read_from: str | None = None
    read_size: int | None = None
    read_sha256: str | None = None


@dataclass(frozen=True, slots=True)
class SourceExport:
    """An export the produced messages were read from, as its import recorded it."""

    import_id: int
    file_name: str
    format: str  # the importer's name: android, imessage, whatsapp
    size: int  # bytes; a folder's: its files' total
    sha256: str  # a folder's: of its listing (each file's name, size and modification time), not of any content
    imported_at: str  # UTC ISO: when the import finished
    custodian: str  # whose phone or account: the custodian named on import, else the archive's owner
    messages: int  # how many of the produced messages this export holds
    folder: Folder | None = None  # None: a file (or a folder imported before imports recorded what a folder is)
    imports: tuple[tuple[int, str], ...] = ()  # imported more than once (the same bytes): every (number, when)


@dataclass(frozen=True, slots=True)
class ProducedFile:
    """A file of the production: its path relative to the production's folder (with /), sha256, size,
    and its Bates range (None for a file that bears no Bates number: a load file, an RSMF file)."""

    path: str
    sha256: str
    size: int
    bates_first: str | None = None
    bates_last: str | None = None


class Copies(NamedTuple):
    """The produced messages found on more than one phone (`copies_of`): how many; of them, how many another
    phone's copy gives another time (kept, "recorded there at") and another text (a new version)."""

    messages: int
    other_time: int
    other_text: int


@dataclass(frozen=True, slots=True)
class Certification:
    """What the certification states. Every text is data: it is escaped, never markup."""

    production: str  # the production's number as the production log names it
    produced_at: str  # UTC ISO
    produced_by: str  # who ran it (the operating-system user)
    zone: str  # the archive's zone: every time is printed in it, with its offset
    region: str  # the archive's region: Letter or A4
    owner: str  # the archive's owner, its keeper
    archive_id: str
    client: str
    matter: str  # the matter's reference
    matter_title: str
    window_from: str | None  # UTC ISO; None: from the first message
    window_until: str | None  # UTC ISO; None: to the last message
    conversations: int
    messages: int
    bates_first: str
    bates_last: str
    sources: tuple[SourceExport, ...]
    files: tuple[ProducedFile, ...]  # every file but the certification itself and SHA256SUMS
    redactions: int = 0
    redaction_log: str | None = None  # its path in the production, when there is one
    earlier_redactions: int = 0  # of `redactions`, those of words in an earlier version only (withheld with it)
    keyed: bool = False  # a redacted message's identifier and content hash are given keyed (transcript/keyed.py)
    withheld_versions: int = 0  # the redacted messages' earlier versions, withheld (they hold the words)
    signing_certificate: str | None = None  # the SHA-256 fingerprint of the certificate the PDFs are signed under
    certificate_file: str | None = None  # its PEM's path in the production
    repeats: str | None = None  # the earlier productions whose messages it holds again (--reproduce), in words
    copies: Copies | None = None  # the messages found on more than one phone (`copies_of`); None: none
    tool: str = "textfile"
    version: str = __version__


class Value(NamedTuple):
    """A value from the facts within a paragraph: shown isolated in its own direction."""

    text: str


class SourceRow(NamedTuple):
    """An export's row of Schedule A: its cells (label, value), then its lines beneath them (label, value:
    a sha256, or the pieces of a sentence)."""

    cells: tuple
    lines: tuple


class Part(NamedTuple):
    """A piece of the certification: its kind (title, subtitle, fields, p, closing, signature, sources,
    files) and what it holds (a paragraph's pieces or a schedule's heading, a list's rows)."""

    kind: str
    pieces: tuple = ()
    rows: tuple = ()


def sources_of(conn, message_ids: list[str], owner: str, until: int | None = None) -> tuple[SourceExport, ...]:
    """The exports that hold these messages (those of every import that read one of them, in the order of
    their first import; up to `until`: a production made again), each with how many of them it holds;
    its custodian as named on import, else the archive's `owner`. An export imported more than once (the
    same bytes: sha256, size and format, under the same name, of the same custodian) is one export, with
    every import's number and time (`imports`), as a transcript's cover lists a source once. One of the
    two readings of the archive here (`copies_of`), for the production command to fill
    `Certification.sources` with."""
    import json

    from textfile import sightings

    found = (
        f" FROM message_sources s JOIN imports i ON i.id = s.import_id WHERE s.message_id IN"
        f" (SELECT value FROM json_each(?)){sightings.up_to('s.import_id', until)}"
    )
    ids = (json.dumps(list(message_ids)),)
    exports: dict[tuple, list] = {}
    for r in conn.execute(
        "SELECT i.id, i.file_name, i.format, i.size, i.sha256, i.finished_at, i.custodian" + found + " GROUP BY i.id"
        " ORDER BY i.id",
        ids,
    ):
        exports.setdefault((r[4], r[3], r[2], r[1], r[6]), []).append(r)
    held = {
        tuple(r[:5]): r[5]
        for r in conn.execute(
            "SELECT i.sha256, i.size, i.format, i.file_name, i.custodian, count(DISTINCT s.message_id)"
            + found
            + " GROUP BY i.sha256, i.size, i.format, i.file_name, i.custodian",
            ids,
        )
    }
    return tuple(
        SourceExport(
            *rows[0][:6],
            rows[0][6] or owner,
            held[key],
            _folder(conn, rows[0][0]),
            tuple((r[0], r[5]) for r in rows) if len(rows) > 1 else (),
        )
        for key, rows in exports.items()
    )


def _folder(conn, import_id: int) -> Folder | None:
    """What import `import_id` recorded of its source as a folder (its options' "folder"); None: a file."""
    import json

    (recorded,) = conn.execute(
        "SELECT json_extract(options, '$.folder') FROM imports WHERE id = ?", (import_id,)
    ).fetchone()
    if recorded is None:
        return None
    folder = json.loads(recorded)
    read = folder.get("read_from") or {}
    return Folder(folder["files"], read.get("file"), read.get("size"), read.get("sha256"))


def copies_of(conn, message_ids: list[str], until: int | None = None) -> Copies | None:
    """Of these messages, those found on more than one phone: exports of more than one custodian hold them
    (the owner's phone, or a client's: `import_custodians`); of those, how many another phone's copy
    gives another time (`phone_copies`, as the transcript says it: `people.times_elsewhere`) and how many
    hold a version that another phone's import made (a text that phone shows otherwise). None when none
    is. By the imports up to `until` only (a production made again). For the production command to fill
    `Certification.copies` with."""
    import json

    from textfile import sightings

    found = conn.execute(
        f"WITH seen AS ({sightings.of_ids(until)}), phones AS (SELECT s.message_id FROM seen s LEFT JOIN import_custodians ic"
        " ON ic.import_id = s.import_id GROUP BY s.message_id HAVING count(DISTINCT coalesce(ic.client_id, 0)) > 1)"
        " SELECT count(*), coalesce(sum(EXISTS (SELECT 1 FROM phone_copies pc JOIN messages m ON m.id = pc.message_id"
        f" WHERE pc.message_id = p.message_id AND pc.sent_at <> m.sent_at{sightings.up_to('pc.import_id', until)})), 0),"
        " coalesce(sum(EXISTS (SELECT 1 FROM"
        " message_versions v JOIN messages m ON m.id = v.message_id LEFT JOIN import_custodians here ON here.import_id"
        " = v.import_id LEFT JOIN import_custodians first ON first.import_id = m.import_id WHERE v.message_id ="
        f" p.message_id AND coalesce(here.client_id, 0) <> coalesce(first.client_id, 0){sightings.up_to('v.import_id', until)}))"
        ", 0) FROM phones p",
        (json.dumps(list(message_ids)),),
    ).fetchone()
    return Copies(*found) if found[0] else None


def certification(facts: Certification) -> tuple[bytes, str]:
    """The certification's PDF (PDF/A-3b) and its plain-text twin (UTF-8 text, LF line ends)."""
    parts = _declaration(facts) + _schedules(facts)
    return _pdf(parts, facts), _text(parts)


def text(facts: Certification) -> str:
    """The certification's plain-text twin alone (what `certification` returns beside the PDF): the same
    words, read without laying out the PDF (a production made again asks whether they are the ones produced)."""
    return _text(_declaration(facts) + _schedules(facts))


# -- the words ------------------------------------------------------------------------------


def _one_line(value: object) -> str:
    """A value as one visible line: control characters as their pictures (a line break as ␊, a tab as
    ␉), a C1 control as \\x.., a line or paragraph separator and every character that changes how text
    is displayed as its mark (⟦RLO⟧…)."""
    from textfile.transcript.render.text import plain

    text = plain(str(value)).replace("\n", "\u240a").replace("\t", "\u2409")
    out = []
    for ch in text:
        kind = unicodedata.category(ch)
        if kind == "Cc":
            out.append(f"\\x{ord(ch):02x}")
        elif kind in ("Zl", "Zp"):
            out.append("⟦LS⟧" if kind == "Zl" else "⟦PS⟧")
        else:
            out.append(ch)
    return "".join(out)


def _v(value: object) -> Value:
    return Value(_one_line(value))


def _local(facts: Certification, instant: str) -> str:
    return times.display(instant, times.zone(facts.zone))


def _window(facts: Certification) -> str:
    """ ", sent from … until …" when the production is a window of the matter; "" when it is all of it."""
    if facts.window_from is None and facts.window_until is None:
        return ""
    start = f"from {_local(facts, facts.window_from)}" if facts.window_from else "from the first message"
    end = f"until {_local(facts, facts.window_until)}" if facts.window_until else "to the last message"
    return f", sent {start} {end}"


def _p(*pieces) -> Part:
    return Part("p", tuple(pieces))


def _declaration(f: Certification) -> list[Part]:
    """The declaration: its heading and facts, the declarant's paragraphs, the closing and signature block."""
    return _heading(f) + _records(f) + _process(f) + [_production(f)] + _attestation(f)


def _heading(f: Certification) -> list[Part]:
    files, produced = len(f.files), _local(f, f.produced_at)
    return [
        Part("title", ("Certification of records produced",)),
        Part(
            "subtitle",
            (
                "Declaration under 28 U.S.C. § 1746, for authentication under Federal Rules of Evidence 902(13) and 902(14)",
            ),
        ),
        Part(
            "fields",
            rows=(
                ("Matter", (_v(f.matter), " — ", _v(f.matter_title))),
                ("Client", (_v(f.client),)),
                ("Production", (_v(f.production), f", produced {produced} (", _v(f.zone), ") by ", _v(f.produced_by))),
                ("Bates range", (_v(f.bates_first), " through ", _v(f.bates_last))),
                (
                    "Contents",
                    (f"{_count(f.messages, 'message')} of {_count(f.conversations, 'conversation')}{_window(f)}",),
                ),
                ("Files", (f"{files:,}, each with its SHA-256 hash value in Schedule B",)),
                ("Tool", (_v(f.tool), " version ", _v(f.version))),
                ("Archive", (_v(f.archive_id), ", kept by ", _v(f.owner))),
            ),
        ),
    ]


def _records(f: Certification) -> list[Part]:
    files, produced = len(f.files), _local(f, f.produced_at)
    return [
        _p(f"I, {BLANK}, declare:"),
        _p(
            f"1. I am over eighteen years of age. I am employed by or associated with {BLANK} as {BLANK}. I am"
            " familiar with the process described below, by which the records of this production were collected,"
            " preserved and produced, and with the system that carried it out. I make this certification as a"
            " qualified person under Federal Rules of Evidence 902(11), 902(13) and 902(14). The facts stated are"
            " within my personal knowledge or drawn from the records of that system, made and kept in the course"
            " of its regularly conducted activity."
        ),
        _p(
            "2. The records. Production ",
            _v(f.production),
            " of matter ",
            _v(f.matter),
            " (",
            _v(f.matter_title),
            ") for client ",
            _v(f.client),
            f" consists of the {_count(files, 'file')} listed in Schedule B. They hold"
            f" {_count(f.messages, 'message')} of {_count(f.conversations, 'conversation')}{_window(f)},"
            " Bates-numbered ",
            _v(f.bates_first),
            " through ",
            _v(f.bates_last),
            f". They were generated on {produced} by ",
            _v(f.tool),
            " version ",
            _v(f.version),
            " from the archive ",
            _v(f.archive_id),
            " kept by ",
            _v(f.owner),
            ".",
        ),
    ]


KINDS = {
    "imessage": "an Apple Messages database",
    "android": "an Android backup made with SMS Backup & Restore",
    "whatsapp": "a WhatsApp “Export chat” file",
}
FOLDER_KINDS = {"whatsapp": "a WhatsApp “Export chat” folder"}  # (where KINDS says "file")
LISTING = (
    "How a folder's listing is written, so that its SHA-256 hash value can be computed again from the"
    " folder (or a copy that keeps each file's modification time to the nanosecond): one entry for every"
    " file in the folder and in its subfolders (a link to a folder is not followed; a link to a file is"
    " entered with its target's size and time, one whose target is missing with its own), each a list of"
    ' three values: the file\'s path relative to the folder, its parts joined by "/"; its size in bytes;'
    " and its modification time in whole nanoseconds since 1970-01-01 00:00:00 UTC. The entries are in"
    " the order of the subfolder they are in (the folder itself first, then its subfolders by their"
    " relative paths), and within a subfolder in the order of the files' names, paths and names compared"
    " character by character by Unicode code point. The listing is the JSON list of those entries, with"
    " no space or line break, each character outside ASCII written as itself, encoded in UTF-8; its"
    ' SHA-256 hash value is that of those bytes. For example: [["a.txt",12,1709312460000000000],'
    '["media/IMG-1.jpg",20480,1709312461000000000]].'
)


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _kinds(f: Certification) -> str:
    """What kinds of export Schedule A holds, in words (only those it holds): a folder as a folder."""
    kinds = dict.fromkeys(sorted((s.format, s.folder is not None and s.format in FOLDER_KINDS) for s in f.sources))
    found = [FOLDER_KINDS[k] if folder else KINDS.get(k) or f"a {_one_line(k)} export" for k, folder in kinds]
    return ", ".join(found) if found else "none"


def _copies(f: Certification) -> str:
    """Paragraph 4's words on the messages found on more than one phone; "" when the production holds none."""
    c = f.copies
    if c is None:
        return ""
    said = (
        f" Of the messages produced, {c.messages:,} {'was' if c.messages == 1 else 'were'} found on more than one phone"
        " (in the exports of more than one custodian listed in Schedule A). Each such message is stored once, as the"
        " export imported first records it: its time, its delivered and read times, its status (sent, received,"
        " failed to send) and whether it was deleted there are that phone's; another phone's delivered and read"
        " times, status and deletion are not stored."
    )
    if c.other_time:
        said += (
            f" Where another phone's export records another time for it ({c.other_time:,} of these messages), that"
            ' time is kept beside it and stated with the message in the files produced ("recorded there at").'
        )
    if c.other_text:
        said += (
            f" Where another phone's export shows another text ({c.other_text:,} of these messages), that text is"
            " stored as a new version of the message, and the text before it is kept as an earlier version."
        )
    return said


def _folders(f: Certification) -> str:
    """Paragraph 3's words on what is recorded of an export that is a folder (Schedule A names it as one);
    "" when no export is."""
    folders = [s.folder for s in f.sources if s.folder]
    if not folders:
        return ""
    said = (
        " (for an export that is a folder, the total size of its files and the SHA-256 hash value of the folder's"
        " listing: of each file's name, size and modification time, not of the files' content"
    )
    if any(folder.read_from for folder in folders):
        said += "; where the messages were read from one file of the folder, that file's name, size and SHA-256 hash value too"
    return said + "; how the listing is written is stated after Schedule A)"


def _exported(f: Certification) -> str:
    """What Schedule A's exports are: files, folders, or files or folders."""
    folders = [s.folder is not None for s in f.sources]
    return "folders" if folders and all(folders) else "files or folders" if any(folders) else "files"


def _again(f: Certification) -> str:
    """Paragraph 3's words on an export imported more than once; "" when none was."""
    if not any(s.imports for s in f.sources):
        return ""
    return (
        " An export imported more than once (the same bytes, under the same name and custodian) is listed once,"
        " with the number and time of each import."
    )


def _process(f: Certification) -> list[Part]:
    sources = len(f.sources)
    return [
        _p(
            f"3. Collection. The messages were copied from the {_count(sources, 'export')}"
            f" listed in Schedule A: {_exported(f)} exported"
            f" from the phones or accounts that held the messages ({_kinds(f)})."
            " When it imported each export, textfile computed and recorded the file's size and SHA-256 hash value"
            f"{_folders(f)}, its format, when it was imported, and whose phone or account it came from (its"
            " custodian). textfile reads an export without changing it." + _again(f)
        ),
        _p(
            "4. Preservation. Each message was stored as the export records it in the textfile archive, a single"
            " SQLite database file, with an identifier derived from its identity in its source and a SHA-256 hash"
            " of its content (its content hash). The archive records each import with the export's hash value, and"
            " for each message every export that contained it. Every change to the archive is recorded in an"
            " append-only audit log whose entries are chained by SHA-256 hash values and sealed with a key kept"
            " outside the archive, so that a change made outside textfile is detected when the archive is"
            " verified (textfile verify)." + _copies(f)
        ),
    ]


def _production(f: Certification) -> Part:
    """Paragraph 5: how the files were made and recorded, with the redactions and the signature when there are."""
    signed = ()
    if f.signing_certificate:
        signed = (
            " Each PDF file textfile made for this production (the files in IMAGES/ and this certification) is"
            " signed with a PAdES digital signature under the certificate whose SHA-256 fingerprint is ",
            _v(f.signing_certificate),
            *(("; that certificate is the file ", _v(f.certificate_file)) if f.certificate_file else ()),
            ". A change to a signed file after it was signed shows in any PDF reader that checks signatures."
            " The file SHA256SUMS is signed too, as a detached CMS signature (SHA256SUMS.p7s) under the same"
            " certificate, so that a change to any file of the production can be detected. Native files (in"
            " NATIVES/) are produced as they were received, with no signature of their own.",
        )
    redacted = ()
    if f.redactions:
        shown = f.redactions - f.earlier_redactions
        redacted = (
            f" {shown:,} redaction{'s were' if shown != 1 else ' was'} applied to the text produced"
            + (
                f" and {f.earlier_redactions:,} made to words an edit took out since, found only in earlier versions of"
                f" {'a message' if f.earlier_redactions == 1 else 'messages'}, which are withheld"
                if f.earlier_redactions
                else ""
            )
            + ", each listed with its reason in the redaction log",
            *((" (", _v(f.redaction_log), ")") if f.redaction_log else ()),
            "; the archive keeps the original text.",
            *(
                (
                    " A redacted message's identifier and content hash, both computed over its words, are given keyed"
                    " in every file (“redacted-” and an HMAC-SHA256 under a key the producing party keeps),"
                    " so that they cannot be used to check a guess of the words withheld.",
                )
                if f.keyed
                else ()
            ),
            *(
                (
                    " The redacted messages' earlier versions (edits), which may hold the words, are withheld:"
                    f" {f.withheld_versions:,} in all.",
                )
                if f.withheld_versions
                else ()
            ),
        )
    return _p(
        "5. Production. textfile generated each file of this production from the archive: the messages as"
        " Bates-numbered PDF pages, and the same messages in the other forms listed in Schedule B, each tied"
        " to the archive by the messages' identifiers and content hashes. The PDF transcript embeds the"
        " identifier and content hash of every message it shows. After each file was written, textfile"
        " computed its SHA-256 hash value, listed in Schedule B and in the file SHA256SUMS, and recorded the"
        " production, with every file's hash value, in the archive and its audit log.",
        *redacted,
        *signed,
        *(
            (" It produces again, under new Bates numbers, messages produced before: ", _v(f.repeats), ".")
            if f.repeats
            else ()
        ),
    )


def _attestation(f: Certification) -> list[Part]:
    return [
        _p(
            "6. Hash verification. Each file of this production is identified by its SHA-256 hash value (Secure"
            " Hash Algorithm 256, FIPS 180-4), listed in Schedule B. A SHA-256 hash value is a 64-digit hexadecimal"
            " number computed from every bit of a file: the same file always yields the same value, and a change"
            " to any bit of it yields a different one. Anyone can confirm that a file received is identical to the"
            " file produced by computing its SHA-256 hash value and comparing it with the value listed. The file"
            " SHA256SUMS, at the top of the production's folder, lists every file with its hash value: in that"
            " folder, the command sha256sum -c SHA256SUMS (GNU coreutils; on macOS, shasum -a 256 -c SHA256SUMS)"
            " computes each file's hash value again and reports each file as OK or FAILED. A file whose hash value"
            " matches the value listed is a true and exact copy of the file produced."
        ),
        _p(
            "7. The records were produced by the process described above, which produces an accurate result: they"
            " reproduce the messages as the exports listed in Schedule A record them"
            + (", a message found on more than one phone as paragraph 4 states" if f.copies else "")
            + (", save for the redactions stated above." if f.redactions else ".")
        ),
        Part(
            "closing",
            (
                "I declare under penalty of perjury under the laws of the United States of America that the"
                f" foregoing is true and correct. Executed on {SHORT_BLANK} at {SHORT_BLANK}.",
            ),
        ),
        Part("signature", rows=(("Signature", BLANK), ("Name", BLANK), ("Title", BLANK))),
    ]


def _schedules(f: Certification) -> list[Part]:
    sources = tuple(_source_row(f, s) for s in f.sources)
    return [
        Part("sources", ("Schedule A: the exports the messages were copied from",), sources),
        *((_p(LISTING),) if any(s.folder for s in f.sources) else ()),
        Part("files", ("Schedule B: the files produced, with their SHA-256 hash values",), tuple(_file_rows(f.files))),
    ]


def _source_row(f: Certification, s: SourceExport) -> SourceRow:
    """An export's row of Schedule A. A folder is named as one, with how many files it holds; its size is
    theirs together and its SHA-256 is said to be its listing's, followed by the file of it the messages
    were read from, with that file's own SHA-256, where the import recorded one."""
    folder = s.folder
    cells = (
        ("Imports", ", ".join(str(n) for n, _ in s.imports)) if s.imports else ("Import", str(s.import_id)),
        ("Folder", f"{_one_line(s.file_name)} ({_count(folder.files, 'file')})")
        if folder
        else ("File", _one_line(s.file_name)),
        ("Format", FORMATS.get(s.format, _one_line(s.format))),
        ("Size", f"{s.size:,} bytes" + (" (its files together)" if folder else "")),
        ("Imported", "; ".join(f"{_local(f, at)} (import {n})" for n, at in s.imports) or _local(f, s.imported_at)),
        ("Custodian", _one_line(s.custodian)),
        ("Messages produced", f"{s.messages:,}"),
    )
    if folder is None:
        return SourceRow(cells, (("SHA-256", _one_line(s.sha256)),))
    lines = [
        (
            "SHA-256 of the folder's listing (each file's name, size and modification time, not the files' content)",
            _one_line(s.sha256),
        )
    ]
    if folder.read_from:
        lines += [
            ("Messages read from its file", (_v(folder.read_from), f" ({folder.read_size:,} bytes)")),
            ("SHA-256 of that file", _one_line(folder.read_sha256)),
        ]
    return SourceRow(cells, tuple(lines))


def sources_head(rows: tuple[SourceRow, ...]) -> list[str]:
    """Schedule A's column heads (the PDF's): each column's labels, "File or folder" where rows differ."""
    heads = []
    for column in zip(*(row.cells for row in rows)):
        labels = list(dict.fromkeys(label for label, _ in column))
        heads.append(" or ".join([labels[0], *(label.lower() for label in labels[1:])]))
    return heads


def _bates(file: ProducedFile) -> str:
    if not file.bates_first:
        return "—"
    if not file.bates_last or file.bates_last == file.bates_first:
        return _one_line(file.bates_first)
    return f"{_one_line(file.bates_first)}–{_one_line(file.bates_last)}"


def files_head(rows: tuple) -> str:
    """Schedule B's column heads, as wide as its rows' columns."""
    number, bates = (len(rows[0][0]), len(rows[0][1])) if rows else (3, 5)
    return f"{'No.':>{number}}  {'Bates':<{bates}}  {'SHA-256':<64}  File"


def _file_rows(files: tuple[ProducedFile, ...]) -> list[tuple[str, ...]]:
    """Each file's row: (number, Bates range, sha256, path), padded to their columns."""
    ranges = [_bates(f) for f in files]
    width = max([5, *map(len, ranges)])
    number = max(3, len(f"{len(files):,}"))
    return [
        (f"{n:>{number},}", f"{bates:<{width}}", _one_line(f.sha256), _one_line(f.path))
        for n, (f, bates) in enumerate(zip(files, ranges), 1)
    ]


# -- the text twin --------------------------------------------------------------------------


def _joined(pieces) -> str:
    return "".join(p.text if isinstance(p, Value) else p for p in pieces)


def _wrapped(text: str, indent: str = "") -> str:
    return textwrap.fill(
        text, 100, initial_indent=indent, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False
    )


def _text(parts: list[Part]) -> str:
    """The certification as plain text: the same words, paragraphs wrapped at 100 columns."""
    out: list[str] = []
    for part in parts:
        if part.kind in ("sources", "files"):
            out += [_joined(part.pieces), ""]
        if part.kind in ("title", "subtitle", "p", "closing"):
            text = _joined(part.pieces)
            out += [text.upper() if part.kind == "title" else _wrapped(text), ""]
        elif part.kind == "fields":
            out += [_wrapped(f"{label}: {_joined(value)}") for label, value in part.rows] + [""]
        elif part.kind == "signature":
            out += [f"{line}\n{label}" for label, line in part.rows] + [""]
        elif part.kind == "sources":
            for row in part.rows:
                out += [
                    _wrapped("; ".join(f"{label}: {value}" for label, value in row.cells)),
                    *(
                        f"    {label}: {value if isinstance(value, str) else _joined(value)}"
                        for label, value in row.lines
                    ),
                    "",
                ]
        elif part.kind == "files":
            out += [files_head(part.rows)] + ["  ".join(row) for row in part.rows] + [""]
    return "\n".join(out).rstrip("\n") + "\n"


# -- the PDF --------------------------------------------------------------------------------


def _blocks(rows: tuple) -> list[tuple[bool, str]]:
    """Schedule B as preformatted blocks: (whole, lines). Up to ROWS rows that fit on a line each make a
    block; a row whose path runs past LINE is a block of its own (`whole`: never split across pages),
    its path continued under its column."""
    indent = len("  ".join(rows[0][:3])) + 2 if rows else 0
    room = max(LINE - indent, 24)
    blocks: list[tuple[bool, str]] = []
    run: list[str] = []
    for row in rows:
        line = "  ".join(row)
        if len(line) <= LINE:
            run.append(line)
            if len(run) == ROWS:
                blocks.append((False, "\n".join(run)))
                run = []
            continue
        if run:
            blocks.append((False, "\n".join(run)))
            run = []
        path = row[3]
        pieces = [path[i : i + room] for i in range(0, len(path), room)]
        blocks.append((True, "\n".join(["  ".join((*row[:3], pieces[0]))] + [" " * indent + p for p in pieces[1:]])))
    if run:
        blocks.append((False, "\n".join(run)))
    return blocks


def _pdf(parts: list[Part], facts: Certification) -> bytes:
    """The certification laid out by WeasyPrint (the transcripts' fonts and page style, then its own),
    written PDF/A-3b uncompressed and compressed by pikepdf (deterministic id)."""
    import pikepdf
    from jinja2 import Environment, FileSystemLoader
    from weasyprint import HTML

    from textfile.transcript.render import archive_fetcher, page_size
    from textfile.transcript.render.assets import page_stylesheets
    from textfile.transcript.render.layout import _collector_off, fonts_undated
    from textfile.transcript.render.text import css_string, isolated

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True)
    env.filters["isolated"] = isolated
    env.filters["css_string"] = css_string
    env.tests["value"] = lambda piece: isinstance(piece, Value)
    files = next(p for p in parts if p.kind == "files")
    sources = next(p for p in parts if p.kind == "sources")
    html = env.get_template("certification.html.j2").render(
        parts=parts,
        page_size=page_size(facts.region),
        title=f"Certification of production {_one_line(facts.production)}, matter {_one_line(facts.matter)}",
        created=facts.produced_at,
        generator=f"{_one_line(facts.tool)} {_one_line(facts.version)}",
        files_head=files_head(files.rows),
        sources_head=sources_head(sources.rows),
        blocks=_blocks(files.rows),
    )
    fonts, sheets = page_stylesheets(TEMPLATES / "certification.css")
    with _collector_off():
        laid_out = HTML(string=html, url_fetcher=archive_fetcher(), base_url=None).render(
            font_config=fonts, stylesheets=sheets
        )
        with fonts_undated():  # (an emoji in a name: its font re-saved undated, the same bytes at any hour)
            written = laid_out.write_pdf(pdf_variant="pdf/a-3b", uncompressed_pdf=True)
        del laid_out
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(written)) as pdf:
        pdf.save(
            out, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.generate, deterministic_id=True
        )
    return out.getvalue()
