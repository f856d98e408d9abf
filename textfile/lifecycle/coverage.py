"""Coverage: what successive exports of one phone show it no longer holds, recorded as each export is imported.

Decisions:
- **The rule.** A message an earlier export of the same phone held, which this export lacks although
  its time is inside the span this export covers for its conversation (the first to the last message
  of that conversation the export holds; for WhatsApp, whose lines are not always in time order and
  whose cap drops the first ones, from no earlier than its first line), was deleted on the phone, or
  left out of this export. One
  `missing_from_phone` row records it: this export (the first to lack it), the last export of that
  phone that held it, and the span. A message outside the span is never called missing: a WhatsApp
  export that dropped the oldest messages (its cap), an Android backup of the last 30 days.
- **The same phone** (a lineage): the same format and the same custodian (the owner's phone, or one
  client's, `import_custodians`); for iMessage also the same kind of database (`imessage_databases`):
  an iPhone's (a backup, an sms.db) and a Mac's (chat.db) are two devices, and a Mac that never had
  the phone's SMS is not the phone having lost them. An iMessage import made before m022 recorded no
  device and is compared with none. Two phones of one owner in one format are told apart only by
  what their exports share: this export and the one that last held the message must have at least
  one message of the conversation in common (two phones' exports of one thread share none).
- **The same kind of record.** An export that holds no record of a kind at all (no call: an SMS
  backup beside a separate call-log backup; no MMS: a backup made with MMS turned off) says nothing
  of that kind: a message is compared only with an export holding at least one of its kind and
  service. It is not silent about it: where a conversation it holds has archived messages of such a
  kind inside its span, which an earlier export of the phone held and which the rules above would
  otherwise have compared (this export the later one, sharing a message with it), the import says how
  many, by kind, and in which conversations (`not_compared`): an SMS deleted from a Mac whose next
  chat.db holds no SMS would otherwise go unreported without a word. `record` returns them with what it
  recorded (`Seen.not_compared`), for the import to say among its warnings, first (ingest/transaction.py
  `_coverage`): on its record, as every warning is.
- **Order.** Exports are compared in the order they were imported, and only where this export is
  the later one for that conversation (its last message there no earlier than that of the export
  that last held the message): an older export imported late is read, and records nothing. Bytes
  imported before (the same sha256 and format) are the same export read again: nothing is recorded,
  not even its device (its first import's is its own).
- **Once.** A message already recorded missing from that phone, and not since seen again, is not
  recorded again. A later export of that phone holding it again sets `seen_again_import_id` (the
  earlier absence was an export cut, not a deletion); should it go missing after that, that is a
  new row.
- **Disposed of.** What the export holds includes the records the writer skipped as disposed of
  (ingest/writer/disposed.py): they count in its span, its first line and its kinds, as they are in the
  export. Without them a conversation whose earlier messages a disposal deleted would seem to start later
  in every export after it, and a deletion inside the span would go unseen. A disposed message is itself
  never called missing: it is gone from the archive, and only archived messages are compared.
- **In SQL, in the import's transaction**, after the writer and before the import's audit entry
  (whose records digest then covers the rows): one scan of this import's sources for what it holds
  (a temporary table: conversation, rowid, time, kind), then per conversation the messages inside the
  span it does not hold, through the (conversation, time) index alone; only those are looked at further.
  An import holding no message the archive held before can share none with another export: skipped.
  Measured (benchmarks/lifecycle.py): 0.78–0.93 s on an import of 200,000 SMS that takes 6.5–8.2 s
  without it, about a tenth (README).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from textfile import sightings

if TYPE_CHECKING:
    from collections.abc import Sequence

    from textfile.ingest.transaction import Source
    from textfile.ingest.writer.disposed import DisposedRecord


class Seen(NamedTuple):
    """What an import recorded: messages newly found missing from the phone, and earlier absences it ended."""

    missing: int = 0
    seen_again: int = 0
    # (conversation, kind|service) -> archived messages the kind rule left uncompared (`not_compared`)
    not_compared: dict | None = None

    def audited(self) -> dict:
        """For the import's audit entry: the counts (the rows themselves are in its records digest)."""
        return {k: v for k, v in (("missing_from_phone", self.missing), ("seen_again", self.seen_again)) if v}


def device(source: Source) -> str | None:
    """The kind of Apple database an iMessage source is: "iphone" (a backup folder, an sms.db) or "mac"."""
    if source.format != "imessage":
        return None
    from textfile.importers.imessage.source import holds_backup

    path = Path(source.path)
    try:
        if path.is_dir():
            return "iphone" if holds_backup(path) else "mac"
    except OSError:
        pass
    return "iphone" if path.name.lower() == "sms.db" else "mac"


def record(
    conn: sqlite3.Connection,
    source: Source,
    import_id: int,
    conversations: list[int],
    known: int,
    disposed: Sequence[DisposedRecord] = (),
) -> Seen:
    """What this import shows its phone no longer holds, and what it holds again (see the module). `known`: how
    many of its messages the archive held before it (none: it shares no message with any export, and can say
    nothing of one). `disposed`: the records of this export skipped as disposed of, held by it all the same."""
    if _read_before(conn, source, import_id):  # (the same export again: its first import says it all)
        return Seen()
    kind = device(source)
    if kind is not None:
        conn.execute("INSERT INTO imessage_databases (import_id, device) VALUES (?, ?)", (import_id, kind))
    if not conversations or not known:
        return Seen()
    earlier = _lineage(conn, source.format, import_id, kind)
    if not earlier:
        return Seen()
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS coverage_lineage (import_id INTEGER PRIMARY KEY)")
    conn.execute("DELETE FROM temp.coverage_lineage")
    conn.executemany("INSERT INTO temp.coverage_lineage VALUES (?)", [(i,) for i in earlier])
    try:
        return _compare(conn, import_id, source.format == "whatsapp", disposed)
    finally:
        conn.execute("DELETE FROM temp.coverage_lineage")
        conn.execute("DROP TABLE IF EXISTS temp.coverage_held")


def _read_before(conn: sqlite3.Connection, source: Source, import_id: int) -> bool:
    return bool(
        conn.execute(
            "SELECT 1 FROM imports WHERE sha256 = ? AND format = ? AND id < ? LIMIT 1",
            (source.sha256, source.format, import_id),
        ).fetchone()
    )


def _lineage(conn: sqlite3.Connection, format: str, import_id: int, kind: str | None) -> list[int]:
    """The earlier imports of the same phone: format, custodian and (iMessage) device."""
    (client,) = conn.execute(
        "SELECT (SELECT client_id FROM import_custodians WHERE import_id = ?)", (import_id,)
    ).fetchone()
    return [
        r[0]
        for r in conn.execute(
            "SELECT i.id FROM imports i LEFT JOIN import_custodians c ON c.import_id = i.id"
            " LEFT JOIN imessage_databases d ON d.import_id = i.id"
            " WHERE i.id < ? AND i.format = ? AND c.client_id IS ? AND d.device IS ?",
            (import_id, format, client, kind),
        )
    ]


HELD = sightings.held("?1")  # (?1: the import; its first sighting of a message is the message's own row, m031)
LINEAGE = "(SELECT import_id FROM temp.coverage_lineage)"
# the last import of the lineage that held message m: its own import, or the last of its later sightings (import ids are >= 1)
LAST_SEEN = (
    f"nullif(max(CASE WHEN m.source_ref IS NOT NULL AND m.import_id IN {LINEAGE} THEN m.import_id ELSE 0 END,"
    f" coalesce((SELECT max(s.import_id) FROM message_sightings s WHERE s.message_id = m.id AND s.import_id IN {LINEAGE}),"
    " 0)), 0)"
)
OPEN = (
    "EXISTS (SELECT 1 FROM missing_from_phone a WHERE a.message_id = m.id AND a.seen_again_import_id IS NULL"
    " AND a.import_id IN (SELECT import_id FROM temp.coverage_lineage))"
)


class _Ends:
    """The time of the last message of a conversation an import held, and whether two imports share one, read once."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.ends: dict[tuple[int, int], str] = {}
        self.shared: dict[tuple[int, int, int], bool] = {}

    def end(self, import_id: int, conversation: int) -> str:
        key = (import_id, conversation)
        if key not in self.ends:
            row = self.conn.execute(
                f"SELECT m.sent_at FROM messages m WHERE {HELD} AND m.conversation_id = ?2 ORDER BY m.sent_at DESC LIMIT 1",
                (import_id, conversation),
            ).fetchone()
            self.ends[key] = row[0] if row else ""
        return self.ends[key]

    def share(self, a: int, b: int, conversation: int) -> bool:
        key = (a, b, conversation)
        if key not in self.shared:
            self.shared[key] = bool(
                self.conn.execute(
                    f"SELECT 1 FROM messages m WHERE {HELD} AND {sightings.held('?2')} AND m.conversation_id = ?3 LIMIT 1",
                    (a, b, conversation),
                ).fetchone()
            )
        return self.shared[key]


def _held(
    conn: sqlite3.Connection, import_id: int, lines: bool, disposed: Sequence[DisposedRecord]
) -> tuple[dict, set[str]]:
    """What this import holds, in `temp.coverage_held` (conversation, rowid, time, kind of record, and for an
    export of lines, `lines`, the line: the messages it added by their index, its later sightings, then indexed), with
    the records it skipped as disposed of (no rowid: not archived); per conversation its first and last time
    there (`_span`), and the kinds of record it holds."""
    conn.execute("DROP TABLE IF EXISTS temp.coverage_held")
    conn.execute("CREATE TEMP TABLE coverage_held (c INTEGER, r INTEGER, t TEXT, k TEXT, line INTEGER)")
    line = "CASE WHEN ?1 AND {0}.source_ref LIKE 'line %' THEN CAST(substr({0}.source_ref, 6) AS INTEGER) END"
    conn.execute(  # (the messages it found first, by their index by import; then its later sightings: m031)
        "INSERT INTO temp.coverage_held SELECT m.conversation_id, m.rowid, m.sent_at, m.kind || '|' || coalesce(m.service, ''),"
        f" {line.format('m')} FROM messages m WHERE m.import_id = ?2 AND m.source_ref IS NOT NULL"
        " UNION ALL SELECT m.conversation_id, m.rowid, m.sent_at, m.kind || '|' || coalesce(m.service, ''),"
        f" {line.format('s')} FROM message_sightings s CROSS JOIN messages m ON m.id = s.message_id WHERE s.import_id = ?2",
        (lines, import_id),
    )
    conn.executemany(
        "INSERT INTO temp.coverage_held VALUES (?, NULL, ?, ?, ?)",
        [(d.conversation_id, d.sent_at, d.kind, _line(d.source_ref) if lines else None) for d in disposed],
    )
    conn.execute("CREATE INDEX temp.coverage_held_c ON coverage_held (c, t, r)")
    spans = {
        c: _span(conn, c, first, last, lines)
        for c, first, last in conn.execute("SELECT c, min(t), max(t) FROM temp.coverage_held GROUP BY c").fetchall()
    }
    kinds = {k for (k,) in conn.execute("SELECT DISTINCT k FROM temp.coverage_held")}
    return spans, kinds


def _line(source_ref: str) -> int | None:
    """The line of a source_ref "line N" (an export of lines), as `_held` reads it from a sighting."""
    return int(source_ref[5:]) if source_ref.startswith("line ") and source_ref[5:].isdigit() else None


def _span(conn: sqlite3.Connection, c: int, first: str, last: str, lines: bool) -> tuple[str, str]:
    """A conversation's span in this export: its first to last time there; in an export of lines (WhatsApp,
    whose cap drops the first lines), from no earlier than its first line's time, so that a line written out of
    time order after the first does not reach back over the lines the cap dropped."""
    if lines:
        (at,) = conn.execute(
            "SELECT t FROM temp.coverage_held WHERE c = ? AND line IS NOT NULL ORDER BY line LIMIT 1", (c,)
        ).fetchone() or (None,)
        first = max(first, at or first)
    return first, last


def _compare(conn: sqlite3.Connection, import_id: int, lines: bool, disposed: Sequence[DisposedRecord]) -> Seen:
    spans, kinds = _held(conn, import_id, lines, disposed)
    ends = _Ends(conn)
    ends.ends |= {(import_id, c): last for c, (_, last) in spans.items()}  # (its disposed records included)
    rows = []
    not_compared: dict[tuple[int, str], int] = {}  # (conversation, kind) -> messages the kind rule left out
    for cid, (first, last) in spans.items():
        lacking = [
            r
            for (r,) in conn.execute(
                "SELECT rowid FROM messages WHERE conversation_id = ? AND sent_at BETWEEN ? AND ?"
                " EXCEPT SELECT r FROM temp.coverage_held WHERE c = ? AND r IS NOT NULL",
                (cid, first, last, cid),
            )
        ]
        if not lacking:
            continue
        for mid, seen, kind in conn.execute(
            f"SELECT m.id, {LAST_SEEN} AS seen, m.kind || '|' || coalesce(m.service, '') FROM messages m"
            f" WHERE m.rowid IN (SELECT value FROM json_each(?)) AND NOT {OPEN} ORDER BY m.sent_at, m.rowid",
            (json.dumps(lacking),),
        ):
            if seen is None or last < ends.end(seen, cid) or not ends.share(seen, import_id, cid):
                continue
            if kind in kinds:
                rows.append((mid, import_id, seen, first, last))
            else:  # (the kind rule: this export holds none of its kind, so its absence says nothing)
                not_compared[(cid, kind)] = not_compared.get((cid, kind), 0) + 1
    conn.executemany(
        "INSERT INTO missing_from_phone (message_id, import_id, last_seen_import_id, span_first, span_last)"
        " VALUES (?, ?, ?, ?, ?)",
        rows,
    )
    return Seen(len(rows), _seen_again(conn, import_id, ends), not_compared)


def _seen_again(conn: sqlite3.Connection, import_id: int, ends: _Ends) -> int:
    """The open absences from this phone whose message this export holds again, where it is the later export."""
    again = [
        (import_id, mid, lacking)
        for mid, lacking, cid in conn.execute(
            "SELECT a.message_id, a.import_id, m.conversation_id FROM missing_from_phone a JOIN messages m ON m.id = a.message_id"
            f" WHERE a.seen_again_import_id IS NULL AND a.import_id IN {LINEAGE} AND {HELD}",
            (import_id,),
        )
        if ends.end(import_id, cid) >= ends.end(lacking, cid)
    ]
    conn.executemany(
        "UPDATE missing_from_phone SET seen_again_import_id = ? WHERE message_id = ? AND import_id = ?", again
    )
    return len(again)


# A kind of record as coverage tells kinds apart (its kind and service), as a count of it says it: one, many.
_KIND_WORDS = {
    "message|SMS": ("SMS", "SMS"),
    "message|MMS": ("MMS", "MMS"),
    "message|iMessage": ("iMessage", "iMessages"),
    "call|Phone": ("call", "calls"),
}
MAX_CONVERSATIONS_NAMED = 12  # in a not-compared line; then "…"


def _kind_words(kind: str) -> tuple[str, str]:
    """How a kind of record (kind|service) is said, one and many: "SMS", "iMessages", "RCS messages", "calls"."""
    if kind in _KIND_WORDS:
        return _KIND_WORDS[kind]
    record, _, service = kind.partition("|")
    noun = "call" if record == "call" else "message"
    return (f"{service} {noun}", f"{service} {noun}s") if service else (noun, f"{noun}s")


def not_compared(seen: Seen) -> list[str]:
    """What `record` could not compare under the kind rule (see the module), a line a kind: how many archived
    messages of it, in which of the conversations the export holds, and why. [] when nothing."""
    by_kind: dict[str, dict[int, int]] = {}
    for (c, k), n in sorted((seen.not_compared or {}).items(), key=lambda item: (item[0][1], item[0][0])):
        by_kind.setdefault(k, {})[c] = n
    lines = []
    for kind, per_conversation in by_kind.items():
        n = sum(per_conversation.values())
        one, many = _kind_words(kind)
        named = [str(c) for c in per_conversation]
        listed = ", ".join(named[:MAX_CONVERSATIONS_NAMED]) + (" …" if len(named) > MAX_CONVERSATIONS_NAMED else "")
        lines.append(
            f"{n:,} {one if n == 1 else many} of conversation{'s' if len(named) != 1 else ''} {listed} (archived before)"
            f" {'was' if n == 1 else 'were'} not compared: this export holds no {many}, so whether"
            f" {'it is' if n == 1 else 'they are'} still on the phone is not known"
        )
    return lines


def import_line(missing: int, seen_again: int) -> str:
    """What an import found of its phone, one line (`textfile import`, the weekly run's log); "" when nothing."""
    said = []
    if missing:
        said.append(
            f"no longer on the phone: {missing:,} message{'s' if missing != 1 else ''} an earlier export of this phone"
            f" held {'are' if missing != 1 else 'is'} not in this one, inside the span it covers: deleted on the phone,"
            " or left out of the export"
        )
    if seen_again:
        said.append(
            f"held again: {seen_again:,} message{'s' if seen_again != 1 else ''} an earlier export of this phone lacked"
            f" {'are' if seen_again != 1 else 'is'} in this one: that export left {'them' if seen_again != 1 else 'it'} out"
        )
    return f"{'; '.join(said)} (textfile coverage)" if said else ""
