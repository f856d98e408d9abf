"""Pass 2, the records: one regex pass per chunk. The speed tricks live here and nowhere else
(but for counting a message's occurrence in little memory: identity.py).

Decisions:
- A message is made of its header and its text (`_Chat.message`): the sender, the instant, the
  text read (body.py), the direction (a line no sender wrote, or an iOS system line, is the
  system's), the identity (identity.py).
- Written for speed (`_messages` is the one fenced fast loop, long on purpose): caches for dates (with
  their UTC midnight) and times, no per-line work inside a message, repeats counted among the messages
  of one time when the survey found the file in time order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from textfile import phones, times
from textfile.errors import ImportFailed
from textfile.importers.whatsapp.body import _NO_FLAGS, _interpret
from textfile.importers.whatsapp.decoding import _chunks
from textfile.importers.whatsapp.dst import _Reading, _Resolved
from textfile.importers.whatsapp.header import _AFTER_NEWLINE, _MARK_START, _MARKS, _clean, _cut_header, _date, _time
from textfile.importers.whatsapp.identity import _Occurrences
from textfile.importers.whatsapp.media import _attachment
from textfile.importers.whatsapp.people import _as_written, _fold, normalize_name
from textfile.importers.whatsapp.survey import _day_start, _remember, _time_of_day
from textfile.model import (
    Message,
    Notice,
    Participant,
    Record,
    Skipped,
)


@dataclass(slots=True)
class _Day:
    """A header's date as pass 2 keeps it (cached by the date as written). A slotted dataclass, as
    _Clock: their fields are read for every message, and a slot is read faster than a NamedTuple's field;
    not frozen, which takes three times as long to make: nothing changes them."""

    ymd: tuple[int, int, int]
    written: str  # as written, the year made Gregorian (identity)
    utc_midnight: datetime | None  # 00:00 that day in UTC, when the whole day has one offset (_utc_midnight)
    start: int  # _day_start: headers are ordered by start + _Clock.seconds


@dataclass(slots=True)
class _Clock:
    """A header's time as pass 2 keeps it (cached by the time as written)."""

    hms: tuple[int, int, int]
    written: str  # " HH:MM[:SS]", 24-hour (identity)
    since_midnight: timedelta
    seconds: int  # _time_of_day
    precision: str  # "second" | "minute", as written


def _scan_day(d1, d2, era, d3, be, order, tz, offsets: dict) -> _Day | bool:
    day = _date(d1, d2, era, d3, be, order)
    if not day:
        return day
    return _Day(day.ymd, day.written, _utc_midnight(day.ymd, tz, offsets), _day_start(day))


def _scan_clock(H, M, S, ap, ap0) -> _Clock | bool:
    clock_time = _time(H, M, S, ap, ap0)
    if not clock_time:
        return clock_time
    hour, minute, second = clock_time.hms
    return _Clock(
        clock_time.hms,
        clock_time.written,
        timedelta(hours=hour, minutes=minute, seconds=second),
        _time_of_day(clock_time),
        "second" if S else "minute",
    )


def _messages(
    source, options, conversation, participants, resolved, style, order, tz, system_authors, in_order, fall_backs
) -> Iterator[Record]:
    """Pass 2: the records. Written for speed: one regex pass per chunk, caches for dates (with
    their UTC midnight) and times, no per-line work for the lines inside a message, and repeats
    counted among the messages of one time when the survey found the file in time order (`in_order`)."""
    # --- fast loop: every header of the file, found by one regex pass per chunk. One piece, on purpose:
    # it runs once per header (a 200,000-message chat: 200,000 times), so what it needs is in local
    # names, the date and time of a header are looked up in caches only when they differ from the last,
    # and the text of a message is cut from the chunk between two headers, never looked at line by line;
    # a call per step here would cost more than the steps. What a message is made of: _Chat.message. ---
    path = source.path
    chat = _Chat(source, options, conversation, participants, resolved, tz, system_authors, in_order, fall_backs)
    message = chat.message
    offsets = chat.offsets
    want_bracket = style == "bracket"
    want_colon = style == "colon"
    dates: dict = {}
    last_date_key = day = None
    clocks: dict = {}
    line_no = 0  # (the first chunk's own "\n" counts as the end of line 0)
    # the message being built: its date and time, its header's line, whether the line is marked, its header
    at_day = at_clock = at_line = at_marked = at_header = None
    parts: list[str] = []
    prelude_done = False
    mark_start = _MARK_START
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
                        day = _remember(dates, 4096, date_key, _scan_day(d1, d2, era, d3, be, order, tz, offsets))
                    last_date_key = date_key
                if not day:
                    continue
                clock_time = clocks.get((H, M, S, ap, ap0))
                if clock_time is None:
                    clock_time = _remember(clocks, 20_000, (H, M, S, ap, ap0), _scan_clock(H, M, S, ap, ap0))
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
                if at_day is not None:
                    yield message(at_day, at_clock, at_line, at_marked, at_header, text)
                elif not prelude_done:
                    yield from _prelude(text)
                prelude_done = True
                at_day, at_clock, at_line, at_marked, at_header = day, clock_time, line_no, marked, m
                pos = m.end()
            line_no += chunk.count("\n", count_from)
            parts.append(chunk[pos:])
            pos = 0
        if at_day is None:
            raise ImportFailed(path, f"no line has a valid date when read in {order} order (check --date-order)")
        text = "".join(parts)
        if text[-1:] != "\n":
            _refuse_a_cut_header(path, at_header.group(0)[1:], text, participants, line_no if "\n" in text else at_line)
        yield message(at_day, at_clock, at_line, at_marked, at_header, text[:-1] if text[-1:] == "\n" else text)
    # --- end of the fast loop ---
    notice = chat.dst.notice(path.name, options.tz)
    if notice is not None:
        yield notice
    if chat.view_once:
        yield view_once_notice(path.name, chat.view_once)


def view_once_notice(name: str, lines: list[int]) -> Notice:
    """What was assumed of the texts that are the word "null" alone: a photo or video sent to be viewed once,
    which WhatsApp's export writes so (the text is kept as written; the transcript marks it VIEW ONCE). A
    person may have typed the word: said, with the lines, so that it can be checked against the phone."""
    shown = ", ".join(str(n) for n in lines[:5]) + (f" and {len(lines) - 5:,} more" if len(lines) > 5 else "")
    many = len(lines) != 1
    return Notice(
        f'{name}: {len(lines):,} message{"s" if many else ""} whose whole text is "null" {"were" if many else "was"}'
        f" read as a photo or video sent to be viewed once, which WhatsApp's export writes so; the text is kept"
        f" as written (line{'s' if many else ''} {shown})",
        kind="assumption",
    )


def _refuse_a_cut_header(path, header: str, text: str, participants: dict, at: int) -> None:
    """The export ends inside a message header (`_cut_header`): refused as truncated."""
    names = [name for name in participants if name != "\x00owner"] + [
        p.display_name for p in participants.values() if p.is_owner
    ]
    cut = _cut_header(header, text, names)
    if cut is not None:
        raise ImportFailed(
            path,
            f"line {at}: the export ends in the middle of a message header ({_clean(cut)!r}): "
            "the file looks truncated; export the chat again",
        )


class _Chat:
    """What making a message of a chat needs: its people, its zone, the occurrences counted so far."""

    __slots__ = (
        "source",
        "options",
        "conversation",
        "participants",
        "resolved",
        "tz",
        "system_authors",
        "offsets",
        "written_names",
        "dst",
        "occurrences",
        "view_once",
    )

    def __init__(
        self, source, options, conversation, participants, resolved, tz, system_authors, in_order, fall_backs
    ) -> None:
        self.source = source
        self.options = options
        self.conversation = conversation
        self.participants = participants
        self.resolved = resolved
        self.tz = tz
        self.system_authors = system_authors
        self.offsets: dict = {}  # (_instant)
        self.written_names: dict[str, str] = {  # sender -> as written (_as_written), for identities; the owner
            # under another name on a client's phone (people._you_on_their_phone), or the client on their own
            # (people._client_on_their_phone), as the owner's own phone writes them, so each message has the identity
            # of the owner's copy, however that phone names them from week to week
            name: _as_written(p.display_name)
            for name, p in participants.items()
            if name != "\x00owner" and p.display_name is not None and normalize_name(name) != p.display_name
        }
        self.dst = _Resolved(tz, fall_backs)
        self.occurrences = _Occurrences(source.path, in_order)
        self.view_once: list[int] = []  # the lines of the texts read as view-once media ("null": `view_once_notice`)

    def message(self, day: _Day, clock: _Clock, line_no: int, line_marked: bool, header_match, text: str) -> Message:
        """A message from its header and its text (all its lines): the sender, the instant, the text read
        (_interpret), the direction, the identity."""
        if text[-1:] == "\r":
            text = text[:-1]
        if "\r" in text:
            text = text.replace("\r\n", "\n")
        name, sender, content = self.sender(text)
        written = day.written + clock.written
        try:
            if day.utc_midnight is not None:  # the day has one UTC offset: its UTC midnight + the time of day
                sent_at, time_flag = day.utc_midnight + clock.since_midnight, None
            else:
                sent_at, time_flag = _instant(day.ymd + clock.hms, self.tz, self.offsets)
        except OverflowError:
            raise self.outside_the_calendar(line_no, written) from None
        body, identity_body, flags, attachments, kind, status, duration = _interpret(content, line_marked)
        if sender is None:
            direction = "system"
        elif content[:1] in _MARK_START and self.ios_system_line(
            name, sender, content, line_marked, flags, attachments, kind
        ):
            direction = "system"
            content = content.lstrip("\u200e\u200f")  # (the marks that, with the author, make it a system line)
        else:
            direction = "out" if sender.is_owner else "in"
        if direction == "system":  # (WhatsApp's own line: its text as written, nothing read from it)
            body, identity_body = content.strip(), _clean(content).strip()
            flags, attachments, kind, status, duration = _NO_FLAGS, (), "message", None, None
        elif attachments:
            attachments = tuple(_attachment(self.source, file, omitted, line_no) for file, omitted in attachments)
        else:
            attachments = ()
            if "view_once" in flags:
                self.view_once.append(line_no)
        if time_flag:
            sent_at = self.daylight_saving(time_flag, day, clock, line_no, header_match, sent_at)
            flags = flags | {time_flag}
        identity_sender = None
        if name is not None:
            identity_sender = self.written_names.get(name)
            if identity_sender is None:
                identity_sender = self.written_names[name] = _as_written(name)
        key = f"{written}\x1f{identity_sender}\x1f{identity_body}"
        return Message(
            self.conversation,
            (written, identity_sender, identity_body, self.occurrences.of(key, day.start + clock.seconds)),
            sent_at,
            direction,
            sender=sender,
            body=body,
            source_zone=self.options.tz,
            service="WhatsApp",
            kind=kind,
            status=status,
            flags=flags,
            attachments=attachments,
            source_ref=f"line {line_no}",
            duration_s=duration,
            time_precision=clock.precision,
        )

    def outside_the_calendar(self, line_no: int, written: str) -> ImportFailed:
        return ImportFailed(
            self.source.path,
            f"line {line_no}: {written.strip()} in {self.options.tz} is outside the dates a clock can hold",
        )

    def sender(self, text: str) -> tuple[str | None, Participant | None, str]:
        """(the sender's name as the line writes it, the participant, the text after "name: "); a line
        that names no known sender is a system line: (None, None, the text)."""
        first_end = text.find("\n")
        if first_end < 0:
            first_end = len(text)
        cut = text.find(": ", 0, first_end)  # (in the first line)
        if cut >= 0 and (name := self.resolved.get(text[:cut])) is not None:
            if len(name) != cut:
                if text.startswith(name + ": "):
                    cut = len(name)
                else:
                    name = text[:cut]
            sender = self.participants.get(name)
            if sender is None:  # a prefix the survey did not resolve to this name
                sender = Participant(phones.normalize_handle(name, self.options.region), normalize_name(name), False)
            return name, sender, text[cut + 2 :]
        colon = text.find(":", 0, first_end)
        # "01/20/19, 11:23 - John Doe:." (no space after the colon) from a known sender
        if colon > 0 and text[:colon] in self.participants and (cut < 0 or colon < cut):
            name = text[:colon]
            return name, self.participants[name], text[colon + 1 :]
        return None, None, text

    def ios_system_line(self, name, sender, content, line_marked, flags, attachments, kind) -> bool:
        """iOS system lines: the chat's name as author, text starting with a mark, the line unmarked
        (and nothing read from the text that a person's message would have: flags, attachments, a call)."""
        return (
            not line_marked
            and not sender.is_owner
            and _fold(name) in self.system_authors
            and not flags
            and not attachments
            and kind == "message"
            and "://" not in content
        )

    def daylight_saving(self, time_flag: str, day: _Day, clock: _Clock, line_no: int, header_match, sent_at):
        """A time a DST change made impossible or ambiguous: counted for the notice (dst.py), and an
        ambiguous one read as the order of the lines shows it."""
        header = _clean(header_match.group(0)).strip(" []-–:\u00a0\u202f\n")
        if time_flag == "time_ambiguous":
            return self.dst.twice(
                day.start, clock.seconds, day.ymd + clock.hms, line_no, header, sent_at, clock.precision
            )
        self.dst.add(time_flag, _Reading(line_no, header, sent_at, clock.precision))
        return sent_at


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
