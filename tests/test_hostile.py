"""Hostile inputs and broken databases: every failure is one `Error:` line, never a
traceback, and nothing is written on refusal."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

import timeline
from tests.conftest import EVENTS, NOW
from tests.test_docs import COMMANDS
from timeline.cli import app

THREAD = "russia-nato-security-guarantees"
ARGS: dict[str, list[str]] = {
    "add": ["--thread", THREAD, "--date", "2022-02-07", "--type", "meeting", "--actor",
            "France", "--title", "Macron and Putin meet in Moscow"],
    "correct": [f"{THREAD}/geneva-ssd", "--title", "Geneva talks"],
    "retract": [f"{THREAD}/geneva-ssd", "--reason", "duplicate"],
    "import": [str(EVENTS)],
    "restore": ["backup.jsonl"],
    "asof": ["2022-02-02"],
    "history": [THREAD],
    "diff": ["2022-02-01", "2022-02-02"],
    "db grant": ["newsroom"],
}  # fmt: skip


def corrupt(db: Path, start: float) -> None:
    """Overwrite the pages from ``start`` (a fraction of the file) on with garbage: SQLite
    still opens the file, and reports 'database disk image is malformed' when a query
    reaches them (with the schema pages intact, only in the middle of a command)."""
    data = bytearray(db.read_bytes())
    page = int.from_bytes(data[16:18], "big") or 65536
    first = max(1, int(len(data) * start) // page) * page
    for i in range(first, len(data)):
        data[i] = (i * 131) % 251
    db.write_bytes(bytes(data))


@pytest.fixture(scope="module", params=[0.0, 0.5], ids=["from-page-2", "second-half"])
def corrupted(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Path:
    folder = tmp_path_factory.mktemp("corrupted")
    db = folder / "timeline.db"
    store = timeline.open_store(db)
    timeline.import_paths(store, [EVENTS])
    store.engine.dispose()  # the last connection to close folds the write-ahead log in
    assert not Path(f"{db}-wal").exists()
    corrupt(db, request.param)
    return db


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_on_a_corrupted_database_is_one_line(
    corrupted: Path, tmp_path: Path, command: str
) -> None:
    db = tmp_path / "timeline.db"
    shutil.copy(corrupted, db)
    env = {"TIMELINE_DB": str(db), "TIMELINE_NOW": NOW}
    args = [*command.split(), *ARGS.get(command, [])]
    result = CliRunner().invoke(app, args, env=env, catch_exceptions=False)
    assert "Traceback" not in result.output
    if command in ("verify", "asof", "log", "export jsonl", "rebuild"):  # they read it all
        assert result.exit_code != 0, result.output
    if result.exit_code != 0:
        (line,) = result.stderr.splitlines()
        assert line.startswith("Error: "), line


def test_the_corruption_is_real(corrupted: Path) -> None:
    with (
        pytest.raises(sqlite3.DatabaseError, match=r"malformed|not a database"),
        sqlite3.connect(corrupted) as conn,
    ):
        conn.execute("SELECT * FROM events").fetchall()
