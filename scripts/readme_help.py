"""Print, or write into README.md, the `--help` of every textfile command.

The README holds them between `<!-- help:start -->` and `<!-- help:end -->`; tests/test_docs.py
fails when they are out of date. `make readme` (this script with --write) brings them up to date.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import typer
from typer.testing import CliRunner

from textfile.cli import app

README = Path(__file__).resolve().parents[1] / "README.md"
START, END = "<!-- help:start -->", "<!-- help:end -->"


def command_paths() -> list[list[str]]:
    root = typer.main.get_command(app)
    paths: list[list[str]] = [[]]

    def walk(group, prefix: list[str]) -> None:
        context = group.context_class(group)
        for name in group.list_commands(context):
            cmd = group.get_command(context, name)
            paths.append(prefix + [name])
            if hasattr(cmd, "list_commands"):  # a group (typer vendors its own click classes)
                walk(cmd, prefix + [name])

    walk(root, [])
    return paths


def help_text(path: list[str]) -> str:
    result = CliRunner().invoke(
        app,
        [*path, "--help"],
        env={"COLUMNS": "100", "TERMINAL_WIDTH": "100", "NO_COLOR": "1", "TERM": "dumb"},
        prog_name="textfile",
    )
    text = "\n".join(line.rstrip() for line in result.output.splitlines()).strip("\n")
    return text


def section() -> str:
    parts = []
    for path in command_paths():
        title = " ".join(["textfile", *path])
        parts.append(f"### `{title}`\n\n```\n{help_text(path)}\n```\n")
    return "\n".join(parts)


def updated_readme(text: str) -> str:
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.S)
    if not pattern.search(text):
        raise SystemExit(f"README.md has no {START} … {END} block")
    return pattern.sub(lambda _: f"{START}\n{section()}{END}", text)


if __name__ == "__main__":
    if "--write" in sys.argv:
        README.write_text(updated_readme(README.read_text()))
    else:
        sys.stdout.write(section())
