"""Issue 36: a text the owner never sent (a draft, a failed send, a queued one whose sending is not
confirmed) is no text the owner sent: it answers no message (`review`, `--unanswered`, the browser's
queries) and no rule about what the owner sent flags it; the flags the rules before raised on one clear
on an archive's next scan, saying why.

The messages come as an Android backup (SMS Backup & Restore) written in the test's folder, imported
through the CLI: Sam texts on Monday 11 March 2024 at 20:00 in New York (00:00 UTC on the 12th).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import ingest_records, msg

from textfile import times
from textfile.browse.queries import QUERIES, add_functions
from textfile.review import queue, response, rules, scan

NY = times.zone("America/New_York")
SAM = "+12025550143"
EIGHT_PM = 1710201600000  # Monday 2024-03-11 20:00 in New York, in ms (Android's `date`)
# Android's <sms type>: 1 received, 2 sent, 3 draft, 4 outbox, 5 failed, 6 queued; status 64: delivery failed
RECEIVED, SENT, DRAFT, OUTBOX, FAILED, QUEUED = 1, 2, 3, 4, 5, 6


def sms(minutes: int, box: int, body: str, status: int = -1) -> str:
    """An <sms> with Sam, `minutes` after 20:00."""
    return (
        f'<sms protocol="0" address="{SAM}" date="{EIGHT_PM + minutes * 60_000}" type="{box}" subject="null"'
        f' body="{body}" toa="null" sc_toa="null" service_center="null" read="1" status="{status}" locked="0"'
        f' date_sent="0" sub_id="1" readable_date="" contact_name="Sam Client" />'
    )


def backup(folder: Path, name: str, *messages: str) -> Path:
    path = folder / name
    path.write_text(
        "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n"
        f'<smses count="{len(messages)}" type="full">\n' + "\n".join(messages) + "\n</smses>\n",
        encoding="utf-8",
    )
    return path


# After Sam's message: the owner's draft, failed send, queued and outbox texts, and one sent whose
# delivery report says it failed (status 64): none of them went out, or is known to have.
NEVER_SENT = (
    sms(5, DRAFT, "Will call you first thing"),
    sms(10, FAILED, "Call me now"),
    sms(15, QUEUED, "Calling in a minute"),
    sms(20, OUTBOX, "On my way", status=32),
    sms(25, SENT, "Are you there?", status=64),
)


@pytest.fixture
def sam(cli):
    assert cli("client", "add", "Sam Client", "--phone", "(202) 555-0143").exit_code == 0


def imported(cli, path: Path) -> None:
    r = cli("import", str(path))
    assert r.exit_code == 0, r.output


def rows(archive) -> list[tuple]:
    """Every flag, in message order: its message's number and text, rule, reason, state, who decided and the note."""
    return [
        (f.number, f.body, f.rule, f.reason, f.state, f.decided_by, f.note)
        for f in queue.flags(archive.conn, states=queue.STATES, tz=NY)
    ]


def browsed(archive_path: Path, name: str, **params) -> list[dict]:
    """A canned query's rows, as `textfile browse` gives them (read-only, textfile's functions)."""
    conn = sqlite3.connect(f"file:{archive_path}?mode=ro", uri=True)
    try:
        add_functions(conn)
        cursor = conn.execute(QUERIES[name]["sql"], {"matter": "", "within": ""} | params)
        return [dict(zip([c[0] for c in cursor.description], row)) for row in cursor.fetchall()]
    finally:
        conn.close()


def message_id(archive, body: str) -> str:
    return archive.conn.execute("SELECT id FROM messages WHERE body = ?", (body,)).fetchone()[0]


def test_a_draft_a_failed_or_a_queued_text_answers_no_message(archive, archive_path, cli, sam, tmp_path):
    imported(cli, backup(tmp_path, "sms-1.xml", sms(0, RECEIVED, "The court date is tomorrow, help"), *NEVER_SENT))

    unanswered = cli("review", "--unanswered", "--within", "24h", "--json")
    assert unanswered.exit_code == 0, unanswered.output
    [flag] = json.loads(unanswered.stdout)["flags"]
    assert flag.pop("waiting_s") > 0 and flag.pop("raised_at")
    assert flag == {
        "id": 1,
        "rule": "deadlines",
        "why": "deadlines: court",
        "reason": {"terms": ["court"]},
        "state": "open",
        "conversation": 1,
        "message_id": message_id(archive, "The court date is tomorrow, help"),
        "number": "1.1",
        "sent_at": "2024-03-12T00:00:00.000Z",
        "direction": "in",
        "sender": "Sam Client",
        "body": "The court date is tomorrow, help",
        "decided_at": None,
        "decided_by": None,
        "note": None,
        "outside_hours": None,
        "notice_before_hours": None,
        "response": None,
        "context": [],
        "time_precision": None,
    }
    listed = cli("review")
    [line] = [line for line in listed.stdout.splitlines() if "#1.1 " in line]
    assert "none yet (" in line and "text after" not in line, listed.stdout
    [row] = browsed(archive_path, "open_review_flags")
    assert (row["Message"], row["Response"], row["Responded (UTC)"], row["Response message"]) == (
        "#1.1",
        "none yet",
        "",
        "",
    )
    assert [r["Message"] for r in browsed(archive_path, "unanswered_escalations", within="24h")] == ["#1.1"]

    # the text that went out an hour later is the response, past the five before it
    imported(cli, backup(tmp_path, "sms-2.xml", sms(60, SENT, "Sorry, here now")))
    [flag] = json.loads(cli("review", "--rule", "deadlines", "--json").stdout)["flags"]
    assert flag["response"] == {
        "at": "2024-03-12T01:00:00.000Z",
        "how": "text",
        "message_id": message_id(archive, "Sorry, here now"),
        "after_s": 3600,
        "outside_hours": None,
        "duration_s": None,
        "number": "1.7",
    }
    assert json.loads(cli("review", "--unanswered", "--within", "24h", "--json").stdout)["flags"] == []
    [row] = [r for r in browsed(archive_path, "open_review_flags") if r["Message"] == "#1.1"]
    assert (row["Response"], row["Responded (UTC)"], row["Response message"]) == (
        "text after 1 h 00 min",
        "2024-03-12T01:00:00.000Z",
        "#1.7",
    )


def test_no_rule_about_what_the_owner_sent_flags_a_text_never_sent_and_the_same_text_sent_is_flagged(
    archive, cli, sam, tmp_path
):
    """Working hours, a STOP, no consent on record, a minor client, a content limit: each text of the owner's
    that never went out is flagged by none; the one sent, by each."""
    assert cli("settings", "--hours", "Mon-Fri 09:00-18:00").exit_code == 0
    assert cli("client", "minor", "Sam Client").exit_code == 0
    imported(
        cli,
        backup(
            tmp_path,
            "sms.xml",
            sms(0, RECEIVED, "STOP"),
            *(m.replace('body="', 'body="Your diagnosis: ') for m in NEVER_SENT),
            sms(30, SENT, "Your diagnosis: ready"),
        ),
    )
    stop = {"at": "2024-03-12T00:00:00.000Z", "handle": SAM, "keyword": "STOP", "opt_out": message_id(archive, "STOP")}
    sent = ("1.7", "Your diagnosis: ready")
    assert rows(archive) == [
        ("1.1", "STOP", "after_hours_in", {"local": "2024-03-11T20:00-04:00"}, "open", None, None),
        ("1.1", "STOP", "minor", {"clients": ["Sam Client"]}, "open", None, None),
        ("1.1", "STOP", "opt_out", {"change": "out", "handle": SAM, "keyword": "STOP"}, "open", None, None),
        (*sent, "after_hours_out", {"local": "2024-03-11T20:30-04:00"}, "open", None, None),
        (*sent, "after_opt_out", stop, "open", None, None),
        (*sent, "content_limits", {"terms": ["diagnosis"]}, "open", None, None),
        (*sent, "minor", {"clients": ["Sam Client"]}, "open", None, None),
        (*sent, "no_consent", {"clients": ["Sam Client"]}, "open", None, None),
    ]


def test_an_imessage_that_failed_has_only_the_flag_and_is_not_flagged(archive, cli, sam):
    ingest_records(
        archive,
        [
            replace(msg(1, "Your lease is ready", out=True, flags=frozenset({"failed"})), service="iMessage"),
            replace(msg(2, "Your lease is ready (again)", out=True), service="iMessage"),
        ],
    )
    assert rows(archive) == [
        ("1.2", "Your lease is ready (again)", "no_consent", {"clients": ["Sam Client"]}, "open", None, None)
    ]


def old_rules(monkeypatch) -> None:
    """The rules before issue 36: every outgoing text read as sent, and as a response."""
    monkeypatch.setattr(rules, "SAID", "m.direction IN ('in', 'out')")
    monkeypatch.setattr(rules, "TEXT", f"m.kind = 'message' AND m.direction IN ('in', 'out') AND {rules.NOT_ASIDE}")
    monkeypatch.setattr(response, "sent", lambda o: "1")
    monkeypatch.setattr(scan, "RULES", "before issue 36")


def test_the_flags_the_old_rules_raised_on_texts_never_sent_clear_on_the_next_scan(
    archive, cli, sam, tmp_path, monkeypatch
):
    """An archive the rules before issue 36 scanned: its open flags on texts never sent are cleared by the next
    scan (which reads every message again), each saying why, in one audit entry; a person's decision stands;
    the message the draft seemed to answer is unanswered again."""
    assert cli("settings", "--hours", "Mon-Fri 09:00-18:00").exit_code == 0
    with monkeypatch.context() as before:
        old_rules(before)
        imported(cli, backup(tmp_path, "sms.xml", sms(0, RECEIVED, "The court date is tomorrow, help"), *NEVER_SENT))
        assert json.loads(cli("review", "--unanswered", "--within", "24h", "--json").stdout)["flags"] == []
        acked = next(
            f.id for f in queue.flags(archive.conn, tz=NY) if (f.body, f.rule) == ("Call me now", "no_consent")
        )
        assert cli("review", "ack", str(acked), "--note", "called Sam instead", "--by", "Alex Owner").exit_code == 0
        assert len(rows(archive)) == 2 + 2 * 5  # (Sam's message's two; each text never sent: after hours, no consent)

    listed = cli("review", "--json")

    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.stdout)["scan"] == {
        "raised": {},
        "reopened": {},
        "cleared": {"after_hours_out": 5, "no_consent": 4},
        "reasons_changed": {},
        "opt_changes": 0,
        "read": 0,
        "full": ["consent", "hours", "lexicon", "opt_outs"],
    }
    draft, failed, queued = (
        "cleared by a scan: it is a draft, never sent",
        "cleared by a scan: it is a failed send, not delivered",
        "cleared by a scan: it is a queued text whose sending is not confirmed",
    )
    hours, consent = "after_hours_out", "no_consent"
    clients = {"clients": ["Sam Client"]}
    assert rows(archive) == [
        (
            "1.1",
            "The court date is tomorrow, help",
            "after_hours_in",
            {"local": "2024-03-11T20:00-04:00"},
            "open",
            None,
            None,
        ),
        ("1.1", "The court date is tomorrow, help", "deadlines", {"terms": ["court"]}, "open", None, None),
        ("1.2", "Will call you first thing", hours, {"local": "2024-03-11T20:05-04:00"}, "cleared", "textfile", draft),
        ("1.2", "Will call you first thing", consent, clients, "cleared", "textfile", draft),
        ("1.3", "Call me now", hours, {"local": "2024-03-11T20:10-04:00"}, "cleared", "textfile", failed),
        ("1.3", "Call me now", consent, clients, "reviewed", "Alex Owner", "called Sam instead"),
        ("1.4", "Calling in a minute", hours, {"local": "2024-03-11T20:15-04:00"}, "cleared", "textfile", queued),
        ("1.4", "Calling in a minute", consent, clients, "cleared", "textfile", queued),
        ("1.5", "On my way", hours, {"local": "2024-03-11T20:20-04:00"}, "cleared", "textfile", queued),
        ("1.5", "On my way", consent, clients, "cleared", "textfile", queued),
        ("1.6", "Are you there?", hours, {"local": "2024-03-11T20:25-04:00"}, "cleared", "textfile", failed),
        ("1.6", "Are you there?", consent, clients, "cleared", "textfile", failed),
    ]
    (entry,) = archive.conn.execute(
        "SELECT details FROM audit_log WHERE command = 'review scan' ORDER BY id DESC LIMIT 1"
    ).fetchone()
    assert {k: v for k, v in json.loads(entry).items() if k in ("cleared", "full", "raised")} == {
        "cleared": {"after_hours_out": 5, "no_consent": 4},
        "full": ["consent", "hours", "lexicon", "opt_outs"],
        "raised": {},
    }
    assert [
        f["number"] for f in json.loads(cli("review", "--unanswered", "--within", "24h", "--json").stdout)["flags"]
    ] == [
        "1.1",
        "1.1",
    ]
    # read once: the next scan reads nothing again
    assert json.loads(cli("review", "--json").stdout)["scan"]["full"] == []


def test_a_text_a_later_backup_finds_failed_is_cleared_and_one_it_finds_sent_is_flagged(archive, cli, sam, tmp_path):
    imported(cli, backup(tmp_path, "sms-1.xml", sms(5, SENT, "Call me"), sms(10, QUEUED, "On my way")))
    assert rows(archive) == [("1.1", "Call me", "no_consent", {"clients": ["Sam Client"]}, "open", None, None)]

    imported(cli, backup(tmp_path, "sms-2.xml", sms(5, FAILED, "Call me"), sms(10, SENT, "On my way")))

    assert rows(archive) == [
        (
            "1.1",
            "Call me",
            "no_consent",
            {"clients": ["Sam Client"]},
            "cleared",
            "textfile",
            "cleared by a scan: it is a failed send, not delivered",
        ),
        ("1.2", "On my way", "no_consent", {"clients": ["Sam Client"]}, "open", None, None),
    ]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")
def test_the_review_report_says_a_message_answered_only_by_texts_never_sent_has_no_response(cli, sam, tmp_path):
    imported(cli, backup(tmp_path, "sms.xml", sms(0, RECEIVED, "The court date is tomorrow, help"), *NEVER_SENT))

    made = cli("review", "--rule", "deadlines", "--pdf", str(tmp_path / "report.pdf"))

    assert made.exit_code == 0, made.output
    text = " ".join(
        subprocess.run(
            ["pdftotext", str(tmp_path / "report.pdf"), "-"], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    section = text.split("Flag 1: ", 1)[1]
    assert "No response yet: " in section and "Response: " not in section, section
    assert (
        "the response is the first, after it, of: a text the owner sent in that conversation (not a draft, a failed"
        " send, or a queued text whose sending is not confirmed: the client may never have had it), or a call"
    ) in text
    assert (
        "Of the owner's texts, only those that went out are read: a draft or a failed send never went out, and a"
        " queued text's sending is not confirmed, so none of them is flagged as a text the owner sent (it proves no"
        " breach) or taken as a response."
    ) in text
