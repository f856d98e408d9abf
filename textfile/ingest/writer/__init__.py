"""The writer: one source's records into the archive, inside the import's transaction.

`_Writer` is made of its parts, each in a module named for what it decides:
- batch.py: the stream of records, and `flush`, the one place messages are written, in order
- conversations.py: which conversation a record goes on (its keys), its participants
- merges.py: one thread whatever the reading (merged, moved, participants no longer named)
- versions.py: a known message that changed keeps its earlier state as a version
- corrections.py: a known message this import reads at another time (refused, or corrected)
- folds.py: an edit or a deletion between two exports, one message and not two
- copies.py: one message found on two phones
- clocks.py: one phone's message in two of its exports, written at other clocks
- owner.py: the owner's number a reading does not say
- regions.py: a number written without a country code that the archive read in another region (refused)
- attachments.py, reactions.py: bytes, files and reactions
- disposed.py: a message a disposal deleted is never archived again
- notices.py: what the import says (warnings, assumptions, skipped records)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from textfile.ingest.writer.attachments import Attachments
from textfile.ingest.writer.batch import Batches
from textfile.ingest.writer.clocks import Clocks
from textfile.ingest.writer.conversations import Conversations
from textfile.ingest.writer.copies import Copies
from textfile.ingest.writer.corrections import Corrections
from textfile.ingest.writer.disposed import Disposed
from textfile.ingest.writer.folds import Folds
from textfile.ingest.writer.merges import Merges
from textfile.ingest.writer.notices import Notices
from textfile.ingest.writer.owner import OwnerNumbers
from textfile.ingest.writer.reactions import Reactions
from textfile.ingest.writer.regions import Regions
from textfile.ingest.writer.versions import Versions

if TYPE_CHECKING:
    from textfile.ingest.transaction import ImportResult, Progress, Source


class _Writer(
    Batches,
    Conversations,
    Merges,
    Versions,
    Corrections,
    Folds,
    Copies,
    Clocks,
    OwnerNumbers,
    Regions,
    Attachments,
    Reactions,
    Disposed,
    Notices,
):
    def __init__(self, conn, result: ImportResult, source: Source):
        self.conn = conn
        self.result = result
        self.source = source
        self.region = source.region
        # the import row's options, with what a correction corrected (`say_corrections`)
        self.options = dict(source.options)
        self.date_order: str | None = None  # the order the importer read dates in (`DateOrder`)
        self.date_order_proven = False  # the source's own dates prove it (`DateOrder.proven`)
        self.changes: dict = {}  # for the audit entry: what was folded, which times were corrected
        self.init_batches()
        self.init_conversations()
        self.init_regions()
        self.init_merges()
        self.init_versions()
        self.init_corrections()
        self.init_folds()
        self.init_copies()
        self.init_clocks()
        self.init_owner_numbers()
        self.init_reactions()
        self.init_notices()
        self.init_disposed()

    def consume(self, records: Iterable, progress: Progress | None) -> None:
        """The whole stream written (`take`, `flush`); then what only the whole source shows (`conclude`)."""
        count = self.take(records, progress)
        self.flush()
        self.write_reactions()
        self.conclude()
        self.result.conversations = sorted(self.touched)
        if progress:
            progress(count)

    def conclude(self) -> None:
        """Once every record is written: the edits between exports folded, what was corrected, merged, matched
        and kept said, in this order."""
        if self.added_here and self.earlier_readings:
            self.find_pairs_at_earlier_readings()
        if self.pairs:
            self.fold()
        if self.source.corrects_tz or self.source.corrects_reading or self.reread:
            self.say_corrections()
        if self.replaced:
            self.drop_replaced()
        if self.shifted:
            self.say_shifted()
        if self.source.custodian_client is not None and self.source.wall_clock and self.source.custodian:
            self.owner_unmatched()
        if self.clock_found:
            self.say_clocks()
        if self.copies_found:
            self.say_copies()
        if self.per_phone:
            self.say_per_phone()
        if self.edited_elsewhere:
            self.say_edited_elsewhere()
        self.say_older_texts()
        self.say_attachments_filled()
        self.say_senders_read()
        self.say_owner_numbers_kept()
        self.forget_unnamed_owners()
        self.forget_unread_owner_handles()
        self.say_moved()
        self.say_invisible_kept()
        self.say_precision_set()
        self.say_disposed()
