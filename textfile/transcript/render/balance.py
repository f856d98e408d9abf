"""A chunk's last pages, filled evenly.

A chunk followed by another ends on a page of its own: when that page would be mostly blank, the
chunk's last few pages are laid out again with their breaks placed so that each holds about as much
(`_balanced`); the gap is shared among them instead of left at one boundary, and the pages before
are drawn as laid out.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from textfile.transcript.render.document import chunk_html
from textfile.transcript.render.layout import _layout

GAP_OK = 0.15  # of a page left blank at a page's foot: no more than a long message pushed over leaves
BALANCE_PAGES = 6  # the most pages of a chunk's end laid out again to share its last page's gap


class Unit(NamedTuple):
    """A message on a laid-out page (its headings counted with it: they are kept with it)."""

    index: int  # in the chunk's list of messages shown (`document.shown`)
    top: float
    bottom: float


class Area(NamedTuple):
    """Where a page's content begins, and the page's height."""

    top: float
    height: float


class Taken(NamedTuple):
    """A laid-out document and how many of its pages (from the first) the chunk takes."""

    document: object
    pages: int


def _units(page) -> list[Unit] | None:
    """Every message on a laid-out page; None when the page is not laid out as a chunk's pages are."""
    try:
        body = page._page_box.children[0].children[0]
        out: list[Unit] = []
        for section in body.children:
            heading_top = None
            for box in section.children:
                index = box.element.get("data-i") if box.element is not None and box.element_tag == "p" else None
                if index is None:
                    heading_top = box.position_y if heading_top is None else heading_top
                    continue
                out.append(
                    Unit(
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


def _capacity(page) -> Area:
    box = page._page_box
    return Area(box.content_box_y(), box.height)


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


def _balanced(
    document, messages: list[dict], conversations: dict, ctx: dict, files: list, fetcher
) -> list[Taken] | None:
    """A chunk that ends on a page left mostly blank (the next chunk starts on a new page) has its
    last few pages laid out again with the breaks placed so that each holds about as much: the gap
    is shared among them, each a little shorter, as a long message pushed over would leave. The pages
    before them stand as laid out. Returns the documents to take pages from, or None to keep it as it is."""
    pages = document.pages
    if len(pages) < 2:
        return None
    last = _units(pages[-1])
    if not last:
        return None
    area = _capacity(pages[-1])
    gap = 1 - (last[-1].bottom - area.top) / area.height
    if gap <= GAP_OK:
        return None
    count = min(len(pages), BALANCE_PAGES, max(2, math.ceil(gap / 0.1)))
    while count > 2 and not _units(pages[-count]):  # (the cover's pages are not shared: only messages' pages are)
        count -= 1
    units: list[Unit] = []
    for page in pages[-count:]:
        found = _units(page)
        if not found or (units and found[0].index <= units[-1].index):  # a message split over two pages: leave it
            return None
        units += found
    heights = []
    for n, unit in enumerate(units):
        nxt = units[n + 1] if n + 1 < len(units) else None
        heights.append(nxt.top - unit.top if nxt is not None and nxt.top > unit.top else unit.bottom - unit.top)
    shares = _shares(
        heights, count, area.height - 12
    )  # (a forced break keeps nothing of a top margin: see .pb; 12 px to spare)
    if shares is None:
        return None
    tail = _layout(
        chunk_html(messages, conversations, ctx, files, units[0].index, frozenset(units[n].index for n in shares)),
        fetcher,
    )
    if len(tail.pages) != count:
        return None
    return [Taken(document, len(pages) - count), Taken(tail, count)]
