"""What a production asks of a transcript (issue 20, `make_transcript`'s production options): a
selection of conversations, context around the window among filed messages only, the excerpt line of
a conversation shown in part (FRE 106), an exhibit label on every page and the production on the
cover, redactions applied (black boxes, earlier versions withheld, ids in the manifest), no notes, a
signer called before the sha256 is taken, and the Bates page of every message's entry."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import types
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

import pikepdf
import pytest
from conftest import ME

from textfile import filing
from textfile.archive import Archive
from textfile.errors import InvalidInput, NotFound
from textfile.ingest import Source, ingest
from textfile.model import Conversation, Message, Participant, Version
from textfile.transcript import make_transcript, manifest
from textfile.transcript.content.excerpt import Excerpt

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")

CLIENT = Participant("+12025550200", "Client Zero")
OTHER = Participant("+12025550300", "Other Person")
CHATS = [
    Conversation("android", CLIENT.handle, None, False, (CLIENT, ME)),
    Conversation("android", OTHER.handle, None, False, (OTHER, ME)),
    Conversation("android", "+12025550400", None, False, (Participant("+12025550400", "Unfiled"), ME)),
]
START = datetime(2024, 3, 1, 14, tzinfo=UTC)


def at(chat: int, n: int) -> datetime:
    return START + timedelta(days=chat * 30, hours=n)


def messages(chat: int, count: int) -> list[Message]:
    """`count` messages of conversation `chat` (numbered from 1), an hour apart; #1.7 was edited."""
    return [
        Message(
            conversation=CHATS[chat],
            identity=(CHATS[chat].source_key, n),
            sent_at=at(chat, n),
            direction="in" if n % 3 else "out",
            sender=CHATS[chat].participants[0] if n % 3 else ME,
            body=f"Chat {chat} message {n}: the lease and the deposit.",
            source_zone="UTC",
            service="SMS",
            source_ref=f"sms {chat}-{n}",
            flags=frozenset({"edited"}) if (chat, n) == (0, 7) else frozenset(),
            versions=(Version("Chat 0 message 7 first draft SECRETWORD"),) if (chat, n) == (0, 7) else (),
        )
        for n in range(1, count + 1)
    ]


@pytest.fixture
def archive_path(tmp_path, own_config) -> Path:
    """Conversation 1 (20 messages) filed to M-1 from its #1.3 on; conversation 2 (6 messages) filed
    whole; conversation 3 (4 messages) not filed."""
    path = tmp_path / "archive.db"
    Archive.create(
        path,
        owner_name="Alex Owner",
        phones=["+12025550100"],
        emails=[],
        tz="UTC",
        region="US",
        bates_prefix="TF",
    ).close()
    with Archive.open(path) as archive:
        records = messages(0, 20) + messages(1, 6) + messages(2, 4)
        ingest(archive, Source("/x/a.xml", "a.xml", 1, "1" * 64, "android", "test", "UTC", "US"), records)
        with archive.transaction() as conn:
            filing.add_client(conn, "Client", ["+12025550999"], [], "US")
            filing.open_matter(conn, "M-1", "Client", "Lease")
            filing.file_conversation(conn, 1, "M-1", at(0, 3).strftime("%Y-%m-%dT%H:%M:%S.000Z"), None)
            filing.file_conversation(conn, 2, "M-1", None, None, also=True)
    return path


def make(path: Path, out: Path, **options):
    with Archive.open(path) as archive:
        return make_transcript(archive, matter="M-1", out=out, **{"workers": 1, **options})


def pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1]


def numbers(pdf: Path) -> list[str]:
    """The message numbers the transcript shows, in order ("1.5")."""
    return re.findall(r"^#(\d+\.\d+) ", "\n".join(pages(pdf)), re.MULTILINE)


def iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M+00:00")


def scope_of(pdf: Path) -> dict:
    return json.loads(manifest.read(pdf))["scope"]


def keyed_id(path: Path, number: str) -> str:
    """A message's id as a production names it when it redacts it (transcript/keyed.py)."""
    from textfile.transcript import keyed

    mid = ids(path)[number]
    with Archive.open(path) as archive:
        (digest,) = archive.conn.execute("SELECT content_hash FROM messages WHERE id = ?", (mid,)).fetchone()
        return keyed.for_production(archive.conn, [(mid, digest)]).value(mid)


def ids(path: Path) -> dict[str, str]:
    """Each message's id by its number ("1.5")."""
    with Archive.open(path) as archive:
        return {
            f"{c}.{n}": mid
            for c, n, mid in archive.conn.execute(
                "SELECT conversation_id, row_number() OVER (PARTITION BY conversation_id ORDER BY sent_at, rowid), id"
                " FROM messages"
            )
        }


def checked(path: Path, pdf: Path):
    from textfile.transcript.manifest import verify_pdf

    with Archive.open(path) as archive:
        return verify_pdf(archive.conn, archive.settings.archive_id, pdf)


# -- 1. conversations ------------------------------------------------------------------------------


def test_only_the_conversations_asked_for_are_shown_and_the_cover_and_manifest_say_so(archive_path, tmp_path):
    pdf = tmp_path / "t.pdf"
    made = make(archive_path, pdf, conversations=[2])
    assert numbers(pdf) == ["2.1", "2.2", "2.3", "2.4", "2.5", "2.6"]
    assert (made.messages, made.conversations) == (6, 1)
    assert "all messages filed to the matter; only conversation 2" in " ".join(pages(pdf)[0].split())
    assert scope_of(pdf)["conversations"] == [2]
    assert checked(archive_path, pdf).ok


@pytest.mark.parametrize("conversation", [3, 99])
def test_a_conversation_not_filed_to_the_matter_is_refused(archive_path, tmp_path, conversation):
    with pytest.raises(NotFound) as refused:
        make(archive_path, tmp_path / "t.pdf", conversations=[2, conversation])
    assert str(refused.value) == f"conversation {conversation} is not filed to matter M-1"
    assert not (tmp_path / "t.pdf").exists()


@pytest.mark.parametrize("asked", [[], ["two"], [None]])
def test_a_selection_that_names_no_conversation_is_refused(archive_path, tmp_path, asked):
    with pytest.raises(InvalidInput):
        make(archive_path, tmp_path / "t.pdf", conversations=asked)


# -- 2. context ------------------------------------------------------------------------------------


def test_context_adds_filed_messages_around_the_window_only(archive_path, tmp_path):
    window = {"from_": iso(at(0, 8)), "until": iso(at(0, 10))}  # #1.8–#1.10
    plain, two, wide = tmp_path / "plain.pdf", tmp_path / "two.pdf", tmp_path / "wide.pdf"
    make(archive_path, plain, **window)
    make(archive_path, two, context=2, **window)
    made = make(archive_path, wide, context=10, **window)
    assert numbers(plain) == ["1.8", "1.9", "1.10"]
    assert numbers(two) == ["1.6", "1.7", "1.8", "1.9", "1.10", "1.11", "1.12"]
    # #1.1 and #1.2 are not filed to the matter (its filing starts at #1.3): never context
    assert numbers(wide) == [f"1.{n}" for n in range(3, 21)]
    assert made.messages == 18
    cover = " ".join(pages(two)[0].split())
    assert (
        "until 2024-03-02 00:00:00 +00:00; with up to 2 messages of context before and after the window in each"
        " conversation, among those filed to the matter (4 shown, each marked as context)"
    ) in cover
    assert context_marked(two) == ["1.6", "1.7", "1.11", "1.12"]
    assert context_marked(plain) == []
    assert scope_of(two)["context"] == 2 and "context" not in scope_of(plain)
    assert checked(archive_path, two).ok


def context_marked(pdf: Path) -> list[str]:
    """The numbers of the messages marked as context (their heading line, however it wraps)."""
    text = " ".join(" ".join(pages(pdf)).split())
    return [
        n
        for n, head in re.findall(r"#(\d+\.\d+) (\d{4}-.*?)Chat \d message", text)
        if "context, outside the window" in head
    ]


def test_context_without_a_window_adds_nothing(archive_path, tmp_path):
    make(archive_path, tmp_path / "a.pdf")
    make(archive_path, tmp_path / "b.pdf", context=3)
    assert numbers(tmp_path / "a.pdf") == numbers(tmp_path / "b.pdf")
    assert "context" not in scope_of(tmp_path / "b.pdf")
    with pytest.raises(InvalidInput):
        make(archive_path, tmp_path / "c.pdf", context=-1)


# -- 3. excerpts -----------------------------------------------------------------------------------


def test_the_excerpt_line_in_words():
    assert Excerpt(0, 0, 0).said() == ""
    assert Excerpt(1, 0, 0).said() == "Excerpt: 1 earlier message of this conversation is not shown."
    assert Excerpt(12, 0, 3).said() == (
        "Excerpt: 12 earlier messages and 3 later messages of this conversation are not shown."
    )
    assert Excerpt(12, 1, 1).said() == (
        "Excerpt: 12 earlier messages, 1 message between those shown and 1 later message of this conversation"
        " are not shown."
    )
    assert Excerpt(0, 0, 1_200).said() == "Excerpt: 1,200 later messages of this conversation are not shown."


def excerpt_lines(pdf: Path) -> list[str]:
    return [" ".join(line.split()) for line in "\n".join(pages(pdf)).splitlines() if "Excerpt:" in line]


def test_a_conversation_shown_in_part_says_what_it_leaves_out(archive_path, tmp_path):
    whole, window = tmp_path / "whole.pdf", tmp_path / "window.pdf"
    make(archive_path, whole)  # conversation 1 filed from #1.3 on; conversation 2 whole: no line
    make(archive_path, window, from_=iso(at(0, 8)), until=iso(at(0, 10)))
    assert excerpt_lines(whole) == ["Excerpt: 2 earlier messages of this conversation are not shown."]
    assert excerpt_lines(window) == [
        "Excerpt: 7 earlier messages and 10 later messages of this conversation are not shown."
    ]


def add_messages(path: Path, records: list[Message], name: str) -> None:
    with Archive.open(path) as archive:
        ingest(archive, Source(f"/x/{name}", name, 1, "2" * 64, "android", "test", "UTC", "US"), records)


def test_a_cached_chunk_never_serves_a_stale_excerpt_line(archive_path, tmp_path):
    """Conversation 2 shown up to #2.4 is in a chunk of its own (the cache keeps it); a message added
    after the window changes its line, so the chunk is rendered again while the others are reused."""
    first, second = tmp_path / "first.pdf", tmp_path / "second.pdf"
    window = {"until": iso(at(1, 4)), "chunk_size": 5}
    made = make(archive_path, first, **window)
    assert made.chunks > 2
    add_messages(archive_path, [messages(1, 7)[-1]], "b.xml")
    again = make(archive_path, second, **window)
    assert excerpt_lines(first) == [
        "Excerpt: 2 earlier messages of this conversation are not shown.",
        "Excerpt: 2 later messages of this conversation are not shown.",
    ]
    assert excerpt_lines(second) == [
        "Excerpt: 2 earlier messages of this conversation are not shown.",
        "Excerpt: 3 later messages of this conversation are not shown.",
    ]
    assert again.reused == again.chunks - 2  # all but the cover's and conversation 2's


# -- 4. exhibit and production ---------------------------------------------------------------------


def test_the_exhibit_label_is_on_every_page_and_the_cover_names_it_and_the_production(archive_path, tmp_path):
    pdf = tmp_path / "t.pdf"
    made = make(archive_path, pdf, exhibit="Exhibit A", production="Production 3")
    texts = pages(pdf)
    assert len(texts) == made.pages == 3
    assert [t.strip().splitlines()[-1].split() for t in texts] == [
        ["Page", "1", "of", "3", "Exhibit", "A", "TF-000001"],
        ["Page", "2", "of", "3", "Exhibit", "A", "TF-000002"],
        ["Page", "3", "of", "3", "Exhibit", "A", "TF-000003"],
    ]
    cover = [" ".join(line.split()) for line in texts[0].splitlines()]
    assert cover[4:6] == ["Exhibit Exhibit A (so labelled on every page)", "Production Production 3"]
    scope = scope_of(pdf)
    assert (scope["exhibit"], scope["production"]) == ("Exhibit A", "Production 3")
    assert checked(archive_path, pdf).ok


@pytest.mark.parametrize("label", ["", "   ", "Exhibit Ä", "x" * 41, "Exhibit\n1"])
def test_an_exhibit_label_the_stamp_cannot_draw_is_refused(archive_path, tmp_path, label):
    with pytest.raises(InvalidInput):
        make(archive_path, tmp_path / "t.pdf", exhibit=label)


def test_without_the_options_nothing_is_stamped_or_said(archive_path, tmp_path):
    pdf = tmp_path / "t.pdf"
    make(archive_path, pdf)
    text = "\n".join(pages(pdf))
    assert "Exhibit" not in text and "Production" not in text and "Redactions" not in text
    assert set(scope_of(pdf)) == {"matter", "matter_title", "client", "from", "until", "zone", "media", "numbering"}


# -- 5. redactions ---------------------------------------------------------------------------------


class Span(NamedTuple):
    id: int
    start: int
    end: int
    reason: str
    earlier: bool = False  # (produce/redaction.py's: words in an earlier version only)


LABELS = {"privileged": "Privileged", "PII": "PII", "other": "Redacted"}


@pytest.fixture
def redactions(monkeypatch):
    """`textfile.produce.redaction` as its API says (the lead's core module): the spans of each message
    are what the test puts in `active` (by message id)."""
    active: dict[str, list[Span]] = {}

    def spans(conn, message_ids):
        return {mid: sorted(active[mid]) for mid in message_ids if mid in active}

    def segments(body, found):
        out, at = [], 0
        for span in found:
            if span.start > at:
                out.append((body[at : span.start], None))
            out.append(("", LABELS[span.reason]))
            at = span.end
        if at < len(body):
            out.append((body[at:], None))
        return out

    module = types.ModuleType("textfile.produce.redaction")
    module.Span, module.spans, module.segments, module.LABELS = Span, spans, segments, LABELS
    import textfile.produce

    monkeypatch.setitem(sys.modules, "textfile.produce.redaction", module)
    monkeypatch.setattr(textfile.produce, "redaction", module, raising=False)
    return active


def test_redactions_are_black_boxes_and_the_words_are_nowhere_in_the_pdf(archive_path, tmp_path, redactions):
    numbered = ids(archive_path)
    body5 = "Chat 0 message 5: the lease and the deposit."
    lease = body5.index("the lease")
    redactions[numbered["1.5"]] = [Span(4, lease, lease + len("the lease"), "PII")]
    redactions[numbered["1.7"]] = [Span(9, 0, 6, "privileged"), Span(11, 18, 27, "other")]
    plain, pdf = tmp_path / "plain.pdf", tmp_path / "t.pdf"
    make(archive_path, plain)  # (its chunks are in the cache: the redacted ones are not served from it)
    made = make(archive_path, pdf, redact=True)
    text = "\n".join(pages(pdf))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    at5 = next(n for n, line in enumerate(lines) if line.startswith("#1.5 "))
    at7 = next(n for n, line in enumerate(lines) if line.startswith("#1.7 "))
    assert lines[at5 + 1] == "Chat 0 message 5: REDACTED — PII and the deposit."
    assert lines[at7 + 1 : at7 + 3] == [
        "REDACTED — PRIVILEGED message 7: REDACTED and the deposit.",
        "1 earlier version withheld (redacted)",
    ]
    assert "SECRETWORD" not in text and "first draft" not in text
    assert "SECRETWORD" in "\n".join(pages(plain))
    cover = " ".join(pages(pdf)[0].split())
    assert (
        "Redactions 3 passages in 2 messages (PII 1, other 1, privileged 1), each shown as a black box with its"
        " reason; a redacted message's earlier versions are withheld (they hold the words)."
    ) in cover
    raw = manifest.read(pdf)
    scope = json.loads(raw)["scope"]["redactions"]  # (each redacted message by its keyed id: transcript/keyed.py)
    assert sorted(scope.values()) == [[4], [9, 11]] and all(k.startswith("redacted-") for k in scope)
    assert not any(numbered[n].encode() in raw for n in ("1.5", "1.7"))
    assert b"SECRETWORD" not in raw and b"the lease" not in raw
    report = checked(archive_path, pdf)
    assert (report.ok, report.problems) == (True, [])
    assert made.messages == 24


def test_redact_with_no_redaction_says_so(archive_path, tmp_path, redactions):
    pdf = tmp_path / "t.pdf"
    make(archive_path, pdf, redact=True)
    assert "Redactions none of the messages shown has a redaction." in " ".join(pages(pdf)[0].split())
    assert json.loads(manifest.read(pdf))["scope"]["redactions"] == {}


# -- 6. notes --------------------------------------------------------------------------------------


def test_without_notes_there_is_no_appendix_no_privilege_log_and_no_csv(archive_path, tmp_path):
    from textfile.notes.writing import add

    with Archive.open(archive_path) as archive, archive.transaction() as conn:
        add(conn, "M-1", "PLAIN-NOTE: sent the lease")
        add(conn, "M-1", "PRIVILEGED-NOTE: settle", privileged=True, basis="Attorney work product")
    noted, bare = tmp_path / "noted.pdf", tmp_path / "bare.pdf"
    with_notes = make(archive_path, noted, bates_prefix="N")
    without = make(archive_path, bare, notes=False)
    assert sorted(p.name for p in tmp_path.glob("*.csv")) == ["noted.privilege-log.csv"]
    assert "PLAIN-NOTE" in "\n".join(pages(noted)) and with_notes.notes
    text = "\n".join(pages(bare))
    assert "PLAIN-NOTE" not in text and "Notes to file" not in text and "rivilege log" not in text
    assert (without.notes, without.pages) == (None, 3)
    assert "notes" not in json.loads(manifest.read(bare))
    assert checked(archive_path, bare).ok


# -- 7. signer -------------------------------------------------------------------------------------


def test_the_signer_is_called_on_the_partial_file_before_its_sha256_is_taken(archive_path, tmp_path):
    """A signature is an incremental update appended to the file: the recorded sha256 is the signed
    file's, and `verify FILE.pdf` passes on it."""
    called = []

    def signer(partial: Path) -> None:
        called.append((partial, partial.exists(), (tmp_path / "t.pdf").exists()))
        with pikepdf.open(partial, allow_overwriting_input=True) as doc:
            doc.docinfo["/Signed"] = "yes"
            doc.save(partial)

    made = make(archive_path, tmp_path / "t.pdf", signer=signer)
    [(partial, existed, final_existed)] = called
    assert (partial != tmp_path / "t.pdf", existed, final_existed) == (True, True, False)
    with pikepdf.open(tmp_path / "t.pdf") as doc:
        assert str(doc.docinfo["/Signed"]) == "yes"
    from textfile.fingerprint import file_sha256

    assert made.pdf_sha256 == file_sha256(tmp_path / "t.pdf")
    report = checked(archive_path, tmp_path / "t.pdf")
    assert (report.ok, report.problems) == (True, [])


# -- 8. message_bates ------------------------------------------------------------------------------


def starts(pdf: Path) -> dict[str, str]:
    """Each message number -> the Bates number of the page its entry starts on, read from the text."""
    found = {}
    for text in pages(pdf):
        bates = re.findall(r"TF-\d{6}", text)[-1]
        for n in re.findall(r"^#(\d+\.\d+) ", text, re.MULTILINE):
            found.setdefault(n, bates)
    return found


@pytest.mark.parametrize("workers", [1, 2])
def test_every_message_shown_has_the_bates_number_of_the_page_its_entry_starts_on(archive_path, tmp_path, workers):
    add_messages(  # long messages: entries that run over a page
        archive_path,
        [
            Message(
                conversation=CHATS[1],
                identity=(CHATS[1].source_key, "long", n),
                sent_at=at(1, 10 + n),
                direction="in",
                sender=OTHER,
                body="\n".join(f"line {k} of a long message" for k in range(30)),
                source_zone="UTC",
                service="SMS",
                source_ref=f"long {n}",
            )
            for n in range(4)
        ],
        "long.xml",
    )
    numbered = ids(archive_path)
    first, second = tmp_path / "first.pdf", tmp_path / "second.pdf"
    made = make(archive_path, first, chunk_size=5, workers=workers)
    again = make(archive_path, second, chunk_size=5, bates_start=made.pages + 1, workers=workers)
    assert made.render.processes == workers
    assert again.reused == again.chunks - 1  # every chunk but the cover's from the cache
    expected = {numbered[n]: bates for n, bates in starts(first).items()}
    assert len(expected) == made.messages == 28 and len(set(expected.values())) > 3
    assert made.message_bates == expected
    shifted = {mid: f"TF-{int(b[3:]) + made.pages:06d}" for mid, b in expected.items()}
    assert again.message_bates == shifted == {numbered[n]: b for n, b in starts(second).items()}
    assert "message_bates" not in made.to_json()


def _redaction_core():
    """The redaction core (textfile/produce/redaction.py) with its table, or None before it is merged."""
    try:
        from textfile.produce import redaction
    except ImportError:
        return None
    return redaction if hasattr(redaction, "add") else None


@pytest.mark.skipif(_redaction_core() is None, reason="the redaction core (produce/redaction.py) is not here yet")
def test_the_archives_redactions_applied_end_to_end(archive_path, tmp_path):
    """`redact` (the core's `add`) then a transcript with redact=True: the box, the words gone, the id
    in the manifest, `verify` passing; withdrawn, the words are shown again."""
    redaction = _redaction_core()
    with Archive.open(archive_path) as archive, archive.transaction() as conn:
        [made] = redaction.add(conn, "#1.5", "the lease", "PII")
    pdf, after = tmp_path / "t.pdf", tmp_path / "after.pdf"
    make(archive_path, pdf, redact=True)
    lines = [" ".join(line.split()) for line in "\n".join(pages(pdf)).splitlines()]
    assert lines[lines.index(next(x for x in lines if x.startswith("#1.5 "))) + 1] == (
        "Chat 0 message 5: REDACTED — PII and the deposit."
    )
    assert json.loads(manifest.read(pdf))["scope"]["redactions"] == {keyed_id(archive_path, "1.5"): [made.id]}
    assert checked(archive_path, pdf).ok
    with Archive.open(archive_path) as archive, archive.transaction() as conn:
        redaction.withdraw(conn, made.id, "a mistake")
    make(archive_path, after, redact=True)
    assert "Chat 0 message 5: the lease and the deposit." in "\n".join(pages(after))
    assert checked(archive_path, pdf).ok  # (the transcript still shows the messages as the archive holds them)


def test_a_cached_chunk_kept_without_its_entries_pages_is_a_miss_and_is_kept_anew(archive_path, tmp_path):
    """An entry whose record lacks `entries` (sealed as the cache seals, as one kept before them):
    rendered again, its messages' Bates pages found, and kept anew for the next transcript."""
    from textfile.transcript import _cache_of
    from textfile.transcript.render.cache import META, Cache

    first = make(archive_path, tmp_path / "1.pdf", chunk_size=5)
    with Archive.open(archive_path) as archive:
        where = _cache_of(archive)
    cache = Cache(where["cache"], where["cache_seal"])
    metas = sorted(Path(where["cache"]).glob(f"*/*/{META}"))
    assert len(metas) == first.chunks - 1
    for meta in metas:
        record = json.loads(meta.read_text())["record"]
        del record["entries"]
        meta.write_text(json.dumps({"record": record, "seal": cache._seal(record)}))
    second = make(archive_path, tmp_path / "2.pdf", chunk_size=5, bates_start=first.pages + 1)
    third = make(archive_path, tmp_path / "3.pdf", chunk_size=5, bates_start=2 * first.pages + 1)
    assert (second.reused, third.reused) == (0, first.chunks - 1)
    shift = {mid: f"TF-{int(b[3:]) + first.pages:06d}" for mid, b in first.message_bates.items()}
    assert second.message_bates == shift
