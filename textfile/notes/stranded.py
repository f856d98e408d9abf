"""Notes left behind: a note in force whose messages (some or all) are no longer filed to its matter at
their time.

A note is written about its matter's own messages (`messages.check_in_matter`), but a filing can change
after it: a conversation filed to the wrong matter is unfiled from it and filed where it belongs. The
note stays with its matter, and a transcript or production of the matter its messages are filed to now
neither shows it nor, when privileged, lists it in its privilege log. Such a note is said wherever a
person can mend it: `unfile` and `file` (and `client edit`, which takes back automatic filings) warn of
each one concerning the conversation they changed, `note list` marks it, `status` lists it; the way out
is `note move N --matter REF --reason TEXT`, to the matter of the same client its messages are filed to
(named when there is exactly one), which keeps the note's id, versions and date.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field

from textfile.notes.messages import in_matter, numbers_in
from textfile.results import Result

MOVE = "textfile note move {note} --matter {matter} --reason TEXT"
# whether the latest version of note `n` is privileged (SQL)
PRIVILEGED_NOW = "(SELECT v.privileged FROM note_versions v WHERE v.note_id = n.id ORDER BY v.version DESC LIMIT 1)"


@dataclass(slots=True, eq=False)
class Stranded(Result):
    """A note in force whose messages (`messages`, numbered "#1.1" as now) are no longer filed to its matter at
    their time, and the client's other matters that every message it concerns is filed to now (`filed_to`)."""

    note: int
    matter: str
    privileged: bool
    messages: list[str] = field(default_factory=list)
    filed_to: list[str] = field(default_factory=list)

    JSON_PROPERTIES = ("command",)

    @property
    def command(self) -> str:
        """The command that mends it: the move to the one matter its messages are filed to (REF: none or several)."""
        return MOVE.format(note=self.note, matter=self.filed_to[0] if len(self.filed_to) == 1 else "REF")

    @property
    def said(self) -> str:
        """The note, its matter and its messages in words, and the way out: one line."""
        privileged = ", privileged," if self.privileged else ""
        where = (
            f"filed to {', '.join(self.filed_to)} now" if self.filed_to else "filed to no other matter of its client"
        )
        them = "its message" if len(self.messages) == 1 else "messages"
        # (filed nowhere else: a move is refused until they are, so the way out names the filing first: round 18 #13)
        way = (
            f"`{self.command}`"
            if self.filed_to
            else f"file {'it' if len(self.messages) == 1 else 'them'} where {'it belongs' if len(self.messages) == 1 else 'they belong'}"
            f" ({', '.join(f'`textfile file {c} --matter REF`' for c in self._conversations)}), then `{self.command}`;"
            " or, written by mistake,"
            f" `textfile note withdraw {self.note} --reason TEXT`"
        )
        return (
            f"note {self.note} of {self.matter}{privileged} concerns {them} {', '.join(self.messages)}, no longer"
            f" filed to {self.matter} at {'its' if len(self.messages) == 1 else 'their'} time ({where}): {way}"
        )

    @property
    def _conversations(self) -> list[str]:
        """The conversations of its messages ("#2.1" is conversation 2's), each once."""
        return list(dict.fromkeys(m.lstrip("#").split(".")[0] for m in self.messages))


def stranded(
    conn: sqlite3.Connection, conversations: list[int] | None = None, note_ids: list[int] | None = None
) -> list[Stranded]:
    """The notes in force left behind (see the module), in the order made: those concerning a message of these
    `conversations`, or these notes, when given."""
    rows = conn.execute(
        "SELECT n.id, mt.reference, mt.client_id, n.matter_id, m.conversation_id, m.sent_at, m.rowid,"
        f" {PRIVILEGED_NOW} AS privileged"
        " FROM notes n JOIN matters mt ON mt.id = n.matter_id JOIN note_messages nm ON nm.note_id = n.id"
        " JOIN messages m ON m.id = nm.message_id"
        f" WHERE n.withdrawn_at IS NULL AND NOT {in_matter('n.matter_id')}"
        " AND (?1 IS NULL OR n.id IN (SELECT x.note_id FROM note_messages x JOIN messages y ON y.id = x.message_id"
        "      WHERE y.conversation_id IN (SELECT value FROM json_each(?1))))"
        " AND (?2 IS NULL OR n.id IN (SELECT value FROM json_each(?2)))"
        " ORDER BY n.id, m.sent_at, m.rowid",
        (
            json.dumps(conversations) if conversations is not None else None,
            json.dumps(note_ids) if note_ids is not None else None,
        ),
    ).fetchall()
    numbers = numbers_in(conn, [(r["conversation_id"], r["rowid"]) for r in rows])
    out: dict[int, Stranded] = {}
    for r in rows:
        if r["id"] not in out:
            out[r["id"]] = Stranded(r["id"], r["reference"], bool(r["privileged"]), [], _filed_to(conn, r))
        out[r["id"]].messages.append(f"#{numbers[r['conversation_id'], r['rowid']]}")
    return list(out.values())


def _filed_to(conn: sqlite3.Connection, note: sqlite3.Row) -> list[str]:
    """The client's other matters (not disposed of) that every message the note concerns is filed to at its time."""
    return [
        r[0]
        for r in conn.execute(
            "SELECT mt.reference FROM matters mt WHERE mt.client_id = ? AND mt.id <> ?"
            " AND mt.id NOT IN (SELECT matter_id FROM disposals) AND NOT EXISTS (SELECT 1 FROM note_messages nm"
            f" JOIN messages m ON m.id = nm.message_id WHERE nm.note_id = ? AND NOT {in_matter('mt.id')})"
            " ORDER BY mt.reference",
            (note["client_id"], note["matter_id"], note["id"]),
        )
    ]


def warnings(conn: sqlite3.Connection, conversations: list[int]) -> list[str]:
    """A warning for each note in force left behind that concerns a message of these `conversations` (what a
    filing change says: `unfile`, `file`, `client edit`)."""
    return [s.said for s in stranded(conn, conversations)] if conversations else []


def elsewhere(conn: sqlite3.Connection, matter_ids: list[int], message_ids: list[str], made: str) -> list[str]:
    """A warning for each privileged note in force of a matter not in `matter_ids` that concerns a message of
    `message_ids`, which a transcript or production (`made`) of those matters shows: it is neither shown nor in
    the privilege log (a note of another matter is not its business: `privilege.concerning`), so the other side
    is never told of it. The output stays as it is; the warning names the note, its matter and `note move`."""
    ours = conn.execute(
        "SELECT mt.reference, mt.client_id FROM matters mt WHERE mt.id IN (SELECT value FROM json_each(?)) ORDER BY mt.id",
        (json.dumps(matter_ids),),
    ).fetchall()
    rows = conn.execute(
        "SELECT n.id, mt.reference, mt.client_id, m.conversation_id, m.sent_at, m.rowid FROM notes n"
        " JOIN matters mt ON mt.id = n.matter_id JOIN note_messages nm ON nm.note_id = n.id"
        " JOIN messages m ON m.id = nm.message_id"
        " WHERE n.withdrawn_at IS NULL AND n.matter_id NOT IN (SELECT value FROM json_each(?1))"
        " AND nm.message_id IN (SELECT value FROM json_each(?2))"
        f" AND {PRIVILEGED_NOW}"
        " ORDER BY n.id, m.sent_at, m.rowid",
        (json.dumps(matter_ids), json.dumps(sorted(message_ids))),
    ).fetchall()
    numbers = numbers_in(conn, [(r["conversation_id"], r["rowid"]) for r in rows])
    shown: dict[int, Stranded] = {}
    for r in rows:
        same = [o["reference"] for o in ours if o["client_id"] == r["client_id"]]
        shown.setdefault(r["id"], Stranded(r["id"], r["reference"], True, [], same[:1] if len(same) == 1 else []))
        shown[r["id"]].messages.append(f"#{numbers[r['conversation_id'], r['rowid']]}")
    return [
        f"note {s.note} of {s.matter}, privileged, concerns {', '.join(s.messages)}, which this {made} shows: a note"
        f" of another matter, it is neither in its notes nor in its privilege log; if it belongs here: `{s.command}`"
        for s in shown.values()
    ]
