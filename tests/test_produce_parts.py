"""The parts of `produce` that need no PDF: the folder, exhibit labels, what is selected and refused,
native names, the checks of a folder that is no finished production."""

from __future__ import annotations

import hashlib
import stat
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from conftest import Conversation, Participant, ingest_records, msg

from textfile.errors import Conflict, InvalidInput, NotFound
from textfile.produce import documents, selection
from textfile.produce.check import verify_production
from textfile.produce.folder import INCOMPLETE, Folder, parse_sums, sums_bytes
from textfile.produce.production import exhibit_labels


def test_a_folder_is_new_private_and_summed(tmp_path):
    folder = Folder(tmp_path / "vol1")
    assert sorted(p.name for p in folder.path.iterdir()) == sorted(
        [INCOMPLETE, "DATA", "IMAGES", "NATIVES", "RSMF", "TEXT"]
    )
    made = folder.write("DATA/a.csv", b"a,b\r\n", "csv")
    assert made == ("DATA/a.csv", "csv", 5, hashlib.sha256(b"a,b\r\n").hexdigest(), None, None)
    assert stat.S_IMODE((folder.path / "DATA/a.csv").stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.path.stat().st_mode) == 0o700
    with pytest.raises(Conflict, match="never writes over"):
        folder.write("DATA/a.csv", b"x", "csv")
    sums = folder.finish()
    data = (folder.path / "SHA256SUMS").read_bytes()
    assert data == f"{made.sha256}  DATA/a.csv\n".encode()
    assert sums == hashlib.sha256(data).hexdigest()
    assert (folder.path / INCOMPLETE).exists()  # (until the production is recorded)
    folder.done()
    assert not (folder.path / INCOMPLETE).exists()
    assert parse_sums(data) == {"DATA/a.csv": made.sha256}
    with pytest.raises(Conflict, match="not empty"):
        Folder(folder.path)
    with pytest.raises(InvalidInput, match="--mkdir"):
        Folder(tmp_path / "no" / "such")
    assert Folder(tmp_path / "no" / "such", mkdir=True).path.is_dir()


def test_sums_are_sorted_and_parse_back():
    from textfile.produce.folder import Produced

    files = [Produced("b", "x", 1, "1" * 64), Produced("a/c", "x", 1, "2" * 64)]
    assert sums_bytes(files) == ("2" * 64 + "  a/c\n" + "1" * 64 + "  b\n").encode()
    with pytest.raises(InvalidInput, match="line 1"):
        parse_sums(b"nothing here\n")


def test_exhibit_labels():
    assert exhibit_labels("1", 3) == ["Exhibit 1", "Exhibit 2", "Exhibit 3"]
    assert exhibit_labels("7", 2) == ["Exhibit 7", "Exhibit 8"]
    assert exhibit_labels("A", 2) == ["Exhibit A", "Exhibit B"]
    assert exhibit_labels("y", 4) == ["Exhibit Y", "Exhibit Z", "Exhibit AA", "Exhibit AB"]
    for bad in ("0", "A1", "-2", "Ä"):
        with pytest.raises(InvalidInput, match="--exhibit-start"):
            exhibit_labels(bad, 1)


def test_native_names_keep_a_plain_extension_only():
    assert documents.native_name("TF-000004", "IMG_0001.JPG") == "TF-000004.jpg"
    assert documents.native_name("TF-000004", "../../etc/passwd") == "TF-000004"
    assert documents.native_name("TF-000004", "a.tar.gz") == "TF-000004.gz"
    assert documents.native_name("TF-000004", "evil.p h p") == "TF-000004"
    assert documents.native_name("TF-000004", None) == "TF-000004"


OTHER = Conversation(
    "android",
    "+12025550178",
    None,
    False,
    (Participant("+12025550178", "Bo"), Participant("+12025550100", "Alex Owner", True)),
)


def at(n: int, when: str, **extra):
    return replace(msg(n, **extra), sent_at=datetime.fromisoformat(when).replace(tzinfo=UTC))


@pytest.fixture
def filed(cli, archive):
    """Conversation 1: ten messages, 1 March 12:01 to 12:10 UTC, filed to M-1 from 12:03 on."""
    assert cli("client", "add", "Sam Client", "--phone", "+12025550143").exit_code == 0
    assert cli("matter", "open", "M-1", "--client", "Sam Client", "--title", "Lease").exit_code == 0
    ingest_records(archive, [msg(n) for n in range(1, 11)])  # (filed to M-1 by its client's number)
    assert cli("unfile", "1").exit_code == 0
    assert cli("file", "1", "--matter", "M-1", "--from", "2024-03-01T12:03:00Z").exit_code == 0, cli(
        "conversations"
    ).output
    return archive


def ids(archive, numbers) -> list[str]:
    rows = [r[0] for r in archive.conn.execute("SELECT id FROM messages WHERE conversation_id = 1 ORDER BY sent_at")]
    return [rows[n - 1] for n in numbers]


def test_selection_is_the_matter_s_own_messages(filed):
    chosen = selection.select(filed.conn, "M-1", None, None, None)
    assert chosen.conversations == [1] and chosen.ids == ids(filed, range(3, 11))
    window = selection.select(filed.conn, "M-1", "2024-03-01T12:05:00.000Z", "2024-03-01T12:06:00.000Z", None)
    assert window.ids == ids(filed, [5, 6])
    around = selection.select(
        filed.conn, "M-1", "2024-03-01T12:05:00.000Z", "2024-03-01T12:06:00.000Z", None, context=3
    )
    assert around.ids == ids(filed, range(3, 10))  # (#1 and #2 are not the matter's: never context)
    with pytest.raises(NotFound, match="nothing to produce"):
        selection.select(filed.conn, "M-1", "2025-01-01T00:00:00.000Z", None, None)


def test_a_named_conversation_with_unfiled_messages_in_the_window_is_refused(filed):
    with pytest.raises(
        InvalidInput, match=r"messages #1\.1, #1\.2 of the conversations named are in the window but not filed"
    ):
        selection.select(filed.conn, "M-1", None, None, [1])
    assert selection.select(filed.conn, "M-1", "2024-03-01T12:03:00.000Z", None, [1]).ids == ids(filed, range(3, 11))
    with pytest.raises(NotFound, match=r"no conversation 9 \(see"):
        selection.select(filed.conn, "M-1", None, None, [9])
    ingest_records(filed, [msg(1, conversation=OTHER)], name="other.xml")
    with pytest.raises(NotFound, match="conversation 2 is not filed to matter M-1"):
        selection.select(filed.conn, "M-1", None, None, [2])


def test_open_flags_and_earlier_productions_refuse(filed):
    mid = ids(filed, [4])[0]
    filed.conn.execute(
        "INSERT INTO review_flags (message_id, rule, raised_at) VALUES (?, 'lexicon', '2024-03-01T00:00:00.000Z')",
        (mid,),
    )
    with pytest.raises(Conflict, match="1 review flag is still open"):
        selection.check_reviewed(filed.conn, ids(filed, range(3, 11)))
    selection.check_reviewed(filed.conn, ids(filed, [5]))
    filed.conn.execute(
        "INSERT INTO productions (id, matter_id, folder, options, bates_prefix, bates_first, bates_last, sums_sha256,"
        " created_at, created_by) VALUES (4, 1, '/x', '{}', 'TF', 1, 2, 'x', 'now', 'me')"
    )
    filed.conn.execute("INSERT INTO production_messages VALUES (4, ?, 'h', 'TF-000002', '[]')", (mid,))
    with pytest.raises(Conflict, match=r"1 in production 4 \(TF-000002–TF-000002\).*--reproduce"):
        selection.check_not_produced(filed.conn, ids(filed, range(3, 11)), False)
    assert selection.check_not_produced(filed.conn, ids(filed, range(3, 11)), True) == [
        {"production": 4, "messages": 1, "first": "TF-000002", "last": "TF-000002"}
    ]


def test_a_folder_that_is_no_finished_production_is_said_so(archive, tmp_path):
    folder = Folder(tmp_path / "half")
    check = verify_production(archive, folder.path)
    assert check.ok is False
    assert check.problems == [
        f"{INCOMPLETE}: the production was not finished",
        "SHA256SUMS is missing: this is not a production textfile finished",
    ]
    with pytest.raises(NotFound):
        verify_production(archive, tmp_path / "none")
    (tmp_path / "plain").mkdir()
    with pytest.raises(InvalidInput, match="nor a production's folder"):
        verify_production(archive, tmp_path / "plain")


def test_an_interrupted_production_says_whether_its_folder_is_complete(tmp_path):
    from textfile.produce.production import interrupted

    assert interrupted(tmp_path / "none") == "Interrupted before anything was written"
    folder = Folder(tmp_path / "vol1")
    assert interrupted(folder.path).startswith(f"Interrupted: {folder.path} is unfinished ({INCOMPLETE}): do not hand")
    folder.finish()
    assert "SHA256SUMS was written: `textfile verify" in interrupted(folder.path)  # (recorded or not: verify says)
    folder.done()
    assert interrupted(folder.path).startswith(
        f"Interrupted after the production in {folder.path} was made and recorded"
    )


def test_a_bad_out_is_one_line_never_an_internal_error(tmp_path):
    (tmp_path / "afile").write_text("x")
    with pytest.raises(InvalidInput, match="afile is a file, not a folder"):
        Folder(tmp_path / "afile" / "x", mkdir=True)
    with pytest.raises(InvalidInput, match="afile is a file, not a folder"):
        Folder(tmp_path / "afile" / "x" / "y")
