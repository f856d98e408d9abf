"""Typed results: what a core function returns for a command to print, and its JSON form.

A result is a dataclass (slots) that the CLI reads by attribute. Its JSON form, what `--json`
prints, is made here alone (`Result.to_json`): its fields in the order they are declared, each
under its own name or the one its field says (`json_name("from")`: a Python keyword), a field
marked `omit_empty` left out while it is empty (a key the JSON has only when there is something
to say), a field marked `json_name(None)` never in it; then the properties the class names in
`JSON_PROPERTIES` (an exit code said beside the data); nested results, lists and dicts in turn.

A result also reads as the dict it was before results were typed (issue 16): by key, as its
JSON names it (`result["matter"]`), and equal to its JSON form (`result == {"matter": …}`), for
callers outside the CLI that knew it as one. Code that prints a result reads its attributes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import Field, field, fields
from typing import Any, ClassVar

_OMIT_EMPTY = "omit_empty"
_JSON_NAME = "json_name"


def json_name(name: str | None, **options) -> Any:
    """A field whose JSON key is `name` (None: a field the JSON form leaves out)."""
    metadata = {_JSON_NAME: name} | ({_OMIT_EMPTY: True} if options.pop("omit_empty", False) else {})
    return field(metadata=metadata, **options)


def omit_empty(**options) -> Any:
    """A field the JSON form has only when it holds something (not None, not an empty list)."""
    return field(metadata={_OMIT_EMPTY: True}, **options)


def json_form(value):
    """A value as JSON holds it: results by their `to_json`, lists and dicts item by item, the rest as it is
    (another area's record with an `as_dict`, such as ingest's ImportResult, by that)."""
    if isinstance(value, Result):
        return value.to_json()
    if isinstance(value, (list, tuple)):
        return [json_form(v) for v in value]
    if isinstance(value, dict):
        return {k: json_form(v) for k, v in value.items()}
    if hasattr(value, "as_dict"):
        return json_form(value.as_dict())
    return value


class Result(Mapping):
    """The base of every typed result (declare it `@dataclass(slots=True, eq=False)`: equality is its JSON form's)."""

    __slots__ = ()
    JSON_PROPERTIES: ClassVar[tuple[str, ...]] = ()

    def to_json(self) -> dict:
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            name = _key(f)
            if name is None or (f.metadata.get(_OMIT_EMPTY) and (value is None or value == [])):
                continue
            out[name] = json_form(value)
        for name in self.JSON_PROPERTIES:
            out[name] = json_form(getattr(self, name))
        return out

    @classmethod
    def extending(cls, base: Result, **more):
        """This result made of `base` (a result of a class this one extends) and the fields it adds."""
        return cls(**{f.name: getattr(base, f.name) for f in fields(base)}, **more)

    # -- read as the dict it was (see the module's docstring) --

    def __getitem__(self, key: str):
        return self.to_json()[key]

    def __iter__(self):
        return iter(self.to_json())

    def __len__(self) -> int:
        return len(self.to_json())

    def __bool__(self) -> bool:
        # Always true, as its JSON form always holds a key: `if found.ignored` need not build that form
        # (without this, truth is Mapping's, `len`, which makes it).
        return True

    def __eq__(self, other) -> bool:
        if isinstance(other, Result):
            return self.to_json() == other.to_json()
        if isinstance(other, Mapping):
            return self.to_json() == dict(other)
        return NotImplemented

    __hash__ = None  # (like the dict it reads as)


def _key(f: Field) -> str | None:
    return f.metadata.get(_JSON_NAME, f.name)
