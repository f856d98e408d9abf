"""The message numbers a transcript printed that the archive now gives other messages.

A message's number (#2.15) is its place in its conversation as the archive holds it now, in time
order (transcript/content/scope.py): an import that archives a message with an earlier time (the
client's own phone held one the owner's did not) moves every later number of that conversation by
one, and a message disposed of or moved in time moves them too. Bates numbers never move. A
transcript's manifest and record keep the numbers it printed (`scope.numbering`), so `verify
FILE.pdf` says, as information (the transcript still shows what it showed), which of its messages
are numbered otherwise now (and `verify DIR` of each PDF of a production, in the same words): a
number typed from the PDF (`note add --about`, `redact`) names the message the archive numbers so now.
"""

from __future__ import annotations

import json
import sqlite3

SHOWN = 5  # moved numbers the line names before saying how many more


def renumbered(conn: sqlite3.Connection, recorded: list[tuple[str, str]], numbering) -> list[dict]:
    """Each message a transcript shows (`recorded`: its (id, content hash) pairs in order) whose number
    now differs from the one it printed (`numbering`: its scope's runs), in transcript order:
    {"message": its number as printed, "id", "now": its number now}. None of a transcript numbered by
    position (made before messages were numbered per conversation, it printed no conversation's
    numbers), nor of a message no longer in the archive (the content check names it)."""
    from textfile.transcript.content import number_at
    from textfile.transcript.content.scope import Number

    printed = [(mid, number_at(numbering, p)) for p, (mid, _) in enumerate(recorded, 1)]
    printed = [(mid, n) for mid, n in printed if isinstance(n, Number)]
    if not printed:
        return []
    ids = json.dumps([mid for mid, _ in printed])
    # every message of the conversations that hold them now, numbered as `conversation show` numbers them
    now = {
        mid: f"{conversation}.{n}"
        for mid, conversation, n in conn.execute(
            "SELECT id, conversation_id, n FROM (SELECT id, conversation_id,"
            " row_number() OVER (PARTITION BY conversation_id ORDER BY sent_at, rowid) AS n FROM messages"
            " WHERE conversation_id IN (SELECT conversation_id FROM messages WHERE id IN (SELECT value FROM json_each(?))))"
            " WHERE id IN (SELECT value FROM json_each(?))",
            (ids, ids),
        )
    }
    return [{"message": str(n), "id": mid, "now": now[mid]} for mid, n in printed if now.get(mid, n) != n]


def renumbered_lines(moved: list[dict]) -> list[str]:
    """What `verify` says of a transcript's messages numbered otherwise now: how many, the first few
    ("#1.7 on this transcript is #1.8 now"), and what a number typed from it names."""
    if not moved:
        return []
    n = len(moved)
    said = ", ".join(
        f"#{m['message']}{' on this transcript' if i == 0 else ''} is #{m['now']} now"
        for i, m in enumerate(moved[:SHOWN])
    )
    more = f", and {n - SHOWN:,} more" if n > SHOWN else ""
    numbers, have = ("numbers", "have") if n != 1 else ("number", "has")
    return [
        f"  The {numbers} of {n:,} of its messages {have} moved since it was made (a number counts its"
        f" conversation's messages in time order as the archive holds them now): {said}{more}; a number typed"
        " from it names the message `textfile conversation show` numbers so"
    ]
