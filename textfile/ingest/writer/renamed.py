"""A chat archived again under another name: an export of a chat the archive holds, whose file names it otherwise.

WhatsApp names a chat after its export's file ("WhatsApp Chat with Sam Client.txt" -> "Sam Client"), and the
conversation's key is that name. An export a user filed by date ("… Sam Client 2024-03-21.txt"), a group renamed
since its last export, a zip saved under another name would archive the whole chat again as a new conversation:
every message twice in search, transcripts and productions, its review flags raised again. (The same bytes under
a copy's name, and a name taken from the senders, find the chat already: policy.py.)

So a conversation an import of such a format created is compared, by its first messages received in time order
(the other side's: what the owner sent may have gone to many chats at once, a broadcast, and says nothing of which
chat this is; found in another conversation whichever way they went there, as a client's own export of the chat
holds the owner's texts as received), with the other conversations of its format the archive held before: where one holds nearly all of
them (the same time, text and sender), the import is refused, naming that chat and the way in (`--conversation`,
which names the chat). A chance match (two chats each with an "ok" at the same minute) is one message of many,
never nearly all; a chat in which nobody but the owner wrote is not compared.

A client's phone (`--custodian CLIENT`) is left out where its chat is read with the client as its owner (a chat
the archive's owner is not in): its key holds the client, so `--conversation` could not lead it into the owner's
copy. One the archive's owner wrote in is read as the owner's (the importer refuses --me naming the client there:
second reader, round 13), and is compared: named after the owner on the client's phone, it was archived again.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from textfile.errors import ImportFailed
from textfile.importers import by_name

if TYPE_CHECKING:
    from textfile.ingest.transaction import ImportResult, Source

COMPARED = 50  # a new conversation's first messages looked up in the others (each one a seek per conversation)
NEARLY_ALL = 0.9  # the share of them one archived conversation must hold: 2 of 2, 9 of 10, a one-message chat's one


def refuse_a_chat_archived_again(conn, source: Source, result: ImportResult, created: set[int]) -> None:
    """Refuse (ImportFailed: the import's transaction rolls back) where a conversation this import created, of a
    format whose chats are named by their file, holds messages nearly all of which another conversation of that
    format already held: a renamed export of that chat. Nothing is read where the import created no conversation
    (a re-import), or where the archive holds no other of the format's conversations (a first import: one query)."""
    new = [c for c in result.conversations if c in created]
    if _a_clients_phone(conn, source):  # (only its chats read as the archive owner's: the module's docstring)
        (owner,) = conn.execute("SELECT owner_name FROM settings").fetchone()
        new = [c for c in new if (_owner(conn, c) or "").casefold() == owner.casefold()]
    if not new or not by_name(source.format).CHAT_NAMED_BY_FILE or _named(source):
        return
    others = [
        row[0]
        for row in conn.execute(
            f"SELECT id FROM conversations WHERE platform = ? AND id NOT IN ({','.join('?' * len(new))})",
            (source.format, *new),
        )
    ]
    if not others:
        return
    for conv_id in new:
        found = _archived_already(conn, conv_id, others)
        if found is not None:
            raise ImportFailed(source.path, _said(conn, conv_id, *found))


def _named(source: Source) -> bool:
    """A person named the chat (`--conversation`), and the archive held no chat of that name: they said it is a new
    chat, which no comparison overrules (the way in for a chat this check mistook, whose own name it refused)."""
    options = source.options
    return bool(options.get("conversation")) and not options.get("same_bytes_as") and not options.get("named_as")


def _a_clients_phone(conn, source: Source) -> bool:
    """The import names a custodian other than the archive's owner (whose own device `--custodian` may name)."""
    if source.custodian_client is not None:
        return True
    if not source.custodian:
        return False
    (owner,) = conn.execute("SELECT owner_name FROM settings").fetchone()
    return source.custodian.strip().casefold() != owner.casefold()


def _archived_already(conn, conv_id: int, others: list[int]) -> tuple[int, int, int, int, bool] | None:
    """The archived conversation among `others` that holds nearly all of `conv_id`'s first messages received (by time,
    text, and sender where both have one) of those in its own span (from its first message to its last: an export made
    since holds later messages, one that WhatsApp cut holds earlier ones): (that conversation, how many of them it
    holds, how many were compared, the earliest import of a message found there, whether they were the owner's: no one
    else wrote in it); None where there is none."""
    first = _first(conn, conv_id, "in")
    # a chat in which only the owner wrote (an unanswered reminder): its texts, compared with chats in which only the
    # owner wrote too, never one the other side answered (a broadcast there says nothing of this chat: round 7, B; an
    # owner-only chat renamed was archived again: round 8, 2)
    owner_only = not first
    if owner_only:
        first = _first(conn, conv_id, "out")
    held: dict[int, int] = {}
    imported: dict[int, int] = {}
    among = json.dumps(others)
    # (each message a seek per conversation, on the index of (conversation_id, sent_at))
    for sent_at, body, handle in first:
        for other, import_id in conn.execute(
            "SELECT m.conversation_id, min(m.import_id) FROM messages m LEFT JOIN participants p ON p.id = m.sender_id"
            " WHERE m.conversation_id IN (SELECT value FROM json_each(?)) AND m.sent_at = ? AND m.body = ?"
            " AND m.kind = 'message' AND (p.handle IS NULL OR ? IS NULL OR p.handle = ?) GROUP BY m.conversation_id",
            (among, sent_at, body, handle, handle),
        ):
            held[other] = held.get(other, 0) + 1
            imported[other] = min(imported.get(other, import_id), import_id)
    for other in sorted(held, key=lambda c: (-held[c], c)):
        if (
            owner_only
            and conn.execute(
                "SELECT 1 FROM messages WHERE conversation_id = ? AND direction = 'in' LIMIT 1", (other,)
            ).fetchone()
        ):
            continue
        since, until = conn.execute(  # (two seeks on the index: min and max in one select would read them all)
            "SELECT (SELECT min(sent_at) FROM messages WHERE conversation_id = ?1),"
            " (SELECT max(sent_at) FROM messages WHERE conversation_id = ?1)",
            (other,),
        ).fetchone()
        compared = sum(since <= m["sent_at"] <= until for m in first)
        # nearly all, and at least 2: one "ok" at the same minute in two chats is chance (a one-message chat's one is not)
        if held[other] >= compared * NEARLY_ALL and (held[other] >= 2 or len(first) == 1):
            return other, held[other], compared, imported[other], owner_only
    return None


def _first(conn, conv_id: int, direction: str) -> list:
    """A conversation's first messages of a direction, in time order: (sent_at, body, sender's handle)."""
    return conn.execute(
        "SELECT m.sent_at, m.body, p.handle FROM messages m LEFT JOIN participants p ON p.id = m.sender_id"
        " WHERE m.conversation_id = ? AND m.kind = 'message' AND m.direction = ? ORDER BY m.sent_at, m.rowid LIMIT ?",
        (conv_id, direction, COMPARED),
    ).fetchall()


def _said(conn, conv_id: int, other: int, n: int, compared: int, import_id: int, owner_only: bool) -> str:
    """The refusal: how many of the chat's messages the archived chat holds, which chat (and the file it was first
    imported from), what this looks like, and the way in."""
    (title,) = conn.execute("SELECT title FROM conversations WHERE id = ?", (conv_id,)).fetchone()
    (archived,) = conn.execute("SELECT title FROM conversations WHERE id = ?", (other,)).fetchone()
    (file_name,) = conn.execute("SELECT file_name FROM imports WHERE id = ?", (import_id,)).fetchone()
    messages = "message" if compared == 1 else "messages"
    owner, archived_owner = (_owner(conn, c) for c in (conv_id, other))
    # (a client's own export of their chat with the owner is named after the owner, and read with the client as its
    # owner: --conversation would not lead it there, its key holding the client)
    theirs = (
        f"; if it is a client's own export of that chat (read with {owner!r} as its owner), import it with --custodian CLIENT"
        if owner is not None and archived_owner is not None and owner.casefold() != archived_owner.casefold()
        else ""
    )
    which = "the owner sent (no one else wrote in it)" if owner_only else "received"
    return (
        f"conversation {other} {archived!r} (first imported from {file_name!r}) already holds {n} of this chat's"
        f" {compared} {messages} {which} compared (its first, up to the last that conversation holds): this looks like a"
        f" renamed export of that chat, which would be archived again as a new conversation {title!r}. Import it with"
        f" --conversation {archived!r} to add only its new messages to that chat; if it is another chat, name it with"
        f" --conversation NAME{theirs}"
    )


def _owner(conn, conv_id: int) -> str | None:
    """A conversation's owner as named there."""
    row = conn.execute(
        "SELECT coalesce(display_name, handle) FROM participants WHERE conversation_id = ? AND is_owner ORDER BY id"
        " LIMIT 1",
        (conv_id,),
    ).fetchone()
    return None if row is None else row[0]
