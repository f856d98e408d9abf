"""What a transcript shows, read from the archive as plain data.

The main process reads the plan: which messages are in the window, in transcript order, with
their content hashes (the manifest) and enough to number them and resolve "in reply to #n".
Each rendering worker then reads the full content of its own chunk of messages by rowid, through
its own read-only connection, so no process holds a whole large matter in memory. A worker
returns the content hashes it read; if the archive changed in between, the transcript is refused.

The cover's facts include everything that shaped the evidence without being in it: each source
once with whose phone it came from and what was given or assumed when it was read (what every
import of it shared, then what each import read otherwise: its zone, a notice of its own, so that
one import's reading is never told as another's; and whether a later correction superseded that
reading), each correction of an earlier reading as ingest recorded it (by whom, which import, the
zone and day/month order before and after) and how many of the transcript's messages it moved, as
the versions it kept with their earlier time prove (an import given --corrects-tz that moved nothing
corrected nothing; a message moved to the other occurrence of an hour the clocks repeated, on the
export's own line order, was corrected by nobody: the DST lines say it), how each conversation came
into the matter (by hand: by whom and when),
each WhatsApp message that textfile took for another form of a message of another export (an edit
or a deletion between exports: the rule once, which line of which import was taken for which), the
U+FFFD the messages hold (never said to be undecodable: which messages no import that reported
undecodable bytes holds, and what each import that did reported), the characters that change how
text is displayed which the transcript prints as marks (`invisible`), and times a DST change made
ambiguous or impossible, with the time as the export wrote it (recomputed from the stored instant
and the source's zone, never stored twice). Every time of a message is printed at its precision:
its receipts, reactions and earlier readings too, and a window's bounds where that loses nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from dataclasses import dataclass, field
from typing import NamedTuple
from zoneinfo import ZoneInfo

from textfile import audit, times
from textfile.errors import InvalidInput, NotFound
from textfile.model import DATE_ORDERS, INVISIBLE

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
    "failed": None,
    "empty_body": "no text",
    "view_once": "VIEW ONCE (content not in the export)",
    "time_ambiguous": "time ambiguous: clock went back (DST), first occurrence assumed",
    "time_nonexistent": "time did not exist: clock jumped forward (DST), read with the earlier offset",
}
SECOND_OCCURRENCE = "time ambiguous: clock went back (DST), second occurrence taken: the export's lines go back in time within that hour"
DST_FLAGS = ("time_nonexistent", "time_ambiguous")
VERSION_ORIGINS = {"edit_history": "edit history", "reimport": "earlier import", "export": "earlier export"}
REACTION_WORDS = {"loved": "❤", "liked": "👍", "disliked": "👎", "laughed": "😂", "emphasized": "‼", "questioned": "?"}
RENDERABLE_IMAGES = ("image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp", "image/tiff")


@dataclass
class Scope:
    matter_id: int | None
    matter: str | None
    matter_title: str | None
    client_id: int
    client: str
    from_at: str | None
    until_at: str | None
    conversation_id: int | None = None  # one conversation, whatever it is filed to (`conversation show`)

    def where(self) -> tuple[str, list]:
        """SQL condition on `messages m` selecting the scope's messages, and its parameters."""
        if self.conversation_id is not None:
            cond, params = "m.conversation_id = ?", [self.conversation_id]
        elif self.matter_id is not None:
            cond = (
                "EXISTS (SELECT 1 FROM filings f WHERE f.matter_id = ? AND f.conversation_id = m.conversation_id"
                " AND (f.from_at IS NULL OR m.sent_at >= f.from_at) AND (f.until_at IS NULL OR m.sent_at <= f.until_at))"
            )
            params: list = [self.matter_id]
        else:
            # A client's transcript: what is filed to any of their matters, and every conversation
            # they take part in through one of their handles.
            cond = (
                "(EXISTS (SELECT 1 FROM filings f JOIN matters mt ON mt.id = f.matter_id WHERE mt.client_id = ?"
                " AND f.conversation_id = m.conversation_id"
                " AND (f.from_at IS NULL OR m.sent_at >= f.from_at) AND (f.until_at IS NULL OR m.sent_at <= f.until_at))"
                " OR m.conversation_id IN (SELECT p.conversation_id FROM participants p JOIN client_handles h ON h.handle = p.handle"
                " WHERE h.client_id = ? AND p.is_owner = 0))"
            )
            params = [self.client_id, self.client_id]
        if self.from_at:
            cond += " AND m.sent_at >= ?"
            params.append(self.from_at)
        if self.until_at:
            cond += " AND m.sent_at <= ?"
            params.append(self.until_at)
        return cond, params

    def as_dict(self) -> dict:
        return {
            "matter": self.matter,
            "matter_title": self.matter_title,
            "client": self.client,
            "from": self.from_at,
            "until": self.until_at,
        }


def resolve_scope(
    conn: sqlite3.Connection, matter: str | None, client: str | None, from_at: str | None, until_at: str | None
) -> Scope:
    if bool(matter) == bool(client):
        raise InvalidInput(
            "name a matter (REF) or a client (--client NAME), not both"
            if matter
            else "name a matter (REF) or a client (--client NAME)"
        )
    if from_at and until_at and from_at > until_at:
        raise InvalidInput("--from is after --until")
    if matter:
        row = conn.execute(
            "SELECT mt.id, mt.reference, mt.title, c.id AS client_id, c.name FROM matters mt JOIN clients c ON c.id = mt.client_id"
            " WHERE mt.reference = ?",
            (matter.strip(),),
        ).fetchone()
        if row is None:
            raise NotFound(f"no matter {matter!r} (see `textfile matter list`)")
        return Scope(row["id"], row["reference"], row["title"], row["client_id"], row["name"], from_at, until_at)
    row = conn.execute("SELECT id, name FROM clients WHERE name = ?", (client.strip(),)).fetchone()
    if row is None:
        raise NotFound(f"no client named {client!r} (see `textfile client list`)")
    return Scope(None, None, None, row["id"], row["name"], from_at, until_at)


class Planned(NamedTuple):
    """One message of a transcript's plan: what the plan reads of it, in transcript order."""

    rowid: int
    id: str
    conversation: int
    content_hash: str
    service: str | None


@dataclass
class Plan:
    """The messages of a transcript in order (`Planned`)."""

    rows: list[Planned]
    reply_seq: dict[int, int] = field(
        default_factory=dict
    )  # position (0-based) -> sequence number replied to (1-based)
    reply_outside: set[int] = field(default_factory=set)  # positions replying to a message not in the transcript
    conversations: list[int] = field(default_factory=list)  # in transcript order


def plan(conn: sqlite3.Connection, scope: Scope) -> Plan:
    """Read row by row (a 100,000-message matter must not cost a list of full rows): conversations
    in the order of their first message, each in time order."""
    cond, params = scope.where()
    cursor = conn.cursor()
    cursor.row_factory = None
    groups: dict[int, list[tuple]] = {}
    first: dict[int, str] = {}
    sources: dict[tuple[int, str], int] = {}  # (conversation, source id) -> index in its group
    replies: list[tuple[int, int, str]] = []  # (conversation, index in its group, source id replied to)
    services: dict[str, str] = {}
    for rowid, mid, conv, digest, service, sent_at, source_id, reply_to in cursor.execute(
        "SELECT m.rowid, m.id, m.conversation_id, m.content_hash, m.service, m.sent_at, m.source_id, m.reply_to"
        f" FROM messages m WHERE {cond} ORDER BY m.conversation_id, m.sent_at, m.rowid",
        params,
    ):
        group = groups.get(conv)
        if group is None:
            group = groups[conv] = []
            first[conv] = sent_at
        if source_id:
            sources.setdefault((conv, source_id), len(group))
        if reply_to:
            replies.append((conv, len(group), reply_to))
        group.append(Planned(rowid, mid, conv, digest, services.setdefault(service, service) if service else service))
    order = sorted(groups, key=lambda c: (first[c], c))
    offset, at = {}, 0
    for c in order:
        offset[c] = at
        at += len(groups[c])
    result = Plan([row for c in order for row in groups.pop(c)], conversations=order)
    for conv, index, target in replies:
        found = sources.get((conv, target))
        if found is not None:
            result.reply_seq[offset[conv] + index] = offset[conv] + found + 1
        else:
            result.reply_outside.add(offset[conv] + index)
    return result


# -- the chunks -----------------------------------------------------------------------------


@dataclass
class Job:
    """One chunk for a rendering worker: consecutive positions of the plan."""

    index: int
    start: int  # position of the first message (0-based); its sequence number is start + 1
    rowids: list[int]
    replies: dict[int, int]  # position -> sequence number replied to
    outside: list[int]
    continues_from: int | None = None  # rowid of the message before, when the chunk starts mid-conversation
    balance: bool = False  # another chunk follows on a new page: share a mostly blank last page among the last ones
    files_of: list[int] = field(
        default_factory=list
    )  # the last chunk: the conversations whose files it lists at its end
    cover: dict | None = None  # the first chunk: the cover's facts, laid out before its messages
    found_on: bool = False  # the transcript's messages come from more than one phone: each says whose (`phones_of`)


def jobs(p: Plan, size: int) -> list[Job]:
    out = []
    for i, start in enumerate(range(0, len(p.rows), size)):
        stop = min(start + size, len(p.rows))
        before = p.rows[start - 1] if start else None
        out.append(
            Job(
                i,
                start,
                [r.rowid for r in p.rows[start:stop]],
                {k: v for k, v in p.reply_seq.items() if start <= k < stop},
                [k for k in p.reply_outside if start <= k < stop],
                before.rowid if before and before.conversation == p.rows[start].conversation else None,
                stop < len(p.rows),
                p.conversations if stop == len(p.rows) else [],
            )
        )
    return out


def fmt_bound(stored: str | None, tz: ZoneInfo, precision: str | None) -> str:
    """A bound of a window (--from/--until, a filing's from/until) at the precision of the messages it
    bounds where that loses nothing: on a whole minute, or an inclusive end at a minute's last millisecond."""
    if stored and precision == "minute" and stored[17:23] not in ("00.000", "59.999"):
        precision = None
    return times.display(stored, tz, precision)


def duration(seconds: int | None) -> str:
    if seconds is None:
        return ""
    h, rest = divmod(int(seconds), 3600)
    m, s = divmod(rest, 60)
    return f"{h} h {m:02d} min {s:02d} s" if h else f"{m} min {s:02d} s"


def load_chunk(conn: sqlite3.Connection, job: Job, tz: ZoneInfo, media: bool, owner_name: str) -> dict:
    """Everything a chunk shows, as plain data for the template, and a digest of the hashes that were read."""
    marks = ",".join("?" * len(job.rowids))
    rows = conn.execute(
        "SELECT m.rowid, m.*, p.handle AS sender_handle, p.display_name AS sender_name, p.is_owner AS sender_is_owner"
        f" FROM messages m LEFT JOIN participants p ON p.id = m.sender_id WHERE m.rowid IN ({marks})",
        job.rowids,
    ).fetchall()
    by_rowid = {r["rowid"]: r for r in rows}
    ordered = [by_rowid[rid] for rid in job.rowids if rid in by_rowid]
    ids = [r["id"] for r in ordered]
    id_marks = ",".join("?" * len(ids))
    versions: dict[str, list] = {}
    for v in conn.execute(
        f"SELECT * FROM message_versions WHERE message_id IN ({id_marks}) ORDER BY message_id, version", ids
    ):
        versions.setdefault(v["message_id"], []).append(v)
    reactions: dict[str, list] = {}
    for x in conn.execute(
        "SELECT x.*, p.handle, p.display_name FROM reactions x LEFT JOIN participants p ON p.id = x.sender_id"
        f" WHERE x.message_id IN ({id_marks}) ORDER BY x.message_id, x.at, x.id",
        ids,
    ):
        reactions.setdefault(x["message_id"], []).append(x)
    attachments: dict[str, list] = {}
    for a in conn.execute(
        "SELECT a.*, b.size FROM message_attachments a LEFT JOIN blobs b ON b.sha256 = a.blob_sha256"
        f" WHERE a.message_id IN ({id_marks}) ORDER BY a.message_id, a.position",
        ids,
    ):
        attachments.setdefault(a["message_id"], []).append(a)
    conversation_ids = sorted({r["conversation_id"] for r in ordered})
    clients = client_names(conn)
    phones = phones_of(conn, f"m.id IN ({id_marks})", ids, owner_name) if job.found_on else {}
    elsewhere = times_elsewhere(conn, f"m.id IN ({id_marks})", ids, owner_name) if job.found_on else {}
    conversations = conversation_info(conn, conversation_ids, clients)
    # A thread found on a client's own phone that the owner is not in (keyed "… without the owner"): its
    # messages are neither incoming nor outgoing for the owner, whose frame the archive keeps.
    others = {
        cid
        for (cid,) in conn.execute(
            f"SELECT id FROM conversations WHERE id IN ({','.join('?' * len(conversation_ids))}) AND source_key LIKE '% without the owner'",
            conversation_ids,
        )
    }

    messages = []
    conversation = ordered[0]["conversation_id"] if ordered and job.continues_from else None
    day = None
    if conversation:
        before = conn.execute("SELECT sent_at FROM messages WHERE rowid = ?", (job.continues_from,)).fetchone()[0]
        day = times.from_iso(before).astimezone(tz).strftime("%A, %-d %B %Y")
    for offset, r in enumerate(ordered):
        pos = job.start + offset
        local = times.from_iso(r["sent_at"]).astimezone(tz)
        flags = json.loads(r["flags"] or "[]")
        precision = r["time_precision"]
        found = attachments.get(r["id"], [])
        item = {
            "seq": pos + 1,
            "conversation": r["conversation_id"],
            "day": local.strftime("%A, %-d %B %Y"),
            "time": times.display(r["sent_at"], tz, precision),
            "sent_at": r["sent_at"],
            "written": next(
                (written_time(r["sent_at"], r["source_zone"], f, precision) for f in flags if f in DST_FLAGS), ""
            ),
            "direction": r["direction"],
            "direction_word": NOT_THE_OWNERS
            if r["conversation_id"] in others and r["direction"] == "in"
            else DIRECTION_WORDS.get(r["direction"], r["direction"]),
            "kind": r["kind"],
            "service": r["service"] or "",
            "sender_name": sender_name(r["sender_name"], r["sender_handle"], r["sender_is_owner"], owner_name, clients),
            "sender_handle": r["sender_handle"] or "",
            "body": "" if stands_for_attachments(r["body"], len(found)) else r["body"] or "",
            "marks": _marks(
                r["status"],
                flags,
                r["kind"],
                "time_ambiguous" in flags and second_occurrence(r["sent_at"], r["source_zone"]),
            ),
            "call": _call(r) if r["kind"] == "call" else "",
            "delivered": times.display(r["delivered_at"], tz, precision),
            "read": times.display(r["read_at"], tz, precision),
            "reply_to": job.replies.get(pos),
            "reply_outside": pos in job.outside,
            "versions": _versions(versions.get(r["id"], []), r["body"], tz, precision),
            "reactions": [_reaction(x, tz, clients, precision) for x in reactions.get(r["id"], [])],
            "attachments": [_attachment(a, media) for a in found],
            "found_on": found_on_said(phones.get(r["id"], []), elsewhere.get(r["id"], {}), tz, precision),
        }
        if r["conversation_id"] != conversation:
            conversation, day = r["conversation_id"], None
        item["new_day"] = item["day"] != day or offset == 0
        item["day_continued"] = item["day"] == day and offset == 0
        item["continued"] = offset == 0 and job.continues_from is not None
        day = item["day"]
        messages.append(item)
    return {
        "messages": messages,
        "conversations": conversations,
        "files": conversation_files(conn, job.files_of, clients),
        "digest": digest((r["id"], r["content_hash"]) for r in ordered),
        "missing": len(job.rowids) - len(ordered),
    }


def phones_of(conn: sqlite3.Connection, cond: str, params: list, owner_name: str) -> dict[str, list[str]]:
    """Whose phone(s) each message (of those `cond` selects) was found on, by message id: the client's
    whose own phone an import read (`import_custodians`), else the archive owner's; sorted by name."""
    found: dict[str, list[str]] = {}
    for mid, name in conn.execute(
        "SELECT DISTINCT s.message_id, coalesce(cl.name, ?) FROM message_sources s JOIN messages m ON m.id = s.message_id"
        " LEFT JOIN import_custodians ic ON ic.import_id = s.import_id LEFT JOIN clients cl ON cl.id = ic.client_id"
        f" WHERE {cond} ORDER BY 1, 2",
        [owner_name, *params],
    ):
        found.setdefault(mid, []).append(name)
    return found


def times_elsewhere(conn: sqlite3.Connection, cond: str, params: list, owner_name: str) -> dict[str, dict[str, str]]:
    """Per message (of those `cond` selects): the time another phone's copy of it recorded, by whose phone,
    where it differs from the message's own (that of the phone whose export was imported first; `phone_copies`)."""
    found: dict[str, dict[str, str]] = {}
    for mid, name, at in conn.execute(
        "SELECT pc.message_id, coalesce(cl.name, ?), min(pc.sent_at) FROM phone_copies pc JOIN messages m ON m.id = pc.message_id"
        " LEFT JOIN import_custodians ic ON ic.import_id = pc.import_id LEFT JOIN clients cl ON cl.id = ic.client_id"
        f" WHERE {cond} AND pc.sent_at <> m.sent_at GROUP BY 1, 2 ORDER BY 1, 2",
        [owner_name, *params],
    ):
        found.setdefault(mid, {})[name] = at
    return found


def found_on_said(names: list[str], elsewhere: dict[str, str], tz: ZoneInfo, precision: str | None) -> str:
    """ "Alex Owner's phone, Sam Client's phone (recorded there at 12:00:03 -05:00)": whose phones, and the
    time a phone recorded where it is not the one shown."""
    return ", ".join(
        f"{name}'s phone"
        + (f" (recorded there at {times.display(elsewhere[name], tz, precision)})" if name in elsewhere else "")
        for name in names
    )


def _found_on(conn: sqlite3.Connection, cond: str, params: list, p: Plan, owner_name: str) -> list[dict]:
    """Where the transcript's messages come from more than one phone (a client's own phone beside the
    owner's), whose phone(s) each was found on, in transcript order; else nothing (the cover says it once)."""
    if not conn.execute(
        f"SELECT EXISTS (SELECT 1 FROM import_custodians ic JOIN message_sources s ON s.import_id = ic.import_id"
        f" JOIN messages m ON m.id = s.message_id WHERE {cond})",
        params,
    ).fetchone()[0]:
        return []
    phones = phones_of(conn, cond, params, owner_name)
    if len({name for names in phones.values() for name in names}) < 2:
        return []
    elsewhere = times_elsewhere(conn, cond, params, owner_name)
    return [
        {
            "seq": n,
            "message": row.id,
            "phones": phones.get(row.id, []),
            **({"recorded": elsewhere[row.id]} if row.id in elsewhere else {}),
        }
        for n, row in enumerate(p.rows, 1)
    ]


def conversation_files(conn: sqlite3.Connection, ids: list[int], clients: dict[str, str]) -> list[dict]:
    """The files the exports of these conversations held that no message names (m009), by
    conversation in transcript order: listed, never shown (no image is drawn), since nothing says
    when or by whom they were sent, they are listed whatever the transcript's window."""
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    found: dict[int, list] = {}
    for f in conn.execute(
        "SELECT f.conversation_id, f.file_name, f.mime, f.blob_sha256, b.size FROM conversation_files f"
        f" JOIN blobs b ON b.sha256 = f.blob_sha256 WHERE f.conversation_id IN ({marks}) ORDER BY f.file_name, f.blob_sha256",
        ids,
    ):
        found.setdefault(f["conversation_id"], []).append(
            {"name": f["file_name"], "mime": f["mime"] or "unknown type", "size": f["size"], "sha256": f["blob_sha256"]}
        )
    convs = conversation_info(conn, [c for c in ids if c in found], clients)
    return [{"conv": convs[c], "files": found[c]} for c in ids if c in found]


def digest(pairs) -> str:
    """One sha256 over (message id, content hash) pairs: what a worker read, compared with the plan."""
    h = hashlib.sha256()
    for mid, content_hash in pairs:
        h.update(f"{mid} {content_hash}\n".encode())
    return h.hexdigest()


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


def conversation_info(
    conn: sqlite3.Connection, ids: list[int], clients: dict[str, str] | None = None
) -> dict[int, dict]:
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    out = {
        r["id"]: {
            "id": r["id"],
            "platform": r["platform"],
            "title": r["title"],
            "is_group": bool(r["is_group"]),
            "participants": [],
        }
        for r in conn.execute(f"SELECT * FROM conversations WHERE id IN ({marks})", ids)
    }
    clients = client_names(conn) if clients is None else clients
    for p in conn.execute(
        f"SELECT * FROM participants WHERE conversation_id IN ({marks}) ORDER BY is_owner, handle", ids
    ):
        name = p["display_name"] or (None if p["is_owner"] else clients.get(p["handle"]))
        out[p["conversation_id"]]["participants"].append(
            {"handle": p["handle"], "name": name if name != p["handle"] else None, "is_owner": bool(p["is_owner"])}
        )
    return out


def sender_name(name: str | None, handle: str | None, is_owner: bool, owner_name: str, clients: dict[str, str]) -> str:
    """The name a transcript gives a message's sender: the export's, else the owner's, or the client's
    whose number or address it is (`client_names`); "" for a message with no sender."""
    return (name or (owner_name if is_owner else clients.get(handle, ""))) if handle else ""


def own_title(title: str | None, names) -> str | None:
    """A conversation's title where it is more than one of its participants' `names` (each one's name,
    else its number or address: a WhatsApp chat is named after the other person), else None."""
    return title if title not in set(names) else None


def client_names(conn: sqlite3.Connection) -> dict[str, str]:
    """Client names by handle: the name for a number the export gives none (iMessage and SMS
    databases hold numbers only; the archive's client file says whose number it is)."""
    return dict(conn.execute("SELECT h.handle, c.name FROM client_handles h JOIN clients c ON c.id = h.client_id"))


# -- the cover ------------------------------------------------------------------------------

PLATFORM_NAMES = {
    "android": "Android (SMS Backup & Restore)",
    "imessage": "iMessage / SMS (Apple Messages)",
    "whatsapp": "WhatsApp (Export chat)",
}


def cover(
    conn: sqlite3.Connection, scope: Scope, p: Plan, tz: ZoneInfo, owner_name: str = "", archive_zone: str = ""
) -> dict:
    """The cover page's facts: counts per conversation and service, sources, method and limits, and
    every assumption that shaped what is shown (`disclosures`, which the manifest carries too)."""
    cond, params = scope.where()
    counts: dict[int, dict[str, int]] = {}
    for r in p.rows:
        per = counts.setdefault(r.conversation, {})
        per[r.service or "unknown"] = per.get(r.service or "unknown", 0) + 1
    convs = conversation_info(conn, p.conversations)
    spans: dict[int, list] = {}  # conversation -> [first, last, {precision: messages}]
    for cid, precision, first, last, n in conn.execute(
        "SELECT m.conversation_id, m.time_precision, min(m.sent_at), max(m.sent_at), count(*) FROM messages m"
        f" WHERE {cond} GROUP BY m.conversation_id, m.time_precision",
        params,
    ):
        span = spans.setdefault(cid, [first, last, {}])
        span[0], span[1] = min(span[0], first), max(span[1], last)
        span[2][precision] = n
    precision_of = {cid: _coarsest(span[2]) for cid, span in spans.items()}
    conversations = []
    for cid in p.conversations:
        c = convs[cid]
        first, last, _ = spans.get(cid, (None, None, None))
        # A chat titled with a participant's name (a WhatsApp or contact chat) is named once, by the participant.
        title = own_title(c["title"], (p["name"] or p["handle"] for p in c["participants"]))
        conversations.append(
            {
                **c,
                "counts": sorted(counts.get(cid, {}).items()),
                "total": sum(counts.get(cid, {}).values()),
                "first": times.display(first, tz, precision_of.get(cid)),
                "last": times.display(last, tz, precision_of.get(cid)),
                "cover_title": title,
            }
        )
    moves = _moves(conn, cond, params)
    sources = _sources(conn, cond, params, convs, tz, owner_name, archive_zone, moves)
    services: dict[str, int] = {}
    for per in counts.values():
        for service, n in per.items():
            services[service] = services.get(service, 0) + n
    platforms = sorted({c["platform"] for c in convs.values()})
    wa_zones = [
        z
        for (z,) in conn.execute(  # the readings the messages are shown at (a corrected one is not)
            "SELECT DISTINCT m.source_zone FROM messages m JOIN conversations c ON c.id = m.conversation_id"
            f" WHERE {cond} AND c.platform = 'whatsapp' ORDER BY 1",
            params,
        )
        if z
    ]
    first_conv = min(spans, key=lambda c: spans[c][0], default=None)
    last_conv = max(spans, key=lambda c: spans[c][1], default=None)
    of_import = {i["import"]: s for s in sources for i in s["imports"]}
    names = {n: s["name"] for n, s in of_import.items()}
    disclosures = {
        "sources": [{k: v for k, v in s.items() if k not in COVER_ONLY} for s in sources],
        "corrections": _corrections(moves, sources, tz),
        "time_precision": [
            {"conversation": cid, "precision": precision or "millisecond", "messages": n}
            for cid in p.conversations
            for precision, n in sorted(spans[cid][2].items(), key=lambda x: x[0] or "")
        ],
        "filings": _filings(conn, scope, p, tz, precision_of),
        "pairings": _pairings(conn, cond, params, p, names),
        **_marked_messages(conn, cond, params, p, tz, names),
    }
    found_on = _found_on(conn, cond, params, p, owner_name)
    if found_on:  # (only then: the manifests of transcripts of one phone stay as they were)
        disclosures["found_on"] = found_on
    shown_invisible = invisible(conn, cond, params, p, convs)
    disclosures["invisible"] = shown_invisible["messages"]
    by_hand: dict[tuple, list] = {}
    for f in disclosures["filings"]:
        if f["how"] == "manual":
            by_hand.setdefault((f["matter"], f["by"]), []).append(f)
    return {
        "conversations": conversations,
        "sources": sources,
        "services": sorted(services.items()),
        "filed_by_hand": [{"matter": matter, "by": by, "filings": found} for (matter, by), found in by_hand.items()],
        "filed_automatically": _auto_filings_said(disclosures["filings"]),
        "custodians": sorted({c for s in sources for c in s["custodians"]}),
        "phones": sorted({name for f in found_on for name in f["phones"]}),
        "platforms": [PLATFORM_NAMES.get(x, x) for x in platforms],
        "whatsapp": "whatsapp" in platforms,
        "whatsapp_zones": wa_zones,
        "android": "android" in platforms,
        "imessage": "imessage" in platforms,
        "minute_conversations": sorted(cid for cid in p.conversations if precision_of.get(cid) == "minute"),
        "precision": _coarsest({precision for span in spans.values() for precision in span[2]}),
        "first": times.display(spans[first_conv][0], tz, precision_of[first_conv]) if first_conv is not None else "",
        "last": times.display(spans[last_conv][1], tz, precision_of[last_conv]) if last_conv is not None else "",
        "pairings": _pairings_said(disclosures["pairings"], of_import),
        "undecodable": _undecodable_said(disclosures),
        "invisible": shown_invisible["legend"],
        "invisible_in": _numbers_said([m["seq"] for m in shown_invisible["messages"]]),
        "disclosures": disclosures,
    }


def _coarsest(precisions: dict) -> str | None:
    """The precision to print a span of messages at: "minute" only when every one of them is to the minute."""
    return "minute" if set(precisions) == {"minute"} else None


COVER_ASSUMPTIONS = 5  # per source, and per import where its imports differ; the manifest holds every one
COVER_ONLY = ("imported", "assumptions_shown", "assumptions_more", "name", "names", "shown_by_import")


def _sources(
    conn, cond: str, params: list, convs: dict, tz: ZoneInfo, owner_name: str, archive_zone: str, moves: list[dict]
) -> list[dict]:
    """Each source once, however often its bytes were imported (same sha256 and format), with every
    import's date, whose phone it came from, and what was assumed or given when it was read: what
    every import of it shared (`decisions`, `assumptions`), then what each import read otherwise
    (`by_import`: a zone, a notice of its own), so that one import's reading is never told as
    another's. A source whose file name another source has too is named with the start of its sha256
    as well (`name`)."""
    per_import: dict[int, dict[int, int]] = {}  # import -> conversation -> messages
    shown_in: dict[int, dict[str, int]] = {}  # import -> zone its messages are shown at -> messages
    for import_id, cid, zone, n in conn.execute(
        "SELECT s.import_id, m.conversation_id, m.source_zone, count(DISTINCT s.message_id) FROM message_sources s"
        f" JOIN messages m ON m.id = s.message_id WHERE {cond} GROUP BY s.import_id, m.conversation_id, m.source_zone",
        params,
    ):
        per = per_import.setdefault(import_id, {})
        per[cid] = per.get(cid, 0) + n
        zones = shown_in.setdefault(import_id, {})
        zones[zone] = zones.get(zone, 0) + n
    if not per_import:
        return []
    corrected: dict[
        int, set[str]
    ] = {}  # import -> what it corrected in the transcript's messages ("zone", "date_order")
    for move in moves:
        corrected.setdefault(move["import"], set()).update(
            what
            for what, changed in (
                ("zone", move["from_zone"] != move["to_zone"]),
                (
                    "date_order",
                    None not in (move["from_order"], move["to_order"]) and move["from_order"] != move["to_order"],
                ),
            )
            if changed
        )
    marks = ",".join("?" * len(per_import))
    sources: dict[tuple[str, str], dict] = {}
    for i in conn.execute(f"SELECT * FROM imports WHERE id IN ({marks}) ORDER BY id", list(per_import)):
        s = sources.get((i["sha256"], i["format"]))
        if s is None:
            s = sources[(i["sha256"], i["format"])] = {
                "sha256": i["sha256"],
                "format": i["format"],
                "size": i["size"],
                "file_names": [],
                "imports": [],
                "imported": [],
                "messages": 0,
                "zones": [],
                "custodians": [],
                "phone": "",
                "conversations": [],
                "read": [],
            }
        options = json.loads(i["options"] or "{}")
        assumptions = json.loads(i["assumptions"] or "[]")
        s["imports"].append(
            {
                "import": i["id"],
                "started_at": i["started_at"],
                "file_name": i["file_name"],
                "zone": i["zone"],
                "custodian": i["custodian"],
                "options": options,
                "assumptions": assumptions,
                "imported_by": i["imported_by"],
            }
        )
        s["imported"].append((times.display(i["started_at"], tz), i["id"]))
        for key, value in (("file_names", i["file_name"]), ("zones", i["zone"]), ("custodians", i["custodian"])):
            if value and value not in s[key]:
                s[key].append(value)
        s["messages"] = max(s["messages"], sum(per_import[i["id"]].values()))
        for cid in per_import[i["id"]]:
            if cid not in s["conversations"]:
                s["conversations"].append(cid)
        fixed = corrected.get(i["id"], set())
        decisions = (
            [_reading(i["zone"], "zone" in fixed, shown_in[i["id"]], archive_zone)] if i["format"] == "whatsapp" else []
        )
        decisions += _given(i, options, convs, per_import[i["id"]], owner_name, "date_order" in fixed)
        s["read"].append((i["id"], s["imported"][-1][0], decisions, assumptions))
    named: dict[str, int] = {}
    for s in sources.values():
        for name in s["file_names"]:
            named[name] = named.get(name, 0) + 1
    for s in sources.values():
        same_name = f" (sha256 {s['sha256'][:12]})" if any(named[name] > 1 for name in s["file_names"]) else ""
        s["name"], s["names"] = s["file_names"][0] + same_name, ", ".join(s["file_names"]) + same_name
        read = s.pop("read")
        s["decisions"] = _shared([decisions for _, _, decisions, _ in read])
        s["assumptions"] = _shared([assumptions for _, _, _, assumptions in read])
        own: dict[tuple, list[tuple[int, str]]] = {}  # what imports read otherwise than the others -> those imports
        for n, at, decisions, assumptions in read:
            key = (
                tuple(t for t in decisions if t not in s["decisions"]),
                tuple(t for t in assumptions if t not in s["assumptions"]),
            )
            if key != ((), ()):
                own.setdefault(key, []).append((n, at))
        s["by_import"] = [
            {"imports": [n for n, _ in which], "decisions": list(decisions), "assumptions": list(assumptions)}
            for (decisions, assumptions), which in own.items()
        ]
        if s["custodians"]:
            s["phone"] = f"{', '.join(s['custodians'])} (the custodian named when it was imported)"
        else:
            s["phone"] = f"{owner_name}, the archive's owner (no custodian was named when it was imported)"
        prefix = f"{s['file_names'][0]}: "  # (a notice that opens with the file's name says it once)
        s["assumptions_shown"], s["assumptions_more"] = _cover_assumptions(s["assumptions"], prefix)
        s["shown_by_import"] = [
            {
                "label": f"import{'s' if len(which) > 1 else ''} {', '.join(f'{n} ({at})' for n, at in which)}",
                "decisions": list(decisions),
                **dict(zip(("assumptions_shown", "assumptions_more"), _cover_assumptions(list(assumptions), prefix))),
            }
            for (decisions, assumptions), which in own.items()
        ]
    return list(sources.values())


def _shared(lists: list[list[str]]) -> list[str]:
    """The texts every list holds, in the order of the first."""
    return [t for t in lists[0] if all(t in other for other in lists[1:])] if lists else []


def _cover_assumptions(texts: list[str], prefix: str) -> tuple[list[str], int]:
    shown = [_after_prefix(text, prefix) for text in texts[:COVER_ASSUMPTIONS]]
    return shown, len(texts) - len(shown)


def _reading(zone: str, corrected: bool, shown_in: dict[str, int], archive_zone: str) -> str:
    """The zone an import read a clock without one in, whether that reading corrected an earlier one
    (it moved messages: `_moves`, never merely because --corrects-tz was given), and whether its
    messages are still shown at that reading: another import that corrected the zone moved them to its own."""
    text = f"times read as wall-clock times in {zone}" + (" (the archive's zone)" if zone == archive_zone else "")
    if corrected:
        text += ", correcting an earlier reading (below)"
    total = sum(shown_in.values())
    moved = total - shown_in.get(zone, 0)
    if moved == total:
        text += ", since superseded: none of its messages is shown at that reading (another import corrected the zone, below)"
    elif moved:
        text += f", since superseded for {moved} of its {total} messages (another import corrected the zone, below)"
    return text


def _moves(conn, cond: str, params: list) -> list[dict]:
    """Every correction of an earlier reading among the transcript's messages. What was corrected is
    what ingest recorded (`say_corrections`: the import's options' "corrected", by kind: "tz",
    "date_order", "reading", from which reading to which); the messages it moved are what the archive
    proves: the versions that import kept with their earlier time (`message_versions.sent_at`, kept
    only when the state it replaced was at another time), each read against the state after it by
    ingest's rule (`_rereading`). A message an import moved for no kind it recorded (the other
    occurrence of an hour the clocks repeated, on the export's own line order, which the DST lines
    disclose) was corrected by nobody; an import given --corrects-tz that moved nothing corrected
    nothing. By import: the zone and the day/month order before and after, and how many messages moved."""
    corrected = {
        n: json.loads(options)["corrected"]
        for n, options in conn.execute(
            "SELECT id, options FROM imports WHERE json_extract(options, '$.corrected') IS NOT NULL"
        )
    }
    if not corrected:
        return []
    from textfile.ingest import _rereading  # (the one rule of how two readings of a time as written differ)

    moved: dict[tuple, set[str]] = {}
    after = (None, None, None)  # (message, time, zone) of the state after the version at hand
    for mid, n, sent_at, zone, now_at, now_zone in conn.execute(
        "SELECT v.message_id, v.import_id, v.sent_at, v.source_zone, m.sent_at, m.source_zone FROM message_versions v"
        f" JOIN messages m ON m.id = v.message_id WHERE {cond} AND v.sent_at IS NOT NULL ORDER BY v.message_id, v.version DESC",
        params,
    ):
        _, after_at, after_zone = after if after[0] == mid else (mid, now_at, now_zone)
        after = (mid, sent_at, zone)
        kinds = (
            set(_rereading(sent_at, zone, after_at, after_zone)).intersection(corrected.get(n, ()))
            if zone and after_zone
            else ()
        )
        if kinds:
            order = corrected[n]["date_order"] if "date_order" in kinds else None
            before, to = (", ".join(sorted(order["from"])), order.get("to")) if order else (None, None)
            moved.setdefault((n, zone, before, after_zone, to), set()).add(mid)
    return [
        {
            "import": n,
            "from_zone": from_zone,
            "to_zone": to_zone,
            "from_order": from_order,
            "to_order": to_order,
            "messages": len(ids),
        }
        for (n, from_zone, from_order, to_zone, to_order), ids in sorted(
            moved.items(), key=lambda x: (x[0][0], str(x[0][1:]))
        )
    ]


def _corrections(moves: list[dict], sources: list[dict], tz: ZoneInfo) -> list[dict]:
    """Every correction of an earlier reading (`_moves`): by whom and when, which import of which
    source, what it changed (the zone, the day/month order) and how many of the transcript's
    messages it moved (each keeps its earlier reading as a version that this import made)."""
    imports = {i["import"]: (s, i) for s in sources for i in s["imports"]}
    out = []
    for move in moves:
        s, i = imports[move["import"]]
        what = []
        if move["from_zone"] != move["to_zone"]:
            what.append(f"zone {move['from_zone']} → {move['to_zone']}")
        if None not in (move["from_order"], move["to_order"]) and move["from_order"] != move["to_order"]:
            what.append(f"day/month order {move['from_order']} → {move['to_order']}")
        out.append(
            {
                **move,
                "source": s["name"],
                "sha256": s["sha256"],
                "file_name": i["file_name"],
                "started_at": i["started_at"],
                "at_local": times.display(i["started_at"], tz),
                "by": i["imported_by"],
                "what": " and ".join(what) or "times read anew",
            }
        )
    return out


def _after_prefix(text: str, prefix: str) -> str:
    return text[len(prefix) :] if text.startswith(prefix) else text


def _given(i, options: dict, convs: dict, conversations: dict, owner_name: str, corrected: bool = False) -> list[str]:
    """What a person gave, or textfile settled, when the source was read, in words, beside the zone
    (`_reading`): the day/month order (and whether it corrected an earlier one: ingest recorded that it did, `_moves`),
    who the owner is in a chat that names people by name."""
    from textfile.importers.whatsapp import _fold as fold_name  # (the importer's rule for the same name)

    out = []
    if i["format"] != "whatsapp":
        return out
    if options.get("date_order"):
        out.append(
            f"dates read as {DATE_ORDERS.get(options['date_order'], options['date_order'])}, as --date-order {options['date_order']} said"
            + (", correcting an earlier reading (below)" if corrected else "")
        )
    owners = [p for cid in conversations for p in convs.get(cid, {}).get("participants", []) if p["is_owner"]]
    for p in owners:
        written = p["name"] or p["handle"]
        if options.get("me"):
            out.append(
                f"--me {options['me']!r} given: the messages written by {written!r} are the owner's ({owner_name})"
            )
        elif fold_name(written) == fold_name(
            owner_name
        ):  # (as the importer found it: else by one of the owner's numbers)
            out.append(f"the messages written by {written!r} are the owner's: the archive's owner has that name")
        else:
            out.append(
                f"the messages written by {written!r} are the owner's ({owner_name}): it is one of the owner's numbers"
            )
    if options.get("conversation") and not options.get(
        "same_bytes_as"
    ):  # (the same bytes again went where they went before)
        out.append(f"read as the chat {options['conversation']!r}, as --conversation said")
    return out


def _filings(conn, scope: Scope, p: Plan, tz: ZoneInfo, precision_of: dict[int, str | None]) -> list[dict]:
    """How each conversation came into the transcript's matter(s): automatically or by hand, by whom,
    when (the filing's own clock), and for which of its messages (at their precision)."""
    if not p.conversations:
        return []
    marks = ",".join("?" * len(p.conversations))
    if scope.matter_id is not None:
        which, args = "f.matter_id = ?", [scope.matter_id]
    else:
        which, args = "mt.client_id = ?", [scope.client_id]
    given = _handles_given(conn, tz)
    return [
        {
            "conversation": r["conversation_id"],
            "matter": r["reference"],
            "how": r["how"],
            "by": r["filed_by"],
            "at": r["created_at"],
            "at_local": times.display(r["created_at"], tz),
            "from": r["from_at"],
            "until": r["until_at"],
            "from_local": fmt_bound(r["from_at"], tz, precision_of.get(r["conversation_id"])),
            "until_local": fmt_bound(r["until_at"], tz, precision_of.get(r["conversation_id"])),
            **(
                {"through": [{"handle": h, **given.get(h, {})} for h in r["through"].split("\n")]}
                if r["how"] == "auto" and r["through"]
                else {}
            ),
        }
        for r in conn.execute(
            "SELECT f.*, mt.reference, (SELECT group_concat(h, char(10)) FROM (SELECT DISTINCT p.handle AS h FROM participants p"
            "  JOIN client_handles ch ON ch.handle = p.handle WHERE p.conversation_id = f.conversation_id AND p.is_owner = 0"
            "  AND ch.client_id = mt.client_id ORDER BY p.handle)) AS through"
            " FROM filings f JOIN matters mt ON mt.id = f.matter_id"
            f" WHERE {which} AND f.conversation_id IN ({marks}) ORDER BY f.conversation_id, f.id",
            [*args, *p.conversations],
        )
    ]


def _handles_given(conn, tz: ZoneInfo) -> dict[str, dict]:
    """handle -> how it became a client's: the last `client add` or `client edit` that gave it (the
    command, when, by whom where recorded, the reason given): an automatic filing rests on that decision."""
    given: dict[str, dict] = {}
    for at, command, details in conn.execute(
        "SELECT at, command, details FROM audit_log WHERE command IN ('client add', 'client edit') ORDER BY id"
    ):
        d = audit.details_of(details)
        for handle in d.get("handles", []) if command == "client add" else d.get("added", []):
            if isinstance(handle, str):
                given[handle] = {
                    "given_by": command,
                    "at": at,
                    "at_local": times.display(at, tz),
                    "by": d.get("by"),
                    "reason": d.get("reason"),
                }
    return given


def _auto_filings_said(filings: list[dict]) -> list[str]:
    """The cover's lines for the automatic filings: per matter and ground, the conversations, the
    client's handle they hold, and who gave the client that handle, when, and why (the decision the
    filing rests on)."""
    groups: dict[tuple, list[int]] = {}
    for f in filings:
        if f["how"] != "auto":
            continue
        grounds = tuple(
            f"{t['handle']}, "
            + (
                (
                    f"the client's since textfile {t['given_by']} on {t['at_local']}"
                    + (f" by {t['by']}" if t.get("by") else "")
                    + (f" ({t['reason']})" if t.get("reason") else "")
                )
                if t.get("given_by")
                else "a handle of the client's"
            )
            for t in f.get("through", [])
        )
        found = groups.setdefault((f["matter"], grounds), [])
        if f["conversation"] not in found:
            found.append(f["conversation"])
    out = []
    for (matter, grounds), conversations in groups.items():
        many = len(conversations) > 1
        held = (
            f"{'their' if many else 'its'} participant {'; and '.join(grounds)}"
            if grounds
            else f"one of {'their' if many else 'its'} participants was a number or address of the client's"
        )
        out.append(
            f"Conversation{'s' if many else ''} {', '.join(map(str, conversations))} {'were' if many else 'was'} filed to {matter}"
            f" automatically: {held}; the client had one open matter"
        )
    return out


def _numbered(p: Plan, rowids) -> dict[int, int]:
    """rowid -> the message's number in the transcript, for these rowids (those in it)."""
    wanted = set(rowids)
    return {row.rowid: n for n, row in enumerate(p.rows, 1) if row.rowid in wanted}


def _pairings(conn, cond: str, params: list, p: Plan, names: dict[int, str]) -> list[dict]:
    """The transcript's messages whose versions come from two WhatsApp exports that textfile took for
    one message (ingest's fold: an edit or a deletion between exports; `message_aliases`). Each pair:
    the import that made it (`import`, its line), its rule (edited, deleted: that import brought the
    later form; earlier: it brought the earlier one), and the archived message it was taken for, as
    the latest import before it that held that message had it (`paired_import`, its line)."""
    rows = conn.execute(
        "SELECT m.rowid, a.message_id, a.import_id, a.rule,"
        " (SELECT min(s.source_ref) FROM message_sources s WHERE s.message_id = a.message_id AND s.import_id = a.import_id),"
        " (SELECT max(s.import_id) FROM message_sources s WHERE s.message_id = a.message_id AND s.import_id < a.import_id)"
        f" FROM message_aliases a JOIN messages m ON m.id = a.message_id WHERE {cond}",
        params,
    ).fetchall()
    seq = _numbered(p, (r[0] for r in rows))
    out = []
    for rowid, mid, import_id, rule, line, paired in rows:
        if rowid not in seq:
            continue
        paired_line = (
            paired
            and conn.execute(
                "SELECT min(source_ref) FROM message_sources WHERE message_id = ? AND import_id = ?", (mid, paired)
            ).fetchone()[0]
        )
        out.append(
            {
                "seq": seq[rowid],
                "message": mid,
                "rule": rule,
                "import": import_id,
                "source": names.get(import_id),
                "line": line,
                "paired_import": paired,
                "paired_source": names.get(paired),
                "paired_line": paired_line,
            }
        )
    return sorted(out, key=lambda x: (x["seq"], x["import"]))


PAIRED_EACH = 3  # pairs of one kind between two imports told one by one on the cover; more are told together (the manifest lists each)
PAIRED_WORDS = {  # rule -> (what the import brought, what it was taken for), one and several
    "edited": (("the edited text", "a later form of the message"), ("the edited texts", "later forms of messages")),
    "deleted": (
        ("the message shown deleted", "a later form of the message"),
        ("the messages shown deleted", "later forms of messages"),
    ),
    "earlier": (("the text", "an earlier form of the message"), ("the texts", "earlier forms of messages")),
}


def _pairings_said(pairings: list[dict], of_import: dict[int, dict]) -> list[str]:
    """The cover's lines for `_pairings`: one per message, or one for many pairs of one kind between two imports."""
    groups: dict[tuple, list[dict]] = {}
    for x in pairings:
        groups.setdefault((x["rule"], x["import"], x["paired_import"]), []).append(x)
    out = []
    for (rule, n, paired), found in sorted(groups.items(), key=lambda g: g[1][0]["seq"]):
        one, many = PAIRED_WORDS.get(
            rule, (("the text", "another form of the message"), ("the texts", "other forms of messages"))
        )
        if len(found) <= PAIRED_EACH:
            for x in found:
                there = (
                    f" in {_where(of_import[paired], paired, x['paired_line'])}"
                    if paired is not None
                    else " archived before"
                )
                out.append(
                    f"#{x['seq']}: {one[0]} in {_where(of_import[n], n, x['line'])} was taken for {one[1]} at the same"
                    f" time from the same sender{there}, which import {n}'s export did not hold"
                )
        else:
            there = f" in {_where(of_import[paired], paired)}" if paired is not None else " archived before"
            out.append(
                f"{message_numbers([x['seq'] for x in found])} ({len(found)} messages): {many[0]} in {_where(of_import[n], n)} were"
                f" taken for {many[1]} at the same time from the same senders{there}, which import {n}'s export did not hold"
                " (each pair's lines are in the manifest)"
            )
    return out


def _where(source: dict, n: int, line: str | None = None) -> str:
    """A source, an import of it and a line in it: "chat.zip (import 2, line 8)", "chat.zip (sha256 43d223389ed7; import 2, line 8)"."""
    name = source["file_names"][0]
    same_name = f"sha256 {source['sha256'][:12]}; " if source["name"] != name else ""
    return f"{name} ({same_name}import {n}{f', {line}' if line else ''})"


def message_numbers(seqs: list[int]) -> str:
    """Message numbers in order, a run of consecutive ones as "#3–#7"."""
    runs: list[list[int]] = []
    for n in sorted(seqs):
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(f"#{r[0]}–#{r[-1]}" if len(r) > 2 else ", ".join(f"#{n}" for n in r) for r in runs)


def _marked_messages(conn, cond: str, params: list, p: Plan, tz: ZoneInfo, names: dict[int, str]) -> dict:
    """Messages holding U+FFFD, and times a DST change forced textfile to resolve, with their numbers
    in the transcript.

    A U+FFFD is what a source or an import puts where it could not decode a character, but a message
    may also hold one as it was sent (pasted from a broken e-mail), and the archive does not record
    which of a message's U+FFFD an import put in. What it does record: the imports that hold each
    message, and each import's warnings, where every importer reports what it read as U+FFFD (a
    WhatsApp chat's bytes, an Android backup's lone surrogates, an iMessage row's text). A message no
    such import holds had its U+FFFD in the source's text as it was read (`reported_by` empty); for
    the others, the cover names the imports that reported and quotes what they said (which lines),
    beside the message's own line in each, and claims no more: tying a U+FFFD to a reported byte
    would take each byte's place in the text, which no warning keeps (WhatsApp's names five lines)."""
    marked = "(instr(m.body, char(65533)) OR EXISTS (SELECT 1 FROM message_versions v WHERE v.message_id = m.id AND instr(v.body, char(65533))))"
    # A version's U+FFFD count where its text is not the text of the state after it (the next version, or the
    # message as it is): the same text kept for an earlier time, sender or marks is shown as "same text" (`_versions`).
    hits = conn.execute(
        "SELECT m.rowid, m.id, m.body, m.flags, m.sent_at, m.source_zone, m.time_precision,"
        " (SELECT coalesce(sum(length(v.body) - length(replace(v.body, char(65533), ''))), 0) FROM message_versions v"
        "  WHERE v.message_id = m.id AND v.body != coalesce((SELECT w.body FROM message_versions w WHERE w.message_id = m.id"
        "   AND w.version > v.version ORDER BY w.version LIMIT 1), m.body)) AS in_versions"
        f" FROM messages m WHERE {cond} AND ({marked} OR m.flags LIKE '%\"time\\_%' ESCAPE '\\')",
        params,
    ).fetchall()
    if not hits:
        return {"undecodable": [], "undecodable_reports": [], "dst": []}
    seq = _numbered(p, (h["rowid"] for h in hits))
    held: dict[str, list[dict]] = {}  # message -> the imports that hold it, with its line in each
    for mid, n, ref in conn.execute(
        "SELECT s.message_id, s.import_id, min(s.source_ref) FROM message_sources s JOIN messages m ON m.id = s.message_id"
        f" WHERE {cond} AND {marked} GROUP BY s.message_id, s.import_id ORDER BY s.message_id, s.import_id",
        params,
    ):
        held.setdefault(mid, []).append({"import": n, "ref": ref})
    undecodable, dst = [], []
    for h in sorted(hits, key=lambda h: seq.get(h["rowid"], 0)):
        if h["rowid"] not in seq:
            continue
        count = h["body"].count("\ufffd") + h["in_versions"]
        if count:
            undecodable.append(
                {"seq": seq[h["rowid"]], "message": h["id"], "characters": count, "reported_by": held.get(h["id"], [])}
            )
        for flag in DST_FLAGS:
            if flag in json.loads(h["flags"]):
                written = written_time(h["sent_at"], h["source_zone"], flag, h["time_precision"])
                dst.append(
                    {
                        "seq": seq[h["rowid"]],
                        "message": h["id"],
                        "flag": flag,
                        "zone": h["source_zone"],
                        "sent_at": h["sent_at"],
                        "written": written,
                        "shown": times.display(h["sent_at"], tz, h["time_precision"]),
                        "second": flag == "time_ambiguous" and second_occurrence(h["sent_at"], h["source_zone"]),
                        "resolved": times.display(h["sent_at"], times.zone(h["source_zone"]), h["time_precision"])
                        if written
                        else "",
                    }
                )
    holding = sorted({x["import"] for u in undecodable for x in u["reported_by"]})
    reports = []
    for i in (
        conn.execute(
            f"SELECT id, file_name, warnings, assumptions FROM imports WHERE id IN ({','.join('?' * len(holding))}) ORDER BY id",
            holding,
        )
        if holding
        else ()
    ):
        said = [
            text
            for text in json.loads(i["warnings"] or "[]") + json.loads(i["assumptions"] or "[]")
            if "U+FFFD" in text
        ]
        if said:
            reports.append(
                {
                    "import": i["id"],
                    "source": names.get(i["id"], i["file_name"]),
                    "file_name": i["file_name"],
                    "warnings": said,
                }
            )
    reporting = {r["import"] for r in reports}
    for u in undecodable:
        u["reported_by"] = [x for x in u["reported_by"] if x["import"] in reporting]
    return {"undecodable": undecodable, "undecodable_reports": reports, "dst": dst}


# What each character of `INVISIBLE` does where it is applied: the cover's legend of their marks (`invisible`).
INVISIBLE_EFFECTS = {
    "LRE": "displays the text after it as a left-to-right run, up to a PDF",
    "RLE": "displays the text after it as a right-to-left run, up to a PDF",
    "PDF": "ends the run an embedding or an override began",
    "LRO": "displays the text after it left to right, letter by letter, whatever its script",
    "RLO": "reverses how the text after it is displayed, letter by letter",
    "LRI": "displays the text after it left to right, apart from the text around it, up to a PDI",
    "RLI": "displays the text after it right to left, apart from the text around it, up to a PDI",
    "FSI": "displays the text after it in the direction of its first letter, apart from the text around it, up to a PDI",
    "PDI": "ends an isolate",
    "LRM": "an invisible left-to-right letter: it moves the digits and punctuation beside it",
    "RLM": "an invisible right-to-left letter: it moves the digits and punctuation beside it",
    "ALM": "an invisible Arabic letter: it moves the digits and punctuation beside it",
    "ZWSP": "an invisible space: it can split a word so that a search no longer finds it",
    "BOM": "an invisible character (at the start of a file, its byte order mark)",
}


def invisible(conn, cond: str, params: list, p: Plan, convs: dict) -> dict:
    """The characters of `INVISIBLE` in what the transcript prints: each message whose text, an earlier
    text shown with it, or an attachment's name holds any, with how many of each (`messages`, for the
    manifest); and per character, how many, in which messages and in the names of the conversations and
    their people (`legend`, for the cover: only those that occur)."""
    found = f"GLOB '*[{''.join(INVISIBLE)}]*'"
    holding = (
        f"SELECT m.id FROM messages m WHERE {cond} AND (m.body {found}"
        f" OR EXISTS (SELECT 1 FROM message_versions v WHERE v.message_id = m.id AND v.body {found})"
        f" OR EXISTS (SELECT 1 FROM message_attachments a WHERE a.message_id = m.id AND a.file_name {found}))"
    )
    rows = conn.execute(f"SELECT m.rowid, m.id, m.body FROM messages m WHERE m.id IN ({holding})", params).fetchall()
    versions: dict[str, list] = {}
    for mid, body in conn.execute(
        f"SELECT message_id, body FROM message_versions WHERE message_id IN ({holding}) ORDER BY message_id, version",
        params,
    ):
        versions.setdefault(mid, []).append(body)
    names: dict[str, list] = {}
    for mid, name in conn.execute(
        f"SELECT message_id, file_name FROM message_attachments WHERE message_id IN ({holding}) AND file_name {found}",
        params,
    ):
        names.setdefault(mid, []).append(name)
    seq = _numbered(p, (r["rowid"] for r in rows))
    messages = []
    for r in sorted((r for r in rows if r["rowid"] in seq), key=lambda r: seq[r["rowid"]]):
        earlier = versions.get(r["id"], [])
        shown = [
            v for v, after in zip(earlier, earlier[1:] + [r["body"]]) if v != (after or "")
        ]  # (`_versions`: "same text" is not printed)
        counts = _counted("".join([r["body"] or "", *(v or "" for v in shown), *names.get(r["id"], [])]))
        if counts:
            messages.append({"seq": seq[r["rowid"]], "message": r["id"], "characters": counts})
    in_names = _counted(
        "".join(c["title"] or "" for c in convs.values())
        + "".join(f"{x['name'] or ''}{x['handle']}" for c in convs.values() for x in c["participants"])
    )
    legend = []
    for ch, (short, name) in INVISIBLE.items():
        code = f"U+{ord(ch):04X}"
        holding = [m["seq"] for m in messages if code in m["characters"]]
        if holding or code in in_names:
            n = sum(m["characters"].get(code, 0) for m in messages)
            said = [f"{n:,} in {_numbers_said(holding)}"] if holding else []
            said += [f"{in_names[code]:,} in the names of conversations or their people"] if code in in_names else []
            legend.append(
                {
                    "char": ch,
                    "mark": short,
                    "name": name,
                    "code": code,
                    "effect": INVISIBLE_EFFECTS[short],
                    "said": "; ".join(said),
                }
            )
    return {"messages": messages, "legend": legend}


def _numbers_said(seqs: list[int]) -> str:
    """Message numbers for the cover: the first COVER_HELD, then how many more (the manifest lists each)."""
    more = len(seqs) - COVER_HELD
    return message_numbers(seqs[:COVER_HELD]) + (f" and {more:,} more messages" if more > 0 else "")


def _counted(text: str) -> dict[str, int]:
    """How many of each character of `INVISIBLE` a text holds, by code point ("U+202E")."""
    return {f"U+{ord(ch):04X}": n for ch in INVISIBLE if (n := text.count(ch))}


COVER_REPORTS = 3  # warnings quoted per import; COVER_HELD: messages named per import
COVER_HELD = 10


def _undecodable_said(d: dict) -> list[str]:
    """The cover's lines under the U+FFFD count: the messages whose U+FFFD were in the source's text
    as it was read, then each import that reported characters it could not decode, what it said and
    which of those messages it holds (at which line)."""
    out: list[tuple[int, str]] = []  # (the first message a line names, the line)
    clean = [u for u in d["undecodable"] if not u["reported_by"]]
    if clean:
        one, many = len(clean) == 1, sum(u["characters"] for u in clean) > 1
        out.append(
            (
                clean[0]["seq"],
                f"{message_numbers([u['seq'] for u in clean])}: {'its' if one else 'their'} U+FFFD {'were' if many else 'was'}"
                f" in the source's text as it was imported: no import that holds {'it' if one else 'them'}"
                " reported a character it could not decode",
            )
        )
    for r in d["undecodable_reports"]:
        held = [(u["seq"], x["ref"]) for u in d["undecodable"] for x in u["reported_by"] if x["import"] == r["import"]]
        named = ", ".join(f"#{n} ({ref})" for n, ref in held[:COVER_HELD]) + (
            f" and {len(held) - COVER_HELD} more" if len(held) > COVER_HELD else ""
        )
        quoted = "; ".join(
            _first_sentence(_after_prefix(text, f"{r['file_name']}: ")) for text in r["warnings"][:COVER_REPORTS]
        )
        more = (
            f" (and {len(r['warnings']) - COVER_REPORTS} more, in the manifest)"
            if len(r["warnings"]) > COVER_REPORTS
            else ""
        )
        out.append((held[0][0], f"import {r['import']}, {r['source']}, which holds {named}, reported: {quoted}{more}"))
    return [line for _, line in sorted(out, key=lambda x: x[0])]


def _first_sentence(text: str) -> str:
    end = text.find(". ")
    return text if end < 0 else text[:end]


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
