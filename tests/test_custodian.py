"""A client's own phone (issue 15): `import --custodian CLIENT` reads the client's Android backup, or
their Messages folder / chat.db, in the archive owner's frame, keys its threads as the owner's copy keys them, and matches each record to the
other phone's copy of the same message, whichever phone is imported first."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import pytest
from conftest import CORPUS, FIXTURES, snapshot, transcript_numbers
from imessage_build import build_client_phone, build_modern, insert_message, typedstream

from textfile.transcript import manifest

OWNER_XML = FIXTURES / "android" / "sms-20240301.xml"
CLIENT_XML = FIXTURES / "android" / "client_phone.xml"
BOTH = "Alex Owner, Sam Client"


def messages(archive, where: str = "c.source_key LIKE '%+12025550143%'") -> list[tuple]:
    """Every message: its conversation's key, sender, direction, text, and whose phones it was found on."""
    return [
        tuple(r)
        for r in archive.conn.execute(
            "SELECT c.source_key, p.handle, m.direction, m.body, (SELECT group_concat(name, ', ') FROM (SELECT DISTINCT coalesce(cl.name,"
            " 'Alex Owner') AS name FROM message_sources s LEFT JOIN import_custodians ic ON ic.import_id = s.import_id LEFT JOIN clients cl"
            " ON cl.id = ic.client_id WHERE s.message_id = m.id ORDER BY 1)) FROM messages m JOIN conversations c ON c.id = m.conversation_id"
            " LEFT JOIN participants p ON p.id = m.sender_id WHERE " + where + " ORDER BY m.sent_at, m.body"
        )
    ]


SAM, OWNER, MARIA, GROUP = "+12025550143", "+12025550100", "+12025550166", "+12025550143~+12025550178~+12025550191"
SPOUSE = f"{SAM}~{MARIA} without the owner"
RCS = "group_42@rcs.google.com"
EXPECTED = [  # (in time order: the owner's copy's times where both phones have a message)
    (SAM, SAM, "in", "Hi Alex, can we talk about the lease? \U0001f600", BOTH),
    (SAM, OWNER, "out", "Sure, call me at 3.", BOTH),
    (SAM, OWNER, "out", "I also wanted to ask about the deposit", "Alex Owner"),
    (SAM, OWNER, "out", "Sending the signed copy now", "Alex Owner"),
    (SAM, OWNER, "out", "Did you get my last message?", "Alex Owner"),
    (SAM, OWNER, "out", "Queued while offline", "Alex Owner"),
    (SAM, SAM, "in", "Photo of the leak under the sink", BOTH),
    (GROUP, OWNER, "out", "Can we all meet at 5 to sign?", BOTH),
    (GROUP, "+12025550178", "in", "Works for me \U0001f44d", "Alex Owner"),
    (SPOUSE, MARIA, "in", "Did the lawyer answer about the deposit?", "Sam Client"),
    (SPOUSE, SAM, "in", "Not yet, we meet at 5.", "Sam Client"),
    (SAM, SAM, "in", "Subject: Inspection report\n\nReport attached", "Alex Owner"),
    (SAM, OWNER, "out", "Thanks, got it.", BOTH),
    (SAM, SAM, "in", "", "Alex Owner"),
    (SAM, SAM, "in", "Ok see you at 5", BOTH),
    (SAM, SAM, "in", "Running 10 minutes late, sorry.", "Sam Client"),
]


@pytest.fixture
def with_sam(cli):
    assert cli("client", "add", "Sam Client", "--phone", SAM).exit_code == 0
    return cli


def test_a_client_s_phone_after_the_owner_s_is_one_archive_of_both(with_sam, archive):
    cli = with_sam
    assert cli("import", OWNER_XML).exit_code == 0
    r = cli("import", CLIENT_XML, "--custodian", "Sam Client", "--json")
    assert r.exit_code == 0, r.output
    result = json.loads(r.stdout)[0] if r.stdout.lstrip().startswith("[") else json.loads(r.stdout)
    assert (result["added"], result["already_present"], result["updated"]) == (3, 6, 0)
    assert result["assumptions"] == [
        "this is Sam Client's phone, as --custodian says: its number is taken to be +12025550143, their only number in the archive"
        " (--me did not give one); what it sent is attributed to Sam Client",
        "repaired 1 emoji written as UTF-16 surrogate-pair references",
        "6 messages matched to the copy from Alex Owner's phone by sender, text and time within 2 minutes: each is one message,"
        " found on both phones",
    ]
    got = {m[3]: m for m in messages(archive)}
    assert sorted(got.values(), key=lambda m: [e[3] for e in EXPECTED].index(m[3])) == EXPECTED
    c = archive.conn
    # The spouse's thread is a conversation of its own, with the client and the spouse, not the owner.
    assert [
        tuple(p)
        for p in c.execute(
            "SELECT p.handle, p.display_name, p.is_owner FROM participants p JOIN conversations v"
            " ON v.id = p.conversation_id WHERE v.source_key = ? ORDER BY p.handle",
            (SPOUSE,),
        )
    ] == [(SAM, "Sam Client", 0), (MARIA, "Maria", 0)]
    # Whose phone, with which number; each matched record's own time on that phone, where it holds it.
    assert [tuple(r) for r in c.execute("SELECT import_id, client_id, phone FROM import_custodians")] == [(2, 1, SAM)]
    assert [
        tuple(r)
        for r in c.execute(
            "SELECT m.body, k.import_id, k.source_ref, k.sent_at FROM phone_copies k JOIN messages m"
            " ON m.id = k.message_id ORDER BY k.sent_at"
        )
    ] == [
        ("Hi Alex, can we talk about the lease? \U0001f600", 2, "sms 1", "2024-03-01T16:59:58.000Z"),
        ("Sure, call me at 3.", 2, "sms 2", "2024-03-01T17:01:03.000Z"),
        ("Photo of the leak under the sink", 2, "mms 1", "2024-03-01T17:09:55.000Z"),
        ("Can we all meet at 5 to sign?", 2, "mms 2", "2024-03-01T17:15:02.000Z"),
        ("Thanks, got it.", 2, "sms 5", "2024-03-01T17:30:03.000Z"),
        ("Ok see you at 5", 2, "sms 6", "2024-03-01T17:31:58.000Z"),
    ]
    # A matched message keeps the owner's copy as it was: no version, its time and status the owner's phone's.
    assert c.execute("SELECT count(*) FROM message_versions").fetchone()[0] == 0
    assert tuple(c.execute("SELECT sent_at, status FROM messages WHERE body = 'Sure, call me at 3.'").fetchone()) == (
        "2024-03-01T17:01:00.000Z",
        "sent",
    )
    entry = json.loads(
        c.execute("SELECT details FROM audit_log WHERE command = 'import' ORDER BY id DESC LIMIT 1").fetchone()[0]
    )
    assert (entry["custodian"], entry["custodian_phone"], entry["matched_copies"]) == (
        "Sam Client",
        SAM,
        {"Alex Owner's phone": 6},
    )
    # Importing the client's backup again adds nothing.
    before = snapshot(archive)
    again = cli("import", CLIENT_XML, "--custodian", "Sam Client")
    assert again.exit_code == 0 and "added 0, already present 9, updated 0" in again.stdout
    after = snapshot(archive)
    for table in ("imports", "message_sources", "audit_log", "import_custodians"):
        before.pop(table), after.pop(table)
    assert after == before
    assert cli("verify").exit_code == 0


def test_the_client_s_phone_first_gives_the_same_messages_each_with_both_phones(with_sam, archive):
    cli = with_sam
    assert cli("import", CLIENT_XML, "--custodian", "Sam Client").exit_code == 0
    r = cli("import", OWNER_XML)
    assert r.exit_code == 0
    assert (
        "  assumed: 6 messages matched to the copy from Sam Client's phone by sender, text and time within 2 minutes: each is one"
        " message, found on both phones\n"
    ) in r.stdout
    got = messages(archive)
    assert sorted(got, key=lambda m: m[3]) == sorted(EXPECTED, key=lambda m: m[3])
    assert cli("import", OWNER_XML).stdout.startswith(f"{OWNER_XML}: android, added 0, already present 16")
    assert cli("import", CLIENT_XML, "--custodian", "Sam Client").stdout.startswith(
        f"{CLIENT_XML}: android, added 0, already present 9"
    )
    assert messages(archive) == got


def test_a_record_whose_text_differs_is_another_message(with_sam, archive, tmp_path):
    cli = with_sam
    assert cli("import", OWNER_XML).exit_code == 0
    edited = tmp_path / "client.xml"
    edited.write_text(CLIENT_XML.read_text().replace('body="Ok see you at 5"', 'body="Ok see you at 5!"'))
    r = cli("import", edited, "--custodian", "Sam Client", "--me", "(202) 555-0143")
    assert r.exit_code == 0 and "added 4, already present 5" in r.stdout
    assert [m[4] for m in messages(archive) if m[3].startswith("Ok see you at 5")] == [
        "Sam Client",
        "Alex Owner",
    ]  # (the client sent it 2 s before the owner received it)


def test_the_transcript_says_on_whose_phone_each_message_was_found_and_verify_proves_it(with_sam, archive, tmp_path):
    cli = with_sam
    assert cli("import", OWNER_XML).exit_code == 0
    assert cli("matter", "open", "RIV-1", "--client", "Sam Client", "--title", "Lease").exit_code == 0
    r = cli("import", CLIENT_XML, "--custodian", "Sam Client")
    # Sam's thread with their spouse is on Sam's phone only, and the owner is not in it: Sam's number is in every thread of
    # Sam's phone, so it says nothing of the matter; it waits for a person (walk 15b: it was filed, and produced, unseen).
    spouse = archive.conn.execute("SELECT id FROM conversations WHERE source_key = ?", (SPOUSE,)).fetchone()[0]
    assert r.exit_code == 0 and r.stdout.splitlines()[-1] == (
        f"1 conversation of this export waits to be filed: {spouse} (textfile conversations --unfiled; textfile file N --matter REF,"
        " or textfile conversation ignore N)"
    )
    assert spouse in [
        c["id"] for c in json.loads(cli("conversations", "--unfiled", "--json").stdout)
    ]  # (with the owner's own unfiled ones)
    pdf = tmp_path / "t.pdf"
    assert cli("transcript", "RIV-1", "--out", pdf).exit_code == 0
    found_on = json.loads(manifest.read(pdf))["disclosures"]["found_on"]
    bodies = dict(archive.conn.execute("SELECT id, body FROM messages"))
    assert [f["seq"] for f in found_on] == transcript_numbers(pdf)  # every message, by its number
    assert [(bodies[f["message"]], f["phones"]) for f in found_on] == [
        (body, phones.split(", "))
        for (_, _, _, body, phones) in (
            [e for e in EXPECTED if e[0] == SAM]
            + [e for e in EXPECTED if e[0] == GROUP]
            + [(RCS, "+12025550178", "in", "Landlord replied, see below", "Alex Owner")]
        )
    ]
    # the time the other phone recorded, where it is not the one shown, is in the manifest too
    [(at,)] = archive.conn.execute("SELECT sent_at FROM phone_copies WHERE message_id = ?", (found_on[0]["message"],))
    assert (found_on[0]["recorded"], at) == ({"Sam Client": at}, "2024-03-01T16:59:58.000Z")
    assert cli("verify", pdf).exit_code == 0
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "each message says on whose phone(s) it was found" in " ".join(text.split())
    assert "(recorded there at 2024-03-01 11:59:58 -05:00)" in " ".join(text.split())
    assert (
        text.count("found on: Alex Owner’s phone, Sam Client’s phone")
        + text.count("found on: Alex Owner's phone, Sam Client's phone")
        == 6
    )
    assert text.count("found on: Sam Client's phone") + text.count("found on: Sam Client’s phone") == 1
    # the cover says whose phones the exports came from: the owner's too, not only the custodian's (round 6, #10)
    assert (
        re.sub("’", "'", " ".join(text.split())).count(
            "keeper of the archive; exports taken from the owner's phone and from the phone(s) of Sam Client"
        )
        == 1
    )


def test_verify_file_fails_where_the_archive_no_longer_finds_a_message_where_the_transcript_says(
    with_sam, archive, archive_path, tmp_path
):
    cli = with_sam
    assert cli("import", OWNER_XML).exit_code == 0
    assert cli("matter", "open", "RIV-1", "--client", "Sam Client", "--title", "Lease").exit_code == 0
    assert cli("import", CLIENT_XML, "--custodian", "Sam Client").exit_code == 0
    pdf = tmp_path / "t.pdf"
    assert cli("transcript", "RIV-1", "--out", pdf).exit_code == 0
    found_on = {f["message"]: f for f in json.loads(manifest.read(pdf))["disclosures"]["found_on"]}
    first, second = [mid for mid, f in found_on.items() if f["phones"] == BOTH.split(", ")][:2]
    assert (found_on[first]["seq"], found_on[first]["recorded"], found_on[second]["seq"]) == (
        "1.1",
        {"Sam Client": "2024-03-01T16:59:58.000Z"},
        "1.2",
    )
    assert cli("verify", pdf).exit_code == 0
    # A client renamed since is the same phone: the transcript still matches.
    assert cli("client", "edit", "Sam Client", "--name", "Samantha Client").exit_code == 0
    assert cli("verify", pdf).exit_code == 0
    # Outside textfile: the time Sam's phone recorded for 1.1 moved, and 1.2's sighting on Sam's phone deleted.
    with closing(sqlite3.connect(archive_path)) as conn, conn:
        conn.execute("UPDATE phone_copies SET sent_at = '2024-03-01T16:58:58.000Z' WHERE message_id = ?", (first,))
        conn.execute("DELETE FROM message_sightings WHERE message_id = ? AND import_id = 2", (second,))
    r = cli("verify", pdf)
    assert (r.exit_code, r.stdout) == (3, "")
    assert r.stderr.splitlines() == [
        f"Error: {pdf}: message #1.1 ({first[:16]}…): the transcript says it was found on Alex Owner's phone, Samantha Client's phone"
        " (recorded there at 2024-03-01 11:59:58.000 -05:00), the archive now says Alex Owner's phone, Samantha Client's"
        " phone (recorded there at 2024-03-01 11:58:58.000 -05:00): where it was found was changed outside textfile",
        f"Error: {pdf}: message #1.2 ({second[:16]}…): the transcript says it was found on Alex Owner's phone, Samantha Client's phone"
        " (recorded there at 2024-03-01 12:01:03.000 -05:00), the archive now says Alex Owner's phone; a copy on Samantha Client's"
        " phone (recorded there at 2024-03-01 12:01:03.000 -05:00): where it was found was changed outside textfile",
    ]


def test_conversation_show_says_on_whose_phone_each_message_was_found(with_sam, archive):
    cli = with_sam
    assert cli("import", OWNER_XML).exit_code == 0
    before = [line for line in cli("conversation", "show", "1").stdout.splitlines()]
    assert not [line for line in before if "found on" in line]  # (one phone: said on no message)
    assert cli("import", CLIENT_XML, "--custodian", "Sam Client").exit_code == 0
    shown = cli("conversation", "show", "1").stdout.splitlines()
    said = [line.strip() for line in shown if line.strip().startswith("found on: ")]
    # (where the other phone recorded another time, it is said: Sam's phone sent the first at 11:59:58, the owner's got it at 12:00:00)
    assert said[0] == "found on: Alex Owner's phone, Sam Client's phone (recorded there at 2024-03-01 11:59:58 -05:00)"
    assert [re.sub(r" \(recorded there at [^)]*\)", "", line) for line in said] == [
        "found on: " + ("Alex Owner's phone, Sam Client's phone" if phones == BOTH else f"{phones}'s phone")
        for key, _, _, _, phones in EXPECTED
        if key == SAM
    ]
    assert [m["found_on"] for m in json.loads(cli("conversation", "show", "1", "--json").stdout)["messages"]] == [
        line.removeprefix("found on: ") for line in said
    ]


def test_a_transcript_of_one_phone_says_nothing_per_message(with_sam, archive, tmp_path):
    cli = with_sam
    assert cli("import", OWNER_XML).exit_code == 0
    assert cli("matter", "open", "RIV-1", "--client", "Sam Client", "--title", "Lease").exit_code == 0
    pdf = tmp_path / "t.pdf"
    assert cli("transcript", "RIV-1", "--out", pdf).exit_code == 0
    assert "found_on" not in json.loads(manifest.read(pdf))["disclosures"]


@pytest.mark.parametrize(
    "args, phones, reason",
    [
        (
            ["--custodian", "Maria"],
            [SAM],
            "--custodian 'Maria' is not a client of this archive: add them first (textfile client add 'Maria' --phone …)",
        ),
        (
            ["--custodian", "Sam Client", "--me", "+12025550166"],
            [SAM],
            "--me '+12025550166' is not one of Sam Client's numbers (+12025550143): it names the number of the phone this export came from"
            " (textfile client edit 'Sam Client' --add-phone … adds one); nothing was imported",
        ),
        (
            ["--custodian", "Sam Client"],
            [SAM, "+12025550144"],
            "Sam Client has several numbers (+12025550143, +12025550144): give --me with the number of the phone this export came from;"
            " nothing was imported",
        ),
        (
            ["--custodian", "Sam Client"],
            [],
            "Sam Client has no number in this archive: give --me with the number of the phone this export came from; nothing was imported",
        ),
    ],
)
def test_an_unknown_custodian_or_an_unknown_phone_number_is_an_error_and_changes_nothing(
    cli, archive, args, phones, reason
):
    assert (
        cli(
            "client", "add", "Sam Client", *[a for p in phones for a in ("--phone", p)], "--email", "sam@example.com"
        ).exit_code
        == 0
    )
    assert cli("import", OWNER_XML).exit_code == 0
    before = snapshot(archive)
    r = cli("import", CLIENT_XML, *args)
    assert (r.exit_code, r.stderr) == (1, f"Error: {CLIENT_XML}: {reason}\n")
    assert snapshot(archive) == before


# -- a client's own iPhone / Mac (fixtures/imessage/client_phone.py: the other side of modern.py) -------

JORDAN, BOTH_I = "+12025550123", "Alex Owner, Jordan Lee"
G = "5E1F0000-0000-4000-8000-0000000000"
IN_I = "c.platform = 'imessage'"
WITH_MARIA = f"-;{JORDAN}~+12025550166 without the owner"
CHAT, GROUP_I = f"-;{JORDAN}", "+;chat493827161"
RECEIPT = "\ufffcHere is the receipt."
REPLY = (
    "Replying to your question: yes, Tuesday. I will bring the lease, the two letters from the landlord, and the photos of"
    " the water damage in the kitchen."
)
EXPECTED_I = [  # (in time order: the owner's copy's times where both phones have a message)
    (CHAT, JORDAN, "in", "Are we still on for Tuesday?", BOTH_I),
    (CHAT, OWNER, "out", "Yes, 3pm at the office.", BOTH_I),
    (CHAT, OWNER, "out", "Actually, 3:30 works better.", BOTH_I),
    (CHAT, JORDAN, "in", "", "Alex Owner"),  # (unsent)
    (CHAT, JORDAN, "in", REPLY, BOTH_I),
    (CHAT, OWNER, "out", RECEIPT, BOTH_I),
    (CHAT, JORDAN, "in", "\ufffc", "Alex Owner"),
    (CHAT, JORDAN, "in", "", "Alex Owner"),  # (its text cannot be read)
    (CHAT, JORDAN, "in", "I will bring the originals too.", "Jordan Lee"),
    (WITH_MARIA, "+12025550166", "in", "Did the lawyer call back?", "Jordan Lee"),
    (WITH_MARIA, JORDAN, "in", "Yes, we meet Tuesday at 3:30.", "Jordan Lee"),
    (GROUP_I, OWNER, "system", "Alex Owner added jamie@example.com", BOTH_I),
    (GROUP_I, JORDAN, "system", f"{JORDAN} named the conversation \u201cCase 2024-17\u201d", BOTH_I),
    (GROUP_I, "jamie@example.com", "in", "Hi all \U0001f44b", BOTH_I),
    (GROUP_I, JORDAN, "in", "Noted.", "Alex Owner"),
    (GROUP_I, "jamie@example.com", "system", "jamie@example.com left the conversation", "Alex Owner"),
    (GROUP_I, OWNER, "system", f"Alex Owner removed {JORDAN}", "Alex Owner"),
    ("-;+12025550188", "+12025550188", "in", "Your code is 402913", "Alex Owner"),
    (CHAT, OWNER, "out", "Parking is behind the building.", "Jordan Lee"),
]


@pytest.fixture
def phones(tmp_path):
    """The owner's Mac (modern.py) and the client's own phone (client_phone.py), built as chat.db files."""
    return build_modern(tmp_path / "owner"), build_client_phone(tmp_path / "client")


@pytest.fixture
def with_jordan(cli):
    assert cli("client", "add", "Jordan Lee", "--phone", JORDAN).exit_code == 0
    return cli


def test_a_client_s_own_iphone_after_the_owner_s_mac_is_one_archive_of_both(with_jordan, archive, phones):
    cli, (owner_db, client_db) = with_jordan, phones
    assert cli("import", owner_db).exit_code == 0
    r = cli("import", client_db, "--custodian", "Jordan Lee", "--json")
    assert r.exit_code == 0, r.output
    result = json.loads(r.stdout)[0] if r.stdout.lstrip().startswith("[") else json.loads(r.stdout)
    assert (result["added"], result["already_present"], result["updated"]) == (4, 8, 0)
    # its attachments are looked for beside its database, never in this user's own home (the owner's Messages)
    [looked] = [a for a in result["assumptions"] if a.startswith("attachment files")]
    assert str(Path.home()) not in looked.split("looked for under: ")[1].split(", ")
    assert [a for a in result["assumptions"] if not a.startswith("attachment files")] == [
        f"this is Jordan Lee's phone, as --custodian says: its handle is taken to be {JORDAN}, their only handle in the archive"
        " (--me did not give one); what it sent is attributed to Jordan Lee",
        f"6 sent messages name no handle they were sent from: attributed to {JORDAN}, the handle Jordan Lee's phone is"
        " taken to have",
        "1 message found on another phone as well differs from that copy only in the time this phone gives it (within 2 minutes):"
        " each is one message, kept as first archived",
    ]
    assert messages(archive, IN_I) == EXPECTED_I
    c = archive.conn
    # The chat with the owner's email on the client's phone is the owner's chat with the client; Maria's is the client's own.
    assert [
        tuple(p)
        for p in c.execute(
            "SELECT v.source_key, v.title, v.is_group, p.handle, p.display_name, p.is_owner FROM participants p"
            " JOIN conversations v ON v.id = p.conversation_id WHERE v.source_key IN (?, ?) ORDER BY 1, 4",
            (CHAT, WITH_MARIA),
        )
    ] == [
        (CHAT, None, 0, OWNER, "Alex Owner", 1),
        (CHAT, None, 0, JORDAN, "Jordan Lee", 0),
        (WITH_MARIA, "Maria", 0, JORDAN, "Jordan Lee", 0),
        (WITH_MARIA, "Maria", 0, "+12025550166", None, 0),
    ]
    # A message of both phones is the owner's copy as it was: its time (not the client's 350 ms later), receipts, edit history.
    assert [
        tuple(r)
        for r in c.execute(
            "SELECT m.body, m.sent_at, m.delivered_at, m.read_at, m.version FROM messages m WHERE m.source_id IN"
            " (?, ?, ?) ORDER BY m.sent_at",
            (G + "01", G + "02", G + "06"),
        )
    ] == [
        ("Are we still on for Tuesday?", "2024-03-01T17:05:09.000Z", None, "2024-03-01T17:06:00.000Z", 1),
        (
            "Yes, 3pm at the office.",
            "2024-03-01T17:07:30.000Z",
            "2024-03-01T17:07:31.000Z",
            "2024-03-01T17:08:00.000Z",
            1,
        ),
        ("Actually, 3:30 works better.", "2024-03-01T17:10:00.000Z", None, None, 2),
    ]
    assert [tuple(r) for r in c.execute("SELECT body, origin, import_id FROM message_versions")] == [
        ("Actually, 3 works better.", "edit_history", 1)
    ]
    assert (
        c.execute("SELECT count(*) FROM reactions").fetchone()[0] == 3
    )  # (the client's heart is the one the owner's copy has)
    assert [tuple(r) for r in c.execute("SELECT import_id, client_id, phone FROM import_custodians")] == [
        (2, 1, JORDAN)
    ]
    entry = json.loads(
        c.execute("SELECT details FROM audit_log WHERE command = 'import' ORDER BY id DESC LIMIT 1").fetchone()[0]
    )
    assert (entry["custodian"], entry["custodian_phone"], entry["per_phone_differences"]) == (
        "Jordan Lee",
        JORDAN,
        {"time": 1},
    )
    # Importing the client's phone again, or the owner's, adds nothing and changes nothing.
    before = snapshot(archive)
    assert cli("import", client_db, "--custodian", "Jordan Lee").stdout.startswith(
        f"{client_db}: imessage, added 0, already present 12, updated 0"
    )
    assert cli("import", owner_db).stdout.startswith(f"{owner_db}: imessage, added 0, already present 15, updated 0")
    after = snapshot(archive)
    for table in ("imports", "message_sources", "audit_log", "import_custodians"):
        before.pop(table), after.pop(table)
    assert after == before
    assert cli("verify").exit_code == 0


def test_the_client_s_iphone_first_gives_the_same_messages_each_with_both_phones(with_jordan, archive, phones):
    cli, (owner_db, client_db) = with_jordan, phones
    assert cli("import", client_db, "--custodian", "Jordan Lee").exit_code == 0
    r = cli("import", owner_db)
    assert r.stdout.startswith(f"{owner_db}: imessage, added 7, already present 8, updated 0"), r.output
    assert sorted(messages(archive, IN_I), key=lambda m: (m[0], m[3], m[4])) == sorted(
        EXPECTED_I, key=lambda m: (m[0], m[3], m[4])
    )
    # The message is the first phone's copy: here the client's time and receipts, and no second version.
    assert tuple(
        archive.conn.execute(
            "SELECT sent_at, delivered_at, read_at, version FROM messages WHERE source_id = ?", (G + "02",)
        ).fetchone()
    ) == ("2024-03-01T17:07:30.350Z", None, "2024-03-01T17:07:58.000Z", 1)
    got = snapshot(archive)
    assert cli("import", owner_db).stdout.startswith(f"{owner_db}: imessage, added 0, already present 15, updated 0")
    assert cli("import", client_db, "--custodian", "Jordan Lee").stdout.startswith(
        f"{client_db}: imessage, added 0, already present 12"
    )
    again = snapshot(archive)
    for table in ("imports", "message_sources", "audit_log", "import_custodians"):
        got.pop(table), again.pop(table)
    assert again == got
    assert cli("verify").exit_code == 0


def _owner_texts_parking(owner_db) -> None:
    """The owner's copy of the client's SMS: sent from the owner's Mac 3 s before the client's phone received it, with a guid of its own."""
    conn = sqlite3.connect(owner_db)
    insert_message(
        conn,
        {
            "ROWID": 19,
            "guid": G + "22",
            "chat": 1,
            "is_from_me": 1,
            "text": "Parking is behind the building.",
            "service": "SMS",
            "date": (1709560800 - 978307200) * 1_000_000_000,
        },
    )  # 2024-03-04T14:00:00Z
    conn.commit()
    conn.close()


@pytest.mark.parametrize("client_first", [False, True])
def test_an_sms_has_a_guid_of_each_phone_s_own_and_is_matched_by_sender_text_and_time(
    with_jordan, archive, phones, client_first
):
    cli, (owner_db, client_db) = with_jordan, phones
    _owner_texts_parking(owner_db)
    imports = [[client_db, "--custodian", "Jordan Lee"], [owner_db]]
    for args in imports if client_first else imports[::-1]:
        r = cli("import", *args)
        assert r.exit_code == 0, r.output
    first, then = ("Jordan Lee", "Alex Owner") if client_first else ("Alex Owner", "Jordan Lee")
    assert (
        "  assumed: 1 message matched to the copy from "
        + f"{first}'s phone by sender, text and time within 2 minutes: each is one"
        " message, found on both phones\n"
    ) in r.stdout
    assert [m for m in messages(archive, IN_I) if m[3].startswith("Parking")] == [
        (CHAT, OWNER, "out", "Parking is behind the building.", BOTH_I)
    ]
    at = {"Alex Owner": "2024-03-04T14:00:00.000Z", "Jordan Lee": "2024-03-04T14:00:03.000Z"}
    same_guid = {"Alex Owner": "2024-03-01T17:07:30.000Z", "Jordan Lee": "2024-03-01T17:07:30.350Z"}
    assert [
        tuple(r)
        for r in archive.conn.execute(
            "SELECT m.sent_at, k.sent_at, k.import_id FROM phone_copies k JOIN messages m ON m.id = k.message_id"
            " ORDER BY m.sent_at"
        )
    ] == [
        (same_guid[first], same_guid[then], 2),  # (an iMessage of one guid whose time differs: the time there)
        (at[first], at[then], 2),
    ]
    assert [m[4] for m in messages(archive, IN_I)].count(BOTH_I) == 9
    for args in imports:
        assert ", added 0, " in cli("import", *args).stdout


def test_the_same_guid_with_another_text_is_an_edit_as_on_the_owner_s_phone(with_jordan, archive, phones):
    cli, (owner_db, client_db) = with_jordan, phones
    conn = sqlite3.connect(client_db)
    conn.execute("UPDATE message SET text = 'Are we still on for Tuesday??', error = 1 WHERE guid = ?", (G + "01",))
    conn.commit()
    conn.close()
    assert cli("import", owner_db).exit_code == 0
    c = archive.conn
    columns = "id, sent_at, direction, body, status, delivered_at, read_at, flags, version"
    (owner_s,) = c.execute(f"SELECT {columns} FROM messages WHERE source_id = ?", (G + "01",)).fetchall()
    r = cli("import", client_db, "--custodian", "Jordan Lee", "--json")
    [result] = json.loads(r.stdout)
    assert (result["added"], result["already_present"], result["updated"]) == (4, 7, 1), r.output
    # The edit is a new version; the time, receipts and state (failed there) are the owner's Mac's, as first archived.
    assert tuple(c.execute(f"SELECT {columns} FROM messages WHERE source_id = ?", (G + "01",)).fetchone()) == (
        *tuple(owner_s)[:3],
        "Are we still on for Tuesday??",
        *tuple(owner_s)[4:8],
        2,
    )
    assert [
        tuple(x) for x in c.execute("SELECT body, origin FROM message_versions WHERE message_id = ?", (owner_s[0],))
    ] == [("Are we still on for Tuesday?", "reimport")]
    assert (
        "1 message found on another phone as well has another text on this one: its text here is a new version (the"
        " earlier kept), and the message keeps the time, receipts and state (deleted or failed) of the phone that gave"
        " it first"
    ) in result["assumptions"]
    audited = json.loads(
        c.execute("SELECT details FROM audit_log WHERE command = 'import' ORDER BY id DESC").fetchone()[0]
    )
    assert audited["edited_on_another_phone"] == 1
    assert cli("verify").exit_code == 0


def test_an_edit_on_a_phone_whose_clock_is_hours_off_keeps_the_first_phone_s_time(with_jordan, archive, phones):
    # G02 has another text on the client's phone, whose clock dates it 3 hours later: the edit is a version, the message
    # stays at the owner's Mac's time, and the client's phone's time is kept where it was found ("recorded there at").
    cli, (owner_db, client_db) = with_jordan, phones
    _client_clock_hours_ahead(client_db)
    conn = sqlite3.connect(client_db)
    conn.execute("UPDATE message SET text = 'Yes, 4pm at the office.' WHERE guid = ?", (G + "02",))
    conn.commit()
    conn.close()
    assert cli("import", owner_db).exit_code == 0
    c = archive.conn
    columns = "id, sent_at, direction, status, delivered_at, read_at, flags"
    (owner_s,) = c.execute(f"SELECT {columns}, body FROM messages WHERE source_id = ?", (G + "02",)).fetchall()
    assert cli("import", client_db, "--custodian", "Jordan Lee").exit_code == 0
    assert tuple(
        c.execute(f"SELECT {columns}, body, version FROM messages WHERE source_id = ?", (G + "02",)).fetchone()
    ) == (*tuple(owner_s)[:7], "Yes, 4pm at the office.", 2)
    assert [
        tuple(r) for r in c.execute("SELECT body, origin FROM message_versions WHERE message_id = ?", (owner_s[0],))
    ] == [(owner_s[7], "reimport")]
    assert [tuple(r) for r in c.execute("SELECT * FROM phone_copies")] == [
        (owner_s[0], owner_s[0], 2, "ROWID 2", "2024-03-01T20:07:30.000Z")
    ]
    assert cli("verify").exit_code == 0


@pytest.mark.parametrize("client_first", [False, True])
def test_two_phones_showing_two_texts_read_again_in_turn_change_nothing(with_jordan, archive, phones, client_first):
    # G02 has another text on the client's phone (no edit history there): whichever phone came first, the other's text
    # is an edit, once; each phone's export read again after the other shows a text the message had before: no version.
    cli, (owner_db, client_db) = with_jordan, phones
    conn = sqlite3.connect(client_db)
    conn.execute(
        "UPDATE message SET attributedBody = ? WHERE guid = ?", (typedstream("Yes, 4pm at the office."), G + "02")
    )
    conn.commit()
    conn.close()
    imports = [[owner_db], [client_db, "--custodian", "Jordan Lee"]]
    first, second = imports[::-1] if client_first else imports
    assert cli("import", *first).exit_code == 0
    assert cli("import", *second).exit_code == 0
    c = archive.conn
    settled = snapshot(archive)
    (mid, body, version) = c.execute(
        "SELECT id, body, version FROM messages WHERE source_id = ?", (G + "02",)
    ).fetchone()
    texts = ["Yes, 4pm at the office.", "Yes, 3pm at the office."]
    assert (body, version) == ((texts[1] if client_first else texts[0]), 2)
    for again in (first, second, first):
        r = cli("import", *again, "--json")
        [result] = json.loads(r.stdout)
        assert (result["added"], result["updated"]) == (0, 0), r.output
    said = [a for a in result["assumptions"] if "had before an edit" in a]
    assert said == [
        "1 message here shows a text it had before an edit the archive holds (an export older than the edit, or another"
        " phone's copy from before it), and not the text that replaced it: kept as archived, the earlier text among its"
        " versions (ROWID 2)"
    ]
    after = snapshot(archive)
    for table in ("imports", "message_sources", "message_sightings", "audit_log", "import_custodians", "phone_copies"):
        settled.pop(table, None), after.pop(table, None)
    assert after == settled
    assert c.execute("SELECT count(*) FROM message_versions WHERE message_id = ?", (mid,)).fetchone()[0] == 1
    assert cli("verify").exit_code == 0


def test_an_older_copy_on_the_client_s_phone_does_not_undo_the_owner_s_edit(with_jordan, archive, phones):
    # The client's phone shows G06 as first sent ("Actually, 3 works better.", no edit reached it); the owner's Mac has the
    # edit and its history. The later text stands, with its history; the older copy is a sighting, said.
    cli, (owner_db, client_db) = with_jordan, phones
    conn = sqlite3.connect(client_db)
    conn.execute(
        "UPDATE message SET attributedBody = ?, message_summary_info = NULL, date_edited = 0 WHERE guid = ?",
        (typedstream("Actually, 3 works better."), G + "06"),
    )
    conn.commit()
    conn.close()
    assert cli("import", owner_db).exit_code == 0
    c = archive.conn
    row = "SELECT id, body, version, flags, content_hash FROM messages WHERE source_id = ?"
    (owner_s,) = c.execute(row, (G + "06",)).fetchall()
    versions = "SELECT body, origin FROM message_versions WHERE message_id = ? ORDER BY version"
    history = [tuple(r) for r in c.execute(versions, (owner_s[0],))]
    assert history == [("Actually, 3 works better.", "edit_history")]
    r = cli("import", client_db, "--custodian", "Jordan Lee", "--json")
    [result] = json.loads(r.stdout)
    assert result["updated"] == 0, r.output
    assert tuple(c.execute(row, (G + "06",)).fetchone()) == tuple(owner_s)
    assert [tuple(r) for r in c.execute(versions, (owner_s[0],))] == history
    assert any("had before an edit" in a for a in result["assumptions"])
    assert cli("verify").exit_code == 0


def test_a_transcript_of_both_iphones_says_where_each_message_was_found_and_verify_proves_it(
    with_jordan, archive, phones, tmp_path
):
    cli, (owner_db, client_db) = with_jordan, phones
    assert cli("import", owner_db).exit_code == 0
    assert cli("import", client_db, "--custodian", "Jordan Lee").exit_code == 0
    assert cli("matter", "open", "LEE-1", "--client", "Jordan Lee", "--title", "Lease").exit_code == 0
    pdf = tmp_path / "t.pdf"
    assert cli("transcript", "LEE-1", "--out", pdf).exit_code == 0, cli
    found_on = json.loads(manifest.read(pdf))["disclosures"]["found_on"]
    bodies = dict(archive.conn.execute("SELECT id, body FROM messages"))
    phones_of = {(body, key): p.split(", ") for key, _, _, body, p in EXPECTED_I}
    assert len(found_on) == sum(
        1 for e in EXPECTED_I if e[0] not in ("-;+12025550188", WITH_MARIA)
    )  # (Jordan's chat with Maria: unfiled)
    assert sorted(f["phones"] for f in found_on) == sorted(
        p.split(", ") for key, *_, p in EXPECTED_I if key not in ("-;+12025550188", WITH_MARIA)
    )
    assert all(f["phones"] in [v for (b, _), v in phones_of.items() if b == bodies[f["message"]]] for f in found_on)
    assert cli("verify", pdf).exit_code == 0


@pytest.mark.parametrize("client_first", [False, True])
def test_the_time_the_other_iphone_recorded_is_said_where_it_differs(
    with_jordan, archive, phones, tmp_path, client_first
):
    # (the client's phone dates "Yes, 3pm at the office." 350 ms after the owner's Mac: one guid, two times)
    cli, (owner_db, client_db) = with_jordan, phones
    imports = [[client_db, "--custodian", "Jordan Lee"], [owner_db]]
    for args in imports if client_first else imports[::-1]:
        assert cli("import", *args).exit_code == 0
    assert cli("matter", "open", "LEE-1", "--client", "Jordan Lee", "--title", "Lease").exit_code == 0
    at = {"Alex Owner": "2024-03-01T17:07:30.000Z", "Jordan Lee": "2024-03-01T17:07:30.350Z"}
    then = "Alex Owner" if client_first else "Jordan Lee"  # (the phone imported second)
    (mid,) = archive.conn.execute("SELECT id FROM messages WHERE source_id = ?", (G + "02",)).fetchone()
    assert [tuple(r) for r in archive.conn.execute("SELECT * FROM phone_copies")] == [
        (mid, mid, 2, "ROWID 2", at[then])  # (the second import; the message is ROWID 2 of both chat.db files)
    ]
    said = (
        f"(recorded there at 2024-03-01 12:07:30.{at[then][20:23]} -05:00)"  # (to the second it would read as the own)
    )

    shown = cli("conversation", "show", "1").stdout.splitlines()
    pdf = tmp_path / "t.pdf"
    assert cli("transcript", "LEE-1", "--out", pdf).exit_code == 0
    text = " ".join(
        subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split()
    )

    phones = ", ".join(
        f"{name}'s phone" + (f" {said}" if name == then else "") for name in ("Alex Owner", "Jordan Lee")
    )
    assert [line.strip() for line in shown if "recorded there at" in line] == [f"found on: {phones}"]
    assert [
        f.get("recorded") for f in json.loads(manifest.read(pdf))["disclosures"]["found_on"] if f["message"] == mid
    ] == [{then: at[then]}]
    assert text.replace("’", "'").count(f"found on: {phones}") == 1
    assert (
        text.count("recorded there at") == 2
    )  # (that message's, and the cover's explanation: '("recorded there at")')
    assert cli("verify", pdf).exit_code == 0
    # either phone's export read again keeps the time it kept, once
    before = snapshot(archive)["phone_copies"]
    for args in imports:
        assert ", added 0, " in cli("import", *args).stdout
    assert snapshot(archive)["phone_copies"] == before


def _rsmf_opened(data: bytes) -> tuple[dict, dict]:
    """An .rsmf's X-RSMF headers and its manifest."""
    import io
    import zipfile
    from email import policy
    from email.parser import BytesParser

    message = BytesParser(policy=policy.default).parsebytes(data)
    (part,) = list(message.iter_attachments())
    with zipfile.ZipFile(io.BytesIO(part.get_payload(decode=True))) as z:
        found = json.loads(z.read("rsmf_manifest.json"))
    return {k: str(v) for k, v in message.items() if k.startswith("X-RSMF-")}, found


def test_a_production_of_both_iphones_says_in_every_data_file_where_each_message_was_found(
    with_jordan, archive, phones, tmp_path
):
    from textfile.produce import loadfiles
    from textfile.produce.rsmf_check import validate

    cli, (owner_db, client_db) = with_jordan, phones
    assert cli("import", owner_db).exit_code == 0
    assert cli("import", client_db, "--custodian", "Jordan Lee").exit_code == 0
    assert cli("matter", "open", "LEE-1", "--client", "Jordan Lee", "--title", "Lease").exit_code == 0
    keys = {k: c for c, k in archive.conn.execute("SELECT id, source_key FROM conversations")}
    # Jordan's thread with Maria, found on Jordan's phone alone and without the owner, goes in too
    assert cli("file", keys[WITH_MARIA], "--matter", "LEE-1").exit_code == 0
    out = tmp_path / "vol1"
    made = cli("produce", "LEE-1", "--out", out, "--exhibits")  # (one PDF per conversation: a document each)
    assert made.exit_code == 0, made.output
    produced = [e for e in EXPECTED_I if e[0] != "-;+12025550188"]  # (not filed to the matter)
    g02 = "Yes, 3pm at the office."  # (Jordan's phone recorded it 350 ms after the owner's Mac)
    jordan_at = ("2024-03-01T17:07:30.350Z", "2024-03-01 12:07:30.350 -05:00")

    def found_on(body: str, names: str) -> list[dict]:
        return [
            {
                "custodian": name,
                "recorded_utc": jordan_at[0] if (body, name) == (g02, "Jordan Lee") else None,
                "recorded_local": jordan_at[1] if (body, name) == (g02, "Jordan Lee") else None,
            }
            for name in names.split(", ")
        ]

    # messages.jsonl and messages.csv: every row's found_on, the same in both
    rows = [json.loads(line) for line in (out / "DATA" / "messages.jsonl").read_text(encoding="utf-8").splitlines()]
    key_of = {c: k for k, c in keys.items()}
    got = sorted((key_of[r["conversation_id"]], r["body"], json.dumps(r["found_on"])) for r in rows)
    assert got == sorted((key, body, json.dumps(found_on(body, names))) for key, _, _, body, names in produced)
    table = list(
        csv.DictReader(io.StringIO((out / "DATA" / "messages.csv").read_text(encoding="utf-8-sig"), newline=""))
    )
    assert list(table[0])[-1] == "found_on"
    assert [json.loads(r["found_on"]) for r in table] == [r["found_on"] for r in rows]
    # an iMessage time is not limited by its source: its precision is empty, and README.txt says what that means
    assert {(r["time_precision"], len(r["sent_utc"])) for r in rows} == {(None, len(jordan_at[0]))}
    assert {r["time_precision"] for r in table} == {""}
    assert [(r["sent_utc"], r["sent_local"], r["time_precision"]) for r in rows if r["body"] == g02] == [
        ("2024-03-01T17:07:30.000Z", "2024-03-01 12:07:30 -05:00", None)
    ]
    readme = " ".join((out / "README.txt").read_text(encoding="utf-8").split())
    assert (
        "It is empty (null in the JSONL) where the source records a clock value instead (Android: milliseconds since"
        " 1970; iMessage: nanoseconds, or whole seconds in Messages databases before macOS 10.13 / iOS 11, which the"
        " archive does not tell apart): the UTC times give it to the millisecond, the local times to the second, as"
        " the PDFs show them."
    ) in readme
    assert "found_on: whose phone(s) the message was found on" in readme

    # RSMF: each conversation names the custodians of its own messages; each event the phones it was found on
    said = {
        (key, body): ", ".join(
            f"{name}'s phone"
            + (" (recorded there at 2024-03-01 17:07:30.350 +00:00)" if (body, name) == (g02, "Jordan Lee") else "")
            for name in names.split(", ")
        )
        for key, _, _, body, names in produced
    }
    schema = CORPUS / "rsmf" / "rsmf_schema_2_0_0.json"
    schema = json.loads(schema.read_text()) if schema.exists() else None
    custodians, events = {}, []
    bodies = dict(archive.conn.execute("SELECT id, body FROM messages"))
    for path in sorted((out / "RSMF").iterdir()):
        data = path.read_bytes()
        assert validate(data, schema) == []
        headers, found = _rsmf_opened(data)
        (conversation,) = found["conversations"]
        key = key_of[int(conversation["id"].removeprefix("conversation-"))]
        custodians[key] = (headers["X-RSMF-Custodian"], conversation.get("custodian"))
        for e in found["events"]:
            events.append((key, bodies[e["id"]], [c["value"] for c in e["custom"] if c["name"] == "Found on"]))
    owner_in_group = archive.conn.execute(
        "SELECT handle FROM participants WHERE conversation_id = ? AND is_owner", (keys[GROUP_I],)
    ).fetchone()[0]
    assert custodians == {
        CHAT: ("Alex Owner; Jordan Lee", OWNER),
        GROUP_I: ("Alex Owner; Jordan Lee", owner_in_group),
        WITH_MARIA: ("Jordan Lee", JORDAN),  # (the owner is not in it: its custodian is Jordan's number)
    }
    assert sorted(events) == sorted((key, body, [said[key, body]]) for key, _, _, body, _ in produced)

    # the DAT: each document names the custodians of its own messages (an exhibit's NATIVELINK: its RSMF)
    dat = loadfiles.parse_dat((out / "DATA" / "loadfile.dat").read_bytes())
    exhibits = {
        d["BEGBATES"]: key_of[int(d["NATIVELINK"].removeprefix("RSMF/conversation-").removesuffix(".rsmf"))]
        for d in dat
        if d["IMAGEPATH"]
    }
    by_bates = {a["bates"]: r for r in rows for a in r["attachments"] if a["bates"]}
    assert [(d["BEGBATES"], d["CUSTODIAN"]) for d in dat] == [
        *((b, custodians[key][0]) for b, key in exhibits.items()),
        *((b, "; ".join(f["custodian"] for f in by_bates[b]["found_on"])) for b in by_bates),
    ]
    assert sorted(exhibits.values()) == sorted(custodians) and len(by_bates) == 1

    # the extracted text says it under each message's heading where the PDF does: an exhibit of one phone's
    # messages (Jordan's with Maria) says it of none, as its PDF
    texts = {
        key: [
            line
            for line in (out / "TEXT" / f"{b}.txt").read_text(encoding="utf-8").splitlines()
            if line.startswith("found on: ")
        ]
        for b, key in exhibits.items()
    }
    local = {k: v.replace("17:07:30.350 +00:00", "12:07:30.350 -05:00") for k, v in said.items()}
    assert {key: sorted(lines) for key, lines in texts.items()} == {
        CHAT: sorted(f"found on: {local[key, body]}" for key, _, _, body, _ in produced if key == CHAT),
        GROUP_I: sorted(f"found on: {local[key, body]}" for key, _, _, body, _ in produced if key == GROUP_I),
        WITH_MARIA: [],
    }
    assert (
        "found on: Alex Owner's phone, Jordan Lee's phone (recorded there at 2024-03-01 12:07:30.350 -05:00)"
        in texts[CHAT]
    )
    if shutil.which("pdftotext") is not None:
        for b, key in exhibits.items():
            shown = subprocess.run(
                ["pdftotext", str(out / "IMAGES" / f"{b}.pdf"), "-"], capture_output=True, text=True, check=True
            ).stdout
            shown = " ".join(shown.replace("\u2019", "'").split())
            assert (shown.count("found on: "), all(line in shown for line in texts[key])) == (len(texts[key]), True)
    assert cli("verify", out).exit_code == 0


def _produced_with_maria(cli, archive, owner_db, client_db, out) -> int:
    """Both iPhones imported (the owner's Mac first), the matter LEE-1 with Jordan's thread with Maria filed to it
    too, produced into `out` one exhibit per conversation: the id of Jordan's thread with Maria."""
    assert cli("import", owner_db).exit_code == 0
    assert cli("import", client_db, "--custodian", "Jordan Lee").exit_code == 0
    assert cli("matter", "open", "LEE-1", "--client", "Jordan Lee", "--title", "Lease").exit_code == 0
    (maria,) = archive.conn.execute("SELECT id FROM conversations WHERE source_key = ?", (WITH_MARIA,)).fetchone()
    assert cli("file", maria, "--matter", "LEE-1").exit_code == 0
    made = cli("produce", "LEE-1", "--out", out, "--exhibits")
    assert made.exit_code == 0, made.output
    return maria


def test_a_thread_the_owner_is_not_in_has_no_direction_in_any_file_of_a_production_as_in_its_pdf(
    with_jordan, archive, phones, tmp_path
):
    """Second reader: Jordan's own thread with Maria (on Jordan's phone; the owner is not in it) read "between others"
    in its PDF and in `conversation show`, but "in" in messages.csv, messages.jsonl and the text file, and "incoming"
    in every RSMF event: Jordan's own message to Maria too."""
    from textfile.produce import loadfiles
    from textfile.produce.rsmf_check import validate

    cli, (owner_db, client_db) = with_jordan, phones
    out = tmp_path / "vol1"
    maria = _produced_with_maria(cli, archive, owner_db, client_db, out)
    c = archive.conn
    stored = {r[0]: tuple(r[1:]) for r in c.execute("SELECT body, id, content_hash, direction FROM messages")}
    bates = dict(c.execute("SELECT message_id, bates FROM production_messages"))
    assert {stored[b][2] for b in ("Did the lawyer call back?", "Yes, we meet Tuesday at 3:30.")} == {"in"}

    def row(n: int, handle: str, name: str | None, minute: int, body: str) -> dict:
        mid, content_hash, _ = stored[body]
        return {
            "bates": bates[mid],
            "number": f"#{maria}.{n}",
            "message_id": mid,
            "content_hash": content_hash,
            "conversation_id": maria,
            "conversation_title": "Maria",
            "sender_handle": handle,
            "sender_name": name,
            "direction": "between_others",
            "kind": "message",
            "service": "iMessage",
            "status": None,
            "sent_utc": f"2024-03-01T18:0{minute}:00.000Z",
            "sent_local": f"2024-03-01 13:0{minute}:00 -05:00",
            "time_precision": None,
            "source_zone": "UTC",
            "delivered_utc": None,
            "delivered_local": None,
            "read_utc": None,
            "read_local": None,
            "duration_s": None,
            "body": body,
            "reply_to": None,
            "reply_to_message_id": None,
            "context": False,
            "flags": [],
            "versions": 1,
            "attachments": [],
            "reactions": [],
            "found_on": [{"custodian": "Jordan Lee", "recorded_utc": None, "recorded_local": None}],
        }

    expected = [
        row(1, "+12025550166", None, 0, "Did the lawyer call back?"),
        row(2, JORDAN, "Jordan Lee", 1, "Yes, we meet Tuesday at 3:30."),  # (Jordan's own, sent from Jordan's phone)
    ]
    # messages.jsonl and messages.csv: the thread's rows whole; every other row's direction as stored (the owner's)
    rows = [json.loads(line) for line in (out / "DATA" / "messages.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r for r in rows if r["conversation_id"] == maria] == expected
    assert sorted((r["body"], r["direction"]) for r in rows if r["conversation_id"] != maria) == sorted(
        (body, direction) for key, _, direction, body, _ in EXPECTED_I if key in (CHAT, GROUP_I)
    )
    table = list(
        csv.DictReader(io.StringIO((out / "DATA" / "messages.csv").read_text(encoding="utf-8-sig"), newline=""))
    )

    def cell(value) -> str:
        if isinstance(value, list):
            return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return "" if value is None else str(value)

    assert [r for r in table if r["conversation_id"] == str(maria)] == [
        {k: cell(v) for k, v in e.items()} for e in expected
    ]
    readme = " ".join((out / "README.txt").read_text(encoding="utf-8").split())
    assert (
        'direction: "in" or "out" (received or sent by the archive\'s owner), "system" (a group event), or'
        ' "between_others" (a thread the owner is not in, found on a client\'s phone: neither, as the PDFs say'
        ' "between others")'
    ) in readme

    # the extracted text of the thread's exhibit, whole; its PDF says "between others" of both messages
    dat = loadfiles.parse_dat((out / "DATA" / "loadfile.dat").read_bytes())
    (exhibit,) = [d["BEGBATES"] for d in dat if d["NATIVELINK"] == f"RSMF/conversation-{maria}.rsmf"]
    assert (out / "TEXT" / f"{exhibit}.txt").read_text(encoding="utf-8") == (
        f"#{maria}.1 · 2024-03-01 13:00:00 -05:00 · +12025550166 · between_others · iMessage · {expected[0]['bates']}\n"
        "Did the lawyer call back?\n"
        "\n"
        f"#{maria}.2 · 2024-03-01 13:01:00 -05:00 · Jordan Lee ({JORDAN}) · between_others · iMessage"
        f" · {expected[1]['bates']}\n"
        "Yes, we meet Tuesday at 3:30.\n"
    )
    if shutil.which("pdftotext") is not None:
        shown = subprocess.run(
            ["pdftotext", str(out / "IMAGES" / f"{exhibit}.pdf"), "-"], capture_output=True, text=True, check=True
        ).stdout
        shown = " ".join(shown.split())
        assert (shown.count("between others (you are not in this thread)"), "incoming" in shown) == (2, False)

    # RSMF: every event of the thread whole, with no direction (the schema's is optional); the other files' events
    # keep the owner's
    schema = CORPUS / "rsmf" / "rsmf_schema_2_0_0.json"
    schema = json.loads(schema.read_text()) if schema.exists() else None
    events = {}
    for path in sorted((out / "RSMF").iterdir()):
        data = path.read_bytes()
        assert validate(data, schema) == []
        _, found = _rsmf_opened(data)
        events[path.name] = found["events"]

    def event(e: dict) -> dict:
        return {
            "id": e["message_id"],
            "type": "message",
            "body": e["body"],
            "participant": e["sender_handle"],
            "conversation": f"conversation-{maria}",
            "timestamp": e["sent_utc"],
            "deleted": False,
            "custom": [
                {"name": "Message ID", "value": e["message_id"]},
                {"name": "Content hash", "value": e["content_hash"]},
                {"name": "Bates", "value": e["bates"]},
                {"name": "Service", "value": "iMessage"},
                {"name": "Source zone", "value": "UTC"},
                {"name": "Found on", "value": "Jordan Lee's phone"},
            ],
        }

    assert events.pop(f"conversation-{maria}.rsmf") == [event(e) for e in expected]
    by_id = dict(c.execute("SELECT id, direction FROM messages"))
    words = {"in": "incoming", "out": "outgoing", "system": None}
    assert {e["id"]: e.get("direction") for found in events.values() for e in found} == {
        r["message_id"]: words[by_id[r["message_id"]]] for r in rows if r["conversation_id"] != maria
    }
    assert cli("verify", out).exit_code == 0


PRESERVATION = (  # (the certification's paragraph 4 as it was before a production held a message of two phones)
    "4. Preservation. Each message was stored as the export records it in the textfile archive, a single SQLite"
    " database file, with an identifier derived from its identity in its source and a SHA-256 hash of its content"
    " (its content hash). The archive records each import with the export's hash value, and for each message every"
    " export that contained it. Every change to the archive is recorded in an append-only audit log whose entries are"
    " chained by SHA-256 hash values and sealed with a key kept outside the archive, so that a change made outside"
    " textfile is detected when the archive is verified (textfile verify)."
)
ACCURATE = (
    "7. The records were produced by the process described above, which produces an accurate result: they reproduce"
    " the messages as the exports listed in Schedule A record them"
)


def _paragraphs(certification: str, *numbers: str) -> dict[str, str]:
    """The certification's numbered paragraphs asked for, each on one line, by number."""
    return {p.split(".")[0]: " ".join(p.split()) for p in certification.split("\n\n") if p.split(".")[0] in numbers}


def test_the_certification_says_what_the_archive_keeps_of_a_message_two_phones_record_otherwise(
    with_jordan, archive, phones, tmp_path
):
    """Second reader: the declaration swore each message was stored, and is produced, "as the export records it"; but a
    message found on two phones keeps the first phone's time, receipts and state, the other phone's time is only in
    "found on … recorded there at", and an edit one phone shows is a new version."""
    from textfile.produce.certify import Copies, copies_of

    cli, (owner_db, client_db) = with_jordan, phones
    # G01 has another text on Jordan's phone, and failed to send there; G02 is dated there 350 ms after the owner's Mac
    conn = sqlite3.connect(client_db)
    conn.execute("UPDATE message SET text = 'Are we still on for Tuesday??', error = 1 WHERE guid = ?", (G + "01",))
    conn.commit()
    conn.close()
    # the owner's Mac alone, first: nothing of this is said
    assert cli("import", owner_db).exit_code == 0
    assert cli("matter", "open", "LEE-1", "--client", "Jordan Lee", "--title", "Lease").exit_code == 0
    made = cli("produce", "LEE-1", "--out", tmp_path / "vol1")
    assert made.exit_code == 0, made.output
    certification = (tmp_path / "vol1" / "CERTIFICATION.txt").read_text(encoding="utf-8")
    assert _paragraphs(certification, "4", "7") == {"4": PRESERVATION, "7": ACCURATE + "."}
    assert "more than one phone" not in certification

    assert cli("import", client_db, "--custodian", "Jordan Lee").exit_code == 0
    produced = cli("produce", "LEE-1", "--out", tmp_path / "vol2", "--reproduce")
    assert produced.exit_code == 0, produced.output
    ids = [r[0] for r in archive.conn.execute("SELECT message_id FROM production_messages WHERE production_id = 2")]
    # found on both phones: #1.1, #1.2, #1.3, #1.5, #1.6 and the group's #2.1-#2.3; G02's time there; G01's text there
    assert copies_of(archive.conn, ids) == Copies(8, 1, 1)
    assert _paragraphs((tmp_path / "vol2" / "CERTIFICATION.txt").read_text(encoding="utf-8"), "4", "7") == {
        "4": PRESERVATION
        + " Of the messages produced, 8 were found on more than one phone (in the exports of more than one custodian"
        " listed in Schedule A). Each such message is stored once, as the export imported first records it: its time,"
        " its delivered and read times, its status (sent, received, failed to send) and whether it was deleted there"
        " are that phone's; another phone's delivered and read times, status and deletion are not stored. Where"
        " another phone's export records another time for it (1 of these messages), that time is kept beside it and"
        ' stated with the message in the files produced ("recorded there at"). Where another phone\'s export shows'
        " another text (1 of these messages), that text is stored as a new version of the message, and the text"
        " before it is kept as an earlier version.",
        "7": ACCURATE + ", a message found on more than one phone as paragraph 4 states.",
    }
    assert cli("verify", tmp_path / "vol2").exit_code == 0


def _client_clock_hours_ahead(client_db) -> None:
    """The client's phone dates "Yes, 3pm at the office." (G02) and its reading 3 hours after the owner's Mac does: one guid,
    the clock of one phone wrong by hours."""
    conn = sqlite3.connect(client_db)
    three_hours = 3 * 3600 * 1_000_000_000
    sent = (1709323650 - 978307200) * 1_000_000_000  # 2024-03-01T20:07:30Z: the owner's Mac's 17:07:30, 3 hours on
    conn.execute("UPDATE message SET date = ?, date_read = date_read + ? WHERE guid = ?", (sent, three_hours, G + "02"))
    conn.execute("UPDATE chat_message_join SET message_date = ? WHERE message_id = 2", (sent,))
    conn.commit()
    conn.close()


@pytest.mark.parametrize("client_first", [False, True])
def test_one_guid_whose_times_on_the_two_phones_are_hours_apart_is_one_message_as_first_archived(
    with_jordan, archive, phones, tmp_path, client_first
):
    # An iMessage guid names one message on every phone: a time hours apart is still that phone's own, not an edit.
    cli, (owner_db, client_db) = with_jordan, phones
    _client_clock_hours_ahead(client_db)
    imports = [[client_db, "--custodian", "Jordan Lee"], [owner_db]]
    first, then = imports[::-1] if not client_first else imports
    assert cli("import", *first).exit_code == 0
    c = archive.conn
    (mid,) = c.execute("SELECT id FROM messages WHERE source_id = ?", (G + "02",)).fetchone()
    as_first_archived = tuple(c.execute("SELECT * FROM messages WHERE id = ?", (mid,)).fetchone())
    r = cli("import", *then, "--json")
    assert r.exit_code == 0, r.output
    [result] = json.loads(r.stdout)
    assert (result["added"], result["updated"]) == ((7, 0) if client_first else (4, 0))
    later = "earlier" if client_first else "later"  # (the phone imported second, against the first)
    said = (
        "1 message found on another phone as well differs from that copy only in the time this phone gives it, more than"
        f" 2 minutes from that copy's (ROWID 2: 3 h 00 min 00 s {later} on this phone): each is one message, kept as first archived"
    )
    assert [a for a in result["assumptions"] if "another phone" in a] == [said]
    entry = json.loads(
        c.execute("SELECT details FROM audit_log WHERE command = 'import' ORDER BY id DESC LIMIT 1").fetchone()[0]
    )
    assert entry["per_phone_differences"] == {"time apart": 1}
    # The message is the first phone's copy, whole: its time, text, receipts, content hash, one version and no earlier one.
    assert tuple(c.execute("SELECT * FROM messages WHERE id = ?", (mid,)).fetchone()) == as_first_archived
    owner_s = ("2024-03-01T17:07:30.000Z", "2024-03-01T17:07:31.000Z", "2024-03-01T17:08:00.000Z")
    client_s = ("2024-03-01T20:07:30.000Z", None, "2024-03-01T20:07:58.000Z")
    assert tuple(
        c.execute("SELECT body, sent_at, delivered_at, read_at, version FROM messages WHERE id = ?", (mid,)).fetchone()
    ) == ("Yes, 3pm at the office.", *(client_s if client_first else owner_s), 1)
    assert c.execute("SELECT count(*) FROM message_versions WHERE message_id = ?", (mid,)).fetchone()[0] == 0
    assert [tuple(r) for r in c.execute("SELECT body, origin FROM message_versions")] == [
        ("Actually, 3 works better.", "edit_history")
    ]
    # The other phone's time is kept where it was found, and said.
    assert [tuple(r) for r in c.execute("SELECT * FROM phone_copies")] == [
        (mid, mid, 2, "ROWID 2", (owner_s if client_first else client_s)[0])
    ]
    # Either order gives the same messages, each with both phones among its sources where both hold it.
    assert sorted(messages(archive, IN_I), key=lambda m: (m[0], m[3], m[4])) == sorted(
        EXPECTED_I, key=lambda m: (m[0], m[3], m[4])
    )
    # Either phone's export read again adds nothing and changes nothing.
    before = snapshot(archive)
    for args in imports:
        again = cli("import", *args)
        assert ", added 0, " in again.stdout and ", updated 0" in again.stdout, again.output
    after = snapshot(archive)
    for table in ("imports", "message_sources", "audit_log", "import_custodians"):
        before.pop(table), after.pop(table)
    assert after == before
    assert cli("verify").exit_code == 0
    recorded = "2024-03-01 12:07:30 -05:00" if client_first else "2024-03-01 15:07:30 -05:00"
    shown = cli("conversation", "show", "1").stdout.splitlines()
    owner_phone, client_phone = "Alex Owner's phone", "Jordan Lee's phone"
    found_on = (
        f"found on: {owner_phone} (recorded there at {recorded}), {client_phone}"
        if client_first
        else f"found on: {owner_phone}, {client_phone} (recorded there at {recorded})"
    )
    assert [line.strip() for line in shown if "recorded there at" in line] == [found_on]
    assert cli("matter", "open", "LEE-1", "--client", "Jordan Lee", "--title", "Lease").exit_code == 0
    pdf = tmp_path / "t.pdf"
    assert cli("transcript", "LEE-1", "--out", pdf).exit_code == 0
    text = " ".join(
        subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split()
    )
    assert text.replace("\u2019", "'").count(found_on) == 1
    assert said in text.replace("\u2019", "'")  # (the assumption, on the cover)
    # The cover says what a message found on both phones keeps of each (the earlier covers said "exactly as the
    # export records it" of every message).
    assert (
        "its time, its delivered and read times and its state there (deleted, failed) are those recorded by the phone"
        " whose export was imported first" in text
    )
    assert 'as the export records it (a message found on two phones: as said under "Found on")' in text.replace(
        "\u201c", '"'
    ).replace("\u201d", '"')
    assert cli("verify", pdf).exit_code == 0
    assert cli("verify").exit_code == 0


def test_times_far_apart_are_said_per_message_with_what_else_differed_there(with_jordan, archive, phones):
    # G01, sent from the client's phone, is dated there 1 day 2 h 3 min 4.5 s before the owner's Mac received it, and
    # failed to send there; G02 is 3 hours later there. Each is one message as the owner's Mac archived it.
    cli, (owner_db, client_db) = with_jordan, phones
    _client_clock_hours_ahead(client_db)
    conn = sqlite3.connect(client_db)
    # the owner's Mac's time of G01, 2024-03-01T17:05:09Z, less 1 d 2 h 03 min 04.5 s (93,784.5 s), in ns since 2001
    earlier = (1709312709 - 978307200 - 93784) * 1_000_000_000 - 500_000_000
    conn.execute("UPDATE message SET date = ?, error = 1 WHERE guid = ?", (earlier, G + "01"))
    conn.commit()
    conn.close()
    assert cli("import", owner_db).exit_code == 0
    c = archive.conn
    ids = [c.execute("SELECT id FROM messages WHERE source_id = ?", (G + n,)).fetchone()[0] for n in ("01", "02")]
    as_archived = [tuple(r) for r in c.execute("SELECT * FROM messages ORDER BY id")]
    r = cli("import", client_db, "--custodian", "Jordan Lee", "--json")
    assert r.exit_code == 0, r.output
    [result] = json.loads(r.stdout)
    assert (result["added"], result["already_present"], result["updated"]) == (4, 8, 0)
    assert [a for a in result["assumptions"] if "another phone" in a] == [
        "1 message found on another phone as well differs from that copy only in the time this phone gives it, more than"
        " 2 minutes from that copy's (ROWID 2: 3 h 00 min 00 s later on this phone): each is one message, kept as first archived",
        "1 message found on another phone as well differs from that copy only in the time this phone gives it, more than"
        " 2 minutes from that copy's (ROWID 1: 1 d 2 h 03 min 04.500 s earlier on this phone) and its state on this phone"
        " (deleted or failed there): each is one message, kept as first archived",
    ]
    entry = json.loads(
        c.execute("SELECT details FROM audit_log WHERE command = 'import' ORDER BY id DESC LIMIT 1").fetchone()[0]
    )
    assert entry["per_phone_differences"] == {"time apart": 1, "time apart and flags": 1}
    # Every message the owner's Mac archived is as it was (no version of either); the client's own messages are new.
    assert [tuple(r) for r in c.execute("SELECT * FROM messages WHERE import_id = 1 ORDER BY id")] == as_archived
    assert [tuple(r) for r in c.execute("SELECT body, origin FROM message_versions")] == [
        ("Actually, 3 works better.", "edit_history")
    ]
    assert [tuple(r) for r in c.execute("SELECT * FROM phone_copies ORDER BY sent_at")] == [
        (ids[0], ids[0], 2, "ROWID 1", "2024-02-29T15:02:04.500Z"),
        (ids[1], ids[1], 2, "ROWID 2", "2024-03-01T20:07:30.000Z"),
    ]
    assert cli("verify").exit_code == 0


def test_times_far_apart_name_the_first_records_and_count_the_rest(with_jordan, archive, phones):
    # 22 iMessages the owner's Mac sent, each dated an hour later on the client's phone: the notice names 20 (MAX_REFS).
    cli, (owner_db, client_db) = with_jordan, phones
    start = (1709632800 - 978307200) * 1_000_000_000  # 2024-03-05T10:00:00Z
    for db, from_me, later in ((owner_db, 1, 0), (client_db, 0, 3600)):
        conn = sqlite3.connect(db)
        for n in range(1, 23):
            insert_message(
                conn,
                {
                    "ROWID": 100 + n,
                    "guid": f"A11E0000-0000-4000-8000-000000000{100 + n}",
                    "chat": 1,
                    "is_from_me": from_me,
                    "handle_id": 1 - from_me,
                    "text": f"Note {n}",
                    "date": start + (60 * n + later) * 1_000_000_000,
                },
            )
        conn.commit()
        conn.close()
    assert cli("import", owner_db).exit_code == 0
    r = cli("import", client_db, "--custodian", "Jordan Lee")
    assert r.exit_code == 0 and "added 4, already present 30, updated 0" in r.stdout, r.output
    refs = "; ".join(f"ROWID {100 + n}: 1 h 00 min 00 s later on this phone" for n in range(1, 21))
    assert [line for line in r.stdout.splitlines() if "more than 2 minutes" in line] == [
        "  assumed: 22 messages found on another phone as well differ from that copy only in the time this phone gives it,"
        f" more than 2 minutes from that copy's ({refs}; and 2 more): each is one message, kept as first archived"
    ]
    # each message at the owner's Mac's time, no version of it; the client's phone's time kept where it was found
    assert [
        tuple(r)
        for r in archive.conn.execute(
            "SELECT m.body, m.sent_at, m.version, k.alias_id = m.id, k.source_ref, k.sent_at FROM messages m"
            " JOIN phone_copies k ON k.message_id = m.id WHERE m.body LIKE 'Note %' ORDER BY m.sent_at"
        )
    ] == [
        (f"Note {n}", f"2024-03-05T10:{n:02d}:00.000Z", 1, 1, f"ROWID {100 + n}", f"2024-03-05T11:{n:02d}:00.000Z")
        for n in range(1, 23)
    ]
    assert [tuple(r) for r in archive.conn.execute("SELECT body, origin FROM message_versions")] == [
        ("Actually, 3 works better.", "edit_history")
    ]


@pytest.mark.parametrize(
    "args, reason",
    [
        (
            ["--custodian", "Maria"],
            "--custodian 'Maria' is not a client of this archive: add them first (textfile client add 'Maria' --phone …)",
        ),
        (
            ["--custodian", "Jordan Lee", "--me", "alex@example.com"],
            f"--me 'alex@example.com' is not one of Jordan Lee's handles ({JORDAN}, jordan@example.com): it names the handle of the phone this"
            " export came from (textfile client edit 'Jordan Lee' --add-phone … adds one); nothing was imported",
        ),
        (
            ["--custodian", "Jordan Lee"],
            f"Jordan Lee has several handles ({JORDAN}, jordan@example.com): give --me with the handle of the"
            " phone this export came from; nothing was imported",
        ),
    ],
)
def test_a_client_s_iphone_with_an_unknown_custodian_or_handle_is_an_error_and_changes_nothing(
    cli, archive, phones, args, reason
):
    owner_db, client_db = phones
    assert cli("client", "add", "Jordan Lee", "--phone", JORDAN, "--email", "jordan@example.com").exit_code == 0
    assert cli("import", owner_db).exit_code == 0
    before = snapshot(archive)
    r = cli("import", client_db, *args)
    assert (r.exit_code, r.stderr) == (1, f"Error: {client_db}: {reason}\n")
    assert snapshot(archive) == before


def test_a_client_s_backup_read_as_the_owner_s_phone_is_refused_and_the_same_bytes_keep_their_phone(with_sam, archive):
    """Walk 15b: the client's backup imported without --custodian was read as the owner's phone: every message a second
    time, the client's words to their spouse put in the owner's mouth. Its thread with the owner's own number proves it
    is not the owner's phone; and bytes imported as one phone's are that phone's again."""
    cli = with_sam
    before = snapshot(archive)
    r = cli("import", CLIENT_XML)
    assert (r.exit_code, r.stderr) == (
        1,
        f"Error: {CLIENT_XML}: it holds a thread with your own number {OWNER} (named 'Alex (lawyer)' there)"
        " as the other party, so it may not be your phone: give --custodian with the client whose phone it is, or"
        " --custodian 'Alex Owner' if it is yours (a note to yourself, or your other phone; said once, the next exports"
        " of it go in); nothing was imported\n",
    )
    assert snapshot(archive) == before
    assert cli("import", CLIENT_XML, "--custodian", "Sam Client").exit_code == 0
    after = snapshot(archive)
    for args in ((), ("--custodian", "Alex Owner")):
        r = cli("import", CLIENT_XML, *args)
        assert (r.exit_code, r.stderr) == (
            1,
            f"Error: {CLIENT_XML}: these bytes were imported before (import 1, client_phone.xml) as Sam"
            " Client's phone (--custodian 'Sam Client'): import them the same way, or not at all; nothing was"
            " imported\n",
        )
        assert snapshot(archive) == after
    # the owner's own backup, then the same bytes named as the client's phone: refused too
    assert cli("import", OWNER_XML).exit_code == 0
    r = cli("import", OWNER_XML, "--custodian", "Sam Client")
    assert r.exit_code == 1 and "as your own phone (no --custodian)" in r.stderr


def test_deletable_does_not_call_a_thread_found_only_on_the_client_s_phone_safe_to_delete(with_sam, archive):
    cli = with_sam
    assert cli("import", OWNER_XML).exit_code == 0
    assert cli("import", CLIENT_XML, "--custodian", "Sam Client").exit_code == 0
    spouse = archive.conn.execute("SELECT id FROM conversations WHERE source_key = ?", (SPOUSE,)).fetchone()[0]
    verdicts = {v["conversation"]: v for v in json.loads(cli("deletable", "--json").stdout)}
    v = verdicts[spouse]
    assert (v["verdict"], v["safe"], v["elsewhere"]) == (
        "not on your phone: found on Sam Client's phone only; nothing of it is yours to delete (the archive keeps it)",
        False,
        ["Sam Client"],
    )
    assert [s["custodian"] for s in v["sources"]] == ["Sam Client"]
    sam = archive.conn.execute("SELECT id FROM conversations WHERE source_key = ?", (SAM,)).fetchone()[0]
    assert (verdicts[sam]["elsewhere"], [s["custodian"] for s in verdicts[sam]["sources"]]) == (
        [],
        [None, "Sam Client"],
    )
    assert [c for c in verdicts][-1] == spouse  # (after what concerns the owner's phone)


def test_how_far_the_owner_may_delete_rests_on_what_was_found_on_the_owner_s_phone(with_sam, archive, tmp_path):
    """Walk 15c: a message found only on the client's phone, later than anything on the owner's, moved the owner's
    "safe to delete up to" past the owner's own export: what the owner's phone holds after it would be cleared unarchived."""
    cli = with_sam
    assert cli("matter", "open", "RIV-1", "--client", "Sam Client", "--title", "Lease").exit_code == 0
    assert cli("import", OWNER_XML).exit_code == 0
    assert cli("import", CLIENT_XML, "--custodian", "Sam Client").exit_code == 0
    assert cli("transcript", "RIV-1", "--out", tmp_path / "t.pdf").exit_code == 0
    sam = archive.conn.execute("SELECT id FROM conversations WHERE source_key = ?", (SAM,)).fetchone()[0]
    owners_last, last = archive.conn.execute(
        "SELECT max(CASE WHEN EXISTS (SELECT 1 FROM message_sources s LEFT JOIN import_custodians ic ON ic.import_id = s.import_id"
        " WHERE s.message_id = m.id AND ic.import_id IS NULL) THEN m.sent_at END), max(m.sent_at) FROM messages m WHERE m.conversation_id = ?",
        (sam,),
    ).fetchone()
    assert owners_last < last  # ("Running 10 minutes late" is on Sam's phone only)
    v = next(v for v in json.loads(cli("deletable", "--json").stdout) if v["conversation"] == sam)
    # (not safe as a whole: mms 4's report.pdf, corrupt base64 in the owner's backup, is not in the archive)
    assert (v["safe"], v["safe_until"], v["last_archived"], v["attachments_not_archived"]) == (
        False,
        owners_last,
        owners_last,
        1,
    )


def test_a_thread_the_owner_is_not_in_is_neither_incoming_nor_outgoing(with_sam, archive):
    """Walk 15b: on the client's phone, the client's own text to their spouse read "incoming", as did the spouse's."""
    cli = with_sam
    assert cli("import", CLIENT_XML, "--custodian", "Sam Client").exit_code == 0
    spouse = archive.conn.execute("SELECT id FROM conversations WHERE source_key = ?", (SPOUSE,)).fetchone()[0]
    firsts = [line for line in cli("conversation", "show", spouse).stdout.splitlines() if line.startswith("#")]
    assert [line.split(" · ")[1] for line in firsts] == ["between others (you are not in this thread)"] * 2
    sam = archive.conn.execute("SELECT id FROM conversations WHERE source_key = ?", (SAM,)).fetchone()[0]
    assert {
        line.split(" · ")[1] for line in cli("conversation", "show", sam).stdout.splitlines() if line.startswith("#")
    } == {"incoming", "outgoing"}


def test_the_owner_s_note_to_self_is_said_once_and_the_next_exports_go_in(cli, archive, tmp_path):
    """An owner who texts their own number (a note to self) is asked once, like a client's phone would be; said with
    --custodian <owner>, that thread is known as theirs, and the next export of the phone (the weekly run names no
    custodian) goes in."""

    def backup(name, *bodies):
        path = tmp_path / name
        sms = "".join(
            f'<sms address="{OWNER}" date="{1709312400000 + n * 60000}" type="{1 + n % 2}" body="{body}" read="1" />'
            for n, body in enumerate(bodies)
        )
        path.write_text(
            f"<?xml version='1.0' encoding='UTF-8'?><smses count='{len(bodies)}'>{sms}</smses>", encoding="utf-8"
        )
        return path

    week1, week2 = backup("w1.xml", "milk", "call Sam"), backup("w2.xml", "milk", "call Sam", "file the lease")
    before = snapshot(archive)
    r = cli("import", week1)
    assert r.exit_code == 1 and "so it may not be your phone" in r.stderr and snapshot(archive) == before
    assert cli("import", week1, "--custodian", "Alex Owner").exit_code == 0
    r = cli("import", week2)
    assert (r.exit_code, r.stdout.splitlines()[0]) == (
        0,
        f"{week2}: android, added 1, already present 2, updated 0, skipped 0",
    )
