"""Disposed of: a message whose id a disposal deleted (`disposed_messages`, m025) is never archived again.

The same export imported again, next week's backup or a client's phone (whose copies' ids the disposal
recorded as well) still hold the texts a disposal deleted. Each such record is skipped before it touches
the archive: no message, no conversation, no participant is made for it, so a conversation whose
messages were all disposed of is not made again empty. A reaction, or a file of the export named by
no message (WhatsApp), in such a conversation that nothing else of this source brought back is
skipped too (a WhatsApp export lists those files after its messages).

The ids are read once per import, and only when a disposal recorded any: an archive that disposed of
nothing pays one `EXISTS` query; one that did pays one read of that table (a WITHOUT ROWID table: its
primary key, in order; 200,000 ids in about 0.15 s), keeps the hash of each id (an int: about 14 MB
for 200,000, not the ids themselves) and looks each record's up, confirming a hit by the table's key. Each skip is counted under
the reason "disposed of", and one warning per disposal names the matter, the day it was disposed of
and its certificate, and says the texts are still on the phone and can be deleted there.

What the export held is still what it held: each skipped record's conversation key, time, kind and place in
the source are kept (`disposed_held`), so that coverage (lifecycle/coverage.py) measures the span the export
covers with them. Without them, an export whose first messages of a conversation were disposed of would
seem to start later, and a deletion on the phone inside its span would go unseen.
"""

from __future__ import annotations

from typing import NamedTuple

from textfile import times
from textfile.ingest.writer.notices import _count

DISPOSED = "disposed of"  # the skip reason


class DisposedRecord(NamedTuple):
    """A record of the source skipped as disposed of: its archived conversation, time, kind ("kind|service")
    and place in the source (e.g. "line 12")."""

    conversation_id: int
    sent_at: str
    kind: str
    source_ref: str


class Disposed:
    def init_disposed(self) -> None:
        # the hash (Python's, this process's) of each disposed id: a hit is confirmed in the table (`is_disposed`)
        self.disposed: set[int] = set()
        if self.conn.execute("SELECT EXISTS (SELECT 1 FROM disposed_messages)").fetchone()[0]:
            self.disposed = {hash(i) for (i,) in self.conn.execute("SELECT message_id FROM disposed_messages")}
        self.disposed_seen: dict[int, int] = {}  # disposal -> records of this source skipped
        self.disposed_conversations: set[tuple[str, str]] = set()  # (platform, key) of the records skipped
        self.disposed_records: list[tuple[tuple[str, str], str, str, str]] = []  # (key, time, kind, source_ref)
        self.chat_files_left: set[str] = set()  # files named by no message skipped (`chat_file`): not said as kept

    def is_disposed(self, record) -> bool:
        """Whether this prepared record is a disposed message: then it is skipped and counted."""
        if hash(record.id) not in self.disposed:
            return False
        found = self.conn.execute(
            "SELECT disposal_id FROM disposed_messages WHERE message_id = ?", (record.id,)
        ).fetchone()
        if found is None:  # (another id of the same hash)
            return False
        disposal = found[0]
        self.skip(DISPOSED, record.source_ref)
        self.disposed_seen[disposal] = self.disposed_seen.get(disposal, 0) + 1
        key = (record.conversation.platform, record.conversation.source_key)
        self.disposed_conversations.add(key)
        kind = f"{record.kind}|{record.service or ''}"
        self.disposed_records.append((key, record.sent_at, kind, record.source_ref))
        return True

    def disposed_held(self) -> list[DisposedRecord]:
        """The records this source held and skipped as disposed of, on the archived conversation of each (by its
        key or another key of it); a conversation no longer archived (all of it disposed of) is left out: there is
        nothing of it to compare."""
        found: dict[tuple[str, str], int | None] = {}
        held = []
        for key, at, kind, ref in self.disposed_records:
            if key not in found:
                found[key] = self.conversations.get(key) or self._archived_conversation(key)
            if found[key] is not None:
                held.append(DisposedRecord(found[key], at, kind, ref))
        return held

    def _archived_conversation(self, key: tuple[str, str]) -> int | None:
        row = self.conn.execute(
            "SELECT id FROM conversations WHERE platform = ? AND source_key = ?"
            " UNION ALL SELECT conversation_id FROM conversation_keys WHERE platform = ? AND source_key = ?",
            key * 2,
        ).fetchone()
        return None if row is None else row[0]

    def left_disposed(self, record, reason: str) -> bool:
        """A reaction or a file named by no message, in a conversation whose records this source skipped as
        disposed of and which is not archived (nothing else brought it back): skipped with `reason`,
        without making the conversation again."""
        key = (record.conversation.platform, record.conversation.source_key)
        if key not in self.disposed_conversations or key in self.conversations:
            return False
        if self.conn.execute(
            "SELECT 1 FROM conversations WHERE platform = ? AND source_key = ?"
            " UNION ALL SELECT 1 FROM conversation_keys WHERE platform = ? AND source_key = ?",
            key * 2,
        ).fetchone():
            return False  # archived still (messages kept): it goes there
        self.skip(reason, record.source_ref)
        return True

    def say_disposed(self) -> None:
        """One warning per disposal whose messages this source holds, and the audit record of the skips."""
        if not self.disposed_seen:
            return
        tz = times.archive_zone(self.conn)
        for disposal, n in sorted(self.disposed_seen.items()):
            row = self.conn.execute(
                "SELECT m.reference, d.disposed_at, (SELECT path FROM disposal_certificates c WHERE c.disposal_id = d.id"
                " ORDER BY c.id DESC LIMIT 1) FROM disposals d JOIN matters m ON m.id = d.matter_id WHERE d.id = ?",
                (disposal,),
            ).fetchone()
            reference, at, certificate = row
            self.note(
                f"{_count(n, 'message')} of this source {'were' if n != 1 else 'was'} disposed of with matter {reference}"
                f" on {times.day(at, tz)} (certificate {certificate or 'not made'}): not archived again."
                " The texts are still on the phone: they can be deleted there"
            )
        self.changes["disposed_of"] = {str(d): n for d, n in sorted(self.disposed_seen.items())}
