"""Full-text search over message texts (SQLite FTS5), narrowed by client, matter and window.

What the user types is searched as words, not as FTS5 syntax: each word is quoted, so a query
such as `don't "call"` or `AND OR (` can never be a syntax error. A trailing `*` on a word keeps
its prefix meaning (`settle*`). Words in double quotes are one phrase (`"the contract"`): found
together, and only there highlighted, never each word wherever it stands.

A hit's text says where it matched as pieces (`snippet_parts`: [text, matched]), read from FTS5's
snippet marked with private-use characters, so a message's own brackets are never taken for a match;
a terminal highlights the matches with a style, a pipe and --json get them in [brackets] (`snippet`).

A message is found by its current text or by any earlier version of it (`message_versions_fts`,
m014): the text a later export shows deleted or edited is what a reader most needs to find. A hit
is one message, with its current text and each earlier version that matched (one whose text is
not the current text), said to be an earlier version, which one, how it was kept and by which
import. Versions are indexed, not scanned: a zone correction (`--corrects-tz`) makes every message
of a chat a version, and scanning 200,000 versions took 0.5-1.8 s per search against 5 ms indexed.

A hit names its sender and its conversation as transcripts do (`transcript.content`'s helpers): the
owner by the owner's name, a number or address of a client's by the client's name. Its conversation
is named by its title alone where that says more than a participant's name (a group's members, each
with a number, made every row of the 80-column table as tall as the group is large), else by its
participants other than the owner, as the cover lists them; the participants are listed either way
(`conversation_participants`).
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field
from typing import NamedTuple

from textfile.errors import InvalidInput
from textfile.filing.names import client_row, matter_row
from textfile.notes.messages import numbers_in
from textfile.results import Result, json_name
from textfile.transcript.content import client_names, conversation_info, own_title, sender_name

_WORD = re.compile(r"\w+\*?", re.UNICODE)
_PHRASE = re.compile(r'"([^"]*)"')
# A snippet marks each match between two private-use characters, which `parts` reads: a text's own
# brackets are never taken for a match. A text that holds one of them has its snippet bracketed, unmarked.
HIT, END = "\ue000", "\ue001"


@dataclass(slots=True, eq=False)
class EarlierVersion(Result):
    """An earlier text of a found message that matched (not its current text): which version, where it came from."""

    version: int
    origin: str
    import_: int = json_name("import")
    import_file: str
    at: str | None
    sent_at: str | None
    source_zone: str | None
    body: str | None
    snippet: str | None  # the matches in [brackets]
    snippet_parts: list[list] | None  # [text, matched] pieces: what a terminal highlights


@dataclass(slots=True, eq=False)
class Hit(Result):
    """A message found: its current text, where it is, who sent it, and the earlier versions that matched."""

    id: str
    number: (
        str  # its number in its conversation, "2.15" (as `conversation show`, `review`, `note` and `redact` name it)
    )
    conversation: int
    conversation_title: str | None
    conversation_name: str
    conversation_participants: list[str]
    sent_at: str
    time_precision: str
    direction: str
    sender: str | None
    handle: str | None
    body: str | None
    snippet: str | None  # None: the current text did not match (an earlier version did)
    snippet_parts: list[list] | None
    versions: list[EarlierVersion] = field(default_factory=list)


def fts_query(text: str) -> str:
    """The FTS5 query for what the user typed: each word quoted, words in double quotes one phrase
    (`"the contract"`: those words together, in that order, and only there highlighted)."""
    terms = []
    for n, part in enumerate(_PHRASE.split(text)):  # (odd parts: the text between a pair of double quotes)
        words = _WORD.findall(part)
        if n % 2 and len(words) > 1:
            terms.append('"' + " ".join(w.rstrip("*") for w in words) + '"')
        else:
            terms += [f'"{w[:-1]}"*' if w.endswith("*") else f'"{w}"' for w in words]
    if not terms:
        raise InvalidInput(f"nothing to search for in {text!r}")
    return " ".join(terms)


def parts(snippet: str) -> list[list]:
    """A snippet as [text, matched] pieces, in order."""
    return [[piece, bool(n % 2)] for n, piece in enumerate(re.split(f"[{HIT}{END}]", snippet)) if piece]


def bracketed(pieces: list[list]) -> str:
    """A snippet with each match in [brackets] (what --json and a pipe show)."""
    return "".join(f"[{text}]" if matched else text for text, matched in pieces)


def search(
    conn: sqlite3.Connection,
    text: str,
    *,
    client: str | None = None,
    matter: str | None = None,
    from_at: str | None = None,
    until_at: str | None = None,
    limit: int = 100,
    owner_name: str = "",
) -> list[Hit]:
    # Words go through the full-text indexes; text with no word in it (an emoji, "?!") is not in
    # them (their tokenizer keeps letters and digits), so it is found by a plain scan.
    words = bool(_WORD.search(text))
    if not words and not text.strip():
        raise InvalidInput(f"nothing to search for in {text!r}")
    query = fts_query(text) if words else text.strip()
    rows = _found(conn, query, words, _scope(conn, client, matter, from_at, until_at), limit)
    snippets = _snippets(conn, "messages", [r["rowid"] for r in rows], query, words)
    versions = _versions(conn, [r["id"] for r in rows], query, words)
    clients = client_names(conn)
    named = {
        cid: _named(c)
        for cid, c in conversation_info(conn, sorted({r["conversation_id"] for r in rows}), clients).items()
    }
    numbers = numbers_in(conn, [(r["conversation_id"], r["rowid"]) for r in rows])
    return [
        Hit(
            id=r["id"],
            number=numbers[r["conversation_id"], r["rowid"]],
            conversation=r["conversation_id"],
            conversation_title=r["title"],
            conversation_name=named[r["conversation_id"]].name,
            conversation_participants=named[r["conversation_id"]].participants,
            sent_at=r["sent_at"],
            time_precision=r["time_precision"] or "millisecond",
            direction=r["direction"],
            sender=sender_name(r["display_name"], r["handle"], r["is_owner"], owner_name, clients) or r["handle"],
            handle=r["handle"],
            body=r["body"],
            **_snippet_fields(snippets.get(r["rowid"])),
            versions=versions.get(r["id"], []),
        )
        for r in rows
    ]


def _found(conn, query: str, words: bool, scope: tuple[str, list], limit: int) -> list[sqlite3.Row]:
    """The messages whose current text or an earlier version matches, in the scope, in time order."""
    if words:
        current = "SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?"
        earlier = (
            "SELECT m.rowid FROM message_versions_fts JOIN message_versions v ON v.rowid = message_versions_fts.rowid"
            " JOIN messages m ON m.id = v.message_id WHERE message_versions_fts MATCH ?"
        )
    else:
        current = "SELECT rowid FROM messages WHERE instr(body, ?) > 0"
        earlier = (
            "SELECT m.rowid FROM message_versions v JOIN messages m ON m.id = v.message_id WHERE instr(v.body, ?) > 0"
        )
    where, params = scope
    # (A version with the current text matches only where the current text does: it adds no message.)
    found = f"SELECT m.rowid FROM messages m WHERE m.rowid IN ({current} UNION {earlier}){where} ORDER BY m.sent_at, m.rowid LIMIT ?"
    return conn.execute(
        "SELECT m.rowid, m.id, m.conversation_id, c.title, m.sent_at, m.time_precision, m.direction, p.handle, p.display_name,"
        " p.is_owner, m.body"
        f" FROM ({found}) AS hit JOIN messages m ON m.rowid = hit.rowid JOIN conversations c ON c.id = m.conversation_id"
        " LEFT JOIN participants p ON p.id = m.sender_id ORDER BY m.sent_at, m.rowid",
        [query, query, *params, int(limit)],
    ).fetchall()


class _Named(NamedTuple):
    name: str
    participants: list[str]


def _named(c: dict) -> _Named:
    """A conversation's name in a hit: its own title alone ("Case 2024-17"), else its participants other
    than the owner as the cover lists them ("Sam Client +12025550123; jamie@example.com"); and those participants."""
    people = [
        f"{p['name']} {p['handle']}" if p["name"] else p["handle"] for p in c["participants"] if not p["is_owner"]
    ]
    return _Named(
        own_title(c["title"], (p["name"] or p["handle"] for p in c["participants"])) or "; ".join(people), people
    )


def _scope(conn, client: str | None, matter: str | None, from_at: str | None, until_at: str | None) -> tuple[str, list]:
    """The conditions on message `m` that --client, --matter, --from and --until set, and their parameters."""
    where: list[str] = []
    params: list = []
    if client:
        row = client_row(conn, client)
        where.append(
            "(m.conversation_id IN (SELECT p.conversation_id FROM participants p JOIN client_handles h ON h.handle = p.handle WHERE h.client_id = ?)"
            " OR EXISTS (SELECT 1 FROM filings f JOIN matters mt ON mt.id = f.matter_id WHERE mt.client_id = ? AND f.conversation_id = m.conversation_id"
            " AND (f.from_at IS NULL OR m.sent_at >= f.from_at) AND (f.until_at IS NULL OR m.sent_at <= f.until_at)))"
        )
        params += [row["id"], row["id"]]
    if matter:
        row = matter_row(conn, matter)
        where.append(
            "EXISTS (SELECT 1 FROM filings f WHERE f.matter_id = ? AND f.conversation_id = m.conversation_id"
            " AND (f.from_at IS NULL OR m.sent_at >= f.from_at) AND (f.until_at IS NULL OR m.sent_at <= f.until_at))"
        )
        params.append(row["id"])
    if from_at:
        where.append("m.sent_at >= ?")
        params.append(from_at)
    if until_at:
        where.append("m.sent_at <= ?")
        params.append(until_at)
    return "".join(f" AND {w}" for w in where), params


def _versions(conn, ids: list[str], query: str, words: bool) -> dict[str, list[EarlierVersion]]:
    """The earlier versions of these messages that match, each not the message's current text, oldest first."""
    rows = conn.execute(
        "SELECT v.rowid, v.message_id, v.version, v.origin, v.import_id, i.file_name, v.at, v.sent_at, v.source_zone, v.body"
        " FROM message_versions v JOIN imports i ON i.id = v.import_id JOIN messages m ON m.id = v.message_id"
        " WHERE v.message_id IN (SELECT value FROM json_each(?)) AND v.body <> m.body ORDER BY v.message_id, v.version",
        (json.dumps(ids),),
    ).fetchall()
    snippets = _snippets(conn, "message_versions", [v["rowid"] for v in rows], query, words)
    found: dict[str, list[EarlierVersion]] = {}
    for v in rows:
        if v["rowid"] in snippets:
            found.setdefault(v["message_id"], []).append(
                EarlierVersion(
                    version=v["version"],
                    origin=v["origin"],
                    import_=v["import_id"],
                    import_file=v["file_name"],
                    at=v["at"],
                    sent_at=v["sent_at"],
                    source_zone=v["source_zone"],
                    body=v["body"],
                    **_snippet_fields(snippets[v["rowid"]]),
                )
            )
    return found


def _snippet_fields(pieces: list[list] | None) -> dict:
    """A hit's `snippet` (the matches in [brackets]) and `snippet_parts` ([text, matched] pieces:
    what a terminal highlights, unambiguous where the text holds brackets of its own)."""
    return {"snippet": bracketed(pieces) if pieces is not None else None, "snippet_parts": pieces}


def _snippets(conn, table: str, rowids: list[int], query: str, words: bool) -> dict[int, list[list]]:
    """The text of each of these rows of `table` (messages or message_versions) that matches, as
    `parts`; the rows that do not match are left out. One pass over the index: a MATCH per row would
    set the query up (a prefix's terms) again for each."""
    if not words:
        return {
            rowid: _snippet(body, query)
            for rowid, body in conn.execute(
                f"SELECT rowid, body FROM {table} WHERE rowid IN (SELECT value FROM json_each(?)) AND instr(body, ?) > 0",
                (json.dumps(rowids), query),
            )
        }

    def snippets(marks: tuple[str, str], ids: list[int]):
        return conn.execute(
            f"SELECT rowid, snippet({table}_fts, 0, ?, ?, '…', 16), body FROM {table}_fts WHERE {table}_fts MATCH ?"
            " AND +rowid IN (SELECT value FROM json_each(?))",
            (*marks, query, json.dumps(ids)),
        )

    rows = snippets((HIT, END), rowids).fetchall()
    found = {rowid: parts(snippet) for rowid, snippet, body in rows if HIT not in body and END not in body}
    holding = [rowid for rowid, _, _ in rows if rowid not in found]
    for rowid, snippet, _ in snippets(("[", "]"), holding) if holding else ():
        found[rowid] = [[snippet, False]]
    return found


def _snippet(body: str, found: str, around: int = 40) -> list[list]:
    """Like FTS5's snippet(): the match, with some text either side, as `parts`."""
    at = body.find(found)
    start, end = max(0, at - around), min(len(body), at + len(found) + around)
    return [
        piece
        for piece in (
            ["…" * bool(start) + body[start:at], False],
            [found, True],
            [body[at + len(found) : end] + "…" * (end < len(body)), False],
        )
        if piece[0]
    ]
