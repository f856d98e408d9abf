"""An attribute's value as SMS Backup & Restore writes it.

Decisions:
  - The literal "null" (and an empty string) is absent: the app writes it where Android has no value.
  - A contact_name that is a placeholder ("(Unknown)", "null") names no one.
"""

from __future__ import annotations

UNKNOWN_NAMES = {"", "null", "(Unknown)", "(unknown)"}


def _present(value: str | None) -> str | None:
    """The literal "null" (and an empty string) means absent."""
    if value is None or value == "null" or value == "":
        return None
    return value


def _int(value: str | None) -> int | None:
    value = _present(value)
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


def _name(value: str | None) -> str | None:
    if value is None or value.strip() in UNKNOWN_NAMES:
        return None
    return value.strip()
