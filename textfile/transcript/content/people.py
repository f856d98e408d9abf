"""Who a transcript names: a message's sender, a conversation and its people, and the phones a
message was found on.

A number the export gives no name for is named by the client whose number it is (the archive's
client file); a conversation is named by its title only where that says more than one of its
participants' names. Where the transcript's messages come from more than one phone (a client's own
phone beside the owner's), each message says whose phone(s) it was found on, and the time another
phone recorded where it differs.
"""

from __future__ import annotations

import json
import sqlite3
from typing import NamedTuple
from zoneinfo import ZoneInfo

from textfile import sightings, times
from textfile.transcript.content.scope import Number, Plan


def phones_of(
    conn: sqlite3.Connection,
    cond: str,
    params: list,
    owner_name: str,
    imports: list[int] | None = None,
    until: int | None = None,
) -> dict[str, list[str]]:
    """Whose phone(s) each message (of those `cond` selects) was found on, by message id: the client's
    whose own phone an import read (`import_custodians`), else the archive owner's; sorted by name.
    `imports`: counting the sightings of these imports only (those a transcript knew of: `verify FILE`);
    `until`: of the imports up to this one only (a transcript made again: `sightings.known_until`)."""
    found: dict[str, list[str]] = {}
    for mid, name in conn.execute(
        f"SELECT DISTINCT s.message_id, coalesce(cl.name, ?) FROM ({sightings.of(cond, until=until)}) s"
        " LEFT JOIN import_custodians ic ON ic.import_id = s.import_id LEFT JOIN clients cl ON cl.id = ic.client_id"
        + (" WHERE s.import_id IN (SELECT value FROM json_each(?))" if imports is not None else "")
        + " ORDER BY 1, 2",
        [owner_name, *params, *params, *([json.dumps(imports)] if imports is not None else [])],
    ):
        found.setdefault(mid, []).append(name)
    return found


class Copy(NamedTuple):
    """Another phone's copy of a message, as it recorded it: its time (stored), and the precision its export wrote
    times at where its import recorded one (`ImportOptions`' "copies_time_precision": a WhatsApp export on Android
    writes minutes, on an iPhone seconds); None where it did not (an import before this was recorded, a format
    whose times are instants)."""

    at: str
    precision: str | None


def copies_elsewhere(
    conn: sqlite3.Connection,
    cond: str,
    params: list,
    owner_name: str,
    imports: list[int] | None = None,
    until: int | None = None,
) -> dict[str, dict[str, Copy]]:
    """Per message (of those `cond` selects): another phone's copy of it, by whose phone, where its time differs
    from the message's own (that of the phone whose export was imported first; `phone_copies`), the earliest where
    that phone gave more than one. `imports`: the copies these imports found only; `until`: those of the imports up
    to this one only."""
    found: dict[str, dict[str, Copy]] = {}
    for mid, name, at, precision in conn.execute(
        "SELECT pc.message_id, coalesce(cl.name, ?), min(pc.sent_at),"
        " (SELECT json_extract(i.options, '$.copies_time_precision') FROM imports i WHERE i.id = pc.import_id)"
        " FROM phone_copies pc JOIN messages m ON m.id = pc.message_id"
        " LEFT JOIN import_custodians ic ON ic.import_id = pc.import_id LEFT JOIN clients cl ON cl.id = ic.client_id"
        f" WHERE {cond} AND pc.sent_at <> m.sent_at{sightings.up_to('pc.import_id', until)}"
        + (" AND pc.import_id IN (SELECT value FROM json_each(?))" if imports is not None else "")
        + " GROUP BY 1, 2 ORDER BY 1, 2",  # (the import's precision is the earliest copy's: SQLite's min() row)
        [owner_name, *params, *([json.dumps(imports)] if imports is not None else [])],
    ):
        found.setdefault(mid, {})[name] = Copy(at, precision)
    return found


def times_elsewhere(
    conn: sqlite3.Connection,
    cond: str,
    params: list,
    owner_name: str,
    imports: list[int] | None = None,
    until: int | None = None,
) -> dict[str, dict[str, str]]:
    """`copies_elsewhere`, their times only: what a transcript's manifest records, and `verify` compares."""
    return {
        mid: {name: copy.at for name, copy in copies.items()}
        for mid, copies in copies_elsewhere(conn, cond, params, owner_name, imports, until).items()
    }


def found_on_said(names: list[str], elsewhere: dict[str, Copy], tz: ZoneInfo, precision: str | None, own: str) -> str:
    """ "Alex Owner's phone, Sam Client's phone (recorded there at 12:00:03 -05:00)": whose phones, and the
    time a phone recorded where it is not the one shown (the message's `own`, at its `precision`)."""
    return phones_said(
        {name: recorded(elsewhere[name], own, tz, precision) if name in elsewhere else None for name in names}
    )


def phones_said(recorded_there: dict[str, str | None]) -> str:
    """ "Alex Owner's phone, Sam Client's phone (recorded there at 12:00:03 -05:00)", from each phone's name and the
    time it recorded as said (`recorded`), or None where it is the message's own."""
    return ", ".join(
        f"{name}'s phone" + (f" (recorded there at {at})" if at else "") for name, at in recorded_there.items()
    )


def recorded(copy: Copy, own: str, tz: ZoneInfo, precision: str | None) -> str:
    """The time another phone recorded, at the precision its export wrote it (second reader, round 18 #12: an
    Android export's 09:02 was said as 09:02:00, seconds it never wrote), else the message's; to the millisecond
    where so it would read as the message's own (two iPhones' times of one iMessage can be under a second apart):
    "recorded there at" the very time shown would say that nothing differs."""
    shown = times.display(copy.at, tz, copy.precision or precision)
    return shown if shown != times.display(own, tz, precision) else times.display(copy.at, tz, milliseconds=True)


def _found_on(
    conn: sqlite3.Connection, cond: str, params: list, p: Plan, owner_name: str, until: int | None = None
) -> list[dict]:
    """Where the transcript's messages come from more than one phone (a client's own phone beside the
    owner's), whose phone(s) each was found on, in transcript order; else nothing (the cover says it once).
    `until`: by the imports up to this one only (a transcript made again)."""
    # A message's first sighting, then its later ones (textfile/sightings.py); CROSS JOIN keeps the clients'
    # phones' imports (few) the outer loop: SQLite chose to read every message of the scope first.
    if not conn.execute(
        f"SELECT EXISTS (SELECT 1 FROM import_custodians ic CROSS JOIN messages m ON m.import_id = ic.import_id"
        f" WHERE ({cond}) AND m.source_ref IS NOT NULL{sightings.up_to('ic.import_id', until)})"
        " OR EXISTS (SELECT 1 FROM import_custodians ic CROSS JOIN message_sightings s ON s.import_id = ic.import_id"
        f" JOIN messages m ON m.id = s.message_id WHERE {cond}{sightings.up_to('ic.import_id', until)})",
        [*params, *params],
    ).fetchone()[0]:
        return []
    phones = phones_of(conn, cond, params, owner_name, until=until)
    if len({name for names in phones.values() for name in names}) < 2:
        return []
    elsewhere = times_elsewhere(conn, cond, params, owner_name, until=until)
    return [
        {
            "seq": Number(row.conversation, row.number, n),
            "message": row.id,
            "phones": phones.get(row.id, []),
            **({"recorded": elsewhere[row.id]} if row.id in elsewhere else {}),
        }
        for n, row in enumerate(p.rows, 1)
    ]


def conversation_info(
    conn: sqlite3.Connection, ids: list[int], clients: dict[str, str] | None = None
) -> dict[int, dict]:
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    out = {
        r["id"]: {
            "id": r["id"],
            "platform": r["platform"],
            "title": r["title"],
            "is_group": bool(r["is_group"]),
            "participants": [],
        }
        for r in conn.execute(f"SELECT * FROM conversations WHERE id IN ({marks})", ids)
    }
    clients = client_names(conn) if clients is None else clients
    for p in conn.execute(
        f"SELECT * FROM participants WHERE conversation_id IN ({marks}) ORDER BY is_owner, handle", ids
    ):
        name = p["display_name"] or (None if p["is_owner"] else clients.get(p["handle"]))
        out[p["conversation_id"]]["participants"].append(
            {"handle": p["handle"], "name": name if name != p["handle"] else None, "is_owner": bool(p["is_owner"])}
        )
    return out


def sender_name(name: str | None, handle: str | None, is_owner: bool, owner_name: str, clients: dict[str, str]) -> str:
    """The name a transcript gives a message's sender: the export's, else the owner's, or the client's
    whose number or address it is (`client_names`); "" for a message with no sender."""
    return (name or (owner_name if is_owner else clients.get(handle, ""))) if handle else ""


def own_title(title: str | None, names) -> str | None:
    """A conversation's title where it is more than one of its participants' `names` (each one's name,
    else its number or address: a WhatsApp chat is named after the other person), else None."""
    return title if title not in set(names) else None


def client_names(conn: sqlite3.Connection) -> dict[str, str]:
    """Client names by handle: the name for a number the export gives none (iMessage and SMS
    databases hold numbers only; the archive's client file says whose number it is)."""
    return dict(conn.execute("SELECT h.handle, c.name FROM client_handles h JOIN clients c ON c.id = h.client_id"))
