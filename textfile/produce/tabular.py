"""messages.csv and messages.jsonl: one row per message, every field the archive keeps, as bytes.

Decisions, and why:
- **Pure.** `message_rows` reads the archive and returns rows; `csv_bytes` and `jsonl_bytes` turn
  them into bytes. Nothing is written and no row changes: `produce` decides where the files go.
- **Every field, as stored.** The body is the stored text, untouched (line breaks, RTL marks, emoji).
  Times are given twice: in UTC as stored, and in the archive's zone with its offset, at the source's
  precision (a source that wrote minutes is not given invented seconds). A value the archive lacks is
  empty (CSV) or null (JSONL), never guessed.
- **Lists in one cell.** Flags, attachments, reactions are JSON in the CSV cell (one value, parseable,
  no second delimiter to escape); JSONL carries them as lists of objects.
- **Fixed order.** Rows in the order of the ids given; keys in `FIELDS` order in both files, so the
  CSV header and every JSON object name the same columns the same way.
- **CSV** is RFC 4180: comma, every field quoted when it holds a comma, quote or line break, CRLF
  between records, UTF-8 with a byte-order mark: a spreadsheet opened on the file by a double click
  (Excel on Windows) reads it as UTF-8 only with one, and shows emoji and curly quotes as mojibake
  without (a second reader's finding); readers of CSV skip it (Python's "utf-8-sig"). Line breaks
  inside a body are kept as they are, inside the quotes. No cell is altered to keep a spreadsheet
  from reading a text that begins with = as a formula: the text is evidence, kept as sent;
  README.txt says to import the file with every column as text (the JSONL is the exact copy).
- **JSONL lines end in LF** and only there: a body's LF and CR are escaped by JSON; U+2028 and U+2029
  stay as they are (ensure_ascii off), so a reader splits on LF, not on every Unicode line break.
- **Deterministic.** The same archive, ids, zone and Bates give the same bytes.
- **Found on.** Whose phone(s) each message was found on (`found_on`: each custodian, with the time
  their phone's copy recorded where it is not the message's own), read as the RSMF reads it
  (`rsmf.found_on`, the transcript's readers), so the data says what the PDF's "found on" says, for
  every message: a message found on the owner's phone alone says so too.
- **Time precision** as stored: "minute" or "second" where the source wrote its time no finer
  (WhatsApp), null where it did not limit it (Android and iMessage record a clock value: the UTC
  columns give it to the millisecond). Null is not read as "millisecond": an iMessage database before
  macOS 10.13 / iOS 11 records whole seconds, and the archive does not say which a message's was.
  README.txt says what null means.
- **Direction** as the PDF says it: "in", "out" or "system", in the archive owner's frame; a message of
  a thread the owner is not in (found on a client's own phone: the client and their spouse) is
  neither incoming nor outgoing for the owner, and the PDF says "between others": its direction here
  is BETWEEN_OTHERS, which README.txt defines (stored, it is "in": from someone other than the owner),
  read by the transcript's own reader (`chunk._without_the_owner`).
- **Reading** reuses rsmf's per-message reader (`rows_by_message`), so both files read one way.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from zoneinfo import ZoneInfo

from textfile import sightings, times
from textfile.errors import NotFound
from textfile.produce.rsmf import found_on, rows_by_message
from textfile.transcript.content.chunk import _without_the_owner
from textfile.transcript.content.people import recorded

__all__ = ["BETWEEN_OTHERS", "FIELDS", "csv_bytes", "jsonl_bytes", "message_rows"]

BETWEEN_OTHERS = "between_others"  # the direction of a message of a thread the owner is not in (the module)

FIELDS = (
    "bates",
    "number",
    "message_id",
    "content_hash",
    "conversation_id",
    "conversation_title",
    "sender_handle",
    "sender_name",
    "direction",
    "kind",
    "service",
    "status",
    "sent_utc",
    "sent_local",
    "time_precision",
    "source_zone",
    "delivered_utc",
    "delivered_local",
    "read_utc",
    "read_local",
    "duration_s",
    "body",
    "reply_to",
    "reply_to_message_id",
    "context",
    "flags",
    "versions",
    "attachments",
    "reactions",
    "found_on",  # (last: a column added after the others keeps every earlier column where it was)
)
_LISTS = ("flags", "attachments", "reactions", "found_on")


def message_rows(
    conn: sqlite3.Connection,
    message_ids: list[str],
    tz: ZoneInfo,
    bates: dict[str, str] | None,
    redactions: dict | None = None,
    *,
    numbers: dict[str, str] | None = None,
    natives: dict[tuple[str, int], str] | None = None,
    outside: set[str] | frozenset = frozenset(),
    owner_name: str,
    imports_until: int | None = None,
) -> list[dict]:
    """One dict per message id (in the order given), keys in `FIELDS` order. Unknown ids: NotFound.
    `redactions` (a message id -> its spans, produce/redaction.py): the body with "[REDACTED: …]".
    So that every row joins the production's other files: `numbers` (a message id -> "2.15", as the PDF,
    the text files and the logs name it), `natives` ((message id, attachment position) -> the native's
    Bates number), `outside` (the ids produced as context, outside the window asked for). `owner_name`:
    whose phone an import of no client's phone read (`found_on`); `imports_until`: where each was found, by
    the imports up to this one only (a production made again: `sightings.known_until`)."""
    cur = conn.cursor()
    cur.row_factory = sqlite3.Row
    ids = list(message_ids)
    found = {
        r["id"]: r
        for r in cur.execute(
            "SELECT m.*, p.handle AS sender_handle, p.display_name AS sender_name, c.title AS conversation_title"
            " FROM messages m JOIN conversations c ON c.id = m.conversation_id"
            " LEFT JOIN participants p ON p.id = m.sender_id WHERE m.id IN (SELECT value FROM json_each(?))",
            (json.dumps(ids),),
        )
    }
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound(
            f"{len(missing):,} message{'' if len(missing) == 1 else 's'} not in the archive, first {missing[0]}"
        )
    attachments = rows_by_message(
        cur,
        "SELECT message_id, position, file_name, blob_sha256, missing_reason FROM message_attachments"
        " WHERE message_id IN (SELECT value FROM json_each(?)) ORDER BY message_id, position",
        ids,
    )
    reactions = rows_by_message(
        cur,
        "SELECT x.message_id, x.kind, x.emoji, x.at, x.removed, p.handle FROM reactions x"
        " LEFT JOIN participants p ON p.id = x.sender_id"
        " WHERE x.message_id IN (SELECT value FROM json_each(?)) ORDER BY x.message_id, x.at, x.id",
        ids,
    )
    earlier = rows_by_message(
        cur,
        "SELECT message_id, COUNT(*) AS n FROM message_versions"
        " WHERE message_id IN (SELECT value FROM json_each(?)) GROUP BY message_id",
        ids,
    )
    rows = [
        _row(found[i], tz, (bates or {}).get(i), attachments.get(i, []), reactions.get(i, []), earlier.get(i))
        for i in ids
    ]
    between_others = _without_the_owner(conn, sorted({found[i]["conversation_id"] for i in ids}))
    replied = _replied(cur, [found[i] for i in ids], imports_until)
    found_on = _found_on(conn, [found[i] for i in ids], tz, owner_name, imports_until)
    for row in rows:
        mid = row["message_id"]
        row["number"] = f"#{numbers[mid]}" if numbers and mid in numbers else None
        row["reply_to_message_id"] = replied.get(mid)
        row["context"] = mid in outside
        row["found_on"] = found_on[mid]
        if row["conversation_id"] in between_others and row["direction"] == "in":  # (as the PDF: `chunk._message`)
            row["direction"] = BETWEEN_OTHERS
        for a in row["attachments"]:
            a["bates"] = (natives or {}).get((mid, a["position"]))
    if redactions:
        from textfile.produce.redaction import apply

        for row in rows:
            if row["message_id"] in redactions:
                row["body"] = apply(row["body"], redactions[row["message_id"]])
    return [{k: row[k] for k in FIELDS} for row in rows]


def _replied(cur, messages, until: int | None = None) -> dict[str, str]:
    """A reply's message id -> the archive's id of the message it replies to, when the archive holds it
    (a reply names its parent by the source's own id: an iMessage guid, a WhatsApp quote); `until`: when
    the imports up to it held it (a production made again)."""
    wanted = {(m["conversation_id"], m["reply_to"]) for m in messages if m["reply_to"]}
    if not wanted:
        return {}
    parents = {
        (r[0], r[1]): r[2]
        for r in cur.execute(
            "SELECT conversation_id, source_id, id FROM messages WHERE source_id IN (SELECT value FROM json_each(?))"
            + sightings.up_to("import_id", until),
            (json.dumps(sorted({w[1] for w in wanted})),),
        )
    }
    return {
        m["id"]: parents[(m["conversation_id"], m["reply_to"])]
        for m in messages
        if m["reply_to"] and (m["conversation_id"], m["reply_to"]) in parents
    }


def _found_on(conn, messages, tz: ZoneInfo, owner_name: str, until: int | None) -> dict[str, list[dict]]:
    """Each message's custodians (sorted by name), each with the time their phone's copy recorded where it
    differs from the message's own: in UTC as stored, and local as the PDF says it (`people.recorded`)."""
    found = found_on(conn, messages, owner_name, until)
    out = {}
    for m in messages:
        at = found[m["id"]].elsewhere
        out[m["id"]] = [
            {
                "custodian": name,
                "recorded_utc": at[name].at if name in at else None,
                "recorded_local": recorded(at[name], m["sent_at"], tz, m["time_precision"]) if name in at else None,
            }
            for name in found[m["id"]].phones
        ]
    return out


def _row(m, tz: ZoneInfo, bates: str | None, attachments, reactions, earlier) -> dict:
    precision = m["time_precision"]
    versions = earlier[0]["n"] if earlier else 0
    return {
        "bates": bates,
        "message_id": m["id"],
        "content_hash": m["content_hash"],
        "conversation_id": m["conversation_id"],
        "conversation_title": m["conversation_title"],
        "sender_handle": m["sender_handle"],
        "sender_name": m["sender_name"],
        "direction": m["direction"],
        "kind": m["kind"],
        "service": m["service"],
        "status": m["status"],
        "sent_utc": m["sent_at"],
        "sent_local": times.display(m["sent_at"], tz, precision),
        "time_precision": precision,
        "source_zone": m["source_zone"],
        "delivered_utc": m["delivered_at"],
        "delivered_local": times.display(m["delivered_at"], tz, precision) or None,
        "read_utc": m["read_at"],
        "read_local": times.display(m["read_at"], tz, precision) or None,
        "duration_s": m["duration_s"],
        "body": m["body"],
        "reply_to": m["reply_to"],
        "flags": json.loads(m["flags"]),
        # the versions the archive keeps: the current one and each earlier one
        "versions": versions + 1,
        "attachments": [
            {
                "position": a["position"],
                "file_name": a["file_name"],
                "sha256": a["blob_sha256"],
                "missing_reason": a["missing_reason"],
            }
            for a in attachments
        ],
        "reactions": [
            {"kind": x["kind"], "emoji": x["emoji"], "by": x["handle"], "at": x["at"], "removed": bool(x["removed"])}
            for x in reactions
        ],
    }


def _cell(key: str, value) -> str:
    if key in _LISTS:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return "" if value is None else str(value)


def csv_bytes(rows: list[dict]) -> bytes:
    """RFC 4180 CSV in UTF-8 with a BOM: a header of `FIELDS`, one record per row, CRLF between records."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(FIELDS)
    for row in rows:
        writer.writerow([_cell(k, row[k]) for k in FIELDS])
    return buffer.getvalue().encode("utf-8-sig")


def jsonl_bytes(rows: list[dict]) -> bytes:
    """One JSON object per line (LF), keys in `FIELDS` order, characters as they are (ensure_ascii off)."""
    return b"".join(
        json.dumps({k: row[k] for k in FIELDS}, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"
        for row in rows
    )
