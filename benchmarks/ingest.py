"""Ingest throughput and memory: 1,000,000 generated records into a fresh archive.

Prints records/s of `textfile.ingest.ingest` (normalization, fingerprints, content hashes,
deduplication, provenance, FTS, filing, audit) beside a raw `sqlite3.executemany` of the same
message and source rows (the same ids, built before its clock starts) into the same schema, full-
text index included, each in its own process so that each one's peak RSS is its own (the raw
side holds all its rows in memory: its RSS is not a target). Target: ours >= 50% of the raw rate,
ours peak RSS < 200 MB. The audit key and the config folder are files of the run, never the user's.

    python benchmarks/ingest.py [--records N] [--runs K]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from support.isolated import isolate  # noqa: E402

CONVERSATIONS = 500
BODIES = [
    "ok",
    "Can we move the meeting to Thursday at 3?",
    "I've sent the signed lease, please confirm you got it.",
    "Thanks!",
    "Call me when you can 📞",
    "The landlord says the deposit will be returned after the inspection.\nIs that normal?",
]
START = datetime(2023, 1, 1, tzinfo=UTC)


def records(n: int):
    from textfile.model import Conversation, Message, Participant

    me = Participant("+12025550100", "Owner", is_owner=True)
    conversations = []
    for c in range(CONVERSATIONS):
        other = Participant(f"+1202555{1000 + c:04d}", f"Client {c}")
        conversations.append(Conversation("android", other.handle, None, False, (other, me)))
    for i in range(n):
        conv = conversations[i % CONVERSATIONS]
        out = i % 3 == 0
        body = BODIES[i % len(BODIES)]
        sent = START + timedelta(seconds=37 * i)
        yield Message(
            conversation=conv,
            identity=(conv.source_key, int(sent.timestamp() * 1000), "out" if out else "in", body),
            sent_at=sent,
            direction="out" if out else "in",
            sender=me if out else conv.participants[0],
            body=body,
            source_zone="UTC",
            service="SMS",
            status="sent" if out else "received",
            source_ref=f"sms {i}",
        )


def raw_rows(n: int) -> list[tuple]:
    """Exactly the message rows ingest writes for `records(n)`: the same fingerprint ids (hashes,
    so they land all over the primary-key index), bodies, times and content hashes. Built before
    the clock starts: the raw side times nothing but the writing."""
    from textfile import times
    from textfile.fingerprint import message_id
    from textfile.ingest import message_content_hash

    rows = []
    for i, m in enumerate(records(n)):
        conv = m.conversation
        sent_at = times.to_iso(m.sent_at)
        sender = m.sender.handle
        rows.append(
            (
                message_id(conv.platform, conv.source_key, m.identity),
                (i % CONVERSATIONS) + 1,
                1 if m.direction == "out" else 2,
                m.direction,
                "message",
                sent_at,
                "UTC",
                m.body,
                "SMS",
                m.status,
                None,
                None,
                None,
                "[]",
                None,
                None,
                1,
                message_content_hash(sent_at, m.direction, "message", sender, m.body, m.status, None, "[]", None, []),
                1,
                m.source_ref,  # (its first sighting, in its own row: m031)
            )
        )
    return rows


def child(kind: str, n: int, folder: Path) -> None:
    from textfile.archive import Archive
    from textfile.ingest import Source, ingest

    archive = Archive.create(
        folder / "archive.db", owner_name="Owner", phones=["+12025550100"], tz="UTC", region="US", bates_prefix="B"
    )
    prepared = raw_rows(n) if kind == "raw" else None
    start = time.perf_counter()
    if kind == "ours":
        result = ingest(archive, Source("bench", "bench", 0, "0" * 64, "android", "bench", "UTC", "US"), records(n))
        assert result.added == n, result
    else:
        conn = archive.conn
        with archive.transaction():
            conn.execute(
                "INSERT INTO imports (path, file_name, size, sha256, format, importer_version, zone, region, started_at, finished_at,"
                " added, already_present, updated, skipped) VALUES ('raw', 'raw', 0, '', 'raw', '1', 'UTC', 'US', '', '', 0, 0, 0, 0)"
            )
            conn.executemany(
                "INSERT INTO conversations (id, platform, source_key, created_at) VALUES (?, 'android', ?, '')",
                [(c + 1, f"k{c}") for c in range(CONVERSATIONS)],
            )
            conn.executemany(
                "INSERT INTO participants (id, conversation_id, handle) VALUES (?, 1, ?)", [(1, "me"), (2, "other")]
            )
            for at in range(0, n, 2000):
                batch = prepared[at : at + 2000]
                last = conn.execute("SELECT coalesce(max(rowid), 0) FROM messages").fetchone()[0]
                conn.executemany(
                    "INSERT INTO messages (id, conversation_id, sender_id, direction, kind, sent_at, source_zone, body, service, status,"
                    " delivered_at, read_at, duration_s, flags, source_id, reply_to, version, content_hash, import_id,"
                    " source_ref) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    batch,
                )
                conn.execute(
                    "INSERT INTO messages_fts (rowid, body) SELECT rowid, body FROM messages WHERE rowid > ?", (last,)
                )
    elapsed = time.perf_counter() - start
    print(f"{elapsed:.3f}")


def run(kind: str, n: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as folder:
        proc = subprocess.Popen(
            [sys.executable, __file__, "--child", kind, "--records", str(n), "--folder", folder],
            stdout=subprocess.PIPE,
            text=True,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        output = proc.stdout.read()
        if status != 0:
            raise SystemExit(f"{kind} run failed")
        return float(output.strip()), usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child")
    parser.add_argument("--folder")
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.records, Path(args.folder))
    n = args.records
    ours, raw = [], []
    with tempfile.TemporaryDirectory(prefix="textfile-bench-ingest-") as home:
        isolate(Path(home))
        for _ in range(args.runs):  # interleaved, so both see the same machine
            ours.append(run("ours", n))
            raw.append(run("raw", n))
    ours_s = statistics.median(t for t, _ in ours)
    raw_s = statistics.median(t for t, _ in raw)
    ours_rss = max(r for _, r in ours)
    print(f"ingest of {n:,} records, median of {args.runs} runs")
    print(f"  textfile ingest: {ours_s:7.2f} s  {n / ours_s:>10,.0f} records/s  peak RSS {ours_rss:6.1f} MB")
    print(
        f"  raw executemany: {raw_s:7.2f} s  {n / raw_s:>10,.0f} records/s  peak RSS {max(r for _, r in raw):6.1f} MB (rows prepared in memory)"
    )
    ratio = raw_s / ours_s
    print(f"  ours / raw rate: {ratio:.0%} (target >= 50%); peak RSS target < 200 MB")
    if ratio < 0.5 or ours_rss >= 200:
        print("  TARGET MISSED")


if __name__ == "__main__":
    main()
