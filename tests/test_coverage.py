"""Coverage: what successive exports of one phone show it no longer holds (recorded at import, reported by
`textfile coverage`, marked in transcripts, said by `status`), and the report's other rules: the WhatsApp cap,
holes in a regular thread, an archive that starts after the matter opened."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import FIXTURES

from textfile import times
from textfile.transcript import manifest

ANDROID = FIXTURES / "android"
WHATSAPP = FIXTURES / "whatsapp"
DELETED = "Sure, call me at 3."  # an SMS of conversation 1 (Sam Client) in both weekly backups
SAM_CHAT = WHATSAPP / "WhatsApp Chat with Sam Client.txt"
NY = times.zone("America/New_York")  # (the archive's zone: conftest's OWNER)


def without(tmp_path: Path, source: Path, name: str, *bodies: str) -> Path:
    """An export of the same phone made later: the same backup, without the elements holding these texts."""
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not any(f'body="{b}"' in line for b in bodies)]
    assert len(kept) == len(lines) - len(bodies)
    out = tmp_path / name
    out.write_text("".join(kept).replace('backup_set="0b6a3c1e', f'backup_set="{name[4:12]}'), encoding="utf-8")
    return out


def rows(cli_archive) -> list[dict]:
    return [
        dict(r)
        for r in cli_archive.conn.execute("SELECT * FROM missing_from_phone ORDER BY import_id, message_id").fetchall()
    ]


def message_id(archive, body: str) -> str:
    return archive.conn.execute("SELECT id FROM messages WHERE body = ?", (body,)).fetchone()[0]


def imported(cli, *args) -> dict:
    r = cli("import", *args, "--json")
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


@pytest.fixture
def lease(cli):
    assert cli("client", "add", "Sam Client", "--phone", "+12025550143").exit_code == 0
    assert cli("matter", "open", "M-1", "--client", "Sam Client", "--title", "Lease").exit_code == 0


def test_a_deletion_between_two_exports_is_recorded_once_reported_and_marked(cli, archive, lease, tmp_path):
    imported(cli, ANDROID / "sms-20240301.xml")
    imported(cli, ANDROID / "sms-20240308.xml")
    week3 = without(tmp_path, ANDROID / "sms-20240308.xml", "sms-20240315.xml", DELETED)
    [third] = imported(cli, week3)
    assert (third["missing_from_phone"], third.get("seen_again")) == (1, None)
    gone = message_id(archive, DELETED)
    expected = [
        {
            "message_id": gone,
            "import_id": 3,
            "last_seen_import_id": 2,
            "span_first": "2024-03-01T17:00:00.000Z",
            "span_last": "2024-03-08T14:05:00.000Z",
            "seen_again_import_id": None,
        }
    ]
    assert rows(archive) == expected
    # the same export again, and the next week's that lacks it too: recorded once
    [again] = imported(cli, week3)
    [week4] = imported(cli, without(tmp_path, ANDROID / "sms-20240308.xml", "sms-20240322.xml", DELETED))
    assert ("missing_from_phone" in again, "missing_from_phone" in week4) == (False, False)
    assert rows(archive) == expected
    said = cli("import", week3).stdout
    assert "no longer on the phone" not in said
    entry = json.loads(cli("log", "--json").stdout)
    imports = [e for e in entry if e["command"] == "import"]
    assert [e["details"].get("missing_from_phone") for e in imports] == [None, None, 1, None, None, None]

    report = json.loads(cli("coverage", "--matter", "M-1", "--json").stdout)
    [sam] = [c for c in report["conversations"] if c["conversation"] == 1]
    at = {i["id"]: i["started_at"] for i in archive.conn.execute("SELECT id, started_at FROM imports").fetchall()}
    assert sam["missing"] == [
        {
            "messages": 1,
            "first": "2024-03-01T17:01:00.000Z",
            "first_precision": "millisecond",
            "last": "2024-03-01T17:01:00.000Z",
            "last_precision": "millisecond",
            "lacking": {"import": 3, "file_name": "sms-20240315.xml", "imported_at": at[3]},
            "last_seen": {"import": 2, "file_name": "sms-20240308.xml", "imported_at": at[2]},
            "seen_again": None,
            "message_ids": [gone],
        }
    ]
    assert (sam["left_out"], sam["holes"], sam["caps"], report["missing_from_phone"]) == ([], [], [], 1)
    screen = cli("coverage").stdout
    assert "1 message (2024-03-01 12:01:00 -05:00) not in sms-20240315.xml (import 3," in screen
    assert max(map(len, screen.splitlines())) <= 80
    assert "1 message no longer on the phone (textfile coverage)" in cli("status").stdout

    pdf = tmp_path / "t.pdf"
    assert cli("transcript", "M-1", "--out", pdf).exit_code == 0
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    day = times.from_iso(at[3]).astimezone(times.zone(archive.settings.tz)).strftime("%Y-%m-%d")
    assert f"[not in the export imported on {day} (sms-20240315.xml)]" in " ".join(text.split())
    assert "1 message shown (#1.2) was not in a later export of the phone it came from" in " ".join(text.split())
    assert json.loads(manifest.read(pdf))["disclosures"]["missing_from_phone"] == [
        {
            "seq": "1.2",
            "message": gone,
            "import": 3,
            "file_name": "sms-20240315.xml",
            "imported_at": at[3],
            "last_seen_import": 2,
            "last_seen_file_name": "sms-20240308.xml",
            "last_seen_imported_at": at[2],
            "seen_again_import": None,
            "mark": f"not in the export imported on {day} (sms-20240315.xml)",
        }
    ]
    assert cli("verify", pdf).exit_code == 0
    assert cli("verify").exit_code == 0


def test_seen_again_says_the_earlier_export_left_it_out(cli, archive, lease, tmp_path):
    imported(cli, ANDROID / "sms-20240301.xml")
    imported(cli, without(tmp_path, ANDROID / "sms-20240308.xml", "sms-20240308-cut.xml", DELETED))
    [back] = imported(cli, ANDROID / "sms-20240308.xml")
    assert (back.get("missing_from_phone"), back["seen_again"]) == (None, 1)
    assert rows(archive) == [
        {
            "message_id": message_id(archive, DELETED),
            "import_id": 2,
            "last_seen_import_id": 1,
            "span_first": "2024-03-01T17:00:00.000Z",
            "span_last": "2024-03-08T14:05:00.000Z",
            "seen_again_import_id": 3,
        }
    ]
    [sam] = [c for c in json.loads(cli("coverage", "--json").stdout)["conversations"] if c["conversation"] == 1]
    assert (sam["missing"], [g["seen_again"]["import"] for g in sam["left_out"]]) == ([], [3])
    assert "holds it again: that export left it out." in " ".join(cli("coverage").stdout.split())
    assert "no longer on the phone" not in cli("status").stdout


def test_a_message_outside_the_later_exports_span_is_not_called_deleted(cli, archive, lease, tmp_path):
    imported(cli, ANDROID / "sms-20240301.xml")
    # a backup of the last days only: the first three SMS of the thread with Sam are before its span
    recent = without(
        tmp_path,
        ANDROID / "sms-20240308.xml",
        "sms-20240308-recent.xml",
        "Hi Alex, can we talk about the lease? &#55357;&#56832;",
        DELETED,
        "I also wanted to ask about the deposit",
    )
    [r] = imported(cli, recent)
    assert ("missing_from_phone" in r, rows(archive)) == (False, [])


def test_a_whatsapp_export_that_dropped_the_oldest_calls_nothing_deleted(cli, archive, tmp_path):
    days = [datetime(2024, 1, 1, 9, 0) + timedelta(days=n) for n in range(30)]
    first = whatsapp_chat(tmp_path / "week1", "Sam", days)
    imported(cli, first, "--me", "Alex Owner", "--date-order", "dmy")
    lines = first.read_text(encoding="utf-8").splitlines(keepends=True)
    later = tmp_path / "week2" / first.name
    later.parent.mkdir()
    new_week = "31/01/2024, 09:00 - Sam Client: a new week\n"
    later.write_text("".join(lines[5:]) + new_week, encoding="utf-8")
    [r] = imported(cli, later, "--me", "Alex Owner", "--date-order", "dmy")
    assert (r["added"], r["already_present"], "missing_from_phone" in r, rows(archive)) == (1, 25, False, [])
    # the export after it lacks one inside its span: that one is missing
    cut = tmp_path / "week3" / first.name
    cut.parent.mkdir()
    cut.write_text("".join(lines[5:10] + lines[11:]) + new_week, encoding="utf-8")
    [r] = imported(cli, cut, "--me", "Alex Owner", "--date-order", "dmy")
    assert r["missing_from_phone"] == 1
    assert [(x["message_id"], x["last_seen_import_id"]) for x in rows(archive)] == [
        (message_id(archive, "message 10"), 2)
    ]


def test_a_whatsapp_line_out_of_time_order_does_not_reach_back_over_the_dropped_lines(cli, archive, tmp_path):
    # the fixture's chat has a line dated 10/03/2024 after lines of 12/03/2024: its span by time alone
    # would begin before the four lines the later export dropped
    imported(cli, SAM_CHAT)
    later = tmp_path / "later"
    later.mkdir()
    lines = SAM_CHAT.read_text(encoding="utf-8").splitlines(keepends=True)
    (later / SAM_CHAT.name).write_text(
        "".join(lines[4:]) + "19/03/2024, 10:00 - Sam Client: a new week\n", encoding="utf-8"
    )
    [r] = imported(cli, later / SAM_CHAT.name)
    assert (r["added"], "missing_from_phone" in r, rows(archive)) == (1, False, [])


def test_a_whatsapp_message_no_longer_on_the_phone_is_said_at_the_minute_its_export_wrote(
    cli, archive, lease, tmp_path
):
    imported(cli, SAM_CHAT)
    lines = SAM_CHAT.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[2] == "12/03/2024, 09:02 - Alex Owner: Sure. Send me the draft.\n"
    later = tmp_path / "later"
    later.mkdir()
    (later / SAM_CHAT.name).write_text("".join(lines[:2] + lines[3:]), encoding="utf-8")
    imported(cli, later / SAM_CHAT.name)
    assert cli("file", 1, "--matter", "M-1").exit_code == 0
    at = {i["id"]: i["started_at"] for i in archive.conn.execute("SELECT id, started_at FROM imports").fetchall()}

    report = json.loads(cli("coverage", "--json").stdout)
    screen = " ".join(cli("coverage").stdout.split())

    [chat] = report["conversations"]
    assert chat["missing"] == [
        {
            "messages": 1,
            "first": "2024-03-12T13:02:00.000Z",  # (JSON: the instant as stored, and its precision beside it)
            "first_precision": "minute",
            "last": "2024-03-12T13:02:00.000Z",
            "last_precision": "minute",
            "lacking": {"import": 2, "file_name": SAM_CHAT.name, "imported_at": at[2]},
            "last_seen": {"import": 1, "file_name": SAM_CHAT.name, "imported_at": at[1]},
            "seen_again": None,
            "message_ids": [message_id(archive, "Sure. Send me the draft.")],
        }
    ]
    assert (chat["first"], chat["first_precision"], chat["last"], chat["last_precision"]) == (
        "2024-03-10T07:30:00.000Z",
        "minute",
        "2024-11-03T05:30:00.000Z",
        "minute",
    )
    assert (
        f"1 message (2024-03-12 09:02 -04:00) not in {SAM_CHAT.name} (import 2, {times.display(at[2], NY)}), last seen"
        f" in {SAM_CHAT.name} (import 1, {times.display(at[1], NY)}): deleted on the phone, or left out of that export."
    ) in screen


def test_a_clients_phone_and_the_owners_are_not_one_phone(cli, archive, lease, tmp_path):
    imported(cli, ANDROID / "sms-20240301.xml")
    client = ("--custodian", "Sam Client")
    imported(cli, ANDROID / "client_phone.xml", *client)  # lacks the owner's drafts and other threads
    imported(cli, ANDROID / "sms-20240308.xml")
    assert rows(archive) == []
    source = (ANDROID / "client_phone.xml").read_text(encoding="utf-8")
    cut = tmp_path / "client_phone-later.xml"
    cut.write_text(
        "\n".join(line for line in source.splitlines() if 'body="Sure, call me at 3."' not in line) + "\n",
        encoding="utf-8",
    )
    [r] = imported(cli, cut, *client)
    assert r["missing_from_phone"] == 1
    [row] = rows(archive)
    assert (row["message_id"], row["import_id"], row["last_seen_import_id"], row["seen_again_import_id"]) == (
        message_id(archive, DELETED),
        4,
        2,
        None,
    )


def test_an_iphone_and_a_mac_are_two_devices(cli, archive, tmp_path):
    from imessage_build import build_backup, build_modern

    imported(cli, build_modern(tmp_path / "mac"))
    imported(cli, build_backup(tmp_path / "iphone"))
    assert [tuple(r) for r in archive.conn.execute("SELECT * FROM imessage_databases ORDER BY import_id")] == [
        (1, "mac"),
        (2, "iphone"),
    ]


def whatsapp_chat(folder: Path, name: str, instants: list[datetime], text: str = "message") -> Path:
    """A WhatsApp (Android) export of a chat with Sam Client, one message at each time ("message 0", "message 1" …,
    or another `text`: chats whose messages are the same are one chat under two names, refused)."""
    folder.mkdir(exist_ok=True)
    lines = [
        f"{t:%d/%m/%Y, %H:%M} - {'Sam Client' if n % 2 else 'Alex Owner'}: {text} {n}\n" for n, t in enumerate(instants)
    ]
    path = folder / f"WhatsApp Chat with {name}.txt"
    path.write_text("".join(lines), encoding="utf-8")
    return path


def test_the_cap_a_hole_and_a_late_start_are_reported_and_a_regular_thread_has_no_hole(cli, archive, lease, tmp_path):
    start = datetime(2024, 1, 1, 9, 0)
    daily = [start + timedelta(days=n) for n in range(30)]
    holed = [start + timedelta(days=n) for n in range(25)] + [start + timedelta(days=65 + n) for n in range(5)]
    capped = [start + timedelta(minutes=n) for n in range(40_000)]
    for name, at in (("Regular", daily), ("Holed", holed), ("Capped", capped)):
        imported(
            cli,
            whatsapp_chat(tmp_path / "exports", name, at, f"{name} message"),
            "--me",
            "Alex Owner",
            "--date-order",
            "dmy",
        )
    for conversation in (1, 2, 3):
        assert cli("file", conversation, "--matter", "M-1").exit_code == 0
    with archive.transaction() as conn:  # the matter opened a week before its first message archived: not late
        conn.execute("UPDATE matters SET opened_at = '2023-12-25T00:00:00.000Z'")
    report = json.loads(cli("coverage", "--json").stdout)
    assert "late_starts" not in report
    by = {c["title"]: c for c in report["conversations"]}
    assert (by["Regular"]["holes"], by["Regular"]["caps"]) == ([], [])
    assert by["Holed"]["holes"] == [
        {
            "after": "2024-01-25T14:00:00.000Z",
            "after_precision": "minute",
            "before": "2024-03-06T14:00:00.000Z",
            "before_precision": "minute",
            "days": 41.0,
            "median_hours": 24.0,
        }
    ]
    assert by["Capped"]["caps"] == [
        {
            "export": {
                "import": 3,
                "file_name": "WhatsApp Chat with Capped.txt",
                "imported_at": by["Capped"]["caps"][0]["export"]["imported_at"],
            },
            "messages": 40_000,
            "media": False,
            "cap": 40_000,
            "first": "2024-01-01T14:00:00.000Z",
            "first_precision": "minute",
        }
    ]
    later = [start + timedelta(minutes=10_000 + n) for n in range(40_000)]  # capped too, the older ones archived
    imported(cli, whatsapp_chat(tmp_path / "later", "Capped", later), "--me", "Alex Owner", "--date-order", "dmy")
    again = {c["title"]: c for c in json.loads(cli("coverage", "--json").stdout)["conversations"]}
    assert again["Capped"]["caps"] == by["Capped"]["caps"]
    with archive.transaction() as conn:  # as if the matter had opened 2023-11-01: its archive starts 61 days late
        conn.execute("UPDATE matters SET opened_at = '2023-11-01T14:00:00.000Z'")
    report = json.loads(cli("coverage", "--matter", "M-1", "--json").stdout)
    assert report["late_starts"] == [
        {
            "matter": "M-1",
            "opened_at": "2023-11-01T14:00:00.000Z",
            "first": "2024-01-01T14:00:00.000Z",
            "first_precision": "minute",
            "days": 61.0,
        }
    ]
    r = cli("coverage", "--matter", "M-1")
    assert r.exit_code == 0
    screen = " ".join(r.stdout.split())
    for (
        said
    ) in (  # (a WhatsApp time to the minute, as the export wrote it; the matter's, the archive's own, to the second)
        "A gap of 41 days, from 2024-01-25 09:00 -05:00 to 2024-03-06 09:00 -05:00, in a thread whose median gap is 24 hours",
        "holds 40,000 messages of this chat: WhatsApp exports stop at about 40,000, dropping the oldest: messages before 2024-01-01 09:00 -05:00 may be missing.",
        "Matter M-1 opened 2023-11-01 10:00:00 -04:00; its first archived message is 2024-01-01 09:00 -05:00, 61 days later",
        "3 conversations of M-1: 2 with something to say, 1 with nothing.",
    ):
        assert said in screen
    assert max(map(len, r.stdout.splitlines())) <= 80


def test_the_weekly_runs_log_counts_them(archive_path, cli, lease, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    old = time.time() - 3600  # (a file modified within the last minute is left for the next run: still being written)
    os.utime(shutil.copy(ANDROID / "sms-20240308.xml", inbox), (old, old))
    assert cli("archive", inbox, "--out", tmp_path / "out", "--mkdir", "--quiet").exit_code in (0, 4)
    (inbox / "sms-20240308.xml").unlink()
    os.utime(without(inbox, ANDROID / "sms-20240308.xml", "sms-20240315.xml", DELETED), (old, old))
    assert cli("archive", inbox, "--out", tmp_path / "out", "--quiet").exit_code in (0, 4)
    log = Path(f"{archive_path}.log").read_text(encoding="utf-8")
    assert "no longer on the phone: 1 message an earlier export of this phone held is not in this one" in log


def test_the_caps_date_is_the_first_lines_when_a_line_further_down_is_older(cli, archive, lease, tmp_path):
    start = datetime(2025, 1, 8, 6, 40)
    at = [start + timedelta(minutes=n) for n in range(38_000)]
    at.insert(20_000, datetime(2024, 12, 25, 9, 0))  # a line out of time order (the phone's clock was wrong)
    imported(cli, whatsapp_chat(tmp_path / "exports", "Capped", at), "--me", "Alex Owner", "--date-order", "dmy")
    assert cli("file", 1, "--matter", "M-1").exit_code == 0
    [chat] = json.loads(cli("coverage", "--json").stdout)["conversations"]
    [cap] = chat["caps"]
    assert {k: v for k, v in cap.items() if k != "export"} == {
        "messages": 38_001,
        "media": False,
        "cap": 40_000,
        "first": "2025-01-08T11:40:00.000Z",  # the first line's time, not the odd line's (2024-12-25)
        "first_precision": "minute",
    }


def test_a_kind_the_later_export_holds_none_of_is_said_not_compared_once(cli, archive, lease, tmp_path):
    """A backup made without MMS cannot say whether the conversation's archived MMS are still on the phone: the
    import says how many it could not compare, where (defect 7 of reader37), and the same bytes again say nothing."""
    imported(cli, ANDROID / "sms-20240301.xml")
    imported(cli, ANDROID / "sms-20240308.xml")
    week3 = without(tmp_path, ANDROID / "sms-20240308.xml", "sms-20240315.xml", DELETED)
    no_mms = tmp_path / "sms-20240315-no-mms.xml"
    text = re.sub(r"  <mms .*?</mms>\n", "", week3.read_text(encoding="utf-8"), flags=re.S)
    no_mms.write_text(text.replace('count="18"', 'count="12"'), encoding="utf-8")
    assert cli("import", no_mms).stdout.splitlines() == [
        f"{no_mms}: android, added 0, already present 12, updated 0, skipped 0",
        "  assumed: repaired 2 emoji written as UTF-16 surrogate-pair references",
        "  assumed: numbers written without a country code were read as numbers of region US (the archive's region)"
        " and given its code +1 — as written: 2025550143 as +12025550143",
        "  assumed: this phone's number is taken to be +12025550100, the owner's only number in the archive, and what"
        " it sent is attributed to it: no MMS of this backup names the phone's own number, and --me did not",
        "  warning: 2 MMS of conversation 1 (archived before) were not compared: this export holds no MMS, so whether"
        " they are still on the phone is not known",
        "  warning: replaced 2 invalid character references or control characters (lone surrogates, &#0; …) with U+FFFD",
        "  no longer on the phone: 1 message an earlier export of this phone held is not in this one, inside the span"
        " it covers: deleted on the phone, or left out of the export (textfile coverage)",
        "2 conversations of this export wait to be filed: 2, 3 (textfile conversations --unfiled; textfile file N"
        " --matter REF, or textfile conversation ignore N)",
    ]
    # only the SMS was compared, and recorded missing
    assert [r["message_id"] for r in rows(archive)] == [message_id(archive, DELETED)]
    [again] = imported(cli, no_mms)  # (the same bytes: their first import said it)
    assert again["warnings"] == [
        "replaced 2 invalid character references or control characters (lone surrogates, &#0; …) with U+FFFD"
    ]
    # (on the first import's record, as its other warnings: `status` and `log` say it too)
    (recorded,) = archive.conn.execute("SELECT warnings FROM imports WHERE id = 3").fetchone()
    assert json.loads(recorded) == [
        "2 MMS of conversation 1 (archived before) were not compared: this export holds no MMS, so whether they are"
        " still on the phone is not known",
        *again["warnings"],
    ]


def test_a_chat_db_with_no_sms_says_the_sms_it_could_not_compare(cli, archive, tmp_path):
    """A Mac's chat.db holding no SMS this week: the SMS the conversation held last week, inside this export's span,
    were not compared (one of them deleted on the phone would otherwise go unreported, without a word)."""
    from imessage_build import build_modern, modern_data

    week1 = modern_data()
    sms = {"ROWID": 40, "guid": "SMS-40", "chat": 1, "handle_id": 4, "text": "Running 5 min late", "service": "SMS"}
    week1["MESSAGES"] = [*week1["MESSAGES"], sms | {"date": week1["ns"]("2024-03-01T17:12:30Z")}]
    week2 = modern_data()
    week2["MESSAGES"] = [m for m in week2["MESSAGES"] if m.get("service", "iMessage") != "SMS"]
    imported(cli, build_modern(tmp_path / "w1", data=week1))
    [second] = imported(cli, build_modern(tmp_path / "w2", data=week2))
    assert second["warnings"] == [
        "1 SMS of conversation 1 (archived before) was not compared: this export holds no SMS, so whether it is still"
        " on the phone is not known",
        "ROWID 11 (5E1F0000-0000-4000-8000-000000000011): its text (attributedBody) cannot be read: string length 19"
        " runs past the end of the 90-byte blob; imported with an empty body",
        "chat.db: 1 attachment is not in the archive (#1.8 scan.pdf): 1 not found; import the messages again with"
        " their files (a Messages folder with its Attachments folder, --attachments-root, or an iPhone backup that"
        " holds it) to fill it in",
    ]
    assert "missing_from_phone" not in second
