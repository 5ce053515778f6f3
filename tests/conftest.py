"""Shared fixtures: a real SQLite file per test, and the CLI driven through Typer's CliRunner."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner, Result

from timeline.cli import app
from timeline.core.dates import parse_edtf
from timeline.core.model import Entry, Event, Position, Record

REPO = Path(__file__).resolve().parent.parent
EVENTS = REPO / "events"
NOW = "2026-11-28T12:00:00Z"

Run = Callable[..., Result]


# Hypothesis runs under one of two profiles (pytest --hypothesis-profile=NAME):
# - ``ci`` (the default, `make test`): every example each property asks for, from a
#   random seed; a failure prints the seed (`pytest --hypothesis-seed=N` replays it) and
#   a @reproduce_failure blob, and its example is kept in .hypothesis/ and tried first
#   by the next run. (Hypothesis' own CI profile, loaded when CI is set, keeps no
#   examples and draws the same ones every run.)
# - ``dev`` (`make test-fast`): a tenth of the examples, for the working loop.
# A failure found once becomes an @example on its test, so that it is tried for good.
settings.register_profile(
    "ci",
    deadline=None,
    print_blob=True,
    database=DirectoryBasedExampleDatabase(REPO / ".hypothesis" / "examples"),
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", settings.get_profile("ci"), max_examples=10)
settings.load_profile("ci")


def examples(n: int) -> int:
    """A property's number of examples under the profile loaded: ``n``, or a tenth."""
    return n if settings.get_current_profile_name() != "dev" else max(5, n // 10)


def pytest_report_header() -> str:
    return (
        f"hypothesis profile {settings.get_current_profile_name()!r}: a failure prints its "
        "seed; failing examples are kept in .hypothesis/examples"
    )


# Every test that touches the database runs on SQLite, and also on PostgreSQL when
# TIMELINE_TEST_POSTGRES_URL names a server (scripts/with-postgres starts one).
PG_URL = os.environ.get("TIMELINE_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


@pytest.fixture(autouse=True)
def _no_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """The per-user folders (the default database, the signing key) inside a temporary
    folder: no test writes to the home of whoever runs it, even by a default."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: an SQLite file, or a new PostgreSQL database."""
    with fresh_database(request.param, tmp_path) as url:
        yield url


@contextmanager
def fresh_database(backend: str, folder: Path) -> Iterator[str]:
    """A fresh, empty database of ``backend`` (an SQLite file in ``folder``, or a new
    PostgreSQL database, dropped after): for a property that needs one per example."""
    if backend == "sqlite":
        yield str(folder / "timeline.db")
        return
    assert PG_URL is not None
    name = f"tl_{uuid.uuid4().hex[:16]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def db_path(db_url: str) -> Path:
    """The SQLite file, for tests about SQLite itself (skipped on other backends)."""
    if "://" in db_url:
        pytest.skip("SQLite-specific")
    return Path(db_url)


def shown(db_url: str) -> str:
    """The database as timeline names it in messages."""
    from timeline.storage.db import describe, resolve_url

    return describe(resolve_url(db_url))


def is_postgres(db_url: str) -> bool:
    return db_url.startswith("postgresql")


@pytest.fixture
def run(db_url: str) -> Run:
    """Run `timeline ARGS...` against this test's database; exceptions are never swallowed."""
    runner = CliRunner()

    def invoke(
        *args: str, now: str = NOW, input: str | None = None, env: dict[str, str] | None = None
    ) -> Result:
        full_env = {"TIMELINE_DB": db_url, "TIMELINE_NOW": now, **(env or {})}
        return runner.invoke(app, list(args), env=full_env, input=input, catch_exceptions=False)

    return invoke


@pytest.fixture
def imported(run: Run) -> Run:
    """The CLI over a database holding the bundled events."""
    result = run("import", str(EVENTS))
    assert result.exit_code == 0, result.output
    return run


def count_rows(db_url: str | Path) -> int:
    """Records in the events table, read with plain SQL (0 if there is no table yet)."""
    from timeline.storage.db import resolve_url

    url = str(db_url)
    if "://" not in url and not Path(url).exists():
        return 0
    engine = create_engine(resolve_url(url))
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("events"):
                return 0
            return conn.execute(text("SELECT count(*) FROM events")).scalar_one()
    finally:
        engine.dispose()


def asof_json(run: Run, day: str, *extra: str, now: str = NOW) -> dict[str, Any]:
    result = run("asof", day, "--format", "json", *extra, now=now)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def make_event(
    thread: str = "t",
    id: str = "e",
    date: str = "2022-01-26",
    known: str | None = None,
    type: str = "statement",
    actors: Sequence[str] = ("Russia",),
    title: str = "Something happened",
    status: str | None = None,
    positions: Sequence[tuple[str, str, str]] = (),
) -> Event:
    d = parse_edtf(date)
    return Event(
        thread=thread,
        id=id,
        date=d,
        known=dt.date.fromisoformat(known) if known else d.last,
        type=type,
        actors=tuple(actors),
        title=title,
        status=status,
        positions=tuple(Position(*p) for p in positions),
        known_given=known is not None,
    )


def make_record(seq: int, event: Entry, thread_title: str | None = None) -> Record:
    return Record(
        seq=seq,
        version=seq,
        recorded_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        entry=event,
        thread_title=thread_title,
    )


def records_of(store: Any) -> list[Record]:
    """Every record in the store, read through the store itself."""
    with store.reading() as r:
        return r.log.records()


def states_of(store: Any) -> dict[str, Any]:
    """The projection table's states, read through the store itself."""
    with store.reading() as r:
        return r.projections.states()


@pytest.fixture
def run_ok(run: Run) -> Run:
    """Like ``run``, for setup steps: a command that fails stops the test there."""

    def invoke(*args: str, **kwargs: Any) -> Result:
        result = run(*args, **kwargs)
        assert result.exit_code == 0, (args, result.output)
        return result

    return invoke


def stop(server: subprocess.Popen[Any], timeout: float = 30) -> tuple[Any, Any]:
    """Stop a service a test started, and its output: SIGTERM, then SIGKILL if it has
    not stopped within ``timeout`` (the test fails, and leaves no process behind to
    load the machine for the tests after it)."""
    server.terminate()
    try:
        return server.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        server.kill()
        server.communicate()
        raise
