"""The projector: folds a thread's records into its state as known on a date. Pure: no I/O.

Replay order is (known, first day of date, seq). Every part of the state is
kept with the sort key of the record that set it and only replaced by a record
with a greater key (a last-writer-wins register per field; counts and parties
are plain unions). That makes the fold independent of the order records arrive
in, so:

- folding records in replay order, in seq order or in any order gives the same
  state (the property tests check this);
- a stored state can be extended with more records (``apply``) — the projection
  table is updated on append this way, and a later snapshot-based ``asof`` can
  start from a stored state instead of replaying the whole log.

The thread title is a label, not news: it is the latest title recorded (by seq),
whatever the known dates, so ``asof`` on an early date shows today's name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TypeVar

from timeline.core.amend import resolve
from timeline.core.model import (
    DEFAULT_STATUS,
    Checkpoint,
    EventSummary,
    FoldRecord,
    Hidden,
    PositionState,
    Record,
    SortKey,
    ThreadState,
)

__all__ = ["EARLIER", "apply", "apply_all", "project", "project_from"]

EARLIER = 2  # the events a state keeps from just before its last one

R = TypeVar("R", Record, FoldRecord)
AnyRecord = Record | FoldRecord


class _Fold:
    """Mutable accumulator for one thread; frozen into a ThreadState at the end."""

    __slots__ = (
        "earlier",
        "events",
        "first",
        "first_key",
        "first_record",
        "horizon",
        "last",
        "last_key",
        "last_record",
        "max_seq",
        "parties",
        "positions",
        "status",
        "status_key",
        "thread",
        "title",
        "title_seq",
        "types",
    )

    def __init__(self, thread: str) -> None:
        self.thread = thread
        self.title: str | None = None
        self.title_seq = 0
        self.status = DEFAULT_STATUS
        self.status_key: SortKey | None = None
        self.parties: set[str] = set()
        self.positions: dict[tuple[str, str], PositionState] = {}
        self.events = 0
        self.first: EventSummary | None = None
        self.first_key: SortKey | None = None
        self.last: EventSummary | None = None
        self.last_key: SortKey | None = None
        # the records first and last folded, summed up only when frozen: in known order
        # nearly every record is the last one for a while
        self.first_record: AnyRecord | None = None
        self.last_record: AnyRecord | None = None
        self.max_seq = 0
        self.horizon = dt.date.min  # the latest known day among the records seen
        self.types: dict[str, int] = {}
        # the events just before the last, latest first (a record or, thawed, a summary)
        self.earlier: list[tuple[SortKey, AnyRecord | EventSummary]] = []

    @classmethod
    def thaw(cls, state: ThreadState) -> _Fold:
        f = cls(state.thread)
        f.title, f.title_seq = state.title, state.title_seq
        f.status, f.status_key = state.status, state.status_key
        f.parties = set(state.parties)
        f.positions = {(p.actor, p.issue): p for p in state.positions}
        f.events = state.events
        f.first, f.first_key = state.first, state.first_key
        f.last, f.last_key = state.last, state.last_key
        f.max_seq = state.max_seq
        f.horizon = state.horizon
        f.types = dict(state.types)
        f.earlier = list(zip(state.earlier_keys, state.earlier, strict=True))
        return f

    def name(self, record: AnyRecord) -> None:
        if record.thread_title is not None and record.seq > self.title_seq:
            self.title, self.title_seq = record.thread_title, record.seq

    def add(self, record: AnyRecord) -> None:
        e = record.event
        key = (e.known, e.date.first, record.seq)  # record.sort_key, without a second lookup
        self.events += 1
        self.types[e.type] = self.types.get(e.type, 0) + 1
        if record.seq > self.max_seq:
            self.max_seq = record.seq
        if e.known > self.horizon:
            self.horizon = e.known
        self.parties.update(e.actors)
        if e.status is not None and (self.status_key is None or key > self.status_key):
            self.status, self.status_key = e.status, key
        for p in e.positions:
            slot = (p.actor, p.issue)
            self.parties.add(p.actor)
            current = self.positions.get(slot)
            if current is None or key > current.key:
                self.positions[slot] = PositionState(
                    p.actor, p.issue, p.stance, e.date.text, e.id, key
                )
        if self.first_key is None or key < self.first_key:
            self.first_record, self.first_key = record, key
        if self.last_key is None or key > self.last_key:
            if self.last_key is not None:
                self._before_last(self.last_key, self.last_record or self.last)
            self.last_record, self.last_key = record, key
        else:
            self._before_last(key, record)

    def _before_last(self, key: SortKey, event: AnyRecord | EventSummary | None) -> None:
        """Keep ``event`` among the ``EARLIER`` latest before the last, if it is one."""
        earlier = self.earlier
        if event is None or (len(earlier) >= EARLIER and key < earlier[-1][0]):
            return
        earlier.append((key, event))
        earlier.sort(key=lambda x: x[0], reverse=True)
        del earlier[EARLIER:]

    def freeze(self) -> ThreadState:
        if self.first_record is not None:
            self.first, self.first_record = _summary(self.first_record), None
        if self.last_record is not None:
            self.last, self.last_record = _summary(self.last_record), None
        if (
            self.first is None
            or self.last is None
            or self.first_key is None
            or self.last_key is None
        ):
            raise ValueError(f"thread {self.thread} shows no event: it has no state")
        return ThreadState(
            thread=self.thread,
            title=self.title,
            status=self.status,
            parties=tuple(sorted(self.parties)),
            positions=tuple(self.positions[k] for k in sorted(self.positions)),
            events=self.events,
            first=self.first,
            last=self.last,
            first_key=self.first_key,
            last_key=self.last_key,
            status_key=self.status_key,
            title_seq=self.title_seq,
            max_seq=self.max_seq,
            horizon=self.horizon,
            types=tuple(sorted(self.types.items())),
            earlier=tuple(
                e if isinstance(e, EventSummary) else _summary(e) for _, e in self.earlier
            ),
            earlier_keys=tuple(k for k, _ in self.earlier),
        )


def _summary(record: AnyRecord) -> EventSummary:
    e = record.event
    return EventSummary(e.id, e.date.text, e.known.isoformat(), e.type, e.title)


def project(
    records: Iterable[R],
    as_of: dt.date | None = None,
    hidden: dict[str, Hidden] | None = None,
    viewer: str | None = None,
) -> dict[str, ThreadState]:
    """State of every thread with at least one event known on ``as_of`` (all if None).

    Records (events, corrections, retractions) may come in any order; corrections and
    retractions in effect on ``as_of`` are applied first (``amend.resolve``). Records not
    yet known still name their thread. Returns threads sorted by slug; threads that show
    nothing are added to ``hidden`` when it is given. ``viewer``: as that actor knew it
    (``viewpoints``; whole records, not ``FoldRecord``s, which lack ``known_to``).
    """
    records = list(records)
    folds: dict[str, _Fold] = {}
    for record in records:
        thread = record.entry.thread
        fold = folds.get(thread)
        if fold is None:
            fold = folds[thread] = _Fold(thread)
        fold.name(record)
        known = record.entry.known
        if as_of is None or known <= as_of:
            fold.horizon = max(fold.horizon, known)
            fold.max_seq = max(fold.max_seq, record.seq)
    plain = viewer is None and all(r.kind == "event" for r in records)
    for record in records if plain else resolve(records, as_of, viewer):
        if as_of is None or record.event.known <= as_of:
            folds[record.event.thread].add(record)
    if hidden is not None:
        hidden.update(
            (t, Hidden(t, f.title, f.horizon, f.max_seq, f.title_seq))
            for t, f in folds.items()
            if not f.events
        )
    return {t: folds[t].freeze() for t in sorted(folds) if folds[t].events}


def project_from(
    start: Checkpoint | None, thread: str, records: Iterable[R], as_of: dt.date
) -> Checkpoint | None:
    """The thread's replay as known on ``as_of``, continued from ``start`` (a replay as
    known on an earlier day; None: from nothing), or None when ``start`` cannot be
    continued to ``as_of``.

    ``records`` must hold the thread's records known after ``start.day`` up to
    ``as_of``, every correction and retraction of the thread (whatever their known day:
    a data-entry fix applies in every view) and the records they amend; more records
    do no harm. With ``start`` None it must hold all the thread's records.

    The fold is order-independent, so the answer is ``start`` plus the events shown on
    ``as_of`` that ``start`` did not fold — provided that every event it folded is
    still shown, with the same values, on ``as_of``. An amendment that takes effect in
    between and changes one of them breaks that: None, and the caller starts earlier.
    The state has no title: a thread is shown under its latest title, which the caller
    knows.
    """
    records = list({r.seq: r for r in records}.values())  # a record may come twice
    amended = any(r.kind != "event" for r in records)
    folded: set[int] = set()
    fold = _Fold(thread)
    after = dt.date.min
    if start is not None:
        after = start.day
        if start.state is not None:
            fold = _Fold.thaw(start.state)
        fold.horizon, fold.max_seq = start.horizon, start.max_seq
        if amended:
            then = {r.seq: r for r in resolve(records, after) if r.event.known <= after}
            now = {r.seq: r for r in resolve(records, as_of)}
            if any(now.get(seq) != r for seq, r in then.items()):
                return None
            folded = set(then)
        else:  # nothing amends anything: every event is as recorded on every day
            folded = {r.seq for r in records if r.entry.known <= after}
    counted = 0
    for record in records:
        known = record.entry.known
        if (start is None or after < known) and known <= as_of:
            counted += 1
            fold.horizon = max(fold.horizon, known)
            fold.max_seq = max(fold.max_seq, record.seq)
    for record in resolve(records, as_of) if amended else records:
        if record.event.known <= as_of and record.seq not in folded:
            fold.add(record)
    return Checkpoint(
        thread,
        as_of,
        fold.freeze() if fold.events else None,
        fold.horizon,
        fold.max_seq,
        counted + (0 if start is None else start.records),
    )


def apply(state: ThreadState | None, record: AnyRecord) -> ThreadState:
    """The state after one more event record (``state`` None: the thread's first record).

    Only events extend a state; after a correction or retraction, project the thread's
    records again."""
    fold = _Fold(record.event.thread) if state is None else _Fold.thaw(state)
    fold.name(record)
    fold.add(record)
    return fold.freeze()


def apply_all(
    states: Mapping[str, ThreadState], records: Iterable[AnyRecord]
) -> dict[str, ThreadState]:
    """Extend stored (all-events) states with new records; returns the changed threads."""
    folds: dict[str, _Fold] = {}
    for record in records:
        thread = record.event.thread
        fold = folds.get(thread)
        if fold is None:
            state = states.get(thread)
            fold = folds[thread] = _Fold(thread) if state is None else _Fold.thaw(state)
        fold.name(record)
        fold.add(record)
    return {t: folds[t].freeze() for t in sorted(folds)}
