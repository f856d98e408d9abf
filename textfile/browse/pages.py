"""What Datasette is told about the archive (its metadata): the titles and descriptions of every table
and column (`metadata.TABLES`, and `message_list`'s here), which tables are hidden, their sort orders,
the facets a person filters by, the full-text search, the canned queries (`queries.QUERIES`), and the
settings that keep it read-only: no download of the database file, Datasette's own root login off.
"""

from __future__ import annotations

import copy
import functools

from markupsafe import Markup

from textfile.browse.metadata import TABLES, Column, Table, datasette_tables
from textfile.browse.queries import QUERIES
from textfile.browse.snapshot import ARRAYS, FACETS, LIST

MESSAGE_LIST = Table(
    title="Messages, with client and matter",
    description=(
        "Every archived message on one row, with the client and matter of the filings that cover it (a"
        " conversation filed for a window only: the messages inside it), its conversation, sender and"
        " number: filter by the facets, search the text with the archive's own index. Made from the"
        " archive's tables when this browse session began; the message's own record is linked on the right."
    ),
    columns={
        "sent": Column(
            "Sent",
            "When the message was sent, on the archive's clock (its time zone, as `textfile init --tz` set it), with the UTC offset, to the precision the source wrote: as the transcript prints it.",
        ),
        "sender": Column(
            "From",
            "Who sent it: the name the export gave, else the owner's, else the client's whose number it is; empty when no one is known (a system line).",
        ),
        "number": Column(
            "Number", "The sender's phone number (E.164), address, or WhatsApp name, as the archive holds it."
        ),
        "direction": Column(
            "Direction", "in: received by the owner; out: sent by the owner; system: a line the app wrote."
        ),
        "body": Column(
            "Text",
            "The message's text as sent, every character kept; characters that are not seen are shown as marks such as ⟦RLO⟧.",
        ),
        "attachments": Column(
            "Attachments",
            "Its attachments: an image is shown, any other file is a download; one the export left out says why.",
        ),
        "conversation": Column("Conversation", "The conversation, named as `textfile conversations` names it."),
        "client": Column(
            "Client", "The client of each matter the message is filed to; empty when no filing covers it."
        ),
        "matter": Column(
            "Matter",
            "The reference of each matter the message is filed to (a message filed to two is found under each); empty when no filing covers it (it waits in the unfiled queue).",
        ),
        "service": Column("Service", "How it travelled: iMessage, SMS, MMS, RCS, WhatsApp…, as the export says."),
        "year": Column("Year", "The year it was sent, on the clock of the Sent column."),
        "sent_at": Column("Sent (UTC)", "The instant it was sent, in UTC (ISO 8601): what the list is sorted by."),
        "message": Column(
            "Message record",
            "The message's own record in the archive: its versions, sources, attachments and reactions.",
        ),
    },
    sort_desc="sent_at",
)


def table(name: str) -> Table | None:
    return MESSAGE_LIST if name == LIST else TABLES.get(name)


def column_titles(name: str | None) -> dict[str, str]:
    """column -> its title, for a table's headers ({} for a query's: its columns are named for people)."""
    found = table(name) if name else None
    return {column: c.title for column, c in found.columns.items()} if found else {}


@functools.cache
def table_titles() -> dict[str, dict]:
    """table -> {"title", "description"}, for the database page."""
    return {
        name: {"title": t.title, "description": t.description} for name, t in {**TABLES, LIST: MESSAGE_LIST}.items()
    }


def metadata(owner: str, taken_at: str) -> dict:
    """Datasette's metadata for a browse session of `owner`'s archive, copied at `taken_at`."""
    tables = datasette_tables()
    tables[LIST] = {
        "title": MESSAGE_LIST.title,
        "description": MESSAGE_LIST.description,
        "columns": {name: c.description for name, c in MESSAGE_LIST.columns.items()},
        "sort_desc": MESSAGE_LIST.sort_desc,
        "facets": [{"array": column} if column in ARRAYS else column for column in FACETS],
        "fts_table": "messages_fts",
        "fts_pk": "rowid",
        "size": 50,
    }
    queries = copy.deepcopy(QUERIES)
    for query in queries.values():
        query["hide_sql"] = True  # (a person reads the rows; "Show SQL" is a click away)
    title = f"{owner}'s textfile archive"
    copied = (
        f"A read-only copy of the archive taken {taken_at}: what was imported after that is not shown"
        " (stop textfile browse and start it again)."
    )
    start = Markup(
        '<p>{}</p><p>Start with <a href="/archive/{}">every message, with its client and matter</a> (filter by'
        " client, matter, conversation, direction, service or year; search the text), or one of the queries"
        " for the weekly questions below.</p><p>A CSV export holds the values as archived: open it in a"
        " spreadsheet with every column as text (a message that begins with = is not a formula).</p>"
    ).format(copied, LIST)
    return {  # (copies: Datasette writes into what it is given)
        "title": title,
        "description_html": str(start),
        "databases": {
            "archive": {"title": title, "description_html": str(start), "tables": tables, "queries": queries}
        },
    }


SETTINGS = {
    "allow_download": False,  # the database file itself
    "default_page_size": 50,
    "sql_time_limit_ms": 30_000,  # (a slow answer, on a large archive, rather than none)
    # a query's rows, all of them to that many (past it, the page says it shows the first only): a matter's
    # timeline of 16,000 messages renders in 3 s; a table is read a page at a time (its _size)
    "max_returned_rows": 20_000,
    "facet_time_limit_ms": 2000,
    "suggest_facets": False,
    "truncate_cells_html": 0,  # (render_cell shows every cell whole)
    "default_cache_ttl": 0,
}
