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
from dataclasses import dataclass, replace
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
    asked: int  # the length of the path and query it is held under

    @property
    def size(self) -> int:
        """What holding it costs: its bytes, its key's, and a few hundred for the rest."""
        held = len(self.body) + sum(len(k) + len(v) for k, v in self.headers)
        return held + self.asked + 400


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
        try:
            head = await run_in_threadpool(store.head)
        except Exception:  # the database is busy or gone: the route says so (503)
            await self.app(scope, receive, send)
            return
        gzip = accepts_gzip(_header(scope, b"accept-encoding"))
        who = None if reader is None else (reader.scopes, reader.today, reader.show_recorded_by)
        key = (scope["path"], scope["query_string"], head, gzip, who)
        waiting = self.computing.get(key)
        if waiting is not None:  # the same answer, being computed: wait for it
            await waiting.wait()
        found = self.held.get(key)
        if found is not None:
            self.held.move_to_end(key)
            await self._send(found, scope, send)
            return
        if waiting is not None:  # the first kept nothing (too big, not a 200): compute
            await self.app(scope, receive, send)
            return
        done = self.computing[key] = asyncio.Event()
        try:
            answer = await self._compute(scope, receive, send)
            if answer is not None:
                self._hold(key, answer)
        finally:  # before the answer is sent: a slow client keeps nobody waiting
            del self.computing[key]
            done.set()
        if answer is not None:
            await _send_whole(answer, send)

    async def _compute(self, scope: Scope, receive: Receive, send: Send) -> _Held | None:
        """Run the route, holding its answer back while it may be kept (a 200 with an
        ETag, up to ONE_AT_MOST): then it is returned, for the caller to keep and send.
        Any other answer goes on to the client as it comes."""
        start: Message | None = None
        parts: list[bytes] = []
        size = 0
        passing = False

        async def holding(message: Message) -> None:
            nonlocal start, size, passing
            if passing:
                await send(message)
            elif message["type"] == "http.response.start":
                start = message
                if message["status"] != 200:
                    passing = True
                    await send(message)
            elif message["type"] == "http.response.body":
                parts.append(message.get("body", b""))
                size += len(parts[-1])
                if size > ONE_AT_MOST and start is not None:  # too big to keep: let it go
                    passing = True
                    await send(start)
                    more = message.get("more_body", False)
                    await send(
                        {"type": "http.response.body", "body": b"".join(parts), "more_body": more}
                    )

        await self.app(scope, receive, holding)
        if passing or start is None:
            return None
        headers = list(start.get("headers", []))
        answer = _Held(
            200, headers, b"".join(parts), "", len(scope["path"]) + len(scope["query_string"])
        )
        etag = next((v.decode() for k, v in headers if k.lower() == b"etag"), None)
        if etag is None:  # not an answer of ``caching.answer``: sent, not kept
            await _send_whole(answer, send)
            return None
        return replace(answer, etag=etag)

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
        await _send_whole(found, send)


async def _send_whole(answer: _Held, send: Send) -> None:
    start = {"type": "http.response.start", "status": answer.status, "headers": answer.headers}
    await send(start)
    await send({"type": "http.response.body", "body": answer.body})
