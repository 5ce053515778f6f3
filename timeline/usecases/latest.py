"""The latest events of each thread, as known by a day: what a page lists, read without
decoding the whole log."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from timeline.core.filters import EventFilter
from timeline.core.model import EventView, Key, Record
from timeline.core.views import log_views
from timeline.core.window import (
    Cluster,
    Unit,
    arrange,
    needs_parts,
    share_of,
    spot_matches,
    spot_of,
    tally,
    unit_for,
)
from timeline.usecases._common import (
    Readable,
    check_range,
    names_of,
    require_filter,
    require_threads,
    search_for,
)

if TYPE_CHECKING:
    from timeline.storage import EventStore

__all__ = ["Recent", "Window", "event_as_known", "known_lately", "recent", "window"]


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
    those events alone (none for 0: the counts and days alone). They are chosen by
    their dates as recorded, so a correction that moves an event may leave it out of
    its thread's latest ones, or in."""
    with store.reading() as r:
        latest = r.log.latest_events(per_thread, known_by) if per_thread > 0 else []
        records = r.log.event_records(latest)
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


@dataclass(frozen=True)
class Window:
    """What a page draws between two days, as publicly known by a day (``window``)."""

    views: list[EventView[Record]]  # the events drawn on their own, as amended by the day
    clusters: list[Cluster]  # the rest, counted by unit
    unit: Unit  # what clusters count in
    events: int  # every event in the window (drawn or counted)


def window(
    store: EventStore,
    known_by: dt.date,
    since: dt.date,
    until: dt.date,
    threads: list[str] | None,
    only: EventFilter | None,
    budget: int,
) -> Window:
    """The events whose dates overlap [since, until], publicly known (or announced) by
    ``known_by`` and not retracted by then, that ``only`` keeps, of some threads (None:
    all), arranged for ``budget`` items (``core.window.arrange``). Where they lie is read
    from the log's columns; only the events drawn on their own, and those a correction
    or retraction names (few), are read whole, so a window over a million events costs
    a scan of its rows, never a decoding of their payloads."""
    check_range(since, until)
    with store.reading() as r:
        require_threads(r, threads or ())
        require_filter(r, only)
        names = names_of(r)
        only = names.widened(search_for(r, only, [known_by]))
        # shared by the threads with anything public by the day: a thread recorded ahead
        # of its known day must not change what the public view draws
        in_view = len(threads) if threads else len(r.log.event_spans(known_by))
        share = share_of(budget, in_view)
        unit = unit_for(since, until, share)
        amended = r.log.amended(threads)
        exact = {
            v.record.event.key: v
            for v in log_views(names.records(r.log.event_records(amended)), known_by, since, until)
            if v.retraction_entry is None
            and (only is None or only.matches(v.record.event))
            and (threads is None or v.record.event.thread in threads)
        }
        counted = tally([spot_of(v.record.event) for v in exact.values()], unit, since, share)
        # by the database's counts, unless the filter needs each event's names (or a
        # search found some: those alone are read)
        if only is None or not (needs_parts(only) or only.found is not None):
            types = only.types if only is not None else ()
            counted += r.log.window.tallies(known_by, since, until, unit, share, threads, types)
        else:
            found = only.found
            spots = (
                r.log.window.spots(known_by, since, until, threads, parts=needs_parts(only))
                if found is None
                else r.log.window.spots_of(
                    (k for k in found if threads is None or k.thread in threads),
                    known_by,
                    since,
                    until,
                )
            )
            spots = [s for s in spots if s.key not in amended and spot_matches(only, s)]
            counted += tally(spots, unit, since, share)
        drawn, clusters = arrange(counted, unit, share)
        plain = [k for k in drawn if k not in exact]
        views = log_views(names.records(r.log.event_records(plain)), known_by)
    views += [exact[k] for k in drawn if k in exact]
    views.sort(key=lambda v: (v.record.event.date.first, v.record.event.known, v.record.seq))
    return Window(views, clusters, unit, sum(t.events for t in counted))


def event_as_known(store: Readable, key: Key, known_by: dt.date | None) -> EventView[Record] | None:
    """One event as publicly known by a day (None: as recorded, every amendment), with
    its corrections and retraction then; None when it was not known then, or is none."""
    with store.reading() as r:
        require_threads(r, [key.thread])
        names = names_of(r)
        records = r.log.event_records([key])
    found = [v for v in log_views(names.records(records), known_by) if v.record.event.key == key]
    return found[0] if found else None
