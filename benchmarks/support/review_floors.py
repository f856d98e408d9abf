"""The floors the review benchmark (benchmarks/review.py) prints beside the review: what SQLite alone
needs for the reading and writing a review does, measured on the same archive in the same run.

- `fts_pass`, the issue's floor: every lexicon term's rowids from `messages_fts`, fetched (one query
  a term, as the lexicon rules run them).
- `text_pass`: each text's rowid, direction and time, read: the least a rule that reads every text
  (working hours, consent) costs.
- `flag_write`: as many flag rows as a full review raised, written by one `INSERT … SELECT` through
  the archive's own connection (its audit triggers included) and rolled back: the least writing
  them costs, with no Python per flag.
"""

from __future__ import annotations


def fts_pass(conn, terms: list[str]) -> int:
    return sum(
        len(conn.execute("SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?", (term,)).fetchall())
        for term in terms
    )


def text_pass(conn) -> int:
    return sum(1 for _ in conn.execute("SELECT rowid, direction, sent_at FROM messages WHERE kind = 'message'"))


def flag_write(conn, flags: int) -> int:
    conn.execute("BEGIN IMMEDIATE")
    try:
        return conn.execute(
            "INSERT INTO review_flags (message_id, rule, reason, raised_at)"
            " SELECT id, 'floor', '{\"local\": \"2021-01-04T19:12-05:00\"}', '2025-01-01T00:00:00.000Z'"
            " FROM messages LIMIT ?",
            (flags,),
        ).rowcount
    finally:
        conn.execute("ROLLBACK")
