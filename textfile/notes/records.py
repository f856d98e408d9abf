"""A note as the core hands it over: its facts, every version of its text, the messages it concerns.

A note's current state is its last version: an edit adds a version and changes no earlier one, so
the privilege of a note, and its basis, are a version's (a note made privileged later was not
privileged before). Read in one place (`read`), for `note list`, `note show`, transcripts and the
privilege log alike. A note added by mistake (to the wrong matter) is withdrawn, never deleted
(`note withdraw`): `note show` still gives it whole, with when, by whom and the sha256 of why; what
reads the notes in force (`IN_FORCE`) leaves it out.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field

from textfile.notes.messages import Bound, bound
from textfile.notes.stranded import Stranded, stranded
from textfile.results import Result, json_name, omit_empty

TYPE = "Memo to file"  # what a note is, in the privilege log's words
IN_FORCE = "n.withdrawn_at IS NULL"  # (SQL on `n`, a note) not withdrawn


@dataclass(slots=True, eq=False)
class Version(Result):
    """One version of a note's text: the first as written, each edit after it."""

    version: int
    text: str
    text_sha256: str
    privileged: bool
    basis: str | None
    written_at: str
    written_by: str
    reason: str | None


@dataclass(slots=True, eq=False)
class Note(Result):
    """A note to file of a matter: who it is by, when, what it concerns (messages, a window, or the
    matter as a whole), and its versions, the last one current."""

    id: int
    matter: str
    matter_id: int = json_name(None)
    author: str = ""
    created_at: str = ""
    created_by: str = ""
    conversation: int | None = None  # the window it was written about, when given
    from_: str | None = json_name("from", default=None)
    until: str | None = None
    messages: list[Bound] = field(default_factory=list)
    versions: list[Version] = field(default_factory=list)
    withdrawn_at: str | None = omit_empty(default=None)
    withdrawn_by: str | None = omit_empty(default=None)
    withdrawn_why_sha256: str | None = omit_empty(default=None)
    # (`note add`) each number named that the newest transcript printing it gave another message
    # (notes/messages.py `printed_otherwise`): said as a warning, the note added all the same
    warnings: list[str] = omit_empty(default_factory=list)
    # (in force) left behind: messages it concerns no longer filed to its matter at their time (stranded.py)
    stranded: Stranded | None = omit_empty(default=None)
    # (`note show`) each time it was moved to another matter (`note move`): {at, from, to, by, why_sha256}, from the
    # audit log, which alone records it (the note's row holds its matter now)
    moves: list[dict] = omit_empty(default_factory=list)

    JSON_PROPERTIES = ("privileged",)

    @property
    def current(self) -> Version:
        return self.versions[-1]

    @property
    def privileged(self) -> bool:
        return self.current.privileged

    @property
    def changed(self) -> list[Bound]:
        """The messages the archive holds a later version of than when the note was written."""
        return [m for m in self.messages if m.changed]


def read(conn: sqlite3.Connection, where: str = "1", args: tuple = ()) -> list[Note]:
    """The notes that match (SQL on `n`, a note, and `mt`, its matter), in the order they were made,
    each with every version and the messages it concerns."""
    rows = conn.execute(
        f"SELECT n.*, mt.reference FROM notes n JOIN matters mt ON mt.id = n.matter_id WHERE {where} ORDER BY n.id",
        args,
    ).fetchall()
    ids = [r["id"] for r in rows]
    versions: dict[int, list[Version]] = {i: [] for i in ids}
    for v in conn.execute(
        "SELECT * FROM note_versions WHERE note_id IN (SELECT value FROM json_each(?)) ORDER BY note_id, version",
        (json.dumps(ids),),
    ):
        versions[v["note_id"]].append(
            Version(
                v["version"],
                v["text"],
                v["text_sha256"],
                bool(v["privileged"]),
                v["basis"],
                v["written_at"],
                v["written_by"],
                v["reason"],
            )
        )
    messages = bound(conn, ids)
    left = {s.note: s for s in stranded(conn, note_ids=ids)}
    notes = [
        Note(
            r["id"],
            r["reference"],
            r["matter_id"],
            r["author"],
            r["created_at"],
            r["created_by"],
            r["conversation_id"],
            r["from_at"],
            r["until_at"],
            messages[r["id"]],
            versions[r["id"]],
            r["withdrawn_at"],
            r["withdrawn_by"],
            r["withdrawn_why_sha256"],
        )
        for r in rows
    ]
    for n in notes:
        n.stranded = left.get(n.id)
    return notes
