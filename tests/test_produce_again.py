"""A production or a transcript made again after later imports (issue 20: `produce --again N`): it is made
as of the imports it knew. An export imported since that holds its messages (the same file again, a client's
phone again, the next backup) adds sightings, not changes: every file comes out the same bytes and `verify`
proves it; a file that still comes out otherwise is named, exit 3; messages the archive holds otherwise are
refused before anything is written."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT, snapshot
from earlier_release import run, textfile_of

from textfile.archive import Archive
from textfile.fingerprint import file_sha256
from textfile.transcript import make_transcript, manifest

OWNER_XML = FIXTURES / "android" / "sms-20240301.xml"
NEWER_XML = FIXTURES / "android" / "sms-20240308.xml"  # the owner's next backup: those messages, and two more
CLIENT_XML = FIXTURES / "android" / "client_phone.xml"
DELETED = "Sure, call me at 3."  # an SMS of the thread with Sam in both backups
CORRUPT = "JVBERi0xLjQK%%%not*base64"  # the MMS part in both backups that is not base64 (its file not archived)


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def imported(cli, *args) -> None:
    r = cli("import", *args)
    assert r.exit_code == 0, r.output


@pytest.fixture
def filed(cli):
    """Sam Client's matter M-1, the owner's backup and Sam's own phone imported, every conversation filed
    to it: messages found on two phones, some recorded there at another time."""
    assert cli("client", "add", "Sam Client", "--phone", "+12025550143").exit_code == 0
    assert cli("matter", "open", "M-1", "--client", "Sam Client", "--title", "Lease").exit_code == 0
    imported(cli, OWNER_XML)
    imported(cli, CLIENT_XML, "--custodian", "Sam Client")
    for c in json.loads(cli("conversations", "--unfiled", "--json").stdout):
        assert cli("file", c["id"], "--matter", "M-1").exit_code == 0
    return cli


def sightings_since(archive, first_import: int) -> tuple[int, int]:
    """How many sightings, and other phones' copies, the imports from `first_import` on recorded."""
    conn = archive.conn
    return (
        conn.execute("SELECT count(*) FROM message_sources WHERE import_id >= ?", (first_import,)).fetchone()[0],
        conn.execute("SELECT count(*) FROM phone_copies WHERE import_id >= ?", (first_import,)).fetchone()[0],
    )


def test_made_again_after_the_same_exports_are_imported_again_is_the_same_bytes(filed, archive, tmp_path):
    cli = filed
    made = cli("produce", "M-1", "--exhibits", "--out", tmp_path / "vol1")
    assert made.exit_code == 0, made.output
    # The same two exports again: no message added or changed, a sighting of each by a new import.
    imported(cli, OWNER_XML)
    imported(cli, CLIENT_XML, "--custodian", "Sam Client")
    assert sightings_since(archive, 3) == (25, 0)
    again = cli("produce", "M-1", "--again", 1, "--out", tmp_path / "vol1-again")
    assert (again.exit_code, again.stderr) == (0, ""), again.output
    assert again.stdout == (
        f"Production 1 of M-1 made again in {tmp_path / 'vol1-again'}: every file is the same, byte for byte"
        " (SHA256SUMS too).\n"
    )
    assert files_of(tmp_path / "vol1-again") == files_of(tmp_path / "vol1")
    verified = cli("verify", tmp_path / "vol1-again", "--json")
    assert verified.exit_code == 0, verified.output
    assert [(v["ok"], v["production"]) for v in json.loads(verified.stdout)] == [(True, 1)]
    # The next backup holds two messages more (in the production's window: it has none): a later import
    # added them, the production was made without them, and it is made again without them.
    imported(cli, NEWER_XML)
    third = cli("produce", "M-1", "--again", 1, "--out", tmp_path / "vol1-third")
    assert (third.exit_code, third.stderr) == (0, ""), third.output
    assert files_of(tmp_path / "vol1-third") == files_of(tmp_path / "vol1")
    verified = cli("verify", tmp_path / "vol1-third")
    assert (verified.exit_code, verified.stderr) == (0, "")


def test_the_next_backup_changes_no_file_of_a_windowed_production(filed, archive, tmp_path):
    cli = filed
    made = cli("produce", "M-1", "--until", "2024-03-01", "--exhibits", "--out", tmp_path / "vol1")
    assert made.exit_code == 0, made.output
    # The next backup: the produced messages again (sightings by import 3), and two later ones in the thread
    # with Sam, outside the window: its exhibit's excerpt line counts the messages the archive held when it
    # was made, not them; where the messages were found (the data's found_on, custodians, the certification's
    # sources) is as the production said.
    imported(cli, NEWER_XML)
    assert sightings_since(archive, 3) == (18, 0)
    again = cli("produce", "M-1", "--again", 1, "--out", tmp_path / "vol1-again")
    assert (again.exit_code, again.stderr) == (0, ""), again.output
    assert files_of(tmp_path / "vol1-again") == files_of(tmp_path / "vol1")
    verified = cli("verify", tmp_path / "vol1-again")
    assert (verified.exit_code, verified.stderr) == (0, "")
    # A message of its window archived otherwise since (a backup whose MMS part is whole fills it in: a new
    # version of the message): refused before anything is written.
    whole = tmp_path / "sms-20240308-whole.xml"
    whole.write_text(NEWER_XML.read_text(encoding="utf-8").replace(CORRUPT, "JVBERi0xLjQK"), encoding="utf-8")
    imported(cli, whole)
    checked = cli("verify", tmp_path / "vol1")  # (the production as handed over still proves; the archive moved on)
    assert checked.exit_code == 0, checked.output
    assert "1 produced message the archive now holds in a later version: #1.8" in checked.stdout, checked.stdout
    refused = cli("produce", "M-1", "--again", 1, "--out", tmp_path / "vol1-third")
    assert (refused.exit_code, refused.stdout) == (1, "")
    assert refused.stderr == (
        "Error: the archive no longer holds production 1's messages as they were produced (1 changed or redacted"
        " otherwise: #1.8 a later version): the same files cannot be made again (`textfile verify`"
        " the production's folder you have, or produce again with --reproduce)\n"
    )
    assert not (tmp_path / "vol1-third").exists()


def test_made_again_after_a_conversation_was_unfiled_names_its_messages(filed, archive, tmp_path):
    """A message the production showed that its matter no longer holds (unfiled since) is named by its number,
    not said gone: it is still in the archive (second reader, round 9, #4)."""
    cli = filed
    assert cli("produce", "M-1", "--out", tmp_path / "vol1").exit_code == 0
    [(conversation, messages)] = archive.conn.execute(
        "SELECT conversation_id, count(*) FROM messages WHERE conversation_id ="
        " (SELECT min(conversation_id) FROM messages) GROUP BY conversation_id"
    ).fetchall()
    assert cli("unfile", conversation, "--reason", "not the client's").exit_code == 0
    refused = cli("produce", "M-1", "--again", 1, "--out", tmp_path / "vol1-again")
    assert (refused.exit_code, refused.stdout) == (1, "")
    shown = ", ".join(f"#{conversation}.{n}" for n in range(1, min(messages, 5) + 1))
    more = f" and {messages - 5} more" if messages > 5 else ""
    assert refused.stderr == (
        f"Error: the archive no longer holds production 1's messages as they were produced ({messages} messages it"
        f" showed no longer in its scope: {shown}{more} (unfiled from the matter since, or deleted)): the same files"
        " cannot be made again (`textfile verify` the production's folder you have, or produce again with --reproduce)\n"
    )
    assert not (tmp_path / "vol1-again").exists()


def test_a_production_made_again_that_differs_says_so_in_its_folder(filed, archive, tmp_path):
    cli = filed
    made = cli("produce", "M-1", "--out", tmp_path / "vol1")
    assert made.exit_code == 0, made.output
    # A client added since names a participant of a produced group thread: the PDF shows that name.
    assert cli("client", "add", "Dana Other", "--phone", "+12025550178").exit_code == 0
    folder = tmp_path / "vol1-again"
    again = cli("produce", "M-1", "--again", 1, "--out", folder)
    differing = ["CERTIFICATION.pdf", "CERTIFICATION.txt", "IMAGES/TF-000001.pdf", "README.txt"]
    assert (again.exit_code, again.stdout) == (
        3,
        f"Production 1 of M-1 made again in {folder}: 4 of its files are not the same, as PRODUCTION-DIFFERS.txt"
        " in it says.\n",
    )
    assert again.stderr.splitlines() == said_differing(folder, differing)
    first, second = files_of(tmp_path / "vol1"), files_of(folder)
    # No certification: it would state that these files are production 1 (they are not), and a paralegal
    # sends the one in the folder with it. The note says so, and why, at the top and at its end.
    assert sorted(set(second) - set(first)) == ["PRODUCTION-DIFFERS.txt"]
    assert sorted(set(first) - set(second)) == ["CERTIFICATION.pdf", "CERTIFICATION.txt"]
    assert sorted(p for p in second if p in first and first[p] != second[p]) == [
        "IMAGES/TF-000001.pdf",
        "README.txt",
        "SHA256SUMS",
        "SHA256SUMS.p7s",
    ]
    # Its README.txt says first that it is not production 1, and lists the note, not a certification.
    assert second["README.txt"].decode() == not_the_production(first["README.txt"].decode(), archive)
    sums = hashes(first)
    image = "IMAGES/TF-000001.pdf"
    assert second["PRODUCTION-DIFFERS.txt"].decode() == "\n".join(
        [
            "PRODUCTION 1 OF MATTER M-1 MADE AGAIN: NOT THE FILES PRODUCED",
            "",
            f"This folder is NOT production 1 of matter M-1 as it was made on {made_on(archive, 1)}. It is a",
            "re-making of it from the archive as it is now, and it differs from it: do not hand it over as",
            "production 1. SHA256SUMS lists the files of this folder as they are, this one too, and",
            "SHA256SUMS.p7s signs it.",
            "",
            "WHAT DIFFERS",
            "Each file that is not the one production 1 holds, with its sha256 as produced and as here",
            '("(none)": not in that folder, or not in this one):',
            f"CERTIFICATION.pdf  produced {sums['CERTIFICATION.pdf']}  here (none)",
            f"CERTIFICATION.txt  produced {sums['CERTIFICATION.txt']}  here (none)",
            f"{image}  produced {sums[image]}  here {file_sha256(folder / image)}",
            f"README.txt  produced {sums['README.txt']}  here {file_sha256(folder / 'README.txt')}",
            "",
            "WHY",
            "Not its messages, nor their redactions: each message is the version production 1 handed",
            "over (its content hash as recorded), redacted as it was; the archive refuses to make a production",
            "again otherwise.",
            "The archive records these changes since production 1 was made, to what its files can",
            "show (it does not record which file each one changed):",
            f"  {today(archive)}  client “Dana Other” added (+12025550178: a participant's number in the"
            " conversations produced)",
            "Whether anything else changed (another version of textfile, of WeasyPrint or of its fonts), the",
            "archive does not record.",
            "",
            *NO_CERTIFICATION,
        ]
    )
    # SHA256SUMS lists every file as it is, the note too, and is signed: `sha256sum -c` passes.
    listed = sorted(p for p in second if p not in ("SHA256SUMS", "SHA256SUMS.p7s"))
    assert second["SHA256SUMS"].decode() == "".join(f"{file_sha256(folder / p)}  {p}\n" for p in listed)
    checked = subprocess.run(["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=folder, capture_output=True, text=True)
    assert (checked.returncode, checked.stdout, checked.stderr) == (0, "", "")
    said = (
        f"made again, differs from production 1 in: {', '.join(differing)} (made from the archive as it is now:"
        " PRODUCTION-DIFFERS.txt says why): it is not production 1"
    )
    verified = cli("verify", folder)
    assert (verified.exit_code, verified.stdout, verified.stderr) == (3, "", f"Error: {folder}: {said}\n")
    [report] = json.loads(cli("verify", folder, "--json").stdout)
    assert {k: report[k] for k in ("ok", "production", "matter", "problems")} == {
        "ok": False,
        "production": 1,
        "matter": "M-1",
        "problems": [said],
    }
    # The folder's own files are checked against its SHA256SUMS all the same.
    csv = folder / "DATA" / "messages.csv"
    kept = csv.read_bytes()
    csv.write_bytes(kept + b"\n")
    tampered = cli("verify", folder)
    assert (tampered.exit_code, tampered.stderr.splitlines()) == (
        3,
        [
            f"Error: {folder}: {said}",
            f"Error: {folder}: DATA/messages.csv: changed (its sha256 is not the one produced)",
        ],
    )
    csv.write_bytes(kept)
    # Taken out, the note is still named by the signed SHA256SUMS: the folder is no production.
    (folder / "PRODUCTION-DIFFERS.txt").unlink()
    stripped = cli("verify", folder)
    assert (stripped.exit_code, stripped.stderr.splitlines()) == (
        3,
        [f"Error: {folder}: {said}", f"Error: {folder}: PRODUCTION-DIFFERS.txt: missing"],
    )
    assert cli("verify", tmp_path / "vol1").exit_code == 0


def ran(previous: Path, tmp_path: Path, *then: tuple) -> Path:
    """An archive made by an earlier release (`previous`): Sam Client's matter M-1 and the owner's backup,
    then `then`'s commands, each of which must succeed. Its path."""
    db = tmp_path / "archive.db"
    init = ("init", "--owner", "Alex Owner", "--phone", "+1 202 555 0100", "--tz", "America/New_York")
    for args in [
        (*init, "--region", "US", "--bates-prefix", "TF"),
        ("client", "add", "Sam Client", "--phone", "+12025550143"),
        ("matter", "open", "M-1", "--client", "Sam Client", "--title", "Lease"),
        ("import", OWNER_XML),
        *then,
    ]:
        done = run(previous, db, *args)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
    return db


BEFORE_README = "6e72afea22ac8b9284517abd8ec0336fb3483596"  # the last commit whose folder made again kept README.txt


def test_a_folder_made_again_before_its_readme_said_so_is_still_named_by_its_readme(tmp_path):
    """A production made again that differs, by the textfile before README.txt said so: its README.txt is
    production 1's (first line "PRODUCTION 1 OF MATTER M-1 (Lease)"). With its PRODUCTION-DIFFERS.txt taken
    out, `verify DIR` still finds production 1 by that line, as it finds it by "NOT PRODUCTION 1 …" now."""
    previous = textfile_of(BEFORE_README, tmp_path / "previous", "the last commit before README.txt said so")
    db = ran(previous, tmp_path, ("import", CLIENT_XML, "--custodian", "Sam Client"))
    for c in json.loads(run(previous, db, "conversations", "--unfiled", "--json").stdout):
        assert run(previous, db, "file", c["id"], "--matter", "M-1").returncode == 0
    assert run(previous, db, "produce", "M-1", "--out", tmp_path / "vol1").returncode == 0
    assert run(previous, db, "client", "add", "Dana Other", "--phone", "+12025550178").returncode == 0
    folder = tmp_path / "vol1-again"
    assert run(previous, db, "produce", "M-1", "--again", 1, "--out", folder).returncode == 3
    readme = (folder / "README.txt").read_text(encoding="utf-8")
    assert readme == (tmp_path / "vol1" / "README.txt").read_text(encoding="utf-8")
    assert readme.startswith("PRODUCTION 1 OF MATTER M-1 (Lease)\n")

    (folder / "PRODUCTION-DIFFERS.txt").unlink()
    verified = run(ROOT, db, "verify", folder)  # (this code)

    said = (
        "made again, differs from production 1 in: CERTIFICATION.pdf, CERTIFICATION.txt, IMAGES/TF-000001.pdf"
        " (made from the archive as it is now: PRODUCTION-DIFFERS.txt says why): it is not production 1"
    )
    assert (verified.returncode, verified.stdout, verified.stderr.splitlines()) == (
        3,
        "",
        [f"Error: {folder}: {said}", f"Error: {folder}: PRODUCTION-DIFFERS.txt: missing"],
    )


NO_CERTIFICATION = [
    "NO CERTIFICATION",
    "CERTIFICATION.pdf and CERTIFICATION.txt are left out of this folder. A certification is the",
    "declaration a person signs, under penalty of perjury, that the files it lists are the production",
    "made on its date; these files are not production 1, and no production was made of them:",
    "there is nothing here to certify, and a certification here would misstate what they are.",
    "Production 1's own certification is in the folder it was made in. To hand these messages",
    "over again, make a new production of them (`textfile produce` with --reproduce): it has its own",
    "number, Bates numbers and certification.",
    "README.txt says at its top that this folder is not production 1, and lists no certification:",
    "it is not the README.txt production 1 holds for that reason, if for no other.",
    "",
]


def said_differing(folder: Path, differing: list[str]) -> list[str]:
    """What `produce --again 1` says on stderr of each file of `differing`: the certification left out on
    purpose, every other file not the one produced."""
    return [
        f"Error: {folder}: {path} left out: this folder is not production 1, and has no certification"
        " (PRODUCTION-DIFFERS.txt says why)"
        if path.startswith("CERTIFICATION.")
        else f"Error: {folder}: {path} is not the file production 1 holds (the archive changed since)"
        for path in differing
    ]


def not_the_production(produced: str, archive) -> str:
    """The README.txt of production 1 of M-1 (Lease), `produced`, as a folder made again that differs has it:
    that it is not production 1, first; PRODUCTION-DIFFERS.txt where the certification was; no certification
    to check."""
    from textfile.produce.contents import GENERATOR

    (by,) = archive.conn.execute("SELECT created_by FROM productions WHERE id = 1").fetchone()
    owner = archive.settings.owner_name
    head = "\n".join(
        [
            "NOT PRODUCTION 1 OF MATTER M-1 (Lease): MADE AGAIN, AND IT DIFFERS",
            f"This folder is production 1 made again from the archive as it is now, with {GENERATOR}.",
            "It is not that production: some of its files are not the ones produced, and it has no",
            "certification (PRODUCTION-DIFFERS.txt says which files, and why). Do not hand it over as production 1.",
            f"Production 1 was produced {made_on(archive, 1)} from the archive of {owner}, by system user {by}.",
        ]
    )
    certification = (
        "  CERTIFICATION.pdf / CERTIFICATION.txt\n"
        "             the declaration under 28 U.S.C. 1746 and FRE 902(13)/(14) that goes with this\n"
        "             production, as prepared (signed by the declarant on a separate copy: the files here\n"
        "             stay as produced)\n"
    )
    note = "  PRODUCTION-DIFFERS.txt\n             the files that are not the ones production 1 holds, and why\n"
    first_two = "\n".join(produced.splitlines()[:2])
    assert produced.startswith("PRODUCTION 1 OF MATTER M-1 (Lease)\n") and produced.count(certification) == 1
    return (
        produced.replace(first_two, head, 1)
        .replace(certification, note)
        .replace("Every PDF of IMAGES/ and CERTIFICATION.pdf is as signed", "Every PDF of IMAGES/ is as signed")
    )


def made_on(archive, number: int) -> str:
    """When production `number` was made, as its README and PRODUCTION-DIFFERS.txt say it."""
    from textfile import times

    (at,) = archive.conn.execute("SELECT created_at FROM productions WHERE id = ?", (number,)).fetchone()
    return times.display(at, times.zone(archive.settings.tz))


def today(archive) -> str:
    """The archive's date now (the tests' changes are made today)."""
    from textfile import times

    return times.day(times.now_iso(), times.zone(archive.settings.tz))


def hashes(files: dict[str, bytes]) -> dict[str, str]:
    import hashlib

    return {path: hashlib.sha256(data).hexdigest() for path, data in files.items()}


def test_a_phone_imported_since_is_not_said_where_the_production_said_one(cli, archive, archive_path, tmp_path):
    from textfile.produce.rsmf import found_on

    assert cli("client", "add", "Sam Client", "--phone", "+12025550143").exit_code == 0
    assert cli("matter", "open", "M-1", "--client", "Sam Client", "--title", "Lease").exit_code == 0
    imported(cli, OWNER_XML)  # (the thread with Sam, conversation 1, is filed to M-1 as it arrives)
    made = cli("produce", "M-1", "--conversation", 1, "--until", "2024-03-01 13:00", "--out", tmp_path / "vol1")
    assert made.exit_code == 0, made.output
    # Sam's own phone: five of the produced messages found on it too, each recorded there at another time,
    # and one message more in the thread, after the window (the PDF's excerpt line counts the messages the
    # archive held when it was made: not it).
    imported(cli, CLIENT_XML, "--custodian", "Sam Client")
    produced = [mid for (mid,) in archive.conn.execute("SELECT message_id FROM production_messages")]
    now = found_on(archive.conn, [{"id": mid} for mid in produced], "Alex Owner")
    assert [(f.phones, len(f.elsewhere)) for f in now.values() if len(f.phones) > 1] == [
        (["Alex Owner", "Sam Client"], 1)
    ] * 5
    folder = tmp_path / "vol1-again"
    again = cli("produce", "M-1", "--again", 1, "--out", folder)
    assert (again.exit_code, again.stderr) == (0, ""), again.output
    # The data (found_on, the custodians), the RSMF's "Found on", the text and the load files say the owner's
    # phone alone, as the production did; the certification names the one export it knew.
    assert files_of(folder) == files_of(tmp_path / "vol1")
    assert "Sam Client's phone" not in (folder / "TEXT" / "TF-000001.txt").read_text()
    assert "client_phone.xml" not in (folder / "CERTIFICATION.txt").read_text()


def without(tmp_path: Path, source: Path, name: str, *bodies: str) -> Path:
    """An export of the same phone made later: the same backup, without the elements holding these texts."""
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not any(f'body="{b}"' in line for b in bodies)]
    assert len(kept) == len(lines) - len(bodies)
    out = tmp_path / name
    out.write_text("".join(kept).replace('backup_set="0b6a3c1e', f'backup_set="{name[4:12]}'), encoding="utf-8")
    return out


def test_a_transcript_made_again_says_what_it_said_of_an_export_that_lacked_a_message(
    cli, archive, archive_path, tmp_path
):
    assert cli("client", "add", "Sam Client", "--phone", "+12025550143").exit_code == 0
    assert cli("matter", "open", "M-1", "--client", "Sam Client", "--title", "Lease").exit_code == 0
    imported(cli, NEWER_XML)
    imported(cli, without(tmp_path, NEWER_XML, "sms-20240315.xml", DELETED))  # import 2 lacks it
    pdf = tmp_path / "t.pdf"
    assert cli("transcript", "M-1", "--out", pdf).exit_code == 0
    said = json.loads(manifest.read(pdf))["disclosures"]
    assert [(m["seq"], m["import"], m["seen_again_import"]) for m in said["missing_from_phone"]] == [("1.2", 2, None)]
    assert [[i["import"] for i in s["imports"]] for s in said["sources"]] == [[1], [2]]
    [uuid] = [u for (u,) in archive.conn.execute("SELECT uuid FROM transcripts")]
    # The next backup holds it again (import 3: "that export left it out"); the one that lacked it, again.
    imported(cli, without(tmp_path, NEWER_XML, "sms-20240322.xml"))
    imported(cli, tmp_path / "sms-20240315.xml")
    missing = archive.conn.execute("SELECT import_id, seen_again_import_id FROM missing_from_phone").fetchall()
    assert [tuple(r) for r in missing] == [(2, 3)]
    fresh = tmp_path / "fresh.pdf"
    assert cli("transcript", "M-1", "--out", fresh).exit_code == 0  # (a fresh one says each import)
    now = json.loads(manifest.read(fresh))["disclosures"]
    assert [(m["seq"], m["import"], m["seen_again_import"]) for m in now["missing_from_phone"]] == [("1.2", 2, 3)]
    assert [[i["import"] for i in s["imports"]] for s in now["sources"]] == [[1], [2, 4], [3]]
    with Archive.open(archive_path) as opened:
        remade = make_transcript(opened, again=uuid, out=tmp_path / "again.pdf", workers=1)
    assert (remade.pdf_sha256, (tmp_path / "again.pdf").read_bytes()) == (file_sha256(pdf), pdf.read_bytes())
    text = subprocess.run(["pdftotext", str(tmp_path / "again.pdf"), "-"], capture_output=True, text=True, check=True)
    assert "again: that export left it out" not in " ".join(text.stdout.split())
    verified = cli("verify", tmp_path / "again.pdf")
    assert verified.exit_code == 0, verified.output


def test_only_a_transcript_made_again_is_kept_where_it_differs(archive, tmp_path):
    from textfile.errors import InvalidInput

    with pytest.raises(InvalidInput, match=r"^keep_differing is for a transcript made again: give again=ID$"):
        make_transcript(archive, matter="M-1", out=tmp_path / "t.pdf", keep_differing=True)
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith("archive.db")] == []


def refused_again(cli, archive, out: Path) -> str:
    """`produce M-1 --again 1 --out OUT` refused: exit 1, one line, nothing on stdout, the archive unchanged."""
    before = snapshot(archive)
    refused = cli("produce", "M-1", "--again", 1, "--out", out)
    assert (refused.exit_code, refused.stdout) == (1, "")
    assert snapshot(archive) == before
    return refused.stderr


def test_a_matter_retitled_since_is_refused_before_the_folder_is_touched(filed, archive, tmp_path):
    cli = filed
    made = cli("produce", "M-1", "--exhibits", "--out", tmp_path / "vol1")
    assert made.exit_code == 0, made.output
    retitled = cli("matter", "edit", "M-1", "--title", "Lease (renewal)", "--reason", "the lease renewed")
    assert retitled.exit_code == 0, retitled.output
    [first, *_] = [u for (u,) in archive.conn.execute("SELECT uuid FROM transcripts ORDER BY id")]
    out = tmp_path / "vol1-again"
    out.mkdir(mode=0o755)  # (an empty folder given: --out takes one, and it stays as it was)
    assert refused_again(cli, archive, out) == (
        f"Error: transcript {first} cannot be made again byte for byte: its matter's title differs from the"
        " record's now\n"
    )
    assert (list(out.iterdir()), out.stat().st_mode & 0o777) == ([], 0o755)


def test_a_matter_given_another_reference_since_is_refused_by_its_old_reference_and_its_new(filed, archive, tmp_path):
    """After `matter edit M-1 --reference M-2`, production 1 is of matter M-2; its files name it M-1 (each PDF's
    cover, the load files, README.txt, the certification) and cannot be made again the same: refused, saying
    so, before anything is written (not "no matter 'M-1'")."""
    cli = filed
    assert cli("produce", "M-1", "--out", tmp_path / "vol1").exit_code == 0
    edited = cli("matter", "edit", "M-1", "--reference", "M-2", "--reason", "the court's number")
    assert edited.exit_code == 0, edited.output
    out = tmp_path / "vol1-again"
    before = snapshot(archive)
    refused = [cli("produce", matter, "--again", 1, "--out", out) for matter in ("M-2", "M-1")]
    assert [(r.exit_code, r.stdout, r.stderr) for r in refused] == [
        (
            1,
            "",
            "Error: production 1 was made of matter M-1, whose reference is M-2 now: its files name it M-1 and"
            " cannot be made again the same (`textfile verify` the production's folder you have, or produce its"
            " messages again with --reproduce)\n",
        ),
        (1, "", "Error: production 1 is of matter M-2, not M-1\n"),
    ]
    assert (snapshot(archive), out.exists()) == (before, False)
    verified = cli("verify", tmp_path / "vol1")
    assert (verified.exit_code, verified.stderr) == (0, "")


def test_a_message_imported_since_that_would_number_the_produced_ones_otherwise_is_not_the_production_s(
    cli, archive, tmp_path
):
    """A message imported since, before the production's window in a conversation it shows, numbers the produced
    messages otherwise today (#1.1 is #1.2 now); made again as of the imports it knew, the production leaves it
    out and comes out the same, byte for byte."""
    assert cli("client", "add", "Sam Client", "--phone", "+12025550143").exit_code == 0
    assert cli("matter", "open", "M-1", "--client", "Sam Client", "--title", "Lease").exit_code == 0
    imported(
        cli, without(tmp_path, OWNER_XML, "sms-20240229.xml", "Hi Alex, can we talk about the lease? &#55357;&#56832;")
    )
    made = cli("produce", "M-1", "--conversation", 1, "--from", "2024-03-01 12:01", "--out", tmp_path / "vol1")
    assert made.exit_code == 0, made.output
    imported(cli, OWNER_XML)  # (the message at 12:00 is #1.1 now)
    again = cli("produce", "M-1", "--again", 1, "--out", tmp_path / "vol1-again")
    assert again.exit_code == 0, again.output
    first, second = tmp_path / "vol1", tmp_path / "vol1-again"
    assert sorted(p.relative_to(first) for p in first.rglob("*")) == sorted(
        p.relative_to(second) for p in second.rglob("*")
    )
    assert all(p.read_bytes() == (second / p.relative_to(first)).read_bytes() for p in first.rglob("*") if p.is_file())
    assert cli("verify", second).exit_code == 0


def test_what_differs_is_said_with_the_changes_the_archive_records_since(filed, archive, tmp_path):
    cli = filed
    for args in (
        ("note", "add", "M-1", "an early note", "--privileged"),
        ("client", "add", "Dana Other", "--phone", "+12025550178"),  # (a participant of the group thread)
        ("client", "add", "Kim Nobody", "--phone", "+12025550999"),  # (in no conversation produced)
        ("client", "consent", "Sam Client", "--given", "2024-01-05", "--method", "written"),
    ):
        assert cli(*args).exit_code == 0, args
    made = cli("produce", "M-1", "--out", tmp_path / "vol1")
    assert made.exit_code == 0, made.output
    for args in (
        ("client", "edit", "Dana Other", "--name", "Dana Another"),
        ("client", "edit", "Kim Nobody", "--name", "Kim Somebody"),
        ("note", "add", "M-1", "strategy", "--privileged"),
        ("note", "add", "M-1", "plain, not privileged"),
        ("note", "add", "M-1", "plain, then privileged"),
        ("note", "edit", "4", "--privileged"),
        ("note", "withdraw", "1", "--reason", "wrong matter"),
        ("client", "consent", "Sam Client", "--withdraw", "1", "--reason", "recorded by mistake"),
    ):
        assert cli(*args).exit_code == 0, args
    folder = tmp_path / "vol1-again"
    again = cli("produce", "M-1", "--again", 1, "--out", folder)
    differing = [
        "CERTIFICATION.pdf",
        "CERTIFICATION.txt",
        "DATA/privilege-log.csv",
        "IMAGES/TF-000001.pdf",
        "README.txt",
    ]
    assert (again.exit_code, again.stderr.splitlines()) == (3, said_differing(folder, differing))
    sums, day = hashes(files_of(tmp_path / "vol1")), today(archive)
    here = {p: file_sha256(folder / p) if (folder / p).exists() else "(none)" for p in differing}
    # The renamed client in the thread and the privileged notes are said, each dated; the client in none of
    # the conversations produced, the note that is not privileged, the consent (withheld from a production's
    # cover) are not: nothing of them is in its files.
    assert (folder / "PRODUCTION-DIFFERS.txt").read_text(encoding="utf-8") == "\n".join(
        [
            "PRODUCTION 1 OF MATTER M-1 MADE AGAIN: NOT THE FILES PRODUCED",
            "",
            f"This folder is NOT production 1 of matter M-1 as it was made on {made_on(archive, 1)}. It is a",
            "re-making of it from the archive as it is now, and it differs from it: do not hand it over as",
            "production 1. SHA256SUMS lists the files of this folder as they are, this one too, and",
            "SHA256SUMS.p7s signs it.",
            "",
            "WHAT DIFFERS",
            "Each file that is not the one production 1 holds, with its sha256 as produced and as here",
            '("(none)": not in that folder, or not in this one):',
            *(f"{path}  produced {sums[path]}  here {here[path]}" for path in differing),
            "",
            "WHY",
            "Not its messages, nor their redactions: each message is the version production 1 handed",
            "over (its content hash as recorded), redacted as it was; the archive refuses to make a production",
            "again otherwise.",
            "The archive records these changes since production 1 was made, to what its files can",
            "show (it does not record which file each one changed):",
            f"  {day}  client “Dana Other” renamed “Dana Another” (+12025550178: a participant's number in the"
            " conversations produced)",
            f"  {day}  note 2 added, privileged: the privilege log lists it",
            f"  {day}  note 4 edited (version 2), made privileged: the privilege log lists this version",
            f"  {day}  note 1 withdrawn, privileged: the privilege log leaves it out",
            "Whether anything else changed (another version of textfile, of WeasyPrint or of its fonts), the",
            "archive does not record.",
            "",
            *NO_CERTIFICATION,
        ]
    )
    verified = cli("verify", folder)
    assert (verified.exit_code, verified.stderr) == (
        3,
        f"Error: {folder}: made again, differs from production 1 in: {', '.join(differing)} (made from the archive"
        " as it is now: PRODUCTION-DIFFERS.txt says why): it is not production 1\n",
    )


def recorded_otherwise(archive, path: str) -> str:
    """Production 1's record of `path` set to another sha256, as a file laid out otherwise since (another
    version of textfile or of its fonts) would differ, which the archive records nowhere; the one it had."""
    (was,) = archive.conn.execute(
        "SELECT sha256 FROM production_files WHERE production_id = 1 AND path = ?", (path,)
    ).fetchone()
    with archive.conn:
        archive.conn.execute(
            "UPDATE production_files SET sha256 = ? WHERE production_id = 1 AND path = ?", ("0" * 64, path)
        )
    return was


def test_a_file_that_differs_for_no_recorded_change_is_said_so(filed, archive, tmp_path):
    cli = filed
    assert cli("produce", "M-1", "--out", tmp_path / "vol1").exit_code == 0
    produced = files_of(tmp_path / "vol1")
    recorded_otherwise(archive, "DATA/messages.csv")
    folder = tmp_path / "vol1-again"
    assert cli("produce", "M-1", "--again", 1, "--out", folder).exit_code == 3
    assert sorted(set(produced) - set(files_of(folder))) == ["CERTIFICATION.pdf", "CERTIFICATION.txt"]
    sums = hashes(produced)
    assert (folder / "PRODUCTION-DIFFERS.txt").read_text(encoding="utf-8") == "\n".join(
        [
            "PRODUCTION 1 OF MATTER M-1 MADE AGAIN: NOT THE FILES PRODUCED",
            "",
            f"This folder is NOT production 1 of matter M-1 as it was made on {made_on(archive, 1)}. It is a",
            "re-making of it from the archive as it is now, and it differs from it: do not hand it over as",
            "production 1. SHA256SUMS lists the files of this folder as they are, this one too, and",
            "SHA256SUMS.p7s signs it.",
            "",
            "WHAT DIFFERS",
            "Each file that is not the one production 1 holds, with its sha256 as produced and as here",
            '("(none)": not in that folder, or not in this one):',
            f"CERTIFICATION.pdf  produced {sums['CERTIFICATION.pdf']}  here (none)",
            f"CERTIFICATION.txt  produced {sums['CERTIFICATION.txt']}  here (none)",
            f"DATA/messages.csv  produced {'0' * 64}  here {sums['DATA/messages.csv']}",
            f"README.txt  produced {sums['README.txt']}  here {file_sha256(folder / 'README.txt')}",
            "",
            "WHY",
            "Not its messages, nor their redactions: each message is the version production 1 handed",
            "over (its content hash as recorded), redacted as it was; the archive refuses to make a production",
            "again otherwise.",
            "The archive records no change since production 1 was made to what its files can show:",
            "the archive does not record why (another version of textfile, of WeasyPrint or of its fonts",
            "lays a file out otherwise, and is recorded nowhere).",
            "",
            *NO_CERTIFICATION,
        ]
    )


def test_a_certification_whose_words_are_the_production_s_is_kept_where_only_its_pdf_differs(filed, archive, tmp_path):
    """Every other file the one produced and the certification's text twin too: its words are production 1's
    own, and true of this folder's files; only its PDF's bytes differ, and the note says so."""
    cli = filed
    assert cli("produce", "M-1", "--out", tmp_path / "vol1").exit_code == 0
    produced = files_of(tmp_path / "vol1")
    recorded_otherwise(archive, "CERTIFICATION.pdf")
    folder = tmp_path / "vol1-again"
    again = cli("produce", "M-1", "--again", 1, "--out", folder)
    assert (again.exit_code, again.stderr) == (
        3,
        f"Error: {folder}: CERTIFICATION.pdf is not the file production 1 holds (the archive changed since)\n",
    )
    made = files_of(folder)
    assert made["CERTIFICATION.txt"] == produced["CERTIFICATION.txt"]
    assert made["CERTIFICATION.txt"].decode().splitlines()[:4] == [
        "CERTIFICATION OF RECORDS PRODUCED",
        "",
        "Declaration under 28 U.S.C. § 1746, for authentication under Federal Rules of Evidence 902(13) and",
        "902(14)",
    ]
    assert made["PRODUCTION-DIFFERS.txt"].decode() == "\n".join(
        [
            "PRODUCTION 1 OF MATTER M-1 MADE AGAIN: NOT THE FILES PRODUCED",
            "",
            f"This folder is NOT production 1 of matter M-1 as it was made on {made_on(archive, 1)}. It is a",
            "re-making of it from the archive as it is now, and it differs from it: do not hand it over as",
            "production 1. SHA256SUMS lists the files of this folder as they are, this one too, and",
            "SHA256SUMS.p7s signs it.",
            "",
            "WHAT DIFFERS",
            "Each file that is not the one production 1 holds, with its sha256 as produced and as here",
            '("(none)": not in that folder, or not in this one):',
            f"CERTIFICATION.pdf  produced {'0' * 64}  here {hashes(made)['CERTIFICATION.pdf']}",
            "",
            "WHY",
            "Not its messages, nor their redactions: each message is the version production 1 handed",
            "over (its content hash as recorded), redacted as it was; the archive refuses to make a production",
            "again otherwise.",
            "The archive records no change since production 1 was made to what its files can show:",
            "the archive does not record why (another version of textfile, of WeasyPrint or of its fonts",
            "lays a file out otherwise, and is recorded nowhere).",
            "",
            "CERTIFICATION",
            "CERTIFICATION.txt is the one production 1 holds: the certification's words are that",
            "production's own, and true of this folder's other files, each the one produced. Only the bytes",
            "of CERTIFICATION.pdf differ (how it was laid out or signed).",
            "",
        ]
    )
    verified = cli("verify", folder)
    assert (verified.exit_code, verified.stderr) == (
        3,
        f"Error: {folder}: made again, differs from production 1 in: CERTIFICATION.pdf (made from the archive as"
        " it is now: PRODUCTION-DIFFERS.txt says why): it is not production 1\n",
    )


BEFORE_KEYED = (
    "9443f7453d1c6e1e2615f9b07eaad8a8427585e7"  # the last commit whose productions named redacted messages plainly
)


def test_a_production_made_before_redacted_messages_were_keyed_is_made_again_the_same(tmp_path):
    """A production made by the textfile before a redacted message's id and content hash were keyed
    (transcript/keyed.py) is made again, by this one, the same bytes, file for file (plain, as it was
    handed over); a production made now keys them."""
    previous = textfile_of(BEFORE_KEYED, tmp_path / "previous", "the last commit before redacted ids were keyed")
    db = ran(
        previous,
        tmp_path,
        ("redact", "#1.1", "--span", "Hi", "--reason", "PII"),
        ("produce", "M-1", "--out", tmp_path / "vol1"),
    )
    [log] = list((tmp_path / "vol1" / "DATA" / "redaction-log.csv").read_text().splitlines()[1:])
    assert "redacted-" not in log  # (plain, as that release made it)

    again = run(ROOT, db, "produce", "M-1", "--again", 1, "--out", tmp_path / "vol1-again")

    assert (again.returncode, again.stderr) == (0, ""), again.stdout
    assert files_of(tmp_path / "vol1-again") == files_of(tmp_path / "vol1")
    assert run(ROOT, db, "verify", tmp_path / "vol1").returncode == 0
    made = run(ROOT, db, "produce", "M-1", "--reproduce", "--out", tmp_path / "vol2")
    assert made.returncode == 0, made.stderr
    [log] = list((tmp_path / "vol2" / "DATA" / "redaction-log.csv").read_text().splitlines()[1:])
    assert log.split(",")[3].startswith("redacted-")


BEFORE_EDITIONS = "3452c491e4b7522d80f2e8bc839530da25607e18"  # the last commit whose productions recorded no edition

REDACTED_CHAT = """\
05/04/2024, 10:01 - Sam Client: Hi Alex, my SSN is 123-45-6789 and the landlord called again
05/04/2024, 10:02 - Alex Owner: Thanks, noted.
"""


def test_a_production_made_before_editions_is_made_again_the_same(tmp_path):
    """A production made by the textfile before productions recorded their edition (production.EDITION): made
    again by this one, the same bytes, file for file — its RSMF counting a missing attachment from 0, its TEXT/
    and certification silent on the withheld earlier version and the keyed ids. One made now says them."""
    previous = textfile_of(BEFORE_EDITIONS, tmp_path / "previous", "the last commit before productions had editions")
    first, later = tmp_path / "first", tmp_path / "later"
    for folder, text in (
        (first, REDACTED_CHAT),
        (
            later,
            REDACTED_CHAT.replace("my SSN is 123-45-6789 and ", "").replace(
                " again\n", " again <This message was edited>\n"
            ),
        ),
    ):
        folder.mkdir()
        (folder / "WhatsApp Chat with Sam Client.txt").write_text(text, encoding="utf-8")
    db = ran(previous, tmp_path, ("import", first / "WhatsApp Chat with Sam Client.txt", "--date-order", "dmy"))
    unfiled = json.loads(run(previous, db, "conversations", "--unfiled", "--json").stdout)
    for c in unfiled:
        assert run(previous, db, "file", c["id"], "--matter", "M-1").returncode == 0
    [chat] = [c["id"] for c in unfiled if c["platform"] == "whatsapp"]
    for args in (
        ("redact", f"#{chat}.1", "--span", "123-45-6789", "--reason", "PII"),
        ("import", later / "WhatsApp Chat with Sam Client.txt", "--date-order", "dmy"),
        ("produce", "M-1", "--out", tmp_path / "vol1"),
    ):
        done = run(previous, db, *args)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
    before = files_of(tmp_path / "vol1")
    said = b"\n".join(before[p] for p in before if p.startswith(("TEXT/", "CERTIFICATION.txt")))
    assert b"withheld (redacted)" not in said and b"keyed" not in said  # (as that release made them)

    again = run(ROOT, db, "produce", "M-1", "--again", 1, "--out", tmp_path / "vol1-again")

    assert (again.returncode, again.stderr) == (0, ""), again.stdout
    assert files_of(tmp_path / "vol1-again") == before
    assert run(ROOT, db, "verify", tmp_path / "vol1").returncode == 0
    made = run(ROOT, db, "produce", "M-1", "--reproduce", "--out", tmp_path / "vol2")
    assert made.returncode == 0, made.stderr
    now = files_of(tmp_path / "vol2")
    assert b"[1 earlier version withheld (redacted)]" in b"\n".join(now[p] for p in now if p.startswith("TEXT/"))
    assert b"are given keyed in every file" in now["CERTIFICATION.txt"].replace(b"\n", b" ")
    rsmf = [p for p in before if p.startswith("RSMF/")]
    missing = [b"Attachment 0 not in the archive", b"Attachment 1 not in the archive"]
    assert [[m in _manifest(before[p]) for m in missing] for p in rsmf].count([True, False]) == 1
    assert [[m in _manifest(now[p]) for m in missing] for p in rsmf].count([False, True]) == 1
    again = run(ROOT, db, "produce", "M-1", "--again", 2, "--out", tmp_path / "vol2-again")
    assert (again.returncode, again.stderr) == (0, ""), again.stdout
    assert files_of(tmp_path / "vol2-again") == now


def _manifest(rsmf: bytes) -> bytes:
    """An RSMF file's manifest (rsmf_manifest.json in its zip)."""
    import io
    import zipfile
    from email import policy
    from email.parser import BytesParser

    (part,) = list(BytesParser(policy=policy.default).parsebytes(rsmf).iter_attachments())
    with zipfile.ZipFile(io.BytesIO(part.get_payload(decode=True))) as z:
        return z.read("rsmf_manifest.json")
