"""Joining the rendered parts into one PDF/A-3b file (pikepdf), with page and Bates numbers.

The first part (the cover, and the first chunk's messages from its last page on) gives the
document its catalog (XMP metadata declaring PDF/A-3b, the sRGB output intent); the others
contribute their pages. The running header is drawn over every page afterwards, each label a
form XObject laid out once by WeasyPrint (`render/headers.py`: any script) and shared by the
pages that bear it; "Page X of Y" and the Bates number are drawn on every page too,
and so are the cover's page count and last Bates number, into the blank slots the cover left for
them, with a small embedded subset of DejaVu Sans holding only printable ASCII (a Bates prefix is
ASCII; the numbers are digits): no part needs to know the total, the cover is laid out once, and
drawing 1,000 footers costs milliseconds, not a render.
The manifest is attached as an associated file (/AF, relationship Data), as PDF/A-3 asks.
"""

from __future__ import annotations

import io
import logging
import subprocess
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

STAMP_FONT_NAME = "TFStamp"
STAMP_SIZE = 8.0
STAMP_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/Library/Fonts/DejaVuSans.ttf",
)


class Slot(NamedTuple):
    """Where a field of the cover is drawn: its page (index), x and baseline y from the page's top, and
    its font size, in points."""

    page: int
    x: float
    baseline: float
    size: float


class Bookmark(NamedTuple):
    """An outline entry: its level (a conversation 1, its days 2), its label, its page (index)."""

    level: int
    label: str
    page: int


def _font_path() -> str:
    for candidate in STAMP_FONT_CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    try:
        found = subprocess.run(
            ["fc-match", "-f", "%{file}", "DejaVu Sans"], capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        found = ""
    if found and found.lower().endswith(".ttf") and Path(found).is_file():
        return found
    raise RuntimeError("DejaVu Sans is not installed (scripts/system-deps.sh installs fonts-dejavu-core)")


@lru_cache(maxsize=1)
def stamp_font() -> tuple[bytes, list[int], dict]:
    """A subset of DejaVu Sans with printable ASCII: the TrueType bytes, widths (1/1000 em) for
    32..126, and the descriptor's metrics."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(_font_path())
    options = subset.Options()
    options.notdef_outline = True
    options.name_IDs = ["*"]
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "kern", "FFTM"]
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=range(32, 127))
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    scale = 1000 / font["head"].unitsPerEm
    cmap = font.getBestCmap()
    hmtx = font["hmtx"]
    widths = [round(hmtx[cmap[c]][0] * scale) if c in cmap else 0 for c in range(32, 127)]
    head, hhea, os2 = font["head"], font["hhea"], font["OS/2"]
    metrics = {
        "bbox": [
            round(head.xMin * scale),
            round(head.yMin * scale),
            round(head.xMax * scale),
            round(head.yMax * scale),
        ],
        "ascent": round(hhea.ascent * scale),
        "descent": round(hhea.descent * scale),
        "cap_height": round(getattr(os2, "sCapHeight", 729) * scale),
    }
    return out.getvalue(), widths, metrics


def text_width(text: str, size: float = STAMP_SIZE) -> float:
    _, widths, _ = stamp_font()
    return sum(widths[ord(c) - 32] for c in text) * size / 1000


def _font_object(pdf):
    import pikepdf
    from pikepdf import Array, Dictionary, Name

    data, widths, m = stamp_font()
    tag = "TFSTMP+DejaVuSans"
    file = pikepdf.Stream(pdf, data)
    file.Length1 = len(data)
    descriptor = pdf.make_indirect(
        Dictionary(
            Type=Name.FontDescriptor,
            FontName=Name("/" + tag),
            Flags=32,
            FontBBox=Array(m["bbox"]),
            ItalicAngle=0,
            Ascent=m["ascent"],
            Descent=m["descent"],
            CapHeight=m["cap_height"],
            StemV=80,
            FontFile2=pdf.make_indirect(file),
        )
    )
    return pdf.make_indirect(
        Dictionary(
            Type=Name.Font,
            Subtype=Name.TrueType,
            BaseFont=Name("/" + tag),
            FirstChar=32,
            LastChar=126,
            Widths=Array(widths),
            Encoding=Name.WinAnsiEncoding,
            FontDescriptor=descriptor,
        )
    )


def _pdf_string(text: str) -> bytes:
    return b"(" + text.encode("ascii").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def bates(prefix: str, number: int) -> str:
    return f"{prefix}-{number:06d}"


def assemble(parts: list[str]):
    """The first part's document (PDF/A-3b: its catalog is the document's) with every other part's
    pages appended (plain parts; the part files stay open, and are read, lazily, until the document is
    saved, which compresses every stream written uncompressed)."""
    import pikepdf

    pdf = pikepdf.open(parts[0])
    for part in parts[1:]:
        src = pikepdf.open(part)
        for page in src.pages:  # (written plain: printed, as PDF/A asks of every annotation, had it any)
            for annotation in page.obj.get("/Annots", ()):
                annotation.F = 4
        pdf.pages.extend(src.pages)
    for key in ("/Outlines", "/PageLabels"):
        if key in pdf.Root:
            del pdf.Root[key]
    return pdf


HEADER_NAME = "TFHead"  # (+ the label's number) the form XObject of a page's running header


def running_headers(pdf, forms_pdf_path: str, label_of_page: list[int]) -> None:
    """Each page's running header: page k of `forms_pdf_path` (label k, laid out by WeasyPrint where a
    page's top margin holds it: `render/headers.py`) drawn over every page whose label is k, as one
    form XObject shared by all of them; page i's label is `label_of_page[i]`. The forms' file is read
    lazily, until the document is saved."""
    import pikepdf
    from pikepdf import Name

    if len(label_of_page) != len(pdf.pages):
        raise ValueError(f"{len(label_of_page)} labels for {len(pdf.pages)} pages")
    source = pikepdf.open(forms_pdf_path)
    save_state = pdf.make_indirect(pikepdf.Stream(pdf, b"q\n"))  # one object shared by every page
    drawn: dict[int, tuple] = {}  # label -> (its name, its form, the stream drawing it), shared by its pages
    for page, k in zip(pdf.pages, label_of_page):
        if k not in drawn:
            name = f"/{HEADER_NAME}{k}"  # one name per label: a part's pages share one resource dictionary
            form = pdf.copy_foreign(source.pages[k].as_form_xobject())
            drawn[k] = (Name(name), form, pdf.make_indirect(pikepdf.Stream(pdf, f"\nQ\nq {name} Do Q\n".encode())))
        name, form, draw = drawn[k]
        page.contents_add(save_state, prepend=True)
        page.contents_add(draw)
        _resources(page, "/XObject")[name] = form


def stamp(pdf, prefix: str, first_number: int, fields: list[tuple[Slot, str]] = (), exhibit: str | None = None) -> None:
    """'Page X of Y' at the bottom left and the Bates number at the bottom right of every page, and
    each of `fields`: (where, text); `exhibit`: a production's exhibit label, boxed, at the bottom
    centre of every page (printable ASCII: the stamp's font)."""
    import pikepdf
    from pikepdf import Name

    font = _font_object(pdf)
    save_state = pdf.make_indirect(pikepdf.Stream(pdf, b"q\n"))  # one object shared by every page
    total = len(pdf.pages)
    for i, page in enumerate(pdf.pages):
        x0, y0, x1, y1 = (float(v) for v in page.mediabox)
        margin = 0.75 * 72
        y = y0 + 0.45 * 72
        label = f"Page {i + 1:,} of {total:,}"
        number = bates(prefix, first_number + i)
        right = x1 - margin - text_width(number, STAMP_SIZE + 1)
        ops = (
            b"q 0.1 0.1 0.1 rg BT /"
            + STAMP_FONT_NAME.encode()
            + f" {STAMP_SIZE:g} Tf 1 0 0 1 {x0 + margin:.2f} {y:.2f} Tm ".encode()
            + _pdf_string(label)
            + b" Tj ET BT /"
            + STAMP_FONT_NAME.encode()
            + f" {STAMP_SIZE + 1:g} Tf 1 0 0 1 {right:.2f} {y:.2f} Tm ".encode()
            + _pdf_string(number)
            + b" Tj ET Q\n"
        )
        for slot, text in fields:
            if slot.page != i:
                continue
            ops += (
                b"q 0 0 0 rg BT /"
                + STAMP_FONT_NAME.encode()
                + f" {slot.size:g} Tf 1 0 0 1 {x0 + slot.x:.2f} {y1 - slot.baseline:.2f} Tm ".encode()
                + _pdf_string(text)
                + b" Tj ET Q\n"
            )
        if exhibit:
            ops += _exhibit_label(exhibit, (x0 + x1) / 2, y)
        page.contents_add(save_state, prepend=True)
        page.contents_add(pikepdf.Stream(pdf, b"\nQ\n" + ops))
        _resources(page, "/Font")[Name("/" + STAMP_FONT_NAME)] = font


EXHIBIT_SIZE = STAMP_SIZE + 2


def _exhibit_label(label: str, centre: float, baseline: float) -> bytes:
    """An exhibit label boxed (a black frame, the text black on white), centred on `centre`."""
    width = text_width(label, EXHIBIT_SIZE)
    pad = 4.0
    left, bottom = centre - width / 2 - pad, baseline - 3.5
    return (
        f"q 1 1 1 rg 0 0 0 RG 1 w {left:.2f} {bottom:.2f} {width + 2 * pad:.2f} {EXHIBIT_SIZE + 5:.2f} re B Q\n".encode()
        + b"q 0 0 0 rg BT /"
        + STAMP_FONT_NAME.encode()
        + f" {EXHIBIT_SIZE:g} Tf 1 0 0 1 {centre - width / 2:.2f} {baseline:.2f} Tm ".encode()
        + _pdf_string(label)
        + b" Tj ET Q\n"
    )


def _resources(page, kind: str):
    """The page's resource dictionary of this kind (/Font, /XObject), made when it has none."""
    from pikepdf import Dictionary

    resources = page.obj.get("/Resources")
    if resources is None:
        page.obj.Resources = resources = Dictionary()
    found = resources.get(kind)
    if found is None:
        resources[kind] = found = Dictionary()
    return found


def bookmarks(pdf, marks: list[Bookmark]) -> None:
    """The outline: conversations, and their days under them."""
    from pikepdf import OutlineItem

    with pdf.open_outline() as outline:
        outline.root.clear()
        parents: list = []
        for mark in marks:
            item = OutlineItem(mark.label, mark.page)
            while len(parents) >= mark.level:
                parents.pop()
            (parents[-1].children if parents else outline.root).append(item)
            parents.append(item)


def attach(pdf, name: str, data: bytes, description: str) -> None:
    """An associated file of the document (PDF/A-3): pikepdf files it under /Names /EmbeddedFiles and
    in the catalog's /AF with /AFRelationship /Data, with its checksum, size and MIME subtype."""
    import pikepdf
    from pikepdf import Array, Name

    when = datetime.now(UTC).strftime("D:%Y%m%d%H%M%SZ")
    pdf.attachments[name] = pikepdf.AttachedFileSpec(
        pdf,
        data,
        description=description,
        filename=name,
        mime_type="application/json",
        creation_date=when,
        mod_date=when,
        relationship=Name.Data,
    )
    spec = pdf.attachments[name].obj
    if "/AF" not in pdf.Root:
        pdf.Root.AF = Array([spec])


def read_attachment(path: str | Path, name: str) -> bytes | None:
    """The bytes of an attached file, or None when the file has none by that name."""
    import pikepdf

    with pikepdf.open(path) as pdf:
        attached = pdf.attachments.get(name)
        if attached is None:
            return None
        return attached.get_file().read_bytes()


def save(pdf, fileobj) -> None:
    import pikepdf

    pdf.save(fileobj, object_stream_mode=pikepdf.ObjectStreamMode.generate, compress_streams=True)


def save_partial(pdf, partial: Path, shown_as: Path) -> str:
    """The document saved to its partial file (0600, synced to disk) and closed; the file's sha256.
    `shown_as`: the path an error names (where the file is going)."""
    import os

    from textfile.errors import TextfileError
    from textfile.fingerprint import file_sha256

    try:
        with open(partial, "wb") as fp:
            save(pdf, fp)
            fp.flush()
            os.fsync(fp.fileno())
    except OSError as exc:
        raise TextfileError(f"cannot write {shown_as}: {exc.strerror or exc}") from None
    finally:
        pdf.close()
    return file_sha256(partial)
