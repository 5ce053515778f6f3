"""Use cases that read the log by position: its head, and a page of records after a seq
(the cursor a service hands out)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from timeline.filters import EventFilter
from timeline.model import Record
from timeline.queries._common import (
    Threads,
    names_of,
    narrowed,
    only_threads,
    require_filter,
    require_threads,
    search_for,
)

if TYPE_CHECKING:
    from timeline.store import EventStore

__all__ = ["head", "records_after"]


def head(store: EventStore) -> int:
    """The log's last seq (0 if it is empty)."""
    with store.reading() as r:
        return r.head()


def records_after(
    store: EventStore,
    after: int,
    limit: int,
    thread: Threads = None,
    only: EventFilter | None = None,
) -> list[Record]:
    """The first ``limit`` records with seq > ``after``, as appended, in seq order: of
    ``thread`` (all if None), and with ``only`` the events it matches as recorded with
    their corrections and retractions (as ``raw_log`` keeps them).

    A record's place never changes and a new one always comes after the last, so a
    page that holds ``limit`` records (and no text search, which reads every version of
    the text as it is now) never changes either.
    """
    with store.reading() as r:
        require_threads(r, only_threads(thread) or ())
        require_filter(r, only)
        # a cursor past the head has nothing after it (yet), nor one before 0 anything
        # before it: kept within the log, it fits every database's integers
        after = max(0, min(after, r.head()))
        # an actor matches under each of its names, as in ``log --raw --actor``
        only = names_of(r).widened(search_for(r, only, [None], any_version=True))
        if not only:
            return r.records_after(after, only_threads(thread), limit)
        # a filter matches an amendment by what it amends, which may come before `after`
        records = r.records(narrowed(only_threads(thread), only))
    return [x for x in only.records(records) if x.seq > after][:limit]
