"""Starting the processes textfile uses for part of its work (a transcript's rendering workers, an
import's reading process), so that they run the installed textfile and nothing else, and keep
their temporary files in the run's folder.

multiprocessing starts its forkserver (which forks the workers) and, with the spawn method, each
child with `python -c …`: the current directory is first on that interpreter's `sys.path`, and
Python 3.11's forkserver never applies the parent's path (CPython gh-117378). Run from a folder
holding a `textfile/` folder (a clone in $HOME, where cron starts), the server imported the
rendering modules from there, every worker it forked failed to import textfile, and the pool
started another, for ever. So every child starts with PYTHONSAFEPATH=1 (Python >= 3.11: the
current directory is not on its path), and, under the command line, with the run's folder
(`scratch.py`) as its TMPDIR; multiprocessing's own folder (the forkserver's socket) is that
folder too, instead of a `pymp-*` folder that a killed run would leave behind. The variables are
set for the start only: this process's environment is left as it was, and so is that of
anything it starts later.
"""

from __future__ import annotations

import contextlib
import os
import signal

from textfile import scratch


def start(process) -> None:
    """Start a multiprocessing process (and the forkserver or resource tracker it may need first)
    with the current directory off the new interpreter's path, in the run's temporary folder."""
    with _settings():
        process.start()


def start_forkserver(preload: list[str]) -> None:
    """Start the forkserver now, importing `preload` (its modules import while this process goes on), so
    that a process started later is forked at once; started already, it is left as it is. Starting is
    asynchronous: the server's failure to start is met, and handled, by the first process started."""
    from multiprocessing import forkserver

    forkserver.set_forkserver_preload(preload)
    with _settings():
        forkserver.ensure_running()


@contextlib.contextmanager
def _settings():
    """The environment a new interpreter starts with (see the module's docstring), for the start only; and
    Ctrl-C held back while it starts (`_ctrl_c_held`)."""
    import multiprocessing.process

    run = scratch.current()
    settings = {"PYTHONSAFEPATH": "1"}
    if run is not None:
        settings["TMPDIR"] = str(run)
        # What multiprocessing.util.get_temp_dir() returns; set, multiprocessing makes no folder
        # of its own and registers no removal of it at exit (which printed a traceback when the
        # folder had gone). The run removes it.
        multiprocessing.process.current_process()._config.setdefault("tempdir", str(run))
    before = {name: os.environ.get(name) for name in settings}
    os.environ.update(settings)
    try:
        with _ctrl_c_held():
            yield
    finally:
        for name, value in before.items():
            if value is None:
                del os.environ[name]
            else:
                os.environ[name] = value


@contextlib.contextmanager
def _ctrl_c_held():
    """SIGINT blocked in this thread while a process starts, so that the new interpreter (the forkserver,
    and every process forked from it) starts with it blocked: a Ctrl-C while the forkserver imports its
    modules printed a KeyboardInterrupt traceback from there (the processes textfile starts ignore Ctrl-C,
    but only once they have started). This process's own Ctrl-C is delivered when the start is done.
    multiprocessing's resource tracker, which the start needs, is started first: starting it unblocks SIGINT."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)
