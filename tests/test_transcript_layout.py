"""Pages a paralegal would not retouch (issue 13, point 11): the messages beginning on the cover's
last page (no cover spilling a few lines onto a page of their own), conversations sharing pages,
no page left mostly blank where one rendered chunk ends and the next begins, tiny images shown big enough to see, a run of omitted attachments on
one line, and an incoming message whose export names no sender saying so in plain words.
"""

from __future__ import annotations

import html
import io
import re
import shutil
import sqlite3
import subprocess
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import ME, OWNER, SAM, SAM_CHAT, msg, source
from PIL import Image

from textfile import filing
from textfile.archive import Archive
from textfile.ingest import ingest
from textfile.model import Attachment, Conversation, Participant, Reaction
from textfile.transcript.content import chunk as content_chunk

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
            for (cid,) in conn.execute(
                "SELECT id FROM conversations WHERE id NOT IN (SELECT conversation_id FROM filings)"
            ).fetchall():
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


def test_the_messages_begin_on_the_covers_last_page_however_long_the_cover_is(tmp_path):
    """The client's handles lengthen the cover a quarter line at a time: find the fewest that take its
    end onto a second page. Main left those few lines alone on a page (or set the cover tighter) and
    began the conversations on the page after; now they begin under the cover's end, there and with
    twenty handles more, and the page count and Bates range drawn into the cover are the document's."""
    path = archive_with(tmp_path / "archive.db", [msg(n) for n in range(3)])

    made: dict[int, list[str]] = {}

    def pages_with(handles: int) -> list[str]:
        if handles not in made:
            with sqlite3.connect(path) as conn:
                conn.execute("DELETE FROM client_handles WHERE kind = 'email'")
                conn.executemany(
                    "INSERT INTO client_handles (handle, client_id, kind) VALUES (?, 1, 'email')",
                    [(f"sam.client.{n:03d}@example.com",) for n in range(handles)],
                )
            conn.close()
            made[handles] = transcript(path, tmp_path / f"t-{handles}.pdf")
        return made[handles]

    def cover_end(pages: list[str]) -> int:
        return next(
            n
            for n, page in enumerate(pages)
            if "textfile verify checks this file against the archive." in re.sub(r"\s+", " ", page)
        )

    low, high = 0, 240  # 240 handles take the cover well past one page
    assert cover_end(pages_with(low)) == 0 and cover_end(pages_with(high)) > 0
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if cover_end(pages_with(middle)) == 0 else (low, middle)
    for handles in (high, high + 20):
        pages = pages_with(handles)
        assert cover_end(pages) == 1 and cover_pages(pages) == 1 and len(pages) == 2, handles
        assert re.findall(r"^#(\d+\.\d+) ", pages[1], re.M) == ["1.1", "1.2", "1.3"]
        footers = [re.findall(r"TF-\d{6}", page)[-1] for page in pages]  # (each transcript takes the next numbers)
        assert re.search(r"^Pages +2$", pages[0], re.M) and re.search(
            rf"^Bates numbers +{footers[0]} to {footers[1]}$", pages[0], re.M
        )


def test_conversations_share_a_page_each_under_its_heading(tmp_path):
    records = [
        msg(1, "Hello from Sam"),
        msg(2, "Hi Sam", out=True),
        msg(3, "Group hello", conversation=GROUP),
        msg(4, "Who is this?", conversation=LEE),
    ]
    pages = transcript(archive_with(tmp_path / "archive.db", records), tmp_path / "t.pdf")
    assert cover_pages(pages) == 1 and len(pages) == 2  # small conversations share a chunk
    assert [m.group(1) for m in re.finditer(r"^Conversation (\d+)", pages[1], re.M)] == ["1", "2", "3"]
    css = (Path(__import__("textfile.transcript.render", fromlist=["x"]).TEMPLATES) / "transcript.css").read_text()
    assert "section.conv + section.conv { border-top: 0.75pt solid #777; margin-top: 10pt; padding-top: 6pt; }" in css


def test_no_page_is_left_mostly_blank_where_a_rendered_chunk_ends(tmp_path, monkeypatch):
    """Messages of one size: a page holds P of them. Chunks of 5⅓ pages each once ended on a page
    holding a third of that; now every page but the last holds at least three quarters of a page."""
    body = "the lease deposit landlord signed copy tomorrow meeting court filing agreement clause rent payment " * 2
    start = datetime(2024, 3, 1, 14, tzinfo=UTC)
    path = archive_with(
        tmp_path / "archive.db",
        [replace(msg(n, f"{body}{n}"), sent_at=start + timedelta(hours=3 * n)) for n in range(400)],
    )
    counted = [
        len(re.findall(r"^#\d+\.\d+ ", page, re.M)) for page in transcript(path, tmp_path / "whole.pdf", workers=1)[1:]
    ]
    full = max(counted)
    assert counted[len(counted) // 2] == full  # a page of the middle holds P
    size = 5 * full + full // 3
    monkeypatch.setattr(content_chunk, "LEAD_IN", size)  # (the cover's document takes the first chunk whole)
    pages = transcript(path, tmp_path / "chunked.pdf", workers=1, chunk_size=size)
    body_pages = pages[cover_pages(pages) :]
    counts = [len(re.findall(r"^#\d+\.\d+ ", page, re.M)) for page in body_pages]
    assert sum(counts) == 400 and len([p for p in body_pages if "(continued)" in p]) == -(-400 // size) - 1
    # (the chunks were there)
    assert all(n >= 0.75 * full - 2 for n in counts[:-1]), (
        full,
        counts,
    )  # (a page that opens with headings holds a message or two less)
    seqs = [int(n) for page in body_pages for n in re.findall(r"^#1\.(\d+) ", page, re.M)]
    assert seqs == list(range(1, 401))
    import pikepdf

    with pikepdf.open(tmp_path / "chunked.pdf") as pdf, pdf.open_outline() as outline:
        # every day under its conversation, those after a chunk's end too
        assert [item.title for item in outline.root] == ["Cover", "Conversation 1"]
        days = [item.title for item in outline.root[1].children]
        assert len(days) == 51 and days[0] == "Friday, 1 March 2024" and days[-1] == "Saturday, 20 April 2024"


def test_a_tiny_image_is_shown_at_least_an_inch_with_its_pixels_kept_sharp(tmp_path):
    from textfile.transcript import render

    records = [
        msg(1, "The dot", attachments=(Attachment("dot.png", "image/png", png(2, 2)),)),
        msg(2, "A strip", attachments=(Attachment("strip.png", "image/png", png(40, 10)),)),
        msg(3, "The photo", attachments=(Attachment("photo.png", "image/png", png(1200, 800)),)),
    ]
    out = tmp_path / "t.pdf"
    transcript(archive_with(tmp_path / "archive.db", records), out)
    listing = subprocess.run(["pdfimages", "-list", str(out)], capture_output=True, text=True, check=True).stdout
    shown = {
        (int(f[3]), int(f[4])): (int(f[12]), int(f[13]), f[9])
        for f in (line.split() for line in listing.splitlines()[2:])
        if f[2] == "image"
    }
    assert shown[(2, 2)] == (2, 2, "no")  # 2 pixels over an inch, not interpolated
    assert shown[(40, 10)] == (40, 40, "no")  # 1 in wide, proportions kept
    assert shown[(900, 600)][:2] == (300, 300)  # a photo as before: 3 in wide
    assert (
        render.display_width((2, 2)) == 96
        and render.display_width((40, 10)) == 96
        and render.display_width((10, 40)) == 24
    )
    assert render.display_width((96, 30)) is None


def test_a_run_of_omitted_unnamed_attachments_is_one_line(tmp_path):
    omitted = (Attachment(None, None, None, "omitted by export"),)
    at = datetime(2024, 3, 1, 12, 30, tzinfo=UTC)
    records = [msg(1, "Photos coming")] + [
        replace(msg(n, ""), sent_at=at, attachments=omitted, identity=("media", n)) for n in (2, 3, 4)
    ]
    # (more than five minutes after the run: a message of its own)
    records.append(replace(msg(5, ""), sent_at=at + timedelta(minutes=6), attachments=omitted, identity=("media", 5)))
    pages = transcript(archive_with(tmp_path / "archive.db", records), tmp_path / "t.pdf")
    text = "\n".join(pages[cover_pages(pages) :])
    assert (
        "#1.2–#1.4 2024-03-01 07:30:00 -05:00 Sam Client +12025550143 · incoming · SMS\n"
        "3 attachments, one in each message, unnamed in the export — not in the archive: omitted by export\n"
    ) in text
    assert text.count("omitted by export") == 2 and text.count("Attachment 1: (no name)") == 1
    assert (
        "#1.5 2024-03-01 07:36:00 -05:00 Sam Client +12025550143 · incoming · SMS\n"
        "Attachment 1: (no name), unknown type — not in the archive: omitted by export\n"
    ) in text


def test_an_incoming_group_message_with_no_sender_says_so_in_plain_words(tmp_path):
    records = [
        replace(msg(1, "Who sent this?", conversation=GROUP), sender=None),
        msg(2, "Me too", conversation=GROUP, out=True),
    ]
    pages = transcript(archive_with(tmp_path / "archive.db", records), tmp_path / "t.pdf")
    text = "\n".join(pages[cover_pages(pages) :])
    assert "#1.1 2024-03-01 07:01:00 -05:00 sender not named in the export · incoming · SMS\nWho sent this?\n" in text
    assert "(no sender)" not in text and text.count("sender not named") == 1


def test_receipts_and_reactions_print_at_the_precision_of_their_message(tmp_path):
    at = datetime(2024, 3, 1, 12, 5, tzinfo=UTC)
    records = [
        replace(
            msg(1, "A clock to the minute"),
            sent_at=at,
            time_precision="minute",
            source_id="m1",
            delivered_at=at + timedelta(minutes=1),
            read_at=at + timedelta(minutes=2),
        ),
        Reaction(SAM_CHAT, "m1", ME, "liked", at + timedelta(minutes=3)),
    ]
    pages = transcript(archive_with(tmp_path / "archive.db", records), tmp_path / "t.pdf")
    assert (
        "#1.1 2024-03-01 07:05 -05:00 Sam Client +12025550143 · incoming · SMS\nA clock to the minute\n"
        "reaction: liked 👍 by Alex Owner (+12025550100) at 2024-03-01 07:08 -05:00\n"
        "delivered 2024-03-01 07:06 -05:00, read 2024-03-01 07:07 -05:00\n"
    ) in "\n".join(pages)


def test_an_imessage_message_that_is_only_its_attachments_shows_their_lines_alone(tmp_path):
    """iMessage writes U+FFFC where each attachment stands: a text of nothing but one for each
    attachment is not printed as a line of its own (main printed an empty-looking line above the
    attachment); any other U+FFFC is printed where it stands, and the method section says so."""
    chat = Conversation("imessage", "iMessage;-;+12025550143", None, False, (SAM, ME))
    photo = (Attachment("IMG_0001.png", "image/png", png(40, 30)),)
    two = (Attachment("IMG_0002.png", "image/png", png(41, 30)), Attachment("IMG_0003.png", "image/png", png(42, 30)))
    records = [
        replace(msg(1, "\ufffc", conversation=chat, attachments=photo), service="iMessage"),
        replace(msg(2, "\ufffc\ufffc", conversation=chat, attachments=two), service="iMessage"),
        replace(msg(3, "Look \ufffc", conversation=chat, attachments=photo), service="iMessage"),
        replace(msg(4, "\ufffc\ufffc", conversation=chat, attachments=photo), service="iMessage"),
    ]
    pages = transcript(archive_with(tmp_path / "archive.db", records), tmp_path / "t.pdf", media=False)
    text = "\n".join(pages)
    lines = {int(n): following for n, following in re.findall(r"^#1\.(\d+) [^\n]*· iMessage\n([^\n]*)", text, re.M)}
    assert lines[1].startswith("Attachment 1: IMG_0001.png, image/png,") and lines[2].startswith(
        "Attachment 1: IMG_0002.png, image/png,"
    )
    # (not one for each attachment: printed as it stands, outlined; pdftotext writes the outline's room as a space)
    assert lines[3] == "Look \ufffc" and lines[4].replace(" ", "") == "\ufffc\ufffc"
    assert (
        "a message whose text is nothing but one such character for each of its attachments is shown by its attachment lines"
        " alone (the characters stay in the archive and in its content hash); any other U+FFFC is printed where it stands,"
        " outlined, since fonts draw nothing for it."
    ) in re.sub(r"\s+", " ", text)


def words(pdf: Path) -> list[list[tuple[float, float, float, str]]]:
    """Per page, every word pdftotext finds: (top, left, right, text)."""
    xml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [
        [
            (float(y), float(x0), float(x1), html.unescape(w))
            for x0, y, x1, w in re.findall(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', page
            )
        ]
        for page in xml.split("<page ")[1:]
    ]


def line_after(found: list, first: str, below: int = 0) -> list[tuple[float, float, float, str]]:
    """The words of the line that holds the word `first` (or of the `below`-th line under it), left to right."""
    top = next(y for y, _x0, _x1, w in found if w == first)
    tops = sorted({y for y, *_ in found if y >= top - 0.5})
    return sorted((w for w in found if abs(w[0] - tops[below]) < 0.5), key=lambda w: w[1])


def test_right_to_left_texts_take_their_own_direction_and_names_keep_their_separators(tmp_path):
    """Each body's direction is its first strong character's: a Hebrew or Arabic body is a right-to-left
    paragraph (its final period at its left end, its first word at the right margin); names in a list
    are each a run of their own ("דוד כהן; محمد علي" keeps the Hebrew name first). No character is added."""
    from typer.testing import CliRunner

    from textfile.cli import app

    chat = tmp_path / "WhatsApp Chat with Family.txt"
    chat.write_text(
        "13/11/2025, 08:00 - דוד כהן: שלום לכולם, זו הקבוצה לענייני הירושה.\n"
        "13/11/2025, 08:01 - محمد علي: مرحبا بالجميع.\n"
        "13/11/2025, 08:02 - Alex Owner: Hello both.\n",
        encoding="utf-8",
    )
    path = tmp_path / "archive.db"
    for args in (
        ["init", "--owner", "Alex Owner", "--tz", "America/New_York", "--region", "US", "--bates-prefix", "FAM"],
        ["import", chat],
        ["client", "add", "Family"],
        ["matter", "open", "2026-014", "--client", "Family", "--title", "Estate"],
        ["file", "1", "--matter", "2026-014"],
        ["transcript", "2026-014", "--out", tmp_path / "t.pdf"],
    ):
        r = CliRunner().invoke(app, ["--archive", str(path), *map(str, args)], catch_exceptions=False)
        assert r.exit_code == 0, r.output
    page = next(
        found for found in words(tmp_path / "t.pdf") if any(w[3] == "Hello" for w in found)
    )  # (the cover says "#1" too)
    right_margin = 8.5 * 72 - 0.75 * 72

    def letters(text: str) -> list[str]:
        return sorted(text.replace(" ", ""))

    meta = line_after(page, "Participants:")
    hebrew = [w for w in meta if any("\u0590" <= c <= "\u05ff" for c in w[3])]
    arabic = [w for w in meta if any("\u0600" <= c <= "\u06ff" for c in w[3])]
    assert hebrew and arabic and max(w[2] for w in hebrew) < min(w[1] for w in arabic)
    assert letters("".join(w[3] for w in meta)) == letters(
        "whatsapp, group. Participants: דוד כהן; محمد علي; Alex Owner (owner)"
    )
    for seq, body in (("#1.1", "שלום לכולם, זו הקבוצה לענייני הירושה."), ("#1.2", "مرحبا بالجميع.")):
        line = line_after(page, seq, below=1)
        assert letters("".join(w[3] for w in line)) == letters(body)  # every character, none added
        assert (
            "." in line[0][3] and right_margin - 2 < line[-1][2] <= right_margin + 1
        )  # the period leftmost; flush right
    english = line_after(page, "#1.3", below=1)
    assert [w[3] for w in english] == ["Hello", "both."] and english[0][1] < 60  # (a left-to-right body as before)


# an iPhone export without media: a dozen photos two seconds apart, then one more after a reply
FATIMA_CHAT = (
    "\r\n".join(
        ["\u200e[10/28/25, 9:02:13\u202fAM] Fatima Haddad: The photos of the contract"]
        + [f"\u200e[10/28/25, 9:03:{s:02d}\u202fAM] Fatima Haddad: \u200eimage omitted" for s in range(0, 24, 2)]
        + [
            "[10/28/25, 9:10:05\u202fAM] Alex Owner: Thank you, I received 12 photos.",
            "\u200e[10/28/25, 9:11:00\u202fAM] Fatima Haddad: \u200eimage omitted",
            "\u200e[10/28/25, 9:12:00\u202fAM] Fatima Haddad: \u200evideo omitted",
        ]
    )
    + "\r\n"
)


@pytest.fixture(scope="module")
def fatima(tmp_path_factory) -> str:
    """The messages' pages of a transcript of FATIMA_CHAT, imported as a user does."""
    from textfile.ingest import import_path

    folder = tmp_path_factory.mktemp("fatima")
    chat = folder / "WhatsApp Chat - Fatima Haddad.txt"
    chat.write_text(FATIMA_CHAT, encoding="utf-8")
    with Archive.create(folder / "archive.db", **OWNER) as archive:
        import_path(archive, chat)
        with archive.transaction() as conn:
            filing.add_client(conn, "Fatima Haddad", [], [], "US")
            filing.open_matter(conn, "2026-014", "Fatima Haddad", "Employment")
            filing.file_conversation(conn, 1, "2026-014", None, None)
    pages = transcript(folder / "archive.db", folder / "t.pdf")
    return "\n".join(pages[cover_pages(pages) :])


def test_an_omitted_attachment_of_a_kind_the_export_named_prints_that_kind_not_unknown_type(fatima):
    """Walk report 2, defect 12: "(no name), unknown type — not in the archive: image omitted by export"."""
    assert (
        "#1.15 2025-10-28 09:11:00 -04:00 Fatima Haddad · incoming · WhatsApp\n"
        'Attachment 1: (no name), image — not in the archive: image omitted by export (the export wrote "image omitted")\n'
        "#1.16 2025-10-28 09:12:00 -04:00 Fatima Haddad · incoming · WhatsApp\n"
        'Attachment 1: (no name), video — not in the archive: video omitted by export (the export wrote "video omitted")\n'
    ) in fatima
    assert "unknown type" not in fatima


def test_a_burst_of_omitted_images_seconds_apart_is_one_line_with_every_number_and_the_first_and_last_time(fatima):
    """Walk report 2, defect 13: an iPhone export's times have seconds, so twelve "image omitted" two
    seconds apart printed twelve lines; they are one, numbered #2–#13, from the first time to the last."""
    assert (
        "#1.1 2025-10-28 09:02:13 -04:00 Fatima Haddad · incoming · WhatsApp The photos of the contract"
        " #1.2–#1.13 2025-10-28 09:03:00–09:03:22 -04:00 Fatima Haddad · incoming · WhatsApp"
        " 12 attachments, one in each message, unnamed in the export, image — not in the archive: image omitted by export"
        ' (the export wrote "image omitted") #1.14 2025-10-28 09:10:05 -04:00 Alex Owner · outgoing · WhatsApp'
    ) in " ".join(fatima.split())
    assert re.findall(r"^#[\d.–#]+", fatima, re.M) == [
        "#1.1",
        "#1.2–#1.13",
        "#1.14",
        "#1.15",
        "#1.16",
    ]  # every number, once


def test_the_files_no_message_names_are_listed_with_their_names_marked_as_attachment_lines_are():
    """Review (minor): the section of files no message names printed a file's name and the chat's title as
    they are, where an attachment line marks a U+FFFD in a name and a title takes its own direction."""
    from textfile.transcript import render

    files = [
        {
            "conv": {
                "id": 3,
                "title": "\u05d3\u05d5\u05d3 \u05db\u05d4\u05df",
                "platform": "whatsapp",
                "is_group": False,
                "participants": [],
            },
            "files": [{"name": "caf\ufffd.jpg", "mime": "image/jpeg", "size": 10, "sha256": "ab" * 32}],
        }
    ]
    html = render.chunk_html([], {}, {"header": "", "title": "", "page_size": "A4"}, files)
    section = html[html.index('<section class="files">') :]
    assert (
        '<b>Conversation 3: <span dir="rtl">\u05d3\u05d5\u05d3 \u05db\u05d4\u05df</span></b>'
        '\n<span class="a">caf<span class="bad">\ufffd\u200b</span>.jpg, image/jpeg, 10 bytes, sha256 <span class="sha">'
        + "ab"
        * 32
    ) in section
