"""The importer interface is written down once (`textfile.importers.Importer`): every registered importer
declares every attribute ingest, the folder walk and the weekly run read of it (issue 16: they were probed
with getattr and a default, so an importer that forgot one was silently treated as "no")."""

import types

import pytest

from textfile.importers import REGISTRY, conforms, importers


def test_every_registered_importer_declares_the_whole_interface():
    found = importers()
    assert sorted(found) == sorted(REGISTRY)
    assert {name: conforms(module) for name, module in found.items()} == {name: [] for name in REGISTRY}


def test_an_importer_that_lacks_a_flag_or_declares_another_type_is_named():
    android = importers()["android"]
    fake = types.ModuleType("fake")
    fake.__dict__.update({k: v for k, v in vars(android).items() if k != "WALL_CLOCK"})
    assert conforms(fake) == ["WALL_CLOCK"]
    fake.WALL_CLOCK = "no"
    assert conforms(fake) == ["WALL_CLOCK (not <class 'bool'>)"]
    fake.WALL_CLOCK, fake.COPIES_DIFFER = False, {"SMS"}  # (a set, not a frozenset)
    assert conforms(fake) == ["COPIES_DIFFER (not bool | frozenset[str])"]
    del fake.foreign_entries
    fake.COPIES_DIFFER = frozenset({"SMS"})
    assert conforms(fake) == ["foreign_entries"]


def test_the_registry_refuses_a_module_that_is_not_an_importer(monkeypatch):
    import textfile.importers as registry

    monkeypatch.setattr(registry, "REGISTRY", ("android", "typedstream"))
    with pytest.raises(TypeError, match=r"textfile.importers.typedstream is not an Importer: it lacks FORMAT, VERSION"):
        registry.importers()


def test_a_new_importer_is_one_new_file_in_the_package(tmp_path, monkeypatch):
    """The registry is every module of textfile/importers/ (but the helpers it names), in name order: a file
    dropped there is registered with no other edit, and one that is not an Importer is refused, not skipped."""
    import textfile.importers as registry

    assert REGISTRY == ("android", "imessage", "whatsapp")
    (tmp_path / "signal.py").write_text("FORMAT = 'signal'\n")
    (tmp_path / "typedstream.py").write_text("")
    (tmp_path / "_private.py").write_text("")
    (tmp_path / "line").mkdir()
    (tmp_path / "line" / "__init__.py").write_text("")
    assert registry.discover([str(tmp_path)]) == ("line", "signal")
    assert registry.discover(registry.__path__) == REGISTRY
    monkeypatch.setattr(registry, "__path__", [*registry.__path__, str(tmp_path)])
    monkeypatch.setattr(registry, "REGISTRY", registry.discover(registry.__path__))
    with pytest.raises(TypeError, match=r"textfile.importers.line is not an Importer: it lacks FORMAT, VERSION"):
        registry.importers()
