"""Each import's chain of custody: where in its source it found each message it holds, against what the audit
log recorded.

A sighting is an import holding a message at a place in its source: a message's first is in its own row
(`messages.import_id`, `messages.source_ref`: m031), every later one a row of `message_sightings`; the view
`message_sources` is the two together. Neither is in a message's content hash, nor in its import's digest
(imports.py: a message's id and content hash), nor in the records (records.py): a place changed, a sighting
deleted or one added outside textfile went unseen. Each entry that changed an import's sightings records, per
import, their digest (`custody`: a multiset hash, digest.py, of every sighting as message id and place), which
`verify` recomputes from the rows.

Decisions:
- **Counted in bulk where they are written.** A re-import writes a sighting per message: a trigger that kept
  each one's term made a re-import of 20,000 messages ~8% slower (CPU time); counted in bulk, the terms
  (~1.3 µs a sighting) cost ~5% of it, and ~3-4.5% of a first import. The writers of new sightings count them in bulk, as the new messages are (`count_new_sightings`, beside `count_new_messages`: the batch writer,
  and the fold that makes a folded message's first sighting a later one of the message it joins); temporary
  triggers (`watch`) count the rarer changes: a sighting deleted or changed, a message's first sighting
  deleted with it (a fold, a disposal) or changed.
- **A writer that skipped rows is counted from them.** The batch writer inserts sightings `OR IGNORE`: where
  fewer went in than it gave, its import is counted again from its rows (`pending_custody`), never guessed.
- **From m033 on.** m033 records the sightings of every import an archive held (as they then stood): each
  later import starts from nothing, and every import is checked against its last record.
"""

from __future__ import annotations

import json
import sqlite3

from textfile.audit.digest import MOD, is_digest, plural, term
from textfile.audit.entries import details_of

# A sighting's term text: the message's id and the place in the source (the import is whose digest it is in).
KIND = "s"


def _parts(row: str, message_id: str = "message_id") -> str:
    """The SQL of a sighting's term text for a row prefix ("new.", "old.")."""
    return f"{row}{message_id} || ':' || {row}source_ref"


def watch(conn: sqlite3.Connection) -> None:
    """Collect, in this connection only, the terms of the sightings that writes other than new ones change
    (temporary triggers, as digest.watch's). No trigger on a new sighting: its writer counts it."""
    old_first, new_first = _parts("old.", "id"), _parts("new.", "id")
    old, new = _parts("old."), _parts("new.")
    for statement in (
        "CREATE TEMP TABLE IF NOT EXISTS custody_changes (import_id INTEGER, sign INTEGER, parts TEXT)",
        "CREATE TEMP TABLE IF NOT EXISTS custody_sums (import_id INTEGER, count INTEGER, total TEXT)",
        "CREATE TEMP TABLE IF NOT EXISTS custody_recount (import_id INTEGER PRIMARY KEY)",
        "CREATE TEMP TRIGGER IF NOT EXISTS custody_messages_delete AFTER DELETE ON main.messages"
        f" WHEN old.source_ref IS NOT NULL BEGIN INSERT INTO custody_changes VALUES (old.import_id, -1, {old_first}); END",
        "CREATE TEMP TRIGGER IF NOT EXISTS custody_messages_update AFTER UPDATE OF id, import_id, source_ref ON main.messages"
        f" BEGIN INSERT INTO custody_changes SELECT old.import_id, -1, {old_first} WHERE old.source_ref IS NOT NULL;"
        f" INSERT INTO custody_changes SELECT new.import_id, 1, {new_first} WHERE new.source_ref IS NOT NULL; END",
        "CREATE TEMP TRIGGER IF NOT EXISTS custody_sightings_delete AFTER DELETE ON main.message_sightings"
        f" BEGIN INSERT INTO custody_changes VALUES (old.import_id, -1, {old}); END",
        "CREATE TEMP TRIGGER IF NOT EXISTS custody_sightings_update AFTER UPDATE ON main.message_sightings"
        f" BEGIN INSERT INTO custody_changes VALUES (old.import_id, -1, {old});"
        f" INSERT INTO custody_changes VALUES (new.import_id, 1, {new}); END",
    ):
        conn.execute(statement)


def count_new_sightings(conn: sqlite3.Connection, rows, inserted: int | None = None) -> None:
    """The terms of sightings just written: (message id, import id, place) each, as `message_sightings` takes
    them; a place None is no sighting. `inserted`: how many of `rows` went in, where the writer skips some
    (`OR IGNORE`): fewer, and their imports are counted again from their rows when the entry is written."""
    rows = [r for r in rows if r[2] is not None]
    if inserted is not None and inserted != len(rows):
        conn.executemany("INSERT OR IGNORE INTO temp.custody_recount VALUES (?)", {(r[1],) for r in rows})
        return
    sums: dict[int, list[int]] = {}
    for message_id, import_id, place in rows:
        at = sums.setdefault(import_id, [0, 0])
        at[0] += term(KIND, f"{message_id}:{place}")
        at[1] += 1
    conn.executemany(
        "INSERT INTO temp.custody_sums VALUES (?, ?, ?)",
        [(i, n, format(total % MOD, "x")) for i, (total, n) in sums.items()],
    )


def recorded_custody(conn: sqlite3.Connection) -> dict[int, dict]:
    """Each import's sightings' digest as the last entry that changed them recorded it."""
    recorded: dict[int, dict] = {}
    for (details,) in conn.execute("SELECT details FROM audit_log WHERE details LIKE '%\"custody\":%' ORDER BY id"):
        found = details_of(details).get("custody")
        for import_id, digest in found.items() if isinstance(found, dict) else ():
            if str(import_id).isdigit() and is_digest(digest, "sightings"):
                recorded[int(import_id)] = digest
    return recorded


def current_custody(conn: sqlite3.Connection, imports: list[int] | None = None) -> dict[int, dict]:
    """Each import's sightings' digest computed from the rows as they are (of `imports` only, where given)."""
    sums: dict[int, list[int]] = {}
    where = " WHERE import_id IN (SELECT value FROM json_each(?))" if imports is not None else ""
    for import_id, message_id, place in conn.execute(
        f"SELECT import_id, message_id, source_ref FROM main.message_sources{where}",
        (json.dumps(imports),) if imports is not None else (),
    ):
        at = sums.setdefault(import_id, [0, 0])
        at[0] += term(KIND, f"{message_id}:{place}")
        at[1] += 1
    return {i: _said(total % MOD, n) for i, (total, n) in sums.items()}


def pending_custody(conn: sqlite3.Connection) -> dict[str, dict]:
    """The digests of the imports whose sightings changed since the last entry, as they now stand (the terms
    `watch` and `count_new_sightings` collected, added to what the audit log last recorded of each; an import
    whose writer skipped rows, counted from its rows)."""
    try:
        changed = [
            i
            for (i,) in conn.execute(
                "SELECT import_id FROM temp.custody_changes UNION SELECT import_id FROM temp.custody_sums"
                " UNION SELECT import_id FROM temp.custody_recount"
            )
        ]
    except sqlite3.OperationalError:  # not watched (a migration's own connection)
        return {}
    if not changed:
        return {}
    recorded = recorded_custody(conn)
    recount = [i for (i,) in conn.execute("SELECT import_id FROM temp.custody_recount")]
    counted = current_custody(conn, recount) if recount else {}
    sums: dict[int, list[int]] = {}

    def at(import_id: int) -> list[int]:
        if import_id not in sums:
            was = recorded.get(import_id, EMPTY)
            sums[import_id] = [int(was["digest"], 16), was["sightings"]]
        return sums[import_id]

    for import_id, sign, parts in conn.execute("SELECT import_id, sign, parts FROM temp.custody_changes"):
        row = at(import_id)
        row[0] += sign * term(KIND, parts)
        row[1] += sign
    for import_id, count, total in conn.execute("SELECT import_id, count, total FROM temp.custody_sums"):
        row = at(import_id)
        row[0] += int(total, 16)
        row[1] += count
    for table in ("custody_changes", "custody_sums", "custody_recount"):
        conn.execute(f"DELETE FROM temp.{table}")
    said = {i: _said(total % MOD, n) for i, (total, n) in sums.items() if i not in recount}
    said |= {i: counted.get(i, EMPTY) for i in recount}
    return {str(i): d for i, d in sorted(said.items()) if d != recorded.get(i, EMPTY)}


EMPTY = {"digest": "0" * 512, "sightings": 0}


def _said(total: int, sightings: int) -> dict:
    return {"digest": f"{total:0512x}", "sightings": sightings}


def check_custody(conn: sqlite3.Connection) -> list[str]:
    """Every import's sightings against what the audit log last recorded of them (m033 recorded those of
    every import an archive held before)."""
    recorded, current = recorded_custody(conn), current_custody(conn)
    problems = []
    for import_id in sorted(set(recorded) | set(current)):
        was, now = recorded.get(import_id, EMPTY), current.get(import_id, EMPTY)
        if was == now:
            continue
        counts = (
            f"{plural(was['sightings'], 'sighting')} recorded, {now['sightings']:,} now"
            if was["sightings"] != now["sightings"]
            else "same number, other messages or places"
        )
        problems.append(
            f"import {import_id}: where it found its messages no longer adds up to what the audit log recorded ({counts}):"
            " a message's place in its source, or a sighting of it, was changed, deleted or added outside textfile"
        )
    return problems
