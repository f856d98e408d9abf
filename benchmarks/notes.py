"""Notes benchmark (issue 19): how long `note list --missing` and the `status` line take to find the
substantive exchanges that have no note, on the review benchmark's firm archive (benchmarks/support/
firm.py: clients with matters, 410 conversations, lexicon terms, after-hours texts), reviewed first
(flags raised with working hours set) and with a note on every tenth exchange.

Timed, median of `--runs`: `notes.count` (what `status` runs) and `notes.missing` (the list, each
exchange numbered and given its command). Target: under 1 s for 100,000 messages (a `status` and a
`note list` people wait for). `--keep DIR` keeps the archive built, as benchmarks/review.py does.

    .venv/bin/python benchmarks/notes.py [--messages 100000] [--runs 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import review  # noqa: E402
from support import firm  # noqa: E402
from support.isolated import isolate  # noqa: E402

TARGET_S = 1.0


def prepared(original: Path, folder: Path):
    """A copy of the archive, reviewed (working hours set), with a note on every tenth exchange found."""
    from textfile import notes, times
    from textfile.archive import Archive
    from textfile.review import scan, settings

    copy = folder / "notes.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(original, copy)
    archive = Archive.open(copy)
    tz = times.zone(archive.settings.tz)
    with archive.transaction() as conn:
        settings.set_review_settings(conn, hours_spec=firm.HOURS, audited=False)
        scan.scan(conn, tz)
    found = notes.missing(archive.conn, tz)
    with archive.transaction() as conn:
        for e in found[::10]:
            window = e.command.split()[6:]  # --conversation N --from … --until …
            notes.add(
                conn,
                e.matter,
                "A note",
                notes.About((), int(window[0]), *(times.parse_user_instant(w, tz) for w in (window[2], window[4]))),
            )
    return archive, len(found)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path)
    args = parser.parse_args(argv)
    from textfile import notes, times

    with tempfile.TemporaryDirectory(prefix="textfile-notes-bench-") as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        isolate(folder)  # (the key beside the archives: a kept archive is changed again in a later run)
        archive, before = prepared(review.archive_for(folder, args.messages), Path(scratch))
        tz = times.zone(archive.settings.tz)
        counted, listed = [], []
        for _ in range(args.runs):
            start = time.perf_counter()
            left = notes.count(archive.conn)
            counted.append(time.perf_counter() - start)
            start = time.perf_counter()
            found = notes.missing(archive.conn, tz)
            listed.append(time.perf_counter() - start)
        archive.close()
    worst = max(statistics.median(counted), statistics.median(listed))
    print(f"notes over {args.messages:,} messages: {before:,} substantive exchanges, {left:,} with no note after")
    print(f"  status (notes.count):          {statistics.median(counted):.3f} s (median of {args.runs})")
    print(f"  note list --missing (missing): {statistics.median(listed):.3f} s, {len(found):,} exchanges")
    print(f"  target: under {TARGET_S:.0f} s" + ("" if worst < TARGET_S else "  TARGET MISSED"))


if __name__ == "__main__":
    main()
