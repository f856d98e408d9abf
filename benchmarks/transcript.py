"""Transcript benchmark (issue 17's figures), in one run:

1. the first render of 20,000 messages, before issue 17 (`--before`: a checkout, or a commit taken
   out of this repository with `git archive`) against now, alternating, medians of `--runs`: wall
   and CPU seconds, pages, now/before CPU (target <= 0.85x);
2. the weekly re-render: the same matter after 100 new messages, all in one conversation and spread
   over its three (34/33/33), each cold (`--no-cache`) and warm (the cache a render of the matter
   before the new messages filled, restored before each run, as the archive is): wall, CPU,
   chunks reused; warm wall as a share of the first render (target <= 20%);
3. an emoji-heavy 1,000-message chat (two colour emoji in every message) against a plain one
   (target <= 1.15x CPU);
4. the same HTML as one document: WeasyPrint alone, and Chromium's print of it where Debian's
   `chromium` is installed (the peer, not a dependency);
5. 1k, 20k and 100k messages: still linear (s per 1k messages) with memory flat (peak RSS of the
   largest process), 100k against 20k.

Every render of ours but the warm ones passes `--no-cache` (the cache is on by default: a second run
would be a warm one), and each run renders a fresh copy of the archive it measures (a transcript
recorded by one run would move the next run's Bates numbers). Each measurement is a fresh process
under /usr/bin/time; its CPU time includes the rendering workers' (this process is their
subreaper); the peak RSS is that of the largest process (the main one or a rendering worker). Our
CPU time, halved, is the least wall time two cores could give the same renders.

The archive is generated: one matter of three conversations, bodies of 20–300 characters (some
emoji, some multi-line, a few in other scripts), about 40 messages a day, a photo every 500
messages; the new messages of the weekly re-render continue its conversations, later, alike.

    .venv/bin/python benchmarks/transcript.py [--first 20000] [--before 4ef6378] [--weekly 20000] [--new 100]
        [--emoji 1000] [--oneshot 1000,20000] [--chromium chromium] [--sizes 1000,20000,100000] [--runs 1] [--keep DIR]

A size of 0 (or '' for a list) leaves its part out. The audit key and the config folder are files of the
run (in --keep's folder, with the archives they seal), never the user's.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from support.isolated import isolate  # noqa: E402

from textfile import filing  # noqa: E402
from textfile.archive import Archive  # noqa: E402
from textfile.ingest import Source, ingest  # noqa: E402
from textfile.model import Attachment, Conversation, Message, Participant  # noqa: E402

BEFORE_17 = "4ef6378"  # main before issue 17 (the chunk cache, per-conversation numbering)
WORDS = (
    "the lease deposit landlord signed copy tomorrow meeting court filing agreement clause rent payment "
    "inspection report photo kitchen sink leak repair schedule evidence email draft review call back thanks"
).split()
EXTRA = ["😀", "👍", "🎉", "❤️", "Привет", "مرحبا", "合同", "สวัสดี", "नमस्ते"]
OWNER = dict(
    owner_name="Alex Owner",
    phones=["+12025550100"],
    emails=[],
    tz="America/New_York",
    region="US",
    bates_prefix="BENCH",
)
START = datetime(2020, 1, 1, 14, tzinfo=UTC)


def photo() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (1600, 1200), (90, 120, 160)).save(out, "JPEG", quality=80)
    return out.getvalue()


def body(rng: random.Random) -> str:
    n = rng.randint(20, 300)
    words = []
    while sum(len(w) + 1 for w in words) < n:
        words.append(rng.choice(WORDS))
    text = " ".join(words)[:n]
    if rng.random() < 0.1:
        text += " " + rng.choice(EXTRA)
    if rng.random() < 0.1:
        cut = len(text) // 2
        text = text[:cut] + "\n" + text[cut:]
    return text


@cache
def people() -> tuple[Participant, list[Participant], list[Conversation]]:
    me = Participant("+12025550100", "Alex Owner", is_owner=True)
    clients = [Participant(f"+1202555{200 + i:04d}", f"Client {i}") for i in range(3)]
    return me, clients, [Conversation("android", c.handle, None, False, (c, me)) for c in clients]


def message(rng: random.Random, i: int, c: int, image: bytes, emoji: bool = False) -> Message:
    """The generator's i-th message, in conversation c (0–2)."""
    me, clients, conversations = people()
    conv, other = conversations[c], clients[c]
    out = rng.random() < 0.45
    text = body(rng) + (" \U0001f600\U0001f44d" if emoji else "")  # (--emoji: two in every message)
    attachments = (Attachment(f"IMG_{i}.jpg", "image/jpeg", image),) if i % 500 == 250 else ()
    return Message(
        conversation=conv,
        identity=(conv.source_key, i),
        sent_at=START + timedelta(minutes=36 * i + rng.randint(0, 30)),
        direction="out" if out else "in",
        sender=me if out else other,
        body=text,
        source_zone="UTC",
        service="MMS" if attachments else "SMS",
        attachments=attachments,
        source_ref=f"element {i}",
    )


def records(n: int, seed: int = 1, emoji: bool = False):
    rng = random.Random(seed)
    image = photo()
    for i in range(n):
        yield message(rng, i, i * 3 // n, image, emoji)  # three conversations, one after the other


def later_records(n: int, counts: list[int], seed: int = 2):
    """The week's new messages: counts[c] in conversation c, each after everything the n before."""
    rng = random.Random(seed)
    image = photo()
    i = n
    for c, count in enumerate(counts):
        for _ in range(count):
            yield message(rng, i, c, image)
            i += 1


def source(name: str, week: int = 1) -> Source:
    """The generated export's record; week 1's sha256 is zeros (as the records digest has it), a later
    week's its own."""
    return Source(
        f"/bench/{name}",
        name,
        1,
        "0" * 64 if week == 1 else hashlib.sha256(name.encode()).hexdigest(),
        "android",
        "bench",
        "America/New_York",
        "US",
    )


def make_archive(folder: Path, n: int, emoji: bool = False) -> Path:
    path = folder / f"archive-{n}{'-emoji' if emoji else ''}.db"
    remove_archive(path)
    archive = Archive.create(path, **OWNER)
    ingest(archive, source(f"sms-{n}.xml"), records(n, emoji=emoji))
    with archive.transaction() as conn:
        filing.add_client(conn, "Client", ["+12025550200"], [], "US")  # Client 0's number
        filing.open_matter(conn, "BENCH-1", "Client", "Benchmark")
        for cid in (2, 3):
            filing.file_conversation(conn, cid, "BENCH-1", None, None)
    archive.close()
    return path


def add_messages(path: Path, n: int, counts: list[int]) -> None:
    """A week's new messages imported into the archive (a second export of the phone)."""
    with Archive.open(path) as archive:
        ingest(archive, source(f"sms-{n}-week-2-{'-'.join(map(str, counts))}.xml", week=2), later_records(n, counts))


def cache_of(archive: Path) -> Path:
    return archive.with_name(archive.name + "-render-cache")  # (render.cache.folder_for)


def remove_archive(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    shutil.rmtree(cache_of(path), ignore_errors=True)


def fresh(original: Path, path: Path, cache: Path | None = None) -> Path:
    """A copy of the archive (and, given, a copy of a cache beside it), as it was made."""
    remove_archive(path)
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{original}{suffix}").exists():
            shutil.copyfile(f"{original}{suffix}", f"{path}{suffix}")
    if cache is not None:
        shutil.copytree(cache, cache_of(path))
    return path


def one_document_html(archive_path: Path) -> str:
    """The same messages, markup and stylesheet as the transcript's chunks, as one document."""
    from zoneinfo import ZoneInfo

    from textfile.transcript import content, render

    with Archive.open(archive_path) as archive:
        scope = content.resolve_scope(archive.conn, "BENCH-1", None, None, None)
        plan = content.plan(archive.conn, scope)
        job = content.Job(  # (every message in one document)
            0,
            0,
            [r.rowid for r in plan.rows],
            plan.reply_seq,
            sorted(plan.reply_outside),
            numbers=[r.number for r in plan.rows],
        )
        data = content.load_chunk(archive.conn, job, ZoneInfo("America/New_York"), True, "Alex Owner")
    html = render.chunk_html(
        render.shown(data),
        data.conversations,
        {"header": "Client — BENCH-1 Benchmark", "title": "Benchmark", "page_size": "letter"},
    )
    return html.replace(
        'src="textfile-blob:', 'data-src="'
    )  # images are the chunks' business; keep the text work equal


def _become_subreaper() -> bool:
    """Orphaned descendants (the pool's forkserver, and through it the workers) are reparented to
    this process instead of init, so their CPU time is counted when they are reaped (Linux only)."""
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


SUBREAPER = _become_subreaper()


def timed(
    cmd: list[str], stdout: Path | None = None, env: dict | None = None, cwd: Path | None = None
) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds of it and every descendant, peak RSS MB of the main process).
    Without SUBREAPER, the CPU time of the pool's forkserver and workers is missing."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.NamedTemporaryFile("r", prefix="textfile-bench-time-") as measured:
        with open(stdout or os.devnull, "w") as sink:
            r = subprocess.run(
                ["/usr/bin/time", "-o", measured.name, "-f", "%e %U %S %M", *cmd],
                stdout=sink,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
                cwd=cwd,
            )
        while SUBREAPER:  # the forkserver ends soon after the main process; reap it (and so count its workers)
            try:
                os.wait()
            except ChildProcessError:
                break
        if r.returncode != 0:
            raise SystemExit(f"failed: {' '.join(cmd)}\n{r.stderr[-2000:]}")
        wall, user, system, rss = measured.read().strip().splitlines()[-1].split()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (
        (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        if SUBREAPER
        else float(user) + float(system)
    )
    return float(wall), cpu, int(rss) / 1024


class Side(NamedTuple):
    """A checkout of textfile, run as `python -m textfile` with it first on the path."""

    name: str
    root: Path
    cache: bool  # knows `--no-cache` (issue 17 on)

    def env(self) -> dict:
        return {**os.environ, "PYTHONPATH": str(self.root)}


NOW = Side("now", ROOT, True)


class Made(NamedTuple):
    """One `textfile transcript` (or the median of several): wall s, CPU s, peak RSS MB of the largest
    process; pages, documents made, chunks taken from the cache."""

    wall: float
    cpu: float
    rss: float
    pages: int
    chunks: int
    reused: int | None
    messages: int
    main_rss: float = float("nan")  # of the main process alone
    worker_rss: float = float("nan")  # of the largest rendering process


def transcribe(side: Side, archive: Path, cache: bool = False) -> Made:
    """`textfile transcript` of the matter, once: cold (`--no-cache`) unless `cache`."""
    out = archive.with_suffix(".pdf")
    out.unlink(missing_ok=True)
    report = archive.with_suffix(".json")
    args = ["--archive", str(archive), "transcript", "BENCH-1", "--out", str(out), "--json"]
    if side.cache and not cache:
        args.append("--no-cache")
    wall, cpu, rss = timed([sys.executable, "-m", "textfile", *args], stdout=report, env=side.env(), cwd=side.root)
    made = json.loads(report.read_text())
    workers = made["render"]
    print(
        f"          ({side.name}{'' if cache or not side.cache else ', --no-cache'}: phases {made['phases_s']},"
        f" {workers['processes']} rendering processes, largest {workers['peak_rss_mb']} MB,"
        f" {made['chunks']} documents{'' if made.get('reused') is None else ', ' + str(made['reused']) + ' reused'})",
        file=sys.stderr,
        flush=True,
    )
    return Made(
        wall,
        cpu if SUBREAPER else cpu + workers["cpu_s"],  # else: the forkserver's children are not counted
        max(rss, workers["peak_rss_mb"]),
        made["pages"],
        made["chunks"],
        made.get("reused"),
        made["messages"],
        rss,
        workers["peak_rss_mb"],
    )


def median(runs: list[Made]) -> Made:
    return Made(
        statistics.median(r.wall for r in runs),
        statistics.median(r.cpu for r in runs),
        statistics.median(r.rss for r in runs),
        runs[-1].pages,
        runs[-1].chunks,
        runs[-1].reused,
        runs[-1].messages,
        statistics.median(r.main_rss for r in runs),
        statistics.median(r.worker_rss for r in runs),
    )


def load() -> str:
    return f"(load {os.getloadavg()[0]:.1f})"


HEAD = f"{'messages':>9} {'what':<48} {'wall s':>8} {'s/1k msgs':>10} {'CPU s':>8} {'peak RSS MB':>12} {'pages':>6}"


def row(n: int, what: str, m: Made) -> None:
    print(
        f"{n:>9,} {what:<48} {m.wall:>8.1f} {m.wall / n * 1000:>10.2f} {m.cpu:>8.1f} {'—' if m.rss != m.rss else f'{m.rss:.0f}':>12} {m.pages:>6}  {load()}",
        flush=True,
    )


def section(title: str) -> None:
    print(f"\n== {title}  {load()}\n{HEAD}", flush=True)


class Archives:
    """Each generated archive made once, and kept as made (every run renders a fresh copy)."""

    def __init__(self, folder: Path):
        self.folder, self.made = folder, {}

    def __call__(self, n: int, emoji: bool = False) -> Path:
        if (n, emoji) not in self.made:
            self.made[n, emoji] = make_archive(self.folder, n, emoji)
        return self.made[n, emoji]

    def runs(self, n: int, runs: int, side: Side = NOW, emoji: bool = False) -> Made:
        """The first render (cold), `runs` times on fresh copies: the median."""
        original = self(n, emoji)
        return median([transcribe(side, fresh(original, self.folder / "run.db")) for _ in range(runs)])


def before_side(folder: Path, before: str) -> Side | None:
    """The checkout `before` names, or the commit taken out of this repository into `folder`."""
    if not before:
        return None
    if Path(before).is_dir():
        return Side(f"before issue 17 ({before})", Path(before).resolve(), False)
    target = folder / "before"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir()
    tar = subprocess.run(["git", "-C", str(ROOT), "archive", before], capture_output=True)
    if tar.returncode != 0 or subprocess.run(["tar", "-x", "-C", str(target)], input=tar.stdout).returncode != 0:
        print(f"first render before issue 17: not measured ({before} is neither a folder nor a commit of {ROOT})")
        return None
    return Side(f"before issue 17 ({before})", target, False)


def first_render(archives: Archives, n: int, before: Side | None, runs: int) -> Made:
    """1. Before issue 17 against now, alternating on fresh copies of one archive."""
    section(f"1. First render of {n:,} messages, before issue 17 against now (median of {runs}, alternating)")
    original = archives(n)
    made: dict[str, list[Made]] = {"before": [], "now": []}
    for _ in range(runs):
        if before:
            made["before"].append(transcribe(before, fresh(original, archives.folder / "before.db")))
        made["now"].append(transcribe(NOW, fresh(original, archives.folder / "now.db")))
    now = median(made["now"])
    if before:
        was = median(made["before"])
        row(n, before.name, was)
        row(n, "now (--no-cache)", now)
        print(
            f"          first render, now / before: {now.cpu / was.cpu:.2f}x CPU (target <= 0.85x),"
            f" {now.wall / was.wall:.2f}x wall; pages {was.pages:,} before, {now.pages:,} now",
            flush=True,
        )
    else:
        row(n, "now (--no-cache)", now)
        print("          first render before issue 17: not measured (--before '')", flush=True)
    return now


def spread(new: int, parts: int = 3) -> list[int]:
    return [new // parts + (1 if i < new % parts else 0) for i in range(parts)]


def weekly(archives: Archives, n: int, new: int, runs: int, first: Made | None) -> None:
    """2. The matter again a week later, with `new` messages more: cold, and warm from the cache the
    week before filled."""
    section(f"2. Weekly re-render: the {n:,}-message matter after {new} new messages (median of {runs})")
    folder = archives.folder
    week1 = fresh(archives(n), folder / "week-1.db")
    filled = transcribe(NOW, week1, cache=True)
    row(n, "week 1: first render, filling the cache", filled)
    cache = folder / "week-1-cache"
    shutil.rmtree(cache, ignore_errors=True)
    shutil.move(cache_of(week1), cache)
    size = sum(f.stat().st_size for f in cache.rglob("*") if f.is_file())
    print(
        f"          the cache it filled: {size / 2**20:.1f} MB; week 1's archive, with this transcript recorded, gets the new messages"
    )
    if first is None:
        first = filled
        said = "the week-1 render above"
    else:
        said = "the first render above"
    for name, counts in (
        ("in one conversation", [new, 0, 0]),
        (f"over three ({'/'.join(map(str, spread(new)))})", spread(new)),
    ):
        week2 = fresh(week1, folder / "week-2.db")
        add_messages(week2, n, counts)
        cold, warm = [], []
        for _ in range(runs):
            cold.append(transcribe(NOW, fresh(week2, folder / "run.db")))
            warm.append(transcribe(NOW, fresh(week2, folder / "run.db", cache), cache=True))
        cold, warm = median(cold), median(warm)
        if cold.messages != n + new or warm.messages != n + new:
            raise SystemExit(f"the week-2 transcript shows {warm.messages:,} messages, not {n + new:,}")
        row(n + new, f"{new} new {name}: cold (--no-cache)", cold)
        row(n + new, f"{new} new {name}: warm", warm)
        print(
            f"          {new} new {name}: warm reused {warm.reused} of {warm.chunks} documents (the cover is drawn every"
            f" time; cold: {cold.reused}), warm wall {warm.wall / first.wall:.0%} of {said} ({first.wall:.1f} s;"
            f" target <= 20%), {warm.wall / cold.wall:.0%} of cold; CPU {warm.cpu / cold.cpu:.0%} of cold",
            flush=True,
        )


def emoji_heavy(archives: Archives, n: int, runs: int, ours: dict[int, Made]) -> None:
    """3. The same chat with two colour emoji in every message, against it plain (issue 17: at most 1.15x)."""
    section(f"3. Emoji-heavy chat of {n:,} messages against a plain one (--no-cache, median of {runs})")
    if n not in ours:
        ours[n] = archives.runs(n, runs)
    plain = ours[n]
    emoji = archives.runs(n, runs, emoji=True)
    row(n, "plain", plain)
    row(n, "emoji-heavy (two a message)", emoji)
    print(
        f"          emoji-heavy / plain: {emoji.cpu / plain.cpu:.2f}x CPU (target <= 1.15x), {emoji.wall / plain.wall:.2f}x wall",
        flush=True,
    )


def one_document(archives: Archives, sizes: list[int], chromium: str | None, runs: int, ours: dict[int, Made]) -> None:
    """4. The transcript's HTML as one document, printed by WeasyPrint and by Chromium."""
    section(f"4. The same HTML as one document: WeasyPrint, and Chromium's print (median of {runs})")
    folder = archives.folder
    css = ROOT / "textfile" / "transcript" / "templates" / "transcript.css"
    found = shutil.which(chromium) if chromium else None
    version = ""
    if found:
        version = subprocess.run([found, "--version"], capture_output=True, text=True).stdout.strip()
    for n in sizes:
        html = folder / f"one-{n}.html"
        html.write_text(one_document_html(fresh(archives(n), folder / "run.db")))
        if n in ours:
            row(n, "textfile transcript (chunks, pool, --no-cache)", ours[n])
        code = (
            "import sys; from weasyprint import HTML, CSS; "
            "HTML(filename=sys.argv[1]).write_pdf(sys.argv[2], stylesheets=[CSS(filename=sys.argv[3])], pdf_variant='pdf/a-3b')"
        )
        out = folder / f"one-{n}.pdf"
        weasy = median(
            [
                Made(
                    *timed([sys.executable, "-c", code, str(html), str(out), str(css)], cwd=ROOT),
                    pdf_pages(out),
                    1,
                    None,
                    n,
                )
                for _ in range(runs)
            ]
        )
        row(n, "WeasyPrint, one document", weasy)
        print(f"          WeasyPrint, one document: {weasy.cpu / n * 1000:.1f} CPU-ms a message (start-up included)")
        if not found:
            print(f"          Chromium: not measured ({chromium or 'no --chromium'} is not installed here)", flush=True)
            continue
        styled = folder / f"one-{n}-styled.html"  # (WeasyPrint is given the stylesheet; Chromium reads it in the page)
        styled.write_text(html.read_text().replace("</head>", f"<style>{css.read_text()}</style></head>", 1))
        out = folder / f"one-{n}-chromium.pdf"
        printed = []
        for _ in range(runs):
            out.unlink(missing_ok=True)
            profile = Path(tempfile.mkdtemp(prefix="chromium-", dir=folder))
            wall, cpu, _main_rss = timed(
                [
                    found,
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    f"--user-data-dir={profile}",
                    f"--print-to-pdf={out}",
                    "--no-pdf-header-footer",
                    styled.as_uri(),
                ]
            )
            shutil.rmtree(profile, ignore_errors=True)
            if not out.exists():
                raise SystemExit(f"Chromium wrote no PDF of {styled}")
            printed.append(Made(wall, cpu, float("nan"), pdf_pages(out), 1, None, n))
        chrome = median(printed)
        row(n, "Chromium --headless --print-to-pdf", chrome)
        print(
            f"          Chromium ({version}), one document: {chrome.cpu / n * 1000:.1f} CPU-ms a message; WeasyPrint / Chromium"
            f" {weasy.cpu / chrome.cpu:.2f}x CPU"
            + (f", textfile transcript / Chromium {ours[n].cpu / chrome.cpu:.2f}x CPU" if n in ours else "")
            + " (peak RSS: not measured, Chromium's processes are many)",
            flush=True,
        )


def pdf_pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    return int(info.split("Pages:")[1].split()[0]) if "Pages:" in info else 0


def linear(archives: Archives, sizes: list[int], runs: int, ours: dict[int, Made]) -> None:
    """5. Each size rendered (--no-cache): time per message and memory against 20,000."""
    section(f"5. Sizes: still linear, memory flat (--no-cache, median of {runs})")
    for n in sizes:
        if n not in ours:
            ours[n] = archives.runs(n, runs)
        row(n, "textfile transcript (chunks, pool)", ours[n])
        m = ours[n]
        print(
            f"          {m.cpu / n * 1000:.1f} CPU-ms a message, nearly all WeasyPrint's: two cores, perfectly shared, cannot"
            f" render these {n:,} in less than {m.cpu / 2:.0f} s",
            flush=True,
        )
    base = 20_000 if 20_000 in sizes else min(sizes)
    for n in sizes:
        if n > base:
            a, b = ours[base], ours[n]
            print(
                f"          {n:,} against {base:,}: {(b.wall / n) / (a.wall / base):.2f}x wall s per 1k messages,"
                f" {(b.cpu / n) / (a.cpu / base):.2f}x CPU s per 1k (target: linear, ~1x); peak RSS of the largest"
                f" process {b.rss / a.rss:.2f}x (target: flat, ~1x): the main process {a.main_rss:.0f} -> {b.main_rss:.0f} MB,"
                f" the largest rendering process {a.worker_rss:.0f} -> {b.worker_rss:.0f} MB",
                flush=True,
            )


def sizes_of(text: str) -> list[int]:
    return [int(s) for s in text.split(",") if s.strip() and int(s)]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--first", type=int, default=20_000, help="1. messages of the first render, before and now (0: none)"
    )
    parser.add_argument(
        "--before",
        default=BEFORE_17,
        help="1. textfile before issue 17: a checkout's folder, or a commit of this repository ('' for none)",
    )
    parser.add_argument(
        "--weekly", type=int, default=20_000, help="2. messages of the matter re-rendered a week later (0: none)"
    )
    parser.add_argument("--new", type=int, default=100, help="2. the week's new messages")
    parser.add_argument(
        "--emoji",
        type=int,
        default=1000,
        help="3. size of a chat with two emoji in every message, beside a plain one (0: none)",
    )
    parser.add_argument(
        "--oneshot", default="1000,20000", help="4. sizes for which to time one WeasyPrint document too ('' for none)"
    )
    parser.add_argument("--chromium", default="chromium", help="4. Chromium's command ('' for none)")
    parser.add_argument("--sizes", default="1000,20000,100000", help="5. sizes of our render ('' for none)")
    parser.add_argument("--runs", type=int, default=1, help="runs per measurement (the median is printed)")
    parser.add_argument("--keep", type=Path, help="keep the generated archives, caches and PDFs in this folder")
    args = parser.parse_args(argv)
    folder = (args.keep or Path(tempfile.mkdtemp(prefix="textfile-bench-"))).absolute()
    folder.mkdir(parents=True, exist_ok=True)
    isolate(folder)  # (the key beside the archives, for both sides and the rendering workers)
    archives = Archives(folder)
    ours: dict[int, Made] = {}  # now, --no-cache: each size measured once, shown where asked
    print(
        f"textfile transcript benchmark: {os.cpu_count()} cores, load averages {' '.join(f'{x:.2f}' for x in os.getloadavg())},"
        f" {args.runs} run(s) a measurement, in {folder}",
        flush=True,
    )
    try:
        if args.first:
            ours[args.first] = first_render(archives, args.first, before_side(folder, args.before), args.runs)
        if args.weekly:
            weekly(archives, args.weekly, args.new, args.runs, ours.get(args.weekly))
        if args.emoji:
            emoji_heavy(archives, args.emoji, args.runs, ours)
        if sizes_of(args.oneshot):
            one_document(archives, sizes_of(args.oneshot), args.chromium, args.runs, ours)
        if sizes_of(args.sizes):
            linear(archives, sizes_of(args.sizes), args.runs, ours)
        print(f"\nload averages at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
