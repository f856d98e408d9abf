"""What the lifecycle commands say around a disposal: a basis not kept, the certificate's folder and
name, a disposed matter's reference reserved, the certificate's Method on one page and its numbering."""

from __future__ import annotations

import subprocess

from lifecycle_build import exports

from textfile import times


def _disposable(cli, tmp_path, basis: str = "test: nothing kept after closing"):
    first, _ = exports(tmp_path)
    for args in (
        ("client", "add", "Sam Client", "--phone", "+12025550143"),
        ("matter", "open", "A-1", "--client", "Sam Client", "--title", "Lease"),
        ("import", first),
        ("retention", "set", "--years", "0", "--basis", basis),
        ("matter", "close", "A-1"),
    ):
        assert cli(*args).exit_code == 0, args


def test_a_basis_not_given_again_is_said_dropped(cli, archive):
    assert cli("retention", "set", "--years", "6", "--basis", "state bar rule").exit_code == 0

    done = cli("retention", "set", "--years", "7")

    assert done.output.splitlines() == [
        "Retention of the archive: 7 years after the matter closes (archive; basis: none given)."
        " The basis it had, 'state bar rule', is not kept: give --basis again."
    ]
    assert cli("retention", "set", "--years", "6").output.splitlines() == [
        "Retention of the archive: 6 years after the matter closes (archive; basis: none given)."
    ]


def test_the_certificate_s_folder_is_made_with_mkdir_and_a_file_is_never_overwritten(cli, archive, tmp_path):
    _disposable(cli, tmp_path)
    (tmp_path / "there.pdf").write_bytes(b"mine")

    missing = cli("dispose", "A-1", "--confirm", "--out", tmp_path / "no" / "c.pdf")
    taken = cli("dispose", "A-1", "--confirm", "--out", tmp_path / "there.pdf")

    assert missing.exit_code == 1 and "give --mkdir to have textfile make it" in missing.output
    assert taken.exit_code == 1
    assert f"{tmp_path / 'there.pdf'} already exists; a certificate is never overwritten" in taken.output
    done = cli("dispose", "A-1", "--confirm", "--out", tmp_path / "no" / "c.pdf", "--mkdir")
    assert done.exit_code == 0, done.output
    assert (tmp_path / "no" / "c.pdf").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "no").stat().st_mode & 0o777 == 0o700


def test_a_disposed_matter_s_reference_stays_reserved(cli, archive, tmp_path):
    _disposable(cli, tmp_path)
    assert cli("dispose", "A-1", "--confirm", "--out", tmp_path / "c.pdf").exit_code == 0
    day = times.day(
        archive.conn.execute("SELECT disposed_at FROM disposals").fetchone()[0], times.archive_zone(archive.conn)
    )

    again = cli("matter", "open", "A-1", "--client", "Sam Client", "--title", "Lease again")

    assert again.exit_code == 1
    assert f"a matter 'A-1' was disposed of on {day}: its reference stays reserved (give another)" in again.output


def test_the_certificate_keeps_method_on_one_page_and_says_numbers_change(cli, archive, tmp_path):
    _disposable(cli, tmp_path, basis="A long basis: " + "state bar rule 1.15 and the insurer's guidance; " * 4)
    assert cli("client", "minor", "Sam Client", "--born", "2001-02-03").exit_code == 0
    reason = "Retention period over; the client was told by letter and agreed; " * 3

    assert cli("dispose", "A-1", "--confirm", "--reason", reason, "--out", tmp_path / "c.pdf").exit_code == 0

    pages = subprocess.run(
        ["pdftotext", str(tmp_path / "c.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout.split("\f")
    pages = [" ".join(p.split()) for p in pages]
    [method] = [p for p in pages if "Method" in p]
    assert "textfile deleted the matter's messages" in method
    assert "proves the certificate against the archive" in method
    assert "numbers the messages it still holds from 1 again" in method
    assert "(#7.4 then, #7.1 now)" in method
