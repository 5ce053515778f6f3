"""The snapshot: `timeline asof` read through the database driver alone.

A whole `asof` command answers from a ``Snapshot`` without loading SQLAlchemy; it
reads only, opens nothing it cannot read as it is, and leaves every other database
(and every error) to the store, whose messages the commands already give. That its
answers equal the store's on every day of random histories is part of
``test_asof_property``.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EVENTS, NOW, Run, is_postgres
from timeline.core.model import Hidden
from timeline.storage import Snapshot, Unavailable
from timeline.usecases import as_of, open_store, stored_as_of, threads, upcoming


def _timeline(*args: str, db: str) -> subprocess.CompletedProcess[str]:
    """A whole command, in a Python of its own, that also prints which of the heavy
    libraries it loaded."""
    code = (
        "import sys\nfrom timeline.cli import app\n"
        f"try:\n    app({list(args)!r})\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('sqlalchemy', 'alembic') if m in sys.modules))"
    )
    env = {"TIMELINE_DB": db, "TIMELINE_NOW": NOW, "PATH": ""}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)


def test_a_whole_asof_command_answers_without_loading_sqlalchemy(
    imported: Run, db_url: str
) -> None:
    fast = _timeline("asof", "2022-02-02", "--format", "json", db=db_url)
    *answer, loaded = fast.stdout.splitlines()
    assert loaded == "[]", fast.stderr
    # the same day replayed from the log by the store (every record, no projection)
    replayed = _timeline(
        "asof", "2022-02-02", "--format", "json", "--recorded-before", "9999-01-01", db=db_url
    )
    *same, loaded = replayed.stdout.splitlines()
    assert same == answer
    assert "sqlalchemy" in loaded
    assert '"stance"' in "\n".join(answer)


@pytest.mark.parametrize(
    "command", [("threads", "--format", "json"), ("upcoming", "2021-12-28", "--format", "json")]
)
def test_threads_and_upcoming_as_whole_commands_load_no_sqlalchemy_either(
    imported: Run, db_url: str, command: tuple[str, ...]
) -> None:
    out = _timeline(*command, db=db_url)
    *answer, loaded = out.stdout.splitlines()
    assert loaded == "[]", out.stderr
    assert "\n".join(answer) + "\n" == imported(*command).stdout


def test_a_snapshot_answers_as_the_store_does_on_each_day(
    imported: Run, db_url: str, tmp_path: Path
) -> None:
    store = open_store(db_url, access="read")
    snapshot = Snapshot.open(db_url, 30.0)
    try:
        for day in ("2021-12-17", "2022-01-26", "2022-02-01", "2022-02-02", "2030-01-01"):
            when = dt.date.fromisoformat(day)
            assert stored_as_of(snapshot, when) == as_of(store, when), day
            assert upcoming(snapshot, when) == upcoming(store, when), day
            assert threads(snapshot, when) == threads(store, when), day
        # a thread whose every event is retracted is listed as what is known of it
        lone = {"thread": "lone", "id": "only", "date": "2022-01-03", "type": "statement"}
        lone |= {"actors": ["OSCE"], "title": "A lone statement"}
        (tmp_path / "lone.jsonl").write_text(json.dumps(lone) + "\n")
        assert imported("import", str(tmp_path / "lone.jsonl")).exit_code == 0
        assert imported("retract", "lone/only", "--reason", "never made").exit_code == 0
        listed = threads(snapshot, dt.date(2030, 1, 1))
        assert listed == threads(store, dt.date(2030, 1, 1))
        assert [t.thread for t in listed if isinstance(t, Hidden) and t.retracted] == ["lone"]
    finally:
        snapshot.close()
        store.close()


def test_a_snapshot_cannot_write(imported: Run, db_url: str) -> None:
    snapshot = Snapshot.open(db_url, 30.0)
    try:
        with pytest.raises(Unavailable), snapshot.reading() as r:
            r._db.rows("DELETE FROM thread_states")
        with snapshot.reading() as r:
            assert r.projections.states(), "nothing was deleted"
    finally:
        snapshot.close()


def test_a_snapshot_opens_only_a_current_timeline_database(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    with pytest.raises(Unavailable):
        Snapshot.open(str(missing), 1.0)
    assert not missing.exists()  # and it was not created
    with pytest.raises(Unavailable):
        Snapshot.open(str(tmp_path), 1.0)  # a folder
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database at all" * 100)
    with pytest.raises(Unavailable):
        Snapshot.open(str(garbage), 1.0)
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (x)")
    with pytest.raises(Unavailable):
        Snapshot.open(str(other), 1.0)
    for url in ("mysql://host/db", f"sqlite:///{other}?mode=ro", "sqlite://"):
        with pytest.raises(Unavailable):
            Snapshot.open(url, 1.0)


def test_asof_on_a_database_behind_the_schema_says_what_the_store_says(
    imported: Run, db_url: str
) -> None:
    if is_postgres(db_url):
        pytest.skip("the revision is changed through sqlite3")
    with sqlite3.connect(db_url) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0004'")
    with pytest.raises(Unavailable):
        Snapshot.open(db_url, 1.0)
    out = imported("asof", "2022-02-02")
    assert out.exit_code == 1
    assert "behind this version of timeline" in out.stderr


def test_asof_without_a_database_creates_none(tmp_path: Path) -> None:
    db = tmp_path / "none.db"
    out = _timeline("asof", "2022-02-02", db=str(db))
    assert out.stderr.startswith(f"Error: no database at {db}")
    assert not db.exists()


def test_the_bundled_events_stand_as_the_seed_tells_on_both_paths(tmp_path: Path) -> None:
    db = str(tmp_path / "seed.db")
    assert _timeline("import", str(EVENTS), db=db).returncode == 0
    before = _timeline("asof", "2022-02-01", db=db).stdout
    after = _timeline("asof", "2022-02-02", db=db).stdout
    # the replies were delivered on 26 January; their content became public on 2 February
    stance = "open-door policy reaffirmed in the written proposals  [since 2022-01-26"
    assert stance not in before
    assert stance in after
