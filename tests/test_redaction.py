"""Redactions (textfile/produce/redaction.py, `redact`, `redactions`, `unredact`): words of a message
withheld from productions, the message kept as sent, every step audited without the words."""

from __future__ import annotations

import json

import pytest
from conftest import ingest_records, msg

from textfile import times
from textfile.errors import Conflict
from textfile.fingerprint import sha256_text
from textfile.produce import redaction
from textfile.produce.redaction import Span

SSN = "My SSN is 123-45-6789, call me at 555-0143 or 555-0143."


@pytest.fixture
def sam(cli, archive):
    assert cli("client", "add", "Sam Client", "--phone", "+12025550143").exit_code == 0
    assert cli("matter", "open", "M-1", "--client", "Sam Client", "--title", "Lease").exit_code == 0
    ingest_records(archive, [msg(1, SSN), msg(2, "ok", out=True)])
    return archive


def body_id(archive) -> tuple[str, str]:
    return archive.conn.execute("SELECT id, content_hash FROM messages WHERE body = ?", (SSN,)).fetchone()


def audited(archive, command: str) -> list[dict]:
    return [
        {k: v for k, v in json.loads(d).items() if k != "records"}
        for (d,) in archive.conn.execute("SELECT details FROM audit_log WHERE command = ? ORDER BY id", (command,))
    ]


def test_redact_records_the_span_and_audits_only_its_hash(cli, sam):
    result = cli("redact", "#1.1", "--span", "123-45-6789", "--reason", "pii", "--json")
    assert result.exit_code == 0, result.output
    mid, digest = body_id(sam)
    [made] = json.loads(result.output)
    assert {k: v for k, v in made.items() if k != "created_at"} == {
        "id": 1,
        "message_id": mid,
        "number": "1.1",
        "matter": ["M-1"],
        "start": 10,
        "end": 21,
        "span_sha256": sha256_text("123-45-6789"),
        "reason": "PII",
        "created_by": made["created_by"],
    }
    assert audited(sam, "redact") == [
        {
            "message": mid,
            "content_hash": digest,
            "redactions": [{"id": 1, "start": 10, "end": 21}],
            "span_sha256": sha256_text("123-45-6789"),
            "reason": "PII",
        }
    ]
    assert "123-45-6789" not in json.dumps([r[0] for r in sam.conn.execute("SELECT details FROM audit_log")])
    assert sam.conn.execute("SELECT body FROM messages WHERE id = ?", (mid,)).fetchone()[0] == SSN  # kept as sent


def test_words_more_than_once_need_occurrence_or_all(cli, sam):
    twice = cli("redact", "#1.1", "--span", "555-0143", "--reason", "PII")
    assert twice.exit_code == 1
    assert "occur 2 times" in twice.output and "--occurrence N, or --all" in twice.output
    assert cli("redact", "#1.1", "--span", "555-0143", "--reason", "PII", "--occurrence", "2").exit_code == 0
    assert [(s.start, s.end) for s in redaction.spans(sam.conn, [body_id(sam)[0]])[body_id(sam)[0]]] == [
        (SSN.rfind("555-0143"), SSN.rfind("555-0143") + 8)
    ]
    beyond = cli("redact", "#1.1", "--span", "555-0143", "--reason", "PII", "--occurrence", "3")
    assert (beyond.exit_code, beyond.stderr) == (
        1,
        "Error: the words occur 2 times in message #1.1: no occurrence 3\n",
    )
    once = cli("redact", "#1.1", "--span", "123-45-6789", "--reason", "PII", "--occurrence", "2")
    assert (once.exit_code, once.stderr) == (1, "Error: the words occur once in message #1.1: no occurrence 2\n")
    # --all of words one of which is already redacted: refused as a whole, nothing half done
    clash = cli("redact", "#1.1", "--span", "555-0143", "--reason", "PII", "--all")
    assert clash.exit_code == 1 and "overlap redaction 1" in clash.output
    assert sam.conn.execute("SELECT count(*) FROM redactions").fetchone()[0] == 1


def test_refusals_say_why_in_one_line(cli, sam):
    for args, said in (
        (("--span", "999", "--reason", "PII"), "does not hold those words"),
        (("--span", "123-45-6789", "--reason", "secret"), "--reason must be one of privileged, PII, other"),
        (("--span", "", "--reason", "PII"), "it is empty"),
    ):
        result = cli("redact", "#1.1", *args)
        assert result.exit_code == 1 and said in result.output, result.output
        assert result.output.count("\n") == 1
    assert cli("redact", "#1.9", "--span", "x", "--reason", "PII").exit_code == 1
    assert sam.conn.execute("SELECT count(*) FROM redactions").fetchone()[0] == 0


def test_unredact_keeps_the_record_and_stops_applying_it(cli, sam):
    assert cli("redact", "#1.1", "--span", "SSN", "--reason", "other").exit_code == 0
    assert cli("unredact", "1").exit_code == 2  # --reason is required
    done = cli("unredact", "1", "--reason", "wrong words", "--json")
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["withdrawn_by"]
    assert redaction.spans(sam.conn, [body_id(sam)[0]]) == {}
    assert json.loads(cli("redactions", "--json").output) == []
    assert [r["id"] for r in json.loads(cli("redactions", "M-1", "--withdrawn", "--json").output)] == [1]
    assert audited(sam, "unredact") == [
        {"redaction": 1, "message": body_id(sam)[0], "why_sha256": sha256_text("wrong words")}
    ]
    again = cli("unredact", "1", "--reason", "again")
    withdrawn = sam.conn.execute("SELECT withdrawn_at FROM redactions").fetchone()[0]
    assert (again.exit_code, again.stderr) == (  # (when, as every time a person reads is said: local, with its offset)
        1,
        f"Error: redaction 1 was already withdrawn on {times.display(withdrawn, times.archive_zone(sam.conn))}\n",
    )
    assert cli("unredact", "7", "--reason", "x").exit_code == 1


def test_a_changed_text_still_holding_the_words_elsewhere_is_refused_never_shifted(cli, sam):
    assert cli("redact", "#1.1", "--span", "123-45-6789", "--reason", "PII").exit_code == 0
    mid = body_id(sam)[0]
    sam.conn.execute("UPDATE messages SET body = ? WHERE id = ?", ("Note: 123-45-6789 is my SSN", mid))
    with pytest.raises(
        Conflict,
        match="redaction 1 changed since it was made \\(a later export\\), and the words are in it at another place now:"
        " withdraw it",
    ):
        redaction.spans(sam.conn, [mid])
    [listed] = json.loads(cli("redactions", "--json").output)
    assert listed["words"] == "moved"


def test_words_edited_away_stay_withheld_with_the_earlier_version(cli, sam):
    """The words are in the version the redaction was made on only: it stays in force on it, nothing of the
    text now is covered, and (as for every redacted message) a production withholds the earlier versions."""
    assert cli("redact", "#1.1", "--span", "123-45-6789", "--reason", "PII").exit_code == 0
    mid = body_id(sam)[0]
    sam.conn.execute("UPDATE messages SET body = ? WHERE id = ?", ("My SSN is 987-65-4321 now", mid))
    assert redaction.spans(sam.conn, [mid]) == {mid: [Span(1, 10, 21, "PII", earlier=True)]}
    assert redaction.apply("My SSN is 987-65-4321 now", [Span(1, 10, 21, "PII", earlier=True)]) == (
        "My SSN is 987-65-4321 now"
    )
    [listed] = json.loads(cli("redactions", "--json").output)
    assert listed["words"] == "earlier version"
    assert "in force (in an earlier version only, withheld)" in " ".join(cli("redactions").output.split())
    # a new redaction of the text now is not refused for overlapping the earlier text's offsets
    assert cli("redact", "#1.1", "--span", "987-65-4321", "--reason", "PII").exit_code == 0


WHATSAPP = """\
05/04/2024, 10:01 - Sam Client: Hi Alex, my SSN is 123-45-6789 and the landlord called again
05/04/2024, 10:02 - Alex Owner: Thanks, noted.
"""


def _redacted_then_exported_again(cli, tmp_path, later_text: str):
    """Sam's WhatsApp chat imported and filed, its SSN redacted, then a later export of it (`later_text`) imported:
    the later import's result."""
    first, later = tmp_path / "first", tmp_path / "later"
    for folder, text in ((first, WHATSAPP), (later, later_text)):
        folder.mkdir()
        (folder / "WhatsApp Chat with Sam Client.txt").write_text(text, encoding="utf-8")
    assert cli("client", "add", "Sam Client").exit_code == 0
    assert cli("import", first / "WhatsApp Chat with Sam Client.txt", "--date-order", "dmy").exit_code == 0
    assert cli("matter", "open", "M-1", "--client", "Sam Client", "--title", "Lease").exit_code == 0
    assert cli("file", "1", "--matter", "M-1").exit_code == 0
    assert cli("redact", "#1.1", "--span", "123-45-6789", "--reason", "PII").exit_code == 0
    imported = cli("import", later / "WhatsApp Chat with Sam Client.txt", "--date-order", "dmy")
    assert imported.exit_code == 0, imported.output
    return imported


def test_a_production_after_a_later_export_edited_the_redacted_words_away_withholds_them(cli, tmp_path):
    """Second reader, round 10: the production was refused, and its advice (withdraw, redact again) could not be
    followed, since the words were in the earlier version only; withdrawing handed them over."""
    edited = WHATSAPP.replace(
        "my SSN is 123-45-6789 and the landlord called again", "the landlord called again <This message was edited>"
    )
    imported = _redacted_then_exported_again(cli, tmp_path, edited + "05/04/2024, 10:09 - Sam Client: Friday at noon\n")
    assert (  # (said at the import, round 11: not first when a production is made)
        "  warning: WhatsApp Chat with Sam Client.txt: message #1.1: the words under redaction 1 are not in the text"
        " this export gives it (an edit took them out): the redaction stays in force, withholding the message's"
        " earlier versions, which hold them\n"
    ) in imported.stdout
    made = cli("produce", "M-1", "--out", tmp_path / "vol1")
    assert made.exit_code == 0, made.output
    assert "; 1 redaction\n  of which 1 of words an edit took out since, in an earlier version only\n" in made.stdout
    for f in (tmp_path / "vol1").rglob("*"):
        assert not f.is_file() or b"123-45-6789" not in f.read_bytes(), f
    import subprocess

    [pdf] = (tmp_path / "vol1" / "IMAGES").iterdir()
    text = subprocess.run(["pdftotext", "-layout", pdf, "-"], capture_output=True, text=True, check=True).stdout
    assert "Hi Alex, the landlord called again" in text and "1 earlier version withheld (redacted)" in text
    assert "6789" not in text and "REDACTED —" not in text  # (nothing of the text now is covered)
    # the extracted text says so as the PDF does (second reader, round 11), and so does the certification
    [extracted] = [f for f in (tmp_path / "vol1" / "TEXT").iterdir() if f.stem == pdf.stem]
    assert extracted.read_text().split("\n")[1:3] == [
        "Hi Alex, the landlord called again",
        "[1 earlier version withheld (redacted)]",
    ]
    certified = " ".join((tmp_path / "vol1" / "CERTIFICATION.txt").read_text().split())
    assert (
        "A redacted message's identifier and content hash, both computed over its words, are given keyed in every"
        " file (“redacted-” and an HMAC-SHA256 under a key the producing party keeps), so that they cannot be used"
        " to check a guess of the words withheld. The redacted messages' earlier versions (edits), which may hold"
        " the words, are withheld: 1 in all."
    ) in certified
    # and the counts tell it from a black box (second reader, round 13), on the cover, in README.txt and sworn
    cover = " ".join(text.split())
    assert (
        "1 passage in 1 message (PII 1), 1 of words an edit took out since, in an earlier version only (nothing of"
        " the text shown is covered); a redacted message's earlier versions are withheld"
    ) in cover
    readme = " ".join((tmp_path / "vol1" / "README.txt").read_text().split())
    assert (
        "0 redactions of the text produced (and 1 of words an edit took out since, found in earlier versions only,"
        " which are withheld), each shown as a black box"
    ) in readme
    assert (
        "0 redactions were applied to the text produced and 1 made to words an edit took out since, found only in"
        " earlier versions of a message, which are withheld, each listed with its reason"
    ) in certified
    assert cli("verify", tmp_path / "vol1").exit_code == 0


def test_an_import_that_moves_a_redaction_s_words_says_so(cli, tmp_path):
    """Second reader, round 11: an export whose edit moved a redaction's words was imported without a word;
    `produce` was the first to say it, refusing the matter."""
    moved = WHATSAPP.replace(
        "Hi Alex, my SSN is 123-45-6789 and the landlord called again",
        "123-45-6789 is my SSN, and the landlord called again <This message was edited>",
    )
    imported = _redacted_then_exported_again(cli, tmp_path, moved)
    assert (
        "  warning: WhatsApp Chat with Sam Client.txt: message #1.1: the words under redaction 1 are at another place"
        " in the text this export gives it: `produce` refuses the matter until it is redone (`textfile unredact 1"
        ' --reason "the words moved"`, then redact them where they are now)\n'
    ) in imported.stdout
    refused = cli("produce", "M-1", "--out", tmp_path / "vol1")
    assert refused.exit_code == 1 and "the words are in it at another place now" in refused.stderr
    again = cli("import", tmp_path / "later" / "WhatsApp Chat with Sam Client.txt", "--date-order", "dmy")
    assert "redaction 1" not in again.stdout  # (said by the import that changed the text, once)


def test_apply_and_segments():
    spans = [Span(2, 10, 21, "PII"), Span(1, 0, 2, "privileged")]
    assert redaction.segments(SSN, spans) == [
        ("", "Privileged"),
        (" SSN is ", None),
        ("", "PII"),
        (", call me at 555-0143 or 555-0143.", None),
    ]
    assert (
        redaction.apply(SSN, spans) == "[REDACTED: Privileged] SSN is [REDACTED: PII], call me at 555-0143 or 555-0143."
    )
    assert redaction.apply(None, spans) is None
    assert redaction.apply(SSN, []) == SSN
    # a span at the very end, and one covering the whole text
    assert redaction.apply("abc", [Span(1, 1, 3, "other")]) == "a[REDACTED]"
    assert redaction.apply("abc", [Span(1, 0, 3, "other")]) == "[REDACTED]"


def test_redactions_table_at_80_columns(cli, sam, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    assert cli("redact", "#1.1", "--span", "123-45-6789", "--reason", "PII").exit_code == 0
    shown = cli("redactions").output
    assert all(len(line) <= 80 for line in shown.splitlines())
    assert "#1.1" in shown and "11–21" in shown and "PII" in shown


def test_the_places_said_to_a_person_count_characters_from_one_both_ends_included(cli, sam):
    """ "123-45-6789" is the 11th to the 21st character of SSN: said so (--json keeps the offsets, 10 and 21)."""
    assert SSN[11 - 1 : 21] == "123-45-6789"
    made = cli("redact", "#1.1", "--span", "123-45-6789", "--reason", "PII")
    assert (made.exit_code, made.stdout) == (0, "Redaction 1: message #1.1, characters 11–21 (PII).\n")
    listed = cli("redactions", "--json")
    assert [(r["start"], r["end"]) for r in json.loads(listed.stdout)] == [(10, 21)]
    table = cli("redactions").stdout
    assert "11–21" in table and "10–21" not in table


def test_words_an_edit_took_out_before_they_were_redacted_can_be_redacted_in_the_earlier_version(cli, tmp_path):
    """Round 11: the words were in an earlier version only (the edit came before the redaction), and `redact`
    said the message did not hold them, with no way to withhold that version but a false redaction."""
    first, later = tmp_path / "first", tmp_path / "later"
    edited = WHATSAPP.replace(
        "my SSN is 123-45-6789 and the landlord called again", "the landlord called again <This message was edited>"
    )
    for folder, text in ((first, WHATSAPP), (later, edited)):
        folder.mkdir()
        (folder / "WhatsApp Chat with Sam Client.txt").write_text(text, encoding="utf-8")
    assert cli("client", "add", "Sam Client").exit_code == 0
    for folder in (first, later):
        assert cli("import", folder / "WhatsApp Chat with Sam Client.txt", "--date-order", "dmy").exit_code == 0
    assert cli("matter", "open", "M-1", "--client", "Sam Client", "--title", "Lease").exit_code == 0
    assert cli("file", "1", "--matter", "M-1").exit_code == 0

    made = cli("redact", "#1.1", "--span", "123-45-6789", "--reason", "PII")

    assert made.exit_code == 0, made.output
    assert (
        "the words are in an earlier version of message #1.1 only (version 1): a production shows its text as it"
        " is now, whole, and withholds its earlier versions"
    ) in " ".join(made.output.split())
    [listed] = json.loads(cli("redactions", "--json").output)
    assert listed["words"] == "earlier version"
    assert cli("produce", "M-1", "--out", tmp_path / "vol1").exit_code == 0
    for f in (tmp_path / "vol1").rglob("*"):
        assert not f.is_file() or b"123-45-6789" not in f.read_bytes(), f
