"""Starting the processes textfile uses for part of its work (a transcript's rendering workers, an
import's reading process), so that they run the installed textfile and nothing else.

multiprocessing starts its forkserver (which forks the workers) and, with the spawn method, each
child with `python -c …`: the current directory is first on that interpreter's `sys.path`, and
Python 3.11's forkserver never applies the parent's path (CPython gh-117378). Run from a folder
holding a `textfile/` folder (a clone in $HOME, where cron starts), the server imported the
rendering modules from there, every worker it forked failed to import textfile, and the pool
started another, for ever. So every child starts with PYTHONSAFEPATH=1 (Python >= 3.11: the
current directory is not on its path). The variable is set for the start only: this process's
environment is left as it was, and so is that of anything it starts later.
"""

from __future__ import annotations

import os


def start(process) -> None:
    """Start a multiprocessing process (and the forkserver or resource tracker it may need first)
    with the current directory off the new interpreter's path."""
    before = os.environ.get("PYTHONSAFEPATH")
    os.environ["PYTHONSAFEPATH"] = "1"
    try:
        process.start()
    finally:
        if before is None:
            del os.environ["PYTHONSAFEPATH"]
        else:
            os.environ["PYTHONSAFEPATH"] = before
