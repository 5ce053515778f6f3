"""Shared fixtures: a real SQLite file per test, and the CLI driven through Typer's CliRunner."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from timeline.cli import app
from timeline.dates import parse_edtf
from timeline.model import Event, Position, Record

REPO = Path(__file__).resolve().parent.parent
EVENTS = REPO / "events"
NOW = "2026-11-28T12:00:00Z"

Run = Callable[..., Result]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "timeline.db"


@pytest.fixture
def run(db_path: Path) -> Run:
    """Run `timeline ARGS...` against this test's database; exceptions are never swallowed."""
    runner = CliRunner()

    def invoke(*args: str, now: str = NOW, input: str | None = None,
               env: dict[str, str] | None = None) -> Result:
        full_env = {"TIMELINE_DB": str(db_path), "TIMELINE_NOW": now, **(env or {})}
        return runner.invoke(app, list(args), env=full_env, input=input,
                             catch_exceptions=False)

    return invoke


@pytest.fixture
def imported(run: Run) -> Run:
    """The CLI over a database holding the bundled events."""
    result = run("import", str(EVENTS))
    assert result.exit_code == 0, result.output
    return run


def count_rows(db_path: Path) -> int:
    if not db_path.exists():
        return 0
    with sqlite3.connect(db_path) as conn:
        return conn.execute("SELECT count(*) FROM events").fetchone()[0]


def asof_json(run: Run, day: str, *extra: str, now: str = NOW) -> dict[str, Any]:
    result = run("asof", day, "--format", "json", *extra, now=now)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def make_event(thread: str = "t", id: str = "e", date: str = "2022-01-26",
               known: str | None = None, type: str = "statement",
               actors: Sequence[str] = ("Russia",), title: str = "Something happened",
               status: str | None = None,
               positions: Sequence[tuple[str, str, str]] = ()) -> Event:
    d = parse_edtf(date)
    return Event(thread=thread, id=id, date=d,
                 known=dt.date.fromisoformat(known) if known else d.last, type=type,
                 actors=tuple(actors), title=title, status=status,
                 positions=tuple(Position(*p) for p in positions),
                 known_given=known is not None)


def make_record(seq: int, event: Event, thread_title: str | None = None) -> Record:
    return Record(seq=seq, version=seq, recorded_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                  entry=event, thread_title=thread_title)
