"""Tables at the width of a terminal: every table of the CLI fits 80 columns by leaving out the
columns that give way first (and saying so under the table), never by a column of zero width or a
value cut to "…"."""

import json

from conftest import FIXTURES
from rich.cells import cell_len

# Whole values: never wrapped, never cut (each shows on one line, as at full width).
WHOLE = {
    "#",
    "Platform",
    "Messages",
    "First",
    "Last",
    "Unfiled",
    "Last archived",
    "When",
    "Hash",
    "Opened",
    "Conversations",
    "Handles",
    "Matters (open)",
}
# Names, handles and references: wrapped at spaces only (every word shows whole).
WORDS = {"Conversation", "From", "Client", "Matter", "Command", "Status"}
# The rest is free text (a message, a verdict, an entry's details): it wraps, and its long words may fold.


def tables(output: str) -> list[dict]:
    """Each table printed: its headers (pieces of a wrapped header joined), per column the text of
    each line, its border's column widths, and the columns the line under it says were left out."""
    lines, found = output.splitlines(), []
    for top, line in enumerate(lines):
        if not line.startswith("┏"):
            continue
        rule = next(i for i in range(top, len(lines)) if lines[i].startswith("┡"))
        bottom = next(i for i in range(rule, len(lines)) if lines[i].startswith("└"))
        split = [lines[i].split("┃" if i < rule else "│")[1:-1] for i in range(top + 1, bottom) if i != rule]
        columns = len(split[0])
        headers = [
            " ".join(" ".join(row[c].split()) for row in split[: rule - top - 1] if row[c].strip())
            for c in range(columns)
        ]
        note = " ".join(" ".join(lines[bottom + 1 : bottom + 3]).split())  # (on two lines when long)
        left_out = (
            note.split(": ", 1)[1].split("; --json")[0].split(", ") if note.startswith("(columns left out at") else []
        )
        found.append(
            {
                "headers": headers,
                "left_out": left_out,
                "widths": [len(w) for w in line[1:-1].split("┳")],
                "cells": {h: [row[c].strip() for row in split[rule - top - 1 :]] for c, h in enumerate(headers)},
                "lines": lines[top : bottom + 1],
            }
        )
    return found


def test_every_table_fits_80_and_120_columns_leaving_out_columns_by_priority_never_cutting_a_value(
    cli, monkeypatch, tmp_path
):
    """Issue 15: at 80 columns `conversations` showed four columns of zero width and `+12…`, `matter
    list` showed `2026…` for a reference and `Clie…` for a header. Every table now fits: whole values
    whole, names unbroken, the columns left out named under the table; wider, nothing is left out."""
    for args in (
        ["client", "add", "Sam Client", "--phone", "(202) 555-0143", "--email", "sam@example.com"],
        ["client", "add", "Dana Reyes", "--phone", "202-555-0191"],
        ["matter", "open", "2026-014", "--client", "Sam Client", "--title", "Lease dispute"],
        ["import", FIXTURES / "android" / "sms-20240301.xml", FIXTURES / "android" / "calls-20240301.xml"],
        ["import", "--tz", "America/New_York", *sorted((FIXTURES / "whatsapp" / "demo").iterdir())],
        ["matter", "open", "2026-020", "--client", "Dana Reyes", "--title", "Employment contract"],
    ):
        assert cli(*args, "--quiet").exit_code == 0
    for c in json.loads(cli("conversations", "--json").stdout):
        if c["platform"] == "whatsapp":
            assert (
                cli(
                    "file",
                    c["id"],
                    "--matter",
                    {"Sam Client": "2026-014", "Dana Reyes": "2026-020"}[c["title"]],
                    "--quiet",
                ).exit_code
                == 0
            )
    for reference in ("2026-014", "2026-020"):
        assert cli("transcript", reference, "--out-dir", tmp_path, "--quiet").exit_code == 0

    commands = [
        ["conversations"],
        ["conversations", "--unfiled"],
        ["client", "list"],
        ["client", "show", "Sam Client"],
        ["matter", "list"],
        ["search", "lease"],
        ["deletable"],
        ["log"],
    ]
    monkeypatch.setenv("COLUMNS", "400")
    full = {" ".join(args): tables(cli(*args).stdout) for args in commands}
    assert all(t["left_out"] == [] for printed in full.values() for t in printed)
    left_out = {}
    for width in (80, 120):
        monkeypatch.setenv("COLUMNS", str(width))
        for args in commands:
            output = cli(*args).stdout
            assert max(cell_len(line) for line in output.splitlines()) <= width, (args, output)
            left_out[(width, " ".join(args))] = [t["left_out"] for t in tables(output)]
            for wide, narrow in zip(full[" ".join(args)], tables(output), strict=True):
                # every column shown has its header in full (a column is shown, or named as left out)
                assert narrow["headers"] == [h for h in wide["headers"] if h not in narrow["left_out"]], (args, output)
                assert min(narrow["widths"]) >= 3, (args, output)
                for header in narrow["headers"]:
                    shown = narrow["cells"][header]
                    if header in WHOLE:
                        assert [v for v in shown if v] == [v for v in wide["cells"][header] if v], (
                            args,
                            header,
                            output,
                        )
                    elif header in WORDS:
                        assert " ".join(shown).split() == " ".join(wide["cells"][header]).split(), (
                            args,
                            header,
                            output,
                        )
                    # no "…" of the table's own: only those of the data (a search snippet's, a digest's first digits)
                    assert "".join(shown).count("…") == "".join(wide["cells"][header]).count("…"), (
                        args,
                        header,
                        output,
                    )
    assert (
        left_out
        == {  # per table printed (`client show` prints its matters, then its conversations)
            (80, "conversations"): [
                ["First", "Last"]
            ],  # (its widest name, a group's email handle, kept whole; Platform and Messages fit again once the dates are out)
            (80, "conversations --unfiled"): [["Platform", "First"]],
            (80, "client list"): [[]],
            (80, "client show Sam Client"): [["Opened"], ["First", "Last"]],
            (80, "matter list"): [["Opened"]],
            (80, "search lease"): [["Conversation", "From"]],  # (the message keeps 30 columns, its number whole)
            (80, "deletable"): [["Platform", "Last archived"]],  # (the verdict keeps 30 columns: its commands readable)
            (80, "log"): [["Hash"]],
            (120, "conversations"): [["First"]],
            (120, "conversations --unfiled"): [[]],
            (120, "client list"): [[]],
            (120, "client show Sam Client"): [[], ["First"]],
            (120, "matter list"): [[]],
            (120, "search lease"): [[]],
            (120, "deletable"): [[]],
            (120, "log"): [[]],
        }
    )


def test_the_review_queue_keeps_why_a_flag_holds_at_every_width(cli, archive, monkeypatch):
    """Second reader, round 15: at 100 columns `review` left out From and Why and kept Sent, at 80 it kept Why: the
    reason a flag holds gives way after the time it was sent, at every width."""
    from conftest import ingest_records, msg

    ingest_records(
        archive,
        [
            msg(1, "The hearing is moved and the deadline for the filing is Friday, can you call me about it today"),
            msg(2, "STOP"),
            msg(3, "Understood, I will call you instead of texting from now on about the hearing", out=True),
        ],
    )
    for width in range(80, 131):
        monkeypatch.setenv("COLUMNS", str(width))
        [printed] = tables(cli("review").stdout)
        assert "Why" in printed["headers"], (width, printed["left_out"])
