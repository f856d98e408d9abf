"""One message row → its records: a Message (or a Reaction for a tapback), and what to warn about.

Decisions:
- Tapbacks become `Reaction`s on the message they point at; group events become system lines.
- A message's text is `text`, else its attributedBody (typedstream.py); one that cannot be read is
  imported with an empty body, flagged and said in a warning. Its subject, when it has one, is its
  first line. A link preview's text is the link itself; another iMessage app's content (Apple Pay,
  polls, handwriting…) is not rendered: its text and attachments are imported, with a warning.
- Its direction is the archive owner's (chats.py: a client's phone is read in the owner's frame); what the
  phone sent is from the handle the database names (chats.py, `Chats.sent_by`).
- Its times are instants (Apple's 2001 epoch, schema.instant); a message with no usable date is
  filed at 2001-01-01T00:00:00Z, and one with no guid is identified by its ROWID, each with a warning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import MISSING, fields
from datetime import datetime

from textfile import times
from textfile.importers import typedstream
from textfile.importers.imessage.attachments import AttachmentFiles
from textfile.importers.imessage.chats import Chats
from textfile.importers.imessage.edits import edit_history
from textfile.importers.imessage.schema import AttachmentRow, MessageRow, instant
from textfile.model import Conversation, Message, Notice, Participant, Reaction, Skipped

URL_PREVIEW = "com.apple.messages.URLBalloonProvider"  # a link preview: the text is the link itself
TAPBACKS = {
    0: "loved",
    1: "liked",
    2: "disliked",
    3: "laughed",
    4: "emphasized",
    5: "questioned",
    6: "emoji",
    7: "sticker",
}

_NO_FLAGS: frozenset[str] = frozenset()

# Message(...) by position costs half what 16 keywords do (a large database makes millions): the fields
# set here come first in Message, in this order, and those after them keep their defaults.
_MESSAGE_ORDER = ("conversation", "identity", "sent_at", "direction", "sender", "body", "source_zone", "service", "kind",
                  "status", "delivered_at", "read_at", "duration_s", "flags", "source_id", "reply_to", "versions",
                  "attachments", "source_ref")  # fmt: skip
_FIELDS = fields(Message)
if tuple(f.name for f in _FIELDS[: len(_MESSAGE_ORDER)]) == _MESSAGE_ORDER and all(
    f.default is not MISSING or f.default_factory is not MISSING for f in _FIELDS[len(_MESSAGE_ORDER) :]
):
    _message = Message
else:  # the model changed: still correct, by keyword

    def _message(*values):
        return Message(**dict(zip(_MESSAGE_ORDER, values)))


class MessageReader:
    """The records of each message row of one database, read with its chats and attachment files."""

    def __init__(self, chats: Chats, files: AttachmentFiles):
        self.chats = chats
        self.files = files
        self.by_chat = chats.chats
        self.participants = chats.participants
        self.owner = chats.owner
        self.own_handles = chats.own_handles
        self.archive_owner = chats.archive_owner
        self.custodian = chats.custodian

    def record(self, row: MessageRow, attachment_rows: Sequence[AttachmentRow], out: list) -> None:
        """The records of one message row, appended to `out` (usually one; a list avoids a generator per row)."""
        rowid, guid, is_from_me, item_type = row.ROWID, row.guid, row.is_from_me, row.item_type
        ref = f"ROWID {rowid}"
        conversation = self.by_chat.get(row.chat_id) or self.chats.orphan(row.handle_id, row.cache_roomnames, ref, out)
        sender = self.chats.sent_by(row) if is_from_me else self._sender(row, conversation)
        sent_at = instant(row.date)
        if sent_at is None:
            sent_at = _undated(row, ref, out)
        if not guid:
            out.append(
                Notice(f"{ref} has no guid; its identity is its ROWID, which a later copy of the database may not keep")
            )
        assoc_type = row.associated_message_type
        if assoc_type and (2000 <= assoc_type <= 2007 or 3000 <= assoc_type <= 3007):
            out.append(_tapback(row, conversation, sender, sent_at, ref))
            return
        flags: set[str] = set()
        if item_type:
            direction, body = "system", self._event_line(row, sender)
        else:
            # What the archive's owner sent: on their phone, what the phone sent; on a client's, what came from them.
            direction = "out" if (sender is self.archive_owner if self.custodian else is_from_me) else "in"
            body = _text(row, ref, flags, out)
        if row.error or row.balloon_bundle_id or row.delete_date:
            _marks(row, ref, flags, out)
        if row.message_summary_info or row.date_edited or row.date_retracted:
            versions = edit_history(row, body, ref, flags, out)
        else:
            versions = ()
        attachments = self.files.of_message(row.attributedBody, attachment_rows, ref, out) if attachment_rows else ()
        out.append(
            _message(
                conversation,
                ("guid", guid) if guid else ("rowid", rowid),  # identity
                sent_at,
                direction,
                sender,
                body,
                "UTC",  # source_zone
                row.service or None,
                "message",  # kind
                None,  # status
                instant(row.date_delivered),
                instant(row.date_read),
                None,  # duration_s
                frozenset(flags) if flags else _NO_FLAGS,
                guid,  # source_id
                row.thread_originator_guid or None,  # reply_to
                versions,
                attachments,
                ref,  # source_ref
            )
        )

    def _sender(self, row: MessageRow, conversation: Conversation) -> Participant | None:
        """Who sent a message the phone did not: its handle's participant; for one whose handle is not known
        (not a group event), the one other person of its conversation, if there is one."""
        sender = self.participants.get(row.handle_id)
        if sender is None and not row.item_type:
            others = [p for p in conversation.participants if p is not self.owner and p.handle not in self.own_handles]
            if len(others) == 1:
                sender = others[0]
        return sender

    def _event_line(self, row: MessageRow, actor: Participant | None) -> str:
        """A group event as a system line (with the row's text, when it has one)."""
        body = self._event(row.item_type, row.group_action_type, row.group_title, row.other_handle, actor)
        if row.text:
            body = f"{body}: {row.text}" if body else row.text
        return body

    def _event(self, item_type, action, group_title, other_handle, actor) -> str:
        # item_type 1 (action 0 added / 1 removed other_handle), 2 (renamed to group_title),
        # 3 (action 0 left, 1 changed / 2 removed the group photo)
        who = self.chats.name(actor)
        other = self.chats.handles.get(other_handle) or "someone"
        if item_type == 1:
            if action == 0:
                return f"{who} added {other}"
            if action == 1:
                return f"{who} removed {other}"
            return f"{who} changed the members ({other})"
        if item_type == 2:
            if group_title:
                return f"{who} named the conversation \u201c{group_title}\u201d"
            return f"{who} removed the conversation name"
        if item_type == 3:
            if action == 0:
                return f"{who} left the conversation"
            if action == 1:
                return f"{who} changed the group photo"
            if action == 2:
                return f"{who} removed the group photo"
            return f"{who} changed the conversation (group action {action})"
        if item_type == 4:
            return f"{who} shared or stopped sharing their location"
        return f"{who}: Messages event of type {item_type}"


def _undated(row: MessageRow, ref: str, out: list) -> datetime:
    """The time of a message with no usable date: the Apple epoch, with a warning."""
    out.append(Notice(f"{ref} ({row.guid}) has no usable date ({row.date!r}); filed at 2001-01-01T00:00:00Z"))
    return times.APPLE_EPOCH


def _tapback(
    row: MessageRow, conversation: Conversation, sender: Participant | None, sent_at: datetime, ref: str
) -> Reaction | Skipped:
    # A tapback: associated_message_type 2000-2007 (3000-3007 removes it),
    # associated_message_guid "p:0/5E1F…" (part 0 of the message) or "bp:5E1F…".
    target = _target_guid(row.associated_message_guid)
    if not target:
        return Skipped("tapback that names no message", ref)
    return Reaction(
        conversation=conversation,
        target_source_id=target,
        sender=sender,
        kind=TAPBACKS[row.associated_message_type % 1000],
        at=sent_at,
        emoji=row.associated_message_emoji or None,
        removed=row.associated_message_type >= 3000,
        source_id=row.guid,
        source_ref=ref,
    )


def _target_guid(value: str | None) -> str | None:
    # "p:0/5E1F…-02" (part 0 of a message), "bp:5E1F…-01" (a message's whole body), or a bare guid
    if not value:
        return None
    if value.startswith("p:") and "/" in value:
        return value.split("/", 1)[1] or None
    if value.startswith("bp:"):
        return value[3:] or None
    return value


def _text(row: MessageRow, ref: str, flags: set[str], out: list) -> str:
    """A message's text: `text`, else its attributedBody; its subject, when it has one, as its first line."""
    text, attributed_body = row.text, row.attributedBody
    if text or (text is not None and attributed_body is None):
        body = text
    elif attributed_body is not None:
        try:
            body = typedstream.decode(attributed_body)
        except typedstream.TypedstreamError as exc:
            body = ""
            flags.add("empty_body")
            out.append(
                Notice(
                    f"{ref} ({row.guid}): its text (attributedBody) cannot be read: {exc}; imported with an empty body"
                )
            )
    else:
        body = ""
    if row.subject:
        body = f"{row.subject}\n{body}" if body else row.subject
    return body


def _marks(row: MessageRow, ref: str, flags: set[str], out: list) -> None:
    """What the row says of its sending and keeping: failed, deleted ("Recently Deleted"); an iMessage app's
    message (its content not rendered) said in a warning."""
    if row.is_from_me and row.error:
        flags.add("failed")
    app = row.balloon_bundle_id
    if app and app != URL_PREVIEW:
        # Apple Pay, polls, Digital Touch, handwriting, other iMessage apps: their content is an
        # archived object in payload_data that this importer does not render.
        out.append(
            Notice(f"{ref} ({row.guid}): an iMessage app message ({app}); only its text and attachments are imported")
        )
    if row.delete_date:
        flags.add("deleted")
