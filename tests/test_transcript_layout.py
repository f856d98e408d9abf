"""Pages a paralegal would not retouch (issue 13, point 11): a cover that does not spill a few lines
onto a page of their own, conversations sharing pages, no page left mostly blank where one rendered
chunk ends and the next begins, tiny images shown big enough to see, a run of omitted attachments on
one line, and an incoming message whose export names no sender saying so in plain words.
"""

from __future__ import annotations

import io
import re
import shutil
import sqlite3
import subprocess
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PIL import Image

from conftest import ME, OWNER, SAM, SAM_CHAT, msg, source
from textfile import filing
from textfile.archive import Archive
from textfile.ingest import ingest
from textfile.model import Attachment, Conversation, Participant

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")

DANA = Participant("+12025550191", "Dana Reyes")
GROUP = Conversation("android", "+12025550143,+12025550191", None, True, (SAM, DANA, ME))
LEE = Conversation("android", "+12025550178", None, False, (Participant("+12025550178"), ME))


def archive_with(path: Path, records) -> Path:
    with Archive.create(path, **OWNER) as archive:
        ingest(archive, source(), records)
        with archive.transaction() as conn:
            filing.add_client(conn, "Sam Client", ["+12025550143"], [], "US")
            filing.open_matter(conn, "2026-014", "Sam Client", "Lease dispute")
            for (cid,) in conn.execute("SELECT id FROM conversations WHERE id NOT IN (SELECT conversation_id FROM filings)").fetchall():
                filing.file_conversation(conn, cid, "2026-014", None, None)
    return path


def transcript(path: Path, out: Path, **options) -> list[str]:
    from textfile.transcript import make_transcript

    with Archive.open(path) as archive:
        make_transcript(archive, matter="2026-014", out=out, **options)
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1]


def cover_pages(pages: list[str]) -> int:
    return next(n for n, page in enumerate(pages) if re.search(r"^Conversation \d+", page, re.M))


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def test_a_cover_that_would_spill_a_few_lines_stays_on_one_page(tmp_path, monkeypatch):
    """The client's handles lengthen the cover a quarter line at a time: with the cover as it was
    set (no tightening), find the fewest that push it onto a second page, a line or so; that cover
    is then set tighter and fits on one."""
    from textfile import transcript as module

    path = archive_with(tmp_path / "archive.db", [msg(n) for n in range(3)])

    made: dict[tuple, list[str]] = {}

    def pages_with(handles: int, spill: float) -> list[str]:
        if (handles, spill) in made:
            return made[(handles, spill)]
        with sqlite3.connect(path) as conn:
            conn.execute("DELETE FROM client_handles WHERE kind = 'email'")
            conn.executemany("INSERT INTO client_handles (handle, client_id, kind) VALUES (?, 1, 'email')",
                             [(f"sam.client.{n:03d}@example.com",) for n in range(handles)])
        conn.close()
        monkeypatch.setattr(module, "COVER_SPILL", spill, raising=False)
        made[(handles, spill)] = transcript(path, tmp_path / f"t-{handles}-{spill}.pdf")
        return made[(handles, spill)]

    low, high = 0, 240  # 240 handles take the cover well past one page
    assert cover_pages(pages_with(low, 0)) == 1 and cover_pages(pages_with(high, 0)) > 1
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if cover_pages(pages_with(middle, 0)) == 1 else (low, middle)
    spilled = pages_with(high, 0)
    assert cover_pages(spilled) == 2 and len([line for line in spilled[1].splitlines() if line.strip()]) <= 5  # header, a line or so, footer
    pages = pages_with(high, 0.25)
    assert cover_pages(pages) == 1
    assert "textfile verify checks this file against the archive." in re.sub(r"\s+", " ", pages[0])


def test_conversations_share_a_page_each_under_its_heading(tmp_path):
    records = [msg(1, "Hello from Sam"), msg(2, "Hi Sam", out=True), msg(3, "Group hello", conversation=GROUP),
               msg(4, "Who is this?", conversation=LEE)]
    pages = transcript(archive_with(tmp_path / "archive.db", records), tmp_path / "t.pdf")
    assert cover_pages(pages) == 1 and len(pages) == 2
    assert [m.group(1) for m in re.finditer(r"^Conversation (\d+)", pages[1], re.M)] == ["1", "2", "3"]
    css = (Path(__import__("textfile.transcript.render", fromlist=["x"]).TEMPLATES) / "transcript.css").read_text()
    assert "section.conv + section.conv { border-top: 0.75pt solid #777; margin-top: 10pt; padding-top: 6pt; }" in css


def test_no_page_is_left_mostly_blank_where_a_rendered_chunk_ends(tmp_path):
    """Messages of one size: a page holds P of them. Chunks of 5⅓ pages each once ended on a page
    holding a third of that; now every page but the last holds at least three quarters of a page."""
    body = "the lease deposit landlord signed copy tomorrow meeting court filing agreement clause rent payment " * 2
    start = datetime(2024, 3, 1, 14, tzinfo=timezone.utc)
    path = archive_with(tmp_path / "archive.db", [replace(msg(n, f"{body}{n}"), sent_at=start + timedelta(hours=3 * n)) for n in range(400)])
    counted = [len(re.findall(r"^#\d+ ", page, re.M)) for page in transcript(path, tmp_path / "whole.pdf", workers=1)[1:]]
    full = max(counted)
    assert counted[1] == full  # a page of the middle holds P
    size = 5 * full + full // 3
    pages = transcript(path, tmp_path / "chunked.pdf", workers=1, chunk_size=size)
    body_pages = pages[cover_pages(pages):]
    counts = [len(re.findall(r"^#\d+ ", page, re.M)) for page in body_pages]
    assert sum(counts) == 400 and len([p for p in body_pages if "(continued)" in p]) == -(-400 // size) - 1  # the chunks were there
    assert all(n >= 0.75 * full - 2 for n in counts[:-1]), (full, counts)  # (a page that opens with headings holds a message or two less)
    seqs = [int(n) for page in body_pages for n in re.findall(r"^#(\d+) ", page, re.M)]
    assert seqs == list(range(1, 401))
    import pikepdf

    with pikepdf.open(tmp_path / "chunked.pdf") as pdf, pdf.open_outline() as outline:
        # every day under its conversation, those after a chunk's end too
        assert [item.title for item in outline.root] == ["Cover", "Conversation 1"]
        days = [item.title for item in outline.root[1].children]
        assert len(days) == 51 and days[0] == "Friday, 1 March 2024" and days[-1] == "Saturday, 20 April 2024"


def test_a_tiny_image_is_shown_at_least_an_inch_with_its_pixels_kept_sharp(tmp_path):
    from textfile.transcript import render

    records = [msg(1, "The dot", attachments=(Attachment("dot.png", "image/png", png(2, 2)),)),
               msg(2, "A strip", attachments=(Attachment("strip.png", "image/png", png(40, 10)),)),
               msg(3, "The photo", attachments=(Attachment("photo.png", "image/png", png(1200, 800)),))]
    out = tmp_path / "t.pdf"
    transcript(archive_with(tmp_path / "archive.db", records), out)
    listing = subprocess.run(["pdfimages", "-list", str(out)], capture_output=True, text=True, check=True).stdout
    shown = {(int(f[3]), int(f[4])): (int(f[12]), int(f[13]), f[9]) for f in (line.split() for line in listing.splitlines()[2:]) if f[2] == "image"}
    assert shown[(2, 2)] == (2, 2, "no")  # 2 pixels over an inch, not interpolated
    assert shown[(40, 10)] == (40, 40, "no")  # 1 in wide, proportions kept
    assert shown[(900, 600)][:2] == (300, 300)  # a photo as before: 3 in wide
    assert render.display_width((2, 2)) == 96 and render.display_width((40, 10)) == 96 and render.display_width((10, 40)) == 24
    assert render.display_width((96, 30)) is None


def test_a_run_of_omitted_unnamed_attachments_is_one_line(tmp_path):
    omitted = (Attachment(None, None, None, "omitted by export"),)
    at = datetime(2024, 3, 1, 12, 30, tzinfo=timezone.utc)
    records = [msg(1, "Photos coming")] + [replace(msg(n, ""), sent_at=at, attachments=omitted, identity=("media", n)) for n in (2, 3, 4)]
    records.append(replace(msg(5, ""), sent_at=at + timedelta(minutes=1), attachments=omitted, identity=("media", 5)))
    pages = transcript(archive_with(tmp_path / "archive.db", records), tmp_path / "t.pdf")
    text = "\n".join(pages[cover_pages(pages):])
    assert ("#2–#4 2024-03-01 07:30:00 -05:00 Sam Client +12025550143 · incoming · SMS\n"
            "3 attachments, one in each message, unnamed in the export — not in the archive: omitted by export\n") in text
    assert text.count("omitted by export") == 2 and text.count("Attachment 1: (no name)") == 1
    assert ("#5 2024-03-01 07:31:00 -05:00 Sam Client +12025550143 · incoming · SMS\n"
            "Attachment 1: (no name), unknown type — not in the archive: omitted by export\n") in text


def test_an_incoming_group_message_with_no_sender_says_so_in_plain_words(tmp_path):
    records = [replace(msg(1, "Who sent this?", conversation=GROUP), sender=None), msg(2, "Me too", conversation=GROUP, out=True)]
    pages = transcript(archive_with(tmp_path / "archive.db", records), tmp_path / "t.pdf")
    text = "\n".join(pages[cover_pages(pages):])
    assert "#1 2024-03-01 07:01:00 -05:00 sender not named in the export · incoming · SMS\nWho sent this?\n" in text
    assert "(no sender)" not in text and text.count("sender not named") == 1
