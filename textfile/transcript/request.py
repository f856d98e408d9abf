"""What a transcript is asked for, and what it holds.

The request is checked before the archive is read (the zone, the window, the Bates prefix and first
number). Then the scope, the Bates series, the plan (which messages, in what order, with which
content hashes) and the cover's facts are read in one snapshot of the archive, so the cover
describes exactly the messages the plan holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textfile import times
from textfile.archive import validate_bates_prefix
from textfile.errors import InvalidInput, NotFound
from textfile.transcript.bates import Series, first_bates

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from textfile.transcript.content import Plan, Scope


@dataclass(slots=True)
class Request:
    """What a transcript is request for, checked before the archive is read: the zone its times are
    shown in, its window (UTC instants, and as given), the Bates prefix and first number, whether it
    shows images, whether it is the weekly run's snapshot."""

    zone_name: str
    zone: ZoneInfo
    from_: str | None
    until: str | None
    from_at: str | None
    until_at: str | None
    prefix: str
    bates_start: int | None
    media: bool
    snapshot: bool
    imports_until: int | None = None  # made again: the last import it knew (`sightings.known_until`); none: every one


def check_request(
    settings, tz: str | None, from_: str | None, until: str | None, bates_prefix, bates_start, media, snapshot
) -> Request:
    """The window planned: the zone, --from and --until as instants in it; and the Bates prefix and
    first number request for, checked."""
    zone_name = tz or settings.tz
    zone = times.zone(zone_name)
    from_at = times.parse_user_instant(from_, zone) if from_ else None
    until_at = times.parse_user_instant(until, zone, end_of_day=True) if until else None
    prefix = (
        validate_bates_prefix(bates_prefix)
        if bates_prefix
        else validate_bates_prefix(settings.bates_prefix, stored=True)
    )
    if bates_start is not None and bates_start < 1:
        raise InvalidInput("--bates-start must be 1 or more")
    return Request(zone_name, zone, from_, until, from_at, until_at, prefix, bates_start, media, snapshot)


@dataclass(slots=True)
class Contents:
    """What a transcript holds, read in one snapshot of the archive: its scope, its messages in order
    (the plan), the cover's facts, the client's handles, and the Bates series and first number it takes."""

    scope: Scope
    plan: Plan
    cover: dict
    client_handles: list[str]
    bates: Series
    excerpts: dict = field(default_factory=dict)  # conversation -> Excerpt, of those it shows part of
    redactions: dict | None = None  # message id -> its redactions' spans, when they are applied


@dataclass(frozen=True, slots=True)
class Selection:
    """What a production asks of the messages (`content/excerpt.py`): only these conversations (none:
    all of the scope's), up to `context` messages around the window, the archive's redactions applied;
    and of the cover: without the firm's internals (`content/withheld.py`)."""

    conversations: tuple[int, ...] = ()
    context: int = 0
    redact: bool = False
    for_production: bool = False


def read_contents(
    conn, settings, request: Request, matter: str | None, client: str | None, selection: Selection = Selection()
) -> Contents:
    """The scope, the Bates series, the plan, what each conversation leaves out, the redactions to
    apply and the cover's facts, read in one snapshot."""
    from textfile.transcript import content
    from textfile.transcript.content import excerpt, withheld

    conn.execute("BEGIN")  # one consistent snapshot for the plan and the cover
    try:
        scope = content.resolve_scope(conn, matter, client, request.from_at, request.until_at)
        scope.imports_until = request.imports_until  # (made again: its messages as the imports it knew held them)
        if selection.conversations:
            scope.conversations = excerpt.check_selection(conn, scope, selection.conversations)
        if selection.context and scope.window()[0]:
            scope.context, scope.context_rows = selection.context, excerpt.context_rows(conn, scope, selection.context)
        bates = first_bates(conn, request, settings.bates_prefix)
        plan = content.plan(conn, scope)
        if not plan.rows:
            what = f"matter {scope.matter}" if scope.matter else f"client {scope.client}"
            window = (
                f" between {request.from_ or 'the start'} and {request.until or 'now'}"
                if (request.from_ or request.until)
                else ""
            )
            raise NotFound(f"{what} has no messages{window}: nothing to transcribe")
        cover = content.cover(conn, scope, plan, request.zone, settings.owner_name, settings.tz, request.imports_until)
        if selection.for_production:
            cover = withheld.for_production(conn, cover)
        client_handles = [
            r["handle"]
            for r in conn.execute(
                "SELECT handle FROM client_handles WHERE client_id = ? ORDER BY kind, handle", (scope.client_id,)
            )
        ]
        redactions = _redactions(conn, plan) if selection.redact else None
    finally:
        conn.execute("COMMIT")
    return Contents(scope, plan, cover, client_handles, bates, excerpt.excerpts(plan), redactions)


def _redactions(conn, plan: Plan) -> dict:
    """The active redactions of the plan's messages, by message id, checked against their bodies now
    (`produce.redaction.spans`: a redaction made on an earlier text is refused, not misplaced)."""
    import importlib

    redaction = importlib.import_module("textfile.produce.redaction")
    return {mid: list(found) for mid, found in redaction.spans(conn, [row.id for row in plan.rows]).items() if found}
