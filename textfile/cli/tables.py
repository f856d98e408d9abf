"""Tables that fit the terminal they are printed on (`Rows`): a narrow one leaves out the columns that
give way first and says which under the table; a number, handle, reference or date is never
wrapped or cut to "…", a name never broken. Piped, a table is as wide as $COLUMNS, else 200.

Also the tables more than one command prints: matters (`matter list`, `client show`) and
conversations (`conversations`, `client show`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from rich.cells import cell_len
from rich.table import Table
from rich.text import Text

from textfile import filing, times
from textfile.cli import output


@dataclass(frozen=True)
class Col:
    """A table column. `whole`: its values (numbers, handles, references, dates) are never wrapped
    or cut, so the column is as wide as its widest value. Otherwise its text wraps at spaces, never
    narrower than `min_width`, or than its longest word when `min_width` is None (names, handles:
    never broken); a word longer than the column folds onto the next line, never "…". `drop`: which
    columns give way when the terminal is too narrow for all of them, 1 first, then 2…; 0 never.
    `first`: the text the table is for (a message, a log entry's details). The room left once every
    column has its least width makes the other wrapping columns whole (each value on one line) where
    it can, and then goes to this one; where it cannot, it goes to this one first, the names beside
    it wrapped at their words."""

    header: str
    whole: bool = False
    drop: int = 0
    min_width: int | None = None
    first: bool = False


class Width(NamedTuple):
    """A column's width: the least it may have, and what its widest line needs (padding not counted)."""

    minimum: int
    natural: int


class Rows:
    """A table that fits the terminal it is printed on: at its width, the columns that give way
    first are left out until the rest fit at their minimum widths, and a line under the table says
    which were (--json has everything); the room left goes to the wrapping columns (`Col.first`:
    to the text the table is for before the names beside it, unless they can all be whole). Never a
    column of zero width, never a value cut to "…"."""

    def __init__(self, columns: list[Col]):
        self.columns = columns
        self.rows: list[list[Text]] = []

    def __rich_console__(self, console, options):
        widths = self._widths()
        kept = self._kept(widths, options.max_width)
        width = {i: widths[i].minimum for i in kept}
        growing = [i for i in kept if not self.columns[i].whole]
        room = _room(options.max_width, kept)
        before = [i for i in growing if self.columns[i].first]  # the text the table is for…
        names = [i for i in growing if not self.columns[i].first]
        if sum(width.values()) + sum(widths[i].natural - width[i] for i in names) <= room:
            before = names  # …unless the names beside it can all be whole: then they are, and it has the rest
        for sharing in (before, growing):
            while sum(width.values()) < room and (wanting := [i for i in sharing if width[i] < widths[i].natural]):
                width[min(wanting, key=lambda i: width[i])] += 1  # the narrowest first: the room shared evenly
        table = Table()
        for i in kept:
            table.add_column(self.columns[i].header, width=width[i], overflow="fold")
        for row in self.rows:
            table.add_row(*(row[i] for i in kept))
        yield table
        if left_out := [c.header for i, c in enumerate(self.columns) if i not in kept]:
            yield Text(
                f"(columns left out at {options.max_width} columns: {', '.join(left_out)}; --json has everything)",
                no_wrap=False,
                overflow="fold",
            )  # (wrapped at the terminal width even where the console soft-wraps)

    def _widths(self) -> list[Width]:
        """Each column's width."""
        widths = []
        for i, col in enumerate(self.columns):
            texts = [col.header, *(row[i].plain for row in self.rows)]
            natural = max(cell_len(line) for t in texts for line in t.split("\n"))
            word = max((cell_len(w) for t in texts for w in t.split()), default=0)
            header_word = max((cell_len(w) for w in col.header.split()), default=0)
            widths.append(
                Width(natural if col.whole else max(header_word, min(natural, col.min_width or word)), natural)
            )
        return widths

    def _kept(self, widths: list[Width], max_width: int) -> list[int]:
        """The columns that fit at their minimum widths, those that give way first left out."""
        kept = list(range(len(self.columns)))
        dropped = []
        for i in sorted((i for i, c in enumerate(self.columns) if c.drop), key=lambda i: self.columns[i].drop):
            if sum(widths[k].minimum for k in kept) <= _room(max_width, kept):
                break
            kept.remove(i)
            dropped.append(i)
        for i in reversed(dropped[:-1]):  # a column left out before a wide one was may fit now that it is gone
            kept.append(i)
            if sum(widths[k].minimum for k in kept) > _room(max_width, kept):
                kept.remove(i)
        return sorted(kept)


def _room(max_width: int, kept: list[int]) -> int:
    """The width left for the columns' text: each column's padding and border, and the last border."""
    return max_width - 3 * len(kept) - 1


def table(*columns: str | Col) -> Rows:
    return Rows([c if isinstance(c, Col) else Col(c) for c in columns])


def add_row(rows: Rows, *cells) -> None:
    """Cells are data (message text, names): printed literally, never read as rich markup."""
    rows.rows.append([c if isinstance(c, Text) else Text(str(c)) for c in cells])


def show(rows: Rows) -> None:
    output.out.print(rows)


# -- the tables more than one command prints -----------------------------------------------------


def conversation_columns(platform_drop: int, messages_drop: int) -> list[Col]:
    """The columns a table of conversations opens with: number, platform, name, messages (`drop`: as each table orders them)."""
    return [
        Col("#", whole=True),
        Col("Platform", whole=True, drop=platform_drop),
        Col("Conversation"),
        Col("Messages", whole=True, drop=messages_drop),
    ]


def matters_table(matters: list[filing.Matter], tz) -> None:
    rows = table(
        Col("Matter", whole=True),
        Col("Client", drop=4),
        Col("Title", min_width=12),
        Col("Opened", whole=True, drop=1),
        Col("Status", min_width=6, drop=5),
        Col("Conversations", whole=True, drop=2),
        Col("Messages", whole=True, drop=3),
    )
    for m in matters:
        status = m.status + (", legal hold" if m.legal_hold else "")
        add_row(
            rows,
            m.reference,
            m.client,
            m.title,
            times.display(m.opened_at, tz),
            status,
            str(m.conversations),
            str(m.messages),
        )
    show(rows)


def conversations_table(conversations: list[filing.ConversationSummary], tz) -> None:
    # A conversation by its own title alone where it has one (a group's members made its row as tall
    # as the group is large; --json lists them), else by its participants.
    rows = table(
        *conversation_columns(platform_drop=2, messages_drop=3),
        Col("First", whole=True, drop=1),
        Col("Last", whole=True, drop=4),
        Col("Matter"),
        Col("Unfiled", whole=True, drop=5),
    )
    for c in conversations:
        ignored = getattr(c, "ignored", None)  # (set aside: `conversation ignore`; a client's list does not say)
        add_row(
            rows,
            str(c.id),
            c.platform,
            filing.label(c),
            str(c.messages),
            times.display(c.first, tz, c.first_precision),
            times.display(c.last, tz, c.last_precision),
            ", ".join(c.matters + (["ignored"] if ignored else [])) or "—",
            str(c.unfiled) if c.unfiled and not ignored else "",
        )
    show(rows)
