"""The appendices after the messages: the notes to file and the privilege log, and the privileged
notes when asked for; each a document of its own, rendered as a chunk is (in a rendering process,
or in this one), written as parts that join after the messages' (`content/notes.py` says what they
hold). Every page of a transcript showing privileged notes says "PRIVILEGED & CONFIDENTIAL" first in
its running header; the privileged appendix's pages add their own label, "ATTORNEY WORK PRODUCT"
(`joining.running_headers`), and say "Privileged & Confidential — attorney work product" at the
foot of each page (its margin box).
"""

from __future__ import annotations

import os
import resource
from pathlib import Path

from textfile.transcript.content.notes import PRIVILEGED_HEADING, Appendix
from textfile.transcript.pdf import Bookmark
from textfile.transcript.render.assets import archive_fetcher
from textfile.transcript.render.document import environment
from textfile.transcript.render.layout import _collector_off, _layout, _state, written

LABEL = " · ATTORNEY WORK PRODUCT"  # the privileged appendix's running header, after the matter


def documents(appendix: Appendix, page_size: str, log_name: str | None) -> list[dict]:
    """The appendices' documents to render, in order: the notes and the privilege log, then the
    privileged notes (each only when it holds something)."""
    template = environment().get_template("notes.html.j2")
    out = []
    if appendix.shown or appendix.log:
        html = template.render(
            part="notes",
            page_size=page_size,
            shown=appendix.shown,
            log=appendix.log,
            log_name=log_name,
            of_client=appendix.of_client,
        )
        out.append({"name": "notes", "html": html, "label": None})
    if appendix.privileged:
        html = template.render(
            part="privileged",
            page_size=page_size,
            shown=appendix.privileged,
            heading=PRIVILEGED_HEADING,
            of_client=appendix.of_client,
        )
        out.append({"name": "privileged", "html": html, "label": LABEL})
    return out


def render_document(item: dict) -> dict:
    """One appendix laid out and written as one part, with what joining needs of it (as a chunk's
    result: its pages, bookmarks, no conversations; `label`, its pages' running header)."""
    ctx = _state["ctx"]
    with _collector_off():
        document = _layout(item["html"], archive_fetcher())
        fd, path = _part(Path(ctx["parts"]), item["name"])
        with os.fdopen(fd, "wb") as fp:
            fp.write(written(document, catalog=False))
        pages = len(document.pages)
        marks = [
            Bookmark(level, label, n)
            for n, page in enumerate(document.pages)
            for level, label, _position, _open in page.bookmarks
        ]
        del document
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "cached": False,
        "parts": [str(path)],
        "pages": pages,
        "bookmarks": marks,
        "conversations": [[] for _ in range(pages)],
        "label": item["label"],
        "slots": {},
        "refused": [],
        "messages": 0,
        "pid": os.getpid(),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),
        "cpu_s": usage.ru_utime + usage.ru_stime,
    }


def _part(folder: Path, name: str) -> tuple[int, Path]:
    path = folder / f"appendix-{name}.pdf"
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), path
