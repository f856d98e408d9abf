"""A production made again that came out otherwise (`produce --again N`, exit 3) says so in its own folder.

Its files are complete and signed, and SHA256SUMS lists them as they are: without a word in the folder,
it would look like production N (its README names it) while `verify` called textfile's own output
altered, and it could be served as production N.

Decisions, and why:
- **A file in the folder, listed in SHA256SUMS.** `PRODUCTION-DIFFERS.txt` says at its top that the
  folder is not production N as made on its date, lists the files that differ from its record (each
  with the sha256 produced and the one made here) and why. It is written before SHA256SUMS, so
  SHA256SUMS lists it and SHA256SUMS.p7s signs that list: the other side's `sha256sum -c` misses it if
  it is taken out, and the signed list still names it. SHA256SUMS stays honest: the sums of the files
  as they are, never the recorded ones.
- **Why: what the archive records, no more** (`since.py`): the changes since production N that its
  files can show, dated (a client added or renamed, a privileged note added, edited or withdrawn), and
  that its messages and their redactions are not among them (a production whose messages changed is
  refused before anything is written). Where the archive records none, it says so: the archive does
  not record why (another version of textfile, of WeasyPrint or of its fonts lays a file out otherwise,
  and is recorded nowhere).
- **No certification** (`CERTIFICATIONS`): a certification is the declaration a person signs under
  penalty of perjury that the files it lists are production N; a paralegal sends the one in the folder
  with it, and a court reads it as identifying what was served. A folder that is not production N has
  nothing to certify: no production was made of it, it has no number, Bates range or date of its own.
  One that said "not production N" at its top would still be a declaration to sign, over files nobody
  produced, with every other paragraph written for a production. So it is left out, and this file says
  why and what to do instead (production N's own certification is in its folder; a new production of
  the messages, `--reproduce`, gets its own). Only where every other file is the one produced and the
  certification's words are production N's own (its text twin is the file produced: true of this
  folder's files) is it written, its PDF differing in its bytes alone.
- **README.txt says it first** (`record.readme(differs=…)`): a folder without a certification has a
  README.txt whose first line is "NOT PRODUCTION N OF MATTER M …", pointing to this file, and that lists
  no certification (it is not production N's README.txt, and is named among the files that differ).
  Where the certification is kept, README.txt is the one produced: the certification lists its sha256,
  and its words must stay true of this folder's files. `verify DIR` finds production N from either
  first line (`check._named`) when this file is taken out.
- **`verify DIR` says it plainly**: "made again, differs from production N in: …" as its one problem
  about the record (exit 3), the files still checked against SHA256SUMS and its signature, and the PDFs
  that are the produced ones checked as transcripts.
"""

from __future__ import annotations

import re

NAME = "PRODUCTION-DIFFERS.txt"
CERTIFICATIONS = ("CERTIFICATION.pdf", "CERTIFICATION.txt")  # left out of a folder that is not the production
_FIRST = re.compile(r"PRODUCTION (\d+) OF MATTER (\S+) MADE AGAIN: NOT THE FILES PRODUCED")
_FILE = re.compile(r"(\S.*?)  produced (\S+)  here (\S+)")


def differing(recorded: dict[str, str], made: dict[str, str]) -> list[str]:
    """The paths whose sha256 is not the recorded one (or that only one of them has), sorted."""
    return sorted(p for p in set(recorded) | set(made) if recorded.get(p) != made.get(p))


def note(
    number: int, matter: str, made_on: str, recorded: dict[str, str], made: dict[str, str], why: list[str]
) -> bytes:
    """What PRODUCTION-DIFFERS.txt says: this folder is not production `number` of `matter` as made on
    `made_on`, the files (`differing`) whose sha256 here is not the one produced, why (`why`: the changes the
    archive records since, `since.changes`), and what became of the certification."""
    rows = [
        f"{path}  produced {recorded.get(path, '(none)')}  here {made.get(path, '(none)')}"
        for path in differing(recorded, made)
    ]
    lines = [
        f"PRODUCTION {number} OF MATTER {matter} MADE AGAIN: NOT THE FILES PRODUCED",
        "",
        f"This folder is NOT production {number} of matter {matter} as it was made on {made_on}. It is a",
        "re-making of it from the archive as it is now, and it differs from it: do not hand it over as",
        f"production {number}. SHA256SUMS lists the files of this folder as they are, this one too, and",
        "SHA256SUMS.p7s signs it.",
        "",
        "WHAT DIFFERS",
        f"Each file that is not the one production {number} holds, with its sha256 as produced and as here",
        '("(none)": not in that folder, or not in this one):',
        *rows,
        "",
        "WHY",
        f"Not its messages, nor their redactions: each message is the version production {number} handed",
        "over (its content hash as recorded), redacted as it was; the archive refuses to make a production",
        "again otherwise.",
        *_why(number, why),
        "",
        *_certification(number, made),
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _why(number: int, why: list[str]) -> list[str]:
    if not why:
        return [
            f"The archive records no change since production {number} was made to what its files can show:",
            "the archive does not record why (another version of textfile, of WeasyPrint or of its fonts",
            "lays a file out otherwise, and is recorded nowhere).",
        ]
    return [
        f"The archive records these changes since production {number} was made, to what its files can",
        "show (it does not record which file each one changed):",
        *(f"  {said}" for said in why),
        "Whether anything else changed (another version of textfile, of WeasyPrint or of its fonts), the",
        "archive does not record.",
    ]


def _certification(number: int, made: dict[str, str]) -> list[str]:
    if CERTIFICATIONS[0] in made:  # (its words are production N's own, true of every other file here)
        return [
            "CERTIFICATION",
            f"CERTIFICATION.txt is the one production {number} holds: the certification's words are that",
            "production's own, and true of this folder's other files, each the one produced. Only the bytes",
            "of CERTIFICATION.pdf differ (how it was laid out or signed).",
        ]
    return [
        "NO CERTIFICATION",
        "CERTIFICATION.pdf and CERTIFICATION.txt are left out of this folder. A certification is the",
        "declaration a person signs, under penalty of perjury, that the files it lists are the production",
        f"made on its date; these files are not production {number}, and no production was made of them:",
        "there is nothing here to certify, and a certification here would misstate what they are.",
        f"Production {number}'s own certification is in the folder it was made in. To hand these messages",
        "over again, make a new production of them (`textfile produce` with --reproduce): it has its own",
        "number, Bates numbers and certification.",
        f"README.txt says at its top that this folder is not production {number}, and lists no certification:",
        f"it is not the README.txt production {number} holds for that reason, if for no other.",
    ]


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
