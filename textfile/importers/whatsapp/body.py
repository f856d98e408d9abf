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
- WhatsApp's words on a message's first line are read by named rules tried in turn
  (`FIRST_LINE_RULES`: media omitted or attached, deleted, calls, view once): the first that reads
  the line decides. Plain text, the common case, is told apart before any rule is tried.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

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


class _Interpreted(NamedTuple):
    """What a message's text says (`_interpret`)."""

    body: str  # every character of the text as written, less WhatsApp's own words read from it
    identity_body: str  # the body without the marks (`_clean`); "\x00media\n" first when it names media
    flags: frozenset  # "edited", "deleted", "view_once", "empty_body"
    attachments: list | tuple  # [(file name | None, why the export left it out | None)]
    kind: str  # "message" | "call"
    status: str | None  # "missed" (a call)
    duration: int | None  # a call's length in seconds


_EMPTY_BODY = frozenset(("empty_body",))


_new = tuple.__new__


def _interpret(text: str, line_marked: bool) -> _Interpreted:
    """A message's text (all its lines, invisible marks as written) → what it says (`_Interpreted`).
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
        # (tuple.__new__, as NamedTuple's own _make: the same record without a Python call, for nearly every message)
        return _new(
            _Interpreted, (text.rstrip(), body, (_NO_FLAGS if body else _EMPTY_BODY), (), "message", None, None)
        )
    return _words_read(text, first_end, tail, line_marked)


def _words_read(text: str, first_end: int, tail: str, line_marked: bool) -> _Interpreted:
    """A text in which WhatsApp may have written its own words: the edited tail at its end, then what
    its first line says (the first of FIRST_LINE_RULES that reads it)."""
    flags: set = set()
    if tail == ">":
        text, edited = _without_edited_tail(text, first_end)
        if edited:
            flags.add("edited")
    first, _, rest = text.partition("\n")
    clean_first = _clean(first).strip()
    line = _FirstLine(first, clean_first, _phrase(clean_first) if len(clean_first) <= 80 else "", rest, line_marked)
    said = _first_line_says(line)
    if said.flag:
        flags.add(said.flag)
    if said.caption is None:  # WhatsApp's own words
        body = kept = _clean(text).strip()
    elif said.attachment:
        body, kept = _clean(said.caption).strip("\n").rstrip(), said.kept.strip("\n").rstrip()
    else:
        body, kept = _clean(text).rstrip(), text.rstrip()
    attachments = [said.attachment] if said.attachment else []
    identity_body = ("\x00media\n" if said.attachment else "") + body
    if not body and not attachments and said.kind == "message":
        flags.add("empty_body")
    return _Interpreted(kept, identity_body, frozenset(flags), attachments, said.kind, said.status, said.duration)


def _without_edited_tail(text: str, first_end: int) -> tuple[str, bool]:
    """ "… <This message was edited>" at the very end (localized): the text before it, and whether it was there."""
    tail_line = text if first_end < 0 else text[text.rfind("\n") + 1 :]
    em = _EDITED_TAIL.search(tail_line)
    if em and _EDITED_WORDS.search(em.group(1)):
        return text[: len(text) - len(tail_line) + em.start()], True
    return text, False


class _FirstLine(NamedTuple):
    """A message's first line, as the rules read it."""

    first: str  # as written
    clean: str  # without marks, stripped
    folded: str  # `_phrase` of it ("" when longer than 80 characters)
    rest: str  # the lines after it
    marked: bool  # the message's line starts with a mark (iOS, WhatsApp's own lines)


class _Said(NamedTuple):
    """What WhatsApp's own words on a first line say."""

    attachment: tuple | None  # (file name | None, why the export left it out | None): the message names media
    caption: str | None  # the text besides the placeholder, without marks; None: WhatsApp's words are all there is
    kept: str | None  # the same with its marks
    flag: str | None = None  # "deleted" | "view_once"
    kind: str = "message"
    status: str | None = None
    duration: int | None = None


def _media_omitted_android(line: _FirstLine) -> _Said | None:
    # Android: "<Media omitted>" then the caption on the next lines
    if line.folded in _OMITTED_ANDROID or (line.clean[:1] == "<" and _OMITTED_WORDS.match(line.clean)):
        return _Said((None, _omitted(line.clean, None)), line.rest, line.rest)
    return None


def _attached_ios(line: _FirstLine) -> _Said | None:
    # iOS with media: "\u200e<attached: 00000035-PHOTO-2022-03-27-21-41-55.jpg>", "Some file.txt \u200e<attached: 00000046-Some file.txt>"
    if line.clean[-1:] == ">" and (am := _ATTACHED_IOS.search(line.first)) is not None:
        before = line.first[: am.start()]
        return _Said(
            (_clean(am.group(2)).strip(), None), _caption(_clean(before), line.rest), _caption(before, line.rest)
        )
    return None


def _file_attached_android(line: _FirstLine) -> _Said | None:
    # Android with media: "IMG-20220323-WA0002.jpg (file attached)" then the caption
    if (
        line.clean[-1:] == ")"
        and (fm := _FILE_ATTACHED_ANDROID.match(line.first)) is not None
        and (_phrase(fm.group(2)) in _ANDROID_ATTACHED_WORDS or _WA_MEDIA_NAME.match(_clean(fm.group(1))))
    ):
        return _Said((_clean(fm.group(1)).strip(), None), line.rest, line.rest)
    return None


def _media_omitted_ios(line: _FirstLine) -> _Said | None:
    # iOS: "\u200eimage omitted" (localized), the kind of media named
    if line.folded in _OMITTED_IOS:
        return _Said((None, _omitted(line.clean, _OMITTED_IOS[line.folded])), line.rest, line.rest)
    return None


def _deleted(line: _FirstLine) -> _Said | None:
    # "This message was deleted" (localized), alone
    if line.folded in _DELETED and not line.rest:
        return _Said(None, None, None, flag="deleted")
    return None


def _missed_call(line: _FirstLine) -> _Said | None:
    # "Missed voice call", iOS "\u200eMissed voice call, \u200eTap to call back"
    if not line.rest and (line.folded in _MISSED_CALLS or line.folded.split(",")[0] in _MISSED_CALLS):
        return _Said(None, None, None, kind="call", status="missed")
    return None


def _call(line: _FirstLine) -> _Said | None:
    # iOS "\u200eVoice call, \u200e12 min"
    if not line.rest and (line.folded in _CALLS or line.folded.split(",")[0] in _CALLS):
        length = _CALL_LENGTH.search(line.folded)
        seconds = int(length.group(1)) * _CALL_UNITS[length.group(2)[:1]] if length else None
        return _Said(None, None, None, kind="call", duration=seconds)
    return None


def _omitted_after_mark(line: _FirstLine) -> _Said | None:
    # iOS without media: the line starts with a mark and the text ends with "\u200eimage omitted",
    # "Some file.txt \u200edocument omitted" (localized)
    first = line.first
    if not (line.marked and ("\u200e" in first or "\u200f" in first)):
        return None
    cut = max(first.rfind("\u200e"), first.rfind("\u200f"))
    placeholder = _clean(first[cut:]).strip()
    if not placeholder:  # (nothing after the mark: nothing is said, and no later rule is tried)
        return _Said(None, line.rest, line.rest)
    before = _clean(first[:cut]).strip()
    name = None
    if before:
        title = before.split(" • ")[0].strip()
        if _DOC_TITLE.search(title):
            name = title
    kind = _OMITTED_KIND.get(unicodedata.normalize("NFC", _phrase(placeholder)), "")
    return _Said((name, _omitted(placeholder, kind)), _caption(before, line.rest), _caption(first[:cut], line.rest))


def _view_once(line: _FirstLine) -> _Said | None:
    # a view-once photo or video, which the export writes as "null"
    if line.clean == "null" and not line.rest:
        return _Said(None, line.rest, line.rest, flag="view_once")
    return None


# What a first line may say, tried in this order: the first rule that reads it decides.
FIRST_LINE_RULES = (
    _media_omitted_android,
    _attached_ios,
    _file_attached_android,
    _media_omitted_ios,
    _deleted,
    _missed_call,
    _call,
    _omitted_after_mark,
    _view_once,
)


def _first_line_says(line: _FirstLine) -> _Said:
    for rule in FIRST_LINE_RULES:
        said = rule(line)
        if said is not None:
            return said
    return _Said(None, line.rest, line.rest)  # a person's own words


def _caption(first: str, rest: str) -> str:
    """A caption: the first line's text before a placeholder, then the lines after it."""
    first = first.strip()
    return first + ("\n" + rest if rest else "") if first else rest


_PHRASES = _OMITTED_ANDROID | frozenset(_OMITTED_IOS) | _DELETED | _MISSED_CALLS | _CALLS | {"null"}
