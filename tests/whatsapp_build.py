"""Builders for WhatsApp test inputs: zips made from readable folders, deterministic to the byte."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

FIXED_TIME = (2024, 3, 20, 10, 5, 0)


def build_zip(source: Path, out: Path, *, extra: dict[str, bytes] | None = None) -> Path:
    """Zip every file of `source` (sorted, fixed timestamps) plus `extra` members, as iOS does."""
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(p for p in source.iterdir() if p.is_file()):
            info = zipfile.ZipInfo(path.name, FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes())
        for name, data in (extra or {}).items():
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return out


# -- damaged zips: one member's headers or bytes changed in place ---------------------------------


def _headers(data: bytes, name: str) -> tuple[int, int, zipfile.ZipInfo]:
    """(offset of the local header, offset of the central directory entry, ZipInfo) of member `name`."""
    import io

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo(name)
    central = data.find(b"PK\x01\x02")
    while struct.unpack_from("<I", data, central + 42)[0] != info.header_offset:
        central = data.find(b"PK\x01\x02", central + 4)
    return info.header_offset, central, info


def declare_size(path: Path, name: str, size: int) -> Path:
    """The member's uncompressed size as both headers declare it, changed (its bytes are not)."""
    data = bytearray(path.read_bytes())
    local, central, _info = _headers(data, name)
    struct.pack_into("<I", data, local + 22, size)
    struct.pack_into("<I", data, central + 24, size)
    path.write_bytes(bytes(data))
    return path


def damage(path: Path, name: str, at: float = 0.5) -> Path:
    """One byte of the member's stored (compressed) bytes inverted, `at` that fraction of the way in."""
    data = bytearray(path.read_bytes())
    local, _central, info = _headers(data, name)
    name_length, extra_length = struct.unpack_from("<HH", data, local + 26)
    data[local + 30 + name_length + extra_length + int(info.compress_size * at)] ^= 0xFF
    path.write_bytes(bytes(data))
    return path


def encrypt(path: Path, name: str) -> Path:
    """The member marked as encrypted with AES, as WinZip and 7-Zip write it (flag bit 0, method 99)."""
    data = bytearray(path.read_bytes())
    local, central, _info = _headers(data, name)
    for header, flags in ((local, 6), (central, 8)):
        struct.pack_into("<HH", data, header + flags, struct.unpack_from("<H", data, header + flags)[0] | 1, 99)
    path.write_bytes(bytes(data))
    return path
