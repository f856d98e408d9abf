"""A recorded transcript made again, byte for byte (issue 20: `produce --again N`): from its record
alone, with and without a signature, with redactions, as an exhibit with context, in the renderer's
pool and from the cache of rendered chunks; nothing recorded, audited or numbered; refused (and
nothing written) when the archive no longer holds what it showed, or the file would differ."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pikepdf
import pytest
from test_transcript_production import (  # noqa: F401 — archive_path is a fixture
    CHATS,
    _redaction_core,
    add_messages,
    archive_path,
    at,
    checked,
    excerpt_lines,
    ids,
    iso,
    keyed_id,
    make,
    messages,
    numbers,
    scope_of,
)

from textfile.archive import Archive
from textfile.errors import Conflict, InvalidInput, NotFound
from textfile.fingerprint import file_sha256
from textfile.model import Message
from textfile.transcript import make_transcript

SAME = ("transcript", "matter", "client", "from", "until", "zone", "messages", "conversations", "pages")
SAME += ("bates_first", "bates_last", "pdf_sha256", "manifest_sha256", "notes")


def again(path: Path, uuid: str, out: Path, **given):
    with Archive.open(path) as archive:
        return make_transcript(archive, again=uuid, out=out, **{"workers": 1, **given})


def state(path: Path) -> dict:
    """What making a transcript records: transcripts, their messages, Bates counters, audit entries."""
    with Archive.open(path) as archive:
        return {
            table: [tuple(r) for r in archive.conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2")]
            for table in ("transcripts", "transcript_messages", "bates_counters", "audit_log")
        }


def same(made, pdf: Path) -> dict:
    """What a transcript made again has as the first one did (its privilege log: beside its own PDF)."""
    found = {k: v for k, v in made.to_json().items() if k in SAME}
    if (found.get("notes") or {}).get("privilege_log"):
        assert Path(found["notes"]["privilege_log"]).parent == pdf.parent
        found["notes"] = {**found["notes"], "privilege_log": Path(found["notes"]["privilege_log"]).name}
    return found


def made_again(path: Path, first, out: Path, **given):
    """The transcript `first` made again into `out`: the same bytes, the same result, nothing recorded."""
    before = state(path)
    remade = again(path, first.transcript, out, **given)
    assert file_sha256(out) == remade.pdf_sha256 == first.pdf_sha256
    assert Path(out).read_bytes() == Path(first.path).read_bytes()
    assert same(remade, out) == same(first, Path(first.path))
    assert remade.message_bates == first.message_bates
    assert remade.path == str(out)
    assert state(path) == before
    report = checked(path, out)
    assert (report.ok, report.problems, report.transcript) == (True, [], first.transcript)
    return remade


def written(folder: Path) -> list[str]:
    """The files in `folder` but the archive and the configuration (partial files are hidden: listed)."""
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith(("archive.db", "config")))


def test_a_transcript_made_again_is_the_same_bytes_and_nothing_is_recorded(archive_path, tmp_path):
    first = make(archive_path, tmp_path / "first.pdf")
    made_again(archive_path, first, tmp_path / "again.pdf")
    made_again(archive_path, first, tmp_path / "sub" / "again.pdf", mkdir=True)
    with Archive.open(archive_path) as archive:  # a client's transcript, all its matters
        client = make_transcript(archive, client="Client", out=tmp_path / "client.pdf", workers=1)
    assert (client.matter, client.client) == (None, "Client")
    made_again(archive_path, client, tmp_path / "client-again.pdf")


def test_a_weekly_snapshot_made_again(archive_path, tmp_path):
    first = make(archive_path, tmp_path / "first.pdf", snapshot=True, media=False, tz="America/New_York")
    assert {k: scope_of(Path(first.path))[k] for k in ("snapshot", "media", "zone")} == {
        "snapshot": True,
        "media": False,
        "zone": "America/New_York",
    }
    made_again(archive_path, first, tmp_path / "again.pdf")


def test_made_again_as_an_exhibit_with_context_and_a_selection(archive_path, tmp_path):
    first = make(
        archive_path,
        tmp_path / "first.pdf",
        from_=iso(at(0, 8)),
        until=iso(at(0, 10)),
        conversations=[1],
        context=2,
        exhibit="Exhibit 4",
        production="Production 2",
        notes=False,
    )
    assert (first.messages, scope_of(Path(first.path))["notes"]) == (7, False)
    made_again(archive_path, first, tmp_path / "again.pdf")


def test_made_again_signed_with_the_same_key_and_time(archive_path, tmp_path):
    from textfile.produce import signing

    with Archive.open(archive_path) as archive:
        key = signing.ensure_key(archive)

    def signed(when):
        return lambda partial: signing.sign_pdf(partial, key, when=when)

    first = make(archive_path, tmp_path / "first.pdf", signer=signed("2026-01-02T03:04:05.000Z"), notes=False)
    assert signing.check_signature(tmp_path / "first.pdf").intact
    made_again(archive_path, first, tmp_path / "again.pdf", signer=signed("2026-01-02T03:04:05.000Z"))
    with pytest.raises(Conflict) as refused:  # signed at another time: another file
        again(archive_path, first.transcript, tmp_path / "later.pdf", signer=signed("2026-01-02T03:04:06.000Z"))
    assert "is not the same file" in str(refused.value) and "\n" not in str(refused.value)
    assert written(tmp_path) == ["again.pdf", "first.pdf"]


@pytest.mark.skipif(_redaction_core() is None, reason="the redaction core (produce/redaction.py) is not here yet")
def test_made_again_with_its_redactions_and_refused_when_they_changed(archive_path, tmp_path):
    redaction = _redaction_core()
    with Archive.open(archive_path) as archive, archive.transaction() as conn:
        [lease] = redaction.add(conn, "#1.5", "the lease", "PII")
    first = make(archive_path, tmp_path / "first.pdf", redact=True, notes=False)
    assert scope_of(Path(first.path))["redactions"] == {keyed_id(archive_path, "1.5"): [lease.id]}
    made_again(archive_path, first, tmp_path / "again.pdf")
    with Archive.open(archive_path) as archive, archive.transaction() as conn:
        redaction.add(conn, "#1.6", "the deposit", "other")
    with pytest.raises(Conflict) as refused:
        again(archive_path, first.transcript, tmp_path / "later.pdf")
    assert str(refused.value) == (
        f"transcript {first.transcript} cannot be made again byte for byte: its redactions applied differ"
        " from the record's now"
    )
    assert not (tmp_path / "later.pdf").exists()


@pytest.mark.parametrize("cache", [False, True])
def test_made_again_in_the_renderers_pool_and_from_the_cache(archive_path, tmp_path, cache):
    """Made in this process without the cache; made again by two rendering processes (twice: the
    second time from the cache of rendered chunks when it is on)."""
    first = make(archive_path, tmp_path / "first.pdf", chunk_size=5, cache=False)
    assert (first.render.processes, first.chunks) == (1, 6)
    pooled = made_again(archive_path, first, tmp_path / "a.pdf", chunk_size=5, workers=2, cache=cache)
    cached = made_again(archive_path, first, tmp_path / "b.pdf", chunk_size=5, workers=2, cache=cache)
    assert (pooled.render.processes, pooled.reused) == (2, 0)
    assert cached.reused == (first.chunks - 1 if cache else 0)  # (every chunk but the cover's)


def font_names(pdf: Path) -> set[str]:
    with pikepdf.open(pdf) as doc:
        return {
            str(o.FontName)
            for o in doc.objects
            if isinstance(o, pikepdf.Dictionary) and o.get("/Type") == "/FontDescriptor"
        }


def test_made_again_in_another_process_later_with_emoji(archive_path, tmp_path):
    """Another process, seconds later: the fonts WeasyPrint saves anew (an emoji font without its
    images) and the stamp's font carry no time of their own."""
    add_messages(archive_path, [late_message("Deposit received \U0001f44d\U0001f389, keys back \U0001f511")], "e.xml")
    first = make(archive_path, tmp_path / "first.pdf")
    assert any(name.endswith("Noto-Color-Emoji") for name in font_names(Path(first.path)))
    time.sleep(1.1)
    script = (
        "import sys\n"
        "from textfile.archive import Archive\n"
        "from textfile.transcript import make_transcript\n"
        "with Archive.open(sys.argv[1]) as archive:\n"
        "    print(make_transcript(archive, again=sys.argv[2], out=sys.argv[3], workers=1).pdf_sha256)\n"
    )
    out = tmp_path / "again.pdf"
    done = subprocess.run(
        [sys.executable, "-c", script, str(archive_path), first.transcript, str(out)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert (done.returncode, done.stderr, done.stdout.strip()) == (0, "", first.pdf_sha256)
    assert out.read_bytes() == Path(first.path).read_bytes()


def test_only_where_it_goes_and_how_it_is_rendered_may_be_given(archive_path, tmp_path):
    first = make(archive_path, tmp_path / "first.pdf")
    with pytest.raises(InvalidInput) as refused:
        again(archive_path, first.transcript, tmp_path / "a.pdf", matter="M-1", bates_start=9, redact=False)
    assert str(refused.value) == (
        "a transcript made again takes its bates_start, matter, redact from its record: give only where it goes"
        " (out), the signer and how it is rendered"
    )
    with pytest.raises(NotFound) as unknown:
        again(archive_path, "0f0f0f0f-0000-4000-8000-000000000000", tmp_path / "a.pdf")
    assert str(unknown.value) == "the archive records no transcript 0f0f0f0f-0000-4000-8000-000000000000"
    with pytest.raises(Conflict):  # never over the recorded file
        again(archive_path, first.transcript, Path(first.path))
    assert not (tmp_path / "a.pdf").exists()


def test_made_again_with_the_messages_the_imports_it_knew_held(archive_path, tmp_path):
    """Messages a later import added are not in it: a later one after its window (its excerpt line counts
    what the archive held then), an older one in its window or its context from a late export (the archive
    did not hold it when it was made), each a message a fresh transcript shows or counts."""
    window = {"from_": iso(at(1, 1)), "until": iso(at(1, 4))}
    first = make(archive_path, tmp_path / "first.pdf", **window)
    around = {"from_": iso(at(0, 8)), "until": iso(at(0, 10)), "conversations": [1], "context": 2}
    context = make(archive_path, tmp_path / "context.pdf", **around, bates_start=first.pages + 1)
    add_messages(archive_path, [messages(1, 7)[-1]], "b.xml")  # #2.7, after the window
    add_messages(archive_path, [late_message(), late_message(at_=at(0, 6), n=0)], "c.xml")  # in both, older
    made_again(archive_path, first, tmp_path / "again.pdf")
    made_again(archive_path, context, tmp_path / "context-again.pdf")
    fresh = make(archive_path, tmp_path / "fresh.pdf", **window, bates_start=99)
    assert (first.messages, fresh.messages) == (4, 5)
    assert (excerpt_lines(tmp_path / "again.pdf"), excerpt_lines(tmp_path / "fresh.pdf")) == (
        ["Excerpt: 2 later messages of this conversation are not shown."],
        ["Excerpt: 3 later messages of this conversation are not shown."],
    )
    fresh_context = make(archive_path, tmp_path / "fresh-context.pdf", **around, bates_start=199)
    assert (numbers(tmp_path / "context-again.pdf"), numbers(tmp_path / "fresh-context.pdf")) == (
        ["1.6", "1.7", "1.8", "1.9", "1.10", "1.11", "1.12"],
        ["1.7", "1.8", "1.9", "1.10", "1.11", "1.12", "1.13"],  # (the late one, #1.7 now, is context)
    )
    assert (context.messages, fresh_context.messages) == (7, 7)


def test_refused_when_the_archive_no_longer_holds_what_it_showed(archive_path, tmp_path):
    window = {"from_": iso(at(1, 1)), "until": iso(at(1, 4))}
    first = make(archive_path, tmp_path / "first.pdf", **window)
    changed = messages(1, 6)[1]  # #2.2, in its window, worded otherwise by a later export: a new version
    add_messages(archive_path, [replace(changed, body="Chat 1 message 2: worded otherwise.")], "b.xml")
    with pytest.raises(Conflict) as later:
        again(archive_path, first.transcript, tmp_path / "a.pdf")
    assert str(later.value) == (
        f"transcript {first.transcript} cannot be made again byte for byte: the archive no longer holds its"
        " 4 messages as recorded (1 gone or changed, 0 more in its scope now)"
    )
    second = make(archive_path, tmp_path / "second.pdf", **window, bates_start=first.pages + 1)
    with Archive.open(archive_path) as archive:
        archive.conn.execute("UPDATE matters SET title = 'Lease (renamed)'")
        archive.conn.commit()
    refused = f"transcript {second.transcript} cannot be made again byte for byte: its"
    with pytest.raises(Conflict) as renamed:
        again(archive_path, second.transcript, tmp_path / "a.pdf")
    assert str(renamed.value) == f"{refused} matter's title differs from the record's now"
    with Archive.open(archive_path) as archive:
        archive.conn.execute("UPDATE clients SET name = 'Sam Renamed'")
        archive.conn.commit()
    with pytest.raises(Conflict) as both:
        again(archive_path, second.transcript, tmp_path / "a.pdf")
    assert str(both.value) == f"{refused} client and matter's title differ from the record's now"
    with Archive.open(archive_path) as archive:
        archive.conn.execute("UPDATE matters SET title = 'Lease'")
        archive.conn.commit()
    with pytest.raises(Conflict) as client:
        again(archive_path, second.transcript, tmp_path / "a.pdf")
    assert str(client.value) == f"{refused} client differs from the record's now"
    assert written(tmp_path) == ["first.pdf", "second.pdf"]


def late_message(body: str = "A message imported later.", at_=None, n: int = 1) -> Message:
    """A message of conversation 2 at #2.3's time (in the window of the test above), or of conversation
    `n`+1 at `at_`, imported later."""
    return Message(
        conversation=CHATS[n],
        identity=(CHATS[n].source_key, "late"),
        sent_at=at_ or at(1, 3),
        direction="in",
        sender=CHATS[n].participants[0],
        body=body,
        source_zone="UTC",
        service="SMS",
        source_ref="late",
    )


def test_a_plain_transcript_records_that_it_shows_notes_only_when_it_does_not(archive_path, tmp_path):
    plain = make(archive_path, tmp_path / "plain.pdf")
    without = make(archive_path, tmp_path / "without.pdf", notes=False, bates_start=plain.pages + 1)
    assert "notes" not in scope_of(Path(plain.path))
    assert json.loads(json.dumps(scope_of(Path(without.path))))["notes"] is False


@pytest.mark.parametrize("include_privileged", [False, True])
def test_made_again_with_its_notes_and_privilege_log(archive_path, tmp_path, include_privileged):
    """A plain note shown, a privileged one left out (its privilege log: a page and the CSV beside the
    PDF, made again beside the new one) or shown (its own Bates series). The manifest names the
    CSV: made again under another file name, it would differ, and is refused."""
    from textfile import notes

    with Archive.open(archive_path) as archive, archive.transaction() as conn:
        notes.add(conn, "M-1", "Sent the lease.", notes.About(("#1.4",)))
        notes.add(conn, "M-1", "Advised to keep paying rent.", notes.About(("#1.5",)), privileged=True)
    name = "t-PRIVILEGED.pdf" if include_privileged else "t.pdf"
    first = make(archive_path, tmp_path / "a" / name, mkdir=True, include_privileged=include_privileged)
    assert first.bates_first == ("TF-PRIV-000001" if include_privileged else "TF-000001")
    made_again(archive_path, first, tmp_path / "b" / name, mkdir=True)
    logs = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.glob("*/*.csv"))
    if include_privileged:
        assert logs == []
    else:
        assert logs == ["a/t.privilege-log.csv", "b/t.privilege-log.csv"]
        assert (tmp_path / "a" / logs[0][2:]).read_bytes() == (tmp_path / "b" / logs[1][2:]).read_bytes()
        with pytest.raises(Conflict) as renamed:
            again(archive_path, first.transcript, tmp_path / "c.pdf")
        assert "its manifest would differ from the one recorded" in str(renamed.value)
        assert not (tmp_path / "c.pdf").exists() and not (tmp_path / "c.privilege-log.csv").exists()
