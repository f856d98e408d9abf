"""Personal threads set aside: conversations and handles a person says are not client-related.

An ignored conversation (`conversation_ignores`) is never filed automatically (filing.auto_file),
and `deletable` says "not client-related (ignored on DATE: reason) — delete when you like" after
the verdicts that matter. Ignoring one that is filed, or whose participants include a client's
handle, is a person overruling the archive: it takes `force` (its filings stay as they are).

An ignored handle (`ignored_handles`: a bank's short code, a 2FA sender) ignores each conversation
an import creates whose participants other than the owner are all ignored handles, in the import's
transaction (`on_arrival`), and the import says so. Ignoring a handle does the same at once for the
conversations already archived (in its own audit entry), except one that is filed: a person filed it,
so it is named and stays (`conversation ignore N --force` sets it aside). A handle is normalized as a
participant's is (`phones.normalize_handle`, lenient: a short code stays as written), so it
matches the participant rows; a client's or the owner's handle is refused, and an ignored handle is
refused as a client's (`refuse_ignored`) until it is unignored.

A set-aside is a person's decision, and the archive never takes it back by itself; but it can be
overtaken: a number set aside as "my dentist" later becomes a client's (`client add`, `client edit
--add-phone`). Such a conversation (`aside_with_clients`: set aside, holding a client's handle that
no `conversation ignore --force` made since overruled) is named at once by the command that made the
handle a client's, and `status` lists it as needing the person until they take the set-aside back
(`conversation unignore N`) or confirm it (`conversation ignore N --force`, which replaces the
record). Which handles a forced ignore overruled is read from its audit entry ("forced"). Filing a
set-aside conversation by hand takes the set-aside back (filing.file_conversation: filing says the
thread is a client's), and `deletable` never says "delete when you like" of one that is filed or
holds a client's handle (`client_related`).

Every change is one audit entry with the reason given; unignoring deletes the row.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field

from textfile import audit, times
from textfile.errors import Conflict, InvalidInput
from textfile.filing.conversations import ConversationSummary, label, list_conversations
from textfile.filing.names import require_conversation
from textfile.phones import clean, normalize_handle
from textfile.results import Result, omit_empty


@dataclass(slots=True, eq=False)
class IgnoreMark(Result):
    """A conversation's record of being set aside: when, why, by whom."""

    at: str
    reason: str | None
    by: str


@dataclass(slots=True, eq=False)
class IgnoredConversation(Result):
    """A conversation just set aside (`conversation ignore`)."""

    conversation: int
    reason: str | None
    at: str
    by: str


@dataclass(slots=True, eq=False)
class UnignoredConversation(Result):
    conversation: int
    reason: str | None
    was: IgnoreMark
    # where the automatic rule filed it, taken back (its client's one open matter), as `client add` would have
    filed: list = omit_empty(default_factory=list)


@dataclass(slots=True, eq=False)
class IgnoredHandle(Result):
    """A handle set aside (`handle list`)."""

    handle: str
    reason: str | None
    at: str
    by: str


@dataclass(slots=True, eq=False)
class SetAside(Result):
    """A conversation set aside because its handles are all ignored (the reason: each handle's)."""

    conversation: int
    handles: list[str]
    reason: str


@dataclass(slots=True, eq=False)
class HandleIgnored(IgnoredHandle):
    """A handle just ignored, the archived conversations it set aside at once, and the filed ones it left."""

    conversations: list[SetAside] = field(default_factory=list)
    kept_filed: list[int] = field(default_factory=list)


@dataclass(slots=True, eq=False)
class UnignoredHandle(Result):
    handle: str
    reason: str | None
    was: IgnoreMark


@dataclass(slots=True, eq=False)
class ClientRelated(Result):
    """Why a conversation looks client-related: the matters it is filed to, the clients whose handles it holds."""

    matters: list[str]
    clients: list[str]
    handles: list[str]

    @property
    def why(self) -> str:
        """ "it is filed to 2026-014; it holds the handle of client Sam Client"."""
        return "; ".join(
            ([f"it is filed to {', '.join(self.matters)}"] if self.matters else [])
            + ([f"it holds the handle of client {', '.join(self.clients)}"] if self.clients else [])
        )


@dataclass(slots=True, eq=False)
class AsideWithClients(Result):
    """A conversation set aside that holds a client's handle no forced ignore overruled: neither filed
    nor reviewed while it stays aside, so a person must say which it is."""

    conversation: int
    clients: list[str]
    handles: list[str]  # those clients' handles it holds
    ignored: IgnoreMark


@dataclass(slots=True, eq=False)
class ListedConversation(ConversationSummary):
    """A conversation as `conversations` lists it, with its record of being set aside (None: it is not)."""

    ignored: IgnoreMark | None = None


@dataclass(slots=True, eq=False)
class WaitingConversation(ListedConversation):
    """A conversation waiting for a person to file it or set it aside: named, and `new` when a recent import created it."""

    label: str = ""
    new: bool = False


def ignored(conn: sqlite3.Connection) -> dict[int, IgnoreMark]:
    """Each ignored conversation's record."""
    return {
        r["conversation_id"]: IgnoreMark(r["ignored_at"], r["reason"], r["ignored_by"])
        for r in conn.execute("SELECT * FROM conversation_ignores")
    }


def day(record: IgnoreMark | IgnoredHandle, tz) -> str:
    """The date a record was made on, in the archive's zone: 2026-12-05."""
    return times.from_iso(record.at).astimezone(tz).date().isoformat()


def said(record: IgnoreMark | IgnoredHandle, tz) -> str:
    """ "ignored on 2026-12-05: personal" (the date in the archive's zone)."""
    on = day(record, tz)
    return f"ignored on {on}" + (f": {record.reason}" if record.reason else "")


def _reason(reason: str | None) -> str | None:
    return (reason.strip() or None) if reason is not None else None


def ignore_conversation(
    conn: sqlite3.Connection, conversation_id: int, reason: str | None, force: bool = False
) -> IgnoredConversation:
    """Set a conversation aside; one that looks client-related takes `force`. One already set aside is
    set aside anew only to confirm it, with `force`, once it holds a client's handle (`aside_with_clients`)."""
    require_conversation(conn, conversation_id)
    was = ignored(conn).get(conversation_id)
    if was is not None:
        _confirming(conn, conversation_id, force)
    related = client_related(conn, conversation_id).get(conversation_id)
    if related and not force:
        raise Conflict(
            f"conversation {conversation_id} looks client-related ({related.why}): give --force to ignore it all the same"
        )
    record = IgnoredConversation(conversation_id, _reason(reason), times.now_iso(), audit.current_user())
    conn.execute("DELETE FROM conversation_ignores WHERE conversation_id = ?", (conversation_id,))
    conn.execute(
        "INSERT INTO conversation_ignores (conversation_id, reason, ignored_at, ignored_by) VALUES (?, ?, ?, ?)",
        (conversation_id, record.reason, record.at, record.by),
    )
    audit.append(
        conn,
        "conversation ignore",
        record.to_json() | ({"forced": related.to_json()} if related else {}) | ({"was": was.to_json()} if was else {}),
    )
    return record


def _confirming(conn: sqlite3.Connection, conversation_id: int, force: bool) -> None:
    """A conversation already set aside is set aside anew only when it holds a client's handle since, with `force`."""
    [overtaken] = aside_with_clients(conn, conversation_id) or [None]
    if overtaken is None:
        raise Conflict(f"conversation {conversation_id} is already ignored")
    if not force:
        raise Conflict(
            f"conversation {conversation_id} is already ignored, yet it holds the handle of client"
            f" {', '.join(overtaken.clients)}: give --force to keep it set aside all the same, or take it back"
            f" (textfile conversation unignore {conversation_id})"
        )


def client_related(conn: sqlite3.Connection, conversation_id: int | None = None) -> dict[int, ClientRelated]:
    """Each conversation (or this one) that is filed to a matter or holds a client's handle, and why."""
    found: dict[int, ClientRelated] = {}
    for conv, reference in conn.execute(
        "SELECT DISTINCT f.conversation_id, mt.reference FROM filings f JOIN matters mt ON mt.id = f.matter_id"
        " WHERE ?1 IS NULL OR f.conversation_id = ?1 ORDER BY 2",
        (conversation_id,),
    ):
        found.setdefault(conv, ClientRelated([], [], [])).matters.append(reference)
    for conv, handle, name in conn.execute(
        "SELECT p.conversation_id, p.handle, c.name FROM participants p JOIN client_handles h ON h.handle = p.handle"
        " JOIN clients c ON c.id = h.client_id WHERE p.is_owner = 0 AND (?1 IS NULL OR p.conversation_id = ?1)"
        " ORDER BY c.name, p.handle",
        (conversation_id,),
    ):
        related = found.setdefault(conv, ClientRelated([], [], []))
        related.handles.append(handle)
        if name not in related.clients:
            related.clients.append(name)
    return found


def aside_with_clients(
    conn: sqlite3.Connection, conversation_id: int | None = None, handles: list[str] | None = None
) -> list[AsideWithClients]:
    """The conversations set aside (or this one) that hold a client's handle (one of `handles`, when
    given) which no forced ignore overruled: the one that made the conversation's record named the
    handle and its client in its audit entry (an entry made before handles were recorded: the client).
    A handle since given to another client, or a client renamed, is named again: a person decides."""
    held: dict[int, list[tuple[str, str]]] = {}
    for conv, handle, name in conn.execute(
        "SELECT i.conversation_id, p.handle, c.name FROM conversation_ignores i"
        " JOIN participants p ON p.conversation_id = i.conversation_id AND p.is_owner = 0"
        " JOIN client_handles h ON h.handle = p.handle JOIN clients c ON c.id = h.client_id"
        " WHERE ?1 IS NULL OR i.conversation_id = ?1 ORDER BY 1, c.name, p.handle",
        (conversation_id,),
    ):
        if handles is None or handle in handles:
            held.setdefault(conv, []).append((handle, name))
    if not held:
        return []
    marks, overruled, found = ignored(conn), _overruled(conn), []
    for conv, pairs in held.items():
        forced = overruled.get((conv, marks[conv].at), {})
        left = [
            (handle, name)
            for handle, name in pairs
            if not (name in forced.get("clients", []) and handle in forced.get("handles", [handle]))
        ]
        if left:
            clients = list(dict.fromkeys(name for _, name in left))
            found.append(AsideWithClients(conv, clients, [handle for handle, _ in left], marks[conv]))
    return found


def _overruled(conn: sqlite3.Connection) -> dict[tuple[int, str], dict]:
    """What each forced ignore overruled (its audit entry's "forced"), by conversation and the record's time."""
    found = {}
    for (details,) in conn.execute(
        "SELECT details FROM audit_log WHERE command = 'conversation ignore' AND instr(details, '\"forced\"') > 0"
    ):
        entry = json.loads(details)
        if "forced" in entry:
            found[(entry["conversation"], entry["at"])] = entry["forced"]
    return found


def unignore_conversation(conn: sqlite3.Connection, conversation_id: int, reason: str | None) -> UnignoredConversation:
    was = ignored(conn).get(conversation_id)
    if was is None:
        raise Conflict(f"conversation {conversation_id} is not ignored")
    conn.execute("DELETE FROM conversation_ignores WHERE conversation_id = ?", (conversation_id,))
    record = UnignoredConversation(conversation_id, _reason(reason), was)
    audit.append(conn, "conversation unignore", record.to_json())
    from textfile.filing.auto import auto_file  # (filing reads what is set aside: imported here, not at the top)

    record.filed = auto_file(conn, conversation_ids=[conversation_id])  # (its own audit entry, `file (automatic)`)
    return record


def _handle(text: str, region: str) -> str:
    if not clean(text):
        raise InvalidInput("a handle is needed (a phone number, short code, email or sender name)")
    return normalize_handle(text, region) or clean(text)


def ignore_handle(conn: sqlite3.Connection, text: str, reason: str | None, region: str) -> HandleIgnored:
    handle = _handle(text, region)
    row = conn.execute(
        "SELECT c.name FROM client_handles h JOIN clients c ON c.id = h.client_id WHERE h.handle = ?", (handle,)
    ).fetchone()
    if row:
        raise Conflict(f"{handle} belongs to client {row[0]!r}: a client's handle is never ignored")
    if conn.execute("SELECT 1 FROM owner_handles WHERE handle = ?", (handle,)).fetchone():
        raise Conflict(f"{handle} is one of the archive owner's own handles")
    if conn.execute("SELECT 1 FROM ignored_handles WHERE handle = ?", (handle,)).fetchone():
        raise Conflict(f"{handle} is already ignored")
    record = HandleIgnored(handle, _reason(reason), times.now_iso(), audit.current_user())
    conn.execute(
        "INSERT INTO ignored_handles (handle, reason, ignored_at, ignored_by) VALUES (?, ?, ?, ?)",
        (handle, record.reason, record.at, record.by),
    )
    holding = [
        r[0]
        for r in conn.execute(  # the archived threads it leaves with ignored handles alone (besides the owner)
            "SELECT DISTINCT p.conversation_id FROM participants p WHERE p.handle = ? AND p.is_owner = 0"
            " AND p.conversation_id NOT IN (SELECT conversation_id FROM conversation_ignores)"
            " AND NOT EXISTS (SELECT 1 FROM participants o WHERE o.conversation_id = p.conversation_id AND o.is_owner = 0"
            "                 AND o.handle NOT IN (SELECT handle FROM ignored_handles)) ORDER BY 1",
            (handle,),
        )
    ]
    filed = {
        r[0]
        for r in conn.execute(
            f"SELECT DISTINCT conversation_id FROM filings WHERE conversation_id IN ({','.join('?' * len(holding))})",
            holding,
        )
    }
    record.conversations = _ignore_where_all_ignored(conn, [c for c in holding if c not in filed])
    record.kept_filed = sorted(c for c in holding if c in filed)
    audit.append(conn, "handle ignore", record.to_json())
    return record


def refuse_ignored(conn: sqlite3.Connection, handle: str, whose: str = "a client's") -> None:
    """A handle given to a client (`client add`, `client edit --add-phone`/`--add-email`) or to the owner
    (`settings --add-phone`/`--add-email`: `whose` "your own") that is ignored is refused (Conflict), naming the
    way out: such a handle is never ignored (`ignore_handle` refuses both), and an ignored one would go on
    setting aside its new threads as they arrive, unseen."""
    row = conn.execute("SELECT * FROM ignored_handles WHERE handle = ?", (handle,)).fetchone()
    if row is None:
        return
    record = IgnoredHandle(row["handle"], row["reason"], row["ignored_at"], row["ignored_by"])
    raise Conflict(
        f"{handle} is an ignored handle ({said(record, times.archive_zone(conn))}), and {whose} handle is never"
        f" ignored: stop ignoring it first (textfile handle unignore {handle})"
    )


def unignore_handle(conn: sqlite3.Connection, text: str, reason: str | None, region: str) -> UnignoredHandle:
    handle = _handle(text, region)
    row = conn.execute("SELECT * FROM ignored_handles WHERE handle = ?", (handle,)).fetchone()
    if row is None:
        raise Conflict(f"{handle} is not ignored")
    conn.execute("DELETE FROM ignored_handles WHERE handle = ?", (handle,))
    record = UnignoredHandle(handle, _reason(reason), IgnoreMark(row["ignored_at"], row["reason"], row["ignored_by"]))
    audit.append(conn, "handle unignore", record.to_json())
    return record


def list_handles(conn: sqlite3.Connection) -> list[IgnoredHandle]:
    return [
        IgnoredHandle(r["handle"], r["reason"], r["ignored_at"], r["ignored_by"])
        for r in conn.execute("SELECT * FROM ignored_handles ORDER BY handle")
    ]


def on_arrival(conn: sqlite3.Connection, conversation_ids: list[int]) -> list[dict]:
    """Ignore each of these new conversations whose participants other than the owner are all
    ignored handles; the caller records them in its own audit entry (the import's): as the dicts it holds."""
    return [s.to_json() for s in _ignore_where_all_ignored(conn, conversation_ids)]


def _ignore_where_all_ignored(conn: sqlite3.Connection, conversation_ids: list[int]) -> list[SetAside]:
    """Ignore each of these conversations whose participants other than the owner are all ignored
    handles (the reason: each handle's); the caller audits them."""
    handles = {h.handle: h for h in list_handles(conn)}
    if not handles:
        return []
    out, by, now = [], audit.current_user(), times.now_iso()
    for conversation_id in sorted(conversation_ids):
        people = [
            r[0]
            for r in conn.execute(
                "SELECT handle FROM participants WHERE conversation_id = ? AND is_owner = 0 ORDER BY handle",
                (conversation_id,),
            )
        ]
        if not people or not all(p in handles for p in people):
            continue
        # "handle ignored: bank 2FA codes" (when the handle was ignored: `handle list`; this conversation's own date is its record's)
        reason = "; ".join(
            f"handle {'' if len(people) == 1 else p + ' '}ignored"
            + (f": {handles[p].reason}" if handles[p].reason else "")
            for p in people
        )
        conn.execute(
            "INSERT INTO conversation_ignores (conversation_id, reason, ignored_at, ignored_by) VALUES (?, ?, ?, ?)",
            (conversation_id, reason, now, by),
        )
        out.append(SetAside(conversation_id, people, reason))
    return out


def conversations(conn: sqlite3.Connection, *, unfiled_only: bool = False) -> list[ListedConversation]:
    """`filing.list_conversations` with each one's `ignored` record (or None); an ignored
    conversation is never waiting to be filed, so `unfiled_only` leaves it out."""
    marks = ignored(conn)
    return [
        ListedConversation.extending(c, ignored=marks.get(c.id))
        for c in list_conversations(conn, unfiled_only=unfiled_only)
        if not (unfiled_only and c.id in marks)
    ]


def waiting(conn: sqlite3.Connection, since: str | None) -> list[WaitingConversation]:
    """The conversations waiting for a person (`conversations --unfiled`, the ignored left out), each
    with its `label` and marked `new` when an import since `since` created it (its row's creation)."""
    created = (
        {r[0] for r in conn.execute("SELECT id FROM conversations WHERE created_at >= ?", (since,))} if since else set()
    )
    return [
        WaitingConversation.extending(c, label=label(c), new=c.id in created)
        for c in conversations(conn, unfiled_only=True)
    ]
