"""A colour emoji's image is built once per glyph, not at every occurrence (issue 17: WeasyPrint 70
encoded the glyph's PNG again for each one, ~1.2 ms an emoji), and the PDF is the same with the
memo as without it. This test fails if WeasyPrint's internal moves (draw/text.py no longer calling
`RasterImage` for bitmap emoji), so the memo cannot silently stop working."""

import io

import pikepdf
import pytest

from textfile.transcript.render import assets

weasyprint = pytest.importorskip("weasyprint")
from weasyprint import images  # noqa: E402
from weasyprint.draw import text  # noqa: E402

GRINNING, THUMBS_UP = "\U0001f600", "\U0001f44d"
HTML = "<html><body style='font-family: DejaVu Sans'>{}</body></html>".format(
    "".join(f"<p>Message {i} about the lease {GRINNING}{THUMBS_UP}</p>" for i in range(150))
)


def _render(monkeypatch) -> tuple[bytes, int]:
    built = []
    original = images.RasterImage.__init__
    monkeypatch.setattr(
        images.RasterImage, "__init__", lambda self, *a, **k: built.append(1) or original(self, *a, **k)
    )
    pdf = weasyprint.HTML(string=HTML).write_pdf()
    monkeypatch.setattr(images.RasterImage, "__init__", original)
    return pdf, len(built)


def _drawn(pdf: bytes) -> list:
    """Each page's content stream, and the decoded bytes of every image it draws, by name."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        return [
            (
                page.Contents.read_bytes() if not isinstance(page.Contents, pikepdf.Array) else b"",
                {str(k): v.read_bytes() for k, v in page.Resources.get("/XObject", {}).items()},
            )
            for page in doc.pages
        ]


def test_each_emoji_glyph_is_built_once_and_the_pdf_is_the_same(monkeypatch):
    monkeypatch.setattr(text, "RasterImage", images.RasterImage)  # (WeasyPrint's own, restored after the test)
    before, built_before = _render(monkeypatch)
    if built_before == 0:
        pytest.skip("no bitmap colour emoji font here (fonts-noto-color-emoji)")
    assert built_before == 300  # one a drawn emoji: what the memo is for

    assets.reuse_emoji_images()
    assert getattr(text.RasterImage, "reused", False), "WeasyPrint's draw/text.py no longer calls RasterImage"
    after, built_after = _render(monkeypatch)
    assert built_after == 2  # one a glyph
    assert _drawn(after) == _drawn(before)
    assert len(_drawn(after)) > 1 and all(len(drawn) == 2 for _, drawn in _drawn(after))  # (both glyphs, each page)

    assets.reuse_emoji_images()  # (a second call changes nothing)
    assert _render(monkeypatch)[1] == 0  # (already built, in this process)
