"""A production made again that came out otherwise (`produce --again N`, exit 3) says so in its own folder.

Its files are complete and signed, and SHA256SUMS lists them as they are: without a word in the folder,
it would look like production N (its README and certification name it) while `verify` called textfile's
own output altered, and it could be served as production N.

Decisions, and why:
- **A file in the folder, listed in SHA256SUMS.** `PRODUCTION-DIFFERS.txt` names production N, the files
  that differ from its record (each with the sha256 produced and the one made here) and why. It is
  written before SHA256SUMS, so SHA256SUMS lists it and SHA256SUMS.p7s signs that list: the other side's
  `sha256sum -c` misses it if it is taken out, and the signed list still names it. SHA256SUMS stays
  honest: the sums of the files as they are, never the recorded ones.
- **Why, in one sentence.** The messages are the ones produced, with their recorded content hashes (a
  production whose messages changed is refused before anything is written); what differs is what the
  archive says of them now (a contact's name, a note made privileged, the settings), and the files that
  list another file's sha256 (the certification).
- **`verify DIR` says it plainly**: "made again, differs from production N in: …" as its one problem
  about the record (exit 3), the files still checked against SHA256SUMS and its signature, and the PDFs
  that are the produced ones checked as transcripts.
"""

from __future__ import annotations

import re

NAME = "PRODUCTION-DIFFERS.txt"
_FIRST = re.compile(r"PRODUCTION (\d+) OF MATTER (\S+) MADE AGAIN: NOT THE FILES PRODUCED")
_FILE = re.compile(r"(\S.*?)  produced (\S+)  here (\S+)")


def differing(recorded: dict[str, str], made: dict[str, str]) -> list[str]:
    """The paths whose sha256 is not the recorded one (or that only one of them has), sorted."""
    return sorted(p for p in set(recorded) | set(made) if recorded.get(p) != made.get(p))


def note(number: int, matter: str, recorded: dict[str, str], made: dict[str, str]) -> bytes:
    """What PRODUCTION-DIFFERS.txt says: production `number` of `matter` made again, and the files
    (`differing`) whose sha256 here is not the one produced."""
    rows = [
        f"{path}  produced {recorded.get(path, '(none)')}  here {made.get(path, '(none)')}"
        for path in differing(recorded, made)
    ]
    lines = [
        f"PRODUCTION {number} OF MATTER {matter} MADE AGAIN: NOT THE FILES PRODUCED",
        "",
        f"This folder is production {number} of matter {matter} made again from the archive as it is now.",
        f"Its messages are those production {number} handed over, as they were produced, but the archive",
        "says otherwise of them since (a contact's name, a note made privileged, the settings), so the files",
        f"below are not the ones production {number} holds (their sha256 as produced, and as made here),",
        f"nor is SHA256SUMS. It is not production {number}: do not hand it over as that production.",
        "SHA256SUMS lists the files of this folder as they are, this one too, and SHA256SUMS.p7s signs it.",
        "",
        *rows,
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def read(data: bytes) -> tuple[int, str, list[str]] | None:
    """A PRODUCTION-DIFFERS.txt read back: the production's number, its matter and the files it names
    (None: it is not one textfile wrote)."""
    try:
        lines = data.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        return None
    first = _FIRST.fullmatch(lines[0]) if lines else None
    if first is None:
        return None
    named = [m[1] for m in map(_FILE.fullmatch, lines[1:]) if m]
    return int(first[1]), first[2], named
