"""What a production's cover leaves out: the firm's internals, never a fact about the evidence (issue 20).

A transcript made for a production (`for_production`, which `textfile produce` asks for) goes to the
other side, with its manifest. Its cover and manifest say every fact about the evidence as a plain
transcript does, but not what is the firm's own business:
- **consent and review**: the client's consents, opt-outs and opt-ins as the review reads them,
  whether the archive requires consent and flags texts sent without it, the client marked a minor
  (the messages themselves, a STOP among them, are shown as ever: only the firm's reading of them goes);
- **legal holds**: the firm's preservation of its own file;
- **filings**: how each conversation came into the matter (by hand or automatically), by whom, when,
  and the decision an automatic filing rests on (who gave the client a handle, when and why); what
  part of a conversation is shown is said by its excerpt line (`excerpt.py`), as ever;
- **who imported or corrected a source** (the computer's account, `imported_by`; a correction's `by`):
  a correction itself stays, with when and which import, since it moved what the messages show;
- **the computer's paths** in what was assumed on import: each becomes where it stands to the export,
  named by its file name as Schedule A of the certification names it ("the folder the export chat.db
  is in"); --attachments-root's folder likewise.
  An attachment a message names that could not be read ("cannot read PATH: Permission denied") is
  said from the Messages folder on ("cannot read …/Library/Messages/Attachments/…"), by each chunk
  (its HTML, and so the cache's key, differ from a plain transcript's).
Everything else stays: the sources (file names, sizes, sha256, import numbers and dates, whose phone),
every assumption about the data (zones, numbers not invented, DST resolutions, U+FFFD, invisible
characters, edits matched between exports), corrections, coverage ("no longer on the phone"), found
on, excerpts, context, redactions, Bates. A plain transcript (the firm's own file) is unchanged.
The transcript's record and manifest say it was made so (scope "for_production": true), so a
transcript made again (`again.py`) leaves out the same; one recorded before is made again whole.
"""

from __future__ import annotations

import os
import re
from pathlib import PurePosixPath

LOOKED = "attachment files (~/Library/Messages/…) looked for under: "  # (importers/imessage/attachments.py)
GIVEN_ROOT = "a folder of the computer that imported it, given with --attachments-root"


def for_production(conn, cover: dict) -> dict:
    """The cover's facts (`cover.cover`) without the firm's internals (see the module)."""
    d = dict(cover["disclosures"])
    for key in ("consent", "legal_hold", "filings"):
        d.pop(key, None)
    exports = _exports(conn, [i["import"] for s in cover["sources"] for i in s["imports"]])
    d["sources"] = [_source(s, exports) for s in d["sources"]]
    d["corrections"] = [{k: v for k, v in z.items() if k != "by"} for z in d["corrections"]]
    return {
        **cover,
        "sources": [_source(s, exports) for s in cover["sources"]],
        "holds": [],
        "filed_by_hand": [],
        "filed_automatically": [],
        "disclosures": d,
    }


def _exports(conn, ids: list[int]) -> dict[int, tuple[str, str, str | None]]:
    """import -> (the path it was given, the export's file name, --attachments-root's folder if given)."""
    import json

    return {
        r[0]: (r[1], r[2], json.loads(r[3] or "{}").get("attachments_root"))
        for r in conn.execute(
            "SELECT id, path, file_name, options FROM imports WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(ids),),
        )
    }


def _source(s: dict, exports: dict) -> dict:
    """A source (the cover's or the manifest's) with its imports' texts said without the computer's paths:
    what its imports read alike by its first import's export, what one group read otherwise by that
    group's first (`shown_by_import` is in `by_import`'s order: sources.py)."""
    said = _texts_said(s, exports[s["imports"][0]["import"]])
    said["imports"] = [_import(i, exports[i["import"]]) for i in s["imports"]]
    groups = [exports[g["imports"][0]] for g in s.get("by_import", [])]
    for key in ("by_import", "shown_by_import"):
        if key in s:
            said[key] = [_texts_said(g, export) for g, export in zip(s[key], groups, strict=True)]
    return said


def _texts_said(group: dict, export: tuple) -> dict:
    """What was given or assumed on import (a source's, or a group of its imports'), without the paths."""
    return {
        **group,
        **{
            key: [paths_said(t, *export) for t in group[key]]
            for key in ("decisions", "assumptions", "assumptions_shown")
            if key in group
        },
    }


def _import(i: dict, export: tuple) -> dict:
    """An import as the manifest lists it, without the account that made it and the computer's paths."""
    out = {k: v for k, v in i.items() if k != "imported_by"}
    out["assumptions"] = [paths_said(t, *export) for t in i["assumptions"]]
    if "attachments_root" in i["options"]:
        out["options"] = {**i["options"], "attachments_root": GIVEN_ROOT}
    return out


def paths_said(text: str, path: str, name: str, given_root: str | None = None) -> str:
    """An import's text with the computer's paths said by where they stand to the export (its file name):
    where attachment files were looked for, folder by folder; elsewhere the path the export was given as."""
    if not text.startswith(LOOKED):
        return text.replace(path, name) if "/" in path else text
    roots = _roots(text[len(LOOKED) :])
    last = len(roots) - 1 if len(roots) > 1 else None  # (the importer looks in the account's home last)
    return LOOKED + ", ".join(
        dict.fromkeys(_root_said(r, path, name, given_root, n == last) for n, r in enumerate(roots))
    )


def _roots(listed: str) -> list[str]:
    """The folders a "looked for under" notice lists (", "-separated; a folder's name may hold ", ")."""
    roots: list[str] = []
    for part in listed.split(", "):
        if roots and not part.startswith("/"):
            roots[-1] += ", " + part
        else:
            roots.append(part)
    return roots


def _root_said(root: str, path: str, name: str, given_root: str | None, last: bool) -> str:
    """Where a folder stands to the export: the export itself, its folder, a folder above it (the home
    its path implies: …/Library/Messages), the importing account's home (the importer looks there
    last), or a folder of that computer."""
    levels = _levels_above(PurePosixPath(root), PurePosixPath(path))
    if levels == 0:
        return f"the export {name} itself"
    if levels == 1:
        return f"the folder the export {name} is in"
    if levels is not None:
        inside = PurePosixPath(path).parts[-levels:]
        if inside[0] == "Library":
            return f"the home folder the export's path (…/{'/'.join(inside)}) implies"
        return f"the folder {levels} levels above the export {name}"
    if given_root and PurePosixPath(root) == PurePosixPath(os.path.expanduser(given_root)):
        return GIVEN_ROOT
    return "the home folder of the account that imported it" if last else "a folder of the computer that imported it"


def _levels_above(root: PurePosixPath, export: PurePosixPath) -> int | None:
    """How many folders above the export the folder is (0: the export itself); None when not one of
    them, or when it cannot be told (an export given by a relative path: its folders are known only
    as far as that path names them)."""
    parts = [p for p in export.parts if p != "."]
    if ".." in parts:
        return None
    if export.is_absolute():
        for k in range(len(parts)):
            if PurePosixPath(*parts[: len(parts) - k]) == root:
                return k
        return None
    for k in range(len(parts)):
        named = parts[: len(parts) - k]
        if root.parts[-len(named) :] == tuple(named):
            return k
    return None


# "cannot read /Users/alex/Library/Messages/Attachments/ab/01/x.png: Permission denied" (importers/imessage/attachments.py)
_UNREAD = re.compile(r"cannot read /.*?(/(?:Library/(?:Messages|SMS)/)?(?:Attachments|StickerCache)/.*)", re.DOTALL)


def missing_said(reason: str | None) -> str | None:
    """Why an attachment is not in the archive, without the computer's path of a file it could not read:
    the path from the Messages folder on ("cannot read …/Library/Messages/Attachments/…: Permission denied")."""
    if not reason or not reason.startswith("cannot read /"):
        return reason
    found = _UNREAD.fullmatch(reason)
    if found:
        return f"cannot read …{found[1]}"
    return f"cannot read a file of the computer that imported it: {reason.rsplit(': ', 1)[-1]}"
