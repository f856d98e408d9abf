"""A chunk's last pages, filled evenly.

A chunk followed by another ends on a page of its own: when that page would be mostly blank, the
chunk's last few pages are laid out again with their breaks placed so that each holds about as much
(`_balanced`); the gap is shared among them instead of left at one boundary, and the pages before
are drawn as laid out.
"""

from __future__ import annotations

import math

from textfile.transcript.render.document import chunk_html
from textfile.transcript.render.layout import _layout

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
