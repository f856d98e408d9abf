"""Message has a hand-written __init__ (one step instead of the frozen dataclass's one
object.__setattr__ per field): it must take exactly the fields, with their defaults, and give the
same frozen, comparable object a generated one would."""

from __future__ import annotations

import dataclasses
import inspect
from datetime import UTC, datetime

import pytest

from textfile.model import Conversation, Message, Participant


def test_init_takes_exactly_the_fields_with_their_defaults():
    params = list(inspect.signature(Message.__init__).parameters.values())[1:]
    fields = dataclasses.fields(Message)
    assert [p.name for p in params] == [f.name for f in fields]
    for p, f in zip(params, fields):
        if f.default is not dataclasses.MISSING:
            assert p.default == f.default, f.name
        elif f.default_factory is not dataclasses.MISSING:
            assert p.default == f.default_factory(), f.name
        else:
            assert p.default is inspect.Parameter.empty, f.name


def test_a_message_is_frozen_comparable_and_replaceable():
    conv = Conversation("android", "+12025550143")
    at = datetime(2024, 3, 1, tzinfo=UTC)
    m = Message(conv, ("x", 1), at, "in", sender=Participant("+12025550143"), body="hi", flags=frozenset({"edited"}))
    assert m == Message(conv, ("x", 1), at, "in", Participant("+12025550143"), "hi", flags=frozenset({"edited"}))
    assert hash(m) == hash(dataclasses.replace(m))
    assert dataclasses.replace(m, body="bye").body == "bye" and m.body == "hi"
    assert m.kind == "message" and m.attachments == () and m.source_ref == ""
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.body = "changed"
    with pytest.raises(TypeError):
        Message(conv, ("x", 1), at, "in", colour="red")
