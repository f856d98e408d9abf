"""The reading process: a large source read and prepared in a second process while this one writes
(`ReaderProcess`); the child never touches the archive.
"""

from __future__ import annotations

import importlib
import os
import resource
import sys
from pathlib import Path

from textfile import processes
from textfile.errors import ImportFailed, TextfileError
from textfile.ingest.prepare import completed, prepare
from textfile.model import ChatFile, ImportOptions, Message


class ReaderProcess:
    """Reads and prepares a large source in a second process while this one writes.

    Parsing, normalizing and hashing a message cost about as much as storing it, and SQLite
    takes one writer: on a machine with two cores the importer and `prepare` run in a child
    process and hand this one batches of `Prepared` messages (and the other records) through a
    pipe. The pipe holds little, so the reader waits when the writer is behind: memory stays flat.
    Which process hashes a message (its id and content hash: half of `prepare`) is decided batch by
    batch, so that neither waits for the other: the reader leaves it to the writer while less than
    `LOW_WATER` bytes wait in the pipe (the writer is about to wait for it), and does it itself while
    more do. How the work divides differs by format and by how much of a source is new (200,000
    WhatsApp messages: the reader took 5.1 s of CPU to the writer's 3.7 s before its review scan on a
    first import, and to its 2.9 s on a second, which writes little): no fixed share suits them all.
    The records are the same either way (`prepare` and `completed` compute the same).
    The child never touches the archive; the import stays one transaction in this process, and
    whatever stops it (an error in the source, Ctrl-C, a bug) rolls back the same way. An error the
    child meets is raised here as the same one-line error.
    """

    BATCH_ITEMS = 500
    BATCH_BYTES = 8 << 20  # attachment bytes per batch: a batch of photos stays small
    LOW_WATER = 256 << 10  # bytes waiting in the pipe under which the writer hashes the next batch (~2 batches)

    # A reading process started before the import knew what to tell the importer (`start_early`), which the
    # import's `start` takes, or which is stopped (`discard_early`).
    _early: ReaderProcess | None = None

    def __init__(self, path: Path, process, connection, told=None, module_name: str | None = None):
        self.path, self.process, self.connection = path, process, connection
        self.told = told  # started early: the pipe its options go down (`start`), closed once sent
        self.module_name = module_name
        self.stats: dict = {}  # the reading process's own CPU time and peak RSS, when it finished

    @staticmethod
    def possible() -> bool:
        """Whether this machine can read in a second process: a second core, and a clean way to start a
        process (forkserver)."""
        import multiprocessing

        return (os.cpu_count() or 1) >= 2 and "forkserver" in multiprocessing.get_all_start_methods()

    @classmethod
    def start(cls, module, path: Path, options: ImportOptions) -> ReaderProcess | None:
        """A running reader, or None where there is no second core, no clean way to start a
        process (forkserver), an importer the child cannot import, or the start fails (then
        the source is simply read in this process). The one started early for this source and importer
        (`start_early`) is told the options and taken, where it still runs; any other started early is stopped."""
        import multiprocessing

        name = getattr(module, "__name__", None)
        if not cls.possible() or name is None or sys.modules.get(name) is not module:
            cls.discard_early()
            return None
        early, cls._early = cls._early, None
        if early is not None:
            if early.module_name == name and early.path == Path(path) and early.process.is_alive():
                try:
                    early.told.send(options)
                except OSError:  # (it died: started anew below)
                    early.close()
                else:
                    early.told.close()
                    early.told = None
                    return early
            else:
                early.close()
        return cls._launch(multiprocessing.get_context("forkserver"), name, path, options)

    @classmethod
    def start_early(cls, module, path: Path) -> None:
        """Start reading `path` with `module` before the import knows what to tell the importer: the importer's
        `begin` (what it can read of a source before it is told how: WhatsApp's survey, which reads the whole
        chat) runs while this process opens the archive and works out the options, which `start` then sends it.
        On a 200,000-message WhatsApp export the survey took ~0.5 s during which the writer could only wait,
        and the forkserver only forks ~0.2 s after it was asked to start (its interpreter imports the
        reading modules): this process is forked from this one instead, now, before it has opened the archive
        (no connection of it is copied into the child) — only on Linux, and only where this process runs no
        other thread (a fork copies one thread: a lock another held would stay held in the child)."""
        import multiprocessing
        import threading

        cls.discard_early()
        name = getattr(module, "__name__", None)
        if (
            not sys.platform.startswith("linux")
            or not callable(getattr(module, "begin", None))
            or not cls.possible()
            or "fork" not in multiprocessing.get_all_start_methods()
            or threading.active_count() != 1
            or name is None
            or sys.modules.get(name) is not module
        ):
            return
        cls._early = cls._launch(multiprocessing.get_context("fork"), name, path, None)

    @classmethod
    def discard_early(cls) -> None:
        """Stop a reading process started early that no import took (the import failed before it read, or
        read another source)."""
        early, cls._early = cls._early, None
        if early is not None:
            early.close()

    @classmethod
    def _launch(cls, context, name: str, path: Path, options: ImportOptions | None) -> ReaderProcess | None:
        """The process started, reading `path` with the importer `name`; told its options later (`start_early`)
        where `options` is None."""
        receiver, sender = context.Pipe(duplex=False)
        _widen(receiver)
        told_here, told = context.Pipe(duplex=False) if options is None else (None, None)
        # (a forked child holds a copy of every descriptor of this process: it closes this side's ends, or it
        # would never see the pipe of its options closed)
        ours = [receiver] if told is None else [receiver, told]
        try:
            process = context.Process(
                target=_reader_main,
                args=(
                    name,
                    str(path),
                    options,
                    sender,
                    cls.BATCH_ITEMS,
                    cls.BATCH_BYTES,
                    cls.LOW_WATER,
                    told_here,
                )
                + ((ours,) if context.get_start_method() == "fork" else ()),
                daemon=True,
                name="textfile-reader",
            )
            processes.start(process)
        except Exception:  # noqa: BLE001 — no socket folder, a process limit, a dead forkserver: read here
            receiver.close()
            if told is not None:
                told.close()
            return None
        finally:
            sender.close()
            if told_here is not None:
                told_here.close()
        return cls(Path(path), process, receiver, told, name)

    def __enter__(self):
        return self._records()

    def _records(self):
        objects: list = []  # the conversations and senders the reading process numbered (`_Numbered`), in order
        while True:
            try:
                tag, payload = self.connection.recv()
            except (EOFError, OSError):  # (OSError: it died in the middle of sending a batch)
                raise ImportFailed(
                    self.path, "internal error: the reading process ended without a word; nothing was imported"
                ) from None
            if tag == "records":
                new, batch = payload
                objects.extend(new)
                for record in batch:
                    yield completed(_resolved(record, objects)) if type(record) is tuple else record
            elif tag == "done":
                self.stats = payload
                return
            elif tag == "failed":
                raise ImportFailed(self.path, payload)
            elif tag == "error":
                raise TextfileError(payload)
            else:
                raise ImportFailed(self.path, f"internal error while importing ({payload}); nothing was imported")

    def __exit__(self, *exc_info):
        self.close()
        return False

    def close(self) -> None:
        """End the reading process: it ends of itself, its pipes closed; else it is terminated, then killed. One
        started early and never told its options is terminated at once: it may be surveying a chat of millions of
        lines (a Ctrl-C during the import's start must not wait for it), and it holds nothing to finish."""
        self.connection.close()  # a child still sending gets a broken pipe and ends
        if self.told is not None:
            self.told.close()
            self.told = None
            self.process.terminate()  # SIGTERM: it cleans up on the way out
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.terminate()  # SIGTERM: it cleans up on the way out
            self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


def _begun_then_told(module, path: Path, told) -> tuple:
    """A reading process started early: the importer's `begin`, then the options the import sends; what
    `begin` read and the options (None where the import went on without this process: the pipe closed).
    What `begin` raised is raised once the options came, as `read` would have raised it, after whatever the
    import refused first."""
    failed = begun = None
    try:
        begun = module.begin(path)
    except Exception as exc:  # noqa: BLE001 — raised below, once told (SystemExit, when terminated, is not held)
        failed = exc
    try:
        options = told.recv()
    except (EOFError, OSError):
        return None, None
    finally:
        told.close()
    if failed is not None:
        raise failed
    return begun, options


def _widen(connection) -> None:
    """Let the reader run up to 1 MiB (a few batches) ahead of the writer, which works in bursts
    (a batch's SQL at once), instead of the pipe's default 64 KiB. Linux only; elsewhere a no-op."""
    try:
        import fcntl

        fcntl.fcntl(connection.fileno(), fcntl.F_SETPIPE_SZ, 1 << 20)
    except (ImportError, AttributeError, OSError):
        pass


def _reader_main(
    module_name: str,
    path: str,
    options: ImportOptions,
    connection,
    batch_items: int,
    batch_bytes: int,
    low_water: int,
    told=None,
    theirs: list | None = None,
) -> None:
    """The reading process: the importer's records, messages prepared, sent in batches. Started early
    (`told`: the pipe its options come down), the importer's `begin` first, then the options awaited."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the writer's to handle; it ends us
    # Terminated by the writer: leave as an exception, so that `finally` blocks run (the iMessage
    # importer's temporary copy of the database is removed).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        from textfile.ingest.transaction import fewer_collections

        with fewer_collections():  # (this process holds a batch as it pickles it: fewer collections of it)
            for connection_of_theirs in theirs or ():
                connection_of_theirs.close()
            module = importlib.import_module(module_name)
            if told is None:
                records = module.read(Path(path), options)
            else:  # started early
                begun, options = _begun_then_told(module, Path(path), told)
                if options is None:
                    return  # (the import went on without this process)
                records = module.read(Path(path), options, begun)
            batch, size, hash_here = [], 0, True
            numbered = _Numbered()
            for record in records:
                if isinstance(record, Message):
                    record = prepare(record, options.region, hashed=hash_here)
                    size += sum(len(blob.data) for blob in record.blobs)
                    record = numbered.plain(record)
                elif isinstance(record, ChatFile):
                    size += len(record.data)
                batch.append(record)
                if len(batch) >= batch_items or size >= batch_bytes:
                    connection.send(("records", (numbered.taken(), batch)))
                    batch, size = [], 0
                    hash_here = _waiting(connection) >= low_water
            connection.send(("records", (numbered.taken(), batch)))
            usage = resource.getrusage(resource.RUSAGE_SELF)
            connection.send(
                ("done", {"cpu_seconds": usage.ru_utime + usage.ru_stime, "peak_rss_mb": usage.ru_maxrss / 1024})
            )
    except (BrokenPipeError, ConnectionResetError):
        pass  # the writer stopped first
    except ImportFailed as exc:
        _tell(connection, ("failed", exc.reason))
    except TextfileError as exc:
        _tell(connection, ("error", str(exc)))
    except SystemExit:
        pass  # terminated
    except BaseException as exc:  # noqa: BLE001 — reported to the writer, which fails the import
        _tell(connection, ("crashed", f"{type(exc).__name__}: {exc}"))
    finally:
        connection.close()


class _Numbered:
    """The conversations and senders of the messages sent, each sent once: a message carries its number in
    their place, and the batch that first uses a number brings its object (`taken`), which the writer keeps
    in order (`_resolved`). Sent in every message instead, each batch pickled every conversation and sender
    it held anew and the writer unpickled them anew: 1.5 µs a message of 1.9 for 20,000 iMessage messages
    over 200 chats, and the writer then met each batch's copies as objects it had not seen (`_ByIdentity`).
    Numbered by value (equal objects are one): importers reuse one object for many messages, found first by
    identity. At most MAX objects are numbered (memory stays flat whatever an importer makes); any other is
    sent in the message as before."""

    MAX = 1 << 16
    RECENT = 4096  # objects recognized by identity

    def __init__(self) -> None:
        self.numbers: dict = {}  # object -> its number
        self.new: list = []  # objects numbered since the last batch was sent
        self.recent: dict = {}  # id(object) -> (object, its number)

    def plain(self, p) -> tuple:
        """A prepared message as a plain tuple (it pickles in half the time of a NamedTuple), its conversation
        and sender numbered."""
        sender = p[2]
        return (p[0], self.number(p[1]), None if sender is None else self.number(sender)) + p[3:]

    def number(self, obj):
        hit = self.recent.get(id(obj))
        if hit is not None and hit[0] is obj:
            return hit[1]
        n = self.numbers.get(obj)
        if n is None:
            if len(self.numbers) >= self.MAX:
                return obj
            n = self.numbers[obj] = len(self.numbers)
            self.new.append(obj)
        if len(self.recent) >= self.RECENT:
            self.recent.clear()
        self.recent[id(obj)] = (obj, n)  # (the object kept with it: a recycled id() never matches)
        return n

    def taken(self) -> list:
        """The objects numbered since the last call, in the order of their numbers."""
        new, self.new = self.new, []
        return new


def _resolved(record: tuple, objects: list) -> list:
    """A message as the reading process sent it, its conversation and sender the objects their numbers name."""
    fields = list(record)
    conversation, sender = fields[1], fields[2]
    if type(conversation) is int:
        fields[1] = objects[conversation]
    if type(sender) is int:
        fields[2] = objects[sender]
    return fields


def _waiting(connection) -> int:
    """The bytes sent down the pipe that the writer has not read yet (Linux: FIONREAD, which a pipe
    answers at either end); elsewhere as good as full, so that this process hashes every message."""
    try:
        import array
        import fcntl
        import termios

        count = array.array("i", [0])
        fcntl.ioctl(connection.fileno(), termios.FIONREAD, count)
        return count[0]
    except (ImportError, AttributeError, OSError):
        return 1 << 62


def _tell(connection, message) -> None:
    try:
        connection.send(message)
    except OSError:
        pass  # the writer is gone: nobody to tell
