"""A cheaper first render (issue 17): each message's header line one bold run; the running header
drawn after joining from one small document of labels; the chunks after the first written plain
and uncompressed, the joined file declared PDF/A-3b and compressed once; the cover's rules in a
stylesheet of their own. Nothing printed changes: the same text on the same pages.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import unicodedata
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
    assert text[1].endswith("Alex Owner +12025550100 · outgoing · SMS [EDITED] in reply to #1.3")
    assert "[DELETED]" in text[2]
    assert (
        '<b>#2.1 2024-03-01 07:04:00 -05:00 <span dir="rtl">هالة منصور</span> +12025550161 · incoming · SMS</b>' in html
    )
    assert text[4].endswith(" +12025550162 · incoming · SMS")


# -- the running header, drawn after joining ---------------------------------------------------------

ARABIC_CJK = "عقد الشقة 合同"  # (no lam-alef: its ligature is read back as alef-lam)


def words_on_pages(pdf: Path) -> list[list[tuple[str, float, float, float, float]]]:
    """[(word, xMin, yMin, xMax, yMax)] of each page, from `pdftotext -bbox` (y from the top, points)."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [
        [
            (html.unescape(w), float(a), float(b), float(c), float(d))
            for a, b, c, d, w in re.findall(
                r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">(.*?)</word>', page
            )
        ]
        for page in re.findall(r"<page [^>]*>(.*?)</page>", out, re.S)
    ]


def pages_text(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1]


def bare(text: str) -> str:
    """Text without white space and format characters (the embeddings pdftotext puts around a
    right-to-left run)."""
    return "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch) != "Cf")


def part_facts(path: str) -> dict:
    """What a rendered part declares: its XMP's PDF/A id, its output intents, its compressed streams."""
    import pikepdf

    with pikepdf.open(path) as part:
        metadata = part.Root.get("/Metadata")
        return {
            "pdfaid": re.findall(r'pdfaid:(part|conformance)="(\w+)"', metadata.read_bytes().decode())
            if metadata
            else [],
            "intents": len(part.Root.get("/OutputIntents", ())),
            "compressed": sum(isinstance(o, pikepdf.Stream) and "/Filter" in o for o in part.objects),
            "streams": sum(isinstance(o, pikepdf.Stream) for o in part.objects),
        }


@pytest.fixture(scope="module")
def chunked(tmp_path_factory):
    """A matter titled in Arabic and Chinese, rendered as the cover and four chunks by two processes: (pdf path,
    result, what each part declared as it was joined)."""
    from textfile.transcript import make_transcript, pdf

    folder = tmp_path_factory.mktemp("chunked")
    long = [msg(n, f"message {n} " * 30) for n in range(10, 70)]
    path = archive_with(folder / "archive.db", records() + long, title=ARABIC_CJK)
    assemble, parts = pdf.assemble, []

    def watched(paths):
        parts.extend(part_facts(p) for p in paths)
        return assemble(paths)

    with Archive.open(path) as archive, pytest.MonkeyPatch.context() as patch:
        patch.setattr(pdf, "assemble", watched)
        made = make_transcript(archive, matter="2026-014", out=folder / "t.pdf", workers=2, chunk_size=20)
    assert (made["chunks"], made["render"]["processes"]) == (5, 2)  # the cover with the first 20; 20+20+3; 1 + 1
    return folder / "t.pdf", made, parts


def test_every_page_has_the_running_header_where_the_margin_box_drew_it(chunked):
    """The cover's pages and every chunk's: the header (an Arabic and Chinese matter title) in the top
    margin, its foot 6pt above the content, at the left margin, at the same place on every page."""
    pdf, made, _ = chunked
    pages = words_on_pages(pdf)
    assert len(pages) == made["pages"] == len(pages_text(pdf)) > 4
    header = bare(f"Sam Client — 2026-014 {ARABIC_CJK}")
    said = []
    for text in pages_text(pdf):
        first = bare(text.strip().splitlines()[0])
        assert first.startswith(header), first
        said.append(first[len(header) :])
    # the cover's pages say the matter; the others the conversations they show (the cover's last, the first messages')
    assert said[0] == "" and set(said[1:]) == {"·Conversation1", "·Conversations2,3"}, said
    places = set()
    for words in pages:
        top = [w for w in words if w[4] < 0.8 * 72]  # above the content area
        assert len(top) in (7, 10, 11)  # (Sam, Client, —, 2026-014, two Arabic words, 合同; ·, Conversation(s), N…)
        places.add(tuple(round(v, 1) for w in top[:7] for v in w[1:]))
        assert min(w[1] for w in top) == pytest.approx(0.75 * 72, abs=0.5)
        assert 0.8 * 72 - 6 - 3 < max(w[4] for w in top) < 0.8 * 72 - 6 + 1
    assert len(places) == 1


def test_the_header_is_one_form_shared_by_every_page(chunked):
    """Each page draws one header form; the pages of one label draw the same object (pages of one part
    share their resources, so a page may name a form it does not draw)."""
    import pikepdf

    pdf, made, _ = chunked
    drawn = []
    with pikepdf.open(pdf) as document:
        for page in document.pages:
            contents = page.Contents if isinstance(page.Contents, pikepdf.Array) else [page.Contents]
            names = re.findall(rb"(/TFHead\d+) Do", b"".join(c.read_bytes() for c in contents))
            assert len(names) == 1
            drawn.append((names[0].decode(), page.Resources.XObject[names[0].decode()].objgen))
    assert len(drawn) == made["pages"]
    assert len(set(drawn)) == len({name for name, _ in drawn}) == 3  # the cover; conversation 1; 2 and 3


def test_pages_take_each_its_own_label(tmp_path):
    """The lead's use: several labels, one form each, page i drawn with label_of_page[i]."""
    import pikepdf

    from textfile.transcript import pdf, render

    labels = ["Sam Client — 2026-014 · Conversation 1", f"Conversation 2: {ARABIC_CJK}", "Ωμέγα · Conversation 3"]
    with render.Renderer({"tz": "UTC", "parts": str(tmp_path), "page_size": "A4"}, 1) as renderer:
        forms = renderer.headers(labels)
    document = pikepdf.new()
    for _ in range(5):
        document.add_blank_page(page_size=(595.28, 841.89))
    pdf.running_headers(document, forms, [0, 1, 1, 2, 0])
    with open(tmp_path / "t.pdf", "wb") as fp:
        pdf.save(document, fp)
    texts = [bare(text) for text in pages_text(tmp_path / "t.pdf")]
    assert texts == [bare(labels[k]) for k in (0, 1, 1, 2, 0)]
    with pikepdf.open(tmp_path / "t.pdf") as saved:
        used = [{name: page.Resources.XObject[name].objgen for name in page.Resources.XObject} for page in saved.pages]
    assert [list(u) for u in used] == [["/TFHead0"], ["/TFHead1"], ["/TFHead1"], ["/TFHead2"], ["/TFHead0"]]
    assert used[0] == used[4] and used[1] == used[2] and len({g for u in used for g in u.values()}) == 3


# -- plain chunks, one PDF/A file ------------------------------------------------------------------


def test_the_cover_part_is_pdf_a_and_every_other_part_plain_and_compressed_once_by_pikepdf(chunked):
    """The cover's part gives the file its PDF/A catalog; the others are written without the variant,
    uncompressed by WeasyPrint and compressed by pikepdf in the rendering process (the joining copies
    their streams as they are: the main process never holds them uncompressed)."""
    first, *others = chunked[2]
    assert len(others) >= 3
    assert first["pdfaid"] == [("part", "3"), ("conformance", "B")] and first["intents"] == 1
    assert first["compressed"] > 0.5 * first["streams"]
    for part in others:
        assert (part["pdfaid"], part["intents"]) == ([], 0)
        assert part["compressed"] == part["streams"] > 0, part  # every stream Flate-encoded


def test_the_joined_file_is_declared_pdf_a_3b_every_font_embedded_every_stream_compressed(chunked):
    import pikepdf

    with pikepdf.open(chunked[0]) as document:
        root = document.Root
        xmp = root.Metadata.read_bytes().decode()
        assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
        [intent] = root.OutputIntents
        assert intent.S == "/GTS_PDFA1" and "sRGB" in str(intent.OutputConditionIdentifier)
        assert intent.DestOutputProfile.N == 3
        assert len(document.trailer.ID) == 2
        assert "/AF" in root  # (the manifest, an associated file)
        fonts = [o for o in document.objects if isinstance(o, pikepdf.Dictionary) and o.get("/Type") == "/Font"]
        assert len(fonts) > 3

        def embedded(font) -> bool:
            if font.Subtype == "/Type0":
                return all(embedded(d) for d in font.DescendantFonts)
            return any(k in font.FontDescriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))

        assert all(embedded(f) for f in fonts)
        plain = [
            o.objgen
            for o in document.objects
            if isinstance(o, pikepdf.Stream) and "/Filter" not in o and o.get("/Type") != "/Metadata"
        ]
        assert plain == []  # (XMP metadata stays readable, as pikepdf writes it)


# -- the stylesheets: the message pages' rules, the cover's ----------------------------------------


def selectors(css: str) -> list[str]:
    """The selectors of a stylesheet's rules (comments and @page left out)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    return [s.strip() for block in re.findall(r"([^{}]+)\{[^{}]*\}", css) for s in block.split(",") if "@" not in s]


def test_the_cover_rules_are_a_sheet_of_their_own_and_every_rule_is_used():
    """transcript.css: what message pages use (the template after the cover, and the spans text.py
    makes); cover.css: what only the cover uses. Every class a rule names is one that is made."""
    from textfile.transcript import render

    folder = Path(render.TEMPLATES)
    template = (folder / "transcript.html.j2").read_text()
    cover_part, pages_part = template.split("{%- set nl =", 1)
    text_py = (Path(render.__file__).parent / "text.py").read_text()
    pages, cover = (selectors((folder / name).read_text()) for name in ("transcript.css", "cover.css"))
    assert not [s for s in pages if ".cover" in s or s in ("h1", ".nw")]
    assert all(s.startswith(".cover") or s in ("h1", ".nw") for s in cover), cover

    def classes(selector: str) -> set[str]:
        return set(re.findall(r"\.([\w-]+)", selector))

    def made(name: str, where: str) -> bool:
        return re.search(rf"class=.*\b{name}\b", where) is not None  # (on a line that makes a class attribute)

    for selector in pages:
        for name in classes(selector):
            assert made(name, pages_part) or made(name, text_py), (selector, name)
    for selector in cover:
        for name in classes(selector) - {"cover"}:
            assert made(name, cover_part) or (name == "nw" and made(name, text_py)), (selector, name)


def test_only_the_cover_chunk_is_given_the_cover_rules(tmp_path, monkeypatch):
    from textfile.transcript import make_transcript
    from textfile.transcript.render import chunk, layout

    seen = []

    def watched(html, fetcher, cover=False):
        seen.append(('<div class="cover">' in html, cover))
        return layout._layout(html, fetcher, cover)

    monkeypatch.setattr(chunk, "_layout", watched)
    path = archive_with(tmp_path / "archive.db", records() + [msg(n, f"message {n} " * 30) for n in range(10, 50)])
    with Archive.open(path) as archive:
        made = make_transcript(archive, matter="2026-014", out=tmp_path / "t.pdf", workers=1, chunk_size=15)
    assert made["chunks"] == len(seen) == 4  # the cover with the first 15 messages; 15 + 13; the last two together
    assert seen == [(True, True), (False, False), (False, False), (False, False)]
