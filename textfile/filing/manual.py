"""Filing by hand (`textfile file`) and unfiling (`textfile unfile`).

A filing covers a conversation, or the part of it between `from_at` and `until_at` (inclusive).
Filing by hand refuses a window with no message in it, and a conversation already under another
client's matter unless told `also` (a privilege risk); into a closed matter it files, with a warning.
Filing a conversation set aside as not client-related (ignore.py) takes the set-aside back, in its own
audit entry ("conversation unignore", its reason the filing): filing it is a person saying the thread
is a client's, and a thread both filed and set aside would be neither reviewed nor judged as filed.

`unfile` deletes filings: the audit entry keeps each one whole (matter, window, how, who filed it,
when), transcripts made from it stay as they were, and the conversation is never filed
automatically again (a person took it out; a person files it). Both warn of each note in force about a
message of the conversation that is no longer filed to the note's matter at its time (notes/stranded.py:
a conversation filed to the wrong matter, then where it belongs), naming the `note move` that mends it.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from textfile import audit, ignore, times
from textfile.errors import Conflict, InvalidInput, NotFound
from textfile.filing.names import live_matter_row, matter_row, require_conversation
from textfile.notes.stranded import warnings as left_behind
from textfile.results import Result, json_name, omit_empty


@dataclass(slots=True, eq=False)
class ManualFiling(Result):
    """A filing a person made: its audit entry's details, and the warnings said to them (not audited)."""

    conversation: int
    matter: str
    from_: str | None = json_name("from")
    until: str | None
    messages: int  # how many messages the window holds
    by: str
    also_filed_under: list[str] = omit_empty(default_factory=list)  # other clients' matters holding it (--also)
    warnings: list[str] = omit_empty(default_factory=list)
    unignored: ignore.IgnoreMark | None = omit_empty(default=None)  # the set-aside the filing took back (its record)


@dataclass(slots=True, eq=False)
class RemovedFiling(Result):
    """A filing `unfile` removed, whole, as its audit entry keeps it."""

    matter: str
    from_: str | None = json_name("from")
    until: str | None
    how: str  # auto or manual
    filed_at: str
    by: str | None


@dataclass(slots=True, eq=False)
class Unfiled(Result):
    conversation: int
    removed: list[RemovedFiling] = field(default_factory=list)
    reason: str | None = None
    # the notes in force of its messages left behind, with the way out (notes/stranded.py): said, not audited
    warnings: list[str] = omit_empty(default_factory=list)


def file_conversation(
    conn: sqlite3.Connection,
    conversation_id: int,
    reference: str,
    from_at: str | None,
    until_at: str | None,
    *,
    also: bool = False,
) -> ManualFiling:
    """File a conversation (or its window) under a matter by hand. Refused: a window that holds no
    message, and, without `also`, a conversation filed under another client's matter (one thread in
    two clients' files risks one's privileged messages reaching the other). Filing into a closed
    matter is allowed (a late backup of the matter's own messages) with a warning. A set-aside is
    taken back (see the module)."""
    require_conversation(conn, conversation_id)
    mt = live_matter_row(conn, reference, "nothing can be filed to it")
    if from_at and until_at and from_at > until_at:
        raise InvalidInput("--from is after --until")
    covered = _messages_to_file(conn, conversation_id, mt, from_at, until_at)
    others = _other_clients_matters(conn, conversation_id, mt, also)
    aside = ignore.ignored(conn).get(conversation_id)
    if aside:  # (filing says the thread is a client's: the set-aside is taken back, audited on its own)
        ignore.unignore_conversation(conn, conversation_id, f"filed to {mt['reference']}")
    by = audit.current_user()
    conn.execute(
        "INSERT INTO filings (conversation_id, matter_id, from_at, until_at, how, created_at, filed_by) VALUES (?, ?, ?, ?, 'manual', ?, ?)",
        (conversation_id, mt["id"], from_at, until_at, times.now_iso(), by),
    )
    done = ManualFiling(conversation_id, mt["reference"], from_at, until_at, covered, by, others)
    audit.append(conn, "file", done.to_json())
    done.warnings, done.unignored = _warnings(conn, done, mt) + left_behind(conn, [conversation_id]), aside
    return done


def _messages_to_file(
    conn: sqlite3.Connection, conversation_id: int, mt: sqlite3.Row, from_at: str | None, until_at: str | None
) -> int:
    """How many messages the window holds; refused when it holds none, or none not already filed to the matter."""
    if conn.execute(
        "SELECT 1 FROM filings WHERE conversation_id = ? AND matter_id = ? AND from_at IS ? AND until_at IS ?",
        (conversation_id, mt["id"], from_at, until_at),
    ).fetchone():
        raise Conflict(f"conversation {conversation_id} is already filed to {mt['reference']} for that window")
    covered = conn.execute(
        "SELECT count(*) FROM messages m WHERE m.conversation_id = ? AND (? IS NULL OR m.sent_at >= ?) AND (? IS NULL OR m.sent_at <= ?)",
        (conversation_id, from_at, from_at, until_at, until_at),
    ).fetchone()[0]
    if not covered:
        raise InvalidInput(
            f"conversation {conversation_id} holds no message {'in that window' if from_at or until_at else 'yet'}: nothing to file"
        )
    if not conn.execute(  # every message of the window already filed to that matter: a second filing would add nothing
        "SELECT count(*) FROM messages m WHERE m.conversation_id = ? AND (? IS NULL OR m.sent_at >= ?) AND (? IS NULL OR m.sent_at <= ?)"
        " AND NOT EXISTS (SELECT 1 FROM filings f WHERE f.conversation_id = m.conversation_id AND f.matter_id = ?"
        "                 AND (f.from_at IS NULL OR m.sent_at >= f.from_at) AND (f.until_at IS NULL OR m.sent_at <= f.until_at))",
        (conversation_id, from_at, from_at, until_at, until_at, mt["id"]),
    ).fetchone()[0]:
        raise Conflict(
            f"conversation {conversation_id} is already filed to {mt['reference']} for every message"
            f" {'in that window' if from_at or until_at else 'it holds'}: nothing to file"
        )
    return covered


def _other_clients_matters(conn: sqlite3.Connection, conversation_id: int, mt: sqlite3.Row, also: bool) -> list[str]:
    """The other clients' matters the conversation is filed under; without `also`, any is refused."""
    others = conn.execute(
        "SELECT DISTINCT mt.reference, c.name FROM filings f JOIN matters mt ON mt.id = f.matter_id JOIN clients c ON c.id = mt.client_id"
        " WHERE f.conversation_id = ? AND mt.client_id <> ? ORDER BY mt.reference",
        (conversation_id, mt["client_id"]),
    ).fetchall()
    if others and not also:
        said = ", ".join(f"{r['reference']} ({r['name']})" for r in others)
        raise Conflict(
            f"conversation {conversation_id} is already filed under another client's matter: {said}; filing it under"
            f" {mt['reference']} too puts one client's messages in another's file (a privilege risk): give --also if it belongs to both"
        )
    return [r["reference"] for r in others]


def _warnings(conn: sqlite3.Connection, done: ManualFiling, mt: sqlite3.Row) -> list[str]:
    tz = times.archive_zone(conn)
    warnings = (
        [f"matter {mt['reference']} is closed (since {times.display(mt['closed_at'], tz)})"] if mt["closed_at"] else []
    )
    if done.also_filed_under:
        warnings.append(
            f"conversation {done.conversation} is now filed under more than one client's matters: {', '.join([*done.also_filed_under, mt['reference']])}"
        )
    else:  # (--also said it belongs to both: that warning says the rest)
        warnings += _with_another_client(conn, done.conversation, mt)
    return warnings


def _with_another_client(conn: sqlite3.Connection, conversation_id: int, mt: sqlite3.Row) -> list[str]:
    """A conversation with another client's handle and none of the matter's client's, filed to the matter: said, for
    it is filed all the same (a witness's thread may belong there), but one client's texts in another's file is the
    mistake a person makes most easily, and the one that puts privileged texts in the wrong hands."""
    with_clients = [
        (r["id"], r["name"], r["handle"])
        for r in conn.execute(
            "SELECT DISTINCT c.id, c.name, p.handle FROM participants p JOIN client_handles h ON h.handle = p.handle"
            " JOIN clients c ON c.id = h.client_id WHERE p.conversation_id = ? AND p.is_owner = 0 ORDER BY c.name, p.handle",
            (conversation_id,),
        )
    ]
    # (a WhatsApp chat names its people as the phone's contacts do, with no number: a client's name is theirs too)
    names = {
        r[0].casefold()
        for r in conn.execute(
            "SELECT handle FROM participants WHERE conversation_id = ? AND is_owner = 0 UNION"
            " SELECT display_name FROM participants WHERE conversation_id = ? AND is_owner = 0 AND display_name IS NOT NULL",
            (conversation_id, conversation_id),
        )
    }
    by_handle = {client_id for client_id, _, _ in with_clients}
    with_clients += [
        (r["id"], r["name"], "by name")
        for r in conn.execute("SELECT id, name FROM clients ORDER BY name")
        if r["name"].casefold() in names and r["id"] not in by_handle
    ]
    if not with_clients or any(client_id == mt["client_id"] for client_id, _, _ in with_clients):
        return []
    (client,) = conn.execute("SELECT name FROM clients WHERE id = ?", (mt["client_id"],)).fetchone()
    said = ", ".join(f"{name} ({handle})" for _, name, handle in with_clients)
    return [
        f"conversation {conversation_id} is with {said} and not with {client}, the client of {mt['reference']}:"
        f" filed all the same; if its texts are another client's, take it back with"
        f" `textfile unfile {conversation_id} --matter {mt['reference']}`"
    ]


def unfile(
    conn: sqlite3.Connection, conversation_id: int, reference: str | None = None, reason: str | None = None
) -> Unfiled:
    """Remove a conversation's filings (all, or those into `reference`). The audit entry keeps each
    removed filing whole (matter, window, how, who filed it and when), so the record of it survives;
    transcripts already made stay as they are."""
    require_conversation(conn, conversation_id)
    matter_id = matter_row(conn, reference)["id"] if reference else None
    held = conn.execute(
        "SELECT DISTINCT mt.reference FROM filings f JOIN matters mt ON mt.id = f.matter_id WHERE f.conversation_id = ? AND (? IS NULL OR mt.id = ?)"
        " AND mt.legal_hold = 1 ORDER BY mt.reference",
        (conversation_id, matter_id, matter_id),
    ).fetchall()
    if held:  # (what is filed to a held matter is never reported safe to delete: taking it out would lift that)
        raise Conflict(
            f"conversation {conversation_id} is filed to {', '.join(r[0] for r in held)}, under legal hold: release the hold first"
        )
    rows = conn.execute(
        "DELETE FROM filings WHERE conversation_id = ? AND (? IS NULL OR matter_id = ?)"
        " RETURNING id, matter_id, from_at, until_at, how, created_at, filed_by",
        (conversation_id, matter_id, matter_id),
    ).fetchall()
    if not rows:
        raise NotFound(f"conversation {conversation_id} is not filed{' to ' + reference if reference else ''}")
    refs = dict(conn.execute("SELECT id, reference FROM matters"))
    removed = [
        RemovedFiling(refs[r["matter_id"]], r["from_at"], r["until_at"], r["how"], r["created_at"], r["filed_by"])
        for r in sorted(rows, key=lambda r: r["id"])
    ]
    done = Unfiled(conversation_id, removed, reason)
    audit.append(conn, "unfile", done.to_json())
    done.warnings = left_behind(conn, [conversation_id])
    return done
