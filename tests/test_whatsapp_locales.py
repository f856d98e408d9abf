"""The WhatsApp locale table (importers/whatsapp/locales.py): every language block names every kind of
phrase, or says it has none (ABSENT) or that none has been seen yet (UNSEEN). Prints the coverage matrix."""

from textfile.importers.whatsapp import locales

MARK = {locales.ABSENT: "-", locales.UNSEEN: "?"}


def matrix() -> tuple[str, list[str]]:
    """The matrix (language × kind: + words, - ABSENT, ? UNSEEN, ! left out) and the kinds left out or mistyped."""
    kinds = list(locales.KINDS)
    rows, wrong = ["lang     " + " ".join(k[:7].ljust(7) for k in kinds)], []
    for lang, block in locales.LANGUAGES.items():
        cells = []
        for kind in kinds:
            value = block.get(kind, "!")
            if isinstance(value, str) and value in MARK:
                cells.append(MARK[value])
            elif kind == "am_pm" and isinstance(value, locales.AmPm):
                cells.append("+")
            elif kind != "am_pm" and isinstance(value, tuple | dict) and value:
                cells.append("+")
            else:
                cells.append("!")
                wrong.append(f"{lang}: {kind} = {value!r} (words, ABSENT or UNSEEN)")
        wrong += [f"{lang}: unknown kind {kind!r}" for kind in block if kind not in locales.KINDS]
        rows.append(f"{lang:<8} " + " ".join(c.ljust(7) for c in cells))
    return "\n".join(rows), wrong


def test_every_language_names_every_kind_of_phrase():
    shown, wrong = matrix()
    print("\n" + shown)
    assert wrong == []


def test_a_kind_left_out_fails(monkeypatch):
    block = dict(locales.LANGUAGES["de"])
    del block["call"]
    monkeypatch.setitem(locales.LANGUAGES, "de", block)
    assert matrix()[1] == ["de: call = '!' (words, ABSENT or UNSEEN)"]


def test_the_words_reach_the_rules_that_look_for_them():
    from textfile.importers.whatsapp import body, header, people

    assert body._phrase("Verpasster Sprachanruf") in body._MISSED_CALLS
    assert body._OMITTED_KIND[body._phrase("画像は含まれていません")] == "image"
    assert body._phrase("画像は含まれていません") not in body._OMITTED_IOS  # (after the mark only)
    assert header._hour("3", "nachm.", None) == 15
    assert header.HEADER.match("12.3.2022 klo 14.08.18 - Name: text").group("H") == "14"
    assert people.chat_name_from_file("WhatsApp Chat s uživatelem Jan Novák.txt") == "Jan Novák"
    assert people.chat_name_from_file("Sam ile WhatsApp Sohbeti.txt") == "Sam"
