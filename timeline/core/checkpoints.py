"""Checkpoints: a thread's replay as known on past days, kept so that ``asof`` on any
day replays only a short tail of records. Pure: no I/O.

A thread gets a checkpoint after each run of about ``SPACING`` records in known order
(at a day boundary: a checkpoint on day B holds every record known by the end of B),
and on each day a correction or retraction takes effect.
``asof D`` starts from the latest checkpoint on or before D and folds the records known
after it (``projector.project_from``); the records known on one day are never split,
so that tail is short (see ``due``).

They are a projection like the thread states: ``timeline rebuild`` replays them from
the log and ``timeline verify`` checks each against a full replay. An append removes
exactly the checkpoints it changes — those on or after the first day its records can
show in a view (``cut_day``) — and the thread's later checkpoints are made again from
the last one left.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import TypeVar

from timeline.core.amend import annotate
from timeline.core.model import (
    Checkpoint,
    FoldRecord,
    Hidden,
    Key,
    Record,
    ThreadState,
    is_amendment,
)
from timeline.core.projector import project_from

__all__ = [
    "SPACING",
    "build",
    "current",
    "cut_day",
    "due",
    "replay",
    "wrong_checkpoints",
]

R = TypeVar("R", Record, FoldRecord)

SPACING = 64  # records between two checkpoints of a thread (at least)


def due(records_after: int) -> bool:
    """Does a thread with this many records known after its last checkpoint need more?
    (Made only then, so that an append of one record seldom makes any.)"""
    return records_after >= 2 * SPACING


def _amendment_seqs(records: Sequence[R]) -> set[int]:
    """The amendments among ``records`` and the records they amend."""
    amended: set[Key] = set()
    seqs: set[int] = set()
    for r in records:
        target = getattr(r.entry, "target", None)
        if isinstance(target, Key):
            amended.add(target)
            seqs.add(r.seq)
    if amended:  # (most threads: none, and no key to make for each record)
        seqs.update(r.seq for r in records if r.entry.key in amended)
    return seqs


def _after(day: dt.date, after: dt.date | None) -> bool:
    return after is None or day > after


def _boundaries(records: Sequence[R], after: dt.date | None) -> list[dt.date]:
    """The days after ``after`` (None: every day) that end a run of at least SPACING
    records, and those on which a correction or retraction takes effect (a checkpoint
    from before it could not be continued past it)."""
    per_day: dict[dt.date, int] = {}
    amended: set[dt.date] = set()
    for r in records:
        if _after(r.entry.known, after):
            per_day[r.entry.known] = per_day.get(r.entry.known, 0) + 1
            if is_amendment(r.entry):
                amended.add(r.entry.known)
    days, run = [], 0
    for day in sorted(per_day):
        run += per_day[day]
        if run >= SPACING or day in amended:
            days.append(day)
            run = 0
    return days


def build(
    thread: str, records: Iterable[R], start: Checkpoint | None = None
) -> list[Checkpoint] | None:
    """The checkpoints of a thread after ``start`` (None: all of them).

    ``records``: those of the thread's records known after ``start``, every correction
    and retraction, and the records they amend (all of them if ``start`` is None).
    Returns None if ``start`` cannot be continued (an amendment known after it changes
    what it folded): build from all the records instead.
    """
    mine: list[R] = list({r.seq: r for r in records}.values())
    # None: before every day (a record known on 0001-01-01, date.min, is after it)
    after = None if start is None else start.day
    amending = _amendment_seqs(mine)
    extra: list[R] = [r for r in mine if r.seq in amending]
    plain: list[R] = sorted(
        (r for r in mine if r.seq not in amending and _after(r.entry.known, after)),
        key=lambda r: r.entry.known,
    )
    knowns = [r.entry.known for r in plain]
    made: list[Checkpoint] = []
    for day in _boundaries(mine, after):
        end: int = bisect.bisect_right(knowns, day)
        point = _continue([start, *made] if start else made, thread, plain, knowns, extra, day, end)
        if point is None:
            if start is not None:
                return None
            point = project_from(None, thread, [*plain[:end], *extra], day)
        if point is None:  # from nothing, a replay always goes through: never expected
            raise ValueError(f"thread {thread}: no replay from nothing to {day.isoformat()}")
        made.append(point)
    return made


def _continue(
    candidates: Sequence[Checkpoint],
    thread: str,
    plain: Sequence[R],
    knowns: Sequence[dt.date],
    extra: Sequence[R],
    day: dt.date,
    end: int,
) -> Checkpoint | None:
    """The checkpoint of ``day`` continued from the latest candidate that allows it."""
    for c in reversed(candidates):
        begin: int = bisect.bisect_right(knowns, c.day)
        point = project_from(c, thread, [*plain[begin:end], *extra], day)
        if point is not None:
            return point
    return None


def cut_day(
    new: Iterable[Record | FoldRecord], thread_records: Sequence[FoldRecord] = ()
) -> dt.date | None:
    """The first day on which a view of the thread can change when the ``new`` records
    are appended to it (None: none of them). Checkpoints on or after it are stale.

    An event shows from its known day; a correction or retraction takes effect on its
    own; a data-entry fix (no known of its own) applies in every view, so from the
    first day on which the event it amends shows, before it or after it — an earlier
    fix may have moved that day (``thread_records``: the thread's records, those new
    included, to find it).
    """
    days: list[dt.date] = []
    fixes: list[Key] = []
    appended: set[int] = set()
    for r in new:
        entry = r.entry
        appended.add(r.seq)
        days.append(entry.known)  # a new title too: a checkpoint counts every record
        if is_amendment(entry) and not entry.known_given:
            fixes.append(getattr(entry, "target", entry.key))
    if fixes:
        days += _first_shown(thread_records, fixes)
        days += _first_shown([r for r in thread_records if r.seq not in appended], fixes)
    return min(days, default=None)


def _first_shown(records: Sequence[R], targets: Sequence[Key]) -> list[dt.date]:
    """The known days the amended records (and the events they amend) take in any view:
    as known on each day an amendment takes effect, and before any."""
    by_key = {r.entry.key: r for r in records}
    keys = set(targets)
    for key in targets:  # a fix of a correction: the event it corrects
        target = getattr(by_key[key].entry, "target", None) if key in by_key else None
        if isinstance(target, Key):
            keys.add(target)
    days = {dt.date.min, *(r.entry.known for r in records if r.entry.kind != "event")}
    out = [by_key[k].entry.known for k in keys if k in by_key]
    for day in days:
        out += [v.record.entry.known for v in annotate(records, day) if v.record.entry.key in keys]
    return out


def wrong_checkpoints(
    thread: str, records: Sequence[R], stored: Sequence[Checkpoint]
) -> list[dt.date]:
    """The days of a thread's stored checkpoints that differ from a full replay of its
    records as known on that day (``records``: all of the thread's)."""
    amending = _amendment_seqs(records)
    problems = []
    for point in stored:
        # every record known by then, and every amendment: a full replay of that day
        known = [r for r in records if r.entry.known <= point.day or r.seq in amending]
        replayed = project_from(None, thread, known, point.day)
        if replayed != point:
            problems.append(point.day)
    return problems


def replay(thread: str, records: Sequence[R]) -> tuple[list[Checkpoint], ThreadState | Hidden]:
    """A thread's checkpoints and its current state, in one pass (``records``: all of
    the thread's)."""
    points = build(thread, records) or []
    return points, current(thread, records, points[-1] if points else None)


def current(thread: str, records: Sequence[R], last: Checkpoint | None) -> ThreadState | Hidden:
    """A thread's state today (``Hidden`` if it shows no event), as ``project`` gives it,
    continued from its last checkpoint (``records``: all of the thread's; the title is
    the latest any of them gives)."""
    after = None if last is None else last.day
    amending = _amendment_seqs(records)
    tail = [r for r in records if _after(r.entry.known, after) or r.seq in amending]
    end = project_from(last, thread, tail, dt.date.max) or project_from(
        None, thread, records, dt.date.max
    )
    if end is None:  # from nothing, a replay always goes through: never expected
        raise ValueError(f"thread {thread}: no replay from nothing to its end")
    titled = [r for r in records if r.thread_title is not None]
    named = max(titled, key=lambda r: r.seq, default=None)
    title, title_seq = (None, 0) if named is None else (named.thread_title, named.seq)
    if end.state is None:
        return Hidden(thread, title, end.horizon, end.max_seq, title_seq)
    return replace(end.state, title=title, title_seq=title_seq)
