"""Answers made ahead: whenever the log has changed, the big answers of the public view —
the calendar of every thread, the feed of what became known, the whole exports, the
page — are asked for once, in the background, as a reader without a token asks, so that
``Remembered`` holds them (on the shelf, for every worker) before the first reader
comes: after an append, no reader waits for a calendar of the whole log to be made.

The requests go through the whole application, as any other: the access log shows them
(client ``warm``), and the rate limit and the gate treat them as a reader's. One worker
warms at a time (a lock on a file of the shelf): the others find the answers it made.
Only a service that publishes to readers without a token warms (``Publish.PRIVATE``
answers none of them).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from starlette.types import ASGIApp, Message

__all__ = ["WARMED", "keep_warm"]

# what a reader without a token asks for that costs the most to make (the backup,
# /export/events.jsonl, is read:all's alone)
WARMED = ("/feeds/all.ics", "/feeds/known.atom", "/export/timelinejs.json", "/")


async def keep_warm(
    app: ASGIApp,
    standing: Callable[[], tuple[int, int]],
    host: str,
    every: float,
    shelf: str | None,
    stop: asyncio.Event,
    paths: Sequence[str] = WARMED,
) -> None:
    """Every ``every`` seconds (at start too), if the log's head has moved since the
    last time (or a rebuild finished: ``standing``), ask ``app`` for each of ``paths``
    (with ``Host: host``), one at a time, until ``stop`` is set (then after the answer
    being made: the service stops without a request cut short)."""
    target: tuple[int, int] | None = None  # the state of the log being warmed for
    pending: list[str] = []  # what is still to ask for it
    while not stop.is_set():
        try:
            now = await asyncio.to_thread(standing)
        except Exception as e:  # the database busy or gone: the routes say so; later
            print(f"Error: making answers ahead: {e}", file=sys.stderr, flush=True)
        else:
            if now != target:
                target, pending = now, list(paths)
        if pending:
            with _alone(shelf) as first:
                if first:
                    pending = await _warm(app, host, pending, stop)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)


async def _warm(app: ASGIApp, host: str, paths: Sequence[str], stop: asyncio.Event) -> list[str]:
    """Ask for each of ``paths``; those to ask for again next time (not reached before
    ``stop``, or answered busy or over the rate limit: they may come later)."""
    again: list[str] = []
    for i, path in enumerate(paths):
        if stop.is_set():
            return [*again, *paths[i:]]
        try:
            status = await _ask(app, host, path)
        except Exception as e:  # answered 500 (and logged): the next path
            print(f"Error: making {path} ahead: {e}", file=sys.stderr, flush=True)
            continue
        if status in (429, 503):
            again.append(path)
    return again


@contextlib.contextmanager
def _alone(shelf: str | None) -> Iterator[bool]:
    """Whether this worker is the one warming now (the others skip a turn: the answers
    it makes are on the shelf when they look again)."""
    if shelf is None:
        yield True
        return
    try:
        f = (Path(shelf) / ".warming").open("a")
    except OSError:  # the shelf is gone: warm for this worker alone
        yield True
        return
    with f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


async def _ask(app: ASGIApp, host: str, path: str) -> int:
    """GET ``path`` of ``app`` as a reader without a token who takes gzip (as feed
    readers and browsers do); the answer's status. Its body goes nowhere: the
    middleware that remembers it keeps it."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", host.encode()), (b"accept-encoding", b"gzip")],
        "client": ("warm", 0),
        "server": None,
        "state": {},
    }
    status = 0
    asked, answered = False, asyncio.Event()

    async def receive() -> Message:
        """The request, then, as a server does, nothing until the reader leaves: here
        once the answer is whole (a streamed answer listens for that meanwhile)."""
        nonlocal asked
        if not asked:
            asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await answered.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body" and not message.get("more_body"):
            answered.set()

    await app(scope, receive, send)
    return status
