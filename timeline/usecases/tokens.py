"""Use cases of the tokens that may read and write through ``timeline serve`` (see
``access``)."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from timeline.core.access import (
    SCOPES,
    granted_scopes,
    holder,
    in_force,
    scopes_in_force,
    token_digest,
)
from timeline.core.errors import InvalidEvent, TimelineError
from timeline.core.model import TOKENS, Key, Record, Token
from timeline.core.validate import text_field
from timeline.storage import EventStore, Writer
from timeline.usecases._append import append

__all__ = ["Bearer", "Grant", "create_token", "grants", "revoke_token", "token_holder"]


@dataclass(frozen=True)
class Grant:
    """A token name, when it was granted, and when revoked (None: in force), and the
    scopes it was granted (as named, not as implied)."""

    name: str
    granted: dt.datetime
    revoked: dt.datetime | None = None
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Bearer:
    """Who a token presented is: the name of the token in force it is (None: none), the
    scopes that token holds (``access.implied``), and whether it is one that was revoked."""

    name: str | None
    scopes: frozenset[str] = frozenset()
    revoked: bool = False


def _scopes(scopes: tuple[str, ...]) -> tuple[str, ...]:
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise InvalidEvent(
            [("scope", f"unknown scope {(unknown or [''])[0]!r} (valid: {', '.join(SCOPES)})")]
        )
    return tuple(s for s in SCOPES if s in scopes)  # one order, each once


def _name(name: str) -> str:
    try:
        return text_field(name, "the token's name", one_line=True)
    except ValueError as e:
        raise InvalidEvent([("name", str(e))]) from None


def _append_token(
    w: Writer,
    name: str,
    digest: str | None,
    now: dt.datetime,
    scopes: tuple[str, ...] | None = None,
) -> Record:
    n = len(w.log.token_records()) + 1
    while Key(TOKENS, f"token-{n}") in w.log.find([Key(TOKENS, f"token-{n}")]):
        n += 1
    entry = Token(TOKENS, f"token-{n}", name, digest, now.astimezone(dt.UTC).date(), scopes)
    (record,) = append(w, [(entry, None)], now)
    return record


def create_token(
    store: EventStore, name: str, now: dt.datetime, scopes: tuple[str, ...] = ("write",)
) -> str:
    """A new random token for ``name`` holding ``scopes`` (``access.SCOPES``), granted by
    a record that keeps only its hash; the token itself is returned once and stored
    nowhere. A name holds one token at a time: revoke it first to grant a new one."""
    name = _name(name)
    scopes = _scopes(scopes)
    token = "tl_" + secrets.token_urlsafe(32)  # 256 random bits
    with store.writing([TOKENS]) as w:
        if name in in_force(w.log.token_records()):
            raise TimelineError(f"{name!r} holds a token already: `timeline token revoke` it first")
        _append_token(w, name, token_digest(token), now, scopes)
    return token


def revoke_token(store: EventStore, name: str, now: dt.datetime) -> Record:
    """Withdraw ``name``'s token by a revocation record: it writes no more."""
    name = _name(name)
    with store.writing([TOKENS]) as w:
        if name not in in_force(w.log.token_records()):
            raise TimelineError(f"no token in force is named {name!r}; `timeline token list`")
        return _append_token(w, name, None, now)


def grants(store: EventStore) -> list[Grant]:
    """Every token granted, in the order granted, with its revocation if any."""
    out: list[Grant] = []
    with store.reading() as r:
        for record in r.log.token_records():
            entry = record.entry
            if not isinstance(entry, Token):
                continue
            if entry.digest is not None:
                out.append(Grant(entry.name, record.recorded_at, None, granted_scopes(entry)))
                continue
            # the latest grant of that name (restore and verify vouch that there is one)
            held = [i for i, g in enumerate(out) if g.name == entry.name and g.revoked is None]
            if held:
                grant = out[held[-1]]
                out[held[-1]] = Grant(entry.name, grant.granted, record.recorded_at, grant.scopes)
    return out


def token_holder(store: EventStore, token: str) -> Bearer:
    """Who ``token`` is: the token in force it is, with its scopes, or none (and whether
    it is one that was revoked): a check in constant time against every token ever
    granted."""
    with store.reading() as r:
        records = r.log.token_records()
    now = holder(token, in_force(records))
    if now is not None:
        return Bearer(now, scopes_in_force(records)[now])
    every = {
        f"{r.entry.name}#{r.seq}": r.entry.digest
        for r in records
        if isinstance(r.entry, Token) and r.entry.digest is not None
    }
    return Bearer(None, revoked=holder(token, every) is not None)
