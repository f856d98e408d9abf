"""The canned queries `textfile browse` offers: each run read-only on an archive, as Datasette runs it,
gives whole rows that say what the textfile command asking the same question says."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from conftest import ME, SAM_CHAT, SMS_CODES, ingest_records, msg
from test_coverage import ANDROID, DELETED, WHATSAPP, imported, without

from textfile import ignore, times
from textfile.browse.queries import QUERIES, add_functions
from textfile.filing.conversations import label, list_conversations
from textfile.lifecycle.coverage_report import report
from textfile.model import Attachment, Conversation, Notice, Participant, Skipped
from textfile.review import queue
from textfile.transcript.content import plan, resolve_scope
from textfile.weekly.run import stale_matters

NY = times.zone("America/New_York")
KIM = Participant("+12025550177", None)  # (the export gives no name: the client file does, "Kim Lee")
KIM_CHAT = Conversation("android", "+12025550177", None, False, (KIM, ME))
BANK_CHAT = Conversation("android", "72975", None, False, (Participant("72975", None), ME))
PAT_CHAT = Conversation("android", "+12025550199", None, False, (Participant("+12025550199", "Pat Friend"), ME))


def run(archive_path, name: str, **params) -> list[dict]:
    """The query's rows, as Datasette gives them: read-only, with textfile's functions (the plugin gives them
    to Datasette's connections), every named parameter given ("" when not)."""
    conn = sqlite3.connect(f"file:{archive_path}?mode=ro", uri=True)
    try:
        add_functions(conn)
        cursor = conn.execute(QUERIES[name]["sql"], {"matter": "", "within": ""} | params)
        columns = [c[0] for c in cursor.description]
        return [dict(zip(columns, row)) for row in cursor.fetchall()]
    finally:
        conn.close()


def test_local_time_is_an_instant_on_the_archives_clock_to_the_precision_its_source_wrote(archive, archive_path):
    conn = sqlite3.connect(f"file:{archive_path}?mode=ro", uri=True)
    try:
        add_functions(conn)  # (the archive's zone: America/New_York)

        def local(instant, precision):
            return conn.execute("SELECT local_time(?, ?)", (instant, precision)).fetchone()[0]

        assert [
            local("2024-03-01T14:00:00.000Z", "minute"),  # a WhatsApp export's time
            local("2024-03-01T14:00:09.250Z", None),  # to the second otherwise
            local("2024-03-01T14:00:09.250Z", "millisecond"),
            local("2024-03-10T06:59:00.000Z", "minute"),  # the last minute before the clocks go forward
            local("2024-03-10T07:00:00.000Z", "minute"),  # 2:00 EST is 3:00 EDT
            local("2024-11-03T05:30:00.000Z", None),  # 1:30 the first time (EDT) ...
            local("2024-11-03T06:30:00.000Z", None),  # ... and the second (EST): the offset tells them apart
            local(None, "minute"),
            local("", None),
        ] == [
            "2024-03-01 09:00 -05:00",
            "2024-03-01 09:00:09 -05:00",
            "2024-03-01 09:00:09 -05:00",
            "2024-03-10 01:59 -05:00",
            "2024-03-10 03:00 -04:00",
            "2024-11-03 01:30:00 -04:00",
            "2024-11-03 01:30:00 -05:00",
            "",
            "",
        ]
    finally:
        conn.close()
    # the zone is the archive's own, from its settings
    other = sqlite3.connect(":memory:")
    other.execute("CREATE TABLE settings (tz TEXT NOT NULL)")
    other.execute("INSERT INTO settings VALUES ('Asia/Kolkata')")
    add_functions(other)
    assert other.execute("SELECT local_time('2024-03-01T14:00:00.000Z', 'minute')").fetchone() == (
        "2024-03-01 19:30 +05:30",
    )
    other.close()


def ids(archive, *bodies: str) -> list[str]:
    return [archive.conn.execute("SELECT id FROM messages WHERE body = ?", (b,)).fetchone()[0] for b in bodies]


def at(n: int, when: str, body: str, out: bool = False, **extra):
    """Message n of Sam's chat, sent at `when` (UTC, "2024-03-08T13:30")."""
    return replace(msg(n, body, out=out, **extra), sent_at=datetime.fromisoformat(when).replace(tzinfo=UTC))


@pytest.fixture
def week(archive, cli):
    """Sam (client, matter M-1: their chat filed whole), Kim (client, no matter: their chat filed to M-1
    from 12:04 to 12:05 UTC only), a bank's codes (set aside) and Pat (nobody's), each message at
    12:0n UTC on 2024-03-01, Sam's and Kim's interleaved."""
    assert cli("client", "add", "Sam Client", "--phone", "+12025550143").exit_code == 0
    assert cli("matter", "open", "M-1", "--client", "Sam Client", "--title", "Lease").exit_code == 0
    assert cli("client", "add", "Kim Lee", "--phone", "+12025550177").exit_code == 0
    ingest_records(
        archive,
        [
            msg(1, "The hearing moved to Friday"),
            msg(2, "Can you call me?", conversation=KIM_CHAT),
            msg(3, "Thanks"),
            msg(4, "Yes, at 3", conversation=KIM_CHAT, out=True),
            msg(5, "Got it", conversation=KIM_CHAT),
            msg(6, "See you then", out=True),
            msg(7, "One more thing", conversation=KIM_CHAT),
            msg(8, "Your code is 1234", conversation=BANK_CHAT),
            msg(9, "Dinner?", conversation=PAT_CHAT),
        ],
    )
    assert [tuple(r) for r in archive.conn.execute("SELECT id, source_key FROM conversations ORDER BY id")] == [
        (1, "+12025550143"),
        (2, "+12025550177"),
        (3, "72975"),
        (4, "+12025550199"),
    ]
    window = ("--from", "2024-03-01T12:04:00Z", "--until", "2024-03-01T12:05:00Z")
    assert cli("file", 2, "--matter", "M-1", *window).exit_code == 0
    assert cli("conversation", "ignore", 3, "--reason", "bank codes").exit_code == 0


def test_unfiled_conversations_are_what_conversations_unfiled_lists(archive, archive_path, cli, week):
    assert run(archive_path, "unfiled_conversations") == [
        {
            "#": 2,
            "Conversation": "+12025550177",
            "Platform": "android",
            "Participants": "+12025550177",
            "Messages": 4,
            "Not filed": 2,  # 12:02 and 12:07, outside its filing's window
            "First": "2024-03-01 07:02:00 -05:00",
            "First (UTC)": "2024-03-01T12:02:00.000Z",
            "Last": "2024-03-01 07:07:00 -05:00",
            "Last (UTC)": "2024-03-01T12:07:00.000Z",
            "Filed to": "M-1",
        },
        {
            "#": 4,
            "Conversation": "Pat Friend +12025550199",
            "Platform": "android",
            "Participants": "Pat Friend +12025550199",
            "Messages": 1,
            "Not filed": 1,
            "First": "2024-03-01 07:09:00 -05:00",
            "First (UTC)": "2024-03-01T12:09:00.000Z",
            "Last": "2024-03-01 07:09:00 -05:00",
            "Last (UTC)": "2024-03-01T12:09:00.000Z",
            "Filed to": "",
        },
    ]
    listed = json.loads(cli("conversations", "--unfiled", "--json").stdout)
    core = ignore.conversations(archive.conn, unfiled_only=True)
    assert [c["id"] for c in listed] == [c.id for c in core] == [2, 4]
    assert [(c.label, c.unfiled, c.first, c.last) for c in ignore.waiting(archive.conn, None)] == [
        (r["Conversation"], r["Not filed"], r["First (UTC)"], r["Last (UTC)"])
        for r in run(archive_path, "unfiled_conversations")
    ]
    # the bank's thread waits again once taken back; filed whole, Pat's waits no more
    assert cli("conversation", "unignore", 3).exit_code == 0
    assert cli("file", 4, "--matter", "M-1").exit_code == 0
    assert (
        [r["#"] for r in run(archive_path, "unfiled_conversations")]
        == [c.id for c in ignore.conversations(archive.conn, unfiled_only=True)]
        == [2, 3]
    )


def test_a_matter_timeline_is_its_transcripts_messages_in_one_chronological_list(archive, archive_path, week):
    one, three, four, five, six = ids(
        archive, "The hearing moved to Friday", "Thanks", "Yes, at 3", "Got it", "See you then"
    )
    sam, kim = "Sam Client +12025550143", "+12025550177"

    def line(number, sent, conversation, sender, handle, direction, text, message_id) -> dict:
        return {
            "Message": number,
            "Sent": f"2024-03-01 07:{sent[3:]}:00 -05:00",
            "Sent (UTC)": f"2024-03-01T{sent}:00.000Z",
            "Conversation": conversation,
            "From": sender,
            "Number": handle,
            "Direction": direction,
            "Kind": "message",
            "Service": "SMS",
            "Text": text,
            "Attachments": 0,
            "Message id": message_id,
        }

    found = run(archive_path, "matter_timeline", matter=" m-1 ")
    assert found == [
        line("1.1", "12:01", sam, "Sam Client", "+12025550143", "incoming", "The hearing moved to Friday", one),
        line("1.2", "12:03", sam, "Sam Client", "+12025550143", "incoming", "Thanks", three),
        # Kim's chat inside its filing's window only, numbered over the whole chat (12:02 is 2.1)
        line("2.2", "12:04", kim, "Alex Owner", "+12025550100", "outgoing", "Yes, at 3", four),
        line("2.3", "12:05", kim, "Kim Lee", "+12025550177", "incoming", "Got it", five),
        line("1.3", "12:06", sam, "Alex Owner", "+12025550100", "outgoing", "See you then", six),
    ]
    # the transcript's selection: the same messages with the same numbers (it gives each conversation in turn)
    planned = plan(archive.conn, resolve_scope(archive.conn, "M-1", None, None, None))
    assert [(r.id, f"{r.conversation}.{r.number}") for r in planned.rows] == [
        (one, "1.1"), (three, "1.2"), (six, "1.3"), (four, "2.2"), (five, "2.3")
    ]  # fmt: skip
    sent = dict(archive.conn.execute("SELECT id, sent_at FROM messages").fetchall())
    assert [r["Message id"] for r in found] == sorted((r.id for r in planned.rows), key=lambda m: (sent[m], m))
    assert run(archive_path, "matter_timeline", matter="M-2") == []
    assert run(archive_path, "matter_timeline") == []


def test_a_timeline_names_the_thread_a_group_title_gives_it_and_shows_attachments_alone(archive, archive_path, cli):
    group = Conversation("android", "group", "Lease Committee", True, (SAM_CHAT.participants[0], KIM, ME))
    assert cli("client", "add", "Sam Client", "--phone", "+12025550143").exit_code == 0
    assert cli("matter", "open", "M-1", "--client", "Sam Client", "--title", "Lease").exit_code == 0
    photo = Attachment("a.jpg", "image/jpeg", b"jpeg")
    ingest_records(archive, [msg(1, "\ufffc", conversation=group, attachments=(photo,))])
    [found] = run(archive_path, "matter_timeline", matter="M-1")
    assert found == {
        "Message": "1.1",
        "Sent": "2024-03-01 07:01:00 -05:00",
        "Sent (UTC)": "2024-03-01T12:01:00.000Z",
        "Conversation": "Lease Committee",
        "From": "Sam Client",
        "Number": "+12025550143",
        "Direction": "incoming",
        "Kind": "message",
        "Service": "SMS",
        "Text": "",  # (only the placeholder of its one attachment: the transcript shows the attachment line)
        "Attachments": 1,
        "Message id": ids(archive, "\ufffc")[0],
    }


def test_messages_in_no_transcript_are_those_status_renders_again(archive, archive_path, cli, week, tmp_path):
    def said() -> list[tuple]:
        return [(r["Matter"], r["Message"], r["Why"]) for r in run(archive_path, "messages_in_no_transcript")]

    first = run(archive_path, "messages_in_no_transcript")
    assert first[2] == {
        "Matter": "M-1",
        "Client": "Sam Client",
        "Message": "2.2",
        "Sent": "2024-03-01 07:04:00 -05:00",
        "Sent (UTC)": "2024-03-01T12:04:00.000Z",
        "Conversation": "+12025550177",
        "From": "Alex Owner",
        "Number": "+12025550100",
        "Text": "Yes, at 3",
        "Why": "in no transcript of the matter",
        "Message id": ids(archive, "Yes, at 3")[0],
    }
    assert [(r["Message"], r["Message id"]) for r in first] == [
        (r["Message"], r["Message id"]) for r in run(archive_path, "matter_timeline", matter="M-1")
    ]
    assert stale_matters(archive.conn) == sorted({r["Matter"] for r in first}) == ["M-1"]

    pdf = tmp_path / "m1.pdf"
    assert cli("transcript", "M-1", "--out", pdf).exit_code == 0
    assert said() == [] and stale_matters(archive.conn) == []

    ingest_records(archive, [msg(10, "Are we still on?")], name="sms-later.xml")
    assert said() == [("M-1", "1.4", "in no transcript of the matter")]
    assert stale_matters(archive.conn) == ["M-1"]

    # a transcript recorded as deleted on purpose vouches for nothing
    pdf.unlink()
    assert cli("verify", "--deleted", pdf, "--reason", "superseded").exit_code == 0
    assert said() == [("M-1", n, "in no transcript of the matter") for n in ("1.1", "1.2", "2.2", "2.3", "1.3", "1.4")]
    assert stale_matters(archive.conn) == ["M-1"]


def test_a_message_changed_since_its_transcript_is_said_so(archive, archive_path, cli, week, tmp_path):
    assert cli("transcript", "M-1", "--out", tmp_path / "m1.pdf").exit_code == 0
    (thanks,) = ids(archive, "Thanks")
    later = ingest_records(archive, [replace(msg(3, "Thanks"), body="Thanks!")], name="sms-later.xml")
    assert (later.updated, later.warnings) == (
        1,
        ["element 3: changed since it was archived (its text); the earlier version is kept"],
    )
    [found] = run(archive_path, "messages_in_no_transcript")
    assert (found["Message"], found["Text"], found["Why"], found["Message id"]) == (
        "1.2",
        "Thanks!",
        "changed since the matter's transcript showed it",
        thanks,
    )
    assert stale_matters(archive.conn) == ["M-1"]


def review_rows(flags: list[queue.Flag], conn) -> list[dict]:
    """The rows `review` lists, in the query's columns, from the core's flags (times on the archive's clock
    to the precision each message's source wrote, as the transcript prints them)."""
    labels = {c.id: label(c) for c in list_conversations(conn)}
    precision = dict(conn.execute("SELECT id, time_precision FROM messages").fetchall())
    return [
        {
            "Flag": f.id,
            "Message": f"#{f.number}",
            "Sent": times.display(f.sent_at, NY, precision[f.message_id]),
            "Sent (UTC)": f.sent_at,
            "Conversation": labels[f.conversation],
            "From": f.sender or "",
            "Why": f.why,
            "Text": f.body,
            "Response": "" if f.direction != "in" else "none yet" if f.response is None else f.response.said,
            "Responded": times.display(f.response.at, NY, precision[f.response.message_id]) if f.response else "",
            "Responded (UTC)": f.response.at if f.response else "",
            "Response message": f"#{f.response.number}" if f.response else "",
        }
        for f in flags
    ]


@pytest.fixture
def escalations(archive):
    """Sam's urgent texts: answered in an hour, in two days, by a 2.5-minute call, and never (the third
    written to the minute, as a WhatsApp export writes a time)."""
    ingest_records(
        archive,
        [
            at(1, "2024-03-01T15:00", "The hearing moved"),
            at(2, "2024-03-01T16:00", "ok", out=True),
            at(3, "2024-03-02T15:00", "Is the deposition still on?"),
            at(4, "2024-03-04T15:00", "yes", out=True),
            at(5, "2024-03-05T15:00", "The police are here", time_precision="minute"),
            replace(
                msg(6, "", out=False, kind="call", status="missed", duration_s=0),
                sent_at=datetime(2024, 3, 5, 15, 5, tzinfo=UTC),
                service="Phone",
            ),
            replace(
                msg(7, "", out=True, kind="call", status="outgoing", duration_s=150),
                sent_at=datetime(2024, 3, 5, 15, 20, tzinfo=UTC),
                service="Phone",
            ),
            at(8, "2024-03-06T15:00", "What about the trial date?"),
        ],
    )


def test_open_review_flags_are_what_review_lists(archive, archive_path, escalations):
    found = run(archive_path, "open_review_flags")
    core = queue.flags(archive.conn, tz=NY)
    assert found == review_rows(core, archive.conn)
    assert [(r["Message"], r["Response"], r["Response message"]) for r in found] == [
        ("#1.1", "text after 1 h 00 min", "#1.2"),
        ("#1.3", "text after 2 d 0 h", "#1.4"),
        ("#1.5", "call out, 2 min after 20 min", "#1.7"),  # (the missed call is no response; 2.5 min rounds to even)
        ("#1.8", "none yet", ""),
    ]
    assert found[2] == {
        "Flag": core[2].id,
        "Message": "#1.5",
        "Sent": "2024-03-05 10:00 -05:00",
        "Sent (UTC)": "2024-03-05T15:00:00.000Z",
        "Conversation": "Sam Client +12025550143",
        "From": "Sam Client",
        "Why": core[2].why,
        "Text": "The police are here",
        "Response": "call out, 2 min after 20 min",
        "Responded": "2024-03-05 10:20:00 -05:00",
        "Responded (UTC)": "2024-03-05T15:20:00.000Z",
        "Response message": "#1.7",
    }
    # a decided flag is no longer open
    with archive.transaction() as conn:
        queue.decide(conn, [core[0].id], "reviewed", "called back", "Alex Owner")
    assert [r["Flag"] for r in run(archive_path, "open_review_flags")] == [f.id for f in core[1:]]


def test_unanswered_escalations_are_what_review_unanswered_lists(archive, archive_path, cli, escalations):
    core = queue.flags(archive.conn, tz=NY)
    for within in ("", "24h", "3d", "15m", "1d12h", " 90 MIN ", "45s"):
        found = run(archive_path, "unanswered_escalations", within=within)
        assert found == review_rows(queue.unanswered(core, queue.duration(within or "24h")), archive.conn), within
    said = json.loads(cli("review", "--unanswered", "--within", "24h", "--json").stdout)
    assert [f"#{f['number']}" for f in said["flags"]] == [
        r["Message"] for r in run(archive_path, "unanswered_escalations")
    ]
    assert [(r["Message"], r["Response"]) for r in run(archive_path, "unanswered_escalations")] == [
        ("#1.3", "text after 2 d 0 h"),
        ("#1.8", "none yet"),
    ]
    assert [r["Message"] for r in run(archive_path, "unanswered_escalations", within="15m")] == [
        "#1.1",
        "#1.3",
        "#1.5",
        "#1.8",
    ]
    # what the command refuses is said, in one row, not answered as if it were a time
    for given in ("soon", "24", "h", "2x", "1d12"):
        assert run(archive_path, "unanswered_escalations", within=given) == [
            {
                "Flag": None,
                "Message": None,
                "Sent": "",
                "Sent (UTC)": None,
                "Conversation": None,
                "From": "",
                "Why": f"not a length of time: {given!r} (e.g. 24h, 90m, 2d, 1d12h)",
                "Text": None,
                "Response": "",
                "Responded": "",
                "Responded (UTC)": "",
                "Response message": "",
            }
        ], given
        assert cli("review", "--unanswered", "--within", given).stderr == (
            f"Error: not a length of time: {given!r} (e.g. 24h, 90m, 2d, 1d12h)\n"
        )


def test_no_flag_no_unanswered_escalation(archive, archive_path):
    ingest_records(archive, [msg(1, "hello")])
    assert run(archive_path, "open_review_flags") == run(archive_path, "unanswered_escalations") == []


@pytest.fixture
def lease(cli):
    assert cli("client", "add", "Sam Client", "--phone", "+12025550143").exit_code == 0
    assert cli("matter", "open", "M-1", "--client", "Sam Client", "--title", "Lease").exit_code == 0


def test_deletions_seen_on_the_phone_are_what_coverage_reports(archive, archive_path, cli, lease, tmp_path):
    imported(cli, ANDROID / "sms-20240301.xml")
    imported(cli, ANDROID / "sms-20240308.xml")
    assert run(archive_path, "deletions_seen_on_phone") == []
    imported(cli, without(tmp_path, ANDROID / "sms-20240308.xml", "sms-20240315.xml", DELETED))
    started = dict(archive.conn.execute("SELECT id, started_at FROM imports").fetchall())
    (gone,) = ids(archive, DELETED)
    assert run(archive_path, "deletions_seen_on_phone") == [
        {
            "#": 1,
            "Conversation": "Sam Client +12025550143",
            "Filed to": "M-1",
            "Message": "1.2",
            "Sent": "2024-03-01 12:01:00 -05:00",
            "Sent (UTC)": "2024-03-01T17:01:00.000Z",
            "From": "Alex Owner",
            "Number": "+12025550100",
            "Text": DELETED,
            "Not in export": f"sms-20240315.xml (import 3, {times.display(started[3], NY)})",
            "Last held by": f"sms-20240308.xml (import 2, {times.display(started[2], NY)})",
            "Held again by": "",
            "What it means": "deleted on the phone, or left out of that export",
            "Message id": gone,
        }
    ]
    # a later export holds it again: the one that lacked it left it out
    imported(cli, without(tmp_path, ANDROID / "sms-20240308.xml", "sms-20240322.xml"))
    started = dict(archive.conn.execute("SELECT id, started_at FROM imports").fetchall())
    [again] = run(archive_path, "deletions_seen_on_phone")
    assert (again["Message id"], again["Held again by"], again["What it means"]) == (
        gone,
        f"sms-20240322.xml (import 4, {times.display(started[4], NY)})",
        "left out of that export: a later export holds it again",
    )
    coverage = report(archive.conn)
    assert [
        (c.conversation, g.message_ids, g.seen_again.import_) for c in coverage.conversations for g in c.left_out
    ] == [(1, [gone], 4)]
    assert [g for c in coverage.conversations for g in c.missing] == []


def test_imports_and_their_assumptions_are_each_imports_record(archive, archive_path, cli):
    imported(cli, ANDROID / "sms-20240301.xml")
    imported(cli, WHATSAPP / "WhatsApp Chat with Sam Client.txt", "--me", "Alex Owner")
    ingest_records(
        archive,
        [Skipped("unparseable line before the first message", "line 1"),
         Notice("dates read as day/month", "assumption"), Notice("2 lone surrogates replaced"), msg(1)],
    )  # fmt: skip
    records = [dict(r) for r in archive.conn.execute("SELECT * FROM imports ORDER BY id")]
    whatsapp = json.loads(records[1]["assumptions"])
    assert len(whatsapp) == 3  # (its day/month order, its daylight-saving times, a "null" read as view-once)
    assert run(archive_path, "imports_and_assumptions") == [
        {
            "Import": 1,
            "File": "sms-20240301.xml",
            "Format": "android",
            "Imported": times.display(records[0]["started_at"], NY),
            "Imported (UTC)": records[0]["started_at"],
            "By": records[0]["imported_by"],
            "Whose phone": "Alex Owner's phone",
            "Zone": "America/New_York",
            "Added": 16,
            "Already present": 0,
            "Updated": 0,
            "Skipped": 0,
            "Why skipped": "",
            "Assumed and warned": "assumed: repaired 2 emoji written as UTF-16 surrogate-pair references\n"
            f"assumed: {SMS_CODES}\n"
            "warning: mms 4: attachment report.pdf has corrupt base64 (Only base64 data is allowed); kept as missing\n"
            "warning: replaced 2 invalid character references or control characters"
            " (lone surrogates, &#0; …) with U+FFFD",
            "Path": str(ANDROID / "sms-20240301.xml"),
            "SHA-256": records[0]["sha256"],
        },
        {
            "Import": 2,
            "File": "WhatsApp Chat with Sam Client.txt",
            "Format": "whatsapp",
            "Imported": times.display(records[1]["started_at"], NY),
            "Imported (UTC)": records[1]["started_at"],
            "By": records[1]["imported_by"],
            "Whose phone": "Alex Owner's phone",
            "Zone": "America/New_York",
            "Added": 15,
            "Already present": 0,
            "Updated": 0,
            "Skipped": 0,
            "Why skipped": "",
            "Assumed and warned": f"assumed: {whatsapp[0]}\nassumed: {whatsapp[1]}\nassumed: {whatsapp[2]}\n"
            "warning: WhatsApp Chat with Sam Client.txt: 2 attachments are not in the archive (the first #6.6, media"
            " omitted): 1 omitted by the export, 1 not found beside the chat text; export the chat again with"
            " media and import it to fill them in",
            "Path": str(WHATSAPP / "WhatsApp Chat with Sam Client.txt"),
            "SHA-256": records[1]["sha256"],
        },
        {
            "Import": 3,
            "File": "sms-test.xml",
            "Format": "android",
            "Imported": times.display(records[2]["started_at"], NY),
            "Imported (UTC)": records[2]["started_at"],
            "By": records[2]["imported_by"],
            "Whose phone": "Alex Owner's phone",
            "Zone": "America/New_York",
            "Added": 1,
            "Already present": 0,
            "Updated": 0,
            "Skipped": 1,
            "Why skipped": "skipped 1: unparseable line before the first message (line 1)",
            "Assumed and warned": "assumed: dates read as day/month\nwarning: 2 lone surrogates replaced",
            "Path": "/exports/sms-test.xml",
            "SHA-256": "0" * 64,
        },
    ]
    assert whatsapp[0].startswith("WhatsApp Chat with Sam Client.txt: dates read as day/month/year")


def test_each_query_is_titled_described_and_asks_what_it_names():
    assert list(QUERIES) == [
        "unfiled_conversations",
        "messages_in_no_transcript",
        "matter_timeline",
        "open_review_flags",
        "unanswered_escalations",
        "deletions_seen_on_phone",
        "imports_and_assumptions",
    ]
    for name, query in QUERIES.items():
        assert set(query) <= {"title", "description", "sql", "params"}, name
        assert query["title"] and query["description"].endswith("."), name
    assert {n: q.get("params") for n, q in QUERIES.items() if "params" in q} == {
        "matter_timeline": ["matter"],
        "unanswered_escalations": ["within"],
    }


def test_datasette_asks_for_each_parameter_and_gives_the_same_rows(archive, archive_path, cli, week, tmp_path):
    import asyncio
    import re
    from urllib.parse import urlencode

    from datasette.app import Datasette
    from datasette.plugins import pm

    from textfile.browse import plugin

    # a copy, as `browse` serves one (immutable: Datasette reads the file alone, not what the archive's
    # write-ahead log holds yet)
    copy = tmp_path / "snapshot" / "archive.db"
    copy.parent.mkdir()
    into = sqlite3.connect(copy)
    archive.conn.backup(into)
    into.close()
    # with textfile's plugin, as `browse` registers it: it gives the archive's connections local_time
    registered = pm.is_registered(plugin)
    if not registered:
        pm.register(plugin, "textfile")
    snapshot = Datasette(immutables=[str(copy)], metadata={"databases": {"archive": {"queries": QUERIES}}})

    async def served(name: str, **params) -> tuple[list, list[dict]]:
        form = await snapshot.client.get(f"/archive/{name}")
        found = await snapshot.client.get(f"/archive/{name}.json?{urlencode({'_shape': 'array', **params})}")
        assert (form.status_code, found.status_code) == (200, 200), name
        return re.findall(r'<input type="text" id="qp\d+" name="([^"]+)"', form.text), found.json()

    try:
        for name, query in QUERIES.items():
            params = {"matter": "m-1"} if name == "matter_timeline" else {}
            fields, rows = asyncio.run(served(name, **params))
            assert fields == query.get("params", []), name
            assert rows == run(archive_path, name, **params), name
        timeline = asyncio.run(served("matter_timeline", matter="m-1"))[1]
    finally:
        if not registered:
            pm.unregister(plugin)
    assert [(r["Sent"], r["Sent (UTC)"]) for r in timeline] == [
        (f"2024-03-01 07:0{n}:00 -05:00", f"2024-03-01T12:0{n}:00.000Z") for n in (1, 3, 4, 5, 6)
    ]
