"""A WhatsApp export of an archived chat under another file name (filed by date, a renamed group, a zip saved
otherwise) is refused, naming the chat and --conversation, not archived again as a new conversation
(textfile/ingest/writer/renamed.py); another chat that shares a message by chance, and a client's own phone,
import as before."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import FIXTURES, OWNER, snapshot
from typer.testing import CliRunner
from whatsapp_build import build_zip

from textfile.archive import Archive
from textfile.cli import app

WA = FIXTURES / "whatsapp"
SAM = WA / "demo" / "WhatsApp Chat with Sam Client.txt"  # 14 messages from 3/1/24 to 3/14/24, one a call
LEASE = WA / "WhatsApp Chat with Lease Committee.txt"
JORDAN_SOURCE = WA / "ios-zip-source"
JORDAN_ZIP = WA / "WhatsApp Chat - Jordan Lee.zip"
NEW_LINE = "3/21/24, 9:00 AM - Sam Client: Thanks again\n"


def written(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def imported(cli, *args) -> dict:
    r = cli("import", *args, "--json")
    assert r.exit_code == 0, r.output
    [result] = json.loads(r.output)
    return result


def held(archive: Archive) -> dict[str, list[tuple]]:
    """What the archive holds of the chats: its conversations (but when each row was made), participants, messages,
    their versions, attachments and sources, whole rows."""
    conn = archive.conn
    tables = ("participants", "messages", "message_versions", "message_attachments", "message_sources")
    return {
        "conversations": [
            tuple(r) for r in conn.execute("SELECT id, platform, source_key, title, is_group FROM conversations")
        ]
    } | {name: [tuple(r) for r in conn.execute(f"SELECT * FROM {name} ORDER BY 1, 2")] for name in tables}


def refused(cli, archive: Archive, path: Path, *args) -> list[str]:
    """The import's output lines, having checked it failed and left the archive as it was (and sound)."""
    before = snapshot(archive)
    r = cli("import", path, *args)
    assert r.exit_code == 1, r.output
    assert snapshot(archive) == before
    assert cli("verify").exit_code == 0
    return r.output.strip().splitlines()


def test_a_chat_exported_again_under_a_dated_name_is_refused_and_goes_in_with_conversation(cli, archive, tmp_path):
    imported(cli, SAM)
    renamed = written(tmp_path / "WhatsApp Chat with Sam Client 2024-03-21.txt", SAM.read_text("utf-8") + NEW_LINE)
    assert refused(cli, archive, renamed) == [
        f"Error: {renamed}: conversation 1 'Sam Client' (first imported from 'WhatsApp Chat with Sam Client.txt')"
        " already holds 8 of this chat's 8 messages received compared (its first, up to the last that conversation holds):"
        " this looks like a renamed export of that chat, which would be archived again as a new conversation"
        " 'Sam Client 2024-03-21'. Import it with --conversation 'Sam Client' to add only its new messages to that chat;"
        " if it is another chat, name it with --conversation NAME"
    ]
    r = imported(cli, renamed, "--conversation", "Sam Client")
    assert (r["added"], r["already_present"], r["updated"], r["conversations"]) == (1, 14, 0, [1])
    # the same as the next export imported under the chat's own name
    with Archive.create(tmp_path / "other.db", **OWNER) as other:
        runner = CliRunner()

        def other_cli(*args):
            return runner.invoke(
                app, ["--archive", str(tmp_path / "other.db"), *map(str, args)], catch_exceptions=False
            )

        imported(other_cli, SAM)
        imported(other_cli, written(tmp_path / "own name" / SAM.name, renamed.read_text("utf-8")))
        assert held(other) == held(archive)
    assert [tuple(r) for r in archive.conn.execute("SELECT id, title FROM conversations")] == [(1, "Sam Client")]


def test_a_renamed_group_is_refused(cli, archive, tmp_path):
    imported(cli, LEASE)
    renamed = written(
        tmp_path / "WhatsApp Chat with Lease Committee 2024.txt",
        LEASE.read_text("utf-8")
        + '15/02/2024, 10:00 - Alex Owner changed the group name from "Lease Committee" to "Lease Committee 2024"\n'
        + "15/02/2024, 10:01 - Dr: Smith: Meeting moved to 8\n",
    )
    assert refused(cli, archive, renamed) == [
        f"Error: {renamed}: conversation 1 'Lease Committee' (first imported from 'WhatsApp Chat with Lease Committee.txt')"
        " already holds 5 of this chat's 5 messages received compared (its first, up to the last that conversation holds):"
        " this looks like a renamed export of that chat, which would be archived again as a new conversation"
        " 'Lease Committee 2024'. Import it with --conversation 'Lease Committee' to add only its new messages to that"
        " chat; if it is another chat, name it with --conversation NAME"
    ]


def test_a_zip_under_another_name_is_refused(cli, archive, tmp_path):
    imported(cli, JORDAN_ZIP)
    source = tmp_path / "source"
    shutil.copytree(JORDAN_SOURCE, source)
    with (source / "_chat.txt").open("a", encoding="utf-8") as chat:
        chat.write("[21.03.24, 09:00:00] Jordan Lee: See you on Friday\n")
    zipped = build_zip(source, tmp_path / "WhatsApp Chat - Evil.zip")
    assert refused(cli, archive, zipped) == [
        f"Error: {zipped}: conversation 1 'Jordan Lee' (first imported from 'WhatsApp Chat - Jordan Lee.zip')"
        " already holds 3 of this chat's 3 messages received compared (its first, up to the last that conversation holds):"
        " this looks like a renamed export of that chat, which would be archived again as a new conversation 'Evil'."
        " Import it with --conversation 'Jordan Lee' to add only its new messages to that chat; if it is another chat,"
        " name it with --conversation NAME"
    ]


def test_another_chat_sharing_one_message_imports_and_its_own_renamed_export_names_it(cli, archive, tmp_path):
    imported(cli, SAM)
    tenants = (
        "3/1/24, 9:20 AM - Kim: Did everyone get the landlord's letter?\n"
        "3/1/24, 9:31 AM - Sam Client: ok\n"  # (as Sam wrote to Alex in that minute)
        "3/1/24, 9:40 AM - Alex Owner: Meeting on Friday then\n"
    )
    r = imported(cli, written(tmp_path / "WhatsApp Chat with Tenants.txt", tenants))
    assert (r["added"], r["already_present"], r["conversations"]) == (3, 0, [2])
    assert [
        tuple(m)
        for m in archive.conn.execute(
            "SELECT m.sent_at, p.display_name, m.direction, m.body FROM messages m JOIN participants p"
            " ON p.id = m.sender_id WHERE m.conversation_id = 2 ORDER BY m.sent_at"
        )
    ] == [
        ("2024-03-01T14:20:00.000Z", "Kim", "in", "Did everyone get the landlord's letter?"),
        ("2024-03-01T14:31:00.000Z", "Sam Client", "in", "ok"),
        ("2024-03-01T14:40:00.000Z", "Alex Owner", "out", "Meeting on Friday then"),
    ]
    # its own export under another name is that chat's, not Sam's, with which it shares the "ok"
    renamed = written(
        tmp_path / "WhatsApp Chat with Tenants 2024.txt", tenants + "3/2/24, 8:00 AM - Kim: Friday at 6 then\n"
    )
    assert refused(cli, archive, renamed)[0].startswith(
        f"Error: {renamed}: conversation 2 'Tenants' (first imported from 'WhatsApp Chat with Tenants.txt')"
        " already holds 2 of this chat's 2 messages received compared"
    )


def test_a_clients_own_export_imports_with_custodian(cli, archive, tmp_path):
    imported(cli, SAM)
    assert cli("client", "add", "Sam Client").exit_code == 0  # (--custodian names a client: round 16)
    theirs = written(tmp_path / "WhatsApp Chat with Alex Owner.txt", SAM.read_text("utf-8") + NEW_LINE)
    assert refused(cli, archive, theirs, "--me", "Sam Client") == [  # (the owner wrote in it: round 12)
        f"Error: {theirs}: --me 'Sam Client' names 'Sam Client', but 'Alex Owner', who is you (the archive's owner),"
        " wrote in this chat too: on your own phone's export pass --me 'Alex Owner' or no --me; an export from a"
        " client's phone is imported with --custodian CLIENT and no --me"
    ]
    [said] = refused(cli, archive, theirs)  # (with no --me: read as the owner's, it is the chat renamed)
    assert said.startswith(
        f"Error: {theirs}: conversation 1 'Sam Client' (first imported from 'WhatsApp Chat with Sam Client.txt')"
        " already holds 8 of this chat's 8 messages received compared"
    )
    # Second reader, round 13: with --me naming the client, the chat was archived a second time, the client as its
    # owner and every direction reversed. Read as the owner's, it is the owner's chat, found on the client's phone.
    assert refused(cli, archive, theirs, "--me", "Sam Client", "--custodian", "Sam Client") == [
        f"Error: {theirs}: --me 'Sam Client' names 'Sam Client', but 'Alex Owner', who is you (the archive's owner),"
        " wrote in this chat: a client's own export of it is read as yours, your texts sent and theirs received, the"
        " same chat as your own export of it; give --custodian without --me"
    ]
    # named after the owner, as every client's chat with the owner is on their phone: a person names it (round 14)
    assert refused(cli, archive, theirs, "--custodian", "Sam Client") == [
        f"Error: {theirs}: on the client's phone this chat is named after you ('Alex Owner'), as every client's chat"
        " with you is: name it as your archive names your chat with them, with --conversation NAME (their name), so"
        " that it is that chat and never another client's"
    ]
    r = imported(cli, theirs, "--custodian", "Sam Client", "--conversation", "Sam Client")
    assert (r["added"], r["already_present"], r["skipped"], r["conversations"]) == (1, 14, {}, [1])
    assert [tuple(c) for c in archive.conn.execute("SELECT id, source_key, title FROM conversations")] == [
        (1, "sam client|alex owner", "Sam Client"),
    ]
    assert [tuple(i) for i in archive.conn.execute("SELECT id, file_name, custodian FROM imports")] == [
        (1, SAM.name, None),
        (2, theirs.name, "Sam Client"),
    ]
    assert [
        tuple(r)
        for r in archive.conn.execute(
            "SELECT direction FROM messages WHERE body = ?", (NEW_LINE.split(": ", 1)[1].strip(),)
        )
    ] == [("in",)]  # (the client's text, received: the owner's frame)
    # another client's export of their chat with the owner has the same file name: never taken for Sam's (round 14)
    pats = written(
        tmp_path / "pat" / "WhatsApp Chat with Alex Owner.txt",
        "3/22/24, 9:00 AM - Pat Two: Hello\n3/22/24, 9:01 AM - Alex Owner: Hi Pat\n",
    )
    assert cli("client", "add", "Pat Two", "--phone", "+12025550177").exit_code == 0
    [said] = refused(cli, archive, pats, "--custodian", "Pat Two")
    assert "on the client's phone this chat is named after you ('Alex Owner')" in said
    r = imported(cli, pats, "--custodian", "Pat Two", "--conversation", "Pat Two")
    assert (r["added"], r["conversations"]) == (2, [2])


def test_chats_that_share_only_the_owners_broadcast_each_import_as_their_own(cli, archive, tmp_path):
    """The owner's broadcast (one text sent to many chats at once, in the same minute) is in each of those chats: it
    says nothing of which chat an export is. Only what the other side wrote is compared (second reader, round 7, B:
    Max Roe's chat was refused as Pat Smith's, and the refusal's way in merged them; a chat holding only the
    broadcast was refused too)."""
    broadcast = "3/1/24, 9:00 AM - Alex Owner: New office address from April:\n3/1/24, 9:00 AM - Alex Owner: 12 Main St, Suite 4\n"
    pat = written(tmp_path / "WhatsApp Chat with Pat Smith.txt", broadcast + "3/1/24, 9:05 AM - Pat Smith: Noted\n")
    max_roe = written(
        tmp_path / "WhatsApp Chat with Max Roe.txt",
        broadcast + "3/2/24, 10:00 AM - Max Roe: I signed the settlement, sending it now\n",
    )
    kit = written(tmp_path / "WhatsApp Chat with Kit Lane.txt", broadcast)
    for path, added, conversation in ((pat, 3, 1), (max_roe, 3, 2), (kit, 2, 3)):
        r = imported(cli, path)
        assert (r["added"], r["already_present"], r["conversations"]) == (added, 0, [conversation])
    assert [tuple(r) for r in archive.conn.execute("SELECT id, title FROM conversations ORDER BY id")] == [
        (1, "Pat Smith"),
        (2, "Max Roe"),
        (3, "Kit Lane"),
    ]
    assert [
        tuple(m)
        for m in archive.conn.execute(
            "SELECT m.conversation_id, m.direction, m.body FROM messages m WHERE m.direction = 'in' ORDER BY m.rowid"
        )
    ] == [(1, "in", "Noted"), (2, "in", "I signed the settlement, sending it now")]


def test_a_renamed_groups_next_export_goes_where_the_last_was_told(cli, archive, tmp_path):
    """A group renamed since it was archived: its export is refused until `--conversation` says which chat it is;
    the next week's export, under the same new name, goes there as that import was told, said as an assumption
    (an archive run, which has no --conversation, failed on it every week: second reader, round 7, D)."""
    imported(cli, LEASE)
    renaming = (
        '15/02/2024, 10:00 - Alex Owner changed the group name from "Lease Committee" to "Lease Committee 2024"\n'
    )
    week1 = LEASE.read_text("utf-8") + renaming + "15/02/2024, 10:01 - Dr: Smith: Meeting moved to 8\n"
    renamed = written(tmp_path / "week1" / "WhatsApp Chat with Lease Committee 2024.txt", week1)
    assert refused(cli, archive, renamed)[0].startswith(f"Error: {renamed}: conversation 1 'Lease Committee'")
    told = imported(cli, renamed, "--conversation", "Lease Committee")
    assert (told["added"], told["conversations"]) == (2, [1])
    week2 = written(
        tmp_path / "week2" / "WhatsApp Chat with Lease Committee 2024.txt",
        week1 + "22/02/2024, 09:00 - Dr: Smith: Minutes attached\n",
    )
    r = imported(cli, week2)
    assert (r["added"], r["already_present"], r["conversations"]) == (1, told["added"] + told["already_present"], [1])
    assert (
        f"WhatsApp Chat with Lease Committee 2024.txt names the chat 'Lease Committee 2024': imported into the chat"
        f" 'Lease Committee', as import {told['import_id']} of a file naming it so was told (--conversation 'Lease"
        " Committee'); pass --conversation NAME if it is another chat"
    ) in r["assumptions"]
    assert [tuple(c) for c in archive.conn.execute("SELECT id, title FROM conversations")] == [(1, "Lease Committee")]


def test_a_chat_held_under_the_files_name_takes_its_exports_whatever_another_was_told(cli, archive, tmp_path):
    """Two people named John: the plumber's export, told apart with --conversation, never takes the bank's next
    export, whose file names the chat the archive holds as 'John' (second reader, round 8, 1)."""
    bank = "3/1/24, 9:00 AM - John: Hi Alex, John from the bank\n3/1/24, 9:05 AM - Alex Owner: Hello John\n"
    plumber = "3/2/24, 8:00 AM - John: The boiler is fixed\n3/2/24, 8:10 AM - Alex Owner: Thanks!\n"
    name = "WhatsApp Chat with John.txt"
    assert imported(cli, written(tmp_path / "j1" / name, bank))["conversations"] == [1]
    told = imported(cli, written(tmp_path / "j2" / name, plumber), "--conversation", "John plumber")
    assert told["conversations"] == [2]
    later = bank + "3/3/24, 10:00 AM - John: The loan is approved\n"
    r = imported(cli, written(tmp_path / "j3" / name, later))
    assert (r["added"], r["already_present"], r["conversations"]) == (1, 2, [1])
    assert not any("names the chat" in a for a in r["assumptions"])
    assert [
        tuple(m) for m in archive.conn.execute("SELECT conversation_id, body FROM messages WHERE body LIKE '%loan%'")
    ] == [(1, "The loan is approved")]


def test_a_renamed_chat_only_the_owner_wrote_in_is_refused_and_a_new_name_takes_a_chat_mistaken(cli, archive, tmp_path):
    """An unanswered chat's export under a dated name is compared by the owner's texts, with chats in which only the
    owner wrote too (round 8, 2: archived again); one such chat mistaken for another (each holding only the owner's
    broadcast) goes in under the name a person gives it (--conversation NAME: a new chat's name is theirs to say)."""
    reminders = (
        "3/1/24, 9:00 AM - Alex Owner: Jo, please send the signed lease\n"
        "3/4/24, 9:00 AM - Alex Owner: Reminder: the signed lease\n"
    )
    imported(cli, written(tmp_path / "WhatsApp Chat with Jo Doe.txt", reminders))
    renamed = written(
        tmp_path / "WhatsApp Chat with Jo Doe 2024-03.txt", reminders + "3/8/24, 9:00 AM - Alex Owner: Last reminder\n"
    )
    assert refused(cli, archive, renamed) == [
        f"Error: {renamed}: conversation 1 'Jo Doe' (first imported from 'WhatsApp Chat with Jo Doe.txt') already holds"
        " 2 of this chat's 2 messages the owner sent (no one else wrote in it) compared (its first, up to the last that"
        " conversation holds): this looks like a renamed export of that chat, which would be archived again as a new"
        " conversation 'Jo Doe 2024-03'. Import it with --conversation 'Jo Doe' to add only its new messages to that"
        " chat; if it is another chat, name it with --conversation NAME"
    ]
    # another unanswered chat holding the very same texts (a broadcast): refused as Jo's, and taken in under its name
    other = written(tmp_path / "WhatsApp Chat with Kit Lane.txt", reminders + "3/9/24, 9:00 AM - Alex Owner: Kit?\n")
    assert refused(cli, archive, other)[0].startswith(f"Error: {other}: conversation 1 'Jo Doe'")
    r = imported(cli, other, "--conversation", "Kit Lane")
    assert (r["added"], r["already_present"], r["conversations"]) == (3, 0, [2])
