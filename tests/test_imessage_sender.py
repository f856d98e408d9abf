"""What the owner's phone sent is from the handle chat.db says it went from (destination_caller_id, else account),
never one picked; where it names none the owner's first handle is taken and said; a database whose sent messages
name someone else's handle is refused; an archive made before the handle was read takes the handle each message names,
as a new version of it (evidence replaces the assumption the importer made before, never the other way round)."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import imessage_build as build
import pytest
from conftest import OWNER, ROOT
from earlier_release import run, textfile_of

from textfile.archive import Archive
from textfile.ingest import import_path

PREVIOUS = "6e72afe"  # main before the sending handle was read: every sent message had the owner's first handle
OWNER_FIRST, OWNER_EMAIL = "+12025550100", "alex@example.com"  # conftest's OWNER: its handles, in order
ANA = "+12025550123"
SENT = [  # modern.py's messages the phone sent, as archived: (ROWID, direction, text, version: ROWID 6 was edited)
    ("ROWID 2", "out", "Yes, 3pm at the office.", 1),
    ("ROWID 6", "out", "Actually, 3:30 works better.", 2),
    ("ROWID 9", "out", "\ufffcHere is the receipt.", 1),
    ("ROWID 12", "system", "Alex Owner added jamie@example.com", 1),
    ("ROWID 17", "system", "Alex Owner removed +12025550123", 1),
]


def chat_db(tmp_path: Path, caller_id: str | None = None, account: str | None = None, rows: str = "1") -> Path:
    """modern.py's chat.db whose sent messages (those `rows` selects) name `caller_id` / `account`; its chats
    the same handle."""
    db = build.build_modern(tmp_path / "home")
    conn = sqlite3.connect(db)
    conn.execute(
        f"UPDATE message SET destination_caller_id = ?, account = ? WHERE is_from_me = 1 AND {rows}",
        (caller_id, account),
    )
    conn.execute("UPDATE chat SET last_addressed_handle = ?", (caller_id,))
    conn.commit()
    conn.close()
    return db


def sent(archive) -> list[tuple]:
    """Every message the owner's phone sent: its reference, sender (handle, name, is_owner), direction, text, versions."""
    return [
        tuple(r)
        for r in archive.conn.execute(
            "SELECT m.source_ref, p.handle, p.display_name, p.is_owner, m.direction, m.body, m.version FROM messages m"
            " JOIN participants p ON p.id = m.sender_id WHERE p.is_owner = 1 ORDER BY m.sent_at"
        )
    ]


def owners(archive) -> list[tuple]:
    """The owner's entries among each conversation's people: (conversation key, handle, name)."""
    return [
        tuple(r)
        for r in archive.conn.execute(
            "SELECT c.source_key, p.handle, p.display_name FROM participants p JOIN conversations c"
            " ON c.id = p.conversation_id WHERE p.is_owner = 1 ORDER BY c.source_key, p.handle"
        )
    ]


def test_sent_messages_are_from_the_handle_the_database_names(cli, archive, tmp_path):
    db = chat_db(tmp_path, OWNER_EMAIL, f"e:{OWNER_EMAIL}")
    r = cli("import", db)
    assert r.exit_code == 0, r.output
    assert "sent from" not in r.output  # (no assumption: the database names the handle)
    assert sent(archive) == [(ref, OWNER_EMAIL, "Alex Owner", 1, d, body, v) for ref, d, body, v in SENT]
    assert owners(archive) == [
        ("+;chat493827161", OWNER_EMAIL, "Alex Owner"),
        ("-;+12025550123", OWNER_EMAIL, "Alex Owner"),
        ("-;+12025550188", OWNER_EMAIL, "Alex Owner"),
    ]
    shown = cli("conversation", "show", "1").output
    assert f"Participants: {ANA}; Alex Owner {OWNER_EMAIL} (owner)" in shown
    assert [line.split(" · ")[0].split(" ", 4)[4] for line in shown.splitlines() if "· outgoing" in line] == [
        f"Alex Owner {OWNER_EMAIL}"
    ] * 3
    assert OWNER_FIRST not in shown


def test_the_account_names_the_handle_where_the_caller_id_does_not(archive, tmp_path):
    result = import_path(archive, chat_db(tmp_path, None, "E:Alex@Example.com"))
    assert [a for a in result.assumptions if not a.startswith("attachment files")] == []  # (no sender assumed)
    assert sent(archive) == [(ref, OWNER_EMAIL, "Alex Owner", 1, d, body, v) for ref, d, body, v in SENT]


def test_a_number_the_database_names_is_read_as_handles_are(tmp_path):
    second = "+12025550101"  # (the owner's second number: not the one an earlier release picked)
    with Archive.create(tmp_path / "archive.db", **{**OWNER, "phones": [OWNER_FIRST, second]}) as archive:
        result = import_path(archive, chat_db(tmp_path, "(202) 555-0101", "p:0"))
        assert [a for a in result.assumptions if not a.startswith("attachment files")] == []
        assert sent(archive) == [(ref, second, "Alex Owner", 1, d, body, v) for ref, d, body, v in SENT]


def test_sent_messages_that_name_no_handle_are_the_owner_s_first_and_that_is_said(cli, archive, tmp_path):
    r = cli("import", chat_db(tmp_path))
    assert r.exit_code == 0, r.output
    assert (
        "  assumed: 6 sent messages name no handle they were sent from: attributed to +12025550100, the owner's first\n"
        in r.output
    )
    assert sent(archive) == [(ref, OWNER_FIRST, "Alex Owner", 1, d, body, v) for ref, d, body, v in SENT]


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    "rows, said",
    [
        (
            "1",
            "every message this database sent names +12025550222 as the handle it went from, none of the owner's handles",
        ),
        (
            "ROWID >= 9",
            "3 of the 6 messages this database sent name +12025550222 as the handle they went from, none of the owner's"
            " handles (the first: ROWID 9)",
        ),
    ],
)
def test_someone_else_s_database_is_refused_and_the_archive_unchanged(cli, archive, archive_path, tmp_path, rows, said):
    assert cli("import", build.build_old(tmp_path / "old" / "chat.db")).exit_code == 0
    before = _md5(archive_path)
    db = chat_db(tmp_path, "+12025550222", "p:+12025550222", rows)
    r = cli("import", db)
    assert r.exit_code == 1
    assert r.output == (
        f"Error: {db}: {said}: it is someone else's device (if this is a client's own phone, import it with --custodian"
        " NAME; if it is a number or email of the owner's, add it first (textfile settings --add-phone … or --add-email"
        " …)); nothing was imported\n"
    )
    assert _md5(archive_path) == before


def test_an_archive_made_before_the_handle_was_read_takes_the_handle_each_names_as_a_new_version(tmp_path):
    """The importer before gave every sent message the owner's first handle without reading it: the handle the
    database names replaces that assumption, each message a new version (the earlier keeps the first handle), said
    once; read again, nothing changes, and a database naming none keeps what was read (evidence is not undone)."""
    previous = textfile_of(PREVIOUS, tmp_path / "previous", "main before the sending handle was read")
    archive_path = tmp_path / "earlier.db"
    made = run(previous, archive_path, "init", "--owner", "Alex Owner", "--phone", OWNER_FIRST, "--email", OWNER_EMAIL,
               "--tz", "America/New_York", "--region", "US", "--bates-prefix", "TF")  # fmt: skip
    assert made.returncode == 0, made.stderr
    db = chat_db(tmp_path, OWNER_EMAIL, f"e:{OWNER_EMAIL}")
    assert run(previous, archive_path, "import", db).returncode == 0
    with Archive.open(archive_path) as archive:
        people = owners(archive)
    assert people == [
        (key, OWNER_FIRST, "Alex Owner") for key in ("+;chat493827161", "-;+12025550123", "-;+12025550188")
    ]
    r = run(ROOT, archive_path, "import", db, "--json")
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)[0]
    assert (result["added"], result["updated"], result["already_present"]) == (0, 5, 10)
    assert (
        "5 messages the owner sent name alex@example.com as the handle they went from, where an earlier import gave"
        " them +12025550100, the owner's first handle, without reading it: each a new version from alex@example.com,"
        " the earlier kept (ROWID 2, ROWID 6, ROWID 9, ROWID 12, ROWID 17)"
    ) in result["warnings"]
    assert not [w for w in result["warnings"] if "changed since it was archived" in w]
    verified = run(ROOT, archive_path, "verify")
    assert verified.returncode == 0 and "all hashes match" in verified.stdout, verified.stdout + verified.stderr
    with Archive.open(archive_path) as archive:
        assert sent(archive) == [(ref, OWNER_EMAIL, "Alex Owner", 1, d, body, v + 1) for ref, d, body, v in SENT]
        assert [
            tuple(r)
            for r in archive.conn.execute(
                "SELECT v.version, json_extract(v.earlier, '$.sender') FROM message_versions v"
                " JOIN messages m ON m.id = v.message_id WHERE m.source_ref = 'ROWID 2'"
            )
        ] == [(1, OWNER_FIRST)]
        # the owner under both handles: the first sent the earlier versions
        assert owners(archive) == sorted([*people, *((key, OWNER_EMAIL, "Alex Owner") for key, _, _ in people)])
    again = json.loads(run(ROOT, archive_path, "import", db, "--json").stdout)[0]
    assert (again["added"], again["updated"], again["already_present"]) == (0, 0, 15)
    unnamed = chat_db(tmp_path / "unnamed")  # (the same messages, naming no handle: the first is assumed)
    kept = json.loads(run(ROOT, archive_path, "import", unnamed, "--json").stdout)[0]
    assert (kept["added"], kept["updated"]) == (0, 0)
    assert (
        "5 messages the owner sent keep alex@example.com, the handle an earlier import read they went from, where"
        " this source gives +12025550100, the owner's first"
    ) in kept["assumptions"]
