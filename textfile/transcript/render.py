"""Messages to HTML (jinja2, autoescaped) to PDF (WeasyPrint), in chunks, in parallel.

WeasyPrint lays out one document in time and memory that grow with its length (MEASURED.md:
20,000 messages in one document take 98 s and 1.76 GB). A transcript is therefore rendered as
chunks of about a thousand messages, each a document of its own, by a pool of worker processes
(one per core); `pdf.py` joins them and stamps "Page X of Y" and the Bates number on every page
afterwards, so the chunks never need to know where they start. The first chunk opens with the
cover, whose page count and last Bates number are left as blank slots (`_slots` says where they
were laid out) and stamped in the same way. A chunk followed by another ends
on a page of its own: when that page would be mostly blank, the chunk's last few pages are laid
out again with their breaks placed so that each holds about as much (`_balanced`); the gap is
shared among them instead of left at one boundary, and the pages before are drawn as laid out.

A document may load nothing but the archive's own images (prepared by the worker, served from
memory) and the package's own files: `ArchiveFetcher` refuses every other URL, so a message body
that somehow became markup still could not reach the network or the file system.
WeasyPrint is imported here only, never when the CLI starts.

Fonts: the stylesheet names no emoji font and fontconfig falls back per character. A PDF font is
keyed by the face its glyphs come from (`key_fonts_by_face`), not by WeasyPrint's description of
the style asked for, so a face fontconfig lends to a style its family lacks (italic Arabic from
DejaVu Sans Book) is never drawn with another face's file; such a run prints upright or regular.
"""

from __future__ import annotations

import gc
import io
import logging
import math
import multiprocessing
import multiprocessing.connection
import os
import re
import resource
import signal
import sqlite3
import unicodedata
from collections.abc import Callable
from contextlib import contextmanager
from functools import lru_cache
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup

from textfile import processes, times
from textfile.errors import ProcessFailed
from textfile.model import INVISIBLE, REORDERING
from textfile.transcript.content import Job, load_chunk
from textfile.transcript.pdf import Bookmark, Slot

TEMPLATES = Path(str(resources.files("textfile.transcript") / "templates"))
BLOB_SCHEME = "textfile-blob:"
PACKAGE_SCHEME = "textfile-package:"
SLOTS = (
    "pages",
    "bates-last",
)  # the cover's fields drawn in when the page count is known (the template's `slot-…` elements)
CHUNKS_PER_WORKER = 25  # then a fresh worker: its caches grow a little, then level off (187 -> 191 MB over 14 chunks)
IMAGE_MAX_PX = 900  # longest side of an inline image: 3 in at 300 dpi
IMAGE_MIN_PX = (
    96  # CSS px (1 in): a smaller image is shown this big on its longest side, its pixels enlarged, not smoothed
)
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


def css_string(text: str) -> Markup:
    """A CSS string literal for any text: everything but letters, digits and spaces as \\hex escapes."""
    out = []
    for ch in str(text):
        if ch.isascii() and (ch.isalnum() or ch == " "):
            out.append(ch)
        else:
            out.append(f"\\{ord(ch):x} ")
    return Markup('"' + "".join(out) + '"')


def printable(text: str) -> str:
    """Control characters as their visible Control Pictures (a bell prints as ␇), CR LF as a line break."""
    text = text.replace("\r\n", "\n")
    return _CONTROL.sub(lambda m: chr(0x2421) if m.group() == "\x7f" else chr(0x2400 + ord(m.group())), text)


_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d(?::\d\d)? [+-]\d\d:\d\d")


def nowrap_times(text: str) -> Markup:
    """Text with every displayed time kept on one line."""
    out, last = [], 0
    for m in _TIME.finditer(text):
        out += [
            Markup.escape(text[last : m.start()]),
            Markup('<span class="nw">'),
            Markup.escape(m.group()),
            Markup("</span>"),
        ]
        last = m.end()
    out.append(Markup.escape(text[last:]))
    return Markup("").join(out)


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, trim_blocks=False)
    env.filters["css_string"] = css_string
    env.filters["nowrap_times"] = nowrap_times
    env.filters["visible"] = visible
    env.filters["isolated"] = isolated
    return env


def page_size(region: str) -> str:
    return "letter" if region.upper() in ("US", "CA", "MX", "PH", "CL", "CO", "VE") else "A4"


# -- what a document may load ---------------------------------------------------------------


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class ArchiveFetcher(URLFetcher):
        """Serves prepared archive images and the package's own files; refuses everything else."""

        def __init__(self, images: dict[str, tuple[bytes, str]] | None = None):
            super().__init__(allowed_protocols=())
            self.images = images if images is not None else {}
            self.refused: list[str] = []
            self.served: list[str] = []

        def fetch(self, url, headers=None):
            if url.startswith(BLOB_SCHEME) and url[len(BLOB_SCHEME) :] in self.images:
                data, mime = self.images[url[len(BLOB_SCHEME) :]]
                self.served.append(url)
                return URLFetcherResponse(url, data, {"Content-Type": mime})
            if url.startswith(PACKAGE_SCHEME):
                name = url[len(PACKAGE_SCHEME) :]
                if name in {p.name for p in TEMPLATES.iterdir()} and "/" not in name:
                    self.served.append(url)
                    return URLFetcherResponse(url, (TEMPLATES / name).read_bytes(), {"Content-Type": "text/css"})
            self.refused.append(url)
            raise ValueError(f"textfile transcripts load nothing from outside the archive: {url[:80]}")

    return ArchiveFetcher


def archive_fetcher(images: dict | None = None):
    return _fetcher_class()(images)


# -- images ---------------------------------------------------------------------------------


def prepare_image(data: bytes) -> tuple[bytes, str, tuple[int, int]] | None:
    """An image reduced to IMAGE_MAX_PX on its longest side, re-encoded (JPEG, or PNG with alpha),
    with its size in pixels; None when it cannot be decoded. WeasyPrint only ever sees images made here."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as im:
            im.draft("RGB", (IMAGE_MAX_PX, IMAGE_MAX_PX))
            im.seek(0)
            im.thumbnail((IMAGE_MAX_PX, IMAGE_MAX_PX))
            out = io.BytesIO()
            if im.mode in ("RGBA", "LA", "P") and ("transparency" in im.info or im.mode != "P"):
                im.convert("RGBA").save(out, "PNG", optimize=False)
                return out.getvalue(), "image/png", im.size
            if (
                max(im.size) < IMAGE_MIN_PX
            ):  # enlarged on the page: PNG keeps its few pixels sharp (JPEG would blur them)
                im.convert("RGB").save(out, "PNG", optimize=False)
                return out.getvalue(), "image/png", im.size
            im.convert("RGB").save(out, "JPEG", quality=85)
            return out.getvalue(), "image/jpeg", im.size
    except Exception:
        return None


def display_width(size: tuple[int, int]) -> int | None:
    """The CSS width (px) that shows a tiny image at IMAGE_MIN_PX on its longest side (its height
    follows, its proportions kept); None for an image big enough as it is."""
    width, height = size
    longest = max(width, height, 1)
    return math.ceil(width * IMAGE_MIN_PX / longest) if longest < IMAGE_MIN_PX else None


# -- fonts ------------------------------------------------------------------------------------


def key_fonts_by_face() -> None:
    """Make WeasyPrint tell the fonts of a document apart by the face their glyphs come from.

    WeasyPrint keys a PDF font by the Pango description of the font used, size left out. When a
    family's face of the style asked for lacks a character, fontconfig lends another face of the
    family and describes it in that style: DejaVu Sans Oblique has no Arabic, so italic Arabic is
    shaped with DejaVu Sans Book described as "DejaVu Sans Oblique" (bold "fancy" letters 𝖲𝖺𝗋𝖺𝗁
    likewise as "DejaVu Sans Bold"). Beside a run of the real face, both became one PDF font: one
    file, drawn with the other face's glyph numbers, so italic Arabic printed as emoji faces and
    symbols (glyph 5284 is an Arabic letter form in the Book face, a cat face in the Oblique one)
    while the text layer stayed right. Keyed by the face (its own description, with the font's
    variations), each glyph is drawn from the file it was shaped with, and a lent face shares its
    subset instead of embedding a copy. WeasyPrint does not slant or embolden a lent face: such a
    run prints upright or regular, in its own letters."""
    from weasyprint.pdf import stream
    from weasyprint.text.ffi import ffi, pango

    by_description = getattr(stream, "get_pango_font_key", None)
    if by_description is None or getattr(by_description, "by_face", False) or pango.pango_version() < 14600:
        return  # done; or a WeasyPrint that keys fonts otherwise, or a Pango without faces (tests/test_glyphs.py checks)
    ffi.cdef(
        """
        typedef struct _PangoFontFace PangoFontFace;
        PangoFontFace * pango_font_get_face (PangoFont *font);
        PangoFontDescription * pango_font_face_describe (PangoFontFace *face);
    """,
        override=True,
    )

    def by_face(pango_font):
        key, description, size = by_description(pango_font)
        face = pango.pango_font_get_face(pango_font)
        if face == ffi.NULL:
            return key, description, size
        own = ffi.gc(pango.pango_font_face_describe(face), pango.pango_font_description_free)
        if ffi.string(pango.pango_font_description_get_family(own)) != ffi.string(
            pango.pango_font_description_get_family(description)
        ):
            return key, description, size  # not the family Pango drew with: keep WeasyPrint's key
        variations = pango.pango_font_description_get_variations(description)
        if variations != ffi.NULL:
            pango.pango_font_description_set_variations(own, variations)
        pango.pango_font_description_unset_fields(own, pango.PANGO_FONT_MASK_SIZE + pango.PANGO_FONT_MASK_GRAVITY)
        return pango.pango_font_description_hash(own), own, size

    by_face.by_face = True
    stream.get_pango_font_key = by_face


# -- one process's rendering state ------------------------------------------------------------

_state: dict = {}


def init_worker(ctx: dict) -> None:
    """Per process: a read-only connection, the fonts and the parsed stylesheet, made once."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    key_fonts_by_face()
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    conn = None
    if ctx.get("archive"):
        conn = sqlite3.connect(Path(ctx["archive"]).as_uri() + "?mode=ro", uri=True, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout = 60000")
    fonts = FontConfiguration()
    fetcher = archive_fetcher()
    css = CSS(string=(TEMPLATES / "transcript.css").read_text(), font_config=fonts, url_fetcher=fetcher)
    close_worker()
    _state.update(ctx=ctx, conn=conn, fonts=fonts, css=css, tz=ZoneInfo(ctx["tz"]))


def close_worker() -> None:
    """Close this process's connection and forget its state. Until every connection to the archive
    is closed, SQLite does not fold the WAL back into the archive: the file alone would lack the
    transcript just recorded."""
    conn = _state.get("conn")
    _state.clear()
    if conn is not None:
        conn.close()


@contextmanager
def _collector_off():
    """The garbage collector is off while WeasyPrint works (layout allocates many small objects and
    frees them all at the end, MEASURED: -20%) and collects the document's garbage after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
    gc.collect()


def _layout(html: str, fetcher):
    from weasyprint import HTML

    return HTML(string=html, url_fetcher=fetcher, base_url=None).render(
        font_config=_state["fonts"], stylesheets=[_state["css"]]
    )


def _bookmarks(document, offset: int = 0, before: int | None = None) -> list[Bookmark]:
    """The document's outline entries, their pages counted from `offset`, for its pages before
    `before`, each at its own bookmark level: a day in a chunk that continues a conversation goes
    under that conversation when the parts are joined (a tree made per chunk would lift it to the top)."""
    return [
        Bookmark(level, label, n + offset)
        for n, page in enumerate(document.pages[:before])
        for level, label, _position, _state in page.bookmarks
    ]


# -- what a chunk shows -----------------------------------------------------------------------


# What text a message holds that would not be seen as it is: a character the source could not decode
# (U+FFFD), an object replacement character (U+FFFC: where the source had an object, an attachment,
# and which fonts draw as nothing), and the characters that change how the text around them is
# displayed (`INVISIBLE`: direction embeddings, overrides, isolates and marks, the zero-width space, the
# byte order mark). Each is shown as a mark where it stands; the invisible ones are not applied, so
# "invoice\u202efdp.exe" prints in the order it was written, "invoice⟦RLO⟧fdp.exe". An embedding,
# override or isolate, which can reorder whole words, is marked strongly; a mark, a zero-width space or a
# BOM lightly. The PDF's text holds the mark ("⟦RLO⟧") in place of the character, which the archive and
# the manifest's content hashes keep.
# Long text, laid out in time that grows with its length: WeasyPrint re-encodes the rest of a piece of
# text for each line it breaks from it, and Pango measures an unbroken run as one line (a run wider than
# 2^31 Pango units, about 400,000 letters, overflows and is drawn as one line off the page). So a run of
# more than RUN characters without a space gets a zero-width space, a place to break, every STEP
# characters (in the rendered HTML only: fonts draw nothing for it and a PDF's text does not hold it),
# and text longer than SLICE characters is given to WeasyPrint in pieces of at most SLICE, each cut after
# a space or such a break. Every mark is followed by one too: WeasyPrint breaks no line between two
# elements with no place to break between them, so a run of marks would run off the page. Such a run is
# an element of its own, set without ligatures (`.run`): HarfBuzz forms an "ffi" across a zero-width
# space, and WeasyPrint then writes that glyph into the PDF's text as nothing.
RUN = 30  # characters: a longer word is a URL, a blob, a run of ideographs; a word of prose is not broken
STEP = 10  # characters: a line of a long run ends at most this short of the margin; the widest fit in a table's narrowest column
SLICE = 400
_MARKS = {
    "\ufffd": Markup('<span class="bad">\ufffd\u200b</span>'),
    "\ufffc": Markup('<span class="obj">\ufffc\u200b</span>'),
    **{
        ch: Markup(f'<span class="ctl{"" if ch in REORDERING else " lt"}">⟦{short}⟧\u200b</span>')
        for ch, (short, _) in INVISIBLE.items()
    },
}
_SPACES = " \t\n\u1680\u2000-\u2006\u2008-\u200a\u2028\u2029\u205f\u3000"  # where a line may break (not U+00A0, U+2007, U+202F)
_MARKED = re.compile(f"([{''.join(_MARKS)}])")
_TO_DO = re.compile(f"[{''.join(_MARKS)}]|[^{_SPACES}]{{{RUN + 1}}}")
_RUN = re.compile(f"([^{_SPACES}]{{{RUN + 1},}})")
_PIECE = re.compile(f"[\\s\\S]{{0,{SLICE - 1}}}[{_SPACES}\u200b]")


def visible(text: str) -> str | Markup:
    """Text with every character that would not be seen marked where it stands, and long runs made
    places to break and cut in pieces (see above): what a transcript prints of any text of the archive."""
    if len(text) <= SLICE and not _TO_DO.search(text):
        return text
    out = []
    for n, part in enumerate(_MARKED.split(text)):
        if n % 2:
            out.append(_MARKS[part])
            continue
        for k, piece in enumerate(_RUN.split(part)):
            if k % 2:
                out.append(_pieces(_breakable(piece), Markup('<span class="run">')))
            elif piece:
                out.append(_pieces(piece))
    return Markup("").join(out)


_PLAIN_MARKS = str.maketrans({ch: f"⟦{short}⟧" for ch, (short, _) in INVISIBLE.items()})


def plain(text: str) -> str:
    """What a transcript prints of a text (`visible(printable(text))`) as plain text, for a terminal:
    control characters as their pictures (an escape sequence is shown, never run), each character of
    `INVISIBLE` as its mark where it stands, not applied; U+FFFD and U+FFFC as they are."""
    return printable(text).translate(_PLAIN_MARKS)


def _pieces(text: str, element: Markup | None = None) -> Markup:
    """Text of more than SLICE characters as elements of at most SLICE, each ending after a place to
    break; `element`: the one each piece is, also when there is one (side by side, never nested:
    WeasyPrint copies what is left of an element's children for every line it breaks from it)."""
    if len(text) <= SLICE and element is None:
        return Markup.escape(text)
    out, at = [], 0
    while at < len(text):
        piece = _PIECE.match(text, at) if len(text) - at > SLICE else None
        end = piece.end() if piece else min(at + SLICE, len(text))
        out.append((element or Markup("<span>")) + Markup.escape(text[at:end]) + Markup("</span>"))
        at = end
    return Markup("").join(out)


def _breakable(text: str) -> str:
    """A run of more than RUN characters without a space, with a zero-width space every STEP characters,
    where it parts no character from what belongs to it (a combining mark, a joined emoji, a flag's half)."""
    pieces, start, at = [], 0, STEP
    while at < len(text):
        while at < len(text) and not _may_part(text, at):
            at += 1
        if at >= len(text):
            break
        pieces.append(text[start:at])
        start, at = at, at + STEP
    pieces.append(text[start:])
    return "\u200b".join(pieces)


def _may_part(text: str, i: int) -> bool:
    """Whether a break between text[i - 1] and text[i] leaves every character with its own (roughly
    Unicode's grapheme clusters: no break before a combining mark, a variation selector, a skin tone or
    an emoji tag, around a zero-width joiner, after a virama, inside a Hangul syllable or a flag)."""
    before, c = text[i - 1], text[i]
    code = ord(c)
    if (
        unicodedata.category(c)[0] == "M"
        or "\u200d" in (before, c)
        or 0x1F3FB <= code <= 0x1F3FF
        or 0xE0020 <= code <= 0xE007F
        or 0x1160 <= code <= 0x11FF
        or 0xD7B0 <= code <= 0xD7FF
        or unicodedata.combining(before) == 9
    ):
        return False
    if (
        0x1F1E6 <= code <= 0x1F1FF and 0x1F1E6 <= ord(before) <= 0x1F1FF
    ):  # between two regional indicators: only after a whole flag
        k = i
        while k > 0 and 0x1F1E6 <= ord(text[k - 1]) <= 0x1F1FF:
            k -= 1
        return (i - k) % 2 == 0
    return True


def direction(text: str) -> str:
    """ "rtl" when the text's first strong character is right-to-left (Hebrew, Arabic…), "" when it is
    left-to-right or there is none: Unicode's rule P2, as `dir="auto"` decides (what stands between an
    isolate initiator and its PDI is skipped; a direction mark is not: it is shown, not applied, `visible`).
    WeasyPrint has no `dir="auto"` and no `unicode-bidi`: the template gives such a text its direction
    itself, never by adding a character to it."""
    depth = 0
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("LRI", "RLI", "FSI"):
            depth += 1
        elif kind == "PDI":
            depth = max(depth - 1, 0)
        elif depth == 0 and kind in ("L", "R", "AL") and ch not in INVISIBLE:
            return "" if kind == "L" else "rtl"
    return ""


def isolated(text: str) -> Markup:
    """A name or title as a run of its own, in its own direction: WeasyPrint shapes each element's
    text apart and places the runs of a line in order, so an element isolates what it holds (the
    separators of "דוד כהן; محمد علي" stay between the names) and dir="rtl" gives it its direction."""
    marked = Markup.escape(visible(text))
    return Markup('<span dir="rtl">') + marked + Markup("</span>") if direction(text) else marked


OMITTED_RUN_GAP_S = 300  # the most between two messages of one run of omitted attachments (`shown`): sent in one go


def _omission(m: dict) -> tuple | None:
    """What makes a message one of a run shown as one line: nothing but one attachment the export
    left out without a name (WhatsApp's "<Media omitted>", an iPhone export's "image omitted"), from
    the same sender, of the same kind and left out for the same reason."""
    if (
        m["body"]
        or m["marks"]
        or m["call"]
        or m["versions"]
        or m["reactions"]
        or m["delivered"]
        or m["read"]
        or m["reply_to"]
        or m["reply_outside"]
        or m["written"]
        or len(m["attachments"]) != 1
    ):
        return None
    a = m["attachments"][0]
    if a["name"] != "(no name)" or not a["missing"] or a["sha256"]:
        return None
    return (
        m["conversation"],
        m["direction"],
        m["sender_handle"],
        m["sender_name"],
        m["service"],
        a["mime"],
        a["missing"],
    )


def _time_span(first: str, last: str) -> str:
    """Two displayed times as one span: "2025-10-28 09:03:00–09:03:22 -04:00" on one day at one offset."""
    if first == last:
        return first
    if first[:11] == last[:11] and first[-6:] == last[-6:]:
        return f"{first[:-7]}–{last[11:]}"
    return f"{first} – {last}"


def shown(data: dict) -> list[dict]:
    """The chunk's messages as the template shows them: text made printable and undecodable characters
    marked, and a run of consecutive messages that are each one omitted, unnamed attachment (same
    sender, kind and reason, on one day, each within OMITTED_RUN_GAP_S of the one before, no other
    message between: a burst of photos an export left out) as one line with their numbers and the
    first and last time; `i` is each one's index in the list."""
    out: list[dict] = []
    run_key = None
    for m in data["messages"]:
        key = _omission(m)
        if (
            key is not None
            and key == run_key
            and not m["new_day"]
            and not m["continued"]
            and (times.from_iso(m["sent_at"]) - times.from_iso(out[-1]["sent_last"])).total_seconds()
            <= OMITTED_RUN_GAP_S
        ):
            run = out[-1]
            run["seq_last"], run["sent_last"], run["omitted_run"] = m["seq"], m["sent_at"], run["omitted_run"] + 1
            run["time"] = _time_span(run["time_first"], m["time"])
            continue
        run_key = key
        m["dir"] = direction(m["body"])
        m["body"] = visible(printable(m["body"]))
        for v in m["versions"]:
            v["dir"] = direction(v["body"])
            v["body"] = visible(printable(v["body"]))
        m["seq_last"], m["omitted_run"], m["i"], m["time_first"], m["sent_last"] = (
            None,
            1,
            len(out),
            m["time"],
            m["sent_at"],
        )
        out.append(m)
    return out


def chunk_html(
    messages: list[dict],
    conversations: dict,
    ctx: dict,
    files: list = (),
    start: int = 0,
    breaks: frozenset = frozenset(),
    cover: dict | None = None,
) -> str:
    """The chunk's document, or (`start`) the part of it from that message on, with a page break
    before each message in `breaks`; `files`: the conversations' files no message names (the last
    chunk); `cover`: the cover's facts (the first chunk: its messages begin on the cover's last page)."""
    parts = []
    for m in messages[start:]:
        first_of_part = not parts or parts[-1]["conv"]["id"] != m["conversation"]
        if first_of_part:
            conv = conversations[m["conversation"]]
            # a part that starts with the chunk's document starts a section; one cut from its middle goes on without a heading
            bare = not parts and start > 0 and messages[start - 1]["conversation"] == m["conversation"]
            parts.append(
                {
                    "conv": conv,
                    "continued": m["continued"],
                    "bare": bare,
                    "messages": [],
                    "break": m["i"] in breaks and not bare,
                }
            )
        m["break"] = "" if m["i"] not in breaks or parts[-1]["break"] else ("day" if m["new_day"] else "message")
        parts[-1]["messages"].append(m)
    return (
        environment()
        .get_template("transcript.html.j2")
        .render(
            cover=cover if not start else None,
            parts=parts,
            files=files,
            header=ctx["header"],
            title=ctx["title"],
            page_size=ctx["page_size"],
        )
    )


# -- a chunk's last pages, filled evenly -------------------------------------------------------------

GAP_OK = 0.15  # of a page left blank at a page's foot: no more than a long message pushed over leaves
BALANCE_PAGES = 6  # the most pages of a chunk's end laid out again to share its last page's gap


def _units(page) -> list[tuple[int, float, float]] | None:
    """(message index, top, bottom) of every message on a laid-out page, a message's headings counted
    with it (they are kept with it); None when the page is not laid out as a chunk's pages are."""
    try:
        body = page._page_box.children[0].children[0]
        out: list[tuple[int, float, float]] = []
        for section in body.children:
            heading_top = None
            for box in section.children:
                index = box.element.get("data-i") if box.element is not None and box.element_tag == "p" else None
                if index is None:
                    heading_top = box.position_y if heading_top is None else heading_top
                    continue
                out.append(
                    (
                        int(index),
                        box.position_y if heading_top is None else heading_top,
                        box.position_y + box.margin_height(),
                    )
                )
                heading_top = None
            if heading_top is not None:  # a heading at the foot of the page
                return None
        return out
    except (AttributeError, IndexError, ValueError):
        return None


def _capacity(page) -> tuple[float, float]:
    box = page._page_box
    return box.content_box_y(), box.height


def _shares(heights: list[float], pages: int, capacity: float) -> list[int] | None:
    """Where pages 2…`pages` start (indices into `heights`) so that every page holds about as much; None if they cannot."""
    breaks, start, remaining = [], 0, sum(heights)
    for k in range(pages - 1):
        target, used, i = remaining / (pages - k), 0.0, start
        while i < len(heights) and used + heights[i] <= capacity and (i == start or used + heights[i] / 2 <= target):
            used += heights[i]
            i += 1
        if i == start or i >= len(heights):
            return None
        breaks.append(i)
        remaining -= used
        start = i
    return breaks if remaining <= capacity else None


def _balanced(document, messages: list[dict], conversations: dict, ctx: dict, files: list, fetcher) -> list | None:
    """A chunk that ends on a page left mostly blank (the next chunk starts on a new page) has its
    last few pages laid out again with the breaks placed so that each holds about as much: the gap
    is shared among them, each a little shorter, as a long message pushed over would leave. The pages
    before them stand as laid out. Returns [(document, pages to take)], or None to keep it as it is."""
    pages = document.pages
    if len(pages) < 2:
        return None
    last = _units(pages[-1])
    if not last:
        return None
    top, height = _capacity(pages[-1])
    gap = 1 - (last[-1][2] - top) / height
    if gap <= GAP_OK:
        return None
    count = min(len(pages), BALANCE_PAGES, max(2, math.ceil(gap / 0.1)))
    units: list[tuple[int, float, float]] = []
    for page in pages[-count:]:
        found = _units(page)
        if not found or (units and found[0][0] <= units[-1][0]):  # a message split over two pages: leave it
            return None
        units += found
    heights = []
    for n, (_i, t, b) in enumerate(units):
        nxt = units[n + 1] if n + 1 < len(units) else None
        heights.append(nxt[1] - t if nxt is not None and nxt[1] > t else b - t)
    shares = _shares(
        heights, count, height - 12
    )  # (a forced break keeps nothing of a top margin: see .pb; 12 px to spare)
    if shares is None:
        return None
    tail = _layout(
        chunk_html(messages, conversations, ctx, files, units[0][0], frozenset(units[n][0] for n in shares)), fetcher
    )
    if len(tail.pages) != count:
        return None
    return [(document, len(pages) - count), (tail, count)]


def _slots(document) -> dict[str, Slot]:
    """Where the cover's slots are (`slot-…` elements, empty inline blocks whose foot is on the baseline),
    by name, in PDF points."""
    found: dict[str, Slot] = {}
    for n, page in enumerate(document.pages):
        todo = [page._page_box]
        while todo and len(found) < len(SLOTS):
            box = todo.pop()
            element = box.element
            if element is not None and (element.get("id") or "").startswith("slot-") and box.element_tag == "span":
                found[element.get("id")[5:]] = Slot(
                    n,
                    box.position_x * 0.75,
                    (box.position_y + box.margin_height()) * 0.75,
                    box.style["font_size"] * 0.75,
                )
            else:
                todo.extend(getattr(box, "children", ()))
    return found


def render_job(job: Job) -> dict:
    ctx = _state["ctx"]
    data = load_chunk(_state["conn"], job, _state["tz"], ctx["media"], ctx["owner"])
    images, widths = {}, {}
    if ctx["media"]:
        wanted = {a["sha256"] for m in data["messages"] for a in m["attachments"] if a["inline"]}
        for sha in wanted:
            row = _state["conn"].execute("SELECT data FROM blobs WHERE sha256 = ?", (sha,)).fetchone()
            prepared = prepare_image(row[0]) if row else None
            if prepared:
                images[sha] = prepared[:2]
                widths[sha] = display_width(prepared[2])
        for m in data["messages"]:
            for a in m["attachments"]:
                if a["inline"] and a["sha256"] not in images:
                    a["inline"] = False
                    a["omitted"] = "image could not be decoded; not shown"
                a["width"] = widths.get(a["sha256"])
    messages = shown(data)
    fetcher = archive_fetcher(images)
    parts, marks, pages = [], [], 0
    with _collector_off():
        document = _layout(chunk_html(messages, data["conversations"], ctx, data["files"], cover=job.cover), fetcher)
        slots = _slots(document) if job.cover else {}
        pieces = (
            _balanced(document, messages, data["conversations"], ctx, data["files"], fetcher) if job.balance else None
        ) or [(document, len(document.pages))]
        for n, (laid_out, take) in enumerate(pieces):
            selected = laid_out if take == len(laid_out.pages) else laid_out.copy(laid_out.pages[:take])
            part = (
                Path(ctx["parts"]) / f"part-{job.index:05d}-{n}.pdf"
            )  # to disk: the main process reads parts lazily when joining
            fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fp:
                fp.write(selected.write_pdf(pdf_variant="pdf/a-3b"))
            parts.append(str(part))
            marks += _bookmarks(laid_out, pages, take)
            pages += take
        del document, pieces, laid_out, selected
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "index": job.index,
        "parts": parts,
        "pages": pages,
        "bookmarks": marks,
        "slots": slots,
        "digest": data["digest"],
        "missing": data["missing"],
        "refused": fetcher.refused,
        "messages": len(job.rowids),
        "pid": os.getpid(),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),
        "cpu_s": usage.ru_utime + usage.ru_stime,
    }


class Renderer:
    """Where the documents of a transcript are rendered: in this process (a small transcript, or one
    worker), or by worker processes (one per core) that each render document after document.

    A worker renders up to CHUNKS_PER_WORKER documents, then ends and the next document goes to a
    fresh one: its fonts, Pango's caches and WeasyPrint's are warm from its second chunk on (a
    fresh process per chunk cost ~0.5 s of CPU each), and this process never imports WeasyPrint
    when there are workers: the cover is the first chunk's beginning.

    The workers are started here rather than by `multiprocessing.Pool`, which starts a new worker
    for every one that dies, for ever: a worker that could not start (a package it could not
    import, a library missing) hung the command while each attempt printed a traceback. Here a
    worker that cannot start, or dies, ends the transcript with one `ProcessFailed`; the others are
    stopped by `__exit__`. (concurrent.futures' pool fails fast too, but with max_tasks_per_child
    it stops replacing the workers that ended and waits for ever: CPython gh-115634, 3.11 to 3.13.)"""

    def __init__(self, ctx: dict, workers: int):
        self.ctx, self.size, self.limit = ctx, workers, CHUNKS_PER_WORKER
        self.workers: list[_Worker] = []  # started and not ended
        self.idle: list[_Worker] = []
        self.mp = None
        if workers <= 1:
            init_worker(ctx)
            return
        method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
        self.mp = multiprocessing.get_context(method)
        if method == "forkserver":
            # The server imports these once and forks the workers. ("__main__" would spare each
            # worker running the main script again, but until CPython gh-126631 the server never
            # got its path: each worker runs it, ~30 ms for the CLI's.)
            self.mp.set_forkserver_preload(["__main__", "textfile.transcript.preload"])
        try:
            for _ in range(workers):  # they set up while this process goes on
                self.idle.append(self._start())
        except BaseException:
            self._stop()
            raise

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if self.mp is None:
            close_worker()
        elif exc_type is None:
            for worker in self.workers:
                worker.conn.close()  # no more documents: each closes its connection and ends
            for worker in self.workers:
                worker.process.join()
        else:  # a killed worker's read-only connection leaves nothing behind; the main process's closes last
            self._stop()

    def _start(self) -> _Worker:
        mine, theirs = self.mp.Pipe()
        process = self.mp.Process(
            target=_serve, args=(theirs, self.ctx, self.limit), daemon=True, name="textfile-renderer"
        )
        try:
            processes.start(process)
        except (
            Exception
        ) as exc:  # no folder for the forkserver's socket, a process limit, a server that could not start
            raise ProcessFailed(
                f"a rendering process could not start ({type(exc).__name__}: {exc}); nothing was written"
            ) from None
        finally:
            theirs.close()
        worker = _Worker(process, mine)
        self.workers.append(worker)
        return worker

    def _stop(self) -> None:
        for worker in self.workers:
            worker.process.terminate()
        for worker in self.workers:
            worker.process.join()
        self.workers.clear()

    def _map(self, function, items: list):
        """function(item) for every item, by the workers, each taking one at a time; the results in order."""
        todo = list(enumerate(items))[::-1]
        busy: dict[_Worker, int] = {}
        results: dict[int, object] = {}
        given = 0
        while todo or busy:
            while todo and len(busy) < self.size:
                worker = self.idle.pop() if self.idle else self._start()
                index, item = todo.pop()
                busy[worker] = index
                worker.send((function, item))
            ready = multiprocessing.connection.wait([w.conn for w in busy] + [w.process.sentinel for w in busy])
            for worker in [w for w in busy if w.conn in ready or w.process.sentinel in ready]:
                kind, value = worker.receive()
                if kind == "ready":
                    continue
                if kind == "error":
                    raise value
                results[busy.pop(worker)] = value
                worker.rendered += 1
                if worker.rendered < self.limit:
                    self.idle.append(worker)
                else:  # it ends by itself
                    worker.process.join()
                    self.workers.remove(worker)
            while given in results:
                yield results.pop(given)
                given += 1

    def chunks(self, jobs: list[Job], progress: Callable[[int], None] | None = None) -> list[dict]:
        """Every chunk rendered, results in order."""
        done = 0
        results: list[dict] = []
        for result in map(render_job, jobs) if self.mp is None else self._map(render_job, jobs):
            results.append(result)
            done += result["messages"]
            if progress:
                progress(done)
        return results


class _Worker:
    """A rendering process and this process's end of the pipe to it."""

    def __init__(self, process, conn):
        self.process, self.conn = process, conn
        self.started = False  # it said it was ready
        self.rendered = 0

    def send(self, task) -> None:
        try:
            self.conn.send(task)
        except OSError:  # it has ended already: waiting for it tells how
            pass

    def receive(self) -> tuple[str, object]:
        """What the worker said, or ProcessFailed when it ended without a word. Called when its pipe
        can be read or the process has ended."""
        try:
            if self.conn.poll():  # what it said before it ended is still there
                kind, value = self.conn.recv()
                if kind == "ready":
                    self.started = True
                elif kind == "failed":
                    raise ProcessFailed(f"a rendering process could not start ({value}); nothing was written")
                return kind, value
        except (EOFError, OSError):
            pass
        self.process.join()
        code = self.process.exitcode
        how = f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"
        if self.started:
            raise ProcessFailed(f"a rendering process ended unexpectedly ({how}); nothing was written")
        raise ProcessFailed(f"a rendering process could not start ({how}); nothing was written")


def _serve(conn, ctx: dict, limit: int) -> None:
    """A rendering worker: set up once, say so, then render what it is sent until it has rendered
    `limit` documents or is told there is nothing more (its pipe closed)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle: it ends us
    try:
        try:
            init_worker(ctx)
        except Exception as exc:  # fonts, a library WeasyPrint needs, the archive: the reason, in one line
            conn.send(("failed", f"{type(exc).__name__}: {exc}"))
            return
        gc.freeze()  # what a worker holds for its life is no garbage: the collection after each chunk skips it
        conn.send(("ready", None))
        for _ in range(limit):
            try:
                function, item = conn.recv()
            except EOFError:
                return
            try:
                result = ("done", function(item))
            except Exception as exc:
                result = ("error", exc)
            conn.send(result)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the main process is gone (killed): nobody to tell, nothing left to do; no traceback on its terminal
    finally:
        close_worker()


def default_workers() -> int:
    return max(1, min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1), 8))
