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
- What the phone sent is from the handle the database says it went from (message.destination_caller_id,
  else message.account, "e:casey@example.com" / "p:+12025550100"), where that is one of the phone's owner's
  (the archive owner's handles; on a client's phone, the client's): never one picked. A message that names
  none is attributed as before, to the owner's first handle (on a client's phone, --me's), and that is
  said as an assumption, counted. A conversation lists the owner under the handle its chat names
  (chat.last_addressed_handle, else account_login) where that is theirs, else under that same first one.
  An archive whose owner has no number or email cannot check the handle: what the phone sent is the
  owner's, with no handle, as before, and the handles it names are said.
- A database whose sent messages name a handle that is none of the phone's owner's is someone else's
  device (a colleague's Mac with the same client's thread, a client's phone read without --custodian):
  it is refused, naming the handles and the way out, and nothing is imported. So is one where only some
  do (an Apple ID shared with someone else's iPhone syncs that person's texts in): which of its texts
  are the owner's is then for a person to decide, not for the importer to guess.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import phonenumbers

from textfile import phones
from textfile.errors import ImportFailed
from textfile.importers.imessage.schema import MessageRow, columns
from textfile.model import WITHOUT_THE_OWNER, Conversation, ImportOptions, Notice, Participant

FORMAT = "imessage"  # the importer's name, and the platform of the conversations it reads
GROUP_STYLE = 43
ACCOUNT_KIND = re.compile(
    r"^[ep]:", re.IGNORECASE
)  # message.account "e:casey@example.com", chat.account_login "P:+1202…"


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
        # The handles "this phone" sends from: the archive owner's, or the client's (--me among them).
        if self.custodian:
            me = phones.normalize_handle(options.me or "", self.region)
            self.own_handles = options.custodian_handles | {me} if me else options.custodian_handles
        else:
            self.own_handles = options.owner_handles
        # What sent messages name as the handle they went from (`sent_by`): the raw value -> the sender,
        # or a handle none of the phone owner's (str), or "" for none.
        self.sent_from: dict[str | None, Participant | str] = {}
        self.sent = 0  # messages the phone sent
        self.unnamed = 0  # of them, those that name no handle
        self.foreign: dict[str, int] = {}  # a handle none of the phone owner's -> messages sent from it
        self.first_foreign = ""  # the first of those, as the source refers to it
        self.unchecked: dict[str, int] = {}  # the handles they name, where the owner has none in the archive
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
        # chat: ("casey@example.com", "E:casey@example.com"), the owner's handle the chat was last addressed from
        addressed = "last_addressed_handle" if "last_addressed_handle" in chat_columns else "NULL"
        login = "account_login" if "account_login" in chat_columns else "NULL"
        chats = {}
        for rowid, guid, chat_style, display_name, last_addressed, account_login in self.conn.execute(
            f"SELECT ROWID, CAST(guid AS TEXT), CAST({style} AS INTEGER), CAST({name} AS TEXT),"
            f" CAST({addressed} AS TEXT), CAST({login} AS TEXT) FROM chat"
        ):
            if not guid:
                continue
            chats[rowid] = self.conversation(
                conversation_key(guid, self.region),
                sorted(members.get(rowid, ())),
                display_name or None,
                chat_style == GROUP_STYLE or ";+;" in guid,
                self.handle_named(last_addressed) or self.handle_named(account_login),
            )
        return chats

    def handle_named(self, named: str | None) -> str:
        """The handle a message's destination_caller_id or account (a chat's last_addressed_handle or
        account_login) names, normalized: a number or an email; "" for none (empty, or "p:0" and the like)."""
        return (named and phones.address(ACCOUNT_KIND.sub("", named.strip()), self.region)) or ""

    def _phone_owner(self, handle: str) -> Participant | None:
        """The phone's owner under `handle`, where it is one of theirs (module docstring)."""
        if handle not in self.own_handles:
            return None
        if handle == phones.normalize_handle(self.owner.handle or "", self.region):
            return self.owner
        return Participant(handle, self.owner.display_name, self.owner.is_owner)

    def sent_by(self, row: MessageRow) -> Participant:
        """Who sent a message the phone sent: its owner under the handle the database names
        (destination_caller_id, else account); under their first handle where it names none, and where
        it names someone else's (counted: the import is refused, `check_senders`)."""
        self.sent += 1
        named = row.destination_caller_id or row.account
        sender = self.sent_from.get(named)
        if sender is None:
            handle = self.handle_named(named)
            sender = self.sent_from[named] = (self._phone_owner(handle) or handle) if handle else ""
        if sender.__class__ is str:
            if sender and not self.own_handles:  # (an owner with no handle in the archive: nothing to check against)
                self.unchecked[sender] = self.unchecked.get(sender, 0) + 1
            elif sender:
                self.foreign[sender] = self.foreign.get(sender, 0) + 1
                self.first_foreign = self.first_foreign or f"ROWID {row.ROWID}"
            else:
                self.unnamed += 1
            return self.owner
        return sender

    def check_senders(self, path: Path) -> list[Notice]:
        """After the last row: ImportFailed where sent messages name a handle none of the phone owner's
        (module docstring); else the assumptions made of those that name none, or name one that the archive
        cannot check (its owner has no handle)."""
        if self.foreign:
            raise ImportFailed(path, self._not_theirs())
        said = []
        if self.unchecked:
            n = sum(self.unchecked.values())
            said.append(
                Notice(
                    f"{n:,} sent message{' names' if n == 1 else 's name'} {', '.join(sorted(self.unchecked))} as the"
                    f" handle {'it' if n == 1 else 'they'} went from; the owner has no number or email in the archive to"
                    f" check that against: attributed to the owner with no handle ({self.owner.handle})",
                    kind="assumption",
                )
            )
        if self.unnamed:
            n, handle = self.unnamed, self.owner.handle
            if self.custodian:
                whom = f"{handle}, the handle {self.custodian}'s phone is taken to have"
            elif not self.own_handles:
                whom = f"the owner with no handle ({handle}): the archive has no number or email of theirs"
            elif len(self.own_handles) > 1:
                whom = f"{handle}, the owner's first"
            else:
                whom = f"{handle}, the owner's only handle"
            said.append(
                Notice(
                    f"{n:,} sent message{' names' if n == 1 else 's name'} no handle {'it was' if n == 1 else 'they were'}"
                    f" sent from: attributed to {whom}",
                    kind="assumption",
                )
            )
        return said

    def _not_theirs(self) -> str:
        """Why a database whose sent messages name someone else's handle is refused, and the way out."""
        n = sum(self.foreign.values())
        handles = ", ".join(sorted(self.foreign))
        whose = f"{self.custodian}'s" if self.custodian else "the owner's"
        if n == self.sent:
            said = (
                f"every message this database sent names {handles} as the handle it went from, none of {whose} handles"
            )
        else:
            said = (
                f"{n:,} of the {self.sent:,} messages this database sent name {handles} as the handle they went from,"
                f" none of {whose} handles (the first: {self.first_foreign})"
            )
        if not self.custodian:
            way = (
                "if this is a client's own phone, import it with --custodian NAME; if it is a number or email of the"
                " owner's, add it first (textfile settings --add-phone … or --add-email …)"
            )
        elif set(self.foreign) <= self.options.owner_handles:
            way = "those are the owner's: import the owner's own device without --custodian"
        else:
            way = (
                f"if {handles} is {self.custodian}'s, add it first (textfile client edit {self.custodian!r}"
                " --add-phone … or --add-email …)"
            )
        return f"{said}: it is someone else's device ({way}); nothing was imported"

    def conversation(
        self, key: str, members: list[str], title: str | None, is_group: bool, addressed: str = ""
    ) -> Conversation:
        """A chat with these other members (normalized handles, sorted), as the archive keys it. On a
        client's phone, in the owner's frame: the one-to-one chat with one of the owner's handles
        ("-;alex@example.com") is the conversation the owner's copy keys by the client's handle
        ("-;<--me>"); a one-to-one chat with anyone else is the client's own thread with that person,
        keyed so that no chat of the owner's phone has its key ("-;<client>~<other> without the owner");
        a group keeps its guid, the same on every phone. The owner is among the people as the owner's
        phone writes them, the client as this phone's own; on the owner's phone, the owner under the handle
        the chat names (`addressed`) where that is theirs."""
        if not self.custodian:
            owner = self._phone_owner(addressed) or self.owner
            return Conversation(FORMAT, key, title, is_group, tuple(Participant(handle=h) for h in members) + (owner,))
        owners = self.options.owner_handles
        people = tuple(self.archive_owner if h in owners else Participant(handle=h) for h in members)
        if key.startswith("-;"):
            with_owner = key[2:] in owners
            if with_owner:
                key, title, people = f"-;{self.owner.handle}", None, (self.archive_owner,)
            else:
                key = f"-;{'~'.join(sorted({self.owner.handle, key[2:]}))}{WITHOUT_THE_OWNER}"
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
