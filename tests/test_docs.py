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


def test_a_flag_shows_as_a_flag_in_help():
    """Issue 15: every flag's help said `--json <bool>`, as if it took a value (typer's rich help
    printed a flag's type; its plain help does not). An option that takes a value still shows it."""
    deletable = readme_help.help_text(["deletable"])
    assert [" ".join(line.strip("│ ").split()) for line in deletable.splitlines() if line.startswith("│")] == [
        "--json Print the result as JSON.", "--quiet -q Print nothing but errors.", "--help Show this message and exit."]
    for path in readme_help.command_paths():
        assert "<bool>" not in readme_help.help_text(path), path
    assert "│ --limit <int range> [x>=1] At most this many messages. [default: 100] │" in " ".join(readme_help.help_text(["search"]).split())
    assert "│ --wait --no-wait If another run is going: wait for it, or exit at │" in " ".join(readme_help.help_text(["archive"]).split())
