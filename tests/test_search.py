"""`textfile search` finds a message by any of its texts: the current one, and every earlier version
(what a later export shows deleted or edited, an iMessage edit's first text), saying which."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import FIXTURES, ingest_records, msg
from imessage_build import build_modern

from textfile.archive import Archive
from textfile.model import Conversation, Participant, Version

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
        "│ 2024-03-13 09:07 -04:00 │ #1.2 │ Sam Client   │ Sam Client │ now: This message was deleted                                                                                │",
        "│                         │      │              │            │ earlier version 1, from the earlier export, kept by import 2: My [sister] [says] the second page is missing. │",
        "└─────────────────────────┴──────┴──────────────┴────────────┴──────────────────────────────────────────────────────────────────────────────────────────────────────────────┘",
        "1 message",
    ]
    # Both texts match: the current one, and beside it the earlier one.
    assert [line.split("│")[5].strip() for line in cli("search", "3 pm").stdout.splitlines()[3:5]] == [
        "now: Thursday [3]:30 [pm] works.",
        "earlier version 1, from the earlier export, kept by import 2: Thursday [3] [pm] works.",
    ]
    [hit] = json.loads(cli("search", "sister says", "--json").stdout)
    assert hit == {
        "id": hit["id"],
        "number": "1.2",
        "conversation": 1,
        "conversation_title": "Sam Client",
        "conversation_name": "Sam Client",
        "conversation_participants": ["Sam Client"],
        "sent_at": "2024-03-13T13:07:00.000Z",
        "time_precision": "minute",
        "direction": "in",
        "sender": "Sam Client",
        "handle": "Sam Client",
        "body": "This message was deleted",
        "snippet": None,
        "snippet_parts": None,
        "versions": [
            {
                "version": 1,
                "origin": "export",
                "import": 2,
                "import_file": "WhatsApp Chat with Sam Client.txt",
                "at": None,
                "sent_at": None,
                "source_zone": None,
                "body": "My sister says the second page is missing.",
                "snippet": "My [sister] [says] the second page is missing.",
                "snippet_parts": [
                    ["My ", False],
                    ["sister", True],
                    [" ", False],
                    ["says", True],
                    [" the second page is missing.", False],
                ],
            }
        ],
    }
    # Only the current text matches: no version is named.
    [hit] = json.loads(cli("search", "deleted", "--json").stdout)
    assert (hit["snippet"], hit["versions"]) == ("This message was [deleted]", [])


def test_an_imessage_edits_first_text_is_found_beside_the_edited_one(cli, archive, tmp_path):
    chat_db = build_modern(tmp_path / "home")  # Alex wrote "Actually, 3 works better.", then edited it
    assert cli("import", chat_db, "--attachments-root", tmp_path / "home", "--quiet").exit_code == 0
    # (the owner by name and number, as transcripts name the sender: walk report 2, defect 15)
    assert [
        [cell.strip() for cell in line.split("│")[1:-1]]
        for line in cli("search", "works better").stdout.splitlines()[3:-2]
    ] == [
        [
            "2024-03-01 12:10:00 -05:00",
            "#1.3",
            "+12025550123",
            "Alex Owner +12025550100",
            "now: Actually, 3:30 [works] [better].",
        ],
        ["", "", "", "", "earlier version 1, from the edit history, kept by import 1: Actually, 3 [works] [better]."],
    ]
    [hit] = json.loads(cli("search", "works better", "--json").stdout)
    assert (hit["body"], hit["snippet"], hit["versions"]) == (
        "Actually, 3:30 works better.",
        "Actually, 3:30 [works] [better].",
        [
            {
                "version": 1,
                "origin": "edit_history",
                "import": 1,
                "import_file": "chat.db",
                "at": "2024-03-01T17:10:00.000Z",
                "sent_at": None,
                "source_zone": None,
                "body": "Actually, 3 works better.",
                "snippet": "Actually, 3 [works] [better].",
                "snippet_parts": [
                    ["Actually, 3 ", False],
                    ["works", True],
                    [" ", False],
                    ["better", True],
                    [".", False],
                ],
            }
        ],
    )
    # Text with no word in it (not in the index) is looked for in earlier versions too.
    ingest_records(archive, [msg(1, "agreed", versions=(Version("agreed 👍"),))])
    [hit] = json.loads(cli("search", "👍", "--json").stdout)
    assert (hit["body"], hit["snippet"], [(v["version"], v["snippet"]) for v in hit["versions"]]) == (
        "agreed",
        None,
        [(1, "agreed [👍]")],
    )


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


def test_a_hit_names_its_sender_and_conversation_as_the_transcript_does(cli, archive, tmp_path):
    """Walk report 2, defect 15: search said "me" for the owner and "1" for the client's untitled iMessage thread."""
    chat_db = build_modern(tmp_path / "home")
    for args in (
        ["import", chat_db, "--attachments-root", tmp_path / "home", "--quiet"],
        ["client", "add", "Sam Client", "--phone", "+12025550123"],
        ["matter", "open", "M-1", "--client", "Sam Client", "--title", "Lease"],
    ):
        assert cli(*args).exit_code == 0
    # A backup that names nobody: the owner's number with no name, a sender the export leaves out, a system line.
    owner = Participant("+12025550100", None, is_owner=True)
    group = Conversation("android", "group-1", None, True, (Participant("+12025550177", None), owner))
    ingest_records(
        archive,
        [
            replace(msg(n, body, conversation=group), direction=direction, sender=sender)
            for n, body, direction, sender in (
                (1, "owner wrote this lease note", "out", owner),
                (2, "lease note from nobody named", "in", None),
                (3, "lease note of the system", "system", None),
            )
        ],
    )

    def rows(text: str) -> list[list[str]]:
        """The table's rows, but for each hit's number: checked against the hits' (--json) here."""
        shown = [
            [cell.strip() for cell in line.split("│")[1:-1]] for line in cli("search", text).stdout.splitlines()[3:-2]
        ]
        hits = json.loads(cli("search", text, "--json").stdout)
        assert [r[1] for r in shown if r[1]] == [f"#{h['number']}" for h in hits]
        return [[r[0], *r[2:]] for r in shown]

    assert rows("Tuesday") == [
        [
            "2024-03-01 12:05:09 -05:00",
            "Sam Client +12025550123",
            "Sam Client +12025550123",
            "Are we still on for [Tuesday]?",
        ],
        [
            "2024-03-01 12:13:00 -05:00",
            "Sam Client +12025550123",
            "Sam Client +12025550123",
            "…yes, [Tuesday]. I will bring the lease, the two letters from the landlord, and the photos…",
        ],
    ]
    assert rows("works better")[0][:3] == [
        "2024-03-01 12:10:00 -05:00",
        "Sam Client +12025550123",
        "Alex Owner +12025550100",
    ]
    assert rows("Noted") == [
        ["2024-03-02 04:03:00 -05:00", "Case 2024-17", "Sam Client +12025550123", "[Noted]."]
    ]  # (its title alone)
    assert rows("lease note") == [
        ["2024-03-01 07:01:00 -05:00", "+12025550177", "Alex Owner +12025550100", "owner wrote this [lease] [note]"],
        [
            "2024-03-01 07:02:00 -05:00",
            "+12025550177",
            "sender not named in the export",
            "[lease] [note] from nobody named",
        ],
        ["2024-03-01 07:03:00 -05:00", "+12025550177", "(no sender)", "[lease] [note] of the system"],
    ]
    [hit] = json.loads(cli("search", "Noted", "--json").stdout)
    assert hit == {
        "id": hit["id"],
        "number": hit["number"],
        "conversation": 2,
        "conversation_title": "Case 2024-17",
        "conversation_name": "Case 2024-17",
        "conversation_participants": ["Sam Client +12025550123", "jamie@example.com"],
        "sent_at": "2024-03-02T09:03:00.000Z",
        "time_precision": "millisecond",
        "direction": "in",
        "sender": "Sam Client",
        "handle": "+12025550123",
        "body": "Noted.",
        "snippet": "[Noted].",
        "snippet_parts": [["Noted", True], [".", False]],
        "versions": [],
    }
    [hit] = json.loads(cli("search", "owner wrote", "--json").stdout)
    assert (hit["sender"], hit["handle"], hit["conversation_name"]) == ("Alex Owner", "+12025550100", "+12025550177")

    # The transcript says the same: the sender of each message, the conversation's participants.
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed")
    assert cli("transcript", "M-1", "--out", tmp_path / "t.pdf").exit_code == 0
    text = " ".join(
        subprocess.run(
            ["pdftotext", str(tmp_path / "t.pdf"), "-"], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    assert (
        "#1.1 2024-03-01 12:05:09 -05:00 Sam Client +12025550123 · incoming · iMessage Are we still on for Tuesday?"
        in text
    )
    assert (
        "2024-03-01 12:10:00 -05:00 Alex Owner +12025550100 · outgoing · iMessage [EDITED] Actually, 3:30 works better."
        in text
    )
    assert (
        "Conversation 2: Case 2024-17 imessage, group. Participants: Sam Client +12025550123; jamie@example.com; Alex Owner"
        in text
    )
    assert "2024-03-02 04:03:00 -05:00 Sam Client +12025550123 · incoming · RCS Noted." in text


def test_a_titled_group_is_one_line_of_a_table_named_by_its_title(cli, monkeypatch):
    """Review (minor): at 80 columns every row of `search` listed each member of a titled group with
    their number, four lines a hit (its title may wrap: the hit's number, "#1.5", takes its room); `deletable` listed them without the title, `conversations` after it.
    A table names such a conversation by its title alone (the cover's rule: a title that is no
    participant's name); --json still lists the participants."""
    assert (
        cli(
            "import",
            FIXTURES / "whatsapp" / "WhatsApp Chat with Lease Committee.txt",
            "--tz",
            "America/New_York",
            "--quiet",
        ).exit_code
        == 0
    )
    monkeypatch.setenv("COLUMNS", "80")
    assert cli("search", "rent").stdout.splitlines() == [  # (each hit's number, then its conversation's title)
        "┏━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━┳━━━━━━━━━━━━━━━━┳━━━━━━━━━━━┳━━━━━━━━━━━━━━━━┓",
        "┃ When                    ┃ #    ┃ Conversation   ┃ From      ┃ Message        ┃",
        "┡━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━╇━━━━━━━━━━━━━━━━╇━━━━━━━━━━━╇━━━━━━━━━━━━━━━━┩",
        "│ 2024-02-05 18:03 -05:00 │ #1.5 │ Lease          │ Dr: Smith │ Agenda: [rent] │",
        "│                         │      │ Committee      │           │                │",
        "│ 2024-02-14 09:00 -05:00 │ #1.9 │ Lease          │ Dr: Smith │ [Rent] is due  │",
        "│                         │      │ Committee      │           │                │",
        "└─────────────────────────┴──────┴────────────────┴───────────┴────────────────┘",
        "2 messages",
    ]
    assert [
        (h["conversation_name"], h["conversation_participants"])
        for h in json.loads(cli("search", "rent", "--json").stdout)
    ] == [("Lease Committee", ["+1 202 555\u20110147 +12025550147", "Dr: Smith", "~ Maija"])] * 2
    shown = cli("deletable").stdout.splitlines()
    assert (
        " ".join(filter(None, (line.split("│")[2].strip() for line in shown[3:-2]))) == "Lease Committee"
    )  # (-2: the line saying Platform was left out)
    [v] = json.loads(cli("deletable", "--json").stdout)
    assert (v["title"], v["participants"]) == ("Lease Committee", ["+1 202 555\u20110147", "Dr: Smith", "~ Maija"])
    # `conversations` and `client show`, at 120 columns (all of their columns)
    monkeypatch.setenv("COLUMNS", "120")
    assert cli("client", "add", "Pat Member", "--phone", "+1 202 555 0147", "--quiet").exit_code == 0
    for args in (["conversations"], ["client", "show", "Pat Member"]):
        assert cli(*args).stdout.splitlines()[-2:] == [
            "│ 1 │ whatsapp │ Lease Committee │ 9        │ 2024-02-05 18:00 -05:00 │ 2024-02-14 09:00 -05:00 │ —      │ 9       │",
            "└───┴──────────┴─────────────────┴──────────┴─────────────────────────┴─────────────────────────┴────────┴─────────┘",
        ]
    [c] = json.loads(cli("conversations", "--json").stdout)
    assert (c["title"], [(p["name"], p["handle"]) for p in c["participants"]]) == (
        "Lease Committee",
        [("+1 202 555\u20110147", "+12025550147"), ("Dr: Smith", "Dr: Smith"), ("~ Maija", "~ Maija")],
    )


# -- highlighting (issue 15, "The terminal") -------------------------------------------------------

CONTRACT = "[draft] I read the contract. The deal: the contract is void, contract!"


def cells(stdout: str) -> list[str]:
    return [line.split("│")[5].strip() for line in stdout.splitlines()[3:-2]]


def test_piped_a_match_is_in_brackets_and_a_phrase_is_one_match(cli, archive):
    ingest_records(archive, [msg(1, CONTRACT), msg(2, "the deal is off, said the contractor")])
    assert cells(cli("search", '"the contract"').stdout) == [
        "[draft] I read [the contract]. The deal: [the contract] is void, contract!"
    ]
    assert cells(cli("search", "the contract").stdout) == [
        "[draft] I read [the] [contract]. [The] deal: [the] [contract] is void, [contract]!"
    ]
    [hit] = json.loads(cli("search", '"the contract"', "--json").stdout)
    assert (hit["snippet"], hit["snippet_parts"]) == (
        "[draft] I read [the contract]. The deal: [the contract] is void, contract!",
        [
            ["[draft] I read ", False],
            ["the contract", True],
            [". The deal: ", False],
            ["the contract", True],
            [" is void, contract!", False],
        ],
    )
    assert len(json.loads(cli("search", '"deal is" contractor', "--json").stdout)) == 1  # (a phrase and a word: both)


def test_on_a_terminal_a_match_is_highlighted_with_no_brackets(cli, archive, monkeypatch):
    import io

    from rich.console import Console

    from textfile.cli import output as cli_module

    ingest_records(archive, [msg(1, CONTRACT + " \x1b[2J")])
    screen = io.StringIO()
    monkeypatch.setattr(
        cli_module,
        "out",
        Console(file=screen, force_terminal=True, color_system="standard", width=200, highlight=False, soft_wrap=True),
    )
    assert cli("search", '"the contract"').exit_code == 0
    shown = screen.getvalue()
    on, off = "\x1b[1;7m", "\x1b[0m"
    assert f"[draft] I read {on}the contract{off}. The deal: {on}the contract{off} is void, contract! ␛[2J" in shown
    assert (
        "[the contract]" not in shown and "\x1b[2J" not in shown
    )  # (the message's own escape code is shown, never sent)


def test_at_80_columns_a_found_message_keeps_30_columns_its_time_and_number_whole(cli, archive, monkeypatch):
    """A new user's journey: at 80 columns each hit's text had 16 columns (a long message three or four
    words a line) beside the conversation's and the sender's names. Its text now keeps 30 and has the
    room the names cannot be whole in: the names give way (said under the table; --json has them), each
    time and message number ("#1.2", what `note add --about` and `redact` take) whole on one line. At 120
    every column is there."""
    ingest_records(
        archive,
        [
            msg(1, "The landlord replied: he will keep the deposit until the kitchen is repaired."),
            msg(2, "Send me the landlord's letter", out=True),
        ],
    )
    monkeypatch.setenv("COLUMNS", "80")
    assert cli("search", "landlord").stdout.splitlines() == [
        "┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┓",
        "┃ When                       ┃ #    ┃ Message                                  ┃",
        "┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┩",
        "│ 2024-03-01 07:01:00 -05:00 │ #1.1 │ The [landlord] replied: he will keep the │",
        "│                            │      │ deposit until the kitchen is repaired.   │",
        "│ 2024-03-01 07:02:00 -05:00 │ #1.2 │ Send me the [landlord]'s letter          │",
        "└────────────────────────────┴──────┴──────────────────────────────────────────┘",
        "(columns left out at 80 columns: Conversation, From; --json has everything)",
        "2 messages",
    ]
    monkeypatch.setenv("COLUMNS", "120")
    assert cli("search", "landlord").stdout.splitlines() == [
        "┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━┳━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┓",
        "┃ When                       ┃ #    ┃ Conversation ┃ From         ┃ Message                                            ┃",
        "┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━╇━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┩",
        "│ 2024-03-01 07:01:00 -05:00 │ #1.1 │ Sam Client   │ Sam Client   │ The [landlord] replied: he will keep the deposit   │",
        "│                            │      │ +12025550143 │ +12025550143 │ until the kitchen is repaired.                     │",
        "│ 2024-03-01 07:02:00 -05:00 │ #1.2 │ Sam Client   │ Alex Owner   │ Send me the [landlord]'s letter                    │",
        "│                            │      │ +12025550143 │ +12025550100 │                                                    │",
        "└────────────────────────────┴──────┴──────────────┴──────────────┴────────────────────────────────────────────────────┘",
        "2 messages",
    ]


def test_each_hit_says_its_number_as_conversation_show_numbers_it(cli):
    """A paralegal scripting from `search --json` gets each message's number ("2.15"), the one `conversation
    show`, `review`, `note add --about` and `redact` take."""
    from conftest import FIXTURES

    for week in ("sms-20240301.xml", "sms-20240308.xml"):
        assert cli("import", FIXTURES / "android" / week, "--quiet").exit_code == 0
    hits = json.loads(cli("search", "at", "--json").stdout)
    assert [(h["conversation"], h["number"]) for h in hits] == [(1, "1.2"), (4, "4.1"), (1, "1.11")]
    for hit in hits:
        shown = json.loads(cli("conversation", "show", str(hit["conversation"]), "--json").stdout)["messages"]
        same = [m["number"] for m in shown if (m["sent_at"], m["body"]) == (hit["sent_at"], hit["body"])]
        assert same == [hit["number"]], hit
