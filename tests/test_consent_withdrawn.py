"""A consent recorded by mistake is withdrawn (`client consent NAME --withdraw N --reason`): it stays on the
record, shown as withdrawn, clears no flag from then on (the archive is reviewed again at once), and is audited."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from conftest import ingest_records, msg

from textfile import audit, times
from textfile.fingerprint import sha256_text
from textfile.review import queue

NY = times.zone("America/New_York")
WHY = "entered the wrong date: Sam signed on 6 March"


def at(n: int, when: str, body: str):
    """Outgoing message n, sent at `when` (UTC)."""
    return replace(msg(n, body, out=True), sent_at=datetime.fromisoformat(when).replace(tzinfo=UTC))


def flags(archive) -> list[tuple]:
    return [(f.rule, f.number, f.state) for f in queue.flags(archive.conn, states=queue.STATES, tz=NY)]


@pytest.fixture
def sam(cli, archive):
    """Sam Client (SAM_CHAT's number), matter M-1, a text on 5 March and one on 6 March; a consent recorded
    on the 5th by mistake (consent 1), then the right one, on the 6th (consent 2)."""
    assert cli("client", "add", "Sam Client", "--phone", "+12025550143").exit_code == 0
    assert cli("matter", "open", "M-1", "--client", "Sam Client", "--title", "Lease").exit_code == 0
    ingest_records(archive, [at(1, "2024-03-05T15:00", "Hi, it's Alex"), at(2, "2024-03-06T15:00", "The lease")])
    for given, method in (("2024-03-05", "text"), ("2024-03-06", "written")):
        r = cli("client", "consent", "Sam Client", "--given", given, "--method", method)
        assert r.exit_code == 0, r.output


def test_a_consent_withdrawn_stays_on_the_record_and_clears_no_flag(cli, archive, sam):
    """The second reader's repro: a revocation cannot take back the consent of the 5th (and would say
    something false about Sam); a withdrawal does."""
    assert flags(archive) == [("no_consent", "1.1", "cleared"), ("no_consent", "1.2", "cleared")]
    r = cli("client", "consent", "Sam Client", "--revoked", "2024-03-05")
    assert (r.exit_code, r.stderr) == (
        1,
        "Error: revoked '2024-03-05' is before the consent was given (2024-03-06 00:00:00 -05:00)\n",
    )

    r = cli("client", "consent", "Sam Client", "--withdraw", "1", "--reason", WHY)

    assert r.exit_code == 0, r.output
    (withdrawn_at,) = archive.conn.execute("SELECT withdrawn_at FROM consents WHERE id = 1").fetchone()
    when = times.display(withdrawn_at, NY)
    sha = sha256_text(WHY)
    assert r.stdout.splitlines() == [
        "Sam Client: consent 1 given 2024-03-05 00:00:00 -05:00 (text).",
        f"  withdrawn {when} by {audit.current_user()}, recorded by mistake (reason's sha256 {sha[:16]}…): it clears no flag.",
        "Sam Client: consent 2 given 2024-03-06 00:00:00 -05:00 (written).",
        "Review: 0 flags raised, 1 cleared flag opened again (textfile review).",  # (the review it ran, at once)
    ]
    # the text of the 5th is flagged again (the same flag, opened again); the 6th's stays covered
    assert flags(archive) == [("no_consent", "1.1", "open"), ("no_consent", "1.2", "cleared")]
    rows = [tuple(r) for r in archive.conn.execute("SELECT * FROM consents ORDER BY id")]
    recorded = [r[8] for r in rows]
    assert rows == [
        (1, 1, "2024-03-05T05:00:00.000Z", "text", None, None, None, None, recorded[0], audit.current_user(),
         withdrawn_at, audit.current_user(), sha),
        (2, 1, "2024-03-06T05:00:00.000Z", "written", None, None, None, None, recorded[1], audit.current_user(),
         None, None, None),
    ]  # fmt: skip
    entry = json.loads(
        archive.conn.execute(
            "SELECT details FROM audit_log WHERE command = 'client consent withdrawn' ORDER BY id DESC"
        ).fetchone()[0]
    )
    entry.pop("records", None)
    assert entry == {
        "id": 1,
        "client": "Sam Client",
        "given_at": "2024-03-05T05:00:00.000Z",
        "method": "text",
        "scope": None,
        "document": None,
        "document_sha256": None,
        "revoked_at": None,
        "recorded_at": recorded[0],
        "recorded_by": audit.current_user(),
        "withdrawn_at": withdrawn_at,
        "withdrawn_by": audit.current_user(),
        "withdrawn_why_sha256": sha,
    }
    shown = json.loads(cli("client", "consent", "Sam Client", "--json").stdout)["consents"]
    assert [(c["id"], c.get("withdrawn_at"), c.get("withdrawn_why_sha256")) for c in shown] == [
        (1, withdrawn_at, sha),
        (2, None, None),
    ]
    verified = cli("verify")
    assert verified.exit_code == 0, verified.output


def test_a_consent_is_withdrawn_once_and_only_with_a_reason(cli, archive, sam):
    assert cli("client", "consent", "Sam Client", "--withdraw", "1", "--reason", WHY).exit_code == 0
    (withdrawn_at,) = archive.conn.execute("SELECT withdrawn_at FROM consents WHERE id = 1").fetchone()
    before = [tuple(r) for r in archive.conn.execute("SELECT * FROM consents ORDER BY id")]
    entries = archive.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]

    again = cli("client", "consent", "Sam Client", "--withdraw", "1", "--reason", "twice")
    assert (again.exit_code, again.stderr) == (
        1,
        f"Error: consent 1 of 'Sam Client' was already withdrawn on {times.display(withdrawn_at, NY)}\n",
    )
    r = cli("client", "consent", "Sam Client", "--withdraw", "7", "--reason", WHY)
    assert (r.exit_code, r.stderr) == (
        1,
        "Error: client 'Sam Client' has no consent 7 (see `textfile client consent NAME`)\n",
    )
    r = cli("client", "consent", "Sam Client", "--withdraw", "2")
    assert (r.exit_code, r.stderr) == (
        1,
        "Error: --withdraw N takes back a consent recorded by mistake, with --reason saying why: give both\n",
    )
    r = cli("client", "consent", "Sam Client", "--withdraw", "2", "--reason", " ")
    assert (r.exit_code, r.stderr) == (1, "Error: say why the consent is withdrawn (--reason)\n")
    r = cli("client", "consent", "Sam Client", "--withdraw", "2", "--revoked", "2024-03-07", "--reason", WHY)
    assert (r.exit_code, r.stderr) == (
        1,
        "Error: --given records a consent, --revoked ends one, --withdraw takes one back: give one\n",
    )
    assert [tuple(r) for r in archive.conn.execute("SELECT * FROM consents ORDER BY id")] == before
    assert archive.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0] == entries
    # the other withdrawn too: none is in force, and every text is flagged again
    r = cli("client", "consent", "Sam Client", "--withdraw", "2", "--reason", "wrong client")
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[-2:] == [
        "Sam Client: no consent to text in force (required: their texts are flagged).",
        "Review: 0 flags raised, 1 cleared flag opened again (textfile review).",
    ]
    assert flags(archive) == [("no_consent", "1.1", "open"), ("no_consent", "1.2", "open")]


def test_the_review_report_shows_it_withdrawn_and_a_transcript_leaves_it_out(cli, archive, sam, tmp_path):
    from textfile.review import consent
    from textfile.review.pdf.page import _client
    from textfile.transcript import manifest

    assert cli("client", "consent", "Sam Client", "--withdraw", "1", "--reason", WHY).exit_code == 0
    first, second = consent.history(archive.conn, "Sam Client").consents
    by = audit.current_user()
    assert _client(consent.history(archive.conn, "Sam Client"), NY)["consents"] == [
        f"given 2024-03-05, text (recorded by {by}); withdrawn {times.day(first.withdrawn_at, NY)} by {by},"
        " recorded by mistake: it clears no flag",
        f"given 2024-03-06, written (recorded by {by})",
    ]
    pdf = tmp_path / "m-1.pdf"
    r = cli("transcript", "M-1", "--out", pdf)
    assert r.exit_code == 0, r.output
    assert json.loads(manifest.read(pdf))["disclosures"]["consent"]["consents"] == [
        {
            "given_at": "2024-03-06T05:00:00.000Z",
            "given_local": "2024-03-06 00:00:00 -05:00",
            "method": "written",
            "scope": None,
            "document": None,
            "document_sha256": None,
            "revoked_at": None,
            "revoked_local": "",
            "recorded_at": second.recorded_at,
            "recorded_local": times.display(second.recorded_at, NY),
            "recorded_by": by,
        }
    ]
    verified = cli("verify", pdf)
    assert verified.exit_code == 0, verified.output


def test_verify_says_a_consent_its_transcript_shows_was_withdrawn_since(cli, archive, sam, tmp_path):
    """A transcript made before the withdrawal still verifies (it is what was made), and `verify` says, as
    information, the consent its cover shows that was withdrawn since: which one, when and by whom (never the
    reason: only its sha256 is kept)."""
    pdf = tmp_path / "m-1.pdf"
    assert cli("transcript", "M-1", "--out", pdf).exit_code == 0
    before = json.loads(cli("verify", pdf, "--json").stdout)[0]
    assert before["withdrawn"] == []

    assert cli("client", "consent", "Sam Client", "--withdraw", "1", "--reason", WHY).exit_code == 0

    (at,) = archive.conn.execute("SELECT withdrawn_at FROM consents WHERE id = 1").fetchone()
    by = audit.current_user()
    report = json.loads(cli("verify", pdf, "--json").stdout)[0]
    assert report == {**before, "withdrawn": report["withdrawn"]}  # (nothing else said otherwise)
    assert report["withdrawn"] == [
        {
            "kind": "consent",
            "id": 1,
            "client": "Sam Client",
            "given_local": "2024-03-05 00:00:00 -05:00",
            "method": "text",
            "withdrawn_at": at,
            "withdrawn_by": by,
            "withdrawn_why_sha256": sha256_text(WHY),
        }
    ]
    verified = cli("verify", pdf)
    assert (verified.exit_code, verified.stderr) == (0, "")
    bates = report["bates"]
    assert verified.stdout.splitlines() == [
        f"{pdf}: matches the archive (transcript {report['transcript']}, 2 messages, {report['pages']} pages,"
        f" Bates {bates['first']} to {bates['last']}).",
        "  consent 1 of Sam Client, which its cover shows (given 2024-03-05 00:00:00 -05:00, text), was withdrawn"
        f" since the transcript was made, on {times.display(at, NY)} by {by} (recorded by mistake: a transcript"
        " made now leaves it out)",
    ]
    assert WHY not in verified.stdout + json.dumps(report)
