"""The notes to file a transcript shows, the privileged ones it leaves out, and its privilege log.

A transcript concerns the notes its production of the window concerns (`notes.concerning`: of its
matter, or of each of the client's matters; those about a message sent in the window, and those
about the matter as a whole). They go in an appendix after the messages, "Notes to file": each with
its date, author, version, text, and the messages it concerns by their numbers in this transcript
(#2.15), marked where the archive now holds a later version of the message than when the note was
written, or where the transcript does not show the message (outside its window, or unfiled since).

A privileged note is left out unless the transcript is asked for it (`--include-privileged`): then
it goes in an appendix of its own, "Privileged & Confidential — attorney work product", and the
whole file is marked: its name (`…_transcript_PRIVILEGED.pdf`), a line of the cover's facts, the
running header of every page ("PRIVILEGED & CONFIDENTIAL · …"), a warning where it is made, and its
audit entry (`audited`). A transcript that leaves privileged notes out carries their
privilege log (notes.privilege_log's entries): a page of the PDF, and the same log as CSV beside
it (`<pdf stem>.privilege-log.csv`). The manifest records the notes shown and those left out (id,
version, the text's sha256) and the CSV's name and sha256 (`record`); `verify FILE.pdf` checks them
(notes/proof.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from textfile import notes, times
from textfile.transcript.content.scope import message_numbers

PRIVILEGED_HEADING = "Privileged & Confidential — attorney work product"
PRIVILEGED_MARK = "PRIVILEGED & CONFIDENTIAL"  # the running header of every page of a transcript showing them


@dataclass
class Appendix:
    """What a transcript shows of the notes and what it leaves out; empty when no note concerns it."""

    shown: list[dict] = field(default_factory=list)  # as the template shows each
    privileged: list[dict] = field(default_factory=list)  # shown in the privileged appendix (asked for)
    log: list[notes.LogEntry] = field(default_factory=list)  # the privileged notes left out
    include_privileged: bool = False
    of_client: bool = False  # a client's transcript: each note says its matter
    csv: bytes | None = None  # the privilege log as CSV, when one is left out
    csv_path: Path | None = None

    @property
    def empty(self) -> bool:
        return not (self.shown or self.privileged or self.log)

    def record(self) -> dict | None:
        """What the manifest says of the notes (None: no note concerns the transcript)."""
        if self.empty:
            return None
        return {
            "shown": [[n["id"], n["version"], n["text_sha256"]] for n in self.shown + self.privileged],
            "left_out": [[e.note, e.version, e.text_sha256] for e in self.log],
            "include_privileged": self.include_privileged,
            "privilege_log": (
                {"file": self.csv_path.name, "sha256": hashlib.sha256(self.csv).hexdigest()}
                if self.csv is not None
                else None
            ),
        }

    def audited(self) -> dict:
        """What the transcript's audit entry says of them: whether privileged notes were asked for, how
        many it shows, and its privilege log's CSV (name and sha256; None: it has none)."""
        record = self.record() or {}
        return {
            "include_privileged": self.include_privileged,
            "privileged_shown": len(self.privileged),
            "privilege_log": record.get("privilege_log"),
        }

    def summary(self) -> dict | None:
        """What `transcript --json` says of them."""
        if self.empty:
            return None
        return {
            "shown": len(self.shown),
            "privileged_shown": len(self.privileged),
            "privileged_left_out": len(self.log),
            "privilege_log": str(self.csv_path) if self.csv is not None else None,
        }


def appendix(conn, scope, plan, zone, include_privileged: bool) -> Appendix:
    """The notes a transcript of `scope` (its plan: the messages it shows) concerns, read now (the
    CSV's place, beside the PDF, is set once the PDF's is known: `transcript/appendix.py`)."""
    matters = (
        [scope.matter_id]
        if scope.matter_id is not None
        else [r[0] for r in conn.execute("SELECT id FROM matters WHERE client_id = ?", (scope.client_id,))]
    )
    found = notes.concerning(conn, matters, scope.from_at, scope.until_at)
    out = Appendix(include_privileged=include_privileged, of_client=scope.matter_id is None)
    if not found:
        return out
    in_transcript = {row.id for row in plan.rows}
    for n in found:
        if not n.privileged:
            out.shown.append(_shown(n, in_transcript, zone))
        elif include_privileged:
            out.privileged.append(_shown(n, in_transcript, zone))
    if not include_privileged:
        out.log = notes.entries([n for n in found if n.privileged], zone)
    if out.log:
        out.csv = notes.csv_bytes(out.log)
    return out


def _shown(n: notes.Note, in_transcript: set[str], zone) -> dict:
    v = n.current
    return {
        "id": n.id,
        "version": v.version,
        "versions": len(n.versions),
        "text": v.text,
        "text_sha256": v.text_sha256,
        "date": times.display(n.created_at, zone),
        "edited": times.display(v.written_at, zone) if v.version > 1 else None,
        "author": n.author,
        "matter": n.matter,
        "basis": v.basis,
        "messages": message_numbers([m.number for m in n.messages]),
        "changed": [f"#{m.number}" for m in n.messages if m.changed],
        "outside": [f"#{m.number}" for m in n.messages if m.message_id not in in_transcript],
        "window": (
            {
                "conversation": n.conversation,
                "from": times.display(n.from_, zone) or "its start",
                "until": times.display(n.until, zone) or "its end",
            }
            if n.conversation is not None
            else None
        ),
    }
