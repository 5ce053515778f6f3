"""Who may write through ``timeline serve``: tokens granted and revoked by records. Pure.

``timeline token create NAME`` appends a grant to the log's own thread of tokens: the
token's name and the SHA-256 of the token, never the token itself, which is printed
once. ``timeline token revoke NAME`` appends a revocation. The tokens in force are a fold
of those records, so the log says who was granted what, and when, for good.

A token is checked against every token in force in constant time (``hmac.compare_digest``
on each, with no early exit), so the time an answer takes says nothing about how close
a guess came.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping

from timeline.model import Record, Token

__all__ = ["holder", "in_force", "token_digest"]


def token_digest(token: str) -> str:
    """What is stored of a token: the hex SHA-256 of its UTF-8 bytes. A token is 256 random
    bits, so a plain hash is enough: there is nothing to guess from it."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def in_force(records: Iterable[Record]) -> dict[str, str]:
    """Each token name in force with its digest, from the token records in seq order."""
    found: dict[str, str] = {}
    for r in records:
        entry = r.entry
        if isinstance(entry, Token):
            if entry.digest is None:
                found.pop(entry.name, None)
            else:
                found[entry.name] = entry.digest
    return found


def holder(token: str, tokens: Mapping[str, str]) -> str | None:
    """The name of the token in force that ``token`` is (None: none is)."""
    digest = token_digest(token)
    name = None
    for candidate, stored in sorted(tokens.items()):
        if hmac.compare_digest(digest, stored) and name is None:
            name = candidate
    return name
