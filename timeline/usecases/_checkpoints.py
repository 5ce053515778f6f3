"""Keeping the checkpoints (see ``checkpoints``) in step with the log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from timeline.core.checkpoints import build, current, cut_day, due, replay
from timeline.core.model import Checkpoint, FoldRecord, Hidden, Record, ThreadState, is_amendment
from timeline.storage import Writer

__all__ = ["by_thread", "keep_checkpoints", "replay_all", "replay_log", "reproject", "save_replays"]

R = TypeVar("R", Record, FoldRecord)

REPLAY_GROUP = 10_000  # records read back at a time by a replay of many threads


def by_thread(records: Iterable[R]) -> dict[str, list[R]]:
    """Records grouped by thread, each group in the order given."""
    out: dict[str, list[R]] = {}
    for r in records:
        out.setdefault(r.entry.thread, []).append(r)
    return out


def replay_log(
    w: Writer, alongside: Callable[[list[str]], object] | None = None
) -> tuple[int, int]:
    """Replace the projections (thread states and checkpoints) with a replay of the
    whole log, read a group of whole threads at a time (bounded memory); returns the
    number of records and of threads.

    ``alongside(group)`` runs while the group's records fold, which they do on another
    thread: it should be the database's work (a long statement that releases Python's
    lock), for the two to take two cores. A statement that returns many rows would
    wait for the lock at each one."""
    w.projections.clear_states()
    w.projections.clear_checkpoints()
    records = threads = 0
    with ThreadPoolExecutor(max_workers=1) as pool:
        for group in w.log.thread_groups(None, REPLAY_GROUP):
            folding = pool.submit(replay_all, w.log.fetch_fold_records(group))
            if alongside is not None:
                alongside(group)
            replays, count = folding.result()
            save_replays(w, replays)  # only now: the fold's thread never uses ``w``
            records += count
            threads += len(replays)
    return records, threads


def replay_all(
    fetched: Callable[[], list[FoldRecord]],
) -> tuple[dict[str, tuple[list[Checkpoint], ThreadState | Hidden]], int]:
    """Each thread's replay (checkpoints and state), and how many records they hold."""
    mine = by_thread(fetched())
    return {t: replay(t, rs) for t, rs in mine.items()}, sum(len(rs) for rs in mine.values())


def save_replays(
    w: Writer,
    replays: Mapping[str, tuple[list[Checkpoint], ThreadState | Hidden]],
    parts: Collection[str] = ("states", "checkpoints"),
) -> None:
    """Write replayed threads: their states (or what shows of them) and checkpoints
    (``parts``: those of the two to write)."""
    if "states" in parts:
        states = {t: s for t, (_, s) in replays.items() if isinstance(s, ThreadState)}
        hidden = {t: s for t, (_, s) in replays.items() if isinstance(s, Hidden)}
        w.projections.save_states(states, hidden)
    if "checkpoints" in parts:
        w.projections.save_checkpoints(p for points, _ in replays.values() for p in points)


def keep_checkpoints(
    w: Writer,
    records: Sequence[Record],
    fresh: set[str],
    thread_records: Mapping[str, Sequence[FoldRecord]],
) -> None:
    """After an append of ``records``: drop the checkpoints they make stale, and make
    new ones where a thread's records known after its last one have piled up.

    ``fresh``: threads that had no record before (their records are all here);
    ``thread_records``: all the records of threads that were replayed (those that got a
    correction or retraction), which a data-entry fix needs to find where it applies.
    """
    new = by_thread(records)
    points: list[Checkpoint] = []
    for thread in sorted(fresh):
        points += build(thread, new[thread]) or []
    cuts: dict[str, dt.date] = {}
    for thread, mine in new.items():
        if thread not in fresh:
            day = cut_day(mine, thread_records.get(thread, ()))
            if day is not None:
                cuts[thread] = day
    w.projections.drop_checkpoints(cuts)
    amended = {r.entry.thread for r in records if is_amendment(r.entry)}
    points += _extend(w, sorted(set(new) - fresh), amended)
    w.projections.save_checkpoints(points)


def _extend(w: Writer, threads: Sequence[str], amended: set[str]) -> list[Checkpoint]:
    """New checkpoints for the threads with many records known after their last one,
    or a new correction or retraction (a checkpoint on the day it takes effect)."""
    last = w.projections.last_checkpoints(threads)
    starts = {t: last[t].day if t in last else None for t in threads}
    counts = w.log.known_after(starts)
    pending = {t: starts[t] for t in threads if due(counts.get(t, 0)) or t in amended}
    tails = w.log.tails(pending) if pending else {}
    made: list[Checkpoint] = []
    for thread in sorted(pending):
        points = build(thread, tails[thread], last.get(thread))
        if points is None:  # the last one no longer holds: start the thread again
            w.projections.drop_checkpoints({thread: dt.date.min})
            points = build(thread, w.log.tails({thread: None})[thread]) or []
        made += points
    return made


def reproject(w: Writer, threads: Iterable[str], first_seq: int) -> None:
    """After a bulk append of the records from ``first_seq`` on: each thread's state,
    and its checkpoints from the first day its new records change (``cut_day``), read
    back from the log a group of whole threads at a time (bounded memory)."""
    for group in w.log.thread_groups(sorted(set(threads)), REPLAY_GROUP):
        records = by_thread(w.log.fetch_fold_records(group)())
        cuts = {}
        for thread, mine in records.items():
            day = cut_day([r for r in mine if r.seq >= first_seq], mine)
            if day is not None:
                cuts[thread] = day
        w.projections.drop_checkpoints(cuts)
        kept = w.projections.last_checkpoints(group)
        replays = {}
        for thread, mine in records.items():
            start = kept.get(thread)
            made = build(thread, mine, start)
            if made is None:  # the last one left no longer holds: the thread again
                w.projections.drop_checkpoints({thread: dt.date.min})
                start, made = None, build(thread, mine) or []
            replays[thread] = (made, current(thread, mine, made[-1] if made else start))
        save_replays(w, replays)
