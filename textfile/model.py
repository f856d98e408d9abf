"""The plain records that flow from an importer to the ingest pipeline.

Importers are generators of these records and never touch the archive; `textfile/ingest/` normalizes
handles and instants, computes identities and writes them. All datetimes are timezone-aware.

A record stream may contain, in any order:
  - `Message`   a message, a call event or a system line, with its `Conversation`;
  - `Reaction`  a tapback or emoji reaction aimed at another message of the same source;
  - `Skipped`   a piece of the source that was deliberately not imported, with the reason;
  - `Notice`    a warning or an assumption the importer made, shown to the user and recorded;
  - `ChatFile`  a file the export holds that no message names, kept with its conversation;
  - `ChatFilesNamed`  after them, their names: ingest says which it kept (not those it skipped);
  - `Zone`      the zone the importer read the source's wall clocks in, when not `ImportOptions.tz`;
  - `NumbersWritten`  after the messages, the numbers the source writes without a country code, as read (Android).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

DIRECTIONS = ("in", "out", "system")
KINDS = ("message", "call")

# Characters that are not seen but change how the text around them is displayed, or hide in it:
# Unicode's direction embeddings, overrides and isolates (which can show "invoice\u202efdp.exe" as
# "invoiceexe.pdf"), the direction marks, the zero-width space and the byte order mark. A message's
# text keeps them as sent; a transcript shows each as a mark where it stands and never applies it.
# character -> (short name, name)
INVISIBLE = {
    "\u202a": ("LRE", "left-to-right embedding"),
    "\u202b": ("RLE", "right-to-left embedding"),
    "\u202c": ("PDF", "pop directional formatting"),
    "\u202d": ("LRO", "left-to-right override"),
    "\u202e": ("RLO", "right-to-left override"),
    "\u2066": ("LRI", "left-to-right isolate"),
    "\u2067": ("RLI", "right-to-left isolate"),
    "\u2068": ("FSI", "first strong isolate"),
    "\u2069": ("PDI", "pop directional isolate"),
    "\u200e": ("LRM", "left-to-right mark"),
    "\u200f": ("RLM", "right-to-left mark"),
    "\u061c": ("ALM", "Arabic letter mark"),
    "\u200b": ("ZWSP", "zero-width space"),
    "\ufeff": ("BOM", "zero-width no-break space, or byte order mark"),
}
# of those, the ones that can reorder whole words
REORDERING = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# and the others, which only mark (direction marks, the zero-width space, the byte order mark): one phone's export
# may write them where another's does not, around the same text (an iPhone's U+200E before "Location:")
MARKS_ONLY = "".join(ch for ch in INVISIBLE if ch not in REORDERING)


@dataclass(frozen=True)
class Participant:
    handle: str  # E.164 phone, lower-cased email, or a WhatsApp name as written
    display_name: str | None = None
    is_owner: bool = False


@dataclass(frozen=True)
class Conversation:
    platform: str  # "imessage" | "android" | "whatsapp"
    source_key: str  # stable across exports: chat guid, sorted participants, chat name + owner
    title: str | None = None
    is_group: bool = False
    participants: tuple[Participant, ...] = ()
    # Keys the same thread has where it was read another way (Android: a number the backup joined
    # with its international form, as written or as earlier versions read it). An archived
    # conversation under one of them is this one: re-keyed, or merged when there are two (ingest).
    other_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class Attachment:
    file_name: str | None
    mime: str | None = None
    data: bytes | None = None  # None when the export does not carry the file
    missing_reason: str | None = None  # why `data` is None ("omitted by export", "file not found", ...)


@dataclass(frozen=True)
class Version:
    """A prior version of an edited message (oldest first in `Message.versions`)."""

    body: str
    at: datetime | None = None


@dataclass(frozen=True, init=False)
class Message:
    conversation: Conversation
    # What makes this message itself within its conversation, as JSON-able values
    # (already normalized: use phones.normalize_handle on addresses). DESIGN.md, "Identity".
    identity: tuple
    sent_at: datetime
    direction: str  # "in" | "out" | "system"
    sender: Participant | None = None  # None for system lines without an author
    body: str = ""
    source_zone: str | None = None  # IANA zone or "+HH:MM" the source's clock was in; "UTC" if UTC
    service: str | None = None  # iMessage / SMS / MMS / RCS / WhatsApp
    kind: str = "message"  # "message" | "call"
    status: str | None = None  # draft/failed/queued/outbox/...; for calls missed/voicemail/rejected
    delivered_at: datetime | None = None
    read_at: datetime | None = None
    duration_s: int | None = None  # calls
    flags: frozenset[str] = field(default_factory=frozenset)  # edited, deleted, unsent, empty_body, ...
    source_id: str | None = None  # the source's own id (iMessage guid) for replies and reactions
    reply_to: str | None = None  # source_id of the message this one replies to
    versions: tuple[Version, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    source_ref: str = ""  # where in the source: "ROWID 12", "element 40", "line 7"
    # The conversation key the id is computed under when it is not the conversation's own (Android:
    # a message whose number the backup joined with its international form keeps the id earlier
    # readings gave it). A key, never shown. None: the conversation's source_key.
    identity_key: str | None = None
    # "minute" | "second" when the source writes its time no finer; None: to the millisecond or finer
    time_precision: str | None = None

    # The generated __init__ of a frozen dataclass sets each field with object.__setattr__: for 19
    # fields ~5 µs, a third of an importer's work per SMS. This one takes the same arguments and
    # defaults (tests/test_model.py holds it to the fields) and fills the instance in one step.
    def __init__(
        self,
        conversation,
        identity,
        sent_at,
        direction,
        sender=None,
        body="",
        source_zone=None,
        service=None,
        kind="message",
        status=None,
        delivered_at=None,
        read_at=None,
        duration_s=None,
        flags=frozenset(),
        source_id=None,
        reply_to=None,
        versions=(),
        attachments=(),
        source_ref="",
        identity_key=None,
        time_precision=None,
    ):
        object.__setattr__(
            self,
            "__dict__",
            {
                "conversation": conversation,
                "identity": identity,
                "sent_at": sent_at,
                "direction": direction,
                "sender": sender,
                "body": body,
                "source_zone": source_zone,
                "service": service,
                "kind": kind,
                "status": status,
                "delivered_at": delivered_at,
                "read_at": read_at,
                "duration_s": duration_s,
                "flags": flags,
                "source_id": source_id,
                "reply_to": reply_to,
                "versions": versions,
                "attachments": attachments,
                "source_ref": source_ref,
                "identity_key": identity_key,
                "time_precision": time_precision,
            },
        )


@dataclass(frozen=True)
class Reaction:
    conversation: Conversation
    target_source_id: str  # source_id of the message reacted to
    sender: Participant | None
    kind: str  # loved, liked, disliked, laughed, emphasized, questioned, emoji, sticker
    at: datetime
    emoji: str | None = None
    removed: bool = False
    source_id: str | None = None
    source_ref: str = ""


@dataclass(frozen=True)
class Skipped:
    reason: str
    source_ref: str = ""


@dataclass(frozen=True)
class Notice:
    text: str
    kind: str = "warning"  # "warning" | "assumption"


@dataclass(frozen=True)
class ChatFile:
    """A file of an export that no message names (media in a WhatsApp zip the chat text never
    mentions): kept as a file of the conversation, with no time and no sender, which nothing gives."""

    conversation: Conversation
    file_name: str  # as the export writes it (a zip member's name)
    mime: str | None
    data: bytes
    source_ref: str = ""


@dataclass(frozen=True)
class ChatFilesNamed:
    """After an export's `ChatFile`s: the export's name and theirs. Ingest warns of those it kept (a file
    of a conversation disposed of is skipped, and said as a skip only)."""

    export: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class Zone:
    """The zone the source's wall clocks were read in where the importer chose it rather than
    `ImportOptions.tz`: a chat the archive holds, read in the zone it was last read in
    (`ImportOptions.chat_zones`). Before the messages; the import records it as its zone."""

    name: str


@dataclass(frozen=True)
class NumbersWritten:
    """The numbers a source writes without a country code ("2025550143"), each with the handle the import's
    region read it as (+12025550143 in US, +442025550143 in GB), in the order the source first writes them;
    after its messages (Android). An import whose region reads one as another number than another region gave
    the archive is refused (ingest/writer/regions.py)."""

    readings: tuple[tuple[str, str], ...]  # (the number as written, the handle read)


# The end of the key of a conversation found on a client's own phone that the owner is not in (the client and their
# spouse): every importer keys such a thread so, so that no chat of the owner's phone has its key; it has no owner,
# its messages are neither incoming nor outgoing for the owner, and transcripts say "between others".
WITHOUT_THE_OWNER = " without the owner"


def between_others(key: str) -> str:
    """SQL: whether the conversation whose `source_key` is the column `key` is a thread without the owner."""
    return f"{key} LIKE '%{WITHOUT_THE_OWNER}'"


def the_owners_phone(custodian: str) -> str:
    """SQL: whether the import whose `imports.custodian` is the column `custodian` read the owner's own phone (no
    custodian, or the owner named), not a client's."""
    return f"({custodian} IS NULL OR lower({custodian}) = lower((SELECT owner_name FROM settings)))"


# `message_aliases.rule` of an identity one phone's export wrote a message under at another clock than an earlier
# export of it (another zone or precision: ingest's `clock_twins`, m036); the transcript names each such pair.
CLOCK_RULE = "clock"

DATE_ORDERS = {"dmy": "day/month/year", "mdy": "month/day/year", "ymd": "year/month/day"}
OTHER_ORDER = {"dmy": "mdy", "mdy": "dmy"}  # the order an ambiguous date has read the other way round


@dataclass(frozen=True)
class DateOrder:
    """The day/month order the importer read the source's dates in ("dmy", "mdy", "ymd"), however it
    was decided, for a chat the archive holds (WhatsApp; `ImportOptions.chat_owners`). Before the
    messages: ingest names it where this reading would move archived messages, and records it as the
    order a correction of the reading read them in."""

    order: str
    proven: bool = False  # the source's own dates prove it (some impossible in the other order): no other reads them


Record = Message | Reaction | Skipped | Notice | ChatFile | ChatFilesNamed | Zone | DateOrder | NumbersWritten


@dataclass(frozen=True)
class ImportOptions:
    """What an importer may know about the archive it is importing into."""

    tz: str  # IANA zone for sources whose clocks carry no zone
    region: str  # default phone region (ISO 3166 alpha-2)
    owner_name: str
    owner_handles: frozenset[str] = frozenset()  # normalized
    me: str | None = None  # --me: the owner's name or number as the source writes it
    # A client's own phone (`import --custodian CLIENT`): the client's name and handles; `me` is then the
    # client's number that phone had (ingest checks it is theirs). None: the archive owner's phone.
    custodian: str | None = None
    custodian_handles: frozenset[str] = frozenset()  # normalized
    # --custodian naming a client where the format is read as written, not in the owner's frame (WhatsApp): the
    # export is from that client's phone (`custodian` stays None: none of the owner's frame applies).
    another_phone: bool = False
    # --client-as (WhatsApp, with --custodian): the sender who is that client, as their own phone writes them
    client_as: str | None = None
    date_order: str | None = None  # --date-order (WhatsApp): "dmy" | "mdy" | "ymd"
    conversation: str | None = None  # --conversation (WhatsApp)
    attachments_root: Path | None = None  # --attachments-root (iMessage)
    # With no --tz: the zone each conversation of the importer's format was last read in, by its
    # `source_key`, where that is not `tz`; an export of such a chat is read in its zone (WhatsApp).
    chat_zones: dict[str, str] = field(default_factory=dict)
    # With no --date-order: the order a person gave for each conversation of the importer's format
    # (--date-order, or a correction of the reading), by `source_key`: (order, where it was said).
    chat_date_orders: dict[str, tuple[str, str]] = field(default_factory=dict)
    # Given --date-order or not: every order a person gave for each conversation of the importer's format, by
    # `source_key`: order -> where it was last said, the latest last. A reading that would make messages of other
    # lines than one of them did is refused (WhatsApp: a message's text is part of its identity).
    chat_date_orders_given: dict[str, dict[str, str]] = field(default_factory=dict)
    # Every archived conversation of a format whose key holds the owner as the chat writes them
    # (WhatsApp), by `source_key`: (the owner's name as archived, conversation id).
    chat_owners: dict[str, tuple[str, int]] = field(default_factory=dict)
    # Of those, each with one person besides the owner: that person's participant, (handle, display name). A client's
    # phone writes the client under a name of its own ("Sammy C"), read as this one (WhatsApp: `_client_on_their_phone`).
    chat_others: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    # Of those with more than one (a group), for a client's export: each person besides the owner, (handle, display
    # name): the client among them is read as such, under whatever name their own phone gives them (WhatsApp: `_client_as`).
    chat_people: dict[str, list[tuple[str, str | None]]] = field(default_factory=dict)
    # The other keys archived conversations of the importer's format are known under (`conversation_keys`:
    # the thread read another way), each with the conversation's own key and the import that recorded it
    # ("import 3 of sms-20240308.xml"): a number an earlier backup joined with its international form is
    # read as that form where a backup writes only the number (Android).
    joined_keys: dict[str, tuple[str, str]] = field(default_factory=dict)
    # The numbers (digits, with or without "+") the people of archived conversations of the importer's
    # format have, each with those conversations' numbers: a backup that writes one of them another way
    # says so, and joins nothing by it (Android).
    archived_numbers: dict[str, tuple[int, ...]] = field(default_factory=dict)
