"""A window of the timeline, as a page draws it: the events between two days, each drawn
on its own while a thread has few enough, and gathered into clusters (a count per
calendar unit: a week, a month, a year, a decade...) where a thread has too many to draw.

Pure. A budget of items, shared by the threads in view, sets the unit (``unit_for``);
the events are counted by thread, unit, type and lateness (``Tally``: the database
counts them, or ``tally`` does from each event's ``Spot``), and ``arrange`` decides
what is drawn on its own and what is counted. What a browser lays out stays bounded,
however large the log.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from timeline.core.filters import EventFilter
from timeline.core.model import EventHead, Key

__all__ = [
    "UNITS",
    "Cluster",
    "Spot",
    "Tally",
    "Unit",
    "arrange",
    "needs_parts",
    "share_of",
    "spot_matches",
    "spot_of",
    "tally",
    "unit_for",
]

# A thread in view is always given at least this many items, however many threads share
# the budget: below it, a row would be one bar whatever the zoom.
MIN_PER_THREAD = 4


class Spot(NamedTuple):
    """Where an event lies, as the window needs it: read from the log's columns."""

    key: Key
    first: dt.date  # the first day of its date
    last: dt.date  # the last day of its date
    known: dt.date  # the day it became public
    announced: dt.date | None  # a scheduled event's announcement
    type: str
    # the names a filter's actor matches (its actors and the holders of its stances),
    # the issues of its stances and the status it sets: read only for a filter on them
    holders: frozenset[str] = frozenset()
    issues: frozenset[str] = frozenset()
    status: str | None = None

    @property
    def late(self) -> bool:
        """Made public after its date (a scheduled event is public ahead of it)."""
        return self.announced is None and self.known > self.last


def spot_of(event: EventHead) -> Spot:
    """An event's spot from its values (as a view sees them: corrected)."""
    return Spot(
        event.key,
        event.date.first,
        event.date.last,
        event.known,
        event.announced,
        event.type,
        frozenset(event.actors) | {p.actor for p in event.positions},
        frozenset(p.issue for p in event.positions),
        event.status,
    )


def needs_parts(only: EventFilter | None) -> bool:
    """Does the filter look at an event's names, issues or status (beyond its type and
    the events a search found)? Only then does the store read those columns."""
    return only is not None and bool(only.actors or only.issue is not None or only.status)


def spot_matches(only: EventFilter | None, spot: Spot) -> bool:
    """``EventFilter.matches`` on a spot (a filter on codes needs the whole event: the
    window's filters are those of the page and the API, which take none)."""
    if only is None:
        return True
    if only.actors and not any(a in spot.holders for a in only.actors):
        return False
    if only.types and spot.type not in only.types:
        return False
    if only.issue is not None and only.issue not in spot.issues:
        return False
    if only.found is not None and spot.key not in only.found:
        return False
    return only.status is None or spot.status == only.status


@dataclass(frozen=True)
class Unit:
    """A calendar unit clusters are counted in, at least ``days`` long (so that a window
    of N days touches at most N / days + 1 of them).
    Units are numbered (``index``): days by ordinal, weeks (from Monday) and units of
    whole months from the first of January of year 1, so a database can number them
    too (``storage``)."""

    name: str
    days: int
    months: int = 0  # a unit of whole months (a month, a quarter; years: 12 * years)
    weekly: bool = False

    def index(self, day: dt.date) -> int:
        """The number of the unit ``day`` falls in."""
        if self.months:
            return (day.year * 12 + day.month - 1) // self.months
        return (day.toordinal() - 1) // 7 if self.weekly else day.toordinal()

    def start(self, index: int) -> dt.date:
        """The first day of unit ``index``."""
        if self.months:
            month = index * self.months
            return dt.date(max(1, month // 12), month % 12 + 1, 1)
        return dt.date.fromordinal(index * 7 + 1 if self.weekly else index)

    def end(self, index: int) -> dt.date:
        """The last day of unit ``index``."""
        if self.months:
            month = (index + 1) * self.months
            if month // 12 > dt.MAXYEAR:
                return dt.date.max
            return dt.date(month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
        last = index * 7 + 7 if self.weekly else index
        return dt.date.fromordinal(min(last, dt.date.max.toordinal()))


UNITS = (
    Unit("day", 1),
    Unit("week", 7, weekly=True),
    Unit("month", 28, months=1),
    Unit("quarter", 90, months=3),
    Unit("year", 365, months=12),
    Unit("5 years", 1825, months=60),
    Unit("decade", 3650, months=120),
    Unit("50 years", 18250, months=600),
    Unit("century", 36500, months=1200),
    Unit("millennium", 365000, months=12000),
    Unit("every year", 3650000, months=120000),  # 10,000 years: every date there is
)


def unit_for(start: dt.date, end: dt.date, buckets: int) -> Unit:
    """The shortest unit of which [start, end] touches at most ``buckets``."""
    span = (end - start).days + 1
    for unit in UNITS:
        if -(-span // unit.days) + 1 <= buckets:
            return unit
    return UNITS[-1]


def share_of(budget: int, threads: int) -> int:
    """The items each of ``threads`` in view may draw (at least MIN_PER_THREAD)."""
    return max(MIN_PER_THREAD, budget // max(1, threads))


class Tally(NamedTuple):
    """How many events of a thread, of one type, lie in one unit (their first day, or
    the window's first if earlier), made public late or not; ``ids``: theirs, when they
    are no more than a thread's share (else none): what is drawn is named by them."""

    thread: str
    unit: int
    type: str
    late: bool
    events: int
    ids: tuple[str, ...]


def tally(spots: Iterable[Spot], unit: Unit, since: dt.date, share: int) -> list[Tally]:
    """``spots`` counted as the database counts them (``storage``'s ``tallies``)."""
    counts: dict[tuple[str, int, str, bool], list[str]] = {}
    for s in spots:
        slot = (s.key.thread, unit.index(max(s.first, since)), s.type, s.late)
        counts.setdefault(slot, []).append(s.key.id)
    return [
        Tally(*slot, len(ids), tuple(sorted(ids)) if len(ids) <= share else ())
        for slot, ids in counts.items()
    ]


@dataclass(frozen=True)
class Cluster:
    """Events of a thread in one unit, counted rather than drawn: how many, of which
    types (most first), and how many became public after their date."""

    thread: str
    start: dt.date
    end: dt.date
    count: int
    types: dict[str, int]
    late: int


def arrange(tallies: Iterable[Tally], unit: Unit, share: int) -> tuple[list[Key], list[Cluster]]:
    """What a window draws of the events ``tallies`` count: every event of a thread with
    no more than its ``share``; of the other threads, each event alone in its unit, and
    clusters of the rest."""
    by_thread: dict[str, list[Tally]] = {}
    for t in tallies:
        by_thread.setdefault(t.thread, []).append(t)
    drawn: list[Key] = []
    clusters: list[Cluster] = []
    for thread in sorted(by_thread):
        mine = by_thread[thread]
        if sum(t.events for t in mine) <= share:
            drawn += (Key(thread, i) for t in mine for i in t.ids)
            continue
        units: dict[int, list[Tally]] = {}
        for t in mine:
            units.setdefault(t.unit, []).append(t)
        for index in sorted(units):
            parts = units[index]
            count = sum(t.events for t in parts)
            if count == 1:
                drawn.append(Key(thread, parts[0].ids[0]))
                continue
            types: Counter[str] = Counter()
            for t in parts:
                types[t.type] += t.events
            late = sum(t.events for t in parts if t.late)
            start, end = unit.start(index), unit.end(index)
            clusters.append(Cluster(thread, start, end, count, dict(types.most_common()), late))
    return sorted(drawn), clusters
