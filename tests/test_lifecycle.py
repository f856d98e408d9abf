"""Legal hold on the transcript's cover, retention policies (archive, matter, default, minors), and every
refusal of `dispose` with its message."""

from __future__ import annotations

import json
import subprocess
from datetime import date, timedelta

import pytest
from conftest import snapshot
from lifecycle_build import exports

from textfile import times
from textfile.filing.names import matter_row
from textfile.lifecycle import retention
from textfile.transcript import manifest


@pytest.fixture
def filed(cli, tmp_path):
    """Sam's matter A-1 and Bo's B-1, both exports imported."""
    first, second = exports(tmp_path)
    for args in (
        ("client", "add", "Sam Client", "--phone", "+12025550143"),
        ("client", "add", "Bo Other", "--phone", "+12025550177"),
        ("matter", "open", "A-1", "--client", "Sam Client", "--title", "Lease"),
        ("matter", "open", "B-1", "--client", "Bo Other", "--title", "Other"),
        ("import", first),
        ("import", second),
    ):
        assert cli(*args).exit_code == 0, args
    return tmp_path


def text_of(pdf) -> str:
    return " ".join(
        subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split()
    )


def test_a_held_matters_cover_says_since_when(cli, archive, filed):
    assert cli("matter", "hold", "A-1").exit_code == 0
    entry, at = archive.conn.execute("SELECT id, at FROM audit_log WHERE command = 'matter hold'").fetchone()
    since = times.display(at, times.zone("America/New_York"))
    assert cli("transcript", "A-1", "--out", filed / "held.pdf").exit_code == 0
    assert cli("transcript", "B-1", "--out", filed / "free.pdf").exit_code == 0

    assert f"Legal hold Under legal hold since {since} (audit entry {entry})" in text_of(filed / "held.pdf")
    assert json.loads(manifest.read(filed / "held.pdf"))["disclosures"]["legal_hold"] == [
        {"matter": "A-1", "entry": entry, "since": at, "said": f"Under legal hold since {since} (audit entry {entry})"}
    ]
    assert "legal hold" not in text_of(filed / "free.pdf").lower()
    assert "legal_hold" not in json.loads(manifest.read(filed / "free.pdf"))["disclosures"]


def test_a_released_matters_cover_says_nothing(cli, archive, filed):
    assert cli("matter", "hold", "A-1").exit_code == 0
    assert cli("matter", "release", "A-1").exit_code == 0
    assert cli("transcript", "A-1", "--out", filed / "a.pdf").exit_code == 0
    assert "legal hold" not in text_of(filed / "a.pdf").lower()


def _retention(archive, reference: str, on: date) -> retention.Retention:
    conn = archive.conn
    return retention.retention(conn, matter_row(conn, reference), times.zone("America/New_York"), on)


def test_the_default_the_archives_and_a_matters_policy(cli, archive, filed):
    assert cli("matter", "close", "A-1").exit_code == 0
    closed = (
        times.from_iso(matter_row(archive.conn, "A-1")["closed_at"]).astimezone(times.zone("America/New_York")).date()
    )
    found = _retention(archive, "A-1", closed)
    assert (found.policy.years, found.policy.source, found.keep_until, found.past) == (
        7,
        "default",
        retention.add_years(closed, 7).isoformat(),
        False,
    )
    assert "not legal advice" in found.policy.basis

    assert cli("retention", "set", "--years", "5", "--basis", "state bar: 5 years").exit_code == 0
    assert cli("retention", "set", "--matter", "A-1", "--years", "10", "--basis", "malpractice tail").exit_code == 0
    assert cli("matter", "close", "B-1").exit_code == 0
    a, b = _retention(archive, "A-1", closed), _retention(archive, "B-1", closed)
    assert (a.policy.years, a.policy.source, a.policy.basis, a.keep_until) == (
        10,
        "matter",
        "malpractice tail",
        retention.add_years(closed, 10).isoformat(),
    )
    assert (b.policy.years, b.policy.source, b.policy.basis) == (5, "archive", "state bar: 5 years")
    assert _retention(archive, "B-1", retention.add_years(closed, 5)).past is True
    assert _retention(archive, "B-1", retention.add_years(closed, 5) - timedelta(days=1)).past is False

    shown = json.loads(cli("retention", "show", "--json").output)
    assert (shown["archive"]["years"], shown["archive"]["source"], list(shown["matters"])) == (5, "archive", ["A-1"])
    commands = [r[0] for r in archive.conn.execute("SELECT command FROM audit_log WHERE command = 'retention set'")]
    assert commands == ["retention set", "retention set"]


def test_a_minors_file_is_kept_n_years_after_they_turn_18(cli, archive, filed):
    assert cli("retention", "set", "--years", "3").exit_code == 0
    assert cli("client", "minor", "Sam Client", "--guardian", "+12025550199").exit_code == 0
    assert cli("matter", "close", "A-1").exit_code == 0

    unknown = _retention(archive, "A-1", date(2099, 1, 1))
    assert (unknown.keep_until, unknown.past, unknown.disposable) == (None, False, False)
    assert unknown.obstacles == [
        "Sam Client is a minor with no date of birth on record: retention cannot be computed"
        ' (record it: textfile client minor "Sam Client" --born YYYY-MM-DD)'
    ]

    done = cli("client", "minor", "Sam Client", "--born", "2015-02-28")
    assert done.exit_code == 0 and "Date of birth recorded: 2015-02-28" in done.output
    found = _retention(archive, "A-1", date(2036, 2, 27))
    assert (found.born, found.keep_until, found.past) == ("2015-02-28", "2036-02-28", False)  # 18 in 2033, + 3
    assert _retention(archive, "A-1", date(2036, 2, 28)).past is True
    details = json.loads(
        archive.conn.execute("SELECT details FROM audit_log WHERE command = 'client born'").fetchone()[0]
    )
    assert {k: v for k, v in details.items() if k != "records"} == {"client": "Sam Client", "born": "2015-02-28"}
    guardians = json.loads(archive.conn.execute("SELECT guardians FROM client_minors").fetchone()[0])
    assert guardians == ["+12025550199"]  # --born alone changes nothing else


def test_retention_report_says_when_the_18th_birthday_set_the_date(cli, archive, filed):
    assert cli("retention", "set", "--years", "2").exit_code == 0
    assert cli("client", "minor", "Sam Client", "--born", "2015-05-04").exit_code == 0
    assert cli("matter", "close", "A-1").exit_code == 0
    assert cli("matter", "close", "B-1").exit_code == 0

    shown = cli("retention", "report")
    rows = json.loads(cli("retention", "report", "--json").output)

    cells = [[c.strip() for c in line.split("│")[1:-1]] for line in shown.output.splitlines() if line.startswith("│ ")]
    assert [[c[0], *c[3:]] for c in cells] == [
        ["A-1", "2y archive, minor: 18+2", "2035-05-04", "kept"],
        ["B-1", "2y archive", rows[1]["keep_until"], "kept"],
    ]
    assert [(r["matter"], r["keep_until"] == "2035-05-04", r["minor_rule"]) for r in rows] == [
        ("A-1", True, True),
        ("B-1", False, False),
    ]


def test_an_adult_clients_birth_date_changes_nothing(cli, archive, filed):
    assert cli("retention", "set", "--years", "2").exit_code == 0
    assert cli("client", "minor", "Sam Client", "--born", "1980-01-01").exit_code == 0
    assert cli("matter", "close", "A-1").exit_code == 0
    closed = (
        times.from_iso(matter_row(archive.conn, "A-1")["closed_at"]).astimezone(times.zone("America/New_York")).date()
    )
    assert _retention(archive, "A-1", closed).keep_until == retention.add_years(closed, 2).isoformat()


def test_retention_report_lists_what_can_go_and_why_the_rest_cannot(cli, archive, filed):
    assert cli("retention", "set", "--years", "0").exit_code == 0
    assert cli("matter", "close", "A-1").exit_code == 0
    assert cli("matter", "close", "B-1").exit_code == 0
    assert cli("matter", "hold", "B-1").exit_code == 0

    shown = cli("retention", "report")
    rows = json.loads(cli("retention", "report", "--json").output)

    assert shown.exit_code == 0
    assert "A-1: textfile dispose A-1 --confirm" in shown.output
    assert "B-1 cannot be disposed of yet: matter B-1 is on hold: under legal hold since " in shown.output
    assert [(r["matter"], r["past"], r["disposable"], r["command"]) for r in rows] == [
        ("A-1", True, True, "textfile dispose A-1 --confirm"),
        ("B-1", True, False, None),
    ]


def test_a_hold_and_its_release_are_audited_with_their_reasons(cli, archive, filed):
    """Second reader, round 12: `matter hold` took no --reason, though close, reopen and unfile do; a hold's reason
    is the one a court asks for."""
    held = cli("matter", "hold", "A-1", "--reason", "malpractice claim notice of 2026-11-30")
    assert (held.exit_code, held.output) == (0, "Matter A-1 is under legal hold.\n")
    assert cli("matter", "release", "A-1", "--reason", "claim withdrawn").exit_code == 0
    assert cli("matter", "hold", "A-1").exit_code == 0  # (a reason is not required)
    blank = cli("matter", "release", "A-1", "--reason", " ")
    assert (blank.exit_code, blank.stderr) == (
        1,
        "Error: say why the matter's hold is released (--reason), or give no --reason\n",
    )
    assert [
        (command, {k: v for k, v in json.loads(details).items() if k != "records"})  # (the records' digests)
        for command, details in archive.conn.execute(
            "SELECT command, details FROM audit_log WHERE command LIKE 'matter %' AND command != 'matter open' ORDER BY id"
        )
    ] == [
        ("matter hold", {"matter": "A-1", "reason": "malpractice claim notice of 2026-11-30"}),
        ("matter release", {"matter": "A-1", "reason": "claim withdrawn"}),
        ("matter hold", {"matter": "A-1"}),
    ]


def test_a_policy_of_0_years_is_warned_of_and_1_year_is_said_so(cli, archive, filed):
    """Second reader, round 12: --years 0 was taken without a word (a file disposed of the day it closed), and a
    refusal said "1 years"."""
    zero = cli("retention", "set", "--matter", "A-1", "--years", "0")
    assert (zero.exit_code, zero.stderr) == (
        0,
        "Warning: --years 0: a matter's file may be disposed of (every message deleted) the day it closes, this"
        " matter included\n",
    )
    assert cli("retention", "set", "--years", "1", "--quiet").stderr == ""
    assert cli("matter", "close", "B-1").exit_code == 0
    refused = cli("dispose", "B-1")
    assert refused.exit_code == 1 and ": 1 year after it closed (archive policy)" in refused.stderr, refused.output


REFUSALS = {
    "open": ("matter A-1 is open: only a closed matter is disposed of (textfile matter close A-1)",),
    "kept": ("matter A-1 is kept until ",),
    "hold": ("matter A-1 is on hold: under legal hold since ", "(textfile matter release A-1 when the hold ends)"),
    "shared": (
        "conversation 1 is also filed to matter C-1, which is open: its messages stay while that matter needs them",
    ),
}


@pytest.mark.parametrize("why", list(REFUSALS))
def test_each_refusal_says_why_and_changes_nothing(cli, archive, filed, why):
    steps = {
        "open": [],
        "kept": [("matter", "close", "A-1")],
        "hold": [("retention", "set", "--years", "0"), ("matter", "close", "A-1"), ("matter", "hold", "A-1")],
        "shared": [
            ("retention", "set", "--years", "0"),
            ("matter", "open", "C-1", "--client", "Sam Client", "--title", "Deposit"),
            ("file", "1", "--matter", "C-1"),
            ("matter", "close", "A-1"),
        ],
    }[why]
    for args in steps:
        assert cli(*args).exit_code == 0, args
    before = snapshot(archive)

    refused = cli("dispose", "A-1", "--confirm", "--out", filed / "cert.pdf")

    assert refused.exit_code == 1
    assert refused.output.startswith("Error: matter A-1 cannot be disposed of: ")
    assert all(said in refused.output for said in REFUSALS[why]), refused.output
    assert refused.output.rstrip().endswith("Nothing was done.")
    assert snapshot(archive) == before
    assert not (filed / "cert.pdf").exists()


def test_a_disposed_matter_is_not_disposed_of_twice_and_keeps_its_reference(cli, archive, filed):
    assert cli("retention", "set", "--years", "0").exit_code == 0
    assert cli("matter", "close", "A-1").exit_code == 0
    assert cli("dispose", "A-1", "--confirm", "--out", filed / "cert.pdf").exit_code == 0

    again = cli("dispose", "A-1", "--confirm")
    assert again.exit_code == 1 and "matter A-1 was disposed of on " in again.output
    assert cli("matter", "open", "A-1", "--client", "Sam Client", "--title", "New").exit_code == 1

    remade = cli("dispose", "A-1", "--certificate", "--out", filed / "cert-2.pdf")
    assert remade.exit_code == 0, remade.output
    assert cli("verify", filed / "cert-2.pdf").exit_code == 0


def test_status_names_the_matters_past_retention_and_needs_no_one_for_them(cli, archive):
    """A closed matter past retention, on no hold, is said by `status` with the command that lists it; it
    does not by itself make `status` exit 4 (disposal is a person's decision, never urged)."""
    for args in (
        ("client", "add", "Sam Client", "--phone", "+12025550143"),
        ("matter", "open", "A-1", "--client", "Sam Client", "--title", "Lease"),
        ("matter", "open", "A-2", "--client", "Sam Client", "--title", "Held"),
        ("matter", "close", "A-1"),
        ("matter", "close", "A-2"),
        ("matter", "hold", "A-2"),
        ("retention", "set", "--years", "0"),
    ):
        assert cli(*args).exit_code == 0, args
    done = cli("status", "--json")
    assert (done.exit_code, json.loads(done.stdout)["past_retention"]) == (0, ["A-1"])
    assert "Closed matters past retention, on no hold: A-1 (textfile retention report)" in cli("status").stdout
