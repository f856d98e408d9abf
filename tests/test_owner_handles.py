"""`settings --add-phone / --add-email`: a number or email of the owner's that `init` was not given (a work phone)
is added to theirs, audited, and imports from then on count it as theirs; one already theirs, a client's, or
another person's in an archived conversation is refused, the archive unchanged. What was archived before keeps
its sender until an export imported again says otherwise (a new version, the earlier kept)."""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURES, snapshot

SMS = FIXTURES / "android" / "sms-20240301.xml"
WORK = "+1 202 555 0101"


def senders_of_sent(archive) -> list[tuple]:
    return [
        tuple(r)
        for r in archive.conn.execute(
            "SELECT p.handle, p.is_owner, count(*) FROM messages m JOIN participants p ON p.id = m.sender_id"
            " WHERE m.direction = 'out' GROUP BY p.handle, p.is_owner ORDER BY 1"
        )
    ]


def test_a_number_added_is_the_owners_shown_and_audited(cli, archive):
    r = cli("settings", "--add-phone", WORK, "--add-email", "Alex.Work@Example.com")

    assert (r.exit_code, r.stderr) == (0, "")
    assert r.stdout.splitlines()[:3] == [
        "Added +12025550101, alex.work@example.com to yours: imports from now on count them as yours. Messages"
        " already archived keep the sender they were archived with until their export is imported again (an"
        " iMessage database naming it, an Android backup with --me NUMBER): each then a new version, the earlier"
        " kept.",
        "Owner: Alex Owner; zone America/New_York; region US; Bates prefix TF.",
        "Your numbers and emails: +12025550100, +12025550101, alex.work@example.com, alex@example.com.",
    ]
    assert [tuple(h) for h in archive.conn.execute("SELECT handle, kind FROM owner_handles ORDER BY 1")] == [
        ("+12025550100", "phone"),
        ("+12025550101", "phone"),
        ("alex.work@example.com", "email"),
        ("alex@example.com", "email"),
    ]
    [entry] = [e for e in json.loads(cli("log", "--json").stdout) if e["command"] == "settings"]
    assert entry["details"]["owner_handles_added"] == ["+12025550101", "alex.work@example.com"]
    assert sorted(entry["details"]["records"]) == ["owner_handles"]
    assert json.loads(cli("settings", "--json").stdout)["owner_handles"] == [
        "+12025550100",
        "+12025550101",
        "alex.work@example.com",
        "alex@example.com",
    ]
    assert cli("verify").exit_code == 0


@pytest.mark.parametrize(
    "args, error",
    [
        (("--add-phone", "+1 (202) 555-0100"), "Error: +12025550100 is already one of your phones"),
        (("--add-phone", WORK, "--add-phone", "2025550101"), "Error: +12025550101 is given twice"),
        (("--add-phone", "+1 202 555 0143"), "Error: +12025550143 is a handle of client Sam Client, not yours"),
        (
            ("--add-phone", "+1 202 555 0178"),
            "Error: +12025550178 is another person in archived conversations 2, 4, 5: it cannot be made yours (what"
            " was archived of them stays theirs); if that is your own thread with it, set it aside first (textfile"
            " conversation ignore 2)",
        ),
        (("--add-phone", "not a number"), None),
        # (refused with the rest of what was asked: a bad --hours adds no handle, review-of-the-change #2)
        (("--add-phone", "+1 202 555 0199", "--hours", "garbage"), None),
    ],
)
def test_a_handle_that_is_not_the_owners_to_add_is_refused_and_nothing_changes(cli, archive, args, error):
    assert cli("client", "add", "Sam Client", "--phone", "+12025550143").exit_code == 0
    assert cli("import", SMS, "--quiet").exit_code == 0
    before = snapshot(archive)

    r = cli("settings", *args)

    assert r.exit_code == 1
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ")
    if error is not None:
        assert lines == [error]
    assert snapshot(archive) == before


def test_the_work_phones_texts_go_to_its_number_once_it_is_the_owners(cli, archive):
    """Imported with --me naming a number the archive did not know: attributed to the archive's number (said);
    once the number is added, the same backup imported again attributes them to it, each a new version."""
    first = cli("import", SMS, "--me", WORK)
    assert first.exit_code == 0
    assert (
        "  assumed: --me '+1 202 555 0101' (+12025550101) is not one of the archive's own numbers or emails: it counts"
        " as yours, but what this phone sent is attributed to the archive's number +12025550100 (textfile settings"
        " --add-phone +12025550101 makes it one of yours; import the backup again then)"
    ) in first.stdout.splitlines()
    assert senders_of_sent(archive) == [("+12025550100", 1, 7)]

    assert cli("settings", "--add-phone", WORK, "--quiet").exit_code == 0
    again = cli("import", SMS, "--me", WORK)

    assert again.exit_code == 0, again.output
    assert (
        "  assumed: this phone's number is +12025550101, as --me says (the owner's numbers are +12025550100,"
        " +12025550101): what it sent is attributed to it"
    ) in again.stdout.splitlines()
    # (an MMS that names its sender keeps it: the fixture's name +12025550100 as the phone's own)
    assert senders_of_sent(archive) == [("+12025550100", 1, 1), ("+12025550101", 1, 6)]
    versions = archive.conn.execute(
        "SELECT count(*) FROM message_versions v JOIN messages m ON m.id = v.message_id WHERE m.direction = 'out'"
    ).fetchone()[0]
    assert versions == 6
    assert cli("verify").exit_code == 0


def test_a_number_only_threads_set_aside_hold_as_another_person_can_be_made_the_owners(cli, archive):
    """The owner texted their own work phone: that thread holds the number as another person. Set aside (no client's
    record), it no longer keeps the number from being theirs; the thread stays as archived."""
    assert cli("import", SMS, "--quiet").exit_code == 0
    for conversation in ("2", "4"):
        assert cli("conversation", "ignore", conversation, "--reason", "my own work phone").exit_code == 0
    refused = cli("settings", "--add-phone", "+1 202 555 0178")
    assert refused.stderr.startswith("Error: +12025550178 is another person in archived conversation 5: ")
    assert cli("conversation", "ignore", "5", "--reason", "my own work phone").exit_code == 0
    before = [tuple(r) for r in archive.conn.execute("SELECT * FROM participants ORDER BY id")]

    r = cli("settings", "--add-phone", "+1 202 555 0178")

    assert (r.exit_code, r.stderr) == (0, "")
    assert "+12025550178" in json.loads(cli("settings", "--json").stdout)["owner_handles"]
    assert [tuple(r) for r in archive.conn.execute("SELECT * FROM participants ORDER BY id")] == before
    assert cli("verify").exit_code == 0


def test_me_naming_a_number_not_the_owners_is_said_once_without_contradiction(cli, archive, tmp_path):
    """A backup whose MMS name no number of the phone's, read with --me naming a number not the owner's: the owner's
    only number is taken, and the line says --me named none of theirs (not that --me named nothing)."""
    backup = tmp_path / "sms-work.xml"
    backup.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<smses count="1">\n'
        '<sms address="+12025550143" date="1709312400000" type="2" body="On my way" read="1" status="-1" />\n'
        "</smses>\n",
        encoding="utf-8",
    )
    r = cli("import", backup, "--me", WORK)
    assert r.exit_code == 0, r.output
    assert [line for line in r.stdout.splitlines() if line.startswith("  assumed: ")] == [
        "  assumed: --me '+1 202 555 0101' (+12025550101) is not one of the archive's own numbers or emails: it counts"
        " as yours, but what this phone sent is attributed to the archive's number +12025550100 (textfile settings"
        " --add-phone +12025550101 makes it one of yours; import the backup again then)",
        "  assumed: this phone's number is taken to be +12025550100, the owner's only number in the archive, and what"
        " it sent is attributed to it: no MMS of this backup names the phone's own number, and --me names none of"
        " the owner's",
    ]


def test_an_ignored_handle_is_not_made_the_owners(cli, archive):
    """`handle ignore` refuses one of the owner's handles; `settings --add-phone` refuses an ignored one the same way,
    naming the way out (review of the change, #5)."""
    assert cli("handle", "ignore", "+1 202 555 0199", "--reason", "spam").exit_code == 0
    before = snapshot(archive)
    r = cli("settings", "--add-phone", "+1 202 555 0199")
    assert r.exit_code == 1
    [line] = r.stderr.splitlines()
    assert line.startswith("Error: +12025550199 is an ignored handle (") and line.endswith(
        "), and your own handle is never ignored: stop ignoring it first (textfile handle unignore +12025550199)"
    )
    assert snapshot(archive) == before
