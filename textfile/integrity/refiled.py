"""The conversations a transcript shows that are no longer filed to its matter: `verify`'s information, not a problem.

A conversation filed by mistake to another client's matter, transcribed there, then unfiled and filed where it
belongs (`unfile`, `file`), leaves a transcript in the first client's file that holds the other client's texts.
The transcript is still what was made, and verifies; `deletable` no longer counts it for that conversation
(weekly/verdicts.py). `verify FILE.pdf` says, for each conversation it shows that is filed to its matter (a client's
transcript: to any of the client's matters, unless it is one with a handle of theirs) no longer, where it is filed now, so the person can take the
transcript out of that file.
"""

from __future__ import annotations

import sqlite3


def unfiled_since(conn: sqlite3.Connection, transcript_id: int) -> list[dict]:
    """Each conversation the transcript shows that is filed to its matter (or its client's matters) no longer:
    {"conversation", "filed_now": [{"matter", "client"}]}, in the order of the conversations' numbers."""
    row = conn.execute("SELECT matter_id, client_id FROM transcripts WHERE id = ?", (transcript_id,)).fetchone()
    if row is None:
        return []
    if row["matter_id"] is not None:
        its, args = "SELECT conversation_id FROM filings WHERE matter_id = ?", (row["matter_id"],)
    else:  # (a client's transcript shows, as its scope does, their matters' conversations and those with their handles)
        its = (
            "SELECT f.conversation_id FROM filings f JOIN matters x ON x.id = f.matter_id WHERE x.client_id = ?"
            " UNION SELECT p.conversation_id FROM participants p JOIN client_handles h ON h.handle = p.handle"
            " WHERE h.client_id = ? AND p.is_owner = 0"
        )
        args = (row["client_id"], row["client_id"])
    out = []
    for (conversation,) in conn.execute(
        "SELECT DISTINCT m.conversation_id FROM transcript_messages tm JOIN messages m ON m.id = tm.message_id"
        f" WHERE tm.transcript_id = ? AND m.conversation_id NOT IN ({its}) ORDER BY 1",
        (transcript_id, *args),
    ):
        filed = [
            {"matter": reference, "client": client}
            for reference, client in conn.execute(
                "SELECT DISTINCT x.reference, c.name FROM filings f JOIN matters x ON x.id = f.matter_id"
                " JOIN clients c ON c.id = x.client_id WHERE f.conversation_id = ? ORDER BY 1",
                (conversation,),
            )
        ]
        out.append({"conversation": conversation, "filed_now": filed})
    return out


# What a conversation unfiled since means for a transcript (`unfiled_lines`).
IN_THE_WRONG_FILE = "this transcript holds them in the wrong file"


def unfiled_lines(unfiled: list[dict], meaning: str = IN_THE_WRONG_FILE) -> list[str]:
    """`unfiled` in words, one line each: what it means if its texts are another client's (`meaning`)."""
    lines = []
    for u in unfiled:
        now = (
            "now to " + ", ".join(f"{f['matter']} ({f['client']})" for f in u["filed_now"])
            if u["filed_now"]
            else "now to no matter"
        )
        lines.append(
            f"  conversation {u['conversation']}, which it shows, is filed to its matter no longer ({now}): if its"
            f" texts are another client's, {meaning}"
        )
    return lines
