"""Build iMessage test databases from the readable sources in fixtures/imessage/.

- `typedstream(text)` writes an attributedBody the way Messages does (NSAttributedString holding
  an NSString, one message-part attribute run), with 1-byte, 0x81 + uint16 or 0x82 + uint32 lengths.
- `build_old`, `build_modern`, `build_backup` write chat.db / sms.db files and the attachment files
  they point at; `build_client_phone` the chat.db of a client's own phone (the other side of modern's).

Run `python tests/imessage_build.py OUTDIR` to write them all (for `make demo`).
"""

from __future__ import annotations

import hashlib
import plistlib
import runpy
import sqlite3
import struct
import sys
import zlib
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "imessage"
SMS_DB_HASH = "3d0d7e5fb2ce288813306e4d4636395e047a3d28"  # SHA-1 of "HomeDomain-Library/SMS/sms.db"


# --- typedstream -----------------------------------------------------------------------------


def ts_int(value: int) -> bytes:
    """A typedstream integer: one signed byte, or 0x81 + int16 LE, or 0x82 + int32 LE."""
    if -110 <= value <= 127:
        return struct.pack("<b", value)
    if -32768 <= value <= 32767:
        return b"\x81" + struct.pack("<h", value)
    return b"\x82" + struct.pack("<i", value)


def typedstream(text: str) -> bytes:
    raw = text.encode("utf-8")
    utf16_length = len(text.encode("utf-16-le")) // 2
    return b"".join(
        [
            b"\x04\x0bstreamtyped",  # version 4, signature
            ts_int(1000),  # system version
            b"\x84\x01@",  # type "@": an object follows
            b"\x84\x84\x84\x12NSAttributedString\x00",  # new object, new class, its name, version 0
            b"\x84\x84\x08NSObject\x00",  # superclass
            b"\x85",  # end of the class chain
            b"\x92",  # type "@" again (shared-string reference 0)
            b"\x84\x84\x84\x08NSString\x01",  # the string object, class NSString version 1
            b"\x94",  # superclass NSObject (reference)
            b"\x84\x01+",  # type "+": raw bytes with a length
            ts_int(len(raw)),
            raw,
            b"\x86",  # end of the NSString
            b"\x84\x02iI",  # the attribute run: (index, length)
            ts_int(1),
            ts_int(utf16_length),
            b"\x92\x84\x84\x84\x0cNSDictionary\x00\x94\x84\x01i",
            ts_int(1),
            b"\x92\x84\x96\x96\x1d__kIMMessagePartAttributeName\x86",
            b"\x92\x84\x84\x84\x08NSNumber\x00\x84\x84\x07NSValue\x00\x94\x84\x01*\x84\x99\x99\x00\x86",
            b"\x86\x86",
        ]
    )


def summary_info(edits=None, unsent_parts=None) -> bytes:
    """message_summary_info: `ec` {part: [{t: typedstream, d: seconds}]}, `ep`, `rp`, `otr`."""
    info: dict = {"amc": 0, "ust": True}
    if edits:
        info["ec"] = {"0": [{"t": typedstream(text), "d": float(at)} for text, at in edits]}
        info["ep"] = [0]
        info["otr"] = {"0": {"lo": 0, "le": len(edits[-1][0].encode("utf-16-le")) // 2}}
    if unsent_parts:
        info["rp"] = list(unsent_parts)
        info["otr"] = {str(p): {"lo": 0, "le": 0} for p in unsent_parts}
    return plistlib.dumps(info, fmt=plistlib.FMT_BINARY)


def tiny_png(width: int = 2, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PNG = tiny_png()


# --- databases -------------------------------------------------------------------------------


def _create(path: Path, schema: str) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    conn = sqlite3.connect(path)
    conn.executescript((FIXTURES / schema).read_text())
    return conn


def build_old(path: Path) -> Path:
    """An OS X 10.11 chat.db (seconds, text only) from old_schema.sql + old.sql."""
    conn = _create(path, "old_schema.sql")
    conn.executescript((FIXTURES / "old.sql").read_text())
    conn.commit()
    conn.close()
    return path


def modern_data() -> dict:
    return runpy.run_path(str(FIXTURES / "modern.py"))


def insert_message(conn: sqlite3.Connection, row: dict) -> None:
    """One row of modern.py's MESSAGES into message (+ chat_message_join, message_attachment_join)."""
    row = dict(row)
    chat = row.pop("chat", None)
    attachments = row.pop("attachments", [])
    if "body" in row:
        row["attributedBody"] = typedstream(row.pop("body"))
    if "broken_body" in row:  # a blob whose length byte claims more than the blob holds
        blob = typedstream(row.pop("broken_body"))
        row["attributedBody"] = blob[: blob.index(b"\x86\x84\x02iI") - 3]
    edits = row.pop("edits", None)
    unsent = row.pop("unsent_parts", None)
    if edits or unsent:
        row["message_summary_info"] = summary_info(edits, unsent)
    row.setdefault("service", "iMessage")
    row.setdefault("is_from_me", 0)
    row.setdefault("handle_id", 0)
    if row["is_from_me"]:
        row.setdefault("is_sent", 1)
    if attachments:
        row["cache_has_attachments"] = 1
    columns = ", ".join(row)
    conn.execute(f"INSERT INTO message ({columns}) VALUES ({', '.join('?' * len(row))})", list(row.values()))
    if chat is not None:
        conn.execute(
            "INSERT INTO chat_message_join (chat_id, message_id, message_date) VALUES (?, ?, ?)",
            (chat, row["ROWID"], row["date"]),
        )
    for attachment_id in attachments:
        conn.execute(
            "INSERT INTO message_attachment_join (message_id, attachment_id) VALUES (?, ?)",
            (row["ROWID"], attachment_id),
        )


def build_modern(home: Path, *, sms_paths: bool = False, name: str = "chat.db", data: dict | None = None) -> Path:
    """A Sonoma chat.db at home/Library/Messages/chat.db, with the attachment files it names.

    With `sms_paths`, attachment paths read ~/Library/SMS/Attachments/... as on an iPhone. `data`:
    another phone's rows than modern.py's (`build_client_phone`).
    """
    data = data or modern_data()
    db_path = home / "Library" / "Messages" / name
    conn = _create(db_path, "modern_schema.sql")
    for handle in data["HANDLES"]:
        conn.execute(
            "INSERT INTO handle (ROWID, id, service, country) VALUES (:ROWID, :id, :service, :country)", handle
        )
    for chat in data["CHATS"]:
        conn.execute(
            "INSERT INTO chat (ROWID, guid, style, chat_identifier, service_name, display_name) "
            "VALUES (:ROWID, :guid, :style, :chat_identifier, :service_name, :display_name)",
            chat,
        )
        for handle_id in chat["handles"]:
            conn.execute("INSERT INTO chat_handle_join (chat_id, handle_id) VALUES (?, ?)", (chat["ROWID"], handle_id))
    for attachment in data["ATTACHMENTS"]:
        filename = attachment["filename"]
        if sms_paths:
            filename = filename.replace("~/Library/Messages/", "~/Library/SMS/")
        conn.execute(
            "INSERT INTO attachment (ROWID, guid, original_guid, filename, mime_type, transfer_name, total_bytes) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                attachment["ROWID"],
                attachment["guid"],
                attachment["guid"],
                filename,
                attachment["mime_type"],
                attachment["transfer_name"],
                len(PNG),
            ),
        )
        if attachment["present"] and not sms_paths:
            target = home / filename[2:]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(PNG)
    for row in data["MESSAGES"]:
        insert_message(conn, row)
    conn.commit()
    conn.close()
    return db_path


def build_client_phone(home: Path) -> Path:
    """The client's own phone (fixtures/imessage/client_phone.py): the other side of some of modern.py's
    messages, at home/Library/Messages/chat.db, with its attachment file."""
    return build_modern(home, data=runpy.run_path(str(FIXTURES / "client_phone.py")))


def build_backup(folder: Path, *, encrypted: bool = False, manifest_db: bool = True) -> Path:
    """An iPhone backup folder: Manifest.plist, Manifest.db, 3d/3d0d7e…(sms.db), the PNG under its MediaDomain hash."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "Manifest.plist").write_bytes(
        plistlib.dumps(
            {
                "IsEncrypted": encrypted,
                "Version": "10.0",
                "Lockdown": {"DeviceName": "Test iPhone", "ProductVersion": "17.4"},
            }
        )
    )
    (folder / "Info.plist").write_bytes(plistlib.dumps({"Device Name": "Test iPhone"}))
    staging = folder.parent / (folder.name + "-staging")
    sms_db = build_modern(staging, sms_paths=True, name="sms.db")
    target = folder / SMS_DB_HASH[:2] / SMS_DB_HASH
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(sms_db.read_bytes())
    files = [(SMS_DB_HASH, "HomeDomain", "Library/SMS/sms.db")]
    for attachment in modern_data()["ATTACHMENTS"]:
        relative = attachment["filename"].replace("~/Library/Messages/", "Library/SMS/")
        file_id = hashlib.sha1(f"MediaDomain-{relative}".encode()).hexdigest()
        if attachment["present"]:
            (folder / file_id[:2]).mkdir(exist_ok=True)
            (folder / file_id[:2] / file_id).write_bytes(PNG)
            files.append((file_id, "MediaDomain", relative))
    if manifest_db:
        conn = sqlite3.connect(folder / "Manifest.db")
        conn.execute(
            "CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB)"
        )
        conn.executemany("INSERT INTO Files VALUES (?, ?, ?, 1, NULL)", files)
        conn.commit()
        conn.close()
    for path in sorted(staging.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    staging.rmdir()
    return folder


def main(argv: list[str]) -> None:
    out = Path(argv[0] if argv else "demo-imessage")
    print(build_old(out / "old" / "chat.db"))
    print(build_modern(out / "mac-home"))
    print(build_backup(out / "iphone-backup"))
    print(build_client_phone(out / "client-home"))


if __name__ == "__main__":
    main(sys.argv[1:])
