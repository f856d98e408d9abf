"""An import says, in one warning, how many attachments of the conversations it touched the archive does not hold the
bytes of, whatever the format (a WhatsApp chat without media, an iMessage database whose files are not beside it, an
MMS part in corrupt base64): the first by number, why each is missing, in short, and how that format's export fills
them in. The attachments not archived are indexed apart (m035); the warning reads whichever side is smaller, and
both read the same rows."""

from __future__ import annotations

import json
import sqlite3

import imessage_build as build
import pytest
from conftest import FIXTURES
from earlier_release import INIT, run, textfile_of

from textfile.ingest import import_path
from textfile.ingest.transaction import _not_archived_in, _why_not_archived

SMS = FIXTURES / "android" / "sms-20240301.xml"  # (mms 4's report.pdf: corrupt base64)
SCAN = "Library/Messages/Attachments/cd/02/CD02C0DE-0000-4000-8000-000000000002/scan.pdf"  # (modern.py: not written)


def put_scan(tmp_path) -> None:
    path = tmp_path / "home" / SCAN
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"%PDF-1.4 the scan\n")


def warnings(archive) -> list[str]:
    return json.loads(archive.conn.execute("SELECT warnings FROM imports ORDER BY id DESC").fetchone()[0])


def test_an_android_part_its_importer_named_already_is_not_said_again(cli, archive):
    r = cli("import", SMS)
    assert (r.exit_code, r.stderr) == (0, "")
    assert warnings(archive) == [
        "mms 4: attachment report.pdf has corrupt base64 (Only base64 data is allowed); kept as missing",
        "replaced 2 invalid character references or control characters (lone surrogates, &#0; …) with U+FFFD",
    ]


def test_an_android_backup_without_some_parts_says_them_with_those_named_already(cli, archive, tmp_path):
    """A part the backup holds no data of (`not included in the backup`) beside mms 4's corrupt one: both counted."""
    xml = SMS.read_text(encoding="utf-8")
    at = xml.index('<part seq="0" ct="text/plain"')
    backup = tmp_path / "sms-without-a-photo.xml"
    backup.write_text(xml[:at] + '<part seq="1" ct="image/jpeg" name="door.jpg" cl="door.jpg" />' + xml[at:])
    r = cli("import", backup)
    assert (r.exit_code, r.stderr) == (0, "")
    said = (
        "sms-without-a-photo.xml: 2 attachments are not in the archive (the first #1.8 report.pdf): 1 corrupt"
        " base64, 1 not included in the backup; import a backup that holds them to fill them in"
    )
    assert f"  warning: {said}" in r.stdout.splitlines()
    assert warnings(archive)[-1] == said


def test_an_imessage_database_says_the_files_not_beside_it_and_the_import_with_them_fills_them_in(
    cli, archive, tmp_path
):
    db = build.build_modern(tmp_path / "home")
    r = cli("import", db, "--tz", "America/New_York")
    assert (r.exit_code, r.stderr) == (0, "")
    said = (
        "chat.db: 1 attachment is not in the archive (#1.7 scan.pdf): 1 not found; import the messages again with"
        " their files (a Messages folder with its Attachments folder, --attachments-root, or an iPhone backup that"
        " holds it) to fill it in"
    )
    assert said in warnings(archive)
    assert f"  warning: {said}" in r.stdout.splitlines()

    put_scan(tmp_path)  # the file found where the database says
    again = cli("import", db, "--tz", "America/New_York")

    assert (again.exit_code, again.stderr) == (0, "")
    assert not [w for w in warnings(archive) if "not in the archive" in w]
    assert [w for w in warnings(archive) if "now in the archive" in w] == [
        "the missing attachments of 1 message are now in the archive (an earlier export lacked their bytes); the"
        " earlier version is kept (ROWID 10)"
    ]
    assert archive.conn.execute("SELECT count(*) FROM message_attachments WHERE blob_sha256 IS NULL").fetchone()[0] == 0


def test_an_import_whose_attachments_are_all_archived_says_nothing_of_them(cli, archive, tmp_path):
    db = build.build_modern(tmp_path / "home")
    put_scan(tmp_path)
    r = cli("import", db, "--tz", "America/New_York")
    assert (r.exit_code, r.stderr) == (0, "")
    assert not [w for w in warnings(archive) if "attachment" in w and "archive" in w]


@pytest.mark.parametrize(
    "reason, said",
    [
        ("omitted by export (image omitted)", "omitted by the export"),
        ("not found beside the chat text", "not found beside the chat text"),
        (
            "not in the zip under this name; 2 files are this name with one more extension",
            "not in the zip under this name",
        ),
        ("in the zip, but damaged (its content does not match its CRC-32)", "in the zip, but damaged"),
        ("file not found: ~/Library/Messages/Attachments/cd/02/x/scan.pdf", "not found"),
        ("cannot read /home/a/Library/Messages/Attachments/x.png: Permission denied", "not readable"),
        ("not read: /etc/passwd leads outside the attachments folder", "leading outside the folders read"),
        ("corrupt base64: Incorrect padding", "corrupt base64"),
        ("no file recorded in the database (never downloaded to this device)", "never downloaded to the phone"),
        ("not included in the backup", "not included in the backup"),
    ],
)
def test_why_an_attachment_is_missing_is_said_in_short_without_its_path(reason, said):
    assert _why_not_archived(reason) == said


def test_both_ways_of_reading_the_attachments_not_archived_read_the_same_rows(archive, tmp_path):
    """From the index of those attachments (fewer of them than messages read), or from the conversations' messages."""
    import_path(archive, SMS)
    db = build.build_modern(tmp_path / "home")
    import_path(archive, db, tz="America/New_York")
    conn = archive.conn
    conversations = [c for (c,) in conn.execute("SELECT id FROM conversations ORDER BY id")]
    expected = conn.execute(
        "SELECT m.conversation_id, m.sent_at, m.rowid, a.position, a.message_id, a.file_name, a.missing_reason"
        " FROM message_attachments a JOIN messages m ON m.id = a.message_id WHERE a.missing_reason IS NOT NULL"
        " ORDER BY m.conversation_id, m.sent_at, m.rowid, a.position"
    ).fetchall()
    assert [r[5] for r in expected] == ["report.pdf", "scan.pdf"]

    from_the_index = sorted(tuple(r) for r in _not_archived_in(conn, conversations, 1_000_000))
    from_the_messages = sorted(tuple(r) for r in _not_archived_in(conn, conversations, 0))

    assert from_the_index == from_the_messages == sorted(tuple(r) for r in expected)
    for seen in (0, 1_000_000):  # (the first, in message order: by their first four columns, as the warning takes it)
        assert min(tuple(r) for r in _not_archived_in(conn, conversations, seen)) == tuple(expected[0])
        assert min((tuple(r) for r in _not_archived_in(conn, conversations[-1:], seen)), default=None) == next(
            (tuple(r) for r in expected if r[0] == conversations[-1]), None
        )


BEFORE_M035 = "422399022c6940e685490ccba1602a5ed99aaeb1"  # the last commit before m035


def test_an_archive_made_before_m035_gains_the_index_and_verifies(tmp_path):
    code = textfile_of(BEFORE_M035, tmp_path / "previous", "the last commit before m035")
    db = tmp_path / "archive.db"
    for args in [
        INIT,
        ("import", SMS),
    ]:
        done = run(code, db, *args)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
    with sqlite3.connect(db) as raw:
        assert (
            raw.execute("SELECT name FROM sqlite_master WHERE name = 'message_attachments_missing'").fetchone() is None
        )
    raw.close()

    checked = run(FIXTURES.parent, db, "verify")  # (this code: the archive migrated first)

    assert checked.returncode == 0, checked.stdout + checked.stderr
    with sqlite3.connect(db) as raw:
        (sql,) = raw.execute("SELECT sql FROM sqlite_master WHERE name = 'message_attachments_missing'").fetchone()
        plan = [
            r[3]
            for r in raw.execute(
                "EXPLAIN QUERY PLAN SELECT count(*) FROM message_attachments WHERE blob_sha256 IS NULL"
            )
        ]
    raw.close()
    assert sql == (
        "CREATE INDEX message_attachments_missing ON message_attachments (message_id) WHERE blob_sha256 IS NULL"
    )
    assert plan == ["SCAN message_attachments USING INDEX message_attachments_missing"]
