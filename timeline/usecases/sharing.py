"""The use case that writes a slice of the log back as event files: ``export events``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from timeline.core.amend import annotate
from timeline.core.mapper import stored_value
from timeline.core.model import Correction, Event, Key, Record
from timeline.core.views import overlaps
from timeline.usecases._common import EXPORT_BATCH, check_range, require_threads

if TYPE_CHECKING:
    from timeline.storage import EventStore

if TYPE_CHECKING:  # only ``shared`` builds them
    from timeline.core.views import SharedThread

__all__ = ["shared"]


def shared(
    store: EventStore,
    threads: list[str] | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> list[SharedThread]:
    """What ``export events`` writes: the events of ``threads`` (all if None) whose date,
    as corrected, overlaps [since, until], every correction and retraction of them, and
    the events they refer to (with theirs), so that the file imports on its own; by
    thread, each in seq order."""
    from timeline.core.views import SharedThread

    check_range(since, until)
    with store.reading() as r:
        require_threads(r, threads or ())
        picked: dict[int, Record] = {}
        for group in r.log.thread_groups(threads, EXPORT_BATCH):
            records = r.log.records(group)
            keep = {
                a.original.entry.key
                for a in annotate(records)
                if overlaps(a.record.event, since, until)
            }
            picked.update((x.seq, x) for x in r.log.event_records(keep) if x.entry.thread in group)
        refs = _missing_refs(picked.values())
        while refs:  # the events referred to, and those they refer to
            more = r.log.event_records(refs)
            picked.update((x.seq, x) for x in more)
            refs = _missing_refs(picked.values())
        titles = r.projections.titles({x.entry.thread for x in picked.values()})
    by_thread: dict[str, list[Record]] = {}
    for seq in sorted(picked):
        by_thread.setdefault(picked[seq].entry.thread, []).append(picked[seq])
    return [SharedThread(t, titles.get(t, (None, 0))[0], rs) for t, rs in sorted(by_thread.items())]


def _missing_refs(records: Iterable[Record]) -> set[Key]:
    """The events the given events refer to, as recorded or as a correction sets their
    refs, that are not among them."""
    records = list(records)
    have = {x.entry.key for x in records}
    refs: set[Key] = set()
    for x in records:
        entry = x.entry
        if isinstance(entry, Event):
            refs.update(entry.refs)
        elif isinstance(entry, Correction) and "refs" in entry.changes:
            refs.update(stored_value("refs", entry.changes["refs"], entry.thread))
    return refs - have
