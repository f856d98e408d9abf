"""Folds: an edit or a deletion between two exports, where a format's identity holds the text.

Where a format's identity holds the text (WhatsApp), an edit or a deletion between two exports
arrives as a new identity: at the end of the import it is folded into the archived message
(`fold`), and its identity recorded as an alias that later imports find; its earlier texts
stay in the order the exports prove, whatever order they were imported in (`place`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, NamedTuple

from textfile import audit, times
from textfile.ingest.writer.attachments import _filled_in
from textfile.ingest.writer.copies import _NO_TIME, MINUTE, _same_time
from textfile.ingest.writer.corrections import _retimed_flags
from textfile.ingest.writer.versions import STATE, _earlier
from textfile.sqlparams import chunks, marks

if TYPE_CHECKING:
    from textfile.ingest.writer.batch import _Pending


class Candidate(NamedTuple):
    """A message that may be one of two forms of one message (`pair`)."""

    id: str
    sender_id: int | None
    direction: str
    kind: str
    flags: str  # canonical JSON


class Added(NamedTuple):
    """A message this import added, looked for at an earlier reading of its time (`find_pairs_at_earlier_readings`)."""

    candidate: Candidate
    conversation_id: int
    sent_at: str
    zone: str | None


def _candidate(p: _Pending) -> Candidate:
    return Candidate(p.id, p.sender_id, p.record.direction, p.record.kind, p.flags)


def _form(flags_json: str) -> int:
    """Which form of a message its flags say it is: 2 deleted, 1 edited, 0 neither (`_Writer.fold`)."""
    return 2 if '"deleted"' in flags_json else 1 if '"edited"' in flags_json else 0


class Folds:
    def init_folds(self) -> None:
        self.pairs: list[tuple[str, str]] = []  # (added message, archived message): maybe two forms of one (`fold`)
        # those of them at another clock: a zone or a precision of the same instant (`pair_at_other_clock`)
        self.at_other_clock: set[tuple[str, str]] = set()
        # in an import that may correct a reading: what was added, to look for at earlier readings
        self.added_here: list[Added] = []

    def find_pairs(self, added: list[_Pending]) -> None:
        """For the messages a batch added to a conversation that was archived before: the archived
        messages of the same sender at the same instant, where one of the two is flagged edited or
        deleted (and not both deleted). `fold` decides at the end of the import, when it is known
        which archived messages this export does not hold."""
        at_time: dict[tuple[int, str], list[_Pending]] = {}
        for p in added:
            if p.conversation_id not in self.created and p.record.direction != "system" and p.record.kind == "message":
                at_time.setdefault((p.conversation_id, p.sent_at), []).append(p)
                if self.source.corrects_tz or self.source.corrects_reading:
                    self.added_here.append(Added(_candidate(p), p.conversation_id, p.sent_at, p.record.source_zone))
        by_conversation: dict[int, list[str]] = {}
        for conv_id, sent_at in at_time:
            by_conversation.setdefault(conv_id, []).append(sent_at)
        for conv_id, instants in by_conversation.items():
            for chunk in chunks(instants):
                for o in self.conn.execute(
                    "SELECT id, sender_id, direction, kind, flags, sent_at, source_zone, (SELECT c.client_id FROM"
                    " import_custodians c WHERE c.import_id = messages.import_id) IS ? FROM messages"
                    f" WHERE conversation_id = ? AND sent_at IN ({marks(chunk)}) AND import_id <> ?",
                    [self.source.custodian_client, conv_id, *chunk, self.result.import_id],
                ):
                    for p in at_time[(conv_id, o["sent_at"])]:
                        # (the same time as written: the same instant read in the same zone; or, where this phone's
                        # earlier export was read at another clock, the same instant it gave: `clock_twins`, round 22 #2)
                        if p.record.source_zone == o["source_zone"]:
                            self.pair(_candidate(p), Candidate(*o[:5]))
                        elif o[7] and self.at_other_clocks(p):
                            self.pair_at_other_clock(p, Candidate(*o[:5]))
        self.find_pairs_at_other_precisions([p for ps in at_time.values() for p in ps])

    def find_pairs_at_other_precisions(self, added: list[_Pending]) -> None:
        """The same as `find_pairs`, where this phone's earlier export wrote the chat's times at another precision
        (Android's minutes, an iPhone's seconds: the chat moved from one to the other): an archived message of this
        phone whose time's span holds the added one's (10:05 holds 10:05:33), read at another clock (`at_other_clocks`).
        Such a pair is folded at the archived message's time, the precision it was first archived at (`fold`;
        second reader, round 22 #2b)."""
        for p in added:
            if not self.at_other_clocks(p):
                continue
            at = times.from_iso(p.sent_at)
            spans = MINUTE if p.record.time_precision == "minute" else _NO_TIME
            for o in self.conn.execute(
                "SELECT m.id, m.sender_id, m.direction, m.kind, m.flags, m.sent_at, m.time_precision FROM messages m"
                " LEFT JOIN import_custodians c ON c.import_id = m.import_id WHERE m.conversation_id = ? AND m.sent_at"
                " BETWEEN ? AND ? AND m.sent_at <> ? AND m.import_id <> ? AND c.client_id IS ? AND m.time_precision IS NOT ?",
                (
                    p.conversation_id,
                    times.to_iso(at - MINUTE),
                    times.to_iso(at + MINUTE),
                    p.sent_at,
                    self.result.import_id,
                    self.source.custodian_client,
                    p.record.time_precision,
                ),
            ).fetchall():
                there = MINUTE if o["time_precision"] == "minute" else _NO_TIME
                if _same_time(times.from_iso(o["sent_at"]), there, at, spans):
                    self.pair_at_other_clock(p, Candidate(*o[:5]))

    def pair_at_other_clock(self, p: _Pending, o: Candidate) -> None:
        """`pair`, for an archived message of this phone read at another clock (another zone, or precision): folded at
        the message's reading, as first archived (`fold`; round 23 #3: folded at the later reading, the message's zone
        was rewritten, and the cover told of a zone correction no one made)."""
        before = len(self.pairs)
        self.pair(_candidate(p), o)
        if len(self.pairs) > before:
            self.at_other_clock.add((p.id, o.id))

    def find_pairs_at_earlier_readings(self) -> None:
        """An import that corrects an earlier reading (its zone, its date order: `changed`) moves only
        the messages it holds: an archived message it does not hold, the one an edit replaced, is
        still at its earlier reading. The time as written of what this import added is looked for there too."""
        for zone_name, swapped in self.earlier_readings:
            earlier = times.zone(zone_name)
            for n, conv_id, sent_at, zone in self.added_here:
                if zone == earlier.key and not swapped:
                    continue  # (the same reading: `find_pairs` looked)
                wall = times.from_iso(sent_at).astimezone(times.zone(zone)).replace(tzinfo=None)
                if swapped:
                    if wall.day > 12:
                        continue
                    wall = wall.replace(month=wall.day, day=wall.month)
                for o in self.conn.execute(
                    "SELECT id, sender_id, direction, kind, flags FROM messages WHERE conversation_id = ? AND sent_at = ?"
                    " AND source_zone = ? AND import_id <> ?",
                    (conv_id, times.to_iso(times.localize(wall, earlier)[0]), earlier.key, self.result.import_id),
                ):
                    self.pair(n, Candidate(*o))

    def pair(self, n: Candidate, o: Candidate) -> None:
        """An added message and an archived one at the same time as written: a pair for `fold` when they
        have the same sender, one is edited or deleted, and not both deleted."""
        forms = _form(n.flags), _form(o.flags)
        if (
            (n.sender_id, n.direction, n.kind) == (o.sender_id, o.direction, o.kind)
            and max(forms) > 0
            and forms != (2, 2)
        ):
            self.pairs.append((n.id, o.id))

    def fold(self) -> None:
        """An edit or a deletion seen between two exports of a WhatsApp chat: one message, not two.

        WhatsApp writes an edited message with its new text and "<This message was edited>", and a
        deleted one as "This message was deleted", at the time it was first sent; its identity (which
        holds the text) is therefore new. A message this import added and an archived one are two
        forms of one message when: same conversation, same sender and direction, the same time as
        written (the same instant read in the same zone; in an import that corrects the zone, also
        the same wall clock at the earlier reading), one of them flagged edited or deleted (not both
        deleted), and this export does not hold the archived one. An export holds every message
        of its chat up to when it was made, and the flagged one shows it covers that minute, so the
        archived message is missing from it because it is the one that changed.
        Only a one-to-one pair is folded; where several messages of that sender at that time could
        pair, which is which cannot be told: nothing is folded and a warning names them all.
        The later form is the message's text (deleted after edited after neither; of two edited
        forms, the one from the export whose chat runs later); the earlier form becomes a version,
        in the order the exports prove (`place`: an unedited text the first one). The archived message keeps its id; the added one becomes
        an alias of it (`message_aliases`), so that importing that export again adds nothing.
        """
        c = self.conn
        import_id = self.result.import_id
        absent: dict[str, bool] = {}
        graph: dict[tuple[str, str], list] = {}  # ("new" | "old", id) -> the other side's nodes it may pair with
        for n, o in self.pairs:
            if o not in absent:
                absent[o] = not c.execute(
                    "SELECT 1 FROM message_sources WHERE message_id = ? AND import_id = ?", (o, import_id)
                ).fetchone()
            if absent[o]:
                graph.setdefault(("new", n), []).append(("old", o))
                graph.setdefault(("old", o), []).append(("new", n))
        seen: set = set()
        for node in graph:
            if node in seen:
                continue
            group, todo = [], [node]
            while todo:
                item = todo.pop()
                if item not in seen:
                    seen.add(item)
                    group.append(item)
                    todo.extend(graph[item])
            new = [mid for side, mid in group if side == "new"]
            old = [mid for side, mid in group if side == "old"]
            if len(new) == len(old) == 1:
                if (new[0], old[0]) in self.at_other_clock:  # (at the reading first archived: one instant)
                    self.read_as(new[0], old[0])
                self.fold_pair(new[0], old[0])
                continue
            refs = sorted(self.reference(mid, import_id) for mid in new)
            self.note(
                f"{', '.join(refs)}: the same sender at the same time as archived {', '.join(sorted(self.reference(mid) for mid in old))},"
                " edited or deleted between the exports, and which message is which cannot be told: none was taken as another"
                " form of another; each is kept as a message of its own"
            )
            self.changes["not_folded"] = self.changes.get("not_folded", 0) + len(new)

    def read_as(self, n: str, o: str) -> None:
        """Message `n` (added by this import) at the reading of archived message `o`, the same instant at another
        clock (`pair_at_other_clock`): its time, zone, precision and what that reading said of the time (TIME_FLAGS),
        before it is folded into `o`."""
        (flags,) = self.conn.execute("SELECT flags FROM messages WHERE id = ?", (n,)).fetchone()
        sent_at, zone, precision, reading = self.conn.execute(
            "SELECT sent_at, source_zone, time_precision, flags FROM messages WHERE id = ?", (o,)
        ).fetchone()
        self.conn.execute(
            "UPDATE messages SET sent_at = ?, source_zone = ?, time_precision = ?, flags = ? WHERE id = ?",
            (sent_at, zone, precision, _retimed_flags(flags, json.loads(reading)), n),
        )

    def fold_pair(self, n: str, o: str) -> None:
        """Message `n` (added by this import) into archived message `o`, of which it is another form (`fold`)."""
        c = self.conn
        import_id = self.result.import_id
        new = c.execute("SELECT * FROM messages WHERE id = ?", (n,)).fetchone()
        old = c.execute("SELECT * FROM messages WHERE id = ?", (o,)).fetchone()
        where, earlier = self.reference(n, import_id), self.reference(o)
        new_attachments, old_attachments = self.attachments_of(n), self.attachments_of(o)
        if old["sent_at"] != new["sent_at"]:  # still at a reading this import corrects (find_pairs_at_earlier_readings)
            self.count_reread(old["sent_at"], old["source_zone"], new["sent_at"], new["source_zone"])
        if self.later(new, old):
            rule = "deleted" if _form(new["flags"]) == 2 else "edited"
            self.restate(
                old, {k: new[k] for k in STATE}, _filled_in(new_attachments, old_attachments, add=True), "export"
            )
            self.note(
                f"{where}: {rule} since {earlier}: kept as a new version of that message, not as a second message"
            )
        else:
            rule = "earlier"
            # A corrected time, or attachment bytes only the earlier form brought: the state they
            # replace is kept as a version too (a transcript made before shows it).
            retimed = (
                {
                    "sent_at": new["sent_at"],
                    "source_zone": new["source_zone"],
                    "flags": _retimed_flags(old["flags"], json.loads(new["flags"])),
                }
                if old["sent_at"] != new["sent_at"]
                else {}
            )
            attachments = _filled_in(old_attachments, new_attachments, add=True)
            if retimed or attachments != old_attachments:
                self.restate(old, retimed, attachments, "reimport")
            number = self.place(o, old["conversation_id"], _form(new["flags"]))
            self.keep_version(o, number, new, "export", new["sent_at"], _earlier(self.state_of(n), self.state_of(o)))
            c.execute("UPDATE messages SET version = version + 1 WHERE id = ?", (o,))
            self.note(
                f"{where}: the text before the message archived from {earlier} was {'deleted' if _form(old['flags']) == 2 else 'edited'}:"
                " kept as its earlier version, not as a second message"
            )
        # n's sightings become o's: its first (its own row's, m031) a row of o's later sightings, then the others
        first = [
            tuple(r)
            for r in c.execute(
                "SELECT ?, import_id, source_ref FROM messages WHERE id = ? AND source_ref IS NOT NULL", (o, n)
            )
        ]
        c.executemany("INSERT INTO message_sightings (message_id, import_id, source_ref) VALUES (?, ?, ?)", first)
        audit.count_new_sightings(c, first)  # (a new sighting is counted by its writer: textfile/audit/custody.py)
        c.execute("UPDATE message_sightings SET message_id = ? WHERE message_id = ?", (o, n))
        c.execute("DELETE FROM message_attachments WHERE message_id = ?", (n,))
        c.execute("DELETE FROM message_versions WHERE message_id = ?", (n,))
        c.execute("DELETE FROM messages WHERE id = ?", (n,))
        c.execute(
            "INSERT INTO message_aliases (alias_id, message_id, import_id, rule) VALUES (?, ?, ?, ?)",
            (n, o, import_id, rule),
        )
        self.result.added -= 1
        self.result.updated += 1
        self.changes.setdefault("folded", []).append({"message": o, "alias": n, "rule": rule, "source_ref": where})

    def place(self, mid: str, conv_id: int, form: int) -> int:
        """The version number that an earlier form of message `mid` (`fold`), from this import's export, takes
        among its versions, which stay in the order the exports prove whatever order they were imported in:
        the text before any edit first; an edited text after every version from an export that ends no later
        than this one (`later`). A version that is another reading of the state after it (origin "reimport")
        goes with that state. The versions from that number on move up one."""
        c = self.conn
        number = 1
        if form > 0:
            mine = self.export_end(conv_id, [self.result.import_id])
            for v in c.execute(
                "SELECT v.version, v.origin, v.import_id, a.rule FROM message_versions v LEFT JOIN message_aliases a"
                " ON a.message_id = v.message_id AND a.import_id = v.import_id WHERE v.message_id = ? ORDER BY v.version",
                (mid,),
            ).fetchall():
                shown = self.shown_by(mid, v) if v["origin"] == "export" else None
                if shown is not None and self.export_end(conv_id, [shown]) <= mine:
                    number = v["version"] + 1
        c.execute(
            "UPDATE message_versions SET version = -version - 1 WHERE message_id = ? AND version >= ?", (mid, number)
        )
        c.execute("UPDATE message_versions SET version = -version WHERE message_id = ? AND version < 0", (mid,))
        return number

    def shown_by(self, mid: str, v) -> int | None:
        """An import whose export showed the text of version `v` (origin "export") of message `mid`: the
        import that kept it as an earlier form (alias rule "earlier"); else, for the state a later form
        replaced (rule "edited" or "deleted"), the import that had made it the message's text."""
        if v["rule"] == "earlier":
            return v["import_id"]
        if v["rule"] is None:
            return None
        made = self.conn.execute(
            "SELECT max(import_id) FROM message_aliases WHERE message_id = ? AND rule IN ('edited', 'deleted')"
            " AND import_id < ?",
            (mid, v["import_id"]),
        ).fetchone()[0]
        return (
            made
            if made is not None
            else self.conn.execute("SELECT import_id FROM messages WHERE id = ?", (mid,)).fetchone()[0]
        )

    def later(self, new, old) -> bool:
        """Is `new` (added by this import) a later form than `old`? See `fold`."""
        forms = _form(new["flags"]), _form(old["flags"])
        if forms[0] != forms[1]:
            return forms[0] > forms[1]
        conv_id = old["conversation_id"]
        theirs = [
            r[0]
            for r in self.conn.execute(
                "SELECT DISTINCT import_id FROM message_sources WHERE message_id = ?", (old["id"],)
            )
        ]
        mine, earlier = self.export_end(conv_id, [self.result.import_id]), self.export_end(conv_id, theirs)
        if mine == earlier:
            self.note(
                f"{self.reference(new['id'], self.result.import_id)}: this export and the earlier one end at the same time;"
                " its edited text was taken as the later one because it was imported later",
                kind="assumption",
            )
        return mine >= earlier

    def export_end(self, conv_id: int, import_ids: list[int]) -> str:
        """The time of the last message of a conversation that any of these imports held."""
        return self.conn.execute(
            "SELECT m.sent_at FROM messages m WHERE m.conversation_id = ? AND EXISTS (SELECT 1 FROM message_sources s"
            f" WHERE s.message_id = m.id AND s.import_id IN ({','.join('?' * len(import_ids))})) ORDER BY m.sent_at DESC LIMIT 1",
            [conv_id, *import_ids],
        ).fetchone()[0]

    def reference(self, mid: str, import_id: int | None = None) -> str:
        """Where a message is in a source: "line 12" in this import's, else "line 12 of <file> (import 3)", the latest that held it."""
        if import_id is not None:
            return self.conn.execute(
                "SELECT min(source_ref) FROM message_sources WHERE message_id = ? AND import_id = ?", (mid, import_id)
            ).fetchone()[0]
        ref, name, first = self.conn.execute(
            "SELECT s.source_ref, i.file_name, i.id FROM message_sources s JOIN imports i ON i.id = s.import_id WHERE s.message_id = ?"
            " ORDER BY s.import_id DESC, s.source_ref LIMIT 1",
            (mid,),
        ).fetchone()
        return f"{ref} of {name} (import {first})"
