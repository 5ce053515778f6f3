"""Use cases that read the state and the story: asof, threads, log, history, diff,
export."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from timeline.core.filters import EventFilter
from timeline.core.model import EventView, Hidden, Record, ThreadState
from timeline.core.names import Names
from timeline.core.projector import project, project_from
from timeline.core.views import (
    Diff,
    History,
    compute_diff,
    event_views,
    history_of,
    log_records,
    log_views,
)
from timeline.usecases._common import (
    EXPORT_BATCH,
    Readable,
    Threads,
    check_range,
    names_of,
    narrowed,
    only_threads,
    pinned,
    require_actor,
    require_filter,
    require_threads,
    search_for,
)
from timeline.usecases.scheduled import with_upcoming

if TYPE_CHECKING:
    from timeline.storage import EventStore, Reader
    from timeline.storage.plain import PlainReader

# what an earlier log is cut at: records recorded by a time, and up to a seq
Past = tuple[dt.datetime | None, int | None]

__all__ = [
    "all_records",
    "as_of",
    "count",
    "diff",
    "export_batches",
    "history",
    "log",
    "raw_log",
    "stored_as_of",
    "threads",
    "title",
]


def count(store: Readable, recorded_before: dt.datetime | None = None) -> int:
    """Records in the log (those this database held at a time, if given)."""
    with store.reading() as r:
        return r.log.count(recorded_before)


def all_records(store: EventStore) -> list[Record]:
    """Every record as appended, in seq order (what a backup holds)."""
    with store.reading() as r:
        return r.log.records()


def _viewpoint(
    r: PlainReader,
    threads: list[str] | None,
    day: dt.date,
    viewer: str,
    names: Names,
    read: Callable[[list[str]], list[Record]],
) -> list[ThreadState]:
    """Every thread as ``viewer`` knew it on ``day``: a replay of whole records (they
    hold ``known_to``) that ``read`` gives, a group of whole threads at a time."""
    out: list[ThreadState] = []
    for group in r.log.thread_groups(threads, EXPORT_BATCH):
        out += project(names.records(read(group)), as_of=day, viewer=viewer).values()
    return sorted(out, key=lambda s: s.thread)


def viewpoint_as_of(
    store: Readable, day: dt.date, viewer: str, thread: Threads = None
) -> list[ThreadState]:
    """``as_of`` as ``viewer`` knew it on ``day``, from the log as it stands, in the
    plain reads a ``Snapshot`` has (a command that asks it loads no SQLAlchemy)."""
    with store.reading() as r:
        threads = only_threads(thread)
        require_threads(r, threads or ())
        require_actor(r, viewer)
        names = names_of(r)
        viewer = names.actor(viewer)
        replayed = _viewpoint(r, threads, day, viewer, names, r.log.whole_records)
        return with_upcoming(r, names.states(replayed), day, viewer)


def as_of(
    store: EventStore,
    day: dt.date,
    thread: Threads = None,
    recorded_before: dt.datetime | None = None,
    viewer: str | None = None,
    only: EventFilter | None = None,
    at_seq: int | None = None,
) -> list[ThreadState]:
    """The state of every thread (or those asked for) as publicly known at the end of
    ``day`` — or as ``viewer`` knew it then: the public view and what that actor was
    privy to (``viewpoints``). ``only`` keeps the threads it asks about
    (``EventFilter.thread_matches``, and an event of one of its types known then).

    A thread whose stored state has nothing known after ``day`` is served from the
    projection table; the others continue their latest checkpoint on or before
    ``day`` with the records known after it (see ``checkpoints``). With
    ``recorded_before``, a ``viewer`` or an ``at_seq`` below the head (the log as it
    stood when its last record was that one) every record is replayed.
    """
    if recorded_before is None and only is None and at_seq is None:
        if viewer is None:
            return stored_as_of(store, day, thread)
        return viewpoint_as_of(store, day, viewer, thread)
    with store.reading() as r:
        require_threads(r, only_threads(thread) or ())
        require_actor(r, viewer)
        require_filter(r, only)
        through = pinned(r, at_seq)
        names = names_of(r, recorded_before, through)
        only = search_for(r, only, [day], recorded_before=recorded_before, through_seq=through)
        only = names.widened(only)
        viewer = None if viewer is None else names.actor(viewer)
        past = (recorded_before, through)
        states = _states(r, day, only_threads(thread), past, viewer, names)
        if only:
            states = [s for s in states if only.thread_matches(s)]
        if only and only.per_event:
            candidates = narrowed([s.thread for s in states], only) or []
            having = _with_events(r, candidates, day, only, viewer, (recorded_before, through))
            states = [s for s in states if s.thread in having]
        return with_upcoming(r, states, day, viewer, recorded_before, through)


def _states(
    r: Reader,
    day: dt.date,
    threads: list[str] | None,
    past: Past,
    viewer: str | None,
    names: Names,
) -> list[ThreadState]:
    """The states under canonical names: projected from the records as recorded, the
    names of each state merged after (the stored states and checkpoints hold them as
    recorded); a viewpoint renames the records first, to match the viewer's names."""
    recorded_before, through = past
    if viewer is not None:

        def read(group: list[str]) -> list[Record]:
            return r.log.records(group, recorded_before=recorded_before, through_seq=through)

        return names.states(_viewpoint(r, threads, day, viewer, names, read))
    if recorded_before is not None or through is not None:
        records = r.log.fold_records(
            threads,
            known_by=day,
            with_titles=True,
            recorded_before=recorded_before,
            through_seq=through,
        )
        return names.states(project(records, as_of=day).values())
    return names.states(_stored(r, day, threads))


def stored_as_of(store: Readable, day: dt.date, thread: Threads = None) -> list[ThreadState]:
    """``as_of`` the public record, from the stored projections alone: the reads of a
    ``PlainReader``, so that a ``Snapshot`` answers it as well as an ``EventStore``."""
    with store.reading() as r:
        threads = only_threads(thread)
        require_threads(r, threads or ())
        states = names_of(r).states(_stored(r, day, threads))
        return with_upcoming(r, states, day)


def _stored(r: PlainReader, day: dt.date, threads: list[str] | None) -> list[ThreadState]:
    """The states on ``day``, by slug: a thread with nothing known after ``day`` is its
    stored state (none if nothing shows); the others continue a checkpoint."""
    horizons = r.projections.horizons(threads)
    result = r.projections.states([t for t, h in horizons.items() if h <= day])
    result.update(_from_checkpoints(r, [t for t, h in horizons.items() if h > day], day))
    return [result[t] for t in sorted(result)]


def _with_events(
    r: Reader,
    threads: list[str],
    day: dt.date,
    only: EventFilter,
    viewer: str | None,
    past: Past,
) -> set[str]:
    """The threads with an event shown on ``day`` (to ``viewer``) of one of the filter's
    types, whose text it found."""
    wanted = EventFilter(types=only.types, found=only.found)
    found: set[str] = set()
    for group in r.log.thread_groups(threads, EXPORT_BATCH) if threads else ():
        known_by = day if viewer is None else None  # a viewer's days are not stored
        records = r.log.records(
            group, known_by=known_by, recorded_before=past[0], through_seq=past[1]
        )
        for a in event_views(records, day, viewer=viewer):
            if a.retraction is None and wanted.matches(a.record.event):
                found.add(a.record.event.thread)
    return found


def _from_checkpoints(r: PlainReader, threads: list[str], day: dt.date) -> dict[str, ThreadState]:
    """The states on ``day`` of threads with records known after it, each continued
    from its latest checkpoint on or before ``day`` (from nothing if it has none)."""
    if not threads:
        return {}
    points = r.projections.checkpoints_on(threads, day)
    starts = {t: p.day for t, p in points.items()}
    tails = r.log.tails({t: starts.get(t) for t in threads}, day)
    titles = r.projections.titles(threads)
    out: dict[str, ThreadState] = {}
    for t in threads:
        point = project_from(points.get(t), t, tails[t], day)
        if point is None:  # a stale checkpoint: never expected, but never trusted
            point = project_from(None, t, r.log.tails({t: None}, day)[t], day)
        if point is not None and point.state is not None:
            title, title_seq = titles[t]
            out[t] = replace(point.state, title=title, title_seq=title_seq)
    return out


def threads(store: Readable, day: dt.date) -> list[ThreadState | Hidden]:
    """Every thread, sorted by slug, as it stands on ``day``: what has happened and was
    public by then, as ``as_of`` answers (a meeting scheduled for later does not set
    the status yet). A thread that shows nothing on ``day`` is listed too, as what is
    known of it (``Hidden``): all its events retracted, or all of them still ahead."""
    with store.reading() as r:
        names = names_of(r)
        states = {s.thread: s for s in names.states(_stored(r, day, None))}
        rest = [t for t in r.projections.horizons() if t not in states]
        listing: dict[str, ThreadState | Hidden] = {**r.projections.hidden(rest), **states}
    return [listing[t] for t in sorted(listing)]


def thread_slugs(store: Readable) -> list[str]:
    """Every thread's slug, sorted."""
    with store.reading() as r:
        return sorted(r.projections.horizons())


def actor_names(store: EventStore) -> list[str]:
    """Every actor name the log records (as recorded, aliases too), sorted."""
    with store.reading() as r:
        return sorted(r.names.actor_names())


def title(store: Readable, thread: str) -> str | None:
    """A thread's title as it stands (None if it has none, or there is no such thread)."""
    with store.reading() as r:
        return r.projections.titles([thread]).get(thread, (None, 0))[0]


def _log_records(
    store: EventStore,
    thread: Threads,
    since: dt.date | None,
    until: dt.date | None,
    known_by: dt.date | None,
    recorded_before: dt.datetime | None,
    viewer: str | None,
    only: EventFilter | None,
    any_version: bool = False,
) -> tuple[list[Record], EventFilter | None, Names]:
    """What ``log`` and ``raw_log`` start from (the views filter again; for a viewer,
    by the day it knew each event, which the database does not hold), the filter with
    its search run (on ``known_by``, or in any version of the text) and its actors
    under all their names, and the aliases."""
    check_range(since, until)
    with store.reading() as r:
        require_threads(r, only_threads(thread) or ())
        require_actor(r, viewer)
        require_filter(r, only)
        names = names_of(r, recorded_before)
        only = search_for(
            r, only, [known_by], any_version=any_version, recorded_before=recorded_before
        )
        only = names.widened(only)
        if only is not None and only.found is not None:  # a search: read what it found
            wanted = set(only_threads(thread) or ())
            keys = [k for k in only.found if not wanted or k.thread in wanted]
            return r.log.event_records(keys, recorded_before), only, names
        records = r.log.records(
            only_threads(thread),
            known_by=known_by if viewer is None else None,
            since=since,
            until=until,
            recorded_before=recorded_before,
        )
    return records, only, names


def log(
    store: EventStore,
    *,
    thread: Threads = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    known_by: dt.date | None = None,
    recorded_before: dt.datetime | None = None,
    viewer: str | None = None,
    only: EventFilter | None = None,
) -> list[EventView[Record]]:
    """Events in timeline order (date, then known, then seq) with their effective values,
    each with the corrections and retraction in effect by ``known_by``.

    ``since``/``until`` keep events whose date interval overlaps that range; ``known_by``
    keeps events publicly known by that day (known to ``viewer``, when given); ``only``
    those it matches, as they are seen then.
    """
    records, only, names = _log_records(
        store, thread, since, until, known_by, recorded_before, viewer, only
    )
    viewer = None if viewer is None else names.actor(viewer)
    items = log_views(names.records(records), known_by, since, until, viewer)
    return [a for a in items if only.matches(a.record.event)] if only else items


def raw_log(
    store: EventStore,
    *,
    thread: Threads = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    known_by: dt.date | None = None,
    recorded_before: dt.datetime | None = None,
    viewer: str | None = None,
    only: EventFilter | None = None,
) -> list[Record]:
    """The records as appended, corrections and retractions as their own, in seq order
    (the same filters as ``log``; an amendment "happens" on its known day; ``only``
    matches events as recorded and keeps their amendments; names as recorded, a filter's
    actor matching any of its names)."""
    records, only, _ = _log_records(
        store, thread, since, until, known_by, recorded_before, viewer, only, any_version=True
    )
    kept = log_records(records, known_by, since, until, viewer)
    return only.records(kept) if only else kept


def history(store: EventStore, thread: str, only: EventFilter | None = None) -> History:
    """A thread's whole story: every event with its three times, corrections and
    retractions inline, and each status change (in the order things became known);
    ``only``: the events it matches (as corrected)."""
    with store.reading() as r:
        require_threads(r, [thread])
        require_filter(r, only)
        names = names_of(r)
        only = names.widened(search_for(r, only, [None], any_version=True))
        records = names.records(r.log.records([thread]))
    story = history_of(thread, records)
    if only:
        story = replace(story, items=[a for a in story.items if only.matches(a.record.event)])
    return story


def diff(
    store: EventStore,
    start: dt.date,
    end: dt.date,
    thread: Threads = None,
    viewer: str | None = None,
    only: EventFilter | None = None,
    at_seq: int | None = None,
) -> Diff:
    """What became known after ``start`` up to and including ``end`` (to ``viewer``, when
    given; about what ``only`` matches), from the log as it stood at ``at_seq``."""
    with store.reading() as r:
        require_threads(r, only_threads(thread) or ())
        require_actor(r, viewer)
        require_filter(r, only)
        through = pinned(r, at_seq)
        names = names_of(r, through_seq=through)
        only = names.widened(search_for(r, only, [start, end], through_seq=through))
        viewer = None if viewer is None else names.actor(viewer)
        wanted = narrowed(only_threads(thread), only)
        read = r.log.records(wanted, with_titles=True, through_seq=through)
    return compute_diff(names.records(read), start, end, viewer, only)


def export_batches(
    store: EventStore,
    *,
    threads: list[str] | None = None,
    as_of: dt.date | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    viewer: str | None = None,
    only: EventFilter | None = None,
    at_seq: int | None = None,
) -> Iterator[list[EventView[Record]]]:
    """Events to export, with corrected values: those known on ``as_of`` (all if None;
    known to ``viewer``, when given), with the corrections and retractions in effect
    then, from the log as it stood at ``at_seq``. Retracted events are included,
    marked, so that feeds can cancel what they published before. They come a batch of
    whole threads at a time, from one read of the log: an export of any size holds one
    batch in memory."""
    check_range(since, until)
    with store.reading() as r:
        require_threads(r, threads or ())
        require_actor(r, viewer)
        require_filter(r, only)
        through = pinned(r, at_seq)
        names = names_of(r, through_seq=through)
        only = names.widened(search_for(r, only, [as_of], through_seq=through))
        viewer = None if viewer is None else names.actor(viewer)
        known_by = as_of if viewer is None else None  # a viewer's days are not stored
        for batch in r.log.thread_groups(narrowed(threads, only), EXPORT_BATCH):
            read = r.log.records(
                batch, known_by=known_by, since=since, until=until, through_seq=through
            )
            records = names.records(read)
            views = event_views(records, as_of, since, until, viewer)
            yield [a for a in views if only.matches(a.record.event)] if only else views
