"""The archive's signing key and the PAdES signature of a production's PDFs (produce/signing.py)."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

import pikepdf
import pytest
from conftest import OWNER, ingest_records, msg
from typer.testing import CliRunner

from textfile import audit, filing
from textfile.archive import Archive
from textfile.cli import app
from textfile.produce import signing
from textfile.transcript import manifest
from textfile.transcript.pdf import read_attachment

WHEN = "2026-12-05T18:00:00.000Z"


@pytest.fixture
def keys(tmp_path, monkeypatch) -> Path:
    """A config folder of the test's own (the signing keys go under it)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv(signing.SIGNING_KEY_ENV, raising=False)
    return tmp_path / "config" / "textfile" / "signing"


@pytest.fixture(scope="module")
def transcript(tmp_path_factory) -> Path:
    """A transcript of three messages (with its embedded manifest), made once for the module."""
    folder = tmp_path_factory.mktemp("signing")
    with Archive.create(folder / "archive.db", **OWNER) as archive:
        ingest_records(archive, [msg(1), msg(2, out=True), msg(3)])
        with archive.transaction() as conn:
            filing.add_client(conn, "Sam Client", ["+12025550143"], [], "US")
            filing.open_matter(conn, "2026-014", "Sam Client", "Lease dispute")
    r = CliRunner().invoke(
        app,
        ["--archive", str(folder / "archive.db"), "transcript", "2026-014", "--out", str(folder / "t.pdf"), "--json"],
        catch_exceptions=False,
    )
    assert r.exit_code == 0, r.output
    return folder / "t.pdf"


@pytest.fixture
def signer(keys, archive) -> signing.Signer:
    return signing.ensure_key(archive)


@pytest.fixture
def signed(transcript, signer, tmp_path) -> Path:
    (tmp_path / "out").mkdir()
    pdf = tmp_path / "out" / "signed.pdf"
    shutil.copy(transcript, pdf)
    signing.sign_pdf(pdf, signer, when=WHEN)
    return pdf


def entries(archive, command: str) -> list[dict]:
    return [
        json.loads(r[0]) for r in archive.conn.execute("SELECT details FROM audit_log WHERE command = ?", (command,))
    ]


# -- the key -----------------------------------------------------------------------------------


def test_a_key_is_made_outside_the_archive_recorded_and_audited(keys, archive):
    made = signing.ensure_key(archive)
    archive_id = archive.settings.archive_id
    assert made.path == keys / f"{archive_id}.pem"
    assert made.path.stat().st_mode & 0o777 == 0o600
    assert keys.stat().st_mode & 0o777 == 0o700
    assert (made.name, made.archive_id) == ("Alex Owner", archive_id)
    assert made.fingerprint == signing.fingerprint(made.certificate) and len(made.fingerprint) == 64
    rows = [tuple(r) for r in archive.conn.execute("SELECT fingerprint, certificate, created_by FROM signing_keys")]
    assert rows == [(made.fingerprint, made.certificate.decode(), audit.current_user())]
    assert entries(archive, "signing key") == [
        {
            "fingerprint": made.fingerprint,
            "subject": "Alex Owner",
            "archive": archive_id,
            "algorithm": "RSA-2048, PKCS#1 v1.5, SHA-256",
            "path": str(made.path),
            "made": True,
            "records": entries(archive, "signing key")[0]["records"],
        }
    ]
    assert signing.ensure_key(archive) == made  # read again: nothing new
    assert len(entries(archive, "signing key")) == 1
    assert signing.recorded_fingerprints(archive.conn) == [made.fingerprint]


def test_the_certificate_names_the_owner_and_the_archive_and_never_expires(signer, archive):
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import rsa

    cert = x509.load_pem_x509_certificate(signing.certificate_pem(signer))
    assert cert.subject.rfc4514_string() == f"OU=textfile archive {archive.settings.archive_id},CN=Alex Owner"
    assert cert.issuer == cert.subject
    assert isinstance(cert.public_key(), rsa.RSAPublicKey) and cert.public_key().key_size == 2048
    assert cert.not_valid_after_utc.year == 9999
    assert cert.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature


def test_the_env_var_names_the_key_file(keys, archive, tmp_path, monkeypatch):
    monkeypatch.setenv(signing.SIGNING_KEY_ENV, str(tmp_path / "elsewhere" / "mine.pem"))
    made = signing.ensure_key(archive)
    assert made.path == tmp_path / "elsewhere" / "mine.pem" and made.path.is_file()
    assert not keys.exists()


def test_the_key_goes_beside_the_audit_key_textfile_key_names(keys, archive, tmp_path, monkeypatch):
    (tmp_path / "vault").mkdir()
    shutil.copy(audit.key_path(), tmp_path / "vault" / "key")  # (the archive's audit key, moved there)
    monkeypatch.setenv("TEXTFILE_KEY", str(tmp_path / "vault" / "key"))
    made = signing.ensure_key(archive)
    assert made.path == tmp_path / "vault" / "signing" / f"{archive.settings.archive_id}.pem"


def test_another_archives_key_is_refused(keys, archive, tmp_path, monkeypatch):
    with Archive.create(tmp_path / "other.db", **OWNER) as other:
        theirs = signing.ensure_key(other)
    monkeypatch.setenv(signing.SIGNING_KEY_ENV, str(theirs.path))
    with pytest.raises(signing.SigningKeyMissing, match="that is the signing key of archive"):
        signing.ensure_key(archive)
    assert signing.recorded_fingerprints(archive.conn) == []


def test_a_lost_key_is_refused_until_a_new_one_is_asked_for(signer, archive):
    signer.path.unlink()
    with pytest.raises(signing.SigningKeyMissing, match="no signing key is there, but this archive signs with"):
        signing.ensure_key(archive)
    new = signing.ensure_key(archive, replace_lost=True)
    assert new.fingerprint != signer.fingerprint
    assert signing.recorded_fingerprints(archive.conn) in (
        [signer.fingerprint, new.fingerprint],
        sorted([signer.fingerprint, new.fingerprint]),
    )
    assert entries(archive, "signing key")[-1]["replaces_lost"] == [signer.fingerprint]


def test_a_key_written_but_never_recorded_is_recorded_on_next_use(keys, archive):
    key_pem, cert_pem = signing._new_key("Alex Owner", archive.settings.archive_id)
    keys.mkdir(parents=True)
    (keys / f"{archive.settings.archive_id}.pem").write_bytes(key_pem + cert_pem)
    found = signing.ensure_key(archive)
    assert found.certificate == cert_pem
    assert signing.recorded_fingerprints(archive.conn) == [signing.fingerprint(cert_pem)]
    assert entries(archive, "signing key")[0]["made"] is False


def test_an_unrecorded_key_beside_a_recorded_one_is_refused(signer, archive):
    key_pem, cert_pem = signing._new_key("Alex Owner", archive.settings.archive_id)
    signer.path.write_bytes(key_pem + cert_pem)
    with pytest.raises(signing.SigningKeyMissing, match="is not one the archive records"):
        signing.ensure_key(archive)


def test_a_file_that_is_no_key_is_refused(keys, archive):
    keys.mkdir(parents=True)
    (keys / f"{archive.settings.archive_id}.pem").write_text("hello\n")
    with pytest.raises(signing.SigningKeyMissing, match="not a textfile signing key"):
        signing.ensure_key(archive)


def test_init_makes_the_archives_signing_key(bare_cli, tmp_path):
    r = bare_cli(
        "--archive", tmp_path / "new.db", "init", "--owner", "Alex", "--tz", "UTC", "--region", "GB",
        "--bates-prefix", "ALEX", "--json",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    created = json.loads(r.stdout)
    with Archive.open(tmp_path / "new.db") as archive:
        assert signing.recorded_fingerprints(archive.conn) == [created["signing_certificate"]]
        assert created["signing_key"] == str(signing.signing_key_path(archive.settings.archive_id))
    assert Path(created["signing_key"]).stat().st_mode & 0o777 == 0o600


# -- signing and checking ------------------------------------------------------------------------


def test_a_signed_pdf_checks_intact_whole_and_keeps_its_manifest(transcript, signed, signer):
    assert signing.check_signature(signed) == signing.SignatureCheck(
        signed=True,
        intact=True,
        covers_whole_file=True,
        certificate_fingerprint=signer.fingerprint,
        signer_name="Alex Owner",
        signed_at=WHEN,
        problem=None,
    )
    original = transcript.read_bytes()
    assert signed.read_bytes().startswith(original)  # an incremental update: the bytes before are kept
    assert read_attachment(signed, manifest.NAME) == read_attachment(transcript, manifest.NAME) is not None
    assert signed.stat().st_mode & 0o777 == 0o600
    assert list(signed.parent.iterdir()) == [signed]  # (no partial file left)


def test_signing_is_deterministic(transcript, signed, signer, tmp_path):
    """The same file signed at the same time, a second later by the clock, is the same bytes (pyhanko would
    write the clock's time as the document's modification time, and a random document id)."""
    time.sleep(1.1)
    again = tmp_path / "again.pdf"
    shutil.copy(transcript, again)
    signing.sign_pdf(again, signer, when=WHEN)
    assert again.read_bytes() == signed.read_bytes()
    with pikepdf.open(signed) as pdf:
        assert pdf.open_metadata()["xmp:ModifyDate"] == "2026-12-05T18:00:00+00:00"
    later = tmp_path / "later.pdf"
    shutil.copy(transcript, later)
    signing.sign_pdf(later, signer, when="2026-12-06T09:30:00.000Z")
    assert later.read_bytes() != signed.read_bytes()
    assert signing.check_signature(later).signed_at == "2026-12-06T09:30:00.000Z"


def test_an_unsigned_pdf_and_a_file_that_is_no_pdf(transcript, tmp_path):
    assert signing.check_signature(transcript) == signing.SignatureCheck(
        False, False, False, None, None, None, "no signature"
    )
    (tmp_path / "x.pdf").write_bytes(b"not a pdf")
    check = signing.check_signature(tmp_path / "x.pdf")
    assert (check.signed, check.intact, check.covers_whole_file) == (False, False, False)
    assert check.problem.startswith("not readable as a signed PDF")


def test_a_byte_flipped_inside_the_signed_range_is_not_intact(signed):
    data = bytearray(signed.read_bytes())
    at = data.index(b"stream", data.index(b"/Contents")) + 40  # (the signed range: inside a page's stream)
    assert at < data.index(b"/ByteRange")
    data[at] ^= 0x01
    signed.write_bytes(bytes(data))
    check = signing.check_signature(signed)
    assert (check.signed, check.intact, check.problem) == (True, False, "the bytes signed were changed")


def test_an_update_appended_after_signing_no_longer_covers_the_whole_file(signed):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    with open(signed, "rb") as fp:
        writer = IncrementalPdfFileWriter(io.BytesIO(fp.read()), strict=False)
    writer.set_info(generic.DictionaryObject({generic.pdf_name("/Title"): generic.pdf_string("changed")}))
    out = io.BytesIO()
    writer.write(out)
    signed.write_bytes(out.getvalue())
    check = signing.check_signature(signed)
    assert (check.signed, check.intact, check.covers_whole_file) == (True, True, False)
    assert check.problem == "the file was changed after it was signed (bytes appended after the signature)"


def test_bytes_appended_after_signing_no_longer_cover_the_whole_file(signed):
    with open(signed, "ab") as fp:
        fp.write(b"\n% appended\n")
    check = signing.check_signature(signed)
    assert (check.signed, check.intact, check.covers_whole_file) == (True, True, False)


def test_the_certificate_pem_checks_the_signature_with_another_pades_tool(signed, signer, tmp_path):
    """poppler's pdfsig, which knows nothing of textfile, finds the signature valid (the certificate's
    issuer is unknown to it: trust is the recipient's, by the fingerprint)."""
    if shutil.which("pdfsig") is None:
        pytest.skip("pdfsig (poppler-utils) is not installed")
    out = subprocess.run(["pdfsig", str(signed)], capture_output=True, text=True).stdout
    assert "Signature Field Name: TextfileProduction" in out
    assert "Signature Type: ETSI.CAdES.detached" in out
    assert "Signature Validation: Signature is Valid." in out
    assert "Total document signed" in out
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    der = x509.load_pem_x509_certificate(signing.certificate_pem(signer)).public_bytes(Encoding.DER)
    assert hashlib.sha256(der).hexdigest() == signer.fingerprint


def test_a_pdf_that_cannot_be_signed_is_left_as_it_was(signer, tmp_path):
    (tmp_path / "x.pdf").write_bytes(b"%PDF-1.7\nnot really\n")
    with pytest.raises(signing.TextfileError, match="cannot sign this PDF"):
        signing.sign_pdf(tmp_path / "x.pdf", signer, when=WHEN)
    assert (tmp_path / "x.pdf").read_bytes() == b"%PDF-1.7\nnot really\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_the_archive_verifies_with_its_certificate_and_not_once_it_is_swapped(signer, archive, archive_path, cli):
    assert cli("verify").exit_code == 0
    _, other = signing._new_key("Mallory", archive.settings.archive_id)
    conn = sqlite3.connect(archive_path)
    with conn:
        conn.execute("UPDATE signing_keys SET certificate = ?", (other.decode(),))
    conn.close()
    r = cli("verify")
    assert r.exit_code == 3
    assert "signing_keys" in r.output
