"""Copies: one message found on two phones (the owner's and a client's, or two clients') is one message.

An SMS has another date, direction and identity on each phone, so where the archive holds another
phone's import each new record is matched to a message of the same conversation that only other
phones gave: same sender, kind, text and attachments, within COPY_WITHIN, nearest first (`copy_of`).
A matched record adds a source to that message, never a version (its time and status there are that
phone's: kept in `phone_copies`, which also finds it again on the next import of that phone). The
first copy archived is the message: imported in the other order, the same messages result, each with
both phones among its sources, at the time and status of the copy that came first. How many were
matched to which phone's copy is said.
A format may give only some services' copies identities of each phone's own (iMessage: SMS and RCS,
`COPIES_DIFFER`); the rest (an iMessage guid) is the same on both phones and found by its identity. Such a
record that differs from a message archived from another phone only in what is each phone's own (its
time there, however far apart: a phone's clock can be wrong by hours; deleted or failed there,
PER_PHONE_FLAGS; its receipts) is that message, as first archived (`on_another_phone`), said as an
assumption, with how far apart the two times are where they are further apart than COPY_WITHIN; a
different text is an edit, as on the owner's own phone. COPY_WITHIN bounds only the matching of copies
that share no identity (`copy_of`). The time that phone gives it, where it is another, is kept in
`phone_copies` as a matched copy's is (its identity there being the message's own), so a transcript says
it ("recorded there at"), whichever format the copy came in.
"""

from __future__ import annotations

import functools
import json
import zoneinfo
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from textfile import times
from textfile.errors import ImportFailed
from textfile.ingest.prepare import _flags_json
from textfile.ingest.writer.notices import MAX_REFS, _count, _refs
from textfile.model import MARKS_ONLY, the_owners_phone

if TYPE_CHECKING:
    from textfile.ingest.writer.batch import Known, _Pending

COPY_WITHIN = timedelta(seconds=120)  # how far apart two phones' times of a copy matched by its text may be (`copy_of`)
MINUTE, _NO_TIME = timedelta(minutes=1), timedelta(0)  # what a time written to the minute spans (WhatsApp on Android)
# How far apart another phone's copy may be found when an export was read in another zone than its phone's
# (`shifted_twin`): a whole number of quarter hours (Nepal's +05:45), as far as two zones can be (UTC-12 to +14).
SHIFT_STEP, SHIFT_MOST = timedelta(minutes=15), timedelta(hours=26)
OWN_AT_LEAST = 3  # this phone's own records at one other clock, at the least, before they are said (`shifted_evidence`)
SHIFTED_AT_LEAST = 3  # distinct texts so shifted, at the least, before an export read in an assumed zone is refused
DAY, HOUR = timedelta(days=1), timedelta(hours=1)
CLOCKS = (timedelta(hours=-12), timedelta(hours=14))  # the UTC offsets a phone's clock can read
LONG_TEXT = 12  # characters: a text shorter ("ok", "Thanks!") is said the same at other times too


class _Shifted:
    """The records whose copies another phone writes as one other clock does (`shifted_twin`)."""

    __slots__ = ("zone", "shifts", "n", "texts", "refs")

    def __init__(self, zone: str) -> None:
        self.zone = zone  # the zone read in
        self.shifts: set[timedelta] = set()  # how far the copies were from the times read here
        self.n = 0
        self.texts: set[str] = set()  # the distinct texts of LONG_TEXT characters or more
        self.refs: list[str] = []  # where the first MAX_REFS of them are in the export ("line 12")

    def how_far(self) -> str:
        """ "each 1 h 00 min 00 s later", or "4 h 00 min 00 s to 5 h 00 min 00 s later" (a daylight-saving change)."""
        way = "later" if min(self.shifts) > _NO_TIME else "earlier" if max(self.shifts) < _NO_TIME else "away"
        spans = sorted({abs(shift) for shift in self.shifts})
        if len(spans) == 1:
            return f"each {_apart(spans[0])} {way}"
        return f"{_apart(spans[0])} to {_apart(spans[-1])} {way}"


# A text as compared across phones: without the marks one phone's export writes and the other's does not
# (`model.MARKS_ONLY`: an iPhone's U+200E before "Location:"; second reader, round 18 #5), and a shared location's
# word as Android writes it ("location: https://maps…", where an iPhone writes "Location:"; round 22 #8). SQL, `{0}`
# the column (one replace() around another per mark); and in Python.
_LOCATION = "location: "
_UNMARKED = (
    f"(CASE WHEN substr({{0}}, 1, {len(_LOCATION)}) = 'Location: ' THEN '{_LOCATION}' || substr({{0}}, {len(_LOCATION) + 1})"
    " ELSE {0} END)"
).format(functools.reduce(lambda sql, ch: f"replace({sql}, char({ord(ch)}), '')", MARKS_ONLY, "{0}"))
_WITHOUT_MARKS = str.maketrans(dict.fromkeys(MARKS_ONLY))
# A message deleted on both phones is one, whatever each writes in its place ("You deleted this message." on the
# sender's, "This message was deleted" on the other's: round 18 #4). SQL, `{0}` the flags column.
_DELETED = "EXISTS (SELECT 1 FROM json_each({0}) WHERE value = 'deleted')"


def _unmarked(text: str) -> str:
    text = text.translate(_WITHOUT_MARKS)
    return _LOCATION + text[len(_LOCATION) :] if text.startswith("Location: ") else text


def _stretches(instants: list, reach: timedelta) -> list[tuple]:
    """The stretches of time within `reach` of the instants (in order), those that overlap joined."""
    out: list[list] = []
    for at in instants:
        if out and at - reach <= out[-1][1]:
            out[-1][1] = at + reach
        else:
            out.append([at - reach, at + reach])
    return [tuple(stretch) for stretch in out]


def _time_gap(one, one_spans: timedelta, other, other_spans: timedelta) -> tuple[timedelta, timedelta]:
    """How far apart two phones' times of a message are, each spanning what its precision leaves open (a minute's
    time, 10:02, is any instant of 10:02:00–10:02:59): no gap where they overlap; then how far their starts are
    (round 18 #6: an iPhone's 10:02:59 went to the Android "ok" of 10:03, not to the one of 10:02)."""
    gap = max(one - (other + other_spans), other - (one + one_spans), timedelta(0))
    return gap, abs(one - other)


def _same_time(one, one_spans: timedelta, other, other_spans: timedelta) -> bool:
    """Whether two readings of a time are one instant as each precision writes it: a minute's time, 10:02, is any
    instant from 10:02:00 up to (not including) 10:03:00 (one phone's clock read twice: `clock_twins`, the fold)."""
    if one_spans and not other_spans:
        return one <= other < one + one_spans
    if other_spans and not one_spans:
        return other <= one < other + other_spans
    return one == other


COPY_RULE = "copy on another phone"  # what `Batches.existing` calls an id found in `phone_copies`
PER_PHONE_FLAGS = ("deleted", "failed")  # a message's state on one phone, not what it is (`on_another_phone`)


class Copies:
    def init_copies(self) -> None:
        # Another phone's copies (`copy_of`): looked for only where the archive holds another phone's import.
        self.copy_ids: dict[str, str] = {}  # a record's id -> the message another phone archived it as (this import)
        self.copies_taken: set[str] = set()  # those messages (a set kept beside it: building one per record was O(n²))
        # A message of the same identity on two phones (an iMessage guid): looked at only where the archive holds a client's phone.
        self.phones = (
            self.source.custodian_client is not None
            or self.conn.execute("SELECT EXISTS (SELECT 1 FROM import_custodians)").fetchone()[0]
        )
        # what differed only per phone (`on_another_phone`) -> how many messages
        self.per_phone: dict[str, int] = {}
        self.edited_elsewhere = (
            0  # records of another text than the message archived from another phone (`on_another_phone`)
        )
        # the same, where the two times are further apart than COPY_WITHIN -> how far, per record ("ROWID 2: 3 h … later")
        self.times_apart: dict[str, list[str]] = {}
        self.copies = self.source.copies_differ if self.phones else False
        self.copies_found: dict[str, int] = {}  # the phone(s) a matched message was found on before -> how many
        self.copies_precision: set[str | None] = set()  # the precisions of the times of those records (`say_copies`)
        # (the clock another phone's copies were written by, that phone) -> the records so found (`shifted_twin`)
        self.shifted: dict[tuple[timedelta, str], _Shifted] = {}
        self.unmatched: list[tuple] = []  # this batch's records that matched no copy, for `shifted_twins`
        self.own_runs: dict[int, dict[timedelta, int]] = {}  # conversation -> shift -> the run going on (`own_run`)
        self.own_longest: dict[timedelta, int] = {}  # shift -> the longest run of this phone's own records found at it

    def copy_of(self, p: _Pending) -> str | None:
        """The archived message this record is another phone's copy of, or None. An SMS has another date,
        direction and identity on each phone (the sender's phone dates it when sent, the receiver's when
        received), so a record of one phone is matched to a message of the same conversation found on
        another phone only: the same sender, kind and text (for an MMS, the same attachments' bytes
        too), its time within COPY_WITHIN, not already matched by another record of this phone; the
        nearest in time first. A line of the chat's own (no sender: WhatsApp's "Messages and calls are
        end-to-end encrypted", "… changed the subject") is matched to such a line of the same text. A record whose text differs is another message. Counted by the phone(s)
        the message was found on, and said as an assumption (`say_copies`)."""
        m = p.record
        at = times.from_iso(p.sent_at)
        rows = self.conn.execute(
            "SELECT m.id, m.sent_at, m.time_precision FROM messages m WHERE m.conversation_id = ? AND m.sender_id IS ?"
            f" AND m.kind = ? AND ({_UNMARKED.format('m.body')} = ? OR (? AND {_DELETED.format('m.flags')}))"
            " AND m.sent_at BETWEEN ? AND ? AND NOT EXISTS (SELECT 1 FROM message_sources s LEFT JOIN import_custodians c"
            " ON c.import_id = s.import_id WHERE s.message_id = m.id AND c.client_id IS ?)",
            (
                p.conversation_id,
                p.sender_id,
                m.kind,
                _unmarked(m.body),
                "deleted" in m.flags,
                times.to_iso(at - COPY_WITHIN - MINUTE),
                times.to_iso(at + COPY_WITHIN + MINUTE),
                self.source.custodian_client,
            ),
        ).fetchall()
        taken = self.copies_taken
        attachments = [a.sha256 for a in sorted(p.attachments)]
        mine = MINUTE if m.time_precision == "minute" else _NO_TIME
        apart = {
            r["id"]: _time_gap(
                times.from_iso(r["sent_at"]), MINUTE if r["time_precision"] == "minute" else _NO_TIME, at, mine
            )
            for r in rows
        }
        near = sorted((r for r in rows if apart[r["id"]][0] <= COPY_WITHIN), key=lambda r: (apart[r["id"]], r["id"]))
        for row in near:
            if row["id"] in taken or [a.sha256 for a in self.attachments_of(row["id"])] != attachments:
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
        if self.source.wall_clock:
            self.unmatched.append((p, at, mine, False))  # (`shifted_twins`, once the batch is sorted out)
        return None

    def shifted_twins(self) -> None:
        """`shifted_twin` for each record of the batch that matched no copy (`unmatched`), the other phones' messages
        it may be a copy of read in one query for each stretch of time their reach covers (a query per record, over
        52 hours each, more than doubled the import of a client's export that matched nothing)."""
        unmatched = list({item[0].id: item for item in sorted(self.unmatched, key=lambda item: item[3])}.values())
        self.unmatched = []  # (a record `none_known_here` gave as well is taken as it gave it: this phone's own too)
        reach = SHIFT_MOST + COPY_WITHIN + MINUTE
        by_conversation: dict[int, list] = {}
        for item in unmatched:
            by_conversation.setdefault(item[0].conversation_id, []).append(item)
        for conversation_id, items in by_conversation.items():
            items.sort(key=lambda item: item[1])
            # (sender, kind, text unmarked) -> its copies' (time, precision, phone; None: this phone's own, an
            # earlier import's, given by `none_known_here`)
            found: dict[tuple, list[tuple]] = {}
            for start, end in _stretches([item[1] for item in items], reach):
                for sender_id, kind, body, sent_at, precision, phone, mine in self.conn.execute(
                    "SELECT m.sender_id, m.kind, m.body, m.sent_at, m.time_precision, coalesce((SELECT cl.name FROM"
                    " import_custodians c JOIN clients cl ON cl.id = c.client_id WHERE c.import_id = m.import_id),"
                    " (SELECT owner_name FROM settings)), (SELECT c.client_id FROM import_custodians c"
                    " WHERE c.import_id = m.import_id) IS ?1 AND m.import_id <> ?5 FROM messages m"
                    " WHERE m.conversation_id = ?2 AND m.sent_at BETWEEN ?3 AND ?4 AND m.body IS NOT NULL"
                    " AND (NOT EXISTS (SELECT 1 FROM message_sources s LEFT JOIN import_custodians c"
                    " ON c.import_id = s.import_id WHERE s.message_id = m.id AND c.client_id IS ?1)"
                    " OR ((SELECT c.client_id FROM import_custodians c WHERE c.import_id = m.import_id) IS ?1"
                    " AND m.import_id <> ?5))",
                    (
                        self.source.custodian_client,
                        conversation_id,
                        times.to_iso(start),
                        times.to_iso(end),
                        self.result.import_id,
                    ),
                ):
                    found.setdefault((sender_id, kind, _unmarked(body)), []).append(
                        (times.from_iso(sent_at), precision, None if mine else phone)
                    )
            for p, at, spans, own in items:
                if p.id in self.copy_ids:
                    continue  # (matched to a copy where it is after all: an earlier record's twin)
                copies = found.get((p.sender_id, p.record.kind, _unmarked(p.record.body)), ())
                self.shifted_twin(
                    p,
                    at,
                    spans,
                    own,
                    [
                        (there, precision, phone)
                        for there, precision, phone in copies
                        if abs(there - at) <= reach and (phone is not None or own)
                    ],
                )

    def shifted_twin(self, p: _Pending, at, spans: timedelta, own: bool, copies: list[tuple]) -> None:
        """A record of a format whose times are wall-clock times (WhatsApp) that matched no copy: whether another
        phone's copy of it is a whole number of quarter hours away instead (SHIFT_STEP, up to SHIFT_MOST: every zone
        against every other), as every copy is when this export was read in another zone than its phone's (second
        reader, round 18 #1: a client's export imported without --tz archived each shared message a second time).
        Counted by the clock that phone would have had (the zone read in, less the shift: a daylight-saving change
        in one zone and not the other is one clock; round 19 #4) and the other phone, with the distinct texts of
        LONG_TEXT characters or more. A record whose text is there at more than one shift (a repeated "ok") is no
        evidence of either, and is not counted (round 19 #1). `copies`: the other phones' messages of its sender, kind
        and text within reach, as (time, precision, phone) (`shifted_twins`); `own`: this phone's own are among them
        (`none_known_here`), whose runs `own_run` counts. For `say_shifted`."""
        m = p.record
        found = set()
        for there, precision, phone in copies:
            shift = round((there - at) / SHIFT_STEP) * SHIFT_STEP
            if (
                shift
                and shift % DAY  # (the same wall clock a day apart: a text sent daily, never a zone)
                and _time_gap(there - shift, MINUTE if precision == "minute" else _NO_TIME, at, spans)[0] <= COPY_WITHIN
            ):
                found.add((shift, phone))
        if own:  # (a text this phone wrote once within reach, or more often: "ok", a text sent at fixed times each day)
            mine = [there for there, _, phone in copies if phone is None]
            self.own_run(p.conversation_id, {shift for shift, phone in found if phone is None}, len(mine) == 1)
        if len(found) != 1:
            return
        ((shift, phone),) = found
        zone = m.source_zone or self.source.zone
        clock = at.astimezone(ZoneInfo(zone)).utcoffset() - shift  # (the phone's clock: as read, less the shift)
        if not CLOCKS[0] <= clock <= CLOCKS[1] or not _read_somewhere(at.year, clock):
            return  # (no phone's clock reads so: round 20 #4, a daily text read as UTC+19:00; round 22 #5, UTC+13:30)
        seen = self.shifted.setdefault((clock, phone), _Shifted(zone))
        seen.shifts.add(shift)
        seen.n += 1
        if len(seen.refs) < MAX_REFS:
            seen.refs.append(m.source_ref or p.id[:12])
        text = _unmarked(m.body)
        if len(text) >= LONG_TEXT:
            seen.texts.add(text)

    def say_shifted(self) -> None:
        """Refuse an export read in an assumed zone (no --tz) of which at least SHIFTED_AT_LEAST distinct texts, and
        more messages than it matched where they are, match another phone's copies as another clock writes them
        (`shifted_twin`): its phone seems to have been in another zone, and read so, each message found on both
        phones would be archived twice. The clocks are counted together (a daylight-saving change on that phone
        is two: round 20 #6) and the likeliest named. Fewer, more matched where they are (a phone that changed
        zones within one export: no one --tz reads it, round 20 #7), or with --tz given (read as told): said as
        a warning, never silently (round 19 #5)."""
        shifted = self.shifted_evidence()
        if not shifted:
            return
        (clock, phone), seen = max(shifted.items(), key=lambda kv: (len(kv[1].texts), kv[1].n))
        n = sum(s.n for s in shifted.values())
        texts = set().union(*(s.texts for s in shifted.values()))
        if not texts and n < 2:
            return  # (one short text: "ok" an hour later is no sign of a zone read wrong; two are said: round 21 #5)
        matched = sum(self.copies_found.values()) + sum(self.clock_found.values())
        within = int(COPY_WITHIN.total_seconds() // 60)
        others = len(shifted) - 1
        archived = (
            f"the copies archived from {phone}'s phone" if phone else "the messages this phone's earlier export gave"
        )
        found = (
            f"{_count(n, 'message')} of {self.source.file_name} match{'es' if n == 1 else ''} {archived} by"
            f" sender and text as a phone whose clock read UTC{_utc(clock)} writes them ({seen.how_far()} than read"
            " here"
            + (f"; {others} other clock{'s' if others > 1 else ''} too" if others else "")
            + ")"
            + (f", and {matched} within {within} minutes of the time read here" if matched else "")
        )
        if self.source.zone_given or len(texts) < SHIFTED_AT_LEAST or n <= matched:
            self.note(  # (a zone a person gave is read as given)
                f"{found}: archived as messages of their own, read in {seen.zone}"
                + (" as --tz says" if self.source.zone_given else "")
                + "; if that was not this phone's zone"
                + (" for all of them (it may have changed zones within this export)" if matched else "")
                + ("" if phone else ", or this phone's earlier export was read in a zone it was not in")
                + f", each of them ({_lines(shifted.values(), n)}) is a message archived twice, once at each reading",
                "assumption",  # (on the transcript too: a message there may be one of the other phone's, twice)
            )
            return
        if (
            phone is None
        ):  # (this phone's own: one of its two readings is wrong, and saying this one is right is no way out)
            raise ImportFailed(
                self.source.path,
                f"{found}: its times were read in {seen.zone}, assumed (no --tz), or those of this phone's earlier export"
                " in a zone it was not in; either way each message both hold would be archived twice: if this phone was"
                " in another zone when it made this export, import it with --tz naming that zone; if it was in"
                f" {seen.zone}, the earlier export's reading is the wrong one: correct it first (textfile import"
                " THAT-EXPORT --tz ITS-ZONE --corrects-tz), then import this one; nothing was imported",
            )
        raise ImportFailed(
            self.source.path,
            f"{found}: its times were read in {seen.zone}, assumed (no --tz), and may be wrong: if they are right as"
            f" read, say so with --tz {seen.zone}; if its phone was in another zone, import it with --tz naming that"
            " zone; nothing was imported",
        )

    def own_run(self, conversation_id: int, shifts: set[timedelta], once: bool) -> None:
        """The runs, in time order, of this phone's own records found at one shift (`shifted_twin`): a record whose text
        this phone wrote `once` within reach, found at that shift, adds one; one found at it among others, or whose
        text this phone wrote more often (a repeated "ok"; a text sent at 8:00 and 17:00 each day: round 24 #2),
        neither adds nor breaks it; any other breaks it. The longest run of each shift is kept (`shifted_evidence`)."""
        runs = self.own_runs.setdefault(conversation_id, {})
        for shift in [s for s in runs if s not in shifts]:
            del runs[shift]
        if len(shifts) == 1 and once:
            (shift,) = shifts
            runs[shift] = runs.get(shift, 0) + 1
            self.own_longest[shift] = max(self.own_longest.get(shift, 0), runs[shift])

    def shifted_evidence(self) -> dict:
        """`shifted`, less this phone's own earlier messages found at another clock where they are no evidence of one.
        A phone's own texts recur (the same "Can you call me?" the next morning, hours from the first: second reader,
        round 22 #5, a chat cleared after each weekly export refused for three everyday texts at two clocks), so its
        own are evidence only where one clock (with its daylight-saving other, an hour off) explains OWN_AT_LEAST
        records one after another (`own_run`): the messages of a chat read in the wrong zone line up at one clock in a
        run, whatever else the export holds (round 23 #1: its new texts and its repeated "ok"s, counted against it, had
        1,501 messages archived twice unsaid); texts that recur by chance, or at fixed times of day, stand alone (round
        24 #1, #2: 18 scattered among a busy group's 4,500 new messages; a text sent at 8:00 and 17:00 each day, 15 h
        from one evening to the next morning)."""
        own = [kv for kv in self.shifted.items() if kv[0][1] is None]
        if not own:
            return self.shifted
        ((clock, _), _) = max(own, key=lambda kv: (len(kv[1].texts), kv[1].n))
        near = {k for k, _ in own if abs(k[0] - clock) in (_NO_TIME, HOUR)}
        n = sum(s.n for k, s in own if k in near)
        run = max(self.own_longest.get(shift, 0) for k, s in own if k in near for shift in s.shifts)
        keep = n >= OWN_AT_LEAST and run >= OWN_AT_LEAST
        return {k: s for k, s in self.shifted.items() if k[1] is not None or (keep and k in near)}

    def owner_unmatched(self) -> None:
        """A client's export (WhatsApp) whose texts read as the owner's match none of the owner's own copies of the
        chat, though the owner's phone has texts of theirs in it over the same days: the sender read as the owner
        may be someone else (second reader, round 19 #7: --me naming the client as their phone writes them, in a
        chat named as one the owner holds, archived the client's texts as the lawyer's; round 18 #9: a cousin who
        shares the owner's name). Said as a warning, not refused: the owner's own export may not hold those hours
        (a cleared chat, a text deleted there), and nothing would let a person say so (round 20 #2). Not where the
        copies seem shifted in time (`say_shifted` says so: round 20 #3)."""
        if self.shifted:
            return
        import_id = self.result.import_id
        for conv_id, n, first, last in self.conn.execute(
            "SELECT conversation_id, count(*), min(sent_at), max(sent_at) FROM messages WHERE import_id = ?"
            " AND direction = 'out' GROUP BY conversation_id",
            (import_id,),
        ).fetchall():
            found = self.conn.execute(
                "SELECT EXISTS (SELECT 1 FROM message_sightings s JOIN messages m ON m.id = s.message_id"
                " WHERE s.import_id = ? AND m.conversation_id = ? AND m.direction = 'out')",
                (import_id, conv_id),
            ).fetchone()[0]
            theirs = self.conn.execute(
                "SELECT count(*) FROM messages m JOIN imports i ON i.id = m.import_id WHERE m.conversation_id = ?"
                f" AND m.direction = 'out' AND m.sent_at BETWEEN ? AND ? AND m.import_id <> ? AND {the_owners_phone('i.custodian')}",
                (conv_id, _moved(first, -_HALF_DAY), _moved(last, _HALF_DAY), import_id),
            ).fetchone()[0]
            if found or not theirs:
                continue
            said = (
                f"{_count(n, 'text')} of {self.source.file_name} read as yours {'matches' if n == 1 else 'match'} none"
                f" of the {_count(theirs, 'text')}"
                f" your own phone has of yours in conversation {conv_id} over the same days"
            )
            me = self.source.options.get("me")
            self.note(
                f"{said}: "
                + (
                    f"--me {me!r} may not be you (if it is the client as their phone writes them, this is a thread"
                    " you are not in, to be imported under a name of its own)"
                    if me
                    else "the sender read as you may be someone else with your name, or this export another chat than"
                    " the one it went into (--conversation)"
                ),
                "assumption",  # (on the transcript too: its texts read as yours may not be)
            )

    def say_copies(self) -> None:
        """The assumption, and the audit record, of the records matched to another phone's copy (`copy_of`)."""
        for phones, n in sorted(self.copies_found.items()):
            self.note(
                f"{_count(n, 'message')} matched to the copy from {phones} by sender, text and time within"
                f" {int(COPY_WITHIN.total_seconds() // 60)} minutes: each is one message, found on both phones",
                "assumption",
            )
        self.changes["matched_copies"] = dict(sorted(self.copies_found.items()))
        if len(self.copies_precision) == 1 and None not in self.copies_precision:
            # (what `phone_copies` keeps of their times is an instant: the precision this export wrote them at, as
            # a transcript says them; second reader, round 18 #12)
            (self.options["copies_time_precision"],) = self.copies_precision

    def from_another_phone(self, mid: str) -> bool:
        """Whether the archived message `mid` was archived from another phone than this import's (the
        owner's, or this client's): its time and status are that phone's."""
        return not self.conn.execute(
            "SELECT EXISTS (SELECT 1 FROM messages m LEFT JOIN import_custodians c ON c.import_id = m.import_id"
            " WHERE m.id = ? AND c.client_id IS ?)",
            (mid, self.source.custodian_client),
        ).fetchone()[0]

    def on_another_phone(self, p: _Pending, mid: str, known: Known, copies: list[tuple]) -> _Pending | None:
        """A record of the same identity as a message archived from another phone (an iMessage guid is the same on
        the sender's and the receiver's phone), with what is each phone's own as the message has it: its time
        there, however far apart (the identity, not the time, says which message it is: COPY_WITHIN is for
        `copy_of`, which has only the time to go by), PER_PHONE_FLAGS (deleted there, failed to send from there),
        its receipts (this phone's are this phone's: none are filled in). The time this phone gives it, where it is
        another, goes to `copies` (the batch's `phone_copies` rows), as a matched copy's does.

        None where the record differs from the message in nothing else: the same message, a source, never a
        version, as a message matched by `copy_of` is; what differed is counted and said (`say_per_phone`), times
        further apart than COPY_WITHIN with how far. Else (another text: an edit that phone shows) the edit as it
        is to be written (`changed`), counted where it is a new version (`edited_elsewhere`) and said
        (`say_edited_elsewhere`). Asked only of a message archived from another phone (`from_another_phone`)."""
        row = self.conn.execute("SELECT m.sent_at, m.flags FROM messages m WHERE m.id = ?", (mid,)).fetchone()
        flags = _first_phone_s_state(p.flags, row["flags"])
        if p.sent_at != row["sent_at"]:
            self.time_there(p, mid, copies)
        record = p.record._replace(sent_at=row["sent_at"], flags=flags, delivered_at=None, read_at=None)
        first = p.content_hash_with(sent_at=row["sent_at"], flags=flags)
        if first != known.content_hash:
            return type(p)(record, p.conversation_id, p.sender_id, first, p.attachments)
        here = times.from_iso(p.sent_at) - times.from_iso(row["sent_at"])  # (this phone's time, less the message's)
        time = "time apart" if abs(here) > COPY_WITHIN else "time" if here else None
        what = " and ".join(w for w in (time, "flags" if flags != p.flags else None) if w)
        self.per_phone[what] = self.per_phone.get(what, 0) + 1
        if time == "time apart":  # (one phone's clock wrong by hours, say: a person should see how far)
            side = "later" if here > timedelta(0) else "earlier"
            ref = p.record.source_ref or p.id[:12]
            self.times_apart.setdefault(what, []).append(f"{ref}: {_apart(abs(here))} {side} on this phone")
        return None

    def time_there(self, p: _Pending, mid: str, copies: list[tuple]) -> None:
        """The time this phone gives an archived message of the same identity, kept as a matched copy's is
        (`phone_copies`: the record's id, here the message's own or its alias), once: the same phone's
        export read again finds it kept. `alias_id` is that table's key, so a third phone's time of the same
        identity finds the second's there and is not kept (its sighting is)."""
        kept = self.conn.execute("SELECT EXISTS (SELECT 1 FROM phone_copies WHERE alias_id = ?)", (p.id,)).fetchone()[0]
        if not kept:
            copies.append((p.id, mid, self.result.import_id, p.record.source_ref, p.sent_at))

    def say_per_phone(self) -> None:
        """The assumption of the records that differed from another phone's copy only in that phone's own facts."""
        minutes = int(COPY_WITHIN.total_seconds() // 60)
        for what, n in sorted(self.per_phone.items()):
            apart = self.times_apart.get(what, [])
            said = {
                "time": f"the time this phone gives it (within {minutes} minutes)",
                "time apart": f"the time this phone gives it, more than {minutes} minutes from that copy's"
                f" ({_refs(apart, '; ', '; and')})",
                "flags": "its state on this phone (deleted or failed there)",
            }
            self.note(
                f"{_count(n, 'message')} found on another phone as well differ{'s' if n == 1 else ''} from that copy only in "
                f"{' and '.join(said[w] for w in what.split(' and '))}: each is one message, kept as first archived",
                "assumption",
            )
        self.changes["per_phone_differences"] = dict(sorted(self.per_phone.items()))

    def say_edited_elsewhere(self) -> None:
        """The assumption of the edits read from another phone than the one that gave the message first."""
        n = self.edited_elsewhere
        self.note(
            f"{_count(n, 'message')} found on another phone as well {'has' if n == 1 else 'have'} another text on this"
            f" one: {'its' if n == 1 else 'each'} text here is a new version (the earlier kept), and the message keeps the"
            " time, receipts and state (deleted or failed) of the phone that gave it first",
            "assumption",
        )
        self.changes["edited_on_another_phone"] = n


def _first_phone_s_state(flags: str, archived: str) -> str:
    """A record's flags, with PER_PHONE_FLAGS as the archived message's (the first phone's) instead of its own."""
    return _flags_json(
        [f for f in json.loads(flags) if f not in PER_PHONE_FLAGS]
        + [f for f in json.loads(archived) if f in PER_PHONE_FLAGS]
    )


_HALF_DAY = timedelta(hours=12)


def _lines(shifted, n: int) -> str:
    """Where the records `shifted_twin` found are in the export: "line 3, line 5 and 2 more" (of `n` in all)."""
    refs = [ref for seen in shifted for ref in seen.refs][:MAX_REFS]
    rest = n - len(refs)
    return ", ".join(refs) + (f" and {rest:,} more" if rest > 0 else "")


@functools.cache
def _read_somewhere(year: int, offset: timedelta) -> bool:
    """Whether some zone's clocks read UTC`offset` in `year` (at the start of a quarter: standard and summer time):
    +05:45 (Nepal) does, +13:30 does not (second reader, round 22 #5)."""
    for name in sorted(zoneinfo.available_timezones()):
        try:
            zone = ZoneInfo(name)
        except (ValueError, OSError):
            continue
        if any(datetime(year, month, 1, tzinfo=UTC).astimezone(zone).utcoffset() == offset for month in (1, 4, 7, 10)):
            return True
    return False


def _moved(at: str, by: timedelta) -> str:
    return times.to_iso(times.from_iso(at) + by)


def _utc(offset: timedelta) -> str:
    """A UTC offset as "+05:30" or "-05:00"."""
    minutes = round(offset / timedelta(minutes=1))
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _apart(delta: timedelta) -> str:
    """How far apart two times are: "3 h 00 min 00 s", with days and milliseconds where there are any."""
    ms = round(delta / timedelta(milliseconds=1))
    s, ms = divmod(ms, 1000)
    m, s = divmod(s, 60)
    h, m = divmod(m, 60)
    d, h = divmod(h, 24)
    seconds = f"{s:02d}.{ms:03d} s" if ms else f"{s:02d} s"
    if d:
        return f"{d} d {h} h {m:02d} min {seconds}"
    return f"{h} h {m:02d} min {seconds}" if h else f"{m} min {seconds}"
