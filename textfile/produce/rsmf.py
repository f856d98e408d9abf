"""RSMF 2.0: one conversation as Relativity Short Message Format files, read from the archive as bytes.

Decisions, and why:
- **Pure.** `conversation_rsmf` reads the archive and returns (name, bytes): it writes no file and
  changes no row, so `produce` decides where the files go and records them.
- **Map, never invent.** Each event carries what the archive holds and nothing else: a value the
  archive lacks (a read receipt whose reader is not known, an edit's time not recorded) is left out.
  A fact RSMF has no field for goes in the event's `custom` list, by name.
- **Said as the PDF says it** (rsmf_said.py): an event's body, and its line of the plain text, start
  with the transcript's marks ("[DRAFT (never sent)] …"), a call's with its call line; a group event
  is a join, leave or disclaimer only where its text is exactly what the importer wrote.
- **Traceable.** Every event's `custom` carries the message's id and content hash, and its Bates
  number when the production gives one, so each event leads back to the archive and to the PDF.
- **Custodians.** `X-RSMF-Custodian` names whom the conversation was collected from (the caller's
  words: a production names the custodians of the imports that hold its messages). The manifest's
  conversation `custodian` is one participant id, and every event's direction is the archive owner's:
  it is the owner's handle where the owner's phone holds the conversation's messages, a client's where
  that client's phone alone holds a thread the owner is not in, and left out otherwise (naming one of
  several phones, or the owner for a client's phone, would be false). An event of a thread the owner is
  not in has no direction (RSMF's is optional): it is neither incoming nor outgoing for the owner, as
  the PDF says ("between others"), read by the transcript's reader (`chunk._without_the_owner`).
  RSMF has no field for the phones one event was found on: each event's `custom` says it ("Found on"),
  in the transcript's words (`people.found_on_said`), its times in UTC as every time of the file.
- **Ids.** An event's id is the message id; a participant's is its handle (phone, email or WhatsApp
  name), unique within a conversation. A reply's `parent` is given only when the parent is an event of
  the same file (RSMF requires it to resolve); otherwise the parent's id goes in `custom`.
- **Edits.** Only versions the source itself kept as edit history (`origin = 'edit_history'`) are
  RSMF edits, made by the sender; a version the archive saw change between two exports is not an
  edit anyone is known to have made, and is named in `custom`.
- **Slices.** A conversation longer than `slice_size` events (10,000) is cut into several files that
  share one `X-RSMF-EventCollectionID`, derived from the conversation's platform and key: the same
  conversation gets the same id in every production.
- **Deterministic.** Zip entries sorted with a fixed timestamp, JSON in a fixed order, the MIME
  boundary taken from a hash of the content, no Date header: the same archive and arguments give the
  same bytes.
"""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import uuid
import zipfile
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from textfile import sightings
from textfile.errors import InvalidInput, NotFound
from textfile.produce.rsmf_check import validate
from textfile.produce.rsmf_said import Said, said
from textfile.transcript.content.chunk import _without_the_owner
from textfile.transcript.content.people import Copy, client_names, copies_elsewhere, found_on_said, phones_of

__all__ = ["SLICE_SIZE", "VERSION", "conversation_rsmf", "validate"]

VERSION = "2.0.0"
SLICE_SIZE = 10_000  # events per .rsmf, as Relativity advises
MANIFEST = "rsmf_manifest.json"
PACKED = frozenset(
    "jpg jpeg png gif webp heic heif mp4 mov m4v 3gp mkv avi m4a mp3 aac amr opus ogg caf zip docx xlsx pptx".split()
)  # the kinds of file whose bytes are compressed already: stored in rsmf.zip as they are
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can hold: no clock in the bytes
DELETED_FLAGS = ("deleted", "unsent")
UTC = ZoneInfo("UTC")


@dataclass(frozen=True)
class Found:
    """Where one message was found: whose phones, and the time each other phone's copy recorded where it
    differs from the message's own (`people.copies_elsewhere`)."""

    phones: list[str]
    elsewhere: dict[str, Copy]


@dataclass(frozen=True)
class _Files:
    """What one slice's zip holds beside the manifest: name -> bytes."""

    entries: dict[str, bytes]


def conversation_rsmf(
    conn: sqlite3.Connection,
    conversation_id: int,
    message_ids_in_order: list[str],
    *,
    custodian: str,
    owner_name: str,
    bates: dict[str, str] | None = None,
    generator: str,
    custodian_handle: str | None = None,
    slice_size: int = SLICE_SIZE,
    redactions: dict | None = None,
    imports_until: int | None = None,
    keyed=None,
    first_attachment: int = 1,
) -> list[tuple[str, bytes]]:
    """The conversation's messages (those given, in the order given) as one .rsmf per `slice_size`
    events: [(file name, bytes)]. `custodian` names whom the data was collected from (the
    X-RSMF-Custodian header); `owner_name` whose phone an import of no client's phone read (each event's
    "Found on"); `custodian_handle` is the manifest's custodian, a participant's handle (default: the
    participant whose phone the conversation was found on, `_collected_from`); `bates` maps a message
    id to its Bates number; `redactions` maps a message id to its redaction spans (produce/redaction.py):
    its text carries "[REDACTED: …]" in their place, and its earlier versions are withheld. `imports_until`:
    where each was found, by the imports up to this one only (a production made again: `sightings.known_until`).
    `keyed`: the redacted messages' ids and content hashes as the production shows them (transcript/keyed.py).
    `first_attachment`: the number a message's first attachment is counted as, where one is not in the archive
    (1, as the PDF counts them; 0 in a production made before: production.EDITION)."""
    if slice_size < 1:
        raise InvalidInput("an RSMF slice holds at least one event")
    if not message_ids_in_order:
        raise InvalidInput("an RSMF file holds at least one message: none given")
    cur = conn.cursor()
    cur.row_factory = sqlite3.Row
    conversation = cur.execute("SELECT * FROM conversations WHERE id = ?", (conversation_id,)).fetchone()
    if conversation is None:
        raise NotFound(f"conversation {conversation_id} not found")
    people = cur.execute(
        "SELECT * FROM participants WHERE conversation_id = ? ORDER BY is_owner DESC, handle", (conversation_id,)
    ).fetchall()
    rows = _messages(cur, conversation_id, message_ids_in_order)
    if redactions:
        rows = [_redacted(r, redactions[r["id"]]) if r["id"] in redactions else r for r in rows]
    if custodian_handle is not None and custodian_handle not in {p["handle"] for p in people}:
        raise InvalidInput(f"{custodian_handle} is not a participant of conversation {conversation_id}")
    collection = str(
        uuid.UUID(
            bytes=hashlib.sha256(
                f"textfile rsmf\n{conversation['platform']}\n{conversation['source_key']}".encode()
            ).digest()[:16]
        )
    )
    from textfile.transcript.content.unreadable import shown_flags, unreadable

    gone = unreadable(conn, [r["id"] for r in rows], imports_until)  # (said so in its text and its flags)
    rows = [
        {**dict(r), "flags": json.dumps(shown_flags(json.loads(r["flags"]), True))} if r["id"] in gone else r
        for r in rows
    ]
    saying = {r["id"]: said(r, conversation["platform"], people) for r in rows}
    found = found_on(conn, rows, owner_name, imports_until)
    if custodian_handle is None:
        custodian_handle = _collected_from(conn, people, found, owner_name)
    slices = [rows[i : i + slice_size] for i in range(0, len(rows), slice_size)]
    out = []
    for n, part in enumerate(slices, 1):
        manifest, files = _manifest(
            cur,
            conversation,
            people,
            part,
            bates or {},
            custodian_handle,
            saying,
            found,
            imports_until,
            first_attachment,
        )
        name = f"conversation-{conversation_id}" + (f"-part-{n:03d}-of-{len(slices):03d}" if len(slices) > 1 else "")
        headers = _headers(manifest, part, people, custodian, generator, collection, conversation["platform"])
        out.append(
            (
                f"{name}.rsmf",
                _rfc5322(headers, _text(part, people, saying), _zip(keyed(manifest) if keyed else manifest, files)),
            )
        )
    return out


def _messages(cur, conversation_id: int, ids: list[str]) -> list[sqlite3.Row]:
    """The messages, in the order given; each must be of the conversation."""
    found = {
        r["id"]: r
        for r in cur.execute(
            "SELECT m.*, p.handle AS sender_handle FROM messages m LEFT JOIN participants p ON p.id = m.sender_id"
            " WHERE m.id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(ids)),),
        )
    }
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound(
            f"{len(missing):,} message{'' if len(missing) == 1 else 's'} not in the archive, first {missing[0]}"
        )
    other = [i for i in ids if found[i]["conversation_id"] != conversation_id]
    if other:
        raise InvalidInput(f"message {other[0]} is not of conversation {conversation_id}")
    return [found[i] for i in ids]


def _redacted(row, spans) -> dict:
    """A message's row as a production hands it over: its text with the redactions in place."""
    from textfile.produce.redaction import apply

    return {
        **dict(row),
        "body": apply(row["body"], spans),
        "redactions": ", ".join(f"{s.id} ({s.reason})" for s in spans),
    }


def found_on(conn, rows, owner_name: str, until: int | None = None) -> dict[str, Found]:
    """Where each message (of `rows`, each with its "id") was found, by message id: whose phones, sorted by
    name, and the times other phones' copies recorded, read by the transcript's readers (`people`): one
    reading for every file of a production (rsmf, tabular). `until`: by the imports up to this one only."""
    cond, params = "m.id IN (SELECT value FROM json_each(?))", [json.dumps([r["id"] for r in rows])]
    phones = phones_of(conn, cond, params, owner_name, until=until)
    elsewhere = copies_elsewhere(conn, cond, params, owner_name, until=until)
    return {r["id"]: Found(phones.get(r["id"], []), elsewhere.get(r["id"], {})) for r in rows}


def _collected_from(conn, people, found: dict[str, Found], owner_name: str) -> str | None:
    """The manifest's custodian (see the module): the owner's handle where the owner's phone holds the
    conversation's messages; the client's handle where one client's phone alone holds a thread the owner
    is not in; else None."""
    phones = {name for f in found.values() for name in f.phones}
    owner = next((p["handle"] for p in people if p["is_owner"]), None)
    if owner is not None:
        return owner if owner_name in phones else None
    clients = client_names(conn)
    theirs = [p["handle"] for p in people if clients.get(p["handle"]) in phones]
    return theirs[0] if len(phones) == 1 and len(theirs) == 1 else None


def rows_by_message(cur, sql: str, ids: list[str]) -> dict[str, list[sqlite3.Row]]:
    """The rows `sql` selects for these messages (bound as one JSON array: `json_each(?)`), by message id,
    in its order: one reading for every file of a production (rsmf, tabular)."""
    out: dict[str, list[sqlite3.Row]] = {}
    for r in cur.execute(sql, (json.dumps(ids),)):
        out.setdefault(r["message_id"], []).append(r)
    return out


def _manifest(
    cur,
    conversation,
    people,
    rows,
    bates: dict[str, str],
    custodian: str | None,
    saying: dict[str, Said],
    found_on: dict[str, Found],
    until: int | None = None,
    first_attachment: int = 1,
) -> tuple[dict, _Files]:
    """The manifest of one slice, and the files its events name (`until`: a reply's parent among the
    messages first archived by the imports up to it only, as a production made again knew them;
    `first_attachment`: as `conversation_rsmf`'s)."""
    ids = [r["id"] for r in rows]
    versions = rows_by_message(
        cur, "SELECT * FROM message_versions WHERE message_id IN (SELECT value FROM json_each(?)) ORDER BY version", ids
    )
    reactions = rows_by_message(
        cur,
        "SELECT x.*, p.handle FROM reactions x LEFT JOIN participants p ON p.id = x.sender_id"
        " WHERE x.message_id IN (SELECT value FROM json_each(?)) ORDER BY x.at, x.id",
        ids,
    )
    attachments = rows_by_message(
        cur,
        "SELECT a.*, b.size, b.data FROM message_attachments a LEFT JOIN blobs b ON b.sha256 = a.blob_sha256"
        " WHERE a.message_id IN (SELECT value FROM json_each(?)) ORDER BY a.position",
        ids,
    )
    parents = {
        r["source_id"]: r["id"]
        for r in cur.execute(
            "SELECT id, source_id FROM messages WHERE conversation_id = ? AND source_id IN"
            f" (SELECT value FROM json_each(?)){sightings.up_to('import_id', until)}",
            (conversation["id"], json.dumps(sorted({r["reply_to"] for r in rows if r["reply_to"]}))),
        )
    }
    owner = next((p["handle"] for p in people if p["is_owner"]), None)
    others = [p["handle"] for p in people if not p["is_owner"]]
    context = _Context(
        owner,
        others[0] if len(others) == 1 and not conversation["is_group"] else None,
        bool(_without_the_owner(cur, [conversation["id"]])),
        first_attachment,
    )
    files: dict[str, bytes] = {}
    in_slice = set(ids)
    events = [
        _event(
            r,
            saying[r["id"]],
            conversation,
            context,
            versions.get(r["id"], []),
            reactions.get(r["id"], []),
            attachments.get(r["id"], []),
            files,
            parents,
            in_slice,
            bates.get(r["id"]),
            found_on[r["id"]],
        )
        for r in rows
    ]
    return {
        "version": VERSION,
        "participants": [_participant(p) for p in people],
        "conversations": [_conversation(conversation, people, custodian)],
        "events": events,
    }, _Files(files)


@dataclass(frozen=True)
class _Context:
    owner: str | None  # the archive owner's handle in this conversation
    counterpart: str | None  # in a one-to-one conversation, the other participant's handle
    between_others: bool  # a thread the owner is not in: its messages are neither incoming nor outgoing
    first_attachment: int = 1  # (`conversation_rsmf`)


def _participant(p) -> dict:
    out = {"id": p["handle"], "display": p["display_name"] or p["handle"]}
    if "@" in p["handle"]:
        out["email"] = p["handle"]
    out["account_id"] = p["handle"]
    custom = [("Phone", p["handle"])] if p["handle"].startswith("+") else []
    if p["is_owner"]:
        custom.append(("Archive owner", "yes"))
    if custom:
        out["custom"] = _custom(custom)
    return out


def _conversation(c, people, custodian: str | None) -> dict:
    out = {
        "id": f"conversation-{c['id']}",
        "display": c["title"] or ", ".join(p["display_name"] or p["handle"] for p in people if not p["is_owner"]),
        "platform": c["platform"],
        "type": "channel" if c["is_group"] else "direct",
        "participants": [p["handle"] for p in people],
    }
    if not out["display"]:
        del out["display"]
    if custodian is not None:
        out["custodian"] = custodian
    out["custom"] = _custom([("Archive conversation", str(c["id"])), ("Source key", c["source_key"])])
    return out


def _event(
    r,
    says: Said,
    conversation,
    context: _Context,
    versions,
    reactions,
    attachments,
    files,
    parents,
    in_slice,
    bates,
    found: Found,
):
    """One message as an RSMF event (what it says: rsmf_said.py)."""
    flags = json.loads(r["flags"])
    event = {"id": r["id"], "type": says.type}
    custom = [("Message ID", r["id"]), ("Content hash", r["content_hash"])]
    if bates:
        custom.append(("Bates", bates))
    parent = parents.get(r["reply_to"]) if r["reply_to"] else None
    if parent in in_slice:
        event["parent"] = parent
    elif r["reply_to"]:
        custom.append(("Reply to", parent or f"source id {r['reply_to']} (not in the archive)"))
    event["body"] = says.body
    participant = says.of if says.own_participant else r["sender_handle"]
    if participant:
        event["participant"] = participant
    if r["sender_handle"] and r["sender_handle"] != participant:
        custom.append(("Done by", r["sender_handle"]))
    event["conversation"] = f"conversation-{conversation['id']}"
    event["timestamp"] = r["sent_at"]
    event["deleted"] = any(f in flags for f in DELETED_FLAGS)
    if r["direction"] == "out" or (r["direction"] == "in" and not context.between_others):  # (as the PDF)
        event["direction"] = "incoming" if r["direction"] == "in" else "outgoing"
    reacted, taken_back = _reactions(reactions)
    if reacted:
        event["reactions"] = reacted
    custom += taken_back
    named, missing = _attachments(attachments, files, context.first_attachment)
    if named:
        event["attachments"] = named
    custom += missing
    redacted = "redactions" in r.keys()
    if redacted:  # (its earlier versions hold the words)
        custom.append(("Redactions", r["redactions"]))
        if versions:
            custom.append(("Earlier versions", f"{len(versions)} withheld (the message is redacted)"))
    edits, other_versions = _edits(r, [] if redacted else versions)
    if edits:
        event["edits"] = edits
    custom += other_versions
    receipts, unnamed = _receipts(r, context)
    if receipts:
        event["read_receipts"] = receipts
    custom += unnamed
    for label, key in (("Kind", "kind"), ("Service", "service"), ("Status", "status"), ("Source zone", "source_zone")):
        if r[key] and not (key == "kind" and r[key] == "message"):
            custom.append((label, str(r[key])))
    if r["duration_s"] is not None:
        custom.append(("Duration (s)", str(r["duration_s"])))
    if flags:
        custom.append(("Flags", ", ".join(flags)))
    custom.append(("Found on", found_on_said(found.phones, found.elsewhere, UTC, r["time_precision"], r["sent_at"])))
    event["custom"] = _custom(custom)
    return event


def _reactions(rows) -> tuple[list[dict], list[tuple[str, str]]]:
    """Reactions standing, one entry per value with who gave it; those taken back, in `custom`."""
    by_value: dict[str, list] = {}
    taken_back = []
    for x in rows:
        value = x["emoji"] or x["kind"]
        if x["removed"]:
            taken_back.append(("Reaction taken back", f"{value} by {x['handle'] or 'someone unknown'} at {x['at']}"))
        else:
            by_value.setdefault(value, []).append(x["handle"])
    standing = []
    for value, handles in by_value.items():
        who = list(dict.fromkeys(h for h in handles if h))
        standing.append({"value": value, "count": len(handles), **({"participants": who} if who else {})})
    return standing, taken_back


def _attachments(rows, files: dict[str, bytes], first: int = 1) -> tuple[list[dict], list[tuple[str, str]]]:
    """Attachments the archive holds, named in the zip by their hash; those it lacks, in `custom`, counted from
    `first` (`conversation_rsmf`)."""
    named, missing = [], []
    for a in rows:
        if a["blob_sha256"] is None:
            missing.append(
                (
                    f"Attachment {a['position'] + first} not in the archive",
                    f"{a['file_name'] or '(no name)'}: {a['missing_reason']}",
                )
            )
            continue
        entry = f"{a['blob_sha256'][:16]}_{_safe(a['file_name'] or 'attachment')}"
        files[entry] = a["data"]
        named.append({"id": entry, "display": a["file_name"] or entry, "size": a["size"]})
    return named, missing


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in name)[-100:] or "attachment"


def _edits(r, versions) -> tuple[list[dict], list[tuple[str, str]]]:
    """The sender's own edits (the source's edit history), each from one text to the next, timed when
    the next text's time is known; other versions (and edits of no known sender) by name in `custom`."""
    sender = r["sender_handle"]
    history = [v for v in versions if v["origin"] == "edit_history"] if sender else []
    edits = []
    for i, v in enumerate(history):
        following = history[i + 1] if i + 1 < len(history) else None
        edit = {"participant": sender}
        if following is not None and following["at"]:
            edit["timestamp"] = following["at"]
        edit["previous"] = v["body"]
        edit["new"] = following["body"] if following is not None else r["body"]
        edits.append(edit)
    others = [
        (
            f"Earlier version {v['version']} ({v['origin']}{', ' + v['at'] if v['at'] else ''}"
            f"{', empty' if not v['body'] else ''})",
            v["body"] or "-",
        )
        for v in versions
        if v["version"] not in {h["version"] for h in history}
    ]
    return edits, others


def _receipts(r, context: _Context) -> tuple[list[dict], list[tuple[str, str]]]:
    """Delivered and read, for the one who received: the owner for a message in, the other party of a
    one-to-one conversation for a message out; when that party is not known, the time goes in `custom`."""
    reader = context.owner if r["direction"] == "in" else context.counterpart if r["direction"] == "out" else None
    receipts, unnamed = [], []
    for action, key in (("delivered", "delivered_at"), ("read", "read_at")):
        if r[key] is None:
            continue
        if reader is None:
            unnamed.append((f"{action.capitalize()} at", r[key]))
        else:
            receipts.append({"participant": reader, "timestamp": r[key], "action": action})
    return receipts, unnamed


def _custom(pairs) -> list[dict]:
    """RSMF custom fields: a value must not be empty."""
    return [{"name": n, "value": v} for n, v in pairs if v]


def _headers(manifest, rows, people, custodian, generator, collection, platform) -> list[tuple[str, str]]:
    events = manifest["events"]
    return [
        ("X-RSMF-Version", VERSION),
        ("X-RSMF-Generator", generator),
        ("X-RSMF-BeginDate", min(r["sent_at"] for r in rows)),
        ("X-RSMF-EndDate", max(r["sent_at"] for r in rows)),
        ("X-RSMF-EventCount", str(len(events))),
        ("X-RSMF-Application", platform),
        ("X-RSMF-Custodian", custodian),
        ("X-RSMF-Participants", ", ".join(p["display_name"] or p["handle"] for p in people)),
        ("X-RSMF-AttachmentCount", str(sum(len(e.get("attachments", [])) for e in events))),
        ("X-RSMF-EventCollectionID", collection),
    ]


def _text(rows, people, saying: dict[str, Said]) -> str:
    """The plain-text body: one line per event, in time order, each saying what its event's body says."""
    names = {p["handle"]: p["display_name"] or p["handle"] for p in people}
    lines = []
    for r in sorted(rows, key=lambda r: (r["sent_at"], r["id"])):
        who = names.get(r["sender_handle"], r["sender_handle"]) if r["sender_handle"] else "(system)"
        lines.append(f"{r['sent_at']} {who}: {saying[r['id']].body}")
    return "\n".join(lines) + "\n"


def _zip(manifest: dict, files: _Files) -> bytes:
    """rsmf.zip: the manifest and every file it names, sorted, with a fixed time."""
    entries = dict(files.entries)
    entries[MANIFEST] = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, ZIP_TIME)
            # (a photo, a video, a voice note is compressed already: deflating it again costs time, saves nothing)
            stored = name.rpartition(".")[2].lower() in PACKED and name != MANIFEST
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            z.writestr(info, entries[name])
    return buffer.getvalue()


def _rfc5322(headers: list[tuple[str, str]], text: str, archive: bytes) -> bytes:
    """The .rsmf: the headers, the plain-text events, and rsmf.zip as its one base64 attachment."""
    message = EmailMessage(policy=policy.SMTP)
    for name, value in headers:
        if any(c in value for c in "\r\n"):  # (a header cannot hold one; never stripped from evidence)
            raise InvalidInput(f"{name}: {value!r} holds a line break, which an RSMF header cannot carry")
        message[name] = value
    message.set_content(text, charset="utf-8", cte="base64")
    message.add_attachment(archive, maintype="application", subtype="zip", filename="rsmf.zip")
    seed = hashlib.sha256(text.encode() + b"\0" + archive).hexdigest()[:32]
    message.set_boundary(f"rsmf-{seed}")
    return message.as_bytes()
