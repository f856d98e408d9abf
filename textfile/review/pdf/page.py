"""What the report's template is given: the cover's facts and one entry per flag, each said in words.

Every text from the archive (a message, a name, a note) is passed as data: the template autoescapes
it, and a message's text is printed as transcripts print it (`render.visible(printable(…))`: control
characters as their pictures, characters that would not be seen marked where they stand, long runs
given places to break; right-to-left text in its direction), so every character is kept and shown.
"""

from __future__ import annotations

from textfile import __version__, times
from textfile.review.pdf.contents import CONTEXT, Contents, Shown
from textfile.review.queue import RULE_NAMES, STATES, Flag, Line
from textfile.review.response import took

# How a response is found (review/response.py), as the cover says it.
RESPONSE_METHOD = (
    "For a flagged message received from a client, the response is the first, after it, of: a text the owner"
    " sent in that conversation (not a draft, a failed send, or a queued text whose sending is not confirmed:"
    " the client may never have had it), or a call logged with the sender's number (from the call logs"
    " imported, in whichever conversation the phone kept them): a call the owner made, answered or not (an attempt to"
    " respond is a response the record should show), or a call the owner took. A call the owner missed,"
    " rejected or let go to voicemail is not a response. The time to respond runs from the message to that"
    " response. With working hours set, the report says whether each message and its response came outside"
    " them, and for a message received outside them, whether a text went out before the hours began again"
    " (an after-hours notice, or an answer). A flag on a message the owner sent looks for no response."
)
STATE_WORDS = {"open": "Open", "reviewed": "Reviewed", "dismissed": "Dismissed", "cleared": "Cleared"}


def page(
    contents: Contents,
    tz,
    *,
    zone: str,
    owner: str,
    made_at: str,
    made_by: str,
    report_id: str,
    bates_first: str,
    slots: dict,
    page_size: str,
) -> dict:
    """The template's data: the cover (scope, when and by whom, filters, counts, settings, method) and
    the flags."""
    scope = contents.scope
    return {
        "title": f"Review report: {scope.label}",
        "header": f"Review report · {scope.label}",
        "page_size": page_size,
        "scope": scope.as_dict(),
        "filters": filters_said(contents),
        "made_local": times.display(made_at, tz),
        "made_utc": made_at,
        "made_by": made_by,
        "version": __version__,
        "zone": zone,
        "owner": owner,
        "report_id": report_id,
        "bates_first": bates_first,
        "slots": slots,
        "total": len(contents.flags),
        "states": [STATE_WORDS[s] for s in STATES],
        "counts": [
            {
                "rule": rule,
                "said": RULE_NAMES.get(rule, "lexicon category"),
                "n": [by[s] for s in STATES],
                "total": sum(by.values()),
            }
            for rule, by in contents.counts().items()
        ],
        "totals": [sum(1 for f in contents.flags if f.state == s) for s in STATES],
        "hours": contents.review_settings.hours,
        "holidays": contents.review_settings.holidays,
        "languages": contents.review_settings.languages,
        "consent_required": contents.review_settings.consent_required,
        "clients": [_client(h, tz) for h in contents.clients],
        "response_method": RESPONSE_METHOD,
        "context": CONTEXT,
        "flags": [_entry(f, contents, tz, owner) for f in contents.flags],
    }


def filters_said(contents: Contents) -> list[str]:
    """The filters, one line each."""
    f = contents.filters
    lines = [
        f"flags {', '.join(f.states)}" if len(f.states) < len(STATES) else "flags in every state",
        f"rules {', '.join(f.rules)}" if f.rules else "every rule",
    ]
    if f.conversation is not None:
        lines.append(f"conversation {f.conversation} only")
    if f.unanswered_within is not None:
        lines.append(
            f"unanswered: only flagged messages from clients that no response reached within"
            f" {took(contents.within_s or 0)} ({f.unanswered_within})"
        )
    return lines


def _client(history, tz) -> dict:
    """A client's consents, opt-outs and opt-ins, and whether a minor, in words."""
    consents = [
        f"given {times.day(c.given_at, tz)}, {c.method}"
        + (f", scope “{c.scope}”" if c.scope else "")
        + (f", document {c.document} (sha256 {c.document_sha256})" if c.document else "")
        + (f"; revoked {times.day(c.revoked_at, tz)}" if c.revoked_at else "")
        + f" (recorded by {c.recorded_by})"
        + (
            f"; withdrawn {times.day(c.withdrawn_at, tz)} by {c.withdrawn_by}, recorded by mistake: it clears no flag"
            if c.withdrawn_at
            else ""
        )
        for c in history.consents
    ]
    changes = [
        f"{o.keyword} from {o.handle} on {times.display(o.at, tz, o.precision)} ({'opted out' if o.change == 'out' else 'opted back in'})"
        for o in history.opt_changes
    ]
    minor = (
        f"a minor (marked by {history.minor.marked_by}); guardians: {', '.join(history.minor.guardians) or 'none named'}"
        if history.minor
        else None
    )
    return {"name": history.client, "consents": consents, "opt_changes": changes, "minor": minor}


def _entry(f: Flag, contents: Contents, tz, owner: str) -> dict:
    """One flag in words: its rule and why, its state, its message in context, its response."""
    return {
        "id": f.id,
        "rule": f.rule,
        "why": f.why,
        "state": f.state,
        "state_said": state_said(f, tz),
        "number": f.number,
        "time": times.display(f.sent_at, tz, f.time_precision),
        "said": _message_said(f, owner),
        "context": [
            _withheld(line, tz) if shown.id in contents.withheld else _line(line, shown, f.number, tz, owner)
            for line, shown in zip(f.context, contents.shown[f.id])
        ],
        "response": response_said(f, contents, tz),
    }


def state_said(f: Flag, tz) -> str:
    """Where a flag stands: open; reviewed by whom when, with the note; dismissed why; cleared."""
    if f.state == "open":
        return "Open: not reviewed yet."
    at = times.display(f.decided_at, tz) if f.decided_at else "an unrecorded time"
    said = {
        "reviewed": f"Reviewed by {f.decided_by} on {at}",
        "dismissed": f"Dismissed by {f.decided_by} on {at}",
        "cleared": f"Cleared by {f.decided_by or 'textfile'} on {at}: its rule no longer holds",
    }[f.state]
    if f.note:
        return f"{said}. {'Reason' if f.state == 'dismissed' else 'Note'}: {f.note}"
    return said + ("." if f.state != "reviewed" else "; no note.")


def _message_said(f: Flag, owner: str) -> str:
    if f.direction == "out":
        who = f"outgoing, from {owner} (the owner)"
    elif f.between_others:  # (a thread on a client's phone that the owner is not in: as its transcript says it)
        who = f"between others (the owner is not in this thread), from {f.sender or 'an unknown sender'}"
    elif f.direction == "in":
        who = f"incoming, from {f.sender or 'an unknown sender'}"
    else:
        who = f.direction
    if f.outside_hours is not None:
        who += ", outside working hours" if f.outside_hours else ", within working hours"
    return who


def _line(line: Line, shown: Shown, flagged: str, tz, owner: str) -> dict:
    """A message of a flag's context: its number, time, sender, what else it is (contents.Shown.facts), its text."""
    from textfile.transcript.render import visible
    from textfile.transcript.render.text import direction, printable

    who = owner if line.direction == "out" else (line.sender or ("system" if line.direction == "system" else "unknown"))
    return {
        "number": line.number,
        "time": times.display(line.at, tz, line.time_precision),
        "who": who,
        "facts": list(shown.facts),
        "body": visible(printable(line.body or "")),
        "dir": direction(line.body or ""),
        "flagged": line.number == flagged,
    }


def _withheld(line: Line, tz) -> dict:
    """A message of the context that is not filed to the report's matter: its number and time only."""
    from textfile.review.pdf.manifest import WITHHELD

    return {
        "number": line.number,
        "time": times.display(line.at, tz, line.time_precision),
        "who": "",
        "facts": [WITHHELD],
        "body": "",
        "dir": "",
        "flagged": False,
    }


def response_said(f: Flag, contents: Contents, tz) -> list[str]:
    """The response to a flagged message from a client (how, when, after how long, in or outside working
    hours) or how long it has waited; and for one received after hours, whether a notice went out."""
    if f.direction != "in":
        return ["A message the owner sent: no response is looked for."]
    if f.between_others:
        return ["A thread on a client's phone that the owner is not in: no response is looked for."]
    lines = []
    r = f.response
    if r is None:
        lines.append(f"No response yet: {took(f.waiting_s or 0)} so far, when this report was made.")
    else:
        answer = contents.responses.get(f.id)
        said = r.how + (f" #{answer.number}" if answer else "")
        said += f" ({round(r.duration_s / 60)} min)" if r.how.startswith("call") and r.duration_s else ""
        lines.append(
            f"Response: {said} at {times.display(r.at, tz)},"
            f" {took(r.after_s)} after the message"
            + ({True: ", outside working hours", False: ", within working hours"}.get(r.outside_hours, ""))
            + "."
        )
    if f.outside_hours and f.notice_before_hours is not None:
        lines.append(
            "Received outside working hours; "
            + (
                "a text went out before the hours began again."
                if f.notice_before_hours
                else "no text went out before the hours began again."
            )
        )
    return lines
