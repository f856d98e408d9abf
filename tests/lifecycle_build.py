"""Android "SMS Backup & Restore" exports (the real XML format) for the lifecycle tests: two clients'
threads whose texts carry unique markers, an MMS picture only one client sent, a picture both sent
(one blob), and a second export in which an MMS's text changed (an earlier version is kept)."""

from __future__ import annotations

import base64
from pathlib import Path

T = 1709312400000  # 2024-03-01 12:00:00 -05:00
SAM, BO, ME = "+12025550143", "+12025550177", "+12025550100"
UNIQUE_BLOB = b"UNIQUEBLOBBYTES-alpha-0123456789"
SHARED_BLOB = b"SHAREDBLOBBYTES-0123456789"
GONE = (
    "alphaMARKERone",
    "alphaMARKERtwo",
    "alphaMARKERthree",
    "alphaMARKERfour",
)  # Sam's texts (three: the earlier version)
KEPT = ("betaMARKERone",)


def _sms(address: str, ms: int, kind: int, body: str, name: str) -> str:
    return (
        f'<sms protocol="0" address="{address}" date="{ms}" type="{kind}" subject="null" body="{body}" toa="null"'
        f' sc_toa="null" service_center="null" read="1" status="-1" locked="0" date_sent="0" sub_id="1"'
        f' readable_date="x" contact_name="{name}" />'
    )


def _mms(address: str, ms: int, mid: str, text: str, data: bytes, file_name: str, name: str) -> str:
    return (
        f'<mms date="{ms}" rr="129" sub="null" ct_t="application/vnd.wap.multipart.related" read_status="null" seen="1"'
        f' msg_box="1" address="{address}" sub_cs="null" resp_st="null" retr_st="128" d_tm="null" text_only="0"'
        f' exp="null" locked="0" m_id="{mid}" st="null" retr_txt_cs="null" retr_txt="null" creator="x"'
        f' date_sent="{ms // 1000}" read="1" m_size="10" rpt_a="null" ct_cls="null" pri="129" sub_id="1" tr_id="T1"'
        f' resp_txt="null" ct_l="null" m_cls="personal" d_rpt="129" v="18" _id="1" m_type="132" readable_date="x"'
        f' contact_name="{name}"><parts>'
        f'<part seq="0" ct="image/png" name="null" chset="null" cd="null" fn="null" cid="&lt;a&gt;" cl="{file_name}"'
        f' ctt_s="null" ctt_t="null" text="null" data="{base64.b64encode(data).decode()}" />'
        f'<part seq="1" ct="text/plain" name="null" chset="106" cd="null" fn="null" cid="&lt;t&gt;" cl="text_0.txt"'
        f' ctt_s="null" ctt_t="null" text="{text}" /></parts>'
        f'<addrs><addr address="{address}" type="137" charset="106" /><addr address="{ME}" type="151" charset="106" /></addrs></mms>'
    )


def _document(items: list[str]) -> str:
    return (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n"
        f'<smses count="{len(items)}">\n' + "\n".join(items) + "\n</smses>\n"
    )


def exports(folder: Path) -> tuple[Path, Path]:
    """The first export and the second (the MMS "alphaMARKERthree" edited to "alphaMARKERfour")."""
    items = [
        _sms(SAM, T, 1, "alphaMARKERone about the lease", "Sam"),
        _sms(SAM, T + 60_000, 2, "alphaMARKERtwo reply", "Sam"),
        _mms(SAM, T + 120_000, "mid-A1@x", "alphaMARKERthree photo original", UNIQUE_BLOB, "a.png", "Sam"),
        _mms(SAM, T + 130_000, "mid-A2@x", "shared picture", SHARED_BLOB, "s.png", "Sam"),
        _sms(BO, T, 1, "betaMARKERone other client", "Bo"),
        _mms(BO, T + 130_000, "mid-B2@x", "shared picture too", SHARED_BLOB, "s.png", "Bo"),
    ]
    first, second = folder / "sms-1.xml", folder / "sms-2.xml"
    first.write_text(_document(items))
    items[2] = _mms(SAM, T + 120_000, "mid-A1@x", "alphaMARKERfour photo edited", UNIQUE_BLOB, "a.png", "Sam")
    second.write_text(_document(items))
    return first, second


def steps(cli, *commands) -> None:
    """Run each command; each must succeed."""
    for args in commands:
        done = cli(*args)
        assert done.exit_code == 0, (args, done.output)


def note_of_a_2_on_a_1s_text(cli, archive, folder: Path) -> tuple[int, str, int]:
    """Sam's conversation filed to A-1; a note of A-2 about its first text (filed to A-2 then, unfiled
    since); retention 0 years, both closed. The conversation, the text's id, the note."""
    first, _ = exports(folder)
    steps(
        cli,
        ("client", "add", "Sam Client", "--phone", SAM),
        ("matter", "open", "A-1", "--client", "Sam Client", "--title", "Lease"),
        ("import", first),
        ("matter", "open", "A-2", "--client", "Sam Client", "--title", "Deposit"),
    )
    conn = archive.conn
    sam = conn.execute("SELECT id FROM conversations WHERE source_key LIKE '%0143%'").fetchone()[0]
    first_id = conn.execute(
        "SELECT id FROM messages WHERE conversation_id = ? ORDER BY sent_at LIMIT 1", (sam,)
    ).fetchone()[0]
    steps(
        cli,
        ("file", sam, "--matter", "A-2"),
        ("note", "add", "A-2", "Deposit asked for", "--about", first_id[:12]),
        ("unfile", sam, "--matter", "A-2"),
        ("retention", "set", "--years", "0"),
        ("matter", "close", "A-1"),
        ("matter", "close", "A-2"),
    )
    return sam, first_id, conn.execute("SELECT id FROM notes").fetchone()[0]
