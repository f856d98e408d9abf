"""Where the exports are: what `textfile import PATH…` and the weekly run's inbox walk both read.

A file named is tried as named. A folder an importer recognizes as a whole (an iPhone backup, an
unzipped WhatsApp export, a copied Messages folder) is one export, and what else it holds that is not
part of it is read on its own; any other folder is walked, in name order, passing over hidden entries
(unless named), what phones save beside an export (media, documents) and logs, locks and SQLite's
side files, so that a folder walk does not fail on them every week.
"""

from __future__ import annotations

from pathlib import Path

from textfile import importers

# What phones save beside an export (WhatsApp's media, the photos of an "export with media"), and
# logs, locks and SQLite's side files: never an export, so a folder walk passes them over instead
# of failing on them every week. A file named explicitly is always tried.
NOT_EXPORTS = frozenset(
    ".jpg .jpeg .png .gif .webp .heic .heif .bmp .tif .tiff .mp4 .mov .3gp .m4v .avi .mkv .webm .opus .ogg .m4a .aac .mp3 "
    ".amr .wav .caf .vcf .pdf .doc .docx .xls .xlsx .ppt .pptx .log .lock .db-wal .db-shm".split()
)


def candidates(inbox: Path, *, skip: tuple[Path, ...] = ()) -> list[Path]:
    """Files under the inbox, recursively, in name order; a folder an importer recognizes as a
    whole (an iPhone backup, an unzipped WhatsApp export, a Messages folder) is one candidate,
    and what else it holds that is not part of it is read on its own. Hidden files and folders,
    media files and the paths in `skip` (the output folder, the archive's own files) are passed over.
    An inbox holding a single WhatsApp chat text (and its media) is an inbox like any other, not an
    unzipped export: its chat is read as a file (the media beside it found as they would be). An
    inbox that is a Messages folder or an iPhone backup is that export."""
    inbox = Path(inbox)
    whatsapp = importers.importers().get("whatsapp")
    if not inbox.is_dir() or whatsapp is None or not _detects(whatsapp, inbox):
        return _collect([inbox], skip=skip)
    try:
        children = sorted(inbox.iterdir())
    except OSError:  # unreadable: the inbox itself is tried, and fails with its reason
        return [inbox]
    return _collect(children, skip=skip, named=False)


def _collect(entries: list[Path], *, skip: tuple[Path, ...] = (), named: bool = True) -> list[Path]:
    found: list[Path] = []
    registered = importers.importers().values()
    skipped = {p.resolve() for p in skip}
    seen: set[Path] = set()  # a folder reached twice (a link to itself or a parent) is walked once

    def visit(entry: Path, named: bool = False) -> None:
        # Hidden entries are passed over when found, never when named (`import .Messages`, `..`).
        if (entry.name.startswith(".") and not named) or entry.resolve() in skipped:
            return
        if entry.is_dir():
            if entry.resolve() in seen:
                return
            seen.add(entry.resolve())
            whole = next((m for m in registered if _detects(m, entry)), None)
            if whole is None:
                try:
                    children = sorted(entry.iterdir())
                except OSError:  # unreadable: the folder itself is tried, and fails with its reason
                    found.append(entry)
                    return
                for child in children:
                    visit(child)
                return
            found.append(entry)
            # What else such a folder holds (an export dropped beside a chat.db) is read on its own.
            for extra in whole.foreign_entries(entry):
                visit(extra)
        elif entry.is_file() and not never_an_export(entry):
            found.append(entry)

    for entry in entries:
        visit(entry, named=named)
    return found


def never_an_export(path: Path) -> bool:
    name = path.name.lower()
    return any(name.endswith(suffix) for suffix in NOT_EXPORTS)


def expand(paths: list[Path]) -> list[Path]:
    """What `textfile import PATH…` reads: a file as named; a folder that an importer takes
    whole, as one; any other folder, walked like an inbox."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out += _collect([path]) or [path]  # nothing in it: the folder's own error says so
        else:
            out.append(path)
    return out


def _detects(module, path: Path) -> bool:
    try:
        return bool(module.detect(path))
    except OSError:
        return False
