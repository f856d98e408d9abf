"""One process's rendering state, and laying out a document with it.

WeasyPrint is imported here and in `assets.py` only, inside the functions that use it, never when the
CLI starts. Each process that renders makes once its read-only connection to the archive, its
fonts and the parsed stylesheets, and closes the connection when it is done.
"""

from __future__ import annotations

import gc
import io
import logging
import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

from textfile.transcript.render import cache
from textfile.transcript.render.assets import archive_fetcher, key_fonts_by_face, reuse_emoji_images
from textfile.transcript.render.document import TEMPLATES

_state: dict = {}


def init_worker(ctx: dict) -> None:
    """Per process: a read-only connection, the fonts and the parsed stylesheets (the message pages',
    the cover's), made once."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    key_fonts_by_face()
    reuse_emoji_images()
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    conn = None
    if ctx.get("archive"):
        conn = sqlite3.connect(Path(ctx["archive"]).as_uri() + "?mode=ro", uri=True, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout = 60000")
    fonts = FontConfiguration()
    fetcher = archive_fetcher()
    css, cover_css = (
        CSS(string=(TEMPLATES / name).read_text(), font_config=fonts, url_fetcher=fetcher)
        for name in ("transcript.css", "cover.css")
    )
    close_worker()
    _state.update(ctx=ctx, conn=conn, fonts=fonts, css=css, cover_css=cover_css, tz=ZoneInfo(ctx["tz"]))
    if ctx.get("cache"):
        _state.update(cache=cache.Cache(ctx["cache"], ctx["cache_seal"]), fingerprint=cache.fingerprint())


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


FONT_TIME = "0"  # SOURCE_DATE_EPOCH while a PDF is written: the time a re-saved font says it was modified


@contextmanager
def fonts_undated():
    """While WeasyPrint writes a PDF, fontTools dates each font it saves anew (an emoji font without
    its images, a variable font made static) with SOURCE_DATE_EPOCH, else the clock: set to a fixed
    time, so the same document gives the same bytes at any hour, rendered or taken from the cache."""
    before = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = FONT_TIME
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = before


def written(document, catalog: bool) -> bytes:
    """A part's PDF. The part that gives the joined document its catalog (`catalog`: the cover's) is
    PDF/A-3b: XMP metadata declaring it, the sRGB output intent, an /ID. Every other part is written
    plain, without the variant (it adds nothing to a page but /F 4 on its annotations, which the
    joining sets: `pdf.assemble`), and uncompressed, then compressed once by pikepdf here, in the
    rendering process: the joining copies compressed streams as they are, so the main process
    neither compresses nor holds them uncompressed, and a part taken from the cache costs nothing
    more (issue 17, 20,000 messages: 0.92x CPU against WeasyPrint's PDF/A, compressed). Its fonts are
    dated FONT_TIME (`fonts_undated`)."""
    with fonts_undated():
        return _written(document, catalog)


def _written(document, catalog: bool) -> bytes:
    """`written`, its fonts undated."""
    if catalog:
        return document.write_pdf(pdf_variant="pdf/a-3b")
    import pikepdf

    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(document.write_pdf(uncompressed_pdf=True))) as pdf:
        pdf.save(out, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue()


def _layout(html: str, fetcher, cover: bool = False):
    """The document laid out with the message pages' stylesheet, and the cover's after it when it
    holds the cover (`cover`): a chunk's cascade matches only the rules its elements can use (issue 17:
    ~0.99x CPU a chunk, within the noise of a whole transcript)."""
    from weasyprint import HTML

    return HTML(string=html, url_fetcher=fetcher, base_url=None).render(
        font_config=_state["fonts"], stylesheets=[_state["css"], _state["cover_css"]] if cover else [_state["css"]]
    )
