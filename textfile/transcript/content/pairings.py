"""Messages whose versions come from two WhatsApp exports that textfile took for one message.

Each WhatsApp message that textfile took for another form of a message of another export (an edit
or a deletion between exports, ingest's fold): the rule once, and which line of which import was
taken for which; on the cover one line per message, or one for many pairs of one kind between two imports.
"""

from __future__ import annotations

from textfile import sightings
from textfile.model import CLOCK_RULE
from textfile.transcript.content.scope import Plan, _numbered, message_numbers


def _pairings(conn, cond: str, params: list, p: Plan, names: dict[int, str], until: int | None = None) -> list[dict]:
    """The transcript's messages whose versions come from two WhatsApp exports that textfile took for
    one message (ingest's fold: an edit or a deletion between exports; `message_aliases`). Each pair:
    the import that made it (`import`, its line), its rule (edited, deleted: that import brought the
    later form; earlier: it brought the earlier one), and the archived message it was taken for, as
    the latest import before it that held that message had it (`paired_import`, its line; for CLOCK_RULE, the
    message's own import, whose reading it is shown at). `until`: the
    pairs the imports up to this one made only (a transcript made again)."""
    rows = conn.execute(
        "SELECT m.rowid, a.message_id, a.import_id, a.rule,"
        " (SELECT min(s.source_ref) FROM message_sources s WHERE s.message_id = a.message_id AND s.import_id = a.import_id),"
        # (a message one phone wrote at another clock: paired with the import whose reading it is shown at, its own)
        f" CASE WHEN a.rule = '{CLOCK_RULE}' THEN m.import_id ELSE (SELECT max(s.import_id) FROM message_sources s"
        " WHERE s.message_id = a.message_id AND s.import_id < a.import_id) END"
        f" FROM message_aliases a JOIN messages m ON m.id = a.message_id WHERE {cond}{sightings.up_to('a.import_id', until)}",
        params,
    ).fetchall()
    seq = _numbered(p, (r[0] for r in rows))
    out = []
    for rowid, mid, import_id, rule, line, paired in rows:
        if rowid not in seq:
            continue
        paired_line = (
            paired
            and conn.execute(
                "SELECT min(source_ref) FROM message_sources WHERE message_id = ? AND import_id = ?", (mid, paired)
            ).fetchone()[0]
        )
        out.append(
            {
                "seq": seq[rowid],
                "message": mid,
                "rule": rule,
                "import": import_id,
                "source": names.get(import_id),
                "line": line,
                "paired_import": paired,
                "paired_source": names.get(paired),
                "paired_line": paired_line,
            }
        )
    return sorted(out, key=lambda x: (x["seq"], x["import"]))


PAIRED_EACH = 3  # pairs of one kind between two imports told one by one on the cover; more are told together (the manifest lists each)
PAIRED_WORDS = {  # rule -> (what the import brought, what it was taken for), one and several
    "edited": (("the edited text", "a later form of the message"), ("the edited texts", "later forms of messages")),
    "deleted": (
        ("the message shown deleted", "a later form of the message"),
        ("the messages shown deleted", "later forms of messages"),
    ),
    "earlier": (("the text", "an earlier form of the message"), ("the texts", "earlier forms of messages")),
}


def _pairings_said(pairings: list[dict], of_import: dict[int, dict]) -> list[str]:
    """The cover's lines for `_pairings`: one per message, or one for many pairs of one kind between two imports."""
    groups: dict[tuple, list[dict]] = {}
    for x in pairings:
        groups.setdefault((x["rule"], x["import"], x["paired_import"]), []).append(x)
    out = []
    for (rule, n, paired), found in sorted(groups.items(), key=lambda g: g[1][0]["seq"]):
        one, many = PAIRED_WORDS.get(
            rule, (("the text", "another form of the message"), ("the texts", "other forms of messages"))
        )
        if len(found) <= PAIRED_EACH:
            for x in found:
                there = (
                    f" in {_where(of_import[paired], paired, x['paired_line'])}"
                    if paired is not None
                    else " archived before"
                )
                out.append(
                    f"#{x['seq']}: {one[0]} in {_where(of_import[n], n, x['line'])} was taken for {one[1]} at the same"
                    f" time from the same sender{there}, which import {n}'s export did not hold"
                )
        else:
            there = f" in {_where(of_import[paired], paired)}" if paired is not None else " archived before"
            out.append(
                f"{message_numbers([x['seq'] for x in found])} ({len(found)} messages): {many[0]} in {_where(of_import[n], n)} were"
                f" taken for {many[1]} at the same time from the same senders{there}, which import {n}'s export did not hold"
                " (each pair's lines are in the manifest)"
            )
    return out


def _where(source: dict, n: int, line: str | None = None) -> str:
    """A source, an import of it and a line in it: "chat.zip (import 2, line 8)", "chat.zip (sha256 43d223389ed7; import 2, line 8)"."""
    name = source["file_names"][0]
    same_name = f"sha256 {source['sha256'][:12]}; " if source["name"] != name else ""
    return f"{name} ({same_name}import {n}{f', {line}' if line else ''})"


def _clock_pairings_said(pairings: list[dict], of_import: dict[int, dict]) -> list[str]:
    """The cover's lines for the pairs of one phone's message written at other clocks in two of its exports
    (`_pairings`, rule CLOCK_RULE: ingest's `clock_twins`): one per message, or one for many between two imports."""
    groups: dict[tuple, list[dict]] = {}
    for x in pairings:
        groups.setdefault((x["import"], x["paired_import"]), []).append(x)
    out = []
    for (n, paired), found in sorted(groups.items(), key=lambda g: g[1][0]["seq"]):
        if len(found) <= PAIRED_EACH:
            out += [
                f"#{x['seq']}: the message in {_where(of_import[n], n, x['line'])} was taken for the same message in"
                f" {_where(of_import[paired], paired, x['paired_line'])}"
                for x in found
            ]
        else:
            out.append(
                f"{message_numbers([x['seq'] for x in found])} ({len(found)} messages): the messages in {_where(of_import[n], n)}"
                f" were taken for the same messages in {_where(of_import[paired], paired)} (each pair's lines are in the"
                " manifest)"
            )
    return out
