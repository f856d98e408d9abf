"""What a production asks of `make_transcript` beyond a transcript's own options (issue 20).

`textfile produce` renders each of its PDFs with `make_transcript`, in one continuous Bates series.
It may ask for only some conversations, context around the window, the archive's redactions applied
(`request.Selection`, `content/excerpt.py`), an exhibit label stamped on every page and a production
named on the cover, no notes (the production writes one privilege log of its own), a cover without
the firm's internals (`for_production`: no consent or review, holds, filings, accounts or the
computer's paths: `content/withheld.py`), and the PDF signed before its sha256 is taken. Every option defaults to what a transcript does without it, so a plain
transcript is made exactly as before. Whatever is asked is said: on the cover, in the manifest and
in the transcript's record (`recorded`), so `verify FILE.pdf` proves the file as it was made.

Every transcript also says on which Bates page each message's entry starts (`message_bates`), read
from the laid-out pages (`render/chunk.py`): the production's CSV, RSMF and load files quote them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from textfile.errors import InvalidInput, TextfileError
from textfile.transcript.request import Selection

if TYPE_CHECKING:
    from textfile.transcript.content import Job
    from textfile.transcript.made import Made
    from textfile.transcript.request import Contents

EXHIBIT_LONGEST = 40  # characters of an exhibit label ("Exhibit 12", "Plaintiff's Exhibit A-3")


@dataclass(frozen=True, slots=True)
class Options:
    """A production's options (all off: a plain transcript)."""

    selection: Selection = Selection()
    exhibit: str | None = None
    production: str | None = None
    notes: bool = True
    signer: Callable[[Path], None] | None = None
    keyed: bool = True  # a redacted message's id and content hash keyed in the manifest (keyed.py; not before it was)
    # the cover tells a redaction of words in an earlier version only from one shown as a black box (not before it did)
    earlier_said: bool = True


def checked(
    conversations=None,
    context: int = 0,
    exhibit: str | None = None,
    production: str | None = None,
    redact: bool = False,
    notes: bool = True,
    signer: Callable[[Path], None] | None = None,
    for_production: bool = False,
    keyed: bool = True,
    earlier_said: bool = True,
) -> Options:
    """The options checked before the archive is read."""
    if not isinstance(context, int) or isinstance(context, bool) or context < 0:
        raise InvalidInput(f"context: {context!r} is not a number of messages (0 or more)")
    if conversations is not None:
        try:
            conversations = sorted({int(c) for c in conversations})
        except (TypeError, ValueError):
            raise InvalidInput(f"conversations: {conversations!r} are not conversation numbers") from None
        if not conversations:
            raise InvalidInput("no conversation named: name one or more, or none to take every conversation")
    if exhibit is not None:
        exhibit = exhibit.strip()
        if not exhibit or len(exhibit) > EXHIBIT_LONGEST or not all(" " <= ch <= "~" for ch in exhibit):
            raise InvalidInput(
                f"exhibit label {exhibit!r}: give 1 to {EXHIBIT_LONGEST} printable ASCII characters"
                " (it is stamped on every page), e.g. 'Exhibit 1'"
            )
    if production is not None and (not production.strip() or "\n" in production or "\r" in production):
        raise InvalidInput(f"production {production!r}: give one line, e.g. 'Production 3'")
    selection = Selection(tuple(conversations or ()), context, bool(redact), bool(for_production))
    return Options(
        selection,
        exhibit,
        production.strip() if production else None,
        bool(notes),
        signer,
        bool(keyed),
        bool(earlier_said),
    )


def fitted(jobs: list[Job], contents: Contents, options: Options) -> None:
    """Each document told what its conversations' headings say they leave out, which of its messages
    are context outside the window, which are redacted how, and whether it is a production's."""
    rows = contents.plan.rows
    said = {c: excerpt.said() for c, excerpt in contents.excerpts.items()}
    for job in jobs:
        job.for_production = options.selection.for_production
        mine = rows[job.start : job.start + len(job.rowids)]
        job.excerpts = {c: said[c] for c in {row.conversation for row in mine} if c in said}
        if contents.scope.context_rows:
            around = set(contents.scope.context_rows)
            job.context = [job.start + n for n, row in enumerate(mine) if row.rowid in around]
        if contents.redactions:
            job.redactions = {row.id: contents.redactions[row.id] for row in mine if row.id in contents.redactions}


def window_said(contents: Contents) -> str:
    """What the cover's window adds for a selection of conversations and context around the window."""
    scope, said = contents.scope, ""
    if scope.conversations:
        listed = [str(c) for c in scope.conversations]
        said += (
            f"; only conversation {listed[0]}"
            if len(listed) == 1
            else f"; only conversations {', '.join(listed[:-1])} and {listed[-1]}"
        )
    if scope.context:
        n = scope.context
        said += (
            f"; with up to {n} message{'s' if n != 1 else ''} of context before and after the window in each"
            " conversation, among those filed to the "
            + ("matter" if scope.matter else "client's matters")
            + f" ({len(scope.context_rows)} shown, each marked as context)"
        )
    return said


def cover_said(options: Options, contents: Contents) -> dict:
    """What the cover says of a production's options: its exhibit label, the production, the redactions."""
    said = {
        "exhibit": options.exhibit,
        "production": options.production,
        "redacted": "",
        "for_production": options.selection.for_production,  # (content/withheld.py)
    }
    if contents.redactions:
        spans = [span for found in contents.redactions.values() for span in found]
        n, messages = len(spans), len(contents.redactions)
        earlier = sum(span.earlier for span in spans) if options.earlier_said else 0
        how = "each shown as a black box with its reason"
        if earlier:  # (second reader, round 13: "each shown as a black box" of words no page shows)
            how = (f"{n - earlier} shown as a black box with its reason, " if n > earlier else "") + (
                f"{earlier} of words an edit took out since, in an earlier version only (nothing of the text shown"
                " is covered)"
            )
        said["redacted"] = (
            f"{n} passage{'s' if n != 1 else ''} in {messages} message{'s' if messages != 1 else ''}"
            f" ({', '.join(f'{reason} {count}' for reason, count in _reasons(spans))}), {how};"
            " a redacted message's earlier versions are withheld (they hold the words)."
            " The archive keeps every message whole; the manifest lists the redactions applied."
        )
    elif contents.redactions is not None:
        said["redacted"] = "none of the messages shown has a redaction."
    return said


def _reasons(spans) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for span in spans:
        counts[span.reason] = counts.get(span.reason, 0) + 1
    return sorted(counts.items())


def recorded(options: Options, contents: Contents) -> dict:
    """What the transcript's record and manifest say of a production's options (nothing when none)."""
    out = {}
    if options.exhibit:
        out["exhibit"] = options.exhibit
    if options.production:
        out["production"] = options.production
    if not options.notes:  # (said: a transcript made again from its record shows no notes either)
        out["notes"] = False
    if options.selection.for_production:  # (and so made again: content/withheld.py)
        out["for_production"] = True
    if contents.redactions is not None:  # (asked for: the redaction ids applied, per message)
        out["redactions"] = {mid: [span.id for span in spans] for mid, spans in sorted(contents.redactions.items())}
        if options.keyed:  # (said, so that it is made again so: a transcript made before it was keyed none)
            out["keyed"] = True
        if options.earlier_said and any(s.earlier for spans in contents.redactions.values() for s in spans):
            out["earlier_said"] = True  # (said where it changes the cover: one made before says each a black box)
    return out


def message_bates(results: list[dict], made: Made, shown: int) -> dict[str, str]:
    """Each message shown: the Bates number of the page its entry starts on (the documents' pages, in
    the order they are joined); refused when one is not found on any page (it would be quoted wrong)."""
    from textfile.transcript.pdf import bates

    out: dict[str, str] = {}
    offset = 0
    for r in results:
        for page, ids in enumerate(r.get("entries", ())):
            for mid in ids:
                out.setdefault(mid, bates(made.prefix, made.first_number + offset + page))
        offset += r["pages"]
    if len(out) != shown:
        raise TextfileError(
            f"{shown - len(out)} of the transcript's messages were not found on its pages; please report this"
        )
    return out
