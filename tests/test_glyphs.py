"""Every glyph a transcript draws is the text: read back from the PDF, each drawn glyph, the font it
is drawn with and the text its ToUnicode entry gives, checked against the installed font that font
was made from.

A WhatsApp group whose members write Latin, Cyrillic, Greek, Arabic, Hebrew, Devanagari, Thai,
Chinese, Japanese, Korean, emoji and "fancy" mathematical letters, each as a sender's name (bold),
a message (regular) and a system line (italic), is rendered through `textfile transcript` in this process and through the
worker pool (two workers, four chunks: a warm worker renders a second chunk). For every glyph:
its font's source is found by PostScript name (fc-list); the glyph is not .notdef and exists there,
the source's cmap has every character of the glyph's text, and the glyph is what that font makes of
the text (the text's own glyph, or one its GSUB reaches); emoji come from the emoji font, and Arabic,
Hebrew, Devanagari and Thai never from an emoji or CJK font.

The content streams are walked with pikepdf (already a dependency) and the fonts read with fontTools
(WeasyPrint's own): a few dozen lines, no new library.
"""

from __future__ import annotations

import io
import json
import logging
import re
import shutil
import subprocess
import unicodedata
from functools import cache, lru_cache
from pathlib import Path

import pikepdf
import pytest
from conftest import OWNER
from fontTools import subset
from fontTools.ttLib import TTFont
from typer.testing import CliRunner

from textfile.archive import Archive
from textfile.cli import app

pytestmark = pytest.mark.skipif(shutil.which("fc-list") is None, reason="fontconfig (fc-list) is not installed")

# script: (a sender's name, bold; a message, regular; a system line, italic)
SCRIPTS = {
    "latin": ("Zoë Martin", "The lease is signed, see you Thursday.", "Zoë Martin changed the group description"),
    "cyrillic": ("Иван Петров", "Привет, договор подписан", "Иван Петров изменил описание группы"),
    "greek": ("Γιώργος Παππάς", "Γεια σας, η σύμβαση υπογράφηκε", "Ο Γιώργος άλλαξε την περιγραφή"),
    "arabic": ("محمد علي", "مرحبا، هل وقعت العقد؟", "أنشأ محمد علي المجموعة"),
    "hebrew": ("דוד כהן", "שלום, החוזה נחתם אתמול", "דוד כהן שינה את תיאור הקבוצה"),
    "devanagari": ("राहुल शर्मा", "नमस्ते, अनुबंध पर हस्ताक्षर हो गए", "राहुल शर्मा ने समूह का विवरण बदला"),
    "thai": ("สมชาย ใจดี", "สวัสดีครับ สัญญาเซ็นแล้ว", "สมชาย ใจดี เปลี่ยนคำอธิบายกลุ่ม"),
    "chinese": ("王伟", "合同已经签好了。", "王伟更改了群组描述"),
    "japanese": ("佐藤花子", "契約書に署名しました。", "佐藤花子がグループの説明を変更しました"),
    "korean": ("김민수", "계약서에 서명했습니다", "김민수님이 그룹 설명을 변경했습니다"),
    "emoji": ("Sunny 🌻", "Emoji 😀👍🏽🎉 done", "Sunny 🌻 pinned a message 📌"),
    # "fancy text" names: DejaVu Sans has these letters in its Book face only, so bold and italic borrow it
    "math": ("𝖲𝖺𝗋𝖺𝗁 𝖪𝗂𝗆", "𝖲𝖾𝖾 𝗒𝗈𝗎 𝗍𝗈𝗆𝗈𝗋𝗋𝗈𝗐", "𝖲𝖺𝗋𝖺𝗁 𝖪𝗂𝗆 left"),
}
ROUNDS = 4  # the whole set four times: the pooled run renders it as four chunks of about one set each
EMOJI_FONT = "NotoColorEmoji"
NOT_FROM = {
    "ARABIC": ("emoji", "cjk"),
    "HEBREW": ("emoji", "cjk"),
    "DEVANAGARI": ("emoji", "cjk"),
    "THAI": ("emoji", "cjk"),
    "CJK": ("emoji",),
    "HIRAGANA": ("emoji",),
    "KATAKANA": ("emoji",),
    "HANGUL": ("emoji",),
    "CYRILLIC": ("emoji",),
    "GREEK": ("emoji",),
    "LATIN": ("emoji",),
}


def chat_text() -> str:
    # 20/03/2024, 10:01 - محمد علي: مرحبا، هل وقعت العقد؟   (a system line has no "name:")
    lines, minute = ["20/03/2024, 09:00 - Alex Owner: Hello everyone"], 0
    for _ in range(ROUNDS):
        for name, message, system in SCRIPTS.values():
            lines.append(f"20/03/2024, {10 + minute // 60:02d}:{minute % 60:02d} - {name}: {message}")
            lines.append(f"20/03/2024, {10 + (minute + 1) // 60:02d}:{(minute + 1) % 60:02d} - {system}")
            minute += 2
    return "\n".join(lines) + "\n"


def run(archive_path: Path, *args):
    return CliRunner().invoke(app, ["--archive", str(archive_path), *map(str, args)], catch_exceptions=False)


@pytest.fixture(scope="module")
def archive_path(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("glyphs")
    path = folder / "archive.db"
    Archive.create(path, **OWNER).close()
    chat = folder / "WhatsApp Chat with Lease group.txt"
    chat.write_text(chat_text(), encoding="utf-8")
    for args in (
        ["client", "add", "Sam Client", "--phone", "+12025550143"],
        ["import", chat, "--date-order", "dmy", "-q"],
        ["matter", "open", "2026-014", "--client", "Sam Client", "--title", "Lease", "-q"],
        ["file", "1", "--matter", "2026-014", "-q"],
    ):
        r = run(path, *args)
        assert r.exit_code == 0, r.output
    return path


# -- reading the PDF back ---------------------------------------------------------------------


def to_unicode(font) -> dict[int, str]:
    """Glyph id -> text, from a font's ToUnicode CMap (bfchar and bfrange entries)."""
    data = font.ToUnicode.read_bytes().decode("latin-1")
    text = lambda hex_: bytes.fromhex(hex_).decode("utf-16-be")  # noqa: E731
    out = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", data, re.S):
        for code, dst in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>", block):
            out[int(code, 16)] = text(dst)
    for block in re.findall(r"beginbfrange(.*?)endbfrange", data, re.S):
        for lo, hi, dst in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            first = text(dst)
            for n in range(int(hi, 16) - int(lo, 16) + 1):
                out[int(lo, 16) + n] = first[:-1] + chr(ord(first[-1]) + n)
    return out


def drawn_glyphs(pdf_path: Path) -> dict[str, dict]:
    """Per Type0 font object of the PDF: its name, the PostScript name of its embedded file, the
    glyph ids drawn with it and the text each stands for. The page stamps (pdf.py's WinAnsi ASCII font) are
    not Type0 and are left out."""
    fonts: dict[str, dict] = {}
    with pikepdf.open(pdf_path) as pdf:
        seen = set()

        def walk(container, resources):
            font_resources = resources.get("/Font", {}) if resources is not None else {}
            current = None
            for operands, op in pikepdf.parse_content_stream(container):
                op = str(op)
                if op == "Tf":
                    font = font_resources.get(str(operands[0]))
                    current = None
                    if font is not None and font.Subtype == "/Type0":
                        current = font_entry(font)
                elif op in ("Tj", "TJ", "'", '"') and current is not None:
                    strings = operands[-1] if op == "TJ" else [operands[-1]]
                    for s in strings:
                        if isinstance(s, pikepdf.String):
                            raw = bytes(s)
                            for i in range(0, len(raw), 2):
                                current["drawn"].add(int.from_bytes(raw[i : i + 2], "big"))
            xobjects = resources.get("/XObject", {}) if resources is not None else {}
            for xobject in xobjects.values():
                if xobject.get("/Subtype") == "/Form" and xobject.objgen not in seen:
                    seen.add(xobject.objgen)
                    walk(xobject, xobject.get("/Resources", resources))

        def font_entry(font):
            descendant = font.DescendantFonts[0]
            assert descendant.get("/CIDToGIDMap", pikepdf.Name.Identity) == pikepdf.Name.Identity
            descriptor = descendant.FontDescriptor
            program = next(descriptor[k] for k in ("/FontFile2", "/FontFile3") if k in descriptor).read_bytes()
            key = f"{font.objgen}"
            if key not in fonts:
                embedded = TTFont(io.BytesIO(program))
                fonts[key] = {
                    "base": str(font.BaseFont),
                    "postscript": embedded["name"].getDebugName(6),
                    "glyphs": embedded["maxp"].numGlyphs,
                    "text": to_unicode(font),
                    "drawn": set(),
                }
            return fonts[key]

        for page in pdf.pages:
            walk(page, page.obj.get("/Resources"))
    return fonts


# -- the installed fonts --------------------------------------------------------------------


@lru_cache(maxsize=1)
def installed() -> dict[str, tuple[str, int]]:
    """PostScript name -> (file, index in the file), as fontconfig lists them."""
    listing = subprocess.run(
        ["fc-list", "-f", "%{postscriptname}\t%{file}\t%{index}\n"], capture_output=True, text=True, check=True
    ).stdout
    out = {}
    for line in listing.splitlines():
        name, file, index = line.split("\t")
        out.setdefault(name, (file, int(index)))
    return out


@cache
def source(postscript: str) -> tuple[dict[int, int], list[str]]:
    """An installed font's cmap (character -> glyph id) and glyph order."""
    file, index = installed()[postscript]
    font = TTFont(file, fontNumber=index, lazy=True)
    return {c: font.getGlyphID(name) for c, name in font.getBestCmap().items()}, font.getGlyphOrder()


@cache
def reachable(postscript: str, texts: frozenset[str]) -> set[int]:
    """The glyphs the font's GSUB can make of these texts' characters (fontTools' subset closure)."""
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    file, index = installed()[postscript]
    _, order = source(postscript)
    font = TTFont(file, fontNumber=index, lazy=True)
    options = subset.Options(layout_features=["*"], notdef_outline=True, glyph_names=True)
    options.drop_tables += ["CBDT", "CBLC", "EBDT", "EBLC", "sbix", "SVG ", "COLR", "CPAL"]
    subsetter = subset.Subsetter(options)
    # with the decompositions the shaper uses itself (Thai SARA AM is NIKHAHIT + SARA AA)
    subsetter.populate(unicodes={ord(c) for t in texts for c in t + unicodedata.normalize("NFKD", t)})
    subsetter.subset(font)
    ids = {name: gid for gid, name in enumerate(order)}
    return {ids[name] for name in font.getGlyphOrder()}


IGNORABLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufe00-\ufe0f\U000e0000-\U000e01ef]")


def kind(postscript: str) -> str:
    return "emoji" if postscript == EMOJI_FONT else "cjk" if "CJK" in postscript else "text"


def wrong_glyphs(pdf_path: Path, written: str) -> tuple[list[str], set[str]]:
    """Every drawn glyph that is not its text, described; and the scripts drawn at all. `written` is
    the text the messages hold: ToUnicode gives each glyph one text (the first it stood for), so
    the text a shaped glyph came from may be missing from it (Thai SARA AM drawn as NIKHAHIT + SARA
    AA, the latter's entry "า" from another word)."""
    problems, scripts, shaped, texts = [], set(), {}, {}
    for font in drawn_glyphs(pdf_path).values():
        name = font["postscript"]
        if name not in installed():
            problems.append(f"{font['base']}: made from {name!r}, which is not an installed font")
            continue
        cmap, order = source(name)
        texts.setdefault(name, {written}).update(font["text"].values())
        for gid in sorted(font["drawn"]):
            text = font["text"].get(gid, "")
            label = f"{font['base']} glyph {gid} for {text!r}"
            if gid == 0 or gid >= len(order) or gid >= font["glyphs"]:
                problems.append(f"{label}: .notdef or no such glyph in {name}")
                continue
            wanted = IGNORABLE.sub("", text)
            missing = [c for c in wanted if ord(c) not in cmap]
            if missing:
                problems.append(f"{label}: {name} has no {missing}")
                continue
            if gid not in {
                cmap[ord(c)] for c in wanted
            }:  # made by shaping; of a cluster's glyphs only the first has the text
                shaped.setdefault(name, []).append((label, gid))
            for c in wanted:
                if unicodedata.category(c).startswith("L") or unicodedata.category(c) == "So":
                    script = "EMOJI" if ord(c) >= 0x1F000 else unicodedata.name(c).split()[0]
                    scripts.add(script)
                    if script == "EMOJI" and kind(name) != "emoji":
                        problems.append(f"{label}: emoji drawn with {name}, not the emoji font")
                    if kind(name) in NOT_FROM.get(script, ()):
                        problems.append(f"{label}: {script.lower()} drawn with the {kind(name)} font {name}")
    for name, glyphs in shaped.items():
        closure = reachable(name, frozenset(texts[name]))
        problems += [f"{label}: not a glyph {name} makes of the text" for label, gid in glyphs if gid not in closure]
    return problems, scripts


EXPECTED_SCRIPTS = {
    "LATIN",
    "CYRILLIC",
    "GREEK",
    "ARABIC",
    "HEBREW",
    "DEVANAGARI",
    "THAI",
    "CJK",
    "HIRAGANA",
    "KATAKANA",
    "HANGUL",
    "EMOJI",
    "MATHEMATICAL",
}


def assert_glyphs_are_the_text(pdf: Path) -> None:
    problems, scripts = wrong_glyphs(pdf, chat_text())
    assert problems == []
    assert scripts >= EXPECTED_SCRIPTS


# -- the tests -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def one_process(archive_path) -> Path:
    """The matter's transcript from `textfile transcript`, rendered in this process."""
    out = archive_path.parent / "one.pdf"
    r = run(archive_path, "transcript", "2026-014", "--out", out, "--json")
    assert r.exit_code == 0, r.output
    made = json.loads(r.stdout)
    assert (made["messages"], made["render"]["processes"]) == (1 + 2 * len(SCRIPTS) * ROUNDS, 1)
    return out


def test_every_script_prints_as_itself_in_every_style(one_process):
    """Italic Arabic beside italic Latin printed as emoji faces and symbols: the real DejaVu Sans
    Oblique and DejaVu Sans lent to italic Arabic became one PDF font."""
    assert_glyphs_are_the_text(one_process)


def test_every_script_prints_as_itself_from_warm_pool_workers(archive_path, tmp_path):
    """The same through the worker pool: four chunks, two workers, so a worker whose fonts are warm
    from one chunk renders another."""
    from textfile.transcript import make_transcript

    with Archive.open(archive_path) as archive:
        made = make_transcript(
            archive, matter="2026-014", out=tmp_path / "pool.pdf", workers=2, chunk_size=2 * len(SCRIPTS) + 1
        )
    assert (made["chunks"], made["render"]["processes"]) == (ROUNDS, 2)  # the cover's document holds the first chunk's
    assert_glyphs_are_the_text(tmp_path / "pool.pdf")


def test_the_check_sees_a_glyph_drawn_from_the_wrong_font(one_process, tmp_path):
    """The check itself: the transcript with DejaVu Sans's glyph numbers drawn from the DejaVu Sans
    Oblique file (what the bug did to italic Arabic) is caught."""
    with pikepdf.open(one_process) as pdf:
        fonts = {str(f.BaseFont): f for page in pdf.pages for f in page.Resources.Font.values()}
        book = next(f for n, f in fonts.items() if n.endswith("+DejaVu-Sans"))
        oblique = next(f for n, f in fonts.items() if n.endswith("+DejaVu-Sans-Oblique"))
        book.DescendantFonts[0].FontDescriptor.FontFile2 = oblique.DescendantFonts[0].FontDescriptor.FontFile2
        book_name = str(book.BaseFont)
        pdf.save(tmp_path / "one.pdf")
    problems, _ = wrong_glyphs(tmp_path / "one.pdf", chat_text())
    assert problems and all(p.startswith(book_name + " glyph ") for p in problems)
    assert any("ARABIC" in unicodedata.name(c, "") for p in problems for c in p), problems
