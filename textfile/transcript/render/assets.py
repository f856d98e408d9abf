"""What a document may load, and the fonts it is drawn with.

A document may load nothing but the archive's own images (prepared by the worker, served from
memory) and the package's own files: `ArchiveFetcher` refuses every other URL, so a message body
that somehow became markup still could not reach the network or the file system.

Fonts: the stylesheet names no emoji font and fontconfig falls back per character. A PDF font is
keyed by the face its glyphs come from (`key_fonts_by_face`), not by WeasyPrint's description of
the style asked for, so a face fontconfig lends to a style its family lacks (italic Arabic from
DejaVu Sans Book) is never drawn with another face's file; such a run prints upright or regular.
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import NamedTuple

from textfile.transcript.render.document import TEMPLATES

BLOB_SCHEME = "textfile-blob:"
PACKAGE_SCHEME = "textfile-package:"
IMAGE_MAX_PX = 900  # longest side of an inline image: 3 in at 300 dpi
IMAGE_MIN_PX = (
    96  # CSS px (1 in): a smaller image is shown this big on its longest side, its pixels enlarged, not smoothed
)


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


class Prepared(NamedTuple):
    """An image as a document shows it: its bytes, their type, its size in pixels."""

    data: bytes
    mime: str
    size: tuple[int, int]


def prepare_image(data: bytes) -> Prepared | None:
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
                return Prepared(out.getvalue(), "image/png", im.size)
            if (
                max(im.size) < IMAGE_MIN_PX
            ):  # enlarged on the page: PNG keeps its few pixels sharp (JPEG would blur them)
                im.convert("RGB").save(out, "PNG", optimize=False)
                return Prepared(out.getvalue(), "image/png", im.size)
            im.convert("RGB").save(out, "JPEG", quality=85)
            return Prepared(out.getvalue(), "image/jpeg", im.size)
    except Exception:
        return None


def display_width(size: tuple[int, int]) -> int | None:
    """The CSS width (px) that shows a tiny image at IMAGE_MIN_PX on its longest side (its height
    follows, its proportions kept); None for an image big enough as it is."""
    width, height = size
    longest = max(width, height, 1)
    return math.ceil(width * IMAGE_MIN_PX / longest) if longest < IMAGE_MIN_PX else None


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


def reuse_emoji_images() -> None:
    """Make WeasyPrint build each colour emoji's image once per process, not at every occurrence.

    WeasyPrint 70 makes a `RasterImage` for every bitmap emoji it draws (`draw.text.draw_first_line`),
    and that constructor encodes the glyph's PNG again (a palette PNG is converted, then saved):
    ~1.2 ms an emoji, so a chat with two emoji a message cost 2.25x a plain one (MEASURED, issue 17).
    The image depends only on the glyph (its id is the font's hash and the glyph's number) and its
    PNG bytes, and WeasyPrint already writes one image per id into a PDF: one image per glyph serves
    every occurrence. Only the call draw/text.py makes (three arguments, PNG bytes) is memoized, any
    other goes through; a WeasyPrint without that call is left as it is (tests/test_emoji_images.py
    fails when the internal moves, so the memo cannot silently stop working)."""
    from weasyprint import images
    from weasyprint.draw import text

    made = getattr(text, "RasterImage", None)
    if made is None or getattr(made, "reused", False) or made is not getattr(images, "RasterImage", None):
        return
    memo: dict[tuple[str, bytes], object] = {}

    def raster_image(pillow_image, image_id, image_data=None, *args, **kwargs):
        if args or kwargs or not isinstance(image_data, bytes):
            return made(pillow_image, image_id, image_data, *args, **kwargs)
        key = (image_id, image_data)
        image = memo.get(key)
        if image is None:
            if len(memo) >= EMOJI_IMAGES:
                memo.clear()
            image = memo[key] = made(pillow_image, image_id, image_data)
        return image

    raster_image.reused = True
    text.RasterImage = raster_image


EMOJI_IMAGES = 4096  # distinct glyph images kept per process (an emoji font has about 3,700)


def page_stylesheets(own: Path):
    """The fonts (keyed by face, emoji images made once: as transcripts) and the stylesheets of a PDF
    laid out like a transcript (a review report, a disposal certificate): the transcripts' page and
    cover, then its `own`."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    key_fonts_by_face()
    reuse_emoji_images()
    fonts, fetcher = FontConfiguration(), archive_fetcher()
    sheets = [
        CSS(string=path.read_text(), font_config=fonts, url_fetcher=fetcher)
        for path in (TEMPLATES / "transcript.css", TEMPLATES / "cover.css", own)
    ]
    return fonts, sheets
