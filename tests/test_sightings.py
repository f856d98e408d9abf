"""A message's first sighting in its own row, its later ones in `message_sightings` (m031, issue 22): the view
`message_sources` holds exactly the rows that table held before, whatever happened to the messages (a
re-import, a message twice in one source, a fold, another phone's copy, a disposal), on an archive made by
the previous release and migrated, and on one the writer makes now."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT, ingest_records, msg, unwatch
from earlier_release import run, textfile_of
from lifecycle_build import exports

PREVIOUS = "7838489"  # the release before m031
OWNER = (
    "--owner",
    "Alex Owner",
    "--phone",
    "+1 202 555 0100",
    "--email",
    "alex@example.com",
    "--tz",
    "America/New_York",
)
WHATSAPP_BEFORE = "13/03/2024, 09:00 - Pat Fold: hello\n13/03/2024, 09:01 - Alex Owner: the original text\n"
WHATSAPP_AFTER = (
    "13/03/2024, 09:00 - Pat Fold: hello\n13/03/2024, 09:01 - Alex Owner: the changed text <This message was edited>\n"
    "13/03/2024, 09:02 - Pat Fold: later\n"
)
WORDS = ("lease", "deposit", "alphaMARKERone", "betaMARKERone", "changed", "original", "hello")


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return sorted(tuple(r) for r in conn.execute(sql))


def searched(db: Path) -> dict[str, list[tuple]]:
    """What the full-text index finds for each of WORDS: the messages' rowids and ids."""
    return {
        w: rows(
            db,
            f"SELECT m.rowid, m.id FROM messages_fts f JOIN messages m ON m.rowid = f.rowid WHERE messages_fts MATCH '{w}'",
        )
        for w in WORDS
    }


def one_of_each(folder: Path) -> list[tuple]:
    """The exports (and options) that make every kind of sighting: two overlapping backups, a backup holding a
    message twice (new, and known), a client's own phone (another phone's copies), a WhatsApp message edited
    between two exports (a fold), and the lifecycle's two exports (a matter then disposed of)."""
    first, second = exports(folder)
    sms = (FIXTURES / "android" / "sms-20240308.xml").read_text()
    element = sms[sms.index("<sms ") : sms.index("/>", sms.index("<sms ")) + 2]
    twice = folder / "twice.xml"
    twice.write_text(sms.replace(element, element + "\n  " + element, 1))
    folds = []
    for name, text in (("before", WHATSAPP_BEFORE), ("after", WHATSAPP_AFTER)):
        (folder / name).mkdir()
        (folder / name / "WhatsApp Chat with Pat Fold.txt").write_text(text)
        folds.append((folder / name / "WhatsApp Chat with Pat Fold.txt", "--me", "Alex Owner"))
    return [
        (first,),
        (second,),
        (FIXTURES / "android" / "sms-20240301.xml",),
        (twice,),  # its new messages' first import holds one of them twice
        (FIXTURES / "android" / "sms-20240308.xml",),
        (twice,),  # (the same bytes again: every sighting a later one)
        (FIXTURES / "android" / "client_phone.xml", "--custodian", "Sam Client"),
        *folds,
    ]


@pytest.fixture
def previous(tmp_path):
    """The previous release's textfile, from this checkout's history; skipped where there is none."""
    return textfile_of(PREVIOUS, tmp_path / "previous", "the previous release")


def made(code: Path, db: Path, folder: Path) -> None:
    """An archive holding a sighting of each kind, made by the textfile at `code`, `verify` green."""
    for args in [
        ("init", *OWNER, "--region", "US", "--bates-prefix", "T"),
        ("client", "add", "Sam Client", "--phone", "+12025550143"),
        ("client", "add", "Bo Other", "--phone", "+12025550177"),
        ("matter", "open", "A-1", "--client", "Sam Client", "--title", "Lease"),
        ("matter", "open", "B-1", "--client", "Bo Other", "--title", "Other"),
        *(("import", *export) for export in one_of_each(folder)),
        ("retention", "set", "--years", "0", "--basis", "test: nothing kept after closing"),
        ("matter", "close", "B-1"),
        ("dispose", "B-1", "--confirm", "--out", folder / "cert.pdf"),
        ("transcript", "A-1", "--out", folder / "a.pdf"),
    ]:
        done = run(code, db, *args)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
    assert run(code, db, "verify").returncode == 0


def test_m031_keeps_every_sighting_of_an_archive_the_previous_release_made(previous, tmp_path):
    db = tmp_path / "archive.db"
    made(previous, db, tmp_path)
    sources = rows(db, "SELECT message_id, import_id, source_ref FROM message_sources")
    messages = rows(db, "SELECT rowid, id, import_id FROM messages")
    found = searched(db)
    own = {(mid, i) for _, mid, i in messages}
    assert rows(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'message_sources'") == [
        ("message_sources",)
    ]
    # what the archive holds before: a sighting of each kind
    assert len({(mid, i) for mid, i, _ in sources} - own) > len(messages) // 2  # later imports
    assert len(sources) - len(set((mid, i) for mid, i, _ in sources)) >= 2  # twice in one source (new, and known)
    assert rows(db, "SELECT count(*) > 0 FROM phone_copies") == [(1,)]
    assert rows(db, "SELECT rule FROM message_aliases") == [("edited",)]
    assert rows(db, "SELECT count(*) FROM disposed_messages") == [(2,)]  # (Bo's)

    checked = run(ROOT, db, "verify")  # (this code: the archive migrated first)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert run(ROOT, db, "verify", tmp_path / "a.pdf").returncode == 0  # the transcript made before
    assert rows(db, "SELECT name FROM _sqlite_migrations WHERE name LIKE 'm031%'") == [
        ("m031_first_sighting_in_its_message",)
    ]
    assert rows(db, "SELECT message_id, import_id, source_ref FROM message_sources") == sources
    assert rows(db, "SELECT rowid, id, import_id FROM messages") == messages
    assert searched(db) == found
    firsts = rows(db, "SELECT id, import_id, source_ref FROM messages WHERE source_ref IS NOT NULL")
    later = rows(db, "SELECT message_id, import_id, source_ref FROM message_sightings")
    assert sorted(firsts + later) == sources and not set(firsts) & set(later)
    # every message whose own import held it has its first sighting in its row: the least place, as text
    least = {}
    for mid, i, ref in sources:
        if (mid, i) in own:
            least[mid, i] = min(ref, least.get((mid, i), ref))
    assert firsts == sorted((mid, i, ref) for (mid, i), ref in least.items())
    assert len(firsts) == len(messages)  # (none of these lost its own import's sighting)


def test_m033_seals_where_each_import_of_an_archive_the_previous_release_made_found_its_messages(previous, tmp_path):
    """The previous release recorded no digest of the sightings: m033 records every import's as the archive holds
    them, so that the archive verifies (its transcript too), and a sighting changed outside textfile after is caught."""
    db = tmp_path / "archive.db"
    made(previous, db, tmp_path)
    checked = run(ROOT, db, "verify")  # (migrated first: m033)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert run(ROOT, db, "verify", tmp_path / "a.pdf").returncode == 0
    [(command, details)] = rows(db, "SELECT command, details FROM audit_log WHERE details LIKE '%\"custody\":%'")
    sealed = json.loads(details)["custody"]
    assert (command, {int(i): d["sightings"] for i, d in sealed.items()}) == (
        "migration: sightings sealed",
        dict(rows(db, "SELECT import_id, count(*) FROM message_sources GROUP BY 1")),
    )
    with sqlite3.connect(db) as conn:  # outside textfile: a later sighting of the re-imported backup deleted
        (mid,) = conn.execute("SELECT message_id FROM message_sightings WHERE import_id = 6 LIMIT 1").fetchone()
        conn.execute("DELETE FROM message_sightings WHERE message_id = ? AND import_id = 6", (mid,))
    checked = run(ROOT, db, "verify")
    assert (checked.returncode, checked.stderr) == (
        3,
        f"Error: import 6: where it found its messages no longer adds up to what the audit log recorded"
        f" ({sealed['6']['sightings']:,} sightings recorded, {sealed['6']['sightings'] - 1:,} now): a message's place"
        " in its source, or a sighting of it, was changed, deleted or added outside textfile\n",
    )


def test_m031_leaves_a_message_whose_import_has_no_sighting_of_it_as_it_was(archive, archive_path):
    """A message whose own import holds no sighting of it (possible after older folds and merges) keeps
    `source_ref` empty and every sighting as a row."""
    from textfile.archive import Archive
    from textfile.migrations import migrations

    ingest_records(archive, [msg(1), msg(2)])
    ingest_records(archive, [msg(1), msg(2)], "sms-again.xml")  # (import 2: a later sighting of each)
    conn = archive.conn
    (lone,) = conn.execute("SELECT id FROM messages ORDER BY rowid LIMIT 1").fetchone()
    with archive.transaction() as c:  # as m031 found it: the table of every sighting
        unwatch(c)
        c.execute("DROP VIEW message_sources")
        c.execute("ALTER TABLE message_sightings RENAME TO message_sources")
        c.execute("INSERT INTO message_sources SELECT id, import_id, source_ref FROM messages")
        c.execute("DELETE FROM message_sources WHERE message_id = ? AND import_id = 1", (lone,))  # its import's, gone
        c.execute("DROP INDEX messages_import")
        c.execute("ALTER TABLE messages DROP COLUMN source_ref")
        c.execute("DELETE FROM _sqlite_migrations WHERE name = 'm031_first_sighting_in_its_message'")
    before = sorted(tuple(r) for r in conn.execute("SELECT * FROM message_sources"))
    archive.close()
    with Archive.open(archive_path) as reopened:
        assert migrations.pending(reopened.db) == []
        c = reopened.conn
        assert sorted(tuple(r) for r in c.execute("SELECT * FROM message_sources")) == before
        assert [tuple(r) for r in c.execute("SELECT id, source_ref FROM messages WHERE id = ?", (lone,))] == [
            (lone, None)
        ]
        (other,) = c.execute("SELECT id FROM messages WHERE id <> ?", (lone,)).fetchone()
        assert [tuple(r) for r in c.execute("SELECT source_ref FROM messages WHERE id = ?", (other,))] == [
            ("element 2",)
        ]
        assert sorted(tuple(r) for r in c.execute("SELECT * FROM message_sightings")) == sorted(
            [(lone, 2, "element 1"), (other, 2, "element 2")]
        )


def test_the_writer_keeps_every_sighting_the_previous_release_kept(previous, tmp_path):
    """The same imports, folds, copies and disposal by the previous release and by this one: the same sightings,
    each message's first in its row (the first in its import's source), the others rows."""
    (tmp_path / "before").mkdir()
    (tmp_path / "now").mkdir()
    made(previous, tmp_path / "before" / "archive.db", tmp_path / "before")
    made(ROOT, tmp_path / "now" / "archive.db", tmp_path / "now")
    before, now = tmp_path / "before" / "archive.db", tmp_path / "now" / "archive.db"
    sources = rows(before, "SELECT message_id, import_id, source_ref FROM message_sources")
    assert rows(now, "SELECT message_id, import_id, source_ref FROM message_sources") == sources
    assert rows(now, "SELECT rowid, id, import_id, content_hash FROM messages") == rows(
        before, "SELECT rowid, id, import_id, content_hash FROM messages"
    )
    firsts = rows(now, "SELECT id, import_id, source_ref FROM messages WHERE source_ref IS NOT NULL")
    later = rows(now, "SELECT message_id, import_id, source_ref FROM message_sightings")
    assert sorted(firsts + later) == sources and not set(firsts) & set(later)
    assert rows(now, "SELECT count(*) FROM messages WHERE source_ref IS NULL") == [(0,)]


def at(record, ref: str):
    return dataclasses.replace(record, source_ref=ref)


@pytest.mark.parametrize("batch", [2000, 1])
def test_a_message_seen_again_in_its_own_source_is_a_later_sighting_unless_at_the_same_place(
    archive, monkeypatch, batch
):
    """Whether the second record falls in the same batch as the first (its row not written yet) or in a later
    one (its row found by the batch's lookup): the first sighting in the row, another place a row of the
    sightings, the same place nothing more; a record contradicting the first is skipped, and seen there all the same."""
    from textfile.ingest.writer import batch as batches

    monkeypatch.setattr(batches, "BATCH", batch)
    one, two = msg(1), msg(2)
    result = ingest_records(
        archive,
        [one, at(one, "element 3"), at(one, "element 1"), two, at(dataclasses.replace(two, body="other"), "element 4")],
    )
    assert (result.added, result.already_present, result.skipped) == (
        2,
        2,
        {"same message identity twice in this source with different content": 1},
    )
    conn = archive.conn
    ids = [r[0] for r in conn.execute("SELECT id FROM messages ORDER BY rowid")]
    assert [tuple(r) for r in conn.execute("SELECT id, import_id, source_ref FROM messages ORDER BY rowid")] == [
        (ids[0], 1, "element 1"),
        (ids[1], 1, "element 2"),
    ]
    assert sorted(tuple(r) for r in conn.execute("SELECT * FROM message_sightings")) == sorted(
        [(ids[0], 1, "element 3"), (ids[1], 1, "element 4")]
    )
    assert sorted(tuple(r) for r in conn.execute("SELECT * FROM message_sources")) == sorted(
        [(ids[0], 1, "element 1"), (ids[0], 1, "element 3"), (ids[1], 1, "element 2"), (ids[1], 1, "element 4")]
    )


@pytest.mark.parametrize("batch", [2000, 1])
def test_a_place_a_source_gives_twice_is_one_sighting_and_its_import_adds_up(archive, monkeypatch, batch):
    """The writer inserts a later sighting `OR IGNORE`: the same place given twice (in one batch or two) is one
    row, and the import's digest of its sightings (audit/custody.py) counts the rows that went in."""
    from textfile import audit
    from textfile.ingest.writer import batch as batches

    monkeypatch.setattr(batches, "BATCH", batch)
    one = msg(1)
    ingest_records(archive, [one, at(one, "element 3"), at(one, "element 3"), msg(2)])
    conn = archive.conn
    ids = [r[0] for r in conn.execute("SELECT id FROM messages ORDER BY rowid")]
    assert sorted(tuple(r) for r in conn.execute("SELECT * FROM message_sources")) == sorted(
        [(ids[0], 1, "element 1"), (ids[0], 1, "element 3"), (ids[1], 1, "element 2")]
    )
    assert {i: d["sightings"] for i, d in audit.recorded_custody(conn).items()} == {1: 3}
    assert audit.recorded_custody(conn) == audit.current_custody(conn) and audit.check_custody(conn) == []


def test_a_known_message_is_a_later_sighting_of_each_import_that_holds_it(archive):
    ingest_records(archive, [msg(1), msg(2)])
    again = ingest_records(archive, [at(msg(1), "element 7"), msg(2), msg(3)], "sms-again.xml")
    assert (again.added, again.already_present) == (1, 2)
    conn = archive.conn
    one, two, three = [r[0] for r in conn.execute("SELECT id FROM messages ORDER BY rowid")]
    assert sorted(tuple(r) for r in conn.execute("SELECT * FROM message_sightings")) == sorted(
        [(one, 2, "element 7"), (two, 2, "element 2")]
    )
    assert [tuple(r) for r in conn.execute("SELECT import_id, source_ref FROM messages ORDER BY rowid")] == [
        (1, "element 1"),
        (1, "element 2"),
        (2, "element 3"),
    ]
    # the same export again: nothing new but its sightings, a row each
    ingest_records(archive, [at(msg(1), "element 7"), msg(2), msg(3)], "sms-again.xml")
    assert conn.execute("SELECT count(*) FROM message_sightings WHERE import_id = 3").fetchone()[0] == 3
    assert conn.execute("SELECT count(*) FROM messages").fetchone()[0] == 3
