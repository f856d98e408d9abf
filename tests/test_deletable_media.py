"""`deletable` and attachments the archive does not hold (a WhatsApp chat exported without media, an MMS part in
corrupt base64): a thread whose messages up to the safe instant have one is safe to delete up to its texts only,
and the verdict says how many attachments deleting it loses, the first by number, and how to fill them in;
`coverage` lists them and `status` counts them on one line. An import holding their bytes fills them in, and a
thread with every attachment archived keeps the verdict it always had."""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest
from conftest import FIXTURES

WHATSAPP = FIXTURES / "whatsapp"
SAM_CHAT = WHATSAPP / "WhatsApp Chat with Sam Client.txt"  # (IMG-20240312-WA0001.jpg beside it; the .opus is not)
SMS = FIXTURES / "android" / "sms-20240301.xml"  # (mms 4's report.pdf: corrupt base64)
SAFE_KEYS = [  # a verdict's JSON as it was before attachments were weighed: a thread with all of them keeps it
    "conversation",
    "platform",
    "title",
    "participants",
    "messages",
    "last_archived",
    "last_archived_precision",
    "sources",
    "safe_until",
    "safe_until_precision",
    "safe_until_number",
    "untranscribed",
    "unfiled",
    "broken_transcripts",
    "legal_hold",
    "ignored",
    "elsewhere",
    "changed_since_transcript",
    "verdict",
    "safe",
]


@pytest.fixture
def lease(cli):
    assert cli("client", "add", "Sam Client", "--phone", "+12025550143").exit_code == 0
    assert cli("matter", "open", "M-1", "--client", "Sam Client", "--title", "Lease").exit_code == 0


def verdicts(cli) -> dict[int, dict]:
    r = cli("deletable", "--json")
    assert r.exit_code == 0, r.output
    return {v["conversation"]: v for v in json.loads(r.stdout)}


def message_id(archive, body: str) -> str:
    return archive.conn.execute("SELECT id FROM messages WHERE body = ?", (body,)).fetchone()[0]


def test_a_whatsapp_chat_exported_without_media_is_safe_to_delete_up_to_its_texts_only(cli, archive, lease, tmp_path):
    assert cli("import", SAM_CHAT).exit_code == 0
    assert cli("file", 1, "--matter", "M-1").exit_code == 0
    assert cli("transcript", "M-1", "--out", tmp_path / "t.pdf").exit_code == 0
    said = (
        "safe to delete the texts from the phone up to 2024-11-03 01:30 -04:00 (#1.15), not the media: 2 attachments"
        " are not in the archive (the first #1.6, media omitted): deleting the thread from the phone loses them;"
        " export the chat again with media and import it to fill them in, or delete anyway where they are kept"
        " elsewhere or not needed"
    )
    [v] = verdicts(cli).values()
    assert v == {
        "conversation": 1,
        "platform": "whatsapp",
        "title": "Sam Client",
        "participants": ["Sam Client"],
        "messages": 15,
        "last_archived": "2024-11-03T05:30:00.000Z",
        "last_archived_precision": "minute",
        "sources": [
            {
                "file_name": SAM_CHAT.name,
                "imported_at": v["sources"][0]["imported_at"],
                "last_message": "2024-11-03T05:30:00.000Z",
                "custodian": None,
            }
        ],
        "safe_until": "2024-11-03T05:30:00.000Z",
        "safe_until_precision": "minute",
        "safe_until_number": "1.15",
        "untranscribed": 0,
        "unfiled": 0,
        "broken_transcripts": [],
        "legal_hold": [],
        "ignored": None,
        "elsewhere": [],
        "changed_since_transcript": 0,
        "attachments_not_archived": 2,
        "attachments_not_archived_at": [
            {
                "message": "1.6",
                "message_id": message_id(archive, "Photo of page 2"),
                "attachment": 1,
                "file_name": None,
                "reason": 'media omitted by export, which does not say what kind (the export wrote "<Media omitted>")',
            },
            {
                "message": "1.14",
                "message_id": archive.conn.execute(
                    "SELECT message_id FROM message_attachments WHERE file_name = 'PTT-20240312-WA0002.opus'"
                ).fetchone()[0],
                "attachment": 1,
                "file_name": "PTT-20240312-WA0002.opus",
                "reason": "file not found beside the chat text",
            },
        ],
        "verdict": said,
        "safe": False,
    }
    assert cli("deletable").stdout.splitlines()[3:6] == [
        "│ 1 │ whatsapp │ Sam Client   │ 15       │ 2024-11-03 01:30 -04:00 │ safe to delete the texts from the phone up to"
        " 2024-11-03 01:30 -04:00 (#1.15), not the media: 2 attachments are not in the        │",
        "│   │          │              │          │                         │ archive (the first #1.6, media omitted):"
        " deleting the thread from the phone loses them; export the chat again with media and      │",
        "│   │          │              │          │                         │ import it to fill them in, or delete anyway"
        " where they are kept elsewhere or not needed                                           │",
    ]
    assert cli("coverage").stdout == (
        "Conversation 1: Sam Client (whatsapp, 15 messages, filed to M-1)\n"
        "  2 attachments are not in the archive (the first #1.6, media omitted): deleting\n"
        "    the thread from the phone loses them; export the chat again with media and\n"
        "    import it to fill them in.\n"
        "1 conversation filed: 1 with something to say, 0 with nothing; 2 attachments not\n"
        "  in the archive.\n"
    )
    report = json.loads(cli("coverage", "--json").stdout)
    assert (report["conversations"][0]["attachments_not_archived"], report["attachments_not_archived"]) == (
        v["attachments_not_archived_at"],
        2,
    )
    status = cli("status", "--json")
    assert (status.exit_code, json.loads(status.stdout)["attachments_not_archived"]) == (4, 2)  # (4: the review flags)
    assert (
        "2 attachments of filed conversations are not in the archive: deleting their threads from the phone loses them"
        " (textfile coverage)"
    ) in cli("status").stdout.splitlines()

    # The chat exported again with media: the import fills both in (a new version of each message, the one without
    # them kept), changed since the transcript; rendered again, the thread is safe to delete, said as it always was.
    again = tmp_path / "with media"
    again.mkdir()
    (again / SAM_CHAT.name).write_text(
        SAM_CHAT.read_text(encoding="utf-8").replace("<Media omitted>", "IMG-20240312-WA0003.jpg (file attached)"),
        encoding="utf-8",
    )
    for name in ("IMG-20240312-WA0001.jpg", "IMG-20240312-WA0003.jpg"):
        shutil.copy(WHATSAPP / "IMG-20240312-WA0001.jpg", again / name)
    voice = b"OggS voice note"
    (again / "PTT-20240312-WA0002.opus").write_bytes(voice)
    r = cli("import", again / SAM_CHAT.name, "--json")
    assert [(i["added"], i["updated"]) for i in json.loads(r.stdout)] == [(0, 2)]
    assert [w for w in json.loads(r.stdout)[0]["warnings"] if "attachments" in w] == [  # (said as that, not an edit)
        "the missing attachments of 2 messages are now in the archive (an earlier export lacked their bytes); the"
        " earlier versions are kept (line 7, line 17)"
    ]
    jpg, opus = (hashlib.sha256(b).hexdigest() for b in ((WHATSAPP / "IMG-20240312-WA0001.jpg").read_bytes(), voice))
    assert [
        tuple(r)
        for r in archive.conn.execute(
            "SELECT m.body, a.position, a.file_name, a.mime, a.blob_sha256, a.missing_reason FROM message_attachments a"
            " JOIN messages m ON m.id = a.message_id ORDER BY m.sent_at"
        )
    ] == [
        ("Photo of page 2", 0, "IMG-20240312-WA0003.jpg", "image/jpeg", jpg, None),
        ("Signed copy", 0, "IMG-20240312-WA0001.jpg", "image/jpeg", jpg, None),
        ("", 0, "PTT-20240312-WA0002.opus", "audio/ogg", opus, None),
    ]
    assert verdicts(cli)[1]["verdict"] == (
        "safe to delete from the phone up to 2024-03-12 09:05 -04:00 (#1.5); not yet: 2 messages after 2024-03-12"
        " 09:05 -04:00 changed since their transcript (render the matter again)"
    )
    assert cli("transcript", "M-1", "--out", tmp_path / "t2.pdf").exit_code == 0
    v = verdicts(cli)[1]
    assert (list(v), v["verdict"], v["safe"]) == (
        SAFE_KEYS,
        "safe to delete from the phone up to 2024-11-03 01:30 -04:00 (#1.15)",
        True,
    )
    assert cli("deletable").stdout.splitlines()[3] == (
        "│ 1 │ whatsapp │ Sam Client   │ 15       │ 2024-11-03 01:30 -04:00 │ safe to delete from the phone up to"
        " 2024-11-03 01:30 -04:00 (#1.15) │"
    )
    assert cli("coverage").stdout == "1 conversation filed: 0 with something to say, 1 with nothing.\n"
    assert "attachments_not_archived" not in json.loads(cli("status", "--json").stdout)


def test_an_mms_part_in_corrupt_base64_keeps_its_thread_from_being_safe_to_delete(cli, archive, lease, tmp_path):
    assert cli("import", SMS).exit_code == 0  # (conversations 1 and 4, 5 filed to M-1 by Sam's number; 2, 3 not)
    before = verdicts(cli)[1]  # in no transcript yet: said as before, the attachment not weighed
    assert (before["verdict"], "attachments_not_archived" in before) == (
        "not yet: 11 messages are in no transcript",
        False,
    )
    assert cli("transcript", "M-1", "--out", tmp_path / "t.pdf").exit_code == 0
    found = verdicts(cli)
    report = archive.conn.execute(
        "SELECT message_id FROM message_attachments WHERE file_name = 'report.pdf'"
    ).fetchone()
    assert {
        k: found[1][k] for k in ("safe_until_number", "attachments_not_archived", "attachments_not_archived_at")
    } == {
        "safe_until_number": "1.11",
        "attachments_not_archived": 1,
        "attachments_not_archived_at": [
            {
                "message": "1.8",
                "message_id": report[0],
                "attachment": 1,
                "file_name": "report.pdf",
                "reason": "corrupt base64: Only base64 data is allowed",
            }
        ],
    }
    assert (found[1]["verdict"], found[1]["safe"]) == (
        "safe to delete the texts from the phone up to 2024-03-01 12:32:00 -05:00 (#1.11), not the media: 1 attachment"
        " is not in the archive (#1.8 report.pdf): deleting the thread from the phone loses it; import an export that"
        " holds it to fill it in, or delete anyway where it is kept elsewhere or not needed",
        False,
    )
    # The group threads of the same backup hold every attachment they name: their verdicts are as they were.
    for conversation, said in ((4, "2024-03-01 12:16:00 -05:00 (#4.2)"), (5, "2024-03-01 12:25:00 -05:00 (#5.1)")):
        v = found[conversation]
        assert (list(v), v["verdict"], v["safe"]) == (SAFE_KEYS, f"safe to delete from the phone up to {said}", True)
    assert json.loads(cli("status", "--json").stdout)["safe_to_delete"] == [4, 5]
    assert (
        "1 attachment of filed conversations is not in the archive: deleting its thread from the phone loses it"
        " (textfile coverage)"
    ) in cli("status").stdout.splitlines()

    # A backup whose part is whole fills it in, as a new version of the message.
    fixed = tmp_path / "sms-20240301-whole.xml"
    fixed.write_text(SMS.read_text(encoding="utf-8").replace("JVBERi0xLjQK%%%not*base64", "JVBERi0xLjQK"), "utf-8")
    filled = cli("import", fixed)
    assert filled.exit_code == 0
    assert (
        "  warning: the missing attachments of 1 message are now in the archive (an earlier export lacked their bytes);"
        " the earlier version is kept (mms 4)"
    ) in filled.stdout.splitlines()
    assert cli("transcript", "M-1", "--out", tmp_path / "t2.pdf").exit_code == 0
    v = verdicts(cli)[1]
    assert (list(v), v["verdict"], v["safe"]) == (
        SAFE_KEYS,
        "safe to delete from the phone up to 2024-03-01 12:32:00 -05:00 (#1.11)",
        True,
    )
