"""Matters: what a client's conversations are filed under.

Opening one runs the automatic rule for its client (auto.py). Closing a matter ends its filings
at that moment: later messages are unfiled, or continue in the client's next open matter. A matter
closed by mistake (or taken up again) is reopened (`reopen_matter`): the filings its close ended run on
again, as if it had not been closed; what was filed by hand since stays as it is. A matter
under legal hold is never reported safe to delete from the phone. A matter's title or reference
may be corrected (`edit_matter`), and so may its client, when it was opened for the wrong one: only
while nothing made of it names the first client (`_unmovable`).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field

from textfile import audit, ignore, times
from textfile.audit.digest import plural
from textfile.errors import Conflict, InvalidInput
from textfile.filing.auto import Filed, auto_file
from textfile.filing.names import client_row, disposed_at, live_matter_row, matter_row
from textfile.results import Result, omit_empty


@dataclass(slots=True, eq=False)
class Matter(Result):
    """A matter as `matter list` shows it: its client, status, and what is filed to it."""

    id: int
    reference: str
    client: str
    title: str
    opened_at: str
    closed_at: str | None
    legal_hold: bool
    status: str  # open or closed
    conversations: int
    messages: int


@dataclass(slots=True, eq=False)
class OpenedMatter(Matter):
    """A matter just opened, the conversations the automatic rule filed to it, and those it left because
    they are set aside though they hold the client's handle (`ignore.aside_with_clients`)."""

    filed: list[Filed] = field(default_factory=list)
    set_aside: list[ignore.AsideWithClients] = omit_empty(default_factory=list)


@dataclass(slots=True, eq=False)
class ReopenedMatter(Matter):
    """A matter reopened: when it had closed, the conversations whose filings run on again, what the
    automatic rule filed to it, the conversations of those that another matter took meanwhile (the
    messages since are filed to both: `also`, conversation -> the other matters), and those set aside
    that hold the client's handle (as `OpenedMatter`'s)."""

    was_closed_at: str = ""
    resumed: list[int] = field(default_factory=list)
    filed: list[Filed] = field(default_factory=list)
    also: dict[int, list[str]] = omit_empty(default_factory=dict)
    set_aside: list[ignore.AsideWithClients] = omit_empty(default_factory=list)


def open_matter(conn: sqlite3.Connection, reference: str, client_name: str, title: str) -> OpenedMatter:
    reference = reference.strip()
    if not reference:
        raise InvalidInput("a matter needs a reference")
    if not title.strip():
        raise InvalidInput("a matter needs a title")
    client = client_row(conn, client_name)
    taken = conn.execute("SELECT id FROM matters WHERE reference = ?", (reference,)).fetchone()
    if taken:
        disposed = disposed_at(conn, taken[0])
        if disposed:
            raise Conflict(
                f"a matter {reference!r} was disposed of on {times.day(disposed, times.archive_zone(conn))}: its reference stays reserved (give another)"
            )
        raise Conflict(f"a matter {reference!r} already exists")
    conn.execute(
        "INSERT INTO matters (client_id, reference, title, opened_at) VALUES (?, ?, ?, ?)",
        (client["id"], reference, title.strip(), times.now_iso()),
    )
    audit.append(conn, "matter open", {"matter": reference, "client": client["name"], "title": title.strip()})
    filed = auto_file(conn, client_id=client["id"])
    return OpenedMatter.extending(matter(conn, reference), filed=filed, set_aside=_set_aside_of(conn, client["id"]))


def _set_aside_of(conn: sqlite3.Connection, client_id: int) -> list[ignore.AsideWithClients]:
    """The conversations set aside that hold one of the client's handles: the automatic rule files none."""
    theirs = [h for (h,) in conn.execute("SELECT handle FROM client_handles WHERE client_id = ?", (client_id,))]
    return ignore.aside_with_clients(conn, handles=theirs) if theirs else []


def set_matter_state(conn: sqlite3.Connection, reference: str, action: str, reason: str | None = None) -> Matter:
    """Close a matter (with why, when said), or put it under legal hold or release it (`action`: close,
    hold, release)."""
    row = live_matter_row(conn, reference, f"it cannot be {'put on hold' if action == 'hold' else action + 'd'}")
    if action == "close":
        _close(conn, row, reason)
    elif action in ("hold", "release"):
        _hold(conn, row, action, reason)
    else:
        raise InvalidInput(f"unknown matter action {action!r}")
    return matter(conn, row["reference"])


def _close(conn: sqlite3.Connection, row: sqlite3.Row, reason: str | None) -> None:
    """End the matter's open filings now. The reason, when given, is audited as `reopen_matter` audits its
    own (a close without one is audited as it always was)."""
    if reason is not None and not reason.strip():
        raise InvalidInput("say why the matter is closed (--reason), or give no --reason")
    if row["closed_at"]:
        raise Conflict(
            f"matter {row['reference']!r} is already closed (since {times.display(row['closed_at'], times.archive_zone(conn))})"
        )
    closed_at = times.now_iso()
    conn.execute("UPDATE matters SET closed_at = ? WHERE id = ?", (closed_at, row["id"]))
    # A closed matter takes no new messages: its open-ended filings end now. What is sent
    # later is unfiled until a person files it, or until the client's next matter opens.
    bounded = [
        r[0]
        for r in conn.execute(
            "UPDATE filings SET until_at = ? WHERE matter_id = ? AND until_at IS NULL RETURNING conversation_id",
            (closed_at, row["id"]),
        )
    ]
    details = {"matter": row["reference"], "filings_end": closed_at, "conversations": sorted(bounded)}
    audit.append(conn, "matter close", details | ({"reason": reason.strip()} if reason is not None else {}))


def reopen_matter(conn: sqlite3.Connection, reference: str, reason: str) -> ReopenedMatter:
    """Open a closed matter again (closed by mistake, or taken up again): its retention clock stops, and
    the filings its close ended (those ending at the very instant it closed) run on again, so that the
    messages since are filed to it as if it had never closed (another matter of the client they went to
    meanwhile keeps them too). Audited, with the reason and when it had closed; the automatic rule then
    runs for its client, as on opening."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("say why the matter is reopened (--reason)")
    row = live_matter_row(conn, reference, "it cannot be reopened")
    closed_at = row["closed_at"]
    if not closed_at:
        raise Conflict(f"matter {row['reference']!r} is open: there is nothing to reopen")
    conn.execute("UPDATE matters SET closed_at = NULL WHERE id = ?", (row["id"],))
    resumed = sorted(
        r[0]
        for r in conn.execute(
            "UPDATE filings SET until_at = NULL WHERE matter_id = ? AND until_at = ? RETURNING conversation_id",
            (row["id"], closed_at),
        )
    )
    audit.append(
        conn,
        "matter reopen",
        {"matter": row["reference"], "closed_at": closed_at, "conversations": resumed, "reason": reason},
    )
    filed = auto_file(conn, client_id=row["client_id"])
    also: dict[int, list[str]] = {}
    for conversation, other in conn.execute(  # (another matter took messages that came since the close)
        "SELECT f.conversation_id, m.reference FROM filings f JOIN matters m ON m.id = f.matter_id"
        " WHERE f.matter_id <> ?1 AND f.conversation_id IN (SELECT value FROM json_each(?3)) AND EXISTS (SELECT 1"
        " FROM messages x WHERE x.conversation_id = f.conversation_id AND x.sent_at > ?2"
        " AND (f.from_at IS NULL OR x.sent_at >= f.from_at) AND (f.until_at IS NULL OR x.sent_at <= f.until_at))"
        " ORDER BY f.conversation_id, m.reference",
        (row["id"], closed_at, json.dumps(resumed)),
    ):
        also.setdefault(conversation, []).append(other)
    return ReopenedMatter.extending(
        matter(conn, row["reference"]),
        was_closed_at=closed_at,
        resumed=resumed,
        filed=filed,
        also=also,
        set_aside=_set_aside_of(conn, row["client_id"]),
    )


def _hold(conn: sqlite3.Connection, row: sqlite3.Row, action: str, reason: str | None = None) -> None:
    """Put the matter under legal hold, or release it; the reason, when given (the litigation or the request that
    called for it, or what ended it), audited as a close's is (second reader, round 12)."""
    if reason is not None and not reason.strip():
        raise InvalidInput(
            f"say why the matter's hold is {'placed' if action == 'hold' else 'released'} (--reason), or give no --reason"
        )
    wanted = 1 if action == "hold" else 0
    if row["legal_hold"] == wanted:
        raise Conflict(f"matter {row['reference']!r} is {'already' if wanted else 'not'} under legal hold")
    conn.execute("UPDATE matters SET legal_hold = ? WHERE id = ?", (wanted, row["id"]))
    details = {"matter": row["reference"]}
    audit.append(conn, f"matter {action}", details | ({"reason": reason.strip()} if reason is not None else {}))


@dataclass(slots=True, eq=False)
class EditedMatter(Matter):
    """A matter corrected; when it moved to another client, the client it moved from, the conversations
    whose filings moved with it, and what the automatic rule then filed for either client."""

    moved_from: str | None = omit_empty(default=None)
    moved: list[int] = omit_empty(default_factory=list)
    filed: list[Filed] = omit_empty(default_factory=list)


def edit_matter(
    conn: sqlite3.Connection,
    reference: str,
    *,
    title: str | None = None,
    new_reference: str | None = None,
    client_name: str | None = None,
    reason: str | None = None,
) -> EditedMatter:
    """Change a matter's title, reference or client (one audit entry, with the reason). A matter moves to
    another client (opened for the wrong one) only while nothing made of it names the first (`_unmovable`);
    the automatic rule then runs for both clients, as on opening: either may now have one open matter."""
    row = live_matter_row(conn, reference, "it cannot be edited")
    details: dict = {"matter": row["reference"]}
    if new_reference is not None and new_reference.strip() != row["reference"]:
        new_reference = new_reference.strip()
        if not new_reference:
            raise InvalidInput("a matter needs a reference")
        if conn.execute("SELECT 1 FROM matters WHERE reference = ? AND id <> ?", (new_reference, row["id"])).fetchone():
            raise Conflict(f"a matter {new_reference!r} already exists")
        details["reference"] = {"from": row["reference"], "to": new_reference}
    if title is not None and title.strip() != row["title"]:
        if not title.strip():
            raise InvalidInput("a matter needs a title")
        details["title"] = {"from": row["title"], "to": title.strip()}
    was = conn.execute("SELECT * FROM clients WHERE id = ?", (row["client_id"],)).fetchone()
    to = client_row(conn, client_name) if client_name is not None else was
    if to["id"] != was["id"]:
        reason = (reason or "").strip()
        if not reason:
            raise InvalidInput("say why the matter moves to another client (--reason)")
        refused = _unmovable(conn, row, was, to)
        if refused:
            raise Conflict(f"matter {row['reference']!r} cannot move from {was['name']} to {to['name']}: {refused}")
        details["client"] = {"from": was["name"], "to": to["name"]}
    if len(details) == 1:
        raise InvalidInput("nothing to change: give --title, --reference or --client with a new value")
    conn.execute(
        "UPDATE matters SET reference = ?, title = ?, client_id = ? WHERE id = ?",
        (
            details.get("reference", {}).get("to", row["reference"]),
            details.get("title", {}).get("to", row["title"]),
            to["id"],
            row["id"],
        ),
    )
    moved = _conversations_of(conn, row["id"]) if "client" in details else []
    if moved:  # (the filings that go with it: of no handle of the first client's, `_unmovable`)
        details["conversations"] = moved
    audit.append(conn, "matter edit", details | {"reason": reason})
    filed = auto_file(conn, client_id=to["id"]) + auto_file(conn, client_id=was["id"]) if "client" in details else []
    return EditedMatter.extending(
        matter(conn, details.get("reference", {}).get("to", row["reference"])),
        moved_from=was["name"] if "client" in details else None,
        moved=moved,
        filed=filed,
    )


def _unmovable(conn: sqlite3.Connection, row: sqlite3.Row, was: sqlite3.Row, to: sqlite3.Row) -> str:
    """Why the matter cannot move from client `was` to `to` ("" if it can). What was made of it names its
    client (a transcript's cover, a production, a note to file, a review report), and a legal hold was
    put on it as theirs: records of the matter that stay as they are, so the matter stays theirs. A
    conversation filed to it that holds a handle of the first client would put that client's texts in
    the other's file: it is taken out first, by a person (`unfile`). Consents are the client's, not the
    matter's; a filing of anyone else's conversation (filed by hand) moves with the matter."""
    made = [
        plural(n, noun)
        for noun, table in (
            ("transcript", "transcripts"),
            ("production", "productions"),
            ("note", "notes"),
            ("review report", "review_reports"),
        )
        if (n := conn.execute(f"SELECT count(*) FROM {table} WHERE matter_id = ?", (row["id"],)).fetchone()[0])
    ]
    why = []
    if made or row["legal_hold"]:
        said = [f"it has {_listed(made)} made as {was['name']}'s"] if made else []
        if row["legal_hold"]:
            said.append(f"{'is' if made else 'it is'} under legal hold")
        why.append(" and ".join(said) + f" (open a matter for {to['name']} instead, and close this one with --reason)")
    theirs: dict[int, list[str]] = {}
    for conversation, handle in conn.execute(
        "SELECT DISTINCT p.conversation_id, p.handle FROM participants p"
        " JOIN client_handles h ON h.handle = p.handle AND h.client_id = ?"
        " WHERE p.conversation_id IN (SELECT conversation_id FROM filings WHERE matter_id = ?) ORDER BY 1, 2",
        (was["id"], row["id"]),
    ):
        theirs.setdefault(conversation, []).append(handle)
    for conversation, handles in theirs.items():
        why.append(
            f"conversation {conversation} holds {', '.join(handles)}, a handle of {was['name']}: moving would put"
            f" {was['name']}'s texts in {to['name']}'s file (textfile unfile {conversation} --matter {row['reference']} takes it out"
            " first)"
        )
    return "; ".join(why)


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _conversations_of(conn: sqlite3.Connection, matter_id: int) -> list[int]:
    return [
        c
        for (c,) in conn.execute(
            "SELECT DISTINCT conversation_id FROM filings WHERE matter_id = ? ORDER BY 1", (matter_id,)
        )
    ]


def matter(conn: sqlite3.Connection, reference: str) -> Matter:
    row = matter_row(conn, reference)
    return next(m for m in list_matters(conn) if m.id == row["id"])


def list_matters(conn: sqlite3.Connection) -> list[Matter]:
    rows = conn.execute(
        "SELECT mt.*, c.name AS client,"
        " (SELECT count(DISTINCT conversation_id) FROM filings WHERE matter_id = mt.id) AS conversations"
        " FROM matters mt JOIN clients c ON c.id = mt.client_id ORDER BY mt.reference"
    ).fetchall()
    disposed = dict(conn.execute("SELECT matter_id, disposed_at FROM disposals"))  # (read once)
    out = []
    for r in rows:
        messages = conn.execute(
            "SELECT count(*) FROM messages m WHERE EXISTS (SELECT 1 FROM filings f WHERE f.matter_id = ?"
            " AND f.conversation_id = m.conversation_id AND (f.from_at IS NULL OR m.sent_at >= f.from_at)"
            " AND (f.until_at IS NULL OR m.sent_at <= f.until_at))",
            (r["id"],),
        ).fetchone()[0]
        out.append(
            Matter(
                id=r["id"],
                reference=r["reference"],
                client=r["client"],
                title=r["title"],
                opened_at=r["opened_at"],
                closed_at=r["closed_at"],
                legal_hold=bool(r["legal_hold"]),
                status="disposed of" if r["id"] in disposed else "closed" if r["closed_at"] else "open",
                conversations=r["conversations"],
                messages=messages,
            )
        )
    return out
