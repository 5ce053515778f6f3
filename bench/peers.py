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

- floors: the database's own work of timeline's import (its tables filled by SQL from
  the rows timeline wrote) and of its search index (FTS5 fed the same texts), with no
  Python per event. Each includes reading those rows back, which timeline's own work
  does not: a floor is a little lower than the database's share alone.

Each function returns the seconds it took.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import sqlite3
import statistics
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


def _connect(db: Path) -> sqlite3.Connection:
    """A connection with timeline's pragmas (WAL, synchronous=NORMAL, 64 MiB of cache)."""
    conn = sqlite3.connect(db, isolation_level=None)
    for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "cache_size = -65536"):
        conn.execute(f"PRAGMA {pragma}")
    return conn


def sqlite_search_index(source: Path, db: Path) -> float:
    """A floor: SQLite's FTS5, with timeline's settings, fed in one statement the texts
    timeline indexed in ``source``. No Python runs per event: what remains is the
    database's own work of a search index over these events, which a rebuild must
    redo and an import must do."""
    conn = _connect(db)
    conn.execute("ATTACH DATABASE ? AS src", (str(source),))
    made = conn.execute("SELECT sql FROM src.sqlite_master WHERE name = 'event_texts_fts'")
    # timeline's options (its tokenizer, what it keeps), but where its content lies
    options = re.findall(
        r"(?:tokenize\s*=\s*'[^']*'|detail\s*=\s*\w+|columnsize\s*=\s*\d)", made.fetchone()[0]
    )
    assert options, "timeline's FTS5 table names its tokenizer"
    conn.execute(f"CREATE VIRTUAL TABLE main.fts USING fts5(body, {', '.join(options)})")
    t0 = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO main.fts(rowid, body) SELECT id, body FROM src.event_texts")
    conn.execute("COMMIT")
    secs = time.perf_counter() - t0
    conn.close()
    return secs


FTS5_SETTINGS = {
    "detail=full (FTS5's default)": "",
    "detail=column, columnsize=0 (timeline's)": ", detail=column, columnsize=0",
    "detail=none": ", detail=none",
}


def fts5_settings(source: Path, folder: Path, runs: int) -> list[tuple[str, float, float, float]]:
    """The alternatives for SQLite's search index, each fed the texts timeline indexed
    in ``source`` (median of ``runs`` builds): (settings, seconds to build, MB of
    index, median milliseconds of a search of two word prefixes, as timeline asks)."""
    out = []
    words: list[str] = []
    for name, options in FTS5_SETTINGS.items():
        db = folder / f"fts5-{len(out)}.db"
        conn = _connect(db)
        conn.execute("ATTACH DATABASE ? AS src", (str(source),))
        conn.execute("CREATE TABLE texts AS SELECT id, body FROM src.event_texts")
        conn.execute(
            "CREATE VIRTUAL TABLE fts USING fts5(body, content='texts', content_rowid='id', "
            f"tokenize='unicode61 remove_diacritics 2'{options})"
        )
        builds = []
        for _ in range(runs):
            conn.execute("INSERT INTO fts(fts) VALUES ('delete-all')")
            t0 = time.perf_counter()
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO fts(rowid, body) SELECT id, body FROM texts")
            conn.execute("COMMIT")
            builds.append(time.perf_counter() - t0)
        size = conn.execute("SELECT sum(length(block)) FROM fts_data").fetchone()[0]
        if not words:  # the same words for every setting: prefixes of words the texts hold
            bodies = [b for (b,) in conn.execute("SELECT body FROM texts WHERE id % 997 = 0")]
            words = _search_words(bodies)
        searches = []
        for a, b in itertools.pairwise(words):
            t0 = time.perf_counter()
            conn.execute("SELECT rowid FROM fts WHERE fts MATCH ?", (f'"{a}"* "{b}"*',)).fetchall()
            searches.append(time.perf_counter() - t0)
        conn.close()
        db.unlink()
        out.append((name, statistics.median(builds), size / 1e6, statistics.median(searches) * 1e3))
    return out


def sqlite_writes(source: Path, db: Path) -> float:
    """A floor: timeline's tables made anew and filled in one transaction, by SQL, with
    the rows timeline wrote in ``source`` (the log with its indexes, the search index,
    the states and checkpoints). No Python runs per event: what remains is the
    database's own work of an import of these events."""
    conn = _connect(db)
    conn.execute("ATTACH DATABASE ? AS src", (str(source),))
    schema = conn.execute(
        "SELECT type, name, sql FROM src.sqlite_master WHERE sql IS NOT NULL "
        "AND name NOT LIKE 'event_texts_fts_%' ORDER BY rowid"
    ).fetchall()
    for _, _, sql in schema:
        conn.execute(sql)
    tables = [name for kind, name, _ in schema if kind == "table" and name != "event_texts_fts"]
    t0 = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    for name in tables:
        # a WITHOUT ROWID table (the Merkle tree's nodes) is in the order of its key
        keyed = "WITHOUT ROWID" in next(sql for _, n, sql in schema if n == name).upper()
        order = "" if keyed else " ORDER BY rowid"
        conn.execute(f"INSERT INTO main.{name} SELECT * FROM src.{name}{order}")
    conn.execute("INSERT INTO event_texts_fts(rowid, body) SELECT id, body FROM event_texts")
    conn.execute("COMMIT")
    secs = time.perf_counter() - t0
    conn.close()
    return secs


def postgres_writes(url: str) -> float:
    """A floor: copies of timeline's tables (``LIKE ... INCLUDING ALL``: their indexes,
    the generated tsvector and its GIN index) filled by SQL in one transaction from
    the rows timeline wrote, then dropped. No Python runs per event: what remains is
    the server's own work of an import of these events."""
    import psycopg

    tables = ("events", "event_texts", "thread_states", "checkpoints")
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        for table in tables:
            conn.execute(f"CREATE TABLE floor_{table} (LIKE {table} INCLUDING ALL)")
        conn.commit()
        columns = {
            table: ", ".join(
                name
                for (name,) in conn.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                    "AND is_generated = 'NEVER' ORDER BY ordinal_position",
                    (table,),
                )
            )
            for table in tables
        }
        t0 = time.perf_counter()
        for table in tables:
            names = columns[table]
            conn.execute(f"INSERT INTO floor_{table} ({names}) SELECT {names} FROM {table}")
        conn.commit()
        secs = time.perf_counter() - t0
        for table in tables:
            conn.execute(f"DROP TABLE floor_{table}")
        conn.commit()
    return secs


def _search_words(bodies: list[str]) -> list[str]:
    """The words of every two-word search: prefixes of words the texts hold."""
    return [w[:4].lower() for b in bodies for w in b.split() if w.isalpha()][:101]


def sqlite_text_copy(source: Path, folder: Path, runs: int) -> list[tuple[str, float, float, str]]:
    """Whether the search index needs its own copy of each event's text. In a copy of
    ``source`` (median of ``runs``): (how the texts are held, seconds to index every
    plain event as an import or a rebuild does, MB of texts stored, what FTS5's own
    check of the index against its texts says). Kept: today's ``event_texts.body``,
    computed from the payloads by SQL. Read through a view: ``body`` left empty, the
    FTS5 table's content a view that computes it from the payload when asked."""
    from timeline.core.mapper import PAYLOAD_SCHEMA
    from timeline.storage.search import _PLAIN_EVENTS, _SQLITE_TEXT

    db = folder / "texts.db"
    with sqlite3.connect(source) as src, sqlite3.connect(db) as dst:
        src.backup(dst)
    conn = _connect(db)
    plain = _PLAIN_EVENTS.format(which="1")
    fill = (
        "INSERT INTO event_texts (thread, event_id, since, until, body) "
        "SELECT e.thread, e.event_id, NULL, NULL, {body} " + plain + " ORDER BY e.seq"
    )

    def build(body: str, content: str) -> float:
        conn.execute("INSERT INTO event_texts_fts(event_texts_fts) VALUES ('delete-all')")
        conn.execute("DELETE FROM event_texts")
        t0 = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(fill.format(body=body), {"schema": PAYLOAD_SCHEMA})
        conn.execute(f"INSERT INTO event_texts_fts(rowid, body) SELECT id, body FROM {content}")
        conn.execute("COMMIT")
        return time.perf_counter() - t0

    def check() -> str:
        try:
            conn.execute(
                "INSERT INTO event_texts_fts(event_texts_fts, rank) VALUES ('integrity-check', 1)"
            )
        except sqlite3.Error as e:
            return f"fails: {e}"
        return "ok"

    out = []
    kept = statistics.median(build(_SQLITE_TEXT, "event_texts") for _ in range(runs))
    mb = conn.execute("SELECT sum(length(body)) FROM event_texts").fetchone()[0] / 1e6
    out.append(("kept (event_texts.body, timeline's)", kept, mb, check()))
    made = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'event_texts_fts'")
    fts = made.fetchone()[0].replace("content='event_texts'", "content='event_text_bodies'")
    conn.executescript(
        f"""DROP TABLE event_texts_fts;
        CREATE TABLE texts (id INTEGER PRIMARY KEY, thread TEXT NOT NULL,
            event_id TEXT NOT NULL, since DATE, until DATE, body TEXT);
        DROP TABLE event_texts;
        ALTER TABLE texts RENAME TO event_texts;
        CREATE INDEX ix_event_texts_key ON event_texts (thread, event_id);
        CREATE VIEW event_text_bodies AS
            SELECT t.id, coalesce(t.body, (SELECT {_SQLITE_TEXT} FROM events e
                WHERE e.thread = t.thread AND e.event_id = t.event_id)) AS body
            FROM event_texts t;
        {fts};"""
    )
    viewed = statistics.median(build("NULL", "event_text_bodies") for _ in range(runs))
    out.append(("read through a view of the payloads", viewed, 0.0, check()))
    conn.close()
    db.unlink()
    return out


# PostgreSQL: the tsvector kept in a column (timeline's) or only in the GIN index (on the
# expression), and GIN's pending list (fastupdate) on or off.
POSTGRES_TEXT_SETTINGS = {
    "tsvector column + GIN (timeline's)": (
        "tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', timeline_unaccent(body))) STORED",
        "gin (tsv)",
        "tsv",
    ),
    "tsvector column + GIN, fastupdate=off": (
        "tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', timeline_unaccent(body))) STORED",
        "gin (tsv) WITH (fastupdate = off)",
        "tsv",
    ),
    "GIN on the expression, no column": (
        None,
        "gin ((to_tsvector('simple', timeline_unaccent(body))))",
        "to_tsvector('simple', timeline_unaccent(body))",
    ),
}


def postgres_text_settings(url: str, runs: int) -> list[tuple[str, float, float, float]]:
    """The alternatives for PostgreSQL's search index, each a table fed the texts
    timeline indexed (median of ``runs`` builds): (settings, seconds to build, MB of
    the table with its index, median milliseconds of a search of two word prefixes,
    as timeline asks)."""
    import psycopg

    out = []
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        bodies = [b for (b,) in conn.execute("SELECT body FROM event_texts WHERE id % 997 = 0")]
        # 20 searches: without a stored vector, one of a common prefix recomputes the
        # vectors of every row its bitmap holds (seconds each at a million events)
        words = _search_words(bodies)[:21]
        for name, (column, index, vector) in POSTGRES_TEXT_SETTINGS.items():
            columns = "id bigint PRIMARY KEY, body text NOT NULL" + (
                f", {column}" if column else ""
            )
            builds = []
            for _ in range(runs):
                conn.execute("DROP TABLE IF EXISTS bench_texts")
                conn.execute(f"CREATE TABLE bench_texts ({columns})")
                conn.execute(f"CREATE INDEX bench_texts_search ON bench_texts USING {index}")
                conn.commit()
                t0 = time.perf_counter()
                conn.execute("INSERT INTO bench_texts (id, body) SELECT id, body FROM event_texts")
                conn.commit()
                builds.append(time.perf_counter() - t0)
            conn.execute("ANALYZE bench_texts")
            size = conn.execute("SELECT pg_total_relation_size('bench_texts')").fetchone()[0]
            searches = []
            for a, b in itertools.pairwise(words):
                t0 = time.perf_counter()
                conn.execute(
                    f"SELECT id FROM bench_texts WHERE {vector} @@ "
                    "to_tsquery('simple', timeline_unaccent(%s))",
                    (f"{a}:* & {b}:*",),
                ).fetchall()
                searches.append(time.perf_counter() - t0)
            conn.execute("DROP TABLE bench_texts")
            conn.commit()
            out.append(
                (name, statistics.median(builds), size / 1e6, statistics.median(searches) * 1e3)
            )
    return out
