"""The rows a coded import keeps, folded into events on disk, not in memory: a GDELT day
is 100,000 to 200,000 rows, a month millions, and no story's rows need be near each
other in the files. The rows go to a scratch SQLite file (in a temporary folder, gone
with the import); sorted there, each story's rows come back together (step 1 of
``formats.coded``), then each id's events (step 2), then the events in the order their
first rows came. Memory holds one story, one event, and SQLite's bounded cache.
"""

from __future__ import annotations

import datetime as dt
import itertools
import marshal
import sqlite3
from collections.abc import Iterable, Iterator
from operator import itemgetter
from pathlib import Path
from typing import Any, Literal

from timeline.formats.coded import CodedEvent, merged, parties_key, story_events
from timeline.formats.datasets import Actor, CodedRow

__all__ = ["Spill"]

_SCHEMA = """
CREATE TABLE kept (
    arrival INTEGER PRIMARY KEY, day INTEGER, code TEXT, source TEXT, story TEXT,
    file INTEGER, line INTEGER, known INTEGER, actors BLOB, url TEXT, mentions BLOB
);
CREATE TABLE told (
    id TEXT, parties TEXT, first INTEGER, day INTEGER, known INTEGER, code TEXT, file INTEGER,
    line INTEGER, rows INTEGER, actors BLOB, sources BLOB
);
CREATE TABLE events (
    id TEXT, parties TEXT, first INTEGER PRIMARY KEY, day INTEGER, known INTEGER,
    code TEXT, file INTEGER, line INTEGER, rows INTEGER, actors BLOB, sources BLOB
);
"""
_CACHE_KB = 32 * 1024  # SQLite's cache, and its sorter's memory before it spills
_BATCH = 10_000
_TOLD = "id, parties, first, day, known, code, file, line, rows, actors, sources"
_Row = tuple[Any, ...]  # a row of the scratch tables, as sqlite3 gives it


class Spill:
    """Rows in (``add``), folded (``fold``), events out (``events``): see the module."""

    def __init__(
        self, folder: Path, dataset: str, scheme: Literal["cameo", "plover"] = "cameo"
    ) -> None:
        self.dataset, self.scheme = dataset, scheme
        self.db = sqlite3.connect(folder / "fold.sqlite", isolation_level=None)
        try:
            for pragma in ("journal_mode = OFF", "synchronous = OFF", "temp_store = FILE"):
                self.db.execute(f"PRAGMA {pragma}")
            self.db.execute(f"PRAGMA cache_size = -{_CACHE_KB}")
            self.db.executescript(_SCHEMA)
            self.db.execute("BEGIN")
        except sqlite3.Error:
            self.db.close()
            raise
        self.files: list[str] = []
        self.numbers: dict[str, int] = {}  # of files, as the tables hold them
        self.pending: list[tuple[object, ...]] = []
        self.arrivals = 0

    def close(self) -> None:
        self.db.close()

    def add(self, row: CodedRow, file: str) -> None:
        """A kept row, from ``file``."""
        number = self.numbers.get(file)
        if number is None:
            number = self.numbers[file] = len(self.files)
            self.files.append(file)
        mentions = marshal.dumps(row.mentions) if row.mentions else None
        actors = marshal.dumps(tuple((a.name, a.country) for a in row.actors))
        self.pending.append((
            self.arrivals, row.date.toordinal(), row.code, row.source, row.story,
            number, row.line, row.known.toordinal(), actors, row.url, mentions,
        ))  # fmt: skip
        self.arrivals += 1
        if len(self.pending) >= _BATCH:
            self._flush()

    def _flush(self) -> None:
        self.db.executemany("INSERT INTO kept VALUES (?,?,?,?,?,?,?,?,?,?,?)", self.pending)
        self.pending = []

    def fold(self) -> int:
        """Steps 1 and 2 of ``formats.coded``: the number of events."""
        self._flush()
        stories = self.db.execute(
            "SELECT arrival, day, code, source, story, file, line, known, actors, url, "
            "mentions FROM kept ORDER BY day, code, source, story, arrival"
        )
        told = (
            self._told(event)
            for _, rows in itertools.groupby(stories, key=itemgetter(1, 2, 3, 4))
            for event in self._story(rows)
        )
        insert = "INSERT INTO told VALUES (?,?,?,?,?,?,?,?,?,?,?)"
        for chunk in iter(lambda: list(itertools.islice(told, _BATCH)), []):
            self.db.executemany(insert, chunk)
        self.db.execute("DELETE FROM kept")
        # the same day, code and parties (the id holds the first two, and a digest)
        same = self.db.execute(f"SELECT {_TOLD} FROM told ORDER BY id, parties, first")
        events = (
            self._told(merged(map(self._event, group))) if len(group) > 1 else group[0]
            for group in (list(g) for _, g in itertools.groupby(same, key=itemgetter(0, 1)))
        )  # an event one story alone tells of (most) as it is
        insert = "INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?,?,?)"
        count = 0
        for chunk in iter(lambda: list(itertools.islice(events, _BATCH)), []):
            self.db.executemany(insert, chunk)
            count += len(chunk)
        self.db.execute("DELETE FROM told")
        return count

    def events(self) -> Iterator[CodedEvent]:
        """The events, in the order their first rows came."""
        for row in self.db.execute(f"SELECT {_TOLD} FROM events ORDER BY first"):
            yield self._event(row)

    def _story(self, rows: Iterable[_Row]) -> Iterator[CodedEvent]:
        return story_events(self.dataset, map(self._row, rows))

    def _row(self, kept: _Row) -> tuple[int, str, CodedRow]:
        arrival, day, code, source, story, file, line, known, actors, url, mentions = kept
        row = CodedRow(
            line, dt.date.fromordinal(day), dt.date.fromordinal(known), code,
            tuple(Actor(name, country) for name, country in marshal.loads(actors)),
            story, source, url, self.scheme, marshal.loads(mentions) if mentions else (),
        )  # fmt: skip
        return arrival, self.files[file], row

    def _told(self, event: CodedEvent) -> tuple[object, ...]:
        return (
            event.id, parties_key(event.actors), event.first, event.date.toordinal(),
            event.known.toordinal(),
            event.code, self.numbers[event.file], event.line, event.rows,
            marshal.dumps(tuple((a.name, a.country) for a in event.actors)),
            marshal.dumps(event.sources),
        )  # fmt: skip

    def _event(self, row: _Row) -> CodedEvent:
        id_, _, first, day, known, code, file, line, rows, actors, sources = row
        return CodedEvent(
            self.dataset, dt.date.fromordinal(day), dt.date.fromordinal(known), code,
            tuple(Actor(name, country) for name, country in marshal.loads(actors)),
            marshal.loads(sources), line, rows, self.scheme,
            self.files[file], first, id_,
        )  # fmt: skip
