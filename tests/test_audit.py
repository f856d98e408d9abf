"""The audit log is a hash chain: any edited, removed or reordered entry is detected; its seals
(a key outside the archive) and its head (recorded outside it) catch a chain rewritten whole or cut short."""

import json
import os
import stat

import pytest

from textfile import audit, filing
from textfile.archive import Archive
from textfile.errors import ArchiveBusy


@pytest.fixture
def logged(own_config, archive):
    for name in ("A", "B", "C"):
        with archive.transaction() as conn:
            filing.add_client(conn, name, [], [], "US")
    return archive


def test_an_intact_chain_verifies(logged):
    entries = audit.entries(logged.conn)
    assert [e["command"] for e in entries] == ["init", "client add", "client add", "client add"]
    assert [e["prev_hash"] for e in entries[1:]] == [e["hash"] for e in entries[:-1]]
    assert audit.verify(logged.conn, logged.path) == []


def test_an_edited_entry_is_detected(logged):
    logged.conn.execute('UPDATE audit_log SET details = \'{"client":"Z","handles":[]}\' WHERE id = 3')
    assert audit.verify(logged.conn, logged.path) == [
        f"audit log entry 3 (client add, {audit.entries(logged.conn)[2]['at']}): its content does not match its hash"
    ]


def test_a_removed_entry_is_detected(logged):
    logged.conn.execute("DELETE FROM audit_log WHERE id = 2")
    assert audit.verify(logged.conn, logged.path) == [
        "audit log entry 3: does not follow the entry before it (an entry was removed or altered)"
    ]


def test_a_rewritten_entry_with_a_recomputed_hash_still_breaks_the_next_link(logged):
    row = logged.conn.execute("SELECT * FROM audit_log WHERE id = 2").fetchone()
    forged = audit.entry_hash(row["prev_hash"], row["at"], "client add", '{"client":"Forged"}')
    logged.conn.execute('UPDATE audit_log SET details = \'{"client":"Forged"}\', hash = ? WHERE id = 2', (forged,))
    assert audit.verify(logged.conn, logged.path) == [
        f"audit log entry 2 (client add, {row['at']}): its seal does not match: it was written or rewritten without the archive's key",
        "audit log entry 3: does not follow the entry before it (an entry was removed or altered)",
    ]


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


# -- issue 14, point 1: what a person holding only archive.db cannot hide ----------------------------


def _rechain(conn, start: int = 1) -> None:
    """What someone with the archive and the public hash function does after editing an entry:
    recompute every hash from `start` on so that the plain chain holds again."""
    prev = conn.execute("SELECT hash FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT 1", (start,)).fetchone()
    prev = prev[0] if prev else audit.GENESIS
    for r in conn.execute(
        "SELECT id, at, command, details FROM audit_log WHERE id >= ? ORDER BY id", (start,)
    ).fetchall():
        digest = audit.entry_hash(prev, r["at"], r["command"], r["details"])
        conn.execute("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?", (prev, digest, r["id"]))
        prev = digest


def _head_file(archive) -> str:
    return str(audit.head_path(archive.settings.archive_id, archive.path))


def test_init_makes_a_private_key_and_seals_every_entry(logged, own_config):
    key_file = own_config / "key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600 and stat.S_IMODE(own_config.stat().st_mode) == 0o700
    key = bytes.fromhex(key_file.read_text())
    archive_id, kid = logged.conn.execute("SELECT archive_id, key_id FROM settings").fetchone()
    assert kid == audit.key_id(key)
    rows = logged.conn.execute("SELECT hash, seal FROM audit_log ORDER BY id").fetchall()
    assert [r["seal"] for r in rows] == [audit.seal(key, archive_id, r["hash"]) for r in rows]


def test_the_head_is_recorded_outside_the_archive_after_each_change(logged, archive_path):
    last = logged.conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    recorded = json.loads(open(_head_file(logged)).read())
    assert (recorded["entry"], recorded["hash"], recorded["archive"]) == (last["id"], last["hash"], str(archive_path))
    assert stat.S_IMODE(os.stat(_head_file(logged)).st_mode) == 0o600


def test_the_last_entry_removed_is_caught(logged):
    logged.conn.execute("DELETE FROM audit_log WHERE id = 4")
    assert audit.verify(logged.conn, logged.path) == [
        f"this machine ({_head_file(logged)}, {json.loads(open(_head_file(logged)).read())['at']}) records audit entry 4, but the audit"
        " log ends at entry 3: entries were removed (or this is an older copy of the archive: if it was put back on purpose, `textfile verify --accept-older-copy` records that)"
    ]


def test_every_entry_removed_is_caught(logged):
    logged.conn.execute("DELETE FROM audit_log")
    problems = audit.verify(logged.conn, logged.path)
    assert (
        problems[0]
        == f"the archive is sealed with key {logged.conn.execute('SELECT key_id FROM settings').fetchone()[0]}, but no audit"
        " entry carries a seal: the entries were removed or rewritten"
    )
    assert (
        problems[1].endswith(
            "records audit entry 4, but the audit log ends at no entry at all: entries were removed"
            " (or this is an older copy of the archive: if it was put back on purpose, `textfile verify --accept-older-copy` records that)"
        )
        and len(problems) == 2
    )


def test_an_entry_rewritten_with_every_later_hash_recomputed_is_caught(logged):
    logged.conn.execute('UPDATE audit_log SET details = \'{"client":"Forged","handles":[]}\' WHERE id = 2')
    _rechain(logged.conn, 2)
    at = {r[0]: r[1] for r in logged.conn.execute("SELECT id, at FROM audit_log")}
    new_head = logged.conn.execute("SELECT hash FROM audit_log WHERE id = 4").fetchone()[0]
    assert audit.verify(logged.conn, logged.path) == [
        f"audit log entry {i} (client add, {at[i]}): its seal does not match: it was written or rewritten without the archive's key"
        for i in (2, 3, 4)
    ] + [
        f"this machine ({_head_file(logged)}, {json.loads(open(_head_file(logged)).read())['at']}) records audit entry 4 with hash"
        f" {json.loads(open(_head_file(logged)).read())['hash'][:12]}…, but the archive's entry 4 has {new_head[:12]}…: the audit log was rewritten"
        " (or an older copy of the archive was put back and changed since: if so, `textfile verify --accept-older-copy` records that)"
    ]


def test_seals_stripped_and_the_key_forgotten_are_still_caught_by_the_head(logged):
    logged.conn.execute("UPDATE audit_log SET seal = NULL")
    logged.conn.execute("UPDATE settings SET key_id = NULL")
    logged.conn.execute('UPDATE audit_log SET details = \'{"client":"Forged","handles":[]}\' WHERE id = 3')
    _rechain(logged.conn, 3)
    problems = audit.verify(logged.conn, logged.path)
    kid = json.loads(open(_head_file(logged)).read())["key"]
    assert problems[:2] == [
        "the archive records no key, but it was sealed (its audit entries carry seals, or this version opened it): its"
        " record of the key was removed",
        f"this machine ({_head_file(logged)}) recorded the archive as sealed with key {kid}, but it now records no key:"
        " its record of the key was changed",
    ]
    assert len(problems) == 3 and "the audit log was rewritten" in problems[2]


def test_an_unsealed_entry_after_sealed_ones_is_caught(logged):
    logged.conn.execute("UPDATE audit_log SET seal = NULL WHERE id = 3")
    at = logged.conn.execute("SELECT at FROM audit_log WHERE id = 3").fetchone()[0]
    assert audit.verify(logged.conn, logged.path) == [
        f"audit log entry 3 (client add, {at}): not sealed, though the entries before it are: it was written"
        " outside textfile"
    ]


def test_verify_says_plainly_when_the_key_is_missing_or_another(logged, own_config, monkeypatch):
    kid = logged.conn.execute("SELECT key_id FROM settings").fetchone()[0]
    (own_config / "key").rename(own_config / "key.moved")
    assert audit.verify(logged.conn, logged.path) == [
        f"{own_config / 'key'}: no key is there; the archive is sealed with key {kid} (set TEXTFILE_KEY to where it is): without it,"
        " entries rewritten with their hashes recomputed cannot be told from real ones"
    ]
    monkeypatch.setenv("TEXTFILE_KEY", str(own_config / "key.moved"))
    assert audit.verify(logged.conn, logged.path) == []
    other = own_config / "other.key"
    other.write_text("11" * 32)
    monkeypatch.setenv("TEXTFILE_KEY", str(other))
    assert audit.verify(logged.conn, logged.path)[0].startswith(
        f"{other}: another key is there (id {audit.key_id(bytes.fromhex('11' * 32))});"
    )


def test_a_change_without_the_key_is_refused_and_changes_nothing(logged, own_config):
    from conftest import snapshot

    (own_config / "key").unlink()
    before = snapshot(logged)
    with pytest.raises(audit.KeyMissing, match="no key is there, but this archive's audit log is sealed with key"):
        with logged.transaction() as conn:
            filing.add_client(conn, "D", [], [], "US")
    assert snapshot(logged) == before and not (own_config / "key").exists()


def test_an_archive_made_before_keys_is_sealed_by_its_first_change(logged, own_config, archive_path):
    logged.conn.execute("UPDATE audit_log SET seal = NULL")
    logged.conn.execute("UPDATE settings SET key_id = NULL")
    logged.conn.execute(
        "DELETE FROM _sqlite_migrations WHERE name = ?", (audit.SEALING_MIGRATION,)
    )  # (as m015 itself sees it)
    for leftover in (own_config / "key", own_config / "heads"):
        os.system(f"rm -rf '{leftover}'")
    assert audit.verify(logged.conn, logged.path) == []
    with logged.transaction() as conn:
        filing.add_client(conn, "D", [], [], "US")
    entries = audit.entries(logged.conn)
    assert [e["command"] for e in entries][-2:] == ["audit log sealed", "client add"]
    assert entries[-2]["details"] == {
        "key": audit.key_id(bytes.fromhex((own_config / "key").read_text())),
        "unsealed_entries": 4,
    }
    assert [r[0] is not None for r in logged.conn.execute("SELECT seal FROM audit_log ORDER BY id")] == [False] * 4 + [
        True
    ] * 2
    assert audit.verify(logged.conn, logged.path) == []
    logged.conn.execute('UPDATE audit_log SET details = \'{"client":"Forged","handles":[]}\' WHERE id = 2')
    _rechain(logged.conn, 2)  # an entry before the first seal is covered by that seal's hash
    assert any(
        "entry 5 (audit log sealed" in p and "seal does not match" in p for p in audit.verify(logged.conn, logged.path)
    )


def test_a_key_record_cleared_after_sealing_is_refused_not_sealed_anew(logged):
    from conftest import snapshot

    logged.conn.execute("UPDATE audit_log SET seal = NULL")
    logged.conn.execute("UPDATE settings SET key_id = NULL")
    before = snapshot(logged)
    with pytest.raises(audit.KeyMissing, match="the archive's record of the key that seals its audit log was removed"):
        with logged.transaction() as conn:
            filing.add_client(conn, "D", [], [], "US")
    assert snapshot(logged) == before
