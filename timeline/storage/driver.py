"""A DB-API connection and its SQL dialect: what every plain read (``plain``) and the
store's own writes run their SQL through, without SQLAlchemy. The SQL is portable; only
the parameter mark differs (``?``: sqlite3, ``%s``: psycopg), and SQLite holds days as
ISO text where PostgreSQL has dates (``as_day``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

__all__ = ["CHUNK", "Driver", "as_day", "chunks"]

CHUNK = 400  # keys per IN (...) query: well under every backend's bind-parameter limit


def as_day(value: dt.date | str) -> dt.date:
    """A day as the driver gives it: a date, or ISO text on SQLite."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def chunks(keys: Iterable[Any]) -> Iterator[list[Any]]:
    """The sorted, distinct keys, CHUNK at a time: an ``IN (...)`` list short enough for
    every backend."""
    wanted = sorted(set(keys))
    for i in range(0, len(wanted), CHUNK):
        yield wanted[i : i + CHUNK]


class Driver:
    """A DB-API connection (inside the transaction of its user) and its SQL dialect."""

    def __init__(self, connection: Any, backend: str) -> None:
        self.connection = connection
        self.backend = backend
        self.mark = "%s" if backend == "postgresql" else "?"

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """All rows of one statement, as the driver's own tuples."""
        cursor = self.connection.cursor()
        try:
            if params:
                cursor.execute(sql, tuple(params))
            else:  # psycopg reads no placeholders in a statement without parameters
                cursor.execute(sql)
            rows: list[Any] = cursor.fetchall()
            return rows
        finally:
            cursor.close()

    def marks(self, n: int) -> str:
        return ", ".join([self.mark] * n)

    def day(self, value: dt.date) -> Any:
        """A day as a parameter: SQLite compares the ISO text it stores."""
        return value.isoformat() if self.backend == "sqlite" else value

    def of_threads(
        self,
        select: str,
        threads: Iterable[str],
        where: str = "",
        params: Sequence[Any] = (),
        tail: str = "",
    ) -> list[Any]:
        """The rows of ``SELECT select WHERE [where AND] thread IN (...) [tail]`` for
        every thread, a chunk of them at a time (``params``: those of ``where``; a
        ``tail`` such as GROUP BY thread sees one chunk)."""
        out: list[Any] = []
        for chunk in chunks(threads):
            cond = f"{where} AND " if where else ""
            sql = f"SELECT {select} WHERE {cond}thread IN ({self.marks(len(chunk))}){tail}"
            out += self.rows(sql, (*params, *chunk))
        return out

    def of_keys(self, columns: str, keys: Iterable[tuple[str, ...]]) -> list[Any]:
        """The rows (these columns) of the (thread, event_id) keys that exist."""
        wanted = sorted(set(keys))
        if not wanted:
            return []
        if self.backend == "postgresql":  # the keys as two arrays, joined on the index
            sql = (
                f"SELECT {columns} FROM events e JOIN "
                "unnest(%s::text[], %s::text[]) AS k(t, i) "
                "ON e.thread = k.t AND e.event_id = k.i"
            )
            return self.rows(sql, ([t for t, _ in wanted], [i for _, i in wanted]))
        # (thread = ? AND event_id = ?) OR ...: one index search per key (SQLite reads a
        # row-value IN by scanning the whole index)
        out: list[Any] = []
        for chunk in chunks(wanted):
            where = " OR ".join([f"(thread = {self.mark} AND event_id = {self.mark})"] * len(chunk))
            params = [v for key in chunk for v in key]
            out += self.rows(f"SELECT {columns} FROM events WHERE {where}", params)
        return out

    def known_between(
        self,
        select: str,
        ranges: Iterable[tuple[str, dt.date | None]],
        until: dt.date | None,
        tail: str = "",
    ) -> list[Any]:
        """The rows of ``SELECT select FROM events`` (then ``tail``) of the records of
        each thread known after its day (None: from the first) up to ``until`` (None: no
        end), one index range each: on PostgreSQL one query that joins the ranges, given
        as arrays, on the (thread, known) index; elsewhere ORs of ranges, 300 at a time."""
        items = sorted(ranges)
        if not items:
            return []
        if self.backend == "postgresql":
            sql = (
                f"SELECT {select} FROM events JOIN unnest(%s::text[], %s::date[]) AS k(t, a) "
                "ON thread = k.t AND (k.a IS NULL OR known > k.a)"
                + (" AND known <= %s" if until is not None else "")
            )
            arrays = ([t for t, _ in items], [a for _, a in items])  # None: from the first
            return self.rows(sql + tail, (*arrays, *(() if until is None else (until,))))
        out: list[Any] = []
        for i in range(0, len(items), 300):  # three parameters each
            terms, params = [], []
            for thread, after in items[i : i + 300]:
                term, values = [f"thread = {self.mark}"], [thread]
                if after is not None:
                    term.append(f"known > {self.mark}")
                    values.append(self.day(after))
                if until is not None:
                    term.append(f"known <= {self.mark}")
                    values.append(self.day(until))
                terms.append("(" + " AND ".join(term) + ")")
                params += values
            out += self.rows(
                f"SELECT {select} FROM events WHERE {' OR '.join(terms)}{tail}", params
            )
        return out
