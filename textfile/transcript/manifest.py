"""The manifest embedded in every transcript, and checking a transcript against the archive.

The manifest (`textfile-manifest.json`, attached to the PDF) says what the transcript is: its id,
the archive it came from, its scope and window, its Bates range, and the id and content hash of
every message in transcript order. The archive records the transcript with the sha256 of the
PDF file and of the manifest. `verify_pdf` reads the manifest back and reports, in words, every
way the file and the archive disagree: the file was altered, the manifest was altered, a message
changed or is missing, or the archive never made this transcript. A message a later import changed
(an edit or a deletion seen in a later export, a corrected zone, a number read anew, a change in the
source) is no disagreement when the transcript shows a state the archive keeps as a version of it,
vouched for by that import (`integrity.earlier_state`): the transcript matches the archive as it
was, and the report names each such message and what changed it (`earlier`); each consent and note it
shows that was withdrawn since is information too (`withdrawn`: integrity/withdrawn.py), and so is each
message it shows that the archive numbers otherwise now (`renumbered`: integrity/renumbered.py), and each
conversation it shows that is filed to its matter no longer (`unfiled`: integrity/refiled.py). The report is a typed
result (`PdfCheck`) whose JSON form has only what the check reached: a check that stopped at an
unreadable manifest says no Bates range.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from textfile import audit
from textfile.errors import TextfileError
from textfile.fingerprint import canonical_json, file_sha256, stored_hashes  # noqa: F401 — manifest.file_sha256 for callers
from textfile.integrity import earlier_state, transcript_records
from textfile.integrity.refiled import unfiled_since
from textfile.integrity.renumbered import renumbered
from textfile.integrity.withdrawn import withdrawn_since
from textfile.notes.proof import log_not_beside, notes_problems
from textfile.results import Result

NAME = "textfile-manifest.json"
FORMAT = "textfile-transcript-manifest"
MAX_PROBLEMS = 50


def build(
    *,
    transcript_id: str,
    archive_id: str,
    generated_at: str,
    version: str,
    scope: dict,
    zone: str,
    media: bool,
    pages: int,
    bates_prefix: str,
    bates_first: int,
    bates_last: int,
    messages,
    disclosures: dict | None = None,
    audit_head: dict | None = None,
    notes: dict | None = None,
) -> bytes:
    """The manifest's bytes: JSON without spaces, its keys sorted, then `messages` last, written
    straight from the (id, content hash) pairs so that 100,000 messages cost no list of lists.
    `disclosures`: what the cover discloses, as data (sources with whose phone and what was assumed
    or given when each was read, shared and by import; the corrections of a reading the archive
    proves; how each conversation was filed and by whom; the precision of the times; each WhatsApp
    message taken for another form of a message of another export, with both lines; the U+FFFD in
    each message and what the imports that hold it reported; times a DST change made textfile resolve).
    `audit_head`: the archive's last audit entry when the transcript was made ({'entry', 'hash'}),
    which `verify FILE.pdf` finds in the chain: entries removed or rewritten since are caught.
    `notes`: the notes to file shown and left out, and the privilege log's CSV (content/notes.py)."""
    from textfile.transcript.pdf import bates

    manifest = {
        "format": FORMAT,
        "format_version": 1,
        "transcript": transcript_id,
        "archive": archive_id,
        "generated_at": generated_at,
        "textfile_version": version,
        "scope": scope,
        "zone": zone,
        "media": media,
        "pages": pages,
        "disclosures": disclosures or {},
        "audit_head": audit_head,
        "bates": {
            "prefix": bates_prefix,
            "first": bates(bates_prefix, bates_first),
            "last": bates(bates_prefix, bates_last),
            "first_number": bates_first,
            "last_number": bates_last,
        },
        **({"notes": notes} if notes else {}),
    }
    pairs = [json.dumps([mid, digest], separators=(",", ":")) for mid, digest in messages]
    head = canonical_json({**manifest, "message_count": len(pairs)})
    # every key in canonical order, then the long list of messages last
    return (head[:-1] + ',"messages":[' + ",".join(pairs) + "]}\n").encode("utf-8")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read(path: str | Path) -> bytes | None:
    """The embedded manifest's bytes; None when the file is not a PDF or carries none."""
    from textfile.transcript.pdf import read_attachment

    try:
        return read_attachment(path, NAME)
    except Exception:  # not a PDF, or damaged beyond reading
        return None


def earlier_lines(earlier: list[dict], zone: str) -> list[str]:
    """What `verify_pdf` found of the messages a transcript shows as they were before a later import
    changed them (its `earlier`), in words: one line per run of messages that the same imports changed
    for the same reasons, the imports' dates in `zone` (the transcript's)."""
    from textfile import times
    from textfile.transcript.content import message_numbers

    if not earlier:
        return []
    n, tz = len(earlier), times.zone(zone)
    lines = [
        f"  {n:,} of its messages {'were' if n != 1 else 'was'} changed since by a later import; the archive keeps the state"
        f" {'they show' if n != 1 else 'it shows'} as {'versions' if n != 1 else 'a version'}:"
    ]
    groups: dict[tuple, list[int]] = {}
    for e in earlier:
        key = (
            e["version"],
            e["current_version"],
            tuple((c["import"], c["file_name"], c["imported_at"], tuple(c["why"])) for c in e["changes"]),
        )
        groups.setdefault(key, []).append(e["message"])
    for (version, now, changes), numbers in groups.items():
        by = "; then ".join(
            f"by import {i} ({name}, imported {times.display(at, tz)}): {', '.join(why)}"
            for i, name, at, why in changes
        )
        lines.append(f"  {message_numbers(numbers)}: shown as version {version}, now version {now}; changed {by}")
    return lines


class _NotReached:
    """A check's finding where the check stopped before it: falsy, and no key in the report's JSON form."""

    __slots__ = ()

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "NOT_REACHED"


NOT_REACHED = _NotReached()


@dataclass(slots=True, eq=False)
class PdfCheck(Result):
    """One transcript file checked against the archive (`verify_pdf`; `recorded.verify_pdfs` adds
    `recorded_gone`, `verify` `moved_from`). A finding the check stopped before is NOT_REACHED, and
    not in the JSON form: a file without a manifest that can be read has no `bates`, a transcript the
    archive never recorded no `recorded_path`, and `matches` is said once every message was checked."""

    path: str
    ok: bool = False
    problems: list[str] = field(default_factory=list)
    transcript: str | None = None  # its id, as its manifest says it
    sha256: str = NOT_REACHED  # the file's
    bates: dict | None = NOT_REACHED  # as the manifest says them (prefix, first, last, first_number, last_number)
    scope: dict | None = NOT_REACHED  # as the manifest says it
    messages: int = NOT_REACHED  # how many the manifest lists
    pages: int | None = NOT_REACHED
    zone: str | None = NOT_REACHED
    recorded_path: str = NOT_REACHED  # where the archive records the transcript
    earlier: list[dict] = (
        NOT_REACHED  # messages it shows in a state a later import replaced (`integrity.earlier_state`)
    )
    matches: str | None = NOT_REACHED  # "the archive" or "the archive as it was"; None: it does not match
    recorded_gone: bool = NOT_REACHED  # the archive records it at another path, where it no longer is
    moved_from: str | None = NOT_REACHED  # where it was recorded before `verify --moved` recorded it here
    privilege_log_absent: str = NOT_REACHED  # the CSV its manifest records, not beside it: not checked (notes/proof.py)
    withdrawn: list[dict] = NOT_REACHED  # the consents and notes it shows, withdrawn since (integrity/withdrawn.py)
    renumbered: list[dict] = NOT_REACHED  # its messages numbered otherwise now (integrity/renumbered.py)
    unfiled: list[dict] = (
        NOT_REACHED  # the conversations it shows, filed to its matter no longer (integrity/refiled.py)
    )
    # a production's PDF: the redactions the production applied to what it shows, withdrawn since
    # (produce/check.py `redactions_withdrawn`; `recorded.verify_pdfs`)
    redactions_withdrawn: list[dict] = NOT_REACHED

    def to_json(self) -> dict:
        return {k: v for k, v in Result.to_json(self).items() if v is not NOT_REACHED}


def verify_pdf(conn: sqlite3.Connection, archive_id: str, path: str | Path) -> PdfCheck:
    """Check one transcript file against the archive: its file hash, its manifest, every message it shows."""
    path = Path(path)
    report = PdfCheck(str(path))
    problems = report.problems
    if not path.is_file():
        problems.append("no such file")
        return report
    actual_sha = report.sha256 = file_sha256(path)
    raw = read(path)
    if raw is None:
        problems += _without_manifest(conn, path, actual_sha)
        return report
    manifest = _parsed(raw)
    if manifest is None:
        problems.append("the embedded manifest is damaged or not a textfile manifest")
        return report
    report.transcript = manifest.data.get("transcript")
    report.bates = manifest.data.get("bates")
    report.scope = manifest.data.get("scope")
    report.messages = len(manifest.messages)
    report.pages = manifest.data.get("pages")
    report.zone = manifest.data.get("zone")
    if manifest.data.get("archive") != archive_id:
        problems.append(f"unknown transcript: it was made from another archive ({manifest.data.get('archive')})")
        return report
    problems += anchor_problems(conn, manifest.data.get("audit_head"))
    row = conn.execute("SELECT * FROM transcripts WHERE uuid = ?", (manifest.data.get("transcript"),)).fetchone()
    if row is None:
        from textfile.lifecycle.disposal.records import disposed_output  # (its record went with a disposal: issue 19)

        gone = disposed_output(conn, manifest.data.get("transcript"))
        problems.append(
            f"transcript {manifest.data.get('transcript')} was disposed of: {gone}"
            if gone
            else f"unknown transcript: this archive has no record of transcript {manifest.data.get('transcript')}"
        )
        return report
    report.recorded_path = row["path"]
    problems += transcript_records(conn, row["uuid"])
    problems += _file_problems(row, raw, actual_sha)
    recorded = [
        (message_id, content_hash)
        for message_id, content_hash in conn.execute(
            "SELECT message_id, content_hash FROM transcript_messages WHERE transcript_id = ? ORDER BY position",
            (row["id"],),
        )
    ]
    manifest, unkeyed = _unkeyed(conn, manifest, recorded)
    if unkeyed:
        problems.append(unkeyed)
        return report
    report.scope = manifest.data.get("scope")
    if recorded != manifest.messages:
        problems.append("the manifest's messages differ from those the archive recorded for this transcript")
    problems += notes_problems(conn, manifest.data.get("notes"), path)
    absent = log_not_beside(manifest.data.get("notes"), path)
    if absent:
        report.privilege_log_absent = absent
    report.withdrawn = withdrawn_since(conn, manifest.data, row["id"])
    report.earlier = []
    numbering = report.scope.get("numbering") if isinstance(report.scope, dict) else None
    problems += _message_problems(conn, recorded, report.earlier, numbering)
    report.renumbered = renumbered(conn, recorded, numbering)
    report.unfiled = unfiled_since(conn, row["id"])
    problems += found_on_problems(conn, row["uuid"], manifest.data, recorded)
    report.ok = not problems
    report.matches = None if problems else "the archive as it was" if report.earlier else "the archive"
    return report


class Manifest(NamedTuple):
    """A manifest read back: its fields, and its (message id, content hash) pairs in transcript order."""

    data: dict
    messages: list[tuple[str, str]]


def _unkeyed(
    conn: sqlite3.Connection, manifest: Manifest, recorded: list[tuple[str, str]]
) -> tuple[Manifest, str | None]:
    """A production PDF's manifest with its redacted messages' keyed ids and content hashes read back into
    the archive's (keyed.py), by the key that seals the audit log; a problem when that key is not here."""
    from textfile.audit.key import key_id, key_path, read_key
    from textfile.transcript import keyed

    named = keyed.keyed_in(manifest.data)
    if not named:
        return manifest, None
    try:
        key = read_key()
    except TextfileError:
        key = None
    if key is None or key_id(key) != conn.execute("SELECT key_id FROM settings").fetchone()[0]:
        return manifest, (
            f"the redacted messages it names by keyed ids ({len(named)}) cannot be tied to the archive without the"
            f" key that seals its audit log: {key_path()}: {'no key is there' if key is None else 'that is another key'}"
            " (set $TEXTFILE_KEY to where it is)"
        )
    back = keyed.unkeyed(key, recorded, named)
    return Manifest(back(manifest.data), [tuple(pair) for pair in back(manifest.messages)]), None


def _parsed(raw: bytes) -> Manifest | None:
    """The manifest's fields and messages; None when it is damaged or not a textfile manifest."""
    try:
        manifest = json.loads(raw)
        assert manifest.get("format") == FORMAT
        messages = [(str(mid), str(digest)) for mid, digest in manifest["messages"]]
    except Exception:
        return None
    return Manifest(manifest, messages)


def _without_manifest(conn: sqlite3.Connection, path: Path, actual_sha: str) -> list[str]:
    """What a file that carries no manifest that can be read is: a recorded transcript altered (by its
    path), or an unknown one."""
    row = conn.execute("SELECT * FROM transcripts WHERE pdf_sha256 = ?", (actual_sha,)).fetchone()
    if row is not None:
        return []
    by_path = conn.execute("SELECT * FROM transcripts WHERE path = ?", (str(path.resolve()),)).fetchone()
    if by_path is not None:
        return [
            f"the file was altered: it is no longer the transcript {by_path['uuid']} recorded at this path"
            " (its sha256 differs and its embedded manifest cannot be read)"
        ]
    return ["unknown transcript: the file carries no textfile manifest that can be read"]


def anchor_problems(conn: sqlite3.Connection, anchor) -> list[str]:
    """The audit log's last entry when a transcript or a review report was made (its manifest's
    `audit_head`), found in the chain as it was."""
    if anchor is None:  # (transcripts made before it was recorded have none; nor a report of an archive with no entry)
        return []
    if isinstance(anchor, dict) and type(anchor.get("entry")) is int and isinstance(anchor.get("hash"), str):
        return audit.check_anchor(conn, anchor, "its manifest")
    return ["the embedded manifest's record of the audit log (audit_head) is damaged"]


def _file_problems(row, raw: bytes, actual_sha: str) -> list[str]:
    """The manifest and the file, each against the sha256 the archive recorded when it was made."""
    problems = []
    if sha256(raw) != row["manifest_sha256"]:
        problems.append(
            "the embedded manifest was altered: its sha256 differs from the one recorded when the transcript was made"
        )
    if actual_sha != row["pdf_sha256"]:
        problems.append(f"the file was altered: its sha256 is {actual_sha}, the archive recorded {row['pdf_sha256']}")
    return problems


def _message_problems(
    conn: sqlite3.Connection, recorded: list[tuple[str, str]], earlier: list[dict], numbering
) -> list[str]:
    """Each message the transcript shows, against the archive (`message_problems`), named by its number
    in the transcript (`numbering`: the scope's runs) and, when changed, its time."""
    from textfile.transcript.content import number_at

    shown = [(mid, digest, number_at(numbering, position)) for position, (mid, digest) in enumerate(recorded, 1)]
    return message_problems(conn, shown, earlier, "transcript", timed=True)


def found_on_problems(conn: sqlite3.Connection, uuid: str, data: dict, recorded: list[tuple[str, str]]) -> list[str]:
    """Where the transcript says each message was found (its manifest's `found_on`: whose phones, and the time
    another phone recorded), against what the archive says now of the imports the transcript knew of (its
    sources'): a sighting or another phone's copy deleted, added or changed outside textfile is named. A phone
    a later import found a message on is not the transcript's to say; a message shown in a state that is no
    longer its own is the content check's (its own time may have moved); a client renamed since is the same phone."""
    from textfile import times
    from textfile.transcript.content.people import phones_of, times_elsewhere

    disclosures = data.get("disclosures")
    found_on = disclosures.get("found_on") if isinstance(disclosures, dict) else None
    if not found_on:  # (one phone: the transcript says nothing per message)
        return []
    try:
        said = {f["message"]: (str(f["seq"]), f["phones"], f.get("recorded", {})) for f in found_on}
        imports = sorted({int(i["import"]) for s in disclosures.get("sources") or [] for i in s["imports"]})
        tz = times.zone(data.get("zone"))
    except Exception:
        return ["the embedded manifest's record of where each message was found (found_on) is damaged"]
    now = dict(
        conn.execute(
            "SELECT m.id, m.content_hash FROM json_each(?) j JOIN messages m ON m.id = j.value",
            (json.dumps([mid for mid, _ in recorded]),),
        )
    )
    ids = [mid for mid, digest in recorded if mid in said and now.get(mid) == digest]
    cond, params = "m.id IN (SELECT value FROM json_each(?))", [json.dumps(ids)]
    (owner,) = conn.execute("SELECT owner_name FROM settings").fetchone()
    phones = phones_of(conn, cond, params, owner, imports)
    elsewhere = times_elsewhere(conn, cond, params, owner, imports)
    renamed = _renamed_since(conn, uuid)
    problems = []
    for mid in ids:
        seq, names, at = said[mid]
        shown = (sorted(renamed.get(n, n) for n in names), {renamed.get(n, n): t for n, t in at.items()})
        archived = (phones.get(mid, []), elsewhere.get(mid, {}))
        if shown != archived:
            problems.append(
                f"message #{seq} ({mid[:16]}…): the transcript says it was found on {_phones_said(*shown, tz)},"
                f" the archive now says {_phones_said(*archived, tz)}: where it was found was changed outside textfile"
            )
    if len(problems) > MAX_PROBLEMS:
        problems[MAX_PROBLEMS:] = [f"… and {len(problems) - MAX_PROBLEMS:,} more messages found elsewhere than it says"]
    return problems


def _phones_said(names: list[str], recorded: dict[str, str], tz) -> str:
    """ "Alex Owner's phone, Sam Client's phone (recorded there at 2024-03-01 11:59:58.000 -05:00)", to the
    millisecond (a difference the transcript's precision hides is still one); "no phone" for none, then each
    phone's copy recorded where no sighting says the message was found."""
    from textfile import times

    def there(name: str) -> str:
        return (
            f" (recorded there at {times.display(recorded[name], tz, milliseconds=True)})" if name in recorded else ""
        )

    said = ", ".join(f"{name}'s phone{there(name)}" for name in names) or "no phone"
    return "; ".join([said, *(f"a copy on {name}'s phone{there(name)}" for name in recorded if name not in names)])


def _renamed_since(conn: sqlite3.Connection, uuid: str) -> dict[str, str]:
    """Each client's name that `client edit` changed after transcript `uuid` was made: its name now."""
    renamed: dict[str, str] = {}
    made = False
    for command, details in conn.execute(
        "SELECT command, details FROM audit_log WHERE command IN ('transcript', 'client edit') ORDER BY id"
    ):
        d = audit.details_of(details)
        if command == "transcript":
            made = made or d.get("transcript") == uuid
        elif made and isinstance(d.get("client"), str) and isinstance(d.get("renamed_to"), str):
            old, new = d["client"], d["renamed_to"]
            renamed = {was: new if now == old else now for was, now in renamed.items()}
            renamed.setdefault(old, new)
    return renamed


def message_problems(
    conn: sqlite3.Connection, shown: list[tuple[str, str, object]], earlier: list[dict], what: str, timed: bool
) -> list[str]:
    """Each message a transcript or a review report (`what`) shows (id, content hash, its number), against
    the archive: as it is, else as a version of it the archive keeps and vouches for (added to
    `earlier`); the first MAX_PROBLEMS of the others, then how many more. A changed message is named
    with its time when `timed`."""
    current = {m.id: m for m in stored_hashes(conn, [mid for mid, _, _ in shown])}
    problems: list[str] = []
    changed, audited = 0, {}
    for mid, digest, seq in shown:
        now = current.get(mid)
        if now is None:
            text = f"message #{seq} ({mid[:16]}…) is missing from the archive"
        elif now.recorded == now.recomputed == digest:
            continue
        else:
            name = f"#{seq} ({now.sent_at}, {mid[:16]}…)" if timed else f"#{seq} ({mid[:16]}…)"
            if now.recorded != now.recomputed or now.recorded == digest:  # the row no longer matches its own hash
                text = f"message {name} changed: the archive's content no longer matches the {what}"
            elif (state := earlier_state(conn, mid, digest, audited)) is None:
                text = (
                    f"message {name} changed: the archive's content no longer matches the {what},"
                    " nor does any earlier version of it the archive recorded"
                )
            elif state["problems"]:
                text = (
                    f"message {name} changed, and the earlier version the {what} shows is not vouched for: "
                    + "; ".join(state["problems"])
                )
            else:
                earlier.append({"message": seq, "id": mid, **{k: v for k, v in state.items() if k != "problems"}})
                continue
        changed += 1
        if changed <= MAX_PROBLEMS:
            problems.append(text)
    if changed > MAX_PROBLEMS:
        problems.append(f"… and {changed - MAX_PROBLEMS:,} more messages changed or missing")
    return problems
