"""A transcript being made, and what `make_transcript` returns of the one it made.

`Made` is filled in as the making goes: its id, when, where it goes and its first Bates number at
the start, its pages once the chunks are rendered, the sha256 of its manifest and of its file once
written. `Transcript` is what the CLI and the weekly run report of it (its JSON form is what
`textfile transcript --json` prints): the file, its scope and window, its counts and Bates range, its
hashes, and how long each phase took and what rendering it cost.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textfile.results import Result, json_name, omit_empty


@dataclass(slots=True)
class Made:
    """The transcript being made: its id, when, where it goes, its Bates range, and once rendered, its
    pages and the sha256 of its manifest and of its file."""

    id: str
    generated_at: str
    path: Path
    prefix: str
    first_number: int
    pages: int = 0
    manifest_sha256: str = ""
    pdf_sha256: str = ""

    @property
    def last_number(self) -> int:
        return self.first_number + self.pages - 1


@dataclass(slots=True, eq=False)
class PhaseSeconds(Result):
    """How long the plan, the rendering and the rest (join, stamp, write, record) took, in seconds."""

    plan: float
    render: float
    finish: float


@dataclass(slots=True, eq=False)
class RenderCost(Result):
    """What the rendering cost: how many processes rendered, the largest one's peak memory, their CPU time."""

    processes: int
    peak_rss_mb: float
    cpu_s: float


@dataclass(slots=True, eq=False)
class Transcript(Result):
    """The transcript made: where it was written, its id, scope and window, its counts, Bates range and hashes."""

    path: str
    transcript: str  # its id (the manifest's and the archive's)
    matter: str | None
    client: str
    from_: str | None = json_name("from")
    until: str | None
    zone: str
    messages: int
    conversations: int
    pages: int
    bates_first: str
    bates_last: str
    pdf_sha256: str
    manifest_sha256: str
    chunks: int  # documents made (the cover and the chunks of messages)
    reused: int  # chunks taken from the cache of rendered chunks, not rendered again
    refused_urls: list[str]  # what the documents asked to load and were refused
    seconds: float
    phases_s: PhaseSeconds
    render: RenderCost
    # the notes to file shown and left out, and the privilege log written beside it (content/notes.py)
    notes: dict | None = omit_empty(default=None)
    # privileged notes of another matter about a message it shows (notes/stranded.py `elsewhere`): said, not recorded
    warnings: list[str] = omit_empty(default_factory=list)
    # message id -> the Bates number of the page its entry starts on (a production quotes them; not in the JSON form)
    message_bates: dict[str, str] = json_name(None, default_factory=dict)
