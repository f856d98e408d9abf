"""Lifecycle benchmark (issue 19): what coverage costs an import, and what a disposal costs, on a large
archive, in one run.

1. Coverage at import. Two overlapping "SMS Backup & Restore" exports of one phone, `--messages` SMS
   each (benchmarks/android.py `generate`, no MMS): the second starts 10% later, ends 10% later, and
   lacks 300 messages inside its span (none the first or last of its conversation there, so each is
   inside the span coverage compares). The first is imported once; each run then imports the second
   into a fresh copy of that archive, as `textfile import` does (`import_path`, `parallel=True`), twice,
   alternating: with coverage (`coverage.record` timed alone, inside the import's transaction) and with
   `coverage.record` replaced by a no-op returning an empty `Seen()`. Printed: the medians of both
   imports, of the coverage step alone, and its share. Checked, not timed: the import with coverage
   finds the 300 (`missing_from_phone`). Target: coverage adds at most 15% to such an import (the
   coverage step's median over the median import without it); a missed target prints TARGET MISSED.
2. Disposal. The archive of part 1 (both exports), with a client whose phones are those of the first
   conversations holding about half its messages, one matter that the automatic rule files them to,
   closed, its retention set to 0 years (`retention.set_policy`, as `retention set --matter REF --years 0`
   does): past retention today. Each run disposes of it in a fresh copy, in a process of its own:
   `disposal.dispose(confirm=True)` end to end (deletion, commit, VACUUM and checkpoint, certificate),
   its parts timed alone, then the certificate made again as `dispose REF --certificate` does. Printed:
   the medians, the archive's size before and after (the file and its WAL), and the process's peak RSS
   during the disposal (Linux's VmHWM, reset before it, as benchmarks/review.py does: the OS's count,
   SQLite's pages included; Python's own allocations are not traced apart). Not `getrusage`: a child's
   ru_maxrss starts from its parent's peak (Linux keeps it across exec; measured: 411 MB in a fresh
   child of a 400 MB parent). No target is set: a disposal is rare and deliberate (a matter closed
   years ago, once, by a person who confirms it), nobody waits on it as on an import; its
   figures are printed so that a change that makes it far slower is seen.

The audit key and the config folder are files of this run, never the user's. `--keep DIR` keeps the exports
and archives built there (and the key), and uses them again in later runs (one set per size,
generator seed and migrations file); without it everything is built in a temporary folder, removed.

    .venv/bin/python benchmarks/lifecycle.py [--messages 200000] [--runs 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import android  # noqa: E402
from support.isolated import isolate  # noqa: E402
from support.stopwatch import memory, reset_peak  # noqa: E402

SEED = 7
GONE = 300  # messages the second export lacks inside its span
TARGET = 0.15  # coverage's share over the import without it
MATTER = "BENCH-1"
OWNER = dict(
    owner_name="Alex Owner",
    phones=["+12025550100"],
    emails=[],
    tz="America/New_York",
    region="US",
    bates_prefix="TF",
)


# -- the exports and the archives -------------------------------------------------------------------


def exports(folder: Path, n: int) -> tuple[Path, Path]:
    """The two exports: the first n SMS of n + n/10 generated, and the last n but GONE."""
    first, second = folder / f"sms-{n}-1.xml", folder / f"sms-{n}-2.xml"
    if second.exists():
        return first, second
    whole = folder / f"sms-{n}-whole.xml"
    android.generate(whole, n + n // 10, 0, 0, seed=SEED)
    lines = whole.read_text(encoding="utf-8").splitlines(keepends=True)
    whole.unlink()
    head, body, tail = lines[:3], lines[3:-1], lines[-1:]
    assert all(line.lstrip().startswith("<sms ") for line in body), "the generator wrote more than SMS"
    start = n // 10
    gone = _gone(body, start, n)
    first.write_text("".join(head + body[:n] + tail), encoding="utf-8")
    partial = second.with_name(second.name + ".partial")
    partial.write_text(
        "".join(head + [x for i, x in enumerate(body[start:], start) if i not in gone] + tail), encoding="utf-8"
    )
    partial.rename(second)
    return first, second


def _gone(body: list[str], start: int, n: int) -> set[int]:
    """GONE messages of both exports (between 20% and 90% of the first), none the first or last of its
    conversation in the second, nor the last of it in the first: each inside the span coverage compares."""
    ends: dict[str, list[int]] = {}
    for i in range(start, len(body)):
        address = body[i].split('address="', 1)[1].split('"', 1)[0]
        ends.setdefault(address, [i, i, -1])[1] = i
        if i < n:
            ends[address][2] = i
    edges = {i for span in ends.values() for i in span}
    candidates = [i for i in range(2 * n // 10, 9 * n // 10) if i not in edges]
    return set(random.Random(SEED).sample(candidates, GONE))


def build(folder: Path, n: int) -> tuple[Path, Path, Path]:
    """The first export imported (kept in `folder`), and the second export's path."""
    from textfile.archive import Archive
    from textfile.ingest import import_path

    schema = hashlib.sha256((ROOT / "textfile" / "migrations.py").read_bytes()).hexdigest()[:10]
    first, second = exports(folder, n)
    base = folder / f"first-{n}-s{SEED}-{schema}.db"
    if not base.exists():
        partial = base.with_name(base.name + ".partial")
        _remove(partial)
        start = time.perf_counter()
        with Archive.create(partial, **OWNER) as archive:
            done = import_path(archive, first, parallel=True)
        partial.rename(base)
        print(f"  (the first export imported: {done.added:,} messages in {time.perf_counter() - start:.1f} s)")
    return base, first, second


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _copy(original: Path, copy: Path) -> Path:
    _remove(copy)
    shutil.copyfile(original, copy)
    return copy


def size(path: Path) -> int:
    """The archive's bytes on disk: the file and its write-ahead log."""
    return sum(Path(f"{path}{s}").stat().st_size for s in ("", "-wal") if Path(f"{path}{s}").exists())


# -- 1. coverage at import --------------------------------------------------------------------------


def coverage_runs(base: Path, second: Path, runs: int, folder: Path) -> dict:
    """`runs` imports of the second export with coverage and as many without, alternating."""
    from textfile.archive import Archive
    from textfile.ingest import import_path
    from textfile.lifecycle import coverage

    real, spent = coverage.record, []

    def timed(*args, **kwargs):
        start = time.perf_counter()
        seen = real(*args, **kwargs)
        spent.append(time.perf_counter() - start)
        return seen

    got = {"with": [], "without": [], "coverage": spent, "missing": [], "added": None}
    try:
        for _ in range(runs):
            for label, record in (("with", timed), ("without", lambda *a, **k: coverage.Seen())):
                coverage.record = record
                with Archive.open(_copy(base, folder / f"import-{label}.db")) as archive:
                    start = time.perf_counter()
                    done = import_path(archive, second, parallel=True)
                    got[label].append(time.perf_counter() - start)
                if label == "with":
                    got["missing"].append(done.missing_from_phone)
                    got["added"] = (done.added, done.already_present)
    finally:
        coverage.record = real
    return got


def coverage_report(got: dict, runs: int) -> None:
    """Print part 1 (a missed target says TARGET MISSED); fail when coverage did not find the GONE."""
    with_, without, step = (statistics.median(got[k]) for k in ("with", "without", "coverage"))
    added, known = got["added"]
    share = step / without
    print(f"1. coverage at import: the second export, {added:,} new and {known:,} already in the archive")
    print(f"  import with coverage:        {with_:7.2f} s (median of {runs}: {_each(got['with'])})")
    print(f"  import without (no-op):      {without:7.2f} s (median of {runs}: {_each(got['without'])})")
    print(f"  the coverage step alone:     {step:7.3f} s (median of {runs}: {_each(got['coverage'], 3)})")
    print(
        f"  coverage / import without it: {share:.1%} (target <= {TARGET:.0%}: "
        + ("met)" if share <= TARGET else "TARGET MISSED)")
    )
    print(f"  with / without: {with_ / without:.2f}x; coverage's share of the import with it: {step / with_:.1%}")
    print(f"  found missing from the phone: {got['missing'][0]} (the second export lacks {GONE})")
    if got["missing"] != [GONE] * runs:
        raise SystemExit(f"coverage found {got['missing']} missing from the phone, not {GONE}")


def _each(values: list[float], digits: int = 2) -> str:
    return ", ".join(f"{v:.{digits}f}" for v in values)


# -- 2. disposal ------------------------------------------------------------------------------------


def filed(base: Path, second: Path, folder: Path) -> Path:
    """The archive of part 1 with the matter of about half its messages, closed, past retention."""
    from textfile.archive import Archive
    from textfile.filing import clients, matters
    from textfile.ingest import import_path
    from textfile.lifecycle import retention

    path = folder / base.name.replace("first-", "filed-")
    if path.exists():
        return path
    partial = _copy(base, path.with_name(path.name + ".partial"))
    with Archive.open(partial) as archive:
        import_path(archive, second, parallel=True)
        conn = archive.conn
        (total,) = conn.execute("SELECT count(*) FROM messages").fetchone()
        phones, held = [], 0
        for handle, count in conn.execute(
            "SELECT p.handle, (SELECT count(*) FROM messages m WHERE m.conversation_id = p.conversation_id)"
            " FROM participants p WHERE p.is_owner = 0 ORDER BY p.conversation_id"
        ):
            if held >= total / 2:
                break
            phones.append(handle)
            held += count
        with archive.transaction() as w:
            clients.add_client(w, "Bench Client", phones, [], "US")
            matters.open_matter(w, MATTER, "Bench Client", "Benchmark")
            matters.set_matter_state(w, MATTER, "close")
            retention.set_policy(w, MATTER, 0, "benchmark: nothing kept after closing")
    partial.rename(path)
    return path


def disposal_child(path: Path) -> dict:
    """In a process of its own: `dispose --confirm` on `path`, its parts timed, then the certificate
    made again (`dispose --certificate`); sizes and the peak RSS."""
    from textfile.archive import Archive
    from textfile.lifecycle import disposal
    from textfile.lifecycle.disposal import certificate

    parts: dict[str, float] = {}

    def timed(name, fn):
        def run(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                parts[name] = parts.get(name, 0.0) + time.perf_counter() - start

        return run

    real = disposal.remove, disposal.compact, certificate.make
    disposal.remove = timed("deletion (walk, delete, FTS optimize)", disposal.remove)
    disposal.compact = timed("VACUUM and WAL checkpoints", disposal.compact)
    certificate.make = timed("certificate", certificate.make)
    before = size(path)
    with Archive.open(path) as archive:
        rss, reset = memory("VmRSS"), reset_peak()
        start = time.perf_counter()
        done = disposal.dispose(archive, MATTER, confirm=True, out=path.with_name("certificate.pdf"))
        whole = time.perf_counter() - start
        peak = memory("VmHWM")
        disposal.remove, disposal.compact, certificate.make = real
        start = time.perf_counter()
        again = certificate.make(archive, MATTER, path.with_name("certificate-again.pdf"))
        remade = time.perf_counter() - start
        (left,) = archive.conn.execute("SELECT count(*) FROM messages").fetchone()
    return {
        "whole": whole,
        "parts": parts,
        "again": remade,
        "pages": again.pages,
        "before": before,
        "after": size(path),
        "messages": done.messages,
        "kept": done.kept,
        "left": left,
        "rss_before": rss,
        "rss_peak": peak,
        "peak_reset": reset,
    }


def disposal_runs(original: Path, runs: int, folder: Path) -> list[dict]:
    out = []
    for _ in range(runs):
        copy = _copy(original, folder / "dispose.db")
        for name in ("certificate.pdf", "certificate-again.pdf"):
            (folder / name).unlink(missing_ok=True)
        shutil.rmtree(folder / "dispose.db-render-cache", ignore_errors=True)
        run = subprocess.run([sys.executable, __file__, "--dispose", str(copy)], stdout=subprocess.PIPE, text=True)
        if run.returncode != 0:
            raise SystemExit(f"failed: {__file__} --dispose {copy}")
        out.append(json.loads(run.stdout))
    return out


def disposal_report(got: list[dict]) -> None:
    first = got[0]

    def median(key, part=None):
        return statistics.median(r["parts"].get(part, 0.0) if part else r[key] for r in got)

    print(
        f"2. disposal of matter {MATTER}: {first['messages']:,} messages deleted, {first['kept']:,} kept,"
        f" {first['left']:,} left\n  in the archive (no target: a rare, deliberate act)"
    )
    print(f"  dispose --confirm, end to end:            {median('whole'):7.2f} s (median of {len(got)})")
    for part in first["parts"]:
        print(f"    {part + ':':<39}{median(None, part):7.2f} s")
    print(
        f"  the certificate again (--certificate):   {median('again'):7.2f} s ({first['pages']:,} pages;"
        " the first, above, also starts WeasyPrint)"
    )
    print(
        f"  archive size: {first['before'] / 1e6:,.1f} MB before, {first['after'] / 1e6:,.1f} MB after"
        f" ({first['after'] / first['before']:.0%})"
    )
    print(
        f"  peak RSS of the disposing process (Linux VmHWM): {median('rss_peak'):,.0f} MB"
        f" ({median('rss_before'):,.0f} MB before the disposal)"
        + ("" if first["peak_reset"] else " (VmHWM not reset here: the peak so far)")
    )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200_000, help="SMS of each export")
    parser.add_argument("--runs", type=int, default=3, help="runs of each measurement (the median is printed)")
    parser.add_argument(
        "--keep", type=Path, help="keep the exports and archives built in this folder, and use them again"
    )
    parser.add_argument("--dispose", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.dispose:
        return print(json.dumps(disposal_child(args.dispose)))
    folder = (args.keep or Path(tempfile.mkdtemp(prefix="textfile-bench-lifecycle-"))).absolute()
    folder.mkdir(parents=True, exist_ok=True)
    isolate(folder)  # (the key and config folder: never the user's)
    print(
        f"lifecycle benchmark: {args.messages:,} SMS an export, {os.cpu_count()} cores,"
        f" load {os.getloadavg()[0]:.2f}, in {folder}",
        flush=True,
    )
    try:
        with tempfile.TemporaryDirectory(prefix="runs-", dir=folder) as scratch:
            base, _, second = build(folder, args.messages)
            covered = coverage_runs(base, second, args.runs, Path(scratch))
            disposed = disposal_runs(filed(base, second, folder), args.runs, Path(scratch))
        print(f"medians of {args.runs} runs; load at the end {os.getloadavg()[0]:.2f}")
        coverage_report(covered, args.runs)
        disposal_report(disposed)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
