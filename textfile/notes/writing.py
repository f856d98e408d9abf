"""Writing notes: `note add`, `note edit`, `note move` and `note withdraw`, each in one transaction with its audit entry.

A note is written against the archive as it is: the messages it concerns are resolved (numbers to
ids), checked to be filed to its matter, and recorded with their content hashes. An edit adds a
version (its text, its privilege and basis, why) and rewrites nothing; an edit that changes
nothing is refused. A note added by mistake (to the wrong matter) is withdrawn, never deleted: it
keeps every version, and is no longer listed, shown in transcripts, logged as privileged or counted
as an exchange's note; it is not edited again (`note add` to the right matter is the way out). A note
in force whose messages were filed to another matter of its client since (filed to the wrong one first)
is moved there (`note move`): its matter changes, nothing else, and the audit entry says from where. The
audit entries name the note, its version, the sha256 of its text (and of its
basis and an edit's reason, which may say as much), and the ids and hashes of the messages it concerns,
never the text: disposal must be able to remove every
byte of a note from the file, and the audit log is append-only.
"""

from __future__ import annotations

import json
import sqlite3
from typing import NamedTuple

from textfile import audit, times
from textfile.errors import Conflict, InvalidInput, NotFound
from textfile.filing.names import live_matter_row
from textfile.fingerprint import sha256_text
from textfile.notes import messages
from textfile.notes.records import Note, read

WORK_PRODUCT = "Attorney work product"  # the basis of a privileged note when none is given


class About(NamedTuple):
    """What a new note concerns: messages named (`#2.15`), or a window of one conversation (UTC
    instants), or neither (the matter as a whole)."""

    messages: tuple[str, ...] = ()
    conversation: int | None = None
    from_at: str | None = None
    until_at: str | None = None


def add(
    conn: sqlite3.Connection,
    matter: str,
    text: str,
    about: About | None = None,
    privileged: bool = False,
    basis: str | None = None,
    author: str | None = None,
) -> Note:
    """A new note of `matter`, its first version, the messages it concerns; audited ("note add")."""
    text = _text(text)
    basis = _basis(privileged, basis)
    about = about or About()
    row = live_matter_row(conn, matter, "no note can be added to it")
    ids = _concerned(conn, about)
    messages.check_in_matter(conn, row["id"], row["reference"], ids)
    by, now = audit.current_user(), times.now_iso()
    author = (author or "").strip() or by
    note_id = conn.execute(
        "INSERT INTO notes (matter_id, author, conversation_id, from_at, until_at, created_at, created_by)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (row["id"], author, about.conversation, about.from_at, about.until_at, now, by),
    ).lastrowid
    _version(conn, note_id, 1, text, privileged, basis, now, by, None)
    conn.executemany(
        "INSERT INTO note_messages (note_id, message_id, content_hash)"
        " SELECT ?, id, content_hash FROM messages WHERE id = ?",
        [(note_id, mid) for mid in ids],
    )
    [note] = read(conn, "n.id = ?", (note_id,))
    note.warnings = messages.printed_otherwise(conn, list(about.messages))
    audit.append(
        conn,
        "note add",
        {
            "note": note_id,
            "matter": row["reference"],
            "author": author,
            "version": 1,
            "text_sha256": note.current.text_sha256,
            "privileged": privileged,
            "basis_sha256": _digest(basis),
            "conversation": about.conversation,
            "from": about.from_at,
            "until": about.until_at,
            "messages": [[m.message_id, m.content_hash] for m in note.messages],
        },
    )
    return note


def edit(
    conn: sqlite3.Connection,
    note_id: int,
    text: str | None = None,
    privileged: bool | None = None,
    basis: str | None = None,
    reason: str | None = None,
) -> Note:
    """A new version of a note: its text, its privilege or its basis changed (what is not given stays);
    audited ("note edit"), with what the version before was."""
    note = one(conn, note_id)
    _in_force(note, conn, ": a withdrawn note is not edited (`textfile note add` writes it again)")
    was = note.current
    privileged = was.privileged if privileged is None else privileged
    new_text = was.text if text is None else _text(text)
    # (a basis given is read as `add` reads it; none given: the one it had, while it stays privileged)
    new_basis = _basis(privileged, basis) if basis is not None else (was.basis or WORK_PRODUCT) if privileged else None
    if (new_text, privileged, new_basis) == (was.text, was.privileged, was.basis):
        raise InvalidInput(f"note {note_id} already says that: nothing to change")
    by, now = audit.current_user(), times.now_iso()
    reason = (reason or "").strip() or None
    version = was.version + 1
    _version(conn, note_id, version, new_text, privileged, new_basis, now, by, reason)
    [note] = read(conn, "n.id = ?", (note_id,))
    audit.append(
        conn,
        "note edit",
        {
            "note": note_id,
            "matter": note.matter,
            "version": version,
            "text_sha256": note.current.text_sha256,
            "privileged": privileged,
            "basis_sha256": _digest(new_basis),
            "reason_sha256": _digest(reason),
            "was": {
                "version": was.version,
                "text_sha256": was.text_sha256,
                "privileged": was.privileged,
                "basis_sha256": _digest(was.basis),
            },
        },
    )
    return note


def withdraw(conn: sqlite3.Connection, note_id: int, why: str) -> Note:
    """Withdraw a note added by mistake: kept on the record with every version, no longer in force;
    audited ("note withdraw", with the reason's sha256: it may say what the note says)."""
    why = (why or "").strip()
    if not why:
        raise InvalidInput("say why the note is withdrawn (--reason)")
    note = one(conn, note_id)
    _in_force(note, conn, "")
    conn.execute(
        "UPDATE notes SET withdrawn_at = ?, withdrawn_by = ?, withdrawn_why_sha256 = ? WHERE id = ?",
        (times.now_iso(), audit.current_user(), sha256_text(why), note_id),
    )
    [note] = read(conn, "n.id = ?", (note_id,))
    audit.append(
        conn,
        "note withdraw",
        {
            "note": note_id,
            "matter": note.matter,
            "version": note.current.version,
            "text_sha256": note.current.text_sha256,
            "why_sha256": note.withdrawn_why_sha256,
        },
    )
    return note


def move(conn: sqlite3.Connection, note_id: int, matter: str, why: str) -> Note:
    """Move a note in force to another matter of its client, every message it concerns filed to that matter at
    its time (as `add` checks): its id, versions, date and privilege stay; audited ("note move", with the
    reason's sha256, as a withdrawal's). Refused out of a matter under legal hold (as `unfile` is)."""
    why = (why or "").strip()
    if not why:
        raise InvalidInput("say why the note is moved (--reason)")
    note = one(conn, note_id)
    _in_force(note, conn, ": a withdrawn note is not moved (`textfile note add` writes it again)")
    to = live_matter_row(conn, matter, "no note can be moved to it")
    was = conn.execute("SELECT * FROM matters WHERE id = ?", (note.matter_id,)).fetchone()
    if to["id"] == was["id"]:
        raise InvalidInput(f"note {note_id} is already of matter {to['reference']}: nothing to move")
    if to["client_id"] != was["client_id"]:
        names = dict(
            conn.execute("SELECT id, name FROM clients WHERE id IN (?, ?)", (to["client_id"], was["client_id"]))
        )
        raise Conflict(
            f"matter {to['reference']} is {names[to['client_id']]}'s, and note {note_id} is of {names[was['client_id']]}'s"
            f" matter {was['reference']}: a note is moved only to another matter of its client"
        )
    if was["legal_hold"]:
        raise Conflict(f"note {note_id} is of matter {was['reference']}, under legal hold: release the hold first")
    messages.check_in_matter(conn, to["id"], to["reference"], [m.message_id for m in note.messages])
    conn.execute("UPDATE notes SET matter_id = ? WHERE id = ?", (to["id"], note_id))
    [moved] = read(conn, "n.id = ?", (note_id,))
    if to["closed_at"]:
        moved.warnings = [
            f"matter {to['reference']} is closed (since {times.display(to['closed_at'], times.archive_zone(conn))})"
        ]
    audit.append(
        conn,
        "note move",
        {
            "note": note_id,
            "matter": to["reference"],
            "from": was["reference"],
            "by": audit.current_user(),
            "version": moved.current.version,
            "text_sha256": moved.current.text_sha256,
            "privileged": moved.privileged,
            "messages": [[m.message_id, m.content_hash] for m in moved.messages],
            "why_sha256": sha256_text(why),
        },
    )
    return moved


def _in_force(note: Note, conn: sqlite3.Connection, then: str) -> None:
    """Refused (Conflict) when the note was withdrawn, `then` saying what that means for the change asked."""
    if note.withdrawn_at:
        when = times.display(note.withdrawn_at, times.archive_zone(conn))
        raise Conflict(f"note {note.id} was already withdrawn on {when}{then}")


def _digest(text: str | None) -> str | None:
    """What the audit log records of a note's basis or an edit's reason: its sha256 (they are part of
    the note, and may say what the text says; `note_versions` keeps them, in the records' digest)."""
    return sha256_text(text) if text is not None else None


def one(conn: sqlite3.Connection, note_id: int) -> Note:
    found = read(conn, "n.id = ?", (note_id,))
    if not found:
        raise NotFound(f"no note {note_id} (see `textfile note list`)")
    found[0].moves = [
        {"at": at, "from": d["from"], "to": d["matter"], "by": d["by"], "why_sha256": d["why_sha256"]}
        for at, d in (
            (at, json.loads(details))
            for at, details in conn.execute(
                "SELECT at, details FROM audit_log WHERE command = 'note move'"
                " AND json_extract(details, '$.note') = ? ORDER BY id",
                (note_id,),
            )
        )
    ]
    return found[0]


def _text(text: str) -> str:
    if not text or not text.strip():
        raise InvalidInput("a note needs its text")
    return text.strip()


def _basis(privileged: bool, basis: str | None) -> str | None:
    if basis is not None and not privileged:
        raise InvalidInput("--basis is the ground of a privileged note: give --privileged too")
    return ((basis or "").strip() or WORK_PRODUCT) if privileged else None


def _concerned(conn: sqlite3.Connection, about: About) -> list[str]:
    """The ids of the messages the note concerns (none: the matter as a whole)."""
    window = about.conversation is not None or about.from_at or about.until_at
    if about.messages and window:
        raise InvalidInput("a note concerns messages (--about) or a window (--conversation --from --until): give one")
    if about.messages:
        return messages.resolve(conn, list(about.messages))
    if window:
        if about.conversation is None:
            raise InvalidInput("--from and --until are a window of one conversation: give --conversation N")
        if about.from_at and about.until_at and about.from_at > about.until_at:
            raise InvalidInput("--from is after --until")
        return messages.in_window(conn, about.conversation, about.from_at, about.until_at)
    return []


def _version(conn, note_id: int, version: int, text: str, privileged: bool, basis, at: str, by: str, reason) -> None:
    conn.execute(
        "INSERT INTO note_versions (note_id, version, text, text_sha256, privileged, basis, written_at, written_by, reason)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (note_id, version, text, sha256_text(text), int(privileged), basis, at, by, reason),
    )
