"""The safety rules of every request, as one ASGI middleware (no framework needed).

In this order, before the application sees a request:

1. **Host**: with ``allowed_hosts`` (the default when the server listens on the loopback
   address), a request whose ``Host`` header names another host is refused (400): a web page
   cannot reach the server through a DNS name rebound to 127.0.0.1.
2. **Origin**: a request that changes something (not GET, HEAD or OPTIONS) and carries an
   ``Origin`` header must come from the server's own origin (403): another site's page cannot
   submit a rename form to it.
3. **Token**: with a token, every path but ``/healthz``, ``/login`` and ``/static/`` needs
   ``Authorization: Bearer TOKEN`` or the cookie set by ``/login`` (401).
4. **Size**: a body over ``max_request_bytes`` is refused (413), by its ``Content-Length``
   at once or, sent in chunks, as soon as it grows past the limit.
5. **Time**: a request that takes longer than ``time_limit`` seconds is answered 503 (its work
   in a thread is abandoned, not waited for).

Every response gets the security headers of :data:`HEADERS` (a Content-Security-Policy that
allows only the server's own scripts, styles and requests).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

#: The cookie ``/login`` sets: a digest of the token (the token itself never leaves the form).
COOKIE = "topicnmf_token"
#: Paths that need no token.
PUBLIC = ("/healthz", "/login", "/static/")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
HEADERS = [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
           (b"referrer-policy", b"same-origin"), (b"x-frame-options", b"DENY")]


def cookie_value(token: str) -> str:
    """What the login cookie holds for ``token``: its SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def host_of(value: str) -> str:
    """``example.org`` from ``example.org:8000``, ``::1`` from ``[::1]:8000``."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class TooLarge(Exception):
    """The body grew past the limit while it was being read."""


class Guard:
    """ASGI middleware applying the rules of the module docstring.

    Parameters
    ----------
    app : ASGI application
    token : str, optional
        The bearer token; None: no token needed.
    max_request_bytes : int
    time_limit : float
        Seconds per request.
    allowed_hosts : iterable of str, optional
        Host names a request may name (``Host`` without the port); None: any.
    """

    def __init__(self, app, *, token=None, max_request_bytes=1 << 20, time_limit=30.0,
                 allowed_hosts=None):
        self.app, self.token = app, token
        self.cookie = cookie_value(token) if token else None
        self.max_request_bytes, self.time_limit = max_request_bytes, time_limit
        self.allowed_hosts = None if allowed_hosts is None else {
            h.strip("[]").lower() for h in allowed_hosts}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {}
        for name, value in scope["headers"]:
            headers.setdefault(name, value.decode("latin-1"))
        refused = self.refusal(scope, headers)
        if refused:
            return await respond(send, *refused)
        started = False

        async def send_with_headers(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = {**message, "headers": [*message.get("headers", []), *HEADERS]}
            await send(message)

        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_request_bytes:
                raise TooLarge
            return message

        try:
            async with asyncio.timeout(self.time_limit):
                await self.app(scope, limited_receive, send_with_headers)
        except TooLarge:
            if not started:
                await respond(send, 413, self.too_large())
        except TimeoutError:
            if not started:
                await respond(send, 503, f"the request took longer than the time limit of "
                                         f"{self.time_limit:g} s; ask for less (a smaller "
                                         "top, budget or batch) or try again",
                              [(b"retry-after", b"1")])

    def refusal(self, scope, headers):
        """``(status, message[, headers])`` for a request refused before it runs, or None."""
        host = headers.get(b"host", "")
        if self.allowed_hosts is not None and host_of(host) not in self.allowed_hosts:
            return 400, (f"host {host_of(host)!r} is not served here; use "
                         f"{sorted(self.allowed_hosts)[0]} (or start the server with --host)")
        origin = headers.get(b"origin")
        if scope["method"] not in SAFE_METHODS and origin and origin != "null":
            parts = urlsplit(origin)
            if parts.netloc.lower() != host.lower():
                return 403, f"requests from {origin} may not change anything here"
        elif scope["method"] not in SAFE_METHODS and origin == "null":
            return 403, "requests from an opaque origin may not change anything here"
        if self.token and not scope["path"].startswith(PUBLIC) and not self.authorized(headers):
            if scope["method"] == "GET" and "text/html" in headers.get(b"accept", ""):
                return 303, "log in first", [(b"location", b"/login")]
            return 401, ("a token is needed: send 'Authorization: Bearer TOKEN' (the "
                         "server's --token-file), or log in at /login"), [
                (b"www-authenticate", b'Bearer realm="topicnmf"')]
        length = headers.get(b"content-length", "")
        if length.strip().isdigit() and int(length) > self.max_request_bytes:
            return 413, self.too_large()
        return None

    def authorized(self, headers) -> bool:
        scheme, _, given = headers.get(b"authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
                given.strip().encode("utf-8", "replace"), self.token.encode("utf-8")):
            return True
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get(b"cookie", ""))
        except Exception:                             # a malformed cookie header
            return False
        morsel = cookie.get(COOKIE)
        return morsel is not None and hmac.compare_digest(morsel.value.encode("ascii", "replace"),
                                                          self.cookie.encode("ascii"))

    def too_large(self) -> str:
        return (f"the request body is larger than {self.max_request_bytes:,} bytes; send fewer "
                "records per request (or start the server with a larger --max-request-bytes)")


async def respond(send, status, message, headers=()):
    """Send a whole JSON error response ``{"error": message}``."""
    body = json.dumps({"error": message}, ensure_ascii=False).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"cache-control", b"no-store"), *headers, *HEADERS]})
    await send({"type": "http.response.body", "body": body})
