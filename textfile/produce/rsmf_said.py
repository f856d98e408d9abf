"""What an RSMF event says: its type, its body (the PDF's marks before the message's text), and whom a
group event is of.

Decisions, and why:
- **The PDF's words.** A review platform shows an event's body as the message. A draft, a failed or
  queued message, a deleted or unsent one must not read there as an ordinary sent message, so its body
  (and its line of the .rsmf's plain text) starts with the marks the transcript prints beside it,
  each in brackets: "[DRAFT (never sent)] I also wanted…". A call says what the transcript says of it:
  "Call: incoming, 4 min 00 s". The words come from the transcript (content/marks.py), never copied,
  so the two cannot drift apart. The message's own characters follow, unchanged (the content hash
  in `custom` is of them); nothing is added that the PDF does not say (no `importance`).
- **Group events by their exact words.** A system line is a `join`, `leave` or `disclaimer` only where
  its text is, character for character, a sentence textfile's own importer writes for that platform:
  iMessage's "X added Y", "X removed Y", "X left the conversation" (importers/imessage/message.py
  `_event`, X rebuilt from the row's sender as the importer names it), and WhatsApp's end-to-end
  encryption notice as exports have written it (the languages below, each one the WhatsApp importer
  reads, `locales.LANGUAGES`). Anything else, a renaming included, stays `unknown` with its text:
  RSMF's `history` is not described by its schema and no source of ours says what it holds, so it
  is not used.
- **Never a guessed participant.** A join or leave names as its participant the one who joined or left
  only when that handle is a participant of the file; otherwise it names none (the schema requires
  only `type`), and the text says who.
"""

from __future__ import annotations

import json
import re
from typing import NamedTuple

from textfile.transcript.content.marks import _call, _marks, second_occurrence

# WhatsApp's end-to-end encryption notice, as exports in the languages the importer reads wrote it
# (fixtures/whatsapp): the whole line, nothing before or after.
ENCRYPTION_NOTICES = {
    "en": (
        "Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or"
        " listen to them.",
        "Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or"
        " listen to them. Tap to learn more.",
    ),
    "de": (
        "Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt. Niemand außerhalb dieses Chats kann sie lesen"
        " oder anhören, nicht einmal WhatsApp. Tippe, um mehr zu erfahren.",
    ),
    "es": (
        "Los mensajes y las llamadas están cifrados de extremo a extremo. Nadie fuera de este chat, ni siquiera"
        " WhatsApp, puede leerlos ni escucharlos.",
    ),
}
_NOTICES = frozenset(n for notices in ENCRYPTION_NOTICES.values() for n in notices)
# What follows the actor's name in iMessage's group lines (importers/imessage/message.py `_event`).
_IMESSAGE_EVENTS = (
    ("join", re.compile(r"added (\S+)")),
    ("leave", re.compile(r"removed (\S+)")),
    ("leave", re.compile(r"left the conversation")),
)


class Said(NamedTuple):
    """An event's type, its body, and whether it names its own participant (`of`, a join or leave:
    the one who joined or left, None when not a participant of the file) rather than its sender."""

    type: str
    body: str
    own_participant: bool = False
    of: str | None = None


def said(r, platform: str, people) -> Said:
    """What the event of the message `r` says, for a conversation of `platform` with these participants."""
    flags = json.loads(r["flags"])
    second = "time_ambiguous" in flags and second_occurrence(r["sent_at"], r["source_zone"])
    parts = [f"[{mark}]" for mark in _marks(r["status"], flags, r["kind"], second)]
    if r["kind"] == "call":
        parts.append(_call(r))
    marked = " ".join(parts)
    text = r["body"] or ""
    body = f"{marked}\n{text}" if r["kind"] == "call" and marked and text else " ".join(p for p in (marked, text) if p)
    if r["direction"] != "system":
        return Said("message", body)
    if platform == "whatsapp" and text in _NOTICES:
        return Said("disclaimer", body)
    if platform == "imessage":
        event = _imessage_event(r, text, people)
        if event is not None:
            kind, of = event
            return Said(kind, body, True, of)
    return Said("unknown", body)


def _imessage_event(r, text: str, people) -> tuple[str, str | None] | None:
    """A join or leave iMessage's importer wrote ("X added Y"), and the handle of the one who joined or
    left when a participant of the file; None when the text is not one of those sentences exactly."""
    actor = _actor(r, people)
    if not text.startswith(actor + " "):
        return None
    rest = text[len(actor) + 1 :]
    handles = {p["handle"] for p in people}
    for kind, words in _IMESSAGE_EVENTS:
        found = words.fullmatch(rest)
        if found is None:
            continue
        who = found.group(1) if words.groups else r["sender_handle"]
        return kind, who if who in handles else None
    return None


def _actor(r, people) -> str:
    """The row's sender as iMessage's importer names the one who did a group event (`Chats.name`)."""
    if not r["sender_handle"]:
        return "Someone"
    sender = next((p for p in people if p["handle"] == r["sender_handle"]), None)
    if sender is not None and sender["is_owner"]:
        return sender["display_name"] or sender["handle"]
    return r["sender_handle"]
