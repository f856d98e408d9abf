"""Lexicons: the words and phrases that flag a message for a professional's attention.

Each shipped lexicon (`lexicons/<language>.json`) names categories (deadlines and court dates,
arrest and police, safety and crisis, money and settlement, and for outgoing messages the content
limits the articles name), each with the direction it applies to and its terms. A term is a whole
word or a phrase; it is matched through the archive's full-text index (`messages_fts`, tokenizer
unicode61 with diacritics removed), so matching is by whole tokens, case- and accent-insensitive
("STOP" never matches "stopwatch", "audiência" matches "audiencia"), and a million messages cost
one index lookup per term, not a scan. Inflections are listed, not guessed (the index does not stem).
"""

from __future__ import annotations

import json
import sqlite3
from functools import lru_cache
from importlib import resources
from typing import NamedTuple

DIRECTIONS = {"in": ("in",), "out": ("out",), "any": ("in", "out")}


class Category(NamedTuple):
    """A lexicon's category: the direction of the messages it flags, and its terms."""

    direction: str  # in, out or any
    terms: tuple[str, ...]


class Hit(NamedTuple):
    """A message a term of a category matched."""

    rowid: int
    category: str
    term: str


@lru_cache(maxsize=8)
def shipped(language: str = "en") -> dict[str, Category]:
    """The lexicon textfile ships for this language, by category."""
    data = json.loads((resources.files("textfile.review") / "lexicons" / f"{language}.json").read_text("utf-8"))
    return {
        name: Category(c["direction"], tuple(dict.fromkeys(t.strip() for t in c["terms"] if t.strip())))
        for name, c in data["categories"].items()
    }


def phrase(term: str) -> str:
    """A term as an FTS5 phrase: its words in a row, quoted (a quote in it doubled), never an operator."""
    return '"' + term.replace('"', '""') + '"'


def hits(conn: sqlite3.Connection, lexicon: dict[str, Category], since_rowid: int = 0) -> list[Hit]:
    """Every message after `since_rowid` that a term matches, in the direction its category applies
    to, by message then category and term (a message a category's several terms match is listed once
    for each)."""
    found: list[Hit] = []
    for name, category in lexicon.items():
        directions = DIRECTIONS[category.direction]
        marks = ",".join("?" * len(directions))
        for term in category.terms:
            found += [
                Hit(rowid, name, term)
                for (rowid,) in conn.execute(
                    "SELECT m.rowid FROM messages_fts f JOIN messages m ON m.rowid = f.rowid"
                    f" WHERE messages_fts MATCH ? AND m.rowid > ? AND m.direction IN ({marks})",
                    (phrase(term), since_rowid, *directions),
                )
            ]
    return sorted(found)


def words(text: str) -> list[str]:
    """The words the full-text index reads in a text (tokenizer unicode61, diacritics removed):
    letters and digits, case folded, accents dropped, everything else a separator."""
    import unicodedata

    folded = "".join(
        c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c)
    )
    return [w for w in _SEPARATORS.split(folded) if w]


_SEPARATORS = __import__("re").compile(r"[^\w]+|_")
