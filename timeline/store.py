"""EventStore: appends records and reads them back; rows never leave this module.

Writes happen in ``EventStore.writing()``, one transaction holding the write lock
from its first statement (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: a transaction
advisory lock), so the checks made inside it (is this id taken? does that ref
exist?) still hold when the rows are inserted, and ``seq``/``version`` can be
assigned as max + 1 without gaps.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, tuple_, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from timeline.codec import (
    PAYLOAD_SCHEMA,
    dumps,
    event_from_payload,
    event_to_payload,
    format_recorded_at,
    state_from_json,
    state_to_json,
)
from timeline.db import BUSY_TIMEOUT_S, describe, error_reason
from timeline.errors import ConflictError, DatabaseError
from timeline.model import Event, Record, ThreadState
from timeline.schema import events, thread_states

__all__ = ["EventStore", "Writer", "select_records"]

_CHUNK = 400  # keys per IN (...) query: well under every backend's bind-parameter limit
_RECORD_COLUMNS = (events.c.seq, events.c.version, events.c.recorded_at,
                   events.c.thread_title, events.c.payload_schema, events.c.payload)


def _record(row: Sequence[Any]) -> Record:
    seq, version, recorded_at, thread_title, schema, payload = row
    return Record(seq, version, dt.datetime.fromisoformat(recorded_at),
                  event_from_payload(json.loads(payload), schema), thread_title)


def _row(record: Record) -> dict[str, Any]:
    e = record.event
    return {
        "seq": record.seq,
        "thread": e.thread,
        "event_id": e.id,
        "version": record.version,
        "kind": "event",
        "date_text": e.date.text,
        "date_first": e.date.first,
        "date_last": e.date.last,
        "known": e.known,
        "type": e.type,
        "thread_title": record.thread_title,
        "recorded_at": format_recorded_at(record.recorded_at),
        "payload_schema": PAYLOAD_SCHEMA,
        "payload": dumps(event_to_payload(e)),
    }


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


class EventStore:
    """The log and its projection table in one database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.name = describe(str(engine.url))

    # ---- writing ----------------------------------------------------------------

    @contextmanager
    def writing(self) -> Iterator[Writer]:
        """One write transaction: everything inside commits together or not at all."""
        try:
            with self.engine.connect() as conn:
                conn = conn.execution_options(timeline_write=True)
                with conn.begin():
                    if conn.dialect.name == "postgresql":
                        # One writer at a time keeps seq gap-free and in commit order.
                        conn.execute(select(func.pg_advisory_xact_lock(0x74696D65)))
                    yield Writer(conn)
        except OperationalError as e:
            raise self._error(e) from None
        except IntegrityError as e:
            raise ConflictError(f"the database refused the write: {error_reason(e)}") from None

    def _error(self, e: SQLAlchemyError) -> DatabaseError:
        reason = error_reason(e)
        if "locked" in reason or "busy" in reason:
            return DatabaseError(
                f"database {self.name} is busy: another process kept it locked for more "
                f"than {BUSY_TIMEOUT_S:g} s; try again")
        return DatabaseError(f"database {self.name}: {reason}")

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn, conn.begin():
                yield conn
        except OperationalError as e:
            raise self._error(e) from None

    # ---- reading ----------------------------------------------------------------

    def count(self) -> int:
        with self._reading() as conn:
            return conn.execute(select(func.count()).select_from(events)).scalar_one()

    def records(self, **filters: Any) -> list[Record]:
        """Records in seq order; see ``select_records`` for the filters."""
        with self._reading() as conn:
            return select_records(conn, **filters)

    def states(self, threads: Iterable[str] | None = None) -> dict[str, ThreadState]:
        """Stored current states (every event), by thread slug, sorted."""
        with self._reading() as conn:
            return _load_states(conn, threads)


class Writer:
    """What may be done inside one write transaction."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def find(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Record]:
        """Stored records for the given (thread, id) keys that exist."""
        wanted = sorted(set(keys))
        out: dict[tuple[str, str], Record] = {}
        for chunk in _chunks(wanted):
            rows = self._conn.execute(
                select(events.c.thread, events.c.event_id, *_RECORD_COLUMNS)
                .where(tuple_(events.c.thread, events.c.event_id).in_(chunk)))
            for r in rows:
                out[(r[0], r[1])] = _record(r[2:])
        return out

    def append(self, items: Sequence[tuple[Event, str | None]],
               recorded_at: dt.datetime) -> list[Record]:
        """Append events (each with an optional new thread title) in the given order."""
        if not items:
            return []
        conn = self._conn
        seq = conn.execute(select(func.coalesce(func.max(events.c.seq), 0))).scalar_one()
        threads = sorted({e.thread for e, _ in items})
        version: dict[str, int] = {}
        for chunk in _chunks(threads):
            version.update(conn.execute(
                select(events.c.thread, func.max(events.c.version))
                .where(events.c.thread.in_(chunk)).group_by(events.c.thread)).all())
        records: list[Record] = []
        for event, thread_title in items:
            seq += 1
            v = version[event.thread] = version.get(event.thread, 0) + 1
            records.append(Record(seq, v, recorded_at, event, thread_title))
        conn.execute(insert(events), [_row(r) for r in records])
        return records

    def states(self, threads: Iterable[str] | None = None) -> dict[str, ThreadState]:
        return _load_states(self._conn, threads)

    def records(self, **filters: Any) -> list[Record]:
        return select_records(self._conn, **filters)

    def iter_records(self, batch: int = 5000) -> Iterator[Record]:
        """Every record in seq order, streamed in batches (for rebuilds of large logs)."""
        result = self._conn.execution_options(yield_per=batch).execute(
            select(*_RECORD_COLUMNS).order_by(events.c.seq))
        for row in result:
            yield _record(row)

    def save_states(self, states: dict[str, ThreadState]) -> None:
        """Write projected states (insert new threads, update the others)."""
        existing = set(_existing_threads(self._conn, states))
        rows = [{
            "thread": s.thread, "title": s.title, "status": s.status, "events": s.events,
            "last_known": dt.date.fromisoformat(s.last.known), "max_seq": s.max_seq,
            "state": state_to_json(s),
        } for s in states.values()]
        new = [r for r in rows if r["thread"] not in existing]
        old = [r for r in rows if r["thread"] in existing]
        if new:
            self._conn.execute(insert(thread_states), new)
        for r in old:
            self._conn.execute(update(thread_states)
                               .where(thread_states.c.thread == r["thread"]).values(**r))

    def clear_states(self) -> None:
        self._conn.execute(delete(thread_states))


def select_records(
    conn: Connection,
    *,
    threads: Iterable[str] | None = None,
    known_by: dt.date | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    with_titles: bool = False,
) -> list[Record]:
    """Records in seq order: of some threads, known by a day, overlapping [since, until].

    ``with_titles`` also returns not-yet-known records that name their thread,
    so the projector can label a thread with its latest title.
    """
    query = select(*_RECORD_COLUMNS).order_by(events.c.seq)
    if known_by is not None:
        cond = events.c.known <= known_by
        if with_titles:
            cond = cond | events.c.thread_title.is_not(None)
        query = query.where(cond)
    if since is not None:
        query = query.where(events.c.date_last >= since)
    if until is not None:
        query = query.where(events.c.date_first <= until)
    if threads is None:
        return [_record(r) for r in conn.execute(query)]
    out: list[Record] = []
    for chunk in _chunks(sorted(set(threads))):
        out.extend(_record(r) for r in conn.execute(query.where(events.c.thread.in_(chunk))))
    out.sort(key=lambda r: r.seq)
    return out


def _existing_threads(conn: Connection, threads: Iterable[str]) -> list[str]:
    out: list[str] = []
    for chunk in _chunks(sorted(threads)):
        out.extend(conn.execute(select(thread_states.c.thread)
                                .where(thread_states.c.thread.in_(chunk))).scalars())
    return out


def _load_states(conn: Connection, threads: Iterable[str] | None) -> dict[str, ThreadState]:
    query = select(thread_states.c.state).order_by(thread_states.c.thread)
    if threads is None:
        return {s.thread: s for s in map(state_from_json, conn.execute(query).scalars())}
    out: dict[str, ThreadState] = {}
    for chunk in _chunks(sorted(set(threads))):
        for text in conn.execute(query.where(thread_states.c.thread.in_(chunk))).scalars():
            s = state_from_json(text)
            out[s.thread] = s
    return dict(sorted(out.items()))
