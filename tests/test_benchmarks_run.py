"""The benchmarks still run against the code as it is (`make bench` is not part of `make test`, so a
command-line change can break one unseen: the weekly benchmark failed from `archive --out` needing
`--mkdir` until this test). Each runs at its smallest size; nothing about speed is asserted."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_weekly_benchmark_runs_at_its_smallest_size():
    run = subprocess.run(
        [sys.executable, "benchmarks/weekly.py", "--files", "2", "--mb", "1", "--runs", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "weekly run over 2 exports" in run.stdout
    assert "second run, median of 1:" in run.stdout


def test_the_transcript_benchmark_times_an_emoji_heavy_chat_beside_a_plain_one():
    run = subprocess.run(
        [sys.executable, "benchmarks/transcript.py", "--sizes", "", "--oneshot", "", "--emoji", "60"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "emoji-heavy (two a message)" in run.stdout
    assert "emoji-heavy / plain: " in run.stdout and "x CPU (target <= 1.15x)" in run.stdout
