import random
from pathlib import Path

import pytest
from imessage_build import typedstream as encode

from textfile.importers.typedstream import HEADER, TypedstreamError, decode, order_by_position

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "imessage"
BLOBS = CORPUS / "attributedBody-blobs"

EXPECTED = {
    "AttributedBodyTextOnly": "Noter test",
    "AttributedBodyTextOnly2": "Test 3",
    "Blank": "",
    "MultiPart": "\ufffctest 1\ufffctest 2 \ufffctest 3",
    "URL": "https://github.com/ReagentX/Logria",
    "WeirdText": "\U0001d58d\U0001d58a\U0001d591\U0001d591\U0001d594 \U0001d59c\U0001d594\U0001d597\U0001d591\U0001d589",
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_blobs_decode_to_their_text(name):
    if not BLOBS.exists():
        pytest.skip("no ../shared/corpus")
    assert decode((BLOBS / name).read_bytes()) == EXPECTED[name]


def test_corpus_blob_with_a_wrong_length_is_refused_not_overread():
    if not BLOBS.exists():
        pytest.skip("no ../shared/corpus")
    with pytest.raises(TypedstreamError, match="string length 157 runs past the end of the 244-byte blob"):
        decode((BLOBS / "ExtraData").read_bytes())


@pytest.mark.parametrize(
    "text, length_bytes",
    [
        ("", b"\x00"),
        ("Hi", b"\x02"),
        ("x" * 127, b"\x7f"),  # the longest one-byte length
        ("x" * 128, b"\x81\x80\x00"),  # 0x81 + uint16 LE
        ("y" * 40000, b"\x82\x40\x9c\x00\x00"),  # 0x82 + uint32 LE
        ("caf\u00e9 \U0001f600 \u65e5\u672c", bytes([len("caf\u00e9 \U0001f600 \u65e5\u672c".encode())])),
    ],
)
def test_lengths_of_every_width_round_trip(text, length_bytes):
    blob = encode(text)
    assert b"\x84\x01+" + length_bytes + text.encode() in blob
    assert decode(blob) == text


def test_every_truncation_and_corruption_raises_only_typedstream_error():
    blob = encode("A message long enough to matter, \U0001f600 included." * 3)
    for end in range(len(blob)):
        try:
            decode(blob[:end])
        except TypedstreamError:
            pass
    rng = random.Random(7)
    for _ in range(3000):
        damaged = bytearray(blob)
        for _ in range(rng.randint(1, 4)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        try:
            result = decode(bytes(damaged))
        except TypedstreamError:
            continue
        assert isinstance(result, str)


@pytest.mark.parametrize(
    "blob, message",
    [
        (b"", "no streamtyped header"),
        (b"bplist00\x00\x00NSString\x01\x94\x84\x01+\x03abc", "no streamtyped header"),
        (HEADER + b"\x81\xe8\x03\x84\x01@", "no NSString"),
        (HEADER + b"NSString\x01", "no string after NSString"),
        (HEADER + b"NSString\x01\x84\x01+", "ends before the string length"),
        (HEADER + b"NSString\x01\x84\x01+\x81\x05", "inside a 2-byte string length"),
        (HEADER + b"NSString\x01\x84\x01+\x82\x05\x00", "inside a 4-byte string length"),
        (HEADER + b"NSString\x01\x84\x01+\x85abc", "unexpected byte 0x85"),
        (HEADER + b"NSString\x01\x84\x01+\x02\xff\xfe", "not valid UTF-8"),
    ],
)
def test_malformed_blobs_say_what_is_wrong(blob, message):
    with pytest.raises(TypedstreamError, match=message):
        decode(blob)


def test_attachments_follow_the_order_the_blob_names_them():
    blob = b"...__kIMFileTransferGUIDAttributeName...GUID-B...GUID-A..."
    assert order_by_position(blob, ["GUID-A", "GUID-B", "GUID-C"]) == [1, 0, 2]
    assert order_by_position(None, ["GUID-A", "GUID-B"]) == [0, 1]
