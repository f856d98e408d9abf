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

import os
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import NamedTuple

from jinja2 import Environment, FileSystemLoader

TEMPLATES = Path(str(resources.files("textfile.review") / "templates"))


CHUNK = 100  # flags per document laid out: WeasyPrint's memory grows with a document's length (~180 MB for 100)


class Rendered(NamedTuple):
    """The laid-out report: its parts (PDF files, the first PDF/A-3b), its pages, where the cover's
    slots are, its outline, and what it was refused."""

    parts: list[str]
    pages: int
    slots: dict
    bookmarks: list
    refused: list[str]


@lru_cache(maxsize=1)
def environment() -> Environment:
    from textfile.transcript.render.text import css_string, isolated, nowrap_times, visible

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True)
    env.filters.update(css_string=css_string, isolated=isolated, nowrap_times=nowrap_times, visible=visible)
    return env


def html(page: dict, flags: list[dict], cover: bool) -> str:
    """One document of the report: the cover and the first flags, or the flags of a later chunk."""
    return environment().get_template("review.html.j2").render(**page | {"flags": flags, "cover": cover})


def slot_widths(prefix: str, first_number: int) -> dict:
    """How wide (em) the cover leaves its page count's and last Bates number's slots: more than there can be."""
    from textfile.transcript import pdf

    widest = 10 ** max(7, len(str(first_number)) + 1) - 1
    return {
        "pages": round(pdf.text_width(f"{widest:,}", 1), 3),
        "bates_last": round(pdf.text_width(pdf.bates(prefix, widest), 1), 3),
    }


def render(page: dict, folder: str) -> Rendered:
    """The report laid out with the transcripts' stylesheets and its own, CHUNK flags a document (the
    first with the cover, PDF/A-3b; the others plain), each written to `folder` as it is done."""
    from weasyprint import HTML

    from textfile.transcript.render import archive_fetcher
    from textfile.transcript.render.assets import page_stylesheets
    from textfile.transcript.render.chunk import _bookmarks, _slots
    from textfile.transcript.render.layout import _collector_off, written

    fonts, sheets = page_stylesheets(TEMPLATES / "review.css")
    fetcher = archive_fetcher()
    flags = page["flags"]
    parts, pages, slots, marks = [], 0, {}, []
    for k, start in enumerate(range(0, max(len(flags), 1), CHUNK)):
        with _collector_off():
            laid_out = HTML(
                string=html(page, flags[start : start + CHUNK], k == 0), url_fetcher=fetcher, base_url=None
            ).render(font_config=fonts, stylesheets=sheets)
            if k == 0:
                slots = _slots(laid_out)
            marks += _bookmarks(laid_out, pages)
            part = Path(folder) / f"part-{k:05d}.pdf"
            fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fp:
                fp.write(written(laid_out, catalog=k == 0))
            parts.append(str(part))
            pages += len(laid_out.pages)
            del laid_out
    return Rendered(parts, pages, slots, marks, list(fetcher.refused))


def finished(rendered: Rendered, prefix: str, first_number: int, manifest_bytes: bytes):
    """The report's document (pikepdf): its parts joined (`pdf.assemble`: the first's catalog, PDF/A-3b),
    its outline, page and Bates numbers on every page, the cover's slots drawn in, the manifest
    attached. The parts are read until the document is saved."""
    from textfile.review.pdf import manifest
    from textfile.transcript import pdf

    last = first_number + rendered.pages - 1
    drawn = {"pages": f"{rendered.pages:,}", "bates-last": pdf.bates(prefix, last)}
    document = pdf.assemble(rendered.parts)
    pdf.bookmarks(document, rendered.bookmarks)
    pdf.stamp(document, prefix, first_number, [(slot, drawn[name]) for name, slot in rendered.slots.items()])
    pdf.attach(document, manifest.NAME, manifest_bytes, manifest.DESCRIPTION)
    return document
