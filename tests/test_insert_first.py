"""A batch of messages is inserted before it is looked up when the last one was mostly new, and looked up
first otherwise (`Batches.inserted_first`, issue 22). Whichever way each batch goes, the archive must end
up exactly the same: the same rows in the same order, the same sightings, versions, skips and counts."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from conftest import FIXTURES, OWNER, ingest_records, msg
from test_reader_process import CONTENT

from textfile import filing
from textfile.archive import Archive
from textfile.ingest import import_path
from textfile.ingest.writer import batch
from textfile.ingest.writer.batch import Batches
from textfile.integrity import check_archive

# What the comparison of test_reader_process leaves out and the order of inserting could change: the
# row order of the edit history, which import each sighting is of, what each import skipped.
ORDERED = CONTENT | {
    "version rows": "SELECT rowid, message_id, version, import_id FROM message_versions ORDER BY rowid",
    "sighting rows": "SELECT message_id, import_id, source_ref FROM message_sightings ORDER BY 1, 2, 3",
    "skipped": "SELECT id, skipped, skipped_reasons FROM imports ORDER BY id",
}

WAYS = ("looked up first", "chosen per batch", "inserted first")


def whatsapp(path: Path, lines: range, edited: dict[int, str] | None = None) -> Path:
    """A WhatsApp export of some of 80 numbered lines (two of them the same message twice: one minute, one
    sender, one text), so that two exports overlap where their ranges do; `edited`: lines whose text was
    edited since an earlier export (a fold)."""
    text = []
    for n in lines:
        minute = n if n not in (31, 32) else 30
        body = f"line {n} about the lease" if n not in (31, 32) else "ok"
        if n in (edited or {}):
            body = f"{edited[n]} <This message was edited>"
        who = "Sam Client" if n % 3 else "Alex Owner"
        text.append(f"12/03/2024, {9 + minute // 60:02d}:{minute % 60:02d} - {who}: {body}")
    path.parent.mkdir(exist_ok=True)
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    return path


def run(tmp_path: Path, way: str, sources: list) -> tuple[dict, list, list]:
    """The archive's rows after importing `sources` in order (`imported`), each batch going `way`; the
    counts of each import; for each, how many of its batches were inserted first, and how many of those
    met archived ids."""
    seen: list[dict] = []
    inserted_first = Batches.inserted_first

    def counted(self, pending):
        made = inserted_first(self, pending)
        seen[-1]["inserted first"] += made is not None
        return made

    sort_out = Batches.sort_out

    def sorted_out(self, pending, existing=None):
        seen[-1]["then looked up"] += existing is not None
        return sort_out(self, pending, existing)

    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(Batches, "inserted_first", counted)
        monkeypatch.setattr(Batches, "sort_out", sorted_out)
        if way != "chosen per batch":
            always = way == "inserted first"
            monkeypatch.setattr(
                Batches, "insert_first", property(lambda self: always, lambda self, value: None), raising=False
            )
        with Archive.create(tmp_path / f"{way}.db", **OWNER) as archive:
            made = []
            for source in sources:
                seen.append({"inserted first": 0, "then looked up": 0})
                made.append(imported(archive, source))
            assert check_archive(archive.conn)["problems"] == [], way
            rows = {name: [tuple(r) for r in archive.conn.execute(sql)] for name, sql in ORDERED.items()}
    return rows, made, seen


def imported(archive: Archive, source) -> dict:
    """A source imported: a file and its options, a list of records; a client added first for a client's phone."""
    if isinstance(source, list):
        return ingest_records(archive, source).as_dict() | {"import_id": 0}
    path, options = source
    if options.get("custodian"):
        with archive.transaction() as conn:
            filing.add_client(conn, options["custodian"], ["+12025550143"], [], "US")
    return import_path(archive, path, **options).as_dict() | {"import_id": 0}


def every_way(tmp_path, monkeypatch, sources, size: int = 4) -> dict[str, list[dict]]:
    """The three ways compared; what each way did with the batches of each source."""
    monkeypatch.setattr(batch, "BATCH", size)  # many batches, some of them part new and part archived
    results = {way: run(tmp_path, way, sources) for way in WAYS}
    first_rows, first_made, _ = results[WAYS[0]]
    assert first_rows["messages"], "nothing imported: the comparison would prove nothing"
    for way in WAYS[1:]:
        rows, made, _ = results[way]
        assert rows == first_rows, way
        assert made == first_made, way
    assert all(seen["inserted first"] == 0 for seen in results["looked up first"][2])
    return {way: seen for way, (_, _, seen) in results.items()}


def test_overlapping_exports_make_the_same_archive_whichever_way_each_batch_goes(tmp_path, monkeypatch):
    name = "WhatsApp Chat with Sam Client.txt"
    sources = [
        (whatsapp(tmp_path / "week1" / name, range(0, 40)), {"me": "Alex Owner"}),
        (whatsapp(tmp_path / "week2" / name, range(20, 60)), {"me": "Alex Owner"}),
    ]
    seen = every_way(tmp_path, monkeypatch, sources)
    # the second export's batches that straddle the first's end met archived ids after inserting
    assert seen["inserted first"][1]["then looked up"] > 0
    assert seen["chosen per batch"][1]["inserted first"] > 0


def test_an_edit_folded_before_is_looked_up_and_the_rest_inserted_first(tmp_path, monkeypatch):
    """Once an edit between two exports is folded (the id of its edited text an alias of the message), an
    export that has the edited text is looked up first where it does, whichever the way; the rest of it, and
    the new end of the next export, are inserted first all the same."""
    name = "WhatsApp Chat with Sam Client.txt"
    amended = {25: "line 25, amended"}
    sources = [
        (whatsapp(tmp_path / "week1" / name, range(0, 40)), {"me": "Alex Owner"}),
        (whatsapp(tmp_path / "week2" / name, range(20, 60), edited=amended), {"me": "Alex Owner"}),
        (whatsapp(tmp_path / "week3" / name, range(20, 80), edited=amended), {"me": "Alex Owner"}),
    ]
    seen = every_way(tmp_path, monkeypatch, sources)
    with Archive.open(tmp_path / "chosen per batch.db") as archive:
        assert [tuple(r) for r in archive.conn.execute("SELECT rule FROM message_aliases")] == [("edited",)]
    chosen, always = seen["chosen per batch"], seen["inserted first"]
    # week 3, 60 lines in 15 batches: the one with the edited text (lines 24-27) is looked up first
    assert always[2]["inserted first"] == 14
    assert chosen[2]["inserted first"] >= 5  # (its new end, lines 60-79, in 5 batches)


@pytest.mark.parametrize(
    "sources",
    [
        [("android/sms-20240301.xml", {}), ("android/sms-20240308.xml", {}), ("android/calls-20240301.xml", {})],
        [("whatsapp/WhatsApp Chat with Sam Client.txt", {"me": "Alex Owner"})] * 2,
        [("whatsapp/WhatsApp Chat - Jordan Lee.zip", {"me": "Alex Owner"})] * 2,
        [
            ("android/sms-20240301.xml", {}),
            ("android/client_phone.xml", {"custodian": "Sam Client"}),
            ("android/sms-20240308.xml", {}),
        ],
    ],
    ids=["android weekly", "whatsapp again", "whatsapp zip again", "a client's phone"],
)
def test_fixtures_make_the_same_archive_whichever_way_each_batch_goes(tmp_path, monkeypatch, sources):
    every_way(tmp_path, monkeypatch, [(FIXTURES / name, options) for name, options in sources])


def test_one_id_twice_in_a_source_is_found_after_inserting(tmp_path, monkeypatch):
    """The same message twice in a source, a batch apart (seen again), and once with other content (the
    source contradicting itself, skipped): neither goes in when its batch is inserted first; both are
    looked up and come out as they would have."""
    records = [msg(n) for n in range(1, 12)]
    records[6] = replace(msg(2), source_ref="element 99")
    records[9] = replace(msg(3), body="contradicted", source_ref="element 98")
    seen = every_way(tmp_path, monkeypatch, [records, records[:4] + [msg(n) for n in range(12, 20)]])
    assert seen["inserted first"][0]["then looked up"] >= 2 and seen["inserted first"][1]["then looked up"] >= 1
