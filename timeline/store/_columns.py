"""What the store's reads share: the columns they select, and IN (...) in chunks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, String, and_, case, or_
from sqlalchemy import type_coerce as coerce

from timeline.mapper import FOLD_FIELDS
from timeline.schema import events

__all__ = [
    "CHUNK",
    "FOLD_COLUMNS",
    "FOLD_SQL",
    "RECORD_COLUMNS",
    "SEQ",
    "THREAD",
    "as_day",
    "by_keys",
    "fold_rows",
    "in_chunks",
    "keys_match",
    "known_between_queries",
    "known_between_sql",
    "placeholder",
    "where_in",
]

CHUNK = 400  # keys per IN (...) query: well under every backend's bind-parameter limit

RECORD_COLUMNS = (
    events.c.seq,
    events.c.version,
    events.c.recorded_at,
    events.c.thread_title,
    events.c.kind,
    events.c.payload_schema,
    events.c.payload,
    events.c.prev_hash,
    events.c.hash,
    events.c.recorded_by,
)
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
    wanted = sorted(set(keys))
    for i in range(0, len(wanted), CHUNK):
        yield from conn.execute(query_for(wanted[i : i + CHUNK]))


def where_in(query: Select[Any], column: ColumnElement[Any]) -> Callable[[list[Any]], Select[Any]]:
    """``query_for`` of ``in_chunks`` for ``query WHERE column IN (chunk)``."""
    return lambda chunk: query.where(column.in_(chunk))


def placeholder(conn: Connection) -> str:
    """The driver's parameter mark for plain SQL: ``?`` (sqlite3) or ``%s`` (psycopg)."""
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def as_day(value: dt.date | str) -> dt.date:
    """A Date column's value: text on SQLite when read without SQLAlchemy's conversion."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def keys_match(keys: list[Any]) -> ColumnElement[bool]:
    """``(thread = ? AND event_id = ?) OR ...``: one index search per key on every
    backend (SQLite reads a row-value ``IN`` by scanning the whole index)."""
    return or_(*(and_(events.c.thread == t, events.c.event_id == i) for t, i in keys))


def by_keys(query: Select[Any]) -> Callable[[list[Any]], Select[Any]]:
    """``query_for`` of ``in_chunks`` for the rows of some (thread, event_id) keys."""
    return lambda chunk: query.where(keys_match(chunk))


def rows_of_keys(conn: Connection, columns: Iterable[str], keys: Iterable[Any]) -> Iterator[Any]:
    """The rows (these columns) of the (thread, event_id) keys that exist, as plain SQL
    run straight by the driver: compiling an OR of hundreds of terms through
    SQLAlchemy would cost more than the search (an import looks up every key)."""
    wanted = sorted(set(keys))
    if conn.dialect.name == "postgresql":  # the keys as two arrays, joined on the index
        if wanted:
            sql = (
                f"SELECT {', '.join('e.' + c for c in columns)} FROM events e JOIN "
                "unnest(%s::text[], %s::text[]) AS k(thread, event_id) "
                "ON e.thread = k.thread AND e.event_id = k.event_id"
            )
            yield from conn.exec_driver_sql(sql, ([t for t, _ in wanted], [i for _, i in wanted]))
        return
    mark = placeholder(conn)
    term = f"(thread = {mark} AND event_id = {mark})"
    head = f"SELECT {', '.join(columns)} FROM events WHERE "
    for i in range(0, len(wanted), CHUNK):
        chunk = wanted[i : i + CHUNK]
        sql = head + " OR ".join([term] * len(chunk))
        yield from conn.exec_driver_sql(sql, tuple(v for key in chunk for v in key))


# FOLD_COLUMNS as plain SQL (mapper.FOLD_FIELDS, in order), for the reads that go
# straight to the driver: their rows are read by position (fold_record_from_values).
FOLD_SQL = ", ".join(
    "CASE WHEN kind = 'event' THEN NULL ELSE payload END AS payload" if f == "payload" else f
    for f in FOLD_FIELDS
)
SEQ, THREAD = FOLD_FIELDS.index("seq"), FOLD_FIELDS.index("thread")


def fold_rows(conn: Connection, sql: str, params: tuple[Any, ...]) -> Sequence[Any]:
    """The rows of a ``SELECT FOLD_SQL ...``, as the driver's own tuples, all at once:
    on the connection's driver cursor, in its transaction (SQLAlchemy's result rows
    cost a third of an asof over every thread)."""
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql, params)
        return cursor.fetchall()
    finally:
        cursor.close()


def known_between_sql(
    conn: Connection, ranges: Iterable[tuple[str, dt.date | None]], until: dt.date | None
) -> tuple[str, tuple[Any, ...]]:
    """``(thread = ? AND known > ? AND known <= ?) OR ...``: the records of each thread
    known after its day (None: from the first) up to ``until`` (None: no end), one
    index range each, with its parameters (SQLite compares ISO text, not dates)."""
    mark = placeholder(conn)
    text = conn.dialect.name == "sqlite"

    def day(d: dt.date) -> Any:
        return d.isoformat() if text else d

    terms: list[str] = []
    params: list[Any] = []
    for thread, after in ranges:
        term, values = [f"thread = {mark}"], [thread]
        if after is not None:
            term.append(f"known > {mark}")
            values.append(day(after))
        if until is not None:
            term.append(f"known <= {mark}")
            values.append(day(until))
        terms.append("(" + " AND ".join(term) + ")")
        params += values
    return " OR ".join(terms), tuple(params)


def known_between_queries(
    conn: Connection,
    select_sql: str,
    ranges: Iterable[tuple[str, dt.date | None]],
    until: dt.date | None,
    tail: str = "",
) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """``SELECT select_sql FROM events`` (then ``tail``) of the records of each thread
    known after its day (None: from the first) up to ``until`` (None: no end), as
    (SQL, parameters) to run: on PostgreSQL one query that joins the ranges, given as
    arrays, on the (thread, known) index; elsewhere ORs of ranges, 300 at a time."""
    items = sorted(ranges)
    if conn.dialect.name != "postgresql":
        for i in range(0, len(items), 300):  # three parameters each
            where, params = known_between_sql(conn, items[i : i + 300], until)
            yield f"SELECT {select_sql} FROM events WHERE {where}{tail}", params
        return
    if not items:
        return
    sql = (
        f"SELECT {select_sql} FROM events JOIN unnest(%s::text[], %s::date[]) AS k(t, a) "
        "ON thread = k.t AND (k.a IS NULL OR known > k.a)"
        + (" AND known <= %s" if until is not None else "")
    )
    arrays = ([t for t, _ in items], [a for _, a in items])  # None: from the first
    yield sql + tail, (*arrays, *(() if until is None else (until,)))
