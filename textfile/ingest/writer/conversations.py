"""Conversations and participants: which archived conversation a record goes on, found by its key or by
another key of the same thread; its participants, one row per handle.

A conversation is found by its key, and by the other keys an importer names for the same thread
read another way (an Android number kept as written one week, joined with its international form
the next): the archived conversation is re-keyed in place, keeping its number, filings, transcripts
and messages, and where an earlier reading split the thread in two they are merged into one that
keeps every filing of both (`resolve`, `merges.py`). The keys it had stay in `conversation_keys`, so a
later export that reads the thread either way finds it. Each re-keying and merge is said and audited.
"""

from __future__ import annotations

from textfile import times
from textfile.ingest.writer.notices import _count, _filed, _people
from textfile.phones import normalize_handle

OBJECT_CACHE = 4096  # objects `_ByIdentity` keeps (see there)


class _ByIdentity:
    """Values for objects recognized by identity (importers reuse one Conversation or Participant
    object for many messages; a reading process sends each once, reader._Numbered), keyed by id(obj)
    plus a context. The object is kept beside its value so that a recycled id() never matches;
    bounded, since an importer may make a new object for every message."""

    def __init__(self):
        self.items: dict = {}

    def __len__(self) -> int:
        return len(self.items)

    def get(self, obj, context=None):
        hit = self.items.get((id(obj), context))
        return hit[1] if hit is not None and hit[0] is obj else None

    def put(self, obj, value, context=None) -> None:
        if len(self.items) >= OBJECT_CACHE:
            self.items.clear()
        self.items[(id(obj), context)] = (obj, value)


class Conversations:
    def init_conversations(self) -> None:
        self.conversations: dict[tuple[str, str], int] = {}
        self.seen_conversation_objects = _ByIdentity()  # Conversation -> conversation id
        self.participants: dict[tuple[int, str], int] = {}
        self.senders = _ByIdentity()  # Participant, in a conversation -> participant id
        self.touched: set[int] = set()
        self.created: set[int] = set()  # conversations this import created: nothing archived there to fold into
        self.joined: list[tuple[int, str]] = []  # people this import added to conversations archived before (handles)
        self.has_other_keys = self.conn.execute("SELECT EXISTS (SELECT 1 FROM conversation_keys)").fetchone()[0]
        self.resolved: set[tuple] = set()  # (platform, source_key, other_keys) looked up (`resolve`)
        self.rejoined: set[int] = set()  # conversations this import re-keyed or merged into (`resolve`)
        self.left_alone: set[int] = set()  # conversations under a key of another reading of a number (`resolve`)

    def conversation_id(self, conv) -> int:
        seen = self.seen_conversation_objects.get(conv)
        if seen is not None:
            return seen
        key = (conv.platform, conv.source_key)
        conv_id = self.conversations.get(key)
        if conv_id is None or (conv.other_keys and (*key, conv.other_keys) not in self.resolved):
            if conv.other_keys or self.has_other_keys:
                conv_id = self.resolve(conv)
            else:
                row = self.conn.execute(
                    "SELECT id FROM conversations WHERE platform = ? AND source_key = ?", key
                ).fetchone()
                conv_id = None if row is None else row[0]
            if conv_id is None:
                conv_id = self.conn.execute(
                    "INSERT INTO conversations (platform, source_key, title, is_group, created_at) VALUES (?, ?, ?, ?, ?)",
                    (conv.platform, conv.source_key, conv.title, int(conv.is_group), times.now_iso()),
                ).lastrowid
                self.created.add(conv_id)
                self.name_keys(conv, conv_id)
            elif conv.title:
                self.conn.execute(
                    "UPDATE conversations SET title = ? WHERE id = ? AND title IS NULL", (conv.title, conv_id)
                )
            self.conversations[key] = conv_id
            self.resolved.add((*key, conv.other_keys))
        for participant in conv.participants:
            self.participant_id(conv_id, participant)
        self.seen_conversation_objects.put(conv, conv_id)
        self.touched.add(conv_id)
        return conv_id

    def participant_id(self, conv_id: int, participant) -> int:
        handle = normalize_handle(participant.handle, self.region) or participant.handle
        key = (conv_id, handle)
        pid = self.participants.get(key)
        if pid is not None:
            return pid
        row = self.conn.execute(
            "SELECT id, display_name, is_owner FROM participants WHERE conversation_id = ? AND handle = ?", key
        ).fetchone()
        if row is None:
            pid = self.conn.execute(
                "INSERT INTO participants (conversation_id, handle, display_name, is_owner) VALUES (?, ?, ?, ?)",
                (conv_id, handle, participant.display_name, int(participant.is_owner)),
            ).lastrowid
            if conv_id not in self.created and not participant.is_owner:
                self.joined.append((conv_id, handle))  # (transaction.py `_another_client_joined`)
        else:
            pid = row["id"]
            if participant.display_name and not row["display_name"]:
                self.conn.execute(
                    "UPDATE participants SET display_name = ? WHERE id = ?", (participant.display_name, pid)
                )
            if participant.is_owner and not row["is_owner"]:
                self.conn.execute("UPDATE participants SET is_owner = 1 WHERE id = ?", (pid,))
        self.participants[key] = pid
        return pid

    def resolve(self, conv) -> int | None:
        """The archived conversation that `conv` goes on, found under its key, under one of its other
        keys (`Conversation.other_keys`: the same thread read another way) or under a key recorded in
        `conversation_keys`; None when there is none (then it is created).

        One archived conversation under another key of the thread is re-keyed in place: the same
        number, filings, transcripts and messages, under the key this source gives it (its earlier
        key kept as one of its other keys). Two or more (a thread an earlier reading split) are merged
        into one (`merge`). A conversation found only under one of the other keys, as another key of
        its own, is a number an earlier import read as another (a national number joined with another
        country's form of it): it is left as it is, and said."""
        platform, key = conv.platform, conv.source_key
        keys = (key, *conv.other_keys)
        marks = ",".join("?" * len(keys))
        rows = self.conn.execute(
            f"SELECT source_key, id, 1 FROM conversations WHERE platform = ? AND source_key IN ({marks})"
            f" UNION ALL SELECT source_key, conversation_id, 0 FROM conversation_keys WHERE platform = ? AND source_key IN ({marks})",
            (platform, *keys, platform, *keys),
        ).fetchall()
        same = {cid for k, cid, own in rows if own or k == key}
        for cid in sorted({cid for _, cid, _ in rows} - same - self.left_alone):
            self.left_alone.add(cid)
            self.note(
                f"conversation {cid} ({_people(self.described(cid)['handles'])}) is where an earlier import put a number that this"
                f" source reads as {_people(self.described(None, conv)['handles'])} (see the importer's notices): it is left as it is"
            )
        if not same:
            return None
        archived = same - self.created
        # The conversation archived last goes on (SQLite gives a new conversation the highest number
        # plus one: merging that one away would hand its number to the next); one this import made
        # (and nobody has seen) goes into an archived one.
        conv_id = max(archived) if archived else min(same)
        before = {cid: self.described(cid) for cid in sorted(archived)}
        for other in sorted(same - {conv_id}):
            self.merge(other, conv_id)
        own_key = self.conn.execute("SELECT source_key FROM conversations WHERE id = ?", (conv_id,)).fetchone()[0]
        rekeyed = own_key != key and not any(k == key and not own for k, _, own in rows)
        if rekeyed:
            self.conn.execute("DELETE FROM conversation_keys WHERE platform = ? AND source_key = ?", (platform, key))
            self.conn.execute("UPDATE conversations SET source_key = ? WHERE id = ?", (key, conv_id))
            self.add_key(platform, own_key, conv_id, "rekeyed")
        if rekeyed or len(same) > 1:
            self.rejoined.add(conv_id)
            if len(before) > 1 or (rekeyed and before):
                self.say_rejoined(conv_id, before, self.described(None, conv))
        self.name_keys(conv, conv_id)
        return conv_id

    def name_keys(self, conv, conv_id: int) -> None:
        """Record the other keys of `conv` that no archived conversation holds as keys of `conv_id`."""
        for key in conv.other_keys:
            if not self.conn.execute(
                "SELECT 1 FROM conversations WHERE platform = ? AND source_key = ? UNION ALL SELECT 1 FROM"
                " conversation_keys WHERE platform = ? AND source_key = ?",
                (conv.platform, key) * 2,
            ).fetchone():
                self.add_key(conv.platform, key, conv_id, "named")

    def add_key(self, platform: str, key: str, conv_id: int, rule: str) -> None:
        self.conn.execute(
            "INSERT INTO conversation_keys (platform, source_key, conversation_id, import_id, rule) VALUES (?, ?, ?, ?, ?)",
            (platform, key, conv_id, self.result.import_id, rule),
        )
        self.has_other_keys = True

    def described(self, conv_id: int | None, conv=None) -> dict:
        """An archived conversation's (or, with `conv`, a record's) people other than the owner, and the matters it is filed to."""
        if conv is not None:
            return {
                "handles": sorted(
                    {normalize_handle(p.handle, self.region) or p.handle for p in conv.participants if not p.is_owner}
                )
            }
        return {
            "handles": [
                r[0]
                for r in self.conn.execute(
                    "SELECT handle FROM participants WHERE conversation_id = ? AND is_owner = 0 ORDER BY handle",
                    (conv_id,),
                )
            ],
            "matters": self.matters_of(conv_id),
            "messages": self.conn.execute(
                "SELECT count(*) FROM messages WHERE conversation_id = ?", (conv_id,)
            ).fetchone()[0],
        }

    def matters_of(self, conv_id: int) -> list[str]:
        return [
            r[0]
            for r in self.conn.execute(
                "SELECT DISTINCT m.reference FROM filings f JOIN matters m ON m.id = f.matter_id"
                " WHERE f.conversation_id = ? ORDER BY m.reference",
                (conv_id,),
            )
        ]

    def say_rejoined(self, conv_id: int, before: dict[int, dict], now: dict) -> None:
        """The notice and the audit record of a conversation re-keyed or merged (`resolve`)."""
        who = _people(now["handles"])
        if len(before) == 1:
            was = before[conv_id]
            same = "number" if len(now["handles"]) == 1 else "people"
            self.note(
                f"conversation {conv_id} ({_people(was['handles'])}{_filed(was['matters'], ', ')}) is the thread this source writes"
                f" with {who} (the same {same}, see the importer's notices): it goes on under {who}, the same conversation with its"
                " filings and messages, not a new one"
            )
            self.changes.setdefault("rekeyed", []).append(
                {"conversation": conv_id, "was": was["handles"], "now": now["handles"]}
            )
            return
        merged = [cid for cid in before if cid != conv_id]
        matters = sorted({m for d in before.values() for m in d["matters"]})
        parts = ", ".join(
            f"{cid} ({_people(d['handles'])}, {_count(d['messages'], 'message')}{_filed(d['matters'], ', ')})"
            for cid, d in before.items()
        )
        text = (
            f"conversations {parts} are one thread, which this source writes with {who}: merged into conversation {conv_id},"
            f" with every message and every filing of each; conversation{'s' if len(merged) > 1 else ''}"
            f" {', '.join(map(str, merged))} no longer exist{'s' if len(merged) == 1 else ''}"
        )
        if len({tuple(d["matters"]) for d in before.values()}) > 1 and len(matters) > 1:
            text += (
                f". The whole thread is now filed to {' and '.join(matters)}: each matter's transcripts will show the messages"
                " that were filed to the other only"
            )
        self.note(text)
        self.changes.setdefault("merged", []).append(
            {
                "conversation": conv_id,
                "now": now["handles"],
                "from": [
                    {"conversation": cid, "handles": d["handles"], "matters": d["matters"]} for cid, d in before.items()
                ],
            }
        )
