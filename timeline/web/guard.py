"""What every request passes through before the routes: the access log and the security
headers (``Logged``), the Host check (``Hosts``), the rate limit and the body size limit
(``Limited``). Plain ASGI middleware, so they also see what the routes never do (a 400
for a Host, a 413, a 429, an unknown path).
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable, Iterable
from typing import IO

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from timeline.web.problems import PROBLEM, problem_body

__all__ = ["MAX_BODY", "Buckets", "Hosts", "Limited", "Logged", "Sized", "host_of"]

MAX_BODY = 1024 * 1024  # bytes a request body may hold

# sent with every response; the API sends only data, never anything a browser should run
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
]


def _client(scope: Scope) -> str:
    # the peer address: behind a proxy, the client it names when it is one the operator
    # trusts (--forwarded-allow-ips, by uvicorn's ProxyHeadersMiddleware), else the proxy
    # itself (X-Forwarded-For from anyone else can be forged)
    client = scope.get("client")
    return str(client[0]) if client else "-"


def host_of(value: str) -> str:
    """The name in a Host header, without its port, lowercase (``[::1]:8000`` -> ``::1``);
    a header that is not ``name[:port]`` comes back whole, and so matches no host."""
    value = value.strip().lower()
    if value.startswith("["):
        name, bracket, port = value[1:].partition("]")
        ok = bracket and (port == "" or (port[:1] == ":" and port[1:].isdigit()))
        return name if ok else value
    name, colon, port = value.partition(":")
    return name if not colon or (port.isdigit() and ":" not in port) else value


class Hosts:
    """400 for a request whose Host header names none of the ``allowed`` hosts. A page
    on another site can point a name it controls at this machine (DNS rebinding) and
    then read the service as if it were that site: the Host it sends gives it away."""

    def __init__(self, app: ASGIApp, allowed: Iterable[str]) -> None:
        self.app = app
        self.allowed = frozenset(host_of(h) for h in allowed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v for n, v in scope.get("headers", []) if n == b"host"), b"")
        host = host_of(given.decode("latin-1"))
        if host not in self.allowed:
            detail = f"this service does not answer to the host {host!r} (serve --allowed-host)"
            await _problem(send, 400, detail)
            return
        await self.app(scope, receive, send)


class Logged:
    """One JSON line per request on ``out`` (method, path, query, status, duration in ms,
    client, bytes sent), the security headers on every response, and HEAD answered as
    GET without its body (calendar clients and ``curl -I`` ask with HEAD)."""

    def __init__(self, app: ASGIApp, out: IO[str] | None) -> None:
        self.app = app
        self.out = out

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        seen = {"status": 500, "bytes": 0}
        head = scope["method"] == "HEAD"
        inner = {**scope, "method": "GET"} if head else scope

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen["status"] = message["status"]
                have = {name for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in SECURITY_HEADERS if n not in have]
                message["headers"] = [*message.get("headers", []), *extra]
            elif message["type"] == "http.response.body":
                if head:  # the headers (Content-Length too) as for GET; no body
                    message = {**message, "body": b""}
                seen["bytes"] += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(inner, receive, send_with_headers)
        finally:
            self._log(scope, seen, start)

    def _log(self, scope: Scope, seen: dict[str, int], start: float) -> None:
        if self.out is None:
            return
        line = {
            "time": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
            "method": scope["method"],
            "path": scope["path"],
            "query": scope.get("query_string", b"").decode("latin-1"),
            "status": seen["status"],
            "ms": round((time.perf_counter() - start) * 1000, 2),
            "client": _client(scope),
            "bytes": seen["bytes"],
        }
        self.out.write(orjson.dumps(line).decode() + "\n")
        self.out.flush()


class Buckets:
    """A token bucket per client: ``rate`` requests a second, in bursts of up to ``rate``
    (at least one). The buckets live in this process: with N workers a client may get up
    to N times the rate."""

    KEEP = 10_000  # clients remembered before idle ones (full buckets) are dropped

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = max(1.0, rate)
        self.clock = clock
        self._held: dict[str, tuple[float, float]] = {}  # client -> (tokens, when)

    def left(self, client: str) -> int:
        """Requests the client may still make at once (after its last ``take``)."""
        tokens, _ = self._held.get(client, (self.burst, 0.0))
        return int(tokens)

    def take(self, client: str) -> float:
        """0 if the client may go on; else the seconds until it may."""
        now = self.clock()
        tokens, when = self._held.get(client, (self.burst, now))
        tokens = min(self.burst, tokens + (now - when) * self.rate)
        if len(self._held) >= self.KEEP:
            self._forget(now)
        if tokens >= 1:
            self._held[client] = (tokens - 1, now)
            return 0.0
        self._held[client] = (tokens, now)
        return (1 - tokens) / self.rate

    def _forget(self, now: float) -> None:
        full = self.burst / self.rate
        self._held = {c: (t, w) for c, (t, w) in self._held.items() if now - w < full}


class Limited:
    """429 with ``Retry-After`` past the rate limit (``rate``: requests a second per
    client; None: no limit; the ``exempt`` paths, the health check and the static files,
    never), and every answer under it with ``RateLimit-Limit``, ``-Remaining`` and
    ``-Reset`` (the IETF draft's fields)."""

    def __init__(
        self, app: ASGIApp, rate: float | None, exempt: frozenset[str] = frozenset()
    ) -> None:
        self.app = app
        self.buckets = Buckets(rate) if rate else None
        self.exempt = exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._limited(scope):
            await self.app(scope, receive, send)
            return
        refused = self._refusal(scope)
        if refused is not None:
            await _problem(send, *refused)
            return
        await self.app(scope, receive, self._with_headers(scope, send))

    def _limited(self, scope: Scope) -> bool:
        path = scope["path"]
        return self.buckets is not None and not (path in self.exempt or path.startswith("/static/"))

    def _headers(self, scope: Scope) -> list[tuple[bytes, bytes]]:
        """The client's standing under the limit: how many requests a second, how many
        it may still make at once, and the seconds until its bucket is full again."""
        if self.buckets is None:
            return []
        left = self.buckets.left(_client(scope))
        reset = math.ceil((self.buckets.burst - left) / self.buckets.rate)
        return [
            (b"ratelimit-limit", f"{self.buckets.burst:g}".encode()),
            (b"ratelimit-remaining", str(left).encode()),
            (b"ratelimit-reset", str(reset).encode()),
        ]

    def _with_headers(self, scope: Scope, send: Send) -> Send:
        extra = self._headers(scope)

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        return sending

    def _refusal(self, scope: Scope) -> tuple[int, str, list[tuple[bytes, bytes]]] | None:
        """A 429 past the rate, else None."""
        wait = 0.0 if self.buckets is None else self.buckets.take(_client(scope))
        if wait <= 0 or self.buckets is None:
            return None
        retry = str(max(1, math.ceil(wait)))
        detail = f"more than {self.buckets.rate:g} requests a second; retry in {retry} s"
        return 429, detail, [(b"retry-after", retry.encode()), *self._headers(scope)]


class Sized:
    """413 for a body over ``max_body`` bytes: by its Content-Length, or, without one,
    read up to the limit before the app sees it (the server holds a body to its
    Content-Length). It runs after the token gate, so that a request without the right
    to send a body is refused before any of it is read."""

    def __init__(self, app: ASGIApp, max_body: int = MAX_BODY) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = _content_length(scope)
        if length is not None and length > self.max_body:
            await _problem(send, 413, self._too_large())
            return
        if length is None:
            held = await self._read_body(receive)
            if held is None:
                await _problem(send, 413, self._too_large())
                return
            receive = _replay(held, receive)
        await self.app(scope, receive, send)

    async def _read_body(self, receive: Receive) -> list[Message] | None:
        """The request's messages, or None once its body passes the limit."""
        held: list[Message] = []
        size = 0
        while True:
            message = await receive()
            held.append(message)
            if message["type"] != "http.request":
                return held
            size += len(message.get("body", b""))
            if size > self.max_body:
                return None
            if not message.get("more_body", False):
                return held

    def _too_large(self) -> str:
        return f"the request body is larger than {self.max_body} bytes"


def _replay(held: list[Message], receive: Receive) -> Receive:
    """``receive`` that first gives back the messages already read."""
    pending = list(held)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()

    return replayed


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _problem(
    send: Send, status: int, detail: str, extra: Iterable[tuple[bytes, bytes]] = ()
) -> None:
    body = problem_body(status, detail)
    headers = [
        (b"content-type", PROBLEM.encode()),
        (b"content-length", str(len(body)).encode()),
        *extra,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
