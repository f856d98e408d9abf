"""Handle normalization: what gets a country code, what is kept as written, and the key earlier versions computed."""

from __future__ import annotations

import pytest

from textfile import phones


@pytest.mark.parametrize(
    "written, region, handle",
    [
        # Another country's number as that country dials it: never given the region's code.
        ("0669462731", "US", "0669462731"),  # a French mobile; no US number begins with 0
        ("06 69 46 27 31", "US", "0669462731"),  # the digits as written, formatting dropped
        ("06.69.46.27.31", "US", "0669462731"),
        ("\u202a06-69-46-27-31\u202c", "US", "0669462731"),
        ("0669462731", "GB", "0669462731"),  # 669462731 after the trunk 0 is no UK number either
        ("1111111111", "US", "1111111111"),  # no US area code begins with 1
        ("11111111110", "US", "11111111110"),
        ("662 22 79 31", "US", "662227931"),  # too short for the US: as before, but as its digits
        ("+1 (21) 111", "US", "+121111"),  # a "+" as written is kept
        # Numbers of the region: E.164, valid or only of the region's outline (fictional 555 numbers).
        ("5551234567", "US", "+15551234567"),
        ("(555) 123-4567", "US", "+15551234567"),
        ("15551234567", "US", "+15551234567"),
        ("+15551234567", "US", "+15551234567"),
        ("2025550123", "US", "+12025550123"),
        ("8005551234", "US", "+18005551234"),
        ("020 7946 0958", "GB", "+442079460958"),
        # A country code as written, even for a number that is not valid: the export wrote it.
        ("+11111111111", "US", "+11111111111"),
        ("+10669462731", "US", "+10669462731"),
        ("+33 6 69 46 27 31", "US", "+33669462731"),
        ("0033669462731", "US", "+33669462731"),
        ("011 33 6 69 46 27 31", "US", "+33669462731"),
        # Short codes, names, emails.
        ("72975", "US", "72975"),
        ("4444", "US", "4444"),
        ("Sam Client", "US", "Sam Client"),
        ("1.5", "US", "1.5"),
        (" Alex@Example.com ", "US", "alex@example.com"),
    ],
)
def test_normalize_handle_never_adds_a_country_code_the_number_does_not_have(written, region, handle):
    assert phones.normalize_handle(written, region) == handle
    # ingest normalizes again what an importer hands it: the handle must stay itself.
    assert phones.normalize_handle(handle, region) == handle


@pytest.mark.parametrize(
    "written, key",
    [
        ("0669462731", "+10669462731"),
        ("06 69 46 27 31", "+10669462731"),
        ("1111111111", "+11111111111"),
        ("662 22 79 31", "662 22 79 31"),
        ("+1 (21) 111", "+1 (21) 111"),
        ("5551234567", "+15551234567"),
        ("+33669462731", "+33669462731"),
        ("72975", "72975"),
        ("Sam Client", "Sam Client"),
    ],
)
def test_handle_key_is_the_reading_of_earlier_versions(written, key):
    """The key Android identities and conversations were computed from before numbers were kept as written."""
    assert phones.handle_key(written, "US") == key


@pytest.mark.parametrize(
    "handle, region, expected",
    [
        ("0669462731", "US", True),
        ("1111111111", "US", True),
        ("662227931", "US", True),
        ("72975", "US", False),  # a short code of the region: a sender, not a number missing its code
        ("4444", "US", False),
        ("+33669462731", "US", False),
        ("+12025550123", "US", False),
        ("Sam Client", "US", False),
    ],
)
def test_written_without_code(handle, region, expected):
    assert phones.written_without_code(handle, region) is expected


@pytest.mark.parametrize(
    "international, digits",
    [
        ("+33669462731", "0669462731"),
        ("+31612345678", "0612345678"),
        ("+447911123456", "07911123456"),
        ("+390612345678", "0612345678"),
        ("+15551234567", "5551234567"),
        ("+11111111111", "1111111111"),
        ("+34662227931", "662227931"),
    ],
)
def test_national_digits(international, digits):
    assert phones.national_digits(international) == digits


@pytest.mark.parametrize("written", ["24/7", "3.14", "1-2-3", "(12) 34"])
def test_a_sender_that_is_no_number_stays_exactly_as_written(written):
    """Fewer than five digits is no number anywhere: no character of it is dropped (an Android address
    or a WhatsApp sender like this is shown as the phone showed it)."""
    assert phones.normalize_handle(written, "US") == written


def test_an_invalid_number_with_its_country_code_is_not_said_to_be_invalid_for_the_region():
    """ "+44 7911 654321" is no valid number in itself: the archive's region had no say in it (second reader, round 7, H)."""
    from textfile.errors import InvalidHandle
    from textfile.phones import normalize_phone

    for text, said in (
        ("+44 7911 654321", "not a valid phone number: '+44 7911 654321'"),
        ("555-01", "not a valid phone number for region US: '555-01'"),
    ):
        with pytest.raises(InvalidHandle) as raised:
            normalize_phone(text, "US")
        assert str(raised.value) == said
