"""WhatsApp "Export chat": every header shape, zips with media, owners, identity, bad input."""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import zipfile
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import CORPUS, FIXTURES, ZONE_SAID, snapshot
from whatsapp_build import build_zip, damage, declare_size, encrypt

from textfile import times
from textfile.errors import ImportFailed
from textfile.importers import whatsapp
from textfile.model import Attachment, ChatFile, ChatFilesNamed, ImportOptions, Message, Notice, Skipped

WA = FIXTURES / "whatsapp"
SAM = WA / "WhatsApp Chat with Sam Client.txt"
DANA = WA / "WhatsApp Chat - Dana Reyes.txt"
JORDAN_SOURCE = WA / "ios-zip-source"
JORDAN_ZIP = WA / "WhatsApp Chat - Jordan Lee.zip"
JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")


def options(**extra) -> ImportOptions:
    base = dict(tz="America/New_York", region="US", owner_name="Alex Owner")
    base.update(extra)
    return ImportOptions(**base)


def records(path: Path, **extra) -> list:
    return list(whatsapp.read(path, options(**extra)))


def messages(path: Path, **extra) -> list[Message]:
    return [r for r in records(path, **extra) if isinstance(r, Message)]


def row(m: Message) -> tuple:
    """A message as a comparable tuple: where, UTC instant, direction, sender, body, flags, attachments, kind, status."""
    return (
        m.source_ref,
        times.to_iso(m.sent_at),
        m.direction,
        m.sender.handle if m.sender else None,
        m.body,
        sorted(m.flags),
        [(a.file_name, a.mime, a.data, a.missing_reason) for a in m.attachments],
        m.kind,
        m.status,
    )


def write(path: Path, text: str, *, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


# -- detection --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(WA.glob("*.txt")) + [JORDAN_ZIP], ids=lambda p: p.name)
def test_detects_every_fixture(path):
    assert whatsapp.detect(path)


@pytest.mark.parametrize(
    "name, content",
    [
        (
            "sms.xml",
            b"<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<smses count=\"1\">\n"
            b'<sms address="+12025550143" date="1710000000000" type="1" body="12/03/2024, 09:00 - x: y" /></smses>\n',
        ),
        ("chat.db", b"SQLite format 3\x00" + bytes(200)),
        ("notes.txt", b"Shopping list\n- milk\n- 12/03/2024 eggs\n"),
        ("empty.txt", b""),
        ("junk.bin", bytes(range(256)) * 40),
        ("other.zip", b"PK\x05\x06" + bytes(18)),
    ],
)
def test_detect_rejects_other_files(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    assert whatsapp.detect(path) is False


def test_detect_is_false_for_other_folders_and_missing_files(tmp_path):
    assert whatsapp.detect(tmp_path) is False
    assert whatsapp.detect(tmp_path / "nope.txt") is False


def test_registered_and_found_by_content(tmp_path):
    from textfile.importers import detect

    renamed = tmp_path / "renamed.log"
    renamed.write_bytes(SAM.read_bytes())
    assert detect(renamed).FORMAT == "whatsapp"
    assert detect(JORDAN_ZIP).FORMAT == "whatsapp"


# -- Android, 24-hour, day first: every kind of line ----------------------------------------------


def test_android_24h_complete_records():
    got = records(SAM)
    # every header date reads either way (12/03, 10/03, 03/11): the attachment names settle it
    assert [r for r in got if not isinstance(r, Message)] == [
        Notice(
            "WhatsApp Chat with Sam Client.txt: dates read as day/month/year: no header date has a number above 12, and the dated "
            "attachment names fit that order only (2 names: 'IMG-20240312-WA0001.jpg' at line 15, header date 12/03/2024; "
            "'PTT-20240312-WA0002.opus' at line 17, header date 12/03/2024); pass --date-order mdy if that is wrong",
            kind="assumption",
        ),
        Notice(
            "WhatsApp Chat with Sam Client.txt: 2 times as written did not exist or occurred twice in America/New_York (daylight"
            " saving time): 1 did not exist (the clocks jumped forward) and was read with the offset before the change: line 18"
            ' (written "10/03/2024, 02:30", read as 2024-03-10 03:30 -04:00); 1 occurred twice (the clocks went back) and was read'
            ' as the first of the two: line 19 (written "03/11/2024, 01:30", read as 2024-11-03 01:30 -04:00)',
            kind="assumption",
        ),
        # (a text of "null" alone: a view-once photo or video, or a person's word; said, with its line)
        Notice(
            'WhatsApp Chat with Sam Client.txt: 1 message whose whole text is "null" was read as a photo or video sent to'
            " be viewed once, which WhatsApp's export writes so; the text is kept as written (line 13)",
            kind="assumption",
        ),
    ]
    got = [r for r in got if isinstance(r, Message)]
    rows = [row(m) for m in got]
    assert rows == [
        (
            "line 1",
            "2024-03-12T13:00:00.000Z",
            "system",
            None,
            "Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them. Tap to learn more.",
            [],
            [],
            "message",
            None,
        ),
        (
            "line 2",
            "2024-03-12T13:01:00.000Z",
            "in",
            "Sam Client",
            "Hi Alex, can we talk about the lease?",
            [],
            [],
            "message",
            None,
        ),
        (
            "line 3",
            "2024-03-12T13:02:00.000Z",
            "out",
            "Alex Owner",
            "Sure. Send me the draft.",
            [],
            [],
            "message",
            None,
        ),
        # a continuation line that starts with a date is text of the message
        (
            "line 4",
            "2024-03-12T13:05:00.000Z",
            "in",
            "Sam Client",
            "Here it is:\nclause 4: rent due on the 1st\n13/03/2024, 10:00 at the office",
            [],
            [],
            "message",
            None,
        ),
        (
            "line 7",
            "2024-03-12T13:06:00.000Z",
            "in",
            "Sam Client",
            "Photo of page 2",
            [],
            [
                (
                    None,
                    None,
                    None,
                    'media omitted by export, which does not say what kind (the export wrote "<Media omitted>")',
                )
            ],
            "message",
            None,
        ),
        ("line 9", "2024-03-12T13:07:00.000Z", "in", "Sam Client", "ok", [], [], "message", None),
        ("line 10", "2024-03-12T13:07:00.000Z", "in", "Sam Client", "ok", [], [], "message", None),
        (
            "line 11",
            "2024-03-12T13:08:00.000Z",
            "out",
            "Alex Owner",
            "This message was deleted",
            ["deleted"],
            [],
            "message",
            None,
        ),
        ("line 12", "2024-03-12T13:09:00.000Z", "in", "Sam Client", "See you at 3", ["edited"], [], "message", None),
        ("line 13", "2024-03-12T13:10:00.000Z", "in", "Sam Client", "null", ["view_once"], [], "message", None),
        ("line 14", "2024-03-12T13:11:00.000Z", "in", "Sam Client", "Missed voice call", [], [], "call", "missed"),
        # the photo lies beside the chat text: its bytes are read
        (
            "line 15",
            "2024-03-12T13:12:00.000Z",
            "in",
            "Sam Client",
            "Signed copy",
            [],
            [("IMG-20240312-WA0001.jpg", "image/jpeg", JPEG, None)],
            "message",
            None,
        ),
        (
            "line 17",
            "2024-03-12T13:13:00.000Z",
            "in",
            "Sam Client",
            "",
            [],
            [("PTT-20240312-WA0002.opus", "audio/ogg", None, "file not found beside the chat text")],
            "message",
            None,
        ),
        # 02:30 on 10 March 2024 does not exist in New York; 01:30 on 3 November happens twice
        (
            "line 18",
            "2024-03-10T07:30:00.000Z",
            "in",
            "Sam Client",
            "sent in the DST gap",
            ["time_nonexistent"],
            [],
            "message",
            None,
        ),
        (
            "line 19",
            "2024-11-03T05:30:00.000Z",
            "in",
            "Sam Client",
            "sent in the DST overlap",
            ["time_ambiguous"],
            [],
            "message",
            None,
        ),
    ]
    first = got[0]
    assert all(m.source_zone == "America/New_York" and m.service == "WhatsApp" for m in got)
    conv = first.conversation
    assert conv.platform == "whatsapp"
    assert conv.source_key == "sam client|alex owner"
    assert conv.title == "Sam Client"
    assert conv.is_group is False
    assert [(p.handle, p.display_name, p.is_owner) for p in conv.participants] == [
        ("Alex Owner", "Alex Owner", True),
        ("Sam Client", "Sam Client", False),
    ]


def test_identical_lines_in_one_minute_stay_two_messages():
    oks = [m for m in messages(SAM) if m.body == "ok"]
    assert [m.identity for m in oks] == [
        ("12/3/2024 09:07", "Sam Client", "ok", 0),
        ("12/3/2024 09:07", "Sam Client", "ok", 1),
    ]


@pytest.mark.parametrize(
    "lines, expected",
    [
        # in time order: the same time written two ways is one time
        (
            [
                "[1/2/22, 10:00:00] Sam: hi",
                "[01/02/2022, 10:00:00] Sam: hi",
                "[1/2/22, 10:00:01] Sam: hi",
                "[1/2/22, 10:00:00] Sam: hi",
            ],
            [("1/2/2022 10:00:00", 0), ("1/2/2022 10:00:00", 1), ("1/2/2022 10:00:01", 0), ("1/2/2022 10:00:00", 2)],
        ),
        (
            ["1/2/22, 9:05 PM - Sam: hi", "1/2/22, 9:05 PM - Sam: hi", "1/2/22, 9:06 PM - Sam: hi"],
            [("1/2/2022 21:05", 0), ("1/2/2022 21:05", 1), ("1/2/2022 21:06", 0)],
        ),
        # the clock goes back: a repeat far from the first is still a repeat
        (
            [
                "02/01/2022, 10:00 - Sam: hi",
                "02/01/2022, 10:05 - Sam: other",
                "02/01/2022, 10:00 - Sam: hi",
                "01/01/2022, 10:00 - Sam: hi",
                "02/01/2022, 10:00 - Sam: hi",
            ],
            [
                ("2/1/2022 10:00", 0),
                ("2/1/2022 10:05", 0),
                ("2/1/2022 10:00", 1),
                ("1/1/2022 10:00", 0),
                ("2/1/2022 10:00", 2),
            ],
        ),
    ],
)
def test_repeats_are_counted_over_the_whole_file(tmp_path, lines, expected):
    chat = write(tmp_path / "WhatsApp Chat with Sam.txt", "\n".join(lines) + "\n")
    got = messages(chat, me="Alex Owner", date_order="dmy")
    assert [(m.identity[0], m.identity[3]) for m in got] == expected


def test_a_file_that_changes_between_the_two_readings_fails(tmp_path):
    readings = iter(
        [
            "18/03/2022, 14:56 - Sam: a\n18/03/2022, 14:57 - Sam: b\n",
            "18/03/2022, 14:57 - Sam: b\n18/03/2022, 14:56 - Sam: a\n",
        ]
    )
    source = whatsapp._Source(
        tmp_path / "WhatsApp Chat with Sam.txt",
        lambda: io.StringIO(next(readings)),
        "WhatsApp Chat with Sam.txt",
        None,
        whatsapp._Media(lambda: ([], []), "file not found beside the chat text", False),
    )
    with pytest.raises(ImportFailed, match="changed while it was being read"):
        list(whatsapp._read(source, options(me="Alex Owner")))


def test_identity_is_stable_and_ignores_media_with_or_without(tmp_path):
    assert [m.identity for m in messages(SAM)] == [m.identity for m in messages(SAM)]
    with_media = write(
        tmp_path / "WhatsApp Chat with Sam Client.txt",
        "12/03/2024, 09:12 - Sam Client: IMG-20240312-WA0001.jpg (file attached)\nSigned copy\n",
    )
    other = tmp_path / "without"
    other.mkdir()
    without = write(
        other / "WhatsApp Chat with Sam Client.txt", "12/03/2024, 09:12 - Sam Client: <Media omitted>\nSigned copy\n"
    )
    a, b = messages(with_media, me="Alex Owner"), messages(without, me="Alex Owner")
    assert a[0].identity == b[0].identity == ("12/3/2024 09:12", "Sam Client", "\x00media\nSigned copy", 0)
    assert a[0].conversation.source_key == b[0].conversation.source_key


# -- every header shape --------------------------------------------------------------------------

SHAPES = [
    # file, the messages as (UTC instant, direction, sender, body)
    (
        "WhatsApp Chat - Dana Reyes.txt",
        [  # iOS, 12-hour with U+202F, CRLF, marks
            (
                "2024-03-14T13:05:11.000Z",
                "system",
                "Dana Reyes",
                "Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them.",
            ),
            ("2024-03-14T13:06:00.000Z", "in", "Dana Reyes", "Good morning"),
            ("2024-03-14T13:07:30.000Z", "out", "Alex Owner", "Morning! Two lines\nsecond line"),
            ("2024-03-14T13:08:00.000Z", "in", "Dana Reyes", ""),
            (
                "2024-03-14T13:09:00.000Z",
                "in",
                "Dana Reyes",
                "Lease.pdf \u200e• \u200e3 pages",
            ),  # (the export's marks, as written)
            ("2024-03-14T16:00:00.000Z", "in", "Dana Reyes", "This message was deleted."),
            ("2024-03-14T04:30:00.000Z", "out", "Alex Owner", "late night"),
            (
                "2024-03-15T17:15:00.000Z",
                "system",
                "Dana Reyes",
                "Your security code with Dana Reyes changed. \u200eTap to learn more.",
            ),
            (
                "2024-03-15T17:16:00.000Z",
                "in",
                "Dana Reyes",
                "\u200eLocation: https://maps.google.com/?q=40.7128,-74.0060",
            ),
        ],
    ),
    (
        "Chat de WhatsApp con Lucía Gómez.txt",
        [  # Android, Spanish, "p. m." with U+00A0
            (
                "2024-03-14T13:05:00.000Z",
                "system",
                None,
                "Los mensajes y las llamadas están cifrados de extremo a extremo. Nadie fuera de este chat, ni siquiera WhatsApp, puede leerlos ni escucharlos.",
            ),
            ("2024-03-14T13:06:00.000Z", "in", "Lucía Gómez", "Hola Alex"),
            ("2024-03-14T16:15:00.000Z", "out", "Alex Owner", "Hola, ¿qué tal?"),
            ("2024-03-15T01:05:00.000Z", "in", "Lucía Gómez", ""),
            ("2024-03-15T01:06:00.000Z", "in", "Lucía Gómez", "Se eliminó este mensaje."),
            ("2024-03-15T01:07:00.000Z", "in", "Lucía Gómez", "Nos vemos mañana"),
        ],
    ),
    (
        "WhatsApp Chat - Mikko.txt",
        [  # iOS Finnish: "klo" and dotted times, then the newer comma form
            ("2022-03-12T19:08:18.000Z", "in", "Mikko", "Moi"),
            ("2022-03-12T19:09:02.000Z", "out", "Alex Owner", "Hei"),
            ("2026-04-23T00:20:13.000Z", "in", "Mikko", "Uusi muoto"),
        ],
    ),
    (
        "WhatsApp Chat with Ahmed.txt",
        [  # Android Arabic: Arabic-Indic digits, RLM, ص/م
            ("2022-04-24T18:07:00.000Z", "in", "Ahmed", "مرحبا"),
            ("2022-04-24T18:08:00.000Z", "out", "Alex Owner", "Hello Ahmed"),
            ("2022-04-25T13:30:00.000Z", "in", "Ahmed", "صباح الخير"),
        ],
    ),
    (
        "WhatsApp Chat - Somchai.txt",
        [  # iOS Buddhist calendar: 2565 BE = 2022
            (
                "2022-03-28T01:41:35.000Z",
                "system",
                "Somchai",
                "Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them.",
            ),
            ("2022-03-28T01:42:00.000Z", "in", "Somchai", "Sawasdee"),
            ("2022-03-28T01:43:10.000Z", "out", "Alex Owner", "Hello"),
        ],
    ),
    (
        "WhatsApp Chat - Yuki.txt",
        [  # iOS Japanese era: R4 = Reiwa 4 = 2022
            ("2022-03-28T01:41:35.000Z", "in", "Yuki", "Konnichiwa"),
            ("2022-03-28T01:42:00.000Z", "out", "Alex Owner", "Hello"),
        ],
    ),
    (
        "WhatsApp Chat with Kim.txt",
        [  # Android year first, "-" and "/" separators
            ("2019-10-20T14:16:00.000Z", "in", "Kim", "Hi"),
            ("2019-10-20T14:17:00.000Z", "out", "Alex Owner", "Hello Kim"),
            ("2019-10-21T12:00:00.000Z", "in", "Kim", "other separator"),
        ],
    ),
    (
        "WhatsApp Chat mit Jonas.txt",
        [  # Android German, dotted date, no comma
            (
                "2022-03-23T17:31:00.000Z",
                "system",
                None,
                "Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt. Niemand außerhalb dieses Chats kann sie lesen oder anhören, nicht einmal WhatsApp. Tippe, um mehr zu erfahren.",
            ),
            ("2022-03-23T17:32:00.000Z", "in", "Jonas", "Hallo"),
            ("2022-03-23T17:33:00.000Z", "in", "Jonas", ""),
            ("2022-03-23T17:34:00.000Z", "in", "Jonas", "Bildunterschrift"),
            ("2022-03-23T17:35:00.000Z", "out", "Alex Owner", "Diese Nachricht wurde gelöscht"),
            ("2022-03-23T17:36:00.000Z", "out", "Alex Owner", "Bis morgen"),
        ],
    ),
    (
        "WhatsApp Chat with Bo.txt",
        [  # BOM, US 12-hour with U+202F, 12 AM is midnight
            ("2023-01-05T00:02:00.000Z", "in", "Bo", "Happy new year"),
            ("2023-01-05T00:03:00.000Z", "out", "Alex Owner", "You too"),
            ("2023-01-14T05:01:00.000Z", "in", "Bo", "midnight"),
        ],
    ),
]


@pytest.mark.parametrize("name, expected", SHAPES, ids=[s[0] for s in SHAPES])
def test_header_shapes(name, expected):
    got = messages(WA / name)
    assert [
        (times.to_iso(m.sent_at), m.direction, m.sender.handle if m.sender else None, m.body) for m in got
    ] == expected


LINES = [
    # one header line as phones write it -> the wall clock it stands for (read in UTC)
    ("2022. 3. 27. 오후 9:41 - 김민준: 안녕하세요", "2022-03-27T21:41:00"),  # Korean Android
    ("2022/3/27 下午9:41 - 王伟: 你好", "2022-03-27T21:41:00"),  # Chinese Android
    ("[2022/3/27 午後9:41:35] 佐藤: こんにちは", "2022-03-27T21:41:35"),  # Japanese iOS, 12-hour
    ("[27/03/2022, 9:41:35\u202fp.m.] Ana: hola", "2022-03-27T21:41:35"),
    ("27/03/2022 à 21:41 - Chloé: salut", "2022-03-27T21:41:00"),  # French Android
    ("27-03-2022 21:41 - Daan: hoi", "2022-03-27T21:41:00"),  # Dutch Android
    ("[2022-03-27, 21:41:35] Kim: hi", "2022-03-27T21:41:35"),
    ("[27/03/2022 21.41.35] Mikko: moi", "2022-03-27T21:41:35"),
    ("27.03.22, 9:41\u00a0nachm. - Jonas: hallo", "2022-03-27T21:41:00"),
    ("27/3/2022, 9:41 μ.μ. - Νίκος: γεια", "2022-03-27T21:41:00"),  # Greek
    ("۱۴۰۱/۱/۷, ۹:۴۱ ب.ظ. - علی: سلام", "2022-03-27T21:41:00"),  # Persian digits, Solar Hijri year
    ("\u200e[27.03.22, 12:05:00 AM] Bob: midnight", "2022-03-27T00:05:00"),
    ("3/27/22, 12:05 PM - Sam: noon", "2022-03-27T12:05:00"),
    ("\ufeff27/03/2022, 21:41 - Sam: bom", "2022-03-27T21:41:00"),
]


@pytest.mark.parametrize("line, wall", LINES, ids=[f"{n}-{wall}" for n, (_line, wall) in enumerate(LINES)])
def test_single_header_lines(tmp_path, line, wall):
    chat = write(tmp_path / "WhatsApp Chat with Someone.txt", line + "\n")
    got = messages(chat, tz="UTC", me="Alex Owner")  # (the owner, who never wrote here)
    assert [(m.sent_at.strftime("%Y-%m-%dT%H:%M:%S"), m.direction) for m in got] == [(wall, "in")]
    assert got[0].body and ": " not in got[0].body[:3]


def test_the_scanner_reads_every_header_as_header_does():
    """Long texts are scanned with the common shape tried before HEADER: on every line, whichever
    alternative matches must give HEADER's own reading. Lines near the common shape: every line
    that differs from it in one or two pieces, and random mixtures of pieces."""
    import itertools
    import random

    pieces = [
        ["", "\u200e", "[", "\u200e[", "x", "\u202a"],
        ["18", "1", "2022", "١٨", "123", "x"],
        ["/", ".", "-", ":", ","],
        ["", " ", "\u200f"],
        ["03", "3", "٣", "13"],
        ["/", ".", "-", ":", "/ "],
        ["2022", "22", "R4", "2565 BE", "20222", "22.", "2022 BE"],
        [", ", " ", ",  ", "\u060c ", " klo ", ",", ",\u00a0", ", \u200e", ",\t"],
        [
            "14:56",
            "2:56",
            "14.56",
            "14:56:07",
            "9:41\u202fPM",
            "12:05 am",
            "下午9:41",
            "1:5",
            "14:56.07",
            "99:99",
            "14:56:7",
        ],
        [" - ", ": ", "] ", " – ", "\u00a0- ", " -", "", "\u200e - ", " -\u00a0", "  - ", " - \u200e", " -\t"],
        ["Sam: hi", " - Sam: hi", "PM - Sam: hi", "am - x", "- y", ""],
    ]
    lines = set()
    for a, b in itertools.combinations(range(len(pieces)), 2):
        for x, y in itertools.product(pieces[a], pieces[b]):
            line = [options[0] for options in pieces]
            line[a], line[b] = x, y
            lines.add("".join(line))
    rng = random.Random(3)
    lines.update("".join(rng.choice(options) for options in pieces) for _ in range(5000))
    common = header = 0
    for line in sorted(lines):
        expected = whatsapp.HEADER.match(line)
        got = whatsapp._AFTER_NEWLINE.match("\n" + line)
        assert (got is None) == (expected is None), line
        if got is None:
            continue
        assert got.end() - 1 == expected.end(), line
        g = got.groups()
        if g[0] is not None:
            common += 1
            d1, sep, d2, d3, H, M, S = g[:7]
            assert expected.groups() == (None, d1, sep, d2, None, d3, None, None, H, M, S, None, " - "), line
        else:
            header += 1
            assert g[7:] == expected.groups(), line
    assert common > 100 and header > 500


def test_flags_and_placeholders_across_locales():
    dana = messages(DANA)
    assert [(m.body, sorted(m.flags), [(a.file_name, a.missing_reason) for a in m.attachments]) for m in dana[3:7]] == [
        ("", [], [(None, 'image omitted by export (the export wrote "image omitted")')]),
        (
            "Lease.pdf \u200e• \u200e3 pages",
            [],
            [("Lease.pdf", 'document omitted by export (the export wrote "document omitted")')],
        ),
        ("This message was deleted.", ["deleted"], []),
        ("late night", ["edited"], []),
    ]
    lucia = messages(WA / "Chat de WhatsApp con Lucía Gómez.txt")
    assert [(sorted(m.flags), [a.missing_reason for a in m.attachments]) for m in lucia[3:]] == [
        ([], ['media omitted by export, which does not say what kind (the export wrote "<Multimedia omitido>")']),
        (["deleted"], []),
        (["edited"], []),
    ]
    jonas = messages(WA / "WhatsApp Chat mit Jonas.txt")
    assert [(a.file_name, a.missing_reason) for m in jonas for a in m.attachments] == [
        (None, 'media omitted by export, which does not say what kind (the export wrote "<Medien ausgeschlossen>")'),
        ("IMG-20220323-WA0002.jpg", "file not found beside the chat text"),
    ]
    assert [sorted(m.flags) for m in jonas[4:]] == [["deleted"], ["edited"]]


def test_ios_call_lines(tmp_path):
    chat = tmp_path / "WhatsApp Chat - Sam Client.txt"
    chat.write_text(
        "[3/14/24, 9:05:11\u202fAM] Sam Client: hi\r\n"
        "\u200e[3/14/24, 9:06:00\u202fAM] Sam Client: \u200eMissed voice call, \u200eTap to call back\r\n"
        "\u200e[3/14/24, 9:07:00\u202fAM] Alex Owner: \u200eVoice call, \u200e12 min\r\n"
        "\u200e[3/14/24, 9:30:00\u202fAM] Sam Client: \u200eVideo call\r\n",
        encoding="utf-8",
    )
    got = messages(chat)
    assert [(m.kind, m.status, m.duration_s, m.body, m.attachments, m.direction) for m in got[1:]] == [
        ("call", "missed", None, "Missed voice call, Tap to call back", (), "in"),
        ("call", None, 720, "Voice call, 12 min", (), "out"),
        ("call", None, None, "Video call", (), "in"),
    ]


def test_legacy_colon_header_and_its_assumed_date_order():
    got = records(WA / "WhatsApp Chat with Old Friend.txt", date_order="dmy")
    assert [(times.to_iso(m.sent_at), m.sender.handle, m.body) for m in got] == [
        ("2013-08-06T23:55:10.000Z", "Old Friend", "hi there"),
        ("2013-08-06T23:56:00.000Z", "Alex Owner", "long time"),
    ]


# -- day/month order -----------------------------------------------------------------------------


def test_undecidable_date_order_is_an_assumption_and_can_be_overridden():
    pat = WA / "WhatsApp Chat with Pat.txt"
    got = records(pat)
    notices = [r for r in got if isinstance(r, Notice)]
    assert len(notices) == 1 and notices[0].kind == "assumption"
    assert "month/day/year" in notices[0].text and "--date-order dmy" in notices[0].text
    assert [times.to_iso(m.sent_at) for m in got if isinstance(m, Message)] == [
        "2024-01-02T15:00:00.000Z",
        "2024-01-02T16:00:00.000Z",
        "2024-03-02T14:00:00.000Z",
    ]
    # a non-US region assumes day first
    got = records(pat, region="GB", tz="Europe/London")
    assert [times.to_iso(m.sent_at) for m in got if isinstance(m, Message)][0] == "2024-02-01T10:00:00.000Z"
    # --date-order: no assumption
    got = records(pat, date_order="dmy")
    assert not [r for r in got if isinstance(r, Notice)]
    assert [times.to_iso(m.sent_at) for m in got if isinstance(m, Message)] == [
        "2024-02-01T15:00:00.000Z",
        "2024-02-01T16:00:00.000Z",
        "2024-02-03T14:00:00.000Z",
    ]


@pytest.mark.parametrize("chunk", [None, 1, 7])
@pytest.mark.parametrize(
    "shape, header",
    [("android", "{d}/03/2024, {t} - "), ("ios", "\u200e[{d}/03/2024, {t}:00] ")],  # (found by two regexes: survey.py)
)
def test_a_date_order_the_files_dates_disprove_is_refused(tmp_path, monkeypatch, chunk, shape, header):
    """Walk report (date order): --date-order mdy on a day-first chat was read with a warning, every header whose
    date has no month read so kept as text of the message before it (61% of a real chat's messages). Dates impossible
    in the order given, none in the other: the file proves the other, and the order given is refused."""
    if chunk:  # (the lines are counted chunk by chunk)
        monkeypatch.setattr(whatsapp.decoding, "CHUNK", chunk)
    lines = [("12", "09:01", "Sam Client", "a"), ("25", "14:02", "Alex Owner", "b"), ("26", "09:00", "Sam Client", "c")]
    chat = write(
        tmp_path / "WhatsApp Chat with Sam Client.txt",
        "".join(header.format(d=d, t=t) + f"{who}: {text}\n" for d, t, who, text in lines),
    )
    with pytest.raises(ImportFailed) as refused:
        records(chat, date_order="mdy")
    assert refused.value.reason == (
        "--date-order mdy contradicts the file's dates: 2 header dates are impossible as month/day/year (the first,"
        " 25/03/2024, at line 2) and none as day/month/year; pass --date-order dmy, the order they prove, or leave"
        " --date-order out"
    )
    # the order they prove, given or not, reads every line as a message
    for given in ({"date_order": "dmy"}, {}):
        got = records(chat, **given)
        assert [(times.to_iso(m.sent_at), m.sender.handle, m.body) for m in got] == [
            ("2024-03-12T13:01:00.000Z", "Sam Client", "a"),
            ("2024-03-25T18:02:00.000Z", "Alex Owner", "b"),
            ("2024-03-26T13:00:00.000Z", "Sam Client", "c"),
        ]


def test_one_date_that_disproves_the_order_given_is_enough_to_refuse_it(tmp_path):
    """However few the dates impossible in the order given, with none in the other it is not a choice between two
    readings: read so, each such header would be kept as text of another person's message."""
    chat = write(
        tmp_path / "WhatsApp Chat with Sam Client.txt",
        "03/01/2024, 09:01 - Sam Client: a\n03/05/2024, 09:02 - Alex Owner: b\n03/13/2024, 09:03 - Sam Client: c\n",
    )
    with pytest.raises(ImportFailed) as refused:
        records(chat, date_order="dmy")
    assert str(refused.value) == (
        f"{chat}: --date-order dmy contradicts the file's dates: 1 header date is impossible as day/month/year"
        " (03/13/2024, at line 3) and none as month/day/year; pass --date-order mdy, the order they prove, or leave"
        " --date-order out"
    )


def test_a_date_order_chosen_between_two_contradicted_readings_stands_and_its_misfits_are_named(tmp_path):
    """Dates of both kinds (25/02 and 02/27): each order has dates impossible in it, and --date-order chooses
    between them, the minority's as well: the headers impossible in it are kept as text, and that is said."""
    chat = write(
        tmp_path / "WhatsApp Chat with Pat.txt",
        "01/02/24, 10:00 - Pat: a\n25/02/24, 10:00 - Pat: b\n26/02/24, 10:00 - Alex Owner: c\n02/27/24, 10:00 - Pat: d\n",
    )
    got = records(chat, date_order="mdy")
    assert got[0] == Notice(
        "WhatsApp Chat with Pat.txt: 2 lines look like message headers but their dates are impossible in --date-order mdy"
        " (the first at line 2): they were kept as text of the message before them"
    )
    assert [(times.to_iso(m.sent_at), m.sender.handle, m.body) for m in got[1:]] == [
        ("2024-01-02T15:00:00.000Z", "Pat", "a\n25/02/24, 10:00 - Pat: b\n26/02/24, 10:00 - Alex Owner: c"),
        ("2024-02-27T15:00:00.000Z", "Pat", "d"),
    ]


@pytest.mark.parametrize(
    "first, second, instead",
    [("13", "14", "--date-order dmy, the order they prove"), ("03", "05", "--date-order dmy or mdy")],
)
def test_date_order_ymd_on_a_chat_whose_dates_are_mostly_written_day_or_month_first_is_refused(
    tmp_path, first, second, instead
):
    """Walk report (date order): --date-order ymd on a chat whose headers mostly write the day or month first kept each
    of them as text, with no notice (the survey counted no date impossible year first): here the two before the one
    written year first were skipped as lines before the first message. Refused as a disproven dmy or mdy is, naming
    the --date-order that reads them: the order their dates prove, else either."""
    chat = write(
        tmp_path / "WhatsApp Chat with Sam Client.txt",
        f"{first}/04/2024, 09:01 - Sam Client: hi\n{second}/04/2024, 09:02 - Alex Owner: ok\n"
        "2024-04-15, 09:03 - Sam Client: later\n",
    )
    with pytest.raises(ImportFailed) as refused:
        records(chat, date_order="ymd")
    assert str(refused.value) == (
        f"{chat}: --date-order ymd contradicts the file's dates: 2 header dates are impossible as year/month/day (the"
        f" first, {first}/04/2024, at line 1); pass {instead}, or leave --date-order out"
    )


def test_no_valid_date_in_the_order_given_fails(tmp_path):
    """Every header's date impossible in the order its dates prove (30 and 31 February: a first number above 12
    proves day/month/year, in which they are no dates either): no header is one."""
    chat = write(
        tmp_path / "WhatsApp Chat with Sam Client.txt",
        "30/02/2024, 09:01 - Sam Client: hi\n31/02/2024, 09:02 - Alex Owner: ok\n",
    )
    with pytest.raises(ImportFailed) as failed:
        records(chat)
    assert str(failed.value) == f"{chat}: no line has a valid date when read in dmy order (check --date-order)"


YEAR_FIRST = [
    ("2024-03-12", "09:01", "Sam Client", "a"),
    ("2024-03-13", "09:02", "Alex Owner", "b"),
    ("25/03/2024", "14:02", "Sam Client", "c"),
    ("2024-03-26", "09:00", "Sam Client", "d"),
]


@pytest.mark.parametrize("chunk", [None, 1, 7])
@pytest.mark.parametrize("shape, header", [("android", "{d}, {t} - "), ("ios", "\u200e[{d}, {t}:00] ")])
def test_a_header_written_day_first_in_a_year_first_chat_is_kept_as_text_and_named(
    tmp_path, monkeypatch, chunk, shape, header
):
    """Walk report (date order): a chat whose headers mostly write the year first is read as year/month/day before
    any other rule, and a header written day first (25/03/2024) was kept as text of the message before it in silence,
    with --date-order ymd or none. An export writes every header in one shape: a line of another is text, as a line
    of another style is, and it is named (how many, the first as written and its line). With no order given, whether
    it is a message is the person's choice, made before anything is archived: refused, naming both (the second
    reader: the notice advised the other order after the message was archived glued, and that re-reading archived it
    again). --date-order ymd keeps it as text, said as the person's choice; dmy reads both shapes, every line a
    message; mdy, which the date disproves, is refused."""
    if chunk:  # (the lines are counted chunk by chunk)
        monkeypatch.setattr(whatsapp.decoding, "CHUNK", chunk)
    lines = [header.format(d=d, t=t) + f"{who}: {text}" for d, t, who, text in YEAR_FIRST]
    chat = write(tmp_path / "WhatsApp Chat with Sam Client.txt", "\n".join(lines) + "\n")
    rows = [
        ("line 1", "2024-03-12T13:01:00.000Z", "in", "Sam Client", "a", [], [], "message", None),
        ("line 2", "2024-03-13T13:02:00.000Z", "out", "Alex Owner", "b", [], [], "message", None),
        ("line 3", "2024-03-25T18:02:00.000Z", "in", "Sam Client", "c", [], [], "message", None),
        ("line 4", "2024-03-26T13:00:00.000Z", "in", "Sam Client", "d", [], [], "message", None),
    ]
    with pytest.raises(ImportFailed) as refused:
        records(chat)
    assert refused.value.reason == (
        "3 of its 4 header dates are written year first, 1 day or month first (25/03/2024, at line 3): whether that"
        " line is a message is the date order's choice; import the file with --date-order dmy, the order its date"
        " proves, to read it as a message, or with --date-order ymd to keep it as text of the message before it (as"
        " this chat's other headers write the year first); the order given is remembered for this chat"
    )
    got = records(chat, date_order="ymd")
    assert got[0] == Notice(
        "WhatsApp Chat with Sam Client.txt: dates read as year/month/day, as --date-order ymd said and as 3 of its 4"
        " header dates are written; the other is written day or month first (25/03/2024, at line 3): it was kept as"
        " text of the message before it"
    )
    assert [row(m) for m in got[1:]] == [rows[0], rows[1][:4] + (f"b\n{lines[2]}",) + rows[1][5:], rows[3]]
    assert [row(m) for m in records(chat, date_order="dmy")] == rows
    with pytest.raises(ImportFailed) as refused:
        records(chat, date_order="mdy")
    assert refused.value.reason == (
        "--date-order mdy contradicts the file's dates: 1 header date is impossible as month/day/year (25/03/2024,"
        " at line 3) and none as day/month/year; pass --date-order dmy, the order they prove, or leave --date-order out"
    )


def test_headers_written_day_or_month_first_in_a_year_first_chat_that_prove_no_order_are_named(tmp_path):
    """Several headers of the other shape, each date reading either way: with no order given, refused, naming the
    first of them and either --date-order that reads them; with --date-order ymd, named, kept as text."""
    chat = write(
        tmp_path / "WhatsApp Chat with Sam Client.txt",
        "2024-03-12, 09:01 - Sam Client: a\n04/03/2024, 14:02 - Sam Client: b\n2024-03-13, 09:02 - Alex Owner: c\n"
        "05/03/2024, 14:02 - Sam Client: d\n2024-03-26, 09:00 - Sam Client: e\n2024-03-27, 09:00 - Alex Owner: f\n",
    )
    with pytest.raises(ImportFailed) as refused:
        records(chat)
    assert refused.value.reason == (
        "4 of its 6 header dates are written year first, 2 day or month first (the first, 04/03/2024, at line 2):"
        " whether those lines are messages is the date order's choice; import the file with --date-order dmy or mdy"
        " to read them as messages, or with --date-order ymd to keep them as text of the message before each (as this"
        " chat's other headers write the year first); the order given is remembered for this chat"
    )
    got = records(chat, date_order="ymd")
    assert got[0] == Notice(
        "WhatsApp Chat with Sam Client.txt: dates read as year/month/day, as --date-order ymd said and as 4 of its 6"
        " header dates are written; the other 2 are written day or month first (the first, 04/03/2024, at line 2):"
        " they were kept as text of the message before them"
    )
    assert [row(m) for m in got[1:]] == [
        (
            "line 1",
            "2024-03-12T13:01:00.000Z",
            "in",
            "Sam Client",
            "a\n04/03/2024, 14:02 - Sam Client: b",
            [],
            [],
            "message",
            None,
        ),
        (
            "line 3",
            "2024-03-13T13:02:00.000Z",
            "out",
            "Alex Owner",
            "c\n05/03/2024, 14:02 - Sam Client: d",
            [],
            [],
            "message",
            None,
        ),
        ("line 5", "2024-03-26T13:00:00.000Z", "in", "Sam Client", "e", [], [], "message", None),
        ("line 6", "2024-03-27T13:00:00.000Z", "out", "Alex Owner", "f", [], [], "message", None),
    ]
    assert [(m.source_ref, times.to_iso(m.sent_at), m.body) for m in records(chat, date_order="mdy")] == [
        ("line 1", "2024-03-12T13:01:00.000Z", "a"),
        ("line 2", "2024-04-03T18:02:00.000Z", "b"),
        ("line 3", "2024-03-13T13:02:00.000Z", "c"),
        ("line 4", "2024-05-03T18:02:00.000Z", "d"),
        ("line 5", "2024-03-26T13:00:00.000Z", "e"),
        ("line 6", "2024-03-27T13:00:00.000Z", "f"),
    ]


def test_a_header_written_day_first_before_a_year_first_chats_first_message_is_said_as_skipped(tmp_path):
    """Second reader (#4): a header written day first above the first one written year first is a line before the
    file's first message, skipped and reported as such (`_prelude`); the notice said it was kept as text of the
    message before it, which there is none of. Said as skipped; reading it as a message only adds it (no message
    archived is read otherwise), so the --date-order that does is named, and the import is not refused."""
    chat = write(
        tmp_path / "WhatsApp Chat with Sam Client.txt",
        "25/03/2024, 08:00 - Sam Client: first\n2024-03-26, 09:01 - Sam Client: a\n2024-03-27, 09:02 - Alex Owner: b\n",
    )
    assert [r if isinstance(r, (Notice, Skipped)) else row(r) for r in records(chat)] == [
        Notice(
            "WhatsApp Chat with Sam Client.txt: dates read as year/month/day, as 2 of its 3 header dates are written;"
            " the other is written day or month first (25/03/2024, at line 1): it was skipped as a line before the"
            " first message (pass --date-order dmy, the order its date proves, to read it as a message)"
        ),
        Skipped("unparseable line before the first message", "line 1"),
        ("line 2", "2024-03-26T13:01:00.000Z", "in", "Sam Client", "a", [], [], "message", None),
        ("line 3", "2024-03-27T13:02:00.000Z", "out", "Alex Owner", "b", [], [], "message", None),
    ]


def test_headers_an_order_given_cannot_read_are_said_as_kept_as_text_or_skipped_before_the_first_message(tmp_path):
    """Second reader (#4): the headers whose dates the order given cannot read were all said to be kept as text of the
    message before them, those before the first message too, which are skipped (`_prelude`). Each said for what it
    became; with no order given, the refusal says what --date-order ymd does with those."""
    chat = write(
        tmp_path / "WhatsApp Chat with Sam Client.txt",
        "25/03/2024, 08:00 - Sam Client: first\n2024-03-26, 09:01 - Sam Client: a\n26/03/2024, 09:02 - Alex Owner: b\n"
        "2024-03-27, 09:03 - Alex Owner: c\n2024-03-28, 09:04 - Sam Client: d\n",
    )
    with pytest.raises(ImportFailed) as refused:
        records(chat)
    assert refused.value.reason == (
        "3 of its 5 header dates are written year first, 2 day or month first (the first, 25/03/2024, at line 1):"
        " whether those lines are messages is the date order's choice; import the file with --date-order dmy, the"
        " order their dates prove, to read them as messages, or with --date-order ymd to keep them as text of the"
        " message before each (as this chat's other headers write the year first; the 1 before the first message"
        " skipped as such); the order given is remembered for this chat"
    )
    assert [r if isinstance(r, (Notice, Skipped)) else row(r) for r in records(chat, date_order="ymd")] == [
        Notice(
            "WhatsApp Chat with Sam Client.txt: dates read as year/month/day, as --date-order ymd said and as 3 of its 5"
            " header dates are written; the other 2 are written day or month first (the first, 25/03/2024, at line 1):"
            " 1 was kept as text of the message before it, 1 skipped as a line before the first message"
        ),
        Skipped("unparseable line before the first message", "line 1"),
        (
            "line 2",
            "2024-03-26T13:01:00.000Z",
            "in",
            "Sam Client",
            "a\n26/03/2024, 09:02 - Alex Owner: b",
            [],
            [],
            "message",
            None,
        ),
        ("line 4", "2024-03-27T13:03:00.000Z", "out", "Alex Owner", "c", [], [], "message", None),
        ("line 5", "2024-03-28T13:04:00.000Z", "in", "Sam Client", "d", [], [], "message", None),
    ]
    # an order given that reads none of the lines before the first that it reads: skipped, said so
    dmy_first = write(
        tmp_path / "WhatsApp Chat with Pat.txt",
        "03/25/2024, 08:00 - Pat: first\n26/03/2024, 09:01 - Pat: a\n03/27/2024, 09:02 - Alex Owner: b\n"
        "28/03/2024, 09:03 - Alex Owner: c\n",
    )
    assert [r if isinstance(r, (Notice, Skipped)) else row(r)[:5] for r in records(dmy_first, date_order="dmy")] == [
        Notice(
            "WhatsApp Chat with Pat.txt: 2 lines look like message headers but their dates are impossible in"
            " --date-order dmy (the first at line 1): 1 was kept as text of the message before it, 1 skipped as a line"
            " before the first message"
        ),
        Skipped("unparseable line before the first message", "line 1"),
        ("line 2", "2024-03-26T13:01:00.000Z", "in", "Pat", "a\n03/27/2024, 09:02 - Alex Owner: b"),
        ("line 4", "2024-03-28T13:03:00.000Z", "out", "Alex Owner", "c"),
    ]


def test_a_component_over_12_decides_the_order_for_the_whole_file(tmp_path):
    # the first line alone is ambiguous; the last decides: day first
    chat = write(
        tmp_path / "WhatsApp Chat with Pat.txt",
        "01/02/24, 10:00 - Pat: a\n05/02/24, 10:00 - Alex Owner: b\n25/02/24, 10:00 - Pat: c\n",
    )
    got = records(chat)
    assert not [r for r in got if isinstance(r, Notice)]
    assert [times.to_iso(m.sent_at)[:10] for m in got] == ["2024-02-01", "2024-02-05", "2024-02-25"]


def test_advancing_dates_decide_the_order(tmp_path):
    # read as day/month these advance (1 Feb … 1 Mar … 1 Apr); as month/day they jump back and forth
    lines = [
        "01/02/24, 10:00 - Pat: a",
        "05/02/24, 10:00 - Pat: b",
        "10/02/24, 10:00 - Pat: c",
        "01/03/24, 10:00 - Pat: d",
        "05/03/24, 10:00 - Alex Owner: e",
        "10/03/24, 10:00 - Pat: f",
        "01/04/24, 10:00 - Pat: g",
    ]
    chat = write(tmp_path / "WhatsApp Chat with Pat.txt", "\n".join(lines) + "\n")
    got = records(chat)
    # an inference, not a proof: said, with what it rested on
    assert [r for r in got if isinstance(r, Notice)] == [
        Notice(
            "WhatsApp Chat with Pat.txt: dates read as day/month/year: no header date has a number above 12, and the dates go back "
            "from one header to the next 0 times read so, 2 times read as month/day/year; pass --date-order mdy if that is wrong",
            kind="assumption",
        )
    ]
    got = got[1:]
    assert [times.to_iso(m.sent_at)[:10] for m in got][:4] == ["2024-02-01", "2024-02-05", "2024-02-10", "2024-03-01"]


# -- senders, groups, owners ---------------------------------------------------------------------


def test_group_names_with_colons_phone_senders_and_system_lines():
    got = messages(WA / "WhatsApp Chat with Lease Committee.txt")
    assert [
        (m.direction, m.sender.handle if m.sender else None, m.sender.display_name if m.sender else None, m.body)
        for m in got
    ] == [
        ("system", None, None, 'Alex Owner created group "Lease Committee"'),
        ("system", None, None, "Alex Owner added \u202a+1 202-555-0147\u202c"),
        ("in", "Dr: Smith", "Dr: Smith", "Welcome everyone"),
        ("in", "+12025550147", "+1 202 555\u20110147", "Thanks: glad to be here"),
        ("in", "Dr: Smith", "Dr: Smith", "Agenda: rent"),
        ("out", "Alex Owner", "Alex Owner", "Note: meeting at 7"),
        ("in", "~ Maija", "~ Maija", "hello"),
        ("system", None, None, 'Alex Owner changed the subject from "Lease" to "Lease: 2024"'),
        ("in", "Dr: Smith", "Dr: Smith", "Rent is due"),
    ]
    # identities keep the number as written (not E.164): phone-number metadata updates cannot change them
    assert got[3].identity == ("5/2/2024 18:02", "+1 202 555-0147", "Thanks: glad to be here", 0)
    conv = got[0].conversation
    assert conv.is_group is True
    assert sorted(p.handle for p in conv.participants) == ["+12025550147", "Alex Owner", "Dr: Smith", "~ Maija"]


def test_a_long_system_line_with_a_colon_is_not_a_sender(tmp_path):
    chat = write(
        tmp_path / "WhatsApp Chat with Sam Client.txt",
        "12/03/2024, 09:01 - Sam Client: hi\n"
        "13/03/2024, 09:02 - Sam Client turned on disappearing messages for this chat: 7 days\n"
        "13/03/2024, 09:03 - Alex Owner: ok\n",
    )
    got = messages(chat)
    assert [(m.direction, m.sender.handle if m.sender else None) for m in got] == [
        ("in", "Sam Client"),
        ("system", None),
        ("out", "Alex Owner"),
    ]


def test_owner_not_found_lists_the_senders():
    with pytest.raises(ImportFailed) as failed:
        records(SAM, owner_name="Someone Else")
    assert failed.value.reason == (
        "none of the senders is the archive's owner 'Someone Else'; senders found: 'Alex Owner', 'Sam Client'; "
        "pass --me NAME to say which one is you (once: later imports of this chat are read as it says)"
    )


def test_me_names_the_owner_case_and_space_insensitively():
    got = messages(SAM, owner_name="Someone Else", me="  alex   OWNER ")
    assert {m.sender.handle: m.direction for m in got if m.sender} == {"Sam Client": "in", "Alex Owner": "out"}
    assert got[0].conversation.source_key == "sam client|alex owner"


def test_me_by_phone_number():
    # (an archive whose owner is not in the chat: where "Alex Owner" is, --me naming another is refused,
    # test_whatsapp_me.py)
    got = messages(WA / "WhatsApp Chat with Lease Committee.txt", me="(202) 555-0147", owner_name="Someone Else")
    assert {m.sender.handle: m.direction for m in got if m.sender}["+12025550147"] == "out"


def test_me_that_matches_nobody_is_an_error_listing_the_senders():
    """A mistyped --me would make a second conversation of the same chat (the owner is in its key)."""
    with pytest.raises(ImportFailed) as failed:
        records(SAM, me="Alex Ownr")
    assert failed.value.reason == (
        "--me 'Alex Ownr' matches none of the senders found: 'Alex Owner', 'Sam Client'; pass one of them as written, "
        "or the archive's owner 'Alex Owner' for a chat in which you never wrote"
    )


def test_me_as_the_archive_owner_who_never_wrote_keeps_the_owner_key(tmp_path):
    only_sam = write(tmp_path / SAM.name, "20/03/2024, 09:01 - Sam Client: Still there?\n")
    with pytest.raises(
        ImportFailed, match="none of the senders is the archive's owner 'Alex Owner'; senders found: 'Sam Client'"
    ):
        records(only_sam)
    got = records(only_sam, me="  alex   OWNER ")
    assert [(type(r).__name__, r.direction, r.sender.handle, r.body) for r in got] == [
        ("Message", "in", "Sam Client", "Still there?")
    ]
    conversation = got[0].conversation
    assert conversation.source_key == messages(SAM)[0].conversation.source_key == "sam client|alex owner"
    assert [(p.handle, p.display_name, p.is_owner) for p in conversation.participants] == [
        ("Alex Owner", "Alex Owner", True),
        ("Sam Client", "Sam Client", False),
    ]
    # --me as the owner's name is read as no --me at all: an owner writing as a number is still found by it
    by_number = write(
        tmp_path / "WhatsApp Chat with Pat.txt",
        "20/03/2024, 09:01 - Pat: hi\n20/03/2024, 09:02 - +1 202-555-0100: hello\n",
    )
    plain = messages(by_number, owner_handles=frozenset({"+12025550100"}))
    named = messages(by_number, owner_handles=frozenset({"+12025550100"}), me="Alex Owner")
    assert [(m.direction, m.sender.handle) for m in named] == [("in", "Pat"), ("out", "+12025550100")]
    assert named[0].conversation == plain[0].conversation
    assert named[0].conversation.source_key == "pat|+1 202-555-0100"


def test_cli_a_mistyped_me_fails_and_adds_no_second_conversation(cli, archive, tmp_path):
    first = cli("import", SAM, "--me", "Alex Owner", "--quiet")
    assert first.exit_code == 0, first.output
    before = snapshot(archive)
    typo = cli("import", SAM, "--me", "Alex Ownr", "--quiet")
    assert typo.exit_code == 1
    assert typo.output.strip().splitlines() == [
        f"Error: {SAM}: --me 'Alex Ownr' matches none of the senders found: 'Alex Owner', 'Sam Client'; pass one of them "
        "as written, or the archive's owner 'Alex Owner' for a chat in which you never wrote"
    ]
    assert snapshot(archive) == before
    # the owner who never wrote in the chat: the same conversation as the owner's later export
    only_sam = write(
        tmp_path / SAM.name,
        "12/03/2024, 09:01 - Sam Client: Hi Alex, can we talk about the lease?\n"
        "20/03/2024, 09:01 - Sam Client: Still there?\n",
    )
    again = cli("import", only_sam, "--me", "alex owner", "--json")
    assert again.exit_code == 0, again.output
    assert (json.loads(again.output)[0]["added"], json.loads(again.output)[0]["already_present"]) == (1, 1)
    assert [tuple(r) for r in archive.conn.execute("SELECT source_key FROM conversations")] == [
        ("sam client|alex owner",)
    ]


# -- chat names and the conversation key ----------------------------------------------------------


@pytest.mark.parametrize(
    "file_name, chat",
    [
        ("WhatsApp Chat with Sam Client.txt", "Sam Client"),
        ("WhatsApp Chat with Sam Client (2).txt", "Sam Client"),
        ("WhatsApp Chat - Sam.zip", "Sam"),
        ("WhatsApp Chat mit Jonas.txt", "Jonas"),
        ("Chat de WhatsApp con Lucía Gómez.txt", "Lucía Gómez"),
        ("Discussion WhatsApp avec Chloé.txt", "Chloé"),
        ("Conversa do WhatsApp com Ana.txt", "Ana"),
        ("WhatsApp-chat met Daan.txt", "Daan"),
        ("Chat WhatsApp s\u00a0uživatelem Dmitry S.txt", "Dmitry S"),
        ("Чат WhatsApp с\u00a0контактом Дмитрий.txt", "Дмитрий"),
        ("Czat WhatsApp z Kasia.txt", "Kasia"),
        ("Ayşe ile WhatsApp Sohbeti.txt", "Ayşe"),
        ("notes.txt", None),
        ("_chat.txt", None),
    ],
)
def test_chat_name_from_file_names(file_name, chat):
    assert whatsapp.chat_name_from_file(file_name) == chat


def test_conversation_option_overrides_the_file_name():
    got = messages(SAM, conversation="Sam (lease)")
    assert got[0].conversation.source_key == "sam (lease)|alex owner"
    assert got[0].conversation.title == "Sam (lease)"


def test_a_file_name_without_a_chat_name(tmp_path):
    plain = write(tmp_path / "sam-lease.txt", SAM.read_text())
    got = records(plain)
    assumption = [r for r in got if isinstance(r, Notice) and "'sam-lease'" in r.text]
    assert assumption[0].kind == "assumption"
    bare = write(tmp_path / "_chat.txt", SAM.read_text())
    with pytest.raises(ImportFailed, match="pass --conversation NAME"):
        records(bare)
    assert messages(bare, conversation="Sam Client")[0].conversation.source_key == "sam client|alex owner"


# -- zips ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source, committed",
    [(JORDAN_SOURCE, JORDAN_ZIP), (WA / "demo-zip-source", WA / "demo" / "WhatsApp Chat - Dana Reyes.zip")],
)
def test_committed_zips_are_built_from_their_readable_sources(tmp_path, source, committed):
    assert build_zip(source, tmp_path / "x.zip").read_bytes() == committed.read_bytes()


def test_demo_exports_import_without_assumptions(archive):
    """The demo's exports: nothing assumed or skipped; the warning is the one media Sam's chat left out."""
    from textfile.ingest import import_path

    warned = {}
    for path in sorted((WA / "demo").iterdir()):
        result = import_path(archive, path)
        assert result.added > 0 and not result.assumptions and not result.skipped, path.name
        warned[path.name] = result.warnings
    assert warned == {
        "WhatsApp Chat - Dana Reyes.zip": [],
        "WhatsApp Chat with Sam Client.txt": [
            "WhatsApp Chat with Sam Client.txt: 1 attachment is not in the archive (#2.4, media omitted): 1 omitted by"
            " the export; export the chat again with media and import it to fill it in"
        ],
    }


def test_ios_zip_with_media_complete_records():
    got = records(JORDAN_ZIP)
    assert [row(m) for m in got] == [
        (
            "line 1",
            "2024-03-20T14:00:00.000Z",
            "system",
            "Jordan Lee",
            "Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them.",
            [],
            [],
            "message",
            None,
        ),
        ("line 2", "2024-03-20T14:00:05.000Z", "in", "Jordan Lee", "Here are the photos", [], [], "message", None),
        (
            "line 3",
            "2024-03-20T14:00:10.000Z",
            "in",
            "Jordan Lee",
            "",
            [],
            [("00000003-PHOTO-2024-03-20-10-00-10.jpg", "image/jpeg", JPEG, None)],
            "message",
            None,
        ),
        (
            "line 4",
            "2024-03-20T14:00:20.000Z",
            "out",
            "Alex Owner",
            "Contract.pdf \u200e• \u200e2 pages",
            [],
            [("00000004-Contract.pdf", "application/pdf", b"%PDF-1.4\n% tiny contract\n%%EOF\n", None)],
            "message",
            None,
        ),
        (
            "line 5",
            "2024-03-20T14:00:30.000Z",
            "in",
            "Jordan Lee",
            "",
            [],
            [("00000005-AUDIO-2024-03-20-10-00-30.opus", "audio/ogg", None, "not in the zip")],
            "message",
            None,
        ),
        ("line 6", "2024-03-20T14:01:00.000Z", "out", "Alex Owner", "Thanks, got them", [], [], "message", None),
    ]
    assert got[0].conversation.source_key == "jordan lee|alex owner"


def test_chat_txt_in_a_renamed_zip_takes_the_zip_name(tmp_path):
    zipped = build_zip(JORDAN_SOURCE, tmp_path / "WhatsApp Chat - Sam.zip")
    assert messages(zipped)[0].conversation.source_key == "sam|alex owner"


def test_an_unzipped_export_folder_and_its_chat_text(tmp_path):
    import shutil

    folder = tmp_path / "WhatsApp Chat - Jordan Lee"
    shutil.copytree(JORDAN_SOURCE, folder)
    assert whatsapp.detect(folder)
    from_folder = messages(folder)
    from_zip = messages(JORDAN_ZIP)
    assert [row(m)[1:] for m in from_folder] == [row(m)[1:] for m in from_zip[:4]] + [
        row(from_zip[4])[1:6]
        + (
            [("00000005-AUDIO-2024-03-20-10-00-30.opus", "audio/ogg", None, "file not found beside the chat text")],
            "message",
            None,
        ),
        row(from_zip[5])[1:],
    ]
    assert [m.identity for m in from_folder] == [m.identity for m in from_zip]
    assert from_folder[0].conversation.source_key == from_zip[0].conversation.source_key == "jordan lee|alex owner"
    # the chat text alone, inside that folder, takes the folder's name too
    assert messages(folder / "_chat.txt")[0].conversation.source_key == "jordan lee|alex owner"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert not whatsapp.detect(empty)
    with pytest.raises(ImportFailed, match="the folder holds no WhatsApp chat text"):
        records(empty)


def test_several_chats_in_one_folder_or_zip_are_not_guessed_between(tmp_path):
    with pytest.raises(
        ImportFailed, match=r"the folder holds several WhatsApp chats \('Chat de WhatsApp con Lucía Gómez.txt', "
    ):
        records(WA)
    assert whatsapp.detect(WA) is False  # not one export: whoever walks the folder imports each chat
    zipped = tmp_path / "chats.zip"
    with zipfile.ZipFile(zipped, "w") as zf:
        zf.write(SAM, SAM.name)
        zf.write(DANA, DANA.name)
    with pytest.raises(ImportFailed, match="the zip holds several WhatsApp chats"):
        records(zipped)
    # iOS: _chat.txt is the export's own even beside a chat someone sent as a document
    with zipfile.ZipFile(zipped, "w") as zf:
        zf.write(JORDAN_SOURCE / "_chat.txt", "_chat.txt")
        zf.write(SAM, "00000009-WhatsApp Chat with Sam Client.txt")
    assert messages(zipped, conversation="Jordan Lee")[1].body == "Here are the photos"


def export_folder(tmp_path: Path, *extra: Path) -> Path:
    """An unzipped iOS export (ios-zip-source) with `extra` files copied beside its chat text."""
    folder = tmp_path / "WhatsApp Chat - Jordan Lee"
    shutil.copytree(JORDAN_SOURCE, folder)
    for path in extra:
        shutil.copy(path, folder)
    return folder


def test_an_inbox_folder_with_one_chat_and_other_exports_is_not_an_export(tmp_path):
    """Taken as one export, the folder's other exports were never read."""
    folder = tmp_path / "inbox" / "week47"
    folder.mkdir(parents=True)
    for path in (WA / "WhatsApp Chat with Kim.txt", FIXTURES / "android" / "sms-20240301.xml", JORDAN_ZIP):
        shutil.copy(path, folder)
    assert whatsapp.detect(folder) is False
    assert whatsapp.detect(folder.parent) is False
    with pytest.raises(ImportFailed) as failed:
        records(folder)
    assert failed.value.reason == (
        "not one unzipped WhatsApp export: beside the chat text 'WhatsApp Chat with Kim.txt' the folder holds "
        "'WhatsApp Chat - Jordan Lee.zip', 'sms-20240301.xml', which the chat does not name as its media; import each file on its own"
    )
    # each file on its own is still what it was
    assert whatsapp.detect(folder / "WhatsApp Chat with Kim.txt") and whatsapp.detect(folder / JORDAN_ZIP.name)


def test_a_folder_with_two_chats_is_not_an_export_and_detect_does_not_raise(tmp_path):
    folder = tmp_path / "chats"
    folder.mkdir()
    shutil.copy(SAM, folder)
    shutil.copy(WA / "WhatsApp Chat with Kim.txt", folder)
    assert whatsapp.detect(folder) is False
    with pytest.raises(ImportFailed) as failed:
        records(folder)
    assert failed.value.reason == (
        "the folder holds several WhatsApp chats ('WhatsApp Chat with Kim.txt', 'WhatsApp Chat with Sam Client.txt'); "
        "it is not one unzipped export: import each chat's file on its own"
    )


@pytest.mark.parametrize(
    "name, content, listed",
    [
        ("WhatsApp Chat with Sam Client.txt", SAM.read_bytes(), "'WhatsApp Chat with Sam Client.txt'"),  # another chat
        ("notes.txt", b"just notes\n", "'notes.txt'"),  # a text the chat does not name
        ("chat.db", b"SQLite format 3\x00" + bytes(200), "'chat.db'"),
        ("sms.xml", (FIXTURES / "android" / "sms-20240301.xml").read_bytes(), "'sms.xml'"),
        ("Jordan again.zip", JORDAN_ZIP.read_bytes(), "'Jordan again.zip'"),
        ("week47/", None, "'week47/'"),  # a subfolder (with an export in it)
    ],
)
def test_an_export_folder_with_anything_but_its_media_is_not_an_export(tmp_path, name, content, listed):
    folder = export_folder(tmp_path)
    if content is None:
        (folder / name).mkdir()
        shutil.copy(SAM, folder / name)
    else:
        (folder / name).write_bytes(content)
    assert whatsapp.detect(folder) is False
    with pytest.raises(ImportFailed) as failed:
        records(folder)
    assert failed.value.reason == (
        f"not one unzipped WhatsApp export: beside the chat text '_chat.txt' the folder holds {listed}, "
        "which the chat does not name as its media; import each file on its own"
    )


def test_an_export_folder_with_its_media_and_the_litter_of_unzipping_is_one_export(tmp_path):
    folder = export_folder(tmp_path)
    # media WhatsApp exports, named or not by this chat; a file of any kind the chat names; the macOS litter
    for name in (
        "00000005-AUDIO-2024-03-20-10-00-30.opus",
        "00000007-Sam.vcf",
        "00000008-Lease.docx",
        "IMG-20240320-WA0009.jpeg",
        "00000009-VIDEO-2024-03-20-10-02-00.mp4",
        ".DS_Store",
        "._chat.txt",
    ):
        (folder / name).write_bytes(b"\x00media")
    (folder / "__MACOSX").mkdir()
    (folder / "__MACOSX" / "._chat.txt").write_bytes(b"\x00")
    (folder / "00000010-old chat.zip").write_bytes(JORDAN_ZIP.read_bytes())
    (folder / "00000011-WhatsApp Chat with Sam Client.txt").write_bytes(SAM.read_bytes())  # a chat sent as a document
    chat = folder / "_chat.txt"
    chat.write_bytes(
        chat.read_bytes()
        + "[20.03.24, 10:02:00] Jordan Lee: \u200e<attached: 00000010-old chat.zip>\r\n"
        "[20.03.24, 10:03:00] Jordan Lee: \u200e<attached: 00000011-WhatsApp Chat with Sam Client.txt>\r\n".encode()
    )
    assert whatsapp.detect(folder) is True
    got = messages(folder)
    assert [m.attachments[0].file_name for m in got if m.attachments] == [
        "00000003-PHOTO-2024-03-20-10-00-10.jpg",
        "00000004-Contract.pdf",
        "00000005-AUDIO-2024-03-20-10-00-30.opus",
        "00000010-old chat.zip",
        "00000011-WhatsApp Chat with Sam Client.txt",
    ]
    assert all(a.data is not None for m in got for a in m.attachments)
    assert got[0].conversation.source_key == "jordan lee|alex owner"


@pytest.mark.parametrize("source", [JORDAN_SOURCE, WA / "demo-zip-source"], ids=lambda p: p.name)
def test_the_committed_export_folders_are_exports(source):
    assert whatsapp.detect(source) is True
    assert messages(source, conversation="Jordan Lee")


def test_zip_members_are_read_never_written(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    source = work / "src"
    source.mkdir()
    (source / "_chat.txt").write_text(
        "[20.03.24, 10:00:00] Alex Owner: \u200e<attached: evil.jpg>\r\n", encoding="utf-8"
    )
    zipped = build_zip(
        source, work / "WhatsApp Chat - Eve.zip", extra={"../../evil.jpg": b"EVIL", "/abs/evil2.jpg": b"X"}
    )
    before = sorted(p for p in tmp_path.rglob("*"))
    got = messages(zipped)
    assert sorted(p for p in tmp_path.rglob("*")) == before
    assert [(a.file_name, a.data) for a in got[0].attachments] == [("evil.jpg", b"EVIL")]


def test_zip_bomb_is_refused_before_reading(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    (source / "_chat.txt").write_text("[20.03.24, 10:00:00] Alex Owner: hi\r\n", encoding="utf-8")
    zipped = build_zip(source, tmp_path / "WhatsApp Chat - Bomb.zip", extra={"00000002-PHOTO.jpg": bytes(8 << 20)})
    with pytest.raises(ImportFailed, match="zip bomb"):
        records(zipped)


def test_zip_member_that_lies_about_its_size_is_refused(tmp_path):
    """A member holding more than it declares is how a zip bomb gets past the declared limits: the zip is refused, named so
    (zipfile alone stops at the declared size and calls the rest a bad CRC)."""
    path = declare_size(
        build_zip(JORDAN_SOURCE, tmp_path / "WhatsApp Chat - Liar.zip"), "00000003-PHOTO-2024-03-20-10-00-10.jpg", 5
    )
    with pytest.raises(ImportFailed) as failed:
        records(path)
    assert (
        failed.value.reason
        == "refusing zip: member '00000003-PHOTO-2024-03-20-10-00-10.jpg' is larger than it declares (5 bytes)"
    )


# -- a zip member that cannot be read (review B3): the chat is imported, the member accounted for --

STRAY = "00000009-PHOTO-2024-03-20-10-09-00.jpg"  # in the zip, named by no line
PHOTO = "00000003-PHOTO-2024-03-20-10-00-10.jpg"  # the attachment of line 3
UNREADABLE = [
    (
        lambda path, name: damage(path, name, at=0.0),
        {
            STRAY: "damaged (Error -3 while decompressing data: invalid code lengths set)",
            PHOTO: "damaged (Error -3 while decompressing data: too many length or distance symbols)",
        },
    ),
    (damage, {PHOTO: "damaged (its content does not match its CRC-32)"}),
    (
        encrypt,
        {STRAY: "encrypted (a password is needed to read it)", PHOTO: "encrypted (a password is needed to read it)"},
    ),
]


def _with_stray(folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    return build_zip(JORDAN_SOURCE, folder / JORDAN_ZIP.name, extra={STRAY: bytes(range(256)) * 8})


@pytest.mark.parametrize(
    "spoil, why", [(spoil, why[STRAY]) for spoil, why in UNREADABLE if STRAY in why], ids=["deflate", "encrypted"]
)
def test_a_member_no_line_names_that_cannot_be_read_is_skipped_and_the_chat_imported(tmp_path, spoil, why):
    intact = records(_with_stray(tmp_path / "intact"))
    got = records(spoil(_with_stray(tmp_path), STRAY))
    assert [r for r in got if isinstance(r, Message)] == [r for r in intact if isinstance(r, Message)]
    assert [r for r in got if not isinstance(r, Message)] == [
        Skipped(f"'{STRAY}', named by no message, cannot be read from the zip: it is {why}", STRAY)
    ]


@pytest.mark.parametrize(
    "spoil, why", [(spoil, why[PHOTO]) for spoil, why in UNREADABLE], ids=["deflate", "crc", "encrypted"]
)
def test_a_member_a_line_attaches_that_cannot_be_read_is_a_missing_attachment_with_the_reason(tmp_path, spoil, why):
    intact = records(_with_stray(tmp_path / "intact"))
    got = records(spoil(_with_stray(tmp_path), PHOTO))
    photo = Attachment(PHOTO, "image/jpeg", missing_reason=f"in the zip, but {why}")
    assert [r for r in got if not isinstance(r, Notice)] == [
        replace(r, attachments=(photo,)) if getattr(r, "source_ref", "") == "line 3" else r
        for r in intact
        if not isinstance(r, Notice)
    ]
    kept = [r for r in intact if isinstance(r, Notice)]
    assert intact[-1] == ChatFilesNamed(JORDAN_ZIP.name, (STRAY,))
    assert [r for r in got if isinstance(r, Notice)] == kept + [
        Notice(f"{JORDAN_ZIP.name}: '{PHOTO}', which line 3 attaches, is {why}: the attachment is recorded as missing"),
    ]


def test_a_member_that_cannot_be_read_is_imported_past_and_said(cli, archive, tmp_path):
    zipped = damage(_with_stray(tmp_path), STRAY, at=0.0)
    r = cli("import", zipped, "--tz", "America/New_York")
    assert (r.exit_code, r.stderr) == (0, "")
    assert (
        f"  skipped 1: '{STRAY}', named by no message, cannot be read from the zip: it is {UNREADABLE[0][1][STRAY]}"
        in r.stdout.splitlines()
    )
    assert archive.conn.execute("SELECT added, skipped FROM imports").fetchone()[:] == (6, 1)


def test_zip_without_a_chat(tmp_path):
    path = tmp_path / "photos.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("IMG-1.jpg", JPEG)
        zf.writestr("readme.txt", "just notes\n")
    with pytest.raises(ImportFailed) as failed:
        records(path)
    assert failed.value.reason == "the zip holds no WhatsApp chat text (_chat.txt or 'WhatsApp Chat … .txt')"


# -- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("empty.txt", b"", "the file is empty"),
        ("junk.txt", bytes(range(256)) * 8, "not a WhatsApp chat export (binary data)"),
        (
            "notes.txt",
            b"Dear Sam,\nthe lease is attached.\n",
            "not a WhatsApp chat export (no line starts with a WhatsApp date and time)",
        ),
        ("broken.zip", b"PK\x03\x04" + bytes(40), None),
    ],
)
def test_bad_input_fails_with_a_reason(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImportFailed) as failed:
        records(path)
    assert failed.value.path == str(path)
    assert "\n" not in failed.value.reason
    if reason:
        assert failed.value.reason == reason


def test_lines_before_the_first_message_are_skipped_with_their_line_number(tmp_path):
    chat = write(
        tmp_path / "WhatsApp Chat with Sam Client.txt",
        "exported by a helper app\n\nversion 2\n12/03/2024, 09:01 - Sam Client: hi\n13/03/2024, 09:02 - Alex Owner: hello\n",
    )
    got = records(chat)
    assert [r for r in got if isinstance(r, Skipped)] == [
        Skipped("unparseable line before the first message", "line 1"),
        Skipped("unparseable line before the first message", "line 3"),
    ]
    assert [(m.source_ref, m.body) for m in got if isinstance(m, Message)] == [("line 4", "hi"), ("line 5", "hello")]


def test_utf16_with_bom(tmp_path):
    chat = tmp_path / "WhatsApp Chat with Sam Client.txt"
    chat.write_bytes("12/03/2024, 09:01 - Sam Client: héllo\n13/03/2024, 09:02 - Alex Owner: ok\n".encode("utf-16"))
    assert whatsapp.detect(chat)
    assert [(m.sender.handle, m.body) for m in messages(chat)] == [("Sam Client", "héllo"), ("Alex Owner", "ok")]


def test_a_long_preface_is_skipped_when_the_format_is_given(tmp_path):
    chat = write(
        tmp_path / "WhatsApp Chat with Sam Client.txt",
        "".join(f"preface {n}\n" for n in range(5))
        + "12/03/2024, 09:01 - Sam Client: hi\n13/03/2024, 09:02 - Alex Owner: ok\n",
    )
    assert not whatsapp.detect(chat)  # detection looks at the first lines only
    got = records(chat)
    assert [r.source_ref for r in got if isinstance(r, Skipped)] == [f"line {n}" for n in range(1, 6)]
    assert [m.source_ref for m in got if isinstance(m, Message)] == ["line 6", "line 7"]


# An Android export with an iOS line pasted into a message, and an iOS export with an Android and a legacy one.
OTHER_STYLE_CHATS = {
    "android": (
        "12/03/2024, 09:01 - Sam Client: forwarded:\n[12/03/2024, 08:00:00] Someone: quoted\n"
        "13/03/2024, 09:02 - Alex Owner: ok\n",
        "WhatsApp Chat with Sam Client.txt: 1 line looks like a message header of another style than the file's 2"
        " headers ('[12/03/2024, 08:00:00]', at line 2; the first of the file's: '12/03/2024, 09:01 -', at line 1):"
        " it was kept as text of the message before it (an export writes every header in one style)",
        [
            (
                "line 1",
                "2024-03-12T13:01:00.000Z",
                "in",
                "Sam Client",
                "forwarded:\n[12/03/2024, 08:00:00] Someone: quoted",
            ),
            ("line 3", "2024-03-13T13:02:00.000Z", "out", "Alex Owner", "ok"),
        ],
    ),
    "ios": (
        "[12/03/2024, 09:01:00] Sam Client: forwarded:\n\u200e12/03/2024, 08:00 - Someone: quoted\n"
        "[13/03/2024, 09:02:00] Alex Owner: ok\n13/03/2024, 08:00:10: Someone: legacy\n"
        "[13/03/2024, 09:03:00] Sam Client: bye\n",
        "WhatsApp Chat with Sam Client.txt: 2 lines look like message headers of another style than the file's 3"
        " headers (the first, '12/03/2024, 08:00 -', at line 2; the first of the file's: '[12/03/2024, 09:01:00]', at"
        " line 1): they were kept as text of the message before them (an export writes every header in one style)",
        [
            (
                "line 1",
                "2024-03-12T13:01:00.000Z",
                "in",
                "Sam Client",
                "forwarded:\n\u200e12/03/2024, 08:00 - Someone: quoted",
            ),
            ("line 3", "2024-03-13T13:02:00.000Z", "out", "Alex Owner", "ok\n13/03/2024, 08:00:10: Someone: legacy"),
            ("line 5", "2024-03-13T13:03:00.000Z", "in", "Sam Client", "bye"),
        ],
    ),
}


@pytest.mark.parametrize("chunk", [None, 1, 7])
@pytest.mark.parametrize("shape", OTHER_STYLE_CHATS)
def test_a_header_of_another_style_is_text_of_the_message_and_named(tmp_path, monkeypatch, chunk, shape):
    """An export writes every header in one style; pass 2 reads the file's own, and a line of another style that
    looks like a header is text of the message before it, a line pasted or forwarded. It was kept so in silence, and
    its sender ("Someone") taken for a participant of the chat: it is named (how many, the first as written and its
    line), and no one who wrote no message of the chat is one of its participants."""
    if chunk:  # (the lines are counted chunk by chunk)
        monkeypatch.setattr(whatsapp.decoding, "CHUNK", chunk)
    text, notice, rows = OTHER_STYLE_CHATS[shape]
    got = records(write(tmp_path / "WhatsApp Chat with Sam Client.txt", text))
    assert got[0] == Notice(notice)
    assert [row(m) for m in got[1:]] == [r + ([], [], "message", None) for r in rows]
    assert [(p.handle, p.display_name, p.is_owner) for p in got[1].conversation.participants] == [
        ("Alex Owner", "Alex Owner", True),
        ("Sam Client", "Sam Client", False),
    ]


def test_a_line_of_another_style_before_the_first_header_is_skipped_not_named_as_kept_as_text(tmp_path):
    """A line of another style before the file's first header is a line before its first message, skipped and
    reported as such (`_prelude`): the notice names only the lines kept as text of a message."""
    chat = write(
        tmp_path / "WhatsApp Chat with Sam Client.txt",
        "[11/03/2024, 08:00:00] Someone: before\n12/03/2024, 09:01 - Sam Client: hi\n"
        "[12/03/2024, 08:00:00] Someone: quoted\n13/03/2024, 09:02 - Alex Owner: ok\n13/03/2024, 09:03 - Sam Client: bye\n",
    )
    got = records(chat)
    assert got[:2] == [
        Notice(
            "WhatsApp Chat with Sam Client.txt: 1 line looks like a message header of another style than the file's 3"
            " headers ('[12/03/2024, 08:00:00]', at line 3; the first of the file's: '12/03/2024, 09:01 -', at line 2):"
            " it was kept as text of the message before it (an export writes every header in one style)"
        ),
        Skipped("unparseable line before the first message", "line 1"),
    ]
    assert [row(m) for m in got[2:]] == [
        (
            "line 2",
            "2024-03-12T13:01:00.000Z",
            "in",
            "Sam Client",
            "hi\n[12/03/2024, 08:00:00] Someone: quoted",
            [],
            [],
            "message",
            None,
        ),
        ("line 4", "2024-03-13T13:02:00.000Z", "out", "Alex Owner", "ok", [], [], "message", None),
        ("line 5", "2024-03-13T13:03:00.000Z", "in", "Sam Client", "bye", [], [], "message", None),
    ]


def test_the_dates_of_lines_of_another_style_prove_no_order(tmp_path):
    """The day/month order rests on the headers pass 2 reads, the file's style's. Here they have a first number above
    12 twice and a second once; the iOS lines pasted in had a second twice more, which outnumbered them: the file was
    read month first, its first message skipped as a line before the first message, and the notice counted lines
    kept as text (the pasted ones would have been text in either order). Its own headers' dates contradict both
    orders: with no order given, refused, counting those alone; --date-order dmy reads them, the pasted lines text."""
    chat = write(
        tmp_path / "WhatsApp Chat with Sam Client.txt",
        "25/03/2024, 09:01 - Sam Client: a\n03/26/2024, 09:02 - Alex Owner: b\n[03/27/2024, 10:00:00] Someone: x\n"
        "26/03/2024, 09:03 - Sam Client: c\n[03/28/2024, 10:00:00] Someone: y\n",
    )
    with pytest.raises(ImportFailed) as refused:
        records(chat)
    assert refused.value.reason == (
        "2 header dates have a first number above 12 (the first, 25/03/2024, at line 1), 1 a second one (03/26/2024, at"
        " line 2): each date order reads some of them as messages and not the others (kept as text of the message"
        " before them, or skipped where they come before the first message); import the file with --date-order dmy to"
        " read the 2 as messages, or with --date-order mdy to read the 1; the order given is remembered for this chat"
    )
    assert records(chat, date_order="dmy")[:2] == [
        Notice(
            "WhatsApp Chat with Sam Client.txt: 2 lines look like message headers of another style than the file's 3"
            " headers (the first, '[03/27/2024, 10:00:00]', at line 3; the first of the file's: '25/03/2024, 09:01 -',"
            " at line 1): they were kept as text of the message before them (an export writes every header in one style)"
        ),
        Notice(
            "WhatsApp Chat with Sam Client.txt: 1 line looks like a message header but its date is impossible in"
            " --date-order dmy (at line 2): it was kept as text of the message before it"
        ),
    ]
    assert [row(m) for m in messages(chat, date_order="dmy")] == [
        (
            "line 1",
            "2024-03-25T13:01:00.000Z",
            "in",
            "Sam Client",
            "a\n03/26/2024, 09:02 - Alex Owner: b\n[03/27/2024, 10:00:00] Someone: x",
            [],
            [],
            "message",
            None,
        ),
        (
            "line 4",
            "2024-03-26T13:03:00.000Z",
            "in",
            "Sam Client",
            "c\n[03/28/2024, 10:00:00] Someone: y",
            [],
            [],
            "message",
            None,
        ),
    ]


def test_a_date_order_the_files_own_headers_disprove_is_refused_whatever_lines_of_another_style_fit(tmp_path):
    """--date-order mdy where every header of the file's style (Android's dash) is impossible so, and only a line of
    another style (iOS's bracket), which pass 2 reads in no order, fits it: the dates disprove it, and it is refused
    with the order they prove (it was taken for a choice between two contradicted readings, and no line was read)."""
    chat = write(
        tmp_path / "WhatsApp Chat with Sam Client.txt",
        "25/03/2024, 09:01 - Sam Client: hi\n26/03/2024, 09:02 - Alex Owner: ok\n[03/27/2024, 10:00:00] Sam Client: x\n",
    )
    with pytest.raises(ImportFailed) as refused:
        records(chat, date_order="mdy")
    assert str(refused.value) == (
        f"{chat}: --date-order mdy contradicts the file's dates: 2 header dates are impossible as month/day/year (the"
        " first, 25/03/2024, at line 1) and none as day/month/year; pass --date-order dmy, the order they prove, or"
        " leave --date-order out"
    )


def test_a_year_first_chat_counts_and_advises_on_its_own_styles_headers_only(tmp_path):
    """A year-first chat with a header written day first and an iOS line written day first: the notice counted the
    iOS line among the header dates written day or month first, named it first, and advised --date-order dmy to read
    it as a message, which reads no line of another style. The refusal (no order given) counts and names the file's
    own style's header only; with --date-order ymd, each is named for what it is."""
    chat = write(
        tmp_path / "WhatsApp Chat with Sam Client.txt",
        "2024-03-12, 09:01 - Sam Client: a\n2024-03-13, 09:02 - Alex Owner: b\n[24/03/2024, 10:00:00] Someone: quoted\n"
        "25/03/2024, 14:02 - Sam Client: c\n2024-03-26, 09:00 - Sam Client: d\n",
    )
    with pytest.raises(ImportFailed) as refused:
        records(chat)
    assert refused.value.reason == (
        "3 of its 4 header dates are written year first, 1 day or month first (25/03/2024, at line 4): whether that"
        " line is a message is the date order's choice; import the file with --date-order dmy, the order its date"
        " proves, to read it as a message, or with --date-order ymd to keep it as text of the message before it (as"
        " this chat's other headers write the year first); the order given is remembered for this chat"
    )
    got = records(chat, date_order="ymd")
    assert got[:2] == [
        Notice(
            "WhatsApp Chat with Sam Client.txt: 1 line looks like a message header of another style than the file's 4"
            " headers ('[24/03/2024, 10:00:00]', at line 3; the first of the file's: '2024-03-12, 09:01 -', at line 1):"
            " it was kept as text of the message before it (an export writes every header in one style)"
        ),
        Notice(
            "WhatsApp Chat with Sam Client.txt: dates read as year/month/day, as --date-order ymd said and as 3 of its 4"
            " header dates are written; the other is written day or month first (25/03/2024, at line 4): it was kept as"
            " text of the message before it"
        ),
    ]
    assert [row(m)[:5] for m in records(chat, date_order="dmy") if isinstance(m, Message)] == [
        ("line 1", "2024-03-12T13:01:00.000Z", "in", "Sam Client", "a"),
        ("line 2", "2024-03-13T13:02:00.000Z", "out", "Alex Owner", "b\n[24/03/2024, 10:00:00] Someone: quoted"),
        ("line 4", "2024-03-25T18:02:00.000Z", "in", "Sam Client", "c"),
        ("line 5", "2024-03-26T13:00:00.000Z", "in", "Sam Client", "d"),
    ]


def test_a_dated_attachment_name_on_a_line_of_another_style_is_no_evidence_of_the_order(tmp_path):
    """Dates that read either way, and a dated attachment name only on a pasted line of another style (text of a
    message, its header no header of this chat): the order rested on it as though its header were one."""
    chat = write(
        tmp_path / "WhatsApp Chat with Sam Client.txt",
        "03/04/2024, 09:01 - Sam Client: hi\n[04/03/2024, 08:00:00] Someone: IMG-20240403-WA0001.jpg (file attached)\n"
        "05/04/2024, 09:02 - Alex Owner: ok\n",
    )
    assert records(chat)[:2] == [
        Notice(
            "WhatsApp Chat with Sam Client.txt: 1 line looks like a message header of another style than the file's 2"
            " headers ('[04/03/2024, 08:00:00]', at line 2; the first of the file's: '03/04/2024, 09:01 -', at line 1):"
            " it was kept as text of the message before it (an export writes every header in one style)"
        ),
        Notice(
            "WhatsApp Chat with Sam Client.txt: nothing in the file tells day/month from month/day order (no header date"
            " has a number above 12, the dates advance alike in both orders, no dated attachment name fits one order"
            " only); dates were read as month/day/year (the usual order for region US); pass --date-order dmy if that"
            " is wrong",
            kind="assumption",
        ),
    ]


def test_a_line_of_another_style_whose_date_goes_back_does_not_choose_the_order(tmp_path):
    """Dates that read either way and advance alike in both orders, and a pasted iOS line at the end whose date goes
    back read day first: the dates were counted as advancing better month first, and every message read so, its
    dates moved by the line of another style, which is text in either order. The region's order, as with no such line."""
    chat = write(
        tmp_path / "WhatsApp Chat with Sam Client.txt",
        "01/02/2024, 09:01 - Sam Client: a\n01/03/2024, 09:02 - Alex Owner: b\n02/03/2024, 09:03 - Sam Client: c\n"
        "[12/01/2024, 10:00:00] Someone: pasted\n",
    )
    got = records(chat, tz="Europe/Berlin", region="DE")
    assert got[:2] == [
        Notice(
            "WhatsApp Chat with Sam Client.txt: 1 line looks like a message header of another style than the file's 3"
            " headers ('[12/01/2024, 10:00:00]', at line 4; the first of the file's: '01/02/2024, 09:01 -', at line 1):"
            " it was kept as text of the message before it (an export writes every header in one style)"
        ),
        Notice(
            "WhatsApp Chat with Sam Client.txt: nothing in the file tells day/month from month/day order (no header date"
            " has a number above 12, the dates advance alike in both orders, no dated attachment name fits one order"
            " only); dates were read as day/month/year (the usual order for region DE); pass --date-order mdy if that"
            " is wrong",
            kind="assumption",
        ),
    ]
    assert [row(m) for m in got[2:]] == [
        ("line 1", "2024-02-01T08:01:00.000Z", "in", "Sam Client", "a", [], [], "message", None),
        ("line 2", "2024-03-01T08:02:00.000Z", "out", "Alex Owner", "b", [], [], "message", None),
        (
            "line 3",
            "2024-03-02T08:03:00.000Z",
            "in",
            "Sam Client",
            "c\n[12/01/2024, 10:00:00] Someone: pasted",
            [],
            [],
            "message",
            None,
        ),
    ]


SAM_TRUNCATED_REASON = (
    "line 4: the export ends in the middle of a message header ('12/03/2024, 0'): "
    "the file looks truncated; export the chat again"
)


def test_a_truncated_export_is_refused(tmp_path):
    """The cut line used to be glued to the message before it: the complete export then added that message again."""
    cut = tmp_path / SAM.name
    cut.write_bytes(SAM.read_bytes()[:300])
    assert cut.read_bytes().endswith(b"draft.\n12/03/2024, 0")
    with pytest.raises(ImportFailed) as failed:
        records(cut)
    assert failed.value.reason == SAM_TRUNCATED_REASON


def test_a_truncated_chat_in_a_zip_is_refused(tmp_path):
    source = tmp_path / "source"
    shutil.copytree(JORDAN_SOURCE, source)
    chat = source / "_chat.txt"
    text = chat.read_bytes()
    chat.write_bytes(text[: text.index(b"[20.03.24, 10:00:30") + len(b"[20.03.24, 10:0")])
    zipped = build_zip(source, tmp_path / JORDAN_ZIP.name)
    with pytest.raises(ImportFailed) as failed:
        records(zipped)
    assert failed.value.reason == (
        "line 5: the export ends in the middle of a message header ('[20.03.24, 10:0'): "
        "the file looks truncated; export the chat again"
    )


@pytest.mark.parametrize(
    "tail, line",
    [
        ("12/03/2024", "12/03/2024"),
        ("12/03/2024, 09:1", "12/03/2024, 09:1"),
        ("12/03/2024, 09:13 -", "12/03/2024, 09:13 -"),
        ("12/03/2024, 09:13 - ", "12/03/2024, 09:13 - "),  # the header whole, not a word of the message
        ("12/03/2024, 09:13 - Sam Cl", "12/03/2024, 09:13 - Sam Cl"),  # cut inside the sender's name
        ("12/03/2024, 09:13 - Sam Client:", "12/03/2024, 09:13 - Sam Client:"),
        ("\r\n12/", "12/"),
    ],
)
def test_an_export_cut_anywhere_in_a_header_is_refused(tmp_path, tail, line):
    chat = write(
        tmp_path / SAM.name,
        "12/03/2024, 09:01 - Sam Client: hi\n12/03/2024, 09:02 - Alex Owner: hello"
        + ("\n" if tail[:1] != "\r" else "")
        + tail,
    )
    with pytest.raises(ImportFailed) as failed:
        records(chat)
    assert failed.value.reason == (
        f"line 3: the export ends in the middle of a message header ({line!r}): "
        "the file looks truncated; export the chat again"
    )


@pytest.mark.parametrize(
    "tail, body",
    [
        ("12/03/2024, 09:13 - Sam Client: ok", None),  # a whole message, no final line break
        ("12/03/2024, 09:13 - Sam Client: 12/03/2024, 0", None),
        ("see you at", "hello\nsee you at"),  # a line of the message before
        ("12", "hello\n12"),  # digits alone are as likely text as a cut date
        ("12/03/2024 is the date", "hello\n12/03/2024 is the date"),
        ("[12/03/2024, 09:1", "hello\n[12/03/2024, 09:1"),  # a header of another style is text
    ],
)
def test_an_export_without_a_final_line_break_ending_in_text_is_accepted(tmp_path, tail, body):
    chat = write(
        tmp_path / SAM.name, "12/03/2024, 09:01 - Sam Client: hi\n12/03/2024, 09:02 - Alex Owner: hello\n" + tail
    )
    got = messages(chat)
    if body is None:
        assert [m.body for m in got] == ["hi", "hello", tail.split(": ", 1)[1]]
    else:
        assert [m.body for m in got] == ["hi", body]


def test_cli_a_truncated_export_fails_and_the_archive_is_unchanged(cli, archive, tmp_path):
    before = snapshot(archive)
    cut = tmp_path / SAM.name
    cut.write_bytes(SAM.read_bytes()[:300])
    result = cli("import", cut, "--quiet")
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [f"Error: {cut}: {SAM_TRUNCATED_REASON}"]
    assert snapshot(archive) == before
    whole = cli("import", SAM, "--json")
    assert json.loads(whole.output)[0]["added"] == 15


# -- media no line names exactly (issue 13, point 7) -------------------------------------------------

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000")
ANDROID_MEDIA_CHAT = (
    "22/09/2023, 10:00 - Sam Client: IMG-20230922-WA0006.jpg (file attached)\nSigned copy\n"
    "22/09/2023, 10:01 - Alex Owner: PTT-20230922-WA0007.opus (file attached)\n"
    "22/09/2023, 10:02 - Sam Client: thanks\n"
)


def android_export(tmp_path: Path, files: dict[str, bytes], *, zipped: bool = True) -> Path:
    """An Android export of ANDROID_MEDIA_CHAT with `files` beside its chat text: zipped, or an export folder."""
    folder = tmp_path / "WhatsApp Chat with Sam Client"
    folder.mkdir()
    write(folder / "WhatsApp Chat with Sam Client.txt", ANDROID_MEDIA_CHAT)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return build_zip(folder, tmp_path / "WhatsApp Chat with Sam Client.zip") if zipped else folder


@pytest.mark.parametrize("zipped", [True, False], ids=["zip", "folder"])
def test_media_named_with_an_extension_the_phone_added_are_the_files_the_lines_name(tmp_path, zipped):
    export = android_export(
        tmp_path, {"IMG-20230922-WA0006.jpg.png": PNG, "PTT-20230922-WA0007.opus.ogg": b"OggS voice"}, zipped=zipped
    )
    got = records(export)
    assert [row(m) for m in got if isinstance(m, Message)] == [
        (
            "line 1",
            "2023-09-22T14:00:00.000Z",
            "in",
            "Sam Client",
            "Signed copy",
            [],
            [("IMG-20230922-WA0006.jpg.png", "image/png", PNG, None)],
            "message",
            None,
        ),
        (
            "line 3",
            "2023-09-22T14:01:00.000Z",
            "out",
            "Alex Owner",
            "",
            [],
            [("PTT-20230922-WA0007.opus.ogg", "audio/ogg", b"OggS voice", None)],
            "message",
            None,
        ),
        ("line 4", "2023-09-22T14:02:00.000Z", "in", "Sam Client", "thanks", [], [], "message", None),
    ]
    assert [r for r in got if not isinstance(r, Message)] == [
        Notice(
            f"{export.name}: 2 attachments found under the name the chat gives plus an extension the phone added "
            "(line 1 names 'IMG-20230922-WA0006.jpg', the file is 'IMG-20230922-WA0006.jpg.png'; "
            "line 3 names 'PTT-20230922-WA0007.opus', the file is 'PTT-20230922-WA0007.opus.ogg')",
            kind="assumption",
        )
    ]
    # identity: as without the files (the same export as a lone text, media left out)
    alone = write(tmp_path / "WhatsApp Chat with Sam Client.txt", ANDROID_MEDIA_CHAT)
    assert [m.identity for m in got if isinstance(m, Message)] == [m.identity for m in messages(alone)]


def test_beside_a_lone_chat_text_a_converted_file_is_found_and_nothing_else_is_taken(tmp_path):
    folder = tmp_path / "Downloads"
    folder.mkdir()
    chat = write(folder / "WhatsApp Chat with Sam Client.txt", ANDROID_MEDIA_CHAT)
    (folder / "IMG-20230922-WA0006.jpg.png").write_bytes(PNG)
    (folder / "holiday.jpg").write_bytes(JPEG)  # anybody's: a lone chat text does not own its folder
    got = records(chat)
    assert [row(m)[6] for m in got if isinstance(m, Message)] == [
        [("IMG-20230922-WA0006.jpg.png", "image/png", PNG, None)],
        [("PTT-20230922-WA0007.opus", "audio/ogg", None, "file not found beside the chat text")],
        [],
    ]
    assert [type(r).__name__ for r in got if not isinstance(r, Message)] == ["Notice"]


def test_two_files_that_could_be_the_one_a_line_names_are_neither_taken_and_both_kept(tmp_path):
    export = android_export(
        tmp_path, {"IMG-20230922-WA0006.jpg.png": PNG, "IMG-20230922-WA0006.jpg.webp": b"RIFF webp"}
    )
    got = records(export)
    conversation = got[0].conversation
    assert [row(m)[6] for m in got if isinstance(m, Message)] == [
        [
            (
                "IMG-20230922-WA0006.jpg",
                "image/jpeg",
                None,
                "not in the zip under this name; 2 files are this name with one more extension "
                "('IMG-20230922-WA0006.jpg.png', 'IMG-20230922-WA0006.jpg.webp'): none was taken",
            )
        ],
        [("PTT-20230922-WA0007.opus", "audio/ogg", None, "not in the zip")],
        [],
    ]
    assert [r for r in got if not isinstance(r, Message)] == [
        ChatFile(conversation, "IMG-20230922-WA0006.jpg.png", "image/png", PNG, "IMG-20230922-WA0006.jpg.png"),
        ChatFile(
            conversation, "IMG-20230922-WA0006.jpg.webp", "image/webp", b"RIFF webp", "IMG-20230922-WA0006.jpg.webp"
        ),
        ChatFilesNamed(export.name, ("IMG-20230922-WA0006.jpg.png", "IMG-20230922-WA0006.jpg.webp")),
    ]


@pytest.mark.parametrize("zipped", [True, False], ids=["zip", "folder"])
def test_files_no_line_names_are_kept_as_files_of_the_chat_and_litter_is_accounted_for(tmp_path, zipped):
    files = {
        "IMG-20230922-WA0006.jpg": JPEG,
        "IMG-20230921-WA0001.jpg": b"\xff\xd8 earlier",
        "Lease.pdf": b"%PDF-1.4 lease",
        ".DS_Store": b"\x00\x00\x00\x01Bud1",
        "._IMG-20230922-WA0006.jpg": b"\x00\x05\x16\x07",
    }
    export = android_export(tmp_path, files, zipped=zipped)
    got = records(export)
    conversation = got[0].conversation
    assert [row(m)[6] for m in got if isinstance(m, Message)] == [
        [("IMG-20230922-WA0006.jpg", "image/jpeg", JPEG, None)],
        [
            (
                "PTT-20230922-WA0007.opus",
                "audio/ogg",
                None,
                "not in the zip" if zipped else "file not found beside the chat text",
            )
        ],
        [],
    ]
    assert [r for r in got if not isinstance(r, Message)] == [
        ChatFile(conversation, "IMG-20230921-WA0001.jpg", "image/jpeg", b"\xff\xd8 earlier", "IMG-20230921-WA0001.jpg"),
        ChatFile(conversation, "Lease.pdf", "application/pdf", b"%PDF-1.4 lease", "Lease.pdf"),
        Skipped(
            "left by the program that zipped or unzipped the export (__MACOSX, .DS_Store, ._…), not part of it",
            ".DS_Store",
        ),
        Skipped(
            "left by the program that zipped or unzipped the export (__MACOSX, .DS_Store, ._…), not part of it",
            "._IMG-20230922-WA0006.jpg",
        ),
        ChatFilesNamed(export.name, ("IMG-20230921-WA0001.jpg", "Lease.pdf")),
    ]


def test_files_no_message_names_are_stored_once_and_the_transcript_lists_them(cli, archive, tmp_path):
    export = android_export(tmp_path, {"IMG-20230922-WA0006.jpg": JPEG, "IMG-20230921-WA0001.jpg": b"\xff\xd8 earlier"})
    first = cli("import", export, "--json")
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)[0]["warnings"] == [
        f"{export.name}: 1 file in the export named by no message ('IMG-20230921-WA0001.jpg'): kept as files of the chat, "
        "with no time or sender; transcripts list them at the end",
        f"{export.name}: 1 attachment is not in the archive (#1.2 PTT-20230922-WA0007.opus): 1 not in the zip; export"
        " the chat again with media and import it to fill it in",
    ]
    sha = hashlib.sha256(b"\xff\xd8 earlier").hexdigest()

    def stored():
        return [
            tuple(r)
            for r in archive.conn.execute(
                "SELECT c.title, f.file_name, f.mime, f.blob_sha256, f.import_id, b.size, b.data FROM conversation_files f"
                " JOIN conversations c ON c.id = f.conversation_id JOIN blobs b ON b.sha256 = f.blob_sha256"
            )
        ]

    assert stored() == [("Sam Client", "IMG-20230921-WA0001.jpg", "image/jpeg", sha, 1, 10, b"\xff\xd8 earlier")]
    before = snapshot(archive)
    again = cli("import", export, "--json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)[0]["added"] == 0
    after = snapshot(archive)
    for table in after:
        if table not in ("imports", "message_sources", "audit_log"):
            assert after[table] == before[table], table

    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed")
    import subprocess

    for args in (
        ["client", "add", "Sam Client", "--phone", "(202) 555-0143"],
        ["matter", "open", "2026-020", "--client", "Sam Client", "--title", "Lease"],
        ["file", "1", "--matter", "2026-020"],
        ["transcript", "2026-020", "--out", tmp_path / "t.pdf"],
    ):
        result = cli(*args)
        assert result.exit_code == 0, result.output
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "t.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    section = " ".join(text[text.index("Files in the export that no message names") :].split())
    listed, footer = section.split(" sha256 ")
    assert listed == (
        "Files in the export that no message names The exports held these files, but no message names them: nothing says when "
        "or by whom they were sent. They are listed, not shown, whatever the transcript's window. Conversation 1: Sam Client "
        "IMG-20230921-WA0001.jpg, image/jpeg, 10 bytes,"
    )
    assert footer.replace(" ", "").startswith(sha + "Page2of2")  # (the sha256 may wrap)


# -- day/month order from what the file itself says (issue 13, point 8) -----------------------------------


@pytest.mark.parametrize(
    "lines, evidence",
    [
        # Android: the day the phone saved the file; a message a minute before midnight, saved after it
        (
            [
                "09/10/23, 10:00 - Pat: IMG-20231009-WA0001.jpg (file attached)",
                "09/10/23, 23:59 - Pat: VID-20231010-WA0002.mp4 (file attached)",
                "10/10/23, 08:00 - Alex Owner: ok",
            ],
            "2 names: 'IMG-20231009-WA0001.jpg' at line 1, header date 09/10/23; 'VID-20231010-WA0002.mp4' at line 2, header date 09/10/23",
        ),
        # iOS: the message's own time
        (
            [
                "[09/10/23, 10:00:00] Pat: \u200e<attached: 00000001-PHOTO-2023-10-09-10-00-00.jpg>",
                "[09/10/23, 23:59:00] Pat: caption \u200e<attached: 00000002-AUDIO-2023-10-09-23-59-00.opus>",
                "[10/10/23, 08:00:00] Alex Owner: ok",
            ],
            "2 names: '00000001-PHOTO-2023-10-09-10-00-00.jpg' at line 1, header date 09/10/23; '00000002-AUDIO-2023-10-09-23-59-00.opus' at "
            "line 2, header date 09/10/23",
        ),
    ],
    ids=["android", "ios"],
)
def test_dated_attachment_names_settle_the_day_month_order(tmp_path, lines, evidence):
    chat = write(tmp_path / "WhatsApp Chat with Pat.txt", "\n".join(lines) + "\n")
    got = records(chat)  # region US: month first, were nothing to tell
    assert got[0] == Notice(
        "WhatsApp Chat with Pat.txt: dates read as day/month/year: no header date has a number above 12, and the dated attachment "
        f"names fit that order only ({evidence}); pass --date-order mdy if that is wrong",
        kind="assumption",
    )
    assert [(times.to_iso(m.sent_at), m.sender.handle, [a.file_name for a in m.attachments]) for m in got[1:]] == [
        ("2023-10-09T14:00:00.000Z", "Pat", [evidence.split("'")[1]]),
        ("2023-10-10T03:59:00.000Z", "Pat", [evidence.split("'")[3]]),
        ("2023-10-10T12:00:00.000Z", "Alex Owner", []),
    ]


def test_attachment_names_that_disagree_settle_nothing_and_the_notice_says_so(tmp_path):
    chat = write(
        tmp_path / "WhatsApp Chat with Pat.txt",
        "09/10/23, 10:00 - Pat: IMG-20231009-WA0001.jpg (file attached)\n09/10/23, 10:05 - Alex Owner: ok\n"
        "09/10/23, 10:10 - Pat: IMG-20230910-WA0002.jpg (file attached)\n",
    )
    got = records(chat)
    assert got[0] == Notice(
        "WhatsApp Chat with Pat.txt: dates read as month/day/year, the usual order for region US: no header date has a number above 12, "
        "the dates advance alike in both orders, its dated attachment names disagree (day/month/year fits 1 name: "
        "'IMG-20231009-WA0001.jpg' at line 1, header date 09/10/23; month/day/year fits 1 name: 'IMG-20230910-WA0002.jpg' at line 3, "
        "header date 09/10/23); pass --date-order dmy if that is wrong",
        kind="assumption",
    )
    assert [times.to_iso(m.sent_at)[:10] for m in got[1:]] == ["2023-09-10"] * 3


@pytest.mark.parametrize("chunk", [None, 1, 5, 30])
def test_headers_that_contradict_each_other_name_the_lines(tmp_path, monkeypatch, chunk):
    if chunk:  # (the lines are counted chunk by chunk)
        monkeypatch.setattr(whatsapp.decoding, "CHUNK", chunk)
    chat = write(
        tmp_path / "WhatsApp Chat with Pat.txt",
        "01/02/24, 10:00 - Pat: a\n25/02/24, 10:00 - Pat: b\n26/02/24, 10:00 - Alex Owner: c\n02/27/24, 10:00 - Pat: d\n",
    )
    with pytest.raises(ImportFailed) as refused:
        records(chat)
    assert refused.value.reason == (
        "2 header dates have a first number above 12 (the first, 25/02/24, at line 2), 1 a second one (02/27/24, at"
        " line 4): each date order reads some of them as messages and not the others (kept as text of the message"
        " before them, or skipped where they come before the first message); import the file with --date-order dmy to"
        " read the 2 as messages, or with --date-order mdy to read the 1; the order given is remembered for this chat"
    )
    # a chat the archive holds: read before in the more dates' order, which reads alike what it archived
    with pytest.raises(ImportFailed) as refused_held:
        records(chat, chat_owners={"pat|alex owner": ("Alex Owner", 1)})
    assert refused_held.value.reason == refused.value.reason + (
        "; this chat is archived: before such a file was refused, an import given no order read it as day/month/year,"
        " and another order would archive again each message archived with such a line as its text"
    )
    got = records(
        chat, chat_date_orders={"pat|alex owner": ("dmy", "as --date-order dmy said for this chat in import 1")}
    )
    assert got[0] == Notice(
        "WhatsApp Chat with Pat.txt: dates read as day/month/year, as --date-order dmy said for this chat in import 1:"
        " 2 header dates have a first number above 12 (the first, 25/02/24, at line 2), 1 a second one (02/27/24, at"
        " line 4); the 1 that fits only month/day/year: it was kept as text of the message before it"
    )
    assert [(times.to_iso(m.sent_at)[:10], m.body) for m in got[1:]] == [
        ("2024-02-01", "a"),
        ("2024-02-25", "b"),
        ("2024-02-26", "c\n02/27/24, 10:00 - Pat: d"),
    ]


# -- through the archive -------------------------------------------------------------------------


def test_import_twice_adds_nothing_the_second_time(archive):
    from textfile.ingest import import_path

    first = import_path(archive, SAM)
    assert (first.added, first.already_present, first.format) == (15, 0, "whatsapp")
    before = snapshot(archive)
    second = import_path(archive, SAM)
    assert (second.added, second.already_present, second.updated) == (0, 15, 0)
    after = snapshot(archive)
    for table in after:
        if table not in ("imports", "message_sources", "audit_log"):
            assert after[table] == before[table], table


def test_next_weeks_longer_export_adds_only_the_new_messages(archive, tmp_path):
    from textfile.ingest import import_path

    import_path(archive, SAM)
    (tmp_path / "IMG-20240312-WA0001.jpg").write_bytes(JPEG)  # the export's media, beside it as before
    longer = tmp_path / SAM.name
    longer.write_text(
        SAM.read_text(encoding="utf-8")
        + "19/03/2024, 10:00 - Sam Client: ok\n19/03/2024, 10:01 - Alex Owner: new week\n",
        encoding="utf-8",
    )
    result = import_path(archive, longer)
    assert (result.added, result.already_present, result.updated) == (2, 15, 0)
    assert archive.conn.execute("SELECT count(*) FROM conversations").fetchone()[0] == 1


def test_zip_media_are_stored_as_blobs_linked_by_name(archive):
    from textfile.ingest import import_path

    result = import_path(archive, JORDAN_ZIP)
    assert result.added == 6
    rows = archive.conn.execute(
        "SELECT a.file_name, a.mime, a.blob_sha256 IS NOT NULL, a.missing_reason, b.size FROM message_attachments a"
        " LEFT JOIN blobs b ON b.sha256 = a.blob_sha256 ORDER BY a.file_name"
    ).fetchall()
    assert [tuple(r) for r in rows] == [
        ("00000003-PHOTO-2024-03-20-10-00-10.jpg", "image/jpeg", 1, None, len(JPEG)),
        ("00000004-Contract.pdf", "application/pdf", 1, None, 31),
        ("00000005-AUDIO-2024-03-20-10-00-30.opus", "audio/ogg", 0, "not in the zip", None),
    ]


def test_assumption_is_recorded_on_the_import(archive):
    from textfile.ingest import import_path

    result = import_path(archive, WA / "WhatsApp Chat with Pat.txt")
    assert len(result.assumptions) == 1 and "month/day/year" in result.assumptions[0]
    stored = archive.conn.execute("SELECT assumptions FROM imports WHERE id = ?", (result.import_id,)).fetchone()[0]
    assert json.loads(stored) == result.assumptions


def test_cli_import_and_clean_errors(cli, archive, tmp_path):
    ok = cli("import", SAM, "--quiet")
    assert ok.exit_code == 0, ok.output
    before = snapshot(archive)
    bad = tmp_path / "junk.txt"
    bad.write_bytes(bytes(range(256)) * 8)
    failed = cli("import", bad, "--format", "whatsapp")
    assert failed.exit_code == 1
    assert f"Error: {bad}: not a WhatsApp chat export (binary data)" in failed.output
    # --me naming the person a chat between two people is with (it would be a second conversation of it, the
    # owner being part of the key, reversed): refused (tests/test_whatsapp_me.py)
    owner = cli("import", SAM, "--format", "whatsapp", "--me", "Sam Client", "--quiet")
    assert owner.exit_code == 1
    assert owner.output == (
        f"Error: {SAM}: --me 'Sam Client' names 'Sam Client', the person this chat is with (it is named after them):"
        " in a chat between two people you are the other sender; pass --me 'Alex Owner'\n"
    )
    assert snapshot(archive) == before


def test_cli_failure_leaves_the_archive_unchanged(cli, archive, tmp_path):
    before = snapshot(archive)
    chat = write(
        tmp_path / "WhatsApp Chat with Sam Client.txt",
        SAM.read_text(encoding="utf-8").replace("Alex Owner", "Alexandra"),
    )
    result = cli("import", chat)
    assert result.exit_code == 1
    assert "senders found: 'Alexandra', 'Sam Client'; pass --me NAME" in result.output
    assert snapshot(archive) == before


# -- conformance: real exports nobody on this project wrote ----------------------------------------

CORPUS_FILES = (
    sorted(p for p in (CORPUS / "whatsapp").rglob("*") if p.is_file() and p.suffix in (".txt", ".zip"))
    if (CORPUS / "whatsapp").exists()
    else []
)


@pytest.mark.skipif(not CORPUS_FILES, reason="../shared/corpus/whatsapp not present")
@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_corpus_file_imports_or_fails_cleanly(path):
    opts = options(tz="Europe/Berlin", region="DE", owner_name="Nobody In These Files")
    try:
        list(whatsapp.read(path, opts))
    except ImportFailed as failed:
        assert "\n" not in failed.reason
        if "senders found" not in failed.reason:
            raise
        # a well-formed export: it imports once we say who the owner is
        first = failed.reason.split("senders found: '", 1)[1].split("'", 1)[0]
        got = list(whatsapp.read(path, options(tz="Europe/Berlin", region="DE", owner_name="x", me=first)))
        msgs = [r for r in got if isinstance(r, Message)]
        assert msgs and any(m.direction == "out" for m in msgs)
        assert len({(m.conversation.source_key, m.identity) for m in msgs}) == len(msgs)


@pytest.mark.skipif(not (CORPUS / "whatsapp" / "chat-miner" / "target.json").exists(), reason="corpus not present")
@pytest.mark.parametrize(
    "name",
    [
        "test_ddmmyy_24hrs.txt",
        "test_mmddyy_24hrs.txt",
        "test_[mmddyy]_24hrs.txt",
        "test_yyyymmdd_24hrs.txt",
        "test_mmddyyyy_12hrs.txt",
    ],
)
def test_corpus_chat_miner_shapes_match_their_expected_parse(name):
    folder = CORPUS / "whatsapp" / "chat-miner"
    target = json.loads((folder / "target.json").read_text(encoding="utf-8"))
    got = messages(folder / name, me="John Doe", tz="UTC")
    ours = {
        (m.sent_at.strftime("%Y-%m-%dT%H:%M:%S"), m.sender.display_name, m.body.replace("\n", " "))
        for m in got
        if m.sender
    }
    for expected in target:
        assert (expected["timestamp"], expected["author"], expected["message"]) in ours


# -- damaged exports: import or fail cleanly, never crash ------------------------------------------


def test_damaged_exports_import_or_fail_cleanly(tmp_path):
    import random

    rng = random.Random(7)
    sources = sorted(p for p in WA.rglob("*") if p.is_file() and p.suffix in (".txt", ".zip"))
    inserts = [
        b"\n",
        b"\r\n",
        b": ",
        b" - ",
        b"[",
        b"]",
        "\u200e".encode(),
        "\u202f".encode(),
        b"12/13/2024, 25:61 - ",
        b"<Media omitted>",
        b"(file attached)",
        b"\x00",
        b"\xff",
    ]
    for n in range(80):
        source = sources[n % len(sources)]
        data = bytearray(source.read_bytes())
        for _ in range(rng.randint(1, 6)):
            if not data:
                break
            pos = rng.randrange(len(data))
            op = rng.random()
            if op < 0.35:
                data[pos] = rng.randrange(256)
            elif op < 0.55:
                del data[pos : pos + rng.randint(1, 40)]
            elif op < 0.8:
                data[pos:pos] = rng.choice(inserts)
            else:
                start = rng.randrange(len(data))
                data[pos:pos] = data[start : start + rng.randint(1, 120)]
        damaged = tmp_path / f"{n}" / source.name
        damaged.parent.mkdir()
        damaged.write_bytes(bytes(data))
        whatsapp.detect(damaged)  # never raises
        try:
            got = [m for m in whatsapp.read(damaged, options(me="Alex Owner")) if isinstance(m, Message)]
        except ImportFailed as failed:
            assert "\n" not in failed.reason
            continue
        identities = [m.identity for m in got]
        assert len(identities) == len(set(identities)), source.name


def test_cli_options_reach_the_importer(cli, archive):
    result = cli(
        "import",
        WA / "WhatsApp Chat with Pat.txt",
        "--date-order",
        "dmy",
        "--conversation",
        "Pat (tenant)",
        "--tz",
        "Europe/London",
        "--json",
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)[0]
    assert (report["format"], report["added"], report["assumptions"], report["zone"]) == (
        "whatsapp",
        3,
        [],
        "Europe/London",
    )
    rows = archive.conn.execute(
        "SELECT c.source_key, c.title, m.sent_at, m.source_zone FROM messages m JOIN conversations c ON c.id = m.conversation_id"
        " ORDER BY m.sent_at"
    ).fetchall()
    assert [tuple(r) for r in rows] == [
        ("pat (tenant)|alex owner", "Pat (tenant)", "2024-02-01T10:00:00.000Z", "Europe/London"),
        ("pat (tenant)|alex owner", "Pat (tenant)", "2024-02-01T11:00:00.000Z", "Europe/London"),
        ("pat (tenant)|alex owner", "Pat (tenant)", "2024-02-03T09:00:00.000Z", "Europe/London"),
    ]


def test_a_time_outside_the_calendar_fails_cleanly(tmp_path):
    """Year 1 in a zone east of UTC: 10:00 is still a UTC instant, 01:00 is not (it would be in
    year 0). The first imports; the second is a one-line error naming the line, never an OverflowError."""
    fits = tmp_path / "WhatsApp Chat with Bob.txt"
    fits.write_text("01/01/0001, 10:00 - Bob: hi\n01/01/0001, 11:00 - Alex Owner: yo\n")
    got = [r for r in records(fits, tz="Asia/Tokyo", me="Alex Owner") if isinstance(r, Message)]
    assert [times.to_iso(m.sent_at) for m in got] == ["0001-01-01T00:41:01.000Z", "0001-01-01T01:41:01.000Z"]
    too_early = tmp_path / "WhatsApp Chat with Bo.txt"
    too_early.write_text("01/01/0001, 01:00 - Bob: hi\n")
    with pytest.raises(ImportFailed, match="line 1: .* is outside the dates a clock can hold"):
        records(too_early, tz="Asia/Tokyo", me="Alex Owner")


def test_repeats_in_one_minute_are_counted_past_the_whole_key_limit(tmp_path, monkeypatch):
    """Within one time, the first RUN_KEYS keys are counted whole and the rest by digest: both
    must count the same (memory stays flat for a file written in one minute)."""
    monkeypatch.setattr(whatsapp.identity, "RUN_KEYS", 3)
    path = tmp_path / "WhatsApp Chat with Bob.txt"
    path.write_text(
        "".join(f"12/01/2020, 10:00 - Bob: text {n % 5}\n" for n in range(15)) + "12/01/2020, 10:01 - Bob: text 0\n"
    )
    got = [r.identity[2:] for r in records(path, me="Alex Owner") if isinstance(r, Message)]
    assert got == [(f"text {n % 5}", n // 5) for n in range(15)] + [("text 0", 0)]


def test_me_as_one_of_the_owners_numbers_is_for_a_phone_backup_and_the_chat_reads_as_without_it(tmp_path):
    # `archive INBOX --me +12025550100` with a WhatsApp chat and an Android backup in the inbox.
    from textfile.archive import Archive
    from textfile.errors import ImportFailed
    from textfile.ingest import import_path

    with Archive.create(
        tmp_path / "a.db",
        owner_name="Alex Owner",
        phones=["+12025550100"],
        emails=[],
        tz="America/New_York",
        region="US",
        bates_prefix="TF",
    ) as archive:
        chat = FIXTURES / "whatsapp" / "WhatsApp Chat with Pat.txt"
        with_number = import_path(archive, chat, me="+1 202 555 0100")
        again = import_path(archive, chat)
        assert (with_number.added, again.added, again.already_present) == (3, 0, 3)
        # The owner writing under another name: the safeguard of a chat without --me still holds.
        renamed = tmp_path / "WhatsApp Chat with Pat.txt"
        renamed.write_text(chat.read_text(encoding="utf-8").replace("Alex Owner:", "Alex:"), encoding="utf-8")
        with pytest.raises(ImportFailed, match="none of the senders is the archive's owner 'Alex Owner'"):
            import_path(archive, renamed, me="+12025550100")


# -- media the export left out: the kind it names is kept (walk report, defect 3) ------------------

OMITTED_IOS_CHAT = (
    "[3/14/25, 9:05:11\u202fAM] Sam Client: Hello\r\n"
    "\u200e[3/14/25, 9:05:20\u202fAM] Sam Client: \u200eimage omitted\r\n"
    "\u200e[3/14/25, 9:05:30\u202fAM] Sam Client: \u200evideo omitted\r\n"
    "\u200e[3/14/25, 9:05:40\u202fAM] Sam Client: \u200eaudio omitted\r\n"
    "\u200e[3/14/25, 9:05:50\u202fAM] Sam Client: \u200esticker omitted\r\n"
    "\u200e[3/14/25, 9:06:00\u202fAM] Sam Client: \u200eContact card omitted\r\n"
    "\u200e[3/14/25, 9:06:10\u202fAM] Sam Client: \u200eGIF omitted\r\n"
    "\u200e[3/14/25, 9:06:20\u202fAM] Sam Client: \u200edocument omitted\r\n"
    "\u200e[3/14/25, 9:06:30\u202fAM] Sam Client: Lease.pdf \u2022 3 pages \u200edocument omitted\r\n"
    "\u200e[3/14/25, 9:06:40\u202fAM] Sam Client: \u200eBild weggelassen\r\n"
    "\u200e[3/14/25, 9:06:50\u202fAM] Alex Owner: \u200eDokument weggelassen\r\n"
    "\u200e[3/14/25, 9:07:00\u202fAM] Sam Client: \u200eGIF \u091b\u094b\u095c\u093e \u0917\u092f\u093e\r\n"  # Hindi, "\u095c" precomposed
    "\u200e[3/14/25, 9:07:10\u202fAM] Sam Client: \u200e\u753b\u50cf\u306f\u542b\u307e\u308c\u3066\u3044\u307e\u305b\u3093\r\n"
    # the same words typed as a message (no mark before them): text, as it always was
    "[3/14/25, 9:07:20\u202fAM] Sam Client: \u753b\u50cf\u306f\u542b\u307e\u308c\u3066\u3044\u307e\u305b\u3093\r\n"
)


def test_omitted_media_keep_the_kind_the_export_names_and_its_words(tmp_path):
    chat = write(tmp_path / "WhatsApp Chat - Sam Client.txt", OMITTED_IOS_CHAT)
    got = [
        (m.source_ref, m.body, [(a.file_name, a.mime, a.data, a.missing_reason) for a in m.attachments])
        for m in messages(chat)
    ]
    assert got == [
        ("line 1", "Hello", []),
        ("line 2", "", [(None, None, None, 'image omitted by export (the export wrote "image omitted")')]),
        ("line 3", "", [(None, None, None, 'video omitted by export (the export wrote "video omitted")')]),
        ("line 4", "", [(None, None, None, 'audio omitted by export (the export wrote "audio omitted")')]),
        ("line 5", "", [(None, None, None, 'sticker omitted by export (the export wrote "sticker omitted")')]),
        (
            "line 6",
            "",
            [(None, None, None, 'contact card omitted by export (the export wrote "Contact card omitted")')],
        ),
        ("line 7", "", [(None, None, None, 'GIF omitted by export (the export wrote "GIF omitted")')]),
        ("line 8", "", [(None, None, None, 'document omitted by export (the export wrote "document omitted")')]),
        (
            "line 9",
            "Lease.pdf \u2022 3 pages",
            [
                (
                    "Lease.pdf",
                    "application/pdf",
                    None,
                    'document omitted by export (the export wrote "document omitted")',
                )
            ],
        ),
        ("line 10", "", [(None, None, None, 'image omitted by export (the export wrote "Bild weggelassen")')]),
        ("line 11", "", [(None, None, None, 'document omitted by export (the export wrote "Dokument weggelassen")')]),
        (
            "line 12",
            "",
            [
                (
                    None,
                    None,
                    None,
                    'GIF omitted by export (the export wrote "GIF \u091b\u094b\u095c\u093e \u0917\u092f\u093e")',
                )
            ],
        ),
        (
            "line 13",
            "",
            [
                (
                    None,
                    None,
                    None,
                    'image omitted by export (the export wrote "\u753b\u50cf\u306f\u542b\u307e\u308c\u3066\u3044\u307e\u305b\u3093")',
                )
            ],
        ),
        ("line 14", "\u753b\u50cf\u306f\u542b\u307e\u308c\u3066\u3044\u307e\u305b\u3093", []),
    ]
    android = write(
        tmp_path / "WhatsApp Chat with Sam Client.txt",
        "12/03/2024, 09:12 - Sam Client: <Media omitted>\n12/03/2024, 09:13 - Sam Client: <Medien ausgeschlossen>\nSigned\n"
        "12/03/2024, 09:14 - Alex Owner: ok\n",
    )
    assert [(m.body, [(a.file_name, a.mime, a.missing_reason) for a in m.attachments]) for m in messages(android)] == [
        (
            "",
            [
                (
                    None,
                    None,
                    'media omitted by export, which does not say what kind (the export wrote "<Media omitted>")',
                )
            ],
        ),
        (
            "Signed",
            [
                (
                    None,
                    None,
                    'media omitted by export, which does not say what kind (the export wrote "<Medien ausgeschlossen>")',
                )
            ],
        ),
        ("ok", []),
    ]


def test_an_archive_that_stored_omitted_media_without_their_kind_gains_nothing_from_the_same_export(archive, tmp_path):
    """Archives made before the kind was kept hold "omitted by export": the same export imported again
    adds nothing and changes no message, no content hash (the missing reason is not hashed)."""
    from dataclasses import replace

    from textfile.ingest import Source, import_path, ingest, source_digest

    chat = write(tmp_path / "WhatsApp Chat - Sam Client.txt", OMITTED_IOS_CHAT)
    size, sha = source_digest(chat)
    before_kinds = [
        replace(r, attachments=tuple(replace(a, missing_reason="omitted by export") for a in r.attachments))
        if isinstance(r, Message)
        else r
        for r in records(chat, owner_name="Alex Owner")
    ]
    ingest(
        archive,
        Source(str(chat), chat.name, size, sha, "whatsapp", "1", "America/New_York", "US", fold_edits=True),
        before_kinds,
    )
    before = snapshot(archive)
    assert {r[-1] for r in before["message_attachments"]} == {"omitted by export"}
    again = import_path(archive, chat)
    assert (again.added, again.already_present, again.updated, again.warnings) == (
        0,
        14,
        0,
        [
            f"{chat.name}: 12 attachments are not in the archive (the first #1.2, media omitted): 12 omitted by the"
            " export; export the chat again with media and import it to fill them in"
        ],
    )
    after = snapshot(archive)
    for table in after:
        if table not in ("imports", "message_sources", "audit_log"):
            assert after[table] == before[table], table


# -- bytes that are not text: read as U+FFFD and named, never the whole chat refused (walk report, defect 9) --

BAD_BYTES_CHAT = (
    b"12/03/2024, 09:01 - Sam Client: caf"
    + b"\xe9 au lait\n"  # Latin-1 "é", as a Windows editor saves it
    + "12/03/2024, 09:02 - Alex Owner: caf\u00e9 \U0001f600 ok\n".encode()  # valid UTF-8 stays as it is
    + b"12/03/2024, 09:03 - Sam Client: "
    + bytes(range(0xF0, 0x100))
    + b"\n"
    + b"12/03/2024, 09:04 - Sam Client: two lines\nand \xc3\x28 a broken pair, \xe2\x82 a cut one\n"
    + b"".join(b"12/03/2024, 09:%02d - Sam Client: x\x80\n" % minute for minute in range(5, 10))
)


def test_bytes_that_are_not_utf8_are_read_as_u_fffd_and_each_line_is_named(tmp_path, archive):
    from textfile.ingest import import_path

    chat = tmp_path / "WhatsApp Chat with Sam Client.txt"
    chat.write_bytes(BAD_BYTES_CHAT)
    got = records(chat)
    assert got[0] == Notice(
        "WhatsApp Chat with Sam Client.txt: 25 bytes that are not UTF-8 text, each read as U+FFFD (transcripts mark it where it stands):"
        " line 1 (0xe9); line 3 (0xf0 0xf1 0xf2 0xf3 0xf4 0xf5 0xf6 0xf7 …); line 5 (0xc3 0xe2 0x82); line 6 (0x80); line 7 (0x80);"
        " and on 3 more lines."
        " WhatsApp writes UTF-8: another program re-saved this file, or it is damaged; which characters were meant is not guessed,"
        " and the import's sha256 identifies the bytes as they are"
    )
    assert [(m.source_ref, m.body) for m in got if isinstance(m, Message)] == [
        ("line 1", "caf\ufffd au lait"),
        ("line 2", "caf\u00e9 \U0001f600 ok"),
        ("line 3", "\ufffd" * 16),
        ("line 4", "two lines\nand \ufffd( a broken pair, \ufffd\ufffd a cut one"),
        *((f"line {n}", "x\ufffd") for n in range(6, 11)),
    ]
    first = import_path(archive, chat)
    assert (first.added, first.warnings) == (9, [got[0].text])
    again = import_path(archive, chat)  # the same text as read, the same identities
    assert (again.added, again.already_present) == (0, 9)


@pytest.mark.parametrize("chunk", [None, 7, 1000, 8191])
@pytest.mark.parametrize("zipped", [False, True], ids=["txt", "zip"])
def test_undecodable_bytes_read_the_same_wherever_the_reads_cut_the_text(tmp_path, monkeypatch, chunk, zipped):
    """The chat is read in pieces (`whatsapp.CHUNK` characters, the decoder's 8 KiB): a character or an
    undecodable sequence cut by a piece's end reads as when the file is decoded whole."""
    pieces = [
        b"caf\xc3\xa9 ",
        "\U0001f600".encode(),
        b" \xe2\x82 cut",
        b" \xe9",
        b" \xf0\x9f\x98 three of four",
        b"\r\nsecond line \xff",
    ]
    bodies, lines = [], []
    for n in range(600):
        body = b"".join(pieces[(n + k) % len(pieces)] for k in range(n % 4 + 1)) + b"x" * (n % 13)
        lines.append(
            b"12/03/2024, %02d:%02d - %s: %s" % (n // 60, n % 60, b"Sam Client" if n % 3 else b"Alex Owner", body)
        )
        bodies.append(
            re.sub("[\udc80-\udcff]", "\ufffd", body.decode("utf-8", "surrogateescape")).replace("\r\n", "\n").rstrip()
        )
    raw = b"\n".join(lines) + b"\n"
    chat = tmp_path / "WhatsApp Chat with Sam Client.txt"
    chat.write_bytes(raw)
    if zipped:
        chat = tmp_path / "WhatsApp Chat - Sam Client.zip"
        with zipfile.ZipFile(chat, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("_chat.txt", raw)
    if chunk:
        monkeypatch.setattr(whatsapp.decoding, "CHUNK", chunk)
    got = records(chat)
    assert [m.body for m in got if isinstance(m, Message)] == bodies
    # where the bytes are, found line by line (a line break ends any sequence)
    bad = {
        n: [ord(c) - 0xDC00 for c in re.findall("[\udc80-\udcff]", line.decode("utf-8", "surrogateescape"))]
        for n, line in enumerate(raw.split(b"\n"), 1)
    }
    bad = {n: values for n, values in bad.items() if values}
    shown = "; ".join(f"line {n} ({' '.join(f'0x{b:02x}' for b in values)})" for n, values in list(bad.items())[:5])
    assert got[0] == Notice(
        f"{chat.name}: {sum(map(len, bad.values()))} bytes that are not UTF-8 text, each read as U+FFFD (transcripts mark it where it"
        f" stands): {shown}; and on {len(bad) - 5} more lines. WhatsApp writes UTF-8: another program re-saved this file, or it is"
        " damaged; which characters were meant is not guessed, and the import's sha256 identifies the bytes as they are"
    )


def test_utf16_units_that_are_not_text_are_read_as_u_fffd(tmp_path):
    chat = tmp_path / "WhatsApp Chat with Sam Client.txt"
    chat.write_bytes(
        "12/03/2024, 09:01 - Sam Client: a\ud800b\n13/03/2024, 09:02 - Alex Owner: ok\n".encode(
            "utf-16", "surrogatepass"
        )
    )
    got = records(chat)
    assert got[0].text.startswith(
        "WhatsApp Chat with Sam Client.txt: 2 bytes that are not UTF-16 text, each read as U+FFFD"
        " (transcripts mark it where it stands): line 1 (0x00 0xd8). WhatsApp writes UTF-16:"
    )
    assert [m.body for m in got if isinstance(m, Message)] == ["a\ufffd\ufffdb", "ok"]


# -- times a DST change made impossible or ambiguous are said at import (walk report, defect 10) -----


def test_the_import_says_how_each_time_a_dst_change_left_open_was_read(cli, archive, tmp_path):
    chat = write(
        tmp_path / "WhatsApp Chat with Sam Client.txt",
        "".join(
            [
                "[2/28/25, 9:00:00\u202fPM] Sam Client: before\r\n",
                "[3/9/25, 2:30:00\u202fAM] Sam Client: in the gap\r\n",
            ]
            + [
                f"[11/2/25, 1:{minute:02d}:00\u202fAM] Sam Client: in the overlap {minute}\r\n"
                for minute in range(0, 60, 10)
            ]
            + ["[11/2/25, 10:05:00\u202fAM] Alex Owner: Noted.\r\n"]
        ),
    )
    notice = (
        "WhatsApp Chat with Sam Client.txt: 7 times as written did not exist or occurred twice in America/New_York (daylight"
        " saving time): 1 did not exist (the clocks jumped forward) and was read with the offset before the change: line 2"
        ' (written "3/9/25, 2:30:00\u202fAM", read as 2025-03-09 03:30:00 -04:00); 6 occurred twice (the clocks went back) and'
        ' were read as the first of the two: line 3 (written "11/2/25, 1:00:00\u202fAM", read as 2025-11-02 01:00:00 -04:00),'
        ' line 4 (written "11/2/25, 1:10:00\u202fAM", read as 2025-11-02 01:10:00 -04:00), line 5 (written "11/2/25,'
        ' 1:20:00\u202fAM", read as 2025-11-02 01:20:00 -04:00), line 6 (written "11/2/25, 1:30:00\u202fAM", read as'
        ' 2025-11-02 01:30:00 -04:00), line 7 (written "11/2/25, 1:40:00\u202fAM", read as 2025-11-02 01:40:00 -04:00), and 1 more'
    )
    done = cli("import", chat)
    assert done.exit_code == 0, done.output
    assert done.output == (
        f"{chat}: whatsapp, added 9, already present 0, updated 0, skipped 0\n{ZONE_SAID}  assumed: {notice}\n"
        "1 conversation of this export waits to be filed: 1 (textfile conversations --unfiled; textfile file N --matter REF,"
        " or textfile conversation ignore N)\n"
    )
    again = cli("import", chat, "--json")
    [report] = json.loads(again.stdout)
    assert (report["added"], report["assumptions"], report["warnings"]) == (0, [notice], [])
    assert json.loads(archive.conn.execute("SELECT assumptions FROM imports WHERE id = 1").fetchone()[0]) == [notice]


# -- the night the clocks go back: the order of the lines shows which occurrence (walk report 2, defect 1) -----

# The walk report's export exactly (repro 5): C and D were written after the clocks went back.
DAVID = (
    "11/1/25, 11:50\u202fPM - David Chen: before midnight\n"
    "11/2/25, 1:30\u202fAM - David Chen: A first (EDT)\n"
    "11/2/25, 1:50\u202fAM - David Chen: B second (EDT)\n"
    "11/2/25, 1:10\u202fAM - David Chen: C third (clock went back, so EST)\n"
    "11/2/25, 1:40\u202fAM - Alex Rivera: D fourth (EST)\n"
    "11/2/25, 2:10\u202fAM - Alex Rivera: E fifth\n"
)
DAVID_DST = (
    "WhatsApp Chat with David Chen.txt: 4 times as written did not exist or occurred twice in America/New_York (daylight saving"
    " time): 4 occurred twice (the clocks went back): 2 were read as the first of the two, as a later line of that hour goes back"
    ' in time (the clocks going back): line 2 (written "11/2/25, 1:30\u202fAM", read as 2025-11-02 01:30 -04:00), line 3 (written'
    ' "11/2/25, 1:50\u202fAM", read as 2025-11-02 01:50 -04:00); 2 were read as the second of the two, from the line of that hour'
    ' that goes back in time on, the lines of that day being otherwise in time order: line 4 (written "11/2/25, 1:10\u202fAM",'
    ' read as 2025-11-02 01:10 -05:00: it goes back from line 3, written "11/2/25, 1:50\u202fAM"), line 5 (written'
    ' "11/2/25, 1:40\u202fAM", read as 2025-11-02 01:40 -05:00: after line 4)'
)


def dst_rows(zone: str, walls: list) -> list[str]:
    """The UTC instants of wall clocks in `zone`, each (year, month, day, hour, minute, fold): fold 1 is the second occurrence."""
    tz = times.zone(zone)
    return [times.to_iso(datetime(*wall[:5], tzinfo=tz, fold=wall[5])) for wall in walls]


def test_the_night_the_clocks_go_back_the_lines_going_back_in_the_repeated_hour_are_its_second_occurrence(
    tmp_path, monkeypatch
):
    chat = write(tmp_path / "WhatsApp Chat with David Chen.txt", DAVID)
    got = records(chat, owner_name="Alex Rivera")
    found = [m for m in got if isinstance(m, Message)]
    twice = ["time_ambiguous"]
    at = dst_rows(
        "America/New_York",
        [
            (2025, 11, 1, 23, 50, 0),
            (2025, 11, 2, 1, 30, 0),
            (2025, 11, 2, 1, 50, 0),
            (2025, 11, 2, 1, 10, 1),
            (2025, 11, 2, 1, 40, 1),
            (2025, 11, 2, 2, 10, 0),
        ],
    )
    assert at == [
        "2025-11-02T03:50:00.000Z",
        "2025-11-02T05:30:00.000Z",
        "2025-11-02T05:50:00.000Z",
        "2025-11-02T06:10:00.000Z",
        "2025-11-02T06:40:00.000Z",
        "2025-11-02T07:10:00.000Z",
    ]  # (in the export's order)
    assert [row(m) for m in found] == [
        ("line 1", at[0], "in", "David Chen", "before midnight", [], [], "message", None),
        ("line 2", at[1], "in", "David Chen", "A first (EDT)", twice, [], "message", None),
        ("line 3", at[2], "in", "David Chen", "B second (EDT)", twice, [], "message", None),
        ("line 4", at[3], "in", "David Chen", "C third (clock went back, so EST)", twice, [], "message", None),
        ("line 5", at[4], "out", "Alex Rivera", "D fourth (EST)", twice, [], "message", None),
        ("line 6", at[5], "out", "Alex Rivera", "E fifth", [], [], "message", None),
    ]
    assert [n.text for n in got if isinstance(n, Notice) and "daylight saving" in n.text] == [DAVID_DST]
    assert [m.sent_at.utcoffset() for m in found] == [timedelta(0)] * 6
    # A message's identity holds the time as written, not the instant: the same as when each was read as the first.
    monkeypatch.setattr(whatsapp, "_fall_backs", lambda days, tz: set())
    before = [m for m in records(chat, owner_name="Alex Rivera") if isinstance(m, Message)]
    assert [m.identity for m in before] == [m.identity for m in found]
    assert [m.identity[0] for m in found] == [
        "11/1/2025 23:50",
        "11/2/2025 01:30",
        "11/2/2025 01:50",
        "11/2/2025 01:10",
        "11/2/2025 01:40",
        "11/2/2025 02:10",
    ]
    assert [times.to_iso(m.sent_at) for m in before][3:5] == ["2025-11-02T05:10:00.000Z", "2025-11-02T05:40:00.000Z"]


def test_us_spring_and_fall_in_one_export_a_go_back_on_another_day_does_not_count(tmp_path):
    chat = write(
        tmp_path / "WhatsApp Chat with Sam Client.txt",
        "".join(
            [
                "[3/9/25, 1:59:00\u202fAM] Sam Client: before the clocks jump\r\n",
                "[3/9/25, 3:05:00\u202fAM] Alex Owner: after they jumped\r\n",
                "[3/9/25, 3:01:00\u202fAM] Sam Client: late, sent before the reply\r\n",  # (the lines go back on another day)
                "[11/2/25, 12:59:00\u202fAM] Sam Client: before the hour\r\n",
                "[11/2/25, 1:59:30\u202fAM] Sam Client: the first 1:59\r\n",
                "[11/2/25, 1:00:00\u202fAM] Alex Owner: the second 1:00\r\n",
                "[11/2/25, 1:59:30\u202fAM] Sam Client: the second 1:59\r\n",
                "[11/2/25, 2:00:00\u202fAM] Alex Owner: after the hour\r\n",
            ]
        ),
    )
    got = records(chat)
    at = dst_rows(
        "America/New_York",
        [
            (2025, 3, 9, 1, 59, 0),
            (2025, 3, 9, 3, 5, 0),
            (2025, 3, 9, 3, 1, 0),
            (2025, 11, 2, 0, 59, 0),
            (2025, 11, 2, 1, 59, 0),
            (2025, 11, 2, 1, 0, 1),
            (2025, 11, 2, 1, 59, 1),
            (2025, 11, 2, 2, 0, 0),
        ],
    )
    at[4], at[6] = at[4][:17] + "30.000Z", at[6][:17] + "30.000Z"
    twice = ["time_ambiguous"]
    assert [row(m) for m in got if isinstance(m, Message)] == [
        ("line 1", at[0], "in", "Sam Client", "before the clocks jump", [], [], "message", None),
        ("line 2", at[1], "out", "Alex Owner", "after they jumped", [], [], "message", None),
        ("line 3", at[2], "in", "Sam Client", "late, sent before the reply", [], [], "message", None),
        ("line 4", at[3], "in", "Sam Client", "before the hour", [], [], "message", None),
        ("line 5", at[4], "in", "Sam Client", "the first 1:59", twice, [], "message", None),
        ("line 6", at[5], "out", "Alex Owner", "the second 1:00", twice, [], "message", None),
        ("line 7", at[6], "in", "Sam Client", "the second 1:59", twice, [], "message", None),
        ("line 8", at[7], "out", "Alex Owner", "after the hour", [], [], "message", None),
    ]
    assert at[4:8] == [
        "2025-11-02T05:59:30.000Z",
        "2025-11-02T06:00:00.000Z",
        "2025-11-02T06:59:30.000Z",
        "2025-11-02T07:00:00.000Z",
    ]
    assert [n.text for n in got if isinstance(n, Notice) and "daylight saving" in n.text] == [
        "WhatsApp Chat with Sam Client.txt: 3 times as written did not exist or occurred twice in America/New_York (daylight saving"
        " time): 3 occurred twice (the clocks went back): 1 was read as the first of the two, as a later line of that hour goes back"
        ' in time (the clocks going back): line 5 (written "11/2/25, 1:59:30\u202fAM", read as 2025-11-02 01:59:30 -04:00); 2 were'
        " read as the second of the two, from the line of that hour that goes back in time on, the lines of that day being otherwise"
        ' in time order: line 6 (written "11/2/25, 1:00:00\u202fAM", read as 2025-11-02 01:00:00 -05:00: it goes back from line 5,'
        ' written "11/2/25, 1:59:30\u202fAM"), line 7 (written "11/2/25, 1:59:30\u202fAM", read as 2025-11-02 01:59:30 -05:00:'
        " after line 6)"
    ]
    # The same time, sender and text twice (the first and the second 1:59 of one sender) would be two messages: the
    # occurrence in the identity counts them, as before.
    same = write(
        tmp_path / "WhatsApp Chat with Sam Client.txt", chat.read_text().replace("the second 1:59", "the first 1:59")
    )
    found = [m for m in records(same) if isinstance(m, Message)]
    assert [(m.identity[3], times.to_iso(m.sent_at)) for m in found[4:7:2]] == [(0, at[4]), (1, at[6])]


@pytest.mark.parametrize(
    "zone, region, lines, walls",
    [
        # Sydney: on 6 April 2025 at 03:00 the clocks went back to 02:00; on 5 October at 02:00 forward to 03:00
        (
            "Australia/Sydney",
            "AU",
            [
                "06/04/2025, 01:50 - Sam Client: a",
                "06/04/2025, 02:20 - Sam Client: b",
                "06/04/2025, 02:50 - Alex Owner: c",
                "06/04/2025, 02:10 - Sam Client: d",
                "06/04/2025, 02:40 - Alex Owner: e",
                "06/04/2025, 03:05 - Sam Client: f",
                "05/10/2025, 01:50 - Sam Client: g",
                "05/10/2025, 03:10 - Alex Owner: h",
            ],
            [
                (2025, 4, 6, 1, 50, 0),
                (2025, 4, 6, 2, 20, 0),
                (2025, 4, 6, 2, 50, 0),
                (2025, 4, 6, 2, 10, 1),
                (2025, 4, 6, 2, 40, 1),
                (2025, 4, 6, 3, 5, 0),
                (2025, 10, 5, 1, 50, 0),
                (2025, 10, 5, 3, 10, 0),
            ],
        ),
        # Santiago: on Saturday 5 April 2025 at midnight the clocks went back to 23:00 (the repeated hour ends the day)
        (
            "America/Santiago",
            "CL",
            [
                "05/04/2025, 22:50 - Sam Client: a",
                "05/04/2025, 23:30 - Sam Client: b",
                "05/04/2025, 23:55 - Alex Owner: c",
                "05/04/2025, 23:05 - Sam Client: d",
                "05/04/2025, 23:45 - Alex Owner: e",
                "06/04/2025, 00:10 - Sam Client: f",
            ],
            [
                (2025, 4, 5, 22, 50, 0),
                (2025, 4, 5, 23, 30, 0),
                (2025, 4, 5, 23, 55, 0),
                (2025, 4, 5, 23, 5, 1),
                (2025, 4, 5, 23, 45, 1),
                (2025, 4, 6, 0, 10, 0),
            ],
        ),
    ],
)
def test_the_southern_hemisphere_clocks_go_back_in_april(tmp_path, zone, region, lines, walls):
    chat = write(tmp_path / "WhatsApp Chat with Sam Client.txt", "\n".join(lines) + "\n")
    got = records(chat, tz=zone, region=region)
    at = dst_rows(zone, walls)
    assert at == sorted(at)
    flags = [["time_ambiguous"] if 1 <= n <= 4 else [] for n in range(len(lines))]
    assert [row(m) for m in got if isinstance(m, Message)] == [
        (
            f"line {n}",
            at[n - 1],
            "out" if "Alex Owner" in line else "in",
            "Alex Owner" if "Alex Owner" in line else "Sam Client",
            line[-1],
            flags[n - 1],
            [],
            "message",
            None,
        )
        for n, line in enumerate(lines, 1)
    ]
    first, second = (
        ", ".join(
            f'line {n} (written "{lines[n - 1][:17]}", read as {times.display(at[n - 1], times.zone(zone), "minute")}'
            + (
                f': it goes back from line 3, written "{lines[2][:17]}")'
                if n == 4
                else ": after line 4)"
                if n == 5
                else ")"
            )
            for n in numbers
        )
        for numbers in ((2, 3), (4, 5))
    )
    assert [n.text for n in got if isinstance(n, Notice) and "daylight saving" in n.text] == [
        f"WhatsApp Chat with Sam Client.txt: 4 times as written did not exist or occurred twice in {zone} (daylight saving time): 4"
        " occurred twice (the clocks went back): 2 were read as the first of the two, as a later line of that hour goes back in time"
        f" (the clocks going back): {first}; 2 were read as the second of the two, from the line of that hour that goes back in time"
        f" on, the lines of that day being otherwise in time order: {second}"
    ]


@pytest.mark.parametrize(
    "lines, back",
    [
        # the day's lines go back twice: a late message before the hour, and in the hour
        (
            [
                "11/2/25, 12:40 AM - Sam Client: one",
                "11/2/25, 12:30 AM - Sam Client: late",
                "11/2/25, 1:30 AM - Sam Client: two",
                "11/2/25, 1:50 AM - Sam Client: three",
                "11/2/25, 1:10 AM - Alex Owner: four",
                "11/2/25, 2:10 AM - Alex Owner: five",
            ],
            (5, 4),
        ),
        # the line goes back into the hour from a time after it: the second reading would not put it in order either
        (
            [
                "11/2/25, 12:40 AM - Sam Client: one",
                "11/2/25, 12:50 AM - Sam Client: two",
                "11/2/25, 1:30 AM - Sam Client: three",
                "11/2/25, 2:10 AM - Sam Client: after the hour",
                "11/2/25, 1:10 AM - Alex Owner: four",
                "11/2/25, 2:20 AM - Alex Owner: five",
            ],
            (5, 3),
        ),
    ],
)
def test_lines_out_of_order_for_another_reason_show_nothing_and_the_first_is_assumed(tmp_path, lines, back):
    chat = write(tmp_path / "WhatsApp Chat with Sam Client.txt", "\n".join(lines) + "\n")
    got = records(chat)
    tz = times.zone("America/New_York")
    ambiguous = [n for n, line in enumerate(lines, 1) if " 1:" in line]
    assert [row(m) for m in got if isinstance(m, Message)] == [
        (
            f"line {n}",
            times.to_iso(times.localize(datetime.strptime(line[:18].strip(" -"), "%m/%d/%y, %I:%M %p"), tz)[0]),
            "out" if "Alex Owner" in line else "in",
            "Alex Owner" if "Alex Owner" in line else "Sam Client",
            line.split(": ", 1)[1],
            ["time_ambiguous"] if n in ambiguous else [],
            [],
            "message",
            None,
        )
        for n, line in enumerate(lines, 1)
    ]
    shown = ", ".join(
        f'line {n} (written "{lines[n - 1][:16].strip(" -")}", read as 2025-11-02 {lines[n - 1][9:13].strip().zfill(5)} -04:00)'
        for n in ambiguous
    )
    assert [n.text for n in got if isinstance(n, Notice) and "daylight saving" in n.text] == [
        f"WhatsApp Chat with Sam Client.txt: {len(ambiguous)} times as written did not exist or occurred twice in America/New_York"
        f" (daylight saving time): {len(ambiguous)} occurred twice (the clocks went back) and were read as the first of the two:"
        f" {shown} (line {back[0]} has an earlier time of that hour than line {back[1]} before it, but that day's lines do not go back"
        " in time just once, within that hour, so their order does not show which)"
    ]


def test_two_nights_one_shown_by_the_lines_one_assumed_and_a_file_out_of_order_on_too_many_days(tmp_path, monkeypatch):
    lines = [
        "11/3/24, 1:20 AM - Sam Client: 2024, one",
        "11/3/24, 1:40 AM - Alex Owner: 2024, two",  # (nothing shows which)
        "11/2/25, 1:30 AM - Sam Client: 2025, one",
        "11/2/25, 1:50 AM - Sam Client: 2025, two",
        "11/2/25, 1:10 AM - Alex Owner: 2025, three",
    ]
    chat = write(tmp_path / "WhatsApp Chat with Sam Client.txt", "\n".join(lines) + "\n")
    at = dst_rows(
        "America/New_York",
        [
            (2024, 11, 3, 1, 20, 0),
            (2024, 11, 3, 1, 40, 0),
            (2025, 11, 2, 1, 30, 0),
            (2025, 11, 2, 1, 50, 0),
            (2025, 11, 2, 1, 10, 1),
        ],
    )
    got = records(chat)
    assert [row(m) for m in got if isinstance(m, Message)] == [
        (
            f"line {n}",
            at[n - 1],
            "out" if "Alex Owner" in line else "in",
            "Alex Owner" if "Alex Owner" in line else "Sam Client",
            line.split(": ", 1)[1],
            ["time_ambiguous"],
            [],
            "message",
            None,
        )
        for n, line in enumerate(lines, 1)
    ]
    assert [n.text for n in got if isinstance(n, Notice) and "daylight saving" in n.text] == [
        "WhatsApp Chat with Sam Client.txt: 5 times as written did not exist or occurred twice in America/New_York (daylight saving"
        " time): 5 occurred twice (the clocks went back): 2 were read as the first of the two, as a later line of that hour goes back"
        ' in time (the clocks going back): line 3 (written "11/2/25, 1:30 AM", read as 2025-11-02 01:30 -04:00), line 4 (written'
        ' "11/2/25, 1:50 AM", read as 2025-11-02 01:50 -04:00); 1 was read as the second of the two, from the line of that hour that'
        ' goes back in time on, the lines of that day being otherwise in time order: line 5 (written "11/2/25, 1:10 AM", read as'
        ' 2025-11-02 01:10 -05:00: it goes back from line 4, written "11/2/25, 1:50 AM"); 2 were read as the first of the two, where'
        ' the order of the lines does not show which: line 1 (written "11/3/24, 1:20 AM", read as 2024-11-03 01:20 -04:00), line 2'
        ' (written "11/3/24, 1:40 AM", read as 2024-11-03 01:40 -04:00)'
    ]
    # The survey keeps the go-backs of so many days, no more: past that, the order of the lines is evidence of nothing.
    monkeypatch.setattr(whatsapp.survey, "MAX_BACK_DAYS", 1)
    late = write(
        tmp_path / "WhatsApp Chat with Sam Client.txt",
        "3/1/25, 9:00 AM - Sam Client: x\n3/1/25, 8:00 AM - Sam Client: y\n" + "\n".join(lines) + "\n",
    )
    got = records(late)
    assert [times.to_iso(m.sent_at) for m in got if isinstance(m, Message)][2:] == at[:4] + [
        dst_rows("America/New_York", [(2025, 11, 2, 1, 10, 0)])[0]
    ]
    assert [n.text for n in got if isinstance(n, Notice) and "daylight saving" in n.text][0].endswith(
        ' line 7 (written "11/2/25, 1:10 AM", read as 2025-11-02 01:10 -04:00) (line 7 has an earlier time of that hour than line 6'
        " before it, but the file's lines go back in time on too many days to be counted, so their order does not show which)"
    )


def test_reimporting_an_export_read_before_keeps_the_first_reading_as_a_version(cli, archive, tmp_path, monkeypatch):
    chat = write(tmp_path / "WhatsApp Chat with David Chen.txt", DAVID.replace("Alex Rivera", "Alex Owner"))
    with (
        monkeypatch.context() as before
    ):  # as textfile read it before the order of the lines was evidence: every time the first
        before.setattr(whatsapp, "_fall_backs", lambda days, tz: set())
        assert cli("import", chat, "--quiet").exit_code == 0
    archived = {
        r["body"]: dict(r) for r in archive.conn.execute("SELECT id, body, sent_at, flags, version FROM messages")
    }
    done = cli("import", chat, "--json")
    assert done.exit_code == 0, done.output
    [report] = json.loads(done.stdout)
    assert (report["added"], report["already_present"], report["updated"]) == (0, 4, 2)
    assert report["warnings"] == [
        "2 messages of an hour the clocks repeated in America/New_York now read as the other of its two"
        " occurrences, as the export's line order shows (see the assumption): each keeps its earlier time"
        " as a version"
    ]
    now = {r["body"]: dict(r) for r in archive.conn.execute("SELECT id, body, sent_at, flags, version FROM messages")}
    assert {body: r["id"] for body, r in now.items()} == {
        body: r["id"] for body, r in archived.items()
    }  # the same messages
    moved = {
        "C third (clock went back, so EST)": "2025-11-02T06:10:00.000Z",
        "D fourth (EST)": "2025-11-02T06:40:00.000Z",
    }
    assert {body: (r["sent_at"], r["version"]) for body, r in now.items()} == {
        body: (moved.get(body, r["sent_at"]), 2 if body in moved else r["version"]) for body, r in archived.items()
    }
    assert [
        tuple(v)
        for v in archive.conn.execute(
            "SELECT m.body, v.version, v.origin, v.body, v.sent_at, v.source_zone FROM message_versions v JOIN messages m ON m.id = v.message_id"
            " ORDER BY m.sent_at"
        )
    ] == [(body, 1, "reimport", body, archived[body]["sent_at"], "America/New_York") for body in moved]
    assert [archived[body]["sent_at"] for body in moved] == ["2025-11-02T05:10:00.000Z", "2025-11-02T05:40:00.000Z"]
    again = cli("import", chat, "--json")
    assert json.loads(again.stdout)[0]["updated"] == 0


def test_the_transcript_says_which_occurrence_was_taken(cli, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed")
    import subprocess

    chat = write(tmp_path / "WhatsApp Chat with David Chen.txt", DAVID.replace("Alex Rivera", "Alex Owner"))
    for args in (
        ["import", chat],
        ["client", "add", "David Chen"],
        ["matter", "open", "M", "--client", "David Chen", "--title", "E"],
        ["file", "1", "--matter", "M"],
        ["transcript", "M", "--out", tmp_path / "t.pdf"],
    ):
        result = cli(*args)
        assert result.exit_code == 0, result.output
    text = " ".join(
        subprocess.run(
            ["pdftotext", str(tmp_path / "t.pdf"), "-"], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    first = "[time ambiguous: clock went back (DST), first occurrence assumed]"
    second = "[time ambiguous: clock went back (DST), second occurrence taken: the export's lines go back in time within that hour]"
    assert re.findall(
        r"#1\.(\d) (2025-11-0\d \d\d:\d\d -0\d:00)(?: \(written in the export as ([\d: -]+)\))? (?:David Chen|Alex Owner)"
        r" · \w+ · WhatsApp( \[[^]]+\])? (\w)",
        text,
    ) == [
        ("1", "2025-11-01 23:50 -04:00", "", "", "b"),
        ("2", "2025-11-02 01:30 -04:00", "2025-11-02 01:30", f" {first}", "A"),
        ("3", "2025-11-02 01:50 -04:00", "2025-11-02 01:50", f" {first}", "B"),
        ("4", "2025-11-02 01:10 -05:00", "2025-11-02 01:10", f" {second}", "C"),
        ("5", "2025-11-02 01:40 -05:00", "2025-11-02 01:40", f" {second}", "D"),
        ("6", "2025-11-02 02:10 -05:00", "", "", "E"),
    ]
    assert (
        "• #1.4: the export wrote 2025-11-02 01:10, which occurred twice in America/New_York (the clocks went back); the second,"
        " 2025-11-02 01:10 -05:00, was taken: the export's lines go back in time within that hour."
    ) in text
    assert (
        "• #1.2: the export wrote 2025-11-02 01:30, which occurred twice in America/New_York (the clocks went back); the first,"
        " 2025-11-02 01:30 -04:00, was assumed."
    ) in text
    assert DAVID_DST.split(": ", 1)[1].replace("\u202f", " ") in text.replace("\u202f", " ")


@pytest.mark.parametrize(
    "zone, wall",
    [
        ("America/New_York", (2025, 11, 2, 1, 10)),
        ("Australia/Sydney", (2025, 4, 6, 2, 59, 59)),
        ("Australia/Lord_Howe", (2025, 4, 6, 1, 45)),
    ],
)
def test_the_written_time_of_a_second_occurrence_is_derived_from_its_instant(zone, wall):
    tz = times.zone(zone)
    first, second = (times.to_iso(datetime(*wall, tzinfo=tz, fold=fold)) for fold in (0, 1))
    assert first != second
    assert [times.second_occurrence(at, tz) for at in (first, second)] == [False, True]
    assert [times.written_wall(at, tz, "time_ambiguous") for at in (first, second)] == [datetime(*wall)] * 2
    assert times.written_wall(second, tz, "time_nonexistent") is None


def test_a_precision_another_phone_gave_is_kept_and_not_said_to_follow_the_export(archive, monkeypatch):
    """A message first archived from another phone keeps that phone's receipts and precision (`fill_receipts`):
    the notice that messages now print at this export's precision counts only those it set."""
    from textfile.ingest import import_path
    from textfile.ingest.writer import _Writer

    chat = WA / "WhatsApp Chat with Sam Client.txt"
    import_path(archive, chat, me="Alex Owner")
    with archive.transaction() as conn:  # (a precision other than this export's, as m008 may have left)
        conn.execute("UPDATE messages SET time_precision = 'second'")
    real_init = _Writer.init_copies
    monkeypatch.setattr(_Writer, "init_copies", lambda self: (real_init(self), setattr(self, "phones", True))[0])
    monkeypatch.setattr(_Writer, "from_another_phone", lambda self, mid: True)  # (each: a client's phone gave it first)
    again = import_path(archive, chat, me="Alex Owner")
    assert (again.added, again.updated) == (0, 0)
    assert [r[0] for r in archive.conn.execute("SELECT DISTINCT time_precision FROM messages")] == ["second"]
    assert not [w for w in again.warnings if "precision" in w]
    details = json.loads(
        archive.conn.execute("SELECT details FROM audit_log WHERE command = 'import' ORDER BY id DESC").fetchone()[0]
    )
    assert "time_precision_set" not in details


def test_a_precision_m008_inferred_wrongly_follows_the_export_when_it_is_imported_again(archive):
    """m008 had to infer the precision of messages archived before it was recorded; the next import of the
    export states it (not hashed): the archive follows, says how many, and audits it."""
    from textfile.ingest import import_path

    chat = WA / "WhatsApp Chat with Sam Client.txt"
    import_path(archive, chat, me="Alex Owner")
    with archive.transaction() as conn:  # as m008 would have left an import it read as having seconds
        conn.execute("UPDATE messages SET time_precision = 'second'")
    again = import_path(archive, chat, me="Alex Owner")
    held = archive.conn.execute("SELECT count(*) FROM messages").fetchone()[0]
    assert (again.added, again.updated) == (0, 0)
    assert [r[0] for r in archive.conn.execute("SELECT DISTINCT time_precision FROM messages")] == ["minute"]
    assert again.warnings == [
        f"{held} messages archived with another precision of its time (second: {held}) now print at the"
        " precision this export writes its times in",
        "WhatsApp Chat with Sam Client.txt: 2 attachments are not in the archive (the first #1.6, media omitted):"
        " 1 omitted by the export, 1 not found beside the chat text; export the chat again with media and"
        " import it to fill them in",
    ]
    details = json.loads(
        archive.conn.execute("SELECT details FROM audit_log WHERE command = 'import' ORDER BY id DESC").fetchone()[0]
    )
    assert details["time_precision_set"] == {"second": held}


# -- media the archive does not hold ----------------------------------------------------------


def test_a_chat_without_its_media_says_once_what_is_not_archived_and_what_to_do(cli, archive):
    """Sam's chat: a "<Media omitted>" (#1.6) and a voice note not beside the chat text (#1.14)."""
    r = cli("import", SAM, "--tz", "America/New_York")
    assert (r.exit_code, r.stderr) == (0, "")
    said = (
        "WhatsApp Chat with Sam Client.txt: 2 attachments are not in the archive (the first #1.6, media omitted):"
        " 1 omitted by the export, 1 not found beside the chat text; export the chat again with media and"
        " import it to fill them in"
    )
    assert [line for line in r.stdout.splitlines() if line.startswith("  warning: ")] == [f"  warning: {said}"]
    assert json.loads(archive.conn.execute("SELECT warnings FROM imports").fetchone()[0]) == [said]


def test_an_import_says_what_its_review_raised_as_its_json_does(cli, archive, tmp_path):
    r = cli("import", SAM, "--tz", "America/New_York")
    assert (r.exit_code, r.stderr) == (0, "")
    raised = archive.conn.execute("SELECT rule, count(*) FROM review_flags GROUP BY rule").fetchall()
    assert [tuple(row) for row in raised] == [("deadlines", 1)]
    assert [line for line in r.stdout.splitlines() if "review" in line] == [
        "  review: 1 flag raised (deadlines: 1) (textfile review)"
    ]
    [again] = json.loads(cli("import", SAM, "--tz", "America/New_York", "--json").stdout)
    assert (again["added"], "flags" in again) == (0, False)  # (nothing new: nothing raised, nothing said)
    assert "review:" not in cli("import", SAM, "--tz", "America/New_York").stdout


def test_hundreds_of_media_left_out_are_one_warning_naming_the_first(cli, archive, tmp_path):
    lines = ["12/03/2024, 09:00 - Sam Client: The photos, as promised"]
    lines += [f"12/03/2024, 09:{1 + n // 100:02d} - Sam Client: <Media omitted>" for n in range(300)]
    lines += [
        "12/03/2024, 09:30 - Sam Client: IMG-20240312-WA0301.jpg (file attached)",
        "12/03/2024, 09:31 - Alex Owner: Thanks",
    ]
    chat = write(tmp_path / "WhatsApp Chat with Sam Client.txt", "\n".join(lines) + "\n")
    r = cli("import", chat, "--tz", "America/New_York", "--date-order", "dmy")
    assert (r.exit_code, r.stderr) == (0, "")
    assert json.loads(archive.conn.execute("SELECT warnings FROM imports").fetchone()[0]) == [
        "WhatsApp Chat with Sam Client.txt: 301 attachments are not in the archive (the first #1.2, media omitted):"
        " 300 omitted by the export, 1 not found beside the chat text; export the chat again with media and"
        " import it to fill them in"
    ]


def test_texts_read_as_view_once_are_said_with_their_lines():
    """A text of "null" alone is read as a view-once photo or video: an assumption (a person may have typed the
    word), said with the lines, the first five named."""
    from textfile.importers.whatsapp.scan import view_once_notice

    assert view_once_notice("chat.txt", [3, 9, 12, 40, 41, 50, 77]) == Notice(
        'chat.txt: 7 messages whose whole text is "null" were read as a photo or video sent to be viewed once, which'
        " WhatsApp's export writes so; the text is kept as written (lines 3, 9, 12, 40, 41 and 2 more)",
        kind="assumption",
    )


def test_a_chat_once_given_me_is_read_so_by_later_imports_without_it(cli, archive, tmp_path):
    """Second reader, round 9: the owner's WhatsApp name is not the archive owner's; `import --me` once, and the
    weekly run (no --me: every chat of the inbox) still refused next week's export of the chat, every week."""
    chat = tmp_path / "WhatsApp Chat with Dana.txt"
    lines = ["01/02/24, 10:00 - Dana: hi", "01/02/24, 10:05 - Alex: hello Dana"]
    chat.write_text("\n".join(lines) + "\n", encoding="utf-8")
    refused = cli("import", chat)
    assert (refused.exit_code, refused.stderr) == (
        1,
        f"Error: {chat}: none of the senders is the archive's owner 'Alex Owner'; senders found: 'Alex', 'Dana';"
        " pass --me NAME to say which one is you (once: later imports of this chat are read as it says)\n",
    )
    assert cli("import", chat, "--me", "Alex", "-q").exit_code == 0
    chat.write_text("\n".join([*lines, "03/02/24, 09:00 - Alex: see you Friday"]) + "\n", encoding="utf-8")

    later = cli("import", chat, "--json")

    assert later.exit_code == 0, later.output
    [result] = json.loads(later.stdout)
    assert (result["added"], result["already_present"]) == (1, 2)
    assert (
        f"{chat.name}: you are 'Alex' in this chat, as an earlier import of it was told (--me); pass --me NAME if that"
        " is wrong"
    ) in result["assumptions"]
    assert [
        tuple(r)
        for r in archive.conn.execute(
            "SELECT c.id, m.direction, m.body FROM messages m JOIN conversations c ON c.id = m.conversation_id"
            " ORDER BY m.sent_at"
        )
    ] == [(1, "in", "hi"), (1, "out", "hello Dana"), (1, "out", "see you Friday")]
    other = tmp_path / "WhatsApp Chat with Lee.txt"  # (another chat is not this one: refused as before)
    other.write_text("01/02/24, 10:00 - Lee: hi\n01/02/24, 10:05 - Alex: hello\n", encoding="utf-8")
    assert cli("import", other).exit_code == 1
    # next month's export, the thread cleared from the phone since: the owner wrote nothing in it (round 11)
    chat.write_text("05/02/24, 10:00 - Dana: are you there?\n", encoding="utf-8")
    for given in ((), ("--me", "Alex")):
        done = cli("import", chat, *given, "--json")
        assert done.exit_code == 0, done.output
    assert [
        tuple(r) for r in archive.conn.execute("SELECT conversation_id, direction, body FROM messages ORDER BY sent_at")
    ][-1] == (1, "in", "are you there?")
    assert archive.conn.execute("SELECT count(*) FROM conversations").fetchone()[0] == 1


def test_a_chat_the_owner_never_wrote_in_once_given_me_is_read_so_later(cli, archive, tmp_path):
    """Round 11: imported with --me naming the archive's owner (who wrote nothing), the chat's next export
    was refused without --me, against the promise of the refusal itself."""
    chat = tmp_path / "WhatsApp Chat with Lease Committee.txt"
    chat.write_text("01/02/24, 10:00 - Dana: meeting at 5\n01/02/24, 10:05 - Kim: ok\n", encoding="utf-8")
    assert cli("import", chat, "--me", "Alex Owner", "-q").exit_code == 0
    chat.write_text(chat.read_text(encoding="utf-8") + "03/02/24, 09:00 - Dana: moved to 6\n", encoding="utf-8")

    later = cli("import", chat, "--json")

    assert later.exit_code == 0, later.output
    [result] = json.loads(later.stdout)
    assert (result["added"], result["already_present"]) == (1, 2)
    # (said as the archive holds it: "as an earlier import of it was told (--me)" was said where none was, round 18)
    assert (
        f"{chat.name}: none of its senders is you: read as the archive holds this chat, you being 'Alex Owner', silent"
        " in this export; pass --me NAME if one of its senders is you" in result["assumptions"]
    )
