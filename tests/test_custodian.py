"""A client's own phone (issue 15): `import --custodian CLIENT` reads the client's Android backup in the
archive owner's frame, keys its threads as the owner's copy keys them, and matches each record to the
other phone's copy of the same message, whichever phone is imported first."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from conftest import FIXTURES, snapshot
from textfile.transcript import manifest

OWNER_XML = FIXTURES / "android" / "sms-20240301.xml"
CLIENT_XML = FIXTURES / "android" / "client_phone.xml"
BOTH = "Alex Owner, Sam Client"


def messages(archive) -> list[tuple]:
    """Every message: its conversation's key, sender, direction, text, and whose phones it was found on."""
    return [tuple(r) for r in archive.conn.execute(
        "SELECT c.source_key, p.handle, m.direction, m.body, (SELECT group_concat(name, ', ') FROM (SELECT DISTINCT coalesce(cl.name,"
        " 'Alex Owner') AS name FROM message_sources s LEFT JOIN import_custodians ic ON ic.import_id = s.import_id LEFT JOIN clients cl"
        " ON cl.id = ic.client_id WHERE s.message_id = m.id ORDER BY 1)) FROM messages m JOIN conversations c ON c.id = m.conversation_id"
        " LEFT JOIN participants p ON p.id = m.sender_id WHERE c.source_key LIKE '%+12025550143%' ORDER BY m.sent_at, m.body")]


SAM, OWNER, MARIA, GROUP = "+12025550143", "+12025550100", "+12025550166", "+12025550143~+12025550178~+12025550191"
SPOUSE = f"{SAM}~{MARIA} without the owner"
RCS = "group_42@rcs.google.com"
EXPECTED = [  # (in time order: the owner's copy's times where both phones have a message)
    (SAM, SAM, "in", "Hi Alex, can we talk about the lease? \U0001F600", BOTH),
    (SAM, OWNER, "out", "Sure, call me at 3.", BOTH),
    (SAM, OWNER, "out", "I also wanted to ask about the deposit", "Alex Owner"),
    (SAM, OWNER, "out", "Sending the signed copy now", "Alex Owner"),
    (SAM, OWNER, "out", "Did you get my last message?", "Alex Owner"),
    (SAM, OWNER, "out", "Queued while offline", "Alex Owner"),
    (SAM, SAM, "in", "Photo of the leak under the sink", BOTH),
    (GROUP, OWNER, "out", "Can we all meet at 5 to sign?", BOTH),
    (GROUP, "+12025550178", "in", "Works for me \U0001F44D", "Alex Owner"),
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
    assert [tuple(p) for p in c.execute("SELECT p.handle, p.display_name, p.is_owner FROM participants p JOIN conversations v"
                                        " ON v.id = p.conversation_id WHERE v.source_key = ? ORDER BY p.handle", (SPOUSE,))] == [
        (SAM, "Sam Client", 0), (MARIA, "Maria", 0)]
    # Whose phone, with which number; each matched record's own time on that phone, where it holds it.
    assert [tuple(r) for r in c.execute("SELECT import_id, client_id, phone FROM import_custodians")] == [(2, 1, SAM)]
    assert [tuple(r) for r in c.execute("SELECT m.body, k.import_id, k.source_ref, k.sent_at FROM phone_copies k JOIN messages m"
                                        " ON m.id = k.message_id ORDER BY k.sent_at")] == [
        ("Hi Alex, can we talk about the lease? \U0001F600", 2, "sms 1", "2024-03-01T16:59:58.000Z"),
        ("Sure, call me at 3.", 2, "sms 2", "2024-03-01T17:01:03.000Z"),
        ("Photo of the leak under the sink", 2, "mms 1", "2024-03-01T17:09:55.000Z"),
        ("Can we all meet at 5 to sign?", 2, "mms 2", "2024-03-01T17:15:02.000Z"),
        ("Thanks, got it.", 2, "sms 5", "2024-03-01T17:30:03.000Z"),
        ("Ok see you at 5", 2, "sms 6", "2024-03-01T17:31:58.000Z"),
    ]
    # A matched message keeps the owner's copy as it was: no version, its time and status the owner's phone's.
    assert c.execute("SELECT count(*) FROM message_versions").fetchone()[0] == 0
    assert tuple(c.execute("SELECT sent_at, status FROM messages WHERE body = 'Sure, call me at 3.'").fetchone()) == (
        "2024-03-01T17:01:00.000Z", "sent")
    entry = json.loads(c.execute("SELECT details FROM audit_log WHERE command = 'import' ORDER BY id DESC LIMIT 1").fetchone()[0])
    assert (entry["custodian"], entry["custodian_phone"], entry["matched_copies"]) == ("Sam Client", SAM, {"Alex Owner's phone": 6})
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
    assert ("  assumed: 6 messages matched to the copy from Sam Client's phone by sender, text and time within 2 minutes: each is one"
            " message, found on both phones\n") in r.stdout
    got = messages(archive)
    assert sorted(got, key=lambda m: m[3]) == sorted(EXPECTED, key=lambda m: m[3])
    assert cli("import", OWNER_XML).stdout.startswith(f"{OWNER_XML}: android, added 0, already present 16")
    assert cli("import", CLIENT_XML, "--custodian", "Sam Client").stdout.startswith(f"{CLIENT_XML}: android, added 0, already present 9")
    assert messages(archive) == got


def test_a_record_whose_text_differs_is_another_message(with_sam, archive, tmp_path):
    cli = with_sam
    assert cli("import", OWNER_XML).exit_code == 0
    edited = tmp_path / "client.xml"
    edited.write_text(CLIENT_XML.read_text().replace('body="Ok see you at 5"', 'body="Ok see you at 5!"'))
    r = cli("import", edited, "--custodian", "Sam Client", "--me", "(202) 555-0143")
    assert r.exit_code == 0 and "added 4, already present 5" in r.stdout
    assert [m[4] for m in messages(archive) if m[3].startswith("Ok see you at 5")] == ["Sam Client", "Alex Owner"]  # (the client sent it 2 s before the owner received it)


def test_the_transcript_says_on_whose_phone_each_message_was_found_and_verify_proves_it(with_sam, archive, tmp_path):
    cli = with_sam
    assert cli("import", OWNER_XML).exit_code == 0
    assert cli("import", CLIENT_XML, "--custodian", "Sam Client").exit_code == 0
    assert cli("matter", "open", "RIV-1", "--client", "Sam Client", "--title", "Lease").exit_code == 0
    pdf = tmp_path / "t.pdf"
    assert cli("transcript", "RIV-1", "--out", pdf).exit_code == 0
    found_on = json.loads(manifest.read(pdf))["disclosures"]["found_on"]
    bodies = dict(archive.conn.execute("SELECT id, body FROM messages"))
    assert [(f["seq"], bodies[f["message"]], f["phones"]) for f in found_on] == [
        (n, body, phones.split(", ")) for n, (_, _, _, body, phones) in enumerate(
            [e for e in EXPECTED if e[0] == SAM] + [e for e in EXPECTED if e[0] == GROUP] + [e for e in EXPECTED if e[0] == SPOUSE]
            + [(RCS, "+12025550178", "in", "Landlord replied, see below", "Alex Owner")], 1)]
    assert cli("verify", pdf).exit_code == 0
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "each message says on whose phone(s) it was found" in " ".join(text.split())
    assert text.count("found on: Alex Owner’s phone, Sam Client’s phone") + text.count("found on: Alex Owner's phone, Sam Client's phone") == 6
    assert text.count("found on: Sam Client's phone") + text.count("found on: Sam Client’s phone") == 3


def test_conversation_show_says_on_whose_phone_each_message_was_found(with_sam, archive):
    cli = with_sam
    assert cli("import", OWNER_XML).exit_code == 0
    before = [line for line in cli("conversation", "show", "1").stdout.splitlines()]
    assert not [line for line in before if "found on" in line]  # (one phone: said on no message)
    assert cli("import", CLIENT_XML, "--custodian", "Sam Client").exit_code == 0
    shown = cli("conversation", "show", "1").stdout.splitlines()
    said = [line.strip() for line in shown if line.strip().startswith("found on: ")]
    assert said == ["found on: " + ("Alex Owner's phone, Sam Client's phone" if phones == BOTH else f"{phones}'s phone")
                    for key, _, _, _, phones in EXPECTED if key == SAM]
    assert [m["found_on"] for m in json.loads(cli("conversation", "show", "1", "--json").stdout)["messages"]] == [
        line.removeprefix("found on: ") for line in said]


def test_a_transcript_of_one_phone_says_nothing_per_message(with_sam, archive, tmp_path):
    cli = with_sam
    assert cli("import", OWNER_XML).exit_code == 0
    assert cli("matter", "open", "RIV-1", "--client", "Sam Client", "--title", "Lease").exit_code == 0
    pdf = tmp_path / "t.pdf"
    assert cli("transcript", "RIV-1", "--out", pdf).exit_code == 0
    assert "found_on" not in json.loads(manifest.read(pdf))["disclosures"]


@pytest.mark.parametrize("args, phones, reason", [
    (["--custodian", "Maria"], [SAM], "--custodian 'Maria' is not a client of this archive: add them first (textfile client add 'Maria' --phone …)"),
    (["--custodian", "Sam Client", "--me", "+12025550166"], [SAM],
     "--me '+12025550166' is not one of Sam Client's numbers (+12025550143): it names the number of the phone this export came from"
     " (textfile client edit 'Sam Client' --add-phone … adds one); nothing was imported"),
    (["--custodian", "Sam Client"], [SAM, "+12025550144"],
     "Sam Client has several numbers (+12025550143, +12025550144): give --me with the number of the phone this export came from;"
     " nothing was imported"),
    (["--custodian", "Sam Client"], [],
     "Sam Client has no number in this archive: give --me with the number of the phone this export came from; nothing was imported"),
])
def test_an_unknown_custodian_or_an_unknown_phone_number_is_an_error_and_changes_nothing(cli, archive, args, phones, reason):
    assert cli("client", "add", "Sam Client", *[a for p in phones for a in ("--phone", p)], "--email", "sam@example.com").exit_code == 0
    assert cli("import", OWNER_XML).exit_code == 0
    before = snapshot(archive)
    r = cli("import", CLIENT_XML, *args)
    assert (r.exit_code, r.stderr) == (1, f"Error: {CLIENT_XML}: {reason}\n")
    assert snapshot(archive) == before
