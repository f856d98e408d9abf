"""Issue 17: chunks that stay put, numbered per conversation, and the cache of rendered chunks.

A weekly snapshot renders again only the chunks whose messages changed: every conversation is cut at
fixed positions, each message is numbered within its conversation (#2.123), and a rendered chunk is
kept beside the archive under the sha256 of its HTML and of everything it is rendered with. Nothing
cached is trusted blindly, and a cold cache gives the same pages as a warm one."""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import shutil
import sqlite3
import stat
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pikepdf
import pytest
from conftest import ME, transcript_numbers
from typer.testing import CliRunner

from textfile import filing
from textfile.archive import Archive
from textfile.cli import app
from textfile.ingest import Source, ingest
from textfile.model import Attachment, Conversation, Message, Participant
from textfile.transcript import make_transcript
from textfile.transcript.render import cache

CLIENTS = [Participant(f"+1202555{200 + i:04d}", f"Client {i}") for i in range(3)]
CHATS = [Conversation("android", c.handle, None, False, (c, ME)) for c in CLIENTS]
START = datetime(2024, 3, 1, 14, tzinfo=UTC)


def messages(chat: int, first: int, count: int) -> list[Message]:
    """`count` messages of conversation `chat`, from its `first` on, an hour apart."""
    return [
        Message(
            conversation=CHATS[chat],
            identity=(CHATS[chat].source_key, n),
            sent_at=START + timedelta(days=chat * 30, hours=n),
            direction="in" if n % 3 else "out",
            sender=CLIENTS[chat] if n % 3 else ME,
            body=f"Conversation {chat} message {n}: the lease, the deposit and the inspection report.",
            source_zone="UTC",
            service="SMS",
            source_ref=f"sms {chat}-{n}",
            attachments=(Attachment("photo.png", "image/png", PHOTO),) if (chat, n) == (0, 12) else (),
        )
        for n in range(first, first + count)
    ]


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (900, 600), (40, 90, 160)).save(out, "PNG")
    return out.getvalue()


PHOTO = _png()


def add(path: Path, records: list[Message], week: int) -> None:
    with Archive.open(path) as archive:
        ingest(
            archive,
            Source(f"/x/week{week}.xml", f"week{week}.xml", 1, f"{week:064d}", "android", "test", "UTC", "US"),
            records,
        )


@pytest.fixture
def matter(tmp_path, own_config) -> Path:
    """Three conversations of 23, 17 and 4 messages filed to matter M-1."""
    path = tmp_path / "archive.db"
    Archive.create(
        path,
        owner_name="Alex Owner",
        phones=["+12025550100"],
        emails=[],
        tz="America/New_York",
        region="US",
        bates_prefix="TF",
    ).close()
    add(path, messages(0, 0, 23) + messages(1, 0, 17) + messages(2, 0, 4), 1)
    with Archive.open(path) as archive, archive.transaction() as conn:
        filing.add_client(conn, "Client", ["+12025550200"], [], "US")
        filing.open_matter(conn, "M-1", "Client", "Lease")
        for cid in (2, 3):
            filing.file_conversation(conn, cid, "M-1", None, None)
    return path


def render(path: Path, out: Path, **options) -> dict:
    """A transcript rendered in this process (workers=1, so monkeypatches reach the renderer), chunks of 5."""
    with Archive.open(path) as archive:
        made = make_transcript(archive, matter="M-1", out=out, workers=1, chunk_size=5, **options)
    return made.to_json()


def body_text(pdf: Path) -> list[str]:
    """Each page's text with what a transcript stamps of itself (its Bates numbers, id, date) taken out."""
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    masked = re.sub(r"TF-\d{6}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "…", pages)
    masked = re.sub(r"Generated .*\n.*", "Generated …", masked)
    return masked.split("\f")[:-1]


def outline(pdf: Path) -> list[tuple[str, int]]:
    with pikepdf.open(pdf) as doc, doc.open_outline() as tree:
        found = []

        def walk(items, depth):
            for item in items:
                found.append((depth, item.title, pikepdf.Page(item.destination[0]).index if item.destination else None))
                walk(item.children, depth + 1)

        walk(tree.root, 0)
        return found


def entries(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*/*") if p.is_dir() and not p.name.startswith("."))


def test_a_second_transcript_takes_every_chunk_from_the_cache_and_shows_the_same_pages(matter, tmp_path):
    cold = render(matter, tmp_path / "cold.pdf")
    folder = cache.folder_for(matter)
    # the cover (with the first messages its last page holds), conversation 1 as 5+5+5+5+3 from
    # where the cover left off, then 17 as 5+5+5+2, and the 4 of the last one
    assert cold["reused"] == 0 and cold["chunks"] == len(entries(folder)) + 1
    warm = render(matter, tmp_path / "warm.pdf")
    assert warm["reused"] == warm["chunks"] - 1  # every chunk but the cover, which is made every time
    assert (warm["pages"], warm["messages"]) == (cold["pages"], cold["messages"])
    assert body_text(tmp_path / "warm.pdf") == body_text(tmp_path / "cold.pdf")
    assert outline(tmp_path / "warm.pdf") == outline(tmp_path / "cold.pdf")
    first = int(warm["bates_first"].split("-")[1])
    assert warm["bates_last"] == f"TF-{first + warm['pages'] - 1:06d}"
    pages = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "warm.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout.split("\f")[:-1]
    for n, page in enumerate(pages, 1):
        assert f"Page {n} of {len(pages)}" in page and f"TF-{first + n - 1:06d}" in page
    r = CliRunner().invoke(app, ["--archive", str(matter), "verify", str(tmp_path / "warm.pdf")])
    assert r.exit_code == 0, r.output


def test_without_the_cache_the_pages_are_the_same_and_nothing_is_kept(matter, tmp_path):
    warm_folder = cache.folder_for(matter)
    render(matter, tmp_path / "first.pdf")
    render(matter, tmp_path / "warm.pdf")
    shutil.rmtree(warm_folder)
    none = render(matter, tmp_path / "none.pdf", cache=False)
    assert none["reused"] == 0 and not warm_folder.exists()
    assert body_text(tmp_path / "none.pdf") == body_text(tmp_path / "warm.pdf")


def test_the_cache_is_private(matter, tmp_path):
    render(matter, tmp_path / "t.pdf")
    folder = cache.folder_for(matter)
    assert folder == matter.with_name("archive.db-render-cache")
    for path in [folder, *folder.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))


def test_a_damaged_cached_chunk_is_found_and_rendered_again(matter, tmp_path):
    render(matter, tmp_path / "cold.pdf")
    folder = cache.folder_for(matter)
    damaged = entries(folder)[0] / "part-0.pdf"
    data = bytearray(damaged.read_bytes())
    data[len(data) // 2] ^= 0x01
    damaged.write_bytes(bytes(data))
    (entries(folder)[1] / "meta.json").write_text("{not json")
    sealed = json.loads((entries(folder)[2] / "meta.json").read_text())  # well formed, but not as it was sealed:
    sealed["record"]["conversations"] = [[7] for _ in sealed["record"]["conversations"]]  # another header
    (entries(folder)[2] / "meta.json").write_text(json.dumps(sealed))
    again = render(matter, tmp_path / "again.pdf")
    assert again["reused"] == again["chunks"] - 1 - 3  # the three damaged entries rendered again
    assert body_text(tmp_path / "again.pdf") == body_text(tmp_path / "cold.pdf")
    third = render(matter, tmp_path / "third.pdf")  # and kept again, sound
    assert third["reused"] == third["chunks"] - 1


def test_any_change_to_what_renders_a_chunk_is_a_miss(matter, tmp_path, monkeypatch):
    render(matter, tmp_path / "cold.pdf")
    monkeypatch.setattr(cache, "fingerprint", lambda: "another WeasyPrint, Pango, font or template")
    after = render(matter, tmp_path / "after.pdf")
    assert after["reused"] == 0
    # what goes into the fingerprint: each part changes it
    base = cache.fingerprint_of(b"templates", b"versions", b"fonts")
    assert len({base, *(cache.fingerprint_of(*p) for p in _one_changed())}) == 4


def _one_changed():
    return [
        (b"templates changed", b"versions", b"fonts"),
        (b"templates", b"weasyprint 71", b"fonts"),
        (b"templates", b"versions", b"fonts|another DejaVu"),
    ]


def test_the_fingerprint_names_the_renderer_and_every_font(monkeypatch):
    cache.fingerprint.cache_clear()
    try:
        sources, versions, fonts = cache._sources(), cache._versions(), cache._fonts()
    finally:
        cache.fingerprint.cache_clear()
    assert b"templates/transcript.css" in sources and b"templates/transcript.html.j2" in sources
    assert b"render/chunk.py" in sources
    assert re.search(rb"weasyprint \d+", versions) and re.search(rb"pango \d+", versions)
    assert re.search(rb"harfbuzz \d+\.\d+", versions) and re.search(rb"fontconfig \d+", versions)
    assert b"DejaVuSans.ttf" in fonts


def test_the_layout_is_part_of_the_key():
    assert cache.key("f", "<p>x</p>", {"balance": True}) != cache.key("f", "<p>x</p>", {"balance": False})
    assert cache.key("f", "<p>x</p>", {}) != cache.key("f", "<p>y</p>", {})
    assert cache.key("f", "<p>x</p>", {}) != cache.key("g", "<p>x</p>", {})


def test_new_messages_change_only_the_chunks_they_are_in(matter, tmp_path):
    render(matter, tmp_path / "week1.pdf")
    before = transcript_numbers(tmp_path / "week1.pdf")
    add(matter, messages(1, 17, 4), 2)  # conversation 2 (17 messages) gains 4: its last chunk of 2 becomes 5 + 1
    week2 = render(matter, tmp_path / "week2.pdf")
    after = transcript_numbers(tmp_path / "week2.pdf")
    assert [n for n in after if not n.startswith("2.")] == [n for n in before if not n.startswith("2.")]
    assert [n for n in after if n.startswith("2.")] == [f"2.{k}" for k in range(1, 22)]
    assert week2["reused"] == week2["chunks"] - 1 - 2  # the cover, and conversation 2's last chunk now two
    add(matter, messages(0, 23, 1) + messages(2, 4, 1), 3)  # one more in conversations 1 and 3
    week3 = render(matter, tmp_path / "week3.pdf")
    assert week3["reused"] == week3["chunks"] - 1 - 2
    r = CliRunner().invoke(
        app, ["--archive", str(matter), "verify", *(str(tmp_path / f"week{n}.pdf") for n in (1, 2, 3))]
    )
    assert r.exit_code == 0, r.output


def test_the_cache_keeps_within_its_size_dropping_the_chunks_used_least_recently(matter, tmp_path):
    render(matter, tmp_path / "t.pdf", cache_size="10M")
    folder = cache.folder_for(matter)
    found = entries(folder)
    sizes = {e: sum(f.stat().st_size for f in e.iterdir()) for e in found}
    for n, e in enumerate(found):  # the first used longest ago
        os.utime(e / "meta.json", ns=(n * 10**9, n * 10**9))
    keep = sum(sizes.values()) - sizes[found[0]] - sizes[found[1]]
    assert cache.evict(folder, keep) == 2
    assert entries(folder) == found[2:]
    render(matter, tmp_path / "small.pdf", cache_size=0)
    assert entries(folder) == []


def test_a_cache_size_that_is_no_size_is_refused_before_anything_is_rendered(matter, tmp_path):
    r = CliRunner().invoke(
        app, ["--archive", str(matter), "transcript", "M-1", "--out", str(tmp_path / "t.pdf"), "--cache-size", "lots"]
    )
    assert (r.exit_code, r.stderr) == (
        1,
        "Error: --cache-size: 'lots' is not a size (bytes, or a number with K, M or G: 500M, 2G)\n",
    )
    assert not (tmp_path / "t.pdf").exists() and not cache.folder_for(matter).exists()
    assert [cache.size_of(s) for s in ("500M", "2G", "1.5GB", "2GiB", "4096")] == [
        500 << 20,
        2 << 30,
        3 << 29,
        2 << 30,
        4096,
    ]


def test_the_numbers_are_per_conversation_in_the_transcript_manifest_verify_and_deletable(matter, tmp_path):
    render(matter, tmp_path / "t.pdf")
    numbers = transcript_numbers(tmp_path / "t.pdf")
    assert numbers == [f"1.{k}" for k in range(1, 24)] + [f"2.{k}" for k in range(1, 18)] + [
        f"3.{k}" for k in range(1, 5)
    ]
    text = " ".join(
        subprocess.run(["pdftotext", str(tmp_path / "t.pdf"), "-"], capture_output=True, text=True).stdout.split()
    )
    after_cover = text.index("textfile verify checks this file against the archive.")
    positions = [text.index(f"#{n} ", after_cover) for n in numbers]
    assert positions == sorted(positions)
    data = json.loads(__import__("textfile.transcript.manifest", fromlist=["x"]).read(tmp_path / "t.pdf"))
    assert data["scope"]["numbering"] == [[1, 1, 23], [2, 1, 17], [3, 1, 4]]  # (conversation, first number, count)
    runner = CliRunner()
    verdicts = json.loads(runner.invoke(app, ["--archive", str(matter), "deletable", "--json"]).stdout)
    by_id = {v["conversation"]: v for v in verdicts}
    assert [by_id[c]["safe_until_number"] for c in (1, 2, 3)] == ["1.23", "2.17", "3.4"]
    assert by_id[2]["verdict"].endswith("(#2.17)")
    with sqlite3.connect(matter) as conn:
        conn.execute(
            "UPDATE messages SET body = 'changed' WHERE rowid = (SELECT rowid FROM messages WHERE conversation_id = 2 ORDER BY sent_at LIMIT 1 OFFSET 4)"
        )
    conn.close()
    r = runner.invoke(app, ["--archive", str(matter), "verify", str(tmp_path / "t.pdf")])
    assert r.exit_code == 3 and "message #2.5 (" in r.stderr


def test_a_transcript_made_before_numbering_per_conversation_still_verifies(tmp_path, monkeypatch):
    """tests/pre17: an archive and its transcript made by textfile before issue 17 (numbered #1 to #14
    through the transcript, its chunks rendered as one run): it matches, and a message changed since is
    named by the number that transcript printed."""
    here = Path(__file__).parent / "pre17"
    for name in ("key", "transcript.pdf"):
        shutil.copy(here / name, tmp_path / name)
    shutil.copytree(here / "heads", tmp_path / "heads")
    (tmp_path / "archive.db").write_bytes(gzip.decompress((here / "archive.db.gz").read_bytes()))
    monkeypatch.setenv("TEXTFILE_KEY", str(tmp_path / "key"))
    runner = CliRunner()
    r = runner.invoke(app, ["--archive", str(tmp_path / "archive.db"), "verify", str(tmp_path / "transcript.pdf")])
    assert r.exit_code == 0, r.output
    assert "matches the archive" in r.stdout
    with sqlite3.connect(tmp_path / "archive.db") as conn:
        conn.execute("UPDATE messages SET body = 'x' WHERE rowid = 3")
    conn.close()
    r = runner.invoke(app, ["--archive", str(tmp_path / "archive.db"), "verify", str(tmp_path / "transcript.pdf")])
    assert r.exit_code == 3 and re.search(r"message #3 \(2024-03-01T17:02:00\.000Z, [0-9a-f]{16}…\) changed", r.stderr)


def test_a_message_has_the_same_number_in_a_window_as_in_the_whole_conversation(matter, tmp_path):
    """Numbers count the whole conversation in time order, whatever the window: a window that starts
    at conversation 1's 12th message shows it as #1.12, and a gap in the numbers is a message not shown."""
    whole = transcript_numbers_of(render(matter, tmp_path / "whole.pdf"))
    local = ZoneInfo("America/New_York")  # (the archive's zone: a window's bounds are read in it)
    twelfth = (START + timedelta(hours=11)).astimezone(local).strftime("%Y-%m-%dT%H:%M")
    until = (START + timedelta(days=30, hours=2)).astimezone(local).strftime("%Y-%m-%dT%H:%M")
    window = transcript_numbers_of(render(matter, tmp_path / "window.pdf", from_=twelfth, until=until))
    assert window == [f"1.{k}" for k in range(12, 24)] + ["2.1", "2.2", "2.3"]
    assert set(window) <= set(whole)
    text = " ".join(
        subprocess.run(["pdftotext", str(tmp_path / "window.pdf"), "-"], capture_output=True, text=True).stdout.split()
    )
    assert "#1.12 2024-03-" in text and "#1.1 2024-03-" not in text


def transcript_numbers_of(made: dict) -> list[str]:
    return transcript_numbers(made["path"])


def test_a_cache_folder_that_cannot_be_read_is_rendered_around(matter, tmp_path):
    render(matter, tmp_path / "first.pdf")
    folder = cache.folder_for(matter)
    shard = entries(folder)[0].parent
    shard.chmod(0)
    try:
        if os.access(shard, os.R_OK):
            pytest.skip("this user reads whatever the mode (root with its capabilities)")
        again = render(matter, tmp_path / "again.pdf")
    finally:
        shard.chmod(0o700)
    assert again["reused"] < again["chunks"] - 1
    assert body_text(tmp_path / "again.pdf") == body_text(tmp_path / "first.pdf")


def test_a_chunk_taken_from_the_cache_prepares_no_image(matter, tmp_path, monkeypatch):
    """The key is the chunk's HTML before its images are prepared (each named by its sha256; how it is
    prepared is the rendering code's, in the fingerprint): a warm transcript decodes only the cover's."""
    from textfile.transcript.render import chunk

    prepared = []
    images = chunk._images
    monkeypatch.setattr(
        chunk, "_images", lambda conn, messages: prepared.append(len(messages)) or images(conn, messages)
    )
    cold = render(matter, tmp_path / "cold.pdf")
    assert len(prepared) == cold["chunks"]
    prepared.clear()
    warm = render(matter, tmp_path / "warm.pdf")
    assert warm["reused"] == warm["chunks"] - 1 and len(prepared) == 1  # the cover's document only
    assert body_text(tmp_path / "warm.pdf") == body_text(tmp_path / "cold.pdf")


def test_where_conversations_are_cut_stays_put_as_they_grow():
    """Cut where the numbers cross a multiple of 1,000; a last piece of fewer than 100 stays with the one
    before; an open last piece of half a chunk or more is cut in halves; small conversations share."""
    from textfile.transcript.content import Plan, Planned
    from textfile.transcript.content import chunk as cut

    def spans(*counts):
        rows = []
        for conversation, count in enumerate(counts, 1):
            rows += [Planned(len(rows), "m", conversation, "h", None, n) for n in range(1, count + 1)]
        return [b - a for a, b in cut._spans(Plan(rows, conversations=list(range(1, len(counts) + 1))), 1000)]

    assert spans(6667) == [1000] * 6 + [500, 167]
    assert spans(6701) == [1000] * 6 + [500, 201]  # a week later: only the last half differs
    assert spans(1001) == [1001] and spans(1099) == [1099] and spans(1100) == [1000, 100]
    assert spans(300, 200, 400, 1800) == [900, 1000, 500, 300]  # the small ones together; then 1,000 + halves
    assert spans(999) == [500, 499] and spans(499) == [499]


def test_a_damaged_numbering_names_positions_never_a_wrong_number():
    from textfile.transcript.content import number_at

    assert str(number_at([[2, 5, 3], [7, 1, 2]], 4)) == "7.1" and str(number_at([[2, 5, 3]], 2)) == "2.6"
    assert [number_at(damaged, 2) for damaged in ("abc", [["x", 1, 2]], [[2, 1]], [None], 5, {"a": 1})] == [2] * 6
