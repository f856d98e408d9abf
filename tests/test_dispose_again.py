"""After `dispose`: a disposed message is never archived again (the same export, next week's backup, a
client's phone), the skip is said, `verify` stays green and names one put back outside textfile."""

from __future__ import annotations

import json
import os
import time

from conftest import FIXTURES
from lifecycle_build import exports, note_of_a_2_on_a_1s_text, steps

from textfile import times

OWNER_XML = FIXTURES / "android" / "sms-20240301.xml"
CLIENT_XML = FIXTURES / "android" / "client_phone.xml"


def _day(conn) -> str:
    """The day of the disposal in the archive's zone."""
    tz = times.zone(conn.execute("SELECT tz FROM settings").fetchone()[0])
    return times.display(conn.execute("SELECT disposed_at FROM disposals").fetchone()[0], tz)[:10]


def _state(conn) -> dict:
    """What a disposed message coming back would change: the messages, conversations, people, filings."""
    return {
        table: conn.execute(f"SELECT {columns} FROM {table} ORDER BY 1").fetchall()
        for table, columns in (
            ("messages", "id, conversation_id"),
            ("conversations", "id, source_key"),
            ("participants", "id, conversation_id, handle"),
            ("filings", "id, conversation_id, matter_id"),
        )
    }


def test_the_same_exports_imported_again_bring_nothing_back(cli, archive, tmp_path):
    first, second = exports(tmp_path)
    steps(
        cli,
        ("client", "add", "Sam Client", "--phone", "+12025550143"),
        ("client", "add", "Bo Other", "--phone", "+12025550177"),
        ("matter", "open", "A-1", "--client", "Sam Client", "--title", "Lease"),
        ("matter", "open", "B-1", "--client", "Bo Other", "--title", "Other"),
        ("import", first),
        ("import", second),
        ("retention", "set", "--years", "0"),
        ("matter", "close", "A-1"),
        ("dispose", "A-1", "--confirm", "--out", tmp_path / "cert.pdf"),
    )
    conn = archive.conn
    before = _state(conn)
    disposed = conn.execute("SELECT count(*) FROM disposed_messages").fetchone()[0]
    assert disposed == 4

    again = cli("import", first, "--json")

    assert again.exit_code == 0, again.output
    [result] = json.loads(again.output)
    assert (result["added"], result["skipped"]) == (0, {"disposed of": 4})
    day = _day(conn)
    assert [w for w in result["warnings"] if "disposed of" in w] == [
        f"4 messages of this source were disposed of with matter A-1 on {day} (certificate {tmp_path / 'cert.pdf'}):"
        " not archived again. The texts are still on the phone: they can be deleted there"
    ]
    said = cli("import", second)
    assert said.output.splitlines()[:2] == [
        f"{second}: android, added 0, already present 2, updated 0, skipped 4",
        "  skipped 4: disposed of",
    ]
    assert _state(conn) == before  # no message, no empty conversation, no participant
    assert cli("matter", "open", "A-2", "--client", "Sam Client", "--title", "Next").exit_code == 0
    assert _state(conn) == before  # nothing to file
    entry = json.loads(
        conn.execute("SELECT details FROM audit_log WHERE command = 'import' ORDER BY id DESC").fetchone()[0]
    )
    assert entry["disposed_of"] == {"1": 4}
    verified = cli("verify")
    assert verified.exit_code == 0, verified.output
    assert cli("verify", tmp_path / "cert.pdf").exit_code == 0


def test_a_client_s_phone_copy_does_not_bring_them_back(cli, archive, tmp_path):
    steps(
        cli,
        ("client", "add", "Sam Client", "--phone", "+12025550143"),
        ("matter", "open", "A-1", "--client", "Sam Client", "--title", "Lease"),
        ("import", OWNER_XML),
        ("import", CLIENT_XML, "--custodian", "Sam Client"),
        ("retention", "set", "--years", "0"),
        ("matter", "close", "A-1"),
        ("dispose", "A-1", "--confirm", "--out", tmp_path / "cert.pdf"),
    )
    conn = archive.conn
    before = _state(conn)
    copies = conn.execute("SELECT count(*) FROM disposed_messages").fetchone()[0]
    gone = len(json.loads(conn.execute("SELECT messages FROM disposals").fetchone()[0]))
    assert copies > gone  # the client's phone's own ids of the same messages too

    [phone] = json.loads(cli("import", CLIENT_XML, "--custodian", "Sam Client", "--json").output)
    [owner] = json.loads(cli("import", OWNER_XML, "--json").output)

    assert (phone["added"], owner["added"]) == (0, 0)
    assert "disposed of" in phone["skipped"] and "disposed of" in owner["skipped"]
    assert _state(conn) == before
    assert cli("verify").exit_code == 0


def test_verify_reports_a_disposed_message_put_back_outside_textfile(cli, archive, tmp_path):
    first, _ = exports(tmp_path)
    steps(
        cli,
        ("client", "add", "Sam Client", "--phone", "+12025550143"),
        ("matter", "open", "A-1", "--client", "Sam Client", "--title", "Lease"),
        ("import", first),
        ("retention", "set", "--years", "0"),
        ("matter", "close", "A-1"),
        ("dispose", "A-1", "--confirm", "--out", tmp_path / "cert.pdf"),
    )
    conn = archive.conn
    mid = conn.execute("SELECT message_id FROM disposed_messages ORDER BY 1 LIMIT 1").fetchone()[0]
    conversation = conn.execute("SELECT conversation_id FROM messages LIMIT 1").fetchone()[0]  # Bo's
    conn.execute(
        "INSERT INTO messages (id, conversation_id, direction, kind, sent_at, body, flags, version, content_hash, import_id)"
        " VALUES (?, ?, 'in', 'message', '2024-03-01T17:00:00.000Z', 'back', '[]', 1, 'x', 1)",
        (mid, conversation),
    )
    conn.commit()

    verified = cli("verify")

    assert verified.exit_code == 3
    day = _day(conn)
    assert f"the archive holds 1 message that the disposal of matter A-1 on {day} deleted: added outside textfile" in (
        verified.output
    )


def test_the_weekly_run_says_the_skip(cli, archive, tmp_path):
    first, _ = exports(tmp_path)
    steps(
        cli,
        ("client", "add", "Sam Client", "--phone", "+12025550143"),
        ("matter", "open", "A-1", "--client", "Sam Client", "--title", "Lease"),
        ("import", first),
        ("retention", "set", "--years", "0"),
        ("matter", "close", "A-1"),
        ("dispose", "A-1", "--confirm", "--out", tmp_path / "cert.pdf"),
    )
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    backup = inbox / "backup-next-week.xml"
    backup.write_text(first.read_text().replace("<smses", '<smses backup_set="next"'))
    os.utime(backup, (time.time() - 3600,) * 2)  # (written an hour ago: not still being written)

    run = cli("archive", inbox, "--out", tmp_path / "out", "--mkdir")

    assert run.exit_code == 0, run.output
    lines = run.output.splitlines()
    at = lines.index(f"  imported {backup}: android, added 0, already present 2, updated 0, skipped 4")
    assert lines[at + 1] == "    skipped 4: disposed of"
    assert lines[at + 2].startswith("    warning: 4 messages of this source were disposed of with matter A-1 on ")


def test_a_message_another_matter_s_note_concerns_is_kept(cli, archive, tmp_path):
    sam, first_id, note = note_of_a_2_on_a_1s_text(cli, archive, tmp_path)
    conn = archive.conn

    preview = cli("dispose", "A-1")
    done = cli("dispose", "A-1", "--confirm", "--out", tmp_path / "cert.pdf", "--json")

    assert preview.output.splitlines()[0] == (
        "Matter A-1 (Sam Client) would be disposed of: 3 messages deleted, 0 kept as filed to another matter,"
        f" 1 kept as another matter's note concerns them (note {note} of matter A-2: 1, #{sam}.1)."
    )
    result = json.loads(done.output)
    assert (result["messages"], result["kept"], result["kept_filed"], result["kept_notes"]) == (
        3,
        1,
        0,
        [{"note": note, "matter": "A-2", "messages": 1, "ids": [first_id]}],
    )
    assert [tuple(r) for r in conn.execute("SELECT note_id, message_id FROM note_messages")] == [(note, first_id)]
    assert [r[0] for r in conn.execute("SELECT id FROM messages WHERE conversation_id = ?", (sam,))] == [first_id]
    assert first_id not in {r[0] for r in conn.execute("SELECT message_id FROM disposed_messages")}
    text = _pdf_text(tmp_path / "cert.pdf")
    assert (
        f"kept because a note of another matter concerns them: note {note} of matter A-2, 1 (their ids: Appendix C)."
        in text
    )
    assert cli("verify").exit_code == 0
    assert cli("verify", tmp_path / "cert.pdf").exit_code == 0


def _pdf_text(path) -> str:
    import subprocess

    return " ".join(
        subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout.split()
    )


def test_the_ids_of_a_disposal_made_before_m025_are_recorded_on_opening(cli, archive, archive_path, tmp_path):
    import sqlite3

    first, _ = exports(tmp_path)
    steps(
        cli,
        ("client", "add", "Sam Client", "--phone", "+12025550143"),
        ("matter", "open", "A-1", "--client", "Sam Client", "--title", "Lease"),
        ("import", first),
        ("retention", "set", "--years", "0"),
        ("matter", "close", "A-1"),
        ("dispose", "A-1", "--confirm", "--out", tmp_path / "cert.pdf"),
    )
    want = archive.conn.execute("SELECT message_id, disposal_id FROM disposed_messages ORDER BY 1").fetchall()
    raw = sqlite3.connect(archive_path)
    raw.execute("DROP TABLE disposed_messages")
    raw.execute("DELETE FROM _sqlite_migrations WHERE name = 'm025_disposed_messages'")
    raw.commit()
    raw.close()

    verified = cli("verify")

    assert verified.exit_code == 0, verified.output
    raw = sqlite3.connect(archive_path)
    assert raw.execute("SELECT message_id, disposal_id FROM disposed_messages ORDER BY 1").fetchall() == [
        tuple(r) for r in want
    ]
    assert raw.execute("SELECT command FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()[0] == (
        "migration: disposed messages recorded"
    )
    [again] = json.loads(cli("import", first, "--json").output)
    assert again["skipped"] == {"disposed of": 4}


def test_a_file_of_a_disposed_conversation_does_not_make_it_again(cli, archive, archive_path):
    from conftest import SAM_CHAT, ingest_records, msg

    from textfile.model import ChatFile

    records = [
        msg(1, "hello there"),
        msg(2, "see you"),
        ChatFile(SAM_CHAT, "x.png", "image/png", b"CHATFILEBYTES-x", "x.png"),
    ]
    steps(cli, ("client", "add", "Sam Client", "--phone", "+12025550143"))
    steps(cli, ("matter", "open", "A-1", "--client", "Sam Client", "--title", "Lease"))
    ingest_records(archive, records)
    assert archive.conn.execute("SELECT count(*) FROM conversation_files").fetchone()[0] == 1
    steps(
        cli,
        ("retention", "set", "--years", "0"),
        ("matter", "close", "A-1"),
        ("dispose", "A-1", "--confirm", "--out", archive_path.with_name("cert.pdf")),
    )
    before = _state(archive.conn)

    again = ingest_records(archive, records, name="sms-again.xml")

    assert again.skipped == {"disposed of": 2, "file named by no message, of a conversation disposed of": 1}
    assert _state(archive.conn) == before == {"messages": [], "conversations": [], "participants": [], "filings": []}
    assert archive.conn.execute("SELECT count(*) FROM blobs").fetchone()[0] == 0
    verified = cli("verify")
    assert verified.exit_code == 0
    [entry] = [r[0] for r in archive.conn.execute("SELECT details FROM audit_log WHERE command = 'dispose'")]
    assert json.loads(entry)["blobs"] == 1
    [line] = [line for line in verified.output.splitlines() if line.startswith("Disposed of: matter A-1")]
    assert ": 2 messages, 0 versions, 0 attachments, 1 attachment file, 0 transcript records;" in line
