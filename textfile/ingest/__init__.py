"""Record stream to archive: normalize, identify, deduplicate, keep provenance — one transaction.

The four units of an import, each a module here:
- policy.py: `import_path`, which importer reads a source, what it is told, what the archive remembers
  of its chats; custodian.py: whose phone the export is
- reader.py: a large source read and prepared in a second process (`ReaderProcess`)
- prepare.py: everything about a message that does not need the archive (`Prepared`)
- the writer (`writer/`), called by transaction.py (`ingest`): one source, one transaction

What other modules use is named here.
"""

from textfile.fingerprint import message_content_hash
from textfile.ingest.policy import check_date_order, import_path, source_digest, warm_up
from textfile.ingest.reader import ReaderProcess
from textfile.ingest.transaction import ImportResult, Source, ingest
from textfile.ingest.writer.corrections import TIME_FLAGS, _rereading
from textfile.ingest.writer.versions import EDITS

__all__ = [
    "EDITS",
    "TIME_FLAGS",
    "ImportResult",
    "ReaderProcess",
    "Source",
    "_rereading",
    "check_date_order",
    "import_path",
    "ingest",
    "message_content_hash",
    "source_digest",
    "warm_up",
]
