"""Pass 2, the records: one regex pass per chunk. The speed tricks live here and nowhere else.

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
- Written for speed (`_messages` is the one fenced fast loop, long on purpose): caches for dates (with
  their UTC midnight) and times, no per-line work inside a message, repeats counted among the messages
  of one time when the survey found the file in time order.
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Iterator
from datetime import datetime, timedelta

from textfile import phones, times
from textfile.errors import ImportFailed
from textfile.importers.whatsapp.body import _NO_FLAGS, _interpret
from textfile.importers.whatsapp.dst import _Resolved
from textfile.importers.whatsapp.header import _AFTER_NEWLINE, _MARK_START, _MARKS, _clean, _cut_header, _date, _time
from textfile.importers.whatsapp.media import _attachment
from textfile.importers.whatsapp.people import _as_written, _fold, normalize_name
from textfile.importers.whatsapp.source import _chunks
from textfile.importers.whatsapp.survey import _day_start, _time_of_day
from textfile.model import (
    Message,
    Participant,
    Record,
    Skipped,
)

RUN_KEYS = 1000  # whole keys kept for the messages of one time (see _messages)


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


def _messages(
    source, options, conversation, participants, resolved, style, order, tz, system_authors, in_order, fall_backs
) -> Iterator[Record]:
    """Pass 2: the records. Written for speed: one regex pass per chunk, caches for dates (with
    their UTC midnight) and times, no per-line work for the lines inside a message, and repeats
    counted among the messages of one time when the survey found the file in time order (`in_order`)."""
    path = source.path
    zone_name = options.tz
    want_bracket = style == "bracket"
    want_colon = style == "colon"
    dates: dict = {}
    last_date_key = day = None
    clock: dict = {}
    offsets: dict = {}
    written_names: dict[str, str] = {}
    # Which messages are the same time, sender and text again (identity's occurrence). When the
    # survey found the headers in time order, only the messages of one time count: the first
    # RUN_KEYS of a time by their whole key (run_keys, cheapest), any more like the rest. The rest:
    # by 64-bit digest (_Digests, 16 bytes a message) and exactly for the keys seen twice (dups),
    # over the whole file when it is not in time order. Memory stays flat either way.
    run = [-1]  # the current time (_day_start + _time_of_day)
    run_keys: dict[str, int] = {}
    seen = _Digests()
    seen_add = seen.add
    dups: dict = {}
    dst = _Resolved(tz, fall_backs)
    line_no = 0  # (the first chunk's own "\n" counts as the end of line 0)
    pending = None  # the message being built: (day, clock_time, line_no, line marked, its header's match)
    parts: list[str] = []
    prelude_done = False
    blake2b = hashlib.blake2b
    resolved_get = resolved.get
    from_bytes = int.from_bytes
    mark_start = _MARK_START
    fold = _fold
    interpret = _interpret
    participants_get = participants.get

    def build(head, text: str) -> Message:
        day, clock_time, line_no, line_marked, header_match = head
        if text[-1:] == "\r":
            text = text[:-1]
        if "\r" in text:
            text = text.replace("\r\n", "\n")
        first_end = text.find("\n")
        if first_end < 0:
            first_end = len(text)
        cut = text.find(": ", 0, first_end)  # (in the first line)
        sender = None
        name = None
        if cut >= 0 and (resolved_name := resolved_get(text[:cut])) is not None:
            name = resolved_name
            if len(name) != cut:
                if text.startswith(name + ": "):
                    cut = len(name)
                else:
                    name = text[:cut]
            sender = participants_get(name)
            content = text[cut + 2 :]
            if sender is None:  # a prefix the survey did not resolve to this name
                sender = Participant(phones.normalize_handle(name, options.region), normalize_name(name), False)
        else:
            content = text
            colon = text.find(":", 0, first_end)
            # "01/20/19, 11:23 - John Doe:." (no space after the colon) from a known sender
            if colon > 0 and text[:colon] in participants and (cut < 0 or colon < cut):
                name = text[:colon]
                sender = participants[name]
                content = text[colon + 1 :]

        written = day[1] + clock_time[1]
        try:
            if day[2] is not None:  # the day has one UTC offset: its UTC midnight + the time of day
                sent_at, time_flag = day[2] + clock_time[2], None
            else:
                sent_at, time_flag = _instant(day[0] + clock_time[0], tz, offsets)
        except OverflowError:
            raise ImportFailed(
                path, f"line {line_no}: {written.strip()} in {zone_name} is outside the dates a clock can hold"
            ) from None
        body, ident_body, flags, attachments, kind, status, duration = interpret(content, line_marked)
        if sender is None:
            direction = "system"
        elif (
            # iOS system lines: the chat's name as author, text starting with a mark, the line unmarked
            content[:1] in mark_start
            and not line_marked
            and not sender.is_owner
            and fold(name) in system_authors
            and not flags
            and not attachments
            and kind == "message"
            and "://" not in content
        ):
            direction = "system"
            content = content.lstrip("\u200e\u200f")  # (the marks that, with the author, make it a system line)
        else:
            direction = "out" if sender.is_owner else "in"
        if direction == "system":
            body, ident_body = content.strip(), _clean(content).strip()
            flags, attachments, kind, status, duration = _NO_FLAGS, (), "message", None, None
        elif attachments:
            attachments = tuple(_attachment(source, file_name, omitted, line_no) for file_name, omitted in attachments)
        else:
            attachments = ()
        if time_flag:
            flags = flags | {time_flag}
            header = _clean(header_match.group(0)).strip(" []-–:\u00a0\u202f\n")
            if time_flag == "time_ambiguous":
                sent_at = dst.twice(
                    day[3], clock_time[3], day[0] + clock_time[0], line_no, header, sent_at, clock_time[4]
                )
            else:
                dst.add(time_flag, (line_no, header, sent_at, clock_time[4]))
        if name is None:
            identity_sender = None
        else:
            identity_sender = written_names.get(name)
            if identity_sender is None:
                identity_sender = written_names[name] = _as_written(name)

        key = f"{written}\x1f{identity_sender}\x1f{ident_body}"
        if in_order:
            # Times never go back (the survey saw to it): a key seen before has this very time, so
            # the messages of the current time are all there is to count among.
            at = day[3] + clock_time[3]
            if at != run[0]:
                if at < run[0]:
                    raise ImportFailed(path, "the file changed while it was being read; import it again")
                run[0] = at
                run_keys.clear()
                seen.clear()
                dups.clear()
            occurrence = run_keys.get(key)
            if occurrence is not None:
                occurrence = run_keys[key] = occurrence + 1
            elif len(run_keys) < RUN_KEYS:
                occurrence = run_keys[key] = 0
        else:
            occurrence = None
        if occurrence is None:
            digest = from_bytes(blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big")
            if seen_add(digest):
                occurrence = 0
            else:  # the same time, sender and text again: count exactly (rare, so kept whole)
                occurrence = dups.get(key, 0) + 1
                dups[key] = occurrence
        return Message(
            conversation,
            (written, identity_sender, ident_body, occurrence),
            sent_at,
            direction,
            sender=sender,
            body=body,
            source_zone=zone_name,
            service="WhatsApp",
            kind=kind,
            status=status,
            flags=flags,
            attachments=attachments,
            source_ref=f"line {line_no}",
            duration_s=duration,
            time_precision=clock_time[4],
        )

    with source.open_text() as stream:
        pos = 1  # the first chunk's "\n" is not text
        for chunk in _chunks(path, stream):
            count_from = 0
            for m in _AFTER_NEWLINE.finditer(chunk):
                g = m.groups()
                if g[0] is not None:  # the common shape (groups 1-7): a dash header, no marks
                    if want_bracket or want_colon:
                        continue
                    d1, d2, d3, H, M, S = g[0], g[2], g[3], g[4], g[5], g[6]
                    era = be = ap0 = ap = None
                    marked = False
                else:
                    br, d1, _sep, d2, era, d3, be, ap0, H, M, S, ap, tr = g[7:]
                    if want_bracket:
                        if br is None:
                            continue
                    elif br is not None or (tr[0] == ":") != want_colon:
                        continue
                    marked = m.group(0)[1:2] in mark_start
                date_key = (d1, d2, era, d3, be)
                if date_key != last_date_key:  # (most headers have the date of the one before)
                    day = dates.get(date_key)
                    if day is None:
                        day = _date(d1, d2, era, d3, be, order)
                        if day:  # + the day's UTC midnight when the whole day has one offset, + _day_start
                            day += (_utc_midnight(day[0], tz, offsets), _day_start(day))
                        if len(dates) > 4096:
                            dates.clear()
                        dates[date_key] = day
                    last_date_key = date_key
                if not day:
                    continue
                clock_time = clock.get((H, M, S, ap, ap0))
                if clock_time is None:
                    clock_time = _time(H, M, S, ap, ap0)
                    if clock_time:  # + the time of day as a timedelta, + _time_of_day, + its precision (as written)
                        hour, minute, second = clock_time[0]
                        clock_time += (
                            timedelta(hours=hour, minutes=minute, seconds=second),
                            _time_of_day(clock_time),
                            "second" if S else "minute",
                        )
                    if len(clock) > 20_000:
                        clock.clear()
                    clock[(H, M, S, ap, ap0)] = clock_time
                if not clock_time:
                    continue
                end = m.start()  # the "\n" before the header: the text before it is the last message's
                line_no += chunk.count("\n", count_from, end + 1)
                count_from = end + 1
                text = chunk[pos:end]
                if parts:  # the text began in an earlier chunk
                    parts.append(text)
                    text = "".join(parts)
                    parts = []
                if pending is not None:
                    yield build(pending, text)
                elif not prelude_done:
                    yield from _prelude(text)
                prelude_done = True
                pending = (day, clock_time, line_no, marked, m)
                pos = m.end()
            line_no += chunk.count("\n", count_from)
            parts.append(chunk[pos:])
            pos = 0
        if pending is not None:
            text = "".join(parts)
            if text[-1:] != "\n":
                header = pending[4].group(0)[1:]
                names = [name for name in participants if name != "\x00owner"] + [
                    p.display_name for p in participants.values() if p.is_owner
                ]
                cut = _cut_header(header, text, names)
                if cut is not None:
                    at = line_no if "\n" in text else pending[2]
                    raise ImportFailed(
                        path,
                        f"line {at}: the export ends in the middle of a message header ({_clean(cut)!r}): "
                        "the file looks truncated; export the chat again",
                    )
            yield build(pending, text[:-1] if text[-1:] == "\n" else text)
        else:
            raise ImportFailed(path, f"no line has a valid date when read in {order} order (check --date-order)")
    notice = dst.notice(path.name, zone_name)
    if notice is not None:
        yield notice


def _prelude(text: str) -> Iterator[Skipped]:
    for n, line in enumerate(text.split("\n"), 1):
        if line.strip(" \t\r" + _MARKS):
            yield Skipped("unparseable line before the first message", f"line {n}")


def _utc_midnight(day: tuple, tz, offsets: dict) -> datetime | None:
    """The UTC instant of 00:00 on `day` in `tz` when the whole day has one UTC offset (then a
    time that day is this + the time of day, as _instant would give), else None."""
    try:
        _instant(day + (0, 0, 0), tz, offsets)  # fills offsets[day]
        known = offsets.get(day)
        return None if known is None or known is False else datetime(*day, tzinfo=times.UTC) - known
    except OverflowError:  # a day at the calendar's edge: each time on its own (_instant)
        return None


def _instant(wall: tuple, tz, offsets: dict) -> tuple:
    """A wall clock in `tz` as a UTC instant and its DST flag; one zone lookup per day, or per
    hour on a day when the offset changes."""
    day_key = wall[:3]
    known = offsets.get(day_key)
    if known is None:
        start, flag_start = times.localize(datetime(*day_key), tz)
        end, flag_end = times.localize(datetime(*day_key, 23, 59, 59), tz)
        known = start.utcoffset() if start.utcoffset() == end.utcoffset() and not flag_start and not flag_end else False
        if len(offsets) > 4096:
            offsets.clear()
        offsets[day_key] = known
    if known is not False:
        return datetime(*wall, tzinfo=times.UTC) - known, None
    hour_key = wall[:4]
    known = offsets.get(hour_key)
    if known is None:
        start, flag_start = times.localize(datetime(*hour_key), tz)
        end, flag_end = times.localize(datetime(*hour_key, 59, 59), tz)
        known = start.utcoffset() if start.utcoffset() == end.utcoffset() and not flag_start and not flag_end else False
        if len(offsets) > 4096:
            offsets.clear()
        offsets[hour_key] = known
    if known is False:  # an hour with a DST change: each time on its own
        local, flag = times.localize(datetime(*wall), tz)
        return local.astimezone(times.UTC), flag
    return datetime(*wall, tzinfo=times.UTC) - known, None
