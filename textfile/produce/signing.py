"""The PAdES signature of a production's PDFs: the archive's signing key, signing a PDF, checking one.

Decisions, and why:
- **One key per archive, outside it.** A private key and a self-signed X.509 certificate whose subject
  names the archive's owner (CN) and the archive's id (OU "textfile archive <id>"), in one PEM file
  (0600, in a 0700 folder) beside the key that seals the audit log: `signing/<archive id>.pem` in that
  key's folder (the config folder, or where $TEXTFILE_KEY puts it), or the file $TEXTFILE_SIGNING_KEY names. Someone holding only `archive.db` cannot sign
  as the archive. The archive records each certificate (`signing_keys`, m030: its SHA-256 fingerprint
  and PEM, sealed records) and audits its making, so a recipient's certificate is proven against it.
  `init` makes the key; an archive made before this version gets one on first use (`ensure_key`).
  A key file is written before the archive records it: a run that fails between the two leaves a
  file that the next use records. A key the archive records but that is gone is refused (copy the
  file back), unless a new one is asked for (`replace_lost`), itself recorded beside the old one.
- **RSA-2048, PKCS#1 v1.5, SHA-256.** Its signatures are deterministic (ECDSA's are random): a PDF
  signed again with the same time is the same bytes, so a production made twice is byte-identical.
  Every PAdES reader validates it (Adobe Reader, pdfsig, pyhanko, the EU DSS).
- **The certificate never expires** (notAfter 9999-12-31, RFC 5280's "no well-defined expiration"):
  a production signed in ten years is still signed under a valid certificate. Trust is the
  recipient's: the certificate's fingerprint is in the certification, the archive and the audit log.
- **PAdES B-B** (pyhanko, /ETSI.CAdES.detached), an invisible signature field of a fixed name, an
  incremental update: the signed file is the original bytes and the signature after them, so the
  embedded files (a transcript's manifest) stay. The signing time is the caller's (`when`), and so
  is the document's modification time the update writes (pyhanko writes the clock's); the update's
  document id is derived from the file and that time (pyhanko draws a random one): the same file
  signed at the same time gives the same bytes, in any process, at any hour.
- **Checking** (`check_signature`) says whether the bytes signed are unchanged (digest and RSA
  signature) and whether the signature covers the whole file (nothing appended after it), with the
  certificate's fingerprint, its subject's name and the signing time. Trust is not judged here: the
  caller compares the fingerprint with the archive's (`recorded_fingerprints`).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import sqlite3
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from textfile import audit, times
from textfile.errors import TextfileError

if TYPE_CHECKING:
    from textfile.archive import Archive

SIGNING_KEY_ENV = "TEXTFILE_SIGNING_KEY"
FIELD = "TextfileProduction"  # the signature field's name, the same in every signed PDF
ALGORITHM = "RSA-2048, PKCS#1 v1.5, SHA-256"
RSA_BITS = 2048
CN_MAX = 64  # X.520's upper bound on a common name
NEVER = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)


class SigningKeyMissing(TextfileError):
    "The archive's signing key is not where textfile looks for it, or that file holds another archive's key."


@dataclass(frozen=True, slots=True)
class Signer:
    """The archive's signing key as loaded: the file, the certificate (PEM) and its fingerprint, the
    subject's name and archive id; the private key (PEM) is never printed."""

    path: Path
    certificate: bytes
    fingerprint: str
    name: str
    archive_id: str
    private_key: bytes = field(repr=False)


class SignatureCheck(NamedTuple):
    """A PDF's signature checked: found (`signed`), the bytes it signed unchanged (`intact`: digest and
    signature value), nothing after it (`covers_whole_file`), its certificate's SHA-256 fingerprint, the
    certificate subject's name, the signing time (UTC ISO); `problem`: why it is not signed or intact."""

    signed: bool
    intact: bool
    covers_whole_file: bool
    certificate_fingerprint: str | None
    signer_name: str | None
    signed_at: str | None
    problem: str | None = None


# -- the key ----------------------------------------------------------------------------------


def signing_key_path(archive_id: str) -> Path:
    """$TEXTFILE_SIGNING_KEY, else `signing/<archive id>.pem` in the folder of the key that seals the audit
    log (the config folder, or where $TEXTFILE_KEY puts that key)."""
    if os.environ.get(SIGNING_KEY_ENV):
        return Path(os.environ[SIGNING_KEY_ENV]).expanduser()
    return audit.key_path().parent / "signing" / f"{archive_id}.pem"


def fingerprint(certificate_pem: bytes) -> str:
    """The certificate's SHA-256 fingerprint: of its DER, lower-case hex (as `openssl x509 -fingerprint -sha256` shows it, without colons)."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    der = x509.load_pem_x509_certificate(certificate_pem).public_bytes(Encoding.DER)
    return hashlib.sha256(der).hexdigest()


def certificate_pem(signer: Signer) -> bytes:
    """The certificate as a PEM file's bytes: what a recipient checks the signatures with (any PAdES tool)."""
    return signer.certificate


def recorded_fingerprints(conn: sqlite3.Connection) -> list[str]:
    """The fingerprints of every certificate the archive records, oldest first."""
    return [r[0] for r in conn.execute("SELECT fingerprint FROM signing_keys ORDER BY created_at, fingerprint")]


def ensure_key(archive: Archive, *, replace_lost: bool = False) -> Signer:
    """The archive's signing key: read, or made and recorded (audited) when the archive has none yet.
    A key file the archive does not record is recorded when its certificate names this archive and the
    archive records no other; a key the archive records but that is not there is SigningKeyMissing,
    unless `replace_lost`: then a new one is made and recorded beside it."""
    settings = archive.settings
    path = signing_key_path(settings.archive_id)
    recorded = recorded_fingerprints(archive.conn)
    found = read_signer(path)
    if found is not None:
        if found.archive_id != settings.archive_id:
            raise SigningKeyMissing(
                f"{path}: that is the signing key of archive {found.archive_id}, not of this one ({settings.archive_id}):"
                f" unset {SIGNING_KEY_ENV}, or point it at this archive's key. Nothing was changed"
            )
        if found.fingerprint in recorded:
            return found
        if recorded:
            raise SigningKeyMissing(
                f"{path}: this key (certificate {found.fingerprint[:16]}…) is not one the archive records"
                f" ({', '.join(f[:16] + '…' for f in recorded)}): put back the key file the archive was signing with."
                " Nothing was changed"
            )
        _record(archive, found, made=False)
        return found
    if recorded and not replace_lost:
        raise SigningKeyMissing(
            f"{path}: no signing key is there, but this archive signs with certificate {recorded[-1][:16]}…: copy that"
            f" key file from the machine that made it, or set {SIGNING_KEY_ENV} to where it is. Nothing was changed"
        )
    made = _write_new_key(path, settings.owner_name, settings.archive_id)
    if made.fingerprint not in recorded_fingerprints(archive.conn):
        _record(archive, made, made=True, replaces=recorded)
    return made


def _record(archive: Archive, signer: Signer, *, made: bool, replaces: list[str] = ()) -> None:
    """The certificate recorded in `signing_keys`, with its audit entry, in one transaction."""
    details = {
        "fingerprint": signer.fingerprint,
        "subject": signer.name,
        "archive": signer.archive_id,
        "algorithm": ALGORITHM,
        "path": str(signer.path),
        "made": made,
    }
    if replaces:
        details["replaces_lost"] = list(replaces)
    with archive.transaction() as conn:
        conn.execute(
            "INSERT OR IGNORE INTO signing_keys (fingerprint, certificate, created_at, created_by) VALUES (?, ?, ?, ?)",
            (signer.fingerprint, signer.certificate.decode("ascii"), times.now_iso(), audit.current_user()),
        )
        audit.append(conn, "signing key", details)


def _write_new_key(path: Path, owner: str, archive_id: str) -> Signer:
    """A new key and its certificate, written to `path` (0600, its folder 0700); the key another
    process wrote there first, if one did."""
    key_pem, cert_pem = _new_key(owner, archive_id)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "wb") as fp:
            fp.write(key_pem + cert_pem)
            fp.flush()
            os.fsync(fp.fileno())
    except FileExistsError:
        found = read_signer(path)
        if found is None:
            raise SigningKeyMissing(f"{path}: cannot read the signing key another process is writing") from None
        return found
    except OSError as exc:
        raise SigningKeyMissing(f"{path}: cannot write the signing key: {exc.strerror}") from None
    return _signer(path, key_pem, cert_pem)


def _new_key(owner: str, archive_id: str) -> tuple[bytes, bytes]:
    """An RSA-2048 private key (PKCS#8 PEM) and its self-signed certificate (PEM)."""
    import secrets

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, (owner.strip() or "textfile")[:CN_MAX]),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"textfile archive {archive_id}"),
        ]
    )
    now = datetime.now(UTC).replace(microsecond=0)
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(secrets.randbits(127) | 1)
        .not_valid_before(now)
        .not_valid_after(NEVER)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)


_BLOCK = re.compile(rb"-----BEGIN ([A-Z ]+)-----\r?\n.*?-----END \1-----\r?\n?", re.S)


def read_signer(path: Path) -> Signer | None:
    """The signing key in `path`, or None when there is no file; SigningKeyMissing when it is not one."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SigningKeyMissing(f"{path}: cannot read the signing key: {exc.strerror}") from None
    blocks = {m.group(1).decode(): m.group(0) for m in _BLOCK.finditer(data)}
    if "PRIVATE KEY" not in blocks or "CERTIFICATE" not in blocks:
        raise SigningKeyMissing(f"{path}: not a textfile signing key (a PEM private key and certificate)")
    try:
        return _signer(path, blocks["PRIVATE KEY"], blocks["CERTIFICATE"])
    except ValueError as exc:
        raise SigningKeyMissing(f"{path}: not a textfile signing key ({exc})") from None


def _signer(path: Path, key_pem: bytes, cert_pem: bytes) -> Signer:
    """The loaded key; ValueError when the certificate is not textfile's or not the key's."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.x509.oid import NameOID

    cert = x509.load_pem_x509_certificate(cert_pem)
    key = serialization.load_pem_private_key(key_pem, password=None)
    if key.public_key().public_numbers() != cert.public_key().public_numbers():
        raise ValueError("the certificate is not the private key's")
    units = [a.value for a in cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)]
    archive_id = next((u.removeprefix("textfile archive ") for u in units if u.startswith("textfile archive ")), None)
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if archive_id is None or not names:
        raise ValueError("its certificate names no textfile archive")
    return Signer(path, cert_pem, fingerprint(cert_pem), names[0].value, archive_id, key_pem)


# -- signing ----------------------------------------------------------------------------------


def sign_pdf(path: Path, signer: Signer, *, when: str) -> None:
    """Sign the PDF at `path` in place (PAdES B-B, an incremental update; written to a partial file
    beside it, synced, then put in its place, 0600), at the signing time `when` (UTC ISO)."""
    with _pyhanko_quiet():
        from pyhanko.sign import fields, signers

    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TextfileError(f"{path}: cannot read the PDF to sign: {exc.strerror}") from None
    at = times.from_iso(when).astimezone(UTC)
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256", name=signer.name
    )
    pdf_signer = _timed_signer_class()(meta, signer=_pyhanko_signer(signer), new_field_spec=fields.SigFieldSpec(FIELD))
    pdf_signer.signing_time = at
    try:
        writer = _update_writer_class()(io.BytesIO(data), strict=False)
        writer.next_id = hashlib.sha256(data + at.isoformat().encode()).digest()[:16]
        writer._document_id = writer.deterministic_id()
        writer.modified_at(at)
        signed = pdf_signer.sign_pdf(writer, output=io.BytesIO()).getvalue()
    except Exception as exc:  # pyhanko's reading or signing errors: the file is left as it was
        raise TextfileError(f"{path}: cannot sign this PDF: {exc}") from None
    _replace(path, signed)


@contextmanager
def _pyhanko_quiet():
    """pyhanko imported without the deprecation warning its DSA support draws from cryptography (textfile
    signs with RSA), which would otherwise print on every command that signs."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            from cryptography.utils import CryptographyDeprecationWarning

            warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        except ImportError:
            pass
        yield


def _replace(path: Path, data: bytes) -> None:
    partial = path.with_name(f".{path.name}.signing")
    try:
        fd = os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "wb") as fp:
            fp.write(data)
            fp.flush()
            os.fsync(fp.fileno())
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise TextfileError(f"{path}: cannot write the signed PDF: {exc.strerror}") from None


def _pyhanko_signer(signer: Signer):
    from asn1crypto import algos
    from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data
    from pyhanko.sign.signers import SimpleSigner
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    cert = next(iter(load_certs_from_pemder_data(signer.certificate)))
    return SimpleSigner(
        signing_cert=cert,
        signing_key=load_private_key_from_pemder_data(signer.private_key, passphrase=None),
        cert_registry=SimpleCertificateStore.from_certs([cert]),
        signature_mechanism=algos.SignedDigestAlgorithm({"algorithm": "sha256_rsa"}),
    )


def _timed_signer_class():
    """pyhanko's PdfSigner, its session's clock set to the caller's signing time."""
    from pyhanko.sign.signers import PdfSigner

    class TimedSigner(PdfSigner):
        signing_time: datetime

        def init_signing_session(self, pdf_out, existing_fields_only=False):
            session = super().init_signing_session(pdf_out, existing_fields_only=existing_fields_only)
            session.system_time = self.signing_time
            return session

    return TimedSigner


def _update_writer_class():
    """pyhanko's incremental writer with the update's document id (the /ID's second part, and the first
    when the file had none) derived from the file and the signing time, not drawn at random, and the
    document's modification time (XMP ModifyDate, /ModDate) the signing time, not the clock's."""
    from dataclasses import fields as dataclass_fields

    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.metadata.model import DocumentMetadata

    class AtSigningTime(DocumentMetadata):
        """Metadata whose "modified now" (which pyhanko sets before writing) is the signing time."""

        signed_at: datetime | None = None

        def __setattr__(self, name, value):
            if name == "last_modified" and value == "now" and self.signed_at is not None:
                value = self.signed_at
            super().__setattr__(name, value)

    class UpdateWriter(IncrementalPdfFileWriter):
        next_id: bytes = b""

        def modified_at(self, at: datetime) -> None:
            meta = AtSigningTime(**{f.name: getattr(self._meta, f.name) for f in dataclass_fields(self._meta)})
            meta.signed_at = at
            self._meta = meta

        def deterministic_id(self):
            try:
                own = self.prev.trailer["/ID"][0].original_bytes
            except (KeyError, IndexError, TypeError, AttributeError):
                own = self.next_id
            return generic.ArrayObject([generic.ByteStringObject(own), generic.ByteStringObject(self.next_id)])

    return UpdateWriter


# -- checking ---------------------------------------------------------------------------------


def check_signature(path: Path) -> SignatureCheck:
    """The PDF's signature (the field textfile signs, else the last one) checked; see SignatureCheck."""
    with _pyhanko_quiet():
        from pyhanko.pdf_utils.reader import PdfFileReader
        from pyhanko.sign.validation import validate_pdf_signature
        from pyhanko.sign.validation.status import SignatureCoverageLevel
        from pyhanko_certvalidator import ValidationContext

    try:
        with open(path, "rb") as fp:
            reader = PdfFileReader(fp, strict=False)
            found = reader.embedded_signatures
            if not found:
                return SignatureCheck(False, False, False, None, None, None, "no signature")
            embedded = next((s for s in found if s.field_name == FIELD), found[-1])
            cert = embedded.signer_cert
            context = ValidationContext(trust_roots=[cert], allow_fetching=False)
            status = validate_pdf_signature(embedded, signer_validation_context=context)
    except Exception as exc:  # not a PDF, or damaged beyond reading
        return SignatureCheck(False, False, False, None, None, None, f"not readable as a signed PDF: {exc}")
    intact = bool(status.intact and status.valid)
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    reported = status.signer_reported_dt
    problem = None
    if not intact:
        problem = "the bytes signed were changed" if not status.intact else "the signature value does not verify"
    elif not whole:
        problem = "the file was changed after it was signed (bytes appended after the signature)"
    return SignatureCheck(
        True,
        intact,
        whole,
        hashlib.sha256(cert.dump()).hexdigest(),
        cert.subject.native.get("common_name"),
        times.to_iso(reported) if reported is not None else None,
        problem,
    )


# -- SHA256SUMS, signed apart --------------------------------------------------------------------


def sign_detached(data: bytes, signer: Signer) -> bytes:
    """A detached CMS (PKCS #7) signature of `data` (DER) under the signing key: what `openssl cms -verify
    -binary -inform DER -content FILE` checks. No signed attributes (no signing time): RSA PKCS #1 v1.5
    over the bytes alone, so the same bytes and key give the same signature."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.serialization import pkcs7

    key = serialization.load_pem_private_key(signer.private_key, password=None)
    certificate = x509.load_pem_x509_certificate(signer.certificate)
    options = [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary, pkcs7.PKCS7Options.NoAttributes]
    return (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(data)
        .add_signer(certificate, key, hashes.SHA256())
        .sign(serialization.Encoding.DER, options)
    )


def check_detached(data: bytes, signature: bytes, certificates: list[bytes]) -> tuple[str | None, str | None]:
    """(the SHA-256 fingerprint of the certificate, of those given as PEM, under whose key a detached
    signature of `data` was made, None); (None, why) when none. The certificate the signature carries is
    not trusted: a signature is checked against the archive's own certificates only."""
    from asn1crypto import cms
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    try:
        [info] = list(cms.ContentInfo.load(signature)["content"]["signer_infos"])
        if info["signed_attrs"].native:
            return None, "the signature carries signed attributes textfile never makes"
        value = info["signature"].native
    except Exception:  # (a file that is no CMS signature: malformed DER, missing parts)
        return None, "not a CMS signature textfile made"
    for pem in certificates:
        try:
            x509.load_pem_x509_certificate(pem).public_key().verify(value, data, padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError, TypeError):
            continue
        return fingerprint(pem), None
    return None, "not a signature of these bytes under this archive's key"
