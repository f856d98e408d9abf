"""The rules that flag a message, each read over a scope of messages (all of them, or those a scan
has not read yet), writing what holds into `temp.review_holds` (message rowid, rule, reason as JSON).

- A lexicon category's rule (its name: `deadlines`, `safety`…): a term of it matches the message,
  or an earlier version of it (text since edited or deleted still raised the alarm when it was
  read), in the direction the category applies to. Through the full-text indexes: one query per term.
- `after_hours_in`, `after_hours_out`: a text received or sent outside the working hours (none set:
  neither rule holds anywhere). Judged in SQL against the working periods as UTC intervals
  (periods.py: exactly what `hours.within` says, DST included).
- `opt_out`: an inbound message that opted its sender out of texts, or back in (STOP, START:
  consent.keyword). `after_opt_out`: an outgoing text to a handle whose last word was an opt-out.
- `no_consent`: an outgoing text to a client (a conversation filed to their matter, within the
  filing's dates, or one with their handle) at a time no consent of theirs covers, when consent is
  required (`settings --consent-required`).
- `minor`: a text in a conversation with a client marked a minor, no guardian of theirs in it (with
  their date of birth on record: one sent before their 18th birthday only).
Texts only (a call has no words and is nobody's text); system lines never; conversations set aside
as not client-related never (their open flags clear); of the owner's texts, only those that went out
(`sent`): a draft or a failed send never went out, a queued one is not known to have, so no rule
flags it (a lexicon's, after hours, after an opt-out, consent, a minor). Each rule is a few queries
over the indexes (`messages (conversation_id, sent_at)`, the full-text indexes): no Python loop over
every message.
"""

from __future__ import annotations

import heapq
import json
import re
import sqlite3
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import NamedTuple

from textfile import times
from textfile.lifecycle.retention import adult_at
from textfile.review import consent
from textfile.review.lexicons import DIRECTIONS, Category, phrase

HOURS_RULES = ("after_hours_in", "after_hours_out")
OPT_OUT_RULES = ("opt_out", "after_opt_out")
CONSENT_RULES = ("no_consent", "minor")
BUILT_IN = HOURS_RULES + OPT_OUT_RULES + CONSENT_RULES

# The statuses of an outgoing text the owner never sent: a draft, a failed send, and one queued or in
# the outbox. A queued text may or may not have gone out later: its sending is not confirmed (the
# transcript says so). For the duty to respond an unconfirmed text is no response, and for a rule about
# what the owner sent it is no proof of a breach: it is neither, and the transcript still shows it.
NOT_SENT = ("draft", "failed", "outbox", "queued")


def sent(m: str = "m") -> str:
    """SQL: the outgoing text `m` (a message's alias) went out: none of the NOT_SENT statuses, and not
    flagged "failed" (an iMessage that failed has no status, only the flag; an Android text sent whose
    delivery report says it failed has the status "delivery failed" and the flag)."""
    statuses = ", ".join(f"'{status}'" for status in NOT_SENT)
    return f"(coalesce({m}.status, '') NOT IN ({statuses}) AND instr({m}.flags, '\"failed\"') = 0)"


# A message of a conversation not set aside; one received, or one the owner sent (`sent`); a text of
# a conversation not set aside, received or sent (SQL on a message `m`).
NOT_ASIDE = "m.conversation_id NOT IN (SELECT conversation_id FROM conversation_ignores)"
SAID = f"(m.direction = 'in' OR (m.direction = 'out' AND {sent()}))"
TEXT = f"m.kind = 'message' AND {SAID} AND {NOT_ASIDE}"
WITH_YOU = consent.WITH_YOU  # (a thread the owner is in: see there)


@dataclass(frozen=True, slots=True)
class Scope:
    """The messages a pass reads: those after rowid `after`, and the rowids in temp.review_edited
    when `edited` (messages an import changed since the last scan)."""

    after: int = 0
    edited: bool = False
    conversations: bool = False  # and the messages of the conversations in temp.review_rescan…
    since: str = ""  # …sent from then on

    def sql(self, rowid: str = "m.rowid") -> str:
        """The SQL condition on a message (`rowid`: the column that is its rowid; `m` the message)."""
        terms = [f"{rowid} > {int(self.after)}"]
        if self.edited:
            terms.append(f"{rowid} IN (SELECT rowid FROM temp.review_edited)")
        if self.conversations:
            terms.append(
                "(m.conversation_id IN (SELECT id FROM temp.review_rescan) AND m.sent_at >= '"
                + self.since.replace("'", "''")
                + "')"
            )
        return terms[0] if len(terms) == 1 else f"({' OR '.join(terms)})"

    @property
    def everything(self) -> bool:
        return self.after == 0 and not self.edited and not self.conversations


EVERYTHING = Scope()


def reason(data: dict | list) -> str:
    """A flag's reason as stored, or a list in it: compact JSON, keys sorted (the form SQL's json_object writes them in here)."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def start(conn: sqlite3.Connection) -> None:
    """Empty temp.review_holds for a pass."""
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS review_holds (rowid INTEGER, rule TEXT, reason TEXT, PRIMARY KEY (rowid, rule))"
        " WITHOUT ROWID"
    )
    conn.execute("DELETE FROM temp.review_holds")


def _hold(conn: sqlite3.Connection, rows) -> None:
    conn.executemany("INSERT OR IGNORE INTO temp.review_holds VALUES (?, ?, ?)", rows)


# -- lexicons -------------------------------------------------------------------------------------


def lexicon_holds(conn: sqlite3.Connection, lexicon: dict[str, Category], scope: Scope) -> None:
    """Each text in scope a category's term matches (in the text or an earlier version of it), and
    for `money` each that names an amount. Gathered in SQL (temp.review_hits: a text, its category, a
    term; temp.review_amounts), each hold's reason made there as `reason` writes it: what a first import
    of a million messages holds (half of them, in a firm's texts) never sits in Python."""
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS review_hits (rowid INTEGER, rule TEXT, term TEXT, PRIMARY KEY (rowid, rule, term))"
        " WITHOUT ROWID"
    )
    conn.execute("DELETE FROM temp.review_hits")
    for name, category in lexicon.items():
        directions = ",".join(f"'{d}'" for d in DIRECTIONS[category.direction])
        texts = f"m.kind = 'message' AND m.direction IN ({directions}) AND {SAID} AND {NOT_ASIDE}"
        for term in category.terms:
            args = (name, term, phrase(term))
            conn.execute(
                "INSERT OR IGNORE INTO temp.review_hits SELECT m.rowid, ?, ? FROM messages_fts f"
                f" JOIN messages m ON m.rowid = f.rowid WHERE messages_fts MATCH ? AND {scope.sql('f.rowid')} AND {texts}",
                args,
            )
            conn.execute(
                "INSERT OR IGNORE INTO temp.review_hits SELECT m.rowid, ?, ? FROM message_versions_fts vf"
                " JOIN message_versions v ON v.rowid = vf.rowid JOIN messages m ON m.id = v.message_id"
                f" WHERE message_versions_fts MATCH ? AND {scope.sql()} AND {texts}",
                args,
            )
    if "money" in lexicon:  # a text naming an amount: the amounts first, then the terms (the keys sorted)
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS review_amounts (rowid INTEGER PRIMARY KEY, amounts TEXT)")
        conn.execute("DELETE FROM temp.review_amounts")
        conn.executemany(
            "INSERT INTO temp.review_amounts VALUES (?, ?)",
            ((rowid, reason(amounts)) for rowid, amounts in amounts_in(conn, lexicon["money"].direction, scope)),
        )
        conn.execute(
            "INSERT OR IGNORE INTO temp.review_holds SELECT a.rowid, 'money', json_object('amounts', json(a.amounts),"
            " 'terms', json((SELECT json_group_array(h.term) FROM temp.review_hits h WHERE h.rowid = a.rowid"
            " AND h.rule = 'money'))) FROM temp.review_amounts a"
        )
    conn.execute(  # (the hits in key order: each text's terms sorted, as `reason` sorts them)
        "INSERT OR IGNORE INTO temp.review_holds SELECT rowid, rule, json_object('terms', json_group_array(term))"
        " FROM temp.review_hits GROUP BY rowid, rule"
    )


# An amount of money as people text it: a currency sign before the figure ("$40,000", "€ 1.200,50",
# "$40k"), or a currency word or code after it ("40000 dollars", "1.200 EUR", "500 bucks").
AMOUNT = re.compile(  # (a figure ends in a digit: "Just $4,000." names $4,000, not the full stop)
    r"[$€£¥₹]\s?\d(?:[\d.,]*\d)?(?:\s?(?:k|m|bn|mil|million|thousand|grand)\b)?"
    r"|\b\d(?:[\d.,]*\d)?\s?(?:k\s?)?(?:usd|eur|gbp|dollars?|euros?|pounds?|bucks|reais|pesos|grand)\b",
    re.IGNORECASE,
)
# A text with a currency sign in it. The signs other than "$" are not ASCII, so they are looked for only in a
# text that is not all ASCII (fewer characters than bytes: a count, where each `instr` compares at every
# character): 0.07 s over 200,000 texts where five `instr` took 0.12 s.
_SIGNS_SQL = (
    "instr(m.body, '$') > 0 OR (length(m.body) < length(CAST(m.body AS BLOB)) AND ("
    + " OR ".join(f"instr(m.body, '{c}') > 0" for c in "€£¥₹")
    + "))"
)
# the currency words, as the full-text index finds them (a figure glued to its word, "40000dollars", is
# one token to the index, and is not found this way: the sign's scan finds "$40,000")
_CURRENCY_WORDS = " OR ".join(
    phrase(w)
    for w in (
        "usd",
        "eur",
        "euro",
        "euros",
        "gbp",
        "dollar",
        "dollars",
        "pound",
        "pounds",
        "bucks",
        "reais",
        "pesos",
        "grand",
    )
)


def amounts_in(conn: sqlite3.Connection, direction: str, scope: Scope) -> Iterator[tuple[int, list[str]]]:
    """Each text in scope that names an amount of money, with the amounts as written: the texts with
    a currency sign (read once each) or a currency word (through the full-text index), then the
    figure matched in each."""
    directions = ",".join(f"'{d}'" for d in DIRECTIONS[direction])
    texts = f"{scope.sql()} AND m.kind = 'message' AND m.direction IN ({directions}) AND {SAID} AND {NOT_ASIDE}"
    for rowid, body in conn.execute(
        f"SELECT m.rowid, m.body FROM messages m WHERE {texts} AND ({_SIGNS_SQL})"
        " UNION SELECT m.rowid, m.body FROM messages_fts f JOIN messages m ON m.rowid = f.rowid"
        f" WHERE messages_fts MATCH ? AND {texts}",
        (_CURRENCY_WORDS,),
    ):
        found = [a.group(0).strip() for a in AMOUNT.finditer(body)]
        if found:
            yield rowid, list(dict.fromkeys(found))


def lexicon_rules(conn: sqlite3.Connection, lexicon: dict[str, Category]) -> set[str]:
    """The rules a lexicon pass decides: its categories, and any category flags were raised under before."""
    before = {r[0] for r in conn.execute("SELECT DISTINCT rule FROM review_flags")} - set(BUILT_IN)
    return set(lexicon) | before


# -- working hours ----------------------------------------------------------------------------------


def hours_holds(conn: sqlite3.Connection, working, tz, scope: Scope) -> None:
    """Each text in scope sent or received outside the working hours, with its local time (in SQL:
    the working periods and the zone's offsets as temporary tables of UTC instants)."""
    if working is None:
        return
    from textfile.review import periods

    first, last = conn.execute(
        f"SELECT min(m.sent_at), max(m.sent_at) FROM messages m WHERE {scope.sql()} AND {TEXT} AND {WITH_YOU}"
    ).fetchone()
    if first is None:
        return
    start, end = times.from_iso(first), times.from_iso(last) + timedelta(seconds=1)
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS review_open (open_at TEXT PRIMARY KEY, close_at TEXT) WITHOUT ROWID")
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS review_offsets (from_at TEXT PRIMARY KEY, minutes INTEGER) WITHOUT ROWID"
    )
    conn.execute("DELETE FROM temp.review_open")
    conn.execute("DELETE FROM temp.review_offsets")
    conn.executemany("INSERT INTO temp.review_open VALUES (?, ?)", periods.open_intervals(working, tz, start, end))
    changes = periods.changes(start - timedelta(days=2), end + timedelta(days=2), tz)
    conn.executemany("INSERT INTO temp.review_offsets VALUES (?, ?)", ((times.to_iso(a), n) for a, n in changes))
    offset = "(SELECT minutes FROM temp.review_offsets WHERE from_at <= m.sent_at ORDER BY from_at DESC LIMIT 1)"
    conn.execute(
        "INSERT OR IGNORE INTO temp.review_holds SELECT m.rowid, 'after_hours_' || m.direction,"
        f" json_object('local', strftime('%Y-%m-%dT%H:%M', m.sent_at, {offset} || ' minutes')"
        f"   || printf('%+03d:%02d', {offset} / 60, abs({offset}) % 60))"
        f" FROM messages m WHERE {scope.sql()} AND {TEXT} AND {WITH_YOU}"
        " AND coalesce((SELECT close_at FROM temp.review_open WHERE open_at <= m.sent_at ORDER BY open_at DESC LIMIT 1), '')"
        "     <= m.sent_at"
    )


# -- opt-outs ---------------------------------------------------------------------------------------


def record_opt_changes(conn: sqlite3.Connection, scope: Scope) -> list[consent.OptChange]:
    """Record each inbound text in scope that is, as a whole, an opt-out or opt-in keyword
    (consent.said_keywords); returns those recorded now."""
    found = []
    for change in consent.said_keywords(conn, scope.sql("f.rowid")):
        cur = conn.execute(
            "INSERT OR IGNORE INTO opt_outs (message_id, handle, change, keyword, at) VALUES (?, ?, ?, ?, ?)",
            (change.message_id, change.handle, change.change, change.keyword, change.at),
        )
        if cur.rowcount:
            found.append(change)
    return found


def opt_out_holds(conn: sqlite3.Connection, scope: Scope) -> None:
    """The opt-outs and opt-ins themselves, and each outgoing text in scope to a handle whose last word was an opt-out."""
    conn.execute(
        "INSERT OR IGNORE INTO temp.review_holds SELECT m.rowid, 'opt_out',"
        " json_object('change', o.change, 'handle', o.handle, 'keyword', o.keyword)"
        f" FROM opt_outs o CROSS JOIN messages m ON m.id = o.message_id WHERE {scope.sql()} AND {TEXT} AND {WITH_YOU}"
    )
    by_handle: dict[str, list[consent.OptChange]] = defaultdict(list)
    for change in consent.opt_changes(conn):
        by_handle[change.handle].append(change)
    given = _consents_given(conn, sorted(by_handle))
    spans = {handle: found for handle, said in by_handle.items() if (found := _opted_out_spans(said, given[handle]))}
    if scope.everything:  # each span's texts, through the (conversation, time) index
        for handle, handle_spans in spans.items():
            for since, until, stop in handle_spans:
                conn.execute(
                    "INSERT OR IGNORE INTO temp.review_holds SELECT m.rowid, 'after_opt_out',"
                    " json_object('at', ?, 'handle', ?, 'keyword', ?, 'opt_out', ?)"
                    " FROM participants p CROSS JOIN messages m ON m.conversation_id = p.conversation_id"
                    " WHERE p.handle = ? AND p.is_owner = 0 AND m.sent_at > ? AND m.sent_at < ? AND m.direction = 'out'"
                    f" AND {TEXT}",
                    (stop.at, handle, stop.keyword, stop.message_id, handle, since, until or "9999"),
                )
        return
    rows = conn.execute(  # a few texts: each held against its handles' spans
        "SELECT m.rowid, m.sent_at, p.handle FROM messages m JOIN participants p ON p.conversation_id = m.conversation_id"
        f" WHERE {scope.sql()} AND m.direction = 'out' AND {TEXT} AND p.is_owner = 0"
        " AND p.handle IN (SELECT value FROM json_each(?))",
        (json.dumps(sorted(spans)),),
    ).fetchall()
    _hold(
        conn,
        (
            (
                rowid,
                "after_opt_out",
                reason({"at": stop.at, "handle": handle, "keyword": stop.keyword, "opt_out": stop.message_id}),
            )
            for rowid, sent_at, handle in rows
            for since, until, stop in spans[handle]
            if since < sent_at and (until is None or sent_at < until)
        ),
    )


def _consents_given(conn: sqlite3.Connection, handles: list[str]) -> dict[str, list[tuple[str, str | None]]]:
    """When each of these handles' client gave a consent to be texted, and revoked it (None: in force), none
    withdrawn as recorded by mistake."""
    given: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
    for handle, at, revoked in conn.execute(
        f"SELECT h.handle, k.given_at, k.revoked_at FROM ({consent.CLIENTS_HANDLES}) h JOIN consents k"
        " ON k.client_id = h.client_id WHERE k.withdrawn_at IS NULL AND h.handle IN (SELECT value FROM json_each(?))"
        " ORDER BY 1, 2",
        (json.dumps(handles),),
    ):
        given[handle].append((at, revoked))
    return given


def _opted_out_spans(
    said: list[consent.OptChange], consents: list[tuple[str, str | None]] = ()
) -> list[tuple[str, str | None, consent.OptChange]]:
    """(from, until or None, the opt-out) for each time a handle's last word was an opt-out. A consent its client
    gave after it (agreed in a session or in writing to be texted again, recorded with `client consent --given`)
    ends it, as an opt-in does: the carriers' START was the only way back in (second reader, round 15); only while
    in force: revoked, the opt-out it ended holds again from then (round 16: a text after the revocation was
    flagged by nothing, the consent given before the opt-out being still in force)."""
    events = [(c.at, 0, i, c) for i, c in enumerate(said)] + [
        (given, 1, len(said) + i, revoked) for i, (given, revoked) in enumerate(consents)
    ]
    heapq.heapify(events)
    spans, stop, since, n = [], None, None, len(events)
    resumable = None  # the opt-out a consent ended, that its revocation makes hold again (unless a START came)
    while events:
        at, kind, _, x = heapq.heappop(events)
        if kind == 0:  # (a keyword: STOP, or START)
            resumable = None
            if x.change == "out" and stop is None:
                stop, since = x, at
            elif x.change == "in" and stop is not None:
                spans.append((since, at, stop))
                stop = None
        elif kind == 1 and stop is not None:  # (a consent given; `x`: when it was revoked, or None)
            spans.append((since, at, stop))
            if x is not None:
                n += 1
                heapq.heappush(events, (x, 2, n, stop))
                resumable = stop
            stop = None
        elif kind == 2 and stop is None and resumable is x:  # (that consent revoked)
            stop, since, resumable = x, at, None
    if stop is not None:
        spans.append((since, None, stop))
    return spans


# -- consent and minors -----------------------------------------------------------------------------


class ClientSpan(NamedTuple):
    """A client a conversation's texts belong to, between two instants (None: no bound)."""

    client_id: int
    name: str
    from_at: str | None
    until_at: str | None


def consent_holds(conn: sqlite3.Connection, consent_required: bool, scope: Scope) -> None:
    """Outgoing texts to a client no consent covers (when required), and texts with a minor client no
    guardian is in the conversation with: each text with the clients it concerns, by name."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS review_named (rowid INTEGER, rule TEXT, name TEXT)")
    conn.execute("DELETE FROM temp.review_named")
    clients = _clients_by_conversation(conn)
    if consent_required:
        _lacking_consent(conn, clients, scope)
    _minors(conn, clients, scope)
    conn.execute(
        "INSERT OR IGNORE INTO temp.review_holds SELECT rowid, rule, json_object('clients', json_group_array(name))"
        " FROM (SELECT DISTINCT rowid, rule, name FROM temp.review_named ORDER BY rowid, rule, name) GROUP BY rowid, rule"
    )


def _clients_by_conversation(conn: sqlite3.Connection) -> dict[int, list[ClientSpan]]:
    out: dict[int, list[ClientSpan]] = defaultdict(list)
    for r in conn.execute(
        "SELECT f.conversation_id, c.id, c.name, f.from_at, f.until_at FROM filings f"
        " JOIN matters mt ON mt.id = f.matter_id JOIN clients c ON c.id = mt.client_id"
        " UNION SELECT p.conversation_id, c.id, c.name, NULL, NULL FROM participants p"
        " JOIN client_handles h ON h.handle = p.handle JOIN clients c ON c.id = h.client_id WHERE p.is_owner = 0"
    ):
        out[r[0]].append(ClientSpan(*r[1:]))
    return out


def _name(
    conn, rule: str, span: ClientSpan, conversation: int, scope: Scope, bounds: list[tuple[str, str]], where: str
) -> None:
    """Name the client of each text of a conversation within the span and these bounds (SQL, args)."""
    conditions, args = [where], [rule, span.name, conversation]
    for condition, value in [("m.sent_at >= ?", span.from_at), ("m.sent_at <= ?", span.until_at), *bounds]:
        if value is not None:
            conditions.append(condition)
            args.append(value)
    conn.execute(
        "INSERT INTO temp.review_named SELECT m.rowid, ?, ? FROM messages m WHERE m.conversation_id = ?"
        f" AND {' AND '.join(conditions)} AND {scope.sql()} AND {TEXT} AND {WITH_YOU}",
        args,
    )


def _gaps(given: list[tuple[str, str | None]]) -> list[tuple[str | None, str | None]]:
    """The times no consent covers, (from, until) with None for no bound: a consent covers [given, revoked)."""
    if not given:
        return [(None, None)]
    ordered = sorted(given)
    gaps: list[tuple[str | None, str | None]] = [(None, ordered[0][0])]
    covered = ordered[0][0]  # covered up to here so far
    for start, end in ordered:
        if start > covered:
            gaps.append((covered, start))
        if end is None:
            return gaps  # covered from then on
        covered = max(covered, end)
    return [*gaps, (covered, None)]


def _lacking_consent(conn, clients: dict[int, list[ClientSpan]], scope: Scope) -> None:
    given: dict[int, list[tuple[str, str | None]]] = defaultdict(list)
    for k in conn.execute("SELECT client_id, given_at, revoked_at FROM consents WHERE withdrawn_at IS NULL"):
        given[k[0]].append((k[1], k[2]))
    for conversation, spans in clients.items():
        for span in spans:
            for since, until in _gaps(given[span.client_id]):
                _name(
                    conn, "no_consent", span, conversation, scope,
                    [("m.sent_at >= ?", since), ("m.sent_at < ?", until)], "m.direction = 'out'",
                )  # fmt: skip


def _minors(conn, clients: dict[int, list[ClientSpan]], scope: Scope) -> None:
    """A minor's texts with no guardian in the conversation; when their date of birth is known, only those
    sent before their 18th birthday (midnight in the archive's zone)."""
    minors = {r[0]: set(json.loads(r[1])) for r in conn.execute("SELECT client_id, guardians FROM client_minors")}
    if not minors:
        return
    adult = adult_at(conn)
    present: dict[int, set[str]] = defaultdict(set)
    for conversation, handle in conn.execute("SELECT conversation_id, handle FROM participants"):
        present[conversation].add(handle)
    for conversation, spans in clients.items():
        for span in spans:
            if span.client_id in minors and not (minors[span.client_id] & present[conversation]):
                _name(conn, "minor", span, conversation, scope, [("m.sent_at < ?", adult.get(span.client_id))], "1")
