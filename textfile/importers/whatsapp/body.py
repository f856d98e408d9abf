"""A message's text: media placeholders, deletions, edits, calls, attachments named by a line.

Decisions:
- Media the export left out: iOS says what kind ("image omitted", "Bild weggelassen"), Android's
  "<Media omitted>" does not. The attachment's missing reason keeps the kind in English and the
  placeholder as the export wrote it ('image omitted by export (the export wrote "Bild
  weggelassen")'), or says the export names no kind. Not its `mime`: that would claim a file type
  nobody saw, and it is hashed. The reason is in no identity or content hash, so a message archived
  when the reason was only "omitted by export" is the same message, with the same hash (its stored
  reason stays as it was).
- The words looked for are locales.py's, folded (`_phrase`) into one set per kind.
"""

from __future__ import annotations

import re
import unicodedata

from textfile.importers.whatsapp import locales
from textfile.importers.whatsapp.header import _M, _MARKS, _SP, _clean


def _phrase(text: str) -> str:
    """A short text folded for comparing with known phrases: no marks, case, extra spaces or final stop."""
    return " ".join(_clean(text).casefold().split()).rstrip(".。!")


def _folded_set(*items: str) -> frozenset[str]:
    return frozenset(_phrase(i) for i in items)


_DELETED = _folded_set(*locales.words("deleted"))


_EDITED_WORDS = re.compile("(?i)" + "|".join(locales.words("edited")))


_EDITED_TAIL = re.compile(rf"[ \u00a0\u202f]*{_M}<([^<>\n]{{3,60}})>{_M}$")


_OMITTED_ANDROID = _folded_set(*locales.words("media_omitted"))


_OMITTED_WORDS = re.compile("(?i)^<[^<>]*(?:" + "|".join(locales.words("media_word")) + ")[^<>]*>$")


_ATTACHED_IOS = re.compile(rf"{_M}<([^<>:]{{2,30}}):{_SP}?{_M}([^<>/\\\n]+?){_M}>$")


_FILE_ATTACHED_ANDROID = re.compile(rf"^{_M}([^/\\\n]+?\.[0-9A-Za-z]{{1,8}}){_SP}\(([^()\n]{{3,40}})\)$")


_ANDROID_ATTACHED_WORDS = _folded_set(*locales.words("attached"))


# iOS writes what kind of media it left out ("\u200eimage omitted", localized): the kind is kept in the
# attachment's missing reason (`_omitted`), with the placeholder as the export wrote it.
_OMITTED_KINDS = locales.omitted_kinds(after_mark=False)


_OMITTED_IOS = {
    _phrase(placeholder): kind for kind, placeholders in _OMITTED_KINDS.items() for placeholder in placeholders
}


# More languages, known by the mark that starts them ("\u200e画像は含まれていません"), not as a line's whole text:
# only the kind is read from them, so that no message's identity changes.
_MORE_KINDS = locales.omitted_kinds(after_mark=True)


# (looked up in NFC: Hindi is written with "\u095c" or "\u0921\u093c" alike)
_OMITTED_KIND = {
    unicodedata.normalize("NFC", _phrase(placeholder)): kind
    for kinds in (_OMITTED_KINDS, _MORE_KINDS)
    for kind, placeholders in kinds.items()
    for placeholder in placeholders
}


_WA_MEDIA_NAME = re.compile(
    r"^(?:IMG|VID|PTT|AUD|STK|DOC|PHOTO)-\d{8}-WA\d{4,}\.\w+$|^\d{8}-(?:PHOTO|VIDEO|AUDIO|STICKER|GIF)-"
)


_MISSED_CALLS = _folded_set(*locales.words("missed_call"))


_CALLS = _folded_set(*locales.words("call"))


_CALL_LENGTH = re.compile(r",\s*(\d+)\s*(h|hr|min|sec|s)\b")


_CALL_UNITS = {"h": 3600, "m": 60, "s": 1}


_TAIL_STRIP = " \u00a0\u202f" + _MARKS


_NO_FLAGS: frozenset = frozenset()


_PHRASES = None  # filled below: every short phrase any rule looks for


_DOC_TITLE = re.compile(r"\.[0-9A-Za-z]{1,8}$")


def _omitted(placeholder: str, kind: str | None) -> str:
    """Why an attachment is missing, for media the export left out: the kind of media its placeholder
    names (None: Android's "<Media omitted>" names none; "": a placeholder textfile does not know),
    and the placeholder as the export wrote it. Not part of identity or content hash (`ingest.message_content_hash`)."""
    said = f'the export wrote "{placeholder}"'
    if kind is None:
        return f"media omitted by export, which does not say what kind ({said})"
    return f"{kind} omitted by export ({said})" if kind else f"omitted by export ({said})"


def _interpret(text: str, line_marked: bool) -> tuple:
    """A message's text (all its lines, invisible marks as written) →
    (body, identity body, flags, attachments [(file name, why the export left it out | None)], kind, status).
    The body keeps every character of the text as written; the marks the export writes as part of what
    is read from it (a placeholder, the edited tail, WhatsApp's own words for a deletion or a call) go
    with it. The identity body is the text without the marks (`_clean`), as every version read it."""
    first_end = text.find("\n")
    first = text if first_end < 0 else text[:first_end]
    tail = text.rstrip(_TAIL_STRIP)[-1:]
    first_tail = tail if first_end < 0 else first.rstrip(_TAIL_STRIP)[-1:]
    # the common case: plain text, nothing any rule below looks for
    if (
        not line_marked
        and tail != ">"
        and first_tail != ">"
        and first_tail != ")"
        and first[:1] != "<"
        and (len(first) > 80 or _phrase(first) not in _PHRASES)
    ):
        body = _clean(text).rstrip()
        return text.rstrip(), body, (_NO_FLAGS if body else frozenset(("empty_body",))), (), "message", None, None

    flags: set = set()
    attachments: list = []
    call_seconds = None
    # "… <This message was edited>" at the very end (localized)
    if tail == ">":
        tail_line = text if first_end < 0 else text[text.rfind("\n") + 1 :]
        em = _EDITED_TAIL.search(tail_line)
        if em and _EDITED_WORDS.search(em.group(1)):
            flags.add("edited")
            text = text[: len(text) - len(tail_line) + em.start()]
    first, _, rest = text.partition("\n")
    clean_first = _clean(first).strip()
    folded_first = _phrase(clean_first) if len(clean_first) <= 80 else ""
    caption = kept = rest  # (kept: the caption with its marks)
    media = False
    kind, status = "message", None

    # Android: "<Media omitted>" then the caption on the next lines
    if folded_first in _OMITTED_ANDROID or (clean_first[:1] == "<" and _OMITTED_WORDS.match(clean_first)):
        attachments.append((None, _omitted(clean_first, None)))
        media = True
    # iOS with media: "\u200e<attached: 00000035-PHOTO-2022-03-27-21-41-55.jpg>", "Some file.txt \u200e<attached: 00000046-Some file.txt>"
    elif clean_first[-1:] == ">" and (am := _ATTACHED_IOS.search(first)) is not None:
        attachments.append((_clean(am.group(2)).strip(), None))
        caption, kept = _caption(_clean(first[: am.start()]), rest), _caption(first[: am.start()], rest)
        media = True
    # Android with media: "IMG-20220323-WA0002.jpg (file attached)" then the caption
    elif (
        clean_first[-1:] == ")"
        and (fm := _FILE_ATTACHED_ANDROID.match(first)) is not None
        and (_phrase(fm.group(2)) in _ANDROID_ATTACHED_WORDS or _WA_MEDIA_NAME.match(_clean(fm.group(1))))
    ):
        attachments.append((_clean(fm.group(1)).strip(), None))
        media = True
    elif folded_first in _OMITTED_IOS:
        attachments.append((None, _omitted(clean_first, _OMITTED_IOS[folded_first])))
        media = True
    elif folded_first in _DELETED and not rest:
        flags.add("deleted")
        caption = None
    elif not rest and (folded_first in _MISSED_CALLS or folded_first.split(",")[0] in _MISSED_CALLS):
        # "Missed voice call", iOS "\u200eMissed voice call, \u200eTap to call back"
        kind, status, caption = "call", "missed", None
    elif not rest and (folded_first in _CALLS or folded_first.split(",")[0] in _CALLS):
        # iOS "\u200eVoice call, \u200e12 min"
        kind, caption = "call", None
        duration = _CALL_LENGTH.search(folded_first)
        if duration:
            call_seconds = int(duration.group(1)) * _CALL_UNITS[duration.group(2)[:1]]
    # iOS without media: the line starts with a mark and the text ends with "\u200eimage omitted",
    # "Some file.txt \u200edocument omitted" (localized)
    elif line_marked and ("\u200e" in first or "\u200f" in first):
        cut = max(first.rfind("\u200e"), first.rfind("\u200f"))
        placeholder = _clean(first[cut:]).strip()
        before = _clean(first[:cut]).strip()
        if placeholder:
            name = None
            if before:
                title = before.split(" • ")[0].strip()
                if _DOC_TITLE.search(title):
                    name = title
            attachments.append(
                (name, _omitted(placeholder, _OMITTED_KIND.get(unicodedata.normalize("NFC", _phrase(placeholder)), "")))
            )
            caption, kept = _caption(before, rest), _caption(first[:cut], rest)
            media = True
    elif clean_first == "null" and not rest:
        flags.add("view_once")

    if caption is None:  # WhatsApp's own words
        body = kept = _clean(text).strip()
    elif media:
        body, kept = _clean(caption).strip("\n").rstrip(), kept.strip("\n").rstrip()
    else:
        body, kept = _clean(text).rstrip(), text.rstrip()
    identity_body = ("\x00media\n" if media else "") + body
    if not body and not attachments and kind == "message":
        flags.add("empty_body")
    return kept, identity_body, frozenset(flags), attachments, kind, status, call_seconds


def _caption(first: str, rest: str) -> str:
    """A caption: the first line's text before a placeholder, then the lines after it."""
    first = first.strip()
    return first + ("\n" + rest if rest else "") if first else rest


_PHRASES = _OMITTED_ANDROID | frozenset(_OMITTED_IOS) | _DELETED | _MISSED_CALLS | _CALLS | {"null"}
