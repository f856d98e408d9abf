"""A production's cover shows the other side the evidence, not the firm's internals (issue 20,
`make_transcript(for_production=True)`, content/withheld.py): no consent or review, legal hold,
filings, accounts or the computer's paths, on the cover or in the manifest; every fact about the
evidence kept; a plain transcript unchanged; verified, and made again byte for byte."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ingest_records, messages_folder, msg

from textfile.transcript import make_transcript, manifest
from textfile.transcript.content.withheld import LOOKED, missing_said, paths_said
from textfile.transcript.manifest import verify_pdf

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")


@pytest.fixture
def filed(cli, archive, tmp_path) -> Path:
    """Jordan's matter J-1 under legal hold: a copied Messages folder filed to it automatically (through
    Jordan's number), and Sam's thread, holding a U+FFFD, filed by hand. Returns the Messages folder."""
    folder = messages_folder(tmp_path / "home" / "Library", "Messages")
    assert cli("client", "add", "Jordan Lee", "--phone", "+12025550123").exit_code == 0
    assert cli("matter", "open", "J-1", "--client", "Jordan Lee", "--title", "Estate").exit_code == 0
    assert cli("import", folder).exit_code == 0
    ingest_records(archive, [msg(1, "The lease, signed \ufffd"), msg(2, "Thanks", out=True)])
    (sam,) = archive.conn.execute("SELECT id FROM conversations WHERE platform = 'android'").fetchone()
    assert cli("file", sam, "--matter", "J-1").exit_code == 0
    assert cli("matter", "hold", "J-1").exit_code == 0
    return folder


def made(archive, out: Path, **options):
    return make_transcript(archive, matter="J-1", out=out, workers=1, **options)


def cover(pdf: Path) -> str:
    """The cover's text (up to the first conversation), its lines joined where pdftotext broke them."""
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(re.split(r"\n(?:imessage|android)(?:, group)?\. Participants", text)[0].split())


def squeezed(text: str) -> str:
    """The text without its spaces (a long path is broken across lines)."""
    return re.sub(r"\s", "", text)


INTERNAL = [  # the firm's own, never in a production: consent and review, the hold, filings, accounts, paths
    "Consent to text",
    "flagged for review",
    "Legal hold",
    "Under legal hold since",
    "automatically:",
    "Filed to J-1 by hand",
    "the client had one open matter",
    "by whom",
]
EVIDENCE = [  # kept in both
    "Production 4",
    "Matter J-1 — Estate",
    "Client Jordan Lee (+12025550123)",
    "Owner / custodian Alex Owner",
    "Sources",
    "Messages imessage",
    "sms-test.xml android",
    "U+FFFD, the replacement character",
    "Times shown in America/New_York",
    "Bates numbers TF-0000",
    "Transcript id",
    "Method and limits",
]


def test_a_production_cover_says_nothing_of_the_firms_internals_and_keeps_the_evidence(archive, filed, tmp_path):
    plain = made(archive, tmp_path / "plain.pdf", production="Production 4")
    produced = made(archive, tmp_path / "produced.pdf", production="Production 4", for_production=True)
    plain_cover, produced_cover = cover(Path(plain.path)), cover(Path(produced.path))
    paths = [str(filed.parent.parent), str(Path.home())]  # the copied home the folder is in; the account's
    assert [w for w in INTERNAL if w in plain_cover] == INTERNAL  # (the firm's own file says them)
    assert [p for p in paths if p in squeezed(plain_cover)] == paths
    assert [w for w in INTERNAL if w in produced_cover] == []
    assert [p for p in paths if p in squeezed(produced_cover)] == []
    assert [w for w in EVIDENCE if w in plain_cover] == EVIDENCE
    assert [w for w in EVIDENCE if w in produced_cover] == EVIDENCE
    looked = re.search(r"looked for under: (.*?)[.;]", produced_cover)[1]  # (the next assumption after "; ")
    assert looked == (
        "the home folder the export's path (…/Library/Messages) implies, the export Messages itself,"
        " the home folder of the account that imported it"
    )
    assert ("Assumed or decided" in produced_cover, "Messages: assumed on import:" in produced_cover) == (True, True)


def test_a_production_manifest_says_nothing_of_them_either_and_the_record_says_how_it_was_made(
    archive, filed, tmp_path
):
    produced = made(archive, tmp_path / "produced.pdf", production="Production 4", for_production=True)
    data = json.loads(manifest.read(produced.path))
    said = json.dumps(data, ensure_ascii=False)
    assert [
        w for w in ("consent", "legal_hold", "filings", "imported_by", '"by"', str(filed), "/root") if w in said
    ] == []
    assert sorted(data["disclosures"]) == [  # (a plain transcript's has consent, legal_hold and filings too)
        "corrections",
        "dst",
        "invisible",
        "pairings",
        "sources",
        "time_precision",
        "undecodable",
        "undecodable_reports",
    ]
    assert data["scope"]["for_production"] is True
    (scope,) = archive.conn.execute("SELECT scope FROM transcripts WHERE uuid = ?", (produced.transcript,)).fetchone()
    assert json.loads(scope)["for_production"] is True
    plain = json.loads(manifest.read(made(archive, tmp_path / "plain.pdf").path))
    assert "for_production" not in plain["scope"] and {"consent", "legal_hold", "filings"} <= set(plain["disclosures"])


def test_a_production_transcript_verifies_and_is_made_again_byte_for_byte(archive, filed, tmp_path):
    produced = made(archive, tmp_path / "produced.pdf", production="Production 4", for_production=True, redact=True)
    check = verify_pdf(archive.conn, archive.settings.archive_id, produced.path)
    assert check.ok, check
    again = make_transcript(archive, again=produced.transcript, out=tmp_path / "again.pdf", workers=1)
    assert Path(again.path).read_bytes() == Path(produced.path).read_bytes()
    assert "Consent to text" not in cover(Path(again.path))


@pytest.mark.parametrize(
    ("text", "path", "name", "said"),
    [
        (  # a Mac's Messages folder given by its chat.db: its home, its folder, the account's home
            LOOKED + "/Users/alex/case 7, b, /Users/alex/case 7, b/Library/Messages, /root",
            "/Users/alex/case 7, b/Library/Messages/chat.db",
            "chat.db",
            LOOKED + "the home folder the export's path (…/Library/Messages/chat.db) implies, the folder the"
            " export chat.db is in, the home folder of the account that imported it",
        ),
        (
            LOOKED + "/a, /a/b/c, /root",
            "/a/b/c/chat.db",
            "chat.db",
            LOOKED + "the folder 3 levels above the export chat.db, the folder the export chat.db is in,"
            " the home folder of the account that imported it",
        ),
        (
            LOOKED + "/srv/h, /srv/h/Library/Messages, /root",
            "/srv/h/Library/Messages/chat.db",
            "chat.db",
            LOOKED + "the home folder the export's path (…/Library/Messages/chat.db) implies, the folder the"
            " export chat.db is in, the home folder of the account that imported it",
        ),
        (  # given by a relative path: its folder is known only as far as that path names it
            LOOKED + "/work/cases/old, /root",
            "cases/old/chat.db",
            "chat.db",
            LOOKED + "the folder the export chat.db is in, the home folder of the account that imported it",
        ),
        (
            LOOKED + "/work/here, /root",
            "chat.db",
            "chat.db",
            LOOKED + "a folder of the computer that imported it, the home folder of the account that imported it",
        ),
        (  # --attachments-root, given
            LOOKED + "/mnt/att",
            "/e/chat.db",
            "chat.db",
            LOOKED + "a folder of the computer that imported it",
        ),
        (
            "read a copy of chat.db together with its WAL file",
            "/e/chat.db",
            "chat.db",
            "read a copy of chat.db together with its WAL file",
        ),
        ("cannot read /e/x/sms.xml: gone", "/e/x/sms.xml", "sms.xml", "cannot read sms.xml: gone"),
    ],
)
def test_the_computers_paths_are_said_by_where_they_stand_to_the_export(text, path, name, said):
    assert paths_said(text, path, name) == said


def test_attachments_root_given_is_said_so():
    assert paths_said(LOOKED + "/mnt/att", "/e/chat.db", "chat.db", "/mnt/att") == (
        LOOKED + "a folder of the computer that imported it, given with --attachments-root"
    )


@pytest.mark.parametrize(
    ("reason", "said"),
    [
        (
            "cannot read /Users/alex/case/Library/Messages/Attachments/ab/01/x.png: Permission denied",
            "cannot read …/Library/Messages/Attachments/ab/01/x.png: Permission denied",
        ),
        ("cannot read /mnt/copy/Attachments/ab/x.heic: I/O error", "cannot read …/Attachments/ab/x.heic: I/O error"),
        (
            "cannot read /mnt/elsewhere/x.png: Permission denied",
            "cannot read a file of the computer that imported it: Permission denied",
        ),
        (
            "file not found: ~/Library/Messages/Attachments/cd/02/scan.pdf",
            "file not found: ~/Library/Messages/Attachments/cd/02/scan.pdf",
        ),
        (None, None),
    ],
)
def test_an_attachment_that_could_not_be_read_is_said_without_the_computers_path(reason, said):
    assert missing_said(reason) == said


def test_a_production_cover_with_nothing_assumed_says_so(cli, archive, tmp_path):
    """A source read with no assumption, filed by hand: the production's cover has nothing to list."""
    ingest_records(archive, [msg(1, "The lease"), msg(2, "Thanks", out=True)])
    assert cli("client", "add", "Sam", "--phone", "+12025550199").exit_code == 0
    assert cli("matter", "open", "S-1", "--client", "Sam", "--title", "Lease").exit_code == 0
    assert cli("file", 1, "--matter", "S-1").exit_code == 0
    plain = make_transcript(archive, matter="S-1", out=tmp_path / "plain.pdf", workers=1)
    produced = make_transcript(archive, matter="S-1", out=tmp_path / "produced.pdf", workers=1, for_production=True)
    said = "Nothing was assumed or decided in reading these messages beyond what the method and limits below say."
    assert (said in cover(Path(plain.path)), "Filed to S-1 by hand" in cover(Path(plain.path))) == (False, True)
    assert (said in cover(Path(produced.path)), "Filed to S-1" in cover(Path(produced.path))) == (True, False)
