"""Values bound to an SQL `IN (…)` list, a chunk at a time.

SQLite before 3.32 takes at most 999 bound values a statement (`SQLITE_MAX_VARIABLE_NUMBER`), and
the Python a user's system provides may link one; a chunk of 900 leaves room for the statement's
other values. Every query asking about an open-ended list of ids or times reads them this way.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

CHUNK = 900


def chunks(values: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """`values` in order, `size` at a time (none for none)."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def marks(values: Sequence) -> str:
    """The placeholders of an `IN (…)` list of `values`: `?,?,?`."""
    return ",".join("?" * len(values))
