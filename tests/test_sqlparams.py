"""`textfile/sqlparams.py`: an open-ended list bound a chunk at a time, in order, each value once."""

from __future__ import annotations

import sqlite3

from hypothesis import given
from hypothesis import strategies as st

from textfile.sqlparams import CHUNK, chunks, marks


@given(st.lists(st.integers(), max_size=3 * CHUNK + 7), st.integers(min_value=1, max_value=CHUNK))
def test_chunks_keep_every_value_in_order(values, size):
    parts = list(chunks(values, size))
    assert [v for part in parts for v in part] == values
    assert all(1 <= len(part) <= size for part in parts)
    assert all(len(part) == size for part in parts[:-1])


def test_a_chunk_fits_an_old_sqlite_and_its_marks_bind_it():
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (v INTEGER)")
    conn.executemany("INSERT INTO t VALUES (?)", [(v,) for v in range(2000)])
    wanted = list(range(0, 4000, 2))  # (half of them in the table)
    found = [
        v
        for chunk in chunks(wanted)
        for (v,) in conn.execute(f"SELECT v FROM t WHERE v IN ({marks(chunk)}) ORDER BY v", [*chunk])
    ]
    assert found == list(range(0, 2000, 2))
    assert CHUNK + 1 <= 999  # (room for another value beside a chunk, under SQLite's old limit)
    assert marks([1, 2, 3]) == "?,?,?"
    assert list(chunks([])) == []
