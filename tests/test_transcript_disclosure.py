"""What a transcript discloses (issue 13, points 9 and 10): every assumption that shaped the evidence
is on the cover and in the manifest, times print at the precision the source has, and a source
imported twice is listed once.

The matter is made the way a user makes one, with the CLI: the Android fixture (auto-filed, plus a
conversation whose text holds characters the backup could not decode, filed by hand), a group
thread whose incoming messages name no sender, a WhatsApp chat with Sam written across both DST
changes (imported twice), the WhatsApp chat with Pat, whose dates are ambiguous, imported with --me
and filed by hand before textfile recorded who files, and the chat with Bo, read with --date-order and
filed from a date on.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
import unicodedata
from pathlib import Path

import pytest
from conftest import FIXTURES, transcript_numbers
from typer.testing import CliRunner

from textfile import times
from textfile.archive import Archive
from textfile.cli import app

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")

NEW_YORK = times.zone("America/New_York")
SAM_CHAT = (
    "\n".join(
        [
            "10/03/2024, 01:50 - Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them.",
            "10/03/2024, 01:55 - Sam Client: Are you awake?",
            "10/03/2024, 02:30 - Sam Client: It is half past two here",  # a time that did not exist in New York
            "10/03/2024, 03:05 - Alex Owner: The clocks jumped, it is past three",
            "12/03/2024, 09:00 - Sam Client: <Media omitted>",
            "12/03/2024, 09:00 - Sam Client: <Media omitted>",
            "12/03/2024, 09:00 - Sam Client: <Media omitted>",
            "12/03/2024, 09:01 - Sam Client: The scan reads caf\ufffd and na\ufffd\ufffdve",
            "13/03/2024, 10:00 - Alex Owner: Got it",
            "03/11/2024, 01:30 - Sam Client: Back an hour",  # a time that occurred twice
        ]
    )
    + "\n"
)
GROUP_SMS = """<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>
<smses count="2">
  <sms protocol="0" address="+12025550143~+12025550191" date="1709400000000" type="1" body="Who sent this?" read="1" status="-1" />
  <sms protocol="0" address="+12025550143~+12025550191" date="1709400060000" type="1" body="And this?" read="1" status="-1" />
</smses>
"""


def run(archive_path: Path, *args, user: str = "paralegal3"):
    return CliRunner().invoke(
        app, ["--archive", str(archive_path), *map(str, args)], env={"LOGNAME": user}, catch_exceptions=False
    )


def pages_text(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1]


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """(archive path, transcript result, page texts, manifest, folder)."""
    folder = tmp_path_factory.mktemp("disclosure")
    path = folder / "archive.db"
    sam_chat = folder / "WhatsApp Chat with Sam Client.txt"
    sam_chat.write_text(SAM_CHAT, encoding="utf-8")
    group = folder / "sms-group.xml"
    group.write_text(GROUP_SMS, encoding="utf-8")
    for args in (
        [
            "init",
            "--owner",
            "Alex Owner",
            "--phone",
            "+1 202 555 0100",
            "--tz",
            "America/New_York",
            "--region",
            "US",
            "--bates-prefix",
            "DIS",
        ],
        ["client", "add", "Sam Client", "--phone", "(202) 555-0143"],
        ["matter", "open", "2026-014", "--client", "Sam Client", "--title", "Lease dispute"],
        ["import", FIXTURES / "android" / "sms-20240301.xml"],
        ["import", group, "--custodian", "Alex Owner"],
        ["import", sam_chat, "--tz", "America/New_York"],
        ["import", sam_chat],  # the same file again: one source
        ["import", FIXTURES / "whatsapp" / "WhatsApp Chat with Pat.txt", "--me", "Alex Owner"],
        ["import", FIXTURES / "whatsapp" / "WhatsApp Chat with Bo.txt", "--date-order", "mdy"],
    ):
        r = run(path, *args)
        assert r.exit_code == 0, r.output
    with sqlite3.connect(path) as conn:
        ids = dict(
            conn.execute("SELECT CASE platform WHEN 'whatsapp' THEN title ELSE source_key END, id FROM conversations")
        )
    for title in ("+12025550178", "Sam Client", "Pat"):
        r = run(path, "file", ids[title], "--matter", "2026-014")
        assert r.exit_code == 0, r.output
    r = run(path, "file", ids["Bo"], "--matter", "2026-014", "--from", "2023-01-05")  # its messages from then on
    assert r.exit_code == 0, r.output
    with sqlite3.connect(path) as conn:  # Pat's chat was filed by an earlier version, which did not record who
        if "filed_by" in {
            c[1] for c in conn.execute("PRAGMA table_info(filings)")
        }:  # (a version that has no column records nobody)
            conn.execute("UPDATE filings SET filed_by = NULL WHERE conversation_id = ?", (ids["Pat"],))
    conn.close()
    r = run(path, "transcript", "2026-014", "--out", folder / "t.pdf", "--json")
    assert r.exit_code == 0, r.output
    from textfile.transcript import manifest

    return path, json.loads(r.stdout), pages_text(folder / "t.pdf"), json.loads(manifest.read(folder / "t.pdf")), ids


def cover_text(made) -> str:
    pages = made[2]
    end = next(n for n, page in enumerate(pages) if "Method and limits" in page)
    return flat("\n".join(pages[: end + 1]))


def body_text(made) -> str:
    return "\n".join(made[2])


def filed_at(made, conversation: int) -> str:
    with sqlite3.connect(made[0]) as conn:
        [(at,)] = conn.execute(
            "SELECT created_at FROM filings WHERE conversation_id = ? AND how = 'manual'", (conversation,)
        )
    conn.close()
    return times.display(at, NEW_YORK)


# -- 9. every assumption on the cover ---------------------------------------------------------------

# what the import said of the times a DST change left open in the Sam Client chat (and the cover repeats)
SAM_DST = (
    "2 times as written did not exist or occurred twice in America/New_York (daylight saving time): 1 did not exist (the clocks"
    ' jumped forward) and was read with the offset before the change: line 3 (written "10/03/2024, 02:30", read as 2024-03-10'
    " 03:30 -04:00); 1 occurred twice (the clocks went back) and was read as the first of the two: line 10 (written"
    ' "03/11/2024, 01:30", read as 2024-11-03 01:30 -04:00)'
)


def test_whatsapp_zone_date_order_and_who_me_was_are_on_the_cover(made):
    cover = cover_text(made)
    assert (  # (read twice: with --tz, as told, then without: the archive's zone, each said as it was; round 21 #9)
        "• WhatsApp Chat with Sam Client.txt: the messages written by 'Alex Owner' are the owner's: the archive's owner has"
        f" that name; assumed on import: {SAM_DST}. By import: ◦ import 3 ("
    ) in cover
    assert re.search(
        r"◦ import 3 \([^)]*\): times read as wall-clock times in America/New_York, as --tz said\. ◦ import 4 \([^)]*\):"
        r" times read as wall-clock times in America/New_York \(the archive's zone\)\.",
        cover,
    )
    assert (
        "• WhatsApp Chat with Pat.txt: times read as wall-clock times in America/New_York (the archive's zone);"
        " --me 'Alex Owner' given: the messages written by 'Alex Owner' are the owner's (Alex Owner);"
        " assumed on import: nothing in the file tells day/month from month/day order (no header date has a number above 12,"
        " the dates advance alike in both orders, no dated attachment name fits one order only); dates were read as"
        " month/day/year (the usual order for region US); pass --date-order dmy if that is wrong."
    ) in cover
    assert (  # (the country code its numbers written without one were given: an assumption, on the transcript)
        "• sms-20240301.xml: assumed on import: repaired 2 emoji written as UTF-16 surrogate-pair references; numbers"
        " written without a country code were read as numbers of region US (the archive's region) and given its code +1"
        " — as written: (202) 555-0143 as +12025550143, 2025550143 as +12025550143, 2025550191 as +12025550191."
        in cover
    )
    assert (
        "• WhatsApp Chat with Bo.txt: times read as wall-clock times in America/New_York (the archive's zone); dates read as"
        " month/day/year, as --date-order mdy said; the messages written by 'Alex Owner' are the owner's: the archive's owner"
        " has that name."
    ) in cover


def test_who_filed_by_hand_and_when_and_what_was_filed_automatically(made):
    cover, ids = cover_text(made), made[4]
    assert (
        f"• Filed to 2026-014 by hand, by paralegal3: conversation {ids['+12025550178']} on {filed_at(made, ids['+12025550178'])};"
        f" conversation {ids['Sam Client']} on {filed_at(made, ids['Sam Client'])}; conversation {ids['Bo']} (its messages from"
        f" 2023-01-05 00:00 -05:00 until the end) on {filed_at(made, ids['Bo'])}."
    ) in cover  # (at the precision of the chat's times)
    assert (
        f"• Filed to 2026-014 by hand, by unknown (filed before this was recorded): conversation {ids['Pat']}"
        f" on {filed_at(made, ids['Pat'])}."
    ) in cover
    auto = sorted(c for t, c in ids.items() if t not in ("+12025550178", "Sam Client", "Pat", "Bo", "72975"))
    assert len(auto) == 4
    added = re.search(r"the client's since textfile client add on (\S+ \S+ \S+) by paralegal3", cover)[1]
    with sqlite3.connect(made[0]) as conn:
        [(at,)] = conn.execute("SELECT at FROM audit_log WHERE command = 'client add'")
    conn.close()
    assert added == times.display(at, times.zone("America/New_York"))
    assert (
        f"• Conversations {', '.join(map(str, auto))} were filed to 2026-014 automatically: their participant +12025550143,"
        f" the client's since textfile client add on {added} by paralegal3; the client had one open matter."
    ) in cover


def test_undecodable_characters_are_counted_on_the_cover_and_marked_where_they_stand(made):
    text = body_text(made)
    seq = {n: body for n, body in re.findall(r"^#(\d+\.\d+) [^\n]*\n([^\n]*)", text, re.M)}
    broken = next(n for n, body in seq.items() if body.startswith("Broken"))
    scan = next(n for n, body in seq.items() if body.startswith("The scan"))
    assert list(seq).index(broken) < list(seq).index(scan)  # (the Android thread comes first)
    assert (
        f"• 5 characters in messages #{broken} (2), #{scan} (3) are U+FFFD, the replacement character, marked \ufffd where they"
        " stand; the text is otherwise as the source holds it. A source or an import puts U+FFFD where it could not decode a"
        " character, but a message may also hold one as it was sent: the archive does not record which of them an import put in."
        f" ◦ import 1, sms-20240301.xml, which holds #{broken} (sms 7), reported: replaced 2 invalid character references or control"
        " characters (lone surrogates, &#0; …) with U+FFFD."
        f" ◦ #{scan}: its U+FFFD were in the source's text as it was imported: no import that holds it reported a character it"
        " could not decode."
    ) in cover_text(made)
    assert seq[scan] == "The scan reads caf\ufffd and na\ufffd\ufffdve"  # the text itself unchanged


def test_the_mark_is_drawn_around_each_undecodable_character():
    from textfile.transcript import render

    # (a zero-width space after the mark: a place to break, which a run of marks needs; see test_transcript_text.py)
    assert str(render.visible("caf\ufffd <b>&")) == 'caf<span class="bad">\ufffd\u200b</span> &lt;b&gt;&amp;'
    assert render.visible("plain <b>") == "plain <b>"  # (escaped by the template, as every other text)
    css = (Path(render.TEMPLATES) / "transcript.css").read_text()
    assert re.search(r"^\.bad \{ background: #ffd54a; outline: 0\.5pt solid #000; \}$", css, re.M)


def test_dst_times_print_as_the_export_wrote_them_beside_the_instant(made):
    text, cover = body_text(made), cover_text(made)
    gap = re.search(
        r"^#(\d+\.\d+) 2024-03-10 03:30 -04:00 \(written in the export as 2024-03-10 02:30\) Sam Client ·\s+incoming ·",  # (the bold line may wrap there)
        text,
        re.M,
    )
    twice = re.search(
        r"^#(\d+\.\d+) 2024-11-03 01:30 -04:00 \(written in the export as 2024-11-03 01:30\) Sam Client ·\s+incoming ·",  # (the bold line may wrap there)
        text,
        re.M,
    )
    assert gap and twice
    assert (
        f"• #{gap.group(1)}: the export wrote 2024-03-10 02:30, which did not exist in America/New_York (the clocks jumped"
        " forward); it was read with the offset before the change, as 2024-03-10 03:30 -04:00."
    ) in cover
    assert (
        f"• #{twice.group(1)}: the export wrote 2024-11-03 01:30, which occurred twice in America/New_York (the clocks went"
        " back); the first, 2024-11-03 01:30 -04:00, was assumed."
    ) in cover


@pytest.mark.parametrize(
    "zone, wall, flag",
    [
        ("America/New_York", (2024, 3, 10, 2, 30), "time_nonexistent"),
        ("America/New_York", (2024, 11, 3, 1, 30, 15), "time_ambiguous"),
        ("Europe/Berlin", (2024, 3, 31, 2, 0), "time_nonexistent"),
        ("Europe/Berlin", (2024, 10, 27, 2, 59, 59), "time_ambiguous"),
        ("Australia/Lord_Howe", (2024, 10, 6, 2, 15), "time_nonexistent"),
        ("Australia/Lord_Howe", (2024, 4, 7, 1, 45), "time_ambiguous"),
    ],
)
def test_the_written_wall_time_is_derived_exactly_from_the_instant_and_the_zone(zone, wall, flag):
    from datetime import datetime

    tz = times.zone(zone)
    placed, found = times.localize(datetime(*wall), tz)
    assert found == flag
    assert times.written_wall(times.to_iso(placed), tz, flag) == datetime(*wall)
    assert (
        times.written_wall(
            times.to_iso(placed), tz, "time_nonexistent" if flag == "time_ambiguous" else "time_ambiguous"
        )
        is None
    )


def test_each_source_once_with_every_import_and_whose_phone(made):
    cover = cover_text(made)
    with sqlite3.connect(made[0]) as conn:
        imports = {
            name: [
                (n, at, sha, size)
                for n, at, sha, size in conn.execute(
                    "SELECT id, started_at, sha256, size FROM imports WHERE file_name = ? ORDER BY id", (name,)
                )
            ]
            for name in ("WhatsApp Chat with Sam Client.txt", "sms-group.xml")
        }
    conn.close()
    (one, first, sha, size), (two, second, _, _) = imports["WhatsApp Chat with Sam Client.txt"]
    assert cover.count("WhatsApp Chat with Sam Client.txt whatsapp") == 1
    # (the second import's date is the cell's second line: pdftotext -layout puts it after the row's first line)
    assert (
        f"WhatsApp Chat with Sam Client.txt whatsapp {size} import {one}, {times.display(first, NEW_YORK)} 10"
        f" import {two}, {times.display(second, NEW_YORK)}"
        " From the phone of Alex Owner, the archive's owner (no custodian was named when it was imported)."
        f" sha256 {sha}"
    ) in cover
    [(n, at, sha, size)] = imports["sms-group.xml"]
    assert (
        f"sms-group.xml android {size} import {n}, {times.display(at, NEW_YORK)} 2"
        f" From the phone of Alex Owner (the custodian named when it was imported). sha256 {sha}"
    ) in cover


def test_the_manifest_carries_what_the_cover_discloses(made):
    disclosures, ids = made[3]["disclosures"], made[4]
    with sqlite3.connect(made[0]) as conn:
        conn.row_factory = sqlite3.Row
        imports = [
            dict(r)
            for r in conn.execute(
                "SELECT * FROM imports WHERE file_name = 'WhatsApp Chat with Sam Client.txt' ORDER BY id"
            )
        ]
        filings = [
            dict(r)
            for r in conn.execute(
                "SELECT f.*, m.reference FROM filings f JOIN matters m ON m.id = f.matter_id ORDER BY conversation_id, f.id"
            )
        ]
        gap = conn.execute("SELECT id, sent_at FROM messages WHERE body = 'It is half past two here'").fetchone()
        twice = conn.execute("SELECT id, sent_at FROM messages WHERE body = 'Back an hour'").fetchone()
    conn.close()
    [sam] = [s for s in disclosures["sources"] if s["file_names"] == ["WhatsApp Chat with Sam Client.txt"]]
    assert [json.loads(i["options"]) for i in imports] == [
        {"tz": "America/New_York"},
        {"conversation": "Sam Client", "same_bytes_as": "WhatsApp Chat with Sam Client.txt"},
    ]
    assert sam == {
        "sha256": imports[0]["sha256"],
        "format": "whatsapp",
        "size": imports[0]["size"],
        "file_names": ["WhatsApp Chat with Sam Client.txt"],
        "imports": [
            {
                "import": i["id"],
                "started_at": i["started_at"],
                "file_name": i["file_name"],
                "zone": "America/New_York",
                "custodian": None,
                "options": json.loads(i["options"]),
                "assumptions": [f"WhatsApp Chat with Sam Client.txt: {SAM_DST}"],
                "imported_by": "paralegal3",
            }
            for i in imports
        ],
        "messages": 10,
        "zones": ["America/New_York"],
        "custodians": [],
        "conversations": [ids["Sam Client"]],
        "phone": "Alex Owner, the archive's owner (no custodian was named when it was imported)",
        "assumptions": [f"WhatsApp Chat with Sam Client.txt: {SAM_DST}"],
        "decisions": ["the messages written by 'Alex Owner' are the owner's: the archive's owner has that name"],
        "by_import": [  # (the first was told its zone, the second assumed it: round 21 #9)
            {
                "imports": [imports[0]["id"]],
                "decisions": ["times read as wall-clock times in America/New_York, as --tz said"],
                "assumptions": [],
            },
            {
                "imports": [imports[1]["id"]],
                "decisions": ["times read as wall-clock times in America/New_York (the archive's zone)"],
                "assumptions": [],
            },
        ],
    }
    assert [f for f in disclosures["filings"] if f["how"] == "manual"] == [
        {
            "conversation": f["conversation_id"],
            "matter": "2026-014",
            "how": "manual",
            "by": f["filed_by"],
            "at": f["created_at"],
            "at_local": times.display(f["created_at"], NEW_YORK),
            "from": f["from_at"],
            "until": None,
            "from_local": times.display(f["from_at"], NEW_YORK, "minute") if f["from_at"] else "",
            "until_local": "",
        }  # (Bo's chat: to the minute)
        for f in filings
        if f["how"] == "manual"
    ]
    assert [(f["conversation"], f["by"], f["from"]) for f in disclosures["filings"] if f["how"] == "manual"] == [
        (ids["+12025550178"], "paralegal3", None),
        (ids["Sam Client"], "paralegal3", None),
        (ids["Pat"], None, None),
        (ids["Bo"], "paralegal3", "2023-01-05T05:00:00.000Z"),
    ]
    with sqlite3.connect(made[0]) as conn:  # (a message's number: its conversation's, and its place in it)
        gap_seq, twice_seq = (
            transcript_numbers(made[1]["path"])[
                conn.execute("SELECT position FROM transcript_messages WHERE message_id = ?", (m[0],)).fetchone()[0] - 1
            ]
            for m in (gap, twice)
        )
    conn.close()
    assert disclosures["dst"] == [
        {
            "seq": gap_seq,
            "message": gap[0],
            "flag": "time_nonexistent",
            "zone": "America/New_York",
            "sent_at": gap[1],
            "written": "2024-03-10 02:30",
            "shown": "2024-03-10 03:30 -04:00",
            "second": False,
            "resolved": "2024-03-10 03:30 -04:00",
        },
        {
            "seq": twice_seq,
            "message": twice[0],
            "flag": "time_ambiguous",
            "zone": "America/New_York",
            "sent_at": twice[1],
            "written": "2024-11-03 01:30",
            "shown": "2024-11-03 01:30 -04:00",
            "second": False,
            "resolved": "2024-11-03 01:30 -04:00",
        },
    ]
    assert [u["characters"] for u in disclosures["undecodable"]] == [2, 3]
    assert {
        (p["conversation"], p["precision"]) for p in disclosures["time_precision"] if p["precision"] == "minute"
    } == {(ids["Sam Client"], "minute"), (ids["Pat"], "minute"), (ids["Bo"], "minute")}
    assert {p["conversation"]: p["messages"] for p in disclosures["time_precision"] if p["precision"] == "minute"}[
        ids["Sam Client"]
    ] == 10


# -- 10. times at the source's precision ------------------------------------------------------------


def test_whatsapp_times_print_without_seconds_the_export_never_had(made):
    text, cover = body_text(made), cover_text(made)
    assert re.search(
        r"^#\d+\.\d+ 2024-03-10 01:55 -05:00 Sam Client · incoming · WhatsApp\nAre you awake\?$", text, re.M
    )
    assert re.search(r"^#\d+\.\d+ 2024-03-13 10:00 -04:00 Alex Owner · outgoing · WhatsApp\nGot it$", text, re.M)
    whatsapp = [
        line
        for line in text.splitlines()
        if re.match(r"#\d+\.\d+[ –]", line) and ("· WhatsApp" in line or "(written in" in line)
    ]
    assert len(whatsapp) == 12 and not [line for line in whatsapp if re.match(r"#[\d.–#]+ [\d-]+ \d\d:\d\d:\d\d", line)]
    assert re.search(
        r"^#\d+\.\d+ 2024-03-01 12:00:00 -05:00 Sam Client \+12025550143 · incoming · SMS$", text, re.M
    )  # an SMS keeps its seconds
    sam = made[4]["Sam Client"]
    assert (
        f" {sam} whatsapp Sam Client; Alex Owner (owner) WhatsApp 10 2024-03-10 01:50 -05:00 (total 10) 2024-11-03 01:30 -04:00 "
        in cover
    )
    minute = ", ".join(map(str, sorted((sam, made[4]["Pat"], made[4]["Bo"]))))
    assert f"to the minute in conversations {minute}, whose export wrote no seconds" in cover


def test_precision_is_stored_per_message_and_not_hashed(made, tmp_path):
    """An iPhone-style export keeps its seconds; the precision is no part of the content hash, so a
    message's id and hash are what they were before the precision was recorded."""
    from textfile.ingest import message_content_hash

    path = tmp_path / "archive.db"
    with sqlite3.connect(made[0]) as src, sqlite3.connect(path) as dst:
        src.backup(dst)
    src.close()
    dst.close()
    r = run(path, "import", FIXTURES / "whatsapp" / "WhatsApp Chat - Dana Reyes.txt", "--json")
    assert r.exit_code == 0, r.output
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT c.platform, c.title, m.time_precision, count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id"
            " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
        ).fetchall()
        stored = conn.execute(
            "SELECT m.sent_at, m.direction, m.kind, p.handle, m.body, m.status, m.duration_s, m.flags, m.reply_to, m.content_hash"
            " FROM messages m LEFT JOIN participants p ON p.id = m.sender_id WHERE m.body = 'Are you awake?'"
        ).fetchone()
    conn.close()
    assert {precision for platform, _title, precision, _n in rows if platform == "android"} == {
        None
    }  # (a clock to the millisecond)
    assert [row for row in rows if row[0] == "whatsapp"] == [
        ("whatsapp", "Bo", "minute", 3),
        ("whatsapp", "Dana Reyes", "second", 9),
        ("whatsapp", "Pat", "minute", 3),
        ("whatsapp", "Sam Client", "minute", 10),
    ]
    assert message_content_hash(*stored[:9], []) == stored[9]


def test_archives_made_before_get_their_whatsapp_precision_inferred_and_imports_add_nothing(made, tmp_path):
    """m008 on an archive that never had the column: an Android-style import (every time :00) is to
    the minute, an iPhone-style one to the second; importing the same exports again adds nothing."""
    path = tmp_path / "archive.db"
    with sqlite3.connect(made[0]) as src, sqlite3.connect(path) as dst:
        src.backup(dst)
    src.close()
    dst.close()
    assert run(path, "import", FIXTURES / "whatsapp" / "WhatsApp Chat - Dana Reyes.txt").exit_code == 0
    with sqlite3.connect(path) as conn:
        before = conn.execute("SELECT id, content_hash, time_precision FROM messages ORDER BY id").fetchall()
        conn.execute("ALTER TABLE messages DROP COLUMN time_precision")
        conn.execute("ALTER TABLE filings DROP COLUMN filed_by")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm008_time_precision_and_who_filed'")
    conn.close()
    with Archive.open(path) as archive:
        after = archive.conn.execute("SELECT id, content_hash, time_precision FROM messages ORDER BY id").fetchall()
        assert [tuple(r) for r in after] == before
        assert archive.conn.execute("SELECT count(*) FROM filings WHERE filed_by IS NOT NULL").fetchone()[0] == 0
    for export in (
        FIXTURES / "whatsapp" / "WhatsApp Chat - Dana Reyes.txt",
        FIXTURES / "whatsapp" / "WhatsApp Chat with Pat.txt",
    ):
        r = run(path, "import", export, "--me", "Alex Owner", "--json")
        assert r.exit_code == 0, r.output
        assert (json.loads(r.stdout)[0]["added"], json.loads(r.stdout)[0]["updated"]) == (0, 0)


# -- a zone corrected (--corrects-tz), and two exports of one name -------------------------------

NOA_CHAT = (
    "13/11/2025, 08:00 - Noa Levi: Good morning, the estate papers are ready.\n"
    "13/11/2025, 08:02 - Alex Owner: Thanks, I will read them tonight.\n"
    "13/11/2025, 08:05 - Noa Levi: IMG-20251113-WA0002.jpg (file attached)\n"
)


@pytest.fixture(scope="module")
def corrected(tmp_path_factory):
    """Week 1's export read in New York (the archive's zone), then again as Europe/London with
    --corrects-tz; week 2's export (the same file name, one more message) read as Europe/London.
    (archive path, page texts of a transcript from 13 to 14 November, manifest, imports)."""
    folder = tmp_path_factory.mktemp("corrected")
    path = folder / "archive.db"
    for week, extra in (("w1", ""), ("w2", "14/11/2025, 09:00 - Noa Levi: Did you read them?\n")):
        (folder / week).mkdir()
        (folder / week / "WhatsApp Chat with Noa Levi.txt").write_text(NOA_CHAT + extra, encoding="utf-8")
    for args in (
        [
            "init",
            "--owner",
            "Alex Owner",
            "--phone",
            "+1 202 555 0100",
            "--tz",
            "America/New_York",
            "--region",
            "US",
            "--bates-prefix",
            "NOA",
        ],
        ["import", folder / "w1" / "WhatsApp Chat with Noa Levi.txt"],
        ["import", folder / "w1" / "WhatsApp Chat with Noa Levi.txt", "--tz", "Europe/London", "--corrects-tz"],
        ["import", folder / "w2" / "WhatsApp Chat with Noa Levi.txt", "--tz", "Europe/London"],
        ["client", "add", "Noa Levi"],
        ["matter", "open", "2026-020", "--client", "Noa Levi", "--title", "Estate"],
        ["file", "1", "--matter", "2026-020"],
        ["transcript", "2026-020", "--out", folder / "t.pdf", "--from", "2025-11-13", "--until", "2025-11-14"],
    ):
        r = run(path, *args)
        assert r.exit_code == 0, r.output
    with sqlite3.connect(path) as conn:
        conn.row_factory = sqlite3.Row
        imports = [dict(r) for r in conn.execute("SELECT * FROM imports ORDER BY id")]
    conn.close()
    from textfile.transcript import manifest

    return path, pages_text(folder / "t.pdf"), json.loads(manifest.read(folder / "t.pdf")), imports


def test_a_corrected_zone_is_disclosed_with_who_when_which_import_and_how_many_messages(corrected):
    """Issue 13 points 9 and 10: each import's bullet names the zone it read in, says when no message
    is shown at that reading any more, and the correction is a decision of its own, by whom."""
    path, pages, manifest, imports = corrected
    cover = cover_text((None, None, pages)).replace("/ ", "/")  # (a line may break after the / of a zone's name)
    one, two, three = (times.display(i["started_at"], NEW_YORK) for i in imports)
    week1, week2 = (f"WhatsApp Chat with Noa Levi.txt (sha256 {imports[n]['sha256'][:12]})" for n in (0, 2))
    assert (
        f"• {week1}: the messages written by 'Alex Owner' are the owner's: the archive's owner has that name. By import:"
        f" ◦ import 1 ({one}): times read as wall-clock times in America/New_York (the archive's zone), since superseded: none of"
        " its messages is shown at that reading (another import corrected the zone, below)."
        f" ◦ import 2 ({two}): times read as wall-clock times in Europe/London, as --tz said, correcting an earlier reading (below)."
    ) in cover
    assert (
        f"• {week2}: times read as wall-clock times in Europe/London, as --tz said; the messages written by 'Alex Owner' are the owner's:"
        " the archive's owner has that name."
    ) in cover
    assert (
        f"• The reading of {week1} was corrected by paralegal3 on {two} (import 2): zone America/New_York → Europe/London;"
        " it moved 3 messages of this transcript, each shown at its new time with the earlier reading kept as an earlier"
        " version."
    ) in cover
    assert "they are shown as read in Europe/London, after the corrections above." in flat("\n".join(pages))
    assert (
        "times read as wall-clock times in America/New_York (the archive's zone);" not in cover
    )  # (never without "superseded")
    assert manifest["disclosures"]["corrections"] == [
        {
            "import": 2,
            "source": week1,
            "sha256": imports[0]["sha256"],
            "file_name": "WhatsApp Chat with Noa Levi.txt",
            "started_at": imports[1]["started_at"],
            "at_local": two,
            "by": "paralegal3",
            "from_zone": "America/New_York",
            "to_zone": "Europe/London",
            "from_order": None,
            "to_order": None,
            "messages": 3,  # (the dates prove their order: no notice)
            "what": "zone America/New_York → Europe/London",
        }
    ]
    assert [i["imported_by"] for i in imports] == ["paralegal3"] * 3


def test_who_corrected_the_zone_is_unknown_for_an_import_made_before_it_was_recorded(corrected, tmp_path):
    path = tmp_path / "archive.db"
    with sqlite3.connect(corrected[0]) as src, sqlite3.connect(path) as dst:
        src.backup(dst)
        dst.execute("UPDATE imports SET imported_by = NULL WHERE id = 2")  # as m012 leaves an import made before it
    src.close()
    dst.close()
    r = run(path, "transcript", "2026-020", "--out", tmp_path / "t.pdf")
    assert r.exit_code == 0, r.output
    two = times.display(corrected[3][1]["started_at"], NEW_YORK)
    assert f" was corrected by unknown (imported before this was recorded) on {two} (import 2):" in cover_text(
        (None, None, pages_text(tmp_path / "t.pdf"))
    )


def test_two_sources_of_one_file_name_are_told_apart_on_the_table_and_in_the_bullets(corrected):
    cover, imports = cover_text((None, None, corrected[1])), corrected[3]
    one, two, three = (times.display(i["started_at"], NEW_YORK) for i in imports)
    # (pdftotext -layout writes the rest of a cell after the row's first line)
    assert (
        f"WhatsApp Chat with Noa Levi.txt whatsapp {imports[0]['size']} import 1, {one} 3 (sha256 {imports[0]['sha256'][:12]})"
        f" import 2, {two} From the phone of Alex Owner"
    ) in cover
    assert (
        f"WhatsApp Chat with Noa Levi.txt whatsapp {imports[2]['size']} import 3, {three} 4 (sha256 {imports[2]['sha256'][:12]})"
        " From the phone of Alex Owner"
    ) in cover
    assert (
        cover.count("• WhatsApp Chat with Noa Levi.txt (sha256 ") == 2
        and "• WhatsApp Chat with Noa Levi.txt:" not in cover
    )


def test_an_unchanged_text_is_not_repeated_and_attachments_print_with_the_message_as_it_is(corrected):
    """Issue 13 point 10 (and the walk's 13): after --corrects-tz each message keeps its earlier reading as a
    version; the version says "same text" instead of the text again, and comes after the attachment lines."""
    body = "\n".join(corrected[1])
    assert (
        "#1.1 2025-11-13 03:00 -05:00 Noa Levi · incoming · WhatsApp\n"
        "Good morning, the estate papers are ready.\n"
        "earlier version 1, from the earlier import, earlier reading: 2025-11-13 08:00 -05:00 in America/New_York (same text)\n"
    ) in body
    assert (
        "#1.3 2025-11-13 03:05 -05:00 Noa Levi · incoming · WhatsApp\n"
        "Attachment 1: IMG-20251113-WA0002.jpg, image/jpeg — not in the archive: file not found beside the chat text\n"
        "earlier version 1, from the earlier import, earlier reading: 2025-11-13 08:05 -05:00 in America/New_York (no text)\n"
    ) in body
    assert "#1.4 2025-11-14 04:00 -05:00 Noa Levi · incoming · WhatsApp\nDid you read them?\n" in body


def test_every_time_printed_is_at_the_precision_of_the_messages_it_belongs_to(corrected):
    """Earlier readings and the window of a chat written to the minute print no seconds (main printed
    "earlier reading: 2025-11-13 08:00:00 -05:00" and a window "from 2025-11-13 00:00:00 -05:00")."""
    text = "\n".join(corrected[1])
    assert re.findall(r"earlier reading: (\S+ \S+ \S+)", text) == [
        "2025-11-13 08:00 -05:00",
        "2025-11-13 08:02 -05:00",
        "2025-11-13 08:05 -05:00",
    ]
    assert (
        "Window all messages filed to the matter, from 2025-11-13 00:00 -05:00 until 2025-11-14 23:59 -05:00"
        " Messages shown 4 in 1 conversation, from 2025-11-13 03:00 -05:00 to 2025-11-14 04:00 -05:00"
    ) in flat(text)
    assert not re.search(
        r"\d\d:\d\d:\d\d [+-]\d\d:\d\d", text.split("Method and limits")[1]
    )  # no time with seconds after the cover's facts


# -- what the archive proves of a correction, of U+FFFD, of a pairing; each import's own reading (walk report 2) -------


def matter_transcript(path: Path, folder: Path, client: str, chats: int = 1) -> tuple[list[str], dict]:
    """A matter for the client holding the archive's first `chats` conversations, its transcript: (page texts
    without each page's running header and its page and Bates line, manifest)."""
    from textfile.transcript import manifest

    for args in (
        ["client", "add", client],
        ["matter", "open", "2026-030", "--client", client, "--title", "Walk"],
        *(["file", n, "--matter", "2026-030"] for n in range(1, chats + 1)),
        ["transcript", "2026-030", "--out", folder / "t.pdf"],
    ):
        r = run(path, *args)
        assert r.exit_code == 0, r.output
    pages = [
        "\n".join(
            line for n, line in enumerate(page.splitlines()) if n and not re.match(r"Page \d+ of \d+ +\S+$", line)
        )
        for page in pages_text(folder / "t.pdf")
    ]
    return pages, json.loads(manifest.read(folder / "t.pdf"))


def test_an_import_that_moved_nothing_is_not_said_to_have_corrected_a_reading(tmp_path):
    """Defect 6: --corrects-tz on a chat's first import, or with no --tz, corrected nothing (no message
    moved, no version kept), yet the cover said the times were read "correcting an earlier reading".
    (Both imports recorded the flag, as main at df97f02 accepted it; whether such an import is refused
    now is ingest's to say: the cover states a correction only where versions prove one.)"""
    path = tmp_path / "archive.db"
    (tmp_path / "WhatsApp Chat with Noa Levi.txt").write_text(NOA_CHAT, encoding="utf-8")
    (tmp_path / "WhatsApp Chat with Ruth Levi.txt").write_text(NOA_CHAT.replace("Noa", "Ruth"), encoding="utf-8")
    for args in (
        ["init", "--owner", "Alex Owner", "--tz", "America/New_York", "--region", "US", "--bates-prefix", "NOA"],
        ["import", tmp_path / "WhatsApp Chat with Noa Levi.txt", "--tz", "Europe/London"],
        ["import", tmp_path / "WhatsApp Chat with Ruth Levi.txt"],
    ):
        assert run(path, *args).exit_code == 0
    with sqlite3.connect(path) as conn:
        conn.execute("""UPDATE imports SET options = '{"corrects_tz":true}'""")
    conn.close()
    pages, manifest = matter_transcript(path, tmp_path, "Noa Levi", chats=2)
    cover = cover_text((None, None, pages))
    assert (
        "• WhatsApp Chat with Noa Levi.txt: times read as wall-clock times in Europe/London; the messages written by 'Alex Owner'"
        " are the owner's: the archive's owner has that name."
    ) in cover
    assert (
        "• WhatsApp Chat with Ruth Levi.txt: times read as wall-clock times in America/New_York (the archive's zone); the messages"
        " written by 'Alex Owner' are the owner's: the archive's owner has that name."
    ) in cover
    assert "correct" not in cover.split("Assumed or decided")[1].split("Method and limits")[0]
    assert manifest["disclosures"]["corrections"] == []


BO_CHAT = (
    "01/11/2025, 09:31 - Alex Owner: Can we meet Thursday?\n"  # dates that read alike in neither order, nothing to tell which
    "01/11/2025, 09:35 - Bo Chen: Thursday 3 pm works.\n"
)


def test_a_corrected_day_month_order_is_disclosed_like_a_corrected_zone(tmp_path, monkeypatch):
    """Defect 5's cover side, told as defect 6 asks: a second reading in the other day/month order
    moved every message; the cover said "as --date-order dmy said" and never that a reading was corrected."""
    import inspect

    from textfile.ingest import import_path

    path = tmp_path / "archive.db"
    chat = tmp_path / "WhatsApp Chat with Bo Chen.txt"
    chat.write_text(BO_CHAT, encoding="utf-8")
    assert (
        run(
            path, "init", "--owner", "Alex Owner", "--tz", "America/New_York", "--region", "US", "--bates-prefix", "BO"
        ).exit_code
        == 0
    )
    assert run(path, "import", chat).exit_code == 0  # read as month/day/year, the region's order: 1 November
    monkeypatch.setenv("LOGNAME", "paralegal3")
    # (the import says it corrects the earlier reading where ingest asks it to)
    says = {"corrects_reading": True} if "corrects_reading" in inspect.signature(import_path).parameters else {}
    with Archive.open(path) as archive:
        import_path(archive, chat, date_order="dmy", **says)  # 11 January
    pages, manifest = matter_transcript(path, tmp_path, "Bo Chen")
    with sqlite3.connect(path) as conn:
        (at,) = conn.execute("SELECT started_at FROM imports WHERE id = 2").fetchone()
    conn.close()
    cover = cover_text((None, None, pages))
    assert (
        "• The reading of WhatsApp Chat with Bo Chen.txt was corrected by paralegal3 on"
        f" {times.display(at, NEW_YORK)} (import 2): day/month order mdy → dmy; it moved 2 messages of this transcript, each shown"
        " at its new time with the earlier reading kept as an earlier version."
    ) in cover
    assert "dates read as day/month/year, as --date-order dmy said, correcting an earlier reading (below)." in cover
    assert manifest["disclosures"]["corrections"] == [
        {
            "import": 2,
            "from_zone": "America/New_York",
            "to_zone": "America/New_York",
            "from_order": "mdy",
            "to_order": "dmy",
            "messages": 2,
            "source": "WhatsApp Chat with Bo Chen.txt",
            "sha256": manifest["disclosures"]["sources"][0]["sha256"],
            "file_name": "WhatsApp Chat with Bo Chen.txt",
            "started_at": at,
            "at_local": times.display(at, NEW_YORK),
            "by": "paralegal3",
            "what": "day/month order mdy → dmy",
        }
    ]


def test_a_replacement_character_is_not_said_to_be_undecodable_when_the_archive_cannot_tell(tmp_path):
    """Defect 7: a U+FFFD the sender pasted (valid UTF-8, no warning) and a byte the import could not
    decode (0xE9, warned about) were both "could not be decoded by the source". The cover now says what
    U+FFFD is, which messages no reporting import holds (their U+FFFD came with the text), and quotes what
    each import that read something as U+FFFD reported, beside each message's line in it."""
    path = tmp_path / "archive.db"
    (tmp_path / "WhatsApp Chat with Fatima Haddad.txt").write_bytes(
        b"10/28/25, 9:00 AM - Fatima Haddad: Replacement char already in text: \xef\xbf\xbd (copied from an email)\n"
        b"10/28/25, 9:01 AM - Fatima Haddad: caf\xe9 at noon\n"
        b"10/28/25, 9:02 AM - Alex Owner: ok\n"
    )
    (tmp_path / "WhatsApp Chat with Omar Haddad.txt").write_bytes(
        b"10/29/25, 9:00 AM - Omar Haddad: The form says \xef\xbf\xbd\xef\xbf\xbd where my name was\n"
        b"10/29/25, 9:05 AM - Alex Owner: I see\n"
    )
    assert (
        run(
            path, "init", "--owner", "Alex Owner", "--tz", "America/New_York", "--region", "US", "--bates-prefix", "FH"
        ).exit_code
        == 0
    )
    for name in ("WhatsApp Chat with Fatima Haddad.txt", "WhatsApp Chat with Omar Haddad.txt"):
        assert run(path, "import", tmp_path / name).exit_code == 0
    pages, manifest = matter_transcript(path, tmp_path, "Fatima Haddad", chats=2)
    cover = cover_text((None, None, pages))
    assert (
        "• 4 characters in messages #1.1, #1.2, #2.1 (2) are U+FFFD, the replacement character, marked \ufffd where they stand; the text"
        " is otherwise as the source holds it. A source or an import puts U+FFFD where it could not decode a character, but a"
        " message may also hold one as it was sent: the archive does not record which of them an import put in."
        " ◦ import 1, WhatsApp Chat with Fatima Haddad.txt, which holds #1.1 (line 1), #1.2 (line 2), reported: 1 byte that is not"
        " UTF-8 text, each read as U+FFFD (transcripts mark it where it stands): line 2 (0xe9)."
        " ◦ #2.1: its U+FFFD were in the source's text as it was imported: no import that holds it reported a character it could"
        " not decode."
    ) in cover
    assert "could not be decoded by the source" not in cover
    d = manifest["disclosures"]
    assert [{k: v for k, v in u.items() if k != "message"} for u in d["undecodable"]] == [
        {"seq": "1.1", "characters": 1, "reported_by": [{"import": 1, "ref": "line 1"}]},
        {"seq": "1.2", "characters": 1, "reported_by": [{"import": 1, "ref": "line 2"}]},
        {"seq": "2.1", "characters": 2, "reported_by": []},
    ]
    with sqlite3.connect(path) as conn:
        (warnings,) = conn.execute("SELECT warnings FROM imports WHERE id = 1").fetchone()
    conn.close()
    assert d["undecodable_reports"] == [
        {
            "import": 1,
            "source": "WhatsApp Chat with Fatima Haddad.txt",
            "file_name": "WhatsApp Chat with Fatima Haddad.txt",
            "warnings": json.loads(warnings),
        }
    ]


PAIRED_WEEK1 = (
    "11/1/25, 09:31 - Alex Owner: Can we meet Thursday?\n"
    "11/1/25, 09:35 - Bo Chen: Thursday 3 pm works.\n"
    "11/1/25, 09:40 - Bo Chen: My sister says the second page is missing.\n"
)
PAIRED_WEEK2 = (
    "11/1/25, 09:31 - Alex Owner: Can we meet Thursday?\n"
    "11/1/25, 09:35 - Bo Chen: Thursday 3:30 pm works. <This message was edited>\n"
    "11/1/25, 09:40 - Bo Chen: This message was deleted\n"
    "11/8/25, 10:00 - Bo Chen: Running late\n"
)


def test_which_text_was_taken_for_an_edit_or_a_deletion_of_which_is_disclosed(tmp_path):
    """Defect 8: the pairing of an edited or deleted WhatsApp message with its earlier text (ingest's
    fold) was printed as fact; the cover states the rule once and which line of which import was taken
    for which, and the manifest carries every pair."""
    path = tmp_path / "archive.db"
    for week, text in (("w1", PAIRED_WEEK1), ("w2", PAIRED_WEEK2)):
        (tmp_path / week).mkdir()
        (tmp_path / week / "WhatsApp Chat with Bo Chen.txt").write_text(text, encoding="utf-8")
    assert (
        run(
            path, "init", "--owner", "Alex Owner", "--tz", "America/New_York", "--region", "US", "--bates-prefix", "BO"
        ).exit_code
        == 0
    )
    for week in ("w1", "w2"):
        assert run(path, "import", tmp_path / week / "WhatsApp Chat with Bo Chen.txt").exit_code == 0
    pages, manifest = matter_transcript(path, tmp_path, "Bo Chen")
    with sqlite3.connect(path) as conn:
        sha = [s for (s,) in conn.execute("SELECT substr(sha256, 1, 12) FROM imports ORDER BY id")]
        ids = [m for (m,) in conn.execute("SELECT message_id FROM message_aliases ORDER BY alias_id")]
    conn.close()
    one, two = (f"WhatsApp Chat with Bo Chen.txt (sha256 {s}; import {n}" for n, s in ((1, sha[0]), (2, sha[1])))
    assert (
        "• Edits and deletions between WhatsApp exports were matched by textfile: an export writes a message edited or deleted"
        ' since an earlier export with its new text (or "This message was deleted") at the time it was first sent, and nothing'
        " else ties it to the text it replaced. A message an import brought was taken for another form of an archived message when"
        " both are of the same chat and the same sender at the same time as written, one of them is marked edited or deleted, and"
        " that import's export did not hold the archived message; both texts are kept, the earlier as an earlier version. A message"
        ' removed with "Delete for me", or several messages of one sender within that minute, can make such a match wrong:'
        f" ◦ #1.2: the edited text in {two}, line 2) was taken for a later form of the message at the same time from the same sender"
        f" in {one}, line 2), which import 2's export did not hold."
        f" ◦ #1.3: the message shown deleted in {two}, line 3) was taken for a later form of the message at the same time from the"
        f" same sender in {one}, line 3), which import 2's export did not hold."
    ) in cover_text((None, None, pages))
    assert sorted(manifest["disclosures"]["pairings"], key=lambda x: x["seq"]) == [
        {
            "seq": seq,
            "message": mid,
            "rule": rule,
            "import": 2,
            "source": f"WhatsApp Chat with Bo Chen.txt (sha256 {sha[1]})",
            "line": f"line {seq[2:]}",
            "paired_import": 1,
            "paired_source": f"WhatsApp Chat with Bo Chen.txt (sha256 {sha[0]})",
            "paired_line": f"line {seq[2:]}",
        }
        for seq, rule, mid in (
            ("1.2", "edited", manifest["messages"][1][0]),
            ("1.3", "deleted", manifest["messages"][2][0]),
        )
    ]
    assert sorted(ids) == sorted(m for m, _ in manifest["messages"][1:3])


def test_many_pairs_between_two_imports_are_told_in_one_line():
    from textfile.transcript.content.pairings import _pairings_said

    source = {"name": "chat.txt", "file_names": ["chat.txt"], "sha256": "0" * 64}
    pairs = [
        {"seq": n, "rule": "edited", "import": 2, "line": f"line {n}", "paired_import": 1, "paired_line": f"line {n}"}
        for n in (3, 4, 5, 9)
    ]
    assert _pairings_said(pairs, {1: source, 2: source}) == [
        "#3–#5, #9 (4 messages): the edited texts in chat.txt (import 2) were taken for later forms of messages at the same time"
        " from the same senders in chat.txt (import 1), which import 2's export did not hold (each pair's lines are in the manifest)"
    ]


TWICE_CHAT = (
    "1/11/2025, 09:00 - Noa Levi: The papers are ready.\n"  # (dates with a number above 12 settle the day/month order)
    "2/11/2025, 01:30 - Noa Levi: Awake? The clocks went back tonight.\n"  # (twice in New York, once in London and Paris)
    "13/11/2025, 08:00 - Alex Owner: Thanks, I will read them tonight.\n"
)


def test_each_imports_reading_and_assumptions_stay_with_that_import_after_two_corrections(tmp_path):
    """Defect 14: after two zone corrections, one bullet ran import 1's New York DST assumption into
    import 3's London reading. What every import of a source shared is said once; what each read
    otherwise is a line of its own under it."""
    path = tmp_path / "archive.db"
    chat = tmp_path / "WhatsApp Chat with Noa Levi.txt"
    chat.write_text(TWICE_CHAT, encoding="utf-8")
    for args in (
        ["init", "--owner", "Alex Owner", "--tz", "America/New_York", "--region", "US", "--bates-prefix", "NOA"],
        ["import", chat],
        ["import", chat, "--tz", "Europe/London", "--corrects-tz"],
        ["import", chat],  # (read in the zone the chat was last read in, and says so)
        ["import", chat, "--tz", "Europe/Paris", "--corrects-tz"],
    ):
        r = run(path, *args)
        assert r.exit_code == 0, r.output
    pages, manifest = matter_transcript(path, tmp_path, "Noa Levi")
    with sqlite3.connect(path) as conn:
        imports = [
            (n, times.display(at, NEW_YORK), [text.split(": ", 1)[1] for text in json.loads(said)])
            for n, at, said in conn.execute("SELECT id, started_at, assumptions FROM imports ORDER BY id")
        ]
    conn.close()
    (_, one, dst), (_, two, none), (_, three, zone), (_, four, _) = imports
    assert none == [] and len(dst) == 1 and len(zone) == 1  # import 1 assumed a DST reading, import 3 the chat's zone
    cover = cover_text((None, None, pages)).replace("/ ", "/")  # (a line may break after the / of a zone's name)
    assert (
        "• WhatsApp Chat with Noa Levi.txt: the messages written by 'Alex Owner' are the owner's: the archive's owner has that name."
        f" By import: ◦ import 1 ({one}): times read as wall-clock times in America/New_York (the archive's zone), since superseded:"
        " none of its messages is shown at that reading (another import corrected the zone, below); assumed on import:"
        f" {dst[0]}. ◦ import 2 ({two}): times read as wall-clock times in Europe/London, as --tz said, correcting an earlier reading (below),"
        " since superseded: none of its messages is shown at that reading (another import corrected the zone, below)."
        f" ◦ import 3 ({three}): times read as wall-clock times in Europe/London, since superseded: none of its messages is shown"
        f" at that reading (another import corrected the zone, below); assumed on import: {zone[0]}."
        f" ◦ import 4 ({four}): times read as wall-clock times in Europe/Paris, as --tz said, correcting an earlier reading (below)."
    ) in cover
    assert (
        f"• The reading of WhatsApp Chat with Noa Levi.txt was corrected by paralegal3 on {two} (import 2): zone America/New_York →"
        " Europe/London; it moved 3 messages of this transcript, each shown at its new time with the earlier reading kept as an"
        " earlier version."
    ) in cover
    assert (
        f"• The reading of WhatsApp Chat with Noa Levi.txt was corrected by paralegal3 on {four} (import 4): zone Europe/London →"
        " Europe/Paris; it moved 3 messages of this transcript, each shown at its new time with the earlier reading kept as an"
        " earlier version."
    ) in cover
    [source] = manifest["disclosures"]["sources"]
    assert (source["decisions"], source["assumptions"]) == (
        ["the messages written by 'Alex Owner' are the owner's: the archive's owner has that name"],
        [],
    )
    assert [(g["imports"], len(g["decisions"]), len(g["assumptions"])) for g in source["by_import"]] == [
        ([1], 1, 1),
        ([2], 1, 0),
        ([3], 1, 1),
        ([4], 1, 0),
    ]


# -- what ingest recorded, not what the versions suggest (review of the transcript, A1-A4) ------------------------

ONE_LATE = (
    "11/2/25, 1:10 AM - Bo Chen: C after change\n"  # (twice in New York: read as the first, nothing tells otherwise)
    "11/13/25, 9:00 AM - Alex Owner: later\n"
)  # (a number above 12: the dates prove month/day/year)
ONE_LATE_AGAIN = (
    "11/2/25, 1:30 AM - Alex Owner: A\n"
    "11/2/25, 1:50 AM - Bo Chen: B\n"
    "11/2/25, 1:10 AM - Bo Chen: C after change\n"  # (goes back in time: the second 1:10, as the export's lines show)
    "11/13/25, 9:00 AM - Alex Owner: later\n"
)


def bo_weeks(folder: Path, *weeks: tuple[str, list]) -> Path:
    """An archive (New York, region US) with each week's export of the chat with Bo Chen imported with its own options."""
    path = folder / "archive.db"
    assert (
        run(
            path, "init", "--owner", "Alex Owner", "--tz", "America/New_York", "--region", "US", "--bates-prefix", "BO"
        ).exit_code
        == 0
    )
    for n, (text, options) in enumerate(weeks, 1):
        chat = folder / f"w{n}" / "WhatsApp Chat with Bo Chen.txt"
        chat.parent.mkdir()
        chat.write_text(text, encoding="utf-8")
        r = run(path, "import", chat, *options)
        assert r.exit_code == 0, r.output
    return path


def test_a_date_order_given_that_moved_nothing_is_no_corrected_order(tmp_path):
    """Review A2: an export read with --date-order mdy after one whose dates proved month/day/year moved a
    message only as a DST re-read (ingest recorded no correction); the cover guessed from notice prose and
    the other of two orders that the dates had been read day/month ("day/month order dmy → mdy") and that
    --date-order corrected an earlier reading."""
    path = bo_weeks(tmp_path, (ONE_LATE, []), (ONE_LATE_AGAIN, ["--date-order", "mdy"]))
    with sqlite3.connect(path) as conn:
        assert [json.loads(o) for (o,) in conn.execute("SELECT options FROM imports ORDER BY id")] == [
            {},
            {"date_order": "mdy"},
        ]
        (sha,) = conn.execute("SELECT substr(sha256, 1, 12) FROM imports WHERE id = 2").fetchone()
    conn.close()
    pages, manifest = matter_transcript(path, tmp_path, "Bo Chen")
    cover = cover_text((None, None, pages))
    assert (
        f"• WhatsApp Chat with Bo Chen.txt (sha256 {sha}): times read as wall-clock times in America/New_York (the archive's"
        " zone); dates read as month/day/year, as --date-order mdy said; the messages written by 'Alex Owner' are the owner's:"
    ) in cover
    assert "day/month order" not in cover and "correcting an earlier reading" not in cover
    assert manifest["disclosures"]["corrections"] == []


def test_a_dst_reread_on_the_exports_line_order_is_no_persons_correction(tmp_path):
    """Review A1: a later export whose lines go back within the hour the clocks repeated moved an archived
    message to the second occurrence. Ingest audits that as "occurrence_reread", "not a person's correction",
    and records no correction; the cover said "The reading of … was corrected by paralegal3 … (import 2):
    times read anew; it moved 1 message". The DST line discloses it: the second occurrence was taken."""
    path = bo_weeks(tmp_path, (ONE_LATE, []), (ONE_LATE_AGAIN, []))
    with sqlite3.connect(path) as conn:
        (options,) = conn.execute("SELECT options FROM imports WHERE id = 2").fetchone()
        (details,) = conn.execute(
            "SELECT details FROM audit_log WHERE command = 'import' ORDER BY id DESC LIMIT 1"
        ).fetchone()
    conn.close()
    assert (json.loads(options), json.loads(details)["occurrence_reread"]) == ({}, {"from": {"America/New_York": 1}})
    pages, manifest = matter_transcript(path, tmp_path, "Bo Chen")
    cover = cover_text((None, None, pages))
    assert "was corrected by" not in cover and "correcting an earlier reading" not in cover
    assert (
        "• #1.3: the export wrote 2025-11-02 01:10, which occurred twice in America/New_York (the clocks went back); the second,"
        " 2025-11-02 01:10 -05:00, was taken: the export's lines go back in time within that hour."
    ) in cover
    assert manifest["disclosures"]["corrections"] == []
    assert [(d["seq"], d["flag"], d["written"], d["shown"], d["second"]) for d in manifest["disclosures"]["dst"]] == [
        ("1.1", "time_ambiguous", "2025-11-02 01:30", "2025-11-02 01:30 -04:00", False),
        ("1.2", "time_ambiguous", "2025-11-02 01:50", "2025-11-02 01:50 -04:00", False),
        ("1.3", "time_ambiguous", "2025-11-02 01:10", "2025-11-02 01:10 -05:00", True),
    ]


def test_a_zone_correction_is_told_and_a_later_dst_reread_of_the_same_message_is_not(tmp_path):
    """Review A1, with a person's correction beside the export's own evidence: the chat read in London, then
    corrected to New York (--corrects-tz), then a later export re-read one message as the second 1:10 of
    the night the clocks went back. The correction is told with every message it moved (whatever moved
    them since); the re-read is a DST line, and no import is said to have corrected anything else."""
    path = bo_weeks(
        tmp_path,
        (ONE_LATE, ["--tz", "Europe/London"]),
        (ONE_LATE, ["--tz", "America/New_York", "--corrects-tz"]),
        (ONE_LATE_AGAIN, []),
    )
    with sqlite3.connect(path) as conn:
        imports = [
            (n, at, sha, json.loads(o))
            for n, at, sha, o in conn.execute("SELECT id, started_at, sha256, options FROM imports ORDER BY id")
        ]
    conn.close()
    assert [i[3] for i in imports] == [
        {"tz": "Europe/London"},
        {
            "conversation": "Bo Chen",
            "corrected": {"tz": {"from": {"Europe/London": 2}, "to": "America/New_York"}},
            "corrects_tz": True,
            "same_bytes_as": "WhatsApp Chat with Bo Chen.txt",
            "tz": "America/New_York",
        },
        {},
    ]
    pages, manifest = matter_transcript(path, tmp_path, "Bo Chen")
    cover = cover_text((None, None, pages)).replace("/ ", "/")  # (a line may break after the / of a zone's name)
    two = times.display(imports[1][1], NEW_YORK)
    week1 = f"WhatsApp Chat with Bo Chen.txt (sha256 {imports[0][2][:12]})"
    assert (
        f"• The reading of {week1} was corrected by paralegal3 on {two} (import 2): zone Europe/London → America/New_York; it moved"
        " 2 messages of this transcript, each shown at its new time with the earlier reading kept as an earlier version."
    ) in cover
    assert cover.count("was corrected by") == 1 and cover.count("correcting an earlier reading") == 1
    assert (
        f" ◦ import 2 ({two}): times read as wall-clock times in America/New_York, as --tz said, correcting an earlier reading"
        " (below)" in cover
    )
    assert (
        "• #1.3: the export wrote 2025-11-02 01:10, which occurred twice in America/New_York (the clocks went back); the second,"
        " 2025-11-02 01:10 -05:00, was taken: the export's lines go back in time within that hour."
    ) in cover
    assert manifest["disclosures"]["corrections"] == [
        {
            "import": 2,
            "from_zone": "Europe/London",
            "to_zone": "America/New_York",
            "from_order": None,
            "to_order": None,
            "messages": 2,
            "source": week1,
            "sha256": imports[0][2],
            "file_name": "WhatsApp Chat with Bo Chen.txt",
            "started_at": imports[1][1],
            "at_local": two,
            "by": "paralegal3",
            "what": "zone Europe/London → America/New_York",
        }
    ]


FFFD_WEEK1 = (
    "11/1/25, 09:35 - Bo Chen: Thursday caf\ufffd works.\n"  # (U+FFFD as the export wrote it: valid UTF-8, nothing reported)
    "11/1/25, 09:40 - Bo Chen: bad \ufffd char\n"
    "11/1/25, 09:45 - Alex Owner: ok\n"
)
FFFD_WEEK2 = FFFD_WEEK1.replace("Thursday caf\ufffd works.", "Thursday café works. <This message was edited>")


def test_a_replacement_character_is_counted_once_however_many_versions_keep_the_same_text(tmp_path):
    """Review A3: after a zone correction each message keeps its earlier reading as a version with the same
    text, and the cover counted every U+FFFD once more for it ("2 characters in message #1" for one). A
    version is counted only where its text differs from the state after it, as the transcript shows it
    ("same text"): an edited text that held U+FFFD counts, the same text kept for its earlier time does not."""
    path = bo_weeks(
        tmp_path,
        (FFFD_WEEK1, ["--tz", "Europe/London"]),
        (FFFD_WEEK1, ["--tz", "America/New_York", "--corrects-tz"]),
        (FFFD_WEEK2, []),
    )
    with sqlite3.connect(path) as conn:
        kept = conn.execute(
            "SELECT m.body, v.version, v.body, v.import_id FROM message_versions v JOIN messages m ON m.id = v.message_id"
            " ORDER BY m.sent_at, v.version"
        ).fetchall()
    conn.close()
    assert kept == [
        ("Thursday café works.", 1, "Thursday caf\ufffd works.", 2),
        ("Thursday café works.", 2, "Thursday caf\ufffd works.", 3),
        ("bad \ufffd char", 1, "bad \ufffd char", 2),
        ("ok", 1, "ok", 2),
    ]
    pages, manifest = matter_transcript(path, tmp_path, "Bo Chen")
    assert [{k: v for k, v in u.items() if k != "message"} for u in manifest["disclosures"]["undecodable"]] == [
        {"seq": "1.1", "characters": 1, "reported_by": []},
        {"seq": "1.2", "characters": 1, "reported_by": []},
    ]  # (main: 2 and 2)
    assert (
        "• 2 characters in messages #1.1, #1.2 are U+FFFD, the replacement character, marked \ufffd where they stand;"
        in cover_text((None, None, pages))
    )


def test_an_owner_found_by_name_is_said_so_whatever_the_names_unicode_form(tmp_path):
    """Review A4: the archive's owner given decomposed ("Jose" + U+0301) and written composed by the chat
    ("José") is the same name to the importer (importers/whatsapp's fold: NFC, no invisible marks, case), which
    found the owner by it; the cover folded otherwise and gave a false reason: "it is one of the owner's numbers"."""
    path = tmp_path / "archive.db"
    chat = tmp_path / "WhatsApp Chat with David Chen.txt"
    chat.write_text("13/01/24, 09:00 - David Chen: hi\n13/01/24, 09:05 - Jos\u00e9 Rivera: ok\n", encoding="utf-8")
    for args in (
        ["init", "--owner", "Jose\u0301 Rivera", "--tz", "Europe/London", "--region", "GB", "--bates-prefix", "DC"],
        ["import", chat],
    ):
        assert run(path, *args).exit_code == 0
    pages, manifest = matter_transcript(path, tmp_path, "David Chen")
    said = "the messages written by 'Jos\u00e9 Rivera' are the owner's: the archive's owner has that name"
    cover = unicodedata.normalize("NFC", cover_text((None, None, pages)))  # (pdftotext writes the é decomposed)
    assert (
        f"• WhatsApp Chat with David Chen.txt: times read as wall-clock times in Europe/London (the archive's zone); {said}."
        in cover
    )
    assert manifest["disclosures"]["sources"][0]["decisions"] == [
        "times read as wall-clock times in Europe/London (the archive's zone)",
        said,
    ]


def test_the_cover_names_a_date_order_in_the_models_words():
    """Review B2: the transcript kept a copy of model.DATE_ORDERS; one table, the model's."""
    from textfile import model
    from textfile.transcript.content import sources

    assert sources.DATE_ORDERS is model.DATE_ORDERS


def test_an_instant_the_archive_does_not_hold_prints_as_nothing():
    """Review (minor): cli.show and content.fmt_time were the same function twice (times.display, or "" for
    no instant: a receipt never read, a filing with no end); times.display says it once, for both."""
    from textfile import cli
    from textfile.transcript import content

    assert [
        times.display(at, NEW_YORK, precision)
        for at, precision in (
            (None, None),
            ("", "minute"),
            ("2024-03-01T17:05:09.000Z", None),
            ("2024-03-01T17:05:09.000Z", "minute"),
        )
    ] == ["", "", "2024-03-01 12:05:09 -05:00", "2024-03-01 12:05 -05:00"]
    assert not hasattr(cli, "show") and not hasattr(content, "fmt_time")


def test_an_earlier_versions_marks_are_said_in_the_transcripts_words():
    """What else an earlier version was (message_versions.earlier): its flags in the words the
    transcript marks a message with, each once; none said as "no marks"."""
    from textfile.transcript.content import marks

    assert marks._was({"flags": '["edited","deleted","draft","edited"]', "sender": None, "status": "queued"}) == [
        "marked EDITED, DELETED",
        "no sender",
        "status queued",
    ]
    assert marks._was({"flags": "[]"}) == ["no marks"]
