"""The backup's records, streamed: the file fed to lxml's parser chunk by chunk, repaired on the way
(repair.py), each record handed to its reader (sms.py, mms.py, calls.py) as soon as its element ends.

Decisions, and why:
  - Streamed. Backups reach gigabytes because MMS media travel inside as base64, so the file is
    fed to lxml's parser in 1 MB chunks, and the parser builds no tree: its target (`_Backup`)
    keeps each record's attributes only until the records of that chunk have been read, so
    memory does not grow with the file.
  - The parser loads nothing (no DTD, no network) and recovers from nothing: a DOCTYPE was refused
    before it saw a byte (source.py), and malformed or truncated XML is an error, never a guess.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from textfile.errors import ImportFailed
from textfile.importers.android.attributes import _int
from textfile.importers.android.calls import call
from textfile.importers.android.mms import mms
from textfile.importers.android.reader import _Reader
from textfile.importers.android.repair import _Repair
from textfile.importers.android.sms import sms
from textfile.importers.android.source import _opened
from textfile.model import ImportOptions, Notice, Record, Skipped

CHUNK = 1 << 20


class _Backup:
    """The parser's target: keeps each record (each child of the root) as plain attribute dicts.

    No tree is built, so nothing has to be cleared: the parser hands over the attributes of
    every element as it starts, and a record is complete when its element ends. `records` holds
    the records closed since it was last emptied (one chunk's worth); deeper elements are kept
    only as far as a record reads them (an MMS's <parts><part …> and <addrs><addr …>).
    Measured cheaper than a pull parser's tree read with elem.get and cleared element by element:
    no element proxies, no clearing, plain dict lookups. A record is a plain (tag, attributes,
    children) tuple, unpacked by name in `_records`' fast loop alone: one is made per record, and
    a NamedTuple costs several times a tuple's making.
    """

    def __init__(self, repair: _Repair) -> None:
        self.repair = repair  # what was written before the parser saw it, read back (`_Repair.unmark`)
        self.depth = 0
        self.root: dict | None = None  # the root's attributes (its declared count)
        self.records: list[tuple[str, dict, list]] = []  # (tag, attributes, [(container tag, attributes)])
        self.current: tuple[str, dict, list] | None = None
        self.container = ""

    def start(self, tag: str, attrib: dict) -> None:
        if self.repair.marked:
            self.repair.unmark(attrib)
        self.depth += 1
        depth = self.depth
        if depth == 2:
            self.current = (tag, attrib, [])
        elif depth == 3:
            self.container = tag
        elif depth == 4:
            record, _, children = self.current
            if record == "mms":  # only an MMS reads what is inside it
                children.append((self.container, attrib))
        elif depth == 1:
            self.root = attrib

    def end(self, _tag: str) -> None:
        if self.depth == 2:
            self.records.append(self.current)
            self.current = None
        self.depth -= 1

    def close(self) -> None:  # lxml requires it of a target
        return None


def _parser(backup: _Backup) -> etree.XMLParser:
    """lxml's parser, feeding `backup`: no DTD, no network, no recovery; comments and processing instructions dropped."""
    return etree.XMLParser(
        target=backup,
        huge_tree=True,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
        recover=False,
    )


def _records(path: Path, fh, options: ImportOptions) -> Iterator[Record]:
    opened = _opened(path, fh)
    fh = opened.file
    reader = _Reader(path, options, opened.root)
    yield from reader.said()
    repair = _Repair()
    backup = _Backup(repair)
    parser = _parser(backup)
    framed = reader.frame.framed
    n_sms = n_mms = n_calls = 0
    others: dict[str, int] = {}
    total = 0
    # --- fast loop: a chunk fed to the parser, then each record it closed handed to its reader. One
    # piece: run once per record of a backup of millions, it reads each record's tuple by name and
    # calls its reader directly (no dispatch table, no record object of its own). ---
    chunk = fh.read(CHUNK)
    while True:
        following = fh.read(CHUNK) if chunk else b""
        final = not following
        try:
            parser.feed(repair.feed(chunk, final))
        except etree.XMLSyntaxError as exc:
            raise ImportFailed(path, f"malformed XML: {exc.msg}") from None
        if final:
            try:
                parser.close()
            except etree.XMLSyntaxError as exc:
                raise ImportFailed(
                    path, f"truncated or malformed XML (the file ends before the backup does): {exc.msg}"
                ) from None
        closed, backup.records = backup.records, []
        total += len(closed)
        for tag, attrib, children in closed:
            if tag == "sms":
                n_sms += 1
                yield framed(sms(reader, attrib, f"sms {n_sms}"))
            elif tag == "mms":
                n_mms += 1
                yield from map(framed, mms(reader, attrib, children, f"mms {n_mms}"))
            elif tag == "call":
                n_calls += 1
                yield framed(call(reader, attrib, f"call {n_calls}"))
            else:
                others[tag] = others.get(tag, 0) + 1
                yield Skipped(
                    f"<{tag}> is not a record of SMS Backup & Restore (sms, mms, call)", f"{tag} {others[tag]}"
                )
            if reader.notices:  # what reading the record found to say, after it
                yield from reader.said()
        del closed
        if final:
            break
        chunk = following
    yield from _closing(backup, {"sms": n_sms, "mms": n_mms, "call": n_calls} | others, total, repair, reader)


def _closing(backup: _Backup, counts: dict[str, int], total: int, repair: _Repair, reader: _Reader) -> Iterator[Notice]:
    """What is said once the backup is read: a count it declares that it does not hold, what was repaired
    and kept, and what its reading found to say at the end (`_Reader.notices_after`)."""
    declared = _int(backup.root.get("count")) if backup.root is not None else None
    if declared is not None and declared != total:
        yield Notice(
            f'the backup says count="{declared}" but holds {total} records ('
            + ", ".join(f"{n} {tag}" for tag, n in counts.items() if n)
            + "); imported what is there"
        )
    if repair.pairs:
        yield Notice(f"repaired {repair.pairs} emoji written as UTF-16 surrogate-pair references", "assumption")
    if (kept := repair.kept_notice()) is not None:
        yield kept
    if repair.replaced:
        yield Notice(
            f"replaced {repair.replaced} invalid character references or control characters (lone surrogates, &#0; …) with U+FFFD"
        )
    yield from reader.notices_after(total > 0)
