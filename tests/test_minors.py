"""A minor client over the file's life: the mark and the date of birth shown, corrected and cleared, the
retention rule only for a client marked a minor, the review rule up to their 18th birthday."""

from __future__ import annotations

import json
from datetime import date

from conftest import ingest_records, msg
from test_lifecycle import _retention, filed  # noqa: F401 (a fixture)

from textfile import times
from textfile.filing.names import matter_row
from textfile.lifecycle import retention
from textfile.review import queue

NY = times.zone("America/New_York")


def _closed(archive) -> date:
    return times.from_iso(matter_row(archive.conn, "A-1")["closed_at"]).astimezone(NY).date()


def test_not_minor_clears_the_rule_and_the_date_of_birth(cli, archive, filed):  # noqa: F811
    assert cli("retention", "set", "--years", "3").exit_code == 0
    assert cli("client", "minor", "Sam Client", "--born", "2015-02-28").exit_code == 0
    assert cli("matter", "close", "A-1").exit_code == 0
    assert _retention(archive, "A-1", _closed(archive)).keep_until == "2036-02-28"

    done = cli("client", "minor", "Sam Client", "--not-minor")

    assert done.exit_code == 0, done.output
    assert done.output.splitlines()[-1] == "Date of birth cleared (it was 2015-02-28)."
    found = _retention(archive, "A-1", _closed(archive))
    assert (found.minor, found.born, found.keep_until) == (
        False,
        None,
        retention.add_years(_closed(archive), 3).isoformat(),
    )
    details = [
        {k: v for k, v in json.loads(d).items() if k != "records"}
        for (d,) in archive.conn.execute("SELECT details FROM audit_log WHERE command = 'client born' ORDER BY id")
    ]
    assert details == [
        {"client": "Sam Client", "born": "2015-02-28"},
        {"client": "Sam Client", "born": None, "was": "2015-02-28"},
    ]
    refused = cli("client", "minor", "Sam Client", "--not-minor", "--born", "2015-02-28")
    assert refused.exit_code == 1
    assert "--not-minor clears the mark and the date of birth" in refused.output


def test_a_birth_date_left_without_the_mark_is_not_the_minor_rule(cli, archive, filed):  # noqa: F811
    assert cli("retention", "set", "--years", "3").exit_code == 0
    assert cli("client", "minor", "Sam Client", "--born", "2015-02-28").exit_code == 0
    archive.conn.execute("DELETE FROM client_minors")  # (an archive whose --not-minor kept the date, before this)
    archive.conn.commit()
    assert cli("matter", "close", "A-1").exit_code == 0
    found = _retention(archive, "A-1", _closed(archive))
    assert (found.minor, found.born, found.keep_until) == (
        False,
        None,
        retention.add_years(_closed(archive), 3).isoformat(),
    )


def test_a_wrong_birth_date_is_replaced_and_an_adult_now_says_since_when(cli, archive, filed):  # noqa: F811
    first = cli("client", "minor", "Sam Client", "--born", "2015-02-28")
    assert first.output.splitlines()[-1] == (
        "Date of birth recorded: 2015-02-28 (a minor until 2033-02-28, from midnight in America/New_York;"
        " retention: textfile retention report)."
    )

    again = cli("client", "minor", "Sam Client", "--born", "2005-02-28")

    assert again.exit_code == 0, again.output
    assert again.output.splitlines()[-1] == (
        "Date of birth recorded: 2005-02-28 (an adult since 2023-02-28, from midnight in America/New_York,"
        " replacing 2015-02-28; retention: textfile retention report)."
    )
    assert archive.conn.execute("SELECT born FROM client_births").fetchall()[0][0] == "2005-02-28"
    assert cli("retention", "set", "--years", "30").exit_code == 0
    assert cli("matter", "close", "A-1").exit_code == 0
    assert (
        _retention(archive, "A-1", _closed(archive)).keep_until == retention.add_years(_closed(archive), 30).isoformat()
    )
    assert _retention(archive, "A-1", _closed(archive)).born == "2005-02-28"


def test_a_leap_day_birth_says_the_day_they_turn_18_and_the_zone(cli, archive, filed):  # noqa: F811
    done = cli("client", "minor", "Sam Client", "--born", "2008-02-29")
    help_text = " ".join(cli("client", "minor", "--help").output.split())

    assert done.output.splitlines()[-1] == (
        "Date of birth recorded: 2008-02-29 (an adult since 2026-02-28, from midnight in America/New_York"
        " (born on 29 February: 18 on 28 February in a year without it); retention: textfile retention report)."
    )
    assert (
        "They turn 18 at midnight of their birthday in the archive's zone (textfile settings); born on 29 February:"
        " on 28 February, in a year without it." in help_text.replace("│ ", "").replace(" │", "")
    )


def test_a_day_that_does_not_exist_is_not_a_date(cli, archive, filed):  # noqa: F811
    done = cli("client", "minor", "Sam Client", "--born", "2015-02-29")
    assert done.exit_code == 1
    assert "--born: not a date: 2015-02-29" in done.output
    assert "YYYY-MM-DD" in cli("client", "minor", "Sam Client", "--born", "29/02/2016").output


def test_client_show_says_the_mark_the_guardians_and_the_date_of_birth(cli, archive, filed):  # noqa: F811
    assert "minor" not in cli("client", "show", "Sam Client").output
    assert cli("client", "minor", "Sam Client", "--guardian", "+12025550199", "--born", "2015-02-28").exit_code == 0

    shown = cli("client", "show", "Sam Client")
    data = json.loads(cli("client", "show", "Sam Client", "--json").output)

    assert "A minor: guardians +12025550199; born 2015-02-28." in shown.output.splitlines()
    assert (data["minor"], data["guardians"], data["born"]) == (True, ["+12025550199"], "2015-02-28")


def test_the_minor_rule_flags_only_texts_sent_before_the_18th_birthday(archive, cli):
    assert cli("client", "add", "Sam Client", "--phone", "+12025550143").exit_code == 0
    assert cli("matter", "open", "M-1", "--client", "Sam Client", "--title", "Lease").exit_code == 0
    assert cli("settings", "--no-consent-required").exit_code == 0
    ingest_records(archive, [msg(-1000, "before"), msg(1, "after")])  # 2024-02-29 19:20Z, 2024-03-01 12:01Z
    assert cli("client", "minor", "Sam Client").exit_code == 0
    assert _flags(archive) == [("minor", "1.1", "open"), ("minor", "1.2", "open")]

    assert cli("client", "minor", "Sam Client", "--born", "2006-03-01").exit_code == 0  # 18 on 2024-03-01 05:00Z

    assert _flags(archive) == [("minor", "1.1", "open"), ("minor", "1.2", "cleared")]


def _flags(archive) -> list[tuple]:
    return [(f.rule, f.number, f.state) for f in queue.flags(archive.conn, states=queue.STATES, tz=NY)]
