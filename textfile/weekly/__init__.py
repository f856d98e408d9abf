"""The weekly routine: `textfile archive INBOX --out DIR` for cron, and `textfile deletable`.

  run.py       the run: import what is new under the inbox, render the matters that gained messages
  log.py       what a run leaves beside the archive: its lock, its log, its record and the mark of its
               start (read by `status` and by the next run: a run killed part-way is known)
  verdicts.py  deletable: how far each conversation is safe to delete from the phone

The package's names are read as `weekly.archive_inbox`, `weekly.deletable`, … (the tests run them).
"""

from textfile.weekly.log import (
    MAX_WARNINGS,
    append_log,
    import_notes,
    last_run,
    log_lines,
    log_path,
    not_finished,
    record_not_run,
    record_run,
    record_start,
    record_stopped,
    run_in_progress,
    run_lock,
    run_path,
)
from textfile.weekly.run import (
    SETTLE_S,
    SNAPSHOT_SERIES,
    ArchivedImport,
    FailedFile,
    FailedTranscript,
    NotFinished,
    Rendered,
    RunReport,
    SameBytes,
    archive_inbox,
    imports_since,
    render_matter,
    snapshot_prefix,
    stale_matters,
)
from textfile.weekly.verdicts import BrokenTranscript, Source, Verdict, deletable, failing_checks, verdicts

__all__ = [
    "MAX_WARNINGS",
    "SETTLE_S",
    "SNAPSHOT_SERIES",
    "ArchivedImport",
    "BrokenTranscript",
    "FailedFile",
    "FailedTranscript",
    "NotFinished",
    "Rendered",
    "RunReport",
    "SameBytes",
    "Source",
    "Verdict",
    "append_log",
    "archive_inbox",
    "deletable",
    "failing_checks",
    "import_notes",
    "imports_since",
    "last_run",
    "log_lines",
    "log_path",
    "not_finished",
    "record_not_run",
    "record_run",
    "record_start",
    "record_stopped",
    "render_matter",
    "run_in_progress",
    "run_lock",
    "run_path",
    "snapshot_prefix",
    "stale_matters",
    "verdicts",
]
