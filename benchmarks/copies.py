"""Benchmark: what a client's own export of a chat costs to import where the archive holds the owner's.

A client's export (`--custodian`) of a WhatsApp chat is compared with the owner's copies: each record
is looked for among the other phone's messages of the same sender and text within two minutes
(`copy_of`), and one that matches none, among those up to 26 hours away (`shifted_twins`: a phone read
in another zone than its own). Three client exports of N messages each (an iPhone's, to the second),
each imported with --tz into an archive holding the owner's export of the same chat (an Android's, to
the minute; N messages over the same weeks):

- copies: the same messages, the client's phone an hour behind and read so (each is matched);
- new: other texts at other times (none is matched: every record is looked for twice);
- shifted: the same messages read an hour off (none is matched where it was read; each is found an
  hour away, and said).

Beside them, the owner's export imported into an empty archive: the same import with nothing to
compare. Printed: the median of --runs rounds of each (a fresh archive each time, the owner's export
imported first, untimed), its cost per message, and its ratio to the owner's import. There is no
target: the figures show what comparing with another phone costs (it was more than twice the import
before `shifted_twins` read each batch's reach in one query).

    .venv/bin/python benchmarks/copies.py                 # 20,000 messages
    .venv/bin/python benchmarks/copies.py --messages 2000  # while developing
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from support.isolated import isolate  # noqa: E402

OWNER, CLIENT = "Alex Owner", "Sam Client"
OURS_ZONE, THEIRS_ZONE = ZoneInfo("America/New_York"), ZoneInfo("America/Chicago")
WORDS = (
    "the lease deposit meeting call later tomorrow signed copy court date please confirm thanks ok "
    "landlord repair invoice hearing custody schedule pick up school weekend documents email"
).split()


def chat(n: int, seed: int) -> list[tuple[datetime, str, str]]:
    """`n` messages (instant, sender, text) between the owner and the client, a few minutes to hours apart."""
    rng = random.Random(seed)
    at = datetime(2024, 1, 2, 14, 0, tzinfo=UTC)
    out = []
    for _ in range(n):
        at += timedelta(minutes=rng.choice((1, 2, 3, 5, 8, 13, 30, 60, 240)), seconds=rng.randrange(60))
        out.append((at, rng.choice((OWNER, CLIENT)), " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 20)))))
    return out


# Each phone's line, from its clock's local time: the owner's Android (to the minute), the client's iPhone (seconds)
ANDROID = "{0.month}/{0.day}/{0:%y}, {0:%-I:%M %p} - {1}: {2}\n"
IPHONE = "[{0.month}/{0.day}/{0:%y}, {0:%-I:%M:%S %p}] {1}: {2}\n"


def export(path: Path, messages, zone: ZoneInfo, line: str) -> Path:
    """`messages` as a WhatsApp export whose phone's clock is in `zone`, each written as `line` writes it."""
    path.write_text("".join(line.format(at.astimezone(zone), who, text) for at, who, text in messages), "utf-8")
    return path


def one_round(folder: Path, ours: Path, theirs: dict[str, tuple[Path, str]]) -> dict[str, float]:
    """Seconds: the owner's export into an empty archive, and each client's export into an archive holding it."""
    from typer.testing import CliRunner

    from textfile.cli import app

    runner = CliRunner()

    def textfile(db: Path, *args) -> float:
        started = time.perf_counter()
        done = runner.invoke(app, ["--archive", str(db), *map(str, args)], catch_exceptions=False)
        seconds = time.perf_counter() - started
        if done.exit_code:
            raise SystemExit(f"textfile {' '.join(map(str, args))} failed:\n{done.output[-3000:]}")
        return seconds

    def fresh(name: str) -> Path:
        db = folder / f"{name}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        textfile(
            db,
            "init",
            "--owner",
            OWNER,
            "--phone",
            "+12025550100",
            "--tz",
            "America/New_York",
            "--region",
            "US",
            "--bates-prefix",
            "TF",
        )
        textfile(db, "client", "add", CLIENT)
        return db

    times = {"owner's export": textfile(fresh("owner"), "import", ours, "--quiet")}
    for case, (path, zone) in theirs.items():
        db = fresh(case)
        textfile(db, "import", ours, "--quiet")
        times[case] = textfile(
            db, "import", path, "--custodian", CLIENT, "--conversation", CLIENT, "--tz", zone, "--quiet"
        )
        _check(db, case)
    return times


def _check(db: Path, case: str) -> None:
    """Each case measured what it says: every message matched (copies), none (new), none and each found at
    another clock (shifted); a figure of another case is never printed as this one's."""
    import json
    import sqlite3

    with sqlite3.connect(db) as conn:
        added, said = conn.execute("SELECT added, assumptions FROM imports ORDER BY id DESC LIMIT 1").fetchone()
    conn.close()
    shifted = any("match the copies archived" in line for line in json.loads(said))
    if (added == 0, shifted) != {"copies": (True, False), "new": (False, False), "shifted": (False, True)}[case]:
        raise SystemExit(f"the {case} case measured something else: added {added}, shifted said: {shifted}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=20_000, help="messages in each export (default 20,000)")
    parser.add_argument("--runs", type=int, default=3, help="rounds (default 3)")
    args = parser.parse_args()
    n = args.messages
    with tempfile.TemporaryDirectory(prefix="textfile-bench-copies-") as tmp:
        folder = Path(tmp)
        isolate(folder)
        shared, other = chat(n, 7), chat(n, 8)
        ours = export(folder / f"WhatsApp Chat with {CLIENT}.txt", shared, OURS_ZONE, ANDROID)
        theirs = {}
        for case, messages, clock, read_in in (
            ("copies", shared, THEIRS_ZONE, "America/Chicago"),
            ("new", other, THEIRS_ZONE, "America/Chicago"),
            ("shifted", shared, THEIRS_ZONE, "America/Denver"),
        ):
            (folder / case).mkdir()
            theirs[case] = (export(folder / case / f"WhatsApp Chat - {OWNER}.txt", messages, clock, IPHONE), read_in)
        rounds = [one_round(folder, ours, theirs) for _ in range(args.runs)]
    rounds_said = "one round" if args.runs == 1 else f"medians of {args.runs} rounds"
    print(f"A client's export of {n:,} messages against the owner's, {rounds_said}:")
    base = statistics.median(r["owner's export"] for r in rounds)
    print(f"  {'import':<32} {'seconds':>8} {'µs/message':>11} {'÷ owner':>8}")
    for case in ("owner's export", "copies", "new", "shifted"):
        seconds = statistics.median(r[case] for r in rounds)
        label = case if case == "owner's export" else f"client's: {case}"
        print(f"  {label:<32} {seconds:>8.2f} {seconds / n * 1e6:>11.0f} {seconds / base:>8.2f}")


if __name__ == "__main__":
    main()
