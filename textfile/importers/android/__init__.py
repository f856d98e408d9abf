"""Android "SMS Backup & Restore" XML: SMS, MMS (parts, addresses, group threads) and call logs.

Decisions, and why:
  - Identity (DESIGN.md): SMS by address, date as written, direction and body; MMS by `m_id` when it
    has one, else by date, box, sorted addresses and a digest of its parts; calls by number, date,
    type and duration. Next week's backup, which repeats everything, adds only what is new. The
    addresses in an identity, and the conversation key it is computed under, are those earlier
    versions used (numbers.py, conversations.py).
  - Each module below opens with the decisions it holds.

The package, one rule in one place (read() below opens the file; stream.py reads it):
  source.py         the file: its prolog, detect(), the refusals before parsing, raw reads
  repair.py         the bytes repaired before the parser (emoji halves, raw line breaks) and read back
  stream.py         the parser fed in chunks, each record handed to its reader (the fast loop)
  reader.py         one backup's reading: the parts below, shared by the records' readers
  attributes.py     an attribute's value: "null" is absent, numbers, names
  notices.py        how a notice names the records it is about
  dates.py          a record's `date`: milliseconds or seconds, readable_date, no date
  numbers.py        the numbers a backup writes: E.164, as written, or joined with their international form
  owner.py          this phone's number, from --me, the archive or the backup's MMS; the owner as sender
  conversations.py  a record's conversation: its key, its people, a group's names
  custodian.py      a client's own phone, read in the archive owner's frame
  sms.py            an <sms>
  mms.py            an <mms>: its addresses, box, thread and sender
  parts.py          an MMS's parts: its text, its attachments, their digest
  calls.py          a <call>
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from textfile.errors import ImportFailed
from textfile.importers.android.source import detect
from textfile.importers.android.stream import _records
from textfile.model import ImportOptions, Record

# The importer's interface (textfile.importers.Importer).
__all__ = [
    "CHAT_NAMED_BY_FILE",
    "COPIES_DIFFER",
    "EDITS_CHANGE_IDENTITY",
    "FORMAT",
    "JOINS_NUMBERS",
    "READS_A_CLIENTS_PHONE",
    "SENT_BY_THE_PHONE",
    "VERSION",
    "WALL_CLOCK",
    "detect",
    "foreign_entries",
    "read",
    "read_from",
]

FORMAT = "android"
VERSION = "1"
JOINS_NUMBERS = True  # reads ImportOptions.joined_keys and .archived_numbers (ingest gives them)
SENT_BY_THE_PHONE = True  # "sent" means sent by the phone's owner, not by a named sender (see ingest)
READS_A_CLIENTS_PHONE = True  # ImportOptions.custodian: a client's own phone, read in the owner's frame (custodian.py)
COPIES_DIFFER = True  # each phone's copy of an SMS has its own date, direction and identity (ingest matches them)
CHAT_NAMED_BY_FILE = False  # a thread is keyed by its addresses, not by the backup's name
EDITS_CHANGE_IDENTITY = False  # an SMS is never edited
WALL_CLOCK = False  # every date is an instant (Unix milliseconds)


def read(path: Path, options: ImportOptions) -> Iterator[Record]:
    path = Path(path)
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise ImportFailed(path, f"cannot read: {exc.strerror or exc}") from None
    with fh:
        yield from _records(path, fh, options)


def foreign_entries(folder: Path) -> list[Path]:
    """An Android backup is a file: no folder is taken whole, so nothing is foreign to one."""
    return []


def read_from(folder: Path) -> None:
    """An Android backup is a file: no folder is taken whole, so none is read from."""
    return None
