"""A fresh archive has exactly these tables and columns: a change to the schema must come as a new migration."""

from conftest import ingest_records, msg, unwatch

from textfile.archive import Archive
from textfile.migrations import migrations
from textfile.model import Version

EXPECTED = {
    "_sqlite_migrations": ["id", "migration_set", "name", "applied_at"],
    "audit_log": ["id", "at", "command", "details", "prev_hash", "hash", "seal"],
    "bates_counters": ["prefix", "next_number"],
    "blobs": ["sha256", "size", "mime", "data"],
    "client_handles": ["handle", "client_id", "kind"],
    "clients": ["id", "name", "created_at"],
    "conversation_ignores": ["conversation_id", "reason", "ignored_at", "ignored_by"],
    "conversation_files": ["conversation_id", "file_name", "mime", "blob_sha256", "import_id"],
    "conversation_keys": ["platform", "source_key", "conversation_id", "import_id", "rule"],
    "conversations": ["id", "platform", "source_key", "title", "is_group", "created_at"],
    "filings": ["id", "conversation_id", "matter_id", "from_at", "until_at", "how", "created_at", "filed_by"],
    "import_custodians": ["import_id", "client_id", "phone"],
    "transcript_retirements": ["transcript_id", "reason", "retired_at", "retired_by"],
    "review_settings": ["id", "hours", "languages", "consent_required", "scanned_to", "scanned_import", "signatures"],
    "review_lexicon": ["category", "term", "change", "direction", "changed_at", "changed_by"],
    "review_flags": ["id", "message_id", "rule", "reason", "raised_at", "state", "decided_at", "decided_by", "note"],
    "consents": [
        "id",
        "client_id",
        "given_at",
        "method",
        "scope",
        "document_sha256",
        "document_name",
        "revoked_at",
        "recorded_at",
        "recorded_by",
        "withdrawn_at",
        "withdrawn_by",
        "withdrawn_why_sha256",
    ],
    "opt_outs": ["message_id", "handle", "change", "keyword", "at"],
    "client_minors": ["client_id", "guardians", "marked_at", "marked_by"],
    "review_decisions": ["id", "flag_id", "state", "note", "decided_by", "decided_at", "entered_by"],
    "redactions": [
        *("id", "message_id", "content_hash", "start", "end", "span_sha256", "reason", "created_at", "created_by"),
        *("withdrawn_at", "withdrawn_by", "withdrawn_why_sha256"),
    ],
    "productions": [
        *("id", "matter_id", "folder", "from_at", "until_at", "options", "bates_prefix", "bates_first", "bates_last"),
        *("reproduces", "sums_sha256", "created_at", "created_by"),
    ],
    "production_files": ["production_id", "path", "kind", "size", "sha256", "bates_first", "bates_last"],
    "production_messages": ["production_id", "message_id", "content_hash", "bates", "redactions"],
    "signing_keys": ["fingerprint", "certificate", "created_at", "created_by"],
    "review_reports": [
        "id",
        "uuid",
        "path",
        "pdf_sha256",
        "manifest_sha256",
        "pages",
        "bates_prefix",
        "bates_first",
        "bates_last",
        "matter_id",
        "client_id",
        "zone",
        "filters",
        "flags",
        "created_at",
        "created_by",
    ],
    "notes": [
        "id",
        "matter_id",
        "author",
        "conversation_id",
        "from_at",
        "until_at",
        "created_at",
        "created_by",
        "withdrawn_at",
        "withdrawn_by",
        "withdrawn_why_sha256",
    ],
    "note_versions": [
        "note_id",
        "version",
        "text",
        "text_sha256",
        "privileged",
        "basis",
        "written_at",
        "written_by",
        "reason",
    ],
    "note_messages": ["note_id", "message_id", "content_hash"],
    # lifecycle (issue 19: m023)
    "retention_policies": ["id", "matter_id", "years", "basis", "set_at", "set_by"],
    "client_births": ["client_id", "born", "recorded_at", "recorded_by"],
    "disposals": [
        "id",
        "matter_id",
        "disposed_at",
        "disposed_by",
        "reason",
        "policy",
        "counts",
        "per_import",
        "messages",
        "messages_sha256",
        "blobs",
        "blobs_sha256",
        "transcripts",
        "reports",
    ],
    "disposal_certificates": [
        "id",
        "uuid",
        "disposal_id",
        "path",
        "pdf_sha256",
        "manifest_sha256",
        "pages",
        "bates_prefix",
        "bates_first",
        "bates_last",
        "created_at",
        "created_by",
    ],
    "disposed_messages": ["message_id", "disposal_id"],
    "inbox_files": ["path", "size", "mtime_ns", "sha256", "import_id", "seen_at"],
    "imessage_databases": ["import_id", "device"],
    "missing_from_phone": [
        "message_id",
        "import_id",
        "last_seen_import_id",
        "span_first",
        "span_last",
        "seen_again_import_id",
    ],
    "ignored_handles": ["handle", "reason", "ignored_at", "ignored_by"],
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
        "custodian",
        "options",
        "started_at",
        "finished_at",
        "added",
        "already_present",
        "updated",
        "skipped",
        "skipped_reasons",
        "warnings",
        "assumptions",
        "imported_by",
    ],
    "matters": ["id", "client_id", "reference", "title", "opened_at", "closed_at", "legal_hold"],
    "message_aliases": ["alias_id", "message_id", "import_id", "rule"],
    "message_attachments": ["message_id", "position", "file_name", "mime", "blob_sha256", "missing_reason"],
    "message_sightings": ["message_id", "import_id", "source_ref"],
    "message_versions": [
        "message_id",
        "version",
        "body",
        "at",
        "origin",
        "content_hash",
        "import_id",
        "sent_at",
        "source_zone",
        "earlier",
    ],
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
        "time_precision",
        "source_ref",
    ],
    "owner_handles": ["handle", "kind"],
    "participants": ["id", "conversation_id", "handle", "display_name", "is_owner"],
    "reactions": ["id", "message_id", "sender_id", "kind", "emoji", "at", "removed", "source_id", "import_id"],
    "phone_copies": ["alias_id", "message_id", "import_id", "source_ref", "sent_at"],
    "settings": ["id", "archive_id", "owner_name", "tz", "region", "bates_prefix", "created_at", "key_id"],
    "transcript_messages": ["transcript_id", "position", "message_id", "content_hash"],
    "transcripts": [
        "id",
        "uuid",
        "matter_id",
        "client_id",
        "scope",
        "from_at",
        "until_at",
        "zone",
        "path",
        "pdf_sha256",
        "manifest_sha256",
        "pages",
        "messages",
        "bates_prefix",
        "bates_first",
        "bates_last",
        "created_at",
    ],
}


def test_fresh_archive_has_exactly_these_columns(archive):
    tables = [
        r[0]
        for r in archive.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%_fts%' ORDER BY name"
        )
    ]
    assert {t: [c[1] for c in archive.conn.execute(f'PRAGMA table_info("{t}")')] for t in tables} == EXPECTED


def test_full_text_index_and_its_triggers_exist(archive):
    names = {r[0] for r in archive.conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")}
    assert {"messages_fts", "messages_fts_delete", "messages_fts_update"} <= names
    assert "messages_fts_insert" not in names  # ingest indexes new messages in bulk (m004)
    # Earlier versions are searchable too (m014), their index kept by triggers.
    assert {
        "message_versions_fts",
        "message_versions_fts_insert",
        "message_versions_fts_delete",
        "message_versions_fts_update",
    } <= names


def test_every_migration_is_recorded_and_reopening_applies_nothing(archive):
    applied = [
        r[0]
        for r in archive.conn.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = 'textfile' ORDER BY id"
        )
    ]
    assert applied == [m.name for m in migrations._migrations]
    assert migrations.pending(archive.db) == []


def test_m007_keeps_the_versions_an_archive_made_before_it_holds(archive, archive_path):
    ingest_records(archive, [msg(1, "final", versions=(Version("first"), Version("second")))])
    with archive.transaction() as conn:  # as an archive made before m007 left it
        unwatch(conn)
        conn.execute("ALTER TABLE message_versions DROP COLUMN sent_at")
        conn.execute("ALTER TABLE message_versions DROP COLUMN source_zone")
        conn.execute("DROP TABLE message_aliases")
        conn.execute("ALTER TABLE message_versions DROP COLUMN earlier")
        conn.execute(
            "DELETE FROM _sqlite_migrations WHERE name IN ('m007_whatsapp_edits_and_tz_corrections', 'm010_what_a_version_was')"
        )
    before = [tuple(r) for r in archive.conn.execute("SELECT * FROM message_versions ORDER BY version")]
    archive.close()
    with Archive.open(archive_path) as reopened:
        after = [tuple(r) for r in reopened.conn.execute("SELECT * FROM message_versions ORDER BY version")]
        assert after == [row + (None, None, None) for row in before] and len(after) == 2
        assert reopened.conn.execute("SELECT count(*) FROM message_aliases").fetchone()[0] == 0


def test_m012_leaves_who_made_earlier_imports_unknown(archive, archive_path):
    ingest_records(archive, [msg(1)])
    assert archive.conn.execute("SELECT imported_by FROM imports").fetchone()[0]  # (an import now records who ran it)
    with archive.transaction() as conn:  # as an archive made before m012 left it
        unwatch(conn)
        conn.execute("ALTER TABLE imports DROP COLUMN imported_by")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm012_who_imported'")
    before = [tuple(r) for r in archive.conn.execute("SELECT * FROM imports")]
    archive.close()
    with Archive.open(archive_path) as reopened:
        assert [tuple(r) for r in reopened.conn.execute("SELECT * FROM imports")] == [row + (None,) for row in before]
