"""WhatsApp "Export chat": the .txt, or the .zip with the chat text and its media.

Decisions:
- The file is read twice, streamed in chunks, never held whole: the first pass surveys it (the
  header style, which day/month order its dates allow, who writes), the second yields messages.
  Memory stays flat however long the chat; zip members are streamed the same way, never extracted.
- The zone of the wall clock: --tz; without it, for a chat the archive holds, the zone it was
  last read in (`ImportOptions.chat_zones`, by conversation key, which only the survey settles:
  no second reading), with an assumption saying so and a `Zone` record that the import records;
  else the archive's. A --tz that moves archived messages is refused by ingest unless it corrects.

The package, one rule in one place (read() below ties them together):
  locales.py  every word WhatsApp writes, one block per language (add or fix a language there)
  header.py   the header grammar: the regex, dates and times taken apart by hand
  source.py   the .txt / .zip / unzipped folder, the bytes decoded in chunks, detect()
  media.py    the files of an export: zip members checked, the file a line names, the files none names
  survey.py   pass 1: header style, day/month order (its rules as named functions), sender candidates
  people.py   the chat's name, the senders, the owner
  body.py     a message's text: placeholders, deletions, edits, calls, attachments named
  dst.py      times a DST change made impossible or ambiguous, and the order of lines that tells which
  scan.py     pass 2, the records: the speed tricks live there and nowhere else
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from textfile import phones, times
from textfile.errors import ImportFailed, TextfileError
from textfile.importers.whatsapp.dst import _fall_backs
from textfile.importers.whatsapp.header import _AFTER_NEWLINE, HEADER
from textfile.importers.whatsapp.media import _ZIP_ERRORS, _Media, _media_records
from textfile.importers.whatsapp.people import (
    _as_written,
    _fallback_stem,
    _fold,
    _same_chat_same_owner,
    _senders,
    chat_name_from_file,
    normalize_name,
)
from textfile.importers.whatsapp.scan import _messages
from textfile.importers.whatsapp.source import _open_source, _Source, detect
from textfile.importers.whatsapp.survey import _date_order, _survey
from textfile.model import Conversation, DateOrder, ImportOptions, Notice, Participant, Record, Zone

# What other modules and the tests take from here (the importer's interface is FORMAT … read, detect).
__all__ = [
    "CHAT_NAMED_BY_FILE",
    "EDITS_CHANGE_IDENTITY",
    "FORMAT",
    "HEADER",
    "VERSION",
    "WALL_CLOCK",
    "_AFTER_NEWLINE",
    "_ZIP_ERRORS",
    "_Media",
    "_Source",
    "_fold",
    "_read",
    "chat_name_from_file",
    "detect",
    "normalize_name",
    "read",
]

FORMAT = "whatsapp"
VERSION = "1"
CHAT_NAMED_BY_FILE = True  # the conversation key comes from the file's name (see ingest)
EDITS_CHANGE_IDENTITY = True  # the text is part of a message's identity: an edit between exports is folded (see ingest)
WALL_CLOCK = True  # times carry no zone: read in --tz, or a chat the archive holds in the zone it was last read in (`ImportOptions.chat_zones`)
SENT_BY_THE_PHONE = False  # every line names its sender; the owner is found by name (`--me`)
READS_A_CLIENTS_PHONE = (
    False  # a client's own export is recorded as from their phone (--custodian), not read in the owner's frame
)
COPIES_DIFFER = False  # not matched across phones
JOINS_NUMBERS = False  # senders are names as written


def foreign_entries(folder: Path) -> list[Path]:
    """An unzipped export's folder holds its chat and its media: nothing foreign is read from it."""
    return []


def read(path: Path, options: ImportOptions) -> Iterator[Record]:
    path = Path(path)
    source = _open_source(path)
    try:
        yield from _read(source, options)
    finally:
        source.close()


def _read(source: _Source, options: ImportOptions) -> Iterator[Record]:
    path = source.path
    survey = _survey(source)
    if not survey.headers:
        raise ImportFailed(path, "not a WhatsApp chat export (no line starts with a WhatsApp date and time)")
    style = max(survey.styles, key=lambda k: survey.styles[k])
    region = options.region

    # senders and the owner
    resolved = _senders(survey)
    senders: dict[str, int] = {}
    for prefix, name in resolved.items():
        senders[name] = senders.get(name, 0) + survey.prefixes[prefix]

    # the chat's name
    chat_name = None
    if options.conversation:
        chat_name = normalize_name(options.conversation)
    inner = chat_name_from_file(source.chat_file_name)
    outer = chat_name_from_file(source.container_name) if source.container_name else None
    ios_author = survey.first_author if survey.first_author_system and style == "bracket" else None
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

    # The owner: the conversation key holds the owner's name, so a --me that named nobody would file
    # the same chat under a second key. --me must be a sender, or the archive's owner (who may never
    # have written in the chat), and then it is read exactly as when no --me is given.
    owner_raw = None
    owner_handles = set(options.owner_handles)
    real = sorted(senders)
    listed = (
        ", ".join(repr(n) for n in real[:20]) + (f" and {len(real) - 20} more" if len(real) > 20 else "")
    ) or "none"
    me = options.me
    if (
        me
        and phones.normalize_handle(me, region) in owner_handles
        and not any(phones.normalize_handle(name, region) in owner_handles for name in senders)
    ):
        # One of the owner's own numbers that no sender of this chat is: meant for a phone backup
        # in the same command. The chat's owner is found as without --me (and it fails as then).
        me = None
    me_is_owner = bool(me and options.owner_name and _fold(me) == _fold(options.owner_name))
    if me and not me_is_owner:
        want = _fold(me)
        want_handle = phones.normalize_handle(me, region)
        for name in senders:
            if _fold(name) == want or phones.normalize_handle(name, region) == want_handle:
                owner_raw = name
                break
        if owner_raw is None:
            raise ImportFailed(
                path,
                f"--me {options.me!r} matches none of the senders found: {listed}; pass one of them as written, "
                f"or the archive's owner {options.owner_name!r} for a chat in which you never wrote",
            )
    else:
        want = _fold(options.owner_name) if options.owner_name else None
        for name in senders:
            if (want and _fold(name) == want) or phones.normalize_handle(name, region) in owner_handles:
                owner_raw = name
                break
        if owner_raw is None:
            if real and not me_is_owner:
                raise ImportFailed(
                    path,
                    f"none of the senders is the archive's owner {options.owner_name!r}; senders found: {listed}; "
                    "pass --me NAME to say which one is you",
                )
            owner_raw = normalize_name(options.owner_name or "owner")

    owner_fold = _fold(owner_raw)
    owner_key = _fold(_as_written(owner_raw))
    source_key = f"{_fold(chat_name)}|{owner_key}"
    _same_chat_same_owner(path, chat_name, source_key, normalize_name(owner_raw), options)

    order, notice = _date_order(source, survey, options, options.chat_date_orders.get(source_key))
    if (
        source_key in options.chat_owners
    ):  # (a chat the archive holds: ingest names the order where it would move its messages)
        yield DateOrder(order)

    # The zone: --tz, the zone this chat was last read in (no --tz given), or the archive's.
    read_in = options.chat_zones.get(source_key)
    if read_in and read_in != options.tz:
        yield Zone(read_in)
        yield Notice(
            f"{path.name}: times read as wall-clock times in {read_in}, the zone this chat's messages were last read in,"
            f" not the archive's {options.tz}; pass --tz to read the export in another zone (with --corrects-tz if that"
            " zone corrects the earlier reading)",
            kind="assumption",
        )
        options = replace(options, tz=read_in)
    try:
        tz = times.zone(options.tz)
    except TextfileError as exc:
        raise ImportFailed(path, str(exc)) from None

    participants: dict[str, Participant] = {}
    for name in senders:
        raw = normalize_name(name)
        is_owner = _fold(name) == owner_fold
        participants[name] = Participant(phones.normalize_handle(name, region), raw, is_owner)
    if not any(p.is_owner for p in participants.values()):
        participants["\x00owner"] = Participant(
            phones.normalize_handle(owner_raw, region), normalize_name(owner_raw), True
        )
    others = [p for p in participants.values() if not p.is_owner and _fold(p.display_name or "") not in system_authors]
    is_group = len(others) > 1 or survey.group_hint
    conversation = Conversation(
        platform=FORMAT,
        source_key=source_key,
        title=chat_name,
        is_group=is_group,
        participants=tuple(participants[k] for k in sorted(participants)),
    )

    if survey.undecodable.count:
        yield survey.undecodable.notice(path.name, source.encoding)
    if notice is not None:
        yield notice
    if name_notice is not None:
        yield name_notice

    yield from _messages(
        source,
        options,
        conversation,
        participants,
        resolved,
        style,
        order,
        tz,
        system_authors,
        order not in survey.out_of_order,
        _fall_backs(survey.backs[order], tz),
    )
    yield from _media_records(source, conversation)
