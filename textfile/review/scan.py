"""The scan: raise the flags the rules say hold, and only those, never twice.

A scan reads the messages it has not read yet (rowid past `review_settings.scanned_to`, and those
an import since `scanned_import` changed: an edit, a correction), so after an import it costs what
the import brought. What the rules read besides the messages is summed into a signature per group
of rules (the lexicon; the working hours; consents, filings, client handles, minors, opt-outs and
participants); a group whose signature changed is read again over every message, so a consent
recorded today, a term added, a conversation filed or set aside reaches the texts already there.

Reconciling what holds with the flags there are, over what was read:
- a rule that holds and has no flag: a flag is raised, `open`;
- a flag `cleared` whose rule holds again: opened again (the same flag: never two);
- an `open` flag whose rule no longer holds: `cleared` (a person's `reviewed` or `dismissed`
  stands, whatever the rules say now).
One audit entry says what a scan changed, by rule; a scan that changes nothing writes nothing.
Each import runs one in its transaction (after filing, so its new threads' clients are known),
and `review` runs one before it lists.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections import Counter
from dataclasses import dataclass, field

from textfile import audit, times
from textfile.results import Result
from textfile.review import rules, settings
from textfile.review.rules import EVERYTHING, Scope


@dataclass(slots=True, eq=False)
class ScanResult(Result):
    """What a scan did: flags raised, opened again and cleared, by rule; opt-outs and opt-ins recorded;
    the messages it read (`full`: the groups of rules it read over every message)."""

    raised: dict[str, int] = field(default_factory=dict)
    reopened: dict[str, int] = field(default_factory=dict)
    cleared: dict[str, int] = field(default_factory=dict)
    opt_changes: int = 0
    read: int = 0
    full: list[str] = field(default_factory=list)

    @property
    def new_flags(self) -> int:
        return sum(self.raised.values()) + sum(self.reopened.values())

    @property
    def changed(self) -> bool:
        return bool(self.raised or self.reopened or self.cleared or self.opt_changes)


def signatures(conn: sqlite3.Connection, lexicon, setting: settings.ReviewSettings) -> dict[str, str]:
    """What each group of rules reads besides the messages, summed."""
    aside = _sum(conn, "SELECT conversation_id FROM conversation_ignores ORDER BY 1")
    return {
        "lexicon": _digest(json.dumps({k: list(v) for k, v in sorted(lexicon.items())}) + aside),
        "hours": _digest(json.dumps([setting.hours, setting.holidays]) + aside),
        "people": _digest(
            "|".join(
                [
                    aside,
                    str(setting.consent_required),
                    _sum(conn, "SELECT conversation_id, matter_id, from_at, until_at FROM filings ORDER BY 1, 2, 3"),
                    _sum(conn, "SELECT id, client_id FROM matters ORDER BY 1"),
                    _sum(conn, "SELECT handle, client_id FROM client_handles ORDER BY 1"),
                    _sum(conn, "SELECT id, client_id, given_at, revoked_at FROM consents ORDER BY 1"),
                    _sum(conn, "SELECT client_id, guardians FROM client_minors ORDER BY 1"),
                    _sum(conn, "SELECT message_id, change FROM opt_outs ORDER BY 1"),
                    _sum(
                        conn,
                        "SELECT conversation_id, handle FROM participants WHERE is_owner = 0 AND handle IN"
                        " (SELECT handle FROM client_handles UNION SELECT handle FROM opt_outs"
                        "  UNION SELECT g.value FROM client_minors, json_each(client_minors.guardians) g) ORDER BY 1, 2",
                    ),
                ]
            )
        ),
    }


def _sum(conn: sqlite3.Connection, query: str) -> str:
    h = hashlib.sha256()
    for row in conn.execute(query):
        h.update(repr(tuple(row)).encode())
    return h.hexdigest()


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def scan(conn: sqlite3.Connection, tz) -> ScanResult:
    """Raise what the rules say of the messages not read yet, and of all of them for a group whose
    inputs changed; audited when it changed anything."""
    setting, state = settings.current(conn), settings.row(conn)
    top = conn.execute("SELECT coalesce(max(rowid), 0) FROM messages").fetchone()[0]
    last_import = conn.execute("SELECT coalesce(max(id), 0) FROM imports").fetchone()[0]
    recent = _edited(conn, state["scanned_import"], state["scanned_to"])
    new = Scope(state["scanned_to"], recent > 0)
    result = ScanResult(read=top - state["scanned_to"] + recent if top > state["scanned_to"] else recent)
    result.opt_changes = len(rules.record_opt_changes(conn, new))
    lexicon = settings.lexicon(conn)
    signed = signatures(conn, lexicon, setting)
    was = json.loads(state["signatures"])
    scopes = {group: (new if was.get(group) == signed[group] else EVERYTHING) for group in signed}
    result.full = sorted(g for g, s in scopes.items() if s is EVERYTHING and state["scanned_to"])
    _reconcile(
        conn,
        rules.lexicon_holds(conn, lexicon, scopes["lexicon"]),
        rules.lexicon_rules(conn, lexicon),
        scopes["lexicon"],
        result,
        "no term of the lexicon matches it now, or its conversation is set aside",
    )
    _reconcile(
        conn,
        rules.hours_holds(conn, settings.working_hours(conn), tz, scopes["hours"]),
        set(rules.HOURS_RULES),
        scopes["hours"],
        result,
        "it is within the working hours now set, or its conversation is set aside",
    )
    _reconcile(
        conn,
        rules.people_holds(conn, setting.consent_required, scopes["people"]),
        set(rules.PEOPLE_RULES),
        scopes["people"],
        result,
        "consent on record covers it, an opt-in came before it, it is no longer a client's or a minor's,"
        " or its conversation is set aside",
    )
    if top == state["scanned_to"] and not recent and was == signed and not result.changed:
        return result  # (an import that brought nothing new changes nothing here either)
    settings.ensure_row(conn)
    conn.execute(
        "UPDATE review_settings SET scanned_to = ?, scanned_import = ?, signatures = ? WHERE id = 1",
        (top, last_import, json.dumps(signed, sort_keys=True)),
    )
    audit.append(conn, "review scan", result.to_json() | {"scanned_to": top, "scanned_import": last_import})
    return result


def _edited(conn: sqlite3.Connection, since_import: int, scanned_to: int) -> int:
    """Put in temp.review_edited the messages already read that an import since changed; how many."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS review_edited (rowid INTEGER PRIMARY KEY)")
    conn.execute("DELETE FROM temp.review_edited")
    if not scanned_to:
        return 0
    conn.execute(
        "INSERT OR IGNORE INTO temp.review_edited SELECT m.rowid FROM message_versions v"
        " JOIN messages m ON m.id = v.message_id WHERE v.import_id > ? AND m.rowid <= ?",
        (since_import, scanned_to),
    )
    return conn.execute("SELECT count(*) FROM temp.review_edited").fetchone()[0]


def _reconcile(
    conn: sqlite3.Connection, holds: rules.Holds, decided: set[str], scope: Scope, result: ScanResult, why: str
) -> None:
    """Make the flags of these rules, over the messages in scope, say what holds."""
    if not decided:
        return
    marks = ",".join("?" * len(decided))
    existing = {
        (r[1], r[2]): (r[0], r[3])
        for r in conn.execute(
            f"SELECT f.id, m.rowid, f.rule, f.state FROM review_flags f JOIN messages m ON m.id = f.message_id"
            f" WHERE f.rule IN ({marks}) AND {scope.sql()}",
            sorted(decided),
        )
    }
    now = times.now_iso()
    raised, reopened, cleared = Counter(), Counter(), Counter()
    new = [(key, reason) for key, reason in holds.items() if key not in existing]
    if new:
        ids = dict(
            conn.execute(
                "SELECT rowid, id FROM messages WHERE rowid IN (SELECT value FROM json_each(?))",
                (json.dumps(sorted({k[0] for k, _ in new})),),
            )
        )
        conn.executemany(
            "INSERT INTO review_flags (message_id, rule, reason, raised_at) VALUES (?, ?, ?, ?)",
            (
                (ids[rowid], rule, json.dumps(reason, sort_keys=True, ensure_ascii=False), now)
                for (rowid, rule), reason in sorted(new)
            ),
        )
        raised.update(rule for (_, rule), _ in new)
    for key, (flag, state) in existing.items():
        if state == "cleared" and key in holds:
            conn.execute(
                "UPDATE review_flags SET state = 'open', reason = ?, decided_at = NULL, decided_by = NULL, note = NULL"
                " WHERE id = ?",
                (json.dumps(holds[key], sort_keys=True, ensure_ascii=False), flag),
            )
            reopened[key[1]] += 1
        elif state == "open" and key not in holds:
            conn.execute(
                "UPDATE review_flags SET state = 'cleared', decided_at = ?, decided_by = 'textfile', note = ? WHERE id = ?",
                (now, f"cleared by a scan: {why}", flag),
            )
            cleared[key[1]] += 1
    for total, counts in ((result.raised, raised), (result.reopened, reopened), (result.cleared, cleared)):
        for rule, n in counts.items():
            total[rule] = total.get(rule, 0) + n
