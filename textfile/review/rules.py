"""The rules that flag a message, each read over a scope of messages (all of them, or those a scan
has not read yet), giving what holds: {(message rowid, rule): reason}.

- A lexicon category's rule (its name: `deadlines`, `safety`…): a term of it matches the message,
  or an earlier version of it (text since edited or deleted still raised the alarm when it was
  read), in the direction the category applies to. Through the full-text indexes: one query per term.
- `after_hours_in`, `after_hours_out`: a text received or sent outside the working hours (none set:
  neither rule holds anywhere).
- `opt_out`: an inbound message that opted its sender out of texts, or back in (STOP, START:
  consent.keyword). `after_opt_out`: an outgoing text to a handle whose last word was an opt-out.
- `no_consent`: an outgoing text to a client (a conversation filed to their matter, within the
  filing's dates, or one with their handle) at a time no consent of theirs covers, when consent is
  required (`settings --consent-required`).
- `minor`: a text in a conversation with a client marked a minor, no guardian of theirs in it.
Texts only (a call has no words and is nobody's text); system lines never; conversations set aside
as not client-related never (their open flags clear).
"""

from __future__ import annotations

import re
import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from typing import NamedTuple

from textfile import times
from textfile.review import consent
from textfile.review.lexicons import DIRECTIONS, Category, phrase

HOURS_RULES = ("after_hours_in", "after_hours_out")
PEOPLE_RULES = ("opt_out", "after_opt_out", "no_consent", "minor")
BUILT_IN = HOURS_RULES + PEOPLE_RULES

Holds = dict[tuple[int, str], dict]


@dataclass(frozen=True, slots=True)
class Scope:
    """The messages a pass reads: those after rowid `after`, and the rowids in temp.review_edited
    when `edited` (messages an import changed since the last scan)."""

    after: int = 0
    edited: bool = False

    def sql(self, rowid: str = "m.rowid") -> str:
        """The SQL condition on a message's rowid."""
        if not self.edited:
            return f"{rowid} > {int(self.after)}"
        return f"({rowid} > {int(self.after)} OR {rowid} IN (SELECT rowid FROM temp.review_edited))"


EVERYTHING = Scope()


class Text(NamedTuple):
    rowid: int
    conversation: int
    direction: str
    sent_at: str
    sender: str | None


def set_aside(conn: sqlite3.Connection) -> set[int]:
    return {r[0] for r in conn.execute("SELECT conversation_id FROM conversation_ignores")}


def texts(conn: sqlite3.Connection, scope: Scope, where: str = "1", args: tuple = ()) -> list[Text]:
    """The texts (not calls, not system lines) in scope, of conversations not set aside."""
    return [
        Text(*r)
        for r in conn.execute(
            "SELECT m.rowid, m.conversation_id, m.direction, m.sent_at, p.handle FROM messages m"
            " LEFT JOIN participants p ON p.id = m.sender_id"
            f" WHERE {scope.sql()} AND m.kind = 'message' AND m.direction IN ('in', 'out') AND {where}"
            " AND m.conversation_id NOT IN (SELECT conversation_id FROM conversation_ignores)",
            args,
        )
    ]


# -- lexicons -------------------------------------------------------------------------------------


def lexicon_holds(conn: sqlite3.Connection, lexicon: dict[str, Category], scope: Scope) -> Holds:
    """Each text in scope a category's term matches (in the text or an earlier version of it)."""
    aside = set_aside(conn)
    found: dict[tuple[int, str], set[str]] = defaultdict(set)
    for name, category in lexicon.items():
        directions = ",".join(f"'{d}'" for d in DIRECTIONS[category.direction])
        for term in category.terms:
            query = phrase(term)
            rows = conn.execute(
                "SELECT m.rowid, m.conversation_id FROM messages_fts f JOIN messages m ON m.rowid = f.rowid"
                f" WHERE messages_fts MATCH ? AND {scope.sql('f.rowid')}"
                f" AND m.kind = 'message' AND m.direction IN ({directions})",
                (query,),
            ).fetchall()
            rows += conn.execute(
                "SELECT m.rowid, m.conversation_id FROM message_versions_fts vf"
                " JOIN message_versions v ON v.rowid = vf.rowid JOIN messages m ON m.id = v.message_id"
                f" WHERE message_versions_fts MATCH ? AND {scope.sql()}"
                f" AND m.kind = 'message' AND m.direction IN ({directions})",
                (query,),
            ).fetchall()
            for rowid, conversation in rows:
                if conversation not in aside:
                    found[rowid, name].add(term)
    holds: Holds = {key: {"terms": sorted(terms)} for key, terms in found.items()}
    if "money" in lexicon:
        for rowid, amounts in amounts_in(conn, lexicon["money"].direction, scope, aside).items():
            holds.setdefault((rowid, "money"), {"terms": []})["amounts"] = amounts
    return holds


# An amount of money as people text it: a currency sign before the figure ("$40,000", "€ 1.200,50",
# "$40k"), or a currency word or code after it ("40000 dollars", "1.200 EUR", "500 bucks").
AMOUNT = re.compile(
    r"[$€£¥₹]\s?\d[\d.,]*(?:\s?(?:k|m|bn|mil|million|thousand|grand)\b)?"
    r"|\b\d[\d.,]*\s?(?:k\s?)?(?:usd|eur|gbp|dollars?|euros?|pounds?|bucks|reais|pesos|grand)\b",
    re.IGNORECASE,
)
_CURRENCY_SQL = " OR ".join(
    [
        *(f"instr(m.body, '{c}') > 0" for c in "$€£¥₹"),
        *(f"m.body LIKE '%{w}%'" for w in ("usd", "eur", "gbp", "dollar", "pound", "bucks", "reais", "pesos", "grand")),
    ]
)


def amounts_in(conn: sqlite3.Connection, direction: str, scope: Scope, aside: set[int]) -> dict[int, list[str]]:
    """Each text in scope that names an amount of money, with the amounts as written (a currency sign or
    word narrows the texts read; the figure is then matched in each)."""
    directions = ",".join(f"'{d}'" for d in DIRECTIONS[direction])
    out = {}
    for rowid, conversation, body in conn.execute(
        f"SELECT m.rowid, m.conversation_id, m.body FROM messages m WHERE {scope.sql()} AND m.kind = 'message'"
        f" AND m.direction IN ({directions}) AND ({_CURRENCY_SQL})"
    ):
        found = [a.group(0).strip() for a in AMOUNT.finditer(body)]
        if found and conversation not in aside:
            out[rowid] = list(dict.fromkeys(found))
    return out


def lexicon_rules(conn: sqlite3.Connection, lexicon: dict[str, Category]) -> set[str]:
    """The rules a lexicon pass decides: its categories, and any category flags were raised under before."""
    before = {r[0] for r in conn.execute("SELECT DISTINCT rule FROM review_flags")} - set(BUILT_IN)
    return set(lexicon) | before


# -- working hours ----------------------------------------------------------------------------------


def hours_holds(conn: sqlite3.Connection, working, tz, scope: Scope) -> Holds:
    """Each text in scope sent or received outside the working hours."""
    if working is None:
        return {}

    inside = _Within(working, tz)
    out: Holds = {}
    for text in texts(conn, scope):
        if not inside(text.sent_at):
            out[text.rowid, f"after_hours_{text.direction}"] = {
                "local": times.from_iso(text.sent_at).astimezone(tz).isoformat(timespec="minutes")
            }
    return out


class _Within:
    """Whether a stored instant is inside the working hours, decided once per minute: hours begin
    and end on a minute, and a zone's offset is whole minutes."""

    def __init__(self, working, tz):
        from textfile.review import hours

        self.working, self.tz, self.within, self.seen = working, tz, hours.within, {}

    def __call__(self, sent_at: str) -> bool:
        minute = sent_at[:16]
        known = self.seen.get(minute)
        if known is None:
            known = self.seen[minute] = self.within(self.working, times.from_iso(minute + ":00Z"), self.tz)
        return known


# -- opt-outs, consent, minors --------------------------------------------------------------------


def record_opt_changes(conn: sqlite3.Connection, scope: Scope) -> list[consent.OptChange]:
    """Record each inbound text in scope that is, as a whole, an opt-out or opt-in keyword (found
    through the full-text index, then compared whole); returns those recorded now."""
    words = " OR ".join(phrase(w) for w in consent.OPT_OUT + consent.OPT_IN)
    found = []
    for message_id, body, at, handle, conversation in conn.execute(
        "SELECT m.id, m.body, m.sent_at, p.handle, m.conversation_id FROM messages_fts f"
        " JOIN messages m ON m.rowid = f.rowid JOIN participants p ON p.id = m.sender_id"
        f" WHERE messages_fts MATCH ? AND {scope.sql('f.rowid')} AND m.direction = 'in' AND m.kind = 'message'",
        (words,),
    ).fetchall():
        said = consent.keyword(body)
        if said is None:
            continue
        cur = conn.execute(
            "INSERT OR IGNORE INTO opt_outs (message_id, handle, change, keyword, at) VALUES (?, ?, ?, ?, ?)",
            (message_id, handle, said[0], said[1], at),
        )
        if cur.rowcount:
            found.append(consent.OptChange(message_id, conversation, handle, said[0], said[1], at))
    return found


def people_holds(conn: sqlite3.Connection, consent_required: bool, scope: Scope) -> Holds:
    out: Holds = {}
    out |= _opt_out_holds(conn, scope)
    clients = _clients_by_conversation(conn)
    if consent_required:
        out |= _no_consent_holds(conn, clients, scope)
    out |= _minor_holds(conn, clients, scope)
    return out


def _opt_out_holds(conn: sqlite3.Connection, scope: Scope) -> Holds:
    out: Holds = {}
    changes: dict[str, list[consent.OptChange]] = defaultdict(list)
    for change in consent.opt_changes(conn):
        changes[change.handle].append(change)
    said = {c.message_id: c for cs in changes.values() for c in cs}
    for rowid, message_id in conn.execute(
        f"SELECT m.rowid, m.id FROM opt_outs o JOIN messages m ON m.id = o.message_id WHERE {scope.sql()}"
        " AND m.conversation_id NOT IN (SELECT conversation_id FROM conversation_ignores)"
    ):
        change = said[message_id]
        out[rowid, "opt_out"] = {"change": change.change, "keyword": change.keyword, "handle": change.handle}
    for handle, said in changes.items():
        spans = _opted_out_spans(said)
        if not spans:
            continue
        for text in texts(
            conn,
            scope,
            "m.direction = 'out' AND m.conversation_id IN"
            " (SELECT conversation_id FROM participants WHERE handle = ? AND is_owner = 0)",
            (handle,),
        ):
            for start, until, stop in spans:
                if start < text.sent_at and (until is None or text.sent_at < until):
                    out[text.rowid, "after_opt_out"] = {
                        "handle": handle,
                        "opt_out": stop.message_id,
                        "keyword": stop.keyword,
                        "at": stop.at,
                    }
                    break
    return out


def _opted_out_spans(said: list[consent.OptChange]) -> list[tuple[str, str | None, consent.OptChange]]:
    """(from, until or None, the opt-out) for each time a handle's last word was an opt-out."""
    spans, stop = [], None
    for change in sorted(said, key=lambda c: c.at):
        if change.change == "out" and stop is None:
            stop = change
        elif change.change == "in" and stop is not None:
            spans.append((stop.at, change.at, stop))
            stop = None
    if stop is not None:
        spans.append((stop.at, None, stop))
    return spans


class ClientSpan(NamedTuple):
    """A client a conversation's texts belong to, between two instants (None: no bound)."""

    client_id: int
    name: str
    from_at: str | None
    until_at: str | None


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


def _of(spans: list[ClientSpan], at: str) -> list[ClientSpan]:
    return [s for s in spans if (s.from_at is None or s.from_at <= at) and (s.until_at is None or at <= s.until_at)]


def _no_consent_holds(conn: sqlite3.Connection, clients: dict[int, list[ClientSpan]], scope: Scope) -> Holds:
    given: dict[int, list[tuple[str, str | None]]] = defaultdict(list)
    for c in consent.consents(conn):
        given[_client_id(conn, c.client)].append((c.given_at, c.revoked_at))
    out: Holds = {}
    for text in _texts_of(conn, clients, scope, "m.direction = 'out'"):
        lacking = sorted(
            {
                s.name
                for s in _of(clients[text.conversation], text.sent_at)
                if not any(g <= text.sent_at and (r is None or text.sent_at < r) for g, r in given[s.client_id])
            }
        )
        if lacking:
            out[text.rowid, "no_consent"] = {"clients": lacking}
    return out


def _client_id(conn: sqlite3.Connection, name: str) -> int:
    return conn.execute("SELECT id FROM clients WHERE name = ?", (name,)).fetchone()[0]


def _minor_holds(conn: sqlite3.Connection, clients: dict[int, list[ClientSpan]], scope: Scope) -> Holds:
    import json

    minors = {r[0]: set(json.loads(r[1])) for r in conn.execute("SELECT client_id, guardians FROM client_minors")}
    if not minors:
        return {}
    present: dict[int, set[str]] = defaultdict(set)
    for conversation, handle in conn.execute("SELECT conversation_id, handle FROM participants"):
        present[conversation].add(handle)
    out: Holds = {}
    for text in _texts_of(conn, {c: s for c, s in clients.items() if any(x.client_id in minors for x in s)}, scope):
        names = sorted(
            {
                s.name
                for s in _of(clients[text.conversation], text.sent_at)
                if s.client_id in minors and not (minors[s.client_id] & present[text.conversation])
            }
        )
        if names:
            out[text.rowid, "minor"] = {"clients": names}
    return out


def _texts_of(
    conn: sqlite3.Connection, clients: dict[int, list[ClientSpan]], scope: Scope, where: str = "1"
) -> list[Text]:
    """The texts in scope of these conversations."""
    if not clients:
        return []
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS review_conversations (id INTEGER PRIMARY KEY)")
    conn.execute("DELETE FROM temp.review_conversations")
    conn.executemany("INSERT INTO temp.review_conversations VALUES (?)", ((c,) for c in clients))
    return texts(conn, scope, f"{where} AND m.conversation_id IN (SELECT id FROM temp.review_conversations)")
