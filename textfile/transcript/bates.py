"""Bates series: which counter a prefix names, the number a transcript starts at, taking its numbers.

Prefixes that differ only in case are one series, with one counter. A transcript's first number is
chosen with its plan, and checked again inside the write transaction that records it, before its
numbers are taken (`recording.py`): two productions made at the same time can never both use a number.

A transcript that shows privileged notes (`--include-privileged`) is not for production: it is numbered
in a series of its own, <archive prefix>-PRIV, as the weekly snapshots are in <archive prefix>-SNAP and the
review reports in <archive prefix>-REVIEW, so that the produced transcripts' numbers run on without a gap
where it would have taken its own (P-000001 to P-000003, then P-000004 on, not P-000007). A --bates-prefix
given is used as given.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, NamedTuple

from textfile.errors import Conflict, InvalidInput

if TYPE_CHECKING:
    from textfile.transcript.request import Request


class Series(NamedTuple):
    """A Bates series as it is spelled, and a number of it (the next free one, or a transcript's first)."""

    prefix: str
    number: int


def bates_series(conn, prefix: str, archive_prefix: str) -> Series:
    """The spelling and the next free number of the Bates series that `prefix` names.

    Prefixes that differ only in case are one series (GAP-000201 and gap-000201 would be two pages
    with one number): one counter, spelled as the series was first used, or as the archive's own
    prefix, so a production never switches between GAP and gap. An archive written before may hold
    a counter per spelling: the series is used up to the highest of them."""
    rows = conn.execute(
        "SELECT prefix, next_number FROM bates_counters WHERE prefix = ? COLLATE NOCASE ORDER BY rowid", (prefix,)
    ).fetchall()
    if rows:
        return Series(rows[0]["prefix"], max(row["next_number"] for row in rows))
    return Series((archive_prefix if prefix.lower() == archive_prefix.lower() else prefix), 1)


def take_bates(conn, prefix: str, next_number: int) -> None:
    """Move the series' counter (every spelling of it) on to `next_number`."""
    if not conn.execute(
        "UPDATE bates_counters SET next_number = ? WHERE prefix = ? COLLATE NOCASE", (next_number, prefix)
    ).rowcount:
        conn.execute("INSERT INTO bates_counters (prefix, next_number) VALUES (?, ?)", (prefix, next_number))


def first_bates(conn, request: Request, archive_prefix: str) -> Series:
    """The series the prefix names, and the number the transcript starts at: --bates-start, never a
    number already used, else the next free one."""
    from textfile.transcript import pdf

    series = bates_series(conn, request.prefix, archive_prefix)
    if request.bates_start is not None and request.bates_start < series.number:
        raise Conflict(
            f"Bates numbers up to {pdf.bates(series.prefix, series.number - 1)} are already used; the next free number is {series.number}"
        )
    return Series(series.prefix, request.bates_start or series.number)


PRIVILEGED_SERIES = "{prefix}-PRIV"  # a privileged transcript's own series: DEMO-PRIV-000001
# The review report's own series (DEMO-REVIEW-000001): the firm's compliance record, never produced; in the
# archive's series it took numbers the next production would have had (a production starting at DEMO-000013).
REVIEW_SERIES = "{prefix}-REVIEW"
SNAPSHOT_SERIES = "{prefix}-SNAP"  # the weekly run's own series: DEMO-SNAP-000001 (productions keep DEMO-000001 on)
# What each of the archive's own series numbers: no --bates-prefix takes one for anything else, or a production
# would be numbered among the firm's internal pages (RIVERA-REVIEW-000009 says 8 such pages exist).
OWN_SERIES = {"privileged": PRIVILEGED_SERIES, "snapshot": SNAPSHOT_SERIES, "review": REVIEW_SERIES}
OWN_SERIES_SAID = {
    "privileged": "transcripts that show privileged notes",
    "snapshot": "the weekly run's snapshots",
    "review": "review reports",
}


def check_not_own(prefix: str, archive_prefix: str, *, privileged: bool = False, snapshot: bool = False) -> None:
    """Refuse a Bates prefix a person gave that names one of the archive's own series (`OWN_SERIES`), but for
    what that series numbers: a transcript showing privileged notes, the weekly run's snapshot."""
    base = archive_prefix.rstrip("-")
    for what, series in OWN_SERIES.items():
        own = series.format(prefix=base)
        allowed = (what == "privileged" and privileged) or (what == "snapshot" and snapshot)
        if prefix.casefold() == own.casefold() and not allowed:
            raise InvalidInput(
                f"--bates-prefix {prefix} names the archive's own series of {OWN_SERIES_SAID[what]} ({own}-000001 on):"
                " give another prefix"
            )


def privileged_bates(conn, request: Request, archive_prefix: str) -> tuple[Request, Series]:
    """The request numbered in the privileged series, and its first number there (as `first_bates`)."""
    request = replace(request, prefix=PRIVILEGED_SERIES.format(prefix=archive_prefix.rstrip("-")))
    return request, first_bates(conn, request, archive_prefix)
