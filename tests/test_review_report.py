"""The review report (`review --pdf FILE`): what the PDF shows (read back with pdftotext), its Bates
numbers after a transcript's, its manifest against `review --json` and `--csv`, its record and audit
entry, and `textfile verify REPORT.pdf`.

A report is rendered once per module on a small matter and read by many tests; tests that change the
archive work on a copy of it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import OWNER, msg, source
from typer.testing import CliRunner

from textfile.archive import Archive
from textfile.cli import app
from textfile.ingest import ingest

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")

NEW_YORK = ZoneInfo("America/New_York")
HOSTILE = "Hostile <b>not bold</b> & {{ 7*7 }} \x07 bell, مرحبا — is the settlement offer ok?\nsecond line"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A time in New York in March 2024 (Friday the 1st, Saturday the 2nd), as UTC."""
    return datetime(2024, 3, day, hour, minute, tzinfo=NEW_YORK).astimezone(UTC)


def records() -> list:
    """A matter's conversation: a text flagged out (content limits), a deadline answered by a text, an
    arrest after hours answered by a call the next morning, and hostile text about money never answered."""
    return [
        replace(msg(1, "Hi Alex, quick question about the lease"), sent_at=at(1, 10)),
        replace(msg(2, "Sure. My advice: do not sign anything yet.", out=True), sent_at=at(1, 10, 5)),
        replace(msg(3, "The hearing is on Monday and the deadline is Friday!"), sent_at=at(1, 10, 10)),
        replace(msg(4, "Got it, I will file today.", out=True), sent_at=at(1, 10, 40)),
        replace(msg(5, "I was arrested tonight, they took me to jail"), sent_at=at(1, 20, 15)),
        replace(
            msg(6, "", out=True), kind="call", status="outgoing", duration_s=300, service="Phone", sent_at=at(2, 8)
        ),
        replace(msg(7, HOSTILE), sent_at=at(2, 9)),
    ]


def run(archive_path: Path, *args):
    return CliRunner().invoke(app, ["--archive", str(archive_path), *map(str, args)], catch_exceptions=False)


def build(path: Path) -> Path:
    """The archive: hours Mon-Fri 09:00-18:00, Sam's consent on record, the records filed to 2026-014,
    the deadline flag reviewed and the content-limits flag dismissed."""
    from textfile import filing

    with Archive.create(path, **OWNER) as archive:
        ingest(archive, source(), records())
        with archive.transaction() as conn:
            filing.add_client(conn, "Sam Client", ["+12025550143"], [], "US")
            filing.open_matter(conn, "2026-014", "Sam Client", "Lease dispute")
    for args in (
        ("settings", "--hours", "Mon-Fri 09:00-18:00"),
        (
            "client",
            "consent",
            "Sam Client",
            "--given",
            "2024-01-02",
            "--method",
            "written",
            "--scope",
            "scheduling only",
        ),
    ):
        assert run(path, *args).exit_code == 0
    flags = flag_ids(path)
    assert (
        run(
            path, "review", "ack", flags["deadlines", "1.3"], "--note", "called back, hearing noted", "--by", "alice"
        ).exit_code
        == 0
    )
    assert (
        run(
            path, "review", "dismiss", flags["content_limits", "1.2"], "--reason", "not advice", "--by", "bob"
        ).exit_code
        == 0
    )
    return path


def flag_ids(path: Path) -> dict[tuple[str, str], int]:
    listed = json.loads(run(path, "review", "--all", "--json").stdout)["flags"]
    return {(f["rule"], f["number"]): f["id"] for f in listed}


def text_of(pdf: Path) -> str:
    """The PDF's text, its words joined by single spaces (table cells and wrapped lines read as one run)."""
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(text.split())


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """(archive path, the --json of the report made, its path) for matter 2026-014, every state."""
    folder = tmp_path_factory.mktemp("review-report")
    path = build(folder / "archive.db")
    r = run(path, "review", "--matter", "2026-014", "--all", "--pdf", folder / "report.pdf", "--json")
    assert r.exit_code == 0, r.output
    return path, json.loads(r.stdout), folder / "report.pdf"


@pytest.fixture
def copy(made, tmp_path) -> tuple[Path, Path]:
    """A copy of the module's archive and report, for a test that changes them."""
    path, _, pdf = made
    shutil.copy(path, tmp_path / "archive.db")
    shutil.copy(pdf, tmp_path / "report.pdf")
    return tmp_path / "archive.db", tmp_path / "report.pdf"
