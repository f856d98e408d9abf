"""Matters: what a client's conversations are filed under.

Opening one runs the automatic rule for its client (auto.py). Closing a matter ends its filings
at that moment: later messages are unfiled, or continue in the client's next open matter. A matter
closed by mistake (or taken up again) is reopened (`reopen_matter`): the filings its close ended run on
again, as if it had not been closed; what was filed by hand since stays as it is. A matter
under legal hold is never reported safe to delete from the phone. A matter's title or reference
may be corrected (`edit_matter`; never the reference of a held matter, since the audit log records
holds by reference).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field

from textfile import audit, ignore, times
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


def set_matter_state(conn: sqlite3.Connection, reference: str, action: str) -> Matter:
    """Close a matter, or put it under legal hold or release it (`action`: close, hold, release)."""
    row = live_matter_row(conn, reference, f"it cannot be {'put on hold' if action == 'hold' else action + 'd'}")
    if action == "close":
        _close(conn, row)
    elif action in ("hold", "release"):
        _hold(conn, row, action)
    else:
        raise InvalidInput(f"unknown matter action {action!r}")
    return matter(conn, row["reference"])


def _close(conn: sqlite3.Connection, row: sqlite3.Row) -> None:
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
    audit.append(
        conn, "matter close", {"matter": row["reference"], "filings_end": closed_at, "conversations": sorted(bounded)}
    )


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


def _hold(conn: sqlite3.Connection, row: sqlite3.Row, action: str) -> None:
    wanted = 1 if action == "hold" else 0
    if row["legal_hold"] == wanted:
        raise Conflict(f"matter {row['reference']!r} is {'already' if wanted else 'not'} under legal hold")
    conn.execute("UPDATE matters SET legal_hold = ? WHERE id = ?", (wanted, row["id"]))
    audit.append(conn, f"matter {action}", {"matter": row["reference"]})


def edit_matter(
    conn: sqlite3.Connection,
    reference: str,
    *,
    title: str | None = None,
    new_reference: str | None = None,
    reason: str | None = None,
) -> Matter:
    """Change a matter's title or reference (one audit entry, with the reason)."""
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
    if len(details) == 1:
        raise InvalidInput("nothing to change: give --title or --reference with a new value")
    conn.execute(
        "UPDATE matters SET reference = ?, title = ? WHERE id = ?",
        (
            details.get("reference", {}).get("to", row["reference"]),
            details.get("title", {}).get("to", row["title"]),
            row["id"],
        ),
    )
    audit.append(conn, "matter edit", details | {"reason": reason})
    return matter(conn, details.get("reference", {}).get("to", row["reference"]))


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
