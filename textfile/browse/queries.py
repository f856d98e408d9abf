"""The canned queries `textfile browse` offers (Datasette 0.65's form: name -> title, description, sql):
the weekly questions, answered read-only from the archive's snapshot in SQL alone.

Each asks what a textfile command asks, with the command's own rule, so that the browser and the command
never give two answers to one question:

- unfiled_conversations     `textfile conversations --unfiled` (filing.list_conversations, ignore.conversations)
- messages_in_no_transcript `textfile status`'s matters with messages in no transcript (weekly.run.stale_matters),
                            message by message
- matter_timeline           the messages a matter's transcript shows (transcript.content.scope: its filings and
                            their windows), in one chronological list
- open_review_flags         `textfile review` (review.queue.flags, response.responses)
- unanswered_escalations    `textfile review --unanswered --within 24h` (review.queue.unanswered)
- deletions_seen_on_phone   `textfile coverage`'s messages no longer on the phone (lifecycle.coverage_report)
- imports_and_assumptions   what `textfile import` said of each import, from its record

What SQL cannot do is said in each description: it cannot hash a transcript's PDF, scan for new flags, or
judge working hours (Python's, with the zone's rules). A time is shown twice: on the archive's clock, as the
commands and transcripts print it, by `local_time` (`add_functions` gives it to the connection: Python's
`times.display`, for SQLite knows no time zone's rules), and as the stored UTC instant, as --json gives it,
which is what a query ordered by time orders by. The SQL is shown to whoever runs a query, so it is written
to be read: its constants (rule names, the call outcomes that are no response, direction words) come from
the core modules that define them.
"""

from __future__ import annotations

import sqlite3

from textfile import times
from textfile.filing.conversations import COVERED, PRECISION_OF
from textfile.model import between_others
from textfile.review.queue import RULE_NAMES
from textfile.review.response import NONE_OWED, NOT_ANSWERED
from textfile.review.rules import NOT_SENT, sent
from textfile.transcript.content.marks import DIRECTION_WORDS, NOT_THE_OWNERS


def add_functions(conn: sqlite3.Connection) -> None:
    """Give `conn` the SQL function the queries show a time with: `local_time(instant, precision)`, the
    stored instant on the archive's clock (the zone its settings name, read now) with its UTC offset, to
    the minute where the source wrote minutes (precision "minute"), else to the second: `times.display`;
    "" for no time."""
    zone = times.archive_zone(conn)
    conn.create_function(
        "local_time", 2, lambda instant, precision: times.display(instant, zone, precision), deterministic=True
    )


def _text(value: str) -> str:
    """A Python string as an SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def _case(expression: str, words: dict[str, str], otherwise: str) -> str:
    """`CASE expression WHEN key THEN word … ELSE otherwise END` over a core module's dict of words."""
    whens = " ".join(f"WHEN {_text(key)} THEN {_text(word)}" for key, word in words.items())
    return f"CASE {expression} {whens} ELSE {otherwise} END"


# -- fragments the queries share --------------------------------------------------------------------

# Each conversation's people other than the owner, "Name number" each (the number alone where the export
# gave no other name), by number; and the conversation as `textfile conversations` names it: its own
# title where it says more than one of those names (a group's), else its people (filing.label).
# (group_concat joins in the order its subquery gives, as SQLite does; SQL itself promises no order.)
NAMES = """
  people AS (
    SELECT conversation_id, group_concat(said, ', ') AS names
    FROM (SELECT conversation_id,
                 CASE WHEN coalesce(display_name, '') IN ('', handle) THEN handle
                      ELSE display_name || ' ' || handle END AS said
          FROM participants WHERE is_owner = 0 ORDER BY conversation_id, handle)
    GROUP BY conversation_id
  ),
  labels AS (
    SELECT c.id AS conversation_id,
           coalesce(pp.names, '') AS participants,
           CASE WHEN coalesce(c.title, '') <> ''
                 AND NOT EXISTS (SELECT 1 FROM participants p
                                 WHERE p.conversation_id = c.id AND p.is_owner = 0
                                   AND coalesce(nullif(p.display_name, ''), p.handle) = c.title)
                THEN c.title ELSE coalesce(pp.names, '') END AS label
    FROM conversations c LEFT JOIN people pp ON pp.conversation_id = c.id
  )"""

# A message's sender as a transcript names them (transcript.content.people.sender_name): the name the
# export gave, else the owner's name for the owner, else the client whose number it is; none for a message
# with no sender. `p` is the sender's participants row.
SENDER = """CASE WHEN p.handle IS NULL THEN ''
       ELSE coalesce(nullif(p.display_name, ''),
                     CASE WHEN p.is_owner THEN (SELECT owner_name FROM settings)
                          ELSE coalesce((SELECT cl.name FROM client_handles h JOIN clients cl ON cl.id = h.client_id
                                         WHERE h.handle = p.handle), '') END) END"""

# A message's number in its conversation, "2.15": conversation 2's 15th message, all of its messages
# counted in time order, as transcripts, `conversation show` and `review` give it. `m`: the message.
NUMBER = """m.conversation_id || '.' || (
         SELECT count(*) FROM messages o WHERE o.conversation_id = m.conversation_id
            AND (o.sent_at < m.sent_at OR (o.sent_at = m.sent_at AND o.rowid <= m.rowid)))"""

# The same numbers for many messages at once: each message's (`row`: its rowid) counted in one pass over
# its conversation (`n`); a WHERE clause on `messages m` follows, naming the conversations to number.
NUMBERED = """SELECT m.rowid AS row,
           m.conversation_id || '.'
             || row_number() OVER (PARTITION BY m.conversation_id ORDER BY m.sent_at, m.rowid) AS n
    FROM messages m"""

# The matters a conversation `c` is filed to, by reference.
FILED_TO = """coalesce((SELECT group_concat(reference, ', ')
                 FROM (SELECT DISTINCT mt.reference FROM filings f JOIN matters mt ON mt.id = f.matter_id
                       WHERE f.conversation_id = c.id ORDER BY mt.reference)), '')"""

# A filing `f` of a message `m`'s conversation that covers it: no window, or inside it (both ends included).
IN_WINDOW = """f.conversation_id = m.conversation_id
              AND (f.from_at IS NULL OR m.sent_at >= f.from_at)
              AND (f.until_at IS NULL OR m.sent_at <= f.until_at)"""


# -- the queries --------------------------------------------------------------------------------------

UNFILED_CONVERSATIONS = f"""
-- The conversations waiting for a person: `textfile conversations --unfiled`.
WITH {NAMES},
  counted AS (
    -- each conversation's messages, its first and last (and the precision each was written at), and those
    -- no filing covers
    SELECT c.id AS conversation_id, count(m.id) AS messages, min(m.sent_at) AS first, max(m.sent_at) AS last,
           ({PRECISION_OF} ORDER BY f.sent_at, f.rowid LIMIT 1) AS first_precision,
           ({PRECISION_OF} ORDER BY f.sent_at DESC, f.rowid DESC LIMIT 1) AS last_precision,
           coalesce(sum(m.id IS NOT NULL AND NOT {COVERED}), 0) AS unfiled
    FROM conversations c LEFT JOIN messages m ON m.conversation_id = c.id
    GROUP BY c.id
  )
SELECT c.id AS "#",
       l.label AS "Conversation",
       c.platform AS "Platform",
       l.participants AS "Participants",
       n.messages AS "Messages",
       n.unfiled AS "Not filed",
       local_time(n.first, n.first_precision) AS "First",
       n.first AS "First (UTC)",
       local_time(n.last, n.last_precision) AS "Last",
       n.last AS "Last (UTC)",
       {FILED_TO} AS "Filed to"
FROM conversations c
JOIN counted n ON n.conversation_id = c.id
JOIN labels l ON l.conversation_id = c.id
WHERE (n.unfiled > 0  -- a message no filing covers
       OR (n.messages = 0 AND NOT EXISTS (SELECT 1 FROM filings f WHERE f.conversation_id = c.id)))  -- nothing yet
  AND NOT EXISTS (SELECT 1 FROM conversation_ignores i WHERE i.conversation_id = c.id)  -- not set aside
ORDER BY c.id
"""

MESSAGES_IN_NO_TRANSCRIPT = f"""
-- Each message filed to a matter that no transcript of that matter shows as it is now: what
-- `textfile status` counts as "matters with messages in no transcript" (the weekly run renders them).
WITH {NAMES},
  shown AS (
    -- what each matter's transcripts show (the message, and its content then), but for the transcripts a
    -- person recorded as deleted on purpose (`textfile verify --deleted`), which vouch for nothing any more
    SELECT t.matter_id, tm.message_id, tm.content_hash
    FROM transcript_messages tm JOIN transcripts t ON t.id = tm.transcript_id
    WHERE t.matter_id IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM transcript_retirements r WHERE r.transcript_id = t.id)
  ),
  filed AS (
    -- each matter's messages: those of its conversations inside each filing's window
    SELECT DISTINCT f.matter_id, m.rowid AS row
    FROM filings f JOIN messages m ON {IN_WINDOW}
  ),
  numbered AS (
    {NUMBERED}
    WHERE m.conversation_id IN (SELECT conversation_id FROM filings)
  )
SELECT mt.reference AS "Matter",
       cl.name AS "Client",
       nb.n AS "Message",
       local_time(m.sent_at, m.time_precision) AS "Sent",
       m.sent_at AS "Sent (UTC)",
       l.label AS "Conversation",
       {SENDER} AS "From",
       coalesce(p.handle, '') AS "Number",
       m.body AS "Text",
       CASE WHEN EXISTS (SELECT 1 FROM shown s WHERE s.matter_id = x.matter_id AND s.message_id = m.id)
            THEN 'changed since the matter''s transcript showed it'
            ELSE 'in no transcript of the matter' END AS "Why",
       m.id AS "Message id"
FROM filed x
JOIN messages m ON m.rowid = x.row
JOIN numbered nb ON +nb.row = x.row  -- (+: numbered made once, not scanned again for each matter listed)
JOIN matters mt ON mt.id = x.matter_id
JOIN clients cl ON cl.id = mt.client_id
JOIN labels l ON l.conversation_id = m.conversation_id
LEFT JOIN participants p ON p.id = m.sender_id
WHERE NOT EXISTS (SELECT 1 FROM shown s
                  WHERE s.matter_id = x.matter_id AND s.message_id = m.id AND s.content_hash = m.content_hash)
ORDER BY mt.reference, m.sent_at, m.rowid
"""

MATTER_TIMELINE = f"""
-- A matter's messages in one chronological list: those its transcript shows (each conversation filed
-- to it, inside each filing's window), with their numbers as the transcript gives them.
WITH {NAMES},
  matter AS (
    -- the matter asked for, by its reference (upper or lower case alike, as textfile reads it)
    SELECT id FROM matters WHERE reference = trim(:matter, char(32, 9, 10, 13))
  ),
  filed AS (
    SELECT m.rowid AS row FROM messages m
    WHERE m.conversation_id IN (SELECT f.conversation_id FROM filings f WHERE f.matter_id = (SELECT id FROM matter))
      AND EXISTS (SELECT 1 FROM filings f WHERE f.matter_id = (SELECT id FROM matter) AND {IN_WINDOW})
  ),
  numbered AS (
    {NUMBERED}
    WHERE m.conversation_id IN (SELECT f.conversation_id FROM filings f WHERE f.matter_id = (SELECT id FROM matter))
  ),
  attached AS (
    SELECT message_id, count(*) AS n FROM message_attachments GROUP BY message_id
  )
SELECT nb.n AS "Message",
       local_time(m.sent_at, m.time_precision) AS "Sent",
       m.sent_at AS "Sent (UTC)",
       l.label AS "Conversation",
       {SENDER} AS "From",
       coalesce(p.handle, '') AS "Number",
       CASE WHEN m.direction = 'in' AND {between_others("c.source_key")} THEN {_text(NOT_THE_OWNERS)}
            ELSE {_case("m.direction", DIRECTION_WORDS, "m.direction")} END AS "Direction",
       m.kind AS "Kind",
       coalesce(m.service, '') AS "Service",
       -- a text that is only a placeholder character for each attachment is shown as its attachments alone
       CASE WHEN m.body <> '' AND length(m.body) = coalesce(a.n, 0) AND replace(m.body, char(65532), '') = ''
            THEN '' ELSE m.body END AS "Text",
       coalesce(a.n, 0) AS "Attachments",
       m.id AS "Message id"
FROM filed x
JOIN messages m ON m.rowid = x.row
JOIN numbered nb ON nb.row = x.row
JOIN conversations c ON c.id = m.conversation_id
JOIN labels l ON l.conversation_id = m.conversation_id
LEFT JOIN participants p ON p.id = m.sender_id
LEFT JOIN attached a ON a.message_id = m.id
ORDER BY m.sent_at, m.rowid
"""

# Seconds as people say a wait (review.response.took): 45 s, 12 min, 3 h 05 min, 2 d 4 h.
_TOOK = """CASE WHEN {s} < 60 THEN {s} || ' s'
                  WHEN {s} < 3600 THEN ({s} / 60) || ' min'
                  WHEN {s} < 48 * 3600 THEN ({s} / 3600) || ' h ' || printf('%02d', ({s} / 60) % 60) || ' min'
                  ELSE ({s} / 86400) || ' d ' || (({s} / 3600) % 24) || ' h' END"""

# Flags, and the first response to each flagged inbound message (review.response): the first text the
# owner sent (review.rules.sent) in that conversation after it, or the first call with the sender's
# number after it (in whatever conversation the phone kept it) that the owner made, or took; the
# earlier of the two.
_FLAGGED = f"""
WITH {NAMES},
  flagged AS (
    SELECT f.id AS flag, f.rule, f.reason, m.rowid AS row, m.id AS message_id, m.conversation_id, m.sent_at,
           m.time_precision, m.direction, m.body, p.handle, p.display_name
    FROM review_flags f
    JOIN messages m ON m.id = f.message_id
    LEFT JOIN participants p ON p.id = m.sender_id
    WHERE f.state = 'open'
  ),
  calls AS MATERIALIZED (
    -- the calls that answer, each with the number of a flagged sender it was with: those the owner
    -- made, answered or not, and those taken (not {", ".join(NOT_ANSWERED)})
    SELECT q.handle, c.sent_at, c.rowid AS row, c.id, c.direction, c.duration_s
    FROM participants q CROSS JOIN messages c ON c.conversation_id = q.conversation_id
    WHERE q.is_owner = 0 AND q.handle IN (SELECT handle FROM flagged WHERE direction = 'in')
      AND c.kind = 'call'
      AND (c.direction = 'out'
           OR (c.direction = 'in' AND coalesce(c.status, '') NOT IN ({", ".join(map(_text, NOT_ANSWERED))})))
  ),
  next_calls AS (
    -- the first of those calls after each flagged inbound message with its sender: the inbound messages
    -- and the calls in one list per number, latest first; each message's first call is the earliest of
    -- the calls before it in that list, at a later time (a call's key, "time rowid", orders as its time)
    SELECT flag, CAST(substr(next, instr(next, ' ') + 1) AS INTEGER) AS row
    FROM (SELECT flag, min(call) OVER (PARTITION BY handle ORDER BY sent_at DESC
                                       GROUPS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS next
          FROM (SELECT flag, handle, sent_at, NULL AS call FROM flagged WHERE direction = 'in'
                UNION ALL
                SELECT NULL, handle, sent_at, sent_at || ' ' || printf('%020d', row) FROM calls))
    WHERE flag IS NOT NULL AND next IS NOT NULL
  ),
  answers AS (
    -- each one's next text in its conversation that went out (not a draft, a failed send, or a queued one
    -- whose sending is not confirmed: {", ".join(NOT_SENT)}), and its first call
    SELECT x.flag, t.sent_at AS at, 'text' AS how, t.id, t.duration_s
    FROM flagged x
    JOIN messages t ON t.rowid = (SELECT o.rowid FROM messages o
                                  WHERE o.conversation_id = x.conversation_id AND o.sent_at > x.sent_at
                                    AND o.direction = 'out' AND o.kind = 'message'
                                    AND {sent("o")}
                                  ORDER BY o.sent_at, o.rowid LIMIT 1)
    WHERE x.direction = 'in'
    UNION ALL
    SELECT n.flag, k.sent_at, 'call ' || k.direction, k.id, k.duration_s
    FROM next_calls n JOIN calls k ON k.row = n.row
  ),
  responses AS (
    -- the first of them (at one instant, a call before a text, as the core orders them)
    SELECT * FROM (
      SELECT a.*, r.conversation_id, r.rowid AS row, r.time_precision,
             CAST(round((julianday(a.at) - julianday(x.sent_at)) * 86400000) AS INTEGER) / 1000 AS after_s,
             row_number() OVER (PARTITION BY a.flag ORDER BY a.at, a.how, a.id) AS nth
      FROM answers a JOIN flagged x ON x.flag = a.flag JOIN messages r ON r.id = a.id)
    WHERE nth = 1
  ),
  numbered AS (
    {NUMBERED}
    WHERE m.conversation_id IN (SELECT conversation_id FROM flagged UNION SELECT conversation_id FROM responses)
  )"""

# A flag's reason in words (review.queue.describe). `x`: the flag.
_WHY = f"""CASE
         WHEN json_type(x.reason, '$.terms') IS NOT NULL
           THEN x.rule || ': ' || coalesce((SELECT group_concat(value, ', ')
                                            FROM (SELECT value FROM json_each(x.reason, '$.terms')
                                                  UNION ALL SELECT value FROM json_each(x.reason, '$.amounts'))), '')
         WHEN x.rule = 'opt_out'
           THEN CASE WHEN json_extract(x.reason, '$.change') = 'out' THEN 'opted out' ELSE 'opted back in' END
                || ' (' || json_extract(x.reason, '$.keyword') || ')'
         WHEN x.rule = 'after_opt_out'
           THEN 'texted after ' || json_extract(x.reason, '$.handle') || ' sent ' || json_extract(x.reason, '$.keyword')
                || ' (' || substr(coalesce(json_extract(x.reason, '$.at'), ''), 1, 10) || ')'
         WHEN x.rule IN ('no_consent', 'minor')
           THEN {_case("x.rule", RULE_NAMES, "x.rule")} || ': '
                || coalesce((SELECT group_concat(value, ', ') FROM json_each(x.reason, '$.clients')), '')
         WHEN x.rule LIKE 'after\\_hours%' ESCAPE '\\'
           THEN {_case("x.rule", RULE_NAMES, "x.rule")}
                || ' (' || coalesce(json_extract(x.reason, '$.local'), '') || ')'
         ELSE x.rule END"""

# What a time asked for that is not one gets, in "Why" (as `review --within` refuses it).
_NOT_A_TIME = """CASE WHEN w.s IS NULL
         THEN 'not a length of time: ' || quote(w.given) || ' (e.g. 24h, 90m, 2d, 1d12h)'"""

# A response as `review` says it (Response.said, without "after hours": working hours are judged in
# Python): "text after 2 h 05 min", "call out, 3 min after 20 min". A call's minutes are rounded half
# to even, as Python rounds them.
_RESPONSE = f"""CASE WHEN x.direction IS NOT 'in' THEN ''
            WHEN x.conversation_id IN (SELECT id FROM conversations WHERE {between_others("source_key")})
              THEN {_text(NONE_OWED)}
            WHEN r.flag IS NULL THEN 'none yet'
            ELSE r.how
                 || CASE WHEN r.how LIKE 'call%' AND r.duration_s
                         THEN ', ' || CASE WHEN r.duration_s % 60 = 30
                                           THEN r.duration_s / 60 + (r.duration_s / 60) % 2
                                           ELSE CAST(round(r.duration_s / 60.0) AS INTEGER) END || ' min'
                         ELSE '' END
                 || ' after ' || {_TOOK.format(s="r.after_s")} END"""


def _flag_columns(why: str) -> str:
    """The columns of a flag's row, `why` the expression of its "Why"."""
    return f"""x.flag AS "Flag",
       '#' || xn.n AS "Message",
       local_time(x.sent_at, x.time_precision) AS "Sent",
       x.sent_at AS "Sent (UTC)",
       l.label AS "Conversation",
       CASE WHEN x.direction = 'out' THEN 'owner' ELSE coalesce(nullif(x.display_name, ''), x.handle, '') END AS "From",
       {why} AS "Why",
       x.body AS "Text",
       {_RESPONSE} AS "Response",
       local_time(r.at, r.time_precision) AS "Responded",
       coalesce(r.at, '') AS "Responded (UTC)",
       coalesce('#' || rn.n, '') AS "Response message\""""


# Each flag with its conversation's name, its response, and the numbers of both messages.
_FLAG_ROWS = """flagged x
JOIN labels l ON l.conversation_id = x.conversation_id
JOIN numbered xn ON xn.row = x.row
LEFT JOIN responses r ON r.flag = x.flag
LEFT JOIN numbered rn ON rn.row = r.row"""

OPEN_REVIEW_FLAGS = f"""
-- The open review flags: `textfile review`, in the order of their messages.
{_FLAGGED}
SELECT {_flag_columns(_WHY)}
FROM {_FLAG_ROWS}
ORDER BY x.sent_at, x.row, x.rule
"""

UNANSWERED_ESCALATIONS = f"""
-- The open flags on messages from clients that no response reached within a time:
-- `textfile review --unanswered --within 24h`.
{_FLAGGED},
  asked AS (
    -- the time asked for, as --within takes it: 24h, 90m, 2d, 1d12h, 45s (left empty: 24h)
    SELECT coalesce(nullif(trim(:within), ''), '24h') AS given
  ),
  reading (rest, number, seconds) AS (
    -- read a character at a time: digits make a number; a unit (d, h, m or min, s) adds it, in seconds
    SELECT replace(lower(replace(given, ' ', '')), 'min', 'm'), '', 0 FROM asked
    UNION ALL
    SELECT substr(rest, 2),
           CASE WHEN substr(rest, 1, 1) GLOB '[0-9]' THEN number || substr(rest, 1, 1) ELSE '' END,
           CASE WHEN substr(rest, 1, 1) GLOB '[0-9]' THEN seconds
                WHEN number <> '' THEN seconds + number * CASE substr(rest, 1, 1)
                                                          WHEN 'd' THEN 86400 WHEN 'h' THEN 3600
                                                          WHEN 'm' THEN 60 WHEN 's' THEN 1 END END
    FROM reading WHERE rest <> '' AND seconds IS NOT NULL
  ),
  within AS (
    -- in seconds when all of it was read, each number with its unit; else NULL: not a length of time
    SELECT (SELECT seconds FROM reading WHERE rest = '' AND number = '') AS s, given FROM asked
  )
SELECT {_flag_columns(_NOT_A_TIME + " ELSE " + _WHY + " END")}
FROM within w
LEFT JOIN ({_FLAG_ROWS}) ON w.s IS NOT NULL AND x.direction = 'in'
WHERE w.s IS NULL  -- (one row saying so)
   OR (x.flag IS NOT NULL AND (r.flag IS NULL OR r.after_s > w.s))
ORDER BY x.sent_at, x.row, x.rule
"""

DELETIONS_SEEN_ON_PHONE = f"""
-- Messages a later export of the same phone no longer held: `textfile coverage`'s "no longer on the phone",
-- for the conversations filed to a matter (coverage reports on those).
WITH {NAMES}
SELECT c.id AS "#",
       l.label AS "Conversation",
       {FILED_TO} AS "Filed to",
       {NUMBER} AS "Message",
       local_time(m.sent_at, m.time_precision) AS "Sent",
       m.sent_at AS "Sent (UTC)",
       {SENDER} AS "From",
       coalesce(p.handle, '') AS "Number",
       m.body AS "Text",
       -- each export as `textfile coverage` names it: its file, its import, when it was imported
       lacking.file_name || ' (import ' || lacking.id || ', ' || local_time(lacking.started_at, NULL) || ')'
         AS "Not in export",
       seen.file_name || ' (import ' || seen.id || ', ' || local_time(seen.started_at, NULL) || ')' AS "Last held by",
       coalesce(again.file_name || ' (import ' || again.id || ', ' || local_time(again.started_at, NULL) || ')', '')
         AS "Held again by",
       CASE WHEN again.id IS NULL THEN 'deleted on the phone, or left out of that export'
            ELSE 'left out of that export: a later export holds it again' END AS "What it means",
       m.id AS "Message id"
FROM missing_from_phone a
JOIN messages m ON m.id = a.message_id
JOIN conversations c ON c.id = m.conversation_id
JOIN labels l ON l.conversation_id = c.id
JOIN imports lacking ON lacking.id = a.import_id
JOIN imports seen ON seen.id = a.last_seen_import_id
LEFT JOIN imports again ON again.id = a.seen_again_import_id
LEFT JOIN participants p ON p.id = m.sender_id
WHERE EXISTS (SELECT 1 FROM filings f WHERE f.conversation_id = c.id)
ORDER BY c.id, again.id IS NOT NULL, a.import_id, a.last_seen_import_id, a.seen_again_import_id, m.sent_at, m.rowid
"""

IMPORTS_AND_ASSUMPTIONS = """
-- Each import as `textfile import` said it: what it read, whose phone, what it added, skipped, assumed
-- and warned of (every assumption and warning its record keeps, one a line).
SELECT i.id AS "Import",
       i.file_name AS "File",
       i.format AS "Format",
       local_time(i.started_at, NULL) AS "Imported",
       i.started_at AS "Imported (UTC)",
       coalesce(i.imported_by, '') AS "By",
       coalesce(cl.name, (SELECT owner_name FROM settings)) || '''s phone' AS "Whose phone",
       i.zone AS "Zone",
       i.added AS "Added",
       i.already_present AS "Already present",
       i.updated AS "Updated",
       i.skipped AS "Skipped",
       -- each reason: how many, and the first records it names ({"reason": {"count": n, "refs": [...]}})
       coalesce((SELECT group_concat('skipped ' || printf('%,d', json_extract(s.value, '$.count')) || ': ' || s.key
                                     || coalesce(' (' || (SELECT group_concat(r.value, ', ')
                                                          FROM json_each(s.value, '$.refs') r) || ')', ''),
                                     char(10))
                 FROM json_each(i.skipped_reasons) s), '') AS "Why skipped",
       coalesce((SELECT group_concat(line, char(10))
                 FROM (SELECT 'assumed: ' || value AS line FROM json_each(i.assumptions)
                       UNION ALL SELECT 'warning: ' || value FROM json_each(i.warnings))), '') AS "Assumed and warned",
       i.path AS "Path",
       i.sha256 AS "SHA-256"
FROM imports i
LEFT JOIN import_custodians ic ON ic.import_id = i.id
LEFT JOIN clients cl ON cl.id = ic.client_id
ORDER BY i.id
"""


def _clock(*columns: str, source: bool = True) -> str:
    """What a description says of its time columns: each shown on the archive's clock, next to its instant."""
    shown, instants = " and ".join(f'"{c}"' for c in columns), " and ".join(f'"{c} (UTC)"' for c in columns)
    one = len(columns) == 1
    return (
        f"{shown} {'is' if one else 'are'} on the archive's clock (its time zone, as `textfile init --tz` set it),"
        " with the UTC offset, "
        + ("to the precision the source wrote (a WhatsApp export writes minutes)" if source else "to the second")
        + f"; {instants} {'is the same moment' if one else 'are the same moments'} in UTC."
    )


QUERIES: dict[str, dict] = {
    "unfiled_conversations": {
        "title": "Unfiled conversations",
        "description": (
            "The conversations waiting to be filed, as `textfile conversations --unfiled` lists them: those with a"
            " message no filing covers (a filing covers a message when it has no from/until, or the message was"
            " sent inside them, both ends included), and those with no message yet and no filing. A conversation"
            ' set aside as not client-related (`textfile conversation ignore`) is left out. "Not filed" counts'
            ' the messages no filing covers; "Filed to" names the matters that hold part of it. "First" and "Last"'
            " are its first and last messages' times. " + _clock("First", "Last")
        ),
        "sql": UNFILED_CONVERSATIONS,
    },
    "messages_in_no_transcript": {
        "title": "Messages in no transcript",
        "description": (
            "Each message filed to a matter (inside a filing's from/until) that no transcript of that matter shows"
            ' as it is now: the messages behind `textfile status`\'s "matters with messages in no transcript",'
            ' which the next `textfile archive` run renders. "Changed since": a transcript of the matter shows'
            " an earlier state of the message (a later import changed it). A transcript of the client, not of"
            " the matter, does not count, nor does one recorded as deleted on purpose (`textfile verify"
            " --deleted`). This list cannot look at the PDF files: a transcript whose file is gone still counts"
            " here, while `textfile status` counts it no more and says it is missing (`textfile verify` checks"
            ' every file). Messages filed to no matter are in "Unfiled conversations". ' + _clock("Sent")
        ),
        "sql": MESSAGES_IN_NO_TRANSCRIPT,
    },
    "matter_timeline": {
        "title": "A matter's timeline",
        "description": (
            "Every message a matter's transcript shows, in one list by time (the transcript itself gives each"
            " conversation in turn): each conversation filed to the matter, inside each filing's from/until."
            " Give the matter's reference (upper or lower case alike); a matter disposed of has none left."
            ' "Message" is the number the transcript and `textfile conversation show` give it (2.15:'
            ' conversation 2\'s 15th message); "From" is its sender\'s name, "Number" their phone number or'
            " address (a WhatsApp export gives a name instead). " + _clock("Sent")
        ),
        "sql": MATTER_TIMELINE,
        "params": ["matter"],
    },
    "open_review_flags": {
        "title": "Open review flags",
        "description": (
            "The review flags no one has decided yet, in the order of their messages, as `textfile review` lists"
            " them, with the first response to each message from a client: a text sent in that conversation"
            " after it, or a call with the sender's number that the owner made or took (a missed, rejected or"
            " voicemail call is no response). As of the last review: `textfile review`, an import and the weekly"
            " run look for new flags first, which this list cannot do. Whether a message or its response came"
            " outside working hours is not shown (the command works it out with the time zone's rules). "
            + _clock("Sent", "Responded")
        ),
        "sql": OPEN_REVIEW_FLAGS,
    },
    "unanswered_escalations": {
        "title": "Unanswered escalations",
        "description": (
            "The open flags on messages from clients that no response reached within a time, as `textfile review"
            " --unanswered --within 24h` lists them: no response yet, or one that came later. Give the time as"
            " the command takes it: 24h, 90m, 2d, 1d12h (empty: 24h). A response is a text sent in that"
            " conversation after the message, or a call with the sender's number that the owner made or took."
            " As of the last review (`textfile review` looks for new flags first). " + _clock("Sent", "Responded")
        ),
        "sql": UNANSWERED_ESCALATIONS,
        "params": ["within"],
    },
    "deletions_seen_on_phone": {
        "title": "Deletions seen on the phone",
        "description": (
            "Messages an earlier export of a phone held that a later export of the same phone lacks, although"
            " their time is inside the stretch that later export covers for the conversation: deleted on the"
            ' phone, or left out of that export ("left out" when a later export holds them again). The'
            " messages `textfile coverage` reports as no longer on the phone, for the conversations filed to a"
            " matter, one message a row. Each export is named by its file, its import and when that import"
            " started, on the archive's clock with the UTC offset, to the second. " + _clock("Sent")
        ),
        "sql": DELETIONS_SEEN_ON_PHONE,
    },
    "imports_and_assumptions": {
        "title": "Imports and their assumptions",
        "description": (
            "Every import, oldest first: the file, its format, when and by whom it was imported, whose phone it"
            " read, the time zone it was read in, how many messages it added, found already archived, updated"
            " or skipped and why, and every assumption and warning it recorded, one a line (`textfile import`"
            " prints the first ten warnings). " + _clock("Imported", source=False)
        ),
        "sql": IMPORTS_AND_ASSUMPTIONS,
    },
}
