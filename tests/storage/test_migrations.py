"""Moving a database made by an earlier schema to the newest: the log stays as it was
(every hash, the digest), and the projections it gains are filled from it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from unittest import mock

import pytest
from sqlalchemy import Column, MetaData, Table, insert, select, text, update
from sqlalchemy.engine import make_url

from tests.conftest import EVENTS, is_postgres
from timeline.core import checkpoints
from timeline.core.codec import canonical, format_recorded_at
from timeline.core.errors import DatabaseError
from timeline.core.mapper import entry_to_payload, to_row
from timeline.core.model import Hidden
from timeline.core.projector import project
from timeline.core.stateform import state_to_json
from timeline.storage import EventStore
from timeline.storage.db import make_engine, resolve_url, upgrade
from timeline.storage.schema import checkpoints as checkpoints_table
from timeline.storage.schema import events, thread_states
from timeline.usecases import (
    add_event,
    all_records,
    as_of,
    digest,
    import_paths,
    open_store,
    verify,
)

NOW = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
# The projection table as 0001 had it (no title_seq), and the log (no announced, no
# recorded_by).
_THREAD_STATES_0001 = Table(
    "thread_states",
    MetaData(),
    *(Column(c.name, c.type) for c in thread_states.columns if c.name != "title_seq"),
)
_EVENTS_0001 = Table(
    "events",
    MetaData(),
    *(Column(c.name, c.type) for c in events.columns if c.name not in ("announced", "recorded_by")),
)


def _database_at_0001(db_url: str, tmp_path: Path) -> None:
    """The bundled story, as timeline 0001 stored it: the log and its thread states."""
    scratch = open_store(str(tmp_path / "scratch.db"))
    import_paths(scratch, [str(EVENTS)], NOW)
    records = all_records(scratch)
    scratch.close()
    engine = make_engine(resolve_url(db_url))
    upgrade(engine, "0001")
    hidden: dict[str, Hidden] = {}
    states = project(records, hidden=hidden)
    assert not hidden
    with engine.connect() as conn, conn.begin():
        log = [
            to_row(r, format_recorded_at(r.recorded_at), canonical(entry_to_payload(r.entry)))
            for r in records
        ]
        names = [c.name for c in _EVENTS_0001.columns]
        conn.execute(insert(_EVENTS_0001), [{k: v[k] for k in names} for v in log])
        rows = [
            dict(zip(_THREAD_STATES_0001.columns.keys(), v, strict=True))
            for v in (
                (s.thread, s.title, s.status, s.events, s.horizon, s.max_seq, state_to_json(s))
                for s in states.values()
            )
        ]
        conn.execute(insert(_THREAD_STATES_0001), rows)
    engine.dispose()


def test_an_0001_database_upgrades_verifies_and_answers_as_before(
    db_url: str, tmp_path: Path
) -> None:
    _database_at_0001(db_url, tmp_path)
    engine = make_engine(resolve_url(db_url))
    expected = digest(EventStore(engine))
    engine.dispose()
    # the answers, from the same story at head (today's reads need today's columns)
    scratch = open_store(str(tmp_path / "scratch.db"))
    days = [dt.date(2022, 1, d) for d in (10, 20, 26, 28)] + [dt.date(2022, 2, 2)]
    replayed = {d: as_of(scratch, d, recorded_before=NOW) for d in days}
    scratch.close()

    with mock.patch.object(checkpoints, "SPACING", 3):
        store = open_store(db_url)  # opened to write: migrates to head
    try:
        result = verify(store)
        assert result.findings == [], [str(f) for f in result.findings]
        assert result.digest == expected  # not one record rewritten
        with store.reading() as r:
            points = r.projections.all_checkpoints()
            assert points and all(len(p) >= 2 for p in points.values())
        for day in days:
            assert as_of(store, day) == replayed[day]
    finally:
        store.close()


def test_a_role_granted_before_the_upgrade_can_read_and_keep_the_checkpoints(
    db_url: str, tmp_path: Path
) -> None:
    if not is_postgres(db_url):
        pytest.skip("roles are a PostgreSQL feature")
    _database_at_0001(db_url, tmp_path)
    engine = make_engine(resolve_url(db_url))
    with engine.begin() as conn:  # what `timeline db grant timeline_pw` did at 0001
        for statement in (
            "GRANT SELECT, INSERT ON events TO timeline_pw",
            "GRANT SELECT, INSERT, UPDATE, DELETE ON thread_states TO timeline_pw",
            "GRANT SELECT ON alembic_version TO timeline_pw",
        ):
            conn.execute(text(statement))
    engine.dispose()
    open_store(db_url).close()  # the owner upgrades
    as_role = make_url(db_url).set(username="timeline_pw", password="right")
    store = open_store(as_role.render_as_string(hide_password=False))
    try:
        with mock.patch.object(checkpoints, "SPACING", 2):
            event = {
                "thread": "russia-nato-security-guarantees",
                "id": "late-note",
                "date": "2022-01-20",
                "known": "2022-02-03",
                "type": "statement",
                "actors": ["NATO"],
                "title": "A note known later",
            }
            add_event(store, event, NOW)
        assert verify(store).findings == []
    finally:
        store.close()


def test_states_stored_before_0007_are_replayed_with_their_type_counts(
    db_url: str, tmp_path: Path
) -> None:
    """A database at 0006 whose stored states (thread states and checkpoints) have no
    type counts and no earlier events: the upgrade replays them from the log."""
    with mock.patch.object(checkpoints, "SPACING", 3):
        store = open_store(db_url)
        import_paths(store, [str(EVENTS)], NOW)
    days = [dt.date(2022, 1, 26), dt.date(2022, 2, 2)]
    expected = {d: as_of(store, d) for d in days}
    store.close()
    assert any(s.types and s.earlier for s in expected[days[-1]])
    engine = make_engine(resolve_url(db_url))
    with engine.begin() as conn:  # the states as 0006 stored them
        for table, keys in ((thread_states, ("thread",)), (checkpoints_table, ("thread", "day"))):
            for row in conn.execute(select(table)).mappings().all():
                if row["state"] is None:
                    continue
                old = json.loads(row["state"])
                del old["types"], old["earlier"]
                where = [table.c[k] == row[k] for k in keys]
                conn.execute(update(table).where(*where).values(state=json.dumps(old)))
        conn.execute(text("DROP INDEX ix_events_dates"))  # (0008's)
        conn.execute(text("DROP TABLE progress"))  # (0009's)
        conn.execute(text("UPDATE alembic_version SET version_num = '0006'"))
    engine.dispose()
    with pytest.raises(DatabaseError, match="`timeline db upgrade` brings it up to date"):
        open_store(db_url, access="read").close()  # a reader never upgrades
    store = open_store(db_url)  # opened to write: migrates to head
    try:
        assert {d: as_of(store, d) for d in days} == expected
        assert verify(store).findings == []
    finally:
        store.close()
