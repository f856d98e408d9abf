"""A production's folder: made new and private, every file written once and summed, SHA256SUMS last.

Decisions, and why:
- **A new folder.** --out names a folder that does not exist yet (or is empty): a production never
  mixes with other files, and nothing is written over. It is made 0700, every file 0600, written
  with O_EXCL and fsynced.
- **Marked until done.** `PRODUCTION-INCOMPLETE.txt` is the first file written, and removed only once
  the production is recorded: a production stopped half way (a full disk, a kill), even after its
  SHA256SUMS, says so in its own folder, and `verify DIR` refuses it. The PDFs it rendered stay
  recorded as transcripts (they are).
- **Every file summed as written** (`Produced`: path, kind, size, sha256, Bates range): the
  production's record, its certification and SHA256SUMS list the same sums, read once.
- **SHA256SUMS** is what `sha256sum -c` reads: "<sha256>  <path>" per file, LF, paths relative to
  the folder with forward slashes, in sorted order, every file but itself; `SHA256SUMS.p7s` signs it
  (a detached CMS signature under the archive's signing key, no signing time: the same bytes again),
  so the other side sees a change to any file, SHA256SUMS included, with `openssl cms -verify`.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import NamedTuple

from textfile.errors import Conflict, InvalidInput, TextfileError

INCOMPLETE = "PRODUCTION-INCOMPLETE.txt"
SUMS = "SHA256SUMS"
SUMS_SIGNATURE = "SHA256SUMS.p7s"
UNLISTED = (SUMS, SUMS_SIGNATURE)  # the files of a production that its list (and record) does not list: the list itself
SUBFOLDERS = ("DATA", "IMAGES", "NATIVES", "RSMF", "TEXT")


class Produced(NamedTuple):
    """A file of a production, as its record, its certification and SHA256SUMS list it."""

    path: str  # relative to the folder, with /
    kind: str  # pdf, native, rsmf, text, csv, jsonl, dat, opt, log, certification, readme, certificate
    size: int
    sha256: str
    bates_first: str | None = None
    bates_last: str | None = None


def file_sha256(path: Path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as fp:
        while chunk := fp.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


class Folder:
    """The production's folder while it is made."""

    def __init__(self, path: str | os.PathLike, mkdir: bool = False):
        self.path = Path(path).expanduser().absolute()
        self.files: dict[str, Produced] = {}
        parent = self.path.parent
        for above in (parent, *parent.parents):
            if above.exists() and not above.is_dir():
                raise InvalidInput(f"{above} is a file, not a folder: the production cannot go under it")
        if not parent.is_dir():
            if not mkdir:
                raise InvalidInput(f"{parent}: no such folder (--mkdir makes it)")
            try:
                parent.mkdir(parents=True, mode=0o700, exist_ok=True)
            except OSError as exc:
                raise TextfileError(f"cannot make {parent}: {exc.strerror or exc}") from None
        if self.path.exists():
            if not self.path.is_dir():
                raise Conflict(f"{self.path} exists and is not a folder: a production goes in a new folder")
            if any(self.path.iterdir()):
                raise Conflict(f"{self.path} is not empty: a production goes in a new folder (nothing is written over)")
        try:
            self.path.mkdir(mode=0o700, exist_ok=True)
            os.chmod(self.path, 0o700)
            for sub in SUBFOLDERS:
                (self.path / sub).mkdir(mode=0o700)
        except OSError as exc:
            raise TextfileError(f"cannot make {self.path}: {exc.strerror or exc}") from None
        self._write(
            INCOMPLETE,
            b"This production was not finished: do not hand it over. Make it again into a new folder.\n",
        )

    def _write(self, rel: str, data: bytes) -> Path:
        target = self.path / rel
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fp:
                fp.write(data)
                fp.flush()
                os.fsync(fp.fileno())
        except FileExistsError:
            raise Conflict(f"{target} exists: a production never writes over a file") from None
        except OSError as exc:
            raise TextfileError(f"cannot write {target}: {exc.strerror or exc}") from None
        return target

    def write_unsummed(self, rel: str, data: bytes) -> None:
        """A file written to be changed in place before it is summed (`add`): a PDF to sign."""
        self._write(rel, data)

    def write(self, rel: str, data: bytes, kind: str, bates: tuple[str, str] | None = None) -> Produced:
        """A file written into the folder (never over one), and summed."""
        self._write(rel, data)
        produced = Produced(rel, kind, len(data), hashlib.sha256(data).hexdigest(), *(bates or (None, None)))
        self.files[rel] = produced
        return produced

    def add(self, rel: str, kind: str, bates: tuple[str, str] | None = None) -> Produced:
        """A file another writer put in the folder (a transcript's PDF), summed as it is now."""
        size, sha = file_sha256(self.path / rel)
        produced = Produced(rel, kind, size, sha, *(bates or (None, None)))
        self.files[rel] = produced
        return produced

    def finish(self, signer=None) -> str:
        """SHA256SUMS written (every file but itself), and signed apart (SHA256SUMS.p7s, a detached CMS
        signature: `openssl cms -verify` checks it without textfile); SHA256SUMS's sha256. The incomplete
        mark stays until the production is recorded (`done`)."""
        from textfile.produce import signing

        data = sums_bytes(self.files.values())
        self._write(SUMS, data)
        if signer is not None:
            self._write(SUMS_SIGNATURE, signing.sign_detached(data, signer))
        return hashlib.sha256(data).hexdigest()

    def done(self) -> None:
        """The incomplete mark removed: the production is recorded (the mark is in no list of files)."""
        (self.path / INCOMPLETE).unlink()


def sums_bytes(files) -> bytes:
    return "".join(f"{f.sha256}  {f.path}\n" for f in sorted(files, key=lambda f: f.path)).encode("utf-8")


def parse_sums(data: bytes) -> dict[str, str]:
    """SHA256SUMS read back: path -> sha256 (InvalidInput on a line that is not one)."""
    found = {}
    for n, line in enumerate(data.decode("utf-8").splitlines(), 1):
        sha, sep, path = line.partition("  ")
        if not sep or len(sha) != 64 or not path:
            raise InvalidInput(f"{SUMS} line {n} is not '<sha256>  <path>'")
        found[path] = sha
    return found
