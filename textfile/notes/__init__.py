"""Notes to file: a memo about a matter, bound to the exact messages it concerns; privileged notes
and the privilege log of every production that leaves them out.

A note records the ids of the messages it concerns and each one's content hash when it was written,
so that a later edit of a message (a WhatsApp edit in a later export, a new version on re-import)
shows against it: "changed since this note". An edit of a note adds a version; nothing is rewritten.
Every change is audited with ids and sha256, never a note's text.

- messages.py: messages named as people name them (#2.15), checked against the matter, numbered
- records.py: a note as the core hands it over, read in one place
- writing.py: `note add`, `note edit`, `note move`, `note withdraw`, each audited
- stranded.py: notes whose messages are no longer filed to their matter (left behind by a refiling)
- privilege.py: the notes a production concerns; the privilege log (and its CSV)
- exchanges.py: substantive exchanges that have no note yet
- proof.py: a transcript's notes recorded in its manifest, and checked by `verify FILE.pdf`
"""

from __future__ import annotations

from textfile.notes.exchanges import Exchange, count, missing
from textfile.notes.messages import Bound
from textfile.notes.privilege import LogEntry, concerning, csv_bytes, csv_path, entries, privilege_log, write_csv
from textfile.notes.records import IN_FORCE, TYPE, Note, Version, read
from textfile.notes.stranded import Stranded, stranded
from textfile.notes.writing import WORK_PRODUCT, About, add, edit, move, one, withdraw

__all__ = [
    "TYPE",
    "WORK_PRODUCT",
    "About",
    "Bound",
    "Exchange",
    "LogEntry",
    "Stranded",
    "Note",
    "Version",
    "add",
    "concerning",
    "count",
    "csv_bytes",
    "csv_path",
    "edit",
    "entries",
    "missing",
    "move",
    "one",
    "privilege_log",
    "read",
    "stranded",
    "withdraw",
    "write_csv",
]


def listed(conn, matter: str | None = None, withdrawn: bool = False) -> list[Note]:
    """The notes of a matter (or of every matter), in the order they were made; those withdrawn too when asked."""
    from textfile.filing.names import live_matter_row

    where = "1" if withdrawn else IN_FORCE
    if matter is None:
        return read(conn, where)
    return read(conn, f"{where} AND n.matter_id = ?", (live_matter_row(conn, matter, "its notes went with it")["id"],))


__all__ += ["listed"]
