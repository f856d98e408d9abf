"""The floor the import benchmarks print (benchmarks/support/floor.py) must copy every row an
import stores: a table it forgot would make the floor look cheaper than storing really is."""

from __future__ import annotations

import importlib.util
import sqlite3

from conftest import FIXTURES, ROOT

from textfile.ingest import import_path

SETUP_TABLES = {"_sqlite_migrations", "settings", "owner_handles", "audit_log"}  # written by `init`, not by an import


def load_floor():
    spec = importlib.util.spec_from_file_location("floor", ROOT / "benchmarks" / "support" / "floor.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_floor_copies_every_row_an_import_stored(archive, archive_path):
    import_path(archive, FIXTURES / "android" / "sms-20240301.xml")
    import_path(archive, FIXTURES / "android" / "sms-20240308.xml")  # (overlapping: later sightings, m031)
    import_path(archive, FIXTURES / "whatsapp" / "WhatsApp Chat - Jordan Lee.zip", me="Alex Owner")
    archive.close()
    with sqlite3.connect(archive_path) as conn:
        tables = [
            t
            for (t,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '%_fts%'"
                " AND name NOT LIKE 'sqlite_%'"
            )
        ]  # (full-text indexes: rebuilt, not copied; sqlite_sequence: SQLite's own, kept by the copy's inserts)
        stored = {
            t: n
            for t in tables
            if t not in SETUP_TABLES and (n := conn.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0])
        }
    assert {"messages", "message_sightings", "blobs", "message_attachments"} <= stored.keys()

    floor = load_floor().store_floor(archive_path)

    assert floor["rows"] == {t: stored.get(t, 0) for t in floor["rows"]}
    assert stored.keys() <= floor["rows"].keys()
    assert floor["messages"] == stored["messages"] and floor["seconds"] > 0


def test_one_imports_rows_stored_into_an_archive_already_full(tmp_path, archive, archive_path):
    """reimport.py's floor: the rows one import stored (and only those), stored again into a copy of the
    archive as it was before that import, and into an empty one; every row goes in either way."""
    import shutil

    import_path(archive, FIXTURES / "android" / "sms-20240301.xml")
    archive.close()
    before = tmp_path / "before.db"
    shutil.copyfile(archive_path, before)
    from textfile.archive import Archive

    with Archive.open(archive_path) as again:
        second = import_path(again, FIXTURES / "whatsapp" / "WhatsApp Chat - Jordan Lee.zip", me="Alex Owner")
    floor = load_floor()
    rows = floor.one_import(archive_path, second.import_id, tmp_path / "rows.db")
    with sqlite3.connect(archive_path) as conn, sqlite3.connect(rows) as staged:
        for table, where in (
            ("messages", "import_id = ?"),
            ("message_attachments", "message_id IN (SELECT id FROM messages WHERE import_id = ?)"),
            ("review_flags", "message_id IN (SELECT id FROM messages WHERE import_id = ?)"),
            ("imports", "id = ?"),
        ):
            stored = conn.execute(f"SELECT * FROM {table} WHERE {where} ORDER BY rowid", (second.import_id,)).fetchall()
            assert staged.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall() == stored, table
        assert staged.execute("SELECT count(*) FROM messages").fetchone()[0] == second.added > 0
    into_full, into_empty = floor.store_floor(rows, into=before), floor.store_floor(rows)
    assert into_full["rows"] == into_empty["rows"]
    assert into_full["rows"]["messages"] == second.added and into_full["rows"]["message_attachments"] > 0
