"""Naming what the log is about: a thread's title (``retitle``), an actor's other names
(``alias``). Each appends a record; nothing is edited."""

from __future__ import annotations

import datetime as dt

from timeline.core.errors import InvalidEvent, UnknownThread
from timeline.core.model import ALIASES, Alias, Key, Record, Retitle, is_slug
from timeline.core.names import Names, alias_problem
from timeline.core.validate import text_field
from timeline.storage import EventStore
from timeline.usecases._append import append
from timeline.usecases.recording import checked_title

__all__ = ["record_alias", "retitle"]


def retitle(store: EventStore, thread: str, title: str, now: dt.datetime) -> Record | None:
    """Name ``thread`` anew: appends a title record (``title-1``, ``title-2``... in the
    thread), which every view shows at once (a title is a label, not news; see
    ``projector``). None when the thread already has that title: nothing is appended."""
    name = checked_title(title)
    if name is None:
        raise InvalidEvent([("title", "the new title is empty")])
    if not is_slug(thread):  # none of the log's threads, and not for the database
        raise UnknownThread(f"unknown thread {thread!r}; `timeline threads` lists them")
    with store.writing([thread]) as w:
        if thread not in w.projections.horizons([thread]):
            raise UnknownThread(f"unknown thread {thread!r}; `timeline threads` lists them")
        if w.projections.titles([thread]).get(thread, (None, 0))[0] == name:
            return None
        n = 1
        while Key(thread, f"title-{n}") in w.log.find([Key(thread, f"title-{n}")]):
            n += 1
        entry = Retitle(thread, f"title-{n}", name, now.astimezone(dt.UTC).date())
        (record,) = append(w, [(entry, name)], now)
    return record


def record_alias(
    store: EventStore, alias: str, canonical: str, now: dt.datetime, known: dt.date | None = None
) -> Record | None:
    """Make ``alias`` a name of the actor every view shows as ``canonical``: appends an
    alias record (``alias-1``, ``alias-2``... in the log's thread of names). None when it
    is one already; InvalidEvent when the two names cannot be one (``alias_problem``).
    ``known``: the day the names were found to be one (default: today), for the log."""
    try:
        names = [
            text_field(n, what, one_line=True, name=True)
            for n, what in ((alias, "the alias"), (canonical, "the canonical name"))
        ]
    except ValueError as e:
        raise InvalidEvent([("alias", str(e))]) from None
    with store.writing([ALIASES]) as w:
        current = Names.of(w.log.alias_records())
        problem = alias_problem(names[0], names[1], current)
        if problem is not None:
            raise InvalidEvent([("alias", problem)])
        if current.actor(names[0]) == names[1]:
            return None
        n = len(current.pairs) + 1
        while Key(ALIASES, f"alias-{n}") in w.log.find([Key(ALIASES, f"alias-{n}")]):
            n += 1
        day = known or now.astimezone(dt.UTC).date()
        (record,) = append(w, [(Alias(ALIASES, f"alias-{n}", names[0], names[1], day), None)], now)
    return record
