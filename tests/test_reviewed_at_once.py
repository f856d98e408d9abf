"""A change that decides what the review reads (a client added or corrected, a conversation set aside or
taken back) reviews the archive again in its own transaction, as filing does: `status` (what cron mails)
never counts flags a later `textfile review` would change (second reader: a client added left `status`
one flag short until someone ran `review`)."""

from __future__ import annotations

import json

from conftest import ingest_records, msg


def open_flags(archive) -> list[tuple]:
    return [
        tuple(r)
        for r in archive.conn.execute(
            "SELECT f.rule, m.body, f.state FROM review_flags f JOIN messages m ON m.id = f.message_id ORDER BY f.id"
        )
    ]


def test_a_client_added_edited_or_a_conversation_set_aside_or_taken_back_is_reviewed_at_once(cli, archive):
    ingest_records(archive, [msg(1, "Can we talk?"), msg(2, "Yes, call me at 5", out=True)])
    assert open_flags(archive) == []
    r = cli("client", "add", "Sam Client", "--phone", "+12025550143")
    assert (r.exit_code, r.stdout) == (
        0,
        "Added client Sam Client (+12025550143).\nReview: 1 flag raised (textfile review).\n",
    )
    assert open_flags(archive) == [("no_consent", "Yes, call me at 5", "open")]
    assert json.loads(cli("status", "--json").stdout)["open_flags"] == {"no_consent": 1}

    r = cli("conversation", "ignore", "1", "--reason", "a test", "--force")
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[-1] == "Review: 0 flags raised, 1 open flag cleared (textfile review)."
    assert open_flags(archive) == [("no_consent", "Yes, call me at 5", "cleared")]
    assert json.loads(cli("status", "--json").stdout).get("open_flags", {}) == {}

    r = cli("conversation", "unignore", "1")
    assert (r.exit_code, r.stdout) == (
        0,
        "Conversation 1 is no longer ignored.\nReview: 0 flags raised, 1 cleared flag opened again (textfile review).\n",
    )
    assert open_flags(archive) == [("no_consent", "Yes, call me at 5", "open")]

    # the number was another's: the client corrected, the flag on a text to a stranger clears at once
    r = cli("client", "edit", "Sam Client", "--remove-phone", "+12025550143", "--add-phone", "+12025550144")
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[-1] == "Review: 0 flags raised, 1 open flag cleared (textfile review)."
    assert open_flags(archive) == [("no_consent", "Yes, call me at 5", "cleared")]
    commands = [c for (c,) in archive.conn.execute("SELECT command FROM audit_log ORDER BY id")]
    assert commands.count("review scan") == 5  # (the import's, then one for each change)


def test_a_conversation_taken_back_is_filed_by_the_automatic_rule_as_any_other(cli, archive):
    """`conversation unignore` (the way out `client add` names for a set-aside thread of a client's number) files
    it to its client's one open matter, as the client's other conversations were (second reader, round 2)."""
    ingest_records(archive, [msg(1, "About the lease")])
    assert cli("conversation", "ignore", "1", "--reason", "my dentist").exit_code == 0
    assert cli("client", "add", "Sam Client", "--phone", "+12025550143").exit_code == 0
    assert cli("matter", "open", "M-1", "--client", "Sam Client", "--title", "Lease").exit_code == 0
    assert archive.conn.execute("SELECT count(*) FROM filings").fetchone()[0] == 0  # (set aside: not filed)
    r = cli("conversation", "unignore", "1")
    assert (r.exit_code, r.stdout.splitlines()[:2]) == (
        0,
        ["Conversation 1 is no longer ignored.", "  filed conversation 1 to M-1"],
    )
    assert [tuple(f) for f in archive.conn.execute("SELECT conversation_id, matter_id, how FROM filings")] == [
        (1, 1, "auto")
    ]
    assert json.loads(cli("conversations", "--unfiled", "--json").stdout) == []


def test_a_client_renamed_is_named_so_in_the_reasons_of_open_flags(cli, archive):
    """A flag's reason names its clients ("no consent in force: Sam Client"): renamed, the reason follows at
    once, said as a reason changed (second reader, round 2: the old name stayed)."""
    ingest_records(archive, [msg(1, "Can we talk?"), msg(2, "Yes, call me at 5", out=True)])
    assert cli("client", "add", "Sam Client", "--phone", "+12025550143").exit_code == 0
    reason = "SELECT reason FROM review_flags WHERE rule = 'no_consent'"
    assert json.loads(archive.conn.execute(reason).fetchone()[0]) == {"clients": ["Sam Client"]}
    r = cli("client", "edit", "Sam Client", "--name", "Samuel Client")
    assert r.stdout.splitlines()[-1] == "Review: 0 flags raised, the reason of 1 open flag changed (textfile review)."
    assert json.loads(archive.conn.execute(reason).fetchone()[0]) == {"clients": ["Samuel Client"]}


def test_a_consent_recorded_says_what_the_review_it_ran_changed_and_when_none_is_in_force(cli, archive):
    ingest_records(archive, [msg(1, "Can we talk?"), msg(2, "Yes, call me at 5", out=True)])
    assert cli("client", "add", "Sam Client", "--phone", "+12025550143").exit_code == 0
    given = cli("client", "consent", "Sam Client", "--given", "2024-01-05", "--method", "written")
    assert given.stdout.splitlines()[-1] == "Review: 0 flags raised, 1 open flag cleared (textfile review)."
    revoked = cli("client", "consent", "Sam Client", "--revoked", "2024-03-01")
    assert revoked.stdout.splitlines()[-2:] == [
        "Sam Client: no consent to text in force (required: their texts are flagged).",
        "Review: 0 flags raised, 1 cleared flag opened again (textfile review).",
    ]
    assert "Review:" not in cli("client", "consent", "Sam Client").stdout  # (shown, nothing changed: nothing said)


def test_the_status_of_a_chat_s_assumptions_does_not_count_them_again_under_another_file_name():
    """The same chat as a .txt one week and a .zip the next: its assumptions begin with the source's name, and
    are the ones a person was shown (second reader, round 3: status mailed them as new every week)."""
    from textfile import status

    said = ": times read as wall-clock times in America/New_York (the archive's zone)"
    assert status._kind("WhatsApp Chat with Sam.txt" + said, "WhatsApp Chat with Sam.txt") == status._kind(
        "WhatsApp Chat with Sam.zip" + said, "WhatsApp Chat with Sam.zip"
    )
    assert status._kind("sms-2.xml: repaired 3 emoji", "sms-2.xml") == status._kind(
        "sms-1.xml: repaired 2 emoji", "sms-1.xml"
    )
