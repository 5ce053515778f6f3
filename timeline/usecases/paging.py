"""Use cases that read the log by position: its head, and a page of records after a seq
(the cursor a service hands out)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from timeline.core.filters import EventFilter
from timeline.core.model import Record
from timeline.core.views import log_records
from timeline.usecases._common import (
    Threads,
    names_of,
    narrowed,
    only_threads,
    require_filter,
    require_threads,
    search_for,
)

if TYPE_CHECKING:
    from timeline.storage import EventStore, Reader

__all__ = ["head", "records_after", "standing"]


def head(store: EventStore) -> int:
    """The log's last seq (0 if it is empty)."""
    with store.reading() as r:
        return r.log.head()


def standing(store: EventStore) -> tuple[int, int]:
    """What every answer made from the log depends on: its last seq, and how many
    rebuilds of its projections have finished (a rebuild changes no record, but may
    mend what the projections said)."""
    with store.reading() as r:
        return r.log.head(), sum(p.rebuilt for p in r.upkeep.rows().values())


def records_after(
    store: EventStore,
    after: int,
    limit: int,
    thread: Threads = None,
    only: EventFilter | None = None,
    known_by: dt.date | None = None,
) -> list[Record]:
    """The first ``limit`` records with seq > ``after``, as appended, in seq order: of
    ``thread`` (all if None), and with ``only`` the events it matches as recorded with
    their corrections and retractions (as ``raw_log`` keeps them). ``known_by``: only
    the records known by then (an amendment by its own known day, a scheduled event
    once announced), a text search matching the texts as they read then.

    A record's place never changes and a new one always comes after the last, so a
    page that holds ``limit`` records (and no text search, which reads every version of
    the text as it is now, nor ``known_by``, which lets in more as days pass) never
    changes either.
    """
    with store.reading() as r:
        require_threads(r, only_threads(thread) or ())
        require_filter(r, only)
        # a cursor past the head has nothing after it (yet), nor one before 0 anything
        # before it: kept within the log, it fits every database's integers
        after = max(0, min(after, r.log.head()))
        # an actor matches under each of its names, as in ``log --raw --actor``
        days = [known_by]  # None: as the texts read now, and in any version
        only = names_of(r).widened(search_for(r, only, days, any_version=known_by is None))
        if not only:
            if known_by is None:
                return r.log.records_after(after, only_threads(thread), limit)
            return _known_after(r, after, only_threads(thread), limit, known_by)
        # a filter matches an amendment by what it amends, which may come before `after`
        records = r.log.records(narrowed(only_threads(thread), only), known_by=known_by)
    kept = [x for x in only.records(records) if x.seq > after]
    return (kept if known_by is None else log_records(kept, known_by))[:limit]


def _known_after(
    r: Reader, after: int, threads: list[str] | None, limit: int, known_by: dt.date
) -> list[Record]:
    """The first ``limit`` records after ``after`` known by ``known_by``: pages of the
    log read on until that many are found, or the log ends."""
    out: list[Record] = []
    while len(out) < limit:
        page = r.log.records_after(after, threads, limit)
        out += log_records(page, known_by)
        if len(page) < limit:
            break
        after = page[-1].seq
    return out[:limit]
