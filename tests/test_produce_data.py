"""Natives and data (issue 20): messages.csv and messages.jsonl keep every field and every character;
the Concordance DAT and Opticon OPT load files parse back to the documents they were written from."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from conftest import FIXTURES, SAM_CHAT, ingest_records, msg
from imessage_build import build_modern

from textfile.errors import InvalidInput, NotFound
from textfile.ingest import import_path
from textfile.model import Attachment, Reaction, Version
from textfile.produce.loadfiles import (
    Document,
    OptPage,
    dat_bytes,
    document_from_dat,
    opt_bytes,
    parse_dat,
    parse_opt,
)
from textfile.produce.tabular import FIELDS, csv_bytes, jsonl_bytes, message_rows

NEW_YORK = ZoneInfo("America/New_York")
BODY = 'line one, with a comma\nline two: \u200fשלום\u200f and 🎉 "quoted"\r\nline three'


def small_case(archive) -> tuple[str, str]:
    first = msg(1, BODY, source_id="G1", read_at=datetime(2024, 3, 1, 12, 1, 30, tzinfo=UTC))
    second = msg(
        2,
        "yes",
        out=True,
        source_id="G2",
        reply_to="G1",
        versions=(Version("yes?", datetime(2024, 3, 1, 12, 2, tzinfo=UTC)),),
        flags=frozenset({"edited"}),
        delivered_at=datetime(2024, 3, 1, 12, 2, 5, tzinfo=UTC),
        attachments=(Attachment("door.jpg", "image/jpeg", b"JPEG bytes"),),
    )
    like = Reaction(
        SAM_CHAT, "G2", SAM_CHAT.participants[0], "loved", datetime(2024, 3, 1, 12, 4, tzinfo=UTC), source_id="R1"
    )
    ingest_records(archive, [first, second, like])
    ids = [r[0] for r in archive.conn.execute("SELECT id FROM messages ORDER BY sent_at")]
    return ids[0], ids[1]


def test_rows_are_complete(archive):
    first, second = small_case(archive)
    conn = archive.conn
    hashes = dict(conn.execute("SELECT id, content_hash FROM messages"))
    conversation = conn.execute("SELECT conversation_id FROM messages LIMIT 1").fetchone()[0]
    blob = conn.execute("SELECT blob_sha256 FROM message_attachments").fetchone()[0]
    rows = message_rows(
        conn,
        [first, second],
        NEW_YORK,
        {first: "P-000001", second: "P-000002"},
        numbers={first: "1.1", second: "1.2"},
        natives={(second, 0): "P-000003"},
        outside={first},
        owner_name="Alex Owner",
    )
    common = {
        "conversation_id": conversation,
        "conversation_title": None,
        "kind": "message",
        "service": "SMS",
        "status": None,
        "time_precision": None,
        "source_zone": "UTC",
        "duration_s": None,
        "found_on": [{"custodian": "Alex Owner", "recorded_utc": None, "recorded_local": None}],
    }
    assert rows == [
        {
            **common,
            "bates": "P-000001",
            "number": "#1.1",
            "message_id": first,
            "content_hash": hashes[first],
            "sender_handle": "+12025550143",
            "sender_name": "Sam Client",
            "direction": "in",
            "sent_utc": "2024-03-01T12:01:00.000Z",
            "sent_local": "2024-03-01 07:01:00 -05:00",
            "delivered_utc": None,
            "delivered_local": None,
            "read_utc": "2024-03-01T12:01:30.000Z",
            "read_local": "2024-03-01 07:01:30 -05:00",
            "body": BODY,
            "reply_to": None,
            "reply_to_message_id": None,
            "context": True,
            "flags": [],
            "versions": 1,
            "attachments": [],
            "reactions": [],
        },
        {
            **common,
            "bates": "P-000002",
            "number": "#1.2",
            "message_id": second,
            "content_hash": hashes[second],
            "sender_handle": "+12025550100",
            "sender_name": "Alex Owner",
            "direction": "out",
            "sent_utc": "2024-03-01T12:02:00.000Z",
            "sent_local": "2024-03-01 07:02:00 -05:00",
            "delivered_utc": "2024-03-01T12:02:05.000Z",
            "delivered_local": "2024-03-01 07:02:05 -05:00",
            "read_utc": None,
            "read_local": None,
            "body": "yes",
            "reply_to": "G1",
            "reply_to_message_id": first,
            "context": False,
            "flags": ["edited"],
            "versions": 2,
            "attachments": [
                {"position": 0, "file_name": "door.jpg", "sha256": blob, "missing_reason": None, "bates": "P-000003"}
            ],
            "reactions": [
                {
                    "kind": "loved",
                    "emoji": None,
                    "by": "+12025550143",
                    "at": "2024-03-01T12:04:00.000Z",
                    "removed": False,
                }
            ],
        },
    ]
    assert [list(r) for r in rows] == [list(FIELDS)] * 2


def test_csv_and_jsonl_keep_every_character(archive):
    first, second = small_case(archive)
    rows = message_rows(archive.conn, [first, second], NEW_YORK, None, owner_name="Alex Owner")
    data = csv_bytes(rows)
    # the body inside its quotes, byte for byte: line breaks, the RTL marks, the emoji, the comma
    assert ('"' + BODY.replace('"', '""') + '"').encode() in data
    assert data.startswith(b"\xef\xbb\xbfbates,number,message_id,") and data.endswith(b"\r\n")  # (a BOM: Excel's UTF-8)
    parsed = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert [list(p) for p in parsed] == [list(FIELDS)] * 2
    for back, row in zip(parsed, rows, strict=True):
        expected = {
            k: ""
            if v is None
            else json.dumps(v, ensure_ascii=False, separators=(",", ":"))
            if k in ("flags", "attachments", "reactions", "found_on")
            else str(v)
            for k, v in row.items()
        }
        assert back == expected
    assert parsed[0]["body"] == BODY
    lines = jsonl_bytes(rows).split(b"\n")
    assert lines[-1] == b"" and len(lines) == 3
    assert [json.loads(line) for line in lines[:-1]] == rows
    assert BODY.encode() in jsonl_bytes(rows).replace(b"\\n", b"\n").replace(b"\\r", b"\r").replace(b'\\"', b'"')
    assert "🎉".encode() in lines[0] and "\u200f".encode() in lines[0]  # not \u escapes


def test_unknown_message_refused(archive):
    first, _ = small_case(archive)
    with pytest.raises(NotFound) as one:
        message_rows(archive.conn, [first, "no such id"], NEW_YORK, None, owner_name="Alex Owner")
    assert str(one.value) == "1 message not in the archive, first no such id"
    with pytest.raises(NotFound) as two:
        message_rows(archive.conn, ["nope", first, "no such id"], NEW_YORK, None, owner_name="Alex Owner")
    assert str(two.value) == "2 messages not in the archive, first nope"


def test_every_source_twice_the_same_bytes(archive):
    for path in sorted((FIXTURES / "android").glob("[sc][ma]*-2024*.xml")):
        import_path(archive, path)
    for path in sorted((FIXTURES / "whatsapp").glob("WhatsApp Chat*")):
        import_path(archive, path, me="Alex Owner")
    import_path(archive, build_modern(archive.path.parent / "home"))
    ids = [r[0] for r in archive.conn.execute("SELECT id FROM messages ORDER BY sent_at, id")]
    platforms = {r[0] for r in archive.conn.execute("SELECT DISTINCT platform FROM conversations")}
    assert {"android", "whatsapp", "imessage"} <= platforms
    rows = message_rows(archive.conn, ids, NEW_YORK, None, owner_name="Alex Owner")
    assert [r["message_id"] for r in rows] == ids
    again = message_rows(archive.conn, ids, NEW_YORK, None, owner_name="Alex Owner")
    assert csv_bytes(rows) == csv_bytes(again) and jsonl_bytes(rows) == jsonl_bytes(again)
    parsed = list(csv.DictReader(io.StringIO(csv_bytes(rows).decode("utf-8-sig"), newline="")))
    assert [p["body"] for p in parsed] == [r["body"] for r in rows]
    minute = [r for r in rows if r["time_precision"] == "minute"]
    assert all(len(r["sent_local"]) == len("2024-03-01 07:01 -05:00") for r in minute)


DOCUMENTS = [
    Document(
        "P-000001",
        "P-000003",
        "Alex Owner",
        "2024-03-01T12:01:00.000Z",
        ("Sam Client", "Alex Owner"),
        "Sam Client\nfirst line",
        "",
        "TEXT/P-000001.txt",
        3,
        "IMAGES/P-000001.pdf",
    ),
    Document(
        "P-000004",
        "P-000004",
        "Alex Owner",
        "2024-03-02T09:00:00.000Z",
        ("+12025550143",),
        "Renée ⟨מ⟩ 🎉",
        "NATIVES/P-000004.jpg",
        "TEXT/P-000004.txt",
        1,
        "IMAGES/P-000004.pdf",
    ),
]


def test_dat_parses_back():
    data = dat_bytes(DOCUMENTS)
    assert data.startswith("\ufeffþBEGBATESþ\x14þENDBATESþ".encode())
    assert "þSam Client®first lineþ".encode() in data
    records = parse_dat(data)
    assert records[1] == {
        "BEGBATES": "P-000004",
        "ENDBATES": "P-000004",
        "CUSTODIAN": "Alex Owner",
        "DATESENT": "2024-03-02T09:00:00.000Z",
        "PARTICIPANTS": "+12025550143",
        "CONVERSATION": "Renée ⟨מ⟩ 🎉",
        "NATIVELINK": "NATIVES/P-000004.jpg",
        "TEXTLINK": "TEXT/P-000004.txt",
        "PAGECOUNT": "1",
        "IMAGEPATH": "IMAGES/P-000004.pdf",
        "PARENTBATES": "",
    }
    assert [document_from_dat(r) for r in records] == DOCUMENTS
    assert data == dat_bytes(list(DOCUMENTS))


def test_opt_parses_back_with_page_counts():
    data = opt_bytes(DOCUMENTS, "VOL001")
    assert data == (
        b"P-000001,VOL001,IMAGES/P-000001.pdf,Y,,,3\r\n"
        b"P-000002,VOL001,IMAGES/P-000001.pdf,,,,\r\n"
        b"P-000003,VOL001,IMAGES/P-000001.pdf,,,,\r\n"
        b"P-000004,VOL001,IMAGES/P-000004.pdf,Y,,,1\r\n"
    )
    pages = parse_opt(data)
    assert pages[0] == OptPage("P-000001", "VOL001", "IMAGES/P-000001.pdf", True, "", "", 3)
    firsts = [p for p in pages if p.document_break]
    assert [(p.image_key, p.page_count) for p in firsts] == [(d.begbates, d.page_count) for d in DOCUMENTS]
    # each document's pages: from its break to the next, as many as its page count
    breaks = [i for i, p in enumerate(pages) if p.document_break] + [len(pages)]
    assert [b - a for a, b in zip(breaks, breaks[1:])] == [d.page_count for d in DOCUMENTS]


def test_opt_refuses_pages_that_do_not_end_at_endbates():
    with pytest.raises(InvalidInput, match="end at P-000002, not P-000003"):
        opt_bytes([DOCUMENTS[0]._replace(page_count=2)], "VOL001")


@pytest.mark.parametrize("bad", ["þorn", "a\x14b", "brand®"])
def test_a_delimiter_in_a_value_is_refused(bad):
    with pytest.raises(InvalidInput, match="P-000001: CONVERSATION holds"):
        dat_bytes([DOCUMENTS[0]._replace(conversation=bad)])
    with pytest.raises(InvalidInput, match="P-000001: CUSTODIAN holds"):
        dat_bytes([DOCUMENTS[0]._replace(custodian=bad)])
