"""A WhatsApp chat from a client's own phone (`--custodian`) that the archive's owner is not in (the client and their
spouse): archived as between others, as Android's and iMessage's are: no one in it is the owner, every message is
neither sent nor received by the owner, and transcripts and productions say so. It was archived with the client as
its owner, their texts "outgoing" and the client "(owner)" (an item left by second reader round 14); a chat an
earlier release archived so is read as before (people.py `_without_the_owner`)."""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import snapshot

from textfile.errors import ImportFailed
from textfile.importers.whatsapp.people import _without_the_owner
from textfile.model import ImportOptions

SPOUSE = (
    "05/04/2024, 10:00 - Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp,"
    " can read or listen to them. Tap to learn more.\n"
    "05/04/2024, 10:01 - Sam Client: The landlord came by again\n"
    "05/04/2024, 10:02 - Pat Spouse: Did he say anything about the locks?\n"
)


def export(folder: Path, text: str = SPOUSE, name: str = "WhatsApp Chat with Pat Spouse.txt") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder / name


def rows(archive, sql: str) -> list[tuple]:
    return [tuple(r) for r in archive.conn.execute(sql)]


def test_a_clients_thread_without_the_owner_is_archived_between_others(cli, archive, tmp_path):
    assert cli("client", "add", "Sam Client", "--phone", "+12025550143").exit_code == 0
    path = export(tmp_path / "sam")
    before = snapshot(archive)
    r = cli("import", path, "--custodian", "Sam Client", "--date-order", "dmy")
    assert (r.exit_code, r.stderr) == (
        1,
        f"Error: {path}: none of the senders is you (the archive's owner 'Alex Owner'); senders found: 'Pat Spouse',"
        " 'Sam Client'; on a client's phone, a chat you are not in is imported with --me naming the client as it"
        " writes them, and archived as between others (neither sent nor received by you); if you are in it under the"
        " name their phone gives you, name the chat as your archive does (--conversation NAME) and pass --me NAME, the"
        " sender who is you\n",
    )
    assert snapshot(archive) == before
    args = ("--custodian", "Sam Client", "--me", "Sam Client", "--date-order", "dmy", "--json")
    r = cli("import", path, *args)
    assert r.exit_code == 0, r.output
    [result] = json.loads(r.stdout)
    assert (result["added"], result["already_present"], result["conversations"]) == (3, 0, [1])
    assert rows(archive, "SELECT id, platform, source_key, title, is_group FROM conversations") == [
        (1, "whatsapp", "pat spouse|sam client without the owner", "Pat Spouse", 0)
    ]
    assert rows(archive, "SELECT handle, display_name, is_owner FROM participants ORDER BY handle") == [
        ("Pat Spouse", "Pat Spouse", 0),
        ("Sam Client", "Sam Client", 0),
    ]
    assert rows(
        archive,
        "SELECT m.direction, p.display_name, m.body FROM messages m LEFT JOIN participants p ON p.id = m.sender_id"
        " ORDER BY m.sent_at, m.rowid",
    ) == [
        ("system", None, SPOUSE.splitlines()[0].split(" - ", 1)[1]),
        ("in", "Sam Client", "The landlord came by again"),
        ("in", "Pat Spouse", "Did he say anything about the locks?"),
    ]
    assert rows(archive, "SELECT file_name, custodian FROM imports") == [(path.name, "Sam Client")]
    # found on the client's phone (round 16: productions said the owner's, and `deletable` "safe to delete")
    assert rows(archive, "SELECT import_id, client_id, phone FROM import_custodians") == [(1, 1, "")]
    # next week's longer export: only what is new, in the same conversation
    longer = export(tmp_path / "later", SPOUSE + "06/04/2024, 09:00 - Sam Client: He changed the locks\n")
    r = cli("import", longer, *args)
    assert r.exit_code == 0, r.output
    [result] = json.loads(r.stdout)
    assert (result["added"], result["already_present"], result["conversations"]) == (1, 3, [1])
    # the transcript says it: neither incoming nor outgoing, and no one is "(owner)"
    assert cli("matter", "open", "M-1", "--client", "Sam Client", "--title", "Lease").exit_code == 0
    assert cli("file", "1", "--matter", "M-1").exit_code == 0
    made = cli("transcript", "M-1", "--mkdir", "--out-dir", tmp_path / "out", "--json")
    assert made.exit_code == 0, made.output
    pdf = json.loads(made.stdout)["path"]
    text = " ".join(subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True, check=True).stdout.split())
    assert text.count("between others (you are not in this thread)") == 3
    assert "(owner)" not in text and "outgoing" not in text
    assert "found on Sam Client's phone only" in " ".join(cli("deletable").stdout.split())
    assert cli("verify").exit_code == 0
    # --custodian names a client of the archive, as for every format
    r = cli("import", longer, "--custodian", "Pat Spouse", "--me", "Sam Client")
    assert (r.exit_code, r.stderr) == (
        1,
        f"Error: {longer}: --custodian 'Pat Spouse' is not a client of this archive: add them first (textfile client"
        " add 'Pat Spouse')\n",
    )


def test_the_owners_own_chat_of_the_same_name_is_another_conversation(cli, archive, tmp_path):
    """The owner's chat named "Pat Spouse" (the owner wrote in it) and the client's thread of that name are two
    conversations, in either order: neither is refused as the other read with another owner."""
    assert cli("client", "add", "Sam Client", "--phone", "+12025550143").exit_code == 0
    owners = export(
        tmp_path / "owner",
        "05/04/2024, 11:00 - Pat Spouse: Is Sam free on Friday?\n05/04/2024, 11:05 - Alex Owner: I will ask her\n",
    )
    args = ("--custodian", "Sam Client", "--me", "Sam Client", "--date-order", "dmy")
    assert cli("import", export(tmp_path / "sam"), *args).exit_code == 0
    r = cli("import", owners, "--date-order", "dmy")
    assert r.exit_code == 0, r.output
    assert rows(archive, "SELECT id, source_key FROM conversations ORDER BY id") == [
        (1, "pat spouse|sam client without the owner"),
        (2, "pat spouse|alex owner"),
    ]
    assert rows(archive, "SELECT conversation_id, direction, body FROM messages WHERE conversation_id = 2") == [
        (2, "in", "Is Sam free on Friday?"),
        (2, "out", "I will ask her"),
    ]
    r = cli("import", export(tmp_path / "sam2", SPOUSE + "06/04/2024, 09:00 - Pat Spouse: ok\n"), *args)
    assert r.exit_code == 0, r.output
    assert rows(archive, "SELECT conversation_id, count(*) FROM messages GROUP BY 1") == [(1, 4), (2, 2)]


def test_a_chat_archived_with_the_client_as_its_owner_is_read_as_before():
    """An earlier release archived such a thread keyed with the client as its owner: the key is held, and it is read
    as before (every message would otherwise be archived again, in a second conversation)."""
    senders = {"Sam Client": 1, "Pat Spouse": 1}
    options = ImportOptions("America/New_York", "US", owner_name="Alex Owner", another_phone=True)
    assert _without_the_owner(senders, options, "Pat Spouse", "Sam Client") == (
        "pat spouse|sam client without the owner",
        True,
    )
    held = replace(options, chat_owners={"pat spouse|sam client": ("Sam Client", 4)})
    assert _without_the_owner(senders, held, "Pat Spouse", "Sam Client") == ("pat spouse|sam client", False)
    # the owner's own phone, a chat the owner wrote in, or one named after the owner: the owner is in it
    assert _without_the_owner(senders, replace(options, another_phone=False), "Pat Spouse", "Sam Client")[1] is False
    assert _without_the_owner({**senders, "Alex Owner": 1}, options, "Pat Spouse", "Sam Client")[1] is False
    assert _without_the_owner(senders, options, "Alex Owner", "Sam Client")[1] is False


def test_a_thread_without_the_owner_raises_no_flag_of_the_owners_duties(cli, archive, tmp_path):
    """Second reader, round 16: the client's STOP to their spouse, in a thread on the client's phone the owner is not
    in, was taken for the client's opt-out of the owner's texts (on the cover, in `client consent`, and flagging
    the owner's next text to them), and their texts at night were flagged as received after hours, each waiting
    for a response no one of the firm owed. The lexicons still read it."""
    for args in (
        ("settings", "--hours", "Mon-Fri 09:00-18:00"),
        ("client", "add", "Sam Client", "--phone", "+12025550143"),
        ("matter", "open", "M-1", "--client", "Sam Client", "--title", "Lease"),
        ("client", "consent", "Sam Client", "--given", "2024-01-01", "--method", "written"),
    ):
        assert cli(*args).exit_code == 0, args
    night = "05/04/2024, 22:01 - Sam Client: STOP\n05/04/2024, 22:02 - Pat Spouse: I feel unsafe around you\n"
    path = export(tmp_path / "sam", night)
    assert cli("import", path, "--custodian", "Sam Client", "--me", "Sam Client", "--date-order", "dmy").exit_code == 0
    mine = export(
        tmp_path / "mine", "08/04/2024, 10:00 - Alex Owner: See you Friday\n", "WhatsApp Chat with Sam Client.txt"
    )
    assert cli("import", mine, "--date-order", "dmy").exit_code == 0
    for conversation in ("1", "2"):
        assert cli("file", conversation, "--matter", "M-1").exit_code == 0
    assert rows(
        archive,
        "SELECT f.rule, m.body, f.state FROM review_flags f JOIN messages m ON m.id = f.message_id ORDER BY f.id",
    ) == [("safety", "I feel unsafe around you", "open")]
    assert "opted out" not in cli("client", "consent", "Sam Client").stdout
    # its lexicon flag looks for no response: none was the owner's to give (it read "none yet", waiting: round 17)
    [flag] = json.loads(cli("review", "--json").stdout)["flags"]
    assert (flag["between_others"], flag["response"], flag["waiting_s"]) == (True, None, None)
    assert "none owed (between others)" in cli("review").stdout
    assert json.loads(cli("review", "--unanswered", "--within", "1h", "--json").stdout)["flags"] == []
    assert cli("review", "--pdf", tmp_path / "review.pdf").exit_code == 0
    said = " ".join(
        subprocess.run(["pdftotext", tmp_path / "review.pdf", "-"], capture_output=True, text=True).stdout.split()
    )
    assert "between others (the owner is not in this thread), from Pat Spouse" in said
    assert "A thread on a client's phone that the owner is not in: no response is looked for." in said


def test_a_thread_without_the_owner_is_never_archived_again_in_the_owners_frame(cli, archive, tmp_path):
    """Second reader, round 16: the same thread read without --custodian (a paralegal's slip) was refused as a
    "renamed export" with the advice --conversation, which archived it whole a second time with the client as its
    owner; a group on the client's phone the owner was added to since was archived again as a second conversation
    the same way. Each is refused, saying what to do; the same bytes again, with --custodian alone, go in as before."""
    assert cli("client", "add", "Sam Client", "--phone", "+12025550143").exit_code == 0
    path = export(tmp_path / "sam")
    dmy = ("--date-order", "dmy")
    assert cli("import", path, "--custodian", "Sam Client", "--me", "Sam Client", *dmy).exit_code == 0
    again = cli("import", path, "--custodian", "Sam Client", *dmy, "--json")  # (no --me: as the import before)
    assert again.exit_code == 0, again.output
    [result] = json.loads(again.stdout)
    assert (result["added"], result["already_present"], result["conversations"]) == (0, 3, [1])
    assert (
        f"{path.name}: read as the thread on the client's phone that you are not in, 'Sam Client' being the client,"
        " as an earlier import of it was told (--me); pass --me NAME if that is wrong"
    ) in result["assumptions"]
    before = snapshot(archive)
    week3 = export(tmp_path / "week3", SPOUSE + "07/04/2024, 09:00 - Pat Spouse: ok\n")  # (not the same bytes)
    slip = cli("import", week3, "--me", "Sam Client", *dmy)
    assert (slip.exit_code, slip.stderr) == (
        1,
        f"Error: {week3}: the chat 'Pat Spouse' is archived as a thread on a client's phone that you are not in"
        " (conversation 1, read with --me 'Sam Client' and --custodian): import its exports the same way, with"
        " --custodian CLIENT --me 'Sam Client', or name another chat with --conversation NAME\n",
    )
    joined = export(
        tmp_path / "week2",
        SPOUSE + "06/04/2024, 09:00 - Sam Client added Alex Owner\n06/04/2024, 09:05 - Alex Owner: Hello\n",
    )
    for args in ((), ("--conversation", "Pat Spouse")):
        r = cli("import", joined, "--custodian", "Sam Client", *dmy, *args)
        assert (r.exit_code, r.stderr) == (
            1,
            f"Error: {joined}: the chat 'Pat Spouse' is archived as a thread on the client's phone that you were not in"
            " (conversation 1), and in this export you write in it (added since?): textfile cannot yet add it to"
            " that conversation, whose messages would be read as sent to you; to archive it apart, as a conversation"
            " of its own, name it with --conversation NAME (another name: the messages both hold are then archived"
            " twice)\n",
        )
    assert snapshot(archive) == before


def test_a_clients_export_again_as_the_owners_is_refused(cli, archive, tmp_path):
    """Second reader, round 17: a client's own export imported again without --custodian (or naming the owner) was
    taken for the owner's phone: its messages "found on" the owner's phone too, and `deletable` called them safe to
    delete. The same bytes are one phone's, as for Android and iMessage."""
    assert cli("client", "add", "Sam Client", "--phone", "+12025550143").exit_code == 0
    path = export(tmp_path / "sam")
    assert cli("import", path, "--custodian", "Sam Client", "--me", "Sam Client", "--date-order", "dmy").exit_code == 0
    before = snapshot(archive)
    for args in ((), ("--custodian", "Alex Owner")):
        r = cli("import", path, "--me", "Sam Client", "--date-order", "dmy", *args)
        assert (r.exit_code, r.stderr) == (
            1,
            f"Error: {path}: these bytes were imported before (import 1, {path.name}) as Sam Client's phone"
            " (--custodian 'Sam Client'): import them the same way, or not at all; nothing was imported\n",
        )
    assert snapshot(archive) == before


def test_a_clients_export_named_after_the_owner_who_wrote_nothing_is_the_owners_chat(cli, archive, tmp_path):
    """Second reader, round 17: a client's own export of their chat with the owner, in which only the client wrote
    (the owner answered by phone), was read with the client as its owner, their texts "outgoing": their plea at night
    raised no after-hours flag and their STOP was no opt-out. It is the owner's chat with them."""
    assert cli("settings", "--hours", "Mon-Fri 09:00-18:00").exit_code == 0
    assert cli("client", "add", "Sam Client", "--phone", "+12025550143").exit_code == 0
    path = export(
        tmp_path / "sam",
        "13/11/2026, 22:30 - Sam Client: Are you there? I need help tonight\n16/11/2026, 10:00 - Sam Client: STOP\n",
        "WhatsApp Chat with Alex Owner.txt",
    )
    dmy = ("--custodian", "Sam Client", "--date-order", "dmy")
    r = cli("import", path, *dmy, "--me", "Sam Client")
    assert (r.exit_code, r.stderr) == (
        1,
        f"Error: {path}: --me 'Sam Client': on the client's phone this chat is named after you, so it is your chat"
        " with them, in which you wrote nothing in this export; give --custodian without --me\n",
    )
    r = cli("import", path, *dmy, "--conversation", "Sam Client", "--json")
    assert r.exit_code == 0, r.output
    [result] = json.loads(r.stdout)
    assert (
        f"{path.name}: on the client's phone this chat is named after you: read as your chat with them, in which you"
        " wrote nothing in this export (their texts received)"
    ) in result["assumptions"]
    assert rows(archive, "SELECT source_key FROM conversations") == [("sam client|alex owner",)]
    assert rows(archive, "SELECT handle, is_owner FROM participants ORDER BY handle") == [
        ("Alex Owner", 1),
        ("Sam Client", 0),
    ]
    assert rows(archive, "SELECT direction, body FROM messages ORDER BY sent_at") == [
        ("in", "Are you there? I need help tonight"),
        ("in", "STOP"),
    ]
    assert rows(archive, "SELECT rule FROM review_flags ORDER BY id") == [("after_hours_in",), ("opt_out",)]


def test_a_silent_owners_chat_archived_with_the_client_as_owner_is_read_as_before():
    """A release before this one archived such a chat with the client as its owner (`--me CLIENT`): its key is held,
    and it is read as it was (every message would otherwise be archived again, in a second conversation)."""
    from textfile.importers.whatsapp.people import _owner, _owner_before

    senders = {"Sam Client": 2}
    options = ImportOptions("America/New_York", "US", owner_name="Alex Owner", another_phone=True, me="Sam Client")
    with pytest.raises(ImportFailed):
        _owner(Path("x.txt"), senders, options, "Alex Owner", with_owner=True, before=None)
    held = replace(options, chat_owners={"alex owner|sam client": ("Sam Client", 3)})
    before = _owner_before(held, "Alex Owner")
    assert _owner(Path("x.txt"), senders, held, "Alex Owner", with_owner=True, before=before) == ("Sam Client", None)
