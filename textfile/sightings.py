"""Where each message was found (the chain of custody), read where many messages' sightings are read.

A message's first sighting is in its own row (`messages.import_id`, `messages.source_ref`: m031); every
later one (a later import, a second time in one source, another phone's copy) is a row of
`message_sightings`. The view `message_sources` is the two together, with the rows the table of that name
held before, and every reader may use it. But SQLite can push neither a join nor a condition on the
message into a view that is a UNION ALL: joined to `messages`, it reads every sighting of the archive
(a transcript's, a weekly verdict's or a coverage query became 1.5-3x slower on 200,000 messages). The
queries that read the sightings of many messages use these instead, which select the messages first.
"""

from __future__ import annotations


def of(cond: str, columns: str = "") -> str:
    """SQL of a subquery: every sighting (message_id, import_id, source_ref, then `columns` of `m`, each
    with its leading comma) of the messages `m` that `cond` selects. Its parameters are cond's, twice."""
    return (
        f"SELECT m.id AS message_id, m.import_id AS import_id, m.source_ref AS source_ref{columns} FROM messages m"
        f" WHERE ({cond}) AND m.source_ref IS NOT NULL"
        f" UNION ALL SELECT s.message_id, s.import_id, s.source_ref{columns} FROM message_sightings s"
        f" JOIN messages m ON m.id = s.message_id WHERE {cond}"
    )


# Every sighting (message_id, import_id) of the messages whose ids ?1 lists as JSON.
OF_IDS = (
    "SELECT m.id AS message_id, m.import_id FROM json_each(?1) j JOIN messages m ON m.id = j.value WHERE m.source_ref IS NOT NULL"
    " UNION ALL SELECT s.message_id, s.import_id FROM json_each(?1) j JOIN message_sightings s ON s.message_id = j.value"
)


def held(import_id: str = "?") -> str:
    """SQL true when import `import_id` (an SQL expression, read twice: a parameter is given twice) found message `m`."""
    return (
        f"((m.import_id = {import_id} AND m.source_ref IS NOT NULL) OR EXISTS (SELECT 1 FROM message_sightings s"
        f" WHERE s.message_id = m.id AND s.import_id = {import_id}))"
    )
