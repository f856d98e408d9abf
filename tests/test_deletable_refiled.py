"""`deletable` counts only the transcripts of the matters a conversation is filed to: one filed by mistake to another
client's matter and transcribed there, then filed where it belongs, is not safe to delete on the strength of the
other client's transcript (its texts are in the wrong file, none in theirs) until its own matter's transcript holds
it (second reader round 4, #6); `verify` of the other client's transcript says it holds a conversation filed
elsewhere now (round 5, #6)."""

from __future__ import annotations

import json

from conftest import FIXTURES

SMS = FIXTURES / "android" / "sms-20240301.xml"


# Sam's and Pat's matters, then the backup whose conversation 1 is Sam's (filed to S-1 on arrival)
SAM_AND_PAT = [
    ("client", "add", "Sam Client", "--phone", "+12025550143"),
    ("client", "add", "Pat Reed", "--phone", "+12025550133"),
    ("matter", "open", "S-1", "--client", "Sam Client", "--title", "Lease"),
    ("matter", "open", "P-1", "--client", "Pat Reed", "--title", "Family"),
    ("import", SMS),
]


def verdict(cli, conversation: int) -> dict:
    r = cli("deletable", "--json")
    assert r.exit_code == 0, r.output
    return next(v for v in json.loads(r.stdout) if v["conversation"] == conversation)


def test_another_clients_transcript_does_not_make_a_thread_safe_to_delete(cli, archive, tmp_path):
    for args in [
        *SAM_AND_PAT,
    ]:
        assert cli(*args).exit_code == 0, args
    assert cli("unfile", "1", "--matter", "S-1", "--reason", "to show the mistake").exit_code == 0
    assert cli("file", "1", "--matter", "P-1", "--also").exit_code == 0  # (the mistake: Pat's matter)
    assert cli("transcript", "P-1", "--out", tmp_path / "p.pdf").exit_code == 0
    wrongly = verdict(cli, 1)  # (its texts safe up to its last: report.pdf, corrupt in the backup, is said apart)
    assert (wrongly["safe_until_number"], wrongly["untranscribed"]) == ("1.11", 0)

    assert cli("unfile", "1", "--matter", "P-1", "--reason", "Sam's thread, not Pat's").exit_code == 0
    assert cli("file", "1", "--matter", "S-1").exit_code == 0
    moved = verdict(cli, 1)

    assert (moved["safe"], moved["safe_until"], moved["untranscribed"]) == (False, None, 11)
    # Pat's transcript still verifies (it is what was made), and says it holds a conversation filed elsewhere now
    checked = cli("verify", tmp_path / "p.pdf")
    assert checked.exit_code == 0, checked.output
    assert checked.stdout.splitlines()[1:] == [
        "  conversation 1, which it shows, is filed to its matter no longer (now to S-1 (Sam Client)): if its texts"
        " are another client's, this transcript holds them in the wrong file"
    ]
    [report] = json.loads(cli("verify", tmp_path / "p.pdf", "--json").stdout)
    assert report["unfiled"] == [{"conversation": 1, "filed_now": [{"matter": "S-1", "client": "Sam Client"}]}]
    assert moved["verdict"] == "not yet: 11 messages are in no transcript"

    assert cli("transcript", "S-1", "--out", tmp_path / "s.pdf").exit_code == 0
    again = verdict(cli, 1)
    assert (again["safe_until_number"], again["untranscribed"]) == ("1.11", 0)


def test_a_client_transcript_of_conversations_with_their_handle_says_none_was_unfiled(cli, archive, tmp_path):
    """A client's transcript shows every conversation with one of their handles, filed or not (transcript scope):
    `verify` says of none of those that it is filed to its matter no longer (it said so of each, none filed)."""
    for args in [
        ("client", "add", "Sam Client", "--phone", "+12025550143"),
        ("import", SMS),
        ("transcript", "--client", "Sam Client", "--out", tmp_path / "sam.pdf"),
    ]:
        assert cli(*args).exit_code == 0, args
    checked = cli("verify", tmp_path / "sam.pdf")
    assert checked.exit_code == 0, checked.output
    assert "filed to its matter no longer" not in checked.stdout
    [report] = json.loads(cli("verify", tmp_path / "sam.pdf", "--json").stdout)
    assert report["unfiled"] == []


def test_verify_dir_says_which_conversation_a_production_showed_is_filed_to_its_matter_no_longer(
    cli, archive, tmp_path
):
    """A conversation filed by mistake to Pat's matter and produced in it, then filed where it belongs: `verify DIR`
    still passes (the production is what was produced) and says, of the PDF that shows it, that it is filed to the
    matter no longer and where it is now: if its texts are Sam's, they went to the other side in Pat's matter."""
    from textfile.produce.check import verify_production

    for args in [
        *SAM_AND_PAT,
        ("unfile", "1", "--matter", "S-1", "--reason", "to show the mistake"),
        ("file", "1", "--matter", "P-1"),  # (the mistake: Pat's matter)
        ("produce", "P-1", "--out", tmp_path / "vol1"),
    ]:
        assert cli(*args).exit_code == 0, args
    folder = tmp_path / "vol1"
    [pdf] = [
        r[0]
        for r in archive.conn.execute("SELECT path FROM production_files WHERE kind = 'pdf' ORDER BY path")
        if r[0].startswith("IMAGES/")
    ]
    [before] = json.loads(cli("verify", folder, "--json").stdout)
    assert (before["ok"], "unfiled" in before, "notices" in before) == (True, False, False)

    assert cli("unfile", "1", "--matter", "P-1", "--reason", "Sam's thread, not Pat's").exit_code == 0
    assert cli("file", "1", "--matter", "S-1").exit_code == 0
    data = cli("verify", folder, "--json")
    assert data.exit_code == 0, data.output
    [report] = json.loads(data.stdout)
    notice = (
        f"{pdf}: conversation 1, which it shows, is filed to its matter no longer (now to S-1 (Sam Client)): if its"
        " texts are another client's, they were produced in this matter"
    )
    assert report == {
        **before,
        "unfiled": [{"pdf": pdf, "conversation": 1, "filed_now": [{"matter": "S-1", "client": "Sam Client"}]}],
        "notices": [notice],
    }
    assert verify_production(archive, folder).to_json() == report  # (said by the core, for every caller)
    text = cli("verify", folder)
    assert (text.exit_code, text.stderr) == (0, ""), text.output
    assert text.stdout.splitlines()[1:] == [f"  {notice}"]
