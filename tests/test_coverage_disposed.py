"""Coverage after a disposal: the records an export holds that a disposal deleted (skipped at import,
ingest/writer/disposed.py) still count in the span it covers, so a deletion on the phone inside it is seen;
and a disposed message itself is never called missing from the phone."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

KIM = "+12025550177"


def backup(folder: Path, name: str, days: list[int]) -> Path:
    """An Android backup of Kim's thread: one text at 16:00 UTC (noon in New York) on each day of June 2026, "Kim day N"."""
    sms = [
        f'  <sms protocol="0" address="{KIM}" date="{int(datetime(2026, 6, d, 16, tzinfo=UTC).timestamp() * 1000)}"'
        f' type="1" subject="null" body="Kim day {d}" toa="null" sc_toa="null" service_center="null" read="1"'
        ' status="-1" locked="0" date_sent="0" sub_id="1" readable_date="x" contact_name="Kim Young" />\n'
        for d in days
    ]
    out = folder / name
    out.write_text(
        "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n"
        f'<smses count="{len(sms)}" backup_set="{name}" backup_date="0" type="full">\n{"".join(sms)}</smses>\n',
        encoding="utf-8",
    )
    return out


def _run(cli, *steps) -> None:
    for args in steps:
        done = cli(*args)
        assert done.exit_code == 0, (args, done.output)


def imported(cli, path: Path) -> dict:
    done = cli("import", path, "--json")
    assert done.exit_code == 0, done.output
    [result] = json.loads(done.stdout)
    return result


def kims_thread_in_two_windows(cli, tmp_path: Path, *, dispose: bool) -> None:
    """Kim's thread filed to K-1 up to June 3 and to K-2 from June 4, both closed; K-1 disposed of or not."""
    _run(
        cli,
        ("client", "add", "Kim Young", "--phone", KIM),
        ("matter", "open", "K-1", "--client", "Kim Young", "--title", "k1"),
        ("import", backup(tmp_path, "week1.xml", [1, 3, 5, 7])),
        ("unfile", "1", "--reason", "two windows"),
        ("file", "1", "--matter", "K-1", "--until", "2026-06-03"),
        ("matter", "open", "K-2", "--client", "Kim Young", "--title", "k2"),
        ("file", "1", "--matter", "K-2", "--from", "2026-06-04"),
        ("matter", "close", "K-1"),
        ("matter", "close", "K-2"),
    )
    if dispose:
        _run(
            cli,
            ("retention", "set", "--matter", "K-1", "--years", "0"),
            ("dispose", "K-1", "--confirm", "--out", tmp_path / "k1.pdf"),
        )


def missing(archive) -> list[dict]:
    return [
        dict(r)
        for r in archive.conn.execute(
            "SELECT m.body, a.import_id, a.last_seen_import_id, a.span_first, a.span_last, a.seen_again_import_id"
            " FROM missing_from_phone a JOIN messages m ON m.id = a.message_id ORDER BY a.import_id, m.sent_at"
        )
    ]


def test_a_deletion_inside_the_span_is_seen_when_the_exports_first_messages_were_disposed_of(cli, archive, tmp_path):
    kims_thread_in_two_windows(cli, tmp_path, dispose=True)
    week2 = imported(cli, backup(tmp_path, "week2.xml", [1, 2, 3, 5, 7, 9]))
    assert (week2["added"], week2["skipped"]) == (2, {"disposed of": 2})  # June 2 is new; 1 and 3 were disposed of
    # June 2 deleted on the phone; June 3 (disposed of) gone from the phone too
    week3 = imported(cli, backup(tmp_path, "week3.xml", [1, 5, 7, 9, 10]))
    assert (week3["skipped"], week3["missing_from_phone"]) == ({"disposed of": 1}, 1)
    # the span is from June 1, the disposed record the export still holds, not from June 5
    assert missing(archive) == [
        {
            "body": "Kim day 2",
            "import_id": 3,
            "last_seen_import_id": 2,
            "span_first": "2026-06-01T16:00:00.000Z",
            "span_last": "2026-06-10T16:00:00.000Z",
            "seen_again_import_id": None,
        }
    ]
    said = cli("coverage")
    assert said.exit_code == 0, said.output
    assert "1 message (2026-06-02 12:00:00 -04:00) not in week3.xml" in said.output


def test_without_a_disposal_the_same_exports_say_the_same(cli, archive, tmp_path):
    kims_thread_in_two_windows(cli, tmp_path, dispose=False)
    imported(cli, backup(tmp_path, "week2.xml", [1, 2, 3, 5, 7, 9]))
    week3 = imported(cli, backup(tmp_path, "week3.xml", [1, 5, 7, 9, 10]))
    assert week3["missing_from_phone"] == 2  # June 2, and June 3 (kept: not disposed of)
    assert [(r["body"], r["span_first"]) for r in missing(archive)] == [
        ("Kim day 2", "2026-06-01T16:00:00.000Z"),
        ("Kim day 3", "2026-06-01T16:00:00.000Z"),
    ]


def test_a_disposed_message_the_phone_lost_is_not_called_missing(cli, archive, tmp_path):
    kims_thread_in_two_windows(cli, tmp_path, dispose=True)
    # June 1 and 3 were disposed of; the next export lacks June 3: it is gone from the archive, nothing to say
    week2 = imported(cli, backup(tmp_path, "week2.xml", [1, 5, 7, 9]))
    assert (week2["skipped"], week2.get("missing_from_phone", 0)) == ({"disposed of": 1}, 0)
    assert missing(archive) == []
