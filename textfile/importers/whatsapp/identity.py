"""A message's identity: the time, the sender and the text as written, and the occurrence of them.

Decisions:
- Identity (DESIGN.md): the time as written (its components in written order, the year made
  Gregorian, the hour made 24-hour), the sender as written (marks and odd spaces removed, but not
  made E.164, which would change with phone-number metadata), the text with WhatsApp's
  invisible marks removed and media placeholders reduced to one token (so an export with media and
  one without give the same identities), and the occurrence of that tuple within the export.
  The body keeps those marks as written (`_interpret`): they are evidence, and can reverse what a
  phone displays. Versions before kept none; their identities are the same.
  An edit or a deletion between two exports therefore changes a message's identity: ingest folds
  the new form into the archived message (`EDITS_CHANGE_IDENTITY`, `ingest._Writer.fold`).
- The occurrence is counted in flat memory, however long the chat (`_Occurrences`): among the
  messages of one time when the survey found the file in time order, else by 64-bit digest.
"""

from __future__ import annotations

import hashlib
from array import array

from textfile.errors import ImportFailed

RUN_KEYS = 1000  # whole keys kept for the messages of one time (see _Occurrences)


class _Digests:
    """A set of 64-bit digests at 16 bytes each (a set of ints costs ~70): open addressing."""

    def __init__(self, bits: int = 12) -> None:
        self.mask = (1 << bits) - 1
        self.table = array("Q", bytes(8 * (self.mask + 1)))
        self.size = 0

    def clear(self) -> None:
        """Empty again, at a small size (the digests of one time are few)."""
        if self.size:
            self.__init__(4)

    def add(self, digest: int) -> bool:
        """True if the digest is new."""
        digest |= 1  # 0 marks a free slot
        table, mask = self.table, self.mask
        i = digest & mask
        while True:
            value = table[i]
            if value == 0:
                table[i] = digest
                self.size += 1
                if self.size * 2 > mask:
                    self._grow()
                return True
            if value == digest:
                return False
            i = (i + 1) & mask

    def _grow(self) -> None:
        old = self.table
        self.mask = self.mask * 2 + 1
        self.table = array("Q", bytes(8 * (self.mask + 1)))
        self.size = 0
        for value in old:
            if value:
                self.add(value)


class _Occurrences:
    """Which messages are the same time, sender and text again (identity's occurrence). When the
    survey found the headers in time order, only the messages of one time count: the first
    RUN_KEYS of a time by their whole key (`run_keys`, cheapest), any more like the rest. The rest:
    by 64-bit digest (_Digests, 16 bytes a message) and exactly for the keys seen twice (`dups`),
    over the whole file when it is not in time order. Memory stays flat either way."""

    __slots__ = ("path", "in_order", "run", "run_keys", "seen", "dups")

    def __init__(self, path, in_order: bool) -> None:
        self.path = path
        self.in_order = in_order
        self.run = -1  # the current time (_day_start + _time_of_day)
        self.run_keys: dict[str, int] = {}
        self.seen = _Digests()
        self.dups: dict = {}

    def of(self, key: str, at: int) -> int:
        """The occurrence of `key` (time as written, sender, text) among the messages before; `at`: its time."""
        occurrence = None
        if self.in_order:
            # Times never go back (the survey saw to it): a key seen before has this very time, so
            # the messages of the current time are all there is to count among.
            run_keys = self.run_keys
            if at != self.run:
                if at < self.run:
                    raise ImportFailed(self.path, "the file changed while it was being read; import it again")
                self.run = at
                run_keys.clear()
                self.seen.clear()
                self.dups.clear()
            occurrence = run_keys.get(key)
            if occurrence is not None:
                occurrence = run_keys[key] = occurrence + 1
            elif len(run_keys) < RUN_KEYS:
                occurrence = run_keys[key] = 0
        if occurrence is None:
            digest = int.from_bytes(
                hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big"
            )
            if self.seen.add(digest):
                occurrence = 0
            else:  # the same time, sender and text again: count exactly (rare, so kept whole)
                occurrence = self.dups.get(key, 0) + 1
                self.dups[key] = occurrence
        return occurrence
