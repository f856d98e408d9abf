"""The metadata `textfile browse` ships (textfile/browse/metadata.py) against the schema of a fully migrated
archive: every table and column described, nothing described that does not exist, sorts and labels real."""

from __future__ import annotations

from textfile.browse.metadata import TABLES, datasette_tables

# The tables SQLite's FTS5 makes for each index, which Datasette hides itself.
FTS_SHADOWS = ("_data", "_idx", "_content", "_docsize", "_config")


def schema(conn) -> dict[str, set[str]]:
    """Every table and view of the archive, but SQLite's own and FTS5's shadow tables, with its columns."""
    names = [
        name
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name")
        if not name.startswith("sqlite_")
    ]
    fts = {name for name in names if name.endswith("_fts")}
    return {
        name: {row[1] for row in conn.execute(f'PRAGMA table_info("{name}")')}
        for name in names
        if not any(name == f"{index}{shadow}" for index in fts for shadow in FTS_SHADOWS)
    }


def test_every_table_of_the_archive_is_described_and_nothing_else(archive):
    tables = schema(archive.conn)
    assert set(tables) == set(TABLES), (
        f"not described: {sorted(set(tables) - set(TABLES))}; no such table: {sorted(set(TABLES) - set(tables))}"
    )


def test_every_column_is_described_and_nothing_else(archive):
    differences = {
        name: {
            "not described": sorted(columns - set(TABLES[name].columns)),
            "no such column": sorted(set(TABLES[name].columns) - columns),
        }
        for name, columns in schema(archive.conn).items()
        if columns != set(TABLES[name].columns)
    }
    assert differences == {}


def test_every_title_and_description_says_something():
    empty = [name for name, table in TABLES.items() if not table.title.strip() or not table.description.strip()]
    empty += [
        f"{name}.{column}"
        for name, table in TABLES.items()
        for column, said in table.columns.items()
        if not said.title.strip() or not said.description.strip()
    ]
    assert empty == []


def test_column_titles_are_short():
    long = [
        f"{name}.{column}: {said.title!r}"
        for name, table in TABLES.items()
        for column, said in table.columns.items()
        if len(said.title) > 30
    ]
    assert long == []


def test_time_columns_say_utc():
    """A column holding an instant (named *_at, or a span's ends) says so in its title."""
    unsaid = [
        f"{name}.{column}: {said.title!r}"
        for name, table in TABLES.items()
        for column, said in table.columns.items()
        if (column.endswith("_at") or column in ("at", "span_first", "span_last")) and "(UTC)" not in said.title
    ]
    assert unsaid == []


def test_sorts_and_labels_name_real_columns():
    wrong = [
        f"{name}.{key} = {getattr(table, key)!r}"
        for name, table in TABLES.items()
        for key in ("sort", "sort_desc", "label_column")
        if getattr(table, key) is not None and getattr(table, key) not in table.columns
    ]
    both = [name for name, table in TABLES.items() if table.sort is not None and table.sort_desc is not None]
    assert (wrong, both) == ([], [])


def test_internal_tables_are_hidden():
    assert {name for name, table in TABLES.items() if table.hidden} == {
        "_sqlite_migrations",
        "bates_counters",
        "conversation_keys",
        "disposed_messages",
        "imessage_databases",
        "inbox_files",
        "message_aliases",
        "message_sightings",  # (storage of message_sources, a view: m031)
        "message_versions_fts",
        "messages_fts",
        "phone_copies",
    }


def test_datasette_form_of_a_visible_table():
    assert datasette_tables()["clients"] == {
        "title": "Clients",
        "description": "The clients whose messages are filed to matters.",
        "columns": {
            "id": "The client's number.",
            "name": "The client's name, unique regardless of case.",
            "created_at": "When the client was added (UTC, ISO 8601 ending in Z).",
        },
        "sort": "name",
        "label_column": "name",
    }


def test_datasette_form_of_a_hidden_table_sorted_newest_first():
    assert datasette_tables()["inbox_files"] == {
        "title": "Inbox files seen",
        "description": "Files `textfile archive` has already taken from an inbox folder, so that an unchanged file"
        " is not read again.",
        "columns": {
            "path": "The file's path in the inbox.",
            "size": "The file's size in bytes when it was seen.",
            "mtime_ns": "The file's modification time when it was seen: nanoseconds since 1970-01-01 UTC.",
            "sha256": "SHA-256 of the file's bytes.",
            "import_id": "The import that holds these bytes: the one made from this file, or an earlier one of the same"
            " bytes.",
            "seen_at": "When the file was last taken from the inbox (UTC, ISO 8601 ending in Z).",
        },
        "hidden": True,
        "sort_desc": "seen_at",
    }


def test_datasette_form_of_a_search_index():
    assert datasette_tables()["messages_fts"] == {
        "title": "Message search index",
        "description": "The full-text index of the messages' text, for searching them.",
        "columns": {"body": "The indexed text."},
        "hidden": True,
    }


def test_messages_newest_first_and_the_audit_log_latest_entry_first():
    assert {name: (TABLES[name].sort, TABLES[name].sort_desc) for name in ("messages", "audit_log", "imports")} == {
        "messages": (None, "sent_at"),
        "audit_log": (None, "id"),
        "imports": (None, "id"),
    }
