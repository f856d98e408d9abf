"""A transcript that shows privileged notes (--include-privileged) is never taken for a production: a name
given with --out must say "privileged", and it is numbered in its own Bates series, <prefix>-PRIV (as the
weekly snapshots are in -SNAP), so that the produced transcripts' numbers run on without a gap."""

from __future__ import annotations

import json

import pytest
from conftest import ingest_records, msg


@pytest.fixture
def held(cli, archive):
    """Matter M-1 with three messages of Sam's and one privileged note about the first."""
    assert cli("client", "add", "Sam Client", "--phone", "+12025550143").exit_code == 0
    assert cli("matter", "open", "M-1", "--client", "Sam Client", "--title", "Lease").exit_code == 0
    ingest_records(archive, [msg(n, out=n % 2 == 0) for n in range(1, 4)])
    assert cli("note", "add", "M-1", "strategy", "--about", "#1.1", "--privileged").exit_code == 0
    return archive


def made(cli, *args) -> dict:
    result = cli("transcript", "M-1", *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_an_out_name_without_privileged_is_refused_and_nothing_is_written(cli, held, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    result = cli("transcript", "M-1", "--include-privileged", "--out", out / "exhibit-A.pdf")
    assert result.exit_code != 0
    assert " ".join(result.output.split()) == (
        f"Error: {out / 'exhibit-A.pdf'}: this transcript shows privileged notes: name it so, with PRIVILEGED"
        " in its name (e.g. exhibit-A_PRIVILEGED.pdf), so that it is never taken for a production"
    )
    assert list(out.iterdir()) == []
    assert held.conn.execute("SELECT count(*) FROM transcripts").fetchone()[0] == 0
    # any case will do; a production (no privileged notes shown) takes any name
    assert made(cli, "--include-privileged", "--out", out / "exhibit-A_Privileged.pdf")["path"].endswith(
        "_Privileged.pdf"
    )
    assert made(cli, "--out", out / "exhibit-B.pdf")["path"].endswith("exhibit-B.pdf")
    assert sorted(p.name for p in out.iterdir()) == [
        "exhibit-A_Privileged.pdf",
        "exhibit-B.pdf",
        "exhibit-B.privilege-log.csv",
    ]


def test_a_privileged_transcript_takes_its_own_series_and_leaves_no_gap_in_the_productions(cli, held, tmp_path):
    first = made(cli, "--out", tmp_path / "production-1.pdf")
    privileged = made(cli, "--include-privileged", "--out", tmp_path / "exhibit-A_PRIVILEGED.pdf")
    second = made(cli, "--out", tmp_path / "production-2.pdf")
    again = made(cli, "--include-privileged", "--out-dir", tmp_path)
    given = made(cli, "--include-privileged", "--bates-prefix", "EXH", "--out", tmp_path / "given_privileged.pdf")
    pages = first["pages"]
    assert [(t["bates_first"], t["bates_last"]) for t in (first, privileged, second, again, given)] == [
        ("TF-000001", f"TF-{pages:06d}"),
        ("TF-PRIV-000001", f"TF-PRIV-{privileged['pages']:06d}"),
        (f"TF-{pages + 1:06d}", f"TF-{2 * pages:06d}"),
        (f"TF-PRIV-{privileged['pages'] + 1:06d}", f"TF-PRIV-{2 * privileged['pages']:06d}"),
        ("EXH-000001", f"EXH-{given['pages']:06d}"),
    ]
    assert dict(held.conn.execute("SELECT prefix, next_number FROM bates_counters").fetchall()) == {
        "TF": 2 * pages + 1,
        "TF-PRIV": 2 * privileged["pages"] + 1,
        "EXH": given["pages"] + 1,
    }
    for t in (first, privileged, second, again, given):
        assert cli("verify", t["path"]).exit_code == 0
    assert cli("verify").exit_code == 0
