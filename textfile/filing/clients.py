"""Clients and the handles (phone numbers, emails) they text from.

A number a client is given must be valid for the region, or be a handle an import already
archived (a fictional 555 number a backup holds): the conversations are keyed by it either way.
One handle belongs to one client, and never to the archive's owner; an ignored handle is refused
until it is unignored (a client's handle is never ignored: `ignore.refuse_ignored`).

Corrections: a client is renamed or given or relieved of a handle (`edit_client`), and then the
automatic rule runs again for them, filing what the change made unambiguous (and a removed handle
takes back the automatic filings it was the only ground for: a mistyped number must not leave a
stranger's thread in the client's file; filings a person made stay, and are named).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field

from textfile import audit, ignore, times
from textfile.errors import Conflict, InvalidHandle, InvalidInput, NotFound
from textfile.filing.auto import Filed, auto_file
from textfile.filing.conversations import ConversationSummary, list_conversations
from textfile.filing.matters import Matter, list_matters
from textfile.filing.names import client_row
from textfile.notes.stranded import warnings as left_behind
from textfile.phones import normalize_client_handle, normalize_email, normalize_handle
from textfile.results import Result, json_name, omit_empty


@dataclass(slots=True, eq=False)
class Handle(Result):
    handle: str
    kind: str  # phone or email


@dataclass(slots=True, eq=False)
class Client(Result):
    """A client as `client show` shows them: handles, matters, the conversations of either, whether they
    are marked a minor (their guardians, their date of birth)."""

    id: int
    name: str
    created_at: str
    handles: list[Handle]
    matters: list[Matter]
    conversations: list[ConversationSummary]
    minor: bool = False  # marked a minor (`client minor`): review and retention treat them as one
    guardians: list[str] = field(default_factory=list)
    born: str | None = None  # their date of birth, when recorded (`client minor --born`)


@dataclass(slots=True, eq=False)
class AddedClient(Client):
    """A client just added, and the conversations set aside that hold their handles (named at once:
    a set-aside made before the number was a client's keeps their texts from filing and review)."""

    set_aside: list[ignore.AsideWithClients] = omit_empty(default_factory=list)


@dataclass(slots=True, eq=False)
class ClientSummary(Result):
    """A client as `client list` lists them."""

    name: str
    handles: list[str]
    matters: int
    open_matters: int
    created_at: str


@dataclass(slots=True, eq=False)
class TakenBack(Result):
    """An automatic filing a removed handle was the only ground for, taken back (kept whole in the audit entry)."""

    conversation: int
    matter: str
    through: str  # the removed handles the conversation holds
    from_: str | None = json_name("from")
    until: str | None
    filed_at: str


@dataclass(slots=True, eq=False)
class KeptByHand(Result):
    """A filing a person made that a removed handle no longer grounds: kept, named for review."""

    conversation: int
    matter: str


@dataclass(slots=True, eq=False)
class ClientChange(Result):
    """What `edit_client` changed: its audit entry's details."""

    client: str  # the name before the change
    renamed_to: str | None = omit_empty(default=None)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    reason: str | None = None
    by: str = ""
    unfiled: list[TakenBack] = omit_empty(default_factory=list)


@dataclass(slots=True, eq=False)
class EditedClient(Client):
    """The client after a correction, what changed, and what the change filed, took back and kept."""

    changed: ClientChange | None = None
    filed: list[Filed] = field(default_factory=list)
    unfiled: list[TakenBack] = field(default_factory=list)
    kept: list[KeptByHand] = field(default_factory=list)
    set_aside: list[ignore.AsideWithClients] = omit_empty(default_factory=list)  # holding a handle it added
    # the notes in force left behind in the conversations it took back or filed (notes/stranded.py), with the way out
    warnings: list[str] = omit_empty(default_factory=list)


# -- handles ---------------------------------------------------------------------------------


def _handles(conn: sqlite3.Connection, values: list[str], region: str, kind: str) -> list[tuple[str, str]]:
    if kind == "email":
        return [(normalize_email(v.strip()), kind) for v in values]
    return [(_client_phone(conn, v, region), kind) for v in values]


def _client_phone(conn: sqlite3.Connection, value: str, region: str) -> str:
    """A valid number in E.164, or one an import already archived: a participant's handle that the
    number reads as (`normalize_handle`), such as a fictional +15559876543 a backup holds, which
    phonenumbers calls invalid but which is the handle the client's conversations are keyed by."""
    try:
        return normalize_client_handle(value, region)
    except InvalidHandle:
        held = normalize_handle(value, region)
        if "@" not in held and conn.execute("SELECT 1 FROM participants WHERE handle = ? LIMIT 1", (held,)).fetchone():
            return held
        raise


def _check_free(conn: sqlite3.Connection, handle: str, client_id: int | None = None) -> None:
    row = conn.execute(
        "SELECT c.name, c.id FROM client_handles h JOIN clients c ON c.id = h.client_id WHERE h.handle = ?", (handle,)
    ).fetchone()
    if row and row["id"] == client_id:
        raise Conflict(f"{handle} is already one of {row['name']}'s handles")
    if row:
        raise Conflict(f"{handle} already belongs to client {row['name']!r}; one handle cannot belong to two clients")
    if conn.execute("SELECT 1 FROM owner_handles WHERE handle = ?", (handle,)).fetchone():
        raise Conflict(f"{handle} is one of the archive owner's own handles")
    ignore.refuse_ignored(conn, handle)


def _removed_handles(*, phones: list[str], emails: list[str], region: str) -> list[tuple[str, str]]:
    """The handles to remove, read as they were stored: what a number reads as, valid or not."""
    return [(normalize_handle(v, region), "phone") for v in phones] + [
        (normalize_email(v.strip()), "email") for v in emails
    ]


# -- adding and correcting a client ----------------------------------------------------------


def add_client(conn: sqlite3.Connection, name: str, phones: list[str], emails: list[str], region: str) -> AddedClient:
    name = name.strip()
    if not name:
        raise InvalidInput("a client needs a name")
    handles = _handles(conn, phones, region, "phone") + _handles(conn, emails, region, "email")
    if conn.execute("SELECT 1 FROM clients WHERE name = ?", (name,)).fetchone():
        raise Conflict(f"a client named {name!r} already exists")
    for handle, _kind in handles:
        _check_free(conn, handle)
    client_id = conn.execute("INSERT INTO clients (name, created_at) VALUES (?, ?)", (name, times.now_iso())).lastrowid
    conn.executemany(
        "INSERT INTO client_handles (handle, client_id, kind) VALUES (?, ?, ?)",
        [(h, client_id, k) for h, k in dict(handles).items()],
    )
    audit.append(conn, "client add", {"client": name, "handles": [h for h, _ in handles], "by": audit.current_user()})
    aside = ignore.aside_with_clients(conn, handles=[h for h, _ in handles]) if handles else []
    return AddedClient.extending(client(conn, name), set_aside=aside)


def edit_client(
    conn: sqlite3.Connection,
    name: str,
    *,
    new_name: str | None = None,
    add_phones: list[str] = (),
    remove_phones: list[str] = (),
    add_emails: list[str] = (),
    remove_emails: list[str] = (),
    region: str,
    reason: str | None = None,
) -> EditedClient:
    """Rename a client, add or remove their handles (one audit entry with the reason), then file what
    the correction makes unambiguous (`auto_file`, its own entry); the conversations set aside that hold a
    handle it added are named (`ignore.aside_with_clients`)."""
    row = client_row(conn, name)
    change = ClientChange(row["name"], renamed_to=_renamed(conn, row, new_name))
    change.removed = _remove_handles(
        conn, row, _removed_handles(phones=remove_phones, emails=remove_emails, region=region)
    )
    added = _handles(conn, list(add_phones), region, "phone") + _handles(conn, list(add_emails), region, "email")
    for handle, kind in dict(added).items():
        _check_free(conn, handle, row["id"])
        conn.execute("INSERT INTO client_handles (handle, client_id, kind) VALUES (?, ?, ?)", (handle, row["id"], kind))
    if change.renamed_to is None and not added and not change.removed:
        raise InvalidInput("nothing to change: give --name, --add-phone, --remove-phone, --add-email or --remove-email")
    change.added, change.reason, change.by = list(dict(added)), reason, audit.current_user()
    change.unfiled = _unfounded_filings(conn, row["id"], change.removed) if change.removed else []
    audit.append(conn, "client edit", change.to_json())
    filed = auto_file(conn, client_id=row["id"])
    kept = _kept_by_hand(conn, row["id"], change.removed) if change.removed else []
    aside = ignore.aside_with_clients(conn, handles=change.added) if change.added else []
    refiled = sorted({f.conversation for f in change.unfiled} | {f.conversation for f in filed})
    return EditedClient.extending(
        client(conn, change.renamed_to or row["name"]),
        changed=change,
        filed=filed,
        unfiled=change.unfiled,
        kept=kept,
        set_aside=aside,
        warnings=left_behind(conn, refiled),
    )


def _renamed(conn: sqlite3.Connection, row: sqlite3.Row, new_name: str | None) -> str | None:
    """The client's new name, given it (None: not renamed)."""
    if new_name is None or new_name.strip() == row["name"]:
        return None
    new_name = new_name.strip()
    if not new_name:
        raise InvalidInput("a client needs a name")
    other = conn.execute("SELECT name FROM clients WHERE name = ? AND id <> ?", (new_name, row["id"])).fetchone()
    if other:
        raise Conflict(f"a client named {other['name']!r} already exists")
    conn.execute("UPDATE clients SET name = ? WHERE id = ?", (new_name, row["id"]))
    return new_name


def _remove_handles(conn: sqlite3.Connection, row: sqlite3.Row, handles: list[tuple[str, str]]) -> list[str]:
    removed = []
    for handle, _kind in handles:
        if (
            conn.execute(
                "DELETE FROM client_handles WHERE handle = ? AND client_id = ? RETURNING handle", (handle, row["id"])
            ).fetchone()
            is None
        ):
            raise NotFound(f"{handle} is not one of {row['name']!r}'s handles (see `textfile client show`)")
        removed.append(handle)
    return removed


def _unfounded_filings(conn: sqlite3.Connection, client_id: int, removed: list[str]) -> list[TakenBack]:
    """Take back the automatic filings into the client's matters that a removed handle was the only
    ground for: the conversation holds none of the client's handles any more (a mistyped number
    filed the owner's mother's thread; removing it must not leave her texts in the client's file).
    A filing a person made stays (`_kept_by_hand` names it). One into a matter under legal hold
    refuses the edit: release the hold first."""
    rows = conn.execute(
        "SELECT f.id, f.conversation_id, mt.reference, mt.legal_hold, f.from_at, f.until_at, f.created_at,"
        f" (SELECT group_concat(p.handle, ', ') FROM participants p WHERE p.conversation_id = f.conversation_id AND p.is_owner = 0"
        f"  AND p.handle IN ({','.join('?' * len(removed))})) AS through"
        " FROM filings f JOIN matters mt ON mt.id = f.matter_id"
        " WHERE mt.client_id = ? AND f.how = 'auto'"
        " AND NOT EXISTS (SELECT 1 FROM participants p JOIN client_handles h ON h.handle = p.handle"
        "                 WHERE p.conversation_id = f.conversation_id AND p.is_owner = 0 AND h.client_id = ?)"
        " ORDER BY f.conversation_id, f.id",
        (*removed, client_id, client_id),
    ).fetchall()
    rows = [r for r in rows if r["through"]]
    held = [r for r in rows if r["legal_hold"]]
    if held:
        said = ", ".join(
            f"conversation {r['conversation_id']} to {r['reference']} (through {r['through']})" for r in held
        )
        raise Conflict(
            f"the number or address removed filed {said} automatically, under legal hold: release the hold first"
        )
    conn.executemany("DELETE FROM filings WHERE id = ?", [(r["id"],) for r in rows])
    return [
        TakenBack(r["conversation_id"], r["reference"], r["through"], r["from_at"], r["until_at"], r["created_at"])
        for r in rows
    ]


def _kept_by_hand(conn: sqlite3.Connection, client_id: int, removed: list[str]) -> list[KeptByHand]:
    """Filings a person made into the client's matters of conversations that held a removed handle
    and now hold none of the client's: kept (a person decided them), named so they can be reviewed."""
    return [
        KeptByHand(r["conversation_id"], r["reference"])
        for r in conn.execute(
            "SELECT DISTINCT f.conversation_id, mt.reference FROM filings f JOIN matters mt ON mt.id = f.matter_id"
            " WHERE mt.client_id = ? AND f.how = 'manual'"
            f" AND EXISTS (SELECT 1 FROM participants p WHERE p.conversation_id = f.conversation_id AND p.handle IN ({','.join('?' * len(removed))}))"
            " AND NOT EXISTS (SELECT 1 FROM participants p JOIN client_handles h ON h.handle = p.handle"
            "                 WHERE p.conversation_id = f.conversation_id AND p.is_owner = 0 AND h.client_id = ?)"
            " ORDER BY f.conversation_id, mt.reference",
            (client_id, *removed, client_id),
        )
    ]


# -- reading clients -------------------------------------------------------------------------


def client(conn: sqlite3.Connection, name: str) -> Client:
    row = client_row(conn, name)
    handles = [
        Handle(r["handle"], r["kind"])
        for r in conn.execute(
            "SELECT handle, kind FROM client_handles WHERE client_id = ? ORDER BY kind, handle", (row["id"],)
        )
    ]
    matters = [m for m in list_matters(conn) if m.client == row["name"]]
    theirs, filed_to = {h.handle for h in handles}, {m.reference for m in matters}
    conversations = [c for c in list_conversations(conn) if set(c.handles) & theirs or set(c.matters) & filed_to]
    minor = conn.execute("SELECT guardians FROM client_minors WHERE client_id = ?", (row["id"],)).fetchone()
    born = conn.execute("SELECT born FROM client_births WHERE client_id = ?", (row["id"],)).fetchone()
    return Client(
        row["id"],
        row["name"],
        row["created_at"],
        handles,
        matters,
        conversations,
        minor is not None,
        json.loads(minor[0]) if minor else [],
        born[0] if born else None,
    )


def list_clients(conn: sqlite3.Connection) -> list[ClientSummary]:
    out = []
    for row in conn.execute("SELECT * FROM clients ORDER BY name"):
        handles = [
            r[0]
            for r in conn.execute(
                "SELECT handle FROM client_handles WHERE client_id = ? ORDER BY kind, handle", (row["id"],)
            )
        ]
        counts = conn.execute(
            "SELECT count(*) AS matters, sum(closed_at IS NULL) AS open FROM matters WHERE client_id = ?", (row["id"],)
        ).fetchone()
        out.append(ClientSummary(row["name"], handles, counts["matters"], counts["open"] or 0, row["created_at"]))
    return out
