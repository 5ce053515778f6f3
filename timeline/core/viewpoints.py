"""Who knew what, when: an event as one actor could know it. Pure: no I/O.

Every event has a public ``known`` day. An actor may know it earlier:

- each actor named in its ``known_to`` knows it on the last day of that (EDTF) date;
- each of its ``actors`` not named there knows it on the last day of the event's date
  (parties know their own acts);
- nobody knows it later than the public: an actor's day is the earlier of its own and
  ``known``.

A viewpoint (``viewer``) is the public view plus what that actor was privy to: every
event shows from the day the viewer knew it, and replays in that order. Corrections and
retractions have no parties: they take effect in every viewpoint on their own known day,
as in the public view, and a correction of ``known``, ``date``, ``actors`` or
``known_to`` moves the day the viewer knows the corrected event.

Imprecise dates count from the end of their interval, here and in disclosure lags: an
event dated 2022-01 was surely known to its parties by 31 January, no earlier.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TypeVar

from timeline.core.model import Event, EventHead, FoldRecord, Record

__all__ = [
    "Lag",
    "Secret",
    "knew_early",
    "lag_of",
    "secret_of",
    "seen_by",
    "viewed_by",
]

R = TypeVar("R", Record, FoldRecord)


def _own_days(event: EventHead) -> dict[str, dt.date]:
    """Each actor's own day for the event (before the cap at ``known``)."""
    days = {actor: event.date.last for actor in event.actors}
    if isinstance(event, Event):
        days.update((actor, when.last) for actor, when in event.known_to)
    return days


def seen_by(event: EventHead, viewer: str) -> dt.date:
    """The day ``viewer`` knew the event: its own day, or the public ``known`` if earlier
    or if the viewer had none."""
    own = _own_days(event).get(viewer)
    return event.known if own is None or own > event.known else own


def knew_early(event: EventHead) -> list[tuple[str, dt.date]]:
    """The actors who knew the event before the public, with their day, by day then name."""
    if event.date.last >= event.known and not (isinstance(event, Event) and event.known_to):
        return []  # (most events: each actor's own day is the event's last, not earlier)
    early = [(a, d) for a, d in _own_days(event).items() if d < event.known]
    return sorted(early, key=lambda x: (x[1], x[0]))


def viewed_by(record: R, viewer: str) -> R:
    """An event record as ``viewer`` sees it: its ``known`` is the day the viewer knew it."""
    e = record.event
    if not isinstance(e, Event):  # a FoldRecord: its known_to was never read
        raise TypeError(f"record {record.seq}: a viewpoint needs whole records")
    day = seen_by(e, viewer)
    return record if day == e.known else replace(record, entry=replace(e, known=day))


@dataclass(frozen=True)
class Secret:
    """An event some actors knew by a day that the public did not yet know."""

    event: Event
    knowers: tuple[tuple[str, dt.date], ...]  # (actor, since), by day then name
    day: dt.date  # the day it is looked at from
    title: str | None = None  # the thread's

    @property
    def since(self) -> dt.date:
        return self.knowers[0][1]

    @property
    def days(self) -> int:
        """How many days it had been secret by the end of ``day``."""
        return (self.day - self.since).days


def secret_of(event: Event, day: dt.date) -> Secret | None:
    """The event as a secret on ``day``: known to someone by then, not yet to the public."""
    if event.known <= day:
        return None
    knowers = tuple((a, d) for a, d in knew_early(event) if d <= day)
    return Secret(event, knowers, day) if knowers else None


@dataclass(frozen=True)
class Lag:
    """How long a thread's events stayed out of public view (days from the end of each
    event's date to its public ``known``), for those that did at all."""

    thread: str
    title: str | None
    lags: tuple[tuple[int, Event], ...]  # longest first, then by date and id

    @property
    def count(self) -> int:
        return len(self.lags)

    @property
    def median(self) -> float:
        return float(statistics.median(days for days, _ in self.lags))

    @property
    def longest(self) -> int:
        return self.lags[0][0]


def lag_of(thread: str, title: str | None, events: Iterable[Event]) -> Lag | None:
    """The thread's disclosure lag over ``events`` (None when none was known late)."""
    late = [((e.known - e.date.last).days, e) for e in events if e.known > e.date.last]
    if not late:
        return None
    late.sort(key=lambda x: (-x[0], x[1].date.first, x[1].id))
    return Lag(thread, title, tuple(late))
