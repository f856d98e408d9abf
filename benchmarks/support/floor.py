"""What SQLite alone needs to store the rows an import stored: the floor under any importer.

Copies every row an import wrote (its import, conversations, participants, blobs, messages,
versions, sightings, attachments, reactions and the full-text index) from a finished archive into
a fresh one, table by table with `INSERT … SELECT` in one transaction: no Python per row, no
parsing, no hashing. Whatever an importer does, it cannot store these rows faster than this on
the same machine, in one process (SQLite has one writer). The tables are the ones the archive
stores: a message's first sighting is in its own row, a later one in `message_sightings` (m031;
`message_sources` is a view of both), which is copied in key order, cheaper than the order an import
writes it in: the floor errs on the low side.

`one_import` and `store_floor(…, into=…)` measure the same for one import's rows into an archive already
full (benchmarks/reimport.py).

    .venv/bin/python benchmarks/support/floor.py ARCHIVE      # prints JSON: seconds, cpu_seconds, messages
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# In the order foreign keys need; each copied whole (an archive holding one benchmark import).
TABLES = (
    "imports",
    "conversations",
    "participants",
    "blobs",
    "messages",
    "message_versions",
    "message_sightings",
    "message_attachments",
    "reactions",
    "review_settings",  # (the review scan each import runs: how far it read, the flags it raised)
    "review_flags",
    "opt_outs",
)


def store_floor(source: Path, into: Path | None = None) -> dict:
    """SQLite alone storing every row of `source`: into a fresh archive, or into a copy of the archive
    `into` (already full: an archive's size changes what storing costs)."""
    from textfile.archive import Archive

    with tempfile.TemporaryDirectory(prefix="textfile-floor-", dir=source.parent) as folder:
        target = Path(folder) / "floor.db"
        if into is None:
            with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src:
                tz, region = src.execute("SELECT tz, region FROM settings").fetchone()
            Archive.create(
                target, owner_name="Floor", phones=[], emails=[], tz=tz, region=region, bates_prefix="FL"
            ).close()
        else:
            for suffix in ("", "-wal"):
                if Path(f"{into}{suffix}").exists():
                    shutil.copyfile(f"{into}{suffix}", f"{target}{suffix}")
        # The archive's own connection settings: WAL, foreign keys, the same page cache.
        with Archive.open(target) as archive:
            conn = archive.conn
            conn.execute("ATTACH DATABASE ? AS src", (f"file:{source}?mode=ro",))
            tables = [
                t for t in TABLES if conn.execute("SELECT 1 FROM src.sqlite_master WHERE name = ?", (t,)).fetchone()
            ]
            (last,) = conn.execute("SELECT coalesce(max(rowid), 0) FROM messages").fetchone()
            counts = {}
            started, cpu = time.perf_counter(), time.process_time()
            conn.execute("BEGIN IMMEDIATE")
            for table in tables:
                rowid = conn.execute(
                    "SELECT 1 FROM pragma_table_info(?) WHERE pk = 1 AND type = 'INTEGER'", (table,)
                ).fetchone()
                order = " ORDER BY rowid" if rowid or table == "messages" else ""
                counts[table] = conn.execute(f"INSERT INTO main.{table} SELECT * FROM src.{table}{order}").rowcount
            conn.execute(
                "INSERT INTO messages_fts (rowid, body) SELECT rowid, body FROM messages WHERE rowid > ?", (last,)
            )
            conn.execute("COMMIT")
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            conn.execute("DETACH DATABASE src")
    return {"seconds": seconds, "cpu_seconds": cpu, "messages": counts["messages"], "rows": counts}


def one_import(source: Path, import_id: int, target: Path) -> Path:
    """`target`: a database of the rows one import of the archive `source` stored, and nothing else, for
    `store_floor` to store (its review flags: those of its messages; no `review_settings`, which an
    archive already has)."""
    messages = "SELECT id FROM src.messages WHERE import_id = :i"
    picks = {
        "imports": "id = :i",
        "conversations": "id IN (SELECT conversation_id FROM src.messages WHERE import_id = :i)",
        "participants": "conversation_id IN (SELECT conversation_id FROM src.messages WHERE import_id = :i)",
        "blobs": f"sha256 IN (SELECT blob_sha256 FROM src.message_attachments WHERE message_id IN ({messages}))",
        "messages": "import_id = :i",
        "message_versions": "import_id = :i",
        "message_sightings": "import_id = :i",
        "message_attachments": f"message_id IN ({messages})",
        "reactions": "import_id = :i",
        "review_flags": f"message_id IN ({messages})",
        "opt_outs": f"message_id IN ({messages})",
    }
    assert set(picks) == set(TABLES) - {"review_settings"}
    with sqlite3.connect(target) as conn:
        conn.execute("ATTACH DATABASE ? AS src", (f"file:{source}?mode=ro",))
        conn.execute("CREATE TABLE settings AS SELECT * FROM src.settings")
        for table, where in picks.items():
            (sql,) = conn.execute("SELECT sql FROM src.sqlite_master WHERE name = ?", (table,)).fetchone()
            order = "" if "WITHOUT ROWID" in sql.upper() else " ORDER BY rowid"  # (else in key order)
            conn.execute(f"CREATE TABLE {table} AS SELECT * FROM src.{table} WHERE {where}{order}", {"i": import_id})
    return target


def median_floor(source: Path, runs: int = 3, into: Path | None = None) -> dict:
    """The median of `runs` copies, each into its own fresh archive or copy of `into` (this machine is noisy)."""
    each = [store_floor(source, into) for _ in range(runs)]
    middle = sorted(each, key=lambda r: r["seconds"])[len(each) // 2]
    return {
        **middle,
        "runs": [round(r["seconds"], 3) for r in each],
        "seconds": statistics.median(r["seconds"] for r in each),
    }


if __name__ == "__main__":
    print(json.dumps(median_floor(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 3)))
