"""Scheduled events: what was announced by a day and had not happened yet."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from timeline.core.amend import annotate
from timeline.core.model import Event, ThreadState, Upcoming
from timeline.usecases._common import Readable, Threads, names_of, only_threads, require_threads

if TYPE_CHECKING:
    from timeline.storage.plain import PlainReader

__all__ = ["upcoming", "upcoming_events", "with_upcoming"]


def upcoming(store: Readable, day: dt.date, thread: Threads = None) -> list[Event]:
    """The scheduled events announced by the end of ``day`` that had not happened by
    then, of every thread (or those asked for), by date: what ``timeline upcoming``
    lists, including threads in which nothing has happened yet."""
    with store.reading() as r:
        threads = only_threads(thread)
        require_threads(r, threads or ())
        coming = upcoming_events(r, threads, day)
        names = names_of(r)
    found = [names.event(e) for events in coming.values() for e in events]
    return sorted(found, key=lambda e: (e.date.first, e.date.last, e.thread, e.id))


def upcoming_events(
    r: PlainReader,
    threads: Iterable[str] | None,
    day: dt.date,
    viewer: str | None = None,
    recorded_before: dt.datetime | None = None,
    through_seq: int | None = None,
) -> dict[str, list[Event]]:
    """Each thread's (None: every thread's) scheduled events announced by ``day`` and
    not yet happened on it, as amended by then (a retraction calls one off, a
    correction moves it), by date; of the log as this database held it at a moment, or
    up to a seq, if given."""
    keys = r.log.scheduled(threads)
    coming: dict[str, list[Event]] = {}
    if not keys:
        return coming
    read = r.log.event_records(keys, recorded_before)
    records = [x for x in read if through_seq is None or x.seq <= through_seq]
    for view in annotate(records, day, viewer=viewer):
        event = view.record.event
        if view.retraction is None and event.upcoming_on(day):
            coming.setdefault(event.thread, []).append(event)
    for events in coming.values():
        events.sort(key=lambda e: (e.date.first, e.date.last, e.id))
    return coming


def with_upcoming(
    r: PlainReader,
    states: list[ThreadState],
    day: dt.date,
    viewer: str | None = None,
    recorded_before: dt.datetime | None = None,
    through_seq: int | None = None,
) -> list[ThreadState]:
    """The states, each with its upcoming events on ``day``."""
    threads = [s.thread for s in states]
    coming = upcoming_events(r, threads, day, viewer, recorded_before, through_seq)
    return [
        replace(s, upcoming=tuple(Upcoming.of(e) for e in coming[s.thread]))
        if s.thread in coming
        else s
        for s in states
    ]
