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
Two records of one source with one id and different content are the source contradicting itself:
the first stands, the second is skipped with that reason, whichever batches they fall in (a second
query per batch finds the ids an earlier batch of the source gave), so that the same source read
again changes nothing.
Where a format's identity holds the text (WhatsApp), an edit or a deletion between two exports
arrives as a new identity: at the end of the import it is folded into the archived message
(`_Writer.fold`), and its identity recorded as an alias that later imports find; its earlier texts
stay in the order the exports prove, whatever order they were imported in (`_Writer.place`).

Where the identity holds the time as written (WhatsApp's wall clocks), a known message that this
import's reading would move to another instant is a re-reading of that wall clock: in another zone,
with day and month the other way round, or otherwise. It is refused, naming the earlier reading and
the ways out, unless the import says it corrects the earlier reading (`--corrects-tz` for a zone,
`--corrects-reading` for any); then every earlier time is kept as a version, and the import records
what it corrected, from which reading to which, for how many messages (its options' "corrected"), so
that a transcript can say it. A flag that corrected nothing is said and not recorded (`_Writer.changed`,
`say_corrections`). Given no zone, an importer of wall clocks reads a chat the archive holds in the zone
it was last read in (`_chat_zones`), and says which (`Zone`); given no day/month order, in the order a
person last gave for it (`_chat_date_orders`); and it refuses to read a chat the archive holds with
another person as its owner (`_chat_owners`: the key holds the owner, so it would be a second copy).

A conversation is found by its key, and by the other keys an importer names for the same thread
read another way (an Android number kept as written one week, joined with its international form
the next): the archived conversation is re-keyed in place, keeping its number, filings, transcripts
and messages, and where an earlier reading split the thread in two they are merged into one that
keeps every filing of both (`_Writer.resolve`). The keys it had stay in `conversation_keys`, so a
later export that reads the thread either way finds it. Each re-keying and merge is said and audited.

A client's own phone (`--custodian CLIENT`, for a format that says "sent by this phone": Android, iMessage) is
read by the importer in the owner's frame (its module docstring): the client must be in the archive,
and the phone's number is --me, one of theirs, or their only number, taken and said (`_custodian_phone`);
`import_custodians` records whose phone the import read. An SMS has another date, direction and
identity on each phone, so where the archive holds another phone's import each new record is matched
to a message of the same conversation that only other phones gave: same sender, kind, text and
attachments, within COPY_WITHIN, nearest first (`_Writer.copy_of`). A matched record adds a source to
that message, never a version (its time and status there are that phone's: kept in `phone_copies`,
which also finds it again on the next import of that phone). The first copy archived is the message:
imported in the other order, the same messages result, each with both phones among its sources, at
the time and status of the copy that came first. How many were matched to which phone's copy is said.
A format may give only some services' copies identities of each phone's own (iMessage: SMS and RCS,
`COPIES_DIFFER`); the rest (an iMessage guid) is the same on both phones and found by its identity. Such a
record that differs from a message archived from another phone only in what is each phone's own (its
time there, within COPY_WITHIN; deleted or failed there, PER_PHONE_FLAGS; its receipts) is that message,
as first archived (`_Writer.same_on_another_phone`), said as an assumption; a different text is an edit,
as on the owner's own phone.
"""

from __future__ import annotations

import hashlib
import importlib
import itertools
import json
import os
import resource
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import NamedTuple

from textfile import audit, filing, ignore, processes, times
from textfile.archive import Archive
from textfile.errors import ImportFailed, TextfileError
from textfile.fingerprint import (
    canonical_json,
    content_hash,
    file_digest,
    message_content_hash,
    message_id,
    tree_listing,
)
from textfile.importers import by_name, detect
from textfile.model import (
    DATE_ORDERS,
    DIRECTIONS,
    INVISIBLE,
    KINDS,
    OTHER_ORDER,
    ChatFile,
    Conversation,
    DateOrder,
    ImportOptions,
    Message,
    Notice,
    Participant,
    Reaction,
    Skipped,
    Zone,
)
from textfile.phones import normalize_handle, validate_region

BATCH = 2000
# Sources at least this big (~30,000 WhatsApp messages) are read by a second process (`ReaderProcess`);
# a smaller one is read in less time than that process takes to start.
PARALLEL_MIN_BYTES = 4 << 20
OBJECT_CACHE = 4096  # objects `_ByIdentity` keeps (see there)
MAX_NOTES = 1000  # warnings/assumptions kept in memory and on the import row
MAX_REFS = 20  # source references kept per skip reason
COPY_WITHIN = timedelta(seconds=120)  # how far apart two phones' times of one message may be (_Writer.copy_of)
COPY_RULE = "copy on another phone"  # what `_Writer.existing` calls an id found in `phone_copies`
PER_PHONE_FLAGS = (
    "deleted",
    "failed",
)  # a message's state on one phone, not what it is (`_Writer.same_on_another_phone`)
STATE = (
    "sent_at",
    "source_zone",
    "body",
    "kind",
    "status",
    "duration_s",
    "flags",
    "reply_to",
)  # what a version replaces
TIME_FLAGS = ("time_ambiguous", "time_nonexistent")  # flags that come with a reading of a wall clock in a zone
# What a version records of the state it was, beside its text and time, where the state that replaced
# it differs (`message_versions.earlier`): a transcript says what changed, not just "the same text again".
EDITS = {"edited", "deleted", "unsent"}
SHOWN = ("sender", "direction", "kind", "status", "duration_s", "flags", "reply_to", "attachments")

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


def own_name(path: Path) -> str:
    """A source's file name as recorded: its own, also where it was given as "." or "backup/.." (whose name is "" or "..")."""
    return Path(os.path.abspath(path)).name


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
    corrects_tz: bool = False,
    corrects_reading: bool = False,
) -> ImportResult:
    """Import one export file or folder; raises ImportFailed (archive unchanged) when it cannot.
    `digest` is the source's (size, sha256) when the caller has just computed it (no second read).
    `corrects_tz`: `tz` corrects the zone an earlier import read the same messages in; `corrects_reading`:
    this import's reading of the wall clock (its zone, its date order, how it reads a time as written)
    corrects an earlier import's reading of the same messages (see _Writer.changed).
    `parallel`: a large source may be read by a second process (`ReaderProcess`). Only for callers
    whose main script is guarded by `if __name__ == "__main__"` (the CLI): the forkserver that
    starts that process imports the main script again."""
    path = Path(path)
    settings = archive.settings
    zone_name = tz or settings.tz
    times.zone(zone_name)
    region = validate_region(region or settings.region)
    if date_order is not None and date_order not in DATE_ORDERS:
        raise TextfileError(f"--date-order must be dmy, mdy or ymd, not {date_order!r}")
    module = by_name(format) if format else detect(path)
    phone = None
    if custodian and module.SENT_BY_THE_PHONE and custodian.strip().casefold() != settings.owner_name.casefold():
        # These exports say "sent by this phone", not by whom: from a client's phone, the importer
        # reads "sent" as sent by that client, from the number of theirs the phone had (`_custodian_phone`).
        phone = _custodian_phone(archive, path, module, custodian, me, region)
        if not module.READS_A_CLIENTS_PHONE:
            raise ImportFailed(
                path,
                f"--custodian {phone.name!r}: textfile does not yet read a client's own {module.FORMAT} export (what that"
                f" phone sent would be attributed to the owner {settings.owner_name!r}); nothing was imported",
            )
        custodian = phone.name
    wall_clock = module.WALL_CLOCK
    options = ImportOptions(
        tz=zone_name,
        region=region,
        owner_name=settings.owner_name,
        owner_handles=frozenset(settings.owner_handles),
        me=phone.number if phone else me,
        custodian=phone.name if phone else None,
        custodian_handles=phone.handles if phone else frozenset(),
        date_order=date_order,
        conversation=conversation,
        attachments_root=Path(attachments_root).expanduser() if attachments_root else None,
        # With no --tz, a chat the archive holds is read in the zone it was last read in, with no
        # --date-order in the order a person gave for it (the importer knows which chat a source is only
        # once it has read it); a correction corrects to the zone and the order given.
        chat_zones=_chat_zones(archive, module.FORMAT, zone_name) if tz is None and wall_clock else {},
        chat_date_orders=_chat_date_orders(archive, module.FORMAT) if date_order is None and wall_clock else {},
        chat_owners=_chat_owners(archive, module.FORMAT) if module.CHAT_NAMED_BY_FILE else {},
        **(_numbers_read_before(archive, module.FORMAT) if module.JOINS_NUMBERS else {}),
    )
    try:
        size, sha = digest or source_digest(path)
    except OSError as exc:
        raise ImportFailed(path, f"cannot read: {exc.strerror or exc}") from None
    recorded_options = {
        k: v
        for k, v in {
            "me": me,
            "date_order": date_order,
            "conversation": conversation,
            "attachments_root": str(attachments_root) if attachments_root else None,
            "corrects_tz": corrects_tz,
            "corrects_reading": corrects_reading,
        }.items()
        if v
    }
    same_chat = (
        _chat_of_same_bytes(archive, module.FORMAT, sha) if conversation is None and module.CHAT_NAMED_BY_FILE else None
    )
    if same_chat is not None:
        # WhatsApp names a chat after its file: the same bytes under a copy's name ("… copy.zip",
        # "… 2.zip") must land in the chat they landed in before, not in a second one.
        title, earlier = same_chat
        options = replace(options, conversation=title)
        recorded_options |= {"conversation": title, "same_bytes_as": earlier}
    source = Source(
        str(path),
        own_name(path),
        size,
        sha,
        module.FORMAT,
        module.VERSION,
        zone_name,
        region,
        custodian,
        recorded_options,
        fold_edits=module.EDITS_CHANGE_IDENTITY,
        wall_clock=wall_clock,
        corrects_tz=corrects_tz,
        corrects_reading=corrects_reading,
        owner_numbers=module.JOINS_NUMBERS and phone is None,
        custodian_client=phone.client_id if phone else None,
        custodian_phone=phone.number if phone else None,
        copies_differ=module.COPIES_DIFFER,
        sent_by_the_phone=module.SENT_BY_THE_PHONE,
    )
    said = [Notice(phone.assumed, "assumption")] if phone and phone.assumed else []
    if source.sent_by_the_phone:
        _same_phone_as_before(archive, source)
    try:
        reader = ReaderProcess.start(module, path, options) if parallel and size >= PARALLEL_MIN_BYTES else None
        if reader is None:
            return ingest(
                archive,
                source,
                [*said, *module.read(path, options)] if said else module.read(path, options),
                progress=progress,
            )
        with reader as records:
            result = ingest(archive, source, itertools.chain(said, records), progress=progress)
        result.reader = reader.stats
        return result
    except TextfileError as exc:
        if isinstance(exc, ImportFailed):
            raise
        raise ImportFailed(path, str(exc)) from None
    except (KeyboardInterrupt, MemoryError):
        raise
    except Exception as exc:  # a bug in an importer must not reach the user as a traceback
        raise ImportFailed(
            path, f"internal error while importing ({type(exc).__name__}: {exc}); nothing was imported"
        ) from exc


class CustodianPhone(NamedTuple):
    """A client's phone an import reads (`--custodian CLIENT`): the client, and their number the phone had."""

    client_id: int
    name: str
    handles: frozenset[str]
    number: str
    assumed: str | None  # what was assumed to find the number (no --me), said as an assumption


def _custodian_phone(
    archive: Archive, path: Path, module, custodian: str, me: str | None, region: str
) -> CustodianPhone:
    """The client `custodian` names (as `client show` finds one) and the number of theirs the phone had:
    --me, which must be one of theirs; without it, their only handle of the kind the format's phone has
    (a number; for iMessage also an email), taken and said. No client, a --me not theirs, none or several
    such handles: ImportFailed, before anything is read."""
    row = archive.conn.execute("SELECT id, name FROM clients WHERE name = ?", (custodian.strip(),)).fetchone()
    if row is None:
        raise ImportFailed(
            path,
            f"--custodian {custodian.strip()!r} is not a client of this archive: add them first"
            f" (textfile client add {custodian.strip()!r} --phone …)",
        )
    held = dict(
        archive.conn.execute(
            "SELECT handle, kind FROM client_handles WHERE client_id = ? ORDER BY handle", (row["id"],)
        ).fetchall()
    )
    kinds = ("phone", "email") if module.FORMAT == "imessage" else ("phone",)
    fitting = [h for h, kind in held.items() if kind in kinds]
    what = "handle" if len(kinds) > 1 else "number"
    if me is not None:
        number = normalize_handle(me, region)
        if number not in held:
            raise ImportFailed(
                path,
                f"--me {me!r} is not one of {row['name']}'s {what}s ({', '.join(fitting) or 'none'}): it names the"
                f" {what} of the phone this export came from (textfile client edit {row['name']!r} --add-phone …"
                " adds one); nothing was imported",
            )
        return CustodianPhone(row["id"], row["name"], frozenset(held), number, None)
    if len(fitting) != 1:
        has = f"has several {what}s ({', '.join(fitting)})" if fitting else f"has no {what} in this archive"
        raise ImportFailed(
            path,
            f"{row['name']} {has}: give --me with the {what} of the phone this export came from; nothing was imported",
        )
    return CustodianPhone(
        row["id"],
        row["name"],
        frozenset(held),
        fitting[0],
        f"this is {row['name']}'s phone, as --custodian says: its {what} is taken to be {fitting[0]}, their only"
        f" {what} in the archive (--me did not give one); what it sent is attributed to {row['name']}",
    )


def _chat_zones(archive: Archive, platform: str, zone: str) -> dict[str, str]:
    """The zone each conversation of `platform` was last read in (that of its latest message), where it
    is not `zone`, by conversation key (`ImportOptions.chat_zones`)."""
    return {
        key: read_in
        for key, read_in in archive.conn.execute(
            "SELECT c.source_key, (SELECT m.source_zone FROM messages m WHERE m.conversation_id = c.id"
            " ORDER BY m.sent_at DESC, m.rowid DESC LIMIT 1) FROM conversations c WHERE c.platform = ?",
            (platform,),
        )
        if read_in and read_in != zone
    }


def _chat_date_orders(archive: Archive, platform: str) -> dict[str, tuple[str, str]]:
    """The day/month order a person last gave for each conversation of `platform` (`--date-order`, or a
    correction of the reading to another order), by conversation key, with where it was said
    (`ImportOptions.chat_date_orders`). An import that read a chat by this memory says nothing new: the
    import that was told is still the one found."""
    found = {}
    for key, given, corrected, import_id in archive.conn.execute(
        "SELECT (SELECT c.source_key FROM message_sources s JOIN messages m ON m.id = s.message_id JOIN conversations c"
        " ON c.id = m.conversation_id WHERE s.import_id = i.id LIMIT 1), json_extract(i.options, '$.date_order'),"
        " json_extract(i.options, '$.corrected.date_order.to'), i.id FROM imports i WHERE i.format = ? AND"
        " (json_extract(i.options, '$.date_order') IS NOT NULL OR json_extract(i.options, '$.corrected.date_order') IS NOT NULL)"
        " ORDER BY i.id",
        (platform,),
    ):
        if key is not None:
            found[key] = (
                (corrected, f"as import {import_id} corrected this chat's reading")
                if corrected
                else (given, f"as --date-order {given} said for this chat in import {import_id}")
            )
    return found


def _chat_owners(archive: Archive, platform: str) -> dict[str, tuple[str, int]]:
    """Every conversation of `platform` by its key: the owner's name as archived, and its number (`ImportOptions.chat_owners`)."""
    return {
        key: (name, conv_id)
        for key, name, conv_id in archive.conn.execute(
            "SELECT c.source_key, (SELECT coalesce(p.display_name, p.handle) FROM participants p WHERE p.conversation_id = c.id AND p.is_owner"
            " ORDER BY p.id LIMIT 1), c.id FROM conversations c WHERE c.platform = ?",
            (platform,),
        )
        if name is not None
    }


def _numbers_read_before(archive: Archive, platform: str) -> dict:
    """What the archive knows of the numbers of `platform`'s conversations: the keys each is known
    under besides its own, with the import that recorded them, and its people's numbers
    (`ImportOptions.joined_keys`, `.archived_numbers`)."""
    joined = {
        key: (own, f"import {import_id} of {file_name}")
        for key, own, import_id, file_name in archive.conn.execute(
            "SELECT k.source_key, c.source_key, k.import_id, i.file_name FROM conversation_keys k JOIN conversations c ON c.id = k.conversation_id"
            " JOIN imports i ON i.id = k.import_id WHERE k.platform = ?",
            (platform,),
        )
    }
    numbers: dict[str, tuple[int, ...]] = {}
    for handle, conv_id in archive.conn.execute(
        "SELECT DISTINCT p.handle, p.conversation_id FROM participants p JOIN conversations c ON c.id = p.conversation_id"
        " WHERE c.platform = ? AND p.is_owner = 0 AND (p.handle GLOB '[0-9]*' OR p.handle GLOB '+[0-9]*') ORDER BY 2",
        (platform,),
    ):
        numbers[handle] = (*numbers.get(handle, ()), conv_id)
    return {"joined_keys": joined, "archived_numbers": numbers}


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
        if (
            (os.cpu_count() or 1) < 2
            or "forkserver" not in multiprocessing.get_all_start_methods()
            or name is None
            or sys.modules.get(name) is not module
        ):
            return None
        context = multiprocessing.get_context("forkserver")
        receiver, sender = context.Pipe(duplex=False)
        _widen(receiver)
        try:
            process = context.Process(
                target=_reader_main,
                args=(name, str(path), options, sender, cls.BATCH_ITEMS, cls.BATCH_BYTES),
                daemon=True,
                name="textfile-reader",
            )
            processes.start(process)
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
            except (EOFError, OSError):  # (OSError: it died in the middle of sending a batch)
                raise ImportFailed(
                    self.path, "internal error: the reading process ended without a word; nothing was imported"
                ) from None
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


def _reader_main(
    module_name: str, path: str, options: ImportOptions, connection, batch_items: int, batch_bytes: int
) -> None:
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
            elif isinstance(record, ChatFile):
                size += len(record.data)
            batch.append(record)
            if len(batch) >= batch_items or size >= batch_bytes:
                connection.send(("records", batch))
                batch, size = [], 0
        connection.send(("records", batch))
        usage = resource.getrusage(resource.RUSAGE_SELF)
        connection.send(
            ("done", {"cpu_seconds": usage.ru_utime + usage.ru_stime, "peak_rss_mb": usage.ru_maxrss / 1024})
        )
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
    fold_edits: bool = (
        False  # the format's identity holds the text: an edit between exports is a new identity (_Writer.fold)
    )
    wall_clock: bool = (
        False  # the format's identity holds the time as written: a known message at another instant is a re-reading
    )
    corrects_tz: bool = False  # --corrects-tz (_Writer.changed)
    corrects_reading: bool = False  # --corrects-reading (_Writer.changed)
    owner_numbers: bool = (
        False  # which of the owner's numbers sent a message may go unsaid (Android: _Writer.keep_owner_number)
    )
    custodian_client: int | None = None  # a client's phone (`import_custodians`); None: the archive owner's
    custodian_phone: str | None = None  # that client's number the phone had
    # The format gives each phone's copy of a message its own identity (_Writer.copy_of): True for every message,
    # or the services whose messages it does so for (iMessage: SMS and RCS; an iMessage's guid is the same on both phones).
    copies_differ: bool | frozenset[str] = False
    sent_by_the_phone: bool = (
        False  # the format says "sent by this phone" (iMessage, Android): whose phone matters (`_not_the_owners`)
    )


def _same_phone_as_before(archive: Archive, source: Source) -> None:
    """Bytes imported before as one phone's (the owner's, or a client's with --custodian) are that
    phone's again: read as another's, every message would be archived a second time under other senders."""
    row = archive.conn.execute(
        "SELECT i.id, i.file_name, ic.client_id, cl.name FROM imports i LEFT JOIN import_custodians ic ON ic.import_id = i.id"
        " LEFT JOIN clients cl ON cl.id = ic.client_id WHERE i.sha256 = ? ORDER BY i.id DESC LIMIT 1",
        (source.sha256,),
    ).fetchone()
    if row is None or row["client_id"] == source.custodian_client:
        return
    was = f"{row['name']}'s phone (--custodian {row['name']!r})" if row["name"] else "your own phone (no --custodian)"
    raise ImportFailed(
        source.path,
        f"these bytes were imported before (import {row['id']}, {row['file_name']}) as {was}: import them"
        " the same way, or not at all; nothing was imported",
    )


def _not_the_owners(conn, source: Source, result: ImportResult) -> None:
    """Refuse an export read as the owner's own phone (no --custodian) that holds a thread whose other
    party is one of the owner's own numbers: a client's phone imported without --custodian, which would
    put the client's words in the owner's mouth and every message in the archive twice. The owner's own
    phone texting itself (a note to self) or their other phone says so once, with `--custodian <owner>`;
    from then on that thread, archived from the owner's phone, is known as theirs, and the next export of
    the same phone (the weekly run, which names no custodian) goes in."""
    if not source.sent_by_the_phone or source.custodian is not None or not result.conversations:
        return
    mine = conn.execute(
        "SELECT p.handle, p.display_name FROM participants p JOIN owner_handles o ON o.handle = p.handle WHERE p.is_owner = 0"
        f" AND p.conversation_id IN ({','.join('?' * len(result.conversations))})"
        " AND NOT EXISTS (SELECT 1 FROM messages m JOIN message_sources s ON s.message_id = m.id"
        "                 LEFT JOIN import_custodians ic ON ic.import_id = s.import_id"
        "                 WHERE m.conversation_id = p.conversation_id AND s.import_id <> ? AND ic.import_id IS NULL)"
        " ORDER BY p.conversation_id LIMIT 1",
        [*result.conversations, result.import_id],
    ).fetchone()
    if mine:
        named = f" (named {mine[1]!r} there)" if mine[1] and mine[1] != mine[0] else ""
        owner = conn.execute("SELECT owner_name FROM settings").fetchone()[0]
        raise ImportFailed(
            source.path,
            f"it holds a thread with your own number {mine[0]}{named} as the other party, so it may not be"
            f" your phone: give --custodian with the client whose phone it is, or --custodian {owner!r} if it"
            " is yours (a note to yourself, or your other phone; said once, the next exports of it go in); nothing was imported",
        )


def ingest(archive: Archive, source: Source, records: Iterable, *, progress: Progress | None = None) -> ImportResult:
    """Write one source's record stream in one transaction (all of it, or nothing)."""
    with archive.transaction() as conn:
        audit.require_key(conn)  # (refused before the source is read, not after)
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
        writer = _Writer(conn, result, source)
        writer.consume(records, progress)
        _not_the_owners(conn, source, result)
        # A new thread from handles a person ignored (a bank's short code) is set aside as it arrives.
        arrived = ignore.on_arrival(conn, [c for c in result.conversations if c in writer.created])
        for a in arrived:
            writer.note(
                f"conversation {a['conversation']} ({', '.join(a['handles'])}) ignored on arrival: {a['reason']}"
            )
        if arrived:
            writer.changes["ignored_on_arrival"] = arrived
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
        result.filed = filing.auto_file(conn, conversation_ids=result.conversations)
    return result


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
    flags = _flags_json(m.flags)
    digest = message_content_hash(
        sent_at, m.direction, m.kind, handle, m.body, m.status, m.duration_s, flags, m.reply_to, attachments
    )
    return Prepared(
        message_id(conv.platform, m.identity_key or conv.source_key, m.identity),
        conv,
        sender,
        handle,
        sent_at,
        m.direction,
        m.kind,
        m.source_zone,
        m.body,
        m.service,
        m.status,
        times.to_iso(m.delivered_at) if m.delivered_at else None,
        times.to_iso(m.read_at) if m.read_at else None,
        m.duration_s,
        flags,
        m.source_id,
        m.reply_to,
        tuple((v.body, times.to_iso(v.at) if v.at else None) for v in m.versions),
        digest,
        tuple(attachments),
        tuple(blobs),
        m.source_ref,
        m.time_precision,
    )


def _flags_json(flags) -> str:
    return canonical_json(sorted(flags)) if flags else "[]"


def _retimed_flags(flags_json: str, reading) -> str:
    """A message's flags with those its earlier reading gave (TIME_FLAGS) replaced by those of the new `reading`."""
    return _flags_json(
        [f for f in json.loads(flags_json) if f not in TIME_FLAGS] + [f for f in reading if f in TIME_FLAGS]
    )


def _form(flags_json: str) -> int:
    """Which form of a message its flags say it is: 2 deleted, 1 edited, 0 neither (`_Writer.fold`)."""
    return 2 if '"deleted"' in flags_json else 1 if '"edited"' in flags_json else 0


def _filled_in(attachments, other, *, add: bool = False) -> list[tuple]:
    """`attachments` ((position, file_name, mime, sha256 | None, missing_reason), …) with each one whose bytes
    are missing taken from `other` where that has the same file's bytes at the same position; with `add`,
    also the positions only `other` has (an attachment an edit or a deletion left out was still sent)."""
    by_position = {a[0]: a for a in other}
    merged = [
        b if a[3] is None and (b := by_position.get(a[0])) is not None and b[3] is not None and b[1] == a[1] else a
        for a in attachments
    ]
    if add:
        have = {a[0] for a in attachments}
        merged = sorted(merged + [b for b in other if b[0] not in have])
    return merged


def _earlier(before: dict, after: dict) -> str | None:
    """The values of `before` (a message's state, `_Writer.state_of`) that `after` (the state that replaced
    it) does not have, among SHOWN, as canonical JSON; None when only its text or time differ."""
    was = {k: before[k] for k in SHOWN if before[k] != after[k]}
    if "flags" in was and _flags_json(set(json.loads(before["flags"])) - EDITS) == _flags_json(
        set(json.loads(after["flags"])) - EDITS
    ):
        del was["flags"]  # that an edit or a deletion marks the next state is said by that state
    return canonical_json(was) if was else None


def _listed(attachments) -> list:
    """Attachments as a version records them: [file name, sha256 or None], in order."""
    return [[a[1], a[3]] for a in sorted(attachments)]


def _people(handles) -> str:
    return ", ".join(handles) or "no one but the owner"


def _filed(matters, before: str = "", after: str = "", none: str = "") -> str:
    return f"{before}filed to {', '.join(matters)}{after}" if matters else none


_INVISIBLE = str.maketrans(dict.fromkeys(INVISIBLE))


def _without_invisible(text: str | None) -> str:
    """A text without the characters of `INVISIBLE`, and the white space at its ends: what an earlier
    WhatsApp import stored of it (it removed them)."""
    return (text or "").translate(_INVISIBLE).strip()


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _wall(stored: str, zone: str | None, precision: str | None) -> str:
    return times.display(stored, times.zone(zone), precision) if zone else stored


def _rereading(sent_at: str, zone: str, new_sent_at: str, new_zone: str) -> list[str]:
    """How the reading of a time as written that gives `new_sent_at` in `new_zone` differs from the one that
    gave `sent_at` in `zone` (`_Writer.changed`): "tz" (another zone), "date_order" (the wall clock's day and
    month the other way round), "occurrence" (in the same zone, the same wall clock at its other instant:
    an hour the clocks repeated, read as the other of its two occurrences on the export's own line order,
    which the importer states as an assumption), else "reading" (another reading of a time as written)."""
    was, now = (
        times.from_iso(t).astimezone(times.zone(z)).replace(tzinfo=None)
        for t, z in ((sent_at, zone), (new_sent_at, new_zone))
    )
    if zone == new_zone and was == now:
        return ["occurrence"]
    kinds = ["tz"] if zone != new_zone else []
    if was.date() != now.date() and (was.year, was.month, was.day) == (now.year, now.day, now.month):
        kinds.append("date_order")
    return kinds or ["reading"]


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
    def __init__(self, conn, result: ImportResult, source: Source):
        self.conn = conn
        self.result = result
        self.source = source
        self.region = source.region
        self.fold_edits, self.wall_clock = source.fold_edits, source.wall_clock
        self.corrects_tz, self.corrects_reading = source.corrects_tz, source.corrects_reading
        self.options = dict(
            source.options
        )  # the import row's options, with what a correction corrected (`say_corrections`)
        self.date_order: str | None = None  # the order the importer read dates in (`DateOrder`)
        self.conversations: dict[tuple[str, str], int] = {}
        self.seen_conversation_objects = _ByIdentity()  # Conversation -> conversation id
        self.participants: dict[tuple[int, str], int] = {}
        self.senders = _ByIdentity()  # Participant, in a conversation -> participant id
        self.pending: list[_Pending] = []
        self.reactions: list[Reaction] = []  # arrived since the last batch was written
        self.waiting: list[Reaction] = []  # their message had not been written yet
        self.skipped_detail: dict[str, dict] = {}
        self.touched: set[int] = set()
        self.created: set[int] = set()  # conversations this import created: nothing archived there to fold into
        self.pairs: list[tuple[str, str]] = []  # (added message, archived message): maybe two forms of one (`fold`)
        self.added_here: list[
            tuple
        ] = []  # in an import that may correct a reading: what was added, to look for at earlier readings
        self.has_aliases = conn.execute("SELECT EXISTS (SELECT 1 FROM message_aliases)").fetchone()[0]
        self.has_other_keys = conn.execute("SELECT EXISTS (SELECT 1 FROM conversation_keys)").fetchone()[
            0
        ]  # (`resolve`)
        # "tz" | "date_order" | "reading" -> the earlier reading (a zone, an order) -> messages this import moved from it (`changed`)
        self.reread: dict[str, dict[str, int]] = {}
        self.earlier_readings: set[tuple[str, bool]] = set()  # (zone, day and month swapped) of what was corrected
        self.changes: dict = {}  # for the audit entry: what was folded, which times were corrected
        self.moved: dict[tuple[int, int], int] = {}
        # Another phone's copies (`copy_of`): looked for only where the archive holds another phone's import.
        self.copy_ids: dict[str, str] = {}  # a record's id -> the message another phone archived it as (this import)
        # A message of the same identity on two phones (an iMessage guid): looked at only where the archive holds a client's phone.
        self.phones = (
            source.custodian_client is not None
            or conn.execute("SELECT EXISTS (SELECT 1 FROM import_custodians)").fetchone()[0]
        )
        self.per_phone: dict[
            str, int
        ] = {}  # what differed only per phone (`same_on_another_phone`) -> how many messages
        self.copies = source.copies_differ if self.phones else False
        self.copies_found: dict[str, int] = {}  # the phone(s) a matched message was found on before -> how many
        self.precision_set: dict[
            str | None, int
        ] = {}  # the precision a known message had -> how many now have the source's  # (from, to) conversation ids -> messages moved
        self.unmoved: dict[str, dict] = {}  # a moved message's state before the move (`move`), for its version
        self.invisible_kept: list[
            str
        ] = []  # messages archived without the invisible characters their text holds (`new_version`)
        self.resolved: set[tuple] = set()  # (platform, source_key, other_keys) looked up (`resolve`)
        self.rejoined: set[int] = set()  # conversations this import re-keyed or merged into (`resolve`)
        self.left_alone: set[int] = set()  # conversations under a key of another reading of a number (`resolve`)
        self.replaced: set[int] = set()  # participants a new version took a message from (`drop_replaced`)
        self.owner_numbers_kept: dict[
            str, int
        ] = {}  # the owner's number --me gave -> messages read with none (`keep_owner_number`)
        # The owner with no number, whom this import's reading (False) or an earlier one (True) gave messages that now have a
        # number of the owner's: listed no more where they name nothing.
        self.unnamed_owners: dict[int, bool] = {}

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
            elif isinstance(record, ChatFile):
                self.chat_file(record)
            elif isinstance(record, Zone):
                self.result.zone = record.name
            elif isinstance(record, DateOrder):
                self.date_order = record.order
            else:
                raise TypeError(f"importer yielded {type(record).__name__}, not a record")
            count += 1
            if progress and count % 1000 == 0:
                progress(count)
        self.flush()
        self.write_reactions()
        if self.added_here and self.earlier_readings:
            self.find_pairs_at_earlier_readings()
        if self.pairs:
            self.fold()
        if self.corrects_tz or self.corrects_reading or self.reread:
            self.say_corrections()
        if self.replaced:
            self.drop_replaced()
        if self.copies_found:
            self.say_copies()
        if self.per_phone:
            self.say_per_phone()
        for number, n in sorted(self.owner_numbers_kept.items()):
            self.note(
                f"{_count(n, 'message')} this source reads as sent by the owner with no number keep{'s' if n == 1 else ''} {number},"
                " which --me gave when an earlier import read them"
            )
        for pid, earlier in self.unnamed_owners.items():
            row = self.conn.execute(
                "SELECT conversation_id, handle FROM participants WHERE id = ? AND is_owner = 1 AND handle NOT LIKE '+%'"
                " AND handle NOT LIKE '%@%'",
                (pid,),
            ).fetchone()
            if row is None or not self.forget_participant(
                pid, {"conversation": row["conversation_id"], "was": row["handle"], "now": "a number of the owner's"}
            ):
                continue
            if earlier:
                self.note(
                    f"conversation {row['conversation_id']}: every message sent by the owner with no number ({row['handle']}) is now"
                    " from a number of the owner's; that entry is no longer listed among its people, and each of those messages keeps"
                    " it as the sender of its earlier version"
                )
        for (before, after), n in self.moved.items():
            self.note(
                f"{n} message{'s' if n > 1 else ''} archived in conversation {before}{_filed(self.matters_of(before), ' (', ')')}"
                f" moved to conversation {after}{_filed(self.matters_of(after), ' (', ')', ' (filed to no matter)')}, where this source"
                " reads them (see the importer's notices)"
            )
        if self.invisible_kept:
            n, refs = len(self.invisible_kept), self.invisible_kept
            self.note(
                f"{_count(n, 'message')} archived by an earlier textfile without the invisible characters in {'its' if n == 1 else 'their'}"
                " text that change how text is displayed (direction marks, overrides and isolates, zero-width spaces) now"
                f" hold{'s' if n == 1 else ''} them as sent; the text as archived before is kept as {'its' if n == 1 else 'each one'}"
                f" earlier version ({', '.join(refs[:MAX_REFS])}{f' and {n - MAX_REFS} more' if n > MAX_REFS else ''})"
            )
            self.changes["invisible_kept"] = n
        if self.precision_set:
            was = ", ".join(f"{k or 'none'}: {n:,}" for k, n in sorted(self.precision_set.items(), key=str))
            self.note(
                f"{_count(sum(self.precision_set.values()), 'message')} archived with another precision of its time ({was})"
                " now print at the precision this export writes its times in"
            )
            self.changes["time_precision_set"] = {str(k): n for k, n in self.precision_set.items()}
        if self.moved:  # which filing a message belongs to follows its conversation: the audit says from where to where
            self.changes["moved"] = [
                {"from": before, "to": after, "messages": n} for (before, after), n in sorted(self.moved.items())
            ]
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
        if conv_id is None or (conv.other_keys and (*key, conv.other_keys) not in self.resolved):
            if conv.other_keys or self.has_other_keys:
                conv_id = self.resolve(conv)
            else:
                row = self.conn.execute(
                    "SELECT id FROM conversations WHERE platform = ? AND source_key = ?", key
                ).fetchone()
                conv_id = None if row is None else row[0]
            if conv_id is None:
                conv_id = self.conn.execute(
                    "INSERT INTO conversations (platform, source_key, title, is_group, created_at) VALUES (?, ?, ?, ?, ?)",
                    (conv.platform, conv.source_key, conv.title, int(conv.is_group), times.now_iso()),
                ).lastrowid
                self.created.add(conv_id)
                self.name_keys(conv, conv_id)
            elif conv.title:
                self.conn.execute(
                    "UPDATE conversations SET title = ? WHERE id = ? AND title IS NULL", (conv.title, conv_id)
                )
            self.conversations[key] = conv_id
            self.resolved.add((*key, conv.other_keys))
        for participant in conv.participants:
            self.participant_id(conv_id, participant)
        self.seen_conversation_objects.put(conv, conv_id)
        self.touched.add(conv_id)
        return conv_id

    # -- one thread, one conversation, whichever way it was read -----------------------------

    def resolve(self, conv) -> int | None:
        """The archived conversation that `conv` goes on, found under its key, under one of its other
        keys (`Conversation.other_keys`: the same thread read another way) or under a key recorded in
        `conversation_keys`; None when there is none (then it is created).

        One archived conversation under another key of the thread is re-keyed in place: the same
        number, filings, transcripts and messages, under the key this source gives it (its earlier
        key kept as one of its other keys). Two or more (a thread an earlier reading split) are merged
        into one (`merge`). A conversation found only under one of the other keys, as another key of
        its own, is a number an earlier import read as another (a national number joined with another
        country's form of it): it is left as it is, and said."""
        platform, key = conv.platform, conv.source_key
        keys = (key, *conv.other_keys)
        marks = ",".join("?" * len(keys))
        rows = self.conn.execute(
            f"SELECT source_key, id, 1 FROM conversations WHERE platform = ? AND source_key IN ({marks})"
            f" UNION ALL SELECT source_key, conversation_id, 0 FROM conversation_keys WHERE platform = ? AND source_key IN ({marks})",
            (platform, *keys, platform, *keys),
        ).fetchall()
        same = {cid for k, cid, own in rows if own or k == key}
        for cid in sorted({cid for _, cid, _ in rows} - same - self.left_alone):
            self.left_alone.add(cid)
            self.note(
                f"conversation {cid} ({_people(self.described(cid)['handles'])}) is where an earlier import put a number that this"
                f" source reads as {_people(self.described(None, conv)['handles'])} (see the importer's notices): it is left as it is"
            )
        if not same:
            return None
        archived = same - self.created
        # The conversation archived last goes on (SQLite gives a new conversation the highest number
        # plus one: merging that one away would hand its number to the next); one this import made
        # (and nobody has seen) goes into an archived one.
        conv_id = max(archived) if archived else min(same)
        before = {cid: self.described(cid) for cid in sorted(archived)}
        for other in sorted(same - {conv_id}):
            self.merge(other, conv_id)
        own_key = self.conn.execute("SELECT source_key FROM conversations WHERE id = ?", (conv_id,)).fetchone()[0]
        rekeyed = own_key != key and not any(k == key and not own for k, _, own in rows)
        if rekeyed:
            self.conn.execute("DELETE FROM conversation_keys WHERE platform = ? AND source_key = ?", (platform, key))
            self.conn.execute("UPDATE conversations SET source_key = ? WHERE id = ?", (key, conv_id))
            self.add_key(platform, own_key, conv_id, "rekeyed")
        if rekeyed or len(same) > 1:
            self.rejoined.add(conv_id)
            if len(before) > 1 or (rekeyed and before):
                self.say_rejoined(conv_id, before, self.described(None, conv))
        self.name_keys(conv, conv_id)
        return conv_id

    def name_keys(self, conv, conv_id: int) -> None:
        """Record the other keys of `conv` that no archived conversation holds as keys of `conv_id`."""
        for key in conv.other_keys:
            if not self.conn.execute(
                "SELECT 1 FROM conversations WHERE platform = ? AND source_key = ? UNION ALL SELECT 1 FROM"
                " conversation_keys WHERE platform = ? AND source_key = ?",
                (conv.platform, key) * 2,
            ).fetchone():
                self.add_key(conv.platform, key, conv_id, "named")

    def add_key(self, platform: str, key: str, conv_id: int, rule: str) -> None:
        self.conn.execute(
            "INSERT INTO conversation_keys (platform, source_key, conversation_id, import_id, rule) VALUES (?, ?, ?, ?, ?)",
            (platform, key, conv_id, self.result.import_id, rule),
        )
        self.has_other_keys = True

    def merge(self, other: int, into: int) -> None:
        """Conversation `other` into `into`, the same thread: its messages, participants (one row per
        handle), filings (every one kept), files and keys; then `other` is removed. This import's own
        state (pending messages, caches) follows."""
        c = self.conn
        same_person: dict[int, int] = {}
        for p in c.execute(
            "SELECT id, handle, display_name, is_owner FROM participants WHERE conversation_id = ?", (other,)
        ).fetchall():
            kept = c.execute(
                "SELECT id FROM participants WHERE conversation_id = ? AND handle = ?", (into, p["handle"])
            ).fetchone()
            if kept is None:
                c.execute("UPDATE participants SET conversation_id = ? WHERE id = ?", (into, p["id"]))
                continue
            same_person[p["id"]] = kept[0]
            c.execute(
                "UPDATE participants SET display_name = coalesce(display_name, ?), is_owner = max(is_owner, ?) WHERE id = ?",
                (p["display_name"], p["is_owner"], kept[0]),
            )
        for was, now in same_person.items():
            c.execute("UPDATE messages SET sender_id = ? WHERE sender_id = ?", (now, was))
            c.execute("UPDATE reactions SET sender_id = ? WHERE sender_id = ?", (now, was))
            c.execute("DELETE FROM participants WHERE id = ?", (was,))
        c.execute("UPDATE messages SET conversation_id = ? WHERE conversation_id = ?", (into, other))
        c.execute("UPDATE filings SET conversation_id = ? WHERE conversation_id = ?", (into, other))
        c.execute(
            "INSERT OR IGNORE INTO conversation_files (conversation_id, file_name, mime, blob_sha256, import_id)"
            " SELECT ?, file_name, mime, blob_sha256, import_id FROM conversation_files WHERE conversation_id = ?",
            (into, other),
        )
        c.execute("DELETE FROM conversation_files WHERE conversation_id = ?", (other,))
        c.execute("UPDATE conversation_keys SET conversation_id = ? WHERE conversation_id = ?", (into, other))
        gone = c.execute("SELECT platform, source_key, title FROM conversations WHERE id = ?", (other,)).fetchone()
        c.execute("UPDATE conversations SET title = ? WHERE id = ? AND title IS NULL", (gone["title"], into))
        c.execute("DELETE FROM conversations WHERE id = ?", (other,))
        self.add_key(gone["platform"], gone["source_key"], into, "merged")
        for p in self.pending:
            if p.conversation_id == other:
                p.conversation_id, p.sender_id = into, same_person.get(p.sender_id, p.sender_id)
        self.conversations = {k: into if v == other else v for k, v in self.conversations.items()}
        self.moved = {(into if a == other else a, into if b == other else b): n for (a, b), n in self.moved.items()}
        self.seen_conversation_objects, self.senders = _ByIdentity(), _ByIdentity()
        self.participants.clear()
        self.touched.discard(other)
        self.touched.add(into)
        if other not in self.created:
            self.created.discard(into)
        self.created.discard(other)

    def described(self, conv_id: int | None, conv=None) -> dict:
        """An archived conversation's (or, with `conv`, a record's) people other than the owner, and the matters it is filed to."""
        if conv is not None:
            return {
                "handles": sorted(
                    {normalize_handle(p.handle, self.region) or p.handle for p in conv.participants if not p.is_owner}
                )
            }
        return {
            "handles": [
                r[0]
                for r in self.conn.execute(
                    "SELECT handle FROM participants WHERE conversation_id = ? AND is_owner = 0 ORDER BY handle",
                    (conv_id,),
                )
            ],
            "matters": self.matters_of(conv_id),
            "messages": self.conn.execute(
                "SELECT count(*) FROM messages WHERE conversation_id = ?", (conv_id,)
            ).fetchone()[0],
        }

    def drop_replaced(self) -> None:
        """A participant of a conversation this import re-keyed or merged whose every message it read
        with another sender (a number as written, or as earlier versions read it, that this source
        joins with its international form) names nothing any more: it is removed, and said. Each of
        its messages keeps it as the sender of its earlier version (`message_versions.earlier`)."""
        c = self.conn
        for pid in sorted(self.replaced):
            row = c.execute(
                "SELECT conversation_id, handle FROM participants WHERE id = ? AND is_owner = 0", (pid,)
            ).fetchone()
            if row is None:
                continue
            now = [
                r[0]
                for r in c.execute(
                    "SELECT DISTINCT p.handle FROM message_versions v JOIN messages m ON m.id = v.message_id JOIN participants p ON p.id = m.sender_id"
                    " WHERE v.import_id = ? AND m.conversation_id = ? AND json_extract(v.earlier, '$.sender') = ? ORDER BY p.handle",
                    (self.result.import_id, row["conversation_id"], row["handle"]),
                )
            ]
            if self.forget_participant(pid, {"conversation": row["conversation_id"], "was": row["handle"], "now": now}):
                self.note(
                    f"conversation {row['conversation_id']}: every message from {row['handle']} is now from {_people(now)};"
                    f" {row['handle']} is no longer listed among its people, and each of those messages keeps it as the sender of"
                    " its earlier version"
                )

    def forget_participant(self, pid: int, said: dict) -> bool:
        """Remove a participant no message or reaction names any more (a reading of the sender this
        import replaced), recording `said` (conversation, was, now) for the audit entry; False when
        something still names it."""
        if self.conn.execute(
            "SELECT 1 FROM messages WHERE sender_id = ? UNION ALL SELECT 1 FROM reactions WHERE sender_id = ?",
            (pid, pid),
        ).fetchone():
            return False
        self.conn.execute("DELETE FROM participants WHERE id = ?", (pid,))
        self.changes.setdefault("participants_replaced", []).append(said)
        return True

    def matters_of(self, conv_id: int) -> list[str]:
        return [
            r[0]
            for r in self.conn.execute(
                "SELECT DISTINCT m.reference FROM filings f JOIN matters m ON m.id = f.matter_id"
                " WHERE f.conversation_id = ? ORDER BY m.reference",
                (conv_id,),
            )
        ]

    def say_rejoined(self, conv_id: int, before: dict[int, dict], now: dict) -> None:
        """The notice and the audit record of a conversation re-keyed or merged (`resolve`)."""
        who = _people(now["handles"])
        if len(before) == 1:
            was = before[conv_id]
            same = "number" if len(now["handles"]) == 1 else "people"
            self.note(
                f"conversation {conv_id} ({_people(was['handles'])}{_filed(was['matters'], ', ')}) is the thread this source writes"
                f" with {who} (the same {same}, see the importer's notices): it goes on under {who}, the same conversation with its"
                " filings and messages, not a new one"
            )
            self.changes.setdefault("rekeyed", []).append(
                {"conversation": conv_id, "was": was["handles"], "now": now["handles"]}
            )
            return
        merged = [cid for cid in before if cid != conv_id]
        matters = sorted({m for d in before.values() for m in d["matters"]})
        parts = ", ".join(
            f"{cid} ({_people(d['handles'])}, {_count(d['messages'], 'message')}{_filed(d['matters'], ', ')})"
            for cid, d in before.items()
        )
        text = (
            f"conversations {parts} are one thread, which this source writes with {who}: merged into conversation {conv_id},"
            f" with every message and every filing of each; conversation{'s' if len(merged) > 1 else ''}"
            f" {', '.join(map(str, merged))} no longer exist{'s' if len(merged) == 1 else ''}"
        )
        if len({tuple(d["matters"]) for d in before.values()}) > 1 and len(matters) > 1:
            text += (
                f". The whole thread is now filed to {' and '.join(matters)}: each matter's transcripts will show the messages"
                " that were filed to the other only"
            )
        self.note(text)
        self.changes.setdefault("merged", []).append(
            {
                "conversation": conv_id,
                "now": now["handles"],
                "from": [
                    {"conversation": cid, "handles": d["handles"], "matters": d["matters"]} for cid, d in before.items()
                ],
            }
        )

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
                self.conn.execute(
                    "UPDATE participants SET display_name = ? WHERE id = ?", (participant.display_name, pid)
                )
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
                self.store_blob(sha, mime, data)
            p = p._replace(blobs=())
        self.pending.append(_Pending(p, conv_id, sender_id, p.content_hash, list(p.attachments)))
        if len(self.pending) >= BATCH:
            self.flush()

    def store_blob(self, sha: str, mime: str | None, data: bytes) -> None:
        self.conn.execute(
            "INSERT OR IGNORE INTO blobs (sha256, size, mime, data) VALUES (?, ?, ?, ?)", (sha, len(data), mime, data)
        )

    def chat_file(self, f: ChatFile) -> None:
        """A file of the export that no message names: its bytes stored, and linked to its conversation
        once (the same file in a later copy of the export adds nothing; the row keeps the first import)."""
        conv_id = self.conversation_id(f.conversation)
        sha = hashlib.sha256(f.data).hexdigest()
        self.store_blob(sha, f.mime, f.data)
        self.conn.execute(
            "INSERT OR IGNORE INTO conversation_files (conversation_id, file_name, mime, blob_sha256, import_id) VALUES (?, ?, ?, ?, ?)",
            (conv_id, f.file_name, f.mime, sha, self.result.import_id),
        )

    def flush(self) -> None:
        if not self.pending:
            return
        pending, self.pending = self.pending, []
        existing = self.existing(pending)
        # id -> the content hash this source gave it first: what this batch writes (new or updated) or
        # found already present; for an id an earlier batch of this source gave, what the archive holds
        # now. A later record of the same id with other content is the source contradicting itself
        # (skipped), not an edit: the same source read again then changes nothing.
        given = self.given_before(existing)
        written: dict[str, str] = {
            known["id"]: known["content_hash"] for known in existing.values() if known["id"] in given
        }
        import_id = self.result.import_id
        added = already = 0
        new_rows, source_rows, attachment_rows, version_rows, receipt_rows = [], [], [], [], []
        copy_rows = []
        for p in pending:
            known = existing.get(p.id)
            copy = None
            if (
                known is None
                and self.copies
                and p.record.sender is not None
                and (self.copies is True or p.record.service in self.copies)
            ):
                copy = self.copy_ids.get(p.id) or self.copy_of(p)
            mid = copy or (p.id if known is None else known["id"])  # (an alias's message, see `fold`)
            source_rows.append((mid, import_id, p.record.source_ref))
            if copy is not None or (known is not None and known.get("rule") == COPY_RULE):
                # Another phone's copy of an archived message (`copy_of`): one message, found on both phones;
                # what differs between the copies (the time each phone gives it, its status there) is per phone.
                already += 1
                if copy is not None and p.id not in self.copy_ids:
                    self.copy_ids[p.id] = copy
                    copy_rows.append((p.id, copy, p.record.source_ref, p.sent_at))
                continue
            mine = written.get(mid)
            if mine is not None:
                if mine == p.content_hash:
                    already += 1
                else:
                    # The same id twice in one source with different content: the source contradicts
                    # itself. Keep the first, record the second as skipped so nothing is silent.
                    self.skip("same message identity twice in this source with different content", p.record.source_ref)
                continue
            if known is not None and known["conversation_id"] != p.conversation_id:
                self.move(p, mid, known["conversation_id"])
            if known is None:
                m = p.record
                written[p.id] = p.content_hash
                new_rows.append(
                    (
                        p.id,
                        p.conversation_id,
                        p.sender_id,
                        m.direction,
                        m.kind,
                        p.sent_at,
                        m.source_zone,
                        m.body,
                        m.service,
                        m.status,
                        m.delivered_at,
                        m.read_at,
                        m.duration_s,
                        p.flags,
                        m.source_id,
                        m.reply_to,
                        len(m.versions) + 1,
                        p.content_hash,
                        import_id,
                        m.time_precision,
                    )
                )
                if p.attachments:
                    attachment_rows.extend((p.id, *a) for a in p.attachments)
                if m.versions:
                    version_rows.extend(
                        (p.id, n, body, at, "edit_history", None, import_id)
                        for n, (body, at) in enumerate(m.versions, 1)
                    )
                added += 1
            elif (
                known["content_hash"] == p.content_hash
                or self.keep_stored_attachments(p, mid) == known["content_hash"]
                or self.keep_owner_number(p, mid, known["content_hash"]) == known["content_hash"]
            ):
                already += 1
                written[mid] = known["content_hash"]
                self.fill_receipts(p, mid, known, receipt_rows)
            elif self.phones and self.same_on_another_phone(p, mid, known):
                already += 1
                written[mid] = known["content_hash"]
            elif self.changed(p, known):
                written[mid] = p.content_hash
            else:
                already += 1
                written[mid] = known["content_hash"]
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
        audit.count_new_messages(
            c, ((row[18], row[0], row[17]) for row in new_rows)
        )  # (their import's digest: audit.py)
        if new_rows:  # the full-text index, in bulk (see migration m004)
            c.execute(
                "INSERT INTO messages_fts (rowid, body) SELECT rowid, body FROM messages WHERE rowid > ?", (last_rowid,)
            )
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
        c.executemany(
            "INSERT OR IGNORE INTO message_sources (message_id, import_id, source_ref) VALUES (?, ?, ?)", source_rows
        )
        if copy_rows:
            c.executemany(
                "INSERT INTO phone_copies (alias_id, message_id, import_id, source_ref, sent_at) VALUES (?, ?, ?, ?, ?)",
                [(alias, mid, import_id, ref, at) for alias, mid, ref, at in copy_rows],
            )
        if receipt_rows:
            c.executemany(
                "UPDATE messages SET delivered_at = coalesce(delivered_at, ?), read_at = coalesce(read_at, ?),"
                " time_precision = coalesce(?, time_precision) WHERE id = ?",
                receipt_rows,
            )
        if self.reactions:
            self.write_reactions(final=False)
        if self.fold_edits and new_rows:
            self.find_pairs(new_rows)

    def given_before(self, existing: dict[str, dict]) -> set[str]:
        """Of these archived messages, those an earlier batch of this source gave (a source row of this import)."""
        ids, found = sorted({known["id"] for known in existing.values()}), set()
        for start in range(0, len(ids), 900):
            chunk = ids[start : start + 900]
            found.update(
                r[0]
                for r in self.conn.execute(
                    f"SELECT message_id FROM message_sources WHERE import_id = ? AND message_id IN"
                    f" ({','.join('?' * len(chunk))})",
                    [self.result.import_id, *chunk],
                )
            )
        return found

    def existing(self, pending: list[_Pending]) -> dict[str, dict]:
        """The archived message of each pending id the archive knows, as itself, as an alias of
        another message (`fold`) or as another phone's copy of one (`copy_of`), none of them in a
        conversation this import created; "id" is the message's own."""
        found: dict[str, dict] = {}
        self.look_up(found, "SELECT id, id, {} FROM messages WHERE id IN ({})", {p.id for p in pending})
        if self.has_aliases:
            self.look_up(
                found,
                "SELECT a.alias_id, m.id, {}, a.rule FROM message_aliases a JOIN messages m ON m.id = a.message_id"
                " WHERE a.alias_id IN ({})",
                {p.id for p in pending if p.id not in found and p.conversation_id not in self.created},
            )
        if self.copies:  # another phone's copy, matched by an earlier import of this phone (`copy_of`)
            self.look_up(
                found,
                f"SELECT a.alias_id, m.id, {{}}, '{COPY_RULE}' FROM phone_copies a JOIN messages m ON m.id = a.message_id"
                " WHERE a.alias_id IN ({})",
                {p.id for p in pending if p.id not in found and p.conversation_id not in self.created},
            )
        return found

    def look_up(self, found: dict, sql: str, ids: set[str]) -> None:
        ids = list(ids)
        for start in range(0, len(ids), 900):
            chunk = ids[start : start + 900]
            for row in self.conn.execute(
                sql.format(
                    "content_hash, version, delivered_at, read_at, conversation_id, time_precision",
                    ",".join("?" * len(chunk)),
                ),
                chunk,
            ):
                found[row[0]] = {
                    "id": row[1],
                    "content_hash": row[2],
                    "version": row[3],
                    "delivered_at": row[4],
                    "read_at": row[5],
                    "conversation_id": row[6],
                    "time_precision": row[7],
                    "rule": row[8] if len(row) > 8 else None,
                }

    def copy_of(self, p: _Pending) -> str | None:
        """The archived message this record is another phone's copy of, or None. An SMS has another date,
        direction and identity on each phone (the sender's phone dates it when sent, the receiver's when
        received), so a record of one phone is matched to a message of the same conversation found on
        another phone only: the same sender, kind and text (for an MMS, the same attachments' bytes
        too), its time within COPY_WITHIN, not already matched by another record of this phone; the
        nearest in time first. A record whose text differs is another message. Counted by the phone(s)
        the message was found on, and said as an assumption (`say_copies`)."""
        m = p.record
        at = times.from_iso(p.sent_at)
        rows = self.conn.execute(
            "SELECT m.id, m.sent_at FROM messages m WHERE m.conversation_id = ? AND m.sender_id = ? AND m.kind = ? AND m.body = ?"
            " AND m.sent_at BETWEEN ? AND ? AND NOT EXISTS (SELECT 1 FROM message_sources s LEFT JOIN import_custodians c"
            " ON c.import_id = s.import_id WHERE s.message_id = m.id AND c.client_id IS ?)",
            (
                p.conversation_id,
                p.sender_id,
                m.kind,
                m.body,
                times.to_iso(at - COPY_WITHIN),
                times.to_iso(at + COPY_WITHIN),
                self.source.custodian_client,
            ),
        ).fetchall()
        taken = set(self.copy_ids.values())
        attachments = [a[3] for a in sorted(p.attachments)]
        for row in sorted(rows, key=lambda r: (abs(times.from_iso(r["sent_at"]) - at), r["id"])):
            if row["id"] in taken or [a[3] for a in self.attachments_of(row["id"])] != attachments:
                continue
            phones = ", ".join(
                f"{name}'s phone"
                for (name,) in self.conn.execute(
                    "SELECT DISTINCT coalesce(cl.name, (SELECT owner_name FROM settings)) FROM message_sources s"
                    " LEFT JOIN import_custodians c ON c.import_id = s.import_id LEFT JOIN clients cl ON cl.id = c.client_id"
                    " WHERE s.message_id = ? ORDER BY 1",
                    (row["id"],),
                )
            )
            self.copies_found[phones] = self.copies_found.get(phones, 0) + 1
            return row["id"]
        return None

    def say_copies(self) -> None:
        """The assumption, and the audit record, of the records matched to another phone's copy (`copy_of`)."""
        for phones, n in sorted(self.copies_found.items()):
            self.note(
                f"{_count(n, 'message')} matched to the copy from {phones} by sender, text and time within"
                f" {int(COPY_WITHIN.total_seconds() // 60)} minutes: each is one message, found on both phones",
                "assumption",
            )
        self.changes["matched_copies"] = dict(sorted(self.copies_found.items()))

    def from_another_phone(self, mid: str) -> bool:
        """Whether the archived message `mid` was archived from another phone than this import's (the
        owner's, or this client's): its time and status are that phone's."""
        return not self.conn.execute(
            "SELECT EXISTS (SELECT 1 FROM messages m LEFT JOIN import_custodians c ON c.import_id = m.import_id"
            " WHERE m.id = ? AND c.client_id IS ?)",
            (mid, self.source.custodian_client),
        ).fetchone()[0]

    def same_on_another_phone(self, p: _Pending, mid: str, known: dict) -> bool:
        """Whether a record of the same identity as a message archived from another phone (an iMessage guid is
        the same on the sender's and the receiver's phone) differs from it only in what is each phone's
        own: the time each phone gives it (within COPY_WITHIN) and PER_PHONE_FLAGS (deleted there, failed
        to send from there). Then it is the same message: a source, never a version; the message keeps
        the first phone's time and status, as a message matched by `copy_of` does. Anything else that
        differs (its text) is what it is on the owner's phone: a new version (`changed`)."""
        if not self.from_another_phone(mid):
            return False
        row = self.conn.execute("SELECT m.sent_at, m.flags FROM messages m WHERE m.id = ?", (mid,)).fetchone()
        if abs(times.from_iso(row["sent_at"]) - times.from_iso(p.sent_at)) > COPY_WITHIN:
            return False
        flags = _flags_json(
            [f for f in json.loads(p.flags) if f not in PER_PHONE_FLAGS]
            + [f for f in json.loads(row["flags"]) if f in PER_PHONE_FLAGS]
        )
        m = p.record
        if (
            message_content_hash(
                row["sent_at"],
                m.direction,
                m.kind,
                m.handle,
                m.body,
                m.status,
                m.duration_s,
                flags,
                m.reply_to,
                p.attachments,
            )
            != known["content_hash"]
        ):
            return False
        what = ("time" if row["sent_at"] != p.sent_at else None, "flags" if flags != p.flags else None)
        what = " and ".join(w for w in what if w)
        self.per_phone[what] = self.per_phone.get(what, 0) + 1
        return True

    def say_per_phone(self) -> None:
        """The assumption of the records that differed from another phone's copy only in that phone's own facts."""
        said = {
            "time": f"the time this phone gives it (within {int(COPY_WITHIN.total_seconds() // 60)} minutes)",
            "flags": "its state on this phone (deleted or failed there)",
        }
        for what, n in sorted(self.per_phone.items()):
            self.note(
                f"{_count(n, 'message')} found on another phone as well differ{'s' if n == 1 else ''} from that copy only in "
                f"{' and '.join(said[w] for w in what.split(' and '))}: each is one message, kept as first archived",
                "assumption",
            )
        self.changes["per_phone_differences"] = dict(sorted(self.per_phone.items()))

    def keep_stored_attachments(self, p: _Pending, mid: str) -> str:
        """A later copy that lacks an attachment's file (a phone that offloaded it, a copy made
        without the attachments folder) does not take away the bytes the archive already holds:
        the stored attachment stands in for the missing one. Returns the resulting content hash."""
        if not any(a[3] is None for a in p.attachments):
            return p.content_hash
        merged = _filled_in(p.attachments, self.attachments_of(mid))
        if merged != p.attachments:
            m = p.record
            p.attachments = merged
            p.content_hash = message_content_hash(
                p.sent_at, m.direction, m.kind, m.handle, m.body, m.status, m.duration_s, p.flags, m.reply_to, merged
            )
        return p.content_hash

    def keep_owner_number(self, p: _Pending, mid: str, known_hash: str) -> str | None:
        """A reading that says a message was sent by the owner without saying from which of their
        numbers (an Android backup that names none, read without --me) does not take away the number
        an earlier import was told with --me: where that alone differs, the archived sender stands,
        and it is said. Returns the content hash with the archived sender, or None."""
        m = p.record
        if (
            not self.source.owner_numbers
            or m.direction != "out"
            or m.sender is None
            or not m.sender.is_owner
            or m.handle.startswith("+")
            or "@" in m.handle
        ):
            return None
        row = self.conn.execute(
            "SELECT p.id, p.handle FROM messages m JOIN participants p ON p.id = m.sender_id"
            " WHERE m.id = ? AND p.is_owner = 1",
            (mid,),
        ).fetchone()
        if (
            row is None
            or not row["handle"].startswith("+")
            or not any(
                normalize_handle(json.loads(options).get("me") or "", self.region) == row["handle"]
                for (options,) in self.conn.execute(
                    "SELECT i.options FROM message_sources s JOIN imports i ON i.id = s.import_id WHERE s.message_id = ?",
                    (mid,),
                )
            )
        ):
            return None
        digest = message_content_hash(
            p.sent_at,
            m.direction,
            m.kind,
            row["handle"],
            m.body,
            m.status,
            m.duration_s,
            p.flags,
            m.reply_to,
            p.attachments,
        )
        if digest == known_hash:
            self.unnamed_owners.setdefault(p.sender_id, False)
            p.sender_id, p.content_hash = row["id"], digest
            self.owner_numbers_kept[row["handle"]] = self.owner_numbers_kept.get(row["handle"], 0) + 1
        return digest

    def fill_receipts(self, p: _Pending, mid: str, known: dict, receipts: list) -> None:
        """A receipt the archive lacks (read later than the first import) is filled in; one it has is
        never changed. The precision of the time, which the source states and the content hash leaves
        out, follows the source (m008 had to infer it for messages archived before it was recorded).
        Only real fill-ins are written, in one statement per batch."""
        m = p.record
        delivered = m.delivered_at if not known.get("delivered_at") else None
        read = m.read_at if not known.get("read_at") else None
        precision = m.time_precision if m.time_precision and m.time_precision != known.get("time_precision") else None
        if precision:
            self.precision_set[known.get("time_precision")] = self.precision_set.get(known.get("time_precision"), 0) + 1
        if (delivered or read or precision) and not (self.phones and self.from_another_phone(mid)):
            # (another phone's receipts are that phone's: the message keeps those of the phone that gave it first)
            receipts.append((delivered, read, precision, mid))

    def move(self, p: _Pending, mid: str, archived_in: int) -> None:
        """A message whose id does not follow its conversation (`Message.identity_key`: an Android
        number the backup joined with its international form) that `resolve` did not bring along (an
        earlier import joined that number with another country's form) is where this source reads it:
        moved there, its sender with it, and said, with the matters each conversation is filed to."""
        self.unmoved[mid] = self.state_of(mid)  # the version `new_version` keeps says which sender it had
        self.conn.execute(
            "UPDATE messages SET conversation_id = ?, sender_id = ? WHERE id = ?", (p.conversation_id, p.sender_id, mid)
        )
        self.moved[(archived_in, p.conversation_id)] = self.moved.get((archived_in, p.conversation_id), 0) + 1
        self.touched.add(archived_in)

    def changed(self, p: _Pending, known: dict) -> bool:
        """A known message whose content differs from the archived one; False when nothing changes.

        - Its time moved: where the identity holds the time as written (`wall_clock`), this import reads
          that wall clock otherwise than the import that archived it: in another zone, with day and month
          the other way round (another date order), or otherwise (how a time as written is read). Refused
          (`refusal`), unless the import says it corrects the earlier reading: `corrects_tz` for a zone,
          `corrects_reading` for any of them. Then the earlier time is kept with the earlier version, and
          what was corrected is said and recorded (`say_corrections`).
        - It is another form of a message folded before (`fold`): the text an export showed before
          the edit, or an edited text that a later edit or deletion replaced. That text is a version
          already; only a corrected time and attachment bytes the archive lacks are taken from it.
        - Otherwise the message changed in the source: `new_version`.
        """
        m = p.record
        mid = known["id"]
        row = self.conn.execute("SELECT * FROM messages WHERE id = ?", (mid,)).fetchone()
        moved = self.wall_clock and row["sent_at"] != p.sent_at
        if moved:
            for kind in _rereading(row["sent_at"], row["source_zone"], p.sent_at, m.source_zone):
                if not (kind == "occurrence" or self.corrects_reading or (kind == "tz" and self.corrects_tz)):
                    raise TextfileError(self.refusal(kind, row, p))
        if row["body"] != m.body and (
            mid != p.id
            or self.conn.execute("SELECT 1 FROM message_aliases WHERE message_id = ?", (mid,)).fetchone() is not None
        ):
            return self.other_form(p, row, moved)
        self.new_version(p, mid, moved)
        return True

    def refusal(self, kind: str, row, p: _Pending) -> str:
        """Why a known message cannot move to this import's reading of its time as written (`changed`), and the ways out."""
        m = p.record
        old, new = row["source_zone"], m.source_zone
        was, now = _wall(row["sent_at"], old, row["time_precision"]), _wall(p.sent_at, new, m.time_precision)
        if kind == "tz":
            return (
                f"{m.source_ref}: archived as read in {old} ({was}); read in {new} it would move to {now}, and so would every message"
                f" read that way. Pass --tz {old} to read this export as before, or --corrects-tz if {new} corrects the earlier reading"
            )
        if kind == "date_order" and self.date_order in OTHER_ORDER:
            order, earlier = self.date_order, OTHER_ORDER[self.date_order]
            return (
                f"{m.source_ref}: archived with its date read as {DATE_ORDERS[earlier]} ({was}); read as {DATE_ORDERS[order]} it would"
                f" move to {now}, and so would every message read that way. Pass --date-order {earlier} to read this export as before,"
                f" or --corrects-reading if {DATE_ORDERS[order]} corrects the earlier reading"
            )
        return (
            f"{m.source_ref}: archived as {was} (read in {old}); this import reads the same time as written as {now}, and so would it"
            " read every message written that way. Pass --corrects-reading if this reading corrects the earlier one"
        )

    def count_reread(self, sent_at: str, zone: str, new_sent_at: str, new_zone: str) -> None:
        """A message this import moved from one reading of its time as written to another (`changed`)."""
        kinds = _rereading(sent_at, zone, new_sent_at, new_zone)
        for kind in kinds:
            earlier = OTHER_ORDER.get(self.date_order or "", "another order") if kind == "date_order" else zone
            counts = self.reread.setdefault(kind, {})
            counts[earlier] = counts.get(earlier, 0) + 1
        self.earlier_readings.add((zone, "date_order" in kinds))

    def say_corrections(self) -> None:
        """The notices, the audit record and the import's options of what a correcting import corrected:
        each kind of reading, from which earlier reading, to which, how many messages. A flag given that
        corrected nothing is said, and not recorded: nothing may claim a correction the archive cannot show."""
        zone, order = self.result.zone, self.date_order
        flag = "--corrects-tz" if self.corrects_tz else "--corrects-reading"
        corrected = {}
        for kind, counts in sorted(self.reread.items()):
            counts = dict(sorted(counts.items()))
            if kind == "occurrence":  # the export's own evidence, not a person's correction (see `_rereading`)
                n = sum(counts.values())
                self.note(
                    f"{_count(n, 'message')} of an hour the clocks repeated in {', '.join(counts)} now read as the other of its two"
                    " occurrences, as the export's line order shows (see the assumption): each keeps its earlier time as a version"
                )
                self.changes["occurrence_reread"] = {"from": counts}
                continue
            for earlier, n in counts.items():
                if kind == "tz":
                    self.note(
                        f"{_count(n, 'message')} archived as read in {earlier} now read in {zone} ({flag}): each keeps its earlier"
                        " time as a version"
                    )
                elif kind == "date_order":
                    self.note(
                        f"{_count(n, 'message')} archived with dates read as {DATE_ORDERS.get(earlier, earlier)} now read as"
                        f" {DATE_ORDERS.get(order, order)} (--corrects-reading): each keeps its earlier time as a version"
                    )
                else:
                    self.note(
                        f"{_count(n, 'message')} archived at another reading of their time as written in {earlier} now read as this"
                        " import reads it (--corrects-reading): each keeps its earlier time as a version"
                    )
            corrected[kind] = {"from": counts} | (
                {"to": zone} if kind == "tz" else {"to": order} if kind == "date_order" else {}
            )
            self.changes[f"{kind}_corrected"] = corrected[kind]
        if corrected:
            self.options["corrected"] = corrected
        if self.corrects_tz and "tz" not in self.reread:
            self.note(f"--corrects-tz: no archived message was read in another zone than {zone}; nothing was corrected")
            self.options.pop("corrects_tz", None)
        if self.corrects_reading and not set(self.reread) - {"occurrence"}:
            self.note("--corrects-reading: no archived message was read otherwise; nothing was corrected")
            self.options.pop("corrects_reading", None)

    def new_version(self, p: _Pending, mid: str, moved: bool) -> None:
        """Same message, different content: keep the old state as a version, then update."""
        c = self.conn
        import_id = self.result.import_id
        old = c.execute(
            "SELECT body, sent_at, source_zone, content_hash, sender_id FROM messages WHERE id = ?", (mid,)
        ).fetchone()
        if old["sender_id"] not in (None, p.sender_id):
            if p.conversation_id in self.rejoined or p.record.conversation.other_keys:
                self.replaced.add(old["sender_id"])
            elif p.record.sender is not None and p.record.sender.is_owner:
                self.unnamed_owners[old["sender_id"]] = True
        before = self.unmoved.pop(mid, None) or self.state_of(mid)
        m = p.record
        after = {
            "sender": m.handle,
            "direction": m.direction,
            "kind": m.kind,
            "status": m.status,
            "duration_s": m.duration_s,
            "flags": p.flags,
            "reply_to": m.reply_to,
            "attachments": _listed(p.attachments),
        }
        stored = {
            (r["body"], r["at"])
            for r in c.execute("SELECT body, at FROM message_versions WHERE message_id = ?", (mid,))
        }
        number = c.execute(
            "SELECT coalesce(max(version), 0) FROM message_versions WHERE message_id = ?", (mid,)
        ).fetchone()[0]
        for body, at in p.record.versions:
            if (body, at) not in stored:
                number += 1
                c.execute(
                    "INSERT INTO message_versions (message_id, version, body, at, origin, content_hash, import_id)"
                    " VALUES (?, ?, ?, ?, 'edit_history', NULL, ?)",
                    (mid, number, body, at, import_id),
                )
                stored.add((body, at))
        number += 1
        self.keep_version(mid, number, old, "reimport", p.sent_at, _earlier(before, after))
        c.execute(
            "UPDATE messages SET sender_id = ?, direction = ?, kind = ?, sent_at = ?, source_zone = ?, body = ?, status = ?,"
            " delivered_at = coalesce(?, delivered_at), read_at = coalesce(?, read_at), duration_s = ?, flags = ?,"
            " reply_to = ?, version = ?, content_hash = ?, time_precision = coalesce(?, time_precision) WHERE id = ?",
            (
                p.sender_id,
                m.direction,
                m.kind,
                p.sent_at,
                m.source_zone,
                m.body,
                m.status,
                m.delivered_at,
                m.read_at,
                m.duration_s,
                p.flags,
                m.reply_to,
                number + 1,
                p.content_hash,
                m.time_precision,
                mid,
            ),
        )
        self.set_attachments(mid, p.attachments)
        self.result.updated += 1
        if moved:
            self.count_reread(old["sent_at"], old["source_zone"], p.sent_at, m.source_zone)
        elif _without_invisible(m.body) == _without_invisible(old["body"]) and (m.body or "") != (old["body"] or ""):
            self.invisible_kept.append(m.source_ref or p.id[:12])  # (said once, `consume`)
        else:
            self.note(f"{m.source_ref or p.id[:12]}: changed since it was archived; the earlier version is kept")

    def other_form(self, p: _Pending, row, moved: bool) -> bool:
        """See `changed`: what another form of a folded message still brings."""
        m = p.record
        stored = self.attachments_of(row["id"])
        attachments = _filled_in(stored, p.attachments, add=True)
        changes = {}
        if moved:
            changes = {
                "sent_at": p.sent_at,
                "source_zone": m.source_zone,
                "flags": _retimed_flags(row["flags"], m.flags),
            }
        if not changes and attachments == stored:
            return False
        self.restate(row, changes, attachments, "reimport")
        self.result.updated += 1
        if moved:
            self.count_reread(row["sent_at"], row["source_zone"], p.sent_at, m.source_zone)
        else:
            self.note(
                f"{m.source_ref}: an earlier form of a message edited since brought attachment bytes the archive lacked;"
                " the earlier version is kept"
            )
        return True

    def keep_version(self, mid: str, number: int, old, origin: str, sent_at: str, earlier: str | None) -> None:
        """`old` (a message's state: body, sent_at, source_zone, content_hash) as version `number`
        of message `mid`; with its time, when the state that follows it (at `sent_at`) moved it, and
        `earlier`, what else of it that state changed (`_earlier`)."""
        moved = old["sent_at"] != sent_at
        self.conn.execute(
            "INSERT INTO message_versions (message_id, version, body, at, origin, content_hash, import_id, sent_at, source_zone, earlier)"
            " VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?, ?)",
            (
                mid,
                number,
                old["body"],
                origin,
                old["content_hash"],
                self.result.import_id,
                old["sent_at"] if moved else None,
                old["source_zone"] if moved else None,
                earlier,
            ),
        )

    def state_of(self, mid: str) -> dict:
        """A stored message's SHOWN values (the sender as its handle, attachments as `_listed`)."""
        row = self.conn.execute(
            "SELECT p.handle AS sender, m.direction, m.kind, m.status, m.duration_s, m.flags, m.reply_to FROM messages m"
            " LEFT JOIN participants p ON p.id = m.sender_id WHERE m.id = ?",
            (mid,),
        ).fetchone()
        return dict(row) | {"attachments": _listed(self.attachments_of(mid))}

    def restate(self, row, changes: dict, attachments: list[tuple], origin: str) -> None:
        """Keep a message's current state (`row`) as its next version, then give it `changes` (values
        of the STATE columns) and `attachments`, with the content hash recomputed from them."""
        mid = row["id"]
        state = {k: row[k] for k in STATE} | changes
        number = (
            self.conn.execute(
                "SELECT coalesce(max(version), 0) FROM message_versions WHERE message_id = ?", (mid,)
            ).fetchone()[0]
            + 1
        )
        before = self.state_of(mid)
        after = before | {k: state[k] for k in SHOWN if k in state} | {"attachments": _listed(attachments)}
        self.keep_version(mid, number, row, origin, state["sent_at"], _earlier(before, after))
        self.conn.execute(
            f"UPDATE messages SET {', '.join(f'{k} = ?' for k in STATE)}, version = ?, content_hash = ? WHERE id = ?",
            (*state.values(), number + 1, self.content_hash_of(row, state, attachments), mid),
        )
        self.set_attachments(mid, attachments)

    def content_hash_of(self, row, state: dict, attachments: list[tuple]) -> str:
        """`message_content_hash` of message `row` with `state` and `attachments` (stored values, as `verify` reads them)."""
        handle = (
            None
            if row["sender_id"] is None
            else self.conn.execute("SELECT handle FROM participants WHERE id = ?", (row["sender_id"],)).fetchone()[0]
        )
        return message_content_hash(
            state["sent_at"],
            row["direction"],
            state["kind"],
            handle,
            state["body"],
            state["status"],
            state["duration_s"],
            state["flags"],
            state["reply_to"],
            attachments,
        )

    def attachments_of(self, mid: str) -> list[tuple]:
        return [
            tuple(r)
            for r in self.conn.execute(
                "SELECT position, file_name, mime, blob_sha256, missing_reason FROM message_attachments WHERE message_id = ? ORDER BY position",
                (mid,),
            )
        ]

    def set_attachments(self, mid: str, attachments) -> None:
        self.conn.execute("DELETE FROM message_attachments WHERE message_id = ?", (mid,))
        self.conn.executemany(
            "INSERT INTO message_attachments (message_id, position, file_name, mime, blob_sha256, missing_reason)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [(mid, *a) for a in attachments],
        )

    # -- edits and deletions between exports (formats whose identity holds the text) -------

    def find_pairs(self, new_rows: list[tuple]) -> None:
        """For the messages a batch added to a conversation that was archived before: the archived
        messages of the same sender at the same instant, where one of the two is flagged edited or
        deleted (and not both deleted). `fold` decides at the end of the import, when it is known
        which archived messages this export does not hold."""
        at_time: dict[tuple[int, str], list[tuple]] = {}
        for r in new_rows:  # (id, conversation_id, sender_id, direction, kind, sent_at, source_zone, …, flags at 13, …)
            if r[1] not in self.created and r[3] != "system" and r[4] == "message":
                at_time.setdefault((r[1], r[5]), []).append(r)
                if self.corrects_tz or self.corrects_reading:
                    self.added_here.append(((r[0], r[2], r[3], r[4], r[13]), r[1], r[5], r[6]))
        by_conversation: dict[int, list[str]] = {}
        for conv_id, sent_at in at_time:
            by_conversation.setdefault(conv_id, []).append(sent_at)
        for conv_id, instants in by_conversation.items():
            for start in range(0, len(instants), 900):
                chunk = instants[start : start + 900]
                for o in self.conn.execute(
                    "SELECT id, sender_id, direction, kind, flags, sent_at, source_zone FROM messages"
                    f" WHERE conversation_id = ? AND sent_at IN ({','.join('?' * len(chunk))}) AND import_id <> ?",
                    [conv_id, *chunk, self.result.import_id],
                ):
                    for r in at_time[(conv_id, o[5])]:
                        if r[6] == o[6]:
                            self.pair((r[0], r[2], r[3], r[4], r[13]), o[:5])

    def find_pairs_at_earlier_readings(self) -> None:
        """An import that corrects an earlier reading (its zone, its date order: `changed`) moves only
        the messages it holds: an archived message it does not hold, the one an edit replaced, is
        still at its earlier reading. The time as written of what this import added is looked for there too."""
        for zone_name, swapped in self.earlier_readings:
            earlier = times.zone(zone_name)
            for n, conv_id, sent_at, zone in self.added_here:
                if zone == earlier.key and not swapped:
                    continue  # (the same reading: `find_pairs` looked)
                wall = times.from_iso(sent_at).astimezone(times.zone(zone)).replace(tzinfo=None)
                if swapped:
                    if wall.day > 12:
                        continue
                    wall = wall.replace(month=wall.day, day=wall.month)
                for o in self.conn.execute(
                    "SELECT id, sender_id, direction, kind, flags FROM messages WHERE conversation_id = ? AND sent_at = ?"
                    " AND source_zone = ? AND import_id <> ?",
                    (conv_id, times.to_iso(times.localize(wall, earlier)[0]), earlier.key, self.result.import_id),
                ):
                    self.pair(n, tuple(o))

    def pair(self, n: tuple, o: tuple) -> None:
        """An added message and an archived one at the same time as written, each (id, sender_id, direction, kind,
        flags): a pair for `fold` when they have the same sender, one is edited or deleted, and not both deleted."""
        forms = _form(n[4]), _form(o[4])
        if n[1:4] == o[1:4] and max(forms) > 0 and forms != (2, 2):
            self.pairs.append((n[0], o[0]))

    def fold(self) -> None:
        """An edit or a deletion seen between two exports of a WhatsApp chat: one message, not two.

        WhatsApp writes an edited message with its new text and "<This message was edited>", and a
        deleted one as "This message was deleted", at the time it was first sent; its identity (which
        holds the text) is therefore new. A message this import added and an archived one are two
        forms of one message when: same conversation, same sender and direction, the same time as
        written (the same instant read in the same zone; in an import that corrects the zone, also
        the same wall clock at the earlier reading), one of them flagged edited or deleted (not both
        deleted), and this export does not hold the archived one. An export holds every message
        of its chat up to when it was made, and the flagged one shows it covers that minute, so the
        archived message is missing from it because it is the one that changed.
        Only a one-to-one pair is folded; where several messages of that sender at that time could
        pair, which is which cannot be told: nothing is folded and a warning names them all.
        The later form is the message's text (deleted after edited after neither; of two edited
        forms, the one from the export whose chat runs later); the earlier form becomes a version,
        in the order the exports prove (`place`: an unedited text the first one). The archived message keeps its id; the added one becomes
        an alias of it (`message_aliases`), so that importing that export again adds nothing.
        """
        c = self.conn
        import_id = self.result.import_id
        absent: dict[str, bool] = {}
        graph: dict[tuple[str, str], list] = {}  # ("new" | "old", id) -> the other side's nodes it may pair with
        for n, o in self.pairs:
            if o not in absent:
                absent[o] = not c.execute(
                    "SELECT 1 FROM message_sources WHERE message_id = ? AND import_id = ?", (o, import_id)
                ).fetchone()
            if absent[o]:
                graph.setdefault(("new", n), []).append(("old", o))
                graph.setdefault(("old", o), []).append(("new", n))
        seen: set = set()
        for node in graph:
            if node in seen:
                continue
            group, todo = [], [node]
            while todo:
                item = todo.pop()
                if item not in seen:
                    seen.add(item)
                    group.append(item)
                    todo.extend(graph[item])
            new = [mid for side, mid in group if side == "new"]
            old = [mid for side, mid in group if side == "old"]
            if len(new) == len(old) == 1:
                self.fold_pair(new[0], old[0])
                continue
            refs = sorted(self.reference(mid, import_id) for mid in new)
            self.note(
                f"{', '.join(refs)}: the same sender at the same time as archived {', '.join(sorted(self.reference(mid) for mid in old))},"
                " edited or deleted between the exports, and which message is which cannot be told: none was taken as another"
                " form of another; each is kept as a message of its own"
            )
            self.changes["not_folded"] = self.changes.get("not_folded", 0) + len(new)

    def fold_pair(self, n: str, o: str) -> None:
        """Message `n` (added by this import) into archived message `o`, of which it is another form (`fold`)."""
        c = self.conn
        import_id = self.result.import_id
        new = c.execute("SELECT * FROM messages WHERE id = ?", (n,)).fetchone()
        old = c.execute("SELECT * FROM messages WHERE id = ?", (o,)).fetchone()
        where, earlier = self.reference(n, import_id), self.reference(o)
        new_attachments, old_attachments = self.attachments_of(n), self.attachments_of(o)
        if old["sent_at"] != new["sent_at"]:  # still at a reading this import corrects (find_pairs_at_earlier_readings)
            self.count_reread(old["sent_at"], old["source_zone"], new["sent_at"], new["source_zone"])
        if self.later(new, old):
            rule = "deleted" if _form(new["flags"]) == 2 else "edited"
            self.restate(
                old, {k: new[k] for k in STATE}, _filled_in(new_attachments, old_attachments, add=True), "export"
            )
            self.note(
                f"{where}: {rule} since {earlier}: kept as a new version of that message, not as a second message"
            )
        else:
            rule = "earlier"
            # A corrected time, or attachment bytes only the earlier form brought: the state they
            # replace is kept as a version too (a transcript made before shows it).
            retimed = (
                {
                    "sent_at": new["sent_at"],
                    "source_zone": new["source_zone"],
                    "flags": _retimed_flags(old["flags"], json.loads(new["flags"])),
                }
                if old["sent_at"] != new["sent_at"]
                else {}
            )
            attachments = _filled_in(old_attachments, new_attachments, add=True)
            if retimed or attachments != old_attachments:
                self.restate(old, retimed, attachments, "reimport")
            number = self.place(o, old["conversation_id"], _form(new["flags"]))
            self.keep_version(o, number, new, "export", new["sent_at"], _earlier(self.state_of(n), self.state_of(o)))
            c.execute("UPDATE messages SET version = version + 1 WHERE id = ?", (o,))
            self.note(
                f"{where}: the text before the message archived from {earlier} was {'deleted' if _form(old['flags']) == 2 else 'edited'}:"
                " kept as its earlier version, not as a second message"
            )
        c.execute("UPDATE message_sources SET message_id = ? WHERE message_id = ?", (o, n))
        c.execute("DELETE FROM message_attachments WHERE message_id = ?", (n,))
        c.execute("DELETE FROM message_versions WHERE message_id = ?", (n,))
        c.execute("DELETE FROM messages WHERE id = ?", (n,))
        c.execute(
            "INSERT INTO message_aliases (alias_id, message_id, import_id, rule) VALUES (?, ?, ?, ?)",
            (n, o, import_id, rule),
        )
        self.result.added -= 1
        self.result.updated += 1
        self.changes.setdefault("folded", []).append({"message": o, "alias": n, "rule": rule, "source_ref": where})

    def place(self, mid: str, conv_id: int, form: int) -> int:
        """The version number that an earlier form of message `mid` (`fold`), from this import's export, takes
        among its versions, which stay in the order the exports prove whatever order they were imported in:
        the text before any edit first; an edited text after every version from an export that ends no later
        than this one (`later`). A version that is another reading of the state after it (origin "reimport")
        goes with that state. The versions from that number on move up one."""
        c = self.conn
        number = 1
        if form > 0:
            mine = self.export_end(conv_id, [self.result.import_id])
            for v in c.execute(
                "SELECT v.version, v.origin, v.import_id, a.rule FROM message_versions v LEFT JOIN message_aliases a"
                " ON a.message_id = v.message_id AND a.import_id = v.import_id WHERE v.message_id = ? ORDER BY v.version",
                (mid,),
            ).fetchall():
                shown = self.shown_by(mid, v) if v["origin"] == "export" else None
                if shown is not None and self.export_end(conv_id, [shown]) <= mine:
                    number = v["version"] + 1
        c.execute(
            "UPDATE message_versions SET version = -version - 1 WHERE message_id = ? AND version >= ?", (mid, number)
        )
        c.execute("UPDATE message_versions SET version = -version WHERE message_id = ? AND version < 0", (mid,))
        return number

    def shown_by(self, mid: str, v) -> int | None:
        """An import whose export showed the text of version `v` (origin "export") of message `mid`: the
        import that kept it as an earlier form (alias rule "earlier"); else, for the state a later form
        replaced (rule "edited" or "deleted"), the import that had made it the message's text."""
        if v["rule"] == "earlier":
            return v["import_id"]
        if v["rule"] is None:
            return None
        made = self.conn.execute(
            "SELECT max(import_id) FROM message_aliases WHERE message_id = ? AND rule IN ('edited', 'deleted')"
            " AND import_id < ?",
            (mid, v["import_id"]),
        ).fetchone()[0]
        return (
            made
            if made is not None
            else self.conn.execute("SELECT import_id FROM messages WHERE id = ?", (mid,)).fetchone()[0]
        )

    def later(self, new, old) -> bool:
        """Is `new` (added by this import) a later form than `old`? See `fold`."""
        forms = _form(new["flags"]), _form(old["flags"])
        if forms[0] != forms[1]:
            return forms[0] > forms[1]
        conv_id = old["conversation_id"]
        theirs = [
            r[0]
            for r in self.conn.execute(
                "SELECT DISTINCT import_id FROM message_sources WHERE message_id = ?", (old["id"],)
            )
        ]
        mine, earlier = self.export_end(conv_id, [self.result.import_id]), self.export_end(conv_id, theirs)
        if mine == earlier:
            self.note(
                f"{self.reference(new['id'], self.result.import_id)}: this export and the earlier one end at the same time;"
                " its edited text was taken as the later one because it was imported later",
                kind="assumption",
            )
        return mine >= earlier

    def export_end(self, conv_id: int, import_ids: list[int]) -> str:
        """The time of the last message of a conversation that any of these imports held."""
        return self.conn.execute(
            "SELECT m.sent_at FROM messages m WHERE m.conversation_id = ? AND EXISTS (SELECT 1 FROM message_sources s"
            f" WHERE s.message_id = m.id AND s.import_id IN ({','.join('?' * len(import_ids))})) ORDER BY m.sent_at DESC LIMIT 1",
            [conv_id, *import_ids],
        ).fetchone()[0]

    def reference(self, mid: str, import_id: int | None = None) -> str:
        """Where a message is in a source: "line 12" in this import's, else "line 12 of <file> (import 3)", the latest that held it."""
        if import_id is not None:
            return self.conn.execute(
                "SELECT min(source_ref) FROM message_sources WHERE message_id = ? AND import_id = ?", (mid, import_id)
            ).fetchone()[0]
        ref, name, first = self.conn.execute(
            "SELECT s.source_ref, i.file_name, i.id FROM message_sources s JOIN imports i ON i.id = s.import_id WHERE s.message_id = ?"
            " ORDER BY s.import_id DESC, s.source_ref LIMIT 1",
            (mid,),
        ).fetchone()
        return f"{ref} of {name} (import {first})"

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
                chunk = wanted[start : start + 900]
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
            source_id = r.source_id or content_hash(
                [r.target_source_id, r.sender.handle if r.sender else None, r.kind, r.emoji, at, r.removed]
            )
            rows.append((mid, sender_id, r.kind, r.emoji, at, int(r.removed), source_id, self.result.import_id))
        self.conn.executemany(
            "INSERT OR IGNORE INTO reactions (message_id, sender_id, kind, emoji, at, removed, source_id, import_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
