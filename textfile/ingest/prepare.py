"""prepare: everything about a message that does not need the archive — checked, normalized,
identified, hashed, its attachments hashed — as a `Prepared` record of plain values, cheap to
pickle: a reading process (`reader.py`) prepares messages while the writer stores the previous ones.
"""

from __future__ import annotations

import hashlib
from typing import NamedTuple

from textfile import times
from textfile.fingerprint import canonical_json, message_content_hash, message_id
from textfile.model import DIRECTIONS, KINDS, Conversation, Message, Participant
from textfile.phones import normalize_handle


class StoredAttachment(NamedTuple):
    """An attachment as `message_attachments` holds it (the order of its columns)."""

    position: int
    file_name: str | None
    mime: str | None
    sha256: str | None  # None: its bytes are not in the archive
    missing_reason: str | None


class Blob(NamedTuple):
    """An attachment's bytes still to be stored (`blobs`)."""

    sha256: str
    mime: str | None
    data: bytes


class Prepared(NamedTuple):
    """A message made ready for the archive without touching it: normalized, identified, hashed,
    its attachments hashed. Plain values, cheap to pickle: a reading process can prepare messages
    while the writing process stores the previous ones (see `ReaderProcess`)."""

    id: str
    conversation: Conversation
    sender: Participant | None
    handle: str | None  # the sender's normalized handle
    sent_at: str
    direction: str
    kind: str
    source_zone: str | None
    body: str
    service: str | None
    status: str | None
    delivered_at: str | None
    read_at: str | None
    duration_s: int | None
    flags: str  # canonical JSON
    source_id: str | None
    reply_to: str | None
    versions: tuple  # ((body, at | None), ...) oldest first
    content_hash: str
    attachments: tuple[StoredAttachment, ...]
    blobs: tuple[Blob, ...]  # bytes still to be stored
    source_ref: str
    time_precision: str | None = None  # not hashed: a transcript prints the time no finer than the source wrote it


def prepare(m: Message, region: str, *, hashed: bool = True) -> Prepared:
    """Everything about a message that does not need the archive. Unless `hashed`, all but its id and
    content hash (half the work): its `id` is then what the id is made of, and `completed` makes them."""
    if m.direction not in DIRECTIONS:
        raise ValueError(f"direction {m.direction!r} at {m.source_ref}")
    if m.kind not in KINDS:
        raise ValueError(f"kind {m.kind!r} at {m.source_ref}")
    conv = m.conversation
    sender = m.sender
    # The same normalization as the participant rows get (`_Writer.participant_id`).
    handle = None if sender is None else (normalize_handle(sender.handle, region) or sender.handle)
    sent_at = times.to_iso(m.sent_at)
    attachments, blobs = [], []
    for position, a in enumerate(m.attachments):
        if a.data is None:
            attachments.append(
                StoredAttachment(position, a.file_name, a.mime, None, a.missing_reason or "not included in the export")
            )
        else:
            sha = hashlib.sha256(a.data).hexdigest()
            attachments.append(StoredAttachment(position, a.file_name, a.mime, sha, None))
            blobs.append(Blob(sha, a.mime, a.data))
    flags = _flags_json(m.flags)
    identity = (conv.platform, m.identity_key or conv.source_key, m.identity)
    return Prepared(
        message_id(*identity) if hashed else identity,
        conv,
        sender,
        handle,
        sent_at,
        m.direction,
        m.kind,
        m.source_zone,
        m.body,
        m.service,
        m.status,
        times.to_iso(m.delivered_at) if m.delivered_at else None,
        times.to_iso(m.read_at) if m.read_at else None,
        m.duration_s,
        flags,
        m.source_id,
        m.reply_to,
        tuple((v.body, times.to_iso(v.at) if v.at else None) for v in m.versions),
        message_content_hash(
            sent_at, m.direction, m.kind, handle, m.body, m.status, m.duration_s, flags, m.reply_to, attachments
        )
        if hashed
        else "",
        tuple(attachments),
        tuple(blobs),
        m.source_ref,
        m.time_precision,
    )


def _flags_json(flags) -> str:
    return canonical_json(sorted(flags)) if flags else "[]"


_ID, _CONTENT_HASH = Prepared._fields.index("id"), Prepared._fields.index("content_hash")


def completed(record: tuple | list) -> Prepared:
    """A message as the reading process sends it (the fields of `Prepared`, reader._resolved), with its id and
    content hash where it left them to this process (`prepare(…, hashed=False)`)."""
    p = Prepared._make(record)
    if type(p.id) is str:
        return p
    fields = list(record)
    fields[_ID] = message_id(*p.id)
    fields[_CONTENT_HASH] = message_content_hash(
        p.sent_at, p.direction, p.kind, p.handle, p.body, p.status, p.duration_s, p.flags, p.reply_to, p.attachments
    )
    return Prepared._make(fields)
