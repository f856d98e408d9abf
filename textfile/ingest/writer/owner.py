"""The owner's number: which of the owner's numbers sent a message may go unsaid in a format (an Android
backup read without --me); a later reading that does not say it keeps the number an earlier import was
told (`keep_owner_number`), and the owner with no number, once every message of theirs has a number,
is no longer listed (`forget_unnamed_owners`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from textfile.ingest.writer.notices import _count
from textfile.phones import normalize_handle

if TYPE_CHECKING:
    from textfile.ingest.writer.batch import _Pending


class OwnerNumbers:
    def init_owner_numbers(self) -> None:
        self.owner_numbers_kept: dict[str, int] = {}  # the owner's number --me gave -> messages read with none
        # The owner with no number, whom this import's reading (False) or an earlier one (True) gave messages that now have a
        # number of the owner's: listed no more where they name nothing.
        self.unnamed_owners: dict[int, bool] = {}

    def keep_owner_number(self, p: _Pending, mid: str, known_hash: str) -> str | None:
        """A reading that says a message was sent by the owner without saying from which of their
        numbers (an Android backup that names none, read without --me) does not take away the number
        an earlier import was told with --me: where that alone differs, the archived sender stands,
        and it is said. Returns the content hash with the archived sender, or None."""
        m = p.record
        if (
            not self.source.owner_numbers
            or m.direction != "out"
            or m.sender is None
            or not m.sender.is_owner
            or m.handle.startswith("+")
            or "@" in m.handle
        ):
            return None
        row = self.conn.execute(
            "SELECT p.id, p.handle FROM messages m JOIN participants p ON p.id = m.sender_id"
            " WHERE m.id = ? AND p.is_owner = 1",
            (mid,),
        ).fetchone()
        if (
            row is None
            or not row["handle"].startswith("+")
            or not any(
                normalize_handle(json.loads(options).get("me") or "", self.region) == row["handle"]
                for (options,) in self.conn.execute(
                    "SELECT i.options FROM message_sources s JOIN imports i ON i.id = s.import_id WHERE s.message_id = ?",
                    (mid,),
                )
            )
        ):
            return None
        digest = p.content_hash_with(handle=row["handle"])
        if digest == known_hash:
            self.unnamed_owners.setdefault(p.sender_id, False)
            p.sender_id, p.content_hash = row["id"], digest
            self.owner_numbers_kept[row["handle"]] = self.owner_numbers_kept.get(row["handle"], 0) + 1
        return digest

    def say_owner_numbers_kept(self) -> None:
        for number, n in sorted(self.owner_numbers_kept.items()):
            self.note(
                f"{_count(n, 'message')} this source reads as sent by the owner with no number keep{'s' if n == 1 else ''} {number},"
                " which --me gave when an earlier import read them"
            )

    def forget_unnamed_owners(self) -> None:
        """The owner with no number, where no message names it any more (`forget_participant`); said where an
        earlier reading had given it messages."""
        for pid, earlier in self.unnamed_owners.items():
            row = self.conn.execute(
                "SELECT conversation_id, handle FROM participants WHERE id = ? AND is_owner = 1 AND handle NOT LIKE '+%'"
                " AND handle NOT LIKE '%@%'",
                (pid,),
            ).fetchone()
            if row is None or not self.forget_participant(
                pid, {"conversation": row["conversation_id"], "was": row["handle"], "now": "a number of the owner's"}
            ):
                continue
            if earlier:
                self.note(
                    f"conversation {row['conversation_id']}: every message sent by the owner with no number ({row['handle']}) is now"
                    " from a number of the owner's; that entry is no longer listed among its people, and each of those messages keeps"
                    " it as the sender of its earlier version"
                )
