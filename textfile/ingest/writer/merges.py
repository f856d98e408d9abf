"""One thread whatever the reading: conversations an earlier reading split merged into one (`merge`), a
message moved to the conversation this source reads it in (`move`), and participants that no message
names any more, once a new reading replaced them, removed (`drop_replaced`). Each is said and audited.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textfile.ingest.writer.conversations import _ByIdentity
from textfile.ingest.writer.notices import _filed, _people

if TYPE_CHECKING:
    from textfile.ingest.writer.batch import _Pending


class Merges:
    def init_merges(self) -> None:
        self.moved: dict[tuple[int, int], int] = {}  # (from, to) conversation ids -> messages moved
        self.unmoved: dict[str, dict] = {}  # a moved message's state before the move (`move`), for its version
        self.replaced: set[int] = set()  # participants a new version took a message from (`drop_replaced`)

    def merge(self, other: int, into: int) -> None:
        """Conversation `other` into `into`, the same thread: its messages, participants (one row per
        handle), filings (every one kept), files and keys; then `other` is removed. This import's own
        state (pending messages, caches) follows."""
        c = self.conn
        same_person: dict[int, int] = {}
        for p in c.execute(
            "SELECT id, handle, display_name, is_owner FROM participants WHERE conversation_id = ?", (other,)
        ).fetchall():
            kept = c.execute(
                "SELECT id FROM participants WHERE conversation_id = ? AND handle = ?", (into, p["handle"])
            ).fetchone()
            if kept is None:
                c.execute("UPDATE participants SET conversation_id = ? WHERE id = ?", (into, p["id"]))
                continue
            same_person[p["id"]] = kept[0]
            c.execute(
                "UPDATE participants SET display_name = coalesce(display_name, ?), is_owner = max(is_owner, ?) WHERE id = ?",
                (p["display_name"], p["is_owner"], kept[0]),
            )
        for was, now in same_person.items():
            c.execute("UPDATE messages SET sender_id = ? WHERE sender_id = ?", (now, was))
            c.execute("UPDATE reactions SET sender_id = ? WHERE sender_id = ?", (now, was))
            c.execute("DELETE FROM participants WHERE id = ?", (was,))
        c.execute("UPDATE messages SET conversation_id = ? WHERE conversation_id = ?", (into, other))
        c.execute("UPDATE filings SET conversation_id = ? WHERE conversation_id = ?", (into, other))
        c.execute(
            "INSERT OR IGNORE INTO conversation_files (conversation_id, file_name, mime, blob_sha256, import_id)"
            " SELECT ?, file_name, mime, blob_sha256, import_id FROM conversation_files WHERE conversation_id = ?",
            (into, other),
        )
        c.execute("DELETE FROM conversation_files WHERE conversation_id = ?", (other,))
        c.execute("UPDATE conversation_keys SET conversation_id = ? WHERE conversation_id = ?", (into, other))
        gone = c.execute("SELECT platform, source_key, title FROM conversations WHERE id = ?", (other,)).fetchone()
        c.execute("UPDATE conversations SET title = ? WHERE id = ? AND title IS NULL", (gone["title"], into))
        c.execute("DELETE FROM conversations WHERE id = ?", (other,))
        self.add_key(gone["platform"], gone["source_key"], into, "merged")
        for p in self.pending:
            if p.conversation_id == other:
                p.conversation_id, p.sender_id = into, same_person.get(p.sender_id, p.sender_id)
        self.conversations = {k: into if v == other else v for k, v in self.conversations.items()}
        self.moved = {(into if a == other else a, into if b == other else b): n for (a, b), n in self.moved.items()}
        self.seen_conversation_objects, self.senders = _ByIdentity(), _ByIdentity()
        self.participants.clear()
        self.touched.discard(other)
        self.touched.add(into)
        if other not in self.created:
            self.created.discard(into)
        self.created.discard(other)

    def move(self, p: _Pending, mid: str, archived_in: int) -> None:
        """A message whose id does not follow its conversation (`Message.identity_key`: an Android
        number the backup joined with its international form) that `resolve` did not bring along (an
        earlier import joined that number with another country's form) is where this source reads it:
        moved there, its sender with it, and said, with the matters each conversation is filed to."""
        self.unmoved[mid] = self.state_of(mid)  # the version `new_version` keeps says which sender it had
        self.conn.execute(
            "UPDATE messages SET conversation_id = ?, sender_id = ? WHERE id = ?", (p.conversation_id, p.sender_id, mid)
        )
        self.moved[(archived_in, p.conversation_id)] = self.moved.get((archived_in, p.conversation_id), 0) + 1
        self.touched.add(archived_in)

    def say_moved(self) -> None:
        """The notices, and the audit record, of the messages `move` moved."""
        for (before, after), n in self.moved.items():
            self.note(
                f"{n} message{'s' if n > 1 else ''} archived in conversation {before}{_filed(self.matters_of(before), ' (', ')')}"
                f" moved to conversation {after}{_filed(self.matters_of(after), ' (', ')', ' (filed to no matter)')}, where this source"
                " reads them (see the importer's notices)"
            )
        if self.moved:  # which filing a message belongs to follows its conversation: the audit says from where to where
            self.changes["moved"] = [
                {"from": before, "to": after, "messages": n} for (before, after), n in sorted(self.moved.items())
            ]

    def drop_replaced(self) -> None:
        """A participant of a conversation this import re-keyed or merged whose every message it read
        with another sender (a number as written, or as earlier versions read it, that this source
        joins with its international form) names nothing any more: it is removed, and said. Each of
        its messages keeps it as the sender of its earlier version (`message_versions.earlier`)."""
        c = self.conn
        for pid in sorted(self.replaced):
            row = c.execute(
                "SELECT conversation_id, handle FROM participants WHERE id = ? AND is_owner = 0", (pid,)
            ).fetchone()
            if row is None:
                continue
            now = [
                r[0]
                for r in c.execute(
                    "SELECT DISTINCT p.handle FROM message_versions v JOIN messages m ON m.id = v.message_id JOIN participants p ON p.id = m.sender_id"
                    " WHERE v.import_id = ? AND m.conversation_id = ? AND json_extract(v.earlier, '$.sender') = ? ORDER BY p.handle",
                    (self.result.import_id, row["conversation_id"], row["handle"]),
                )
            ]
            if self.forget_participant(pid, {"conversation": row["conversation_id"], "was": row["handle"], "now": now}):
                self.note(
                    f"conversation {row['conversation_id']}: every message from {row['handle']} is now from {_people(now)};"
                    f" {row['handle']} is no longer listed among its people, and each of those messages keeps it as the sender of"
                    " its earlier version"
                )

    def forget_participant(self, pid: int, said: dict) -> bool:
        """Remove a participant no message or reaction names any more (a reading of the sender this
        import replaced), recording `said` (conversation, was, now) for the audit entry; False when
        something still names it."""
        if self.conn.execute(
            "SELECT 1 FROM messages WHERE sender_id = ? UNION ALL SELECT 1 FROM reactions WHERE sender_id = ?",
            (pid, pid),
        ).fetchone():
            return False
        self.conn.execute("DELETE FROM participants WHERE id = ?", (pid,))
        self.changes.setdefault("participants_replaced", []).append(said)
        return True
