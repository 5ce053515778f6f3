"""Value objects (Event, Record, ThreadState) and the fixed vocabularies. Pure: no I/O."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from timeline.dates import EdtfDate

__all__ = [
    "EVENT_TYPES",
    "RECORD_KINDS",
    "STATUSES",
    "Correction",
    "Entry",
    "Event",
    "EventSummary",
    "Position",
    "PositionState",
    "Record",
    "Retraction",
    "SortKey",
    "Source",
    "ThreadState",
    "is_slug",
]

EVENT_TYPES: tuple[str, ...] = (
    "statement",
    "demand",
    "proposal",
    "offer",
    "response",
    "rejection",
    "acceptance",
    "talks",
    "meeting",
    "agreement",
    "signing",
    "ratification",
    "entry-into-force",
    "implementation",
    "suspension",
    "withdrawal",
    "disclosure",
    "confirmation",
    "denial",
)

STATUSES: tuple[str, ...] = (
    "open",
    "negotiating",
    "stalled",
    "agreed",
    "in-force",
    "suspended",
    "terminated",
)

DEFAULT_STATUS = "open"

RECORD_KINDS: tuple[str, ...] = ("event", "correction", "retraction")

_SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")
SLUG_MAX = 80


def is_slug(text: object) -> bool:
    return isinstance(text, str) and len(text) <= SLUG_MAX and _SLUG.fullmatch(text) is not None


@dataclass(frozen=True, slots=True)
class Source:
    name: str
    url: str | None = None
    date: str | None = None


@dataclass(frozen=True, slots=True)
class Position:
    """From its event on, ``actor``'s stance on ``issue`` is ``stance``."""

    actor: str
    issue: str
    stance: str


@dataclass(frozen=True, slots=True)
class Event:
    """A dated diplomatic event, as the user recorded it."""

    thread: str
    id: str
    date: EdtfDate
    known: dt.date
    type: str
    actors: tuple[str, ...]
    title: str
    summary: str | None = None
    sources: tuple[Source, ...] = ()
    status: str | None = None
    positions: tuple[Position, ...] = ()
    refs: tuple[str, ...] = ()
    # False when `known` was not given and defaulted to the last day of `date`.
    known_given: bool = True

    kind: ClassVar[str] = "event"

    @property
    def key(self) -> str:
        """``thread/id``: the name of the event everywhere in the CLI."""
        return f"{self.thread}/{self.id}"


@dataclass(frozen=True, slots=True)
class Correction:
    """Replaces fields of an earlier event, from its own ``known`` day on.

    ``changes`` holds the new values as plain data (as an event file writes them);
    they were checked against the target when the correction was recorded.
    """

    thread: str  # the target's thread: a correction lives in its target's chain
    id: str
    target: str  # thread/id of the corrected event
    changes: Mapping[str, Any]
    known: dt.date
    known_given: bool = True  # False: a data-entry fix that applies in every view
    note: str | None = None

    kind: ClassVar[str] = "correction"

    @property
    def key(self) -> str:
        return f"{self.thread}/{self.id}"


@dataclass(frozen=True, slots=True)
class Retraction:
    """Withdraws an earlier event (or correction), from its own ``known`` day on."""

    thread: str
    id: str
    target: str
    reason: str
    known: dt.date
    known_given: bool = True  # False: it applies in every view, as if never recorded

    kind: ClassVar[str] = "retraction"

    @property
    def key(self) -> str:
        return f"{self.thread}/{self.id}"


Entry = Event | Correction | Retraction


@dataclass(frozen=True, slots=True)
class Record:
    """One appended row of the log: an entry (event, correction or retraction) plus what
    the store assigned."""

    seq: int
    version: int  # 1, 2, ... within the thread
    recorded_at: dt.datetime  # UTC
    entry: Entry
    thread_title: str | None = None  # set when this record names or renames its thread
    hash: str = ""  # SHA-256 of the record and the previous record's hash in its thread
    prev_hash: str = ""

    @property
    def event(self) -> Event:
        """The entry, which the caller knows to be an event."""
        assert isinstance(self.entry, Event), f"record {self.seq} is a {self.entry.kind}"
        return self.entry

    @property
    def kind(self) -> str:
        return self.entry.kind

    @property
    def sort_key(self) -> SortKey:
        """Replay order: (known, first day of date, seq); the later record wins ties."""
        e = self.event
        return (e.known, e.date.first, self.seq)


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
        }
