"""Record stream to archive: normalize, identify, deduplicate, keep provenance — one transaction.

An import reads the whole source inside one write transaction: the `imports` row, every new
message, attachment, version and reaction, a `message_sources` row for every message the source
contains (new or already known), the automatic filing of what it touched and the audit entry.
Any exception — a malformed file found at its last byte, a bug, Ctrl-C — rolls all of it back.

Messages are written in batches: for each batch one query finds which ids the archive already
holds, and `executemany` writes the rest, so a large source costs a few statements per thousand
messages rather than several per message.

A message whose id is known but whose content hash differs (an edit or an unsend seen in a newer
copy of the same database, a status that changed) is not duplicated and not silently
overwritten: its previous state is kept in `message_versions` and the import counts it as updated.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import resource
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable, NamedTuple

from textfile import audit, filing, times
from textfile.archive import Archive
from textfile.errors import ImportFailed, TextfileError
from textfile.fingerprint import canonical_json, content_hash, file_digest, message_id, tree_listing
from textfile.importers import by_name, detect
from textfile.model import DIRECTIONS, KINDS, Conversation, ImportOptions, Message, Notice, Participant, Reaction, Skipped
from textfile.phones import normalize_handle, validate_region

BATCH = 2000
# Sources at least this big (~30,000 WhatsApp messages) are read by a second process (`ReaderProcess`);
# a smaller one is read in less time than that process takes to start.
PARALLEL_MIN_BYTES = 4 << 20
OBJECT_CACHE = 4096  # objects `_ByIdentity` keeps (see there)
MAX_NOTES = 1000  # warnings/assumptions kept in memory and on the import row
MAX_REFS = 20  # source references kept per skip reason

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
    reader: dict | None = None  # a second reading process's CPU time and peak RSS (benchmarks)

    def as_dict(self) -> dict:
        return {
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
        } | ({"reader": self.reader} if self.reader else {})


def source_digest(path: Path) -> tuple[int, str]:
    """Size and sha256 of a file; for a folder (a phone backup), of the listing of its files
    with each file's size and modification time (reading every byte of a backup would cost more
    than the import)."""
    if path.is_file():
        return file_digest(path)
    listing = tree_listing(path)  # a tuple encodes as the list it was: digests of archived folders unchanged
    size = sum(entry[1] for entry in listing)
    return size, hashlib.sha256(canonical_json(listing).encode()).hexdigest()


def import_path(
    archive: Archive,
    path: str | os.PathLike,
    *,
    format: str | None = None,
    tz: str | None = None,
    region: str | None = None,
    me: str | None = None,
    date_order: str | None = None,
    conversation: str | None = None,
    attachments_root: str | os.PathLike | None = None,
    custodian: str | None = None,
    progress: Progress | None = None,
    digest: tuple[int, str] | None = None,
    parallel: bool = False,
) -> ImportResult:
    """Import one export file or folder; raises ImportFailed (archive unchanged) when it cannot.
    `digest` is the source's (size, sha256) when the caller has just computed it (no second read).
    `parallel`: a large source may be read by a second process (`ReaderProcess`). Only for callers
    whose main script is guarded by `if __name__ == "__main__"` (the CLI): the forkserver that
    starts that process imports the main script again."""
    path = Path(path)
    settings = archive.settings
    zone_name = tz or settings.tz
    times.zone(zone_name)
    region = validate_region(region or settings.region)
    if date_order is not None and date_order not in ("dmy", "mdy", "ymd"):
        raise TextfileError(f"--date-order must be dmy, mdy or ymd, not {date_order!r}")
    module = by_name(format) if format else detect(path)
    if custodian and getattr(module, "SENT_BY_THE_PHONE", False) and custodian.strip().casefold() != settings.owner_name.casefold():
        # These exports say "sent by this phone", not by whom: the importers attribute it to the
        # archive's owner. From someone else's phone that would put their words in the owner's mouth.
        raise ImportFailed(path, f"--custodian {custodian.strip()!r} is not the archive's owner {settings.owner_name!r}: what that phone sent"
                                 " would be attributed to the owner; textfile does not yet archive another person's phone"
                                 f" ({module.FORMAT}); nothing was imported")
    options = ImportOptions(
        tz=zone_name,
        region=region,
        owner_name=settings.owner_name,
        owner_handles=frozenset(settings.owner_handles),
        me=me,
        date_order=date_order,
        conversation=conversation,
        attachments_root=Path(attachments_root).expanduser() if attachments_root else None,
    )
    try:
        size, sha = digest or source_digest(path)
    except OSError as exc:
        raise ImportFailed(path, f"cannot read: {exc.strerror or exc}") from None
    recorded_options = {k: v for k, v in {"me": me, "date_order": date_order, "conversation": conversation, "attachments_root": str(attachments_root) if attachments_root else None}.items() if v}
    same_chat = _chat_of_same_bytes(archive, module.FORMAT, sha) if conversation is None and getattr(module, "CHAT_NAMED_BY_FILE", False) else None
    if same_chat is not None:
        # WhatsApp names a chat after its file: the same bytes under a copy's name ("… copy.zip",
        # "… 2.zip") must land in the chat they landed in before, not in a second one.
        title, earlier = same_chat
        options = replace(options, conversation=title)
        recorded_options |= {"conversation": title, "same_bytes_as": earlier}
    source = Source(str(path), path.name, size, sha, module.FORMAT, module.VERSION, zone_name, region, custodian, recorded_options)
    try:
        reader = ReaderProcess.start(module, path, options) if parallel and size >= PARALLEL_MIN_BYTES else None
        if reader is None:
            return ingest(archive, source, module.read(path, options), progress=progress)
        with reader as records:
            result = ingest(archive, source, records, progress=progress)
        result.reader = reader.stats
        return result
    except TextfileError as exc:
        if isinstance(exc, ImportFailed):
            raise
        raise ImportFailed(path, str(exc)) from None
    except (KeyboardInterrupt, MemoryError):
        raise
    except Exception as exc:  # a bug in an importer must not reach the user as a traceback
        raise ImportFailed(path, f"internal error while importing ({type(exc).__name__}: {exc}); nothing was imported") from exc


def _chat_of_same_bytes(archive: Archive, format: str, sha: str) -> tuple[str, str] | None:
    """The chat an earlier import of these exact bytes went into, with that import's file name."""
    row = archive.conn.execute(
        "SELECT c.title, i.file_name FROM imports i JOIN message_sources s ON s.import_id = i.id JOIN messages m ON m.id = s.message_id"
        " JOIN conversations c ON c.id = m.conversation_id WHERE i.sha256 = ? AND i.format = ? ORDER BY i.id LIMIT 1",
        (sha, format),
    ).fetchone()
    return (row[0], row[1]) if row is not None and row[0] else None


class ReaderProcess:
    """Reads and prepares a large source in a second process while this one writes.

    Parsing, normalizing and hashing a message cost about as much as storing it, and SQLite
    takes one writer: on a machine with two cores the importer and `prepare` run in a child
    process and hand this one batches of `Prepared` messages (and the other records) through a
    pipe. The pipe holds little, so the reader waits when the writer is behind: memory stays flat.
    The child never touches the archive; the import stays one transaction in this process, and
    whatever stops it (an error in the source, Ctrl-C, a bug) rolls back the same way. An error the
    child meets is raised here as the same one-line error.
    """

    BATCH_ITEMS = 500
    BATCH_BYTES = 8 << 20  # attachment bytes per batch: a batch of photos stays small

    def __init__(self, path: Path, process, connection):
        self.path, self.process, self.connection = path, process, connection
        self.stats: dict = {}  # the reading process's own CPU time and peak RSS, when it finished

    @classmethod
    def start(cls, module, path: Path, options: ImportOptions) -> ReaderProcess | None:
        """A running reader, or None where there is no second core, no clean way to start a
        process (forkserver), an importer the child cannot import, or the start fails (then
        the source is simply read in this process)."""
        import multiprocessing

        name = getattr(module, "__name__", None)
        if ((os.cpu_count() or 1) < 2 or "forkserver" not in multiprocessing.get_all_start_methods()
                or name is None or sys.modules.get(name) is not module):
            return None
        context = multiprocessing.get_context("forkserver")
        receiver, sender = context.Pipe(duplex=False)
        _widen(receiver)
        try:
            process = context.Process(
                target=_reader_main, args=(name, str(path), options, sender, cls.BATCH_ITEMS, cls.BATCH_BYTES),
                daemon=True, name="textfile-reader",
            )
            process.start()
        except Exception:  # noqa: BLE001 — no socket folder, a process limit, a dead forkserver: read here
            receiver.close()
            return None
        finally:
            sender.close()
        return cls(path, process, receiver)

    def __enter__(self):
        return self._records()

    def _records(self):
        while True:
            try:
                tag, payload = self.connection.recv()
            except EOFError:
                raise ImportFailed(self.path, "internal error: the reading process ended without a word; nothing was imported") from None
            if tag == "records":
                for record in payload:
                    yield Prepared._make(record) if type(record) is tuple else record
            elif tag == "done":
                self.stats = payload
                return
            elif tag == "failed":
                raise ImportFailed(self.path, payload)
            elif tag == "error":
                raise TextfileError(payload)
            else:
                raise ImportFailed(self.path, f"internal error while importing ({payload}); nothing was imported")

    def __exit__(self, *exc_info):
        self.connection.close()  # a child still sending gets a broken pipe and ends
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.terminate()  # SIGTERM: it cleans up on the way out
            self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        return False


def _widen(connection) -> None:
    """Let the reader run up to 1 MiB (a few batches) ahead of the writer, which works in bursts
    (a batch's SQL at once), instead of the pipe's default 64 KiB. Linux only; elsewhere a no-op."""
    try:
        import fcntl

        fcntl.fcntl(connection.fileno(), fcntl.F_SETPIPE_SZ, 1 << 20)
    except (ImportError, AttributeError, OSError):
        pass


def _reader_main(module_name: str, path: str, options: ImportOptions, connection, batch_items: int, batch_bytes: int) -> None:
    """The reading process: the importer's records, messages prepared, sent in batches."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the writer's to handle; it ends us
    # Terminated by the writer: leave as an exception, so that `finally` blocks run (the iMessage
    # importer's temporary copy of the database is removed).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        module = importlib.import_module(module_name)
        batch, size = [], 0
        for record in module.read(Path(path), options):
            if isinstance(record, Message):
                record = prepare(record, options.region)
                size += sum(len(b[2]) for b in record.blobs)
                record = tuple(record)  # a plain tuple pickles in half the time of a NamedTuple
            batch.append(record)
            if len(batch) >= batch_items or size >= batch_bytes:
                connection.send(("records", batch))
                batch, size = [], 0
        connection.send(("records", batch))
        usage = resource.getrusage(resource.RUSAGE_SELF)
        connection.send(("done", {"cpu_seconds": usage.ru_utime + usage.ru_stime, "peak_rss_mb": usage.ru_maxrss / 1024}))
    except (BrokenPipeError, ConnectionResetError):
        pass  # the writer stopped first
    except ImportFailed as exc:
        _tell(connection, ("failed", exc.reason))
    except TextfileError as exc:
        _tell(connection, ("error", str(exc)))
    except SystemExit:
        pass  # terminated
    except BaseException as exc:  # noqa: BLE001 — reported to the writer, which fails the import
        _tell(connection, ("crashed", f"{type(exc).__name__}: {exc}"))
    finally:
        connection.close()


def _tell(connection, message) -> None:
    try:
        connection.send(message)
    except OSError:
        pass  # the writer is gone: nobody to tell


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


def ingest(archive: Archive, source: Source, records: Iterable, *, progress: Progress | None = None) -> ImportResult:
    """Write one source's record stream in one transaction (all of it, or nothing)."""
    with archive.transaction() as conn:
        cur = conn.execute(
            "INSERT INTO imports (path, file_name, size, sha256, format, importer_version, zone, region, custodian,"
            " options, started_at, finished_at, added, already_present, updated, skipped)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', 0, 0, 0, 0)",
            (source.path, source.file_name, source.size, source.sha256, source.format, source.importer_version,
             source.zone, source.region, source.custodian, canonical_json(source.options), times.now_iso()),
        )
        result = ImportResult(source.path, source.file_name, source.format, cur.lastrowid, source.size, source.sha256, source.zone)
        writer = _Writer(conn, result, source.region)
        writer.consume(records, progress)
        conn.execute(
            "UPDATE imports SET finished_at = ?, added = ?, already_present = ?, updated = ?, skipped = ?,"
            " skipped_reasons = ?, warnings = ?, assumptions = ? WHERE id = ?",
            (times.now_iso(), result.added, result.already_present, result.updated, sum(result.skipped.values()),
             canonical_json(writer.skipped_detail), canonical_json(result.warnings),
             canonical_json(result.assumptions), result.import_id),
        )
        audit.append(conn, "import", {
            "import_id": result.import_id, "path": source.path, "sha256": source.sha256, "format": source.format,
            "added": result.added, "already_present": result.already_present, "updated": result.updated,
            "skipped": sum(result.skipped.values()),
        })
        result.filed = filing.auto_file(conn, conversation_ids=result.conversations)
    return result


def message_content_hash(sent_at, direction, kind, sender_handle, body, status, duration_s, flags_json, reply_to, attachments) -> str:
    """What a transcript shows of a message, hashed. `verify` recomputes it from the stored row,
    so it is built only from stored values. `attachments`: (position, file_name, mime, sha256, missing_reason)."""
    # An attachment counts by name, type and bytes; why bytes are missing is device-specific
    # wording (the same message from a Mac and from an iPhone backup), so it is not hashed.
    return content_hash([sent_at, direction, kind, sender_handle, body, status, duration_s, flags_json, reply_to,
                         [list(a[1:4]) for a in attachments]])


class Prepared(NamedTuple):
    """A message made ready for the archive without touching it: normalized, identified, hashed,
    its attachments hashed. Plain values, cheap to pickle: a reading process can prepare messages
    while the writing process stores the previous ones (see `ReaderProcess`)."""

    id: str
    conversation: Conversation
    sender: Participant | None
    handle: str | None  # the sender's normalized handle
    sent_at: str
    direction: str
    kind: str
    source_zone: str | None
    body: str
    service: str | None
    status: str | None
    delivered_at: str | None
    read_at: str | None
    duration_s: int | None
    flags: str  # canonical JSON
    source_id: str | None
    reply_to: str | None
    versions: tuple  # ((body, at | None), ...) oldest first
    content_hash: str
    attachments: tuple  # ((position, file_name, mime, sha256 | None, missing_reason | None), ...)
    blobs: tuple  # ((sha256, mime, data), ...): bytes still to be stored
    source_ref: str
    time_precision: str | None = None  # not hashed: a transcript prints the time no finer than the source wrote it


def prepare(m: Message, region: str) -> Prepared:
    """Everything about a message that does not need the archive."""
    if m.direction not in DIRECTIONS:
        raise ValueError(f"direction {m.direction!r} at {m.source_ref}")
    if m.kind not in KINDS:
        raise ValueError(f"kind {m.kind!r} at {m.source_ref}")
    conv = m.conversation
    sender = m.sender
    # The same normalization as the participant rows get (`_Writer.participant_id`).
    handle = None if sender is None else (normalize_handle(sender.handle, region) or sender.handle)
    sent_at = times.to_iso(m.sent_at)
    attachments, blobs = [], []
    for position, a in enumerate(m.attachments):
        if a.data is None:
            attachments.append((position, a.file_name, a.mime, None, a.missing_reason or "not included in the export"))
        else:
            sha = hashlib.sha256(a.data).hexdigest()
            attachments.append((position, a.file_name, a.mime, sha, None))
            blobs.append((sha, a.mime, a.data))
    flags = canonical_json(sorted(m.flags)) if m.flags else "[]"
    digest = message_content_hash(sent_at, m.direction, m.kind, handle, m.body, m.status, m.duration_s, flags, m.reply_to, attachments)
    return Prepared(
        message_id(conv.platform, conv.source_key, m.identity), conv, sender, handle, sent_at, m.direction, m.kind,
        m.source_zone, m.body, m.service, m.status, times.to_iso(m.delivered_at) if m.delivered_at else None,
        times.to_iso(m.read_at) if m.read_at else None, m.duration_s, flags, m.source_id, m.reply_to,
        tuple((v.body, times.to_iso(v.at) if v.at else None) for v in m.versions), digest, tuple(attachments),
        tuple(blobs), m.source_ref, m.time_precision,
    )


@dataclass(slots=True)
class _Pending:
    """A prepared message in the batch, with its archive ids; `keep_stored_attachments` may change
    its attachments and content hash."""

    record: Prepared  # without its blobs (stored on arrival)
    conversation_id: int
    sender_id: int | None
    content_hash: str
    attachments: list[tuple]  # (position, file_name, mime, sha256 | None, missing_reason)

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def sent_at(self) -> str:
        return self.record.sent_at

    @property
    def flags(self) -> str:
        return self.record.flags


class _ByIdentity:
    """Values for objects recognized by identity (importers reuse one Conversation or Participant
    object for many messages), keyed by id(obj) plus a context. The object is kept beside its
    value so that a recycled id() never matches; bounded, since from a reading process every
    batch brings new copies."""

    def __init__(self):
        self.items: dict = {}

    def __len__(self) -> int:
        return len(self.items)

    def get(self, obj, context=None):
        hit = self.items.get((id(obj), context))
        return hit[1] if hit is not None and hit[0] is obj else None

    def put(self, obj, value, context=None) -> None:
        if len(self.items) >= OBJECT_CACHE:
            self.items.clear()
        self.items[(id(obj), context)] = (obj, value)


class _Writer:
    def __init__(self, conn, result: ImportResult, region: str):
        self.conn = conn
        self.result = result
        self.region = region
        self.conversations: dict[tuple[str, str], int] = {}
        self.seen_conversation_objects = _ByIdentity()  # Conversation -> conversation id
        self.participants: dict[tuple[int, str], int] = {}
        self.senders = _ByIdentity()  # Participant, in a conversation -> participant id
        self.pending: list[_Pending] = []
        self.reactions: list[Reaction] = []  # arrived since the last batch was written
        self.waiting: list[Reaction] = []  # their message had not been written yet
        self.skipped_detail: dict[str, dict] = {}
        self.touched: set[int] = set()

    # -- the stream ------------------------------------------------------------------------

    def consume(self, records: Iterable, progress: Progress | None) -> None:
        count = 0
        for record in records:
            if type(record) is Prepared:
                self.accept(record)
            elif isinstance(record, Message):
                self.accept(prepare(record, self.region))
            elif isinstance(record, Reaction):
                self.reactions.append(record)
            elif isinstance(record, Skipped):
                self.skip(record.reason, record.source_ref)
            elif isinstance(record, Notice):
                self.note(record.text, record.kind)
            else:
                raise TypeError(f"importer yielded {type(record).__name__}, not a record")
            count += 1
            if progress and count % 1000 == 0:
                progress(count)
        self.flush()
        self.write_reactions()
        self.result.conversations = sorted(self.touched)
        if progress:
            progress(count)

    def note(self, text: str, kind: str = "warning") -> None:
        target = self.result.assumptions if kind == "assumption" else self.result.warnings
        if len(target) < MAX_NOTES:
            target.append(text)
        elif len(target) == MAX_NOTES:
            target.append("… further notes left out (the counts above are exact)")

    def skip(self, reason: str, ref: str) -> None:
        self.result.skipped[reason] = self.result.skipped.get(reason, 0) + 1
        detail = self.skipped_detail.setdefault(reason, {"count": 0, "refs": []})
        detail["count"] += 1
        if ref and len(detail["refs"]) < MAX_REFS:
            detail["refs"].append(ref)

    # -- conversations and participants -----------------------------------------------------

    def conversation_id(self, conv) -> int:
        seen = self.seen_conversation_objects.get(conv)
        if seen is not None:
            return seen
        key = (conv.platform, conv.source_key)
        conv_id = self.conversations.get(key)
        if conv_id is None:
            row = self.conn.execute("SELECT id, title FROM conversations WHERE platform = ? AND source_key = ?", key).fetchone()
            if row is None:
                conv_id = self.conn.execute(
                    "INSERT INTO conversations (platform, source_key, title, is_group, created_at) VALUES (?, ?, ?, ?, ?)",
                    (conv.platform, conv.source_key, conv.title, int(conv.is_group), times.now_iso()),
                ).lastrowid
            else:
                conv_id = row["id"]
                if conv.title and not row["title"]:
                    self.conn.execute("UPDATE conversations SET title = ? WHERE id = ?", (conv.title, conv_id))
            self.conversations[key] = conv_id
        for participant in conv.participants:
            self.participant_id(conv_id, participant)
        self.seen_conversation_objects.put(conv, conv_id)
        self.touched.add(conv_id)
        return conv_id

    def participant_id(self, conv_id: int, participant) -> int:
        handle = normalize_handle(participant.handle, self.region) or participant.handle
        key = (conv_id, handle)
        pid = self.participants.get(key)
        if pid is not None:
            return pid
        row = self.conn.execute(
            "SELECT id, display_name, is_owner FROM participants WHERE conversation_id = ? AND handle = ?", key
        ).fetchone()
        if row is None:
            pid = self.conn.execute(
                "INSERT INTO participants (conversation_id, handle, display_name, is_owner) VALUES (?, ?, ?, ?)",
                (conv_id, handle, participant.display_name, int(participant.is_owner)),
            ).lastrowid
        else:
            pid = row["id"]
            if participant.display_name and not row["display_name"]:
                self.conn.execute("UPDATE participants SET display_name = ? WHERE id = ?", (participant.display_name, pid))
            if participant.is_owner and not row["is_owner"]:
                self.conn.execute("UPDATE participants SET is_owner = 1 WHERE id = ?", (pid,))
        self.participants[key] = pid
        return pid

    # -- messages ------------------------------------------------------------------------

    def accept(self, p: Prepared) -> None:
        conv_id = self.conversation_id(p.conversation)
        sender = p.sender
        sender_id = None if sender is None else self.senders.get(sender, conv_id)
        if sender is not None and sender_id is None:
            sender_id = self.participant_id(conv_id, sender)
            self.senders.put(sender, sender_id, conv_id)
        if p.blobs:  # the bytes go to the blob store now: the pending batch keeps only their hashes
            for sha, mime, data in p.blobs:
                self.conn.execute("INSERT OR IGNORE INTO blobs (sha256, size, mime, data) VALUES (?, ?, ?, ?)", (sha, len(data), mime, data))
            p = p._replace(blobs=())
        self.pending.append(_Pending(p, conv_id, sender_id, p.content_hash, list(p.attachments)))
        if len(self.pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        pending, self.pending = self.pending, []
        existing = self.existing({p.id for p in pending})
        written: dict[str, str] = {}  # id -> content hash of what this batch writes (new or updated)
        import_id = self.result.import_id
        added = already = 0
        new_rows, source_rows, attachment_rows, version_rows, receipt_rows = [], [], [], [], []
        for p in pending:
            source_rows.append((p.id, import_id, p.record.source_ref))
            mine = written.get(p.id)
            if mine is not None:
                if mine == p.content_hash:
                    already += 1
                else:
                    # The same id twice in one source with different content: the source contradicts
                    # itself. Keep the first, record the second as skipped so nothing is silent.
                    self.skip("same message identity twice in this source with different content", p.record.source_ref)
                continue
            known = existing.get(p.id)
            if known is None:
                m = p.record
                written[p.id] = p.content_hash
                new_rows.append((
                    p.id, p.conversation_id, p.sender_id, m.direction, m.kind, p.sent_at, m.source_zone, m.body,
                    m.service, m.status, m.delivered_at, m.read_at, m.duration_s, p.flags, m.source_id, m.reply_to,
                    len(m.versions) + 1, p.content_hash, import_id, m.time_precision,
                ))
                if p.attachments:
                    attachment_rows.extend((p.id, *a) for a in p.attachments)
                if m.versions:
                    version_rows.extend(
                        (p.id, n, body, at, "edit_history", None, import_id) for n, (body, at) in enumerate(m.versions, 1)
                    )
                added += 1
            elif known["content_hash"] == p.content_hash or self.keep_stored_attachments(p) == known["content_hash"]:
                already += 1
                self.fill_receipts(p, known, receipt_rows)
            else:
                self.new_version(p, known)
                written[p.id] = p.content_hash
        self.result.added += added
        self.result.already_present += already
        c = self.conn
        last_rowid = c.execute("SELECT coalesce(max(rowid), 0) FROM messages").fetchone()[0]
        c.executemany(  # in source order: the rowid breaks ties between equal timestamps
            "INSERT INTO messages (id, conversation_id, sender_id, direction, kind, sent_at, source_zone, body, service,"
            " status, delivered_at, read_at, duration_s, flags, source_id, reply_to, version, content_hash, import_id, time_precision)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            new_rows,
        )
        if new_rows:  # the full-text index, in bulk (see migration m004)
            c.execute("INSERT INTO messages_fts (rowid, body) SELECT rowid, body FROM messages WHERE rowid > ?", (last_rowid,))
        if attachment_rows:
            c.executemany(
                "INSERT INTO message_attachments (message_id, position, file_name, mime, blob_sha256, missing_reason)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                attachment_rows,
            )
        if version_rows:
            c.executemany(
                "INSERT INTO message_versions (message_id, version, body, at, origin, content_hash, import_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                version_rows,
            )
        c.executemany("INSERT OR IGNORE INTO message_sources (message_id, import_id, source_ref) VALUES (?, ?, ?)", source_rows)
        if receipt_rows:
            c.executemany(
                "UPDATE messages SET delivered_at = coalesce(delivered_at, ?), read_at = coalesce(read_at, ?) WHERE id = ?", receipt_rows
            )
        if self.reactions:
            self.write_reactions(final=False)

    def existing(self, ids: set[str]) -> dict[str, dict]:
        found: dict[str, dict] = {}
        ids = list(ids)
        for start in range(0, len(ids), 900):
            chunk = ids[start:start + 900]
            marks = ",".join("?" * len(chunk))
            for row in self.conn.execute(f"SELECT id, content_hash, version, delivered_at, read_at FROM messages WHERE id IN ({marks})", chunk):
                found[row[0]] = {"content_hash": row[1], "version": row[2], "delivered_at": row[3], "read_at": row[4]}
        return found

    def keep_stored_attachments(self, p: _Pending) -> str:
        """A later copy that lacks an attachment's file (a phone that offloaded it, a copy made
        without the attachments folder) does not take away the bytes the archive already holds:
        the stored attachment stands in for the missing one. Returns the resulting content hash."""
        if not any(a[3] is None for a in p.attachments):
            return p.content_hash
        stored = {r[0]: tuple(r) for r in self.conn.execute(
            "SELECT position, file_name, mime, blob_sha256, missing_reason FROM message_attachments WHERE message_id = ?", (p.id,))}
        merged = []
        for a in p.attachments:
            old = stored.get(a[0])
            merged.append(old if a[3] is None and old is not None and old[3] is not None and old[1] == a[1] else a)
        if merged != p.attachments:
            m = p.record
            p.attachments = merged
            p.content_hash = message_content_hash(p.sent_at, m.direction, m.kind, m.handle, m.body, m.status, m.duration_s,
                                                  p.flags, m.reply_to, merged)
        return p.content_hash

    def fill_receipts(self, p: _Pending, known: dict, receipts: list) -> None:
        """A receipt the archive lacks (read later than the first import) is filled in; one it has is
        never changed. Only real fill-ins are written, in one statement per batch."""
        m = p.record
        delivered = m.delivered_at if not known.get("delivered_at") else None
        read = m.read_at if not known.get("read_at") else None
        if delivered or read:
            receipts.append((delivered, read, p.id))

    def new_version(self, p: _Pending, known: dict) -> None:
        """Same message, different content: keep the old state as a version, then update."""
        c = self.conn
        import_id = self.result.import_id
        old = c.execute("SELECT body, sent_at, content_hash FROM messages WHERE id = ?", (p.id,)).fetchone()
        stored = {(r["body"], r["at"]) for r in c.execute("SELECT body, at FROM message_versions WHERE message_id = ?", (p.id,))}
        number = c.execute("SELECT coalesce(max(version), 0) FROM message_versions WHERE message_id = ?", (p.id,)).fetchone()[0]
        for body, at in p.record.versions:
            if (body, at) not in stored:
                number += 1
                c.execute(
                    "INSERT INTO message_versions (message_id, version, body, at, origin, content_hash, import_id)"
                    " VALUES (?, ?, ?, ?, 'edit_history', NULL, ?)",
                    (p.id, number, body, at, import_id),
                )
                stored.add((body, at))
        number += 1
        c.execute(
            "INSERT INTO message_versions (message_id, version, body, at, origin, content_hash, import_id)"
            " VALUES (?, ?, ?, NULL, 'reimport', ?, ?)",
            (p.id, number, old["body"], old["content_hash"], import_id),
        )
        m = p.record
        c.execute(
            "UPDATE messages SET sender_id = ?, direction = ?, kind = ?, sent_at = ?, body = ?, status = ?,"
            " delivered_at = coalesce(?, delivered_at), read_at = coalesce(?, read_at), duration_s = ?, flags = ?,"
            " reply_to = ?, version = ?, content_hash = ? WHERE id = ?",
            (p.sender_id, m.direction, m.kind, p.sent_at, m.body, m.status,
             m.delivered_at, m.read_at, m.duration_s, p.flags, m.reply_to, number + 1, p.content_hash, p.id),
        )
        c.execute("DELETE FROM message_attachments WHERE message_id = ?", (p.id,))
        c.executemany(
            "INSERT INTO message_attachments (message_id, position, file_name, mime, blob_sha256, missing_reason)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [(p.id, *a) for a in p.attachments],
        )
        self.result.updated += 1
        self.note(f"{m.source_ref or p.id[:12]}: changed since it was archived; the earlier version is kept")

    # -- reactions -------------------------------------------------------------------------

    def write_reactions(self, final: bool = True) -> None:
        """Reactions point at their message by the source's id: looked up in chunks, written at once.
        After each batch of messages, the reactions that arrived with it are written when their
        message is in the archive (memory stays flat however many there are); one whose message
        has not come yet waits for the end of the source, and is skipped only if it never comes."""
        pending, self.reactions = self.reactions, []
        if final:
            pending, self.waiting = self.waiting + pending, []
        aimed = [(self.conversation_id(r.conversation), r) for r in pending]
        targets: dict[tuple[int, str], str] = {}
        by_conversation: dict[int, set[str]] = {}
        for conv_id, r in aimed:
            by_conversation.setdefault(conv_id, set()).add(r.target_source_id)
        for conv_id, wanted in by_conversation.items():
            wanted = sorted(wanted)
            for start in range(0, len(wanted), 900):
                chunk = wanted[start:start + 900]
                for source_id, mid in self.conn.execute(
                    f"SELECT source_id, id FROM messages WHERE conversation_id = ? AND source_id IN ({','.join('?' * len(chunk))})",
                    [conv_id, *chunk],
                ):
                    targets[(conv_id, source_id)] = mid
        rows = []
        for conv_id, r in aimed:
            mid = targets.get((conv_id, r.target_source_id))
            if mid is None:
                if final:
                    self.skip("reaction to a message that is not in the archive", r.source_ref)
                else:
                    self.waiting.append(r)
                continue
            sender_id = self.participant_id(conv_id, r.sender) if r.sender is not None else None
            at = times.to_iso(r.at)
            source_id = r.source_id or content_hash([r.target_source_id, r.sender.handle if r.sender else None, r.kind, r.emoji, at, r.removed])
            rows.append((mid, sender_id, r.kind, r.emoji, at, int(r.removed), source_id, self.result.import_id))
        self.conn.executemany(
            "INSERT OR IGNORE INTO reactions (message_id, sender_id, kind, emoji, at, removed, source_id, import_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
