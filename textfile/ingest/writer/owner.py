"""The owner's number: which of the owner's numbers sent a message may go unsaid in a format (an Android
backup read without --me); a later reading that does not say it keeps the number an earlier import was
told (`keep_owner_number`), and the owner with no number, once every message of theirs has a number,
is no longer listed (`forget_unnamed_owners`).

Which of the owner's handles sent an iMessage went unread before: the importer's first release gave every
message the owner sent their first handle, whatever handle chat.db says it went from. Evidence replaces that
assumption, never the other way round: a reading that names another of the owner's handles for a message
archived with the first makes a new version of it from the handle named (its earlier version keeps the
first; said once, counted: `Versions.say_senders_read`); a reading that gives the first handle to a message
archived from another handle of the owner's that an earlier reading named (a database that names none:
the importer's assumption) keeps the archived sender (`keep_owner_handle`), and says so.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from textfile.ingest.writer.notices import _count
from textfile.phones import normalize_handle

if TYPE_CHECKING:
    from textfile.ingest.writer.batch import _Pending

# Formats whose reading now names the owner's handle each sent message went from, which an earlier release
# of their importer did not: it gave each the owner's first handle.
READS_SENDING_HANDLE = frozenset({"imessage"})


class OwnerNumbers:
    def init_owner_numbers(self) -> None:
        self.owner_numbers_kept: dict[str, int] = {}  # the owner's number --me gave -> messages read with none
        self.owner_handles_kept: dict[tuple[str, str], int] = {}  # (archived, read) -> messages (READS_SENDING_HANDLE)
        self.first_owner_handle: str | None = None
        self.owner_handles_unread: set[int] = set()  # the participants of the handles read there (`keep_owner_handle`)
        # The owner with no number, whom this import's reading (False) or an earlier one (True) gave messages that now have a
        # number of the owner's: listed no more where they name nothing.
        self.unnamed_owners: dict[int, bool] = {}

    def keep_owner_number(self, p: _Pending, mid: str, known_hash: str) -> str | None:
        """A reading that says a message was sent by the owner without saying from which of their
        numbers (an Android backup that names none, read without --me) does not take away the number
        an earlier import was told with --me: where that alone differs, the archived sender stands,
        and it is said. So does one that names another of the owner's handles than the first, the one an
        earlier release of its importer gave every message the owner sent (`keep_owner_handle`). Returns the
        content hash with the archived sender, or None."""
        m = p.record
        if self.source.format in READS_SENDING_HANDLE:
            return self.keep_owner_handle(p, mid, known_hash)
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

    def owners_first_handle(self) -> str:
        """The owner's first handle (the one an earlier iMessage importer gave every sent message), read once."""
        if self.first_owner_handle is None:
            row = self.conn.execute("SELECT min(handle) FROM owner_handles").fetchone()
            self.first_owner_handle = row[0] or ""
        return self.first_owner_handle

    def keep_owner_handle(self, p: _Pending, mid: str, known_hash: str) -> str | None:
        """A message the owner's phone sent, read as from the owner's first handle and archived as from another of
        theirs (module docstring): the archived sender stands where that alone differs."""
        m = p.record
        if (
            self.source.custodian_client is not None
            or m.direction == "in"  # (what the owner sent, and the group events they made)
            or m.sender is None
            or not m.sender.is_owner
        ):
            return None
        first = self.owners_first_handle()
        row = self.conn.execute(
            "SELECT p.id, p.handle FROM messages m JOIN participants p ON p.id = m.sender_id"
            " WHERE m.id = ? AND p.is_owner = 1",
            (mid,),
        ).fetchone()
        if row is None or m.handle != first or row["handle"] == first:
            return None  # (only the importer's assumption, the first handle, yields to a handle a reading named)
        digest = p.content_hash_with(handle=row["handle"])
        if digest == known_hash:
            self.owner_handles_unread.add(p.sender_id)
            p.sender_id, p.content_hash = row["id"], digest
            kept = (row["handle"], m.handle)
            self.owner_handles_kept[kept] = self.owner_handles_kept.get(kept, 0) + 1
        return digest

    def say_owner_numbers_kept(self) -> None:
        for number, n in sorted(self.owner_numbers_kept.items()):
            self.note(
                f"{_count(n, 'message')} this source reads as sent by the owner with no number keep{'s' if n == 1 else ''} {number},"
                " which --me gave when an earlier import read them"
            )
        for (archived, read), n in sorted(self.owner_handles_kept.items()):
            one = n == 1
            self.note(
                f"{_count(n, 'message')} the owner sent {'keeps' if one else 'keep'} {archived}, the handle an earlier"
                f" import read {'it' if one else 'they'} went from, where this source gives {read}, the owner's first",
                kind="assumption",
            )

    def forget_unread_owner_handles(self) -> None:
        """The owner under a handle only messages that kept their archived sender name (`keep_owner_handle`): not
        listed among a conversation's people where no message names it, so the conversation reads as before."""
        for pid in sorted(self.owner_handles_unread):
            row = self.conn.execute(
                "SELECT conversation_id, handle FROM participants WHERE id = ? AND is_owner = 1", (pid,)
            ).fetchone()
            if row is not None:
                self.forget_participant(
                    pid,
                    {"conversation": row["conversation_id"], "was": row["handle"], "now": "the owner's first handle"},
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
