"""The processes that render a transcript's chunks.

WeasyPrint lays out one document in time and memory that grow with its length (MEASURED.md:
20,000 messages in one document take 98 s and 1.76 GB). A transcript is therefore rendered as
chunks of about a thousand messages, each a document of its own, by a pool of worker processes
(one per core); `pdf.py` joins them and stamps "Page X of Y" and the Bates number on every page
afterwards, so the chunks never need to know where they start.
"""

from __future__ import annotations

import gc
import multiprocessing
import multiprocessing.connection
import os
import signal
from collections.abc import Callable

from textfile import processes
from textfile.errors import ProcessFailed
from textfile.transcript.content import Job
from textfile.transcript.render.chunk import render_job
from textfile.transcript.render.headers import render_headers
from textfile.transcript.render.layout import close_worker, init_worker

CHUNKS_PER_WORKER = 25  # then a fresh worker: its caches grow a little, then level off (187 -> 191 MB over 14 chunks)


class Renderer:
    """Where the documents of a transcript are rendered: in this process (a small transcript, or one
    worker), or by worker processes (one per core) that each render document after document.

    A worker renders up to CHUNKS_PER_WORKER documents, then ends and the next document goes to a
    fresh one: its fonts, Pango's caches and WeasyPrint's are warm from its second chunk on (a
    fresh process per chunk cost ~0.5 s of CPU each), and this process never imports WeasyPrint
    when there are workers: the cover is the first chunk's beginning.

    The workers are started here rather than by `multiprocessing.Pool`, which starts a new worker
    for every one that dies, for ever: a worker that could not start (a package it could not
    import, a library missing) hung the command while each attempt printed a traceback. Here a
    worker that cannot start, or dies, ends the transcript with one `ProcessFailed`; the others are
    stopped by `__exit__`. (concurrent.futures' pool fails fast too, but with max_tasks_per_child
    it stops replacing the workers that ended and waits for ever: CPython gh-115634, 3.11 to 3.13.)"""

    def __init__(self, ctx: dict, workers: int):
        self.ctx, self.size, self.limit = ctx, workers, CHUNKS_PER_WORKER
        self.workers: list[_Worker] = []  # started and not ended
        self.idle: list[_Worker] = []
        self.mp = None
        if workers <= 1:
            init_worker(ctx)
            return
        method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
        self.mp = multiprocessing.get_context(method)
        if method == "forkserver":
            # The server imports these once and forks the workers. ("__main__" would spare each
            # worker running the main script again, but until CPython gh-126631 the server never
            # got its path: each worker runs it, ~30 ms for the CLI's.)
            self.mp.set_forkserver_preload(["__main__", "textfile.transcript.preload"])
        try:
            for _ in range(workers):  # they set up while this process goes on
                self.idle.append(self._start())
        except BaseException:
            self._stop()
            raise

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if self.mp is None:
            close_worker()
        elif exc_type is None:
            for worker in self.workers:
                worker.conn.close()  # no more documents: each closes its connection and ends
            for worker in self.workers:
                worker.process.join()
        else:  # a killed worker's read-only connection leaves nothing behind; the main process's closes last
            self._stop()

    def _start(self) -> _Worker:
        mine, theirs = self.mp.Pipe()
        process = self.mp.Process(
            target=_serve, args=(theirs, self.ctx, self.limit), daemon=True, name="textfile-renderer"
        )
        try:
            processes.start(process)
        except (
            Exception
        ) as exc:  # no folder for the forkserver's socket, a process limit, a server that could not start
            raise ProcessFailed(
                f"a rendering process could not start ({type(exc).__name__}: {exc}); nothing was written"
            ) from None
        finally:
            theirs.close()
        worker = _Worker(process, mine)
        self.workers.append(worker)
        return worker

    def _stop(self) -> None:
        for worker in self.workers:
            worker.process.terminate()
        for worker in self.workers:
            worker.process.join()
        self.workers.clear()

    def _map(self, function, items: list):
        """function(item) for every item, by the workers, each taking one at a time; the results in order."""
        todo = list(enumerate(items))[::-1]
        busy: dict[_Worker, int] = {}
        results: dict[int, object] = {}
        given = 0
        while todo or busy:
            while todo and len(busy) < self.size:
                worker = self.idle.pop(0) if self.idle else self._start()  # (the one idle longest: each takes a share)
                index, item = todo.pop()
                busy[worker] = index
                worker.send((function, item))
            ready = multiprocessing.connection.wait([w.conn for w in busy] + [w.process.sentinel for w in busy])
            for worker in [w for w in busy if w.conn in ready or w.process.sentinel in ready]:
                kind, value = worker.receive()
                if kind == "ready":
                    continue
                if kind == "error":
                    raise value
                results[busy.pop(worker)] = value
                worker.rendered += 1
                if worker.rendered < self.limit:
                    self.idle.append(worker)
                else:  # it ends by itself
                    worker.process.join()
                    self.workers.remove(worker)
            while given in results:
                yield results.pop(given)
                given += 1

    def chunks(self, jobs: list[Job], progress: Callable[[int], None] | None = None) -> list[dict]:
        """Every chunk rendered, results in order."""
        done = 0
        results: list[dict] = []
        for result in map(render_job, jobs) if self.mp is None else self._map(render_job, jobs):
            results.append(result)
            done += result["messages"]
            if progress:
                progress(done)
        return results

    def each(self, function, items: list) -> list:
        """function(item) for every item (a document of an appendix), where the chunks are rendered: results in order."""
        return list(map(function, items)) if self.mp is None else list(self._map(function, items))

    def headers(self, labels: list[str]) -> str:
        """The running headers' document (`headers.render_headers`), rendered as a chunk is: its path."""
        if self.mp is None:
            return render_headers(labels)
        [path] = self._map(render_headers, [labels])
        return path


class _Worker:
    """A rendering process and this process's end of the pipe to it."""

    def __init__(self, process, conn):
        self.process, self.conn = process, conn
        self.started = False  # it said it was ready
        self.rendered = 0

    def send(self, task) -> None:
        try:
            self.conn.send(task)
        except OSError:  # it has ended already: waiting for it tells how
            pass

    def receive(self) -> tuple[str, object]:
        """What the worker said, or ProcessFailed when it ended without a word. Called when its pipe
        can be read or the process has ended."""
        try:
            if self.conn.poll():  # what it said before it ended is still there
                kind, value = self.conn.recv()
                if kind == "ready":
                    self.started = True
                elif kind == "failed":
                    raise ProcessFailed(f"a rendering process could not start ({value}); nothing was written")
                return kind, value
        except (EOFError, OSError):
            pass
        self.process.join()
        code = self.process.exitcode
        how = f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"
        if self.started:
            raise ProcessFailed(f"a rendering process ended unexpectedly ({how}); nothing was written")
        raise ProcessFailed(f"a rendering process could not start ({how}); nothing was written")


def _serve(conn, ctx: dict, limit: int) -> None:
    """A rendering worker: set up once, say so, then render what it is sent until it has rendered
    `limit` documents or is told there is nothing more (its pipe closed)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle: it ends us
    try:
        try:
            init_worker(ctx)
        except Exception as exc:  # fonts, a library WeasyPrint needs, the archive: the reason, in one line
            conn.send(("failed", f"{type(exc).__name__}: {exc}"))
            return
        gc.freeze()  # what a worker holds for its life is no garbage: the collection after each chunk skips it
        conn.send(("ready", None))
        for _ in range(limit):
            try:
                function, item = conn.recv()
            except EOFError:
                return
            try:
                result = ("done", function(item))
            except Exception as exc:
                result = ("error", exc)
            conn.send(result)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the main process is gone (killed): nobody to tell, nothing left to do; no traceback on its terminal
    finally:
        close_worker()


def default_workers() -> int:
    return max(1, min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1), 8))
