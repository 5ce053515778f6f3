"""EventStore: appends records and reads them back; rows never leave this package.

Reads happen in ``EventStore.reading()``, one transaction (one snapshot) per use case,
through a ``Reader``. Writes happen in ``EventStore.writing()``, one transaction holding
the write lock from its first statement (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: a
transaction advisory lock), through a ``Writer``, which can read too: the checks made
inside it (is this id taken? does that ref exist?) still hold when the rows are
inserted, and ``seq``/``version`` can be assigned as max + 1 without gaps.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from timeline.core.errors import ConflictError, DatabaseError
from timeline.storage.db import BUSY_TIMEOUT_S, describe, error_reason
from timeline.storage.reader import Reader
from timeline.storage.writer import LOG_LOCK, THREAD_LOCK, Writer

__all__ = ["EventStore"]


class EventStore:
    """The log and its projection table in one database."""

    def __init__(self, engine: Engine, busy_timeout: float = BUSY_TIMEOUT_S) -> None:
        self.engine = engine
        self.name = describe(str(engine.url))
        self.busy_timeout = busy_timeout
        # the plain reads (``PlainReader``) run on the driver's cursor: its errors too
        self._failures = (SQLAlchemyError, engine.dialect.loaded_dbapi.Error)

    def close(self) -> None:
        """Close every connection (SQLite folds its write-ahead log back into the file
        when the last one closes, so no -wal or -shm file is left beside it)."""
        self.engine.dispose()

    def one_database_per_connection(self) -> bool:
        """An SQLite database in memory: each connection (each thread's) has its own,
        so that work on another thread would not see this one's."""
        url = self.engine.url
        return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")

    @contextmanager
    def writing(self, threads: Iterable[str] | None = None) -> Iterator[Writer]:
        """One write transaction: everything inside commits together or not at all.

        ``threads`` are the threads it will append to (None: the whole log, for rebuild,
        verify and restore). On SQLite, ``BEGIN IMMEDIATE`` makes it the only writer. On
        PostgreSQL, writers to different threads run side by side: each holds a lock per
        thread it appends to (taken in slug order, so two writers cannot deadlock), and
        only the final step — numbering the rows with ``seq`` and inserting them — runs
        under one lock, held until commit (see ``Writer.append``).
        """
        try:
            with self.engine.connect() as conn:
                conn = conn.execution_options(timeline_write=True)
                with conn.begin():
                    if conn.dialect.name == "postgresql":
                        if threads is None:  # the whole log: every writer waits, readers go on
                            conn.execute(select(func.pg_advisory_xact_lock(*LOG_LOCK)))
                        else:
                            conn.execute(select(func.pg_advisory_xact_lock_shared(*LOG_LOCK)))
                        for thread in sorted(set(threads or ())):
                            conn.execute(
                                select(
                                    func.pg_advisory_xact_lock(THREAD_LOCK, func.hashtext(thread))
                                )
                            )
                    w = Writer(conn)
                    yield w
                    w.settle()
        except IntegrityError as e:
            raise ConflictError(f"the database refused the write: {error_reason(e)}") from None
        except self._failures as e:  # locked, corrupted, gone, or a value it cannot hold
            raise self._error(e) from None

    @contextmanager
    def reading(self) -> Iterator[Reader]:
        """One read transaction: every read inside sees the same snapshot of the log."""
        try:
            with self.engine.connect() as conn:
                if conn.dialect.name == "postgresql":
                    # READ COMMITTED (the default) would give each statement its own
                    # snapshot: a use case could see the states before and the records
                    # after another writer's commit.
                    conn = conn.execution_options(isolation_level="REPEATABLE READ")
                with conn.begin():
                    yield Reader(conn)
        except self._failures as e:
            raise self._error(e) from None

    def _error(self, e: Exception) -> DatabaseError:
        reason = error_reason(e)
        if "locked" in reason or "busy" in reason:
            return DatabaseError(
                f"database {self.name} is busy: another process kept it locked for more "
                f"than {self.busy_timeout:g} s; try again"
            )
        return DatabaseError(f"database {self.name}: {reason}")
