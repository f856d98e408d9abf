"""Working hours: when the professional is at work, so review can tell what arrived or went out after hours.

Decisions, and why:
- A spec is what a person types: day groups, each with one or more time ranges, groups separated by
  "," or ";" ("Mon-Thu 09:00-17:30, Fri 09:00-13:00", "Mon,Wed,Fri 08:00-12:00",
  "Mon-Fri 09:00-12:00 13:00-17:00"). Days are English, 3-letter or full, any case; a day range may
  wrap the week ("Fri-Mon"). Times are HH:MM; 24:00 may end a range. Ranges on a day that overlap or
  touch are merged, and a day named twice gets both groups' ranges.
- A range that passes midnight ("Fri 22:00-02:00") is REFUSED, not guessed: a swapped range
  ("18:00-09:00") would otherwise silently become night hours. Write it as two ranges,
  "Fri 22:00-24:00, Sat 00:00-02:00" (which is what it would mean).
- Holidays are whole local days off, in the archive's zone. They are part of the spec after the word
  "holidays" ("Mon-Fri 09:00-18:00; holidays 2026-12-24..2026-12-26, 2027-01-01"), so `str(hours)`
  says everything and `parse(str(hours)) == hours` always; `with_holidays` replaces them.
- An empty spec is refused: "no hours set" is the caller's None, never an Hours.
- `within` asks what the clock on the wall says: the instant is turned into local time in the zone
  (`astimezone`), and that day's ranges (none on a holiday) are compared with the wall time, start
  inclusive, end exclusive. A wall time that occurs twice (the repeated hour when clocks go back)
  is judged the same both times.
- `next_opening` is the earliest instant at or after the given one that `within` accepts: an opening
  at a local time that does not exist (02:30 on a spring-forward day) is the first instant after
  the gap; an opening at a local time that occurs twice is its first occurrence, or its second if
  the first is already past and the wall clock comes back into hours then.
- The stored form (`to_json`) is the weekly spec and the holidays as ISO dates; `from_json` parses it
  back through `parse`, so a stored value is checked exactly as a typed one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import NamedTuple, NoReturn

from textfile.errors import InvalidInput

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")  # by date.weekday()
FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DAY_INDEX = {name.lower(): i for i, name in enumerate(DAYS)} | {name: i for i, name in enumerate(FULL_DAYS)}
EXAMPLE = '"Mon-Fri 09:00-18:00" or "Mon-Thu 09:00-17:30, Fri 09:00-13:00; holidays 2026-12-24..2026-12-26"'
HOLIDAYS_EXAMPLE = '"2026-12-25" or "2026-12-24..2026-12-26, 2027-01-01"'
MAX_HOLIDAY_RANGE = 366  # days in one "a..b" range: a typo'd year is refused, not turned into 10,000 days

_TOKEN = re.compile(r"\s*(?:(?P<word>[^\W\d_]+)|(?P<time>\d[\d:.]*)|(?P<dash>[-–—])|(?P<sep>[,;])|(?P<other>\S))")
_TIME = re.compile(r"(\d{1,2}):(\d{2})")
_HOLIDAYS = re.compile(r"(?i)(?:^|[\s,;])holidays?(?![^\W\d_])")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class Span(NamedTuple):
    """A range of local wall time on one day, in minutes after midnight: start inclusive, end exclusive."""

    start: int
    end: int

    def __str__(self) -> str:
        return f"{_clock(self.start)}-{_clock(self.end)}"


@dataclass(frozen=True)
class Hours:
    """Working hours: each weekday's spans (Monday first, as `date.weekday()`), and whole days off.

    Built through `parse`; constructed directly, the spans are merged and sorted and the holidays
    sorted and made unique, so two Hours that mean the same are equal."""

    week: tuple[tuple[Span, ...], ...]
    holidays: tuple[date, ...] = ()
    _off: frozenset[date] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.week) != 7:
            raise InvalidInput(f"working hours need 7 days of spans, not {len(self.week)}")
        object.__setattr__(self, "week", tuple(_merged(day) for day in self.week))
        object.__setattr__(self, "holidays", tuple(sorted(set(map(_holiday_date, self.holidays)))))
        object.__setattr__(self, "_off", frozenset(self.holidays))

    @property
    def has_hours(self) -> bool:
        """Whether any weekday has a span (if none, there is never an opening)."""
        return any(self.week)

    def spans_on(self, day: date) -> tuple[Span, ...]:
        """That local day's spans: its weekday's, or none on a holiday."""
        return () if day in self._off else self.week[day.weekday()]

    @property
    def weekly(self) -> str:
        """The weekly part of the canonical spec, e.g. "Mon-Fri 09:00-18:00" (no holidays)."""
        groups: dict[tuple[Span, ...], list[int]] = {}
        for weekday, spans in enumerate(self.week):
            if spans:
                groups.setdefault(spans, []).append(weekday)
        return ", ".join(f"{_day_list(days)} {' '.join(map(str, spans))}" for spans, days in groups.items())

    @property
    def spec(self) -> str:
        """The canonical spec: `parse(hours.spec) == hours`."""
        if not self.holidays:
            return self.weekly
        return f"{self.weekly}; holidays {_date_list(self.holidays)}"

    def __str__(self) -> str:
        return self.spec


def parse(spec: str) -> Hours:
    """The Hours a spec names, e.g. "Mon-Fri 09:00-18:00" (see the module docstring for the syntax).

    Raises InvalidInput, one line naming what is wrong and showing a good spec, for anything else."""
    if not isinstance(spec, str) or not spec.strip():
        _refuse(spec, "no hours given (leave the setting unset for none)")
    weekly, holidays = spec, ()
    found = _HOLIDAYS.search(spec)
    if found:
        weekly = spec[: found.start()].rstrip().rstrip(",;")
        holidays = _holidays_in(spec[found.end() :], spec)
    tokens = _tokens(weekly, spec)
    if not tokens:
        _refuse(spec, "no days and times before the holidays")
    week: list[list[Span]] = [[] for _ in DAYS]
    i = 0
    while i < len(tokens):
        days, label, i = _days(tokens, i, spec)
        spans, i = _spans(tokens, i, spec, label)
        for day in days:
            week[day].extend(spans)
        if i < len(tokens):  # a separator, or the next group's first day
            if tokens[i][0] == "sep":
                i += 1
            if i < len(tokens) and tokens[i][0] == "sep":
                _refuse(spec, f"two separators in a row ('{tokens[i - 1][1]}{tokens[i][1]}')")
    return Hours(tuple(tuple(day) for day in week), holidays)


def parse_holidays(text: str) -> tuple[date, ...]:
    """Dates from text: "2026-12-25", ranges "2026-12-24..2026-12-26", separated by commas or spaces."""
    if not isinstance(text, str):
        _refuse(text, "not text", holidays=True)
    return _holidays_in(text, text, alone=True)


def with_holidays(hours: Hours, dates: Iterable[date | str]) -> Hours:
    """The same hours with these holidays instead of its own: dates, or strings as `parse_holidays` reads."""
    days: list[date] = []
    for item in dates:
        days.extend(parse_holidays(item) if isinstance(item, str) else (_holiday_date(item),))
    return Hours(hours.week, tuple(days))


def within(hours: Hours, instant: datetime, zone: tzinfo) -> bool:
    """Whether the instant (aware) falls in working hours, judged by the wall clock in the zone."""
    local = _aware(instant).astimezone(zone)
    minute = local.hour * 60 + local.minute
    return any(span.start <= minute < span.end for span in hours.spans_on(local.date()))


def next_opening(hours: Hours, instant: datetime, zone: tzinfo) -> datetime | None:
    """When working hours next begin at or after the instant (aware), in UTC: the instant itself if
    `within`; None if no weekday has hours. A nonexistent local opening (in a spring-forward gap) is
    the first instant after the gap; an ambiguous one (in the repeated hour) its first occurrence,
    unless that is past and the second is not."""
    instant = _aware(instant).astimezone(UTC)
    if within(hours, instant, zone):
        return instant
    if not hours.has_hours:
        return None
    first = instant.astimezone(zone).date() - timedelta(days=1)
    limit = len(hours.holidays) + 16  # past every holiday there is a whole week with hours
    for offset in range(0, limit, 7):
        days = [first + timedelta(days=offset + k) for k in range(8)]  # chunks overlap by a day
        candidates = sorted({c for day in days for c in _candidates(hours, day, zone) if c > instant})
        for candidate in candidates:
            if within(hours, candidate, zone):
                return candidate
    return None


def to_json(hours: Hours) -> str:
    """The hours as JSON text to store: the weekly spec and the holidays as ISO dates."""
    return json.dumps({"spec": hours.weekly, "holidays": [d.isoformat() for d in hours.holidays]}, sort_keys=True)


def from_json(data: str | bytes | dict) -> Hours:
    """Hours stored by `to_json` (its text, or the decoded object); InvalidInput if it is not that."""
    try:
        stored = json.loads(data) if isinstance(data, str | bytes) else data
    except ValueError as e:
        raise InvalidInput(f"stored working hours are not JSON: {e}") from None
    if not isinstance(stored, dict) or not isinstance(stored.get("spec"), str):
        raise InvalidInput(f"stored working hours have no spec: {str(data)[:80]!r}")
    holidays = stored.get("holidays", [])
    if not isinstance(holidays, list) or not all(isinstance(d, str) for d in holidays):
        raise InvalidInput(f"stored working hours' holidays are not a list of dates: {holidays!r}"[:200])
    return with_holidays(parse(stored["spec"]), holidays)


# -- parsing ------------------------------------------------------------------------------------


def _refuse(spec, problem: str, holidays: bool = False) -> NoReturn:
    what, example = ("holidays", HOLIDAYS_EXAMPLE) if holidays else ("working hours", EXAMPLE)
    raise InvalidInput(f"{what} {spec!r}: {problem}; write them like {example}")


def _tokens(text: str, spec: str) -> list[tuple[str, str]]:
    tokens = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "other":
            _refuse(spec, f"unexpected '{m.group(kind)}'")
        tokens.append((kind, m.group(kind)))
    return tokens


def _day(token: tuple[str, str], spec: str, what: str = "a day") -> int:
    kind, text = token
    if kind != "word":
        _refuse(spec, f"'{text}' where {what} was expected")
    if text.lower() not in DAY_INDEX:
        _refuse(spec, f"unknown day '{text}' (days are Mon..Sun or Monday..Sunday)")
    return DAY_INDEX[text.lower()]


def _days(tokens, i: int, spec: str) -> tuple[list[int], str, int]:
    """A group's days from tokens[i]: "Mon", "Mon-Fri", "Mon,Wed,Fri", "Mon-Wed,Fri"; the days, their text, the next index."""
    days: list[int] = []
    start = i
    while True:
        first = _day(tokens[i], spec)
        i += 1
        if i < len(tokens) and tokens[i][0] == "dash":
            if i + 1 >= len(tokens) or tokens[i + 1][0] != "word":
                _refuse(spec, f"day range '{tokens[i - 1][1]}-' has no last day")
            last = _day(tokens[i + 1], spec)
            days.extend((first + k) % 7 for k in range((last - first) % 7 + 1))
            i += 2
        else:
            days.append(first)
        if i + 1 < len(tokens) and tokens[i] == ("sep", ",") and tokens[i + 1][0] == "word":
            i += 1
            continue
        return days, "".join(text for _, text in tokens[start:i]), i


def _spans(tokens, i: int, spec: str, label: str) -> tuple[list[Span], int]:
    """A group's time ranges from tokens[i], separated by spaces or commas; the spans, the next index."""
    if i >= len(tokens) or tokens[i][0] != "time":
        _refuse(spec, f"{label} has no times")
    spans = []
    while True:
        start_text = tokens[i][1]
        start = _minute(start_text, spec)
        if i + 2 >= len(tokens) or tokens[i + 1][0] != "dash" or tokens[i + 2][0] != "time":
            _refuse(spec, f"{start_text} has no end (a range is HH:MM-HH:MM)")
        end = _minute(tokens[i + 2][1], spec)
        span = f"{start_text}-{tokens[i + 2][1]}"
        if start == 24 * 60:
            _refuse(spec, f"{span} starts at 24:00")
        if end == start:
            _refuse(spec, f"{span} is empty")
        if end < start:
            _refuse(spec, f"{span} passes midnight (split such a range at 24:00: 'Fri 22:00-24:00, Sat 00:00-02:00')")
        spans.append(Span(start, end))
        i += 3
        if i < len(tokens) and tokens[i][0] == "time":
            continue
        if i + 1 < len(tokens) and tokens[i] == ("sep", ",") and tokens[i + 1][0] == "time":
            i += 1
            continue
        return spans, i


def _minute(text: str, spec: str) -> int:
    m = _TIME.fullmatch(text)
    if not m or int(m[2]) > 59 or int(m[1]) > 24 or (int(m[1]) == 24 and m[2] != "00"):
        _refuse(spec, f"bad time '{text}' (times are HH:MM, 00:00 to 24:00)")
    return int(m[1]) * 60 + int(m[2])


def _holidays_in(text: str, spec: str, alone: bool = False) -> tuple[date, ...]:
    items = [item for item in re.split(r"[\s,;]+", re.sub(r"\s*\.\.\s*", "..", text)) if item]
    if not items:
        _refuse(spec, "no dates" if alone else "holidays lists no dates", alone)
    days: list[date] = []
    for item in items:
        first_text, _, last_text = item.partition("..")
        first = _iso_date(first_text, spec, alone)
        last = _iso_date(last_text, spec, alone) if last_text or item.endswith("..") else first
        count = (last - first).days + 1
        if count < 1:
            _refuse(spec, f"holiday range '{item}' ends before it starts", alone)
        if count > MAX_HOLIDAY_RANGE:
            _refuse(spec, f"holiday range '{item}' is longer than {MAX_HOLIDAY_RANGE} days", alone)
        days.extend(first + timedelta(days=k) for k in range(count))
    return tuple(sorted(set(days)))


def _iso_date(text: str, spec: str, alone: bool) -> date:
    try:
        if _DATE.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    _refuse(spec, f"bad holiday '{text}' (dates are YYYY-MM-DD, ranges YYYY-MM-DD..YYYY-MM-DD)", alone)


def _holiday_date(day) -> date:
    if isinstance(day, datetime) or not isinstance(day, date):
        raise InvalidInput(f"a holiday is a date, not {day!r}")
    return day


# -- canonical form -----------------------------------------------------------------------------


def _merged(spans: Iterable) -> tuple[Span, ...]:
    merged: list[Span] = []
    for start, end in sorted(spans):
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= 24 * 60):
            raise InvalidInput(f"a span of working hours runs {start!r} to {end!r} minutes after midnight")
        if merged and start <= merged[-1].end:
            merged[-1] = Span(merged[-1].start, max(end, merged[-1].end))
        else:
            merged.append(Span(start, end))
    return tuple(merged)


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _runs(items: list, step) -> list[list]:
    """Items (sorted) cut into runs of consecutive ones."""
    runs: list[list] = []
    for item in items:
        if runs and step(runs[-1][-1]) == item:
            runs[-1].append(item)
        else:
            runs.append([item])
    return runs


def _day_list(days: list[int]) -> str:
    """Weekdays as "Mon-Fri" (three or more in a row) or "Sat,Sun"."""
    parts = []
    for run in _runs(days, lambda d: d + 1):
        parts.extend([f"{DAYS[run[0]]}-{DAYS[run[-1]]}"] if len(run) >= 3 else [DAYS[d] for d in run])
    return ",".join(parts)


def _date_list(days: tuple[date, ...]) -> str:
    """Dates as "2026-12-24..2026-12-26" (two or more in a row) or "2027-01-01", comma-separated."""
    runs = _runs(list(days), lambda d: d + timedelta(days=1))
    return ", ".join(f"{r[0]}..{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


# -- local time -----------------------------------------------------------------------------------


def _aware(instant: datetime) -> datetime:
    if not isinstance(instant, datetime) or instant.utcoffset() is None:
        raise InvalidInput(f"an instant for working hours must be a timezone-aware datetime, not {instant!r}")
    return instant


def _candidates(hours: Hours, day: date, zone: tzinfo) -> list[datetime]:
    """The instants on a local day where `within` can turn true: each span's start (every instant
    the wall clock shows it), and any change of UTC offset (the clock jumping into a span)."""
    found = [c for span in hours.spans_on(day) for c in _instants(day, span.start, zone)]
    midnight, next_midnight = _instants(day, 0, zone)[0], _instants(day + timedelta(days=1), 0, zone)[0]
    if midnight.astimezone(zone).utcoffset() != (next_midnight - timedelta(seconds=1)).astimezone(zone).utcoffset():
        found.append(_transition(midnight, next_midnight, zone))
    return found


def _instants(day: date, minute: int, zone: tzinfo) -> list[datetime]:
    """The UTC instants when the wall clock in the zone shows that day and minute: one, two (a
    repeated hour), or, for a time in a gap, the first instant after it."""
    wall = datetime.combine(day, time()) + timedelta(minutes=minute)
    early, late = (wall.replace(tzinfo=zone, fold=f).astimezone(UTC) for f in (0, 1))
    if early == late:
        return [early]
    if early.astimezone(zone).replace(tzinfo=None) == wall:  # exists twice
        return sorted((early, late))
    return [_transition(min(early, late), max(early, late), zone)]


def _transition(before: datetime, after: datetime, zone: tzinfo) -> datetime:
    """The first instant in (before, after] with the zone's offset at `after` (a change between them)."""
    offset = after.astimezone(zone).utcoffset()
    low, high = 0, int((after - before).total_seconds())  # offsets change on whole seconds
    while high - low > 1:
        middle = (low + high) // 2
        if (before + timedelta(seconds=middle)).astimezone(zone).utcoffset() == offset:
            high = middle
        else:
            low = middle
    return before + timedelta(seconds=high)
