"""The running headers, laid out once: one small document, one page per label.

A page's running header (the client and matter; any text: an Arabic matter title, a CJK client
name) was a margin box of every chunk's pages, laid out again on each of them. It is now laid
out once per label, by WeasyPrint, in a document of its own with the pages' size, margins and
font (`headers.html.j2`), and each of its pages is drawn over the joined document's pages that
bear that label (`pdf.running_headers`): the chunks' pages hold no header, so a chunk's bytes do
not depend on the transcript it is part of (issue 17, 20,000 messages: 0.97x CPU).
"""

from __future__ import annotations

import os
import tempfile

from textfile.transcript.render.assets import archive_fetcher
from textfile.transcript.render.document import environment
from textfile.transcript.render.layout import _collector_off, _layout, _state, fonts_undated


def headers_html(labels: list[str], page_size: str) -> str:
    return environment().get_template("headers.html.j2").render(labels=labels, page_size=page_size)


def render_headers(labels: list[str]) -> str:
    """The labels' document (page k: label k, as the margin box drew it), written plain to the parts'
    folder: its path. Run in a rendering process (`Renderer.headers`)."""
    ctx = _state["ctx"]
    with _collector_off():
        document = _layout(headers_html(labels, ctx["page_size"]), archive_fetcher())
        if len(document.pages) != len(labels):  # (each label's page is made by an element of its own)
            raise RuntimeError(f"the running headers were laid out on {len(document.pages)} pages, not {len(labels)}")
        fd, path = tempfile.mkstemp(prefix="headers-", suffix=".pdf", dir=ctx["parts"])  # (0600)
        with os.fdopen(fd, "wb") as fp:
            with fonts_undated():
                fp.write(document.write_pdf(uncompressed_pdf=True))
        del document
    return path
