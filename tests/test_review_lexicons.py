"""Issue 18: the lexicons flag whole words and phrases, case- and accent-insensitively, through the
full-text index, in the direction each category applies to; every shipped language (English and the
languages the WhatsApp importer reads that textfile ships) is well formed, safe to query, and tried on
messages that must and must not match (tests/lexicon_cases.py); several languages merge into one."""

from __future__ import annotations

import json
import sqlite3
from importlib import resources

import pytest
from conftest import ingest_records, msg
from lexicon_cases import CASES

from textfile.errors import InvalidInput
from textfile.review import lexicons


def flagged(archive, bodies: list[tuple[str, bool]], lexicon=None) -> dict[str, list[tuple[str, str]]]:
    """Each body (incoming, or outgoing when True) -> the (category, term) pairs that flag it."""
    ingest_records(archive, [msg(n, body, out=out) for n, (body, out) in enumerate(bodies, 1)])
    text = dict(archive.conn.execute("SELECT rowid, body FROM messages"))
    out: dict[str, list[tuple[str, str]]] = {body: [] for body, _ in bodies}
    for hit in lexicons.hits(archive.conn, lexicon or lexicons.shipped("en")):
        out[text[hit.rowid]].append((hit.category, hit.term))
    return out


def test_whole_words_and_phrases_whatever_their_case_and_accents(archive):
    lexicon = {
        "deadlines": lexicons.Category("in", ("hearing", "court date")),
        "optout": lexicons.Category("in", ("stop",)),
        "pt": lexicons.Category("in", ("audiência",)),
    }
    found = flagged(
        archive,
        [
            ("The HEARING is moved to Friday", False),
            ("Is the court date still the 5th?", False),
            ("I timed it with a stopwatch", False),  # not "stop"
            ("Please stop texting me", False),
            ("A audiencia foi adiada", False),  # the accent left out: still the word
            ("the date of court is unclear", False),  # the words, not in a row
            ("hearings are public", False),  # another word: the index does not stem
        ],
        lexicon,
    )
    assert found == {
        "The HEARING is moved to Friday": [("deadlines", "hearing")],
        "Is the court date still the 5th?": [("deadlines", "court date")],
        "I timed it with a stopwatch": [],
        "Please stop texting me": [("optout", "stop")],
        "A audiencia foi adiada": [("pt", "audiência")],
        "the date of court is unclear": [],
        "hearings are public": [],
    }


def test_each_category_flags_the_direction_it_applies_to(archive):
    found = flagged(
        archive,
        [
            ("I want to kill myself 😞", False),
            ("They arrested my son last night", False),
            ("Your diagnosis is in the portal", True),
            ("Your diagnosis is in the portal?", False),  # a client's own words: not a content limit
            ("The settlement offer is 40k", True),
            ("See you at the hearing", True),  # the professional's own reminder: not an escalation
        ],
    )
    assert found == {
        "I want to kill myself 😞": [("safety", "kill myself")],
        "They arrested my son last night": [("arrest", "arrested")],
        "Your diagnosis is in the portal": [("content_limits", "diagnosis")],
        "Your diagnosis is in the portal?": [],
        "The settlement offer is 40k": [
            ("content_limits", "settlement offer"),
            ("money", "offer"),
            ("money", "settlement"),
        ],
        "See you at the hearing": [],
    }


def test_a_term_is_a_phrase_never_a_query(archive):
    """Quotes, operators and column filters in a term are words to find, not FTS5 syntax."""
    lexicon = {"odd": lexicons.Category("any", ('say "no"', "NEAR", "body:x", "a OR b"))}
    found = flagged(archive, [('I say "no" to that', False), ("near the body x", False)], lexicon)
    assert found == {
        'I say "no" to that': [("odd", 'say "no"')],
        "near the body x": [("odd", "NEAR"), ("odd", "body:x")],  # (the words "body x": ":" separates them)
    }


def test_only_messages_after_a_rowid_for_an_incremental_review(archive):
    ingest_records(archive, [msg(1, "hearing one"), msg(2, "hearing two")])
    first = min(r for (r,) in archive.conn.execute("SELECT rowid FROM messages"))
    hits = lexicons.hits(archive.conn, {"d": lexicons.Category("in", ("hearing",))}, since_rowid=first)
    assert [h.rowid for h in hits] == [first + 1]


def test_the_shipped_lexicon_has_every_category_the_articles_name():
    shipped = lexicons.shipped("en")
    assert set(shipped) == {"deadlines", "arrest", "safety", "money", "content_limits"}
    assert {c.direction for c in shipped.values()} == {"in", "out", "any"}
    assert all(c.terms and len(set(c.terms)) == len(c.terms) for c in shipped.values())


# -- every shipped language (issue 18: the languages the WhatsApp importer reads) -----------------

CATEGORIES = {"deadlines": "in", "arrest": "in", "safety": "in", "money": "any", "content_limits": "out"}


def test_the_shipped_languages():
    assert lexicons.languages() == ["de", "en", "es", "fr", "it", "nl", "pt"]


def test_an_unknown_language_is_refused_with_those_there_are():
    for language in ("xx", "EN", "../review/lexicons/en", ""):
        with pytest.raises(InvalidInput) as refused:
            lexicons.shipped(language)
        assert str(refused.value) == f"no lexicon for the language {language!r}: there are de, en, es, fr, it, nl, pt"


@pytest.mark.parametrize("language", lexicons.languages())
def test_each_shipped_lexicon_is_well_formed(language):
    """The file names its language and says how it matches; it has the five categories, each in its
    direction; every term is words the index can find, stripped, once, none inside another of its
    category (a message would be listed twice for one flag)."""
    folder = resources.files("textfile.review") / "lexicons"
    data = json.loads((folder / f"{language}.json").read_text("utf-8"))
    assert (data["language"], bool(data["note"].strip())) == (language, True)
    assert {name: c["direction"] for name, c in data["categories"].items()} == CATEGORIES
    for name, category in data["categories"].items():
        terms = category["terms"]
        words = [index_words(t) for t in terms]
        assert [t for t in terms if t != t.strip() or not index_words(t)] == [], name
        assert len(set(words)) == len(words), (name, [t for t, w in zip(terms, words) if words.count(w) > 1])
        inside = [(a, b) for a, wa in zip(terms, words) for b, wb in zip(terms, words) if a != b and contains(wb, wa)]
        assert inside == [], name
        assert lexicons.shipped(language)[name] == lexicons.Category(category["direction"], tuple(terms))


@pytest.mark.parametrize("language", lexicons.languages())
def test_no_term_is_query_syntax(archive, language):
    """Every term, as the phrase hits() sends, is a valid query that finds nothing in an empty archive."""
    for category in lexicons.shipped(language).values():
        for term in category.terms:
            query = "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH ?"
            assert archive.conn.execute(query, (lexicons.phrase(term),)).fetchone()[0] == 0, term


@pytest.mark.parametrize("language", sorted(CASES))
def test_each_category_of_each_language_on_messages_that_must_and_must_not_match(archive, language):
    cases = CASES[language]
    assert set(cases) == set(CATEGORIES)
    for name, rows in cases.items():  # at least two of each, one of them in the other direction
        assert sum(1 for _, _, hits in rows if any(c == name for c, _ in hits)) >= 2, name
        assert sum(1 for _, _, hits in rows if not hits) >= 2, name
        other = {"in": True, "out": False}.get(CATEGORIES[name])
        assert other is None or any(out == other and not hits for _, out, hits in rows), name
    rows = [row for name in CATEGORIES for row in cases[name]]
    assert len({body for body, _, _ in rows}) == len(rows)  # (the answer is by body)
    found = flagged(archive, [(body, out) for body, out, _ in rows], lexicons.shipped(language))
    assert found == {body: hits for body, _, hits in rows}


def test_every_shipped_language_has_its_cases():
    assert sorted(CASES) == lexicons.languages()


def test_emoji_and_right_to_left_text_around_a_term(archive):
    """Emoji and the marks that order right-to-left text separate words as spaces do; Arabic or
    Hebrew words beside a term are other words. Letters of any script written with no space between
    them are one word, as they are for the index."""
    found = flagged(
        archive,
        [
            ("arrested🚓", False),
            ("👮‍♂️police came to the house", False),
            ("قالوا إنه arrested أمس", False),
            ("\u200farrestado\u200f", False),
            ("השופט אמר audiencia\u200e מחר", False),
            ("\u200eשלום\u200f HEARING ✅", False),
            ("هو الآن في CÁRCEL", False),
            ("شرطةpolice", False),  # one word
            ("קיבלתי hearing\u200f", True),  # outgoing: not an escalation
        ],
        lexicons.merged(["en", "es"]),
    )
    assert found == {
        "arrested🚓": [("arrest", "arrested")],
        "👮‍♂️police came to the house": [("arrest", "police")],
        "قالوا إنه arrested أمس": [("arrest", "arrested")],
        "\u200farrestado\u200f": [("arrest", "arrestado")],
        "השופט אמר audiencia\u200e מחר": [("deadlines", "audiencia")],
        "\u200eשלום\u200f HEARING ✅": [("deadlines", "hearing")],
        "هو الآن في CÁRCEL": [("arrest", "cárcel")],
        "شرطةpolice": [],
        "קיבלתי hearing\u200f": [],
    }


def test_merged_lexicons_keep_each_word_once_in_the_first_spelling(monkeypatch):
    given = {
        "es": {
            "deadlines": lexicons.Category("in", ("audiencia", "plazo")),
            "money": lexicons.Category("any", ("oferta",)),
        },
        "pt": {
            "deadlines": lexicons.Category("in", ("Audiência", "prazo", "plazo")),
            "safety": lexicons.Category("in", ("188",)),
        },
        "xx": {"money": lexicons.Category("out", ("oferta",))},
    }
    monkeypatch.setattr(lexicons, "shipped", given.__getitem__)
    assert lexicons.merged(["es", "pt"]) == {
        "deadlines": lexicons.Category("in", ("audiencia", "plazo", "prazo")),
        "money": lexicons.Category("any", ("oferta",)),
        "safety": lexicons.Category("in", ("188",)),
    }
    assert lexicons.merged(["pt", "es"])["deadlines"] == lexicons.Category("in", ("Audiência", "prazo", "plazo"))
    with pytest.raises(InvalidInput) as refused:
        lexicons.merged(["es", "xx"])
    assert str(refused.value) == (
        "the category 'money' applies to 'out' messages in the 'xx' lexicon but to 'any' in the 'es' one:"
        " they cannot be merged"
    )


def test_the_shipped_lexicons_merged():
    """One language merged is that language; several hold each of their terms, a word two spell alike once."""
    assert lexicons.merged(["en"]) == lexicons.shipped("en")
    everything = lexicons.merged(lexicons.languages())
    assert {name: c.direction for name, c in everything.items()} == CATEGORIES
    for name, category in everything.items():
        words = [index_words(t) for t in category.terms]
        assert len(set(words)) == len(words)
        assert set(words) == {
            index_words(t) for lang in lexicons.languages() for t in lexicons.shipped(lang)[name].terms
        }
    assert everything["arrest"].terms.count("police") == 1  # English and French
    assert "audiência" not in everything["deadlines"].terms  # Spanish "audiencia" came first


# -- helpers --------------------------------------------------------------------------------------


def index_words(term: str) -> tuple[str, ...]:
    """The words the full-text index reads in a text (its own tokenizer, on a table of its own)."""
    conn = _TOKENIZER
    conn.execute("DELETE FROM t")
    conn.execute("INSERT INTO t (rowid, body) VALUES (1, ?)", (term,))
    return tuple(word for (word,) in conn.execute("SELECT term FROM v ORDER BY offset"))


def contains(words: tuple[str, ...], part: tuple[str, ...]) -> bool:
    return len(part) < len(words) and any(words[i : i + len(part)] == part for i in range(len(words) - len(part) + 1))


_TOKENIZER = sqlite3.connect(":memory:")
_TOKENIZER.execute("CREATE VIRTUAL TABLE t USING fts5 (body, tokenize='unicode61 remove_diacritics 2')")
_TOKENIZER.execute("CREATE VIRTUAL TABLE v USING fts5vocab (t, 'instance')")


def test_a_hold_s_reason_made_in_sql_is_the_json_reason_writes(archive):
    """The lexicon's holds are gathered and their reasons made in SQL (flat memory on a large import):
    byte for byte the compact, key-sorted JSON `rules.reason` writes, terms sorted, amounts first."""
    from textfile.review import rules

    lexicon = {
        "deadlines": lexicons.Category("in", ('say "when"', "back\\slash", "audiência", "zoë", "court")),
        "money": lexicons.Category("any", ("fee", "retainer")),
    }
    ingest_records(
        archive,
        [
            msg(1, 'court, then say "when" and back\\slash'),
            msg(2, "AUDIÊNCIA amanhã; Zoë 📅 court"),
            msg(3, "The fee is $4,000 and the retainer € 1.200,50", out=True),
            msg(4, "500 bucks, no term"),
            msg(5, "nothing here"),
        ],
    )
    rules.start(archive.conn)
    rules.lexicon_holds(archive.conn, lexicon, rules.EVERYTHING)
    got = {tuple(r[:2]): r[2] for r in archive.conn.execute("SELECT rowid, rule, reason FROM temp.review_holds")}

    expected = {
        (1, "deadlines"): {"terms": ["back\\slash", "court", 'say "when"']},
        (2, "deadlines"): {"terms": ["audiência", "court", "zoë"]},
        (3, "money"): {"amounts": ["$4,000", "€ 1.200,50"], "terms": ["fee", "retainer"]},
        (4, "money"): {"amounts": ["500 bucks"], "terms": []},
    }
    assert got == {key: rules.reason(data) for key, data in expected.items()}


def test_an_amount_ends_at_its_last_digit_not_at_the_full_stop_after_it():
    from textfile.review.rules import AMOUNT

    said = ["Just $4,000.", "40000 dollars.", "$4,000, then", "€ 1.200,50 now", "$40k.", "$1.5 million."]
    assert [[a.group(0) for a in AMOUNT.finditer(t)] for t in said] == [
        ["$4,000"],
        ["40000 dollars"],
        ["$4,000"],
        ["€ 1.200,50"],
        ["$40k"],
        ["$1.5 million"],
    ]


def test_the_crisis_wording_a_therapist_meets_flags_as_safety(archive):
    """Second reader, round 15: "I feel unsafe" and "I cannot do this anymore", in working hours, raised nothing (the
    list had "not safe" and "want to die" only); an everyday "unsafe" does not flag."""
    found = flagged(
        archive,
        [
            ("I feel unsafe", False),
            ("I can't do this anymore", False),
            ("I cannot go on like this", False),
            ("Honestly they'd be better off without me", False),
            ("There is no reason to live", False),
            ("The porch steps are unsafe", False),
        ],
    )
    assert found == {
        "I feel unsafe": [("safety", "feel unsafe")],
        "I can't do this anymore": [("safety", "can't do this anymore")],
        "I cannot go on like this": [("safety", "cannot go on")],
        "Honestly they'd be better off without me": [("safety", "better off without me")],
        "There is no reason to live": [("safety", "no reason to live")],
        "The porch steps are unsafe": [],
    }
