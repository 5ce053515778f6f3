"""Use cases that read: asof, threads, log, history, diff, export. Each reads inside one
transaction (one snapshot of the log) and hands the records to a pure view (``views``).

``known_by``/``as_of`` pick the view of the world; ``recorded_before`` replays what this
database held at an earlier moment, so an old report can be reproduced exactly.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace

from timeline.amend import EventView, annotate
from timeline.catalog import Name, NameIndex
from timeline.errors import TimelineError, UnknownActor, UnknownThread
from timeline.model import Event, Hidden, Record, ThreadState
from timeline.projector import project, project_from
from timeline.store import EventStore, Reader
from timeline.viewpoints import Lag, Secret, lag_of, secret_of
from timeline.views import (
    Diff,
    History,
    compute_diff,
    event_views,
    history_of,
    log_records,
    log_views,
)

__all__ = [
    "all_records",
    "as_of",
    "count",
    "diff",
    "export_batches",
    "history",
    "lag",
    "log",
    "names",
    "raw_log",
    "secrets",
    "threads",
]


def _require(r: Reader, threads: Iterable[str]) -> None:
    wanted = list(threads)
    known = r.horizons(wanted)
    for thread in wanted:
        if thread not in known:
            raise UnknownThread(f"unknown thread {thread!r}; `timeline threads` lists them")


Threads = str | Sequence[str] | None  # one thread, several, or all (None)


def _only(thread: Threads) -> list[str] | None:
    if not thread:
        return None
    return [thread] if isinstance(thread, str) else list(dict.fromkeys(thread))


def _check_range(since: dt.date | None, until: dt.date | None) -> None:
    if since is not None and until is not None and until < since:
        raise TimelineError(
            f"--until ends ({until.isoformat()}) before --since begins ({since.isoformat()})"
        )


def count(store: EventStore, recorded_before: dt.datetime | None = None) -> int:
    """Records in the log (those this database held at a time, if given)."""
    with store.reading() as r:
        return r.count(recorded_before)


def all_records(store: EventStore) -> list[Record]:
    """Every record as appended, in seq order (what a backup holds)."""
    with store.reading() as r:
        return r.records()


def _require_actor(r: Reader, viewer: str | None) -> None:
    """An actor the log names, or an error that suggests the closest names it has."""
    if viewer is None:
        return
    names = r.actor_names()
    if viewer in names:
        return
    same = [n for n in sorted(names) if n.casefold() == viewer.casefold()]
    close = same or difflib.get_close_matches(viewer, sorted(names), n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(repr(n) for n in close)}?" if close else ""
    raise UnknownActor(f"no actor {viewer!r} in the log{hint}")


def _viewpoint(
    r: Reader,
    threads: list[str] | None,
    day: dt.date,
    viewer: str,
    recorded_before: dt.datetime | None,
) -> list[ThreadState]:
    """Every thread as ``viewer`` knew it on ``day``: a replay of whole records (they
    hold ``known_to``), a group of whole threads at a time."""
    out: list[ThreadState] = []
    for group in r.thread_groups(threads, EXPORT_BATCH):
        records = r.records(group, with_titles=True, recorded_before=recorded_before)
        out += project(records, as_of=day, viewer=viewer).values()
    return sorted(out, key=lambda s: s.thread)


def as_of(
    store: EventStore,
    day: dt.date,
    thread: Threads = None,
    recorded_before: dt.datetime | None = None,
    viewer: str | None = None,
) -> list[ThreadState]:
    """The state of every thread (or those asked for) as publicly known at the end of
    ``day`` — or as ``viewer`` knew it then: the public view and what that actor was
    privy to (``viewpoints``).

    A thread whose stored state has nothing known after ``day`` is served from the
    projection table; the others continue their latest checkpoint on or before
    ``day`` with the records known after it (see ``checkpoints``). With
    ``recorded_before`` or a ``viewer`` every record is replayed.
    """
    with store.reading() as r:
        _require(r, _only(thread) or ())
        _require_actor(r, viewer)
        if viewer is not None:
            return _viewpoint(r, _only(thread), day, viewer, recorded_before)
        if recorded_before is not None:
            records = r.fold_records(
                _only(thread), known_by=day, with_titles=True, recorded_before=recorded_before
            )
            return list(project(records, as_of=day).values())
        horizons = r.horizons(_only(thread))
        # nothing known after `day`: the stored state is the answer (none if nothing shows)
        result = r.states([t for t, h in horizons.items() if h <= day])
        result.update(_from_checkpoints(r, [t for t, h in horizons.items() if h > day], day))
    return [result[t] for t in sorted(result)]


def _from_checkpoints(r: Reader, threads: list[str], day: dt.date) -> dict[str, ThreadState]:
    """The states on ``day`` of threads with records known after it, each continued
    from its latest checkpoint on or before ``day`` (from nothing if it has none)."""
    if not threads:
        return {}
    points = r.checkpoints_on(threads, day)
    starts = {t: p.day for t, p in points.items()}
    tails = r.tails({t: starts.get(t) for t in threads}, day)
    titles = r.titles(threads)
    out: dict[str, ThreadState] = {}
    for t in threads:
        point = project_from(points.get(t), t, tails[t], day)
        if point is None:  # a stale checkpoint: never expected, but never trusted
            point = project_from(None, t, r.tails({t: None}, day)[t], day)
        if point is not None and point.state is not None:
            title, title_seq = titles[t]
            out[t] = replace(point.state, title=title, title_seq=title_seq)
    return out


def threads(store: EventStore) -> list[ThreadState | Hidden]:
    """Every thread's current state (all its events), sorted by slug; a thread whose
    events were all retracted is listed too, as what is known of it (``Hidden``)."""
    with store.reading() as r:
        listing: dict[str, ThreadState | Hidden] = {**r.hidden(), **r.states()}
    return [listing[t] for t in sorted(listing)]


def _log_records(
    store: EventStore,
    thread: Threads,
    since: dt.date | None,
    until: dt.date | None,
    known_by: dt.date | None,
    recorded_before: dt.datetime | None,
    viewer: str | None,
) -> list[Record]:
    """What ``log`` and ``raw_log`` start from (the views filter again; for a viewer,
    by the day it knew each event, which the database does not hold)."""
    _check_range(since, until)
    with store.reading() as r:
        _require(r, _only(thread) or ())
        _require_actor(r, viewer)
        return r.records(
            _only(thread),
            known_by=known_by if viewer is None else None,
            since=since,
            until=until,
            recorded_before=recorded_before,
        )


def log(
    store: EventStore,
    *,
    thread: Threads = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    known_by: dt.date | None = None,
    recorded_before: dt.datetime | None = None,
    viewer: str | None = None,
) -> list[EventView[Record]]:
    """Events in timeline order (date, then known, then seq) with their effective values,
    each with the corrections and retraction in effect by ``known_by``.

    ``since``/``until`` keep events whose date interval overlaps that range; ``known_by``
    keeps events publicly known by that day (known to ``viewer``, when given).
    """
    records = _log_records(store, thread, since, until, known_by, recorded_before, viewer)
    return log_views(records, known_by, since, until, viewer)


def raw_log(
    store: EventStore,
    *,
    thread: Threads = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    known_by: dt.date | None = None,
    recorded_before: dt.datetime | None = None,
    viewer: str | None = None,
) -> list[Record]:
    """The records as appended, corrections and retractions as their own, in seq order
    (the same filters as ``log``; an amendment "happens" on its known day)."""
    records = _log_records(store, thread, since, until, known_by, recorded_before, viewer)
    return log_records(records, known_by, since, until, viewer)


def history(store: EventStore, thread: str) -> History:
    """A thread's whole story: every event with its three times, corrections and
    retractions inline, and each status change (in the order things became known)."""
    with store.reading() as r:
        _require(r, [thread])
        records = r.records([thread])
    return history_of(thread, records)


def diff(
    store: EventStore,
    start: dt.date,
    end: dt.date,
    thread: Threads = None,
    viewer: str | None = None,
) -> Diff:
    """What became known after ``start`` up to and including ``end`` (to ``viewer``, when
    given)."""
    with store.reading() as r:
        _require(r, _only(thread) or ())
        _require_actor(r, viewer)
        records = r.records(_only(thread), with_titles=True)
    return compute_diff(records, start, end, viewer)


EXPORT_BATCH = 10_000  # events read at a time by an export (whole threads): bounded memory


def export_batches(
    store: EventStore,
    *,
    threads: list[str] | None = None,
    as_of: dt.date | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    viewer: str | None = None,
) -> Iterator[list[EventView[Record]]]:
    """Events to export, with corrected values: those known on ``as_of`` (all if None;
    known to ``viewer``, when given), with the corrections and retractions in effect
    then. Retracted events are included, marked, so that feeds can cancel what they
    published before. They come a batch of whole threads at a time, from one read of
    the log: an export of any size holds one batch in memory."""
    _check_range(since, until)
    with store.reading() as r:
        _require(r, threads or ())
        _require_actor(r, viewer)
        known_by = as_of if viewer is None else None  # a viewer's days are not stored
        for batch in r.thread_groups(threads, EXPORT_BATCH):
            records = r.records(batch, known_by=known_by, since=since, until=until)
            yield event_views(records, as_of, since, until, viewer)


def secrets(store: EventStore, day: dt.date, thread: Threads = None) -> list[Secret]:
    """Events that at least one actor knew by the end of ``day`` and the public did not,
    as known on ``day`` (the corrections and retractions in effect then), by thread,
    then date, then id."""
    found: list[Secret] = []
    with store.reading() as r:
        _require(r, _only(thread) or ())
        for group in r.thread_groups(_only(thread), EXPORT_BATCH):
            titles = r.titles(group)
            for a in annotate(r.records(group), day):
                secret = None if a.retraction else secret_of(a.record.event, day)
                if secret is not None:
                    found.append(
                        replace(secret, title=titles.get(secret.event.thread, (None, 0))[0])
                    )
    found.sort(key=lambda s: (s.event.thread, s.event.date.first, s.event.id))
    return found


def lag(store: EventStore, thread: Threads = None, actor: str | None = None) -> list[Lag]:
    """Disclosure lag per thread: its events (those ``actor`` is a party to, when given)
    whose public ``known`` came after their date, as corrected; threads without one are
    left out."""
    found: list[Lag] = []
    with store.reading() as r:
        _require(r, _only(thread) or ())
        _require_actor(r, actor)
        for group in r.thread_groups(_only(thread), EXPORT_BATCH):
            titles = r.titles(group)
            events: dict[str, list[Event]] = {}
            for a in annotate(r.records(group)):
                e = a.record.event
                if a.retraction is None and (actor is None or actor in e.actors):
                    events.setdefault(e.thread, []).append(e)
            for slug in group:
                found_lag = lag_of(slug, titles.get(slug, (None, 0))[0], events.get(slug, ()))
                if found_lag is not None:
                    found.append(found_lag)
    return found


def names(store: EventStore, kind: str, day: dt.date | None = None) -> list[Name]:
    """Every actor (``kind`` "actors") or issue ("issues") in the events known on ``day``
    (all if None), as corrected then, retracted ones left out (see ``catalog``)."""
    index = NameIndex(kind)
    with store.reading() as r:
        for group in r.thread_groups(None, EXPORT_BATCH):
            views = event_views(r.records(group, known_by=day), day)
            index.add(a.record.event for a in views if a.retraction is None)
    return index.names()
