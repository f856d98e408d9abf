"""The deletion of a disposal, in the caller's transaction: what goes, what is kept, and their hashes.

Decisions:
- The matter's messages are those in its filings' windows. One also in the window of a filing to
  another matter (closed, not held: anything else refuses the disposal first) is kept, and counted
  as kept. So is one that a note of another matter concerns (`note_messages`), though it is filed to
  this matter only: deleting it would rewrite that note. Such are listed per note (`kept_notes`: the
  note, its matter, how many and their ids), which the dry run, the audit entry and the certificate name.
- The disposal's row records those ids (`disposals.counts`, `$.kept_notes[*].ids`, read in SQL:
  KEPT_FOR_NOTES). When the matter whose note kept them is disposed of, they are among its messages
  (`inherited`: the earlier disposal, its matter, the note, the ids), unless a live matter still holds
  them (its filing windows, or a note of another matter: then they are kept again, and recorded again).
  Otherwise they would outlive both disposals, in no matter. The earlier disposal's records stay as
  they were. A disposal recorded before these ids were (issue 19's first version) lists none.
- What refers to a message that goes, and what is left empty, goes by the schema's foreign keys
  (walk.py). The records of the matter's transcripts and review reports go, and those of any other
  transcript that shows a message that goes, or report that lists a flag of one: they could no
  longer be proven, and keeping their rows would keep a list of what went.
- Message text copied elsewhere: the FTS indexes are rebuilt without it ('optimize', so deleted terms
  leave the segments); an import's warnings and assumptions quoting a line of it have that line
  replaced (`scrub`); review flags (whose reasons name the terms and amounts found in a text) go with
  their messages. textfile writes no message text into the audit log, which is append-only; a
  person's words there (a review decision's note) might quote one: such entries are found and named
  (`quoted_in_audit_log`), never changed.
- Every id that identified a message that goes (its own, its aliases, another phone's copies) is
  returned (`ids`): disposal records them (`disposed_messages`) and ingest never archives them again.
- What went is summed without text: each message's id and content hash (sorted; their sha256), each
  blob's sha256 (sorted; their sha256), how many rows of each table, how many messages per import.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field

from textfile.fingerprint import canonical_json, sha256_text
from textfile.lifecycle.disposal.walk import Walk, require_whole

IN_WINDOW = (
    "EXISTS (SELECT 1 FROM filings f WHERE f.matter_id {op} ? AND f.conversation_id = m.conversation_id"
    " AND (f.from_at IS NULL OR m.sent_at >= f.from_at) AND (f.until_at IS NULL OR m.sent_at <= f.until_at))"
)
KEPT_FOR_NOTES = (  # (message id, disposal, note) an earlier disposal kept for a note of matter ?, still held
    "SELECT i.value AS id, d.id AS disposal, json_extract(k.value, '$.note') AS note"
    " FROM disposals d, json_each(d.counts, '$.kept_notes') k, json_each(k.value, '$.ids') i"
    " WHERE json_extract(k.value, '$.note') IN (SELECT id FROM notes WHERE matter_id = ?)"
    " AND i.value IN (SELECT id FROM messages)"
)
CANDIDATE = f"({IN_WINDOW.format(op='=')} OR m.id IN (SELECT id FROM temp.disposal_inherited))"
NOTED_ELSEWHERE = "EXISTS (SELECT 1 FROM note_messages nm JOIN notes n ON n.id = nm.note_id WHERE nm.message_id = m.id AND n.matter_id <> ?)"
SCRUBBED = "[text of a disposed message removed]"
SHORTEST_QUOTE = 12  # characters: a shorter line ("ok", "see you") is in too many other texts to be a quote


@dataclass(slots=True)
class Removed:
    """What one disposal deleted: messages (id, content hash) sorted, those kept as filed to another
    matter, per import, blobs, records of transcripts and reports (uuids), rows per table, quotes scrubbed."""

    messages: list[tuple[str, str]]
    kept: int
    per_import: dict[str, int]
    blobs: list[str]
    transcripts: list[str]
    reports: list[str]
    counts: dict[str, int] = field(default_factory=dict)
    scrubbed: int = 0
    audit_quotes: list[int] = field(default_factory=list)  # entries whose details quote a line that went
    kept_filed: int = 0  # kept: also filed to another matter
    kept_notes: list[dict] = field(
        default_factory=list
    )  # kept (not filed elsewhere) for another matter's note: {note, matter, messages}
    ids: list[str] = field(default_factory=list)  # every id that identified a message that went (`disposed_ids`)
    paths: list[str] = field(default_factory=list)  # where the transcripts and reports whose records went were written
    inherited: list[dict] = field(
        default_factory=list
    )  # going, kept by an earlier disposal for a note of this matter: {disposal, matter, note, messages, ids}

    @property
    def messages_sha256(self) -> str:
        return sha256_text(canonical_json([list(m) for m in self.messages]))

    @property
    def blobs_sha256(self) -> str:
        return sha256_text(canonical_json(self.blobs))


def remove(conn: sqlite3.Connection, matter_id: int) -> Removed:
    """Delete the matter's messages and all that goes with them (see the module's docstring)."""
    require_whole(conn)
    walk = Walk(conn)
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS disposal_messages (id TEXT PRIMARY KEY)")
    conn.execute("DELETE FROM temp.disposal_messages")
    _inherit(conn, matter_id)
    conn.execute(
        "INSERT INTO temp.disposal_messages SELECT m.id FROM messages m"
        f" WHERE {CANDIDATE} AND NOT {IN_WINDOW.format(op='<>')} AND NOT {NOTED_ELSEWHERE}",
        (matter_id, matter_id, matter_id),
    )
    filed, notes = _kept(conn, matter_id)
    removed = _listed(conn, matter_id, filed + sum(n["messages"] for n in notes))
    removed.kept_filed, removed.kept_notes = filed, notes
    removed.inherited = _inherited(conn)
    removed.ids = disposed_ids(conn)
    texts = _texts(conn)
    conversations = [
        r[0]
        for r in conn.execute(
            "SELECT conversation_id FROM filings WHERE matter_id = ? UNION SELECT m.conversation_id FROM messages m"
            " JOIN temp.disposal_inherited i ON i.id = m.id",
            (matter_id,),
        )
    ]
    blobs_before = walk.blobs_used()
    walk.delete("messages", "id IN (SELECT id FROM temp.disposal_messages)")
    walk.matter_rows(matter_id)
    for table, uuids in (("transcripts", removed.transcripts), ("review_reports", removed.reports)):
        walk.delete(table, "uuid IN (SELECT value FROM json_each(?))", (json.dumps(uuids),))
    walk.cascade({"messages", *walk.deleted})
    walk.delete(
        "conversations",
        "id IN (SELECT value FROM json_each(?)) AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = conversations.id)"
        " AND NOT EXISTS (SELECT 1 FROM filings f WHERE f.conversation_id = conversations.id)",
        (json.dumps(conversations),),
    )
    walk.cascade({"conversations"})
    removed.blobs = sorted(blobs_before - walk.blobs_used())
    walk.delete("blobs", "sha256 IN (SELECT value FROM json_each(?))", (json.dumps(removed.blobs),))
    walk.cascade({"blobs"})
    removed.scrubbed = scrub(conn, texts)
    removed.audit_quotes = quoted_in_audit_log(conn, texts)
    for index in ("messages_fts", "message_versions_fts"):  # deleted terms leave the index's segments
        conn.execute(f"INSERT INTO {index} ({index}) VALUES ('optimize')")
    walk.finish()
    removed.counts = dict(sorted(walk.deleted.items()))
    conn.execute("DELETE FROM temp.disposal_messages")
    conn.execute("DELETE FROM temp.disposal_inherited")
    return removed


def _inherit(conn: sqlite3.Connection, matter_id: int) -> None:
    """The messages earlier disposals kept for a note of this matter (KEPT_FOR_NOTES), as candidates."""
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS disposal_inherited (id TEXT PRIMARY KEY, disposal INTEGER, note INTEGER)"
    )
    conn.execute("DELETE FROM temp.disposal_inherited")
    conn.execute(
        f"INSERT OR IGNORE INTO temp.disposal_inherited SELECT id, disposal, note FROM ({KEPT_FOR_NOTES})"
        " ORDER BY disposal DESC",
        (matter_id,),
    )


def _inherited(conn: sqlite3.Connection) -> list[dict]:
    """Of the messages that go, those an earlier disposal kept for a note of this matter, per disposal and note."""
    found: dict[tuple[int, int], dict] = {}
    for disposal, reference, note, mid in conn.execute(
        "SELECT i.disposal, x.reference, i.note, i.id FROM temp.disposal_inherited i"
        " JOIN temp.disposal_messages g ON g.id = i.id JOIN disposals d ON d.id = i.disposal"
        " JOIN matters x ON x.id = d.matter_id JOIN messages m ON m.id = i.id ORDER BY i.disposal, i.note, m.sent_at, m.rowid"
    ):
        entry = found.setdefault(
            (disposal, note), {"disposal": disposal, "matter": reference, "note": note, "messages": 0, "ids": []}
        )
        entry["messages"] += 1
        entry["ids"].append(mid)
    return list(found.values())


def _listed(conn: sqlite3.Connection, matter_id: int, kept: int) -> Removed:
    """The messages that go (id, content hash), per import, and the transcripts and reports whose records go."""
    messages = [
        (r[0], r[1])
        for r in conn.execute(
            "SELECT m.id, m.content_hash FROM messages m JOIN temp.disposal_messages d ON d.id = m.id ORDER BY m.id"
        )
    ]
    per_import = {
        str(i): n
        for i, n in conn.execute(
            "SELECT m.import_id, count(*) FROM messages m JOIN temp.disposal_messages d ON d.id = m.id"
            " GROUP BY m.import_id ORDER BY m.import_id"
        )
    }
    shown = conn.execute(
        "SELECT uuid, path FROM transcripts WHERE matter_id = ? OR id IN (SELECT tm.transcript_id FROM transcript_messages tm"
        " JOIN temp.disposal_messages d ON d.id = tm.message_id) ORDER BY id",
        (matter_id,),
    ).fetchall()
    transcripts = [u for u, _ in shown]
    flags = {
        i
        for (i,) in conn.execute("SELECT f.id FROM review_flags f JOIN temp.disposal_messages d ON d.id = f.message_id")
    }
    listing = [
        r
        for r in conn.execute("SELECT uuid, path, matter_id, flags FROM review_reports ORDER BY id")
        if r["matter_id"] == matter_id or any(f[0] in flags for f in json.loads(r["flags"] or "[]"))
    ]
    reports = [r["uuid"] for r in listing]
    folders = [  # (productions: issue 20; every file in them holds the matter's texts)
        f
        for (f,) in conn.execute(
            "SELECT folder FROM productions WHERE matter_id = ? OR id IN (SELECT pm.production_id FROM production_messages pm"
            " JOIN temp.disposal_messages d ON d.id = pm.message_id) ORDER BY id",
            (matter_id,),
        )
    ]
    paths = [p for _, p in shown] + [r["path"] for r in listing] + folders
    return Removed(messages, kept, per_import, [], transcripts, reports, paths=paths)


def _kept(conn: sqlite3.Connection, matter_id: int) -> tuple[int, list[dict]]:
    """The matter's messages kept: how many are also filed to another matter, and, of the others, which
    each note of another matter concerns (a message two notes concern is listed under the first)."""
    mine = (
        f"FROM messages m WHERE {CANDIDATE} AND NOT EXISTS (SELECT 1 FROM temp.disposal_messages d WHERE d.id = m.id)"
    )
    filed = conn.execute(f"SELECT count(*) {mine} AND {IN_WINDOW.format(op='<>')}", (matter_id, matter_id)).fetchone()[
        0
    ]
    notes: dict[int, dict] = {}
    for note, reference, mid in conn.execute(
        "SELECT k.note, x.reference, k.id FROM (SELECT m.id, m.sent_at, m.rowid AS r, (SELECT min(nm.note_id) FROM note_messages nm JOIN notes n"
        f" ON n.id = nm.note_id WHERE nm.message_id = m.id AND n.matter_id <> ?) AS note {mine} AND NOT {IN_WINDOW.format(op='<>')}) k"
        " JOIN notes n ON n.id = k.note JOIN matters x ON x.id = n.matter_id ORDER BY k.note, k.sent_at, k.r",
        (matter_id, matter_id, matter_id),
    ):
        entry = notes.setdefault(note, {"note": note, "matter": reference, "messages": 0, "ids": []})
        entry["messages"] += 1
        entry["ids"].append(mid)
    return filed, list(notes.values())


def disposed_ids(conn: sqlite3.Connection) -> list[str]:
    """Every id that identified a message that goes: its own, an alias an edit between exports left
    (`message_aliases`), another phone's copy of it (`phone_copies`). None is ever archived again."""
    return [
        i
        for (i,) in conn.execute(
            "SELECT id FROM temp.disposal_messages UNION SELECT a.alias_id FROM message_aliases a"
            " JOIN temp.disposal_messages d ON d.id = a.message_id UNION SELECT c.alias_id FROM phone_copies c"
            " JOIN temp.disposal_messages d ON d.id = c.message_id ORDER BY 1"
        )
    ]


def _texts(conn: sqlite3.Connection) -> set[str]:
    """Every line of the texts that go (messages and their versions) long enough to be told as a quote."""
    lines: set[str] = set()
    for (body,) in conn.execute(
        "SELECT m.body FROM messages m JOIN temp.disposal_messages d ON d.id = m.id"
        " UNION ALL SELECT v.body FROM message_versions v JOIN temp.disposal_messages d ON d.id = v.message_id"
    ):
        lines |= {line.strip() for line in (body or "").splitlines() if len(line.strip()) >= SHORTEST_QUOTE}
    return lines


def quoted_in_audit_log(conn: sqlite3.Connection, texts: set[str]) -> list[int]:
    """The audit entries whose details hold a line of a text that goes (a person's note quoting it)."""
    if not texts:
        return []
    return [
        entry
        for entry, details in conn.execute("SELECT id, details FROM audit_log ORDER BY id")
        if any(text in details for text in texts)
    ]


def scrub(conn: sqlite3.Connection, texts: set[str]) -> int:
    """An import's warnings and assumptions quoting a line of a text that goes: that line replaced
    (SCRUBBED); how many quotes were."""
    if not texts:
        return 0
    scrubbed = 0
    for row in conn.execute("SELECT id, warnings, assumptions FROM imports").fetchall():
        values = {}
        for column in ("warnings", "assumptions"):
            value = row[column] or ""
            for text in texts:
                if text in value:
                    scrubbed += value.count(text)
                    value = value.replace(text, SCRUBBED)
            values[column] = value
        if values != {"warnings": row["warnings"], "assumptions": row["assumptions"]}:
            conn.execute(
                "UPDATE imports SET warnings = ?, assumptions = ? WHERE id = ?",
                (values["warnings"], values["assumptions"], row["id"]),
            )
    return scrubbed
