"""What `textfile browse` tells a reader about the archive: a title and a description for every table,
view and column, which tables are internal (hidden from Datasette's lists), each table's default sort
and the column that names a row where another table points at it.

Shipped with textfile, never typed by the user: `tests/test_browse_metadata.py` holds `TABLES` to the
schema a fresh archive has after every migration (textfile/migrations.py), so a column added without a
description, or a description left after its column, fails there. Descriptions say what the code that
writes each column writes: times are instants in UTC (ISO 8601 ending in Z, to the millisecond) unless
a column says otherwise; "by" columns name the operating-system user who ran textfile.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Column:
    title: str  # short human header, e.g. "Sent (UTC)"
    description: str  # one or two sentences


@dataclass(frozen=True, slots=True)
class Table:
    title: str
    description: str
    columns: dict[str, Column]
    hidden: bool = False  # internal tables: hidden from Datasette's lists
    sort: str | None = None  # Datasette's default sort column (ascending) ...
    sort_desc: str | None = None  # ... or descending (at most one of the two)
    label_column: str | None = None  # the column Datasette shows for a foreign key to this table


UTC = "UTC, ISO 8601 ending in Z"
BY = "The operating-system user who ran textfile when"
MESSAGE = Column("Message", "The message, by its id (a SHA-256 fingerprint of what identifies it in its source).")
IMPORT = Column("Import", "The import that recorded this row.")
CONVERSATION = Column("Conversation", "The conversation.")
MATTER = Column("Matter", "The matter.")
CLIENT = Column("Client", "The client.")
CONTENT_HASH = Column(
    "Content hash",
    "SHA-256 of what a transcript shows of the message (time, direction, sender, text, status, marks, attachments…),"
    " as it was then: a later change of the message no longer matches it.",
)
PDF_SHA256 = Column("PDF SHA-256", "SHA-256 of the PDF file as written.")
MANIFEST_SHA256 = Column("Manifest SHA-256", "SHA-256 of the manifest embedded in the PDF, which `verify` checks.")
PAGES = Column("Pages", "Number of pages of the PDF.")
BATES_PREFIX = Column("Bates prefix", "The prefix of its Bates numbers.")
BATES_FIRST = Column("First Bates number", "The first Bates number it used (the number without its prefix).")
BATES_LAST = Column("Last Bates number", "The last Bates number it used (the number without its prefix).")
UUID = Column("UUID", "The identifier embedded in the PDF, by which `verify` finds this record.")
PATH = Column("File", "Where the file was written, as a path on the machine that made it.")


def _at(title: str, what: str, empty: str | None = None) -> Column:
    """A time column: `what` happened at this instant, in UTC; `empty`: what no time means."""
    return Column(f"{title} (UTC)", f"When {what} ({UTC})" + (f"; empty {empty}." if empty else "."))


def _by(what: str) -> Column:
    return Column("By", f"{BY} {what}.")


FTS_COLUMNS = {"body": Column("Text", "The indexed text.")}

TABLES: dict[str, Table] = {
    "_sqlite_migrations": Table(
        "Schema migrations",
        "The schema changes applied to this archive, one row each, in order (textfile/migrations.py).",
        {
            "id": Column("Number", "Order in which the migration was applied."),
            "migration_set": Column("Set", "The set the migration belongs to: always textfile."),
            "name": Column("Migration", "The migration's name, e.g. m001_initial."),
            "applied_at": Column(
                "Applied (UTC)",
                "When it was applied, as sqlite-utils writes it: UTC, e.g. 2026-01-05 22:02:26.727679+00:00.",
            ),
        },
        hidden=True,
        sort="id",
    ),
    "settings": Table(
        "Archive settings",
        "The archive itself: whose it is, its time zone and region, its Bates prefix. One row.",
        {
            "id": Column("Row", "Always 1: the table has one row."),
            "archive_id": Column("Archive id", "A random identifier given to the archive when it was created."),
            "owner_name": Column("Owner", "The person whose messages the archive keeps, as given at `init`."),
            "tz": Column("Time zone", "The zone (IANA name) times are shown in and exports are read in by default."),
            "region": Column("Region", "The country code phone numbers without a country code are read in."),
            "bates_prefix": Column("Bates prefix", "The prefix of Bates numbers when no other is given."),
            "created_at": _at("Created", "the archive was created"),
            "key_id": Column(
                "Sealing key id",
                "The id of the key that seals the audit log (kept outside the archive); empty before the"
                " archive was first sealed.",
            ),
        },
    ),
    "owner_handles": Table(
        "Owner's numbers and addresses",
        "The owner's own phone numbers and email addresses: a message from one of them is the owner's.",
        {
            "handle": Column("Handle", "A phone number in international form (E.164) or a lower-case email address."),
            "kind": Column("Kind", "phone or email."),
        },
        sort="handle",
    ),
    "imports": Table(
        "Imports",
        "Every export read into the archive, one row per file or backup read: what it was, how it was read"
        " and what came of it.",
        {
            "id": Column("Import", "The import's number."),
            "path": Column("Path", "The file or folder read, as given on the command line."),
            "file_name": Column("File name", "The name of the file or folder read."),
            "size": Column(
                "Size (bytes)",
                "Size of the file in bytes; for a folder (a phone backup), the total of its files' sizes.",
            ),
            "sha256": Column(
                "SHA-256",
                "SHA-256 of the file; for a folder, of the listing of its files with their sizes and modification times.",
            ),
            "format": Column("Format", "The importer that read it: android, imessage or whatsapp."),
            "importer_version": Column("Importer version", "The version of that importer."),
            "zone": Column("Time zone", "The zone (IANA name) the export's clock times were read in."),
            "region": Column("Region", "The country code phone numbers without a country code were read in."),
            "custodian": Column(
                "Custodian",
                "Whose phone or account the export is, as named with --custodian (a client's name for a client's"
                " phone); empty when none was named.",
            ),
            "options": Column(
                "Options",
                'The reading options given for this import (JSON; {} when none); for a folder, "folder": how many'
                " files its listing holds and the file its messages were read from, with that file's size and SHA-256.",
            ),
            "started_at": _at("Started", "the import started"),
            "finished_at": _at("Finished", "the import finished"),
            "added": Column("Added", "Messages new to the archive."),
            "already_present": Column("Already present", "Messages the archive already held unchanged."),
            "updated": Column("Updated", "Messages the archive held that came back changed (a new version was kept)."),
            "skipped": Column("Skipped", "Parts of the export deliberately not imported."),
            "skipped_reasons": Column("Skipped, why", "The skipped parts counted by reason (JSON)."),
            "warnings": Column("Warnings", "What the importer warned about (JSON list of sentences)."),
            "assumptions": Column("Assumptions", "What the importer assumed while reading (JSON list of sentences)."),
            "imported_by": Column("By", f"{BY} it ran the import; empty for imports made before this was recorded."),
        },
        sort_desc="id",
        label_column="file_name",
    ),
    "import_custodians": Table(
        "Imports of a client's phone",
        "Imports that read a client's own phone, with the client's number on it. An import with no row here"
        " read the owner's phone or account.",
        {
            "import_id": Column("Import", "The import."),
            "client_id": CLIENT,
            "phone": Column("Client's number", "The client's number that phone had (E.164)."),
        },
        sort_desc="import_id",
    ),
    "imessage_databases": Table(
        "iMessage databases read",
        "Which Apple database an iMessage import read: an iPhone's or a Mac's. Exports of the two devices are"
        " never compared with each other when looking for messages missing from a phone.",
        {
            "import_id": Column("Import", "The iMessage import."),
            "device": Column("Device", "iphone (a backup or an sms.db) or mac (chat.db)."),
        },
        hidden=True,  # bookkeeping of the coverage check; missing_from_phone shows its outcome
        sort_desc="import_id",
    ),
    "inbox_files": Table(
        "Inbox files seen",
        "Files `textfile archive` has already taken from an inbox folder, so that an unchanged file is not read again.",
        {
            "path": Column("Path", "The file's path in the inbox."),
            "size": Column("Size (bytes)", "The file's size in bytes when it was seen."),
            "mtime_ns": Column(
                "Modified (ns)", "The file's modification time when it was seen: nanoseconds since 1970-01-01 UTC."
            ),
            "sha256": Column("SHA-256", "SHA-256 of the file's bytes."),
            "import_id": Column(
                "Import",
                "The import that holds these bytes: the one made from this file, or an earlier one of the same bytes.",
            ),
            "seen_at": _at("Seen", "the file was last taken from the inbox"),
        },
        hidden=True,
        sort_desc="seen_at",
    ),
    "conversations": Table(
        "Conversations",
        "Every thread the archive holds: a one-to-one or group chat on one platform.",
        {
            "id": Column("Conversation", "The conversation's number, never given to another."),
            "platform": Column("Platform", "Where it came from: android, imessage or whatsapp."),
            "source_key": Column(
                "Source key",
                "What identifies the thread in its source, stable across exports: the chat's id for iMessage, the"
                " sorted participants for Android, the chat's name and owner for WhatsApp.",
            ),
            "title": Column("Title", "The chat's name as the source gives it; empty when it gives none."),
            "is_group": Column("Group", "1: a group chat; 0: one-to-one."),
            "created_at": _at("Archived", "the conversation was first archived"),
        },
        sort_desc="id",
        label_column="title",
    ),
    "conversation_keys": Table(
        "Other keys of conversations",
        "The other keys a conversation is known under, so that an export reading the thread another way finds it.",
        {
            "platform": Column("Platform", "android, imessage or whatsapp."),
            "source_key": Column("Key", "The other key, never the conversation's own."),
            "conversation_id": CONVERSATION,
            "import_id": Column("Import", "The import that learnt the key."),
            "rule": Column(
                "Why",
                "rekeyed: the key the conversation had before; merged: the key of a conversation merged into it;"
                " named: a key the importer gave for it.",
            ),
        },
        hidden=True,
        sort="conversation_id",
    ),
    "conversation_ignores": Table(
        "Conversations set aside",
        "Conversations marked as not client-related (personal threads): never filed automatically, and listed"
        " as deletable. Unignoring deletes the row; the audit log keeps the history.",
        {
            "conversation_id": CONVERSATION,
            "reason": Column("Reason", "Why, as the person gave it; empty when none was given."),
            "ignored_at": _at("Set aside", "it was set aside"),
            "ignored_by": _by("it was set aside"),
        },
        sort_desc="ignored_at",
    ),
    "ignored_handles": Table(
        "Ignored numbers and addresses",
        "Handles whose new conversations are set aside as they arrive, when every participant other than the"
        " owner is an ignored handle.",
        {
            "handle": Column("Handle", "A phone number (E.164), email address or WhatsApp name."),
            "reason": Column("Reason", "Why, as the person gave it; empty when none was given."),
            "ignored_at": _at("Ignored", "it was ignored"),
            "ignored_by": _by("it was ignored"),
        },
        sort="handle",
    ),
    "conversation_files": Table(
        "Files of conversations",
        "Files an export held that no message names (media in a WhatsApp zip that the chat text never"
        " mentions): kept with their conversation, with no time and no sender, which nothing gives.",
        {
            "conversation_id": CONVERSATION,
            "file_name": Column("File name", "The file's name in the export."),
            "mime": Column("Type", "The file's media type (MIME); empty when not known."),
            "blob_sha256": Column("File", "The file's bytes, by their SHA-256."),
            "import_id": Column("Import", "The import that first brought the file."),
        },
        sort="conversation_id",
    ),
    "participants": Table(
        "Participants",
        "The people in each conversation, the owner included: one row per conversation and handle.",
        {
            "id": Column("Participant", "The participant's number."),
            "conversation_id": CONVERSATION,
            "handle": Column(
                "Handle", "A phone number in international form (E.164), a lower-case email, or a WhatsApp name."
            ),
            "display_name": Column("Name", "The name the source shows for them; empty when it shows none."),
            "is_owner": Column("Owner", "1: the archive's owner; 0: someone else."),
        },
        sort="conversation_id",
        # the handle, not the name: every participant has one, and many have no name
        label_column="handle",
    ),
    "messages": Table(
        "Messages",
        "Every message, call and system line archived, in its current version; earlier versions are in Message"
        " versions.",
        {
            "id": Column(
                "Message id",
                "SHA-256 fingerprint of what makes the message itself in its source: the same message read from"
                " any later export gets the same id.",
            ),
            "conversation_id": CONVERSATION,
            "sender_id": Column("Sender", "Who sent it; empty for system lines with no author."),
            "direction": Column(
                "Direction",
                "in: received by the archive's owner; out: sent by the owner; system: a line of the app itself.",
            ),
            "kind": Column("Kind", "message or call."),
            "sent_at": _at("Sent", "it was sent, or the call began"),
            "source_zone": Column(
                "Source time zone",
                "The zone the source's clock was in (IANA name, +HH:MM, or UTC); empty when the source does not say.",
            ),
            "body": Column(
                "Text", "The text as the export wrote it, invisible characters included; empty when it has none."
            ),
            "service": Column("Service", "As the source names it: iMessage, SMS, MMS, RCS, WhatsApp, Phone…"),
            "status": Column(
                "Status",
                "The state the source gives, e.g. sent, received, draft, failed, queued; for calls missed, voicemail,"
                " rejected…; empty when it gives none.",
            ),
            "delivered_at": _at("Delivered", "it was delivered, where the source says", "otherwise"),
            "read_at": _at("Read", "it was read, where the source says", "otherwise"),
            "duration_s": Column("Duration (s)", "A call's length in seconds; empty for messages."),
            "flags": Column(
                "Marks", "What the source marks it as (JSON list): edited, deleted, unsent, empty_body, draft, failed…"
            ),
            "source_id": Column(
                "Source's id", "The source's own id for the message (an iMessage guid); empty when it has none."
            ),
            "reply_to": Column("Reply to", "The source's id of the message this one replies to; empty when none."),
            "version": Column(
                "Version", "The current version's number: 1 until the message changed (see Message versions)."
            ),
            "content_hash": CONTENT_HASH,
            "import_id": Column(
                "Import", "The import that first archived the message (Where each message was found lists every one)."
            ),
            "time_precision": Column(
                "Time precision",
                "How finely the source wrote the time: minute or second; empty: to the millisecond or finer.",
            ),
            "source_ref": Column(
                "Place in the export",
                "Where the import that first archived it holds it, as textfile wrote it: e.g. ROWID 12, sms 2, line 7;"
                " empty for a message archived before this was recorded whose import is not among its sightings.",
            ),
        },
        sort_desc="sent_at",
    ),
    "message_versions": Table(
        "Message versions",
        "Earlier versions of messages: an edit's earlier text, a text a later export showed edited or deleted,"
        " or what a re-reading corrected. The current version is in Messages.",
        {
            "message_id": MESSAGE,
            "version": Column("Version", "The number of this version, 1 the oldest."),
            "body": Column("Text", "The text this version had."),
            "at": _at("Written", "the source says this text was written", "when it does not say"),
            "origin": Column(
                "Where from",
                "edit_history: the source's own edit history; reimport: a later import changed the message;"
                " export: an earlier export showed this text.",
            ),
            "content_hash": Column(
                "Content hash",
                "The message's content hash in this version; empty when it was never archived as a whole"
                " (a text from an edit history).",
            ),
            "import_id": Column("Import", "The import that recorded this version."),
            "sent_at": _at(
                "Sent", "the message was sent as this version gave it; empty: the next version did not change the time"
            ),
            "source_zone": Column(
                "Source time zone",
                "The source's zone this version was read in; empty: the next version did not change the time.",
            ),
            "earlier": Column(
                "Also different",
                "What else differed in this version besides text and time (sender's number, status, marks,"
                " attachments), as JSON; empty when only text or time changed.",
            ),
        },
        sort="message_id",
    ),
    "message_aliases": Table(
        "Other identities of messages",
        "The other ids a message was read under (a WhatsApp message edited or deleted between exports, or exported"
        " again by its phone at another clock), so that"
        " importing that export again finds the message.",
        {
            "alias_id": Column("Other id", "The other id."),
            "message_id": MESSAGE,
            "import_id": Column("Import", "The import that found it."),
            "rule": Column(
                "Why",
                "edited: its id as a later export showed it edited; deleted: as a later export showed it deleted;"
                " earlier: the id of an earlier form of it, imported after the later one; clock: its id in an export"
                " of the same phone that wrote its time at another clock (another zone or precision).",
            ),
        },
        hidden=True,
        sort="message_id",
    ),
    "message_sources": Table(
        "Where each message was found",
        "Chain of custody: every import that contained each message, with where in the export it was (a view:"
        " each message's first sighting, kept in its own row, and its later sightings).",
        {
            "message_id": MESSAGE,
            "import_id": Column("Import", "An import that contained the message."),
            "source_ref": Column(
                "Place in the export", "Where the export holds it, as textfile wrote it: e.g. ROWID 12, sms 2, line 7."
            ),
        },
        sort="message_id",
    ),
    "message_sightings": Table(
        "Later sightings",
        "A message found again after the import that first archived it (whose sighting is in the message's own"
        " row): in a later import, a second time in one export, or as another phone's copy.",
        {
            "message_id": MESSAGE,
            "import_id": Column("Import", "An import that contained the message."),
            "source_ref": Column(
                "Place in the export", "Where the export holds it, as textfile wrote it: e.g. ROWID 12, sms 2, line 7."
            ),
        },
        hidden=True,  # storage: Where each message was found shows every sighting
        sort="message_id",
    ),
    "phone_copies": Table(
        "Other phones' copies",
        "A message as another phone holds it (an Android SMS has another date, direction and id on each phone),"
        " matched to the copy the archive keeps; or an iMessage of the same id on both phones whose time there"
        " is another.",
        {
            "alias_id": Column(
                "Copy's id",
                "The id this phone's copy has, found again when its export is re-read (an iMessage's: the message's own).",
            ),
            "message_id": Column("Message", "The archived message it is a copy of."),
            "import_id": Column("Import", "The import of that phone."),
            "source_ref": Column("Place in the export", "Where that phone's export holds it."),
            "sent_at": _at("Sent", "that phone says it was sent"),
        },
        hidden=True,  # identity bookkeeping; message_sources shows every export that held a message
        sort="message_id",
    ),
    "missing_from_phone": Table(
        "Missing from a later export",
        "Messages an earlier export of a phone held that a later export of the same phone lacks, although their"
        " time is within the span that export covers: deleted on the phone, or left out of that export.",
        {
            "message_id": MESSAGE,
            "import_id": Column("First lacking", "The export (import) that first lacked the message."),
            "last_seen_import_id": Column("Last holding", "The last export of that phone that held it before."),
            "span_first": _at("Span from", "the span that export covers for the conversation begins"),
            "span_last": _at("Span to", "the span that export covers for the conversation ends"),
            "seen_again_import_id": Column(
                "Held again by",
                "A later export of that phone that held the message again (the absence was a cut of the export);"
                " empty: not seen again.",
            ),
        },
        sort_desc="import_id",
    ),
    "reactions": Table(
        "Reactions",
        "Tapbacks and emoji reactions to messages.",
        {
            "id": Column("Reaction", "The reaction's number."),
            "message_id": Column("To message", "The message reacted to."),
            "sender_id": Column("By", "The participant who reacted; empty when the source does not say."),
            "kind": Column(
                "Kind",
                "As the source names it: loved, liked, disliked, laughed, emphasized, questioned, emoji, sticker.",
            ),
            "emoji": Column("Emoji", "The emoji, for an emoji reaction; empty otherwise."),
            "at": _at("At", "the reaction was made (or removed)"),
            "removed": Column("Removed", "1: this record takes the reaction back; 0: it adds it."),
            "source_id": Column("Source's id", "The source's own id of the reaction."),
            "import_id": IMPORT,
        },
        sort_desc="at",
    ),
    "blobs": Table(
        "Attachment files",
        "The bytes of every attachment and document, stored once each and named by their SHA-256.",
        {
            "sha256": Column("SHA-256", "SHA-256 of the bytes, which names them."),
            "size": Column("Size (bytes)", "Size in bytes."),
            "mime": Column("Type", "The media type (MIME); empty when not known."),
            "data": Column("Bytes", "The file's bytes as received."),
        },
    ),
    "message_attachments": Table(
        "Attachments",
        "The files attached to messages; an attachment the export did not carry is listed with the reason.",
        {
            "message_id": MESSAGE,
            "position": Column("Position", "Its place among the message's attachments, from 0."),
            "file_name": Column("File name", "The original file name; empty when the export gives none."),
            "mime": Column("Type", "The media type (MIME); empty when not known."),
            "blob_sha256": Column("File", "The file's bytes, by their SHA-256; empty when the bytes are missing."),
            "missing_reason": Column(
                "Why missing", "Why the bytes are not in the archive, as textfile found it; empty when they are."
            ),
        },
        sort="message_id",
    ),
    "clients": Table(
        "Clients",
        "The clients whose messages are filed to matters.",
        {
            "id": Column("Client", "The client's number."),
            "name": Column("Name", "The client's name, unique regardless of case."),
            "created_at": _at("Added", "the client was added"),
        },
        sort="name",
        label_column="name",
    ),
    "client_handles": Table(
        "Clients' numbers and addresses",
        "The phone numbers and email addresses of clients, by which their conversations are filed automatically.",
        {
            "handle": Column("Handle", "A phone number in international form (E.164) or a lower-case email address."),
            "client_id": CLIENT,
            "kind": Column("Kind", "phone or email."),
        },
        sort="client_id",
    ),
    "client_minors": Table(
        "Clients who are minors",
        "Clients marked as minors, with their guardians: a text to a minor with no guardian in the conversation"
        " is flagged for review.",
        {
            "client_id": CLIENT,
            "guardians": Column("Guardians", "The guardians' phone numbers or email addresses (JSON list)."),
            "marked_at": _at("Marked", "the client was marked a minor"),
            "marked_by": _by("the client was marked a minor"),
        },
        sort="client_id",
    ),
    "client_births": Table(
        "Clients' dates of birth",
        "A client's date of birth, where recorded: a minor's file is kept until some years after their 18th"
        " birthday when that is later.",
        {
            "client_id": CLIENT,
            "born": Column("Born", "The date of birth, as a calendar date (YYYY-MM-DD)."),
            "recorded_at": _at("Recorded", "it was recorded"),
            "recorded_by": _by("it was recorded"),
        },
        sort="client_id",
    ),
    "consents": Table(
        "Consents to be texted",
        "A client's consent to be contacted by text: when given, how, for what, the signed document, whether"
        " it was revoked, and whether it was withdrawn as recorded by mistake.",
        {
            "id": Column("Consent", "The consent's number."),
            "client_id": CLIENT,
            "given_at": _at("Given", "the client gave it, as the person recorded it"),
            "method": Column("Method", "written, verbal or text."),
            "scope": Column("Scope", "What it covers, as the person recorded it; empty when not stated."),
            "document_sha256": Column("Document", "The signed document's bytes, by their SHA-256; empty when none."),
            "document_name": Column("Document name", "The document's file name; empty when none."),
            "revoked_at": _at("Revoked", "it was revoked", "while in force"),
            "recorded_at": _at("Recorded", "it was recorded"),
            "recorded_by": _by("it was recorded"),
            "withdrawn_at": _at("Withdrawn", "it was withdrawn as recorded by mistake (it clears no flag)", "when not"),
            "withdrawn_by": Column("Withdrawn by", f"{BY} it was withdrawn; empty when not."),
            "withdrawn_why_sha256": Column(
                "Withdrawal reason SHA-256", "SHA-256 of the reason given for withdrawing it; empty when not."
            ),
        },
        sort_desc="given_at",
    ),
    "opt_outs": Table(
        "Opt-outs (STOP / START)",
        "Received messages that said STOP (or START) as a whole message, opting their sender out of texts (or"
        " back in).",
        {
            "message_id": MESSAGE,
            "handle": Column("Handle", "Who opted out or in (phone number or email)."),
            "change": Column("Change", "out: opted out; in: opted back in."),
            "keyword": Column("Keyword", "The word the message said, in capitals."),
            "at": _at("At", "the message was sent"),
        },
        sort_desc="at",
    ),
    "matters": Table(
        "Matters",
        "Legal matters of clients, to which conversations are filed.",
        {
            "id": Column("Matter", "The matter's number."),
            "client_id": CLIENT,
            "reference": Column("Reference", "The matter's reference, unique regardless of case."),
            "title": Column("Title", "The matter's title."),
            "opened_at": _at("Opened", "the matter was opened"),
            "closed_at": _at("Closed", "the matter was closed", "while open"),
            "legal_hold": Column(
                "Legal hold", "1: under legal hold, never disposed of (since when: the audit log); 0: not."
            ),
        },
        sort="reference",
        label_column="reference",
    ),
    "filings": Table(
        "Filings",
        "Which conversations are filed to which matter, for which period: a message belongs to a matter when its"
        " conversation is filed there at its time.",
        {
            "id": Column("Filing", "The filing's number."),
            "conversation_id": CONVERSATION,
            "matter_id": MATTER,
            "from_at": _at("From", "the filing begins", "when it has no start"),
            "until_at": _at("Until", "the filing ends", "when it has no end"),
            "how": Column(
                "How",
                "auto: filed by textfile, a client's number or address being in the conversation; manual: filed by a"
                " person.",
            ),
            "created_at": _at("Filed", "the filing was made"),
            "filed_by": Column(
                "Filed by",
                "The operating-system user who filed it by hand; empty for automatic filings and for filings made"
                " before this was recorded.",
            ),
        },
        sort_desc="created_at",
    ),
    "retention_policies": Table(
        "Retention policies",
        "How many years a matter's file is kept after it closes: one row for the whole archive (no matter) and"
        " one per matter that has its own. No row: textfile's default, stated in the README.",
        {
            "id": Column("Policy", "The policy's number."),
            "matter_id": Column("Matter", "The matter it applies to; empty: the whole archive."),
            "years": Column("Years", "Years to keep after the matter closes (0 to 100)."),
            "basis": Column("Basis", "The rule or reason given for it; empty when none was given."),
            "set_at": _at("Set", "it was set"),
            "set_by": _by("it was set"),
        },
        sort="id",
    ),
    "disposals": Table(
        "Disposals",
        "Matters whose messages were deleted at the end of retention: when, by whom, why, under which policy,"
        " and exactly what was removed. The matter's row stays.",
        {
            "id": Column("Disposal", "The disposal's number."),
            "matter_id": MATTER,
            "disposed_at": _at("Disposed", "it was disposed of"),
            "disposed_by": _by("it was disposed of"),
            "reason": Column("Reason", "Why, as the person gave it; empty when none was given."),
            "policy": Column("Policy", "The retention policy it was done under (JSON)."),
            "counts": Column("Counts", "How many of each kind of record were removed or kept (JSON)."),
            "per_import": Column(
                "Per import",
                "How many of the removed messages each import first archived (JSON: import number: count).",
            ),
            "messages": Column("Messages", "Every removed message's id and content hash (JSON list)."),
            "messages_sha256": Column("Messages digest", "SHA-256 of that list (as canonical JSON)."),
            "blobs": Column("Files", "The SHA-256 of every attachment file removed (JSON list)."),
            "blobs_sha256": Column("Files digest", "SHA-256 of that list (as canonical JSON)."),
            "transcripts": Column(
                "Transcripts", "The UUIDs of the transcripts whose records went with the matter (JSON list)."
            ),
            "reports": Column(
                "Review reports", "The UUIDs of the review reports whose records went with the matter (JSON list)."
            ),
        },
        sort_desc="disposed_at",
    ),
    "disposed_messages": Table(
        "Disposed message ids",
        "The ids of messages a disposal deleted, and the other ids they were known under: a disposed message is"
        " never archived again.",
        {
            "message_id": Column("Message id", "A deleted message's id (the message itself is gone)."),
            "disposal_id": Column("Disposal", "The disposal that deleted it."),
        },
        hidden=True,  # the disposal's own row lists the same messages with their content hashes
        sort="disposal_id",
    ),
    "disposal_certificates": Table(
        "Disposal certificates",
        "The certificate PDF made for a disposal, recorded so that `verify` can prove it.",
        {
            "id": Column("Certificate", "The certificate's number."),
            "uuid": UUID,
            "disposal_id": Column("Disposal", "The disposal it certifies."),
            "path": PATH,
            "pdf_sha256": PDF_SHA256,
            "manifest_sha256": MANIFEST_SHA256,
            "pages": PAGES,
            "bates_prefix": BATES_PREFIX,
            "bates_first": BATES_FIRST,
            "bates_last": BATES_LAST,
            "created_at": _at("Made", "it was made"),
            "created_by": _by("it was made"),
        },
        sort_desc="id",
    ),
    "transcripts": Table(
        "Transcripts",
        "Every transcript PDF made, with what it covers and the hashes that prove it.",
        {
            "id": Column("Transcript", "The transcript's number, never given to another."),
            "uuid": UUID,
            "matter_id": Column("Matter", "The matter it covers; empty for a transcript of a client."),
            "client_id": Column("Client", "The client whose messages it covers; empty when only a matter is recorded."),
            "scope": Column("Scope", "What it covers, as recorded when it was made (JSON)."),
            "from_at": _at("From", "the window it covers begins", "when it starts at the first message"),
            "until_at": _at("Until", "the window it covers ends", "when it runs to the last message"),
            "zone": Column("Time zone", "The zone (IANA name) its times are printed in."),
            "path": PATH,
            "pdf_sha256": PDF_SHA256,
            "manifest_sha256": MANIFEST_SHA256,
            "pages": PAGES,
            "messages": Column("Messages", "How many messages it shows."),
            "bates_prefix": BATES_PREFIX,
            "bates_first": BATES_FIRST,
            "bates_last": BATES_LAST,
            "created_at": _at("Made", "it was made"),
        },
        sort_desc="id",
        label_column="path",
    ),
    "transcript_messages": Table(
        "Messages in transcripts",
        "The messages each transcript shows, in order, with their content hash at the time. No link to the"
        " message on purpose: this record outlives any change to the archive.",
        {
            "transcript_id": Column("Transcript", "The transcript."),
            "position": Column("Position", "The message's place in the transcript, from 1."),
            "message_id": Column("Message id", "The message's id."),
            "content_hash": CONTENT_HASH,
        },
        sort="transcript_id",
    ),
    "transcript_retirements": Table(
        "Transcripts deleted on purpose",
        "Transcripts whose file a person deleted on purpose: no longer reported missing, and vouching for"
        " nothing any more. The transcript's record stays.",
        {
            "transcript_id": Column("Transcript", "The transcript."),
            "reason": Column("Reason", "Why, as the person gave it; empty when none was given."),
            "retired_at": _at("Retired", "it was recorded as deleted"),
            "retired_by": _by("it was recorded as deleted"),
        },
        sort_desc="retired_at",
    ),
    "bates_counters": Table(
        "Bates counters",
        "The next free Bates number of each prefix, shared by transcripts, review reports, certificates and"
        " productions: a number is never used twice.",
        {
            "prefix": Column("Prefix", "The Bates prefix."),
            "next_number": Column("Next number", "The next number to be given (1 or more)."),
        },
        hidden=True,
        sort="prefix",
    ),
    "review_settings": Table(
        "Review settings",
        "What the review of the duty to respond reads besides the messages, and how far its scan has read. One"
        " row, made the first time anything is set or scanned.",
        {
            "id": Column("Row", "Always 1: the table has one row."),
            "hours": Column("Working hours", "The working hours and holidays (JSON); empty: not set."),
            "languages": Column("Lexicon languages", "The languages of the shipped lexicons used (JSON list)."),
            "consent_required": Column(
                "Consent required", "1: an outgoing text to a client with no consent on record is flagged; 0: not."
            ),
            "scanned_to": Column("Scanned to", "The internal row number of the last message the scan has read."),
            "scanned_import": Column("Scanned import", "The last import whose edits the scan has read."),
            "signatures": Column(
                "Rule signatures",
                "Digests of what the rules read (JSON): a change makes the scan read everything again.",
            ),
        },
    ),
    "review_lexicon": Table(
        "Lexicon changes",
        "The archive's own changes to the shipped lexicons that flag messages: a term added to or removed from a"
        " category.",
        {
            "category": Column("Category", "The lexicon category, e.g. deadlines, safety."),
            "term": Column("Term", "The word or phrase, as typed."),
            "change": Column("Change", "add or remove."),
            "direction": Column(
                "Direction",
                "Which messages the category flags: in, out or any; empty for a removed term.",
            ),
            "changed_at": _at("Changed", "the change was made"),
            "changed_by": _by("the change was made"),
        },
        sort="category",
    ),
    "review_flags": Table(
        "Review flags",
        "Messages flagged for a professional's attention, one per message and rule: open, then reviewed or"
        " dismissed by a person, or cleared when the rule no longer holds.",
        {
            "id": Column("Flag", "The flag's number, never given to another."),
            "message_id": MESSAGE,
            "rule": Column(
                "Rule",
                "What raised it: a lexicon category's name, after_hours_in, after_hours_out, opt_out, after_opt_out,"
                " no_consent or minor.",
            ),
            "reason": Column("Details", "What the rule found, e.g. the term matched or the client (JSON)."),
            "raised_at": _at("Raised", "the flag was raised"),
            "state": Column("State", "open, reviewed, dismissed or cleared."),
            "decided_at": _at("Decided", "its latest decision was made", "while open"),
            "decided_by": Column(
                "Decided by", "Who made the latest decision (textfile when a scan cleared it); empty while open."
            ),
            "note": Column("Note", "The latest decision's note; empty when none."),
        },
        sort_desc="raised_at",
        label_column="rule",
    ),
    "review_decisions": Table(
        "Review decisions",
        "Every decision a person made on a review flag, with its note (a flag's own row holds only the latest).",
        {
            "id": Column("Decision", "The decision's number."),
            "flag_id": Column("Flag", "The flag decided."),
            "state": Column("Decision", "reviewed, dismissed or open (reopened)."),
            "note": Column("Note", "The note given; empty when none."),
            "decided_by": Column(
                "Decided by", "Who decided: the name given with --by, or else the operating-system user who entered it."
            ),
            "decided_at": _at("Decided", "the decision was made"),
            "entered_by": _by("the decision was entered"),
        },
        sort_desc="decided_at",
    ),
    "review_reports": Table(
        "Review reports",
        "Every review report PDF made, with its scope, the flags it lists and the hashes that prove it.",
        {
            "id": Column("Report", "The report's number, never given to another."),
            "uuid": UUID,
            "path": PATH,
            "pdf_sha256": PDF_SHA256,
            "manifest_sha256": MANIFEST_SHA256,
            "pages": PAGES,
            "bates_prefix": BATES_PREFIX,
            "bates_first": BATES_FIRST,
            "bates_last": BATES_LAST,
            "matter_id": Column("Matter", "The matter it covers; empty when not one matter."),
            "client_id": Column("Client", "The client it covers; empty when not one client."),
            "zone": Column("Time zone", "The zone (IANA name) its times are printed in."),
            "filters": Column("Filters", "The scope and filters it was made with (JSON)."),
            "flags": Column("Flags", "The flags it lists, each with the state it was in (JSON: [[flag, state], …])."),
            "created_at": _at("Made", "it was made"),
            "created_by": _by("it was made"),
        },
        sort_desc="id",
        label_column="path",
    ),
    "notes": Table(
        "Notes to file",
        "Memos about a matter, bound to the messages they concern. Their text is in Note versions.",
        {
            "id": Column("Note", "The note's number, never given to another."),
            "matter_id": MATTER,
            "author": Column(
                "Author", "Who the note is by: as named, or else the operating-system user who entered it."
            ),
            "conversation_id": Column(
                "Conversation",
                "The conversation it was written about, as numbered then (a later merge may renumber it); empty"
                " when not given.",
            ),
            "from_at": _at("From", "the window it concerns begins", "when not given"),
            "until_at": _at("Until", "the window it concerns ends", "when not given"),
            "created_at": _at("Written", "it was entered"),
            "created_by": _by("it was entered"),
            "withdrawn_at": _at(
                "Withdrawn", "it was withdrawn as added by mistake (no longer listed, shown or logged)", "when not"
            ),
            "withdrawn_by": Column("Withdrawn by", f"{BY} it was withdrawn; empty when not."),
            "withdrawn_why_sha256": Column(
                "Withdrawal reason SHA-256", "SHA-256 of the reason given for withdrawing it; empty when not."
            ),
        },
        sort_desc="id",
        label_column="author",
    ),
    "note_versions": Table(
        "Note versions",
        "Every version of each note's text, the first included: an edit adds a version, never rewrites one.",
        {
            "note_id": Column("Note", "The note."),
            "version": Column("Version", "The version's number, 1 the first."),
            "text": Column("Text", "The note's text in this version."),
            "text_sha256": Column("Text SHA-256", "SHA-256 of the text."),
            "privileged": Column("Privileged", "1: privileged; 0: not."),
            "basis": Column("Privilege basis", "Why privileged, e.g. Attorney work product; empty when not given."),
            "written_at": _at("Written", "this version was written"),
            "written_by": _by("this version was written"),
            "reason": Column("Reason for edit", "Why the text was changed; empty when none was given."),
        },
        sort="note_id",
    ),
    "note_messages": Table(
        "Messages of notes",
        "The messages each note concerns, with the content hash each had when the note was written: a later"
        " change shows against the note.",
        {
            "note_id": Column("Note", "The note."),
            "message_id": MESSAGE,
            "content_hash": CONTENT_HASH,
        },
        sort="note_id",
    ),
    "redactions": Table(
        "Redactions",
        "Spans of message text withheld from productions, with the reason. The message itself is never changed;"
        " a redaction is withdrawn, never deleted.",
        {
            "id": Column("Redaction", "The redaction's number."),
            "message_id": MESSAGE,
            "content_hash": Column("Content hash", "The message's content hash in the version the span was chosen in."),
            "start": Column("Start", "Where the span begins in the text, in characters (Unicode code points) from 0."),
            "end": Column("End", "Where the span ends: the first character after it."),
            "span_sha256": Column("Span SHA-256", "SHA-256 of the span's words (the words themselves are not here)."),
            "reason": Column("Reason", "privileged, PII or other."),
            "created_at": _at("Made", "it was made"),
            "created_by": _by("it was made"),
            "withdrawn_at": _at("Withdrawn", "it was withdrawn", "while in force"),
            "withdrawn_by": Column("Withdrawn by", f"{BY} it was withdrawn; empty while in force."),
            "withdrawn_why_sha256": Column(
                "Withdrawal reason SHA-256", "SHA-256 of the reason given for withdrawing it; empty while in force."
            ),
        },
        sort_desc="created_at",
    ),
    "productions": Table(
        "Productions",
        "The production log: every production made for a matter (`textfile produce`), with its options, its"
        " folder and its Bates range.",
        {
            "id": Column("Production", "The production's number."),
            "matter_id": MATTER,
            "folder": Column("Folder", "The folder it was written to, as a path on the machine that made it."),
            "from_at": _at("From", "the window produced begins", "when it starts at the first message"),
            "until_at": _at("Until", "the window produced ends", "when it runs to the last message"),
            "options": Column("Options", "What was asked for: window, conversations, exhibits, context… (JSON)."),
            "bates_prefix": BATES_PREFIX,
            "bates_first": BATES_FIRST,
            "bates_last": BATES_LAST,
            "reproduces": Column(
                "Reproduces", "The earlier productions whose messages it produces again (JSON list; [] when none)."
            ),
            "sums_sha256": Column(
                "SHA256SUMS SHA-256", "SHA-256 of the production's SHA256SUMS file (every file's SHA-256, listed)."
            ),
            "created_at": _at("Made", "it was made"),
            "created_by": _by("it was made"),
        },
        sort_desc="id",
        label_column="folder",
    ),
    "production_files": Table(
        "Files of productions",
        "Every file a production wrote, with its SHA-256 and Bates range.",
        {
            "production_id": Column("Production", "The production."),
            "path": Column("Path", "The file's path inside the production's folder."),
            "kind": Column(
                "Kind",
                "pdf, native, rsmf, text, csv, jsonl, dat, opt, log, certification, readme or certificate.",
            ),
            "size": Column("Size (bytes)", "Size in bytes."),
            "sha256": Column("SHA-256", "SHA-256 of the file as written."),
            "bates_first": Column("First Bates", "Its first Bates number, prefix included; empty when not numbered."),
            "bates_last": Column("Last Bates", "Its last Bates number, prefix included; empty when not numbered."),
        },
        sort="production_id",
    ),
    "production_messages": Table(
        "Messages in productions",
        "Every message each production handed over, with the content hash produced and its Bates number.",
        {
            "production_id": Column("Production", "The production."),
            "message_id": MESSAGE,
            "content_hash": CONTENT_HASH,
            "bates": Column("Bates", "The Bates number it was produced under, prefix included."),
            "redactions": Column("Redactions", "The redactions applied to it (JSON list of numbers; [] when none)."),
        },
        sort="production_id",
    ),
    "signing_keys": Table(
        "Signing certificates",
        "The certificates productions are signed under. The private keys are never in the archive.",
        {
            "fingerprint": Column("Fingerprint", "SHA-256 of the certificate (of its DER form)."),
            "certificate": Column("Certificate", "The certificate as PEM text (public)."),
            "created_at": _at("Made", "it was made or first used"),
            "created_by": _by("it was made or first used"),
        },
        sort_desc="created_at",
    ),
    "audit_log": Table(
        "Audit log",
        "Every command that changed the archive, one entry each, chained by SHA-256 so that altering, removing"
        " or reordering an entry is detected, and sealed under a key kept outside the archive.",
        {
            "id": Column("Entry", "The entry's number, in the order written."),
            "at": _at("At", "the change was made"),
            "command": Column("Command", "What changed it, e.g. import, file, transcript, matter open."),
            "details": Column("Details", "What the change was, with digests of what it touched (JSON)."),
            "prev_hash": Column("Previous hash", "The previous entry's hash (64 zeros for the first)."),
            "hash": Column("Hash", "SHA-256 over the previous hash and this entry's time, command and details."),
            "seal": Column(
                "Seal", "HMAC-SHA256 of the hash under the sealing key; empty for entries written before sealing."
            ),
        },
        sort_desc="id",
    ),
    "messages_fts": Table(
        "Message search index",
        "The full-text index of the messages' text, for searching them.",
        FTS_COLUMNS,
        hidden=True,
    ),
    "message_versions_fts": Table(
        "Earlier versions search index",
        "The full-text index of the text of messages' earlier versions.",
        FTS_COLUMNS,
        hidden=True,
    ),
}


def datasette_tables() -> dict:
    """TABLES in Datasette 0.65 metadata form: {name: {"title", "description", "columns": {col: description},
    "hidden", "sort"/"sort_desc", "label_column"}} (keys left out when not set)."""
    return {name: _datasette_table(table) for name, table in TABLES.items()}


def _datasette_table(table: Table) -> dict:
    entry = {
        "title": table.title,
        "description": table.description,
        "columns": {name: column.description for name, column in table.columns.items()},
    }
    if table.hidden:
        entry["hidden"] = True
    for key in ("sort", "sort_desc", "label_column"):
        if (value := getattr(table, key)) is not None:
            entry[key] = value
    return entry
