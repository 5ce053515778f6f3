"""Many writers at once, a writer killed mid-import, a writer kept waiting, and a server
that cannot be reached — on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import PG_URL, REPO, Run, count_rows, is_postgres, records_of, states_of
from timeline.core.projector import project
from timeline.storage.db import resolve_url
from timeline.usecases import add_event, open_store, rebuild, verify

pytestmark = pytest.mark.slow  # real processes, locks and timeouts

WRITERS, EACH = 8, 500
SHARED = "shared-talks"


def _writer(url: str, k: int, each: int = EACH, busy_timeout: float = 30.0) -> None:
    """One process: ``each`` events, one transaction each, half to the shared thread."""
    store = open_store(url, busy_timeout=busy_timeout)
    now = dt.datetime.now(dt.UTC)
    for i in range(each):
        thread = SHARED if i % 2 == 0 else f"writer-{k}"
        add_event(
            store,
            {
                "thread": thread,
                "id": f"w{k}-{i}",
                "date": "2022-01-26",
                "type": "statement",
                "actors": [f"Writer {k}"],
                "title": f"Statement {i} of writer {k}",
            },
            now,
        )
    store.close()


def _race(url: str, each: int, busy_timeout: float = 30.0) -> None:
    """WRITERS processes at once, each writing ``each`` events; all must succeed."""
    open_store(url).close()  # create the schema once, before the race
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(url, k, each, busy_timeout)) for k in range(WRITERS)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=600)
    assert [p.exitcode for p in procs] == [0] * WRITERS


def _hog() -> None:
    while True:
        pass


def test_eight_writers_at_once_lose_and_duplicate_nothing(db_url: str) -> None:
    url = resolve_url(db_url)
    _race(url, EACH)
    assert count_rows(db_url) == WRITERS * EACH
    store = open_store(url)
    records = records_of(store)
    versions: dict[str, list[int]] = {}
    for r in records:
        versions.setdefault(r.entry.thread, []).append(r.version)
    assert len(versions[SHARED]) == WRITERS * EACH // 2
    for thread, vs in versions.items():
        assert vs == list(range(1, len(vs) + 1)), thread  # in seq order: no gap, no repeat
    assert [r.seq for r in records] == list(range(1, WRITERS * EACH + 1))
    result = verify(store)
    assert result.findings == [] and result.records == WRITERS * EACH
    assert states_of(store) == project(records)
    rebuild(store)
    assert states_of(store) == project(records)
    store.close()


def test_writers_on_a_loaded_machine_wait_while_the_queue_moves(db_url: str) -> None:
    """Two processes spinning beside eight writers, each writer allowed 0.5 s without
    any write committing: each waits out all the commits ahead of it. On SQLite a fixed
    0.5 s wait for the lock failed here (its busy handler is not fair: a writer that has
    waited long loses the race to newcomers); PostgreSQL's writers queue on its locks."""
    hogs = [multiprocessing.get_context("spawn").Process(target=_hog) for _ in range(2)]
    for h in hogs:
        h.start()
    try:
        _race(resolve_url(db_url), 150, busy_timeout=0.5)
    finally:
        for h in hogs:
            h.kill()
            h.join()
    store = open_store(resolve_url(db_url))
    records = records_of(store)
    store.close()
    assert [r.seq for r in records] == list(range(1, WRITERS * 150 + 1))
    assert len({r.entry.key for r in records}) == WRITERS * 150  # none lost, none twice


def _big_file(path: Path, n: int) -> None:
    with path.open("w") as f:
        for i in range(n):
            f.write(
                json.dumps(
                    {
                        "thread": f"bulk-{i % 50}",
                        "id": f"e{i}",
                        "date": "2021-06-01",
                        "type": "statement",
                        "actors": ["Somebody"],
                        "title": f"Bulk statement number {i}",
                        "summary": "Lorem ipsum dolor sit amet " * 8,
                    }
                )
                + "\n"
            )


def _writing(db_url: str) -> bool:
    """Has the import started inserting (its write transaction is under way)?"""
    if is_postgres(db_url):
        engine = create_engine(db_url)
        with engine.connect() as conn:
            busy = conn.execute(
                text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = :c"),
                {"c": 0x746D},
            ).scalar_one()
        engine.dispose()
        return busy > 0
    wal = Path(db_url + "-wal")
    return wal.exists() and wal.stat().st_size > 1_000_000


def test_a_killed_import_leaves_all_or_nothing_and_can_be_run_again(
    db_url: str, tmp_path: Path
) -> None:
    big = tmp_path / "big.jsonl"
    n = 30_000
    _big_file(big, n)
    env = {**os.environ, "TIMELINE_DB": db_url}
    assert (
        subprocess.run(
            [sys.executable, "-m", "timeline", "import", "--bundled"],
            env=env,
            capture_output=True,
            cwd=REPO,
        ).returncode
        == 0
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "timeline", "import", str(big)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
    )
    deadline = time.monotonic() + 120
    while not _writing(db_url) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, "the import finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert count_rows(db_url) in (27, 27 + n)  # all or nothing
    assert (
        subprocess.run(
            [sys.executable, "-m", "timeline", "verify"], env=env, capture_output=True, cwd=REPO
        ).returncode
        == 0
    )
    again = subprocess.run(
        [sys.executable, "-m", "timeline", "import", str(big)],
        env=env,
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert again.returncode == 0, again.stderr
    assert count_rows(db_url) == 27 + n
    assert (
        subprocess.run(
            [sys.executable, "-m", "timeline", "verify"], env=env, capture_output=True, cwd=REPO
        ).returncode
        == 0
    )


def _hold_sqlite_lock(path: Path, seconds: float, held: threading.Event) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    held.set()
    time.sleep(seconds)
    conn.execute("ROLLBACK")
    conn.close()


def test_an_sqlite_writer_waits_for_the_lock_and_gets_through(run: Run, db_path: Path) -> None:
    assert run("db", "upgrade").exit_code == 0  # create the database
    held = threading.Event()
    holder = threading.Thread(target=_hold_sqlite_lock, args=(db_path, 1.0, held))
    holder.start()
    held.wait()
    result = run(
        "add",
        "--thread",
        "t",
        "--date",
        "2022",
        "--type",
        "talks",
        "--actor",
        "A",
        "--title",
        "Waited for the lock",
    )
    holder.join()
    assert result.exit_code == 0, result.output
    assert count_rows(db_path) == 1


def test_an_sqlite_writer_kept_waiting_too_long_gets_one_clear_line(
    run: Run, db_path: Path
) -> None:
    assert run("db", "upgrade").exit_code == 0
    held = threading.Event()
    holder = threading.Thread(target=_hold_sqlite_lock, args=(db_path, 2.0, held))
    holder.start()
    held.wait()
    result = run(
        "add",
        "--thread",
        "t",
        "--date",
        "2022",
        "--type",
        "talks",
        "--actor",
        "A",
        "--title",
        "Gave up",
        env={"TIMELINE_BUSY_TIMEOUT": "0.3"},
    )
    holder.join()
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: database {db_path} is busy: another process kept it "
        "locked for more than 0.3 s; try again\n"
    )
    assert count_rows(db_path) == 0


@pytest.mark.skipif(PG_URL is None, reason="needs TIMELINE_TEST_POSTGRES_URL")
@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"port": 1}, 'connection to server at "127.0.0.1", port 1 failed: Connection refused'),
        ({"database": "no_such_database"}, 'database "no_such_database" does not exist'),
        (
            {"username": "timeline_pw", "password": "wrong"},
            'password authentication failed for user "timeline_pw"',
        ),
    ],
)
def test_an_unusable_postgresql_server_is_one_clear_line(run: Run, change: dict, says: str) -> None:
    assert PG_URL is not None
    url = make_url(PG_URL).set(**change)
    result = run("threads", env={"TIMELINE_DB": url.render_as_string(hide_password=False)})
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith(
        f"Error: cannot open database {url.render_as_string(hide_password=True)}: "
    )
    assert says in line and "127.0.0.1" in line


@pytest.mark.skipif(PG_URL is None, reason="needs TIMELINE_TEST_POSTGRES_URL")
def test_a_granted_role_can_append_but_not_rewrite(run: Run, db_url: str) -> None:
    if not is_postgres(db_url):
        pytest.skip("roles are a PostgreSQL feature")
    assert run("import", "--bundled").exit_code == 0
    granted = run("db", "grant", "timeline_pw")
    assert granted.stdout.startswith("timeline_pw may read and append to ")
    as_role = make_url(db_url).set(username="timeline_pw", password="right")
    env = {"TIMELINE_DB": as_role.render_as_string(hide_password=False)}
    added = run(
        "add",
        "--thread",
        "t",
        "--date",
        "2022",
        "--type",
        "talks",
        "--actor",
        "A",
        "--title",
        "Appended by the restricted role",
        env=env,
    )
    assert added.exit_code == 0, added.output
    engine = create_engine(as_role)
    for statement in (
        "UPDATE events SET event_id = 'x'",
        "DELETE FROM events",
        "ALTER TABLE events DISABLE TRIGGER USER",
    ):
        with (
            engine.connect() as conn,
            pytest.raises(
                Exception,
                match=r"permission denied|must "
                r"be owner",
            ),
        ):
            conn.execute(text(statement))
    engine.dispose()
    assert count_rows(db_url) == 28
    assert run("verify", env=env).exit_code == 0
