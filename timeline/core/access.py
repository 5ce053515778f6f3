"""Who may do what through ``timeline serve``: tokens granted and revoked by records,
and the scopes each holds. Pure.

``timeline token create NAME --scope ...`` appends a grant to the log's own thread of
tokens: the token's name, its scopes and the SHA-256 of the token, never the token
itself, which is printed once. ``timeline token revoke NAME`` appends a revocation. The
tokens in force are a fold of those records, so the log says who was granted what, and
when, for good.

The scopes (``SCOPES``): ``read``, the public view (what is public as of today);
``read:all``, everything a reader can ask (viewpoints, events known after today, the
raw log); ``write``, recording through ``POST /api/v1/events``; ``admin``, the list of
tokens. A wider scope holds the narrower ones it names (``implied``). A grant recorded
before tokens had scopes holds ``write``, all a token could do then (reading needed
none), and so reads the public view.

A token is checked against every token in force in constant time (``hmac.compare_digest``
on each, with no early exit), so the time an answer takes says nothing about how close
a guess came.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import replace

from timeline.core.model import SYSTEM_THREADS, TREE, Correction, Event, EventView, Record, Token

__all__ = [
    "LEGACY_SCOPES",
    "SCOPES",
    "granted_scopes",
    "holder",
    "implied",
    "in_force",
    "provable",
    "public_record",
    "public_view",
    "scopes_in_force",
    "token_digest",
]

SCOPES = ("read", "read:all", "write", "admin")
LEGACY_SCOPES = ("write",)  # what a token granted before scopes existed could do
_IMPLIES = {
    "read": {"read"},
    "read:all": {"read", "read:all"},
    "write": {"read", "write"},
    "admin": set(SCOPES),
}


def implied(scopes: Iterable[str]) -> frozenset[str]:
    """The scopes a token holds, with those its wider scopes imply (unknown ones give
    nothing: ``verify`` reports them)."""
    return frozenset(s for scope in scopes for s in _IMPLIES.get(scope, ()))


def granted_scopes(token: Token) -> tuple[str, ...]:
    """The scopes a grant names (a grant from before scopes: ``LEGACY_SCOPES``)."""
    return LEGACY_SCOPES if token.scopes is None else token.scopes


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


def scopes_in_force(records: Iterable[Record]) -> dict[str, frozenset[str]]:
    """Each token name in force with the scopes it holds (``implied``), from the token
    records in seq order."""
    found: dict[str, frozenset[str]] = {}
    for r in records:
        entry = r.entry
        if isinstance(entry, Token):
            if entry.digest is None:
                found.pop(entry.name, None)
            else:
                found[entry.name] = implied(granted_scopes(entry))
    return found


def holder(token: str, tokens: Mapping[str, str]) -> str | None:
    """The name of the token in force that ``token`` is (None: none is)."""
    digest = token_digest(token)
    name = None
    for candidate, stored in sorted(tokens.items()):
        if hmac.compare_digest(digest, stored) and name is None:
            name = candidate
    return name


# ---- the public view ---------------------------------------------------------------------


def public_record(record: Record, *, recorded_by: bool = False) -> Record | None:
    """A record as the public view serves it (None: not at all). An event's ``known_to``
    (who knew it before the public, and when) is private knowledge: left out, and so is
    a correction's new ``known_to`` (a correction that sets nothing else is left out
    whole); a token record is never served; ``recorded_by`` (the token a record came
    with) only if the operator publishes it."""
    entry = record.entry
    if isinstance(entry, Token):
        return None
    if isinstance(entry, Event) and entry.known_to:
        record = replace(record, entry=replace(entry, known_to=()))
    elif isinstance(entry, Correction) and "known_to" in entry.changes:
        changes = {k: v for k, v in entry.changes.items() if k != "known_to"}
        if not changes:
            return None
        record = replace(record, entry=replace(entry, changes=changes))
    if record.recorded_by is not None and not recorded_by:
        record = replace(record, recorded_by=None)
    return record


def provable(record: Record, *, today: dt.date, recorded_by: bool = False) -> bool:
    """May the public view hand out a proof of ``record``? A proof holds the record
    whole (its hash covers every field), so only one the public view serves unchanged:
    public by ``today``, of a negotiation or of the log's keys and checkpoints, nothing
    left out of it (``public_record``)."""
    entry = record.entry
    if entry.thread in SYSTEM_THREADS and entry.thread != TREE:
        return False
    return entry.known <= today and public_record(record, recorded_by=recorded_by) == record


def public_view(view: EventView[Record], *, recorded_by: bool = False) -> EventView[Record]:
    """An event as the public view serves it (see ``public_record``)."""

    def shown(r: Record) -> Record:
        # an event is always served (it is the view); an amendment may not be
        return public_record(r, recorded_by=recorded_by) or r

    corrections = tuple(
        c for c in (public_record(c, recorded_by=recorded_by) for c in view.corrections) if c
    )
    record, original = shown(view.record), shown(view.original)
    retraction = None if view.retraction is None else shown(view.retraction)
    public = None if view.public is None else shown(view.public)
    same = (  # (most views: every record served as it is, the view itself)
        record is view.record
        and original is view.original
        and retraction is view.retraction
        and public is view.public
        and len(corrections) == len(view.corrections)
        and all(c is was for c, was in zip(corrections, view.corrections, strict=True))
    )
    if same:
        return view
    return replace(
        view,
        record=record,
        original=original,
        corrections=corrections,
        retraction=retraction,
        public=public,
    )
