"""Retention: how long a closed matter's file is kept, and whether it may be disposed of yet.

Decisions:
- A policy keeps a matter's file N whole years after the matter closes (its closing date in the
  archive's zone): the matter's own policy, else the archive's, else textfile's default (DEFAULT_YEARS,
  stated in the README with where it comes from; a default, not legal advice). Each policy set is
  audited with its basis.
- A minor's file is kept until the later of (closed + N years) and (their 18th birthday + N years).
  The rule is for a client marked a minor (`client_minors`) only; the birth date is a row of
  `client_births` (`client minor NAME --born`, replaced by another --born, cleared by --not-minor). A
  client marked a minor with no birth date has no date its file may go: that is said, never guessed.
  A client who was a minor during the matter and is an adult now stays marked: the rule still holds.
- The file may be disposed of from `keep_until` on (closed + N years, a date in the archive's zone).
- What stops a disposal (`obstacles`): the matter open, already disposed of, retention unknown or not
  over, a legal hold, a conversation also filed to another matter that is open or on hold (one of the
  messages an earlier disposal kept for the matter's notes included). The same
  sentences refuse `dispose` and fill `retention report`.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from textfile import audit, times
from textfile.errors import Conflict, InvalidInput
from textfile.filing.names import client_row, live_matter_row, matter_row
from textfile.lifecycle.hold import holds
from textfile.results import Result, omit_empty

DEFAULT_YEARS = 7
DEFAULT_BASIS = (
    "textfile's default, not legal advice: 7 years after the matter closes, the longer end of the 5-7 years"
    " state bars commonly advise for client files (ABA Model Rule 1.15 requires 5 years for trust-account"
    " records; HIPAA documentation is kept 6 years, 45 CFR 164.316(b)(2)(i))"
)
ADULT_AT = 18
LEAP_DAY = "born on 29 February: 18 on 28 February in a year without it"


@dataclass(slots=True, eq=False)
class Policy(Result):
    """A retention policy: N years after the matter closes, its basis, whose it is (the matter's, the
    archive's, or textfile's default), and when and by whom it was set (None for the default)."""

    years: int
    basis: str | None
    source: str  # matter, archive or default
    set_at: str | None = None
    set_by: str | None = None
    basis_dropped: str | None = omit_empty(default=None)  # (set_policy) the basis the replaced policy had, not kept


@dataclass(slots=True, eq=False)
class Retention(Result):
    """A closed matter's retention: its policy, the client's birth date where it counts, the date from
    which its file may be disposed of (None: cannot be computed, `unknown` says why; `minor_rule`: the
    18th birthday set it), whether that date
    has come, its legal hold, its disposal, and what stops a disposal now (`obstacles`)."""

    matter: str
    client: str
    title: str
    closed_at: str
    policy: Policy
    minor: bool
    born: str | None
    keep_until: str | None
    unknown: str | None
    past: bool
    hold: str | None
    disposed_at: str | None
    minor_rule: bool = False  # keep_until is the client's 18th birthday + N years, later than closed + N
    obstacles: list[str] = field(default_factory=list)
    disposable: bool = False
    command: str | None = None  # the command that disposes of it, when it can be


@dataclass(slots=True, eq=False)
class Policies(Result):
    """The archive's policy (or the default) and the matters' own."""

    archive: Policy
    matters: dict[str, Policy]


def add_years(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 28 February in a year without it (LEAP_DAY)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def today(tz: ZoneInfo) -> date:
    return datetime.now(tz).date()


# -- policies -------------------------------------------------------------------------------------


def _policy(row) -> Policy:
    return Policy(row["years"], row["basis"], "matter" if row["matter_id"] else "archive", row["set_at"], row["set_by"])


def archive_policy(conn: sqlite3.Connection) -> Policy:
    row = conn.execute("SELECT * FROM retention_policies WHERE matter_id IS NULL").fetchone()
    return _policy(row) if row else Policy(DEFAULT_YEARS, DEFAULT_BASIS, "default")


def policy_of(conn: sqlite3.Connection, matter_id: int) -> Policy:
    """The matter's own policy, else the archive's, else the default."""
    row = conn.execute("SELECT * FROM retention_policies WHERE matter_id = ?", (matter_id,)).fetchone()
    return _policy(row) if row else archive_policy(conn)


def policies(conn: sqlite3.Connection) -> Policies:
    return Policies(
        archive_policy(conn),
        {
            r["reference"]: _policy(r)
            for r in conn.execute(
                "SELECT p.*, m.reference FROM retention_policies p JOIN matters m ON m.id = p.matter_id ORDER BY m.reference"
            )
        },
    )


def set_policy(conn: sqlite3.Connection, reference: str | None, years: int, basis: str | None) -> Policy:
    """The archive's policy (no reference) or a matter's, replacing the one it had; audited with the one it replaces.
    A basis is never carried over from the policy replaced: one set without --basis has none, and says
    which it dropped (`basis_dropped`)."""
    if not 0 <= years <= 100:
        raise InvalidInput(f"--years {years}: give a number of years from 0 to 100")
    basis = (basis or "").strip() or None
    matter_id = (
        live_matter_row(conn, reference, "its retention was settled by the disposal")["id"] if reference else None
    )
    was = conn.execute(
        "SELECT * FROM retention_policies WHERE coalesce(matter_id, 0) = ?", (matter_id or 0,)
    ).fetchone()
    conn.execute("DELETE FROM retention_policies WHERE coalesce(matter_id, 0) = ?", (matter_id or 0,))
    conn.execute(
        "INSERT INTO retention_policies (matter_id, years, basis, set_at, set_by) VALUES (?, ?, ?, ?, ?)",
        (matter_id, years, basis, times.now_iso(), audit.current_user()),
    )
    now = policy_of(conn, matter_id) if matter_id else archive_policy(conn)
    if was and was["basis"] and basis is None:
        now.basis_dropped = was["basis"]
    audit.append(
        conn,
        "retention set",
        {"matter": matter_row(conn, reference)["reference"] if reference else None, "years": years, "basis": basis}
        | ({"was": _policy(was).to_json()} if was else {}),
    )
    return now


# -- birth dates ----------------------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class Birth(Result):
    """A client's date of birth recorded (`born`), replaced (`was`) or cleared (`born` None), and the day
    they turn (or turned) ADULT_AT."""

    client: str
    born: str | None
    adult_on: str | None
    was: str | None = None


def record_birth(conn: sqlite3.Connection, name: str, born: str) -> Birth:
    """A client's date of birth (YYYY-MM-DD), replacing the one recorded; audited. A date ADULT_AT or more
    years ago is taken: a client who was a minor during the matter keeps the minor's rule (the caller
    says "an adult since", so that a mistyped year shows)."""
    client = client_row(conn, name)
    text = born.strip()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise InvalidInput(f"--born: not a date: {text}") from None
        raise InvalidInput(f"--born {born!r}: give the date of birth as YYYY-MM-DD") from None
    if day > date.today():
        raise InvalidInput(f"--born {born}: a date of birth in the future")
    was = conn.execute("SELECT born FROM client_births WHERE client_id = ?", (client["id"],)).fetchone()
    if was and was[0] == day.isoformat():
        raise Conflict(f"{client['name']}'s date of birth is already recorded as {day.isoformat()}")
    conn.execute(
        "INSERT OR REPLACE INTO client_births (client_id, born, recorded_at, recorded_by) VALUES (?, ?, ?, ?)",
        (client["id"], day.isoformat(), times.now_iso(), audit.current_user()),
    )
    audit.append(
        conn, "client born", {"client": client["name"], "born": day.isoformat()} | ({"was": was[0]} if was else {})
    )
    return Birth(client["name"], day.isoformat(), add_years(day, ADULT_AT).isoformat(), was[0] if was else None)


def clear_birth(conn: sqlite3.Connection, name: str) -> Birth | None:
    """A client's date of birth cleared (a wrong one, or no longer a minor); audited. None when none was recorded."""
    client = client_row(conn, name)
    was = conn.execute("SELECT born FROM client_births WHERE client_id = ?", (client["id"],)).fetchone()
    if was is None:
        return None
    conn.execute("DELETE FROM client_births WHERE client_id = ?", (client["id"],))
    audit.append(conn, "client born", {"client": client["name"], "born": None, "was": was[0]})
    return Birth(client["name"], None, None, was[0])


def adult_at(conn: sqlite3.Connection) -> dict[int, str]:
    """Each client with a date of birth: the instant (UTC ISO) they turn ADULT_AT, at midnight in the archive's zone."""
    tz = times.archive_zone(conn)
    return {
        client: times.to_iso(datetime.combine(add_years(date.fromisoformat(born), ADULT_AT), datetime.min.time(), tz))
        for client, born in conn.execute("SELECT client_id, born FROM client_births")
    }


def birth_of(conn: sqlite3.Connection, name: str) -> str | None:
    """The client's date of birth recorded, or None."""
    found = conn.execute(
        "SELECT born FROM client_births WHERE client_id = ?", (client_row(conn, name)["id"],)
    ).fetchone()
    return found[0] if found else None


# -- what a matter's retention is ---------------------------------------------------------------


def retention(
    conn: sqlite3.Connection, matter: sqlite3.Row, tz: ZoneInfo, on: date | None = None, held: dict | None = None
) -> Retention:
    """A closed matter's retention on the day `on` (default: today in `tz`), with what stops its disposal;
    `held`: the holds (`hold.holds`) when the caller read them for many matters."""
    on = on or today(tz)
    client = conn.execute("SELECT * FROM clients WHERE id = ?", (matter["client_id"],)).fetchone()
    policy = policy_of(conn, matter["id"])
    born = conn.execute("SELECT born FROM client_births WHERE client_id = ?", (client["id"],)).fetchone()
    minor = conn.execute("SELECT 1 FROM client_minors WHERE client_id = ?", (client["id"],)).fetchone() is not None
    keep_until, unknown, minor_rule = None, None, False
    if matter["closed_at"]:
        keep_until = add_years(times.from_iso(matter["closed_at"]).astimezone(tz).date(), policy.years)
        if born and minor:
            adult = add_years(add_years(date.fromisoformat(born[0]), ADULT_AT), policy.years)
            minor_rule, keep_until = adult > keep_until, max(keep_until, adult)
        elif minor:
            keep_until, unknown = (
                None,
                f"{client['name']} is a minor with no date of birth on record: retention cannot be computed"
                f' (record it: textfile client minor "{client["name"]}" --born YYYY-MM-DD)',
            )
    held = (holds(conn) if held is None else held).get(matter["reference"].casefold())
    disposed = conn.execute("SELECT disposed_at FROM disposals WHERE matter_id = ?", (matter["id"],)).fetchone()
    found = Retention(
        matter=matter["reference"],
        client=client["name"],
        title=matter["title"],
        closed_at=matter["closed_at"],
        policy=policy,
        minor=minor,
        born=born[0] if born and minor else None,
        keep_until=keep_until.isoformat() if keep_until else None,
        unknown=unknown,
        minor_rule=minor_rule,
        past=keep_until is not None and on >= keep_until,
        hold=held.said(tz) if held else None,
        disposed_at=disposed[0] if disposed else None,
    )
    found.obstacles = obstacles(conn, matter, found, tz)
    found.disposable = not found.obstacles
    if found.disposable:
        found.command = f"textfile dispose {_quoted(matter['reference'])} --confirm"
    return found


def obstacles(conn: sqlite3.Connection, matter: sqlite3.Row, found: Retention, tz: ZoneInfo) -> list[str]:
    """Why the matter cannot be disposed of now, each in a sentence; [] when it can."""
    ref = matter["reference"]
    if found.disposed_at:
        return [f"matter {ref} was disposed of on {times.display(found.disposed_at, tz)}"]
    if not matter["closed_at"]:
        return [f"matter {ref} is open: only a closed matter is disposed of (textfile matter close {_quoted(ref)})"]
    said = []
    if found.unknown:
        said.append(found.unknown)
    elif not found.past:
        years = found.policy.years
        why = f"{years} year{'' if years == 1 else 's'} after it closed ({found.policy.source} policy)"
        if found.born:
            why += f", or after {found.client}'s 18th birthday when later (born {found.born})"
        said.append(f"matter {ref} is kept until {found.keep_until}: {why}")
    if found.hold:
        said.append(
            f"matter {ref} is on hold: {found.hold[0].lower()}{found.hold[1:]}; a held matter is never disposed of"
            f" (textfile matter release {_quoted(ref)} when the hold ends)"
        )
    said += _shared(conn, matter)
    return said


def _shared(conn: sqlite3.Connection, matter: sqlite3.Row) -> list[str]:
    """The matter's conversations (those of the messages an earlier disposal kept for its notes too) also
    filed to another matter that is open or on hold."""
    from textfile.lifecycle.disposal.removal import KEPT_FOR_NOTES

    return [
        f"conversation {r['conversation_id']} is also filed to matter {r['reference']}, which is"
        f" {' and '.join(w for w, on in (('open', not r['closed_at']), ('on hold', r['legal_hold'])) if on)}:"
        " its messages stay while that matter needs them"
        for r in conn.execute(
            "SELECT DISTINCT f.conversation_id, m.reference, m.closed_at, m.legal_hold FROM filings f"
            " JOIN matters m ON m.id = f.matter_id WHERE f.matter_id <> ? AND (m.closed_at IS NULL OR m.legal_hold = 1)"
            " AND (f.conversation_id IN (SELECT conversation_id FROM filings WHERE matter_id = ?)"
            f" OR f.conversation_id IN (SELECT conversation_id FROM messages WHERE id IN (SELECT id FROM ({KEPT_FOR_NOTES}))))"
            " ORDER BY f.conversation_id, m.reference",
            (matter["id"], matter["id"], matter["id"]),
        )
    ]


def report(conn: sqlite3.Connection, tz: ZoneInfo, on: date | None = None) -> list[Retention]:
    """Every closed matter's retention (`retention report`), by reference."""
    held = holds(conn)  # (the audit log read once, not once a matter)
    return [
        retention(conn, m, tz, on, held)
        for m in conn.execute("SELECT * FROM matters WHERE closed_at IS NOT NULL ORDER BY reference")
    ]


def _quoted(text: str) -> str:
    return text if text.replace("-", "").replace(".", "").replace("_", "").isalnum() else f'"{text}"'
