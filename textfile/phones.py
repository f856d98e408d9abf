"""Handle normalization: phone numbers to E.164, emails lower-cased.

Two strengths: `normalize_phone` is strict (what a user types for a client must be a valid
number), `normalize_handle` is lenient (what a phone export holds may be a short code, an
alphanumeric sender or a WhatsApp name, and is then kept as written, trimmed).
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

from textfile.errors import InvalidHandle, InvalidInput

# Marks that phones and exports wrap around numbers: bidi embeddings/isolates, NBSP,
# non-breaking hyphen, zero-width characters.
_INVISIBLE = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u200b\ufeff"))
_SPACES = {ord("\u00a0"): " ", ord("\u202f"): " ", ord("\u2011"): "-", ord("\u2010"): "-"}
_PHONE_CHARS = re.compile(r"^\+?[\d\s().\-/]+$")
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
    if not phonenumbers.is_valid_number(number):
        raise InvalidHandle(f"not a valid phone number for region {region}: {text!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=262144)
def normalize_handle(text: str, region: str) -> str:
    """E.164 for phone numbers, lower case for emails, anything else trimmed as written.

    Lenient where `normalize_phone` is strict: a number that is possible but not valid in the
    region (fictional 555 numbers, numbers from test data, newly allocated ranges) still gets its
    country code, so "1111111111" and "+11111111111" are one handle. Short codes ("72975") and
    alphanumeric senders stay as written."""
    value = clean(text)
    if "@" in value and is_email(value):
        return value.lower()
    if _PHONE_CHARS.match(value):
        try:
            return normalize_phone(value, region)
        except InvalidHandle:
            pass
        try:
            number = phonenumbers.parse("+" + value[2:] if value.startswith("00") else value, region)
        except phonenumbers.NumberParseException:
            return value
        if phonenumbers.is_possible_number_with_reason(number) == phonenumbers.ValidationResult.IS_POSSIBLE:
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return value


def normalize_client_handle(text: str, region: str) -> str:
    """What a user types for a client or the owner: an email, or else a valid phone number."""
    value = clean(text)
    if "@" in value:
        return normalize_email(value)
    return normalize_phone(value, region)
