"""A phone's clock is its own: with no --tz, a WhatsApp chat is read in the zone it was last read in on the phone
the export comes from (the owner's, or a client's: `--custodian`), never in the zone another phone's export of the
same chat was given (second reader, round 17 #3: after a client's export read in America/Chicago, the owner's own
export was read in Chicago too, an hour off)."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from conftest import FIXTURES, snapshot

SAM = FIXTURES / "whatsapp" / "demo" / "WhatsApp Chat with Sam Client.txt"  # 14 messages, 3/1/24 to 3/14/24
CHICAGO, NEW_YORK = "America/Chicago", "America/New_York"  # (the archive's: conftest.OWNER)
LAST_READ = "the zone this chat's messages were last read in"


def imported(cli, *args) -> dict:
    r = cli("import", *args, "--json")
    assert r.exit_code == 0, r.output
    [result] = json.loads(r.stdout)
    return result


def test_each_phone_is_read_in_its_own_zone(cli, archive, tmp_path):
    assert cli("client", "add", "Sam Client").exit_code == 0
    theirs = tmp_path / "WhatsApp Chat with Alex Owner.txt"  # (the client's phone names the chat after the owner)
    theirs.write_text(SAM.read_text("utf-8") + "3/20/24, 9:00 AM - Sam Client: Got it\n", encoding="utf-8")
    client = ("--custodian", "Sam Client", "--conversation", "Sam Client")
    first = imported(cli, theirs, *client, "--tz", CHICAGO)
    assert (first["zone"], first["added"]) == (CHICAGO, 15)

    # the owner's own export, no --tz: the archive's zone, not the zone the client's phone was read in; each of
    # its messages is the client's copy's, an hour apart, and said so
    ours = imported(cli, SAM)
    assert (ours["zone"], ours["added"], ours["already_present"]) == (NEW_YORK, 0, 14)
    assert not any(LAST_READ in said for said in ours["assumptions"])
    assert any("1 h 00 min 00 s earlier on this phone" in said for said in ours["assumptions"])

    # the client's export again, a text added, no --tz: their phone's zone, as it was last read in, said so
    with theirs.open("a", encoding="utf-8") as f:
        f.write("3/21/24, 9:00 AM - Sam Client: Thanks again\n")
    again = imported(cli, theirs, *client)
    assert (again["zone"], again["added"]) == (CHICAGO, 1)
    assert (
        f"{theirs.name}: times read as wall-clock times in {CHICAGO}, {LAST_READ}, not the archive's {NEW_YORK};"
        in (" ".join(again["assumptions"]))
    )
    assert [tuple(r) for r in archive.conn.execute("SELECT source_zone FROM messages WHERE import_id = 3")] == [
        (CHICAGO,)
    ]

    # and the owner's phone again, a text of theirs added: New York still, whatever the client's was read in since
    newer = tmp_path / "ours" / SAM.name
    newer.parent.mkdir()
    newer.write_text(SAM.read_text("utf-8") + "3/22/24, 9:00 AM - Alex Owner: See you Monday\n", encoding="utf-8")
    ours_again = imported(cli, newer)
    assert (ours_again["zone"], ours_again["added"]) == (NEW_YORK, 1)
    assert not any(LAST_READ in said for said in ours_again["assumptions"])
    assert [tuple(r) for r in archive.conn.execute("SELECT id, zone, custodian FROM imports ORDER BY id")] == [
        (1, CHICAGO, "Sam Client"),
        (2, NEW_YORK, None),
        (3, CHICAGO, "Sam Client"),
        (4, NEW_YORK, None),
    ]


def test_a_phone_read_in_another_zone_is_read_in_it_again(cli, archive, tmp_path):
    """The owner's phone read with --tz: its next export is read in that zone, as before (a client's phone read
    since in another zone changes nothing)."""
    imported(cli, SAM, "--tz", "Europe/London")
    newer = tmp_path / SAM.name
    newer.write_text(SAM.read_text("utf-8") + "3/22/24, 9:00 AM - Alex Owner: See you Monday\n", encoding="utf-8")
    again = imported(cli, newer)
    assert (again["zone"], again["added"]) == ("Europe/London", 1)
    assert any(f"in Europe/London, {LAST_READ}" in said for said in again["assumptions"])


OURS = (  # the owner's Android phone in New York: minutes
    "3/1/24, 9:02 AM - Sam Client: Hi Alex, the landlord says the deposit is not coming back\n"
    "3/1/24, 9:04 AM - Alex Owner: Do you have the lease?\n"
    "3/1/24, 9:31 AM - Sam Client: ok\n"
    "3/1/24, 9:31 AM - Sam Client: ok\n"
)
THEIRS = (  # the client's iPhone in Chicago, an hour behind: seconds; one text more
    "[3/1/24, 8:02:17 AM] Sam Client: Hi Alex, the landlord says the deposit is not coming back\n"
    "[3/1/24, 8:04:40 AM] Alex Owner: Do you have the lease?\n"
    "[3/1/24, 8:31:05 AM] Sam Client: ok\n"
    "[3/1/24, 8:31:50 AM] Sam Client: ok\n"
    "[3/1/24, 8:40:00 AM] Sam Client: I found it, sending now\n"
)


def refused(cli, archive, *args) -> str:
    """What `textfile import ARGS` said, having checked it failed and left the archive as it was."""
    before = snapshot(archive)
    r = cli("import", *args)
    assert r.exit_code == 1, r.output
    assert snapshot(archive) == before
    return r.stderr


def two_phones(cli, folder, theirs: str = THEIRS, ours: str = OURS) -> tuple:
    """Sam Client added, the owner's export of their chat imported; the two exports' paths (the client's not
    imported)."""
    assert cli("client", "add", "Sam Client").exit_code == 0
    ours_path = folder / "WhatsApp Chat with Sam Client.txt"
    ours_path.write_text(ours, encoding="utf-8")
    theirs_path = folder / "WhatsApp Chat - Alex Owner.txt"
    theirs_path.write_text(theirs, encoding="utf-8")
    assert imported(cli, ours_path)["added"] == ours.count("\n")
    return ours_path, theirs_path


def transcript_text(cli, folder) -> str:
    """Conversation 1 filed to a new matter M-1 of Sam Client, its transcript's text, its white space made single."""
    assert cli("matter", "open", "M-1", "--client", "Sam Client", "--title", "Deposit").exit_code == 0
    assert cli("file", "1", "--matter", "M-1").exit_code == 0
    assert cli("transcript", "M-1", "--out", folder / "t.pdf").exit_code == 0
    done = subprocess.run(["pdftotext", folder / "t.pdf", "-"], capture_output=True, text=True, check=True)
    return " ".join(done.stdout.split())


def found_on(archive) -> list[tuple]:
    """Each message: its time, text, and the imports that found it."""
    return [
        tuple(r)
        for r in archive.conn.execute(
            "SELECT m.sent_at, m.body, (SELECT group_concat(s.import_id, ',') FROM (SELECT import_id FROM message_sources"
            " WHERE message_id = m.id ORDER BY 1) s) FROM messages m ORDER BY m.sent_at, m.rowid"
        )
    ]


def test_one_chat_on_two_phones_in_two_zones_is_one_set_of_messages(cli, archive, tmp_path):
    """Round 17 #2: each phone's export read correctly in its own zone, each message was archived twice (WhatsApp
    copies were matched only where both phones write the same wall clock). They are matched as Android's copies
    are: sender, text and time within two minutes, said as an assumption; found on both phones."""
    ours, theirs = two_phones(cli, tmp_path)
    r = imported(cli, theirs, "--custodian", "Sam Client", "--conversation", "Sam Client", "--tz", CHICAGO)

    assert (r["added"], r["already_present"]) == (1, 4)
    assert (
        "4 messages matched to the copy from Alex Owner's phone by sender, text and time within 2 minutes: each is"
        " one message, found on both phones" in r["assumptions"]
    )
    assert found_on(archive) == [
        ("2024-03-01T14:02:00.000Z", "Hi Alex, the landlord says the deposit is not coming back", "1,2"),
        ("2024-03-01T14:04:00.000Z", "Do you have the lease?", "1,2"),
        ("2024-03-01T14:31:00.000Z", "ok", "1,2"),
        ("2024-03-01T14:31:00.000Z", "ok", "1,2"),
        ("2024-03-01T14:40:00.000Z", "I found it, sending now", "2"),
    ]
    # the same again changes nothing, and each phone's time of a copy is kept ("recorded there at")
    theirs.write_text(THEIRS + "[3/1/24, 8:45:00 AM] Sam Client: Sent\n", encoding="utf-8")
    again = imported(cli, theirs, "--custodian", "Sam Client", "--conversation", "Sam Client")
    assert (again["zone"], again["added"], again["already_present"]) == (CHICAGO, 1, 5)
    assert [tuple(r) for r in archive.conn.execute("SELECT sent_at FROM phone_copies ORDER BY sent_at")] == [
        ("2024-03-01T14:02:17.000Z",),
        ("2024-03-01T14:04:40.000Z",),
        ("2024-03-01T14:31:05.000Z",),
        ("2024-03-01T14:31:50.000Z",),
    ]
    assert cli("verify").exit_code == 0
    # the transcript's cover says the client's copies are shown at the owner's phone's times, never that a correction
    # superseded them (second reader, round 18 #7: "since superseded … another import corrected the zone")
    text = transcript_text(cli, tmp_path)
    assert "superseded" not in text
    assert (
        f"times read as wall-clock times in {CHICAGO}; 4 of its 6 messages were archived first from another phone and"
        " are shown at the time that phone recorded (found on both)" in text
    )


def test_the_owner_under_a_contact_name_or_a_number_on_the_clients_phone(cli, archive, tmp_path):
    """Round 17 #4: a client's phone names the owner as it likes: a contact name ("Atty Park"), or one of the owner's
    numbers. Their copy of the chat is the owner's chat with them all the same: the same conversation, the owner's
    texts sent by the owner, each message matched to the owner's own copy. A contact name is said with --me (the
    refusal says so; it advised a thread between others); a number of the owner's is known, said as an assumption."""
    assert cli("client", "add", "Sam Client").exit_code == 0
    ours = tmp_path / "WhatsApp Chat with Sam Client.txt"
    ours.write_text(OURS, encoding="utf-8")
    assert imported(cli, ours)["added"] == 4
    contact = tmp_path / "atty" / "WhatsApp Chat - Atty Park.txt"
    contact.parent.mkdir()
    contact.write_text(THEIRS.replace("Alex Owner", "Atty Park"), encoding="utf-8")
    client = ("--custodian", "Sam Client", "--tz", CHICAGO)

    r = cli("import", contact, *client, "--conversation", "Sam Client")
    assert (r.exit_code, r.stderr) == (
        1,
        f"Error: {contact}: none of the senders is you by your name or numbers, but the chat 'Sam Client' is archived"
        " as your chat with them; senders found: 'Atty Park', 'Sam Client': on the client's phone you are under the"
        " name it gives you (a contact name): pass --me NAME, the sender who is you, as written\n",
    )
    r = imported(cli, contact, *client, "--conversation", "Sam Client", "--me", "Atty Park")
    assert (r["added"], r["already_present"], r["conversations"]) == (1, 4, [1])
    assert (
        f"{contact.name}: on the client's phone you are 'Atty Park' (--me): read as 'Alex Owner', as your archive holds"
        " your chat with them, each of your texts sent" in r["assumptions"]
    )
    assert found_on(archive)[:2] == [
        ("2024-03-01T14:02:00.000Z", "Hi Alex, the landlord says the deposit is not coming back", "1,2"),
        ("2024-03-01T14:04:00.000Z", "Do you have the lease?", "1,2"),
    ]
    assert [tuple(p) for p in archive.conn.execute("SELECT display_name, is_owner FROM participants ORDER BY id")] == [
        ("Alex Owner", 1),
        ("Sam Client", 0),
    ]

    # a bare number of the owner's: the same chat, with no --me
    number = tmp_path / "num" / "WhatsApp Chat with +1 202 555 0100.txt"
    number.parent.mkdir()
    number.write_text(
        THEIRS.replace("Alex Owner", "+1 202 555 0100") + "[3/1/24, 8:50:00 AM] +1 202 555 0100: Got it, thanks\n",
        encoding="utf-8",
    )
    r = imported(cli, number, *client, "--conversation", "Sam Client")
    assert (r["added"], r["already_present"], r["conversations"]) == (1, 5, [1])
    assert (
        f"{number.name}: on the client's phone you are '+1 202 555 0100' (one of your numbers): read as 'Alex Owner', as"
        " your archive holds your chat with them, each of your texts sent" in r["assumptions"]
    )
    assert [
        tuple(m)
        for m in archive.conn.execute(
            "SELECT m.direction, p.display_name FROM messages m JOIN participants p ON p.id = m.sender_id"
            " WHERE m.body = 'Got it, thanks'"
        )
    ] == [("out", "Alex Owner")]
    assert archive.conn.execute("SELECT count(*) FROM conversations").fetchone()[0] == 1
    assert cli("verify").exit_code == 0
    # the transcript names each file's owner as that file writes them (round 18 #10: "written by 'Alex Owner'")
    text = transcript_text(cli, tmp_path)
    assert "--me 'Atty Park' given: the messages written by 'Atty Park' are the owner's (Alex Owner)" in text
    assert "you are '+1 202 555 0100' (one of your numbers): read as 'Alex Owner'" in text
    assert text.count("the archive's owner has that name") == 1  # (the owner's own export only)


def test_a_clients_copy_read_as_a_thread_without_you_under_your_chats_name_is_refused(cli, archive, tmp_path):
    """Round 18 #8: `--me CLIENT` (a thread you are not in) with `--conversation` naming the owner's own chat archived
    the whole chat again, "between others", beside the chat named."""
    assert cli("client", "add", "Sam Client").exit_code == 0
    ours = tmp_path / "WhatsApp Chat with Sam Client.txt"
    ours.write_text(OURS, encoding="utf-8")
    assert imported(cli, ours)["added"] == 4
    theirs = tmp_path / "WhatsApp Chat - Atty Park.txt"
    theirs.write_text(THEIRS.replace("Alex Owner", "Atty Park"), encoding="utf-8")
    assert (
        refused(cli, archive, theirs, "--custodian", "Sam Client", "--conversation", "Sam Client", "--me", "Sam Client")
        == f"Error: {theirs}: --me 'Sam Client' reads this export as a thread you are not in, but --conversation names"
        " 'Sam Client', your own chat (with 'Alex Owner' as you): if this is the client's copy of that chat, give no"
        " --me, or --me NAME naming the sender who is you as their phone writes you; if it is a thread without you,"
        " name it after the other person (--conversation NAME, a new name)\n"
    )


GROUP_OURS = (
    "3/1/24, 9:00 AM - Dana Reyes: Meeting on Friday?\n"
    "3/1/24, 9:02 AM - Alex Owner: Please each send me photos of the damage\n"
    "3/1/24, 9:05 AM - Sam Client: Will do\n"
)
GROUP_THEIRS = (  # the client's iPhone in Chicago, the owner under a contact name
    "[3/1/24, 8:00:10 AM] Dana Reyes: Meeting on Friday?\n"
    "[3/1/24, 8:02:30 AM] Atty Park: Please each send me photos of the damage\n"
    "[3/1/24, 8:05:05 AM] Sam Client: Will do\n"
)


def two_phones_in_a_group(cli, folder, theirs: str):
    """Sam Client added, the owner's export of the group Tenants (GROUP_OURS) imported; the client's export of it,
    `theirs`, written (not imported): its path."""
    assert cli("client", "add", "Sam Client").exit_code == 0
    ours = folder / "WhatsApp Chat with Tenants.txt"
    ours.write_text(GROUP_OURS, encoding="utf-8")
    assert imported(cli, ours)["added"] == 3
    path = folder / "theirs" / "WhatsApp Chat - Tenants.txt"
    path.parent.mkdir()
    path.write_text(theirs, encoding="utf-8")
    return path


def test_a_group_on_the_clients_phone_with_the_owner_under_a_contact_name(cli, archive, tmp_path):
    """Round 18 #2: the same group on a client's phone, the owner under a contact name, was read with no --me as the
    owner silent in it ("as an earlier import of it was told", which none was), the owner's text added again as a
    stranger's; with --me and no --conversation, as a thread without the owner, the whole group archived twice."""
    theirs = two_phones_in_a_group(cli, tmp_path, GROUP_THEIRS)
    client = ("--custodian", "Sam Client", "--tz", CHICAGO)
    assert (
        refused(cli, archive, theirs, *client)
        == f"Error: {theirs}: none of the senders is you by your name or numbers, but the chat 'Tenants' is archived as"
        " yours; senders found: 'Atty Park', 'Dana Reyes', 'Sam Client': on the client's phone you may be under the"
        " name it gives you (a contact name): pass --me NAME, the sender who is you, as written, or --me 'Alex Owner'"
        " if you wrote nothing in this export\n"
    )
    assert (
        refused(cli, archive, theirs, *client, "--me", "Atty Park")
        == f"Error: {theirs}: the chat 'Tenants' is archived as yours, and --me 'Atty Park' names another sender: if"
        " 'Atty Park' is you as the client's phone writes you, say which chat with --conversation 'Tenants'; if it"
        " is a thread you are not in, --me names the client as their phone writes them and --conversation gives it"
        " a name of its own\n"
    )

    r = imported(cli, theirs, *client, "--me", "Atty Park", "--conversation", "Tenants")
    assert (r["added"], r["already_present"], r["conversations"]) == (0, 3, [1])
    assert [tuple(p) for p in archive.conn.execute("SELECT display_name, is_owner FROM participants ORDER BY id")] == [
        ("Alex Owner", 1),
        ("Dana Reyes", 0),
        ("Sam Client", 0),
    ]


def test_copies_that_each_phone_writes_its_own_way_are_matched(cli, archive, tmp_path):
    """Round 18: a message deleted on both phones (each writes its own placeholder, #4), a location an iPhone writes
    after a direction mark (#5), and two "ok"s an Android export writes to the minute, the iPhone's one falling in the
    first one's minute (#6): each is one message, found on both phones."""
    assert cli("client", "add", "Sam Client").exit_code == 0
    ours = tmp_path / "WhatsApp Chat with Sam Client.txt"
    ours.write_text(
        "4/2/24, 10:00 AM - Sam Client: This message was deleted\n"
        "4/2/24, 10:02 AM - Sam Client: ok\n"
        "4/2/24, 10:03 AM - Sam Client: ok\n"
        "4/2/24, 10:06 AM - Alex Owner: Location: https://maps.google.com/?q=40.7,-74.0\n",
        encoding="utf-8",
    )
    theirs = tmp_path / "WhatsApp Chat - Atty Park.txt"
    theirs.write_text(
        "[4/2/24, 9:00:20 AM] Sam Client: \u200eYou deleted this message.\n"
        "[4/2/24, 9:02:59 AM] Sam Client: ok\n"
        "[4/2/24, 9:03:40 AM] Sam Client: ok\n"
        "[4/2/24, 9:06:10 AM] Atty Park: \u200eLocation: https://maps.google.com/?q=40.7,-74.0\n",
        encoding="utf-8",
    )
    assert imported(cli, ours)["added"] == 4
    args = ("--custodian", "Sam Client", "--conversation", "Sam Client", "--me", "Atty Park", "--tz", CHICAGO)
    r = imported(cli, theirs, *args)
    assert (r["added"], r["already_present"]) == (0, 4), r
    assert [row[2] for row in found_on(archive)] == ["1,2", "1,2", "1,2", "1,2"]
    assert [tuple(r) for r in archive.conn.execute("SELECT sent_at FROM phone_copies ORDER BY sent_at")] == [
        ("2024-04-02T14:00:20.000Z",),
        ("2024-04-02T14:02:59.000Z",),  # (the first "ok": its minute, 10:02, holds 10:02:59)
        ("2024-04-02T14:03:40.000Z",),
        ("2024-04-02T14:06:10.000Z",),
    ]
    assert [
        tuple(r)
        for r in archive.conn.execute(
            "SELECT m.sent_at, c.sent_at FROM phone_copies c JOIN messages m ON m.id = c.message_id ORDER BY c.sent_at"
        )
    ][1:3] == [
        ("2024-04-02T14:02:00.000Z", "2024-04-02T14:02:59.000Z"),
        ("2024-04-02T14:03:00.000Z", "2024-04-02T14:03:40.000Z"),
    ]


def test_a_new_chat_on_the_clients_phone_with_the_owner_by_number(cli, archive, tmp_path):
    """A chat the archive does not hold yet, the owner written by their number on the client's phone: keyed with the
    owner's name, so the owner's own export of it later is the same chat; the assumption says whence the name."""
    assert cli("client", "add", "Sam Client").exit_code == 0
    club = tmp_path / "WhatsApp Chat with Book Club.txt"
    club.write_text(
        "3/1/24, 9:00 AM - Dana Reyes: Friday?\n3/1/24, 9:01 AM - +1 202 555 0100: Friday works\n"
        "3/1/24, 9:02 AM - Sam Client: Same\n",
        encoding="utf-8",
    )
    r = imported(cli, club, "--custodian", "Sam Client")
    assert (
        f"{club.name}: on the client's phone you are '+1 202 555 0100' (one of your numbers): read as 'Alex Owner',"
        " your name in your archive, each of your texts sent" in r["assumptions"]
    )
    assert [tuple(c) for c in archive.conn.execute("SELECT source_key FROM conversations")] == [
        ("book club|alex owner",)
    ]
    ours = tmp_path / "ours" / club.name
    ours.parent.mkdir()
    ours.write_text(club.read_text("utf-8").replace("+1 202 555 0100", "Alex Owner"), encoding="utf-8")
    again = imported(cli, ours)
    assert (again["added"], again["already_present"], again["conversations"]) == (0, 3, [1])


SHARED = [  # (UTC, sender, text): one chat as both phones hold it
    ("2024-03-01 14:02:00", "Sam Client", "Hi Alex, the landlord says the deposit is not coming back"),
    ("2024-03-01 14:04:00", "Alex Owner", "Do you have the lease?"),
    ("2024-03-01 14:20:00", "Sam Client", "The lease is in the drawer at home"),
    ("2024-03-01 14:31:00", "Sam Client", "ok"),
    ("2024-03-01 14:40:00", "Alex Owner", "Send me page 4 when you can"),
]


def exports(folder, ours: list, theirs: list, zone: str, ours_zone: str = NEW_YORK) -> tuple:
    """The owner's Android export (`ours_zone`, minutes) of `ours`, and the client's iPhone export (`zone`, seconds)
    of `theirs`: (UTC, sender, text) each."""

    def when(utc: str, tz: str, fmt: str) -> str:
        at = datetime.fromisoformat(utc).replace(tzinfo=UTC).astimezone(ZoneInfo(tz))
        return f"{at.month}/{at.day}/{at:%y}, {at.hour % 12 or 12}:{at.strftime(fmt)}"

    folder.mkdir(exist_ok=True)
    mine = folder / "WhatsApp Chat with Sam Client.txt"
    mine.write_text("".join(f"{when(t, ours_zone, '%M %p')} - {w}: {x}\n" for t, w, x in ours), encoding="utf-8")
    other = folder / "WhatsApp Chat - Alex Owner.txt"
    other.write_text("".join(f"[{when(t, zone, '%M:%S %p')}] {w}: {x}\n" for t, w, x in theirs), encoding="utf-8")
    return mine, other


def test_a_clients_export_read_in_an_assumed_zone_an_hour_off_is_refused(cli, archive, tmp_path):
    """Round 18 #1: the client's Chicago export imported without --tz was read in New York, an hour off, and each of
    the messages both phones hold was archived a second time (the usual slip; a correction afterwards cannot join
    them). Its texts matching the owner's copies as a clock at UTC-06:00 writes them, it is refused; read in its zone
    it matches. With --tz given, the zone is read as given, and the import says what it found."""
    assert cli("client", "add", "Sam Client").exit_code == 0
    ours, theirs = exports(tmp_path, SHARED, SHARED, CHICAGO)
    assert imported(cli, ours)["added"] == 5
    client = ("--custodian", "Sam Client", "--conversation", "Sam Client")

    assert (
        refused(cli, archive, theirs, *client)
        == f"Error: {theirs}: 5 messages of {theirs.name} match the copies archived from Alex Owner's phone by sender and"
        " text as a phone whose clock read UTC-06:00 writes them (each 1 h 00 min 00 s later than read here): its"
        " times were read in America/New_York, assumed (no --tz), and may be wrong: if they are right as read, say so"
        " with --tz America/New_York; if its phone was in another zone, import it with --tz naming that zone; nothing"
        " was imported\n"
    )

    # told a wrong zone, it is read as told, and what was found is said
    wrong = imported(cli, theirs, *client, "--tz", "America/Denver")
    assert (wrong["added"], wrong["already_present"]) == (5, 0)
    assert (
        f"5 messages of {theirs.name} match the copies archived from Alex Owner's phone by sender and text as a phone"
        " whose clock read UTC-06:00 writes them (each 1 h 00 min 00 s earlier than read here): archived as messages of"
        " their own, read in America/Denver as --tz says; if that was not this phone's zone, each of them (line 1, line 2,"
        " line 3, line 4, line 5) is a message archived twice, once at each reading" in wrong["assumptions"]
    )
    right = imported(cli, theirs, *client, "--tz", CHICAGO, "--conversation", "Sam Client (Chicago)")
    assert (right["added"], right["warnings"]) == (5, [])
    assert not any("match the copies archived" in said for said in right["assumptions"])
    # the transcript says it: a message on it may be one of the other phone's, twice
    assert (
        "whose clock read UTC-06:00 writes them (each 1 h 00 min 00 s earlier than read here): archived as messages of"
        " their own, read in America/Denver as --tz says; if that was not this phone's zone, each of them (line 1, line 2,"
        " line 3, line 4, line 5) is a message archived twice" in transcript_text(cli, tmp_path)
    )


def test_every_zone_read_wrong_is_found(cli, archive, tmp_path):
    """Round 19 #2-#4: a phone 16 hours away (Auckland), one a quarter hour off the half (Kathmandu, +05:45), and a
    London phone across the day New York changes its clocks (5 hours off, then 4: one clock, UTC+00:00) are each
    refused, naming the clock."""
    assert cli("client", "add", "Sam Client").exit_code == 0
    later = [(t.replace("03-01", "03-11"), w, x + " again") for t, w, x in SHARED[:2]]
    for zone, shared, clock in (
        ("Pacific/Auckland", SHARED, "+13:00"),
        ("Asia/Kathmandu", SHARED, "+05:45"),
        ("Europe/London", SHARED[:2] + later, "+00:00"),
    ):
        ours, theirs = exports(tmp_path / zone.replace("/", "-"), shared, shared, zone)
        assert imported(cli, ours, "--conversation", f"Sam Client {zone}")["added"] == len(shared)
        r = cli("import", theirs, "--custodian", "Sam Client", "--conversation", f"Sam Client {zone}")
        assert r.exit_code == 1 and f"as a phone whose clock read UTC{clock} writes them" in r.stderr, (zone, r.stderr)


def test_texts_said_again_at_another_time_are_no_shift(cli, archive, tmp_path):
    """Round 19 #1: a correct export (New York) of the afternoon, whose short replies ("ok", "Thanks") the client also
    sent in the morning the owner's export holds, was refused as read in the wrong zone, and following the advice lost
    them. Short texts, and texts found at more than one distance, are no sign of a zone: imported as read, and said
    where a longer text is found so (fewer than three)."""
    assert cli("client", "add", "Sam Client").exit_code == 0
    morning = [
        ("2024-03-01 14:00:00", "Sam Client", "ok"),
        ("2024-03-01 14:05:00", "Sam Client", "Thanks"),
        ("2024-03-01 14:10:00", "Sam Client", "ok"),
        ("2024-03-01 14:15:00", "Sam Client", "See you at the hearing then"),
    ]
    afternoon = [(t.replace(" 14:", " 19:"), w, x) for t, w, x in morning]
    morning.append(("2024-03-01 14:20:00", "Alex Owner", "Good morning, Sam"))
    afternoon.append(("2024-03-01 19:20:00", "Alex Owner", "Good afternoon, Sam"))
    ours, theirs = exports(tmp_path, morning, afternoon, NEW_YORK)
    assert imported(cli, ours)["added"] == 5
    r = imported(cli, theirs, "--custodian", "Sam Client", "--conversation", "Sam Client")
    assert (r["added"], r["already_present"]) == (5, 0)
    assert [w for w in r["assumptions"] if "match the copies archived" in w] == [
        f"4 messages of {theirs.name} match the copies archived from Alex Owner's phone by sender and text as a phone"
        " whose clock read UTC+00:00 writes them (each 5 h 00 min 00 s earlier than read here): archived as messages"
        " of their own, read in America/New_York; if that was not this phone's zone, each of them (line 1, line 2,"
        " line 3, line 4) is a message archived twice, once at each reading"
    ]


def test_the_client_under_their_own_name_on_their_phone_is_the_client(cli, archive, tmp_path):
    """Round 18 #3: a client's phone writes the client under the name they gave WhatsApp ("Sammy C"). In their copy
    of a chat the archive holds as the owner's with them alone, that sender was a third participant, and each of
    their texts was archived again. The one sender besides the owner is the client, the participant the archive
    holds, said as an assumption; each text matches the owner's copy, and the same file again adds nothing. A chat
    the archive holds with more than one other person is not read so unasked (--client-as)."""
    ours, theirs = two_phones(cli, tmp_path, THEIRS.replace("Sam Client:", "Sammy C:"))
    client = ("--custodian", "Sam Client", "--conversation", "Sam Client", "--tz", CHICAGO)

    r = imported(cli, theirs, *client)
    assert (r["added"], r["already_present"]) == (1, 4)
    assert (
        f"{theirs.name}: on their phone the client is 'Sammy C': read as 'Sam Client', the one person besides you in"
        " your chat with them as your archive holds it" in r["assumptions"]
    )
    assert [tuple(p) for p in archive.conn.execute("SELECT handle, display_name, is_owner FROM participants")] == [
        ("Alex Owner", "Alex Owner", 1),
        ("Sam Client", "Sam Client", 0),
    ]
    assert found_on(archive) == [
        ("2024-03-01T14:02:00.000Z", "Hi Alex, the landlord says the deposit is not coming back", "1,2"),
        ("2024-03-01T14:04:00.000Z", "Do you have the lease?", "1,2"),
        ("2024-03-01T14:31:00.000Z", "ok", "1,2"),
        ("2024-03-01T14:31:00.000Z", "ok", "1,2"),
        ("2024-03-01T14:40:00.000Z", "I found it, sending now", "2"),
    ]
    again = imported(cli, theirs, *client)
    assert (again["added"], again["already_present"]) == (0, 5)
    assert refused(cli, archive, theirs, *client, "--client-as", "Sam Client") == (  # (round 21 #4)
        f"Error: {theirs}: --client-as 'Sam Client' says the client wrote nothing in this export, but your archive holds"
        " this chat as yours with them alone, and 'Sammy C' wrote in it: that sender is the client; pass --client-as"
        " 'Sammy C', or no --client-as\n"
    )

    # a group of three on the client's phone, held with two others: nobody is read as the client unasked (round 19
    # #6: refused, naming the senders; test_the_client_under_their_own_name_in_a_group)
    group = tmp_path / "WhatsApp Chat with Tenants.txt"
    group.write_text(
        "3/2/24, 9:00 AM - Alex Owner: Meeting at 5\n3/2/24, 9:01 AM - Sam Client: ok\n3/2/24, 9:02 AM - Dana: yes\n",
        encoding="utf-8",
    )
    assert imported(cli, group)["added"] == 3
    mine = tmp_path / "theirs" / group.name
    mine.parent.mkdir()
    mine.write_text(
        "[3/2/24, 8:00:10 AM] Alex Owner: Meeting at 5\n[3/2/24, 8:01:10 AM] Sammy C: ok\n", encoding="utf-8"
    )
    said = refused(cli, archive, mine, "--custodian", "Sam Client", "--tz", CHICAGO)
    assert "none of the senders is the client 'Sam Client'" in said and "pass --client-as NAME" in said


def test_the_client_under_their_own_name_first_is_the_name_the_chat_is_given(cli, archive, tmp_path):
    """The other order: the client's export first, of a chat the archive does not hold, named after the owner on their
    phone and given the name the owner's phone gives it (--conversation): the client is that name, which the owner's
    own export writes them by; it then matches every copy, with no third participant."""
    assert cli("client", "add", "Sam Client").exit_code == 0
    theirs = tmp_path / "WhatsApp Chat - Alex Owner.txt"
    theirs.write_text(THEIRS.replace("Sam Client:", "Sammy C:"), encoding="utf-8")
    r = imported(cli, theirs, "--custodian", "Sam Client", "--conversation", "Sam Client", "--tz", CHICAGO)
    assert r["added"] == 5
    assert (
        f"{theirs.name}: on their phone the client is 'Sammy C': read as 'Sam Client', the name the chat is given"
        " (--conversation), as your own phone names them" in r["assumptions"]
    )
    ours = tmp_path / "WhatsApp Chat with Sam Client.txt"
    ours.write_text(OURS, encoding="utf-8")
    assert (imported(cli, ours)["added"], archive.conn.execute("SELECT count(*) FROM participants").fetchone()[0]) == (
        0,
        2,
    )


def test_a_sender_named_as_you_whose_texts_match_none_of_yours_is_said(cli, archive, tmp_path):
    """Round 19 #7: the client's thread with Bob (you are not in it) read with --me naming the client as their phone
    writes them ("Sammy C") and --conversation naming your own chat with Bob: the client's texts were archived as
    yours, sent to Bob, and nothing said so. None of them matching your own phone's texts of the same day, it is said
    as a warning (a refusal left a real export whose hours your own export lacks with no way in: round 20 #2); the way
    in for a thread without you (a name of its own) reads it as between others."""
    assert cli("client", "add", "Sam Client").exit_code == 0
    ours = tmp_path / "WhatsApp Chat with Bob Smith.txt"
    ours.write_text(
        "3/1/24, 10:00 AM - Bob Smith: Alex, I am the landlord's agent\n"
        "3/1/24, 10:05 AM - Alex Owner: Please put that in writing\n",
        encoding="utf-8",
    )
    assert imported(cli, ours)["added"] == 2
    theirs = tmp_path / "WhatsApp Chat - Bobby.txt"
    theirs.write_text(
        "[3/1/24, 11:00:00 AM] Bobby: Sam, you will get half the deposit\n"
        "[3/1/24, 11:05:00 AM] Sammy C: My lawyer will answer\n",
        encoding="utf-8",
    )
    client = ("--custodian", "Sam Client", "--me", "Sammy C")
    r = imported(cli, theirs, *client, "--conversation", "Bob Smith")
    assert [w for w in r["assumptions"] if "may not be you" in w] == [
        f"1 text of {theirs.name} read as yours matches none of the 1 text your own phone has of yours in conversation"
        " 1 over the same days: --me 'Sammy C' may not be you (if it is the client as their phone writes them, this is"
        " a thread you are not in, to be imported under a name of its own)"
    ]
    # the way in for a thread without you: a name of its own
    r = imported(cli, theirs, *client, "--conversation", "Bob (Sam's phone)")
    assert r["added"] == 2
    assert [
        tuple(row)
        for row in archive.conn.execute(
            "SELECT c.source_key, p.handle, m.direction FROM messages m JOIN conversations c ON c.id = m.conversation_id"
            " JOIN participants p ON p.id = m.sender_id WHERE m.import_id = ? ORDER BY m.sent_at",
            (r["import_id"],),
        )
    ] == [  # (a thread without you: no text of it is yours)
        ("bob (sam's phone)|sammy c without the owner", "Bobby", "in"),
        ("bob (sam's phone)|sammy c without the owner", "Sammy C", "in"),
    ]


def test_what_no_one_zone_explains_is_said_not_refused(cli, archive, tmp_path):
    """Round 20 #4 and #7: the same texts at the same time every day (a reminder and its confirmation) were read as a
    phone at UTC+19:00, and an owner who changed zones within one export was refused with two ways out that were
    both wrong. A day apart is no zone and no clock is past UTC+14:00; where more messages matched where they are
    than a shift would explain, the import goes in as read, and what was found is said."""
    assert cli("client", "add", "Sam Client").exit_code == 0
    daily = [
        (f"2024-03-0{d} 13:00:00", w, x)
        for d in (3, 4)
        for w, x in (("Alex Owner", "Reminder, our session is at 10 am"), ("Sam Client", "Confirmed, see you then"))
    ]
    ours, theirs = exports(tmp_path / "daily", daily[:2], daily, NEW_YORK)
    assert imported(cli, ours)["added"] == 2
    r = imported(cli, theirs, "--custodian", "Sam Client", "--conversation", "Sam Client")
    assert (r["added"], r["already_present"]) == (2, 2)
    assert not any("match the copies archived" in w for w in r["assumptions"])

    travelled = [(t.replace("03-01", "03-04"), w, x + ", from London") for t, w, x in SHARED]  # (5 h on)
    ours, theirs = exports(tmp_path / "travel", SHARED + travelled, SHARED + travelled, CHICAGO)
    london, _ = exports(tmp_path / "london", travelled, [], CHICAGO, "Europe/London")  # (the owner's phone on 3/4)
    ours.write_text(ours.read_text("utf-8").split("3/4/24")[0] + london.read_text("utf-8"), encoding="utf-8")
    assert (
        imported(cli, theirs, "--custodian", "Sam Client", "--conversation", "Sam Client (2)", "--tz", CHICAGO)["added"]
        == 10
    )
    r = imported(cli, ours, "--conversation", "Sam Client (2)")
    assert (r["added"], r["already_present"]) == (5, 5)
    assert [w for w in r["assumptions"] if "match the copies archived" in w] == [
        f"5 messages of {ours.name} match the copies archived from Sam Client's phone by sender and text as a phone whose"
        " clock read UTC+00:00 writes them (each 5 h 00 min 00 s earlier than read here), and 5 within 2 minutes of the"
        " time read here: archived as messages of their own, read in America/New_York; if that was not this phone's"
        " zone for all of them (it may have changed zones within this export), each of them (line 6, line 7, line 8,"
        " line 9, line 10) is a message archived twice, once at each reading"
    ]


def test_the_client_is_never_read_as_another_person(cli, archive, tmp_path):
    """Round 20 #1: the client's own export of their chat with you, named by a slip as your chat with Bob
    (--conversation "Bob Smith"), read the client ("Sammy C") as Bob: the client's texts became the other side's. Only
    the client whose phone it is is read so; here, a sender of its own."""
    assert cli("client", "add", "Sam Client").exit_code == 0
    bob = [(t, "Bob Smith", x) if w == "Sam Client" else (t, w, x + " (to Bob)") for t, w, x in SHARED]
    ours, theirs = exports(tmp_path, bob, [], CHICAGO)
    ours.rename(ours.with_name("WhatsApp Chat with Bob Smith.txt"))
    assert imported(cli, ours.with_name("WhatsApp Chat with Bob Smith.txt"))["added"] == 5
    theirs.write_text(THEIRS.replace("Sam Client:", "Sammy C:"), encoding="utf-8")
    assert refused(
        cli, archive, theirs, "--custodian", "Sam Client", "--conversation", "Bob Smith", "--tz", CHICAGO
    ) == (
        f"Error: {theirs}: your archive holds 'Bob Smith' as your chat with 'Bob Smith' alone, who is none of the"
        " senders of this export of the phone of 'Sam Client' (--custodian): 'Alex Owner', 'Sammy C'; if it is your"
        " chat with the client, name it as your archive names that chat (--conversation NAME); if 'Bob Smith' is the"
        " client as your phone names them, pass --client-as NAME, the sender who is the client (one of 'Sammy C')\n"
    )  # (round 21 #6: it went in, the client's texts in your chat with Bob and yours there twice)


def test_the_client_named_otherwise_on_your_phone(cli, archive, tmp_path):
    """Your phone names the client "Sam" (a contact name), the archive "Sam Client", their phone "Sammy C": their
    export of your chat, given your chat's name, is refused until --client-as names the sender who is the client, who
    is then the one other person of that chat as your archive holds it; each message matched to your copy."""
    assert cli("client", "add", "Sam Client").exit_code == 0
    ours, theirs = exports(
        tmp_path,
        [(t, "Sam" if w == "Sam Client" else w, x) for t, w, x in SHARED],
        [(t, "Sammy C" if w == "Sam Client" else w, x) for t, w, x in SHARED],
        CHICAGO,
    )
    ours = ours.rename(ours.with_name("WhatsApp Chat with Sam.txt"))
    assert imported(cli, ours)["added"] == 5
    client = ("--custodian", "Sam Client", "--conversation", "Sam", "--tz", CHICAGO)
    assert "your archive holds 'Sam' as your chat with 'Sam' alone" in refused(cli, archive, theirs, *client)
    assert refused(cli, archive, theirs, *client, "--client-as", "Sam Client") == (
        f"Error: {theirs}: --client-as 'Sam Client' says the client wrote nothing in this export, but your archive holds"
        " this chat as yours with 'Sam' alone, and 'Sammy C' wrote in it: that sender is the client; pass --client-as"
        " 'Sammy C', or no --client-as\n"
    )
    r = imported(cli, theirs, *client, "--client-as", "Sammy C")
    assert (r["added"], r["already_present"]) == (0, 5)
    assert (
        f"{theirs.name}: on their phone the client is 'Sammy C': read as 'Sam', as --client-as says" in r["assumptions"]
    )
    assert [tuple(p) for p in archive.conn.execute("SELECT handle FROM participants ORDER BY id")] == [
        ("Alex Owner",),
        ("Sam",),
    ]


def test_a_file_the_weekly_run_refuses_for_its_zone_says_the_command_that_takes_it(cli, archive, tmp_path, monkeypatch):
    """Round 19 #8: the owner, in London for the week, let the weekly run take their export; refused (its times read
    in New York matched the client's copies five hours off), `status` listed it with no command, and `archive --tz`
    would give every file of the inbox that zone. It names the command; imported so, the next run finds it archived."""
    assert cli("client", "add", "Sam Client").exit_code == 0
    inbox = tmp_path / "inbox"
    ours, theirs = exports(inbox, SHARED, SHARED, CHICAGO, "Europe/London")
    theirs = theirs.rename(tmp_path / theirs.name)  # (the client's export, imported by hand)
    assert imported(cli, theirs, "--custodian", "Sam Client", "--conversation", "Sam Client", "--tz", CHICAGO)["added"]
    hour_ago = datetime.now().timestamp() - 3600
    os.utime(ours, (hour_ago, hour_ago))
    out = tmp_path / "out"
    monkeypatch.chdir(tmp_path)  # (the inbox given as a relative path: the command says it whole, round 21 #11)
    assert cli("archive", "inbox", "--out", out, "--mkdir", "--quiet").exit_code == 1
    monkeypatch.chdir(out)
    said = [line for line in cli("status").stdout.splitlines() if str(ours) in line]
    assert len(said) == 1 and said[0].startswith(f"  {ours}: 5 messages of {ours.name} match the copies archived from")
    assert said[0].endswith(
        "import it with --tz naming that zone; nothing was imported; to take it: textfile import"
        f" {shlex.quote(str(ours))} with the option it names (the next run then finds it archived)"
    )
    assert imported(cli, ours, "--tz", "Europe/London")["already_present"] == 5
    r = cli("archive", inbox, "--out", out, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["failed"] == []
    assert not any(str(ours) in line for line in cli("status").stdout.splitlines())


def test_the_client_under_their_own_name_in_a_group(cli, archive, tmp_path):
    """Round 19 #6: in a group the archive holds, the client's own export writes the client under the name they gave
    WhatsApp ("Sammy C"): read as written, a new person, each of their texts archived twice. Refused, naming the
    senders; --client-as NAME says which sender is the client (their texts are then the client's copies), or, naming
    the client, that they wrote nothing in this export."""
    theirs = two_phones_in_a_group(
        cli, tmp_path, GROUP_THEIRS.replace("Atty Park", "Alex Owner").replace("Sam Client", "Sammy C")
    )
    client = ("--custodian", "Sam Client", "--tz", CHICAGO)
    assert refused(cli, archive, theirs, *client) == (
        f"Error: {theirs}: none of the senders is the client 'Sam Client', whose phone this is (--custodian), in the"
        " group 'Tenants'; senders found: 'Alex Owner', 'Dana Reyes', 'Sammy C': on their own phone the client is"
        " under the name they gave WhatsApp: pass --client-as NAME, the sender who is the client, as written (one of"
        " 'Sammy C'), or --client-as 'Sam Client' if they wrote nothing in this export\n"
    )
    # (round 21 #4: a sender the archive holds in the group as a person of their own is not the client)
    assert refused(cli, archive, theirs, *client, "--client-as", "Dana Reyes") == (
        f"Error: {theirs}: --client-as 'Dana Reyes' names 'Dana Reyes', whom your archive holds in this chat as a"
        " person of their own, not the client 'Sam Client': pass the sender who is the client, as written (one of"
        " 'Sammy C'), or --client-as 'Sam Client' if they wrote nothing in this export\n"
    )
    assert refused(cli, archive, theirs, *client, "--client-as", "Sam C") == (
        f"Error: {theirs}: --client-as 'Sam C' matches none of the senders found: 'Alex Owner', 'Dana Reyes', 'Sammy C';"
        " pass one of them as written, or the client's name 'Sam Client' if they wrote nothing in this export\n"
    )
    assert refused(cli, archive, theirs, *client, "--client-as", "alex owner") == (
        f"Error: {theirs}: --client-as 'alex owner' names you (the archive's owner), not the client\n"
    )
    r = cli("import", theirs, "--client-as", "Sammy C")
    assert (r.exit_code, r.stderr) == (
        1,
        "Error: --client-as names the sender who is the client whose phone the export came from: give --custodian"
        " CLIENT too\n",
    )

    r = imported(cli, theirs, *client, "--client-as", "Sammy C")
    assert (r["added"], r["already_present"], r["conversations"]) == (0, 3, [1])
    assert (
        f"{theirs.name}: on their phone the client is 'Sammy C': read as 'Sam Client', as --client-as says"
        in (r["assumptions"])
    )
    assert [tuple(p) for p in archive.conn.execute("SELECT handle, is_owner FROM participants ORDER BY id")] == [
        ("Alex Owner", 1),
        ("Dana Reyes", 0),
        ("Sam Client", 0),
    ]
    assert [row[1:] for row in found_on(archive)] == [
        ("Meeting on Friday?", "1,2"),
        ("Please each send me photos of the damage", "1,2"),
        ("Will do", "1,2"),
    ]

    # the client silent in their export: said with their own name; a text of theirs later is theirs
    silent = tmp_path / "silent" / theirs.name
    silent.parent.mkdir()
    silent.write_text(
        "[3/2/24, 8:00:10 AM] Dana Reyes: Photos sent to the landlord\n"
        "[3/2/24, 8:01:00 AM] Alex Owner: Thank you Dana\n",
        encoding="utf-8",
    )
    assert "none of the senders is the client 'Sam Client'" in refused(cli, archive, silent, *client)
    r = imported(cli, silent, *client, "--client-as", "Sam Client")
    assert (r["added"], r["already_present"]) == (2, 0)
    assert [
        said for said in r["assumptions"] if "Sam Client" in said
    ] == [  # (round 21 #8: said, and on the transcript)
        f"{silent.name}: the client 'Sam Client' wrote nothing in this export, as --client-as says"
    ]

    # a group the archive does not hold yet (round 21 #3): the same
    new = tmp_path / "new" / "WhatsApp Chat - Book Club.txt"
    new.parent.mkdir()
    new.write_text(
        silent.read_text("utf-8").replace("Dana Reyes", "Lee Park") + "[3/2/24, 8:05:00 AM] Sammy C: Hi all\n"
    )
    assert "none of the senders is the client 'Sam Client', whose phone this is (--custodian), in the group 'Book" in (
        refused(cli, archive, new, *client)
    )
    r = imported(cli, new, *client, "--client-as", "Sammy C")
    assert [
        tuple(p)
        for p in archive.conn.execute(
            "SELECT p.handle FROM participants p JOIN conversations c ON c.id = p.conversation_id WHERE c.title = 'Book Club'"
            " ORDER BY p.id"
        )
    ] == [("Alex Owner",), ("Lee Park",), ("Sam Client",)]


def test_the_time_another_phone_recorded_is_said_as_that_phone_wrote_it(cli, archive, tmp_path):
    """Round 18 #12: the client's iPhone export imported first (seconds), the owner's Android export's copy of a
    message (9:02, to the minute) was said "recorded there at 09:02:00", seconds that export never wrote; in the other
    order the iPhone's 09:02:17 was said to the millisecond. Each phone's time is said as its export wrote it."""
    assert cli("client", "add", "Sam Client").exit_code == 0
    client = ("--custodian", "Sam Client", "--tz", CHICAGO)
    first, second = tmp_path / "client first", tmp_path / "owner first"
    for folder in (first, second):
        folder.mkdir()
        (folder / "WhatsApp Chat - Alex Owner.txt").write_text(THEIRS, encoding="utf-8")
        (folder / "WhatsApp Chat with Sam Client.txt").write_text(OURS, encoding="utf-8")
    imported(cli, first / "WhatsApp Chat - Alex Owner.txt", *client, "--conversation", "Sam Client")
    assert imported(cli, first / "WhatsApp Chat with Sam Client.txt")["already_present"] == 4
    assert imported(cli, second / "WhatsApp Chat with Sam Client.txt", "--conversation", "Sam (2)")["added"] == 4
    theirs = imported(cli, second / "WhatsApp Chat - Alex Owner.txt", *client, "--conversation", "Sam (2)")
    assert theirs["already_present"] == 4
    assert cli("matter", "open", "M-1", "--client", "Sam Client", "--title", "Deposit").exit_code == 0
    assert cli("file", "1", "--matter", "M-1").exit_code == 0
    assert cli("file", "2", "--matter", "M-1").exit_code == 0
    assert cli("transcript", "M-1", "--out", tmp_path / "t.pdf").exit_code == 0
    done = subprocess.run(["pdftotext", tmp_path / "t.pdf", "-"], capture_output=True, text=True, check=True)
    text = " ".join(done.stdout.split())
    assert "#1.1 2024-03-01 09:02:17 -05:00" in text and "#2.1 2024-03-01 09:02 -05:00" in text
    assert text.count("Alex Owner's phone (recorded there at 2024-03-01 09:02 -05:00)") == 1  # (conversation 1)
    assert text.count("Sam Client's phone (recorded there at 2024-03-01 09:02:17 -05:00)") == 1  # (conversation 2)
    assert "recorded there at 2024-03-01 09:02:00" not in text and ".000 -05:00" not in text


def test_two_short_texts_at_another_clock_are_said(cli, archive, tmp_path):
    """Round 21 #5: a London export read in New York whose only shared texts are two short ones ("Call me?", "Sure,
    5 min") archived both twice, 5 hours apart, and said nothing (short texts were not counted, and the check for
    texts read as yours was left to the zone's). Two or more short texts at one other clock are said, as an
    assumption the transcript prints; one is not ("ok" an hour later)."""
    assert cli("client", "add", "Sam Client").exit_code == 0
    shared = [("2024-03-01 14:00:00", "Alex Owner", "Call me?"), ("2024-03-01 14:01:00", "Sam Client", "Sure, 5 min")]
    ours, theirs = exports(
        tmp_path, shared, [*shared, ("2024-03-02 10:00:00", "Sam Client", "I found it")], "Europe/London"
    )
    assert imported(cli, ours)["added"] == 2
    r = imported(cli, theirs, "--custodian", "Sam Client", "--conversation", "Sam Client")
    assert [said for said in r["assumptions"] if "match the copies archived" in said] == [
        f"2 messages of {theirs.name} match the copies archived from Alex Owner's phone by sender and text as a phone"
        " whose clock read UTC+00:00 writes them (each 5 h 00 min 00 s earlier than read here): archived as messages"
        " of their own, read in America/New_York; if that was not this phone's zone, each of them (line 1, line 2) is"
        " a message archived twice, once at each reading"
    ]


def test_a_zone_given_is_said_as_given(cli, archive, tmp_path):
    """Round 21 #9: a --tz given was said on the cover as "(the archive's zone)" where it was that zone, and not at
    all where it was another. The import records it (its options' "tz"), and the cover says it was given."""
    assert cli("client", "add", "Sam Client").exit_code == 0
    imported(cli, SAM, "--tz", NEW_YORK)
    london = tmp_path / "london" / SAM.name
    london.parent.mkdir()
    london.write_text("3/15/24, 14:00 - Sam Client: Landed in London, call you tomorrow\n", encoding="utf-8")
    imported(cli, london, "--tz", "Europe/London")
    assert [json.loads(o)["tz"] for (o,) in archive.conn.execute("SELECT options FROM imports ORDER BY id")] == [
        NEW_YORK,
        "Europe/London",
    ]

    text = transcript_text(cli, tmp_path)

    assert f"times read as wall-clock times in {NEW_YORK}, as --tz said" in text
    assert "times read as wall-clock times in Europe/London, as --tz said" in text
    assert "(the archive's zone)" not in text
