"""Issue 14, point 2: messages changed, deleted or added outside textfile are caught by `verify`,
even when the person doing it recomputes the content hash with textfile's own function: each
import's messages and versions add up to the digest its sealed audit entry recorded."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import time
from pathlib import Path

import pytest
from conftest import FIXTURES

from textfile import audit
from textfile.archive import Archive
from textfile.ingest import message_content_hash

SMS_WEEK1, SMS_WEEK2 = FIXTURES / "android" / "sms-20240301.xml", FIXTURES / "android" / "sms-20240308.xml"
KIM = FIXTURES / "whatsapp" / "WhatsApp Chat with Kim.txt"


@pytest.fixture
def imported(cli, archive_path):
    for export in (SMS_WEEK1, SMS_WEEK2, KIM):
        assert cli("import", export, "--quiet").exit_code == 0
    assert cli("verify").exit_code == 0
    return sqlite3.connect(archive_path)  # the tamperer's own connection: none of textfile's


def problems(cli) -> list[str]:
    r = cli("verify", "--json")
    assert r.exit_code == 3, r.output
    return json.loads(r.stdout)["problems"]


def broken(import_id: int, counts: str) -> str:
    return (
        f"import {import_id}: its messages and versions no longer add up to what the audit log recorded ({counts}): they were"
        " changed, deleted or added outside textfile"
    )


def custody_broken(import_id: int, counts: str) -> str:
    return (
        f"import {import_id}: where it found its messages no longer adds up to what the audit log recorded ({counts}):"
        " a message's place in its source, or a sighting of it, was changed, deleted or added outside textfile"
    )


def sightings(conn, import_id: int) -> int:
    return conn.execute("SELECT count(*) FROM message_sources WHERE import_id = ?", (import_id,)).fetchone()[0]


def records_broken(table: str, counts: str) -> str:
    return f"the archive's {table} no longer add up to what the audit log recorded ({counts}): changed outside textfile"


def recompute(conn, message_id: str) -> None:
    """What someone holding the archive and textfile's public function does after editing a row."""
    row = conn.execute(
        "SELECT m.sent_at, m.direction, m.kind, p.handle, m.body, m.status, m.duration_s, m.flags, m.reply_to"
        " FROM messages m LEFT JOIN participants p ON p.id = m.sender_id WHERE m.id = ?",
        (message_id,),
    ).fetchone()
    attachments = conn.execute(
        "SELECT position, file_name, mime, blob_sha256, missing_reason FROM message_attachments WHERE message_id = ?"
        " ORDER BY position",
        (message_id,),
    ).fetchall()
    conn.execute(
        "UPDATE messages SET content_hash = ? WHERE id = ?", (message_content_hash(*row, attachments), message_id)
    )
    conn.commit()


def test_every_import_records_the_digest_of_what_it_brought(cli, archive_path, imported):
    with Archive.open(archive_path) as archive:
        entries = [e for e in audit.entries(archive.conn) if e["command"] == "import"]
        assert [sorted(e["details"]["digests"]) for e in entries] == [["1"], ["1", "2"], ["3"]] or [
            sorted(e["details"]["digests"]) for e in entries
        ] == [["1"], ["2"], ["3"]]
        current = audit.current_digests(archive.conn)
        assert audit.recorded_digests(archive.conn) == current
        counts = {
            i: archive.conn.execute("SELECT count(*) FROM messages WHERE import_id = ?", (i,)).fetchone()[0]
            for i in current
        }
        assert {i: d["messages"] for i, d in current.items()} == counts and all(
            len(d["digest"]) == 512 for d in current.values()
        )


def test_a_message_deleted_with_its_rows_and_the_count_lowered_is_caught(cli, imported):
    conn = imported
    gone, import_id = conn.execute(
        "SELECT id, import_id FROM messages WHERE body LIKE '%' ORDER BY sent_at LIMIT 1"
    ).fetchone()
    seen = dict(
        conn.execute("SELECT import_id, count(*) FROM message_sources WHERE message_id = ? GROUP BY 1", (gone,))
    )
    held = {i: sightings(conn, i) for i in seen}
    for table, column in (
        ("message_sightings", "message_id"),  # (its first sighting goes with its row: m031)
        ("message_attachments", "message_id"),
        ("reactions", "message_id"),
        ("message_versions", "message_id"),
        ("message_aliases", "message_id"),
        ("messages", "id"),
    ):
        conn.execute(f"DELETE FROM {table} WHERE {column} = ?", (gone,))
    conn.execute("UPDATE imports SET added = added - 1 WHERE id = ?", (import_id,))
    conn.commit()
    n = conn.execute("SELECT count(*) FROM messages WHERE import_id = ?", (import_id,)).fetchone()[0]
    assert (import_id, seen) == (3, {3: 1})  # (Kim's first message: its own import's sighting only)
    assert problems(cli) == [
        broken(import_id, f"{n + 1} messages recorded, {n:,} now"),
        *(custody_broken(i, f"{held[i]} sightings recorded, {held[i] - 1:,} now") for i in sorted(seen)),
        records_broken("imports", "same number of rows, other content"),
    ]


def test_a_body_edited_with_its_content_hash_recomputed_is_caught(cli, imported):
    conn = imported
    target, import_id = conn.execute(
        "SELECT id, import_id FROM messages WHERE body <> '' ORDER BY sent_at DESC LIMIT 1"
    ).fetchone()
    conn.execute("UPDATE messages SET body = 'I will give you custody' WHERE id = ?", (target,))
    recompute(conn, target)
    assert problems(cli) == [broken(import_id, "same number, other content")]


def test_a_message_moved_to_another_import_is_caught(cli, imported):
    conn = imported
    target = conn.execute("SELECT id FROM messages WHERE import_id = 3 LIMIT 1").fetchone()[0]
    conn.execute("UPDATE messages SET import_id = 1 WHERE id = ?", (target,))
    conn.commit()
    assert [p.split(":")[0] for p in problems(cli)] == ["import 1", "import 3"] * 2  # (its messages, its sightings)


def test_a_forged_message_with_its_sources_and_count_is_caught(cli, imported):
    conn = imported
    row = conn.execute("SELECT * FROM messages WHERE import_id = 3 LIMIT 1").fetchone()
    columns = [c[1] for c in conn.execute("PRAGMA table_info(messages)")]
    forged = dict(zip(columns, row), id="f" * 64, body="You can have the house", sent_at="2024-03-05T10:00:00.000Z")
    forged["source_ref"] = "forged"  # (its sighting in import 3: a message's first is its own row's, m031)
    conn.execute(
        f"INSERT INTO messages ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
        [forged[c] for c in columns],
    )
    conn.execute("UPDATE imports SET added = added + 1 WHERE id = 3")
    conn.commit()
    recompute(conn, forged["id"])
    n = conn.execute("SELECT count(*) FROM messages WHERE import_id = 3").fetchone()[0]
    s = sightings(conn, 3)
    assert problems(cli) == [
        broken(3, f"{n - 1} messages recorded, {n:,} now"),
        custody_broken(3, f"{s - 1} sightings recorded, {s:,} now"),
        records_broken("imports", "same number of rows, other content"),
    ]


# -- the chain of custody (where each import found each message: its sightings, m031): its own digest --

SEEN_AGAIN = "SELECT message_id, source_ref FROM message_sightings WHERE import_id = 2 ORDER BY message_id LIMIT 1"
OTHER = "other messages or places"


@pytest.mark.parametrize(
    "edit, said",
    [
        (  # a message's first sighting moved to another place in its source
            lambda c, first, again: c.execute("UPDATE messages SET source_ref = 'sms 99' WHERE id = ?", (first,)),
            lambda n: [custody_broken(1, f"same number, {OTHER}")],
        ),
        (  # a later sighting deleted
            lambda c, first, again: c.execute(
                "DELETE FROM message_sightings WHERE message_id = ? AND import_id = 2", (again,)
            ),
            lambda n: [custody_broken(2, f"{n[2]:,} sightings recorded, {n[2] - 1:,} now")],
        ),
        (  # a sighting added: the first export said to hold a message a second time
            lambda c, first, again: c.execute("INSERT INTO message_sightings VALUES (?, 1, 'sms 77')", (again,)),
            lambda n: [custody_broken(1, f"{n[1]:,} sightings recorded, {n[1] + 1:,} now")],
        ),
        (  # a later sighting's place changed
            lambda c, first, again: c.execute(
                "UPDATE message_sightings SET source_ref = 'sms 98' WHERE message_id = ? AND import_id = 2", (again,)
            ),
            lambda n: [custody_broken(2, f"same number, {OTHER}")],
        ),
        (  # a later sighting given to another import
            lambda c, first, again: c.execute(
                "UPDATE message_sightings SET import_id = 3 WHERE message_id = ? AND import_id = 2", (again,)
            ),
            lambda n: [
                custody_broken(2, f"{n[2]:,} sightings recorded, {n[2] - 1:,} now"),
                custody_broken(3, f"{n[3]:,} sightings recorded, {n[3] + 1:,} now"),
            ],
        ),
    ],
    ids=["first-place-changed", "later-deleted", "added", "later-place-changed", "later-moved-to-another-import"],
)
def test_where_an_import_found_a_message_changed_outside_textfile_is_caught(cli, imported, edit, said):
    conn = imported
    (first,) = conn.execute("SELECT id FROM messages WHERE import_id = 1 ORDER BY id LIMIT 1").fetchone()
    again, _ = conn.execute(SEEN_AGAIN).fetchone()
    n = {i: sightings(conn, i) for i in (1, 2, 3)}
    assert (n[1], n[2] > 0) == (conn.execute("SELECT added FROM imports WHERE id = 1").fetchone()[0], True)
    edit(conn, first, again)
    conn.commit()
    assert problems(cli) == said(n)


def test_every_import_records_where_it_found_its_messages(cli, archive_path, imported):
    """Each import's entry records the digest of its sightings (the re-import's: its later ones), as `verify`
    recomputes them from the rows."""
    with Archive.open(archive_path) as archive:
        entries = [e.details for e in audit.entries(archive.conn, command="import")]
        assert [sorted(d["custody"]) for d in entries] == [["1"], ["2"], ["3"]]
        current = audit.current_custody(archive.conn)
        assert (
            audit.recorded_custody(archive.conn)
            == current
            == {int(i): d["custody"][i] for d in entries for i in d["custody"]}
        )
        assert {i: d["sightings"] for i, d in current.items()} == {
            i: n
            for i, n in archive.conn.execute("SELECT import_id, count(*) FROM message_sources GROUP BY 1 ORDER BY 1")
        }


def export_text(lines) -> str:
    return "".join(f"{at} - {who}: {text}\n" for at, who, text in lines)


@pytest.fixture
def edited(cli, tmp_path, archive_path):
    """A WhatsApp chat exported twice, one message edited between the exports, then read again in
    another zone (--corrects-tz): versions from two imports."""
    first = tmp_path / "WhatsApp Chat with Sam.txt"
    first.write_text(
        export_text([("3/1/24, 09:00", "Sam", "Can we meet Tuesday?"), ("3/1/24, 09:05", "Alex Owner", "Yes")])
    )
    assert cli("import", first, "--me", "Alex Owner", "--tz", "America/New_York", "--quiet").exit_code == 0
    second = tmp_path / "week2" / first.name
    second.parent.mkdir()
    second.write_text(
        export_text(
            [
                ("3/1/24, 09:00", "Sam", "Can we meet Wednesday? <This message was edited>"),
                ("3/1/24, 09:05", "Alex Owner", "Yes"),
                ("3/2/24, 10:00", "Sam", "Thanks"),
            ]
        )
    )
    assert cli("import", second, "--quiet").exit_code == 0
    assert cli("import", second, "--tz", "America/Chicago", "--corrects-tz", "--quiet").exit_code == 0
    return sqlite3.connect(archive_path)


def test_the_digests_hold_through_versions_and_corrections(cli, archive_path, edited):
    with Archive.open(archive_path) as archive:
        assert {r[0] for r in archive.conn.execute("SELECT import_id FROM message_versions")} == {2, 3}
        assert audit.recorded_digests(archive.conn) == audit.current_digests(archive.conn)
        digested = [
            sorted(e["details"].get("digests", {})) for e in audit.entries(archive.conn) if e["command"] == "import"
        ]
        assert digested == [
            ["1"],
            ["1", "2"],
            ["1", "2", "3"],
        ]  # each names the imports whose messages or versions it changed
    r = cli("verify")
    assert r.exit_code == 0, r.output


def test_an_earlier_version_edited_is_caught(cli, edited):
    conn = edited
    message_id, version, import_id = conn.execute(
        "SELECT message_id, version, import_id FROM message_versions ORDER BY rowid"
    ).fetchone()
    conn.execute(
        "UPDATE message_versions SET body = 'nothing was said' WHERE message_id = ? AND version = ?",
        (message_id, version),
    )
    conn.commit()
    assert problems(cli) == [broken(import_id, "same number, other content")]


def test_an_archive_made_before_digests_gets_them_when_first_opened(own_config, archive, archive_path):
    from conftest import ingest_records, msg, unwatch

    ingest_records(archive, [msg(1, "one"), msg(2, "two")])
    with archive.transaction() as conn:  # as an archive made before m015 left it
        unwatch(conn)
        conn.execute("ALTER TABLE audit_log DROP COLUMN seal")
        conn.execute("ALTER TABLE settings DROP COLUMN key_id")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm015_sealed_audit_log_and_digests'")
        entries = conn.execute("SELECT id, at, command, details FROM audit_log ORDER BY id").fetchall()
        conn.execute("DELETE FROM audit_log")
        prev = audit.GENESIS
        for e in entries:  # the entries as that version wrote them: no digests
            details = json.dumps(
                {k: v for k, v in json.loads(e["details"]).items() if k != "digests"}, separators=(",", ":")
            )
            digest = audit.entry_hash(prev, e["at"], e["command"], details)
            conn.execute(
                "INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?)",
                (e["id"], e["at"], e["command"], details, prev, digest),
            )
            prev = digest
    archive.close()
    import shutil

    shutil.rmtree(own_config)
    with Archive.open(archive_path) as reopened:
        entries = audit.entries(reopened.conn)
        assert [e["command"] for e in entries][-3:] == [
            "audit log sealed",
            "migration: message digests recorded",
            "migration: record digests recorded",
        ]
        assert entries[-2]["details"]["digests"] == {"1": audit.current_digests(reopened.conn)[1]}
        assert entries[-2]["details"]["digests"]["1"]["messages"] == 2
        assert entries[-1]["details"]["records"] == audit.current_records(reopened.conn)
        assert audit.verify(reopened.conn) == [] and audit.check_digests(reopened.conn) == []
        assert (own_config / "key").exists() and audit.head_path(reopened.settings.archive_id, archive_path).exists()


# -- the head kept outside the archive: transcripts and the weekly log -----------------------------


def test_a_transcript_and_the_weekly_log_catch_entries_cut_from_the_end(own_config, cli, archive_path, tmp_path):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    (inbox / SMS_WEEK1.name).write_bytes(SMS_WEEK1.read_bytes())
    os.utime(inbox / SMS_WEEK1.name, (time.time() - 3600,) * 2)  # (a file still being written waits for the next run)
    assert cli("client", "add", "Sam Client", "--phone", "+12025550143").exit_code == 0
    assert cli("matter", "open", "2026-001", "--client", "Sam Client", "--title", "Lease").exit_code == 0
    r = cli("archive", "--mkdir", inbox, "--out", out, "--json")
    assert r.exit_code == 0, r.output
    run = json.loads(r.stdout)
    [pdf] = [Path(x["path"]) for x in run["rendered"]]
    log = archive_path.with_name(archive_path.name + ".log")
    assert (
        log.read_text()
        .splitlines()[-1]
        .endswith(
            f"  audit log of archive {run['audit_head']['archive']}: entry {run['audit_head']['entry']},"
            f" hash {run['audit_head']['hash']}"
        )
    )
    manifest_head = json.loads(__import__("textfile.transcript.manifest", fromlist=["read"]).read(pdf))["audit_head"]
    assert cli("verify").exit_code == 0 and cli("verify", pdf).exit_code == 0
    conn = sqlite3.connect(archive_path)
    conn.execute(
        "DELETE FROM audit_log WHERE id >= ?", (manifest_head["entry"],)
    )  # the transcript's own entry and all after
    conn.commit()
    audit.head_path(
        conn.execute("SELECT archive_id FROM settings").fetchone()[0], archive_path
    ).unlink()  # and this machine's record too
    last = manifest_head["entry"] - 1
    r = cli("verify", pdf, "--json")
    assert r.exit_code == 3 and json.loads(r.stdout)[0]["problems"][0] == (
        f"its manifest records audit entry {manifest_head['entry']}, but the audit log ends at entry {last}: entries were removed"
        " (or this is an older copy of the archive: if it was put back on purpose, `textfile verify --accept-older-copy` records that)"
    )
    found = problems(cli)
    assert (
        f"the weekly log ({log}, line {len(log.read_text().splitlines())}) records audit entry {run['audit_head']['entry']}, but the"
        f" audit log ends at entry {last}: entries were removed (or this is an older copy of the archive: if it was put back on purpose, `textfile verify --accept-older-copy` records that)"
        in found
    )


def test_the_log_table_says_digests_briefly_and_json_whole(cli, imported):
    from textfile.cli.report import _digests_said

    assert not re.search(r"[0-9a-f]{65}", cli("log").stdout)
    [entry] = [e for e in json.loads(cli("log", "--json").stdout) if e["details"].get("import_id") == 3]
    assert (
        _digests_said(entry["details"]["digests"])
        == f"{{import 3: {entry['details']['added']} messages, 0 versions, {entry['details']['digests']['3']['digest'][:12]}…}}"
    )
    [entry] = [e for e in json.loads(cli("log", "--json").stdout) if e["details"].get("import_id") == 3]
    assert len(entry["details"]["digests"]["3"]["digest"]) == 512


# -- the second reader's walk: what an ordinary change, a cleared record or a rewritten row must not hide --


def test_an_ordinary_change_after_entries_were_cut_does_not_clear_them(cli, archive_path, imported):
    conn = imported
    backup = sqlite3.connect(":memory:")
    conn.backup(backup)  # (a backup from before the last change, put back after it)
    assert cli("client", "add", "Zed", "--phone", "+12025550166").exit_code == 0  # (its entry, and the review scan's)
    cut = backup.execute("SELECT max(id) FROM audit_log").fetchone()[0] + 1
    assert [c for (c,) in conn.execute("SELECT command FROM audit_log WHERE id >= ? ORDER BY id", (cut,))] == [
        "client add",
        "review scan",
    ]
    (last,) = conn.execute("SELECT max(id) FROM audit_log").fetchone()  # (the head this machine records)
    backup.backup(conn)
    assert any("entries were removed" in p for p in problems(cli))
    assert cli("client", "add", "Pat", "--phone", "+12025550177").exit_code == 0  # a week's ordinary work goes on
    # and the loss is still said: that entry's number is now another entry's
    found = problems(cli)
    assert any(f"records audit entry {last} with hash" in p and "the audit log was rewritten" in p for p in found), (
        found
    )
    r = cli("verify", "--accept-older-copy")  # until a person records it as an older copy put back
    assert r.exit_code == 0 and r.stdout.startswith(
        f"Recorded in the audit log: this archive is an older copy put back on purpose; it does not hold audit entry {last} as recorded before."
    ), r.output
    assert cli("verify").exit_code == 0
    [entry] = [e for e in json.loads(cli("log", "--json").stdout) if e["command"] == "older copy accepted"]
    assert [m["entry"] for m in entry["details"]["missing"]] == [last] and entry["details"]["by"]


def test_the_archives_record_of_its_key_cleared_or_its_id_changed_is_caught(cli, archive_path, imported):
    conn = imported
    kid = conn.execute("SELECT key_id FROM settings").fetchone()[0]
    conn.execute("UPDATE settings SET key_id = NULL")
    conn.commit()
    found = problems(cli)
    assert (
        "the archive records no key, but it was sealed (its audit entries carry seals, or this version opened it): its record of"
        " the key was removed" in found
    )
    assert any(
        p.endswith(
            f"recorded the archive as sealed with key {kid}, but it now records no key: its record of the key was changed"
        )
        for p in found
    )
    conn.execute("UPDATE settings SET key_id = ?, archive_id = 'another-archive'", (kid,))
    conn.commit()
    assert any("its identity was changed, or another file was put in its place" in p for p in problems(cli))


def test_a_transcript_row_rewritten_to_match_an_altered_file_is_caught(cli, archive_path, tmp_path):
    assert cli("import", SMS_WEEK1, "--quiet").exit_code == 0
    assert cli("client", "add", "Sam Client", "--phone", "+12025550143").exit_code == 0
    assert cli("matter", "open", "2026-001", "--client", "Sam Client", "--title", "Lease").exit_code == 0
    made = json.loads(cli("transcript", "2026-001", "--out-dir", tmp_path, "--json").stdout)
    pdf = Path(made["path"])
    pdf.write_bytes(pdf.read_bytes().replace(b"%%EOF", b"%%EOF\n% altered"))
    from textfile.fingerprint import file_sha256

    conn = sqlite3.connect(archive_path)
    conn.execute("UPDATE transcripts SET pdf_sha256 = ?", (file_sha256(pdf),))
    conn.commit()
    said = "transcript 1 ({}): its pdf_sha256 differs from what its audit entry recorded: the record was changed outside textfile"
    assert said.format(pdf) in problems(cli)
    r = cli("verify", pdf, "--json")
    assert r.exit_code == 3 and said.format(pdf) in json.loads(r.stdout)[0]["problems"]


def test_verify_of_a_transcript_fails_when_the_archives_own_record_does_not_hold(
    own_config, cli, archive_path, tmp_path
):
    assert cli("import", SMS_WEEK1, "--quiet").exit_code == 0
    assert cli("client", "add", "Sam Client", "--phone", "+12025550143").exit_code == 0
    assert cli("matter", "open", "2026-001", "--client", "Sam Client", "--title", "Lease").exit_code == 0
    pdf = json.loads(cli("transcript", "2026-001", "--out-dir", tmp_path, "--json").stdout)["path"]
    assert cli("verify", pdf).exit_code == 0
    (own_config / "key").rename(own_config / "elsewhere")
    r = cli("verify", pdf, "--json")
    [report] = json.loads(r.stdout)
    assert (
        r.exit_code == 3
        and report["matches"] is None
        and report["problems"][0].startswith(f"the archive's audit log: {own_config / 'key'}: no key")
    )


def test_without_the_key_a_transcript_is_refused_before_it_is_rendered(
    own_config, cli, archive_path, tmp_path, monkeypatch
):
    assert cli("import", SMS_WEEK1, "--quiet").exit_code == 0
    assert cli("client", "add", "Sam Client", "--phone", "+12025550143").exit_code == 0
    assert cli("matter", "open", "2026-001", "--client", "Sam Client", "--title", "Lease").exit_code == 0
    (own_config / "key").unlink()
    from textfile.transcript import content

    monkeypatch.setattr(
        content, "plan", lambda *a, **k: pytest.fail("the matter was read before the key was looked for")
    )
    r = cli("transcript", "2026-001", "--mkdir", "--out-dir", tmp_path / "out")
    assert (
        r.exit_code == 1
        and r.stderr.startswith(f"Error: {own_config / 'key'}: no key is there")
        and not (tmp_path / "out").exists()
    )


def test_a_new_archive_where_another_was_inherits_nothing_of_it(bare_cli, tmp_path, monkeypatch):
    where = tmp_path / "office" / "archive.db"
    monkeypatch.setenv("TEXTFILE_ARCHIVE", str(where))
    init = ("init", "--owner", "Alex Owner", "--tz", "America/New_York", "--region", "US", "--bates-prefix", "A")
    assert bare_cli(*init).exit_code == 0
    assert bare_cli("client", "add", "Sam", "--phone", "+12025550143").exit_code == 0
    with open(f"{where}.log", "a") as log:  # as a weekly run of the old archive left it
        log.write("2026-12-01T00:00:00.000Z   audit log of archive 0000: entry 9, hash " + "a" * 64 + "\n")
    where.unlink()
    assert bare_cli(*init).exit_code == 0
    r = bare_cli("verify")
    assert r.exit_code == 0, r.output


def test_a_damaged_head_file_is_said_not_crashed_on(cli, archive_path, imported):
    from textfile.archive import Archive

    with Archive.open(archive_path) as archive:
        path = audit.head_path(archive.settings.archive_id, archive_path)
    path.write_text('{"entry": "x"}')
    assert problems(cli) == [f"{path}: this machine's record of the audit log's last entry cannot be read"]


def test_the_weekly_run_adds_up_every_imports_digest(cli, archive_path, imported, tmp_path):
    conn = imported
    conn.execute(
        "UPDATE messages SET body = 'x', content_hash = content_hash WHERE rowid = (SELECT min(rowid) FROM messages)"
    )
    target = conn.execute("SELECT id FROM messages WHERE rowid = (SELECT min(rowid) FROM messages)").fetchone()[0]
    recompute(conn, target)
    (tmp_path / "inbox").mkdir()
    r = cli("archive", "--mkdir", tmp_path / "inbox", "--out", tmp_path / "out", "--json")
    assert r.exit_code == 3 and any("no longer add up" in p for p in json.loads(r.stdout)["problems"])


def lift_the_hold_behind_textfiles_back(cli, conn, check: str) -> None:
    """Sam's matter on legal hold, `check` passing, then the hold lifted with sqlite3."""
    assert cli("client", "add", "Sam Client", "--phone", "+12025550143").exit_code == 0
    assert cli("matter", "open", "2026-001", "--client", "Sam Client", "--title", "Lease").exit_code == 0
    assert cli("matter", "hold", "2026-001").exit_code == 0
    assert cli(check).exit_code == 0
    conn.execute("UPDATE matters SET legal_hold = 0")
    conn.commit()


def test_a_legal_hold_lifted_or_a_filing_removed_outside_textfile_is_caught(cli, archive_path, imported):
    conn = imported
    lift_the_hold_behind_textfiles_back(cli, conn, "verify")
    entry = conn.execute("SELECT max(id) FROM audit_log WHERE command = 'matter hold'").fetchone()[0]
    assert problems(cli) == [
        records_broken("matters", "same number of rows, other content"),
        f"matter 2026-001 is not on legal hold, but the audit log put it on hold last (entry {entry}): changed outside textfile",
    ]
    conn.execute("UPDATE matters SET legal_hold = 1")
    filed = conn.execute("SELECT count(*) FROM filings").fetchone()[0]
    assert filed >= 1
    conn.execute("DELETE FROM filings")
    conn.commit()
    assert problems(cli) == [records_broken("filings", f"{filed:,} row{'s' if filed != 1 else ''} recorded, 0 now")]


def _weekly(cli, tmp_path, export):
    inbox = tmp_path / "inbox"
    inbox.mkdir(exist_ok=True)
    (inbox / export.name).write_bytes(export.read_bytes())
    os.utime(inbox / export.name, (time.time() - 3600,) * 2)
    return cli("archive", "--mkdir", inbox, "--out", tmp_path / "out", "--json")


def test_a_restored_backup_is_accepted_with_the_weekly_logs_heads_and_then_the_weekly_run_goes_on(
    cli, archive_path, tmp_path
):
    assert cli("import", SMS_WEEK1, "--quiet").exit_code == 0
    backup = tmp_path / "backup.db"
    with sqlite3.connect(archive_path) as src, sqlite3.connect(backup) as dst:
        src.backup(dst)
    assert _weekly(cli, tmp_path, SMS_WEEK2).exit_code == 0  # a week's run: the log and this machine record its head
    for suffix in ("-wal", "-shm"):
        Path(f"{archive_path}{suffix}").unlink(missing_ok=True)
    backup.replace(archive_path)  # the backup from before it put back
    run = _weekly(cli, tmp_path, KIM)
    assert (
        run.exit_code == 3 and json.loads(run.stdout)["imported"] == []
    )  # nothing new goes into a rolled-back archive
    assert json.loads(run.stdout)["problems"][0].startswith(
        "nothing was imported or rendered: the archive fails its checks"
    )
    assert any("the weekly log" in p for p in problems(cli))
    assert cli("verify", "--accept-older-copy").exit_code == 0
    assert cli("verify").exit_code == 0
    assert _weekly(cli, tmp_path, KIM).exit_code == 0 and cli("verify").exit_code == 0


def test_a_rewritten_log_or_a_removed_key_record_is_not_accepted_as_an_older_copy(cli, archive_path, imported):
    conn = imported
    conn.execute("UPDATE audit_log SET details = replace(details, 'sms-', 'xxx-') WHERE id = 2")
    rows = conn.execute("SELECT id, at, command, details FROM audit_log ORDER BY id").fetchall()
    prev = audit.GENESIS
    for i, at, command, details in rows:  # every hash recomputed, seals left as they were
        digest = audit.entry_hash(prev, at, command, details)
        conn.execute("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?", (prev, digest, i))
        prev = digest
    conn.commit()
    r = cli("verify", "--accept-older-copy")
    assert r.exit_code == 1 and r.stderr.startswith(
        "Error: not accepted: the archive fails more than missing entries ("
    )
    conn.execute("UPDATE audit_log SET seal = NULL")
    conn.execute("UPDATE settings SET key_id = NULL")
    conn.commit()
    r = cli("verify", "--accept-older-copy")
    assert r.exit_code == 1 and "not accepted" in r.stderr and problems(cli)


def test_deletable_says_nothing_is_safe_on_an_archive_that_fails_its_checks(cli, archive_path, imported):
    lift_the_hold_behind_textfiles_back(cli, imported, "deletable")
    r = cli("deletable")
    assert (
        r.exit_code == 3
        and r.stdout == ""
        and r.stderr.startswith(
            f"Error: the archive fails its checks ({records_broken('matters', 'same number of rows, other content')} …): nothing can be said"
            " safe to delete until `textfile verify` passes"
        )
    )


def test_a_hold_is_checked_against_the_audit_logs_last_word_on_it(cli, archive_path, imported):
    """Even where the records' digests were first taken after the change (an archive changed outside
    textfile before this version first opened it), the hold must be what hold/release last said."""
    conn = imported
    lift_the_hold_behind_textfiles_back(cli, conn, "verify")
    entry = conn.execute("SELECT max(id) FROM audit_log WHERE command = 'matter hold'").fetchone()[0]
    assert audit.check_holds(conn) == [
        f"matter 2026-001 is not on legal hold, but the audit log put it on hold last (entry {entry}):"
        " changed outside textfile"
    ]
    assert cli("matter", "hold", "2026-001").exit_code == 0 and cli("matter", "release", "2026-001").exit_code == 0
    # (held and released by hand: the log's last word agrees again)
    assert audit.check_holds(sqlite3.connect(archive_path)) == []


@pytest.mark.parametrize(
    "details",
    ["[1]", '{"digests": 5, "records": "x"}', '{"digests": {"1": {"digest": "zz"}}, "missing": 3}', "not json"],
)
def test_details_written_outside_textfile_are_said_not_crashed_on(cli, imported, details):
    conn = imported
    conn.execute("UPDATE audit_log SET details = ? WHERE id = (SELECT max(id) FROM audit_log)", (details,))
    conn.commit()
    r = cli("verify")
    assert r.exit_code == 3 and "its content does not match its hash" in r.stderr and "internal error" not in r.output
    assert cli("verify", "--accept-older-copy").exit_code == 1


def test_rows_inserted_in_bulk_add_up_as_a_trigger_would_have_added_them(archive):
    """`audit.inserted_in_bulk` (the review scan's new flags): the rows one statement inserts are summed by one
    query after it, to the digest the row trigger gives; the trigger is back after it, whatever happened in it."""
    from conftest import ingest_records, msg

    from textfile.audit.records import recorded_records

    conn = archive.conn
    with archive.transaction():  # (a first entry: the records' digests start from here)
        audit.append(conn, "test", {})
    ingest_records(archive, [msg(n, f"the hearing {n}") for n in range(1, 6)])  # (the scan raises flags in bulk)
    flags = conn.execute("SELECT count(*) FROM review_flags").fetchone()[0]
    assert flags == 5
    assert recorded_records(conn)["review_flags"] == audit.current_records(conn, ("review_flags",))["review_flags"]
    assert audit.check_records(conn) == []

    def trigger() -> bool:
        return (
            conn.execute(
                "SELECT 1 FROM temp.sqlite_master WHERE type = 'trigger' AND name = 'record_review_flags_insert'"
            ).fetchone()
            is not None
        )

    assert trigger()
    with archive.transaction():
        with pytest.raises(sqlite3.IntegrityError):
            with audit.inserted_in_bulk(conn, "review_flags"):
                assert not trigger()
                conn.execute("INSERT INTO review_flags (message_id, rule, raised_at) VALUES ('nobody', 'x', 'now')")
        assert trigger()
        # one row by a plain statement (the trigger's term) and two in bulk, in one entry
        message = conn.execute("SELECT id FROM messages ORDER BY rowid LIMIT 1").fetchone()[0]
        conn.execute("INSERT INTO review_flags (message_id, rule, raised_at) VALUES (?, 'a', 'now')", (message,))
        with audit.inserted_in_bulk(conn, "review_flags"):
            conn.execute(
                "INSERT INTO review_flags (message_id, rule, raised_at) SELECT id, 'b', 'now' FROM messages"
                " ORDER BY rowid LIMIT 2"
            )
        audit.append(conn, "test", {})
    assert recorded_records(conn)["review_flags"] == audit.current_records(conn, ("review_flags",))["review_flags"]
    assert recorded_records(conn)["review_flags"]["rows"] == flags + 3
    assert audit.check_records(conn) == []
