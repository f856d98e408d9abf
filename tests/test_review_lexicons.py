"""Issue 18, begun: the lexicons flag whole words and phrases, case- and accent-insensitively, through
the full-text index, in the direction each category applies to."""

from __future__ import annotations

from conftest import ingest_records, msg

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
