"""The report laid out and finished: HTML (jinja2, autoescaped) to PDF/A-3b (WeasyPrint), then the
transcripts' stamping (pikepdf: `transcript.pdf`).

A report is one document, laid out in this process: it lists flags, not a matter's every message, so
none of the transcripts' chunks and workers are needed. It is drawn as transcripts are: their
stylesheets (transcript.css for the page, the fonts and the marks of text; cover.css for the cover),
then the report's own (review.css); the same fonts keyed by face and the same fetcher, which loads
nothing (a message that somehow became markup could reach neither the network nor the disk). The
cover leaves blank slots for its page count and last Bates number (`render.chunk._slots` finds
them), drawn in with "Page X of Y" and the Bates number on every page (`pdf.stamp`); the manifest is
attached as a PDF/A-3 associated file (`pdf.attach`).
"""

from __future__ import annotations

import io
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import NamedTuple

from jinja2 import Environment, FileSystemLoader

TEMPLATES = Path(str(resources.files("textfile.review") / "templates"))


class Rendered(NamedTuple):
    """The laid-out report: its PDF/A bytes, its pages, where the cover's slots are, what it was refused."""

    data: bytes
    pages: int
    slots: dict
    refused: list[str]


@lru_cache(maxsize=1)
def environment() -> Environment:
    from textfile.transcript.render.text import css_string, isolated, nowrap_times, visible

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True)
    env.filters.update(css_string=css_string, isolated=isolated, nowrap_times=nowrap_times, visible=visible)
    return env


def html(page: dict) -> str:
    return environment().get_template("review.html.j2").render(**page)


def slot_widths(prefix: str, first_number: int) -> dict:
    """How wide (em) the cover leaves its page count's and last Bates number's slots: more than there can be."""
    from textfile.transcript import pdf

    widest = 10 ** max(7, len(str(first_number)) + 1) - 1
    return {
        "pages": round(pdf.text_width(f"{widest:,}", 1), 3),
        "bates_last": round(pdf.text_width(pdf.bates(prefix, widest), 1), 3),
    }


def render(document_html: str) -> Rendered:
    """The report laid out with the transcripts' stylesheets and its own, written as PDF/A-3b."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from textfile.transcript.render import TEMPLATES as TRANSCRIPT_TEMPLATES
    from textfile.transcript.render import archive_fetcher
    from textfile.transcript.render.assets import key_fonts_by_face, reuse_emoji_images
    from textfile.transcript.render.chunk import _slots
    from textfile.transcript.render.layout import _collector_off

    key_fonts_by_face()
    reuse_emoji_images()
    fonts, fetcher = FontConfiguration(), archive_fetcher()
    sheets = [
        CSS(string=(folder / name).read_text(), font_config=fonts, url_fetcher=fetcher)
        for folder, name in (
            (TRANSCRIPT_TEMPLATES, "transcript.css"),
            (TRANSCRIPT_TEMPLATES, "cover.css"),
            (TEMPLATES, "review.css"),
        )
    ]
    with _collector_off():
        laid_out = HTML(string=document_html, url_fetcher=fetcher, base_url=None).render(
            font_config=fonts, stylesheets=sheets
        )
        slots = _slots(laid_out)
        data = laid_out.write_pdf(pdf_variant="pdf/a-3b")
        pages = len(laid_out.pages)
        del laid_out
    return Rendered(data, pages, slots, list(fetcher.refused))


def finished(rendered: Rendered, prefix: str, first_number: int, manifest_bytes: bytes):
    """The report's document (pikepdf): page and Bates numbers on every page, the cover's slots drawn
    in, the manifest attached."""
    import pikepdf

    from textfile.review.pdf import manifest
    from textfile.transcript import pdf

    last = first_number + rendered.pages - 1
    drawn = {"pages": f"{rendered.pages:,}", "bates-last": pdf.bates(prefix, last)}
    document = pikepdf.open(io.BytesIO(rendered.data))
    pdf.stamp(document, prefix, first_number, [(slot, drawn[name]) for name, slot in rendered.slots.items()])
    pdf.attach(document, manifest.NAME, manifest_bytes, manifest.DESCRIPTION)
    return document
