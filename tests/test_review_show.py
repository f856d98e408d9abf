"""`review show` says what the transcript says of each message around a flag (a draft is a draft), an
outgoing text after hours as sent, not received; a listing narrowed to a client counts the whole
archive's open flags as the whole archive's (second reader's findings, stop 36)."""

from __future__ import annotations

import json
import os
import re
import time

from test_review_unsent import DRAFT, FAILED, RECEIVED, SENT, backup, old_rules, sms


def test_review_show_marks_the_texts_around_a_flag_and_says_an_outgoing_text_was_sent_after_hours(cli, tmp_path):
    assert cli("settings", "--hours", "Mon-Fri 09:00-18:00").exit_code == 0
    assert cli("client", "add", "Sam Client", "--phone", "(202) 555-0143").exit_code == 0
    path = backup(
        tmp_path,
        "sms-week.xml",
        sms(0, RECEIVED, "The court date is tomorrow, help"),
        sms(5, DRAFT, "Will call you first thing"),
        sms(10, FAILED, "Call me now"),
        sms(15, SENT, "Calling you now"),
    )
    assert cli("import", path, "--quiet").exit_code == 0
    listed = cli("review", "--json")
    flags = {(f["rule"], f["number"]): f["id"] for f in json.loads(listed.stdout)["flags"]}
    shown = cli("review", "show", str(flags[("deadlines", "1.1")])).stdout.splitlines()
    assert shown[1:5] == [  # (two messages either side)
        "> #1.1 2024-03-11 20:00:00 -04:00 Sam Client: The court date is tomorrow, help",
        "  #1.2 2024-03-11 20:05:00 -04:00 me [DRAFT (never sent)]: Will call you first thing",
        "  #1.3 2024-03-11 20:10:00 -04:00 me [FAILED (not delivered)]: Call me now",
        "Response: text after 15 min, after hours",
    ]
    sent = cli("review", "show", str(flags[("after_hours_out", "1.4")])).stdout.splitlines()
    assert sent[-1] == "Sent outside working hours"
    assert "Received outside working hours" not in "\n".join(sent)
    received = cli("review", "show", str(flags[("after_hours_in", "1.1")])).stdout.splitlines()
    assert received[-1] == "Received outside working hours; a text went out before hours began again"

    everything = cli("review").stdout.splitlines()
    narrowed = cli("review", "--client", "Sam Client", "--rule", "deadlines").stdout.splitlines()
    # (each rule's name before its count, as `status` says them: not "1 deadlines")
    assert everything[-2] == "Open flags: 4 (after_hours_in: 1, after_hours_out: 1, deadlines: 1, no_consent: 1)."
    assert narrowed[-2] == "Open flags in the whole archive: " + everything[-2][len("Open flags: ") :]


def test_a_weekly_run_that_imports_nothing_still_reviews_the_archive_as_it_stands(
    cli, archive, archive_path, tmp_path, monkeypatch
):
    """A newer textfile's rules reach an archive on the next weekly run, whatever it imports: the flags the
    rules before issue 36 raised on a draft clear there, the log says so, and `status` (what cron mails)
    counts none (second reader, round 2: the run imported nothing and status kept mailing them)."""
    assert cli("client", "add", "Sam Client", "--phone", "(202) 555-0143").exit_code == 0
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    backup(inbox, "sms-1.xml", sms(0, RECEIVED, "See you at the hearing"), sms(5, DRAFT, "Will call you first"))
    os.utime(inbox / "sms-1.xml", (time.time() - 7200, time.time() - 7200))
    with monkeypatch.context() as before:
        old_rules(before)
        assert cli("archive", inbox, "--out", out, "--mkdir", "--quiet").exit_code == 0
        assert json.loads(cli("status", "--json").stdout)["open_flags"] == {"deadlines": 1, "no_consent": 1}
    r = cli("archive", inbox, "--out", out)
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0].startswith("archive ") and " 0 imported, 1 already archived," in lines[0]
    assert "  review of the archive as it stands: flags cleared 1 (no_consent: 1): textfile review" in lines
    assert json.loads(cli("status", "--json").stdout)["open_flags"] == {"deadlines": 1}
    again = cli("archive", inbox, "--out", out).stdout.splitlines()  # (nothing changed since: nothing said)
    assert not [line for line in again if line.startswith("  review")]


def test_review_show_lists_every_decision_made_on_a_flag(cli, tmp_path, monkeypatch):
    """Second reader, round 15: after an ack and a reopen, `review show` said only "open": the ack, its note and the
    reopen's reason were in `review_decisions` (and as hashes in the audit log), and shown nowhere."""
    monkeypatch.setenv("LOGNAME", "paralegal3")
    assert cli("client", "add", "Sam Client", "--phone", "(202) 555-0143").exit_code == 0
    assert (
        cli("import", backup(tmp_path, "sms-week.xml", sms(0, RECEIVED, "The court date is tomorrow")), "-q").exit_code
        == 0
    )
    [flag] = [f["id"] for f in json.loads(cli("review", "--json").stdout)["flags"] if f["rule"] == "deadlines"]
    assert cli("review", "show", str(flag)).stdout.splitlines()[1].startswith("> #1.1")  # (no decision: none listed)
    assert cli("review", "ack", str(flag), "--note", "wrong flag", "--by", "Dr Lee").exit_code == 0
    assert cli("review", "reopen", str(flag), "--reason", "acked the wrong flag").exit_code == 0
    shown = cli("review", "show", str(flag)).stdout.splitlines()
    assert [re.sub(r" on \d{4}-\d\d-\d\d \d\d:\d\d:\d\d [-+]\d\d:\d\d", "", line) for line in shown[1:4]] == [
        "  Decisions, oldest first:",
        "    reviewed by Dr Lee, entered by paralegal3: wrong flag",
        "    reopened by paralegal3: acked the wrong flag",
    ]
    history = json.loads(cli("review", "show", str(flag), "--json").stdout)["history"]
    assert [(d["state"], d["note"], d["by"], d["entered_by"]) for d in history] == [
        ("reviewed", "wrong flag", "Dr Lee", "paralegal3"),
        ("open", "acked the wrong flag", "paralegal3", "paralegal3"),
    ]
