"""A WhatsApp client's STOP (second reader, round 15): a client known by the name their chat writes has no number on
record, and their STOP, which the review flagged (and every text after it), was missing from the transcript's cover,
from the review report and from `client consent`, each of which read opt-outs from the client's numbers and addresses
only. Each now also reads the other person of each one-to-one conversation filed to the client's matters; a group's
or a thread between others' senders are not the client."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

CHAT = (
    "11/10/26, 6:30 PM - Morgan Client: STOP\n"
    "11/11/26, 9:00 AM - Alex Owner: Noted, I will only call from now on.\n"
    "11/16/26, 10:00 AM - Alex Owner: Checking in. Call me.\n"
)
GROUP = (
    "11/12/26, 8:00 AM - Kit Other: STOP\n"
    "11/12/26, 8:05 AM - Morgan Client: sorry about Kit\n"
    "11/12/26, 8:06 AM - Alex Owner: No problem\n"
)


def written(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder / name


def test_a_whatsapp_clients_stop_is_on_the_cover_and_in_client_consent(cli, archive, tmp_path):
    for args in (
        ("client", "add", "Morgan Client"),
        ("matter", "open", "M1", "--client", "Morgan Client", "--title", "Therapy"),
        ("client", "consent", "Morgan Client", "--given", "2026-11-01", "--method", "verbal"),
        ("import", written(tmp_path / "a", "WhatsApp Chat with Morgan Client.txt", CHAT)),
        ("import", written(tmp_path / "b", "WhatsApp Chat with Lease Group.txt", GROUP)),
        ("file", "1", "--matter", "M1"),
        ("file", "2", "--matter", "M1"),
    ):
        r = cli(*args)
        assert r.exit_code == 0, (args, r.output)
    said = cli("client", "consent", "Morgan Client")
    assert said.stdout.splitlines()[1:] == [
        "  opted out: Morgan Client sent STOP on 2026-11-10 18:30 -05:00 (conversation 1)."  # (not Kit's, in the group)
    ]
    data = json.loads(cli("client", "consent", "Morgan Client", "--json").stdout)
    [stop] = data["opt_changes"]
    assert {k: stop[k] for k in ("conversation", "handle", "change", "keyword", "at", "precision")} == {
        "conversation": 1,
        "handle": "Morgan Client",
        "change": "out",
        "keyword": "STOP",
        "at": "2026-11-10T23:30:00.000Z",
        "precision": "minute",
    }
    made = cli("transcript", "M1", "--mkdir", "--out-dir", tmp_path / "out", "--json")
    assert made.exit_code == 0, made.output
    pdf = json.loads(made.stdout)["path"]
    text = " ".join(subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True, check=True).stdout.split())
    assert "Opted out: “STOP” from Morgan Client on 2026-11-10 18:30 -05:00, message #1.1." in text
    assert "from Kit Other" not in text and "No opt-out" not in text
    # filed to another client's matter too, the chat is no longer known to be Morgan's alone (round 16)
    assert cli("client", "add", "Riley Other").exit_code == 0
    assert cli("matter", "open", "R1", "--client", "Riley Other", "--title", "Lease").exit_code == 0
    assert cli("file", "1", "--matter", "R1", "--also").exit_code == 0
    assert "opted out" not in cli("client", "consent", "Riley Other").stdout
    assert "opted out: Morgan Client sent STOP" in cli("client", "consent", "Morgan Client").stdout  # (named so)


def flags(archive) -> list[tuple]:
    return [
        tuple(r)
        for r in archive.conn.execute(
            "SELECT f.rule, m.body, f.state FROM review_flags f JOIN messages m ON m.id = f.message_id"
            " WHERE f.rule LIKE '%opt_out' ORDER BY m.sent_at, f.rule"
        )
    ]


def test_a_consent_given_after_an_opt_out_ends_it(cli, archive, tmp_path):
    """Second reader, round 15: a client who sent STOP could opt back in only by texting START; the consent they gave
    in a session since was no way back, and every later text to them stayed flagged. A consent given after the
    opt-out ends it, as an opt-in does; withdrawn as recorded by mistake, it ends nothing."""
    for args in (
        ("client", "add", "Morgan Client"),
        ("matter", "open", "M1", "--client", "Morgan Client", "--title", "Therapy"),
        ("client", "consent", "Morgan Client", "--given", "2026-11-01", "--method", "verbal"),
        ("import", written(tmp_path / "a", "WhatsApp Chat with Morgan Client.txt", CHAT)),
        ("file", "1", "--matter", "M1"),
    ):
        assert cli(*args).exit_code == 0, args
    stopped = [
        ("opt_out", "STOP", "open"),
        ("after_opt_out", "Noted, I will only call from now on.", "open"),
        ("after_opt_out", "Checking in. Call me.", "open"),
    ]
    assert flags(archive) == stopped
    given = cli("client", "consent", "Morgan Client", "--given", "2026-11-15", "--method", "written")
    assert given.exit_code == 0 and "1 open flag cleared" in given.stdout, given.output
    assert flags(archive) == [*stopped[:2], ("after_opt_out", "Checking in. Call me.", "cleared")]
    withdrawn = cli("client", "consent", "Morgan Client", "--withdraw", "2", "--reason", "wrong client")
    assert withdrawn.exit_code == 0, withdrawn.output
    assert flags(archive) == stopped  # (the same flag, opened again)
    # given before the opt-out, a consent ends nothing
    assert cli("client", "consent", "Morgan Client", "--given", "2026-11-05", "--method", "written").exit_code == 0
    assert flags(archive) == stopped
    assert cli("verify").exit_code == 0


def test_a_note_shows_a_whatsapp_time_at_its_precision(cli, archive, tmp_path):
    """Second reader, round 15: `note show` printed a WhatsApp time with seconds the export never wrote."""
    for args in (
        ("client", "add", "Morgan Client"),
        ("matter", "open", "M1", "--client", "Morgan Client", "--title", "Therapy"),
        ("import", written(tmp_path / "a", "WhatsApp Chat with Morgan Client.txt", CHAT)),
        ("file", "1", "--matter", "M1"),
        ("note", "add", "M1", "Called instead", "--about", "#1.2"),
    ):
        assert cli(*args).exit_code == 0, args
    shown = cli("note", "show", "1").stdout.splitlines()
    assert "  #1.2  2026-11-11 09:00 -05:00  out" in shown, shown


def test_a_consent_that_ended_an_opt_out_ends_it_only_while_in_force():
    """Second reader, round 16: STOP, then a consent, revoked since: a text after the revocation was flagged by
    nothing (the consent given before the STOP still covered it). The opt-out holds again from the revocation,
    unless the client opted back in by text meanwhile."""
    from textfile.review.consent import OptChange
    from textfile.review.rules import _opted_out_spans

    stop = OptChange("m1", 1, "Morgan Client", "out", "STOP", "2026-11-10T15:30:00.000Z")
    start = OptChange("m2", 1, "Morgan Client", "in", "START", "2026-11-13T15:00:00.000Z")
    given, revoked = "2026-11-12T15:00:00.000Z", "2026-11-14T15:00:00.000Z"
    assert _opted_out_spans([stop], [(given, None)]) == [(stop.at, given, stop)]
    assert _opted_out_spans([stop], [(given, revoked)]) == [(stop.at, given, stop), (revoked, None, stop)]
    assert _opted_out_spans([stop, start], [(given, revoked)]) == [(stop.at, given, stop)]
    # a consent given before the opt-out ends nothing, revoked or not
    assert _opted_out_spans([stop], [("2026-11-01T04:00:00.000Z", revoked)]) == [(stop.at, None, stop)]


def test_a_revocation_ends_every_consent_in_force(cli, archive, tmp_path):
    """Second reader, round 17: `--revoked` ended the latest consent only; an older one still in force covered every
    later text, and the client's withdrawal flagged nothing."""
    for args in (
        ("client", "add", "Morgan Client"),
        ("matter", "open", "M1", "--client", "Morgan Client", "--title", "Therapy"),
        (
            "import",
            written(tmp_path / "a", "WhatsApp Chat with Morgan Client.txt", "11/16/26, 10:00 AM - Alex Owner: Hi\n"),
        ),
        ("file", "1", "--matter", "M1"),
        ("client", "consent", "Morgan Client", "--given", "2026-11-01", "--method", "verbal"),
        ("client", "consent", "Morgan Client", "--given", "2026-11-12 10:00", "--method", "written"),
        ("client", "consent", "Morgan Client", "--revoked", "2026-11-14 10:00"),
    ):
        assert cli(*args).exit_code == 0, args
    assert [tuple(r) for r in archive.conn.execute("SELECT id, revoked_at FROM consents ORDER BY id")] == [
        (1, "2026-11-14T15:00:00.000Z"),
        (2, "2026-11-14T15:00:00.000Z"),
    ]
    assert [
        tuple(r) for r in archive.conn.execute("SELECT command FROM audit_log WHERE command LIKE 'client consent%'")
    ] == [("client consent",), ("client consent",), ("client consent revoked",), ("client consent revoked",)]
    assert [tuple(r) for r in archive.conn.execute("SELECT rule, state FROM review_flags")] == [("no_consent", "open")]


def test_a_third_persons_stop_in_a_chat_filed_to_two_clients_is_on_both(cli, archive, tmp_path):
    """Second reader, round 17: a one-to-one chat with a third person (a guardian), filed to two clients' matters:
    their STOP, which flags the owner's next text, was on neither client's cover."""
    chat = "11/09/26, 10:00 AM - Alex Owner: Hello\n11/10/26, 10:30 AM - Pat Guardian: STOP\n"
    for args in (
        ("client", "add", "Morgan Client"),
        ("client", "add", "Riley Other"),
        ("matter", "open", "M1", "--client", "Morgan Client", "--title", "A"),
        ("matter", "open", "R1", "--client", "Riley Other", "--title", "B"),
        ("import", written(tmp_path / "a", "WhatsApp Chat with Pat Guardian.txt", chat)),
        ("file", "1", "--matter", "M1"),
        ("file", "1", "--matter", "R1", "--also"),
    ):
        assert cli(*args).exit_code == 0, args
    for client in ("Morgan Client", "Riley Other"):
        said = cli("client", "consent", client).stdout
        assert "  opted out: Pat Guardian sent STOP on 2026-11-10 10:30 -05:00 (conversation 1)." in said, said
