"""Every command through the CLI: output, --json, --quiet, exit codes and one-line errors."""

import getpass
import json
import os
import shutil
import stat
import types
from contextlib import closing
from pathlib import Path

import pytest
from conftest import FIXTURES, ingest_records, messages_folder, msg, snapshot
from whatsapp_build import build_zip, damage, declare_size, encrypt

import textfile.importers
from textfile import times
from textfile.archive import Archive
from textfile.errors import ImportFailed


def test_init_creates_the_archive_in_the_user_data_dir(bare_cli, tmp_path):
    r = bare_cli(
        "init",
        "--owner",
        "Alex Owner",
        "--phone",
        "202-555-0100",
        "--phone",
        "+44 20 7946 0958",
        "--email",
        "alex@example.com",
        "--tz",
        "America/Chicago",
        "--region",
        "US",
        "--bates-prefix",
        "ALEX",
    )
    path = tmp_path / "xdg" / "textfile" / "archive.db"
    assert r.exit_code == 0, r.output
    key = tmp_path / "config" / "textfile" / "key"
    with Archive.open(path) as made:
        kid = made.settings.key_id
        signing = key.parent / "signing" / f"{made.settings.archive_id}.pem"
        (certificate,) = [r[0] for r in made.conn.execute("SELECT fingerprint FROM signing_keys")]
    assert r.stdout == (
        f"Created archive {path} for Alex Owner (America/Chicago, region US, Bates prefix ALEX).\n"
        f"Its audit log is sealed with the key in {key} (id {kid}): keep a copy of that file apart from the archive;"
        " `textfile verify` needs it to prove the log was not rewritten.\n"
        f"Its productions are signed with the key in {signing} (certificate {certificate[:16]}…): keep a copy of it"
        " apart from the archive too.\n"
    )
    for made in (path, key):
        assert stat.S_IMODE(os.stat(made).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(made.parent).st_mode) == 0o700
    again = bare_cli("init", "--owner", "X", "--tz", "UTC", "--region", "US", "--bates-prefix", "X")
    assert again.exit_code == 1
    assert again.stderr == f"Error: {path}: an archive already exists there; it was left untouched\n"


def test_init_with_env_var_and_json(bare_cli, tmp_path, monkeypatch):
    monkeypatch.setenv("TEXTFILE_ARCHIVE", str(tmp_path / "env.db"))
    r = bare_cli("init", "--owner", "A", "--tz", "UTC", "--region", "gb", "--bates-prefix", "A", "--json")
    data = json.loads(r.stdout)
    assert (data["archive"], data["region"], data["owner_handles"]) == (str(tmp_path / "env.db"), "GB", [])


@pytest.mark.parametrize(
    "args,message",
    [
        (
            ["--tz", "Nowhere/City"],
            "Error: unknown time zone 'Nowhere/City' (use an IANA name such as America/New_York)\n",
        ),
        (["--phone", "12"], "Error: not a valid phone number: '12'\n"),
        (["--region", "ZZ"], "Error: unknown phone region 'ZZ' (use a two-letter country code such as US or GB)\n"),
    ],
)
def test_init_errors_are_one_line(bare_cli, tmp_path, args, message):
    base = {"--owner": "A", "--tz": "UTC", "--region": "US", "--bates-prefix": "A"}
    for flag, value in zip(args[::2], args[1::2]):
        base[flag] = value
    r = bare_cli("--archive", tmp_path / "a.db", "init", *[x for kv in base.items() for x in kv])
    assert (r.exit_code, r.stderr) == (1, message)
    assert not (tmp_path / "a.db").exists()


def test_usage_errors_exit_2(bare_cli):
    assert bare_cli("init", "--owner", "A").exit_code == 2
    assert bare_cli("no-such-command").exit_code == 2


def test_init_names_every_missing_option_at_once(bare_cli, tmp_path):
    """Issue 15: `init` said one missing option at a time (fix it, run again, the next one). Every one
    missing is named in one Error line, a usage error (exit 2); nothing is created."""
    r = bare_cli("--archive", tmp_path / "a.db", "init", "--tz", "UTC")
    assert (r.exit_code, r.stdout, r.stderr) == (
        2,
        "",
        "Error: missing options --owner, --region, --bates-prefix (see textfile init --help)\n",
    )
    r = bare_cli("--archive", tmp_path / "a.db", "init", "--owner", "A", "--tz", "UTC", "--region", "US")
    assert (r.exit_code, r.stderr) == (2, "Error: missing option --bates-prefix (see textfile init --help)\n")
    assert not (tmp_path / "a.db").exists()
    assert "Usage: textfile init" in bare_cli("init", "--help").stdout  # help still wins over what is missing


def test_matter_open_names_every_missing_option_at_once(cli):
    r = cli("matter", "open", "2026-001")
    assert (r.exit_code, r.stderr) == (
        2,
        "Error: missing options --client, --title (see textfile matter open --help)\n",
    )


def test_commands_without_an_archive_say_how_to_make_one(bare_cli, tmp_path):
    r = bare_cli("--archive", tmp_path / "missing.db", "client", "list")
    assert r.exit_code == 1
    assert (
        r.stderr
        == f"Error: no archive at {tmp_path / 'missing.db'} (create one with `textfile init`, or pass --archive)\n"
    )


def test_clients_and_matters(cli):
    r = cli("client", "add", "Sam Client", "--phone", "(202) 555-0143", "--email", "Sam@Example.com")
    assert (r.exit_code, r.stdout) == (0, "Added client Sam Client (sam@example.com, +12025550143).\n")
    r = cli("client", "add", "Other", "--phone", "+12025550143")
    assert (r.exit_code, r.stderr) == (
        1,
        "Error: +12025550143 already belongs to client 'Sam Client'; one handle cannot belong to two clients\n",
    )
    r = cli("client", "add", "Bad", "--phone", "555-01")
    assert (r.exit_code, r.stderr) == (1, "Error: not a valid phone number for region US: '555-01'\n")
    assert (
        cli("matter", "open", "2026-014", "--client", "Sam Client", "--title", "Custody").stdout
        == "Opened matter 2026-014 for Sam Client: Custody.\n"
    )
    r = cli("matter", "open", "2026-015", "--client", "Nobody", "--title", "X")
    assert (r.exit_code, r.stderr) == (1, "Error: no client named 'Nobody' (see `textfile client list`)\n")
    r = cli("matter", "open", "2026-014", "--client", "Sam Client", "--title", "Again")
    assert (r.exit_code, r.stderr) == (1, "Error: a matter '2026-014' already exists\n")
    [c] = json.loads(cli("client", "list", "--json").stdout)
    assert c == {
        "name": "Sam Client",
        "handles": ["sam@example.com", "+12025550143"],
        "matters": 1,
        "open_matters": 1,
        "created_at": c["created_at"],
    }
    assert "Sam Client" in cli("client", "list").stdout
    shown = json.loads(cli("client", "show", "sam client", "--json").stdout)
    assert [m["reference"] for m in shown["matters"]] == ["2026-014"]
    assert "2026-014" in cli("client", "show", "Sam Client").stdout
    assert cli("matter", "hold", "2026-014").stdout == "Matter 2026-014 is under legal hold.\n"
    assert cli("matter", "release", "2026-014").stdout == "Matter 2026-014 is released from legal hold.\n"
    assert cli("matter", "close", "2026-014").stdout == "Matter 2026-014 closed.\n"
    r = cli("matter", "close", "2026-014")
    assert r.exit_code == 1 and r.stderr.startswith("Error: matter '2026-014' is already closed")
    [m] = json.loads(cli("matter", "list", "--json").stdout)
    assert (m["reference"], m["client"], m["title"], m["status"], m["legal_hold"]) == (
        "2026-014",
        "Sam Client",
        "Custody",
        "closed",
        False,
    )
    assert "Custody" in cli("matter", "list").stdout
    assert cli("client", "add", "Quiet One", "--phone", "2025550199", "--quiet").stdout == ""


def test_import_with_no_importer_for_the_file(cli, tmp_path, archive):
    junk = tmp_path / "notes.txt"
    junk.write_text("just some notes\n")
    before = snapshot(archive)
    r = cli("import", junk)
    assert (r.exit_code, r.stderr) == (1, f"Error: {junk}: unsupported or unrecognized export\n")
    r = cli("import", tmp_path / "missing.xml")
    assert (r.exit_code, r.stderr) == (1, f"Error: {tmp_path / 'missing.xml'}: no such file or folder\n")
    r = cli("import", "--format", "nonesuch", junk)
    assert r.exit_code == 1 and r.stderr.startswith("Error: nonesuch: no importer for that format")
    assert snapshot(archive) == before


def test_import_one_file_of_an_iphone_backup_names_the_backups_folder(cli, tmp_path, archive, monkeypatch):
    """`import Manifest.db` (or Info.plist, or a file of the backup's 00…ff folders): the backup is
    read whole, from its folder, which the error names; with --format imessage too (issue 15)."""
    import imessage_build

    backup = imessage_build.build_backup(tmp_path / "00008030-001A2B3C4D5E6F70")
    before = snapshot(archive)
    said = f"this is one file of an iPhone backup: import the backup's folder ({backup})"
    hashed = next(f for f in backup.glob("[0-9a-f][0-9a-f]/*") if f.parent.name != "3d")
    for given in (backup / "Manifest.db", backup / "Info.plist", hashed):
        r = cli("import", given)
        assert (r.exit_code, r.stderr) == (1, f"Error: {given}: {said}\n")
    r = cli("import", "--format", "imessage", backup / "Manifest.db")
    assert (r.exit_code, r.stderr) == (1, f"Error: {backup / 'Manifest.db'}: {said}\n")
    monkeypatch.chdir(backup)  # a relative path: the folder is named in full
    r = cli("import", "Manifest.db")
    assert (r.exit_code, r.stderr) == (1, f"Error: Manifest.db: {said}\n")
    assert snapshot(archive) == before


@pytest.fixture
def test_importer(monkeypatch):
    """A test-only importer (never part of the product): it reads lines `n body`, and fails on `BOOM`."""

    def read(path, options):
        for line_no, line in enumerate(path.read_text().splitlines(), 1):
            if line == "BOOM":
                raise ImportFailed(path, f"line {line_no}: not a message")
            n, body = line.split(" ", 1)
            yield msg(int(n), body)

    module = types.SimpleNamespace(
        FORMAT="lines",
        VERSION="1",
        detect=lambda p: p.suffix == ".lines",
        read=read,
        foreign_entries=lambda folder: [],
        read_from=lambda folder: None,
        # (the whole importer interface, textfile.importers.Importer: every flag declared)
        SENT_BY_THE_PHONE=False,
        READS_A_CLIENTS_PHONE=False,
        COPIES_DIFFER=False,
        JOINS_NUMBERS=False,
        CHAT_NAMED_BY_FILE=False,
        EDITS_CHANGE_IDENTITY=False,
        WALL_CLOCK=False,
    )
    assert textfile.importers.conforms(module) == []
    monkeypatch.setattr(textfile.importers, "importers", lambda: {"lines": module})
    return module


def test_import_prints_counts_and_files_and_is_idempotent(cli, tmp_path, test_importer):
    cli("client", "add", "Sam", "--phone", "202-555-0143")
    cli("matter", "open", "M-1", "--client", "Sam", "--title", "T")
    export = tmp_path / "week1.lines"
    export.write_text("1 hello\n2 the offer is attached\n")
    r = cli("import", export)
    assert r.exit_code == 0, r.output
    assert (
        r.stdout
        == f"{export}: lines, added 2, already present 0, updated 0, skipped 0\n  filed conversation 1 to M-1\n"
        "  review: 1 flag raised (money: 1) (textfile review)\n"  # ("the offer": as its --json gives `flags`)
    )
    export.write_text("1 hello\n2 the offer is attached\n3 thanks\n")
    [result] = json.loads(cli("import", export, "--json").stdout)
    (tmp_path / "bad.lines").write_text("BOOM\n")
    r = cli("import", tmp_path / "bad.lines", export, "--json")
    assert r.exit_code == 1
    assert [(Path(e["path"]).name, e.get("failed"), e.get("added")) for e in json.loads(r.stdout)] == [
        ("bad.lines", "line 1: not a message", None),
        ("week1.lines", None, 0),
    ]
    assert (result["added"], result["already_present"], result["format"], result["filed"]) == (1, 2, "lines", [])
    assert cli("import", export, "--quiet").stdout == ""


def test_a_bad_file_among_good_ones_fails_alone_and_changes_nothing(cli, tmp_path, archive, test_importer):
    good, bad = tmp_path / "good.lines", tmp_path / "bad.lines"
    good.write_text("1 hello\n")
    bad.write_text("2 fine\n3 fine too\nBOOM\n")
    r = cli("import", bad, good)
    assert r.exit_code == 1
    assert r.stderr == f"Error: {bad}: line 3: not a message\n"
    assert archive.conn.execute("SELECT body FROM messages").fetchall()[0][0] == "hello"
    assert archive.conn.execute("SELECT count(*) FROM imports").fetchone()[0] == 1


def test_conversations_file_and_search(cli, tmp_path, test_importer):
    export = tmp_path / "chat.lines"
    export.write_text("1 about the settlement\n2 lunch tomorrow?\n3 settlement signed\n")
    cli("import", export)
    cli("client", "add", "Sam", "--phone", "202-555-0143")
    cli("matter", "open", "M-1", "--client", "Sam", "--title", "T")  # files the waiting conversation
    cli("matter", "open", "M-2", "--client", "Sam", "--title", "T2")
    [c] = json.loads(cli("conversations", "--json").stdout)
    assert (c["id"], c["messages"], c["matters"], c["unfiled"]) == (1, 3, ["M-1"], 0)
    assert json.loads(cli("conversations", "--unfiled", "--json").stdout) == []
    table = cli("conversations").stdout
    assert "Sam Client" in table and "2024-03-01 07:01:00 -05:00" in table
    r = cli("file", "1", "--matter", "M-2", "--from", "2024-03-01T07:02:00", "--until", "2024-03-01")
    assert (r.exit_code, r.stdout) == (
        0,
        "Filed conversation 1 from 2024-03-01 07:02:00 -05:00 until 2024-03-01 23:59:59 -05:00 to M-2 (2 messages).\n",
    )
    r = cli("file", "7", "--matter", "M-2")
    assert (r.exit_code, r.stderr) == (1, "Error: no conversation 7 (see `textfile conversations`)\n")
    r = cli("file", "1", "--matter", "M-2", "--from", "yesterday")
    assert r.exit_code == 1 and r.stderr.startswith("Error: not a date: 'yesterday'")
    hits = json.loads(cli("search", "settlement", "--json").stdout)
    assert [h["body"] for h in hits] == ["about the settlement", "settlement signed"]
    assert [h["body"] for h in json.loads(cli("search", "settle*", "--matter", "M-2", "--json").stdout)] == [
        "settlement signed"
    ]
    assert [
        h["body"]
        for h in json.loads(cli("search", "settlement", "--until", "2024-03-01T07:02:30-05:00", "--json").stdout)
    ] == ["about the settlement"]
    assert json.loads(cli("search", "settlement", "--client", "Sam", "--from", "2024-03-02", "--json").stdout) == []
    assert json.loads(cli("search", 'AND OR ( "', "--json").stdout) == []  # never an FTS syntax error
    assert "[settlement]" in cli("search", "settlement").stdout
    # No word in it (an emoji is not in the full-text index): found by a plain scan.
    export.with_name("more.lines").write_text("4 deal 👍 done\n")
    cli("import", export.with_name("more.lines"))
    [hit] = json.loads(cli("search", "👍", "--json").stdout)
    assert (hit["body"], hit["snippet"]) == ("deal 👍 done", "deal [👍] done")
    assert cli("search", "   ").exit_code == 1
    assert cli("search", "settlement", "--limit", "0").exit_code == 2
    r = cli("search", "x", "--matter", "none")
    assert (r.exit_code, r.stderr) == (1, "Error: no matter 'none' (see `textfile matter list`)\n")


def test_log_at_80_columns_gives_the_details_the_room_each_number_and_time_whole(cli, archive, monkeypatch):
    """A new user's journey: at 80 columns `log` gave "conversation unignore" 21 columns and its
    details 20. The details now have the room the command's name cannot be whole in (it wraps at
    its words); each entry's number and time whole on one line. At 120 the name is whole, the hash there."""
    monkeypatch.setattr(getpass, "getuser", lambda: "paralegal")
    ingest_records(archive, [msg(1, "Hello")])
    assert cli("conversation", "ignore", 1, "--reason", "a wrong number").exit_code == 0
    assert cli("conversation", "unignore", 1, "--reason", "Sam's new number").exit_code == 0
    ignored, unignored = json.loads(cli("log", "--command", "conversation", "--json").stdout)
    at = ignored["details"]["at"]  # (the times and hashes as the entries hold them; each as long as any)
    when = [times.display(e["at"], times.zone("America/New_York")) for e in (ignored, unignored)]
    monkeypatch.setenv("COLUMNS", "80")
    assert cli("log", "--command", "conversation").stdout.splitlines() == [
        "┏━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┓",
        "┃ # ┃ When                       ┃ Command      ┃ Details                      ┃",
        "┡━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┩",
        f'│ {ignored["id"]} │ {when[0]} │ conversation │ at="{at} │',
        '│   │                            │ ignore       │ ", by="paralegal",           │',
        '│   │                            │              │ conversation=1, reason="a    │',
        '│   │                            │              │ wrong number", records of    │',
        "│   │                            │              │ conversation_ignores         │",
        f"│ {unignored['id']} │ {when[1]} │ conversation │ conversation=1,              │",
        '│   │                            │ unignore     │ reason="Sam\'s new number",   │',
        "│   │                            │              │ records of                   │",
        "│   │                            │              │ conversation_ignores,        │",
        '│   │                            │              │ was={"at":                   │',
        f'│   │                            │              │ "{at}",  │',
        '│   │                            │              │ "by": "paralegal", "reason": │',
        '│   │                            │              │ "a wrong number"}            │',
        "└───┴────────────────────────────┴──────────────┴──────────────────────────────┘",
        "(columns left out at 80 columns: Hash; --json has everything)",
    ]
    monkeypatch.setenv("COLUMNS", "120")
    assert cli("log", "--command", "conversation").stdout.splitlines() == [
        "┏━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━┓",
        "┃ # ┃ When                       ┃ Command               ┃ Details                                      ┃ Hash         ┃",
        "┡━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━┩",
        f'│ {ignored["id"]} │ {when[0]} │ conversation ignore   │ at="{at}",               │ {ignored["hash"][:12]} │',
        '│   │                            │                       │ by="paralegal", conversation=1, reason="a    │              │',
        '│   │                            │                       │ wrong number", records of                    │              │',
        "│   │                            │                       │ conversation_ignores                         │              │",
        f'│ {unignored["id"]} │ {when[1]} │ conversation unignore │ conversation=1, reason="Sam\'s new number",   │ {unignored["hash"][:12]} │',
        '│   │                            │                       │ records of conversation_ignores, was={"at":  │              │',
        f'│   │                            │                       │ "{at}", "by":            │              │',
        '│   │                            │                       │ "paralegal", "reason": "a wrong number"}     │              │',
        "└───┴────────────────────────────┴───────────────────────┴──────────────────────────────────────────────┴──────────────┘",
    ]


def test_log_and_verify(cli, archive_path):
    cli("client", "add", "Sam", "--phone", "202-555-0143")
    entries = json.loads(cli("log", "--json").stdout)
    assert [e["command"] for e in entries] == ["init", "client add", "review scan"]  # (the archive reviewed at once)
    assert entries[1]["prev_hash"] == entries[0]["hash"]
    assert "client add" in cli("log").stdout
    # --command selects entries by their command (any case); --limit then takes the last of those
    cli("client", "add", "Kim", "--phone", "202-555-0177")
    assert [e["id"] for e in json.loads(cli("log", "--command", "CLIENT", "--json").stdout)] == [2, 4]
    assert [e["id"] for e in json.loads(cli("log", "--command", "client", "--limit", "1", "--json").stdout)] == [4]
    assert json.loads(cli("log", "--command", "unfile", "--json").stdout) == []
    # the table names the tables whose records' digests an entry keeps (--json has the digests)
    assert "records of client_handles, clients" in " ".join(cli("log", "--command", "client").stdout.split())
    r = cli("verify")
    assert (r.exit_code, r.stdout) == (
        0,
        "Archive verified: 0 messages, 0 attachments, 5 audit entries: all hashes match.\n",
    )
    with Archive.open(archive_path) as archive:
        archive.conn.execute("UPDATE audit_log SET details = replace(details, 'Sam', 'Pam') WHERE id = 2")
    r = cli("verify")
    assert r.exit_code == 3
    assert r.stderr.startswith("Error: audit log entry 2 (client add, ")


def imported_lines(cli, tmp_path, text: str):
    """A `.lines` export (the test importer's) imported; the archive verifies before the test tampers."""
    export = tmp_path / "chat.lines"
    export.write_text(text)
    cli("import", export)
    assert cli("verify").exit_code == 0
    return export


def test_verify_detects_a_changed_message(cli, archive, archive_path, tmp_path, test_importer):
    imported_lines(cli, tmp_path, "1 I never agreed to that\n")
    archive.conn.execute("UPDATE messages SET body = 'I agreed to that'")
    r = cli("verify", "--json")
    assert r.exit_code == 3
    assert json.loads(r.stdout)["problems"][0].endswith(
        "its content no longer matches the hash recorded when it was imported"
    )


DIGEST_BROKEN = (
    "import {}: its messages and versions no longer add up to what the audit log recorded ({}): they were changed, deleted"
    " or added outside textfile"
)
CUSTODY_BROKEN = (
    "import {}: where it found its messages no longer adds up to what the audit log recorded ({}): a message's place in"
    " its source, or a sighting of it, was changed, deleted or added outside textfile"
)


def test_verify_detects_a_deleted_message(cli, archive, archive_path, tmp_path, test_importer):
    imported_lines(cli, tmp_path, "1 I never agreed to that\n2 Thanks, got it.\n")
    # Deleted with its provenance rows too (its first sighting is its own row's, m031), foreign keys off: only
    # the import's count can tell.
    archive.conn.execute("PRAGMA foreign_keys = OFF")
    gone = archive.conn.execute("SELECT id FROM messages WHERE body = 'Thanks, got it.'").fetchone()[0]
    archive.conn.execute("DELETE FROM message_sightings WHERE message_id = ?", (gone,))
    archive.conn.execute("DELETE FROM messages WHERE id = ?", (gone,))
    r = cli("verify", "--json")
    assert r.exit_code == 3
    assert json.loads(r.stdout)["problems"] == [
        "the imports added 2 messages, but the archive holds 1: messages were deleted outside textfile",
        DIGEST_BROKEN.format(1, "2 messages recorded, 1 now"),
        CUSTODY_BROKEN.format(1, "2 sightings recorded, 1 now"),
    ]


def test_verify_detects_rows_pointing_at_a_deleted_message(cli, archive, archive_path, tmp_path, test_importer):
    export = imported_lines(cli, tmp_path, "1 I never agreed to that\n")
    export.write_text(
        "1 I never agreed to that\n1 I never agreed to that\n"
    )  # (seen again: a row of its later sightings)
    assert cli("import", export, "--quiet").exit_code == 0
    archive.conn.execute("PRAGMA foreign_keys = OFF")
    archive.conn.execute("DELETE FROM messages")
    problems = json.loads(cli("verify", "--json").stdout)["problems"]
    assert problems == [
        "the imports added 1 message, but the archive holds 0: messages were deleted outside textfile",
        "1 row of message_sightings points at messages rows that are no longer in the archive",
        DIGEST_BROKEN.format(1, "1 message recorded, 0 now"),
        CUSTODY_BROKEN.format(1, "1 sighting recorded, 0 now"),
    ]


def test_version(bare_cli):
    from textfile import __version__

    assert bare_cli("--version").stdout == f"textfile {__version__}\n"


def test_verify_of_a_path_that_is_no_pdf_file_is_a_usage_mistake_not_a_failed_check(cli, tmp_path):
    missing = tmp_path / "nope.pdf"
    r = cli("verify", missing)
    assert (r.exit_code, r.stderr.strip()) == (1, f"Error: {missing}: no such file")
    r = cli("verify", tmp_path)
    assert (r.exit_code, r.stderr.strip()) == (
        1,
        f"Error: {tmp_path}: not a file, nor a production's folder (it has no SHA256SUMS): a transcript is a PDF file",
    )


def test_import_of_a_folder_of_exports_reads_each_one(cli, tmp_path):
    folder = tmp_path / "week47"
    folder.mkdir()
    for source in (
        FIXTURES / "whatsapp" / "WhatsApp Chat with Kim.txt",
        FIXTURES / "android" / "sms-20240301.xml",
        FIXTURES / "whatsapp" / "WhatsApp Chat - Jordan Lee.zip",
        FIXTURES / "whatsapp" / "IMG-20240312-WA0001.jpg",
    ):
        shutil.copy(source, folder / source.name)
    r = cli("import", folder, "--me", "Alex Owner", "--json")
    assert r.exit_code == 0, r.output
    assert sorted((Path(i["path"]).name, i["format"]) for i in json.loads(r.stdout)) == [
        ("WhatsApp Chat - Jordan Lee.zip", "whatsapp"),
        ("WhatsApp Chat with Kim.txt", "whatsapp"),
        ("sms-20240301.xml", "android"),
    ]
    empty = tmp_path / "empty"
    empty.mkdir()
    r = cli("import", empty)
    assert r.exit_code == 1 and r.stderr.startswith(f"Error: {empty}: ")


@pytest.mark.parametrize("command", [("search", "lease"), ("transcript", "M-1")])
def test_a_date_at_the_edge_of_the_calendar_is_a_one_line_error(cli, command):
    cli("client", "add", "Sam", "--phone", "202-555-0143")
    cli("matter", "open", "M-1", "--client", "Sam", "--title", "Lease")
    r = cli(*command, "--until", "9999-12-31")
    assert (r.exit_code, r.stderr) == (
        1,
        "Error: '9999-12-31' is at the edge of the calendar, where a date in America/New_York"
        " cannot be converted to UTC; use an earlier date\n",
    )


def test_the_same_whatsapp_bytes_under_a_copy_s_name_land_in_the_same_chat(cli, tmp_path):
    original = FIXTURES / "whatsapp" / "WhatsApp Chat - Jordan Lee.zip"
    first = json.loads(cli("import", original, "--json").stdout)[0]
    for name in ("WhatsApp Chat - Jordan Lee copy.zip", "WhatsApp Chat - Jordan Lee 2.zip"):
        shutil.copy(original, tmp_path / name)
        again = json.loads(cli("import", tmp_path / name, "--json").stdout)[0]
        assert (again["added"], again["already_present"]) == (0, first["added"])
    conversations = json.loads(cli("conversations", "--json").stdout)
    assert [c["title"] for c in conversations] == ["Jordan Lee"]


def test_init_over_a_file_that_is_no_archive_or_a_folder_says_what_is_there(bare_cli, tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"junk\n")
    args = ("--owner", "X", "--tz", "UTC", "--region", "US", "--bates-prefix", "X")
    r = bare_cli("--archive", junk, "init", *args)
    assert (r.exit_code, r.stderr) == (
        1,
        f"Error: {junk}: a file that is not a textfile archive already exists there; it was left untouched\n",
    )
    assert junk.read_bytes() == b"junk\n"
    r = bare_cli("--archive", tmp_path, "init", *args)
    assert (r.exit_code, r.stderr) == (
        1,
        f"Error: {tmp_path}: is a folder; give the archive a file name (e.g. {tmp_path / 'archive.db'})\n",
    )


def test_an_empty_file_a_damaged_zip_and_a_bad_email_are_named_as_such(cli, archive, tmp_path):
    (tmp_path / "empty.xml").write_bytes(b"")
    (tmp_path / "cut.zip").write_bytes((FIXTURES / "whatsapp" / "WhatsApp Chat - Jordan Lee.zip").read_bytes()[:200])
    before = snapshot(archive)
    # a member name flagged UTF-8 that is not (found by `make fuzz`: a traceback, UnicodeDecodeError)
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("x\u00e9.txt", b"hello")
    (tmp_path / "badname.zip").write_bytes(buffer.getvalue().replace("x\u00e9.txt".encode(), b"x\xa0\xa0.txt"))
    for name, reason in (
        ("empty.xml", "the file is empty"),
        ("cut.zip", "a damaged or truncated zip file"),
        ("badname.zip", "a damaged or truncated zip file"),
    ):
        r = cli("import", tmp_path / name)
        assert (r.exit_code, r.stderr) == (1, f"Error: {tmp_path / name}: {reason}\n")
    assert snapshot(archive) == before
    r = cli("client", "add", "X", "--email", "foo")
    assert (r.exit_code, r.stderr) == (1, "Error: not a valid email address: 'foo'\n")


def test_a_damaged_database_and_an_archive_are_named_as_such(cli, archive, archive_path, tmp_path):
    """A chat.db cut short is a database the iMessage importer cannot read, not an "unrecognized export"; an
    archive given to `import` is an archive (second reader round 4)."""
    from imessage_build import build_modern

    db = build_modern(tmp_path / "home")
    cut = tmp_path / "cut" / "chat.db"
    cut.parent.mkdir()
    cut.write_bytes(db.read_bytes()[:8192])
    before = snapshot(archive)
    r = cli("import", cut)
    assert (r.exit_code, r.stderr) == (
        1,
        f"Error: {cut}: a SQLite database that is not a readable iMessage chat.db (damaged or truncated, or another"
        " app's): --format imessage says what is wrong with it\n",
    )
    r = cli("import", archive_path)
    assert (r.exit_code, r.stderr) == (
        1,
        f"Error: {archive_path}: a textfile archive, not a phone's export (textfile --archive FILE opens one)\n",
    )
    assert snapshot(archive) == before


BACKUP = '<smses count="1"><sms address="+12025550143" date="1709312400000" type="1" body="{}" /></smses>\n'
DOCTYPE = (
    "refused: the file declares a DOCTYPE (entities could expand without bound); SMS Backup & Restore backups never do"
)
CHAT_TEXT = "cannot read the chat text '_chat.txt' from the zip: it is "
JORDAN = FIXTURES / "whatsapp" / "ios-zip-source"


def _zip(tmp_path: Path, spoil, *args) -> Path:
    return spoil(build_zip(JORDAN, tmp_path / "WhatsApp Chat - Jordan Lee.zip"), "_chat.txt", *args)


@pytest.mark.parametrize(
    "made, reason",
    [
        (lambda tmp: _zip(tmp, encrypt), CHAT_TEXT + "encrypted (a password is needed to read it)"),
        (lambda tmp: _zip(tmp, declare_size, 40), CHAT_TEXT + "larger than it declares (40 bytes)"),
        (lambda tmp: _zip(tmp, damage), CHAT_TEXT + "damaged (its content does not match its CRC-32)"),
        (
            lambda tmp: _write(
                tmp / "bomb.xml",
                '<?xml version="1.0"?>\n<!DOCTYPE smses [\n <!ENTITY lol "lol">\n <!ENTITY lol2 "&lol;&lol;&lol;">\n]>\n'
                + BACKUP.format("&lol2;"),
            ),
            DOCTYPE,
        ),
        (
            lambda tmp: _write(tmp / "lolz.xml", '<!DOCTYPE lolz [<!ENTITY lol "lol">]>\n' + BACKUP.format("&lol;")),
            DOCTYPE,
        ),
        (
            lambda tmp: _write(
                tmp / "external.xml",
                "\ufeff<!DOCTYPE calls SYSTEM 'http://example.com/calls.dtd'>\n<calls count='0' />\n",
                "utf-16",
            ),
            DOCTYPE,
        ),
    ],
    ids=[
        "encrypted chat",
        "chat larger than declared",
        "damaged chat",
        "entity bomb",
        "another doctype name",
        "utf-16 external dtd",
    ],
)
def test_a_refusal_names_the_real_reason(cli, archive, tmp_path, made, reason):
    """Issue 14, point 8: an encrypted or lying chat member is not "a zip file without a WhatsApp chat in it", a backup with a
    DOCTYPE is not "unsupported or unrecognized export": the importer's own refusal is reached, and nothing is changed."""
    path = made(tmp_path)
    before = snapshot(archive)
    r = cli("import", path)
    assert (r.exit_code, r.stdout, r.stderr) == (1, "", f"Error: {path}: {reason}\n")
    assert snapshot(archive) == before


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_the_phone_of_someone_who_is_not_a_client_is_refused_rather_than_attributed_to_the_owner(cli, archive):
    # (Issue 15: a client's own phone is archived; anyone else's is refused, as every phone but the owner's was before.)
    before = snapshot(archive)
    r = cli("import", FIXTURES / "android" / "sms-20240301.xml", "--custodian", "Sam Client")
    assert r.exit_code == 1
    assert r.stderr == (
        f"Error: {FIXTURES / 'android' / 'sms-20240301.xml'}: --custodian 'Sam Client' is not a client of this archive:"
        " add them first (textfile client add 'Sam Client' --phone …)\n"
    )
    assert snapshot(archive) == before
    assert cli("import", FIXTURES / "android" / "sms-20240301.xml", "--custodian", "alex owner").exit_code == 0


def test_a_failing_command_with_json_says_why_on_stdout_too(cli):
    r = cli("search", "x", "--matter", "none", "--json")
    assert r.exit_code == 1
    assert r.stderr == "Error: no matter 'none' (see `textfile matter list`)\n"
    assert json.loads(r.stdout) == {"error": "no matter 'none' (see `textfile matter list`)", "exit_code": 1}
    r = cli("search", "x", "--matter", "none")
    assert r.stdout == ""


def test_a_folder_with_a_chat_db_and_other_exports_is_walked_and_conversation_needs_one_file(cli, tmp_path):
    from imessage_build import build_old

    # A copied Messages folder (its own files and caches, read through chat.db) with other exports
    # dropped into it and beside it: the folder is one export, everything else is read on its own.
    folder = messages_folder(tmp_path, "Messages")
    shutil.copy(build_old(tmp_path / "old"), folder / "chat-oldmac.db")
    (folder / "android").mkdir()
    shutil.copy(FIXTURES / "android" / "sms-20240301.xml", folder / "android")
    (folder / "self").symlink_to(folder)  # a loop: walked once
    r = cli("import", folder, "--json")
    assert r.exit_code == 0, r.output
    assert [(Path(i["path"]).relative_to(tmp_path).as_posix(), i["format"]) for i in json.loads(r.stdout)] == [
        ("Messages", "imessage"),
        ("Messages/android/sms-20240301.xml", "android"),
        ("Messages/chat-oldmac.db", "imessage"),
    ]
    r = cli("import", folder, "--conversation", "Kim")
    assert r.exit_code == 1 and r.stderr.startswith(
        "Error: --conversation names one chat: give it with one export, not 3 ("
    )


def test_init_over_an_archive_whose_tables_are_still_in_its_log_says_so(bare_cli, tmp_path):
    """An archive still open elsewhere (its tables only in -wal so far) is not called "not an archive"."""
    import sqlite3

    path = tmp_path / "busy.db"
    args = ("init", "--owner", "X", "--tz", "UTC", "--region", "US", "--bates-prefix", "X")
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA wal_autocheckpoint = 0")
        conn.execute("CREATE TABLE settings (id INTEGER PRIMARY KEY)")
        conn.execute("INSERT INTO settings VALUES (1)")
        conn.commit()
        before = path.read_bytes(), Path(f"{path}-wal").read_bytes()

        r = bare_cli("--archive", path, *args)

        assert (r.exit_code, r.stderr) == (
            1,
            f"Error: {path}: a database whose latest writes are still in its log (busy.db-wal: perhaps an archive in use, or one a run"
            " left unclosed) already exists there; it was left untouched\n",
        )
        assert (path.read_bytes(), Path(f"{path}-wal").read_bytes()) == before


def test_init_over_another_program_s_wal_database_leaves_nothing_beside_it(bare_cli, tmp_path):
    import sqlite3

    other = tmp_path / "other.db"
    with closing(sqlite3.connect(other)) as conn:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("CREATE TABLE t (x)")
    before = other.read_bytes()
    r = bare_cli("--archive", other, "init", "--owner", "X", "--tz", "UTC", "--region", "US", "--bates-prefix", "X")
    assert r.exit_code == 1 and "a file that is not a textfile archive already exists there" in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"] and other.read_bytes() == before


def test_a_named_hidden_messages_folder_with_a_dangling_link_and_a_second_database(cli, tmp_path):
    from imessage_build import build_backup, build_modern, build_old

    folder = tmp_path / ".Messages"  # named by the user: not passed over for its dot
    shutil.copytree(build_modern(tmp_path / "home").parent, folder)
    shutil.copy(build_old(tmp_path / "old"), folder / "Chat.db")  # another database, not Messages' chat.db
    (folder / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    shutil.copy(FIXTURES / "whatsapp" / "WhatsApp Chat with Kim.txt", folder)
    backup = build_backup(tmp_path / "backup")
    shutil.copy(FIXTURES / "whatsapp" / "WhatsApp Chat with Pat.txt", backup)  # dropped into a backup folder
    r = cli("import", folder, backup, "--json")
    assert r.exit_code == 0, r.output  # a dangling link holds nothing to read, and does not stop the folder
    assert [(Path(i["path"]).name, i["format"]) for i in json.loads(r.stdout)] == [
        (".Messages", "imessage"),
        ("Chat.db", "imessage"),
        ("WhatsApp Chat with Kim.txt", "whatsapp"),
        ("backup", "imessage"),
        ("WhatsApp Chat with Pat.txt", "whatsapp"),
    ]


def test_a_message_s_time_prints_at_the_precision_its_source_wrote(cli, tmp_path):
    """WhatsApp Android-style exports write minutes: no command prints seconds the source never had."""
    chat = tmp_path / "WhatsApp Chat with Sam Client.txt"
    chat.write_text(
        "13/03/2024, 09:05 - Sam Client: Can we meet this week?\n13/03/2024, 09:07 - Alex Owner: Thursday 3 pm works.\n",
        encoding="utf-8",
    )
    cli("import", chat, "--quiet")
    cli("client", "add", "Sam Client", "--quiet")
    cli("matter", "open", "M-1", "--client", "Sam Client", "--title", "Lease", "--quiet")
    assert cli("file", "1", "--matter", "M-1", "--quiet").exit_code == 0
    assert cli("conversations").stdout.splitlines()[3] == (
        "│ 1 │ whatsapp │ Sam Client   │ 2        │ 2024-03-13 09:05 -04:00 │ 2024-03-13 09:07 -04:00 │ M-1    │         │"
    )
    [c] = json.loads(cli("conversations", "--json").stdout)
    assert {k: c[k] for k in ("first", "first_precision", "last", "last_precision")} == {
        "first": "2024-03-13T13:05:00.000Z",
        "first_precision": "minute",
        "last": "2024-03-13T13:07:00.000Z",
        "last_precision": "minute",
    }
    assert cli("search", "Thursday").stdout.splitlines()[3] == (
        "│ 2024-03-13 09:07 -04:00 │ #1.2 │ Sam Client   │ Alex Owner │ [Thursday] 3 pm works. │"
    )  # (the owner by name, as transcripts say)
    assert cli("transcript", "M-1", "--out", tmp_path / "t.pdf", "--quiet").exit_code == 0
    assert cli("deletable").stdout.splitlines()[3] == (
        "│ 1 │ whatsapp │ Sam Client   │ 2        │ 2024-03-13 09:07 -04:00 │ safe to delete from the phone up to 2024-03-13 09:07 -04:00 (#1.2) │"
    )
    [v] = json.loads(cli("deletable", "--json").stdout)
    assert {k: v[k] for k in ("last_archived", "last_archived_precision", "safe_until", "safe_until_precision")} == {
        "last_archived": "2024-03-13T13:07:00.000Z",
        "last_archived_precision": "minute",
        "safe_until": "2024-03-13T13:07:00.000Z",
        "safe_until_precision": "minute",
    }
    r = cli("import", chat, "--tz", "Europe/London")
    assert (r.exit_code, r.stderr) == (
        1,
        f"Error: {chat}: line 1: archived as read in America/New_York (2024-03-13 09:05 -04:00);"
        " read in Europe/London it would move to 2024-03-13 09:05 +00:00, and so would every message"
        " read that way. Pass --tz America/New_York to read this export as before, or --corrects-tz"
        " if Europe/London corrects the earlier reading\n",
    )
