"""Clients, matters, their handles, and which conversation belongs where.

The automatic rule: a conversation with no filing yet, whose participants include the handle of
a client, is filed to that client's only open matter (except a thread found on a client's own phone
that the owner is not in: every thread of that phone holds the client's handle; a person files it). If the participants' clients have no open
matter, or several between them, the conversation waits in the unfiled queue for a person to
decide (`textfile file`). The rule runs after every import for the conversations it touched, and
again for a client whenever one of their matters is opened. Closing a matter ends its filings
at that moment: later messages are unfiled, or continue in the client's next open matter.

A filing covers a conversation, or the part of it between `from_at` and `until_at` (inclusive).
A message is unfiled while no filing covers it.

Corrections: a client is renamed or given or relieved of a handle (`edit_client`), and then the
automatic rule runs again for them, filing what the change made unambiguous (and a removed handle
takes back the automatic filings it was the only ground for: a mistyped number must not leave a
stranger's thread in the client's file; filings a person made stay, and are named); a matter's title or
reference changes (`edit_matter`; never the reference of a held matter, since the audit log
records holds by reference). `unfile` deletes filings: the audit entry keeps each one whole
(matter, window, how, who filed it, when), transcripts made from it stay as they were, and the
conversation is never filed automatically again (a person took it out; a person files it). Filing by
hand refuses a window with no message in it, and a conversation already under another client's
matter unless told `also` (a privilege risk); into a closed matter it files, with a warning.
A number a client is given must be valid for the region, or be a handle an import already
archived (a fictional 555 number a backup holds): the conversations are keyed by it either way.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from textfile import audit, times
from textfile.errors import Conflict, InvalidHandle, InvalidInput, NotFound
from textfile.phones import normalize_client_handle, normalize_email, normalize_handle

COVERED = (
    "EXISTS (SELECT 1 FROM filings f WHERE f.conversation_id = m.conversation_id"
    " AND (f.from_at IS NULL OR m.sent_at >= f.from_at) AND (f.until_at IS NULL OR m.sent_at <= f.until_at))"
)


# -- clients ---------------------------------------------------------------------------------


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
    if row and row[1] == client_id:
        raise Conflict(f"{handle} is already one of {row[0]}'s handles")
    if row:
        raise Conflict(f"{handle} already belongs to client {row[0]!r}; one handle cannot belong to two clients")
    if conn.execute("SELECT 1 FROM owner_handles WHERE handle = ?", (handle,)).fetchone():
        raise Conflict(f"{handle} is one of the archive owner's own handles")


def add_client(conn: sqlite3.Connection, name: str, phones: list[str], emails: list[str], region: str) -> dict:
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
    return client(conn, name)


def _client_row(conn: sqlite3.Connection, name: str) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM clients WHERE name = ?", (name.strip(),)).fetchone()
    if row is None:
        raise NotFound(f"no client named {name!r} (see `textfile client list`)")
    return row


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
) -> dict:
    """Rename a client, add or remove their handles (one audit entry with the reason), then file what
    the correction makes unambiguous (`auto_file`, its own entry)."""
    row = _client_row(conn, name)
    details: dict = {"client": row["name"]}
    if new_name is not None and new_name.strip() != row["name"]:
        new_name = new_name.strip()
        if not new_name:
            raise InvalidInput("a client needs a name")
        other = conn.execute("SELECT name FROM clients WHERE name = ? AND id <> ?", (new_name, row["id"])).fetchone()
        if other:
            raise Conflict(f"a client named {other[0]!r} already exists")
        conn.execute("UPDATE clients SET name = ? WHERE id = ?", (new_name, row["id"]))
        details["renamed_to"] = new_name
    removed = []
    for handle, _kind in _removed_handles(phones=remove_phones, emails=remove_emails, region=region):
        if (
            conn.execute(
                "DELETE FROM client_handles WHERE handle = ? AND client_id = ? RETURNING handle", (handle, row["id"])
            ).fetchone()
            is None
        ):
            raise NotFound(f"{handle} is not one of {row['name']!r}'s handles (see `textfile client show`)")
        removed.append(handle)
    added = _handles(conn, list(add_phones), region, "phone") + _handles(conn, list(add_emails), region, "email")
    for handle, kind in dict(added).items():
        _check_free(conn, handle, row["id"])
        conn.execute("INSERT INTO client_handles (handle, client_id, kind) VALUES (?, ?, ?)", (handle, row["id"], kind))
    if len(details) == 1 and not added and not removed:
        raise InvalidInput("nothing to change: give --name, --add-phone, --remove-phone, --add-email or --remove-email")
    details |= {"added": list(dict(added)), "removed": removed, "reason": reason, "by": audit.current_user()}
    unfiled = _unfounded_filings(conn, row["id"], removed) if removed else []
    if unfiled:
        details["unfiled"] = unfiled
    audit.append(conn, "client edit", details)
    filed = auto_file(conn, client_id=row["id"])
    kept = _kept_by_hand(conn, row["id"], removed) if removed else []
    return {
        **client(conn, details.get("renamed_to", row["name"])),
        "changed": details,
        "filed": filed,
        "unfiled": unfiled,
        "kept": kept,
    }


def _unfounded_filings(conn: sqlite3.Connection, client_id: int, removed: list[str]) -> list[dict]:
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
        {
            "conversation": r["conversation_id"],
            "matter": r["reference"],
            "through": r["through"],
            "from": r["from_at"],
            "until": r["until_at"],
            "filed_at": r["created_at"],
        }
        for r in rows
    ]


def _kept_by_hand(conn: sqlite3.Connection, client_id: int, removed: list[str]) -> list[dict]:
    """Filings a person made into the client's matters of conversations that held a removed handle
    and now hold none of the client's: kept (a person decided them), named so they can be reviewed."""
    return [
        {"conversation": r[0], "matter": r[1]}
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


def _removed_handles(*, phones: list[str], emails: list[str], region: str) -> list[tuple[str, str]]:
    """The handles to remove, read as they were stored: what a number reads as, valid or not."""
    return [(normalize_handle(v, region), "phone") for v in phones] + [
        (normalize_email(v.strip()), "email") for v in emails
    ]


def client(conn: sqlite3.Connection, name: str) -> dict:
    row = _client_row(conn, name)
    handles = [
        dict(r)
        for r in conn.execute(
            "SELECT handle, kind FROM client_handles WHERE client_id = ? ORDER BY kind, handle", (row["id"],)
        )
    ]
    matters = [m for m in list_matters(conn) if m["client"] == row["name"]]
    conversations = [
        c
        for c in list_conversations(conn)
        if set(c["handles"]) & {h["handle"] for h in handles} or set(c["matters"]) & {m["reference"] for m in matters}
    ]
    return {
        "id": row["id"],
        "name": row["name"],
        "created_at": row["created_at"],
        "handles": handles,
        "matters": matters,
        "conversations": conversations,
    }


def list_clients(conn: sqlite3.Connection) -> list[dict]:
    out = []
    for row in conn.execute("SELECT * FROM clients ORDER BY name"):
        handles = [
            r[0]
            for r in conn.execute(
                "SELECT handle FROM client_handles WHERE client_id = ? ORDER BY kind, handle", (row["id"],)
            )
        ]
        counts = conn.execute(
            "SELECT count(*), sum(closed_at IS NULL) FROM matters WHERE client_id = ?", (row["id"],)
        ).fetchone()
        out.append(
            {
                "name": row["name"],
                "handles": handles,
                "matters": counts[0],
                "open_matters": counts[1] or 0,
                "created_at": row["created_at"],
            }
        )
    return out


# -- matters ---------------------------------------------------------------------------------


def _matter_row(conn: sqlite3.Connection, reference: str) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM matters WHERE reference = ?", (reference.strip(),)).fetchone()
    if row is None:
        raise NotFound(f"no matter {reference!r} (see `textfile matter list`)")
    return row


def open_matter(conn: sqlite3.Connection, reference: str, client_name: str, title: str) -> dict:
    reference = reference.strip()
    if not reference:
        raise InvalidInput("a matter needs a reference")
    if not title.strip():
        raise InvalidInput("a matter needs a title")
    client_row = _client_row(conn, client_name)
    if conn.execute("SELECT 1 FROM matters WHERE reference = ?", (reference,)).fetchone():
        raise Conflict(f"a matter {reference!r} already exists")
    conn.execute(
        "INSERT INTO matters (client_id, reference, title, opened_at) VALUES (?, ?, ?, ?)",
        (client_row["id"], reference, title.strip(), times.now_iso()),
    )
    audit.append(conn, "matter open", {"matter": reference, "client": client_row["name"], "title": title.strip()})
    filed = auto_file(conn, client_id=client_row["id"])
    return {**matter(conn, reference), "filed": filed}


def set_matter_state(conn: sqlite3.Connection, reference: str, action: str) -> dict:
    row = _matter_row(conn, reference)
    if action == "close":
        if row["closed_at"]:
            raise Conflict(f"matter {row['reference']!r} is already closed (since {row['closed_at']})")
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
            conn,
            "matter close",
            {"matter": row["reference"], "filings_end": closed_at, "conversations": sorted(bounded)},
        )
        return matter(conn, row["reference"])
    elif action in ("hold", "release"):
        wanted = 1 if action == "hold" else 0
        if row["legal_hold"] == wanted:
            raise Conflict(f"matter {row['reference']!r} is {'already' if wanted else 'not'} under legal hold")
        conn.execute("UPDATE matters SET legal_hold = ? WHERE id = ?", (wanted, row["id"]))
    else:
        raise InvalidInput(f"unknown matter action {action!r}")
    audit.append(conn, f"matter {action}", {"matter": row["reference"]})
    return matter(conn, row["reference"])


def edit_matter(
    conn: sqlite3.Connection,
    reference: str,
    *,
    title: str | None = None,
    new_reference: str | None = None,
    reason: str | None = None,
) -> dict:
    """Change a matter's title or reference (one audit entry, with the reason)."""
    row = _matter_row(conn, reference)
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


def matter(conn: sqlite3.Connection, reference: str) -> dict:
    row = _matter_row(conn, reference)
    return next(m for m in list_matters(conn) if m["id"] == row["id"])


def list_matters(conn: sqlite3.Connection) -> list[dict]:
    rows = conn.execute(
        "SELECT mt.*, c.name AS client,"
        " (SELECT count(DISTINCT conversation_id) FROM filings WHERE matter_id = mt.id) AS conversations"
        " FROM matters mt JOIN clients c ON c.id = mt.client_id ORDER BY mt.reference"
    ).fetchall()
    out = []
    for r in rows:
        messages = conn.execute(
            "SELECT count(*) FROM messages m WHERE EXISTS (SELECT 1 FROM filings f WHERE f.matter_id = ?"
            " AND f.conversation_id = m.conversation_id AND (f.from_at IS NULL OR m.sent_at >= f.from_at)"
            " AND (f.until_at IS NULL OR m.sent_at <= f.until_at))",
            (r["id"],),
        ).fetchone()[0]
        out.append(
            {
                "id": r["id"],
                "reference": r["reference"],
                "client": r["client"],
                "title": r["title"],
                "opened_at": r["opened_at"],
                "closed_at": r["closed_at"],
                "legal_hold": bool(r["legal_hold"]),
                "status": "closed" if r["closed_at"] else "open",
                "conversations": r["conversations"],
                "messages": messages,
            }
        )
    return out


# -- filing ----------------------------------------------------------------------------------


def auto_file(
    conn: sqlite3.Connection, *, conversation_ids: list[int] | None = None, client_id: int | None = None
) -> list[dict]:
    """File every unfiled conversation (of those given) whose clients have exactly one open matter.

    A conversation whose every filing belongs to a closed matter continues in the open matter
    from where the last one ended (closing a matter ends its filings). One a person unfiled
    (`unfile`, in the audit log) is never filed automatically again: a person files it."""
    where, params = [], []
    if conversation_ids is not None:
        if not conversation_ids:
            return []
        where.append(f"c.id IN ({','.join('?' * len(conversation_ids))})")
        params += conversation_ids
    if client_id is not None:
        where.append(
            "c.id IN (SELECT p2.conversation_id FROM participants p2 JOIN client_handles h2 ON h2.handle = p2.handle WHERE h2.client_id = ?)"
        )
        params.append(client_id)
    rows = conn.execute(
        "SELECT c.id AS conversation_id, min(mt.id) AS matter_id, min(mt.reference) AS reference,"
        " (SELECT max(f.until_at) FROM filings f WHERE f.conversation_id = c.id) AS from_at"
        " FROM conversations c"
        " JOIN participants p ON p.conversation_id = c.id AND p.is_owner = 0"
        " JOIN client_handles h ON h.handle = p.handle"
        " JOIN matters mt ON mt.client_id = h.client_id AND mt.closed_at IS NULL"
        " WHERE c.id NOT IN (SELECT conversation_id FROM conversation_ignores)"  # set aside by a person (ignore.py)
        # A thread found on a client's own phone that the owner is not in (the client and their spouse):
        # the client is in every thread of their phone, so their handle says nothing of the matter; a person decides.
        " AND (EXISTS (SELECT 1 FROM participants o WHERE o.conversation_id = c.id AND o.is_owner = 1)"
        "      OR NOT EXISTS (SELECT 1 FROM messages m JOIN message_sources s ON s.message_id = m.id"
        "                     JOIN import_custodians ic ON ic.import_id = s.import_id WHERE m.conversation_id = c.id))"
        " AND NOT EXISTS (SELECT 1 FROM filings f JOIN matters fm ON fm.id = f.matter_id"
        "                   WHERE f.conversation_id = c.id AND (f.until_at IS NULL OR fm.closed_at IS NULL))"
        # ... and the filing that ends last was ended by its matter's closing (a window a person
        # chose ends where they said; what follows it waits for a person)
        " AND (NOT EXISTS (SELECT 1 FROM filings f WHERE f.conversation_id = c.id)"
        "      OR EXISTS (SELECT 1 FROM filings f JOIN matters fm ON fm.id = f.matter_id WHERE f.conversation_id = c.id"
        "                 AND f.until_at = fm.closed_at AND f.until_at = (SELECT max(f2.until_at) FROM filings f2 WHERE f2.conversation_id = c.id)))"
        " AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.command = 'unfile' AND json_extract(a.details, '$.conversation') = c.id)"
        + "".join(f" AND {w}" for w in where)
        + " GROUP BY c.id HAVING count(DISTINCT mt.id) = 1 ORDER BY c.id",
        params,
    ).fetchall()
    now = times.now_iso()
    conn.executemany(
        "INSERT INTO filings (conversation_id, matter_id, from_at, until_at, how, created_at) VALUES (?, ?, ?, NULL, 'auto', ?)",
        [(r["conversation_id"], r["matter_id"], _after(r["from_at"]), now) for r in rows],
    )
    filed = [
        {
            "conversation": r["conversation_id"],
            "matter": r["reference"],
            **({"from": _after(r["from_at"])} if r["from_at"] else {}),
        }
        for r in rows
    ]
    if filed:
        audit.append(conn, "file (automatic)", {"filed": filed})
    return filed


def _after(instant: str | None) -> str | None:
    """The next millisecond: filings' bounds are inclusive, and a message at the instant a matter
    closed belongs to that matter alone."""
    return times.to_iso(times.from_iso(instant) + timedelta(milliseconds=1)) if instant else None


def file_conversation(
    conn: sqlite3.Connection,
    conversation_id: int,
    reference: str,
    from_at: str | None,
    until_at: str | None,
    *,
    also: bool = False,
) -> dict:
    """File a conversation (or its window) under a matter by hand. Refused: a window that holds no
    message, and, without `also`, a conversation filed under another client's matter (one thread in
    two clients' files risks one's privileged messages reaching the other). Filing into a closed
    matter is allowed (a late backup of the matter's own messages) with a warning."""
    if conn.execute("SELECT 1 FROM conversations WHERE id = ?", (conversation_id,)).fetchone() is None:
        raise NotFound(f"no conversation {conversation_id} (see `textfile conversations`)")
    mt = _matter_row(conn, reference)
    if from_at and until_at and from_at > until_at:
        raise InvalidInput("--from is after --until")
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
    by = audit.current_user()
    conn.execute(
        "INSERT INTO filings (conversation_id, matter_id, from_at, until_at, how, created_at, filed_by) VALUES (?, ?, ?, ?, 'manual', ?, ?)",
        (conversation_id, mt["id"], from_at, until_at, times.now_iso(), by),
    )
    details = {
        "conversation": conversation_id,
        "matter": mt["reference"],
        "from": from_at,
        "until": until_at,
        "messages": covered,
        "by": by,
    }
    if others:
        details["also_filed_under"] = [r["reference"] for r in others]
    audit.append(conn, "file", details)
    tz = times.zone(conn.execute("SELECT tz FROM settings").fetchone()[0])
    warnings = (
        [f"matter {mt['reference']} is closed (since {times.display(mt['closed_at'], tz)})"] if mt["closed_at"] else []
    )
    if others:
        warnings.append(
            f"conversation {conversation_id} is now filed under more than one client's matters: {', '.join([*details['also_filed_under'], mt['reference']])}"
        )
    return details | ({"warnings": warnings} if warnings else {})


def unfile(
    conn: sqlite3.Connection, conversation_id: int, reference: str | None = None, reason: str | None = None
) -> dict:
    """Remove a conversation's filings (all, or those into `reference`). The audit entry keeps each
    removed filing whole (matter, window, how, who filed it and when), so the record of it survives;
    transcripts already made stay as they are."""
    if conn.execute("SELECT 1 FROM conversations WHERE id = ?", (conversation_id,)).fetchone() is None:
        raise NotFound(f"no conversation {conversation_id} (see `textfile conversations`)")
    matter_id = _matter_row(conn, reference)["id"] if reference else None
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
        {
            "matter": refs[r["matter_id"]],
            "from": r["from_at"],
            "until": r["until_at"],
            "how": r["how"],
            "filed_at": r["created_at"],
            "by": r["filed_by"],
        }
        for r in sorted(rows, key=lambda r: r["id"])
    ]
    details = {"conversation": conversation_id, "removed": removed, "reason": reason}
    audit.append(conn, "unfile", details)
    return details


# -- conversations ---------------------------------------------------------------------------


# The precision a conversation's first or last message wrote its time at (`times.display`).
PRECISION_OF = "SELECT coalesce(f.time_precision, 'millisecond') FROM messages f WHERE f.conversation_id = c.id"


def label(conversation: dict) -> str:
    """A conversation (a `list_conversations` row) as `conversations` names it: its own title where it
    has one (a group's), else its participants, each by name and number."""
    from textfile.transcript.content import own_title

    people = conversation["participants"]
    return own_title(conversation["title"], (p["name"] or p["handle"] for p in people)) or ", ".join(
        f"{p['name']} {p['handle']}" if p["name"] and p["name"] != p["handle"] else p["handle"] for p in people
    )


def list_conversations(conn: sqlite3.Connection, *, unfiled_only: bool = False) -> list[dict]:
    rows = conn.execute(
        "SELECT c.id, c.platform, c.title, c.is_group, count(m.id) AS messages, min(m.sent_at) AS first, max(m.sent_at) AS last,"
        f" ({PRECISION_OF} ORDER BY f.sent_at, f.rowid LIMIT 1) AS first_precision,"
        f" ({PRECISION_OF} ORDER BY f.sent_at DESC, f.rowid DESC LIMIT 1) AS last_precision,"
        f" coalesce(sum(CASE WHEN m.id IS NOT NULL AND NOT {COVERED} THEN 1 ELSE 0 END), 0) AS unfiled"
        " FROM conversations c LEFT JOIN messages m ON m.conversation_id = c.id GROUP BY c.id ORDER BY c.id"
    ).fetchall()
    participants: dict[int, list[dict]] = {}
    for p in conn.execute(
        "SELECT conversation_id, handle, display_name, is_owner FROM participants ORDER BY is_owner, handle"
    ):
        participants.setdefault(p["conversation_id"], []).append(
            {"handle": p["handle"], "name": p["display_name"], "is_owner": bool(p["is_owner"])}
        )
    matters: dict[int, list[str]] = {}
    for f in conn.execute(
        "SELECT DISTINCT f.conversation_id, mt.reference FROM filings f JOIN matters mt ON mt.id = f.matter_id ORDER BY mt.reference"
    ):
        matters.setdefault(f["conversation_id"], []).append(f["reference"])
    out = []
    for r in rows:
        if unfiled_only and not (r["unfiled"] or (not r["messages"] and r["id"] not in matters)):
            continue
        people = participants.get(r["id"], [])
        out.append(
            {
                "id": r["id"],
                "platform": r["platform"],
                "title": r["title"],
                "is_group": bool(r["is_group"]),
                "participants": [p for p in people if not p["is_owner"]],
                "handles": [p["handle"] for p in people if not p["is_owner"]],
                "messages": r["messages"],
                "first": r["first"],
                "first_precision": r["first_precision"],
                "last": r["last"],
                "last_precision": r["last_precision"],
                "matters": matters.get(r["id"], []),
                "unfiled": r["unfiled"],
            }
        )
    return out
