"""Benchmark: importing a large "SMS Backup & Restore" file, against the floor.

Generates (in a temporary folder, never the repository) a backup of 1,000,000 SMS and 2,000 MMS
carrying ~300 KB images, then measures, each in its own process so peak RSS is its own:
  - rows:     the floor the issue names: lxml `iterparse` of the same file with elements cleared
              and base64 decoded, plus a raw `executemany` of exactly the rows our import writes
              (ids, hashes, sources, blobs, FTS) into the archive's schema, in one transaction (the
              rows are made beforehand, outside the clock, by a real import into a scratch archive);
  - floor:    for comparison, the same parse with a raw `executemany` into a bare table (integer
              key, no index, no FTS, no hashes);
  - read:     our importer alone (the record stream, consumed and dropped);
  - ours:     `textfile import` of the file into a fresh archive (importer + ingest);
  - ours/2:   the same at half the size (memory must not grow with the file);
  - store:    SQLite alone storing the rows ours stored at full size (benchmarks/support/floor.py,
              `INSERT … SELECT` from ours's archive, median of 3): the floor the WhatsApp and iMessage
              benchmarks use too, unlike "rows" and "floor" it parses nothing.
With --owner-numbers 2 the owner has two numbers and no --me: the importer also reads the backup
for which of them this phone had (its MMS, its SIMs), as such an owner's imports do.
Targets (issue 4): ours >= 50% of the same-rows floor's throughput; peak RSS < 150 MB at full and half size.
Issue 22 (benchmarks/support/near_floor.py): ours (the whole process) ÷ (importer alone + store) ≤ 1.3; at
full size ours and read are medians of 3, measured in turn round by round (`in_rounds`; the peak RSS the
largest of the 3), the other runs one each.
The audit key and config folder are files of the run, never the user's.

    .venv/bin/python benchmarks/android.py                 # full size (~1.3 GB file)
    .venv/bin/python benchmarks/android.py --scale 0.05    # while developing
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from support.child import run_child  # noqa: E402
from support.isolated import isolate  # noqa: E402
from support.near_floor import in_rounds, ratio_line, store_floor  # noqa: E402

PYTHON = sys.executable

FIRST = ["Sam", "Dana", "Lee", "Ana", "José", "Wei", "Priya", "Olu", "Mara", "Ivan", "Zoë", "Kenji"]
LAST = ["Client", "Reyes", "Park", "García", "Okafor", "Novak", "Chen", "Singh", "Müller", "Sato"]
WORDS = (
    "the lease deposit meeting call later tomorrow signed copy court date please confirm thanks ok "
    "landlord repair invoice hearing custody schedule pick up school weekend documents email"
).split()
EMOJI = ["\U0001f600", "\U0001f44d", "\u2764\ufe0f", "\U0001f602", "\U0001f64f", "\U0001f389"]
SMIL = (
    "&lt;smil&gt;&lt;head&gt;&lt;layout&gt;&lt;root-layout/&gt;&lt;region id=&quot;Image&quot; fit=&quot;meet&quot; top=&quot;0&quot; "
    "left=&quot;0&quot; height=&quot;80%&quot; width=&quot;100%&quot;/&gt;&lt;/layout&gt;&lt;/head&gt;&lt;body&gt;&lt;par dur=&quot;5000ms&quot;&gt;"
    "&lt;img src=&quot;{name}&quot; region=&quot;Image&quot; /&gt;&lt;/par&gt;&lt;/body&gt;&lt;/smil&gt;"
)


def xml_attr(text: str) -> str:
    return (
        text.replace("&", "&amp;")
        .replace('"', "&quot;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\n", "&#10;")
    )


def generate(path: Path, n_sms: int, n_mms: int, image_bytes: int, seed: int = 4, burst: int = 1) -> None:
    """A realistic backup: ~300 contacts written in a few styles, interleaved SMS and MMS, some
    multi-line bodies and emoji, group MMS, distinct (incompressible) images."""
    rng = random.Random(seed)
    contacts = []
    for i in range(300):
        national = f"202555{1000 + i:04d}" if i % 2 else f"301555{2000 + i:04d}"
        styles = [f"+1{national}", national, f"({national[:3]}) {national[3:6]}-{national[6:]}"]
        contacts.append((styles[i % 3], f"{rng.choice(FIRST)} {rng.choice(LAST)}"))
    owner = "+12025550100"
    mms_every = max(1, n_sms * burst // max(1, n_mms))
    date = 1_600_000_000_000
    total = n_sms + n_mms
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        out.write(
            "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n"
            '<?xml-stylesheet type="text/xsl" href="sms.xsl"?>\n'
            f'<smses count="{total}" backup_set="5c1b1f3e-0000-4000-8000-000000000000" backup_date="{date}" type="full">\n'
        )
        mms_done = 0
        for n in range(n_sms):
            date += rng.randint(1_000, 600_000)
            address, name = contacts[rng.randrange(len(contacts))]
            kind = 1 if rng.random() < 0.55 else 2
            words = rng.randint(3, 30)
            body = " ".join(rng.choice(WORDS) for _ in range(words))
            if rng.random() < 0.1:
                body += "\n" + " ".join(rng.choice(WORDS) for _ in range(5))
            if rng.random() < 0.15:
                body += " " + rng.choice(EMOJI)
            sent = date - rng.randint(500, 5000) if kind == 1 else 0
            out.write(
                f'  <sms protocol="0" address="{address}" date="{date}" type="{kind}" subject="null" body="{xml_attr(body)}" '
                f'toa="null" sc_toa="null" service_center="{"+12063130004" if kind == 1 else "null"}" read="1" status="-1" '
                f'locked="0" date_sent="{sent}" sub_id="1" readable_date="Sep 13, 2020 12:26:40 PM" contact_name="{xml_attr(name)}" />\n'
            )
            if (n + 1) % mms_every == 0:
                for _ in range(min(burst, n_mms - mms_done)):
                    mms_done += 1
                    date += rng.randint(1_000, 60_000)
                    write_mms(out, rng, contacts, owner, date, mms_done, image_bytes)
        while mms_done < n_mms:
            mms_done += 1
            date += 1000
            write_mms(out, rng, contacts, owner, date, mms_done, image_bytes)
        out.write("</smses>\n")


def write_mms(out, rng, contacts, owner, date, n, image_bytes) -> None:
    group = rng.random() < 0.2
    people = rng.sample(contacts, 3) if group else [contacts[rng.randrange(len(contacts))]]
    box = 1 if rng.random() < 0.6 else 2
    address = "~".join(p[0] for p in people)
    image = base64.b64encode(os.urandom(image_bytes)).decode("ascii")
    name = f"IMG_{n:05d}.jpg"
    sender = people[0][0] if box == 1 else owner
    addrs = [f'      <addr address="{sender}" type="137" charset="106" />']
    addrs += [
        f'      <addr address="{a}" type="151" charset="106" />'
        for a in ([owner] + [p[0] for p in people[1:]] if box == 1 else [p[0] for p in people])
    ]
    text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 12)))
    out.write(
        f'  <mms date="{date}" rr="129" sub="null" ct_t="application/vnd.wap.multipart.related" read_status="null" seen="1" '
        f'msg_box="{box}" address="{address}" m_id="{"null" if box == 2 else f"mid-{n:07d}@mms.example.net"}" '
        f'date_sent="{date // 1000 - 3 if box == 1 else 0}" read="1" m_size="{image_bytes}" m_type="{132 if box == 1 else 128}" '
        f'readable_date="Sep 13, 2020 12:26:40 PM" contact_name="{xml_attr(", ".join(p[1] for p in people))}">\n'
        "    <parts>\n"
        f'      <part seq="-1" ct="application/smil" name="null" chset="null" cd="null" fn="null" cid="&lt;smil&gt;" cl="smil.xml" ctt_s="null" ctt_t="null" text="{SMIL.format(name=name)}" />\n'
        f'      <part seq="0" ct="image/jpeg" name="{name}" chset="null" cd="null" fn="null" cid="&lt;{name}&gt;" cl="{name}" ctt_s="null" ctt_t="null" text="null" data="{image}" />\n'
        f'      <part seq="1" ct="text/plain" name="null" chset="106" cd="null" fn="null" cid="&lt;text_0&gt;" cl="text_0.txt" ctt_s="null" ctt_t="null" text="{xml_attr(text)}" />\n'
        "    </parts>\n    <addrs>\n" + "\n".join(addrs) + "\n    </addrs>\n  </mms>\n"
    )


# -- what each child process runs --------------------------------------------------------------


def run_floor(path: Path, db: Path) -> dict:
    import binascii
    import sqlite3

    from lxml import etree

    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(
        "CREATE TABLE messages (id INTEGER PRIMARY KEY, address TEXT, date INTEGER, type INTEGER, body TEXT, contact_name TEXT)"
    )
    conn.execute("CREATE TABLE blobs (message_id INTEGER, mime TEXT, name TEXT, data BLOB)")
    conn.execute("BEGIN")
    rows, blobs, n = [], [], 0
    for _event, elem in etree.iterparse(str(path), events=("end",), tag=("sms", "mms"), huge_tree=True):
        n += 1
        if elem.tag == "sms":
            rows.append(
                (
                    n,
                    elem.get("address"),
                    int(elem.get("date")),
                    int(elem.get("type")),
                    elem.get("body"),
                    elem.get("contact_name"),
                )
            )
        else:
            texts = []
            for part in elem.iter("part"):
                if part.get("ct") == "text/plain":
                    texts.append(part.get("text"))
                elif part.get("data"):
                    blobs.append((n, part.get("ct"), part.get("cl"), binascii.a2b_base64(part.get("data"))))
            rows.append(
                (
                    n,
                    elem.get("address"),
                    int(elem.get("date")),
                    int(elem.get("msg_box")),
                    "\n".join(texts),
                    elem.get("contact_name"),
                )
            )
        elem.clear(keep_tail=False)
        while elem.getprevious() is not None:
            del elem.getparent()[0]
        if len(rows) >= 2000:
            conn.executemany("INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?)", rows)
            conn.executemany("INSERT INTO blobs VALUES (?, ?, ?, ?)", blobs)
            rows, blobs = [], []
    conn.executemany("INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?)", rows)
    conn.executemany("INSERT INTO blobs VALUES (?, ?, ?, ?)", blobs)
    conn.execute("COMMIT")
    return {"messages": n}


def run_floor_rows(path: Path, db: Path) -> dict:
    """The floor with the same rows: lxml parse of the file (elements cleared, base64 decoded)
    plus a raw `executemany` of exactly the rows `textfile import` writes (same ids, hashes,
    sources, blobs, attachments, full-text index) into the archive's own schema. The rows are
    made beforehand, outside the clock, by a real import into a scratch archive, and held in
    memory (this process's RSS is not a target)."""
    import binascii

    from lxml import etree

    from textfile.archive import Archive
    from textfile.ingest import import_path

    scratch = db.with_name("floor-scratch.db")
    with Archive.create(
        scratch,
        owner_name="Alex Owner",
        phones=["+12025550100"],
        emails=[],
        tz="America/New_York",
        region="US",
        bates_prefix="TF",
    ) as archive:
        import_path(archive, path)
        c = archive.conn
        tables = {
            t: (
                cols,
                [
                    tuple(r)
                    for r in c.execute(
                        f"SELECT {', '.join(cols)} FROM {t} ORDER BY rowid"
                        if t != "message_sightings"
                        else f"SELECT {', '.join(cols)} FROM {t}"
                    )
                ],
            )
            for t, cols in {
                "imports": [
                    "id",
                    "path",
                    "file_name",
                    "size",
                    "sha256",
                    "format",
                    "importer_version",
                    "zone",
                    "region",
                    "started_at",
                    "finished_at",
                    "added",
                    "already_present",
                    "updated",
                    "skipped",
                ],
                "conversations": ["id", "platform", "source_key", "title", "is_group", "created_at"],
                "participants": ["id", "conversation_id", "handle", "display_name", "is_owner"],
                "blobs": ["sha256", "size", "mime", "data"],
                "messages": [
                    "id",
                    "conversation_id",
                    "sender_id",
                    "direction",
                    "kind",
                    "sent_at",
                    "source_zone",
                    "body",
                    "service",
                    "status",
                    "delivered_at",
                    "read_at",
                    "duration_s",
                    "flags",
                    "source_id",
                    "reply_to",
                    "version",
                    "content_hash",
                    "import_id",
                    "source_ref",  # (a message's first sighting: m031)
                ],
                "message_attachments": ["message_id", "position", "file_name", "mime", "blob_sha256", "missing_reason"],
                "message_sightings": ["message_id", "import_id", "source_ref"],  # (its later ones)
            }.items()
        }
    for suffix in ("", "-wal", "-shm"):
        Path(str(scratch) + suffix).unlink(missing_ok=True)

    archive = Archive.create(
        db,
        owner_name="Alex Owner",
        phones=["+12025550100"],
        emails=[],
        tz="America/New_York",
        region="US",
        bates_prefix="TF",
    )
    conn = archive.conn
    start = time.perf_counter()
    n = 0
    for _event, elem in etree.iterparse(str(path), events=("end",), tag=("sms", "mms", "call"), huge_tree=True):
        n += 1
        if elem.tag == "mms":
            for part in elem.iter("part"):
                if part.get("data"):
                    binascii.a2b_base64(part.get("data"))
        elem.clear(keep_tail=False)
        while elem.getprevious() is not None:
            del elem.getparent()[0]
    with archive.transaction():
        for table, (cols, rows) in tables.items():
            sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
            for at in range(0, len(rows), 2000):
                if table == "messages":
                    last = conn.execute("SELECT coalesce(max(rowid), 0) FROM messages").fetchone()[0]
                conn.executemany(sql, rows[at : at + 2000])
                if table == "messages":
                    conn.execute(
                        "INSERT INTO messages_fts (rowid, body) SELECT rowid, body FROM messages WHERE rowid > ?",
                        (last,),
                    )
    seconds = time.perf_counter() - start
    archive.close()
    return {"messages": n, "timed_seconds": seconds}


OWNER_NUMBERS = ["+12025550100", "+12025550101"]


def run_read(path: Path, numbers: int) -> dict:
    from textfile.importers import android
    from textfile.model import ImportOptions, Message

    options = ImportOptions(
        tz="America/New_York", region="US", owner_name="Alex Owner", owner_handles=frozenset(OWNER_NUMBERS[:numbers])
    )
    n = 0
    for record in android.read(path, options):
        n += isinstance(record, Message)
    return {"messages": n}


def run_ours(path: Path, db: Path, numbers: int) -> dict:
    from textfile.archive import Archive
    from textfile.ingest import import_path, warm_up

    warm_up([path])  # (as `textfile import` does, before it opens the archive)
    with Archive.create(
        db,
        owner_name="Alex Owner",
        phones=OWNER_NUMBERS[:numbers],
        emails=[],
        tz="America/New_York",
        region="US",
        bates_prefix="TF",
    ) as archive:
        result = import_path(archive, path, parallel=True)
    return {
        "messages": result.added + result.already_present,
        "added": result.added,
        "warnings": result.warnings[:5],
        "reader": result.reader,
    }


def child(args) -> None:
    path, db = Path(args.file), Path(args.db) if args.db else None
    start = time.perf_counter()
    if args.child == "floor":
        info = run_floor(path, db)
    elif args.child == "floor-rows":
        info = run_floor_rows(path, db)
    elif args.child == "read":
        info = run_read(path, args.owner_numbers)
    else:
        info = run_ours(path, db, args.owner_numbers)
    info["seconds"] = info.pop("timed_seconds", None) or time.perf_counter() - start
    info["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(info))


def measure(what: str, path: Path, db: Path | None, numbers: int) -> dict:
    cmd = [PYTHON, __file__, "--child", what, "--file", str(path), "--owner-numbers", str(numbers)] + (
        ["--db", str(db)] if db else []
    )
    return run_child(cmd, what, fresh=db)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of 1,000,000 SMS + 2,000 MMS (default 1)")
    parser.add_argument("--image-kb", type=int, default=300)
    parser.add_argument(
        "--mms-burst", type=int, default=1, help="MMS come in runs of this many (a photo album sent at once)"
    )
    parser.add_argument(
        "--dir", default=None, help="where to generate (default: a temporary folder, removed afterwards)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--no-half", action="store_true", help="skip the half-size run")
    parser.add_argument(
        "--owner-numbers",
        type=int,
        choices=(1, 2),
        default=1,
        help="the owner's phone numbers in the archive (2: no --me, so the backup is read for which this phone had)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)

    work = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="textfile-bench-android-"))
    work.mkdir(parents=True, exist_ok=True)
    isolate(work)
    try:
        n_sms, n_mms = round(1_000_000 * args.scale), round(2_000 * args.scale)
        sizes = [("full", n_sms, n_mms)] + ([] if args.no_half else [("half", n_sms // 2, n_mms // 2)])
        report = {}
        for label, sms, mms in sizes:
            path = work / f"sms-{label}.xml"
            if not path.exists():
                t = time.perf_counter()
                generate(path, sms, mms, args.image_kb * 1024, burst=args.mms_burst)
                print(
                    f"generated {path} ({sms:,} SMS + {mms:,} MMS, {path.stat().st_size / 1e6:,.0f} MB) in {time.perf_counter() - t:.1f} s",
                    flush=True,
                )
            if label == "full":  # (issue 22's figure: ours and the importer alone, medians of 3 measured in turn)
                runs = in_rounds(
                    {
                        "ours": (
                            partial(measure, "ours", path, work / "archive.db", args.owner_numbers),
                            "process_seconds",
                        ),
                        "read": (partial(measure, "read", path, None, args.owner_numbers), "seconds"),
                    }
                )
                store = store_floor(work / "archive.db")  # (before the half size's import replaces that archive)
                runs["floor"] = measure("floor", path, work / "floor.db", args.owner_numbers)
                runs["rows"] = measure("floor-rows", path, work / "floor-rows.db", args.owner_numbers)
            else:
                runs = {"ours": measure("ours", path, work / "archive.db", args.owner_numbers)}
            report[label] = (sms + mms, path.stat().st_size, runs)
            for what, r in runs.items():
                reader = r.get("reader")
                print(
                    f"  {label:4} {what:5}: {r['seconds']:7.1f} s  {(sms + mms) / r['seconds']:9,.0f} msg/s  peak RSS {r['peak_rss_mb']:6.0f} MB"
                    + (
                        f" (+ reading process: {reader['peak_rss_mb']:.0f} MB, {reader['cpu_seconds']:.1f} s CPU)"
                        if reader
                        else ""
                    ),
                    flush=True,
                )
            if label == "full":
                print(
                    f"  full store: {store['seconds']:7.1f} s  {(sms + mms) / store['seconds']:9,.0f} msg/s  (SQLite alone storing"
                    f" the rows ours stored, median of 3: benchmarks/support/floor.py)",
                    flush=True,
                )
        total, size, runs = report["full"]
        ratio = runs["rows"]["seconds"] / runs["ours"]["seconds"]
        bare = runs["floor"]["seconds"] / runs["ours"]["seconds"]
        print()
        print(f"file: {total:,} messages, {size / 1e6:,.0f} MB")
        print(
            f"ours:  {runs['ours']['seconds']:.1f} s ({runs['ours']['process_seconds']:.1f} s whole process;"
            f" importer alone {runs['read']['seconds']:.1f} s)"
        )
        print(f"floor, the same rows into the archive's schema (parse + executemany): {runs['rows']['seconds']:.1f} s")
        print(f"floor, a bare table (integer key, no index, no FTS, no hashes):       {runs['floor']['seconds']:.1f} s")
        print(
            f"throughput vs the same-rows floor: {ratio:.0%} (target >= 50%)  {'OK' if ratio >= 0.5 else 'MISSED'}; vs the bare table: {bare:.0%}"
        )
        print(ratio_line("Android", total, runs["ours"]["process_seconds"], runs["read"]["seconds"], store["seconds"]))
        for label, (_, _, r) in report.items():
            rss = r["ours"]["peak_rss_mb"]
            reader = (r["ours"].get("reader") or {}).get("peak_rss_mb", 0)
            print(
                f"peak RSS ({label}): {rss:.0f} MB writing, {reader:.0f} MB reading (target < 150 MB per process)  "
                f"{'OK' if max(rss, reader) < 150 else 'MISSED'}"
            )
    finally:
        if not args.keep and not args.dir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
