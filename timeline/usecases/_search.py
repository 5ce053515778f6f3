"""Keeping the search index (see ``texts``) in step with the log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from timeline.core.model import Correction, Event, Key, Record, Retraction, is_amendment
from timeline.core.search import TextVersion, event_text, versions_by_event
from timeline.storage import Reader, Writer
from timeline.usecases._checkpoints import REPLAY_GROUP, replay_log

__all__ = [
    "group_versions",
    "index_amended",
    "index_left_out",
    "index_texts",
    "replay_projections",
    "replay_texts",
]


def replay_texts(w: Writer) -> None:
    """Replace the index with the text versions of every event in the log (a migration
    fills it so)."""
    w.search.clear_texts()
    index_left_out(w, w.search.save_texts_from(0) | w.search.amended_threads())


def replay_projections(w: Writer) -> tuple[int, int]:
    """Replace every projection (thread states, checkpoints, the search index) with a
    replay of the whole log; returns the number of records and of threads.

    One pass over the log: while a group of threads folds (Python, on another thread),
    the database indexes the text of as many events, those that nothing amends, in log
    order (its own work, which does not hold Python's lock; read in log order, the
    table is read through once, not a thread at a time), so that the two take two
    cores. The events it cannot index follow (``index_left_out``)."""
    w.search.clear_texts()
    start = 0  # the first seq of the next stretch
    older: set[str] = set()  # threads with events in an older form, left out

    def alongside(_group: list[str]) -> None:
        nonlocal start
        older.update(w.search.save_texts_from(start, start + REPLAY_GROUP))
        start += REPLAY_GROUP

    counts = replay_log(w, alongside)
    older |= w.search.save_texts_from(start)  # the rest (a thread of more than REPLAY_GROUP)
    index_left_out(w, older | w.search.amended_threads())
    return counts


def index_left_out(w: Writer, threads: set[str]) -> None:
    """Index the events of these threads that ``save_texts_from`` left out: those
    amended, replayed with their amendments, and those whose payload is in an older
    form, read through ``upcast``."""
    for group in w.log.thread_groups(threads, REPLAY_GROUP):
        amended, versions = _amended_versions(w, group)
        older = w.search.recorded_texts(group, older=True)
        versions += [
            TextVersion(key.thread, key.id, None, None, body)
            for key, body in older.items()
            if key not in amended
        ]
        w.search.save_texts(versions)


def group_versions(r: Reader, threads: Sequence[str]) -> list[TextVersion]:
    """The text versions of every event of some threads, as the log says: an event
    nothing amends has one, read from its payload alone; the others are replayed with
    their amendments."""
    texts = r.search.recorded_texts(threads)
    amended, versions = _amended_versions(r, threads)
    versions += [
        TextVersion(key.thread, key.id, None, None, body)
        for key, body in texts.items()
        if key not in amended
    ]
    return sorted(versions, key=lambda v: (v.thread, v.id, v.since or dt.date.min))


def _amended_versions(r: Reader, threads: Sequence[str]) -> tuple[set[Key], list[TextVersion]]:
    """The events of some threads that corrections or retractions amend, and their text
    versions, replayed with those amendments."""
    amendments = r.log.thread_amendments(threads)
    if not amendments:
        return set(), []
    corrected = {a.entry.key: a.entry.target for a in amendments if isinstance(a.entry, Correction)}
    targets = [a.entry.target for a in amendments if isinstance(a.entry, Correction | Retraction)]
    amended = {corrected.get(t, t) for t in targets}
    return amended, versions_by_event([*r.log.find(amended).values(), *amendments])


def index_texts(w: Writer, records: Sequence[Record]) -> None:
    """After an append of ``records``: index the new events, and index again the events
    that its corrections and retractions amend (directly, or through a correction)."""
    w.search.save_texts(
        TextVersion(r.entry.thread, r.entry.id, None, None, event_text(r.entry))
        for r in records
        if isinstance(r.entry, Event)  # nothing amends it yet: one version, from the start
    )
    index_amended(w, records)


def index_amended(w: Writer, records: Sequence[Record]) -> None:
    """After an append of ``records``: index again the events that its corrections and
    retractions amend (a new title changes no event's text). An import calls this
    alone: the database indexes its new events, a batch at a time
    (``save_texts_from``)."""
    targets = {r.entry.target for r in records if is_amendment(r.entry)}
    if not targets:
        return
    # an amendment of a correction changes the event that correction corrects
    events = {
        r.entry.target if isinstance(r.entry, Correction) else key
        for key, r in w.log.find(targets).items()
    }
    w.search.drop_texts(events)
    w.search.save_texts(versions_by_event(w.log.event_records(events)))
