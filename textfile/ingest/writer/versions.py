"""Versions: a known message whose content changed keeps each earlier state as a version.

A message whose id is known but whose content hash differs (an edit or an unsend seen in a newer
copy of the same database, a status that changed) is not duplicated and not silently
overwritten: its previous state is kept in `message_versions` and the import counts it as updated.
A version records, beside its text and time, what else of the state it was the next state changed
(`message_versions.earlier`, `_earlier`), so that a transcript says what changed.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from textfile.errors import TextfileError
from textfile.fingerprint import canonical_json, message_content_hash
from textfile.ingest.prepare import _flags_json
from textfile.ingest.writer.attachments import _filled_in
from textfile.ingest.writer.corrections import _rereading, _retimed_flags
from textfile.ingest.writer.notices import _count, _refs
from textfile.model import INVISIBLE

if TYPE_CHECKING:
    from textfile.ingest.prepare import StoredAttachment
    from textfile.ingest.writer.batch import Known, _Pending

# what a version replaces
STATE = ("sent_at", "source_zone", "body", "kind", "status", "duration_s", "flags", "reply_to")
# What a version records of the state it was, beside its text and time, where the state that replaced
# it differs (`message_versions.earlier`): a transcript says what changed, not just "the same text again".
EDITS = {"edited", "deleted", "unsent"}
SHOWN = ("sender", "direction", "kind", "status", "duration_s", "flags", "reply_to", "attachments")
INSERT_VERSION = (
    "INSERT INTO message_versions (message_id, version, body, at, origin, content_hash, import_id, sent_at, source_zone, earlier)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _edit_history(mid: str, number: int, body: str, at: str | None, import_id: int) -> tuple:
    """A text of the source's own edit history (`Message.versions`) as version `number` (INSERT_VERSION)."""
    return (mid, number, body, at, "edit_history", None, import_id, None, None, None)


def _earlier(before: dict, after: dict) -> str | None:
    """The values of `before` (a message's state, `_Writer.state_of`) that `after` (the state that replaced
    it) does not have, among SHOWN, as canonical JSON; None when only its text or time differ."""
    was = {k: before[k] for k in SHOWN if before[k] != after[k]}
    if "flags" in was and _flags_json(set(json.loads(before["flags"])) - EDITS) == _flags_json(
        set(json.loads(after["flags"])) - EDITS
    ):
        del was["flags"]  # that an edit or a deletion marks the next state is said by that state
    return canonical_json(was) if was else None


# What a warning calls each part of a message that changed (`_what_changed`).
_PARTS = {
    "body": "its text",
    "sent_at": "its time",
    "sender": "who sent it",
    "direction": "its direction",
    "kind": "its kind",
    "status": "its status",
    "duration_s": "its duration",
    "flags": "its marks",
    "reply_to": "what it replies to",
    "attachments": "its attachments",
}


def _what_changed(old, p: _Pending, earlier: str | None) -> str:
    """What of a message changed, in words ("its text, who sent it"): its text and time from the row `old`,
    the rest from its version's `earlier` (`_earlier`); "" when none of them did (its identity's reading)."""
    parts = [k for k in ("body", "sent_at") if (old[k] or "") != ((p.record.body or "") if k == "body" else p.sent_at)]
    parts += list(json.loads(earlier)) if earlier else []
    return ", ".join(_PARTS[k] for k in _PARTS if k in parts)


def _listed(attachments) -> list:
    """Attachments as a version records them: [file name, sha256 or None], in order."""
    return [[a.file_name, a.sha256] for a in sorted(attachments)]


def _shown(p: _Pending) -> dict:
    """A pending message's SHOWN values, as `Versions.state_of` gives a stored one's."""
    m = p.record
    return {
        "sender": m.handle,
        "direction": m.direction,
        "kind": m.kind,
        "status": m.status,
        "duration_s": m.duration_s,
        "flags": p.flags,
        "reply_to": m.reply_to,
        "attachments": _listed(p.attachments),
    }


_INVISIBLE = str.maketrans(dict.fromkeys(INVISIBLE))


def _without_invisible(text: str | None) -> str:
    """A text without the characters of `INVISIBLE`, and the white space at its ends: what an earlier
    WhatsApp import stored of it (it removed them)."""
    return (text or "").translate(_INVISIBLE).strip()


class Versions:
    def init_versions(self) -> None:
        # messages archived without the invisible characters their text holds (`new_version`)
        self.invisible_kept: list[str] = []
        # records showing a text their message had before an edit the archive holds (`superseded`)
        self.older_texts: list[str] = []
        # messages whose only change is an attachment's bytes the archive lacked, now in it (`new_version`)
        self.attachments_filled: list[str] = []
        # (the owner's first handle an earlier import gave, the handle read now) -> messages whose only change is
        # that: the handle they went from, read where an importer before did not read it (owner.py, `new_version`)
        self.senders_read: dict[tuple[str, str], list[str]] = {}

    def changed(self, p: _Pending, known: Known) -> bool:
        """A known message whose content differs from the archived one; False when nothing changes.

        - Its time moved: where the identity holds the time as written (`wall_clock`), this import reads
          that wall clock otherwise than the import that archived it: in another zone, with day and month
          the other way round (another date order), or otherwise (how a time as written is read). Refused
          (`refusal`), unless the import says it corrects the earlier reading: `corrects_tz` for a zone,
          `corrects_reading` for any of them. Then the earlier time is kept with the earlier version, and
          what was corrected is said and recorded (`say_corrections`).
        - It is another form of a message folded before (`fold`): the text an export showed before
          the edit, or an edited text that a later edit or deletion replaced. That text is a version
          already; only a corrected time and attachment bytes the archive lacks are taken from it.
        - It shows a text the message had before and that an edit replaced, and does not know the text
          archived now (`superseded`): an export older than the edit, or another phone's copy from before
          it. Older, not an edit: the message stays as it is (else the same two exports read again in
          turn would make a version each time, the text going back and forth).
        - Otherwise the message changed in the source: `new_version`.
        """
        m = p.record
        mid = known.id
        row = self.conn.execute("SELECT * FROM messages WHERE id = ?", (mid,)).fetchone()
        moved = self.source.wall_clock and row["sent_at"] != p.sent_at
        if moved:
            for kind in _rereading(row["sent_at"], row["source_zone"], p.sent_at, m.source_zone):
                if not (
                    kind == "occurrence" or self.source.corrects_reading or (kind == "tz" and self.source.corrects_tz)
                ):
                    raise TextfileError(self.refusal(kind, row, p))
        if row["body"] != m.body and (
            mid != p.id
            or self.conn.execute("SELECT 1 FROM message_aliases WHERE message_id = ?", (mid,)).fetchone() is not None
        ):
            return self.other_form(p, row, moved)
        if not moved and self.superseded(p, mid, row["body"]):
            return False
        self.new_version(p, mid, moved)
        return True

    def superseded(self, p: _Pending, mid: str, archived: str) -> bool:
        """Whether a record of message `mid` shows a text the message had before (one of its versions) that
        was replaced by the text archived now (`archived`), which the record does not know (its own edit
        history does not hold it): then the record is older than the edit. Counted, and said
        (`say_older_texts`). An edit back to an earlier text is known by its history, which holds the text it
        replaced."""
        m = p.record
        if m.body == archived or any(body == archived for body, _at in m.versions):
            return False
        if (
            self.conn.execute(
                "SELECT 1 FROM message_versions WHERE message_id = ? AND body = ? LIMIT 1", (mid, m.body)
            ).fetchone()
            is None
        ):
            return False
        self.older_texts.append(m.source_ref or p.id[:12])
        return True

    def say_older_texts(self) -> None:
        """The assumption of the records that showed a text their message had before an edit the archive holds."""
        if self.older_texts:
            n, refs = len(self.older_texts), self.older_texts
            self.note(
                f"{_count(n, 'message')} here show{'s' if n == 1 else ''} a text {'it' if n == 1 else 'they'} had before an"
                " edit the archive holds (an export older than the edit, or another phone's copy from before it), and not"
                f" the text that replaced it: kept as archived, the earlier text among {'its' if n == 1 else 'their'}"
                f" versions ({_refs(refs)})",
                "assumption",
            )
            self.changes["older_texts"] = n

    def say_attachments_filled(self) -> None:
        """The messages an export with their media completed: what changed is said as that, not as an edit."""
        if self.attachments_filled:
            n, refs = len(self.attachments_filled), self.attachments_filled
            self.note(
                f"the missing attachments of {_count(n, 'message')} are now in the archive (an earlier export lacked"
                f" their bytes); the earlier version{'s are' if n != 1 else ' is'} kept ({_refs(refs)})"
            )
            self.changes["attachments_filled"] = n

    def new_version(self, p: _Pending, mid: str, moved: bool) -> None:
        """Same message, different content: keep the old state as a version, then update."""
        old = self.conn.execute(
            "SELECT body, sent_at, source_zone, content_hash, sender_id FROM messages WHERE id = ?", (mid,)
        ).fetchone()
        self.sender_replaced(p, old["sender_id"])
        before = self.unmoved.pop(mid, None) or self.state_of(mid)
        m = p.record
        # Only a record the same but for an attachment's bytes can be a fill-in: the archive is asked which of
        # its attachments lack their bytes for that one alone, before they are replaced (not for every edit).
        same_but_bytes = (
            not moved
            and (m.body or "") == (old["body"] or "")
            and p.sent_at == old["sent_at"]
            and any(a.sha256 is not None for a in p.attachments)
        )
        lacking = (
            {
                r[0]
                for r in self.conn.execute(
                    "SELECT position FROM message_attachments WHERE message_id = ? AND blob_sha256 IS NULL", (mid,)
                )
            }
            if same_but_bytes
            else set()
        )
        number = self.keep_edit_history(mid, p.record.versions) + 1
        earlier = _earlier(before, _shown(p))
        self.keep_version(mid, number, old, "reimport", p.sent_at, earlier)
        self.update_message(p, mid, number + 1)
        self.set_attachments(mid, p.attachments)
        self.result.updated += 1
        ref = m.source_ref or p.id[:12]
        if moved:
            self.count_reread(old["sent_at"], old["source_zone"], p.sent_at, m.source_zone)
            return
        if _without_invisible(m.body) == _without_invisible(old["body"]) and (m.body or "") != (old["body"] or ""):
            self.invisible_kept.append(ref)  # (said once, `say_invisible_kept`)
            return
        if any(a.position in lacking and a.sha256 is not None for a in p.attachments):
            self.attachments_filled.append(
                ref
            )  # (an export with the media a former one lacked: `say_attachments_filled`)
            return
        what = _what_changed(old, p, earlier)
        read = self.sender_read(before, m, what)
        if read is not None:
            self.senders_read.setdefault(read, []).append(ref)  # (said once: `say_senders_read`)
        else:
            self.note(
                f"{ref}: changed since it was archived{f' ({what})' if what else ''}; the earlier version is kept"
            )

    def sender_read(self, before: dict, m, what: str) -> tuple[str, str] | None:
        """(the owner's first handle, the handle read) where a message the owner sent changed in that alone: an
        importer that reads which of the owner's handles sent it (owner.READS_SENDING_HANDLE) naming another than
        the first, which an earlier import gave it without reading it; else None."""
        from textfile.ingest.writer.owner import READS_SENDING_HANDLE

        if what != _PARTS["sender"] or self.source.format not in READS_SENDING_HANDLE or not m.sender.is_owner:
            return None
        first = self.owners_first_handle()  # (owner.py: read once an import, not once a message)
        return (first, m.handle) if before["sender"] == first else None

    def say_senders_read(self) -> None:
        """The messages whose sender a reading named where an earlier import gave the owner's first handle, said once
        for each handle: evidence replaced an assumption (owner.py)."""
        for (first, read), refs in sorted(self.senders_read.items()):
            n = len(refs)
            it, names, each = ("it", "names", "a new version") if n == 1 else ("them", "name", "each a new version")
            self.note(
                f"{_count(n, 'message')} the owner sent {names} {read} as the handle {'it' if n == 1 else 'they'} went"
                f" from, where an earlier import gave {it} {first}, the owner's first handle, without reading it:"
                f" {each} from {read}, the earlier kept ({_refs(refs)})"
            )
            self.changes["senders_read"] = self.changes.get("senders_read", 0) + n

    def sender_replaced(self, p: _Pending, was: int | None) -> None:
        """A new version from another sender than participant `was`: in a conversation re-keyed or merged,
        `was` may name nothing any more (`drop_replaced`); the owner with no number may have been given
        one (`owner.py`)."""
        if was not in (None, p.sender_id):
            if p.conversation_id in self.rejoined or p.record.conversation.other_keys:
                self.replaced.add(was)
            elif p.record.sender is not None and p.record.sender.is_owner:
                self.unnamed_owners[was] = True

    def keep_edit_history(self, mid: str, versions: tuple) -> int:
        """The texts of the source's own edit history (body, at) that message `mid` does not hold yet, as
        its next versions; returns its last version number."""
        c = self.conn
        stored = {
            (r["body"], r["at"])
            for r in c.execute("SELECT body, at FROM message_versions WHERE message_id = ?", (mid,))
        }
        number = self.last_version(mid)
        for body, at in versions:
            if (body, at) not in stored:
                number += 1
                c.execute(INSERT_VERSION, _edit_history(mid, number, body, at, self.result.import_id))
                stored.add((body, at))
        return number

    def last_version(self, mid: str) -> int:
        return self.conn.execute(
            "SELECT coalesce(max(version), 0) FROM message_versions WHERE message_id = ?", (mid,)
        ).fetchone()[0]

    def update_message(self, p: _Pending, mid: str, version: int) -> None:
        """Message `mid` given the state of `p`, as its version `version` (a receipt it has is kept)."""
        m = p.record
        self.conn.execute(
            "UPDATE messages SET sender_id = ?, direction = ?, kind = ?, sent_at = ?, source_zone = ?, body = ?, status = ?,"
            " delivered_at = coalesce(?, delivered_at), read_at = coalesce(?, read_at), duration_s = ?, flags = ?,"
            " reply_to = ?, version = ?, content_hash = ?, time_precision = coalesce(?, time_precision) WHERE id = ?",
            (
                p.sender_id,
                m.direction,
                m.kind,
                p.sent_at,
                m.source_zone,
                m.body,
                m.status,
                m.delivered_at,
                m.read_at,
                m.duration_s,
                p.flags,
                m.reply_to,
                version,
                p.content_hash,
                m.time_precision,
                mid,
            ),
        )

    def say_invisible_kept(self) -> None:
        """The notice, and the audit record, of the texts that now hold the invisible characters they were sent with."""
        if self.invisible_kept:
            n, refs = len(self.invisible_kept), self.invisible_kept
            self.note(
                f"{_count(n, 'message')} archived by an earlier textfile without the invisible characters in {'its' if n == 1 else 'their'}"
                " text that change how text is displayed (direction marks, overrides and isolates, zero-width spaces) now"
                f" hold{'s' if n == 1 else ''} them as sent; the text as archived before is kept as {'its' if n == 1 else 'each one'}"
                f" earlier version ({_refs(refs)})"
            )
            self.changes["invisible_kept"] = n

    def other_form(self, p: _Pending, row, moved: bool) -> bool:
        """See `changed`: what another form of a folded message still brings."""
        m = p.record
        stored = self.attachments_of(row["id"])
        attachments = _filled_in(stored, p.attachments, add=True)
        changes = {}
        if moved:
            changes = {
                "sent_at": p.sent_at,
                "source_zone": m.source_zone,
                "flags": _retimed_flags(row["flags"], m.flags),
            }
        if not changes and attachments == stored:
            return False
        self.restate(row, changes, attachments, "reimport")
        self.result.updated += 1
        if moved:
            self.count_reread(row["sent_at"], row["source_zone"], p.sent_at, m.source_zone)
        else:
            self.note(
                f"{m.source_ref}: an earlier form of a message edited since brought attachment bytes the archive lacked;"
                " the earlier version is kept"
            )
        return True

    def keep_version(self, mid: str, number: int, old, origin: str, sent_at: str, earlier: str | None) -> None:
        """`old` (a message's state: body, sent_at, source_zone, content_hash) as version `number`
        of message `mid`; with its time, when the state that follows it (at `sent_at`) moved it, and
        `earlier`, what else of it that state changed (`_earlier`)."""
        moved = old["sent_at"] != sent_at
        self.conn.execute(
            INSERT_VERSION,
            (
                mid,
                number,
                old["body"],
                None,
                origin,
                old["content_hash"],
                self.result.import_id,
                old["sent_at"] if moved else None,
                old["source_zone"] if moved else None,
                earlier,
            ),
        )

    def state_of(self, mid: str) -> dict:
        """A stored message's SHOWN values (the sender as its handle, attachments as `_listed`)."""
        row = self.conn.execute(
            "SELECT p.handle AS sender, m.direction, m.kind, m.status, m.duration_s, m.flags, m.reply_to FROM messages m"
            " LEFT JOIN participants p ON p.id = m.sender_id WHERE m.id = ?",
            (mid,),
        ).fetchone()
        return dict(row) | {"attachments": _listed(self.attachments_of(mid))}

    def restate(self, row, changes: dict, attachments: list[StoredAttachment], origin: str) -> None:
        """Keep a message's current state (`row`) as its next version, then give it `changes` (values
        of the STATE columns) and `attachments`, with the content hash recomputed from them."""
        mid = row["id"]
        state = {k: row[k] for k in STATE} | changes
        number = self.last_version(mid) + 1
        before = self.state_of(mid)
        after = before | {k: state[k] for k in SHOWN if k in state} | {"attachments": _listed(attachments)}
        self.keep_version(mid, number, row, origin, state["sent_at"], _earlier(before, after))
        self.conn.execute(
            f"UPDATE messages SET {', '.join(f'{k} = ?' for k in STATE)}, version = ?, content_hash = ? WHERE id = ?",
            (*state.values(), number + 1, self.content_hash_of(row, state, attachments), mid),
        )
        self.set_attachments(mid, attachments)

    def content_hash_of(self, row, state: dict, attachments: list[StoredAttachment]) -> str:
        """`message_content_hash` of message `row` with `state` and `attachments` (stored values, as `verify` reads them)."""
        handle = (
            None
            if row["sender_id"] is None
            else self.conn.execute("SELECT handle FROM participants WHERE id = ?", (row["sender_id"],)).fetchone()[0]
        )
        return message_content_hash(
            state["sent_at"],
            row["direction"],
            state["kind"],
            handle,
            state["body"],
            state["status"],
            state["duration_s"],
            state["flags"],
            state["reply_to"],
            attachments,
        )
