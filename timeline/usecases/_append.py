"""What every writing use case shares: append and bring the projection table along."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from timeline.core.model import SYSTEM_THREADS, Entry, FoldRecord, Hidden, Record
from timeline.core.projector import apply_all, project
from timeline.storage import Writer
from timeline.usecases._checkpoints import by_thread, keep_checkpoints
from timeline.usecases._search import index_texts

__all__ = ["Progress", "append", "bulk"]

Progress = Callable[[int, int], None]


def append(
    w: Writer,
    items: Sequence[tuple[Entry, str | None]],
    now: dt.datetime,
    recorded_by: str | None = None,
) -> list[Record]:
    """Append a few records and bring the projections along, in the caller's
    transaction (an import appends in bulk and projects once at the end instead).

    Events extend the stored states; a correction or retraction re-projects its thread.
    """
    appended = w.log.append(items, now, recorded_by)
    # the log's own threads (aliases, tokens) are not negotiations: no projections
    records = [r for r in appended if r.entry.thread not in SYSTEM_THREADS]
    touched = {r.entry.thread for r in records}
    states = w.projections.states(touched)
    had = set(w.projections.horizons(touched))  # the threads that had records before
    # A state can be extended only by events, and only if the thread had one: after a
    # correction or retraction, or on a thread that showed nothing, replay the thread.
    replay = {r.entry.thread for r in records if r.kind != "event"} | (had - set(states))
    w.projections.save_states(
        apply_all(states, [r for r in records if r.entry.thread not in replay])
    )
    replayed: list[FoldRecord] = []
    if replay:
        hidden: dict[str, Hidden] = {}
        replayed = w.log.fold_records(threads=replay)
        w.projections.save_states(project(replayed, hidden=hidden), hidden)
    keep_checkpoints(w, records, touched - had, by_thread(replayed))
    index_texts(w, records)
    return appended


@contextmanager
def bulk() -> Iterator[None]:
    """Pause the cyclic garbage collector: a big import makes many long-lived objects and
    no cycles, and each collection would walk all of them again (~15% of import time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
