"""Handle normalization: phone numbers to E.164, emails lower-cased.

Two strengths: `normalize_phone` is strict (what a user types for a client must be a valid
number), `normalize_handle` is lenient (what a phone export holds may be a short code, an
alphanumeric sender or a WhatsApp name, and is then kept as written, trimmed).

Never a country code the export did not write, unless the number is one of the default region's
(`normalize_handle`): a number written without one gets the region's code when it is valid there,
or has the outline of the region's numbers (the numbering plan's general pattern, which covers
fictional and unallocated numbers such as the US 555 range). Anything else could be another
country's number written the way that country dials it ("0669462731" is a French mobile; no US
number begins with 0): it is kept as written, never turned into "+10669462731". Which country it
is, only the export can tell (an Android backup that also writes "+33669462731" joins the two:
importers/android/numbers.py); this module knows the number and the region only.

"Kept as written" means the digits exactly as written, after a leading "+" if there is one;
spaces, dots, dashes, slashes and brackets (how a phone displays a number, not part of it) are
dropped, so "06 69 46 27 31" and "0669462731" are one handle. No digit is ever changed, added or
removed. Values that are not numbers (names, alphanumeric senders) stay as written, trimmed.

The rule lives here because every handle an export holds is read by `normalize_handle`: Android
addresses, iMessage handles and WhatsApp senders in the importers, then again in ingest (the
participant rows, a message's sender), which is why a handle it returns must read as itself
(normalizing it again changes nothing). What a user types for a client or the owner stays strict
(`normalize_client_handle`): a valid number, so a client's French number is given as
+33 6 69 46 27 31, and files the conversations that show +33669462731 (written so, or joined);
one kept as written as 0669462731 is filed by hand, since nothing says whose country it is.
The one exception is a handle an import already archived: a client may be given it as the
archive holds it (filing/clients.py `_client_phone`), a fictional 555 number included.

`handle_key` is the reading earlier versions made, the country code added to any number of a
possible length: Android message identities and conversation keys were computed from it, so it
stays the key (a hash input, never shown as a number) that lets a backup imported again find
what an earlier version archived.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

import phonenumbers
from phonenumbers import PhoneMetadata

from textfile.errors import InvalidHandle, InvalidInput

# Marks that phones and exports wrap around numbers: bidi embeddings/isolates, NBSP,
# non-breaking hyphen, zero-width characters.
_INVISIBLE = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u200b\ufeff"))
_SPACES = {ord("\u00a0"): " ", ord("\u202f"): " ", ord("\u2011"): "-", ord("\u2010"): "-"}
_PHONE_CHARS = re.compile(r"^\+?[\d\s().\-/]+$")
_FORMATTING = dict.fromkeys(map(ord, " ().-/"))
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def clean(text: str) -> str:
    return text.translate(_INVISIBLE).translate(_SPACES).strip()


def validate_region(region: str) -> str:
    code = region.strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise InvalidInput(f"unknown phone region {region!r} (use a two-letter country code such as US or GB)")
    return code


def is_email(text: str) -> bool:
    return bool(_EMAIL.match(text))


def normalize_email(text: str) -> str:
    value = clean(text).lower()
    if not is_email(value):
        raise InvalidHandle(f"not a valid email address: {text!r}")
    return value


@lru_cache(maxsize=65536)
def normalize_phone(text: str, region: str) -> str:
    """A valid phone number in E.164; `region` applies unless the number is international."""
    value = clean(text)
    if not _PHONE_CHARS.match(value) or sum(c.isdigit() for c in value) < 3:
        raise InvalidHandle(f"not a valid phone number: {text!r}")
    if value.startswith("00"):
        value = "+" + value[2:]
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        raise InvalidHandle(f"not a valid phone number: {text!r}") from None
    if not phonenumbers.is_valid_number(number):  # (with its country code written, the region has no say in it)
        where = "" if value.startswith("+") else f" for region {region}"
        raise InvalidHandle(f"not a valid phone number{where}: {text!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=262144)
def normalize_handle(text: str, region: str) -> str:
    """E.164 for phone numbers, lower case for emails, anything else trimmed as written.

    Lenient where `normalize_phone` is strict: a number that is possible but not valid in the
    region still gets its country code when the code is written ("+11111111111") or when the number
    has the outline of the region's numbers (fictional 555 numbers, newly allocated ranges): so
    "5551234567" and "+15551234567" are one handle. A number written without a country code that
    is not the region's ("0669462731" in the US) is kept as written (`as_written`), and so are
    short codes ("72975"); alphanumeric senders stay as written."""
    return _read(text, region, earlier=False)


def address(text: str, region: str) -> str | None:
    """`text` as a number with its country code or an email (`normalize_handle`), the handle a phone is known
    by; None for a name, a short code or a number kept as written, which no phone has as its own."""
    handle = normalize_handle(text, region)
    return handle if handle.startswith("+") or is_email(handle) else None


@lru_cache(maxsize=262144)
def handle_key(text: str, region: str) -> str:
    """The handle earlier versions gave `text` (the region's code added to any number of a possible
    length, what was kept as written left with its formatting): the key of Android identities and
    conversations archived by them. Never shown."""
    return _read(text, region, earlier=True)


def _read(text: str, region: str, earlier: bool) -> str:
    value = clean(text)
    if "@" in value and is_email(value):
        return value.lower()
    if not _PHONE_CHARS.match(value):
        return value
    kept = value if earlier else as_written(value)
    try:
        return normalize_phone(value, region)
    except InvalidHandle:
        pass
    try:
        number = phonenumbers.parse("+" + value[2:] if value.startswith("00") else value, region, keep_raw_input=True)
    except phonenumbers.NumberParseException:
        return value  # not a number phonenumbers can read: exactly as written
    possible = phonenumbers.is_possible_number_with_reason(number)
    if possible == phonenumbers.ValidationResult.IS_POSSIBLE and (
        earlier
        or number.country_code_source != phonenumbers.CountryCodeSource.FROM_DEFAULT_COUNTRY
        or _outline_of(number, region)
    ):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return kept


def _outline_of(number: phonenumbers.PhoneNumber, region: str) -> bool:
    """Whether the number (read in `region`) fits the general pattern of the region's numbers."""
    return _general_pattern(region).fullmatch(phonenumbers.national_significant_number(number)) is not None


@cache
def _general_pattern(region: str) -> re.Pattern:
    """The general pattern of `region`'s national numbers (one that matches nothing where the metadata has none)."""
    metadata = PhoneMetadata.metadata_for_region(region)
    general = metadata.general_desc.national_number_pattern if metadata and metadata.general_desc else None
    return re.compile(general) if general else re.compile(r"(?!)")


def as_written(value: str) -> str:
    """A number kept as written: its digits, after a leading "+" if written; formatting dropped.
    Values with fewer than five digits ("24/7", "3.14": not numbers; short codes have no formatting)
    stay exactly as they are."""
    digits = value.translate(_FORMATTING)
    return digits if sum(c.isdigit() for c in digits) >= 5 else value


def no_country_code(text: str) -> bool:
    """Whether `text` is a number written without a country code (no leading "+" or "00"): one that each
    region reads its own way ("2025550143" is +12025550143 in the US, +442025550143 in GB)."""
    value = clean(text)
    return bool(_PHONE_CHARS.match(value)) and not value.startswith(("+", "00"))


@lru_cache(maxsize=65536)
def written_without_code(handle: str, region: str) -> bool:
    """A number kept as written (digits only, no "+") that is not a short code of the region
    ("72975"): another country's number written as that country dials it, or a number with no
    country or area code. The Android importer flags and names such a handle."""
    if not handle.isdigit():
        return False
    try:
        number = phonenumbers.parse(handle, region)
    except phonenumbers.NumberParseException:
        return False
    return not phonenumbers.is_possible_short_number_for_region(number, region)


def national_digits(handle: str) -> str | None:
    """The digits an E.164 number is dialed with inside its own country ("+33669462731" ->
    "0669462731", "+15551234567" -> "5551234567"): what a phone there writes without a country code."""
    try:
        number = phonenumbers.parse(handle, None)
    except phonenumbers.NumberParseException:
        return None
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    digits = "".join(c for c in national if c.isdigit())
    return digits or None


def normalize_client_handle(text: str, region: str) -> str:
    """What a user types for a client or the owner: an email, or else a valid phone number."""
    value = clean(text)
    if "@" in value:
        return normalize_email(value)
    return normalize_phone(value, region)
