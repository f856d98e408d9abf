"""Review benchmark (issue 18): the review of 1,000,000 messages, full and incremental, beside a plain
FTS5 query pass over the same archive, in one run.

1. The FTS5 pass, the issue's floor: for every term of the English lexicon, one
   `SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?` fetching every rowid. Beside it two
   floors of what else a review must do (support/review_floors.py): read every text's time, and
   write as many flag rows as the full review raised (one `INSERT … SELECT`, rolled back).
2. The full review: `review.scan.scan` of every message, in a transaction rolled back after it (the
   archive stays as built: no flags, no opt-outs, no review settings), with working hours set
   ("Mon-Fri 09:00-18:00") and consent required (the default): the realistic setting; and again
   without hours, to separate their cost. Alternating with 1, `--runs` times each: medians of wall
   and CPU seconds, and of each part of the scan (support/stopwatch.py). Target: the full review
   (with hours) within 2x of the FTS5 pass.
3. Incremental: after a full review committed, `--new` new messages imported through textfile's
   `ingest`, with the scan inside it as in real use; timed is the scan alone (`scan.scan` wrapped,
   inside the import's transaction), and the import whole beside it. Each run imports the next
   batch, alternately a realistic one (some inbound texts a whole "Yes" or STOP, which record an
   opt-in or opt-out) and the same batch with none. Target: under 1 s.
4. Memory, each in a fresh process of its own (with hours, and without): the RSS before a full review
   and its peak during it (Linux: VmHWM, reset before it), then the peak of Python's own allocations
   over a second one (tracemalloc); the same at a tenth of the size (`--flat`). Target: flat (the
   growth at the full size within 1.25x of the tenth's, or within 16 MB of it).

The archive is generated (benchmarks/support/firm.py: 300 clients with matters and consents, 410
conversations, calls, lexicon terms, opt keywords, after-hours texts) and imported through textfile's
`ingest` with the review scan inside it disabled (it would be the full review, unmeasured), in a
process of its own. `--keep DIR` keeps each archive built there and uses it again in later runs (one
per size, generator version and migrations file), with the audit key they are sealed with (the key and
the config folder are the run's, never the user's). A missed target prints TARGET MISSED, as the other
benchmarks do.

    .venv/bin/python benchmarks/review.py [--messages 1000000] [--new 1000] [--runs 3] [--flat N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from support import firm  # noqa: E402
from support.isolated import isolate  # noqa: E402
from support.review_floors import flag_write, fts_pass, text_pass  # noqa: E402
from support.stopwatch import ORDER, Timing, clock, memory, reset_peak, scan_parts  # noqa: E402

PER_EXPORT = 100_000  # messages of one generated export (one import)


# -- the archive ------------------------------------------------------------------------------------


def build(path: Path, n: int) -> None:
    """The firm's archive of n messages, imported export by export with the review scan disabled."""
    from textfile import times
    from textfile.archive import Archive
    from textfile.ingest import ingest, transaction

    transaction._review = lambda conn: {}
    archive = Archive.create(path, **firm.OWNER)
    with archive.transaction() as conn:
        firm.set_up_clients(conn, times.zone(firm.OWNER["tz"]))
    people = firm.Firm(n)
    for first in range(0, n, PER_EXPORT):
        ingest(archive, firm.source(f"phone-{first}.xml"), people.export(first, min(PER_EXPORT, n - first)))
    archive.close()


def archive_for(folder: Path, n: int) -> Path:
    """The archive of n messages in `folder`: as built before, or built now (in a process of its own)."""
    schema = hashlib.sha256((ROOT / "textfile" / "migrations.py").read_bytes()).hexdigest()[:10]
    path = folder / f"review-{n}-g{firm.VERSION}-{schema}.db"
    if path.exists():
        print(f"  (the archive of {n:,} messages built before: {path})", flush=True)
        return path
    partial = path.with_name(path.name + ".partial")
    for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    start = time.perf_counter()
    child(["--build", str(partial), "--messages", str(n)])
    partial.rename(path)
    print(f"  (built the archive of {n:,} messages in {time.perf_counter() - start:.0f} s)", flush=True)
    return path


def child(args: list[str]) -> dict | None:
    run = subprocess.run([sys.executable, __file__, *args], stdout=subprocess.PIPE, text=True)
    if run.returncode != 0:
        raise SystemExit(f"failed: {__file__} {' '.join(args)}")
    return json.loads(run.stdout) if run.stdout.strip() else None


def working_copy(original: Path, folder: Path):
    """A copy of the archive with no review done: no flags, no opt-outs, no review settings."""
    from textfile.archive import Archive

    copy = folder / "work.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(original, copy)
    archive = Archive.open(copy)
    conn = archive.conn
    conn.execute("BEGIN IMMEDIATE")
    for table in ("review_flags", "opt_outs", "review_settings"):
        conn.execute(f"DELETE FROM {table}")
    conn.execute("COMMIT")
    with open(copy, "rb") as f:  # in the page cache, as for every run after the first
        while f.read(1 << 24):
            pass
    return archive


# -- measuring --------------------------------------------------------------------------------------


class Review(NamedTuple):
    timing: Timing
    rss_before: float  # MB
    peak_growth: float  # MB over rss_before
    raised: dict
    read: int
    parts: dict  # wall seconds by part (support/stopwatch.py)

    def to_json(self) -> dict:
        return self._asdict() | {"timing": self.timing._asdict()}


def full_review(archive, hours: bool, commit: bool = False) -> Review:
    """`scan` of every message in one transaction (rolled back unless `commit`), hours set or not."""
    from textfile import times
    from textfile.review import scan, settings

    conn, tz = archive.conn, times.zone(archive.settings.tz)
    conn.execute("BEGIN IMMEDIATE")
    try:
        if hours:
            settings.set_review_settings(conn, hours_spec=firm.HOURS, audited=False)
        before, parts = memory("VmRSS"), {}
        reset_peak()
        with scan_parts(parts):
            timing, done = clock(scan.scan, conn, tz)
        peak = memory("VmHWM")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT" if commit else "ROLLBACK")
    return Review(timing, before, peak - before, dict(sorted(done.raised.items())), done.read, parts)


def incremental(archive, people: firm.Firm, n: int, new: int, runs: int) -> list[dict]:
    """After a committed full review, `runs` imports of `new` messages each (a realistic batch, then one
    with no whole opt keyword, in turn): the scan inside each timed alone, and the import whole."""
    from textfile.ingest import ingest
    from textfile.review import scan

    scanned, real_scan = [], scan.scan

    def timed_scan(conn, tz):
        with scan_parts({}) as parts:
            timing, done = clock(real_scan, conn, tz)
        scanned.append((timing, done, parts))
        return done

    out = []
    scan.scan = timed_scan
    try:
        for k in range(2 * runs):
            keywords = k % 2 == 0
            batch = people.export(n + k * new, new, keywords=keywords)
            whole, result = clock(ingest, archive, firm.source(f"week-{k}.xml"), batch)
            timing, done, parts = scanned[-1]
            out.append(
                {
                    "keywords": keywords,
                    "scan": timing._asdict(),
                    "ingest": whole._asdict(),
                    "added": result.added,
                    "read": done.read,
                    "full": done.full,
                    "raised": done.raised,
                    "opt_changes": done.opt_changes,
                    "parts": parts,
                }
            )
    finally:
        scan.scan = real_scan
    return out


def python_peak(archive, hours: bool = True) -> tuple[float, Review]:
    """A full review committed, under tracemalloc: the peak of Python's allocations, MB."""
    tracemalloc.start()
    try:
        review = full_review(archive, hours, commit=True)
        return tracemalloc.get_traced_memory()[1] / 2**20, review
    finally:
        tracemalloc.stop()


def measure(original: Path, n: int, new: int, runs: int) -> dict:
    """Parts 1-4 at the full size (this process measures nothing else)."""
    from textfile.review import settings
    from textfile.review.lexicons import phrase

    with tempfile.TemporaryDirectory(prefix="textfile-review-", dir=original.parent) as folder:
        archive = working_copy(original, Path(folder))
        conn = archive.conn
        terms = [phrase(t) for category in settings.lexicon(conn).values() for t in category.terms]
        fts, every, hours, plain, write = [], [], [], [], []
        for _ in range(runs):  # alternating, so each sees the same machine
            fts.append(clock(fts_pass, conn, terms))
            every.append(clock(text_pass, conn))
            hours.append(full_review(archive, True))
            plain.append(full_review(archive, False))
            write.append(clock(flag_write, conn, sum(hours[-1].raised.values())))
        committed = full_review(archive, True, commit=True)
        steps = incremental(archive, firm.Firm(n), n, new, runs)
        counts = conn.execute("SELECT count(*), count(DISTINCT conversation_id) FROM messages").fetchone()
        archive.close()
    return {
        "fts": [t._asdict() for t, _ in fts],
        "fts_rows": fts[0][1],
        "texts": [t._asdict() for t, _ in every],
        "text_rows": every[0][1],
        "write": [t._asdict() for t, _ in write],
        "write_rows": write[0][1],
        "terms": len(terms),
        "hours": [r.to_json() for r in hours],
        "plain": [r.to_json() for r in plain],
        "committed": committed.to_json(),
        "incremental": steps,
        "messages": counts[0],
        "conversations": counts[1],
    }


def memory_only(original: Path, hours: bool) -> dict:
    """Part 4: one full review in a fresh process (hours set or not), its RSS growth, and Python's peak."""
    with tempfile.TemporaryDirectory(prefix="textfile-review-", dir=original.parent) as folder:
        archive = working_copy(original, Path(folder))
        review = full_review(archive, hours)
        peak, _ = python_peak(archive, hours)
        archive.close()
    return {"review": review.to_json(), "python_peak": peak, "peak_reset": reset_peak()}


# -- the report -------------------------------------------------------------------------------------


def med(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def row(name: str, runs: list[dict], extra: str = "") -> tuple[float, float]:
    wall, cpu = med(runs, "wall"), med(runs, "cpu")
    print(f"{name:<64} {wall:>7.2f} {cpu:>7.2f}{extra}")
    return wall, cpu


def parts_table(columns: dict[str, list[tuple[dict, float]]]) -> None:
    """The median wall seconds of each part of the scan (and what is left: `other`), a column for each
    kind of scan; each run is (its parts, its total)."""
    print(f"  {'by part, wall s (median)':<44}" + "".join(f" {c:>20}" for c in columns))
    for name in [*ORDER, "other"]:
        cells = [
            statistics.median(
                total - sum(v for k, v in parts.items() if not k.startswith(" "))
                if name == "other"
                else parts.get(name, 0.0)
                for parts, total in runs
            )
            for runs in columns.values()
        ]
        print(f"  {name:<44}" + "".join(f" {v:>20.3f}" for v in cells))


def report(n: int, new: int, got: dict, memory: dict, flat: int) -> None:
    print(f"\n{'':<64} {'wall s':>7} {'CPU s':>7}")
    fts = row(f"floor: FTS5 pass, {got['terms']} terms, {got['fts_rows']:,} rowids", got["fts"])
    every = row(f"floor: every text's rowid, direction, time read ({got['text_rows']:,})", got["texts"])
    write = row(f"floor: {got['write_rows']:,} flags written by INSERT … SELECT", got["write"])
    reviews = {key: [r["timing"] for r in got[key]] for key in ("hours", "plain")}
    hours = row("full review: hours and consent", reviews["hours"])
    plain = row("full review: consent, no hours", reviews["plain"])
    missed = hours[0] > 2 * fts[0]
    print(
        f"  full review / FTS5 pass: {hours[0] / fts[0]:.1f}x wall, {hours[1] / fts[1]:.1f}x CPU (target <= 2x);"
        f" without hours {plain[0] / fts[0]:.1f}x wall; against the three floors together"
        f" {hours[0] / (fts[0] + every[0] + write[0]):.1f}x wall"
    )
    print(f"  what a full review raises, by rule: {json.dumps(got['hours'][0]['raised'])}")
    parts_table(
        {
            c: [(r["parts"], r["timing"]["wall"]) for r in got[k]]
            for c, k in (("hours and consent", "hours"), ("no hours", "plain"))
        }
    )
    steps = got["incremental"]
    for keywords in (True, False):
        some = [s for s in steps if s["keywords"] == keywords]
        said = "a realistic batch (some whole Yes/STOP)" if keywords else "the batch with no whole opt keyword"
        scan_s, _ = row(f"incremental, {new:,} new, {said}: the scan", [s["scan"] for s in some])
        print(
            f"  (target < 1 s); the import whole {med([s['ingest'] for s in some], 'wall'):.2f} s; each run's scan"
            f" {', '.join(format(s['scan']['wall'], '.2f') for s in some)} s, groups read again over every message"
            f" {[s['full'] for s in some]}, opt changes {[s['opt_changes'] for s in some]}"
        )
        missed |= scan_s >= 1
    parts_table(
        {
            name: [(s["parts"], s["scan"]["wall"]) for s in steps if s["keywords"] == k]
            for name, k in (("with Yes/STOP", True), ("none", False))
        }
    )
    for on in (True, False):
        big, small = memory[n, on], memory.get((flat, on))
        grew = big["review"]["peak_growth"]
        line = (
            f"memory, full review {'with' if on else 'without'} hours: RSS {big['review']['rss_before']:.0f} MB before,"
            f" +{grew:.0f} MB at its peak ({grew * 2**20 / n:.0f} bytes a message), Python's peak {big['python_peak']:.0f} MB"
        )
        if small:
            base = small["review"]["peak_growth"]
            line += (
                f"; at {flat:,} messages +{base:.0f} MB, Python's {small['python_peak']:.0f} MB: {grew / max(base, 1):.1f}x"
                f" (target: flat, <= 1.25x or within 16 MB)"
            )
            missed |= on and grew > max(1.25 * base, base + 16)
        print(line + ("" if big["peak_reset"] else " (VmHWM not reset here: growth over the peak so far)"))
    if missed:
        print("  TARGET MISSED")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000, help="messages in the archive reviewed")
    parser.add_argument("--new", type=int, default=1000, help="new messages of each incremental import")
    parser.add_argument("--runs", type=int, default=3, help="runs of each measurement (the median is printed)")
    parser.add_argument("--flat", type=int, help="the size memory is compared with (default a tenth; 0: none)")
    parser.add_argument("--keep", type=Path, help="keep the archives built in this folder, and use them again")
    parser.add_argument("--build", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--memory", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--no-hours", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.build:
        return build(args.build, args.messages)
    if args.measure or args.memory:
        if args.measure:
            return print(json.dumps(measure(args.measure, args.messages, args.new, args.runs)))
        return print(json.dumps(memory_only(args.memory, not args.no_hours)))
    n, flat = args.messages, args.messages // 10 if args.flat is None else args.flat
    folder = (args.keep or Path(tempfile.mkdtemp(prefix="textfile-bench-review-"))).absolute()
    folder.mkdir(parents=True, exist_ok=True)
    isolate(folder)  # (the key beside the archives: a kept archive is changed again in a later run)
    print(
        f"review benchmark: {n:,} messages, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}, in {folder}",
        flush=True,
    )
    try:
        path = archive_for(folder, n)
        got = child(["--measure", str(path), "--messages", str(n), "--new", str(args.new), "--runs", str(args.runs)])
        memory = {
            (n, hours): child(["--memory", str(path), *([] if hours else ["--no-hours"])]) for hours in (True, False)
        }
        if flat:
            small = archive_for(folder, flat)
            memory |= {
                (flat, h): child(["--memory", str(small), *([] if h else ["--no-hours"])]) for h in (True, False)
            }
        print(
            f"{got['messages']:,} messages after the incremental imports, {got['conversations']} conversations;"
            f" medians of {args.runs} runs, alternating; load at the end {os.getloadavg()[0]:.2f}"
        )
        report(n, args.new, got, memory, flat)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
