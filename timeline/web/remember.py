"""Answers computed once per state of the log: a read's answer depends on the request
(its path and query), the log (its head: every record, and so every projection, alias
and token, is in it), the day (the public view's today) and who asks (their scopes);
with all four the same, the bytes are the same. ``Remembered`` keeps the answers of the
read routes under that key, so that many readers asking for the same state, or one
revalidating what it holds (If-None-Match), cost a lookup of the head, not a rebuild.

Held per worker, in memory, up to ``HELD_BYTES`` in all (the least recently used go
first), each answer up to ``ONE_AT_MOST``; and, with a folder (``Shelf``: ``timeline
serve`` gives its workers one for as long as it runs), on disk for every worker, up to
``SHELF_BYTES`` (the oldest go first), each from ``SHELF_OVER`` up, a whole calendar
of a big log too: a worker answers from the folder what another computed. Two requests
for an answer being computed wait for the first rather than compute it twice: in one
worker, on an event; in two, on a lock in the folder (``Shelf.claim``). Health and
status (which read the clock and the disk), the sign-in, the static files and the
reference are never held.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import itertools
import os
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from timeline.web.caching import accepts_gzip, matches

__all__ = ["HELD_BYTES", "ONE_AT_MOST", "SHELF_BYTES", "SHELF_OVER", "Remembered", "Shelf"]

HELD_BYTES = 64 * 2**20
ONE_AT_MOST = 8 * 2**20
SHELF_BYTES = 512 * 2**20
# an answer smaller than this is not shelved: computing it again costs less than writing
# it (one thread's state on a day: a few milliseconds)
SHELF_OVER = 64 * 2**10
# how long a worker waits between two looks at an answer another worker is computing:
# from the first to the last, doubling (a thread's state takes milliseconds, the
# calendar of a big log seconds)
WAIT_FIRST, WAIT_LAST = 0.005, 0.25
# the routes whose answers are held: the JSON reads, the feeds, the exports and the page
_HELD = ("/api/v1/", "/feeds/", "/export/")
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


@dataclass
class _Shelved:
    """An answer on the shelf too big to hold: its file, open after its head (the bytes
    stay readable if the file is trimmed meanwhile), to be sent and closed."""

    headers: list[tuple[bytes, bytes]]
    etag: str
    body: IO[bytes]


class Shelf:
    """Answers on disk, in a folder every worker shares: one file an answer, named by a
    digest of its key, written whole under another name and then renamed (a reader never
    meets half a file); the oldest go when the folder holds more than ``limit`` bytes
    (looked at each time a worker has written a sixteenth of that)."""

    _made = itertools.count()  # (next() on it is atomic: the threads of a worker share it)

    def __init__(self, folder: str | Path, limit: int = SHELF_BYTES) -> None:
        self.folder = Path(folder)
        self.limit = limit
        self.written = 0  # bytes this worker wrote since it last trimmed the folder

    def path(self, key: tuple[Any, ...]) -> Path:
        return self.folder / hashlib.sha256(repr(key).encode()).hexdigest()

    def get(self, key: tuple[Any, ...]) -> _Held | _Shelved | None:
        """The answer kept under ``key``: read whole if it may be held in memory, else
        open, to be sent a piece at a time (a reader of a whole calendar costs a worker
        a piece of it, not all of it: fifty at once held 2 GB)."""
        try:
            f = self.path(key).open("rb")
        except OSError:  # gone
            return None
        try:
            meta = orjson.loads(f.readline(2**20))
            headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in meta["headers"]]
            etag, asked = meta["etag"], meta["asked"]
            if os.fstat(f.fileno()).st_size - f.tell() > ONE_AT_MOST:
                return _Shelved(headers, etag, f)  # (the sender closes it)
            with f:
                return _Held(200, headers, f.read(), etag, asked)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):  # not one of ours
            f.close()
            return None

    def claim(self, key: tuple[Any, ...]) -> int | None:
        """The lock of ``key``'s answer, for this worker to compute it (``release``
        lets it go), or None while another worker holds it; -1 where no lock can be
        made (the folder is gone): the answer is computed, as without a shelf. The
        kernel lets a lock go with the process that held it: a worker that dies
        computing leaves none behind."""
        try:
            fd = os.open(self._lock(key), os.O_CREAT | os.O_RDWR, 0o600)
        except OSError:
            return -1
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return None
        return fd

    def release(self, key: tuple[Any, ...], fd: int) -> None:
        """Let the lock of ``claim`` go, its file with it: a worker that opened the
        file meanwhile finds the answer kept when it looks again (``Remembered``)."""
        if fd < 0:
            return
        try:
            self._lock(key).unlink(missing_ok=True)
        finally:
            os.close(fd)

    def _lock(self, key: tuple[Any, ...]) -> Path:
        return self.folder / f".lock.{self.path(key).name}"

    def open(self, key: tuple[Any, ...]) -> tuple[IO[bytes], Path]:
        """A file to write an answer into (``keep`` names it, ``drop`` forgets it)."""
        partial = self.folder / f".{os.getpid()}.{next(self._made)}"
        return partial.open("wb"), partial

    def keep(self, key: tuple[Any, ...], answer: _Held, partial: Path, out: IO[bytes]) -> None:
        """The answer's file, its body written into ``out`` already, made the key's."""
        out.close()
        head = {
            "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in answer.headers],
            "etag": answer.etag,
            "asked": answer.asked,
        }
        whole = partial.with_name(partial.name + ".whole")
        try:
            with whole.open("wb") as f, partial.open("rb") as body:
                f.write(orjson.dumps(head) + b"\n")
                while chunk := body.read(2**20):
                    f.write(chunk)
            self.written += whole.stat().st_size
            os.replace(whole, self.path(key))
            if self.written > self.limit // 16:  # the folder is read now and then
                self.trim()
        except OSError:  # a full disk, a folder gone: the answer is computed next time
            whole.unlink(missing_ok=True)
        finally:
            partial.unlink(missing_ok=True)

    def put(self, key: tuple[Any, ...], answer: _Held) -> None:
        try:
            out, partial = self.open(key)
        except OSError:
            return
        try:
            out.write(answer.body)
        except OSError:
            self.drop(partial, out)
            return
        self.keep(key, answer, partial, out)

    def drop(self, partial: Path, out: IO[bytes]) -> None:
        out.close()
        partial.unlink(missing_ok=True)

    def trim(self) -> None:
        self.written = 0
        found = []
        for entry in os.scandir(self.folder):
            if not entry.name.startswith("."):
                try:
                    stat = entry.stat()
                except FileNotFoundError:  # another worker's trim took it
                    continue
                found.append((stat.st_mtime, stat.st_size, entry.path))
        total = sum(size for _, size, _ in found)
        for _, size, path in sorted(found):
            if total <= self.limit:
                break
            Path(path).unlink(missing_ok=True)
            total -= size


class _Catch:
    """A route's answer as it comes: held back while it may be kept in memory (a 200
    with an ETag, up to ONE_AT_MOST); past that, passed on as it comes, and written on
    the shelf (if any) to be kept there whole."""

    def __init__(self, send: Send, shelf: Shelf | None, key: tuple[Any, ...], asked: int):
        self.send, self.shelf, self.key, self.asked = send, shelf, key, asked
        self.start: Message | None = None
        self.parts: list[bytes] = []
        self.size = 0
        self.passing = False
        self.shelved: tuple[IO[bytes], Path] | None = None
        self.ended = False  # its last piece came: an answer cut off is never kept

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            self.ended = True
        if self.passing:
            if message["type"] == "http.response.body":
                self._shelve(message.get("body", b""))
            await self.send(message)
        elif message["type"] == "http.response.start":
            self.start = message
            if message["status"] != 200:
                self.passing = True
                await self.send(message)
        elif message["type"] == "http.response.body":
            self.parts.append(message.get("body", b""))
            self.size += len(self.parts[-1])
            if self.size > ONE_AT_MOST and self.start is not None:  # too big to hold
                await self._let_go(self.start, message.get("more_body", False))

    async def _let_go(self, start: Message, more: bool) -> None:
        self.passing = True
        body = b"".join(self.parts)
        self.parts.clear()
        if self.shelf is not None:
            try:
                self.shelved = self.shelf.open(self.key)
            except OSError:  # no room: sent, not shelved
                self.shelved = None
            self._shelve(body)
        await self.send(start)
        await self.send({"type": "http.response.body", "body": body, "more_body": more})

    def _shelve(self, body: bytes) -> None:
        if self.shelved is None or self.shelf is None:
            return
        try:
            self.shelved[0].write(body)
        except OSError:  # no room: the rest is sent, nothing shelved
            self.abandon()

    def abandon(self) -> None:
        if self.shelved is not None and self.shelf is not None:
            self.shelf.drop(self.shelved[1], self.shelved[0])
            self.shelved = None

    def finish(self) -> _Held | None:
        """The answer to keep in memory, if any (one on the shelf is kept there now)."""
        headers = [] if self.start is None else list(self.start.get("headers", []))
        etag = next((v.decode() for k, v in headers if k.lower() == b"etag"), None)
        complete = self.start is not None and self.start["status"] == 200 and self.ended
        if self.shelved is not None and self.shelf is not None:
            out, partial = self.shelved
            if etag is None or not complete:
                self.shelf.drop(partial, out)
            else:
                self.shelf.keep(self.key, _Held(200, headers, b"", etag, self.asked), partial, out)
            return None
        if self.passing or not complete or etag is None:
            return None
        return _Held(200, headers, b"".join(self.parts), etag, self.asked)


def _key(scope: Scope) -> tuple[Any, ...]:
    """What an answer depends on: the path and query, the log's head (and the rebuilds
    of its projections), gzip or not, and the reader's scopes and day, in a form the
    same in every worker (the shelf's key)."""
    head = scope["app"].state.store.standing()
    reader = scope.get("state", {}).get("reader")
    gzip = accepts_gzip(_header(scope, b"accept-encoding"))
    who = None
    if reader is not None:
        who = (tuple(sorted(reader.scopes)), reader.today.isoformat(), reader.show_recorded_by)
    return (scope["path"], scope["query_string"], head, gzip, who)


def _held_path(path: str) -> bool:
    return (path == "/" or path.startswith(_HELD)) and not path.startswith(_NEVER)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


class Remembered:
    """The middleware (inside ``Gate``, which names the reader)."""

    def __init__(
        self, app: ASGIApp, held_bytes: int = HELD_BYTES, shelf: Shelf | None = None
    ) -> None:
        self.app = app
        self.held_bytes = held_bytes
        self.shelf = shelf
        self.held: OrderedDict[tuple[Any, ...], _Held] = OrderedDict()
        self.size = 0
        self.computing: dict[tuple[Any, ...], asyncio.Event] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not _held_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        try:
            key = await run_in_threadpool(_key, scope)
        except Exception:  # the database is busy or gone: the route says so (503)
            await self.app(scope, receive, send)
            return
        while True:
            waiting = self.computing.get(key)
            if waiting is not None:  # the same answer, being computed: wait for it
                await waiting.wait()
            found = await self._recall(key)
            if found is not None:
                await self._send(found, scope, send)
            elif waiting is not None:  # the first kept nothing (not a 200): compute
                await self.app(scope, receive, send)
            elif key in self.computing:  # another began while it was looked for
                continue
            else:
                await self._compute(key, scope, receive, send)
            return

    async def _recall(self, key: tuple[Any, ...]) -> _Held | _Shelved | None:
        """The answer held in memory, or on the shelf (then held in memory too, unless
        too big to hold)."""
        found = self.held.get(key)
        if found is not None:
            self.held.move_to_end(key)
            return found
        if self.shelf is None:
            return None
        on_shelf = await run_in_threadpool(self.shelf.get, key)
        if isinstance(on_shelf, _Held):
            self._hold(key, on_shelf)
        return on_shelf

    async def _compute(
        self, key: tuple[Any, ...], scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Run the route: an answer it may keep is held back, kept, then sent (once kept,
        a slow client keeps nobody waiting); any other goes on as it comes. While another
        worker computes the same answer, wait for it and send what it kept."""
        done = self.computing[key] = asyncio.Event()
        answer: _Held | None = None
        found: _Held | _Shelved | None = None
        claim: int | None = None
        try:
            claim, found = await self._claim(key)
            if found is None:
                answer = await self._run(key, scope, receive, send)
        finally:
            if claim is not None and self.shelf is not None:
                await run_in_threadpool(self.shelf.release, key, claim)
            if self.computing.get(key) is done:
                del self.computing[key]
            done.set()
        if found is not None:
            await self._send(found, scope, send)
        elif answer is not None:
            await _send_whole(answer, send)

    async def _claim(self, key: tuple[Any, ...]) -> tuple[int | None, _Held | _Shelved | None]:
        """This worker's lock to compute ``key``'s answer, or the answer another worker
        kept while this one waited for its lock."""
        if self.shelf is None:
            return None, None
        pause = WAIT_FIRST
        while (claim := await run_in_threadpool(self.shelf.claim, key)) is None:
            await asyncio.sleep(pause)
            pause = min(2 * pause, WAIT_LAST)
            found = await self._recall(key)
            if found is not None:
                return None, found
        if pause > WAIT_FIRST:  # it waited: the other may have kept it just now
            found = await self._recall(key)
            if found is not None:
                await run_in_threadpool(self.shelf.release, key, claim)
                return None, found
        return claim, None

    async def _run(
        self, key: tuple[Any, ...], scope: Scope, receive: Receive, send: Send
    ) -> _Held | None:
        """The route's answer to hold, if any (one too big to hold is sent as it comes,
        and shelved)."""
        asked = len(scope["path"]) + len(scope["query_string"])
        catch = _Catch(send, self.shelf, key, asked)
        try:
            await self.app(scope, receive, catch)
        except BaseException:  # a half answer is never kept
            await run_in_threadpool(catch.abandon)
            raise
        answer = await run_in_threadpool(catch.finish)
        if answer is not None:
            self._hold(key, answer)
            if self.shelf is not None and len(answer.body) >= SHELF_OVER:
                await run_in_threadpool(self.shelf.put, key, answer)
        return answer

    def _hold(self, key: tuple[Any, ...], answer: _Held) -> None:
        self.held[key] = answer
        self.size += answer.size
        while self.size > self.held_bytes and self.held:
            _, gone = self.held.popitem(last=False)
            self.size -= gone.size

    async def _send(self, found: _Held | _Shelved, scope: Scope, send: Send) -> None:
        """The answer held, or 304 if the client holds it (as ``caching.answer`` does)."""
        try:
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
            elif isinstance(found, _Shelved):
                await _send_pieces(found, send)
            else:
                await _send_whole(found, send)
        finally:
            if isinstance(found, _Shelved):
                found.body.close()


async def _send_whole(answer: _Held, send: Send) -> None:
    start = {"type": "http.response.start", "status": answer.status, "headers": answer.headers}
    await send(start)
    await send({"type": "http.response.body", "body": answer.body})


PIECE = 2**20  # what a worker reads of a shelved answer at a time


async def _send_pieces(found: _Shelved, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": found.headers})
    while piece := await run_in_threadpool(found.body.read, PIECE):
        await send({"type": "http.response.body", "body": piece, "more_body": True})
    await send({"type": "http.response.body", "body": b""})
