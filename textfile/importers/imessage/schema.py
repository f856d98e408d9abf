"""Which tables and columns this chat.db or sms.db has, and the queries built from them.

Decisions:
- Columns differ between OS versions: the message query is built from `PRAGMA table_info`; a column
  the database lacks is read as NULL.
- SQLite lets any column hold any type: numbers and texts are read through CAST, so a damaged row
  yields 0 or a string rather than a value of the wrong type.
- Dates are Apple's (seconds or nanoseconds since 2001-01-01 UTC, decided per value: times.from_apple);
  a value no clock can show (a damaged row) is read as no date (`instant`).
- A message row is a `MessageRow`: its fields are the columns of the query, in its order (the query
  is written from them), so a step reads `row.guid`, never `row[1]`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime
from typing import NamedTuple

from textfile import times

REQUIRED_TABLES = {"message", "handle", "chat"}


class MessageRow(NamedTuple):
    """One row of the message query: the message's columns, then the chat it is in."""

    ROWID: int
    guid: str | None
    text: str | None
    attributedBody: bytes | None
    subject: str | None
    handle_id: int | None
    is_from_me: int | None
    service: str | None
    error: int | None
    date: int | None
    date_read: int | None
    date_delivered: int | None
    date_edited: int | None
    date_retracted: int | None
    item_type: int | None
    group_title: str | None
    group_action_type: int | None
    other_handle: int | None
    associated_message_guid: str | None
    associated_message_type: int | None
    associated_message_emoji: str | None
    thread_originator_guid: str | None
    message_summary_info: bytes | None
    cache_roomnames: str | None
    balloon_bundle_id: str | None
    destination_caller_id: str | None  # the phone's own handle the message was sent from (or came to)
    account: str | None  # the account it went through, "e:casey@example.com" or "p:+12025550100"
    chat_id: (
        int | None
    )  # chat_message_join's (or, for a message in "Recently Deleted", chat_recoverable_message_join's)
    delete_date: int | None  # when it went to "Recently Deleted" (chat_recoverable_message_join)


class AttachmentRow(NamedTuple):
    """One row of the attachment query: the message it belongs to, then the attachment's columns."""

    message_id: int
    ROWID: int
    guid: str | None
    filename: str | None
    mime_type: str | None
    transfer_name: str | None


# message columns we read; any the database lacks are read as NULL
MESSAGE_COLUMNS = MessageRow._fields[:-2]
ATTACHMENT_COLUMNS = AttachmentRow._fields[1:]
INTEGER_COLUMNS = {"handle_id", "is_from_me", "error", "date", "date_read", "date_delivered", "date_edited", "date_retracted",
                   "item_type", "group_action_type", "other_handle", "associated_message_type"}  # fmt: skip
TEXT_COLUMNS = {"guid", "text", "subject", "service", "group_title", "associated_message_guid", "associated_message_emoji",
                "thread_originator_guid", "cache_roomnames", "balloon_bundle_id", "destination_caller_id", "account", "filename", "mime_type", "transfer_name"}  # fmt: skip


def column(alias: str, name: str, present: set[str]) -> str:
    if name not in present:
        return f"NULL AS {name}"
    if name in INTEGER_COLUMNS:
        return f"CAST({alias}.{name} AS INTEGER)"
    if name in TEXT_COLUMNS:
        return f"CAST({alias}.{name} AS TEXT)"
    return f"{alias}.{name}"


def instant(value) -> datetime | None:
    """times.from_apple, or None for a value no clock can show (a damaged row)."""
    try:
        return times.from_apple(value) if value else None
    except (OverflowError, OSError, ValueError, TypeError):
        return None


def tables(conn: sqlite3.Connection) -> set[str]:
    return {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {info[1] for info in conn.execute(f"PRAGMA table_info({table})")}  # (cid, name, type, …)


def message_query(conn: sqlite3.Connection, present: set[str]) -> str:
    """Every message with its chat (`MessageRow`), in ROWID order."""
    present_columns = columns(conn, "message")
    select = ", ".join(column("m", c, present_columns) for c in MESSAGE_COLUMNS)
    if "chat_message_join" in present and "chat_recoverable_message_join" in present:
        # iOS 16 / macOS Ventura "Recently Deleted": the message left chat_message_join for this table.
        return (
            f"SELECT {select}, coalesce(cmj.chat_id, crj.chat_id), crj.delete_date FROM message m"
            " LEFT JOIN chat_message_join cmj ON cmj.message_id = m.ROWID"
            " LEFT JOIN chat_recoverable_message_join crj ON cmj.chat_id IS NULL AND crj.message_id = m.ROWID"
            " ORDER BY m.ROWID"
        )
    if "chat_message_join" in present:
        return f"SELECT {select}, cmj.chat_id, NULL FROM message m LEFT JOIN chat_message_join cmj ON cmj.message_id = m.ROWID ORDER BY m.ROWID"
    return f"SELECT {select}, NULL, NULL FROM message m ORDER BY m.ROWID"


def attachment_rows(conn: sqlite3.Connection, present: set[str]) -> Iterator[AttachmentRow]:
    """Every attachment with the message it belongs to (`AttachmentRow`), in message order."""
    if not {"attachment", "message_attachment_join"} <= present:
        return iter(())
    present_columns = columns(conn, "attachment")
    select = ", ".join(column("a", c, present_columns) for c in ATTACHMENT_COLUMNS)
    return map(
        AttachmentRow._make,
        conn.execute(
            f"SELECT j.message_id, {select} FROM message_attachment_join j JOIN attachment a ON a.ROWID = j.attachment_id"
            " WHERE typeof(j.message_id) = 'integer' "
            "ORDER BY j.message_id, a.ROWID"
        ),
    )
