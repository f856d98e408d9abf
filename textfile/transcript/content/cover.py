"""The cover's facts: what the transcript holds, and everything that shaped the evidence without being in it.

The cover counts the messages per conversation and service, with their first and last times, and
discloses (`disclosures`, which the manifest carries too): each source and how it was read, and each
correction of an earlier reading (`sources.py`); how each conversation came into the matter (by hand:
by whom and when; automatically: through which of the client's handles, given by whom, when and why);
each WhatsApp message textfile took for another form of a message of another export (`pairings.py`);
the U+FFFD the messages hold, the characters that change how text is displayed, and the times a DST
change made textfile resolve (`marked.py`); and, where they come from more than one phone, whose
phone each message was found on (`people.py`); and the client's consent to be texted, the opt-outs and
opt-ins their handles sent, and whether they are a minor (`consent.py`); the messages a later export of
their phone lacked (`coverage.py`).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from textfile import audit, times
from textfile.model import CLOCK_RULE
from textfile.transcript.content.consent import consent_disclosed
from textfile.transcript.content.coverage import disclosed as missing_from_phone
from textfile.transcript.content.marked import _marked_messages, _numbers_said, _undecodable_said, invisible
from textfile.transcript.content.pairings import _clock_pairings_said, _pairings, _pairings_said
from textfile.transcript.content.people import _found_on, conversation_info, own_title
from textfile.transcript.content.scope import Plan, Scope, fmt_bound
from textfile.transcript.content.sources import COVER_ONLY, _corrections, _moves, _sources

PLATFORM_NAMES = {
    "android": "Android (SMS Backup & Restore)",
    "imessage": "iMessage / SMS (Apple Messages)",
    "whatsapp": "WhatsApp (Export chat)",
}


@dataclass(slots=True)
class Span:
    """A conversation's messages in the transcript: its first and last time, how many at each precision."""

    first: str
    last: str
    precisions: dict[str | None, int]


def cover(
    conn: sqlite3.Connection,
    scope: Scope,
    p: Plan,
    tz: ZoneInfo,
    owner_name: str = "",
    archive_zone: str = "",
    until: int | None = None,
) -> dict:
    """The cover page's facts: counts per conversation and service, sources, method and limits, and
    every assumption that shaped what is shown (`disclosures`, which the manifest carries too).
    `until`: where the messages were found, by the imports up to this one only (a transcript made again
    says it as it was made: `sightings.known_until`); none: by every import."""
    cond, params = scope.where()
    counts = _counts(p)
    convs = conversation_info(conn, p.conversations)
    spans = _spans(conn, cond, params)
    precision_of = {cid: _coarsest(span.precisions) for cid, span in spans.items()}
    moves = _moves(conn, cond, params)
    sources = _sources(conn, cond, params, convs, tz, owner_name, archive_zone, moves, until)
    of_import = {i["import"]: s for s in sources for i in s["imports"]}
    names = {n: s["name"] for n, s in of_import.items()}
    disclosures = {
        "sources": [{k: v for k, v in s.items() if k not in COVER_ONLY} for s in sources],
        "corrections": _corrections(moves, sources, tz),
        "time_precision": _time_precision(p, spans),
        "filings": _filings(conn, scope, p, tz, precision_of),
        "pairings": _pairings(conn, cond, params, p, names, until),
        **_marked_messages(conn, cond, params, p, tz, names, until),
    }
    found_on = _found_on(conn, cond, params, p, owner_name, until)
    if found_on:  # (only then: the manifests of transcripts of one phone stay as they were)
        disclosures["found_on"] = found_on
    shown_invisible = invisible(conn, cond, params, p, convs)
    disclosures["invisible"] = shown_invisible["messages"]
    disclosures["consent"] = consent_disclosed(conn, scope, p, tz)
    held = _holds(conn, scope, times.zone(archive_zone) if archive_zone else tz)
    if held:  # (only then: the manifests of transcripts of matters never held stay as they were)
        disclosures["legal_hold"] = held
    if missing := missing_from_phone(
        conn, cond, params, p, tz, until
    ):  # (only then: earlier manifests stay as they were)
        disclosures["missing_from_phone"] = missing
    disposed = _disposed(conn, scope, times.zone(archive_zone) if archive_zone else tz)
    if disposed:  # (only then: earlier manifests stay as they were)
        disclosures["disposed"] = disposed
    platforms = sorted({c["platform"] for c in convs.values()})
    return {
        "conversations": _conversations(p, convs, counts, spans, precision_of, tz),
        "sources": sources,
        "services": _services(counts),
        "filed_by_hand": _filed_by_hand(disclosures["filings"]),
        "filed_automatically": _auto_filings_said(disclosures["filings"]),
        "custodians": sorted({c for s in sources for c in s["custodians"]}),
        "phones": sorted({name for f in found_on for name in f["phones"]}),
        "platforms": [PLATFORM_NAMES.get(x, x) for x in platforms],
        "whatsapp": "whatsapp" in platforms,
        "whatsapp_zones": _whatsapp_zones(conn, cond, params),
        "android": "android" in platforms,
        "imessage": "imessage" in platforms,
        "minute_conversations": sorted(cid for cid in p.conversations if precision_of.get(cid) == "minute"),
        **_first_and_last(spans, tz, precision_of),
        "pairings": _pairings_said([x for x in disclosures["pairings"] if x["rule"] != CLOCK_RULE], of_import),
        "clock_pairings": _clock_pairings_said(
            [x for x in disclosures["pairings"] if x["rule"] == CLOCK_RULE], of_import
        ),
        "undecodable": _undecodable_said(disclosures),
        "invisible": shown_invisible["legend"],
        "invisible_in": _numbers_said([m["seq"] for m in shown_invisible["messages"]]),
        "holds": held,
        "disposed": disposed,
        "missing_from_phone": len({m["message"] for m in missing}),
        "missing_from_phone_in": _numbers_said(list(dict.fromkeys(m["seq"] for m in missing))),
        "disclosures": disclosures,
    }


def _holds(conn: sqlite3.Connection, scope: Scope, zone: ZoneInfo) -> list[dict]:
    """The matters of the transcript under legal hold (its matter, or the client's), each with the audit
    entry that put it on hold and when, in the archive's zone with its offset (lifecycle/hold.py)."""
    from textfile.lifecycle.hold import holds

    if scope.conversation_id is not None:
        return []
    refs = (
        [scope.matter]
        if scope.matter_id is not None
        else [r for (r,) in conn.execute("SELECT reference FROM matters WHERE client_id = ?", (scope.client_id,))]
    )
    held = holds(conn)
    return [
        {"matter": h.matter, "entry": h.entry, "since": h.since, "said": h.said(zone)}
        for h in (held.get(r.casefold()) for r in sorted(refs))
        if h
    ]


def _disposed(conn: sqlite3.Connection, scope: Scope, zone: ZoneInfo) -> list[dict]:
    """The client's matters whose file was disposed of (a client's transcript: a matter's own is refused),
    each with when, how many messages went and the certificate, so the thread is not read as whole."""
    if scope.matter_id is not None or scope.conversation_id is not None:
        return []
    found = []
    for r in conn.execute(
        "SELECT m.reference, d.disposed_at, d.counts, (SELECT c.path FROM disposal_certificates c WHERE c.disposal_id = d.id"
        " ORDER BY c.id DESC LIMIT 1) AS certificate FROM disposals d JOIN matters m ON m.id = d.matter_id"
        " WHERE m.client_id = ? ORDER BY d.id",
        (scope.client_id,),
    ):
        n = json.loads(r["counts"]).get("messages", 0)
        found.append(
            {
                "matter": r["reference"],
                "at": r["disposed_at"],
                "messages": n,
                "said": f"disposed of on {times.display(r['disposed_at'], zone)}: {n:,} message{'s' if n != 1 else ''}"
                " deleted from the archive, not shown here"
                + (f" (certificate {Path(r['certificate']).name})" if r["certificate"] else ""),
            }
        )
    return found


def _counts(p: Plan) -> dict[int, dict[str, int]]:
    """conversation -> service -> how many of the transcript's messages."""
    counts: dict[int, dict[str, int]] = {}
    for r in p.rows:
        per = counts.setdefault(r.conversation, {})
        per[r.service or "unknown"] = per.get(r.service or "unknown", 0) + 1
    return counts


def _services(counts: dict[int, dict[str, int]]) -> list[tuple[str, int]]:
    """How many of the transcript's messages each service carried, by service."""
    services: dict[str, int] = {}
    for per in counts.values():
        for service, n in per.items():
            services[service] = services.get(service, 0) + n
    return sorted(services.items())


def _spans(conn: sqlite3.Connection, cond: str, params: list) -> dict[int, Span]:
    """Each conversation's span of the transcript's messages."""
    spans: dict[int, Span] = {}
    for cid, precision, first, last, n in conn.execute(
        "SELECT m.conversation_id, m.time_precision, min(m.sent_at), max(m.sent_at), count(*) FROM messages m"
        f" WHERE {cond} GROUP BY m.conversation_id, m.time_precision",
        params,
    ):
        span = spans.setdefault(cid, Span(first, last, {}))
        span.first, span.last = min(span.first, first), max(span.last, last)
        span.precisions[precision] = n
    return spans


def _conversations(
    p: Plan, convs: dict, counts: dict, spans: dict[int, Span], precision_of: dict, tz: ZoneInfo
) -> list[dict]:
    """Each conversation in transcript order, with its counts per service and its first and last time."""
    conversations = []
    for cid in p.conversations:
        c = convs[cid]
        span = spans.get(cid)
        first, last = (span.first, span.last) if span else (None, None)
        # A chat titled with a participant's name (a WhatsApp or contact chat) is named once, by the participant.
        title = own_title(c["title"], (p["name"] or p["handle"] for p in c["participants"]))
        conversations.append(
            {
                **c,
                "counts": sorted(counts.get(cid, {}).items()),
                "total": sum(counts.get(cid, {}).values()),
                "first": times.display(first, tz, precision_of.get(cid)),
                "last": times.display(last, tz, precision_of.get(cid)),
                "cover_title": title,
            }
        )
    return conversations


def _time_precision(p: Plan, spans: dict[int, Span]) -> list[dict]:
    """How many of each conversation's messages have times to the millisecond, second or minute."""
    return [
        {"conversation": cid, "precision": precision or "millisecond", "messages": n}
        for cid in p.conversations
        for precision, n in sorted(spans[cid].precisions.items(), key=lambda x: x[0] or "")
    ]


def _first_and_last(spans: dict[int, Span], tz: ZoneInfo, precision_of: dict) -> dict:
    """The precision of the transcript's times, and its first and last message's time at theirs."""
    first_conv = min(spans, key=lambda c: spans[c].first, default=None)
    last_conv = max(spans, key=lambda c: spans[c].last, default=None)
    return {
        "precision": _coarsest({precision for span in spans.values() for precision in span.precisions}),
        "first": times.display(spans[first_conv].first, tz, precision_of[first_conv]) if first_conv is not None else "",
        "last": times.display(spans[last_conv].last, tz, precision_of[last_conv]) if last_conv is not None else "",
    }


def _whatsapp_zones(conn: sqlite3.Connection, cond: str, params: list) -> list[str]:
    """The zones the WhatsApp messages are shown read in (a corrected reading is not)."""
    return [
        z
        for (z,) in conn.execute(  # the readings the messages are shown at (a corrected one is not)
            "SELECT DISTINCT m.source_zone FROM messages m JOIN conversations c ON c.id = m.conversation_id"
            f" WHERE {cond} AND c.platform = 'whatsapp' ORDER BY 1",
            params,
        )
        if z
    ]


def _coarsest(precisions: dict) -> str | None:
    """The precision to print a span of messages at: "minute" only when every one of them is to the minute."""
    return "minute" if set(precisions) == {"minute"} else None


def _filed_by_hand(filings: list[dict]) -> list[dict]:
    """The filings made by hand, by matter and by whom."""
    by_hand: dict[tuple, list] = {}
    for f in filings:
        if f["how"] == "manual":
            by_hand.setdefault((f["matter"], f["by"]), []).append(f)
    return [{"matter": matter, "by": by, "filings": found} for (matter, by), found in by_hand.items()]


def _filings(conn, scope: Scope, p: Plan, tz: ZoneInfo, precision_of: dict[int, str | None]) -> list[dict]:
    """How each conversation came into the transcript's matter(s): automatically or by hand, by whom,
    when (the filing's own clock), and for which of its messages (at their precision)."""
    if not p.conversations:
        return []
    marks = ",".join("?" * len(p.conversations))
    if scope.matter_id is not None:
        which, args = "f.matter_id = ?", [scope.matter_id]
    else:
        which, args = "mt.client_id = ?", [scope.client_id]
    given = _handles_given(conn, tz)
    return [
        {
            "conversation": r["conversation_id"],
            "matter": r["reference"],
            "how": r["how"],
            "by": r["filed_by"],
            "at": r["created_at"],
            "at_local": times.display(r["created_at"], tz),
            "from": r["from_at"],
            "until": r["until_at"],
            "from_local": fmt_bound(r["from_at"], tz, precision_of.get(r["conversation_id"])),
            "until_local": fmt_bound(r["until_at"], tz, precision_of.get(r["conversation_id"])),
            **(
                {"through": [{"handle": h, **given.get(h, {})} for h in r["through"].split("\n")]}
                if r["how"] == "auto" and r["through"]
                else {}
            ),
        }
        for r in conn.execute(
            "SELECT f.*, mt.reference, (SELECT group_concat(h, char(10)) FROM (SELECT DISTINCT p.handle AS h FROM participants p"
            "  JOIN client_handles ch ON ch.handle = p.handle WHERE p.conversation_id = f.conversation_id AND p.is_owner = 0"
            "  AND ch.client_id = mt.client_id ORDER BY p.handle)) AS through"
            " FROM filings f JOIN matters mt ON mt.id = f.matter_id"
            f" WHERE {which} AND f.conversation_id IN ({marks}) ORDER BY f.conversation_id, f.id",
            [*args, *p.conversations],
        )
    ]


def _handles_given(conn, tz: ZoneInfo) -> dict[str, dict]:
    """handle -> how it became a client's: the last `client add` or `client edit` that gave it (the
    command, when, by whom where recorded, the reason given): an automatic filing rests on that decision."""
    given: dict[str, dict] = {}
    for at, command, details in conn.execute(
        "SELECT at, command, details FROM audit_log WHERE command IN ('client add', 'client edit') ORDER BY id"
    ):
        d = audit.details_of(details)
        for handle in d.get("handles", []) if command == "client add" else d.get("added", []):
            if isinstance(handle, str):
                given[handle] = {
                    "given_by": command,
                    "at": at,
                    "at_local": times.display(at, tz),
                    "by": d.get("by"),
                    "reason": d.get("reason"),
                }
    return given


def _auto_filings_said(filings: list[dict]) -> list[str]:
    """The cover's lines for the automatic filings: per matter and ground, the conversations, the
    client's handle they hold, and who gave the client that handle, when, and why (the decision the
    filing rests on)."""
    groups: dict[tuple, list[int]] = {}
    for f in filings:
        if f["how"] != "auto":
            continue
        grounds = tuple(
            f"{t['handle']}, "
            + (
                (
                    f"the client's since textfile {t['given_by']} on {t['at_local']}"
                    + (f" by {t['by']}" if t.get("by") else "")
                    + (f" ({t['reason']})" if t.get("reason") else "")
                )
                if t.get("given_by")
                else "a handle of the client's"
            )
            for t in f.get("through", [])
        )
        found = groups.setdefault((f["matter"], grounds), [])
        if f["conversation"] not in found:
            found.append(f["conversation"])
    out = []
    for (matter, grounds), conversations in groups.items():
        many = len(conversations) > 1
        held = (
            f"{'their' if many else 'its'} participant {'; and '.join(grounds)}"
            if grounds
            else f"one of {'their' if many else 'its'} participants was a number or address of the client's"
        )
        out.append(
            f"Conversation{'s' if many else ''} {', '.join(map(str, conversations))} {'were' if many else 'was'} filed to {matter}"
            f" automatically: {held}; the client had one open matter"
        )
    return out
