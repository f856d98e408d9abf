"""textfile's Datasette plugin: how the archive's values are shown, and its attachments served.

- Text is shown as text, never as HTML, and whole: every string cell is escaped here (Datasette would
  turn one that is a URL into a link, and cut a long one), its line breaks kept, a control character
  shown as its picture (a bell as ␇), and each character that would change how text is displayed
  without being seen (direction overrides and marks, the zero-width space: `model.INVISIBLE`) shown as a
  mark where it stands and not applied, as the transcript prints them ("invoice⟦RLO⟧fdp.exe").
- An attachment (`message_list.attachments`, `message_attachments.blob_sha256`) is a link to
  `/-/attachment/<sha256>`, with a thumbnail where it is an image a browser shows. That route serves
  the blob's bytes after checking them against their SHA-256: an image of those types inline, under a
  Content-Security-Policy that forbids scripts and everything else (`sandbox`); anything else (an SVG,
  which can hold scripts, a PDF, a video) as a download.
- Column titles: a table's column headers and facets show textfile's title for each column (`templates/`).
- `local_time(instant, precision)` on the served copy's connections: the canned queries' times on the archive's clock
  (`queries.add_functions`).
"""

from __future__ import annotations

import hashlib
import json
import re
from urllib.parse import quote

from datasette import hookimpl
from datasette.utils import tilde_encode
from datasette.utils.asgi import Base400, Response
from datasette.views.base import DatasetteError
from markupsafe import Markup, escape

from textfile.browse import pages
from textfile.browse.queries import add_functions
from textfile.browse.snapshot import ARRAYS, LIST
from textfile.model import INVISIBLE, REORDERING
from textfile.transcript.render.text import printable

DATABASE = "archive"
ATTACHMENT = "/-/attachment/"
# What a browser shows as an image; an SVG is not among them (it can hold scripts)
IMAGES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp", "image/avif"})
ATTACHMENT_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
_MARKS = {
    ch: Markup('<span class="tf-mark{}" title="U+{:04X} {}">⟦{}⟧</span>').format(
        "" if ch in REORDERING else " tf-light", ord(ch), name, short
    )
    for ch, (short, name) in INVISIBLE.items()
}
_OPEN, _CLOSE = '<span class="tf-text" dir="auto">', "</span>"
# what `text` shows otherwise than as it is: the marked characters, control characters (`printable`), CR
_SPECIAL = re.compile("[" + "".join(INVISIBLE) + "\x00-\x08\x0b-\x1f\x7f]")


def text(value: str) -> Markup:
    """A text as a cell shows it: escaped, marks for what is not seen, line breaks kept (CSS)."""
    if _SPECIAL.search(value) is None:  # (most texts: escaped whole; concatenated, as Markup.format costs
        return Markup(_OPEN + str(escape(value)) + _CLOSE)  # 10 µs a cell, 2 s of a 20,000-row page)
    return Markup(_OPEN + "".join(_MARKS.get(ch) or str(escape(ch)) for ch in printable(value)) + _CLOSE)


def marked(value: str) -> str:
    """Plain text with each character of `INVISIBLE` as its mark: a file name, an image's alt text."""
    return "".join(f"⟦{INVISIBLE[ch][0]}⟧" if ch in INVISIBLE else ch for ch in value)


def attachment(sha256: str | None, file_name: str | None, mime: str | None, missing: str | None) -> Markup:
    """One attachment: a link to its bytes (a thumbnail for an image), or why the export lacked it."""
    name = text(file_name or (sha256 or "")[:12])
    if sha256 is None:
        return Markup('<span class="tf-missing">{} (not in the export: {})</span>').format(name, missing or "")
    href = ATTACHMENT + sha256
    if (mime or "").lower() in IMAGES:
        return Markup(
            '<a class="tf-attachment" href="{}"><img class="tf-thumb" src="{}" alt="{}" loading="lazy"></a>'
        ).format(href, href, marked(file_name or sha256))
    return Markup('<a class="tf-attachment" href="{}">{}</a> ({})').format(href, name, mime or "type not known")


@hookimpl
def prepare_connection(conn, database, datasette):
    if database == DATABASE:
        add_functions(conn)


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if table == LIST and column == "attachments" and isinstance(value, str):
        return Markup("<br>").join(attachment(*a) for a in json.loads(value)) or Markup("&nbsp;")
    if table == LIST and column in ARRAYS and isinstance(value, str):
        return Markup(", ").join(text(v) for v in json.loads(value)) or Markup("&nbsp;")
    if table == "message_attachments" and column == "blob_sha256" and isinstance(value, dict):
        return attachment(value["value"], row["file_name"], row["mime"], None)
    if isinstance(value, dict) and isinstance(value.get("label"), str):  # a foreign key, named by its label
        return _linked(value, column, table, database, datasette)
    if isinstance(value, str) and value:
        return text(value)
    return None


# (table, column) -> the table its foreign key names: read once per table, not once a cell (the copy is immutable)
_POINTS_TO: dict[tuple[str, str], str | None] = {}


def _linked(value: dict, column: str, table: str, database: str, datasette):
    async def link():
        if (table, column) not in _POINTS_TO:
            keys = await datasette.get_database(database).foreign_keys_for_table(table)
            _POINTS_TO.update({(table, k["column"]): k["other_table"] for k in keys})
            _POINTS_TO.setdefault((table, column), None)
        other = _POINTS_TO[(table, column)]
        if other is None:
            return None
        return Markup('<a href="{}">{}</a>').format(
            datasette.urls.row(database, other, tilde_encode(str(value["value"]))),
            text(value["label"] or str(value["value"])),
        )

    return link


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["tf_text"] = lambda value: text(value) if value else value


@hookimpl(tryfirst=True)
def handle_exception(datasette, request, exception):
    """Datasette's own error page for a request it refuses (a 404, a query's SQL error, a time limit),
    without the traceback and its locals it would print on the terminal the link was printed on;
    anything else one line."""
    if isinstance(exception, Base400 | DatasetteError):
        from datasette import handle_exception as default

        default.rich = None
        return default.handle_exception(datasette, request, exception)
    return Response.text(f"textfile browse: internal error: {type(exception).__name__}: {exception}", status=500)


@hookimpl
def extra_template_vars(table):
    return {"tf_titles": pages.column_titles(table), "tf_tables": pages.table_titles()}


@hookimpl
def extra_css_urls():
    return ["/-/textfile/browse.css"]


@hookimpl
def register_routes():
    return [(r"^/-/attachment/(?P<sha256>[0-9a-f]{64})$", serve_attachment)]


async def serve_attachment(datasette, request):
    sha256 = request.url_vars["sha256"]
    found = await datasette.get_database(DATABASE).execute(
        "SELECT b.data, coalesce(b.mime, a.mime), a.file_name FROM blobs b"
        " LEFT JOIN message_attachments a ON a.blob_sha256 = b.sha256 WHERE b.sha256 = ? LIMIT 1",
        [sha256],
    )
    row = found.first()
    if row is None:
        return Response.text("No attachment with that SHA-256 in the archive.", status=404)
    data, mime, file_name = row
    if hashlib.sha256(data).hexdigest() != sha256:
        return Response.text(
            f"The archive's attachment {sha256} does not match its SHA-256: run `textfile verify`.", status=500
        )
    name = quote(marked(file_name or sha256))  # (a name that would display reversed is not saved as one)
    image = (mime or "").lower() in IMAGES
    headers = {
        "content-security-policy": ATTACHMENT_POLICY,
        "content-disposition": f"{'inline' if image else 'attachment'}; filename*=UTF-8''{name}",
    }
    return Response(data, headers=headers, content_type=mime.lower() if image else "application/octet-stream")
