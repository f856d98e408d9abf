"""Working hours and a zone's clock as UTC intervals, so SQL can judge a million texts at once.

`hours.within` judges one instant by the wall clock; reading a million texts through it in Python
costs seconds. Over a span of time, the instants `within` accepts form intervals whose ends lie
only where the wall clock crosses the start or end of a range or midnight (each local time at most
twice: both readings of a time the clocks repeat), or where the zone's offset changes. So those
instants are gathered, sorted, and each stretch between two of them is judged once by `within`
itself: the intervals are exactly what `within` says, DST gaps and repeated hours included.

`offsets` gives the zone's UTC offset over the same span (from each change on), for the local time
a flag says ("2024-03-08T08:30-05:00") to be written by SQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

from textfile import times
from textfile.review import hours as working

DAY = timedelta(days=1)


def _local_days(start: datetime, end: datetime, zone: tzinfo) -> list[date]:
    first, last = start.astimezone(zone).date() - DAY, end.astimezone(zone).date() + DAY
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _readings(day: date, minute: int, zone: tzinfo) -> set[datetime]:
    """The UTC instants a wall time of a day may be (both readings of a repeated one; a time in a gap
    gives instants off the boundary, harmless: the change itself is gathered too)."""
    wall = datetime.combine(day, time()) + timedelta(minutes=minute)
    return {wall.replace(tzinfo=zone, fold=fold).astimezone(UTC) for fold in (0, 1)}


def changes(start: datetime, end: datetime, zone: tzinfo) -> list[tuple[datetime, int]]:
    """(from this instant, the zone's offset in minutes), from `start` to `end`: each change found to
    the second, a day at a time (no zone changes its offset twice in a day)."""

    def offset(seconds: int) -> int:
        return int(datetime.fromtimestamp(seconds, zone).utcoffset().total_seconds() // 60)

    at, stop = int(start.timestamp()), int(end.timestamp())
    out = [(start, offset(at))]
    while at < stop:
        step = min(at + 86400, stop)
        if offset(step) != out[-1][1]:
            low, high = at, step  # the change lies in (low, high]
            while high - low > 1:
                middle = (low + high) // 2
                low, high = (middle, high) if offset(middle) == out[-1][1] else (low, middle)
            out.append((datetime.fromtimestamp(high, UTC), offset(high)))
        at = step
    return out


def open_intervals(hours: working.Hours, zone: tzinfo, start: datetime, end: datetime) -> list[tuple[str, str]]:
    """The working periods from before `start` to after `end`, as stored instants [open, close)."""
    days = _local_days(start, end, zone)
    edges: set[datetime] = set()
    for day in days:
        edges |= _readings(day, 0, zone)
        for span in hours.spans_on(day):
            edges |= _readings(day, span.start, zone) | _readings(day, span.end, zone)
    low = datetime.combine(days[0], time(), tzinfo=UTC) - DAY
    high = datetime.combine(days[-1], time(), tzinfo=UTC) + 2 * DAY
    edges |= {at for at, _ in changes(low, high, zone)[1:]}
    ordered = sorted(e for e in edges if low <= e <= high)
    out: list[tuple[str, str]] = []
    for a, b in zip(ordered, ordered[1:], strict=False):
        if working.within(hours, a, zone):
            if out and out[-1][1] == times.to_iso(a):
                out[-1] = (out[-1][0], times.to_iso(b))
            else:
                out.append((times.to_iso(a), times.to_iso(b)))
    return out
