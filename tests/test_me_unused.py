"""A --me the importer of a source does not read is said to be unused, in one warning recorded on the import, as an
unused --tz is (ingest/policy.py `_me`): an iMessage database from the owner's own device marks what they sent and
names the handle each went from (a --me that is none of the owner's handles says how to make it one), and an Android
backup takes --me as its phone's number, never a name. The import goes on, read exactly as without --me; a client's
phone (--custodian) reads it; the archive run's --me, a WhatsApp name or an Android number by its help, goes unsaid."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
from contextlib import closing
from pathlib import Path

import pytest
from conftest import FIXTURES, OWNER
from imessage_build import build_client_phone, build_modern

from textfile.archive import Archive
from textfile.ingest import import_path

WHY_IMESSAGE = (
    "an iMessage database marks the messages its owner sent and names the handle each went from; --me names the"
    " handle of a client's phone, with --custodian"
)
SMS = FIXTURES / "android" / "sms-20240301.xml"
PAT = FIXTURES / "whatsapp" / "WhatsApp Chat with Pat.txt"


def said_of_me(output: str) -> list[str]:
    """The lines of an import's output that say a --me was not used."""
    return [line for line in output.splitlines() if "--me" in line and "was not used" in line]


def imports(archive) -> list[tuple]:
    """Every import: its file, format, the options it records, and those of its warnings that say a --me was not used."""
    return [
        (i["file_name"], i["format"], json.loads(i["options"]), said_of_me("\n".join(json.loads(i["warnings"]))))
        for i in archive.conn.execute("SELECT * FROM imports ORDER BY id")
    ]


def messages(archive) -> list[tuple]:
    """Every message as archived: its conversation, reference, sender (handle, name, is_owner), direction, text, version."""
    return [
        tuple(r)
        for r in archive.conn.execute(
            "SELECT c.source_key, m.source_ref, p.handle, p.display_name, p.is_owner, m.direction, m.body, m.version"
            " FROM messages m JOIN conversations c ON c.id = m.conversation_id JOIN participants p ON p.id = m.sender_id"
            " ORDER BY m.id"
        )
    ]


@pytest.mark.parametrize(
    "me, hint",
    [
        ("+1 202 555 0100", ""),  # the owner's own number
        ("Alex Owner", ""),  # a name (for a WhatsApp chat in the same command): no handle to add
        (
            "202-555-0177",
            ". +12025550177 is not one of the archive's own numbers or emails: textfile settings --add-phone"
            " +12025550177 makes it one of yours",
        ),
        (
            "Casey@Example.com",
            ". casey@example.com is not one of the archive's own numbers or emails: textfile settings --add-email"
            " casey@example.com makes it one of yours",
        ),
    ],
)
def test_an_imessage_database_of_the_owner_s_device_says_me_was_not_used_and_reads_as_without_it(
    cli, archive, tmp_path, me, hint
):
    db = build_modern(tmp_path / "home")
    r = cli("import", db, "--me", me)
    assert r.exit_code == 0, r.output
    line = f"--me {me!r} was not used: {WHY_IMESSAGE}{hint}"
    assert said_of_me(r.stdout) == [f"  warning: {line}"]
    assert imports(archive) == [("chat.db", "imessage", {"me": me}, [line])]
    # Read exactly as without --me, which says nothing of it.
    with Archive.create(tmp_path / "without.db", **OWNER) as without:
        result = import_path(without, db)
        assert said_of_me("\n".join(result.warnings)) == []
        assert messages(archive) == messages(without) != []


def test_a_client_s_phone_reads_me_and_the_owner_named_as_custodian_does_not(cli, archive, tmp_path):
    """--custodian CLIENT: --me is the handle of the client's phone, read (and checked), not said to be unused. The owner
    named as the custodian is the owner's own device, as without --custodian: --me is not read."""
    jordan = "+12025550123"
    assert cli("client", "add", "Jordan Lee", "--phone", jordan, "--email", "jordan@example.com").exit_code == 0
    client = cli("import", build_client_phone(tmp_path / "client"), "--custodian", "Jordan Lee", "--me", jordan)
    assert client.exit_code == 0, client.output
    assert said_of_me(client.stdout) == []
    own = cli("import", build_modern(tmp_path / "owner"), "--custodian", "Alex Owner", "--me", "alex@example.com")
    assert own.exit_code == 0, own.output
    line = f"--me 'alex@example.com' was not used: {WHY_IMESSAGE}"
    assert said_of_me(own.stdout) == [f"  warning: {line}"]
    assert imports(archive) == [
        ("chat.db", "imessage", {"me": jordan}, []),
        ("chat.db", "imessage", {"me": "alex@example.com"}, [line]),
    ]
    assert [tuple(r) for r in archive.conn.execute("SELECT import_id, client_id FROM import_custodians")] == [(1, 1)]


def _aged(folder: Path) -> None:
    """Every file under `folder` written an hour ago (the archive run leaves what was written lately for the next)."""
    hour_ago = time.time() - 3600
    for path in [folder, *folder.rglob("*")]:
        os.utime(path, (hour_ago, hour_ago))


def test_one_me_for_a_mix_of_formats_is_said_unused_where_it_is_and_the_archive_run_s_goes_unsaid(
    cli, archive, tmp_path
):
    """One `import --me NAME` of a WhatsApp chat, an Android backup and an iMessage database: the chat reads the name;
    the backup takes --me as its phone's number and the database does not read it, each said. An Android backup
    given the owner's number reads it, as before, without a word. The archive run's --me is, by its help, a WhatsApp
    name or an Android number: where an export of its inbox does not read it, nothing is said."""
    mac = build_modern(tmp_path / "mac")
    r = cli("import", "--me", "Alex Owner", PAT, SMS, mac)
    assert r.exit_code == 0, r.output
    android = (
        "--me 'Alex Owner' was not used: an Android backup takes --me as the number of the phone it came from, and"
        " this is no phone number (in region US) or email; a name in --me is for WhatsApp chats"
    )
    imessage = f"--me 'Alex Owner' was not used: {WHY_IMESSAGE}"
    assert said_of_me(r.stdout) == [f"  warning: {android}", f"  warning: {imessage}"]
    number = cli("import", "--me", "202-555-0100", FIXTURES / "android" / "sms-20240308.xml")
    assert number.exit_code == 0, number.output
    assert said_of_me(number.stdout) == []

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(FIXTURES / "android" / "calls-20240301.xml", inbox)
    shutil.copy(FIXTURES / "whatsapp" / "WhatsApp Chat with Bo.txt", inbox)
    (inbox / "Messages").mkdir()
    shutil.copy(mac, inbox / "Messages" / "chat.db")
    with closing(sqlite3.connect(inbox / "Messages" / "chat.db")) as copy:
        copy.execute("PRAGMA user_version = 1")  # (the same messages in other bytes: not the import's again)
    _aged(inbox)
    run = cli("archive", inbox, "--out", tmp_path / "out", "--mkdir", "--me", "Alex Owner", "--date-order", "mdy")
    assert run.exit_code == 0, run.output
    assert said_of_me(run.output) == []
    assert imports(archive) == [
        ("WhatsApp Chat with Pat.txt", "whatsapp", {"me": "Alex Owner"}, []),
        ("sms-20240301.xml", "android", {"me": "Alex Owner"}, [android]),
        ("chat.db", "imessage", {"me": "Alex Owner"}, [imessage]),
        ("sms-20240308.xml", "android", {"me": "202-555-0100"}, []),
        ("Messages", "imessage", {"date_order": "mdy", "folder": {"files": 1}, "me": "Alex Owner"}, []),
        ("WhatsApp Chat with Bo.txt", "whatsapp", {"date_order": "mdy", "me": "Alex Owner"}, []),
        ("calls-20240301.xml", "android", {"date_order": "mdy", "me": "Alex Owner"}, []),
    ]
