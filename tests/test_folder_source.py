"""What is said of the SHA-256 of an export that is a folder (an unzipped WhatsApp export in a folder of
its own, as the weekly run's inbox holds a week's chat): its sha256 is of the folder's listing (each
file's name, size and modification time), not of any file's content, and the certification and the
transcript say so, naming it as a folder, with the chat text its messages were read from and that
file's own sha256, as its import recorded them. A file's import, certification and transcript say
what they said before.

Made with the CLI, as a user makes them: an archive, Sam Client's matter, the fixture's chat imported
(in a folder, or as itself), filed and produced."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from conftest import FIXTURES, OWNER
from typer.testing import CliRunner

from textfile import times
from textfile.archive import Archive
from textfile.cli import app
from textfile.errors import ImportFailed
from textfile.fingerprint import canonical_json, tree_listing
from textfile.ingest import import_path

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")

CHAT = FIXTURES / "whatsapp" / "WhatsApp Chat with Sam Client.txt"
CHAT_SHA = hashlib.sha256(CHAT.read_bytes()).hexdigest()
SIZE = CHAT.stat().st_size
NEW_YORK = times.zone("America/New_York")
PARAGRAPH_3 = (
    "3. Collection. The messages were copied from the 1 export listed in Schedule A: {exported} exported from the"
    " phones or accounts that held the messages (a WhatsApp “Export chat” {kind}). When it imported each export,"
    " textfile computed and recorded the file's size and SHA-256 hash value{folder}, its format, when it was"
    " imported, and whose phone or account it came from (its custodian). textfile reads an export without"
    " changing it.{again}"
)
FOLDER_SAID = (
    " (for an export that is a folder, the total size of its files and the SHA-256 hash value of the folder's"
    " listing: of each file's name, size and modification time, not of the files' content; where the messages"
    " were read from one file of the folder, that file's name, size and SHA-256 hash value too; how the listing"
    " is written is stated after Schedule A)"
)
AS_A_FOLDER = {"exported": "folders", "kind": "folder", "folder": FOLDER_SAID, "again": ""}
AS_A_FILE = {"exported": "files", "kind": "file", "folder": "", "again": ""}
AGAIN = (
    " An export imported more than once (the same bytes, under the same name and custodian) is listed once,"
    " with the number and time of each import."
)
LISTING_SAID = [  # (the note after Schedule A, as the text wraps it)
    "How a folder's listing is written, so that its SHA-256 hash value can be computed again from the",
    "folder (or a copy that keeps each file's modification time to the nanosecond): one entry for every",
    "file in the folder and in its subfolders (a link to a folder is not followed; a link to a file is",
    "entered with its target's size and time, one whose target is missing with its own), each a list of",
    'three values: the file\'s path relative to the folder, its parts joined by "/"; its size in bytes;',
    "and its modification time in whole nanoseconds since 1970-01-01 00:00:00 UTC. The entries are in the",
    "order of the subfolder they are in (the folder itself first, then its subfolders by their relative",
    "paths), and within a subfolder in the order of the files' names, paths and names compared character",
    "by character by Unicode code point. The listing is the JSON list of those entries, with no space or",
    "line break, each character outside ASCII written as itself, encoded in UTF-8; its SHA-256 hash value",
    "is that of those bytes. For example:",
    '[["a.txt",12,1709312460000000000],["media/IMG-1.jpg",20480,1709312461000000000]].',
    "",
]


def run(archive_path: Path, *args):
    result = CliRunner().invoke(app, ["--archive", str(archive_path), *map(str, args)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def produced(base: Path, export: Path, imports: int = 1) -> dict:
    """`export` imported into a new archive (`imports` times), its chat filed to Sam Client's matter and
    produced: the archive, its first imports row (and every one), the production's folder."""
    path = base / "archive.db"
    Archive.create(path, **OWNER).close()
    run(path, "client", "add", "Sam Client", "--phone", "(202) 555-0143")
    run(path, "matter", "open", "2026-014", "--client", "Sam Client", "--title", "Custody")
    for _ in range(imports):
        run(path, "import", export, "--me", "Alex Owner")
    run(path, "file", "1", "--matter", "2026-014")
    run(path, "produce", "2026-014", "--out", base / "p", "--mkdir")
    with sqlite3.connect(path) as conn:
        conn.row_factory = sqlite3.Row
        rows = [dict(r) for r in conn.execute("SELECT * FROM imports ORDER BY id")]
    conn.close()
    assert len(rows) == imports
    return {"path": path, "import": rows[0], "imports": rows, "out": base / "p"}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """The chat in a folder of its own ("week2"), imported as that folder."""
    base = tmp_path_factory.mktemp("folder")
    (base / "week2").mkdir()
    shutil.copy(CHAT, base / "week2")
    return produced(base, base / "week2") | {"folder": base / "week2"}


@pytest.fixture(scope="module")
def file(tmp_path_factory):
    """The chat imported as itself."""
    return produced(tmp_path_factory.mktemp("file"), CHAT)


def certified(made: dict) -> str:
    return (made["out"] / "CERTIFICATION.txt").read_text(encoding="utf-8")


def paragraph(text: str, start: str) -> str:
    [found] = [p for p in text.split("\n\n") if p.startswith(start)]
    return " ".join(found.split())


def schedule_a(text: str) -> list[str]:
    return text[text.index("\nSchedule A: the") + 1 : text.index("\nSchedule B: the")].split("\n")


def cover(made: dict) -> str:
    """The production's PDF's text, as one line."""
    [pdf] = (made["out"] / "IMAGES").glob("*.pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", " ", text)


def test_a_folder_import_records_what_the_folder_is_and_the_chat_text_it_was_read_from(folder):
    listing = tree_listing(folder["folder"])
    row = folder["import"]
    assert (row["file_name"], row["size"], row["sha256"]) == (
        "week2",
        SIZE,
        hashlib.sha256(canonical_json(listing).encode()).hexdigest(),
    )
    assert row["sha256"] != CHAT_SHA  # (the listing's, not the chat's: what is said of it must say so)
    assert json.loads(row["options"]) == {
        "folder": {"files": 1, "read_from": {"file": CHAT.name, "size": SIZE, "sha256": CHAT_SHA}},
        "me": "Alex Owner",
    }


def test_the_certification_names_a_folder_as_one_and_says_what_its_sha256_is_of(folder):
    text, row = certified(folder), folder["import"]
    assert paragraph(text, "3. Collection.") == PARAGRAPH_3.format(**AS_A_FOLDER)
    imported = times.display(row["finished_at"], NEW_YORK)
    assert schedule_a(text) == [
        "Schedule A: the exports the messages were copied from",
        "",
        "Import: 1; Folder: week2 (1 file); Format: WhatsApp “Export chat”; Size: 1,007 bytes (its files",
        f"together); Imported: {imported}; Custodian: Alex Owner; Messages produced: 15",
        "    SHA-256 of the folder's listing (each file's name, size and modification time, not the files'"
        f" content): {row['sha256']}",
        f"    Messages read from its file: {CHAT.name} (1,007 bytes)",
        f"    SHA-256 of that file: {CHAT_SHA}",
        "",
        *LISTING_SAID,
    ]


def test_the_transcript_names_a_folder_as_one_and_says_what_its_sha256_is_of(folder):
    row = folder["import"]
    started = times.display(row["started_at"], NEW_YORK)
    said = cover(folder)
    assert "Sources File or folder Format Size Imported Messages (bytes)" in said
    assert (
        f" week2 whatsapp 1,007 import 1, {started} 15"
        " From the phone of Alex Owner, the archive's owner (no custodian was named when it was imported)."
        " A folder of 1 file, its size the files' total; sha256 of the folder's listing (each file's name, size and"
        f" modification time, not the files' content) {row['sha256']}. Its messages were read from its file"
        f" {CHAT.name} (1,007 bytes), sha256 {CHAT_SHA} "
    ) in said


def test_a_file_is_certified_and_transcribed_as_before(file):
    row = file["import"]
    assert (row["file_name"], row["size"], row["sha256"], json.loads(row["options"])) == (
        CHAT.name,
        SIZE,
        CHAT_SHA,
        {"me": "Alex Owner"},
    )
    text = certified(file)
    assert paragraph(text, "3. Collection.") == PARAGRAPH_3.format(**AS_A_FILE)
    imported = times.display(row["finished_at"], NEW_YORK)
    assert schedule_a(text) == [
        "Schedule A: the exports the messages were copied from",
        "",
        f"Import: 1; File: {CHAT.name}; Format: WhatsApp “Export chat”; Size: 1,007",
        f"bytes; Imported: {imported}; Custodian: Alex Owner; Messages produced: 15",
        f"    SHA-256: {CHAT_SHA}",
        "",
    ]
    started = times.display(row["started_at"], NEW_YORK)
    said = cover(file)
    assert "Sources File Format Size Imported Messages (bytes)" in said
    assert (
        f" {CHAT.name} whatsapp 1,007 import 1, {started} 15"
        " From the phone of Alex Owner, the archive's owner (no custodian was named when it was imported)."
        f" sha256 {CHAT_SHA} "
    ) in said


def by_the_certification(folder: Path) -> str:
    """The sha256 of a folder's listing, computed as the certification says it is written (not with
    textfile's code): its subfolders by relative path (itself first), each one's files by name, each
    entry [path, size, modification time in ns], compact JSON, UTF-8."""
    subfolders = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_dir())
    entries = []
    for sub in ["", *subfolders]:
        here = folder / sub
        for name in sorted(p.name for p in here.iterdir() if p.is_file()):
            st = (here / name).stat()
            entries.append([f"{sub}/{name}" if sub else name, st.st_size, st.st_mtime_ns])
    listing = json.dumps(entries, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(listing.encode("utf-8")).hexdigest()


def test_the_listing_a_folder_s_sha256_is_of_can_be_computed_again_as_the_certification_says(folder, tmp_path):
    """The recorded sha256 of the fixture's folder, and of one with subfolders whose names order otherwise
    by path than by folder ("a" before "a b", though "a b/…" sorts before "a/…") and names outside ASCII."""
    assert by_the_certification(folder["folder"]) == folder["import"]["sha256"]
    made = tmp_path / "export"
    for rel, data in (
        ("_chat.txt", b"chat"),
        ("a/z.txt", b"z"),
        ("a b/c.txt", b"cc"),
        ("médias/€ 1.opus", b"opus!"),
        ("médias/Zed.jpg", b""),
    ):
        (made / rel).parent.mkdir(parents=True, exist_ok=True)
        (made / rel).write_bytes(data)
    listing = tree_listing(made)
    assert [entry[0] for entry in listing] == ["_chat.txt", "a/z.txt", "a b/c.txt", "médias/Zed.jpg", "médias/€ 1.opus"]
    assert by_the_certification(made) == hashlib.sha256(canonical_json(listing).encode()).hexdigest()


@pytest.mark.parametrize("twice", ["folder", "file"])
def test_an_export_imported_twice_is_listed_once_with_both_imports(tmp_path, twice):
    """The same folder (or file) imported twice, the same bytes: Schedule A lists it once, with each
    import's number and time, and paragraph 3 says so; the messages it holds are counted once."""
    if twice == "folder":
        (tmp_path / "week2").mkdir()
        shutil.copy(CHAT, tmp_path / "week2")
    made = produced(tmp_path, tmp_path / "week2" if twice == "folder" else CHAT, imports=2)
    first, second = made["imports"]
    assert (first["sha256"], first["size"]) == (second["sha256"], second["size"])
    text = certified(made)
    said = AS_A_FOLDER if twice == "folder" else AS_A_FILE
    assert paragraph(text, "3. Collection.") == PARAGRAPH_3.format(**{**said, "again": AGAIN})
    at = [times.display(row["finished_at"], NEW_YORK) for row in made["imports"]]
    if twice == "folder":
        rows = [
            "Imports: 1, 2; Folder: week2 (1 file); Format: WhatsApp “Export chat”; Size: 1,007 bytes (its files",
            f"together); Imported: {at[0]} (import 1); {at[1]} (import 2);",
            "Custodian: Alex Owner; Messages produced: 15",
            "    SHA-256 of the folder's listing (each file's name, size and modification time, not the files'"
            f" content): {first['sha256']}",
            f"    Messages read from its file: {CHAT.name} (1,007 bytes)",
            f"    SHA-256 of that file: {CHAT_SHA}",
            "",
            *LISTING_SAID,
        ]
    else:
        rows = [
            f"Imports: 1, 2; File: {CHAT.name}; Format: WhatsApp “Export chat”; Size: 1,007",
            f"bytes; Imported: {at[0]} (import 1); {at[1]} (import 2);",
            "Custodian: Alex Owner; Messages produced: 15",
            f"    SHA-256: {CHAT_SHA}",
            "",
        ]
    assert schedule_a(text) == ["Schedule A: the exports the messages were copied from", "", *rows]


def test_a_folder_that_changed_since_it_was_hashed_is_refused_and_nothing_is_imported(tmp_path):
    """The weekly run hashes a folder, then imports it: a folder changed in between is refused, or its
    record would describe another listing than the one its sha256 is of."""
    (tmp_path / "week2").mkdir()
    shutil.copy(CHAT, tmp_path / "week2")
    with Archive.create(tmp_path / "archive.db", **OWNER) as archive:
        with pytest.raises(ImportFailed) as refused:
            import_path(archive, tmp_path / "week2", me="Alex Owner", digest=(SIZE, "0" * 64))
        assert (
            str(refused.value) == f"{tmp_path / 'week2'}: the folder changed while it was being read; import it again"
        )
        assert archive.conn.execute("SELECT count(*) FROM imports").fetchone()[0] == 0
        assert archive.conn.execute("SELECT count(*) FROM messages").fetchone()[0] == 0


def test_the_weekly_run_records_a_week_s_chat_in_a_folder_of_its_own_as_a_folder(archive, tmp_path):
    """The cron inbox: a week's chat in a sub-folder is one export, a folder, hashed by the run and
    imported with what that folder is (the same listing: the run's hash is the import's)."""
    import os
    import time

    from textfile import weekly

    week = tmp_path / "inbox" / "week2"
    week.mkdir(parents=True)
    shutil.copy(CHAT, week)
    hour_ago = time.time() - 3600  # (settled: a file written within the last minute waits for the next run)
    for settled in (week / CHAT.name, week):
        os.utime(settled, (hour_ago, hour_ago))
    report = weekly.archive_inbox(archive, tmp_path / "inbox", tmp_path / "out", render=None, me="Alex Owner")
    assert ([r["path"] for r in report.imported], report.failed) == ([str(week)], [])
    row = archive.conn.execute("SELECT file_name, size, sha256, options FROM imports").fetchone()
    assert (row["file_name"], row["size"], row["sha256"], json.loads(row["options"])) == (
        "week2",
        SIZE,
        hashlib.sha256(canonical_json(tree_listing(week)).encode()).hexdigest(),
        {
            "folder": {"files": 1, "read_from": {"file": CHAT.name, "size": SIZE, "sha256": CHAT_SHA}},
            "me": "Alex Owner",
        },
    )
