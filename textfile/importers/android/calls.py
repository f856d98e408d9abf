"""A <call> of a call log backup: a message of kind "call", with its duration and no text.

Decisions, and why:
  - Identity (DESIGN.md): calls by number, date, type and duration.
  - A call without a number shown (a negative number, or none) is in a conversation of its own named
    by what the phone showed ("(private number)", "(unknown number)", "(payphone)").
  - A call of no type Android writes is kept as a system line marked direction unknown, as an <sms>.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textfile.importers.android.attributes import _int, _present
from textfile.importers.android.conversations import _Thread
from textfile.model import Message, Notice, Participant, Record, Skipped

if TYPE_CHECKING:
    from textfile.importers.android.reader import _Reader

# <call type="…">: CallLog.Calls.*_TYPE.
CALL_STATUS = {
    1: "incoming",
    2: "outgoing",
    3: "missed",
    4: "voicemail",
    5: "rejected",
    6: "refused",
    7: "answered on another device",
}
# <call presentation="…"> for calls without a number: 2 restricted, 3 unknown, 4 payphone.
CALL_PRESENTATION = {"2": "(private number)", "3": "(unknown number)", "4": "(payphone)"}


# <call number="+12025550123" duration="125" date="1609632000000" type="1" presentation="1"
#       subscription_id="1" readable_date="Jan 3, 2021 12:00:00 AM" contact_name="Ann" />
def call(reader: _Reader, attrib: dict, ref: str) -> Record:
    get = attrib.get
    dated = reader.dates.dated("call", attrib, ref)
    if isinstance(dated, Skipped):
        return dated
    kind = _int(get("type"))
    thread = _thread(reader, attrib)
    status = CALL_STATUS.get(kind)
    flags = reader.numbers.spelled_in(thread.spelled, ref) if thread.spelled else frozenset()
    if status is None:  # as an <sms> of no known type: who called whom is unknown
        direction, sender, flags = "system", None, flags | {"direction_unknown"}
        status = "no type" if kind is None and _present(get("type")) is None else f"type {get('type')}"
        said = status if status == "no type" else f'type="{get("type")}", which is not one Android writes'
        reader.notices.append(
            Notice(
                f"{ref}: {said}: whether the call was made or received is unknown; kept with no"
                " caller and no direction (a system line, marked direction unknown)"
            )
        )
    elif kind == 2:
        direction, sender = "out", reader.owner.sender()
    else:
        direction, sender = "in", thread.counterpart
    duration = _int(get("duration"))
    return Message(
        conversation=thread.conversation,
        identity=("call", thread.legacy, dated.date, kind, duration),
        sent_at=dated.sent_at,
        direction=direction,
        sender=sender,
        body="",
        source_zone="UTC",
        service="Phone",
        kind="call",
        status=status,
        flags=flags,
        duration_s=duration,
        source_ref=ref,
        identity_key=thread.identity_key,
    )


def _thread(reader: _Reader, attrib: dict) -> _Thread:
    """The conversation of a call: with its number, or with what the phone showed for none."""
    number = _present(attrib.get("number"))
    if number is not None and number.strip().lstrip("-").isdigit() and int(number) < 0:
        number = None  # -1 / -2 / -3: no number shown
    if number is None:
        number = CALL_PRESENTATION.get(attrib.get("presentation") or "", "(unknown number)")
        return _Thread(reader.conversations.conversation((number,), None, False, {}), Participant(number), number, ())
    return reader.conversations.one_to_one(number, attrib.get("contact_name"))
