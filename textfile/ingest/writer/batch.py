"""Batches: the stream of records, and the one place messages are written.

Messages are written in batches: for each batch one query finds which ids the archive already
holds, and `executemany` writes the rest, so a large source costs a few statements per thousand
messages rather than several per message (`flush`: what each pending message is, then its rows, in
order). Two records of one source with one id and different content are the source contradicting
itself: the first stands, the second is skipped with that reason, whichever batches they fall in (the
batch's query also says which ids an earlier batch of the source gave), so that the same source read
again changes nothing. A message's first sighting is its own row (`source_ref`, m031); only a later one
(a known message seen again, a second sighting in one source, another phone's copy) is a row of
`message_sightings`.

Which comes first, the query or the rows, is decided batch by batch (`insert_first`), from the batch
before: after a batch mostly new (a first import, the new end of an overlapping export) the next is
inserted first, each row skipped where its id is archived already (`ON CONFLICT (id) DO NOTHING`, never
`INSERT OR IGNORE`, which would also skip a row that breaks a CHECK), and only the ids that did not go
in are looked up (`inserted_first`); after a batch mostly known (a source the archive holds), the next
is looked up first, as above. An import's first batch is inserted first: when the archive holds it, that
costs one statement that writes nothing. The rows, and everything else the batch writes, are the same
either way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from textfile import audit
from textfile.errors import ImportFailed
from textfile.fingerprint import message_content_hash
from textfile.ingest.prepare import Prepared, StoredAttachment, prepare
from textfile.ingest.writer.attachments import INSERT_ATTACHMENT
from textfile.ingest.writer.copies import COPY_RULE
from textfile.ingest.writer.notices import _count
from textfile.ingest.writer.versions import INSERT_VERSION, _edit_history
from textfile.model import (
    CLOCK_RULE,
    ChatFile,
    ChatFilesNamed,
    DateOrder,
    Message,
    Notice,
    NumbersWritten,
    Reaction,
    Skipped,
    Zone,
)
from textfile.sqlparams import chunks, marks

if TYPE_CHECKING:
    from textfile.ingest.transaction import Progress

BATCH = 2000
INSERT_MESSAGE = (
    "INSERT INTO messages (id, conversation_id, sender_id, direction, kind, sent_at, source_zone, body, service,"
    " status, delivered_at, read_at, duration_s, flags, source_id, reply_to, version, content_hash, import_id, time_precision,"
    " source_ref) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
# The same, when a batch is inserted before it is looked up (`inserted_first`): an archived id is not written.
INSERT_NEW_MESSAGE = INSERT_MESSAGE + " ON CONFLICT (id) DO NOTHING"
FOLD_RULES = ("edited", "deleted", "earlier")  # `message_aliases.rule` of an edit folded between two exports (folds.py)
# A sighting other than a message's first (the first is its row's `import_id` and `source_ref`: m031).
INSERT_SIGHTING = "INSERT OR IGNORE INTO message_sightings (message_id, import_id, source_ref) VALUES (?, ?, ?)"


@dataclass(slots=True)
class _Pending:
    """A prepared message in the batch, with its archive ids; `keep_stored_attachments` may change
    its attachments and content hash."""

    record: Prepared  # without its blobs (stored on arrival)
    conversation_id: int
    sender_id: int | None
    content_hash: str
    attachments: list[StoredAttachment]

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def sent_at(self) -> str:
        return self.record.sent_at

    @property
    def flags(self) -> str:
        return self.record.flags

    def content_hash_with(
        self, *, sent_at: str | None = None, handle: str | None = None, flags: str | None = None
    ) -> str:
        """Its content hash (`message_content_hash`) with another time, sender or flags than its own."""
        m = self.record
        return message_content_hash(
            sent_at or self.sent_at,
            m.direction,
            m.kind,
            handle or m.handle,
            m.body,
            m.status,
            m.duration_s,
            flags or self.flags,
            m.reply_to,
            self.attachments,
        )


class Known(NamedTuple):
    """The archived message a pending id names (`Batches.existing`)."""

    id: str  # the message's own (an alias or another phone's copy names another)
    content_hash: str
    version: int
    delivered_at: str | None
    read_at: str | None
    conversation_id: int
    time_precision: str | None
    given: bool  # this import held it before this batch (it added the message, or a sighting of it)
    ref: str | None  # where this import holds it first, when this import added it (its row's `source_ref`)
    rule: str | None = None  # how an alias is the message (`message_aliases.rule`, COPY_RULE); None: itself


@dataclass(slots=True)
class Batch:
    """What `flush` found a batch to be, as the rows it writes (in the order it writes them)."""

    added: list[_Pending] = field(default_factory=list)  # new messages
    messages: list[tuple] = field(default_factory=list)  # their INSERT_MESSAGE rows
    attachments: list[tuple] = field(default_factory=list)
    versions: list[tuple] = field(default_factory=list)  # their edit history
    sources: list[tuple] = field(default_factory=list)  # later sightings: this source holds a message again
    copies: list[tuple] = field(default_factory=list)  # another phone's copies: matched (`copy_of`), or its time there
    receipts: list[tuple] = field(default_factory=list)  # receipts filled in (`fill_receipts`)
    aliases: list[tuple] = field(default_factory=list)  # this phone's message read at another clock (`clock_twins`)
    already: int = 0  # already present


class Batches:
    def init_batches(self) -> None:
        self.pending: list[_Pending] = []
        self.has_aliases = self.conn.execute("SELECT EXISTS (SELECT 1 FROM message_aliases)").fetchone()[0]
        # the precision a known message had -> how many now have the source's (`fill_receipts`)
        self.precision_set: dict[str | None, int] = {}
        # the next batch is inserted before it is looked up (`inserted_first`): the first, and any after a batch mostly new
        self.insert_first = True

    def take(self, records: Iterable, progress: Progress | None) -> int:
        """Each record of the stream to where it goes; returns how many there were."""
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
            elif isinstance(record, ChatFilesNamed):
                self.chat_files_named(record)
            elif isinstance(record, Zone):
                self.result.zone = record.name
            elif isinstance(record, DateOrder):
                self.date_order, self.date_order_proven = record.order, record.proven
            elif isinstance(record, NumbersWritten):
                self.numbers_written(record.readings)
            else:
                raise TypeError(f"importer yielded {type(record).__name__}, not a record")
            count += 1
            if progress and count % 1000 == 0:
                progress(count)
        return count

    def accept(self, p: Prepared) -> None:
        if self.disposed and self.is_disposed(p):  # (disposed.py: before a conversation is made for it)
            return
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

    def flush(self) -> None:
        """The pending batch: what each message is (`sort_out`), then its rows written, in order (`write`)."""
        if not self.pending:
            return
        pending, self.pending = self.pending, []
        first = self.inserted_first(pending) if self.insert_first else None
        batch = self.sort_out(pending) if first is None else first[0]
        self.result.added += len(batch.added)
        self.result.already_present += batch.already
        self.write(batch, None if first is None else first[1])
        self.insert_first = 2 * len(batch.added) > len(pending)  # (mostly new: the next one is likely to be too)
        if self.reactions:
            self.write_reactions(final=False)
        if self.source.fold_edits and batch.added:
            self.find_pairs(batch.added)

    def inserted_first(self, pending: list[_Pending]) -> tuple[Batch, int] | None:
        """A batch inserted before it is looked up, with the largest rowid before it (`write` then writes the
        rest); None, with nothing written, where only a look-up can tell what a message is: another phone's
        copies to match (an import where the archive holds a client's phone), an id that is an alias of an
        archived message (`existing`: an edit folded into it, in a conversation archived before), one id
        twice in the batch.

        Every row goes in unless its id is archived (an earlier import, an earlier batch of this one). When
        they all did, none of them is known: the batch is what `sort_out` finds for it, without its query.
        When some did not, `sort_out` is given those alone, looked up, and says what each pending message
        is, in order, as it would have: the rows it adds are the ones that went in."""
        if (
            self.copies
            or (self.has_aliases and self.aliased(p.id for p in pending if p.conversation_id not in self.created))
            or (self.source.wall_clock and any(self.at_other_clocks(p) for p in pending))
        ):
            return None
        if len({p.id for p in pending}) < len(pending):
            return None
        c = self.conn
        last_rowid = c.execute("SELECT coalesce(max(rowid), 0) FROM messages").fetchone()[0]
        batch = Batch()
        for p in pending:
            self.add(p, batch)
        if c.executemany(INSERT_NEW_MESSAGE, batch.messages).rowcount == len(batch.messages):
            if self.source.wall_clock:  # (as `sort_out` would: none is known)
                self.none_known_here(pending, {}, {})
                if self.unmatched:
                    self.shifted_twins()
            return batch, last_rowid
        went_in = [mid for (mid,) in c.execute("SELECT id FROM messages WHERE rowid > ? ORDER BY rowid", (last_rowid,))]
        new = set(went_in)
        batch = self.sort_out(pending, self.existing([p for p in pending if p.id not in new]))
        if [row[0] for row in batch.messages] != went_in:
            raise ImportFailed(
                self.source.path,
                "internal error: a batch inserted first is not what its look-up finds; nothing was imported",
            )
        return batch, last_rowid

    def sort_out(self, pending: list[_Pending], existing: dict[str, Known] | None = None) -> Batch:
        """Each pending message: new (`add`), another phone's copy of an archived one (`copy_of`), the source
        contradicting itself (skipped), or known (`settle`). `existing`: what the archive holds of them, when
        asked already (`inserted_first`)."""
        if existing is None:
            existing = self.existing(pending)
        # a record of this phone's message as an earlier export of it wrote it at another clock (`clock_twins`)
        clocked = self.clock_twins(pending, existing) if self.source.wall_clock else {}
        if self.source.wall_clock:
            self.none_known_here(pending, existing, clocked)
        # id -> the content hash this source gave it first: what this batch writes (new or updated) or
        # found already present; for an id an earlier batch of this source gave, what the archive holds
        # now. A later record of the same id with other content is the source contradicting itself
        # (skipped), not an edit: the same source read again then changes nothing.
        written: dict[str, str] = {known.id: known.content_hash for known in existing.values() if known.given}
        # id -> where this source holds the message it added first (its row's source_ref): a record at the
        # same place is that sighting again, not another one
        firsts: dict[str, str] = {known.id: known.ref for known in existing.values() if known.ref is not None}
        import_id = self.result.import_id
        batch = Batch()
        for p in pending:
            known = existing.get(p.id)
            if known is None and p.id in clocked:
                known = clocked[p.id]
                batch.aliases.append((p.id, known.id, import_id, known.rule))
            if known is not None and (
                known.rule == CLOCK_RULE  # (its time as first archived: `clock_twins`)
                # (an edit folded in at another precision of its time: `find_pairs_at_other_precisions`)
                or (known.rule in FOLD_RULES and known.time_precision != p.record.time_precision)
            ):
                p = self.as_archived(p, known)
            copy = None
            if (
                known is None
                and self.copies
                and (p.record.sender is not None or p.record.direction == "system")
                and (self.copies is True or p.record.service in self.copies)
            ):
                copy = self.copy_ids.get(p.id) or self.copy_of(p)
            mid = copy or (p.id if known is None else known.id)  # (an alias's message, see `fold`)
            if known is None and copy is None and mid not in written:
                firsts[mid] = p.record.source_ref  # new: its row holds this first sighting (`add`)
            elif firsts.get(mid) != p.record.source_ref:
                batch.sources.append((mid, import_id, p.record.source_ref))
            if (
                copy is not None
                or (known is not None and known.rule == COPY_RULE)
                # (this phone's copy of another phone's message, at another clock: as the copy it was, `clock_twins`)
                or (known is not None and known.rule == CLOCK_RULE and self.phones and self.from_another_phone(mid))
            ):
                # Another phone's copy of an archived message (`copy_of`): one message, found on both phones;
                # what differs between the copies (the time each phone gives it, its status there) is per phone.
                batch.already += 1
                if copy is not None and p.id not in self.copy_ids:
                    self.copy_ids[p.id] = copy
                    self.copies_taken.add(copy)
                    self.copies_precision.add(p.record.time_precision)
                    batch.copies.append((p.id, copy, import_id, p.record.source_ref, p.sent_at))
                continue
            mine = written.get(mid)
            if mine is not None:
                if mine == p.content_hash:
                    batch.already += 1
                else:
                    # The same id twice in one source with different content: the source contradicts
                    # itself. Keep the first, record the second as skipped so nothing is silent.
                    self.skip("same message identity twice in this source with different content", p.record.source_ref)
                continue
            if known is not None and known.conversation_id != p.conversation_id:
                self.move(p, mid, known.conversation_id)
            if known is None:
                written[p.id] = p.content_hash
                self.add(p, batch)
            else:
                written[mid] = self.settle(p, mid, known, batch)
        if self.unmatched:
            self.shifted_twins()
        return batch

    def add(self, p: _Pending, batch: Batch) -> None:
        """A new message: its row, its attachments, its own edit history."""
        m = p.record
        import_id = self.result.import_id
        batch.added.append(p)
        batch.messages.append(
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
                m.source_ref,
            )
        )
        if p.attachments:
            batch.attachments.extend((p.id, *a) for a in p.attachments)
        if m.versions:
            batch.versions.extend(
                _edit_history(p.id, n, body, at, import_id) for n, (body, at) in enumerate(m.versions, 1)
            )

    def settle(self, p: _Pending, mid: str, known: Known, batch: Batch) -> str:
        """A known message seen again: present as archived (with the attachment bytes and the owner's number
        the archive holds, receipts it lacked filled in), the same message as another phone's, or changed
        (`changed`). Returns its content hash as archived now."""
        if (
            known.content_hash == p.content_hash
            or self.keep_stored_attachments(p, mid) == known.content_hash
            or self.keep_owner_number(p, mid, known.content_hash) == known.content_hash
        ):
            batch.already += 1
            self.fill_receipts(p, mid, known, batch.receipts)
            return known.content_hash
        elsewhere = self.phones and self.from_another_phone(mid)
        if elsewhere:
            edit = self.on_another_phone(p, mid, known, batch.copies)
            if edit is None:  # (the same message as first archived: what differs is that phone's own)
                batch.already += 1
                return known.content_hash
            p = edit
        if self.changed(p, known):
            self.edited_elsewhere += bool(elsewhere)
            return p.content_hash
        batch.already += 1
        return known.content_hash

    def write(self, batch: Batch, inserted_after: int | None = None) -> None:
        """A batch's rows, in order: new messages (in source order: the rowid breaks ties between equal
        timestamps, each with its first sighting), their terms in the import's digest, the full-text index,
        attachments, edit history; then the later sightings, another phone's copies, receipts filled in.
        `inserted_after`: the messages are in already, after that rowid (`inserted_first`)."""
        c = self.conn
        import_id = self.result.import_id
        last_rowid = inserted_after
        if last_rowid is None:
            last_rowid = c.execute("SELECT coalesce(max(rowid), 0) FROM messages").fetchone()[0]
            c.executemany(INSERT_MESSAGE, batch.messages)
        audit.count_new_messages(
            c, ((import_id, p.id, p.content_hash) for p in batch.added)
        )  # (textfile/audit/imports.py)
        audit.count_new_sightings(
            c, ((p.id, import_id, p.record.source_ref) for p in batch.added)
        )  # (their first sightings: textfile/audit/custody.py)
        if batch.messages:  # the full-text index, in bulk (see migration m004)
            c.execute(
                "INSERT INTO messages_fts (rowid, body) SELECT rowid, body FROM messages WHERE rowid > ?", (last_rowid,)
            )
        if batch.attachments:
            c.executemany(INSERT_ATTACHMENT, batch.attachments)
        if batch.versions:
            c.executemany(INSERT_VERSION, batch.versions)
        if batch.sources:
            before = c.total_changes
            c.executemany(INSERT_SIGHTING, batch.sources)
            audit.count_new_sightings(c, batch.sources, c.total_changes - before)  # (OR IGNORE: how many went in)
        if batch.copies:
            c.executemany(
                "INSERT INTO phone_copies (alias_id, message_id, import_id, source_ref, sent_at) VALUES (?, ?, ?, ?, ?)",
                batch.copies,
            )
        if batch.aliases:
            c.executemany(
                "INSERT INTO message_aliases (alias_id, message_id, import_id, rule) VALUES (?, ?, ?, ?)", batch.aliases
            )
            self.has_aliases = True
        if batch.receipts:
            c.executemany(
                "UPDATE messages SET delivered_at = coalesce(delivered_at, ?), read_at = coalesce(read_at, ?),"
                " time_precision = coalesce(?, time_precision) WHERE id = ?",
                batch.receipts,
            )

    def existing(self, pending: list[_Pending]) -> dict[str, Known]:
        """The archived message of each pending id the archive knows, as itself, as an alias of
        another message (`fold`) or as another phone's copy of one (`copy_of`), none of them in a
        conversation this import created; `Known.id` is the message's own."""
        found: dict[str, Known] = {}
        self.look_up(found, "SELECT m.id, m.id, {} FROM messages m WHERE m.id IN ({})", {p.id for p in pending})
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

    def aliased(self, ids: Iterable[str]) -> bool:
        """Whether one of `ids` is an alias of an archived message (`message_aliases`: the ids of the edits
        folded, a small table)."""
        return any(
            self.conn.execute(
                f"SELECT 1 FROM message_aliases WHERE alias_id IN ({marks(chunk)}) LIMIT 1", chunk
            ).fetchone()
            for chunk in chunks(list(ids))
        )

    def look_up(self, found: dict[str, Known], sql: str, ids: set[str]) -> None:
        """`found` given the archived message `m` of each of `ids` that `sql` finds (the id it was asked for,
        then `Known`): whether this import holds it already (it added it, or a sighting of it) is asked in
        the same query, ?1 being this import."""
        for chunk in chunks(list(ids)):
            for asked, *known in self.conn.execute(
                sql.format(
                    "m.content_hash, m.version, m.delivered_at, m.read_at, m.conversation_id, m.time_precision,"
                    " m.import_id = ?1 OR EXISTS (SELECT 1 FROM message_sightings s WHERE s.message_id = m.id"
                    " AND s.import_id = ?1), CASE WHEN m.import_id = ?1 THEN m.source_ref END",
                    marks(chunk),
                ),
                [self.result.import_id, *chunk],
            ):
                found[asked] = Known(*known)

    def fill_receipts(self, p: _Pending, mid: str, known: Known, receipts: list) -> None:
        """A receipt the archive lacks (read later than the first import) is filled in; one it has is
        never changed. The precision of the time, which the source states and the content hash leaves
        out, follows the source (m008 had to infer it for messages archived before it was recorded).
        Only real fill-ins are written, in one statement per batch."""
        m = p.record
        delivered = m.delivered_at if not known.delivered_at else None
        read = m.read_at if not known.read_at else None
        # (the precision of a message found by another identity, an edit folded into it or another clock's reading, is
        # the reading's that gave it: another export's precision is not its own; round 22 #7)
        precision = (
            m.time_precision
            if m.time_precision and m.time_precision != known.time_precision and known.rule is None
            else None
        )
        if not (delivered or read or precision) or (self.phones and self.from_another_phone(mid)):
            return  # (another phone's receipts and precision are that phone's: the message keeps the first phone's)
        if precision:  # (counted where written: `say_precision_set` says these now print at this export's)
            self.precision_set[known.time_precision] = self.precision_set.get(known.time_precision, 0) + 1
        receipts.append((delivered, read, precision, mid))

    def say_precision_set(self) -> None:
        """The notice, and the audit record, of the known messages whose time's precision now follows the source."""
        if self.precision_set:
            was = ", ".join(f"{k or 'none'}: {n:,}" for k, n in sorted(self.precision_set.items(), key=str))
            self.note(
                f"{_count(sum(self.precision_set.values()), 'message')} archived with another precision of its time ({was})"
                " now print at the precision this export writes its times in"
            )
            self.changes["time_precision_set"] = {str(k): n for k, n in self.precision_set.items()}
