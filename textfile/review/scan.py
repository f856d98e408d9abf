"""The scan: raise the flags the rules say hold, and only those, never twice.

A scan reads the messages it has not read yet (rowid past `review_settings.scanned_to`, and those
an import since `scanned_import` changed: an edit, a correction), so after an import it costs what
the import brought. What the rules read besides the messages is summed into a signature per group
of rules (the lexicon; the working hours; the opt-outs and their handles' conversations; consents,
filings, client handles, minors), with which rules they are (`RULES`); a group whose signature
changed is read again over every message, so a consent recorded today, a term added, a conversation
filed or set aside, a rule a new version of textfile changed, reaches the texts already there. An
opt-out or opt-in the scan itself records (a STOP, a YES in this week's export: most weeks bring
one) reads again only the conversations of the handle that sent it.

Reconciling what holds (temp.review_holds, which the rules write) with the flags there are, over
what was read, in SQL:
- a rule that holds and has no flag: a flag is raised, `open`;
- a flag `cleared` whose rule holds again: opened again (the same flag: never two);
- an `open` flag whose rule no longer holds: `cleared`, its note saying why (on a text the owner
  never sent, that: `UNSENT_CLEARED`); a person's `reviewed` or `dismissed` stands, whatever the
  rules say now;
- an `open` flag whose rule holds for another reason (a term added to its category or removed: its
  terms as they match now): its reason as it holds now, said as a reason changed, never as raised. A
  `reviewed` or `dismissed` flag keeps the reason the person decided on: `review show` prints it
  beside the decision, and nothing else keeps what the person saw (the decision's record and its
  audit entry name the flag, its state and note, not its reason).
One audit entry says what a scan changed, by rule; a scan that changes nothing writes nothing.
Each import runs one in its transaction (after filing, so its new threads' clients are known),
and `review` runs one before it lists.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass, field

from textfile import audit, times
from textfile.results import Result
from textfile.review import consent, rules, settings
from textfile.review.rules import EVERYTHING, Scope

# The note of a flag a scan cleared, before why (`review show` says it as the scan's decision).
SCAN_CLEARED = "cleared by a scan: "
# Why a flag on a text the owner never sent is cleared (rules.sent), by what the text is: a flag the rules
# before issue 36 raised on one (they read a draft, a failed or a queued text as sent), or a text an import
# since found failed.
UNSENT_CLEARED = {
    "draft": "it is a draft, never sent",
    "failed": "it is a failed send, not delivered",
    "queued": "it is a queued text whose sending is not confirmed",
}
# Which rules the scan runs, beside what they read (`signatures`): a change to what a rule holds, that must
# reach the messages already read, is a new value here, so that the next scan of an archive reads every
# message again with the rules as they are now. Issue 36: a text the owner never sent (a draft, a failed
# or a queued text) is no text the owner sent (rules.sent); the flags the rules before raised on one clear.
RULES = "sent texts only; threads between others"


@dataclass(slots=True, eq=False)
class ScanResult(Result):
    """What a scan did: flags raised, opened again and cleared, and open flags whose reason changed, by
    rule; opt-outs and opt-ins recorded; the messages it read (`full`: the groups of rules it read over
    every message)."""

    raised: dict[str, int] = field(default_factory=dict)
    reopened: dict[str, int] = field(default_factory=dict)
    cleared: dict[str, int] = field(default_factory=dict)
    reasons_changed: dict[str, int] = field(default_factory=dict)  # open flags given the reason that holds now
    opt_changes: int = 0
    read: int = 0
    full: list[str] = field(default_factory=list)

    @property
    def new_flags(self) -> int:
        return sum(self.raised.values()) + sum(self.reopened.values())

    @property
    def changed(self) -> bool:
        return bool(self.raised or self.reopened or self.cleared or self.reasons_changed or self.opt_changes)


def signatures(conn: sqlite3.Connection, lexicon, setting: settings.ReviewSettings) -> dict[str, str]:
    """What each group of rules reads besides the messages, and which rules they are (RULES), summed."""
    aside = _sum(conn, "SELECT conversation_id FROM conversation_ignores ORDER BY 1")
    read = {
        "lexicon": _digest(json.dumps({k: list(v) for k, v in sorted(lexicon.items())}) + aside),
        "hours": _digest(json.dumps([setting.hours, setting.holidays]) + aside),
        "opt_outs": _digest(
            "|".join(
                [
                    aside,
                    _sum(conn, "SELECT message_id, change FROM opt_outs ORDER BY 1"),
                    _sum(
                        conn,
                        "SELECT conversation_id, handle FROM participants WHERE is_owner = 0"
                        " AND handle IN (SELECT handle FROM opt_outs) ORDER BY 1, 2",
                    ),
                    _sum(  # (a consent given after an opt-out ends it: `rules._opted_out_spans`)
                        conn,
                        f"SELECT h.handle, k.given_at, k.revoked_at FROM ({consent.CLIENTS_HANDLES}) h JOIN consents k"
                        " ON k.client_id = h.client_id WHERE k.withdrawn_at IS NULL"
                        " AND h.handle IN (SELECT handle FROM opt_outs) ORDER BY 1, 2",
                    ),
                ]
            )
        ),
        "consent": _digest(
            "|".join(
                [
                    aside,
                    str(setting.consent_required),
                    _sum(conn, "SELECT conversation_id, matter_id, from_at, until_at FROM filings ORDER BY 1, 2, 3"),
                    _sum(conn, "SELECT id, client_id FROM matters ORDER BY 1"),
                    _sum(conn, "SELECT id, name FROM clients ORDER BY 1"),  # (a flag's reason names its clients)
                    _sum(conn, "SELECT handle, client_id FROM client_handles ORDER BY 1"),
                    _sum(
                        conn,
                        "SELECT id, client_id, given_at, revoked_at FROM consents WHERE withdrawn_at IS NULL ORDER BY 1",
                    ),
                    _sum(conn, "SELECT client_id, guardians FROM client_minors ORDER BY 1"),
                    *_births(conn),
                    _sum(
                        conn,
                        "SELECT conversation_id, handle FROM participants WHERE is_owner = 0 AND handle IN"
                        " (SELECT handle FROM client_handles"
                        "  UNION SELECT g.value FROM client_minors, json_each(client_minors.guardians) g) ORDER BY 1, 2",
                    ),
                ]
            )
        ),
    }
    return {group: _digest(f"{RULES}|{said}") for group, said in read.items()}


def _births(conn: sqlite3.Connection) -> list[str]:
    """The dates of birth the minor rule reads (issue 19), summed; nothing when none is recorded, so an
    archive without one keeps the signature it had."""
    if conn.execute("SELECT 1 FROM client_births LIMIT 1").fetchone() is None:
        return []
    return [_sum(conn, "SELECT client_id, born FROM client_births ORDER BY 1")]


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
    lexicon = settings.lexicon(conn)
    was = json.loads(state["signatures"])
    before = signatures(conn, lexicon, setting)["opt_outs"]  # (what the last scan left, unless changed since)
    said = rules.record_opt_changes(conn, new)
    result.opt_changes = len(said)
    signed = signatures(conn, lexicon, setting)
    scopes = {group: (new if was.get(group) == signed[group] else EVERYTHING) for group in signed}
    if was.get("opt_outs") == before and said:  # only this scan's opt-outs: their handles' conversations again
        scopes["opt_outs"] = _with_conversations_of(conn, new, said)
    result.full = sorted(g for g, s in scopes.items() if s is EVERYTHING and state["scanned_to"])
    passes = [
        (
            "lexicon",
            lambda scope: rules.lexicon_holds(conn, lexicon, scope),
            rules.lexicon_rules(conn, lexicon),
            "no term of the lexicon matches it now, or its conversation is set aside",
        ),
        (
            "hours",
            lambda scope: rules.hours_holds(conn, settings.working_hours(conn), tz, scope),
            set(rules.HOURS_RULES),
            "it is within the working hours now set, or its conversation is set aside",
        ),
        (
            "opt_outs",
            lambda scope: rules.opt_out_holds(conn, scope),
            set(rules.OPT_OUT_RULES),
            "an opt-in or a consent given since came before it, or its conversation is set aside",
        ),
        (
            "consent",
            lambda scope: rules.consent_holds(conn, setting.consent_required, scope),
            set(rules.CONSENT_RULES),
            "consent on record covers it, it is no longer a client's or a minor's, or its conversation is set aside",
        ),
    ]
    listed: list[Scope] = []  # the scope temp.review_scope lists (`_reconcile`): the same for most groups
    for group, holds, decided, why in passes:
        rules.start(conn)
        holds(scopes[group])
        _reconcile(conn, decided, scopes[group], result, why, listed)
    if top == state["scanned_to"] and not recent and was == signed and not result.changed:
        return result  # (an import that brought nothing new changes nothing here either)
    settings.ensure_row(conn)
    conn.execute(
        "UPDATE review_settings SET scanned_to = ?, scanned_import = ?, signatures = ? WHERE id = 1",
        (top, last_import, json.dumps(signed, sort_keys=True)),
    )
    audit.append(conn, "review scan", result.to_json() | {"scanned_to": top, "scanned_import": last_import})
    return result


def _with_conversations_of(conn: sqlite3.Connection, new: Scope, said: list) -> Scope:
    """`new`, and the messages of the conversations of the handles that said these opt-outs or opt-ins
    (temp.review_rescan), from the first of them on: what they change."""
    handles = sorted({c.handle for c in said})
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS review_rescan (id INTEGER PRIMARY KEY)")
    conn.execute("DELETE FROM temp.review_rescan")
    conn.execute(
        "INSERT OR IGNORE INTO temp.review_rescan SELECT conversation_id FROM participants"
        " WHERE is_owner = 0 AND handle IN (SELECT value FROM json_each(?))",
        (json.dumps(handles),),
    )
    return Scope(new.after, new.edited, conversations=True, since=min(c.at for c in said))


def _edited(conn: sqlite3.Connection, since_import: int, scanned_to: int) -> int:
    """Put in temp.review_edited the messages already read that an import since changed, and those an import
    since added at a number already read (SQLite numbers a new row one more than the largest there is: after
    `dispose` deleted the last rows, the next messages take their numbers); how many."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS review_edited (rowid INTEGER PRIMARY KEY)")
    conn.execute("DELETE FROM temp.review_edited")
    if not scanned_to:
        return 0
    conn.execute(
        "INSERT OR IGNORE INTO temp.review_edited SELECT m.rowid FROM message_versions v"
        " CROSS JOIN messages m ON m.id = v.message_id WHERE v.import_id > ? AND m.rowid <= ?",
        (since_import, scanned_to),
    )
    conn.execute(  # (messages_import: what the imports since brought, their rowids in the index)
        "INSERT OR IGNORE INTO temp.review_edited SELECT rowid FROM messages WHERE import_id > ? AND rowid <= ?",
        (since_import, scanned_to),
    )
    return conn.execute("SELECT count(*) FROM temp.review_edited").fetchone()[0]


# What a flag's message is, when it is a text the owner never sent (UNSENT_CLEARED's words); else NULL.
_UNSENT = (
    "(SELECT CASE WHEN x.status = 'draft' THEN 'draft' WHEN x.status IN ('outbox', 'queued') THEN 'queued'"
    " ELSE 'failed' END FROM messages x WHERE x.id = f.message_id AND x.direction = 'out' AND x.kind = 'message'"
    f" AND NOT {rules.sent('x')})"
)


_RAISED = "SELECT count(*) FROM review_flags WHERE state = 'open' AND rule = ? AND id > ?"


def _reconcile(
    conn: sqlite3.Connection, decided: set[str], scope: Scope, result: ScanResult, why: str, listed: list[Scope]
) -> None:
    """Make the flags of these rules, over the messages in scope, say what temp.review_holds holds: in
    SQL (a full review raises hundreds of thousands of flags: no Python row for each)."""
    if not decided:
        return
    rules_sql = f"({','.join('?' * len(decided))})"
    named = sorted(decided)
    now = times.now_iso()
    (before,) = conn.execute("SELECT coalesce(max(id), 0) FROM review_flags").fetchone()
    with audit.inserted_in_bulk(conn, "review_flags"):  # (the records' digest: one query, not a trigger per flag)
        conn.execute(
            "INSERT INTO review_flags (message_id, rule, reason, raised_at) SELECT m.id, h.rule, h.reason, ?"
            " FROM temp.review_holds h CROSS JOIN messages m ON m.rowid = h.rowid"
            f" WHERE h.rule IN {rules_sql}"
            " AND NOT EXISTS (SELECT 1 FROM review_flags f WHERE f.message_id = m.id AND f.rule = h.rule)"
            " ORDER BY h.rowid, h.rule",
            (now, *named),
        )
    # counted by rule in the index of states and rules (a flag raised is open; the rowid ends each entry): no
    # flag read (each read to be counted took 0.05 s for 100,000; GROUP BY sorted them first, in memory)
    _count(
        result.raised,
        ((rule, conn.execute(_RAISED, (rule, before)).fetchone()[0]) for rule in named),
    )
    # a flag's message in scope: from the flags when the scope is all (by the flag's message, not by its
    # state: "+" keeps SQLite from the state's index); else from the messages, in the order of their ids
    # (temp.review_scope), so that finding their flags reads the flags' index in its order (in an archive
    # of 1,000,000 messages, looking up each of 200,000 new messages' flags at random took 2 s a query)
    if scope.everything:
        flagged, rowid, plus = "review_flags f CROSS JOIN messages m ON m.id = f.message_id", "m.rowid", ""
    else:
        if listed != [scope]:  # (the messages do not change during a scan: a scope listed once serves each group)
            conn.execute("CREATE TEMP TABLE IF NOT EXISTS review_scope (id TEXT, r INTEGER)")
            conn.execute("DELETE FROM temp.review_scope")
            conn.execute(
                f"INSERT INTO temp.review_scope SELECT m.id, m.rowid FROM messages m WHERE {scope.sql()} ORDER BY m.id"
            )
            listed[:] = [scope]
        flagged, rowid, plus = "temp.review_scope m CROSS JOIN review_flags f ON f.message_id = m.id", "m.r", "+"
    held = f"SELECT h.reason FROM temp.review_holds h WHERE h.rowid = {rowid} AND h.rule = f.rule"
    reopen = conn.execute(
        f"SELECT f.id, f.rule, ({held}) FROM {flagged} WHERE {plus}f.rule IN {rules_sql}"
        f" AND {plus}f.state = 'cleared' AND EXISTS ({held})",
        named,
    ).fetchall()
    conn.executemany(
        "UPDATE review_flags SET state = 'open', reason = ?, decided_at = NULL, decided_by = NULL, note = NULL"
        " WHERE id = ?",
        ((r[2], r[0]) for r in reopen),
    )
    _count(result.reopened, ((rule, 1) for _, rule, _ in reopen))
    clear = conn.execute(  # (a flag raised just now holds: only those raised before are read)
        f"SELECT f.id, f.rule, {_UNSENT} FROM {flagged} WHERE {plus}f.rule IN {rules_sql}"
        f" AND {plus}f.state = 'open' AND f.id <= ? AND NOT EXISTS ({held})",
        (*named, before),
    ).fetchall()
    conn.executemany(
        "UPDATE review_flags SET state = 'cleared', decided_at = ?, decided_by = 'textfile', note = ? WHERE id = ?",
        ((now, f"{SCAN_CLEARED}{UNSENT_CLEARED[unsent] if unsent else why}", r) for r, _, unsent in clear),
    )
    _count(result.cleared, ((rule, 1) for _, rule, _ in clear))
    _new_reasons(conn, flagged, rowid, plus, rules_sql, named, before, result)


def _new_reasons(
    conn: sqlite3.Connection,
    flagged: str,
    rowid: str,
    plus: str,
    rules_sql: str,
    named: list[str],
    before: int,
    result: ScanResult,
) -> None:
    """An open flag (raised before this scan) whose rule holds for another reason now, over `flagged`: its
    reason as it holds now (temp.review_reasons: the flags and their new reasons, counted by rule, then
    written), in SQL: a term added to a category a full review reads changes the reason of every flag of it
    that the term matches. A reviewed or dismissed flag keeps its reason: what the person decided on."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS review_reasons (id INTEGER PRIMARY KEY, rule TEXT, reason TEXT)")
    conn.execute("DELETE FROM temp.review_reasons")
    conn.execute(
        f"INSERT INTO temp.review_reasons SELECT f.id, f.rule, h.reason FROM {flagged}"
        f" JOIN temp.review_holds h ON h.rowid = {rowid} AND h.rule = f.rule"
        f" WHERE {plus}f.rule IN {rules_sql} AND {plus}f.state = 'open' AND f.id <= ? AND h.reason <> f.reason",
        (*named, before),
    )
    _count(result.reasons_changed, conn.execute("SELECT rule, count(*) FROM temp.review_reasons GROUP BY rule"))
    conn.execute(
        "UPDATE review_flags SET reason = (SELECT r.reason FROM temp.review_reasons r WHERE r.id = review_flags.id)"
        " WHERE id IN (SELECT id FROM temp.review_reasons)"
    )


def _count(total: dict[str, int], counts) -> None:
    for rule, n in counts:
        if n:
            total[rule] = total.get(rule, 0) + n
