"""`conversation show N`: read a thread in the terminal before deciding where it belongs (issue 15),
with the transcript's attribution (its own reading of the messages, `transcript.content`)."""

from __future__ import annotations

import io
import json
import pydoc
import re

import imessage_build
from conftest import ME, ingest_records, msg
from rich.console import Console

from textfile import filing
from textfile.cli import output as cli_module
from textfile.model import Conversation, Participant

ALL_OF_IT = """\
Conversation 1 (imessage)
Participants: Sam Client +12025550123; Alex Owner +12025550100 (owner)
Where: 8 messages in no matter
Messages: 8, from 2024-03-01 12:05:09 -05:00 to 2024-03-01 12:16:00 -05:00

— Friday, 1 March 2024 —
#1 2024-03-01 12:05:09 -05:00 Sam Client +12025550123 · incoming · iMessage
    Are we still on for Tuesday?
    reaction: emoji 🎉 by Alex Owner (+12025550100) at 2024-03-01 12:09:30 -05:00
    read 2024-03-01 12:06:00 -05:00
#2 2024-03-01 12:07:30 -05:00 Alex Owner +12025550100 · outgoing · iMessage
    Yes, 3pm at the office.
    reaction: loved ❤ by Sam Client (+12025550123) at 2024-03-01 12:08:10 -05:00
    reaction: loved ❤ by Sam Client (+12025550123) at 2024-03-01 12:09:00 -05:00 (removed)
    delivered 2024-03-01 12:07:31 -05:00, read 2024-03-01 12:08:00 -05:00
#3 2024-03-01 12:10:00 -05:00 Alex Owner +12025550100 · outgoing · iMessage [EDITED]
    Actually, 3:30 works better.
    earlier version 1 (2024-03-01 12:10:00 -05:00), from the edit history: Actually, 3 works better.
#4 2024-03-01 12:12:00 -05:00 Sam Client +12025550123 · incoming · iMessage [UNSENT]
#5 2024-03-01 12:13:00 -05:00 Sam Client +12025550123 · incoming · iMessage in reply to #1
    Replying to your question: yes, Tuesday. I will bring the lease, the two letters from the landlord, and the photos of the water damage in the kitchen.
#6 2024-03-01 12:14:00 -05:00 Alex Owner +12025550100 · outgoing · iMessage
    \ufffcHere is the receipt.
    Attachment 1: receipt.png, image/png, 73 bytes, sha256 97a3a410c9bca540512251c37ce63982edccbed54c6f2e1d06ec717b9f753e29
#7 2024-03-01 12:15:00 -05:00 Sam Client +12025550123 · incoming · iMessage
    Attachment 1: scan.pdf, application/pdf — not in the archive: file not found: ~/Library/Messages/Attachments/cd/02/CD02C0DE-0000-4000-8000-000000000002/scan.pdf
#8 2024-03-01 12:16:00 -05:00 Sam Client +12025550123 · incoming · iMessage [TEXT NOT READABLE (in the export, but it could not be decoded)]
"""


def one_to_one(cli, tmp_path) -> int:
    """The modern chat.db's one-to-one chat (reactions, an edit, an unsent message, a reply, attachments),
    its number a client's: the conversation's number."""
    home = tmp_path / "home"
    db = imessage_build.build_modern(home)
    assert cli("client", "add", "Sam Client", "--phone", "+12025550123").exit_code == 0
    assert cli("import", db, "--attachments-root", home, "--quiet").exit_code == 0
    found = json.loads(cli("conversations", "--json").stdout)
    return next(c["id"] for c in found if c["handles"] == ["+12025550123"])


def test_show_reads_a_thread_with_the_transcripts_attribution(cli, tmp_path):
    n = one_to_one(cli, tmp_path)
    r = cli("conversation", "show", n)
    assert (r.exit_code, r.stderr) == (0, "")
    assert r.stdout == re.sub(r"#(\d)", rf"#{n}.\1", ALL_OF_IT).replace("Conversation 1 ", f"Conversation {n} ")


def test_show_a_window_and_where_it_is_filed(cli, archive, tmp_path):
    n = one_to_one(cli, tmp_path)
    assert (
        cli("matter", "open", "2026-014", "--client", "Sam Client", "--title", "Lease").exit_code == 0
    )  # (files it whole)
    assert cli("unfile", n).exit_code == 0
    assert cli("file", n, "--matter", "2026-014", "--from", "2024-03-01T12:10").exit_code == 0
    r = cli("conversation", "show", n, "--from", "2024-03-01T12:12", "--until", "2024-03-01T12:13")
    assert r.stdout == (
        f"Conversation {n} (imessage)\n"
        "Participants: Sam Client +12025550123; Alex Owner +12025550100 (owner)\n"
        "Where: filed to 2026-014 (its messages from 2024-03-01 12:10:00 -05:00 until the end); 2 messages in no matter\n"
        "Messages: 8, from 2024-03-01 12:05:09 -05:00 to 2024-03-01 12:16:00 -05:00\n"
        "Shown: 2 from 2024-03-01 12:12:00 -05:00 until 2024-03-01 12:13:00 -05:00\n"
        "\n"
        "— Friday, 1 March 2024 —\n"
        f"#{n}.4 2024-03-01 12:12:00 -05:00 Sam Client +12025550123 · incoming · iMessage [UNSENT]\n"
        f"#{n}.5 2024-03-01 12:13:00 -05:00 Sam Client +12025550123 · incoming · iMessage in reply to a message outside what is shown\n"
        "    Replying to your question: yes, Tuesday. I will bring the lease, the two letters from the landlord, and the photos of the"
        " water damage in the kitchen.\n"
    )
    shown = json.loads(
        cli("conversation", "show", n, "--from", "2024-03-01T12:12", "--until", "2024-03-01T12:12", "--json").stdout
    )
    assert shown["conversation"] == {
        "id": n,
        "platform": "imessage",
        "title": None,
        "is_group": False,
        "participants": [
            {"handle": "+12025550123", "name": "Sam Client", "is_owner": False},
            {"handle": "+12025550100", "name": "Alex Owner", "is_owner": True},
        ],
        "filings": [{"matter": "2026-014", "from": "2024-03-01T17:10:00.000Z", "until": None}],
        "ignored": None,
        "messages": 8,
        "unfiled": 2,
        "first": "2024-03-01T17:05:09.000Z",
        "first_precision": "millisecond",
        "last": "2024-03-01T17:16:00.000Z",
        "last_precision": "millisecond",
        "from": "2024-03-01T17:12:00.000Z",
        "until": "2024-03-01T17:12:00.000Z",
    }
    [one] = shown["messages"]
    [(its_id,)] = archive.conn.execute(
        "SELECT id FROM messages WHERE conversation_id = ? AND sent_at = '2024-03-01T17:12:00.000Z'", (n,)
    )
    assert one == {
        "id": its_id,  # (the reference that never moves, as `search --json` gives it)
        "number": f"{n}.4",  # (as `review --json` numbers a message: conversation.place over the whole conversation)
        "conversation": n,
        "day": "Friday, 1 March 2024",
        "time": "2024-03-01 12:12:00 -05:00",
        "sent_at": "2024-03-01T17:12:00.000Z",
        "written": "",
        "direction": "in",
        "direction_word": "incoming",
        "kind": "message",
        "service": "iMessage",
        "sender_name": "Sam Client",
        "sender_handle": "+12025550123",
        "body": "",
        "marks": ["UNSENT"],
        "call": "",
        "delivered": "",
        "read": "",
        "reply_to": None,
        "reply_outside": False,
        "versions": [],
        "reactions": [],
        "attachments": [],
        "found_on": "",
    }  # (one phone: said on no message)


def test_show_prints_content_as_the_transcript_marks_it_never_as_markup_or_escape_codes(cli, archive):
    """A message's text is untrusted: rich markup in it is printed as written, an escape sequence as
    its control picture (it can never recolor or clear the terminal), a direction override as the
    transcript's mark, not applied; a name is data too."""
    mallory = Participant("+12025550166", "[bold red]Mallory[/]")
    chat = Conversation("android", "+12025550166", None, False, (mallory, ME))
    ingest_records(
        archive,
        [
            msg(1, "[link=https://evil.example]click[/link] invoice\u202efdp.exe", conversation=chat),
            msg(2, "\x1b[2J\x1b[31mred\rover\u200b", conversation=chat, out=True),
        ],
    )
    with archive.transaction() as conn:
        filing.add_client(conn, "Sam Client", ["+12025550143"], [], "US")
    r = cli("conversation", "show", 1)
    assert r.stdout.splitlines()[1:] == [
        "Participants: [bold red]Mallory[/] +12025550166; Alex Owner +12025550100 (owner)",
        "Where: 2 messages in no matter",
        "Messages: 2, from 2024-03-01 07:01:00 -05:00 to 2024-03-01 07:02:00 -05:00",
        "",
        "— Friday, 1 March 2024 —",
        "#1.1 2024-03-01 07:01:00 -05:00 [bold red]Mallory[/] +12025550166 · incoming · SMS",
        "    [link=https://evil.example]click[/link] invoice⟦RLO⟧fdp.exe",
        "#1.2 2024-03-01 07:02:00 -05:00 Alex Owner +12025550100 · outgoing · SMS",
        "    ␛[2J␛[31mred␍over⟦ZWSP⟧",
    ]


def test_show_says_a_conversation_set_aside(cli, archive):
    ingest_records(archive, [msg(1, "Your code is 1234")])
    assert cli("conversation", "ignore", 1, "--reason", "2FA codes").exit_code == 0
    lines = cli("conversation", "show", 1).stdout.splitlines()
    assert lines[2].startswith("Where: not client-related (ignored on ") and lines[2].endswith(": 2FA codes)")


def test_show_an_unknown_conversation(cli, archive):
    ingest_records(archive, [msg(1)])
    for args in (["7"], ["7", "--json"]):
        r = cli("conversation", "show", *args)
        assert (r.exit_code, r.stderr) == (1, "Error: no conversation 7 (see `textfile conversations`)\n")
    assert cli("conversation", "show", 1, "--quiet").stdout == ""


def terminal(monkeypatch, height: int) -> tuple[io.StringIO, list[str]]:
    """The CLI's console as a terminal `height` lines tall; what the pager was given."""
    screen, paged = io.StringIO(), []
    monkeypatch.setattr(
        cli_module,
        "out",
        Console(file=screen, force_terminal=True, width=100, height=height, highlight=False, soft_wrap=True),
    )
    monkeypatch.setattr(pydoc, "pager", lambda text, *rest: paged.append(text))
    return screen, paged


def test_a_long_thread_goes_through_the_pager_on_a_terminal_and_a_short_one_does_not(cli, archive, monkeypatch):
    ingest_records(archive, [msg(n, f"[b]line {n}[/b]") for n in range(1, 6)])
    piped = cli("conversation", "show", 1).stdout
    screen, paged = terminal(monkeypatch, height=8)
    assert cli("conversation", "show", 1).exit_code == 0
    assert (screen.getvalue(), paged) == ("", [piped])  # (plain text: no styles for the pager to show as codes)
    screen, paged = terminal(monkeypatch, height=40)
    assert cli("conversation", "show", 1).exit_code == 0
    assert (screen.getvalue(), paged) == (piped, [])
