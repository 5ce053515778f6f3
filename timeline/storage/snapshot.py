"""Snapshot: the database read through its driver alone, for the reads of ``PlainReader``.

No SQLAlchemy, no engine, no migration check beyond the schema's revision: a whole
``timeline asof`` command answers in less time than importing SQLAlchemy takes. It
opens only what it can read as it is — an existing SQLite file, or a PostgreSQL URL, at
the schema this version writes — and reads only (SQLite ``query_only``, a read-only
PostgreSQL transaction). Anything else, and any error of the driver on the way, is
``Unavailable``: the caller then does the same with ``EventStore``, whose messages say
what is wrong (a missing file, an old schema, a locked or damaged database).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from timeline._version import SCHEMA_HEAD
from timeline.storage.driver import Driver
from timeline.storage.plain import PlainReader

__all__ = ["Snapshot", "Unavailable"]


class Unavailable(Exception):
    """The snapshot cannot read this database: read it through ``EventStore``."""


class Snapshot:
    """One read-only connection, and a transaction on it per ``reading``."""

    def __init__(self, connection: Any, backend: str, errors: type[Exception]) -> None:
        self._connection = connection
        self._backend = backend
        self._errors = errors

    @classmethod
    def open(cls, url: str, busy_timeout: float) -> Snapshot:
        """A snapshot of the database at ``url`` (a path or a URL, as ``--db`` takes)."""
        if "://" not in url:
            return cls._sqlite(Path(url).expanduser(), busy_timeout)
        scheme, rest = url.split("://", 1)
        if scheme == "sqlite" and rest.startswith("/") and not set("?%") & set(rest):
            return cls._sqlite(Path(rest[1:]), busy_timeout)
        if scheme in ("postgresql", "postgresql+psycopg"):
            return cls._postgresql("postgresql://" + rest)
        raise Unavailable(url)

    @classmethod
    def _sqlite(cls, path: Path, busy_timeout: float) -> Snapshot:
        import sqlite3

        if not path.is_file():
            raise Unavailable(path)
        try:  # mode=rw: never creates a file
            connection = sqlite3.connect(
                f"{path.resolve().as_uri()}?mode=rw",
                uri=True,
                timeout=busy_timeout,
                isolation_level=None,
            )
            connection.execute("PRAGMA query_only = ON")
        except sqlite3.Error as e:
            raise Unavailable(path) from e
        return cls(connection, "sqlite", sqlite3.Error)._checked()

    @classmethod
    def _postgresql(cls, url: str) -> Snapshot:
        try:
            import psycopg
        except ImportError as e:
            raise Unavailable(url) from e
        try:
            connection = psycopg.connect(url)
            # one snapshot for every statement of a transaction, as EventStore reads
            connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            connection.read_only = True
        except psycopg.Error as e:
            raise Unavailable(url) from e
        return cls(connection, "postgresql", psycopg.Error)._checked()

    def _checked(self) -> Snapshot:
        """This snapshot, if the database's schema is the one this version reads."""
        try:
            with self.reading() as r:
                revision = r.revision()
        except Unavailable:
            self.close()
            raise
        if revision != SCHEMA_HEAD:
            self.close()
            raise Unavailable(revision)
        return self

    @contextmanager
    def reading(self) -> Iterator[PlainReader]:
        """One read transaction: every read inside sees the same snapshot of the log."""
        connection = self._connection
        try:
            if self._backend == "sqlite":
                connection.execute("BEGIN")
            try:
                yield PlainReader(Driver(connection, self._backend))
            finally:
                if self._backend == "sqlite":
                    connection.execute("ROLLBACK")
                else:
                    connection.rollback()
        except self._errors as e:
            raise Unavailable(str(e)) from e

    def close(self) -> None:
        with suppress(self._errors):
            self._connection.close()
