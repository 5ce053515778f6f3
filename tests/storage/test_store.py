"""The store and its schema on real databases: append-only, migrations, seq and versions."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from tests.conftest import EVENTS, REPO, count_rows, is_postgres, make_event, records_of, states_of
from timeline._version import SCHEMA_HEAD
from timeline.core.errors import DatabaseError
from timeline.core.projector import apply_all, project
from timeline.storage import db as tdb
from timeline.storage.schema import metadata
from timeline.usecases import as_of, import_paths, open_store, rebuild

NOW = dt.datetime(2026, 11, 28, 12, tzinfo=dt.UTC)


@pytest.fixture
def store(db_url: str):
    s = open_store(tdb.resolve_url(db_url))
    import_paths(s, [str(EVENTS)], NOW)
    yield s
    s.close()


def _snapshot(conn) -> tuple:  # type: ignore[no-untyped-def]
    return tuple(conn.execute(text("SELECT seq, payload, hash FROM events ORDER BY seq")).all())


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE events SET event_id = 'rewritten'",
        "UPDATE events SET payload = '{}' WHERE seq = 1",
        "DELETE FROM events",
        "DELETE FROM events WHERE seq = 3",
    ],
)
def test_a_raw_update_or_delete_on_the_events_table_fails(store, statement) -> None:
    engine = create_engine(store.engine.url)  # plain SQLAlchemy: none of timeline's code
    with engine.connect() as conn:
        before = _snapshot(conn)
        with pytest.raises(DBAPIError, match="events is append-only"):
            conn.execute(text(statement))
        conn.rollback()
        assert _snapshot(conn) == before and len(before) == 27
    engine.dispose()


def test_truncate_is_refused_on_postgresql(store, db_url: str) -> None:
    if not is_postgres(db_url):
        pytest.skip("SQLite has no TRUNCATE")
    engine = create_engine(store.engine.url)
    with engine.connect() as conn, pytest.raises(DBAPIError, match="append-only"):
        conn.execute(text("TRUNCATE events"))
    engine.dispose()
    assert count_rows(db_url) == 27


def test_the_database_runs_in_wal_mode_with_a_busy_timeout(store, db_path) -> None:
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30000


def test_schema_head_names_the_newest_migration() -> None:
    from alembic.script import ScriptDirectory

    cfg = tdb._alembic_config()
    assert ScriptDirectory.from_config(cfg).get_current_head() == SCHEMA_HEAD


def test_the_migrations_create_exactly_the_schema_the_code_describes(store) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    def declared(obj: object, name: str | None, kind: str, *_: object) -> bool:
        """Leave out the search engine's own structures (see schema.event_texts): the FTS5
        table and its shadow tables on SQLite, the tsvector column and index on PostgreSQL."""
        return not (name or "").startswith(("event_texts_fts", "ix_event_texts_tsv")) and not (
            kind == "column" and name == "tsv"
        )

    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": declared})
        diff = compare_metadata(context, metadata)
    assert diff == []


def test_alembic_upgrade_head_works_from_the_repository_root(db_url: str) -> None:
    env = {**os.environ, "TIMELINE_DB": db_url}
    subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
    )
    engine = create_engine(tdb.resolve_url(db_url))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == (
            SCHEMA_HEAD
        )
        if is_postgres(db_url):
            triggers = set(
                conn.execute(
                    text(
                        "SELECT tgname FROM pg_trigger WHERE tgrelid = 'events'::regclass "
                        "AND NOT tgisinternal"
                    )
                ).scalars()
            )
            assert triggers == {"events_append_only", "events_append_only_truncate"}
        else:
            triggers = set(
                conn.execute(
                    text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
                ).scalars()
            )
            assert triggers == {"events_append_only_update", "events_append_only_delete"}
    engine.dispose()
    s = open_store(tdb.resolve_url(db_url))  # and timeline takes it as current
    assert records_of(s) == []
    s.close()


def test_seq_is_global_and_version_counts_within_each_thread(store) -> None:
    records = records_of(store)
    assert [r.seq for r in records] == list(range(1, 28))
    by_thread: dict[str, list[int]] = {}
    for r in records:
        by_thread.setdefault(r.event.thread, []).append(r.version)
    assert all(v == list(range(1, len(v) + 1)) for v in by_thread.values())
    assert all(r.recorded_at == NOW for r in records)


def test_the_projection_table_equals_a_full_replay_after_out_of_order_appends(store) -> None:
    # A late-recorded event that was known early lands in the middle of the replay order.
    with store.writing() as w:
        early = make_event(
            thread="russia-nato-security-guarantees",
            id="early-note",
            date="2021-11",
            status="stalled",
            title="An early note",
            positions=[("Russia", "NATO enlargement", "an early stance")],
        )
        records = w.log.append([(early, None)], NOW)
        w.projections.save_states(apply_all(w.projections.states([early.thread]), records))
    assert states_of(store) == project(records_of(store))
    rebuild(store)
    assert states_of(store) == project(records_of(store))
    # and asof, served from the table where it can be, agrees with a replay on every day
    for day in (
        dt.date(2021, 11, 30),
        dt.date(2022, 2, 1),
        dt.date(2022, 2, 2),
        dt.date(2030, 1, 1),
    ):
        assert as_of(store, day) == list(project(records_of(store), as_of=day).values())


def test_a_database_at_a_revision_timeline_does_not_know_is_refused(db_url: str) -> None:
    url = tdb.resolve_url(db_url)
    open_store(url).close()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(DatabaseError, match="newer than this version of timeline knows"):
        open_store(url)


def test_a_database_in_a_missing_folder_is_an_error_not_a_new_folder(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="does not exist"):
        open_store(tdb.resolve_url(str(tmp_path / "nope" / "x.db")))
    assert not (tmp_path / "nope").exists()


def test_a_file_that_is_not_a_database_is_an_error(tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("these are my notes, not a database\n" * 100)
    with pytest.raises(DatabaseError, match="not a database"):
        open_store(tdb.resolve_url(str(junk)))
    assert junk.read_text().startswith("these are my notes")


def test_a_records_row_names_every_column_of_the_events_table_once() -> None:
    from timeline.core.mapper import ROW_FIELDS
    from timeline.storage.schema import events

    assert sorted(ROW_FIELDS) == sorted(c.name for c in events.columns)
