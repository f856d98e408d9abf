"""The audit log: every command that changed the archive appends one entry, chained by sha256,
sealed with a key kept outside the archive, and anchored where the archive cannot reach.

A chain of plain hashes proves nothing to someone who can rewrite it: recomputing every later
hash is one loop. So three things hold it from outside the archive:
- **The key** (key.py): each entry is sealed with HMAC-SHA256 under a key in the user's config folder.
- **The head** (anchors.py): this machine's record of the last entry, and the transcripts' manifests
  and the weekly log's lines that carry it too.
- **The digests** (digest.py, imports.py, records.py, custody.py): each import's messages and versions,
  where it found them (its sightings), and each table of the archive's other records, summed into digests
  the sealed entries record.

What someone holding only `archive.db` (not the key, the head file, the transcripts or the weekly
log) can still do: delete the whole file, or put back an older copy of it — which the head file
and every later transcript show as entries missing — and read it (it is not encrypted).

The package, one module per thing it decides:
- chain.py: the entries, their hashes, appending one in the change's own transaction
- entries.py: reading the log (an entry's details, the last entry, `textfile log`)
- key.py: the key, the seals, the archive's record of its key id
- digest.py: the multiset hash and the triggers that collect its terms; imports.py, records.py and custody.py: the digests
- anchors.py: the head kept outside the archive, in this machine's file and in the weekly log
- verify.py: the chain, its seals and its heads checked; an older copy accepted on purpose

The names the rest of textfile uses are imported here: `from textfile import audit`, then `audit.append`.
"""

from __future__ import annotations

from textfile.audit.anchors import (
    accepted_heads,
    check_anchor,
    check_log,
    forget_heads_at,
    head_line,
    head_path,
    heads_in_log,
    missing_heads,
    record_head,
)
from textfile.audit.chain import GENESIS, append, current_user, entry_hash
from textfile.audit.custody import check_custody, count_new_sightings, current_custody, recorded_custody
from textfile.audit.digest import RECORDS, TERMS, inserted_in_bulk, term, watch
from textfile.audit.entries import details_of, entries, head
from textfile.audit.imports import check_digests, count_new_messages, current_digests, pending_digests, recorded_digests
from textfile.audit.key import (
    KEY_ENV,
    SEALING_MIGRATION,
    KeyMissing,
    config_dir,
    key_id,
    key_path,
    made_sealed,
    make_key,
    read_key,
    require_key,
    seal,
    sealing_of,
)
from textfile.audit.records import (
    check_holds,
    check_records,
    current_records,
    hold_history,
    pending_records,
    recorded_records,
)
from textfile.audit.verify import accept_missing, verify

__all__ = [
    "GENESIS",
    "KEY_ENV",
    "RECORDS",
    "SEALING_MIGRATION",
    "TERMS",
    "KeyMissing",
    "accept_missing",
    "accepted_heads",
    "append",
    "check_anchor",
    "check_custody",
    "check_digests",
    "check_holds",
    "check_log",
    "check_records",
    "config_dir",
    "count_new_messages",
    "count_new_sightings",
    "current_custody",
    "current_digests",
    "current_records",
    "current_user",
    "details_of",
    "entries",
    "entry_hash",
    "forget_heads_at",
    "head",
    "head_line",
    "head_path",
    "hold_history",
    "heads_in_log",
    "inserted_in_bulk",
    "key_id",
    "key_path",
    "made_sealed",
    "make_key",
    "missing_heads",
    "pending_digests",
    "pending_records",
    "read_key",
    "record_head",
    "recorded_custody",
    "recorded_digests",
    "recorded_records",
    "require_key",
    "seal",
    "term",
    "verify",
    "watch",
    "sealing_of",
]
