"""Android "SMS Backup & Restore" XML: records, repairs, streaming, identity, bad input, corpus."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import CORPUS, FIXTURES, snapshot

from textfile.archive import Archive
from textfile.errors import ImportFailed
from textfile.importers import android, detect
from textfile.ingest import import_path
from textfile.integrity import check_archive
from textfile.model import Attachment, Conversation, ImportOptions, Message, Notice, Participant, Skipped

HERE = FIXTURES / "android"
SMS = HERE / "sms-20240301.xml"
SMS_NEXT_WEEK = HERE / "sms-20240308.xml"
CALLS = HERE / "calls-20240301.xml"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGM4IScHRAwQCgAfJgQRoo8irwAAAABJRU5ErkJggg=="
)

OWNER = "+12025550100"
SAM, DANA, LEE = "+12025550143", "+12025550178", "+12025550191"
GROUP = f"{SAM}~{DANA}~{LEE}"
OPTIONS = ImportOptions(
    tz="America/New_York", region="US", owner_name="Alex Owner", owner_handles=frozenset({OWNER, "alex@example.com"})
)
ME = Participant(OWNER, "Alex Owner", True)
# What a backup with no MMS naming the phone's own number says of the owner's only number (issue 13, defect 4 of the second walk).
TAKEN = Notice(
    "this phone's number is taken to be +12025550100, the owner's only number in the archive, and what it sent is attributed"
    " to it: no MMS of this backup names the phone's own number, and --me did not",
    "assumption",
)
SAM_P = Participant(SAM, "Sam Client")


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def records(path: Path, options: ImportOptions = OPTIONS) -> list:
    return list(android.read(path, options))


def messages(path: Path, options: ImportOptions = OPTIONS) -> dict[str, Message]:
    return {r.source_ref: r for r in records(path, options) if isinstance(r, Message)}


def notices(path: Path, options: ImportOptions = OPTIONS) -> list[Notice]:
    return [r for r in records(path, options) if isinstance(r, Notice)]


def shape(m: Message) -> tuple:
    """Everything a transcript shows of a message."""
    return (
        m.conversation.source_key,
        m.direction,
        m.sender,
        m.sent_at,
        m.body,
        m.service,
        m.kind,
        m.status,
        m.flags,
        m.duration_s,
        m.source_zone,
        m.attachments,
    )


# -- detection ------------------------------------------------------------------------------


def test_detects_backups_by_content(tmp_path):
    renamed = tmp_path / "backup.dat"
    renamed.write_bytes(SMS.read_bytes())
    assert android.detect(SMS) and android.detect(CALLS) and android.detect(renamed)
    assert detect(renamed) is android
    other = tmp_path / "other.xml"
    other.write_text("<?xml version='1.0'?><rss><channel/></rss>")
    text = tmp_path / "chat.txt"
    text.write_text("12/03/2024, 10:15 - Sam: hi\n")
    binary = tmp_path / "blob.bin"
    binary.write_bytes(bytes(range(256)) * 4)
    empty = tmp_path / "empty.xml"
    empty.write_bytes(b"")
    for path in (other, text, binary, empty, tmp_path, tmp_path / "missing.xml"):
        assert android.detect(path) is False


def test_does_not_claim_other_formats():
    others = [p for p in FIXTURES.rglob("*") if p.is_file() and "android" not in p.relative_to(FIXTURES).parts]
    assert others and not [p for p in others if android.detect(p)]


# -- <sms> ----------------------------------------------------------------------------------


def test_sms_of_every_type():
    got = messages(SMS)
    chat = got["sms 1"].conversation
    assert chat.platform == "android" and chat.source_key == SAM and not chat.is_group
    assert chat.title == "Sam Client" and chat.participants == (SAM_P, ME)

    def sms(body, at, direction, status, flags=frozenset(), sender=None):
        return (
            SAM,
            direction,
            sender or (SAM_P if direction == "in" else ME),
            at,
            body,
            "SMS",
            "message",
            status,
            frozenset(flags),
            None,
            "UTC",
            (),
        )

    assert shape(got["sms 1"]) == sms(
        "Hi Alex, can we talk about the lease? \U0001f600", utc(2024, 3, 1, 17, 0), "in", "received"
    )
    assert shape(got["sms 2"]) == sms("Sure, call me at 3.", utc(2024, 3, 1, 17, 1), "out", "sent")
    assert shape(got["sms 3"]) == sms(
        "I also wanted to ask about the deposit", utc(2024, 3, 1, 17, 2), "out", "draft", {"draft"}
    )
    assert shape(got["sms 4"]) == sms("Sending the signed copy now", utc(2024, 3, 1, 17, 3), "out", "outbox")
    assert shape(got["sms 5"]) == sms(
        "Did you get my last message?", utc(2024, 3, 1, 17, 4), "out", "failed", {"failed"}
    )
    assert shape(got["sms 6"]) == sms("Queued while offline", utc(2024, 3, 1, 17, 5), "out", "queued")
    assert shape(got["sms 10"]) == sms("", utc(2024, 3, 1, 17, 31), "in", "received", {"empty_body"})
    # Unknown contact, a short code, "null" contact names: no display name.
    assert shape(got["sms 8"]) == (
        "72975",
        "in",
        Participant("72975"),
        utc(2024, 3, 1, 17, 7),
        "Your verification code is 481516",
        "SMS",
        "message",
        "received",
        frozenset(),
        None,
        "UTC",
        (),
    )
    assert got["sms 7"].sender == Participant(DANA) and got["sms 7"].conversation.title is None
    assert got["sms 1"].identity == (
        "sms",
        SAM,
        1709312400000,
        "in",
        "Hi Alex, can we talk about the lease? \U0001f600",
    )


def test_number_written_three_ways_is_one_conversation():
    got = messages(SMS)
    # "+12025550143", "(202) 555-0143", "2025550143"
    assert {got[f"sms {n}"].conversation.source_key for n in (1, 2, 3)} == {SAM}
    assert got["sms 2"].conversation is got["sms 1"].conversation


def test_surrogate_pairs_repaired_and_bad_references_replaced_and_counted():
    got = messages(SMS)
    assert got["sms 1"].body.endswith("\U0001f600")
    assert got["mms 3"].body == "Works for me \U0001f44d"
    assert got["sms 7"].body == "Broken \ufffd half and a bell \ufffd in here\nsecond line & more"
    texts = [(n.kind, n.text) for n in notices(SMS)]
    assert ("assumption", "repaired 2 emoji written as UTF-16 surrogate-pair references") in texts
    assert (
        "warning",
        "replaced 2 invalid character references or control characters (lone surrogates, &#0; …) with U+FFFD",
    ) in texts


def test_owner_from_me_when_the_archive_has_no_number():
    options = ImportOptions(tz="UTC", region="US", owner_name="Alex Owner", me="(202) 555-0100")
    got = messages(SMS, options)
    assert got["sms 2"].sender == ME
    assert ME in got["sms 1"].conversation.participants


def test_unknown_owner_is_said():
    options = ImportOptions(tz="UTC", region="US", owner_name="Alex Owner")
    got = records(SMS, options)
    sent = next(r for r in got if isinstance(r, Message) and r.source_ref == "sms 2")
    assert sent.sender == Participant("Alex Owner", "Alex Owner", True) and sent.direction == "out"
    assert any(isinstance(r, Notice) and r.kind == "assumption" and "owner's number is unknown" in r.text for r in got)
    # The conversation key does not depend on knowing the owner.
    assert sent.conversation.source_key == SAM


# -- <mms> ----------------------------------------------------------------------------------


def test_mms_with_image_and_text():
    m = messages(SMS)["mms 1"]
    assert shape(m) == (
        SAM,
        "in",
        SAM_P,
        utc(2024, 3, 1, 17, 10),
        "Photo of the leak under the sink",
        "MMS",
        "message",
        "received",
        frozenset(),
        None,
        "UTC",
        (Attachment("leak.png", "image/png", data=PNG),),
    )
    assert m.identity == ("mms", "mid-0001@mms.example.net")
    assert m.conversation is messages(SMS)["sms 1"].conversation or m.conversation.source_key == SAM


def test_group_mms_is_one_conversation_without_the_owner():
    got = messages(SMS)
    sent, received = got["mms 2"], got["mms 3"]
    for m in (sent, received):
        assert m.conversation.source_key == GROUP and m.conversation.is_group
        # Each named as contact_name gives them, one name per address in the order of `address` (walk report defect 16).
        assert set(m.conversation.participants) == {
            Participant(SAM, "Sam Client"),
            Participant(DANA, "Dana Reyes"),
            Participant(LEE, "Lee Park"),
            ME,
        }
    assert shape(sent) == (
        GROUP,
        "out",
        ME,
        utc(2024, 3, 1, 17, 15),
        "Can we all meet at 5 to sign?",
        "MMS",
        "message",
        "sent",
        frozenset(),
        None,
        "UTC",
        (),
    )
    assert shape(received) == (
        GROUP,
        "in",
        Participant(DANA, "Dana Reyes"),
        utc(2024, 3, 1, 17, 16),
        "Works for me \U0001f44d",
        "MMS",
        "message",
        "received",
        frozenset(),
        None,
        "UTC",
        (),
    )
    # No m_id on the sent one: date, box, sorted addresses and a digest of the parts.
    assert sent.identity[:4] == ("mms", 1709313300000, 2, [OWNER, SAM, DANA, LEE])


def test_rcs_group_keeps_its_pseudo_address():
    m = messages(SMS)["mms 5"]
    assert m.conversation.source_key == "group_42@rcs.google.com" and m.conversation.is_group
    assert {p.handle for p in m.conversation.participants} == {"group_42@rcs.google.com", SAM, DANA, OWNER}
    assert (m.service, m.direction, m.sender, m.body) == ("RCS", "in", Participant(DANA), "Landlord replied, see below")


def test_corrupt_base64_keeps_the_message_and_says_so():
    got = records(SMS)
    m = next(r for r in got if isinstance(r, Message) and r.source_ref == "mms 4")
    assert m.body == "Subject: Inspection report\n\nReport attached"
    assert m.attachments == (
        Attachment("report.pdf", "application/pdf", missing_reason="corrupt base64: Only base64 data is allowed"),
    )
    assert (
        Notice("mms 4: attachment report.pdf has corrupt base64 (Only base64 data is allowed); kept as missing") in got
    )


def test_mms_parts_in_every_shape(tmp_path):
    """A text part carried as base64 `data` in its charset, a vCard, a part the backup left out."""
    latin = base64.b64encode("Señal débil".encode("iso-8859-1")).decode()
    vcard = "BEGIN:VCARD&#10;VERSION:3.0&#10;FN:Lee Park&#10;TEL:+12025550191&#10;END:VCARD"
    path = tmp_path / "sms.xml"
    path.write_text(
        "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<smses count='1'>"
        f"<mms date='1709313000000' msg_box='1' address='+12025550143' m_id='null' sub='null' contact_name='Sam Client'><parts>"
        f"<part seq='2' ct='text/x-vCard' name='Lee.vcf' chset='106' cl='Lee.vcf' text='{vcard}' />"
        f"<part seq='0' ct='text/plain' chset='4' cl='text_0.txt' text='null' data='{latin}' />"
        "<part seq='1' ct='video/mp4' cl='clip.mp4' text='null' />"
        "<part seq='-1' ct='application/smil' cl='smil.xml' text='&lt;smil/&gt;' />"
        "</parts><addrs><addr address='+12025550143' type='137' charset='106' /><addr address='+12025550100' type='151' charset='106' /></addrs>"
        "</mms></smses>",
        encoding="utf-8",
    )
    (m,) = messages(path).values()
    assert m.body == "Señal débil"
    assert m.attachments == (
        Attachment("clip.mp4", "video/mp4", missing_reason="not included in the backup"),
        Attachment(
            "Lee.vcf", "text/x-vcard", data=b"BEGIN:VCARD\nVERSION:3.0\nFN:Lee Park\nTEL:+12025550191\nEND:VCARD"
        ),
    )
    assert m.identity[:4] == ("mms", 1709313000000, 1, [OWNER, SAM])


# -- <call> ---------------------------------------------------------------------------------


def test_calls_join_the_conversation_with_that_number():
    got = messages(CALLS)
    sms_chat = messages(SMS)["sms 1"].conversation

    def call(key, direction, sender, at, status, seconds):
        return (key, direction, sender, at, "", "Phone", "call", status, frozenset(), seconds, "UTC", ())

    assert shape(got["call 1"]) == call(SAM, "in", SAM_P, utc(2024, 3, 1, 18, 0), "incoming", 240)
    assert shape(got["call 2"]) == call(SAM, "out", ME, utc(2024, 3, 1, 18, 10), "outgoing", 75)
    assert shape(got["call 3"]) == call(SAM, "in", SAM_P, utc(2024, 3, 1, 18, 20), "missed", 0)
    assert shape(got["call 4"]) == call(SAM, "in", SAM_P, utc(2024, 3, 1, 18, 21), "voicemail", 32)
    assert shape(got["call 5"]) == call(DANA, "in", Participant(DANA), utc(2024, 3, 1, 18, 22), "rejected", 0)
    assert shape(got["call 6"]) == call(DANA, "in", Participant(DANA), utc(2024, 3, 1, 18, 23), "refused", 0)
    assert shape(got["call 7"]) == call(
        "(private number)", "in", Participant("(private number)"), utc(2024, 3, 1, 18, 24), "missed", 0
    )
    assert got["call 1"].conversation.source_key == sms_chat.source_key
    assert got["call 1"].identity == ("call", SAM, 1709316000000, 1, 240)


def test_calls_and_texts_share_the_archived_conversation(archive):
    import_path(archive, SMS)
    import_path(archive, CALLS)
    rows = archive.conn.execute(
        "SELECT m.kind, count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id"
        " WHERE c.source_key = ? GROUP BY m.kind ORDER BY m.kind",
        (SAM,),
    ).fetchall()
    assert [tuple(r) for r in rows] == [("call", 4), ("message", 11)]


# -- the count, streaming, chunk boundaries -------------------------------------------------


def test_count_that_disagrees_is_said(tmp_path):
    path = tmp_path / "sms.xml"
    path.write_bytes(SMS.read_bytes().replace(b'count="16"', b'count="58"'))
    assert Notice('the backup says count="58" but holds 16 records (11 sms, 5 mms); imported what is there') in records(
        path
    )
    assert len(messages(path)) == 16


@pytest.mark.parametrize("chunk", [1, 7, 64, 4096])
def test_tiny_chunks_give_the_same_records(monkeypatch, chunk):
    whole = records(SMS)
    monkeypatch.setattr(android.stream, "CHUNK", chunk)
    assert records(SMS) == whole


def test_repair_is_the_same_wherever_the_chunks_split():
    text = b'body="a&#55357;&#56832;b&#55357;c&#0;&#x1F600;&#xD83D;&#xDE00;&#10;&amp;&#55357;&#56397;"'
    expected = _Whole().feed(text)
    assert expected == b'body="a&#x1F600;b&#xFFFD;c&#xFFFD;&#x1F600;&#x1F600;&#10;&amp;&#x1F44D;"'
    for cut in range(len(text) + 1):
        for second in range(cut, len(text) + 1):
            repair = android.repair._Repair()
            out = (
                repair.feed(text[:cut], False) + repair.feed(text[cut:second], False) + repair.feed(text[second:], True)
            )
            assert out == expected, (cut, second)
            assert (repair.pairs, repair.replaced) == (3, 2)


def test_repair_random_texts_random_chunks():
    import random

    rng = random.Random(7)
    pieces = [
        b"&#55357;",
        b"&#56832;",
        b"&#xD83D;",
        b"&#xDE00;",
        b"&#0;",
        b"&#10;",
        b"&#x1F600;",
        b"&amp;",
        b"a",
        b" ",
        b";",
        b"&",
        b"\x01",
    ]
    for _ in range(300):
        text = b"".join(rng.choice(pieces) for _ in range(rng.randint(1, 40)))
        expected = android.repair._Repair().feed(text, True)
        repair = android.repair._Repair()
        cuts = sorted(rng.randint(0, len(text)) for _ in range(rng.randint(1, 6)))
        out, start = [], 0
        for cut in cuts:
            out.append(repair.feed(text[start:cut], False))
            start = cut
        out.append(repair.feed(text[start:], True))
        assert b"".join(out) == expected, (text, cuts)


def test_repair_holds_back_little_however_long_the_run_of_references():
    repair = android.repair._Repair()
    held = []
    for _ in range(200):
        repair.feed(b"&#10;" * 999 + b"&#5", False)
        held.append(len(repair.pending))
    assert max(held) <= 16
    assert repair.feed(b"5357;&#56832;", True) == b"&#x1F600;" and repair.pairs == 1


def test_repair_counts_every_repeat_of_the_same_reference():
    """Runs of references are repaired once and remembered; each repeat still counts."""
    repair = android.repair._Repair()
    text = b'a="&#55357;&#56832;" b="&#55357;&#56832;" c="&#0;" d="&#0;&#10;" e="&#0;" f="&#10;"'
    assert (
        repair.feed(text, True) == b'a="&#x1F600;" b="&#x1F600;" c="&#xFFFD;" d="&#xFFFD;&#10;" e="&#xFFFD;" f="&#10;"'
    )
    assert (repair.pairs, repair.replaced) == (2, 3)
    assert repair.feed(text, True) == _Whole().feed(text)
    assert (repair.pairs, repair.replaced) == (4, 6)


class _Whole:
    def feed(self, data: bytes) -> bytes:
        return android.repair._Repair().feed(data, True)


def test_processed_records_are_released(tmp_path, monkeypatch):
    """Memory does not grow with the file: the parser never holds more than one chunk's records."""
    path = tmp_path / "big.xml"
    row = '<sms protocol="0" address="+12025550143" date="{}" type="1" subject="null" body="message {}" contact_name="Sam Client" />\n'
    with open(path, "w") as fh:
        fh.write("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<smses count=\"5000\">\n")
        for n in range(5000):
            fh.write(row.format(1709312400000 + n, n))
        fh.write("</smses>\n")
    monkeypatch.setattr(android.stream, "CHUNK", 4096)  # ~30 records per chunk
    held = []
    original = android.stream._Backup.end

    def watching(backup, tag):
        original(backup, tag)
        held.append(len(backup.records))

    monkeypatch.setattr(android.stream._Backup, "end", watching)
    assert sum(isinstance(r, Message) for r in android.read(path, OPTIONS)) == 5000
    assert len(held) == 5001 and max(held) < 40  # every <sms>, then the root


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_a_backup_saved_again_as_utf16_reads_the_same(tmp_path, encoding):
    path = tmp_path / "sms.xml"
    bom = b"\xff\xfe" if encoding.endswith("le") else b"\xfe\xff"
    path.write_bytes(bom + SMS.read_text("utf-8").replace("encoding='UTF-8'", "encoding='UTF-16'").encode(encoding))
    assert android.detect(path)
    assert records(path) == records(SMS)


def test_unknown_elements_are_skipped_with_a_reason(tmp_path):
    path = tmp_path / "sms.xml"
    path.write_text(
        "<smses count='2'><sms address='+12025550143' date='1709312400000' type='1' body='x'/>"
        "<note>hi</note><wrap><sms address='1' date='1' type='1' body='y'/></wrap>"
        "<sms address='+12025550143' date='soon' type='1' body='z'/></smses>"
    )
    got = records(path)
    assert [r.source_ref for r in got if isinstance(r, Message)] == ["sms 1"]
    assert [r for r in got if isinstance(r, Skipped)] == [
        Skipped("<note> is not a record of SMS Backup & Restore (sms, mms, call)", "note 1"),
        Skipped("<wrap> is not a record of SMS Backup & Restore (sms, mms, call)", "wrap 1"),
        Skipped("sms without a valid date ('soon')", "sms 2"),
    ]
    assert (
        Notice('the backup says count="2" but holds 4 records (2 sms, 1 note, 1 wrap); imported what is there') in got
    )


# -- bad input ------------------------------------------------------------------------------

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE smses [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<smses count="1"><sms address="+12025550143" date="1709312400000" type="1" body="&lol3;" /></smses>
"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE smses SYSTEM "http://example.com/evil.dtd">
<smses count="1"><sms address="+12025550143" date="1709312400000" type="1" body="x" /></smses>
"""


def bad_inputs(tmp_path) -> dict[str, tuple[Path, str]]:
    def write(name, data):
        path = tmp_path / name
        path.write_bytes(data)
        return path

    whole = SMS.read_bytes()
    return {
        "truncated": (
            write("truncated.xml", whole[: len(whole) * 2 // 3]),
            "truncated or malformed XML (the file ends before the backup does): ",
        ),
        "truncated at the last tag": (
            write("cut.xml", whole[:-10]),
            "truncated or malformed XML (the file ends before the backup does): ",
        ),
        "not xml": (
            write("notes.xml", b"these are my notes, not a backup\n"),
            "not an SMS Backup & Restore backup: not an XML file",
        ),
        "other xml": (
            write("feed.xml", b"<?xml version='1.0'?><rss><channel/></rss>"),
            "not an SMS Backup & Restore backup: the root element is <rss>, not <smses> or <calls>",
        ),
        "entity bomb": (write("bomb.xml", BOMB), "refused: the file declares a DOCTYPE"),
        "external dtd": (write("external.xml", EXTERNAL), "refused: the file declares a DOCTYPE"),
        "empty": (write("empty.xml", b""), "empty file: not an SMS Backup & Restore backup"),
        "undefined entity": (
            write("entity.xml", b'<smses count="1"><sms address="1" date="1" type="1" body="&nope;"/></smses>'),
            "malformed XML: ",
        ),
        "binary": (
            write("photo.xml", b"\x89PNG\r\n\x1a\n" + bytes(range(256))),
            "not an SMS Backup & Restore backup: not an XML file",
        ),
    }


@pytest.mark.parametrize(
    "case",
    [
        "truncated",
        "truncated at the last tag",
        "not xml",
        "other xml",
        "entity bomb",
        "external dtd",
        "empty",
        "undefined entity",
        "binary",
    ],
)
def test_bad_input_fails_cleanly_and_changes_nothing(archive, cli, tmp_path, case):
    path, reason = bad_inputs(tmp_path)[case]
    with pytest.raises(ImportFailed) as failed:
        list(android.read(path, OPTIONS))
    assert failed.value.reason.startswith(reason) and "\n" not in failed.value.reason
    before = snapshot(archive)
    result = cli("import", path, "--format", "android")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {path}: {reason}")
    assert "Traceback" not in result.output
    assert snapshot(archive) == before


def test_truncated_file_rolls_back_what_it_read(archive, tmp_path):
    """Everything before the cut was yielded and written, and is rolled back."""
    path, _ = bad_inputs(tmp_path)["truncated at the last tag"]
    before = snapshot(archive)
    with pytest.raises(ImportFailed):
        import_path(archive, path)
    assert snapshot(archive) == before


# -- through the archive: identity, idempotence, next week's backup --------------------------


def test_import_twice_adds_nothing(archive):
    first = import_path(archive, SMS)
    assert (first.added, first.already_present, first.format) == (16, 0, "android")
    before = snapshot(archive)
    second = import_path(archive, SMS)
    assert (second.added, second.already_present, second.updated) == (0, 16, 0)
    after = snapshot(archive)
    for table in set(before) | set(after):
        if table not in ("imports", "message_sources", "audit_log"):
            assert after[table] == before[table], table


def test_next_weeks_backup_adds_only_the_new_messages(archive):
    import_path(archive, SMS)
    result = import_path(archive, SMS_NEXT_WEEK)
    assert (result.added, result.already_present, result.updated) == (2, 16, 0)
    # A message in both files: one message, two sources.
    rows = archive.conn.execute(
        "SELECT i.file_name, s.source_ref FROM message_sources s JOIN imports i ON i.id = s.import_id"
        " JOIN messages m ON m.id = s.message_id WHERE m.body = 'Sure, call me at 3.' ORDER BY i.id"
    ).fetchall()
    assert [tuple(r) for r in rows] == [("sms-20240301.xml", "sms 2"), ("sms-20240308.xml", "sms 2")]
    new = archive.conn.execute("SELECT body FROM messages WHERE sent_at >= '2024-03-08' ORDER BY sent_at").fetchall()
    assert [r[0] for r in new] == ["The landlord signed. Copy attached to email \U0001f914", "Great news, thank you!"]


def test_archived_records(archive):
    import_path(archive, SMS)
    conn = archive.conn
    row = conn.execute(
        "SELECT m.direction, m.sent_at, m.body, m.service, m.status, m.flags, p.handle, p.is_owner FROM messages m"
        " JOIN participants p ON p.id = m.sender_id WHERE m.body LIKE 'I also wanted%'"
    ).fetchone()
    assert tuple(row) == (
        "out",
        "2024-03-01T17:02:00.000Z",
        "I also wanted to ask about the deposit",
        "SMS",
        "draft",
        '["draft"]',
        OWNER,
        1,
    )
    blob = conn.execute(
        "SELECT a.file_name, a.mime, b.data FROM message_attachments a JOIN blobs b ON b.sha256 = a.blob_sha256"
    ).fetchall()
    assert [tuple(r) for r in blob] == [("leak.png", "image/png", PNG)]
    missing = conn.execute(
        "SELECT file_name, missing_reason FROM message_attachments WHERE blob_sha256 IS NULL"
    ).fetchall()
    assert [tuple(r) for r in missing] == [("report.pdf", "corrupt base64: Only base64 data is allowed")]
    warnings = json.loads(conn.execute("SELECT warnings FROM imports").fetchone()[0])
    assert any("U+FFFD" in w for w in warnings) and any("corrupt base64" in w for w in warnings)
    groups = conn.execute(
        "SELECT source_key, is_group FROM conversations WHERE is_group = 1 ORDER BY source_key"
    ).fetchall()
    assert [tuple(r) for r in groups] == [(GROUP, 1), ("group_42@rcs.google.com", 1)]


def test_cli_imports_the_fixtures(cli):
    result = cli("import", SMS, CALLS, "--json")
    assert result.exit_code == 0, result.output
    again = cli("import", SMS, CALLS, "--json")
    assert again.exit_code == 0 and '"added": 0' in again.output


def test_cli_me_names_the_owner(tmp_path):
    from typer.testing import CliRunner

    from textfile.cli import app

    db = tmp_path / "a.db"
    Archive.create(db, owner_name="Alex Owner", phones=[], emails=[], tz="UTC", region="US", bates_prefix="TF").close()
    result = CliRunner().invoke(
        app, ["--archive", str(db), "import", str(SMS), "--me", "202-555-0100"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    with Archive.open(db) as archive:
        row = archive.conn.execute(
            "SELECT p.handle, p.is_owner FROM messages m JOIN participants p ON p.id = m.sender_id"
            " WHERE m.body = 'Sure, call me at 3.'"
        ).fetchone()
    assert tuple(row) == (OWNER, 1)


# -- conformance: files nobody on this project wrote ----------------------------------------

CORPUS_FILES = sorted((CORPUS / "android").rglob("*.xml")) if (CORPUS / "android").exists() else []


@pytest.mark.skipif(not CORPUS_FILES, reason="../shared/corpus/android not present")
@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_corpus_file_imports_or_fails_cleanly(tmp_path, path):
    with Archive.create(
        tmp_path / "a.db", owner_name="Alex Owner", phones=[], emails=[], tz="UTC", region="US", bates_prefix="TF"
    ) as archive:
        before = snapshot(archive)
        try:
            first = import_path(archive, path)
        except ImportFailed as exc:
            assert exc.reason and "\n" not in exc.reason and "internal error" not in exc.reason
            assert snapshot(archive) == before
            return
        second = import_path(archive, path)
        assert second.added == 0 and second.updated == 0
        assert second.already_present == first.added + first.already_present


@pytest.mark.skipif(not CORPUS_FILES, reason="../shared/corpus/android not present")
def test_corpus_known_outcomes():
    base = CORPUS / "android"
    failed = {p.name for p in CORPUS_FILES if _fails(p)}
    assert failed == {
        "packages_lib_test-assets_sms_and_mms.xml",
        "tests_fixtures_malformed.xml",
    }  # both cut off mid-element
    ragibson = base / "ragibson_SMS-MMS-deduplication"
    fixed = [m.body for m in messages(ragibson / "utf16_encoding.xml").values()]
    assert (
        fixed
        == [m.body for m in messages(ragibson / "utf16_encoding_corrected.xml").values()]
        == ["Some text content here \U0001f602"] * 2
    )
    # "1111111111" is no US number (no area code begins with 1): "+11111111111" in the same backup
    # is its international form, so the two are one handle; with "+21111111111" beside it instead,
    # it is kept as written (its conversation keyed as earlier versions keyed it).
    same = messages(ragibson / "missing_country_code.xml")
    assert {(m.conversation.source_key, m.sender.handle, m.flags) for m in same.values() if m.service == "SMS"} == {
        ("+11111111111", "+11111111111", frozenset())
    }
    assert same["mms 1"].identity == same["mms 2"].identity
    other = messages(ragibson / "alternate_country_code.xml")
    assert {(m.conversation.source_key, m.sender.handle, m.flags) for m in other.values() if m.service == "SMS"} == {
        ("+21111111111", "+21111111111", frozenset()),
        ("+11111111111", "1111111111", frozenset({"number_as_written"})),
    }
    sbv = records(base / "lowcarbdev_sbv" / "backend_testdata_sample_backup.xml")
    assert (
        Notice('the backup says count="95" but holds 70 records (55 sms, 5 mms, 10 call); imported what is there')
        in sbv
    )
    assert not any(isinstance(r, Skipped) for r in sbv)


def _fails(path: Path) -> bool:
    try:
        records(path)
    except ImportFailed:
        return True
    return False


# -- --me, dates a clock cannot hold, an <sms> of no known type -------------------------------

TABLES_OF_RECORDS = (
    "conversations",
    "participants",
    "messages",
    "message_versions",
    "reactions",
    "message_attachments",
    "blobs",
)


def _records_tables(archive: Archive) -> dict:
    """The archived records, without when the import ran (a conversation's created_at)."""
    every = snapshot(archive)
    tables = {table: every[table] for table in TABLES_OF_RECORDS}
    tables["conversations"] = [row[:-1] for row in tables["conversations"]]
    return tables


def _warnings(result) -> list[str]:
    return [w for w in result.warnings if "changed since it was archived" in w]


def test_me_as_a_name_is_not_the_owners_number(cli, archive):
    """--me meant for a WhatsApp file in the same command: the Android backup reads as without it."""
    whatsapp = FIXTURES / "whatsapp" / "WhatsApp Chat with Sam Client.txt"
    first = cli("import", SMS, whatsapp, "--me", "Alex Owner")
    assert first.exit_code == 0, first.output
    assert first.output.startswith(f"{SMS}: android, added 16, already present 0, updated 0, skipped 0\n")
    after_first = _records_tables(archive)
    result = cli("import", SMS_NEXT_WEEK)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{SMS_NEXT_WEEK}: android, added 2, already present 16, updated 0, skipped 0\n")
    assert "changed since it was archived" not in result.output
    assert archive.conn.execute("SELECT count(*) FROM message_versions").fetchone()[0] == 0
    owners = archive.conn.execute(
        "SELECT c.source_key, p.handle FROM participants p JOIN conversations c ON c.id = p.conversation_id"
        " WHERE p.is_owner = 1 AND c.platform = 'android' ORDER BY c.source_key"
    ).fetchall()
    assert [tuple(r) for r in owners] == [
        (k, OWNER) for k in sorted({SAM, DANA, "72975", GROUP, "group_42@rcs.google.com"})
    ]
    assert after_first["messages"] == [r for r in _records_tables(archive)["messages"] if r in after_first["messages"]]


@pytest.mark.parametrize("me", ["Alex Owner", "(202) 555-0100", "ALEX@example.com", "  "])
def test_same_backup_same_records_with_or_without_me(tmp_path, me):
    """A name is not an address; an email, or the number the backup itself names as the phone's, changes no record
    (--me with another of the owner's numbers decides: test_me_names_which_of_the_owners_numbers_the_phone_had)."""

    def archived(name: str, **options) -> dict:
        with Archive.create(
            tmp_path / name,
            owner_name="Alex Owner",
            phones=["+12025550100", "+12025550101"],
            emails=["alex@example.com"],
            tz="UTC",
            region="US",
            bates_prefix="TF",
        ) as archive:
            first = import_path(archive, SMS, **options)
            second = import_path(archive, SMS_NEXT_WEEK)
            assert (first.added, second.added, second.already_present, second.updated, _warnings(second)) == (
                16,
                2,
                16,
                0,
                [],
            )
            return _records_tables(archive)

    assert archived("with.db", me=me) == archived("without.db")
    options = ImportOptions(
        tz="UTC",
        region="US",
        owner_name="Alex Owner",
        owner_handles=frozenset({OWNER, "+12025550101", "alex@example.com"}),
        me=me,
    )
    assert messages(SMS, options) == messages(
        SMS, ImportOptions(tz="UTC", region="US", owner_name="Alex Owner", owner_handles=options.owner_handles)
    )


def test_me_names_the_owner_only_when_it_is_an_address():
    name_only = ImportOptions(tz="UTC", region="US", owner_name="Alex Owner", me="Alex Owner")
    got = records(SMS, name_only)
    sent = next(r for r in got if isinstance(r, Message) and r.source_ref == "sms 2")
    assert sent.sender == Participant("Alex Owner", "Alex Owner", True)  # the owner's name, as with no --me at all
    assert got == records(SMS, ImportOptions(tz="UTC", region="US", owner_name="Alex Owner"))
    email = ImportOptions(tz="UTC", region="US", owner_name="Alex Owner", me=" Alex@Example.com ")
    assert messages(SMS, email)["sms 2"].sender == Participant("alex@example.com", "Alex Owner", True)


def test_me_that_is_not_one_of_the_archives_numbers_is_said():
    """The archive's number stays the sender (a backup reads the same whatever --me says); the other
    number still counts as the owner's."""
    options = ImportOptions(
        tz="UTC", region="US", owner_name="Alex Owner", owner_handles=frozenset({OWNER}), me="202-555-0177"
    )
    got = records(SMS, options)
    assert [r for r in got if isinstance(r, Message)] == [r for r in records(SMS) if isinstance(r, Message)]
    assert (
        Notice(
            "--me '202-555-0177' (+12025550177) is not one of the archive's own numbers or emails: it counts as yours,"
            " but what this phone sent is attributed to the archive's number +12025550100 (textfile settings"
            " --add-phone +12025550177 makes it one of yours; import the backup again then)",
            "assumption",
        )
        in got
    )


def _with(tmp_path, old: bytes, new: bytes, source: Path = SMS) -> Path:
    data = source.read_bytes()
    assert data.count(old) == 1
    path = tmp_path / source.name
    path.write_bytes(data.replace(old, new))
    return path


DATES_NO_CLOCK_HOLDS = ["300000000000000", "99999999999999999999", "-99999999999999999999", "9" * 400]


@pytest.mark.parametrize("date", DATES_NO_CLOCK_HOLDS)
@pytest.mark.parametrize(
    "element, old, ref, count",
    [
        ("sms", b'date="1709312520000"', "sms 3", (10, 5)),
        ("mms", b'<mms date="1709313300000"', "mms 2", (11, 4)),
        ("call", b'date="1709317200000"', "call 3", (0, 6)),
    ],
)
def test_a_date_no_clock_holds_skips_that_record(tmp_path, date, element, old, ref, count):
    new = old.replace(old.split(b'"')[1], date.encode())
    path = _with(tmp_path, old, new, CALLS if element == "call" else SMS)
    got = records(path)
    assert [r for r in got if isinstance(r, Skipped)] == [
        Skipped(f"{element} date {date} is outside the dates a clock can hold", ref)
    ]
    kept = [r for r in got if isinstance(r, Message)]
    assert ref not in {m.source_ref for m in kept}
    assert (sum(m.service == "SMS" for m in kept), sum(m.service in ("MMS", "RCS", "Phone") for m in kept)) == count
    whole = messages(CALLS if element == "call" else SMS)
    assert {m.source_ref: m for m in kept} == {k: m for k, m in whole.items() if k != ref}


def test_a_date_no_clock_holds_is_reported_and_the_rest_imported(cli, archive, tmp_path):
    path = _with(tmp_path, b'date="1709312520000"', b'date="300000000000000"')
    result = cli("import", path)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        f"{path}: android, added 15, already present 0, updated 0, skipped 1\n"
        "  skipped 1: sms date 300000000000000 is outside the dates a clock can hold\n"
    )
    row = archive.conn.execute("SELECT added, skipped_reasons FROM imports").fetchone()
    assert row[0] == 15
    assert json.loads(row[1]) == {
        "sms date 300000000000000 is outside the dates a clock can hold": {"count": 1, "refs": ["sms 3"]}
    }


@pytest.mark.parametrize(
    "old, new, status, said",
    [
        (b'type="3"', b"", "no type", "no type"),
        (
            b'type="3"',
            b'type="99"',
            "type 99",
            'type="99", which is not one Android writes (1 received, 2 sent, 3 draft, 4 outbox, 5 failed, 6 queued)',
        ),
        (b'type="3"', b'type="null"', "no type", "no type"),
    ],
)
def test_sms_of_no_known_type_is_kept_without_a_direction_and_said(tmp_path, old, new, status, said):
    path = _with(tmp_path, old, new)
    got = records(path)
    m = next(r for r in got if isinstance(r, Message) and r.source_ref == "sms 3")
    assert shape(m) == (
        SAM,
        "system",
        None,
        utc(2024, 3, 1, 17, 2),
        "I also wanted to ask about the deposit",
        "SMS",
        "message",
        status,
        frozenset({"direction_unknown"}),
        None,
        "UTC",
        (),
    )
    assert m.conversation == messages(SMS)["sms 1"].conversation
    assert m.identity == (
        "sms",
        SAM,
        1709312520000,
        "in",
        "I also wanted to ask about the deposit",
    )  # as earlier versions keyed it
    assert (
        Notice(
            f"sms 3: {said}: whether it was sent or received is unknown; kept with no sender and no direction"
            " (a system line, marked direction unknown)"
        )
        in got
    )
    assert [r.source_ref for r in got if isinstance(r, Message)] == list(messages(SMS))


def test_sms_of_no_known_type_through_the_cli(cli, archive, tmp_path):
    path = _with(tmp_path, b'type="3"', b'type="99"')
    result = cli("import", path)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{path}: android, added 16, already present 0, updated 0, skipped 0\n")
    assert (
        '  warning: sms 3: type="99", which is not one Android writes (1 received, 2 sent, 3 draft, 4 outbox, 5 failed,'
        " 6 queued): whether it was sent or received is unknown; kept with no sender and no direction (a system line,"
        " marked direction unknown)\n"
    ) in result.output
    row = archive.conn.execute(
        "SELECT direction, sender_id, status, flags FROM messages WHERE body LIKE 'I also wanted%'"
    ).fetchone()
    assert tuple(row) == ("system", None, "type 99", '["direction_unknown"]')


def test_mms_of_no_known_box_is_read_from_its_sender_and_said(tmp_path):
    path = _with(tmp_path, b'msg_box="2"', b'msg_box="99"')
    got = records(path)
    m = next(r for r in got if isinstance(r, Message) and r.source_ref == "mms 2")
    whole = messages(SMS)["mms 2"]
    assert (m.direction, m.sender, m.status, m.flags, m.conversation) == (
        "out",
        ME,
        "msg_box 99",
        frozenset(),
        whole.conversation,
    )
    assert m.identity[:3] == ("mms", 1709313300000, 99)
    assert (
        Notice(
            'mms 2: msg_box="99", which is not one Android writes (1 received, 2 sent, 3 draft, 4 outbox, 5 failed,'
            " 6 queued); read as sent from its addresses",
            "assumption",
        )
        in got
    )


@pytest.mark.parametrize(
    "box, status, said",
    [
        ("", "no msg_box", "no msg_box"),
        (
            "msg_box='7'",
            "msg_box 7",
            'msg_box="7", which is not one Android writes (1 received, 2 sent, 3 draft, 4 outbox, 5 failed, 6 queued)',
        ),
    ],
)
def test_mms_of_no_known_box_and_no_sender_has_no_direction(tmp_path, box, status, said):
    path = tmp_path / "sms.xml"
    path.write_text(
        "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<smses count='1'>"
        f"<mms date='1709313000000' {box} address='+12025550143' m_id='mid-9' contact_name='Sam Client'>"
        "<parts><part seq='0' ct='text/plain' chset='106' text='Who wrote this?' /></parts>"
        "<addrs><addr address='+12025550143' type='151' charset='106' /></addrs></mms></smses>",
        encoding="utf-8",
    )
    got = records(path)
    (m,) = [r for r in got if isinstance(r, Message)]
    assert shape(m) == (
        SAM,
        "system",
        None,
        utc(2024, 3, 1, 17, 10),
        "Who wrote this?",
        "MMS",
        "message",
        status,
        frozenset({"direction_unknown"}),
        None,
        "UTC",
        (),
    )
    assert [r for r in got if isinstance(r, Notice)] == [
        Notice(
            f"mms 1: {said} and no sender address: whether it was sent or received is unknown; kept with no sender and no"
            " direction (a system line, marked direction unknown)"
        ),
        TAKEN,
    ]


@pytest.mark.parametrize(
    "new, status, said",
    [
        (b"", "no type", "no type"),
        (b'type="42"', "type 42", 'type="42", which is not one Android writes'),
    ],
)
def test_call_of_no_known_type_is_kept_without_a_direction_and_said(tmp_path, new, status, said):
    path = _with(tmp_path, b'date="1709317200000" type="3"', b'date="1709317200000" ' + new, CALLS)
    got = records(path)
    m = next(r for r in got if isinstance(r, Message) and r.source_ref == "call 3")
    assert shape(m) == (
        SAM,
        "system",
        None,
        utc(2024, 3, 1, 18, 20),
        "",
        "Phone",
        "call",
        status,
        frozenset({"direction_unknown"}),
        0,
        "UTC",
        (),
    )
    assert m.identity == ("call", SAM, 1709317200000, None if status == "no type" else 42, 0)
    assert [r for r in got if isinstance(r, Notice)] == [
        Notice(
            f"call 3: {said}: whether the call was made or received is unknown; kept with no caller and no direction"
            " (a system line, marked direction unknown)"
        ),
        TAKEN,
    ]


def test_call_answered_on_another_device_is_incoming(tmp_path):
    path = _with(tmp_path, b'type="1"', b'type="7"', CALLS)
    m = messages(path)["call 1"]
    assert (m.direction, m.sender, m.status, m.flags) == ("in", SAM_P, "answered on another device", frozenset())


def test_an_mms_with_no_box_no_sender_and_no_m_id_keeps_the_identity_earlier_versions_gave_it(tmp_path):
    # Earlier versions read it as received (box 1) and keyed it so: the same backup imported again
    # into an archive they made must find it, not add a second copy.
    path = tmp_path / "sms.xml"
    path.write_text(
        "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<smses count='1'>"
        "<mms date='1709313000000' address='+12025550143' contact_name='Sam Client'>"
        "<parts><part seq='0' ct='text/plain' chset='106' text='Who wrote this?' /></parts>"
        "<addrs><addr address='+12025550143' type='151' charset='106' /></addrs></mms></smses>",
        encoding="utf-8",
    )
    (m,) = [r for r in records(path) if isinstance(r, Message)]
    assert (m.direction, m.identity[:3]) == ("system", ("mms", 1709313000000, 1))


# -- a number is never invented (issue 13, point 4) ------------------------------------------
# A French mobile written as France dials it ("0669462731") in a backup read with region US: no US
# number begins with 0, so it is kept as written, never "+10669462731"; where the same backup also
# writes "+33669462731", the two are one handle.

CLAIRE, CLAIRE_HERE, CLAIRE_INVENTED = "+33669462731", "0669462731", "+10669462731"
HEAD = (
    "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<!--File Created By SMS Backup & Restore v10.20.002-->\n"
    '<smses count="{n}" backup_set="0b8f3c1e-5d2a-4c1e-9b7a-3e2f1d0c9b8a" backup_date="1709400000000" type="full">\n'
)


def sms_line(address: str, date: int, kind: int, body: str, name: str = "Claire Martin") -> str:
    return (
        f'  <sms protocol="0" address="{address}" date="{date}" type="{kind}" subject="null" body="{body}" toa="null"'
        f' sc_toa="null" service_center="null" read="1" status="-1" locked="0" date_sent="0" sub_id="1"'
        f' readable_date="Mar 1, 2024 12:00:00 PM" contact_name="{name}" />\n'
    )


def mms_line(
    address: str, date: int, text: str, m_id: str = "null", sender: str | None = None, to=(OWNER,), name="Claire Martin"
) -> str:
    addrs = "".join(
        f'      <addr address="{a}" type="{t}" charset="106" />\n'
        for a, t in [(sender or address, "137")] + [(a, "151") for a in to]
    )
    return (
        f'  <mms date="{date}" rr="129" sub="null" ct_t="application/vnd.wap.multipart.related" msg_box="1" address="{address}"'
        f' m_id="{m_id}" date_sent="{date // 1000}" read="1" m_type="132" readable_date="Mar 1, 2024 12:00:00 PM" contact_name="{name}">\n'
        f'    <parts>\n      <part seq="0" ct="text/plain" name="null" chset="106" cd="null" fn="null" cid="&lt;text_0&gt;" cl="text_0.txt"'
        f' ctt_s="null" ctt_t="null" text="{text}" />\n    </parts>\n    <addrs>\n{addrs}    </addrs>\n  </mms>\n'
    )


def backup(path: Path, *lines: str) -> Path:
    path.write_text(HEAD.format(n=len(lines)) + "".join(lines) + "</smses>\n", encoding="utf-8")
    return path


T0 = 1709312400000  # 2024-03-01 17:00 UTC
FRANCE_NATIONAL = (
    sms_line(CLAIRE_HERE, T0, 1, "Bonjour, c'est Claire"),
    sms_line("06 69 46 27 31", T0 + 60_000, 2, "Hi Claire"),
    mms_line("06 69 46 27 31", T0 + 120_000, "Photo du bail", m_id="mid-fr-1"),
)
FRANCE_INTERNATIONAL = (sms_line(CLAIRE, T0 + 3_600_000, 1, "Je suis en France cette semaine"),)
CLAIRE_P = Participant(CLAIRE, "Claire Martin")


def test_a_foreign_number_written_nationally_is_kept_as_written(tmp_path):
    got = records(backup(tmp_path / "sms.xml", *FRANCE_NATIONAL))
    msgs = {r.source_ref: r for r in got if isinstance(r, Message)}
    kept = Participant(CLAIRE_HERE, "Claire Martin")
    # The conversation key is the one earlier versions computed (a key, never shown): an archive
    # they made goes on with the same conversation. Every number shown is the number as written.
    chat = msgs["sms 1"].conversation
    assert (chat.source_key, chat.participants) == (CLAIRE_INVENTED, (kept, ME))
    assert chat is msgs["sms 2"].conversation and msgs["mms 1"].conversation.participants == (kept, ME)
    flag = frozenset({"number_as_written"})
    assert shape(msgs["sms 1"]) == (
        CLAIRE_INVENTED,
        "in",
        kept,
        utc(2024, 3, 1, 17, 0),
        "Bonjour, c'est Claire",
        "SMS",
        "message",
        "received",
        flag,
        None,
        "UTC",
        (),
    )
    assert shape(msgs["sms 2"]) == (
        CLAIRE_INVENTED,
        "out",
        ME,
        utc(2024, 3, 1, 17, 1),
        "Hi Claire",
        "SMS",
        "message",
        "sent",
        flag,
        None,
        "UTC",
        (),
    )
    assert shape(msgs["mms 1"]) == (
        CLAIRE_INVENTED,
        "in",
        kept,
        utc(2024, 3, 1, 17, 2),
        "Photo du bail",
        "MMS",
        "message",
        "received",
        flag,
        None,
        "UTC",
        (),
    )
    assert [(m.identity, m.identity_key) for m in msgs.values()] == [
        (("sms", CLAIRE_INVENTED, T0, "in", "Bonjour, c'est Claire"), None),
        (("sms", CLAIRE_INVENTED, T0 + 60_000, "out", "Hi Claire"), None),
        (("mms", "mid-fr-1"), None),
    ]
    assert [r for r in got if isinstance(r, Notice)] == [
        Notice(
            "0669462731 (sms 1, sms 2, mms 1) has no country code and is not a number of region US: kept as written,"
            ' not given +1 (flagged "number as written")'
        )
    ]


def test_the_number_kept_as_written_is_the_handle_in_the_archive(archive, tmp_path):
    result = import_path(archive, backup(tmp_path / "sms.xml", *FRANCE_NATIONAL))
    assert (result.added, result.warnings) == (
        3,
        [
            "0669462731 (sms 1, sms 2, mms 1) has no country code and is not a number of region US: kept as written,"
            ' not given +1 (flagged "number as written")'
        ],
    )
    rows = archive.conn.execute(
        "SELECT c.source_key, m.direction, p.handle, m.body, m.flags FROM messages m JOIN conversations c ON c.id = m.conversation_id"
        " JOIN participants p ON p.id = m.sender_id ORDER BY m.sent_at"
    ).fetchall()
    assert [tuple(r) for r in rows] == [
        (CLAIRE_INVENTED, "in", CLAIRE_HERE, "Bonjour, c'est Claire", '["number_as_written"]'),
        (CLAIRE_INVENTED, "out", OWNER, "Hi Claire", '["number_as_written"]'),
        (CLAIRE_INVENTED, "in", CLAIRE_HERE, "Photo du bail", '["number_as_written"]'),
    ]
    handles = archive.conn.execute("SELECT handle, display_name, is_owner FROM participants ORDER BY handle").fetchall()
    assert [tuple(r) for r in handles] == [(OWNER, "Alex Owner", 1), (CLAIRE_HERE, "Claire Martin", 0)]


@pytest.mark.parametrize("order", ["international last", "international first", "only in a group mms"])
@pytest.mark.parametrize("chunk", [CHUNK_DEFAULT := android.stream.CHUNK, 64])
def test_national_and_international_forms_in_one_backup_are_one_handle(tmp_path, monkeypatch, order, chunk):
    monkeypatch.setattr(android.stream, "CHUNK", chunk)
    monkeypatch.setattr(android.source, "SCAN_CHUNK", chunk)
    group = mms_line(
        f"{CLAIRE}~+12025550143",
        T0 + 7_200_000,
        "Rendez-vous",
        m_id="mid-group-1",
        sender="+12025550143",
        to=(OWNER, CLAIRE),
    )
    lines = {
        "international last": FRANCE_NATIONAL + FRANCE_INTERNATIONAL,
        "international first": FRANCE_INTERNATIONAL + FRANCE_NATIONAL,
        "only in a group mms": FRANCE_NATIONAL + (group,),
    }[order]
    got = records(backup(tmp_path / "sms.xml", *lines))
    msgs = {m.body: m for m in got if isinstance(m, Message)}
    chat = msgs["Bonjour, c'est Claire"].conversation
    assert (chat.source_key, chat.participants) == (CLAIRE, (CLAIRE_P, ME))
    for body in ("Bonjour, c'est Claire", "Hi Claire", "Photo du bail", "Je suis en France cette semaine"):
        if body in msgs:
            m = msgs[body]
            assert (replace(m.conversation, other_keys=()), m.flags) == (replace(chat, other_keys=()), frozenset())
            assert m.sender == (ME if m.direction == "out" else CLAIRE_P)
    # What is written nationally names the key its conversation has where it is read as written
    # (ingest finds a conversation archived under it and re-keys it).
    assert {body: m.conversation.other_keys for body, m in msgs.items()} == {
        "Bonjour, c'est Claire": (CLAIRE_INVENTED,),
        "Hi Claire": (CLAIRE_INVENTED,),
        "Photo du bail": (CLAIRE_INVENTED,),
        **({"Je suis en France cette semaine": ()} if order != "only in a group mms" else {"Rendez-vous": ()}),
    }
    # Ids as before the join: the national form's messages keep the key earlier versions gave them.
    assert [(m.identity, m.identity_key) for m in msgs.values() if m.identity_key] == [
        (("sms", CLAIRE_INVENTED, T0, "in", "Bonjour, c'est Claire"), CLAIRE_INVENTED),
        (("sms", CLAIRE_INVENTED, T0 + 60_000, "out", "Hi Claire"), CLAIRE_INVENTED),
        (("mms", "mid-fr-1"), CLAIRE_INVENTED),
    ]
    if "Je suis en France cette semaine" in msgs:
        assert msgs["Je suis en France cette semaine"].identity == (
            "sms",
            CLAIRE,
            T0 + 3_600_000,
            "in",
            "Je suis en France cette semaine",
        )
    first = "sms 1, sms 2, mms 1" if order != "international first" else "sms 2, sms 3, mms 1"
    assert [r for r in got if isinstance(r, Notice)] == [
        Notice(
            f"0669462731 ({first}) is read as +33669462731: it has no country code and is not a number of region US,"
            " it is how +33669462731 is written within FR (+33), and this backup also writes +33669462731: the two are one handle",
            "assumption",
        )
    ]


def test_a_national_number_two_countries_could_own_is_joined_with_neither(tmp_path):
    """06 12 34 56 78 is a French mobile as France writes it and a Dutch one as the Netherlands does."""
    path = backup(
        tmp_path / "sms.xml",
        sms_line("0612345678", T0, 1, "Hallo?", "(Unknown)"),
        sms_line("+33612345678", T0 + 1000, 1, "Allô?", "(Unknown)"),
        sms_line("+31612345678", T0 + 2000, 1, "Hoi", "(Unknown)"),
    )
    got = records(path)
    msgs = [r for r in got if isinstance(r, Message)]
    assert [(m.conversation.source_key, m.sender, m.flags) for m in msgs] == [
        ("+10612345678", Participant("0612345678"), frozenset({"number_as_written"})),
        ("+33612345678", Participant("+33612345678"), frozenset()),
        ("+31612345678", Participant("+31612345678"), frozenset()),
    ]
    assert [r for r in got if isinstance(r, Notice)] == [
        Notice(
            "0612345678 (sms 1) has no country code and is not a number of region US: kept as written, not given +1; it could be"
            ' +31612345678 or +33612345678, all written in this backup, so it is joined with none (flagged "number as written")'
        ),
        TAKEN,
    ]


def test_a_backup_without_such_numbers_is_read_once(tmp_path, monkeypatch):
    def no_second_pass(*_args):
        raise AssertionError("read twice")

    monkeypatch.setattr(android.numbers, "_international_forms", no_second_pass)
    assert len(messages(SMS)) == 16


def test_the_international_form_is_found_wherever_the_reads_cut_it(tmp_path, monkeypatch):
    path = backup(tmp_path / "sms.xml", *FRANCE_NATIONAL, *FRANCE_INTERNATIONAL)
    data = path.read_bytes()
    at = data.index(CLAIRE.encode())
    for size in sorted(
        {1, 2, 3, 5, 8, 13, 64, 100, 4096} | {at - data.rfind(b"\n", 0, at) + k for k in range(-12, 14)}
    ):
        monkeypatch.setattr(android.source, "SCAN_CHUNK", size)
        assert android.numbers._international_forms(path, "US", "smses") == {
            CLAIRE_HERE: {CLAIRE},
            "2025550100": {OWNER},
        }, size


@pytest.mark.parametrize("attribute", ['xaddress="+33669462731"', "contact_address='+33669462731'"])
def test_an_attribute_whose_name_ends_in_address_names_no_number(tmp_path, monkeypatch, attribute):
    """Review C8: only an attribute named address (number in a call log) is read for the international forms a backup
    writes: the national number stays as written, as in the same backup without that attribute."""
    plain = records(backup(tmp_path / "plain.xml", *FRANCE_NATIONAL))
    for size in (android.source.SCAN_CHUNK, 7, 9, 16):
        monkeypatch.setattr(android.source, "SCAN_CHUNK", size)
        assert (
            records(
                backup(
                    tmp_path / "sms.xml",
                    *(line.replace(' date="', f' {attribute} date="', 1) for line in FRANCE_NATIONAL),
                )
            )
            == plain
        )
        assert android.numbers._international_forms(tmp_path / "sms.xml", "US", "smses") == {"2025550100": {OWNER}}


# -- archives made before numbers were kept as written ----------------------------------------
# The release before this change (main at 9218d53) stored "+10669462731". The same backup imported
# again must find every message (ids are computed from the key that release used) and make no
# second conversation; what it now reads differently is recorded as a new version of each message.

OLD_RELEASE = "9218d53"
OLD_IMPORT = """
import sys
from textfile.archive import Archive
from textfile.ingest import import_path
with Archive.create(sys.argv[1], owner_name="Alex Owner", phones=["+12025550100"], emails=["alex@example.com"],
                    tz="America/New_York", region="US", bates_prefix="TF") as archive:
    for path in sys.argv[2:]:
        import_path(archive, path)
"""


def archived_by_the_old_release(tmp_path: Path, *paths: Path, commit: str = OLD_RELEASE) -> Path:
    """An archive made by the release's own code (or another commit's), run from its commit in this repository."""
    import io
    import subprocess
    import sys
    import tarfile

    root = Path(__file__).resolve().parents[1]
    code = subprocess.run(["git", "-C", str(root), "archive", commit, "textfile"], capture_output=True)
    if code.returncode:
        pytest.skip(f"commit {commit} is not in this clone")
    old = tmp_path / "old-release"
    with tarfile.open(fileobj=io.BytesIO(code.stdout)) as tar:
        tar.extractall(old, filter="data")
    db = tmp_path / "old.db"
    done = subprocess.run(
        [sys.executable, "-c", OLD_IMPORT, str(db), *map(str, paths)],
        capture_output=True,
        text=True,
        cwd=old,
        env={"PYTHONPATH": str(old), "PATH": "/usr/bin:/bin", "XDG_CONFIG_HOME": os.environ["XDG_CONFIG_HOME"]},
    )  # (the session's key)
    assert done.returncode == 0, done.stderr
    return db


def archived_by_the_old_reading(tmp_path: Path, *paths: Path) -> Path:
    """The same, without git: today's code with the old reading of numbers (phones.handle_key) and dates (all milliseconds)."""
    from textfile import phones
    from textfile.ingest import custodian, prepare
    from textfile.ingest.writer import conversations, owner

    db = tmp_path / "old.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(phones, "normalize_handle", phones.handle_key)
        for module in (prepare, custodian, conversations, owner):  # (where ingest normalizes a handle)
            patch.setattr(module, "normalize_handle", phones.handle_key)
        patch.setattr(phones, "written_without_code", lambda *_: False)
        patch.setattr(android.dates, "SECONDS_BELOW", 0)
        with Archive.create(
            db,
            owner_name="Alex Owner",
            phones=[OWNER],
            emails=["alex@example.com"],
            tz="America/New_York",
            region="US",
            bates_prefix="TF",
        ) as archive:
            for path in paths:
                import_path(archive, path)
    return db


def _archived(archive: Archive) -> list[tuple]:
    return [
        tuple(r)
        for r in archive.conn.execute(
            "SELECT m.id, c.id, c.source_key, p.handle, m.body, m.flags, m.version FROM messages m JOIN conversations c"
            " ON c.id = m.conversation_id LEFT JOIN participants p ON p.id = m.sender_id ORDER BY m.sent_at"
        )
    ]


@pytest.mark.parametrize(
    "filed",
    [{}, {1: "M1"}, {1: "M1", 2: "M1"}, {1: "M1", 2: "M2"}],
    ids=["unfiled", "one filed", "both to one matter", "to two matters"],
)
@pytest.mark.parametrize(
    "made_by", [archived_by_the_old_release, archived_by_the_old_reading], ids=["old release", "old reading"]
)
def test_reimporting_into_an_archive_that_holds_the_invented_number(tmp_path, made_by, filed):
    """The old release split Claire's thread in two: the import that joins her numbers merges them into one conversation, which
    keeps every filing of both, says so, and says so plainly where that files the thread to two matters."""
    from textfile import filing

    path = backup(tmp_path / "sms.xml", *FRANCE_NATIONAL, *FRANCE_INTERNATIONAL)
    db = made_by(tmp_path, path)
    with Archive.open(db) as archive:
        before = _archived(archive)
        conversations = [tuple(r) for r in archive.conn.execute("SELECT id, source_key FROM conversations ORDER BY id")]
        assert conversations == [(1, CLAIRE_INVENTED), (2, CLAIRE)]  # the split the old release made
        assert [(r[1], r[3]) for r in before] == [(1, CLAIRE_INVENTED), (1, OWNER), (1, CLAIRE_INVENTED), (2, CLAIRE)]
        with archive.transaction() as conn:
            filing.add_client(conn, "Maria Lopez", ["+12025550143"], [], "US")
            for reference in sorted(set(filed.values())):
                filing.open_matter(conn, reference, "Maria Lopez", "Lease")
            for conversation, reference in filed.items():
                filing.file_conversation(conn, conversation, reference, None, None)
        filings = [
            tuple(r)
            for r in archive.conn.execute("SELECT id, matter_id, how, created_at, filed_by FROM filings ORDER BY id")
        ]
        result = import_path(archive, path)
        assert (result.added, result.already_present, result.updated) == (0, 2, 2)
        said = {1: "", 2: ""} | {n: f", filed to {m}" for n, m in filed.items()}
        two_matters = (
            ". The whole thread is now filed to M1 and M2: each matter's transcripts will show the messages that were filed to the"
            " other only"
            if len(set(filed.values())) > 1
            else ""
        )
        assert result.warnings == [
            f"conversations 1 (+10669462731, 3 messages{said[1]}), 2 (+33669462731, 1 message{said[2]}) are one thread, which this source"
            " writes with +33669462731: merged into conversation 2, with every message and every filing of each; conversation 1 no longer"
            f" exists{two_matters}",
            "sms 1: changed since it was archived (who sent it); the earlier version is kept",
            "mms 1: changed since it was archived (who sent it); the earlier version is kept",
            "conversation 2: every message from +10669462731 is now from +33669462731; +10669462731 is no longer listed among its people,"
            " and each of those messages keeps it as the sender of its earlier version",
        ]
        audited = _last_audit(archive)
        assert (audited["updated"], audited["merged"], audited["participants_replaced"], "moved" in audited) == (
            2,
            [
                {
                    "conversation": 2,
                    "now": [CLAIRE],
                    "from": [
                        {"conversation": 1, "handles": [CLAIRE_INVENTED], "matters": [filed[1]] if 1 in filed else []},
                        {"conversation": 2, "handles": [CLAIRE], "matters": [filed[2]] if 2 in filed else []},
                    ],
                }
            ],
            [{"conversation": 2, "was": CLAIRE_INVENTED, "now": [CLAIRE]}],
            False,
        )
        # No second copy, one conversation: the same ids, all now with Claire's one number; every filing kept, as it was made.
        assert [tuple(r) for r in archive.conn.execute("SELECT id, source_key FROM conversations ORDER BY id")] == [
            (2, CLAIRE)
        ]
        assert [
            tuple(r) for r in archive.conn.execute("SELECT source_key, conversation_id, rule FROM conversation_keys")
        ] == [(CLAIRE_INVENTED, 2, "merged")]
        assert [
            tuple(r)
            for r in archive.conn.execute("SELECT id, matter_id, how, created_at, filed_by FROM filings ORDER BY id")
        ] == filings
        assert {r[0] for r in archive.conn.execute("SELECT conversation_id FROM filings")} <= {2}
        assert [
            tuple(r)
            for r in archive.conn.execute("SELECT handle, display_name, is_owner FROM participants ORDER BY handle")
        ] == [(OWNER, "Alex Owner", 1), (CLAIRE, "Claire Martin", 0)]
        after = _archived(archive)
        assert [r[0] for r in after] == [r[0] for r in before]
        assert [r[1:] for r in after] == [
            (2, CLAIRE, CLAIRE, "Bonjour, c'est Claire", "[]", 2),
            (2, CLAIRE, OWNER, "Hi Claire", "[]", 1),  # the same content, in its conversation
            (2, CLAIRE, CLAIRE, "Photo du bail", "[]", 2),
            (2, CLAIRE, CLAIRE, "Je suis en France cette semaine", "[]", 1),
        ]
        versions = archive.conn.execute(
            "SELECT m.body, v.origin, v.earlier FROM message_versions v JOIN messages m ON m.id = v.message_id"
            " ORDER BY m.sent_at"
        ).fetchall()
        assert [tuple(r) for r in versions] == [
            ("Bonjour, c'est Claire", "reimport", '{"sender":"+10669462731"}'),
            ("Photo du bail", "reimport", '{"sender":"+10669462731"}'),
        ]
        assert check_archive(archive.conn)["problems"] == []
        settled = snapshot(archive)
        again = import_path(archive, path)
        assert (again.added, again.already_present, again.updated, again.warnings) == (0, 4, 0, [])
        assert {
            t: rows for t, rows in snapshot(archive).items() if t not in ("imports", "message_sources", "audit_log")
        } == {t: rows for t, rows in settled.items() if t not in ("imports", "message_sources", "audit_log")}


@pytest.mark.parametrize(
    "made_by", [archived_by_the_old_release, archived_by_the_old_reading], ids=["old release", "old reading"]
)
def test_reimporting_a_number_kept_as_written_into_such_an_archive(tmp_path, made_by):
    path = backup(tmp_path / "sms.xml", *FRANCE_NATIONAL)
    db = made_by(tmp_path, path)
    with Archive.open(db) as archive:
        before = _archived(archive)
        assert [(r[2], r[3]) for r in before] == [
            (CLAIRE_INVENTED, CLAIRE_INVENTED),
            (CLAIRE_INVENTED, OWNER),
            (CLAIRE_INVENTED, CLAIRE_INVENTED),
        ]
        result = import_path(archive, path)
        assert (result.added, result.already_present, result.updated) == (0, 0, 3)
        assert [tuple(r) for r in archive.conn.execute("SELECT id, source_key FROM conversations")] == [
            (1, CLAIRE_INVENTED)
        ]
        after = _archived(archive)
        assert [r[:3] for r in after] == [r[:3] for r in before]  # same ids, same conversation
        assert [r[3:] for r in after] == [
            (CLAIRE_HERE, "Bonjour, c'est Claire", '["number_as_written"]', 2),
            (OWNER, "Hi Claire", '["number_as_written"]', 2),
            (CLAIRE_HERE, "Photo du bail", '["number_as_written"]', 2),
        ]


def test_next_weeks_backup_that_shows_the_international_form_joins_the_conversation(archive, tmp_path):
    first = import_path(archive, backup(tmp_path / "week1.xml", *FRANCE_NATIONAL))
    second = import_path(archive, backup(tmp_path / "week2.xml", *FRANCE_NATIONAL, *FRANCE_INTERNATIONAL))
    assert (first.added, second.added, second.already_present, second.updated) == (3, 1, 0, 3)
    rows = _archived(archive)
    assert [r[2:6] for r in rows] == [
        (CLAIRE, CLAIRE, "Bonjour, c'est Claire", "[]"),
        (CLAIRE, OWNER, "Hi Claire", "[]"),
        (CLAIRE, CLAIRE, "Photo du bail", "[]"),
        (CLAIRE, CLAIRE, "Je suis en France cette semaine", "[]"),
    ]
    assert len({r[1] for r in rows}) == 1


# -- one thread, one conversation, whichever way its number was read --------------------------
# Week 1's backup writes Pierre only as 0669462731: a conversation keyed as written, filed to M1 by
# hand, transcribed. Week 2's also writes +33669462731, so the two are one handle: the conversation
# must go on (re-keyed in place), never be emptied into a new one behind its filing's back.

PIERRE, PIERRE_HERE = "+33669462731", "0669462731"
WEEK1 = (
    sms_line(PIERRE_HERE, 1761760800000, 1, "Bonjour Maître, je suis Pierre.", "Pierre Dubois"),
    sms_line(PIERRE_HERE, 1761761400000, 2, "Merci Pierre.", "Pierre Dubois"),
)
WEEK2 = WEEK1 + (sms_line(PIERRE, 1762351200000, 1, "Attestation envoyée.", "Pierre Dubois"),)
REKEYED = (
    "conversation 1 (0669462731, filed to M1) is the thread this source writes with +33669462731 (the same number, see the"
    " importer's notices): it goes on under +33669462731, the same conversation with its filings and messages, not a new one"
)
REPLACED = (
    "conversation 1: every message from 0669462731 is now from +33669462731; 0669462731 is no longer listed among its people,"
    " and each of those messages keeps it as the sender of its earlier version"
)


def _last_audit(archive: Archive) -> dict:
    return json.loads(
        archive.conn.execute(
            "SELECT details FROM audit_log WHERE command = 'import' ORDER BY id DESC LIMIT 1"
        ).fetchone()[0]
    )


def test_a_filed_conversation_goes_on_when_next_weeks_backup_joins_its_number(cli, archive, tmp_path):
    """The walk's repro/3, through the CLI."""
    week1, week2 = backup(tmp_path / "sms-week1.xml", *WEEK1), backup(tmp_path / "sms-week2.xml", *WEEK2)
    assert cli("import", week1).exit_code == 0
    cli("client", "add", "Maria Lopez", "--phone", "+12025550143")
    cli("matter", "open", "M1", "--client", "Maria Lopez", "--title", "Lease")
    assert cli("file", "1", "--matter", "M1").exit_code == 0
    assert cli("transcript", "M1", "--out", tmp_path / "t1.pdf").exit_code == 0
    r = cli("import", week2)
    assert r.exit_code == 0
    assert r.stdout.splitlines() == [
        f"{week2}: android, added 1, already present 0, updated 2, skipped 0",
        "  assumed: 0669462731 (sms 1, sms 2) is read as +33669462731: it has no country code and is not a number of region US, it is"
        " how +33669462731 is written within FR (+33), and this backup also writes +33669462731: the two are one handle",
        f"  assumed: {TAKEN.text}",
        f"  warning: {REKEYED}",
        "  warning: sms 1: changed since it was archived (who sent it, its marks); the earlier version is kept",
        "  warning: sms 2: changed since it was archived (its marks); the earlier version is kept",
        f"  warning: {REPLACED}",
    ]
    # The same conversation, still filed to M1, now under the number the backup gives it, with all three messages.
    assert [tuple(r) for r in archive.conn.execute("SELECT id, source_key FROM conversations")] == [(1, PIERRE)]
    assert [
        tuple(r)
        for r in archive.conn.execute(
            "SELECT platform, source_key, conversation_id, import_id, rule FROM conversation_keys"
        )
    ] == [("android", CLAIRE_INVENTED, 1, 2, "rekeyed")]
    assert [
        tuple(r)
        for r in archive.conn.execute(
            "SELECT f.conversation_id, m.reference, f.how FROM filings f JOIN matters m ON m.id = f.matter_id"
        )
    ] == [(1, "M1", "manual")]
    assert [
        tuple(r) for r in archive.conn.execute("SELECT handle, display_name, is_owner FROM participants ORDER BY id")
    ] == [(OWNER, "Alex Owner", 1), (PIERRE, "Pierre Dubois", 0)]
    assert [r[1:] for r in _archived(archive)] == [
        (1, PIERRE, PIERRE, "Bonjour Maître, je suis Pierre.", "[]", 2),
        (1, PIERRE, OWNER, "Merci Pierre.", "[]", 2),
        (1, PIERRE, PIERRE, "Attestation envoyée.", "[]", 1),
    ]
    assert [
        tuple(r)
        for r in archive.conn.execute(
            "SELECT v.version, m.body, v.origin, v.import_id, v.earlier FROM message_versions v"
            " JOIN messages m ON m.id = v.message_id ORDER BY m.sent_at"
        )
    ] == [
        (
            1,
            "Bonjour Maître, je suis Pierre.",
            "reimport",
            2,
            '{"flags":"[\\"number_as_written\\"]","sender":"0669462731"}',
        ),
        (1, "Merci Pierre.", "reimport", 2, '{"flags":"[\\"number_as_written\\"]"}'),
    ]
    audited = _last_audit(archive)
    assert (audited["rekeyed"], audited["participants_replaced"], "moved" in audited) == (
        [{"conversation": 1, "was": [PIERRE_HERE], "now": [PIERRE]}],
        [{"conversation": 1, "was": PIERRE_HERE, "now": [PIERRE]}],
        False,
    )
    listed = json.loads(cli("matter", "list", "--json").stdout)
    assert [(m["reference"], m["conversations"], m["messages"]) for m in listed] == [("M1", 1, 3)]
    # M1's transcript goes on, with week 2's message; the week-1 transcript says what changed since, and by which import.
    made = json.loads(cli("transcript", "M1", "--out", tmp_path / "t2.pdf", "--json").stdout)
    assert made["messages"] == 3
    shown = [
        r[0]
        for r in archive.conn.execute(
            "SELECT m.body FROM transcript_messages t JOIN messages m ON m.id = t.message_id"
            " WHERE t.transcript_id = 2 ORDER BY t.position"
        )
    ]
    assert shown == ["Bonjour Maître, je suis Pierre.", "Merci Pierre.", "Attestation envoyée."]
    r = cli("verify", tmp_path / "t1.pdf")
    assert r.exit_code == 0 and "t1.pdf: matches the archive as it was (transcript " in r.stdout
    said = [line.split("): ", 1)[1] for line in r.stdout.splitlines() if line.startswith("  #")]
    assert said == ["number re-read: 0669462731, now +33669462731", "the conversation's number re-read"]
    assert cli("verify", tmp_path / "t2.pdf").exit_code == 0
    # Next week's backup again: nothing changes.
    settled = snapshot(archive)
    again = cli("import", week2)
    assert again.stdout.splitlines()[0] == f"{week2}: android, added 0, already present 3, updated 0, skipped 0"
    assert {
        t: rows for t, rows in snapshot(archive).items() if t not in ("imports", "message_sources", "audit_log")
    } == {t: rows for t, rows in settled.items() if t not in ("imports", "message_sources", "audit_log")}


@pytest.mark.parametrize("first", ["as written", "international first"])
def test_next_weeks_backup_that_writes_the_international_form_first_goes_on_in_the_same_conversation(
    archive, tmp_path, first
):
    """However the records of week 2 are ordered (the international form may come first, before anything says the
    national one is the same number), week 1's filed conversation goes on, and no other one is left behind."""
    from textfile import filing

    import_path(archive, backup(tmp_path / "week1.xml", *WEEK1))
    with archive.transaction() as conn:
        filing.add_client(conn, "Maria Lopez", ["+12025550143"], [], "US")
        filing.open_matter(conn, "M1", "Maria Lopez", "Lease")
        filing.file_conversation(conn, 1, "M1", None, None)
    lines = WEEK2 if first == "as written" else WEEK2[2:] + WEEK1
    result = import_path(archive, backup(tmp_path / "week2.xml", *lines))
    assert (result.added, result.already_present, result.updated, result.conversations) == (1, 0, 2, [1])
    assert result.warnings[0] == REKEYED and result.warnings[-1] == REPLACED and len(result.warnings) == 4
    assert [tuple(r) for r in archive.conn.execute("SELECT id, source_key FROM conversations")] == [(1, PIERRE)]
    assert [
        tuple(r) for r in archive.conn.execute("SELECT source_key, conversation_id, rule FROM conversation_keys")
    ] == [(CLAIRE_INVENTED, 1, "rekeyed")]
    assert [r[1:4] + r[4:6] for r in _archived(archive)] == [
        (1, PIERRE, PIERRE, "Bonjour Maître, je suis Pierre.", "[]"),
        (1, PIERRE, OWNER, "Merci Pierre.", "[]"),
        (1, PIERRE, PIERRE, "Attestation envoyée.", "[]"),
    ]
    assert [tuple(r) for r in archive.conn.execute("SELECT handle FROM participants ORDER BY id")] == [
        (OWNER,),
        (PIERRE,),
    ]
    assert _last_audit(archive)["rekeyed"] == [{"conversation": 1, "was": [PIERRE_HERE], "now": [PIERRE]}]
    assert check_archive(archive.conn)["problems"] == []


def test_a_joined_number_written_only_nationally_the_next_week_stays_in_its_conversation(archive, tmp_path):
    """Week 1 writes both forms (one conversation, under the international number); week 2 only the national one: the
    archive joined the two, so week 2 reads the number as the international one (said, with the import that joined
    them) and its messages stay as they are (no new conversation, no move, no new version)."""
    first = import_path(archive, backup(tmp_path / "week1.xml", *WEEK2))
    assert [
        tuple(r)
        for r in archive.conn.execute("SELECT source_key, conversation_id, import_id, rule FROM conversation_keys")
    ] == [(CLAIRE_INVENTED, 1, 1, "named")]
    before = _archived(archive)
    second = import_path(archive, backup(tmp_path / "week2.xml", *WEEK1))
    assert (first.added, second.added, second.already_present, second.updated, second.conversations) == (
        3,
        0,
        2,
        0,
        [1],
    )
    assert [tuple(r) for r in archive.conn.execute("SELECT id, source_key FROM conversations")] == [(1, PIERRE)]
    assert _archived(archive) == before
    assert [r[1:6] for r in before] == [
        (1, PIERRE, PIERRE, "Bonjour Maître, je suis Pierre.", "[]"),
        (1, PIERRE, OWNER, "Merci Pierre.", "[]"),
        (1, PIERRE, PIERRE, "Attestation envoyée.", "[]"),
    ]
    assert second.assumptions[0] == (
        "0669462731 (sms 1, sms 2) is read as +33669462731: it has no country code and is not a number of region US, it is how"
        " +33669462731 is written within FR (+33), and an earlier import (import 1 of week1.xml) read a backup that writes both and"
        " joined them (this one writes only 0669462731): the two are one handle"
    )
    assert not any("moved" in w or "conversation" in w for w in second.warnings)
    assert "moved" not in _last_audit(archive) and "rekeyed" not in _last_audit(archive)


def test_a_national_number_one_backup_joins_with_one_country_and_the_next_with_another(archive, tmp_path):
    """06 12 34 56 78 is French in week 1's backup (which writes +33612345678) and Dutch in week 2's (+31612345678): the
    French conversation is not re-keyed to the Dutch number; where week 2 reads the message is said, with its filings."""
    import_path(
        archive,
        backup(
            tmp_path / "week1.xml",
            sms_line("0612345678", T0, 1, "Bonjour", "X"),
            sms_line("+33612345678", T0 + 1000, 1, "Allô", "X"),
        ),
    )
    second = import_path(
        archive,
        backup(
            tmp_path / "week2.xml",
            sms_line("0612345678", T0, 1, "Bonjour", "X"),
            sms_line("+31612345678", T0 + 2000, 1, "Hoi", "X"),
        ),
    )
    assert second.warnings == [
        "conversation 1 (+33612345678) is where an earlier import put a number that this source reads as +31612345678 (see the"
        " importer's notices): it is left as it is",
        "sms 1: changed since it was archived (who sent it); the earlier version is kept",
        "1 message archived in conversation 1 moved to conversation 2 (filed to no matter), where this source reads them (see the"
        " importer's notices)",
    ]
    assert [tuple(r) for r in archive.conn.execute("SELECT id, source_key FROM conversations ORDER BY id")] == [
        (1, "+33612345678"),
        (2, "+31612345678"),
    ]
    assert [
        tuple(r) for r in archive.conn.execute("SELECT source_key, conversation_id, rule FROM conversation_keys")
    ] == [("+10612345678", 1, "named")]
    assert _last_audit(archive)["moved"] == [{"from": 1, "to": 2, "messages": 1}]


def test_a_group_with_a_joined_number_names_the_key_it_has_as_written(tmp_path):
    group = mms_line(
        f"{CLAIRE_HERE}~+12025550143",
        T0 + 7_200_000,
        "Rendez-vous",
        m_id="mid-group-2",
        sender="+12025550143",
        to=(OWNER, CLAIRE_HERE),
    )
    msgs = {
        m.body: m for m in records(backup(tmp_path / "sms.xml", group, *FRANCE_INTERNATIONAL)) if isinstance(m, Message)
    }
    chat = msgs["Rendez-vous"].conversation
    assert (chat.source_key, chat.other_keys, msgs["Rendez-vous"].identity_key) == (
        f"+12025550143~{CLAIRE}",
        (f"{CLAIRE_INVENTED}~+12025550143",),
        f"{CLAIRE_INVENTED}~+12025550143",
    )
    assert msgs["Je suis en France cette semaine"].conversation.other_keys == ()


def test_a_group_with_a_number_kept_as_written_goes_on_when_next_week_joins_it(archive, tmp_path):
    group = mms_line(
        f"+12025550143~{CLAIRE_HERE}",
        T0,
        "Rendez-vous",
        m_id="g1",
        sender="+12025550143",
        to=(OWNER, CLAIRE_HERE),
        name="Maria Lopez, Claire Martin",
    )
    import_path(archive, backup(tmp_path / "week1.xml", group))
    result = import_path(archive, backup(tmp_path / "week2.xml", group, *FRANCE_INTERNATIONAL))
    assert result.warnings[0] == (
        "conversation 1 (+12025550143, 0669462731) is the thread this source writes with +12025550143, +33669462731 (the same people,"
        " see the importer's notices): it goes on under +12025550143, +33669462731, the same conversation with its filings and"
        " messages, not a new one"
    )
    assert [tuple(r) for r in archive.conn.execute("SELECT id, source_key FROM conversations ORDER BY id")] == [
        (1, f"+12025550143~{CLAIRE}"),
        (2, CLAIRE),
    ]
    assert [
        tuple(r) for r in archive.conn.execute("SELECT source_key, conversation_id, rule FROM conversation_keys")
    ] == [(f"{CLAIRE_INVENTED}~+12025550143", 1, "rekeyed")]
    assert [
        tuple(r)
        for r in archive.conn.execute(
            "SELECT handle, display_name FROM participants WHERE conversation_id = 1 ORDER BY id"
        )
    ] == [
        ("+12025550143", "Maria Lopez"),
        (CLAIRE_HERE, "Claire Martin"),
        (OWNER, "Alex Owner"),
        (CLAIRE, "Claire Martin"),
    ]
    assert [r[1:3] for r in _archived(archive)] == [(1, f"+12025550143~{CLAIRE}"), (2, CLAIRE)]


def test_other_keys_of_a_thread_with_several_joined_numbers():
    def joined(handle, legacy):
        return android.numbers._Address(handle, handle, legacy, "joined", "0" + handle[3:])

    a, b = joined("+33669462731", "+10669462731"), joined("+33612345678", "+10612345678")
    plain = android.numbers._Address("+12025550143", "+12025550143", "+12025550143")
    key = "+12025550143~+33612345678~+33669462731"
    assert android.conversations._other_keys((a, b, plain), key, "+10612345678~+10669462731~+12025550143") == (
        "+10612345678~+10669462731~+12025550143",
        "+10612345678~+12025550143~+33669462731",
        "+10669462731~+12025550143~+33612345678",
    )
    assert android.conversations._other_keys((plain,), "+12025550143", "+12025550143") == ()


# -- a group's names (walk report defect 16) ------------------------------------------------
# The app writes a group MMS's contact_name as one name per address of its `address` list, in order.


@pytest.mark.parametrize(
    "contact_name, names",
    [
        ("Maria Lopez, Pierre Dubois", {"+12025550143": "Maria Lopez", CLAIRE: "Pierre Dubois"}),
        ("Maria Lopez, (Unknown)", {"+12025550143": "Maria Lopez"}),
        ("Maria Lopez, 0669462731", {"+12025550143": "Maria Lopez"}),  # the number itself names no one
        ("0669462731, Maria Lopez", {}),  # a number in another's place: the names are not in that order
        ("Maria Lopez, Pierre Dubois, +2 more", {}),  # cut short by the app
        ("Lopez, Maria, Pierre Dubois", {}),  # a name holding ", " itself: more names than addresses
        ("Les voisins", {}),  # one name for the whole group
    ],
)
def test_a_group_mms_names_each_member_where_contact_name_gives_one_per_address(tmp_path, contact_name, names):
    path = backup(
        tmp_path / "sms.xml",
        mms_line(
            f"+12025550143~{CLAIRE_HERE}",
            T0,
            "Rendez-vous",
            m_id="g1",
            sender=CLAIRE,
            to=(OWNER, "+12025550143"),
            name=contact_name,
        ),
        *FRANCE_INTERNATIONAL,
    )
    [m] = [r for r in records(path) if isinstance(r, Message) and r.body == "Rendez-vous"]
    assert m.conversation.title == contact_name
    assert m.conversation.participants == (
        Participant("+12025550143", names.get("+12025550143")),
        Participant(CLAIRE, names.get(CLAIRE)),
        ME,
    )
    assert m.sender == Participant(CLAIRE, names.get(CLAIRE))


def test_a_group_transcript_names_every_member_the_export_names(cli, archive, tmp_path):
    import re
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed")
    path = backup(
        tmp_path / "sms.xml",
        mms_line(
            f"+12025550143~{CLAIRE_HERE}",
            T0,
            "Rendez-vous",
            m_id="g1",
            sender=CLAIRE,
            to=(OWNER, "+12025550143"),
            name="Maria Lopez, Pierre Dubois",
        ),
        mms_line(
            "+12025550177~+12025550191",
            T0 + 60_000,
            "Qui?",
            m_id="g2",
            sender="+12025550191",
            to=(OWNER, "+12025550177"),
            name="Les voisins",
        ),
        *FRANCE_INTERNATIONAL,
    )
    assert cli("import", path).exit_code == 0
    cli("client", "add", "Kim", "--phone", "+12025550199")
    cli("matter", "open", "M1", "--client", "Kim", "--title", "Test")
    groups = [r[0] for r in archive.conn.execute("SELECT id FROM conversations WHERE is_group = 1 ORDER BY id")]
    for conversation in groups:
        assert cli("file", conversation, "--matter", "M1").exit_code == 0
    assert cli("transcript", "M1", "--out", tmp_path / "t.pdf").exit_code == 0
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "t.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    # The sender's line exactly as drawn (one space before a number with no name); the participants, wherever lines wrap.
    assert [line for line in text.splitlines() if line[:1] == "#" and line[1:2].isdigit()] == [
        f"#{groups[0]}.1 2024-03-01 12:00:00 -05:00 Pierre Dubois +33669462731 · incoming · MMS",
        f"#{groups[1]}.1 2024-03-01 12:01:00 -05:00 +12025550191 · incoming · MMS",
    ]
    # ... and as laid out: the gap before the bare number is one space, as between the other words of the line.
    bbox = subprocess.run(
        ["pdftotext", "-bbox", str(tmp_path / "t.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    words = [
        (float(x0), float(y0), float(x1), w)
        for x0, y0, x1, w in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', bbox
        )
    ]
    line = [w for w in words if w[1] == next(y for _, y, _, t in words if t == f"#{groups[1]}.1")]
    assert [w[3] for w in line[:5]] == [f"#{groups[1]}.1", "2024-03-01", "12:01:00", "-05:00", "+12025550191"]
    gaps = [b[0] - a[2] for a, b in zip(line[:4], line[1:5])]
    assert max(gaps) - min(gaps) < 0.5, gaps
    flat = " ".join(text.split())
    assert (
        "Conversation 1: Maria Lopez, Pierre Dubois android, group. Participants: Maria Lopez +12025550143; Pierre Dubois"
        " +33669462731; Alex Owner +12025550100 (owner)" in flat
    )
    assert (
        "Conversation 2: Les voisins android, group. Participants: +12025550177; +12025550191; Alex Owner +12025550100 (owner)"
        in flat
    )


# -- dates in seconds (issue 13, point 5) ---------------------------------------------------


def test_dates_written_in_seconds_are_read_as_seconds_and_said(tmp_path):
    path = backup(
        tmp_path / "sms.xml",
        sms_line(SAM, T0, 1, "in milliseconds"),
        # Written in seconds by some backup tools: read by magnitude, readable_date agrees.
        sms_line(SAM, T0 // 1000 + 60, 1, "in seconds").replace("Mar 1, 2024 12:00:00 PM", "1 mars 2024 18:01:00"),
        sms_line(SAM, T0 // 1000 + 120, 2, "in seconds, no readable date").replace(
            ' readable_date="Mar 1, 2024 12:00:00 PM"', ""
        ),
        mms_line(
            SAM, T0 // 1000 + 180, "an mms in seconds", m_id="mid-s-1", sender=SAM
        ),  # its date_sent is seconds anyway
        # A small value whose readable_date says 1970: milliseconds after all.
        sms_line(SAM, 86_400_000, 1, "a day after the epoch").replace(
            "Mar 1, 2024 12:00:00 PM", "Jan 2, 1970 1:00:00 AM"
        ),
        '  <call number="+12025550143" duration="60" date="1709312640" type="1" presentation="1" readable_date="Mar 1, 2024"'
        ' contact_name="Sam Client" />\n',
    )
    got = records(path)
    msgs = {r.source_ref: r for r in got if isinstance(r, Message)}
    assert {ref: (m.sent_at, m.body) for ref, m in msgs.items()} == {
        "sms 1": (utc(2024, 3, 1, 17, 0), "in milliseconds"),
        "sms 2": (utc(2024, 3, 1, 17, 1), "in seconds"),
        "sms 3": (utc(2024, 3, 1, 17, 2), "in seconds, no readable date"),
        "mms 1": (utc(2024, 3, 1, 17, 3), "an mms in seconds"),
        "sms 4": (utc(1970, 1, 2), "a day after the epoch"),
        "call 1": (utc(2024, 3, 1, 17, 4), ""),
    }
    # The identity keeps the value as written (an archive that holds the 1970 reading finds the message).
    assert msgs["sms 2"].identity == ("sms", SAM, T0 // 1000 + 60, "in", "in seconds")
    assert [r for r in got if isinstance(r, Notice)] == [
        Notice(
            "read 4 dates as seconds, not milliseconds (sms 2, sms 3, mms 1, call 1): a value below 100,000,000,000 is before"
            " March 1973 in milliseconds; readable_date agrees for 3 (sms 2, mms 1, call 1), is absent for 1 (sms 3)",
            "assumption",
        ),
        Notice(
            "read 1 date small enough to be seconds as milliseconds (sms 4): their readable_date says so", "assumption"
        ),
    ]


@pytest.mark.parametrize(
    "made_by", [archived_by_the_old_release, archived_by_the_old_reading], ids=["old release", "old reading"]
)
def test_a_date_in_seconds_archived_in_1970_is_corrected_as_a_new_version(tmp_path, made_by):
    path = backup(tmp_path / "sms.xml", sms_line(SAM, T0 // 1000, 1, "in seconds"))
    db = made_by(tmp_path, path)
    with Archive.open(db) as archive:
        assert archive.conn.execute("SELECT sent_at FROM messages").fetchone()[0] == "1970-01-20T18:48:32.400Z"
        result = import_path(archive, path)
        assert (result.added, result.updated) == (0, 1)
        row = archive.conn.execute(
            "SELECT m.sent_at, m.version, v.origin FROM messages m JOIN message_versions v ON v.message_id = m.id"
        ).fetchone()
        assert tuple(row) == ("2024-03-01T17:00:00.000Z", 2, "reimport")


# -- line breaks inside XML attributes (issue 13, point 6) -----------------------------------

RAW_BREAKS = (
    "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n"
    '<!-- a writer\'s "comment"\n  over two lines -->\n'
    '<smses count="4">\n'
    '\t<sms protocol="0" address="+12025550143" date="1709312400000" type="1" subject="null"\n'
    '\t     body="First line\nsecond line\r\nthird\tcolumn > done\n" contact_name="Sam Client" />\r\n'
    "  <sms protocol='0' address='+12025550143' date='1709312460000' type='2' body='it\"s\n\"quoted\"\n' />\n"
    '  <mms date="1709312520000" msg_box="1" address="+12025550143" m_id="mid-raw-1" contact_name="Sam Client">\n'
    '    <parts>\n      <part seq="0" ct="text/plain" chset="106" text="Photo caption\nline 2" />\n    </parts>\n'
    '    <addrs>\n      <addr address="+12025550143" type="137" charset="106" />\n    </addrs>\n  </mms>\n'
    '  <sms address="+12025550143" date="1709312580000" type="1" body="no break &amp; &#10; escaped" />\n'
    "</smses>\n"
)
RAW_BODIES = {
    "sms 1": "First line\nsecond line\r\nthird\tcolumn > done\n",
    "sms 2": 'it"s\n"quoted"\n',
    "mms 1": "Photo caption\nline 2",
    "sms 3": "no break & \n escaped",
}


def test_line_breaks_written_raw_inside_attributes_are_kept(tmp_path):
    path = tmp_path / "sms.xml"
    path.write_bytes(RAW_BREAKS.encode())
    got = records(path)
    msgs = {r.source_ref: r for r in got if isinstance(r, Message)}
    assert {ref: m.body for ref, m in msgs.items()} == RAW_BODIES
    assert shape(msgs["sms 1"]) == (
        SAM,
        "in",
        SAM_P,
        utc(2024, 3, 1, 17, 0),
        RAW_BODIES["sms 1"],
        "SMS",
        "message",
        "received",
        frozenset(),
        None,
        "UTC",
        (),
    )
    assert [r for r in got if isinstance(r, Notice)] == [
        Notice(
            "kept 5 line breaks, 1 CRLF line break and 1 tab written raw inside attribute values as they are (an XML parser reads"
            " each as a space, and earlier versions did: each message is still identified by that reading)",
            "assumption",
        ),
        TAKEN,
    ]


@pytest.mark.parametrize(
    ("bodies", "kept"),
    [
        (["a\tb\tc"], "2 tabs"),
        (["one\rtwo"], "1 carriage return (CR)"),
        (["one\r\ntwo", "three\r\nfour\r\n"], "3 CRLF line breaks"),
        (["a\nb", "c\r\nd\re\tf\ng"], "2 line breaks, 1 CRLF line break, 1 carriage return (CR) and 1 tab"),
    ],
    ids=["tabs only", "a lone CR", "CRLF only", "every kind"],
)
def test_the_notice_names_each_kind_of_raw_line_break_kept(tmp_path, bodies, kept):
    """Review C5: a tab is no line break, a CRLF is one line break (not two), each kind is counted by its name."""
    got = records(
        backup(tmp_path / "sms.xml", *(sms_line(SAM, T0 + i * 60_000, 1, body) for i, body in enumerate(bodies)))
    )
    assert [m.body for m in got if isinstance(m, Message)] == bodies
    assert [r for r in got if isinstance(r, Notice)][0] == Notice(
        f"kept {kept} written raw inside attribute values as they are (an XML parser reads each as a space, and earlier versions"
        " did: each message is still identified by that reading)",
        "assumption",
    )


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16-le"])
def test_raw_line_breaks_are_kept_wherever_the_chunks_split(tmp_path, monkeypatch, encoding):
    path = tmp_path / "sms.xml"
    text = RAW_BREAKS if encoding == "utf-8" else RAW_BREAKS.replace("encoding='UTF-8'", "encoding='UTF-16'")
    path.write_bytes(text.encode("utf-8") if encoding == "utf-8" else b"\xff\xfe" + text.encode(encoding))
    whole = records(path)
    assert {r.source_ref: r.body for r in whole if isinstance(r, Message)} == RAW_BODIES
    # (A UTF-16 file's declaration is rewritten in its first read, which must hold it whole.)
    for chunk in range(1, 80) if encoding == "utf-8" else range(128, 400, 3):
        monkeypatch.setattr(android.stream, "CHUNK", chunk)
        assert records(path) == whole, chunk


def test_line_break_repair_places_every_byte_wherever_the_data_is_cut():
    text = b'<a x="1\n2" y=\'3\n"4\'\n  z="5>\n6"/>\n<!-- "\n --><b c="\r\n\t"/>\t\n<c\n d="7"\n/>'
    # (raw CR, LF, TAB as references to U+FDD0, U+FDD1, U+FDD2: told apart from a `&#10;` the file writes, A1 of the review)
    expected = b'<a x="1&#xFDD1;2" y=\'3&#xFDD1;"4\'\n  z="5>&#xFDD1;6"/>\n<!-- "\n --><b c="&#xFDD0;&#xFDD1;&#xFDD2;"/>\t\n<c\n d="7"\n/>'
    assert android.repair._Repair().feed(text, True) == expected
    for cut in range(len(text) + 1):
        for second in range(cut, len(text) + 1):
            repair = android.repair._Repair()
            out = (
                repair.feed(text[:cut], False) + repair.feed(text[cut:second], False) + repair.feed(text[second:], True)
            )
            assert out == expected, (cut, second)
            assert repair.line_breaks == 6


# -- raw line breaks and the identity earlier versions gave (review of issue 13, A1) ------------
# Earlier versions read a raw line break or tab inside a value as a space (a raw CRLF as one), and
# the body is part of an SMS's identity and of an MMS's without m_id: those are computed from the
# body as they read it, so that their archives find the message again; the body keeps the breaks.

RAW_MMS = (
    '  <mms date="1709312640000" msg_box="1" address="+12025550143" contact_name="Sam Client">\n'
    '    <parts>\n      <part seq="0" ct="text/plain" chset="106" text="Caption\r\nwith\tbreaks &#10; and one escaped" />\n'
    '      <part seq="1" ct="text/x-vCard" name="Sam.vcf" text="BEGIN:VCARD\nFN:Sam\nEND:VCARD" />\n    </parts>\n'
    '    <addrs>\n      <addr address="+12025550143" type="137" charset="106" />\n    </addrs>\n  </mms>\n'
)
RAW_WITH_MMS = RAW_BREAKS.replace('<smses count="4">', '<smses count="5">').replace("</smses>", RAW_MMS + "</smses>")
# What earlier versions read (XML: each raw CR, LF, TAB a space, a raw CRLF one; `&#10;` a line break).
READ_BEFORE = {
    "sms 1": "First line second line third column > done ",
    "sms 2": 'it"s "quoted" ',
    "mms 1": "Photo caption line 2",
    "sms 3": "no break & \n escaped",
    "mms 2": "Caption with breaks \n and one escaped",
}
SAM_CARD, SAM_CARD_BEFORE = b"BEGIN:VCARD\nFN:Sam\nEND:VCARD", b"BEGIN:VCARD FN:Sam END:VCARD"


def _identities_read_before() -> dict[str, tuple]:
    digest = hashlib.sha256(
        b"t" + READ_BEFORE["mms 2"].encode() + b"\0" + b"a" + hashlib.sha256(SAM_CARD_BEFORE).digest()
    )
    return {
        "sms 1": ("sms", SAM, 1709312400000, "in", READ_BEFORE["sms 1"]),
        "sms 2": ("sms", SAM, 1709312460000, "out", READ_BEFORE["sms 2"]),
        "mms 1": ("mms", "mid-raw-1"),
        "sms 3": ("sms", SAM, 1709312580000, "in", READ_BEFORE["sms 3"]),
        "mms 2": ("mms", 1709312640000, 1, [SAM], digest.hexdigest()),
    }


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16-le"])
def test_raw_line_breaks_keep_the_identity_earlier_versions_gave_wherever_the_chunks_split(
    tmp_path, monkeypatch, encoding
):
    path = tmp_path / "sms.xml"
    text = RAW_WITH_MMS if encoding == "utf-8" else RAW_WITH_MMS.replace("encoding='UTF-8'", "encoding='UTF-16'")
    path.write_bytes(text.encode("utf-8") if encoding == "utf-8" else b"\xff\xfe" + text.encode(encoding))
    expected = _identities_read_before()
    for chunk in [android.stream.CHUNK, *(range(1, 90) if encoding == "utf-8" else range(128, 400, 7))]:
        monkeypatch.setattr(android.stream, "CHUNK", chunk)
        msgs = messages(path)
        assert {ref: m.identity for ref, m in msgs.items()} == expected, chunk
        assert {ref: m.body for ref, m in msgs.items()} == RAW_BODIES | {
            "mms 2": "Caption\r\nwith\tbreaks \n and one escaped"
        }, chunk
        assert msgs["mms 2"].attachments == (Attachment("Sam.vcf", "text/x-vcard", data=SAM_CARD),), chunk


def test_the_files_own_noncharacters_are_kept_and_never_read_as_line_breaks(tmp_path, monkeypatch):
    """The marks of raw line breaks are references to U+FDD0-U+FDD2: a file that holds those (or
    U+FDD3) itself, raw or as references, keeps each as it is, in the body and in the identity."""
    path = tmp_path / "sms.xml"
    body = "a\ufdd0b&#xFDD1;c&#64978;d\ufdd3\ufdd1e\nf&#xfdd3;&#xFDD0;\r\ng\ufdd2"
    path.write_bytes(
        (
            "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<smses count=\"2\">\n"
            f'  <sms address="+12025550143" date="1709312400000" type="1" body="{body}" />\n'
            '  <sms address="+12025550143" date="1709312460000" type="1" body="only \ufdd1 its own" />\n</smses>\n'
        ).encode()
    )
    written = "a\ufdd0b\ufdd1c\ufdd2d\ufdd3\ufdd1e\nf\ufdd3\ufdd0\r\ng\ufdd2"
    for chunk in [android.stream.CHUNK, *range(1, 40)]:
        monkeypatch.setattr(android.stream, "CHUNK", chunk)
        msgs = messages(path)
        assert [(m.body, m.identity[-1]) for m in msgs.values()] == [
            (written, written.replace("\n", " ", 1).replace("\r\n", " ")),
            ("only \ufdd1 its own", "only \ufdd1 its own"),
        ], chunk
    data = path.read_bytes()
    repair = android.repair._Repair()
    assert repair.feed(data[: data.index(b"\xb7\x90")], False) + repair.feed(
        data[data.index(b"\xb7\x90") :], True
    ) == android.repair._Repair().feed(data, True)


def test_a_fresh_archive_finds_every_message_with_raw_line_breaks_again(archive, tmp_path, monkeypatch):
    path = tmp_path / "sms.xml"
    path.write_text(RAW_WITH_MMS, encoding="utf-8", newline="")
    first = import_path(archive, path)
    assert (first.added, first.already_present, first.updated) == (5, 0, 0)
    settled = snapshot(archive)
    monkeypatch.setattr(android.stream, "CHUNK", 37)  # other chunk boundaries, the same identities
    again = import_path(archive, path)
    assert (again.added, again.already_present, again.updated) == (0, 5, 0)
    assert {
        t: rows for t, rows in snapshot(archive).items() if t not in ("imports", "message_sources", "audit_log")
    } == {t: rows for t, rows in settled.items() if t not in ("imports", "message_sources", "audit_log")}


def test_reimporting_raw_line_breaks_into_an_archive_the_old_release_made(tmp_path):
    """The old release (9218d53) read the raw line breaks as spaces: the same backup imported again finds every message (no
    second copy), and the line breaks it keeps now are a new version of each, the spaces kept as the earlier one."""
    path = tmp_path / "sms.xml"
    path.write_text(RAW_WITH_MMS, encoding="utf-8", newline="")
    db = archived_by_the_old_release(tmp_path, path)
    with Archive.open(db) as archive:
        before = _archived(archive)
        assert [r[4] for r in before] == list(READ_BEFORE.values())
        result = import_path(archive, path)
        assert (result.added, result.already_present, result.updated) == (0, 1, 4)
        after = _archived(archive)
        assert [r[0] for r in after] == [r[0] for r in before]  # the same messages, no second copy
        assert [(r[4], r[6]) for r in after] == [
            (RAW_BODIES["sms 1"], 2),
            (RAW_BODIES["sms 2"], 2),
            (RAW_BODIES["mms 1"], 2),
            (RAW_BODIES["sms 3"], 1),
            ("Caption\r\nwith\tbreaks \n and one escaped", 2),
        ]
        versions = archive.conn.execute(
            "SELECT v.version, v.origin, v.body, v.earlier FROM message_versions v JOIN messages m"
            " ON m.id = v.message_id ORDER BY m.sent_at"
        ).fetchall()
        card = json.dumps(
            {"attachments": [["Sam.vcf", hashlib.sha256(SAM_CARD_BEFORE).hexdigest()]]}, separators=(",", ":")
        )
        assert [tuple(r) for r in versions] == [
            (1, "reimport", READ_BEFORE[ref], None) for ref in ("sms 1", "sms 2", "mms 1")
        ] + [
            (1, "reimport", READ_BEFORE["mms 2"], card)
        ]  # the card as the old release read it, kept with its earlier version
        assert check_archive(archive.conn)["problems"] == []
        again = import_path(archive, path)
        assert (again.added, again.already_present, again.updated) == (0, 5, 0)


def test_a_call_log_joins_the_national_and_international_forms_of_a_number(tmp_path):
    path = tmp_path / "calls.xml"
    path.write_text(
        "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<calls count=\"2\">\n"
        '  <call number="06 69 46 27 31" duration="60" date="1709312400000" type="1" presentation="1" contact_name="Claire Martin" />\n'
        '  <call number="+33669462731" duration="0" date="1709316000000" type="2" presentation="1" contact_name="Claire Martin" />\n'
        "</calls>\n",
        encoding="utf-8",
    )
    got = records(path)
    calls = [r for r in got if isinstance(r, Message)]
    assert [(m.conversation.source_key, m.sender, m.identity, m.identity_key, m.flags) for m in calls] == [
        (CLAIRE, CLAIRE_P, ("call", CLAIRE_INVENTED, 1709312400000, 1, 60), CLAIRE_INVENTED, frozenset()),
        (CLAIRE, ME, ("call", CLAIRE, 1709316000000, 2, 0), None, frozenset()),
    ]
    assert [r.text for r in got if isinstance(r, Notice)] == [
        "0669462731 (call 1) is read as +33669462731: it has no country code and is not a number of region US, it is how"
        " +33669462731 is written within FR (+33), and this backup also writes +33669462731: the two are one handle",
        TAKEN.text,
    ]


# -- the phone's own number (second walk, defect 4) ---------------------------------------------

WORK, HOME = "+12025550101", "+12025550100"
MARIA = Participant("+12025550143", "Maria Lopez")
RIVERA_WITH_NO_NUMBER = Participant("Alex Rivera", "Alex Rivera", True)
# The walk's repro/7: a backup of the owner's work phone (+1 202 555 0101), which names no number of its own.
WORK_PHONE = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<smses count="{count}">\n'
    '<sms protocol="0" address="+12025550143" date="1761652800000" type="1" body="Hi, on your work phone?" read="1" status="-1"'
    ' locked="0" date_sent="0" readable_date="Oct 28, 2025 8:00:00 AM" contact_name="Maria Lopez" />\n'
    '<sms protocol="0" address="+12025550143" date="1761652860000" type="2" body="Yes, this is my work phone." read="1" status="-1"'
    ' locked="0" date_sent="0" readable_date="Oct 28, 2025 8:01:00 AM" contact_name="Maria Lopez" />\n'
    "{mms}</smses>\n"
)
TWO_PHONES = ImportOptions(
    tz="America/New_York", region="US", owner_name="Alex Rivera", owner_handles=frozenset({WORK, HOME})
)


def _work_phone(tmp_path: Path, *mms: str) -> Path:
    path = tmp_path / "sms-workphone.xml"
    path.write_text(WORK_PHONE.format(count=2 + len(mms), mms="".join(mms)), encoding="utf-8")
    return path


def _two_phones(tmp_path: Path) -> Archive:
    return Archive.create(
        tmp_path / "two.db",
        owner_name="Alex Rivera",
        phones=["+1 202 555 0101", "+1 202 555 0100"],
        emails=[],
        tz="America/New_York",
        region="US",
        bates_prefix="R",
    )


def _senders(archive: Archive) -> list[tuple]:
    return [
        tuple(r)
        for r in archive.conn.execute(
            "SELECT m.direction, p.handle, p.display_name, p.is_owner, m.body, m.version FROM messages m JOIN participants p"
            " ON p.id = m.sender_id ORDER BY m.sent_at"
        )
    ]


def _people(archive: Archive) -> list[tuple]:
    return [
        tuple(r)
        for r in archive.conn.execute(
            "SELECT conversation_id, handle, display_name, is_owner FROM participants ORDER BY id"
        )
    ]


def test_me_names_which_of_the_owners_numbers_the_phone_had(tmp_path):
    """The walk's repro/7: --me with one of the owner's two numbers is the phone's number, not the lowest-sorted one."""
    with _two_phones(tmp_path) as archive:
        result = import_path(archive, _work_phone(tmp_path), me="+1 202 555 0101")
        assert (result.added, result.warnings, result.assumptions) == (
            2,
            [],
            [
                "this phone's number is +12025550101, as --me says (the owner's numbers are +12025550100, +12025550101): what it sent is"
                " attributed to it"
            ],
        )
        assert _senders(archive) == [
            ("in", MARIA.handle, "Maria Lopez", 0, "Hi, on your work phone?", 1),
            ("out", WORK, "Alex Rivera", 1, "Yes, this is my work phone.", 1),
        ]
        assert _people(archive) == [(1, MARIA.handle, "Maria Lopez", 0), (1, WORK, "Alex Rivera", 1)]


def test_an_owner_with_two_numbers_and_nothing_to_tell_which_sends_with_no_number(tmp_path):
    """No --me, no MMS: the owner sent it, from a number nothing names. The identity is the one it always had (no
    sender in it); the owner is in no conversation key."""
    got = records(_work_phone(tmp_path), TWO_PHONES)
    msgs = {r.source_ref: r for r in got if isinstance(r, Message)}
    chat = Conversation("android", MARIA.handle, "Maria Lopez", False, (MARIA,))
    assert (msgs["sms 1"].conversation, msgs["sms 2"].conversation) == (chat, chat)
    assert (msgs["sms 1"].sender, msgs["sms 2"].sender) == (MARIA, RIVERA_WITH_NO_NUMBER)
    assert msgs["sms 2"].identity == ("sms", MARIA.handle, 1761652860000, "out", "Yes, this is my work phone.")
    assert [r for r in got if not isinstance(r, Message)] == [
        Notice(
            "which of the owner's numbers (+12025550100, +12025550101) this phone had is not known: no MMS of this backup names the"
            " phone's own number, and --me did not; what it sent is attributed to Alex Rivera, with no number (--me with the phone's"
            " number names it)",
            "assumption",
        )
    ]


def _mms(date: int, box: int, sender: str, to: tuple, sim: str = "1") -> str:
    addrs = "".join(
        f'<addr address="{a}" type="{t}" charset="106" />' for a, t in [(sender, "137"), *((a, "151") for a in to)]
    )
    return (
        f'<mms date="{date}" msg_box="{box}" address="+12025550143" m_id="mid-{date}" sub_id="{sim}" contact_name="Maria Lopez">'
        f'<parts><part seq="0" ct="text/plain" chset="106" text="mms {date}" /></parts><addrs>{addrs}</addrs></mms>\n'
    )


RECEIVED_AT_WORK = _mms(1761652900000, 1, "+12025550143", (WORK,))
SENT_FROM_HOME = _mms(1761652960000, 2, HOME, ("+12025550143",))


@pytest.mark.parametrize(
    "mms, sender, said",
    [
        (
            (RECEIVED_AT_WORK,),
            Participant(WORK, "Alex Rivera", True),
            "this phone's number is +12025550101: its MMS name it as the phone's own (mms 1), and none names the owner's other number"
            " (+12025550100); what it sent is attributed to +12025550101",
        ),
        (
            (RECEIVED_AT_WORK, SENT_FROM_HOME),
            RIVERA_WITH_NO_NUMBER,
            "which of the owner's numbers (+12025550100, +12025550101) this phone had is not known: its MMS name more than one as the"
            " phone's own (+12025550100: mms 2; +12025550101: mms 1); what it sent is attributed to Alex Rivera, with no number (--me with"
            " the phone's number names it)",
        ),
        (
            (RECEIVED_AT_WORK, _mms(1761652960000, 1, "+12025550143", (WORK,), sim="2")),
            RIVERA_WITH_NO_NUMBER,
            "which of the owner's numbers (+12025550100, +12025550101) this phone had is not known: its records were sent and received"
            " with 2 SIMs (sub_id 1, 2), and an MMS names the number of its own SIM only; what it sent is attributed to Alex Rivera, with"
            " no number (--me with the phone's number names it)",
        ),
    ],
    ids=["one number", "two numbers", "two SIMs"],
)
def test_the_backups_mms_name_the_phones_number(tmp_path, mms, sender, said):
    """A received MMS's "to" (or a sent one's "from") that is one of the owner's numbers is the phone's own: where exactly
    one is, and the phone had one SIM, what the backup's SMS sent is from it. A sent MMS keeps the sender it names."""
    got = records(_work_phone(tmp_path, *mms), TWO_PHONES)
    msgs = {r.source_ref: r for r in got if isinstance(r, Message)}
    assert msgs["sms 2"].sender == sender
    # The owner's number an MMS names as its recipient is the one it lists (not the lowest-sorted of the owner's).
    assert msgs["mms 1"].conversation.participants == (MARIA, Participant(WORK, "Alex Rivera", True))
    if "mms 2" in msgs and msgs["mms 2"].direction == "out":
        assert msgs["mms 2"].sender == Participant(HOME, "Alex Rivera", True)
    assert [r for r in got if isinstance(r, Notice)] == [Notice(said, "assumption")]


def test_the_phones_number_is_read_wherever_the_reads_cut_the_backup(tmp_path, monkeypatch):
    """Review B2: the pass for the phone's own number jumps from MMS to MMS and reads sub_id per read; what it finds is the
    same wherever a read ends (inside the media, a tag, a value), and a value that says sub_id= or type= is no attribute."""
    media = base64.b64encode(bytes(range(256)) * 3).decode()
    photo = RECEIVED_AT_WORK.replace("</parts>", f'<part seq="1" ct="image/jpeg" cl="a.jpg" data="{media}" /></parts>')
    draft = '<mms date="1761652990000" msg_box="3" address="+12025550143" sub_id="1" />\n'
    sent = (
        _mms(1761653000000, 2, WORK, ("+12025550143",))
        .replace('sub_id="1"', "sub_id = '1'")
        .replace("</addrs>", f'<addr address="{HOME}" contact_name=" type=\'137\'" type="151" /></addrs>')
    )  # the owner's other phone got it
    path = _work_phone(tmp_path, photo, draft, sent)
    path.write_text(
        path.read_text().replace(
            'body="Hi, on your work phone?"', 'body="Hi, sub_id=\'2\' on your work phone?" sub_id="1"'
        )
    )
    data = path.read_bytes()
    for size in [android.source.SCAN_CHUNK, *range(1, len(data) + 1)]:
        monkeypatch.setattr(android.source, "SCAN_CHUNK", size)
        named, sims = android.owner._own_numbers_in(path, "US", frozenset({WORK, HOME}))
        assert ({n: str(refs) for n, refs in named.items()}, sims) == ({WORK: "mms 1, mms 3"}, {"1"}), size


def test_a_call_log_is_not_read_for_the_phones_number(tmp_path, monkeypatch):
    """A call log has no MMS: it names no number as the phone's own, without reading it once more for one (review B2)."""
    path = tmp_path / "calls.xml"
    path.write_text(
        "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<calls count=\"1\">\n"
        '  <call number="+12025550143" duration="60" date="1761652800000" type="2" sub_id="1" contact_name="Maria Lopez" />\n'
        "</calls>\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(
        android.owner, "_own_numbers_in", lambda *_: pytest.fail("a call log read for the phone's number")
    )
    got = records(path, TWO_PHONES)
    assert [m.sender for m in got if isinstance(m, Message)] == [RIVERA_WITH_NO_NUMBER]
    assert [r for r in got if isinstance(r, Notice)] == [
        Notice(
            "which of the owner's numbers (+12025550100, +12025550101) this phone had is not known: no MMS of this backup names the"
            " phone's own number, and --me did not; what it sent is attributed to Alex Rivera, with no number (--me with the phone's"
            " number names it)",
            "assumption",
        )
    ]


def test_me_that_is_none_of_two_numbers_names_no_number(tmp_path):
    got = records(_work_phone(tmp_path), replace(TWO_PHONES, me="202-555-0177"))
    assert (
        messages(_work_phone(tmp_path), replace(TWO_PHONES, me="202-555-0177"))["sms 2"].sender == RIVERA_WITH_NO_NUMBER
    )
    assert [r.text for r in got if isinstance(r, Notice)][0] == (
        "--me '202-555-0177' (+12025550177) is not one of the archive's own numbers or emails: it counts as yours, but not as this"
        " phone's number (textfile settings --add-phone +12025550177 makes it one of yours; import the backup again then)"
    )


def test_me_against_the_backups_own_mms_is_said(tmp_path):
    """--me decides for what the backup does not say; where its MMS name another of the owner's numbers, that is a warning,
    and each MMS keeps the number it names."""
    options = replace(TWO_PHONES, owner_name="Alex Owner", me=WORK)
    got = records(SMS, options)
    msgs = {r.source_ref: r for r in got if isinstance(r, Message)}
    assert (msgs["sms 2"].sender, msgs["mms 2"].sender) == (Participant(WORK, "Alex Owner", True), ME)
    assert [r for r in got if isinstance(r, Notice)][-1] == Notice(
        "--me says this phone's number is +12025550101, but its MMS name +12025550100 (mms 1, mms 2, mms 3, mms 4, mms 5) as the"
        " phone's own: what it sent is attributed to +12025550101, as --me says, except an MMS that names its sender"
    )


def test_a_number_me_gave_is_kept_when_the_next_import_names_none(tmp_path):
    """The same backup next week without --me says less, not something else: the number --me gave stays, and it is said;
    the owner with no number is not left among the conversation's people."""
    path = _work_phone(tmp_path)
    with _two_phones(tmp_path) as archive:
        import_path(archive, path, me=WORK)
        before = _records_tables(archive)
        again = import_path(archive, path)
        assert (again.added, again.already_present, again.updated) == (0, 2, 0)
        assert again.warnings == [
            "1 message this source reads as sent by the owner with no number keeps +12025550101, which --me gave"
            " when an earlier import read them"
        ]
        assert _records_tables(archive) == before
        assert _senders(archive)[1] == ("out", WORK, "Alex Rivera", 1, "Yes, this is my work phone.", 1)


def test_a_single_number_owners_records_are_as_before(tmp_path):
    """The owner's only number stays the sender, whatever --me says; where nothing in the backup names it, that is said."""
    single = replace(TWO_PHONES, owner_handles=frozenset({HOME}))
    path = _work_phone(tmp_path)
    for me in (None, HOME, WORK, "Alex Rivera"):
        assert messages(path, replace(single, me=me))["sms 2"].sender == Participant(HOME, "Alex Rivera", True)
    assert notices(path, single) == [Notice(TAKEN.text, "assumption")]
    assert notices(_work_phone(tmp_path, _mms(1761652900000, 1, "+12025550143", (HOME,))), single) == []
    # --me naming a number that is not the owner's: that is what is said, and not that --me named none (round 5, #4)
    said = [n.text for n in notices(path, replace(single, me=WORK))]
    assert TAKEN.text not in said
    assert said[-1].endswith(
        "(textfile settings --add-phone +12025550101 makes it one of yours; import the backup again then)"
    )


# -- a number an earlier import joined (second walk, defect 10) --------------------------------

_WALK = (
    "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<?xml-stylesheet type=\"text/xsl\" href=\"sms.xsl\"?>\n"
    "<!--File Created By SMS Backup & Restore v10.22.002 on 2025-11-02 18:30:00-->\n"
    '<smses count="{n}" backup_set="6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d" backup_date="1762126200000" type="full">\n{lines}</smses>\n'
)


def _pierre(address: str, date: int, kind: int, body: str) -> str:
    return (
        f'  <sms protocol="0" address="{address}" date="{date}" type="{kind}" subject="null" body="{body}" toa="null" sc_toa="null"'
        ' service_center="null" read="1" status="-1" locked="0" date_sent="0" sub_id="1" readable_date="null"'
        ' contact_name="Pierre Dubois" />\n'
    )


# The walk's repro/3: case B (both forms, then the national one only) and case D (national only, then international only).
B_WEEK1 = (
    _pierre(PIERRE_HERE, 1761760800000, 1, "Bonjour, national form"),
    _pierre(PIERRE, 1761761400000, 2, "Merci (intl form)"),
)
B_WEEK2 = (_pierre(PIERRE_HERE, 1762351200000, 1, "Week 2, national form only"),)
D_WEEK1 = (_pierre(PIERRE_HERE, 1761760800000, 1, "Bonjour, national form"),)
D_WEEK2 = (_pierre(PIERRE, 1762351800000, 2, "Week 2, intl only"),)


# what `import` says last of a conversation its export left unfiled (the weekly run and status name them too)
WAITS = "1 conversation of this export waits to be filed: {} (textfile conversations --unfiled; textfile file N --matter REF, or textfile conversation ignore N)"


def _walk(path: Path, lines) -> Path:
    path.write_text(_WALK.format(n=len(lines), lines="".join(lines)), encoding="utf-8")
    return path


def test_a_number_an_earlier_import_joined_is_read_so_when_a_backup_writes_only_its_national_form(
    cli, archive, tmp_path
):
    """Case B: week 2's message is from +33669462731 (the number week 1 joined), not a second Pierre "as written"."""
    week1, week2 = _walk(tmp_path / "B-w1.xml", B_WEEK1), _walk(tmp_path / "B-w2.xml", B_WEEK2)
    assert cli("import", week1).exit_code == 0
    r = cli("import", week2)
    assert r.stdout.splitlines() == [
        f"{week2}: android, added 1, already present 0, updated 0, skipped 0",
        "  assumed: 0669462731 (sms 1) is read as +33669462731: it has no country code and is not a number of region US, it is how"
        " +33669462731 is written within FR (+33), and an earlier import (import 1 of B-w1.xml) read a backup that writes both and"
        " joined them (this one writes only 0669462731): the two are one handle",
        f"  assumed: {TAKEN.text}",
        WAITS.format(1),
    ]
    assert [tuple(r) for r in archive.conn.execute("SELECT id, source_key FROM conversations")] == [(1, PIERRE)]
    assert _people(archive) == [(1, PIERRE, "Pierre Dubois", 0), (1, OWNER, "Alex Owner", 1)]
    assert [r[1:] for r in _archived(archive)] == [
        (1, PIERRE, PIERRE, "Bonjour, national form", "[]", 1),
        (1, PIERRE, OWNER, "Merci (intl form)", "[]", 1),
        (1, PIERRE, PIERRE, "Week 2, national form only", "[]", 1),
    ]
    # The id is the one the number as written gives it (identity_key): week 2 read as before (kept as written) is the same message.
    (week2_record,) = [m for m in records(week2) if isinstance(m, Message)]
    assert week2_record.identity == ("sms", CLAIRE_INVENTED, 1762351200000, "in", "Week 2, national form only")
    assert _archived(archive)[2][0] == _archived_id(week2_record)


def _archived_id(m: Message) -> str:
    from textfile.fingerprint import message_id

    return message_id("android", m.identity_key or m.conversation.source_key, m.identity)


@pytest.mark.parametrize(
    "first, second, said, conversations",
    [
        (
            D_WEEK1,
            D_WEEK2,
            "+33669462731, which this backup writes, is 0669462731 as written within FR (+33): conversation 1 has 0669462731, with no"
            " country code. It may be the same person, but neither this backup nor an earlier one writes both, so they are not joined (a"
            " backup that writes both joins them)",
            [(1, CLAIRE_INVENTED), (2, PIERRE)],
        ),
        (
            D_WEEK2,
            D_WEEK1,
            "0669462731 (sms 1) has no country code and is not a number of region US: kept as written, not given +1; conversation 1 has"
            " +33669462731, which is written so within FR (+33): it may be the same person, but neither this backup nor an earlier one"
            ' writes both, so they are not joined (a backup that writes both joins them) (flagged "number as written")',
            [(1, PIERRE), (2, CLAIRE_INVENTED)],
        ),
    ],
    ids=["national, then international", "international, then national"],
)
def test_a_number_an_archived_conversation_has_written_the_other_way_is_said(
    cli, archive, tmp_path, first, second, said, conversations
):
    """Case D (national only, then international only), and the other way round: two conversations (nothing proves they
    are one number), and the second import says which conversation may be the same person."""
    assert cli("import", _walk(tmp_path / "D-w1.xml", first)).exit_code == 0
    week2 = _walk(tmp_path / "D-w2.xml", second)
    assert cli("import", week2).stdout.splitlines() == [
        f"{week2}: android, added 1, already present 0, updated 0, skipped 0",
        f"  assumed: {TAKEN.text}",
        f"  warning: {said}",
        WAITS.format(2),
    ]
    assert [
        tuple(r) for r in archive.conn.execute("SELECT id, source_key FROM conversations ORDER BY id")
    ] == conversations


# -- dates that contradict their readable_date, and no date (second walk, defect 11) ------------

# The walk's repro/10.
SECONDS_AND_ZERO = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<smses count="4">\n'
    '<sms protocol="0" address="+12025550143" date="1761652800" type="1" body="seconds, no readable" read="1" status="-1" locked="0"'
    ' date_sent="0" contact_name="Maria Lopez" />\n'
    '<sms protocol="0" address="+12025550143" date="1761652860" type="1" body="seconds, readable disagrees" read="1" status="-1"'
    ' locked="0" date_sent="0" readable_date="Oct 29, 2025 8:01:00 AM" contact_name="Maria Lopez" />\n'
    '<sms protocol="0" address="+12025550143" date="1761652920000" type="1" body="ms" read="1" status="-1" locked="0" date_sent="0"'
    ' readable_date="Oct 28, 2025 8:02:00 AM" contact_name="Maria Lopez" />\n'
    '<sms protocol="0" address="+12025550143" date="0" type="1" body="zero date" read="1" status="-1" locked="0" date_sent="0"'
    ' readable_date="Jan 1, 1970 12:00:00 AM" contact_name="Maria Lopez" />\n'
    "</smses>\n"
)


def test_a_readable_date_that_contradicts_the_date_is_named_and_a_date_of_0_is_no_date(archive, tmp_path):
    path = tmp_path / "s.xml"
    path.write_text(SECONDS_AND_ZERO, encoding="utf-8")
    result = import_path(archive, path)
    assert (result.added, result.skipped) == (
        3,
        {
            'sms with date="0", which is no date (Android writes 0 where it has none): not archived, since no date is invented for it': 1
        },
    )
    assert [tuple(r) for r in archive.conn.execute("SELECT sent_at, body FROM messages ORDER BY sent_at")] == [
        ("2025-10-28T12:00:00.000Z", "seconds, no readable"),
        ("2025-10-28T12:01:00.000Z", "seconds, readable disagrees"),
        ("2025-10-28T12:02:00.000Z", "ms"),
    ]
    assert result.assumptions == [
        "read 2 dates as seconds, not milliseconds (sms 1, sms 2): a value below 100,000,000,000 is before March 1973 in milliseconds;"
        " readable_date contradicts it for 1 (named below), is absent for 1 (sms 1)",
        TAKEN.text,
    ]
    assert result.warnings == [
        'readable_date contradicts the date for 1 record: sms 2: date="1761652860" read as seconds is 2025-10-28 12:01:00 UTC,'
        ' readable_date="Oct 29, 2025 8:01:00 AM". A readable_date is the phone\'s clock, at most 12 hours behind and 14 hours ahead'
        " of UTC (whatever its zone), to the second, minute or day it writes: each record keeps its date as read"
    ]
    detail = json.loads(archive.conn.execute("SELECT skipped_reasons FROM imports").fetchone()[0])
    assert [d["refs"] for d in detail.values()] == [["sms 4"]]


@pytest.mark.parametrize(
    "readable, said",
    [
        ("Oct 29, 2025 2:01:00 AM", "agrees"),  # 14 hours ahead of UTC (Kiribati)
        ("Oct 28, 2025 12:01:00 AM", "agrees"),  # 12 hours behind (Baker Island)
        ("28 Oct 2025 08:01", "agrees"),  # to the minute
        ("Oct 28, 2025", "agrees"),  # to the day
        ("28/10/2025 08:01", "agrees in its year (a form read no further)"),  # day and month in an order not told
        ("Oct 29, 2025 2:01:01 AM", "contradicts it"),  # a second more than 14 hours ahead
        ("Oct 27, 2025 11:59:00 PM", "contradicts it"),  # two minutes more than 12 hours behind
        ("2025-10-29 08:01:00", "contradicts it"),
        ("someday", "names no year"),
    ],
)
def test_a_readable_date_agrees_within_every_zone_and_what_it_writes(tmp_path, readable, said):
    path = backup(
        tmp_path / "sms.xml", sms_line(SAM, 1761652860, 1, "in seconds").replace("Mar 1, 2024 12:00:00 PM", readable)
    )
    got = records(path)
    assert [m.sent_at for m in got if isinstance(m, Message)] == [utc(2025, 10, 28, 12, 1)]
    details = (
        'sms 1: date="1761652860" read as seconds is 2025-10-28 12:01:00 UTC, readable_date="' + readable + '"'
        if said == "contradicts it"
        else None
    )
    assert notices(path)[0] == Notice(
        "read 1 date as seconds, not milliseconds (sms 1): a value below 100,000,000,000 is before March 1973 in milliseconds;"
        f" readable_date {said} for 1 ({'named below' if details else 'sms 1'})",
        "assumption",
    )
    assert [n.text.split(". A readable_date")[0] for n in notices(path) if n.kind == "warning"] == (
        [f"readable_date contradicts the date for 1 record: {details}"] if details else []
    )


def test_an_archive_made_before_reads_the_owners_number_anew(tmp_path, monkeypatch):
    """An archive made before this rule gave what the work phone sent the lowest-sorted of the owner's numbers, proven by
    nothing: read again, it is the owner with no number (a new version), then --me's number (another); the owner with no
    number, who names nothing any more, is not left among the people. (The lowest-sorted number stays listed: an owner's
    number in a conversation is not taken away, since a backup of that phone may list it there.)"""
    path = _work_phone(tmp_path)
    with _two_phones(tmp_path) as archive:
        with monkeypatch.context() as before:
            before.setattr(android.owner._Owner, "phone_number", lambda self, *args: (HOME, "only"))
            import_path(archive, path, me=WORK)
        assert _senders(archive)[1] == ("out", HOME, "Alex Rivera", 1, "Yes, this is my work phone.", 1)
        unproven = import_path(archive, path)
        assert (unproven.already_present, unproven.updated) == (1, 1)
        assert _senders(archive)[1] == ("out", "Alex Rivera", "Alex Rivera", 1, "Yes, this is my work phone.", 2)
        told = import_path(archive, path, me=WORK)
        assert (told.already_present, told.updated) == (1, 1)
        assert told.warnings[-1] == (
            "conversation 1: every message sent by the owner with no number (Alex Rivera) is now from a number of the owner's; that"
            " entry is no longer listed among its people, and each of those messages keeps it as the sender of its earlier version"
        )
        assert _senders(archive)[1] == ("out", WORK, "Alex Rivera", 1, "Yes, this is my work phone.", 3)
        assert _people(archive) == [
            (1, MARIA.handle, "Maria Lopez", 0),
            (1, HOME, "Alex Rivera", 1),
            (1, WORK, "Alex Rivera", 1),
        ]
        assert _last_audit(archive)["participants_replaced"] == [
            {"conversation": 1, "was": "Alex Rivera", "now": "a number of the owner's"}
        ]  # audited, like every removal
        assert check_archive(archive.conn)["problems"] == []


def test_an_archive_made_before_reads_week_2_with_the_number_week_1_joined(archive, tmp_path, monkeypatch):
    """Case B in an archive made before: week 2's message was archived from 0669462731 as written. Read again, it is from
    +33669462731 (a new version), and 0669462731, which names nothing any more, is no longer listed."""
    from textfile.ingest import policy as ingest

    week1, week2 = _walk(tmp_path / "B-w1.xml", B_WEEK1), _walk(tmp_path / "B-w2.xml", B_WEEK2)
    import_path(archive, week1)
    with monkeypatch.context() as before:
        before.setattr(ingest, "_numbers_read_before", lambda *args: {})
        import_path(archive, week2)
    assert _archived(archive)[2][1:] == (
        1,
        PIERRE,
        PIERRE_HERE,
        "Week 2, national form only",
        '["number_as_written"]',
        1,
    )
    again = import_path(archive, week2)
    assert (again.already_present, again.updated) == (0, 1)
    assert again.warnings == [
        "sms 1: changed since it was archived (who sent it, its marks); the earlier version is kept",
        "conversation 1: every message from 0669462731 is now from +33669462731; 0669462731 is no longer listed"
        " among its people, and each of those messages keeps it as the sender of its earlier version",
    ]
    assert _archived(archive)[2][1:] == (1, PIERRE, PIERRE, "Week 2, national form only", "[]", 2)
    assert _people(archive) == [(1, PIERRE, "Pierre Dubois", 0), (1, OWNER, "Alex Owner", 1)]
    assert check_archive(archive.conn)["problems"] == []


# "invoice\u202efdp.exe" (the phone displays "invoiceexe.pdf"), an isolate, a mark: kept as sent (issue 14, point 4)
HIDDEN = "invoice\u202efdp.exe from @\u2067\u05d3\u05d5\u05d3\u2069 \u200eok"


@pytest.mark.parametrize("written", ["as characters", "as references"])
def test_a_body_keeps_the_characters_that_change_how_it_is_displayed_byte_for_byte(archive, tmp_path, written):
    body = HIDDEN if written == "as characters" else "".join(f"&#{ord(c)};" if ord(c) > 127 else c for c in HIDDEN)
    path = tmp_path / "sms.xml"
    path.write_bytes(
        (
            "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<smses count='2'>"
            f"<sms protocol='0' address='{SAM}' date='1709312400000' type='1' body='{body}' read='1' status='-1' />"
            f"<mms date='1709312460000' msg_box='1' m_type='132' address='{SAM}'><parts>"
            f"<part seq='0' ct='text/plain' text='{body}' /></parts>"
            f"<addrs><addr address='{SAM}' type='137' /><addr address='{OWNER}' type='151' /></addrs></mms></smses>"
        ).encode()
    )
    assert [m.body.encode() for m in messages(path).values()] == [HIDDEN.encode()] * 2
    import_path(archive, path)
    assert [r[0].encode() for r in archive.conn.execute("SELECT body FROM messages ORDER BY sent_at")] == [
        HIDDEN.encode()
    ] * 2


@pytest.mark.skipif(not CORPUS_FILES, reason="../shared/corpus/android not present")
def test_notices_come_in_the_same_order_whatever_the_hash_seed():
    """One record naming several numbers kept as written: their notices came in set order, which
    Python's string hashing changes from run to run (found by tests/test_records_unchanged.py)."""
    import subprocess
    import sys

    path = CORPUS / "android" / "ragibson_SMS-MMS-deduplication" / "alternate_country_code.xml"
    script = (
        "import sys; from pathlib import Path; from textfile.importers import android; from textfile.model import ImportOptions, Notice;"
        " o = ImportOptions(tz='UTC', region='US', owner_name='Alex Owner');"
        " print([r.text for r in android.read(Path(sys.argv[1]), o) if isinstance(r, Notice)])"
    )
    seen = {
        subprocess.run(
            [sys.executable, "-c", script, str(path)],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
        ).stdout
        for seed in range(8)
    }
    assert len(seen) == 1, seen
