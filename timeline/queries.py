"""Use cases that read: asof, threads, log, history, diff.

Three times are distinct here: ``date`` (when it happened), ``known`` (when it became
public) and ``recorded_at`` (when this database got it). ``known_by``/``as_of`` pick the
view of the world; ``recorded_before`` replays what this database held at an earlier
moment, so an old report can be reproduced exactly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from timeline.amend import Annotated, annotate, entry_to_payload
from timeline.errors import UnknownThread
from timeline.model import Correction, EventSummary, PositionState, Record, ThreadState
from timeline.projector import project
from timeline.store import EventStore

__all__ = ["Diff", "ThreadDiff", "as_of", "diff", "export_items", "history", "log", "threads"]


def require_thread(store: EventStore, thread: str) -> None:
    if thread not in store.horizons([thread]):
        raise UnknownThread(f"unknown thread {thread!r}; `timeline threads` lists them")


def as_of(
    store: EventStore,
    day: dt.date,
    thread: str | None = None,
    recorded_before: dt.datetime | None = None,
) -> list[ThreadState]:
    """The state of every thread (or one) as publicly known at the end of ``day``.

    A thread whose stored state has nothing known after ``day`` is served from the
    projection table; only the others are replayed from the log. With
    ``recorded_before`` everything is replayed from the records held at that time.
    """
    if thread is not None:
        require_thread(store, thread)
    if recorded_before is not None:
        records = store.records(
            threads=None if thread is None else [thread],
            known_by=day,
            with_titles=True,
            for_projection=True,
            recorded_before=recorded_before,
        )
        return list(project(records, as_of=day).values())
    horizons = store.horizons(None if thread is None else [thread])
    # nothing known after `day`: the stored state is the answer (none if nothing shows)
    result = store.states([t for t, h in horizons.items() if h <= day])
    stale = [t for t, h in horizons.items() if h > day]
    if stale:
        result.update(
            project(
                store.records(threads=stale, known_by=day, with_titles=True, for_projection=True),
                as_of=day,
            )
        )
    return [result[t] for t in sorted(result)]


def threads(store: EventStore) -> list[ThreadState]:
    """Every thread's current state (all its events), sorted by slug."""
    return list(store.states().values())


def log(
    store: EventStore,
    *,
    thread: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    known_by: dt.date | None = None,
    recorded_before: dt.datetime | None = None,
    raw: bool = False,
) -> list[Annotated] | list[Record]:
    """Events in timeline order (date, then known, then seq) with their effective values,
    each with the corrections and retraction in effect by ``known_by``.

    ``since``/``until`` keep events whose date interval overlaps that range; ``known_by``
    keeps events publicly known by that day. ``raw`` gives the records as appended
    instead (corrections and retractions as their own records), in seq order.
    """
    if thread is not None:
        require_thread(store, thread)
    records = store.records(
        threads=None if thread is None else [thread],
        known_by=known_by,
        since=since,
        until=until,
        recorded_before=recorded_before,
    )
    if raw:  # an amendment "happens" on its known day
        return [
            r
            for r in records
            if (known_by is None or r.entry.known <= known_by)
            and (
                _overlaps(r, since, until)
                if r.kind == "event"
                else (since is None or r.entry.known >= since)
                and (until is None or r.entry.known <= until)
            )
        ]
    items = [
        a
        for a in annotate(records, known_by)
        if (known_by is None or a.record.event.known <= known_by)
        and _overlaps(a.record, since, until)
    ]
    items.sort(key=lambda a: (a.record.event.date.first, a.record.event.known, a.record.seq))
    return items


def _overlaps(record: Record, since: dt.date | None, until: dt.date | None) -> bool:
    d = record.event.date
    return (since is None or d.last >= since) and (until is None or d.first <= until)


@dataclass(frozen=True)
class History:
    thread: str
    title: str | None
    items: list[Annotated]  # in replay order: how the story became known
    status_changes: dict[int, tuple[str, str]]  # seq of the event -> (before, after)
    # every correction and retraction of each event (thread/id), withdrawn ones too, in
    # seq order; a retraction of a correction follows that correction
    amendments: dict[str, list[Record]]


def history(store: EventStore, thread: str) -> History:
    """A thread's whole story: every event with its three times, corrections and
    retractions inline, and each status change (in the order things became known)."""
    require_thread(store, thread)
    records = store.records(threads=[thread])
    title = next((r.thread_title for r in reversed(records) if r.thread_title), None)
    items = annotate(records)
    items.sort(key=lambda a: a.record.sort_key)
    changes: dict[int, tuple[str, str]] = {}
    status = "open"
    for a in items:
        new = a.record.event.status
        if a.retraction is None and new is not None and new != status:
            changes[a.record.seq] = (status, new)
            status = new
    amendments: dict[str, list[Record]] = {}
    corrected: dict[str, str] = {}  # correction key -> event key
    for r in records:
        if isinstance(r.entry, Correction):
            corrected[r.entry.key] = r.entry.target
        if r.kind != "event":
            target = r.entry.target  # type: ignore[union-attr]
            amendments.setdefault(corrected.get(target, target), []).append(r)
    for key, found in amendments.items():  # each withdrawal right after what it withdraws
        withdrawn = [r for r in found if r.entry.target in corrected]  # type: ignore[union-attr]
        amendments[key] = [
            x
            for r in found
            if r not in withdrawn
            for x in (r, *(w for w in withdrawn if w.entry.target == r.entry.key))
        ]  # type: ignore[union-attr]
    return History(thread, title, items, changes, amendments)


# ---- diff -----------------------------------------------------------------------------


@dataclass
class ThreadDiff:
    thread: str
    title: str | None
    change: str  # "appeared" | "changed" | "disappeared"
    status: tuple[str, str] | None = None
    added: list[PositionState] = field(default_factory=list)
    changed: list[tuple[PositionState, PositionState]] = field(default_factory=list)
    dropped: list[PositionState] = field(default_factory=list)
    known: list[EventSummary] = field(default_factory=list)
    retracted: list[tuple[EventSummary, str]] = field(default_factory=list)
    corrected: list[tuple[EventSummary, list[str]]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return (
            not (
                self.status
                or self.added
                or self.changed
                or self.dropped
                or self.known
                or self.retracted
                or self.corrected
            )
            and self.change == "changed"
        )


@dataclass
class Diff:
    start: dt.date
    end: dt.date
    threads: list[ThreadDiff]


def _summary(r: Record) -> EventSummary:
    e = r.event
    return EventSummary(e.id, e.date.text, e.known.isoformat(), e.type, e.title)


def diff(store: EventStore, start: dt.date, end: dt.date, thread: str | None = None) -> Diff:
    """What became known after ``start`` up to and including ``end``, computed from the two
    projected states and the records between them."""
    if thread is not None:
        require_thread(store, thread)
    records = store.records(
        threads=None if thread is None else [thread], with_titles=True, for_projection=True
    )
    before, after = project(records, as_of=start), project(records, as_of=end)
    then = {
        a.record.entry.key: a
        for a in annotate(records, start)
        if a.retraction is None and a.record.event.known <= start
    }
    now = annotate(records, end)
    out: dict[str, ThreadDiff] = {}

    def entry(slug: str) -> ThreadDiff:
        if slug not in out:
            change = (
                "appeared"
                if slug not in before
                else "disappeared"
                if slug not in after
                else "changed"
            )
            title = (after.get(slug) or before[slug]).title
            out[slug] = ThreadDiff(slug, title, change)
        return out[slug]

    for slug in sorted(set(before) | set(after)):
        d = entry(slug)
        b, a = before.get(slug), after.get(slug)
        if b is not None and a is not None and b.status != a.status:
            d.status = (b.status, a.status)
        old = {(p.actor, p.issue): p for p in (b.positions if b else ())}
        new = {(p.actor, p.issue): p for p in (a.positions if a else ())}
        d.added = [new[k] for k in sorted(new.keys() - old.keys())]
        d.dropped = [old[k] for k in sorted(old.keys() - new.keys())]
        d.changed = [
            (old[k], new[k])
            for k in sorted(old.keys() & new.keys())
            if (old[k].stance, old[k].event) != (new[k].stance, new[k].event)
        ]
    for a in now:
        key, slug = a.record.entry.key, a.record.entry.thread
        visible = a.retraction is None and a.record.event.known <= end
        if visible and key not in then:
            entry(slug).known.append(_summary(a.record))
        elif a.retraction is not None and key in then:
            entry(slug).retracted.append((_summary(then[key].record), a.retraction.entry.reason))  # type: ignore[union-attr]
        elif key in then:
            # corrected between the two days (or a correction withdrawn): compare the event
            # as seen on each day, field by field; one that is no longer known says so
            # in its changed `known`
            old, new = (entry_to_payload(x.record.entry) for x in (then[key], a))
            fields = sorted(f for f in {*old, *new} - {"known_given"} if old.get(f) != new.get(f))
            if fields:
                entry(slug).corrected.append((_summary(a.record), fields))
    for d in out.values():
        d.known.sort(key=lambda s: (s.known, s.date, s.id))
    return Diff(start, end, [d for d in out.values() if not d.empty])


def export_items(
    store: EventStore,
    *,
    threads: list[str] | None = None,
    as_of: dt.date | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> list[Annotated]:
    """Events to export, with corrected values: those known on ``as_of`` (all if None),
    with the corrections and retractions in effect then. Retracted events are included,
    marked, so that feeds can cancel what they published before."""
    for t in threads or ():
        require_thread(store, t)
    records = store.records(threads=threads or None, known_by=as_of, since=since, until=until)
    return [
        a
        for a in annotate(records, as_of)
        if (as_of is None or a.record.event.known <= as_of) and _overlaps(a.record, since, until)
    ]
