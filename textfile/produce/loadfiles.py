"""Load files: a Concordance DAT and an Opticon OPT for a production's documents, as bytes, and their
parsers.

Decisions, and why:
- **Pure.** `dat_bytes` and `opt_bytes` turn `Document` records into bytes; `parse_dat` and
  `parse_opt` read them back (for the tests and for `verify DIR`). No file is written.
- **DAT delimiters** are Concordance's defaults, which every review platform reads without setup:
  fields separated by U+0014, each field quoted in U+00FE (þ), a line break inside a field written
  as U+00AE (®), records ended by CRLF, a header row of field names first.
- **Refused, not escaped.** The format has no escape: a þ or U+0014 inside a value would end the field
  early, and a literal ® would read back as a line break. A value holding any of them is refused
  (InvalidInput naming the document and field) rather than silently altered: the load file must say
  exactly what the archive holds, or nothing. The values are metadata (Bates numbers, names, dates,
  paths); message text goes in the TEXTLINK files, where no delimiter applies. A line break (CRLF,
  CR or LF) is written as ® and reads back as LF.
- **UTF-8 with a BOM.** Relativity, Concordance and Nuix detect a DAT's encoding from its BOM; without
  one, Concordance and older Relativity imports read the file as ANSI and break þ and every non-ASCII
  name. Vendors ship UTF-8 DATs with the BOM, so this one has it. The OPT is ASCII-safe paths and
  numbers, UTF-8 without a BOM (Opticon readers take the first field literally).
- **OPT** has one line per page: `ImageKey,Volume,ImagePath,DocumentBreak,FolderBreak,BoxBreak,
  PageCount`, CRLF. A page's key is its Bates number (the document's first, counted on with the same
  width); `Y` and the page count only on a document's first page; folder and box breaks empty. Each
  document is one multi-page image file (the PDF), so every page line names the first page's path.
  A comma in a key, volume or path is refused: OPT has no quoting.
- **Deterministic.** Documents in the order given; the same documents give the same bytes.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from textfile.errors import InvalidInput

__all__ = [
    "DEFAULT_FIELDS",
    "Document",
    "OptPage",
    "dat_bytes",
    "document_from_dat",
    "opt_bytes",
    "page_keys",
    "parse_dat",
    "parse_opt",
]

FIELD = "\x14"
QUOTE = "\u00fe"
NEWLINE = "\u00ae"
BOM = "\ufeff"
PARTICIPANT_SEPARATOR = "; "


class Document(NamedTuple):
    """One produced document (a transcript PDF, or a native), as the load files list it."""

    begbates: str
    endbates: str
    custodian: str
    date_sent: str  # UTC ISO, as the archive stores it
    participants: tuple[str, ...]
    conversation: str
    native_link: str  # relative path of the native file, or "" when the document has none
    text_link: str  # relative path of the extracted text
    page_count: int
    image_path: str  # relative path of the first page's image (the PDF)
    parent: str = ""  # a native's: the Bates number of the page of the message it came with


class OptPage(NamedTuple):
    """One line of an OPT."""

    image_key: str
    volume: str
    image_path: str
    document_break: bool
    folder_break: str
    box_break: str
    page_count: int | None


# DAT column -> Document attribute
DEFAULT_FIELDS: tuple[tuple[str, str], ...] = (
    ("BEGBATES", "begbates"),
    ("ENDBATES", "endbates"),
    ("CUSTODIAN", "custodian"),
    ("DATESENT", "date_sent"),
    ("PARTICIPANTS", "participants"),
    ("CONVERSATION", "conversation"),
    ("NATIVELINK", "native_link"),
    ("TEXTLINK", "text_link"),
    ("PAGECOUNT", "page_count"),
    ("IMAGEPATH", "image_path"),
    ("PARENTBATES", "parent"),
)


def _value(document: Document, attribute: str) -> str:
    value = getattr(document, attribute)
    if attribute == "participants":
        for p in value:
            if PARTICIPANT_SEPARATOR.strip() in p:
                raise InvalidInput(f"document {document.begbates}: participant {p!r} holds ';', the list separator")
        return PARTICIPANT_SEPARATOR.join(value)
    return str(value)


def _field(document: Document, name: str, value: str) -> str:
    for ch, what in ((QUOTE, "þ (U+00FE)"), (FIELD, "U+0014"), (NEWLINE, "® (U+00AE)")):
        if ch in value:
            raise InvalidInput(f"document {document.begbates}: {name} holds {what}, a Concordance delimiter")
    return QUOTE + re.sub(r"\r\n|\r|\n", NEWLINE, value) + QUOTE


def dat_bytes(documents: list[Document], fields: tuple[tuple[str, str], ...] = DEFAULT_FIELDS) -> bytes:
    """A Concordance DAT: a header of field names, one record per document; UTF-8 with a BOM, CRLF."""
    lines = [FIELD.join(QUOTE + name + QUOTE for name, _ in fields)]
    for d in documents:
        lines.append(FIELD.join(_field(d, name, _value(d, attribute)) for name, attribute in fields))
    return (BOM + "\r\n".join(lines) + "\r\n").encode("utf-8")


def parse_dat(data: bytes) -> list[dict[str, str]]:
    """A DAT read back: one dict per record, keyed by the header's names, ® turned back into LF."""
    text = data.decode("utf-8").removeprefix(BOM)
    if not text.endswith("\r\n"):
        raise InvalidInput("a DAT ends with CRLF")
    lines = text[:-2].split("\r\n")
    header = _record(lines[0], 1)
    out = []
    for n, line in enumerate(lines[1:], 2):
        values = _record(line, n)
        if len(values) != len(header):
            raise InvalidInput(f"DAT line {n}: {len(values)} fields, the header names {len(header)}")
        out.append(dict(zip(header, (v.replace(NEWLINE, "\n") for v in values), strict=True)))
    return out


def _record(line: str, n: int) -> list[str]:
    values = []
    for part in line.split(FIELD):
        if len(part) < 2 or part[0] != QUOTE or part[-1] != QUOTE or QUOTE in part[1:-1]:
            raise InvalidInput(f"DAT line {n}: a field not quoted in þ: {part!r}")
        values.append(part[1:-1])
    return values


def document_from_dat(record: dict[str, str], fields: tuple[tuple[str, str], ...] = DEFAULT_FIELDS) -> Document:
    """A DAT record (of the default fields) as the Document it was written from."""
    values = {attribute: record[name] for name, attribute in fields}
    values["participants"] = (
        tuple(values["participants"].split(PARTICIPANT_SEPARATOR)) if values["participants"] else ()
    )
    values["page_count"] = int(values["page_count"])
    return Document(**values)


def page_keys(begbates: str, page_count: int) -> list[str]:
    """The Bates number of each page: the first, counted on in its trailing digits, same width."""
    match = re.fullmatch(r"(.*?)(\d+)", begbates)
    if match is None:
        raise InvalidInput(f"Bates number {begbates!r} does not end in digits")
    prefix, number = match.groups()
    return [f"{prefix}{int(number) + i:0{len(number)}d}" for i in range(page_count)]


def opt_bytes(documents: list[Document], volume: str) -> bytes:
    """An Opticon OPT: one line per page of each document, CRLF."""
    lines = []
    for d in documents:
        if d.page_count < 1:
            raise InvalidInput(f"document {d.begbates}: an imaged document has at least one page")
        keys = page_keys(d.begbates, d.page_count)
        if keys[-1] != d.endbates:
            raise InvalidInput(f"document {d.begbates}: {d.page_count} page(s) end at {keys[-1]}, not {d.endbates}")
        for value in (volume, d.image_path, *keys):
            if "," in value or "\r" in value or "\n" in value:
                raise InvalidInput(f"document {d.begbates}: {value!r} holds a comma or line break (OPT has no quoting)")
        for i, key in enumerate(keys):
            first = i == 0
            lines.append(
                ",".join((key, volume, d.image_path, "Y" if first else "", "", "", str(d.page_count) if first else ""))
            )
    return "".join(line + "\r\n" for line in lines).encode("utf-8")


def parse_opt(data: bytes) -> list[OptPage]:
    """An OPT read back, one OptPage per line."""
    text = data.decode("utf-8")
    if text and not text.endswith("\r\n"):
        raise InvalidInput("an OPT ends with CRLF")
    pages = []
    for n, line in enumerate(text.split("\r\n")[:-1], 1):
        parts = line.split(",")
        if len(parts) != 7:
            raise InvalidInput(f"OPT line {n}: {len(parts)} fields, not 7")
        key, vol, path, doc_break, folder, box, count = parts
        if doc_break not in ("Y", ""):
            raise InvalidInput(f"OPT line {n}: document break {doc_break!r}, not Y or empty")
        pages.append(OptPage(key, vol, path, doc_break == "Y", folder, box, int(count) if count else None))
    return pages
