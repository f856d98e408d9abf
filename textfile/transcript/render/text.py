"""What a transcript prints of any text of the archive: marks for what would not be seen, places to
break long runs, the direction of right-to-left text (see the comment above `visible`).
"""

from __future__ import annotations

import re
import unicodedata

from markupsafe import Markup

from textfile.model import INVISIBLE, REORDERING

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


def css_string(text: str) -> Markup:
    """A CSS string literal for any text: everything but letters, digits and spaces as \\hex escapes."""
    out = []
    for ch in str(text):
        if ch.isascii() and (ch.isalnum() or ch == " "):
            out.append(ch)
        else:
            out.append(f"\\{ord(ch):x} ")
    return Markup('"' + "".join(out) + '"')


def printable(text: str) -> str:
    """Control characters as their visible Control Pictures (a bell prints as ␇), CR LF as a line break."""
    text = text.replace("\r\n", "\n")
    return _CONTROL.sub(lambda m: chr(0x2421) if m.group() == "\x7f" else chr(0x2400 + ord(m.group())), text)


_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d(?::\d\d)? [+-]\d\d:\d\d")


def nowrap_times(text: str) -> Markup:
    """Text with every displayed time kept on one line."""
    out, last = [], 0
    for m in _TIME.finditer(text):
        out += [
            Markup.escape(text[last : m.start()]),
            Markup('<span class="nw">'),
            Markup.escape(m.group()),
            Markup("</span>"),
        ]
        last = m.end()
    out.append(Markup.escape(text[last:]))
    return Markup("").join(out)


GIVEN_TZ = "as --tz said"  # (sources._reading: a zone a person gave, recorded since round 21 #9)


def nowrap_given(text: str) -> Markup:
    """Text with "--tz" in GIVEN_TZ kept on one line (a line broken at its hyphens read "-tz" once extracted). Only
    that phrase, which no transcript made before it holds: a cover made again is the same bytes (round 19 #9)."""
    return Markup('as <span class="nw">--tz</span> said').join(Markup.escape(part) for part in text.split(GIVEN_TZ))


# What text a message holds that would not be seen as it is: a character the source could not decode
# (U+FFFD), an object replacement character (U+FFFC: where the source had an object, an attachment,
# and which fonts draw as nothing), and the characters that change how the text around them is
# displayed (`INVISIBLE`: direction embeddings, overrides, isolates and marks, the zero-width space, the
# byte order mark). Each is shown as a mark where it stands; the invisible ones are not applied, so
# "invoice\u202efdp.exe" prints in the order it was written, "invoice⟦RLO⟧fdp.exe". An embedding,
# override or isolate, which can reorder whole words, is marked strongly; a mark, a zero-width space or a
# BOM lightly. The PDF's text holds the mark ("⟦RLO⟧") in place of the character, which the archive and
# the manifest's content hashes keep.
# Long text, laid out in time that grows with its length: WeasyPrint re-encodes the rest of a piece of
# text for each line it breaks from it, and Pango measures an unbroken run as one line (a run wider than
# 2^31 Pango units, about 400,000 letters, overflows and is drawn as one line off the page). So a run of
# more than RUN characters without a space gets a zero-width space, a place to break, every STEP
# characters (in the rendered HTML only: fonts draw nothing for it and a PDF's text does not hold it),
# and text longer than SLICE characters is given to WeasyPrint in pieces of at most SLICE, each cut after
# a space or such a break. Every mark is followed by one too: WeasyPrint breaks no line between two
# elements with no place to break between them, so a run of marks would run off the page. Such a run is
# an element of its own, set without ligatures (`.run`): HarfBuzz forms an "ffi" across a zero-width
# space, and WeasyPrint then writes that glyph into the PDF's text as nothing.
RUN = 30  # characters: a longer word is a URL, a blob, a run of ideographs; a word of prose is not broken
STEP = 10  # characters: a line of a long run ends at most this short of the margin; the widest fit in a table's narrowest column
SLICE = 400
_MARKS = {
    "\ufffd": Markup('<span class="bad">\ufffd\u200b</span>'),
    "\ufffc": Markup('<span class="obj">\ufffc\u200b</span>'),
    **{
        ch: Markup(f'<span class="ctl{"" if ch in REORDERING else " lt"}">⟦{short}⟧\u200b</span>')
        for ch, (short, _) in INVISIBLE.items()
    },
}
_SPACES = " \t\n\u1680\u2000-\u2006\u2008-\u200a\u2028\u2029\u205f\u3000"  # where a line may break (not U+00A0, U+2007, U+202F)
_MARKED = re.compile(f"([{''.join(_MARKS)}])")
_TO_DO = re.compile(f"[{''.join(_MARKS)}]|[^{_SPACES}]{{{RUN + 1}}}")
_RUN = re.compile(f"([^{_SPACES}]{{{RUN + 1},}})")
_PIECE = re.compile(f"[\\s\\S]{{0,{SLICE - 1}}}[{_SPACES}\u200b]")


def visible(text: str) -> str | Markup:
    """Text with every character that would not be seen marked where it stands, and long runs made
    places to break and cut in pieces (see above): what a transcript prints of any text of the archive."""
    if len(text) <= SLICE and not _TO_DO.search(text):
        return text
    out = []
    for n, part in enumerate(_MARKED.split(text)):
        if n % 2:
            out.append(_MARKS[part])
            continue
        for k, piece in enumerate(_RUN.split(part)):
            if k % 2:
                out.append(_pieces(_breakable(piece), Markup('<span class="run">')))
            elif piece:
                out.append(_pieces(piece))
    return Markup("").join(out)


_PLAIN_MARKS = str.maketrans({ch: f"⟦{short}⟧" for ch, (short, _) in INVISIBLE.items()})


def plain(text: str) -> str:
    """What a transcript prints of a text (`visible(printable(text))`) as plain text, for a terminal:
    control characters as their pictures (an escape sequence is shown, never run), each character of
    `INVISIBLE` as its mark where it stands, not applied; U+FFFD and U+FFFC as they are."""
    return printable(text).translate(_PLAIN_MARKS)


def _pieces(text: str, element: Markup | None = None) -> Markup:
    """Text of more than SLICE characters as elements of at most SLICE, each ending after a place to
    break; `element`: the one each piece is, also when there is one (side by side, never nested:
    WeasyPrint copies what is left of an element's children for every line it breaks from it)."""
    if len(text) <= SLICE and element is None:
        return Markup.escape(text)
    out, at = [], 0
    while at < len(text):
        piece = _PIECE.match(text, at) if len(text) - at > SLICE else None
        end = piece.end() if piece else min(at + SLICE, len(text))
        out.append((element or Markup("<span>")) + Markup.escape(text[at:end]) + Markup("</span>"))
        at = end
    return Markup("").join(out)


def _breakable(text: str) -> str:
    """A run of more than RUN characters without a space, with a zero-width space every STEP characters,
    where it parts no character from what belongs to it (a combining mark, a joined emoji, a flag's half)."""
    pieces, start, at = [], 0, STEP
    while at < len(text):
        while at < len(text) and not _may_part(text, at):
            at += 1
        if at >= len(text):
            break
        pieces.append(text[start:at])
        start, at = at, at + STEP
    pieces.append(text[start:])
    return "\u200b".join(pieces)


def _may_part(text: str, i: int) -> bool:
    """Whether a break between text[i - 1] and text[i] leaves every character with its own (roughly
    Unicode's grapheme clusters: no break before a combining mark, a variation selector, a skin tone or
    an emoji tag, around a zero-width joiner, after a virama, inside a Hangul syllable or a flag)."""
    before, c = text[i - 1], text[i]
    code = ord(c)
    if (
        unicodedata.category(c)[0] == "M"
        or "\u200d" in (before, c)
        or 0x1F3FB <= code <= 0x1F3FF
        or 0xE0020 <= code <= 0xE007F
        or 0x1160 <= code <= 0x11FF
        or 0xD7B0 <= code <= 0xD7FF
        or unicodedata.combining(before) == 9
    ):
        return False
    if (
        0x1F1E6 <= code <= 0x1F1FF and 0x1F1E6 <= ord(before) <= 0x1F1FF
    ):  # between two regional indicators: only after a whole flag
        k = i
        while k > 0 and 0x1F1E6 <= ord(text[k - 1]) <= 0x1F1FF:
            k -= 1
        return (i - k) % 2 == 0
    return True


def direction(text: str) -> str:
    """ "rtl" when the text's first strong character is right-to-left (Hebrew, Arabic…), "" when it is
    left-to-right or there is none: Unicode's rule P2, as `dir="auto"` decides (what stands between an
    isolate initiator and its PDI is skipped; a direction mark is not: it is shown, not applied, `visible`).
    WeasyPrint has no `dir="auto"` and no `unicode-bidi`: the template gives such a text its direction
    itself, never by adding a character to it."""
    depth = 0
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("LRI", "RLI", "FSI"):
            depth += 1
        elif kind == "PDI":
            depth = max(depth - 1, 0)
        elif depth == 0 and kind in ("L", "R", "AL") and ch not in INVISIBLE:
            return "" if kind == "L" else "rtl"
    return ""


def isolated(text: str) -> Markup:
    """A name or title as a run of its own, in its own direction: WeasyPrint shapes each element's
    text apart and places the runs of a line in order, so an element isolates what it holds (the
    separators of "דוד כהן; محمد علي" stay between the names) and dir="rtl" gives it its direction."""
    marked = Markup.escape(visible(text))
    return Markup('<span dir="rtl">') + marked + Markup("</span>") if direction(text) else marked
