"""The search index (see ``texts``): its versions of each event's text, kept and
searched through the database's own engine (SQLite FTS5, PostgreSQL tsvector + GIN)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import orjson
from sqlalchemy import (
    Column,
    Connection,
    Integer,
    MetaData,
    Table,
    Text,
    and_,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    text,
)
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from timeline.core.mapper import PAYLOAD_SCHEMA, readable, upcast
from timeline.core.model import Key
from timeline.core.search import TextVersion, payload_text
from timeline.storage.db import error_reason
from timeline.storage.driver import CHUNK, Driver, as_day
from timeline.storage.progress import Upkeep
from timeline.storage.schema import event_texts, events

__all__ = ["SearchReader", "SearchWriter"]

_T = event_texts.c
# SQLite's FTS5 table, as far as a write names it (its hidden column takes commands)
_FTS = Table(
    "event_texts_fts",
    MetaData(),
    Column("event_texts_fts", Text),
    Column("rowid", Integer),
    Column("body", Text),
)


# ``texts.payload_text`` said in each database's SQL, over ``e.payload``: title, summary,
# "issue: stance" of each position, source names, the non-empty ones joined by newlines.
# An import and a rebuild let the database compute every plain event's text (C code,
# nothing decoded in Python); verify recomputes them all with payload_text, so the two
# are held equal.
_SQLITE_TEXT = """substr(
    coalesce(char(10) || nullif(json_extract(e.payload, '$.title'), ''), '')
    || coalesce(char(10) || nullif(json_extract(e.payload, '$.summary'), ''), '')
    || coalesce((SELECT group_concat(char(10) || json_extract(x.value, '$.issue') || ': '
                                     || json_extract(x.value, '$.stance'), '')
                 FROM json_each(json_extract(e.payload, '$.positions')) AS x), '')
    || coalesce((SELECT group_concat(char(10) || nullif(json_extract(x.value, '$.name'), ''),
                                     '')
                 FROM json_each(json_extract(e.payload, '$.sources')) AS x), ''),
    2)"""
_POSTGRES_TEXT = """concat_ws(E'\\n',
    nullif(e.payload::json ->> 'title', ''),
    nullif(e.payload::json ->> 'summary', ''),
    (SELECT string_agg((x ->> 'issue') || ': ' || (x ->> 'stance'), E'\\n' ORDER BY n)
     FROM json_array_elements(e.payload::json -> 'positions') WITH ORDINALITY AS p(x, n)),
    (SELECT string_agg(nullif(x ->> 'name', ''), E'\\n' ORDER BY n)
     FROM json_array_elements(e.payload::json -> 'sources') WITH ORDINALITY AS s(x, n)))"""
# The events (``{which}``: a stretch of the log, by seq) that nothing amends and
# whose payload is in today's form: an amendment lives in its target's thread, so the
# index on each thread's amendments answers.
_PLAIN_EVENTS = """FROM events e
WHERE e.kind = 'event' AND {which} AND e.payload_schema = :schema
  AND NOT EXISTS (SELECT 1 FROM events a
                  WHERE a.thread = e.thread AND a.target = e.thread || '/' || e.event_id)"""


def _recorded_text(row: Sequence[Any]) -> tuple[Key, str]:
    """(key, text) of an event from its (seq, thread, event_id, payload_schema, payload)."""
    _, thread, event_id, schema, payload = row
    return Key(thread, event_id), payload_text(upcast(orjson.loads(payload), schema))


def _on(day: dt.date | None) -> Any:
    """The versions in force on ``day``; None: the latest ones (those still in force)."""
    if day is None:
        return _T.until.is_(None)
    return and_(or_(_T.since.is_(None), _T.since <= day), or_(_T.until.is_(None), _T.until > day))


class SearchReader:
    """Reads of the search index: which events' texts hold the words, and its checks."""

    def __init__(self, conn: Connection, db: Driver, upkeep: Upkeep) -> None:
        self._conn, self._db, self._upkeep = conn, db, upkeep

    def find(
        self, words: Sequence[str], day: dt.date | None, *, any_version: bool = False
    ) -> set[Key]:
        """The events whose text, as it read on ``day`` (None: as it reads now; or in any
        version), holds every word (as the start of one of its words, accents aside)."""
        self._upkeep.require("search")
        if self._conn.dialect.name == "postgresql":
            query = " & ".join(f"{w}:*" for w in words)
            match = text("tsv @@ to_tsquery('simple', timeline_unaccent(:query))").bindparams(
                query=query
            )
            found = select(_T.thread, _T.event_id).where(match)
        else:
            query = " ".join('"' + w.replace('"', '""') + '"*' for w in words)
            hits = text("SELECT rowid FROM event_texts_fts WHERE event_texts_fts MATCH :query")
            found = select(_T.thread, _T.event_id).where(
                _T.id.in_(hits.bindparams(query=query).columns(rowid=_T.id.type))
            )
        if not any_version:
            found = found.where(_on(day))
        return {Key(t, i) for t, i in self._conn.execute(found.distinct())}

    def search_problem(self) -> str | None:
        """What keeps the database's own search engine from answering (its FTS5 table or
        tsvector column gone or damaged, the GIN index gone or invalid), or None: a
        search run in a savepoint, so that a failure leaves the transaction usable.
        Without its GIN index PostgreSQL still answers, by reading every text's vector:
        that is a problem too."""
        try:
            with self._conn.begin_nested():
                self.find(["timeline"], None)
        except SQLAlchemyError as e:
            return error_reason(e)
        if self._conn.dialect.name != "postgresql":
            return None
        valid = self._conn.execute(  # (the index of the schema the session reads)
            text(
                "SELECT indisvalid FROM pg_index "
                "WHERE indexrelid = to_regclass('ix_event_texts_tsv')"
            )
        ).scalar()
        if valid is None:
            return "its GIN index ix_event_texts_tsv is gone"
        return None if valid else "its GIN index ix_event_texts_tsv is not valid"

    def index_problem(self) -> tuple[tuple[str, str] | None, str | None]:
        """((the index, what the database's own check of it finds wrong), or None; what
        it could not check, or None). SQLite: FTS5's ``integrity-check`` of the search
        index against the texts it indexes (damaged index pages can leave every search
        empty while ``quick_check`` says ok). PostgreSQL: ``amcheck`` on the B-tree
        indexes of the log and of the texts, where the extension is installed."""
        if self._conn.dialect.name == "sqlite":
            check = (
                "INSERT INTO event_texts_fts(event_texts_fts, rank) VALUES ('integrity-check', 1)"
            )
            try:
                with self._conn.begin_nested():
                    self._conn.execute(text(check))
            except SQLAlchemyError as e:
                return ("search index", f"FTS5's integrity-check fails: {error_reason(e)}"), None
            return None, None
        installed = text("SELECT 1 FROM pg_extension WHERE extname = 'amcheck'")
        if self._conn.execute(installed).first() is None:
            return None, (
                "the B-tree indexes: PostgreSQL's amcheck extension is not installed "
                "(CREATE EXTENSION amcheck, as a superuser, to check them)"
            )
        indexes = text(
            "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "JOIN pg_class t ON t.oid = x.indrelid JOIN pg_am a ON a.oid = i.relam "
            "WHERE a.amname = 'btree' AND t.relname IN ('events', 'event_texts') "
            "ORDER BY i.relname"
        )
        for name in self._conn.execute(indexes).scalars():
            try:
                with self._conn.begin_nested():
                    self._conn.execute(
                        text("SELECT bt_index_check(to_regclass(:name))"), {"name": name}
                    )
            except SQLAlchemyError as e:
                return (f"index {name}", error_reason(e)), None
        return None, None

    def recorded_texts(self, threads: Sequence[str], *, older: bool = False) -> dict[Key, str]:
        """The text of each event of some threads as recorded (amendments aside), from
        its payload alone (``older``: only those whose payload is in an older form)."""
        e = events.c
        query = select(e.seq, e.thread, e.event_id, e.payload_schema, e.payload)
        if older:
            query = query.where(e.payload_schema != PAYLOAD_SCHEMA)
        wanted = sorted(set(threads))
        out: dict[Key, str] = {}
        for i in range(0, len(wanted), CHUNK):
            chunk = wanted[i : i + CHUNK]
            rows = self._conn.execute(query.where(e.kind == "event", e.thread.in_(chunk)))
            for key, body in readable(_recorded_text, rows):
                out[key] = body
        return out

    def amended_threads(self) -> set[str]:
        """The threads with corrections or retractions (by the index on amendments)."""
        query = text("SELECT DISTINCT thread FROM events WHERE target IS NOT NULL")
        return set(self._conn.execute(query).scalars())

    def older_threads(self) -> set[str]:
        """The threads with events whose payload is in an older form (a whole scan)."""
        query = text(
            "SELECT DISTINCT thread FROM events WHERE kind = 'event' AND payload_schema <> :schema"
        )
        return set(self._conn.execute(query, {"schema": PAYLOAD_SCHEMA}).scalars())

    def text_threads(self) -> set[str]:
        """The threads the index holds versions of."""
        return set(self._conn.execute(select(_T.thread).distinct()).scalars())

    def text_versions(self, threads: Sequence[str]) -> Iterator[TextVersion]:
        """The versions the index holds for some threads, by thread, id and first day."""
        query = select(_T.thread, _T.event_id, _T.since, _T.until, _T.body).order_by(
            _T.thread, _T.event_id, _T.id
        )
        wanted = sorted(set(threads))
        rows = (
            r
            for i in range(0, len(wanted), CHUNK)
            for r in self._conn.execute(query.where(_T.thread.in_(wanted[i : i + CHUNK])))
        )
        for r in rows:
            since = None if r.since is None else as_day(r.since)
            until = None if r.until is None else as_day(r.until)
            yield TextVersion(r.thread, r.event_id, since, until, r.body)


class SearchWriter(SearchReader):
    """Writes of the index. On SQLite the FTS5 table's content is ``event_texts``: each
    write adds (or removes) the same rows there, a batch at a time."""

    def _sqlite(self) -> bool:
        return self._conn.dialect.name == "sqlite"

    def _last_id(self) -> int:
        return int(self._conn.execute(select(func.coalesce(func.max(_T.id), 0))).scalar_one())

    def save_texts_from(self, seq: int, until: int | None = None) -> set[str]:
        """Index the events from ``seq`` on (before ``until``, if given) that nothing
        amends and whose payload is in today's form: one version each, from the start,
        its text computed from the payload by the database (``_SQLITE_TEXT``). Returns
        the threads whose events there it left out for their older form (amended ones:
        ``amended_threads``). An import's new events, a batch at a time (an amendment
        that comes later indexes its event again); a rebuild's, a stretch of the log at
        a time. Each statement runs without Python and answers in one row at most, so
        a fold on another thread goes on meanwhile (see ``replay_log``)."""
        params = {"from_seq": seq, "until": until, "schema": PAYLOAD_SCHEMA}
        which = "e.seq >= :from_seq" + ("" if until is None else " AND e.seq < :until")
        try:
            with self._conn.begin_nested():
                self._save_plain(which, params)
        except DBAPIError:  # a payload that is not JSON: a damaged or crafted row
            self._save_plain_in_python(which, params)
        sqlite = self._sqlite()
        threads = (
            "json_group_array(DISTINCT e.thread)" if sqlite else "array_agg(DISTINCT e.thread)"
        )
        older = self._conn.execute(
            text(
                f"SELECT {threads} FROM events e WHERE {which} "
                "AND e.kind = 'event' AND e.payload_schema <> :schema"
            ),
            params,
        ).scalar_one()
        return set(orjson.loads(older) if sqlite else older or ())

    def _save_plain(self, which: str, params: dict[str, Any]) -> None:
        """Index the events ``_PLAIN_EVENTS`` finds, in one statement per table."""
        sqlite = self._sqlite()
        last_id = self._last_id() if sqlite else 0
        body = _SQLITE_TEXT if sqlite else _POSTGRES_TEXT
        self._conn.execute(
            text(
                "INSERT INTO event_texts (thread, event_id, since, until, body) "
                f"SELECT e.thread, e.event_id, NULL, NULL, {body} "
                f"{_PLAIN_EVENTS.format(which=which)} ORDER BY e.seq"
            ),
            params,
        )
        if sqlite:
            self._index_after(last_id)

    def _save_plain_in_python(self, which: str, params: dict[str, Any]) -> None:
        """``_save_plain``, the texts computed in Python: a row that does not read is
        left out (``readable``), where the database's JSON functions stop the statement."""
        rows = self._conn.execute(
            text(
                "SELECT e.seq, e.thread, e.event_id, e.payload_schema, e.payload "
                f"{_PLAIN_EVENTS.format(which=which)} ORDER BY e.seq"
            ),
            params,
        )
        self.save_texts(
            TextVersion(key.thread, key.id, None, None, body)
            for key, body in readable(_recorded_text, rows)
        )

    def _index_after(self, last_id: int) -> None:
        """SQLite: add the rows of ``event_texts`` after ``last_id`` to the FTS5 table."""
        self._conn.execute(
            text(
                "INSERT INTO event_texts_fts(rowid, body) "
                "SELECT id, body FROM event_texts WHERE id > :last"
            ),
            {"last": last_id},
        )

    def save_texts(self, versions: Iterable[TextVersion]) -> None:
        """Add versions, straight through the driver (an import or a rebuild may add many,
        those of amended events: SQLAlchemy's processing of each row would cost more than
        the insert)."""
        sqlite = self._sqlite()

        def day(value: dt.date | None) -> dt.date | str | None:
            return value.isoformat() if sqlite and value is not None else value

        rows = [(v.thread, v.id, day(v.since), day(v.until), v.body) for v in versions]
        if not rows:
            return
        last = self._last_id()
        mark = self._db.mark
        sql = (
            "INSERT INTO event_texts (thread, event_id, since, until, body) "
            f"VALUES ({', '.join([mark] * 5)})"
        )
        for i in range(0, len(rows), 5000):
            self._conn.exec_driver_sql(sql, rows[i : i + 5000])
        if sqlite:
            self._index_after(last)

    def drop_texts(self, keys: Iterable[Key]) -> None:
        """Remove the versions of these events (before they are indexed again)."""
        wanted = sorted(set(keys))
        for i in range(0, len(wanted), CHUNK):
            chunk = wanted[i : i + CHUNK]
            match = or_(*(and_(_T.thread == t, _T.event_id == e) for t, e in chunk))
            if self._sqlite():  # the FTS5 table forgets a row given its old content
                gone = select(literal("delete"), _T.id, _T.body).where(match)
                self._conn.execute(
                    insert(_FTS).from_select(["event_texts_fts", "rowid", "body"], gone)
                )
            self._conn.execute(delete(event_texts).where(match))

    def clear_texts(self) -> None:
        if self._sqlite():
            self._conn.execute(
                text("INSERT INTO event_texts_fts(event_texts_fts) VALUES ('delete-all')")
            )
        self._conn.execute(delete(event_texts))
