"""Long-text benchmark: wall time of `textfile transcript` for a message that is one unbroken word
(letters and digits, no place to break: a base64 blob without its "+" and "/") of 1,000 to
1,000,000 characters, and for the same length of prose (words of 2-12 letters). What it checks:
that the time grows in proportion to the length (render.visible: a run gets places to break, long
text is cut in pieces), where WeasyPrint alone takes time that grows with its square (30,000
characters in one word: 13 s, 60,000: 50 s) and draws a word of 1,000,000 as one line off the page.

Each length is one archive of one message and a fresh `textfile transcript` process. Printed: the
length, the wall seconds, the pages, and the seconds per 100,000 characters beyond the time of a
transcript of one short message (the cover, the start-up): flat when the time is linear. Every character is checked
to be in the PDF's text (pdftotext), in order. The audit key and the config folder are files of the run,
never the user's.

    .venv/bin/python benchmarks/long_words.py [--lengths 1000,10000,100000,1000000] [--kinds word,prose]
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import string
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from support.isolated import isolate  # noqa: E402

from textfile import filing  # noqa: E402
from textfile.archive import Archive  # noqa: E402
from textfile.ingest import Source, ingest  # noqa: E402
from textfile.model import Conversation, Message, Participant  # noqa: E402

OWNER = dict(
    owner_name="Alex Owner",
    phones=["+12025550100"],
    emails=[],
    tz="America/New_York",
    region="US",
    bates_prefix="BENCH",
)


def text_of(kind: str, length: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    if kind == "word":
        return "".join(rng.choices(string.ascii_letters + string.digits, k=length))
    words, size = [], 0
    while size < length:
        word = "".join(rng.choices(string.ascii_lowercase, k=rng.randint(2, 12)))
        words.append(word)
        size += len(word) + 1
    return " ".join(words)[:length]


def make_archive(folder: Path, body: str) -> Path:
    path = folder / "archive.db"
    for old in folder.glob("archive.db*"):
        old.unlink()
    me, client = Participant("+12025550100", "Alex Owner", is_owner=True), Participant("+12025550200", "Client")
    conv = Conversation("android", client.handle, None, False, (client, me))
    records = [
        Message(
            conversation=conv,
            identity=(conv.source_key, 0),
            sent_at=datetime(2024, 3, 1, 12, tzinfo=UTC),
            direction="in",
            sender=client,
            body=body,
            source_zone="UTC",
            service="SMS",
            source_ref="element 0",
        )
    ]
    with Archive.create(path, **OWNER) as archive:
        ingest(
            archive,
            Source("/bench/sms.xml", "sms.xml", 1, "0" * 64, "android", "bench", "America/New_York", "US"),
            records,
        )
        with archive.transaction() as conn:
            filing.add_client(conn, "Client", [client.handle], [], "US")
            filing.open_matter(conn, "BENCH-1", "Client", "Benchmark")
    return path


def render(folder: Path, body: str) -> tuple[float, str]:
    """Wall seconds of one `textfile transcript` process, and the PDF's text."""
    archive = make_archive(folder, body)
    out = folder / "transcript.pdf"
    out.unlink(missing_ok=True)
    textfile = str(Path(sys.executable).with_name("textfile"))
    start = time.perf_counter()
    r = subprocess.run(
        [textfile, "--archive", str(archive), "transcript", "BENCH-1", "--out", str(out), "--quiet"],
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    if r.returncode != 0:
        raise SystemExit(f"transcript failed: {r.stderr[-2000:]}")
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    # each page without its running header (its first line) and its stamps (page number, Bates number)
    pages = [page.split("\n", 1)[-1] for page in text.split("\f")]
    return wall, "\f".join(re.sub(r"(?m)^(Page \d+ of \d+|BENCH-\d+)$", "", page) for page in pages)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", default="1000,10000,100000,1000000")
    parser.add_argument("--kinds", default="word,prose")
    args = parser.parse_args(argv)
    lengths = [int(n) for n in args.lengths.split(",") if n]
    folder = Path(tempfile.mkdtemp(prefix="textfile-bench-"))
    isolate(folder)
    try:
        base, _ = render(folder, "ok")
        print(f"a transcript of one short message (the cover, start-up): {base:.1f} s")
        print(
            f"{'kind':<6} {'characters':>11} {'wall s':>8} {'pages':>6} {'s per 100k chars':>17}  every character in the PDF's text"
        )
        for kind in args.kinds.split(","):
            for n in lengths:
                body = text_of(kind, n)
                wall, text = render(folder, body)
                pages = text.count("\f")
                found = _in_order(body, text)
                print(
                    f"{kind:<6} {n:>11,} {wall:>8.1f} {pages:>6} {(wall - base) / n * 100_000:>17.2f}  {'yes' if found else 'NO'}",
                    flush=True,
                )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _in_order(body: str, text: str) -> bool:
    """Whether the body's characters are in the text, in order, as one stretch once white space is set aside."""
    return re.sub(r"\s+", "", body) in re.sub(r"\s+", "", text)


if __name__ == "__main__":
    main()
