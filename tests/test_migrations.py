"""A fresh archive has exactly these tables and columns: a change to the schema must come as a new migration."""

from textfile.migrations import migrations

EXPECTED = {
    "_sqlite_migrations": ["id", "migration_set", "name", "applied_at"],
    "audit_log": ["id", "at", "command", "details", "prev_hash", "hash"],
    "bates_counters": ["prefix", "next_number"],
    "blobs": ["sha256", "size", "mime", "data"],
    "client_handles": ["handle", "client_id", "kind"],
    "clients": ["id", "name", "created_at"],
    "conversations": ["id", "platform", "source_key", "title", "is_group", "created_at"],
    "filings": ["id", "conversation_id", "matter_id", "from_at", "until_at", "how", "created_at", "filed_by"],
    "inbox_files": ["path", "size", "mtime_ns", "sha256", "import_id", "seen_at"],
    "imports": ["id", "path", "file_name", "size", "sha256", "format", "importer_version", "zone", "region", "custodian", "options",
                "started_at", "finished_at", "added", "already_present", "updated", "skipped", "skipped_reasons", "warnings", "assumptions"],
    "matters": ["id", "client_id", "reference", "title", "opened_at", "closed_at", "legal_hold"],
    "message_attachments": ["message_id", "position", "file_name", "mime", "blob_sha256", "missing_reason"],
    "message_sources": ["message_id", "import_id", "source_ref"],
    "message_versions": ["message_id", "version", "body", "at", "origin", "content_hash", "import_id"],
    "messages": ["id", "conversation_id", "sender_id", "direction", "kind", "sent_at", "source_zone", "body", "service", "status",
                 "delivered_at", "read_at", "duration_s", "flags", "source_id", "reply_to", "version", "content_hash", "import_id",
                 "time_precision"],
    "owner_handles": ["handle", "kind"],
    "participants": ["id", "conversation_id", "handle", "display_name", "is_owner"],
    "reactions": ["id", "message_id", "sender_id", "kind", "emoji", "at", "removed", "source_id", "import_id"],
    "settings": ["id", "archive_id", "owner_name", "tz", "region", "bates_prefix", "created_at"],
    "transcript_messages": ["transcript_id", "position", "message_id", "content_hash"],
    "transcripts": ["id", "uuid", "matter_id", "client_id", "scope", "from_at", "until_at", "zone", "path", "pdf_sha256", "manifest_sha256",
                    "pages", "messages", "bates_prefix", "bates_first", "bates_last", "created_at"],
}


def test_fresh_archive_has_exactly_these_columns(archive):
    tables = [r[0] for r in archive.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'messages_fts%' ORDER BY name")]
    assert {t: [c[1] for c in archive.conn.execute(f'PRAGMA table_info("{t}")')] for t in tables} == EXPECTED


def test_full_text_index_and_its_triggers_exist(archive):
    names = {r[0] for r in archive.conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")}
    assert {"messages_fts", "messages_fts_delete", "messages_fts_update"} <= names
    assert "messages_fts_insert" not in names  # ingest indexes new messages in bulk (m004)


def test_every_migration_is_recorded_and_reopening_applies_nothing(archive):
    applied = [r[0] for r in archive.conn.execute("SELECT name FROM _sqlite_migrations WHERE migration_set = 'textfile' ORDER BY id")]
    assert applied == [m.name for m in migrations._migrations]
    assert migrations.pending(archive.db) == []
