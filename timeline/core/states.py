"""What the projector folds a thread into: its state, the summaries it keeps, what shows
of a thread with no event, and a checkpoint of a replay. Pure: no I/O.

``model`` re-exports these, so that a value object is imported from one place.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from timeline.core.model import EventHead

__all__ = [
    "Checkpoint",
    "EventSummary",
    "Hidden",
    "PositionState",
    "SortKey",
    "ThreadState",
    "Upcoming",
]


@dataclass(frozen=True)
class Hidden:
    """A thread whose records show no event (all retracted, or none known yet)."""

    thread: str
    title: str | None
    horizon: dt.date
    max_seq: int
    title_seq: int = 0  # the record that set the title
    # False: its events lie ahead of the day asked (announced, or published later)
    retracted: bool = True


SortKey = tuple[dt.date, dt.date, int]


@dataclass(frozen=True, slots=True)
class EventSummary:
    id: str
    date: str
    known: str
    type: str
    title: str

    def to_dict(self) -> dict[str, str]:
        return {
            "id": self.id,
            "date": self.date,
            "known": self.known,
            "type": self.type,
            "title": self.title,
        }


@dataclass(frozen=True, slots=True)
class Upcoming:
    """A scheduled event announced by a day, not yet happened on it."""

    id: str
    date: str
    announced: str
    type: str
    title: str

    @classmethod
    def of(cls, event: EventHead) -> Upcoming:
        return cls(event.id, event.date.text, event.disclosed.isoformat(), event.type, event.title)

    def to_dict(self) -> dict[str, str]:
        return {
            "id": self.id,
            "date": self.date,
            "announced": self.announced,
            "type": self.type,
            "title": self.title,
        }


@dataclass(frozen=True, slots=True)
class PositionState:
    actor: str
    issue: str
    stance: str
    since: str  # the date text of the event that set it
    event: str  # the id of that event
    key: SortKey

    def to_dict(self) -> dict[str, str]:
        return {
            "actor": self.actor,
            "issue": self.issue,
            "stance": self.stance,
            "since": self.since,
            "event": self.event,
        }


@dataclass(frozen=True, slots=True)
class ThreadState:
    """What the projector folds a thread's known records into."""

    thread: str
    title: str | None
    status: str
    parties: tuple[str, ...]
    positions: tuple[PositionState, ...]  # sorted by (actor, issue)
    events: int
    first: EventSummary
    last: EventSummary
    # Bookkeeping that makes the fold order-independent (see projector.py).
    first_key: SortKey = field(repr=False, default=(dt.date.min, dt.date.min, 0))
    last_key: SortKey = field(repr=False, default=(dt.date.min, dt.date.min, 0))
    status_key: SortKey | None = field(repr=False, default=None)
    title_seq: int = field(repr=False, default=0)
    max_seq: int = field(repr=False, default=0)
    # The latest known day among the thread's records (corrections included): a state
    # with horizon <= D is also the state as known on D.
    horizon: dt.date = field(repr=False, default=dt.date.min)
    # Scheduled events announced by the day asked about, not yet happened, by date: a
    # query's answer, never stored (it depends on the day).
    upcoming: tuple[Upcoming, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The public JSON shape of a thread in ``asof --format json``."""
        return {
            "thread": self.thread,
            "title": self.title,
            "status": self.status,
            "parties": list(self.parties),
            "positions": [p.to_dict() for p in self.positions],
            "events": self.events,
            "first": self.first.to_dict(),
            "last": self.last.to_dict(),
            "upcoming": [u.to_dict() for u in self.upcoming],
        }


@dataclass(frozen=True)
class Checkpoint:
    """A thread's replay as known at the end of ``day``, stored so that ``asof`` on a
    later day replays only the records known after it (see ``checkpoints``).

    ``state`` is None when nothing known by then shows an event; ``horizon`` and
    ``max_seq`` are the replay's, over every record known by ``day``; ``records`` counts
    those records. Its title is not kept: a thread is shown under its latest title.
    """

    thread: str
    day: dt.date
    state: ThreadState | None
    horizon: dt.date
    max_seq: int
    records: int
