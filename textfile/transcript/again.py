"""A recorded transcript made again, byte for byte (issue 20: `produce --again N`).

`make_transcript(archive, again=UUID, out=…)` makes the transcript the archive records under that id
again: the same id, time of making, zone, window, Bates prefix and first number, images or not, a
weekly snapshot or not, and the production's options (conversations, context, exhibit, production,
redactions, notes, for_production), all read from the record, none from the caller. The caller gives only where it goes (`out`/`out_dir`,
`mkdir`), the signer (the same key and signing time give the same signature), and how it is rendered
(`workers`, `progress`, `cache`, `cache_size`, and `chunk_size`, which must be the one it was made
with: a chunk's pages break where it ends; every caller but the tests and benchmarks uses the default).

Decisions, and why:
- **As of the imports it knew.** Its messages are those first archived by the imports audited before
  its making (`sightings.known_until`; `Scope.imports_until`): its window, context, the messages'
  numbers in their conversations and an excerpt line's counts are as they were, and a message a later
  import added (a newer backup; an older message a late export brought, which was not in the archive
  then) is not in it. Where they were found (its sources, whose phones, the times other phones
  recorded, the exports that lacked them, the U+FFFD each import reported, the pairs an import made)
  is read by those imports only: an export imported since that holds its messages (the same file
  again, a newer backup) adds a sighting, not a change to what it showed, and it comes out the same.
  `verify FILE.pdf` reads them so too.
- **Nothing recorded.** The file made again is no new transcript: no record, no Bates numbers taken,
  no audit entry (the caller audits the re-production). Its manifest names the recorded transcript,
  so `verify FILE.pdf` proves it as that one (its sha256 is the recorded one).
- **Refused before rendering** (Conflict, one line) when the bytes could not be the same: the archive
  no longer holds the recorded messages in their order with their recorded content hashes (or now
  holds others in the scope), or what the record says of the scope differs now (the matter's title,
  the messages' numbers in their conversations, the redactions applied).
- **Refused after rendering** when the file still differs: its manifest is built with the audit log's
  last entry when it was first made (an entry before the transcript's own, found in the chain: the
  one whose manifest has the recorded sha256), and a manifest that matches none says the facts it
  records changed (its notes, its cover's disclosures, the textfile version); a file whose sha256 is
  not the recorded one (its pages show what the manifest does not record: a contact's name; or
  another signature) is removed, never placed. Nothing is written. A production
  made again asks for it all the same (`keep_differing`): its folder is finished and every file that
  differs from the production's record named (exit 3), a PDF as any other.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textfile import sightings, times
from textfile.audit.entries import details_of
from textfile.errors import Conflict, InvalidInput, NotFound
from textfile.transcript.request import Request

if TYPE_CHECKING:
    from textfile.transcript.request import Contents

GIVEN = frozenset({"out", "out_dir", "mkdir", "signer", "progress", "workers", "chunk_size", "cache", "cache_size"})
HEADS = 1000  # audit entries looked at, at most, for the last one when the transcript was made


@dataclass(frozen=True, slots=True)
class Recorded:
    """A recorded transcript, as the archive holds it: enough to make it again."""

    uuid: str
    generated_at: str
    scope: dict  # its record's scope (the manifest's): matter, window, zone, media, numbering, options
    zone: str
    prefix: str
    first_number: int
    pdf_sha256: str
    manifest_sha256: str
    messages: list[tuple[str, str]]  # (id, content hash) in transcript order
    audit_entry: int  # the entry that audited its making
    include_privileged: bool
    imports_until: int | None = None  # the last import it knew (`sightings.known_until`)

    def options(self) -> dict:
        """The production's options it was made with (`options.checked`'s keywords)."""
        s = self.scope
        return {
            "conversations": s.get("conversations"),
            "context": s.get("context", 0),
            "exhibit": s.get("exhibit"),
            "production": s.get("production"),
            "redact": "redactions" in s,
            "notes": s.get("notes", True),
            "for_production": s.get("for_production", False),  # (one recorded before it was asked: whole)
            "keyed": s.get("keyed", False),  # (one made before redacted messages were keyed: plain)
            "earlier_said": s.get("earlier_said", False),  # (one made before: each redaction "a black box")
        }


def asked(rec: Recorded) -> dict:
    """What a transcript made again is asked for (`make_transcript`'s keywords): its record's scope, whether
    it showed privileged notes, and its production options."""
    return {
        "matter": rec.scope["matter"],
        "client": None if rec.scope["matter"] else rec.scope["client"],
        "include_privileged": rec.include_privileged,
        **rec.options(),
    }


def checked_given(uuid, given: dict) -> None:
    """Only where the file goes and how it is rendered may be given with `again`: the rest is the record's."""
    if not isinstance(uuid, str) or not uuid.strip():
        raise InvalidInput(f"again: {uuid!r} is not a transcript's id")
    other = sorted(k for k, v in given.items() if k not in GIVEN)
    if other:
        raise InvalidInput(
            f"a transcript made again takes its {', '.join(other)} from its record: give only where it goes"
            " (out), the signer and how it is rendered"
        )


def recorded(conn, uuid: str) -> Recorded:
    """The transcript the archive records under `uuid`, its messages and the audit entry of its making."""
    row = conn.execute("SELECT * FROM transcripts WHERE uuid = ?", (uuid.strip(),)).fetchone()
    if row is None:
        raise NotFound(f"the archive records no transcript {uuid.strip()}")
    messages = [
        (mid, digest)
        for mid, digest in conn.execute(
            "SELECT message_id, content_hash FROM transcript_messages WHERE transcript_id = ? ORDER BY position",
            (row["id"],),
        )
    ]
    entry = _audit_entry(conn, row["uuid"])
    return Recorded(
        row["uuid"],
        row["created_at"],
        json.loads(row["scope"]),
        row["zone"],
        row["bates_prefix"],
        row["bates_first"],
        row["pdf_sha256"],
        row["manifest_sha256"],
        messages,
        entry[0],
        bool(entry[1].get("include_privileged")),
        sightings.known_until(conn, entry[0]),
    )


def _audit_entry(conn, uuid: str) -> tuple[int, dict]:
    for entry, details in conn.execute(
        "SELECT id, details FROM audit_log WHERE command = 'transcript' AND instr(details, ?) > 0 ORDER BY id", (uuid,)
    ):
        found = details_of(details)
        if found.get("transcript") == uuid:
            return entry, found
    raise Conflict(f"the audit log has no entry for the making of transcript {uuid}: it cannot be made again")


def request(rec: Recorded) -> Request:
    """The request it was made with (its first Bates number is the record's, taken already: `bates`)."""
    s = rec.scope
    return Request(
        rec.zone,
        times.zone(rec.zone),
        s["from"],
        s["until"],
        s["from"],
        s["until"],
        rec.prefix,
        None,
        s["media"],
        bool(s.get("snapshot")),
        rec.imports_until,
    )


def check_contents(rec: Recorded, contents: Contents, scope_record: dict) -> None:
    """The archive still holds what the transcript shows, as it showed it: refused (Conflict) otherwise.
    Its Bates series and first number set to the record's."""
    from textfile.transcript.bates import Series

    shown = [(row.id, row.content_hash) for row in contents.plan.rows]
    if shown != rec.messages:
        held = {mid: digest for mid, digest in shown}
        missing = sum(1 for mid, digest in rec.messages if held.get(mid) != digest)
        raise Conflict(
            f"transcript {rec.uuid} cannot be made again byte for byte: the archive no longer holds its"
            f" {len(rec.messages):,} messages as recorded ({missing:,} gone or changed,"
            f" {len(set(held) - {mid for mid, _ in rec.messages}):,} more in its scope now)"
        )
    differ = sorted(k for k in set(rec.scope) | set(scope_record) if rec.scope.get(k) != scope_record.get(k))
    if differ:
        said = [_said(k) for k in differ]
        listed = ", ".join(said[:-1]) + f" and {said[-1]}" if len(said) > 1 else said[0]
        one = len(differ) == 1 and differ[0] not in PLURAL
        raise Conflict(
            f"transcript {rec.uuid} cannot be made again byte for byte: its {listed}"
            f" {'differs' if one else 'differ'} from the record's now"
        )
    contents.bates = Series(rec.prefix, rec.first_number)


PLURAL = {"numbering", "redactions", "conversations", "notes"}  # (said as a plural: "its … differ")


def _said(key: str) -> str:
    return {
        "numbering": "messages' numbers in their conversations",
        "redactions": "redactions applied",
        "matter_title": "matter's title",
    }.get(key, key)


def audit_heads(conn, rec: Recorded) -> list[dict | None]:
    """The audit log's last entry when the transcript was made, as candidates (latest first): an entry
    before the one that audited its making, appended at or after the last one before its time of making."""
    rows = conn.execute(
        "SELECT id, hash FROM audit_log WHERE id < ? AND id >= coalesce((SELECT max(id) FROM audit_log"
        " WHERE id < ? AND at < ?), 0) ORDER BY id DESC LIMIT ?",
        (rec.audit_entry, rec.audit_entry, rec.generated_at, HEADS),
    ).fetchall()
    return [{"entry": r[0], "hash": r[1]} for r in rows] or [None]


def manifest_matched(conn, rec: Recorded, build, keep_differing: bool = False) -> bytes:
    """The manifest (`build(audit_head)`) whose sha256 is the recorded one; refused when none is (with
    `keep_differing`: the one with the latest candidate, for a file that will be named as differing)."""
    from textfile.transcript import manifest

    heads = audit_heads(conn, rec)
    for head in heads:
        data = build(head)
        if manifest.sha256(data) == rec.manifest_sha256:
            return data
    if keep_differing:
        return build(heads[0])
    raise Conflict(
        f"transcript {rec.uuid} cannot be made again byte for byte: its manifest would differ from the one"
        " recorded (the notes to file it concerns, what its cover discloses, or the textfile version changed"
        " since); nothing was written"
    )


def check_file(rec: Recorded, sha256: str) -> None:
    """The file made again is the recorded one, byte for byte: refused (and never placed) otherwise."""
    if sha256 != rec.pdf_sha256:
        raise Conflict(
            f"transcript {rec.uuid} made again is not the same file (sha256 {sha256}, recorded {rec.pdf_sha256}):"
            " its pages differ (a contact's name; the owner or page size in the settings) or its signature does"
            " (another signing key or time), or it was rendered otherwise (another chunk size, version of"
            " WeasyPrint or fonts); nothing was written"
        )
