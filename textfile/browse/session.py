"""A browse session: the archive copied (`snapshot`), Datasette made on the copy with textfile's
metadata and plugin only (another Datasette plugin installed on the machine is not loaded: one that
writes, or takes uploads, would not be read-only), bound to 127.0.0.1, behind the run's token (`gate`).
Starting it is audited (who, when, on which port, when the copy was taken and how many messages it holds);
so is each time the token opens it in a browser (who, when, which browser). It serves until Ctrl-C or
SIGTERM, then the copy is removed (`close`; after a kill, the next textfile command removes the run's
folder it is in). `--open` hands the browser a private file that forwards to the link (`opener`).
"""

from __future__ import annotations

import asyncio
import errno
import html
import os
import secrets
import shutil
import signal
import socket
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from textfile import audit, times
from textfile.archive import Archive
from textfile.browse import gate, pages, snapshot
from textfile.errors import InvalidInput, TextfileError
from textfile.results import Result

HERE = Path(__file__).parent
HOST = "127.0.0.1"


@dataclass(slots=True, eq=False)
class Started(Result):
    """A browse session that serves: its address (with the token), and the copy it shows."""

    url: str
    port: int
    taken_at: str
    messages: int
    by: str
    owner: str  # the archive's owner, whose archive the pages are titled as


@dataclass(eq=False)
class Session:
    archive_path: Path
    started: Started
    listener: socket.socket
    copy: Path  # (in this run's private folder)
    token: str = field(repr=False)

    @classmethod
    def start(cls, archive_path: Path, port: int) -> Session:
        """Copy the archive, bind the port, audit the start. Refused before anything is copied when the
        port is taken."""
        listener = _bind(port)
        try:
            with Archive.open(archive_path) as archive:
                taken_at = times.now_iso()
                copy = snapshot.take(archive.path, Path(tempfile.mkdtemp(prefix="browse-")))
                port = listener.getsockname()[1]
                messages = archive.conn.execute("SELECT count(*) FROM messages").fetchone()[0]
                started = Started(
                    url="",
                    port=port,
                    taken_at=taken_at,
                    messages=messages,
                    by=audit.current_user(),
                    owner=archive.settings.owner_name,
                )
                with archive.transaction() as conn:
                    audit.append(
                        conn,
                        "browse",
                        {"port": port, "copy_taken_at": taken_at, "messages": messages, "by": started.by},
                    )
        except BaseException:
            listener.close()
            raise
        token = secrets.token_urlsafe(32)
        started.url = f"http://{HOST}:{port}{gate.LOGIN}?token={token}"
        return cls(archive.path, started, listener, copy, token)

    def app(self):
        """The ASGI application served: Datasette behind the gate."""
        return gate.Gate(self._datasette().app(), port=self.started.port, token=self.token, on_open=self._opened)

    def opener(self) -> Path:
        """A file (0600, in the copy's private folder) that sends a browser on to the link: what `--open`
        hands the browser, whose command line every user of the machine can read (the link cannot be)."""
        page = self.copy.parent / "open.html"
        fd = os.open(page, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(
                '<!DOCTYPE html><meta charset="utf-8"><meta name="referrer" content="no-referrer">'
                f'<meta http-equiv="refresh" content="0; url={html.escape(self.started.url)}"><title>textfile browse</title>'
            )
        return page

    def serve(self) -> None:
        """Serve until Ctrl-C or SIGTERM (both end it the same way: cleanly), then `close`."""
        import uvicorn

        server = uvicorn.Server(uvicorn.Config(self.app(), log_level="warning", lifespan="on", access_log=False))
        previous = signal.signal(signal.SIGTERM, _stop)
        try:
            server.run(sockets=[self.listener])
        except (KeyboardInterrupt, _Stopped):
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
            self.close()

    def close(self) -> None:
        """Stop listening and remove the copy."""
        self.listener.close()
        shutil.rmtree(self.copy.parent, ignore_errors=True)

    def _datasette(self):
        from datasette.app import Datasette
        from datasette.plugins import DEFAULT_PLUGINS, pm

        from textfile.browse import plugin

        for other in pm.get_plugins():
            if pm.get_name(other) not in DEFAULT_PLUGINS and other is not plugin:
                pm.unregister(other)
        if not pm.is_registered(plugin):
            pm.register(plugin, "textfile")
        ds = Datasette(
            immutables=[str(self.copy)],
            metadata=pages.metadata(self.started.owner, self.started.taken_at),
            settings=pages.SETTINGS,
            template_dir=str(HERE / "templates"),
            static_mounts=[("-/textfile", str(HERE / "static"))],
        )
        ds._root_token = None  # (Datasette's own root login: never printed, so off)
        return ds

    async def _opened(self, user_agent: str) -> None:
        await asyncio.to_thread(_audit_opened, self.archive_path, self.started.port, user_agent)


class _Stopped(Exception):
    pass


def _stop(signum, frame):
    raise _Stopped


def _audit_opened(archive_path: Path, port: int, user_agent: str) -> None:
    with Archive.open(archive_path) as archive, archive.transaction() as conn:
        audit.append(conn, "browse opened", {"port": port, "by": audit.current_user(), "browser": user_agent})


def _bind(port: int) -> socket.socket:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.bind((HOST, port))
        listener.listen(64)
    except OSError as exc:
        listener.close()
        if exc.errno == errno.EADDRINUSE:
            raise InvalidInput(
                f"port {port} on {HOST} is in use (another textfile browse?): pass --port N, or --port 0 for any free one"
            ) from None
        raise TextfileError(f"cannot listen on {HOST}:{port}: {exc.strerror or exc}") from None
    return listener
