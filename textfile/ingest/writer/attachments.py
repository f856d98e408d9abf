"""Attachments and the export's other files: bytes stored once by their sha256 (`blobs`); a message's
attachments as `message_attachments` rows; a later copy that lacks a file keeps the bytes the archive
holds (`keep_stored_attachments`).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from textfile.ingest.prepare import StoredAttachment
from textfile.model import ChatFile, ChatFilesNamed

if TYPE_CHECKING:
    from textfile.ingest.writer.batch import _Pending

INSERT_ATTACHMENT = (
    "INSERT INTO message_attachments (message_id, position, file_name, mime, blob_sha256, missing_reason)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)


def _filled_in(attachments, other, *, add: bool = False) -> list[StoredAttachment]:
    """`attachments` with each one whose bytes are missing taken from `other` where that has the same file's
    bytes at the same position; with `add`, also the positions only `other` has (an attachment an edit or a
    deletion left out was still sent)."""
    by_position = {a.position: a for a in other}
    merged = [
        b
        if a.sha256 is None
        and (b := by_position.get(a.position)) is not None
        and b.sha256 is not None
        and b.file_name == a.file_name
        else a
        for a in attachments
    ]
    if add:
        have = {a.position for a in attachments}
        merged = sorted(merged + [b for b in other if b.position not in have])
    return merged


class Attachments:
    def store_blob(self, sha: str, mime: str | None, data: bytes) -> None:
        self.conn.execute(
            "INSERT OR IGNORE INTO blobs (sha256, size, mime, data) VALUES (?, ?, ?, ?)", (sha, len(data), mime, data)
        )

    def chat_file(self, f: ChatFile) -> None:
        """A file of the export that no message names: its bytes stored, and linked to its conversation
        once (the same file in a later copy of the export adds nothing; the row keeps the first import)."""
        if self.disposed_conversations and self.left_disposed(
            f, "file named by no message, of a conversation disposed of"
        ):
            self.chat_files_left.add(f.file_name)
            return  # (disposed.py)
        conv_id = self.conversation_id(f.conversation)
        sha = hashlib.sha256(f.data).hexdigest()
        self.store_blob(sha, f.mime, f.data)
        self.conn.execute(
            "INSERT OR IGNORE INTO conversation_files (conversation_id, file_name, mime, blob_sha256, import_id) VALUES (?, ?, ?, ?, ?)",
            (conv_id, f.file_name, f.mime, sha, self.result.import_id),
        )

    def chat_files_named(self, r: ChatFilesNamed) -> None:
        """The warning on the files of an export named by no message that were kept: those skipped (of a
        conversation disposed of) are said as skips only."""
        kept = [n for n in r.names if n not in self.chat_files_left]
        if kept:
            listed = ", ".join(repr(n) for n in kept[:5]) + (f" and {len(kept) - 5} more" if len(kept) > 5 else "")
            self.note(
                f"{r.export}: {len(kept)} file{'s' if len(kept) != 1 else ''} in the export named by no message"
                f" ({listed}): kept as files of the chat, with no time or sender; transcripts list them at the end"
            )

    def attachments_of(self, mid: str) -> list[StoredAttachment]:
        return [
            StoredAttachment._make(r)
            for r in self.conn.execute(
                "SELECT position, file_name, mime, blob_sha256, missing_reason FROM message_attachments WHERE message_id = ? ORDER BY position",
                (mid,),
            )
        ]

    def set_attachments(self, mid: str, attachments) -> None:
        self.conn.execute("DELETE FROM message_attachments WHERE message_id = ?", (mid,))
        self.conn.executemany(INSERT_ATTACHMENT, [(mid, *a) for a in attachments])

    def keep_stored_attachments(self, p: _Pending, mid: str) -> str:
        """A later copy that lacks an attachment's file (a phone that offloaded it, a copy made
        without the attachments folder) does not take away the bytes the archive already holds:
        the stored attachment stands in for the missing one. Returns the resulting content hash."""
        if not any(a.sha256 is None for a in p.attachments):
            return p.content_hash
        merged = _filled_in(p.attachments, self.attachments_of(mid))
        if merged != p.attachments:
            p.attachments = merged
            p.content_hash = p.content_hash_with()
        return p.content_hash
