"""Redactions: a span of a message's text withheld from what is produced, the original always kept.

Decisions, and why:
- **The archive never changes.** A redaction is a row (m028): the message, the version its span was
  chosen in (content hash), the span as code-point offsets, the sha256 of its words, the reason
  (privileged, PII, other), who and when. The message keeps every character; a production shows a
  black box (PDF) or "[REDACTED: PII]" (RSMF, CSV, JSONL, text) in the span's place.
- **Named by its words.** `redact MESSAGE --span "…"` finds the words in the message's text as it is
  now, exactly (no case folding, no normalising: evidence is matched as sent), else in its latest earlier
  version that holds them (an edit took them out: the redaction then withholds the earlier versions). Words found more
  than once are refused unless `--occurrence N` or `--all` says which; words not found are refused.
  A span that overlaps a redaction already made is refused (say it once).
- **Never at the wrong place.** When a production applies the redactions, each span's words must
  still hash to what was chosen; a message whose text changed under a redaction (a later export
  with an edit) and still holds the words elsewhere is refused by name, never redacted at offsets
  that now cover other words (withdraw it and redact the words where they are now).
- **Words edited away stay withheld.** When a later export's edit took the words out of the text
  altogether, they are left in the earlier version the redaction was made on only: the redaction
  stays in force on it (`Span.earlier`), a production shows the text as it is now, whole, and withholds
  the earlier versions, as for every redacted message. Withdrawing it would hand them over.
- **Fixed on the record.** A mistake is withdrawn (`unredact N --reason`), never deleted; both
  are audited with ids, offsets and sha256 (of the span, of the reason), never the words: a disposal
  must be able to remove every byte of the text, and the audit log is append-only.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from typing import NamedTuple

from textfile import audit, times
from textfile.errors import Conflict, InvalidInput, NotFound
from textfile.results import Result, omit_empty

__all__ = [
    "LABELS",
    "REASONS",
    "Redaction",
    "Span",
    "add",
    "apply",
    "listed",
    "placed",
    "segments",
    "spans",
    "withdraw",
]

REASONS = ("privileged", "PII", "other")
LABELS = {"privileged": "Privileged", "PII": "PII", "other": "Redacted"}
MARK = "[REDACTED: {label}]"  # the span's place in text outputs


class Span(NamedTuple):
    """A redaction as a production applies it: code-point offsets in the body, and the reason. `earlier`:
    its words are in an earlier version of the message only (a later export edited them away): nothing of
    the text shown now is covered, and the message's earlier versions are withheld, as for every redaction."""

    id: int
    start: int
    end: int
    reason: str
    earlier: bool = False


@dataclass(slots=True, eq=False)
class Redaction(Result):
    """A redaction as `redact` and `redact list` give it (never its words: their sha256)."""

    id: int
    message_id: str
    number: str  # "2.15", as the message is numbered now
    matter: list[str]
    start: int
    end: int
    span_sha256: str
    reason: str
    created_at: str
    created_by: str
    withdrawn_at: str | None = omit_empty(default=None)
    withdrawn_by: str | None = omit_empty(default=None)
    # in force, where its words are not in the message's text as made (a later export's edit): "earlier
    # version" (edited away: withheld with the earlier versions), or "moved" (`produce` refuses until redone)
    words: str | None = omit_empty(default=None)
    # the productions that handed the message over before (its words went out in them): production, bates
    produced: list[dict] = omit_empty(default_factory=list)
    # (`redact`) the number named, when the newest transcript printing it gave another message
    # (notes/messages.py `printed_otherwise`): said as a warning, the words redacted all the same
    warnings: list[str] = omit_empty(default_factory=list)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _reason(reason: str) -> str:
    for r in REASONS:
        if reason.strip().lower() == r.lower():
            return r
    raise InvalidInput(f"--reason must be one of {', '.join(REASONS)}: not {reason!r}")


def _found(body: str, span: str) -> list[int]:
    """Where the words begin in the body, every place, overlapping places too."""
    at, found = body.find(span), []
    while at >= 0:
        found.append(at)
        at = body.find(span, at + 1)
    return found


def add(
    conn: sqlite3.Connection, message: str, span: str, reason: str, occurrence: int | None = None, every: bool = False
) -> list[Redaction]:
    """Redact the words `span` of a message (as `#2.15` or an id's start names it): one redaction per
    place chosen; audited ("redact"). A number that a transcript made before printed for another
    message is warned of (`warnings`), as `note add` warns of it."""
    from textfile.notes.messages import printed_otherwise, resolve

    if not span:
        raise InvalidInput("--span names the words to redact: it is empty")
    reason = _reason(reason)
    [mid] = resolve(conn, [message])
    row = conn.execute("SELECT id, body, content_hash FROM messages WHERE id = ?", (mid,)).fetchone()
    body, chosen_in, version = row["body"] or "", row["content_hash"], None
    places = _found(body, span)
    if not places:  # (words an edit took out: in an earlier version only, which a production then withholds)
        for v, earlier, digest in conn.execute(
            "SELECT version, body, content_hash FROM message_versions WHERE message_id = ? ORDER BY version DESC",
            (mid,),
        ):
            if _found(earlier or "", span):
                body, version, places = earlier, v, _found(earlier, span)
                chosen_in = digest or chosen_in  # (a version the edit history gave has no hash of its own)
                break
    if not places:  # (a number typed from a transcript made before the numbers moved: the likely cause, said)
        moved = printed_otherwise(conn, [message], "the redaction")
        raise InvalidInput(
            f"message {message} does not hold those words (matched exactly, as sent)"
            + "".join(f"; {warning}" for warning in moved)
        )
    if occurrence is not None:
        if not 1 <= occurrence <= len(places):
            raise InvalidInput(
                f"the words occur {'once' if len(places) == 1 else f'{len(places)} times'} in message {message}:"
                f" no occurrence {occurrence}"
            )
        places = [places[occurrence - 1]]
    elif len(places) > 1 and not every:
        raise InvalidInput(
            f"the words occur {len(places)} times in message {message}: say which with --occurrence N, or --all"
        )
    # (the offsets of the text now, for words of the text now; an earlier version's redactions withhold it whole)
    taken = [s for s in placed(conn, [mid]).get(mid, []) if not s.earlier] if version is None else []
    by, now = audit.current_user(), times.now_iso()
    made = []
    for start in places:
        end = start + len(span)
        clash = next((s for s in taken if s.start < end and start < s.end), None)
        if clash is not None:
            raise Conflict(f"those words overlap redaction {clash.id} of message {message}: nothing was redacted")
        made.append(
            conn.execute(
                'INSERT INTO redactions (message_id, content_hash, start, "end", span_sha256, reason, created_at, created_by)'
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (mid, chosen_in, start, end, _sha(span), reason, now, by),
            ).lastrowid
        )
        taken.append(Span(made[-1], start, end, reason))
    audit.append(
        conn,
        "redact",
        {
            "message": mid,
            "content_hash": chosen_in,
            **({"version": version} if version is not None else {}),
            "redactions": [{"id": n, "start": s, "end": s + len(span)} for n, s in zip(made, places)],
            "span_sha256": _sha(span),
            "reason": reason,
        },
    )
    found = _read(conn, "r.id IN (SELECT value FROM json_each(?))", (_json(made),))
    warnings = printed_otherwise(conn, [message], "the redaction")
    if version is not None:
        warnings = [
            f"the words are in an earlier version of message {message} only (version {version}): a production shows"
            " its text as it is now, whole, and withholds its earlier versions",
            *warnings,
        ]
    for r in found:
        r.produced = handed_over(conn, mid, r.start, r.end)
        r.warnings = warnings
    return found


def handed_over(conn: sqlite3.Connection, message_id: str, start: int, end: int) -> list[dict]:
    """The productions that handed these characters of a message over as they are: those that produced
    it with no redaction over them (a production that redacted them is not named)."""
    return [
        {"production": p, "bates": b}
        for p, b in conn.execute(
            "SELECT pm.production_id, pm.bates FROM production_messages pm WHERE pm.message_id = ?"
            " AND NOT EXISTS (SELECT 1 FROM json_each(pm.redactions) j JOIN redactions r ON r.id = j.value"
            ' WHERE r.start < ? AND ? < r."end") ORDER BY pm.production_id',
            (message_id, end, start),
        )
    ]


def withdraw(conn: sqlite3.Connection, redaction: int, why: str) -> Redaction:
    """Withdraw a redaction made by mistake (kept on the record, no longer applied); audited."""
    why = (why or "").strip()
    if not why:
        raise InvalidInput("say why the redaction is withdrawn (--reason)")
    found = _read(conn, "r.id = ?", (redaction,))
    if not found:
        raise NotFound(f"no redaction {redaction} (see `textfile redactions`)")
    if found[0].withdrawn_at:
        raise Conflict(
            f"redaction {redaction} was already withdrawn on {times.display(found[0].withdrawn_at, times.archive_zone(conn))}"
        )
    by, now = audit.current_user(), times.now_iso()
    conn.execute(
        "UPDATE redactions SET withdrawn_at = ?, withdrawn_by = ?, withdrawn_why_sha256 = ? WHERE id = ?",
        (now, by, _sha(why), redaction),
    )
    audit.append(conn, "unredact", {"redaction": redaction, "message": found[0].message_id, "why_sha256": _sha(why)})
    return _read(conn, "r.id = ?", (redaction,))[0]


def listed(conn: sqlite3.Connection, matter: str | None = None, withdrawn: bool = False) -> list[Redaction]:
    """The redactions (of the messages filed to a matter, or all), in the order they were made."""
    cond, params = ("1", ())
    if matter:
        from textfile.filing.names import live_matter_row

        mt = live_matter_row(conn, matter, "it has no redactions left")
        cond, params = (
            "EXISTS (SELECT 1 FROM messages m JOIN filings f ON f.conversation_id = m.conversation_id"
            " WHERE m.id = r.message_id AND f.matter_id = ?"
            " AND (f.from_at IS NULL OR m.sent_at >= f.from_at) AND (f.until_at IS NULL OR m.sent_at <= f.until_at))",
            (mt["id"],),
        )
    if not withdrawn:
        cond += " AND r.withdrawn_at IS NULL"
    return _read(conn, cond, params)


def _read(conn: sqlite3.Connection, cond: str, params: tuple) -> list[Redaction]:
    from textfile.notes.messages import number_of

    rows = conn.execute(
        "SELECT r.*, m.conversation_id, m.sent_at, m.rowid AS message_rowid,"
        " (SELECT json_group_array(mt.reference) FROM filings f JOIN matters mt ON mt.id = f.matter_id"
        "  WHERE f.conversation_id = m.conversation_id AND (f.from_at IS NULL OR m.sent_at >= f.from_at)"
        "  AND (f.until_at IS NULL OR m.sent_at <= f.until_at)) AS matters"
        f" FROM redactions r JOIN messages m ON m.id = r.message_id WHERE {cond} ORDER BY r.id",
        params,
    ).fetchall()
    where = {
        s.id: "earlier version" if s.earlier else "moved"
        for spans_of in placed(conn, {r["message_id"] for r in rows if r["withdrawn_at"] is None}).values()
        for s in spans_of
        if s.earlier or s.start < 0
    }
    return [
        Redaction(
            r["id"],
            r["message_id"],
            number_of(conn, r["conversation_id"], r["sent_at"], r["message_rowid"]),
            sorted(json.loads(r["matters"])),
            r["start"],
            r["end"],
            r["span_sha256"],
            r["reason"],
            r["created_at"],
            r["created_by"],
            r["withdrawn_at"],
            r["withdrawn_by"],
            where.get(r["id"]),
        )
        for r in rows
    ]


def _json(values) -> str:
    return json.dumps(list(values))


def in_force(conn: sqlite3.Connection, message_ids) -> set[str]:
    """The messages of `message_ids` with a redaction in force."""
    return set(_active(conn, message_ids))


def _active(conn: sqlite3.Connection, message_ids) -> dict[str, list[Span]]:
    found: dict[str, list[Span]] = {}
    for r in conn.execute(
        'SELECT id, message_id, start, "end", reason FROM redactions'
        " WHERE withdrawn_at IS NULL AND message_id IN (SELECT value FROM json_each(?)) ORDER BY message_id, start",
        (_json(message_ids),),
    ):
        found.setdefault(r[1], []).append(Span(r[0], r[2], r[3], r[4]))
    return found


def spans(conn: sqlite3.Connection, message_ids) -> dict[str, list[Span]]:
    """The redactions in force on these messages, by message, in text order; refused (Conflict) when a
    message's text no longer holds the words a redaction was made on, at its place."""
    found = placed(conn, message_ids)
    moved = sorted(s.id for spans_of in found.values() for s in spans_of if s.start < 0)
    if moved:
        said = ", ".join(str(n) for n in moved)
        raise Conflict(
            f"the text under redaction{'s' if len(moved) > 1 else ''} {said} changed since it was made (a later export),"
            f" and the words are in it at another place now: withdraw {'each' if len(moved) > 1 else 'it'}"
            f' (`textfile unredact {moved[0]} --reason "the words moved"`) and redact the words where they are now'
        )
    return found


def placed(conn: sqlite3.Connection, message_ids) -> dict[str, list[Span]]:
    """The redactions in force on these messages, each where its words are in the text now: at its place
    (as made); in an earlier version only (`earlier`: edited away since); or, moved to another place, with
    a start of -1 (`spans` refuses them)."""
    found = _active(conn, message_ids)
    if not found:
        return found
    bodies = dict(
        conn.execute("SELECT id, body FROM messages WHERE id IN (SELECT value FROM json_each(?))", (_json(found),))
    )
    words = dict(
        conn.execute(
            "SELECT id, span_sha256 FROM redactions WHERE withdrawn_at IS NULL"
            " AND message_id IN (SELECT value FROM json_each(?))",
            (_json(found),),
        )
    )
    at: dict[str, list[Span]] = {}
    for mid, spans_of in found.items():
        body = bodies.get(mid) or ""
        for s in spans_of:
            if _sha(body[s.start : s.end]) != words[s.id]:
                elsewhere = any(_sha(body[i : i + s.end - s.start]) == words[s.id] for i in range(len(body)))
                s = s._replace(start=-1, end=-1) if elsewhere else s._replace(earlier=True)
            at.setdefault(mid, []).append(s)
    return at


def segments(body: str, spans_of_message: list[Span]) -> list[tuple[str, str | None]]:
    """The body as runs: (text, None) as sent, ("", label) where a span is redacted."""
    runs: list[tuple[str, str | None]] = []
    at = 0
    for span in sorted((s for s in spans_of_message if not s.earlier), key=lambda s: s.start):
        if span.start > at:
            runs.append((body[at : span.start], None))
        runs.append(("", LABELS[span.reason]))
        at = max(at, span.end)
    if at < len(body):
        runs.append((body[at:], None))
    return runs


def apply(body: str | None, spans_of_message: list[Span]) -> str | None:
    """The body as a production's text shows it: each span replaced by "[REDACTED: PII]" (`_mark`)."""
    if body is None or not spans_of_message:
        return body
    return "".join(text if label is None else _mark(label) for text, label in segments(body, spans_of_message))


def _mark(label: str) -> str:
    """ "[REDACTED: PII]", "[REDACTED: Privileged]"; "[REDACTED]" for a reason of "other" (as the PDF's box says)."""
    return "[REDACTED]" if label == LABELS["other"] else MARK.format(label=label)
