"""A message's facts in the transcript's words: its direction, its marks (status, flags: deleted,
unsent, edited, a time a DST change made textfile resolve), its earlier versions and what else each
was, its call, its reactions, its attachments.

Every time of a message is printed at its precision: its receipts, reactions and earlier readings
too, and a window's bounds where that loses nothing (`scope.fmt_bound`). A time a DST change made
ambiguous or impossible is printed with the time as the export wrote it, recomputed from the stored
instant and the source's zone, never stored twice.
"""

from __future__ import annotations

import json
import re
from zoneinfo import ZoneInfo

from textfile import times
from textfile.errors import InvalidInput

DIRECTION_WORDS = {"in": "incoming", "out": "outgoing", "system": "system"}
NOT_THE_OWNERS = "between others (you are not in this thread)"  # a thread on a client's own phone the owner is not in
STATUS_MARKS = {
    "draft": "DRAFT (never sent)",
    "failed": "FAILED (not delivered)",
    "outbox": "QUEUED (sending not confirmed)",
    "queued": "QUEUED (sending not confirmed)",
}
FLAG_MARKS = {
    "deleted": "DELETED",
    "unsent": "UNSENT",
    "edited": "EDITED",
    "draft": None,  # said by the status
    # (said by the status where it says it; an iMessage that failed has no status, only this flag: the cover says
    # failed sends are marked)
    "failed": "FAILED (not delivered)",
    "empty_body": "no text",
    # (a text the export holds that could not be read: content/unreadable.py)
    "unreadable_body": "TEXT NOT READABLE (in the export, but it could not be decoded)",
    "view_once": "VIEW ONCE (content not in the export)",
    "time_ambiguous": "time ambiguous: clock went back (DST), first occurrence assumed",
    "time_nonexistent": "time did not exist: clock jumped forward (DST), read with the earlier offset",
}
SECOND_OCCURRENCE = "time ambiguous: clock went back (DST), second occurrence taken: the export's lines go back in time within that hour"
DST_FLAGS = ("time_nonexistent", "time_ambiguous")
VERSION_ORIGINS = {"edit_history": "edit history", "reimport": "earlier import", "export": "earlier export"}
REACTION_WORDS = {"loved": "❤", "liked": "👍", "disliked": "👎", "laughed": "😂", "emphasized": "‼", "questioned": "?"}
RENDERABLE_IMAGES = ("image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp", "image/tiff")


def duration(seconds: int | None) -> str:
    if seconds is None:
        return ""
    h, rest = divmod(int(seconds), 3600)
    m, s = divmod(rest, 60)
    return f"{h} h {m:02d} min {s:02d} s" if h else f"{m} min {s:02d} s"


def stands_for_attachments(body: str | None, attachments: int) -> bool:
    """Whether a message's text is nothing but object replacement characters (U+FFFC), one for each
    of its attachments: iMessage's text for a message that is only its attachments, each character
    standing where one was. The transcript then shows the attachment lines in its place (the stored
    text, its hash and the manifest keep it); any other U+FFFC is printed where it stands."""
    return bool(body) and attachments == len(body) and not body.strip("\ufffc")


def _versions(rows: list, body: str | None, tz: ZoneInfo, precision: str | None) -> list[dict]:
    """A message's earlier versions, oldest first; `same`: its text is the text of the state that
    followed it (the next version, or the message as it is), so only what else differed is shown."""
    out = [_version(v, tz, precision) for v in rows]
    for v, after in zip(out, [v["body"] for v in rows[1:]] + [body]):
        v["same"] = v["body"] == (after or "")
    return out


def _version(v, tz: ZoneInfo, precision: str | None) -> dict:
    """An earlier version; `reading`: its time where a later reading of the source moved it, in the
    zone it was read in, at the message's precision (`at`, when an edit was made, is the source's own clock)."""
    zone = v["source_zone"]
    reading = (
        f"{times.display(v['sent_at'], times.zone(zone), precision)} in {zone}"
        if v["sent_at"] and zone
        else times.display(v["sent_at"], tz, precision)
    )
    return {
        "n": v["version"],
        "at": times.display(v["at"], tz),
        "body": v["body"],
        "origin": VERSION_ORIGINS.get(v["origin"], v["origin"]),
        "reading": reading,
        "was": _was(json.loads(v["earlier"])) if v["earlier"] else [],
    }


def _was(earlier: dict) -> list[str]:
    """What else an earlier version was (`message_versions.earlier`), in words."""
    words = []
    for key, value in earlier.items():
        if key == "sender":
            words.append(f"sender {value}" if value else "no sender")
        elif key == "direction":
            words.append(DIRECTION_WORDS.get(value, value))
        elif key == "flags":
            marks = _marks(None, json.loads(value), "message")
            words.append(f"marked {', '.join(marks)}" if marks else "no marks")
        elif key == "attachments":
            names = [f"{name or '(no name)'}{'' if sha else ' (bytes not in the export)'}" for name, sha in value]
            words.append(f"attachments {', '.join(names)}" if names else "no attachments")
        elif key == "duration_s":
            words.append(f"call length {duration(value)}" if value else "no call length")
        elif key == "reply_to":
            words.append("a reply to another message" if value else "not a reply")
        else:  # kind, status
            words.append(f"{key} {value}" if value else f"no {key}")
    return words


def _marks(status: str | None, flags: list[str], kind: str, second: bool = False) -> list[str]:
    out = []
    if kind != "call" and status in STATUS_MARKS:
        out.append(STATUS_MARKS[status])
    for f in flags:
        word = SECOND_OCCURRENCE if second and f == "time_ambiguous" else FLAG_MARKS.get(f, f.replace("_", " "))
        if word and word not in out:
            out.append(word)
    return out


def _call(r) -> str:
    status = r["status"] or ("outgoing" if r["direction"] == "out" else "incoming")
    text = f"Call: {status}"
    if r["duration_s"]:
        text += f", {duration(r['duration_s'])}"
    return text


def _reaction(x, tz, clients: dict[str, str], precision: str | None) -> dict:
    symbol = x["emoji"] or REACTION_WORDS.get(x["kind"], "")
    name = x["display_name"] or clients.get(x["handle"])
    who = name or x["handle"] or "unknown"
    if name and x["handle"] and name != x["handle"]:
        who = f"{name} ({x['handle']})"
    return {
        "text": f"{x['kind']} {symbol}".strip(),
        "by": who,
        "at": times.display(x["at"], tz, precision),
        "removed": bool(x["removed"]),
    }


# 'image omitted by export (the export wrote "Bild weggelassen")': the kind an iPhone export names (whatsapp.py `_omitted`)
_KIND_OMITTED = re.compile(r"(\w[\w ]*?) omitted by export \(")


def _attachment(a, media: bool) -> dict:
    """An attachment line's facts. Its type: the MIME type, else the kind of media an export named
    where it left the file out ("image"), else "unknown type"."""
    mime = (a["mime"] or "").lower()
    kind = _KIND_OMITTED.match(a["missing_reason"] or "")
    item = {
        "name": a["file_name"] or "(no name)",
        "mime": a["mime"] or (kind.group(1) if kind else "unknown type"),
        "size": a["size"],
        "sha256": a["blob_sha256"],
        "missing": a["missing_reason"],
        "inline": False,
        "omitted": None,
    }
    if a["blob_sha256"] and mime in RENDERABLE_IMAGES:
        if media:
            item["inline"] = True
        else:
            item["omitted"] = "image not shown (--no-media)"
    return item


def second_occurrence(stored: str, zone_name: str | None) -> bool:
    """Whether a time a DST change made ambiguous was read as the second of the two (`times.second_occurrence`)."""
    try:
        return times.second_occurrence(stored, times.zone(zone_name or ""))
    except InvalidInput:  # a source zone that is an offset, not a zone: no DST there
        return False


def written_time(stored: str, zone_name: str | None, flag: str, precision: str | None) -> str:
    """The time as the export wrote it, for a message whose time a DST change made textfile resolve."""
    try:
        wall = times.written_wall(stored, times.zone(zone_name or ""), flag)
    except InvalidInput:  # a source zone that is an offset, not a zone: no DST there
        return ""
    if wall is None:
        return ""
    return wall.strftime("%Y-%m-%d %H:%M" if precision == "minute" else "%Y-%m-%d %H:%M:%S")
