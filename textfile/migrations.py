"""The archive's schema, only ever changed through named migrations (sqlite-utils Migrations).

Each migration runs in a transaction with its record in `_sqlite_migrations`. Never change an
applied migration: add the next one. `tests/test_migrations.py` pins the columns they produce.
"""

from __future__ import annotations

import sqlite3

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("textfile")


def _run(db: Database, script: str) -> None:
    """Run a script statement by statement: executescript() would commit the migration's transaction."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError(f"incomplete SQL statement in migration: {statement!r}")


@migrations()
def m001_initial(db: Database) -> None:
    _run(
        db,
        """
        CREATE TABLE settings (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            archive_id TEXT NOT NULL,
            owner_name TEXT NOT NULL,
            tz TEXT NOT NULL,
            region TEXT NOT NULL,
            bates_prefix TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE owner_handles (
            handle TEXT PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('phone', 'email'))
        );
        CREATE TABLE imports (
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL,
            file_name TEXT NOT NULL,
            size INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            format TEXT NOT NULL,
            importer_version TEXT NOT NULL,
            zone TEXT NOT NULL,
            region TEXT NOT NULL,
            custodian TEXT,
            options TEXT NOT NULL DEFAULT '{}',
            started_at TEXT NOT NULL,
            finished_at TEXT NOT NULL,
            added INTEGER NOT NULL,
            already_present INTEGER NOT NULL,
            updated INTEGER NOT NULL,
            skipped INTEGER NOT NULL,
            skipped_reasons TEXT NOT NULL DEFAULT '{}',
            warnings TEXT NOT NULL DEFAULT '[]',
            assumptions TEXT NOT NULL DEFAULT '[]'
        );
        CREATE TABLE conversations (
            id INTEGER PRIMARY KEY,
            platform TEXT NOT NULL,
            source_key TEXT NOT NULL,
            title TEXT,
            is_group INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            UNIQUE (platform, source_key)
        );
        CREATE TABLE participants (
            id INTEGER PRIMARY KEY,
            conversation_id INTEGER NOT NULL REFERENCES conversations(id),
            handle TEXT NOT NULL,
            display_name TEXT,
            is_owner INTEGER NOT NULL DEFAULT 0,
            UNIQUE (conversation_id, handle)
        );
        CREATE TABLE messages (
            id TEXT PRIMARY KEY,
            conversation_id INTEGER NOT NULL REFERENCES conversations(id),
            sender_id INTEGER REFERENCES participants(id),
            direction TEXT NOT NULL CHECK (direction IN ('in', 'out', 'system')),
            kind TEXT NOT NULL DEFAULT 'message' CHECK (kind IN ('message', 'call')),
            sent_at TEXT NOT NULL,
            source_zone TEXT,
            body TEXT NOT NULL DEFAULT '',
            service TEXT,
            status TEXT,
            delivered_at TEXT,
            read_at TEXT,
            duration_s INTEGER,
            flags TEXT NOT NULL DEFAULT '[]',
            source_id TEXT,
            reply_to TEXT,
            version INTEGER NOT NULL DEFAULT 1,
            content_hash TEXT NOT NULL,
            import_id INTEGER NOT NULL REFERENCES imports(id)
        );
        CREATE INDEX messages_conversation_sent ON messages (conversation_id, sent_at);
        CREATE INDEX messages_source_id ON messages (conversation_id, source_id);
        CREATE TABLE message_versions (
            message_id TEXT NOT NULL REFERENCES messages(id),
            version INTEGER NOT NULL,
            body TEXT NOT NULL,
            at TEXT,
            origin TEXT NOT NULL CHECK (origin IN ('edit_history', 'reimport')),
            content_hash TEXT,
            import_id INTEGER NOT NULL REFERENCES imports(id),
            PRIMARY KEY (message_id, version)
        );
        CREATE TABLE reactions (
            id INTEGER PRIMARY KEY,
            message_id TEXT NOT NULL REFERENCES messages(id),
            sender_id INTEGER REFERENCES participants(id),
            kind TEXT NOT NULL,
            emoji TEXT,
            at TEXT NOT NULL,
            removed INTEGER NOT NULL DEFAULT 0,
            source_id TEXT NOT NULL,
            import_id INTEGER NOT NULL REFERENCES imports(id),
            UNIQUE (message_id, source_id)
        );
        CREATE TABLE message_sources (
            message_id TEXT NOT NULL REFERENCES messages(id),
            import_id INTEGER NOT NULL REFERENCES imports(id),
            source_ref TEXT NOT NULL,
            PRIMARY KEY (message_id, import_id, source_ref)
        ) WITHOUT ROWID;
        CREATE TABLE blobs (
            sha256 TEXT PRIMARY KEY,
            size INTEGER NOT NULL,
            mime TEXT,
            data BLOB NOT NULL
        );
        CREATE TABLE message_attachments (
            message_id TEXT NOT NULL REFERENCES messages(id),
            position INTEGER NOT NULL,
            file_name TEXT,
            mime TEXT,
            blob_sha256 TEXT REFERENCES blobs(sha256),
            missing_reason TEXT,
            PRIMARY KEY (message_id, position),
            CHECK ((blob_sha256 IS NULL) <> (missing_reason IS NULL))
        );
        CREATE TABLE clients (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            created_at TEXT NOT NULL
        );
        CREATE TABLE client_handles (
            handle TEXT PRIMARY KEY,
            client_id INTEGER NOT NULL REFERENCES clients(id),
            kind TEXT NOT NULL CHECK (kind IN ('phone', 'email'))
        );
        CREATE TABLE matters (
            id INTEGER PRIMARY KEY,
            client_id INTEGER NOT NULL REFERENCES clients(id),
            reference TEXT NOT NULL UNIQUE COLLATE NOCASE,
            title TEXT NOT NULL,
            opened_at TEXT NOT NULL,
            closed_at TEXT,
            legal_hold INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE filings (
            id INTEGER PRIMARY KEY,
            conversation_id INTEGER NOT NULL REFERENCES conversations(id),
            matter_id INTEGER NOT NULL REFERENCES matters(id),
            from_at TEXT,
            until_at TEXT,
            how TEXT NOT NULL CHECK (how IN ('auto', 'manual')),
            created_at TEXT NOT NULL
        );
        CREATE INDEX filings_conversation ON filings (conversation_id);
        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            command TEXT NOT NULL,
            details TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        );
        CREATE VIRTUAL TABLE messages_fts USING fts5 (
            body, content='messages', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
            INSERT INTO messages_fts (rowid, body) VALUES (new.rowid, new.body);
        END;
        CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
            INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.rowid, old.body);
        END;
        CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages BEGIN
            INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.rowid, old.body);
            INSERT INTO messages_fts (rowid, body) VALUES (new.rowid, new.body);
        END;
        """,
    )


@migrations()
def m002_transcripts(db: Database) -> None:
    """Transcripts: every PDF produced, the messages it shows (with their content hashes at the
    time) and the next free Bates number per prefix. `transcript_messages.message_id` has no
    foreign key on purpose: the record of what was produced must outlive any change to the
    archive, so that `textfile verify FILE.pdf` can say which message went missing."""
    _run(
        db,
        """
        CREATE TABLE transcripts (
            id INTEGER PRIMARY KEY,
            uuid TEXT NOT NULL UNIQUE,
            matter_id INTEGER REFERENCES matters(id),
            client_id INTEGER REFERENCES clients(id),
            scope TEXT NOT NULL,
            from_at TEXT,
            until_at TEXT,
            zone TEXT NOT NULL,
            path TEXT NOT NULL,
            pdf_sha256 TEXT NOT NULL,
            manifest_sha256 TEXT NOT NULL,
            pages INTEGER NOT NULL,
            messages INTEGER NOT NULL,
            bates_prefix TEXT NOT NULL,
            bates_first INTEGER NOT NULL,
            bates_last INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            CHECK (matter_id IS NOT NULL OR client_id IS NOT NULL)
        );
        CREATE INDEX transcripts_manifest ON transcripts (manifest_sha256);
        CREATE TABLE transcript_messages (
            transcript_id INTEGER NOT NULL REFERENCES transcripts(id),
            position INTEGER NOT NULL,
            message_id TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            PRIMARY KEY (transcript_id, position)
        ) WITHOUT ROWID;
        CREATE INDEX transcript_messages_message ON transcript_messages (message_id);
        CREATE TABLE bates_counters (
            prefix TEXT PRIMARY KEY,
            next_number INTEGER NOT NULL CHECK (next_number >= 1)
        );
        """,
    )


@migrations()
def m003_inbox(db: Database) -> None:
    """What `textfile archive` has already taken from an inbox: a file whose path, size and
    modification time are unchanged is skipped without being read; one whose bytes were already
    imported (same sha256) is recorded without being parsed again."""
    _run(
        db,
        """
        CREATE TABLE inbox_files (
            path TEXT PRIMARY KEY,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            import_id INTEGER REFERENCES imports(id),
            seen_at TEXT NOT NULL
        );
        """,
    )


@migrations()
def m004_fts_in_bulk(db: Database) -> None:
    """New messages are indexed in bulk by the ingest pipeline, once per batch, instead of by a
    per-row trigger (which cost ~40% of an import's CPU). Updates and deletes keep their triggers."""
    _run(db, "DROP TRIGGER messages_fts_insert;")


@migrations()
def m005_partial_source_id_index(db: Database) -> None:
    """Only sources with ids of their own (iMessage guids) fill `source_id`; indexing the NULLs of
    every other message cost index writes on every import for nothing."""
    _run(
        db,
        """
        DROP INDEX messages_source_id;
        CREATE INDEX messages_source_id ON messages (conversation_id, source_id) WHERE source_id IS NOT NULL;
    """,
    )


@migrations()
def m006_end_filings_of_closed_matters(db: Database) -> None:
    """Closing a matter now ends its open filings at that moment (messages sent later no longer go
    into it). Matters closed before this version get the same: their open filings end when they
    closed, audited. Nothing is deleted; later messages become unfiled, or continue in the client's
    next open matter when it opens."""
    from textfile import audit

    rows = db.execute(
        "SELECT f.id, f.conversation_id, m.reference, m.closed_at FROM filings f JOIN matters m ON m.id = f.matter_id"
        " WHERE f.until_at IS NULL AND m.closed_at IS NOT NULL AND f.created_at <= m.closed_at"
        " ORDER BY f.id"
    ).fetchall()  # a filing a person made into the matter after it closed is theirs: left as it is
    if not rows:
        return
    db.conn.executemany(
        "UPDATE filings SET until_at = ? WHERE id = ?", [(closed_at, fid) for fid, _, _, closed_at in rows]
    )
    audit.append(
        db.conn,
        "migration: filings of closed matters ended",
        {"filings": [{"conversation": conv, "matter": ref, "until": closed_at} for _, conv, ref, closed_at in rows]},
    )


@migrations()
def m007_whatsapp_edits_and_tz_corrections(db: Database) -> None:
    """A WhatsApp message edited or deleted between two exports comes back under another identity
    (its text is part of it): the import folds it into the archived message as a new version and
    records the other identity as an alias of it, so that importing that export again finds the
    message. A version may come from an earlier export (origin 'export'), and keeps the time it
    had when a later reading of the export moved it (`--corrects-tz`: its sent_at and zone)."""
    _run(
        db,
        """
        CREATE TABLE message_aliases (
            alias_id TEXT PRIMARY KEY,
            message_id TEXT NOT NULL REFERENCES messages(id),
            import_id INTEGER NOT NULL REFERENCES imports(id),
            rule TEXT NOT NULL CHECK (rule IN ('edited', 'deleted', 'earlier'))
        );
        CREATE INDEX message_aliases_message ON message_aliases (message_id);
        CREATE TABLE message_versions_m007 (
            message_id TEXT NOT NULL REFERENCES messages(id),
            version INTEGER NOT NULL,
            body TEXT NOT NULL,
            at TEXT,
            origin TEXT NOT NULL CHECK (origin IN ('edit_history', 'reimport', 'export')),
            content_hash TEXT,
            import_id INTEGER NOT NULL REFERENCES imports(id),
            sent_at TEXT,
            source_zone TEXT,
            PRIMARY KEY (message_id, version)
        );
        INSERT INTO message_versions_m007 (message_id, version, body, at, origin, content_hash, import_id)
            SELECT message_id, version, body, at, origin, content_hash, import_id FROM message_versions;
        DROP TABLE message_versions;
        ALTER TABLE message_versions_m007 RENAME TO message_versions;
    """,
    )


@migrations()
def m008_time_precision_and_who_filed(db: Database) -> None:
    """Two facts a transcript discloses. `messages.time_precision`: how finely the source wrote the
    time ("minute" for WhatsApp's Android-style headers, "second" for its iPhone-style ones; NULL:
    a clock to the millisecond or finer), so a transcript never prints seconds the source did not
    have. It is not part of the content hash: ids, hashes and verified transcripts stay as they were.
    `filings.filed_by`: the person (the operating-system user) who filed a conversation by hand.

    Rows archived before this version: a WhatsApp message whose import wrote every one of its new
    messages at :00.000 is inferred to be to the minute (an Android-style export; an iPhone-style
    one has seconds, and a whole export landing on :00 is taken to be none), every other WhatsApp
    message to the second. Earlier filings keep `filed_by` NULL: who made them was never recorded,
    and transcripts say so."""
    _run(
        db,
        """
        ALTER TABLE messages ADD COLUMN time_precision TEXT CHECK (time_precision IN ('minute', 'second'));
        ALTER TABLE filings ADD COLUMN filed_by TEXT;
        UPDATE messages SET time_precision = CASE WHEN import_id IN (
                SELECT m.import_id FROM messages m JOIN imports i ON i.id = m.import_id WHERE i.format = 'whatsapp'
                GROUP BY m.import_id HAVING max(substr(m.sent_at, 18) <> '00.000Z') = 0)
            THEN 'minute' ELSE 'second' END
        WHERE conversation_id IN (SELECT id FROM conversations WHERE platform = 'whatsapp');
    """,
    )


@migrations()
def m009_conversation_files(db: Database) -> None:
    """Files an export holds that no message names (media in a WhatsApp zip the chat text never
    mentions) are kept as files of their conversation: no time and no sender, which nothing gives;
    the bytes in `blobs`; the import that first brought each. The same file again adds nothing."""
    _run(
        db,
        """
        CREATE TABLE conversation_files (
            conversation_id INTEGER NOT NULL REFERENCES conversations(id),
            file_name TEXT NOT NULL,
            mime TEXT,
            blob_sha256 TEXT NOT NULL REFERENCES blobs(sha256),
            import_id INTEGER NOT NULL REFERENCES imports(id),
            PRIMARY KEY (conversation_id, file_name, blob_sha256)
        ) WITHOUT ROWID;
    """,
    )


@migrations()
def m010_what_a_version_was(db: Database) -> None:
    """`message_versions.earlier`: what else an earlier state of a message was, where the state that
    replaced it differs beside its text and time (its sender's number as an earlier reading gave it,
    its status, its marks, its attachments): canonical JSON of those values, NULL when only the text
    or the time changed. Versions kept before this version say nothing more than they did."""
    _run(db, "ALTER TABLE message_versions ADD COLUMN earlier TEXT;")


@migrations()
def m011_conversation_keys(db: Database) -> None:
    """`conversation_keys`: the other keys a conversation is known under. A thread an importer reads
    one way one week and another way the next (an Android number kept as written, then joined with
    its international form by a backup that writes both) is the same conversation: the import that
    learns the new key re-keys the archived conversation in place (same id, filings, transcripts and
    messages; rule 'rekeyed': the key it had), or merges two archived ones (rule 'merged': the key of
    the one merged into it), or records the keys the importer names for a conversation it creates
    (rule 'named'), so that a later import reading the thread either way finds it. A key here is
    never a conversation's own `source_key` too."""
    _run(
        db,
        """
        CREATE TABLE conversation_keys (
            platform TEXT NOT NULL,
            source_key TEXT NOT NULL,
            conversation_id INTEGER NOT NULL REFERENCES conversations(id),
            import_id INTEGER NOT NULL REFERENCES imports(id),
            rule TEXT NOT NULL CHECK (rule IN ('rekeyed', 'merged', 'named')),
            PRIMARY KEY (platform, source_key)
        ) WITHOUT ROWID;
        CREATE INDEX conversation_keys_conversation ON conversation_keys (conversation_id);
    """,
    )


@migrations()
def m012_who_imported(db: Database) -> None:
    """`imports.imported_by`: the person (the operating-system user) who ran the import. Reading an
    export again in another zone (`--corrects-tz`) is a person's decision, which a transcript
    discloses with who made it, as it does for a conversation filed by hand. Imports made before
    this version keep NULL: who ran them was never recorded, and transcripts say so."""
    _run(db, "ALTER TABLE imports ADD COLUMN imported_by TEXT;")


@migrations()
def m014_earlier_versions_searchable(db: Database) -> None:
    """Every earlier version of a message is searchable (`message_versions_fts`): the text a later
    export shows deleted or edited, an iMessage edit's first text, what a correction replaced.
    Same tokenizer as `messages_fts`. Versions are far fewer than messages and come one at a time
    (an edit, a fold, a correction), so triggers keep the index wherever a version is written;
    a version's number may change (`fold` renumbers), its text never does. Versions archived
    before this one are indexed here. The index points at `message_versions` rowids: a migration
    that rebuilds that table (as m007 did) must rebuild this index and its triggers."""
    _run(
        db,
        """
        CREATE VIRTUAL TABLE message_versions_fts USING fts5 (
            body, content='message_versions', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER message_versions_fts_insert AFTER INSERT ON message_versions BEGIN
            INSERT INTO message_versions_fts (rowid, body) VALUES (new.rowid, new.body);
        END;
        CREATE TRIGGER message_versions_fts_delete AFTER DELETE ON message_versions BEGIN
            INSERT INTO message_versions_fts (message_versions_fts, rowid, body) VALUES ('delete', old.rowid, old.body);
        END;
        CREATE TRIGGER message_versions_fts_update AFTER UPDATE OF body ON message_versions BEGIN
            INSERT INTO message_versions_fts (message_versions_fts, rowid, body) VALUES ('delete', old.rowid, old.body);
            INSERT INTO message_versions_fts (rowid, body) VALUES (new.rowid, new.body);
        END;
        INSERT INTO message_versions_fts (message_versions_fts) VALUES ('rebuild');
    """,
    )


@migrations()
def m015_sealed_audit_log_and_digests(db: Database) -> None:
    """The audit log's entries are sealed (`audit_log.seal`: HMAC-SHA256 under a key kept outside the
    archive, whose id is `settings.key_id`), and each import's messages and versions are summed into
    a digest its entries record (textfile/audit/). Entries written before this version stay unsealed: the
    first sealed entry's hash covers them all. An archive made before this version gets its first
    digests here, of its messages as they are now: a change made outside textfile before this
    version cannot be told apart from what its imports wrote, and that entry says so."""
    from textfile import audit

    _run(
        db,
        """
        ALTER TABLE audit_log ADD COLUMN seal TEXT;
        ALTER TABLE settings ADD COLUMN key_id TEXT;
    """,
    )
    if db.execute("SELECT 1 FROM settings").fetchone() is None:  # a new archive: `Archive.create` seals it
        return
    digests = audit.current_digests(db.conn)
    audit.append(
        db.conn,
        "migration: message digests recorded",
        {
            "digests": {str(i): d for i, d in sorted(digests.items())},
            "note": "digests of the messages and versions as they were when this version first opened the archive",
        },
    )
    # (after that entry sealed the archive: its settings now hold the key's id)
    audit.append(
        db.conn,
        "migration: record digests recorded",
        {
            "records": audit.current_records(db.conn),
            "note": "digests of the other records (matters, filings, transcripts…) as they were when this version first opened the archive",
        },
    )


@migrations()
def m016_ignored_conversations_and_handles(db: Database) -> None:
    """Personal threads set aside (`conversation ignore`, `handle ignore`: ignore.py). A row of
    `conversation_ignores` says a conversation is not client-related: never filed automatically,
    and `deletable` says so at the end of its list. A row of `ignored_handles` ignores each new
    conversation whose participants other than the owner are all ignored handles, as it arrives.
    Tables of their own, not columns of `conversations`: the records' digests of the tables already
    sealed (audit.RECORDS) stay as they were. Unignoring deletes the row; the audit log keeps who
    ignored what, when and why."""
    _run(
        db,
        """
        CREATE TABLE conversation_ignores (
            conversation_id INTEGER PRIMARY KEY REFERENCES conversations(id),
            reason TEXT,
            ignored_at TEXT NOT NULL,
            ignored_by TEXT NOT NULL
        );
        CREATE TABLE ignored_handles (
            handle TEXT PRIMARY KEY,
            reason TEXT,
            ignored_at TEXT NOT NULL,
            ignored_by TEXT NOT NULL
        ) WITHOUT ROWID;
    """,
    )


@migrations()
def m017_another_persons_phone(db: Database) -> None:
    """A client's own phone (`import --custodian CLIENT`). `import_custodians`: whose phone an import
    read, when it is a client's (no row: the archive owner's), and the client's number the phone had.
    `phone_copies`: a record of one phone matched to a message another phone's copy archived (an
    Android SMS has another date, direction and identity on each phone): its own identity, found again
    when the phone's export is imported again, with the message it is a copy of, where the phone holds
    it (`source_ref`) and the time the phone gives it (kept here, not on the message). Tables of their
    own: the records' digests of the tables already sealed (audit.RECORDS) stay as they were."""
    _run(
        db,
        """
        CREATE TABLE import_custodians (
            import_id INTEGER PRIMARY KEY REFERENCES imports(id),
            client_id INTEGER NOT NULL REFERENCES clients(id),
            phone TEXT NOT NULL
        );
        CREATE TABLE phone_copies (
            alias_id TEXT PRIMARY KEY,
            message_id TEXT NOT NULL REFERENCES messages(id),
            import_id INTEGER NOT NULL REFERENCES imports(id),
            source_ref TEXT NOT NULL,
            sent_at TEXT NOT NULL
        );
        CREATE INDEX phone_copies_message ON phone_copies (message_id);
    """,
    )


@migrations()
def m018_transcripts_deleted_on_purpose(db: Database) -> None:
    """A transcript whose file a person deleted on purpose (`verify --deleted PATH`): a row of
    `transcript_retirements`, with when, by whom and why, so that a snapshot thrown away is no longer
    reported missing every week. Its record and its audit entry stay; it vouches for nothing any more
    (no message counts as transcribed by it). A table of its own: the records' digests of the tables
    already sealed (audit.RECORDS) stay as they were."""
    _run(
        db,
        """
        CREATE TABLE transcript_retirements (
            transcript_id INTEGER PRIMARY KEY REFERENCES transcripts(id),
            reason TEXT,
            retired_at TEXT NOT NULL,
            retired_by TEXT NOT NULL
        );
    """,
    )


@migrations()
def m019_duty_to_respond(db: Database) -> None:
    """Review (textfile/review/): the flags raised on messages for a professional's attention, and what
    decides them. Tables of their own: the records' digests of the tables already sealed
    (audit.RECORDS) stay as they were.
    - `review_settings` (one row once set): the working hours (JSON, NULL: not set), the lexicon
      languages, whether an outgoing text to a client with no consent on record is flagged, and how
      far the scan has read (`scanned_to`: the messages' rowid; `scanned_import`: the last import
      whose edits it read; `signatures`: what the rules read, so a change re-reads them all).
    - `review_lexicon`: the archive's own changes to the shipped lexicons (a term added or removed).
    - `review_flags`: one per message and rule, never two (UNIQUE): open, then reviewed or dismissed
      by a person (who, when, a note), or cleared when its rule no longer holds (a term removed, the
      conversation set aside, a consent recorded that covers it); a cleared flag whose rule holds
      again is opened again. A decision a person made is never changed by a scan.
    - `consents`: a client's consent to be texted (given, method, scope, the signed document as a
      blob with its sha256, revoked).
    - `opt_outs`: the inbound messages that said STOP (or START) as a whole message.
    - `client_minors`: a client who is a minor, with the guardians' handles."""
    _run(
        db,
        """
        CREATE TABLE review_settings (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            hours TEXT,
            languages TEXT NOT NULL DEFAULT '["en"]',
            consent_required INTEGER NOT NULL DEFAULT 1,
            scanned_to INTEGER NOT NULL DEFAULT 0,
            scanned_import INTEGER NOT NULL DEFAULT 0,
            signatures TEXT NOT NULL DEFAULT '{}'
        );
        CREATE TABLE review_lexicon (
            category TEXT NOT NULL,
            term TEXT NOT NULL,
            change TEXT NOT NULL CHECK (change IN ('add', 'remove')),
            direction TEXT CHECK (direction IN ('in', 'out', 'any')),
            changed_at TEXT NOT NULL,
            changed_by TEXT NOT NULL,
            PRIMARY KEY (category, term)
        ) WITHOUT ROWID;
        CREATE TABLE review_flags (
            id INTEGER PRIMARY KEY,
            message_id TEXT NOT NULL REFERENCES messages(id),
            rule TEXT NOT NULL,
            reason TEXT NOT NULL DEFAULT '{}',
            raised_at TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'reviewed', 'dismissed', 'cleared')),
            decided_at TEXT,
            decided_by TEXT,
            note TEXT,
            UNIQUE (message_id, rule)
        );
        CREATE INDEX review_flags_state ON review_flags (state, rule);
        CREATE TABLE consents (
            id INTEGER PRIMARY KEY,
            client_id INTEGER NOT NULL REFERENCES clients(id),
            given_at TEXT NOT NULL,
            method TEXT NOT NULL CHECK (method IN ('written', 'verbal', 'text')),
            scope TEXT,
            document_sha256 TEXT REFERENCES blobs(sha256),
            document_name TEXT,
            revoked_at TEXT,
            recorded_at TEXT NOT NULL,
            recorded_by TEXT NOT NULL
        );
        CREATE INDEX consents_client ON consents (client_id);
        CREATE TABLE opt_outs (
            message_id TEXT PRIMARY KEY REFERENCES messages(id),
            handle TEXT NOT NULL,
            change TEXT NOT NULL CHECK (change IN ('out', 'in')),
            keyword TEXT NOT NULL,
            at TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX opt_outs_handle ON opt_outs (handle, at);
        CREATE TABLE client_minors (
            client_id INTEGER PRIMARY KEY REFERENCES clients(id),
            guardians TEXT NOT NULL DEFAULT '[]',
            marked_at TEXT NOT NULL,
            marked_by TEXT NOT NULL
        );
    """,
    )


@migrations()
def m020_review_reports(db: Database) -> None:
    """Review reports (`review --pdf FILE`, textfile/review/pdf/): each PDF made, with the sha256 of
    its file and of its embedded manifest, its pages and Bates range (the transcripts' counters: a
    number is never used twice across transcripts and reports), its scope and filters (JSON), the
    flags it lists with the state each was in (JSON: [[flag id, state], …]), and when and by whom it
    was made, so that `textfile verify REPORT.pdf` can prove it. A table of its own: the records'
    digests of the tables already sealed (audit.RECORDS) stay as they were."""
    _run(
        db,
        """
        CREATE TABLE review_reports (
            id INTEGER PRIMARY KEY,
            uuid TEXT NOT NULL UNIQUE,
            path TEXT NOT NULL,
            pdf_sha256 TEXT NOT NULL,
            manifest_sha256 TEXT NOT NULL,
            pages INTEGER NOT NULL,
            bates_prefix TEXT NOT NULL,
            bates_first INTEGER NOT NULL,
            bates_last INTEGER NOT NULL,
            matter_id INTEGER REFERENCES matters(id),
            client_id INTEGER REFERENCES clients(id),
            zone TEXT NOT NULL,
            filters TEXT NOT NULL,
            flags TEXT NOT NULL,
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL
        );
        CREATE INDEX review_reports_path ON review_reports (path);
    """,
    )


@migrations()
def m021_notes_to_file(db: Database) -> None:
    """Notes to file (textfile/notes/): a memo about a matter, bound to the exact messages it concerns,
    so that a later edit of one of them shows against the note. Tables of their own: the records'
    digests of the tables already sealed (audit.RECORDS) stay as they were.
    - `notes`: the matter, who the note is by (`author`, as named; `created_by`: the system user who
      entered it), when, and the window it was written about when given (a conversation as numbered
      then, from, until). The conversation has no foreign key: a later reading may merge it into
      another (ingest's merges); the bound messages are the record of what the note concerns.
    - `note_versions`: every version of its text, the first included, with its sha256, whether it is
      privileged and on what basis ("Attorney work product"), when, by whom and why: an edit adds a
      version, never rewrites one.
    - `note_messages`: the messages it concerns, each with the content hash it had when the note was
      written (a foreign key to messages: disposal finds the notes of what it deletes)."""
    _run(
        db,
        """
        CREATE TABLE notes (
            id INTEGER PRIMARY KEY,
            matter_id INTEGER NOT NULL REFERENCES matters(id),
            author TEXT NOT NULL,
            conversation_id INTEGER,
            from_at TEXT,
            until_at TEXT,
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL
        );
        CREATE INDEX notes_matter ON notes (matter_id);
        CREATE TABLE note_versions (
            note_id INTEGER NOT NULL REFERENCES notes(id),
            version INTEGER NOT NULL,
            text TEXT NOT NULL,
            text_sha256 TEXT NOT NULL,
            privileged INTEGER NOT NULL CHECK (privileged IN (0, 1)),
            basis TEXT,
            written_at TEXT NOT NULL,
            written_by TEXT NOT NULL,
            reason TEXT,
            PRIMARY KEY (note_id, version)
        ) WITHOUT ROWID;
        CREATE TABLE note_messages (
            note_id INTEGER NOT NULL REFERENCES notes(id),
            message_id TEXT NOT NULL REFERENCES messages(id),
            content_hash TEXT NOT NULL,
            PRIMARY KEY (note_id, message_id)
        ) WITHOUT ROWID;
        CREATE INDEX note_messages_message ON note_messages (message_id);
    """,
    )


@migrations()
def m022_coverage(db: Database) -> None:
    """Coverage (textfile/lifecycle/coverage.py): what successive exports of one phone show it no longer holds.
    Tables of their own: the records' digests of the tables already sealed (audit.RECORDS) stay as they were.
    - `imessage_databases`: which Apple database an iMessage import read, an iPhone's (a backup, or an
      sms.db) or a Mac's (chat.db): two devices, whose exports are not compared with each other. An
      iMessage import made before this has no row, and is compared with no other.
    - `missing_from_phone`: a message an earlier export of the same phone held, which a later export of
      that phone lacks although its time is inside the span that export covers for its conversation:
      deleted on the phone, or left out of that export. One row per message and export that first
      lacked it (`import_id`), with the last export that held it (`last_seen_import_id`), the span, and
      the export of that phone that held it again (`seen_again_import_id`: that absence was an export
      cut), set once."""
    _run(
        db,
        """
        CREATE TABLE imessage_databases (
            import_id INTEGER PRIMARY KEY REFERENCES imports(id),
            device TEXT NOT NULL CHECK (device IN ('iphone', 'mac'))
        );
        CREATE TABLE missing_from_phone (
            message_id TEXT NOT NULL REFERENCES messages(id),
            import_id INTEGER NOT NULL REFERENCES imports(id),
            last_seen_import_id INTEGER NOT NULL REFERENCES imports(id),
            span_first TEXT NOT NULL,
            span_last TEXT NOT NULL,
            seen_again_import_id INTEGER REFERENCES imports(id),
            PRIMARY KEY (message_id, import_id)
        ) WITHOUT ROWID;
        CREATE INDEX missing_from_phone_import ON missing_from_phone (import_id);
    """,
    )


@migrations()
def m023_retention_and_disposal(db: Database) -> None:
    """Legal hold, retention and disposal (textfile/lifecycle/). Tables of their own: the records'
    digests of the tables already sealed (audit.RECORDS) stay as they were.
    - `retention_policies`: keep a matter's file N years after it closes, with the basis given; one
      row for the archive (`matter_id` NULL) and one per matter that has its own. No row: textfile's
      default (lifecycle/retention.py), which the README states with its sources.
    - `client_births`: a client's date of birth (`client minor NAME --born`): a minor's file is kept
      until N years after their 18th birthday when that is later. Not a column of `clients`.
    - `disposals`: a matter disposed of (`dispose`): when, by whom, why, under which policy, what was
      removed (counts, per import, every message's id and content hash, the blobs' sha256 and digests
      over both), and the records of transcripts and review reports that went with it. The matter's
      row stays, and its reference stays taken.
    - `disposal_certificates`: the certificate PDF of a disposal, recorded as transcripts are (its
      file's and embedded manifest's sha256, pages, Bates range) so `verify CERT.pdf` proves it."""
    _run(
        db,
        """
        CREATE TABLE retention_policies (
            id INTEGER PRIMARY KEY,
            matter_id INTEGER REFERENCES matters(id),
            years INTEGER NOT NULL CHECK (years BETWEEN 0 AND 100),
            basis TEXT,
            set_at TEXT NOT NULL,
            set_by TEXT NOT NULL
        );
        CREATE UNIQUE INDEX retention_policies_scope ON retention_policies (coalesce(matter_id, 0));
        CREATE TABLE client_births (
            client_id INTEGER PRIMARY KEY REFERENCES clients(id),
            born TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            recorded_by TEXT NOT NULL
        );
        CREATE TABLE disposals (
            id INTEGER PRIMARY KEY,
            matter_id INTEGER NOT NULL UNIQUE REFERENCES matters(id),
            disposed_at TEXT NOT NULL,
            disposed_by TEXT NOT NULL,
            reason TEXT,
            policy TEXT NOT NULL,
            counts TEXT NOT NULL,
            per_import TEXT NOT NULL,
            messages TEXT NOT NULL,
            messages_sha256 TEXT NOT NULL,
            blobs TEXT NOT NULL,
            blobs_sha256 TEXT NOT NULL,
            transcripts TEXT NOT NULL,
            reports TEXT NOT NULL
        );
        CREATE TABLE disposal_certificates (
            id INTEGER PRIMARY KEY,
            uuid TEXT NOT NULL UNIQUE,
            disposal_id INTEGER NOT NULL REFERENCES disposals(id),
            path TEXT NOT NULL,
            pdf_sha256 TEXT NOT NULL,
            manifest_sha256 TEXT NOT NULL,
            pages INTEGER NOT NULL,
            bates_prefix TEXT NOT NULL,
            bates_first INTEGER NOT NULL,
            bates_last INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL
        );
    """,
    )


# The tables whose numbers people use (`conversation show 4`, `note show 2`, `review ack 19`, transcript
# and report ids in verify's words), each of which a disposal may delete rows from.
NEVER_REUSED = ("conversations", "notes", "review_flags", "transcripts", "review_reports")


@migrations(transactional=False)
def m024_numbers_never_reused(db: Database) -> None:
    """A number given once is never given again. SQLite gives a new row one more than the largest id in
    its table: once `dispose` deleted a matter's last conversation, note or flag, the next one would have
    taken its number, and transcripts, certificates and the audit log that cite "conversation 4" or
    "note 1" would point at another record. The tables people cite by number (`NEVER_REUSED`) are
    rebuilt with AUTOINCREMENT (the same columns, rows and ids: the records' digests are unchanged),
    so SQLite keeps the largest id ever given in `sqlite_sequence`.

    Rebuilding a table other tables point at needs foreign keys off, which SQLite allows only outside
    a transaction: this migration runs its own (`BEGIN IMMEDIATE` … `COMMIT`, the rebuilt tables' foreign
    keys checked before it commits) and skips a table already rebuilt, so a run cut between its commit and its
    record in `_sqlite_migrations` does nothing twice."""
    conn = db.conn
    conn.execute("PRAGMA foreign_keys = OFF")
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            for table in NEVER_REUSED:
                _with_autoincrement(conn, table)
            dangling = [r for t in NEVER_REUSED for r in conn.execute(f"PRAGMA foreign_key_check({t})")]
            if dangling:  # (the rows that point at them keep the same ids: an archive of 1M messages is not read again)
                raise sqlite3.IntegrityError(f"m024: {len(dangling)} rows point at rows that are gone")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        conn.execute("PRAGMA foreign_keys = ON")


def _with_autoincrement(conn: sqlite3.Connection, table: str) -> None:
    """`table` rebuilt with `id INTEGER PRIMARY KEY AUTOINCREMENT`, its indexes and triggers made again."""
    (sql,) = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()
    if "AUTOINCREMENT" in sql.upper():
        return
    head = f"CREATE TABLE {table} ("
    if not sql.startswith(head) or "id INTEGER PRIMARY KEY," not in sql:
        raise sqlite3.OperationalError(f"m024: {table} is not as textfile made it: {sql[:80]!r}")
    rebuilt = f"CREATE TABLE {table}_m024 (" + sql[len(head) :].replace(
        "id INTEGER PRIMARY KEY,", "id INTEGER PRIMARY KEY AUTOINCREMENT,", 1
    )
    others = [
        r[0]
        for r in conn.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') AND sql IS NOT NULL",
            (table,),
        )
    ]
    conn.execute(rebuilt)
    conn.execute(f"INSERT INTO {table}_m024 SELECT * FROM {table}")
    conn.execute(f"DROP TABLE {table}")
    conn.execute(f"ALTER TABLE {table}_m024 RENAME TO {table}")
    for statement in others:
        conn.execute(statement)


@migrations()
def m025_disposed_messages(db: Database) -> None:
    """The ids a disposal deleted (`disposed_messages`): a disposed message is never archived again. The
    same export imported again, next week's backup or a client's phone still hold those texts; ingest
    skips every id listed here ("disposed of") and `verify` reports a message the archive holds under one.
    Each message's own id and the other ids that identified it (`message_aliases`, `phone_copies`), with
    the disposal that deleted it. No foreign key to messages: the messages are gone. A table of its own:
    the records' digests of the tables already sealed (audit.RECORDS) stay as they were. The disposals
    made before this version list their messages' own ids (`disposals.messages`): those are recorded here,
    audited (their aliases went with them)."""
    from textfile import audit

    _run(
        db,
        """
        CREATE TABLE disposed_messages (
            message_id TEXT PRIMARY KEY,
            disposal_id INTEGER NOT NULL REFERENCES disposals(id)
        ) WITHOUT ROWID;
    """,
    )
    if db.execute("SELECT 1 FROM disposals LIMIT 1").fetchone() is None:
        return
    db.execute(
        "INSERT OR IGNORE INTO disposed_messages (message_id, disposal_id) SELECT json_extract(j.value, '$[0]'), d.id"
        " FROM disposals d, json_each(d.messages) j ORDER BY d.id"
    )
    audit.append(
        db.conn,
        "migration: disposed messages recorded",
        {
            "records": audit.current_records(db.conn, ("disposed_messages",)),
            "note": "the ids the disposals made before this version deleted: never archived again",
        },
    )


@migrations()
def m027_review_decisions(db: Database) -> None:
    """Every decision a person made on a review flag (`review ack|dismiss|reopen`), with its note: a row
    of `review_decisions` each, in the sealed records. A flag's row holds only its latest decision, and
    a note may say what the flagged message says: the audit log records the note's sha256, never its
    words, so that a disposal can remove every byte of them (the rows go with their flags). Decisions
    made before this version are in the audit log as they were written, words and all."""
    _run(
        db,
        """
        CREATE TABLE review_decisions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            flag_id INTEGER NOT NULL REFERENCES review_flags(id),
            state TEXT NOT NULL CHECK (state IN ('reviewed', 'dismissed', 'open')),
            note TEXT,
            decided_by TEXT NOT NULL,
            decided_at TEXT NOT NULL,
            entered_by TEXT NOT NULL
        );
        CREATE INDEX review_decisions_flag ON review_decisions (flag_id);
    """,
    )


@migrations()
def m028_redactions(db: Database) -> None:
    """Redactions (`textfile redact`, issue 20): a span of a message's text withheld from productions,
    with its reason. The original is never changed: a redaction is a row naming the message, the
    version of it the span was chosen in (content hash), the span by code-point offsets and the sha256 of
    its words (a later change of the text is seen, never silently redacted at the wrong place), the
    reason (privileged, PII or other), who and when. A redaction is withdrawn, never deleted (a mistake
    is fixed on the record). The words themselves are in the message, not here: a disposal removes them
    with it, and the audit log records only the span's sha256."""
    _run(
        db,
        """
        CREATE TABLE redactions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            message_id TEXT NOT NULL REFERENCES messages(id),
            content_hash TEXT NOT NULL,
            start INTEGER NOT NULL CHECK (start >= 0),
            "end" INTEGER NOT NULL CHECK ("end" > start),
            span_sha256 TEXT NOT NULL,
            reason TEXT NOT NULL CHECK (reason IN ('privileged', 'PII', 'other')),
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL,
            withdrawn_at TEXT,
            withdrawn_by TEXT,
            withdrawn_why_sha256 TEXT
        );
        CREATE INDEX redactions_message ON redactions (message_id);
    """,
    )


@migrations()
def m029_productions(db: Database) -> None:
    """The production log (`textfile produce`, issue 20): one row per production (the matter, the
    window and conversations asked for, the options, the folder, the Bates range, who and when, the
    earlier production it re-produces), every file it wrote with its sha256 and Bates range, and every
    message it produced with the content hash produced and its Bates number: a message produced once
    is refused under other numbers unless --reproduce, and `verify DIR` proves each file against it."""
    _run(
        db,
        """
        CREATE TABLE productions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            matter_id INTEGER NOT NULL REFERENCES matters(id),
            folder TEXT NOT NULL,
            from_at TEXT,
            until_at TEXT,
            options TEXT NOT NULL,
            bates_prefix TEXT NOT NULL,
            bates_first INTEGER NOT NULL,
            bates_last INTEGER NOT NULL,
            reproduces TEXT NOT NULL DEFAULT '[]',
            sums_sha256 TEXT NOT NULL,
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL
        );
        CREATE TABLE production_files (
            production_id INTEGER NOT NULL REFERENCES productions(id),
            path TEXT NOT NULL,
            kind TEXT NOT NULL,
            size INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            bates_first TEXT,
            bates_last TEXT,
            PRIMARY KEY (production_id, path)
        ) WITHOUT ROWID;
        CREATE TABLE production_messages (
            production_id INTEGER NOT NULL REFERENCES productions(id),
            message_id TEXT NOT NULL REFERENCES messages(id),
            content_hash TEXT NOT NULL,
            bates TEXT NOT NULL,
            redactions TEXT NOT NULL DEFAULT '[]',
            PRIMARY KEY (production_id, message_id)
        ) WITHOUT ROWID;
        CREATE INDEX production_messages_message ON production_messages (message_id);
    """,
    )


@migrations()
def m030_signing_keys(db: Database) -> None:
    """The certificates the archive's productions are signed under (PAdES, produce/signing.py): a row per
    signing key, its certificate's SHA-256 fingerprint (of the DER), the certificate as PEM (public: a
    recipient checks a signature against it), when and by whom it was made or first used. The private key
    is never here: it is kept outside the archive, beside the key that seals the audit log. A table of
    its own, in the sealed records: a certificate added, changed or removed outside textfile is seen."""
    _run(
        db,
        """
        CREATE TABLE signing_keys (
            fingerprint TEXT PRIMARY KEY,
            certificate TEXT NOT NULL,
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL
        );
    """,
    )


@migrations()
def m031_first_sighting_in_its_message(db: Database) -> None:
    """A message's first sighting is kept in its own row (issue 22). Every import that held a message, and
    where in its source, was a row of `message_sources`: a first import wrote one such row per message, in
    an index keyed by the random fingerprint, about a quarter of the writer's work. Now `messages.source_ref`
    is where the import that added the message (`messages.import_id`, never changed after) held it, and
    `message_sightings` (the table renamed) keeps every other sighting: the same message in a later import,
    a second time in one source, another phone's copy. The view `message_sources` is the two together, the
    same rows as before, so every reader and the chain of custody are unchanged. A message whose own import
    holds several sightings of it (a source that held it twice) takes the least place as text (as `reference`
    and the transcript's pairings read it); one whose own import has none (possible after folds and merges
    of older versions) keeps `source_ref` empty and every row. Identities, rowids and the full-text index
    are untouched: a column added, two statements over existing rows, a rename."""
    _run(
        db,
        """
        ALTER TABLE messages ADD COLUMN source_ref TEXT;
        UPDATE messages SET source_ref = (
            SELECT min(s.source_ref) FROM message_sources s WHERE s.message_id = messages.id AND s.import_id = messages.import_id
        );
        DELETE FROM message_sources WHERE EXISTS (
            SELECT 1 FROM messages m WHERE m.id = message_sources.message_id AND m.import_id = message_sources.import_id
            AND m.source_ref = message_sources.source_ref
        );
        CREATE INDEX messages_import ON messages (import_id);
        ALTER TABLE message_sources RENAME TO message_sightings;
        CREATE VIEW message_sources (message_id, import_id, source_ref) AS
            SELECT id, import_id, source_ref FROM messages WHERE source_ref IS NOT NULL
            UNION ALL SELECT message_id, import_id, source_ref FROM message_sightings;
    """,
    )


@migrations()
def m032_review_reads_rows_numbered_again(db: Database) -> None:
    """The review scan read the messages past the row number it had read to (`review_settings.scanned_to`),
    but SQLite numbers a new row one more than the largest there is: once `dispose` deleted the archive's
    last rows, the next import's messages took their numbers, and the scan held them read. Their texts
    were never reviewed: a STOP not recorded as an opt-out, a deadline not flagged. The scan now also reads
    the messages an import added since it last ran whatever their number (scan.py `_edited`). An archive
    with a disposal is read again whole by its next scan (`scanned_to` 0; the flags it holds stay, a
    person's decisions stand, only what the rules say and no flag says is raised), audited here; one
    without a disposal never numbered a row again and is left as it is."""
    from textfile import audit

    if db.execute("SELECT 1 FROM disposals LIMIT 1").fetchone() is None:
        return
    if db.execute("SELECT 1 FROM review_settings WHERE scanned_to > 0").fetchone() is None:
        return
    db.execute("UPDATE review_settings SET scanned_to = 0")
    audit.append(
        db.conn,
        "migration: review reads every message again",
        {
            "records": audit.current_records(db.conn, ("review_settings",)),
            "note": "a disposal deleted the last rows: messages imported since may have taken their numbers,"
            " which the review scan held read; its next run reads every message",
        },
    )


@migrations()
def m033_sightings_sealed(db: Database) -> None:
    """Where each import found its messages (its sightings: a message's first in its own row, the others in
    `message_sightings`, m031) is in the audit log's digests from now on (audit/custody.py): a place changed,
    a sighting deleted or one added outside textfile no longer goes unseen by `verify`. The sightings of every
    import the archive holds are recorded here as they stand, audited, so that each is checked from now on;
    an archive with no import has none to record. No table or column changes."""
    from textfile import audit

    if db.execute("SELECT 1 FROM imports LIMIT 1").fetchone() is None:
        return
    audit.append(
        db.conn,
        "migration: sightings sealed",
        {
            "custody": {str(i): d for i, d in sorted(audit.current_custody(db.conn).items())},
            "note": "where each import found its messages, as the archive held it when this version first opened it",
        },
    )


@migrations()
def m034_consents_and_notes_withdrawn(db: Database) -> None:
    """A consent recorded by mistake, or a note added to the wrong matter, is withdrawn (`client consent NAME
    --withdraw N`, `note withdraw N`), never deleted, as a redaction is (m028): who withdrew it, when, and
    the sha256 of the reason given. A withdrawn consent no longer clears the review's flags; a withdrawn
    note is no longer shown, logged or counted as an exchange's note. Each row's term in the records'
    digest (audit/digest.py: every column) gains the new columns, empty: the digests of the two tables are
    recorded again here as they stand, audited, when either holds a row (an empty table's digest is the same)."""
    from textfile import audit

    _run(
        db,
        """
        ALTER TABLE consents ADD COLUMN withdrawn_at TEXT;
        ALTER TABLE consents ADD COLUMN withdrawn_by TEXT;
        ALTER TABLE consents ADD COLUMN withdrawn_why_sha256 TEXT;
        ALTER TABLE notes ADD COLUMN withdrawn_at TEXT;
        ALTER TABLE notes ADD COLUMN withdrawn_by TEXT;
        ALTER TABLE notes ADD COLUMN withdrawn_why_sha256 TEXT;
    """,
    )
    if db.execute("SELECT 1 FROM consents UNION ALL SELECT 1 FROM notes LIMIT 1").fetchone() is None:
        return
    audit.append(
        db.conn,
        "migration: consents and notes can be withdrawn",
        {
            "records": audit.current_records(db.conn, ("consents", "notes")),
            "note": "each consent and note gained the columns of a withdrawal, empty: none is withdrawn",
        },
    )


@migrations()
def m035_attachments_not_archived(db: Database) -> None:
    """The attachments whose bytes the archive does not hold are indexed apart (a partial index: only those rows,
    by message): each import says how many of its conversations' attachments are not in the archive, and
    `status`, `coverage` and `deletable` count them. Without it each read every message of those conversations,
    or every attachment of the archive: 0.18 s after a WhatsApp import of 200,000 messages, most of them
    neither. An index holds no record of its own: no digest changes, nothing to audit."""
    _run(
        db,
        "CREATE INDEX IF NOT EXISTS message_attachments_missing ON message_attachments (message_id)"
        " WHERE blob_sha256 IS NULL;",
    )


@migrations()
def m036_aliases_of_another_clock(db: Database) -> None:
    """A message one phone wrote in two of its exports at other clocks (WhatsApp: the phone's wall clock, in
    whatever zone it was in when each export was made; or at another precision, a chat moved from Android to an
    iPhone) is one message: the later export's id of it is an alias of it, rule 'clock' (ingest's
    `Clocks`). The table is rebuilt for its CHECK to allow that rule (no other table points at it): the same
    columns, rows and index, so the records' digest is unchanged."""
    (sql,) = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'message_aliases'").fetchone()
    was = "CHECK (rule IN ('edited', 'deleted', 'earlier'))"
    if was not in sql:
        raise sqlite3.OperationalError(f"m036: message_aliases is not as textfile made it: {sql!r}")
    rebuilt = sql.replace("CREATE TABLE message_aliases (", "CREATE TABLE message_aliases_m036 (", 1).replace(
        was, "CHECK (rule IN ('edited', 'deleted', 'earlier', 'clock'))"
    )
    indexes = [
        r[0]
        for r in db.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'message_aliases' AND type IN ('index', 'trigger')"
            " AND sql IS NOT NULL"
        )
    ]
    db.execute(rebuilt)
    db.execute("INSERT INTO message_aliases_m036 SELECT * FROM message_aliases")
    db.execute("DROP TABLE message_aliases")
    db.execute("ALTER TABLE message_aliases_m036 RENAME TO message_aliases")
    for statement in indexes:
        db.execute(statement)
