"""What a transcript prints is the text the archive holds (issue 14, points 3 and 4).

A message that is one long word (a base64 blob, a URL) printed its first line's worth and ran off
the page, while `verify FILE.pdf` vouched for it; a run of marks (U+FFFD) did the same. And the
characters that change how text is displayed were applied without being seen: "invoice\\u202efdp.exe"
printed as "invoiceexe.pdf". Here the PDF's text is extracted (pdftotext) and every character of
every message is found in it, in order, on the page; each such character is printed as a mark where
it stands (the PDF's text holds the mark in its place: `printed`), and the cover says what each means.

How the PDF's text is compared: white space is set aside on both sides. A line break the renderer
made (where a line wraps) is white space in the extracted text and nothing in the message, and
pdftotext reads the gap a mark's box leaves on each side of it as a space; no other character may be
added, dropped or moved. A message with right-to-left text is compared as a set of characters
(pdftotext puts a right-to-left line in an order of its own), the rest in order; both in one normal
form (NFC: a font draws "e\u0301" and "\u00e9" with one glyph, for which the PDF's text holds one of
the two, whichever was drawn first). Not compared: a
vowel sign written before its consonant (Devanagari "ि"), which is printed but which WeasyPrint
writes into the PDF's text as nothing (its glyph comes first in a cluster; one text per glyph).
"""

from __future__ import annotations

import base64
import json
import random
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from conftest import ME, msg
from test_transcript_layout import archive_with

from textfile.archive import Archive
from textfile.model import INVISIBLE, Attachment, Conversation, Participant, Version
from textfile.transcript.manifest import read as manifest_bytes

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")

RNG = random.Random(14)
BLOB = base64.b64encode(bytes(RNG.randrange(256) for _ in range(3750))).decode()  # 5,000 characters
URL = ("https://example.com/track?" + "&".join(f"p{i}={RNG.randrange(10**9):09d}" for i in range(200)))[:2000]
BODIES = {
    "blob": BLOB,
    "url": f"the link {URL} again",
    "letters": "".join(RNG.choices("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", k=3000)),
    "ligatures": "office" * 400 + " " + "affluent" * 200,  # "ffi", "ffl": a break never parts a ligature from the text
    "marks": "\ufffd" * 400,  # a run of marks: each a place to break after it
    "split": "x" * 1500 + "\ufffd" + "y" * 1500,  # a long word cut by a mark
    "scripts": (
        "合同" * 300
        + " "
        + "สวัสดีครับ" * 60
        + " नमस्ते" * 20
        + " Привет" * 50
        + "Доброеутро" * 30
        + " 👍🏽👨‍👩‍👧🇺🇸🇬🇧" * 40
        + " e\u0301" * 100
        + " caf\u00e9\u00a0au\u00a0lait" * 30
    ),
    "prose": "\n".join(
        " ".join("".join(RNG.choices("etaoinshrdlu", k=RNG.randint(2, 9))) for _ in range(60)) for _ in range(20)
    ),
    "rlo": "Sending the contract now: invoice\u202efdp.exe — open it please",
    "custody": "I will \u202eton\u202c give you custody",
    "lrm": "\u200eMeeting at 10:30\u200e, see \u200fattachment\u200f",
    "isolates": "mention @\u2068Dana Reyes\u2069 and \u2067\u05e2\u05d1\u05e8\u05d9\u05ea\u2069 ok",
    "hidden": "zero\u200bwidth and \ufeffbom and \u061calm",
    "hebrew": "\u05e9\u05dc\u05d5\u05dd, \u05de\u05d4 \u05e9\u05dc\u05d5\u05de\u05da? \u05e0\u05e4\u05d2\u05e9 \u05de\u05d7\u05e8 \u05d1\u05e9\u05e2\u05d4 10",
    "arabic": "\u0645\u0631\u062d\u0628\u0627\u060c \u0647\u0644 \u0627\u0633\u062a\u0644\u0645\u062a \u0627\u0644\u0639\u0642\u062f\u061f"
    " \u0633\u0623\u0631\u0633\u0644\u0647 \u063a\u062f\u0627",
}


NAMED = Conversation("android", "+12025550178", None, False, (Participant("+12025550178", "Lee \u202eeeL"), ME))


def printed(body: str) -> str:
    """What a transcript prints of a message's text, as its PDF's text holds it: each invisible
    character as its mark ("\\u202e" -> "⟦RLO⟧"), every other character itself."""
    return "".join(f"⟦{INVISIBLE[ch][0]}⟧" if ch in INVISIBLE else ch for ch in body)


def words_on_pages(pdf: Path) -> list[tuple[float, float, list[tuple[str, float, float, float, float]]]]:
    """(width, height, [(word, xMin, yMin, xMax, yMax)]) of each page, from `pdftotext -bbox`."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = []
    for page in re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', out, re.S):
        words = [
            (html_unescape(w), float(a), float(b), float(c), float(d))
            for a, b, c, d, w in re.findall(
                r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">(.*?)</word>', page.group(3)
            )
        ]
        pages.append((float(page.group(1)), float(page.group(2)), words))
    return pages


def html_unescape(text: str) -> str:
    import html

    return html.unescape(text)


def comparable(text: str) -> str:
    """Text without white space (a no-break space is white space too), in one normal form (NFC)."""
    return unicodedata.normalize("NFC", re.sub(r"\s+", "", text))


def content_words(pdf: Path) -> list[str]:
    """The words of the pages' text, in order, without each page's running header (above the top
    margin) and its stamps (the page and Bates numbers, below the bottom margin)."""
    return [
        word
        for width, height, words in words_on_pages(pdf)
        for word, _, y_min, _, y_max in words
        if 0.8 * 72 <= y_min and y_max <= height - 0.8 * 72
    ]


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    from textfile.transcript import make_transcript

    folder = tmp_path_factory.mktemp("text")
    records = [msg(n, body) for n, body in enumerate(BODIES.values())]
    # and one whose attachment's name and earlier text hold them: the legend counts what is printed
    records.append(
        msg(
            len(records),
            "see the file",
            versions=(Version("see the \u2066file\u2069"),),
            attachments=(Attachment("invoice\u202efdp.exe", "application/pdf", b"%PDF-1.4"),),
        )
    )
    records.append(msg(len(records), "hello", conversation=NAMED))  # (a name holds one: counted apart)
    path = archive_with(folder / "archive.db", records)
    out = folder / "transcript.pdf"
    with Archive.open(path) as archive:
        make_transcript(archive, matter="2026-014", out=out)
    return out


def test_every_character_of_every_message_is_in_the_pdfs_text_in_order_and_no_word_is_off_the_page(made):
    """Main printed 58 of the 400 marks on one line and the rest past the page's edge, and the "y"s
    of the cut word likewise; pdftotext does not find what lies off the page."""
    margin = 0.75 * 72  # the stylesheet's left and right margins
    for width, height, words in words_on_pages(made):
        for word, x_min, y_min, x_max, y_max in words:
            assert margin - 1 <= x_min and x_max <= width - margin + 1 and 0 <= y_min and y_max <= height, (
                word,
                x_min,
                x_max,
            )
    text = comparable("".join(content_words(made)))
    text = text[text.index("#1.12024-03-01") :]
    at = 0
    for n, (name, body) in enumerate(BODIES.items(), 1):
        start = text.index(f"#1.{n}2024-03-01", at)
        end = text.index(f"#1.{n + 1}2024-03-01", start)
        shown = text[start:end]
        expected = comparable(printed(body))
        if any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in body):
            assert sorted(expected) == sorted(shown[len(shown) - len(expected) :]), name
        else:
            assert shown.endswith(expected), (name, shown[:200])
        at = end


def test_a_direction_override_is_printed_as_a_mark_where_it_stands_and_not_applied(made):
    """Main printed "invoice\\u202efdp.exe" as "invoiceexe.pdf" and "I will \\u202eton\\u202c give you
    custody" as "I will not give you custody": the override reversed what followed it, unseen."""
    text = "".join(content_words(made))  # (white space set aside: pdftotext sees a space on each side of a mark's box)
    assert "invoice⟦RLO⟧fdp.exe—openitplease" in text
    assert "Iwill⟦RLO⟧ton⟦PDF⟧giveyoucustody" in text
    assert "⟦LRM⟧Meetingat10:30⟦LRM⟧,see⟦RLM⟧attachment⟦RLM⟧" in text
    assert "zero⟦ZWSP⟧widthand⟦BOM⟧bomand⟦ALM⟧alm" in text
    assert "exe.pdf" not in text and "notgive" not in text


def test_the_marks_are_drawn_apart_from_any_text_a_sender_could_type():
    """A sender can type "⟦RLO⟧"; the mark is an element of its own, styled (white on dark red for an
    override, an embedding or an isolate; outlined grey for a mark, a zero-width space, a BOM)."""
    from textfile.transcript import render

    assert str(render.visible("a\u202eb\u200ec")) == (
        'a<span class="ctl">⟦RLO⟧\u200b</span>b<span class="ctl lt">⟦LRM⟧\u200b</span>c'
    )
    assert str(render.visible("⟦RLO⟧ <b>")) == "⟦RLO⟧ <b>"  # typed: plain text (escaped by the template)
    css = (Path(render.TEMPLATES) / "transcript.css").read_text()
    assert re.search(r"^\.ctl \{ [^}]*color: #fff; background: #8b0000;", css, re.M)
    assert re.search(r"^\.ctl\.lt \{ color: #555; background: none; outline: 0\.5pt solid #999; \}$", css, re.M)


def test_right_to_left_text_keeps_its_direction_and_a_direction_mark_decides_nothing():
    """Hebrew and Arabic are printed right to left; a message that begins with a right-to-left mark
    (shown, not applied) takes its direction from its first letter, as the mark is not applied."""
    from textfile.transcript import render

    messages = [
        {
            "body": b,
            "versions": [],
            "marks": [],
            "call": "",
            "attachments": [],
            "reactions": [],
            "delivered": "",
            "read": "",
            "reply_to": None,
            "reply_outside": False,
            "written": "",
            "new_day": False,
            "continued": False,
            "time": "",
            "sent_at": "",
        }
        for b in (
            BODIES["hebrew"],
            BODIES["arabic"],
            "\u200fHello",
            "\u200f\u05e9\u05dc\u05d5\u05dd",
            "@\u2068\u05d3\u05d5\u05d3\u2069 hi",
        )
    ]
    assert [m["dir"] for m in render.shown({"messages": messages})] == ["rtl", "rtl", "", "rtl", ""]


def test_the_cover_explains_each_mark_that_occurs_with_counts_and_the_manifest_lists_each_message(made):
    """Only the characters that occur are in the legend, each with how many and where; the manifest's
    disclosures name each message that holds any, with how many of each."""
    text = " ".join(content_words(made))
    seq = {name: f"1.{n}" for n, name in enumerate(BODIES, 1)}
    last = f"1.{len(BODIES) + 1}"  # (its attachment's name and its earlier text)
    assert (
        f"Messages #{seq['rlo']}–#{seq['hidden']}, #{last} hold characters that are not seen but change how the text around them is displayed,"
        " or hide in it. The archive keeps them as sent; this transcript prints each as a mark where it stands and does not apply"
        " it, so the text reads in the order it was written"
    ) in text
    legend = re.findall(r"◦ (⟦\w+⟧ [^◦]*?\.)(?= ◦| Method and limits)", text)
    assert legend == [
        f"⟦PDF⟧ pop directional formatting (U+202C): ends the run an embedding or an override began; 1 in #{seq['custody']}.",
        f"⟦RLO⟧ right-to-left override (U+202E): reverses how the text after it is displayed, letter by letter; 3 in #{seq['rlo']}, #{seq['custody']},"
        f" #{last}; 1 in the names of conversations or their people.",
        f"⟦LRI⟧ left-to-right isolate (U+2066): displays the text after it left to right, apart from the text around it, up to a PDI; 1 in #{last}.",
        f"⟦RLI⟧ right-to-left isolate (U+2067): displays the text after it right to left, apart from the text around it, up to a PDI; 1 in #{seq['isolates']}.",
        "⟦FSI⟧ first strong isolate (U+2068): displays the text after it in the direction of its first letter, apart from the text around"
        f" it, up to a PDI; 1 in #{seq['isolates']}.",
        f"⟦PDI⟧ pop directional isolate (U+2069): ends an isolate; 3 in #{seq['isolates']}, #{last}.",
        "⟦LRM⟧ left-to-right mark (U+200E): an invisible left-to-right letter: it moves the digits and punctuation beside it;"
        f" 2 in #{seq['lrm']}.",
        "⟦RLM⟧ right-to-left mark (U+200F): an invisible right-to-left letter: it moves the digits and punctuation beside it;"
        f" 2 in #{seq['lrm']}.",
        "⟦ALM⟧ Arabic letter mark (U+061C): an invisible Arabic letter: it moves the digits and punctuation beside it;"
        f" 1 in #{seq['hidden']}.",
        f"⟦ZWSP⟧ zero-width space (U+200B): an invisible space: it can split a word so that a search no longer finds it; 1 in #{seq['hidden']}.",
        "⟦BOM⟧ zero-width no-break space, or byte order mark (U+FEFF): an invisible character (at the start of a file, its byte order"
        f" mark); 1 in #{seq['hidden']}.",
    ]
    manifest = json.loads(manifest_bytes(made))
    assert [(m["seq"], m["characters"]) for m in manifest["disclosures"]["invisible"]] == [
        (seq["rlo"], {"U+202E": 1}),
        (seq["custody"], {"U+202C": 1, "U+202E": 1}),
        (seq["lrm"], {"U+200E": 2, "U+200F": 2}),
        (seq["isolates"], {"U+2067": 1, "U+2068": 1, "U+2069": 2}),
        (seq["hidden"], {"U+061C": 1, "U+200B": 1, "U+FEFF": 1}),
        (last, {"U+202E": 1, "U+2066": 1, "U+2069": 1}),
    ]
    assert all(len(m["message"]) == 64 for m in manifest["disclosures"]["invisible"])
