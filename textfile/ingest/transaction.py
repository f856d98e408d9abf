"""One source, one transaction: the `imports` row, the writer, the checks only the whole source allows,
the audit entry, the automatic filing.

An import reads the whole source inside one write transaction: the `imports` row, every new
message, attachment, version and reaction, a `message_sources` row for every message the source
contains (new or already known), the automatic filing of what it touched and the audit entry.
Any exception — a malformed file found at its last byte, a bug, Ctrl-C — rolls all of it back.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field

from textfile import audit, filing, ignore, times
from textfile.archive import Archive
from textfile.fingerprint import canonical_json
from textfile.ingest.custodian import _not_the_owners
from textfile.ingest.writer import _Writer
from textfile.ingest.writer.renamed import refuse_a_chat_archived_again

Progress = Callable[[int], None]


@dataclass
class ImportResult:
    path: str
    file_name: str
    format: str
    import_id: int
    size: int
    sha256: str
    zone: str
    added: int = 0
    already_present: int = 0
    updated: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    conversations: list[int] = field(default_factory=list)
    filed: list[dict] = field(default_factory=list)
    flags: dict[str, int] = field(default_factory=dict)  # review flags the import raised (or opened again), by rule
    reader: dict | None = None  # a second reading process's CPU time and peak RSS (benchmarks)
    missing_from_phone: int = (
        0  # messages an earlier export of this phone held that this one lacks (lifecycle/coverage.py)
    )
    seen_again: int = 0  # messages found missing from this phone before that this export holds again

    def as_dict(self) -> dict:
        return (
            {
                "path": self.path,
                "file_name": self.file_name,
                "format": self.format,
                "import_id": self.import_id,
                "size": self.size,
                "sha256": self.sha256,
                "zone": self.zone,
                "added": self.added,
                "already_present": self.already_present,
                "updated": self.updated,
                "skipped": self.skipped,
                "warnings": self.warnings,
                "assumptions": self.assumptions,
                "conversations": self.conversations,
                "filed": self.filed,
            }
            | ({"flags": self.flags} if self.flags else {})
            | ({"missing_from_phone": self.missing_from_phone} if self.missing_from_phone else {})
            | ({"seen_again": self.seen_again} if self.seen_again else {})
            | ({"reader": self.reader} if self.reader else {})
        )


@dataclass(frozen=True)
class Source:
    """What the `imports` row says about the source being read."""

    path: str
    file_name: str
    size: int
    sha256: str
    format: str
    importer_version: str
    zone: str
    region: str
    custodian: str | None = None
    options: dict = field(default_factory=dict)
    # the format's identity holds the text: an edit between exports is a new identity (_Writer.fold)
    fold_edits: bool = False
    # the format's identity holds the time as written: a known message at another instant is a re-reading
    wall_clock: bool = False
    corrects_tz: bool = False  # --corrects-tz (_Writer.changed)
    corrects_reading: bool = False  # --corrects-reading (_Writer.changed)
    # which of the owner's numbers sent a message may go unsaid (Android: _Writer.keep_owner_number)
    owner_numbers: bool = False
    custodian_client: int | None = None  # a client's phone (`import_custodians`); None: the archive owner's
    custodian_phone: str | None = None  # that client's number the phone had
    # The format gives each phone's copy of a message its own identity (_Writer.copy_of): True for every message,
    # or the services whose messages it does so for (iMessage: SMS and RCS; an iMessage's guid is the same on both phones).
    copies_differ: bool | frozenset[str] = False
    # the format says "sent by this phone" (iMessage, Android): whose phone matters (`_not_the_owners`)
    sent_by_the_phone: bool = False
    zone_given: bool = False  # --tz given (else the zone read in was assumed: `Copies.say_shifted`)


# The cyclic garbage collector's first threshold while an import writes, and while its reading process
# reads (reader.py). An import makes and drops some ten objects a message, none of them in a cycle
# (refcounting frees them); at Python's default of 700 the collector ran through them every 70 messages:
# 6-9% of the writer's CPU (interleaved rounds, 200,000 WhatsApp messages; its peak RSS the same to within
# 1 MB at 50,000 and 200,000), ~5% of the reading process's, which holds a batch being pickled.
GC_THRESHOLD = 50_000


@contextmanager
def fewer_collections():
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], GC_THRESHOLD), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def ingest(archive: Archive, source: Source, records: Iterable, *, progress: Progress | None = None) -> ImportResult:
    """Write one source's record stream in one transaction (all of it, or nothing)."""
    with fewer_collections(), archive.transaction() as conn:
        audit.require_key(conn)  # (refused before the source is read, not after)
        result = _open_import(conn, source)
        writer = _Writer(conn, result, source)
        writer.consume(records, progress)
        _not_the_owners(conn, source, result)
        refuse_a_chat_archived_again(conn, source, result, writer.created)
        _ignore_on_arrival(conn, writer, result)
        _media_not_archived(conn, source, result, writer)
        _redactions_moved(conn, source, result, writer)
        _another_client_joined(conn, source, writer)
        _coverage(conn, source, result, writer)
        _close_import(conn, source, result, writer)
        result.filed = filing.auto_file(conn, conversation_ids=result.conversations)
        result.flags = _review(conn)
    return result


def _another_client_joined(conn, source: Source, writer: _Writer) -> None:
    """A conversation filed to a client's matters that this import gave the handle of another client (added to a
    group since): said, as `file` says it of a conversation filed by hand, since their texts are now in the first
    client's file (second reader, round 14: auto-filing guards the first filing only). An ended filing (a matter
    closed, a filing cut off) is named only where it holds a text of theirs."""
    for conv_id, handle in writer.joined:
        other = conn.execute(
            "SELECT c.id, c.name FROM client_handles h JOIN clients c ON c.id = h.client_id WHERE h.handle = ?",
            (handle,),
        ).fetchone()
        if other is None:
            continue
        filed = conn.execute(
            "SELECT DISTINCT x.reference, c.id, c.name FROM filings f JOIN matters x ON x.id = f.matter_id"
            " JOIN clients c ON c.id = x.client_id WHERE f.conversation_id = ? AND (f.until_at IS NULL OR EXISTS"
            "  (SELECT 1 FROM messages m JOIN participants p ON p.id = m.sender_id WHERE m.conversation_id = ?"
            "   AND p.handle = ? AND (f.from_at IS NULL OR m.sent_at >= f.from_at) AND m.sent_at <= f.until_at))"
            " ORDER BY x.reference",
            (conv_id, conv_id, handle),
        ).fetchall()
        if not filed or any(row[1] == other[0] for row in filed):
            continue
        matters = ", ".join(f"{row[0]} ({row[2]})" for row in filed)
        writer.note(
            f"{source.file_name}: conversation {conv_id}, filed to {matters}, now holds {other[1]}'s number or email"
            f" ({handle}), another client's: their texts in it are in that file; if they must not be, take it out"
            f" (textfile unfile {conv_id} --matter REF) and file it where it belongs"
        )


def _redactions_moved(conn, source: Source, result: ImportResult, writer: _Writer) -> None:
    """A redaction in force on a message this import gave a new version whose text no longer holds its words where
    it was made: said now, as a warning, not first when `produce` refuses the matter (second reader, round 11). Its
    words moved to another place: it must be redone; taken out by an edit: it withholds the earlier versions."""
    from textfile.notes.messages import numbers_in
    from textfile.produce import redaction

    # Driven from the redactions in force (few), each asking the versions' key (message_id, version) whether this
    # import gave its message one: `message_versions` has no index on import_id, and is scanned otherwise.
    ids = [
        mid
        for (mid,) in conn.execute(
            "SELECT DISTINCT r.message_id FROM redactions r WHERE r.withdrawn_at IS NULL AND EXISTS"
            " (SELECT 1 FROM message_versions v WHERE v.message_id = r.message_id AND v.import_id = ?)"
            " ORDER BY r.message_id",
            (result.import_id,),
        )
    ]
    if not ids:
        return
    placed = redaction.placed(conn, ids)
    where = {
        mid: (c, rowid)
        for mid, c, rowid in conn.execute(
            "SELECT id, conversation_id, rowid FROM messages WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(ids),),
        )
    }
    numbers = numbers_in(conn, list(where.values()))
    for mid in ids:
        number = numbers[where[mid]]
        for span in placed.get(mid, []):
            if span.start < 0:
                writer.note(
                    f"{source.file_name}: message #{number}: the words under redaction {span.id} are at another place in"
                    f" the text this export gives it: `produce` refuses the matter until it is redone"
                    f' (`textfile unredact {span.id} --reason "the words moved"`, then redact them where they are now)'
                )
            elif span.earlier:
                writer.note(
                    f"{source.file_name}: message #{number}: the words under redaction {span.id} are not in the text this"
                    " export gives it (an edit took them out): the redaction stays in force, withholding the message's"
                    " earlier versions, which hold them"
                )


def _review(conn) -> dict[str, int]:
    """The review scan of what the import brought (after filing: its new threads' clients are known)."""
    from textfile.review import scan

    (tz,) = conn.execute("SELECT tz FROM settings").fetchone()
    done = scan.scan(conn, times.zone(tz))
    return {
        rule: done.raised.get(rule, 0) + done.reopened.get(rule, 0) for rule in sorted({*done.raised, *done.reopened})
    }


def _coverage(conn, source: Source, result: ImportResult, writer: _Writer) -> None:
    """What this export shows its phone no longer holds (before the audit entry, whose records digest covers it)."""
    from textfile.lifecycle import coverage

    seen = coverage.record(
        conn,
        source,
        result.import_id,
        result.conversations,
        result.already_present + result.updated,
        writer.disposed_held(),  # (what it held that a disposal deleted: in its span all the same)
    )
    result.missing_from_phone, result.seen_again = seen.missing, seen.seen_again
    writer.changes |= seen.audited()
    # what the kind rule left out (an export that holds no SMS): first among the warnings, the notes' cap never
    # cutting it, and on the import's record (status, log)
    result.warnings[:0] = coverage.not_compared(seen)


def _open_import(conn, source: Source) -> ImportResult:
    """The `imports` row (and whose phone, `import_custodians`), before anything is read."""
    cur = conn.execute(
        "INSERT INTO imports (path, file_name, size, sha256, format, importer_version, zone, region, custodian,"
        " options, started_at, finished_at, added, already_present, updated, skipped, imported_by)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', 0, 0, 0, 0, ?)",
        (
            source.path,
            source.file_name,
            source.size,
            source.sha256,
            source.format,
            source.importer_version,
            source.zone,
            source.region,
            source.custodian,
            canonical_json(source.options),
            times.now_iso(),
            audit.current_user(),
        ),
    )
    result = ImportResult(
        source.path, source.file_name, source.format, cur.lastrowid, source.size, source.sha256, source.zone
    )
    if source.custodian_client is not None:
        conn.execute(
            "INSERT INTO import_custodians (import_id, client_id, phone) VALUES (?, ?, ?)",
            (result.import_id, source.custodian_client, source.custodian_phone),
        )
    return result


def _ignore_on_arrival(conn, writer: _Writer, result: ImportResult) -> None:
    """A new thread from handles a person ignored (a bank's short code) is set aside as it arrives."""
    arrived = ignore.on_arrival(conn, [c for c in result.conversations if c in writer.created])
    for a in arrived:
        writer.note(f"conversation {a['conversation']} ({', '.join(a['handles'])}) ignored on arrival: {a['reason']}")
    if arrived:
        writer.changes["ignored_on_arrival"] = arrived


def _media_not_archived(conn, source: Source, result: ImportResult, writer: _Writer) -> None:
    """The attachments of the conversations an import touched whose bytes the archive does not hold (a WhatsApp
    chat exported without media: each `<Media omitted>`; a file not found beside the chat text or in the Messages
    folder; a part the backup did not include), said in one warning: how many and why, the first as
    `conversation show` numbers it, and the way to fill them in. An export without media has hundreds: one
    warning each would bury the rest. An importer says a part it found at fault where it finds it (a corrupt
    base64, a path leading out, a zip member that cannot be read): where those are all there is, nothing more
    is said; among others, they are counted with them."""
    from textfile.lifecycle.coverage_report import NotArchived
    from textfile.notes.messages import number_of

    if not result.conversations:
        return
    # each reason in short -> [how many, where it is first in message order]: counted as the rows stream by, in no
    # order (a chat without media has 30,000), and said in the order of their first attachments; the first of all
    # kept whole, as `conversation show` numbers its message
    why: dict[str, list] = {}
    said_already = True
    first_row = None
    for row in _not_archived_in(conn, result.conversations, result.added + result.already_present + result.updated):
        at, reason = row[:4], row[6]
        counted = why.setdefault(_why_not_archived(reason), [0, at])
        counted[0] += 1
        counted[1] = min(counted[1], at)
        if first_row is None or at < first_row[:4]:
            first_row = row
        said_already = said_already and reason.startswith(_SAID_BY_THE_IMPORTER)
    if said_already:
        return  # (none, or each named by its importer's own warning already: said once)
    c, sent_at, rowid, position, mid, name, reason = first_row
    first = NotArchived(number_of(conn, c, sent_at, rowid), mid, position + 1, name, reason).said
    n = sum(k for k, _ in why.values())
    them = "them" if n != 1 else "it"
    counts = ", ".join(f"{k:,} {w}" for w, (k, _) in sorted(why.items(), key=lambda item: item[1][1]))
    writer.note(
        f"{source.file_name}: {n:,} attachment{'s' if n != 1 else ''} {'are' if n != 1 else 'is'} not in the"
        f" archive ({'the first ' if n != 1 else ''}{first}): {counts};"
        f" {_FILL_IN.get(source.format, _FILL_IN[None]).format(them=them)}"
    )


# How an export of each format fills in the bytes of the attachments an import did not bring (a later import of
# the same messages with them: versions.py, `say_attachments_filled`).
_FILL_IN = {
    "whatsapp": "export the chat again with media and import it to fill {them} in",
    "imessage": "import the messages again with their files (a Messages folder with its Attachments folder,"
    " --attachments-root, or an iPhone backup that holds {them}) to fill {them} in",
    None: "import a backup that holds {them} to fill {them} in",
}


def _not_archived_in(conn, conversations: list[int], seen: int):
    """The attachments of `conversations` whose bytes the archive does not hold, in no order: their message's
    conversation, time and row, the attachment's position (what orders them, and numbers the message:
    `number_of`), its message, file name and reason. Read from the smaller side: the attachments not archived
    (the index m035 keeps of them), or the messages of the conversations (about the `seen` the import read).
    Never all of them in order: sorting 30,000 rows raised the writer's peak by 14 MB."""
    (missing,) = conn.execute(
        "SELECT count(*) FROM message_attachments INDEXED BY message_attachments_missing WHERE blob_sha256 IS NULL"
    ).fetchone()
    if not missing:
        return ()
    joined = (
        "message_attachments a INDEXED BY message_attachments_missing CROSS JOIN messages m ON m.id = a.message_id"
        if missing < seen
        else "messages m CROSS JOIN message_attachments a ON a.message_id = m.id"
    )
    return conn.execute(
        "SELECT m.conversation_id, m.sent_at, m.rowid, a.position, a.message_id, a.file_name, a.missing_reason"
        f" FROM {joined} WHERE a.blob_sha256 IS NULL AND m.conversation_id IN (SELECT value FROM json_each(?))",
        (json.dumps(conversations),),
    )


# The reasons an importer names each attachment by in a warning of its own where it finds it (Android's corrupt
# base64, iMessage's paths leading out, WhatsApp's zip members that cannot be read): an import that misses only
# those says nothing more of them.
_SAID_BY_THE_IMPORTER = ("corrupt base64: ", "not read: ", "in the zip, but ")

# Why an attachment is not in the archive, in short, for the reasons that go on with a path or an error
# (iMessage's, Android's): by how the reason begins.
_WHY_BEGINNING = (
    ("file not found: ", "not found"),
    ("cannot read ", "not readable"),
    ("not read: ", "leading outside the folders read"),
    ("corrupt base64: ", "corrupt base64"),
    ("no file recorded in the database", "never downloaded to the phone"),
)


def _why_not_archived(reason: str) -> str:
    """Why an attachment is not in the archive, in short: "omitted by the export" (iOS names the kind of
    media, Android does not), what a reason naming a path or an error begins with (`_WHY_BEGINNING`), or the
    reason's first words ("not found beside the chat text", "not in the zip", "not included in the backup")."""
    if "omitted by export" in reason:
        return "omitted by the export"
    for beginning, said in _WHY_BEGINNING:
        if reason.startswith(beginning):
            return said
    return reason.split(";")[0].split(" (")[0].removeprefix("file ")


def _close_import(conn, source: Source, result: ImportResult, writer: _Writer) -> None:
    """The `imports` row completed with what the import did, and its audit entry."""
    conn.execute(
        "UPDATE imports SET finished_at = ?, zone = ?, added = ?, already_present = ?, updated = ?, skipped = ?,"
        " skipped_reasons = ?, warnings = ?, assumptions = ?, options = ? WHERE id = ?",
        (
            times.now_iso(),
            result.zone,
            result.added,
            result.already_present,
            result.updated,
            sum(result.skipped.values()),
            canonical_json(writer.skipped_detail),
            canonical_json(result.warnings),
            canonical_json(result.assumptions),
            canonical_json(writer.options),
            result.import_id,
        ),
    )
    audit.append(
        conn,
        "import",
        {
            "import_id": result.import_id,
            "path": source.path,
            "sha256": source.sha256,
            "format": source.format,
            "added": result.added,
            "already_present": result.already_present,
            "updated": result.updated,
            "skipped": sum(result.skipped.values()),
        }
        | ({"custodian": source.custodian} if source.custodian else {})
        | ({"custodian_phone": source.custodian_phone} if source.custodian_phone else {})
        | writer.changes,
    )
