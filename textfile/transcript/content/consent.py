"""What the cover says of the client's consent to be texted, their opt-outs, and whether they are a minor.

Every transcript's cover states it for the transcript's client (the matter's, or the client named),
and the manifest carries it (`disclosures["consent"]`), since whether a text could be sent at all is
part of what the messages prove. It is the client's whole history as the archive holds it when the
transcript is made, whatever the transcript's window (a consent given before the first message shown
is what covers it; an opt-out after the last still says the client asked to stop):
- each consent (but one withdrawn as recorded by mistake: a fact about the record, not the client):
  when given and revoked (instants, and as the cover prints times: in the transcript's
  zone with the offset), the method, the scope, the document's name and full sha256 (the document is
  a blob of the archive, found by it), and who recorded it when; none: that none is on record, and
  whether the archive requires one (`review settings`: a text to a client without one is flagged);
- each opt-out and opt-in the client's handles sent (`textfile review` records an inbound message
  that is, as a whole, a carrier keyword): when (at the message's precision), the keyword, the
  handle, and the message's number in this transcript, or `seq` None where the transcript does not
  show it (another matter's conversation, or outside the window), with its conversation;
- the client marked a minor: the guardians' handles, by whom and when; else None.
Read through textfile.review.consent (the archive's one reading of these tables), in the cover's
snapshot. A transcript made before this was disclosed has no "consent" key: its manifest is its own.
"""

from __future__ import annotations

import json
import sqlite3
from zoneinfo import ZoneInfo

from textfile import times
from textfile.review import consent as review_consent
from textfile.transcript.content.scope import Plan, Scope, _numbered


def consent_disclosed(conn: sqlite3.Connection, scope: Scope, p: Plan, tz: ZoneInfo) -> dict:
    """The client's consents, opt-outs and opt-ins, and minority, as plain data (see the module)."""
    history = review_consent.history(conn, scope.client)
    return {
        "client": history.client,
        "required": history.required,
        # (a consent withdrawn as recorded by mistake is no fact about the client: left out, as the README says)
        "consents": [_consent(c, tz) for c in history.consents if c.withdrawn_at is None],
        "opt_changes": _opt_changes(conn, history.opt_changes, p, tz),
        "minor": _minor(history.minor, tz),
    }


def _consent(c: review_consent.Consent, tz: ZoneInfo) -> dict:
    return {
        "given_at": c.given_at,
        "given_local": times.display(c.given_at, tz),
        "method": c.method,
        "scope": c.scope,
        "document": c.document,
        "document_sha256": c.document_sha256,
        "revoked_at": c.revoked_at,
        "revoked_local": times.display(c.revoked_at, tz),
        "recorded_at": c.recorded_at,
        "recorded_local": times.display(c.recorded_at, tz),
        "recorded_by": c.recorded_by,
    }


def _opt_changes(conn: sqlite3.Connection, changes: list, p: Plan, tz: ZoneInfo) -> list[dict]:
    """Each opt-out and opt-in in time order, with its message's number where the transcript shows it."""
    if not changes:
        return []
    ids = [c.message_id for c in changes]
    read = {
        mid: (rowid, precision)
        for rowid, mid, precision in conn.execute(
            "SELECT rowid, id, time_precision FROM messages WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(ids),),
        )
    }
    seq = _numbered(p, (rowid for rowid, _ in read.values()))
    out = []
    for c in changes:
        rowid, precision = read[c.message_id]
        out.append(
            {
                "change": c.change,
                "keyword": c.keyword,
                "handle": c.handle,
                "at": c.at,
                "at_local": times.display(c.at, tz, precision),
                "message": c.message_id,
                "conversation": c.conversation,
                "seq": str(seq[rowid]) if rowid in seq else None,
            }
        )
    return out


def _minor(m: review_consent.Minor | None, tz: ZoneInfo) -> dict | None:
    if m is None:
        return None
    return {
        "guardians": list(m.guardians),
        "marked_at": m.marked_at,
        "marked_local": times.display(m.marked_at, tz),
        "marked_by": m.marked_by,
    }
