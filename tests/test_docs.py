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
        "--json Print the result as JSON.",
        "--quiet -q Print nothing but errors.",
        "--help Show this message and exit.",
    ]
    for path in readme_help.command_paths():
        assert "<bool>" not in readme_help.help_text(path), path
    assert "│ --limit <int range> [x>=1] At most this many messages. [default: 100] │" in " ".join(
        readme_help.help_text(["search"]).split()
    )
    assert "│ --wait --no-wait If another run is going: wait for it, or exit at │" in " ".join(
        readme_help.help_text(["archive"]).split()
    )


def test_the_readme_weekly_loop_is_what_the_commands_print():
    """Issue 15: the README's weekly loop (status -> file or ignore -> archive -> deletable) shows real
    output: scripts/weekly-loop.sh run again prints it, but for the moment of the run (`make readme`)."""
    import readme_loop

    commands = readme_loop.run()
    assert [c.split("\n", 1)[0] for c in commands] == [
        "$ textfile archive inbox --out transcripts",
        "$ textfile status",
        '$ textfile import "inbox/WhatsApp Chat with Sam Client.txt" --me "Alex Owner"',
        "$ textfile conversation show 2",
        '$ textfile conversation ignore 2 --reason "my dentist"',
        '$ textfile handle ignore 72975 --reason "bank 2FA codes"',
        "$ textfile file 6 --matter 2026-014",
        "$ textfile archive inbox --out transcripts",
        "$ textfile status",
        "$ textfile deletable",
    ]
    shown = readme_loop.shown((ROOT / "README.md").read_text())
    assert [readme_loop.masked(b) for b in shown] == [readme_loop.masked(b) for b in readme_loop.blocks(commands)], (
        "README.md's weekly loop is out of date: run `make readme`"
    )
    assert (
        "Nothing needs you." in shown[-1] and "handle ignored: bank 2FA codes" in shown[-1]
    )  # (what the loop ends with)


def test_the_readme_layout_lists_every_file_of_the_package_once():
    """Issue 16: the README's design notes open with the layout, one line per file; it stays true."""
    import re

    text = (ROOT / "README.md").read_text()
    block = text[text.index("### Layout") :]
    block = block[block.index("```\n") + 4 :]
    block = block[: block.index("\n```")]
    listed, folders = [], []
    for line in block.splitlines()[1:]:  # (the first line is textfile/ itself)
        depth = (len(line) - len(line.lstrip())) // 2  # 1: an entry of textfile/
        name = line.split()[0]
        del folders[depth - 1 :]
        if name.endswith("/"):
            folders.append(name.rstrip("/"))
        else:
            listed.append("/".join(["textfile", *folders, name]))
    actual = sorted(
        str(p.relative_to(ROOT))
        for p in (ROOT / "textfile").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and re.search(r"\.(py|j2|css)$", p.name)
    )
    assert sorted(listed) == actual
    assert len(listed) == len(set(listed))
