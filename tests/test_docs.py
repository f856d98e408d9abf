"""The README is the manual: it must hold every command's current --help (run `make readme`)."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import readme_help  # noqa: E402


def test_readme_shows_every_commands_current_help():
    current = (ROOT / "README.md").read_text()
    assert readme_help.updated_readme(current) == current, "README.md's command help is out of date: run `make readme`"


def test_every_command_has_help():
    for path in readme_help.command_paths():
        text = readme_help.help_text(path)
        assert "Usage: textfile" in text, path
        assert len(text.splitlines()) > 4, path


def test_readme_shows_the_two_setup_commands():
    text = (ROOT / "README.md").read_text()
    assert "make demo" in text and "make test" in text
