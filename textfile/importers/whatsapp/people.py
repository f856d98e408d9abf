"""Names: the chat's, the senders', the owner's.

Decisions:
- The conversation key is the chat's name (from the file name in WhatsApp's languages, the zip's
  name, `--conversation`) and the owner: next week's longer export lands in the same conversation.
  A chat the archive holds under another owner (another --me, or none where one was given) is
  refused (`_same_chat_same_owner`): it would be a second copy of the chat with another person's
  messages as the owner's; `--conversation` names another chat of the same name.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

from textfile import phones
from textfile.errors import ImportFailed
from textfile.importers.whatsapp import locales
from textfile.importers.whatsapp.header import _INVISIBLE
from textfile.model import (
    ImportOptions,
)

if TYPE_CHECKING:  # (the survey takes names from here: only the annotation comes from there)
    from textfile.importers.whatsapp.survey import _Survey


def _unbalanced(text: str) -> bool:
    return (
        text.count('"') % 2 == 1 or text.count("\u201c") != text.count("\u201d") or text.count("«") != text.count("»")
    )


def _senders(s: _Survey) -> dict[str, str]:
    """first-colon prefix -> the sender name it stands for.

    Names may contain ': ' ("Dr: Smith: hello"): a longer prefix stands for the sender when
    nearly every line with the shorter one continues the same way. A prefix with an unbalanced
    quote is a system line quoting text ('X changed the subject to "Trip: Rome"'), and so is one
    longer than a name seen once ("Sam turned on disappearing messages for this chat: 7 days").
    """
    resolved = {p: p for p, count in s.prefixes.items() if not _unbalanced(p) and (len(p) <= 40 or count > 1)}
    for (first, candidate), count in s.longer.items():
        base = s.prefixes.get(first, 0)
        if first in resolved and count >= 2 and count * 10 >= base * 9:
            current = resolved.get(first, first)
            if len(candidate) > len(current):
                resolved[first] = candidate
    return resolved


_COPY_SUFFIX = re.compile(r"\s*\(\d{1,3}\)$")


# "WhatsApp Chat with NAME", "NAME ile WhatsApp Sohbeti" (locales.py): the words of a connector stand apart by
# any spaces; connectors of several words are tried first ("s uživatelem" before "s").
_CONNECTORS = sorted(locales.words("chat_file"), key=lambda c: -len(c.split()))
_CONNECTORS_BEFORE_NAME = "|".join(c.replace(" ", r"[\s\u00a0]+") for c in _CONNECTORS if not c.startswith("… "))
_CONNECTORS_AFTER_NAME = "|".join(c[2:].replace(" ", r"[\s\u00a0]+") for c in _CONNECTORS if c.startswith("… "))
_CHAT_NAME_PATTERNS = [
    re.compile(p, re.I)
    for p in (
        r"^WhatsApp[\s\u00a0]+Chat[\s\u00a0]*[-–][\s\u00a0]*(?P<name>.+)$",  # iOS, every language
        # Android: "<words with WhatsApp> <connector> <name>"
        r"^(?:\S+[\s\u00a0]+){0,2}WhatsApp(?:[\s\u00a0-]\S+)?[\s\u00a0]+"
        rf"(?:{_CONNECTORS_BEFORE_NAME})"
        r"[\s\u00a0]+(?P<name>.+)$",
        r"^WhatsApp[\s\u00a0-]*\S*[\s\u00a0]*[:：][\s\u00a0]*(?P<name>.+)$",
        rf"^(?P<name>.+?)[\s\u00a0]+(?:{_CONNECTORS_AFTER_NAME})[\s\u00a0]*WhatsApp.*$",
    )
]


_GENERIC_STEMS = {"_chat", "chat", "whatsapp chat", "whatsapp", "chat export", "export"}


def normalize_name(text: str) -> str:
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def chat_name_from_file(file_name: str) -> str | None:
    """The chat's name in WhatsApp's own file name ("WhatsApp Chat with Sam.txt" -> "Sam")."""
    stem = file_name.rsplit("/", 1)[-1]
    for ext in (".txt", ".zip"):
        if stem.lower().endswith(ext):
            stem = stem[: -len(ext)]
    stem = _COPY_SUFFIX.sub("", normalize_name(stem))
    for pattern in _CHAT_NAME_PATTERNS:
        m = pattern.match(stem)
        if m and m.group("name").strip():
            return m.group("name").strip()
    return None


def _fallback_stem(file_name: str | None) -> str | None:
    if not file_name:
        return None
    stem = file_name.rsplit("/", 1)[-1]
    for ext in (".txt", ".zip"):
        if stem.lower().endswith(ext):
            stem = stem[: -len(ext)]
    stem = _COPY_SUFFIX.sub("", normalize_name(stem))
    if not stem or stem.casefold() in _GENERIC_STEMS:
        return None
    return stem


def _same_chat_same_owner(path: Path, chat_name: str, source_key: str, owner: str, options: ImportOptions) -> None:
    """Refuse to read a chat the archive holds with another sender as the owner (another --me, or none
    where one was given before): its key holds the owner, so every message would be archived again,
    in a second conversation in which another person's messages are the owner's."""
    if source_key in options.chat_owners:
        return
    prefix = f"{_fold(chat_name)}|"
    archived = sorted((conv_id, name) for key, (name, conv_id) in options.chat_owners.items() if key.startswith(prefix))
    if archived:
        conv_id, earlier = archived[0]
        given = f"--me {options.me!r}" if options.me else "no --me given"
        raise ImportFailed(
            path,
            f"the chat {chat_name!r} is archived with {earlier!r} as the owner (conversation {conv_id}); read with"
            f" {owner!r} as the owner ({given}), every message would be archived again, in a second conversation."
            f" Pass --me {earlier!r} to read it as before, or --conversation NAME if this is another chat",
        )


def _as_written(name: str) -> str:
    """A sender as written, without the marks and odd spaces phones add: "\u202a+34\u00a0662\u202c" -> "+34 662".

    Identities use this rather than E.164: it cannot change when phone-number metadata does."""
    return " ".join(unicodedata.normalize("NFC", phones.clean(name)).split())


def _fold(text: str) -> str:
    return normalize_name(text).casefold()
