"""The transcript cover states the client's consent to be texted and opt-out history (issue 18).

Sam Client consented in writing (with a signed document) and revoked it, then consented verbally;
sent STOP and then START in the conversation filed to the matter (#1.3 and #1.5 of the transcript),
and "Stop" in a group chat imported later and filed to another matter (not in this transcript); and is marked a minor,
with a guardian. Pat Client has none of these. The cover says each, in the transcript's zone, and
the manifest carries the same as data (`disclosures["consent"]`); the transcript verifies.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ME, OWNER, SAM, msg, source

from textfile import filing, times
from textfile.archive import Archive
from textfile.ingest import ingest
from textfile.model import Conversation, Participant
from textfile.review import consent, settings
from textfile.transcript import make_transcript, manifest
from textfile.transcript.content import plan, resolve_scope
from textfile.transcript.content.consent import consent_disclosed

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")

NEW_YORK = times.zone("America/New_York")
KIM = Participant("+12025550191", "Kim Other")
GROUP = Conversation("android", "+12025550143~+12025550191", None, True, (SAM, KIM, ME))
PAT = Participant("+12025550177", "Pat Client")
PAT_CHAT = Conversation("android", "+12025550177", None, False, (PAT, ME))
DOCUMENT = b"%PDF-1.4 I agree to be texted about scheduling.\n"


def records():
    """Conversation 1 (Sam): STOP at #1.3, START at #1.5; conversation 2 (Pat): nothing of the kind."""
    return [
        msg(0, "Can we meet Tuesday?"),
        msg(1, "Yes, 10am", out=True),
        msg(2, "STOP"),
        msg(3, "You are opted out", out=True),
        msg(4, " Start "),
        msg(5, "Thanks for the reminder"),
        msg(20, "Hello", conversation=PAT_CHAT),
        msg(21, "STOP texting me at night", conversation=PAT_CHAT),  # not a keyword as a whole
    ]


def group_records():
    """Conversation 3, imported later (the group chat, filed to Sam's other matter): "Stop" from Sam."""
    return [msg(10, "Stop", conversation=GROUP), msg(11, "Ok", conversation=GROUP, out=True)]


@pytest.fixture
def made(tmp_path, monkeypatch):
    """The archive (its path) with Sam's and Pat's matters, consents and minority; the consents recorded."""
    monkeypatch.setenv("LOGNAME", "paralegal3")
    path = tmp_path / "archive.db"
    doc = tmp_path / "consent form.pdf"
    doc.write_bytes(DOCUMENT)
    with Archive.create(path, **OWNER) as archive:
        ingest(archive, source(), records())
        with archive.transaction() as conn:
            filing.add_client(conn, "Sam Client", ["+12025550143"], [], "US")
            filing.add_client(conn, "Pat Client", ["+12025550177"], [], "US")
            filing.open_matter(conn, "2026-014", "Sam Client", "Lease dispute")  # (files conversation 1)
            filing.open_matter(conn, "2026-020", "Pat Client", "Will")  # (files conversation 2)
            filing.open_matter(conn, "2026-015", "Sam Client", "Custody")
        ingest(archive, source("sms-group.xml"), group_records())
        with archive.transaction() as conn:
            filing.file_conversation(conn, 3, "2026-015", None, None)
            first = consent.give_consent(conn, "Sam Client", "2024-02-01", "written", "scheduling only", doc, NEW_YORK)
            revoked = consent.revoke_consent(conn, "Sam Client", "2024-03-01", NEW_YORK)
            second = consent.give_consent(conn, "Sam Client", "2024-03-02T09:30", "verbal", None, None, NEW_YORK)
            consent.mark_minor(conn, "Sam Client", True, ["(202) 555-0188"], "US")
            marked = consent.minor(conn, 1)
    return path, first, revoked, second, marked


def sam_expected(first, second, marked, zone=NEW_YORK) -> dict:
    def local(at, precision=None):
        return times.display(at, zone, precision)

    return {
        "client": "Sam Client",
        "required": True,
        "consents": [
            {
                "given_at": "2024-02-01T05:00:00.000Z",
                "given_local": local("2024-02-01T05:00:00.000Z"),
                "method": "written",
                "scope": "scheduling only",
                "document": "consent form.pdf",
                "document_sha256": hashlib.sha256(DOCUMENT).hexdigest(),
                "revoked_at": "2024-03-01T05:00:00.000Z",
                "revoked_local": local("2024-03-01T05:00:00.000Z"),
                "recorded_at": first.recorded_at,
                "recorded_local": local(first.recorded_at),
                "recorded_by": "paralegal3",
            },
            {
                "given_at": "2024-03-02T14:30:00.000Z",
                "given_local": local("2024-03-02T14:30:00.000Z"),
                "method": "verbal",
                "scope": None,
                "document": None,
                "document_sha256": None,
                "revoked_at": None,
                "revoked_local": "",
                "recorded_at": second.recorded_at,
                "recorded_local": local(second.recorded_at),
                "recorded_by": "paralegal3",
            },
        ],
        "opt_changes": [
            {
                "change": "out",
                "keyword": "STOP",
                "handle": "+12025550143",
                "at": "2024-03-01T12:02:00.000Z",
                "at_local": local("2024-03-01T12:02:00.000Z"),
                "message": ID["STOP"],
                "conversation": 1,
                "seq": "1.3",
            },
            {
                "change": "in",
                "keyword": "START",
                "handle": "+12025550143",
                "at": "2024-03-01T12:04:00.000Z",
                "at_local": local("2024-03-01T12:04:00.000Z"),
                "message": ID[" Start "],
                "conversation": 1,
                "seq": "1.5",
            },
            {
                "change": "out",
                "keyword": "STOP",
                "handle": "+12025550143",
                "at": "2024-03-01T12:10:00.000Z",
                "at_local": local("2024-03-01T12:10:00.000Z"),
                "message": ID["Stop"],
                "conversation": 3,
                "seq": None,
            },
        ],
        "minor": {
            "guardians": ["+12025550188"],
            "marked_at": marked.marked_at,
            "marked_local": local(marked.marked_at),
            "marked_by": "paralegal3",
        },
    }


ID: dict[str, str] = {}  # a message's body -> its id, read from the archive (`message_ids`)


def message_ids(path: Path) -> None:
    with Archive.open(path) as archive:
        ID.update({body: mid for mid, body in archive.conn.execute("SELECT id, body FROM messages")})


def render(path: Path, out: Path, **options) -> str:
    """The transcript made, its cover's words (pdftotext) with white space made single spaces."""
    with Archive.open(path) as archive:
        make_transcript(archive, out=out, **options)
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", " ", text)


def test_the_cover_states_consents_revoked_opt_outs_with_their_numbers_and_the_minor(made, tmp_path):
    path, first, _, second, marked = made
    message_ids(path)
    with Archive.open(path) as archive:  # the review scan each import runs recorded the keywords
        assert [(c.message_id, c.change, c.keyword) for c in consent.opt_changes(archive.conn)] == [
            (ID["STOP"], "out", "STOP"),
            (ID[" Start "], "in", "START"),
            (ID["Stop"], "out", "STOP"),
        ]
    pdf = tmp_path / "sam.pdf"
    text = render(path, pdf, matter="2026-014")
    disclosed = json.loads(manifest.read(pdf))["disclosures"]
    assert disclosed["consent"] == sam_expected(first, second, marked)
    cover = text[text.index("Consent to text") : text.index("Assumed or decided")]
    sha = hashlib.sha256(DOCUMENT).hexdigest()
    assert cover.replace(sha[:32] + " " + sha[32:], sha) == (
        "Consent to text"
        " • Sam Client consented to be texted on 2024-02-01 00:00:00 -05:00, written, for “scheduling only”;"
        f" the document: consent form.pdf, sha256 {sha}; revoked on 2024-03-01 00:00:00 -05:00."
        f" Recorded by paralegal3 on {times.display(first.recorded_at, NEW_YORK)}."
        " • Sam Client consented to be texted on 2024-03-02 09:30:00 -05:00, verbal; no document is on record;"
        f" not revoked. Recorded by paralegal3 on {times.display(second.recorded_at, NEW_YORK)}."
        " • Opted out: “STOP” from +12025550143 on 2024-03-01 07:02:00 -05:00, message #1.3."
        " • Opted back in: “START” from +12025550143 on 2024-03-01 07:04:00 -05:00, message #1.5."
        " • Opted out: “STOP” from +12025550143 on 2024-03-01 07:10:00 -05:00, a message of conversation 3"
        " not in this transcript."
        f" • Sam Client is marked a minor (by paralegal3 on {times.display(marked.marked_at, NEW_YORK)});"
        " the guardian's number or address: +12025550188."
        " An opt-out is an incoming message that is, as a whole, STOP, STOPALL, UNSUBSCRIBE, CANCEL, END or QUIT"
        " (case and the spaces around it aside: the carriers' keywords); START, UNSTOP or YES opts back in, as does"
        " a consent the client gave after it, while in force (listed above). Each applies to the number or address"
        " that sent it, in every conversation, until the next. "
    )
    with Archive.open(path) as archive:
        check = manifest.verify_pdf(archive.conn, archive.settings.archive_id, pdf)
    assert check.problems == []


def test_a_client_with_none_of_it_has_no_consent_on_record(made, tmp_path):
    path = made[0]
    pdf = tmp_path / "pat.pdf"
    text = render(path, pdf, client="Pat Client")
    assert json.loads(manifest.read(pdf))["disclosures"]["consent"] == {
        "client": "Pat Client",
        "required": True,
        "consents": [],
        "opt_changes": [],
        "minor": None,
    }
    cover = text[text.index("Consent to text") : text.index("Owner / custodian")]
    assert cover == (  # (nothing on record: one line of the cover's facts, not a section)
        "Consent to text none on record for Pat Client, nor any opt-out (STOP) or opt-in (START); the archive"
        " requires consent: texts sent without it are flagged for review "
    )
    assert text.count("Consent to text") == 1


def test_the_history_is_told_in_the_transcripts_zone_and_what_the_archive_does_not_require(made):
    """Another zone prints the same instants with its offset; with consent not required, the cover says so."""
    path, first, _, second, marked = made
    message_ids(path)
    london = times.zone("Europe/London")
    with Archive.open(path) as archive:
        conn = archive.conn
        scope = resolve_scope(conn, "2026-014", None, None, None)
        assert consent_disclosed(conn, scope, plan(conn, scope), london) == sam_expected(first, second, marked, london)
        assert consent_disclosed(conn, scope, plan(conn, scope), london)["consents"][0]["given_local"] == (
            "2024-02-01 05:00:00 +00:00"
        )
        with archive.transaction() as tx:
            settings.set_review_settings(tx, consent_required=False)
        pat = resolve_scope(conn, None, "Pat Client", None, None)
        assert consent_disclosed(conn, pat, plan(conn, pat), NEW_YORK) == {
            "client": "Pat Client",
            "required": False,
            "consents": [],
            "opt_changes": [],
            "minor": None,
        }
