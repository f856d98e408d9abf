"""Issue 22's figure, computed the same way by the WhatsApp, iMessage and Android benchmarks: our
whole import beside the importer alone and the storing floor.

- ours: the wall seconds of the whole process that imported the file into a fresh archive;
- the importer alone: the wall seconds of the importer's record stream consumed and dropped;
- the storing floor: benchmarks/support/floor.py on the archive ours made (SQLite alone storing the
  rows ours stored, `INSERT … SELECT`, no Python per row), in a process of its own;
- the ratio ours ÷ (importer alone + floor). With two cores an import could take about the larger
  of the two; their sum is what one core doing both would take. Target (issue 22): ≤ 1.3.
Each figure is the median of 3 (`ROUNDS`), ours and the importer alone measured in turn, round by round
(`in_rounds`), so that a spell of the shared machine running slow weighs on both: one run each moved the
ratio by up to ±0.15 from one run of the benchmark to the next, the machine's speed alone (a fixed loop of
hashing took 0.42–0.70 s of CPU in eight runs a minute apart).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET = 1.3
ROUNDS = 3


def in_rounds(measures: dict[str, tuple[Callable[[], dict], str]], rounds: int = ROUNDS) -> dict[str, dict]:
    """Each measure (name -> (the call, the key of its seconds)) run `rounds` times (an odd number), in turn
    round by round; for each, the run whose seconds are the median (the middle one), with every run's seconds (`rounds`) and the largest peak RSS of
    them (`peak_rss_mb`, where the runs give it: a memory figure is never the lucky run's)."""
    runs: dict[str, list[dict]] = {name: [] for name in measures}
    for _ in range(rounds):
        for name, (measure, _key) in measures.items():
            runs[name].append(measure())
    chosen = {}
    for name, (_measure, key) in measures.items():
        made = runs[name]
        run = dict(sorted(made, key=lambda r: r[key])[len(made) // 2])
        run["rounds"] = [r[key] for r in made]
        if all("peak_rss_mb" in r for r in made):
            run["peak_rss_mb"] = max(r["peak_rss_mb"] for r in made)
        if all(r.get("reader") for r in made):  # (a second, reading process: its own peak)
            run["reader"] = dict(run["reader"]) | {"peak_rss_mb": max(r["reader"]["peak_rss_mb"] for r in made)}
        chosen[name] = run
    return chosen


def store_floor(archive: Path) -> dict:
    """floor.py's JSON for `archive` (its `seconds`: the median of its 3 copies)."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "support" / "floor.py"), str(archive)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if done.returncode:
        raise SystemExit(f"floor failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def ratio_line(name: str, messages: int, ours: float, read: float, floor: float) -> str:
    """One line: the three figures, the ratio, its target and OK or MISSED."""
    ratio = ours / (read + floor)
    return (
        f"{name} {messages:,} messages: ours {ours:.2f} s (whole process), importer alone {read:.2f} s, "
        f"storing floor {floor:.2f} s (medians of {ROUNDS}); ours ÷ (importer alone + floor) = {ratio:.2f} "
        f"(target ≤ {TARGET})  {'OK' if ratio <= TARGET else 'MISSED'}"
    )
