"""Benchmark (issue 22): what an archive already full costs an import, and the writer's memory.

On WhatsApp exports from benchmarks/whatsapp.py's generator (generated in a temporary folder, never the
repository): "new", the 200,000 messages whatsapp.py imports (its chat, its seed); "small", its
50,000; "base", 1,000,000 messages of another chat (another name, another seed). Every import is
`import_path(…, parallel=True)`, as `textfile import` runs it, in a process of its own (a file over
4 MiB is read by a second, reading process):

1. re-import: "new" imported again into the archive its first import made (every message already
   there). Target: its time ≤ 40% of the first import's.
2. into a full archive: "new" imported into an archive already holding "base" (its messages are new
   there too). Target: its cost per message ≤ 1.2× what the first import's cost into an empty one.
   The base archive is built once (the setup, timed) and copied afresh for every round, so that
   every round imports into the same archive.
3. memory: the writing process's peak RSS importing "base" (the setup's import: 1,000,000 messages
   into an empty archive) against "small" (50,000, the same). Target: flat, ≤ 1.25×.

Beside them, the floors under the first two targets:
- what any re-import must do: read the file (the WhatsApp importer alone, its records dropped), and
  identify each message again (`prepare`: its id and content hash, which say whether the archive holds it
  and whether it changed), each in a process of its own, against the first import;
- the storing floor (benchmarks/support/floor.py) for the rows the import into the full archive stored:
  SQLite alone storing them with `INSERT … SELECT` into a copy of the base archive, against into an empty
  one (median of 3 each): what the archive's size costs storing itself, whatever the importer.

A round is: the first import of "new" into an empty archive, its re-import, the import of "new" into
a copy of the base archive, the import of "small" into an empty archive. Rounds (--runs, default 3)
follow one another, so each round's imports see the same machine; printed are the medians of the
rounds and the median of each round's ratio. Times and ratios are given twice: the whole process's
wall seconds (what the user waits for; the interpreter's start included) and the writing process's
CPU seconds of the import (the reading process's CPU beside it). The setup's import is measured once
(it is the setup). The audit key and the config folder are files of the run, never the user's.

    .venv/bin/python benchmarks/reimport.py                # 200,000 new, 1,000,000 base, 50,000 small
    .venv/bin/python benchmarks/reimport.py --scale 0.05   # while developing
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from support.child import run_child  # noqa: E402
from support.floor import median_floor, one_import  # noqa: E402
from support.isolated import isolate  # noqa: E402
from whatsapp import FILE_NAME, OWNER, generate  # noqa: E402

BASE_FILE_NAME = "WhatsApp Chat with Records Team.txt"  # (another chat: none of its messages is one of "new")
BASE_SEED = 5
REIMPORT_TARGET = 0.40
FULL_TARGET = 1.2
RSS_TARGET = 1.25


# -- what the child process runs ----------------------------------------------------------------


def read_child(path: Path, identify: bool) -> None:
    """Read `path` with the WhatsApp importer alone (and `prepare` each message when `identify`: its id and
    content hash, what any import must compute to know a message again); print the seconds as JSON."""
    from textfile.importers import whatsapp
    from textfile.ingest.prepare import prepare
    from textfile.model import ImportOptions, Message

    options = ImportOptions(tz="Europe/London", region="GB", owner_name=OWNER)
    started, n = time.perf_counter(), 0
    for record in whatsapp.read(path, options):
        if isinstance(record, Message):
            n += 1
            if identify:
                prepare(record, options.region)
    print(json.dumps({"messages": n, "seconds": time.perf_counter() - started}))


def child(path: Path, db: Path, create: bool) -> None:
    """Import `path` into `db` (made first when `create`); print the import's figures as JSON."""
    from textfile.archive import Archive
    from textfile.ingest import import_path, warm_up

    warm_up([path])  # (as `textfile import` does, before it opens the archive)
    if create:
        archive = Archive.create(
            db, owner_name=OWNER, phones=["+12025550100"], emails=[], tz="Europe/London", region="GB", bates_prefix="TF"
        )
    else:
        archive = Archive.open(db)
    with archive:
        started, cpu = time.perf_counter(), time.process_time()
        result = import_path(archive, path, parallel=True)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        json.dumps(
            {
                "added": result.added,
                "already_present": result.already_present,
                "seconds": seconds,
                "cpu_seconds": cpu,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "reader": result.reader,
            }
        )
    )


def run_import(path: Path, db: Path, create: bool) -> dict:
    """The child's figures, with the whole process's wall seconds (`process_seconds`)."""
    cmd = [sys.executable, __file__, "--child", "--file", str(path), "--db", str(db)] + (["--create"] if create else [])
    return run_child(cmd, f"import of {path.name} into {db.name}", fresh=db if create else None)


def copy_archive(source: Path, target: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")


# -- the report ---------------------------------------------------------------------------------


def reader_cpu(r: dict) -> float:
    return (r.get("reader") or {}).get("cpu_seconds", 0.0)


def describe(r: dict, n: int) -> str:
    return (
        f"{r['process_seconds']:6.2f} s whole process ({r['process_seconds'] / n * 1e6:5.1f} µs a message), "
        f"writing process {r['cpu_seconds']:6.2f} s CPU ({r['cpu_seconds'] / n * 1e6:5.1f} µs), reading process "
        f"{reader_cpu(r):5.2f} s CPU; added {r['added']:,}, already present {r['already_present']:,}; "
        f"writer peak RSS {r['peak_rss_mb']:.0f} MB"
    )


def verdict(rounds: list[dict], part: str, whole: str, target: float, what: str) -> list[str]:
    """Two lines: `part` against `whole`, by the whole process's wall time and by the writer's CPU."""
    lines = []
    for key, title in (("process_seconds", "whole process"), ("cpu_seconds", "writing process CPU")):
        ratio = statistics.median(r[part][key] / r[whole][key] for r in rounds)
        lines.append(
            f"{what}, {title}: {statistics.median(r[part][key] for r in rounds):.2f} s against "
            f"{statistics.median(r[whole][key] for r in rounds):.2f} s = {ratio:.2f}× (target ≤ {target}×)  "
            f"{'OK' if ratio <= target else 'MISSED'}"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of every size (default 1)")
    parser.add_argument("--runs", type=int, default=3, help="rounds (the median is printed; default 3)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--create", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--read", choices=("alone", "identify"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child and args.read:
        return read_child(Path(args.file), args.read == "identify")
    if args.child:
        return child(Path(args.file), Path(args.db), args.create)

    sizes = {
        "new": round(200_000 * args.scale),
        "base": round(1_000_000 * args.scale),
        "small": round(50_000 * args.scale),
    }
    work = Path(tempfile.mkdtemp(prefix="textfile-bench-reimport-"))
    isolate(work)
    try:
        files = {}
        for label, n in sizes.items():
            (work / label).mkdir()
            files[label] = work / label / (BASE_FILE_NAME if label == "base" else FILE_NAME)
            started = time.perf_counter()
            generate(files[label], n, seed=BASE_SEED if label == "base" else 3)
            print(
                f"generated {label}: {n:,} messages, {files[label].stat().st_size / 1e6:,.1f} MB, "
                f"in {time.perf_counter() - started:.1f} s",
                flush=True,
            )
        started = time.perf_counter()
        base = run_import(files["base"], work / "base.db", create=True)
        print(
            f"setup: the base archive ({sizes['base']:,} messages) built in {time.perf_counter() - started:.1f} s: "
            f"{describe(base, sizes['base'])}",
            flush=True,
        )
        rounds = []
        for at in range(args.runs):
            done = {}
            done["first"] = run_import(files["new"], work / "archive.db", create=True)
            done["again"] = run_import(files["new"], work / "archive.db", create=False)
            copy_archive(work / "base.db", work / "full.db")
            done["full"] = run_import(files["new"], work / "full.db", create=False)
            done["small"] = run_import(files["small"], work / "small.db", create=True)
            for way in ("alone", "identify"):
                cmd = [sys.executable, __file__, "--child", "--read", way, "--file", str(files["new"])]
                done[way] = run_child(cmd, f"reading {files['new'].name} ({way})")
            rounds.append(done)
            for label, title, n in (
                ("first", "first import, empty archive", sizes["new"]),
                ("again", "re-import, same archive", sizes["new"]),
                ("full", f"into the {sizes['base']:,} archive", sizes["new"]),
                ("small", f"{sizes['small']:,}, empty archive", sizes["small"]),
            ):
                print(f"  round {at + 1} {title:>28}: {describe(done[label], n)}", flush=True)
        print()
        n = sizes["new"]
        print(f"medians of {args.runs} rounds, and the median of the rounds' ratios:")
        for line in verdict(
            rounds, "again", "first", REIMPORT_TARGET, f"re-import of the same {n:,} (against their first import)"
        ):
            print(line)
        for line in verdict(
            rounds,
            "full",
            "first",
            FULL_TARGET,
            f"{n:,} new into an archive of {sizes['base']:,} (against into an empty one: a message each)",
        ):
            print(line)
        first = statistics.median(r["first"]["process_seconds"] for r in rounds)
        alone, identify = (
            statistics.median(r[way]["process_seconds"] for r in rounds) for way in ("alone", "identify")
        )
        print(
            f"what any re-import of the {n:,} costs, whole process: reading the file (the importer alone) {alone:.2f} s"
            f" = {alone / first:.2f}× the first import, and identifying each message again (`prepare`: its id and"
            f" content hash) {identify:.2f} s = {identify / first:.2f}× (one process; two can share the identifying)"
        )
        with closing(sqlite3.connect(work / "full.db")) as conn:
            (import_id,) = conn.execute("SELECT max(id) FROM imports").fetchone()
        rows = one_import(work / "full.db", import_id, work / "rows.db")
        empty, full = median_floor(rows), median_floor(rows, into=work / "base.db")
        print(
            f"storing floor (SQLite alone storing the rows the import into the {sizes['base']:,} archive stored,"
            f" INSERT … SELECT, median of 3): into that archive {full['seconds']:.2f} s, into an empty one"
            f" {empty['seconds']:.2f} s = {full['seconds'] / empty['seconds']:.2f}× (CPU"
            f" {full['cpu_seconds'] / empty['cpu_seconds']:.2f}×)"
        )
        small = statistics.median(r["small"]["peak_rss_mb"] for r in rounds)
        growth = base["peak_rss_mb"] / small
        print(
            f"writer peak RSS: {small:.0f} MB importing {sizes['small']:,} (median) → {base['peak_rss_mb']:.0f} MB importing "
            f"{sizes['base']:,} ({growth:.2f}×; target flat, ≤ {RSS_TARGET}×)  {'OK' if growth <= RSS_TARGET else 'MISSED'}"
            f"; reading process {statistics.median((r['small'].get('reader') or {}).get('peak_rss_mb', 0) for r in rounds):.0f}"
            f" → {(base.get('reader') or {}).get('peak_rss_mb', 0):.0f} MB"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
