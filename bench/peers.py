"""The peers `make bench` measures timeline against, on the same corpus in the same run.

- raw SQLite: ``sqlite3.executemany`` of the same events into a lean table
  ``(seq, thread, id, version, recorded_at, payload)`` with its two unique keys, each
  line decoded and its payload encoded again (what any store must do at least), in
  one transaction with timeline's pragmas (WAL, synchronous=NORMAL); and a scan of
  it in seq order with ``json.loads`` of every payload (the floor of a replay).
- raw PostgreSQL: the same table filled by ``COPY`` (psycopg's copy support).
- the ``eventsourcing`` library (a bench-only dependency): an Application on SQLite
  with one aggregate per thread, each event a domain event, saved in batches of 1,000
  events; its replay gets every aggregate back from the log.

Each function returns the seconds it took.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

BATCH = 10_000

LEAN = """CREATE TABLE log (
    seq INTEGER PRIMARY KEY,
    thread TEXT NOT NULL,
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    recorded_at TEXT NOT NULL,
    payload TEXT NOT NULL,
    UNIQUE (thread, version),
    UNIQUE (thread, id)
)"""


def _rows(corpus: Path) -> Iterator[tuple[int, str, str, int, str, str]]:
    """The corpus as lean rows: decoded, numbered, the payload encoded again."""
    versions: dict[str, int] = {}
    stamp = dt.datetime.now(dt.UTC).isoformat()
    with corpus.open(encoding="utf-8") as f:
        for seq, line in enumerate(f, start=1):
            event = json.loads(line)
            thread = event["thread"]
            version = versions[thread] = versions.get(thread, 0) + 1
            payload = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
            yield seq, thread, event["id"], version, stamp, payload


def sqlite_import(corpus: Path, db: Path) -> float:
    t0 = time.perf_counter()
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute(LEAN)
    conn.execute("BEGIN IMMEDIATE")
    batch: list[tuple[Any, ...]] = []
    sql = "INSERT INTO log VALUES (?, ?, ?, ?, ?, ?)"
    for row in _rows(corpus):
        batch.append(row)
        if len(batch) == BATCH:
            conn.executemany(sql, batch)
            batch.clear()
    conn.executemany(sql, batch)
    conn.execute("COMMIT")
    conn.close()
    return time.perf_counter() - t0


def sqlite_scan(db: Path) -> float:
    t0 = time.perf_counter()
    conn = sqlite3.connect(db)
    for (payload,) in conn.execute("SELECT payload FROM log ORDER BY seq"):
        json.loads(payload)
    conn.close()
    return time.perf_counter() - t0


def postgres_copy(corpus: Path, url: str) -> float:
    import psycopg

    t0 = time.perf_counter()
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        conn.execute("DROP TABLE IF EXISTS log")
        conn.execute(LEAN.replace("INTEGER PRIMARY KEY", "BIGINT PRIMARY KEY"))
        with conn.cursor() as cur, cur.copy("COPY log FROM STDIN") as copy:
            for row in _rows(corpus):
                copy.write_row(row)
        conn.commit()
        conn.execute("DROP TABLE log")
        conn.commit()
    return time.perf_counter() - t0


_THREAD: list[Any] = []  # the aggregate class, made once: eventsourcing registers it by name


def _application(db: Path) -> Any:
    from eventsourcing.application import Application
    from eventsourcing.domain import Aggregate, event

    if not _THREAD:

        class Thread(Aggregate):
            def __init__(self, slug: str) -> None:
                self.slug = slug
                self.events = 0

            @event("Recorded")
            def record(self, payload: dict[str, Any]) -> None:
                self.events += 1

        _THREAD.append(Thread)
    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(db)}
    return Application(env=env), _THREAD[0]


def eventsourcing_append(corpus: Path, db: Path) -> tuple[float, list[Any]]:
    """Seconds, and the aggregate ids (for the replay)."""
    t0 = time.perf_counter()
    app, thread_class = _application(db)
    threads: dict[str, Any] = {}
    touched: dict[str, Any] = {}
    with corpus.open(encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            payload = json.loads(line)
            slug = payload["thread"]
            aggregate = threads.get(slug)
            if aggregate is None:
                aggregate = threads[slug] = thread_class(slug)
            aggregate.record(payload)
            touched[slug] = aggregate
            if n % 1000 == 0:
                app.save(*touched.values())
                touched.clear()
    app.save(*touched.values())
    ids = [a.id for a in threads.values()]
    app.close()
    return time.perf_counter() - t0, ids


def eventsourcing_replay(db: Path, ids: list[Any]) -> float:
    t0 = time.perf_counter()
    app, _ = _application(db)
    for aggregate_id in ids:
        app.repository.get(aggregate_id)
    app.close()
    return time.perf_counter() - t0
