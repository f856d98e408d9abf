"""Notes to file in transcripts: the appendix, privileged notes left out (or in their own marked
appendix with --include-privileged), the privilege log as a page and as CSV, the manifest's record
of them, and `verify FILE.pdf` checking both."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import ingest_records, msg

from textfile import notes
from textfile.fingerprint import sha256_text
from textfile.model import Version
from textfile.times import zone
from textfile.transcript import manifest

NY = zone("America/New_York")
HEADING = "Privileged & Confidential — attorney work product"

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")


def pages(pdf) -> list[str]:
    """Each page's text."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1]


@pytest.fixture
def noted(cli, archive):
    """Matter M-1 with five messages of Sam's (#1.1–#1.5), and four notes: one plain about #1.1, one
    privileged about #1.2, one privileged about the matter as a whole, one privileged about #1.5."""
    assert cli("client", "add", "Sam Client", "--phone", "+12025550143").exit_code == 0
    assert cli("matter", "open", "M-1", "--client", "Sam Client", "--title", "Lease").exit_code == 0
    ingest_records(archive, [msg(n, out=n % 2 == 0) for n in range(1, 6)])
    for args in (
        ["PLAIN-NOTE: sent the lease", "--about", "#1.1"],
        ["PRIVILEGED-ADVICE: keep paying rent", "--about", "#1.2", "--privileged"],
        ["PRIVILEGED-STRATEGY: settle", "--privileged", "--basis", "Common interest", "--author", "Pat Partner"],
        ["PRIVILEGED-LATER: the inspection", "--about", "#1.5", "--privileged"],
    ):
        assert cli("note", "add", "M-1", *args).exit_code == 0
    return archive


def texts(archive) -> dict[int, str]:
    return {n.id: n.current.text_sha256 for n in notes.listed(archive.conn)}


def test_privileged_notes_are_left_out_and_listed_in_the_privilege_log_page_and_csv(cli, noted, tmp_path):
    pdf = tmp_path / "t.pdf"
    result = cli("transcript", "M-1", "--out", pdf, "--until", "2024-03-01T07:04-05:00")  # #1.1–#1.4
    assert result.exit_code == 0, result.output
    log_file = tmp_path / "t.privilege-log.csv"
    assert f"Left out 2 privileged notes; their privilege log: {log_file} (and a page of the PDF).\n" in result.output
    shown = pages(pdf)
    whole = "".join(shown)
    assert "PLAIN-NOTE: sent the lease" in whole and "PRIVILEGED" not in whole
    [appendix] = [p for p in shown if "Notes to file\n" in p]
    assert "Note 1, version 1" in appendix and "Concerns #1.1." in appendix
    [log_page] = [p for p in shown if "Privilege log\n" in p]
    user = notes.listed(noted.conn)[0].author
    log = notes.privilege_log(noted.conn, 1, None, "2024-03-01T12:04:59.999Z", NY)
    rows = [line.split() for line in log_page.splitlines() if line.startswith(("2 (version", "3 (version"))]
    assert [(r[0], r[6], r[7:10]) for r in rows] == [
        ("2", user, ["Memo", "to", "file"]),
        ("3", "Pat", ["Partner", "Memo", "to"]),
    ]
    assert "#1.2" in log_page and "Attorney work product" in log_page and "Common interest" in log_page
    assert "the matter as a whole" in log_page and "#1.5" not in log_page  # note 4 concerns no message of the window
    assert "2 privileged notes withheld, listed in the privilege log" in " ".join(shown[0].split())
    # The CSV: exactly the notes left out, RFC 4180, 0600.
    assert log_file.stat().st_mode & 0o777 == 0o600
    assert log_file.read_bytes() == notes.csv_bytes(log)
    assert list(csv.reader(io.StringIO(log_file.read_text("utf-8"), newline=""))) == [
        ["Note", "Version", "Date", "Author", "Type", "Messages", "Basis"],
        ["2", "1", log[0].date, user, "Memo to file", "#1.2", "Attorney work product"],
        ["3", "1", log[1].date, "Pat Partner", "Memo to file", "the matter as a whole", "Common interest"],
    ]
    sha = texts(noted)
    assert json.loads(manifest.read(pdf))["notes"] == {
        "shown": [[1, 1, sha[1]]],
        "left_out": [[2, 1, sha[2]], [3, 1, sha[3]]],
        "include_privileged": False,
        "privilege_log": {"file": "t.privilege-log.csv", "sha256": manifest.sha256(log_file.read_bytes())},
    }
    assert cli("verify", pdf).exit_code == 0
    whole_archive = cli("verify")
    assert whole_archive.exit_code == 0, whole_archive.output
    assert ", 1 transcript (1 privilege log beside them): all hashes match.\n" in whole_archive.stdout
    log_file.write_bytes(log_file.read_bytes().replace(b"Common interest", b"Common interest (waived)"))
    altered = cli("verify", pdf)
    assert altered.exit_code == 3
    assert "the privilege log beside it (t.privilege-log.csv) was altered" in altered.output
    # the whole archive's check reads it too (the sha256 its transcript's sealed audit entry recorded)
    altered = cli("verify")
    assert altered.exit_code == 3
    assert (
        f"Error: transcript 1 ({pdf}): the privilege log beside it (t.privilege-log.csv) was altered: its sha256 is"
        f" {manifest.sha256(log_file.read_bytes())}, the transcript's manifest recorded "
    ) in altered.stderr


def test_include_privileged_puts_them_in_a_marked_appendix_with_no_log(cli, noted, tmp_path):
    pdf = tmp_path / "t_PRIVILEGED.pdf"
    result = cli("transcript", "M-1", "--out", pdf, "--include-privileged", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["notes"] == {
        "shown": 1,
        "privileged_shown": 3,
        "privileged_left_out": 0,
        "privilege_log": None,
    }
    assert not (tmp_path / "t_PRIVILEGED.privilege-log.csv").exists()
    shown = pages(pdf)
    privileged = [p for p in shown if "PRIVILEGED-" in p]
    assert privileged and shown[-len(privileged) :] == privileged  # the last pages
    for page in privileged:  # its heading on every page of it, and at its foot
        assert "ATTORNEY WORK PRODUCT" in page.splitlines()[0] and HEADING in " ".join(page.split())
    assert HEADING in privileged[0]
    assert not any("Privilege log\n" in p for p in shown)
    assert all("ATTORNEY WORK PRODUCT" not in p for p in shown if p not in privileged)
    sha = texts(noted)
    assert json.loads(manifest.read(pdf))["notes"] == {
        "shown": [[1, 1, sha[1]], [2, 1, sha[2]], [3, 1, sha[3]], [4, 1, sha[4]]],
        "left_out": [],
        "include_privileged": True,
        "privilege_log": None,
    }
    assert cli("verify", pdf).exit_code == 0


def header(page: str) -> str:
    """A page's running header: its first line, its words."""
    return " ".join(page.splitlines()[0].split())


def transcript_entry(archive) -> dict:
    (details,) = archive.conn.execute(
        "SELECT details FROM audit_log WHERE command = 'transcript' ORDER BY id DESC LIMIT 1"
    ).fetchone()
    return json.loads(details)


def test_a_transcript_with_privileged_notes_is_marked_as_such_in_its_name_output_cover_headers_and_audit(
    cli, noted, tmp_path
):
    out = tmp_path / "out"
    out.mkdir()
    result = cli("transcript", "M-1", "--out-dir", out, "--include-privileged")
    assert result.exit_code == 0, result.output
    [pdf] = out.iterdir()
    assert pdf.name.endswith("_Sam-Client_M-1_transcript_PRIVILEGED.pdf")
    assert (
        f"Warning: {pdf} includes 3 privileged notes: Privileged & Confidential, not for production.\n" in result.output
    )
    shown = pages(pdf)
    assert len(shown) > 1
    assert all(header(p).startswith("PRIVILEGED & CONFIDENTIAL · Sam Client — M-1 Lease") for p in shown)
    assert (
        "Privileged Privileged & Confidential: this file includes 3 privileged notes to file (attorney work product),"
        " in the appendix so marked. Not for production." in " ".join(shown[0].split())
    )
    entry = transcript_entry(noted)
    assert (entry["path"], entry["include_privileged"], entry["privileged_shown"], entry["privilege_log"]) == (
        str(pdf),
        True,
        3,
        None,
    )
    assert cli("verify", pdf).exit_code == 0 and cli("verify").exit_code == 0


def test_a_production_is_not_marked_privileged_and_its_audit_entry_records_its_log(cli, noted, tmp_path):
    result = cli("transcript", "M-1", "--out-dir", tmp_path)
    assert result.exit_code == 0, result.output
    [pdf] = tmp_path.glob("*.pdf")
    assert pdf.name.endswith("_Sam-Client_M-1_transcript.pdf") and "Warning" not in result.output
    shown = pages(pdf)
    assert all(header(p).startswith("Sam Client — M-1 Lease") for p in shown)
    assert "PRIVILEGED" not in "".join(shown) and "Not for production" not in shown[0]
    log_file = notes.csv_path(pdf)
    entry = transcript_entry(noted)
    assert (entry["include_privileged"], entry["privileged_shown"], entry["privilege_log"]) == (
        False,
        0,
        {"file": log_file.name, "sha256": manifest.sha256(log_file.read_bytes())},
    )


def test_verify_says_when_the_privilege_log_is_not_beside_the_pdf(cli, noted, tmp_path):
    pdf = tmp_path / "t.pdf"
    assert cli("transcript", "M-1", "--out", pdf).exit_code == 0
    assert "privilege log" not in cli("verify", pdf).output
    (tmp_path / "t.privilege-log.csv").rename(tmp_path / "elsewhere.csv")
    result = cli("verify", pdf)
    assert result.exit_code == 0  # (the PDF itself is proven)
    assert "  its privilege log t.privilege-log.csv is not beside it: not checked\n" in result.output
    assert json.loads(cli("verify", pdf, "--json").stdout)[0]["privilege_log_absent"] == "t.privilege-log.csv"
    whole_archive = cli("verify")  # (nor is it a problem of the archive: the log it did not find, it does not count)
    assert whole_archive.exit_code == 0, whole_archive.output
    assert ", 1 transcript: all hashes match.\n" in whole_archive.stdout
    assert json.loads(cli("verify", "--json").stdout)["privilege_logs"] == 0


def test_an_orphan_log_in_the_out_dir_is_passed_over_for_the_next_free_name(cli, noted, tmp_path):
    first = cli("transcript", "M-1", "--out-dir", tmp_path, "--json")
    assert first.exit_code == 0, first.output
    taken = json.loads(first.stdout)["path"]
    stem = taken.removesuffix(".pdf")
    assert stem.endswith("_transcript")
    (tmp_path / f"{stem}-2.privilege-log.csv").write_text("mine")  # a log whose PDF was moved away
    second = cli("transcript", "M-1", "--out-dir", tmp_path, "--json")
    assert second.exit_code == 0, second.output
    assert json.loads(second.stdout)["path"] == f"{stem}-3.pdf"
    assert (tmp_path / f"{stem}-3.privilege-log.csv").is_file()
    assert (tmp_path / f"{stem}-2.privilege-log.csv").read_text() == "mine" and not Path(f"{stem}-2.pdf").exists()


def test_a_message_edited_after_the_note_is_marked_in_the_appendix(cli, noted, tmp_path):
    edited = replace(
        msg(1), body="message 1, edited", flags=frozenset({"edited"}), versions=(Version("message 1", None),)
    )
    ingest_records(noted, [edited], name="later.xml")
    pdf = tmp_path / "t.pdf"
    assert cli("transcript", "M-1", "--out", pdf).exit_code == 0
    [appendix] = [p for p in pages(pdf) if "Notes to file\n" in p]
    assert "Changed since this note: #1.1 (the archive now holds a later version of it)." in " ".join(appendix.split())


def test_verify_fails_when_a_note_version_shown_is_no_longer_as_shown(cli, noted, tmp_path):
    pdf = tmp_path / "t.pdf"
    assert cli("transcript", "M-1", "--out", pdf).exit_code == 0
    assert cli("note", "edit", 1, "PLAIN-NOTE: sent the lease, signed").exit_code == 0  # a new version: still green
    assert cli("verify", pdf).exit_code == 0
    noted.conn.execute(
        "UPDATE note_versions SET text_sha256 = ? WHERE note_id = 1 AND version = 1", (sha256_text("x"),)
    )
    noted.conn.commit()
    result = cli("verify", pdf)
    assert result.exit_code == 3
    assert (
        "note 1 version 1, which the transcript shows, differs from the archive's (its text's sha256)" in result.output
    )


def test_a_log_file_in_the_way_refuses_the_transcript_before_it_is_made(cli, noted, tmp_path):
    (tmp_path / "t.privilege-log.csv").write_text("mine")
    result = cli("transcript", "M-1", "--out", tmp_path / "t.pdf")
    assert result.exit_code == 1
    assert "the privilege log is never written over a file" in result.output
    assert not (tmp_path / "t.pdf").exists() and (tmp_path / "t.privilege-log.csv").read_text() == "mine"


def test_the_weekly_snapshot_leaves_privileged_notes_out_with_their_log(noted, tmp_path):
    from textfile.weekly.run import render_matter

    made = render_matter(noted, "M-1", tmp_path)
    log_file = notes.csv_path(made.path)
    assert [r[0] for r in csv.reader(io.StringIO(log_file.read_text("utf-8")))] == ["Note", "2", "3", "4"]
    assert "PRIVILEGED-" not in "".join(pages(made.path))


def test_a_clients_transcript_shows_the_notes_of_each_of_their_matters_naming_the_matter(cli, noted, tmp_path):
    pdf = tmp_path / "t.pdf"
    assert cli("transcript", "--client", "Sam Client", "--out", pdf).exit_code == 0
    [appendix] = [p for p in pages(pdf) if "Notes to file\n" in p]
    assert "Note 1 of matter M-1, version 1" in appendix
    assert [r[0] for r in csv.reader(io.StringIO((tmp_path / "t.privilege-log.csv").read_text("utf-8")))] == [
        "Note",
        "2",
        "3",
        "4",
    ]
