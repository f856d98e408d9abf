"""The header grammar: which lines start a message, and their date and time taken apart.

Decisions:
- Headers are found by one regex over whole chunks, each header right after a "
" (the common
  Android shape tried first, see _AFTER_NEWLINE); the date and time are taken apart by hand (no
  strptime per line) and cached. A line that looks like a header but is not one of the file's own
  style, or whose date is impossible, is text of the message before it (and named: the survey's
  `_other_styles`, the date order's notices).

Examples (invisible characters written out):
  iOS      \u200e[3/14/26, 9:05:11\u202fPM] Sam: text        [20.06.19, 15:58:47] Loris: text
           [12.3.2022 klo 14.08.18] Name: text                 [\u200f27\u200f/3\u200f/2022\u060c 21:41:35] …
           [3/27/2565 BE, 21:41:35] …   [3/27/R4, 21:41:35] …  [3/18/22 14:56:00] …
  Android  18/03/2022, 14:56 - Name: text    1/4/23, 7:02\u202fPM - …    20/6/2017 8:28 p.\u00a0m. - …
           23.03.22 13:31 - …   2019-10-20, 10:16 - …   ٢٤\u200f/٤\u200f/٢٠٢٢، ٢:٠٧ م - …
  legacy   06.08.13, 19:55:10: Name: text    3/24/14, 1:59:59 PM: Name: text
The words in it (am/pm, "klo", "à") come from locales.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from textfile.importers.whatsapp import locales
from textfile.model import INVISIBLE

_MARKS = "".join(INVISIBLE)  # every mark a name or a header may carry


_M = f"[{_MARKS}]*+"  # possessive: a line of nothing but marks is read in time linear in its length (fuzz finding)


_SP = "[ \u00a0\u202f\u2009]"


# Morning / afternoon words (locales.py), folded (case-folded, dots and spaces removed) -> hours to add.
_AMPM = {word: hours for words in locales.am_pm() for word, hours in words.hours.items()}
_AP_WORDS = "|".join(words.pattern.replace("{SP}", _SP) for words in locales.am_pm())
_AP_BEFORE = "|".join(words.pattern for words in locales.am_pm() if words.before_time)  # "下午 3:05"
_CONNECTORS = "|".join(locales.words("connector"))  # "12.3.2022 klo 14.08.18"

HEADER = re.compile(
    rf"^{_M}(?P<br>\[)?{_M}"
    # date: three numbers, the same separator twice; a Japanese era letter or Buddhist "BE"
    rf"(?P<d1>\d{{1,4}}){_M}(?P<sep>[./\-]){_SP}?{_M}(?P<d2>\d{{1,2}}){_M}(?P=sep){_SP}?{_M}"
    rf"(?P<era>[RHST])?(?P<d3>\d{{1,4}})\.?(?:{_SP}?(?P<be>BE))?"
    # between date and time: a comma (Latin or Arabic) and/or spaces, maybe a word ("klo")
    rf"{_M}(?:[,\u060c]{_SP}*|{_SP}+)(?:(?:{_CONNECTORS}){_SP}+)?{_M}"
    rf"(?:(?P<ap0>{_AP_BEFORE}){_SP}?)?"
    rf"(?P<H>\d{{1,2}})[:.](?P<M>\d{{2}})(?:[:.](?P<S>\d{{2}}))?"
    rf"(?:{_SP}*{_M}(?P<ap>{_AP_WORDS}))?{_M}"
    # end: "] " (iOS), " - " (Android), ": " (legacy)
    rf"(?(br)\]{_SP}?|(?P<tr>{_SP}[-–]{_SP}|:{_SP}))",
    re.M,
)


# Finding headers in a long text: the same HEADER after a "\n" (the chunks begin with one, see
# _chunks), so that the regex engine jumps from line end to line end instead of trying `^` at every
# character. The shape most exports have, `18/03/2022, 14:56 - ` (Android), is tried first: it is
# HEADER with every optional part left out (marks, "[", a space after a separator, era letter,
# "BE", ".", a word before the time, am/pm), and where it matches none of those parts could have
# (the characters there are the digits and the punctuation it requires), so HEADER would match the
# same text with the same numbers. Its groups are 1-7 (d1, sep, d2, d3, H, M, S); HEADER's follow.
_COMMON = r"(\d{1,4})([./\-])(\d{1,2})\2(\d{1,4}), (\d{1,2})[:.](\d{2})(?:[:.](\d{2}))? - "


_AFTER_NEWLINE = re.compile(f"\n(?:{_COMMON}|{HEADER.pattern[1:]})")


def _style(g: tuple) -> str:
    """The style of a header found by _AFTER_NEWLINE, from its groups: "dash" (Android), "bracket" (iOS),
    "colon" (legacy). (The survey and pass 2 tell it in their loops, from the groups they take apart.)"""
    if g[0] is not None:
        return "dash"
    return "bracket" if g[7] is not None else "colon" if g[19][0] == ":" else "dash"


_ERAS = {"R": 2018, "H": 1988, "S": 1925, "T": 1911}


_INVISIBLE = str.maketrans({**{c: None for c in _MARKS}})


_MARK_START = ("\u200e", "\u200f")


_HAS_MARK = re.compile(f"[{_MARKS}]").search


def _clean(text: str) -> str:
    if text.isascii() or not _HAS_MARK(text):  # (every mark is outside ASCII; isascii() costs nothing)
        return text
    return text.translate(_INVISIBLE)


def _year(era: str | None, d3: str, be: str | None) -> int:
    year = int(d3)
    if era:
        return _ERAS[era] + year
    if len(d3) <= 2:
        return 2000 + year
    if be or year > 2400:  # Buddhist era
        return year - 543
    return year


def _hour(H: str, ap: str | None, ap0: str | None) -> int:
    hour = int(H)
    word = ap or ap0
    if word is None:
        return hour
    add = _AMPM.get(word.casefold().replace(".", "").replace(" ", "").replace("\u00a0", "").replace("\u202f", ""))
    if add is None or hour > 12:  # "23:59 PM" (seen in hand-edited files): the hour is already 24-hour
        return hour
    return hour % 12 + add


def _valid_components(m: re.Match) -> bool:
    try:
        a, b, H, M = int(m.group("d1")), int(m.group("d2")), int(m.group("H")), int(m.group("M"))
    except ValueError:
        return False
    if len(m.group("d1")) >= 3:
        return 1 <= b <= 12 and 1 <= int(m.group("d3")) <= 31 and H <= 24 and M <= 59
    return 1 <= a <= 31 and 1 <= b <= 31 and (a <= 12 or b <= 12) and H <= 24 and M <= 59


def _cut_header(header: str, text: str, names: list[str]) -> str | None:
    """The file's last line when it stops inside a message header, else None. `header` is the
    file's last header as written ("12/03/2024, 09:05 - "), `text` what follows it to the end of
    the file, which has no final line break (real exports end with one; a copy cut short may not).

    Cut inside the next header ("12/03/2024, 0"): the last line is a header of this file's shape
    once the rest of `header` is put after it. It must hold at least the first number of the date
    and its separator: digits alone are as likely the last words of a message. Cut inside the
    sender's name ("12/03/2024, 09:05 - Sam Cl"): what follows the last header falls short of
    "<a sender>: ". Either way the cut line would be imported as (part of) a message, and the
    complete export would later add the real one beside it."""
    if "\n" not in text:
        if not text or any(len(text) < len(name) + 2 and (name + ": ").startswith(text) for name in names):
            return header + text
        return None
    line = text[text.rfind("\n") + 1 :]
    whole = HEADER.match(header)
    if whole is None:  # (HEADER matches every header the scanner finds)
        return None
    style = (whole.group("br") is None, (whole.group("tr") or "")[:1])
    for start in range(len(header)):
        m = HEADER.match(line + header[start:])
        if (
            m
            and m.end() == len(line) + len(header) - start
            and m.end("sep") <= len(line)
            and (m.group("br") is None, (m.group("tr") or "")[:1]) == style
            and _valid_components(m)
        ):
            return line
    return None


@dataclass(slots=True)
class _Date:
    """A header's date, read in one order. (Slotted dataclasses, as _Time: made once per date as written,
    and not frozen, which would take three times as long to make; nothing changes them.)"""

    ymd: tuple[int, int, int]  # (year, month, day), Gregorian
    written: str  # "d1/d2/year" as written, the year made Gregorian (part of identity)


def _date(d1, d2, era, d3, be, order) -> _Date | bool:
    """The date, or False when it is not a date in `order`."""
    try:
        if order == "ymd" or len(d1) >= 3:
            if len(d1) < 3:
                return False
            year, month, day = _year(None, d1, None), int(d2), int(d3)
            written = f"{year}/{month}/{day}"
            if 1300 <= year <= 1500:  # Solar Hijri (Iranian phones): ۱۴۰۱/۱/۷
                if not (1 <= month <= 12 and 1 <= day <= (31 if month <= 6 else 30)):
                    return False
                year, month, day = _jalali_to_gregorian(year, month, day)
        else:
            year = _year(era, d3, be)
            a, b = int(d1), int(d2)
            day, month = (a, b) if order == "dmy" else (b, a)
            written = f"{a}/{b}/{year}"
        datetime(year, month, day)
    except (ValueError, OverflowError):
        return False
    return _Date((year, month, day), written)


def _jalali_to_gregorian(jy: int, jm: int, jd: int) -> tuple[int, int, int]:
    """Solar Hijri to Gregorian (the arithmetic of the 33-year cycle, as in jdf)."""
    jy += 1595
    days = (
        -355668
        + 365 * jy
        + (jy // 33) * 8
        + ((jy % 33) + 3) // 4
        + jd
        + ((jm - 1) * 31 if jm < 7 else (jm - 7) * 30 + 186)
    )
    gy = 400 * (days // 146097)
    days %= 146097
    if days > 36524:
        days -= 1
        gy += 100 * (days // 36524)
        days %= 36524
        if days >= 365:
            days += 1
    gy += 4 * (days // 1461)
    days %= 1461
    if days > 365:
        gy += (days - 1) // 365
        days = (days - 1) % 365
    gd = days + 1
    leap = (gy % 4 == 0 and gy % 100 != 0) or gy % 400 == 0
    for gm, length in enumerate((31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31), 1):
        if gd <= length:
            return gy, gm, gd
        gd -= length
    raise ValueError("day out of range")


@dataclass(slots=True)
class _Time:
    """A header's time of day."""

    hms: tuple[int, int, int]  # (hour, minute, second), 24-hour
    written: str  # " HH:MM[:SS]" in 24 hours (part of identity)


def _time(H, M, S, ap, ap0) -> _Time | bool:
    """The time, or False when it is no time of day."""
    hour, minute, second = _hour(H, ap, ap0), int(M), int(S) if S else 0
    if hour > 23 or minute > 59 or second > 59:
        return False
    return _Time((hour, minute, second), f" {hour:02d}:{minute:02d}" + (f":{second:02d}" if S else ""))
