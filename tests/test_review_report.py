"""The review report (`review --pdf FILE`): what the PDF shows (read back with pdftotext), its Bates
numbers after a transcript's, its manifest against `review --json` and `--csv`, its record and audit
entry, and `textfile verify REPORT.pdf`.

A report is rendered once per module on a small matter and read by many tests; tests that change the
archive work on a copy of it.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import sqlite3
import stat
import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import OWNER, msg, source
from typer.testing import CliRunner

from textfile.archive import Archive
from textfile.cli import app
from textfile.ingest import ingest
from textfile.review import report
from textfile.review.pdf import manifest
from textfile.review.response import took

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")

NEW_YORK = ZoneInfo("America/New_York")
HOSTILE = "Hostile <b>not bold</b> & {{ 7*7 }} \x07 bell, مرحبا — is the settlement offer ok?\nsecond line"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A time in New York in March 2024 (Friday the 1st, Saturday the 2nd), as UTC."""
    return datetime(2024, 3, day, hour, minute, tzinfo=NEW_YORK).astimezone(UTC)


def records() -> list:
    """A matter's conversation: a text flagged out (content limits), a deadline answered by a text, an
    arrest after hours answered by a call the next morning, and hostile text about money never answered."""
    return [
        replace(msg(1, "Hi Alex, quick question about the lease"), sent_at=at(1, 10)),
        replace(msg(2, "Sure. My advice: do not sign anything yet.", out=True), sent_at=at(1, 10, 5)),
        replace(msg(3, "The hearing is on Monday and the deadline is Friday!"), sent_at=at(1, 10, 10)),
        replace(msg(4, "Got it, I will file today.", out=True), sent_at=at(1, 10, 40)),
        replace(msg(5, "I was arrested tonight, they took me to jail"), sent_at=at(1, 20, 15)),
        replace(
            msg(6, "", out=True), kind="call", status="outgoing", duration_s=300, service="Phone", sent_at=at(2, 8)
        ),
        replace(msg(7, HOSTILE), sent_at=at(2, 9)),
    ]


def run(archive_path: Path, *args):
    return CliRunner().invoke(app, ["--archive", str(archive_path), *map(str, args)], catch_exceptions=False)


def build(path: Path) -> Path:
    """The archive: hours Mon-Fri 09:00-18:00, Sam's consent on record, the records filed to 2026-014,
    the deadline flag reviewed and the content-limits flag dismissed."""
    from textfile import filing

    with Archive.create(path, **OWNER) as archive:
        ingest(archive, source(), records())
        with archive.transaction() as conn:
            filing.add_client(conn, "Sam Client", ["+12025550143"], [], "US")
            filing.open_matter(conn, "2026-014", "Sam Client", "Lease dispute")
    for args in (
        ("settings", "--hours", "Mon-Fri 09:00-18:00"),
        (
            "client",
            "consent",
            "Sam Client",
            "--given",
            "2024-01-02",
            "--method",
            "written",
            "--scope",
            "scheduling only",
        ),
    ):
        assert run(path, *args).exit_code == 0
    flags = flag_ids(path)
    assert (
        run(
            path, "review", "ack", flags["deadlines", "1.3"], "--note", "called back, hearing noted", "--by", "alice"
        ).exit_code
        == 0
    )
    assert (
        run(
            path, "review", "dismiss", flags["content_limits", "1.2"], "--reason", "not advice", "--by", "bob"
        ).exit_code
        == 0
    )
    return path


def flag_ids(path: Path) -> dict[tuple[str, str], int]:
    listed = json.loads(run(path, "review", "--all", "--json").stdout)["flags"]
    return {(f["rule"], f["number"]): f["id"] for f in listed}


def text_of(pdf: Path) -> str:
    """The PDF's text, its words joined by single spaces (table cells and wrapped lines read as one run)."""
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(text.split())


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """(archive path, the --json of the report made, its path) for matter 2026-014, every state."""
    folder = tmp_path_factory.mktemp("review-report")
    path = build(folder / "archive.db")
    r = run(path, "review", "--matter", "2026-014", "--all", "--pdf", folder / "report.pdf", "--json")
    assert r.exit_code == 0, r.output
    return path, json.loads(r.stdout), folder / "report.pdf"


@pytest.fixture
def copy(made, tmp_path) -> tuple[Path, Path]:
    """A copy of the module's archive and report, for a test that changes them."""
    path, _, pdf = made
    shutil.copy(path, tmp_path / "archive.db")
    shutil.copy(pdf, tmp_path / "report.pdf")
    return tmp_path / "archive.db", tmp_path / "report.pdf"


def flags_now(path: Path) -> dict[tuple[str, str], dict]:
    """Every flag of the archive as `review --all --json` gives it, by (rule, message number)."""
    listed = json.loads(run(path, "review", "--all", "--json").stdout)["flags"]
    return {(f["rule"], f["number"]): f for f in listed}


def sections(pdf: Path) -> dict[int, str]:
    """The report's text after its cover, per flag ("Flag 12: …" up to the next), running headers and footers left out."""
    text = text_of(pdf).split("proves it against the archive.", 1)[1]
    text = re.sub(r"Page \d+ of \d+ TF-REVIEW-\d{6}|Review report · Sam Client — 2026-014 Lease dispute", " ", text)
    text = " ".join(text.split())
    return {int(m.group(1)): m.group(0).strip() for m in re.finditer(r"Flag (\d+): .*?(?= Flag \d+: |$)", text)}


def local(stored: str) -> str:
    from textfile import times

    return times.display(stored, NEW_YORK)


def test_the_cover_says_scope_filters_counts_settings_and_method(made):
    path, result, pdf = made
    cover = text_of(pdf).split("Flag ", 1)[0]
    assert result["flags"] == 8 and result["states"] == {"open": 4, "reviewed": 1, "dismissed": 1, "cleared": 2}
    for said in (
        "Review report Matter 2026-014 — Lease dispute Client Sam Client Owner / custodian Alex Owner, keeper of the archive",
        "Times shown in America/New_York, the archive's zone, each with its offset from UTC",
        "Filters flags in every state; every rule Flags listed 8",
        f"Pages {result['pages']} Bates numbers TF-REVIEW-000001 to {result['bates_last']} Report id {result['report']}",
        "Rule Open Reviewed Dismissed Cleared Total"
        " arrest (lexicon category) 1 0 0 0 1 content_limits (lexicon category) 0 0 1 0 1"
        " deadlines (lexicon category) 0 1 0 0 1 money (lexicon category) 1 0 0 0 1"
        " after_hours_in (received after hours) 2 0 0 0 2 no_consent (no consent in force) 0 0 0 2 2"
        " All rules 4 1 1 2 8",
        "Working hours: Mon-Fri 09:00-18:00, in America/New_York.",
        "Lexicon languages: en.",
        "Consent: required: a text sent to a client with no consent on record covering its time is flagged",
        "Sam Client: consent given 2024-01-02, written, scope “scheduling only” (recorded by",
        "; no opt-out or opt-in.",
        "A call the owner missed, rejected or let go to voicemail is not a response.",
    ):
        assert said in cover, said
    made_at = json.loads(manifest.read(pdf))["generated_at"]
    assert f"Made {local(made_at)} (America/New_York), {made_at}, by " in cover


def test_each_flag_shows_its_state_its_message_in_context_and_its_response(made):
    path, _, pdf = made
    flags, shown = flags_now(path), sections(pdf)
    assert sorted(shown) == sorted(f["id"] for f in flags.values())
    deadline, limits = flags["deadlines", "1.3"], flags["content_limits", "1.2"]
    assert shown[deadline["id"]] == (
        f"Flag {deadline['id']}: deadlines: deadline, hearing"
        f" Reviewed by alice on {local(deadline['decided_at'])}. Note: called back, hearing noted"
        " Message #1.3, 2024-03-01 10:10:00 -05:00, incoming, from Sam Client, within working hours."
        " #1.1 2024-03-01 10:00:00 -05:00 Sam Client Hi Alex, quick question about the lease"
        " #1.2 2024-03-01 10:05:00 -05:00 Alex Owner Sure. My advice: do not sign anything yet."
        " ► #1.3 2024-03-01 10:10:00 -05:00 Sam Client The hearing is on Monday and the deadline is Friday!"
        " #1.4 2024-03-01 10:40:00 -05:00 Alex Owner Got it, I will file today."
        " #1.5 2024-03-01 20:15:00 -05:00 Sam Client I was arrested tonight, they took me to jail"
        " Response: text #1.4 at 2024-03-01 10:40:00 -05:00, 30 min after the message, within working hours."
    )
    assert shown[limits["id"]] == (
        f"Flag {limits['id']}: content_limits: my advice Dismissed by bob on {local(limits['decided_at'])}. Reason: not advice"
        " Message #1.2, 2024-03-01 10:05:00 -05:00, outgoing, from Alex Owner (the owner), within working hours."
        " #1.1 2024-03-01 10:00:00 -05:00 Sam Client Hi Alex, quick question about the lease"
        " ► #1.2 2024-03-01 10:05:00 -05:00 Alex Owner Sure. My advice: do not sign anything yet."
        " #1.3 2024-03-01 10:10:00 -05:00 Sam Client The hearing is on Monday and the deadline is Friday!"
        " #1.4 2024-03-01 10:40:00 -05:00 Alex Owner Got it, I will file today."
        " A message the owner sent: no response is looked for."
    )
    arrest = shown[flags["arrest", "1.5"]["id"]]
    assert arrest.startswith(
        f"Flag {flags['arrest', '1.5']['id']}: arrest: arrested, jail Open: not reviewed yet."
        " Message #1.5, 2024-03-01 20:15:00 -05:00, incoming, from Sam Client, outside working hours."
        " #1.3 2024-03-01 10:10:00 -05:00 Sam Client The hearing is on Monday and the deadline is Friday!"
        " #1.4 2024-03-01 10:40:00 -05:00 Alex Owner Got it, I will file today."
        " ► #1.5 2024-03-01 20:15:00 -05:00 Sam Client I was arrested tonight, they took me to jail"
        " #1.6 2024-03-02 08:00:00 -05:00 Alex Owner [Call: outgoing, 5 min 00 s]"
        " #1.7 2024-03-02 09:00:00 -05:00 Sam Client Hostile <b>not bold</b> & {{ 7*7 }} ␇ bell,"
    )
    assert arrest.endswith(
        "is the settlement offer ok? second line"
        " Response: call out #1.6 (5 min) at 2024-03-02 08:00:00 -05:00, 11 h 45 min after the message, outside working hours."
        " Received outside working hours; no text went out before the hours began again."
    )
    money = flags["money", "1.7"]
    waited = next(r for r in json.loads(manifest.read(pdf))["rows"] if r["flag"] == money["id"])["waiting_s"]
    text = shown[money["id"]]
    assert text.startswith(
        f"Flag {money['id']}: money: offer, settlement Open: not reviewed yet."
        " Message #1.7, 2024-03-02 09:00:00 -05:00, incoming, from Sam Client, outside working hours."
    )
    assert text.endswith(
        f"No response yet: {took(waited)} so far, when this report was made."
        " Received outside working hours; no text went out before the hours began again."
    )
    assert "مرحبا" in text and "<b>not bold</b> & {{ 7*7 }} ␇ bell," in text
    cleared = flags["no_consent", "1.4"]
    assert shown[cleared["id"]].startswith(
        f"Flag {cleared['id']}: no consent in force: Sam Client Cleared by textfile on {local(cleared['decided_at'])}:"
        " its rule no longer holds. Note: cleared by a scan"
    )


def numbered(path: Path, conversation: int) -> list[tuple[str, str]]:
    """A conversation's messages (id, content hash) in time order: #c.n is the n-th."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(
            "SELECT id, content_hash FROM messages WHERE conversation_id = ? ORDER BY sent_at, rowid", (conversation,)
        ).fetchall()
    finally:
        conn.close()


def test_the_manifest_rows_are_the_json_and_csv_rows_with_every_message_hash(made):
    path, result, pdf = made
    data = json.loads(manifest.read(pdf))
    listed = json.loads(run(path, "review", "--matter", "2026-014", "--all", "--json").stdout)["flags"]
    rows = data["rows"]
    assert [(r["flag"], r["state"], r["rule"], r["why"], r["message"], r["message_id"], r["text"]) for r in rows] == [
        (f["id"], f["state"], f["rule"], f["why"], f"#{f['number']}", f["message_id"], f["body"]) for f in listed
    ]
    assert data["flags"] == [[f["id"], f["state"]] for f in listed]
    printed = list(csv.DictReader(io.StringIO(run(path, "review", "--matter", "2026-014", "--all", "--csv").stdout)))
    as_printed = [{k: str(r[k]) for k in report.COLUMNS if k != "waiting_s"} for r in rows]
    assert as_printed == [{k: v for k, v in r.items() if k != "waiting_s"} for r in printed]
    for r, p in zip(rows, printed):  # (still waiting: a little longer when the CSV was printed)
        assert (r["waiting_s"] == "") == (p["waiting_s"] == "") and (
            r["waiting_s"] == "" or int(p["waiting_s"]) >= r["waiting_s"]
        )
    messages = dict(numbered(path, 1))
    ids = [mid for mid, _ in numbered(path, 1)]
    for r in rows:
        assert r["content_hash"] == messages[r["message_id"]]
        n = int(r["message"].split(".")[1])
        assert r["context"] == [
            {"message": f"#1.{k}", "message_id": ids[k - 1], "content_hash": messages[ids[k - 1]]}
            for k in range(max(1, n - 2), min(len(ids), n + 2) + 1)
        ]
    answered = {r["message"]: (r["response_message"], r["response_message_id"]) for r in rows if r["response"]}
    assert answered == {"#1.3": ("#1.4", ids[3]), "#1.5": ("#1.6", ids[5])}
    assert data["messages"] == [[mid, messages[mid]] for mid in ids]  # each shown once, in the order first shown
    assert {k: data[k] for k in ("format", "report", "zone", "pages", "scope", "filters")} == {
        "format": "textfile-review-report",
        "report": result["report"],
        "zone": "America/New_York",
        "pages": result["pages"],
        "scope": {"matter": "2026-014", "matter_title": "Lease dispute", "client": "Sam Client"},
        "filters": {
            "states": ["open", "reviewed", "dismissed", "cleared"],
            "rules": None,
            "matter": "2026-014",
            "client": None,
            "conversation": None,
            "unanswered_within": None,
        },
    }
    assert data["bates"] == {
        "prefix": "TF-REVIEW",
        "first": "TF-REVIEW-000001",
        "last": result["bates_last"],
        "first_number": 1,
        "last_number": result["pages"],
    }


def test_the_report_is_recorded_audited_and_private(made):
    path, result, pdf = made
    assert stat.S_IMODE(os.stat(pdf).st_mode) == 0o600
    assert not [p for p in pdf.parent.iterdir() if p.name.startswith(".")]  # (no partial file left behind)
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        row = dict(conn.execute("SELECT * FROM review_reports").fetchone())
        entries = [
            json.loads(d) for (d,) in conn.execute("SELECT details FROM audit_log WHERE command = 'review report'")
        ]
        counter = conn.execute("SELECT prefix, next_number FROM bates_counters").fetchall()
        matter_id, client_id = conn.execute("SELECT id, client_id FROM matters").fetchone()
    finally:
        conn.close()
    flags = json.loads(manifest.read(pdf))["flags"]
    assert {k: v for k, v in row.items() if k not in ("id", "created_at", "created_by")} == {
        "uuid": result["report"],
        "path": str(pdf),
        "pdf_sha256": result["pdf_sha256"],
        "manifest_sha256": result["manifest_sha256"],
        "pages": result["pages"],
        "bates_prefix": "TF-REVIEW",
        "bates_first": 1,
        "bates_last": result["pages"],
        "matter_id": matter_id,
        "client_id": client_id,
        "zone": "America/New_York",
        "filters": json.dumps(json.loads(manifest.read(pdf))["filters"], sort_keys=True),
        "flags": json.dumps(flags),
    }
    assert len(entries) == 1
    assert {k: v for k, v in entries[0].items() if k not in ("by", "records")} == {
        "report": result["report"],
        "path": str(pdf),
        "matter": "2026-014",
        "client": "Sam Client",
        "filters": json.loads(manifest.read(pdf))["filters"],
        "pdf_sha256": result["pdf_sha256"],
        "manifest_sha256": result["manifest_sha256"],
        "pages": result["pages"],
        "flags": flags,
        "bates_first": "TF-REVIEW-000001",
        "bates_last": result["bates_last"],
    }
    assert [tuple(c) for c in counter] == [("TF-REVIEW", result["pages"] + 1)]


def test_reports_have_a_series_of_their_own_and_transcripts_run_on_without_a_gap(copy, tmp_path):
    """A review report is the firm's record, never produced: numbered <prefix>-REVIEW, so that a transcript
    made after it takes the number after the transcript before it (a production's numbers unbroken)."""
    path, _ = copy
    first = json.loads(run(path, "transcript", "2026-014", "--out", tmp_path / "t1.pdf", "--json").stdout)
    made = json.loads(run(path, "review", "--matter", "2026-014", "--pdf", tmp_path / "r.pdf", "--json").stdout)
    again = json.loads(run(path, "review", "--matter", "2026-014", "--pdf", tmp_path / "r2.pdf", "--json").stdout)
    after = json.loads(run(path, "transcript", "2026-014", "--out", tmp_path / "t2.pdf", "--json").stdout)
    number = lambda bates: int(bates.rsplit("-", 1)[1])  # noqa: E731
    assert first["bates_first"] == "TF-000001"  # (the module's report took no number of the archive's series)
    assert after["bates_first"] == f"TF-{number(first['bates_last']) + 1:06d}"
    assert made["bates_first"].startswith("TF-REVIEW-") and number(made["bates_first"]) > 1  # (after the module's)
    assert number(made["bates_last"]) == number(made["bates_first"]) + made["pages"] - 1
    assert again["bates_first"] == f"TF-REVIEW-{number(made['bates_last']) + 1:06d}"
    pages = subprocess.run(
        ["pdftotext", "-layout", tmp_path / "r.pdf", "-"], capture_output=True, text=True, check=True
    )
    stamped = [page.split() for page in pages.stdout.split("\f")[:-1]]
    assert [f"TF-REVIEW-{n:06d}" in page for page, n in zip(stamped, range(number(made["bates_first"]), 10**6))] == [
        True
    ] * made["pages"]
    assert [
        ("Page", str(i), "of", str(made["pages"])) == tuple(page[page.index("Page") : page.index("Page") + 4])
        for i, page in enumerate(stamped, 1)
    ] == [True] * made["pages"]
    assert (
        run(path, "verify", tmp_path / "r.pdf", tmp_path / "r2.pdf", tmp_path / "t1.pdf", tmp_path / "t2.pdf").exit_code
        == 0
    )


def test_no_bates_prefix_given_names_one_of_the_archive_s_own_series_but_for_what_it_numbers(copy, tmp_path):
    """A transcript or production numbered in the review reports' series (or the privileged transcripts', the
    snapshots') would show the other side how many internal pages exist; refused, nothing written (second
    reader, round 2)."""
    path, _ = copy
    before = sqlite3.connect(path).execute("SELECT prefix, next_number FROM bates_counters ORDER BY prefix").fetchall()
    for args, series, what in (
        (("transcript", "2026-014", "--out", tmp_path / "t.pdf"), "tf-review", "review reports"),
        (("transcript", "2026-014", "--out", tmp_path / "t.pdf"), "TF-PRIV", "transcripts that show privileged notes"),
        (("transcript", "2026-014", "--out", tmp_path / "t.pdf"), "TF-SNAP", "the weekly run's snapshots"),
        (("produce", "2026-014", "--out", tmp_path / "p", "--mkdir"), "TF-REVIEW", "review reports"),
        (("produce", "2026-014", "--out", tmp_path / "p", "--mkdir"), "TF-SNAP", "the weekly run's snapshots"),
    ):
        r = run(path, *args, "--bates-prefix", series)
        own = {"review reports": "TF-REVIEW", "transcripts that show privileged notes": "TF-PRIV"}.get(what, "TF-SNAP")
        assert (r.exit_code, r.output) == (
            1,
            f"Error: --bates-prefix {series} names the archive's own series of {what} ({own}-000001 on): give"
            " another prefix\n",
        ), args
    assert sorted(p.name for p in tmp_path.iterdir()) == ["archive.db", "report.pdf"]
    assert (
        sqlite3.connect(path).execute("SELECT prefix, next_number FROM bates_counters ORDER BY prefix").fetchall()
        == before
    )
    made = run(path, "transcript", "2026-014", "--out", tmp_path / "t.pdf", "--bates-prefix", "TF-CLIENT", "--json")
    assert json.loads(made.stdout)["bates_first"] == "TF-CLIENT-000001"


def test_verify_proves_the_report(made):
    path, result, pdf = made
    r = run(path, "verify", pdf)
    assert r.exit_code == 0, r.output
    assert r.output == (
        f"{pdf}: matches the archive (review report {result['report']}, 8 flags, 7 messages, {result['pages']} pages,"
        f" Bates TF-REVIEW-000001 to {result['bates_last']}).\n"
    )
    [check] = json.loads(run(path, "verify", pdf, "--json").stdout)
    assert {
        k: check[k]
        for k in ("kind", "ok", "problems", "report", "flags", "messages", "earlier", "flags_since", "matches")
    } == {
        "kind": "review report",
        "ok": True,
        "problems": [],
        "report": result["report"],
        "flags": 8,
        "messages": 7,
        "earlier": [],
        "flags_since": [],
        "matches": "the archive",
    }
    assert "transcript" not in check and "moved_from" not in check


def test_a_flag_decided_since_is_said_not_a_failure(copy):
    path, pdf = copy
    flag = flags_now(path)["arrest", "1.5"]
    assert run(path, "review", "ack", flag["id"], "--note", "called at 8", "--by", "carol").exit_code == 0
    decided = flags_now(path)["arrest", "1.5"]["decided_at"]
    r = run(path, "verify", pdf)
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[1:] == [
        f"  flag {flag['id']} was open when the report was made; it is reviewed now by carol on {local(decided)}: called at 8"
    ]
    [check] = json.loads(run(path, "verify", pdf, "--json").stdout)
    assert check["flags_since"] == [
        {"flag": flag["id"], "was": "open", "now": "reviewed", "at": decided, "by": "carol", "note": "called at 8"}
    ]


def test_an_altered_file_fails_verify(copy, tmp_path):
    path, pdf = copy
    with open(pdf, "ab") as fp:
        fp.write(b"\n% one line added\n")
    r = run(path, "verify", pdf)
    recorded = json.loads(manifest.read(pdf))
    assert r.exit_code == 3
    from textfile.fingerprint import file_sha256

    conn = sqlite3.connect(path)
    (sha,) = conn.execute("SELECT pdf_sha256 FROM review_reports WHERE uuid = ?", (recorded["report"],)).fetchone()
    conn.close()
    assert (
        r.stderr
        == f"Error: {pdf}: the file was altered: its sha256 is {file_sha256(pdf)}, the archive recorded {sha}\n"
    )


def test_a_message_changed_outside_textfile_fails_verify(copy):
    path, pdf = copy
    conn = sqlite3.connect(path)
    (mid,) = conn.execute("SELECT id FROM messages WHERE body = 'Got it, I will file today.'").fetchone()
    conn.execute("UPDATE messages SET body = 'Never got it.' WHERE id = ?", (mid,))
    conn.commit()
    conn.close()
    r = run(path, "verify", pdf)
    assert r.exit_code == 3
    assert r.stderr == (
        f"Error: {pdf}: message #1.4 ({mid[:16]}…) changed: the archive's content no longer matches the report\n"
    )


def test_a_report_stripped_of_its_manifest_where_it_was_recorded_fails_verify(copy, tmp_path):
    import pikepdf

    path, _ = copy
    pdf = tmp_path / "again.pdf"
    made = json.loads(run(path, "review", "--pdf", pdf, "--json").stdout)
    with pikepdf.open(pdf, allow_overwriting_input=True) as document:
        del document.attachments[manifest.NAME]
        document.save(pdf)
    r = run(path, "verify", pdf)
    assert r.exit_code == 3
    assert r.stderr == (
        f"Error: {pdf}: the file was altered: it is no longer the review report {made['report']} recorded at this path"
        " (its sha256 differs and its embedded manifest cannot be read)\n"
    )


def test_a_report_is_never_written_over_a_file_nor_into_a_missing_folder(copy, tmp_path):
    path, pdf = copy
    before = pdf.read_bytes()
    r = run(path, "review", "--pdf", pdf)
    assert (r.exit_code, r.output) == (
        1,
        f"Error: {pdf} already exists; a review report is never written over a file (choose another --pdf)\n",
    )
    assert pdf.read_bytes() == before
    r = run(path, "review", "--pdf", tmp_path / "nowhere" / "r.pdf")
    assert (r.exit_code, r.output) == (
        1,
        f"Error: cannot write {tmp_path / 'nowhere' / 'r.pdf'}: the folder {tmp_path / 'nowhere'} does not exist\n",
    )
    r = run(path, "review", "--pdf", tmp_path / "r.pdf", "--csv")
    assert (r.exit_code, r.output) == (1, "Error: --pdf writes the report, --csv prints its rows: give one\n")
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM review_reports").fetchone() == (1,)
    assert conn.execute("SELECT next_number FROM bates_counters").fetchone() == (
        json.loads(manifest.read(pdf))["pages"] + 1,
    )
    conn.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["archive.db", "report.pdf"]


def test_a_report_of_the_whole_archive_with_nothing_matching(copy, tmp_path):
    path, _ = copy
    r = run(path, "review", "--rule", "safety", "--unanswered", "--within", "2h", "--pdf", tmp_path / "none.pdf")
    assert r.exit_code == 0, r.output
    assert re.fullmatch(
        rf"Wrote {re.escape(str(tmp_path / 'none.pdf'))}: 0 flags, 1 page, Bates TF-REVIEW-\d{{6}} to TF-REVIEW-\d{{6}}\.\n",
        r.output,
    )
    text = text_of(tmp_path / "none.pdf")
    assert "Review report Scope the whole archive Owner / custodian Alex Owner" in text
    assert (
        "Filters flags open; rules safety; unanswered: only flagged messages from clients that no response reached"
        " within 2 h 00 min (2h) Flags listed 0"
    ) in text
    assert "Flags by rule and state No flag matches these filters." in text
    assert "Sam Client: consent given 2024-01-02" in text  # (every client's consent, for the whole archive)
    assert run(path, "verify", tmp_path / "none.pdf").exit_code == 0


def test_a_report_whose_bates_numbers_were_taken_while_it_was_made_writes_nothing(copy, tmp_path, monkeypatch):
    from textfile.review.pdf import document

    path, _ = copy
    rendered = document.render

    meanwhile = []

    def and_meanwhile_another_report(*args, **kwargs):
        done = rendered(*args, **kwargs)
        if not meanwhile:  # (the report made meanwhile renders too: once)
            meanwhile.append(None)
            other = run(path, "review", "--pdf", tmp_path / "t.pdf")
            assert other.exit_code == 0, other.output
        return done

    monkeypatch.setattr(document, "render", and_meanwhile_another_report)
    conn = sqlite3.connect(path)
    (first,) = conn.execute("SELECT next_number FROM bates_counters WHERE prefix = 'TF-REVIEW'").fetchone()
    conn.close()
    r = run(path, "review", "--pdf", tmp_path / "r.pdf")
    assert (r.exit_code, r.output) == (
        1,
        f"Error: a transcript or report took Bates numbers from TF-REVIEW-{first:06d} on while this report was made;"
        " nothing was written (run it again)\n",
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["archive.db", "report.pdf", "t.pdf"]
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM review_reports").fetchone() == (2,)  # (the module's, and the other)
    assert conn.execute("SELECT count(*) FROM audit_log WHERE command = 'review report'").fetchone() == (2,)
    conn.close()


def test_a_matters_report_shows_no_message_of_another_matter(copy, tmp_path):
    path, _ = copy
    for args in (
        ("unfile", "1", "--matter", "2026-014"),
        ("matter", "open", "2026-015", "--client", "Sam Client", "--title", "Deposit"),
        ("file", "1", "--matter", "2026-015", "--until", "2024-03-01T10:07"),
        ("file", "1", "--matter", "2026-014", "--from", "2024-03-01T10:08"),
    ):
        assert run(path, *args).exit_code == 0
    pdf = tmp_path / "r.pdf"
    assert run(path, "review", "--matter", "2026-014", "--all", "--pdf", pdf).exit_code == 0
    deadline = flags_now(path)["deadlines", "1.3"]
    assert sections(pdf)[deadline["id"]] == (
        f"Flag {deadline['id']}: deadlines: deadline, hearing"
        f" Reviewed by alice on {local(deadline['decided_at'])}. Note: called back, hearing noted"
        " Message #1.3, 2024-03-01 10:10:00 -05:00, incoming, from Sam Client, within working hours."
        " #1.1 2024-03-01 10:00:00 -05:00 [not filed to this matter: not shown]"
        " #1.2 2024-03-01 10:05:00 -05:00 [not filed to this matter: not shown]"
        " ► #1.3 2024-03-01 10:10:00 -05:00 Sam Client The hearing is on Monday and the deadline is Friday!"
        " #1.4 2024-03-01 10:40:00 -05:00 Alex Owner Got it, I will file today."
        " #1.5 2024-03-01 20:15:00 -05:00 Sam Client I was arrested tonight, they took me to jail"
        " Response: text #1.4 at 2024-03-01 10:40:00 -05:00, 30 min after the message, within working hours."
    )
    text = text_of(pdf)
    assert "quick question about the lease" not in text and "My advice" not in text
    data = json.loads(manifest.read(pdf))
    ids = [mid for mid, _ in numbered(path, 1)]
    row = next(r for r in data["rows"] if r["flag"] == deadline["id"])
    assert [c.get("message_id") or c["withheld"] for c in row["context"]] == [
        "not filed to this matter: not shown",
        "not filed to this matter: not shown",
        *ids[2:5],
    ]
    assert [mid for mid, _ in data["messages"]] == ids[2:]
    assert run(path, "verify", pdf).exit_code == 0
