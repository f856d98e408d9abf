"""Every record each source makes, dumped canonically: the safety net of issue 16 (behavior unchanged).

Each *case* imports one source (or a short sequence of imports) into a fresh archive through the CLI
(`textfile --archive A import …`, as a user runs it) and dumps what it produced:
  - every row of every table of the archive, except: `settings` (the archive's fixed input, and its
    uuid), `audit_log` (times and a chain over them), `_sqlite_migrations`, the full-text index
    (its content is `messages.body`), `inbox_files` (paths and mtimes). Blobs are dumped as sha256,
    size and mime (the sha256 covers the bytes). A message's and a reaction's sender, and a version's,
    source's, alias's, copy's and attachment's message, stay as stored; a sender id is replaced by the
    participant it names (handle, display name, is_owner), and a participant's own id is left out,
    so that the dump says who, not in which order participants were inserted. Conversation and
    import ids are kept: in a fresh archive they are the order of creation, which the user sees
    (`conversation N`, `import N`);
  - every CLI run of the case: its arguments, exit code, and stdout and stderr as lines (the
    summary, every notice as printed, `Error: <file>: …` for a source that fails).
What varies from run to run is left out or normalized, and nothing else:
  - columns written with now() or the OS user: created_at, started_at, finished_at, imported_by,
    opened_at, ignored_at, ignored_by, filed_by, retired_at, retired_by, seen_at, and review's raised_at,
    decided_at, recorded_at/by, marked_at/by, changed_at/by (`review_settings`, the review scan's
    bookkeeping of how far it has read, is left out);
  - `imports.path` (the file name is kept in `file_name`);
  - `imports.size` and `imports.sha256` of a source built at test time (iMessage chat.db files,
    whose bytes depend on the SQLite library; zips with today's member times) or of a folder (its
    digest lists each file's mtime): "built" / "folder";
  - paths, in every string: this tree → `<repo>`, ../shared/corpus → `<corpus>`, the case's
    temporary folder → `<tmp>`, the home folder → `<home>` (iMessage names it among the places
    it looked for attachments).
A case's dump is hashed (sha256 of `json.dumps(sort_keys=True, ensure_ascii=False,
separators=(",", ":"))`) into tests/records_digest.json, with one short hash per 16 rows of each
table so that a mismatch can name the table and the rows that changed (tests/test_records_unchanged.py).

    .venv/bin/python -m tests.records_dump --write        # regenerate the digest: only for a change meant to change records
    .venv/bin/python -m tests.records_dump --show NAME    # print one case's dump
    .venv/bin/python -m tests.records_dump --list         # the cases
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.util
import json
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import types
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
if (
    str(TESTS) not in sys.path
):  # (run as `python -m tests.records_dump`: the builders are imported as pytest imports them)
    sys.path.insert(0, str(TESTS))

from conftest import CORPUS, FIXTURES, OWNER  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from textfile.archive import Archive  # noqa: E402

DIGEST = TESTS / "records_digest.json"
CHUNK = 16  # rows per short hash in the digest (how closely a mismatch is located)
SKIPPED_TABLES = {"settings", "audit_log", "_sqlite_migrations", "inbox_files", "review_settings"}
# The chain of custody is dumped as the view `message_sources` (every sighting, keyed as the table it was
# before m031), not as its storage: a message's first sighting in its own row, the others in `message_sightings`.
VIEWS = {"message_sources": ["message_id", "import_id", "source_ref"]}
STORAGE = {"message_sightings": None, "messages": "source_ref"}  # a table, or a column, left out: the view has it
VOLATILE = {
    "created_at",
    "started_at",
    "finished_at",
    "imported_by",
    "opened_at",
    "ignored_at",
    "ignored_by",
    "filed_by",
    "retired_at",
    "retired_by",
    "seen_at",
    "raised_at",
    "decided_at",
    "recorded_at",
    "recorded_by",
    "marked_at",
    "marked_by",
    "changed_at",
    "changed_by",
}
# The archive settings of each family of sources: what their importer tests use.
CORPUS_SETTINGS = dict(
    owner_name="Alex Owner", phones=[], emails=[], tz="UTC", region="US", bates_prefix="TF"
)  # test_import_android's corpus test
WHATSAPP_CORPUS = dict(
    owner_name="Nobody In These Files", phones=[], emails=[], tz="Europe/Berlin", region="DE", bates_prefix="TF"
)
BENCH_SIZE = 2000


# -- running a case -----------------------------------------------------------------------------------------


class Run:
    """One case: a temporary folder, the archive in it, and the CLI runs made against it."""

    def __init__(self, work: Path):
        self.work = work
        self.archive = work / "archive.db"
        self.runs: list[dict] = []
        self.unstable: dict[str, str] = {}  # file name of a source → what its size/sha256 are replaced with
        self.runner = CliRunner()

    def create(self, settings: dict = OWNER) -> None:
        Archive.create(self.archive, **settings).close()

    def cli(self, *args) -> tuple[int, str]:
        """`textfile --archive A ARGS…`; kept in the dump. Returns (exit code, stderr)."""
        from textfile.cli import app

        args = [str(a) for a in args]
        result = self.runner.invoke(app, ["--archive", str(self.archive), *args], catch_exceptions=False)
        self.runs.append(
            {
                "args": args,
                "exit": result.exit_code,
                "stdout": result.stdout.splitlines(),
                "stderr": result.stderr.splitlines(),
            }
        )
        return result.exit_code, result.stderr

    def built(self, path: Path) -> Path:
        self.unstable[path.name] = "folder" if path.is_dir() else "built"
        return path

    def import_(self, path: Path, *options) -> None:
        """Import `path`; a WhatsApp chat whose owner is not among its senders is imported again
        with --me its first sender (as test_import_whatsapp's corpus test does): both runs are kept."""
        if path.is_dir():
            self.unstable.setdefault(path.name, "folder")
        code, stderr = self.cli("import", path, *options)
        if code == 1 and "senders found: '" in stderr and "--me" not in options:
            first = stderr.replace("\n", " ").split("senders found: '", 1)[1].split("'", 1)[0]
            self.cli("import", path, *options, "--me", first)


def dump(run: Run) -> dict:
    """The case's records (see the module docstring)."""
    conn = sqlite3.connect(run.archive)
    conn.row_factory = sqlite3.Row
    try:
        people = {
            r["id"]: {"handle": r["handle"], "display_name": r["display_name"], "is_owner": r["is_owner"]}
            for r in conn.execute("SELECT * FROM participants")
        }
        tables = {}
        for name, kind in conn.execute(
            "SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name"
        ):
            if name in SKIPPED_TABLES or name.startswith("sqlite_") or "_fts" in name:
                continue
            if (kind == "view" and name not in VIEWS) or (name in STORAGE and STORAGE[name] is None):
                continue
            info = conn.execute(f'PRAGMA table_info("{name}")').fetchall()
            key = (
                VIEWS.get(name)
                or [c["name"] for c in sorted(info, key=lambda c: c["pk"]) if c["pk"]]
                or [info[0]["name"]]
            )
            select = "sha256, size, mime" if name == "blobs" else "*"
            rows = []
            for r in conn.execute(f'SELECT {select} FROM "{name}"'):
                row = {k: r[k] for k in r.keys() if k not in VOLATILE and k != STORAGE.get(name)}
                if name == "participants":
                    row.pop("id")
                if name in ("messages", "reactions") and "sender_id" in row:
                    row["sender"] = people.get(row.pop("sender_id"))
                if name == "reactions":
                    row.pop("id")
                if name == "imports":
                    row.pop("path")
                    if row["file_name"] in run.unstable:
                        row["size"] = row["sha256"] = run.unstable[row["file_name"]]
                rows.append(row)
            rows.sort(key=lambda row: ([_sortable(row.get(k)) for k in key], _canonical(row)))
            tables[name] = rows
    finally:
        conn.close()
    return {"runs": run.runs, "tables": tables}


def _sortable(value) -> tuple:
    """A key column's value, comparable whatever its type (numbers in their order, NULL last)."""
    if value is None:
        return (2, 0, "")
    if isinstance(value, (int, float)):
        return (0, value, "")
    return (1, 0, value.hex() if isinstance(value, bytes) else value)


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _normalized(value, places: list[tuple[str, str]]):
    if isinstance(value, str):
        for path, token in places:
            value = value.replace(path, token)
        return value
    if isinstance(value, list):
        return [_normalized(v, places) for v in value]
    if isinstance(value, dict):
        return {k: _normalized(v, places) for k, v in value.items()}
    return value


@contextlib.contextmanager
def _config():
    """A config folder of the run's own (the key that seals audit logs), never the user's."""
    saved = {k: os.environ.get(k) for k in ("XDG_CONFIG_HOME", "TEXTFILE_KEY", "TEXTFILE_ARCHIVE")}
    folder = tempfile.mkdtemp(prefix="tf-records-config-")
    os.environ["XDG_CONFIG_HOME"] = folder
    os.environ.pop("TEXTFILE_KEY", None)
    os.environ.pop("TEXTFILE_ARCHIVE", None)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        shutil.rmtree(folder, ignore_errors=True)


def record(name: str) -> dict:
    """Run case `name` in a fresh temporary folder and return its normalized dump."""
    steps = cases()[name]
    work = Path(tempfile.mkdtemp(prefix="tf-records-", dir="/tmp"))  # short: see conftest.temp_root
    try:
        with _config():
            run = Run(work)
            steps(run)
            out = dump(run)
        places = sorted(
            [
                (str(work), "<tmp>"),
                (str(work.resolve()), "<tmp>"),
                (str(CORPUS), "<corpus>"),
                (str(CORPUS.resolve()), "<corpus>"),
                (str(ROOT), "<repo>"),
                *([(str(Path.home()), "<home>")] if len(Path.home().parts) > 1 else []),
            ],
            key=lambda p: -len(p[0]),
        )
        return _normalized(out, places)
    finally:
        shutil.rmtree(work, ignore_errors=True)


# -- the digest: a hash per case, and one per CHUNK rows of each of its tables -----------------------------------


def digest(dumped: dict) -> dict:
    """The case's sha256, and per part that has rows (its CLI runs, each table) "ROWS HASH HASH…": the row count and a
    12-hex hash of each CHUNK rows."""
    parts = {"runs": dumped["runs"], **dumped["tables"]}
    return {
        "sha256": hashlib.sha256(_canonical(dumped).encode()).hexdigest(),
        "parts": {
            name: " ".join(
                [
                    str(len(rows)),
                    *(
                        hashlib.sha256(_canonical(rows[i : i + CHUNK]).encode()).hexdigest()[:12]
                        for i in range(0, len(rows), CHUNK)
                    ),
                ]
            )
            for name, rows in parts.items()
            if rows
        },
    }


def differences(name: str, expected: dict, got: dict, dumped: dict) -> str:
    """Where case `name`'s records differ from the digest's: each part that changed, its first changed rows as they are now."""
    lines = [f"records of {name!r} changed (sha256 {expected['sha256'][:12]}… → {got['sha256'][:12]}…):"]
    now = {"runs": dumped["runs"], **dumped["tables"]}
    for part in sorted(set(expected["parts"]) | set(got["parts"])):
        was, became = expected["parts"].get(part, "0").split(), got["parts"].get(part, "0").split()
        if was == became:
            continue
        lines.append(f"  {part}: {was[0]} rows → {became[0]}")
        for i, (old, new) in enumerate(zip(was[1:], became[1:])):
            if old != new:
                rows = now[part][i * CHUNK : (i + 1) * CHUNK]
                lines.append(
                    f"    first changed rows: {i * CHUNK}–{i * CHUNK + len(rows) - 1} (sorted by key); now, from the first:"
                )
                lines += [f"      {_canonical(r)[:600]}" for r in rows[:3]]
                break
        else:
            lines.append(f"    rows added or removed after row {min(int(was[0]), int(became[0]))}")
    return "\n".join(lines)


# -- the cases ------------------------------------------------------------------------------------------------


def _bench(name: str) -> types.ModuleType:
    """benchmarks/NAME.py as a module (its main guarded: nothing runs)."""
    spec = importlib.util.spec_from_file_location(f"benchmark_{name}", ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _FixedRandomOS:
    """`os` for a benchmark generator whose images are os.urandom: the same bytes on every run."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    def urandom(self, n: int) -> bytes:
        return self.rng.randbytes(n)

    def __getattr__(self, name):
        return getattr(os, name)


def _fixture_cases() -> dict[str, Callable[[Run], None]]:
    import imessage_build as build
    from conftest import messages_folder

    out = {}
    for path in sorted((FIXTURES / "android").glob("*.xml")) + sorted(p for p in (FIXTURES / "whatsapp").iterdir()):
        out[f"fixtures/{path.parent.name}/{path.name}"] = lambda run, path=path: (run.create(), run.import_(path))

    def one(make):
        return lambda run: (run.create(), run.import_(run.built(make(run.work))))

    out["fixtures/imessage/old.sql"] = one(lambda w: build.build_old(w / "old" / "chat.db"))
    out["fixtures/imessage/modern.py"] = one(lambda w: build.build_modern(w / "home"))
    out["fixtures/imessage/modern.py as an iPhone backup"] = one(lambda w: build.build_backup(w / "backup"))
    out["fixtures/imessage/modern.py as a Messages folder"] = one(lambda w: messages_folder(w, "Messages"))
    out["fixtures/imessage/client_phone.py"] = one(lambda w: build.build_client_phone(w / "client"))
    return out


def _corpus_cases() -> dict[str, Callable[[Run], None]]:
    if not CORPUS.exists():
        return {}
    import imessage_build as build

    out = {}
    files = sorted((CORPUS / "android").rglob("*.xml")) + sorted((CORPUS / "imessage" / "db").glob("*.db"))
    for path in files:
        out[f"corpus/{path.relative_to(CORPUS)}"] = lambda run, path=path: (
            run.create(CORPUS_SETTINGS),
            run.import_(path),
        )
    for path in sorted(p for p in (CORPUS / "whatsapp").rglob("*") if p.is_file() and p.suffix in (".txt", ".zip")):
        out[f"corpus/{path.relative_to(CORPUS)}"] = lambda run, path=path: (
            run.create(WHATSAPP_CORPUS),
            run.import_(path),
        )

    def blobs(run: Run) -> None:  # test_import_imessage's test_corpus_attributed_bodies_through_the_importer
        db = run.built(build.build_modern(run.work / "home"))
        conn = sqlite3.connect(db)
        for n, blob in enumerate(sorted((CORPUS / "imessage" / "attributedBody-blobs").iterdir()), start=60):
            conn.execute(
                "INSERT INTO message (ROWID, guid, attributedBody, handle_id, service, date) VALUES (?, ?, ?, 1, 'iMessage', ?)",
                (n, f"CORPUS-{blob.name}", blob.read_bytes(), 731100000_000_000_000 + n),
            )
            conn.execute("INSERT INTO chat_message_join (chat_id, message_id) VALUES (1, ?)", (n,))
        conn.commit()
        conn.close()
        run.create(CORPUS_SETTINGS)
        run.import_(db)

    out["corpus/imessage/attributedBody-blobs"] = blobs
    for plist in sorted((CORPUS / "imessage" / "message_summary_info-plists").glob("*.plist")):

        def summary(run: Run, plist=plist) -> None:  # test_import_imessage's test_corpus_message_summary_info
            db = run.built(build.build_modern(run.work / "home"))
            conn = sqlite3.connect(db)
            conn.execute(
                "UPDATE message SET text = 'current text', attributedBody = NULL, message_summary_info = ? WHERE ROWID = 1",
                (plist.read_bytes(),),
            )
            conn.commit()
            conn.close()
            run.create(CORPUS_SETTINGS)
            run.import_(db)

        out[f"corpus/{plist.relative_to(CORPUS)}"] = summary
    return out


def _benchmark_cases() -> dict[str, Callable[[Run], None]]:
    def android(run: Run) -> None:
        bench = _bench("android")
        bench.os = _FixedRandomOS(4)
        path = run.work / "sms-bench.xml"
        bench.generate(path, BENCH_SIZE - 100, 100, 600)
        run.create()
        run.import_(path)

    def whatsapp(run: Run) -> None:
        bench = _bench("whatsapp")
        path = run.work / bench.FILE_NAME
        bench.generate(path, BENCH_SIZE)
        run.create(dict(OWNER, owner_name=bench.OWNER, tz="Europe/London", region="GB"))  # the benchmark's own archive
        run.import_(path)

    def imessage(run: Run) -> None:
        path = run.built(run.work / "chat.db")
        _bench("imessage").generate(path, BENCH_SIZE)
        # Not the benchmark's +12025550100: its handles +1202555NNNN include it, and a chat with the owner's
        # own number is refused as another person's phone (issue 15) — the benchmark itself fails so.
        run.create(dict(OWNER, phones=["+13015550100"]))
        run.import_(path)

    def ingest(run: Run) -> None:  # the benchmark's records, through textfile.ingest as it times them
        from textfile.ingest import Source, ingest

        run.create(
            dict(owner_name="Owner", phones=["+12025550100"], emails=[], tz="UTC", region="US", bates_prefix="B")
        )
        with Archive.open(run.archive) as archive:
            ingest(
                archive,
                Source("bench", "bench", 0, "0" * 64, "android", "bench", "UTC", "US"),
                _bench("ingest").records(BENCH_SIZE),
            )

    def transcript(
        run: Run,
    ) -> None:  # its archive as it makes it, its photo fixed (Pillow's JPEG bytes vary by version)
        bench = _bench("transcript")
        bench.photo = lambda: random.Random(1).randbytes(3000)
        shutil.move(bench.make_archive(run.work, BENCH_SIZE), run.archive)

    def long_words(kind: str):
        def steps(run: Run) -> None:  # one message: an unbroken word, or prose
            bench = _bench("long_words")
            shutil.move(bench.make_archive(run.work, bench.text_of(kind, BENCH_SIZE)), run.archive)

        return steps

    def weekly(run: Run) -> None:
        bench = _bench("weekly")
        bench.os = _FixedRandomOS(5)
        inbox = run.work / "inbox"
        inbox.mkdir()
        bench.make_inbox(inbox, 3, 0)
        for zip_file in inbox.iterdir():
            run.built(zip_file)  # (zip member times are today's)
        run.create()
        run.cli("import", inbox)

    return {
        **{f"benchmarks/{f.__name__}.py": f for f in (android, whatsapp, imessage, ingest, transcript, weekly)},
        "benchmarks/long_words.py (word)": long_words("word"),
        "benchmarks/long_words.py (prose)": long_words("prose"),
    }


def _sequence_cases() -> dict[str, Callable[[Run], None]]:
    import imessage_build as build

    android, wa = FIXTURES / "android", FIXTURES / "whatsapp"
    sam_chat = wa / "WhatsApp Chat with Sam Client.txt"

    def two_weeks(run: Run) -> None:
        run.create()
        for path in ("sms-20240301.xml", "sms-20240308.xml", "sms-20240301.xml"):
            run.import_(android / path)

    def longer_export(
        run: Run,
    ) -> None:  # test_import_whatsapp's test_next_weeks_longer_export_adds_only_the_new_messages
        run.create()
        run.import_(sam_chat)
        later = run.work / "later"
        later.mkdir()
        shutil.copy(wa / "IMG-20240312-WA0001.jpg", later)
        (later / sam_chat.name).write_text(
            sam_chat.read_text(encoding="utf-8").replace("\n", " <This message was edited>\n", 1)
            + "19/03/2024, 10:00 - Sam Client: ok\n19/03/2024, 10:01 - Alex Owner: new week\n",
            encoding="utf-8",
        )
        run.import_(later / sam_chat.name)
        run.import_(sam_chat)

    def corrected_zone(run: Run) -> None:  # test_whatsapp_edits: another zone refused, then corrected
        run.create()
        run.import_(sam_chat)
        run.import_(sam_chat, "--tz", "Europe/Berlin")
        run.import_(sam_chat, "--tz", "Europe/Berlin", "--corrects-tz")

    def client_android(owner_first: bool):
        def steps(run: Run) -> None:  # test_custodian
            run.create()
            run.cli("client", "add", "Sam Client", "--phone", "+12025550143")
            owner, client = (android / "sms-20240301.xml",), (android / "client_phone.xml", "--custodian", "Sam Client")
            for args in (owner, client) if owner_first else (client, owner):
                run.import_(*args)

        return steps

    def client_imessage(owner_first: bool):
        def steps(run: Run) -> None:  # test_custodian
            run.create()
            run.cli("client", "add", "Jordan Lee", "--phone", "+12025550123")
            owner_db = run.built(build.build_modern(run.work / "owner"))
            client_db = run.built(build.build_client_phone(run.work / "client"))
            owner, client = (owner_db,), (client_db, "--custodian", "Jordan Lee")
            for args in (owner, client) if owner_first else (client, owner):
                run.import_(*args)

        return steps

    return {
        "sequence: the two Android weeks, then the first again": two_weeks,
        "sequence: a WhatsApp export, its longer re-export with an edit, the first again": longer_export,
        "sequence: a WhatsApp export read in another zone, refused, then corrected": corrected_zone,
        "sequence: the owner's Android backup, then the client's": client_android(True),
        "sequence: the client's Android backup, then the owner's": client_android(False),
        "sequence: the owner's Mac, then the client's iPhone": client_imessage(True),
        "sequence: the client's iPhone, then the owner's Mac": client_imessage(False),
    }


def cases() -> dict[str, Callable[[Run], None]]:
    """Every case by name: fixtures, corpus files (none without ../shared/corpus), benchmarks, sequences."""
    return {**_fixture_cases(), **_corpus_cases(), **_benchmark_cases(), **_sequence_cases()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--write", action="store_true", help="recompute every case and write tests/records_digest.json")
    parser.add_argument("--show", metavar="NAME", help="print one case's dump")
    parser.add_argument("--list", action="store_true", help="list the cases")
    args = parser.parse_args(argv)
    if args.list:
        print("\n".join(cases()))
    elif args.show:
        print(json.dumps(record(args.show), ensure_ascii=False, indent=1, sort_keys=True))
    elif args.write:
        if not CORPUS.exists():
            raise SystemExit(f"{CORPUS} is missing: the digest must cover the corpus")
        out = {name: digest(record(name)) for name in cases()}
        DIGEST.write_text(json.dumps(out, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {DIGEST.relative_to(ROOT)}: {len(out)} cases")
    else:
        parser.print_help()


if __name__ == "__main__":
    main()
