"""RSMF 2.0 checks: the problems an .rsmf file, an rsmf.zip or a bare manifest has, as sentences.

Decisions, and why:
- **What Relativity's validator checks, in one place.** The file: an RFC 5322 message with
  `X-RSMF-Version` and exactly one attachment `rsmf.zip`, which holds `rsmf_manifest.json`. The
  manifest: valid against the 2.0.0 JSON schema (when the caller gives it: textfile does not ship
  Relativity's schema file), and its cross-references: every participant, conversation
  and parent id resolves, every attachment, avatar and icon named is in the zip, and a conversation's
  custodian is one of its participants.
- **The file's version, not the manifest's.** `X-RSMF-Version` must say 2.0.0; a manifest's own
  `version` is not held to it (Relativity's Slack demo manifest says 1.0.0 and uses 2.0's edits).
- **Whatever the input, never an exception.** A malformed file is a list of problems; an empty list
  means none were found. A bare manifest (no zip) cannot be checked for its files, and is not.
"""

from __future__ import annotations

import io
import json
import zipfile
from email import policy
from email.parser import BytesParser

MANIFEST = "rsmf_manifest.json"


def validate(data: bytes | dict, schema: dict | None = None) -> list[str]:
    """The problems found in `data` (an .rsmf file's bytes, an rsmf.zip's bytes or a manifest)."""
    problems: list[str] = []
    names: set[str] | None = None
    header_count = None
    if isinstance(data, dict):
        manifest = data
    else:
        if not data.startswith(b"PK"):
            archive, header_count = _unwrap(data, problems)
            if archive is None:
                return problems
            data = archive
        manifest, names = _unzip(data, problems)
        if manifest is None:
            return problems
    if schema is not None:
        problems += _schema(manifest, schema)
    if isinstance(manifest, dict):
        problems += _references(manifest, names)
        events = manifest.get("events")
        if header_count is not None and isinstance(events, list) and header_count != str(len(events)):
            problems.append(f"X-RSMF-EventCount says {header_count}, the manifest has {len(events)} events")
    return problems


def _unwrap(data: bytes, problems: list[str]) -> tuple[bytes | None, str | None]:
    """rsmf.zip's bytes out of an .rsmf, and its X-RSMF-EventCount."""
    try:
        message = BytesParser(policy=policy.default).parsebytes(data)
    except Exception as error:  # the parser is lenient; anything it still refuses is a problem
        problems.append(f"not an RFC 5322 message: {error}")
        return None, None
    version = message.get("X-RSMF-Version")
    if version is None:
        problems.append("no X-RSMF-Version header")
    elif str(version).strip() != "2.0.0":
        problems.append(f"X-RSMF-Version is {version}, not 2.0.0")
    zips = [p for p in message.iter_attachments() if p.get_filename() == "rsmf.zip"]
    if len(zips) != 1:
        problems.append(f"{len(zips)} attachments named rsmf.zip, not exactly one")
        return None, None
    others = [p.get_filename() for p in message.iter_attachments() if p.get_filename() != "rsmf.zip"]
    if others:
        problems.append(f"attachments other than rsmf.zip: {', '.join(map(str, others))}")
    count = message.get("X-RSMF-EventCount")
    return zips[0].get_payload(decode=True), (str(count).strip() if count is not None else None)


def _unzip(data: bytes, problems: list[str]) -> tuple[dict | None, set[str] | None]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
            if MANIFEST not in names:
                problems.append(f"rsmf.zip holds no {MANIFEST}")
                return None, None
            text = z.read(MANIFEST)
    except zipfile.BadZipFile as error:
        problems.append(f"rsmf.zip is not a zip: {error}")
        return None, None
    try:
        return json.loads(text), names
    except ValueError as error:
        problems.append(f"{MANIFEST} is not JSON: {error}")
        return None, None


def _schema(manifest, schema: dict) -> list[str]:
    import jsonschema

    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(manifest), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    return [f"schema: {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors]


def _ids(items, what: str, problems: list[str]) -> set[str]:
    ids = [i.get("id") for i in items if isinstance(i, dict)]
    seen: set[str] = set()
    for n, i in enumerate(ids):
        if not isinstance(i, str) or not i:
            problems.append(f"{what} {n + 1} has no id")
        elif i in seen:
            problems.append(f"{what} id {i} given twice")
        seen.add(i)
    return {i for i in seen if isinstance(i, str)}


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _references(manifest: dict, names: set[str] | None) -> list[str]:
    """Relativity's cross-reference rules."""
    problems: list[str] = []
    people = _list(manifest.get("participants"))
    participants = _ids(people, "participant", problems)
    conversations = _ids(_list(manifest.get("conversations")), "conversation", problems)
    events = [e for e in _list(manifest.get("events")) if isinstance(e, dict)]
    event_ids = {e["id"] for e in events if isinstance(e.get("id"), str)}

    def need(value, known: set, what: str, where: str) -> None:
        if value is not None and value not in known:
            problems.append(f"{where}: {what} {value} does not resolve")

    def in_zip(file, where: str) -> None:
        if names is not None and file is not None and file not in names:
            problems.append(f"{where}: {file} is not in rsmf.zip")

    for p in people:
        if isinstance(p, dict):
            in_zip(p.get("avatar"), f"participant {p.get('id')} avatar")
    for c in _list(manifest.get("conversations")):
        if not isinstance(c, dict):
            continue
        where = f"conversation {c.get('id')}"
        members = _list(c.get("participants"))
        for p in members:
            need(p, participants, "participant", where)
        if c.get("custodian") is not None and c.get("custodian") not in members:
            problems.append(f"{where}: custodian {c.get('custodian')} is not one of its participants")
        in_zip(c.get("icon"), f"{where} icon")
    for n, e in enumerate(events, 1):
        where = f"event {e.get('id', n)}"
        need(e.get("participant"), participants, "participant", where)
        need(e.get("conversation"), conversations, "conversation", where)
        need(e.get("parent"), event_ids, "parent", where)
        for a in _list(e.get("attachments")):
            if isinstance(a, dict):
                in_zip(a.get("id"), f"{where} attachment")
        for part in ("edits", "read_receipts"):
            for x in _list(e.get(part)):
                if isinstance(x, dict):
                    need(x.get("participant"), participants, "participant", f"{where} {part}")
        for x in _list(e.get("reactions")):
            for p in _list(x.get("participants") if isinstance(x, dict) else None):
                need(p, participants, "participant", f"{where} reaction")
    return problems
