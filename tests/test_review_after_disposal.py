"""A message's row number can be one a disposed message had (SQLite gives a new row the largest number
plus one, and a disposal can delete the largest): the review scan must still read every message an
import brings, so a STOP or a deadline in next week's export is flagged whatever row it lands on."""

from __future__ import annotations

from lifecycle_build import BO, SAM, T, _document, _sms, steps


def test_texts_imported_after_a_disposal_of_the_last_rows_are_reviewed(cli, archive, tmp_path):
    bo, sam, later = tmp_path / "bo.xml", tmp_path / "sam.xml", tmp_path / "later.xml"
    bo.write_text(_document([_sms(BO, T, 1, "betaMARKERone other client", "Bo")]))
    sam.write_text(
        _document([_sms(SAM, T + 60_000 * i, 1, f"alphaMARKER{i} about the lease", "Sam") for i in range(1, 4)])
    )
    later.write_text(
        _document(
            [
                _sms(BO, T + 3_600_000, 1, "The hearing is on Monday", "Bo"),
                _sms(BO, T + 3_660_000, 1, "STOP", "Bo"),
            ]
        )
    )
    steps(
        cli,
        ("client", "add", "Sam Client", "--phone", SAM),
        ("matter", "open", "A-1", "--client", "Sam Client", "--title", "Lease"),
        ("import", bo),
        ("import", sam),  # (the archive's last rows)
        ("retention", "set", "--years", "0"),
        ("matter", "close", "A-1"),
        ("dispose", "A-1", "--confirm", "--out", tmp_path / "cert.pdf"),
        ("import", later),
    )
    conn = archive.conn
    rows = dict(conn.execute("SELECT body, rowid FROM messages"))
    (scanned_to,) = conn.execute("SELECT scanned_to FROM review_settings").fetchone()
    flagged = {
        (body, rule)
        for body, rule in conn.execute(
            "SELECT m.body, f.rule FROM review_flags f JOIN messages m ON m.id = f.message_id WHERE f.state = 'open'"
        )
    }
    assert ("The hearing is on Monday", "deadlines") in flagged, (rows, scanned_to, flagged)
    assert ("STOP", "opt_out") in flagged, (rows, scanned_to, flagged)
    assert [tuple(r) for r in conn.execute("SELECT handle, change, keyword FROM opt_outs")] == [(BO, "out", "STOP")]
    assert rows["The hearing is on Monday"] <= scanned_to  # (the number a disposed message had: the case)


def _as_the_previous_release_read(conn, since_import: int, scanned_to: int) -> int:
    """scan._edited as it was before m032: the messages an import since changed, not those it added."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS review_edited (rowid INTEGER PRIMARY KEY)")
    conn.execute("DELETE FROM temp.review_edited")
    if not scanned_to:
        return 0
    conn.execute(
        "INSERT OR IGNORE INTO temp.review_edited SELECT m.rowid FROM message_versions v"
        " CROSS JOIN messages m ON m.id = v.message_id WHERE v.import_id > ? AND m.rowid <= ?",
        (since_import, scanned_to),
    )
    return conn.execute("SELECT count(*) FROM temp.review_edited").fetchone()[0]


def test_m032_has_an_archive_with_a_disposal_read_again(cli, archive, archive_path, tmp_path, monkeypatch):
    """What the previous release left unread (a text on a disposed message's number) is reviewed by the next
    scan after the archive is opened with this one; the migration is audited and `verify` stays green."""
    import sqlite3

    from textfile.review import scan

    bo, sam, later = tmp_path / "bo.xml", tmp_path / "sam.xml", tmp_path / "later.xml"
    bo.write_text(_document([_sms(BO, T, 1, "betaMARKERone other client", "Bo")]))
    sam.write_text(_document([_sms(SAM, T + 60_000, 1, "alphaMARKER about the lease", "Sam")]))
    later.write_text(_document([_sms(BO, T + 3_600_000, 1, "The hearing is on Monday", "Bo")]))
    monkeypatch.setattr(scan, "_edited", _as_the_previous_release_read)
    steps(
        cli,
        ("client", "add", "Sam Client", "--phone", SAM),
        ("matter", "open", "A-1", "--client", "Sam Client", "--title", "Lease"),
        ("import", bo),
        ("import", sam),
        ("retention", "set", "--years", "0"),
        ("matter", "close", "A-1"),
        ("dispose", "A-1", "--confirm", "--out", tmp_path / "cert.pdf"),
        ("import", later),
    )
    unread = (
        "SELECT count(*) FROM review_flags f JOIN messages m ON m.id = f.message_id WHERE m.body LIKE 'The hearing%'"
    )
    assert archive.conn.execute(unread).fetchone()[0] == 0  # (the defect, as the previous release left it)
    monkeypatch.undo()
    archive.close()
    raw = sqlite3.connect(archive_path)
    raw.execute("DELETE FROM _sqlite_migrations WHERE name = 'm032_review_reads_rows_numbered_again'")
    raw.commit()
    raw.close()

    reviewed = cli("review")

    assert reviewed.exit_code == 0, reviewed.output
    assert "The hearing is on Monday" in reviewed.output
    raw = sqlite3.connect(archive_path)
    assert raw.execute(unread).fetchone()[0] == 1
    commands = [c for (c,) in raw.execute("SELECT command FROM audit_log ORDER BY id")]
    assert commands[-2:] == ["migration: review reads every message again", "review scan"]
    raw.close()
    verified = cli("verify")
    assert verified.exit_code == 0, verified.output
