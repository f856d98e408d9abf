"""The copy of the archive that `textfile browse` serves: taken at once (SQLite's backup, one read
transaction: an import going on meanwhile is either wholly in it or not at all), into this run's private
folder (0600 in a 0700 folder, removed when the command ends, or by the next run when it was killed).
Datasette opens it immutable: nothing it does can change the archive, or be changed under it by a
weekly run importing while a person reads (the archive is in WAL mode, which an immutable reader of the
archive itself would not see). The page says when the copy was taken.

The copy holds one table the archive does not: `message_list`, every message with what a person filters
by (client, matter, conversation, direction, service, year) on its own row, sender name and number, and
time as the transcript prints it (on the archive's clock: its zone, with the
UTC offset). Its rowid is the message's rowid in `messages`, so the archive's own
full-text index (`messages_fts`) searches it. Client and matter are those of the filings that cover the
message (a conversation filed to a matter for a window only: the messages inside it), as the transcript
and `conversations` count them, each a JSON array (a message filed to two matters is found under each);
a message no filing covers has neither ([]).
"""

from __future__ import annotations

import json
import os
import sqlite3
from contextlib import closing
from pathlib import Path

from textfile import times
from textfile.errors import TextfileError
from textfile.filing.conversations import label, list_conversations
from textfile.transcript.content.people import client_names, sender_name

LIST = "message_list"

# name -> its SQL: the order is the page's, from left to right
COLUMNS = {
    "sent": "TEXT NOT NULL",
    "sender": "TEXT NOT NULL",
    "number": "TEXT NOT NULL",
    "direction": "TEXT NOT NULL",
    "body": "TEXT NOT NULL",
    "attachments": "TEXT NOT NULL",
    "conversation": "TEXT NOT NULL",
    "client": "TEXT NOT NULL",
    "matter": "TEXT NOT NULL",
    "service": "TEXT NOT NULL",
    "year": "TEXT NOT NULL",
    "sent_at": "TEXT NOT NULL",
    "message": "TEXT NOT NULL REFERENCES messages(id)",
}
FACETS = ("client", "matter", "conversation", "direction", "service", "year")
# columns holding a JSON array (a message filed to two matters is in each): faceted and filtered as arrays
ARRAYS = ("client", "matter")


def take(archive_path: Path, folder: Path) -> Path:
    """The archive copied into `folder` as `archive.db` (the name Datasette gives its pages), with
    `message_list`; read-only from here on."""
    copy = folder / "archive.db"
    source = sqlite3.connect(f"{archive_path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        fd = os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        with closing(sqlite3.connect(copy)) as target:
            source.backup(target)
            target.execute("PRAGMA journal_mode = DELETE")  # one file: an immutable reader sees all of it
            target.row_factory = sqlite3.Row
            _list(target)
            target.commit()
    except (OSError, sqlite3.Error) as exc:
        copy.unlink(missing_ok=True)
        raise TextfileError(f"{archive_path}: could not copy the archive to browse it ({exc})") from None
    finally:
        source.close()
    return copy


def _filings(conn: sqlite3.Connection) -> dict[int, list[tuple]]:
    """conversation -> [(from, until, matter reference, client name)] of its filings."""
    found: dict[int, list[tuple]] = {}
    for r in conn.execute(
        "SELECT f.conversation_id, f.from_at, f.until_at, m.reference, c.name FROM filings f"
        " JOIN matters m ON m.id = f.matter_id JOIN clients c ON c.id = m.client_id ORDER BY m.reference"
    ):
        found.setdefault(r[0], []).append(tuple(r)[1:])
    return found


def _attachments(conn: sqlite3.Connection) -> dict[str, list]:
    """message id -> its attachments, in order: [sha256 or None, file name, mime, why it is missing]."""
    found: dict[str, list] = {}
    for r in conn.execute(
        "SELECT a.message_id, a.blob_sha256, a.file_name, coalesce(b.mime, a.mime), a.missing_reason"
        " FROM message_attachments a LEFT JOIN blobs b ON b.sha256 = a.blob_sha256 ORDER BY a.message_id, a.position"
    ):
        found.setdefault(r[0], []).append(list(tuple(r)[1:]))
    return found


def _list(conn: sqlite3.Connection) -> None:
    conn.execute(f"CREATE TABLE {LIST} ({', '.join(f'{name} {sql}' for name, sql in COLUMNS.items())})")
    marks = ", ".join("?" * (len(COLUMNS) + 1))
    # (a row at a time from the read to the insert: memory does not grow with the archive)
    conn.executemany(f"INSERT INTO {LIST} (rowid, {', '.join(COLUMNS)}) VALUES ({marks})", _rows(conn))
    for column in (*FACETS, "sent_at"):
        conn.execute(f"CREATE INDEX {LIST}_{column} ON {LIST} ({column})")


def _rows(conn: sqlite3.Connection):
    """`message_list`'s rows, each with the message's rowid first."""
    settings = conn.execute("SELECT owner_name, tz FROM settings").fetchone()
    home = times.zone(settings["tz"])
    clients = client_names(conn)
    labels = {c.id: label(c) for c in list_conversations(conn)}
    filings = _filings(conn)
    attachments = _attachments(conn)
    for r in conn.execute(
        "SELECT m.rowid, m.id, m.conversation_id, m.sent_at, m.time_precision, m.direction,"
        " m.body, m.service, p.handle, p.display_name, p.is_owner"
        " FROM messages m LEFT JOIN participants p ON p.id = m.sender_id"
    ):
        covering = [
            (ref, client)
            for start, end, ref, client in filings.get(r["conversation_id"], ())
            if (start is None or r["sent_at"] >= start) and (end is None or r["sent_at"] <= end)
        ]
        sent = times.display(r["sent_at"], home, r["time_precision"])
        yield (
            r["rowid"],
            sent,
            sender_name(r["display_name"], r["handle"], r["is_owner"], settings["owner_name"], clients),
            r["handle"] or "",
            r["direction"],
            r["body"],
            json.dumps(attachments[r["id"]], ensure_ascii=False) if r["id"] in attachments else "[]",
            labels.get(r["conversation_id"], str(r["conversation_id"])),
            json.dumps(list(dict.fromkeys(client for _, client in covering)), ensure_ascii=False),
            json.dumps(list(dict.fromkeys(ref for ref, _ in covering)), ensure_ascii=False),
            r["service"] or "",
            sent[:4],
            r["sent_at"],
            r["id"],
        )
