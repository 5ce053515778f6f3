"""Answers computed once per state of the log: a read's answer depends on the request
(its path and query), the log (its head: every record, and so every projection, alias
and token, is in it), the day (the public view's today) and who asks (their scopes);
with all four the same, the bytes are the same. ``Remembered`` keeps the answers of the
read routes under that key, so that many readers asking for the same state, or one
revalidating what it holds (If-None-Match), cost a lookup of the head, not a rebuild.

Held per worker, in memory, up to ``HELD_BYTES`` in all (the least recently used go
first), each answer up to ``ONE_AT_MOST``: a larger one (a whole calendar of a big log)
is computed each time. Two requests for an answer being computed wait for the first
rather than compute it twice. Health and status (which read the clock and the disk),
the sign-in, the static files and the reference are never held.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from timeline.web.caching import accepts_gzip, matches

__all__ = ["HELD_BYTES", "ONE_AT_MOST", "Remembered"]

HELD_BYTES = 64 * 2**20
ONE_AT_MOST = 8 * 2**20
# the routes whose answers are held: the JSON reads, the feeds and the page
_HELD = ("/api/v1/", "/feeds/")
_NEVER = ("/api/v1/health", "/api/v1/status", "/api/v1/tokens", "/api/v1/openapi.json")


@dataclass(frozen=True)
class _Held:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: str

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers)


def _held_path(path: str) -> bool:
    return (path == "/" or path.startswith(_HELD)) and not path.startswith(_NEVER)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


class Remembered:
    """The middleware (inside ``Gate``, which names the reader)."""

    def __init__(self, app: ASGIApp, held_bytes: int = HELD_BYTES) -> None:
        self.app = app
        self.held_bytes = held_bytes
        self.held: OrderedDict[tuple[Any, ...], _Held] = OrderedDict()
        self.size = 0
        self.computing: dict[tuple[Any, ...], asyncio.Event] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not _held_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        reader = scope.get("state", {}).get("reader")
        store = scope["app"].state.store
        head = await run_in_threadpool(store.head)
        gzip = accepts_gzip(_header(scope, b"accept-encoding"))
        who = None if reader is None else (reader.scopes, reader.today, reader.show_recorded_by)
        key = (scope["path"], scope["query_string"], head, gzip, who)
        while key in self.computing:  # the same answer, being computed: wait for it
            await self.computing[key].wait()
        found = self.held.get(key)
        if found is not None:
            self.held.move_to_end(key)
            await self._send(found, scope, send)
            return
        done = self.computing[key] = asyncio.Event()
        try:
            await self._compute(key, scope, receive, send)
        finally:
            del self.computing[key]
            done.set()

    async def _compute(
        self, key: tuple[Any, ...], scope: Scope, receive: Receive, send: Send
    ) -> None:
        start: Message | None = None
        parts: list[bytes] = []
        keep = True

        async def sending(message: Message) -> None:
            nonlocal start, keep
            if message["type"] == "http.response.start":
                start = message
                keep = message["status"] == 200
            elif message["type"] == "http.response.body" and keep:
                parts.append(message.get("body", b""))
                keep = sum(map(len, parts)) <= ONE_AT_MOST
            await send(message)

        await self.app(scope, receive, sending)
        if start is None or not keep:
            return
        headers = list(start.get("headers", []))
        etag = next((v.decode() for k, v in headers if k.lower() == b"etag"), None)
        if etag is None:
            return
        self._hold(key, _Held(200, headers, b"".join(parts), etag))

    def _hold(self, key: tuple[Any, ...], answer: _Held) -> None:
        self.held[key] = answer
        self.size += answer.size
        while self.size > self.held_bytes and self.held:
            _, gone = self.held.popitem(last=False)
            self.size -= gone.size

    async def _send(self, found: _Held, scope: Scope, send: Send) -> None:
        """The answer held, or 304 if the client holds it (as ``caching.answer`` does)."""
        plain = found.etag.replace('-gzip"', '"')
        tags = (plain, plain[:-1] + '-gzip"')
        if matches(_header(scope, b"if-none-match"), tags):
            headers = [
                (k, v)
                for k, v in found.headers
                if k.lower() not in (b"content-length", b"content-encoding", b"content-type")
            ]
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        await send(
            {"type": "http.response.start", "status": found.status, "headers": found.headers}
        )
        await send({"type": "http.response.body", "body": found.body})
