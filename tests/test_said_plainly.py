"""Refusals that name a time say it as every time a person reads is said (local, with its offset), and
options that take a count refuse what counts nothing (the second reader's findings, stop 36)."""

from __future__ import annotations

from textfile import times


def test_a_revocation_before_the_consent_names_the_consent_s_time_as_local(cli, archive):
    cli("client", "add", "Sam Client", "--phone", "202-555-0143")
    assert cli("client", "consent", "Sam Client", "--given", "2024-03-06", "--method", "text").exit_code == 0
    given = archive.conn.execute("SELECT given_at FROM consents").fetchone()[0]
    r = cli("client", "consent", "Sam Client", "--revoked", "2024-03-05")
    assert (r.exit_code, r.stderr) == (
        1,
        "Error: revoked '2024-03-05' is before the consent was given (2024-03-06 00:00:00 -05:00)\n",
    )
    assert times.display(given, times.archive_zone(archive.conn)) == "2024-03-06 00:00:00 -05:00"
    assert archive.conn.execute("SELECT revoked_at FROM consents").fetchone()[0] is None


def test_log_limit_counts_at_least_one_entry(cli):
    for bad in ("0", "-1"):
        r = cli("log", "--limit", bad)
        assert r.exit_code == 2 and "Invalid value for '--limit'" in r.output
    assert cli("log", "--limit", "1").exit_code == 0
