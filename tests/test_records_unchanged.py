"""Every record of every fixture, corpus file and benchmark output, and of a few import sequences,
is what tests/records_digest.json says, byte for byte (issue 16: reshape the code, change no record).

Each case (tests/records_dump.py: what is dumped, what is normalized and why) is imported into a
fresh archive through the CLI and its dump hashed; a mismatch names the case, the tables that
changed and their first changed rows. The corpus cases are skipped when ../shared/corpus is absent.

Regenerating the digest (`make records`, or `.venv/bin/python -m tests.records_dump --write`) is only for a change that
is MEANT to change records: name that change, and the cases it changed, in the commit message.
"""

from __future__ import annotations

import json

import pytest
import records_dump
from conftest import CORPUS

EXPECTED = json.loads(records_dump.DIGEST.read_text(encoding="utf-8"))
CASES = list(records_dump.cases())


def test_every_case_is_in_the_digest_and_every_digest_entry_is_a_case():
    names = set(CASES) if CORPUS.exists() else set(CASES) | {n for n in EXPECTED if n.startswith("corpus/")}
    assert sorted(names - set(EXPECTED)) == [], (
        "cases with no digest: run `python -m tests.records_dump --write` and say why"
    )
    assert sorted(set(EXPECTED) - names) == [], "digest entries with no case"


@pytest.mark.parametrize("name", CASES)
def test_records_unchanged(name):
    dumped = records_dump.record(name)
    got = records_dump.digest(dumped)
    if got != EXPECTED[name]:
        pytest.fail(records_dump.differences(name, EXPECTED[name], got, dumped), pytrace=False)
