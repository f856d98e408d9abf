"""A record's `date`: the instant it names, read in milliseconds or seconds, checked against its
`readable_date`; a date that names none is no date.

Decisions, and why:
  - `date` is Unix milliseconds, but some writers put seconds: a value below 10^11 (before March
    1973 in milliseconds, when no SMS existed) is read as seconds unless its `readable_date` says
    milliseconds; how many were read so, and what their readable_date says, is said once. A
    readable_date is the phone's clock with no zone: it agrees with an instant when it is no more
    than 12 hours behind and 14 ahead of UTC (every zone in use), to what it writes (a second, a
    minute, a day); it is read where its form is unambiguous (a month by name, or year-month-day),
    else by its year alone. One that fits neither reading contradicts the date: each such record is
    named, with both values (the first five, then how many more), and keeps its date as read.
    (An MMS's `date_sent` is in seconds by format; it is not read.)
  - A `date` of 0 or below is no date (Android writes 0 where it has none; read, it would be
    1 January 1970): the record is skipped with why, as one no clock holds (year 11476) is. No date
    is invented, and a message placed at one it never had would head every transcript; a skip is
    counted and named on the import (its element), whose file hash identifies the backup holding it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from textfile.importers.android.attributes import _int
from textfile.importers.android.notices import _Refs
from textfile.model import Notice, Skipped
from textfile.times import from_unix_ms

SECONDS_BELOW = 10**11  # a `date` below this is in seconds (_Dates.instant)
_YEAR = re.compile(r"(?<!\d)(?:19|2\d)\d\d(?!\d)")  # the year in readable_date="Dec 2, 2017 06:49:27"
# readable_date="Dec 2, 2017 06:49:27", "Oct 29, 2025 8:01:00 AM", "2 Dec 2017 06:49", "2017-12-02 06:49:27", "Mar 1, 2024"
_READABLE_DATE = re.compile(
    r"\s*(?:([A-Za-z]{3})[A-Za-z]*\.?\s+(\d{1,2}),?|(\d{1,2})\s+([A-Za-z]{3})[A-Za-z]*\.?,?)\s+((?:19|2\d)\d\d)(?!\d)"
    r"|\s*((?:19|2\d)\d\d)-(\d\d)-(\d\d)(?!\d)"
)
_READABLE_TIME = re.compile(r"[\sT,]+(\d{1,2}):(\d\d)(?::(\d\d))?(?:\s*([AaPp])\.?\s?[Mm]\.?)?\s*")
_MONTHS = {
    name: n
    for n, name in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)
}
# What a readable_date says of a date read as seconds (_Dates.instant), in the order said.
CONTRADICTS = "contradicts it"
READABLE = ("agrees", "agrees in its year (a form read no further)", CONTRADICTS, "is absent", "names no year")
# The phone's clock is UTC plus an offset between these (UTC-12:00 to UTC+14:00, every zone in use).
BEHIND_UTC, AHEAD_OF_UTC = timedelta(hours=12), timedelta(hours=14)


def _instant(ms: int) -> datetime | None:
    """Unix milliseconds as a UTC instant; None for a number no clock holds (before year 1, after
    9999: fromtimestamp raises ValueError, OverflowError or OSError by how far out it is)."""
    try:
        return from_unix_ms(ms)
    except (ValueError, OverflowError, OSError):
        return None


def _undated(element: str, date: int, ref: str) -> Skipped:
    """A record whose `date` names no instant: 0 or below (what Android stores where it has no time;
    read, it would be 1 January 1970), or beyond what a clock holds (year 11476). Skipped, with why:
    no date is invented, and a message placed at one it never had would stand first in every
    transcript, at a time the evidence does not give."""
    if date <= 0 and _instant(date) is not None:
        return Skipped(
            f'{element} with date="{date}", which is no date (Android writes 0 where it has none): not archived,'
            " since no date is invented for it",
            ref,
        )
    return Skipped(f"{element} date {date} is outside the dates a clock can hold", ref)


class _Wall(NamedTuple):
    """A readable_date as the wall-clock time it writes, and how finely it writes it (a second, a minute, a day)."""

    time: datetime
    precision: timedelta


def _wall(readable: str) -> _Wall | None:
    """A `readable_date` as the wall-clock time it writes and how finely (a second, a minute, or a
    day where it has no time), where it is written in a form read unambiguously: a month by its
    name's first three letters (English, and those of the languages where they name the same
    month), or year-month-day. None for any other (02/03/2024 could be either month)."""
    date = _READABLE_DATE.match(readable)
    if date is None:
        return None
    if date.group(6):
        year, month, day = int(date.group(6)), int(date.group(7)), int(date.group(8))
    else:
        month = _MONTHS.get((date.group(1) or date.group(4)).lower())
        if month is None:
            return None
        year, day = int(date.group(5)), int(date.group(2) or date.group(3))
    hour = minute = second = 0
    precision = timedelta(days=1)
    rest = readable[date.end() :]
    if rest.strip():
        time = _READABLE_TIME.fullmatch(rest)
        if time is None:
            return None
        hour, minute, second = int(time.group(1)), int(time.group(2)), int(time.group(3) or 0)
        if time.group(4):
            if not 1 <= hour <= 12:
                return None
            hour = hour % 12 + (12 if time.group(4) in "Pp" else 0)
        precision = timedelta(seconds=1) if time.group(3) else timedelta(minutes=1)
    try:
        return _Wall(datetime(year, month, day, hour, minute, second, tzinfo=UTC), precision)
    except ValueError:
        return None


def _agrees(instant: datetime | None, readable: _Wall | int) -> bool:
    """Whether a `readable_date` (`_wall`, or the year it names) can be `instant` on a phone's
    clock: its wall time at most 12 hours behind or 14 ahead of UTC, within what the readable_date
    writes (its second, minute or day). A year alone agrees within a year (the clock's zone can
    put the last hours of a year in the next)."""
    if instant is None:
        return False
    if isinstance(readable, int):
        return abs(readable - instant.year) <= 1
    wall, precision = readable
    return wall - AHEAD_OF_UTC <= instant < wall + precision + BEHIND_UTC


class _Dated(NamedTuple):
    """A record's `date` as written (Unix milliseconds, or seconds), and the instant it names."""

    date: int
    sent_at: datetime


class _Dates:
    """The dates of one backup: each record's `date` read as an instant, and what is said of those read as seconds."""

    def __init__(self) -> None:
        # _Dates.instant: dates read as seconds, and what the readable_date of each says (READABLE: a
        # contradiction with both values); dates small enough to be seconds that readable_date says are milliseconds.
        self.in_seconds, self.ms_by_readable = _Refs(), _Refs()
        self.readable = {how: _Refs("; " if how == CONTRADICTS else ", ") for how in READABLE}

    def sent_at(self, date: int, attrib: dict, ref: str) -> datetime | None:
        """A record's `date` as an instant: Unix milliseconds, or below 10^11 as `instant` reads it."""
        return _instant(date) if date >= SECONDS_BELOW else self.instant(date, attrib.get("readable_date"), ref)

    def dated(self, element: str, attrib: dict, ref: str) -> _Dated | Skipped:
        """A record's `date` and its instant, or the record skipped (no valid date, or one that names no instant)."""
        date = _int(attrib.get("date"))
        if date is None:
            return Skipped(f"{element} without a valid date ({attrib.get('date')!r})", ref)
        sent_at = self.sent_at(date, attrib, ref)
        if sent_at is None:
            return _undated(element, date, ref)
        return _Dated(date, sent_at)

    def instant(self, date: int, readable: str | None, ref: str) -> datetime | None:
        """A `date` below 10^11 as an instant (None for 0 and below: no date, `_undated`). In
        milliseconds it would be before March 1973 (no SMS is that old); some writers put seconds,
        which reach the year 5138: it is read as seconds, unless its `readable_date` (the app's own
        rendering of the date, in the phone's zone and language) says milliseconds (`_agrees`).
        A readable_date that fits neither reading contradicts the date: the record is named, with
        both values, and keeps the date as read. Counted, and said once (`notices`)."""
        if date <= 0:
            return None
        as_seconds = _instant(date * 1000)
        read, detail = _wall(readable) if readable else None, ref
        if read is None and readable:
            match = _YEAR.search(readable)
            read = int(match.group(0)) if match is not None else None
        if read is None:
            how = "names no year" if readable else "is absent"
        elif _agrees(as_seconds, read):
            how = "agrees" if isinstance(read, tuple) else "agrees in its year (a form read no further)"
        elif _agrees(as_ms := _instant(date), read):
            self.ms_by_readable.add(ref)
            return as_ms
        else:
            how = CONTRADICTS
            detail = f'{ref}: date="{date}" read as seconds is {as_seconds:%Y-%m-%d %H:%M:%S} UTC, readable_date="{readable}"'
        self.readable[how].add(detail)
        self.in_seconds.add(ref)
        return as_seconds

    def notices(self) -> Iterator[Notice]:
        seconds, ms, contradicts = self.in_seconds, self.ms_by_readable, self.readable[CONTRADICTS]
        if seconds:
            said = [
                f"{how} for {refs.count} ({refs if how != CONTRADICTS else 'named below'})"
                for how, refs in self.readable.items()
                if refs
            ]
            yield Notice(
                f"read {seconds.count} date{'s' if seconds.count > 1 else ''} as seconds, not milliseconds ({seconds}):"
                " a value below 100,000,000,000 is before March 1973 in milliseconds"
                + ("; readable_date " + ", ".join(said) if said else ""),
                "assumption",
            )
        if contradicts:
            yield Notice(
                f"readable_date contradicts the date for {contradicts.count} record{'s' if contradicts.count > 1 else ''}:"
                f" {contradicts}. A readable_date is the phone's clock, at most 12 hours behind and 14 hours ahead of UTC"
                " (whatever its zone), to the second, minute or day it writes: each record keeps its date as read"
            )
        if ms:
            yield Notice(
                f"read {ms.count} date{'s' if ms.count > 1 else ''} small enough to be seconds as milliseconds ({ms}):"
                " their readable_date says so",
                "assumption",
            )
