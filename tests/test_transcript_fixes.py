"""Transcripts, as the reviewer walked them through the CLI: one Bates series per prefix whatever its
case, no connection left open after a transcript (the archive's WAL folded back when it closes),
output paths that cannot be written refused in one line, and a WhatsApp sender's name shown once.

The archive is the reviewer's: made by `init`, `client add`, `matter open` and `import` of the
Android fixture, with the WhatsApp fixture filed to a second matter.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from conftest import FIXTURES, snapshot
from typer.testing import CliRunner

from textfile.archive import Archive
from textfile.cli import app
from textfile.errors import InvalidInput

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")

ANDROID = FIXTURES / "android" / "sms-20240301.xml"
WHATSAPP = FIXTURES / "whatsapp" / "WhatsApp Chat with Sam Client.txt"


def run(archive_path: Path, *args):
    return CliRunner().invoke(app, ["--archive", str(archive_path), *map(str, args)], catch_exceptions=False)


def pages_text(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1]


def state(archive_path: Path) -> dict:
    with Archive.open(archive_path) as archive:
        return snapshot(archive)


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("reviewer") / "archive.db"
    for args in (
        [
            "init",
            "--owner",
            "Alex Owner",
            "--tz",
            "America/New_York",
            "--region",
            "US",
            "--bates-prefix",
            "R3",
            "--phone",
            "(202) 555-0100",
        ],
        ["client", "add", "Sam Client", "--phone", "(202) 555-0143"],
        ["matter", "open", "2026-014", "--client", "Sam Client", "--title", "Lease"],
        ["import", ANDROID],  # files its conversations with Sam to 2026-014, the client's one matter
        ["matter", "open", "2026-015", "--client", "Sam Client", "--title", "Chat"],
        ["import", WHATSAPP],
    ):
        r = run(path, *args)
        assert r.exit_code == 0, r.output
    with sqlite3.connect(path) as conn:
        [(whatsapp,)] = conn.execute("SELECT id FROM conversations WHERE platform = 'whatsapp'")
    r = run(path, "file", whatsapp, "--matter", "2026-015")
    assert r.exit_code == 0, r.output
    return path


@pytest.fixture
def archive_path(base, tmp_path) -> Path:
    """A copy of the module's archive (the backup API: whole, whatever its WAL holds)."""
    with sqlite3.connect(base) as src, sqlite3.connect(tmp_path / "archive.db") as dst:
        src.backup(dst)
    src.close()
    dst.close()
    return tmp_path / "archive.db"


# -- 1. one Bates series per prefix, whatever its case --------------------------------------------


def test_a_prefix_in_another_case_is_the_same_series_and_keeps_its_first_spelling(archive_path, tmp_path):
    r = run(
        archive_path,
        "transcript",
        "2026-014",
        "--bates-prefix",
        "GAP",
        "--bates-start",
        200,
        "--out",
        tmp_path / "a.pdf",
        "--json",
    )
    assert r.exit_code == 0, r.output
    made = json.loads(r.stdout)
    last = 199 + made["pages"]
    assert (made["bates_first"], made["bates_last"]) == ("GAP-000200", f"GAP-{last:06d}")
    before = state(archive_path)
    for prefix in ("gap", "Gap", "GAP"):
        r = run(
            archive_path,
            "transcript",
            "2026-014",
            "--bates-prefix",
            prefix,
            "--bates-start",
            201,
            "--out",
            tmp_path / "b.pdf",
        )
        assert (r.exit_code, r.stderr) == (
            1,
            f"Error: Bates numbers up to GAP-{last:06d} are already used; the next free number is {last + 1}\n",
        )
    assert state(archive_path) == before
    assert not (tmp_path / "b.pdf").exists()

    r = run(archive_path, "transcript", "2026-014", "--bates-prefix", "gap", "--out", tmp_path / "b.pdf", "--json")
    assert r.exit_code == 0, r.output
    second = json.loads(r.stdout)
    assert (second["bates_first"], second["bates_last"]) == (f"GAP-{last + 1:06d}", f"GAP-{last + second['pages']:06d}")
    pages = pages_text(tmp_path / "b.pdf")
    assert [re.search(r"\S+$", page.rstrip()).group() for page in pages] == [
        f"GAP-{n:06d}" for n in range(last + 1, last + 1 + len(pages))
    ]
    assert "gap-" not in "\n".join(pages)
    with Archive.open(archive_path) as archive:
        assert dict(archive.conn.execute("SELECT prefix, next_number FROM bates_counters")) == {
            "GAP": last + len(pages) + 1
        }
        assert [
            tuple(row) for row in archive.conn.execute("SELECT bates_prefix, bates_first FROM transcripts ORDER BY id")
        ] == [("GAP", 200), ("GAP", last + 1)]


def test_the_archives_prefix_in_lower_case_continues_its_series(archive_path, tmp_path):
    r = run(archive_path, "transcript", "2026-014", "--bates-prefix", "r3", "--out", tmp_path / "a.pdf", "--json")
    assert r.exit_code == 0, r.output
    first = json.loads(r.stdout)
    assert first["bates_first"] == "R3-000001"  # the archive's own spelling, never a new r3 series
    r = run(archive_path, "transcript", "2026-014", "--out", tmp_path / "b.pdf", "--json")
    assert json.loads(r.stdout)["bates_first"] == f"R3-{first['pages'] + 1:06d}"
    before = state(archive_path)
    r = run(
        archive_path, "transcript", "2026-014", "--bates-prefix", "r3", "--bates-start", 1, "--out", tmp_path / "c.pdf"
    )
    used = 2 * first["pages"]
    assert (r.exit_code, r.stderr) == (
        1,
        f"Error: Bates numbers up to R3-{used:06d} are already used; the next free number is {used + 1}\n",
    )
    assert state(archive_path) == before and not (tmp_path / "c.pdf").exists()


def test_counters_already_split_by_case_are_read_as_one(archive_path, tmp_path):
    """An archive written before the fix may hold SMITH|114 and smith|107: the series is used up to 113."""
    with Archive.open(archive_path) as archive, archive.transaction() as conn:
        conn.executemany(
            "INSERT INTO bates_counters (prefix, next_number) VALUES (?, ?)", [("SMITH", 114), ("smith", 107)]
        )
    before = state(archive_path)
    r = run(
        archive_path,
        "transcript",
        "2026-014",
        "--bates-prefix",
        "smith",
        "--bates-start",
        110,
        "--out",
        tmp_path / "a.pdf",
    )
    assert (r.exit_code, r.stderr) == (
        1,
        "Error: Bates numbers up to SMITH-000113 are already used; the next free number is 114\n",
    )
    assert state(archive_path) == before
    r = run(archive_path, "transcript", "2026-014", "--bates-prefix", "smith", "--out", tmp_path / "a.pdf", "--json")
    made = json.loads(r.stdout)
    assert made["bates_first"] == "SMITH-000114"
    with Archive.open(archive_path) as archive:
        counters = dict(archive.conn.execute("SELECT prefix, next_number FROM bates_counters"))
    assert counters == {"SMITH": 114 + made["pages"], "smith": 114 + made["pages"]}


def test_a_prefix_ending_in_a_hyphen_is_refused(archive_path, tmp_path):
    before = state(archive_path)
    r = run(archive_path, "transcript", "2026-014", "--bates-prefix", "SMITH-", "--out", tmp_path / "a.pdf")
    assert (r.exit_code, r.stderr) == (
        1,
        "Error: invalid Bates prefix 'SMITH-': leave out the final - (numbers are written SMITH-000001)\n",
    )
    assert state(archive_path) == before and not (tmp_path / "a.pdf").exists()


def test_an_archive_made_with_a_prefix_ending_in_a_hyphen_goes_on_with_its_series(archive_path, tmp_path):
    with sqlite3.connect(archive_path) as conn:  # as `init` accepted it before the rule
        conn.execute("UPDATE settings SET bates_prefix = 'SMITH-'")
    r = run(archive_path, "transcript", "2026-014", "--out", tmp_path / "a.pdf", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["bates_first"] == "SMITH--000001"
    r = run(archive_path, "transcript", "2026-014", "--bates-prefix", "SMITH-", "--out", tmp_path / "b.pdf")
    assert r.exit_code == 1  # typed anew, the rule holds


# -- 2. no connection left open: the archive alone is the whole record -----------------------------


def test_after_a_transcript_the_archive_file_alone_holds_it(archive_path, tmp_path):
    r = run(archive_path, "transcript", "2026-014", "--out", tmp_path / "a.pdf")
    assert r.exit_code == 0, r.output
    # The CLI closed the archive; had any other connection stayed open, the WAL would still be there.
    assert not Path(f"{archive_path}-wal").exists()
    alone = tmp_path / "copy" / "archive.db"
    alone.parent.mkdir()
    shutil.copyfile(archive_path, alone)  # a plain copy of the one file
    r = run(alone, "verify", tmp_path / "a.pdf")
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith(f"{tmp_path / 'a.pdf'}: matches the archive (transcript ")
    r = run(alone, "transcript", "2026-014", "--bates-start", 1, "--out", tmp_path / "b.pdf")
    assert r.exit_code == 1 and r.stderr.startswith("Error: Bates numbers up to R3-")


@pytest.mark.parametrize("workers, chunk_size", [(1, 1000), (1, 5), (2, 5)])
def test_make_transcript_closes_every_connection_it_opened(archive_path, tmp_path, workers, chunk_size):
    from textfile.transcript import make_transcript
    from textfile.transcript.render import layout

    with Archive.open(archive_path) as archive:
        made = make_transcript(
            archive, matter="2026-014", out=tmp_path / "a.pdf", workers=workers, chunk_size=chunk_size
        )
        assert made["render"]["processes"] == workers
        assert layout._state.get("conn") is None
    assert not Path(f"{archive_path}-wal").exists()


# -- 3. output paths --------------------------------------------------------------------------------


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc (a folder where no file can be made)")
@pytest.mark.parametrize(
    "option, where, error",
    [
        ("--out", "/proc/a.pdf", "Error: cannot write /proc/a.pdf: No such file or directory\n"),
        ("--out-dir", "/proc/x", "Error: /proc/x: cannot create the folder (No such file or directory)\n"),
    ],
)
def test_a_place_that_cannot_be_written_is_one_line_and_records_nothing(archive_path, option, where, error):
    before = state(archive_path)
    r = run(archive_path, "transcript", "2026-014", option, where, *(["--mkdir"] if option == "--out-dir" else []))
    assert (r.exit_code, r.stderr) == (1, error)
    assert state(archive_path) == before


def test_out_in_a_missing_or_non_folder_says_what_is_wrong(archive_path, tmp_path):
    before = state(archive_path)
    r = run(archive_path, "transcript", "2026-014", "--out", tmp_path / "other" / "x.pdf")
    assert (r.exit_code, r.stderr) == (
        1,
        f"Error: cannot write {tmp_path / 'other' / 'x.pdf'}: the folder {tmp_path / 'other'} does not exist"
        " (make it, or give --mkdir to have textfile make it)\n",
    )
    (tmp_path / "afile").write_text("x")
    r = run(archive_path, "transcript", "2026-014", "--out", tmp_path / "afile" / "x.pdf")
    assert (r.exit_code, r.stderr) == (
        1,
        f"Error: cannot write {tmp_path / 'afile' / 'x.pdf'}: {tmp_path / 'afile'} is not a folder\n",
    )
    (tmp_path / "adir").mkdir()
    r = run(archive_path, "transcript", "2026-014", "--out", tmp_path / "adir")
    assert (r.exit_code, r.stderr) == (
        1,
        f"Error: {tmp_path / 'adir'} is a folder: give the PDF's file name, or use --out-dir {tmp_path / 'adir'}\n",
    )
    assert state(archive_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adir", "afile", "archive.db"] and not any(
        (tmp_path / "adir").iterdir()
    )


def test_out_dir_that_does_not_exist_is_an_error_unless_mkdir(archive_path, tmp_path):
    """A mistyped --out-dir made a new folder and the PDF went there unseen (issue 15): it is an
    error naming the folder, and nothing is recorded; --mkdir makes it, readable by its owner only."""
    before = state(archive_path)
    missing = tmp_path / "transcripts" / "2026"
    r = run(archive_path, "transcript", "2026-014", "--out-dir", missing)
    assert (r.exit_code, r.stderr) == (
        1,
        f"Error: {missing}: no such folder (make it, or give --mkdir to have textfile make it)\n",
    )
    assert state(archive_path) == before and not (tmp_path / "transcripts").exists()
    (tmp_path / "afile").write_text("x")
    r = run(archive_path, "transcript", "2026-014", "--out-dir", tmp_path / "afile", "--mkdir")
    assert (r.exit_code, r.stderr) == (
        1,
        f"Error: {tmp_path / 'afile'}: a file is in the way; --out-dir must be a folder\n",
    )
    made = json.loads(run(archive_path, "transcript", "2026-014", "--out-dir", missing, "--mkdir", "--json").stdout)
    assert Path(made["path"]).parent == missing and Path(made["path"]).is_file()
    assert [oct(p.stat().st_mode & 0o777) for p in (tmp_path / "transcripts", missing)] == ["0o700", "0o700"]
    # --out's folder likewise: an error that names --mkdir, which makes it
    out = tmp_path / "new" / "folder" / "t.pdf"
    r = run(archive_path, "transcript", "2026-014", "--out", out)
    assert (r.exit_code, r.stderr) == (
        1,
        f"Error: cannot write {out}: the folder {out.parent} does not exist (make it, or give --mkdir to"
        " have textfile make it)\n",
    )
    assert run(archive_path, "transcript", "2026-014", "--out", out, "--mkdir").exit_code == 0 and out.is_file()
    assert oct(out.parent.stat().st_mode & 0o777) == "0o700"


def test_a_new_transcript_never_takes_the_name_of_a_recorded_one_whose_file_was_moved(archive_path, tmp_path):
    """Walk 15b: a snapshot moved away, then the next one written under its name, made the first read
    as altered (exit 3), as if tampered with. The name a transcript is recorded at stays its own."""
    first = json.loads(run(archive_path, "transcript", "2026-014", "--out-dir", tmp_path, "--json").stdout)["path"]
    moved = tmp_path / "moved.pdf"
    Path(first).rename(moved)
    second = json.loads(run(archive_path, "transcript", "2026-014", "--out-dir", tmp_path, "--json").stdout)["path"]
    assert second == first.replace("_transcript.pdf", "_transcript-2.pdf")
    r = run(archive_path, "transcript", "2026-014", "--out", first)
    assert (r.exit_code, r.stderr) == (
        1,
        f"Error: {first} is where the archive records an earlier transcript, whose file is gone (moved?"
        " textfile verify --moved NEW.pdf records where): choose another --out\n",
    )
    r = run(archive_path, "verify")
    assert r.exit_code == 3 and "is missing" in r.stderr and "altered" not in r.stderr
    assert run(archive_path, "verify", "--moved", moved).exit_code == 0
    assert run(archive_path, "verify").exit_code == 0


def test_out_ending_in_a_separator_names_a_folder_and_is_refused(archive_path, tmp_path):
    from textfile.transcript import make_transcript

    before = state(archive_path)
    with Archive.open(archive_path) as archive:
        with pytest.raises(InvalidInput) as refused:
            make_transcript(archive, matter="2026-014", out=f"{tmp_path}/adirx/")
    assert (
        str(refused.value)
        == f"{tmp_path}/adirx/ ends in /, so it names a folder: give the PDF's file name, or use --out-dir {tmp_path}/adirx/"
    )
    assert state(archive_path) == before and not (tmp_path / "adirx").exists()


def test_cli_out_ending_in_a_separator_is_refused(archive_path, tmp_path):
    before = state(archive_path)
    r = run(archive_path, "transcript", "2026-014", "--out", f"{tmp_path}/adirx/")
    assert (r.exit_code, r.stderr) == (
        1,
        f"Error: {tmp_path}/adirx/ ends in /, so it names a folder: give the PDF's file name,"
        f" or use --out-dir {tmp_path}/adirx/\n",
    )
    assert state(archive_path) == before and not (tmp_path / "adirx").exists()


# -- 4. a sender whose handle is their name is named once --------------------------------------------


def test_a_whatsapp_sender_is_named_once_and_an_android_sender_with_the_number(archive_path, tmp_path):
    r = run(archive_path, "transcript", "2026-015", "--out", tmp_path / "wa.pdf", "--json")
    assert r.exit_code == 0, r.output
    made = json.loads(r.stdout)
    pages = pages_text(tmp_path / "wa.pdf")
    text = "\n".join(pages)
    assert "Sam Client Sam Client" not in text and "Alex Owner Alex Owner" not in text
    with sqlite3.connect(archive_path) as conn:
        [(w,)] = conn.execute("SELECT id FROM conversations WHERE platform = 'whatsapp'")
    conn.close()
    assert (
        f"#{w}.3 2024-03-12 09:01 -04:00 Sam Client · incoming · WhatsApp\nHi Alex, can we talk about the lease?"
        in text
    )
    assert f"#{w}.4 2024-03-12 09:02 -04:00 Alex Owner · outgoing · WhatsApp\nSure. Send me the draft." in text
    assert f"#{w}.2 2024-03-12 09:00 -04:00 (no sender) · system · WhatsApp" in text
    assert "whatsapp. Participants: Sam Client; Alex Owner (owner)" in text
    cover = re.sub(r"\s+", " ", pages[0])
    assert re.search(
        r"# Source Participants Messages First and last \d+ whatsapp Sam Client; Alex Owner \(owner\) WhatsApp 15 \(total 15\) ",
        cover,
    )
    assert run(archive_path, "verify", tmp_path / "wa.pdf").exit_code == 0  # display only: the manifest is what it was

    r = run(archive_path, "transcript", "2026-014", "--out", tmp_path / "sms.pdf")
    assert r.exit_code == 0, r.output
    pages = pages_text(tmp_path / "sms.pdf")
    text = "\n".join(pages)
    assert re.search(
        r"^1 +android Sam Client \+12025550143; Alex Owner \+12025550100( \(owner\))? +MMS 2, SMS 9 ", pages[0], re.M
    )  # no "Sam Client:" title
    assert re.search(
        r"^4 +android Sam Client, Dana Reyes, Lee Park: Sam Client \+12025550143; ", pages[0], re.M
    )  # a title of its own stays; the client file names the number
    assert "#1.1 2024-03-01 12:00:00 -05:00 Sam Client +12025550143 · incoming · SMS" in text
    assert "#1.2 2024-03-01 12:01:00 -05:00 Alex Owner +12025550100 · outgoing · SMS" in text
    assert "android. Participants: Sam Client +12025550143; Alex Owner +12025550100 (owner)" in text
    assert made["messages"] == 15


# -- 5. a number the export names nobody for is shown with the client's name -----------------------


def test_an_imessage_number_is_shown_with_the_clients_name(tmp_path):
    from imessage_build import build_modern

    chat_db = build_modern(tmp_path / "home")
    path = tmp_path / "im.db"
    for args in (
        [
            "init",
            "--owner",
            "Alex Owner",
            "--tz",
            "America/New_York",
            "--region",
            "US",
            "--bates-prefix",
            "IM",
            "--phone",
            "(202) 555-0100",
        ],
        ["client", "add", "Jordan Client", "--phone", "(202) 555-0123"],
        ["matter", "open", "IM-1", "--client", "Jordan Client", "--title", "Texts"],
        ["import", chat_db, "--attachments-root", tmp_path / "home"],
    ):
        r = run(path, *args)
        assert r.exit_code == 0, r.output
    out = tmp_path / "im.pdf"
    assert run(path, "transcript", "IM-1", "--out", out).exit_code == 0
    text = "\n".join(pages_text(out))
    assert "Participants: Jordan Client +12025550123;" in text
    headers = [line for line in text.splitlines() if re.match(r"\s*#\d+\.\d+ ", line) and "+12025550123" in line]
    assert headers and all("-05:00 Jordan Client +12025550123" in h for h in headers), headers


# -- 6. a transcript moved or renamed: its new place can be recorded --------------------------------


def test_a_moved_transcript_can_be_recorded_where_it_is_now(archive_path, tmp_path):
    first = tmp_path / "t.pdf"
    assert run(archive_path, "transcript", "2026-014", "--out", first).exit_code == 0
    moved = tmp_path / "filed" / "exhibit-7.pdf"
    moved.parent.mkdir()
    first.rename(moved)
    r = run(archive_path, "verify")
    assert r.exit_code == 3 and f"transcript {first} " in r.stderr
    r = run(archive_path, "verify", moved)
    assert r.exit_code == 0
    assert (
        f"the archive records it at {first}, where it is gone: if it was moved, record its new place with textfile verify --moved {moved}"
        in r.stdout
    )
    before = state(archive_path)
    r = run(archive_path, "verify", "--moved", moved, "--json")
    [report] = json.loads(r.stdout)
    assert (r.exit_code, report["ok"], report["moved_from"]) == (0, True, str(first))
    after = state(archive_path)
    assert [t for t in after["transcripts"] if t not in before["transcripts"]] and run(
        archive_path, "verify"
    ).exit_code == 0
    with sqlite3.connect(archive_path) as conn:
        assert conn.execute("SELECT path FROM transcripts").fetchall() == [(str(moved),)]
        assert json.loads(conn.execute("SELECT details FROM audit_log ORDER BY id DESC").fetchone()[0])["to"] == str(
            moved
        )
    # A copy beside an original still in place moves nothing.
    copy = tmp_path / "copy.pdf"
    shutil.copy(moved, copy)
    r = run(archive_path, "verify", "--moved", copy, "--json")
    assert json.loads(r.stdout)[0]["moved_from"] is None
    with sqlite3.connect(archive_path) as conn:
        assert conn.execute("SELECT path FROM transcripts").fetchall() == [(str(moved),)]
