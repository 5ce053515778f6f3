"""Conditional, compressed answers: a strong ETag from the answer's bytes, 304 for a
matching ``If-None-Match``, how long a cache may keep an answer, and gzip for a client
that accepts it.

The tag is a digest of the answer's bytes, not of the request or the log's head: the
same answer has the same tag in every worker and after a restart, and a page of the
log keeps its tag however the log grows (answers that echo the head ``seq`` change with
it, as their bytes do).

An answer over ``GZIP_OVER`` bytes is sent gzipped to a client whose Accept-Encoding
takes gzip, with ``Vary: Accept-Encoding``. The gzipped bytes are another
representation, so they carry their own strong tag (the plain one with ``-gzip``); a
client holding either gets a 304 (If-None-Match compares weakly: the content is one).
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import tempfile
import zlib
from collections.abc import Iterable
from typing import IO

from fastapi import Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

__all__ = [
    "GZIP_OVER",
    "IMMUTABLE",
    "REVALIDATE",
    "accepts_gzip",
    "answer",
    "answer_pieces",
    "etag_of",
    "matches",
]

# an answer that can never change (a full page of the log, an at_seq-pinned answer)
IMMUTABLE = "public, max-age=31536000, immutable"
# any other: a cache may keep it, but asks again (If-None-Match) before each use
REVALIDATE = "no-cache"
GZIP_OVER = 1024  # bytes: smaller answers gain less than gzip's own 18 bytes and time
GZIP_LEVEL = 5  # most of level 9's gain, at a third of its time on a big answer
IN_MEMORY = 8 * 2**20  # bytes: a bigger answer made a piece at a time goes to a file
PIECE = 2**20  # what is read of that file at a time, to be sent


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:40] + '"'


def _gzipped_tag(tag: str) -> str:
    return tag[:-1] + '-gzip"'


def matches(header: str | None, tags: tuple[str, ...]) -> bool:
    """If-None-Match uses the weak comparison (RFC 9110, 13.1.2): W/ does not matter."""
    if header is None:
        return False
    if header.strip() == "*":
        return True
    return any(t.strip().removeprefix("W/") in tags for t in header.split(","))


def accepts_gzip(header: str | None) -> bool:
    """Does an Accept-Encoding header take gzip (by name, or ``*``), with a q above 0?"""
    if not header:
        return False
    weights: dict[str, float] = {}
    for part in header.split(","):
        coding, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        weights[coding.strip().lower()] = q
    return weights.get("gzip", weights.get("x-gzip", weights.get("*", 0.0))) > 0


def answer(
    request: Request,
    body: bytes,
    media_type: str,
    *,
    immutable: bool = False,
    headers: dict[str, str] | None = None,
) -> Response:
    """The answer (gzipped for a client that takes it, if over ``GZIP_OVER``), or 304
    Not Modified (same tag and cache headers, no body) if the client already holds it."""
    compressible = len(body) > GZIP_OVER
    gzipped = compressible and accepts_gzip(request.headers.get("accept-encoding"))
    cache = IMMUTABLE if immutable else REVALIDATE
    sent, held = _sent(request, etag_of(body), cache, compressible, gzipped, headers)
    if held:
        return Response(status_code=304, headers=sent)
    if gzipped:
        body = gzip.compress(body, GZIP_LEVEL, mtime=0)
    return Response(body, media_type=media_type, headers=sent)


def _sent(
    request: Request,
    tag: str,
    cache: str,
    compressible: bool,
    gzipped: bool,
    headers: dict[str, str] | None,
) -> tuple[dict[str, str], bool]:
    """The headers of an answer with this tag, and whether the client holds it (304:
    the same headers, no body)."""
    sent = {"Cache-Control": cache, **(headers or {})}
    if compressible:
        sent["Vary"] = "Accept-Encoding"
    sent["ETag"] = _gzipped_tag(tag) if gzipped else tag
    held = matches(request.headers.get("if-none-match"), (tag, _gzipped_tag(tag)))
    if gzipped and not held:
        sent["Content-Encoding"] = "gzip"
    return sent, held


def answer_pieces(
    request: Request,
    pieces: Iterable[bytes],
    media_type: str,
    *,
    headers: dict[str, str] | None = None,
) -> Response:
    """``answer`` for a body made a piece at a time (a whole export), with the same tag,
    gzip and 304: made whole before the first byte is sent (an error is an error
    answer, never half a body), but past ``IN_MEMORY`` into a temporary file, gzipped
    there for a client that takes it, and its tag digested on the way, then sent from
    that file a piece at a time: a worker holds a piece of a calendar of any size, not
    all of it (fifty readers of a log of 200,000 events held 1.5 GB)."""
    held: list[bytes] = []
    size = 0
    pieces = iter(pieces)
    for piece in pieces:
        held.append(piece)
        size += len(piece)
        if size > IN_MEMORY:
            break
    else:  # small enough: as any answer
        return answer(request, b"".join(held), media_type, headers=headers)
    digest = hashlib.sha256()
    gzipped = accepts_gzip(request.headers.get("accept-encoding"))
    squeeze = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31) if gzipped else None  # 31: gzip
    out = tempfile.TemporaryFile()  # noqa: SIM115 - closed here, or once sent (_FileAnswer)
    try:
        for piece in itertools.chain(held, pieces):
            digest.update(piece)
            out.write(piece if squeeze is None else squeeze.compress(piece))
        if squeeze is not None:
            out.write(squeeze.flush())
        length = out.tell()
        out.seek(0)
    except BaseException:
        out.close()
        close = getattr(pieces, "close", None)
        if close is not None:  # an export stopped halfway: its read ends now
            close()
        raise
    tag = '"' + digest.hexdigest()[:40] + '"'  # etag_of's, of the bytes as they came
    sent, known = _sent(request, tag, REVALIDATE, True, gzipped, headers)
    if known:  # the client holds it
        out.close()
        return Response(status_code=304, headers=sent)
    sent["Content-Length"] = str(length)
    return _FileAnswer(out, media_type=media_type, headers=sent)


class _FileAnswer(Response):
    """An answer sent from an open file a piece at a time, the file closed once sent.
    Whole whether the reader stays or leaves (the server drops what it can no longer
    send), so that what remembers it never keeps one cut off; Starlette's streaming
    answer stops when the reader leaves."""

    def __init__(self, body: IO[bytes], media_type: str, headers: dict[str, str]) -> None:
        super().__init__(media_type=media_type, headers=headers)
        self.file = body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        with self.file:
            start = {"type": "http.response.start", "status": self.status_code}
            await send({**start, "headers": self.raw_headers})
            while piece := await run_in_threadpool(self.file.read, PIECE):
                await send({"type": "http.response.body", "body": piece, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
