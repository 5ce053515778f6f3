"""The log's reads for the page's window (``core.window``): where each event lies, and
the events counted by the database, in plain SQL (``log.window`` of a reader)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import orjson

from timeline.core.model import Key
from timeline.core.window import Spot, Tally, Unit
from timeline.storage.driver import Driver, as_day, chunks

__all__ = ["WindowReads"]


def _spot(row: Sequence[Any]) -> Spot:
    thread, event_id, first, last, known, announced, kind = row
    return Spot(
        Key(thread, event_id),
        as_day(first),
        as_day(last),
        as_day(known),
        None if announced is None else as_day(announced),
        kind,
    )


def _spot_with_parts(row: Sequence[Any]) -> Spot:
    *where, actors, positions, status = row
    held = [(p[0], p[1]) for p in orjson.loads(positions)] if positions else []
    holders = frozenset(orjson.loads(actors)) | {h for h, _ in held}
    issues = frozenset(issue for _, issue in held)
    return _spot(where)._replace(holders=holders, issues=issues, status=status)


class WindowReads:
    """Where events lie and how many there are, by thread and unit of the page's window."""

    def __init__(self, db: Driver) -> None:
        self._db = db

    def spots(
        self,
        known_by: dt.date,
        since: dt.date,
        until: dt.date,
        threads: Sequence[str] | None = None,
        *,
        parts: bool = False,
    ) -> list[Spot]:
        """Where each event lies whose date (as recorded) overlaps [since, until] and
        that is known or announced by a day, of some threads (None: all): its days and
        type from the log's columns, no payload read; with ``parts``, also the names,
        issues and status a filter looks at. Corrections are not applied: the caller
        reads the views of amended events (``amended``) instead."""
        mark, db = self._db.mark, self._db
        select = "thread, event_id, date_first, date_last, known, announced, type"
        if parts:
            select += ", actors, positions, status"
        where = (
            f"kind = 'event' AND date_last >= {mark} AND date_first <= {mark} "
            f"AND (known <= {mark} OR announced <= {mark})"
        )
        day = db.day(known_by)
        params = (db.day(since), db.day(until), day, day)
        if threads is None:
            rows = db.rows(f"SELECT {select} FROM events WHERE {where}", params)
        else:
            rows = db.of_threads(f"{select} FROM events", threads, where, params)
        return [(_spot_with_parts if parts else _spot)(row) for row in rows]

    def spots_of(
        self, keys: Iterable[Key], known_by: dt.date, since: dt.date, until: dt.date
    ) -> list[Spot]:
        """``spots`` of some events (those a search found), with their parts."""
        select = (
            "thread, event_id, date_first, date_last, known, announced, type, actors, "
            "positions, status, kind"
        )
        found = []
        for row in self._db.of_keys(select, keys):
            spot = _spot_with_parts(row[:-1])
            public = spot.known <= known_by or (spot.announced and spot.announced <= known_by)
            if row[-1] == "event" and spot.last >= since and spot.first <= until and public:
                found.append(spot)
        return found

    def tallies(
        self,
        known_by: dt.date,
        since: dt.date,
        until: dt.date,
        unit: Unit,
        share: int,
        threads: Sequence[str] | None = None,
        types: Sequence[str] = (),
    ) -> list[Tally]:
        """The events ``spots`` would read (of ``types``, if any), but those a correction
        or retraction names, counted by the database as ``core.window.tally`` counts
        spots: by thread, unit, type and lateness, naming them when they are no more
        than ``share``."""
        mark, db = self._db.mark, self._db
        first = f"CASE WHEN date_first < {mark} THEN {mark} ELSE date_first END"
        if db.backend == "postgresql":
            months = (
                f"(EXTRACT(YEAR FROM {first})::int * 12 + EXTRACT(MONTH FROM {first})::int - 1)"
            )
            days = f"({first} - DATE '0001-01-01' + 1)"
        else:  # ISO text: 0001-01-01 is julian day 1721425.5
            months = (
                f"(CAST(substr({first}, 1, 4) AS INTEGER) * 12 "
                f"+ CAST(substr({first}, 6, 2) AS INTEGER) - 1)"
            )
            days = f"CAST(julianday({first}) - 1721424.5 AS INTEGER)"
        if unit.months:
            index, uses = f"{months} / {unit.months}", 4
        else:
            index, uses = (f"({days} - 1) / 7" if unit.weekly else days), 2
        late = "CASE WHEN announced IS NULL AND known > date_last THEN 1 ELSE 0 END"
        amended = (
            "EXISTS (SELECT 1 FROM events a WHERE a.thread = e.thread "
            "AND a.target = e.thread || '/' || e.event_id)"
        )
        where = (
            f"e.kind = 'event' AND e.date_last >= {mark} AND e.date_first <= {mark} "
            f"AND (e.known <= {mark} OR e.announced <= {mark}) AND NOT {amended}"
        )
        day, start = db.day(known_by), db.day(since)
        params: list[Any] = [start] * uses + [start, db.day(until), day, day]
        if types:
            where += f" AND e.type IN ({db.marks(len(types))})"
            params += types
        ids = (
            "string_agg(e.event_id, ',')"
            if db.backend == "postgresql"
            else "group_concat(e.event_id)"
        )
        select = (
            f"SELECT e.thread, {index} AS unit, e.type, {late} AS late, count(*), "
            f"CASE WHEN count(*) <= {int(share)} THEN {ids} END FROM events e"
        )
        group = " GROUP BY e.thread, unit, e.type, late"
        if threads is None:
            rows = db.rows(f"{select} WHERE {where}{group}", params)
        else:
            rows = []
            for chunk in chunks(threads):
                sql = f"{select} WHERE {where} AND e.thread IN ({db.marks(len(chunk))}){group}"
                rows += db.rows(sql, (*params, *chunk))
        # an id is a slug: never a comma
        return [
            Tally(t, int(u), ty, bool(la), n, tuple(sorted(ids.split(","))) if ids else ())
            for t, u, ty, la, n, ids in rows
        ]
