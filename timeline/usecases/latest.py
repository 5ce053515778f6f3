"""The latest events of each thread, as known by a day: what a page lists, read without
decoding the whole log."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from timeline.core.model import EventView, Record
from timeline.core.views import log_views
from timeline.usecases._common import Readable, names_of, require_threads

__all__ = ["Recent", "known_lately", "recent"]


@dataclass(frozen=True)
class Recent:
    """Each thread's latest events known by a day, and what the rest amounts to."""

    views: list[EventView[Record]]  # in timeline order, as amended by the day
    counts: dict[str, int]  # each thread's events known by the day
    first: dt.date | None  # the first day those events cover (None: there are none)
    last: dt.date | None  # the latest day one of them became known


def recent(store: Readable, per_thread: int, known_by: dt.date) -> Recent:
    """The latest ``per_thread`` events of each thread (by date) publicly known by
    ``known_by``, with their corrections and retractions as known then: ``log`` of
    those events alone. They are chosen by their dates as recorded, so a correction
    that moves an event may leave it out of its thread's latest ones, or in."""
    with store.reading() as r:
        records = r.log.event_records(r.log.latest_events(per_thread, known_by))
        spans = r.log.event_spans(known_by)
        names = names_of(r)
    return Recent(
        views=log_views(names.records(records), known_by),
        counts={t: n for t, (n, _, _) in spans.items()},
        first=min((first for _, first, _ in spans.values()), default=None),
        last=max((last for _, _, last in spans.values()), default=None),
    )


def known_lately(
    store: Readable, limit: int, known_by: dt.date, threads: list[str] | None = None
) -> list[EventView[Record]]:
    """The ``limit`` events (of some threads; None: all) that became public last by a
    day, latest first (by the day each became public, then as recorded), as amended
    then; one retracted by then is left out. What a feed of news follows."""
    asked = limit
    while True:  # retracted ones are left out: read further back until the feed is full
        with store.reading() as r:
            if threads is not None:
                require_threads(r, threads)
            keys = r.log.latest_known(asked, known_by, threads)
            records = r.log.event_records(keys)
            names = names_of(r)
        views = log_views(names.records(records), known_by)
        place = {key: n for n, key in enumerate(keys)}
        shown = [v for v in views if v.record.entry.key in place and v.retraction_entry is None]
        if len(shown) >= limit or len(keys) < asked:
            return sorted(shown, key=lambda v: place[v.record.entry.key])[:limit]
        asked *= 2
