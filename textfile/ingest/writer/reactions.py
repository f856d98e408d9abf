"""Reactions: written with the batch of messages they arrived with, once their message is archived."""

from __future__ import annotations

from textfile import times
from textfile.fingerprint import content_hash
from textfile.model import Reaction
from textfile.sqlparams import chunks, marks


class Reactions:
    def init_reactions(self) -> None:
        self.reactions: list[Reaction] = []  # arrived since the last batch was written
        self.waiting: list[Reaction] = []  # their message had not been written yet

    def write_reactions(self, final: bool = True) -> None:
        """Reactions point at their message by the source's id: looked up in chunks, written at once.
        After each batch of messages, the reactions that arrived with it are written when their
        message is in the archive (memory stays flat however many there are); one whose message
        has not come yet waits for the end of the source, and is skipped only if it never comes."""
        pending, self.reactions = self.reactions, []
        if final:
            pending, self.waiting = self.waiting + pending, []
        if self.disposed_conversations:  # (disposed.py)
            pending = [r for r in pending if not self.left_disposed(r, "reaction to a message that was disposed of")]
        aimed = [(self.conversation_id(r.conversation), r) for r in pending]
        targets: dict[tuple[int, str], str] = {}
        by_conversation: dict[int, set[str]] = {}
        for conv_id, r in aimed:
            by_conversation.setdefault(conv_id, set()).add(r.target_source_id)
        for conv_id, wanted in by_conversation.items():
            for chunk in chunks(sorted(wanted)):
                for source_id, mid in self.conn.execute(
                    f"SELECT source_id, id FROM messages WHERE conversation_id = ? AND source_id IN ({marks(chunk)})",
                    [conv_id, *chunk],
                ):
                    targets[(conv_id, source_id)] = mid
        rows = []
        for conv_id, r in aimed:
            mid = targets.get((conv_id, r.target_source_id))
            if mid is None:
                if final:
                    self.skip("reaction to a message that is not in the archive", r.source_ref)
                else:
                    self.waiting.append(r)
                continue
            sender_id = self.participant_id(conv_id, r.sender) if r.sender is not None else None
            at = times.to_iso(r.at)
            source_id = r.source_id or content_hash(
                [r.target_source_id, r.sender.handle if r.sender else None, r.kind, r.emoji, at, r.removed]
            )
            rows.append((mid, sender_id, r.kind, r.emoji, at, int(r.removed), source_id, self.result.import_id))
        self.conn.executemany(
            "INSERT OR IGNORE INTO reactions (message_id, sender_id, kind, emoji, at, removed, source_id, import_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
