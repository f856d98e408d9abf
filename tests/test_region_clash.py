"""An import whose --region reads a number written without a country code as another number than the one the
archive holds for it (reader 39, round 6, #1) is refused: the archive read `2025550143` as +12025550143 (US),
and `--region GB` would make it +442025550143, a second Sam Client, messages archived twice and deletions that
never happened. The region the archive read it in imports the backup as before; a client's phone from another
country, whose numbers clash with nothing archived, is read in its own region as before (ingest/writer/regions.py)."""

from __future__ import annotations

import re

import pytest
from conftest import FIXTURES, snapshot

WEEK1 = FIXTURES / "android" / "sms-20240301.xml"
WEEK2 = FIXTURES / "android" / "sms-20240308.xml"
TWICE = "another number, and so would every number written without one: messages archived already would be archived again under it."


def refused_in_gb(cli, archive):
    """The reader's case: the US archive's week-1 backup, then week 2 read in GB: refused, nothing changed."""
    assert cli("import", WEEK1).exit_code == 0
    before = snapshot(archive)
    r = cli("import", WEEK2, "--region", "GB")
    assert (r.exit_code, r.stdout, r.stderr) == (
        1,
        "",
        f"Error: {WEEK2}: (202) 555-0143, written without a country code, is archived as +12025550143 (read in region"
        f" US by import 1 of sms-20240301.xml); read in region GB it would be +442025550143, {TWICE} Pass --region"
        " US to read this export as before (or no --region: US is the archive's region)\n",
    )
    assert snapshot(archive) == before


def people(archive) -> list[tuple]:
    """Every participant, and every conversation: complete rows but their time of creation."""
    return [
        tuple(r)
        for r in archive.conn.execute(
            "SELECT c.id, c.platform, c.source_key, c.title, c.is_group, p.id, p.handle, p.display_name, p.is_owner"
            " FROM conversations c JOIN participants p ON p.conversation_id = c.id ORDER BY p.id"
        )
    ]


WEEK1_PEOPLE = [
    (1, "android", "+12025550143", "Sam Client", 0, 1, "+12025550143", "Sam Client", 0),
    (1, "android", "+12025550143", "Sam Client", 0, 2, "+12025550100", "Alex Owner", 1),
    (2, "android", "+12025550178", None, 0, 3, "+12025550178", None, 0),
    (2, "android", "+12025550178", None, 0, 4, "+12025550100", "Alex Owner", 1),
    (3, "android", "72975", None, 0, 5, "72975", None, 0),
    (3, "android", "72975", None, 0, 6, "+12025550100", "Alex Owner", 1),
    (4, "android", GROUP := "+12025550143~+12025550178~+12025550191", NAMES := "Sam Client, Dana Reyes, Lee Park", 1)
    + (7, "+12025550143", "Sam Client", 0),
    (4, "android", GROUP, NAMES, 1, 8, "+12025550178", "Dana Reyes", 0),
    (4, "android", GROUP, NAMES, 1, 9, "+12025550191", "Lee Park", 0),
    (4, "android", GROUP, NAMES, 1, 10, "+12025550100", "Alex Owner", 1),
    (5, "android", RCS := "group_42@rcs.google.com", None, 1, 11, RCS, None, 0),
    (5, "android", RCS, None, 1, 12, "+12025550143", None, 0),
    (5, "android", RCS, None, 1, 13, "+12025550178", None, 0),
    (5, "android", RCS, None, 1, 14, "+12025550100", "Alex Owner", 1),
]


def week2_only(archive) -> list[tuple]:
    """The messages week 2 added (none of week 1's archived twice): conversation, sender, direction, time, text."""
    return [
        tuple(r)
        for r in archive.conn.execute(
            "SELECT m.conversation_id, p.handle, m.direction, m.sent_at, m.body FROM messages m LEFT JOIN participants p"
            " ON p.id = m.sender_id WHERE m.id NOT IN (SELECT message_id FROM message_sources s JOIN imports i ON"
            " i.id = s.import_id WHERE i.file_name = 'sms-20240301.xml') ORDER BY m.sent_at"
        )
    ]


WEEK2_ONLY = [
    (1, "+12025550143", "in", "2024-03-08T14:00:00.000Z", "The landlord signed. Copy attached to email \U0001f914"),
    (1, "+12025550100", "out", "2024-03-08T14:05:00.000Z", "Great news, thank you!"),
]


def test_a_backup_read_in_another_region_than_the_archive_read_its_numbers_in_is_refused(cli, archive):
    refused_in_gb(cli, archive)
    assert cli("verify").exit_code == 0
    assert people(archive) == WEEK1_PEOPLE


def test_the_same_backup_without_region_imports_as_before(cli, archive):
    refused_in_gb(cli, archive)
    r = cli("import", WEEK2)
    assert (r.exit_code, r.stdout.splitlines()[0]) == (
        0,
        f"{WEEK2}: android, added 2, already present 16, updated 0, skipped 0",
    )
    assert people(archive) == WEEK1_PEOPLE
    assert week2_only(archive) == WEEK2_ONLY
    assert cli("verify").exit_code == 0


def test_the_same_backup_with_the_archives_region_given_imports(cli, archive):
    refused_in_gb(cli, archive)
    r = cli("import", WEEK2, "--region", "US")
    assert (r.exit_code, r.stdout.splitlines()[0]) == (
        0,
        f"{WEEK2}: android, added 2, already present 16, updated 0, skipped 0",
    )
    assert people(archive) == WEEK1_PEOPLE
    assert week2_only(archive) == WEEK2_ONLY
    assert [tuple(r) for r in archive.conn.execute("SELECT file_name, region FROM imports ORDER BY id")] == [
        ("sms-20240301.xml", "US"),
        ("sms-20240308.xml", "US"),
    ]


# A UK client's own phone: its contacts written as a UK phone writes them, without +44; the lawyer with +1.
UK_PHONE = """<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>
<smses count="3" backup_set="0b1e5c7a-3d2f-4e55-9a61-2f7c0d8e4b10" backup_date="1709319600000" type="full">
  <sms protocol="0" address="07700 900456" date="1709312400000" type="1" body="Are you back in London next week?" read="1" status="-1" locked="0" date_sent="1709312399000" readable_date="Mar 1, 2024 12:00:00 PM" contact_name="Robin" />
  <sms protocol="0" address="020 7946 0018" date="1709312500000" type="2" body="I have the papers for your flat." read="1" status="-1" locked="0" date_sent="0" readable_date="Mar 1, 2024 12:01:40 PM" contact_name="Letting agent" />
  <sms protocol="0" address="+12025550100" date="1709312600000" type="2" body="Alex, the agent has the papers." read="1" status="-1" locked="0" date_sent="0" readable_date="Mar 1, 2024 12:03:20 PM" contact_name="Alex (lawyer)" />
</smses>
"""


def test_a_clients_phone_from_another_country_read_in_its_region_is_imported(cli, archive, tmp_path):
    """Its numbers clash with nothing archived: read in GB as before. The owner's next backup misread in GB is still
    refused afterwards (the archive now used GB too), and read in the archive's region it imports as before."""
    phone = tmp_path / "pat-phone.xml"
    phone.write_text(UK_PHONE, encoding="utf-8")
    assert cli("client", "add", "Pat Client", "--phone", "+44 7911 123456").exit_code == 0
    assert cli("import", WEEK1).exit_code == 0
    r = cli("import", phone, "--custodian", "Pat Client", "--region", "GB")
    assert (r.exit_code, r.stdout.splitlines()[0]) == (
        0,
        f"{phone}: android, added 3, already present 0, updated 0, skipped 0",
    )
    uk = [
        tuple(r)
        for r in archive.conn.execute(
            "SELECT c.source_key, p.handle, m.direction, m.body FROM messages m JOIN conversations c ON c.id = m.conversation_id"
            " LEFT JOIN participants p ON p.id = m.sender_id WHERE m.id IN (SELECT message_id FROM message_sources s JOIN"
            " imports i ON i.id = s.import_id WHERE i.file_name = 'pat-phone.xml') ORDER BY m.sent_at"
        )
    ]
    assert uk == [
        ("+447700900456~+447911123456 without the owner", "+447700900456", "in", "Are you back in London next week?"),
        ("+442079460018~+447911123456 without the owner", "+447911123456", "in", "I have the papers for your flat."),
        ("+447911123456", "+447911123456", "in", "Alex, the agent has the papers."),
    ]
    before = snapshot(archive)
    r = cli("import", WEEK2, "--region", "GB")
    assert (r.exit_code, r.stderr) == (
        1,
        f"Error: {WEEK2}: (202) 555-0143, written without a country code, is archived as +12025550143 (read in region"
        f" US by import 1 of sms-20240301.xml); read in region GB it would be +442025550143, {TWICE} Pass --region"
        " US to read this export as before (or no --region: US is the archive's region)\n",
    )
    assert snapshot(archive) == before
    r = cli("import", WEEK2)
    assert (r.exit_code, r.stdout.splitlines()[0]) == (
        0,
        f"{WEEK2}: android, added 2, already present 16, updated 0, skipped 0",
    )
    assert week2_only(archive)[-2:] == WEEK2_ONLY


def test_a_backup_read_in_the_archives_region_where_an_earlier_import_read_its_numbers_in_another_is_refused(
    cli, archive
):
    """The inverse: week 1 was read in GB (2025550143 archived as +442025550143); week 2 in the archive's own
    region, US, would read it as +12025550143. Refused, naming the import that read it in GB; read in GB as
    before, it imports."""
    assert cli("import", WEEK1, "--region", "GB").exit_code == 0
    gb = [
        tuple(r)
        for r in archive.conn.execute(
            "SELECT conversation_id, handle FROM participants WHERE handle LIKE '+44%' ORDER BY id"
        )
    ]
    assert gb == [(2, "+442025550143"), (5, "+442025550191")]
    before = snapshot(archive)
    r = cli("import", WEEK2)
    assert (r.exit_code, r.stdout, r.stderr) == (
        1,
        "",
        f"Error: {WEEK2}: (202) 555-0143, written without a country code, is archived as +442025550143 (read in region"
        f" GB by import 1 of sms-20240301.xml); read in region US it would be +12025550143, {TWICE} Pass --region GB"
        " to read this export as before\n",
    )
    assert snapshot(archive) == before
    assert cli("verify").exit_code == 0
    r = cli("import", WEEK2, "--region", "GB")
    assert (r.exit_code, r.stdout.splitlines()[0]) == (
        0,
        f"{WEEK2}: android, added 2, already present 16, updated 0, skipped 0",
    )


# A UK client's own phone, its numbers written as the UK writes them (second reader, round 7, A).
NIGEL = """<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>
<smses count="2" backup_set="aa1c7e2a-90b4-4c1f-8e3d-6a7b2c9f0e99" backup_date="1709319600000" type="full">
  <sms protocol="0" address="+12025550100" date="1709312398000" type="2" subject="null" body="Alex, the landlord wrote again." toa="null" sc_toa="null" service_center="null" read="1" status="-1" locked="0" date_sent="0" sub_id="1" readable_date="Mar 1, 2024 11:59:58 AM" contact_name="Alex (lawyer)" />
  <sms protocol="0" address="07912 345678" date="1709313500000" type="1" subject="null" body="Pay the rent by Friday or else." toa="null" sc_toa="null" service_center="+447911000000" read="1" status="-1" locked="0" date_sent="1709313499000" sub_id="1" readable_date="Mar 1, 2024 12:18:20 PM" contact_name="Landlord" />
</smses>
"""


@pytest.mark.parametrize(
    "first, then, as_read, would_be, region",
    [
        ((), ("--region", "GB"), "07912345678", "+447912345678", "US"),
        (("--region", "GB"), (), "+447912345678", "07912345678", "GB"),
    ],
)
def test_the_same_phones_backup_read_once_as_written_and_once_in_its_region_is_refused(
    cli, archive, tmp_path, first, then, as_read, would_be, region
):
    """A UK client's backup imported into a US archive without --region keeps 07912 345678 as written; the same
    backup read with --region GB would make it +447912345678: a second Landlord, the same message archived twice.
    Refused both ways round, naming the number, the earlier reading and the region that reads it so."""
    backup = tmp_path / "nigel.xml"
    backup.write_text(NIGEL, encoding="utf-8")
    assert cli("client", "add", "Nigel Brit", "--phone", "+44 7911 123456").exit_code == 0
    assert cli("import", backup, "--custodian", "Nigel Brit", *first).exit_code == 0
    before = snapshot(archive)
    r = cli("import", backup, "--custodian", "Nigel Brit", *then)
    out = f"Pass --region {region} to read this export as before" + (
        " (or no --region: US is the archive's region)" if region == "US" else ""
    )
    assert (r.exit_code, r.stdout, r.stderr) == (
        1,
        "",
        f"Error: {backup}: 07912 345678, written without a country code, is archived as {as_read} (read in region"
        f" {region} by import 1 of nigel.xml); read in region {'GB' if region == 'US' else 'US'} it would be"
        f" {would_be}, another number: messages archived already would be archived again under it. {out}\n",
    )
    assert snapshot(archive) == before


def test_another_phones_reading_of_a_number_never_refuses_this_phones(cli, archive, tmp_path):
    """The owner's US phone keeps a UK number as written; the UK client's phone, read in GB after a first backup read
    without --region that never wrote the number, gives it +44: imported (only this phone's readings count: second
    reader, round 8, 3)."""
    owners = tmp_path / "owner-uk.xml"
    owners.write_text(NIGEL.replace('address="+12025550100"', 'address="+12025550177"'), encoding="utf-8")
    first = tmp_path / "nigel-w1.xml"
    first.write_text(
        re.sub(r"\n  <sms [^\n]*07912 345678[^\n]*", "", NIGEL).replace('count="2"', 'count="1"'), encoding="utf-8"
    )
    backup = tmp_path / "nigel.xml"
    backup.write_text(NIGEL, encoding="utf-8")
    assert cli("client", "add", "Nigel Brit", "--phone", "+44 7911 123456").exit_code == 0
    assert cli("import", owners).exit_code == 0  # (the owner's phone: 07912 345678 kept as written)
    assert cli("import", first, "--custodian", "Nigel Brit").exit_code == 0  # (read in US; no number without a code)
    r = cli("import", backup, "--custodian", "Nigel Brit", "--region", "GB")
    assert r.exit_code == 0, r.output
    assert (
        archive.conn.execute(
            "SELECT count(*) FROM participants WHERE handle IN ('07912345678', '+447912345678')"
        ).fetchone()[0]
        == 2
    )  # (each phone's reading, as each read it: the import warns that they are not joined)
