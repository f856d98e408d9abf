"""The door of a browse session: no page, no data, no file is served to a request that has not shown
this run's token, and every response says what a browser may do with it.

- Only `127.0.0.1:<port>` and `localhost:<port>` are answered (another Host: a page elsewhere that
  rebinds its name to this machine to read the archive; DNS rebinding).
- `/-/login?token=…` with the run's token (random, 256 bits, made when the run began, never in a
  process list) is audited (`on_open`: who opened the archive, and when) and answered with a cookie
  holding a second random value, the session's, and a redirect to the archive's page. The token can
  be used again while the run lasts (a second tab, another browser of the same person); each use is
  audited. A request with neither is refused (403) with one line that says what to do.
- Every response: no caching (client messages do not stay in a browser's cache), no framing, no
  referrer, no sniffing, and a Content-Security-Policy that lets a page load nothing from elsewhere
  (an attachment sets a stricter one of its own: no scripts at all).
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from textfile.errors import TextfileError

LOGIN = "/-/login"
PAGE_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline';"
    " connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = [
    (b"cache-control", b"no-store"),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]
_NAMES = {name for name, _ in HEADERS}
REFUSED = "This is a textfile browse session: open the link `textfile browse` printed (it holds the session's token)."


class Gate:
    """ASGI middleware around Datasette: the token, the cookie, the Host, the headers."""

    def __init__(self, app, *, port: int, token: str, on_open: Callable[[str], Awaitable[None]]):
        self.app = app
        self.token = token
        self.session = secrets.token_urlsafe(32)
        self.cookie = f"textfile_browse_{port}"  # (a browser keeps one set of cookies for all of 127.0.0.1's ports)
        self.hosts = {f"127.0.0.1:{port}", f"localhost:{port}"}
        self.on_open = on_open

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            return await self.app(scope, receive, send)
        if scope["type"] != "http":  # (a websocket: Datasette has none)
            return await send({"type": "websocket.close", "code": 1008})
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if headers.get("host", "") not in self.hosts:
            return await _plain(send, 403, "This textfile browse session answers 127.0.0.1 and localhost only.")
        if scope["path"] == LOGIN:
            return await self._login(scope, headers, send)
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:  # a malformed Cookie header: as none
            cookie = SimpleCookie()
        held = cookie.get(self.cookie)
        if held is None or not secrets.compare_digest(held.value.encode(), self.session.encode()):
            return await _plain(send, 403, REFUSED)
        if scope["path"] == "/":  # (one database: its page, with the queries, is where to start)
            return await _redirect(send, "/archive")
        return await self.app(scope, receive, _with_headers(send))

    async def _login(self, scope, headers: dict, send):
        given = parse_qs(scope["query_string"].decode("latin-1")).get("token", [""])[0]
        if not secrets.compare_digest(given.encode(), self.token.encode()):
            return await _plain(send, 403, REFUSED)
        try:
            await self.on_open(headers.get("user-agent", ""))
        except TextfileError as exc:  # (the archive busy: not opened unless it is audited)
            return await _plain(send, 503, f"Not opened: {exc}")
        cookie = f"{self.cookie}={self.session}; Path=/; HttpOnly; SameSite=Strict"
        await _redirect(send, "/archive", [(b"set-cookie", cookie.encode())])


def _with_headers(send):
    async def sending(message):
        if message["type"] == "http.response.start":  # (Datasette's own cache-control gives way to no-store)
            kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _NAMES]
            if not any(k.lower() == b"content-security-policy" for k, _ in kept):
                kept.append((b"content-security-policy", PAGE_POLICY.encode()))
            message = {**message, "headers": [*kept, *HEADERS]}
        await send(message)

    return sending


async def _redirect(send, where: str, headers=()):
    await send(
        {"type": "http.response.start", "status": 302, "headers": [(b"location", where.encode()), *headers, *HEADERS]}
    )
    await send({"type": "http.response.body", "body": b""})


async def _plain(send, status: int, text: str):
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/plain; charset=utf-8"), *HEADERS],
        }
    )
    await send({"type": "http.response.body", "body": (text + "\n").encode()})
