"""WhatsApp "Export chat": the .txt, or the .zip with the chat text and its media.

Decisions:
- The file is read twice, streamed in chunks, never held whole: the first pass surveys it (the
  header style, which day/month order its dates allow, who writes), the second yields messages.
  Memory stays flat however long the chat; zip members are streamed the same way, never extracted.
- The zone of the wall clock: --tz; without it, for a chat the archive holds, the zone it was
  last read in on the same phone (`ImportOptions.chat_zones`, by conversation key, which only the
  survey settles: no second reading), with an assumption saying so and a `Zone` record that the
  import records; else the archive's. A --tz that moves archived messages is refused by ingest
  unless it corrects. A client's export of the same chat (--custodian) is matched to the owner's
  copies by its identity where both phones write the same wall clock, else by sender, text and
  time (`COPIES_DIFFER`: phones in other zones, an Android's minutes against an iPhone's seconds).

The package, one rule in one place (read() below ties them together):
  locales.py     every word WhatsApp writes, one block per language (add or fix a language there)
  header.py      the header grammar: the regex, dates and times taken apart by hand
  source.py      the .txt / .zip / unzipped folder: the chat text and the files beside it, detect()
  decoding.py    the chat text's bytes decoded in chunks, the bytes that are not text
  media.py       the files of an export: zip members checked, the file a line names, the files none names
  survey.py      pass 1: header styles (the file's own: the lines of others are text), what the dates say
                 about day/month order, sender candidates
  date_order.py  the day/month order: its rules as named functions, tried in turn
  people.py      the chat's name, the senders, the owner, the participants and the conversation they make
  body.py        a message's text: placeholders, deletions, edits, calls, attachments named
  dst.py         times a DST change made impossible or ambiguous, and the order of lines that tells which
  identity.py    a message's identity, and its occurrence counted in flat memory
  scan.py        pass 2, the records: the speed tricks live there and nowhere else
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import replace
from datetime import tzinfo
from pathlib import Path

from textfile import times
from textfile.errors import ImportFailed, TextfileError
from textfile.importers.whatsapp.date_order import _date_order, _proven_by_dates, _refuse_lines_read_otherwise
from textfile.importers.whatsapp.dst import _fall_backs
from textfile.importers.whatsapp.header import _AFTER_NEWLINE, HEADER
from textfile.importers.whatsapp.media import _ZIP_ERRORS, _Media, _media_records
from textfile.importers.whatsapp.people import (
    _chat_name,
    _client_as,
    _client_on_their_phone,
    _conversation,
    _fold,
    _is_archive_owner,
    _not_a_thread_without_you,
    _not_named_after_the_owner,
    _not_your_chat_as_without_you,
    _owner,
    _owner_before,
    _participants,
    _same_chat_same_owner,
    _sender_counts,
    _senders,
    _without_the_owner,
    _you_on_their_phone,
    chat_name_from_file,
    normalize_name,
)
from textfile.importers.whatsapp.scan import _messages
from textfile.importers.whatsapp.source import _export_folder, _NotOneExport, _open_source, _Source, detect
from textfile.importers.whatsapp.survey import _other_styles, _Survey, _survey
from textfile.model import DateOrder, ImportOptions, Notice, Record, Zone

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
    "begin",
    "chat_name_from_file",
    "detect",
    "read",
    "read_from",
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
# each phone's export of a chat writes its times on that phone's clock, in its own format (an Android's minutes, an
# iPhone's seconds): where they differ, its records are matched to another phone's copies (ingest/writer/copies.py)
COPIES_DIFFER = True
JOINS_NUMBERS = False  # senders are names as written


def foreign_entries(folder: Path) -> list[Path]:
    """An unzipped export's folder holds its chat and its media: nothing foreign is read from it."""
    return []


def read_from(folder: Path) -> Path | None:
    """An unzipped export's chat text, the file its messages are read from (its media are beside it);
    None where the folder is not one export (reading it says why)."""
    try:
        return _export_folder(folder)
    except _NotOneExport:
        return None


def begin(path: Path) -> tuple[_Source, _Survey]:
    """What can be read of the export before the import says how to read it: the source opened, and the
    survey (pass 1, which reads the whole file and needs no option). A reading process started early does
    it while the import opens the archive and works out its options (`ReaderProcess.start_early`); `read`
    then goes on from it."""
    source = _open_source(Path(path))
    try:
        return source, _survey(source)
    except BaseException:
        source.close()
        raise


def read(path: Path, options: ImportOptions, begun: tuple[_Source, _Survey] | None = None) -> Iterator[Record]:
    source, survey = begun if begun is not None else (_open_source(Path(path)), None)
    try:
        yield from _read(source, options, survey)
    finally:
        source.close()


def _read(source: _Source, options: ImportOptions, survey: _Survey | None = None) -> Iterator[Record]:
    """The two passes: the survey (done already, where given), what it settles (the senders, the chat, the
    owner, the day/month order, the zone), then the records."""
    path = source.path
    if survey is None:
        survey = _survey(source)
    if not survey.headers:
        raise ImportFailed(path, "not a WhatsApp chat export (no line starts with a WhatsApp date and time)")
    style = survey.style
    resolved = _senders(survey)
    senders = _sender_counts(survey, resolved)
    chat = _chat_name(source, survey, style, options)
    before = _owner_before(options, chat.name)  # (the owner the archive holds this chat with)
    file_names = _chat_names_in_file_names(source)
    owner, owner_notice = _owner(
        path, senders, options, chat.name, _named_after_the_owner(file_names, options), before=before
    )
    _not_named_after_the_owner(path, options, chat.name, owner)
    owner, owner_written, you_notice = _you_on_their_phone(path, options, chat.name, owner, before)
    source_key, alone = _without_the_owner(senders, options, chat.name, owner)
    _not_your_chat_as_without_you(path, options, chat.name, alone, before)
    if not alone:
        _same_chat_same_owner(path, chat.name, source_key, normalize_name(owner), options)
        _not_a_thread_without_you(path, chat.name, source_key, options)
    said = options.chat_date_orders.get(source_key)
    order, order_notice = _date_order(source, survey, options, said, source_key in options.chat_owners)
    _refuse_lines_read_otherwise(source, survey, options, order, options.chat_date_orders_given.get(source_key, {}))
    # (a chat the archive holds: ingest names the order where it would move its messages)
    if source_key in options.chat_owners:
        yield DateOrder(order, _proven_by_dates(survey, order))
    options, tz = yield from _zone(path, options, source_key)
    client_written, client, client_notice = _client_as(path, senders, options, chat.name, source_key, owner, alone)
    if client is None and options.client_as is None:
        client_written, client, client_notice = _client_on_their_phone(
            path,
            senders,
            options,
            source_key,
            owner,
            owner_written,
            _named_after_the_owner(file_names, options, owner_written),
        )
    participants = _participants(
        senders,
        owner,
        options.region,
        owner_in_it=not alone,
        owner_written=owner_written,
        client=None if client is None else (client_written, client),
    )
    conversation = _conversation(FORMAT, source_key, chat, participants, survey, owner_in_it=not alone)
    if survey.undecodable.count:
        yield survey.undecodable.notice(path.name, source.encoding)
    styles_notice = _other_styles(survey, path.name)
    if styles_notice is not None:
        yield styles_notice
    if order_notice is not None:
        yield order_notice
    if chat.notice is not None:
        yield chat.notice
    if owner_notice is not None:
        yield owner_notice
    if you_notice is not None:
        yield you_notice
    if client_notice is not None:
        yield client_notice
    yield from _messages(
        source,
        options,
        conversation,
        participants,
        resolved,
        style,
        order,
        tz,
        chat.system_authors,
        order not in survey.out_of_order,
        _fall_backs(survey.backs[order], tz),
    )
    yield from _media_records(source, conversation)


def _chat_names_in_file_names(source: _Source) -> list[str]:
    """The chat names the export's own file names give (the .txt's, and the .zip's it came in), not --conversation."""
    names = [chat_name_from_file(source.chat_file_name)]
    if source.container_name:
        names.append(chat_name_from_file(source.container_name))
    return [name for name in names if name]


def _named_after_the_owner(file_names: list[str], options: ImportOptions, written: str | None = None) -> bool:
    """The export's file names (`_chat_names_in_file_names`) name the chat after the archive's owner (or `written`,
    the sender who is the owner on this phone), as a client's phone names their chat with the owner."""
    return any(
        _is_archive_owner(name, options) or (written is not None and _fold(name) == _fold(written))
        for name in file_names
    )


def _zone(path: Path, options: ImportOptions, source_key: str) -> Generator[Record, None, tuple[ImportOptions, tzinfo]]:
    """The zone the wall clocks are read in: --tz, the zone this chat was last read in (no --tz
    given), or the archive's. Yields the records that say so; returns the options with it, and the zone."""
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
        return options, times.zone(options.tz)
    except TextfileError as exc:
        raise ImportFailed(path, str(exc)) from None
