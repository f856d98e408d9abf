"""`textfile search` finds a message by any of its texts: the current one, and every earlier version
(what a later export shows deleted or edited, an iMessage edit's first text), saying which."""

from __future__ import annotations

import json
from pathlib import Path

from textfile.archive import Archive
from textfile.model import Version

from conftest import ingest_records, msg
from imessage_build import build_modern

# The same chat exported twice, in Android's shape: by the second export Alex had edited the 09:05
# message and Sam had deleted the 09:07 one.
WEEK1 = """\
13/03/2024, 09:05 - Alex Owner: Thursday 3 pm works.
13/03/2024, 09:07 - Sam Client: My sister says the second page is missing.
"""
WEEK2 = """\
13/03/2024, 09:05 - Alex Owner: Thursday 3:30 pm works. <This message was edited>
13/03/2024, 09:07 - Sam Client: This message was deleted
20/03/2024, 10:00 - Sam Client: Running late, sorry
"""


def two_weeks(cli, tmp_path: Path) -> None:
    for week, text in (("week1", WEEK1), ("week2", WEEK2)):
        (tmp_path / week).mkdir()
        path = tmp_path / week / "WhatsApp Chat with Sam Client.txt"
        path.write_text(text, encoding="utf-8")
        assert cli("import", path, "--quiet").exit_code == 0


def test_text_a_later_export_shows_deleted_or_edited_is_still_found(cli, tmp_path):
    two_weeks(cli, tmp_path)
    assert cli("search", "sister says").stdout.splitlines()[3:] == [
        "│ 2024-03-13 09:07 -04:00 │ 1 Sam Client │ Sam Client │ now: This message was deleted                                                                                │",
        "│                         │              │            │ earlier version 1, from the earlier export, kept by import 2: My [sister] [says] the second page is missing. │",
        "└─────────────────────────┴──────────────┴────────────┴──────────────────────────────────────────────────────────────────────────────────────────────────────────────┘",
        "1 message",
    ]
    # Both texts match: the current one, and beside it the earlier one.
    assert [line.split("│")[4].strip() for line in cli("search", "3 pm").stdout.splitlines()[3:5]] == [
        "now: Thursday [3]:30 [pm] works.",
        "earlier version 1, from the earlier export, kept by import 2: Thursday [3] [pm] works.",
    ]
    [hit] = json.loads(cli("search", "sister says", "--json").stdout)
    assert hit == {
        "id": hit["id"], "conversation": 1, "conversation_title": "Sam Client", "sent_at": "2024-03-13T13:07:00.000Z",
        "time_precision": "minute", "direction": "in", "sender": "Sam Client", "handle": "Sam Client",
        "body": "This message was deleted", "snippet": None,
        "versions": [{"version": 1, "origin": "export", "import": 2, "import_file": "WhatsApp Chat with Sam Client.txt",
                      "at": None, "sent_at": None, "source_zone": None, "body": "My sister says the second page is missing.",
                      "snippet": "My [sister] [says] the second page is missing."}],
    }
    # Only the current text matches: no version is named.
    [hit] = json.loads(cli("search", "deleted", "--json").stdout)
    assert (hit["snippet"], hit["versions"]) == ("This message was [deleted]", [])


def test_an_imessage_edits_first_text_is_found_beside_the_edited_one(cli, archive, tmp_path):
    chat_db = build_modern(tmp_path / "home")  # Alex wrote "Actually, 3 works better.", then edited it
    assert cli("import", chat_db, "--attachments-root", tmp_path / "home", "--quiet").exit_code == 0
    assert cli("search", "works better").stdout.splitlines()[3:] == [
        "│ 2024-03-01 12:10:00 -05:00 │ 1            │ me   │ now: Actually, 3:30 [works] [better].                                                     │",
        "│                            │              │      │ earlier version 1, from the edit history, kept by import 1: Actually, 3 [works] [better]. │",
        "└────────────────────────────┴──────────────┴──────┴───────────────────────────────────────────────────────────────────────────────────────────┘",
        "1 message",
    ]
    [hit] = json.loads(cli("search", "works better", "--json").stdout)
    assert (hit["body"], hit["snippet"], hit["versions"]) == ("Actually, 3:30 works better.", "Actually, 3:30 [works] [better].", [
        {"version": 1, "origin": "edit_history", "import": 1, "import_file": "chat.db", "at": "2024-03-01T17:10:00.000Z", "sent_at": None,
         "source_zone": None, "body": "Actually, 3 works better.", "snippet": "Actually, 3 [works] [better]."}])
    # Text with no word in it (not in the index) is looked for in earlier versions too.
    ingest_records(archive, [msg(1, "agreed", versions=(Version("agreed 👍"),))])
    [hit] = json.loads(cli("search", "👍", "--json").stdout)
    assert (hit["body"], hit["snippet"], [(v["version"], v["snippet"]) for v in hit["versions"]]) == ("agreed", None, [(1, "agreed [👍]")])


def test_versions_archived_before_they_were_searchable_are_found_after_the_upgrade(archive, archive_path, cli):
    ingest_records(archive, [msg(1, "final", versions=(Version("first draft"),))])
    with archive.transaction() as conn:  # as an archive made before m014 left it
        conn.execute("DROP TABLE message_versions_fts")
        for trigger in ("insert", "delete", "update"):
            conn.execute(f"DROP TRIGGER IF EXISTS message_versions_fts_{trigger}")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm014_earlier_versions_searchable'")
    archive.close()
    with Archive.open(archive_path):
        pass
    [hit] = json.loads(cli("search", "draft", "--json").stdout)
    assert (hit["body"], [v["snippet"] for v in hit["versions"]]) == ("final", ["first [draft]"])
