"""The import policy: which importer reads a source, what it is told, what the archive remembers of the
chats it may read, whether a second process reads it — then one transaction writes it (`ingest`).

Where the identity holds the time as written (WhatsApp's wall clocks), given no zone, an importer of
wall clocks reads a chat the archive holds in the zone it was last read in (`_chat_zones`), and says
which (`Zone`); given no day/month order, in the order a person last gave for it, and given or not, it is
told every order a person gave for it, to refuse a reading that makes messages of other lines (`_chat_date_orders`);
and it refuses to read a chat the archive holds with another person as its owner (`_chat_owners`: the
key holds the owner, so it would be a second copy). An importer that joins numbers (Android) is told
the keys and the numbers the archive already holds (`_numbers_read_before`). WhatsApp names a chat after
its file: the same bytes under another name go where they went before (`_chat_of_same_bytes`).

A `--tz` given for a format whose times are instants (Android, iMessage: each carries its own offset)
reads nothing: the import records the archive's zone, as it does without `--tz`, and says the zone given
was not used (`_zone`) — not refused, since one `import` takes any mix of formats with one `--tz` for its
WhatsApp chats. The archive run's `--tz` is, by its own definition, for the WhatsApp exports of an inbox
that mixes formats: it is left unused for the others without a word (`tz_for_wall_clocks`). So is a `--me`
its importer does not read (`_me`): an iMessage database from the owner's own device marks what they sent
and the handle each went from, and an Android backup takes --me as the phone's number, never a name; the
archive run's `--me`, by its own definition a WhatsApp name or an Android number, is left unused for the
others without a word too (`me_where_read`).
"""

from __future__ import annotations

import hashlib
import itertools
import os
from dataclasses import replace
from pathlib import Path

from textfile import processes, times
from textfile.archive import Archive
from textfile.errors import ImportFailed, TextfileError
from textfile.fingerprint import canonical_json, file_digest, tree_listing
from textfile.importers import REGISTRY, by_name, detect
from textfile.ingest.custodian import CustodianPhone, _same_phone_as_before, client_named, whose_phone
from textfile.ingest.reader import ReaderProcess
from textfile.ingest.transaction import ImportResult, Progress, Source, ingest
from textfile.model import DATE_ORDERS, ImportOptions, Notice, between_others, the_owners_phone
from textfile.phones import address, is_email, validate_region

# Sources at least this big (~30,000 WhatsApp messages) are read by a second process (`ReaderProcess`);
# a smaller one is read in less time than that process takes to start.
PARALLEL_MIN_BYTES = 4 << 20


# What the reading process imports (`warm_up`): every importer (which one a source needs is known later).
READERS = [f"textfile.importers.{name}" for name in REGISTRY]


def warm_up(paths: list[Path], format: str | None = None) -> None:
    """When one of `paths` is a file large enough to be read by a second process, start now what that process
    is forked from (the forkserver, the reading modules imported), so that it starts while this one opens
    the archive and works out what the importer is told, not after: on a 200,000-message export, ~0.2 s of
    the import's start during which the second core was idle. When the first of them is, and its importer
    can read some of it before it is told how (`begin`: WhatsApp's survey), its reading process starts now
    too (`ReaderProcess.start_early`), and its import takes it. Anything that stops it is met again, and
    handled, when the reading process starts (`ReaderProcess.start`)."""
    if not ReaderProcess.possible():
        return
    try:
        if not any(path.is_file() and path.stat().st_size >= PARALLEL_MIN_BYTES for path in paths):
            return
        processes.start_forkserver(["__main__", "textfile.ingest.reader", *READERS])
        first = paths[0]
        if first.is_file() and first.stat().st_size >= PARALLEL_MIN_BYTES:
            ReaderProcess.start_early(by_name(format) if format else detect(first), first)
    except Exception:  # noqa: BLE001 — an unreadable path, no socket folder, no format: left to the import to meet
        return


def own_name(path: Path) -> str:
    """A source's file name as recorded: its own, also where it was given as "." or "backup/.." (whose name is "" or "..")."""
    return Path(os.path.abspath(path)).name


def source_digest(path: Path) -> tuple[int, str]:
    """Size and sha256 of a file; for a folder (a phone backup), of the listing of its files
    with each file's size and modification time (reading every byte of a backup would cost more
    than the import)."""
    if path.is_file():
        return file_digest(path)
    return _listing_digest(tree_listing(path))


def _listing_digest(listing: list[tuple[str, int, int]]) -> tuple[int, str]:
    """A folder's size (its files' total) and the sha256 of its listing (`tree_listing`)."""
    size = sum(entry[1] for entry in listing)
    # (a tuple encodes as the list it was: digests of archived folders unchanged)
    return size, hashlib.sha256(canonical_json(listing).encode()).hexdigest()


def _digest(path: Path, module, digest: tuple[int, str] | None) -> tuple[int, str, dict | None]:
    """The source's size and sha256 (`source_digest`, or `digest` where the caller has just computed
    it) and, for a folder, what its imports row records of it beside them (`_folder`), from the same
    listing the sha256 is of: a folder that changed since the caller hashed it is refused, or the row
    would describe another listing than the one its sha256 is of."""
    if path.is_file():
        return *(digest or file_digest(path)), None
    listing = tree_listing(path)
    size, sha = _listing_digest(listing)
    if digest is not None and tuple(digest) != (size, sha):
        raise ImportFailed(path, "the folder changed while it was being read; import it again")
    return size, sha, _folder(path, module, listing) if path.is_dir() else None


def _folder(path: Path, module, listing: list[tuple[str, int, int]]) -> dict:
    """What an import records of a folder in its options ("folder"), beside its size and sha256, which
    are its files' total and the sha256 of its listing (each file's name, size and modification time,
    not their content): how many files it lists, and the file of it the messages are read from where
    the importer names one (`read_from`: an unzipped WhatsApp export's chat text), with that file's own
    size and sha256, the one hash of content such a record holds. What a certification or a transcript
    says of the source's hash is read from here."""
    folder: dict = {"files": len(listing)}
    read_from = module.read_from(path)
    if read_from is not None:
        size, sha = file_digest(read_from)
        folder["read_from"] = {"file": read_from.relative_to(path).as_posix(), "size": size, "sha256": sha}
    return folder


def import_path(
    archive: Archive,
    path: str | os.PathLike,
    *,
    format: str | None = None,
    tz: str | None = None,
    region: str | None = None,
    me: str | None = None,
    client_as: str | None = None,
    date_order: str | None = None,
    conversation: str | None = None,
    attachments_root: str | os.PathLike | None = None,
    custodian: str | None = None,
    progress: Progress | None = None,
    digest: tuple[int, str] | None = None,
    parallel: bool = False,
    corrects_tz: bool = False,
    corrects_reading: bool = False,
    tz_for_wall_clocks: bool = False,
    me_where_read: bool = False,
) -> ImportResult:
    """Import one export file or folder; raises ImportFailed (archive unchanged) when it cannot.
    `digest` is the source's (size, sha256) when the caller has just computed it (no second read).
    `corrects_tz`: `tz` corrects the zone an earlier import read the same messages in; `corrects_reading`:
    this import's reading of the wall clock (its zone, its date order, how it reads a time as written)
    corrects an earlier import's reading of the same messages (see _Writer.changed).
    `tz_for_wall_clocks`: `tz` was given for the formats whose times are wall clocks only (the archive run's,
    for every WhatsApp export of its inbox): where this source's times are instants it is not used, unsaid.
    `me_where_read`: `me` was given for the sources that read it only (the archive run's, a WhatsApp name or an
    Android number): where this source's importer does not read it, it is not used, unsaid.
    `parallel`: a large source may be read by a second process (`ReaderProcess`). Only for callers
    whose main script is guarded by `if __name__ == "__main__"` (the CLI): the forkserver that
    starts that process imports the main script again."""
    path = Path(path)
    try:
        times.zone(tz or archive.settings.tz)
        region = validate_region(region or archive.settings.region)
        check_date_order(date_order)
        module = by_name(format) if format else detect(path)
        tz, tz_unused = _zone(archive, module, tz, tz_for_wall_clocks)
        zone_name = tz or archive.settings.tz
        phone = whose_phone(archive, path, module, custodian, me, region)
        if phone is not None:
            custodian = phone.name
        options = _reading_options(
            archive, module, phone, zone_name, region, tz, me, date_order, conversation, attachments_root, custodian
        )
        if phone is None and custodian and custodian.strip().casefold() != archive.settings.owner_name.casefold():
            phone = _clients_export(archive, path, custodian)
            custodian = phone.name
            # (a format read as written: WhatsApp; the client named, as their phone may write them)
            options = replace(options, another_phone=True, custodian=custodian, client_as=client_as)
        try:
            size, sha, folder = _digest(path, module, digest)
        except OSError as exc:
            raise ImportFailed(path, f"cannot read: {exc.strerror or exc}") from None
        recorded = _given(
            tz=tz,  # (a zone a person gave: the transcript says it was given, not assumed; round 21 #9)
            me=me,
            client_as=client_as,
            date_order=date_order,
            conversation=conversation,
            attachments_root=str(attachments_root) if attachments_root else None,
            corrects_tz=corrects_tz,
            corrects_reading=corrects_reading,
            folder=folder,
        )
        named_before: list[Notice] = []
        if conversation is None and module.CHAT_NAMED_BY_FILE:
            options, recorded = _same_bytes_same_chat(archive, module.FORMAT, sha, options, recorded)
            if options.conversation is None and not options.another_phone:  # (a client's file names the owner)
                options, recorded, named_before = _named_as_before(archive, module.FORMAT, path, options, recorded)
        source = _source(
            path,
            size,
            sha,
            module,
            zone_name,
            region,
            custodian,
            recorded,
            phone,
            corrects_tz,
            corrects_reading,
            zone_given=tz is not None,
        )
        said = [Notice(phone.assumed, "assumption")] if phone and phone.assumed else []
        said += named_before
        said += tz_unused
        said += _me(archive, module, me, phone, region, me_where_read)
        if client_as is not None and not options.another_phone:
            said.append(
                Notice(
                    f"--client-as {client_as!r} was not used: it names the client in a WhatsApp export of their own"
                    " phone (--custodian CLIENT); another format gives each person's number"
                )
            )
        _same_phone_as_before(archive, source)  # (WhatsApp too: a client's export again as the owner's, round 17)
        return _read_and_write(archive, module, path, options, source, said, size, parallel, progress)
    finally:
        ReaderProcess.discard_early()  # (started for this source by `warm_up`, and not taken: it failed first)


# What each format whose times are instants writes them as (`_zone`'s warning).
_INSTANTS = {
    "android": "an Android backup's times are instants (Unix milliseconds, UTC)",
    "imessage": "an iMessage database's times are instants (counted from 2001-01-01 UTC)",
}


def _zone(archive: Archive, module, tz: str | None, for_wall_clocks: bool) -> tuple[str | None, list[Notice]]:
    """The --tz this import reads in: `tz` where the format's times are wall clocks (WhatsApp); None (the
    archive's zone is recorded, as without --tz) where they are instants, which carry their own offset, with a
    warning that the zone given was not used, unless it was given for wall clocks only (`for_wall_clocks`)."""
    if tz is None or module.WALL_CLOCK:
        return tz, []
    if for_wall_clocks:
        return None, []
    what = _INSTANTS.get(module.FORMAT, f"a {module.FORMAT} export's times are instants")
    return None, [
        Notice(
            f"--tz {tz} was not used: {what}, which carry their own offset; --tz gives the zone of WhatsApp's"
            f" wall-clock times. The import records the archive's zone, {archive.settings.tz}, as without --tz"
        )
    ]


def _me(
    archive: Archive, module, me: str | None, phone: CustodianPhone | None, region: str, where_read: bool
) -> list[Notice]:
    """A warning that the --me given was not used, where this source's importer does not read it: an iMessage
    database from the owner's own device (it marks what they sent, and names the handle each went from) —
    with how to make --me one of the owner's handles where it is none of them — and an Android backup given
    a --me that is no number or email (it reads --me as the phone's number: a name is for a WhatsApp chat in
    the same command). Nothing where it was given for the sources that read it only (`where_read`), or for a
    client's phone (`phone`), whose handle it is."""
    if me is None or phone is not None or where_read:
        return []
    handle = address(me, region)
    if module.FORMAT == "imessage":
        why = (
            "an iMessage database marks the messages its owner sent and names the handle each went from; --me names"
            " the handle of a client's phone, with --custodian"
        )
        if handle is not None and handle not in archive.settings.owner_handles:
            add = "--add-email" if is_email(handle) else "--add-phone"
            why += (
                f". {handle} is not one of the archive's own numbers or emails: textfile settings {add} {handle}"
                " makes it one of yours"
            )
    elif module.FORMAT == "android" and handle is None:
        why = (
            f"an Android backup takes --me as the number of the phone it came from, and this is no phone number (in"
            f" region {region}) or email; a name in --me is for WhatsApp chats"
        )
    else:
        return []
    return [Notice(f"--me {me!r} was not used: {why}")]


def check_date_order(date_order: str | None) -> None:
    """--date-order, where given, one of DATE_ORDERS; a clear error for anything else."""
    if date_order is not None and date_order not in DATE_ORDERS:
        raise TextfileError(f"--date-order must be dmy, mdy or ymd, not {date_order!r}")


def _given(**options) -> dict:
    """The options the `imports` row records: those given (a flag, when set), and what a folder is (`_folder`)."""
    return {k: v for k, v in options.items() if v}


def _reading_options(
    archive: Archive,
    module,
    phone: CustodianPhone | None,
    zone_name: str,
    region: str,
    tz: str | None,
    me: str | None,
    date_order: str | None,
    conversation: str | None,
    attachments_root: str | os.PathLike | None,
    custodian: str | None = None,
) -> ImportOptions:
    """What the importer is told: the reading asked for, whose phone, and what the archive remembers of
    the chats it may read."""
    settings = archive.settings
    wall_clock = module.WALL_CLOCK
    return ImportOptions(
        tz=zone_name,
        region=region,
        owner_name=settings.owner_name,
        owner_handles=frozenset(settings.owner_handles),
        me=phone.number if phone else me,
        custodian=phone.name if phone else None,
        custodian_handles=phone.handles if phone else frozenset(),
        date_order=date_order,
        conversation=conversation,
        attachments_root=Path(attachments_root).expanduser() if attachments_root else None,
        # With no --tz, a chat the archive holds is read in the zone it was last read in, with no
        # --date-order in the order a person gave for it (the importer knows which chat a source is only
        # once it has read it); a correction corrects to the zone and the order given.
        chat_zones=_chat_zones(archive, module.FORMAT, zone_name, phone.name if phone else custodian)
        if tz is None and wall_clock
        else {},
        **(_chat_date_orders(archive, module.FORMAT, date_order) if wall_clock else {}),
        chat_owners=_chat_owners(archive, module.FORMAT) if module.CHAT_NAMED_BY_FILE else {},
        **(_chat_people(archive, module.FORMAT) if module.CHAT_NAMED_BY_FILE and phone is None and custodian else {}),
        **(_numbers_read_before(archive, module.FORMAT) if module.JOINS_NUMBERS else {}),
    )


def _same_bytes_same_chat(
    archive: Archive, format: str, sha: str, options: ImportOptions, recorded: dict
) -> tuple[ImportOptions, dict]:
    """WhatsApp names a chat after its file: the same bytes under a copy's name ("… copy.zip",
    "… 2.zip") must land in the chat they landed in before, not in a second one."""
    same_chat = _chat_of_same_bytes(archive, format, sha)
    if same_chat is None:
        return options, recorded
    title, earlier = same_chat
    return replace(options, conversation=title), recorded | {"conversation": title, "same_bytes_as": earlier}


def _named_as_before(
    archive: Archive, format: str, path: Path, options: ImportOptions, recorded: dict
) -> tuple[ImportOptions, dict, list[Notice]]:
    """WhatsApp names a chat after its file: an export whose file names a chat the archive does not hold, as an
    earlier one did that was told which chat it is (`--conversation`: a group renamed since it was archived, "…
    Lease Committee 2024.txt"), goes into that chat, as the latest such import was told, every week (an archive run
    has no --conversation), said as an assumption; `--conversation` names another. A chat the archive holds under
    the file's name is that chat, whatever another file of that name was told (a second "John", told apart with
    --conversation, never takes the first John's exports: second reader, round 8, 1)."""
    from textfile.importers.whatsapp.people import _fold, chat_name_from_file

    name = chat_name_from_file(own_name(path))
    if name is None:
        return options, recorded, []
    held = {
        key.split("|", 1)[0]
        for (key,) in archive.conn.execute("SELECT source_key FROM conversations WHERE platform = ?", (format,))
    }
    if _fold(name) in held:
        return options, recorded, []
    for (
        earlier,
        file_name,
        told,
    ) in archive.conn.execute(  # (only what a person said: not what this rule or the bytes did)
        "SELECT id, file_name, json_extract(options, '$.conversation') FROM imports WHERE format = ?"
        " AND json_extract(options, '$.conversation') IS NOT NULL AND json_extract(options, '$.same_bytes_as') IS NULL"
        " AND json_extract(options, '$.named_as') IS NULL"
        # (not a client's phone's: its file names the owner, whichever client's chat it is: round 14)
        f" AND {the_owners_phone('custodian')} ORDER BY id DESC",
        (format,),
    ):
        if told != name and (chat_name_from_file(file_name) or "").casefold() == name.casefold():
            notice = Notice(
                f"{own_name(path)} names the chat {name!r}: imported into the chat {told!r}, as import {earlier} of a file"
                f" naming it so was told (--conversation {told!r}); pass --conversation NAME if it is another chat",
                "assumption",
            )
            return replace(options, conversation=told), recorded | {"conversation": told, "named_as": earlier}, [notice]
    return options, recorded, []


def _clients_export(archive: Archive, path: Path, custodian: str) -> CustodianPhone:
    """A client's own export of a format read as written (WhatsApp: every line names its sender), as
    `import_custodians` records it: the client, who must be one, and no number (the export gives none).
    Its messages are found on the client's phone, not the owner's: a production's `found_on` and `deletable`
    said the owner's (second reader, round 16)."""
    row = client_named(archive, path, custodian)
    return CustodianPhone(row["id"], row["name"], frozenset(), "", None)


def _source(
    path: Path,
    size: int,
    sha: str,
    module,
    zone_name: str,
    region: str,
    custodian: str | None,
    recorded: dict,
    phone: CustodianPhone | None,
    corrects_tz: bool,
    corrects_reading: bool,
    *,
    zone_given: bool,
) -> Source:
    """What the `imports` row says of this source, and what the writer must know of its format."""
    return Source(
        str(path),
        own_name(path),
        size,
        sha,
        module.FORMAT,
        module.VERSION,
        zone_name,
        region,
        custodian,
        recorded,
        fold_edits=module.EDITS_CHANGE_IDENTITY,
        wall_clock=module.WALL_CLOCK,
        corrects_tz=corrects_tz,
        corrects_reading=corrects_reading,
        zone_given=zone_given,
        owner_numbers=module.JOINS_NUMBERS and phone is None,
        custodian_client=phone.client_id if phone else None,
        custodian_phone=phone.number if phone else None,
        copies_differ=module.COPIES_DIFFER,
        sent_by_the_phone=module.SENT_BY_THE_PHONE,
    )


def _read_and_write(
    archive: Archive,
    module,
    path: Path,
    options: ImportOptions,
    source: Source,
    said: list[Notice],
    size: int,
    parallel: bool,
    progress: Progress | None,
) -> ImportResult:
    """The importer's records (read here, or by a second process for a large source) written in one
    transaction; whatever goes wrong is an ImportFailed, the archive unchanged."""
    try:
        reader = ReaderProcess.start(module, path, options) if parallel and size >= PARALLEL_MIN_BYTES else None
        if reader is None:
            return ingest(
                archive,
                source,
                [*said, *module.read(path, options)] if said else module.read(path, options),
                progress=progress,
            )
        with reader as records:
            result = ingest(archive, source, itertools.chain(said, records), progress=progress)
        result.reader = reader.stats
        return result
    except TextfileError as exc:
        if isinstance(exc, ImportFailed):
            raise
        raise ImportFailed(path, str(exc)) from None
    except (KeyboardInterrupt, MemoryError):
        raise
    except Exception as exc:  # a bug in an importer must not reach the user as a traceback
        raise ImportFailed(
            path, f"internal error while importing ({type(exc).__name__}: {exc}); nothing was imported"
        ) from exc


def _chat_zones(archive: Archive, platform: str, zone: str, custodian: str | None) -> dict[str, str]:
    """The zone each conversation of `platform` was last read in on this phone (that of its latest message an
    import of the phone read first: `custodian`'s, the owner's when None), where it is not `zone`, by conversation
    key (`ImportOptions.chat_zones`). A phone's clock is its own: the same chat on a client's phone in Chicago
    and the owner's in New York is read in each phone's zone, never in the other's (second reader, round 17 #3:
    the owner's export was read in the zone a client's export had been given)."""
    owners = custodian is None or custodian.strip().casefold() == archive.settings.owner_name.strip().casefold()
    mine = "SELECT id FROM imports WHERE format = ?1 AND" + (
        f" {the_owners_phone('custodian')}" if owners else " lower(custodian) = lower(?2)"
    )
    return {
        key: read_in
        for key, read_in in archive.conn.execute(
            # (walked back from its latest message in time order, `+` keeping the query on that index: the
            # messages another phone's import read first are few; a client's phone asks only its own chats)
            f"WITH mine AS ({mine}) SELECT c.source_key, (SELECT m.source_zone FROM messages m"
            " WHERE m.conversation_id = c.id AND +m.import_id IN mine ORDER BY m.sent_at DESC, m.rowid DESC LIMIT 1)"
            " FROM conversations c WHERE c.platform = ?1"
            + ("" if owners else " AND c.id IN (SELECT x.conversation_id FROM messages x WHERE x.import_id IN mine)"),
            (platform,) if owners else (platform, custodian.strip()),
        )
        if read_in and read_in != zone
    }


def _chat_date_orders(archive: Archive, platform: str, date_order: str | None) -> dict:
    """Every day/month order a person gave for each conversation of `platform` (`--date-order`, or a correction of
    the reading to another order), by conversation key, each with where it was last said, the latest last
    (`ImportOptions.chat_date_orders_given`: a reading that would make messages of other lines than one of them did
    is refused); with no `date_order`, the latest (`ImportOptions.chat_date_orders`, which the chat is read in). An
    import that read a chat by this memory says nothing new: the import that was told is still the one found."""
    given: dict[str, dict[str, str]] = {}
    for key, order, corrected, import_id in archive.conn.execute(
        "SELECT (SELECT c.source_key FROM message_sources s JOIN messages m ON m.id = s.message_id JOIN conversations c"
        " ON c.id = m.conversation_id WHERE s.import_id = i.id LIMIT 1), json_extract(i.options, '$.date_order'),"
        " json_extract(i.options, '$.corrected.date_order.to'), i.id FROM imports i WHERE i.format = ? AND"
        " (json_extract(i.options, '$.date_order') IS NOT NULL OR json_extract(i.options, '$.corrected.date_order') IS NOT NULL)"
        " ORDER BY i.id",
        (platform,),
    ):
        if key is None:
            continue
        orders = given.setdefault(key, {})
        if corrected:
            order, where = corrected, f"as import {import_id} corrected this chat's reading"
        else:
            where = f"as --date-order {order} said for this chat in import {import_id}"
        orders.pop(order, None)  # (said again: the latest)
        orders[order] = where
    latest = {key: next(reversed(orders.items())) for key, orders in given.items()} if date_order is None else {}
    return {"chat_date_orders": latest, "chat_date_orders_given": given}


def _chat_owners(archive: Archive, platform: str) -> dict[str, tuple[str, int]]:
    """Every conversation of `platform` by its key: the owner's name as archived, and its number (`ImportOptions.chat_owners`).
    A thread of a client's phone that the owner is not in (keyed "… without the owner") has no owner: its name is ""."""
    return {
        key: (name, conv_id)
        for key, name, conv_id in archive.conn.execute(
            "SELECT c.source_key, coalesce((SELECT coalesce(p.display_name, p.handle) FROM participants p WHERE p.conversation_id = c.id AND p.is_owner"
            f" ORDER BY p.id LIMIT 1), CASE WHEN {between_others('c.source_key')} THEN '' END), c.id"
            " FROM conversations c WHERE c.platform = ?",
            (platform,),
        )
        if name is not None
    }


def _chat_people(archive: Archive, platform: str) -> dict:
    """The people besides the owner of every conversation of `platform` the owner is in, as (handle, display name),
    by its key, one query for both: those with one such person (`ImportOptions.chat_others`: that person), and the
    groups (`ImportOptions.chat_people`: each of them)."""
    people: dict[str, tuple[bool, list[tuple[str, str | None]]]] = {}
    for key, group, handle, name in archive.conn.execute(
        "SELECT c.source_key, c.is_group, p.handle, p.display_name FROM conversations c JOIN participants p"
        " ON p.conversation_id = c.id AND NOT p.is_owner WHERE c.platform = ? AND EXISTS (SELECT 1 FROM participants"
        " o WHERE o.conversation_id = c.id AND o.is_owner) ORDER BY c.id, p.id",
        (platform,),
    ):
        people.setdefault(key, (bool(group), []))[1].append((handle, name))
    return {
        "chat_others": {key: them[0] for key, (_, them) in people.items() if len(them) == 1},
        "chat_people": {key: them for key, (group, them) in people.items() if group},
    }


def _numbers_read_before(archive: Archive, platform: str) -> dict:
    """What the archive knows of the numbers of `platform`'s conversations: the keys each is known
    under besides its own, with the import that recorded them, and its people's numbers
    (`ImportOptions.joined_keys`, `.archived_numbers`)."""
    joined = {
        key: (own, f"import {import_id} of {file_name}")
        for key, own, import_id, file_name in archive.conn.execute(
            "SELECT k.source_key, c.source_key, k.import_id, i.file_name FROM conversation_keys k JOIN conversations c ON c.id = k.conversation_id"
            " JOIN imports i ON i.id = k.import_id WHERE k.platform = ?",
            (platform,),
        )
    }
    numbers: dict[str, tuple[int, ...]] = {}
    for handle, conv_id in archive.conn.execute(
        "SELECT DISTINCT p.handle, p.conversation_id FROM participants p JOIN conversations c ON c.id = p.conversation_id"
        " WHERE c.platform = ? AND p.is_owner = 0 AND (p.handle GLOB '[0-9]*' OR p.handle GLOB '+[0-9]*') ORDER BY 2",
        (platform,),
    ):
        numbers[handle] = (*numbers.get(handle, ()), conv_id)
    return {"joined_keys": joined, "archived_numbers": numbers}


def _chat_of_same_bytes(archive: Archive, format: str, sha: str) -> tuple[str, str] | None:
    """The chat an earlier import of these exact bytes went into, with that import's file name. (The
    imports with these bytes first, then one message of each, in order: a join from every sighting read
    them all, 0.5 s at 400,000 on every import; each import's part is now found by its index.)"""
    for earlier in archive.conn.execute(
        "SELECT id, file_name FROM imports WHERE sha256 = ? AND format = ? ORDER BY id", (sha, format)
    ).fetchall():
        row = archive.conn.execute(
            "SELECT c.title FROM message_sources s JOIN messages m ON m.id = s.message_id"
            " JOIN conversations c ON c.id = m.conversation_id WHERE s.import_id = ? LIMIT 1",
            (earlier["id"],),
        ).fetchone()
        if row is not None:
            return (row["title"], earlier["file_name"]) if row["title"] else None
    return None
