"""Builders for WhatsApp test inputs: zips made from readable folders, deterministic to the byte."""

from __future__ import annotations

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
