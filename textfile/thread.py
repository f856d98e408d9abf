"""One conversation read in the terminal (`conversation show`), before deciding where it belongs.

It says what a transcript would: its messages are read by the transcript's own code (`content.plan`
and `content.load_chunk` over a scope of this one conversation, whatever it is filed to), so each
sender is named as the transcript names them, each time printed with its offset at the source's
precision, and marks, attachments, reactions, receipts and earlier versions said in the
transcript's words. Text is printed as the transcript prints it (`render.plain`): the characters
that change how text is displayed as marks (⟦RLO⟧), never applied, and control characters as their
pictures, so a message can never send escape codes to the terminal. Everything here is plain text:
the CLI prints it as data, never as markup.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from textfile import times
from textfile.errors import NotFound
from textfile.filing.names import no_conversation
from textfile.ignore import IgnoreMark, conversations, said
from textfile.results import Result, json_name
from textfile.transcript import CHUNK
from textfile.transcript.content import Scope, conversation_info, fmt_bound, jobs, load_chunk, own_title, plan
from textfile.transcript.render import plain

LAYOUT_ONLY = ("new_day", "day_continued", "continued", "omitted")  # load_chunk's keys for the PDF's layout
# A message's number ("2.15") is `number` here, as `review --json` and `note` name it; the transcript's
# code calls it `seq`.
NAMED = {"seq": "number"}


@dataclass(slots=True, eq=False)
class ShownFiling(Result):
    matter: str
    from_: str | None = json_name("from")
    until: str | None


@dataclass(slots=True, eq=False)
class ShownConversation(Result):
    """The conversation shown: where it is filed (or that it is set aside), its counts, and the window shown."""

    id: int
    platform: str
    title: str | None
    is_group: bool
    participants: list[dict]  # as the transcript's cover lists them (content.conversation_info)
    filings: list[ShownFiling]
    ignored: IgnoreMark | None
    messages: int
    unfiled: int
    first: str | None
    first_precision: str | None
    last: str | None
    last_precision: str | None
    from_: str | None = json_name("from")
    until: str | None


@dataclass(slots=True, eq=False)
class Shown(Result):
    conversation: ShownConversation
    # each as the transcript reads it (content.load_chunk), its layout keys left out, `seq` named `number`, with its id
    messages: list[dict]


def thread(
    conn: sqlite3.Connection,
    conversation_id: int,
    tz: ZoneInfo,
    owner_name: str,
    from_at: str | None = None,
    until_at: str | None = None,
) -> Shown:
    """The conversation (number, platform, participants, filings or ignored, messages, first and last)
    and its messages between `from_at` and `until_at`, each as a transcript reads it."""
    found = next((c for c in conversations(conn) if c.id == conversation_id), None)
    if found is None:
        raise NotFound(no_conversation(conversation_id))
    info = conversation_info(conn, [conversation_id])[conversation_id]
    filings = [
        ShownFiling(r["reference"], r["from_at"], r["until_at"])
        for r in conn.execute(
            "SELECT mt.reference, f.from_at, f.until_at FROM filings f JOIN matters mt ON mt.id = f.matter_id"
            " WHERE f.conversation_id = ? ORDER BY mt.reference, f.from_at",
            (conversation_id,),
        )
    ]
    conversation = ShownConversation(
        id=conversation_id,
        platform=found.platform,
        title=found.title,
        is_group=found.is_group,
        participants=info["participants"],
        filings=filings,
        ignored=found.ignored,
        messages=found.messages,
        unfiled=found.unfiled,
        first=found.first,
        first_precision=found.first_precision,
        last=found.last,
        last_precision=found.last_precision,
        from_=from_at,
        until=until_at,
    )
    return Shown(conversation, _messages(conn, conversation_id, tz, owner_name, from_at, until_at))


def _messages(
    conn: sqlite3.Connection,
    conversation_id: int,
    tz: ZoneInfo,
    owner_name: str,
    from_at: str | None,
    until_at: str | None,
) -> list[dict]:
    """The conversation's messages in the window, as the transcript reads them (its layout keys left out,
    its number named as the other commands name it)."""
    scope = Scope(None, None, None, 0, "", from_at, until_at, conversation_id=conversation_id)
    messages = []
    phones = conn.execute(  # copies from more than one phone (a client's own, `--custodian`): each message says whose, as a transcript does
        "SELECT count(DISTINCT coalesce(c.client_id, 0)) FROM ("  # (the imports that hold one: textfile/sightings.py)
        "SELECT DISTINCT m.import_id FROM messages m WHERE m.conversation_id = ?1 AND m.source_ref IS NOT NULL"
        " UNION SELECT DISTINCT s.import_id FROM messages m CROSS JOIN message_sightings s ON s.message_id = m.id"
        " WHERE m.conversation_id = ?1) i LEFT JOIN import_custodians c ON c.import_id = i.import_id",
        (conversation_id,),
    ).fetchone()[0]
    for job in jobs(plan(conn, scope), CHUNK):
        job.found_on = phones > 1
        chunk = load_chunk(conn, job, tz, False, owner_name)
        for m, message_id in zip(chunk.messages, chunk.ids, strict=True):  # (its id: the reference that never moves)
            messages.append({"id": message_id} | {NAMED.get(k, k): v for k, v in m.items() if k not in LAYOUT_ONLY})
    return messages


def lines(shown: Shown, tz: ZoneInfo) -> list[str]:
    """The conversation as lines of plain text: a header, then each day and its messages as a transcript
    shows them (`transcript.html.j2`), the lines of a message under its first indented."""
    c = shown.conversation
    people = "; ".join(
        f"{plain(p['name'])} {plain(p['handle'])}{' (owner)' if p['is_owner'] else ''}"
        if p["name"]
        else f"{plain(p['handle'])}{' (owner)' if p['is_owner'] else ''}"
        for p in c.participants
    )
    title = own_title(c.title, (p["name"] or p["handle"] for p in c.participants))
    out = [
        f"Conversation {c.id}{': ' + plain(title) if title else ''} ({c.platform}{', group' if c.is_group else ''})",
        f"Participants: {people}",
    ]
    where = [
        f"filed to {f.matter}"
        + (
            f" (its messages from {fmt_bound(f.from_, tz, c.first_precision) or 'the start'}"
            f" until {fmt_bound(f.until, tz, c.last_precision) or 'the end'})"
            if f.from_ or f.until
            else ""
        )
        for f in c.filings
    ]
    if c.ignored:
        where.append(f"not client-related ({said(c.ignored, tz)})")
    elif c.unfiled:
        where.append(f"{c.unfiled:,} message{'s' if c.unfiled != 1 else ''} in no matter")
    out.append(f"Where: {'; '.join(where) or 'in no matter'}")
    span = (
        f", from {times.display(c.first, tz, c.first_precision)} to {times.display(c.last, tz, c.last_precision)}"
        if c.first
        else ""
    )
    out.append(f"Messages: {c.messages:,}{span}")
    if c.from_ or c.until:
        out.append(
            f"Shown: {len(shown.messages):,} from {fmt_bound(c.from_, tz, None) or 'the start'}"
            f" until {fmt_bound(c.until, tz, None) or 'the end'}"
        )
    day = None
    for m in shown.messages:
        if m["day"] != day:
            day = m["day"]
            out += ["", f"— {day} —"]
        out += message_lines(m)
    return out


def message_lines(m: dict) -> list[str]:
    """One message as the transcript writes it: its number, time, sender, direction, service, marks and
    reply on the first line; its text, call, attachments, reactions, receipts and earlier versions under it."""
    if m["sender_handle"] and m["sender_name"]:
        sender = plain(m["sender_name"]) + (
            f" {plain(m['sender_handle'])}" if m["sender_handle"] != m["sender_name"] else ""
        )
    else:
        sender = plain(m["sender_handle"]) or (
            "sender not named in the export" if m["direction"] == "in" else "(no sender)"
        )
    written = f" (written in the export as {m['written']})" if m["written"] else ""
    first = [
        f"#{m['number']} {m['time']}{written} {sender} · {m['direction_word']}"
        + (f" · {m['service']}" if m["service"] else "")
    ]
    first += [f"[{k}]" for k in m["marks"]]
    if m["reply_to"]:
        first.append(f"in reply to #{m['reply_to']}")
    elif m["reply_outside"]:
        first.append("in reply to a message outside what is shown")
    under = [m["call"]] if m["call"] else []
    under += plain(m["body"]).split("\n") if m["body"] else []
    for n, a in enumerate(m["attachments"], 1):
        stored = f", {a['size']:,} bytes, sha256 {a['sha256']}" if a["sha256"] else ""
        under.append(
            f"Attachment {n}: {plain(a['name'])}, {a['mime']}{stored}"
            + (f" — not in the archive: {a['missing']}" if a["missing"] else "")
        )
    for x in m["reactions"]:
        under.append(
            f"reaction: {x['text']} by {plain(x['by'])}"
            + (f" at {x['at']}" if x["at"] else "")
            + (" (removed)" if x["removed"] else "")
        )
    if m.get("found_on"):
        under.append(f"found on: {plain(m['found_on'])}")
    if m["delivered"] or m["read"]:
        under.append(
            ", ".join(
                ([f"delivered {m['delivered']}"] if m["delivered"] else [])
                + ([f"read {m['read']}"] if m["read"] else [])
            )
        )
    for v in m["versions"]:
        was = v["was"] + (["same text" if v["body"] else "no text"] if v["same"] else [])
        text = "" if v["same"] else f": {plain(v['body'] or '')}"
        under.append(
            f"earlier version {v['n']}"
            + (f" ({v['at']})" if v["at"] else "")
            + f", from the {v['origin']}"
            + (f", earlier reading: {v['reading']}" if v["reading"] else "")
            + (f" ({'; '.join(was)})" if was else "")
            + text
        )
    return [" ".join(first)] + [f"    {line}" for part in under for line in part.split("\n")]
