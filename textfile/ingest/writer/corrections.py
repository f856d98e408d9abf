"""Corrections: a known message that this import's reading of its time as written would move.

Where the identity holds the time as written (WhatsApp's wall clocks), a known message that this
import's reading would move to another instant is a re-reading of that wall clock: in another zone,
with day and month the other way round, or otherwise. It is refused, naming the earlier reading and
the ways out, unless the import says it corrects the earlier reading (`--corrects-tz` for a zone,
`--corrects-reading` for any); then every earlier time is kept as a version, and the import records
what it corrected, from which reading to which, for how many messages (its options' "corrected"), so
that a transcript can say it. A flag that corrected nothing is said and not recorded (`Versions.changed`,
`say_corrections`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from textfile import times
from textfile.ingest.prepare import _flags_json
from textfile.ingest.writer.notices import _count
from textfile.model import DATE_ORDERS, OTHER_ORDER

if TYPE_CHECKING:
    from textfile.ingest.writer.batch import _Pending

TIME_FLAGS = ("time_ambiguous", "time_nonexistent")  # flags that come with a reading of a wall clock in a zone


def _retimed_flags(flags_json: str, reading) -> str:
    """A message's flags with those its earlier reading gave (TIME_FLAGS) replaced by those of the new `reading`."""
    return _flags_json(
        [f for f in json.loads(flags_json) if f not in TIME_FLAGS] + [f for f in reading if f in TIME_FLAGS]
    )


def _wall(stored: str, zone: str | None, precision: str | None) -> str:
    return times.display(stored, times.zone(zone), precision) if zone else stored


def _rereading(sent_at: str, zone: str, new_sent_at: str, new_zone: str) -> list[str]:
    """How the reading of a time as written that gives `new_sent_at` in `new_zone` differs from the one that
    gave `sent_at` in `zone` (`_Writer.changed`): "tz" (another zone), "date_order" (the wall clock's day and
    month the other way round), "occurrence" (in the same zone, the same wall clock at its other instant:
    an hour the clocks repeated, read as the other of its two occurrences on the export's own line order,
    which the importer states as an assumption), else "reading" (another reading of a time as written)."""
    was, now = (
        times.from_iso(t).astimezone(times.zone(z)).replace(tzinfo=None)
        for t, z in ((sent_at, zone), (new_sent_at, new_zone))
    )
    if zone == new_zone and was == now:
        return ["occurrence"]
    kinds = ["tz"] if zone != new_zone else []
    if was.date() != now.date() and (was.year, was.month, was.day) == (now.year, now.day, now.month):
        kinds.append("date_order")
    return kinds or ["reading"]


class Corrections:
    def init_corrections(self) -> None:
        # "tz" | "date_order" | "reading" -> the earlier reading (a zone, an order) -> messages this import moved from it (`changed`)
        self.reread: dict[str, dict[str, int]] = {}
        self.earlier_readings: set[tuple[str, bool]] = set()  # (zone, day and month swapped) of what was corrected

    def refusal(self, kind: str, row, p: _Pending) -> str:
        """Why a known message cannot move to this import's reading of its time as written (`changed`), and the ways out."""
        m = p.record
        old, new = row["source_zone"], m.source_zone
        was, now = _wall(row["sent_at"], old, row["time_precision"]), _wall(p.sent_at, new, m.time_precision)
        if kind == "tz":
            return (
                f"{m.source_ref}: archived as read in {old} ({was}); read in {new} it would move to {now}, and so would every message"
                f" read that way. Pass --tz {old} to read this export as before, or --corrects-tz if {new} corrects the earlier reading"
            )
        if kind == "date_order" and self.date_order in OTHER_ORDER:
            order, earlier = self.date_order, OTHER_ORDER[self.date_order]
            moved = (
                f"{m.source_ref}: archived with its date read as {DATE_ORDERS[earlier]} ({was}); read as {DATE_ORDERS[order]} it would"
                f" move to {now}, and so would every message read that way."
            )
            if self.date_order_proven:  # (the importer refuses --date-order {earlier}: this export's dates disprove it)
                return (
                    f"{moved} This export's dates prove {DATE_ORDERS[order]} (some are impossible as {DATE_ORDERS[earlier]}), so"
                    f" it cannot be read as before: pass --corrects-reading, as {DATE_ORDERS[order]} corrects the earlier reading"
                )
            return (
                f"{moved} Pass --date-order {earlier} to read this export as before, or --corrects-reading if {DATE_ORDERS[order]}"
                " corrects the earlier reading"
            )
        return (
            f"{m.source_ref}: archived as {was} (read in {old}); this import reads the same time as written as {now}, and so would it"
            " read every message written that way. Pass --corrects-reading if this reading corrects the earlier one"
        )

    def count_reread(self, sent_at: str, zone: str, new_sent_at: str, new_zone: str) -> None:
        """A message this import moved from one reading of its time as written to another (`changed`)."""
        kinds = _rereading(sent_at, zone, new_sent_at, new_zone)
        for kind in kinds:
            earlier = OTHER_ORDER.get(self.date_order or "", "another order") if kind == "date_order" else zone
            counts = self.reread.setdefault(kind, {})
            counts[earlier] = counts.get(earlier, 0) + 1
        self.earlier_readings.add((zone, "date_order" in kinds))

    def say_corrections(self) -> None:
        """The notices, the audit record and the import's options of what a correcting import corrected:
        each kind of reading, from which earlier reading, to which, how many messages. A flag given that
        corrected nothing is said, and not recorded: nothing may claim a correction the archive cannot show."""
        zone, order = self.result.zone, self.date_order
        flag = "--corrects-tz" if self.source.corrects_tz else "--corrects-reading"
        corrected = {}
        for kind, counts in sorted(self.reread.items()):
            counts = dict(sorted(counts.items()))
            if kind == "occurrence":  # the export's own evidence, not a person's correction (see `_rereading`)
                n = sum(counts.values())
                self.note(
                    f"{_count(n, 'message')} of an hour the clocks repeated in {', '.join(counts)} now read as the other of its two"
                    " occurrences, as the export's line order shows (see the assumption): each keeps its earlier time as a version"
                )
                self.changes["occurrence_reread"] = {"from": counts}
                continue
            for earlier, n in counts.items():
                if kind == "tz":
                    self.note(
                        f"{_count(n, 'message')} archived as read in {earlier} now read in {zone} ({flag}): each keeps its earlier"
                        " time as a version"
                    )
                elif kind == "date_order":
                    self.note(
                        f"{_count(n, 'message')} archived with dates read as {DATE_ORDERS.get(earlier, earlier)} now read as"
                        f" {DATE_ORDERS.get(order, order)} (--corrects-reading): each keeps its earlier time as a version"
                    )
                else:
                    self.note(
                        f"{_count(n, 'message')} archived at another reading of their time as written in {earlier} now read as this"
                        " import reads it (--corrects-reading): each keeps its earlier time as a version"
                    )
            corrected[kind] = {"from": counts} | (
                {"to": zone} if kind == "tz" else {"to": order} if kind == "date_order" else {}
            )
            self.changes[f"{kind}_corrected"] = corrected[kind]
        if corrected:
            self.options["corrected"] = corrected
        if self.source.corrects_tz and "tz" not in self.reread:
            self.note(f"--corrects-tz: no archived message was read in another zone than {zone}; nothing was corrected")
            self.options.pop("corrects_tz", None)
        if self.source.corrects_reading and not set(self.reread) - {"occurrence"}:
            self.note("--corrects-reading: no archived message was read otherwise; nothing was corrected")
            self.options.pop("corrects_reading", None)
