"""The textfile of an earlier commit, taken from this checkout's history, and run as a user runs it: for the
tests that make an archive with an earlier release and open it with this one (a migration, a format the
readers must still read). Skipped where the checkout has no history (a tarball) or not that commit."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

# `init` of the archive an earlier release makes, as these tests give it (Bates prefix T)
INIT = (
    "init",
    "--owner",
    "Alex Owner",
    "--phone",
    "+1 202 555 0100",
    "--tz",
    "America/New_York",
    "--region",
    "US",
    "--bates-prefix",
    "T",
)


def textfile_of(commit: str, folder: Path, what: str) -> Path:
    """`folder` holding the `textfile` package as it was at `commit` (`what` says which release it is, for the
    skip's reason)."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip(f"not a git checkout: {what} cannot be taken from its history")
    if subprocess.run(["git", "-C", ROOT, "cat-file", "-e", f"{commit}^{{commit}}"], capture_output=True).returncode:
        pytest.skip(f"commit {commit} ({what}) is not in this checkout's history")
    folder.mkdir()
    archived = subprocess.run(["git", "-C", ROOT, "archive", commit, "textfile"], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", folder], input=archived.stdout, check=True)
    return folder


def run(code: Path, db: Path, *args) -> subprocess.CompletedProcess:
    """`python -m textfile --archive DB ARGS` with the textfile at `code`, its key and settings in the test's folder."""
    env = os.environ | {
        "PYTHONPATH": str(code),
        "TEXTFILE_KEY": str(db.parent / "key"),
        "XDG_CONFIG_HOME": str(db.parent / "config"),
        "TEXTFILE_ARCHIVE": str(db),
    }
    return subprocess.run(
        [sys.executable, "-m", "textfile", "--archive", str(db), *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=db.parent,
    )
