"""Names: the chat's, the senders', the owner's; the conversation they make.

Decisions:
- The conversation key is the chat's name (from the file name in WhatsApp's languages, the zip's
  name, `--conversation`) and the owner: next week's longer export lands in the same conversation.
  A chat the archive holds under another owner (another --me, or none where one was given) is
  refused (`_same_chat_same_owner`): it would be a second copy of the chat with another person's
  messages as the owner's; `--conversation` names another chat of the same name.
- The owner: the conversation key holds the owner's name, so a --me that named nobody would file
  the same chat under a second key. --me must be a sender, or the archive's owner (who may never
  have written in the chat), and then it is read exactly as when no --me is given (`_owner`).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from textfile import phones
from textfile.errors import ImportFailed
from textfile.importers.whatsapp import locales
from textfile.importers.whatsapp.header import _INVISIBLE
from textfile.model import WITHOUT_THE_OWNER, Conversation, ImportOptions, Notice, Participant

if TYPE_CHECKING:  # (the survey and the source take names from here: only the annotations come from there)
    from textfile.importers.whatsapp.source import _Source
    from textfile.importers.whatsapp.survey import _Survey


def _unbalanced(text: str) -> bool:
    return (
        text.count('"') % 2 == 1 or text.count("\u201c") != text.count("\u201d") or text.count("«") != text.count("»")
    )


def _senders(s: _Survey) -> dict[str, str]:
    """first-colon prefix -> the sender name it stands for.

    Names may contain ': ' ("Dr: Smith: hello"): a longer prefix stands for the sender when
    nearly every line with the shorter one continues the same way. A prefix with an unbalanced
    quote is a system line quoting text ('X changed the subject to "Trip: Rome"'), and so is one
    longer than a name seen once ("Sam turned on disappearing messages for this chat: 7 days").
    """
    resolved = {p: p for p, count in s.prefixes.items() if not _unbalanced(p) and (len(p) <= 40 or count > 1)}
    for (first, candidate), count in s.longer.items():
        base = s.prefixes.get(first, 0)
        if first in resolved and count >= 2 and count * 10 >= base * 9:
            current = resolved.get(first, first)
            if len(candidate) > len(current):
                resolved[first] = candidate
    return resolved


_COPY_SUFFIX = re.compile(r"\s*\(\d{1,3}\)$")


# "WhatsApp Chat with NAME", "NAME ile WhatsApp Sohbeti" (locales.py): the words of a connector stand apart by
# any spaces; connectors of several words are tried first ("s uživatelem" before "s").
_CONNECTORS = sorted(locales.words("chat_file"), key=lambda c: -len(c.split()))
_CONNECTORS_BEFORE_NAME = "|".join(c.replace(" ", r"[\s\u00a0]+") for c in _CONNECTORS if not c.startswith("… "))
_CONNECTORS_AFTER_NAME = "|".join(c[2:].replace(" ", r"[\s\u00a0]+") for c in _CONNECTORS if c.startswith("… "))
_CHAT_NAME_PATTERNS = [
    re.compile(p, re.I)
    for p in (
        r"^WhatsApp[\s\u00a0]+Chat[\s\u00a0]*[-–][\s\u00a0]*(?P<name>.+)$",  # iOS, every language
        # Android: "<words with WhatsApp> <connector> <name>"
        r"^(?:\S+[\s\u00a0]+){0,2}WhatsApp(?:[\s\u00a0-]\S+)?[\s\u00a0]+"
        rf"(?:{_CONNECTORS_BEFORE_NAME})"
        r"[\s\u00a0]+(?P<name>.+)$",
        r"^WhatsApp[\s\u00a0-]*\S*[\s\u00a0]*[:：][\s\u00a0]*(?P<name>.+)$",
        rf"^(?P<name>.+?)[\s\u00a0]+(?:{_CONNECTORS_AFTER_NAME})[\s\u00a0]*WhatsApp.*$",
    )
]


_GENERIC_STEMS = {"_chat", "chat", "whatsapp chat", "whatsapp", "chat export", "export"}


def normalize_name(text: str) -> str:
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def chat_name_from_file(file_name: str) -> str | None:
    """The chat's name in WhatsApp's own file name ("WhatsApp Chat with Sam.txt" -> "Sam")."""
    stem = file_name.rsplit("/", 1)[-1]
    for ext in (".txt", ".zip"):
        if stem.lower().endswith(ext):
            stem = stem[: -len(ext)]
    stem = _COPY_SUFFIX.sub("", normalize_name(stem))
    for pattern in _CHAT_NAME_PATTERNS:
        m = pattern.match(stem)
        if m and m.group("name").strip():
            return m.group("name").strip()
    return None


def _fallback_stem(file_name: str | None) -> str | None:
    if not file_name:
        return None
    stem = file_name.rsplit("/", 1)[-1]
    for ext in (".txt", ".zip"):
        if stem.lower().endswith(ext):
            stem = stem[: -len(ext)]
    stem = _COPY_SUFFIX.sub("", normalize_name(stem))
    if not stem or stem.casefold() in _GENERIC_STEMS:
        return None
    return stem


def _same_chat_same_owner(path: Path, chat_name: str, source_key: str, owner: str, options: ImportOptions) -> None:
    """Refuse to read a chat the archive holds with another sender as the owner (another --me, or none
    where one was given before): its key holds the owner, so every message would be archived again,
    in a second conversation in which another person's messages are the owner's."""
    if source_key in options.chat_owners:
        return
    prefix = f"{_fold(chat_name)}|"
    archived = sorted(
        (conv_id, name)
        for key, (name, conv_id) in options.chat_owners.items()
        if key.startswith(prefix) and not key.endswith(WITHOUT_THE_OWNER)  # (a client's thread the owner is not in)
    )
    if archived:
        conv_id, earlier = archived[0]
        given = f"--me {options.me!r}" if options.me else "no --me given"
        raise ImportFailed(
            path,
            f"the chat {chat_name!r} is archived with {earlier!r} as the owner (conversation {conv_id}); read with"
            f" {owner!r} as the owner ({given}), every message would be archived again, in a second conversation."
            f" Pass --me {earlier!r} to read it as before, or --conversation NAME if this is another chat",
        )


def _as_written(name: str) -> str:
    """A sender as written, without the marks and odd spaces phones add: "\u202a+34\u00a0662\u202c" -> "+34 662".

    Identities use this rather than E.164: it cannot change when phone-number metadata does."""
    return " ".join(unicodedata.normalize("NFC", phones.clean(name)).split())


def _fold(text: str) -> str:
    return normalize_name(text).casefold()


def _sender_counts(s: _Survey, resolved: dict[str, str]) -> dict[str, int]:
    """Each sender (`_senders`) -> how many lines the survey counted as theirs."""
    senders: dict[str, int] = {}
    for prefix, name in resolved.items():
        senders[name] = senders.get(name, 0) + s.prefixes[prefix]
    return senders


class _ChatName(NamedTuple):
    name: str
    system_authors: set[str]  # folded: a line with one of these as its author may be a system line (iOS)
    notice: Notice | None  # the name was taken from the file's own name: an assumption


def _chat_name(source: _Source, s: _Survey, style: str, options: ImportOptions) -> _ChatName:
    """The chat's name: --conversation, else the name WhatsApp wrote in the chat text's file name, the
    zip's, or as the author of the first line (iOS), else the file's name, said as an assumption."""
    path = source.path
    chat_name = normalize_name(options.conversation) if options.conversation else None
    inner = chat_name_from_file(source.chat_file_name)
    outer = chat_name_from_file(source.container_name) if source.container_name else None
    ios_author = s.first_author if s.first_author_system and style == "bracket" else None
    file_chat_name = inner or outer or ios_author
    name_notice = None
    if chat_name is None:
        chat_name = file_chat_name
    if chat_name is None:
        stem = _fallback_stem(source.container_name) or _fallback_stem(source.chat_file_name)
        if stem is None:
            raise ImportFailed(path, "cannot tell which chat this is from its file name; pass --conversation NAME")
        chat_name = stem
        name_notice = Notice(
            f"{path.name}: the chat's name {stem!r} was taken from the file name; import later exports of this chat "
            f"under the same name or with --conversation {stem!r}",
            kind="assumption",
        )
    system_authors = {_fold(n) for n in (file_chat_name, ios_author, chat_name) if n}
    return _ChatName(chat_name, system_authors, name_notice)


def _owner(
    path: Path,
    senders: dict[str, int],
    options: ImportOptions,
    chat_name: str,
    with_owner: bool = False,
    *,
    before: str | None,
) -> tuple[str, Notice | None]:
    """The owner's name as the chat writes it: the sender --me names, or the archive's owner (by name
    or by one of the owner's numbers); the archive's owner's name when they never wrote in the chat
    (--me naming the archive's owner says so), unless the chat is between two people: there the sender
    who is not the person the chat is named after is the owner, whatever name the phone gave them
    (`_between_two`). A chat the archive holds is read with the owner it holds it with (`_owner_before`:
    an earlier import was told it with --me), with no --me, or with --me naming them, whether they wrote
    in this export or not; with no --me said by the notice given with it. `before`: `_owner_before`."""
    region = options.region
    me = _me(senders, options)
    me_is_owner = bool(me and options.owner_name and _fold(me) == _fold(options.owner_name))
    if (
        with_owner
        and options.another_phone
        and not any(_is_archive_owner(name, options) for name in senders)
        and not (me and _conversation_key(chat_name, me) in options.chat_owners)  # (archived so before: as it was)
    ):
        return _with_you_silent(path, options, me, me_is_owner)
    if me and not me_is_owner:
        want = _fold(me)
        want_handle = phones.normalize_handle(me, region)
        for name in senders:
            if _fold(name) == want or phones.normalize_handle(name, region) == want_handle:
                if not options.another_phone:  # (on a client's phone their chat with you is named after you)
                    _not_the_one_it_is_with(path, senders, options, chat_name, name)
                if before is None or _fold(before) != _fold(name):  # (archived so: read as before)
                    _not_beside_the_archive_owner(path, senders, options, name)
                return name, None
        if before is not None and _fold(before) == want:  # (the owner the chat is archived with, silent here)
            _between_two(path, senders, options, chat_name)
            return before, None
        raise ImportFailed(
            path,
            f"--me {options.me!r} matches none of the senders found: {_listed(senders)}; pass one of them as written, "
            f"or the archive's owner {options.owner_name!r} for a chat in which you never wrote",
        )
    for name in senders:
        if _is_archive_owner(name, options):
            return name, None
    if me_is_owner:
        _between_two(path, senders, options, chat_name)
    if senders and not me_is_owner:
        if before is not None and (
            any(_fold(name) == _fold(before) for name in senders) or not _between_two_named(senders, chat_name, region)
        ):
            owner = next((name for name in senders if _fold(name) == _fold(before)), None)
            if owner is not None:
                return owner, Notice(
                    f"{path.name}: you are {_said(owner)!r} in this chat, as an earlier import of it was told"
                    " (--me); pass --me NAME if that is wrong",
                    kind="assumption",
                )
            if options.another_phone:  # (their phone may write you by a contact name: round 18 #2)
                raise ImportFailed(
                    path,
                    f"none of the senders is you by your name or numbers, but the chat {chat_name!r} is archived as"
                    f" yours; senders found: {_listed(senders)}: on the client's phone you may be under the name it"
                    f" gives you (a contact name): pass --me NAME, the sender who is you, as written, or --me"
                    f" {options.owner_name!r} if you wrote nothing in this export",
                )
            return before, Notice(  # (it said "as an earlier import of it was told (--me)", which none was)
                f"{path.name}: none of its senders is you: read as the archive holds this chat, you being"
                f" {_said(before)!r}, silent in this export; pass --me NAME if one of its senders is you",
                kind="assumption",
            )
        if options.another_phone:  # (a client's phone: the thread may be one they had without you)
            client = _client_before(senders, options, chat_name)
            if client is not None:
                return client, Notice(
                    f"{path.name}: read as the thread on the client's phone that you are not in, {_said(client)!r}"
                    " being the client, as an earlier import of it was told (--me); pass --me NAME if that is wrong",
                    kind="assumption",
                )
            if before is not None:  # (archived as your chat with them: their phone names you as it likes)
                raise ImportFailed(
                    path,
                    f"none of the senders is you by your name or numbers, but the chat {chat_name!r} is archived as"
                    f" your chat with them; senders found: {_listed(senders)}: on the client's phone you are under the"
                    " name it gives you (a contact name): pass --me NAME, the sender who is you, as written",
                )
            raise ImportFailed(
                path,
                f"none of the senders is you (the archive's owner {options.owner_name!r}); senders found:"
                f" {_listed(senders)}; on a client's phone, a chat you are not in is imported with --me naming the"
                " client as it writes them, and archived as between others (neither sent nor received by you); if"
                " you are in it under the name their phone gives you, name the chat as your archive does"
                " (--conversation NAME) and pass --me NAME, the sender who is you",
            )
        raise ImportFailed(
            path,
            f"none of the senders is the archive's owner {options.owner_name!r}; senders found: {_listed(senders)}; "
            "pass --me NAME to say which one is you (once: later imports of this chat are read as it says)",
        )
    return normalize_name(options.owner_name or "owner"), None


def _owner_before(options: ImportOptions, chat_name: str) -> str | None:
    """The owner the archive holds this chat with, when it holds it with one only (an earlier import of it
    was given --me). The weekly run reads next week's export of the chat as a person said once, rather than
    refusing it every week (second reader, round 9), even where the owner wrote nothing in it (round 11)."""
    prefix = f"{_fold(chat_name)}|"
    archived = {
        name
        for key, (name, _conv) in options.chat_owners.items()
        if key.startswith(prefix) and not key.endswith(WITHOUT_THE_OWNER)  # (a client's thread the owner is not in)
    }
    return next(iter(archived)) if len(archived) == 1 else None


def _between_two_named(senders: dict[str, int], chat_name: str, region: str) -> bool:
    """The chat is between two people and named after one of them: its other sender is the owner (a phone
    that renamed them), not someone the owner never wrote beside (`_between_two`)."""
    named, _others = _the_chat_is_with(senders, chat_name, region)
    return len(senders) == 2 and len(named) == 1


def _between_two(path: Path, senders: dict[str, int], options: ImportOptions, chat_name: str) -> None:
    """Refuse --me naming the archive's owner, who wrote nothing here, where the chat is with one person
    (it is named after one of its two senders: `_the_chat_is_with`): the other sender is the owner, under the
    name the phone shows for them. Read as said, the owner's own texts would be archived as a third person's,
    incoming (the second reader's finding: an owner named "Alex Rivera" in the archive, "Alex Owner" in
    WhatsApp). A chat with one sender is left as it is: a group where one person alone wrote looks the same."""
    named, others = _the_chat_is_with(senders, chat_name, options.region)
    if _between_two_named(senders, chat_name, options.region):
        raise ImportFailed(
            path,
            f"--me {options.me!r} says you wrote nothing in this chat, but it is a chat with {_said(named[0])!r} in"
            f" which {_said(others[0])!r} wrote too: in a chat between two people that is you; pass --me"
            f" {_said(others[0])!r}",
        )


def _not_beside_the_archive_owner(path: Path, senders: dict[str, int], options: ImportOptions, me: str) -> None:
    """Refuse --me naming a sender other than the archive's owner where the archive's owner (by name, or by one of
    their numbers) wrote in the chat too: the owner's texts would be archived as a third person's, incoming, and
    the other's as the owner's, outgoing — and the chat's key would hold the wrong owner for good, every later
    export read with it (second reader, round 12: a group in which "Alex Owner" wrote, imported with --me "Dr:
    Smith"). So on a client's own phone too (--custodian: round 13): a chat the owner wrote in is read as the
    owner's, the same conversation as the owner's own export of it, and found on the client's phone; --me naming
    the client made it a second copy with every direction reversed. A chat already archived with that owner is
    read as before."""
    if _is_archive_owner(me, options):
        return
    owner = next((name for name in sorted(senders) if _is_archive_owner(name, options)), None)
    if owner is None:
        return
    if options.another_phone:
        raise ImportFailed(
            path,
            f"--me {options.me!r} names {_said(me)!r}, but {_said(owner)!r}, who is you (the archive's owner), wrote in"
            " this chat: a client's own export of it is read as yours, your texts sent and theirs received, the same"
            " chat as your own export of it; give --custodian without --me",
        )
    raise ImportFailed(
        path,
        f"--me {options.me!r} names {_said(me)!r}, but {_said(owner)!r}, who is you (the archive's owner), wrote in"
        f" this chat too: on your own phone's export pass --me {_said(owner)!r} or no --me; an export from a"
        " client's phone is imported with --custodian CLIENT and no --me",
    )


def _not_named_after_the_owner(path: Path, options: ImportOptions, chat_name: str, owner: str) -> None:
    """Refuse a client's own export (--custodian) of a chat its file names after the archive's owner, unless a person
    names the chat (--conversation): on a client's phone their chat with you is named after you, so every client's
    chat with you has that name, and read by it, two clients' chats would be one conversation (second reader,
    round 14). Named as your own archive names the chat (the client's name), it is the same chat as your copy."""
    if options.another_phone and not options.conversation and _fold(chat_name) == _fold(owner):
        raise ImportFailed(
            path,
            f"on the client's phone this chat is named after you ({_said(owner)!r}), as every client's chat with you is:"
            " name it as your archive names your chat with them, with --conversation NAME (their name), so that it is"
            " that chat and never another client's",
        )


def _without_the_owner(senders: dict[str, int], options: ImportOptions, chat_name: str, owner: str) -> tuple[str, bool]:
    """The chat's key, and whether it is a thread of a client's own phone (--custodian, read in the owner's frame)
    that the archive's owner is not in: --me names the client, and neither the owner (by name or by one of their
    numbers) writes in it nor is it named after them (the client and their spouse). Its messages are neither sent
    nor received by the owner: no one in it is the owner, and its key says so, as Android's and iMessage's do, so
    that transcripts and productions say "between others" (it was archived with the client as its owner, their
    texts "outgoing"). A chat archived so by an earlier release is read as before (its key is held)."""
    key = _conversation_key(chat_name, owner)
    alone = (
        options.another_phone
        and key not in options.chat_owners
        and not _is_archive_owner(owner, options)
        and not _is_archive_owner(chat_name, options)
        and not any(_is_archive_owner(name, options) for name in senders)
    )
    return (key + WITHOUT_THE_OWNER, True) if alone else (key, False)


YOU_ON_THEIR_PHONE = "on the client's phone you are "  # (the assumption's words: transcripts find it by them)


def _you_on_their_phone(
    path: Path, options: ImportOptions, chat_name: str, owner: str, before: str | None
) -> tuple[str, str | None, Notice | None]:
    """On a client's phone (--custodian) the owner is the sender their phone names as it likes: a contact name
    ("Atty Park", told with --me in a chat the archive holds as yours with them) or a bare number (one of yours). Their
    copy of your chat with them is that chat all the same: its key and its owner are the ones your archive holds it
    with (or your name, for a chat it does not hold), and that sender is the owner's participant, so each message is
    matched to your own copy of it (second reader, round 17 #4: such an export was archived as a thread between others,
    or refused with advice that looped). A contact name is told: --me naming a sender other than the client, in the
    chat a person named as the archive holds it with you (--conversation). Returns the owner as the key and the
    participants name them, the sender so written where it is another name (else None), and the assumption that
    says so. `before`: `_owner_before`."""
    if not options.another_phone:
        return owner, None, None
    # --me names a sender who is neither the client (a thread they had without you: `_without_the_owner`) nor the
    # owner the archive holds the chat with: the owner as this phone writes them, in a chat the archive holds
    told = (
        bool(options.me)
        and before is not None
        and _fold(owner) == _fold(options.me or "")
        and _fold(owner) not in (_fold(options.custodian or ""), _fold(before or ""))
    )
    if told and options.conversation is None:
        # (a group keeps its name on every phone: round 18 #2, read as a thread without you, archived twice)
        raise ImportFailed(
            path,
            f"the chat {chat_name!r} is archived as yours, and --me {options.me!r} names another sender: if"
            f" {_said(owner)!r} is you as the client's phone writes you, say which chat with --conversation"
            f" {chat_name!r}; if it is a thread you are not in, --me names the client as their phone writes them and"
            " --conversation gives it a name of its own",
        )
    by_number = _is_archive_owner(owner, options) and _fold(owner) != _fold(options.owner_name or "")
    if not (by_number or told) or _fold(owner) == _fold(before or ""):
        return owner, None, None
    held = before or normalize_name(options.owner_name)
    how = "one of your numbers" if by_number else "--me"
    return (
        held,
        owner,
        Notice(
            f"{path.name}: {YOU_ON_THEIR_PHONE}{_said(owner)!r} ({how}): read as {held!r},"
            + (" as your archive holds your chat with them" if before is not None else " your name in your archive")
            + ", each of your texts sent",
            kind="assumption",
        ),
    )


def _client_on_their_phone(
    path: Path,
    senders: dict[str, int],
    options: ImportOptions,
    source_key: str,
    owner: str,
    owner_written: str | None,
    with_the_owner: bool,
) -> tuple[str | None, Participant | None, Notice | None]:
    """On a client's phone (--custodian) the client is the sender their own phone names as it likes (their profile
    name, "Sammy C"). In their copy of a chat the archive holds as yours with them alone (`ImportOptions.chat_others`),
    the one sender besides you is the client, whatever the name: the participant your archive holds them as, so that
    each of their texts is matched to your copy of it (second reader, round 18 #3: such a sender was a third
    participant, and each of their texts was archived twice). In a chat it does not hold yet, named after you on
    their phone (`with_the_owner`: a chat of two) and named as your own phone names it (--conversation: their name
    there), they are that name, the name your own phone's export of the chat writes them by. Either way only where
    that name is the client's (--custodian): a chat named as another person's (--conversation "Bob Smith", a slip)
    would give the client's texts to that person (round 20 #1). Returns that sender as written, the participant, and
    the assumption that says so; (None, None, None) where nothing is read so."""
    if not options.another_phone or not options.custodian:
        return None, None, None
    held = options.chat_others.get(source_key)
    if held is not None:
        why = "the one person besides you in your chat with them as your archive holds it"
    elif with_the_owner and options.conversation and source_key not in options.chat_owners:
        held = (phones.normalize_handle(options.conversation, options.region), normalize_name(options.conversation))
        why = "the name the chat is given (--conversation), as your own phone names them"
    else:
        return None, None, None
    if _fold(held[1] or held[0]) != _fold(options.custodian):  # (only ever the client whose phone it is: round 20 #1)
        return None, None, None
    theirs = [
        name
        for name in senders
        if name != owner_written and _fold(name) != _fold(owner) and not _is_archive_owner(name, options)
    ]
    if len(theirs) != 1:
        return None, None, None
    handle, display = held
    name = theirs[0]
    if phones.normalize_handle(name, options.region) == handle or _fold(name) == _fold(display or ""):
        return None, None, None
    return (
        name,
        Participant(handle, display, False),
        Notice(
            f"{path.name}: on their phone the client is {_said(name)!r}: read as {display or handle!r}, {why}",
            kind="assumption",
        ),
    )


def _client_as(
    path: Path,
    senders: dict[str, int],
    options: ImportOptions,
    chat_name: str,
    source_key: str,
    owner: str,
    alone: bool,
) -> tuple[str | None, Participant | None, Notice | None]:
    """The client on their own phone (--custodian) in a group, or where --client-as names them: the sender who is the
    client, the participant the archive holds them as, and the assumption that says so. A phone writes its own
    person under the name they gave WhatsApp ("Sammy C"), which the owner's copy of a group does not (it writes the
    name the owner's phone gives them): read as written, each of the client's texts in a group was a new person's,
    archived twice beside the owner's copy (second reader, round 19 #6; a group not yet held, round 21 #3).
    --client-as NAME says which sender it is (or, naming the client, that they wrote nothing in this export); with
    none, a client's export of a group in which no sender has the client's name is refused, naming the senders who
    may be them. A sender the archive holds in that chat as a person of their own is never the client (round 21 #4),
    nor is the client silent in a chat of two held with them where another wrote. (None, None, None) where nothing is
    read so (a chat of two: `_client_on_their_phone`; a thread without you: --me is the client)."""
    if not options.another_phone or not options.custodian or alone:
        return None, None, None
    custodian = _fold(options.custodian)
    held = options.chat_people.get(source_key) or (
        [options.chat_others[source_key]] if source_key in options.chat_others else []
    )
    as_held = next(((h, d) for h, d in held if _fold(d or h) == custodian), None)
    held_others = {_fold(d or h) for h, d in held} - {custodian}  # (the others the archive holds in this chat)
    others = [name for name in senders if _fold(name) != _fold(owner) and not _is_archive_owner(name, options)]
    maybe = [name for name in others if _fold(name) not in held_others]  # (who may be the client)
    may_be = f" (one of {_listed(maybe)})" if maybe else ""
    # A chat the archive holds as yours with one other person who is not the client by name ("Bob Smith"): on the
    # client's phone, a chat of yours with them is with the client, so that person is the client as your phone names
    # them, or the chat is another (a slip of --conversation: round 21 #6, the client's texts went into your chat
    # with Bob, and yours there twice)
    named_otherwise = None if as_held is not None else options.chat_others.get(source_key)
    if options.client_as is None and named_otherwise is not None and others and not options.me:
        # (with --me, the texts read as yours that match none of yours are said: `owner_unmatched`, round 19 #7)
        held_name = named_otherwise[1] or named_otherwise[0]
        if not any(_fold(name) == _fold(held_name) for name in senders):
            raise ImportFailed(
                path,
                f"your archive holds {chat_name!r} as your chat with {held_name!r} alone, who is none of the senders of"
                f" this export of the phone of {options.custodian!r} (--custodian): {_listed(senders)}; if it is your"
                " chat with the client, name it as your archive names that chat (--conversation NAME); if"
                f" {held_name!r} is the client as your phone names them, pass --client-as NAME, the sender who is the"
                f" client{may_be}",
            )
    if options.client_as is None:
        group = source_key in options.chat_people or (source_key not in options.chat_others and len(others) > 1)
        if not group or any(_fold(name) == custodian for name in senders):
            return None, None, None
        raise ImportFailed(
            path,
            f"none of the senders is the client {options.custodian!r}, whose phone this is (--custodian), in the group"
            f" {chat_name!r}; senders found: {_listed(senders)}: on their own phone the client is under the name they"
            f" gave WhatsApp: pass --client-as NAME, the sender who is the client, as written{may_be}, or --client-as"
            f" {options.custodian!r} if they wrote nothing in this export",
        )
    want = _fold(options.client_as)
    name = next((name for name in senders if _fold(name) == want), None)
    if name is None and want != custodian:
        raise ImportFailed(
            path,
            f"--client-as {options.client_as!r} matches none of the senders found: {_listed(senders)}; pass one of"
            f" them as written, or the client's name {options.custodian!r} if they wrote nothing in this export",
        )
    if name is None:  # (the client wrote nothing in this export)
        if source_key in options.chat_others and others:  # (a chat of two: the one other sender is the client)
            them = "them" if named_otherwise is None else repr(named_otherwise[1] or named_otherwise[0])
            raise ImportFailed(
                path,
                f"--client-as {options.client_as!r} says the client wrote nothing in this export, but your archive"
                f" holds this chat as yours with {them} alone, and {_said(others[0])!r} wrote in it: that sender is"
                f" the client; pass --client-as {_said(others[0])!r}, or no --client-as",
            )
        return (
            None,
            None,
            Notice(
                f"{path.name}: the client {options.custodian!r} wrote nothing in this export, as --client-as says"
                + (
                    f"; {_listed(maybe)} read as {'people' if len(maybe) > 1 else 'a person'} of their own"
                    if maybe
                    else ""
                ),
                kind="assumption",
            ),
        )
    if _fold(name) == _fold(owner) or _is_archive_owner(name, options):
        raise ImportFailed(path, f"--client-as {options.client_as!r} names you (the archive's owner), not the client")
    if _fold(name) in held_others and named_otherwise is None:  # (else that person, as --client-as says)
        raise ImportFailed(
            path,
            f"--client-as {options.client_as!r} names {_said(name)!r}, whom your archive holds in this chat as a person"
            f" of their own, not the client {options.custodian!r}: pass the sender who is the client, as"
            f" written{may_be}, or --client-as {options.custodian!r} if they wrote nothing in this export",
        )
    handle, display = (
        as_held
        or named_otherwise  # (the one other person of a chat of two held as yours: the client, as --client-as says)
        or (phones.normalize_handle(options.custodian, options.region), normalize_name(options.custodian))
    )
    return (
        name,
        Participant(handle, display, False),
        Notice(
            f"{path.name}: on their phone the client is {_said(name)!r}: read as {display or handle!r}, as --client-as"
            " says",
            kind="assumption",
        ),
    )


def _with_you_silent(path: Path, options: ImportOptions, me: str | None, me_is_owner: bool) -> tuple[str, Notice]:
    """A client's own export (--custodian) of their chat with the owner (its file named after the owner, as a
    client's phone names it), in which the owner wrote nothing (answered by phone): read as the owner's chat with
    them, the owner in it, the client's texts received. It was read with the client as its owner, their texts
    "outgoing": no after-hours text, no opt-out (second reader, round 17)."""
    if me and not me_is_owner:
        raise ImportFailed(
            path,
            f"--me {options.me!r}: on the client's phone this chat is named after you, so it is your chat with them,"
            " in which you wrote nothing in this export; give --custodian without --me",
        )
    return normalize_name(options.owner_name), Notice(
        f"{path.name}: on the client's phone this chat is named after you: read as your chat with them, in which you"
        " wrote nothing in this export (their texts received)",
        kind="assumption",
    )


def _not_your_chat_as_without_you(
    path: Path, options: ImportOptions, chat_name: str, alone: bool, before: str | None
) -> None:
    """Refuse a thread read as one the owner is not in (`_without_the_owner`: --me naming the client) under a name
    (--conversation) the archive holds as the owner's own chat: it would be archived whole a second time, "between
    others", beside the chat it names (second reader, round 18 #8: the client's copy of their chat with the owner,
    read with --me CLIENT --conversation CLIENT). `before`: `_owner_before`."""
    if alone and options.conversation is not None and before is not None:
        raise ImportFailed(
            path,
            f"--me {options.me!r} reads this export as a thread you are not in, but --conversation names"
            f" {chat_name!r}, your own chat (with {_said(before)!r} as you): if this is the client's copy of that"
            " chat, give no --me, or --me NAME naming the sender who is you as their phone writes you; if it is a"
            " thread without you, name it after the other person (--conversation NAME, a new name)",
        )


def _client_before(senders: dict[str, int], options: ImportOptions, chat_name: str) -> str | None:
    """The sender an earlier import of this chat from a client's phone was told is the client (--me), where the archive
    holds it as a thread the owner is not in (`_without_the_owner`), with one such sender: next week's export, or
    the same bytes again, is read as that one was (second reader, round 16)."""
    prefix = f"{_fold(chat_name)}|"
    held = {
        k[len(prefix) : -len(WITHOUT_THE_OWNER)]
        for k in options.chat_owners
        if k.startswith(prefix) and k.endswith(WITHOUT_THE_OWNER)
    }
    named = [name for name in sorted(senders) if _fold(_as_written(name)) in held]
    return named[0] if len(named) == 1 else None


def _not_a_thread_without_you(path: Path, chat_name: str, source_key: str, options: ImportOptions) -> None:
    """Refuse an export read in the owner's frame of a chat the archive holds as a thread on a client's phone that
    the owner is not in (`_without_the_owner`), which would be archived again, whole, as a second conversation
    (second reader, round 16): read from the client's phone without --custodian (a paralegal's slip), the way in is
    --custodian; from the client's phone with the owner in it now (added to the group since), textfile cannot add it
    to that conversation (its earlier messages would be read as sent to the owner), and says so."""
    prefix = f"{_fold(chat_name)}|"
    if source_key + WITHOUT_THE_OWNER in options.chat_owners:
        conv_id = options.chat_owners[source_key + WITHOUT_THE_OWNER][1]
        raise ImportFailed(
            path,
            f"the chat {chat_name!r} is archived as a thread on a client's phone that you are not in (conversation"
            f" {conv_id}, read with --me {options.me!r} and --custodian): import its exports the same way, with"
            f" --custodian CLIENT --me {options.me!r}, or name another chat with --conversation NAME",
        )
    held = sorted(
        c for k, (_n, c) in options.chat_owners.items() if k.startswith(prefix) and k.endswith(WITHOUT_THE_OWNER)
    )
    if options.another_phone and held:
        raise ImportFailed(
            path,
            f"the chat {chat_name!r} is archived as a thread on the client's phone that you were not in (conversation"
            f" {held[0]}), and in this export you write in it (added since?): textfile cannot yet add it to that"
            " conversation, whose messages would be read as sent to you; to archive it apart, as a conversation of"
            " its own, name it with --conversation NAME (another name: the messages both hold are then archived twice)",
        )


def _is_archive_owner(name: str, options: ImportOptions) -> bool:
    """A sender that is the archive's owner: by name, or by one of their numbers."""
    return bool(
        (options.owner_name and _fold(name) == _fold(options.owner_name))
        or phones.normalize_handle(name, options.region) in options.owner_handles
    )


def _not_the_one_it_is_with(
    path: Path, senders: dict[str, int], options: ImportOptions, chat_name: str, me: str
) -> None:
    """Refuse --me naming the person a chat between two people is with (it is named after them): the owner
    is the other sender. Read as said, every message of the client would be archived as the owner's own,
    outgoing, and the chat's key would hold the wrong owner for good (`_same_chat_same_owner`)."""
    named, others = _the_chat_is_with(senders, chat_name, options.region)
    if len(senders) == 2 and named == [me]:
        raise ImportFailed(
            path,
            f"--me {options.me!r} names {_said(me)!r}, the person this chat is with (it is named after them): in a"
            f" chat between two people you are the other sender; pass --me {_said(others[0])!r}",
        )


def _the_chat_is_with(senders: dict[str, int], chat_name: str, region: str) -> tuple[list[str], list[str]]:
    """The senders the chat is named after (its name as written, or the same phone number however the phone
    wrote it: "+1 202 555 0143" and "\u202a+1 202 555\u20110143\u202c"), and the others."""
    key = phones.normalize_handle(chat_name, region)
    named = [n for n in senders if _fold(n) == _fold(chat_name) or phones.normalize_handle(n, region) == key]
    return named, [n for n in senders if n not in named]


def _said(name: str) -> str:
    """A sender as a person would type it: without the marks a phone adds around a number."""
    return phones.clean(name)


def _me(senders: dict[str, int], options: ImportOptions) -> str | None:
    """--me, unless it is one of the owner's own numbers that no sender of this chat is: meant for a phone
    backup in the same command. The chat's owner is then found as without --me (and it fails as then)."""
    me, region, owner_handles = options.me, options.region, set(options.owner_handles)
    if (
        me
        and phones.normalize_handle(me, region) in owner_handles
        and not any(phones.normalize_handle(name, region) in owner_handles for name in senders)
    ):
        return None
    return me


def _listed(senders: dict[str, int]) -> str:
    real = sorted(senders)
    said = [repr(_said(n)) for n in real[:20]]  # (as a person types them: --me takes them so)
    return (", ".join(said) + (f" and {len(real) - 20} more" if len(real) > 20 else "")) or "none"


def _conversation_key(chat_name: str, owner: str) -> str:
    """The chat's name and the owner as written, folded: next week's longer export has the same key."""
    return f"{_fold(chat_name)}|{_fold(_as_written(owner))}"


def _participants(
    senders: dict[str, int],
    owner: str,
    region: str,
    owner_in_it: bool = True,
    owner_written: str | None = None,
    client: tuple[str, Participant] | None = None,
) -> dict[str, Participant]:
    """Each sender as written -> its participant; the owner too when they never wrote ("\x00owner"). In a thread
    the owner is not in (`owner_in_it` false: `_without_the_owner`) no one is the owner. `owner_written`: the sender
    who is the owner under another name on a client's phone (`_you_on_their_phone`): the owner's participant.
    `client`: the sender who is the client under another name on their own phone, and the participant the archive
    holds them as (`_client_on_their_phone`)."""
    owner_fold = _fold(owner) if owner_in_it else None
    participants: dict[str, Participant] = {}
    for name in senders:
        if owner_written is not None and name == owner_written:
            participants[name] = Participant(phones.normalize_handle(owner, region), normalize_name(owner), True)
            continue
        if client is not None and name == client[0]:
            participants[name] = client[1]
            continue
        participants[name] = Participant(
            phones.normalize_handle(name, region), normalize_name(name), _fold(name) == owner_fold
        )
    if owner_in_it and not any(p.is_owner for p in participants.values()):
        participants["\x00owner"] = Participant(phones.normalize_handle(owner, region), normalize_name(owner), True)
    return participants


def _conversation(
    platform: str,
    source_key: str,
    chat: _ChatName,
    participants: dict[str, Participant],
    s: _Survey,
    owner_in_it: bool = True,
) -> Conversation:
    """The conversation: a group when more than one person besides the owner writes (the chat's own
    name as an author is not one), or when a system line speaks of a group; in a thread the owner is not
    in, more than two people."""
    others = [
        p for p in participants.values() if not p.is_owner and _fold(p.display_name or "") not in chat.system_authors
    ]
    return Conversation(
        platform=platform,
        source_key=source_key,
        title=chat.name,
        is_group=len(others) > (1 if owner_in_it else 2) or s.group_hint,
        participants=tuple(participants[k] for k in sorted(participants)),
    )
