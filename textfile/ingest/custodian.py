"""Whose phone an export is: the archive owner's, or a client's (`--custodian CLIENT`); checked before
anything is read (`_custodian_phone`, `_same_phone_as_before`) and once the whole source is read
(`_not_the_owners`).

A client's own phone (`--custodian CLIENT`, for a format that says "sent by this phone": Android, iMessage) is
read by the importer in the owner's frame (its module docstring): the client must be in the archive,
and the phone's number is --me, one of theirs, or their only number, taken and said (`_custodian_phone`);
`import_custodians` records whose phone the import read. How its messages meet another phone's copies of
them is the writer's (`writer/copies.py`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from textfile.archive import Archive
from textfile.errors import ImportFailed
from textfile.phones import normalize_handle

if TYPE_CHECKING:
    from textfile.ingest.transaction import ImportResult, Source


def whose_phone(
    archive: Archive, path: Path, module, custodian: str | None, me: str | None, region: str
) -> CustodianPhone | None:
    """The client's phone `--custodian` names (`CustodianPhone`), or None for the owner's own phone (no
    --custodian, the owner named, or a format that does not say "sent by this phone")."""
    if not (
        custodian
        and module.SENT_BY_THE_PHONE
        and custodian.strip().casefold() != archive.settings.owner_name.casefold()
    ):
        return None
    # These exports say "sent by this phone", not by whom: from a client's phone, the importer
    # reads "sent" as sent by that client, from the number of theirs the phone had (`_custodian_phone`).
    phone = _custodian_phone(archive, path, module, custodian, me, region)
    if not module.READS_A_CLIENTS_PHONE:
        raise ImportFailed(
            path,
            f"--custodian {phone.name!r}: textfile does not yet read a client's own {module.FORMAT} export (what that"
            f" phone sent would be attributed to the owner {archive.settings.owner_name!r}); nothing was imported",
        )
    return phone


class CustodianPhone(NamedTuple):
    """A client's phone an import reads (`--custodian CLIENT`): the client, and their number the phone had."""

    client_id: int
    name: str
    handles: frozenset[str]
    number: str
    assumed: str | None  # what was assumed to find the number (no --me), said as an assumption


def _custodian_phone(
    archive: Archive, path: Path, module, custodian: str, me: str | None, region: str
) -> CustodianPhone:
    """The client `custodian` names (as `client show` finds one) and the number of theirs the phone had:
    --me, which must be one of theirs; without it, their only handle of the kind the format's phone has
    (a number; for iMessage also an email), taken and said. No client, a --me not theirs, none or several
    such handles: ImportFailed, before anything is read."""
    row = client_named(archive, path, custodian, " --phone …")
    held = dict(
        archive.conn.execute(
            "SELECT handle, kind FROM client_handles WHERE client_id = ? ORDER BY handle", (row["id"],)
        ).fetchall()
    )
    kinds = ("phone", "email") if module.FORMAT == "imessage" else ("phone",)
    fitting = [h for h, kind in held.items() if kind in kinds]
    what = "handle" if len(kinds) > 1 else "number"
    if me is not None:
        number = normalize_handle(me, region)
        if number not in held:
            raise ImportFailed(
                path,
                f"--me {me!r} is not one of {row['name']}'s {what}s ({', '.join(fitting) or 'none'}): it names the"
                f" {what} of the phone this export came from (textfile client edit {row['name']!r} --add-phone …"
                " adds one); nothing was imported",
            )
        return CustodianPhone(row["id"], row["name"], frozenset(held), number, None)
    if len(fitting) != 1:
        has = f"has several {what}s ({', '.join(fitting)})" if fitting else f"has no {what} in this archive"
        raise ImportFailed(
            path,
            f"{row['name']} {has}: give --me with the {what} of the phone this export came from; nothing was imported",
        )
    return CustodianPhone(
        row["id"],
        row["name"],
        frozenset(held),
        fitting[0],
        f"this is {row['name']}'s phone, as --custodian says: its {what} is taken to be {fitting[0]}, their only"
        f" {what} in the archive (--me did not give one); what it sent is attributed to {row['name']}",
    )


def client_named(archive: Archive, path: Path, custodian: str, add: str = ""):
    """The client (id, name) `--custodian` names; ImportFailed where there is none (`add`: the rest of the command
    that adds them, as the format needs)."""
    row = archive.conn.execute("SELECT id, name FROM clients WHERE name = ?", (custodian.strip(),)).fetchone()
    if row is None:
        raise ImportFailed(
            path,
            f"--custodian {custodian.strip()!r} is not a client of this archive: add them first"
            f" (textfile client add {custodian.strip()!r}{add})",
        )
    return row


def _same_phone_as_before(archive: Archive, source: Source) -> None:
    """Bytes imported before as one phone's (the owner's, or a client's with --custodian) are that
    phone's again: read as another's, every message would be archived a second time under other senders."""
    row = archive.conn.execute(
        "SELECT i.id, i.file_name, ic.client_id, cl.name FROM imports i LEFT JOIN import_custodians ic ON ic.import_id = i.id"
        " LEFT JOIN clients cl ON cl.id = ic.client_id WHERE i.sha256 = ? ORDER BY i.id DESC LIMIT 1",
        (source.sha256,),
    ).fetchone()
    if row is None or row["client_id"] == source.custodian_client:
        return
    was = f"{row['name']}'s phone (--custodian {row['name']!r})" if row["name"] else "your own phone (no --custodian)"
    raise ImportFailed(
        source.path,
        f"these bytes were imported before (import {row['id']}, {row['file_name']}) as {was}: import them"
        " the same way, or not at all; nothing was imported",
    )


def _not_the_owners(conn, source: Source, result: ImportResult) -> None:
    """Refuse an export read as the owner's own phone (no --custodian) that holds a thread whose other
    party is one of the owner's own numbers: a client's phone imported without --custodian, which would
    put the client's words in the owner's mouth and every message in the archive twice. The owner's own
    phone texting itself (a note to self) or their other phone says so once, with `--custodian <owner>`;
    from then on that thread, archived from the owner's phone, is known as theirs, and the next export of
    the same phone (the weekly run, which names no custodian) goes in."""
    if not source.sent_by_the_phone or source.custodian is not None or not result.conversations:
        return
    # CROSS JOIN keeps the owner's numbers the outer loop: the messages of a conversation are looked through
    # only where one of them is its other party (SQLite chose to look through every conversation's first,
    # 0.4 s for 200,000 SMS where none is).
    this = f"?{len(result.conversations) + 1}"  # (the import, after the conversations)
    mine = conn.execute(
        "SELECT p.handle, p.display_name FROM owner_handles o CROSS JOIN participants p ON o.handle = p.handle"
        " WHERE p.is_owner = 0"
        f" AND p.conversation_id IN ({','.join('?' * len(result.conversations))})"
        # (found by another import of the owner's phone: the message's own, or a later sighting's: m031)
        " AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = p.conversation_id AND"
        f"                 ((m.import_id <> {this} AND m.source_ref IS NOT NULL AND m.import_id NOT IN (SELECT import_id FROM import_custodians))"
        "                  OR EXISTS (SELECT 1 FROM message_sightings s LEFT JOIN import_custodians ic ON ic.import_id = s.import_id"
        f"                             WHERE s.message_id = m.id AND s.import_id <> {this} AND ic.import_id IS NULL)))"
        " ORDER BY p.conversation_id LIMIT 1",
        [*result.conversations, result.import_id],
    ).fetchone()
    if mine:
        number, name = mine["handle"], mine["display_name"]
        named = f" (named {name!r} there)" if name and name != number else ""
        owner = conn.execute("SELECT owner_name FROM settings").fetchone()[0]
        raise ImportFailed(
            source.path,
            f"it holds a thread with your own number {number}{named} as the other party, so it may not be"
            f" your phone: give --custodian with the client whose phone it is, or --custodian {owner!r} if it"
            " is yours (a note to yourself, or your other phone; said once, the next exports of it go in); nothing was imported",
        )
