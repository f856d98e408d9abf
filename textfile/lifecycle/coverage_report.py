"""`textfile coverage`: per conversation, what the archive may be missing, and why it is thought so.

Decisions (the rules are stated in `RULES`, printed by the command's help and the README):
- **Messages no longer on the phone**: the `missing_from_phone` records the imports made
  (coverage.py), grouped by the export that first lacked them, the export that last held them and
  the export that held them again, if one did (then that export was cut: "left out", not "deleted").
- **A hole in a regular thread**: in a conversation of at least HOLE_MIN_MESSAGES messages, a gap
  between two consecutive messages longer than HOLE_TIMES times the conversation's median gap and
  longer than HOLE_MIN_DAYS days. A thread that simply went quiet looks the same: it is said, not judged.
- **The WhatsApp cap**: an export holding at least CAP_NEARLY of WHATSAPP_CAP messages of a chat
  (of WHATSAPP_CAP_MEDIA when it brought a file of that chat): WhatsApp stops there, dropping the
  oldest, so messages before its first LINE may be missing (its time, not the earliest time: a line out of
  time order further down does not move where the cap cut, as in coverage.py's span). Said only when the
  archive holds no message of the chat before that line other than this export's own: when an earlier
  export brought older ones, the archive has them.
- **An archive that starts late**: a matter whose filed conversations' first message is more than
  LATE_DAYS days after the matter opened.
- **Attachments not in the archive**: a message's attachment whose bytes no import held (a WhatsApp export
  made without media, an MMS part left out of a backup or corrupt, an iMessage file not on the device): the
  archive keeps its name and why (`message_attachments.missing_reason`). Deleting the thread from the phone
  loses it for good; an import that holds its bytes fills it in (a new version of the message). Read by
  `deletable` (weekly/verdicts.py) and counted by `status` too (`not_archived`, `not_archived_count`).
- Over each conversation's whole history as archived (a filing's window aside); it reports and
  changes nothing (exit 0: `textfile status` is the command that asks for a person).
- Every message time is kept as stored (UTC, to the millisecond) with its message's precision beside it
  (`…_precision`: "minute" for a WhatsApp time written to the minute, "second", or "millisecond", as the
  conversation listings give it), so the command prints it no finer than the source wrote it.
"""

from __future__ import annotations

import sqlite3
import statistics
from dataclasses import dataclass, field

from textfile import sightings, times
from textfile.filing.names import live_matter_row
from textfile.results import Result, json_name, omit_empty

HOLE_MIN_MESSAGES = 20
HOLE_TIMES = 10
HOLE_MIN_DAYS = 14
WHATSAPP_CAP = 40_000
WHATSAPP_CAP_MEDIA = 10_000
CAP_NEARLY = 0.95
LATE_DAYS = 14
RULES = {
    "missing_from_phone": "a message an earlier export of the same phone held that a later one lacks, its time inside the"
    " span the later export covers for its conversation (first to last message): deleted on the phone, or left out of"
    " that export (if a later export holds it again)",
    "hole": f"a gap between two messages over {HOLE_TIMES}x the conversation's median gap and over {HOLE_MIN_DAYS} days,"
    f" in a conversation of at least {HOLE_MIN_MESSAGES} messages",
    "whatsapp_cap": f"an export holding at least {CAP_NEARLY:.0%} of {WHATSAPP_CAP:,} messages of a chat"
    f" ({WHATSAPP_CAP_MEDIA:,} with media): messages before its first line may be missing (said when no other"
    " export brought older ones)",
    "late_start": f"a matter whose conversations' first archived message is over {LATE_DAYS} days after it opened",
    "attachment_not_archived": "an attachment whose bytes no import held (an export made without media, a part left"
    " out or corrupt): deleting the thread from the phone loses it; an import that holds it fills it in",
}
DAY_S = 86_400
PRECISION = "coalesce(m.time_precision, 'millisecond')"  # (a message time's precision, as listings give it)


@dataclass(slots=True, eq=False)
class Export(Result):
    """An import of an export: its number, file name and when it was imported."""

    import_: int = json_name("import")
    file_name: str
    imported_at: str


@dataclass(slots=True, eq=False)
class Missing(Result):
    """Messages of a conversation an export lacked, held by an earlier export of the same phone."""

    messages: int
    first: str
    first_precision: str
    last: str
    last_precision: str
    lacking: Export  # the export that first lacked them
    last_seen: Export  # the last export of that phone that held them before
    seen_again: Export | None  # a later export of that phone that holds them again: the lacking one was cut
    message_ids: list[str]


@dataclass(slots=True, eq=False)
class Hole(Result):
    after: str  # the message before the gap
    after_precision: str
    before: str  # the message after it
    before_precision: str
    days: float
    median_hours: float


@dataclass(slots=True, eq=False)
class Cap(Result):
    export: Export
    messages: int
    media: bool
    cap: int
    first: str  # the time of the export's first line of the chat: messages before it may be missing
    first_precision: str


@dataclass(slots=True, eq=False)
class NotArchived(Result):
    """An attachment whose bytes the archive does not hold: its message, numbered as `conversation show`
    numbers it ("1.6"), its place among the message's attachments (from 1), its file name, and why."""

    message: str
    message_id: str
    attachment: int
    file_name: str | None
    reason: str

    @property
    def said(self) -> str:
        """The message and what the export named of the attachment: #1.14 PTT-20240312-WA0002.opus, or, where the
        export named no file, #1.6, media omitted."""
        if self.file_name:
            return f"#{self.message} {self.file_name}"
        return f"#{self.message}, {'media omitted' if 'omitted' in self.reason else 'no file name'}"


@dataclass(slots=True, eq=False)
class ConversationCoverage(Result):
    conversation: int
    title: str | None
    platform: str
    matters: list[str]
    messages: int
    first: str | None
    first_precision: str | None
    last: str | None
    last_precision: str | None
    missing: list[Missing] = field(default_factory=list)  # not held again: deleted on the phone, or cut
    left_out: list[Missing] = field(default_factory=list)  # held again by a later export: that export was cut
    holes: list[Hole] = field(default_factory=list)
    caps: list[Cap] = field(default_factory=list)
    attachments_not_archived: list[NotArchived] = field(default_factory=list)

    @property
    def problems(self) -> bool:
        return bool(self.missing or self.left_out or self.holes or self.caps or self.attachments_not_archived)


@dataclass(slots=True, eq=False)
class LateStart(Result):
    matter: str
    opened_at: str
    first: str  # the matter's first archived message
    first_precision: str
    days: float


@dataclass(slots=True, eq=False)
class CoverageReport(Result):
    matter: str | None
    conversations: list[ConversationCoverage]
    late_starts: list[LateStart] = omit_empty(default_factory=list)
    rules: dict = field(default_factory=lambda: dict(RULES))

    JSON_PROPERTIES = ("missing_from_phone", "attachments_not_archived")

    @property
    def missing_from_phone(self) -> int:
        return sum(g.messages for c in self.conversations for g in c.missing)

    @property
    def attachments_not_archived(self) -> int:
        return sum(len(c.attachments_not_archived) for c in self.conversations)


def report(conn: sqlite3.Connection, matter: str | None = None) -> CoverageReport:
    """The coverage of a matter's conversations, or of every filed conversation."""
    if matter is not None:
        row = live_matter_row(conn, matter, "its messages went with it: nothing is left to cover")
        matters = [row]
        ids = [
            r[0] for r in conn.execute("SELECT DISTINCT conversation_id FROM filings WHERE matter_id = ?", (row["id"],))
        ]
    else:
        matters = conn.execute(
            "SELECT * FROM matters WHERE id IN (SELECT matter_id FROM filings) ORDER BY reference"
        ).fetchall()
        ids = [r[0] for r in conn.execute("SELECT DISTINCT conversation_id FROM filings")]
    exports = _Exports(conn)
    conversations = [_conversation(conn, cid, exports) for cid in sorted(ids)]
    attachments = not_archived(conn)
    for c in conversations:
        c.attachments_not_archived = attachments.get(c.conversation, [])
    return CoverageReport(
        matters[0]["reference"] if matter is not None else None,
        conversations,
        [late for m in matters if (late := _late_start(conn, m))],
    )


def not_archived(conn: sqlite3.Connection) -> dict[int, list[NotArchived]]:
    """The attachments whose bytes the archive does not hold, by conversation, in message order. Numbering
    a message counts the messages before it: only the conversations holding such an attachment are read."""
    out: dict[int, list[NotArchived]] = {}
    for cid, number, mid, position, name, reason in conn.execute(
        "SELECT n.conversation_id, n.number, a.message_id, a.position, a.file_name, a.missing_reason FROM ("
        " SELECT m.id, m.conversation_id,"
        " row_number() OVER (PARTITION BY m.conversation_id ORDER BY m.sent_at, m.rowid) AS number FROM messages m"
        " WHERE m.conversation_id IN (SELECT m2.conversation_id FROM message_attachments a2"
        " JOIN messages m2 ON m2.id = a2.message_id WHERE a2.blob_sha256 IS NULL)"
        ") n JOIN message_attachments a ON a.message_id = n.id WHERE a.blob_sha256 IS NULL"
        " ORDER BY n.conversation_id, n.number, a.position"
    ):
        out.setdefault(cid, []).append(NotArchived(f"{cid}.{number}", mid, position + 1, name, reason))
    return out


def not_archived_said(attachments: list[NotArchived], platform: str) -> str:
    """How many attachments are not in the archive, the first named, what deleting the thread loses and how to
    fill them in (`coverage` and `deletable` say it alike); WhatsApp's way is to export the chat again with media."""
    n = len(attachments)
    first = f"the first {attachments[0].said}" if n > 1 else attachments[0].said
    them = "them" if n != 1 else "it"
    again = (
        "export the chat again with media and import it"
        if platform == "whatsapp"
        else f"import an export that holds {them}"
    )
    return (
        f"{n:,} attachment{'s' if n != 1 else ''} {'are' if n != 1 else 'is'} not in the archive ({first}):"
        f" deleting the thread from the phone loses {them}; {again} to fill {them} in"
    )


def not_archived_count(conn: sqlite3.Connection) -> int:
    """How many attachments of filed conversations the archive does not hold the bytes of (`status`)."""
    return conn.execute(
        "SELECT count(*) FROM message_attachments a JOIN messages m ON m.id = a.message_id"
        " WHERE a.blob_sha256 IS NULL AND m.conversation_id IN (SELECT conversation_id FROM filings)"
    ).fetchone()[0]


class _Exports:
    """Each import as an `Export`, read once."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn, self.found = conn, {}

    def __call__(self, import_id: int | None) -> Export | None:
        if import_id is None:
            return None
        if import_id not in self.found:
            name, at = self.conn.execute(
                "SELECT file_name, started_at FROM imports WHERE id = ?", (import_id,)
            ).fetchone()
            self.found[import_id] = Export(import_id, name, at)
        return self.found[import_id]


def _conversation(conn: sqlite3.Connection, cid: int, exports: _Exports) -> ConversationCoverage:
    c = conn.execute("SELECT title, platform FROM conversations WHERE id = ?", (cid,)).fetchone()
    matters = [
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT mt.reference FROM filings f JOIN matters mt ON mt.id = f.matter_id"
            " WHERE f.conversation_id = ? ORDER BY 1",
            (cid,),
        )
    ]
    timed = conn.execute(
        f"SELECT m.sent_at, {PRECISION} FROM messages m WHERE m.conversation_id = ? ORDER BY m.sent_at, m.rowid",
        (cid,),
    ).fetchall()
    found = ConversationCoverage(
        cid,
        c["title"],
        c["platform"],
        matters,
        len(timed),
        *(timed[0] if timed else (None, None)),
        *(timed[-1] if timed else (None, None)),
    )
    for group in _missing(conn, cid, exports):
        (found.left_out if group.seen_again else found.missing).append(group)
    found.holes = holes(timed)
    if c["platform"] == "whatsapp":
        found.caps = _caps(conn, cid, exports)
    return found


def _missing(conn: sqlite3.Connection, cid: int, exports: _Exports) -> list[Missing]:
    groups: dict[tuple, list] = {}
    for mid, sent_at, precision, lacking, seen, again in conn.execute(
        f"SELECT a.message_id, m.sent_at, {PRECISION}, a.import_id, a.last_seen_import_id, a.seen_again_import_id"
        " FROM missing_from_phone a JOIN messages m ON m.id = a.message_id WHERE m.conversation_id = ?"
        " ORDER BY a.import_id, m.sent_at, m.rowid",
        (cid,),
    ):
        groups.setdefault((lacking, seen, again), []).append((mid, sent_at, precision))
    return [
        Missing(
            len(rows),
            *rows[0][1:],
            *rows[-1][1:],
            exports(lacking),
            exports(seen),
            exports(again),
            [r[0] for r in rows],
        )
        for (lacking, seen, again), rows in groups.items()
    ]


def holes(timed: list[tuple[str, str]]) -> list[Hole]:
    """The gaps of a regular thread (`RULES["hole"]`), in time order, from its messages' (time, precision)
    in time order."""
    if len(timed) < HOLE_MIN_MESSAGES:
        return []
    seconds = [times.from_iso(t).timestamp() for t, _ in timed]
    gaps = [b - a for a, b in zip(seconds, seconds[1:])]
    median = statistics.median(gaps)
    return [
        Hole(*timed[i], *timed[i + 1], round(g / DAY_S, 1), round(median / 3600, 1))
        for i, g in enumerate(gaps)
        if g > HOLE_TIMES * median and g > HOLE_MIN_DAYS * DAY_S
    ]


def _caps(conn: sqlite3.Connection, cid: int, exports: _Exports) -> list[Cap]:
    """The exports of a WhatsApp chat that hold (nearly) as many of its messages as WhatsApp exports, and before
    whose first line the archive holds none of it (older ones an earlier export brought are here)."""
    out = []
    for import_id, n, media in conn.execute(
        "SELECT s.import_id, count(DISTINCT m.id), max(EXISTS (SELECT 1 FROM message_attachments a"
        " WHERE a.message_id = m.id AND a.blob_sha256 IS NOT NULL)) FROM messages m"
        " JOIN message_sources s ON s.message_id = m.id WHERE m.conversation_id = ? GROUP BY s.import_id ORDER BY s.import_id",
        (cid,),
    ):
        cap = WHATSAPP_CAP_MEDIA if media else WHATSAPP_CAP
        if n < CAP_NEARLY * cap:
            continue
        first, precision = _first_line(conn, cid, import_id)
        if not conn.execute(
            f"SELECT EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = ?1 AND m.sent_at < ?2 AND NOT {sightings.held('?3')})",
            (cid, first, import_id),
        ).fetchone()[0]:
            out.append(Cap(exports(import_id), n, bool(media), cap, first, precision))
    return out


def _first_line(conn: sqlite3.Connection, cid: int, import_id: int) -> tuple[str, str]:
    """The time (and its precision) of an export's first line of a chat: the cap drops the lines before it,
    whatever the times of the lines after it (a line out of time order is not the first), as the span in
    coverage.py reads it; the earliest time where no line is known."""
    return conn.execute(  # (the messages it found first, by their index by import; then its later sightings: m031)
        f"SELECT s.sent_at, s.precision FROM (SELECT m.source_ref, m.sent_at, {PRECISION} AS precision FROM messages m"
        " WHERE m.import_id = ?1 AND m.conversation_id = ?2 AND m.source_ref IS NOT NULL"
        f" UNION ALL SELECT s.source_ref, m.sent_at, {PRECISION} FROM message_sightings s"
        " JOIN messages m ON m.id = s.message_id WHERE s.import_id = ?1 AND m.conversation_id = ?2) s"
        " ORDER BY CASE WHEN s.source_ref LIKE 'line %' THEN CAST(substr(s.source_ref, 6) AS INTEGER) END IS NULL,"
        " CASE WHEN s.source_ref LIKE 'line %' THEN CAST(substr(s.source_ref, 6) AS INTEGER) END, s.sent_at LIMIT 1",
        (import_id, cid),
    ).fetchone()


def _late_start(conn: sqlite3.Connection, matter: sqlite3.Row) -> LateStart | None:
    """A matter whose first archived message came more than LATE_DAYS days after it opened."""
    row = conn.execute(
        f"SELECT m.sent_at, {PRECISION} FROM messages m JOIN filings f ON f.conversation_id = m.conversation_id"
        " WHERE f.matter_id = ? AND (f.from_at IS NULL OR m.sent_at >= f.from_at) AND (f.until_at IS NULL OR m.sent_at <= f.until_at)"
        " ORDER BY m.sent_at, m.rowid LIMIT 1",
        (matter["id"],),
    ).fetchone()
    if row is None:
        return None
    first, precision = row
    days = (times.from_iso(first).timestamp() - times.from_iso(matter["opened_at"]).timestamp()) / DAY_S
    return (
        LateStart(matter["reference"], matter["opened_at"], first, precision, round(days, 1))
        if days > LATE_DAYS
        else None
    )
