"""The audit terms the reading process sums ahead (ingest/presummed.py): whatever part of a batch was added, and
however its rows differ from what was summed, the digests are the ones counting every added row gives."""

from __future__ import annotations

import sqlite3
from types import SimpleNamespace

from textfile.audit.custody import sighting_term
from textfile.audit.digest import MOD
from textfile.audit.imports import message_term
from textfile.ingest.presummed import Presummed, Presums, TermSums


def _temp_tables() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TEMP TABLE digest_sums (import_id INTEGER, kind TEXT, count INTEGER, total TEXT)")
    conn.execute("CREATE TEMP TABLE custody_sums (import_id INTEGER, count INTEGER, total TEXT)")
    return conn


def _batch(n: int, start: int = 0) -> tuple[Presummed, list]:
    """`n` messages as the reading process sums them, and as the writer's pending messages."""
    members = tuple((f"id{i}", f"hash{i}", None if i % 5 == 4 else f"line {i}") for i in range(start, start + n))
    sums = TermSums()
    for member in members:
        sums.add(*member)
    pending = [SimpleNamespace(id=m, content_hash=h, record=SimpleNamespace(source_ref=ref)) for m, h, ref in members]
    return Presummed(*sums.taken(), members), pending


def _counted(conn: sqlite3.Connection, messages, sightings) -> tuple:
    """What the writer adds to each digest: the settled sums and the rows it counts itself, as (count, total)."""
    m_count = sum(r[0] for r in conn.execute("SELECT count FROM temp.digest_sums"))
    m_total = sum(int(r[0], 16) for r in conn.execute("SELECT total FROM temp.digest_sums"))
    s_count = sum(r[0] for r in conn.execute("SELECT count FROM temp.custody_sums"))
    s_total = sum(int(r[0], 16) for r in conn.execute("SELECT total FROM temp.custody_sums"))
    m_total += sum(message_term(p.id, p.content_hash) for p in messages)
    sightings = [p for p in sightings if p.record.source_ref is not None]
    s_total += sum(sighting_term(p.id, p.record.source_ref) for p in sightings)
    return (m_count + len(messages), m_total % MOD), (s_count + len(sightings), s_total % MOD)


def _expected(added) -> tuple:
    placed = [p for p in added if p.record.source_ref is not None]
    return (
        (len(added), sum(message_term(p.id, p.content_hash) for p in added) % MOD),
        (len(placed), sum(sighting_term(p.id, p.record.source_ref) for p in placed) % MOD),
    )


def test_the_sums_are_what_counting_each_added_row_gives():
    for picked in ("all", "most", "few", "none"):
        conn = _temp_tables()
        presums = Presums()
        first, pending = _batch(10)
        second, more = _batch(10, start=10)
        presums.add(first)
        keep = {"all": range(10), "most": range(1, 9), "few": (3, 7), "none": ()}[picked]
        added = [pending[i] for i in keep]
        # one added with another content hash than summed (its attachments matched to stored ones), one in another place
        if picked == "most":
            added[0] = SimpleNamespace(id=added[0].id, content_hash="other", record=added[0].record)
            added[1] = SimpleNamespace(
                id=added[1].id, content_hash=added[1].content_hash, record=SimpleNamespace(source_ref="x")
            )
        messages, sightings = presums.claim(added)
        presums.add(second)
        presums.settle(conn, 1, final=False)  # (the first is settled, the second may still be coming)
        assert len(presums.groups) == 1
        later, later_sightings = presums.claim(more[:3])
        presums.settle(conn, 1, final=True)
        assert presums.by_id == {} and presums.groups == []
        assert _counted(conn, messages + later, sightings + later_sightings) == _expected(added + more[:3]), picked


def test_a_batch_holding_an_id_twice_is_counted_from_its_rows():
    conn = _temp_tables()
    presums = Presums()
    sums, pending = _batch(4)
    twice = Presummed(sums.messages, sums.sightings, (*sums.members[:3], sums.members[0]))
    presums.add(twice)
    assert presums.claim(pending) == (pending, pending)
    presums.settle(conn, 1, final=True)
    assert conn.execute("SELECT count(*) FROM temp.digest_sums").fetchone()[0] == 0
    assert TermSums().taken() is None
