"""Transcripts: what the PDF shows (read back with pdftotext), Bates numbers, the manifest,
hostile message text, and `textfile verify FILE.pdf`.

Rendering costs about a second per document, so one transcript of a small matter is made once per
module and read by many tests; tests that change the archive work on a copy of it.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import socket
import sqlite3
import stat
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import ME, OWNER, SAM, SAM_CHAT, msg, source, transcript_numbers
from PIL import Image
from typer.testing import CliRunner

from textfile.archive import Archive
from textfile.cli import app
from textfile.ingest import ingest
from textfile.model import Attachment, Conversation, Message, Participant, Reaction, Version

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")

DANA = Participant("+12025550191", "Dana Reyes")
GROUP = Conversation("android", "+12025550143,+12025550191", None, True, (SAM, DANA, ME))
HOSTILE = [
    '<img src="file:///etc/passwd">',
    '<link rel=stylesheet href="http://127.0.0.1:9/evil.css">',
    "</div><style>*{display:none}</style>",
    '{{ 7*7 }} & <b>not bold</b> \\ "quoted"',
]
SCRIPTS = {
    "emoji": "Emoji 😀👍🏽🎉 done",
    "arabic": "مرحبا، هل وقعت العقد؟",
    "cyrillic": "Привет, договор подписан",
    "cjk": "合同已经签好了。契約書に署名しました。",
    "devanagari": "नमस्ते, अनुबंध पर हस्ताक्षर हो गए",
    "thai": "สวัสดีครับ สัญญาเซ็นแล้ว",
}


def png(width: int = 1200, height: int = 800) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def records() -> list:
    """A small matter with every kind of thing a transcript must show."""
    at = lambda n: datetime(2024, 3, 1, 17, 0, tzinfo=UTC) + timedelta(minutes=n)  # noqa: E731
    items = [
        msg(1, "Hi Alex, can we talk about the lease?", source_id="s1"),
        msg(2, "Sure.\nCall me at 3,\nor text.", out=True, source_id="s2"),
        msg(3, "Here is the photo", source_id="s3", attachments=(Attachment("leak.png", "image/png", png()),)),
        msg(
            4,
            "And the report",
            source_id="s4",
            attachments=(
                Attachment("report.pdf", "application/pdf", b"%PDF-1.4 fake"),
                Attachment("video.mp4", "video/mp4", None, "omitted by export"),
            ),
        ),
        msg(5, "See you at 4", source_id="s5", flags=frozenset({"edited"}), versions=(Version("See you at 3", at(4)),)),
        msg(6, "Thanks", out=True, source_id="s6", reply_to="s1"),
        msg(7, "I never agreed to that", source_id="s7", flags=frozenset({"deleted"})),
        msg(8, "Unsent draft text", out=True, status="draft", flags=frozenset({"draft"})),
        msg(9, "This one failed", out=True, status="failed", flags=frozenset({"failed"})),
        replace(msg(10, ""), kind="call", status="missed", service="Phone", body=""),
        replace(msg(11, "Sam Client changed the group name"), direction="system", sender=None),
        Reaction(SAM_CHAT, "s2", SAM, "loved", at(12), emoji="❤️", source_id="r1"),
    ]
    for n, body in enumerate(HOSTILE, 20):
        items.append(msg(n, body))
    for n, body in enumerate(SCRIPTS.values(), 30):
        items.append(msg(n, body))
    items.append(msg(40, "In the group", conversation=GROUP))
    items.append(msg(41, "Me too", conversation=GROUP, out=True))
    items.append(msg(700, "Outside the window"))
    return items


def build_archive(path: Path) -> Archive:
    archive = Archive.create(path, **OWNER)
    ingest(archive, source(), records())
    from textfile import filing

    with archive.transaction() as conn:
        filing.add_client(conn, "Sam Client", ["+12025550143"], [], "US")
        filing.open_matter(conn, "2026-014", "Sam Client", "Lease dispute")
    return archive


def run(archive_path: Path, *args):
    return CliRunner().invoke(app, ["--archive", str(archive_path), *map(str, args)], catch_exceptions=False)


def pages_text(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1]


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """(archive path, transcript result, pdf path, page texts) for matter 2026-014 until 2024-03-01 18:00 New York."""
    folder = tmp_path_factory.mktemp("transcript")
    build_archive(folder / "archive.db").close()
    r = run(
        folder / "archive.db",
        "transcript",
        "2026-014",
        "--until",
        "2024-03-01T18:00",
        "--mkdir",
        "--out-dir",
        folder / "out",
        "--json",
    )
    assert r.exit_code == 0, r.output
    result = json.loads(r.stdout)
    pdf = Path(result["path"])
    return folder / "archive.db", result, pdf, pages_text(pdf)


@pytest.fixture
def copy(made, tmp_path):
    """A copy of the module's archive and PDF, for tests that change them."""
    archive_path, result, pdf, _ = made
    with sqlite3.connect(archive_path) as src, sqlite3.connect(tmp_path / "archive.db") as dst:
        src.backup(dst)
    shutil.copy(pdf, tmp_path / pdf.name)
    return tmp_path / "archive.db", tmp_path / pdf.name


def test_the_file_is_private_and_named_by_date_client_and_matter(made):
    _, result, pdf, _ = made
    assert re.fullmatch(r"\d{4}-\d\d-\d\d_Sam-Client_2026-014_transcript\.pdf", pdf.name)
    assert stat.S_IMODE(os.stat(pdf).st_mode) == 0o600
    assert (result["messages"], result["conversations"], result["bates_first"]) == (len(records()) - 2, 2, "TF-000001")
    assert result["bates_last"] == f"TF-{result['pages']:06d}"
    assert pdf.read_bytes().startswith(b"%PDF-1.7")


def test_every_message_of_the_window_in_order_with_numbers(made):
    _, result, pdf, pages = made
    text = re.sub(r"\s+", " ", "\n".join(pages))
    bodies = [r.body for r in records() if isinstance(r, Message) and r.body and r.kind == "message"]
    for body in bodies:
        if body == "Outside the window":
            assert body not in text
        elif body not in SCRIPTS.values():  # complex scripts are checked by their fonts below
            for line in body.splitlines():
                assert line in text, line
    numbers = transcript_numbers(pdf)
    assert numbers[:2] == ["1.1", "1.2"] and len(numbers) == result["messages"]
    assert numbers[-1] == f"2.{sum(1 for n in numbers if n.startswith('2.'))}"  # each conversation from 1
    positions = [text.index(f"#{n} ") for n in numbers]
    assert positions == sorted(positions)
    assert "Conversation 2" in text and "(continued)" not in text


def test_every_page_has_header_page_x_of_y_and_its_bates_number(made):
    _, result, _, pages = made
    assert len(pages) == result["pages"] > 2
    for n, page in enumerate(pages, 1):
        assert "Sam Client — 2026-014 Lease dispute" in page
        assert f"Page {n} of {len(pages)}" in page
        assert f"TF-{n:06d}" in page


def test_every_time_has_its_utc_offset(made):
    text = "\n".join(made[3])
    stamps = re.findall(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d( [+-]\d\d:\d\d)?", text)
    assert len(stamps) > 30
    assert all(stamps), "a time without its offset"
    assert "2024-03-01 07:01:00 -05:00" in text


def test_cover_states_the_facts(made):
    cover = re.sub(r"\s+", " ", made[3][0])
    for fact in [
        "Transcript of text messages",
        "2026-014 — Lease dispute",
        "Sam Client (+12025550143)",
        "Alex Owner (+12025550100",
        "until 2024-03-01 18:00:00 -05:00",
        "America/New_York",
        "textfile 0.1.0",
        f"Bates numbers TF-000001 to {made[1]['bates_last']}",
        "sms-test.xml",
        "0" * 40,
        "android",
        made[1]["transcript"],
    ]:
        assert fact in cover, fact
    assert re.search(r"SMS 2\d", cover)  # counts per service


def test_marks_versions_reactions_replies_calls_and_attachments(made):
    text = "\n".join(made[3])
    one_line = re.sub(r"\s+", " ", text)
    for expected in [
        "[DRAFT (never sent)]",
        "[FAILED (not delivered)]",
        "[DELETED]",
        "[EDITED]",
        "earlier version 1",
        "See you at 3",
        "in reply to #1",
        "reaction: loved ❤",
        "Call: missed",
        "Sam Client changed the group name",
        "Attachment 1: leak.png, image/png",
        "report.pdf, application/pdf",
        "video.mp4, video/mp4 — not in the archive: omitted by export",
    ]:
        assert expected in one_line, expected
    image_sha = __import__("hashlib").sha256(png()).hexdigest()
    assert image_sha in one_line.replace(" ", "")


def test_the_image_is_inline_and_downscaled(made):
    listing = subprocess.run(["pdfimages", "-list", str(made[2])], capture_output=True, text=True, check=True).stdout
    images = [line.split() for line in listing.splitlines()[2:]]
    photos = [i for i in images if i[2] == "image"]
    assert len(photos) >= 1
    assert max(int(i[3]) for i in photos) <= 900  # 1200 px wide in the archive


def test_every_script_and_emoji_gets_a_real_font(made):
    fonts = subprocess.run(["pdffonts", str(made[2])], capture_output=True, text=True, check=True).stdout
    # Arabic and Cyrillic come from DejaVu Sans itself
    for needed in ["DejaVu-Sans", "Noto-Sans-CJK", "Noto-Sans-Devanagari", "Noto-Sans-Thai", "Noto-Color-Emoji"]:
        assert needed in fonts, needed
    text = "\n".join(made[3])
    for body in (SCRIPTS["cyrillic"], SCRIPTS["thai"]):
        assert body in text


def test_hostile_bodies_print_literally_and_ask_for_nothing(made):
    assert made[1]["refused_urls"] == []  # the bodies never became markup, so WeasyPrint never saw a URL
    text = re.sub(r"\s+", " ", "\n".join(made[3]))
    for body in HOSTILE:
        assert body in text
    assert "not bold" in text and "Outside the window" not in text


def test_manifest_round_trips_and_matches_the_record(made):
    from textfile.transcript import manifest

    archive_path, result, pdf, _ = made
    raw = manifest.read(pdf)
    data = json.loads(raw)
    with Archive.open(archive_path) as archive:
        expected = [
            list(r)
            for r in archive.conn.execute(
                "SELECT message_id, content_hash FROM transcript_messages tm JOIN transcripts t ON t.id = tm.transcript_id"
                " WHERE t.uuid = ? ORDER BY position",
                (result["transcript"],),
            )
        ]
        row = archive.conn.execute("SELECT * FROM transcripts WHERE uuid = ?", (result["transcript"],)).fetchone()
        body_of = dict(archive.conn.execute("SELECT id, body FROM messages"))
        counter = archive.conn.execute("SELECT next_number FROM bates_counters WHERE prefix = 'TF'").fetchone()[0]
    assert data["messages"] == expected and len(expected) == result["messages"]
    assert body_of[data["messages"][0][0]] == "Hi Alex, can we talk about the lease?"
    assert data["bates"] == {
        "prefix": "TF",
        "first": "TF-000001",
        "last": result["bates_last"],
        "first_number": 1,
        "last_number": result["pages"],
    }
    assert data["scope"]["matter"] == "2026-014" and data["scope"]["until"] == "2024-03-01T23:00:00.000Z"
    assert (row["manifest_sha256"], row["pdf_sha256"], row["pages"]) == (
        manifest.sha256(raw),
        manifest.file_sha256(pdf),
        result["pages"],
    )
    assert counter == result["pages"] + 1


def test_verify_passes_on_the_fresh_transcript(made):
    archive_path, result, pdf, _ = made
    r = run(archive_path, "verify", pdf)
    assert r.exit_code == 0, r.output
    assert r.stdout == (
        f"{pdf}: matches the archive (transcript {result['transcript']}, {result['messages']} messages, {result['pages']} pages,"
        f" Bates TF-000001 to {result['bates_last']}).\n"
    )


@pytest.mark.parametrize("where", [0.5, 0.98])
def test_verify_exits_3_after_one_byte_of_the_pdf_changes(copy, where):
    archive_path, pdf = copy
    data = bytearray(pdf.read_bytes())
    i = int(len(data) * where)
    data[i] ^= 0x01
    pdf.write_bytes(bytes(data))
    r = run(archive_path, "verify", pdf)
    assert r.exit_code == 3
    assert "the file was altered" in r.stderr


def test_verify_exits_3_when_a_message_changed_or_went_missing(copy):
    archive_path, pdf = copy
    with Archive.open(archive_path) as archive:
        archive.conn.execute("UPDATE messages SET body = 'I agreed to that' WHERE body = 'I never agreed to that'")
    r = run(archive_path, "verify", pdf)
    assert r.exit_code == 3
    assert re.fullmatch(
        rf"Error: {re.escape(str(pdf))}: message #1\.7 \(2024-03-01T12:07:00.000Z, [0-9a-f]{{16}}…\) changed: the archive's content"
        r" no longer matches the transcript\n",
        r.stderr,
    )
    with Archive.open(archive_path) as archive:
        archive.conn.execute("PRAGMA foreign_keys = OFF")
        mid = archive.conn.execute("SELECT id FROM messages WHERE body = 'Thanks'").fetchone()[0]
        for table in ("message_sightings", "messages"):
            archive.conn.execute(
                f"DELETE FROM {table} WHERE {'message_id' if table != 'messages' else 'id'} = ?", (mid,)
            )
    r = run(archive_path, "verify", pdf, "--json")
    assert r.exit_code == 3
    problems = json.loads(r.stdout)[0]["problems"]
    assert problems[0].startswith("message #1.6 (") and problems[0].endswith("…) is missing from the archive")
    assert problems[1].startswith("message #1.7 (")


def test_verify_names_an_unknown_transcript_and_a_file_that_is_no_transcript(copy, tmp_path):
    archive_path, pdf = copy
    other = tmp_path / "other.db"
    Archive.create(other, **OWNER).close()
    r = run(other, "verify", pdf)
    assert r.exit_code == 3
    assert "unknown transcript: it was made from another archive" in r.stderr
    with Archive.open(archive_path) as archive:
        archive.conn.execute("PRAGMA foreign_keys = OFF")
        archive.conn.execute("DELETE FROM transcript_messages")
        archive.conn.execute("DELETE FROM transcripts")
    r = run(archive_path, "verify", pdf)
    assert r.exit_code == 3 and "unknown transcript: this archive has no record of transcript" in r.stderr
    text = tmp_path / "notes.pdf"
    text.write_text("not a pdf")
    r = run(archive_path, "verify", text)
    assert (r.exit_code, r.stderr) == (
        3,
        f"Error: {text}: unknown transcript: the file carries no textfile manifest that can be read\n",
    )


def test_bates_numbers_continue_and_are_never_reused(copy, tmp_path):
    archive_path, _ = copy
    with Archive.open(archive_path) as archive:
        last = archive.conn.execute("SELECT bates_last FROM transcripts").fetchone()[0]
    r = run(
        archive_path,
        "transcript",
        "2026-014",
        "--from",
        "2024-03-01T07:40",
        "--until",
        "2024-03-01T07:42",
        "--bates-start",
        1,
        "--out",
        tmp_path / "x.pdf",
    )
    assert (r.exit_code, r.stderr) == (
        1,
        f"Error: Bates numbers up to TF-{last:06d} are already used; the next free number is {last + 1}\n",
    )
    assert not (tmp_path / "x.pdf").exists()
    r = run(
        archive_path,
        "transcript",
        "2026-014",
        "--from",
        "2024-03-01T07:40",
        "--until",
        "2024-03-01T07:42",
        "--out",
        tmp_path / "x.pdf",
        "--json",
    )
    made = json.loads(r.stdout)
    assert (made["messages"], made["bates_first"]) == (2, f"TF-{last + 1:06d}")
    assert f"TF-{last + 1:06d}" in pages_text(tmp_path / "x.pdf")[0]
    r = run(archive_path, "transcript", "2026-014", "--until", "2024-03-01T07:01", "--out", tmp_path / "x.pdf")
    assert (r.exit_code, r.stderr) == (
        1,
        f"Error: {tmp_path / 'x.pdf'} already exists; a transcript is never overwritten (choose another --out)\n",
    )
    r = run(
        archive_path,
        "transcript",
        "--client",
        "Sam Client",
        "--until",
        "2024-03-01T07:03",
        "--bates-prefix",
        "OTHER",
        "--bates-start",
        500,
        "--no-media",
        "--out-dir",
        tmp_path,
    )
    assert r.exit_code == 0, r.output
    [y] = tmp_path.glob("*_Sam-Client_transcript.pdf")
    pages = pages_text(y)
    assert (
        r.stdout == f"Wrote {y}: 3 messages, {len(pages)} pages, Bates OTHER-000500 to OTHER-{499 + len(pages):06d}.\n"
    )
    assert "Sam Client — all matters" in pages[0] and "image not shown (--no-media)" in re.sub(
        r"\s+", " ", "\n".join(pages)
    )
    assert "TF-" not in "\n".join(pages)
    with Archive.open(archive_path) as archive:
        assert dict(archive.conn.execute("SELECT prefix, next_number FROM bates_counters")) == {
            "TF": last + 3,
            "OTHER": 500 + len(pages),
        }
        assert [e["command"] for e in __import__("textfile.audit").audit.entries(archive.conn)][-3:] == [
            "transcript"
        ] * 3


def test_transcript_errors_are_one_line(copy):
    archive_path, _ = copy
    assert run(archive_path, "transcript").stderr == "Error: name a matter (REF) or a client (--client NAME)\n"
    assert run(archive_path, "transcript", "nope").stderr == "Error: no matter 'nope' (see `textfile matter list`)\n"
    r = run(archive_path, "transcript", "2026-014", "--from", "2030-01-01")
    assert (r.exit_code, r.stderr) == (
        1,
        "Error: matter 2026-014 has no messages between 2030-01-01 and now: nothing to transcribe\n",
    )
    r = run(archive_path, "transcript", "2026-014", "--bates-prefix", "Ünï")
    assert r.stderr == "Error: invalid Bates prefix 'Ünï' (ASCII letters, digits, - and _ only)\n"


# -- nothing is fetched ---------------------------------------------------------------------


def test_the_fetcher_refuses_everything_but_archive_images_and_package_files():
    from textfile.transcript.render import archive_fetcher

    fetcher = archive_fetcher({"ab" * 32: (b"\x89PNG", "image/png")})
    assert fetcher.fetch("textfile-blob:" + "ab" * 32).read() == b"\x89PNG"
    assert b"@page" in fetcher.fetch("textfile-package:transcript.css").read()
    for url in [
        "file:///etc/passwd",
        "http://127.0.0.1:9/x.css",
        "https://example.com/a.png",
        "data:text/css,*{}",
        "textfile-blob:" + "cd" * 32,
        "textfile-package:../../../etc/passwd",
        "ftp://x/y",
    ]:
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 7


def test_markup_reaching_weasyprint_loads_nothing(monkeypatch):
    """Even HTML that names files and URLs (which message text never becomes) opens no file and no socket."""
    from textfile.transcript import render
    from textfile.transcript.render import layout

    render.init_worker({"tz": "UTC"})
    events: list[tuple] = []
    watching = [True]

    def hook(event, args):
        if watching[0] and (event == "socket.connect" or (event == "open" and args and "passwd" in str(args[0]))):
            events.append((event, args))

    sys.addaudithook(hook)
    monkeypatch.setattr(socket.socket, "connect", lambda *a: pytest.fail("network access attempted"))
    html = (
        '<html><head><link rel="stylesheet" href="http://127.0.0.1:9/evil.css"></head><body>'
        '<img src="file:///etc/passwd"><p style="background: url(file:///etc/shadow)">x</p>'
        '<object data="http://127.0.0.1:9/x"></object><iframe src="/etc/passwd"></iframe></body></html>'
    )
    fetcher = render.archive_fetcher()
    try:
        with layout._collector_off():  # (as a rendering worker lays out and writes a chunk: render_job)
            document = layout._layout(html, fetcher)
            document.write_pdf(pdf_variant="pdf/a-3b")
    finally:
        watching[0] = False
    assert events == []
    assert len(document.pages) == 1
    assert {"http://127.0.0.1:9/evil.css", "file:///etc/passwd", "file:///etc/shadow"} <= set(fetcher.refused)


def test_chunks_rendered_in_parallel_join_with_continuous_numbers(copy, tmp_path):
    """Chunks of 12 messages, two worker processes: one production, numbered as if one document."""
    from textfile.transcript import make_transcript

    archive_path, _ = copy
    with Archive.open(archive_path) as archive:
        made = make_transcript(
            archive, matter="2026-014", until="2024-03-01T18:00", out=tmp_path / "chunked.pdf", workers=2, chunk_size=12
        )
    # the cover with conversation 1's first 12 messages; its 9 more; conversation 2's 2
    assert (made["chunks"], made["render"]["processes"]) == (3, 2)
    pages = pages_text(tmp_path / "chunked.pdf")
    first = int(made["bates_first"].split("-")[1])
    for n, page in enumerate(pages, 1):
        assert f"Page {n} of {len(pages)}" in page and f"TF-{first + n - 1:06d}" in page
    text = re.sub(r"\s+", " ", "\n".join(pages))
    assert "Conversation 1: Sam Client (continued)" in text or "Conversation 1 (continued)" in text
    assert "Friday, 1 March 2024 (continued)" in text
    positions = [text.index(f"#{n} ") for n in transcript_numbers(tmp_path / "chunked.pdf")]
    assert positions == sorted(positions)
    r = run(archive_path, "verify", tmp_path / "chunked.pdf")
    assert r.exit_code == 0, r.output
    import pikepdf

    with pikepdf.open(tmp_path / "chunked.pdf") as pdf, pdf.open_outline() as outline:
        assert [item.title for item in outline.root][:2] == ["Cover", "Conversation 1"]
        assert len(outline.root) == 3  # cover and the two conversations; continued headings add none


def test_a_worker_that_rendered_its_share_is_replaced_by_a_fresh_one(copy, tmp_path, monkeypatch):
    """A worker ends after CHUNKS_PER_WORKER documents; the chunks left, and the cover, go to fresh ones."""
    from textfile.transcript import make_transcript
    from textfile.transcript.render import workers

    monkeypatch.setattr(workers, "CHUNKS_PER_WORKER", 2)
    archive_path, _ = copy
    with Archive.open(archive_path) as archive:
        made = make_transcript(
            archive, matter="2026-014", until="2024-03-01T18:00", out=tmp_path / "fresh.pdf", workers=2, chunk_size=3
        )
    assert (
        made["chunks"] >= 6 and made["chunks"] // 2 <= made["render"]["processes"] <= made["chunks"]
    )  # fresh ones took over
    assert run(archive_path, "verify", tmp_path / "fresh.pdf").exit_code == 0


@pytest.mark.parametrize("workers, chunk_size", [(1, 7), (2, 7)])
def test_chunks_stay_put_and_one_process_renders_chunk_after_chunk(copy, tmp_path, workers, chunk_size):
    """One worker renders a long matter chunk after chunk (never as one huge document); each
    conversation is cut every `chunk_size` messages from its first, whatever the workers."""
    from textfile.transcript import make_transcript

    archive_path, _ = copy
    with Archive.open(archive_path) as archive:
        made = make_transcript(
            archive,
            matter="2026-014",
            until="2024-03-01T18:00",
            out=tmp_path / "chunks.pdf",
            workers=workers,
            chunk_size=chunk_size,
        )
    numbers = transcript_numbers(tmp_path / "chunks.pdf")
    sizes = [sum(1 for n in numbers if n.startswith(f"{c}.")) for c in dict.fromkeys(n.split(".")[0] for n in numbers)]
    assert sizes == [21, 2] and made["chunks"] == 1 + 2 + 1  # the cover with the first 7, 7 + 7, then 2
    assert made["render"]["processes"] == workers
    pages = pages_text(tmp_path / "chunks.pdf")
    first = int(made["bates_first"].split("-")[1])
    for n, page in enumerate(pages, 1):
        assert f"Page {n} of {len(pages)}" in page and f"TF-{first + n - 1:06d}" in page
    text = re.sub(r"\s+", " ", "\n".join(pages))
    positions = [text.index(f"#{n} ") for n in numbers]
    assert positions == sorted(positions)
    assert run(archive_path, "verify", tmp_path / "chunks.pdf").exit_code == 0
