"""What SQLite alone needs to store the rows an import stored: the floor under any importer.

Copies every row an import wrote (its import, conversations, participants, blobs, messages,
versions, sightings, attachments, reactions and the full-text index) from a finished archive into
a fresh one, table by table with `INSERT … SELECT` in one transaction: no Python per row, no
parsing, no hashing. Whatever an importer does, it cannot store these rows faster than this on
the same machine, in one process (SQLite has one writer). The tables are the ones the archive
stores: a message's first sighting is in its own row, a later one in `message_sightings` (m031;
`message_sources` is a view of both), which is copied in key order, cheaper than the order an import
writes it in: the floor errs on the low side.

    .venv/bin/python benchmarks/floor.py ARCHIVE      # prints JSON: seconds, cpu_seconds, messages
"""

from __future__ import annotations

import json
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


def store_floor(source: Path) -> dict:
    from textfile.archive import Archive

    with tempfile.TemporaryDirectory(prefix="textfile-floor-", dir=source.parent) as folder:
        fresh = Path(folder) / "floor.db"
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src:
            tz, region = src.execute("SELECT tz, region FROM settings").fetchone()
        Archive.create(fresh, owner_name="Floor", phones=[], emails=[], tz=tz, region=region, bates_prefix="FL").close()
        # The archive's own connection settings: WAL, foreign keys, the same page cache.
        with Archive.open(fresh) as archive:
            conn = archive.conn
            conn.execute("ATTACH DATABASE ? AS src", (f"file:{source}?mode=ro",))
            counts = {}
            started, cpu = time.perf_counter(), time.process_time()
            conn.execute("BEGIN IMMEDIATE")
            for table in TABLES:
                rowid = conn.execute(
                    "SELECT 1 FROM pragma_table_info(?) WHERE pk = 1 AND type = 'INTEGER'", (table,)
                ).fetchone()
                order = " ORDER BY rowid" if rowid or table == "messages" else ""
                counts[table] = conn.execute(f"INSERT INTO main.{table} SELECT * FROM src.{table}{order}").rowcount
            conn.execute("INSERT INTO messages_fts (rowid, body) SELECT rowid, body FROM messages")
            conn.execute("COMMIT")
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            conn.execute("DETACH DATABASE src")
    return {"seconds": seconds, "cpu_seconds": cpu, "messages": counts["messages"], "rows": counts}


def median_floor(source: Path, runs: int = 3) -> dict:
    """The median of `runs` copies, each into its own fresh archive (this machine is noisy)."""
    each = [store_floor(source) for _ in range(runs)]
    middle = sorted(each, key=lambda r: r["seconds"])[len(each) // 2]
    return {
        **middle,
        "runs": [round(r["seconds"], 3) for r in each],
        "seconds": statistics.median(r["seconds"] for r in each),
    }


if __name__ == "__main__":
    print(json.dumps(median_floor(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 3)))
