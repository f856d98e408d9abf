"""Terms summed ahead: the audit terms of new messages and their first sightings, summed by the reading process.

Every new message adds two terms to its import's digests (audit/imports.py: its id and content hash; audit/custody.py:
its id and place in the source): a 2048-bit hash each, ~1.5 µs, which the writer computed for every message it
added (~0.6 s of a 200,000-message WhatsApp import, the writer being the import's slower process). Where the reading
process hashes a batch itself (it is ahead of the writer: reader.py), it also sums that batch's terms, as if each of
its messages were new, and sends the two sums with the batch (`TermSums.taken`). The writer then counts a batch's
messages as their rows go in, and settles each batch once all of it is written (`Presums.settle`):
- where most of it was added (a first import), the batch's sum, less the terms of those that were not;
- where most of it was not (a source the archive holds), the terms of those that were, as before.
A message whose row is not what the reading process hashed (another content hash once its attachments were matched
to stored ones, another place) is counted from its row as before, and its term taken out of the sum. The sums are
exact: each digest is what counting every row one by one gives (tests/test_presummed.py).
"""

from __future__ import annotations

from typing import NamedTuple

from textfile.audit.custody import sighting_term
from textfile.audit.digest import MOD
from textfile.audit.imports import message_term


class TermSums:
    """The reading process's sums of the terms of the messages it hashed since the last batch was sent."""

    def __init__(self) -> None:
        self.messages = self.sightings = 0
        self.any = False

    def add(self, message_id: str, content_hash: str, place: str | None) -> None:
        self.messages += message_term(message_id, content_hash)
        if place is not None:
            self.sightings += sighting_term(message_id, place)
        self.any = True

    def taken(self) -> tuple[int, int] | None:
        """The sums since the last call (None where no message was hashed), started again."""
        if not self.any:
            return None
        sums = (self.messages % MOD, self.sightings % MOD)
        self.messages = self.sightings = 0
        self.any = False
        return sums


class Presummed(NamedTuple):
    """A record of the stream (reader.py `_records`), before the batch it sums: the sums, and what each of the
    batch's hashed messages was summed as, (id, content hash, place), in order."""

    messages: int
    sightings: int
    members: tuple[tuple[str, str, str | None], ...]


class _Group:
    __slots__ = ("sums", "members", "messages", "sightings")

    def __init__(self, sums: Presummed) -> None:
        self.sums = sums
        self.members = {mid: (content_hash, place) for mid, content_hash, place in sums.members}
        self.messages: set[str] = set()  # the members added as summed
        self.sightings: set[str] = set()  # the members whose first sighting is as summed


class Presums:
    """The writer's side: the batches summed ahead, until each is settled."""

    def __init__(self) -> None:
        self.groups: list[_Group] = []
        self.by_id: dict[str, _Group] = {}

    def add(self, sums: Presummed) -> None:
        """A batch's sums, before its records. A batch holding an id twice, or one an unsettled batch holds, is not
        used: its messages are counted from their rows."""
        group = _Group(sums)
        if len(group.members) != len(sums.members) or any(mid in self.by_id for mid in group.members):
            return
        self.groups.append(group)
        for mid in group.members:
            self.by_id[mid] = group

    def claim(self, added) -> tuple[list, list]:
        """Of the messages just added (`_Pending`s), those whose terms no batch summed as they are written: (for
        the digest, for the custody digest), to be counted from their rows."""
        if not self.by_id:
            return added, added
        messages, sightings = [], []
        for p in added:
            group = self.by_id.get(p.id)
            summed = None if group is None else group.members[p.id]
            if summed is not None and summed[0] == p.content_hash:
                group.messages.add(p.id)
            else:
                messages.append(p)
            place = p.record.source_ref
            if summed is not None and place is not None and summed[1] == place:
                group.sightings.add(p.id)
            else:
                sightings.append(p)
        return messages, sightings

    def settle(self, conn, import_id: int, final: bool) -> None:
        """The batches whose records are all written, their terms added to the import's digests; all of them when
        `final`, else all but the last one summed (its records may still be coming)."""
        done = self.groups if final else self.groups[:-1]
        if not done:
            return
        self.groups = [] if final else self.groups[-1:]
        totals = [0, 0, 0, 0]  # messages' total and count, sightings' total and count
        for group in done:
            for mid in group.members:
                del self.by_id[mid]
            members = group.members.items()
            totals[0] += _sum(
                group.sums.messages,
                [(mid, h) for mid, (h, _place) in members],
                group.messages,
                message_term,
            )
            totals[1] += len(group.messages)
            totals[2] += _sum(
                group.sums.sightings,
                [(mid, place) for mid, (_h, place) in members if place is not None],
                group.sightings,
                sighting_term,
            )
            totals[3] += len(group.sightings)
        if totals[1]:
            conn.execute(
                "INSERT INTO temp.digest_sums VALUES (?, 'm', ?, ?)",
                (import_id, totals[1], format(totals[0] % MOD, "x")),
            )
        if totals[3]:
            conn.execute(
                "INSERT INTO temp.custody_sums VALUES (?, ?, ?)", (import_id, totals[3], format(totals[2] % MOD, "x"))
            )


def _sum(total: int, summed: list[tuple[str, str]], kept: set[str], term_of) -> int:
    """The sum of the terms of the `kept` of `summed`: from `total` (all of them) less those not kept, or from those
    kept, whichever is fewer terms to compute."""
    if 2 * len(kept) >= len(summed):
        return total - sum(term_of(mid, part) for mid, part in summed if mid not in kept)
    return sum(term_of(mid, part) for mid, part in summed if mid in kept)
