"""`dispose`: no byte of a disposed message left in the archive file, what must be kept kept, the
certificate proven, `verify` green and naming the disposal, every step audited."""

from __future__ import annotations

import json
import subprocess

import pytest
from conftest import snapshot
from lifecycle_build import GONE, KEPT, SAM, SHARED_BLOB, UNIQUE_BLOB, T, _document, _sms, exports

from textfile import audit, times
from textfile.filing.names import matter_row


@pytest.fixture
def filed(cli, tmp_path):
    """Sam's matter A-1 and Bo's B-1, both exports imported; A-1 closed, retention 0 years."""
    first, second = exports(tmp_path)
    for args in (
        ("client", "add", "Sam Client", "--phone", "+12025550143"),
        ("client", "add", "Bo Other", "--phone", "+12025550177"),
        ("matter", "open", "A-1", "--client", "Sam Client", "--title", "Lease"),
        ("matter", "open", "B-1", "--client", "Bo Other", "--title", "Other"),
        ("import", first),
        ("import", second),
        ("retention", "set", "--years", "0", "--basis", "test: nothing kept after closing"),
    ):
        assert cli(*args).exit_code == 0, args
    return tmp_path


def raw_bytes(archive_path) -> bytes:
    """The archive file and its write-ahead log, as they are on disk."""
    wal = archive_path.with_name(archive_path.name + "-wal")
    return archive_path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def in_index(conn, word: str) -> int:
    return sum(
        conn.execute(f"SELECT count(*) FROM {index} WHERE {index} MATCH ?", (word,)).fetchone()[0]
        for index in ("messages_fts", "message_versions_fts")
    )


def test_disposal_leaves_no_byte_of_a_disposed_message(cli, archive, archive_path, filed):
    assert cli("transcript", "A-1", "--out", filed / "a.pdf").exit_code == 0
    assert cli("matter", "close", "A-1").exit_code == 0
    before = raw_bytes(archive_path)
    assert all(marker.encode() in before for marker in GONE + KEPT) and UNIQUE_BLOB in before
    assert [in_index(archive.conn, m) for m in GONE] == [1, 1, 1, 1]  # (three: an earlier version)

    done = cli("dispose", "A-1", "--confirm", "--reason", "retention over", "--out", filed / "cert.pdf")

    assert done.exit_code == 0, done.output
    after = raw_bytes(archive_path)
    assert [m for m in GONE if m.encode() in after or m.lower().encode() in after] == []
    assert UNIQUE_BLOB not in after
    assert [in_index(archive.conn, m) for m in GONE] == [0, 0, 0, 0]
    assert all(m.encode() in after for m in KEPT) and SHARED_BLOB in after  # Bo's, and the picture both sent
    assert in_index(archive.conn, KEPT[0]) == 1
    found = archive.conn.execute(
        "SELECT m.body FROM messages_fts f JOIN messages m ON m.rowid = f.rowid WHERE messages_fts MATCH ?", KEPT
    ).fetchall()
    assert [r[0] for r in found] == ["betaMARKERone other client"]  # the index still points at the right rows
    assert (
        not archive_path.with_name(archive_path.name + "-wal").exists()
        or not archive_path.with_name(archive_path.name + "-wal").stat().st_size
    )


def test_what_goes_and_what_is_kept(cli, archive, filed):
    conn = archive.conn
    assert cli("matter", "close", "A-1").exit_code == 0
    sam = conn.execute("SELECT id FROM conversations WHERE source_key LIKE '%0143%'").fetchone()[0]
    gone = sorted(
        tuple(r) for r in conn.execute("SELECT id, content_hash FROM messages WHERE conversation_id = ?", (sam,))
    )
    bo = sorted(
        tuple(r) for r in conn.execute("SELECT id, content_hash FROM messages WHERE conversation_id <> ?", (sam,))
    )

    done = cli("dispose", "A-1", "--confirm", "--out", filed / "cert.pdf", "--json")

    assert done.exit_code == 0, done.output
    result = json.loads(done.output)
    assert result["counts"] == {
        "blobs": 1,
        "conversations": 1,
        "filings": 1,
        "message_attachments": 2,
        "message_sightings": 4,  # its later sightings (the first four went with their messages' rows: m031)
        "message_versions": 1,
        "messages": 4,
        "participants": 2,
        "review_flags": 1,  # Alex's reply: sent with no consent to text on record
    }
    assert (result["messages"], result["kept"], result["done"]) == (4, 0, True)
    assert sorted(tuple(r) for r in conn.execute("SELECT id, content_hash FROM messages")) == bo
    assert conn.execute("SELECT count(*) FROM blobs").fetchone()[0] == 1  # the picture Bo sent too
    assert [tuple(r) for r in conn.execute("SELECT reference, closed_at IS NOT NULL FROM matters ORDER BY id")] == [
        ("A-1", 1),
        ("B-1", 0),
    ]  # the matter's row stays
    row = conn.execute("SELECT messages, reason FROM disposals").fetchone()
    assert (json.loads(row[0]), row[1]) == ([list(m) for m in gone], None)
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_a_message_also_filed_to_another_closed_matter_is_kept(cli, archive, filed):
    conn = archive.conn
    sam = conn.execute("SELECT id FROM conversations WHERE source_key LIKE '%0143%'").fetchone()[0]
    first = conn.execute(
        "SELECT id FROM messages WHERE conversation_id = ? ORDER BY sent_at LIMIT 1", (sam,)
    ).fetchone()[0]
    for args in (
        ("matter", "open", "C-1", "--client", "Sam Client", "--title", "Deposit"),
        ("file", sam, "--matter", "C-1", "--from", "2024-03-01T12:00:00", "--until", "2024-03-01T12:00:30"),
        ("matter", "close", "C-1"),
        ("matter", "close", "A-1"),
    ):
        assert cli(*args).exit_code == 0, args

    done = cli("dispose", "A-1", "--confirm", "--out", filed / "cert.pdf", "--json")

    assert done.exit_code == 0, done.output
    assert (json.loads(done.output)["messages"], json.loads(done.output)["kept"]) == (3, 1)
    assert [r[0] for r in conn.execute("SELECT id FROM messages WHERE conversation_id = ?", (sam,))] == [first]
    assert conn.execute("SELECT count(*) FROM participants WHERE conversation_id = ?", (sam,)).fetchone()[0] == 2
    assert cli("verify").exit_code == 0


def test_without_confirm_nothing_is_done(cli, archive, filed):
    assert cli("matter", "close", "A-1").exit_code == 0
    before = snapshot(archive)

    done = cli("dispose", "A-1")

    assert done.exit_code == 0
    assert "would be disposed of: 4 messages deleted" in done.output and "Nothing was done." in done.output
    assert snapshot(archive) == before


def test_verify_is_green_names_the_disposal_and_proves_the_certificate(cli, archive, filed):
    assert cli("transcript", "A-1", "--out", filed / "a.pdf").exit_code == 0
    assert cli("matter", "close", "A-1").exit_code == 0
    assert cli("dispose", "A-1", "--confirm", "--out", filed / "cert.pdf").exit_code == 0

    verified = cli("verify")
    assert verified.exit_code == 0, verified.output
    assert "Disposed of: matter A-1 on " in verified.output
    assert (
        "4 messages, 1 version, 2 attachments, 1 attachment file, 1 transcript record; certificate " in verified.output
    )
    assert str(filed / "cert.pdf") in verified.output

    proven = cli("verify", filed / "cert.pdf")
    assert proven.exit_code == 0, proven.output
    assert "matches the archive (disposal certificate" in proven.output

    old = cli("verify", filed / "a.pdf")
    assert old.exit_code == 3
    assert "was disposed of: it shows messages of matter A-1, disposed of on " in old.output
    assert f"(certificate {filed / 'cert.pdf'})" in old.output


def test_an_altered_certificate_fails(cli, archive, filed):
    assert cli("matter", "close", "A-1").exit_code == 0
    assert cli("dispose", "A-1", "--confirm", "--out", filed / "cert.pdf").exit_code == 0
    data = bytearray((filed / "cert.pdf").read_bytes())
    data[-40] ^= 1
    (filed / "bad.pdf").write_bytes(bytes(data))
    assert cli("verify", filed / "bad.pdf").exit_code == 3


def test_every_step_is_audited_and_the_entry_holds_no_text(cli, archive, filed):
    assert cli("matter", "close", "A-1").exit_code == 0
    assert cli("dispose", "A-1", "--confirm", "--reason", "retention over", "--out", filed / "cert.pdf").exit_code == 0
    conn = archive.conn
    commands = [r[0] for r in conn.execute("SELECT command FROM audit_log ORDER BY id")]
    assert commands[-4:] == ["retention set", "matter close", "dispose", "disposal certificate"]
    details = json.loads(conn.execute("SELECT details FROM audit_log WHERE command = 'dispose'").fetchone()[0])
    assert {k: details[k] for k in ("matter", "client", "kept", "per_import", "blobs", "reason", "transcripts")} == {
        "matter": "A-1",
        "client": "Sam Client",
        "kept": 0,
        "per_import": {"1": 4},
        "blobs": 1,
        "reason": "retention over",
        "transcripts": [],
    }
    assert details["policy"]["years"] == 0 and details["policy"]["basis"] == "test: nothing kept after closing"
    everything = " ".join(r[0] for r in conn.execute("SELECT details FROM audit_log"))
    assert [m for m in GONE if m in everything] == []
    assert {"1"} <= set(details["digests"])  # the import's digest, less what went, in the same entry


def test_a_note_in_the_audit_log_quoting_a_disposed_text_is_named(cli, archive, filed):
    """A decision's note is kept in `review_decisions` (deleted with its flag) and audited as its sha256;
    an entry written before that, words and all, is named by the disposal, never changed."""
    (flag,) = archive.conn.execute("SELECT id FROM review_flags").fetchone()
    assert cli("review", "ack", flag, "--note", 'client said "alphaMARKERtwo reply"').exit_code == 0
    (acked,) = archive.conn.execute("SELECT details FROM audit_log WHERE command = 'review ack'").fetchone()
    assert "alphaMARKERtwo" not in acked
    with archive.transaction() as conn:  # an entry as a version before m027 wrote it
        audit.append(conn, "review ack", {"flags": [flag], "note": 'client said "alphaMARKERtwo reply"'})
    (entry,) = archive.conn.execute("SELECT max(id) FROM audit_log WHERE command = 'review ack'").fetchone()
    assert cli("matter", "close", "A-1").exit_code == 0

    done = cli("dispose", "A-1", "--confirm", "--out", filed / "cert.pdf")

    assert done.exit_code == 0, done.output
    assert f"Warning: audit entries {entry} quote a deleted text (a person's note)" in done.output
    details = json.loads(archive.conn.execute("SELECT details FROM audit_log WHERE command = 'dispose'").fetchone()[0])
    assert details["audit_quotes"] == [entry]
    assert archive.conn.execute("SELECT count(*) FROM review_decisions").fetchone()[0] == 0


def test_a_table_added_later_is_covered_by_its_foreign_keys(cli, archive, filed):
    """Notes and coverage rows (other parts of issue 19) point at messages(id) or matters(id): found by the walk."""
    conn = archive.conn
    conn.execute(
        "CREATE TABLE later_notes (id INTEGER PRIMARY KEY, matter_id INTEGER REFERENCES matters(id), text TEXT)"
    )
    conn.execute(
        "CREATE TABLE later_links (note_id INTEGER REFERENCES later_notes(id), message_id TEXT REFERENCES messages(id))"
    )
    a1, b1 = (matter_row(conn, r)["id"] for r in ("A-1", "B-1"))
    conn.execute("INSERT INTO later_notes VALUES (1, ?, 'privileged memo'), (2, ?, 'other memo')", (a1, b1))
    conn.execute("INSERT INTO later_links SELECT 1, id FROM messages WHERE body LIKE 'alpha%'")
    conn.execute("INSERT INTO later_links SELECT 2, id FROM messages WHERE body LIKE 'beta%'")
    assert cli("matter", "close", "A-1").exit_code == 0

    done = cli("dispose", "A-1", "--confirm", "--out", filed / "cert.pdf", "--json")

    assert done.exit_code == 0, done.output
    assert (json.loads(done.output)["counts"]["later_notes"], json.loads(done.output)["counts"]["later_links"]) == (
        1,
        3,
    )
    assert [tuple(r) for r in conn.execute("SELECT id, text FROM later_notes")] == [(2, "other memo")]
    assert conn.execute("SELECT count(*) FROM later_links").fetchone()[0] == 1
    assert b"privileged memo" not in raw_bytes(filed / "archive.db")


def test_a_review_report_of_the_matter_goes_with_it(cli, archive, filed):
    assert cli("review", "--matter", "A-1", "--all", "--pdf", filed / "review.pdf").exit_code == 0
    (uuid,) = archive.conn.execute("SELECT uuid FROM review_reports").fetchone()
    assert cli("matter", "close", "A-1").exit_code == 0

    done = cli("dispose", "A-1", "--confirm", "--out", filed / "cert.pdf", "--json")

    assert done.exit_code == 0, done.output
    assert (json.loads(done.output)["reports"], json.loads(done.output)["files_left"]) == (
        [uuid],
        [str(filed / "review.pdf")],
    )
    assert cli("verify").exit_code == 0
    old = cli("verify", filed / "review.pdf")
    assert old.exit_code == 3 and f"review report {uuid} was disposed of: it shows messages of matter A-1" in old.output


def test_a_client_transcript_showing_a_disposed_message_loses_its_record(cli, archive, filed):
    assert cli("transcript", "--client", "Sam Client", "--out", filed / "sam.pdf").exit_code == 0
    assert cli("transcript", "--client", "Bo Other", "--out", filed / "bo.pdf").exit_code == 0
    sam, bo = (r[0] for r in archive.conn.execute("SELECT uuid FROM transcripts ORDER BY id"))
    assert cli("matter", "close", "A-1").exit_code == 0

    done = cli("dispose", "A-1", "--confirm", "--out", filed / "cert.pdf", "--json")

    assert json.loads(done.output)["transcripts"] == [sam]
    assert [r[0] for r in archive.conn.execute("SELECT uuid FROM transcripts")] == [bo]
    assert cli("verify", filed / "bo.pdf").exit_code == 0
    assert cli("verify").exit_code == 0


def test_notes_and_coverage_records_go_with_the_matter(cli, archive, archive_path, filed):
    """The notes of the disposed matter (privileged or not) and the coverage rows of its messages go,
    text and all; verify stays green."""
    conn = archive.conn
    sam = conn.execute("SELECT id FROM conversations WHERE source_key LIKE '%0143%'").fetchone()[0]
    note_text = "NOTEMARKERprivileged called Sam about the lease"
    for args in (
        ("note", "add", "A-1", note_text, "--privileged"),
        ("note", "add", "A-1", "NOTEMARKERwindow", "--conversation", str(sam)),
        ("note", "add", "B-1", "NOTEMARKERkept about Bo"),
        ("matter", "close", "A-1"),
    ):
        assert cli(*args).exit_code == 0, (args, cli(*args).output)
    one = conn.execute("SELECT id, import_id FROM messages WHERE conversation_id = ? LIMIT 1", (sam,)).fetchone()
    with conn:  # a coverage row as an import records one (this test is about what disposal finds by its keys)
        conn.execute(
            "INSERT INTO missing_from_phone (message_id, import_id, last_seen_import_id, span_first, span_last)"
            " SELECT id, import_id, import_id, sent_at, sent_at FROM messages WHERE id = ?",
            (one["id"],),
        )
        audit.append(conn, "test: a coverage row", {})

    done = cli("dispose", "A-1", "--confirm", "--out", filed / "cert.pdf", "--json")

    assert done.exit_code == 0, done.output
    counts = json.loads(done.output)["counts"]
    assert {k: counts[k] for k in ("notes", "note_versions", "note_messages", "missing_from_phone")} == {
        "notes": 2,
        "note_versions": 2,
        "note_messages": 4,
        "missing_from_phone": 1,
    }
    after = raw_bytes(archive_path)
    assert b"NOTEMARKERprivileged" not in after and b"NOTEMARKERwindow" not in after
    assert b"NOTEMARKERkept" in after
    assert [r[0] for r in conn.execute("SELECT text FROM note_versions")] == ["NOTEMARKERkept about Bo"]
    assert conn.execute("SELECT count(*) FROM missing_from_phone").fetchone()[0] == 0
    verified = cli("verify")
    assert verified.exit_code == 0, verified.output


def test_a_disposed_matter_takes_nothing_more(cli, archive, filed):
    """Its row stays as the record of the disposal; nothing can be filed, noted, rendered, held, closed,
    edited or given a retention under it, and `matter list` says it was disposed of."""
    conn = archive.conn
    assert cli("matter", "close", "A-1").exit_code == 0
    assert cli("dispose", "A-1", "--confirm", "--out", filed / "cert.pdf").exit_code == 0
    bo = conn.execute("SELECT id FROM conversations WHERE source_key LIKE '%0177%'").fetchone()[0]
    day = times.day(conn.execute("SELECT disposed_at FROM disposals").fetchone()[0], times.archive_zone(conn))
    head = conn.execute("SELECT max(id) FROM audit_log").fetchone()[0]
    said = f"Error: matter 'A-1' was disposed of on {day} (textfile retention report): its file is gone, so "
    for args, doing in (
        (("file", str(bo), "--matter", "A-1", "--also"), "nothing can be filed to it"),
        (("note", "add", "A-1", "late note"), "no note can be added to it"),
        (("transcript", "A-1", "--out", str(filed / "late.pdf")), "there is nothing left to render"),
        (("matter", "hold", "A-1"), "it cannot be put on hold"),
        (("matter", "release", "A-1"), "it cannot be released"),
        (("matter", "edit", "A-1", "--title", "New"), "it cannot be edited"),
        (("retention", "set", "--matter", "A-1", "--years", "3"), "its retention was settled by the disposal"),
        (("note", "list", "A-1"), "its notes went with it"),
        (("note", "list", "--missing", "A-1"), "its exchanges went with it"),
        (("coverage", "--matter", "A-1"), "its messages went with it: nothing is left to cover"),
    ):
        refused = cli(*args)
        assert (refused.exit_code, refused.output.strip()) == (1, said + doing), args
    assert conn.execute("SELECT max(id) FROM audit_log").fetchone()[0] == head
    listed = json.loads(cli("matter", "list", "--json").output)
    assert [(m["reference"], m["status"]) for m in listed] == [("A-1", "disposed of"), ("B-1", "open")]


def test_every_file_on_disk_with_the_matters_text_is_named(cli, archive, filed):
    """The matter's transcripts, a client transcript showing its messages, and the privilege logs beside
    them: named by the dry run and by the disposal (their records go; the files are the user's to destroy)."""
    for args in (
        ("note", "add", "A-1", "about the lease", "--privileged"),
        ("transcript", "A-1", "--out", filed / "a.pdf"),
        ("transcript", "--client", "Sam Client", "--out", filed / "c.pdf"),
        ("transcript", "B-1", "--out", filed / "b.pdf"),
        ("matter", "close", "A-1"),
    ):
        done = cli(*args)
        assert done.exit_code == 0, (args, done.output)
    named = sorted(str(filed / n) for n in ("a.pdf", "a.privilege-log.csv", "c.pdf", "c.privilege-log.csv"))

    preview = cli("dispose", "A-1", "--json")
    done = cli("dispose", "A-1", "--confirm", "--out", filed / "cert.pdf", "--json")

    assert json.loads(preview.stdout)["files_left"] == named
    assert json.loads(done.stdout)["files_left"] == named


def test_a_client_transcript_made_after_a_disposal_says_so(cli, archive, filed):
    """Sam's transcript made after A-1's disposal: its cover says the matter was disposed of, when, how many
    messages went and the certificate, so what is left is not read as the whole thread."""
    assert cli("matter", "close", "A-1").exit_code == 0
    assert cli("dispose", "A-1", "--confirm", "--out", filed / "cert.pdf").exit_code == 0
    assert cli("matter", "open", "A-3", "--client", "Sam Client", "--title", "Later").exit_code == 0
    later = filed / "sms-later.xml"
    later.write_text(_document([_sms(SAM, T + 864_000_000, 1, "Sam writes again", "Sam")]))
    assert cli("import", later).exit_code == 0

    done = cli("transcript", "--client", "Sam Client", "--out", filed / "sam.pdf")

    assert done.exit_code == 0, done.output
    at = archive.conn.execute("SELECT disposed_at FROM disposals").fetchone()[0]
    said = " ".join(
        subprocess.run(
            ["pdftotext", str(filed / "sam.pdf"), "-"], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    when = times.display(at, times.zone("America/New_York"))
    assert (
        f"Disposed of A-1: disposed of on {when}: 4 messages deleted from the archive, not shown here (certificate cert.pdf)"
        in said
    )
    assert cli("verify", filed / "sam.pdf").exit_code == 0


def test_no_output_takes_the_path_of_a_certificate_whose_file_is_gone(cli, filed):
    """A transcript written where the archive records a certificate (its file moved away) would make that
    certificate read as altered: refused, as a transcript's or a report's path is."""
    assert cli("matter", "close", "A-1").exit_code == 0
    assert cli("dispose", "A-1", "--confirm", "--out", filed / "cert.pdf").exit_code == 0
    (filed / "cert.pdf").rename(filed / "moved.pdf")

    done = cli("transcript", "B-1", "--out", filed / "cert.pdf")

    assert done.exit_code == 1 and "is where the archive records an earlier" in done.output
    assert not (filed / "cert.pdf").exists()
