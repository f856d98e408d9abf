"""Large sources are read and prepared in a second process (`ingest.ReaderProcess`) while this
one writes. Whatever path a source takes, the archive must end up exactly the same, errors must
read the same and leave the archive unchanged, and no reading process may outlive its import."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import imessage_build as build
import pytest
from conftest import FIXTURES, OWNER, snapshot

from textfile import ingest
from textfile.archive import Archive
from textfile.errors import ImportFailed, TextfileError
from textfile.ingest import ReaderProcess, import_path, policy
from textfile.ingest.writer import _Writer, batch, conversations
from textfile.integrity import check_archive

pytestmark = pytest.mark.skipif(
    "forkserver" not in multiprocessing.get_all_start_methods(), reason="no forkserver here"
)

# What an import writes, without what differs between two imports of the same file into two
# archives (import ids, their timestamps, the audit chain that hashes them).
CONTENT = {
    "conversations": "SELECT platform, source_key, title, is_group FROM conversations ORDER BY id",
    "participants": "SELECT conversation_id, handle, display_name, is_owner FROM participants ORDER BY id",
    "messages": "SELECT rowid, id, conversation_id, sender_id, direction, kind, sent_at, source_zone, body, service, status,"
    " delivered_at, read_at, duration_s, flags, source_id, reply_to, version, content_hash FROM messages ORDER BY rowid",
    "attachments": "SELECT * FROM message_attachments ORDER BY 1, 2",
    "versions": "SELECT message_id, version, body, at, origin, content_hash FROM message_versions ORDER BY 1, 2",
    "reactions": "SELECT message_id, sender_id, kind, emoji, at, removed, source_id FROM reactions ORDER BY 1, 7",
    "sources": "SELECT message_id, source_ref FROM message_sources ORDER BY 1, 2",
    "blobs": "SELECT sha256, size, mime, data FROM blobs ORDER BY 1",
    "files": "SELECT conversation_id, file_name, mime, blob_sha256 FROM conversation_files ORDER BY 1, 2, 3",
    "search": "SELECT rowid FROM messages_fts WHERE messages_fts MATCH 'the' ORDER BY rowid",
    "imports": "SELECT file_name, format, added, already_present, updated, skipped, skipped_reasons, warnings, assumptions FROM imports ORDER BY id",
}


def content(archive: Archive) -> dict:
    return {name: [tuple(r) for r in archive.conn.execute(sql)] for name, sql in CONTENT.items()}


def import_both_ways(tmp_path, monkeypatch, path, **options) -> tuple[dict, dict, list]:
    # Tiny batches, so that a fixture crosses many pipe messages and many writer batches: objects
    # arrive as new copies with every batch, reactions meet their messages batches later.
    monkeypatch.setattr(ReaderProcess, "BATCH_ITEMS", 3)
    monkeypatch.setattr(batch, "BATCH", 4)
    results = {}
    # Read here; read by the second process, which hashes every message (the writer is always behind:
    # LOW_WATER 0) or leaves every one to the writer (LOW_WATER never reached).
    for way, threshold, low_water in (("here", 1 << 62, 0), ("reader", 0, 0), ("writer hashes", 0, 1 << 62)):
        monkeypatch.setattr(policy, "PARALLEL_MIN_BYTES", threshold)
        monkeypatch.setattr(ReaderProcess, "LOW_WATER", low_water)
        with Archive.create(tmp_path / f"{way}.db", **OWNER) as archive:
            made = [import_path(archive, path, parallel=True, **options)]
            made.append(import_path(archive, path, parallel=True, **options))  # and again: nothing new
            # (the digests the audit log sealed add up, whichever process hashed each message)
            assert check_archive(archive.conn)["problems"] == [], way
            results[way] = (content(archive), made)
    (here, made_here), (there, made_there) = results["here"], results["reader"]
    assert made_there[0].reader and made_there[0].reader["peak_rss_mb"] > 0  # it did go through the second process
    assert made_here[0].reader is None
    hashed_there, made_hashed_there = results["writer hashes"]
    assert hashed_there == there
    assert [r.as_dict() | {"reader": None, "import_id": 0} for r in made_hashed_there] == [
        r.as_dict() | {"reader": None, "import_id": 0} for r in made_there
    ]
    return (
        here,
        there,
        [
            (
                a.added,
                a.already_present,
                a.updated,
                a.skipped,
                a.warnings,
                a.assumptions,
                b.added,
                b.already_present,
                b.updated,
                b.skipped,
                b.warnings,
                b.assumptions,
            )
            for a, b in zip(made_here, made_there)
        ],
    )


def assert_same(here, there, counts):
    assert there == here
    for row in counts:
        assert row[:6] == row[6:]
    assert here["messages"], "the fixture imported nothing: the comparison would prove nothing"


@pytest.mark.parametrize("name", ["sms-20240301.xml", "sms-20240308.xml", "calls-20240301.xml"])
def test_android_same_archive_either_way(tmp_path, monkeypatch, name):
    assert_same(*import_both_ways(tmp_path, monkeypatch, FIXTURES / "android" / name))


@pytest.mark.parametrize(
    "name",
    ["WhatsApp Chat with Lease Committee.txt", "WhatsApp Chat - Jordan Lee.zip", "WhatsApp Chat with Sam Client.txt"],
)
def test_whatsapp_same_archive_either_way(tmp_path, monkeypatch, name):
    assert_same(*import_both_ways(tmp_path, monkeypatch, FIXTURES / "whatsapp" / name, me="Alex Owner"))


def test_whatsapp_files_no_line_names_are_kept_the_same_either_way(tmp_path, monkeypatch):
    from whatsapp_build import build_zip

    source = tmp_path / "src"
    shutil.copytree(FIXTURES / "whatsapp" / "ios-zip-source", source)
    (source / "00000009-PHOTO-2024-03-20-10-09-00.jpg").write_bytes(b"\xff\xd8 named by no line")
    (source / "00000003-PHOTO-2024-03-20-10-00-10.jpg").rename(source / "00000003-PHOTO-2024-03-20-10-00-10.jpg.png")
    zipped = build_zip(source, tmp_path / "WhatsApp Chat - Jordan Lee.zip", extra={"__MACOSX/._chat.txt": b"\x00"})
    here, there, counts = import_both_ways(tmp_path, monkeypatch, zipped, me="Alex Owner")
    assert_same(here, there, counts)
    assert [row[1] for row in here["files"]] == ["00000009-PHOTO-2024-03-20-10-09-00.jpg"]
    assert "00000003-PHOTO-2024-03-20-10-00-10.jpg.png" in [row[2] for row in here["attachments"]]


def test_imessage_same_archive_either_way(tmp_path, monkeypatch):
    db = build.build_modern(tmp_path / "Users" / "alex")
    here, there, counts = import_both_ways(tmp_path, monkeypatch, db)
    assert_same(here, there, counts)
    assert here["reactions"] and here["versions"] and here["blobs"]  # the hard parts were exercised


def test_errors_read_the_same_and_change_nothing(tmp_path, monkeypatch, archive):
    good = FIXTURES / "android" / "sms-20240301.xml"
    truncated = tmp_path / "sms-truncated.xml"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size * 2 // 3])
    import_path(archive, FIXTURES / "android" / "sms-20240308.xml")
    before = snapshot(archive)
    messages = []
    monkeypatch.setattr(ReaderProcess, "BATCH_ITEMS", 2)  # the failure comes after batches were sent and written
    monkeypatch.setattr(batch, "BATCH", 3)
    for threshold in (1 << 62, 0):
        monkeypatch.setattr(policy, "PARALLEL_MIN_BYTES", threshold)
        with pytest.raises(ImportFailed) as failed:
            import_path(archive, truncated, parallel=True)
        messages.append(str(failed.value))
        assert snapshot(archive) == before
    assert messages[0] == messages[1]
    assert messages[0].startswith(f"{truncated}: ")


@pytest.fixture
def started(monkeypatch) -> list:
    """Every ReaderProcess started during the test, in order."""
    readers = []
    real_start = ReaderProcess.start.__func__

    def start(cls, *args):
        reader = real_start(cls, *args)
        readers.append(reader)
        return reader

    monkeypatch.setattr(ReaderProcess, "start", classmethod(start))
    return readers


def test_the_reading_process_ends_when_the_writer_stops_early(tmp_path, monkeypatch, archive, started):
    """A failure on the writing side must not leave the reader running or blocked on a full pipe:
    closing the pipe ends it (a broken pipe, exit 0), without waiting to be terminated."""
    big = big_whatsapp(tmp_path / "WhatsApp Chat with Sam Client.txt")  # far more than the pipe holds
    calls = []

    def refuse(self, record):
        calls.append(1)
        if len(calls) == 2000:
            raise RuntimeError("the writer stops here")

    monkeypatch.setattr(policy, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(_Writer, "accept", refuse)
    before = snapshot(archive)
    began = time.monotonic()
    with pytest.raises(ImportFailed, match="internal error while importing"):
        import_path(archive, big, me="Alex Owner", parallel=True)
    assert time.monotonic() - began < 4  # not the 5 s wait before terminate()
    assert snapshot(archive) == before
    (reader,) = started
    assert not reader.process.is_alive() and reader.process.exitcode == 0


def test_a_reader_that_dies_fails_the_import_cleanly(tmp_path, monkeypatch, archive, started):
    big = big_whatsapp(tmp_path / "WhatsApp Chat with Sam Client.txt")
    real_accept = _Writer.accept

    def accept(self, record):
        if started and started[0].process.is_alive():
            os.kill(started[0].process.pid, signal.SIGKILL)
            started[0].process.join()
        real_accept(self, record)

    monkeypatch.setattr(policy, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(_Writer, "accept", accept)
    before = snapshot(archive)
    with pytest.raises(ImportFailed, match="the reading process ended without a word; nothing was imported"):
        import_path(archive, big, me="Alex Owner", parallel=True)
    assert snapshot(archive) == before


def test_library_callers_read_in_their_own_process(tmp_path, monkeypatch, archive):
    """The forkserver imports the caller's main script again: only callers that say so (the CLI,
    whose script is guarded) get a reading process."""
    monkeypatch.setattr(policy, "PARALLEL_MIN_BYTES", 0)
    assert import_path(archive, FIXTURES / "android" / "sms-20240301.xml").reader is None
    assert import_path(archive, FIXTURES / "android" / "sms-20240308.xml", parallel=True).reader is not None


def test_small_sources_are_read_here():
    """Starting a process costs more than reading a small export: the threshold is a size."""
    assert policy.PARALLEL_MIN_BYTES >= 1 << 20


def test_object_caches_stay_bounded_when_every_batch_brings_copies(monkeypatch, archive):
    """Conversations and senders may arrive as new objects with every message (an importer that makes
    them anew, or more than a reading process numbers); the writer's by-identity caches must not keep them all."""
    import copy

    from conftest import SAM_CHAT, msg

    writers = []
    real_consume = _Writer.consume

    def consume(self, records, progress):
        writers.append(self)
        return real_consume(self, records, progress)

    monkeypatch.setattr(conversations, "OBJECT_CACHE", 8)
    monkeypatch.setattr(_Writer, "consume", consume)
    records = []
    for n in range(100):
        conv = copy.deepcopy(SAM_CHAT)  # a new object each time, as after unpickling
        records.append(msg(n, conversation=conv))
    result = ingest.ingest(
        archive, ingest.Source("/x/sms.xml", "sms.xml", 1, "0" * 64, "android", "t", "UTC", "US"), records
    )
    assert result.added == 100
    (writer,) = writers
    assert len(writer.seen_conversation_objects) <= 8 and len(writer.senders) <= 8
    assert tuple(
        archive.conn.execute(
            "SELECT count(DISTINCT conversation_id), count(DISTINCT sender_id) FROM messages"
        ).fetchone()
    ) == (1, 1)


def test_a_reader_that_cannot_start_means_reading_here(monkeypatch, archive):
    """No temporary folder for the forkserver's socket, a process limit: the import still happens."""
    from multiprocessing.process import BaseProcess

    def refuse(self):
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(policy, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(BaseProcess, "start", refuse)
    result = import_path(archive, FIXTURES / "android" / "sms-20240301.xml", parallel=True)
    assert result.added > 0 and result.reader is None


def big_whatsapp(path, lines: int = 60_000):
    """A plain Android export well over PARALLEL_MIN_BYTES (a second process reads it)."""
    with open(path, "w", encoding="utf-8") as out:
        out.write("01/01/2021, 00:00 - Messages and calls are end-to-end encrypted.\n")
        for n in range(lines):
            day, minute = divmod(n, 1440)
            out.write(
                f"{day % 28 + 1:02d}/{day // 28 % 12 + 1:02d}/{2021 + day // 336}, {minute // 60:02d}:{minute % 60:02d} - "
                f"{'Sam Client' if n % 3 else 'Alex Owner'}: message number {n} about the lease and the deposit, "
                f"with enough words to look like a real one\n"
            )
    assert path.stat().st_size > policy.PARALLEL_MIN_BYTES
    return path


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "killed"])
def test_an_import_stopped_midway_leaves_nothing_and_no_process(tmp_path, archive_path, archive, temp_root, how):
    """Ctrl-C reaches the whole foreground group (the writer and its reader); SIGKILL only the
    writer. Either way: the archive as it was, the reading process gone soon after without a word
    (it writes to the same terminal), and nothing left in the temporary folder after the next command."""
    export = big_whatsapp(tmp_path / "WhatsApp Chat with Sam Client.txt")
    before = snapshot(archive)
    archive.close()
    command = [sys.executable, "-m", "textfile", "--archive", str(archive_path)]
    env = dict(os.environ, TMPDIR=str(temp_root))
    stderr = tmp_path / "stderr"
    with open(stderr, "w") as err:
        proc = subprocess.Popen(
            [*command, "import", str(export), "--me", "Alex Owner", "--quiet"],
            env=env,
            start_new_session=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
    session = proc.pid
    deadline = time.monotonic() + 60
    while len(in_session(session)) < 3:  # the writer, the forkserver, the reader: mid-import
        assert proc.poll() is None and time.monotonic() < deadline, stderr.read_text()
        time.sleep(0.05)
    time.sleep(0.5)
    if how == signal.SIGINT:
        os.killpg(session, signal.SIGINT)
    else:
        proc.send_signal(signal.SIGKILL)
    code = proc.wait(30)
    assert code == (130 if how == signal.SIGINT else -signal.SIGKILL)
    gone_by = time.monotonic() + 15
    while in_session(session) and time.monotonic() < gone_by:
        time.sleep(0.1)
    assert in_session(session) == []
    assert stderr.read_text() == ""
    with Archive.open(archive_path) as again:
        assert snapshot(again) == before
        assert again.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert subprocess.run([*command, "client", "list", "--json"], env=env, capture_output=True).returncode == 0
    assert [p.name for p in temp_root.rglob("*")] == [f"textfile-{os.getuid()}"]


def in_session(session: int) -> list[int]:
    """Live (not zombie) processes of a session."""
    alive = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[3]) == session and fields[0] != "Z":  # fields: state, ppid, pgrp, session
                alive.append(int(entry.name))
    return alive


def test_a_message_hashed_by_the_writer_is_the_one_the_reader_would_have_sent(tmp_path):
    """`prepare(…, hashed=False)` then `completed` (the writer's half) is exactly `prepare`: every field,
    the id and the content hash, over every message of the fixtures (attachments, edits, calls, groups)."""
    from textfile.importers import detect
    from textfile.ingest.prepare import completed, prepare
    from textfile.model import ImportOptions, Message

    sources = [p for p in sorted((FIXTURES / "android").glob("*.xml"))]
    sources += [p for p in sorted((FIXTURES / "whatsapp").iterdir()) if p.suffix in (".txt", ".zip")]
    sources.append(build.build_modern(tmp_path / "Users" / "alex"))
    compared = 0
    for source in sources:
        options = ImportOptions(tz="America/New_York", region="US", owner_name="Alex Owner", me="Alex Owner")
        for record in detect(source).read(source, options):
            if isinstance(record, Message):
                whole = prepare(record, "US")
                left = prepare(record, "US", hashed=False)
                assert type(left.id) is tuple and left.content_hash == ""
                assert completed(tuple(left)) == whole
                assert completed(tuple(whole)) == whole
                compared += 1
    assert compared > 100


def test_each_conversation_and_sender_is_sent_once_and_each_message_arrives_as_prepared(tmp_path, monkeypatch):
    """The reading process sends a message's conversation and sender as numbers, each object once, with the
    batch that first uses it (`_Numbered`); equal objects are one; past MAX the object itself goes in the
    message. Each message, pickled as the pipe does and resolved by the writer (`_resolved`, `completed`), is
    exactly what `prepare` made, over the fixtures' messages (groups, owners, calls, attachments)."""
    import pickle

    from textfile.importers import detect
    from textfile.ingest import reader
    from textfile.ingest.prepare import completed, prepare
    from textfile.model import ImportOptions, Message

    sources = [p for p in sorted((FIXTURES / "android").glob("*.xml"))]
    sources += [p for p in sorted((FIXTURES / "whatsapp").iterdir()) if p.suffix in (".txt", ".zip")]
    sources.append(build.build_modern(tmp_path / "Users" / "alex"))
    options = ImportOptions(tz="America/New_York", region="US", owner_name="Alex Owner", me="Alex Owner")
    messages = [r for s in sources for r in detect(s).read(s, options) if isinstance(r, Message)]
    met = {o for m in messages for o in (m.conversation, m.sender) if o is not None}
    for limit in (reader._Numbered.MAX, 3):
        monkeypatch.setattr(reader._Numbered, "MAX", limit)
        numbered, objects, sent, inline = reader._Numbered(), [], [], 0
        for start in range(0, len(messages), 5):  # (batches of 5, pickled as the pipe does)
            prepared = [prepare(m, "US") for m in messages[start : start + 5]]
            plain = [numbered.plain(p) for p in prepared]
            new, batch = pickle.loads(pickle.dumps((numbered.taken(), plain)))
            sent += new
            objects.extend(new)
            for record, whole in zip(batch, prepared, strict=True):
                inline += sum(type(record[i]) is not int for i in (1, 2) if record[i] is not None)
                assert completed(reader._resolved(record, objects)) == whole
        assert len(sent) == len(set(sent)) == min(limit, len(met))  # each sent once, equal objects as one
        assert (inline > 0) == (limit < len(met))  # past MAX, in the messages themselves
    assert len(messages) > 100 and len(met) > 10


def test_a_large_source_has_its_reading_process_readied_before_the_archive_opens(tmp_path, monkeypatch, cli):
    """`textfile import` starts the forkserver the reading process is forked from, with the reading modules,
    before it opens the archive (`ingest.warm_up`): only when a source is a file large enough to be read
    there (a folder is not looked into: its size would be the sum of its files')."""
    readied = []
    opened = []
    monkeypatch.setattr(policy.processes, "start_forkserver", lambda preload: readied.append((preload, list(opened))))
    real_open = Archive.open.__func__
    monkeypatch.setattr(Archive, "open", classmethod(lambda cls, *a, **k: opened.append(1) or real_open(cls, *a, **k)))
    assert cli("import", FIXTURES / "android" / "sms-20240301.xml").exit_code == 0
    assert readied == []  # (a small source is read here: nothing to start)
    export = big_whatsapp(tmp_path / "WhatsApp Chat with Sam Client.txt", lines=40_000)
    opened.clear()
    assert cli("import", "--me", "Alex Owner", FIXTURES / "android" / "sms-20240308.xml", export).exit_code == 0
    [(preload, opened_before)] = readied
    assert preload == ["__main__", "textfile.ingest.reader"] + [
        f"textfile.importers.{name}" for name in ("android", "imessage", "whatsapp")
    ]
    assert opened_before == []  # before the archive was opened
    assert opened  # (which it was, after)


def test_the_forkserver_readied_ahead_forks_the_reading_process(tmp_path, archive):
    export = big_whatsapp(tmp_path / "WhatsApp Chat with Sam Client.txt", lines=40_000)
    ingest.warm_up([export])
    result = import_path(archive, export, me="Alex Owner", parallel=True)
    assert result.added == 40_001 and result.reader and result.reader["peak_rss_mb"] > 0


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_the_forkserver_starts_deaf_to_ctrl_c_and_this_process_does_not(tmp_path):
    """A Ctrl-C while the forkserver imported its modules printed a KeyboardInterrupt traceback from it: it
    starts with SIGINT blocked (after multiprocessing's resource tracker, whose start unblocks it), and the
    process that started it has SIGINT as it was."""
    code = (
        "import signal, time\n"
        "from multiprocessing import forkserver\n"
        "from textfile import processes\n"
        "processes.start_forkserver(['__main__', 'textfile.ingest.reader'])\n"
        "pid = forkserver._forkserver._forkserver_pid\n"
        "blocked = [l.split()[1] for l in open(f'/proc/{pid}/status') if l.startswith('SigBlk')][0]\n"
        "print(int(blocked, 16) & (1 << (signal.SIGINT - 1)) != 0, signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, ()))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert (done.returncode, done.stdout.split(), done.stderr) == (0, ["True", "False"], "")


@pytest.fixture
def one_thread(monkeypatch):
    """This process as the command line is when it forks a reading process early: one thread (a test before
    may have left one of its own, a browse server's, idle: `start_early` then forks nothing)."""
    import threading

    monkeypatch.setattr(threading, "active_count", lambda: 1)


def test_no_reading_process_is_forked_early_beside_another_thread(tmp_path, archive, started):
    """A fork copies one thread: a lock another thread held would stay held in the child. With another
    thread running, the reading process is started by the import, from the forkserver, as before."""
    import threading

    export = big_whatsapp(tmp_path / "WhatsApp Chat with Sam Client.txt", lines=40_000)
    done = threading.Event()
    other = threading.Thread(target=done.wait)
    other.start()
    try:
        ingest.warm_up([export])
        assert ReaderProcess._early is None
        result = import_path(archive, export, me="Alex Owner", parallel=True)
    finally:
        done.set()
        other.join()
    assert result.added == 40_001 and result.reader and len(started) == 1 and started[0].told is None


def test_a_large_whatsapp_export_is_surveyed_before_the_archive_opens(
    tmp_path, monkeypatch, archive, started, one_thread
):
    """`warm_up` starts the first large source's reading process at once where its importer can read some of
    it before it is told how (`begin`: WhatsApp's survey, which reads the whole chat), forked from this process
    before it opens the archive; the import tells it the options and takes it. What it writes is what a
    reading process the import started writes."""
    import time as clock

    from textfile.importers import whatsapp

    export = big_whatsapp(tmp_path / "WhatsApp Chat with Sam Client.txt", lines=40_000)
    surveyed = tmp_path / "surveyed"
    real_begin = whatsapp.begin

    def begin(path):  # (in the forked process: when its survey ended, on the clock every process reads)
        begun = real_begin(path)
        surveyed.write_text(str(clock.monotonic()))
        return begun

    monkeypatch.setattr(whatsapp, "begin", begin)
    ingest.warm_up([export])
    early = ReaderProcess._early
    assert early is not None and early.process.is_alive() and early.told is not None
    clock.sleep(1.5)  # (the archive opening, the options worked out: the survey of 40,000 lines took ~0.1 s)
    importing = clock.monotonic()
    result = import_path(archive, export, me="Alex Owner", parallel=True)
    assert float(surveyed.read_text()) < importing  # surveyed before the import was told anything
    assert started == [early] and ReaderProcess._early is None
    early.process.join(5)
    assert early.process.exitcode == 0
    with Archive.create(tmp_path / "later.db", **OWNER) as later:
        made = import_path(later, export, me="Alex Owner", parallel=True)
        assert started[1] is not early  # (started by the import: nothing was warmed up)
        assert content(later) == content(archive)
    assert result.as_dict() | {"reader": None, "import_id": 0} == made.as_dict() | {"reader": None, "import_id": 0}
    assert result.added == 40_001 and result.reader["peak_rss_mb"] > 0


def test_an_early_reading_process_no_import_takes_ends(tmp_path, archive, started, one_thread):
    """The import fails before it reads (a refusal of its own), or reads another source: the reading process
    started for that source ends, and no other outlives the import."""
    export = big_whatsapp(tmp_path / "WhatsApp Chat with Sam Client.txt", lines=40_000)
    before = snapshot(archive)
    ingest.warm_up([export])
    early = ReaderProcess._early
    with pytest.raises(TextfileError, match="unknown time zone"):
        import_path(archive, export, tz="Nowhere/Land", parallel=True)
    assert ReaderProcess._early is None and started == [] and snapshot(archive) == before
    assert not early.process.is_alive()  # (never told: ended at once, not after its survey)
    other = big_whatsapp(tmp_path / "WhatsApp Chat with Kim.txt", lines=40_000)
    ingest.warm_up([export])
    early = ReaderProcess._early
    result = import_path(archive, other, me="Alex Owner", parallel=True)
    assert result.added == 40_001 and result.reader
    assert started[0] is not early and not early.process.is_alive() and not started[0].process.is_alive()


def test_what_an_early_reading_process_meets_is_said_when_the_import_reads(
    tmp_path, monkeypatch, archive, started, one_thread
):
    """What the importer's `begin` raises in a reading process started early is the import's error, once the
    import reads (the same line, the archive unchanged), and only if the import's own checks passed first."""
    from textfile.importers import whatsapp

    export = big_whatsapp(tmp_path / "WhatsApp Chat with Sam Client.txt", lines=40_000)

    def refuse(path):
        raise ImportFailed(path, "the survey refuses it")

    monkeypatch.setattr(whatsapp, "begin", refuse)  # (the forked process has it too)
    before = snapshot(archive)
    ingest.warm_up([export])
    with pytest.raises(TextfileError, match="unknown time zone"):
        import_path(archive, export, tz="Nowhere/Land", parallel=True)
    ingest.warm_up([export])
    with pytest.raises(ImportFailed) as failed:
        import_path(archive, export, me="Alex Owner", parallel=True)
    assert str(failed.value) == f"{export}: the survey refuses it"
    assert snapshot(archive) == before and len(started) == 1
    started[0].process.join(5)
    assert started[0].process.exitcode == 0


def test_an_early_reading_process_still_surveying_is_ended_at_once(tmp_path, monkeypatch, archive, started, one_thread):
    """An import that fails before it reads (or a Ctrl-C during its start) does not wait for the survey of a
    long chat to end: the process started early and never told its options is terminated."""
    import time as clock

    from textfile.importers import whatsapp

    export = big_whatsapp(tmp_path / "WhatsApp Chat with Sam Client.txt", lines=40_000)
    monkeypatch.setattr(whatsapp, "begin", lambda path: clock.sleep(60))  # (a survey of a very long chat)
    ingest.warm_up([export])
    early = ReaderProcess._early
    began = clock.monotonic()
    with pytest.raises(TextfileError, match="unknown time zone"):
        import_path(archive, export, tz="Nowhere/Land", parallel=True)
    assert clock.monotonic() - began < 4 and not early.process.is_alive()
