"""Fingerprints are the archive's identity: an id computed differently would make next week's
import duplicate every message. These values were computed by the first implementation; any
faster implementation must give exactly the same ids and hashes."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from textfile.fingerprint import canonical_json, content_hash, message_id

REFERENCE = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def test_ids_and_hashes_are_pinned():
    assert message_id(
        "whatsapp", "Lease Group|Alex Owner", ("2024-03-10T02:30", "José García", 'Café ☕\nnext line "quoted"', 2)
    ) == ("0b22890a924d619cdfaa261ce75958160432ae3605f6145ba1a3c73b01a1bfc4")
    assert message_id("android", "+12025550143", ("+12025550143", 1700000000123, "in", "ok")) == (
        "68f50bf9d5ea0c24bd687ae89c4a8d7ca37aa43178683b0986b17d17f165d453"
    )
    assert content_hash(
        [
            "2024-01-01T00:00:00.000Z",
            "in",
            "message",
            "+12025550143",
            "body",
            None,
            12,
            '["edited"]',
            None,
            [["a.jpg", "image/jpeg", "ab" * 32]],
        ]
    ) == ("ca5774ae0ae6ccc199a1a5f1d38ea28f8cfc0fece7a4e7b6135017f796b7ee6f")


@pytest.mark.parametrize(
    "value",
    [
        [1, "a", None, True, False, 1.5, -0.0, 10**30, {"b": 1, "a": [2, (3,)]}],
        ("x",),
        {"z": 'é\u2028\n"\\\x00\ud800', "a": {"c": None}},
        [date(2020, 1, 1), datetime(2020, 1, 1, tzinfo=UTC)],
        [float("1e20"), 1e-7],
        [],
        "a plain string",
        7,
    ],
)
def test_canonical_json_is_the_standard_encoding(value):
    assert canonical_json(value) == REFERENCE.encode(value)
