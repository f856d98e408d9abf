"""Regions: a number written without a country code that this import's region reads as another handle than
the one the archive holds for it.

A number written without a country code ("2025550143") is whatever the import's region makes of it
(phones.normalize_handle): +12025550143 read in US, +442025550143 read in GB. An archive that read it in
one region and an import that reads it in another would hold one person under two numbers: new
conversations, the same messages archived twice (an Android message's identity holds the number as read),
a country code the number was never written with, and deletions on the phone that never happened
(coverage). So where the archive holds the handle that another region it used (its own, or an earlier
import's, as the `imports` row records) makes of the same written number, and this import's region makes
another, each with its country code, the import is refused, naming the number as written, both readings
and the way out: the region the archive read it in. A reading that keeps the number as written gives it no
code and is not refused (the importer says what it may be: importers/android/numbers.py). Numbers written
with their country code, emails and names read the same in every region and are never looked at; a number
that clashes with nothing archived (a client's phone from another country, read in its own region) is
imported as before.

Checked once the source is read, when its importer names the numbers it writes without a country code
and what this import's region made of each (`model.NumbersWritten`, Android's only: an iMessage handle or a
WhatsApp sender written without a code is rare), inside the import's transaction, which a refusal undoes;
only by an import whose region is not the only one the archive used. The archive's numbers are read once,
when the first number another region reads otherwise turns up (`archived_numbers`).
"""

from __future__ import annotations

import phonenumbers

from textfile.errors import ImportFailed
from textfile.phones import normalize_handle

# The numbers an import's assumption names as read, of those it gave a country code (the count says the rest),
# after AS_WRITTEN: what follows it is no part of the assumption's kind (`status`: next week's backup, with other
# numbers, assumes what this one did).
SAID = 5
AS_WRITTEN = " — as written: "
# (every number written without a code that both regions give one: said where it is so)
SO_WOULD = ", and so would every number written without one"


class Regions:
    def init_regions(self) -> None:
        # the regions other than this import's that the archive read numbers in: its own, and each import's
        self.other_regions = sorted(
            {r for (r,) in self.conn.execute("SELECT region FROM settings UNION SELECT region FROM imports")}
            - {self.region}
        )
        (self.archive_region,) = self.conn.execute("SELECT region FROM settings").fetchone()
        self.numbers_archived: set[str] | None = None  # (`archived_numbers`)
        self.phone_regions: list[str] | None = None  # (`same_phone_regions`)
        (self.participants_before,) = self.conn.execute("SELECT coalesce(max(id), 0) FROM participants").fetchone()

    def numbers_written(self, readings: tuple[tuple[str, str], ...]) -> None:
        """The numbers the source writes without a country code (`model.NumbersWritten`): refused where this
        region reads an archived one otherwise (`check_regions`); else the country code this import gave them, an
        assumption (no value is invented unsaid: it is recorded, and printed on every transcript of them)."""
        self.check_regions(readings)
        given = [(written, handle) for written, handle in readings if handle[0] == "+"]
        if given:
            self.note(self.codes_given(given), "assumption")

    def codes_given(self, given: list[tuple[str, str]]) -> str:
        whose = "the archive's region" if self.region == self.archive_region else "the region this import was given"
        code = phonenumbers.country_code_for_region(self.region)
        said = ", ".join(f"{written} as {handle}" for written, handle in given[:SAID])
        more = f" and {len(given) - SAID:,} more" if len(given) > SAID else ""
        return (
            f"numbers written without a country code were read as numbers of region {self.region} ({whose}) and"
            f" given its code +{code}{AS_WRITTEN}{said}{more}"
        )

    def check_regions(self, readings: tuple[tuple[str, str], ...]) -> None:
        """Refuse (`region_refusal`) the first number written without a country code (`model.NumbersWritten`) that
        this import gives a country code as `handle` where the archive held another region's reading of it with
        another code before this import. A reading that keeps the number as written gives it no code: that
        number may be another kept as written, or joined, the importer says (importers/android/numbers.py), as
        it does for any number of another country."""
        if not self.other_regions:
            return
        for written, handle in readings:
            self.check_same_phone(written, handle)
            if handle[0] != "+":
                continue
            read = {region: normalize_handle(written, region) for region in self.other_regions}
            others = sorted({h for h in read.values() if h != handle and h[0] == "+"})
            held = next((h for h in others if h in self.archived_numbers()), None)
            if held is not None and not self.read_here_before(handle):
                regions = [region for region, h in read.items() if h == held]
                raise ImportFailed(self.source.path, self.region_refusal(written, held, regions, handle))

    def check_same_phone(self, written: str, handle: str) -> None:
        """Refuse where an earlier import of this very phone (the owner's, or the same client's: `import_custodians`)
        read `written` in another region as another handle the archive holds, one of the two keeping it as written
        (`check_regions` leaves those: a UK number the owner's US phone keeps as written is not the client's UK
        phone's +44 one). The same backup imported once without --region and once with it would archive its
        messages twice (second reader, round 7, A)."""
        for region in self.same_phone_regions():
            earlier = normalize_handle(written, region)
            if (
                earlier != handle
                and (earlier[0] != "+" or handle[0] != "+")
                and earlier in self.archived_numbers()
                and self.this_phone_read(earlier, region)
                and not self.read_here_before(handle)
            ):
                raise ImportFailed(self.source.path, self.region_refusal(written, earlier, [region], handle))

    def this_phone_read(self, handle: str, region: str) -> bool:
        """Whether an earlier import of this phone in `region` holds messages in a conversation of `handle`: the number
        archived so by this phone, not another (the owner's US phone keeping a UK number as written says nothing of
        the client's UK phone: second reader, round 8, 3)."""
        return self.read_before(handle, region, this_phone=True)

    def read_before(self, handle: str, region: str, *, this_phone: bool = False) -> bool:
        """Whether an earlier import in `region` (of this phone only, where `this_phone`: this format, the same
        custodian) has messages in a conversation the archive held before this import with `handle` in it."""
        phone = (
            " AND i.format = ? AND (SELECT c.client_id FROM import_custodians c WHERE c.import_id = i.id) IS ?"
            if this_phone
            else ""
        )
        return (
            self.conn.execute(
                "SELECT 1 FROM participants p JOIN messages m ON m.conversation_id = p.conversation_id JOIN message_sources s"
                " ON s.message_id = m.id JOIN imports i ON i.id = s.import_id WHERE p.handle = ? AND p.id <= ?"
                f" AND i.region = ? AND i.id < ?{phone} LIMIT 1",
                (handle, self.participants_before, region, self.result.import_id)
                + ((self.source.format, self.source.custodian_client) if this_phone else ()),
            ).fetchone()
            is not None
        )

    def same_phone_regions(self) -> list[str]:
        """The regions, other than this import's, that earlier imports of this format from this phone read in (the
        owner's phone: no custodian; a client's: theirs), read once."""
        if self.phone_regions is None:
            self.phone_regions = [
                region
                for (region,) in self.conn.execute(
                    "SELECT DISTINCT i.region FROM imports i LEFT JOIN import_custodians c ON c.import_id = i.id"
                    " WHERE i.id < ? AND i.format = ? AND c.client_id IS ? AND i.region <> ? ORDER BY 1",
                    (self.result.import_id, self.source.format, self.source.custodian_client, self.region),
                )
            ]
        return self.phone_regions

    def read_here_before(self, handle: str) -> bool:
        """Whether an earlier import in this import's region has messages in a conversation of `handle`: then the
        archive holds this reading of the number too (both readings are archived already), and this import adds no
        number. A handle archived only from its international form (+12025550143 as written) is no reading of a
        number written without a code, and does not count."""
        return handle in self.archived_numbers() and self.read_before(handle, self.region)

    def archived_numbers(self) -> set[str]:
        """The participants' numbers the archive held before this import (those it adds are its own reading, not
        the archive's), read once, when the first number another region reads otherwise turns up: one query, not
        one a number (`participants` has no index of handles)."""
        if self.numbers_archived is None:
            self.numbers_archived = {
                h
                for (h,) in self.conn.execute(
                    "SELECT DISTINCT handle FROM participants WHERE id <= ? AND handle GLOB '[+0-9]*'",
                    (self.participants_before,),
                )
            }
        return self.numbers_archived

    def region_refusal(self, written: str, held: str, regions: list[str], handle: str) -> str:
        """Why the number `written` cannot be read as `handle` in this import's region, where the archive holds
        `held`, which `regions` make of it: the earliest import in one of them with a message in a conversation
        of `held` (or the archive's own region), and the way out."""
        marks = ",".join("?" * len(regions))
        found = self.conn.execute(
            "SELECT i.id, i.file_name, i.region FROM participants p JOIN messages m ON m.conversation_id = p.conversation_id"
            " JOIN message_sources s ON s.message_id = m.id JOIN imports i ON i.id = s.import_id"
            f" WHERE p.handle = ? AND i.region IN ({marks}) ORDER BY i.id LIMIT 1",
            (held, *regions),
        ).fetchone()
        own = self.archive_region
        if found is not None:
            region = found["region"]
            by = f"read in region {region} by import {found['id']} of {found['file_name']}"
        else:
            region = own if own in regions else regions[0]
            by = f"as region {region}, the archive's, reads it" if region == own else f"as region {region} reads it"
        out = f"Pass --region {region} to read this export as before" + (
            f" (or no --region: {region} is the archive's region)" if region == own else ""
        )
        return (
            f"{written}, written without a country code, is archived as {held} ({by}); read in region"
            f" {self.region} it would be {handle}, another number{SO_WOULD if held[0] == handle[0] == '+' else ''}:"
            f" messages archived already would be archived again under it. {out}"
        )
