"""What the archive records changed since a production was made, of what its files say: why a production made
again (`produce --again N`) that differs does (`remade.py`: PRODUCTION-DIFFERS.txt).

Decisions, and why:
- **Only what the archive records, dated.** Each change is read from its own record: a client added,
  renamed, or given or relieved of a number (the audit log's "client add" and "client edit" entries after
  the production's own), a note of the matter that its privilege log lists added, edited or withdrawn
  (`note_versions`, `notes.withdrawn_at`). Which file a change altered, the archive does not record, and
  this does not guess.
- **Only what the production's files can show.** A client matters where one of their numbers is a
  participant's in the produced conversations (the files name that participant by them); a note where it concerns the produced messages (or the whole matter) and is privileged
  before or after the change (the privilege log lists privileged notes only). A consent is left out: a
  production's cover withholds the client's consents (transcript/content/withheld.py), so no consent given
  or withdrawn since changes a file of it.
- **Not the messages, nor their redactions, nor the matter**: a production whose messages or redactions
  changed since is refused before anything is written (production.py `_check_unchanged`), and so is one
  whose matter was retitled or renamed, or whose client was (its transcripts cannot be made again: their
  covers name them), so they are never a cause.
"""

from __future__ import annotations

import json

from textfile import times
from textfile.audit.entries import details_of
from textfile.produce.certify import _one_line

_AUDITED = ("client add", "client edit")


def produced_entry(conn, number: int) -> int | None:
    """The audit entry that recorded production `number` (None: not found)."""
    for entry, details in conn.execute("SELECT id, details FROM audit_log WHERE command = 'produce' ORDER BY id"):
        if details_of(details).get("production") == number:
            return entry
    return None


def changes(conn, row, conversations: list[int], zone) -> list[str]:
    """The changes since production `row` (its productions row, with the matter's `reference`) was made that
    its files can show (see the module), each "YYYY-MM-DD  what", in the order made; [] when there are none."""
    after = produced_entry(conn, row["id"])
    entries = [
        (at, command, details_of(details))
        for at, command, details in conn.execute(
            "SELECT at, command, details FROM audit_log WHERE command IN (SELECT value FROM json_each(?))"
            " AND (id > ? OR (? IS NULL AND at > ?)) ORDER BY id",
            (json.dumps(_AUDITED), after, after, row["created_at"]),
        )
    ]
    handles = {
        h
        for (h,) in conn.execute(
            "SELECT DISTINCT handle FROM participants WHERE is_owner = 0 AND conversation_id IN"
            " (SELECT value FROM json_each(?))",
            (json.dumps(conversations),),
        )
    }
    found = _clients(conn, entries, handles) + _notes(conn, row)
    return [f"{times.day(at, zone)}  {said}" for at, said in sorted(found, key=lambda f: f[0])]


def _quoted(value) -> str:
    return f"“{_one_line(value)}”"


def _numbers(handles: list[str]) -> str:
    return ", ".join(map(_one_line, handles)) + (
        ": a participant's number in the conversations produced"
        if len(handles) == 1
        else ": participants' numbers in the conversations produced"
    )


def _clients(conn, entries, handles: set[str]) -> list[tuple[str, str]]:
    """A client added with a participant's number, renamed (where they have one), given or relieved of one."""
    found = []
    for n, (at, command, d) in enumerate(entries):
        name = d.get("client")
        if command == "client add":
            ours = [h for h in d.get("handles") or () if h in handles]
            if ours:
                found.append((at, f"client {_quoted(name)} added ({_numbers(ours)})"))
        elif command == "client edit":
            added = [h for h in d.get("added") or () if h in handles]
            removed = [h for h in d.get("removed") or () if h in handles]
            renamed = d.get("renamed_to")
            ours = (added + removed or _ours(conn, _named_now(entries[n + 1 :], renamed), handles)) if renamed else []
            if ours:
                found.append((at, f"client {_quoted(name)} renamed {_quoted(renamed)} ({_numbers(ours)})"))
            if added:
                found.append((at, f"client {_quoted(renamed or name)} given {_numbers(added)}"))
            if removed:
                found.append((at, f"client {_quoted(renamed or name)} relieved of {_numbers(removed)}"))
    return found


def _named_now(later, name: str) -> str:
    """A client's name now, given their name after a rename (`later`: the entries after it)."""
    for _at, command, d in later:
        if command == "client edit" and d.get("client") == name and d.get("renamed_to"):
            name = d["renamed_to"]
    return name


def _ours(conn, name: str, handles: set[str]) -> list[str]:
    """The participants' numbers the client named so now has, sorted."""
    return [
        h
        for (h,) in conn.execute(
            "SELECT h.handle FROM clients c JOIN client_handles h ON h.client_id = c.id WHERE c.name = ?"
            " AND h.handle IN (SELECT value FROM json_each(?)) ORDER BY h.handle",
            (name, json.dumps(sorted(handles))),
        )
    ]


_CONCERNS = (
    "n.matter_id = ? AND (NOT EXISTS (SELECT 1 FROM note_messages x WHERE x.note_id = n.id) OR EXISTS (SELECT 1"
    " FROM note_messages x JOIN production_messages pm ON pm.message_id = x.message_id WHERE x.note_id = n.id"
    " AND pm.production_id = ?))"
)


def _notes(conn, row) -> list[tuple[str, str]]:
    """A note concerning the production, privileged before or after, added, edited or withdrawn since."""
    found = []
    for note, version, at, privileged, was in conn.execute(
        "SELECT n.id, v.version, v.written_at, v.privileged, w.privileged FROM notes n JOIN note_versions v"
        " ON v.note_id = n.id LEFT JOIN note_versions w ON w.note_id = n.id AND w.version = v.version - 1"
        f" WHERE {_CONCERNS} AND v.written_at > ? AND (v.privileged OR w.privileged) ORDER BY v.written_at",
        (row["matter_id"], row["id"], row["created_at"]),
    ):
        if version == 1:
            found.append((at, f"note {note} added, privileged: the privilege log lists it"))
        elif not privileged:
            found.append(
                (at, f"note {note} edited (version {version}), no longer privileged: the privilege log leaves it out")
            )
        else:
            how = "privileged" if was else "made privileged"
            found.append((at, f"note {note} edited (version {version}), {how}: the privilege log lists this version"))
    for note, at in conn.execute(
        f"SELECT n.id, n.withdrawn_at FROM notes n WHERE {_CONCERNS} AND n.withdrawn_at > ? AND (SELECT v.privileged"
        " FROM note_versions v WHERE v.note_id = n.id ORDER BY v.version DESC LIMIT 1)",
        (row["matter_id"], row["id"], row["created_at"]),
    ):
        found.append((at, f"note {note} withdrawn, privileged: the privilege log leaves it out"))
    return found
