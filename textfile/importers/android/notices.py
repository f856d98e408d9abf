"""How a notice names the records it is about: how many, and the first five by their place in the
backup ("sms 12, mms 3 and 40 more"), so that a notice stays one line however large the backup."""

from __future__ import annotations


class _Refs:
    """How many records, and the first few of them, for a notice."""

    def __init__(self, separator: str = ", ") -> None:
        self.count = 0
        self.first: list[str] = []
        self.separator = separator

    def add(self, ref: str) -> None:
        self.count += 1
        if len(self.first) < 5:
            self.first.append(ref)

    def __bool__(self) -> bool:
        return self.count > 0

    def __str__(self) -> str:
        return self.separator.join(self.first) + (f" and {self.count - 5} more" if self.count > 5 else "")
