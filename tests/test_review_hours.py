"""Issue 18, working hours: the spec parsed and read back, within() on each side of every boundary,
next_opening() over weekends, holidays and DST changes, in zones near and far from UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from textfile.errors import InvalidInput
from textfile.review import hours
from textfile.review.hours import Hours, Span

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
AUCKLAND = ZoneInfo("Pacific/Auckland")
KOLKATA = ZoneInfo("Asia/Kolkata")
OFFICE = hours.parse("Mon-Fri 09:00-18:00")


def utc(*fields) -> datetime:
    return datetime(*fields, tzinfo=UTC)


def local(zone, *fields, fold=0) -> datetime:
    """A wall time in the zone, as the UTC instant it is."""
    return datetime(*fields, tzinfo=zone, fold=fold).astimezone(UTC)


def table(h: Hours) -> dict[str, list[str]]:
    """The days that have hours -> their spans as text."""
    return {hours.DAYS[day]: [str(s) for s in spans] for day, spans in enumerate(h.week) if spans}


def refused(spec, problem: str) -> str:
    return f"working hours {spec!r}: {problem}; write them like {hours.EXAMPLE}"


def message(call, *args) -> str:
    with pytest.raises(InvalidInput) as raised:
        call(*args)
    return str(raised.value)


# -- parsing ------------------------------------------------------------------------------------

GOOD = {
    "Mon-Fri 09:00-18:00": {d: ["09:00-18:00"] for d in ("Mon", "Tue", "Wed", "Thu", "Fri")},
    "Mon-Thu 09:00-17:30, Fri 09:00-13:00": {
        **{d: ["09:00-17:30"] for d in ("Mon", "Tue", "Wed", "Thu")},
        "Fri": ["09:00-13:00"],
    },
    "Mon,Wed,Fri 08:00-12:00": {"Mon": ["08:00-12:00"], "Wed": ["08:00-12:00"], "Fri": ["08:00-12:00"]},
    "Sat 10:00-14:00": {"Sat": ["10:00-14:00"]},
    "Mon-Fri 09:00-12:00 13:00-17:00": {d: ["09:00-12:00", "13:00-17:00"] for d in ("Mon", "Tue", "Wed", "Thu", "Fri")},
    "Mon-Wed 09:00-12:00; Thu 9:00-12:00, 13:00-17:00": {
        "Mon": ["09:00-12:00"],
        "Tue": ["09:00-12:00"],
        "Wed": ["09:00-12:00"],
        "Thu": ["09:00-12:00", "13:00-17:00"],
    },
    "monday-FRIDAY 09:00-12:00, Saturday 10:00-11:00": {
        **{d: ["09:00-12:00"] for d in ("Mon", "Tue", "Wed", "Thu", "Fri")},
        "Sat": ["10:00-11:00"],
    },
    "Fri 22:00-24:00, Sat 00:00-02:00": {"Fri": ["22:00-24:00"], "Sat": ["00:00-02:00"]},
    "Fri-Mon 10:00-11:00": {d: ["10:00-11:00"] for d in ("Mon", "Fri", "Sat", "Sun")},  # wraps the week
    # overlapping and touching ranges merge; a day named twice gets both groups' ranges
    "Mon 09:00-12:00 11:00-13:00 13:00-14:00 15:00-16:00, Mon-Tue 15:30-17:00": {
        "Mon": ["09:00-14:00", "15:00-17:00"],
        "Tue": ["15:30-17:00"],
    },
    "Mon-Sun 00:00-24:00": {d: ["00:00-24:00"] for d in hours.DAYS},
    "  Mon-Fri 09:00-18:00 ;": {d: ["09:00-18:00"] for d in ("Mon", "Tue", "Wed", "Thu", "Fri")},
}


def test_good_specs_name_each_days_ranges():
    assert {spec: table(hours.parse(spec)) for spec in GOOD} == GOOD
    assert hours.parse("Mon-Fri 09:00-18:00") == Hours(((Span(540, 1080),),) * 5 + ((), ()), ())


def test_canonical_spec_and_round_trips():
    canonical = {spec: hours.parse(spec).spec for spec in GOOD}
    assert canonical == {
        "Mon-Fri 09:00-18:00": "Mon-Fri 09:00-18:00",
        "Mon-Thu 09:00-17:30, Fri 09:00-13:00": "Mon-Thu 09:00-17:30, Fri 09:00-13:00",
        "Mon,Wed,Fri 08:00-12:00": "Mon,Wed,Fri 08:00-12:00",
        "Sat 10:00-14:00": "Sat 10:00-14:00",
        "Mon-Fri 09:00-12:00 13:00-17:00": "Mon-Fri 09:00-12:00 13:00-17:00",
        "Mon-Wed 09:00-12:00; Thu 9:00-12:00, 13:00-17:00": "Mon-Wed 09:00-12:00, Thu 09:00-12:00 13:00-17:00",
        "monday-FRIDAY 09:00-12:00, Saturday 10:00-11:00": "Mon-Fri 09:00-12:00, Sat 10:00-11:00",
        "Fri 22:00-24:00, Sat 00:00-02:00": "Fri 22:00-24:00, Sat 00:00-02:00",
        "Fri-Mon 10:00-11:00": "Mon,Fri-Sun 10:00-11:00",
        "Mon 09:00-12:00 11:00-13:00 13:00-14:00 15:00-16:00, Mon-Tue 15:30-17:00": "Mon 09:00-14:00 15:00-17:00, Tue 15:30-17:00",
        "Mon-Sun 00:00-24:00": "Mon-Sun 00:00-24:00",
        "  Mon-Fri 09:00-18:00 ;": "Mon-Fri 09:00-18:00",
    }
    for spec in GOOD:
        parsed = hours.parse(spec)
        assert hours.parse(parsed.spec) == parsed
        assert str(parsed) == parsed.spec
        assert hours.from_json(hours.to_json(parsed)) == parsed
    with_days_off = hours.parse("Sat,Sun 10:00-12:00; holidays 2026-12-26, 2026-12-24 .. 2026-12-25, 2027-01-01")
    assert str(with_days_off) == "Sat,Sun 10:00-12:00; holidays 2026-12-24..2026-12-26, 2027-01-01"
    assert with_days_off.weekly == "Sat,Sun 10:00-12:00"
    assert hours.parse(str(with_days_off)) == with_days_off


BAD = {
    "": "no hours given (leave the setting unset for none)",
    "   ": "no hours given (leave the setting unset for none)",
    "Mon-Fri": "Mon-Fri has no times",
    "09:00-18:00": "'09:00' where a day was expected",
    "Mon-Fri 9-18": "bad time '9' (times are HH:MM, 00:00 to 24:00)",
    "Mon-Fri 9am-6pm": "bad time '9' (times are HH:MM, 00:00 to 24:00)",
    "Mon-Fri 09.00-18.00": "bad time '09.00' (times are HH:MM, 00:00 to 24:00)",
    "Mon-Fri 09:00-25:00": "bad time '25:00' (times are HH:MM, 00:00 to 24:00)",
    "Mon-Fri 09:60-18:00": "bad time '09:60' (times are HH:MM, 00:00 to 24:00)",
    "Mon-Fri 09:00-24:30": "bad time '24:30' (times are HH:MM, 00:00 to 24:00)",
    "Fri 22:00-02:00": "22:00-02:00 passes midnight (split such a range at 24:00: 'Fri 22:00-24:00, Sat 00:00-02:00')",
    "Mon-Fri 18:00-09:00": "18:00-09:00 passes midnight (split such a range at 24:00: 'Fri 22:00-24:00, Sat 00:00-02:00')",
    "Mon 09:00-09:00": "09:00-09:00 is empty",
    "Mon 24:00-24:00": "24:00-24:00 starts at 24:00",
    "Mox-Fri 09:00-18:00": "unknown day 'Mox' (days are Mon..Sun or Monday..Sunday)",
    "Tues 09:00-18:00": "unknown day 'Tues' (days are Mon..Sun or Monday..Sunday)",
    "Mon-Fri 09:00 18:00": "09:00 has no end (a range is HH:MM-HH:MM)",
    "Mon-Fri 09:00-": "09:00 has no end (a range is HH:MM-HH:MM)",
    "Mon- 09:00-18:00": "day range 'Mon-' has no last day",
    "Mon-Fri 09:00-18:00 Sat": "Sat has no times",
    "Mon;Wed 09:00-12:00": "Mon has no times",
    "Mon-Fri 09:00-18:00,, Sat 10:00-14:00": "two separators in a row (',,')",
    "Mon-Fri 09:00-18:00 @ home": "unexpected '@'",
    "Mon 09:00-10:00-11:00": "'-' where a day was expected",
    "holidays 2026-12-25": "no days and times before the holidays",
    "Mon-Fri 09:00-18:00; holidays": "holidays lists no dates",
    "Mon-Fri 09:00-18:00; holidays 2026-13-01": "bad holiday '2026-13-01' (dates are YYYY-MM-DD, ranges YYYY-MM-DD..YYYY-MM-DD)",
    "Mon-Fri 09:00-18:00; holidays 2026-02-30": "bad holiday '2026-02-30' (dates are YYYY-MM-DD, ranges YYYY-MM-DD..YYYY-MM-DD)",
    "Mon-Fri 09:00-18:00; holidays 25/12/2026": "bad holiday '25/12/2026' (dates are YYYY-MM-DD, ranges YYYY-MM-DD..YYYY-MM-DD)",
    "Mon-Fri 09:00-18:00; holidays 2026-12-24..": "bad holiday '' (dates are YYYY-MM-DD, ranges YYYY-MM-DD..YYYY-MM-DD)",
    "Mon-Fri 09:00-18:00; holidays 2026-12-26..2026-12-24": "holiday range '2026-12-26..2026-12-24' ends before it starts",
    "Mon-Fri 09:00-18:00; holidays 2026-01-01..2036-01-01": "holiday range '2026-01-01..2036-01-01' is longer than 366 days",
}


def test_bad_specs_are_refused_in_one_line_naming_the_fault_and_a_good_spec():
    assert {spec: message(hours.parse, spec) for spec in BAD} == {spec: refused(spec, p) for spec, p in BAD.items()}
    assert all("\n" not in message(hours.parse, spec) for spec in [*BAD, "Mon\n09:00"])
    assert message(hours.parse, "Fri 22:00-02:00") == (
        "working hours 'Fri 22:00-02:00': 22:00-02:00 passes midnight (split such a range at 24:00: "
        "'Fri 22:00-24:00, Sat 00:00-02:00'); write them like \"Mon-Fri 09:00-18:00\" or "
        '"Mon-Thu 09:00-17:30, Fri 09:00-13:00; holidays 2026-12-24..2026-12-26"'
    )
    assert message(hours.parse, None) == refused(None, "no hours given (leave the setting unset for none)")


# -- holidays -----------------------------------------------------------------------------------


def test_holidays_from_strings_and_dates_replace_the_hours_own():
    assert hours.parse_holidays("2026-12-25") == (date(2026, 12, 25),)
    assert hours.parse_holidays("2027-01-01, 2026-12-30..2026-12-31 2026-12-24 .. 2026-12-25") == (
        date(2026, 12, 24),
        date(2026, 12, 25),
        date(2026, 12, 30),
        date(2026, 12, 31),
        date(2027, 1, 1),
    )
    base = hours.parse("Mon-Fri 09:00-18:00; holidays 2026-07-03")
    replaced = hours.with_holidays(base, ["2026-12-24..2026-12-25", date(2027, 1, 1), date(2026, 12, 25)])
    assert replaced == Hours(base.week, (date(2026, 12, 24), date(2026, 12, 25), date(2027, 1, 1)))
    assert replaced.spec == "Mon-Fri 09:00-18:00; holidays 2026-12-24..2026-12-25, 2027-01-01"
    assert hours.with_holidays(replaced, []) == OFFICE
    example = hours.HOLIDAYS_EXAMPLE
    assert {
        bad: message(hours.with_holidays, OFFICE, [bad]) for bad in ("2026-12-32", "", "2026-12-25..2026-12-01")
    } == {
        "2026-12-32": f"holidays '2026-12-32': bad holiday '2026-12-32' (dates are YYYY-MM-DD, ranges YYYY-MM-DD..YYYY-MM-DD); write them like {example}",
        "": f"holidays '': no dates; write them like {example}",
        "2026-12-25..2026-12-01": f"holidays '2026-12-25..2026-12-01': holiday range '2026-12-25..2026-12-01' ends before it starts; write them like {example}",
    }
    assert message(hours.with_holidays, OFFICE, [datetime(2026, 12, 25)]) == (
        "a holiday is a date, not datetime.datetime(2026, 12, 25, 0, 0)"
    )


# -- within ---------------------------------------------------------------------------------------


def test_within_each_side_of_every_boundary():
    split = hours.parse("Mon-Fri 09:00-12:00 13:00-18:00, Fri 22:00-24:00, Sat 00:00-02:00")
    wall = {  # New York, the week of Wednesday 14 January 2026 (EST, UTC-5)
        "Wed 08:59:59": (2026, 1, 14, 8, 59, 59),
        "Wed 09:00:00": (2026, 1, 14, 9, 0, 0),
        "Wed 11:59:59": (2026, 1, 14, 11, 59, 59),
        "Wed 12:00:00": (2026, 1, 14, 12, 0, 0),
        "Wed 12:59:59": (2026, 1, 14, 12, 59, 59),
        "Wed 13:00:00": (2026, 1, 14, 13, 0, 0),
        "Wed 17:59:59": (2026, 1, 14, 17, 59, 59),
        "Wed 18:00:00": (2026, 1, 14, 18, 0, 0),
        "Fri 21:59:59": (2026, 1, 16, 21, 59, 59),
        "Fri 22:00:00": (2026, 1, 16, 22, 0, 0),
        "Fri 23:59:59": (2026, 1, 16, 23, 59, 59),
        "Sat 00:00:00": (2026, 1, 17, 0, 0, 0),
        "Sat 01:59:59": (2026, 1, 17, 1, 59, 59),
        "Sat 02:00:00": (2026, 1, 17, 2, 0, 0),
        "Sat 10:00:00": (2026, 1, 17, 10, 0, 0),
        "Sun 10:00:00": (2026, 1, 18, 10, 0, 0),
    }
    assert {k: hours.within(split, local(NEW_YORK, *v), NEW_YORK) for k, v in wall.items()} == {
        "Wed 08:59:59": False,
        "Wed 09:00:00": True,
        "Wed 11:59:59": True,
        "Wed 12:00:00": False,
        "Wed 12:59:59": False,
        "Wed 13:00:00": True,
        "Wed 17:59:59": True,
        "Wed 18:00:00": False,
        "Fri 21:59:59": False,
        "Fri 22:00:00": True,
        "Fri 23:59:59": True,
        "Sat 00:00:00": True,
        "Sat 01:59:59": True,
        "Sat 02:00:00": False,
        "Sat 10:00:00": False,
        "Sun 10:00:00": False,
    }
    # the same judgement from the UTC instants themselves: 09:00 EST is 14:00 UTC
    assert [
        hours.within(OFFICE, utc(2026, 1, 14, 13, 59, 59), NEW_YORK),
        hours.within(OFFICE, utc(2026, 1, 14, 14), NEW_YORK),
    ] == [False, True]
    assert hours.within(OFFICE, utc(2026, 1, 14, 23, 0, 0, 1), NEW_YORK) is False  # 18:00:00.000001


def test_a_holiday_is_off_all_day_in_the_archives_zone():
    h = hours.parse("Mon-Sun 00:00-24:00; holidays 2026-12-25")
    instants = {
        "24th 23:59:59 NY": local(NEW_YORK, 2026, 12, 24, 23, 59, 59),
        "25th 00:00 NY": local(NEW_YORK, 2026, 12, 25, 0, 0),
        "25th 12:00 NY": local(NEW_YORK, 2026, 12, 25, 12, 0),
        "25th 23:59:59 NY": local(NEW_YORK, 2026, 12, 25, 23, 59, 59),
        "26th 00:00 NY": local(NEW_YORK, 2026, 12, 26, 0, 0),
        "25th 03:00 UTC, still the 24th in NY": utc(2026, 12, 25, 3, 0),
    }
    assert {k: hours.within(h, t, NEW_YORK) for k, t in instants.items()} == {
        "24th 23:59:59 NY": True,
        "25th 00:00 NY": False,
        "25th 12:00 NY": False,
        "25th 23:59:59 NY": False,
        "26th 00:00 NY": True,
        "25th 03:00 UTC, still the 24th in NY": True,
    }


DST_WEEKS = [  # zone, the working day before the change, the working day after it, its UTC offset before and after
    (NEW_YORK, date(2026, 3, 6), date(2026, 3, 9), -5, -4),
    (NEW_YORK, date(2026, 10, 30), date(2026, 11, 2), -4, -5),
    (LONDON, date(2026, 3, 27), date(2026, 3, 30), 0, 1),
    (LONDON, date(2026, 10, 23), date(2026, 10, 26), 1, 0),
]


@pytest.mark.parametrize("zone, before, after, offset_before, offset_after", DST_WEEKS)
def test_after_hours_across_a_dst_change(zone, before, after, offset_before, offset_after):
    """08:30 local the working day after the change is after hours, 09:30 within; each is the UTC
    instant its offset says, and the same UTC times on the day before the change judge otherwise."""
    observed = {}
    for day, offset in ((before, offset_before), (after, offset_after)):
        for h, m in ((8, 30), (9, 30), (17, 59), (18, 0)):
            instant = local(zone, day.year, day.month, day.day, h, m)
            assert instant == datetime(day.year, day.month, day.day, h, m, tzinfo=UTC) - timedelta(hours=offset)
            observed[f"{day} {h:02d}:{m:02d}"] = hours.within(OFFICE, instant, zone)
    assert observed == {
        f"{before} 08:30": False,
        f"{before} 09:30": True,
        f"{before} 17:59": True,
        f"{before} 18:00": False,
        f"{after} 08:30": False,
        f"{after} 09:30": True,
        f"{after} 17:59": True,
        f"{after} 18:00": False,
    }
    # one UTC time of day, two answers: 09:15 local after the change is 08:15 or 10:15 local before it
    same_utc = datetime.combine(after, datetime.min.time(), UTC) + timedelta(hours=9 - offset_after, minutes=15)
    earlier = same_utc - (after - before)
    assert [hours.within(OFFICE, earlier, zone), hours.within(OFFICE, same_utc, zone)] == [
        offset_after < offset_before,
        True,
    ]


def test_zones_far_from_utc():
    # Auckland, UTC+13 in summer: Monday 09:00 there is Sunday 20:00 UTC
    assert [
        hours.within(OFFICE, utc(2026, 1, 11, 19, 59, 59), AUCKLAND),
        hours.within(OFFICE, utc(2026, 1, 11, 20), AUCKLAND),
    ] == [False, True]
    assert local(AUCKLAND, 2026, 1, 12, 9, 0) == utc(2026, 1, 11, 20, 0)
    # Kolkata, UTC+05:30: 09:00 is 03:30 UTC, 18:00 is 12:30 UTC
    assert [
        hours.within(OFFICE, t, KOLKATA)
        for t in (
            utc(2026, 1, 14, 3, 29, 59),
            utc(2026, 1, 14, 3, 30),
            utc(2026, 1, 14, 12, 29, 59),
            utc(2026, 1, 14, 12, 30),
        )
    ] == [False, True, True, False]
    # after Friday's close in Kolkata, the next opening is Monday 03:30 UTC
    assert hours.next_opening(OFFICE, utc(2026, 1, 16, 12, 30), KOLKATA) == utc(2026, 1, 19, 3, 30)
    # Auckland leaves daylight time on Sunday 5 April 2026: Friday's close is 05:00 UTC (NZDT),
    # Monday's opening 21:00 UTC on Sunday (NZST, UTC+12), not 20:00
    assert hours.next_opening(OFFICE, local(AUCKLAND, 2026, 4, 3, 18, 0), AUCKLAND) == utc(2026, 4, 5, 21, 0)
    assert local(AUCKLAND, 2026, 4, 3, 18, 0) == utc(2026, 4, 3, 5, 0)


def test_within_needs_an_aware_instant():
    assert message(hours.within, OFFICE, datetime(2026, 1, 14, 10), NEW_YORK) == (
        "an instant for working hours must be a timezone-aware datetime, not datetime.datetime(2026, 1, 14, 10, 0)"
    )


# -- next_opening ---------------------------------------------------------------------------------


def test_next_opening_over_weekends_holidays_and_dst_changes():
    with_holidays = hours.parse("Mon-Fri 09:00-18:00; holidays 2026-12-24..2026-12-25, 2026-12-28")
    cases = {
        "within: the instant itself": (OFFICE, local(NEW_YORK, 2026, 1, 14, 10, 0, 0)),
        "before opening the same day": (OFFICE, local(NEW_YORK, 2026, 1, 14, 7, 0)),
        "at close: the next morning": (OFFICE, local(NEW_YORK, 2026, 1, 14, 18, 0)),
        "Friday night: Monday": (OFFICE, local(NEW_YORK, 2026, 1, 16, 19, 0)),
        "Saturday: Monday": (OFFICE, local(NEW_YORK, 2026, 1, 17, 11, 0)),
        "before Christmas: past the holidays and the weekend": (with_holidays, local(NEW_YORK, 2026, 12, 23, 18, 30)),
        "on a holiday in working time": (with_holidays, local(NEW_YORK, 2026, 12, 24, 10, 0)),
        "NY spring forward over the weekend": (OFFICE, local(NEW_YORK, 2026, 3, 6, 18, 0)),
        "NY fall back over the weekend": (OFFICE, local(NEW_YORK, 2026, 10, 30, 18, 0)),
        "London spring forward": (OFFICE, local(LONDON, 2026, 3, 27, 18, 0)),
        "London fall back": (OFFICE, local(LONDON, 2026, 10, 23, 18, 0)),
    }
    zone_of = {k: LONDON if k.startswith("London") else NEW_YORK for k in cases}
    assert {k: hours.next_opening(h, t, zone_of[k]) for k, (h, t) in cases.items()} == {
        "within: the instant itself": utc(2026, 1, 14, 15, 0),
        "before opening the same day": utc(2026, 1, 14, 14, 0),
        "at close: the next morning": utc(2026, 1, 15, 14, 0),
        "Friday night: Monday": utc(2026, 1, 19, 14, 0),
        "Saturday: Monday": utc(2026, 1, 19, 14, 0),
        "before Christmas: past the holidays and the weekend": utc(2026, 12, 29, 14, 0),
        "on a holiday in working time": utc(2026, 12, 29, 14, 0),
        "NY spring forward over the weekend": utc(2026, 3, 9, 13, 0),  # 09:00 EDT
        "NY fall back over the weekend": utc(2026, 11, 2, 14, 0),  # 09:00 EST
        "London spring forward": utc(2026, 3, 30, 8, 0),  # 09:00 BST
        "London fall back": utc(2026, 10, 26, 9, 0),  # 09:00 GMT
    }
    opening = hours.next_opening(OFFICE, local(NEW_YORK, 2026, 1, 14, 10, 0, 0), NEW_YORK)
    assert opening.tzinfo is UTC


def test_next_opening_in_a_gap_or_a_repeated_hour():
    # New York springs forward on Sunday 8 March 2026 at 07:00 UTC (02:00 EST becomes 03:00 EDT):
    # an opening at 02:30, which does not exist that day, is the first instant after the gap
    gap = hours.parse("Sun 02:30-06:00")
    assert hours.next_opening(gap, utc(2026, 3, 8, 5, 0), NEW_YORK) == utc(2026, 3, 8, 7, 0)
    assert [hours.within(gap, t, NEW_YORK) for t in (utc(2026, 3, 8, 6, 59, 59), utc(2026, 3, 8, 7, 0))] == [
        False,
        True,
    ]
    # New York falls back on Sunday 1 November 2026 at 06:00 UTC (02:00 EDT becomes 01:00 EST):
    # an opening at 01:30 is its first occurrence (05:30 UTC) ...
    fold = hours.parse("Sun 01:30-03:00")
    assert hours.next_opening(fold, utc(2026, 11, 1, 4, 0), NEW_YORK) == utc(2026, 11, 1, 5, 30)
    # ... and the wall clock decides: 01:10 EST (after the clock went back) is before 01:30 again,
    # so hours open a second time at 01:30 EST
    assert hours.within(fold, utc(2026, 11, 1, 6, 10), NEW_YORK) is False
    assert hours.next_opening(fold, utc(2026, 11, 1, 6, 10), NEW_YORK) == utc(2026, 11, 1, 6, 30)
    # a clock going back can also move the wall time into hours: 01:45 EDT is after 00:30-01:30,
    # and 06:00 UTC is 01:00 EST, inside it
    back_in = hours.parse("Sun 00:30-01:30")
    assert hours.next_opening(back_in, utc(2026, 11, 1, 5, 45), NEW_YORK) == utc(2026, 11, 1, 6, 0)


def test_next_opening_with_no_hours_is_none():
    assert hours.next_opening(Hours(((),) * 7), utc(2026, 1, 14, 12, 0), NEW_YORK) is None
    assert Hours(((),) * 7).has_hours is False
    assert OFFICE.has_hours is True


SWEPT = "Mon-Fri 09:00-12:00 13:00-17:00, Sat,Sun 00:30-01:30 02:30-03:30"


@pytest.mark.parametrize(
    "zone, start",
    [
        (NEW_YORK, date(2026, 3, 5)),
        (NEW_YORK, date(2026, 10, 29)),
        (LONDON, date(2026, 3, 26)),
        (LONDON, date(2026, 10, 22)),
        (AUCKLAND, date(2026, 4, 2)),
        (AUCKLAND, date(2026, 9, 24)),
    ],
)
def test_next_opening_is_the_first_minute_within_says_yes(zone, start):
    """Minute by minute over a DST change week: next_opening(t) is the first whole minute at or after t
    that within() accepts (every opening in these zones falls on a whole minute)."""
    h = hours.parse(SWEPT)
    first = local(zone, start.year, start.month, start.day, 0, 0)
    minutes = [first + timedelta(minutes=k) for k in range(6 * 24 * 60)]
    inside = [hours.within(h, t, zone) for t in minutes]
    expected: list[datetime | None] = [None] * len(minutes)
    upcoming = None
    for k in range(len(minutes) - 1, -1, -1):
        upcoming = minutes[k] if inside[k] else upcoming
        expected[k] = upcoming
    checked = [k for k in range(0, len(minutes), 7) if expected[k] is not None]
    assert len(checked) > 1000
    assert [hours.next_opening(h, minutes[k], zone) for k in checked] == [expected[k] for k in checked]


# -- stored form ----------------------------------------------------------------------------------


def test_stored_as_json_and_read_back():
    h = hours.parse("Mon-Thu 09:00-17:30, Fri 09:00-13:00; holidays 2026-12-24..2026-12-25")
    text = hours.to_json(h)
    assert text == '{"holidays": ["2026-12-24", "2026-12-25"], "spec": "Mon-Thu 09:00-17:30, Fri 09:00-13:00"}'
    assert hours.from_json(text) == h
    assert hours.from_json(text.encode()) == h
    assert hours.from_json({"spec": "Mon-Fri 09:00-18:00"}) == OFFICE
    bad = {
        "not json": "stored working hours are not JSON: Expecting value: line 1 column 1 (char 0)",
        "[]": "stored working hours have no spec: '[]'",
        '{"spec": 5}': "stored working hours have no spec: '{\"spec\": 5}'",
        '{"spec": "Mon-Fri 09:00-18:00", "holidays": "2026-12-25"}': "stored working hours' holidays are not a list of dates: '2026-12-25'",
        '{"spec": "Mon-Fri 09:00-18:00", "holidays": [20261225]}': "stored working hours' holidays are not a list of dates: [20261225]",
        '{"spec": "Mon-Fri 25:00-26:00"}': refused(
            "Mon-Fri 25:00-26:00", "bad time '25:00' (times are HH:MM, 00:00 to 24:00)"
        ),
    }
    assert {data: message(hours.from_json, data) for data in bad} == bad


def test_hours_built_directly_are_canonical():
    messy = Hours(
        ((Span(780, 1020), Span(540, 720), Span(600, 700)),) + ((),) * 6,
        (date(2026, 12, 25), date(2026, 12, 24), date(2026, 12, 25)),
    )
    assert messy == hours.parse("Mon 09:00-12:00 13:00-17:00; holidays 2026-12-24..2026-12-25")
    assert messy.week[0] == (Span(540, 720), Span(780, 1020))
    assert messy.holidays == (date(2026, 12, 24), date(2026, 12, 25))
    assert messy.spans_on(date(2026, 12, 28)) == (Span(540, 720), Span(780, 1020))  # a Monday
    assert messy.spans_on(date(2026, 12, 24)) == ()  # a holiday
    assert message(Hours, ((),) * 6) == "working hours need 7 days of spans, not 6"
    assert (
        message(Hours, ((Span(600, 540),),) + ((),) * 6)
        == "a span of working hours runs 600 to 540 minutes after midnight"
    )
