"""Wall-clock times a DST change made impossible or ambiguous in the zone, and how each was read.

Decisions:
- A time as written that a DST change made impossible or ambiguous in the zone is read as
  `times.localize` says and flagged on its message; an assumption of the import says how many
  were read how, naming the first lines of each with the time as written and as read (`_Resolved`).
  Except where the order of the lines shows the clocks going back: WhatsApp writes a chat in the
  order it was sent, mostly, so on a day whose lines go back in time once, from a time of the
  repeated hour to an earlier one of it (the survey counts the go-backs of each day, `_fall_backs`
  checks them in the zone), the line that goes back and the lines of that hour after it are the
  second occurrence (still flagged `time_ambiguous`; the instant says which, `times.second_occurrence`).
  The lines of that hour before it are the first, on that evidence. A day whose lines go back
  elsewhere too proves nothing: the first is assumed, and the assumption names the line. By day,
  not by file, so that a later export of the chat, with lines out of order on other days, reads
  that night the same way. Identity holds the time as written: it does not change with the reading.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import NamedTuple

from textfile import times
from textfile.model import (
    Notice,
)


class _Reading(NamedTuple):
    """How one line's time as written was read (for the notice: the first lines of each reading)."""

    line: int
    written: str  # the header as written
    sent_at: datetime  # as read
    precision: str  # "second" | "minute"
    why: str | None = None  # what in the order of the lines said so


class _Resolved:
    """The times as written that a DST change made impossible or ambiguous in the zone (`_instant`'s
    flags), for an assumption that says how each was read: how many, and the first lines of each.

    A time that occurred twice (the clocks went back) is read as the first of the two, unless the
    order of the lines shows otherwise: on a day of `fall_backs` (its lines go back in time once, from
    one time of the repeated hour to an earlier one), the line that goes back and the lines of that
    hour after it are the second of the two; the lines of that hour before it are the first, on that
    evidence. A line of the repeated hour that goes back on another day is named: its order proves
    nothing there (`unused`)."""

    SHOWN = 5
    NONEXISTENT = "did not exist (the clocks jumped forward) and {} read with the offset before the change"
    TWICE = "occurred twice (the clocks went back)"
    HOW = {
        "before": "read as the first of the two, as a later line of that hour goes back in time (the clocks going back)",
        "second": "read as the second of the two, from the line of that hour that goes back in time on, the lines of that day"
        " being otherwise in time order",
        "first": "read as the first of the two, where the order of the lines does not show which",
    }

    def __init__(self, tz, fall_backs: set | None) -> None:
        self.tz = tz
        self.fall_backs = fall_backs or set()
        self.too_many = fall_backs is None  # the file's lines go back on too many days (_went_back)
        self.counts: dict[str, int] = {}
        self.shown: dict[str, list] = {}
        # _day_start -> [the latest time of the repeated hour (_time_of_day, line, as written), the line
        # that went back or None, the lines before it: [how many, the first SHOWN]]
        self.days: dict[int, list] = {}
        self.unused: tuple | None = None  # (line that goes back, line it goes back from) on a day not in fall_backs

    def add(self, how: str, entry: _Reading, n: int = 1) -> None:
        self.counts[how] = self.counts.get(how, 0) + n
        shown = self.shown.setdefault(how, [])
        if (
            len(shown) < self.SHOWN or entry.line < shown[-1].line
        ):  # (lines held back come later: the first lines are shown)
            shown.append(entry)
            shown.sort()
            del shown[self.SHOWN :]

    def twice(
        self, day_start: int, at: int, wall: tuple, line: int, written: str, sent_at: datetime, precision: str
    ) -> datetime:
        """The instant of a time that occurred twice (`sent_at`: the first), as the order of the lines shows it."""
        day = self.days.get(day_start)
        if day is None:
            day = self.days[day_start] = [None, None, [0, []]]
        latest, back, before = day
        why = None
        if back is None and latest is not None and at < latest[0]:
            if day_start in self.fall_backs:
                day[1] = back = line
                why = f'it goes back from line {latest[1]}, written "{latest[2]}"'
                for entry in before[1]:
                    self.add("before", entry, 0)
                self.counts["before"] = self.counts.get("before", 0) + before[0]
            elif self.unused is None:
                self.unused = (line, latest[1])
        if latest is None or at > latest[0]:
            day[0] = (at, line, written)
        if back is not None:
            sent_at = datetime(*wall, tzinfo=self.tz, fold=1).astimezone(times.UTC)
            self.add("second", _Reading(line, written, sent_at, precision, why or f"after line {back}"))
        elif day_start in self.fall_backs:
            before[0] += 1
            if len(before[1]) < self.SHOWN:
                before[1].append(_Reading(line, written, sent_at, precision))
        else:
            self.add("first", _Reading(line, written, sent_at, precision))
        return sent_at

    def notice(self, name: str, zone_name: str) -> Notice | None:
        for _latest, back, before in self.days.values():  # a day whose lines never went back: the first was assumed
            if back is None and before[0]:
                for entry in before[1]:
                    self.add("first", entry, 0)
                self.counts["first"] = self.counts.get("first", 0) + before[0]
        if not self.counts:
            return None
        parts = []
        if "time_nonexistent" in self.counts:
            n = self.counts["time_nonexistent"]
            parts.append(
                f"{n} {self.NONEXISTENT.format('was' if n == 1 else 'were')}: {self._lines('time_nonexistent')}"
            )
        twice = [how for how in ("before", "second", "first") if how in self.counts]
        unused = ""
        if self.unused:
            unused = (
                f" (line {self.unused[0]} has an earlier time of that hour than line {self.unused[1]} before it, but "
                + (
                    "the file's lines go back in time on too many days to be counted"
                    if self.too_many
                    else "that day's lines do not go back in time just once, within that hour"
                )
                + ", so their order does not show which)"
            )
        if twice == ["first"]:
            n = self.counts["first"]
            parts.append(
                f"{n} {self.TWICE} and {'was' if n == 1 else 'were'} read as the first of the two: {self._lines('first')}{unused}"
            )
        elif twice:
            parts.append(
                f"{sum(self.counts[how] for how in twice)} {self.TWICE}: "
                + "; ".join(
                    f"{self.counts[how]} {'was' if self.counts[how] == 1 else 'were'} {self.HOW[how]}: {self._lines(how)}"
                    + (unused if how == "first" else "")
                    for how in twice
                )
            )
        total = sum(self.counts.values())
        return Notice(
            f"{name}: {total} time{'s' if total != 1 else ''} as written did not exist or occurred twice in {zone_name}"
            f" (daylight saving time): {'; '.join(parts)}",
            kind="assumption",
        )

    def _lines(self, how: str) -> str:
        """The first lines read this way, each as written and as read (and why, where the order of the lines said)."""
        n = self.counts[how]
        return ", ".join(
            f'line {entry.line} (written "{entry.written}", read as {times.display(times.to_iso(entry.sent_at), self.tz, entry.precision)}'
            + (f": {entry.why})" if entry.why is not None else ")")
            for entry in self.shown[how]
        ) + (f", and {n - self.SHOWN} more" if n > self.SHOWN else "")


def _fall_backs(days: dict | None, tz) -> set | None:
    """The days (_day_start) whose lines show the clocks going back in `tz`: the time goes back on the
    day once (the survey's `backs`), from a time the change made occur twice to an earlier such time
    that, read as its second occurrence, comes after the first reading of the time before it. None:
    the file's lines go back on too many days for the survey to count (`_went_back`)."""
    if days is None:
        return None
    found = set()
    for day_start, (count, before, at) in days.items():
        if count != 1 or before >= day_start + 86400:  # (the time before it is on that day: not a later date's)
            continue
        try:
            midnight = datetime(*date.fromordinal(day_start // 86400).timetuple()[:3])
            earlier, flag = times.localize(midnight + timedelta(seconds=before - day_start), tz)
            later = midnight + timedelta(seconds=at - day_start)
            if (
                flag == "time_ambiguous"
                and times.localize(later, tz)[1] == "time_ambiguous"
                and (later.replace(tzinfo=tz, fold=1).astimezone(times.UTC) > earlier.astimezone(times.UTC))
            ):
                found.add(day_start)
        except (OverflowError, ValueError):  # a day at the calendar's edge
            continue
    return found
