"""The text of an iMessage `attributedBody`: an NSArchiver "typedstream" holding an NSAttributedString.

Decision: we do not unarchive the whole object graph (classes, attribute dictionaries, NSData
payloads). The message text is the first string of the stream's NSString, and that is all an
archive of texts needs; attachment GUIDs are found by looking for the attachment rows' own GUIDs
in the blob. Every length is checked against the blob's end, so a damaged or hand-edited blob
raises `TypedstreamError` (the importer turns that into a warning and an empty body), never an
IndexError or a string read from beyond the blob.
"""

from __future__ import annotations

HEADER = b"\x04\x0bstreamtyped"  # streamer version 4, then the 11-byte signature
_NSSTRING = b"NSString"
_PLUS_TYPE = b"\x84\x01+"  # TAG_NEW, a 1-byte shared string: the type encoding "+" (raw bytes follow)
_INT16 = 0x81
_INT32 = 0x82


class TypedstreamError(ValueError):
    "An attributedBody blob that is not a well-formed typedstream string."


def decode(blob: bytes) -> str:
    """The text an attributedBody blob holds ("" for an empty string).

    # 04 0b "streamtyped" 81 e8 03 84 01 40 84 84 84 12 "NSAttributedString" 00 84 84 08 "NSObject" 00 85 92
    #   84 84 84 08 "NSString" 01 94 84 01 2b 06 "Test 3" 86 84 02 "iI" 01 06 ...
    The string's length follows the "+" type: one byte (< 0x80), or 0x81 + uint16 LE,
    or 0x82 + uint32 LE; then that many bytes of UTF-8.
    """
    if not isinstance(blob, (bytes, bytearray, memoryview)):
        raise TypedstreamError(f"not a blob but {type(blob).__name__}")
    blob = bytes(blob)
    if not blob.startswith(HEADER):
        raise TypedstreamError("not a typedstream (no streamtyped header)")
    name_at = blob.find(_NSSTRING, len(HEADER))
    if name_at < 0:
        raise TypedstreamError("no NSString in the typedstream")
    type_at = blob.find(_PLUS_TYPE, name_at + len(_NSSTRING))
    if type_at < 0:
        raise TypedstreamError("no string after NSString in the typedstream")
    length, start = _length(blob, type_at + len(_PLUS_TYPE))
    end = start + length
    if end > len(blob):
        raise TypedstreamError(f"string length {length} runs past the end of the {len(blob)}-byte blob")
    try:
        return blob[start:end].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TypedstreamError(f"string is not valid UTF-8 ({exc.reason} at byte {exc.start})") from None


def _length(blob: bytes, at: int) -> tuple[int, int]:
    """A typedstream integer used as a length, and the offset just after it."""
    if at >= len(blob):
        raise TypedstreamError("blob ends before the string length")
    tag = blob[at]
    if tag < 0x80:
        return tag, at + 1
    if tag == _INT16:
        if at + 3 > len(blob):
            raise TypedstreamError("blob ends inside a 2-byte string length")
        return int.from_bytes(blob[at + 1 : at + 3], "little"), at + 3
    if tag == _INT32:
        if at + 5 > len(blob):
            raise TypedstreamError("blob ends inside a 4-byte string length")
        return int.from_bytes(blob[at + 1 : at + 5], "little"), at + 5
    raise TypedstreamError(f"unexpected byte 0x{tag:02x} where the string length should be")


def order_by_position(blob: bytes | None, guids: list[str]) -> list[int]:
    """Indexes of `guids` in the order the blob mentions them (`__kIMFileTransferGUIDAttributeName`
    runs name each attachment where its U+FFFC stands); GUIDs it does not mention keep their order
    after those it does."""
    if not blob:
        return list(range(len(guids)))
    positions = []
    for index, guid in enumerate(guids):
        at = blob.find(guid.encode("utf-8")) if guid else -1
        positions.append((at < 0, at, index))
    return [index for _, _, index in sorted(positions)]
