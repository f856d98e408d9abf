"""The weekly run's second pass: `textfile archive` over an inbox of 50 already-imported exports
totalling about 1 GB must finish in under 2 s (known files are recognized by path, size and
modification time, never read).

Generates 50 WhatsApp "Export chat" zips (a chat text and one ~20 MB photo each, stored the way
phones store media: incompressible), runs `textfile archive` once to import them, then times
further runs as whole processes (interpreter start-up included) and prints the median. The audit key
and the config folder are files of the run, never the user's.

    python benchmarks/weekly.py [--files 50] [--mb 20] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from support.isolated import isolate  # noqa: E402

CHAT = """[{d}/03/2024, 09:00:00] Alex Owner: Here is the photo of the damage, export {n}
[{d}/03/2024, 09:01:00] Client {n}: \u200e<attached: 00000001-PHOTO-2024-03-{d:02d}-09-01-00.jpg>
[{d}/03/2024, 09:02:00] Client {n}: Thanks, got it
"""


def make_inbox(folder: Path, files: int, mb: int) -> int:
    total = 0
    photo = os.urandom(mb << 20)
    for n in range(files):
        day = n % 28 + 1
        path = folder / f"WhatsApp Chat - Client {n}.zip"
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("_chat.txt", CHAT.format(d=day, n=n), compress_type=zipfile.ZIP_DEFLATED)
            # each export's photo differs (a different first block), as real photos do
            zf.writestr(
                f"00000001-PHOTO-2024-03-{day:02d}-09-01-00.jpg",
                n.to_bytes(4, "big") + photo[4:],
                compress_type=zipfile.ZIP_STORED,
            )
        old = time.time() - 3600
        os.utime(path, (old, old))
        total += path.stat().st_size
    return total


def textfile(archive: Path, *args) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "textfile", "--archive", str(archive), *map(str, args)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=50)
    parser.add_argument("--mb", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        isolate(tmp)
        inbox = tmp / "inbox"
        inbox.mkdir()
        size = make_inbox(inbox, args.files, args.mb)
        archive = tmp / "archive.db"
        textfile(
            archive,
            "init",
            "--owner",
            "Alex Owner",
            "--tz",
            "Europe/Berlin",
            "--region",
            "DE",
            "--bates-prefix",
            "B",
            "--quiet",
        )
        first = textfile(archive, "archive", inbox, "--out", tmp / "out", "--mkdir", "--quiet")
        again = [textfile(archive, "archive", inbox, "--out", tmp / "out", "--quiet") for _ in range(args.runs)]
        idle = [textfile(archive, "--version") for _ in range(args.runs)]
    print(f"weekly run over {args.files} exports, {size / 1e9:.2f} GB")
    print(f"  first run (imports everything): {first:6.2f} s")
    print(f"  second run, median of {args.runs}:   {statistics.median(again):6.2f} s  (target < 2 s)")
    print(f"  of which interpreter + CLI start-up (textfile --version): {statistics.median(idle):.2f} s")
    if statistics.median(again) >= 2:
        print("  TARGET MISSED")


if __name__ == "__main__":
    main()
