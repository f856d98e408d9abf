"""`textfile deletable` answers, per conversation, how far it is safe to delete it from the phone: every
archived message up to that instant is in a transcript whose file still exists, still has the
recorded sha256, and still shows the message's current content, or the same content as an earlier
reading gave it (a zone corrected, a number read anew: the phone holds what the transcript shows,
proven by hashing the current message with that reading, `integrity.earlier_state`). A message the
transcript shows as it was before a later import changed what it says (an edit or a deletion in a
later export, a change in the source) is "changed since its transcript", not covered: the phone
holds its new state and no transcript does yet; the next weekly run renders the matter again.

An attachment whose bytes the archive does not hold (a WhatsApp export made without media, an MMS part
left out or corrupt: `coverage_report.not_archived`) is in no transcript either: only its name and why
are. A thread whose messages up to that instant have one is never said safe to delete: its texts are,
and the verdict says how many attachments deleting the thread from the phone loses, and how to fill
them in (an import holding their bytes makes a new version of each message: "changed since its
transcript" until the matter is rendered again). It is not blocked for good: where the media is kept
elsewhere or not needed, the person reads what deleting loses and may delete anyway (`safe` stays
false: the verdict is theirs to weigh, not textfile's to give).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from textfile import audit, ignore, times
from textfile.archive import Archive
from textfile.errors import IntegrityFailed
from textfile.filing.conversations import COVERED
from textfile.ignore import ClientRelated, IgnoreMark
from textfile.integrity import FINE, earlier_state, transcript_states
from textfile.lifecycle.coverage_report import NotArchived, not_archived, not_archived_said
from textfile.results import Result, omit_empty
from textfile.sqlparams import chunks, marks


@dataclass(slots=True, eq=False)
class Source(Result):
    """An import that holds messages of the conversation (custodian: the client whose own phone it read; None: the owner's)."""

    file_name: str
    imported_at: str | None
    last_message: str | None
    custodian: str | None


@dataclass(slots=True, eq=False)
class BrokenTranscript(Result):
    path: str
    state: str  # missing or altered


@dataclass(slots=True, eq=False)
class Verdict(Result):
    """How far a conversation is safe to delete from the phone, and why (`verdict`, in words)."""

    conversation: int
    platform: str
    title: str | None
    participants: list[str]
    messages: int  # on the owner's phone
    last_archived: str | None
    last_archived_precision: str | None
    sources: list[Source]
    safe_until: str | None
    safe_until_precision: str | None
    safe_until_number: str | None  # that message's number in the latest verified transcript showing it ("2.340")
    untranscribed: int
    unfiled: int
    broken_transcripts: list[BrokenTranscript]
    legal_hold: list[str]  # the held matters it is filed to
    ignored: IgnoreMark | None
    elsewhere: list[str]  # found only on clients' own phones (each source a `--custodian` import): those clients
    changed_since_transcript: int = 0
    # the attachments of the messages up to `safe_until` whose bytes the archive does not hold (deleting the
    # thread from the phone loses them), and how many; the JSON has them only when there are
    attachments_not_archived: int | None = omit_empty(default=None)
    attachments_not_archived_at: list[NotArchived] = omit_empty(default_factory=list)
    verdict: str = ""
    safe: bool = False
    # one set aside (`ignored`) that is filed or holds a client's handle: judged as any other, never "delete when you like"
    client_related: ClientRelated | None = omit_empty(default=None)

    @property
    def aside(self) -> bool:
        """Set aside as not client-related, on no hold: "delete when you like", listed last."""
        return self.ignored is not None and self.client_related is None and not self.legal_hold


def deletable(archive: Archive) -> list[Verdict]:
    failing = failing_checks(archive)
    if failing:
        raise IntegrityFailed(
            f"the archive fails its checks ({failing[0]}{' …' if len(failing) > 1 else ''}): nothing can be said safe to"
            " delete until `textfile verify` passes"
        )
    return verdicts(archive)


def failing_checks(archive: Archive) -> list[str]:
    """What a verdict rests on, checked: the filings, holds and transcripts the archive records. None is
    given when its record of them does not hold (a hold lifted or a filing removed outside textfile)."""
    conn = archive.conn
    return audit.verify(conn, archive.path) + audit.check_records(conn) + audit.check_holds(conn)


def verdicts(archive: Archive, states: dict[int, dict] | None = None) -> list[Verdict]:
    """`deletable`'s verdicts on an archive whose checks passed (`failing_checks`); `states`: the
    transcripts' (integrity.transcript_states), when the caller has them already."""
    conn = archive.conn
    states = transcript_states(conn) if states is None else states
    coverage = _Coverage(conn, states)
    broken = _broken_by_conversation(conn, states)
    holds = _holds(conn)
    ignored = ignore.ignored(conn)
    related = ignore.client_related(conn) if ignored else {}
    attachments = not_archived(conn)
    tz = times.zone(archive.settings.tz)
    out = []
    for c in conn.execute("SELECT id, platform, title FROM conversations ORDER BY id").fetchall():
        entry = _judged(
            conn,
            c,
            coverage,
            broken.get(c["id"], []),
            holds.get(c["id"], []),
            ignored.get(c["id"]),
            attachments.get(c["id"], []),
        )
        entry.client_related = related.get(c["id"]) if entry.ignored else None
        entry.verdict, entry.safe = _verdict(entry, tz)
        out.append(entry)
    # The verdicts that ask something of a person first (a hold, not safe, not yet), then the safe
    # ones, then the threads a person set aside, so the verdicts that matter come first.
    return sorted(out, key=lambda e: (e.aside, bool(e.elsewhere), e.safe))


class _Coverage:
    """Whether verified transcripts show a message: "covered" (as it is, or as an earlier reading of the
    same thing), "changed" (a state a later import replaced: the new state is in no transcript), or "none"."""

    def __init__(self, conn: sqlite3.Connection, states: dict[int, dict]):
        self.conn = conn
        self.audited: dict = {}
        good = [tid for tid, s in states.items() if s["state"] == "ok"]
        self.good = set(good)
        # message id -> the content hashes verified transcripts show of it, each with the transcripts showing it
        self.transcribed: dict[str, dict[str, set[int]]] = {}
        for chunk in chunks(good):
            for mid, digest, tid in conn.execute(
                "SELECT message_id, content_hash, transcript_id FROM transcript_messages"
                f" WHERE transcript_id IN ({marks(chunk)})",
                chunk,
            ):
                self.transcribed.setdefault(mid, {}).setdefault(digest, set()).add(tid)
        self.file: set[int] | None = None  # the transcripts of the conversation's matters (`of_file`)

    def of_file(self, conversation_id: int) -> None:
        """Count, for this conversation, only the transcripts of the matters it is filed to (a client's
        transcript: of those matters' clients): one of another client's matter, made before the conversation was
        filed elsewhere by mistake, puts its texts in the wrong file, not in theirs. A conversation filed nowhere
        keeps every transcript (its verdict says it is filed nowhere)."""
        matters = [
            r[0]
            for r in self.conn.execute(
                "SELECT DISTINCT matter_id FROM filings WHERE conversation_id = ?", (conversation_id,)
            )
        ]
        self.file = (
            None
            if not matters
            else {
                r[0]
                for r in self.conn.execute(
                    "SELECT t.id FROM transcripts t WHERE t.matter_id IN (SELECT value FROM json_each(?1))"
                    " OR (t.matter_id IS NULL AND t.client_id IN"
                    " (SELECT client_id FROM matters WHERE id IN (SELECT value FROM json_each(?1))))",
                    (json.dumps(matters),),
                )
            }
        )

    def __call__(self, m) -> str:
        shown = [
            digest
            for digest, tids in self.transcribed.get(m["id"], {}).items()
            if self.file is None or tids & self.file
        ]
        if m["content_hash"] in shown:
            return "covered"
        states = [
            s
            for s in (earlier_state(self.conn, m["id"], digest, self.audited) for digest in shown)
            if s and not s["problems"]
        ]
        return "covered" if any(s["reading_only"] for s in states) else "changed" if states else "none"

    def number(self, message_id: str) -> str | None:
        """The message's number in the latest verified transcript that shows it (as that transcript numbered it)."""
        from textfile.transcript.content import number_at

        for transcript_id, position, scope in self.conn.execute(
            "SELECT t.id, tm.position, t.scope FROM transcript_messages tm JOIN transcripts t ON t.id = tm.transcript_id"
            " WHERE tm.message_id = ? ORDER BY t.id DESC",
            (message_id,),
        ):
            if transcript_id in self.good and (self.file is None or transcript_id in self.file):
                try:
                    numbering = json.loads(scope or "{}").get("numbering")
                except (ValueError, AttributeError):
                    numbering = None
                return str(number_at(numbering, position))
        return None


def _broken_by_conversation(conn: sqlite3.Connection, states: dict[int, dict]) -> dict[int, list[BrokenTranscript]]:
    """The transcripts missing or altered, by the conversations filed to their matters."""
    broken: dict[int, list[BrokenTranscript]] = {}
    for s in states.values():
        if s["state"] not in FINE and s["matter_id"] is not None:
            for (conv_id,) in conn.execute(
                "SELECT DISTINCT conversation_id FROM filings WHERE matter_id = ?", (s["matter_id"],)
            ):
                broken.setdefault(conv_id, []).append(BrokenTranscript(s["path"], s["state"]))
    return broken


def _holds(conn: sqlite3.Connection) -> dict[int, list[str]]:
    """The held matters each conversation is filed to."""
    holds: dict[int, list[str]] = {}
    for conv_id, reference in conn.execute(
        "SELECT DISTINCT f.conversation_id, mt.reference FROM filings f JOIN matters mt ON mt.id = f.matter_id"
        " WHERE mt.legal_hold = 1 ORDER BY mt.reference"
    ):
        holds.setdefault(conv_id, []).append(reference)
    return holds


def _sources(conn: sqlite3.Connection, conversation_id: int) -> list[Source]:
    return [
        Source(r["file_name"], r["finished_at"], r["last"], r["custodian"])
        for r in conn.execute(  # (each part of the sightings, textfile/sightings.py, summed up by import first)
            "SELECT i.file_name, i.finished_at, max(s.last) AS last, cl.name AS custodian FROM ("
            "SELECT m.import_id, max(m.sent_at) AS last FROM messages m WHERE m.conversation_id = ?1"
            " AND m.source_ref IS NOT NULL GROUP BY m.import_id"
            " UNION ALL SELECT s.import_id, max(m.sent_at) FROM message_sightings s JOIN messages m ON m.id = s.message_id"
            " WHERE m.conversation_id = ?1 GROUP BY s.import_id"
            ") s JOIN imports i ON i.id = s.import_id"
            " LEFT JOIN import_custodians ic ON ic.import_id = i.id LEFT JOIN clients cl ON cl.id = ic.client_id"
            " GROUP BY i.id ORDER BY i.id",
            (conversation_id,),
        )
    ]


def _owners_messages(conn: sqlite3.Connection, conversation_id: int, sources: list[Source]) -> list[sqlite3.Row]:
    """The conversation's messages a verdict is about, in time order: those found on the owner's phone
    where a client's phone holds the thread too (one found on the client's alone says nothing of how far
    the owner's copy may go: walk 15c), else all of them."""
    mixed = any(x.custodian for x in sources) and not all(x.custodian for x in sources)
    return conn.execute(
        f"SELECT m.id, m.sent_at, coalesce(m.time_precision, 'millisecond') AS time_precision, m.content_hash, {COVERED} AS filed"
        " FROM messages m WHERE m.conversation_id = ?"
        + (
            " AND EXISTS (SELECT 1 FROM message_sources s LEFT JOIN import_custodians ic ON ic.import_id = s.import_id"
            "             WHERE s.message_id = m.id AND ic.import_id IS NULL)"
            if mixed
            else ""
        )
        + " ORDER BY m.sent_at, m.id",
        (conversation_id,),
    ).fetchall()


def _judged(
    conn: sqlite3.Connection,
    c: sqlite3.Row,
    coverage: _Coverage,
    broken: list[BrokenTranscript],
    holds: list[str],
    ignored: IgnoreMark | None,
    attachments: list[NotArchived],
) -> Verdict:
    """A conversation's facts, and how far verified transcripts cover its messages (the verdict in words: `_verdict`);
    `attachments`: its attachments not in the archive (those of the messages up to the safe instant are the verdict's)."""
    people = [
        r[0]
        for r in conn.execute(
            "SELECT coalesce(display_name, handle) FROM participants WHERE conversation_id = ? AND is_owner = 0 ORDER BY handle",
            (c["id"],),
        )
    ]
    sources = _sources(conn, c["id"])
    messages = _owners_messages(conn, c["id"], sources)
    coverage.of_file(c["id"])
    covered = [coverage(m) for m in messages]
    first_gap = next((i for i, said in enumerate(covered) if said != "covered"), len(messages))
    safe = messages[first_gap - 1] if first_gap else None
    up_to_safe = {m["id"] for m in messages[:first_gap]}
    lost = [a for a in attachments if a.message_id in up_to_safe]
    return Verdict(
        conversation=c["id"],
        platform=c["platform"],
        title=c["title"],
        participants=people,
        messages=len(messages),
        last_archived=messages[-1]["sent_at"] if messages else None,
        last_archived_precision=messages[-1]["time_precision"] if messages else None,
        sources=sources,
        safe_until=safe["sent_at"] if safe else None,
        safe_until_precision=safe["time_precision"] if safe else None,
        safe_until_number=coverage.number(safe["id"]) if safe else None,
        untranscribed=covered[first_gap:].count("none"),
        unfiled=sum(1 for m in messages if not m["filed"]),
        broken_transcripts=broken,
        legal_hold=holds,
        ignored=ignored,
        elsewhere=sorted({x.custodian for x in sources}) if sources and all(x.custodian for x in sources) else [],
        changed_since_transcript=covered[first_gap:].count("changed"),
        attachments_not_archived=len(lost) or None,
        attachments_not_archived_at=lost,
    )


def _verdict(e: Verdict, tz) -> tuple[str, bool]:
    if e.legal_hold:
        # Preserving evidence includes the phone's copy: nothing under a hold is deleted anywhere.
        matters = ", ".join(e.legal_hold)
        return (
            f"not safe: under legal hold (matter {matters}); keep it on the phone until the hold is released"
            f" (textfile matter release REF)"
        ), False
    if e.elsewhere:
        # Found only on a client's own phone (`--custodian`): not the owner's to delete, whatever is transcribed.
        return (
            f"not on your phone: found on {' and '.join(e.elsewhere)}'s phone only; nothing of it is yours to delete"
            " (the archive keeps it)"
        ), False
    if e.aside:
        return f"not client-related ({ignore.said(e.ignored, tz)}) — delete when you like", True
    if not e.messages:
        return "nothing archived yet", False
    if e.unfiled and e.client_related:  # set aside, yet filed or a client's: what it holds is in no transcript
        return (
            f"not safe: {e.unfiled} message{'s' if e.unfiled != 1 else ''} in no matter; it is set aside"
            f" ({ignore.said(e.ignored, tz)}), but {e.client_related.why}: textfile file {e.conversation}"
            " --matter REF (then a transcript)"
        ), False
    if e.unfiled:
        return (
            f"not safe: {e.unfiled} message{'s' if e.unfiled != 1 else ''} in no matter: textfile file {e.conversation}"
            f" --matter REF (then a transcript), or, if not client-related, textfile conversation ignore {e.conversation}"
        ), False
    return _coverage_said(e, times.display(e.safe_until, tz, e.safe_until_precision))


def _coverage_said(e: Verdict, safe_until: str) -> tuple[str, bool]:
    """The verdict on a filed conversation: safe up to when, what is not yet, what to do about it."""
    broken = "; ".join(
        f"transcript {b.path} is {b.state}"
        + (" (moved? textfile verify --moved NEW.pdf)" if b.state == "missing" else "")
        for b in e.broken_transcripts
    )
    changed, untranscribed = e.changed_since_transcript, e.untranscribed
    number = (
        f" (#{e.safe_until_number})" if e.safe_until_number else ""
    )  # (as the latest transcript showing it numbers it)
    safe = f"safe to delete from the phone up to {safe_until}{number}"
    if e.attachments_not_archived:  # the texts are; what the archive does not hold of them is lost with the thread
        safe = (
            f"safe to delete the texts from the phone up to {safe_until}{number}, not the media:"
            f" {not_archived_said(e.attachments_not_archived_at, e.platform)}, or delete anyway where"
            f" {'they are' if e.attachments_not_archived != 1 else 'it is'} kept elsewhere or not needed"
        )
    if not untranscribed and not changed:
        return (f"{safe} (note: {broken})" if broken else safe), not e.attachments_not_archived
    after = f" after {safe_until}" if safe_until else ""
    parts = []
    if changed:  # a transcript shows it as it was before a later import changed it; the phone holds the new state
        parts.append(
            f"{changed} message{'s' if changed != 1 else ''}{after} changed since {'their' if changed != 1 else 'its'} transcript"
        )
    if untranscribed:
        parts.append(
            f"{untranscribed}{'' if parts else ' message' + ('s' if untranscribed != 1 else '') + after}"
            f" {'are' if untranscribed != 1 else 'is'} in no transcript"
        )
    verdict = "not yet: " + " and ".join(parts)
    if safe_until:
        verdict = f"{safe}; " + verdict
    if broken:
        verdict += f" ({broken}: render the matter again)"
    elif changed:
        verdict += " (render the matter again)"
    return verdict, False
