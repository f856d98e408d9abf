"""The people and the chats of a Messages database: handles, chats, and the frame they are read in.

Decisions:
- A conversation's key is its chat guid without the service ("iMessage;-;+1202…", "SMS;-;+1202…"
  and macOS 26's "any;-;+1202…" are all "-;+12025550123"), so the same conversation read from an
  iPhone, a Mac or after an OS upgrade is one conversation. A message no chat lists (its chat was
  deleted) is filed by the key its chat had; one in "Recently Deleted" stays in its chat, flagged.
- A client's own Messages folder, chat.db or iPhone backup (`ImportOptions.custodian`: ingest checked the
  client and their handle, `me`, a number or an email) is read in the archive owner's frame: what the
  phone sent (is_from_me) is "in", from the client; what came from one of the owner's handles is "out",
  from the owner (written as the owner's phone writes them); the rest is "in" from its sender. The chat
  with the owner ("iMessage;-;alex@example.com" there) is the conversation the owner's copy keys by the
  client's handle ("-;<--me>"); a chat with someone else is the client's own, keyed "… without the owner"
  so that it is never the owner's chat with that person; a group's guid is the same on every phone. A
  message's guid is the same on both phones too, so its identity finds the other phone's copy; an SMS or
  RCS message has a guid of each phone's own, and ingest matches it by sender, text and time
  (COPIES_DIFFER). Whose phone it is, is recorded by ingest.
"""

from __future__ import annotations

import sqlite3

import phonenumbers

from textfile import phones
from textfile.importers.imessage.schema import columns
from textfile.model import Conversation, ImportOptions, Notice, Participant

FORMAT = "imessage"  # the importer's name, and the platform of the conversations it reads
GROUP_STYLE = 43


def conversation_key(guid: str, region: str) -> str:
    """A chat's guid without its service, the other party's number normalized.

    # chat: ("iMessage;-;+12025550123", 45), ("SMS;-;+12025550123", 45), ("any;-;+12025550123", 45) (macOS 26),
    #       ("iMessage;+;chat493827161", 43)
    The same conversation has a different service prefix on an iPhone, on a Mac before and after
    macOS 26, and as iMessage or SMS; keyed by the full guid, one conversation would be archived
    twice. "-;+12025550123" (one-to-one) and "+;chat493827161" (group) stay the same everywhere.
    """
    _service, sep, rest = guid.partition(";")
    kind, sep2, identifier = rest.partition(";")
    if not sep or not sep2 or kind not in ("-", "+") or not identifier:
        return guid
    if kind == "-":
        identifier = phones.normalize_handle(identifier, region)
    return f"{kind};{identifier}"


class Chats:
    """Who is who and which chat is which, in the frame of the phone being read (module docstring).

    `owner` is "this phone" (who is_from_me is): the archive's owner, or a client with the handle ingest
    checked (--me). `archive_owner` is the archive's owner as the owner's phone writes them."""

    def __init__(self, conn: sqlite3.Connection, options: ImportOptions):
        self.conn = conn
        self.options = options
        self.region = options.region
        owner_handle = sorted(options.owner_handles)[0] if options.owner_handles else "me"
        # The archive's owner, as the owner's phone writes them (one handle, whichever of theirs a chat used).
        self.archive_owner = Participant(handle=owner_handle, display_name=options.owner_name, is_owner=True)
        self.custodian = options.custodian  # a client's name: the phone is theirs (module docstring)
        # "This phone": who is_from_me is. The owner's, or a client's with the handle ingest checked (--me).
        self.owner = Participant(options.me, options.custodian, False) if self.custodian else self.archive_owner
        self.handles: dict[int, str] = {}
        self.participants: dict[int, Participant] = {}
        self.chats: dict[int, Conversation] = {}
        self.by_key: dict[str, Conversation] = {}
        self.orphans: dict[str, Conversation] = {}
        self.orphans_noted = False

    def read(self, present: set[str]) -> None:
        """The handles and chats of the database (`present`: its tables)."""
        self.handles = self._handles()
        owners = self.options.owner_handles if self.custodian else frozenset()
        self.participants = {
            rowid: self.archive_owner if handle in owners else Participant(handle=handle)
            for rowid, handle in self.handles.items()
        }
        self.chats = self._chats(present)
        for chat in self.chats.values():
            self.by_key.setdefault(chat.source_key, chat)

    def _handles(self) -> dict[int, str]:
        # handle: (1, "+12025550123", "us", "iMessage") — `country` is the region the device filed the
        # number under; a number written without its country code is read in that region.
        country = "country" if "country" in columns(self.conn, "handle") else "NULL"
        handles = {}
        for rowid, raw, region in self.conn.execute(
            f"SELECT ROWID, CAST(id AS TEXT), CAST({country} AS TEXT) FROM handle"
        ):
            if raw:
                region = str(region).upper() if region else self.region
                if region not in phonenumbers.SUPPORTED_REGIONS:
                    region = self.region
                handles[rowid] = phones.normalize_handle(str(raw), region)
        return handles

    def _chats(self, present: set[str]) -> dict[int, Conversation]:
        chat_columns = columns(self.conn, "chat")
        members: dict[int, set[str]] = {}
        if "chat_handle_join" in present:
            for chat_id, handle_id in self.conn.execute("SELECT chat_id, handle_id FROM chat_handle_join"):
                if handle_id in self.handles:
                    members.setdefault(chat_id, set()).add(self.handles[handle_id])
        style = "style" if "style" in chat_columns else "NULL"
        name = "display_name" if "display_name" in chat_columns else "NULL"
        chats = {}
        for rowid, guid, chat_style, display_name in self.conn.execute(
            f"SELECT ROWID, CAST(guid AS TEXT), CAST({style} AS INTEGER), CAST({name} AS TEXT) FROM chat"
        ):
            if not guid:
                continue
            chats[rowid] = self.conversation(
                conversation_key(guid, self.region),
                sorted(members.get(rowid, ())),
                display_name or None,
                chat_style == GROUP_STYLE or ";+;" in guid,
            )
        return chats

    def conversation(self, key: str, members: list[str], title: str | None, is_group: bool) -> Conversation:
        """A chat with these other members (normalized handles, sorted), as the archive keys it. On a
        client's phone, in the owner's frame: the one-to-one chat with one of the owner's handles
        ("-;alex@example.com") is the conversation the owner's copy keys by the client's handle
        ("-;<--me>"); a one-to-one chat with anyone else is the client's own thread with that person,
        keyed so that no chat of the owner's phone has its key ("-;<client>~<other> without the owner");
        a group keeps its guid, the same on every phone. The owner is among the people as the owner's
        phone writes them, the client as this phone's own."""
        if not self.custodian:
            return Conversation(
                FORMAT, key, title, is_group, tuple(Participant(handle=h) for h in members) + (self.owner,)
            )
        owners = self.options.owner_handles
        people = tuple(self.archive_owner if h in owners else Participant(handle=h) for h in members)
        if key.startswith("-;"):
            with_owner = key[2:] in owners
            if with_owner:
                key, title, people = f"-;{self.owner.handle}", None, (self.archive_owner,)
            else:
                key = f"-;{'~'.join(sorted({self.owner.handle, key[2:]}))} without the owner"
        return Conversation(FORMAT, key, title, is_group, tuple(dict.fromkeys(people)) + (self.owner,))

    def orphan(self, handle_id, room_names: str | None, ref: str, out: list) -> Conversation:
        """The conversation of a message no chat lists (its chat was deleted on the device), by the
        key its chat had: the group's room name (cache_roomnames "chat493827161"), else the other party."""
        handle = self.handles.get(handle_id)
        if room_names:
            key = "+;" + room_names.split(",")[0]
        elif handle:
            key = "-;" + handle
        else:
            key = "no-chat;unknown"
        conversation = self.by_key.get(key) or self.orphans.get(key)
        if conversation is None:
            conversation = self.conversation(
                key, [handle] if handle and not room_names else [], None, key.startswith("+;")
            )
            conversation = (
                self.by_key.get(conversation.source_key) or conversation
            )  # (a client's phone: the key it has there)
            self.orphans[key] = conversation
        if not self.orphans_noted:
            self.orphans_noted = True
            out.append(
                Notice(
                    f"{ref} and possibly others belong to no chat (deleted on the device); each is filed under the "
                    "person or group it was exchanged with",
                    kind="assumption",
                )
            )
        return conversation

    def name(self, participant: Participant | None) -> str:
        """How a group event names who did it."""
        if participant is None:
            return "Someone"
        if participant.is_owner:
            return participant.display_name or participant.handle
        return participant.handle
