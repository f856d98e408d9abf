"""An <mms>: a picture message, a group message, an RCS chat message; its addresses say who sent it and
who is in its thread, its parts (parts.py) what it says.

Decisions, and why:
  - Identity (DESIGN.md): MMS by `m_id` when it has one, else by date, box, sorted addresses and a
    digest of its parts (`_identity`).
  - Its thread is its `address` list without the owner (else every <addr> that is not the owner's);
    the owner's own address on it is the sender of a sent one, the "to" of a received one that is not
    in the thread (`_people`). A msg_box Android does not write is read from the addresses, and said;
    with no sender either, it is a system line marked direction unknown, as an <sms> of no type.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

from textfile.importers.android.attributes import _int, _name, _present
from textfile.importers.android.conversations import NO_ADDRESS, _joined, _key, _other_keys
from textfile.importers.android.numbers import _Address, _Numbers
from textfile.importers.android.parts import _content
from textfile.importers.android.sms import BOX_FLAGS, BOX_STATUS, KNOWN_BOXES
from textfile.model import Conversation, Message, Notice, Participant, Record, Skipped

if TYPE_CHECKING:
    from textfile.importers.android.owner import _Owner
    from textfile.importers.android.reader import _Reader

# <addr type="…">: PduHeaders FROM / TO / CC / BCC.
ADDR_FROM, ADDR_RECIPIENTS = "137", ("151", "130", "129")


class _Addr(NamedTuple):
    """An <addr> of an MMS: its type (ADDR_FROM, a "to" 151, …) and the handle it names."""

    type: str
    handle: str


class _Typed(NamedTuple):
    """An <addr> of an MMS: its type and its address as read (`_Address`)."""

    type: str
    address: _Address


class _Addresses(NamedTuple):
    """An MMS's addresses: its <addr>s (read, and as handles), its sender's handle, its `address` list."""

    typed: list[_Typed]
    addrs: list[_Addr]
    sender: str | None  # the handle of its "from" <addr>
    threaded: list[_Address]  # its `address` list ("+12025550109~+12025550112"): the thread's people
    listed: set[str]  # their handles


class _Box(NamedTuple):
    """What an MMS's msg_box says, or what its addresses say where it says nothing Android writes (`_box`)."""

    written: int | None  # msg_box as written
    box: int | None  # as read
    direction: str
    status: str
    flags: frozenset
    notice: Notice | None  # what is said of a msg_box read from the addresses


class _People(NamedTuple):
    """The people of an MMS's thread (`_people`)."""

    key: tuple[str, ...]  # the thread's other people: the conversation key
    members: tuple[str, ...]  # everyone else seen in it
    mine: set[str]  # the owner's own addresses on this message


class _MmsThread(NamedTuple):
    """An MMS's conversation, and what else its reading found (`_thread`)."""

    conversation: Conversation
    legacy: str  # the conversation key earlier versions computed: the identity's key
    contact: str | None  # contact_name, where it names someone
    names: dict[str, str]  # each member of a group by the name contact_name gives them
    group: bool
    rcs: bool
    spelled: set[_Address]  # every address it names
    flags: frozenset  # those of numbers kept as written


def _own_numbers(direction: str, addrs: list[_Addr], numbers: frozenset[str]) -> list[str]:
    """The owner's `numbers` an MMS names as this phone's own: its sender (137) on one the phone
    sent, a "to" (151) on one it received. (Not the reverse: the owner's other phone may be the
    one that sent it, or another recipient of a group message.)"""
    own = ADDR_FROM if direction == "out" else "151"
    return [a.handle for a in addrs if a.type == own and a.handle in numbers]


# <mms date="1721334048000" msg_box="2" address="+12025550109~+12025550112" m_id="0718…" date_sent="0"
#      sub="null" m_type="128" contact_name="Bea, Cy">
#   <parts><part seq="-1" ct="application/smil" text="&lt;smil&gt;…" />
#          <part seq="0" ct="image/jpeg" name="null" chset="null" cl="image_11.jpg" text="null" data="/9j/4AAQ…" />
#          <part seq="0" ct="text/plain" chset="106" cl="text_12.txt" text="Look!" /></parts>
#   <addrs><addr address="+12025550107" type="137" charset="106" />
#          <addr address="+12025550109" type="151" charset="106" /> …</addrs>
# </mms>
def mms(reader: _Reader, attrib: dict, children: list[tuple[str, dict]], ref: str) -> Iterator[Record]:
    """`children`: (container tag, attributes) of each element inside <addrs> and <parts>, in order (a plain
    tuple: the parser's target makes one per element, stream._Backup)."""
    dated = reader.dates.dated("mms", attrib, ref)
    if isinstance(dated, Skipped):
        yield dated
        return
    owner = reader.owner
    addresses = _addresses(reader.numbers, attrib, children)
    box = _box(owner.owners, attrib, addresses, ref)
    if box.notice is not None:
        yield box.notice
    people = _people(owner.owners, box.direction, addresses.addrs, addresses.listed)
    if owner.by in ("only", "--me") and box.written in BOX_STATUS:  # (what `phone_number` read before, for the others)
        owner.named_in(box.direction, addresses.addrs, ref)
    thread = _thread(reader, attrib, box.direction, addresses, people, ref)
    sender = _sender(owner, box.direction, addresses, people, thread)
    m_id = _present(attrib.get("m_id"))
    # A digest of the parts identifies an MMS without m_id; with one, its parts need no hashing.
    content = _content([child for container, child in children if container == "parts"], not m_id, ref)
    body = "\n".join(content.texts)
    subject = _present(attrib.get("sub"))
    if subject:
        body = f"Subject: {subject}\n\n{body}" if body else f"Subject: {subject}"
    flags = box.flags | thread.flags
    if not body and not content.attachments:
        flags = flags | {"empty_body"}
    yield from content.notices
    yield Message(
        conversation=thread.conversation,
        identity=("mms", m_id) if m_id else _identity(dated.date, box, thread.spelled, content.digest.hexdigest()),
        sent_at=dated.sent_at,
        direction=box.direction,
        sender=sender,
        body=body,
        source_zone="UTC",
        service="RCS" if thread.rcs else "MMS",
        status=box.status,
        flags=flags,
        attachments=tuple(content.attachments),
        source_ref=ref,
        identity_key=thread.legacy if thread.legacy != thread.conversation.source_key else None,
    )


def _addresses(numbers: _Numbers, attrib: dict, children: list[tuple[str, dict]]) -> _Addresses:
    """Its <addr>s, each read (`_Numbers.address`), and its `address` list, in that order."""
    typed: list[_Typed] = []
    for container, child in children:
        if container == "addrs":
            raw = _present(child.get("address"))
            if raw and raw != "insert-address-token":
                typed.append(_Typed(child.get("type") or "", numbers.address(raw)))
    addrs = [_Addr(t.type, t.address.handle) for t in typed]
    sender = next((a.handle for a in addrs if a.type == ADDR_FROM), None)
    address = _present(attrib.get("address"))
    threaded = [numbers.address(a) for a in address.split("~") if a.strip()] if address else []
    return _Addresses(typed, addrs, sender, threaded, {a.handle for a in threaded})


def _box(owners: frozenset[str], attrib: dict, addresses: _Addresses, ref: str) -> _Box:
    """Its msg_box: sent or received, its status and flags."""
    get = attrib.get
    written = box = _int(get("msg_box"))
    status = BOX_STATUS.get(box)
    flags = BOX_FLAGS.get(box, frozenset())
    notice = None
    if status is None:
        # No msg_box (hand-made backups) or one Android does not write: from me when the sender
        # is mine or not among the thread's addresses; with no sender, no direction (as an <sms>).
        said = (
            "no msg_box"
            if box is None
            else f'msg_box="{get("msg_box")}", which is not one Android writes ({KNOWN_BOXES})'
        )
        written_status = "no msg_box" if box is None else f"msg_box {get('msg_box')}"
        sender, listed = addresses.sender, addresses.listed
        if sender is None:
            box, status, flags = None, written_status, frozenset({"direction_unknown"})
            notice = Notice(
                f"{ref}: {said} and no sender address: whether it was sent or received is unknown; kept with"
                " no sender and no direction (a system line, marked direction unknown)"
            )
        else:
            box = 2 if sender in owners or (listed and sender not in listed) else 1
            status = BOX_STATUS[box] if written is None else written_status
            notice = Notice(
                f"{ref}: {said}; read as {'sent' if box == 2 else 'received'} from its addresses", "assumption"
            )
    direction = "in" if box == 1 else ("out" if box in BOX_STATUS else "system")
    return _Box(written, box, direction, status, flags, notice)


def _people(owners: frozenset[str], direction: str, addrs: list[_Addr], listed: set[str]) -> _People:
    """The thread's other people (the conversation key), everyone else seen in it, and the owner's
    own addresses on this message, from an MMS's addresses and its `address` list."""
    # The owner's own address on this message: the sender of a sent one; on a received one the
    # "to" that is not one of the thread's addresses (or the only "to" beside a "from"). Only
    # where that leaves someone else: hand-made backups put the other person in either field.
    mine = set(owners)
    senders = [a.handle for a in addrs if a.type == ADDR_FROM]
    to = [a.handle for a in addrs if a.type == "151"]
    if direction == "out":
        if len(senders) == 1 and senders[0] not in listed and (listed or len(addrs) > 1):
            mine.add(senders[0])
    elif listed:
        mine.update(h for h in to if h not in listed)
    elif len(to) == 1 and senders:
        mine.update(to)
    # The thread's other people: the `address` attribute, else every address that is not the owner.
    handles = {a.handle for a in addrs}
    key = tuple(sorted(listed - owners)) if listed else tuple(sorted(handles - mine))
    members = tuple(sorted((handles | set(key)) - mine))
    return _People(key, members, mine)


def _thread(
    reader: _Reader, attrib: dict, direction: str, addresses: _Addresses, people: _People, ref: str
) -> _MmsThread:
    """Its conversation: one-to-one, a group (several other people, or an RCS group chat), and its key."""
    spelled = {t.address for t in addresses.typed} | set(addresses.threaded)
    # A number kept as written or joined (_Address): the conversation's key and the identity
    # are those earlier versions computed from the same addresses, read as they read them.
    odd = any(a.flag or a.key != a.handle or a.legacy != a.handle for a in spelled)
    flags = frozenset()
    if odd:
        as_read_before = [_Addr(t.type, t.address.legacy) for t in addresses.typed]
        was = _people(reader.owner.owners, direction, as_read_before, {a.legacy for a in addresses.threaded}).key
        legacy = "~".join(was) if was else NO_ADDRESS
        flags = reader.numbers.spelled_in(spelled, ref)
    key, members = people.key, people.members
    contact = _name(attrib.get("contact_name"))
    rcs_key = len(key) == 1 and key[0].endswith("@rcs.google.com")
    rcs = rcs_key or any(h.endswith("@rcs.google.com") for h in members)
    group = len(key) > 1 or (rcs_key and len(members) > 1)
    own = reader.owner.handle or next(
        iter(sorted(people.mine.intersection(a.handle for a in addresses.addrs) - set(key))), None
    )  # (one it names)
    conversation_key = (_key(spelled, key) or _joined(key)) if odd else None
    other_keys = _other_keys(spelled, conversation_key, legacy) if odd else ()
    names = reader.conversations.names(addresses.threaded, attrib.get("contact_name")) if group else {}
    if group:
        conversation = reader.conversations.conversation(
            key, contact, True, names, members, own, conversation_key, other_keys
        )
    else:
        handle = key[0] if key else NO_ADDRESS
        conversation = reader.conversations.conversation(
            (handle,), contact, False, {handle: contact}, members, own, conversation_key, other_keys
        )
    if not odd:
        legacy = conversation.source_key
    return _MmsThread(conversation, legacy, contact, names, group, rcs, spelled, flags)


def _sender(
    owner: _Owner, direction: str, addresses: _Addresses, people: _People, thread: _MmsThread
) -> Participant | None:
    """Who sent it: on a received one its "from" (else the thread's one other person); on a sent one the owner,
    by the address it names where that is one of the owner's."""
    if direction == "in":
        handle = addresses.sender or (people.key[0] if len(people.key) == 1 else None)
        return Participant(handle, thread.names.get(handle) if thread.group else thread.contact) if handle else None
    if direction == "out":
        return owner.sender(addresses.sender if addresses.sender in people.mine else None)
    return None


def _identity(date: int, box: _Box, spelled: set[_Address], digest: str) -> tuple:
    """The identity of an MMS without m_id: its date, box, sorted addresses and the digest of its parts."""
    addresses = sorted({a.legacy for a in spelled})
    # As earlier versions keyed it: the written msg_box, else the box read from the
    # addresses, else 1 (they read an MMS with no box and no sender as received).
    return (
        "mms",
        date,
        box.written if box.written is not None else (box.box if box.box is not None else 1),
        addresses,
        digest,
    )
