"""The certification of a production (produce/certify.py): a § 1746 declaration, PDF and text twin."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import subprocess
import time

import pikepdf
import pytest

from textfile import __version__
from textfile.produce.certify import Certification, Copies, ProducedFile, SourceExport, certification

FP = "5b66530aa33a014fb9d8d64a812cf1ed26f79d2bccf2031ee03a771f7db0a03c"
CLOSING = (
    "I declare under penalty of perjury under the laws of the United States of America that the foregoing is"
    " true and correct. Executed on ________________ at ________________."
)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def files(n: int) -> tuple[ProducedFile, ...]:
    head = (
        ProducedFile("TF-000001-TF-000012.pdf", sha("pdf"), 50_000, "TF-000001", "TF-000012"),
        ProducedFile("rsmf/conversation-1.rsmf", sha("rsmf"), 2_000),
    )
    return head + tuple(
        ProducedFile(f"natives/TF-{k:06d}.jpg", sha(str(k)), 100, f"TF-{k:06d}", f"TF-{k:06d}")
        for k in range(13, 13 + n - len(head))
    )


def facts(**changed) -> Certification:
    base = Certification(
        production="3",
        produced_at="2026-12-05T18:00:00.000Z",
        produced_by="alex",
        zone="America/New_York",
        region="US",
        owner="Alex Owner",
        archive_id="5241e224-84e4-4219-80e9-d90e98c4ad1f",
        client="Sam Client",
        matter="2026-014",
        matter_title="Lease dispute",
        window_from="2024-03-01T05:00:00.000Z",
        window_until=None,
        conversations=2,
        messages=12,
        bates_first="TF-000001",
        bates_last="TF-000014",
        sources=(
            SourceExport(
                1, "sms-20240301.xml", "android", 1_234_567, "a" * 64, "2024-03-02T15:00:00.000Z", "Alex Owner", 10
            ),
            SourceExport(
                2,
                "WhatsApp Chat with Sam.txt",
                "whatsapp",
                4_567,
                "b" * 64,
                "2024-03-03T15:00:00.000Z",
                "Sam Client",
                2,
            ),
        ),  # fmt: skip
        files=files(4),
    )
    return dataclasses.replace(base, **changed)


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """The certification of `facts()`: (pdf bytes, text, the PDF's text by page)."""
    pdf, text = certification(facts())
    path = tmp_path_factory.mktemp("certify") / "c.pdf"
    path.write_bytes(pdf)
    return pdf, text, pages(path)


def pages(path, *layout: str) -> list[str]:
    out = subprocess.run(["pdftotext", *layout, str(path), "-"], capture_output=True, text=True, check=True).stdout
    return out.split("\f")[:-1]


def words(text: str) -> str:
    return " ".join(text.split())


def bare(text: str) -> str:
    return re.sub(r"[\s-]", "", text)


def test_the_text_states_the_facts_and_leaves_the_declarant_blank(made):
    _, text, _ = made
    head = text.split("\n\n")[:4]
    assert head == [
        "CERTIFICATION OF RECORDS PRODUCED",
        "Declaration under 28 U.S.C. § 1746, for authentication under Federal Rules of Evidence 902(13) and\n902(14)",
        "\n".join(
            [
                "Matter: 2026-014 — Lease dispute",
                "Client: Sam Client",
                "Production: 3, produced 2026-12-05 13:00:00 -05:00 (America/New_York) by alex",
                "Bates range: TF-000001 through TF-000014",
                "Contents: 12 messages of 2 conversations, sent from 2024-03-01 00:00:00 -05:00 to the last message",
                "Files: 4, each with its SHA-256 hash value in Schedule B",
                f"Tool: textfile version {__version__}",
                "Archive: 5241e224-84e4-4219-80e9-d90e98c4ad1f, kept by Alex Owner",
            ]
        ),
        "I, __________________________________, declare:",
    ]
    flat = words(text)
    assert CLOSING in flat
    assert "sha256sum -c SHA256SUMS" in flat and "shasum -a 256 -c SHA256SUMS" in flat
    assert "Hash verification. Each file of this production is identified by its SHA-256 hash value" in flat
    assert (
        "__________________________________\nSignature\n__________________________________\nName\n"
        "__________________________________\nTitle\n" in text
    )
    assert "Alex Owner, declare" not in flat and "alex, declare" not in flat
    assert "redaction" not in flat and "PAdES" not in flat  # none given: neither is said


def test_the_schedules_list_every_export_and_every_file(made):
    _, text, _ = made
    a = text[text.index("\nSchedule A: the") + 1 : text.index("\nSchedule B: the")]
    assert a.split("\n")[2:8] == [
        "Import: 1; File: sms-20240301.xml; Format: Android SMS Backup & Restore XML; Size: 1,234,567 bytes;",
        "Imported: 2024-03-02 10:00:00 -05:00; Custodian: Alex Owner; Messages produced: 10",
        f"    SHA-256: {'a' * 64}",
        "",
        "Import: 2; File: WhatsApp Chat with Sam.txt; Format: WhatsApp “Export chat”; Size: 4,567 bytes;",
        "Imported: 2024-03-03 10:00:00 -05:00; Custodian: Sam Client; Messages produced: 2",
    ]
    b = text[text.index("\nSchedule B: the") + 1 :].split("\n")
    assert b[2:7] == [
        f"No.  Bates                {'SHA-256':<64}  File",
        f"  1  TF-000001–TF-000012  {sha('pdf')}  TF-000001-TF-000012.pdf",
        f"  2  —                    {sha('rsmf')}  rsmf/conversation-1.rsmf",
        f"  3  TF-000013            {sha('13')}  natives/TF-000013.jpg",
        f"  4  TF-000014            {sha('14')}  natives/TF-000014.jpg",
    ]


def test_the_pdf_says_the_same_words_as_the_text(made, tmp_path):
    pdf, text, shown = made
    footer = re.compile(r"^(Page \d+ of \d+|Certification of production 3, matter 2026-014)$", re.M)
    in_pdf = words(" ".join(footer.sub("", page) for page in shown))
    paragraphs = [words(p) for p in text.split("\n\n") if p.strip()]
    for paragraph in paragraphs:
        if paragraph.startswith(("CERTIFICATION", "Import:", "No. ", "Matter:", "___")):
            continue  # (the title is upper case in the text; tables and fields are laid out in columns)
        # (pdftotext joins a word broken after a hyphen at a line's end: compared without spaces and hyphens)
        assert bare(paragraph) in bare(in_pdf), paragraph
    (tmp_path / "c.pdf").write_bytes(pdf)
    listing = pages(tmp_path / "c.pdf", "-layout")[-1]
    for row in text[text.index("\nSchedule B: the") + 1 :].split("\n")[3:7]:
        assert words(row) in words(listing), row
    for value in ("1,234,567 bytes", "2024-03-02 10:00:00 -05:00", "a" * 64, "Android SMS Backup & Restore XML"):
        assert value in in_pdf


def test_a_folder_is_named_as_one_and_its_sha256_said_to_be_of_its_listing(tmp_path):
    """An export that is a folder (an unzipped WhatsApp export) beside one that is a file: paragraph 3 says
    what a folder's recorded hash value is of; its row names it as a folder, its SHA-256 as its listing's,
    and the file the messages were read from with that file's own. The file's row is as it was. How the
    listing is written is said after Schedule A (test_folder_source: it can be computed again so)."""
    from test_folder_source import LISTING_SAID

    from textfile.produce.certify import Folder

    android, whatsapp = facts().sources
    folder = dataclasses.replace(whatsapp, file_name="week2", folder=Folder(3, "_chat.txt", 4_000, "c" * 64))
    pdf, text = certification(facts(sources=(android, folder)))
    assert words(text.split("\n\n3. Collection. ")[1].split("\n\n")[0]) == (
        "The messages were copied from the 2 exports listed in Schedule A: files or folders exported from the"
        " phones or accounts that held the messages (an Android backup made with SMS Backup & Restore, a WhatsApp"
        " “Export chat” folder). When it imported each export, textfile computed and recorded the file's size and"
        " SHA-256 hash value (for an export that is a folder, the total size of its files and the SHA-256 hash"
        " value of the folder's listing: of each file's name, size and modification time, not of the files'"
        " content; where the messages were read from one file of the folder, that file's name, size and SHA-256"
        " hash value too; how the listing is written is stated after Schedule A), its format, when it was"
        " imported, and whose phone or account it came from (its custodian). textfile reads an export without"
        " changing it."
    )
    a = text[text.index("\nSchedule A: the") + 1 : text.index("\nSchedule B: the")]
    assert a.split("\n")[2:] == [
        "Import: 1; File: sms-20240301.xml; Format: Android SMS Backup & Restore XML; Size: 1,234,567 bytes;",
        "Imported: 2024-03-02 10:00:00 -05:00; Custodian: Alex Owner; Messages produced: 10",
        f"    SHA-256: {'a' * 64}",
        "",
        "Import: 2; Folder: week2 (3 files); Format: WhatsApp “Export chat”; Size: 4,567 bytes (its files",
        "together); Imported: 2024-03-03 10:00:00 -05:00; Custodian: Sam Client; Messages produced: 2",
        "    SHA-256 of the folder's listing (each file's name, size and modification time, not the files'"
        f" content): {'b' * 64}",
        "    Messages read from its file: _chat.txt (4,000 bytes)",
        f"    SHA-256 of that file: {'c' * 64}",
        "",
        *LISTING_SAID,
    ]
    (tmp_path / "c.pdf").write_bytes(pdf)
    shown = words(" ".join(pages(tmp_path / "c.pdf")))
    for said in (
        "Import File or folder Format Size Imported Custodian Messages produced",
        "week2 (3 files)",
        "4,567 bytes (its files together)",
        "SHA-256 of the folder's listing (each file's name, size and modification time, not the files' content):"
        f" {'b' * 64}",
        "Messages read from its file: _chat.txt (4,000 bytes)",
        f"SHA-256 of that file: {'c' * 64}",
    ):
        assert said in shown, said
    assert "".join("".join(LISTING_SAID).split()) in "".join(
        shown.split()
    )  # (its example may break after a "/" in the PDF)


def test_every_page_is_numbered_and_the_pdf_is_pdf_a_dated_by_the_production(made, tmp_path):
    pdf, _, shown = made
    for n, page in enumerate(shown, 1):
        assert f"Page {n} of {len(shown)}" in page
        assert "Certification of production 3, matter 2026-014" in page
    (tmp_path / "c.pdf").write_bytes(pdf)
    with pikepdf.open(tmp_path / "c.pdf") as document:
        meta = document.open_metadata()
        assert meta["pdfaid:part"] == "3" and meta["pdfaid:conformance"] == "B"
        assert str(document.docinfo["/CreationDate"]).startswith("D:20261205180000")
        assert str(document.docinfo["/Creator"]) == f"textfile {__version__}"


def test_the_same_facts_give_the_same_bytes(made):
    pdf, text, _ = made
    time.sleep(1.1)  # (a date of the clock's in the file would show)
    assert certification(facts()) == (pdf, text)
    assert certification(facts(production="4"))[0] != pdf


def test_redactions_window_and_signature_are_said_when_given():
    _, text = certification(
        facts(
            redactions=2,
            redaction_log="redaction-log.csv",
            signing_certificate=FP,
            certificate_file="certificate.pem",
            window_from=None,
        )
    )
    flat = words(text)
    assert (
        "2 redactions were applied to the text produced, each listed with its reason in the redaction log"
        " (redaction-log.csv); the archive keeps the original text." in flat
    )
    assert (
        "Each PDF file textfile made for this production (the files in IMAGES/ and this certification) is signed"
        f" with a PAdES digital signature under the certificate whose SHA-256 fingerprint is {FP}; that certificate"
        " is the file certificate.pem." in flat
    )
    assert "save for the redactions stated above." in flat
    assert "Contents: 12 messages of 2 conversations" in text and "sent from" not in flat  # (no window: all)


PRESERVATION = (
    "4. Preservation. Each message was stored as the export records it in the textfile archive, a single SQLite"
    " database file, with an identifier derived from its identity in its source and a SHA-256 hash of its content"
    " (its content hash). The archive records each import with the export's hash value, and for each message every"
    " export that contained it. Every change to the archive is recorded in an append-only audit log whose entries are"
    " chained by SHA-256 hash values and sealed with a key kept outside the archive, so that a change made outside"
    " textfile is detected when the archive is verified (textfile verify)."
)
ONE_COPY = (
    " Of the messages produced, 1 was found on more than one phone (in the exports of more than one custodian listed"
    " in Schedule A). Each such message is stored once, as the export imported first records it: its time, its"
    " delivered and read times, its status (sent, received, failed to send) and whether it was deleted there are that"
    " phone's; another phone's delivered and read times, status and deletion are not stored."
)
ACCURATE = (
    "7. The records were produced by the process described above, which produces an accurate result: they reproduce"
    " the messages as the exports listed in Schedule A record them"
)


def paragraphs(text: str) -> dict[str, str]:
    """Paragraphs 4 and 7, each on one line."""
    return {p[0]: words(p) for p in text.split("\n\n") if p.startswith(("4. ", "7. "))}


def test_a_message_two_phones_hold_is_said_only_where_the_production_holds_one(tmp_path):
    # (a certification made before its copies were counted said "as the export records it" of every message)
    assert paragraphs(certification(facts())[1]) == {"4": PRESERVATION, "7": ACCURATE + "."}
    pdf, text = certification(facts(copies=Copies(1, 0, 0), redactions=2))
    assert (
        paragraphs(text)
        == {
            "4": PRESERVATION + ONE_COPY,  # (no other time, no other text: neither is said)
            "7": ACCURATE + ", a message found on more than one phone as paragraph 4 states, save for the redactions"
            " stated above.",
        }
    )
    assert paragraphs(certification(facts(copies=Copies(1_200, 3, 2)))[1])["4"] == PRESERVATION + ONE_COPY.replace(
        "1 was", "1,200 were"
    ) + (
        " Where another phone's export records another time for it (3 of these messages), that time is kept beside it"
        ' and stated with the message in the files produced ("recorded there at"). Where another phone\'s export shows'
        " another text (2 of these messages), that text is stored as a new version of the message, and the text before"
        " it is kept as an earlier version."
    )
    (tmp_path / "c.pdf").write_bytes(pdf)
    assert bare(PRESERVATION + ONE_COPY) in bare(" ".join(pages(tmp_path / "c.pdf")))  # (the PDF says it too)


HOSTILE = "x</p><script>alert(1)</script>\nI declare under penalty of perjury\u2028\u202eevil\x1b[31m\x85"


def test_no_value_can_forge_a_line_markup_or_a_direction(tmp_path):
    pdf, text = certification(
        facts(
            client=HOSTILE,
            matter_title=HOSTILE,
            production=HOSTILE,
            files=(ProducedFile(HOSTILE, HOSTILE, 1, HOSTILE, None),),
            sources=(SourceExport(7, HOSTILE, HOSTILE, 1, HOSTILE, "2024-03-02T15:00:00.000Z", HOSTILE, 1),),
        )
    )
    shown_value = "x</p><script>alert(1)</script>␊I declare under penalty of perjury⟦LS⟧⟦RLO⟧evil␛[31m\\x85"
    assert shown_value in text
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]", text)
    assert [line for line in text.split("\n") if line.startswith("I declare")] == [words(CLOSING)[:100]]
    (tmp_path / "c.pdf").write_bytes(pdf)
    shown = " ".join(pages(tmp_path / "c.pdf"))
    assert "x</p><script>alert(1)</script>" in shown  # printed as text, not read as markup
    assert words(shown).count("I declare under penalty of perjury under the laws") == 1


def test_a_long_list_paginates_with_its_column_heads_on_every_page(tmp_path):
    long = "natives/" + "long-name/" * 20 + "end.jpg"
    many = files(1_000) + (ProducedFile(long, sha("long"), 1, "TF-009999"),)
    pdf, text = certification(facts(files=many))
    (tmp_path / "c.pdf").write_bytes(pdf)
    shown = pages(tmp_path / "c.pdf", "-layout")
    listing = [p for p in shown if "SHA-256" in p and "natives/" in p]
    assert len(listing) >= 10
    numbers = []
    for page in listing:
        assert re.search(r"No\.\s+Bates\s+SHA-256\s+File", page), page[:200]
        numbers += [int(n.replace(",", "")) for n in re.findall(r"^\s*(\d[\d,]*)\s+(?:TF-|—)", page, re.M)]
    assert numbers == list(range(1, 1_002))
    last = listing[-1]
    assert bare(f"1,001 TF-009999 {sha('long')} {long}") in bare(last)  # the row that wraps: whole, on one page
    assert words(text).count("natives/TF-001000.jpg") == 1


def test_the_sources_of_the_produced_messages(archive):
    from conftest import ingest_records, msg

    from textfile.produce.certify import sources_of

    ingest_records(archive, [msg(1), msg(2)], "first.xml")
    ingest_records(archive, [msg(2), msg(3)], "second.xml")
    ids = [r[0] for r in archive.conn.execute("SELECT id FROM messages ORDER BY sent_at")]
    imports = {r[1]: r for r in archive.conn.execute("SELECT id, file_name, finished_at FROM imports")}
    first, second = imports["first.xml"], imports["second.xml"]
    assert sources_of(archive.conn, ids[1:], "Alex Owner") == (
        SourceExport(first[0], "first.xml", "android", 123, "0" * 64, first[2], "Alex Owner", 1),
        SourceExport(second[0], "second.xml", "android", 123, "0" * 64, second[2], "Alex Owner", 2),
    )
    assert sources_of(archive.conn, ids[2:], "Alex Owner") == (
        SourceExport(second[0], "second.xml", "android", 123, "0" * 64, second[2], "Alex Owner", 1),
    )
