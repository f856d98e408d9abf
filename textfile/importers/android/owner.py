"""This phone's owner: which number the phone had (what it sent is from it), read from --me, the
archive's settings or the backup's own MMS; and the owner as the sender of what the phone sent.

Decisions, and why:
  - A backup names no number of its own: an <sms> has no sender address. What this phone sent is
    from the one of the owner's numbers `--me` gives; else, where the owner has one number, from
    it (as before); else from the one the backup proves, where its MMS name exactly one of the
    owner's numbers as the phone's own (the sender of one it sent, a recipient of one it received)
    and its records come from one SIM (`sub_id`): one SIM's MMS say nothing of another's number;
    else from the owner with no number (`Participant(owner name)`, as for an owner with no number
    at all): the identity holds no sender, so the message is the same one, and its content hash
    says what the transcript shows. The import says which number it took and why (for an owner with
    one number, only where no MMS names it); an MMS keeps the sender it names. A later reading with
    no number does not take away the number --me gave (ingest). `--me` counts only as an address (a
    name is meant for a WhatsApp file in the same command).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from textfile import phones
from textfile.importers.android.attributes import _int
from textfile.importers.android.mms import _Addr, _own_numbers
from textfile.importers.android.notices import _Refs
from textfile.importers.android.sms import BOX_STATUS
from textfile.importers.android.source import SCAN_TAIL, _raw_reads, _text
from textfile.model import ImportOptions, Notice, Participant

# <mms … msg_box="2" …> … <addr address="+12025550101" type="137" charset="106" /> … </mms>
_OWN_TAG = re.compile(rb"""<(mms|addr)\b((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(/?)>""")
_ATTRIBUTE = re.compile(rb"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
# <sms … sub_id="1" … />, <mms … sub_id="1">, <call … sub_id="2" … />: a record's sub_id, the values
# before it skipped whole (a body may say sub_id=); _ANY_SIM finds each, and maybe more (in a body).
_SIM = re.compile(
    rb"""<(?:sms|mms|call)\b(?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*?\s+sub_id\s*=\s*(?:"([^"]*)"|'([^']*)')"""
)
_ANY_SIM = re.compile(rb"""sub_id\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def _values(attributes: bytes) -> dict[bytes, bytes]:
    """The attributes of a tag _OWN_TAG matched, by name (each value read whole: a value cannot pass for an attribute)."""
    return {name: double or single for name, double, single in _ATTRIBUTE.findall(attributes)}


class _MmsScan:
    """What `_own_numbers_in` has read so far: the owner's numbers named, the SIMs, the MMS being read."""

    def __init__(self, region: str, numbers: frozenset[str]) -> None:
        self.region, self.numbers = region, numbers
        self.named: dict[str, _Refs] = {}
        self.sims: set[bytes] = set()  # every sub_id as written
        self.handles: dict[bytes, str] = {}  # an address as written -> normalized
        self.n_mms = 0
        self.direction, self.addrs, self.in_mms = None, [], False  # of the MMS being read

    def close_mms(self) -> None:
        for number in _own_numbers(self.direction, self.addrs, self.numbers) if self.direction else ():
            self.named.setdefault(number, _Refs()).add(f"mms {self.n_mms}")
        self.direction, self.in_mms = None, False

    def sub_ids(self, data: bytes, start: int, stop: int) -> None:
        # A backup writes one or two sub_id values a million times: where _ANY_SIM finds none but
        # those already read, _SIM (several times slower) has nothing to add.
        if not self.sims.issuperset(double or single for double, single in _ANY_SIM.findall(data, start, stop)):
            self.sims.update(double or single for double, single in _SIM.findall(data, start, stop))

    def read(self, data: bytes, end: int) -> None:
        """data[:end]: the records up to each MMS, then the MMS to its end (or to `end`, the rest with the next read)."""
        at = 0
        while True:
            if not self.in_mms:
                at = self.mms_start(data, at, end)
                if at < 0:
                    return
            at = self.mms_inside(data, at, end)
            if at < 0:
                return

    def mms_start(self, data: bytes, at: int, end: int) -> int:
        """The records up to the next MMS, then its start tag: where its inside begins, or -1 (none in this read)."""
        while True:
            lt = data.find(b"<mms", at, end)
            self.sub_ids(data, at, end if lt < 0 else lt)
            if lt < 0:
                return -1
            tag = _OWN_TAG.match(data, lt, end)
            if tag is None or tag.group(1) != b"mms":
                at = lt + 4
                continue
            self.sub_ids(data, lt, tag.end())
            self.n_mms += 1
            box = _int(_text(_values(tag.group(2)).get(b"msg_box", b"")))
            self.direction = "in" if box == 1 else ("out" if box in BOX_STATUS else None)
            self.addrs, self.in_mms = [], True
            at = tag.end()
            if not tag.group(3):
                return at
            self.close_mms()  # <mms … />: nothing inside

    def mms_inside(self, data: bytes, at: int, end: int) -> int:
        """Inside an MMS, from "<" to "<" (memchr: past the media in one step) to its end, its <addr>s read:
        where it ends, or -1 (it goes on in the next read)."""
        lt = data.find(b"<", at, end)
        while lt >= 0 and not data.startswith(b"</mms", lt):
            tag = _OWN_TAG.match(data, lt, end) if data.startswith(b"<addr", lt) else None
            if tag is not None and tag.group(1) == b"addr":
                self.addr(_values(tag.group(2)))
            lt = data.find(b"<", lt + 1, end)
        if lt < 0:
            return -1
        self.close_mms()
        return lt + 5

    def addr(self, values: dict[bytes, bytes]) -> None:
        """An <addr> of the MMS being read, its address normalized once."""
        address, kind = values.get(b"address"), values.get(b"type")
        if address and kind:
            if address not in self.handles:
                self.handles[address] = phones.normalize_handle(_text(address), self.region)
            self.addrs.append(_Addr(_text(kind), self.handles[address]))


class _OwnNumbers(NamedTuple):
    """What a backup's MMS say of the owner's numbers (`_own_numbers_in`)."""

    named: dict[str, _Refs]  # each number an MMS names as the phone's own, with those MMS
    sims: set[str]  # the SIMs (sub_id 0 and above) its records were sent or received with


def _own_numbers_in(path: Path, region: str, numbers: frozenset[str]) -> _OwnNumbers:
    """Which of the owner's `numbers` the backup's MMS name as the phone's own (`_own_numbers`),
    each with the MMS that name it, and the SIMs (`sub_id` 0 and above) its records were sent or
    received with. One pass over the raw bytes without the XML parser, as `_international_forms`:
    read before the records, whose sender it decides. Cheap beside the parse: a regular expression
    per read finds the sub_id values, and bytes.find jumps from an MMS to its <addr> and its end,
    past the media, then to the next MMS; an address is normalized once. A start
    tag holds no "<", so every tag that begins before the last "<" of a read ends within it; the rest
    is read with the next."""
    scan = _MmsScan(region, numbers)
    tail = b""
    for chunk in _raw_reads(path):
        data = tail + chunk if tail else chunk
        cut = data.rfind(b"<", max(0, len(data) - SCAN_TAIL))
        cut = len(data) if cut < 0 else cut
        scan.read(data, cut)
        tail = data[cut:]
    scan.read(tail, len(tail))
    if scan.in_mms:
        scan.close_mms()
    return _OwnNumbers(scan.named, {sim for sim in (_text(raw).strip() for raw in scan.sims) if sim.isdigit()})


class _PhoneNumber(NamedTuple):
    """This phone's number (None: the owner with no number), and what says so (`_Owner.phone_number`)."""

    handle: str | None
    by: str


def _not_the_owners(me: str, me_as_given: str | None, numbers: list[str]) -> Notice:
    """--me names an address that is not one of the archive owner's: it counts as the owner's, but not as the phone's
    number."""
    but = (
        f"but what this phone sent is attributed to the archive's number {numbers[0]}"
        if len(numbers) == 1
        else "but not as this phone's number"
    )
    return Notice(
        f"--me {me_as_given!r} ({me}) is not one of the archive's own numbers or emails: it counts as yours, {but}"
        f" (textfile settings --add-phone {me} makes it one of yours; import the backup again then)",
        "assumption",
    )


def _unproven(own: _OwnNumbers) -> str:
    """Why the backup's MMS do not tell which of the owner's numbers the phone had."""
    if len(own.sims) > 1 and own.named:
        return (
            f"its records were sent and received with {len(own.sims)} SIMs (sub_id {', '.join(sorted(own.sims, key=int))}), and an MMS"
            " names the number of its own SIM only"
        )
    if own.named:
        return (
            "its MMS name more than one as the phone's own ("
            + "; ".join(f"{n}: {refs}" for n, refs in sorted(own.named.items()))
            + ")"
        )
    return "no MMS of this backup names the phone's own number, and --me did not"


class _Owner:
    """The owner of the phone the backup comes from: their addresses on it, their name, the number it had."""

    def __init__(self, path: Path, options: ImportOptions, root: str) -> None:
        self.path, self.root, self.region = path, root, options.region
        self.notices: list[Notice] = []  # what `phone_number` found to say, before the records
        archived = frozenset(options.owner_handles)
        # --me counts here only as an address (the number of the phone the backup came from): the
        # same command may carry the owner's name for a WhatsApp file beside this backup.
        me = phones.address(options.me, self.region) if options.me else None
        self.custodian = options.custodian  # a client's name: the phone is theirs (custodian.py)
        self.owned: dict[str, _Refs] = {}  # those the MMS read so far name as this phone's (`_own_numbers`)
        if self.custodian:
            # "This phone" is the client's, its number the one of theirs ingest checked (--me): what it
            # sent is theirs, and the archive owner is one of the people it writes to.
            self.owners = frozenset(options.custodian_handles) | {me}
            self.name, self.numbers = self.custodian, frozenset()
            self.handle, self.by = me, "custodian"
        else:
            self.owners = (archived | {me}) if me else archived
            self.name = options.owner_name
            self.numbers = frozenset(h for h in archived if h.startswith("+"))  # the owner's phone numbers (settings)
            self.handle, self.by = self.phone_number(archived, me, options.me)
        self.me_given = me is not None  # (an address --me gave, though none of the owner's: `notices_after`)
        self.as_sender: dict[str | None, Participant] = {}
        self.assumed = False  # whether what the phone sent was given the owner with no number (`sender`)

    def phone_number(self, archived: frozenset[str], me: str | None, me_as_given: str | None) -> _PhoneNumber:
        """This phone's number, the sender of what it sent, and what says so: "--me" (one of the
        owner's numbers), "only" (the owner has one number), "backup" (of the owner's numbers, its
        MMS name exactly one as the phone's own), "none" (the owner has several and nothing says
        which: what it sent is the owner's, with no number), "archive" (the owner has no number:
        --me, else the archive's first address, as earlier versions did). A backup says nothing
        else of its own number: an <sms> has no sender address. Said, except where --me or the
        backup prove it (`notices_after` says the rest once the backup is read)."""
        numbers = sorted(self.numbers)
        if not numbers:
            return _PhoneNumber(me or (sorted(archived)[0] if archived else None), "archive")
        if me is not None and me not in archived:
            self.notices.append(_not_the_owners(me, me_as_given, numbers))
        if me in self.numbers:
            if len(numbers) > 1:
                self.notices.append(
                    Notice(
                        f"this phone's number is {me}, as --me says (the owner's numbers are {', '.join(numbers)}):"
                        " what it sent is attributed to it",
                        "assumption",
                    )
                )
            return _PhoneNumber(me, "--me")
        if len(numbers) == 1:
            return _PhoneNumber(numbers[0], "only")
        return self.named_by_backup(numbers)

    def named_by_backup(self, numbers: list[str]) -> _PhoneNumber:
        """Of the owner's several `numbers`, the one the backup's MMS name as the phone's own, where they name exactly
        one and its records come from one SIM; else none (what it sent is the owner's, with no number), and why."""
        # (A call log names no number as the phone's own: it has no MMS.)
        own = _own_numbers_in(self.path, self.region, self.numbers) if self.root != "calls" else _OwnNumbers({}, set())
        if len(own.named) == 1 and len(own.sims) <= 1:
            ((number, refs),) = own.named.items()
            others = ", ".join(n for n in numbers if n != number)
            self.notices.append(
                Notice(
                    f"this phone's number is {number}: its MMS name it as the phone's own ({refs}), and none names"
                    f" the owner's other number{'s' if len(numbers) > 2 else ''} ({others}); what it sent is"
                    f" attributed to {number}",
                    "assumption",
                )
            )
            return _PhoneNumber(number, "backup")
        self.notices.append(
            Notice(
                f"which of the owner's numbers ({', '.join(numbers)}) this phone had is not known: {_unproven(own)}; what it"
                f" sent is attributed to {self.name}, with no number (--me with the phone's number names it)",
                "assumption",
            )
        )
        return _PhoneNumber(None, "none")

    def notices_after(self, read_any: bool) -> Iterator[Notice]:
        """What the backup, once read, says of the number `phone_number` took."""
        if self.by == "only" and read_any and self.handle not in self.owned:
            yield Notice(
                f"this phone's number is taken to be {self.handle}, the owner's only number in the archive, and what it sent"
                " is attributed to it: no MMS of this backup names the phone's own number, and --me "
                + ("names none of the owner's" if self.me_given else "did not"),
                "assumption",
            )
        elif self.by == "--me" and len(self.numbers) > 1:
            others = {n: refs for n, refs in self.owned.items() if n != self.handle}
            if others:
                yield Notice(
                    f"--me says this phone's number is {self.handle}, but its MMS name "
                    + "; ".join(f"{n} ({refs})" for n, refs in sorted(others.items()))
                    + f" as the phone's own: what it sent is attributed to {self.handle}, as --me says, except an MMS"
                    " that names its sender"
                )
        elif self.by == "archive" and self.assumed:
            yield Notice(
                f"the owner's number is unknown (no phone in the archive settings, no --me): messages sent from this phone are"
                f" attributed to {self.name!r}",
                "assumption",
            )

    def sender(self, handle: str | None = None) -> Participant:
        """The owner as the sender of what this phone sent: by `handle` (one an MMS names as the owner's), else
        by the phone's number, else by name."""
        found = self.as_sender.get(handle)
        if found is None:
            own = handle or self.handle
            if own is None:
                own = self.name
            found = self.as_sender[handle] = Participant(own, self.name, self.custodian is None)
        if handle is None and self.handle is None:
            self.assumed = True
        return found

    def named_in(self, direction: str, addrs: list[_Addr], ref: str) -> None:
        """Counts an MMS that names one of the owner's numbers as the phone's own (`notices_after`)."""
        for number in _own_numbers(direction, addrs, self.numbers):
            self.owned.setdefault(number, _Refs()).add(ref)

    def said(self) -> list[Notice]:
        """The notices gathered so far, handed over once."""
        notices, self.notices = self.notices, []
        return notices
