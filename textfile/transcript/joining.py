"""The rendered parts joined into one transcript.

The parts (the cover's, then each chunk's, in order) are appended to the cover's document, which
gives the file its catalog (PDF/A-3b: XMP metadata, the sRGB output intent); the running header is
drawn over each page (the client and matter, and the conversations the page shows: "… ·
Conversation 2"), laid out once per label (`render.headers`); the outline is made of the chunks'
bookmarks; "Page X of Y", the Bates number and the cover's slots are stamped; the manifest is
attached. Nothing of a chunk depends on where it lands, so a cached one joins as a rendered one does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textfile.transcript.made import Made

MANIFEST_DESCRIPTION = "textfile manifest: scope, Bates range, every message id and content hash in transcript order"


def running_headers(header: str, results: list[dict]) -> tuple[list[str], list[int]]:
    """Each page's running header: the client and matter, and the conversations the page shows
    messages of ("… · Conversation 2"); the distinct labels, and the label of each page."""
    labels: dict[str, int] = {header: 0}
    of_page = []
    for r in results:
        for conversations in r["conversations"]:
            label = header + (r.get("label") or _conversations_said(conversations))  # (an appendix's own label)
            of_page.append(labels.setdefault(label, len(labels)))
    return list(labels), of_page


def _conversations_said(conversations: list[int]) -> str:
    if not conversations:
        return ""
    if len(conversations) == 1:
        return f" · Conversation {conversations[0]}"
    if len(conversations) <= 4:
        return f" · Conversations {', '.join(map(str, conversations))}"
    return f" · Conversations {conversations[0]}, {conversations[1]} … {conversations[-1]} ({len(conversations)})"


def joined(
    results: list[dict],
    made: Made,
    manifest_bytes: bytes,
    headers: str,
    label_of_page: list[int],
    exhibit: str | None = None,
):
    """The parts joined into one document, the running header drawn on every page (`headers`: the
    labels' document, `label_of_page`: each page's), its outline, the page and Bates numbers (and a
    production's `exhibit` label) stamped on every page and drawn into the cover's slots, the
    manifest attached."""
    from textfile.transcript import manifest, pdf

    document = pdf.assemble([part for r in results for part in r["parts"]])
    pdf.running_headers(document, headers, label_of_page)
    marks, offset = [pdf.Bookmark(1, "Cover", 0)], 0
    for r in results:
        marks += [pdf.Bookmark(mark.level, mark.label, mark.page + offset) for mark in r["bookmarks"]]
        offset += r["pages"]
    pdf.bookmarks(document, marks)
    drawn = {"pages": f"{made.pages:,}", "bates-last": pdf.bates(made.prefix, made.last_number)}
    pdf.stamp(
        document,
        made.prefix,
        made.first_number,
        [(slot, drawn[name]) for name, slot in results[0]["slots"].items()],
        exhibit,
    )
    pdf.attach(document, manifest.NAME, manifest_bytes, MANIFEST_DESCRIPTION)
    return document
