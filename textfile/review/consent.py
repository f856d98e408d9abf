"""Consent to be texted, opt-outs, and minors: what decides whether an outgoing text may be sent.

- A client's consent (`client consent NAME --given DATE --method written|verbal|text --scope …
  --doc FILE`): from the start of the day given (the archive's zone; a time with an offset is taken
  as written), until revoked (`--revoked DATE`: from the start of that day, so a text sent that day
  is flagged rather than passed). The signed document is kept in the archive as a blob, named by
  its sha256. A consent is never deleted: a revocation ends it, a new consent starts another.
- A consent recorded by mistake (the wrong date, the wrong client) is withdrawn (`--withdraw N
  --reason`): it stays on the record, shown as withdrawn, and no longer clears a flag. A revocation
  would say something false about the client (a revocation is a fact about them; a mistake is a fact
  about the record). Only the reason's sha256 is kept, as `unredact` keeps it: the audit log is
  append-only, and a reason may say what the client or their document said.
- An opt-out is an inbound message that is, as a whole, one of the carriers' standard keywords
  (STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT; START, UNSTOP, YES opt back in), compared with
  its surrounding spaces removed and case folded: "Stop" is an opt-out, "stop texting me" is not
  (a lexicon's business), nor is "STOP." (the carriers' match is exact). It applies to the handle
  that sent it, in every conversation with that handle, until an opt-in from it.
- A minor client (`client edit NAME --minor --guardian HANDLE`): each text in a conversation with
  them is flagged unless a guardian is in it too.
Each change is one audit entry.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from textfile import audit, times
from textfile.errors import Conflict, InvalidInput, NotFound
from textfile.filing.names import client_row
from textfile.model import between_others
from textfile.phones import normalize_handle
from textfile.results import Result, omit_empty

OPT_OUT = ("stop", "stopall", "unsubscribe", "cancel", "end", "quit")
OPT_IN = ("start", "unstop", "yes")
METHODS = ("written", "verbal", "text")
DOCUMENT_LIMIT = 50 * 1024 * 1024


@dataclass(slots=True, eq=False)
class Consent(Result):
    """A client's consent to be texted: when it was given, how, to what, the document, and its revocation."""

    id: int
    client: str
    given_at: str
    method: str
    scope: str | None
    document: str | None  # the file's name as given
    document_sha256: str | None
    revoked_at: str | None
    recorded_at: str
    recorded_by: str
    withdrawn_at: str | None = omit_empty(default=None)
    withdrawn_by: str | None = omit_empty(default=None)
    withdrawn_why_sha256: str | None = omit_empty(default=None)


@dataclass(slots=True, eq=False)
class OptChange(Result):
    """An inbound message that opted a handle out of texts (STOP) or back in (START)."""

    message_id: str
    conversation: int
    handle: str
    change: str  # out or in
    keyword: str
    at: str
    precision: str | None = None  # the message's time precision ("minute": WhatsApp), to print it at no finer one


@dataclass(slots=True, eq=False)
class ConsentHistory(Result):
    """A client's consents and the opt-outs and opt-ins their handles sent, in time order."""

    client: str
    required: bool
    consents: list[Consent] = field(default_factory=list)
    opt_changes: list[OptChange] = field(default_factory=list)
    minor: Minor | None = None


@dataclass(slots=True, eq=False)
class Minor(Result):
    client: str
    guardians: list[str]
    marked_at: str
    marked_by: str


def keyword(body: str) -> tuple[str, str] | None:
    """("out" | "in", the keyword) when a message as a whole is an opt-out or opt-in keyword."""
    word = body.strip().casefold()
    if word in OPT_OUT:
        return "out", word.upper()
    if word in OPT_IN:
        return "in", word.upper()
    return None


def consents(conn: sqlite3.Connection, client_id: int | None = None) -> list[Consent]:
    where, args = ("WHERE k.client_id = ?", (client_id,)) if client_id is not None else ("", ())
    return [
        Consent(
            r["id"],
            r["name"],
            r["given_at"],
            r["method"],
            r["scope"],
            r["document_name"],
            r["document_sha256"],
            r["revoked_at"],
            r["recorded_at"],
            r["recorded_by"],
            r["withdrawn_at"],
            r["withdrawn_by"],
            r["withdrawn_why_sha256"],
        )
        for r in conn.execute(
            f"SELECT k.*, c.name FROM consents k JOIN clients c ON c.id = k.client_id {where} ORDER BY k.given_at, k.id",
            args,
        )
    ]


def give_consent(
    conn: sqlite3.Connection,
    name: str,
    given: str,
    method: str,
    scope: str | None,
    document: Path | None,
    tz,
) -> Consent:
    client = client_row(conn, name)
    if method not in METHODS:
        raise InvalidInput(f"not a consent method: {method!r} (written, verbal or text)")
    at = times.parse_user_instant(given, tz)
    if at > times.now_iso():
        raise InvalidInput(f"consent given {given!r} is in the future")
    sha = _store_document(conn, document) if document else None
    cur = conn.execute(
        "INSERT INTO consents (client_id, given_at, method, scope, document_sha256, document_name, recorded_at, recorded_by)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            client["id"],
            at,
            method,
            (scope or "").strip() or None,
            sha,
            document.name if document else None,
            times.now_iso(),
            audit.current_user(),
        ),
    )
    record = next(c for c in consents(conn, client["id"]) if c.id == cur.lastrowid)
    audit.append(conn, "client consent", record.to_json())
    return record


def revoke_consent(conn: sqlite3.Connection, name: str, revoked: str, tz) -> Consent:
    client = client_row(conn, name)
    at = times.parse_user_instant(revoked, tz)
    recorded = [c for c in consents(conn, client["id"]) if c.withdrawn_at is None]
    standing = [c for c in recorded if c.revoked_at is None]
    if not standing and recorded:  # (a revocation's date mended: said how, second reader, round 15)
        was = recorded[-1]
        raise Conflict(
            f"client {client['name']!r} has no consent in force to revoke: consent {was.id} was revoked on"
            f" {times.display(was.revoked_at, tz)}; to correct that date, withdraw it as recorded by mistake"
            f" (textfile client consent {client['name']!r} --withdraw {was.id} --reason TEXT), record it again"
            " with --given, and revoke it on the right date"
        )
    if not standing:
        raise Conflict(f"client {client['name']!r} has no consent on record to revoke")
    # A client who withdraws their consent withdraws it whole: every consent in force given before then ends (an
    # older one left standing covered every later text; second reader, round 17).
    last = standing[-1]
    if at < last.given_at:  # (to take back a consent recorded by mistake is a withdrawal: --withdraw)
        raise InvalidInput(f"revoked {revoked!r} is before the consent was given ({times.display(last.given_at, tz)})")
    ending = [c for c in standing if c.given_at <= at]
    for c in ending:
        conn.execute("UPDATE consents SET revoked_at = ? WHERE id = ?", (at, c.id))
        c.revoked_at = at
        audit.append(conn, "client consent revoked", c.to_json())
    return ending[-1]


def withdraw_consent(conn: sqlite3.Connection, name: str, consent_id: int, why: str, tz) -> Consent:
    """Withdraw a consent recorded by mistake: kept on the record, no longer applied by the review;
    audited ("client consent withdrawn", with the reason's sha256)."""
    client = client_row(conn, name)
    why = (why or "").strip()
    if not why:
        raise InvalidInput("say why the consent is withdrawn (--reason)")
    found = [c for c in consents(conn, client["id"]) if c.id == consent_id]
    if not found:
        raise NotFound(f"client {client['name']!r} has no consent {consent_id} (see `textfile client consent NAME`)")
    record = found[0]
    if record.withdrawn_at:
        raise Conflict(
            f"consent {consent_id} of {client['name']!r} was already withdrawn on {times.display(record.withdrawn_at, tz)}"
        )
    record.withdrawn_at, record.withdrawn_by = times.now_iso(), audit.current_user()
    record.withdrawn_why_sha256 = hashlib.sha256(why.encode("utf-8")).hexdigest()
    conn.execute(
        "UPDATE consents SET withdrawn_at = ?, withdrawn_by = ?, withdrawn_why_sha256 = ? WHERE id = ?",
        (record.withdrawn_at, record.withdrawn_by, record.withdrawn_why_sha256, consent_id),
    )
    audit.append(conn, "client consent withdrawn", record.to_json())
    return record


def _store_document(conn: sqlite3.Connection, path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > DOCUMENT_LIMIT:
            raise InvalidInput(f"{path}: {size:,} bytes: a consent document is kept whole, up to 50 MB")
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read it: {exc.strerror or exc}") from None
    sha = hashlib.sha256(data).hexdigest()
    conn.execute(
        "INSERT OR IGNORE INTO blobs (sha256, size, mime, data) VALUES (?, ?, ?, ?)",
        (sha, len(data), mimetypes.guess_type(path.name)[0], data),
    )
    return sha


# A message of a thread the owner is in: not one found on a client's own phone between the client and others
# (keyed "… without the owner"), which no one of the firm sent or received: no working hours, opt-out, consent
# or minor rule reads it (review/rules.py) (a client's STOP to their spouse was taken for an opt-out of the owner's texts, and
# their texts at night for texts received after hours, each waiting for a response; second reader, round 16).
# The lexicons read it: what it says may still need a professional's attention.
WITH_YOU = f"m.conversation_id NOT IN (SELECT id FROM conversations WHERE {between_others('source_key')})"

# Python's whitespace (what str.strip() removes), for SQL's trim(): a keyword's text, stripped, is 11
# characters at most ("unsubscribe"), and case folding never shortens a text.
_SPACES = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
_LONGEST = max(map(len, OPT_OUT + OPT_IN))


def said_keywords(conn: sqlite3.Connection, condition: str, args: tuple = ()) -> list[OptChange]:
    """The inbound texts that are, as a whole, an opt-out or opt-in keyword, among those `condition`
    selects (SQL on the index row `f`, the message `m`, its sender `p`): the short texts holding a
    keyword found through the full-text index, then each compared whole (`keyword`). Derived from the
    messages: what the review scan records in `opt_outs`, and what a transcript's cover states."""
    words = " OR ".join('"' + w + '"' for w in OPT_OUT + OPT_IN)
    found = []
    for message_id, body, at, handle, conversation, precision in conn.execute(
        "SELECT m.id, m.body, m.sent_at, p.handle, m.conversation_id, m.time_precision FROM messages_fts f"
        " JOIN messages m ON m.rowid = f.rowid JOIN participants p ON p.id = m.sender_id"
        " WHERE messages_fts MATCH ? AND m.direction = 'in' AND m.kind = 'message' AND length(trim(m.body, ?)) <= ?"
        f" AND {WITH_YOU}"
        f" AND {condition} ORDER BY m.sent_at, m.id",
        (words, _SPACES, _LONGEST, *args),
    ).fetchall():
        said = keyword(body)
        if said is not None:
            found.append(OptChange(message_id, conversation, handle, said[0], said[1], at, precision))
    return found


def opt_changes(conn: sqlite3.Connection, handles: list[str] | None = None) -> list[OptChange]:
    where = f"WHERE o.handle IN ({','.join('?' * len(handles))})" if handles is not None else ""
    return [
        OptChange(
            r["message_id"], r["conversation_id"], r["handle"], r["change"], r["keyword"], r["at"], r["time_precision"]
        )
        for r in conn.execute(
            "SELECT o.*, m.conversation_id, m.time_precision FROM opt_outs o CROSS JOIN messages m ON m.id = o.message_id"
            f" {where or 'WHERE 1'} AND {WITH_YOU} ORDER BY o.at, o.message_id",
            handles or (),
        )
    ]


# Each client's handles, as what they said is read (their opt-outs, STOP and START): their numbers and addresses,
# and the other person of each one-to-one conversation filed to one of their matters (a WhatsApp client, whom the
# chat knows by the name it writes: `history`). SQL: (client_id, handle) rows.
CLIENTS_HANDLES = (
    "SELECT client_id, handle FROM client_handles"
    " UNION SELECT mt.client_id, p.handle FROM filings f JOIN matters mt ON mt.id = f.matter_id"
    " JOIN participants p ON p.conversation_id = f.conversation_id WHERE p.is_owner = 0"
    " AND (SELECT count(*) FROM participants q WHERE q.conversation_id = f.conversation_id AND q.is_owner = 0) = 1"
    # (but not another client, by name or number, in a chat filed to this client's matter too: round 16, one
    # client's STOP listed under another's consent; round 17, a third person's STOP is each client's to know)
    " AND NOT EXISTS (SELECT 1 FROM clients c2 WHERE c2.id <> mt.client_id"
    "  AND (lower(c2.name) = lower(coalesce(p.display_name, p.handle))"
    "   OR EXISTS (SELECT 1 FROM client_handles h2 WHERE h2.client_id = c2.id AND h2.handle = p.handle)))"
)


def history(conn: sqlite3.Connection, name: str) -> ConsentHistory:
    """A client's consents, the opt-outs and opt-ins they sent (read from the messages, so a transcript's
    cover says them whether or not a review scan has read them yet), and their minority. What they sent: from
    their numbers and addresses, and from the other person of each one-to-one conversation filed to one of their
    matters (a WhatsApp client, known by the name their chat writes, has no number on record: their STOP was
    flagged by the review, whose holds are by handle, and yet the cover said no opt-out was on record: second
    reader, round 15)."""
    from textfile.review import settings

    client = client_row(conn, name)
    handles = [
        r[0] for r in conn.execute(f"SELECT handle FROM ({CLIENTS_HANDLES}) WHERE client_id = ?", (client["id"],))
    ]
    return ConsentHistory(
        client["name"],
        settings.current(conn).consent_required,
        consents(conn, client["id"]),
        said_keywords(conn, "p.handle IN (SELECT value FROM json_each(?))", (json.dumps(handles),)),
        minor(conn, client["id"]),
    )


# -- minors ---------------------------------------------------------------------------------------


def minor(conn: sqlite3.Connection, client_id: int) -> Minor | None:
    r = conn.execute(
        "SELECT m.*, c.name FROM client_minors m JOIN clients c ON c.id = m.client_id WHERE m.client_id = ?",
        (client_id,),
    ).fetchone()
    return Minor(r["name"], json.loads(r["guardians"]), r["marked_at"], r["marked_by"]) if r else None


def mark_minor(conn: sqlite3.Connection, name: str, minor_: bool, guardians: list[str], region: str) -> Minor | None:
    """A client marked a minor (with guardians added), or no longer one; one audit entry."""
    client = client_row(conn, name)
    was = minor(conn, client["id"])
    if not minor_:
        if guardians:
            raise InvalidInput("--guardian is for a minor client: give --minor too")
        if was is None:
            raise Conflict(f"client {client['name']!r} is not marked a minor")
        conn.execute("DELETE FROM client_minors WHERE client_id = ?", (client["id"],))
        audit.append(conn, "client minor", {"client": client["name"], "minor": False, "was": was.to_json()})
        return None
    handles = list(was.guardians) if was else []
    for text in guardians:
        handle = normalize_handle(text, region) or text.strip()
        if not handle:
            raise InvalidInput("a guardian's handle is needed (a phone number or email)")
        if handle not in handles:
            handles.append(handle)
    conn.execute(
        "INSERT OR REPLACE INTO client_minors (client_id, guardians, marked_at, marked_by) VALUES (?, ?, ?, ?)",
        (
            client["id"],
            json.dumps(handles),
            was.marked_at if was else times.now_iso(),
            was.marked_by if was else audit.current_user(),
        ),
    )
    now = minor(conn, client["id"])
    audit.append(
        conn,
        "client minor",
        {"client": client["name"], "minor": True, "guardians": handles} | ({"was": was.to_json()} if was else {}),
    )
    return now
