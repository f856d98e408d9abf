"""A law firm's phone, generated: the archive the review benchmark (benchmarks/review.py) reads.

Decided, for a review to have what a real one has to do:
- 300 clients, each with a handle and one open matter (so each import files their threads:
  `auto_file`), 100 threads with people who are not clients (never filed), and 10 group threads
  (a client and a spouse); one client is a minor, seen alone (flagged) and with a guardian (not).
- Consent: 80% of clients gave it before the first text, 10% half-way (their earlier outgoing texts
  lack it), 10% never; 5 revoked it later.
- Traffic is uneven (a few busy clients: Zipf-like weights, shuffled so that consent and traffic are
  unrelated), 55% inbound, 3% calls; the days run in order over three years, 75% of texts inside
  Mon-Fri 09:00-18:00 New York time, the rest mornings, evenings and weekends (after hours).
- Bodies are 2-25 words of ordinary chat (with "yes", "start" and "end", which the opt-keyword
  query finds and then compares whole); 4% hold a lexicon term (hearing, deadline, court, settlement,
  arrested, suicide…: the common ones more often); 0.5% of inbound texts are a whole keyword ("Yes"
  mostly, STOP, START…); 0.1% were edited (their first text kept as a version, searched too).
- Message i is the same in every build (one random stream per export, seeded by its first index), and
  `export(first, count)` past the archive's end continues it later in time: the benchmark's new
  messages.
"""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

VERSION = 1  # of what this generates: a cached archive of another version is built again
OWNER = dict(
    owner_name="Alex Owner",
    phones=["+12025550100"],
    emails=[],
    tz="America/New_York",
    region="US",
    bates_prefix="FIRM",
)
NEW_YORK = ZoneInfo("America/New_York")
FIRST_DAY = datetime(2021, 1, 4)  # a Monday
DAYS = 3 * 365
CLIENTS, OTHERS, GROUPS = 300, 100, 10
MINOR, GUARDIAN = 5, "+12025559005"  # client 5, and the parent's phone
HOURS = "Mon-Fri 09:00-18:00"
WORDS = (
    "ok thanks yes no maybe sure sounds good great see you tomorrow today tonight morning afternoon "
    "call me back when can we talk about the lease documents papers signed copy email sent received "
    "please check let know if any questions I will be there at on for with from to and or but so "
    "meeting office address parking downstairs lobby minutes running late sorry traffic start end "
    "week month next last Monday Tuesday Wednesday Thursday Friday form forms sign here scan photo "
    "picture attached upload portal link password reset invoice paid payment receipt balance "
    "landlord tenant employer boss insurance claim adjuster doctor visit records bills letter mail "
    "notary witness statement timeline notes draft review changes final version update news"
).split()
# (term, weight): the terms a firm's texts say often weigh 5, the rare and grave ones 0.2
LEXICON_WEIGHTS = {
    **dict.fromkeys(
        "hearing deadline court trial filing motion judge settlement offer settle retainer police arrested"
        " bail custody emergency".split(),
        5,
    ),
    **dict.fromkeys(["suicide", "kill myself", "overdose", "hurt myself", "want to die", "988"], 0.2),
}
# Whole-message keywords (consent.OPT_OUT, OPT_IN), 0.5% of inbound texts: "Yes" is a common whole
# reply (and, to the carriers, an opt-in), STOP rarer
KEYWORDS = (("Yes", 80), ("STOP", 8), ("Stop", 2), ("START", 4), ("UNSUBSCRIBE", 2), ("cancel", 2), ("END", 2))


def client_handle(c: int) -> str:
    return f"+1202555{2000 + c:04d}"


class Firm:
    """The firm's archive of `total` messages: its people, and its messages export by export."""

    def __init__(self, total: int):
        from textfile.model import Conversation, Participant

        self.total, self.keywords = total, True
        self.me = Participant(OWNER["phones"][0], OWNER["owner_name"], is_owner=True)
        people = [Participant(client_handle(c), f"Client {c}") for c in range(CLIENTS)]
        people += [Participant(f"+1202555{6000 + o:04d}", f"Contact {o}") for o in range(OTHERS)]
        self.conversations = [Conversation("android", p.handle, None, False, (p, self.me)) for p in people]
        for g in range(GROUPS):  # a client and a spouse; the minor's parent in the first
            spouse = Participant(GUARDIAN if g == 0 else f"+1202555{8000 + g:04d}", f"Family {g}")
            client = people[MINOR if g == 0 else g * 7]
            key = f"group {client.handle} {spouse.handle}"
            self.conversations.append(Conversation("android", key, None, True, (client, spouse, self.me)))
        weights = [1 / (k + 1) ** 0.8 for k in range(len(self.conversations))]
        random.Random(7).shuffle(weights)
        self.cum_weights = [sum(weights[: k + 1]) for k in range(len(weights))]
        terms, w = zip(*self.lexicon_weights.items())
        self.terms, self.term_weights = list(terms), list(w)

    @cached_property
    def lexicon_weights(self) -> dict[str, float]:
        from textfile.review.lexicons import shipped

        every = [t for c in shipped("en").values() for t in c.terms]
        return {t: LEXICON_WEIGHTS.get(t, 1.0) for t in every}

    def export(self, first: int, count: int, keywords: bool = True):
        """Messages first..first+count-1 (one export of the phone); without `keywords`, no text is a
        whole opt keyword (STOP, Yes…)."""
        rng = random.Random(first)
        self.keywords = keywords
        convs = rng.choices(range(len(self.conversations)), cum_weights=self.cum_weights, k=count)
        for i, c in zip(range(first, first + count), convs, strict=True):
            yield self.message(rng, i, self.conversations[c])

    def message(self, rng: random.Random, i: int, conv):
        from textfile.model import Message, Version

        sent = self.sent_at(rng, i)
        inbound = rng.random() < 0.55
        sender = (
            (conv.participants[1] if conv.is_group and rng.random() < 0.4 else conv.participants[0])
            if inbound
            else self.me
        )
        direction = "in" if inbound else "out"
        if rng.random() < 0.03:
            return Message(
                conv,
                ("call", i),
                sent,
                direction,
                sender,
                "",
                "UTC",
                "Phone",
                kind="call",
                status=("missed" if rng.random() < 0.2 else "incoming") if inbound else "outgoing",
                duration_s=rng.randint(0, 1800),
                source_ref=f"call {i}",
            )
        body, versions, flags = self.body(rng, inbound), (), frozenset()
        if rng.random() < 0.001:
            versions, flags = (Version(self.body(rng, inbound), sent),), frozenset({"edited"})
        return Message(
            conv,
            (conv.source_key, i),
            sent,
            direction,
            sender,
            body,
            "UTC",
            "SMS",
            status="received" if inbound else "sent",
            flags=flags,
            versions=versions,
            source_ref=f"sms {i}",
        )

    def body(self, rng: random.Random, inbound: bool) -> str:
        if inbound and rng.random() < 0.005 and self.keywords:
            return rng.choices([k for k, _ in KEYWORDS], [w for _, w in KEYWORDS])[0]
        words = rng.choices(WORDS, k=rng.randint(2, 25))
        if rng.random() < 0.04:
            words.insert(rng.randrange(len(words) + 1), rng.choices(self.terms, self.term_weights)[0])
        text = " ".join(words)
        return text[0].upper() + text[1:] + rng.choice((".", "", "?", "!", " 👍"))

    def sent_at(self, rng: random.Random, i: int) -> datetime:
        """The i-th message's day (in order: i past the total continues later), at a time of day that
        is mostly within the firm's hours, as New York's clock shows it."""
        day = FIRST_DAY + timedelta(days=i * DAYS // self.total)
        if day.weekday() >= 5 and rng.random() < 0.75:  # fewer texts at weekends
            day -= timedelta(days=day.weekday() - 4)
        if day.weekday() < 5 and rng.random() < 0.75:
            minute = rng.randrange(9 * 60, 18 * 60)
        else:
            minute = rng.choice((rng.randrange(7 * 60, 9 * 60), rng.randrange(18 * 60, 23 * 60)))
        local = day.replace(hour=minute // 60, minute=minute % 60, second=rng.randrange(60), tzinfo=NEW_YORK)
        return local.astimezone(UTC)


def set_up_clients(conn, tz) -> None:
    """The clients, their handles, matters and consents, and the minor (before the first import, so
    each import files their threads)."""
    from textfile import filing
    from textfile.review import consent

    for c in range(CLIENTS):
        name = f"Client {c}"
        filing.add_client(conn, name, [client_handle(c)], [], OWNER["region"])
        filing.open_matter(conn, f"M-{c:03d}", name, f"Matter of client {c}")
        if c % 10 < 8:
            consent.give_consent(conn, name, "2021-01-01", "written", "scheduling only", None, tz)
        elif c % 10 == 8:
            consent.give_consent(conn, name, "2022-07-01", "text", None, None, tz)
        if c % 60 == 1:
            consent.revoke_consent(conn, name, "2023-03-01", tz)
    consent.mark_minor(conn, f"Client {MINOR}", True, [GUARDIAN], OWNER["region"])


def source(name: str):
    from textfile.ingest import Source

    return Source(
        f"/bench/{name}",
        name,
        1,
        hashlib.sha256(name.encode()).hexdigest(),
        "android",
        "bench",
        OWNER["tz"],
        OWNER["region"],
    )
