"""Value objects and the fixed vocabularies. Pure: no I/O.

What is recorded (Key, Event, Correction, Retraction, Retitle, Alias, Token, Record),
what the projector folds a thread into (ThreadState, its summaries, Hidden, Checkpoint),
and an event as a view sees it (EventView: corrected, with what amended it).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, NamedTuple, TypeGuard, TypeVar

from timeline.core.dates import EdtfDate

__all__ = [
    "ALIASES",
    "AMENDMENT_KINDS",
    "DEFAULT_STATUS",
    "EVENT_TYPES",
    "RECORD_KINDS",
    "STATUSES",
    "SYSTEM_THREADS",
    "TOKENS",
    "TREE",
    "Amendment",
    "Checkpoint",
    "Correction",
    "Entry",
    "Event",
    "EventHead",
    "EventSummary",
    "EventView",
    "FoldEntry",
    "FoldRecord",
    "Hidden",
    "Key",
    "Label",
    "Position",
    "PositionState",
    "Record",
    "Retitle",
    "Retraction",
    "SortKey",
    "Source",
    "ThreadState",
    "Token",
    "TreeHead",
    "TreeKey",
    "Upcoming",
    "Written",
    "is_amendment",
    "is_slug",
    "takes_place",
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

RECORD_KINDS: tuple[str, ...] = (
    "event",
    "correction",
    "retraction",
    "title",
    "alias",
    "token",
    "tree-key",
    "tree-head",
)
AMENDMENT_KINDS: tuple[str, ...] = ("correction", "retraction")

_SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")
SLUG_MAX = 80


def is_slug(text: object) -> bool:
    return isinstance(text, str) and len(text) <= SLUG_MAX and _SLUG.fullmatch(text) is not None


def takes_place(announced: dt.date, date: EdtfDate) -> dt.date:
    """The day a scheduled event counts as an event: when it was announced, or the
    first day of its date if that is later (an imprecise date counts from its start)."""
    return max(announced, date.first)


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


class Key(NamedTuple):
    """``thread/id``: the name of an event (or correction, retraction) everywhere."""

    thread: str
    id: str

    def __str__(self) -> str:
        return f"{self.thread}/{self.id}"

    @classmethod
    def parse(cls, text: object, thread: str | None = None) -> Key:
        """``thread/id``, or a bare ``id`` in ``thread`` (when given); ValueError otherwise."""
        if not isinstance(text, str):
            raise ValueError(f"ref {text!r} must be text 'thread/id' or 'id'")
        parts = text.strip().split("/")
        if len(parts) == 1 and is_slug(thread) and is_slug(parts[0]):
            return cls(str(thread), parts[0])
        if len(parts) == 2 and is_slug(parts[0]) and is_slug(parts[1]):
            return cls(parts[0], parts[1])
        raise ValueError(f"invalid ref {text!r}: expected 'thread/id' or 'id'")

    @classmethod
    def stored(cls, text: str) -> Key:
        """``thread/id`` as stored, trusted (no input rule): a record today's rules refuse
        still reads, and ``verify`` reports it."""
        thread, _, event_id = text.partition("/")
        return cls(thread, event_id)


@dataclass(frozen=True, slots=True)
class EventHead:
    """The parts of an event the projector folds: everything but summary, sources and refs.

    Replays read these from the log's columns without decoding payloads; a full
    ``Event`` is an ``EventHead`` too.
    """

    thread: str
    id: str
    date: EdtfDate
    known: dt.date
    type: str
    actors: tuple[str, ...]
    title: str
    status: str | None = None
    positions: tuple[Position, ...] = ()
    # False when `known` was not given and defaulted to the last day of `date`.
    known_given: bool = True
    # A scheduled event (announced in advance): the day it was announced, the ``known``
    # its record gives. It counts as an event (``known``) only from the first day of its
    # date on: ``known`` is the later of the two. None: not scheduled.
    announced: dt.date | None = None

    kind: ClassVar[str] = "event"

    @property
    def key(self) -> Key:
        return Key(self.thread, self.id)

    @property
    def disclosed(self) -> dt.date:
        """The first day anything of it was public: its announcement, or ``known``."""
        return self.known if self.announced is None else self.announced

    def upcoming_on(self, day: dt.date) -> bool:
        """Announced by ``day`` but not yet happened: it shows under ``upcoming``."""
        return self.announced is not None and self.announced <= day < self.known


@dataclass(frozen=True, slots=True)
class Event(EventHead):
    """A dated diplomatic event, as the user recorded it."""

    summary: str | None = None
    sources: tuple[Source, ...] = ()
    refs: tuple[Key, ...] = ()
    # Actors who learned of it before the public, each with the (EDTF) date they did,
    # sorted by actor; parties not named here learn of it at the end of its date (see
    # ``viewpoints``).
    known_to: tuple[tuple[str, EdtfDate], ...] = ()
    # The codes a dataset gave it, by scheme, sorted (``{"cameo": "046", "plover":
    # "CONSULT"}`` for an event imported from coded data): kept as given.
    codes: tuple[tuple[str, str], ...] = ()

    def head(self) -> EventHead:
        return EventHead(
            self.thread,
            self.id,
            self.date,
            self.known,
            self.type,
            self.actors,
            self.title,
            self.status,
            self.positions,
            self.known_given,
            self.announced,
        )


@dataclass(frozen=True, slots=True)
class Correction:
    """Replaces fields of an earlier event, from its own ``known`` day on.

    ``changes`` holds the new values as plain data (as an event file writes them);
    they were checked against the target when the correction was recorded.
    """

    thread: str  # the target's thread: a correction lives in its target's chain
    id: str
    target: Key  # the corrected event
    changes: Mapping[str, Any]
    known: dt.date
    known_given: bool = True  # False: a data-entry fix that applies in every view
    note: str | None = None

    kind: ClassVar[str] = "correction"

    @property
    def key(self) -> Key:
        return Key(self.thread, self.id)


@dataclass(frozen=True, slots=True)
class Retraction:
    """Withdraws an earlier event (or correction), from its own ``known`` day on."""

    thread: str
    id: str
    target: Key
    reason: str
    known: dt.date
    known_given: bool = True  # False: it applies in every view, as if never recorded

    kind: ClassVar[str] = "retraction"

    @property
    def key(self) -> Key:
        return Key(self.thread, self.id)


@dataclass(frozen=True, slots=True)
class Retitle:
    """Names its thread anew (``timeline retitle``). A title is a label, not news: the
    thread shows under its latest title in every view (see ``projector``), so this
    changes no state; ``known`` is the day it was recorded, for the log."""

    thread: str
    id: str
    title: str
    known: dt.date

    kind: ClassVar[str] = "title"

    @property
    def key(self) -> Key:
        return Key(self.thread, self.id)


# The log's own threads: of the names of actors (``Alias`` records), of the tokens that
# may write through ``timeline serve`` (``Token`` records), and of its signed tree heads
# (``TreeKey`` and ``TreeHead`` records). Not slugs, so no thread a person names can be
# one; they have no projections, and listings of threads leave them out.
ALIASES = "_aliases"
TOKENS = "_tokens"
TREE = "_tree"
SYSTEM_THREADS = (ALIASES, TOKENS, TREE)


@dataclass(frozen=True, slots=True)
class Alias:
    """``alias`` names the same actor as ``canonical``: every view shows ``canonical``
    and every filter matches either (see ``aliases``). A naming decision, not news: it
    applies on every day; ``known`` (the day the names were found to be one) is for the
    log."""

    thread: str  # always ALIASES
    id: str
    alias: str
    canonical: str
    known: dt.date

    kind: ClassVar[str] = "alias"

    @property
    def key(self) -> Key:
        return Key(self.thread, self.id)


@dataclass(frozen=True, slots=True)
class Token:
    """A token granted to ``name`` (``digest``: the SHA-256 of the token, never the token),
    or, with ``digest`` None, the revocation of ``name``'s token (see ``access``)."""

    thread: str  # always TOKENS
    id: str
    name: str
    digest: str | None
    known: dt.date  # the day it was granted or revoked
    # ``access.SCOPES``; None: a revocation, or a grant from before scopes existed
    scopes: tuple[str, ...] | None = None

    kind: ClassVar[str] = "token"

    @property
    def key(self) -> Key:
        return Key(self.thread, self.id)


@dataclass(frozen=True, slots=True)
class TreeKey:
    """A public key that signs the log's checkpoints (``signing.VerifierKey``, as its
    text), published in the log so that a reader of a checkpoint can find it."""

    thread: str  # always TREE
    id: str
    vkey: str
    known: dt.date  # the day it was published

    kind: ClassVar[str] = "tree-key"

    @property
    def key(self) -> Key:
        return Key(self.thread, self.id)


@dataclass(frozen=True, slots=True)
class TreeHead:
    """A checkpoint: the log's Merkle tree head as it stood just before this record (its
    first ``size`` records), as a C2SP signed note (``signing``)."""

    thread: str  # always TREE
    id: str
    size: int
    note: str
    known: dt.date  # the day it was signed

    kind: ClassVar[str] = "tree-head"

    @property
    def key(self) -> Key:
        return Key(self.thread, self.id)


Amendment = Correction | Retraction
Written = Event | Correction | Retraction  # what a person writes in an event file
Label = Retitle | Alias | Token | TreeKey | TreeHead  # what the log says of itself
Entry = Event | Correction | Retraction | Label
FoldEntry = EventHead | Correction | Retraction | Label


def is_amendment(entry: object) -> TypeGuard[Amendment]:
    """Is it a correction or a retraction (what changes how an event is seen)?"""
    return isinstance(entry, Correction | Retraction)


def _event_of(entry: FoldEntry, seq: int) -> EventHead:
    if not isinstance(entry, EventHead):
        raise TypeError(f"record {seq} is a {entry.kind}, not an event")
    return entry


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
    # the name of the token it was written with through `timeline serve` (None: not so)
    recorded_by: str | None = None

    @property
    def event(self) -> Event:
        """The entry, which the caller knows to be an event (TypeError if not)."""
        if not isinstance(self.entry, Event):
            raise TypeError(f"record {self.seq} is a {self.entry.kind}, not an event")
        return self.entry

    @property
    def kind(self) -> str:
        return self.entry.kind

    @property
    def sort_key(self) -> SortKey:
        """Replay order: (known, first day of date, seq); the later record wins ties."""
        e = self.event
        return (e.known, e.date.first, self.seq)


@dataclass(frozen=True, slots=True)
class FoldRecord:
    """A record as replays read it: events as ``EventHead`` (no payload decoded), and
    only what the projector needs of the row."""

    seq: int
    entry: FoldEntry
    thread_title: str | None = None

    @property
    def event(self) -> EventHead:
        return _event_of(self.entry, self.seq)

    @property
    def kind(self) -> str:
        return self.entry.kind

    @property
    def sort_key(self) -> SortKey:
        e = self.event
        return (e.known, e.date.first, self.seq)


# ---- what the projector folds a thread into: its state, the summaries it keeps, what
# shows of a thread with no event, and a checkpoint of a replay ------------------------


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
    # How many of its events are of each type, by type: what a thread of coded data,
    # which has no positions, is made of.
    types: tuple[tuple[str, int], ...] = ()
    # The events just before ``last`` (at most ``EARLIER``), latest first, with their
    # keys: the latest developments are ``(last, *earlier)``.
    earlier: tuple[EventSummary, ...] = ()
    earlier_keys: tuple[SortKey, ...] = field(repr=False, default=())

    @property
    def latest(self) -> tuple[EventSummary, ...]:
        """Its latest events, latest first: ``last`` and those just before it."""
        return (self.last, *self.earlier)

    def type_counts(self) -> list[tuple[str, int]]:
        """How many events of each type, the most frequent first."""
        return sorted(self.types, key=lambda t: (-t[1], t[0]))

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
            "types": dict(self.type_counts()),
            "earlier": [e.to_dict() for e in self.earlier],
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


R = TypeVar("R", Record, FoldRecord)  # a view of whole records, or of what replays fold


@dataclass(frozen=True)
class EventView(Generic[R]):
    """An event record as a view sees it: corrected values, and what changed it."""

    record: R  # its entry carries the corrected values
    original: R
    corrections: tuple[R, ...] = ()  # in the order applied
    retraction: R | None = None
    # In a viewpoint, when the viewer knew it before the public: the record as the
    # public knows it (``record`` then carries the viewer's known day).
    public: R | None = None

    @property
    def public_known(self) -> dt.date:
        """The day the public knew it (as corrected), whoever views it."""
        return (self.public or self.record).entry.known

    @property
    def date_order(self) -> tuple[dt.date, str, str]:
        """Where the event goes in a calendar or a timeline: by date, thread, id."""
        e = self.record.event
        return (e.date.first, e.thread, e.id)

    @property
    def retraction_entry(self) -> Retraction | None:
        entry = None if self.retraction is None else self.retraction.entry
        return entry if isinstance(entry, Retraction) else None

    @property
    def correction_entries(self) -> list[Correction]:
        return [c.entry for c in self.corrections if isinstance(c.entry, Correction)]
