"""A note added by mistake is withdrawn (`note withdraw N --reason`): kept on the record with every version
(`note show`, `note list --withdrawn`), left out of `note list`, of `note list --missing` (an exchange whose only
note is withdrawn has none), of transcripts' notes and privilege logs and of productions' privilege logs;
audited; refused twice. A transcript or production made before it still verifies; `produce --again` of one names
the files that now come out otherwise (exit 3). An archive made before m034 migrates and verifies."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT, ingest_records, msg
from earlier_release import INIT, run, textfile_of

from textfile import audit, times
from textfile.fingerprint import sha256_text
from textfile.produce.check import verify_production
from textfile.transcript import manifest

NY = times.zone("America/New_York")
WHY = "added to the wrong matter: it is about M-2"
ADVICE = "Advised Sam to keep paying rent into escrow."


@pytest.fixture
def noted(cli, archive):
    """Sam Client's matters M-1 and M-2, ten texts both ways (conversation 1) filed to both, and note 1,
    privileged, about #1.2, added to M-1 by mistake."""
    assert cli("client", "add", "Sam Client", "--phone", "+12025550143").exit_code == 0
    for reference in ("M-1", "M-2"):
        assert cli("matter", "open", reference, "--client", "Sam Client", "--title", "Lease").exit_code == 0
    ingest_records(archive, [msg(n, out=n % 2 == 0) for n in range(1, 11)])
    for reference in ("M-1", "M-2"):
        r = cli("file", "1", "--matter", reference)
        assert r.exit_code == 0, r.output
    r = cli("note", "add", "M-1", ADVICE, "--about", "#1.2", "--privileged")
    assert r.exit_code == 0, r.output
    return archive


def missing(cli) -> list[tuple]:
    r = cli("note", "list", "--missing", "--json")
    assert r.exit_code == 0, r.output
    return [(e["matter"], e["first"], e["last"]) for e in json.loads(r.stdout)]


def test_a_note_withdrawn_stays_on_the_record_and_leaves_the_lists(cli, noted):
    conn = noted.conn
    assert missing(cli) == [("M-2", "1.1", "1.10")]
    before = [tuple(r) for r in conn.execute("SELECT * FROM notes")]
    versions = [tuple(r) for r in conn.execute("SELECT * FROM note_versions")]

    r = cli("note", "withdraw", "1", "--reason", WHY)

    assert (r.exit_code, r.stdout) == (0, "Note 1 of M-1 withdrawn.\n")
    (at,) = conn.execute("SELECT withdrawn_at FROM notes WHERE id = 1").fetchone()
    by, sha = audit.current_user(), sha256_text(WHY)
    assert [tuple(r) for r in conn.execute("SELECT * FROM notes")] == [before[0][:-3] + (at, by, sha)]
    assert [tuple(r) for r in conn.execute("SELECT * FROM note_versions")] == versions  # every version kept
    (details,) = conn.execute("SELECT details FROM audit_log WHERE command = 'note withdraw'").fetchone()
    assert {k: v for k, v in json.loads(details).items() if k != "records"} == {
        "note": 1,
        "matter": "M-1",
        "version": 1,
        "text_sha256": sha256_text(ADVICE),
        "why_sha256": sha,
    }
    assert cli("note", "list").stdout == "No notes.\n"
    assert cli("note", "list", "M-1").stdout == "No notes.\n"
    assert missing(cli) == [("M-1", "1.1", "1.10"), ("M-2", "1.1", "1.10")]  # its exchange has no note now
    listed = json.loads(cli("note", "list", "--withdrawn", "--json").stdout)
    assert [(n["id"], n["withdrawn_at"], n["withdrawn_by"], n["withdrawn_why_sha256"]) for n in listed] == [
        (1, at, by, sha)
    ]
    (written,) = conn.execute("SELECT created_at FROM notes").fetchone()
    assert cli("note", "show", "1").stdout.splitlines() == [
        f"Note 1 of M-1, by {by}, written {times.display(written, NY)} (entered by {by})",
        f"Withdrawn {times.display(at, NY)} by {by} (reason's sha256 {sha[:16]}…): not listed, shown in"
        " transcripts or logged as privileged.",
        "Privileged: Attorney work product",
        "  #1.2  2024-03-01 07:02:00 -05:00  out",
        f"Version 1 (current), {times.display(written, NY)} by {by}, privileged (Attorney work product):",
        f"  {ADVICE}",
    ]
    # the way out: the note added again, to the right matter
    r = cli("note", "add", "M-2", ADVICE, "--about", "#1.2", "--privileged")
    assert r.exit_code == 0, r.output
    assert missing(cli) == [("M-1", "1.1", "1.10")]
    verified = cli("verify")
    assert verified.exit_code == 0, verified.output


def test_a_note_is_withdrawn_once_with_a_reason_and_not_edited_after(cli, noted):
    conn = noted.conn
    r = cli("note", "withdraw", "1", "--reason", "  ")
    assert (r.exit_code, r.stderr) == (1, "Error: say why the note is withdrawn (--reason)\n")
    r = cli("note", "withdraw", "9", "--reason", WHY)
    assert (r.exit_code, r.stderr) == (1, "Error: no note 9 (see `textfile note list`)\n")
    r = cli("note", "list", "--missing", "--withdrawn")
    assert (r.exit_code, r.stderr) == (1, "Error: --missing lists exchanges, --withdrawn notes: give one\n")
    assert cli("note", "withdraw", "1", "--reason", WHY).exit_code == 0
    (at,) = conn.execute("SELECT withdrawn_at FROM notes WHERE id = 1").fetchone()
    rows = {t: [tuple(r) for r in conn.execute(f"SELECT * FROM {t}")] for t in ("notes", "note_versions")}
    entries = conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]

    again = cli("note", "withdraw", "1", "--reason", "twice")
    edited = cli("note", "edit", "1", "Advised Sam otherwise.")

    assert (again.exit_code, again.stderr) == (1, f"Error: note 1 was already withdrawn on {times.display(at, NY)}\n")
    assert (edited.exit_code, edited.stderr) == (
        1,
        f"Error: note 1 was already withdrawn on {times.display(at, NY)}: a withdrawn note is not edited"
        " (`textfile note add` writes it again)\n",
    )
    assert {t: [tuple(r) for r in conn.execute(f"SELECT * FROM {t}")] for t in rows} == rows
    assert conn.execute("SELECT count(*) FROM audit_log").fetchone()[0] == entries


def log_rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_transcripts_made_before_still_verify_and_later_ones_leave_it_out(cli, noted, tmp_path):
    before = tmp_path / "before.pdf"
    assert cli("transcript", "M-1", "--out", before).exit_code == 0
    assert [row[0] for row in log_rows(tmp_path / "before.privilege-log.csv")] == ["Note", "1"]
    assert json.loads(manifest.read(before))["notes"]["left_out"] == [[1, 1, sha256_text(ADVICE)]]

    assert cli("note", "withdraw", "1", "--reason", WHY).exit_code == 0

    verified = cli("verify", before)
    assert verified.exit_code == 0, verified.output
    after = tmp_path / "after.pdf"
    made = cli("transcript", "M-1", "--out", after)
    assert made.exit_code == 0, made.output
    assert "privileged" not in made.stdout and not (tmp_path / "after.privilege-log.csv").exists()
    assert json.loads(manifest.read(after)).get("notes") is None  # no note concerns it now
    verified = cli("verify", after)
    assert verified.exit_code == 0, verified.output


def test_a_production_made_before_is_made_again_naming_its_privilege_log(cli, noted, tmp_path):
    made = cli("produce", "M-1", "--out", tmp_path / "vol1")
    assert made.exit_code == 0, made.output
    assert "  1 privileged note withheld, in its privilege log\n" in made.stdout
    assert [row[0] for row in log_rows(tmp_path / "vol1" / "DATA" / "privilege-log.csv")] == ["Note", "1"]

    assert cli("note", "withdraw", "1", "--reason", WHY).exit_code == 0

    verified = cli("verify", tmp_path / "vol1")
    assert verified.exit_code == 0, verified.output
    again = cli("produce", "M-1", "--again", "1", "--out", tmp_path / "again")
    assert again.exit_code == 3, again.output
    # (the declaration and the README count the privileged notes withheld: they say it otherwise too)
    assert again.stderr.splitlines() == [
        *(
            f"Error: {tmp_path / 'again'}: {name} left out: this folder is not production 1, and has no certification"
            " (PRODUCTION-DIFFERS.txt says why)"
            for name in ("CERTIFICATION.pdf", "CERTIFICATION.txt")
        ),
        *(
            f"Error: {tmp_path / 'again'}: {name} is not the file production 1 holds (the archive changed since)"
            for name in ("DATA/privilege-log.csv", "README.txt")
        ),
    ]
    later = cli("produce", "M-1", "--reproduce", "--out", tmp_path / "vol2")
    assert later.exit_code == 0, later.output
    assert "privileged note" not in later.stdout and not (tmp_path / "vol2" / "DATA" / "privilege-log.csv").exists()


def withdrawal(conn, note: int) -> tuple[str, str]:
    """When note `note` was withdrawn (as stored), and by whom."""
    return tuple(conn.execute("SELECT withdrawn_at, withdrawn_by FROM notes WHERE id = ?", (note,)).fetchone())


def test_verify_says_the_notes_its_transcript_showed_were_withdrawn_since(cli, noted, tmp_path):
    """A transcript made before still verifies (it is what was made); `verify` says, as information, each note
    it shows or lists in its privilege log that was withdrawn since: its number and version as the transcript
    gives them, when and by whom (never the reason: only its sha256 is kept)."""
    r = cli("note", "add", "M-1", "Sam called about the deposit.", "--about", "#1.3")
    assert r.exit_code == 0, r.output
    pdf = tmp_path / "t.pdf"
    assert cli("transcript", "M-1", "--out", pdf).exit_code == 0
    before = json.loads(cli("verify", pdf, "--json").stdout)[0]
    assert before["withdrawn"] == []

    for note in (2, 1):
        assert cli("note", "withdraw", note, "--reason", WHY).exit_code == 0

    (at2, by), (at1, _), sha = withdrawal(noted.conn, 2), withdrawal(noted.conn, 1), sha256_text(WHY)
    report = json.loads(cli("verify", pdf, "--json").stdout)[0]
    assert report == {**before, "withdrawn": report["withdrawn"]}  # (nothing else said otherwise)
    withdrawn = {"withdrawn_by": by, "withdrawn_why_sha256": sha}
    assert report["withdrawn"] == [
        {"kind": "note", "id": 2, "version": 1, "where": "shown", "withdrawn_at": at2, **withdrawn},
        {"kind": "note", "id": 1, "version": 1, "where": "privilege log", "withdrawn_at": at1, **withdrawn},
    ]
    verified = cli("verify", pdf)
    assert (verified.exit_code, verified.stderr) == (0, "")
    bates = report["bates"]
    made_now = "(recorded by mistake: a transcript made now leaves it out)"
    assert verified.stdout.splitlines() == [
        f"{pdf}: matches the archive (transcript {report['transcript']}, 10 messages, {report['pages']} pages,"
        f" Bates {bates['first']} to {bates['last']}).",
        f"  note 2 (version 1), which it shows, was withdrawn since the transcript was made, on {times.display(at2, NY)}"
        f" by {by} {made_now}",
        "  note 1 (version 1), which its privilege log lists, was withdrawn since the transcript was made, on"
        f" {times.display(at1, NY)} by {by} {made_now}",
    ]
    assert WHY not in verified.stdout + json.dumps(report)


def test_verify_dir_says_a_note_its_privilege_log_lists_was_withdrawn_since(cli, noted, tmp_path):
    """A production made before still verifies; `verify DIR` says, as a notice, the note its privilege log
    (DATA/privilege-log.csv) lists that was withdrawn since."""
    assert cli("produce", "M-1", "--out", tmp_path / "vol1").exit_code == 0
    before = json.loads(cli("verify", tmp_path / "vol1", "--json").stdout)[0]

    assert cli("note", "withdraw", "1", "--reason", WHY).exit_code == 0

    at, by = withdrawal(noted.conn, 1)
    notice = (
        "note 1 (version 1), which its privilege log lists, was withdrawn since the production was made, on"
        f" {times.display(at, NY)}"
        f" by {by} (recorded by mistake: a production made now leaves it out)"
    )
    report = json.loads(cli("verify", tmp_path / "vol1", "--json").stdout)[0]
    assert report == {**before, "notices": [notice]}
    # (said by the core, for every caller: the command line only prints it)
    assert verify_production(noted, tmp_path / "vol1").to_json() == report
    verified = cli("verify", tmp_path / "vol1")
    assert (verified.exit_code, verified.stderr) == (0, "")
    assert verified.stdout.splitlines() == [
        f"{tmp_path / 'vol1'}: production 1 of M-1 matches the archive: {report['files']} files as SHA256SUMS lists"
        f" them, 1 signed PDF, 1 RSMF file; Bates {report['bates'][0]} to {report['bates'][1]}.",
        f"  {notice}",
    ]


PREVIOUS = "59edfa728264ca8f04aa721b89f90453cf7d4c49"  # the last commit before m034


@pytest.fixture
def previous(tmp_path):
    """The textfile of the last commit before m034, from this checkout's history; skipped where there is none."""
    return textfile_of(PREVIOUS, tmp_path / "previous", "the last commit before m034")


def test_an_archive_made_before_m034_migrates_verifies_and_withdraws(previous, tmp_path):
    db = tmp_path / "archive.db"
    for args in [
        INIT,
        ("client", "add", "Sam Client", "--phone", "+12025550143"),
        ("matter", "open", "A-1", "--client", "Sam Client", "--title", "Lease"),
        ("import", FIXTURES / "android" / "sms-20240301.xml"),
        ("client", "consent", "Sam Client", "--given", "2024-02-01", "--method", "written"),
        ("note", "add", "A-1", ADVICE, "--about", "#1.1", "--privileged"),
    ]:
        done = run(previous, db, *args)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
    with sqlite3.connect(db) as raw:
        notes, consents = (raw.execute(f"SELECT * FROM {t}").fetchall() for t in ("notes", "consents"))
    raw.close()

    checked = run(ROOT, db, "verify")  # (this code: the archive migrated first)

    assert checked.returncode == 0, checked.stdout + checked.stderr
    with sqlite3.connect(db) as raw:
        assert raw.execute("SELECT * FROM notes").fetchall() == [r + (None, None, None) for r in notes]
        assert raw.execute("SELECT * FROM consents").fetchall() == [r + (None, None, None) for r in consents]
        (details,) = raw.execute(
            "SELECT details FROM audit_log WHERE command = 'migration: consents and notes can be withdrawn'"
        ).fetchone()
    raw.close()
    assert sorted(json.loads(details)["records"]) == ["consents", "notes"]
    for args in [
        ("note", "withdraw", "1", "--reason", WHY),
        ("client", "consent", "Sam Client", "--withdraw", "1", "--reason", "recorded by mistake"),
        ("verify",),
    ]:
        done = run(ROOT, db, *args)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
