"""Messages a disposal kept for another matter's note: which they are (ids, numbers), and that they go
when that matter is disposed of in turn, unless a live matter still holds them."""

from __future__ import annotations

import json
import subprocess

from lifecycle_build import exports, note_of_a_2_on_a_1s_text, steps


def _pdf_text(path) -> str:
    return " ".join(
        subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout.split()
    )


def _kept_for_a_2(cli, archive, tmp_path) -> tuple[int, str, int]:
    """Sam's conversation filed to A-1; a note of A-2 about its first text (filed to A-2 then, unfiled since);
    both closed, A-1 disposed of: that text kept for the note. The conversation, the text's id, the note."""
    sam, first_id, note = note_of_a_2_on_a_1s_text(cli, archive, tmp_path)
    preview = cli("dispose", "A-1", "--json")
    assert json.loads(preview.output)["numbers"] == {first_id: f"{sam}.1"}
    done = cli("dispose", "A-1", "--confirm", "--out", tmp_path / "c1.pdf", "--json")
    assert done.exit_code == 0, done.output
    result = json.loads(done.output)
    assert (result["kept_notes"], result["inherited"], result["numbers"]) == (
        [{"note": note, "matter": "A-2", "messages": 1, "ids": [first_id]}],
        [],
        {first_id: f"{sam}.1"},
    )
    return sam, first_id, note


def test_which_messages_were_kept_is_said_and_recorded(cli, archive, tmp_path):
    sam, first_id, note = _kept_for_a_2(cli, archive, tmp_path)
    conn = archive.conn

    [details] = [
        json.loads(r[0]) for r in conn.execute("SELECT details FROM audit_log WHERE command = 'dispose'").fetchall()
    ]
    counts = json.loads(conn.execute("SELECT counts FROM disposals").fetchone()[0])

    kept = [{"note": note, "matter": "A-2", "messages": 1, "ids": [first_id]}]
    assert (details["kept_notes"], details["inherited"]) == (kept, [])
    assert (counts["kept_notes"], counts["inherited"]) == (kept, [])
    text = _pdf_text(tmp_path / "c1.pdf")
    assert (
        f"kept because a note of another matter concerns them: note {note} of matter A-2, 1 (their ids: Appendix C)."
        in text
    )
    assert (
        f"Appendix C: messages kept for a note of another matter number, note and its matter, message id 1 note {note} of A-2 {first_id}"
        in text
    )


def test_the_dry_run_names_the_kept_messages_by_their_numbers(cli, archive, tmp_path):
    first, _ = exports(tmp_path)
    steps(
        cli,
        ("client", "add", "Sam Client", "--phone", "+12025550143"),
        ("matter", "open", "A-1", "--client", "Sam Client", "--title", "Lease"),
        ("import", first),
        ("matter", "open", "A-2", "--client", "Sam Client", "--title", "Deposit"),
    )
    conn = archive.conn
    sam = conn.execute("SELECT id FROM conversations WHERE source_key LIKE '%0143%'").fetchone()[0]
    ids = [r[0] for r in conn.execute("SELECT id FROM messages WHERE conversation_id = ? ORDER BY sent_at", (sam,))]
    steps(
        cli,
        ("file", sam, "--matter", "A-2"),
        ("note", "add", "A-2", "Deposit asked for", "--about", ids[1][:12], "--about", ids[2][:12]),
        ("unfile", sam, "--matter", "A-2"),
        ("retention", "set", "--years", "0"),
        ("matter", "close", "A-1"),
        ("matter", "close", "A-2"),
    )
    note = conn.execute("SELECT id FROM notes").fetchone()[0]

    preview = cli("dispose", "A-1")
    done = cli("dispose", "A-1", "--confirm", "--out", tmp_path / "c1.pdf")

    assert preview.output.splitlines()[0] == (
        f"Matter A-1 (Sam Client) would be disposed of: {len(ids) - 2} messages deleted, 0 kept as filed to another"
        f" matter, 2 kept as another matter's note concerns them (note {note} of matter A-2: 2, #{sam}.2, #{sam}.3)."
    )
    assert done.output.splitlines()[0] == (
        f"Matter A-1 (Sam Client) was disposed of: {len(ids) - 2} messages deleted, 0 kept as filed to another"
        f" matter, 2 kept as another matter's note concerns them (note {note} of matter A-2: 2, now #{sam}.1, #{sam}.2)."
    )


def test_messages_kept_for_a_note_go_when_its_matter_is_disposed_of(cli, archive, archive_path, tmp_path):
    sam, first_id, note = _kept_for_a_2(cli, archive, tmp_path)
    conn = archive.conn
    first_record = conn.execute("SELECT * FROM disposals WHERE id = 1").fetchone()
    body = conn.execute("SELECT body FROM messages WHERE id = ?", (first_id,)).fetchone()[0]

    preview = cli("dispose", "A-2")
    done = cli("dispose", "A-2", "--confirm", "--out", tmp_path / "c2.pdf", "--json")

    assert preview.output.splitlines()[:2] == [
        "Matter A-2 (Sam Client) would be disposed of: 1 messages deleted, 0 kept as filed to another matter.",
        f"  Of them, 1 message matter A-1 kept for note {note} of this matter (#{sam}.1): no live matter holds them any more.",
    ]
    result = json.loads(done.output)
    assert (result["messages"], result["kept"], result["kept_notes"], result["inherited"]) == (
        1,
        0,
        [],
        [{"disposal": 1, "matter": "A-1", "note": note, "messages": 1, "ids": [first_id]}],
    )
    assert conn.execute("SELECT count(*) FROM messages WHERE conversation_id = ?", (sam,)).fetchone()[0] == 0
    assert conn.execute("SELECT id FROM conversations WHERE id = ?", (sam,)).fetchall() == []
    assert [
        tuple(r) for r in conn.execute("SELECT message_id, disposal_id FROM disposed_messages WHERE disposal_id = 2")
    ] == [(first_id, 2)]
    assert tuple(conn.execute("SELECT * FROM disposals WHERE id = 1").fetchone()) == tuple(first_record)
    assert body.encode() not in archive_path.read_bytes()
    text = _pdf_text(tmp_path / "c2.pdf")
    assert f"1 message matter A-1 kept for note {note} of this matter (their ids: Appendix D)." in text
    assert f"1 A-1 note {note} {first_id}" in text
    for args in (("verify",), ("verify", tmp_path / "c1.pdf"), ("verify", tmp_path / "c2.pdf")):
        assert cli(*args).exit_code == 0, (args, cli(*args).output)


def test_a_live_matter_still_holding_them_keeps_them(cli, archive, tmp_path):
    sam, first_id, note = _kept_for_a_2(cli, archive, tmp_path)
    conn = archive.conn
    steps(
        cli,
        ("matter", "open", "A-3", "--client", "Sam Client", "--title", "Appeal"),
        ("file", sam, "--matter", "A-3"),
    )

    refused = cli("dispose", "A-2")
    steps(cli, ("note", "add", "A-3", "Deposit again", "--about", first_id[:12]), ("unfile", sam, "--matter", "A-3"))
    note_3 = conn.execute("SELECT max(id) FROM notes").fetchone()[0]
    second = json.loads(cli("dispose", "A-2", "--confirm", "--out", tmp_path / "c2.pdf", "--json").output)
    steps(cli, ("matter", "close", "A-3"))
    third = json.loads(cli("dispose", "A-3", "--confirm", "--out", tmp_path / "c3.pdf", "--json").output)

    assert refused.exit_code != 0
    assert f"conversation {sam} is also filed to matter A-3, which is open" in refused.output
    assert (second["messages"], second["kept_notes"], second["inherited"]) == (
        0,
        [{"note": note_3, "matter": "A-3", "messages": 1, "ids": [first_id]}],
        [],
    )
    assert (third["messages"], third["inherited"]) == (
        1,
        [{"disposal": 2, "matter": "A-2", "note": note_3, "messages": 1, "ids": [first_id]}],
    )
    assert conn.execute("SELECT count(*) FROM messages WHERE conversation_id = ?", (sam,)).fetchone()[0] == 0
    assert cli("verify").exit_code == 0


def test_a_whatsapp_file_of_a_disposed_chat_is_said_as_skipped_only(cli, archive, tmp_path):
    import zipfile

    from conftest import FIXTURES

    export = tmp_path / "WhatsApp Chat - Dana Reyes.zip"
    with (
        zipfile.ZipFile(FIXTURES / "whatsapp" / "demo" / export.name) as given,
        zipfile.ZipFile(export, "w") as made,
    ):
        for member in given.infolist():
            made.writestr(member, given.read(member))
        made.writestr("00000009-DOC-extra.txt", "extra bytes no line names")
    steps(
        cli,
        ("client", "add", "Dana Reyes", "--phone", "202-555-0191"),
        ("matter", "open", "D-1", "--client", "Dana Reyes", "--title", "d1"),
    )
    [first] = json.loads(cli("import", "--tz", "America/New_York", export, "--json").output)
    steps(
        cli,
        ("file", "1", "--matter", "D-1"),
        ("matter", "close", "D-1"),
        ("retention", "set", "--years", "0"),
        ("dispose", "D-1", "--confirm", "--out", tmp_path / "d1.pdf"),
    )

    [again] = json.loads(cli("import", "--tz", "America/New_York", export, "--json").output)

    said = (
        f"{export.name}: 1 file in the export named by no message ('00000009-DOC-extra.txt'): kept as files of the chat"
    )
    assert [w for w in first["warnings"] if "named by no message" in w] == [
        said + ", with no time or sender; transcripts list them at the end"
    ]
    assert again["skipped"] == {"disposed of": 8, "file named by no message, of a conversation disposed of": 1}
    assert [w for w in again["warnings"] if "named by no message" in w] == []
