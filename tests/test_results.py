"""Typed results (textfile.results): a result is true without its JSON form being built, which holds
only because every result's JSON form has a key whatever its values."""

import importlib
import pkgutil
from dataclasses import fields

import textfile
from textfile.results import Result, _key


def _all(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all(sub)


def test_a_result_is_true_without_its_json_form_being_made(monkeypatch):
    for module in pkgutil.walk_packages(textfile.__path__, "textfile."):
        importlib.import_module(module.name)
    results = set(_all(Result))
    assert len(results) > 40
    for cls in results:  # a key its JSON form always has: `bool` may say True without making it
        assert cls.JSON_PROPERTIES or any(
            _key(f) is not None and not f.metadata.get("omit_empty") for f in fields(cls)
        ), cls
    from textfile.ignore import IgnoreMark

    monkeypatch.setattr(Result, "to_json", lambda self: 1 / 0)
    assert IgnoreMark("2026-03-02T10:00:00Z", None, "alex")
