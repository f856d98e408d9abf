"""The audit log is a hash chain: any edited, removed or reordered entry is detected."""

import pytest

from textfile import audit, filing
from textfile.archive import Archive
from textfile.errors import ArchiveBusy


@pytest.fixture
def logged(archive):
    for name in ("A", "B", "C"):
        with archive.transaction() as conn:
            filing.add_client(conn, name, [], [], "US")
    return archive


def test_an_intact_chain_verifies(logged):
    entries = audit.entries(logged.conn)
    assert [e["command"] for e in entries] == ["init", "client add", "client add", "client add"]
    assert [e["prev_hash"] for e in entries[1:]] == [e["hash"] for e in entries[:-1]]
    assert audit.verify(logged.conn) == []


def test_an_edited_entry_is_detected(logged):
    logged.conn.execute("UPDATE audit_log SET details = '{\"client\":\"Z\",\"handles\":[]}' WHERE id = 3")
    assert audit.verify(logged.conn) == [f"audit log entry 3 (client add, {audit.entries(logged.conn)[2]['at']}): its content does not match its hash"]


def test_a_removed_entry_is_detected(logged):
    logged.conn.execute("DELETE FROM audit_log WHERE id = 2")
    assert audit.verify(logged.conn) == ["audit log entry 3: does not follow the entry before it (an entry was removed or altered)"]


def test_a_rewritten_entry_with_a_recomputed_hash_still_breaks_the_next_link(logged):
    row = logged.conn.execute("SELECT * FROM audit_log WHERE id = 2").fetchone()
    forged = audit.entry_hash(row["prev_hash"], row["at"], "client add", '{"client":"Forged"}')
    logged.conn.execute("UPDATE audit_log SET details = '{\"client\":\"Forged\"}', hash = ? WHERE id = 2", (forged,))
    assert audit.verify(logged.conn) == ["audit log entry 3: does not follow the entry before it (an entry was removed or altered)"]


def test_a_change_and_its_entry_commit_together(archive):
    with pytest.raises(RuntimeError):
        with archive.transaction() as conn:
            filing.add_client(conn, "A", [], [], "US")
            raise RuntimeError
    assert [e["command"] for e in audit.entries(archive.conn)] == ["init"]


def test_a_writer_held_up_too_long_gets_a_clear_error(archive, archive_path, monkeypatch):
    monkeypatch.setattr("textfile.archive.BUSY_TIMEOUT_S", 0)
    other = Archive.open(archive_path)
    other.conn.execute("PRAGMA busy_timeout = 0")
    with archive.transaction():
        with pytest.raises(ArchiveBusy, match="another textfile command"):
            with other.transaction():
                pass
    other.close()
