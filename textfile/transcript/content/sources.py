"""The sources of a transcript's messages, and how each was read.

Each source once, with whose phone it came from and what was given or assumed when it was read
(what every import of it shared, then what each import read otherwise: its zone, a notice of its
own, so that one import's reading is never told as another's; and whether a later correction
superseded that reading), each correction of an earlier reading as ingest recorded it (by whom,
which import, the zone and day/month order before and after) and how many of the transcript's
messages it moved, as the versions it kept with their earlier time prove (an import given
--corrects-tz that moved nothing corrected nothing; a message moved to the other occurrence of an
hour the clocks repeated, on the export's own line order, was corrected by nobody: the DST lines say it).
"""

from __future__ import annotations

import json
from typing import NamedTuple
from zoneinfo import ZoneInfo

from textfile import sightings, times
from textfile.model import CLOCK_RULE, DATE_ORDERS, the_owners_phone

COVER_ASSUMPTIONS = 5  # per source, and per import where its imports differ; the manifest holds every one
COVER_ONLY = ("imported", "assumptions_shown", "assumptions_more", "name", "names", "shown_by_import")


class Held(NamedTuple):
    """How many of the transcript's messages each import holds: per conversation, and per zone they are shown at."""

    by_conversation: dict[int, dict[int, int]]  # import -> conversation -> messages
    by_zone: dict[int, dict[str, int]]  # import -> zone its messages are shown at -> messages (its phone's)
    # import -> its messages another phone's import archived first (a client's copy of the owner's chat): shown at
    # the time that phone recorded, never "superseded" by a correction (second reader, round 18 #7)
    elsewhere: dict[int, int]
    # import -> its messages this phone's earlier export gave, read at another clock (ingest's `clock_twins`): shown
    # at that reading, the same messages, never "superseded" either (second reader, round 21 #1)
    other_clock: dict[int, int]


class Reading(NamedTuple):
    """What one import of a source read: its number, when (shown), what was given or settled, what it assumed."""

    import_id: int
    at: str
    decisions: list[str]
    assumptions: list[str]


def _sources(
    conn,
    cond: str,
    params: list,
    convs: dict,
    tz: ZoneInfo,
    owner_name: str,
    archive_zone: str,
    moves: list[dict],
    until: int | None = None,
) -> list[dict]:
    """Each source once, however often its bytes were imported (same sha256 and format), with every
    import's date, whose phone it came from, and what was assumed or given when it was read: what
    every import of it shared (`decisions`, `assumptions`), then what each import read otherwise
    (`by_import`: a zone, a notice of its own), so that one import's reading is never told as
    another's. A source whose file name another source has too is named with the start of its sha256
    as well (`name`). `until`: the imports up to this one only (a transcript made again)."""
    held = _held(conn, cond, params, until)
    if not held.by_conversation:
        return []
    corrected = _corrected(moves)
    marks = ",".join("?" * len(held.by_conversation))
    sources: dict[tuple[str, str], dict] = {}
    readings: dict[tuple[str, str], list[Reading]] = {}
    for i in conn.execute(f"SELECT * FROM imports WHERE id IN ({marks}) ORDER BY id", list(held.by_conversation)):
        s = sources.get((i["sha256"], i["format"]))
        if s is None:
            s = sources[(i["sha256"], i["format"])] = _source(i)
        options = json.loads(i["options"] or "{}")
        assumptions = json.loads(i["assumptions"] or "[]")
        at = _add_import(s, i, options, assumptions, held.by_conversation[i["id"]], tz)
        fixed = corrected.get(i["id"], set())
        decisions = (
            [
                _reading(
                    i["zone"],
                    options.get("tz") is not None,
                    "zone" in fixed,
                    held.by_zone.get(i["id"], {}),
                    archive_zone,
                    held.elsewhere.get(i["id"], 0),
                    held.other_clock.get(i["id"], 0),
                )
            ]
            if i["format"] == "whatsapp"
            else []
        )
        decisions += _given(i, options, convs, held.by_conversation[i["id"]], owner_name, "date_order" in fixed)
        readings.setdefault((i["sha256"], i["format"]), []).append(Reading(i["id"], at, decisions, assumptions))
    _name_sources(list(sources.values()))
    for key, s in sources.items():
        _told_apart(s, readings[key], owner_name)
    return list(sources.values())


def _held(conn, cond: str, params: list, until: int | None = None) -> Held:
    """The imports (up to `until`) that hold the transcript's messages, and how many each holds."""
    held = Held({}, {}, {}, {})
    # Counted where each part of the sightings is (textfile/sightings.py): a message once for its own import,
    # then once for each other import that holds it (a later sighting in its own import is counted already),
    # apart where that import is another phone's than the one that archived the message first, read in another zone
    # (1), or where it read at another clock a message its phone gave in an earlier export (2: a 'clock' alias, or an
    # edit it folded in there).
    for import_id, cid, zone, elsewhere, n in conn.execute(
        "SELECT import_id, conversation_id, source_zone, elsewhere, sum(n) FROM ("
        "SELECT m.import_id, m.conversation_id, m.source_zone, 0 AS elsewhere, count(*) AS n FROM messages m"
        f" WHERE ({cond}) AND m.source_ref IS NOT NULL{sightings.up_to('m.import_id', until)} GROUP BY 1, 2, 3"
        f" UNION ALL SELECT s.import_id, m.conversation_id, m.source_zone, CASE WHEN m.source_zone IS NOT i.zone AND"
        f" {_PHONE.format('i')} IS NOT {_PHONE.format('j')} THEN 1 WHEN EXISTS (SELECT 1 FROM message_aliases a"
        f" WHERE a.message_id = m.id AND a.rule = '{CLOCK_RULE}' AND a.import_id <= s.import_id) THEN 2"
        # (an edit this import folded in at another clock, the message still at its first import's reading: round 24 #3)
        " WHEN m.source_zone IS NOT i.zone AND m.source_zone IS j.zone AND EXISTS (SELECT 1 FROM message_aliases a"
        " WHERE a.message_id = m.id AND a.import_id = s.import_id) THEN 2 ELSE 0 END,"
        " count(DISTINCT s.message_id)"
        " FROM message_sightings s JOIN messages m ON m.id = s.message_id JOIN imports i ON i.id = s.import_id"
        f" JOIN imports j ON j.id = m.import_id WHERE ({cond})"
        f" AND NOT (m.import_id = s.import_id AND m.source_ref IS NOT NULL){sightings.up_to('s.import_id', until)}"
        " GROUP BY 1, 2, 3, 4"
        ") GROUP BY 1, 2, 3, 4",
        [*params, *params],
    ):
        per = held.by_conversation.setdefault(import_id, {})
        per[cid] = per.get(cid, 0) + n
        if elsewhere:
            apart = held.elsewhere if elsewhere == 1 else held.other_clock
            apart[import_id] = apart.get(import_id, 0) + n
            continue
        zones = held.by_zone.setdefault(import_id, {})
        zones[zone] = zones.get(zone, 0) + n
    return held


# Whose phone import `{0}` read (SQL): '' for the owner's (no custodian, or the owner named), else the custodian.
_PHONE = f"(CASE WHEN {the_owners_phone('{0}.custodian')} THEN '' ELSE lower({{0}}.custodian) END)"


def _corrected(moves: list[dict]) -> dict[int, set[str]]:
    """import -> what it corrected in the transcript's messages ("zone", "date_order")."""
    corrected: dict[int, set[str]] = {}
    for move in moves:
        corrected.setdefault(move["import"], set()).update(
            what
            for what, changed in (
                ("zone", move["from_zone"] != move["to_zone"]),
                (
                    "date_order",
                    None not in (move["from_order"], move["to_order"]) and move["from_order"] != move["to_order"],
                ),
            )
            if changed
        )
    return corrected


def _source(i) -> dict:
    """A source as its first import read it, before its imports are added; a folder with what its import
    recorded of it (`folder`: how many files it lists, the file its messages were read from with that
    file's size and sha256): its own size is its files' total, its sha256 of its listing, not of content."""
    folder = json.loads(i["options"] or "{}").get("folder")
    return {
        "sha256": i["sha256"],
        "format": i["format"],
        "size": i["size"],
        "file_names": [],
        "imports": [],
        "imported": [],
        "messages": 0,
        "zones": [],
        "custodians": [],
        "phone": "",
        "conversations": [],
        **({"folder": folder} if folder else {}),  # (a file's source, and its manifest, as they were)
    }


def _add_import(s: dict, i, options: dict, assumptions: list[str], per_conversation: dict[int, int], tz) -> str:
    """One import of the source: its record, its date, its file name, zone and custodian, its messages.
    Returns its date as the cover shows it."""
    s["imports"].append(
        {
            "import": i["id"],
            "started_at": i["started_at"],
            "file_name": i["file_name"],
            "zone": i["zone"],
            "custodian": i["custodian"],
            "options": options,
            "assumptions": assumptions,
            "imported_by": i["imported_by"],
        }
    )
    at = times.display(i["started_at"], tz)
    s["imported"].append((at, i["id"]))
    for key, value in (("file_names", i["file_name"]), ("zones", i["zone"]), ("custodians", i["custodian"])):
        if value and value not in s[key]:
            s[key].append(value)
    s["messages"] = max(s["messages"], sum(per_conversation.values()))
    for cid in per_conversation:
        if cid not in s["conversations"]:
            s["conversations"].append(cid)
    return at


def _name_sources(sources: list[dict]) -> None:
    """Each source's name: its file name, with the start of its sha256 where another source has that name too."""
    named: dict[str, int] = {}
    for s in sources:
        for name in s["file_names"]:
            named[name] = named.get(name, 0) + 1
    for s in sources:
        same_name = f" (sha256 {s['sha256'][:12]})" if any(named[name] > 1 for name in s["file_names"]) else ""
        s["name"], s["names"] = s["file_names"][0] + same_name, ", ".join(s["file_names"]) + same_name


def _told_apart(s: dict, readings: list[Reading], owner_name: str) -> None:
    """What every import of the source read alike, then what each read otherwise; whose phone it came
    from; and the cover's share of the assumptions (the manifest holds every one)."""
    s["decisions"] = _shared([r.decisions for r in readings])
    s["assumptions"] = _shared([r.assumptions for r in readings])
    own: dict[tuple, list[Reading]] = {}  # what imports read otherwise than the others -> those imports
    for r in readings:
        key = (
            tuple(t for t in r.decisions if t not in s["decisions"]),
            tuple(t for t in r.assumptions if t not in s["assumptions"]),
        )
        if key != ((), ()):
            own.setdefault(key, []).append(r)
    s["by_import"] = [
        {"imports": [r.import_id for r in which], "decisions": list(decisions), "assumptions": list(assumptions)}
        for (decisions, assumptions), which in own.items()
    ]
    if s["custodians"]:
        s["phone"] = f"{', '.join(s['custodians'])} (the custodian named when it was imported)"
    else:
        s["phone"] = f"{owner_name}, the archive's owner (no custodian was named when it was imported)"
    prefix = f"{s['file_names'][0]}: "  # (a notice that opens with the file's name says it once)
    s.update(_cover_assumptions(s["assumptions"], prefix))
    s["shown_by_import"] = [
        {
            "label": f"import{'s' if len(which) > 1 else ''} {', '.join(f'{r.import_id} ({r.at})' for r in which)}",
            "decisions": list(decisions),
            **_cover_assumptions(list(assumptions), prefix),
        }
        for (decisions, assumptions), which in own.items()
    ]


def _shared(lists: list[list[str]]) -> list[str]:
    """The texts every list holds, in the order of the first."""
    return [t for t in lists[0] if all(t in other for other in lists[1:])] if lists else []


def _cover_assumptions(texts: list[str], prefix: str) -> dict:
    """The first COVER_ASSUMPTIONS of them (without the file's name they open with), and how many more."""
    shown = [_after_prefix(text, prefix) for text in texts[:COVER_ASSUMPTIONS]]
    return {"assumptions_shown": shown, "assumptions_more": len(texts) - len(shown)}


def _reading(
    zone: str,
    given: bool,
    corrected: bool,
    shown_in: dict[str, int],
    archive_zone: str,
    elsewhere: int = 0,
    other_clock: int = 0,
) -> str:
    """The zone an import read a clock without one in (`given`: as --tz said, which the imports made before it was
    recorded do not say: they are said as they were), whether that reading corrected an earlier one
    (it moved messages: `_moves`, never merely because --corrects-tz was given), and whether its
    messages are still shown at that reading: another import that corrected the zone moved them to its own.
    `elsewhere`: how many of them another phone's import, read in another zone, archived first (shown at the time
    that phone recorded: their "found on" says this phone's time). `other_clock`: how many of them this phone's earlier
    export gave, read at another clock (shown at that reading: the pairs are listed below)."""
    text = f"times read as wall-clock times in {zone}" + (
        ", as --tz said" if given else " (the archive's zone)" if zone == archive_zone else ""
    )
    if corrected:
        text += ", correcting an earlier reading (below)"
    total = sum(shown_in.values())
    moved = total - shown_in.get(zone, 0)
    if elsewhere:
        text += (
            f"; {elsewhere} of its {total + elsewhere} messages were archived first from another phone and are shown"
            " at the time that phone recorded (found on both)"
        )
    if other_clock:
        text += (
            f"; {other_clock} of its {total + elsewhere + other_clock} messages were archived first from this phone's"
            " earlier export, read at another clock, and are shown at that reading (the same messages: below)"
        )
    if total and moved == total:
        text += ", since superseded: none of its messages is shown at that reading (another import corrected the zone, below)"
    elif moved:
        text += f", since superseded for {moved} of its {total} messages (another import corrected the zone, below)"
    return text


def _moves(conn, cond: str, params: list) -> list[dict]:
    """Every correction of an earlier reading among the transcript's messages. What was corrected is
    what ingest recorded (`say_corrections`: the import's options' "corrected", by kind: "tz",
    "date_order", "reading", from which reading to which); the messages it moved are what the archive
    proves: the versions that import kept with their earlier time (`message_versions.sent_at`, kept
    only when the state it replaced was at another time), each read against the state after it by
    ingest's rule (`_rereading`). A message an import moved for no kind it recorded (the other
    occurrence of an hour the clocks repeated, on the export's own line order, which the DST lines
    disclose) was corrected by nobody; an import given --corrects-tz that moved nothing corrected
    nothing. By import: the zone and the day/month order before and after, and how many messages moved."""
    corrected = {
        n: json.loads(options)["corrected"]
        for n, options in conn.execute(
            "SELECT id, options FROM imports WHERE json_extract(options, '$.corrected') IS NOT NULL"
        )
    }
    if not corrected:
        return []
    from textfile.ingest import _rereading  # (the one rule of how two readings of a time as written differ)

    moved: dict[tuple, set[str]] = {}
    after = (None, None, None)  # (message, time, zone) of the state after the version at hand
    for mid, n, sent_at, zone, now_at, now_zone in conn.execute(
        "SELECT v.message_id, v.import_id, v.sent_at, v.source_zone, m.sent_at, m.source_zone FROM message_versions v"
        f" JOIN messages m ON m.id = v.message_id WHERE {cond} AND v.sent_at IS NOT NULL ORDER BY v.message_id, v.version DESC",
        params,
    ):
        _, after_at, after_zone = after if after[0] == mid else (mid, now_at, now_zone)
        after = (mid, sent_at, zone)
        kinds = (
            set(_rereading(sent_at, zone, after_at, after_zone)).intersection(corrected.get(n, ()))
            if zone and after_zone
            else ()
        )
        if kinds:
            order = corrected[n]["date_order"] if "date_order" in kinds else None
            before, to = (", ".join(sorted(order["from"])), order.get("to")) if order else (None, None)
            moved.setdefault((n, zone, before, after_zone, to), set()).add(mid)
    return [
        {
            "import": n,
            "from_zone": from_zone,
            "to_zone": to_zone,
            "from_order": from_order,
            "to_order": to_order,
            "messages": len(ids),
        }
        for (n, from_zone, from_order, to_zone, to_order), ids in sorted(
            moved.items(), key=lambda x: (x[0][0], str(x[0][1:]))
        )
    ]


def _corrections(moves: list[dict], sources: list[dict], tz: ZoneInfo) -> list[dict]:
    """Every correction of an earlier reading (`_moves`): by whom and when, which import of which
    source, what it changed (the zone, the day/month order) and how many of the transcript's
    messages it moved (each keeps its earlier reading as a version that this import made)."""
    imports = {i["import"]: (s, i) for s in sources for i in s["imports"]}
    out = []
    for move in moves:
        s, i = imports[move["import"]]
        what = []
        if move["from_zone"] != move["to_zone"]:
            what.append(f"zone {move['from_zone']} → {move['to_zone']}")
        if None not in (move["from_order"], move["to_order"]) and move["from_order"] != move["to_order"]:
            what.append(f"day/month order {move['from_order']} → {move['to_order']}")
        out.append(
            {
                **move,
                "source": s["name"],
                "sha256": s["sha256"],
                "file_name": i["file_name"],
                "started_at": i["started_at"],
                "at_local": times.display(i["started_at"], tz),
                "by": i["imported_by"],
                "what": " and ".join(what) or "times read anew",
            }
        )
    return out


def _after_prefix(text: str, prefix: str) -> str:
    return text[len(prefix) :] if text.startswith(prefix) else text


def _given(i, options: dict, convs: dict, conversations: dict, owner_name: str, corrected: bool = False) -> list[str]:
    """What a person gave, or textfile settled, when the source was read, in words, beside the zone
    (`_reading`): the day/month order (and whether it corrected an earlier one: ingest recorded that it did, `_moves`),
    who the owner is in a chat that names people by name."""
    from textfile.importers.whatsapp import _fold as fold_name  # (the importer's rule for the same name)
    from textfile.importers.whatsapp.people import YOU_ON_THEIR_PHONE

    out = []
    if i["format"] != "whatsapp":
        return out
    if options.get("date_order"):
        out.append(
            f"dates read as {DATE_ORDERS.get(options['date_order'], options['date_order'])}, as --date-order {options['date_order']} said"
            + (", correcting an earlier reading (below)" if corrected else "")
        )
    owners = [p for cid in conversations for p in convs.get(cid, {}).get("participants", []) if p["is_owner"]]
    # (a client's phone that writes the owner otherwise says so among its assumptions: people._you_on_their_phone)
    renamed = any(YOU_ON_THEIR_PHONE in said for said in json.loads(i["assumptions"] or "[]"))
    for p in owners:
        written = p["name"] or p["handle"]
        if options.get("me"):  # (the sender as this export writes them: the participant may be named otherwise)
            out.append(
                f"--me {options['me']!r} given: the messages written by {options['me']!r} are the owner's ({owner_name})"
            )
        elif renamed:
            continue
        elif fold_name(written) == fold_name(
            owner_name
        ):  # (as the importer found it: else by one of the owner's numbers)
            out.append(f"the messages written by {written!r} are the owner's: the archive's owner has that name")
        else:
            out.append(
                f"the messages written by {written!r} are the owner's ({owner_name}): it is one of the owner's numbers"
            )
    if options.get("conversation") and not options.get(
        "same_bytes_as"
    ):  # (the same bytes again went where they went before)
        out.append(f"read as the chat {options['conversation']!r}, as --conversation said")
    return out
