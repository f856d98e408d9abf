"""The messages whose text the export holds but textfile could not read: shown so, never as "no text".

An iMessage row whose text is only in its attributedBody, which could not be decoded (a damaged or
unknown typedstream), is archived with an empty body, flagged `empty_body` as a message with no text
is, and the import warns of it, naming the row (importers/imessage/message.py `_text`). The flag is
part of the content hash, so it is not changed; what the import reported is read back instead, from
the warnings of the imports that hold the message (its line in each: the sighting's source_ref), and
the message is marked `unreadable_body` where it is shown (the PDF, `conversation show`, a production's
text files and RSMF). A court reader would otherwise see a client who sent an empty message.
"""

from __future__ import annotations

import json
import sqlite3

from textfile import sightings

# What an import's warning says of a message whose text it could not read (after "<its line> (<guid>): ").
CANNOT_BE_READ = ": its text (attributedBody) cannot be read: "
UNREADABLE_FLAG = "unreadable_body"


def unreadable(conn: sqlite3.Connection, ids: list[str], until: int | None = None) -> set[str]:
    """The messages of `ids` flagged `empty_body` whose text an import that holds them (up to `until`)
    reported it could not read."""
    cond = "m.id IN (SELECT value FROM json_each(?)) AND m.flags LIKE '%\"empty\\_body\"%' ESCAPE '\\'"
    found, warned = set(), {}
    for mid, import_id, ref in conn.execute(
        f"SELECT message_id, import_id, source_ref FROM ({sightings.of(cond, until=until)})", [json.dumps(ids)] * 2
    ):
        if import_id not in warned:
            (text,) = conn.execute("SELECT warnings FROM imports WHERE id = ?", (import_id,)).fetchone()
            warned[import_id] = json.loads(text or "[]")
        if any(w.startswith(f"{ref} (") and CANNOT_BE_READ in w for w in warned[import_id]):
            found.add(mid)
    return found


def shown_flags(flags: list[str], is_unreadable: bool) -> list[str]:
    """A message's flags as it is shown: `empty_body` read as `unreadable_body` where its text could not be read."""
    return [UNREADABLE_FLAG if f == "empty_body" else f for f in flags] if is_unreadable else flags
