"""Clocks: one phone's message in two of its exports, its time written at other clocks, is one message.

WhatsApp writes each message's time as the exporting phone's wall clock, in whatever zone the phone is in when
the export is made, and a message's identity holds that time as written (importers/whatsapp/identity.py): the
same phone's chat exported in London and again at home in New York gives every message another identity, and
so does the chat moved from an Android phone (times to the minute) to an iPhone (to the second). Both were
archived twice, with nothing said (second reader, round 21 #1 and #2).

Where the archive holds messages of a conversation that this phone gave (the owner's, or this client's:
`--custodian`; first, or as its copies of another phone's, `phone_copies`: round 22 #1) read at another clock than a
record's (another zone, or another precision), a record of an
identity the archive does not know is matched to such a message at the same instant (their times' spans
overlapping: a minute's 10:02 is 10:02:00–10:02:59), with the same sender, kind and text (without the marks one
export writes and another does not), not already matched by another record of this import: one to one, the
nearest first (`clock_twins`). Matched, it is that message: a sighting of it, kept as first archived (its time,
precision and zone), its identity here an alias of it (`message_aliases`, rule 'clock': the next import of this
export finds it by that id, and a transcript names the pair), said as an assumption (`say_clocks`). A record that
matches none there is looked for at a whole number of quarter hours away (`shifted_twins`, as another phone's
copies are): the export read in another zone than its phone wrote, refused when no --tz was given. An edit or a
deletion between the two exports is folded into the message at the same instant as within one clock (folds.py;
round 22 #2), where both are to the minute.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from textfile import times
from textfile.ingest.writer.copies import (
    _NO_TIME,
    COPY_WITHIN,
    MINUTE,
    SHIFT_MOST,
    _same_time,
    _stretches,
    _unmarked,
)
from textfile.ingest.writer.corrections import _retimed_flags
from textfile.ingest.writer.notices import _count
from textfile.model import CLOCK_RULE

if TYPE_CHECKING:
    from textfile.ingest.writer.batch import Known, _Pending

# This phone's copies of another phone's messages (`copy_of`): each with the import that matched it (`i`), whose
# phone (`c`: no row, the owner's); and the precision that import recorded for their times (`copies_time_precision`).
_COPIES = (
    "phone_copies pc ON pc.message_id = m.id JOIN imports i ON i.id = pc.import_id"
    " LEFT JOIN import_custodians c ON c.import_id = pc.import_id"
)
_COPY_PRECISION = "json_extract(i.options, '$.copies_time_precision')"
_REACH = MINUTE + MINUTE  # how far apart two readings' instants of one message may be looked for: their spans' widest


def _spans(precision: str | None):
    return MINUTE if precision == "minute" else _NO_TIME


def _reading(zone: str | None, precision: str | None) -> str:
    """ "America/New_York, to the minute" """
    return ", ".join(w for w in (zone, f"to the {precision}" if precision else None) if w)


class Clocks:
    def init_clocks(self) -> None:
        # (conversation, zone, precision) -> whether this phone gave messages there first, read at another clock
        self.other_clocks: dict[tuple, bool] = {}
        self.clock_taken: set[str] = set()  # the messages matched so (`clock_twins`): each once
        self.clock_found: dict[str, int] = {}  # the earlier reading ("Europe/London, to the minute") -> how many
        # conversation -> the first and last time of this phone's messages there (`none_known_here`)
        self.earlier_span: dict[int, tuple] = {}
        self.known_in: set[int] = set()  # conversations where this import knew its records (`none_known_here`)

    def at_other_clocks(self, p: _Pending) -> bool:
        """Whether the conversation of this record holds messages this phone gave, read at another clock than this
        record's: first (their own reading), or as copies of another phone's (`phone_copies`, at that import's zone and
        the precision it recorded for them): asked once per conversation and reading."""
        m = p.record
        key = (p.conversation_id, m.source_zone, m.time_precision)
        found = self.other_clocks.get(key)
        if found is None:
            found = self.other_clocks[key] = p.conversation_id not in self.created and bool(
                self.conn.execute(
                    "SELECT EXISTS (SELECT 1 FROM messages m LEFT JOIN import_custodians c ON c.import_id = m.import_id"
                    " WHERE m.conversation_id = ?1 AND c.client_id IS ?2 AND m.import_id <> ?3"
                    " AND (m.source_zone IS NOT ?4 OR m.time_precision IS NOT ?5))"
                    f" OR EXISTS (SELECT 1 FROM messages m JOIN {_COPIES} WHERE m.conversation_id = ?1 AND c.client_id IS ?2"
                    f" AND pc.import_id <> ?3 AND (i.zone IS NOT ?4 OR {_COPY_PRECISION} IS NOT ?5))",
                    (
                        p.conversation_id,
                        self.source.custodian_client,
                        self.result.import_id,
                        m.source_zone,
                        m.time_precision,
                    ),
                ).fetchone()[0]
            )
        return found

    def clock_twins(self, pending: list[_Pending], existing: dict[str, Known]) -> dict[str, Known]:
        """For each record of the batch whose identity the archive does not know, in a conversation where this
        phone's messages were read at another clock (`at_other_clocks`): the message of this phone it is, at
        the same instant, as `Known` (its `id` the message's, its `rule` CLOCK_RULE), read in one query for
        each stretch of time the records reach."""
        asked = [p for p in pending if p.id not in existing and self.at_other_clocks(p)]
        if not asked:
            return {}
        by_conversation: dict[int, list] = {}
        for p in asked:
            by_conversation.setdefault(p.conversation_id, []).append((times.from_iso(p.sent_at), p))
        chosen: dict[str, str] = {}  # a record's id -> the message it is
        readings: dict[str, str] = {}  # that message -> its reading, as said
        for conversation_id, items in by_conversation.items():
            items.sort(key=lambda item: item[0])
            # (sender, kind, text unmarked) -> this phone's messages: (time, spans, rowid, id, zone, precision)
            found: dict[tuple, list[tuple]] = {}
            for start, end in _stretches([at for at, _ in items], _REACH):
                for rowid, mid, sender_id, kind, body, sent_at, zone, precision in self.conn.execute(
                    "SELECT m.rowid, m.id, m.sender_id, m.kind, m.body, m.sent_at, m.source_zone, m.time_precision FROM messages m"
                    " LEFT JOIN import_custodians c ON c.import_id = m.import_id WHERE m.conversation_id = ?1"
                    " AND m.sent_at BETWEEN ?2 AND ?3 AND c.client_id IS ?4 AND m.import_id <> ?5 AND m.body IS NOT NULL"
                    # (another phone's messages this phone gave a copy of, at its time there: within COPY_WITHIN)
                    f" UNION ALL SELECT m.rowid, m.id, m.sender_id, m.kind, m.body, pc.sent_at, i.zone, {_COPY_PRECISION}"
                    f" FROM messages m JOIN {_COPIES} WHERE m.conversation_id = ?1 AND m.sent_at BETWEEN ?6 AND ?7"
                    " AND pc.sent_at BETWEEN ?2 AND ?3 AND c.client_id IS ?4 AND pc.import_id <> ?5 AND m.body IS NOT NULL",
                    (
                        conversation_id,
                        times.to_iso(start),
                        times.to_iso(end),
                        self.source.custodian_client,
                        self.result.import_id,
                        times.to_iso(start - COPY_WITHIN - MINUTE),
                        times.to_iso(end + COPY_WITHIN + MINUTE),
                    ),
                ):
                    found.setdefault((sender_id, kind, _unmarked(body)), []).append(
                        (times.from_iso(sent_at), _spans(precision), rowid, mid, zone, precision)
                    )
            for at, p in items:
                m = p.record
                spans = _spans(m.time_precision)
                near = sorted(  # (the nearest; of one time, the first archived: identical texts paired in order)
                    (abs(there - at), rowid, mid, zone, precision)
                    for there, there_spans, rowid, mid, zone, precision in found.get(
                        (p.sender_id, m.kind, _unmarked(m.body)), ()
                    )
                    if (zone, precision) != (m.source_zone, m.time_precision)
                    and mid not in self.clock_taken
                    and _same_time(there, there_spans, at, spans)
                )
                if near:
                    _, _, mid, zone, precision = near[0]
                    self.clock_taken.add(mid)
                    chosen[p.id] = mid
                    readings[mid] = _reading(zone, precision)
        if not chosen:
            return {}
        known: dict[str, Known] = {}
        self.look_up(
            known, f"SELECT m.id, m.id, {{}}, '{CLOCK_RULE}' FROM messages m WHERE m.id IN ({{}})", set(chosen.values())
        )
        for mid in chosen.values():
            self.clock_found[readings[mid]] = self.clock_found.get(readings[mid], 0) + 1
        return {rid: known[mid] for rid, mid in chosen.items()}

    def as_archived(self, p: _Pending, known: Known) -> _Pending:
        """A record matched to the message this phone gave at another clock (`clock_twins`), at that message's
        reading: its time, precision and zone, and what that reading said of the time (TIME_FLAGS: a wall clock the
        clocks repeated in one zone is not in another). What differs between two readings of one time is neither an
        edit nor a change of the message (second reader, round 22 #3: a message read in London, matched by a New
        York export in the hour New York repeats, was rewritten as read in New York and flagged ambiguous)."""
        sent_at, zone, flags = self.conn.execute(
            "SELECT sent_at, source_zone, flags FROM messages WHERE id = ?", (known.id,)
        ).fetchone()
        flags = _retimed_flags(p.flags, json.loads(flags))
        record = p.record._replace(sent_at=sent_at, time_precision=known.time_precision, source_zone=zone, flags=flags)
        return type(p)(
            record, p.conversation_id, p.sender_id, p.content_hash_with(sent_at=sent_at, flags=flags), p.attachments
        )

    def say_clocks(self) -> None:
        """The assumption, and the audit record, of the records matched to this phone's messages read at another
        clock (`clock_twins`)."""
        for reading, n in sorted(self.clock_found.items()):
            self.note(
                f"{_count(n, 'message')} of {self.source.file_name} {'is' if n == 1 else 'are'} the same as"
                f" {'a message' if n == 1 else 'messages'} this phone's earlier export gave, read there at another"
                f" clock ({reading}): the same sender and text at the same instant, the time written in another zone"
                " or at another precision; each is one message, kept as first archived",
                "assumption",
            )
        self.changes["same_phone_other_clock"] = dict(sorted(self.clock_found.items()))

    def none_known_here(self, pending: list[_Pending], existing: dict[str, Known], clocked: dict[str, Known]) -> None:
        """The records of a conversation of which this import knows few (less than half; or a tenth, three at least), by
        identity or at another clock, in this batch or any earlier one (round 22 #4, a weekly export's new messages past
        the first batch), within SHIFT_MOST of the times of this phone's earlier messages there: for `shifted_twins`, which looks for this phone's own
        at a whole number of quarter hours away too (`shifted_evidence`). An export of the chat that this phone's
        earlier export overlaps shares the identities of the messages both hold, unless its times were written, or
        read, at another clock (the export read in the zone the chat was last read in, its phone since in another:
        round 21 #1)."""
        by_conversation: dict[int, list[_Pending]] = {}
        for p in pending:
            by_conversation.setdefault(p.conversation_id, []).append(p)
        for conversation_id, records in by_conversation.items():
            known = sum(p.id in existing or p.id in clocked for p in records)
            if 2 * known >= len(records) or (known >= 3 and 10 * known >= len(records)):
                # (not one "ok" of another time known by chance, round 23 #2; a tenth of a busy week, round 24 #1)
                self.known_in.add(conversation_id)
            if conversation_id in self.created or conversation_id in self.known_in:
                continue
            span = self.earlier_span.get(conversation_id)
            if span is None:
                span = self.earlier_span[conversation_id] = self.conn.execute(
                    "SELECT min(m.sent_at), max(m.sent_at) FROM messages m LEFT JOIN import_custodians c"
                    " ON c.import_id = m.import_id WHERE m.conversation_id = ? AND c.client_id IS ? AND m.import_id <> ?",
                    (conversation_id, self.source.custodian_client, self.result.import_id),
                ).fetchone()
            if span[0] is None:
                continue
            first, last = (times.from_iso(at) for at in span)
            for p in records:
                if p.id in existing or p.id in clocked:
                    continue
                at = times.from_iso(p.sent_at)
                if first - SHIFT_MOST <= at <= last + SHIFT_MOST:  # (at another clock, as far as two zones are apart)
                    self.unmatched.append((p, at, _spans(p.record.time_precision), True))
