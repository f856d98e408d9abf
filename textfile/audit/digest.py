"""The digests: multiset hashes of what each import brought and of the archive's other records.

Decisions:
- Each entry that changed messages records, per import, a digest of the messages and versions that
  import brought as they now stand (imports.py: a multiset hash, so a change adds and subtracts terms
  without reading the rest). `verify` recomputes them from the rows: a message deleted, added or
  edited outside textfile (even with its content hash recomputed) no longer adds up to what its
  import's sealed entry says. The archive's other records (`RECORDS`: matters and their holds,
  filings, transcripts' rows…) are summed per table the same way (records.py).
- The terms are collected by temporary triggers of textfile's own connection (`watch`), so every
  writer is counted.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

# A term of an import's digest: a message as it stands (its id and content hash), or a version of
# one (what it keeps of the earlier state; a version's number is left out: a fold renumbers). Each
# is the SQL of its term's text for a row prefix ("new.", "old.", "").
TERMS = {
    "messages": ("m", lambda r: f"{r}id || ':' || {r}content_hash"),
    "message_versions": (
        "v",
        lambda r: (
            f"json_array({r}message_id, {r}origin, {r}body, {r}content_hash, {r}at, {r}sent_at,"
            f" {r}source_zone, {r}earlier)"
        ),
    ),
}


MOD = 1 << 2048  # a sum of 2048-bit terms: no set of rows an attacker can choose sums to another's


def term(kind: str, parts: str) -> int:
    return int.from_bytes(hashlib.shake_256((kind + parts).encode()).digest(256), "big")


def watch(conn: sqlite3.Connection) -> None:
    """Collect, in this connection only, the terms every write to messages and versions adds or
    removes (temporary triggers: nothing in the archive file). New messages are the exception:
    their one writer counts them in bulk (`count_new_messages`), as a trigger per row made an
    import of 200,000 messages ~20% slower."""
    statements = [
        "CREATE TEMP TABLE IF NOT EXISTS digest_changes (import_id INTEGER, kind TEXT, sign INTEGER, parts TEXT)",
        "CREATE TEMP TABLE IF NOT EXISTS digest_sums (import_id INTEGER, kind TEXT, count INTEGER, total TEXT)",
    ]
    for table, (kind, parts) in TERMS.items():
        new, old = parts("new."), parts("old.")
        if table != "messages":
            statements.append(
                f"CREATE TEMP TRIGGER IF NOT EXISTS digest_{table}_insert AFTER INSERT ON main.{table} BEGIN"
                f" INSERT INTO digest_changes VALUES (new.import_id, '{kind}', 1, {new}); END"
            )
        statements += [
            f"CREATE TEMP TRIGGER IF NOT EXISTS digest_{table}_delete AFTER DELETE ON main.{table} BEGIN"
            f" INSERT INTO digest_changes VALUES (old.import_id, '{kind}', -1, {old}); END",
            f"CREATE TEMP TRIGGER IF NOT EXISTS digest_{table}_update AFTER UPDATE ON main.{table}"
            f" WHEN old.import_id IS NOT new.import_id OR {old} IS NOT {new} BEGIN"
            f" INSERT INTO digest_changes VALUES (old.import_id, '{kind}', -1, {old});"
            f" INSERT INTO digest_changes VALUES (new.import_id, '{kind}', 1, {new}); END",
        ]
    statements.append("CREATE TEMP TABLE IF NOT EXISTS record_changes (tab TEXT, sign INTEGER, parts TEXT)")
    statements.append("CREATE TEMP TABLE IF NOT EXISTS record_sums (tab TEXT, count INTEGER, total TEXT)")
    for table in RECORDS:
        new, old = row_parts(conn, table, "new."), row_parts(conn, table, "old.")
        statements += [
            _record_insert_trigger(conn, table),
            f"CREATE TEMP TRIGGER IF NOT EXISTS record_{table}_delete AFTER DELETE ON main.{table} BEGIN"
            f" INSERT INTO record_changes VALUES ('{table}', -1, {old}); END",
            f"CREATE TEMP TRIGGER IF NOT EXISTS record_{table}_update AFTER UPDATE ON main.{table} WHEN {old} IS NOT {new} BEGIN"
            f" INSERT INTO record_changes VALUES ('{table}', -1, {old}); INSERT INTO record_changes VALUES ('{table}', 1, {new}); END",
        ]
    for statement in statements:
        conn.execute(statement)
    from textfile.audit.custody import watch as watch_custody  # (custody.py reads this module's terms)

    watch_custody(conn)


def _record_insert_trigger(conn: sqlite3.Connection, table: str) -> str:
    """The trigger that collects the term of each row inserted into a table of records (`watch`)."""
    return (
        f"CREATE TEMP TRIGGER IF NOT EXISTS record_{table}_insert AFTER INSERT ON main.{table} BEGIN"
        f" INSERT INTO record_changes VALUES ('{table}', 1, {row_parts(conn, table, 'new.')}); END"
    )


@contextmanager
def inserted_in_bulk(conn: sqlite3.Connection, table: str) -> Iterator[None]:
    """Around one statement that inserts many rows into a table of records (`RECORDS`): their terms summed by
    one query after it (`record_sums`), instead of a row each that the insert trigger `watch` made writes and
    `pending_records` reads back (the review scan's new flags: a first import of 200,000 messages may raise
    100,000, whose trigger took 0.15 s). The rows are those past the table's largest rowid before it; the
    trigger is made again whatever happens (and a rollback undoes its removal as well)."""
    name = f"record_{table}_insert"
    if conn.execute("SELECT 1 FROM temp.sqlite_master WHERE type = 'trigger' AND name = ?", (name,)).fetchone() is None:
        yield  # (not watched: a migration's own connection)
        return
    (before,) = conn.execute(f"SELECT coalesce(max(rowid), 0) FROM main.{table}").fetchone()
    conn.execute(f"DROP TRIGGER temp.{name}")
    try:
        yield
    finally:
        conn.execute(_record_insert_trigger(conn, table))
    total = rows = 0
    for (parts,) in conn.execute(f"SELECT {row_parts(conn, table, '')} FROM main.{table} WHERE rowid > ?", (before,)):
        total += term(table, parts)
        rows += 1
    if rows:
        conn.execute("INSERT INTO temp.record_sums VALUES (?, ?, ?)", (table, rows, format(total % MOD, "x")))


# The archive's other records, which decide what a transcript shows, what is filed where, what is on
# hold and what may be deleted: each table summed into a digest of all its rows' columns, kept like
# the imports'. Left out: blobs (each checked against its sha256), the sightings (one per message read,
# the view message_sources: a message's first in its own row, `source_ref` beside its import, the
# others in message_sightings, m031; digested per import as their writers count them, custody.py), inbox_files
# (the weekly run's note of what it has seen, kept without an entry: a file it wrongly skips is still
# read by `import`), the audit log itself.
RECORDS = (
    "settings",
    "owner_handles",
    "clients",
    "client_handles",
    "matters",
    "filings",
    "conversations",
    "participants",
    "conversation_keys",
    "conversation_files",
    "message_aliases",
    "message_attachments",
    "reactions",
    "imports",
    "transcripts",
    "transcript_messages",
    "bates_counters",
    "conversation_ignores",
    "ignored_handles",
    "import_custodians",
    "phone_copies",
    "transcript_retirements",
    "review_settings",
    "review_lexicon",
    "review_flags",
    "consents",
    "opt_outs",
    "client_minors",
    "review_reports",
    # notes to file (m021)
    "notes",
    "note_versions",
    "note_messages",
    # lifecycle (issue 19: m023)
    "retention_policies",
    "client_births",
    "disposals",
    "disposal_certificates",
    # coverage (issue 19)
    "imessage_databases",
    "missing_from_phone",
    # ids a disposal deleted, never archived again (issue 19: m025)
    "disposed_messages",
    # review decisions and their notes (m027)
    "review_decisions",
    # redactions and the production log (issue 20: m028, m029)
    "redactions",
    "productions",
    "production_files",
    "production_messages",
    # the certificates productions are signed under (issue 20: m030)
    "signing_keys",
)


def row_parts(conn: sqlite3.Connection, table: str, prefix: str) -> str:
    """The SQL of a row's term text: every column, as JSON."""
    return (
        "json_array(" + ", ".join(f'{prefix}"{c[1]}"' for c in conn.execute(f"PRAGMA main.table_info({table})")) + ")"
    )


def is_digest(value, *counts: str) -> bool:
    """A recorded digest as textfile writes it: {'digest': hex, count: int…}."""
    try:
        return isinstance(value, dict) and int(value["digest"], 16) >= 0 and all(type(value[c]) is int for c in counts)
    except (KeyError, TypeError, ValueError):
        return False


def plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"
