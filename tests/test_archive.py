import os
import sqlite3
import stat

import pytest
from conftest import OWNER

from textfile.archive import Archive, default_path, resolve_path
from textfile.errors import ArchiveExists, ArchiveNotFound, InvalidHandle, InvalidInput


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_create_records_settings_and_normalized_owner_handles(tmp_path):
    with Archive.create(
        tmp_path / "a.db",
        owner_name=" Alex Owner ",
        phones=["(202) 555-0100", "+44 20 7946 0958"],
        emails=["Alex@Example.COM"],
        tz="Europe/London",
        region="us",
        bates_prefix="SMITH",
    ) as archive:
        s = archive.settings
        assert (s.owner_name, s.tz, s.region, s.bates_prefix) == ("Alex Owner", "Europe/London", "US", "SMITH")
        assert s.owner_handles == ("+12025550100", "+442079460958", "alex@example.com")
        assert len(s.archive_id) == 36


def test_file_is_owner_only_and_folder_0700(tmp_path):
    path = tmp_path / "new" / "folder" / "a.db"
    Archive.create(path, **OWNER).close()
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700
    for sidecar in path.parent.iterdir():
        assert mode(sidecar) == 0o600, sidecar


def test_connection_uses_wal_foreign_keys_and_a_busy_timeout(archive):
    c = archive.conn
    assert c.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert c.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert c.execute("PRAGMA busy_timeout").fetchone()[0] >= 10000


def test_a_second_writer_waits_instead_of_failing(archive, archive_path):
    import threading
    import time

    other = Archive.open(archive_path)
    done = []
    with archive.transaction() as conn:
        conn.execute("INSERT INTO clients (name, created_at) VALUES ('A', 'x')")

        def write():
            with other.transaction() as c2:
                c2.execute("INSERT INTO clients (name, created_at) VALUES ('B', 'y')")
            done.append(True)

        thread = threading.Thread(target=write)
        thread.start()
        time.sleep(0.3)
        assert not done  # blocked by our write lock, waiting rather than failing
    thread.join(10)
    assert done
    assert [r[0] for r in archive.conn.execute("SELECT name FROM clients ORDER BY name")] == ["A", "B"]
    other.close()


def test_refuses_to_overwrite(archive_path, archive):
    before = archive_path.read_bytes()
    with pytest.raises(ArchiveExists):
        Archive.create(archive_path, **OWNER)
    assert archive_path.read_bytes() == before


@pytest.mark.parametrize(
    "field,value,error",
    [
        ("tz", "Mars/Olympus", InvalidInput),
        ("tz", "EST5EDTX", InvalidInput),
        ("region", "XX", InvalidInput),
        ("phones", ["555"], InvalidHandle),
        ("emails", ["not-an-email"], InvalidHandle),
        ("bates_prefix", "A B", InvalidInput),
        ("owner_name", "  ", InvalidInput),
    ],
)
def test_invalid_settings_are_refused_and_no_file_is_left(tmp_path, field, value, error):
    with pytest.raises(error):
        Archive.create(tmp_path / "a.db", **{**OWNER, field: value})
    assert not (tmp_path / "a.db").exists()


def test_open_missing_and_non_archive(tmp_path):
    with pytest.raises(ArchiveNotFound):
        Archive.open(tmp_path / "none.db")
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(InvalidInput, match="not a textfile archive"):
        Archive.open(junk)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(Exception, match="not a textfile archive"):
        Archive.open(other)


def test_another_programs_database_is_left_untouched(tmp_path):
    chat = tmp_path / "chat.db"
    conn = sqlite3.connect(chat)
    conn.execute("CREATE TABLE message (ROWID INTEGER PRIMARY KEY, text TEXT)")
    conn.execute("INSERT INTO message (text) VALUES ('hello')")
    conn.commit()
    conn.close()
    before = chat.read_bytes()
    with pytest.raises(InvalidInput, match="not a textfile archive .*left untouched"):
        Archive.open(chat)
    assert chat.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chat.db"]


def test_location_flag_then_environment_then_user_data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("TEXTFILE_ARCHIVE", str(tmp_path / "env.db"))
    assert resolve_path(tmp_path / "flag.db") == tmp_path / "flag.db"
    assert resolve_path(None) == tmp_path / "env.db"
    monkeypatch.delenv("TEXTFILE_ARCHIVE")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert resolve_path(None) == default_path() == tmp_path / "xdg" / "textfile" / "archive.db"


def test_transaction_rolls_back_everything_on_error(archive):
    with pytest.raises(RuntimeError):
        with archive.transaction() as conn:
            conn.execute("INSERT INTO clients (name, created_at) VALUES ('A', 'x')")
            raise RuntimeError("boom")
    assert archive.conn.execute("SELECT count(*) FROM clients").fetchone()[0] == 0
