"""The file's day/month order: the rules that settle it, as named functions tried in turn.

Decisions:
- A file whose headers mostly write the year first is read as year/month/day. A header there that
  writes the day or month first is of another shape than the file's (an export writes all its
  headers in one): year/month/day order keeps it as text of the message before it, as a line of
  another style is; a day/month or month/day order reads both shapes (a year written first is read
  so in any order), checked against those dates like any. A --date-order ymd on a file whose
  headers do not mostly write the year first is refused.
- Which lines are messages is chosen before anything is archived. A message's text is part of its
  identity (identity.py): a message archived with a header line kept as its text, then read in an
  order that reads that line as a message, is archived again, shorter, beside the first. So where
  the date order decides it (headers written day or month first among year-first ones, after the
  first message; dates of both kinds, below) and no one gave an order for the chat (--date-order,
  or before: `said`), the file is refused, naming both choices and what each does; the order given
  is remembered for the chat (`ImportOptions.chat_date_orders`), so the weekly run reads the next
  exports alike. Read in an order a person gave, what it kept as text is named as their choice,
  with no other order advised. Lines before the first message are skipped, and said so (`_lead`).
  For the same reason, a chat the archive holds read in another order than one a person gave for it
  (--date-order, a correction's, or a later one the chat is read in), where the two make messages of
  other lines of the file (a line one keeps as text of the message before it, the other reads as a
  message), is refused, naming the lines and the way out, --date-order with the earlier order
  (`_refuse_lines_read_otherwise`, given every order a person gave: `ImportOptions.chat_date_orders_given`).
  --corrects-reading is refused too: a correction moves archived messages in time, and cannot yet
  make one message two or two one. An order that makes messages of the same lines is read as before.
- Day/month order: a date with a number above 12 proves it. An order a person gave (--date-order,
  or before for this chat) that the dates disprove (some are impossible in it, none in the other) is
  refused, never read: each header impossible in it would be kept as text of another message. Where
  dates of both kinds occur, --date-order chooses between two readings each contradicted (so does
  the order a person gave for this chat before; else the file is refused), and the misfits are named.
  Else, in turn, the order a person gave for this chat before (`ImportOptions.chat_date_orders`:
  --date-order, or a correction; so the weekly run, given no --date-order, reads it alike), the dated
  attachment names (a third, cold reading: only such a file, a short one), the order in which the
  dates advance, the region's usual order; an order not proven is an assumption naming what it
  rested on. For a chat the archive holds, the order is told to ingest (`DateOrder`), which refuses
  an order that would move its messages unless the import corrects the earlier reading.
- The order's rules are named functions, tried in turn (`DATE_ORDER_RULES`, listed in `_date_order`'s
  docstring): the first that decides gives the order. They read what the survey counted (survey.py).
"""

from __future__ import annotations

import re
from datetime import date
from functools import cached_property

from textfile.errors import ImportFailed
from textfile.importers.whatsapp.decoding import _chunks, _Undecodable
from textfile.importers.whatsapp.header import _AFTER_NEWLINE, _date, _style, _time
from textfile.importers.whatsapp.source import _Source
from textfile.importers.whatsapp.survey import _as_written, _date_facts, _Survey
from textfile.model import DATE_ORDERS, OTHER_ORDER, ImportOptions, Notice

_MDY_REGIONS = {"US", "PH", "PR", "GU", "AS", "VI", "MP", "UM", "FM", "MH", "PW", "BZ"}


class _OrderEvidence:
    """What the day/month order rules look at: the survey, the options, the order a person gave for
    this chat before (`said`), whether the archive holds the chat (`held`), and the dated attachment names
    (`names`: a third reading of the file, made only when a rule first asks for them)."""

    def __init__(
        self, source: _Source, s: _Survey, options: ImportOptions, said: tuple[str, str] | None, held: bool
    ) -> None:
        self.source = source
        self.s = s
        self.options = options
        self.said = said
        self.held = held
        self.name = source.path.name
        self.region = options.region.upper()

    @cached_property
    def names(self) -> dict[str, list]:
        return _dated_names(self.source, self.s.style)

    @property
    def back(self) -> dict[str, int]:
        return {"dmy": self.s.back_dmy, "mdy": self.s.back_mdy}

    @property
    def disagree(self) -> str:
        """ ", its dated attachment names disagree (…)" when names fit each order, else ""."""
        names = self.names
        if not (names["dmy"] and names["mdy"]):
            return ""
        return (
            f", its dated attachment names disagree ({DATE_ORDERS['dmy']} fits {_listed(names['dmy'])}; "
            f"{DATE_ORDERS['mdy']} fits {_listed(names['mdy'])})"
        )

    def usual_order(self) -> str:
        return "mdy" if self.region in _MDY_REGIONS else "dmy"

    def assumed(self, order: str, text: str) -> tuple[str, Notice]:
        """An order not proven: the assumption names what it rested on, and the flag that reads the other way."""
        return order, Notice(
            f"{self.name}: {text}; pass --date-order {OTHER_ORDER[order]} if that is wrong", kind="assumption"
        )


_Decided = tuple[str, Notice | None] | None  # (order, notice), or None: the rule does not decide


def _years_first(e: _OrderEvidence) -> _Decided:
    """Most headers write the year first (2019-10-20): year/month/day. Headers whose dates are written day or
    month first are then of another shape than the file's (an export writes every header in one): kept as text
    of the message before them, as a line of another style is (header.py), and named (`_other_shape`); unless
    a person chose day/month or month/day order (--date-order, or before for this chat), which reads both
    shapes (a date written year first is read so in any order): the rules below check that order against them.
    Where no order was given, a file with such headers after its first message is refused (`_other_shape`)."""
    s = e.s
    if s.year_first * 2 <= s.headers:
        return None
    if s.year_first == s.headers:
        return e.options.date_order or "ymd", None
    if (e.options.date_order or (e.said and e.said[0])) in OTHER_ORDER:
        return None
    return "ymd", _other_shape(e)


def _other_shape(e: _OrderEvidence) -> Notice:
    """The headers written day or month first in a file whose headers mostly write the year first (`_years_first`):
    how many, the first as written and its line, what year/month/day order made of them. Where a person gave that
    order (--date-order ymd, or before for this chat), said as their choice. Where no one did and some would be kept
    as text of the message before them, refused (ImportFailed): that text is part of the message's identity
    (identity.py), so a reading in another order afterwards would archive the message again, shorter, beside the
    one archived; the order must be chosen before anything is archived. Where all come before the file's first
    message (skipped as such), the --date-order that reads them, which only adds them as messages, is named."""
    s = e.s
    n, line, written = _misfits(s, "ymd")
    skipped = _lead(s, "ymd")
    first = f"{'the first, ' if n > 1 else ''}{written}, at line {line}"
    if e.options.date_order or e.said:
        why = "as --date-order ymd said" if e.options.date_order else e.said[1]
        advice = ""
    elif n > skipped:
        _refuse_unchosen_shape(e, n, first, skipped)
    else:
        advice = f" (pass {_reads_them(s, n)} to read {'them as messages' if n > 1 else 'it as a message'})"
        why = ""
    return Notice(
        f"{e.name}: dates read as {DATE_ORDERS['ymd']}, {why + ' and ' if why else ''}as {s.year_first} of its"
        f" {s.headers} header dates are written; the {f'other {n} are' if n > 1 else 'other is'} written day or"
        f" month first ({first}): {_what_became(n, skipped)}{advice}"
    )


def _refuse_unchosen_shape(e: _OrderEvidence, n: int, first: str, skipped: int) -> None:
    """Headers written day or month first in a file whose headers mostly write the year first, some after its
    first message, and no order given for the chat: refused, naming both choices and what each does."""
    s = e.s
    them, before = ("them", "each") if n > 1 else ("it", "it")
    skipped_too = f"; the {skipped} before the first message skipped as such" if skipped else ""
    raise ImportFailed(
        e.source.path,
        f"{s.year_first} of its {s.headers} header dates are written year first, {n} day or month first ({first}):"
        f" whether {'those lines are messages' if n > 1 else 'that line is a message'} is the date order's choice;"
        f" import the file with {_reads_them(s, n)} to read {them} as"
        f" {'messages' if n > 1 else 'a message'}, or with --date-order ymd to keep {them} as text of the message"
        f" before {before} (as this chat's other headers write the year first{skipped_too}); the order given is"
        f" remembered for this chat{_read_before(e, 'ymd')}",
    )


def _read_before(e: _OrderEvidence, order: str) -> str:
    """For a chat the archive holds (`held`) refused for want of an order (`_other_shape`, `_proven_both_ways`): the
    `order` an import given none read it in before such a file was refused (year/month/day; the more dates' order),
    which reads alike each message archived with such a line as its text; another order would archive it again,
    shorter (its text is part of its identity). "" for a chat the archive does not hold."""
    if not e.held:
        return ""
    return (
        "; this chat is archived: before such a file was refused, an import given no order read it as"
        f" {DATE_ORDERS[order]}, and another order would archive again each message archived with such a line as its"
        " text"
    )


def _reads_them(s: _Survey, n: int) -> str:
    """The --date-order that reads the headers written day or month first (`_years_first`) as messages: the order
    their dates prove, else either."""
    proven = _proven_for_them(s)
    if proven is None:
        return "--date-order dmy or mdy"
    return f"--date-order {proven}, the order {'their dates prove' if n > 1 else 'its date proves'},"


# The kinds of dates (_DateFacts.kind) each order reads: a date written year first is read so in any order.
_READ_IN = {
    "ymd": ("ymd",),
    "dmy": ("ymd", "first", "ambiguous", "same"),
    "mdy": ("ymd", "second", "ambiguous", "same"),
}


def _lead(s: _Survey, order: str) -> int:
    """How many headers come before the first one whose date `order` reads: pass 2 skips them as lines before the
    first message (scan._prelude); it keeps the other headers impossible in `order` as text of the message before
    them."""
    return min((s.before_first[kind] for kind in _READ_IN[order] if kind in s.before_first), default=s.headers)


def _what_became(n: int, skipped: int) -> str:
    """What a reading made of `n` header lines whose dates it cannot read, `skipped` of them before its first
    message (`_lead`): the others were kept as text of the message before them."""
    kept = n - skipped
    if not skipped:
        return (
            "it was kept as text of the message before it"
            if n == 1
            else "they were kept as text of the message before them"
        )
    if not kept:
        return (
            "it was skipped as a line before the first message"
            if n == 1
            else "they were skipped as lines before the first message"
        )
    return (
        f"{kept} {'was' if kept == 1 else 'were'} kept as text of the message before {'it' if kept == 1 else 'them'},"
        f" {skipped} skipped as {'a line' if skipped == 1 else 'lines'} before the first message"
    )


def _misfits(s: _Survey, order: str) -> tuple[int, int, str]:
    """The header dates impossible in `order`: how many, the first's line, its date as written. (A date whose
    second number is above 12 has no month read day first; one whose first is, read month first; one
    written day or month first, "25/03/2024", has none read year first.)"""
    if order == "ymd":
        line, written = min((s.first_of[kind] for kind in _DAY_OR_MONTH_FIRST if kind in s.first_of), default=(0, ""))
        return s.headers - s.year_first, line, written
    if order == "dmy":
        return s.second_over_12, *s.first_of.get("second", (0, ""))
    return s.first_over_12, *s.first_of.get("first", (0, ""))


_DAY_OR_MONTH_FIRST = ("first", "second", "ambiguous", "same")  # the kinds of dates not written year first (_DateFacts)


def _proven_for_them(s: _Survey) -> str | None:
    """The order ("dmy", "mdy") the header dates written day or month first prove: the one every one of them
    is possible in, where the other is not; None where they prove none (each reads either way, or some
    read one way only, some the other)."""
    fitting = [order for order in OTHER_ORDER if not _misfits(s, order)[0]]
    return fitting[0] if len(fitting) == 1 else None


def _proven_by_dates(s: _Survey, order: str) -> bool:
    """The file's dates prove `order` ("dmy", "mdy"): some are impossible in the other order and none in it, so
    that a --date-order of the other is refused (`_refuse_disproven`). Told to ingest (`DateOrder.proven`), whose
    advice where this reading would move archived messages must not be that refused order."""
    return order in OTHER_ORDER and bool(_misfits(s, OTHER_ORDER[order])[0]) and not _misfits(s, order)[0]


def _refuse_disproven(e: _OrderEvidence, order: str, given: str, way_out: str) -> None:
    """An order a person gave (`given`: how) that the file's dates disprove: "dmy" or "mdy" where some are
    impossible in it and none in the other order, which they so prove; "ymd" where some are written day or month
    first (asked only where at most half are written year first: where more are, `_years_first` names the
    others). Refused (ImportFailed), never read: read so, each of
    those headers would be kept as text of another person's message, evidence rewritten on a mistaken word."""
    misfits, line, written = _misfits(e.s, order)
    if not misfits:
        return
    if order == "ymd":
        proven = _proven_for_them(e.s)
        none_in_other = ""
        instead = f"--date-order {proven}, the order they prove" if proven else "--date-order dmy or mdy"
    else:
        other = OTHER_ORDER[order]
        if _misfits(e.s, other)[0]:
            return
        none_in_other, instead = f" and none as {DATE_ORDERS[other]}", f"--date-order {other}, the order they prove"
    raise ImportFailed(
        e.source.path,
        f"{given}: {misfits} header date{' is' if misfits == 1 else 's are'} impossible as {DATE_ORDERS[order]}"
        f" ({'the first, ' if misfits > 1 else ''}{written}, at line {line}){none_in_other}; pass {instead}{way_out}",
    )


def _order_given(e: _OrderEvidence) -> _Decided:
    """--date-order. One the file's dates disprove is refused (`_refuse_disproven`; "ymd" comes here only where
    at most half the dates are written year first); one they contradict where they contradict the other order too
    (dates of both kinds) is the person's choice between two readings, and stands: the headers whose dates are
    impossible in it are named (kept as text)."""
    given = e.options.date_order
    if not given:
        return None
    _refuse_disproven(e, given, f"--date-order {given} contradicts the file's dates", ", or leave --date-order out")
    misfits, line, _written = _misfits(e.s, given)
    if not misfits:
        return given, None
    lines = (
        "lines look like message headers but their dates are"
        if misfits > 1
        else "line looks like a message header but its date is"
    )
    return given, Notice(
        f"{e.name}: {misfits} {lines} impossible in --date-order {given} ({'the first ' if misfits > 1 else ''}at"
        f" line {line}): {_what_became(misfits, _lead(e.s, given))}"
    )


def _said_disproven(e: _OrderEvidence) -> _Decided:
    """The order a person gave for this chat before (`said`), where this export's dates disprove it (a
    newer export of a chat read by a person's word, say): refused as such a --date-order is
    (`_refuse_disproven`), not read over in silence by the proof. Else it decides nothing."""
    if e.said is None or e.said[0] not in OTHER_ORDER:
        return None
    order, where = e.said
    _refuse_disproven(
        e,
        order,
        f"this chat's dates are read as {DATE_ORDERS[order]}, {where}, but this export's dates contradict it",
        f" (with --corrects-reading if that moves messages archived as {DATE_ORDERS[order]})",
    )
    return None


def _proven_both_ways(e: _OrderEvidence) -> _Decided:
    """Some dates have a first number above 12, others a second: each order reads only some as messages, and keeps
    the others as text of the message before them. That choice is a person's, made before anything is archived (a
    message's text is part of its identity: read in the other order afterwards, the message would be archived
    again, shorter, beside the one archived): the order a person gave for this chat before (`said`), in which a newer
    export of the chat is read alike, said as their choice; else refused, naming both choices."""
    s = e.s
    if not (s.first_over_12 and s.second_over_12):
        return None
    first, second = s.first_of["first"], s.first_of["second"]
    counted = (
        f"{s.first_over_12} header date{'s have' if s.first_over_12 > 1 else ' has'} a first number above 12"
        f" ({'the first, ' if s.first_over_12 > 1 else ''}{first[1]}, at line {first[0]}), {s.second_over_12} a second"
        f" one ({'the first, ' if s.second_over_12 > 1 else ''}{second[1]}, at line {second[0]})"
    )
    if e.said is None or e.said[0] not in OTHER_ORDER:
        raise ImportFailed(
            e.source.path,
            f"{counted}: each date order reads some of them as messages and not the others (kept as text of the"
            " message before them, or skipped where they come before the first message); import the file with"
            f" --date-order dmy to read the {s.first_over_12} as messages, or with --date-order mdy to read the"
            f" {s.second_over_12}; the order given is remembered for this chat"
            f"{_read_before(e, 'dmy' if s.first_over_12 >= s.second_over_12 else 'mdy')}",
        )
    order, where = e.said
    misfits = s.second_over_12 if order == "dmy" else s.first_over_12
    return order, Notice(
        f"{e.name}: dates read as {DATE_ORDERS[order]}, {where}: {counted}; the {misfits} that"
        f" {'fit' if misfits > 1 else 'fits'} only {DATE_ORDERS[OTHER_ORDER[order]]}:"
        f" {_what_became(misfits, _lead(s, order))}"
    )


def _proven(e: _OrderEvidence) -> _Decided:
    """A number above 12 in one place only: proof, nothing to say."""
    if e.s.first_over_12:
        return "dmy", None
    if e.s.second_over_12:
        return "mdy", None
    return None


def _read_alike(e: _OrderEvidence) -> _Decided:
    """Every date reads the same in either order: the region's usual order, nothing to say."""
    return None if e.s.ambiguous else (e.usual_order(), None)


def _said_before(e: _OrderEvidence) -> _Decided:
    """The order a person gave for this chat before (`ImportOptions.chat_date_orders`), so that a chat
    read by a person's word is read alike next week with no flag."""
    if e.said is None:
        return None
    order, where = e.said
    if order not in OTHER_ORDER:
        return None
    return order, Notice(
        f"{e.name}: dates read as {DATE_ORDERS[order]}, {where}: no header date has a number above 12;"
        f" pass --date-order {OTHER_ORDER[order]} if that is wrong",
        kind="assumption",
    )


def _dated_attachment_names(e: _OrderEvidence) -> _Decided:
    """The dated attachment names fit one order only (`_dated_names`)."""
    names, back = e.names, e.back
    if bool(names["dmy"]) == bool(names["mdy"]):
        return None
    order = "dmy" if names["dmy"] else "mdy"
    other = OTHER_ORDER[order]
    text = (
        f"dates read as {DATE_ORDERS[order]}: no header date has a number above 12, and the dated attachment names "
        f"fit that order only ({_listed(names[order])})"
    )
    if back[order] > back[other]:
        text += f"; the dates go back from one header to the next {_times(back[order])} read so, {_times(back[other])} read as {DATE_ORDERS[other]}"
    return e.assumed(order, text)


def _dates_advancing(e: _OrderEvidence) -> _Decided:
    """The order in which the dates go back from one header to the next fewer times."""
    back = e.back
    if back["dmy"] == back["mdy"]:
        return None
    order = "dmy" if back["dmy"] < back["mdy"] else "mdy"
    other = OTHER_ORDER[order]
    return e.assumed(
        order,
        f"dates read as {DATE_ORDERS[order]}: no header date has a number above 12{e.disagree}, and the dates go back "
        f"from one header to the next {_times(back[order])} read so, {_times(back[other])} read as {DATE_ORDERS[other]}",
    )


def _usual_in_region(e: _OrderEvidence) -> _Decided:
    """Last, the region's usual order, and only then "nothing in the file tells"."""
    order, disagree = e.usual_order(), e.disagree
    if disagree:
        return e.assumed(
            order,
            f"dates read as {DATE_ORDERS[order]}, the usual order for region {e.region}: no header date has a number above 12, "
            f"the dates advance alike in both orders{disagree}",
        )
    return e.assumed(
        order,
        "nothing in the file tells day/month from month/day order (no header date has a number above 12, the dates advance "
        f"alike in both orders, no dated attachment name fits one order only); dates were read as {DATE_ORDERS[order]} "
        f"(the usual order for region {e.region})",
    )


# The day/month order's rules, tried in this order: the first that decides gives the order.
DATE_ORDER_RULES = (
    _years_first,
    _order_given,
    _said_disproven,  # (decides nothing: refuses, or lets the rules below decide)
    _proven_both_ways,
    _proven,
    _read_alike,
    _said_before,
    _dated_attachment_names,
    _dates_advancing,
    _usual_in_region,  # (always decides)
)


def _date_order(
    source: _Source, s: _Survey, options: ImportOptions, said: tuple[str, str] | None = None, held: bool = False
) -> tuple[str, Notice | None]:
    """The file's day/month order, and a notice naming what it rested on wherever the headers do
    not prove it: the first of DATE_ORDER_RULES that decides. In turn: years written first (the headers
    written otherwise kept as text and named, or refused where no one gave an order; unless a person gave
    day/month or month/day order); --date-order (refused where the dates disprove it); the order a person gave for this chat before (`said`), refused
    where this export's dates disprove it (else it waits, below); a first or second number above 12
    (proof, said only when both occur; where both do, the order a person gave for this chat before,
    if any, else refused); every date alike in both orders (the region's); that order a
    person gave (`ImportOptions.chat_date_orders`), so that a chat read by a person's word is read
    alike next week with no flag; the dated attachment names (_dated_names); the order in which the dates advance;
    last, the usual order of the region, and only then "nothing in the file tells". (`held`: the archive holds the
    chat, which a refusal for want of an order names with the order it was read in before: `_read_before`.)"""
    evidence = _OrderEvidence(source, s, options, said, held)
    for rule in DATE_ORDER_RULES:
        decided = rule(evidence)
        if decided is not None:
            return decided
    raise AssertionError("the last rule always decides")


def _refuse_lines_read_otherwise(
    source: _Source, s: _Survey, options: ImportOptions, order: str, given_before: dict[str, str]
) -> None:
    """An import that reads a chat the archive holds in `order` where a person gave another order for it before
    (`given_before`: each order a person gave, by --date-order or a correction, and where it was said, the latest
    last: `ImportOptions.chat_date_orders_given`), and the two orders make messages of different lines of this
    file: refused (ImportFailed), naming those lines and the way out, --date-order with the earlier order. A line
    one order reads as a message (its date is a date in it) and the other keeps as text of the message before it
    (after that order's first message) changes the text of a message, part of its identity (identity.py): read
    so, the message would be archived again, shorter or longer, beside the one archived. A correction of the
    reading (--corrects-reading) moves archived messages in time; it cannot yet make one message two, or two one,
    so it is refused too. An earlier order that this file's dates disprove (`_disproven`) read none of its lines:
    an import in it is refused. The third reading of the file that names the lines is made only where the survey
    found dates that the two orders read otherwise (`_READ_IN`)."""
    for earlier, where in reversed(given_before.items()):
        kinds = set(_READ_IN[order]).symmetric_difference(_READ_IN[earlier])
        if earlier == order or not kinds.intersection(s.first_of) or _disproven(s, earlier):
            continue
        made_messages, made_text = _read_otherwise(source, s.style, order, earlier)
        if not (made_messages or made_text):
            continue
        reading = (
            f"--date-order {order}"
            if options.date_order
            else f"reading it as {DATE_ORDERS[order]}{_where_said(given_before, order)}"
        )
        changes, kept = [], []
        if made_messages:
            n = len(made_messages)
            them = "them" if n > 1 else "it"
            changes.append(
                f"read as {'messages' if n > 1 else 'a message'} {_lines(made_messages)}, which that reading kept as"
                f" text of the message before {them}, archiving again, shorter,"
                f" {'each message archived with one in its text' if n > 1 else 'the message archived with it in its text'}"
            )
            kept.append(f"{'those lines' if n > 1 else 'that line'} as text of the message before {them}")
        if made_text:
            n = len(made_text)
            them = "them" if n > 1 else "it"
            changes.append(
                f"keep as text of the message before {them} {_lines(made_text)}, which that reading read as"
                f" {'messages' if n > 1 else 'a message'}, archiving again, longer, the message before {'each' if n > 1 else 'it'}"
            )
            kept.append(f"{'those lines' if n > 1 else 'that line'} as {'messages' if n > 1 else 'a message'}")
        raise ImportFailed(
            source.path,
            f"this chat was read as {DATE_ORDERS[earlier]} ({where}): {reading} would {' and '.join(changes)} (a"
            " message's text is part of its identity). A reading that changes which lines are messages cannot be"
            f" corrected yet, with --corrects-reading or without: pass --date-order {earlier} to read this file as"
            f" before (the archive keeps {' and '.join(kept)}: nothing is lost)",
        )


def _where_said(given_before: dict[str, str], order: str) -> str:
    """ " (as --date-order dmy said for this chat in import 2)" where a person gave `order` for the chat, else ""."""
    return f" ({given_before[order]})" if order in given_before else ""


def _disproven(s: _Survey, order: str) -> bool:
    """This file's dates disprove `order`, which is refused for it (`_refuse_disproven`, `_said_disproven`): year/month/day
    where at most half of them are written year first and not all, day/month or month/day where they prove the other."""
    if order == "ymd":
        return s.year_first * 2 <= s.headers and s.year_first < s.headers
    return _proven_by_dates(s, OTHER_ORDER[order])


def _read_otherwise(source: _Source, style: str, order: str, earlier: str) -> tuple[list, list]:
    """The headers of the file's `style` that `order` and `earlier` make messages of differently, as pass 2 reads
    them (scan.py: a header is a message where its date is a date in the order and its time a time): those `order`
    reads as messages and `earlier` keeps as text of the message before them (after its first message), and those
    `earlier` reads as messages and `order` keeps as text; each as (its line, the header as written). A header
    before an order's first message is skipped by it as a line before the first message: no message's text."""
    made_messages: list[tuple[int, str]] = []
    made_text: list[tuple[int, str]] = []
    began = {order: False, earlier: False}  # each order's first message read
    undecodable = _Undecodable()
    with source.open_text() as stream:
        for chunk in _chunks(source.path, stream, undecodable):
            for m in _AFTER_NEWLINE.finditer(chunk):
                g = m.groups()
                if _style(g) != style:
                    continue
                if g[0] is not None:
                    d1, d2, d3, H, M, S = g[0], g[2], g[3], g[4], g[5], g[6]
                    era = be = ap0 = ap = None
                else:
                    _br, d1, _sep, d2, era, d3, be, ap0, H, M, S, ap, _tr = g[7:]
                if not _time(H, M, S, ap, ap0):
                    continue
                now, before = (bool(_date(d1, d2, era, d3, be, o)) for o in (order, earlier))
                if now and not before and began[earlier]:
                    made_messages.append(_as_written(undecodable, chunk, m))
                elif before and not now and began[order]:
                    made_text.append(_as_written(undecodable, chunk, m))
                began[order] = began[order] or now
                began[earlier] = began[earlier] or before
    return made_messages, made_text


def _lines(found: list[tuple[int, str]]) -> str:
    """Header lines with their line numbers, as written: "line 3 ('25/03/2024, 10:00 -')", or how many, the first
    three and how many more."""
    if len(found) == 1:
        line, written = found[0]
        return f"line {line} ({written!r})"
    shown = "; ".join(f"line {line}, {written!r}" for line, written in found[:3])
    more = f"; and {len(found) - 3} more" if len(found) > 3 else ""
    return f"{len(found)} lines ({shown}{more})"


# The attachment names that carry a date: Android's, the day the phone saved the file, and iOS's,
# the message's own time, both on the phone's clock:
#   IMG-20230922-WA0006.jpg (file attached)      ‎<attached: 00000010-PHOTO-2020-11-02-21-49-51.jpg>
_DATED_NAME = re.compile(
    r"\b(?:IMG|VID|PTT|AUD|STK|DOC)-(\d{4})(\d\d)(\d\d)-WA\d+\.\w+"
    r"|\b\d{8}-(?:PHOTO|VIDEO|AUDIO|STICKER|GIF)-(\d{4})-(\d\d)-(\d\d)-\d\d-\d\d-\d\d\.\w+"
)


def _dated_names(source: _Source, style: str) -> dict[str, list]:
    """The dated attachment names on the first line of a message whose header (of the file's `style`: a line of
    another is text) has a date that reads either way, by the order they fit:
    {"dmy": [(line, name, header date as written)], "mdy": [...]}.

    A name fits an order when its date is within a day of the header's date read in that order (a
    message near midnight, a file saved on the next day) and more than a day from it read in the
    other. A third reading of the file, made only when the headers leave the order open (a file
    whose dates all have both numbers at most 12, so a short one)."""
    fits: dict[str, list] = {"dmy": [], "mdy": []}
    line_no = 0
    with source.open_text() as stream:
        for chunk in _chunks(source.path, stream):
            count_from = 0
            for m in _AFTER_NEWLINE.finditer(chunk):
                end = chunk.find("\n", m.end())
                found = list(_DATED_NAME.finditer(chunk, m.end(), len(chunk) if end < 0 else end))
                if not found:
                    continue
                g = m.groups()
                d1, sep, d2, era, d3, be = (g[0], g[1], g[2], None, g[3], None) if g[0] is not None else g[8:14]
                line_no += chunk.count("\n", count_from, m.start() + 1)
                count_from = m.start() + 1
                if _style(g) != style:
                    continue
                facts = _date_facts(d1, d2, d3)
                if facts is None or facts.kind != "ambiguous":
                    continue
                readings = {order: _date(d1, d2, era, d3, be, order) for order in ("dmy", "mdy")}
                for found_name in found:
                    y, mo, d = [int(n) for n in found_name.groups() if n is not None]
                    try:
                        named = date(y, mo, d)
                    except ValueError:
                        continue
                    near = {
                        order: bool(day) and abs((named - date(*day.ymd)).days) <= 1 for order, day in readings.items()
                    }
                    for order, other in OTHER_ORDER.items():
                        if near[order] and not near[other]:
                            fits[order].append((line_no, found_name.group(0), f"{d1}{sep}{d2}{sep}{d3}"))
            line_no += chunk.count("\n", count_from)
    return fits


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def _listed(names: list) -> str:
    shown = "; ".join(f"{name!r} at line {line}, header date {written}" for line, name, written in names[:3])
    return f"{len(names)} name{'s' if len(names) != 1 else ''}: {shown}" + (
        f"; and {len(names) - 3} more" if len(names) > 3 else ""
    )
