"""Write into README.md the weekly loop's real output: scripts/weekly-loop.sh run on the bundled fixtures.

The README holds it between `<!-- loop:start -->` and `<!-- loop:end -->`, each step's commands and
output in a block of its own (the prose around them stays as written). tests/test_docs.py runs the
script again and fails when what it prints, but for the moment of the run (dates, times, the archive's
id, hashes), is not what the README shows. `make readme` (this script with --write) brings it up to date.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
START, END = "<!-- loop:start -->", "<!-- loop:end -->"
BLOCK = re.compile(r"```\n(.*?)```\n", re.S)
STEPS = ((0, 1), (1, 2), (2, 7), (7, 10))  # the README's blocks, as ranges of the script's commands


def run() -> list[str]:
    """The script's commands, each with its output, in order (as `$ command` and what followed it)."""
    with tempfile.TemporaryDirectory(prefix="textfile-loop-") as folder:
        env = os.environ | {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
        out = subprocess.run(
            ["bash", str(ROOT / "scripts" / "weekly-loop.sh"), f"{folder}/run"],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        ).stdout.replace(f"{folder}/run/", "")
    out = re.sub(r"^=== week \d\n", "", out, flags=re.M)
    return [part for part in re.split(r"^(?=\$ textfile )", out, flags=re.M) if part.strip()]


def blocks(commands: list[str]) -> list[str]:
    return ["".join(commands[first:last]) for first, last in STEPS]


def masked(text: str) -> str:
    """What does not depend on the moment of the run: the run's dates and times, the archive's id and hashes masked."""
    text = re.sub(r"20(2[5-9]|[3-9]\d)-\d\d-\d\d( \d\d:\d\d:\d\d [+-]\d\d:\d\d)?", "DATE", text)
    text = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "ID", text)
    return re.sub(r"\b[0-9a-f]{64}\b", "HASH", text)


def shown(readme: str) -> list[str]:
    start, end = readme.index(START), readme.index(END)
    return BLOCK.findall(readme[start:end])


def updated_readme(readme: str, new: list[str]) -> str:
    start, end = readme.index(START), readme.index(END)
    section = readme[start:end]
    found = iter(new)
    section = BLOCK.sub(lambda _: f"```\n{next(found)}```\n", section)
    return readme[:start] + section + readme[end:]


if __name__ == "__main__":
    new = blocks(run())
    if "--write" in sys.argv:
        readme = README.read_text()
        if [masked(b) for b in shown(readme)] != [
            masked(b) for b in new
        ]:  # (not rewritten for the moment of the run alone)
            README.write_text(updated_readme(readme, new))
    else:
        print("\n".join(new))
