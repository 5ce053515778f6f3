"""What the store's reads share: the columns they select, and IN (...) in chunks."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, String, and_, case, or_
from sqlalchemy import type_coerce as coerce

from timeline.storage.plain import RECORD_FIELDS, chunks
from timeline.storage.schema import events

__all__ = ["FOLD_COLUMNS", "RECORD_COLUMNS", "by_keys", "in_chunks", "keys_match", "where_in"]


RECORD_COLUMNS = tuple(events.c[name] for name in RECORD_FIELDS)
# Only what the projector reads: replays skip reading the payloads of events (the
# columns hold what it needs); corrections and retractions come with theirs.
FOLD_COLUMNS = (
    events.c.seq,
    events.c.thread_title,
    events.c.kind,
    events.c.payload_schema,
    case((events.c.kind == "event", None), else_=events.c.payload).label("payload"),
    events.c.thread,
    events.c.event_id,
    events.c.date_text,
    # text on SQLite: type_coerce skips SQLAlchemy's per-row date conversion
    coerce(events.c.known, String).label("known"),
    events.c.known_given,
    coerce(events.c.announced, String).label("announced"),
    events.c.type,
    events.c.title,
    events.c.actors,
    events.c.status,
    events.c.positions,
)


def in_chunks(
    conn: Connection, keys: Iterable[Any], query_for: Callable[[list[Any]], Select[Any]]
) -> Iterator[Any]:
    """The rows of ``query_for(chunk)`` for each chunk of the (sorted, distinct) keys: an
    ``IN (...)`` list short enough for every backend."""
    for chunk in chunks(keys):
        yield from conn.execute(query_for(chunk))


def where_in(query: Select[Any], column: ColumnElement[Any]) -> Callable[[list[Any]], Select[Any]]:
    """``query_for`` of ``in_chunks`` for ``query WHERE column IN (chunk)``."""
    return lambda chunk: query.where(column.in_(chunk))


def keys_match(keys: list[Any]) -> ColumnElement[bool]:
    """``(thread = ? AND event_id = ?) OR ...``: one index search per key on every
    backend (SQLite reads a row-value ``IN`` by scanning the whole index)."""
    return or_(*(and_(events.c.thread == t, events.c.event_id == i) for t, i in keys))


def by_keys(query: Select[Any]) -> Callable[[list[Any]], Select[Any]]:
    """``query_for`` of ``in_chunks`` for the rows of some (thread, event_id) keys."""
    return lambda chunk: query.where(keys_match(chunk))
