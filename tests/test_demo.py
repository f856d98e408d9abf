"""`make demo` as a new user meets it (issue 15, "The terminal"): its log, kept with `make demo >
demo.log`, holds no escape codes, and the README's line that puts `textfile` on the PATH works
from a fresh shell."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent  # the .venv's bin, where `make setup` installs textfile


def test_the_demo_written_to_a_file_has_no_escape_codes(demo_run):
    """Run in a copy of what the demo reads (it makes demo/ beside them), its output piped, as cron
    or `make demo > demo.log` does: the commands it shows are plain text, and so is textfile's output."""
    _, returncode, log = demo_run
    assert returncode == 0, log[-2000:]
    assert "\n$ textfile init --owner" in log and "\n$ textfile --archive demo/tampered.db verify   (a copy" in log
    assert [line for line in log.splitlines() if "\x1b" in line] == []


def test_the_readme_says_how_to_put_textfile_on_the_path_and_it_works_from_a_fresh_shell(tmp_path):
    """The README's line, run from this folder in a new login-less shell with the system's PATH
    only, finds the `textfile` that `make demo` installed."""
    readme = (ROOT / "README.md").read_text()
    [line] = re.findall(r"^export PATH=.*$", readme, re.MULTILINE)
    assert line == 'export PATH="$PWD/.venv/bin:$PATH"'
    assert readme.index(line) < readme.index("## Quick start")
    env = {"HOME": str(tmp_path), "PATH": "/usr/local/bin:/usr/bin:/bin"}
    before = subprocess.run(
        ["bash", "--noprofile", "--norc", "-c", "command -v textfile"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert before.stdout == ""  # (not found without it: the test proves the line, not the machine)
    after = subprocess.run(
        ["bash", "--noprofile", "--norc", "-c", f"{line} && command -v textfile && textfile --version"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    from textfile import __version__

    assert (after.returncode, after.stdout, after.stderr) == (
        0,
        f"{ROOT}/.venv/bin/textfile\ntextfile {__version__}\n",
        "",
    )
