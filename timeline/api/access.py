"""The library face of writes from elsewhere: one entry as an event file writes it (what
``timeline serve`` takes), and the tokens that may write so."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from timeline import usecases
from timeline.api._common import now_of
from timeline.core.model import Record
from timeline.storage import EventStore
from timeline.usecases import Bearer, Grant

__all__ = ["create_token", "record", "revoke_token", "token_holder", "tokens"]


def record(
    store: EventStore,
    fields: Mapping[str, Any],
    *,
    now: dt.datetime | None = None,
    recorded_by: str | None = None,
    expected: int | None = None,
    thread_title: str | None = None,
) -> tuple[Record, bool]:
    """Record one event, correction or retraction given as an event file writes it (by
    its ``type``): (its record, whether it is new). The same entry again returns the
    recorded one (a client may retry); a different one under a recorded key raises
    ``KeyTaken``. ``expected``: the thread's version the writer read (``ConflictError``
    if it has moved on); ``recorded_by``: the name of the token it came with."""
    result = usecases.record_entry(
        store,
        fields,
        now_of(now),
        recorded_by=recorded_by,
        expected=expected,
        thread_title=thread_title,
    )
    return result.record, not result.already


def create_token(
    store: EventStore,
    name: str,
    *,
    scopes: tuple[str, ...] = ("write",),
    now: dt.datetime | None = None,
) -> str:
    """A new token for ``timeline serve`` holding ``scopes`` (``read``, ``read:all``,
    ``write``, ``admin``), granted to ``name`` by a record that keeps only its hash:
    returned once, stored nowhere."""
    return usecases.create_token(store, name, now_of(now), scopes)


def revoke_token(store: EventStore, name: str, *, now: dt.datetime | None = None) -> Record:
    """Withdraw ``name``'s token, by a revocation record."""
    return usecases.revoke_token(store, name, now_of(now))


def tokens(store: EventStore) -> list[Grant]:
    """Every token granted, in order, with its revocation if any."""
    return usecases.grants(store)


def token_holder(store: EventStore, token: str) -> Bearer:
    """Who ``token`` is (``Bearer``: the token in force it is and its scopes, or none,
    and whether it was revoked), checked in constant time."""
    return usecases.token_holder(store, token)
