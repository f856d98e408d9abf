"""The ingest pipeline on synthetic records: identity, idempotence, provenance, versions, rollback."""

import subprocess
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from conftest import ME, SAM, SAM_CHAT, ingest_records, msg, snapshot

from textfile import fingerprint
from textfile.model import Attachment, Conversation, Notice, Participant, Reaction, Skipped, Version


def rows(archive, sql, *params):
    return [dict(r) for r in archive.conn.execute(sql, params)]


def test_a_message_is_stored_complete(archive):
    m = msg(
        1,
        "Can we meet Tuesday?\nAfter 3 works",
        status="received",
        delivered_at=datetime(2024, 3, 1, 12, 1, 5, 123000, tzinfo=UTC),
        flags=frozenset({"edited"}),
        source_id="guid-1",
    )
    result = ingest_records(archive, [m])
    assert (result.added, result.already_present, result.updated) == (1, 0, 0)
    [stored] = rows(archive, "SELECT * FROM messages")
    expected_id = fingerprint.message_id(
        "android", "+12025550143", ("+12025550143", 1, "Can we meet Tuesday?\nAfter 3 works")
    )
    assert stored == {
        "id": expected_id,
        "conversation_id": 1,
        "sender_id": 1,
        "direction": "in",
        "kind": "message",
        "sent_at": "2024-03-01T12:01:00.000Z",
        "source_zone": "UTC",
        "body": "Can we meet Tuesday?\nAfter 3 works",
        "service": "SMS",
        "status": "received",
        "delivered_at": "2024-03-01T12:01:05.123Z",
        "read_at": None,
        "duration_s": None,
        "flags": '["edited"]',
        "source_id": "guid-1",
        "reply_to": None,
        "version": 1,
        "content_hash": stored["content_hash"],
        "import_id": 1,
        "time_precision": None,
        "source_ref": "element 1",  # its first sighting (m031)
    }
    assert len(stored["content_hash"]) == 64
    assert rows(archive, "SELECT * FROM conversations") == [
        {
            "id": 1,
            "platform": "android",
            "source_key": "+12025550143",
            "title": None,
            "is_group": 0,
            "created_at": rows(archive, "SELECT created_at FROM conversations")[0]["created_at"],
        }
    ]
    assert rows(archive, "SELECT id, handle, display_name, is_owner FROM participants ORDER BY id") == [
        {"id": 1, "handle": "+12025550143", "display_name": "Sam Client", "is_owner": 0},
        {"id": 2, "handle": "+12025550100", "display_name": "Alex Owner", "is_owner": 1},
    ]
    assert rows(archive, "SELECT * FROM message_sources") == [
        {"message_id": expected_id, "import_id": 1, "source_ref": "element 1"}
    ]
    assert rows(archive, "SELECT * FROM message_sightings") == []  # (the first sighting is the message's own)
    [imp] = rows(archive, "SELECT * FROM imports")
    assert {
        k: imp[k]
        for k in (
            "path",
            "file_name",
            "size",
            "sha256",
            "format",
            "importer_version",
            "zone",
            "region",
            "added",
            "already_present",
            "updated",
            "skipped",
        )
    } == {
        "path": "/exports/sms-test.xml",
        "file_name": "sms-test.xml",
        "size": 123,
        "sha256": "0" * 64,
        "format": "android",
        "importer_version": "test",
        "zone": "America/New_York",
        "region": "US",
        "added": 1,
        "already_present": 0,
        "updated": 0,
        "skipped": 0,
    }
    assert imp["finished_at"] >= imp["started_at"]


def test_handles_are_normalized_to_e164(archive):
    raw = Conversation("android", "+12025550143", None, False, (Participant("(202) 555-0143", "Sam"),))
    ingest_records(archive, [replace(msg(1), conversation=raw, sender=Participant("202.555.0143"))])
    assert [r["handle"] for r in rows(archive, "SELECT handle FROM participants")] == ["+12025550143"]


def test_same_records_twice_add_nothing_the_second_time(archive):
    records = [msg(n) for n in range(50)]
    first = ingest_records(archive, records)
    before = snapshot(archive)
    second = ingest_records(archive, records, name="sms-next-week.xml")
    assert (first.added, second.added, second.already_present, second.updated) == (50, 0, 50, 0)
    after = snapshot(archive)
    for table in after:
        if table not in ("imports", "message_sources", "audit_log"):
            assert after[table] == before[table], table
    # Chain of custody: every message now has two sources.
    assert archive.conn.execute("SELECT count(DISTINCT import_id) FROM message_sources").fetchone()[0] == 2
    assert archive.conn.execute("SELECT count(*) FROM message_sources").fetchone()[0] == 100


def test_overlapping_export_adds_only_the_new_messages(archive):
    ingest_records(archive, [msg(n) for n in range(0, 30)])
    result = ingest_records(archive, [msg(n) for n in range(20, 45)], name="later.xml")
    assert (result.added, result.already_present) == (15, 10)
    assert archive.conn.execute("SELECT count(*) FROM messages").fetchone()[0] == 45


def test_identical_messages_with_different_identity_stay_two(archive):
    a = replace(msg(1, "ok"), identity=("k", "12:01", "Sam", "ok", 1))
    b = replace(msg(1, "ok"), identity=("k", "12:01", "Sam", "ok", 2), source_ref="line 2")
    assert ingest_records(archive, [a, b]).added == 2


def test_the_same_identity_twice_in_one_source_is_one_message_with_two_references(archive):
    result = ingest_records(archive, [msg(1), replace(msg(1), source_ref="element 99")])
    assert (result.added, result.already_present) == (1, 1)
    assert sorted(r["source_ref"] for r in rows(archive, "SELECT source_ref FROM message_sources")) == [
        "element 1",
        "element 99",
    ]


def test_contradicting_duplicate_in_one_source_is_skipped_with_reason(archive):
    result = ingest_records(archive, [msg(1), replace(msg(1), status="failed", source_ref="element 7")])
    assert result.added == 1
    assert result.skipped == {"same message identity twice in this source with different content": 1}


@pytest.mark.parametrize("batch", [2000, 1], ids=["one batch", "a batch each"])
def test_a_source_that_contradicts_itself_reads_the_same_every_time(archive, monkeypatch, batch):
    """Found by the fuzzer (a chat.db whose rows share one guid): the same source imported again found
    the first of two records with the same identity already present, then took the second for an edit
    of it, and a third import the first again: a new version of the message every week. Read again,
    the source is what it was: the first is present, the second skipped, nothing changes. Alike
    whether the two are flushed in one batch or in two."""
    from textfile.ingest.writer import batch as ingest_module

    monkeypatch.setattr(ingest_module, "BATCH", batch)
    source = [msg(1, "as sent"), replace(msg(1, "as sent"), body="as contradicted", source_ref="element 7"), msg(2)]
    first = ingest_records(archive, source)
    stored = snapshot(archive)
    again = [ingest_records(archive, source, name=f"sms-again-{n}.xml") for n in (1, 2)]

    skipped = {"same message identity twice in this source with different content": 1}
    assert [(r.added, r.already_present, r.updated, r.skipped) for r in (first, *again)] == [
        (2, 0, 0, skipped),
        (0, 2, 0, skipped),
        (0, 2, 0, skipped),
    ]
    assert rows(archive, "SELECT body, version FROM messages ORDER BY sent_at") == [
        {"body": "as sent", "version": 1},
        {"body": "message 2", "version": 1},
    ]
    now = snapshot(archive)
    assert {t: now[t] for t in now if t not in ("imports", "message_sources", "audit_log")} == {
        t: stored[t] for t in stored if t not in ("imports", "message_sources", "audit_log")
    }


def test_changed_content_becomes_a_new_version_never_a_copy(archive):
    original = msg(1, "see you at 3", source_id="g1")
    ingest_records(archive, [original])
    edited = replace(
        original,
        body="see you at 4",
        flags=frozenset({"edited"}),
        versions=(Version("see you at 3", datetime(2024, 3, 1, 12, 1, tzinfo=UTC)),),
    )
    result = ingest_records(archive, [edited], name="newer.db")
    assert (result.added, result.already_present, result.updated) == (0, 0, 1)
    [m] = rows(archive, "SELECT body, version, flags FROM messages")
    assert m == {"body": "see you at 4", "version": 3, "flags": '["edited"]'}
    assert rows(archive, "SELECT version, body, at, origin, import_id FROM message_versions ORDER BY version") == [
        {
            "version": 1,
            "body": "see you at 3",
            "at": "2024-03-01T12:01:00.000Z",
            "origin": "edit_history",
            "import_id": 2,
        },
        {"version": 2, "body": "see you at 3", "at": None, "origin": "reimport", "import_id": 2},
    ]
    assert result.warnings and "earlier version is kept" in result.warnings[0]
    # The search index follows the update.
    assert archive.conn.execute("SELECT count(*) FROM messages_fts WHERE messages_fts MATCH '4'").fetchone()[0] == 1
    assert archive.conn.execute("SELECT count(*) FROM messages_fts WHERE messages_fts MATCH '3'").fetchone()[0] == 0


def test_a_version_records_what_else_the_earlier_state_was(archive, cli, tmp_path):
    """A corrected reading that leaves the text as it was (an earlier release's number for the
    sender, a status) is a version that says what changed, not the same text again unexplained."""
    invented = Participant("+10669462731", None)
    chat = Conversation("android", "0669462731", None, False, (invented, ME))
    first = msg(1, "bonjour", conversation=chat, status="queued")
    ingest_records(archive, [first])
    as_written = Participant("0669462731", None)
    ingest_records(
        archive,
        [
            replace(
                first,
                sender=as_written,
                status=None,
                flags=frozenset({"number_as_written"}),
                conversation=replace(chat, participants=(as_written, ME)),
            )
        ],
        name="newer.xml",
    )
    assert rows(archive, "SELECT version, body, origin, earlier FROM message_versions") == [
        {
            "version": 1,
            "body": "bonjour",
            "origin": "reimport",
            "earlier": '{"flags":"[]","sender":"+10669462731","status":"queued"}',
        }
    ]
    # a change of text alone records nothing more
    ingest_records(archive, [replace(msg(2, "a"), body="b")], name="one.xml")
    ingest_records(archive, [replace(msg(2, "a"), body="c")], name="two.xml")
    assert rows(archive, "SELECT body, earlier FROM message_versions WHERE body = 'b'") == [
        {"body": "b", "earlier": None}
    ]
    cli("client", "add", "Marie", "--phone", "+12025550143")
    cli("matter", "open", "M-1", "--client", "Marie", "--title", "Test")
    [conv] = [r[0] for r in archive.conn.execute("SELECT id FROM conversations WHERE source_key = '0669462731'")]
    assert cli("file", conv, "--matter", "M-1").exit_code == 0
    assert cli("transcript", "M-1", "--out", tmp_path / "t.pdf").exit_code == 0
    text = " ".join(
        subprocess.run(
            ["pdftotext", str(tmp_path / "t.pdf"), "-"], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    # (the text as it is now: not repeated)
    assert (
        "earlier version 1, from the earlier import (no marks; sender +10669462731; status queued; same text)" in text
    )


def test_edit_history_of_a_new_message_is_kept(archive):
    m = msg(1, "final", versions=(Version("first"), Version("second", datetime(2024, 3, 1, 12, 5, tzinfo=UTC))))
    ingest_records(archive, [m])
    assert rows(archive, "SELECT version, body, at, origin FROM message_versions ORDER BY version") == [
        {"version": 1, "body": "first", "at": None, "origin": "edit_history"},
        {"version": 2, "body": "second", "at": "2024-03-01T12:05:00.000Z", "origin": "edit_history"},
    ]
    assert rows(archive, "SELECT version FROM messages") == [{"version": 3}]


def test_attachments_are_content_addressed_blobs(archive):
    png = b"\x89PNG\r\n\x1a\n" + b"x" * 100
    m1 = msg(
        1,
        attachments=(
            Attachment("a.png", "image/png", png),
            Attachment("video.mp4", "video/mp4", missing_reason="omitted by export"),
        ),
    )
    m2 = msg(2, attachments=(Attachment("copy.png", "image/png", png),))
    ingest_records(archive, [m1, m2])
    sha = fingerprint.hashlib.sha256(png).hexdigest()
    assert rows(archive, "SELECT sha256, size, mime, data FROM blobs") == [
        {"sha256": sha, "size": len(png), "mime": "image/png", "data": png}
    ]
    assert rows(
        archive,
        "SELECT position, file_name, mime, blob_sha256, missing_reason FROM message_attachments ORDER BY file_name",
    ) == [
        {"position": 0, "file_name": "a.png", "mime": "image/png", "blob_sha256": sha, "missing_reason": None},
        {"position": 0, "file_name": "copy.png", "mime": "image/png", "blob_sha256": sha, "missing_reason": None},
        {
            "position": 1,
            "file_name": "video.mp4",
            "mime": "video/mp4",
            "blob_sha256": None,
            "missing_reason": "omitted by export",
        },
    ]


def test_reactions_attach_to_their_message_and_are_not_messages(archive):
    target = msg(1, "Signed the papers", source_id="G1")
    like = Reaction(
        SAM_CHAT, "G1", ME, "liked", datetime(2024, 3, 1, 13, tzinfo=UTC), source_id="R1", source_ref="ROWID 9"
    )
    orphan = Reaction(
        SAM_CHAT, "missing", SAM, "loved", datetime(2024, 3, 1, 13, tzinfo=UTC), source_id="R2", source_ref="ROWID 10"
    )
    result = ingest_records(archive, [like, target, orphan])
    assert result.added == 1
    assert rows(archive, "SELECT kind, emoji, at, removed, source_id FROM reactions") == [
        {"kind": "liked", "emoji": None, "at": "2024-03-01T13:00:00.000Z", "removed": 0, "source_id": "R1"}
    ]
    assert result.skipped == {"reaction to a message that is not in the archive": 1}
    again = ingest_records(archive, [target, like])
    assert archive.conn.execute("SELECT count(*) FROM reactions").fetchone()[0] == 1 and again.added == 0


def test_reactions_are_written_batch_by_batch_and_early_ones_wait_for_their_message(archive, monkeypatch):
    """Memory must not grow with the number of reactions: each batch's reactions are written with
    it; one that comes before its message waits for it, and one whose message never comes is skipped."""
    from textfile.ingest import writer as ingest_module
    from textfile.ingest.writer import batch

    monkeypatch.setattr(batch, "BATCH", 2)
    at = datetime(2024, 3, 1, 13, tzinfo=UTC)
    early = Reaction(SAM_CHAT, "G5", ME, "loved", at, source_id="R-early", source_ref="ROWID 1")
    late = Reaction(SAM_CHAT, "G1", SAM, "liked", at, source_id="R-late", source_ref="ROWID 4")
    orphan = Reaction(SAM_CHAT, "nowhere", SAM, "laughed", at, source_id="R-orphan", source_ref="ROWID 9")
    written_during = []
    real = ingest_module._Writer.write_reactions

    def spy(self, final=True):
        real(self, final)
        if not final:
            written_during.append(self.conn.execute("SELECT count(*) FROM reactions").fetchone()[0])

    monkeypatch.setattr(ingest_module._Writer, "write_reactions", spy)
    stream = [early, msg(1, source_id="G1"), msg(2), late, msg(3), msg(4), orphan, msg(5, source_id="G5"), msg(6)]
    result = ingest_records(archive, stream)
    assert result.added == 6 and result.skipped == {"reaction to a message that is not in the archive": 1}
    assert rows(
        archive,
        "SELECT r.source_id, m.body FROM reactions r JOIN messages m ON m.id = r.message_id ORDER BY r.source_id",
    ) == [{"source_id": "R-early", "body": "message 5"}, {"source_id": "R-late", "body": "message 1"}]
    assert written_during == [0, 1, 1]  # "late" written with its batch; "early" and the orphan waited for the end


def test_skips_and_notices_are_recorded_on_the_import(archive):
    result = ingest_records(
        archive,
        [
            Skipped("unparseable line before the first message", "line 1"),
            Notice("dates read as day/month", "assumption"),
            Notice("2 lone surrogates replaced"),
            msg(1),
        ],
    )
    [imp] = rows(archive, "SELECT skipped, skipped_reasons, warnings, assumptions FROM imports")
    assert imp == {
        "skipped": 1,
        "skipped_reasons": '{"unparseable line before the first message":{"count":1,"refs":["line 1"]}}',
        "warnings": '["2 lone surrogates replaced"]',
        "assumptions": '["dates read as day/month"]',
    }
    assert result.assumptions == ["dates read as day/month"]


def test_a_stream_that_fails_midway_leaves_every_table_unchanged(archive):
    ingest_records(archive, [msg(n) for n in range(10)])
    before = snapshot(archive)

    def records():
        for n in range(10, 5000):  # several batches are flushed before the failure
            yield msg(n, attachments=(Attachment(f"{n}.bin", "application/octet-stream", bytes([n % 256]) * 10),))
            if n == 4321:
                raise ValueError("truncated file")

    with pytest.raises(ValueError):
        ingest_records(archive, records(), name="broken.xml")
    assert snapshot(archive) == before


def test_batches_larger_than_one_flush_are_deduplicated(archive):
    records = [msg(n) for n in range(4500)]
    assert ingest_records(archive, records).added == 4500
    assert ingest_records(archive, records + [msg(4500)]).added == 1


def test_full_text_index_stays_in_step(archive):
    ingest_records(archive, [msg(1, "the settlement offer"), msg(2, "lunch?")])
    hits = archive.conn.execute(
        "SELECT m.body FROM messages_fts JOIN messages m ON m.rowid = messages_fts.rowid WHERE messages_fts MATCH 'settlement'"
    ).fetchall()
    assert [h[0] for h in hits] == ["the settlement offer"]
    assert archive.conn.execute("INSERT INTO messages_fts(messages_fts) VALUES ('integrity-check')") is not None


def test_a_later_copy_without_the_attachment_file_keeps_the_stored_bytes(archive):
    png = b"\x89PNG\r\n\x1a\n" + b"y" * 50
    with_file = msg(1, "photo", attachments=(Attachment("IMG_1.png", "image/png", png),))
    without = msg(
        1,
        "photo",
        attachments=(
            Attachment("IMG_1.png", "image/png", missing_reason="file not found: ~/Library/SMS/Attachments/IMG_1.png"),
        ),
    )
    ingest_records(archive, [with_file])
    again = ingest_records(archive, [without], name="iphone-backup")
    assert (again.added, again.already_present, again.updated) == (0, 1, 0)
    assert rows(
        archive, "SELECT file_name, blob_sha256 IS NOT NULL AS has_bytes, missing_reason FROM message_attachments"
    ) == [{"file_name": "IMG_1.png", "has_bytes": 1, "missing_reason": None}]
    # and the other way round: bytes arriving later for an attachment first seen missing are a new version
    ingest_records(archive, [replace(without, identity=("x",), source_ref="2")])
    later = ingest_records(archive, [replace(with_file, identity=("x",), source_ref="2")])
    assert later.updated == 1


def test_missing_attachment_wording_does_not_change_identity_or_content(archive):
    a = msg(
        1,
        attachments=(
            Attachment("v.mp4", "video/mp4", missing_reason="file not found: ~/Library/Messages/Attachments/v.mp4"),
        ),
    )
    b = msg(
        1,
        attachments=(
            Attachment(
                "v.mp4", "video/mp4", missing_reason="file not found: /var/mobile/Library/SMS/Attachments/v.mp4"
            ),
        ),
    )
    ingest_records(archive, [a])
    assert ingest_records(archive, [b]).already_present == 1


def test_a_receipt_that_arrives_later_is_filled_in_once_and_never_changed(archive):
    first_read = datetime(2024, 3, 1, 13, 0, tzinfo=UTC)
    ingest_records(archive, [msg(1, out=True)])
    again = ingest_records(archive, [msg(1, out=True, read_at=first_read)], name="later-copy.db")
    assert (again.added, again.already_present, again.updated) == (0, 1, 0)
    assert rows(archive, "SELECT read_at FROM messages") == [{"read_at": "2024-03-01T13:00:00.000Z"}]
    ingest_records(archive, [msg(1, out=True, read_at=datetime(2024, 3, 2, tzinfo=UTC))], name="other.db")
    assert rows(archive, "SELECT read_at FROM messages") == [{"read_at": "2024-03-01T13:00:00.000Z"}]
