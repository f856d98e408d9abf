"""`textfile produce` (issue 20): one production of a matter in every form, recorded, audited, and
provable by `textfile verify DIR` and by `sha256sum -c SHA256SUMS`."""

from __future__ import annotations

import csv
import io
import json
import shutil
import stat
import subprocess
from pathlib import Path

import pikepdf
import pytest
from conftest import CORPUS, FIXTURES, OWNER
from imessage_build import build_modern
from typer.testing import CliRunner

from textfile.archive import Archive
from textfile.cli import app
from textfile.ingest import import_path
from textfile.produce import loadfiles
from textfile.produce.rsmf_check import validate

SPAN = "leak under the sink"  # the words redacted (an Android MMS of the fixtures: "Photo of the leak under the sink")


def run(archive_path: Path, *args):
    result = CliRunner().invoke(app, ["--archive", str(archive_path), *map(str, args)], catch_exceptions=False)
    return result


@pytest.fixture(scope="module")
def matter(tmp_path_factory):
    """Every fixture export of the three sources, every conversation filed to matter M-1 of Sam Client,
    a redaction, a privileged note; produced once into `out`."""
    base = tmp_path_factory.mktemp("produce")
    path = base / "archive.db"
    with Archive.create(path, **OWNER) as archive:
        for export in sorted((FIXTURES / "android").glob("[sc][ma]*-2024*.xml")):
            import_path(archive, export)
        for export in sorted((FIXTURES / "whatsapp").glob("WhatsApp Chat*")):
            import_path(archive, export, me="Alex Owner")
        import_path(archive, build_modern(base / "home"))
        conversations = [r[0] for r in archive.conn.execute("SELECT id FROM conversations ORDER BY id")]
    assert run(path, "client", "add", "Sam Client", "--phone", "+12025550143").exit_code == 0
    assert run(path, "matter", "open", "M-1", "--client", "Sam Client", "--title", "Lease").exit_code == 0
    for c in json.loads(run(path, "conversations", "--unfiled", "--json").output):  # (Sam's are filed already)
        assert run(path, "file", c["id"], "--matter", "M-1").exit_code == 0
    redacted = run(path, "search", SPAN, "--json")
    [hit] = json.loads(redacted.output)
    assert run(path, "redact", hit["id"][:16], "--span", SPAN, "--reason", "PII").exit_code == 0
    assert run(path, "note", "add", "M-1", "Advice on the leak.", "--privileged").exit_code == 0
    out = base / "vol1"
    made = run(path, "produce", "M-1", "--out", out, "--json")
    assert made.exit_code == 0, made.output
    return {"path": path, "out": out, "made": json.loads(made.output), "conversations": conversations, "base": base}


def files_of(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_the_folder_holds_every_part_private(matter):
    out, made = matter["out"], matter["made"]
    files = files_of(out)
    natives = [f for f in files if f.startswith("NATIVES/")]
    rsmf = [f for f in files if f.startswith("RSMF/")]
    assert [f for f in files if not f.startswith(("NATIVES/", "RSMF/", "TEXT/"))] == [
        "CERTIFICATION.pdf",
        "CERTIFICATION.txt",
        "DATA/loadfile.dat",
        "DATA/loadfile.opt",
        "DATA/messages.csv",
        "DATA/messages.jsonl",
        "DATA/privilege-log.csv",
        "DATA/redaction-log.csv",
        "IMAGES/TF-000001.pdf",
        "README.txt",
        "SHA256SUMS",
        "SHA256SUMS.p7s",
        "signing-certificate.pem",
    ]
    assert len(rsmf) == len(matter["conversations"]) == made["rsmf"]
    assert len(natives) == made["natives"] > 0
    assert sorted(f for f in files if f.startswith("TEXT/")) == sorted(
        ["TEXT/TF-000001.txt", *(f"TEXT/{Path(n).stem}.txt" for n in natives)]
    )
    assert made["files"] == len(files)
    for p in [out, *out.rglob("*")]:
        assert stat.S_IMODE(p.stat().st_mode) == (0o700 if p.is_dir() else 0o600), p


def test_sha256sum_and_verify_accept_it(matter):
    out = matter["out"]
    checked = subprocess.run(["sha256sum", "-c", "--strict", "SHA256SUMS"], cwd=out, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count(": OK") == len(files_of(out)) - 2
    assert openssl_verifies(out) is True
    verified = run(matter["path"], "verify", out, "--json")
    assert verified.exit_code == 0, verified.output
    [report] = json.loads(verified.output)
    assert report["ok"] is True and report["problems"] == [] and report["production"] == 1
    assert report["bates"] == [matter["made"]["bates_first"], matter["made"]["bates_last"]]
    # the whole archive's check says it read no production's folder, and what does
    whole = run(matter["path"], "verify")
    assert whole.exit_code == 0, whole.output
    assert whole.stdout.splitlines()[-1] == (
        "  1 production: its folder is not read here; textfile verify DIR checks it (textfile productions lists them)"
    )


@pytest.mark.parametrize(
    "tamper, said",
    [
        (lambda d: _flip(d / "DATA" / "messages.csv"), "DATA/messages.csv: changed"),
        (lambda d: (d / "DATA" / "extra.txt").write_text("x"), "DATA/extra.txt: not part of the production"),
        (lambda d: (d / "README.txt").unlink(), "README.txt: missing"),
        (lambda d: _append(d / "IMAGES" / "TF-000001.pdf"), "IMAGES/TF-000001.pdf"),
        (lambda d: _flip(d / "SHA256SUMS.p7s", at=-5), "SHA256SUMS.p7s: not a signature of these bytes"),
        (lambda d: (d / "SHA256SUMS.p7s").unlink(), "SHA256SUMS.p7s is missing"),
    ],
)
def test_a_tampered_copy_is_caught_by_verify_and_by_sha256sum(matter, tmp_path, tamper, said):
    copy = tmp_path / "copy"
    shutil.copytree(matter["out"], copy)
    tamper(copy)
    result = run(matter["path"], "verify", copy)
    assert result.exit_code == 3
    assert said in result.output
    if "p7s" in said:  # (the files are as listed; the list's signature is what changed)
        assert openssl_verifies(copy) is False
    elif "extra" not in said:
        assert (
            subprocess.run(["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=copy, capture_output=True).returncode != 0
        )


def openssl_verifies(folder: Path) -> bool:
    """What the other side runs on SHA256SUMS.p7s (README.txt): True when openssl says the signature is good."""
    signed = subprocess.run(
        readme_command(folder, "openssl cms -verify"),
        shell=True,
        cwd=folder,
        capture_output=True,
        text=True,
        executable="/bin/bash",
    )
    return signed.returncode == 0 and "Verification successful" in signed.stderr


def readme_command(folder: Path, starting: str) -> str:
    """The command README.txt gives that starts with `starting`, its continued lines joined, as the other side types it."""
    lines = (folder / "README.txt").read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip().startswith(starting))
    command = ""
    for line in lines[at:]:
        command += line.strip().removesuffix("\\") + " "
        if not line.rstrip().endswith("\\"):
            break
    return command


def _flip(path: Path, at: int | None = None) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2 if at is None else at] ^= 1
    path.write_bytes(bytes(data))


def _append(path: Path) -> None:
    with open(path, "ab") as fp:
        fp.write(b"\n% appended\n")


def test_every_rsmf_validates_and_carries_the_redaction(matter):
    schema_path = CORPUS / "rsmf" / "rsmf_schema_2_0_0.json"
    schema = json.loads(schema_path.read_text()) if schema_path.exists() else None
    problems = {p.name: validate(p.read_bytes(), schema) for p in sorted((matter["out"] / "RSMF").iterdir())}
    assert problems == {name: [] for name in problems}
    bodies = [
        e.get("body") for p in sorted((matter["out"] / "RSMF").iterdir()) for e in opened(p.read_bytes())["events"]
    ]
    assert [b for b in bodies if b and "[REDACTED" in b] == ["Photo of the [REDACTED: PII]"]
    assert not any(SPAN in (b or "") for b in bodies)


def opened(data: bytes) -> dict:
    """An .rsmf's manifest."""
    import zipfile
    from email import policy
    from email.parser import BytesParser

    (part,) = list(BytesParser(policy=policy.default).parsebytes(data).iter_attachments())
    with zipfile.ZipFile(io.BytesIO(part.get_payload(decode=True))) as z:
        return json.loads(z.read("rsmf_manifest.json"))


def test_the_redacted_words_are_nowhere_in_the_production(matter):
    out = matter["out"]
    for f in files_of(out):
        data = (out / f).read_bytes()
        assert SPAN.encode() not in data, f
    text = (out / "DATA" / "messages.csv").read_text(encoding="utf-8-sig")
    assert "Photo of the [REDACTED: PII]" in text
    with pikepdf.open(out / "IMAGES" / "TF-000001.pdf") as pdf:
        assert len(pdf.pages) == matter["made"]["pages"]
    log = list(csv.reader(io.StringIO((out / "DATA" / "redaction-log.csv").read_text())))
    assert log[0] == ["Redaction", "Bates", "Message", "Message ID", "Reason"]
    assert [row[0] for row in log[1:]] == ["1"] and log[1][4] == "PII"


def test_bates_run_on_without_a_gap_across_pdfs_and_natives(matter):
    out, made = matter["out"], matter["made"]
    dat = loadfiles.parse_dat((out / "DATA" / "loadfile.dat").read_bytes())
    numbers = []
    for record in dat:
        first, last = int(record["BEGBATES"].rsplit("-", 1)[1]), int(record["ENDBATES"].rsplit("-", 1)[1])
        numbers += range(first, last + 1)
    assert numbers == list(range(1, len(numbers) + 1))
    assert f"TF-{numbers[-1]:06d}" == made["bates_last"]
    opt = loadfiles.parse_opt((out / "DATA" / "loadfile.opt").read_bytes())
    assert len(opt) == made["pages"] and opt[0].page_count == made["pages"] and opt[0].document_break
    pdf_range = range(1, made["pages"] + 1)
    rows = list(csv.DictReader(io.StringIO((out / "DATA" / "messages.csv").read_text(encoding="utf-8-sig"))))
    assert len(rows) == made["messages"]
    assert all(int(r["bates"].rsplit("-", 1)[1]) in pdf_range for r in rows)
    for record in dat:
        assert (out / record["TEXTLINK"]).is_file()
        if record["NATIVELINK"]:
            assert (out / record["NATIVELINK"]).is_file()


def test_the_production_is_recorded_and_audited_without_text(matter):
    with Archive.open(matter["path"]) as archive:
        conn = archive.conn
        row = conn.execute("SELECT * FROM productions").fetchone()
        assert (row["id"], row["bates_prefix"], row["bates_first"]) == (1, "TF", 1)
        files = conn.execute("SELECT count(*) FROM production_files").fetchone()[0]
        assert files == matter["made"]["files"] - 2  # (SHA256SUMS, its sha256 the production's; its signature)
        assert conn.execute("SELECT count(*) FROM production_messages").fetchone()[0] == matter["made"]["messages"]
        [details] = [json.loads(d) for (d,) in conn.execute("SELECT details FROM audit_log WHERE command = 'produce'")]
        assert details["production"] == 1 and details["bates"] == [
            matter["made"]["bates_first"],
            matter["made"]["bates_last"],
        ]
        entries = " ".join(d for (d,) in conn.execute("SELECT details FROM audit_log"))
        assert SPAN not in entries


def test_refusals_leave_the_archive_and_folder_as_they_were(matter, tmp_path):
    path = matter["path"]
    again = run(path, "produce", "M-1", "--out", tmp_path / "again")
    assert again.exit_code == 1 and "produced before" in again.output and "--reproduce" in again.output
    assert not (tmp_path / "again").exists()
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    busy = run(path, "produce", "M-1", "--out", tmp_path / "full", "--reproduce")
    assert busy.exit_code == 1 and "not empty" in busy.output
    assert run(path, "produce", "M-1", "--out", tmp_path / "n", "--conversation", 999).exit_code == 1
    assert run(path, "produce", "NOPE", "--out", tmp_path / "n").exit_code == 1
    around = run(path, "produce", "M-1", "--out", tmp_path / "n", "--context", 2, "--reproduce")
    assert around.exit_code == 1 and "give --from or --until too" in around.output
    assert not (tmp_path / "n").exists()
    with Archive.open(path) as archive:
        assert archive.conn.execute("SELECT count(*) FROM productions").fetchone()[0] == 1


def test_exhibits_one_per_conversation_numbered_on(matter, tmp_path):
    path = matter["path"]
    made = run(
        path, "produce", "M-1", "--out", tmp_path / "ex", "--exhibits", "--exhibit-start", "A", "--reproduce", "--json"
    )
    assert made.exit_code == 0, made.output
    result = json.loads(made.output)
    assert [p["exhibit"] for p in result["pdfs"]] == [
        f"Exhibit {chr(65 + i)}" for i in range(len(matter["conversations"]))
    ]
    # one series: this production starts where the first one ended
    assert result["bates_first"] == f"TF-{int(matter['made']['bates_last'].rsplit('-', 1)[1]) + 1:06d}"
    firsts = [int(p["bates"][0].rsplit("-", 1)[1]) for p in result["pdfs"]]
    lasts = [int(p["bates"][1].rsplit("-", 1)[1]) for p in result["pdfs"]]
    assert firsts[1:] == [n + 1 for n in lasts[:-1]]
    assert result["reproduces"][0]["production"] == 1
    certification = " ".join((tmp_path / "ex" / "CERTIFICATION.txt").read_text().split())
    assert "It produces again, under new Bates numbers, messages produced before: " in certification
    assert "messages of production 1 (TF-0000" in certification
    assert "It repeats messages produced before, under other numbers: " in (tmp_path / "ex" / "README.txt").read_text()
    assert run(path, "verify", tmp_path / "ex").exit_code == 0


def test_a_production_made_again_is_the_same_bytes_file_for_file(matter, tmp_path):
    path, out = matter["path"], matter["out"]
    again = run(path, "produce", "M-1", "--again", 1, "--out", tmp_path / "again", "--json")
    assert again.exit_code == 0, again.output
    result = json.loads(again.output)
    assert result["identical"] is True and "differs" not in result
    assert {f: (out / f).read_bytes() for f in files_of(out)} == {
        f: (tmp_path / "again" / f).read_bytes() for f in files_of(tmp_path / "again")
    }
    verified = json.loads(run(path, "verify", tmp_path / "again", "--json").output)
    assert verified[0]["ok"] is True and verified[0]["production"] == 1
    with Archive.open(path) as archive:
        assert archive.conn.execute("SELECT count(*) FROM productions").fetchone()[0] >= 1
        [entry] = [
            json.loads(d)
            for (d,) in archive.conn.execute("SELECT details FROM audit_log WHERE command = 'produce again'")
        ]
        assert {k: entry[k] for k in ("production", "identical")} == {"production": 1, "identical": True}


def test_made_again_is_refused_when_the_archive_changed_and_says_why(matter, tmp_path):
    path = matter["path"]
    mine = run(path, "produce", "M-1", "--again", 1, "--out", tmp_path / "a", "--from", "2024-01-01")
    assert mine.exit_code == 1 and "--again makes production 1 with its own options: not with --from" in mine.output
    assert run(path, "produce", "M-2", "--again", 1, "--out", tmp_path / "a").exit_code == 1
    assert run(path, "produce", "M-1", "--again", 99, "--out", tmp_path / "a").exit_code == 1
    hit = json.loads(run(path, "search", "Thanks, got it", "--json").output)[0]
    assert run(path, "redact", hit["id"][:16], "--span", "Thanks", "--reason", "other").exit_code == 0
    changed = run(path, "produce", "M-1", "--again", 1, "--out", tmp_path / "b")
    assert changed.exit_code == 1 and "no longer holds production 1's messages as they were produced" in changed.output
    assert not (tmp_path / "b").exists()
    redactions = json.loads(run(path, "redactions", "--json").output)
    assert run(path, "unredact", redactions[-1]["id"], "--reason", "test over").exit_code == 0


def test_the_certification_window_holds_the_context_messages(matter, tmp_path):
    path = matter["path"]
    args = ["--from", "2024-03-01 12:05", "--until", "2024-03-01 12:06", "--context", 2, "--conversation", 1]
    made = run(path, "produce", "M-1", "--out", tmp_path / "ctx", *args, "--reproduce", "--json")
    assert made.exit_code == 0, made.output
    rows = list(
        csv.DictReader(io.StringIO((tmp_path / "ctx" / "DATA" / "messages.csv").read_text(encoding="utf-8-sig")))
    )
    sent = sorted(r["sent_local"] for r in rows)
    assert sent[0] < "2024-03-01 12:05" and sent[-1] > "2024-03-01 12:06"  # (the context reaches beyond the window)
    text = (tmp_path / "ctx" / "CERTIFICATION.txt").read_text()
    assert f"sent from {sent[0]}" in " ".join(text.split()), text[:1500]


def test_the_extracted_text_says_what_the_pdf_says_of_a_draft_and_a_call(matter):
    text = (matter["out"] / "TEXT" / "TF-000001.txt").read_text()
    lines = text.splitlines()
    draft = next(i for i, line in enumerate(lines) if "[DRAFT (never sent)]" in line)
    assert lines[draft].startswith("#1.3 · 2024-03-01 12:02:00 -05:00 · Alex Owner (+12025550100) · out · SMS · TF-")
    assert lines[draft + 1] == "I also wanted to ask about the deposit"
    assert "[FAILED (not delivered)]" in text and "[QUEUED (sending not confirmed)]" in text
    call = next(i for i, line in enumerate(lines) if line.startswith("#1.12 "))
    assert lines[call + 1] == "Call: incoming, 4 min 00 s"


def test_redacting_a_produced_message_warns_and_verify_says_so(matter):
    path = matter["path"]
    hit = json.loads(run(path, "search", "Sure, call me at 3", "--json").output)[0]
    made = run(path, "redact", hit["id"][:16], "--span", "call me", "--reason", "privileged")
    assert made.exit_code == 0
    assert "was produced before, unredacted, in production 1 (TF-0000" in made.stderr
    verified = run(path, "verify", matter["out"])
    assert verified.exit_code == 0
    assert "redacted since, handed over unredacted by this production: #1.2" in verified.output
    redactions = json.loads(run(path, "redactions", "--json").output)
    assert run(path, "unredact", redactions[-1]["id"], "--reason", "test over").exit_code == 0
    # words a production redacted: that production did not hand them over, and is not named
    leak = json.loads(run(path, "search", "leak under the sink", "--json").output)[0]
    first = next(r for r in json.loads(run(path, "redactions", "--json").output) if r["message_id"] == leak["id"])
    assert run(path, "unredact", first["id"], "--reason", "made again below").exit_code == 0
    # a redaction the production applied, withdrawn since: its words withheld there, shown by a production made now
    unredacted = run(path, "verify", matter["out"], "--json")
    assert unredacted.exit_code == 0, unredacted.output
    withdrawn = "redaction withdrawn since (`unredact`), applied by this production (the words withheld here, shown by"
    withdrawn += f" a production made now): #{leak['number']} (redaction {first['id']})"
    [folder] = json.loads(unredacted.output)
    assert (folder["notices"], folder["redactions_withdrawn"]) == (
        [withdrawn],
        [{"message": leak["number"], "redaction": first["id"]}],
    )
    # and each PDF of it checked alone: the one that shows the message says so, the others nothing (round 7, F)
    said = {}
    for pdf in sorted((matter["out"] / "IMAGES").glob("*.pdf")):
        [alone] = json.loads(run(path, "verify", pdf, "--json").output)
        said[pdf.name] = alone["redactions_withdrawn"]
        if alone["redactions_withdrawn"]:
            assert f"  {withdrawn}" in run(path, "verify", pdf).output.splitlines()
    assert sorted(said.values(), key=len) == [[]] * (len(said) - 1) + [folder["redactions_withdrawn"]]
    again = run(path, "redact", leak["id"][:16], "--span", "under the sink", "--reason", "PII")
    assert again.exit_code == 0 and "was produced before" not in again.stderr
    assert "redacted since" not in run(path, "verify", matter["out"]).output


def test_a_changed_sha256sums_is_caught_and_the_changed_file_named(matter, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(matter["out"], copy)
    csv_path = copy / "DATA" / "messages.csv"
    csv_path.write_bytes(csv_path.read_bytes().replace(b"Thanks, got it.", b"Thanks, got it. I never saw it."))
    sums = (copy / "SHA256SUMS").read_text().splitlines()
    digest = subprocess.run(
        ["sha256sum", "DATA/messages.csv"], cwd=copy, capture_output=True, text=True
    ).stdout.split()[0]
    fixed = [f"{digest}  DATA/messages.csv" if line.endswith("  DATA/messages.csv") else line for line in sums]
    (copy / "SHA256SUMS").write_text("\n".join(fixed) + "\n")
    assert subprocess.run(["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=copy).returncode == 0  # (fooled)
    assert openssl_verifies(copy) is False  # (not fooled: the list's signature)
    result = run(matter["path"], "verify", copy, "--json")
    assert result.exit_code == 3
    [report] = json.loads(result.stdout)
    assert report["production"] == 1
    assert "SHA256SUMS is not the one production 1 recorded: it was changed" in report["problems"]
    assert "DATA/messages.csv: changed (its sha256 is not the one produced)" in report["problems"]


def test_a_file_of_a_production_given_as_a_transcript_is_told_what_it_is(matter):
    for rel in ("CERTIFICATION.pdf", "DATA/messages.csv"):
        result = run(matter["path"], "verify", matter["out"] / rel)
        assert result.exit_code == 1
        assert f"the file {rel} of production 1, not a transcript: check the production's folder" in result.output
    assert run(matter["path"], "verify", matter["out"] / "IMAGES" / "TF-000001.pdf").exit_code == 0


def test_every_row_joins_the_other_files(matter):
    out = matter["out"]
    rows = list(csv.DictReader(io.StringIO((out / "DATA" / "messages.csv").read_text(encoding="utf-8-sig"))))
    by_number = {r["number"]: r for r in rows}
    assert by_number["#1.3"]["body"] == "I also wanted to ask about the deposit"
    natives = {
        a["bates"]: r["bates"] for r in rows for a in json.loads(r["attachments"]) if a["bates"]
    }  # native -> the page of its message
    dat = loadfiles.parse_dat((out / "DATA" / "loadfile.dat").read_bytes())
    assert {d["BEGBATES"]: d["PARENTBATES"] for d in dat if d["NATIVELINK"].startswith("NATIVES/")} == natives
    replies = [r for r in rows if r["reply_to"]]
    assert replies and all(r["reply_to_message_id"] in {x["message_id"] for x in rows} | {""} for r in replies)
    assert any(r["reply_to_message_id"] for r in replies)
    assert {r["context"] for r in rows} == {"False"}


def test_readme_s_commands_catch_what_sha256sum_alone_does_not(matter, tmp_path):
    """Another key's signature of a rewritten SHA256SUMS, and a file added: README.txt's own commands
    (openssl pinned to the production's certificate; the listing against SHA256SUMS) catch both."""
    import cryptography.hazmat.primitives.serialization as serialization
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.serialization import pkcs7

    from textfile.produce import signing

    copy = tmp_path / "copy"
    shutil.copytree(matter["out"], copy)
    listed = "find . -type f"
    extra = subprocess.run(
        readme_command(copy, listed), shell=True, cwd=copy, capture_output=True, text=True, executable="/bin/bash"
    )
    assert extra.stdout == ""  # (nothing but the listed files)
    (copy / "NATIVES" / "extra.jpg").write_bytes(b"x")
    extra = subprocess.run(
        readme_command(copy, listed), shell=True, cwd=copy, capture_output=True, text=True, executable="/bin/bash"
    )
    assert extra.stdout == "NATIVES/extra.jpg\n"
    other = signing._write_new_key(tmp_path / "other.pem", "Mallory", "x")
    from cryptography import x509

    forged = (
        pkcs7.PKCS7SignatureBuilder()
        .set_data((copy / "SHA256SUMS").read_bytes())
        .add_signer(
            x509.load_pem_x509_certificate(other.certificate),
            serialization.load_pem_private_key(other.private_key, None),
            hashes.SHA256(),
        )
        .sign(
            serialization.Encoding.DER,
            [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary, pkcs7.PKCS7Options.NoAttributes],
        )
    )
    (copy / "SHA256SUMS.p7s").write_bytes(forged)
    assert openssl_verifies(copy) is False
    assert "not a signature of these bytes under this archive's key" in run(matter["path"], "verify", copy).output


def test_a_disposed_matter_s_production_still_verifies_against_its_record(cli, archive, tmp_path):
    from conftest import ingest_records, msg

    assert cli("client", "add", "Sam Client", "--phone", "+12025550143").exit_code == 0
    assert cli("matter", "open", "M-9", "--client", "Sam Client", "--title", "Old").exit_code == 0
    ingest_records(archive, [msg(n, out=n % 2 == 0) for n in range(1, 5)])
    assert cli("produce", "M-9", "--out", tmp_path / "p").exit_code == 0
    assert cli("matter", "close", "M-9").exit_code == 0
    assert cli("retention", "set", "--matter", "M-9", "--years", "0").exit_code == 0
    disposed = cli("dispose", "M-9", "--confirm", "--reason", "over", "--out", tmp_path / "cert.pdf")
    assert disposed.exit_code == 0, disposed.output
    assert str(tmp_path / "p") in disposed.output  # (the production folder is named for deletion)
    verified = cli("verify", tmp_path / "p")
    assert verified.exit_code == 0, verified.output
    assert "matter M-9 was disposed of on" in verified.output
    with archive.transaction() as conn:  # (its day on the archive's clock: 21:00 on 1 March in New York)
        conn.execute("UPDATE disposals SET disposed_at = '2026-03-02T02:00:00.000Z'")
    assert "matter M-9 was disposed of on 2026-03-01: the archive keeps" in cli("verify", tmp_path / "p").output
    _flip(tmp_path / "p" / "DATA" / "messages.csv")
    assert cli("verify", tmp_path / "p").exit_code == 3


def test_productions_lists_the_log(matter, monkeypatch):
    listed = json.loads(run(matter["path"], "productions", "M-1", "--json").output)
    assert listed[0] == {
        "production": 1,
        "matter": "M-1",
        "made_at": listed[0]["made_at"],
        "made_by": listed[0]["made_by"],
        "bates_first": matter["made"]["bates_first"],
        "bates_last": matter["made"]["bates_last"],
        "messages": matter["made"]["messages"],
        "files": matter["made"]["files"],
        "folder": str(matter["out"]),
        "reproduces": [],
        "listed": matter["made"]["files"] - 2,  # (all but SHA256SUMS and SHA256SUMS.p7s)
    }
    assert all(p["reproduces"] for p in listed[1:])  # (the later ones of this module: --reproduce)
    monkeypatch.setenv("COLUMNS", "80")
    shown = run(matter["path"], "productions").output
    assert all(len(line) <= 80 for line in shown.splitlines()) and "TF-000001–" in shown
    assert run(matter["path"], "productions", "NOPE").exit_code == 1


def test_a_production_of_some_conversations_logs_no_privileged_note_about_the_others(cli, archive, tmp_path):
    """--conversation scopes the privilege log as the window does: a privileged note about messages of a
    conversation the production leaves out is not its business (nor counted as withheld); one about a
    message it produces is logged, and so is one about the matter as a whole."""
    from textfile import audit, times

    assert cli("client", "add", "Sam Client", "--phone", "(202) 555-0143").exit_code == 0
    assert cli("matter", "open", "2026-014", "--client", "Sam Client", "--title", "Custody").exit_code == 0
    assert cli("import", FIXTURES / "android" / "sms-20240301.xml", "--quiet").exit_code == 0
    assert cli("note", "add", "2026-014", "memo", "--about", "#1.3", "--privileged").exit_code == 0
    assert cli("note", "add", "2026-014", "the group", "--about", "#4.1", "--privileged").exit_code == 0
    assert cli("note", "add", "2026-014", "strategy", "--privileged").exit_code == 0
    made = cli("produce", "2026-014", "--out", tmp_path / "z", "--conversation", "4")
    assert made.exit_code == 0, made.output
    assert "  2 privileged notes withheld, in its privilege log\n" in made.stdout
    tz = times.zone(archive.settings.tz)
    dated = dict(archive.conn.execute("SELECT id, created_at FROM notes"))
    me = audit.current_user()
    with open(tmp_path / "z" / "DATA" / "privilege-log.csv", newline="", encoding="utf-8") as fp:
        assert list(csv.reader(fp)) == [
            ["Note", "Version", "Date", "Author", "Type", "Messages", "Basis"],
            ["2", "1", times.display(dated[2], tz), me, "Memo to file", "#4.1", "Attorney work product"],
            [
                "3",
                "1",
                times.display(dated[3], tz),
                me,
                "Memo to file",
                "the matter as a whole",
                "Attorney work product",
            ],
        ]


def _everything_in(folder: Path) -> dict[str, bytes]:
    """Every byte a production hands over, opened: each file, each PDF stream decompressed (the embedded
    manifest among them), each RSMF's zip members."""
    import zipfile
    from email import policy
    from email.parser import BytesParser

    found = {}
    for f in files_of(folder):
        data = (folder / f).read_bytes()
        found[f] = data
        if f.endswith(".pdf") and not f.startswith("NATIVES/"):  # (a native is the bytes the phone had)
            with pikepdf.open(folder / f) as pdf:
                for obj in pdf.objects:
                    if isinstance(obj, pikepdf.Stream):
                        found[f"{f}#{obj.objgen}"] = obj.read_bytes()
        if f.endswith(".rsmf"):
            (part,) = list(BytesParser(policy=policy.default).parsebytes(data).iter_attachments())
            with zipfile.ZipFile(io.BytesIO(part.get_payload(decode=True))) as z:
                found.update({f"{f}!{name}": z.read(name) for name in z.namelist()})
    return found


def test_a_redacted_message_s_id_and_content_hash_are_keyed_in_every_file(matter):
    """Both are sha256 over the words a redaction withholds (the content hash always, the id of a WhatsApp or
    Android SMS message): a production shows them keyed, the same in every file, and verify ties them back."""
    import sqlite3

    out = matter["out"]
    with sqlite3.connect(matter["path"]) as conn:
        [(mid, digest)] = conn.execute(
            "SELECT m.id, m.content_hash FROM redactions r JOIN messages m ON m.id = r.message_id WHERE r.id = 1"
        ).fetchall()  # (the one the production applied; a later test redacts another)
        ids = {r[0] for r in conn.execute("SELECT id FROM messages")}
    leaked = {name: [v for v in (mid, digest) if v[:16].encode() in data] for name, data in _everything_in(out).items()}
    assert {name: found for name, found in leaked.items() if found} == {}
    rows = list(csv.DictReader(io.StringIO((out / "DATA" / "messages.csv").read_text(encoding="utf-8-sig"))))
    [row] = [r for r in rows if "[REDACTED" in r["body"]]
    keyed_id, keyed_hash = row["message_id"], row["content_hash"]
    assert keyed_id.startswith("redacted-") and keyed_hash.startswith("redacted-") and len(keyed_id) == 73
    assert {r["message_id"] for r in rows if r is not row} <= ids  # (the others as the archive has them)
    jsonl = [json.loads(line) for line in (out / "DATA" / "messages.jsonl").read_text().splitlines()]
    assert [(r["message_id"], r["content_hash"]) for r in jsonl if "[REDACTED" in r["body"]] == [(keyed_id, keyed_hash)]
    log = list(csv.DictReader(io.StringIO((out / "DATA" / "redaction-log.csv").read_text())))
    assert [r["Message ID"] for r in log] == [keyed_id]
    events = [e for p in sorted((out / "RSMF").iterdir()) for e in opened(p.read_bytes())["events"]]
    [event] = [e for e in events if "[REDACTED" in (e.get("body") or "")]
    custom = {c["name"]: c["value"] for c in event["custom"]}
    assert (event["id"], custom["Message ID"], custom["Content hash"]) == (keyed_id, keyed_id, keyed_hash)
    from textfile.transcript import manifest

    data = json.loads(manifest.read(out / "IMAGES" / "TF-000001.pdf"))
    assert [keyed_id, keyed_hash] in data["messages"] and list(data["scope"]["redactions"]) == [keyed_id]
    checked = run(matter["path"], "verify", out / "IMAGES" / "TF-000001.pdf", "--json")
    assert checked.exit_code == 0 and json.loads(checked.output)[0]["ok"] is True, checked.output


def test_without_the_key_a_keyed_production_pdf_is_said_not_tied_to_the_archive(matter, monkeypatch, tmp_path):
    monkeypatch.setenv("TEXTFILE_KEY", str(tmp_path / "no-key"))
    checked = run(matter["path"], "verify", matter["out"] / "IMAGES" / "TF-000001.pdf")
    assert checked.exit_code == 3
    assert (
        "the redacted messages it names by keyed ids (1) cannot be tied to the archive without the key that seals"
        f" its audit log: {tmp_path / 'no-key'}: no key is there (set $TEXTFILE_KEY to where it is)" in checked.output
    )


def test_keyed_values_replace_whole_strings_only():
    from textfile.transcript.keyed import Keyed

    keyed = Keyed({"a" * 64: "redacted-x"})
    value = {"a" * 64: ["a" * 64, f"text {'a' * 64}", 3, None], "body": "a" * 63}
    assert keyed(value) == {"redacted-x": ["redacted-x", f"text {'a' * 64}", 3, None], "body": "a" * 63}


def test_the_three_file_counts_are_said_with_what_each_counts(matter, tmp_path):
    """Second reader, round 9: `produce` said 22 files, `productions --json` 24, the certification 20, and
    none said what it counted. `produce` now ties them, each to what it counts in the folder."""
    import re

    out = tmp_path / "again"
    made = run(matter["path"], "produce", "M-1", "--reproduce", "--out", out)
    assert made.exit_code == 0, made.output
    in_folder = files_of(out)
    sums = (out / "SHA256SUMS").read_text().splitlines()
    [schedule] = re.findall(r"^Files: (\d+),", (out / "CERTIFICATION.txt").read_text(), re.M)
    assert (len(sums), int(schedule)) == (len(in_folder) - 2, len(in_folder) - 4)
    lines = [line.strip() for line in made.output.splitlines()]
    assert f"{len(in_folder)} files: {len(sums)} listed in SHA256SUMS, which SHA256SUMS.p7s signs;" in lines
    assert f"the certification's Schedule B lists {schedule} (all but CERTIFICATION.pdf and .txt)." in lines
    [listed] = [p for p in json.loads(run(matter["path"], "productions", "--json").output) if p["folder"] == str(out)]
    assert (listed["files"], listed["listed"]) == (len(in_folder), len(sums))


def test_a_text_the_export_holds_but_that_could_not_be_read_is_said_so_in_every_form(matter):
    """Second reader, round 10: the iMessage fixture's row whose attributedBody cannot be decoded (the import
    warns of it) was shown as "[no text]", a client seeming to send an empty message."""
    import subprocess

    out = matter["out"]
    mark = "TEXT NOT READABLE (in the export, but it could not be decoded)"
    pdf_text = subprocess.run(
        ["pdftotext", "-layout", out / "IMAGES" / "TF-000001.pdf", "-"], capture_output=True, text=True, check=True
    ).stdout
    assert mark in " ".join(pdf_text.split())
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted((out / "TEXT").glob("*.txt")))
    assert text.count(f"[{mark}]") == 1
    events = [e for p in sorted((out / "RSMF").iterdir()) for e in opened(p.read_bytes())["events"]]
    [event] = [e for e in events if mark in (e.get("body") or "")]
    assert event["body"] == f"[{mark}]"
    assert {c["name"]: c["value"] for c in event["custom"]}["Flags"] == "unreadable_body"
    jsonl = [json.loads(line) for line in (out / "DATA" / "messages.jsonl").read_text().splitlines()]
    assert [(r["body"], r["flags"]) for r in jsonl if "unreadable_body" in r["flags"]] == [("", ["unreadable_body"])]
    rows = list(csv.DictReader(io.StringIO((out / "DATA" / "messages.csv").read_text(encoding="utf-8-sig"))))
    assert [r["flags"] for r in rows if "unreadable" in r["flags"]] == ['["unreadable_body"]']


def test_only_a_text_an_import_reported_unreadable_is_taken_for_one(tmp_path):
    from textfile.transcript.content.unreadable import unreadable

    with Archive.create(tmp_path / "a.db", **OWNER) as archive:
        import_path(archive, build_modern(tmp_path / "home"))
        import_path(archive, FIXTURES / "android" / "sms-20240301.xml")
        empty = dict(archive.conn.execute("SELECT id, source_id FROM messages WHERE flags LIKE '%empty_body%'"))
        found = unreadable(archive.conn, list(empty))
    assert len(empty) > 1  # (an Android MMS with no text among them: "no text", as it is)
    assert [empty[m] for m in found] == ["5E1F0000-0000-4000-8000-000000000011"]


def test_a_reply_to_a_redacted_message_outside_the_production_names_it_keyed(tmp_path):
    """Round 11: with a window, a reply whose target is a redacted message before it named the target by its
    real id (reply_to_message_id, the RSMF's "Reply to"), tying it to the keyed id of other productions."""
    path = tmp_path / "archive.db"
    with Archive.create(path, **OWNER) as archive:
        import_path(archive, build_modern(tmp_path / "home"))
    assert run(path, "client", "add", "Sam Client", "--phone", "+12025550123").exit_code == 0
    assert run(path, "matter", "open", "M-1", "--client", "Sam Client", "--title", "Lease").exit_code == 0
    assert run(path, "redact", "#1.1", "--span", "Tuesday", "--reason", "PII").exit_code == 0
    made = run(path, "produce", "M-1", "--from", "2024-03-01 12:10", "--out", tmp_path / "vol1")
    assert made.exit_code == 0, made.output
    with Archive.open(path) as archive:
        (target,) = archive.conn.execute("SELECT message_id FROM redactions").fetchone()
    leaked = {name: data for name, data in _everything_in(tmp_path / "vol1").items() if target[:16].encode() in data}
    assert leaked == {}
    rows = list(
        csv.DictReader(io.StringIO((tmp_path / "vol1" / "DATA" / "messages.csv").read_text(encoding="utf-8-sig")))
    )
    assert [r["reply_to_message_id"][:9] for r in rows if r["reply_to_message_id"]] == ["redacted-"]


def test_a_production_says_what_took_its_series_numbers_before_it(cli, archive, tmp_path):
    """Second reader, round 9: a working transcript takes numbers of the archive's series, so a production may
    start at TF-000006 with no word of TF-000001 to TF-000005. Its README.txt says what they were, in order: the
    owner's own transcripts, not produced; earlier productions; numbers a --bates-start passed over, not used."""
    from conftest import ingest_records, msg

    assert cli("client", "add", "Sam Client", "--phone", "+12025550143").exit_code == 0
    assert cli("matter", "open", "M-9", "--client", "Sam Client", "--title", "Old").exit_code == 0
    ingest_records(archive, [msg(n, out=n % 2 == 0) for n in range(1, 5)])
    assert cli("produce", "M-9", "--out", tmp_path / "p1").exit_code == 0  # (it starts the series: nothing before)
    readme = (tmp_path / "p1" / "README.txt").read_text()
    assert "The numbers before it" not in readme
    for args in (
        ("transcript", "M-9", "--out", tmp_path / "t1.pdf"),
        ("transcript", "M-9", "--out", tmp_path / "t2.pdf"),
        ("transcript", "M-9", "--out", tmp_path / "t3.pdf", "--bates-start", "9"),
    ):
        assert cli(*args).exit_code == 0, args
    ranges = archive.conn.execute("SELECT bates_first, bates_last FROM transcripts ORDER BY id").fetchall()
    (p1_first, p1_last), t1, t2, t3 = [tuple(r) for r in ranges]
    assert (p1_first, t1[0], t2[0], t3[0]) == (1, p1_last + 1, t1[1] + 1, 9) and t2[1] < 8
    made = cli("produce", "M-9", "--out", tmp_path / "p2", "--reproduce")
    assert made.exit_code == 0, made.output
    readme = (tmp_path / "p2" / "README.txt").read_text()
    b = lambda n: f"TF-{n:06d}"  # noqa: E731
    assert (
        f" The numbers before it in this series: {b(1)} to {b(p1_last)}: production 1; {b(t1[0])} to {b(t2[1])}:"
        f" transcripts made for the archive owner's own file, not produced; {b(t2[1] + 1)} to {b(8)}: not used;"
        f" {b(9)} to {b(t3[1])}: transcripts made for the archive owner's own file, not produced. WHAT IS HERE"
    ) in " ".join(readme.split())
    said = readme[readme.index("The numbers before it") :].split("\n\n")[0]
    assert len(said.splitlines()) > 1 and max(len(line) for line in said.splitlines()) <= 100  # (README.txt's width)
    again = cli("produce", "M-9", "--again", "2", "--out", tmp_path / "p2-again")
    assert again.exit_code == 0, again.output
    assert (tmp_path / "p2-again" / "README.txt").read_text() == readme
    # each message repeated is counted once, however many productions held it before (second reader, round 13)
    assert "  It repeats 4 messages of production 1\n" in made.stdout
    third = cli("produce", "M-9", "--out", tmp_path / "p3", "--reproduce")
    assert "  It repeats 4 messages of productions 1, 2\n" in third.stdout, third.stdout
    assert json.loads(cli("produce", "M-9", "--out", tmp_path / "p4", "--reproduce", "--json").stdout)["repeated"] == 4
