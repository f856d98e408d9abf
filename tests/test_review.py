"""Issue 18: the review scan and queue: flags raised once, opt-outs, consent, working hours across DST,
responses by text or call, decisions audited, state kept over re-imports and the weekly run."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from contextlib import closing
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from conftest import SAM_CHAT, ingest_records, msg

from textfile import audit, times
from textfile.fingerprint import sha256_text
from textfile.review import queue, scan, settings

NY = times.zone("America/New_York")


def at(n: int, when: str, body: str, out: bool = False, **extra):
    """Message n, sent at `when` (UTC, "2024-03-08T13:30")."""
    return replace(msg(n, body, out=out, **extra), sent_at=datetime.fromisoformat(when).replace(tzinfo=UTC))


def call(n: int, when: str, out: bool, status: str, duration: int = 0):
    return replace(
        msg(n, "", out=out, kind="call", status=status, duration_s=duration),
        sent_at=datetime.fromisoformat(when).replace(tzinfo=UTC),
        service="Phone",
    )


def flags(archive, **filters) -> list[tuple]:
    """(rule, message number, state, reason) of each flag, in message order."""
    found = queue.flags(archive.conn, states=queue.STATES, tz=NY, **filters)
    return [(f.rule, f.number, f.state, f.reason) for f in found]


def rescan(archive):
    with archive.transaction() as conn:
        return scan.scan(conn, NY)


@pytest.fixture
def sam(cli):
    """Sam Client, whose number is SAM_CHAT's, with matter M-1."""
    assert cli("client", "add", "Sam Client", "--phone", "+12025550143").exit_code == 0
    assert cli("matter", "open", "M-1", "--client", "Sam Client", "--title", "Lease").exit_code == 0


def test_an_import_raises_each_flag_once_and_a_second_import_raises_none(archive):
    records = [
        msg(1, "The hearing is Friday, and the DEADLINE for the motion is Monday"),
        msg(2, "Noted", out=True),
        msg(3, "I timed the stopwatch"),
        msg(4, "They arrested my brother"),
    ]
    first = ingest_records(archive, records)
    assert first.flags == {"arrest": 1, "deadlines": 1}
    assert flags(archive) == [
        ("deadlines", "1.1", "open", {"terms": ["deadline", "hearing", "motion"]}),
        ("arrest", "1.4", "open", {"terms": ["arrested"]}),
    ]
    again = ingest_records(archive, records, name="sms-test-again.xml")
    assert again.flags == {}
    assert rescan(archive).changed is False
    assert len(flags(archive)) == 2


def test_stop_flags_later_texts_to_that_number_and_start_ends_it(archive):
    ingest_records(
        archive,
        [
            msg(1, "Reminder: appointment Monday", out=True),
            msg(2, " Stop "),  # the whole message, spaces and case aside
            msg(3, "Sorry, one last thing", out=True),
            msg(4, "please stop texting me"),  # not the keyword alone: no opt-out
            msg(5, "START"),
            msg(6, "Welcome back", out=True),
        ],
    )
    assert flags(archive) == [
        ("opt_out", "1.2", "open", {"change": "out", "handle": "+12025550143", "keyword": "STOP"}),
        (
            "after_opt_out",
            "1.3",
            "open",
            {
                "at": "2024-03-01T12:02:00.000Z",
                "handle": "+12025550143",
                "keyword": "STOP",
                "opt_out": archive.conn.execute("SELECT id FROM messages WHERE body = ' Stop '").fetchone()[0],
            },
        ),
        ("opt_out", "1.5", "open", {"change": "in", "handle": "+12025550143", "keyword": "START"}),
    ]
    assert [tuple(r) for r in archive.conn.execute("SELECT handle, change, keyword FROM opt_outs ORDER BY at")] == [
        ("+12025550143", "out", "STOP"),
        ("+12025550143", "in", "START"),
    ]


def test_an_earlier_export_bringing_a_stop_reaches_the_texts_already_archived(archive):
    ingest_records(archive, [msg(3, "Are you there?", out=True)])
    assert flags(archive) == []
    ingest_records(archive, [msg(2, "STOP")], name="older.xml")
    assert [(r, n) for r, n, _, _ in flags(archive)] == [("opt_out", "1.1"), ("after_opt_out", "1.2")]


def test_texts_to_a_client_without_consent_are_flagged_until_consent_and_again_after_it_is_revoked(archive, cli, sam):
    ingest_records(
        archive,
        [
            at(1, "2024-03-01T15:00", "Hi, it's Alex", out=True),
            at(2, "2024-03-05T15:00", "Your lease is ready", out=True),
        ],
    )
    assert [(r, n, s) for r, n, s, _ in flags(archive)] == [
        ("no_consent", "1.1", "open"),
        ("no_consent", "1.2", "open"),
    ]
    r = cli("client", "consent", "Sam Client", "--given", "2024-03-01", "--method", "written", "--scope", "scheduling")
    assert r.exit_code == 0, r.output
    assert [(n, s) for _, n, s, _ in flags(archive)] == [("1.1", "cleared"), ("1.2", "cleared")]
    r = cli("client", "consent", "Sam Client", "--revoked", "2024-03-03")
    assert r.exit_code == 0, r.output
    assert [(n, s) for _, n, s, _ in flags(archive)] == [
        ("1.1", "cleared"),
        ("1.2", "open"),
    ]  # the same flag, opened again
    history = json.loads(cli("client", "consent", "Sam Client", "--json").stdout)
    assert {k: history["consents"][0][k] for k in ("client", "given_at", "method", "scope", "revoked_at")} == {
        "client": "Sam Client",
        "given_at": "2024-03-01T05:00:00.000Z",
        "method": "written",
        "scope": "scheduling",
        "revoked_at": "2024-03-03T05:00:00.000Z",
    }
    entries = [e["command"] for e in json.loads(cli("log", "--json").stdout)]
    assert "client consent" in entries and "client consent revoked" in entries


def test_a_consent_document_is_kept_with_its_sha256(archive, cli, sam, tmp_path):
    doc = tmp_path / "consent.pdf"
    doc.write_bytes(b"%PDF-1.4 signed")
    r = cli("client", "consent", "Sam Client", "--given", "2024-01-02", "--method", "text", "--doc", doc, "--json")
    assert r.exit_code == 0, r.output
    consent = json.loads(r.stdout)["consents"][0]
    import hashlib

    sha = hashlib.sha256(b"%PDF-1.4 signed").hexdigest()
    assert (consent["document"], consent["document_sha256"]) == ("consent.pdf", sha)
    assert archive.conn.execute("SELECT data FROM blobs WHERE sha256 = ?", (sha,)).fetchone()[0] == b"%PDF-1.4 signed"


def test_consent_refuses_what_does_not_make_sense(cli, sam):
    assert cli("client", "consent", "Sam Client", "--given", "2024-01-02").stderr.startswith(
        "Error: say how the client consented"
    )
    assert cli("client", "consent", "Sam Client", "--revoked", "2024-01-02").stderr == (
        "Error: client 'Sam Client' has no consent on record to revoke\n"
    )
    r = cli("client", "consent", "Sam Client", "--given", "2024-01-02", "--method", "carrier pigeon")
    assert (r.exit_code, r.stderr) == (1, "Error: not a consent method: 'carrier pigeon' (written, verbal or text)\n")
    # revoked already: a second --revoked (to mend the date) says how (second reader, round 15)
    assert cli("client", "consent", "Sam Client", "--given", "2024-01-02", "--method", "text").exit_code == 0
    assert cli("client", "consent", "Sam Client", "--revoked", "2024-02-02").exit_code == 0
    assert cli("client", "consent", "Sam Client", "--revoked", "2024-02-05").stderr == (
        "Error: client 'Sam Client' has no consent in force to revoke: consent 1 was revoked on 2024-02-02 00:00:00"
        " -05:00; to correct that date, withdraw it as recorded by mistake (textfile client consent 'Sam Client'"
        " --withdraw 1 --reason TEXT), record it again with --given, and revoke it on the right date\n"
    )


def test_consent_not_required_raises_no_such_flag(archive, cli, sam):
    ingest_records(archive, [msg(1, "Hi", out=True)])
    assert [r for r, *_ in flags(archive)] == ["no_consent"]
    assert cli("settings", "--no-consent-required").exit_code == 0
    assert [(r, s) for r, _, s, _ in flags(archive)] == [("no_consent", "cleared")]


def test_after_hours_is_judged_by_the_wall_clock_across_a_dst_change(archive, cli):
    assert cli("settings", "--hours", "Mon-Fri 09:00-18:00").exit_code == 0
    ingest_records(
        archive,
        [
            at(1, "2024-03-08T13:30", "Friday 08:30 EST"),  # before hours
            at(2, "2024-03-08T14:30", "Friday 09:30 EST"),
            at(3, "2024-03-11T12:30", "Monday 08:30 EDT"),  # 12:30Z was 07:30 the week before: still before
            at(4, "2024-03-11T13:30", "Monday 09:30 EDT"),  # 13:30Z: before hours last week, within them now
            at(5, "2024-03-11T22:30", "Monday 18:30 EDT", out=True),
        ],
    )
    assert flags(archive) == [
        ("after_hours_in", "1.1", "open", {"local": "2024-03-08T08:30-05:00"}),
        ("after_hours_in", "1.3", "open", {"local": "2024-03-11T08:30-04:00"}),
        ("after_hours_out", "1.5", "open", {"local": "2024-03-11T18:30-04:00"}),
    ]


def test_a_notice_before_hours_began_again_is_said(archive, cli):
    assert cli("settings", "--hours", "Mon-Fri 09:00-18:00").exit_code == 0
    ingest_records(
        archive,
        [
            at(1, "2024-03-09T02:00", "Friday 21:00: urgent"),
            at(2, "2024-03-09T02:05", "Got it, I'll call you Monday morning", out=True),
            at(3, "2024-03-09T03:00", "Friday 22:00: another"),
            at(4, "2024-03-11T14:00", "Monday 10:00", out=True),
        ],
    )
    found = {f.number: f for f in queue.flags(archive.conn, rules=["after_hours_in"], tz=NY)}
    assert (found["1.1"].notice_before_hours, found["1.3"].notice_before_hours) == (True, False)
    assert (found["1.3"].response.how, found["1.3"].response.after_s, found["1.3"].response.outside_hours) == (
        "text",
        (2 * 24 + 11) * 3600,
        False,
    )


def test_a_call_is_a_response_but_a_missed_one_is_not(archive):
    ingest_records(
        archive,
        [
            at(1, "2024-03-01T15:00", "The police are here"),
            call(2, "2024-03-01T15:05", out=False, status="missed"),
            call(3, "2024-03-01T15:20", out=True, status="outgoing", duration=185),
            at(4, "2024-03-01T16:00", "Thanks for calling", out=True),
        ],
    )
    [flag] = queue.flags(archive.conn, tz=NY)
    assert flag.response.to_json() | {"message_id": "-"} == {
        "at": "2024-03-01T15:20:00.000Z",
        "how": "call out",
        "message_id": "-",
        "after_s": 1200,
        "outside_hours": None,
        "duration_s": 185,
        "number": "1.3",
    }
    assert flag.response.said == "call out, 3 min after 20 min"


def test_unanswered_lists_what_no_response_reached_within_the_time(archive, cli):
    ingest_records(
        archive,
        [
            at(1, "2024-03-01T15:00", "The hearing moved"),
            at(2, "2024-03-01T16:00", "ok", out=True),  # an hour: answered
            at(3, "2024-03-02T15:00", "Is the deposition still on?"),
            at(4, "2024-03-04T15:00", "yes", out=True),  # two days: late
            at(5, "2024-03-05T15:00", "What about the trial?"),  # never
        ],
    )
    r = cli("review", "--unanswered", "--within", "24h", "--json")
    assert r.exit_code == 0, r.output
    got = json.loads(r.stdout)
    assert [(f["number"], f["response"] and f["response"]["after_s"]) for f in got["flags"]] == [
        ("1.3", 2 * 24 * 3600),
        ("1.5", None),
    ]
    assert got["within_s"] == 86400
    assert cli("review", "--unanswered", "--within", "3d", "--json").stdout.count('"number"') == 1
    assert cli("review", "--unanswered", "--within", "soon").stderr == (
        "Error: not a length of time: 'soon' (e.g. 24h, 90m, 2d, 1d12h)\n"
    )


def test_decisions_are_audited_never_repeated_and_can_be_taken_back(archive, cli):
    ingest_records(archive, [msg(1, "the hearing"), msg(2, "the trial"), msg(3, "a deposition")])
    assert cli("review", "ack", "1", "--note", "called back", "--by", "J. Smith").exit_code == 0
    r = cli("review", "ack", "1", "--note", "again")
    assert (r.exit_code, r.stderr.split(" on ")[0]) == (1, "Error: flag 1 is already reviewed by J. Smith")
    r = cli("review", "dismiss", "2-3")
    assert r.exit_code == 2  # --reason is required
    assert cli("review", "dismiss", "2-3", "--reason", "a TV show").exit_code == 0
    assert cli("review", "reopen", "3", "--reason", "dismissed by mistake").exit_code == 0
    assert [(n, s) for _, n, s, _ in flags(archive)] == [("1.1", "reviewed"), ("1.2", "dismissed"), ("1.3", "open")]
    row = archive.conn.execute("SELECT decided_by, note FROM review_flags WHERE id = 1").fetchone()
    assert tuple(row) == ("J. Smith", "called back")
    log = [(e["command"], e["details"].get("flags")) for e in json.loads(cli("log", "--json").stdout)]
    assert [e for e in log if e[0].startswith("review ") and e[0] != "review scan"] == [
        ("review ack", [1]),
        ("review dismiss", [2, 3]),
        ("review reopen", [3]),
    ]
    assert cli("review", "ack", "9").stderr == "Error: no flag 9 (see `textfile review`)\n"
    assert cli("verify").exit_code == 0
    # every decision kept with its words in review_decisions; the audit log holds their sha256 only
    decided = archive.conn.execute("SELECT flag_id, state, note, decided_by FROM review_decisions ORDER BY id")
    assert [tuple(r) for r in decided] == [
        (1, "reviewed", "called back", "J. Smith"),
        (2, "dismissed", "a TV show", audit.current_user()),
        (3, "dismissed", "a TV show", audit.current_user()),
        (3, "open", "dismissed by mistake", audit.current_user()),
    ]
    notes = [e["details"] for e in json.loads(cli("log", "--json").stdout) if e["command"] == "review reopen"]
    assert [(d["note_sha256"], d["was"]["3"]["note_sha256"]) for d in notes] == [
        (sha256_text("dismissed by mistake"), sha256_text("a TV show"))
    ]
    assert "a TV show" not in cli("log", "--json").stdout


def test_review_state_survives_a_reimport_and_an_edit(archive, cli):
    first = [msg(1, "the hearing is on"), msg(2, "ok", out=True)]
    ingest_records(archive, first)
    assert cli("review", "ack", "1", "--note", "done").exit_code == 0
    ingest_records(archive, [*first, msg(3, "the trial is on")], name="sms-week2.xml")
    assert [(n, s) for _, n, s, _ in flags(archive)] == [("1.1", "reviewed"), ("1.3", "open")]


def test_a_term_added_reaches_the_archive_and_a_term_removed_clears_only_its_open_flags(archive, cli):
    ingest_records(archive, [msg(1, "zoning board next week"), msg(2, "the hearing"), msg(3, "a hearing again")])
    assert flags(archive) == [
        ("deadlines", "1.2", "open", {"terms": ["hearing"]}),
        ("deadlines", "1.3", "open", {"terms": ["hearing"]}),
    ]
    r = cli("review", "lexicon", "add", "scheduling", "zoning board", "--direction", "in")
    assert r.exit_code == 0, r.output
    assert cli("review", "ack", "2", "--note", "seen").exit_code == 0
    assert cli("review", "lexicon", "remove", "deadlines", "hearing").exit_code == 0
    assert [(r, n, s) for r, n, s, _ in flags(archive)] == [
        ("scheduling", "1.1", "open"),
        ("deadlines", "1.2", "cleared"),  # open: cleared
        ("deadlines", "1.3", "reviewed"),  # a person's decision stands
    ]
    assert cli("review", "lexicon", "reset").exit_code == 0
    assert [(r, n, s) for r, n, s, _ in flags(archive)] == [
        ("scheduling", "1.1", "cleared"),
        ("deadlines", "1.2", "open"),
        ("deadlines", "1.3", "reviewed"),
    ]
    assert cli("review", "lexicon", "add", "deadlines", "HEARING").stderr == (
        "Error: 'HEARING' is already a term of 'deadlines'\n"
    )
    assert cli("review", "lexicon", "add", "newcat", "x").stderr.startswith("Error: 'newcat' is a new category")


def test_a_term_added_or_removed_changes_the_reason_of_an_open_flag_and_one_added_back_reopens_never_raises(
    archive, cli
):
    ingest_records(archive, [msg(1, "the hearing"), msg(2, "the hearing and the motion"), msg(3, "a hearing again")])
    assert cli("review", "ack", "3", "--note", "seen").exit_code == 0

    def lexicon(*args) -> tuple[str, dict]:
        """What a lexicon change says of the scan it ran, and what the scan's audit entry (its JSON) says it changed."""
        said = cli("review", "lexicon", *args)
        assert said.exit_code == 0
        (entry,) = archive.conn.execute(
            "SELECT details FROM audit_log WHERE command = 'review scan' ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return said.stdout.splitlines()[-1], {
            k: json.loads(entry)[k] for k in ("raised", "reopened", "cleared", "reasons_changed")
        }

    nothing = {"raised": {}, "reopened": {}, "cleared": {}, "reasons_changed": {}}
    assert lexicon("remove", "deadlines", "hearing") == (
        "Review: 0 flags raised, 1 open flag cleared, the reason of 1 open flag changed.",
        nothing | {"cleared": {"deadlines": 1}, "reasons_changed": {"deadlines": 1}},
    )
    assert flags(archive) == [
        ("deadlines", "1.1", "cleared", {"terms": ["hearing"]}),  # (as it was when cleared)
        ("deadlines", "1.2", "open", {"terms": ["motion"]}),  # its terms as they match now
        ("deadlines", "1.3", "reviewed", {"terms": ["hearing"]}),  # what the person decided on stands
    ]
    assert lexicon("add", "deadlines", "hearing") == (
        "Review: 0 flags raised, 1 cleared flag opened again, the reason of 1 open flag changed.",
        nothing | {"reopened": {"deadlines": 1}, "reasons_changed": {"deadlines": 1}},
    )
    assert lexicon("add", "deadlines", "again") == ("Review: 0 flags raised.", nothing)
    assert flags(archive) == [
        ("deadlines", "1.1", "open", {"terms": ["hearing"]}),
        ("deadlines", "1.2", "open", {"terms": ["hearing", "motion"]}),
        ("deadlines", "1.3", "reviewed", {"terms": ["hearing"]}),  # (it matches "again" now: still what was decided on)
    ]
    # (--json says what the audit entry says)
    scanned = json.loads(cli("review", "lexicon", "remove", "deadlines", "motion", "--json").stdout)["scan"]
    assert (scanned["raised"], scanned["reopened"], scanned["cleared"], scanned["reasons_changed"]) == (
        {},
        {},
        {},
        {"deadlines": 1},
    )
    assert flags(archive)[1] == ("deadlines", "1.2", "open", {"terms": ["hearing"]})


def test_an_earlier_version_with_a_term_keeps_its_flag(archive):
    from textfile.model import Version

    ingest_records(archive, [msg(1, "all good now", versions=(Version("I want to kill myself", None),))])
    assert [(r, t) for r, _, _, t in flags(archive)] == [("safety", {"terms": ["kill myself"]})]


def test_a_conversation_set_aside_is_not_flagged(archive, cli):
    ingest_records(archive, [msg(1, "the hearing")])
    assert cli("conversation", "ignore", "1", "--reason", "my brother").exit_code == 0
    assert cli("review", "--json").exit_code == 0  # the review runs first: the flag is cleared
    assert [(n, s) for _, n, s, _ in flags(archive)] == [("1.1", "cleared")]


def test_a_minor_clients_texts_are_flagged_unless_a_guardian_is_in_the_conversation(archive, cli, sam):
    from conftest import ME, SAM

    from textfile.model import Conversation, Participant

    mom = Participant("+12025550177", "Mom")
    family = Conversation("android", "+12025550143,+12025550177", None, True, (SAM, mom, ME))
    assert cli("settings", "--no-consent-required").exit_code == 0
    ingest_records(archive, [msg(1, "hi"), msg(2, "hello all", conversation=family)])
    r = cli("client", "minor", "Sam Client", "--guardian", "(202) 555-0177")
    assert r.exit_code == 0, r.output
    assert [(r, n) for r, n, _, _ in flags(archive)] == [("minor", "1.1")]
    assert cli("client", "minor", "Sam Client", "--not-minor").exit_code == 0
    assert [(r, n, s) for r, n, s, _ in flags(archive)] == [("minor", "1.1", "cleared")]


def test_csv_and_json_hold_the_same_rows(archive, cli):
    ingest_records(archive, [msg(1, 'He said "=cmd" and\nthe hearing'), msg(2, "ok", out=True)])
    rows = list(csv.DictReader(io.StringIO(cli("review", "--csv").stdout)))
    [flag] = json.loads(cli("review", "--json").stdout)["flags"]
    assert len(rows) == 1 and rows[0]["text"] == flag["body"] == 'He said "=cmd" and\nthe hearing'
    assert {k: rows[0][k] for k in ("flag", "state", "rule", "message", "response", "response_after_s")} == {
        "flag": "1",
        "state": "open",
        "rule": "deadlines",
        "message": "#1.1",
        "response": "text",
        "response_after_s": "60",
    }


def test_settings_are_shown_changed_and_audited(cli):
    r = cli("settings", "--hours", "Mon-Fri 09:00-17:00", "--holidays", "2026-12-25", "--review-languages", "en,es")
    assert r.exit_code == 0, r.output
    got = json.loads(cli("settings", "--json").stdout)["review"]
    assert got == {
        "hours": "Mon-Fri 09:00-17:00",
        "holidays": ["2026-12-25"],
        "languages": ["en", "es"],
        "consent_required": True,
    }
    assert cli("settings", "--review-languages", "xx").stderr.startswith("Error: no lexicon ships for 'xx'")
    assert cli("settings", "--hours", "none").exit_code == 0
    assert json.loads(cli("settings", "--json").stdout)["review"]["hours"] is None
    assert [e["command"] for e in json.loads(cli("log", "--json").stdout)].count("settings") == 2


def test_init_takes_working_hours(bare_cli, tmp_path):
    path = tmp_path / "a.db"
    r = bare_cli(
        "--archive", path, "init", "--owner", "A", "--tz", "Europe/London", "--region", "GB",
        "--bates-prefix", "A", "--hours", "Mon-Thu 09:00-17:30, Fri 09:00-13:00",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert json.loads(bare_cli("--archive", path, "settings", "--json").stdout)["review"]["hours"] == (
        "Mon-Thu 09:00-17:30, Fri 09:00-13:00"
    )
    r = bare_cli(
        "--archive", tmp_path / "b.db", "init", "--owner", "A", "--tz", "UTC", "--region", "GB",
        "--bates-prefix", "A", "--hours", "whenever",
    )  # fmt: skip
    assert r.exit_code == 1 and not (tmp_path / "b.db").exists()
    r = bare_cli(  # "none", as `settings --hours none` takes it: no working hours
        "--archive", tmp_path / "c.db", "init", "--owner", "A", "--tz", "UTC", "--region", "GB",
        "--bates-prefix", "A", "--hours", "none",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert json.loads(bare_cli("--archive", tmp_path / "c.db", "settings", "--json").stdout)["review"]["hours"] is None


def test_the_calls_are_never_flagged_and_a_call_conversation_is_no_text(archive):
    ingest_records(archive, [call(1, "2024-03-01T15:00", out=False, status="incoming", duration=60)])
    assert flags(archive) == []


def test_flags_of_new_messages_only_are_read_after_the_first_scan(archive):
    ingest_records(archive, [msg(n, f"message {n}") for n in range(1, 50)])
    done = ingest_records(archive, [msg(60, "the hearing")], name="more.xml")
    assert done.flags == {"deadlines": 1}
    state = settings.row(archive.conn)
    assert state["scanned_to"] == archive.conn.execute("SELECT max(rowid) FROM messages").fetchone()[0]
    assert SAM_CHAT.source_key == "+12025550143"


def test_amounts_of_money_are_flagged_as_written(archive):
    ingest_records(
        archive,
        [
            msg(1, "They offered $40,000 to settle"),
            msg(2, "The figure is 40000 dollars, or € 1.200,50"),
            msg(3, "Room 40 at 3pm"),  # a number: no amount
            msg(4, "$ is the sign"),  # a sign: no figure
            msg(5, "we can do $40k", out=True),
        ],
    )
    assert flags(archive) == [
        ("money", "1.1", "open", {"terms": ["offered", "settle"], "amounts": ["$40,000"]}),
        ("money", "1.2", "open", {"terms": [], "amounts": ["40000 dollars", "€ 1.200,50"]}),
        ("money", "1.5", "open", {"terms": [], "amounts": ["$40k"]}),
    ]


def test_each_currency_sign_is_found_wherever_it_stands(archive):
    """The signs other than "$" are looked for in texts that are not all ASCII (rules._SIGNS_SQL): each is found,
    in a text of its own, after an emoji or a curly quote, after a NUL character."""
    ingest_records(
        archive,
        [
            msg(1, "deposit £500"),
            msg(2, "¥3000 it is"),
            msg(3, "₹ 2,500 sent"),
            msg(4, "it’s €40"),
            msg(5, "👍 $12"),
            msg(6, "a\x00b £7"),
            msg(7, "all ascii and no sign 500"),
        ],
    )
    assert [(rule, ref, reason["amounts"]) for rule, ref, _state, reason in flags(archive)] == [
        ("money", "1.1", ["£500"]),
        ("money", "1.2", ["¥3000"]),
        ("money", "1.3", ["₹ 2,500"]),
        ("money", "1.4", ["€40"]),
        ("money", "1.5", ["$12"]),
        ("money", "1.6", ["£7"]),
    ]


def test_review_state_survives_the_weekly_run_and_nothing_is_flagged_twice(cli, tmp_path, archive):
    import os
    import shutil
    import time

    from conftest import FIXTURES

    inbox = tmp_path / "inbox"
    inbox.mkdir()

    def drop(name):
        shutil.copy(FIXTURES / "android" / name, inbox / name)
        os.utime(inbox / name, (time.time() - 3600,) * 2)

    assert cli("client", "add", "Sam Client", "--phone", "202-555-0143").exit_code == 0
    assert cli("matter", "open", "M-1", "--client", "Sam Client", "--title", "Lease").exit_code == 0
    drop("sms-20240301.xml")
    assert cli("archive", inbox, "--out", tmp_path / "out", "--mkdir", "--quiet").exit_code == 0
    week1 = json.loads(cli("review", "--all", "--json").stdout)["flags"]
    assert week1 and cli("review", "ack", week1[0]["id"], "--note", "handled").exit_code == 0
    drop("sms-20240308.xml")  # the next week's backup: last week's messages again, and new ones
    assert cli("archive", inbox, "--out", tmp_path / "out", "--quiet").exit_code == 0
    week2 = json.loads(cli("review", "--all", "--json").stdout)["flags"]
    assert {f["id"]: f["state"] for f in week2}[week1[0]["id"]] == "reviewed"
    assert {f["id"] for f in week1} <= {f["id"] for f in week2}
    pairs = [(f["message_id"], f["rule"]) for f in week2]
    assert len(pairs) == len(set(pairs)) > len(week1)
    assert cli("verify").exit_code == 0


def test_a_clients_opt_outs_are_read_from_the_messages_whether_or_not_a_scan_recorded_them(archive, cli, sam):
    """An archive made before review (no scan has read it yet) still has its STOP said on the cover:
    the history reads the messages, not only what the scan recorded in `opt_outs`."""
    from textfile.review import consent

    ingest_records(archive, [msg(1, "Hi", out=True), msg(2, "STOP"), msg(3, "stop please")])
    archive.conn.execute("DELETE FROM opt_outs")  # (as an archive upgraded before its first scan)
    said = consent.history(archive.conn, "Sam Client").opt_changes
    assert [(c.handle, c.change, c.keyword, c.at) for c in said] == [
        ("+12025550143", "out", "STOP", "2024-03-01T12:02:00.000Z")
    ]


def test_filing_and_unfiling_review_again_at_once(archive, cli):
    """Whose messages these are decides consent: filing a thread from a number the client is not known
    by raises its flags at once (status counts them before any `review`), and `unfile` clears them."""
    ingest_records(archive, [msg(1, "hello"), msg(2, "Noted", out=True)])
    for args in (
        ("client", "add", "Sam Client", "--phone", "+12025550199"),  # (not the number of the thread)
        ("matter", "open", "M-1", "--client", "Sam Client", "--title", "Lease"),
    ):
        assert cli(*args).exit_code == 0, args
    assert [(r, n, s) for r, n, s, _ in flags(archive)] == []

    filed = cli("file", "1", "--matter", "M-1")

    assert filed.exit_code == 0, filed.output
    assert "Review: 1 flag raised (textfile review)." in filed.output
    assert [(r, n, s) for r, n, s, _ in flags(archive)] == [("no_consent", "1.2", "open")]
    assert json.loads(cli("status", "--json").output)["open_flags"] == {"no_consent": 1}

    unfiled = cli("unfile", "1", "--matter", "M-1")

    assert unfiled.exit_code == 0, unfiled.output
    assert [(r, n, s) for r, n, s, _ in flags(archive)] == [("no_consent", "1.2", "cleared")]


def test_a_reason_s_time_edited_in_the_file_is_shown_as_stored(archive, archive_path, cli):
    """A flag's reason whose time is no instant (edited in the file) is listed with the time as stored."""
    ingest_records(archive, [msg(1, "STOP"), msg(2, "One more thing", out=True)])
    with closing(sqlite3.connect(archive_path)) as conn, conn:
        conn.execute(
            "UPDATE review_flags SET reason = json_set(reason, '$.at', 'the first of March')"
            " WHERE rule = 'after_opt_out'"
        )

    shown = cli("review")

    assert shown.exit_code == 0
    assert "│ texted after +12025550143 sent STOP (the first of March) │" in shown.stdout


@pytest.mark.parametrize(
    "edit, said",
    [
        ("reason = json_set(reason, '$.at', 12345)", "texted after +12025550143 sent STOP (12345)"),
        ("reason = json_set(reason, '$.at', json('{\"a\":1}'))", 'texted after +12025550143 sent STOP ({"a":1})'),
        ("reason = 'not json'", "after_opt_out: not json"),
        ("reason = '[1, 2]'", "after_opt_out: [1, 2]"),
        ("reason = json_object('terms', 'hearing')", 'after_opt_out: {"terms": "hearing"}'),
    ],
)
def test_a_reason_edited_in_the_file_is_shown_as_stored_whatever_it_is(archive, archive_path, cli, edit, said):
    """Whatever a flag's reason became in the file (a number or an object for its time, no JSON, no object,
    terms that are no list), every listing shows it as stored: never a traceback (`status` says the archive
    was changed)."""
    ingest_records(archive, [msg(1, "STOP"), msg(2, "One more thing", out=True)])
    with closing(sqlite3.connect(archive_path)) as conn, conn:
        conn.execute(f"UPDATE review_flags SET {edit} WHERE rule = 'after_opt_out'")
    (flag,) = archive.conn.execute("SELECT id FROM review_flags WHERE rule = 'after_opt_out'").fetchone()

    def bare(text: str) -> str:  # (a table wraps a long cell: its words compared without the wrapping)
        return "".join(c for c in text if not c.isspace() and c not in '│┃"\\')

    for args in (("review",), ("review", "--json"), ("review", "--csv"), ("review", "show", str(flag))):
        shown = cli(*args)
        assert shown.exit_code == 0, (args, shown.output)
        assert bare(said) in bare(shown.stdout), (args, shown.stdout)


def test_a_decision_s_time_edited_in_the_file_is_shown_as_stored(archive, archive_path, cli):
    ingest_records(archive, [msg(1, "STOP"), msg(2, "One more thing", out=True)])
    (flag,) = archive.conn.execute("SELECT id FROM review_flags WHERE rule = 'after_opt_out'").fetchone()
    assert cli("review", "ack", str(flag), "--note", "called them").exit_code == 0
    with closing(sqlite3.connect(archive_path)) as conn, conn:
        conn.execute("UPDATE review_flags SET decided_at = 'yesterday'")

    shown = cli("review", "show", str(flag))
    again = cli("review", "ack", str(flag), "--note", "twice")

    assert shown.exit_code == 0 and "reviewed by " in shown.stdout and " on yesterday" in shown.stdout, shown.output
    assert again.exit_code == 1 and " on yesterday" in again.output, again.output


def test_a_flag_a_scan_cleared_is_shown_as_the_scan_s_decision(archive, cli):
    """`review show` of a flag a scan cleared: "cleared by a scan on …: why", not "cleared by textfile on …:
    cleared by a scan: why" (second reader)."""
    ingest_records(archive, [msg(1, "STOP"), msg(2, "One more thing", out=True)])
    (flag,) = archive.conn.execute("SELECT id FROM review_flags WHERE rule = 'after_opt_out'").fetchone()
    assert cli("conversation", "ignore", "1", "--reason", "personal").exit_code == 0

    shown = cli("review", "show", str(flag))

    assert shown.exit_code == 0, shown.output
    (said,) = [line for line in shown.stdout.splitlines() if line.startswith("  cleared")]
    assert said.startswith("  cleared by a scan on ") and said.endswith(
        ": an opt-in or a consent given since came before it, or its conversation is set aside"
    ), said
