"""Messages to HTML (jinja2, autoescaped) to PDF (WeasyPrint), in chunks, in parallel.

A transcript is rendered as chunks of about a thousand messages, each a document of its own, by a
pool of worker processes (`workers.py`); each chunk's data is read and laid out (`chunk.py`, in a
process set up once: `layout.py`) from its HTML (`document.py`), with every text printed as the
transcript prints it (`text.py`), loading nothing but the archive's images and the package's
files (`assets.py`), and its last pages filled evenly (`balance.py`). `pdf.py` joins the chunks.
"""

from textfile.transcript.render.assets import archive_fetcher, display_width
from textfile.transcript.render.chunk import SLOTS
from textfile.transcript.render.document import TEMPLATES, chunk_html, page_size, shown
from textfile.transcript.render.layout import init_worker
from textfile.transcript.render.text import plain, visible
from textfile.transcript.render.workers import Renderer, default_workers

__all__ = [  # what the making of a transcript, `conversation show`, search and the benchmarks use
    "SLOTS",
    "TEMPLATES",
    "Renderer",
    "archive_fetcher",
    "chunk_html",
    "default_workers",
    "display_width",
    "init_worker",
    "page_size",
    "plain",
    "shown",
    "visible",
]
