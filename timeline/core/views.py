"""Views of a set of records: the log, a thread's history, the diff between two days.
Pure: no I/O; ``queries`` reads the records and calls these.

Three times are distinct here: ``date`` (when it happened), ``known`` (when it became
public) and ``recorded_at`` (when this database got it). Every function takes the
records it needs and the day it looks from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from timeline.core.amend import annotate
from timeline.core.filters import EventFilter
from timeline.core.mapper import entry_to_payload
from timeline.core.model import (
    DEFAULT_STATUS,
    Correction,
    Event,
    EventSummary,
    EventView,
    Key,
    PositionState,
    Record,
    Retraction,
    ThreadState,
)
from timeline.core.projector import project
from timeline.core.signing import SignedCheckpoint
from timeline.core.viewpoints import Secret, seen_by

__all__ = [
    "Diff",
    "History",
    "Report",
    "SharedThread",
    "ThreadDiff",
    "compute_diff",
    "event_views",
    "history_of",
    "log_records",
    "log_views",
    "overlaps",
]


def overlaps(event: Event, since: dt.date | None, until: dt.date | None) -> bool:
    """Does the event's date interval overlap [since, until] (open where None)?"""
    d = event.date
    return (since is None or d.last >= since) and (until is None or d.first <= until)


def event_views(
    records: Iterable[Record],
    as_of: dt.date | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    viewer: str | None = None,
) -> list[EventView[Record]]:
    """Events known on ``as_of`` (all if None) overlapping [since, until], with the
    corrections and retraction in effect then, in seq order; retracted ones included.
    A scheduled event is known once it is announced. ``viewer``: known to that actor
    (``viewpoints``), not to the public."""
    return [
        a
        for a in annotate(records, as_of, viewer=viewer)
        if (as_of is None or a.record.event.disclosed <= as_of)
        and overlaps(a.record.event, since, until)
    ]


def log_views(
    records: Iterable[Record],
    known_by: dt.date | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    viewer: str | None = None,
) -> list[EventView[Record]]:
    """Events in timeline order (date, then known, then seq), as known by ``known_by``
    (to ``viewer``, when given)."""
    items = event_views(records, known_by, since, until, viewer)
    items.sort(key=lambda a: (a.record.event.date.first, a.record.event.known, a.record.seq))
    return items


def log_records(
    records: Iterable[Record],
    known_by: dt.date | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    viewer: str | None = None,
) -> list[Record]:
    """The records as appended (corrections and retractions as their own), in seq order;
    an amendment "happens" on its known day. ``viewer``: an event record as written is
    known by the day that actor knew it."""

    def keep(r: Record) -> bool:
        known = r.entry.disclosed if isinstance(r.entry, Event) else r.entry.known
        if viewer is not None and isinstance(r.entry, Event):
            known = min(known, seen_by(r.entry, viewer))
        if known_by is not None and known > known_by:
            return False
        if isinstance(r.entry, Event):
            return overlaps(r.entry, since, until)
        k = r.entry.known
        return (since is None or k >= since) and (until is None or k <= until)

    return [r for r in records if keep(r)]


# ---- history ----------------------------------------------------------------------------


@dataclass(frozen=True)
class History:
    thread: str
    title: str | None
    items: list[EventView[Record]]  # in replay order: how the story became known
    status_changes: dict[int, tuple[str, str]]  # seq of the event -> (before, after)
    # every correction and retraction of each event, withdrawn ones too, in seq order;
    # a retraction of a correction follows that correction
    amendments: dict[Key, list[Record]]
    # the records that named the thread (its first, `retitle`s...), in seq order
    titles: list[Record] = field(default_factory=list)


def _status_changes(items: Sequence[EventView[Record]]) -> dict[int, tuple[str, str]]:
    changes: dict[int, tuple[str, str]] = {}
    status = DEFAULT_STATUS
    for a in items:
        new = a.record.event.status
        if a.retraction is None and new is not None and new != status:
            changes[a.record.seq] = (status, new)
            status = new
    return changes


def _amendments(records: Sequence[Record]) -> dict[Key, list[Record]]:
    amendments: dict[Key, list[Record]] = {}
    corrected: dict[Key, Key] = {}  # correction -> the event it corrects
    for r in records:
        entry = r.entry
        if isinstance(entry, Correction):
            corrected[entry.key] = entry.target
        if isinstance(entry, Correction | Retraction):
            amendments.setdefault(corrected.get(entry.target, entry.target), []).append(r)

    def withdraws(w: Record, r: Record) -> bool:
        return isinstance(w.entry, Retraction) and w.entry.target == r.entry.key

    for key, found in amendments.items():  # each withdrawal right after what it withdraws
        withdrawn = [
            r for r in found if isinstance(r.entry, Retraction) and r.entry.target in corrected
        ]
        amendments[key] = [
            x
            for r in found
            if r not in withdrawn
            for x in (r, *(w for w in withdrawn if withdraws(w, r)))
        ]
    return amendments


def history_of(thread: str, records: Sequence[Record]) -> History:
    """A thread's whole story from all its records: every event with its three times,
    corrections and retractions, and each status change, in the order things became known."""
    titles = [r for r in records if r.thread_title]
    title = titles[-1].thread_title if titles else None
    items = annotate(records)
    items.sort(key=lambda a: a.record.sort_key)
    return History(thread, title, items, _status_changes(items), _amendments(records), titles)


# ---- diff -------------------------------------------------------------------------------


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
    def touched(self) -> bool:
        """Does it hold a change (what ``empty`` asks, whether or not the thread came or
        went)?"""
        return any(
            (
                self.status,
                self.added,
                self.changed,
                self.dropped,
                self.known,
                self.retracted,
                self.corrected,
            )
        )

    @property
    def empty(self) -> bool:
        return not self.touched and self.change == "changed"


@dataclass
class Diff:
    start: dt.date
    end: dt.date
    threads: list[ThreadDiff]
    viewer: str | None = None  # whose knowledge (None: the public's)


def _summary(r: Record) -> EventSummary:
    e = r.event
    return EventSummary(e.id, e.date.text, e.known.isoformat(), e.type, e.title)


class _DiffBuilder:
    def __init__(self, before: Mapping[str, ThreadState], after: Mapping[str, ThreadState]):
        self.before, self.after = before, after
        self.out: dict[str, ThreadDiff] = {}

    def thread(self, slug: str) -> ThreadDiff:
        if slug not in self.out:
            change = (
                "appeared"
                if slug not in self.before
                else "disappeared"
                if slug not in self.after
                else "changed"
            )
            title = (self.after.get(slug) or self.before[slug]).title
            self.out[slug] = ThreadDiff(slug, title, change)
        return self.out[slug]

    def states(self) -> None:
        """Status and positions: compare the two projected states."""
        for slug in sorted(set(self.before) | set(self.after)):
            d = self.thread(slug)
            b, a = self.before.get(slug), self.after.get(slug)
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

    def events(
        self, then: Mapping[Key, EventView[Record]], now: Sequence[EventView[Record]], end: dt.date
    ) -> None:
        """Events newly known, retracted, or seen differently on the two days."""
        for a in now:
            key, slug = a.record.entry.key, a.record.entry.thread
            retraction = a.retraction_entry
            if retraction is None and a.record.event.known <= end and key not in then:
                self.thread(slug).known.append(_summary(a.record))
            elif retraction is not None and key in then:
                self.thread(slug).retracted.append((_summary(then[key].record), retraction.reason))
            elif key in then:
                # corrected between the two days (or a correction withdrawn): compare the
                # event as seen on each day, field by field; one that is no longer known
                # says so in its changed `known`
                old, new = (entry_to_payload(x.record.entry) for x in (then[key], a))
                fields = sorted(
                    f for f in {*old, *new} - {"known_given"} if old.get(f) != new.get(f)
                )
                if fields:
                    self.thread(slug).corrected.append((_summary(a.record), fields))


def _narrow(d: ThreadDiff, only: EventFilter, keys: set[Key]) -> ThreadDiff:
    """The part of a thread's diff ``only`` asks about: its events (``keys``: those it
    matches on either day), the positions they set (of its actors, on its issue), and a
    status change only to or from the status it names."""

    def event(e: EventSummary) -> bool:
        return Key(d.thread, e.id) in keys

    def position(p: PositionState) -> bool:
        return (
            Key(d.thread, p.event) in keys
            and (not only.actors or p.actor in only.actors)
            and (only.issue is None or p.issue == only.issue)
        )

    status = d.status if only.status is not None and only.status in (d.status or ()) else None
    return ThreadDiff(
        d.thread,
        d.title,
        d.change,
        status,
        [p for p in d.added if position(p)],
        [(o, n) for o, n in d.changed if position(n) or position(o)],
        [p for p in d.dropped if position(p)],
        [e for e in d.known if event(e)],
        [(e, why) for e, why in d.retracted if event(e)],
        [(e, fields) for e, fields in d.corrected if event(e)],
    )


def compute_diff(
    records: Sequence[Record],
    start: dt.date,
    end: dt.date,
    viewer: str | None = None,
    only: EventFilter | None = None,
) -> Diff:
    """What became known after ``start`` up to and including ``end``, from the two
    projected states and the events as seen on each day (by ``viewer``, when given);
    ``only``: what it asks about, threads left with nothing left out."""
    builder = _DiffBuilder(
        project(records, as_of=start, viewer=viewer), project(records, as_of=end, viewer=viewer)
    )
    builder.states()
    then = {
        a.record.entry.key: a
        for a in event_views(records, start, viewer=viewer)
        if a.retraction is None
    }
    now = annotate(records, end, viewer=viewer)
    builder.events(then, now, end)
    found = list(builder.out.values())
    for d in found:
        d.known.sort(key=lambda s: (s.known, s.date, s.id))
    if only:
        keys = {a.record.entry.key for a in (*then.values(), *now) if only.matches(a.record.event)}
        found = [n for n in (_narrow(d, only, keys) for d in found) if n.touched]
    return Diff(start, end, [d for d in found if not d.empty], viewer)


@dataclass(frozen=True)
class Report:
    """A thread's briefing as known on a day: what ``timeline report`` renders."""

    thread: str
    title: str | None
    day: dt.date
    state: ThreadState | None  # None: nothing known by then
    events: Sequence[EventView[Record]]  # known by the day, in timeline order
    secrets: Sequence[Secret]
    checkpoint: SignedCheckpoint | None = None  # the signed log it was computed from
    # what became known in the days before ``day`` (after ``changes_since``), if asked
    changes: ThreadDiff | None = None
    changes_since: dt.date | None = None
    digest: str | None = None  # the log's digest when it was made (not cut at a checkpoint)


@dataclass(frozen=True)
class SharedThread:
    """A thread's records to share as event files (``export events``)."""

    thread: str
    title: str | None
    records: Sequence[Record]  # in seq order: events, then what amends them
