"""A client's own phone, read in the archive owner's frame: who sent what, and which conversation
of the archive each of its threads is.

Decisions, and why:
  - A client's own phone (`ImportOptions.custodian`: ingest checked the client and their number, `me`):
    "this phone" is the client's, and the archive stays in its owner's frame (`_Frame.framed`). What
    the phone sent is "in", from the client; what it received from one of the owner's numbers is "out",
    from the owner; the rest is "in" from its sender. Its threads are keyed by their people without the
    archive's owner, the client among them, which is the key the owner's phone gives the same thread;
    a thread the owner is not in (the client and their spouse) is keyed as such ("… without the owner"),
    apart from the owner's group with the same people. Each identity is the phone's own, with its
    number: ingest matches it to the other phone's copy. No number is joined to another country's form
    on such a phone (other_keys are not given), and what the owner's MMS say of the owner's numbers is
    not read.
"""

from __future__ import annotations

from dataclasses import replace

from textfile.importers.android.conversations import PLATFORM
from textfile.model import WITHOUT_THE_OWNER, Conversation, ImportOptions, Message, Participant, Record


class _Frame:
    """The archive owner's frame, for a backup of a client's phone (`ImportOptions.custodian`); on the owner's
    own phone, `framed` leaves every record as it is."""

    def __init__(self, options: ImportOptions, phone: str | None) -> None:
        self.custodian = options.custodian  # a client's name: the phone is theirs (`framed`)
        self.archive_owner, self.archive_owner_name = frozenset(options.owner_handles), options.owner_name
        self.phone = phone  # the phone's number (--me, which ingest checked is the client's)
        self.in_owner_frame: dict[
            Conversation, Conversation
        ] = {}  # a conversation of the client's phone -> the archive's (`framed`)
        self.owner_as_sender: dict[str, Participant] = {}  # the archive owner, by number, on a client's phone

    def framed(self, record: Record) -> Record:
        """A record of a client's phone as the archive holds it, in its owner's frame (module docstring):
        what the phone sent is "in", from the client; what it received from one of the owner's numbers
        is "out", from the owner, as on the owner's phone; anything else is "in" from its sender. The
        identity is the phone's own (its date, its direction), with the phone's number: ingest matches
        it to the other phone's copy of the same message."""
        if self.custodian is None or type(record) is not Message:
            return record
        direction, sender = record.direction, record.sender
        if direction == "out":
            direction = "in"
        elif direction == "in" and sender is not None and sender.handle in self.archive_owner:
            direction, sender = (
                "out",
                self.owner_as_sender.get(sender.handle)
                or self.owner_as_sender.setdefault(
                    sender.handle, Participant(sender.handle, self.archive_owner_name, True)
                ),
            )
        return replace(
            record,
            conversation=self.owner_frame(record.conversation),
            direction=direction,
            sender=sender,
            identity=(*record.identity, "on the phone of", self.phone),
            identity_key=record.identity_key or record.conversation.source_key,
        )

    def owner_frame(self, conversation: Conversation) -> Conversation:
        """A conversation of a client's phone as the archive keys it: by its people without the archive's
        owner (the client among them), as the owner's phone keys the same thread. A thread the owner is
        not in (the client and their spouse) is a conversation of its own, whose key says so: the owner's
        group with the same people is another one. Its title is the phone's name for it only then (the
        owner's copy names the others)."""
        found = self.in_owner_frame.get(conversation)
        if found is None:
            with_owner = any(p.handle in self.archive_owner for p in conversation.participants)
            people = tuple(
                Participant(p.handle, self.archive_owner_name, True) if p.handle in self.archive_owner else p
                for p in conversation.participants
            )
            others = sorted({p.handle for p in people if not p.is_owner})
            key = "~".join(others) if with_owner else f"{'~'.join(others)}{WITHOUT_THE_OWNER}"
            found = Conversation(
                PLATFORM,
                key,
                None if with_owner else conversation.title,
                len(others) > (1 if with_owner else 2),
                people,
            )
            if len(self.in_owner_frame) > 50_000:
                self.in_owner_frame.clear()
            self.in_owner_frame[conversation] = found
        return found
