"""One chunk rendered: its data read, its images prepared, laid out, its parts written to disk.

The first chunk opens with the cover, whose page count and last Bates number are left as blank
slots (`_slots` says where they were laid out) and stamped when the parts are joined (`pdf.py`).
"""

from __future__ import annotations

import os
import resource
from pathlib import Path

from textfile.transcript.content import Job, load_chunk
from textfile.transcript.pdf import Bookmark, Slot
from textfile.transcript.render.assets import archive_fetcher, display_width, prepare_image
from textfile.transcript.render.balance import Taken, _balanced
from textfile.transcript.render.cache import key
from textfile.transcript.render.document import chunk_html, shown
from textfile.transcript.render.layout import _collector_off, _layout, _state, written

SLOTS = (
    "pages",
    "bates-last",
)  # the cover's fields drawn in when the page count is known (the template's `slot-…` elements)


def _bookmarks(document, offset: int = 0, before: int | None = None) -> list[Bookmark]:
    """The document's outline entries, their pages counted from `offset`, for its pages before
    `before`, each at its own bookmark level: a day in a chunk that continues a conversation goes
    under that conversation when the parts are joined (a tree made per chunk would lift it to the top)."""
    return [
        Bookmark(level, label, n + offset)
        for n, page in enumerate(document.pages[:before])
        for level, label, _position, _open in page.bookmarks
    ]


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
    """One document: the cover's (rendered every time: the cover and the first messages after it), or
    a chunk of messages, taken from the cache when its key is there, else laid out and kept there.
    Its messages read; its key, the HTML before its images are prepared (an image is named by its
    sha256, and how it is prepared is the rendering code's, in the key's fingerprint: a chunk taken
    from the cache decodes none); else its images prepared, laid out with its last pages balanced
    where another document follows, written to disk as parts; what the main process needs to join them."""
    ctx = _state["ctx"]
    data = load_chunk(_state["conn"], job, _state["tz"], ctx["media"], ctx["owner"])
    messages = shown(data)
    cache = _state.get("cache") if job.cover is None else None
    k = cache and key(_state["fingerprint"], chunk_html(messages, data.conversations, ctx, data.files), _layout_of(job))
    result = cache and cache.take(k, Path(ctx["parts"]), job.index)
    if result and "entries" not in result:  # (kept before the entries' pages were: rendered again, kept anew)
        for part in result["parts"]:
            Path(part).unlink(missing_ok=True)
        cache.forget(k)
        result = None
    if result:
        result["cached"] = True
    else:
        images = _images(_state["conn"], data.messages) if ctx["media"] else {}
        html = chunk_html(messages, data.conversations, ctx, data.files, cover=job.cover)
        result = _rendered(html, job, archive_fetcher(images), messages, data)
        if cache:
            cache.keep(k, result["parts"], {x: result[x] for x in KEPT})
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "cached": False,
        **result,
        "digest": data.digest,
        "missing": data.missing,
        "messages": len(job.rowids),
        "entries": [[mid for i in page for mid in messages[i]["ids"]] for page in result["entries"]],
        "index": job.index,
        "bookmarks": [Bookmark(*mark) for mark in result["bookmarks"]],
        "slots": {name: Slot(*slot) for name, slot in result.get("slots", {}).items()},
        "pid": os.getpid(),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),
        "cpu_s": usage.ru_utime + usage.ru_stime,  # (the process's so far: its last chunk's is its total)
    }


def _layout_of(job: Job) -> dict:
    """What the cache key says besides the HTML: how the chunk is laid out, and the redactions it
    applies (their ids and spans: the HTML shows their reasons, the key names them too)."""
    layout = {"balance": job.balance}
    if job.redactions:
        layout["redactions"] = {mid: [list(span) for span in spans] for mid, spans in sorted(job.redactions.items())}
    return layout


KEPT = ("pages", "bookmarks", "conversations", "refused", "entries")  # what the cache keeps of a chunk beside its parts


def _rendered(html: str, job: Job, fetcher, messages: list[dict] = (), data=None) -> dict:
    """A document laid out (a chunk's last pages balanced where another follows) and written to disk
    as parts: their paths, pages, bookmarks, the conversations on each page, the cover's slots."""
    ctx = _state["ctx"]
    parts, marks, pages, conversations, entries, seen = [], [], 0, [], [], set()
    with _collector_off():
        document = _layout(html, fetcher, cover=bool(job.cover))
        slots = _slots(document) if job.cover else {}
        pieces = (
            _balanced(document, messages, data.conversations, ctx, data.files, fetcher) if job.balance else None
        ) or [Taken(document, len(document.pages))]
        for n, piece in enumerate(pieces):
            laid_out, take = piece.document, piece.pages
            selected = laid_out if take == len(laid_out.pages) else laid_out.copy(laid_out.pages[:take])
            part = (
                Path(ctx["parts"]) / f"part-{job.index:05d}-{n}.pdf"
            )  # to disk: the main process reads parts lazily when joining
            fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fp:
                fp.write(written(selected, catalog=bool(job.cover) and n == 0))
            parts.append(str(part))
            marks += _bookmarks(laid_out, pages, take)
            conversations += [_conversations_on(page) for page in laid_out.pages[:take]]
            entries += [_entries_on(page, seen) for page in laid_out.pages[:take]]
            pages += take
        del document, pieces, piece, laid_out, selected
    return {
        "parts": parts,
        "pages": pages,
        "bookmarks": marks,
        "conversations": conversations,
        "entries": entries,
        "slots": slots,
        "refused": fetcher.refused,
    }


def _conversations_on(page) -> list[int]:
    """The conversations a laid-out page shows messages of (its sections' `data-c`), in order."""
    try:
        body = page._page_box.children[0].children[0]
        found = [box.element.get("data-c") for box in body.children if box.element is not None]
        return [int(c) for c in found if c]
    except (AttributeError, IndexError, ValueError):
        return []


def _entries_on(page, seen: set[int]) -> list[int]:
    """The messages' entries (their `data-i` paragraphs, by index) that start on a laid-out page: those
    on it not `seen` on a page before (an entry that runs over a page is on both); added to `seen`."""
    found = []
    try:
        body = page._page_box.children[0].children[0]
        for section in body.children:
            for box in getattr(section, "children", ()):
                i = box.element.get("data-i") if box.element is not None else None
                if i is not None and int(i) not in seen:
                    seen.add(int(i))
                    found.append(int(i))
    except (AttributeError, IndexError, ValueError):
        pass
    return found


def _images(conn, messages: list[dict]) -> dict[str, tuple[bytes, str]]:
    """The images the chunk shows, prepared (`prepare_image`), by sha256; an image that cannot be
    decoded is said so instead, and a tiny one is given the width that shows it (`display_width`)."""
    images, widths = {}, {}
    wanted = {a["sha256"] for m in messages for a in m["attachments"] if a["inline"]}
    for sha in wanted:
        row = conn.execute("SELECT data FROM blobs WHERE sha256 = ?", (sha,)).fetchone()
        prepared = prepare_image(row["data"]) if row else None
        if prepared:
            images[sha] = (prepared.data, prepared.mime)
            widths[sha] = display_width(prepared.size)
    for m in messages:
        for a in m["attachments"]:
            if a["inline"] and a["sha256"] not in images:
                a["inline"] = False
                a["omitted"] = "image could not be decoded; not shown"
            a["width"] = widths.get(a["sha256"])
    return images
