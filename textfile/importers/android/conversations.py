"""A record's conversation: its key, its people and their names, the thread it makes with the
owner's other records with the same people.

Decisions, and why:
  - A conversation is keyed by its participants without the owner: the normalized address for
    one-to-one threads ("+12025550123"), "~"-joined sorted handles for groups. SMS, MMS and calls
    with the same number land in the same conversation, whichever way the number was written.
  - A conversation is keyed as an identity is (numbers.py: by the addresses earlier versions read), except a
    joined number's, which is keyed by its international form (`_Address`); such a conversation also names the keys
    the same thread has where the number is read as written, by this version or earlier ones
    (`_other_keys`), so that ingest re-keys the conversation archived under one of them in place
    (same number, filings and messages) or merges the two an earlier reading split.
  - A group message's `contact_name` ("Bea, Cy") names each member of the group only where it holds exactly
    one name per address of its `address` list, in that order (`_Conversations.names`); else it stays the
    conversation's title, and no name is guessed.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, NamedTuple

from textfile.importers.android.attributes import _name, _present
from textfile.importers.android.numbers import _Address, _Numbers
from textfile.model import Conversation, Participant

if TYPE_CHECKING:
    from textfile.importers.android.owner import _Owner

PLATFORM = "android"
NO_ADDRESS = "(no address)"


class _Thread(NamedTuple):
    """A record's conversation, the one other person in it (None in a group), the key earlier versions
    computed, and the addresses in it kept as written or joined (`_Address.flag`)."""

    conversation: Conversation
    counterpart: Participant | None
    legacy: str  # the conversation key earlier versions computed: the identity's key
    spelled: tuple  # the flagged addresses in it (_Address.flag)

    @property
    def identity_key(self) -> str | None:
        """Message.identity_key: the legacy key where the conversation's own differs (a joined number)."""
        return self.legacy if self.legacy != self.conversation.source_key else None


def _key(addresses, others: tuple[str, ...]) -> str | None:
    """The conversation key of `others` (handles) from their addresses' key parts; None when it is
    the handles themselves."""
    parts: dict[str, str] = {}
    for a in addresses:
        if a.handle in others and a.key != a.handle:
            parts[a.handle] = min(parts.get(a.handle, a.key), a.key)
    if not parts:
        return None
    return "~".join(sorted(parts.get(h, h) for h in others))


def _other_keys(addresses, key: str, legacy: str) -> tuple[str, ...]:
    """The keys the thread keyed `key` has where a number this backup joins with its international
    form (_Address "joined") was read as written: by this version, from a backup that does not write
    the international form (a number kept as written is keyed by its legacy handle), or by earlier
    versions (`legacy`). Each joined number either way, in every combination (up to three joined
    numbers in one thread; beyond, `legacy` alone). Keys, never shown: ingest finds the archived
    conversation under any of them and re-keys it (model.Conversation.other_keys)."""
    swaps: dict[str, set[str]] = {}
    for a in addresses:
        if a.flag == "joined":
            swaps.setdefault(a.handle, set()).add(a.legacy)
    if not swaps:
        return ()
    keys = {legacy}
    if len(swaps) <= 3:
        parts = [(part, *sorted(swaps.get(part, ()))) for part in key.split("~")]
        keys.update("~".join(sorted(choice)) for choice in itertools.product(*parts))
    keys.discard(key)
    return tuple(sorted(keys))


def _joined(handles: tuple[str, ...]) -> str:
    """The conversation key of these handles: "~"-joined (they are sorted)."""
    return "~".join(handles) if handles else NO_ADDRESS


class _Conversations:
    """The conversations of one backup, made once per set of people and title (cached)."""

    def __init__(self, numbers: _Numbers, owner: _Owner) -> None:
        self.numbers = numbers
        self.owner = owner
        self.cache: dict[tuple, Conversation] = {}

    def conversation(
        self,
        others: tuple[str, ...],
        title: str | None,
        group: bool,
        names: dict,
        members: tuple[str, ...] = (),
        own: str | None = None,
        key: str | None = None,
        other_keys: tuple[str, ...] = (),
    ) -> Conversation:
        """The conversation with `others` (sorted handles without the owner); `members` are further
        people seen in it (an RCS group's members), `own` the owner's handle on it. Its key is
        `others` joined by "~", unless `key` says otherwise (a number kept as written: _Address);
        `other_keys` are those of the same thread read another way (`_other_keys`)."""
        cache_key = (others, title, members, own, key, other_keys, tuple(names.items()))
        found = self.cache.get(cache_key)
        if found is not None:
            return found
        if key is None:
            key = _joined(others)
        people = [Participant(h, names.get(h)) for h in others]
        people += [Participant(h) for h in members if h not in others]
        own = own or self.owner.handle
        if own is not None:
            people.append(Participant(own, self.owner.name, self.owner.custodian is None))
        found = Conversation(PLATFORM, key, title, group, tuple(people), other_keys)
        if len(self.cache) > 50_000:
            self.cache.clear()
        self.cache[cache_key] = found
        return found

    # <mms … address="+12025550109~+12025550112" contact_name="Bea, Cy">
    def names(self, listed: list[_Address], contact_name: str | None) -> dict[str, str]:
        """The name of each person of a group thread, where `contact_name` gives them: the app writes
        one name per address of the `address` list, in its order, joined by ", ". Only where there
        are exactly as many names as addresses: a list the app cut short ("Emily, Lisa, +2 more"), one
        name for the whole group, or a name holding ", " itself names nobody (no name is guessed;
        the list as written stays the conversation's title).
        A place holding the number itself (or "(Unknown)") names no one; one holding another number
        shows the names are not in that order: then none is taken. Two names for one handle: neither."""
        parts = contact_name.split(", ") if contact_name else []
        if len(listed) < 2 or len(parts) != len(listed):
            return {}
        names: dict[str, str | None] = {}
        for address, part in zip(listed, parts):
            name = _name(part)
            if name is None:
                continue
            read = self.numbers.address(name)
            if read.handle.startswith("+") or read.handle.isdigit():  # a number, not a name
                if address.handle not in (read.handle, read.written):
                    return {}
                continue
            names[address.handle] = name if names.get(address.handle, name) == name else None
        return {handle: name for handle, name in names.items() if name is not None and handle not in self.owner.owners}

    def one_to_one(self, raw_address: str | None, contact_name: str | None) -> _Thread:
        address = _present(raw_address)
        found = self.numbers.address(address) if address else _Address(NO_ADDRESS, NO_ADDRESS, NO_ADDRESS)
        handle = found.handle
        name = _name(contact_name)
        conversation = self.conversation(
            (handle,),
            name,
            False,
            {handle: name},
            key=found.key,
            other_keys=_other_keys((found,), found.key, found.legacy) if found.flag else (),
        )
        return _Thread(conversation, Participant(handle, name), found.legacy, (found,) if found.flag else ())
