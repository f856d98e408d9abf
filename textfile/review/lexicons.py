"""Lexicons: the words and phrases that flag a message for a professional's attention.

Each shipped lexicon (`lexicons/<language>.json`) names categories (deadlines and court dates,
arrest and police, safety and crisis, money and settlement, and for outgoing messages the content
limits the articles name), each with the direction it applies to and its terms. A term is a whole
word or a phrase; it is matched through the archive's full-text index (`messages_fts`, tokenizer
unicode61 with diacritics removed), so matching is by whole tokens, case- and accent-insensitive
("STOP" never matches "stopwatch", "audiência" matches "audiencia"), and a million messages cost
one index lookup per term, not a scan. Inflections are listed, not guessed (the index does not stem).

A language is the name of a shipped file (`languages()`); asking for another is the user's mistake,
told with the list of those there are. An archive whose clients write several languages reviews with
their union (`merged`): per category, every language's terms, each once: a term two languages spell
alike up to case and accents (English and French "police", Spanish "audiencia" and Portuguese
"audiência") is kept in the first one's spelling, so that no message is listed twice for one word.
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from functools import lru_cache
from importlib import resources
from typing import NamedTuple

from textfile.errors import InvalidInput

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


def languages() -> list[str]:
    """The languages textfile ships a lexicon for, sorted ("de", "en", "es"…)."""
    folder = resources.files("textfile.review") / "lexicons"
    return sorted(f.name.removesuffix(".json") for f in folder.iterdir() if f.name.endswith(".json"))


@lru_cache(maxsize=16)
def shipped(language: str = "en") -> dict[str, Category]:
    """The lexicon textfile ships for this language, by category."""
    available = languages()
    if language not in available:
        raise InvalidInput(f"no lexicon for the language {language!r}: there are {', '.join(available)}")
    data = json.loads((resources.files("textfile.review") / "lexicons" / f"{language}.json").read_text("utf-8"))
    return {
        name: Category(c["direction"], tuple(dict.fromkeys(t.strip() for t in c["terms"] if t.strip())))
        for name, c in data["categories"].items()
    }


def merged(languages: list[str]) -> dict[str, Category]:
    """The shipped lexicons of these languages as one: per category (in the order first met), the
    terms of each language in turn, a term the index cannot tell from one already there left out."""
    directions: dict[str, tuple[str, str]] = {}  # category -> (its direction, the language that set it)
    terms: dict[str, dict[str, str]] = {}  # category -> the words of a term -> its first spelling
    for language in languages:
        for name, category in shipped(language).items():
            direction, first = directions.setdefault(name, (category.direction, language))
            if category.direction != direction:
                raise InvalidInput(
                    f"the category {name!r} applies to {category.direction!r} messages in the {language!r}"
                    f" lexicon but to {direction!r} in the {first!r} one: they cannot be merged"
                )
            for term in category.terms:
                terms.setdefault(name, {}).setdefault(_words(term), term)
    return {name: Category(directions[name][0], tuple(terms.get(name, {}).values())) for name in directions}


def _words(term: str) -> str:
    """A term's words as the index reads them: lower case, accents removed, split at whatever is not
    a letter or a digit (close to unicode61 with remove_diacritics 2: "ß" stays, as it does there)."""
    bare = "".join(ch for ch in unicodedata.normalize("NFD", term.lower()) if not unicodedata.combining(ch))
    return " ".join(re.findall(r"[^\W_]+", bare))


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
    folded = "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))
    return [w for w in _SEPARATORS.split(folded) if w]


_SEPARATORS = re.compile(r"[^\w]+|_")
