"""Where each message was found (the chain of custody), read where many messages' sightings are read.

A message's first sighting is in its own row (`messages.import_id`, `messages.source_ref`: m031); every
later one (a later import, a second time in one source, another phone's copy) is a row of
`message_sightings`. The view `message_sources` is the two together, with the rows the table of that name
held before, and every reader may use it. But SQLite can push neither a join nor a condition on the
message into a view that is a UNION ALL: joined to `messages`, it reads every sighting of the archive
(a transcript's, a weekly verdict's or a coverage query became 1.5-3x slower on 200,000 messages). The
queries that read the sightings of many messages use these instead, which select the messages first.

A transcript or a production made again reads them as of when it was first made (`until`: the imports
it knew, those audited before its making, `known_until`), so that an export imported since adds no
phone, source or custodian to what it said; absent, nothing is added to the SQL.
"""

from __future__ import annotations


def of(cond: str, columns: str = "", until: int | None = None) -> str:
    """SQL of a subquery: every sighting (message_id, import_id, source_ref, then `columns` of `m`, each
    with its leading comma) of the messages `m` that `cond` selects, by the imports up to `until` (none:
    every import). Its parameters are cond's, twice."""
    return (
        f"SELECT m.id AS message_id, m.import_id AS import_id, m.source_ref AS source_ref{columns} FROM messages m"
        f" WHERE ({cond}) AND m.source_ref IS NOT NULL{up_to('m.import_id', until)}"
        f" UNION ALL SELECT s.message_id, s.import_id, s.source_ref{columns} FROM message_sightings s"
        f" JOIN messages m ON m.id = s.message_id WHERE {cond}{up_to('s.import_id', until)}"
    )


def up_to(column: str, until: int | None) -> str:
    """SQL " AND column <= N": the rows of the imports up to `until` only; "" for none (every import)."""
    return "" if until is None else f" AND {column} <= {int(until)}"


def known_until(conn, entry: int) -> int | None:
    """The last import audited before audit entry `entry` (a transcript's or a production's making): the
    imports it knew are those up to it (an import is numbered and audited in its one transaction, so
    the numbers of the imports audited before an entry are those up to the last one). None when the
    log records no import before it (an archive imported into before it had an audit log): every one."""
    from textfile.audit.entries import details_of

    for (details,) in conn.execute(
        "SELECT details FROM audit_log WHERE command = 'import' AND id < ? ORDER BY id DESC", (entry,)
    ):
        found = details_of(details).get("import_id")
        if isinstance(found, int):
            return found
    return None


def of_ids(until: int | None = None) -> str:
    """SQL of a subquery: every sighting (message_id, import_id) of the messages whose ids ?1 lists as
    JSON, by the imports up to `until` (none: every import)."""
    return (
        "SELECT m.id AS message_id, m.import_id FROM json_each(?1) j JOIN messages m ON m.id = j.value"
        f" WHERE m.source_ref IS NOT NULL{up_to('m.import_id', until)}"
        " UNION ALL SELECT s.message_id, s.import_id FROM json_each(?1) j JOIN message_sightings s ON s.message_id = j.value"
        + (f" WHERE s.import_id <= {int(until)}" if until is not None else "")
    )


def held(import_id: str = "?") -> str:
    """SQL true when import `import_id` (an SQL expression, read twice: a parameter is given twice) found message `m`."""
    return (
        f"((m.import_id = {import_id} AND m.source_ref IS NOT NULL) OR EXISTS (SELECT 1 FROM message_sightings s"
        f" WHERE s.message_id = m.id AND s.import_id = {import_id}))"
    )
