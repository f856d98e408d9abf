"""The weekly run's import side and its lock: known files skipped unread, new ones imported once,
files still being written left alone, a bad file reported without stopping the rest."""

import os
import shutil
import threading
import time

import pytest
from conftest import FIXTURES, messages_folder, snapshot

from textfile import weekly
from textfile.errors import ArchiveBusy
from textfile.weekly import run as weekly_run  # (where the run reads and imports a file: monkeypatched)

HOUR_AGO = time.time() - 3600


def settled(path):
    os.utime(path, (HOUR_AGO, HOUR_AGO))
    return path


@pytest.fixture
def inbox(tmp_path):
    folder = tmp_path / "inbox"
    (folder / "android").mkdir(parents=True)
    for name in ("sms-20240301.xml", "calls-20240301.xml"):
        settled(shutil.copy(FIXTURES / "android" / name, folder / "android" / name))
    return folder


def run(archive, inbox, tmp_path, **kw):
    return weekly.archive_inbox(archive, inbox, tmp_path / "out", render=None, **kw)


def test_second_run_over_the_same_inbox_reads_nothing(archive, inbox, tmp_path, monkeypatch):
    first = run(archive, inbox, tmp_path)
    assert [os.path.basename(r["path"]) for r in first.imported] == ["calls-20240301.xml", "sms-20240301.xml"]
    assert (first.already_archived, first.failed, first.exit_code) == (0, [], 0)
    before = snapshot(archive)
    # A known file must not even be opened: make reading it fail.
    monkeypatch.setattr(weekly_run, "source_digest", lambda path: pytest.fail(f"{path} was read"))
    second = run(archive, inbox, tmp_path)
    assert (second.imported, second.already_archived, second.same_bytes, second.exit_code) == ([], 2, [], 0)
    assert snapshot(archive) == before


def test_next_weeks_export_adds_only_its_new_messages(archive, inbox, tmp_path):
    run(archive, inbox, tmp_path)
    settled(shutil.copy(FIXTURES / "android" / "sms-20240308.xml", inbox / "android" / "sms-20240308.xml"))
    report = run(archive, inbox, tmp_path)
    [imported] = report.imported
    assert (imported["added"], imported["already_present"]) == (2, 16)
    assert report.already_archived == 2


def test_a_copy_under_another_name_is_recorded_without_parsing(archive, inbox, tmp_path, monkeypatch):
    run(archive, inbox, tmp_path)
    settled(shutil.copy(inbox / "android" / "sms-20240301.xml", inbox / "copy.xml"))
    monkeypatch.setattr(weekly_run, "import_path", lambda *a, **k: pytest.fail("parsed again"))
    report = run(archive, inbox, tmp_path)
    [started_at] = archive.conn.execute(
        "SELECT started_at FROM imports WHERE file_name = 'sms-20240301.xml'"
    ).fetchone()
    assert report.same_bytes == [
        {
            "path": str(inbox / "copy.xml"),
            "import": 2,
            "imported_at": started_at,
            "file_name": "sms-20240301.xml",
            "imported_from": str(inbox / "android" / "sms-20240301.xml"),
        }
    ]
    assert archive.conn.execute("SELECT count(*) FROM imports").fetchone()[0] == 2


def test_a_file_still_being_written_waits_for_the_next_run(archive, inbox, tmp_path):
    fresh = shutil.copy(FIXTURES / "android" / "sms-20240308.xml", inbox / "sms-new.xml")
    report = run(archive, inbox, tmp_path)
    assert report.waiting == [str(fresh)]
    assert len(report.imported) == 2
    settled(fresh)
    assert [os.path.basename(r["path"]) for r in run(archive, inbox, tmp_path).imported] == ["sms-new.xml"]


def test_one_bad_file_does_not_stop_the_rest(archive, inbox, tmp_path):
    (inbox / "android" / "aaa-truncated.xml").write_bytes(
        (FIXTURES / "android" / "sms-20240301.xml").read_bytes()[:3000]
    )
    settled(inbox / "android" / "aaa-truncated.xml")
    (inbox / "notes.txt").write_text("remember to call Sam\n")
    settled(inbox / "notes.txt")
    report = run(archive, inbox, tmp_path)
    assert len(report.imported) == 2
    assert [(os.path.basename(f["path"]), f["reason"].split(":")[0]) for f in report.failed] == [
        ("aaa-truncated.xml", "truncated or malformed XML (the file ends before the backup does)"),
        ("notes.txt", "unsupported or unrecognized export"),
    ]
    assert report.exit_code == 1
    # Failed files are tried again next time (they are not recorded as archived).
    assert len(run(archive, inbox, tmp_path).failed) == 2


def test_hidden_files_are_passed_over(archive, inbox, tmp_path):
    (inbox / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    settled(inbox / ".DS_Store")
    assert run(archive, inbox, tmp_path).failed == []


def test_media_the_output_folder_and_the_archive_s_own_files_are_passed_over(archive, archive_path, inbox, tmp_path):
    # An Android "export with media" leaves the photos beside the chat; transcripts rendered
    # into a folder inside the inbox; the archive itself kept in the inbox.
    settled(shutil.copy(FIXTURES / "whatsapp" / "IMG-20240312-WA0001.jpg", inbox / "IMG-20240312-WA0001.jpg"))
    out = inbox / "transcripts"
    out.mkdir()
    settled(shutil.copy(FIXTURES / "android" / "sms-20240308.xml", out / "not-read.xml"))
    (inbox / "voice.opus").write_bytes(b"OggS")
    settled(inbox / "voice.opus")
    report = weekly.archive_inbox(archive, inbox, out, render=None)
    assert (report.failed, len(report.imported), report.exit_code) == ([], 2, 0)
    in_inbox = weekly.archive_inbox(archive, archive_path.parent, out, render=None)
    seen = in_inbox.waiting + [f["path"] for f in in_inbox.failed] + [r["path"] for r in in_inbox.imported]
    assert archive_path.exists() and not [p for p in seen if p.startswith(str(archive_path))]  # nor its -wal, -shm


def test_a_modification_time_in_the_future_is_a_clock_s_mistake_not_a_write(archive, inbox, tmp_path):
    future = shutil.copy(FIXTURES / "android" / "sms-20240308.xml", inbox / "sms-new.xml")
    next_year = time.time() + 365 * 86400
    os.utime(future, (next_year, next_year))
    report = run(archive, inbox, tmp_path)
    assert report.waiting == [] and len(report.imported) == 3


def test_a_second_run_waits_or_says_why_it_cannot_start(archive_path):
    with weekly.run_lock(archive_path, wait=False):
        with pytest.raises(ArchiveBusy, match="another `textfile archive` run is in progress"):
            with weekly.run_lock(archive_path, wait=False):
                pass
        started = []

        def second():
            with weekly.run_lock(archive_path, wait=True):
                started.append(time.monotonic())

        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(0.3)
        assert not started
        released = time.monotonic()
    thread.join(5)
    assert started and started[0] >= released
    assert oct(os.stat(f"{archive_path}.lock").st_mode & 0o777) == "0o600"


def test_the_log_file_beside_the_archive_is_appended_and_private(archive, archive_path, inbox, tmp_path):
    report = run(archive, inbox, tmp_path)
    weekly.append_log(archive_path, weekly.log_lines(report))
    weekly.append_log(archive_path, weekly.log_lines(run(archive, inbox, tmp_path)))
    log = weekly.log_path(archive_path)
    lines = log.read_text().splitlines()
    assert "2 imported, 0 already archived" in lines[0]
    assert any("0 imported, 2 already archived" in line for line in lines[1:])
    assert oct(os.stat(log).st_mode & 0o777) == "0o600"


def test_a_new_file_is_hashed_once_and_parsed_once(archive, inbox, tmp_path, monkeypatch):
    hashed = []
    real = weekly_run.source_digest
    monkeypatch.setattr(weekly_run, "source_digest", lambda path: hashed.append(path.name) or real(path))
    monkeypatch.setattr(
        "textfile.ingest.policy.source_digest", lambda path: pytest.fail(f"{path} hashed a second time")
    )
    report = run(archive, inbox, tmp_path)
    assert sorted(hashed) == ["calls-20240301.xml", "sms-20240301.xml"]
    assert [r["sha256"] for r in report.imported] == [
        real(inbox / "android" / n)[1] for n in ("calls-20240301.xml", "sms-20240301.xml")
    ]


def test_an_inbox_that_is_a_messages_folder_is_one_export(archive, tmp_path):
    inbox = messages_folder(tmp_path, "Messages")
    for path in [inbox, *inbox.rglob("*")]:
        settled(path)
    first = run(archive, inbox, tmp_path)
    assert ([(os.path.basename(r["path"]), r["format"]) for r in first.imported], first.failed) == (
        [("Messages", "imessage")],
        [],
    )
    second = run(archive, inbox, tmp_path)
    assert (second.imported, second.failed, second.already_archived) == ([], [], 1)


def test_a_folder_that_cannot_be_listed_is_reported_and_the_rest_goes_in(archive, inbox, tmp_path, monkeypatch):
    locked = inbox / "locked"
    locked.mkdir()
    settled(locked)
    real_iterdir = type(locked).iterdir

    def iterdir(self):
        if self == locked:
            raise PermissionError(13, "Permission denied")
        return real_iterdir(self)

    monkeypatch.setattr(type(locked), "iterdir", iterdir)
    report = run(archive, inbox, tmp_path)
    assert len(report.imported) == 2
    assert [os.path.basename(f["path"]) for f in report.failed] == ["locked"] and report.exit_code == 1
