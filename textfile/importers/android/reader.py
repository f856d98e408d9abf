"""One backup's reading: the parts that decide (its dates, its numbers, its owner, its conversations,
a client's phone's frame), shared by the readers of its records (sms.py, mms.py, calls.py), and
the notices said so far."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from textfile.importers.android.conversations import _Conversations, _Thread
from textfile.importers.android.custodian import _Frame
from textfile.importers.android.dates import _Dates
from textfile.importers.android.numbers import _Numbers
from textfile.importers.android.owner import _Owner
from textfile.importers.android.sms import _Box
from textfile.model import ImportOptions, Notice, NumbersWritten


class _Reader:
    """The reading of one backup: what its records' readers share, and what they found to say."""

    def __init__(self, path: Path, options: ImportOptions, root: str = "smses"):
        self.dates = _Dates()
        self.numbers = _Numbers(path, options, root)
        self.owner = _Owner(path, options, root)
        self.conversations = _Conversations(self.numbers, self.owner)
        self.frame = _Frame(options, self.owner.handle)
        self.notices: list[Notice] = self.owner.said()  # said before the records, or after the record they are about
        self.sms_types: dict[str | None, _Box] = {}  # what each <sms type="…"> says, per spelling (sms._sms_type)
        self.sms_threads: dict[tuple, _Thread] = {}  # per (address, contact_name) as written (sms._sms_thread)

    def said(self) -> list[Notice]:
        """The notices gathered so far, handed over once."""
        notices, self.notices = self.notices, []
        return notices

    def notices_after(self, read_any: bool) -> Iterator[Notice | NumbersWritten]:
        """What is said once the backup is read: the numbers written without a country code as read (which the
        writer checks against the archive's readings), the numbers kept as written or joined, the dates read as
        seconds, the number this phone was taken to have."""
        if self.numbers.no_code:
            yield self.numbers.written()
        yield from self.numbers.notices()
        yield from self.dates.notices()
        yield from self.owner.notices_after(read_any)
