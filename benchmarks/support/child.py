"""A benchmark's measurement in a process of its own (its own time, its own peak RSS): the command
run, its last line of JSON read, the whole process's wall seconds added (`process_seconds`). A child
that fails stops the benchmark with the end of what it wrote to stderr: a figure is never made up."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_child(cmd: list[str], what: str, fresh: Path | None = None) -> dict:
    """`cmd`'s JSON with `process_seconds`; `fresh`: an archive removed first (with its WAL), for the
    child to create."""
    if fresh is not None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{fresh}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"{what} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1]) | {"process_seconds": wall}
