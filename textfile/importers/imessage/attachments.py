"""A message's attachments: the files its attachment rows name, read only from an attachments folder.

Decisions:
- An attachment is read only from an attachments folder (Attachments/ or StickerCache/ of a Messages
  folder: the home's (not for a client's phone: --custodian), the one chat.db sits in, or --attachments-root) or from the backup's own files,
  with `..` and links resolved, and checked again as the file is opened (not through a link, and where
  the system says the open file is), so a link swapped in meanwhile cannot lead out (confined.py). A crafted
  path ("/etc/passwd", "…/Attachments/../../.ssh/id_rsa", a link to outside, a Manifest.db entry naming
  another place) is recorded as a missing attachment saying so, and counted in a warning.
- A message's attachments are in the order its text places them (their guids in attributedBody), those
  it does not place after them in their rows' order.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Iterator, Sequence
from functools import cached_property
from pathlib import Path

from textfile.importers import typedstream
from textfile.importers.imessage.backup import Backup
from textfile.importers.imessage.confined import Outside, read_inside
from textfile.importers.imessage.schema import AttachmentRow
from textfile.model import Attachment, ImportOptions, Notice

# "~/Library/Messages/Attachments/ab/01/AB01…/receipt.png" (Mac), "/var/mobile/Library/SMS/Attachments/…" or
# "~/Library/SMS/Attachments/…" (iPhone), "/Users/alex/Library/Messages/StickerCache/8e68…/289D….heic" (a sticker):
# (home, "Messages" or "SMS", the attachments folder, the path inside it)
ATTACHMENT_PATH = re.compile(r"(.*?)/Library/(Messages|SMS)/(Attachments|StickerCache)/([^\0]+)", re.DOTALL)


class AttachmentFiles:
    """Where the attachments of one database are looked for, and what was found leading out."""

    def __init__(self, db_path: Path, options: ImportOptions, backup: Backup | None):
        self.db_path = db_path
        self.options = options
        self.backup = backup
        self.roots_noted = False
        self.leading_out: list[str] = []  # the ROWIDs of attachments whose path leads outside the attachments folders

    def of_message(
        self, attributed_body: bytes | None, rows: Sequence[AttachmentRow], ref: str, out: list
    ) -> tuple[Attachment, ...]:
        """The attachments of a message (its rows), in the order its text places them; the first time, where
        they are looked for (a warning in `out`)."""
        if not self.roots_noted and self.backup is None:
            self.roots_noted = True
            where = ", ".join(str(root) for root in self.roots)
            out.append(Notice(f"attachment files (~/Library/Messages/…) looked for under: {where}", kind="assumption"))
        order = typedstream.order_by_position(attributed_body, [a.guid or "" for a in rows])
        return tuple(self.attachment(rows[i], ref) for i in order)

    def attachment(self, row: AttachmentRow, ref: str) -> Attachment:
        name = row.transfer_name or (Path(row.filename).name if row.filename else None)
        mime = row.mime_type or (mimetypes.guess_type(name)[0] if name else None)
        filename = row.filename
        if not filename:
            return Attachment(
                name, mime, missing_reason="no file recorded in the database (never downloaded to this device)"
            )
        parts = ATTACHMENT_PATH.fullmatch(filename)
        if parts is None or ".." in parts[4].split("/"):
            return self._leading_out(name, mime, filename, ref, "attachments folder")
        leads_out = False
        for candidate, folder in self.candidates(*parts.groups()):
            try:
                data = read_inside(candidate, folder)
            except Outside:
                leads_out = True
                continue
            except OSError as exc:
                return Attachment(name, mime, missing_reason=f"cannot read {candidate}: {exc.strerror or exc}")
            if data is not None:
                return Attachment(name, mime, data=data)
        if leads_out:
            return self._leading_out(
                name, mime, filename, ref, "attachments folder" if self.backup is None else "backup folder"
            )
        return Attachment(name, mime, missing_reason=f"file not found: {filename}")

    def _leading_out(self, name, mime, filename: str, ref: str, where: str) -> Attachment:
        self.leading_out.append(ref)
        return Attachment(name, mime, missing_reason=f"not read: {filename} leads outside the {where}")

    def leading_out_notice(self) -> Notice | None:
        """The warning that counts the attachment paths leading out, after the last message; None when none did."""
        if not self.leading_out:
            return None
        n = len(self.leading_out)
        return Notice(
            f"{n} attachment path{'s' if n != 1 else ''} {'leads' if n == 1 else 'lead'} outside the attachments folders "
            f"(the first at {self.leading_out[0]}): not read, recorded as missing with the reason"
        )

    def candidates(self, home: str, messages: str, kind: str, inside: str) -> Iterator[tuple[Path, Path]]:
        """Where the file may be, each with the folder it must stay in: in a backup, its files (in the backup
        folder); else in the attachments folder `kind` ("Attachments" or "StickerCache") of
        each root taken as a home and as a Messages folder (and --attachments-root as the Attachments folder
        itself when it is one, by its name: any other folder, a home, would let "Attachments/.ssh/id_rsa" in),
        and in the home an absolute path names."""
        if self.backup is not None:
            for candidate in self.backup.candidates("MediaDomain", f"Library/{messages}/{kind}/{inside}"):
                yield candidate, self.backup.folder
            return
        given = self.options.attachments_root
        roots = [*self.roots, Path(home)] if home.startswith("/") and given is None else self.roots
        for root in roots:
            for folder in (root / "Library" / messages / kind, root / kind):
                yield folder / inside, folder
            if given is not None and kind == "Attachments" and root.name.casefold() == "attachments":
                yield root / inside, root  # --attachments-root …/Attachments

    @cached_property
    def roots(self) -> list[Path]:
        if self.options.attachments_root is not None:
            return [Path(self.options.attachments_root).expanduser()]
        roots = []
        parent = self.db_path.resolve().parent
        if parent.name in ("Messages", "SMS") and parent.parent.name == "Library":
            roots.append(parent.parent.parent)  # the home folder the path implies
        roots.append(parent)  # a copied Messages folder: chat.db beside Attachments/
        # this user's own home, where the owner's Mac keeps its Messages: never for a client's phone's database
        # (--custodian), whose files are not this user's (second reader, round 10)
        if Path.home() not in roots and self.options.custodian is None:
            roots.append(Path.home())
        return roots
