"""What an import says: its warnings and assumptions (kept up to MAX_NOTES), its skipped records counted
by reason (with up to MAX_REFS references each), and the words its notices share."""

from __future__ import annotations

MAX_NOTES = 1000  # warnings/assumptions kept in memory and on the import row
MAX_REFS = 20  # source references kept per skip reason


class Notices:
    def init_notices(self) -> None:
        self.skipped_detail: dict[str, dict] = {}

    def note(self, text: str, kind: str = "warning") -> None:
        target = self.result.assumptions if kind == "assumption" else self.result.warnings
        if len(target) < MAX_NOTES:
            target.append(text)
        elif len(target) == MAX_NOTES:
            target.append("… further notes left out (the counts above are exact)")

    def skip(self, reason: str, ref: str) -> None:
        self.result.skipped[reason] = self.result.skipped.get(reason, 0) + 1
        detail = self.skipped_detail.setdefault(reason, {"count": 0, "refs": []})
        detail["count"] += 1
        if ref and len(detail["refs"]) < MAX_REFS:
            detail["refs"].append(ref)


def _people(handles) -> str:
    return ", ".join(handles) or "no one but the owner"


def _filed(matters, before: str = "", after: str = "", none: str = "") -> str:
    return f"{before}filed to {', '.join(matters)}{after}" if matters else none


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _refs(refs: list[str], sep: str = ", ", more: str = " and") -> str:
    """The first MAX_REFS of `refs`, and how many more."""
    rest = len(refs) - MAX_REFS
    return sep.join(refs[:MAX_REFS]) + (f"{more} {rest:,} more" if rest > 0 else "")
