"""Shared fixtures: a fresh archive, the CLI bound to it, record builders, table snapshots."""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from textfile.archive import Archive
from textfile.cli import app
from textfile.ingest import Source, ingest
from textfile.model import Conversation, Message, Participant

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
# ../shared/corpus beside the checkout; from a worktree one folder deeper (/work/wt/NAME), the same folder of its parent
CORPUS = next(
    (p / "shared" / "corpus" for p in (ROOT.parent, ROOT.parent.parent) if (p / "shared" / "corpus").is_dir()),
    ROOT.parent / "shared" / "corpus",
)

OWNER = dict(
    owner_name="Alex Owner",
    phones=["+12025550100"],
    emails=["alex@example.com"],
    tz="America/New_York",
    region="US",
    bates_prefix="TF",
)


@pytest.fixture(scope="session", autouse=True)
def session_config(tmp_path_factory):
    """The session's config folder (the key that seals audit logs, the heads beside it), never the user's."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))
        patch.delenv("TEXTFILE_KEY", raising=False)
        yield


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """`scripts/demo.sh` run once for the session, in a copy of what it reads (it makes demo/ beside
    them), its output piped, as cron or `make demo > demo.log` does: (the folder, its exit code, its log)."""
    import os
    import subprocess
    import sys

    folder = tmp_path_factory.mktemp("demo")
    for name in ("scripts", "fixtures"):
        shutil.copytree(ROOT / name, folder / name)
    (folder / "tests").mkdir()
    shutil.copy(ROOT / "tests" / "imessage_build.py", folder / "tests")
    bin_ = Path(sys.executable).parent  # the .venv's bin, where `make setup` installs textfile
    env = {**os.environ, "PATH": f"{bin_}{os.pathsep}{os.environ['PATH']}", "TERM": "xterm-256color"}
    env.pop("COLUMNS", None)
    done = subprocess.run(
        ["bash", "scripts/demo.sh"],
        cwd=folder,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        timeout=600,
    )
    return folder, done.returncode, done.stdout.decode()


@pytest.fixture
def own_config(tmp_path, monkeypatch) -> Path:
    """A config folder of the test's own, for tests that take the key away: ask for it before the archive."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return tmp_path / "config" / "textfile"


@pytest.fixture
def archive_path(tmp_path) -> Path:
    return tmp_path / "archive.db"


@pytest.fixture
def archive(archive_path):
    with Archive.create(archive_path, **OWNER) as opened:
        yield opened


@pytest.fixture
def cli(archive, archive_path):
    """Run `textfile --archive <the fixture's archive> ARGS…`; returns the click Result."""
    runner = CliRunner()

    def run(*args, input=None):
        return runner.invoke(
            app, ["--archive", str(archive_path), *map(str, args)], input=input, catch_exceptions=False
        )

    return run


@pytest.fixture
def temp_root():
    """A TMPDIR for commands run as processes: empty, and short (the forkserver's socket is made in
    it, and a socket's path must fit in 107 bytes)."""
    folder = Path(tempfile.mkdtemp(prefix="tf-", dir="/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def bare_cli(tmp_path, monkeypatch):
    """The CLI with no archive yet (for init and location tests)."""
    monkeypatch.delenv("TEXTFILE_ARCHIVE", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    runner = CliRunner()

    def run(*args, input=None):
        return runner.invoke(app, [*map(str, args)], input=input, catch_exceptions=False)

    return run


def unwatch(conn) -> None:
    """Drop audit.watch's temporary triggers (they name today's columns): for a test that turns the
    archive back into what an earlier version made."""
    for (trigger,) in conn.execute("SELECT name FROM sqlite_temp_master WHERE type = 'trigger'").fetchall():
        conn.execute(f"DROP TRIGGER temp.{trigger}")


def snapshot(archive: Archive) -> dict[str, list[tuple]]:
    """Every row of every table (FTS shadow tables included): equal snapshots = unchanged archive. The chain
    of custody is the view `message_sources` (every sighting), not its storage `message_sightings` (m031)."""
    conn = archive.conn
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE (type = 'table' OR name = 'message_sources') AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name"
        )
    ]
    out = {}
    for name in names:
        if name in (
            "messages_fts",
            "message_versions_fts",
            "message_sightings",
        ):  # (their content is their tables'; their shadow tables are kept; the sightings are message_sources')
            continue
        out[name] = [tuple(r) for r in conn.execute(f'SELECT * FROM "{name}" ORDER BY 1, 2')]
    return out


# -- synthetic records (the ingest pipeline's own tests need no importer) -----------------------

SAM = Participant("+12025550143", "Sam Client")
ME = Participant("+12025550100", "Alex Owner", is_owner=True)
SAM_CHAT = Conversation("android", "+12025550143", None, False, (SAM, ME))


def msg(
    n: int, body: str | None = None, *, conversation: Conversation = SAM_CHAT, out: bool = False, **extra
) -> Message:
    sent = datetime(2024, 3, 1, 12, 0, tzinfo=UTC).timestamp() + n * 60
    return Message(
        conversation=conversation,
        identity=(conversation.source_key, n, body if body is not None else f"message {n}"),
        sent_at=datetime.fromtimestamp(sent, UTC),
        direction="out" if out else "in",
        sender=ME if out else conversation.participants[0],
        body=body if body is not None else f"message {n}",
        source_zone="UTC",
        service="SMS",
        source_ref=f"element {n}",
        **extra,
    )


def source(name: str = "sms-test.xml", **extra) -> Source:
    return Source(
        path=f"/exports/{name}",
        file_name=name,
        size=123,
        sha256="0" * 64,
        format="android",
        importer_version="test",
        zone="America/New_York",
        region="US",
        **extra,
    )


def ingest_records(archive: Archive, records, name: str = "sms-test.xml"):
    return ingest(archive, source(name), records)


def messages_folder(tmp_path: Path, name: str) -> Path:
    """A copied ~/Library/Messages folder: the modern fixture's chat.db, Messages' other database
    and settings, and a chat text that came as an attachment (part of a message, not an export)."""
    from imessage_build import build_modern

    folder = tmp_path / name
    shutil.copytree(build_modern(tmp_path / "home").parent, folder)
    (folder / "prewarmsg.db").write_bytes(b"")
    (folder / "com.apple.messages.plist").write_bytes(b"bplist00")
    (folder / "Attachments" / "aa").mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / "whatsapp" / "WhatsApp Chat with Kim.txt", folder / "Attachments" / "aa")
    return folder


def transcript_numbers(pdf) -> list[str]:
    """Every message's number in a transcript, in its order ("2.15": conversation 2's 15th), told by
    the numbering its manifest records."""
    import json

    from textfile.transcript import manifest
    from textfile.transcript.content import number_at

    data = json.loads(manifest.read(pdf))
    return [str(number_at(data["scope"]["numbering"], p)) for p in range(1, data["message_count"] + 1)]


# The country code the fixtures' Android backups gave the numbers they write without one, read in region US (an
# assumption each import records and every transcript of them prints: second reader, round 6, #7).
CODES = "numbers written without a country code were read as numbers of region US (the archive's region) and given its code +1"
CALLS_CODES = f"{CODES} — as written: 2025550143 as +12025550143"  # (calls-20240301.xml)
SMS_CODES = (  # (sms-20240301.xml and sms-20240308.xml)
    f"{CODES} — as written: (202) 555-0143 as +12025550143, 2025550143 as +12025550143, 2025550191 as +12025550191"
)


# What `import` says of a WhatsApp export read in the archive's zone (America/New_York) with no --tz (cli/imports.py).
ZONE_SAID = (
    "  assumed: times read as wall-clock times in America/New_York, the archive's zone (the export writes none);"
    " pass --tz ZONE if the phone was set to another\n"
)
