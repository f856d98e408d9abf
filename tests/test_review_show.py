"""`review show` says what the transcript says of each message around a flag (a draft is a draft), an
outgoing text after hours as sent, not received; a listing narrowed to a client counts the whole
archive's open flags as the whole archive's (second reader's findings, stop 36)."""

from __future__ import annotations

import json

from test_review_unsent import DRAFT, FAILED, RECEIVED, SENT, backup, sms


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
    assert everything[-2].startswith("Open flags: ")
    assert narrowed[-2] == "Open flags in the whole archive: " + everything[-2][len("Open flags: ") :]
