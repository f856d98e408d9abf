"""Source clocks to UTC instants, and instants back to wall clocks with their offset.

Stored form: ISO 8601 in UTC with milliseconds and a `Z` ("2024-03-01T17:05:09.000Z"), so that
text order is time order. Wall-clock times without a zone (WhatsApp) are placed in an IANA zone;
a time in a DST gap or overlap is resolved the same way every time and reported, never dropped.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import parser as dateparser

from textfile.errors import InvalidInput

UTC = UTC
APPLE_EPOCH = datetime(2001, 1, 1, tzinfo=UTC)
_APPLE_EPOCH_UNIX = 978307200


def zone(name: str) -> ZoneInfo:
    """An IANA zone by name; a clear error for anything else."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidInput(f"unknown time zone {name!r} (use an IANA name such as America/New_York)") from None


def from_unix_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def from_unix_s(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def from_apple(value: int | float) -> datetime | None:
    """Apple's 2001-01-01 UTC epoch, in seconds (old systems) or nanoseconds; decided per value."""
    if not value:
        return None
    seconds = value / 1e9 if abs(value) > 1e11 else value
    return datetime.fromtimestamp(_APPLE_EPOCH_UNIX + seconds, UTC)


def localize(wall: datetime, tz: ZoneInfo) -> tuple[datetime, str | None]:
    """Place a naive wall-clock time in `tz`.

    Returns the aware datetime and a flag: "time_nonexistent" for a time in a DST gap (read with
    the offset before the gap, i.e. as the clock would have shown had it not jumped) or
    "time_ambiguous" for a time that occurs twice (the first occurrence, fold=0). None otherwise.
    """
    first = wall.replace(tzinfo=tz, fold=0)
    second = wall.replace(tzinfo=tz, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first, None
    # Round-trip through UTC: a time that does not exist changes on the way back.
    if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != wall:
        return first, "time_nonexistent"
    return first, "time_ambiguous"


def to_iso(instant: datetime) -> str:
    """An aware datetime as stored: UTC, milliseconds, Z."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime")
    u = instant if instant.tzinfo is UTC else instant.astimezone(UTC)
    # (isoformat(timespec="milliseconds") less its "+00:00", the milliseconds cut, not rounded, as it cuts them:
    # written out, a third faster, and every message's times pass here; an f-string is slower than either)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (  # noqa: UP031
        u.year, u.month, u.day, u.hour, u.minute, u.second, u.microsecond // 1000
    )  # fmt: skip


def from_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def now_iso() -> str:
    return to_iso(datetime.now(UTC))


def archive_zone(conn) -> ZoneInfo:
    """The archive's zone (`settings.tz`): the clock its people read dates on."""
    return zone(conn.execute("SELECT tz FROM settings").fetchone()[0])


def day(stored: str, tz: ZoneInfo) -> str:
    """The date of a stored instant on the clock of `tz` (YYYY-MM-DD): not its UTC date, which is the next
    day in the evening west of Greenwich. A value that is no instant (edited in the file) as it is stored."""
    instant = _stored_instant(stored)
    return _as_stored(stored) if instant is None else instant.astimezone(tz).date().isoformat()


def _stored_instant(stored) -> datetime | None:
    """A stored instant read back; None for a value that is none (edited in the file: a number, a word),
    which what prints it shows as it is stored (`verify` and `status` say the archive was changed): never a
    traceback."""
    try:
        return from_iso(stored)
    except (TypeError, ValueError, AttributeError, OverflowError):
        return None


def _as_stored(value) -> str:
    """A stored value that is no instant, as the archive holds it (a number or an object from a reason's
    JSON: as JSON)."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def display(stored: str | None, tz: ZoneInfo, precision: str | None = None, *, milliseconds: bool = False) -> str:
    """A stored instant as a wall clock in `tz` with its UTC offset: 2024-03-01 12:05:09 -05:00, or
    2024-03-01 12:05 -05:00 for a source that wrote its time to the minute (precision "minute"), or
    with `milliseconds` 2024-03-01 12:05:09.350 -05:00 (where the second would hide a difference: people.py);
    "" where there is none (a receipt never read, a filing with no end); a value that is no instant as it
    is stored."""
    if not stored:
        return ""
    instant = _stored_instant(stored)
    if instant is None:
        return _as_stored(stored)
    local = instant.astimezone(tz)
    offset = local.strftime("%z")
    if precision == "minute":
        wall = local.strftime("%Y-%m-%d %H:%M")
    elif milliseconds:
        wall = f"{local:%Y-%m-%d %H:%M:%S}.{local.microsecond // 1000:03d}"
    else:
        wall = local.strftime("%Y-%m-%d %H:%M:%S")
    return f"{wall} {offset[:3]}:{offset[3:]}"


def written_wall(stored: str, tz: ZoneInfo, flag: str) -> datetime | None:
    """The wall-clock time a source wrote for an instant that `localize` placed in `tz` with `flag`
    ("time_nonexistent" or "time_ambiguous"): the one wall time that `localize` turns into this
    instant with this flag (the offsets in force around the instant are tried), or whose second
    occurrence it is (`second_occurrence`). None if there is none."""
    instant = from_iso(stored)
    if flag == "time_ambiguous" and second_occurrence(stored, tz):  # (read as the second: see the WhatsApp importer)
        wall = instant.astimezone(tz).replace(tzinfo=None)
        return wall if localize(wall, tz)[1] == flag else None
    offsets = {(instant + timedelta(hours=h)).astimezone(tz).utcoffset() for h in (-48, -24, -6, 0, 6, 24, 48)}
    for offset in sorted(offsets):
        wall = (instant + offset).replace(tzinfo=None)
        placed, placed_flag = localize(wall, tz)
        if placed_flag == flag and to_iso(placed) == to_iso(
            instant
        ):  # (times in a DST change never compare equal across zones)
            return wall
    return None


def second_occurrence(stored: str, tz: ZoneInfo) -> bool:
    """Whether an instant is the second of the two times a wall clock in `tz` showed twice (the
    clocks went back): `localize` reads the first; an importer takes the second where its source shows it."""
    return from_iso(stored).astimezone(tz).fold == 1


def parse_user_instant(text: str, tz: ZoneInfo, *, end_of_day: bool = False) -> str:
    """A date or date-time typed by the user (--from/--until) to a stored instant.

    A date alone means the start of that day in `tz`, or with `end_of_day` the last millisecond of
    it, so `--until 2024-03-01` includes the whole of March 1st. A time without an offset is in `tz`.
    """
    raw = text.strip()
    try:
        if len(raw) == 10 and raw[4] == "-" and raw[7] == "-":
            day = date.fromisoformat(raw)
            if end_of_day:
                wall = datetime.combine(day + timedelta(days=1), time()) - timedelta(milliseconds=1)
            else:
                wall = datetime.combine(day, time())
            return to_iso(localize(wall, tz)[0])
        parsed = dateparser.isoparse(raw)
        if parsed.tzinfo is None:
            parsed = localize(parsed, tz)[0]
        return to_iso(parsed)
    except OverflowError:  # 9999-12-31 in a zone west of UTC, or its day after
        raise InvalidInput(
            f"{text!r} is at the edge of the calendar, where a date in {tz.key} cannot be converted to UTC;"
            f" use an earlier date"
        ) from None
    except ValueError:
        raise InvalidInput(f"not a date: {text!r} (use YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][±HH:MM])") from None
