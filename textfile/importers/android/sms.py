"""An <sms>: one text message, sent or received by this phone.

Decisions, and why:
  - Identity (DESIGN.md): SMS by address, date as written, direction and body.
  - An <sms> with no type, or a type Android does not write, is kept, but neither "in" nor "out"
    (either says who wrote it, which the backup does not): a system line with no sender, flagged
    direction_unknown, and a warning.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from textfile.importers.android.attributes import _int, _name, _present
from textfile.importers.android.conversations import NO_ADDRESS, _joined, _key, _other_keys, _Thread
from textfile.importers.android.dates import _undated
from textfile.importers.android.repair import _read_before
from textfile.model import Message, Notice, Participant, Record, Skipped

if TYPE_CHECKING:
    from textfile.importers.android.reader import _Reader

# <sms type="…">: Telephony.TextBasedSmsColumns.MESSAGE_TYPE_*; MMS msg_box uses the same numbers.
BOX_STATUS = {1: "received", 2: "sent", 3: "draft", 4: "outbox", 5: "failed", 6: "queued"}
BOX_FLAGS = {3: frozenset({"draft"}), 5: frozenset({"failed"})}
KNOWN_BOXES = ", ".join(f"{n} {status}" for n, status in BOX_STATUS.items())


class _Box(NamedTuple):
    """What an <sms type="…"> says: its box, who wrote it, its status and flags (`_sms_type`)."""

    box: int | None
    direction: str  # "in", "out", or "system" (a type Android does not write: who wrote it is unknown)
    status: str
    flags: frozenset


# <sms protocol="0" address="+12025550123" date="1512226167463" type="1" subject="null" body="Hi"
#      toa="null" sc_toa="null" service_center="+12063130004" read="1" status="-1" locked="0"
#      date_sent="1512226166000" sub_id="-1" readable_date="Dec 2, 2017 06:49:27" contact_name="Ann" />
def sms(reader: _Reader, attrib: dict, ref: str) -> Record:
    get = attrib.get
    try:
        date = int(get("date"))
    except (TypeError, ValueError):
        return Skipped(f"sms without a valid date ({get('date')!r})", ref)
    sent_at = reader.dates.sent_at(date, attrib, ref)
    if sent_at is None:
        return _undated("sms", date, ref)
    raw_type = get("type")
    box_type = reader.sms_types.get(raw_type)
    if box_type is None:
        box_type = _sms_type(reader, raw_type)
    box, direction, status, flags = box_type
    raw_address, contact_name = get("address"), get("contact_name")
    thread = reader.sms_threads.get((raw_address, contact_name))
    if thread is None:
        thread = _sms_thread(reader, raw_address, contact_name)
    if thread.spelled:
        flags = flags | reader.numbers.spelled_in(thread.spelled, ref)
    if box == 2 and _int(get("status")) == 64:  # delivery report: failed
        status, flags = "delivery failed", flags | {"failed"}
    body = get("body")
    if body is None or body == "null":
        body = ""
    subject = get("subject")
    if subject and subject != "null":
        text = f"Subject: {subject}\n\n{body}"
    else:
        text = body
        if not text:
            flags = flags | {"empty_body"}
    if direction == "in":
        sender = thread.counterpart
    elif direction == "out":
        sender = reader.owner.sender()
    else:
        sender = None
        reader.notices.append(_direction_unknown(raw_type, status, ref))
    # Identity as earlier versions keyed it (they read an unknown type as "in"): an archive
    # made by them must not get a second copy of the message when it is imported again.
    read_as = direction if direction != "system" else "in"
    return Message(
        conversation=thread.conversation,
        identity=("sms", thread.legacy, date, read_as, _read_before(attrib, "body", body)),
        sent_at=sent_at,
        direction=direction,
        sender=sender,
        body=text,
        source_zone="UTC",
        service="SMS",
        status=status,
        flags=flags,
        source_ref=ref,
        identity_key=thread.identity_key,
    )


def _direction_unknown(raw_type: str | None, status: str, ref: str) -> Notice:
    """What is said of an <sms> whose type says neither sent nor received."""
    said = f'type="{raw_type}", which is not one Android writes ({KNOWN_BOXES})' if status != "no type" else status
    return Notice(
        f"{ref}: {said}: whether it was sent or received is unknown; kept with no sender"
        " and no direction (a system line, marked direction unknown)"
    )


def _sms_type(reader: _Reader, raw_type: str | None) -> _Box:
    """What an <sms type="…"> says, cached per spelling.

    No type, or one Android does not write: neither "in" nor "out" (either would say who wrote
    it); the archive has no "unknown" direction, so it is a system line marked direction_unknown."""
    box = _int(raw_type)
    if box in BOX_STATUS:
        found = _Box(box, "in" if box == 1 else "out", BOX_STATUS[box], BOX_FLAGS.get(box, frozenset()))
    else:
        status = "no type" if box is None and _present(raw_type) is None else f"type {raw_type}"
        found = _Box(box, "system", status, frozenset({"direction_unknown"}))
    if len(reader.sms_types) < 1000 and len(raw_type or "") <= 16:
        reader.sms_types[raw_type] = found
    return found


def _sms_thread(reader: _Reader, raw_address: str | None, contact_name: str | None) -> _Thread:
    """The conversation of an <sms> and the other person in it, cached per (address, contact_name) as written."""
    address = _present(raw_address)
    if address and "~" in address:
        listed = [reader.numbers.address(a) for a in address.split("~") if a.strip()]
        spelled = set(listed)
        others = tuple(sorted({a.handle for a in spelled} - reader.owner.owners))
        key = _key(spelled, others) or _joined(others)
        legacy = "~".join(sorted({a.legacy for a in spelled} - reader.owner.owners)) or NO_ADDRESS
        conversation = reader.conversations.conversation(
            others,
            _name(contact_name),
            len(others) > 1,
            reader.conversations.names(listed, contact_name),
            key=key,
            other_keys=_other_keys(spelled, key, legacy),
        )
        found = _Thread(
            conversation,
            Participant(others[0]) if len(others) == 1 else None,
            legacy,
            tuple(a for a in spelled if a.flag),
        )
    else:
        found = reader.conversations.one_to_one(raw_address, contact_name)
    if len(reader.sms_threads) > 100_000:
        reader.sms_threads.clear()
    reader.sms_threads[(raw_address, contact_name)] = found
    return found
