"""Only commands that write create or migrate a database; nothing is added to another
application's database; a revision timeline does not know is named as such."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.conftest import EVENTS, Run, is_postgres, shown
from timeline._version import SCHEMA_HEAD

READS = [
    ["asof", "2022-02-02"],
    ["threads"],
    ["log"],
    ["history", "russia-nato-security-guarantees"],
    ["diff", "2022-02-01", "2022-02-02"],
    ["export", "ics"],
    ["export", "jsonl"],
    ["export", "timelinejs"],
    ["verify"],
]
CREATES = "`timeline import --bundled`, `timeline import PATH` or `timeline add` creates one"


@pytest.mark.parametrize("args", READS, ids=lambda a: " ".join(a))
def test_a_read_on_a_missing_file_says_so_and_creates_nothing(
    run: Run, tmp_path: Path, args: list[str]
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    missing = folder / "newsroom.db"
    result = run(*args, env={"TIMELINE_DB": str(missing)})
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == f"Error: no database at {missing}; {CREATES}\n"
    assert list(folder.iterdir()) == []  # no file, no -journal, no -wal


@pytest.mark.parametrize("args", READS, ids=lambda a: " ".join(a))
def test_a_read_on_a_database_without_a_log_says_so_and_adds_no_table(
    run: Run, db_url: str, args: list[str]
) -> None:
    if not is_postgres(db_url):
        sqlite3.connect(db_url).close()  # an empty SQLite file
    result = run(*args)
    assert result.exit_code == 1
    assert (
        result.stderr == f"Error: database {shown(db_url)} holds no timeline log yet; {CREATES}\n"
    )
    assert run("db", "current").stdout == f"{shown(db_url)}: no timeline schema yet, 0 records\n"


def test_db_current_on_a_missing_file_creates_nothing(run: Run, tmp_path: Path) -> None:
    missing = tmp_path / "newsroom.db"
    result = run("db", "current", env={"TIMELINE_DB": str(missing)})
    assert result.exit_code == 1
    assert result.stderr == f"Error: no database at {missing}; {CREATES}\n"
    assert not missing.exists()


def test_a_write_creates_the_database_and_reads_then_work(run: Run, db_url: str) -> None:
    assert run("import", str(EVENTS)).exit_code == 0
    assert run("verify").exit_code == 0
    assert run("db", "current").stdout == f"{shown(db_url)}: schema {SCHEMA_HEAD}, 27 records\n"


def test_timeline_refuses_to_add_its_tables_to_another_applications_database(
    run: Run, tmp_path: Path
) -> None:
    other = tmp_path / "contacts.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE contacts (name TEXT, phone TEXT)")
        conn.execute("CREATE TABLE notes (body TEXT)")
    for args in (["import", str(EVENTS)], ["asof", "today"], ["db", "upgrade"]):
        result = run(*args, env={"TIMELINE_DB": str(other)})
        assert result.exit_code == 1
        assert result.stderr == (
            f"Error: database {other} is not a timeline database: it holds other tables "
            "(contacts, notes); use a new --db\n"
        )
    with sqlite3.connect(other) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {"contacts", "notes"}


def test_an_unknown_revision_is_not_called_newer(imported: Run, db_url: str) -> None:
    from sqlalchemy import create_engine, text

    from timeline.storage.db import resolve_url

    engine = create_engine(resolve_url(db_url))
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'f00d'"))
    engine.dispose()
    for args in (["threads"], ["import", str(EVENTS)]):
        result = imported(*args)
        assert result.exit_code == 1
        assert result.stderr == (
            f"Error: database {shown(db_url)} is at revision 'f00d', which is not a timeline "
            f"database revision (timeline's are numbered, the newest this version knows "
            f"{SCHEMA_HEAD}); use a new --db\n"
        )


def test_a_revision_a_later_timeline_writes_is_called_newer(imported: Run, db_url: str) -> None:
    # before: any unknown text was "a newer timeline may have made it"
    from sqlalchemy import create_engine, text

    from timeline.storage.db import resolve_url

    engine = create_engine(resolve_url(db_url))
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0042'"))
    engine.dispose()
    result = imported("threads")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        f"Error: database {shown(db_url)} is at revision '0042', newer than this version of "
        f"timeline knows (newest: {SCHEMA_HEAD}): a later timeline made it; upgrade "
        "timeline to open it\n"
    )


@pytest.mark.parametrize("value", ["nan", "inf", "-5", "soon"])
def test_a_bad_busy_timeout_is_one_line(run: Run, value: str) -> None:
    result = run("threads", env={"TIMELINE_BUSY_TIMEOUT": value})
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: TIMELINE_BUSY_TIMEOUT={value!r} is not a number of seconds (0 or more)\n"
    )


def test_a_default_data_folder_that_cannot_be_created_is_one_line(run: Run, tmp_path: Path) -> None:
    blocker = tmp_path / "data.txt"  # a file where the data folder's parent should be
    blocker.write_text("not a folder")
    env = {"TIMELINE_DB": "", "XDG_DATA_HOME": str(blocker)}
    result = run("import", str(EVENTS), env=env)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: cannot create the data folder {blocker / 'timeline'}: Not a directory\n"
    )


def test_a_command_leaves_no_write_ahead_log_beside_the_file(run: Run, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    db = folder / "newsroom.db"
    for args in (["import", str(EVENTS)], ["asof", "2022-02-02"], ["export", "jsonl"]):
        assert run(*args, env={"TIMELINE_DB": str(db)}).exit_code == 0
        assert sorted(p.name for p in folder.iterdir()) == ["newsroom.db"], args


@pytest.mark.parametrize("query", ["mode=ro", "mode=ro&uri=true", "cache=shared"])
def test_an_sqlite_url_with_arguments_is_one_line_and_no_warning(
    run: Run, tmp_path: Path, query: str
) -> None:
    # before: SQLAlchemy's SAWarning (naming an internal path) and the argument ignored
    db = tmp_path / "given.db"
    names = ", ".join(sorted(part.split("=")[0] for part in query.split("&")))
    for args in (["threads"], ["import", str(EVENTS)]):
        result = run(*args, env={"TIMELINE_DB": f"sqlite:///{db}?{query}"})
        assert (result.exit_code, result.stdout) == (1, "")
        assert result.stderr == (
            f"Error: cannot open database {db}: timeline takes no URL arguments for SQLite "
            f"({names}); give the file's path or sqlite:///PATH\n"
        )
    assert not db.exists()


FOREIGN = {
    "a view": ("CREATE VIEW v AS SELECT 1", "it holds view v"),
    "a user_version": (
        "PRAGMA user_version = 7",
        "its user_version is 7 (another application's mark)",
    ),
    "a trigger-less index table": (
        "CREATE TABLE contacts (name TEXT); CREATE INDEX by_name ON contacts (name)",
        "it holds other tables (contacts)",
    ),
}
READ_AND_WRITE = [
    ["threads"],
    ["asof", "2022-02-02"],
    ["log"],
    ["db", "current"],
    ["verify"],
    ["import", str(EVENTS)],
    [
        "add",
        "--thread",
        "t",
        "--date",
        "2022-01-01",
        "--type",
        "talks",
        "--actor",
        "A",
        "--title",
        "x",
    ],
]


@pytest.mark.parametrize("kind", FOREIGN)
def test_a_database_that_is_not_ours_is_refused_and_left_byte_identical(
    run: Run, tmp_path: Path, kind: str
) -> None:
    # before: a read switched it to WAL (its header rewritten, -wal and -shm beside it)
    import sqlite3

    path = tmp_path / "theirs.db"
    statement, why = FOREIGN[kind]
    conn = sqlite3.connect(path)
    conn.executescript(statement)
    conn.close()
    before = path.read_bytes()
    for args in READ_AND_WRITE:
        result = run(*args, env={"TIMELINE_DB": str(path)})
        assert (result.exit_code, result.stdout) == (1, ""), args
        assert result.stderr == (
            f"Error: database {path} is not a timeline database: {why}; use a new --db\n"
        ), args
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["theirs.db"]


def test_an_empty_file_is_left_empty_by_every_read(run: Run, tmp_path: Path) -> None:
    # before: `db current` made it a 4 KB database
    path = tmp_path / "empty.db"
    path.write_bytes(b"")
    for args in READ_AND_WRITE[:5]:
        result = run(*args, env={"TIMELINE_DB": str(path)})
        if args == ["db", "current"]:
            assert result.stdout == f"{path}: no timeline schema yet, 0 records\n"
            continue
        assert result.exit_code == 1, args
        assert result.stderr.startswith(f"Error: database {path} holds no timeline log yet")
    assert path.read_bytes() == b""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.db"]
