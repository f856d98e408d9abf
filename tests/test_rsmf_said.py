"""What an RSMF event says (issue 20, produce/rsmf_said.py): the PDF's marks before a message's text,
a call's line, and a group event as join, leave or disclaimer only where its words are exactly the
importer's, each event asserted whole, every file valid against Relativity's schema."""

from __future__ import annotations

from datetime import UTC, datetime

from conftest import FIXTURES, ME, SAM, SAM_CHAT, ingest_records, msg
from test_rsmf import corpus_schema, every_source, opened, ordered_ids, produce  # noqa: F401

from textfile.importers.whatsapp.locales import LANGUAGES
from textfile.model import Conversation, Message, Participant
from textfile.produce.rsmf import validate
from textfile.produce.rsmf_said import ENCRYPTION_NOTICES

DANA = Participant("+12025550144", "Dana Reyes")
AT = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
OWNERS = "Alex Owner's phone"  # (where each event's message was found: `rsmf.found_on`)


def made(archive, records) -> tuple[list[dict], str, dict[str, str]]:
    """The one conversation's events by position, its plain text, and the messages' content hashes."""
    ingest_records(archive, records)
    conn = archive.conn
    conversation_id = conn.execute("SELECT conversation_id FROM messages LIMIT 1").fetchone()[0]
    [(_, data)] = produce(conn, conversation_id)
    assert validate(data, corpus_schema()) == []
    _, text, _, manifest = opened(data)
    assert [e["id"] for e in manifest["events"]] == ordered_ids(conn, conversation_id)
    return manifest["events"], text, dict(conn.execute("SELECT id, content_hash FROM messages"))


def event(
    e: dict, hashes, type_, body, minute, *custom, participant=None, direction=None, deleted=False, found_on=OWNERS
) -> dict:
    """The whole event expected of `e`'s message (its id and hash taken from it; found on the owner's phone)."""
    out = {"id": e["id"], "type": type_, "body": body}
    if participant:
        out["participant"] = participant
    out |= {"conversation": e["conversation"], "timestamp": f"2024-03-01T12:{minute:02d}:00.000Z", "deleted": deleted}
    if direction:
        out["direction"] = direction
    pairs = [("Message ID", e["id"]), ("Content hash", hashes[e["id"]]), *custom, ("Found on", found_on)]
    out["custom"] = [{"name": n, "value": v} for n, v in pairs]
    return out


def test_an_unsent_message_reads_as_the_pdf_says_never_as_sent(archive):
    """Draft, failed, queued, outbox, deleted and unsent: the PDF's mark, then the text as sent."""
    events, text, hashes = made(
        archive,
        [
            msg(1, "I also wanted to ask about the deposit", out=True, status="draft", flags=frozenset({"draft"})),
            msg(2, "Did you get my last message?", out=True, status="failed", flags=frozenset({"failed"})),
            msg(3, "Queued while offline", out=True, status="queued"),
            msg(4, "Sending the signed copy now", out=True, status="outbox"),
            msg(5, "never mind", flags=frozenset({"deleted"})),
            msg(6, "", out=True, flags=frozenset({"unsent"})),
            msg(7, "Thanks, got it.", out=True, status="sent"),
        ],
    )
    out = dict(participant=ME.handle, direction="outgoing")
    sms, utc = ("Service", "SMS"), ("Source zone", "UTC")
    assert events == [
        event(
            events[0],
            hashes,
            "message",
            "[DRAFT (never sent)] I also wanted to ask about the deposit",
            1,
            sms,
            ("Status", "draft"),
            utc,
            ("Flags", "draft"),
            **out,
        ),
        event(
            events[1],
            hashes,
            "message",
            "[FAILED (not delivered)] Did you get my last message?",
            2,
            sms,
            ("Status", "failed"),
            utc,
            ("Flags", "failed"),
            **out,
        ),
        event(
            events[2],
            hashes,
            "message",
            "[QUEUED (sending not confirmed)] Queued while offline",
            3,
            sms,
            ("Status", "queued"),
            utc,
            **out,
        ),
        event(
            events[3],
            hashes,
            "message",
            "[QUEUED (sending not confirmed)] Sending the signed copy now",
            4,
            sms,
            ("Status", "outbox"),
            utc,
            **out,
        ),
        event(
            events[4],
            hashes,
            "message",
            "[DELETED] never mind",
            5,
            sms,
            utc,
            ("Flags", "deleted"),
            participant=SAM.handle,
            direction="incoming",
            deleted=True,
        ),
        event(events[5], hashes, "message", "[UNSENT]", 6, sms, utc, ("Flags", "unsent"), deleted=True, **out),
        event(events[6], hashes, "message", "Thanks, got it.", 7, sms, ("Status", "sent"), utc, **out),
    ]
    assert text.split("\r\n") == [
        "2024-03-01T12:01:00.000Z Alex Owner: [DRAFT (never sent)] I also wanted to ask about the deposit",
        "2024-03-01T12:02:00.000Z Alex Owner: [FAILED (not delivered)] Did you get my last message?",
        "2024-03-01T12:03:00.000Z Alex Owner: [QUEUED (sending not confirmed)] Queued while offline",
        "2024-03-01T12:04:00.000Z Alex Owner: [QUEUED (sending not confirmed)] Sending the signed copy now",
        "2024-03-01T12:05:00.000Z Sam Client: [DELETED] never mind",
        "2024-03-01T12:06:00.000Z Alex Owner: [UNSENT]",
        "2024-03-01T12:07:00.000Z Alex Owner: Thanks, got it.",
        "",
    ]


def test_a_call_says_its_call_line(archive):
    """A call's body is the transcript's call line; a text the export gave it follows on a line of its own."""
    events, text, hashes = made(
        archive,
        [
            msg(1, "", kind="call", status="incoming", duration_s=240),
            msg(2, "", kind="call", status="missed"),
            msg(3, "Missed voice call", kind="call", status="missed"),
            msg(4, "", out=True, kind="call", duration_s=3725),
        ],
    )
    call, sms, utc = ("Kind", "call"), ("Service", "SMS"), ("Source zone", "UTC")
    incoming = dict(participant=SAM.handle, direction="incoming")
    assert events == [
        event(
            events[0],
            hashes,
            "message",
            "Call: incoming, 4 min 00 s",
            1,
            call,
            sms,
            ("Status", "incoming"),
            utc,
            ("Duration (s)", "240"),
            **incoming,
        ),
        event(events[1], hashes, "message", "Call: missed", 2, call, sms, ("Status", "missed"), utc, **incoming),
        event(
            events[2],
            hashes,
            "message",
            "Call: missed\nMissed voice call",
            3,
            call,
            sms,
            ("Status", "missed"),
            utc,
            **incoming,
        ),
        event(
            events[3],
            hashes,
            "message",
            "Call: outgoing, 1 h 02 min 05 s",
            4,
            call,
            sms,
            utc,
            ("Duration (s)", "3725"),
            participant=ME.handle,
            direction="outgoing",
        ),
    ]
    assert text.split("\r\n")[:2] == [
        "2024-03-01T12:01:00.000Z Sam Client: Call: incoming, 4 min 00 s",
        "2024-03-01T12:02:00.000Z Sam Client: Call: missed",
    ]


def system(conversation, n: int, sender, body: str) -> Message:
    return Message(
        conversation, (conversation.source_key, "system", n), AT.replace(minute=n), "system", sender, body, "UTC"
    )


def test_imessage_group_lines_are_joins_and_leaves_only_in_the_importers_words(archive):
    """ "X added Y", "X removed Y", "X left the conversation", X as iMessage's importer names the sender:
    the one who joined or left is the participant when of the file, else none; anything else is unknown."""
    group = Conversation("imessage", "chat-case", "Case", True, (ME, SAM, DANA))
    events, text, hashes = made(
        archive,
        [
            system(group, 1, ME, f"Alex Owner added {DANA.handle}"),
            system(group, 2, ME, "Alex Owner added jamie@example.com"),  # (not a participant of the file)
            system(group, 3, SAM, f"{SAM.handle} removed {DANA.handle}"),
            system(group, 4, DANA, f"{DANA.handle} left the conversation"),
            system(group, 5, None, "Someone left the conversation"),
            system(group, 6, SAM, f"{SAM.handle} named the conversation \u201cCase 2024-17\u201d"),
            system(group, 7, ME, f"Alex Owner added {DANA.handle}: welcome"),  # (the row's own text after it)
            system(group, 8, SAM, f"Alex Owner added {DANA.handle}"),  # (not the sender's own name)
            system(group, 9, None, f"Alex Owner added {DANA.handle}"),
        ],
    )
    utc = ("Source zone", "UTC")
    assert events == [
        event(
            events[0],
            hashes,
            "join",
            f"Alex Owner added {DANA.handle}",
            1,
            ("Done by", ME.handle),
            utc,
            participant=DANA.handle,
        ),
        event(events[1], hashes, "join", "Alex Owner added jamie@example.com", 2, ("Done by", ME.handle), utc),
        event(
            events[2],
            hashes,
            "leave",
            f"{SAM.handle} removed {DANA.handle}",
            3,
            ("Done by", SAM.handle),
            utc,
            participant=DANA.handle,
        ),
        event(events[3], hashes, "leave", f"{DANA.handle} left the conversation", 4, utc, participant=DANA.handle),
        event(events[4], hashes, "leave", "Someone left the conversation", 5, utc),
        event(
            events[5],
            hashes,
            "unknown",
            f"{SAM.handle} named the conversation \u201cCase 2024-17\u201d",
            6,
            utc,
            participant=SAM.handle,
        ),
        event(events[6], hashes, "unknown", f"Alex Owner added {DANA.handle}: welcome", 7, utc, participant=ME.handle),
        event(events[7], hashes, "unknown", f"Alex Owner added {DANA.handle}", 8, utc, participant=SAM.handle),
        event(events[8], hashes, "unknown", f"Alex Owner added {DANA.handle}", 9, utc),
    ]
    assert text.split("\r\n")[:2] == [
        f"2024-03-01T12:01:00.000Z Alex Owner: Alex Owner added {DANA.handle}",
        "2024-03-01T12:02:00.000Z Alex Owner: Alex Owner added jamie@example.com",
    ]


EN_NOTICE = ENCRYPTION_NOTICES["en"][0]


def test_whatsapps_encryption_notice_is_a_disclaimer_and_its_group_lines_stay_unknown(archive):
    dana = Participant("Dana Reyes")
    chat = Conversation(
        "whatsapp", "Lease Committee", "Lease Committee", True, (dana, Participant("Alex Owner", is_owner=True))
    )
    events, _, hashes = made(
        archive,
        [
            system(chat, 1, None, EN_NOTICE),
            system(chat, 2, dana, ENCRYPTION_NOTICES["de"][0]),  # (an iPhone export's line names the chat as author)
            system(chat, 3, None, "Messages and calls are end-to-end encrypted."),  # (not the whole notice)
            system(chat, 4, None, "Alex Owner added Dana Reyes"),  # (iMessage's words, not WhatsApp's)
            system(chat, 5, None, "Dana Reyes left"),
        ],
    )
    utc = ("Source zone", "UTC")
    assert events == [
        event(events[0], hashes, "disclaimer", EN_NOTICE, 1, utc),
        event(events[1], hashes, "disclaimer", ENCRYPTION_NOTICES["de"][0], 2, utc, participant="Dana Reyes"),
        event(events[2], hashes, "unknown", "Messages and calls are end-to-end encrypted.", 3, utc),
        event(events[3], hashes, "unknown", "Alex Owner added Dana Reyes", 4, utc),
        event(events[4], hashes, "unknown", "Dana Reyes left", 5, utc),
    ]


def test_the_same_words_elsewhere_are_unknown(archive):
    """iMessage's words in an Android group, WhatsApp's notice in an iMessage chat: unknown, as written."""
    group = Conversation("android", "group key", "Lease", True, (SAM, DANA, ME))
    events, _, hashes = made(archive, [system(group, 1, ME, f"Alex Owner added {DANA.handle}")])
    assert events == [
        event(
            events[0],
            hashes,
            "unknown",
            f"Alex Owner added {DANA.handle}",
            1,
            ("Source zone", "UTC"),
            participant=ME.handle,
        )
    ]
    chat = Conversation("imessage", "chat-sam", None, False, (SAM, ME))
    ingest_records(archive, [system(chat, 2, None, EN_NOTICE)], name="other.xml")
    conversation_id = archive.conn.execute("SELECT id FROM conversations WHERE platform = 'imessage'").fetchone()[0]
    [(_, data)] = produce(archive.conn, conversation_id)
    assert [(e["type"], e["body"]) for e in opened(data)[3]["events"]] == [("unknown", EN_NOTICE)]


def test_each_notice_is_as_an_export_wrote_it_in_a_language_the_importer_reads():
    exports = "\n".join(p.read_text(encoding="utf-8") for p in (FIXTURES / "whatsapp").rglob("*.txt"))
    assert set(ENCRYPTION_NOTICES) <= set(LANGUAGES)
    assert [n for notices in ENCRYPTION_NOTICES.values() for n in notices if n not in exports] == []


def test_a_message_in_the_chat_keeps_its_text_and_type(archive):
    """A message someone typed with the words of a group line is a message, its text as sent."""
    events, _, hashes = made(archive, [msg(1, "Alex Owner added +12025550144", conversation=SAM_CHAT)])
    assert events == [
        event(
            events[0],
            hashes,
            "message",
            "Alex Owner added +12025550144",
            1,
            ("Service", "SMS"),
            ("Source zone", "UTC"),
            participant=SAM.handle,
            direction="incoming",
        )
    ]


def test_the_fixture_exports_group_lines(every_source):
    """The importers' own lines, read from the fixture exports: what each system event became."""
    conn = every_source.conn
    found = []
    for conversation_id, platform in conn.execute("SELECT id, platform FROM conversations ORDER BY id").fetchall():
        [(_, data)] = produce(conn, conversation_id)
        found += [
            (platform, e["type"], e.get("participant"), e["body"])
            for e in opened(data)[3]["events"]
            if e["type"] != "message" or "direction" not in e
        ]
    en_notice = EN_NOTICE
    assert found == [
        ("whatsapp", "disclaimer", "Dana Reyes", en_notice),
        ("whatsapp", "unknown", "Dana Reyes", "Your security code with Dana Reyes changed. \u200eTap to learn more."),
        ("whatsapp", "disclaimer", "Jordan Lee", en_notice),
        ("whatsapp", "disclaimer", "Somchai", en_notice),
        ("whatsapp", "disclaimer", None, ENCRYPTION_NOTICES["de"][0]),
        ("whatsapp", "unknown", None, "Alex Owner added \u202a+1 202-555-0147\u202c"),
        ("whatsapp", "unknown", None, 'Alex Owner created group "Lease Committee"'),
        ("whatsapp", "unknown", None, 'Alex Owner changed the subject from "Lease" to "Lease: 2024"'),
        ("whatsapp", "disclaimer", None, f"{en_notice} Tap to learn more."),
        ("imessage", "join", "jamie@example.com", "Alex Owner added jamie@example.com"),
        ("imessage", "unknown", "+12025550123", "+12025550123 named the conversation \u201cCase 2024-17\u201d"),
        ("imessage", "leave", "jamie@example.com", "jamie@example.com left the conversation"),
        ("imessage", "leave", "+12025550123", "Alex Owner removed +12025550123"),
    ]


def test_a_send_that_failed_with_no_status_is_marked_as_the_cover_says(archive):
    """An iMessage that failed has no status, only the flag: the transcript marks it as failed (its cover says failed
    sends are marked), and the RSMF event says what the PDF does."""
    from textfile.transcript.content.marks import _marks

    assert _marks(None, ["failed"], "message") == ["FAILED (not delivered)"]
    assert _marks("failed", ["failed"], "message") == ["FAILED (not delivered)"]  # (once)
    events, _text, _hashes = made(archive, [msg(1, "Did you get it?", out=True, flags=frozenset({"failed"}))])
    assert [e["body"] for e in events] == ["[FAILED (not delivered)] Did you get it?"]
