"""A chunk's HTML document: the template (jinja2, autoescaped: every value from the archive is data)
and the messages as it shows them, a run of attachments an export left out as one line.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment, FileSystemLoader

from textfile import times
from textfile.transcript.render.text import (
    css_string,
    direction,
    isolated,
    nowrap_given,
    nowrap_times,
    printable,
    visible,
)

if TYPE_CHECKING:
    from textfile.transcript.content.chunk import Chunk

TEMPLATES = Path(str(resources.files("textfile.transcript") / "templates"))


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, trim_blocks=False)
    env.filters["css_string"] = css_string
    env.filters["nowrap_times"] = nowrap_times
    env.filters["nowrap_given"] = nowrap_given
    env.filters["visible"] = visible
    env.filters["isolated"] = isolated
    return env


def page_size(region: str) -> str:
    return "letter" if region.upper() in ("US", "CA", "MX", "PH", "CL", "CO", "VE") else "A4"


OMITTED_RUN_GAP_S = 300  # the most between two messages of one run of omitted attachments (`shown`): sent in one go


def _omission(m: dict) -> tuple | None:
    """What makes a message one of a run shown as one line: nothing but one attachment the export
    left out without a name (WhatsApp's "<Media omitted>", an iPhone export's "image omitted"), from
    the same sender, of the same kind and left out for the same reason."""
    if (
        m["body"]
        or m.get("segments")
        or m.get("withheld")
        or m.get("context")
        or m["marks"]
        or m["call"]
        or m["versions"]
        or m["reactions"]
        or m["delivered"]
        or m["read"]
        or m["reply_to"]
        or m["reply_outside"]
        or m["written"]
        or len(m["attachments"]) != 1
    ):
        return None
    a = m["attachments"][0]
    if a["name"] != "(no name)" or not a["missing"] or a["sha256"]:
        return None
    return (
        m["conversation"],
        m["direction"],
        m["sender_handle"],
        m["sender_name"],
        m["service"],
        a["mime"],
        a["missing"],
    )


def _time_span(first: str, last: str) -> str:
    """Two displayed times as one span: "2025-10-28 09:03:00–09:03:22 -04:00" on one day at one offset."""
    if first == last:
        return first
    if first[:11] == last[:11] and first[-6:] == last[-6:]:
        return f"{first[:-7]}–{last[11:]}"
    return f"{first} – {last}"


def shown(data: Chunk) -> list[dict]:
    """The chunk's (content.load_chunk's, or {"messages": …}) messages as the template shows them: text made printable and undecodable characters
    marked, and a run of consecutive messages that are each one omitted, unnamed attachment (same
    sender, kind and reason, on one day, each within OMITTED_RUN_GAP_S of the one before, no other
    message between: a burst of photos an export left out) as one line with their numbers and the
    first and last time; `i` is each one's index in the list, `ids` the ids of the messages it shows."""
    out: list[dict] = []
    run_key = None
    ids = (data.get("ids") if isinstance(data, dict) else getattr(data, "ids", None)) or []
    for n, m in enumerate(data["messages"]):
        mid = ids[n] if n < len(ids) else None
        key = _omission(m)
        if (
            key is not None
            and key == run_key
            and not m["new_day"]
            and not m["continued"]
            and (times.from_iso(m["sent_at"]) - times.from_iso(out[-1]["sent_last"])).total_seconds()
            <= OMITTED_RUN_GAP_S
        ):
            run = out[-1]
            run["seq_last"], run["sent_last"], run["omitted_run"] = m["seq"], m["sent_at"], run["omitted_run"] + 1
            run["ids"].append(mid)
            run["time"] = _time_span(run["time_first"], m["time"])
            continue
        run_key = key
        m["dir"] = direction(m["body"])
        m["body"] = visible(printable(m["body"]))
        for piece in m.get("segments", ()):  # (a redacted body: content/chunk.py `_redacted`)
            piece["text"] = visible(printable(piece["text"]))
        for v in m["versions"]:
            v["dir"] = direction(v["body"])
            v["body"] = visible(printable(v["body"]))
        m["seq_last"], m["omitted_run"], m["i"], m["time_first"], m["sent_last"] = (
            None,
            1,
            len(out),
            m["time"],
            m["sent_at"],
        )
        m["ids"] = [mid]  # the messages of its entry (`render/chunk.py` `_entries_on`: their Bates page)
        out.append(m)
    return out


def chunk_html(
    messages: list[dict],
    conversations: dict,
    ctx: dict,
    files: list = (),
    start: int = 0,
    breaks: frozenset = frozenset(),
    cover: dict | None = None,
) -> str:
    """The chunk's document, or (`start`) the part of it from that message on, with a page break
    before each message in `breaks`; `files`: the conversations' files no message names (the last
    chunk); `cover`: the cover's facts (a document of its own)."""
    parts = []
    for m in messages[start:]:
        first_of_part = not parts or parts[-1]["conv"]["id"] != m["conversation"]
        if first_of_part:
            conv = conversations[m["conversation"]]
            # a part that starts with the chunk's document starts a section; one cut from its middle goes on without a heading
            bare = not parts and start > 0 and messages[start - 1]["conversation"] == m["conversation"]
            parts.append(
                {
                    "conv": conv,
                    "continued": m["continued"],
                    "bare": bare,
                    "messages": [],
                    "break": m["i"] in breaks and not bare,
                }
            )
        m["break"] = "" if m["i"] not in breaks or parts[-1]["break"] else ("day" if m["new_day"] else "message")
        parts[-1]["messages"].append(m)
    return (
        environment()
        .get_template("transcript.html.j2")
        .render(
            cover=cover if not start else None,
            parts=parts,
            files=files,
            header=ctx["header"],
            title=ctx["title"],
            page_size=ctx["page_size"],
        )
    )
