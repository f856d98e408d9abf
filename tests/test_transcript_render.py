"""A cheaper first render (issue 17): each message's header line one bold run; the running header
drawn after joining from one small document of labels; the chunks after the first written plain
and uncompressed, the joined file declared PDF/A-3b and compressed once; the cover's rules in a
stylesheet of their own. Nothing printed changes: the same text on the same pages.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import ME, OWNER, msg, source

from textfile import filing
from textfile.archive import Archive
from textfile.ingest import ingest
from textfile.model import Conversation, Participant

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")

HALA = Participant("+12025550161", "هالة منصور")
HALA_CHAT = Conversation("android", "+12025550161", None, False, (HALA, ME))
NAMELESS = Conversation("android", "+12025550162", None, False, (Participant("+12025550162"), ME))


def records() -> list:
    return [
        msg(1, "Hello"),
        msg(2, "Hi", out=True, flags=frozenset({"edited"}), source_id="b", reply_to="a"),
        msg(3, "Deleted one", flags=frozenset({"deleted"}), source_id="a"),
        msg(4, "مرحبا", conversation=HALA_CHAT),
        msg(5, "no name", conversation=NAMELESS),
    ]


def archive_with(path: Path, records, title: str = "Lease dispute") -> Path:
    with Archive.create(path, **OWNER) as archive:
        ingest(archive, source(), records)
        with archive.transaction() as conn:
            filing.add_client(conn, "Sam Client", ["+12025550143"], [], "US")
            filing.open_matter(conn, "2026-014", "Sam Client", title)
            for (cid,) in conn.execute(
                "SELECT id FROM conversations WHERE id NOT IN (SELECT conversation_id FROM filings)"
            ).fetchall():
                filing.file_conversation(conn, cid, "2026-014", None, None)
    return path


def chunk_html(path: Path) -> str:
    """The matter's messages as one chunk's HTML (no cover)."""
    from textfile.transcript import content, render

    with Archive.open(path) as archive:
        scope = content.resolve_scope(archive.conn, "2026-014", None, None, None)
        plan = content.plan(archive.conn, scope)
        [job] = content.jobs(plan, len(plan.rows))
        data = content.load_chunk(archive.conn, job, ZoneInfo("America/New_York"), True, "Alex Owner")
    return render.chunk_html(
        render.shown(data), data.conversations, {"header": "h", "title": "t", "page_size": "letter"}
    )


def test_each_message_header_line_is_one_bold_run(tmp_path):
    """Number, time, sender, handle, direction and service in one <b> that opens the line; the marks
    and the reply after it, as before; the words are those main printed, in the same order."""
    html = chunk_html(archive_with(tmp_path / "archive.db", records()))
    paragraphs = re.findall(r'<p class="m[^"]*" data-i="\d+">(.*?)(?:\n|</p>)', html, re.S)
    assert len(paragraphs) == 5
    for line in paragraphs:
        assert line.startswith("<b>#"), line
        bold, rest = line[3:].split("</b>", 1)
        assert "<b>" not in bold and "<b>" not in rest, line
        marks_and_reply = r'(?: <span class="k">\[[^]]+\]</span>)*(?: <span class="r">[^<]*</span>)?'
        assert re.fullmatch(marks_and_reply + r'(?:<span class="own" dir="rtl">.*)?', rest), line  # (a body of its own)
        assert re.search(r" · (incoming|outgoing) · SMS$", bold), line
    text = [re.sub(r"<[^>]+>", "", line) for line in paragraphs]
    assert text[0].endswith("Sam Client +12025550143 · incoming · SMS")
    assert text[1].endswith("Alex Owner +12025550100 · outgoing · SMS [EDITED] in reply to #3")
    assert "[DELETED]" in text[2]
    assert (
        '<b>#4 2024-03-01 07:04:00 -05:00 <span dir="rtl">هالة منصور</span> +12025550161 · incoming · SMS</b>' in html
    )
    assert text[4].endswith(" +12025550162 · incoming · SMS")
