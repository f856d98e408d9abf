"""A transcript's notes to file, in the making of it: read once the plan is, rendered after the
messages, said in the manifest, and the privilege log's CSV put beside the PDF as it is recorded
(`content/notes.py` says which notes, `render/notes.py` how they look, notes/proof.py how `verify`
checks them).

The CSV is written when the transcript is recorded, in that step: written first, removed again if
recording fails, so a log never stands beside a PDF that was not made; a file already at its
place refuses a transcript given --out before anything is rendered (a log is never written over a
file), and makes one in --out-dir take the next free name (`output.output_path`). The notes are read
before the name is chosen: a transcript showing privileged notes is named so.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textfile.notes.privilege import check_free, csv_path, write_csv
from textfile.transcript.content.notes import Appendix, appendix


def read(conn, contents, request, include_privileged: bool) -> Appendix:
    """The notes the transcript shows and leaves out (read before its name is chosen: a transcript
    showing privileged notes is named so, `output.default_name`)."""
    return appendix(conn, contents.scope, contents.plan, request.zone, include_privileged)


def placed(found: Appendix, contents, pdf: Path) -> None:
    """The CSV's place beside the PDF, checked free (with --out-dir the PDF's name was chosen with
    it free: `output.output_path`'s `beside`); the cover says the notes."""
    if found.csv is not None:
        found.csv_path = csv_path(pdf)
        check_free(found.csv_path)
    said = found.summary()
    if said and found.csv_path:
        said["log_name"] = found.csv_path.name
    contents.cover["notes"] = said


def rendered(renderer, found: Appendix, page_size: str) -> list[dict]:
    """The appendices rendered where the chunks were: their results, to join after the messages'."""
    from textfile.transcript.render import notes

    documents = notes.documents(found, page_size, found.csv_path.name if found.csv_path else None)
    return renderer.each(notes.render_document, documents) if documents else []


def recorded(found: Appendix, record: Callable[[], None]) -> None:
    """The CSV beside the PDF, then the transcript recorded (`record`); the CSV removed if that fails."""
    if found.csv is None:
        return record()
    write_csv(found.csv_path, found.csv)
    try:
        record()
    except BaseException:
        found.csv_path.unlink(missing_ok=True)
        raise
