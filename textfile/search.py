"""Full-text search over message bodies (SQLite FTS5), narrowed by client, matter and window.

What the user types is searched as words, not as FTS5 syntax: each word is quoted, so a query
such as `don't "call"` or `AND OR (` can never be a syntax error. A trailing `*` on a word keeps
its prefix meaning (`settle*`).
"""

from __future__ import annotations

import re
import sqlite3

from textfile.errors import InvalidInput
from textfile.filing import _client_row, _matter_row

_WORD = re.compile(r"\w+\*?", re.UNICODE)


def fts_query(text: str) -> str:
    words = _WORD.findall(text)
    if not words:
        raise InvalidInput(f"nothing to search for in {text!r}")
    return " ".join(f'"{w[:-1]}"*' if w.endswith("*") else f'"{w}"' for w in words)


def search(
    conn: sqlite3.Connection,
    text: str,
    *,
    client: str | None = None,
    matter: str | None = None,
    from_at: str | None = None,
    until_at: str | None = None,
    limit: int = 100,
) -> list[dict]:
    # Words go through the full-text index; text with no word in it (an emoji, "?!") is not in
    # the index (its tokenizer keeps letters and digits), so it is found by a plain scan.
    words = bool(_WORD.search(text))
    if not words and not text.strip():
        raise InvalidInput(f"nothing to search for in {text!r}")
    where = ["messages_fts MATCH ?" if words else "instr(m.body, ?) > 0"]
    params: list = [fts_query(text) if words else text.strip()]
    if client:
        row = _client_row(conn, client)
        where.append(
            "(m.conversation_id IN (SELECT p.conversation_id FROM participants p JOIN client_handles h ON h.handle = p.handle WHERE h.client_id = ?)"
            " OR EXISTS (SELECT 1 FROM filings f JOIN matters mt ON mt.id = f.matter_id WHERE mt.client_id = ? AND f.conversation_id = m.conversation_id"
            " AND (f.from_at IS NULL OR m.sent_at >= f.from_at) AND (f.until_at IS NULL OR m.sent_at <= f.until_at)))"
        )
        params += [row["id"], row["id"]]
    if matter:
        row = _matter_row(conn, matter)
        where.append(
            "EXISTS (SELECT 1 FROM filings f WHERE f.matter_id = ? AND f.conversation_id = m.conversation_id"
            " AND (f.from_at IS NULL OR m.sent_at >= f.from_at) AND (f.until_at IS NULL OR m.sent_at <= f.until_at))"
        )
        params.append(row["id"])
    if from_at:
        where.append("m.sent_at >= ?")
        params.append(from_at)
    if until_at:
        where.append("m.sent_at <= ?")
        params.append(until_at)
    params.append(int(limit))
    rows = conn.execute(
        "SELECT m.id, m.conversation_id, c.title, m.sent_at, m.direction, m.source_zone, p.handle, p.display_name, m.body,"
        + (" snippet(messages_fts, 0, '[', ']', '…', 16) AS snippet FROM messages_fts JOIN messages m ON m.rowid = messages_fts.rowid"
           if words else " NULL AS snippet FROM messages m")
        + " JOIN conversations c ON c.id = m.conversation_id LEFT JOIN participants p ON p.id = m.sender_id"
        f" WHERE {' AND '.join(where)} ORDER BY m.sent_at LIMIT ?",
        params,
    ).fetchall()
    return [
        {
            "id": r["id"], "conversation": r["conversation_id"], "conversation_title": r["title"], "sent_at": r["sent_at"],
            "direction": r["direction"], "sender": r["display_name"] or r["handle"], "handle": r["handle"],
            "body": r["body"], "snippet": r["snippet"] if words else _snippet(r["body"], text.strip()),
        }
        for r in rows
    ]


def _snippet(body: str, found: str, around: int = 40) -> str:
    """Like FTS5's snippet(): the match in [brackets], with some text either side."""
    at = body.find(found)
    start, end = max(0, at - around), min(len(body), at + len(found) + around)
    return (("…" if start else "") + body[start:at] + f"[{found}]" + body[at + len(found):end] + ("…" if end < len(body) else ""))
