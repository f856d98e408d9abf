"""Days people read are days on the archive's clock (America/New_York here), not UTC dates: an
instant at 02:00 UTC on 2 March is the evening of 1 March in New York, and every line that names the
day of a disposal, an opt-out or a decision says 1 March. And a flag's time is printed at the precision
its source wrote it in."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from conftest import ingest_records, msg
from hypothesis import given
from hypothesis import strategies as st
from test_dispose_said import _disposable

from textfile import times
from textfile.review import queue

EVENING = "2026-03-02T02:00:00.000Z"  # 21:00 on 1 March in New York


def test_the_day_of_an_instant_is_the_day_on_the_clock_it_is_read_on():
    assert times.day(EVENING, times.zone("America/New_York")) == "2026-03-01"
    assert times.day(EVENING, times.zone("Europe/London")) == "2026-03-02"
    assert times.day("2026-03-01T23:30:00.000Z", times.zone("Asia/Tokyo")) == "2026-03-02"


def _disposed_in_the_evening(cli, archive, tmp_path) -> None:
    _disposable(cli, tmp_path)
    assert cli("dispose", "A-1", "--confirm", "--out", tmp_path / "c.pdf").exit_code == 0
    with archive.transaction() as conn:
        conn.execute("UPDATE disposals SET disposed_at = ?", (EVENING,))


def test_a_disposed_matter_s_day_is_the_archive_s(cli, archive, tmp_path):
    _disposed_in_the_evening(cli, archive, tmp_path)

    again = cli("matter", "open", "A-1", "--client", "Sam Client", "--title", "Lease again")
    note = cli("note", "add", "A-1", "late note")

    assert (again.exit_code, again.stderr) == (
        1,
        "Error: a matter 'A-1' was disposed of on 2026-03-01: its reference stays reserved (give another)\n",
    )
    assert note.exit_code == 1
    assert note.stderr.startswith(
        "Error: matter 'A-1' was disposed of on 2026-03-01 (textfile retention report): its file is gone, so "
    )


def test_an_opt_out_s_day_in_a_flag_s_reason_is_the_archive_s(archive):
    evening = datetime(2024, 3, 2, 2, 0, tzinfo=UTC)
    ingest_records(
        archive,
        [
            replace(msg(1, "STOP"), sent_at=evening),
            replace(msg(2, "One more thing", out=True), sent_at=evening.replace(minute=5)),
        ],
    )

    after = [f for f in queue.flags(archive.conn, tz=times.zone("America/New_York")) if f.rule == "after_opt_out"]
    without_tz = [f for f in queue.flags(archive.conn) if f.rule == "after_opt_out"]

    assert [f.why for f in after] == ["texted after +12025550143 sent STOP (2024-03-01)"]
    assert [f.why for f in without_tz] == ["texted after +12025550143 sent STOP (2024-03-01)"]


def test_a_decision_s_day_is_the_archive_s(archive, cli):
    ingest_records(archive, [msg(1, "the hearing")])
    assert cli("review", "ack", "1", "--by", "J. Smith").exit_code == 0
    with archive.transaction() as conn:
        conn.execute("UPDATE review_flags SET decided_at = ?", (EVENING,))

    again = cli("review", "ack", "1")

    assert (again.exit_code, again.stderr) == (
        1,
        "Error: flag 1 is already reviewed by J. Smith on 2026-03-01; `review reopen` it first to decide again\n",
    )


def test_a_flag_s_time_is_printed_at_the_precision_its_source_wrote_it(archive, cli):
    """A WhatsApp time is to the minute: `review` prints 07:01, never an invented 07:01:00."""
    ingest_records(archive, [msg(1, "the hearing", time_precision="minute"), msg(2, "the trial")])

    listed = cli("review")
    flagged = queue.flags(archive.conn, tz=times.zone("America/New_York"))

    assert [f.time_precision for f in flagged] == ["minute", None]
    assert "2024-03-01 07:01 -05:00" in listed.stdout and "07:01:00" not in listed.stdout
    assert "2024-03-01 07:02:00 -05:00" in listed.stdout


@given(st.datetimes(timezones=st.sampled_from([UTC, times.zone("America/New_York"), times.zone("Asia/Kolkata")])))
def test_an_instant_is_stored_in_utc_to_the_millisecond_as_isoformat_writes_it(instant):
    """`times.to_iso` writes what isoformat writes in UTC, "Z" for "+00:00", the milliseconds cut (not rounded);
    and reads back as that instant to the millisecond."""
    u = instant.astimezone(UTC)
    assert times.to_iso(instant) == u.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    assert times.from_iso(times.to_iso(instant)) == u.replace(microsecond=u.microsecond // 1000 * 1000)
