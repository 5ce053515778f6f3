"""What the store's reads share: the columns they select, and IN (...) in chunks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, String, case
from sqlalchemy import type_coerce as coerce

from timeline.core.mapper import FOLD_FIELDS, RECORD_FIELDS
from timeline.storage.driver import chunks
from timeline.storage.schema import events

__all__ = ["FOLD_COLUMNS", "RECORD_COLUMNS", "in_chunks", "where_in"]


RECORD_COLUMNS = tuple(events.c[name] for name in RECORD_FIELDS)


def _fold_column(name: str) -> ColumnElement[Any]:
    """A column of ``mapper.FOLD_FIELDS`` as the store selects it, the same as ``FOLD_SQL``
    says in plain SQL: an event's payload left out (its columns hold what the projector
    needs), and a day as text on SQLite (type_coerce skips SQLAlchemy's per-row date
    conversion)."""
    column = events.c[name]
    if name == "payload":
        return case((events.c.kind == "event", None), else_=column).label(name)
    if column.type.python_type is dt.date:
        return coerce(column, String).label(name)
    return column


# Only what the projector reads, in mapper.FOLD_FIELDS' order (as FOLD_SQL).
FOLD_COLUMNS = tuple(_fold_column(name) for name in FOLD_FIELDS)


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
