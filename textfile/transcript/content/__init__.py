"""What a transcript shows, read from the archive as plain data.

The main process reads the plan (`scope.py`: which messages, in transcript order, with their content
hashes) and the cover's facts (`cover.py`: counts, and everything that shaped the evidence without
being in it, with `sources.py`, `pairings.py`, `marked.py`); each rendering worker reads the full
content of its own chunk (`chunk.py`), a message's facts in the transcript's words (`marks.py`) and
who is named how (`people.py`).
"""

from textfile.transcript.content.chunk import Chunk, Job, digest, jobs, load_chunk
from textfile.transcript.content.cover import cover
from textfile.transcript.content.marks import VERSION_ORIGINS
from textfile.transcript.content.people import client_names, conversation_info, own_title, sender_name
from textfile.transcript.content.scope import (
    Number,
    Plan,
    Planned,
    Scope,
    fmt_bound,
    message_numbers,
    number_at,
    plan,
    resolve_scope,
)

__all__ = [  # what the making of a transcript, `conversation show`, search, filing and the CLI use
    "VERSION_ORIGINS",
    "Chunk",
    "Job",
    "Number",
    "Plan",
    "Planned",
    "Scope",
    "client_names",
    "conversation_info",
    "cover",
    "digest",
    "fmt_bound",
    "jobs",
    "load_chunk",
    "message_numbers",
    "number_at",
    "own_title",
    "plan",
    "resolve_scope",
    "sender_name",
]
