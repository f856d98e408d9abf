"""Issue 22's figure, computed the same way by the WhatsApp, iMessage and Android benchmarks: our
whole import beside the importer alone and the storing floor.

- ours: the wall seconds of the whole process that imported the file into a fresh archive;
- the importer alone: the wall seconds of the importer's record stream consumed and dropped;
- the storing floor: benchmarks/support/floor.py on the archive ours made (SQLite alone storing the
  rows ours stored, `INSERT … SELECT`, no Python per row), the median of 3, in a process of its own;
- the ratio ours ÷ (importer alone + floor). With two cores an import could take about the larger
  of the two; their sum is what one core doing both would take. Target (issue 22): ≤ 1.3.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET = 1.3


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
        f"storing floor {floor:.2f} s (median of 3); ours ÷ (importer alone + floor) = {ratio:.2f} "
        f"(target ≤ {TARGET})  {'OK' if ratio <= TARGET else 'MISSED'}"
    )
