"""Conditional answers: a strong ETag from the answer's bytes, 304 for a matching
``If-None-Match``, and how long a cache may keep an answer.

The tag is a digest of the answer's bytes, not of the request or the log's head: the
same answer has the same tag in every worker and after a restart, and a page of the
log keeps its tag however the log grows (answers that echo the head ``seq`` change with
it, as their bytes do).
"""

from __future__ import annotations

import hashlib

from fastapi import Request
from fastapi.responses import Response

__all__ = ["IMMUTABLE", "REVALIDATE", "answer", "etag_of"]

# an answer that can never change (a full page of the log, an at_seq-pinned answer)
IMMUTABLE = "public, max-age=31536000, immutable"
# any other: a cache may keep it, but asks again (If-None-Match) before each use
REVALIDATE = "no-cache"


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:40] + '"'


def _matches(header: str | None, tag: str) -> bool:
    """If-None-Match uses the weak comparison (RFC 9110, 13.1.2): W/ does not matter."""
    if header is None:
        return False
    if header.strip() == "*":
        return True
    return any(t.strip().removeprefix("W/") == tag for t in header.split(","))


def answer(
    request: Request,
    body: bytes,
    media_type: str,
    *,
    immutable: bool = False,
    headers: dict[str, str] | None = None,
) -> Response:
    """The answer, or 304 Not Modified (same tag and cache headers, no body) if the
    client already holds these bytes."""
    tag = etag_of(body)
    sent = {"ETag": tag, "Cache-Control": IMMUTABLE if immutable else REVALIDATE}
    sent.update(headers or {})
    if _matches(request.headers.get("if-none-match"), tag):
        return Response(status_code=304, headers=sent)
    return Response(body, media_type=media_type, headers=sent)
