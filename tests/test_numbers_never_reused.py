"""A number given once is never given again (m024): after `dispose` deleted the matter's conversation,
note and review flags that had the largest numbers, the next ones get new numbers, so transcripts,
certificates and the audit log that cite them never point at another record."""

from __future__ import annotations

from lifecycle_build import BO, SAM, T, _document, _sms

from textfile.migrations import NEVER_REUSED

KIM = "+12025550188"


def _largest(conn) -> dict[str, int]:
    return {t: conn.execute(f"SELECT coalesce(max(id), 0) FROM {t}").fetchone()[0] for t in NEVER_REUSED}


def test_numbers_of_a_disposed_matter_are_not_given_again(cli, archive, tmp_path):
    conn = archive.conn
    first = tmp_path / "sms-1.xml"
    first.write_text(  # Bo's thread first: Sam's, disposed of, has the largest conversation number
        _document(
            [
                _sms(BO, T, 1, "Bo asks", "Bo"),
                _sms(SAM, T + 60_000, 1, "Sam asks", "Sam"),
                _sms(SAM, T + 120_000, 2, "Alex answers Sam", "Sam"),
            ]
        )
    )
    for args in (
        ("client", "add", "Sam Client", "--phone", SAM),
        ("client", "add", "Bo Other", "--phone", BO),
        ("matter", "open", "B-1", "--client", "Bo Other", "--title", "Other"),
        ("matter", "open", "A-1", "--client", "Sam Client", "--title", "Lease"),
        ("import", first),
        ("note", "add", "A-1", "about Sam's matter"),
        ("transcript", "A-1", "--out", tmp_path / "a.pdf"),
        ("matter", "close", "A-1"),
        ("retention", "set", "--matter", "A-1", "--years", "0"),
    ):
        done = cli(*args)
        assert done.exit_code == 0, (args, done.output)
    sam = conn.execute("SELECT id FROM conversations WHERE source_key LIKE '%0143%'").fetchone()[0]
    before = _largest(conn)
    assert sam == before["conversations"]
    assert (
        conn.execute(
            "SELECT max(f.id) FROM review_flags f JOIN messages m ON m.id = f.message_id WHERE m.conversation_id = ?",
            (sam,),
        ).fetchone()[0]
        == before["review_flags"]
    )  # (Alex's answer: no consent on record)

    assert cli("dispose", "A-1", "--confirm", "--out", tmp_path / "cert.pdf").exit_code == 0
    assert _largest(conn)["conversations"] < before["conversations"]

    later = tmp_path / "sms-2.xml"
    later.write_text(
        _document(
            [_sms(KIM, T + 600_000, 1, "Kim writes", "Kim"), _sms(KIM, T + 660_000, 2, "Alex answers Kim", "Kim")]
        )
    )
    for args in (
        ("client", "add", "Kim New", "--phone", KIM),
        ("matter", "open", "K-1", "--client", "Kim New", "--title", "New"),
        ("import", later),
        ("note", "add", "K-1", "about Kim's matter"),
        ("transcript", "K-1", "--out", tmp_path / "k.pdf"),
    ):
        done = cli(*args)
        assert done.exit_code == 0, (args, done.output)
    kim = conn.execute("SELECT id FROM conversations WHERE source_key LIKE '%0188%'").fetchone()[0]
    assert kim == before["conversations"] + 1
    assert conn.execute("SELECT max(id) FROM notes").fetchone()[0] == before["notes"] + 1
    assert conn.execute("SELECT max(id) FROM transcripts").fetchone()[0] == before["transcripts"] + 1
    assert (
        conn.execute(
            "SELECT min(f.id) FROM review_flags f JOIN messages m ON m.id = f.message_id WHERE m.conversation_id = ?",
            (kim,),
        ).fetchone()[0]
        == before["review_flags"] + 1
    )
