"""What review reads besides the messages: the working hours, the lexicon languages, whether a text
to a client with no consent on record is flagged, and the archive's own changes to the lexicons.

- One row of `review_settings`, made the first time anything is set or scanned; until then the
  defaults hold (English, consent required, no hours).
- The lexicon review runs is the shipped lexicons of its languages merged, then the archive's
  changes (`review_lexicon`): a term added to a category (a new category needs its direction), a
  shipped term removed. `reset` forgets the changes. Each change is one audit entry.
- A term is kept as typed (stripped); it matches as a phrase through the full-text index, so the
  case and accents it is typed with do not matter, and a term that holds no word is refused.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field

from textfile import audit, times
from textfile.errors import Conflict, InvalidInput, NotFound
from textfile.results import Result
from textfile.review import hours, lexicons
from textfile.review.lexicons import Category

DEFAULTS = {"hours": None, "languages": '["en"]', "consent_required": 1}


@dataclass(slots=True, eq=False)
class ReviewSettings(Result):
    """What the rules read: the working hours (their spec and holidays, None: not set), the lexicon
    languages, and whether a text to a client with no consent on record is flagged."""

    hours: str | None
    holidays: list[str]
    languages: list[str]
    consent_required: bool


@dataclass(slots=True, eq=False)
class LexiconTerm(Result):
    """A term of the lexicon review runs: its category, the direction it applies to, and where it
    comes from (the shipped lexicon of a language, or the archive's own addition: who, when)."""

    category: str
    direction: str
    term: str
    source: str
    changed_at: str | None = None
    changed_by: str | None = None


@dataclass(slots=True, eq=False)
class LexiconChange(Result):
    """A change to the archive's lexicon (`review lexicon add|remove|reset`)."""

    change: str
    category: str | None
    terms: list[str] = field(default_factory=list)
    direction: str | None = None


def row(conn: sqlite3.Connection) -> dict:
    """The settings row, or the defaults when none is made yet."""
    found = conn.execute("SELECT * FROM review_settings WHERE id = 1").fetchone()
    return dict(found) if found else dict(DEFAULTS, scanned_to=0, scanned_import=0, signatures="{}")


def ensure_row(conn: sqlite3.Connection) -> None:
    conn.execute("INSERT OR IGNORE INTO review_settings (id) VALUES (1)")


def current(conn: sqlite3.Connection) -> ReviewSettings:
    data = row(conn)
    stored = json.loads(data["hours"]) if data["hours"] else None
    return ReviewSettings(
        stored["spec"] if stored else None,
        list(stored.get("holidays", [])) if stored else [],
        json.loads(data["languages"]),
        bool(data["consent_required"]),
    )


def working_hours(conn: sqlite3.Connection) -> hours.Hours | None:
    """The working hours, or None when none are set."""
    data = row(conn)["hours"]
    return hours.from_json(data) if data else None


def set_review_settings(
    conn: sqlite3.Connection,
    *,
    hours_spec: str | None = None,
    holidays: list[str] | None = None,
    languages: list[str] | None = None,
    consent_required: bool | None = None,
    audited: bool = True,
) -> ReviewSettings:
    """Change what is given (hours "none" clears them); one audit entry with the settings before and after."""
    was = current(conn)
    ensure_row(conn)
    if hours_spec is not None or holidays is not None:
        spec = was.hours if hours_spec is None else hours_spec.strip()
        if spec is None or spec.lower() in ("", "none", "off"):
            if holidays:
                raise InvalidInput("holidays need working hours: give --hours too")
            value = None
        else:
            parsed = hours.parse(spec)
            if holidays is not None or (hours_spec is None or not parsed.holidays):
                parsed = hours.with_holidays(parsed, was.holidays if holidays is None else holidays)
            value = hours.to_json(parsed)
        conn.execute("UPDATE review_settings SET hours = ? WHERE id = 1", (value,))
    if languages is not None:
        chosen = _languages(languages)
        conn.execute("UPDATE review_settings SET languages = ? WHERE id = 1", (json.dumps(chosen),))
    if consent_required is not None:
        conn.execute("UPDATE review_settings SET consent_required = ? WHERE id = 1", (int(consent_required),))
    now = current(conn)
    if audited and now.to_json() != was.to_json():
        audit.append(conn, "settings", {"was": was.to_json(), "now": now.to_json()})
    return now


def _languages(languages: list[str]) -> list[str]:
    chosen = list(dict.fromkeys(code.strip() for text in languages for code in text.split(",") if code.strip()))
    if not chosen:
        raise InvalidInput("give at least one lexicon language, e.g. en")
    available = lexicons.languages()
    for code in chosen:
        if code not in available:
            raise InvalidInput(f"no lexicon ships for {code!r} (there are: {', '.join(available)})")
    return chosen


# -- the lexicon review runs ------------------------------------------------------------------


def lexicon(conn: sqlite3.Connection) -> dict[str, Category]:
    """The shipped lexicons of the archive's languages, merged, with the archive's changes."""
    return {name: Category(c.direction, tuple(t.term for t in terms)) for name, (c, terms) in _terms(conn).items()}


def lexicon_terms(conn: sqlite3.Connection) -> list[LexiconTerm]:
    """Every term of the lexicon review runs, by category, with where it comes from."""
    return [t for _, terms in _terms(conn).values() for t in terms]


def _terms(conn: sqlite3.Connection) -> dict[str, tuple[Category, list[LexiconTerm]]]:
    languages = current(conn).languages
    out: dict[str, tuple[Category, list[LexiconTerm]]] = {}
    for language in languages:
        for name, category in lexicons.shipped(language).items():
            _, terms = out.setdefault(name, (category, []))
            seen = {_key(t.term) for t in terms}
            terms += [
                LexiconTerm(name, category.direction, term, f"shipped ({language})")
                for term in category.terms
                if _key(term) not in seen
            ]
    changes = conn.execute("SELECT * FROM review_lexicon ORDER BY changed_at, category, term").fetchall()
    for change in changes:
        if change["change"] == "remove" and change["category"] in out:
            category, terms = out[change["category"]]
            out[change["category"]] = (category, [t for t in terms if _key(t.term) != _key(change["term"])])
    for change in changes:
        if change["change"] == "add":
            category, terms = out.setdefault(change["category"], (Category(change["direction"] or "any", ()), []))
            if _key(change["term"]) not in {_key(t.term) for t in terms}:
                terms.append(
                    LexiconTerm(
                        change["category"],
                        category.direction,
                        change["term"],
                        "added",
                        change["changed_at"],
                        change["changed_by"],
                    )
                )
    return out


def _key(term: str) -> str:
    """What decides two terms are one: their words, as the index reads them (case and accents aside)."""
    return " ".join(lexicons.words(term))


def add_terms(conn: sqlite3.Connection, category: str, terms: list[str], direction: str | None = None) -> LexiconChange:
    category = _category_name(category)
    known = _terms(conn)
    if category not in known and direction is None:
        raise InvalidInput(
            f"{category!r} is a new category: say which messages it flags with --direction in|out|any"
            f" (the categories: {', '.join(sorted(known))})"
        )
    if category in known and direction is not None and direction != known[category][0].direction:
        raise Conflict(f"category {category!r} flags {known[category][0].direction!r} messages, not {direction!r}")
    added = []
    for term in _clean_terms(terms):
        if category in known and _key(term) in {_key(t.term) for t in known[category][1]}:
            raise Conflict(f"{term!r} is already a term of {category!r}")
        conn.execute("DELETE FROM review_lexicon WHERE category = ? AND term = ?", (category, term))
        conn.execute(
            "INSERT INTO review_lexicon (category, term, change, direction, changed_at, changed_by)"
            " VALUES (?, ?, 'add', ?, ?, ?)",
            (category, term, direction or known[category][0].direction, times.now_iso(), audit.current_user()),
        )
        added.append(term)
    change = LexiconChange("add", category, added, direction or known[category][0].direction)
    audit.append(conn, "review lexicon add", change.to_json())
    return change


def remove_terms(conn: sqlite3.Connection, category: str, terms: list[str]) -> LexiconChange:
    category = _category_name(category)
    known = _terms(conn)
    if category not in known:
        raise NotFound(f"no category {category!r} (the categories: {', '.join(sorted(known))})")
    removed = []
    for term in _clean_terms(terms):
        match = [t for t in known[category][1] if _key(t.term) == _key(term)]
        if not match:
            raise NotFound(f"{term!r} is not a term of {category!r}")
        if match[0].source == "added":
            conn.execute("DELETE FROM review_lexicon WHERE category = ? AND term = ?", (category, match[0].term))
        else:
            conn.execute(
                "INSERT OR REPLACE INTO review_lexicon (category, term, change, direction, changed_at, changed_by)"
                " VALUES (?, ?, 'remove', NULL, ?, ?)",
                (category, match[0].term, times.now_iso(), audit.current_user()),
            )
        removed.append(match[0].term)
    change = LexiconChange("remove", category, removed)
    audit.append(conn, "review lexicon remove", change.to_json())
    return change


def reset_lexicon(conn: sqlite3.Connection, category: str | None = None) -> LexiconChange:
    """Forget the archive's changes (to one category, or all): the shipped lexicon again."""
    where, args = ("WHERE category = ?", (category,)) if category else ("", ())
    terms = [
        f"{r[0]}: {r[1]} {r[2]}"
        for r in conn.execute(f"SELECT change, category, term FROM review_lexicon {where}", args)
    ]
    if not terms:
        raise Conflict("the lexicon has no changes to reset" + (f" in {category!r}" if category else ""))
    conn.execute(f"DELETE FROM review_lexicon {where}", args)
    change = LexiconChange("reset", category, terms)
    audit.append(conn, "review lexicon reset", change.to_json())
    return change


def _category_name(text: str) -> str:
    name = text.strip().lower().replace("-", "_").replace(" ", "_")
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise InvalidInput(f"not a category name: {text!r} (letters, digits and _)")
    return name


def _clean_terms(terms: list[str]) -> list[str]:
    out = list(dict.fromkeys(t.strip() for t in terms if t.strip()))
    if not out:
        raise InvalidInput("give at least one term")
    for term in out:
        if not lexicons.words(term):
            raise InvalidInput(f"{term!r} holds no word the index can match (letters or digits)")
    return out
