"""Pass 1, the survey: header styles, what the dates say about day/month order, sender name candidates.

Decisions:
- The survey counts; others decide: the day/month order (date_order.py), the senders (people.py),
  the times a DST change made twice (dst.py). What it keeps is bounded whatever the file's length:
  caches emptied when full, the days on which the time goes back at most MAX_BACK_DAYS.
- An export writes every header in one style (Android's dash, iOS's bracket, the legacy colon);
  pass 2 reads only the file's own, the one most of its headers are written in, and keeps a line
  of another style as text of the message before it (header.py). So the survey counts each style's
  headers apart and gives what it counted of the file's own style only: every count, date and
  sender the other modules rest on is one of the lines read as headers. The lines of other styles
  are named (`_other_styles`): how many, the first as written and its line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from textfile.importers.whatsapp import locales
from textfile.importers.whatsapp.decoding import _chunks, _Undecodable
from textfile.importers.whatsapp.header import _AFTER_NEWLINE, _MARK_START, _clean, _Date, _date, _Time, _time
from textfile.importers.whatsapp.source import _Source
from textfile.model import Notice


@dataclass
class _Survey:
    """What the survey counted of the headers of one style; the file's own style's (`_main_style`) also says how
    many headers each style has, and names those of the others."""

    style: str | None = None  # the file's style: "dash", "bracket", "colon" (the one most headers are written in)
    styles: dict = field(default_factory=dict)  # style -> how many headers (every style)
    first_header: tuple | None = None  # the file's style's first header: (its line, the header as written)
    # The headers of other styles after it, kept as text by pass 2: (how many, the first's line, it as written)
    other_styles: tuple | None = None
    year_first: int = 0
    first_over_12: int = 0
    second_over_12: int = 0
    # _DateFacts.kind -> (its line, its date as written: "25/03/2024") of the first header of that kind
    first_of: dict = field(default_factory=dict)
    # _DateFacts.kind -> how many headers came before the first of that kind (the lines before the first header an
    # order reads are skipped as lines before the first message, not kept as text: date_order._lead)
    before_first: dict = field(default_factory=dict)
    ambiguous: int = 0  # dates where either order is possible and they differ
    back_dmy: int = 0
    back_mdy: int = 0
    prefixes: dict = field(default_factory=dict)  # candidate sender -> count (first ": ")
    longer: dict = field(default_factory=dict)  # (first, longer) -> count
    first_author: str | None = None
    first_author_system: bool = False
    headers: int = 0
    group_hint: bool = False  # a system line speaks of a group
    # Date orders in which some header's time is earlier than the one before it (see _messages)
    out_of_order: set = field(default_factory=set)
    # For each order, the days on which a header's time goes back: _day_start -> [how many times, the
    # first time that went back: the time before it, its time] (_went_back; None: too many days)
    backs: dict = field(default_factory=lambda: {"dmy": {}, "mdy": {}, "ymd": {}})
    undecodable: _Undecodable = field(default_factory=_Undecodable)


@dataclass(slots=True)
class _DateFacts:
    """What one header's date says about the file's day/month order."""

    kind: str  # "ymd" (year first); "first", "second" (that number is above 12); "ambiguous"; "same" (a = b)
    dmy: tuple | None  # the date read day first, (year, month, day) to compare; None for "ymd"
    mdy: tuple | None  # read month first


def _date_facts(d1: str, d2: str, d3: str) -> _DateFacts | None:
    """What one header's date says about the file's date order; None if it is no date at all."""
    try:
        a, b, y = int(d1), int(d2), int(d3)
    except ValueError:
        return None
    if len(d1) >= 3:
        return _DateFacts("ymd", None, None) if 1 <= b <= 12 and 1 <= y <= 31 else None
    if not (1 <= a <= 31 and 1 <= b <= 31) or (a > 12 and b > 12):
        return None
    kind = "first" if a > 12 else "second" if b > 12 else "ambiguous" if a != b else "same"
    return _DateFacts(kind, (y, b, a), (y, a, b))


@dataclass(slots=True)
class _SurveyDay:
    """What the survey keeps of a header's date as written (cached): its facts, then in each order its
    midnight in seconds (_day_start), None where pass 2 would not read it as a date in that order.
    (A slotted dataclass, not a NamedTuple: its fields are read for every header, and a slot is read
    several times faster than a NamedTuple's field; not frozen, which takes three times as long to make.)"""

    facts: _DateFacts | None  # None: no date at all
    dmy: int | None
    mdy: int | None
    ymd: int | None


_NO_DATE = _SurveyDay(None, None, None, None)


def _survey_date(d1, d2, era, d3, be) -> _SurveyDay:
    facts = _date_facts(d1, d2, d3)
    if facts is None:
        return _NO_DATE
    return _SurveyDay(facts, *(_day_start(_date(d1, d2, era, d3, be, order)) for order in ("dmy", "mdy", "ymd")))


def _survey_clock(H, M, S, ap, ap0) -> int | bool:
    """A header's time of day in seconds (_time_of_day); -1 if pass 2 would not read it as a time;
    False if the survey does not count the header at all."""
    if not (int(H) <= 24 and int(M) <= 59):
        return False
    return _time_of_day(_time(H, M, S, ap, ap0))


# Headers ordered by time: _day_start(date) + _time_of_day(time), in seconds.
def _day_start(day: _Date | bool) -> int | None:
    return date(*day.ymd).toordinal() * 86400 if day else None


def _time_of_day(clock_time: _Time | bool) -> int:
    if not clock_time:
        return -1
    hour, minute, second = clock_time.hms
    return hour * 3600 + minute * 60 + second


MAX_BACK_DAYS = 1 << 16  # days on which the time goes back, kept by the survey (memory stays flat on any file)


def _went_back(days: dict | None, day_start: int, before: int, at: int) -> dict | None:
    """A header's time `at` earlier than the one before it (`before`), both _day_start + _time_of_day:
    counted on its day, the first kept (see _fall_backs). None: more days than MAX_BACK_DAYS."""
    if days is None:
        return None
    seen = days.get(day_start)
    if seen is not None:
        seen[0] += 1
    elif len(days) < MAX_BACK_DAYS:
        days[day_start] = [1, before, at]
    else:
        return None
    return days


@dataclass(slots=True)
class _Progress:
    """Where the survey of one style's headers stands from one of them (and one chunk) to the next."""

    counts: dict = field(default_factory=lambda: {"ymd": 0, "first": 0, "second": 0, "ambiguous": 0, "same": 0})
    headers: int = 0
    facts: _DateFacts | None = None  # the last header's, and the last date to compare in each order
    dmy: tuple | None = None
    mdy: tuple | None = None
    # the last header's time in each order (_day_start + _time_of_day), as of the last time it went back
    # or its day changed; since then the time went on on `timed`'s day, to `seconds` (_times_went_back)
    last: dict = field(default_factory=lambda: {"dmy": -1, "mdy": -1, "ymd": -1})
    timed: _SurveyDay | None = None
    seconds: int = -1


@dataclass(slots=True)
class _Reading:
    """Where the survey stands from one header (and one chunk) to the next, whatever the headers' styles: the
    caches of dates and times as written, each style's survey and progress, the last header's style."""

    undecodable: _Undecodable
    dates: dict = field(default_factory=dict)  # date as written -> _SurveyDay
    clocks: dict = field(default_factory=dict)  # time as written -> _survey_clock
    date_key: tuple | None = None  # the last header's date as written, and its _SurveyDay
    day: _SurveyDay | None = None
    by_style: dict = field(default_factory=dict)  # style -> (_Survey, _Progress), in the order first met
    style: str | None = None  # the last counted header's
    # style -> its first header: (its line, the header as written, how many headers of other styles came before it)
    first_header_of: dict = field(default_factory=dict)
    # style -> the first header of another style after its first: (its line, the header as written)
    other_after: dict = field(default_factory=dict)


def _survey(source: _Source) -> _Survey:
    """Pass 1: header styles, what the dates say about day/month order, sender name candidates."""
    reading = _Reading(_Undecodable())
    with source.open_text() as stream:
        for chunk in _chunks(source.path, stream, reading.undecodable):
            _survey_chunk(reading, chunk)
    return _main_style(reading)


def _main_style(reading: _Reading) -> _Survey:
    """The survey of the file's style, the one most of its headers are written in (of two as many, the one met
    first), with how many headers each style has, its first, and the headers of other styles after it (those
    before it are lines before the file's first message, each skipped as such: scan._prelude)."""
    styles = {style: progress.headers for style, (_s, progress) in reading.by_style.items()}
    if not styles:
        return _Survey(undecodable=reading.undecodable)
    style = max(styles, key=lambda k: styles[k])
    s, progress = reading.by_style[style]
    line, written, before = reading.first_header_of[style]
    s.style, s.styles, s.first_header = style, styles, (line, written)
    after = sum(styles.values()) - styles[style] - before
    if after:
        s.other_styles = (after, *reading.other_after[style])
    counts = progress.counts
    s.headers = progress.headers
    s.year_first, s.first_over_12 = counts["ymd"], counts["first"]
    s.second_over_12, s.ambiguous = counts["second"], counts["ambiguous"]
    return s


def _survey_chunk(reading: _Reading, chunk: str) -> None:
    """The headers of one chunk: each one's style, date and time (cached), then what they say about
    the date order, the times and the senders, counted in its style's survey."""
    dates, clocks = reading.dates, reading.clocks
    last_date_key, day, current = reading.date_key, reading.day, reading.style
    # (before the file's first header: a progress of no style, which that header's style's replaces)
    s, progress = reading.by_style.get(current) or (None, _Progress())
    counts, headers, timed, timed_seconds = progress.counts, progress.headers, progress.timed, progress.seconds
    for m in _AFTER_NEWLINE.finditer(chunk):
        g = m.groups()
        if g[0] is not None:  # the common shape (groups 1-7)
            d1, d2, d3, H, M, S = g[0], g[2], g[3], g[4], g[5], g[6]
            era = be = ap0 = ap = None
            style = "dash"
        else:
            br, d1, _sep, d2, era, d3, be, ap0, H, M, S, ap, tr = g[7:]
            style = "bracket" if br is not None else "colon" if tr[0] == ":" else "dash"
        date_key = (d1, d2, era, d3, be)
        if date_key != last_date_key:  # (most headers have the date of the one before)
            day = dates.get(date_key)
            if day is None:
                day = _remember(dates, 4096, date_key, _survey_date(d1, d2, era, d3, be))
            last_date_key = date_key
        facts = day.facts
        if facts is None:
            continue
        seconds = clocks.get((H, M, S, ap, ap0))
        if seconds is None:
            seconds = _remember(clocks, 20_000, (H, M, S, ap, ap0), _survey_clock(H, M, S, ap, ap0))
        if seconds is False:
            continue
        if style != current:  # (in a file of one style, once: at its first header)
            progress.headers, progress.timed, progress.seconds = headers, timed, timed_seconds
            s, progress = _switch(reading, current, style, chunk, m)
            counts, headers, timed, timed_seconds = progress.counts, progress.headers, progress.timed, progress.seconds
            current = style
        headers += 1
        counts[facts.kind] += 1
        if counts[facts.kind] == 1:
            _evidence_at(s, facts.kind, headers - 1, chunk, m)
        if facts is not progress.facts:  # (the same date again changes nothing)
            _dates_went_back(s, progress, facts)
        if seconds >= 0:
            if day is not timed or seconds < timed_seconds:  # (else the time went on, on the same day)
                _times_went_back(s, progress, timed, timed_seconds, day, seconds)
            timed, timed_seconds = day, seconds
        _sender_candidates(s, headers == 1, chunk, m)
    reading.date_key, reading.day, reading.style = last_date_key, day, current
    progress.headers, progress.timed, progress.seconds = headers, timed, timed_seconds


def _remember(cache: dict, limit: int, key, value):
    """`value` kept in `cache` by `key`; the cache emptied first when it holds more than `limit` (memory stays flat)."""
    if len(cache) > limit:
        cache.clear()
    cache[key] = value
    return value


def _switch(reading: _Reading, current: str | None, style: str, chunk: str, m: re.Match) -> tuple[_Survey, _Progress]:
    """A header of another style than the last one's (`current`): its style's survey and progress, begun at the
    style's first header. Kept for `_main_style`: the first header of each style, and the first header of another
    style after each style's first (a header of another style than the last's is one)."""
    if current is not None and current not in reading.other_after:
        reading.other_after[current] = _as_written(reading.undecodable, chunk, m)
    if style not in reading.by_style:
        before = sum(progress.headers for _s, progress in reading.by_style.values())
        reading.first_header_of[style] = (*_as_written(reading.undecodable, chunk, m), before)
        reading.by_style[style] = (_Survey(undecodable=reading.undecodable), _Progress())
    return reading.by_style[style]


def _as_written(undecodable: _Undecodable, chunk: str, m: re.Match) -> tuple[int, str]:
    """A header's line (`_line_at`) and the header as written, without its invisible marks ("[12/03/2024, 08:00:00]")."""
    return _line_at(undecodable, chunk, m), _clean(m.group(0)[1:]).rstrip()


def _other_styles(s: _Survey, name: str) -> Notice | None:
    """The lines after the file's first header that look like headers of another style than the file's
    (`_main_style`), which pass 2 keeps as text of the message before them: how many, the first as written
    and its line. None if there are none.
    (Not read as messages: an export writes every header in one style, so such a line is text a person
    pasted or forwarded, a line of another chat's export, say; read as a message, it would take a sender,
    who may be no one in this chat, and a time read in this chat's zone and date order, out of the message
    that holds it.)"""
    if s.other_styles is None:
        return None
    n, line, written = s.other_styles
    own_line, own = s.first_header
    if n > 1:
        lines, first, kept = (
            f"{n} lines look like message headers",
            "the first, ",
            "they were kept as text of the message before them",
        )
    else:
        lines, first, kept = "1 line looks like a message header", "", "it was kept as text of the message before it"
    return Notice(
        f"{name}: {lines} of another style than the file's {s.headers} headers ({first}{written!r}, at line {line};"
        f" the first of the file's: {own!r}, at line {own_line}): {kept} (an export writes every header in one style)"
    )


def _evidence_at(s: _Survey, kind: str, before: int, chunk: str, m: re.Match) -> None:
    """The first header of a kind of date (`_DateFacts.kind`: its first or second number above 12, written
    year first, ...), for the notices and the refusals (date_order.py): its line, the line breaks in the
    chunks before and in this one up to it (`_line_at`), its date as written (taken from the
    match here, not in the loop: only the first's), and how many headers of the style came `before` it."""
    s.before_first[kind] = before
    g = m.groups()
    d1, sep, d2, era, d3 = g[:3] + (None, g[3]) if g[0] is not None else g[8:13]
    s.first_of[kind] = (_line_at(s.undecodable, chunk, m), f"{d1}{sep}{d2}{sep}{era or ''}{d3}")


def _line_at(undecodable: _Undecodable, chunk: str, m: re.Match) -> int:
    """The line of the header `m` found in `chunk`: the line breaks in the chunks before (counted in
    `undecodable`, see _chunks) and in this one up to it (see _messages)."""
    return undecodable.line_breaks + chunk.count("\n", 0, m.start() + 1)


def _dates_went_back(s: _Survey, progress: _Progress, facts: _DateFacts) -> None:
    """A header of another date than the one before: does the date go back, read day first, read month first?"""
    progress.facts = facts
    if facts.dmy is None:
        return
    if progress.dmy is not None:
        if facts.dmy < progress.dmy:
            s.back_dmy += 1
        if facts.mdy < progress.mdy:
            s.back_mdy += 1
    progress.dmy, progress.mdy = facts.dmy, facts.mdy


def _times_went_back(
    s: _Survey, progress: _Progress, timed: _SurveyDay | None, went_on_to: int, day: _SurveyDay, seconds: int
) -> None:
    """Does the time ever go back, in each order (among the headers pass 2 can read in it)? On which
    days (`backs`, _went_back)? Called when a header's day is another than the last's (`timed`), or
    its time is earlier: the time of the headers between, which only went on, is the last's (`went_on_to`)."""
    last = progress.last
    for order in _ORDERS:
        start = None if timed is None else getattr(timed, order)
        if start is not None:
            last[order] = start + went_on_to
    for order in _ORDERS:
        start = getattr(day, order)
        if start is None:
            continue
        at = start + seconds
        if at < last[order]:
            s.out_of_order.add(order)
            s.backs[order] = _went_back(s.backs[order], start, last[order], at)
        last[order] = at


_ORDERS = ("dmy", "mdy", "ymd")


def _sender_candidates(s: _Survey, first_header: bool, chunk: str, m: re.Match) -> None:
    """The text before the line's first ": " is a candidate sender, and so are the longer ones up to
    three more ": " within 80 characters ("Dr: Smith: hello"), counted with it (`_senders` decides).
    A line without one is a system line: one that speaks of a group says the chat is one."""
    start = m.end()
    end = chunk.find("\n", start)
    if end < 0:
        end = len(chunk)
    cut = chunk.find(": ", start, end)
    if cut < 0:
        if first_header:
            s.first_author = None
        if not s.group_hint and _GROUP_WORDS.search(chunk, start, end):
            s.group_hint = True
        return
    first = chunk[start:cut]
    prefixes, longer = s.prefixes, s.longer
    prefixes[first] = prefixes.get(first, 0) + 1
    if first_header:
        s.first_author = first
        s.first_author_system = chunk[cut + 2 : cut + 3] in _MARK_START and m.group(0)[1:2] not in _MARK_START
    limit = start + 80 if start + 80 < end else end
    more = chunk.find(": ", cut + 2, limit)
    hops = 0
    while more >= 0 and hops < 3:
        pair = (first, chunk[start:more])
        longer[pair] = longer.get(pair, 0) + 1
        more = chunk.find(": ", more + 2, limit)
        hops += 1


_GROUP_WORDS = re.compile("(?i)" + "|".join(locales.words("group")))  # (locales.py)
