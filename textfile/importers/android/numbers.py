"""The numbers a backup writes, each read as a handle: in E.164 where it says its country or is
the region's, else as written, or joined with the international form the same backup (or an
earlier import) writes of it.

Decisions, and why:
  - No number is invented (phones.py): a number with no country code that is not the region's
    ("0669462731", a French mobile, in a US archive) is kept as written, flagged
    "number_as_written" and said. Where this same backup writes a number whose national form it is
    ("+33669462731"), the two are one handle, the international one, and that is said; where two
    such numbers fit (a French and a Dutch 06…), neither is chosen. Which numbers the backup writes
    is learnt by reading it for its addresses alone, once, when the first such number turns up
    (`_international_forms`): a backup without one is read once. Where this backup does not write
    the international form but an earlier import joined the two (the archive's own evidence: a
    conversation keyed by the international number is known too under the number's key as
    written, `ImportOptions.joined_keys`), the number is read as that one handle too, and the
    notice names that import; nothing else joins a number. Where an archived conversation has a
    number this backup writes the other way (national only, then international only), they may be
    one person, which is said, and not joined (`ImportOptions.archived_numbers`).
  - Identity: the addresses in an identity, and the conversation key it is computed under, are those earlier
    versions used ("+10669462731" for the number above; a key, never shown): a backup imported
    again into an archive they made finds every message, and what reads differently now (the number,
    the date) becomes a new version (`_Address.legacy`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import phonenumbers

from textfile import phones
from textfile.importers.android.notices import _Refs
from textfile.importers.android.source import SCAN_TAIL, _raw_reads, _text
from textfile.model import ImportOptions, Notice, NumbersWritten


class _Address(NamedTuple):
    """An address as this backup's records write it, read three ways.

    `handle` is what the archive shows: phones.normalize_handle, except that a number with no
    country code that is not the region's ("0669462731" in a US archive) becomes the international
    number this same backup writes whose national form it is ("+33669462731"), when there is
    exactly one (`flag` "joined"); with none it stays as written (`flag` "number_as_written", which
    its records carry). `legacy` is the handle earlier versions gave it (phones.handle_key,
    "+10669462731"): message identities are computed from it, so a backup imported again into an
    archive they made finds every message, and a joined number keeps the ids it had before it was
    joined. `key` is its part of the conversation key: `legacy` (so such an archive's conversation
    goes on), except that a joined number is keyed by its international form, the conversation it
    shares with the records that write it so. Keys and legacy handles are hash inputs, never shown."""

    handle: str
    key: str
    legacy: str
    flag: str | None = None
    written: str | None = None  # the number as written (normalize_handle), for a flagged address
    joined_by: str | None = (
        None  # for one joined by what an earlier import read ("import 3, sms-….xml"), not by this backup
    )


def _conversations(numbers: tuple[int, ...]) -> str:
    numbers = sorted(set(numbers))
    return f"conversation{'s' if len(numbers) > 1 else ''} {', '.join(map(str, numbers))}"


def _country(international: str) -> str:
    number = phonenumbers.parse(international, None)
    region = phonenumbers.region_code_for_number(number)
    return f"{region} (+{number.country_code})" if region else f"its country (+{number.country_code})"


# <sms … address="+33669462731" …>, <addr address="0669462731" …>, <call number="+33669462731" …>
# (The name found first, then the blank before it: as fast as the name alone, and "xaddress=" is no address.)
_ADDRESS_VALUE = {
    name: re.compile(name + rb"(?<=\s" + name + rb""")=(?:"([^"<]*)"|'([^'<]*)')""") for name in (b"address", b"number")
}


def _international_forms(path: Path, region: str, root: str) -> dict[str, set[str]]:
    """Every international number the backup writes (an address, or a call's number, that reads as
    E.164), by the digits it is dialed with in its own country: "0669462731" -> {"+33669462731"}.
    One pass over the raw bytes, without the XML parser: the attribute values as written, their
    character references read. A value a read cuts in two is read whole with the next read."""
    name = b"number" if root == "calls" else b"address"
    pattern = _ADDRESS_VALUE[name]
    values: set[bytes] = set()
    tail = b""
    for chunk in _raw_reads(path):
        data = tail + chunk if tail else chunk
        for double, single in pattern.findall(data):
            values.add(double or single)
        # Read again with the next: the last value if it is not whole (with the blank before its
        # name), else what could begin the attribute's name.
        last = data.rfind(name + b"=", max(1, len(data) - SCAN_TAIL))
        whole = last >= 0 and pattern.match(data, last) is not None
        tail = data[last - 1 :] if last >= 0 and not whole else data[-len(name) - 1 :]
    for double, single in pattern.findall(tail):
        values.add(double or single)
    forms: dict[str, set[str]] = {}
    for value in values:
        for raw_address in _text(value).split("~"):
            handle = phones.normalize_handle(raw_address, region) if raw_address.strip() else ""
            if handle.startswith("+"):
                digits = phones.national_digits(handle)
                if digits:
                    forms.setdefault(digits, set()).add(handle)
    return forms


class _MaybeSame(NamedTuple):
    """An archived conversation's number as written that this backup writes in its international form only."""

    written: str  # the national digits, as the archived conversations have them
    held: tuple[int, ...]  # those conversations


class _Numbers:
    """How one backup's addresses are read (`address`), and which were kept as written or joined (`notices`)."""

    def __init__(self, path: Path, options: ImportOptions, root: str) -> None:
        self.path = path
        self.root = root  # smses or calls: which attribute holds the numbers
        self.region = options.region
        self.addresses: dict[str, _Address] = {}
        # each number written without a country code -> the handle read (`written`), in the order first met
        self.no_code: dict[str, str] = {}
        self.forms: dict[str, set[str]] | None = None  # international numbers in this backup, by national digits
        self.joined_keys = options.joined_keys
        self.joins: dict[str, dict[str, str]] | None = None  # what earlier imports joined (`joined_before`)
        self.archived_numbers = options.archived_numbers
        self.archived_as_written = {n: held for n, held in options.archived_numbers.items() if n.isdigit()}
        self.maybe_same: dict[str, _MaybeSame] = {}  # (`written_elsewhere`)
        self.spelled: dict[_Address, _Refs] = {}  # an address kept as written or joined -> the records naming it

    def address(self, raw: str) -> _Address:
        """How an address as written is read (see _Address), cached per raw spelling."""
        found = self.addresses.get(raw)
        if found is not None:
            return found
        handle = phones.normalize_handle(raw, self.region)
        key = phones.handle_key(raw, self.region)
        if phones.written_without_code(handle, self.region):
            international = self.international(handle)
            if international is not None:
                found = _Address(international, international, key, "joined", handle)
            elif not self.forms.get(handle) and len(earlier := self.joined_before().get(handle, {})) == 1:
                ((international, where),) = earlier.items()
                found = _Address(international, international, key, "joined", handle, where)
            else:
                found = _Address(handle, key, key, "number_as_written", handle)
        else:
            found = _Address(handle, key, key)
            if self.archived_as_written and handle.startswith("+") and handle not in self.archived_numbers:
                self.written_elsewhere(handle)
        if found.flag != "joined" and len(self.no_code) < 100_000 and phones.no_country_code(raw):
            self.no_code.setdefault(phones.clean(raw), found.handle)
        if len(self.addresses) < 100_000:
            self.addresses[raw] = found
        return found

    def written(self) -> NumbersWritten:
        """The numbers this backup writes without a country code, each as read in the region (a joined one is
        read as the international number the backup writes, whatever the region: not among them)."""
        return NumbersWritten(tuple(self.no_code.items()))

    def joined_before(self) -> dict[str, dict[str, str]]:
        """The numbers earlier imports joined with their international form (`ImportOptions.joined_keys`:
        a conversation keyed by the international number, known too under the key the number has as
        written), by the number as written: {"0669462731": {"+33669462731": "import 1 of sms.xml"}}.
        Worked out once, when a number written without a country code that this backup does not
        join turns up."""
        if self.joins is None:
            self.joins = {}
            for other, (own, where) in self.joined_keys.items():
                was, now = set(other.split("~")), set(own.split("~"))
                for number in now - was:
                    digits = phones.national_digits(number) if number.startswith("+") else None
                    if digits and phones.handle_key(digits, self.region) in was - now:
                        self.joins.setdefault(digits, {})[number] = where
        return self.joins

    def written_elsewhere(self, international: str) -> None:
        """Notes an international number of another country whose national form the people of an
        archived conversation have as written: maybe one person, which nothing proves (`notices`)."""
        digits = phones.national_digits(international)
        held = self.archived_as_written.get(digits) if digits else None
        if held:
            self.maybe_same[international] = _MaybeSame(digits, held)

    def international(self, digits: str) -> str | None:
        """The one international number this backup writes whose national form is `digits`. The
        backup is read for its addresses once, when the first number written without a country
        code that is not the region's turns up (a backup with none is never read twice)."""
        if self.forms is None:
            self.forms = _international_forms(self.path, self.region, self.root)
        found = self.forms.get(digits, ())
        return next(iter(found)) if len(found) == 1 else None

    def spelled_in(self, addresses, ref: str) -> frozenset:
        """Counts a record that names an address kept as written or joined; its flags (a joined
        number has none: the record shows the number the backup itself writes elsewhere, and two
        copies of one message, one written each way, must not differ)."""
        flags = set()
        # (a set: in a fixed order, or the notices' order changes from run to run)
        for address in sorted(addresses, key=repr):
            if address.flag is not None:
                if address.flag == "number_as_written":
                    flags.add(address.flag)
                seen = self.spelled.get(address)
                if seen is None:
                    seen = self.spelled[address] = _Refs()
                seen.add(ref)
        return frozenset(flags)

    def notices(self) -> Iterator[Notice]:
        """What was kept as written and what was joined with what, and why: one notice per number."""
        code = phonenumbers.country_code_for_region(self.region)
        for address, where in self.spelled.items():
            written = address.written
            if address.flag == "joined":
                why = (
                    f"this backup also writes {address.handle}"
                    if address.joined_by is None
                    else f"an earlier import ({address.joined_by}) read a backup that writes both and joined them (this one writes only"
                    f" {written})"
                )
                yield Notice(
                    f"{written} ({where}) is read as {address.handle}: it has no country code and is not a number of region"
                    f" {self.region}, it is how {address.handle} is written within {_country(address.handle)}, and {why}:"
                    " the two are one handle",
                    "assumption",
                )
                continue
            candidates = sorted((self.forms or {}).get(written, ()))
            also = (
                f"; it could be {' or '.join(candidates)}, all written in this backup, so it is joined with none"
                if len(candidates) > 1
                else self.archived_forms(written)
            )
            yield Notice(
                f"{written} ({where}) has no country code and is not a number of region {self.region}: kept as written,"
                f' not given +{code}{also} (flagged "number as written")'
            )
        joined = {a.handle for a in self.spelled if a.flag == "joined"}
        for international, (written, held) in self.maybe_same.items():
            if international in joined:  # (this backup writes both: said above)
                continue
            yield Notice(
                f"{international}, which this backup writes, is {written} as written within {_country(international)}:"
                f" {_conversations(held)} {'has' if len(held) == 1 else 'have'} {written}, with no country code. It may be"
                " the same person, but neither this backup nor an earlier one writes both, so they are not joined (a backup"
                " that writes both joins them)"
            )

    def archived_forms(self, written: str) -> str:
        """What the notice of a number kept as written says of the archived conversations with an
        international number whose national form it is: maybe the same person, not joined."""
        held = sorted(
            {
                (n, c)
                for n, convs in self.archived_numbers.items()
                if n.startswith("+") and n.endswith(written[-4:]) and phones.national_digits(n) == written
                for c in convs
            }
        )
        if not held:
            return ""
        numbers = sorted({n for n, _ in held})
        return (
            f"; {_conversations(tuple(c for _, c in held))} {'has' if len(held) == 1 else 'have'} {' or '.join(numbers)},"
            f" which is written so within {_country(numbers[0])}: it may be the same person, but neither this backup nor an earlier"
            " one writes both, so they are not joined (a backup that writes both joins them)"
        )
