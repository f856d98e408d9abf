"""An unencrypted Finder/iTunes backup of an iPhone: sms.db and the attachments under their SHA-1 names.

Decisions:
- A file of the backup is looked for under its hashed name (SHA-1 of "<domain>-<relative path>"),
  else where Manifest.db maps it (opened read-only and immutable), and read only when it is inside
  the backup's folder (confined.py): a Manifest.db entry naming another place is not followed.
- An encrypted backup is refused, saying how to make an unencrypted one.
"""

from __future__ import annotations

import hashlib
import plistlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from textfile.errors import ImportFailed
from textfile.importers.imessage.confined import Outside, inside
from textfile.importers.imessage.source import readonly_uri


class Backup:
    """An unencrypted Finder/iTunes backup folder: sms.db and attachments under SHA-1 names."""

    def __init__(self, folder: Path):
        self.folder = folder
        _refuse_encrypted(folder)
        try:
            self.sms_db = self.find("HomeDomain", "Library/SMS/sms.db")
        except Outside:
            raise ImportFailed(
                folder, "the backup's Messages database (Library/SMS/sms.db) leads outside the backup folder; not read"
            ) from None
        if self.sms_db is None:
            raise ImportFailed(folder, "no Messages database (Library/SMS/sms.db) in this folder")

    def find(self, domain: str, relative: str) -> Path | None:
        """The file of `relative` in `domain` (under its hashed name, else where Manifest.db maps it), when
        it is inside the backup folder; raises Outside when the only file there leads outside it."""
        leads_out = None
        for candidate in self.candidates(domain, relative):
            try:
                if inside(candidate, self.folder):
                    return candidate
            except Outside as exc:
                leads_out = exc
        if leads_out is not None:
            raise leads_out
        return None

    def candidates(self, domain: str, relative: str) -> Iterator[Path]:
        """Where the file of `relative` in `domain` may be: under its hashed name, else where Manifest.db says."""
        file_id = hashlib.sha1(f"{domain}-{relative}".encode()).hexdigest()
        yield from (self.folder / file_id[:2] / file_id, self.folder / file_id)
        file_id = self._from_manifest(domain, relative)  # asked only when the hashed name is not there
        if file_id:
            yield from (self.folder / file_id[:2] / file_id, self.folder / file_id)

    def _from_manifest(self, domain: str, relative: str) -> str | None:
        manifest = self.folder / "Manifest.db"
        if not manifest.is_file():
            return None
        try:
            conn = sqlite3.connect(readonly_uri(manifest), uri=True)
            try:
                row = conn.execute(
                    "SELECT CAST(fileID AS TEXT) FROM Files WHERE domain = ? AND relativePath = ?", (domain, relative)
                ).fetchone()
            finally:
                conn.close()
        except sqlite3.Error:
            return None
        return row[0] if row else None


def _refuse_encrypted(folder: Path) -> None:
    """ImportFailed when the backup's Manifest.plist says it is encrypted (or cannot be read)."""
    manifest = folder / "Manifest.plist"
    if not manifest.is_file():
        return
    try:
        info = plistlib.loads(manifest.read_bytes())
    except (plistlib.InvalidFileException, ValueError, OSError) as exc:
        raise ImportFailed(folder, f"Manifest.plist of this iPhone backup cannot be read ({exc})") from None
    if isinstance(info, dict) and info.get("IsEncrypted"):
        raise ImportFailed(
            folder,
            "this iPhone backup is encrypted; make an unencrypted backup (Finder or iTunes: untick "
            '"Encrypt local backup") and import that',
        )
