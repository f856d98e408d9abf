"""The messages the cover names by number for what the page alone would not tell.

The U+FFFD the messages hold (never said to be undecodable: which messages no import that reported
undecodable bytes holds, and what each import that did reported), the characters that change how
text is displayed which the transcript prints as marks (`invisible`), and times a DST change made
ambiguous or impossible, with the time as the export wrote it (recomputed from the stored instant
and the source's zone, never stored twice).
"""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

from textfile import sightings, times
from textfile.model import INVISIBLE
from textfile.transcript.content.marks import DST_FLAGS, second_occurrence, written_time
from textfile.transcript.content.scope import Plan, _numbered, message_numbers
from textfile.transcript.content.sources import _after_prefix

# A message, or one of its earlier versions, holds U+FFFD.
_HOLDS_FFFD = "(instr(m.body, char(65533)) OR EXISTS (SELECT 1 FROM message_versions v WHERE v.message_id = m.id AND instr(v.body, char(65533))))"


def _marked_messages(
    conn, cond: str, params: list, p: Plan, tz: ZoneInfo, names: dict[int, str], until: int | None = None
) -> dict:
    """Messages holding U+FFFD, and times a DST change forced textfile to resolve, with their numbers
    in the transcript.

    A U+FFFD is what a source or an import puts where it could not decode a character, but a message
    may also hold one as it was sent (pasted from a broken e-mail), and the archive does not record
    which of a message's U+FFFD an import put in. What it does record: the imports that hold each
    message, and each import's warnings, where every importer reports what it read as U+FFFD (a
    WhatsApp chat's bytes, an Android backup's lone surrogates, an iMessage row's text). A message no
    such import holds had its U+FFFD in the source's text as it was read (`reported_by` empty); for
    the others, the cover names the imports that reported and quotes what they said (which lines),
    beside the message's own line in each, and claims no more: tying a U+FFFD to a reported byte
    would take each byte's place in the text, which no warning keeps (WhatsApp's names five lines).
    `until`: the imports up to this one only hold them (a transcript made again)."""
    hits = _hits(conn, cond, params)
    if not hits:
        return {"undecodable": [], "undecodable_reports": [], "dst": []}
    seq = _numbered(p, (h["rowid"] for h in hits))
    held = _held_by(conn, cond, params, until)
    shown = [h for h in sorted(hits, key=lambda h: seq.get(h["rowid"], 0)) if h["rowid"] in seq]
    undecodable = []
    for h in shown:
        count = h["body"].count("\ufffd") + h["in_versions"]
        if count:
            undecodable.append(
                {"seq": seq[h["rowid"]], "message": h["id"], "characters": count, "reported_by": held.get(h["id"], [])}
            )
    dst = [time for h in shown for time in _dst_times(h, seq[h["rowid"]], tz)]
    reports = _reports(conn, undecodable, names)
    reporting = {r["import"] for r in reports}
    for u in undecodable:
        u["reported_by"] = [x for x in u["reported_by"] if x["import"] in reporting]
    return {"undecodable": undecodable, "undecodable_reports": reports, "dst": dst}


def _hits(conn, cond: str, params: list) -> list:
    """The transcript's messages that hold U+FFFD (with how many their versions' shown texts hold) or
    whose time a DST change made textfile resolve."""
    # A version's U+FFFD count where its text is not the text of the state after it (the next version, or the
    # message as it is): the same text kept for an earlier time, sender or marks is shown as "same text" (`_versions`).
    return conn.execute(
        "SELECT m.rowid, m.id, m.body, m.flags, m.sent_at, m.source_zone, m.time_precision,"
        " (SELECT coalesce(sum(length(v.body) - length(replace(v.body, char(65533), ''))), 0) FROM message_versions v"
        "  WHERE v.message_id = m.id AND v.body != coalesce((SELECT w.body FROM message_versions w WHERE w.message_id = m.id"
        "   AND w.version > v.version ORDER BY w.version LIMIT 1), m.body)) AS in_versions"
        f" FROM messages m WHERE {cond} AND ({_HOLDS_FFFD} OR m.flags LIKE '%\"time\\_%' ESCAPE '\\')",
        params,
    ).fetchall()


def _held_by(conn, cond: str, params: list, until: int | None = None) -> dict[str, list[dict]]:
    """message -> the imports (up to `until`) that hold it, with its line in each (of the messages holding U+FFFD)."""
    held: dict[str, list[dict]] = {}
    for mid, n, ref in conn.execute(
        f"SELECT s.message_id, s.import_id, min(s.source_ref) FROM ({sightings.of(f'({cond}) AND {_HOLDS_FFFD}', until=until)}) s"
        " GROUP BY s.message_id, s.import_id ORDER BY s.message_id, s.import_id",
        [*params, *params],
    ):
        held.setdefault(mid, []).append({"import": n, "ref": ref})
    return held


def _dst_times(h, seq: int, tz: ZoneInfo) -> list[dict]:
    """A message's time that a DST change made textfile resolve: as written, as read, as shown."""
    out = []
    for flag in DST_FLAGS:
        if flag in json.loads(h["flags"]):
            written = written_time(h["sent_at"], h["source_zone"], flag, h["time_precision"])
            out.append(
                {
                    "seq": seq,
                    "message": h["id"],
                    "flag": flag,
                    "zone": h["source_zone"],
                    "sent_at": h["sent_at"],
                    "written": written,
                    "shown": times.display(h["sent_at"], tz, h["time_precision"]),
                    "second": flag == "time_ambiguous" and second_occurrence(h["sent_at"], h["source_zone"]),
                    "resolved": times.display(h["sent_at"], times.zone(h["source_zone"]), h["time_precision"])
                    if written
                    else "",
                }
            )
    return out


def _reports(conn, undecodable: list[dict], names: dict[int, str]) -> list[dict]:
    """What each import that holds one of these messages reported of U+FFFD (its warnings and assumptions
    that name it), for those that did."""
    holding = sorted({x["import"] for u in undecodable for x in u["reported_by"]})
    reports = []
    for i in (
        conn.execute(
            f"SELECT id, file_name, warnings, assumptions FROM imports WHERE id IN ({','.join('?' * len(holding))}) ORDER BY id",
            holding,
        )
        if holding
        else ()
    ):
        said = [
            text
            for text in json.loads(i["warnings"] or "[]") + json.loads(i["assumptions"] or "[]")
            if "U+FFFD" in text
        ]
        if said:
            reports.append(
                {
                    "import": i["id"],
                    "source": names.get(i["id"], i["file_name"]),
                    "file_name": i["file_name"],
                    "warnings": said,
                }
            )
    return reports


# What each character of `INVISIBLE` does where it is applied: the cover's legend of their marks (`invisible`).
INVISIBLE_EFFECTS = {
    "LRE": "displays the text after it as a left-to-right run, up to a PDF",
    "RLE": "displays the text after it as a right-to-left run, up to a PDF",
    "PDF": "ends the run an embedding or an override began",
    "LRO": "displays the text after it left to right, letter by letter, whatever its script",
    "RLO": "reverses how the text after it is displayed, letter by letter",
    "LRI": "displays the text after it left to right, apart from the text around it, up to a PDI",
    "RLI": "displays the text after it right to left, apart from the text around it, up to a PDI",
    "FSI": "displays the text after it in the direction of its first letter, apart from the text around it, up to a PDI",
    "PDI": "ends an isolate",
    "LRM": "an invisible left-to-right letter: it moves the digits and punctuation beside it",
    "RLM": "an invisible right-to-left letter: it moves the digits and punctuation beside it",
    "ALM": "an invisible Arabic letter: it moves the digits and punctuation beside it",
    "ZWSP": "an invisible space: it can split a word so that a search no longer finds it",
    "BOM": "an invisible character (at the start of a file, its byte order mark)",
}


def invisible(conn, cond: str, params: list, p: Plan, convs: dict) -> dict:
    """The characters of `INVISIBLE` in what the transcript prints: each message whose text, an earlier
    text shown with it, or an attachment's name holds any, with how many of each (`messages`, for the
    manifest); and per character, how many, in which messages and in the names of the conversations and
    their people (`legend`, for the cover: only those that occur)."""
    found = f"GLOB '*[{''.join(INVISIBLE)}]*'"
    holding = (
        f"SELECT m.id FROM messages m WHERE {cond} AND (m.body {found}"
        f" OR EXISTS (SELECT 1 FROM message_versions v WHERE v.message_id = m.id AND v.body {found})"
        f" OR EXISTS (SELECT 1 FROM message_attachments a WHERE a.message_id = m.id AND a.file_name {found}))"
    )
    rows = conn.execute(f"SELECT m.rowid, m.id, m.body FROM messages m WHERE m.id IN ({holding})", params).fetchall()
    versions: dict[str, list] = {}
    for mid, body in conn.execute(
        f"SELECT message_id, body FROM message_versions WHERE message_id IN ({holding}) ORDER BY message_id, version",
        params,
    ):
        versions.setdefault(mid, []).append(body)
    names: dict[str, list] = {}
    for mid, name in conn.execute(
        f"SELECT message_id, file_name FROM message_attachments WHERE message_id IN ({holding}) AND file_name {found}",
        params,
    ):
        names.setdefault(mid, []).append(name)
    seq = _numbered(p, (r["rowid"] for r in rows))
    messages = []
    for r in sorted((r for r in rows if r["rowid"] in seq), key=lambda r: seq[r["rowid"]]):
        earlier = versions.get(r["id"], [])
        shown = [
            v for v, after in zip(earlier, earlier[1:] + [r["body"]]) if v != (after or "")
        ]  # (`_versions`: "same text" is not printed)
        counts = _counted("".join([r["body"] or "", *(v or "" for v in shown), *names.get(r["id"], [])]))
        if counts:
            messages.append({"seq": seq[r["rowid"]], "message": r["id"], "characters": counts})
    in_names = _counted(
        "".join(c["title"] or "" for c in convs.values())
        + "".join(f"{x['name'] or ''}{x['handle']}" for c in convs.values() for x in c["participants"])
    )
    legend = []
    for ch, (short, name) in INVISIBLE.items():
        code = f"U+{ord(ch):04X}"
        holding = [m["seq"] for m in messages if code in m["characters"]]
        if holding or code in in_names:
            n = sum(m["characters"].get(code, 0) for m in messages)
            said = [f"{n:,} in {_numbers_said(holding)}"] if holding else []
            said += [f"{in_names[code]:,} in the names of conversations or their people"] if code in in_names else []
            legend.append(
                {
                    "char": ch,
                    "mark": short,
                    "name": name,
                    "code": code,
                    "effect": INVISIBLE_EFFECTS[short],
                    "said": "; ".join(said),
                }
            )
    return {"messages": messages, "legend": legend}


def _numbers_said(seqs: list[int]) -> str:
    """Message numbers for the cover: the first COVER_HELD, then how many more (the manifest lists each)."""
    more = len(seqs) - COVER_HELD
    return message_numbers(seqs[:COVER_HELD]) + (f" and {more:,} more messages" if more > 0 else "")


def _counted(text: str) -> dict[str, int]:
    """How many of each character of `INVISIBLE` a text holds, by code point ("U+202E")."""
    return {f"U+{ord(ch):04X}": n for ch in INVISIBLE if (n := text.count(ch))}


COVER_REPORTS = 3  # warnings quoted per import; COVER_HELD: messages named per import
COVER_HELD = 10


def _undecodable_said(d: dict) -> list[str]:
    """The cover's lines under the U+FFFD count: the messages whose U+FFFD were in the source's text
    as it was read, then each import that reported characters it could not decode, what it said and
    which of those messages it holds (at which line)."""
    out: list[tuple[int, str]] = []  # (the first message a line names, the line)
    clean = [u for u in d["undecodable"] if not u["reported_by"]]
    if clean:
        one, many = len(clean) == 1, sum(u["characters"] for u in clean) > 1
        out.append(
            (
                clean[0]["seq"],
                f"{message_numbers([u['seq'] for u in clean])}: {'its' if one else 'their'} U+FFFD {'were' if many else 'was'}"
                f" in the source's text as it was imported: no import that holds {'it' if one else 'them'}"
                " reported a character it could not decode",
            )
        )
    for r in d["undecodable_reports"]:
        held = [(u["seq"], x["ref"]) for u in d["undecodable"] for x in u["reported_by"] if x["import"] == r["import"]]
        named = ", ".join(f"#{n} ({ref})" for n, ref in held[:COVER_HELD]) + (
            f" and {len(held) - COVER_HELD} more" if len(held) > COVER_HELD else ""
        )
        quoted = "; ".join(
            _first_sentence(_after_prefix(text, f"{r['file_name']}: ")) for text in r["warnings"][:COVER_REPORTS]
        )
        more = (
            f" (and {len(r['warnings']) - COVER_REPORTS} more, in the manifest)"
            if len(r["warnings"]) > COVER_REPORTS
            else ""
        )
        out.append((held[0][0], f"import {r['import']}, {r['source']}, which holds {named}, reported: {quoted}{more}"))
    return [line for _, line in sorted(out, key=lambda x: x[0])]


def _first_sentence(text: str) -> str:
    end = text.find(". ")
    return text if end < 0 else text[:end]
