"""Rendered chunks kept for the next transcript: a content-addressed cache beside the archive.

A weekly snapshot or a second production of a matter shows mostly what the last one showed: its
chunks stay put as messages are added (`content.jobs`), so most of them come out the same. A chunk
is looked up by the sha256 of everything its pages are made from: its HTML (every message, number,
name and image reference it shows), how it is laid out (its last pages balanced or not), and the
renderer (`fingerprint`: the template and stylesheets, textfile's rendering code, the WeasyPrint,
Pango, HarfBuzz and fontconfig versions, and every installed font file: any change is a miss, never
a stale page). The value: the chunk's part files, their pages, bookmarks and the conversations on
each page. The cover and the page and Bates numbers are never cached: they are drawn on every
transcript after joining, so a chunk's bytes do not depend on where it lands.

Nothing cached is trusted blindly: an entry's record (its parts' sha256, pages, bookmarks, the
conversations on each page) is sealed with a key derived from the archive's audit key (kept
outside the archive, as the audit log's seals are), and each part is hashed again as it is copied
out; an entry whose seal or parts fail is removed and the chunk rendered again. Entries
are written whole (to a temporary folder, then renamed into place), so a crash or a second
transcript at the same time leaves no half entry. The cache is bounded: after each transcript the
entries used least recently are removed past its size (`--cache-size`). Folders 0700, files 0600:
it holds the clients' messages as the transcripts do. `--no-cache` renders every chunk.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import hmac
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from functools import lru_cache
from importlib import resources
from pathlib import Path

FORMAT = 2  # of an entry's meta.json (2: with the page each message's entry starts on, issue 20)
DEFAULT_SIZE = 1 << 30  # bytes: ~20 matters of 20,000 messages
META = "meta.json"


SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([KMG]?)(?:I?B)?\s*", re.IGNORECASE)


def size_of(text: str | int | None) -> int:
    """A cache size as given (`--cache-size`: bytes, or 500M, 2G, 1.5GB, 2GiB); the default when not given."""
    from textfile.errors import InvalidInput

    if text is None:
        return DEFAULT_SIZE
    if isinstance(text, int):
        return text
    found = SIZE.fullmatch(text)
    if not found:
        raise InvalidInput(f"--cache-size: {text!r} is not a size (bytes, or a number with K, M or G: 500M, 2G)")
    return int(float(found[1]) * {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}[found[2].upper()])


def folder_for(archive_path: str | os.PathLike) -> Path:
    """The cache of an archive: beside it, named after it."""
    path = Path(archive_path).absolute()
    return path.with_name(path.name + "-render-cache")


def key(fingerprint: str, html: str, layout: dict) -> str:
    """A chunk's key: the renderer, how it is laid out, and its HTML."""
    h = hashlib.sha256()
    h.update(f"textfile-chunk {FORMAT}\n{fingerprint}\n".encode())
    h.update(json.dumps(layout, sort_keys=True).encode() + b"\n")
    h.update(html.encode("utf-8"))
    return h.hexdigest()


@lru_cache(maxsize=1)
def fingerprint() -> str:
    """What a chunk's pages are made with besides its HTML: any change gives every chunk another key.
    Called in a rendering process (WeasyPrint is loaded there)."""
    return fingerprint_of(_sources(), _versions(), _fonts())


def fingerprint_of(sources: bytes, versions: bytes, fonts: bytes) -> str:
    return hashlib.sha256(b"sources\n" + sources + b"\nversions\n" + versions + b"\nfonts\n" + fonts).hexdigest()


def _sources() -> bytes:
    """The template, the stylesheets and textfile's rendering code, each file named."""
    out = []
    package = resources.files("textfile.transcript")
    for folder in ("templates", "render"):
        for item in sorted((package / folder).iterdir(), key=lambda x: x.name):
            if item.is_file() and item.name.endswith((".py", ".css", ".j2")):
                out.append(f"{folder}/{item.name}\n".encode() + item.read_bytes())
    return b"\n".join(out)


def _versions() -> bytes:
    import weasyprint
    from weasyprint.text.ffi import pango

    return (
        f"weasyprint {weasyprint.__version__}\npango {pango.pango_version()}\n"
        f"harfbuzz {_library_version('harfbuzz', 'hb_version_string')}\n"
        f"fontconfig {_library_version('fontconfig', 'FcGetVersion', text=False)}\n"
    ).encode()


def _library_version(name: str, function: str, text: bool = True) -> str:
    found = ctypes.util.find_library(name)
    if not found:
        return "not found"
    try:
        call = getattr(ctypes.CDLL(found), function)
    except (OSError, AttributeError):
        return f"{found} (no {function})"
    call.restype = ctypes.c_char_p if text else ctypes.c_int
    value = call()
    return value.decode() if text else str(value)


def _fonts() -> bytes:
    """Every font fontconfig offers: its file, face index and version, and the file's size and time."""
    try:
        listed = subprocess.run(
            ["fc-list", "--format", "%{file}|%{index}|%{fontversion}\\n"],
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout.splitlines()
    except (OSError, subprocess.SubprocessError):
        listed = [str(p) for p in Path("/usr/share/fonts").rglob("*") if p.is_file()]
    lines = []
    for line in sorted(set(listed)):
        try:
            st = os.stat(line.split("|", 1)[0])
            lines.append(f"{line}|{st.st_size}|{st.st_mtime_ns}")
        except OSError:
            lines.append(f"{line}|gone")
    return "\n".join(lines).encode()


def seal_key(audit_key: bytes, archive_id: str) -> str:
    """The key an archive's cache entries are sealed with (hex), derived from its audit key."""
    return hmac.new(audit_key, f"textfile render cache {archive_id}".encode(), hashlib.sha256).hexdigest()


class Cache:
    """The cache folder and its entries' seal key; `take` and `keep` are called by the rendering processes."""

    def __init__(self, folder: str | os.PathLike, sealed_with: str):
        self.folder = Path(folder)
        self.key = bytes.fromhex(sealed_with)

    def _seal(self, record: dict) -> str:
        return hmac.new(self.key, json.dumps(record, sort_keys=True).encode(), hashlib.sha256).hexdigest()

    def _entry(self, k: str) -> Path:
        return self.folder / k[:2] / k

    def take(self, k: str, parts: Path, index: int) -> dict | None:
        """The cached chunk copied into `parts` (named as a rendered one would be), each part hashed
        again against its recorded sha256: its meta, with the copies' paths; None when there is none,
        or it is damaged (then it is removed)."""
        entry = self._entry(k)
        try:
            sealed = json.loads((entry / META).read_text())
            meta = sealed["record"]
            if not hmac.compare_digest(str(sealed["seal"]), self._seal(meta)):
                raise ValueError("its record is not as it was sealed")
            if meta.get("format") != FORMAT or meta.get("key") != k:
                raise ValueError("not this chunk's entry")
        except FileNotFoundError:
            return None
        except PermissionError:  # a folder that cannot be read: rendered as if there were no cache
            return None
        except (OSError, ValueError, AttributeError, KeyError, TypeError):
            _remove(entry)
            return None
        copied = []
        try:
            for n, part in enumerate(meta["parts"]):
                target = parts / f"part-{index:05d}-{n}.pdf"
                copied.append(target)
                if _copy_hashed(entry / part["file"], target) != part["sha256"]:
                    raise ValueError("a part differs from the sha256 recorded with it")
            os.utime(entry / META)  # used now: the last to be evicted
        except FileNotFoundError:  # evicted meanwhile by another transcript
            _unlink(copied)
            return None
        except (OSError, ValueError, KeyError, TypeError):
            _unlink(copied)
            _remove(entry)
            return None
        return {**meta, "parts": [str(p) for p in copied]}

    def forget(self, k: str) -> None:
        """The entry of `k` removed (one kept before what a chunk's record now holds: rendered again)."""
        _remove(self._entry(k))

    def keep(self, k: str, parts: list[str], meta: dict) -> None:
        """The rendered chunk's parts and meta kept under its key, written whole or not at all."""
        entry = self._entry(k)
        try:
            if entry.exists():
                return
            _folder(self.folder)
            _folder(entry.parent)
            temporary = Path(tempfile.mkdtemp(prefix=".new-", dir=entry.parent))
            try:
                listed = []
                for n, part in enumerate(parts):
                    name = f"part-{n}.pdf"
                    listed.append({"file": name, "sha256": _copy_hashed(Path(part), temporary / name)})
                record = {**meta, "format": FORMAT, "key": k, "parts": listed}
                _write(temporary / META, json.dumps({"record": record, "seal": self._seal(record)}))
                os.rename(temporary, entry)
            except BaseException:
                _remove(temporary)
                raise
        except OSError:  # a full disk, a read-only folder, another transcript's entry: not cached, nothing lost
            pass


def evict(folder: str | os.PathLike, size: int) -> int:
    """The entries used least recently removed until the cache holds at most `size` bytes; how many
    were removed. (Half-written entries of a process that died are removed too.)"""
    folder = Path(folder)
    if not folder.is_dir():
        return 0
    entries = []
    for shard in folder.iterdir():
        if not shard.is_dir():
            continue
        for entry in shard.iterdir():
            try:
                files = list(entry.iterdir())
                used = (entry / META).stat().st_mtime_ns
            except OSError:
                used = 0
                files = []
            if entry.name.startswith(".new-"):  # being written now, or left by a process that died
                if _age_s(entry) > STALE_S:
                    _remove(entry)
                continue
            entries.append((used, sum(_size(f) for f in files), entry))
    total = sum(e[1] for e in entries)
    removed = 0
    for _used, bytes_, entry in sorted(entries, key=lambda e: e[0]):
        if total <= size:
            break
        _remove(entry)
        total -= bytes_
        removed += 1
        try:
            entry.parent.rmdir()  # (a shard left empty)
        except OSError:
            pass
    return removed


STALE_S = 3600  # a half-written entry older than this was left by a process that died


def _age_s(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return 0.0


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _copy_hashed(source: Path, target: Path) -> str:
    """`source` copied to a new 0600 file `target`; the sha256 of what was written."""
    h = hashlib.sha256()
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with open(source, "rb") as src, os.fdopen(fd, "wb") as out:
        while block := src.read(1 << 20):
            h.update(block)
            out.write(block)
    return h.hexdigest()


def _write(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fp:
        fp.write(text)


def _folder(path: Path) -> None:
    path.mkdir(mode=0o700, exist_ok=True)


def _unlink(paths) -> None:
    for path in paths:
        Path(path).unlink(missing_ok=True)


def _remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
