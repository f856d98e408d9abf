"""Benchmark: `textfile import` of a generated modern chat.db.

Generates a macOS Sonoma-style chat.db (fixtures/imessage/modern_schema.sql) with N messages in
200 chats (20 of them groups): 90% with their text only in attributedBody (typedstream), 10% in
`text`, 3% tapbacks, 1% replies, a few edits and unsends; then times `textfile import` in a fresh
process and reports messages/s and that process's peak RSS. Run at two sizes to see whether RSS
stays flat as the database grows. Beside it, the floor: how fast SQLite alone stores the rows the
import stored (benchmarks/support/floor.py), which no importer can beat, and issue 22's figure
(benchmarks/support/near_floor.py): the whole import ÷ (the importer alone + the floor), target
≤ 1.3. The import and the importer alone are medians of 3, measured in turn round by round
(support/near_floor.py `in_rounds`; the peak RSS the largest of the 3). The audit key and config folder are
files of the run, never the user's.

    .venv/bin/python benchmarks/imessage.py                 # 500,000 messages (and 125,000 for the RSS slope)
    .venv/bin/python benchmarks/imessage.py --scale 0.1     # 50,000 (and 12,500)
    .venv/bin/python benchmarks/imessage.py --reader-only   # the importer's generator alone, no archive
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from imessage_build import summary_info, typedstream  # noqa: E402
from support.isolated import isolate  # noqa: E402
from support.near_floor import in_rounds, ratio_line, store_floor  # noqa: E402

TARGET = 50_000
WORDS = (
    "the lease meeting Tuesday office call tomorrow documents signed court hearing thanks please "
    "yes no maybe later tonight morning invoice payment landlord photos kitchen water damage"
).split()


def generate(path: Path, count: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    if path.exists():
        path.unlink()
    conn = sqlite3.connect(path)
    conn.executescript((ROOT / "fixtures" / "imessage" / "modern_schema.sql").read_text())
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    handles = [(i, f"+1202555{i:04d}", "iMessage", "us") for i in range(1, 401)]
    conn.executemany("INSERT INTO handle (ROWID, id, service, country) VALUES (?, ?, ?, ?)", handles)
    chats, members = [], []
    for c in range(1, 201):
        if c <= 20:
            chats.append((c, f"iMessage;+;chat{c:09d}", 43, f"Group {c}"))
            members += [(c, h) for h in rng.sample(range(1, 401), 4)]
        else:
            chats.append((c, f"iMessage;-;+1202555{c:04d}", 45, None))
            members.append((c, c))
    conn.executemany("INSERT INTO chat (ROWID, guid, style, display_name) VALUES (?, ?, ?, ?)", chats)
    conn.executemany("INSERT INTO chat_handle_join (chat_id, handle_id) VALUES (?, ?)", members)
    chat_members = {}
    for chat_id, handle_id in members:
        chat_members.setdefault(chat_id, []).append(handle_id)
    base = 700_000_000 * 10**9
    batch, joins = [], []
    recent_by_chat: dict[int, list[str]] = {}
    for n in range(1, count + 1):
        chat_id = rng.randrange(1, 201)
        from_me = rng.random() < 0.4
        handle_id = 0 if from_me else rng.choice(chat_members[chat_id])
        guid = f"BE{n:08d}-0000-4000-8000-{n:012d}"
        recent = recent_by_chat.setdefault(chat_id, [])  # tapbacks and replies point within their chat
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 25)))
        text, blob, assoc_type, assoc_guid, thread, msi, edited, retracted = None, None, 0, None, None, None, 0, 0
        roll = rng.random()
        if roll < 0.03 and recent:
            assoc_type, assoc_guid = rng.choice((2000, 2001, 2003, 3001)), "p:0/" + rng.choice(recent)
            blob = typedstream(f"Liked \u201c{words[:20]}\u201d")
        elif roll < 0.13:
            text = words
        else:
            blob = typedstream(words)
            if roll > 0.995:
                edited = base + n * 10**9 + 60 * 10**9
                msi = summary_info([(words[:10], 700_000_000 + n), (words, 700_000_060 + n)])
            elif roll > 0.993:
                blob, retracted, msi = None, base + n * 10**9 + 30 * 10**9, summary_info(unsent_parts=[0])
            elif roll > 0.98 and recent:
                thread = rng.choice(recent)
        if not assoc_type:
            recent.append(guid)
        if len(recent) > 20:
            recent.pop(0)
        date = base + n * 10**9
        batch.append(
            (
                n,
                guid,
                text,
                blob,
                handle_id,
                int(from_me),
                "iMessage",
                date,
                date + 10**9 if from_me else 0,
                date + 5 * 10**9 if not from_me else 0,
                assoc_type,
                assoc_guid,
                thread,
                msi,
                edited,
                retracted,
            )
        )
        joins.append((chat_id, n, date))
        if len(batch) >= 20_000:
            _flush(conn, batch, joins)
    _flush(conn, batch, joins)
    conn.commit()
    conn.close()


def _flush(conn, batch, joins) -> None:
    conn.executemany(
        "INSERT INTO message (ROWID, guid, text, attributedBody, handle_id, is_from_me, service, date, date_delivered, date_read,"
        " associated_message_type, associated_message_guid, thread_originator_guid, message_summary_info, date_edited, date_retracted)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        batch,
    )
    conn.executemany("INSERT INTO chat_message_join (chat_id, message_id, message_date) VALUES (?, ?, ?)", joins)
    batch.clear()
    joins.clear()


def run_import(workdir: Path, db: Path) -> tuple[float, float, int, str]:
    """Wall seconds, CPU seconds (user + system) and peak RSS (KiB) of `textfile import` in its own process."""
    textfile = [sys.executable, "-m", "textfile", "--archive", str(workdir / "archive.db")]
    archive = workdir / "archive.db"
    for leftover in workdir.glob("archive.db*"):
        leftover.unlink()
    subprocess.run(
        textfile
        + [
            "init",
            "--owner",
            "Alex Owner",
            "--tz",
            "America/New_York",
            "--region",
            "US",
            "--bates-prefix",
            "TF",
            "--phone",
            "+12025559900",  # (not one of the 400 generated handles: a chat with the owner's own number is a note to self)
            "--quiet",
        ],
        check=True,
    )
    command = ["/usr/bin/time", "-f", "%M %U %S"] + textfile + ["import", str(db), "--quiet", "--json"]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"import failed: {done.stderr}")
    rss_kib, user, system = done.stderr.strip().splitlines()[-1].split()
    assert archive.exists()
    return seconds, float(user) + float(system), int(rss_kib), done.stdout


def run_reader(db: Path) -> tuple[float, float, int]:
    from textfile.importers import imessage
    from textfile.model import ImportOptions

    options = ImportOptions(tz="UTC", region="US", owner_name="Alex Owner", owner_handles=frozenset({"+12025559900"}))
    started, cpu = time.perf_counter(), time.process_time()
    count = sum(1 for _ in imessage.read(db, options))
    return time.perf_counter() - started, time.process_time() - cpu, count


def imported(workdir: Path, db: Path) -> dict:
    """`run_import` as `near_floor.in_rounds` takes it."""
    seconds, cpu, rss_kib, output = run_import(workdir, db)
    reader = json.loads(output)[0].get("reader") or {}  # a large database is read by a second process
    return {"seconds": seconds, "cpu": cpu, "peak_rss_mb": rss_kib / 1024, "reader": reader}


def read_alone(db: Path) -> dict:
    """`run_reader` as `near_floor.in_rounds` takes it."""
    seconds, cpu, records = run_reader(db)
    return {"seconds": seconds, "cpu": cpu, "records": records}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of 500,000 messages (default 1)")
    parser.add_argument("--reader-only", action="store_true", help="time the importer's generator alone")
    parser.add_argument("--keep", type=Path, help="folder to keep the generated database in")
    args = parser.parse_args()
    full = max(1000, int(500_000 * args.scale))
    with tempfile.TemporaryDirectory(prefix="textfile-bench-imessage-", dir="/tmp") as tmp:
        workdir = args.keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        isolate(workdir)
        print(f"machine: {sys.platform}, Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}")
        sizes = [full] if args.reader_only else [full // 4, full]
        for count in sizes:
            db = workdir / f"chat-{count}.db"
            started = time.perf_counter()
            generate(db, count)
            print(
                f"generated {count:,} messages ({db.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.1f} s"
            )
            if args.reader_only:
                seconds, cpu, records = run_reader(db)
                rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                print(
                    f"reader only: {records:,} records in {seconds:.2f} s ({cpu:.2f} s CPU) = {records / seconds:,.0f} records/s, "
                    f"peak RSS {rss:.0f} MB"
                )
                continue
            runs = in_rounds(
                {
                    "ours": (partial(imported, workdir, db), "seconds"),
                    "read": (partial(read_alone, db), "seconds"),
                }
            )
            seconds, cpu, rss, reader = (runs["ours"][k] for k in ("seconds", "cpu", "peak_rss_mb", "reader"))
            cpu += reader.get("cpu_seconds", 0)
            rate = count / seconds
            rounds = ", ".join(f"{x:.2f}" for x in runs["ours"]["rounds"])
            verdict = "OK" if rate >= TARGET else f"BELOW the {TARGET:,}/s target"
            print(
                f"textfile import: {count:,} messages in {seconds:.2f} s (median of {rounds} s) = {rate:,.0f} messages/s ({verdict}); "
                f"{cpu:.2f} s CPU in all = {count / cpu:,.0f} messages per CPU-second; peak RSS {rss:.0f} MB"
                + (f" writing, {reader['peak_rss_mb']:.0f} MB reading" if reader else "")
            )
            floor = store_floor(workdir / "archive.db")  # (the last round's archive: each holds the same rows)
            print(
                f"floor: SQLite alone stores the same rows in {floor['seconds']:.2f} s (median of 3) = {count / floor['seconds']:,.0f} messages/s "
                f"(INSERT … SELECT into a fresh archive, no reading, no Python per row; one writer, so no second core helps)"
            )
            read_seconds, read_cpu = runs["read"]["seconds"], runs["read"]["cpu"]
            best = max(floor["seconds"], (read_cpu + floor["seconds"]) / 2)
            print(
                f"bound: the importer alone needs {read_cpu:.2f} s of CPU; beside storing at the floor, with nothing else "
                f"(no hashing, no rows moved between processes) and two cores perfectly shared: at least {best:.2f} s "
                f"= at most {count / best:,.0f} messages/s"
            )
            print(ratio_line("iMessage", count, seconds, read_seconds, floor["seconds"]))


if __name__ == "__main__":
    main()
