"""A message's edits and unsends: message_summary_info, date_edited, date_retracted.

Decisions:
- An edited message (iOS 16 / macOS Ventura) keeps its guid: each earlier text becomes a `Version`
  of the same message, and the message is flagged "edited"; an unsent one is flagged "unsent".
- Its edit history is read from message_summary_info (a plist: `ec` the edits per part, `otr` the
  parts' ranges, `rp` the parts unsent). What cannot be read is a warning, never a failure: a
  history that is not a plist, or a part whose entry is not a typedstream (kept as empty).
- Offsets and lengths are in UTF-16 code units, as Apple counts them.
"""

from __future__ import annotations

import plistlib
from datetime import datetime

from textfile.importers import typedstream
from textfile.importers.imessage.schema import MessageRow, instant
from textfile.model import Notice, Version


def edit_history(row: MessageRow, body: str, ref: str, flags: set[str], out: list) -> tuple[Version, ...]:
    """The earlier versions of the message of `row` whose text is now `body`; "edited" and "unsent"
    added to `flags`, and what of its history cannot be read appended to `out` as warnings."""
    versions: tuple[Version, ...] = ()
    info = None
    if row.message_summary_info:
        try:
            info = plistlib.loads(row.message_summary_info)
        except Exception as exc:  # any malformed plist: plistlib raises several kinds
            out.append(Notice(f"{ref} ({row.guid}): its edit history (message_summary_info) cannot be read: {exc}"))
        if not isinstance(info, dict):
            info = None
    if info and isinstance(info.get("ec"), dict) and info["ec"]:
        versions, problems = earlier_versions(info, body)
        for problem in problems:
            out.append(Notice(f"{ref} ({row.guid}): {problem}"))
    if row.date_edited or versions:
        flags.add("edited")
    if row.date_retracted or (info and info.get("rp")):
        flags.add("unsent")
    return versions


def earlier_versions(info: dict, body: str) -> tuple[tuple[Version, ...], list[str]]:
    """Prior versions from message_summary_info: `ec` {"0": [{"t": typedstream, "d": 690513474.27}, …]}.

    Each part's history ends with the part's current text. Where that text is found in the body
    (at the offset the parts before it add up to; `otr` {"0": {"lo": 0, "le": 1}} gives the length
    of parts never edited) it is dropped and each earlier entry becomes a version of the whole body
    with that part as it was. Where it is not found, every entry is kept as written.
    """
    histories, problems = _histories(info["ec"])
    lengths = _part_lengths(info.get("otr") if isinstance(info.get("otr"), dict) else {})
    for part, entries in histories.items():
        lengths[part] = _utf16_length(entries[-1][1])
    versions: list[Version] = []
    for part, entries in sorted(histories.items()):
        before = [lengths[q] for q in lengths if q < part]
        current = entries[-1][1]
        offset = sum(before) if None not in before else None
        if offset is not None and _utf16_slice(body, offset, _utf16_length(current)) == current:
            for at, entry_text in entries[:-1]:
                versions.append(Version(_utf16_replace(body, offset, _utf16_length(current), entry_text), at))
        else:
            versions.extend(Version(entry_text, at) for at, entry_text in entries)
    if all(v.at is not None for v in versions):
        versions.sort(key=lambda v: v.at)  # several parts edited: their edits interleave in time
    return tuple(versions), problems


def _histories(edited: dict) -> tuple[dict[int, list[tuple[datetime | None, str]]], list[str]]:
    """Each edited part's history ((time, text) in the order Messages wrote them: oldest first, the
    current text last), from `ec`; and what of it cannot be read."""
    problems: list[str] = []
    histories: dict[int, list[tuple[datetime | None, str]]] = {}
    for part, history in edited.items():
        if not str(part).isdigit() or not isinstance(history, list):
            problems.append(f"edit history of part {part!r} is not understood; ignored")
            continue
        entries = []
        for entry in history:
            if not isinstance(entry, dict):
                continue
            try:
                entry_text = typedstream.decode(entry.get("t") or b"")
            except typedstream.TypedstreamError as exc:
                problems.append(f"an earlier version (part {part}) cannot be read: {exc}; kept as empty")
                entry_text = ""
            seconds = entry.get("d")
            at = instant(seconds) if isinstance(seconds, (int, float)) and not isinstance(seconds, bool) else None
            entries.append((at, entry_text))
        if entries:
            histories[int(part)] = entries
    return histories, problems


def _part_lengths(ranges: dict) -> dict[int, int | None]:
    """Each part's length from `otr` ({"0": {"lo": 0, "le": 1}}); None where it is not a number."""
    lengths: dict[int, int | None] = {}
    for key, span in ranges.items():
        if str(key).isdigit():
            length = span.get("le") if isinstance(span, dict) else None
            lengths[int(key)] = length if isinstance(length, int) and not isinstance(length, bool) else None
    return lengths


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _utf16_slice(body: str, location: int, length: int) -> str | None:
    units = body.encode("utf-16-le")[2 * location : 2 * (location + length)]
    try:
        return units.decode("utf-16-le")
    except UnicodeDecodeError:
        return None


def _utf16_replace(body: str, location: int, length: int, text: str) -> str:
    units = body.encode("utf-16-le")
    return (units[: 2 * location] + text.encode("utf-16-le") + units[2 * (location + length) :]).decode(
        "utf-16-le", errors="replace"
    )
