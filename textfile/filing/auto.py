"""The automatic rule: a conversation with no filing yet, whose participants include the handle of
a client, is filed to that client's only open matter (except a thread found on a client's own phone
that the owner is not in: every thread of that phone holds the client's handle; a person files it). If the participants' clients have no open
matter, or several between them, the conversation waits in the unfiled queue for a person to
decide (`textfile file`); so does one that holds the handles of more than one client, whatever their matters
(a group of two clients: once one of them has no open matter, their texts would otherwise go into the other's
file unsaid, the mistake `file` warns of: second reader, round 12). The rule runs after every import for the conversations it touched, and
again for a client whenever one of their matters is opened (or their handles are corrected: clients.py).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import timedelta

from textfile import audit, times
from textfile.results import Result, json_name


@dataclass(slots=True, eq=False)
class Filed(Result):
    """A conversation the rule filed, and from when (None: the whole of it)."""

    conversation: int
    matter: str
    from_: str | None = json_name("from", default=None, omit_empty=True)


def auto_file(
    conn: sqlite3.Connection, *, conversation_ids: list[int] | None = None, client_id: int | None = None
) -> list[Filed]:
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
        # (found by a client's phone: first, the message's own import; or later, a sighting's: m031)
        "      OR NOT EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND"
        "                     ((m.source_ref IS NOT NULL AND m.import_id IN (SELECT import_id FROM import_custodians))"
        "                      OR EXISTS (SELECT 1 FROM message_sightings s JOIN import_custodians ic ON ic.import_id = s.import_id"
        "                                 WHERE s.message_id = m.id))))"
        " AND NOT EXISTS (SELECT 1 FROM filings f JOIN matters fm ON fm.id = f.matter_id"
        "                   WHERE f.conversation_id = c.id AND (f.until_at IS NULL OR fm.closed_at IS NULL))"
        # ... and the filing that ends last was ended by its matter's closing (a window a person
        # chose ends where they said; what follows it waits for a person)
        " AND (NOT EXISTS (SELECT 1 FROM filings f WHERE f.conversation_id = c.id)"
        "      OR EXISTS (SELECT 1 FROM filings f JOIN matters fm ON fm.id = f.matter_id WHERE f.conversation_id = c.id"
        "                 AND f.until_at = fm.closed_at AND f.until_at = (SELECT max(f2.until_at) FROM filings f2 WHERE f2.conversation_id = c.id)))"
        " AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.command = 'unfile' AND json_extract(a.details, '$.conversation') = c.id)"
        # one client's handles only, whether the others have an open matter or not (the module's docstring)
        " AND (SELECT count(DISTINCT h3.client_id) FROM participants p3 JOIN client_handles h3 ON h3.handle = p3.handle"
        "      WHERE p3.conversation_id = c.id AND p3.is_owner = 0) = 1"
        + "".join(f" AND {w}" for w in where)
        + " GROUP BY c.id HAVING count(DISTINCT mt.id) = 1 ORDER BY c.id",
        params,
    ).fetchall()
    now = times.now_iso()
    conn.executemany(
        "INSERT INTO filings (conversation_id, matter_id, from_at, until_at, how, created_at) VALUES (?, ?, ?, NULL, 'auto', ?)",
        [(r["conversation_id"], r["matter_id"], _after(r["from_at"]), now) for r in rows],
    )
    filed = [Filed(r["conversation_id"], r["reference"], _after(r["from_at"])) for r in rows]
    if filed:
        audit.append(conn, "file (automatic)", {"filed": [f.to_json() for f in filed]})
    return filed


def _after(instant: str | None) -> str | None:
    """The next millisecond: filings' bounds are inclusive, and a message at the instant a matter
    closed belongs to that matter alone."""
    return times.to_iso(times.from_iso(instant) + timedelta(milliseconds=1)) if instant else None
