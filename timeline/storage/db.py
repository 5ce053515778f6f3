"""Engines and migrations: turn a path or URL into an engine; bring its schema to head."""

from __future__ import annotations

import random
import sqlite3
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, SQLAlchemyError

from timeline._version import SCHEMA_HEAD
from timeline.core.errors import DatabaseError
from timeline.core.progress import VERSIONS
from timeline.storage.settings import BUSY_TIMEOUT_S

__all__ = [
    "BUSY_TIMEOUT_S",
    "current_revision",
    "describe",
    "ensure_schema",
    "error_reason",
    "grant_appender",
    "make_engine",
    "migrations_dir",
    "resolve_url",
    "sqlite_path",
    "upgrade",
]


def resolve_url(value: str) -> str:
    """A path or an SQLAlchemy URL -> a URL (a path becomes an SQLite URL, kept as written
    so that messages name the file the way the user did)."""
    if "://" in value:
        return value
    return "sqlite:///" + str(Path(value).expanduser())


def sqlite_path(value: str) -> Path | None:
    """The file of an SQLite database given as a path or URL; None for other backends,
    an in-memory database or a URL that does not parse."""
    try:
        u = make_url(resolve_url(value))
    except ArgumentError:
        return None
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def describe(url: str) -> str:
    """The database as a person would name it: the file path, or the URL without password."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        return u.database or ":memory:"
    return u.render_as_string(hide_password=True)


def make_engine(
    url: str,
    *,
    create_dirs: bool = False,
    must_exist: bool = False,
    busy_timeout: float = BUSY_TIMEOUT_S,
    writes: bool = True,
) -> Engine:
    """An engine for ``url``. SQLite gets WAL, a busy timeout and real transactions.
    ``writes``: an engine that will write gets a large page cache (``_WRITE_CACHE``).

    ``create_dirs`` creates the folder of an SQLite file (used for the default
    per-user location); for a path the user gave, a missing folder is an error.
    ``must_exist``: a missing SQLite file is an error instead of a new database (for
    commands that only read).
    """
    try:
        u = make_url(url)
    except ArgumentError:
        raise DatabaseError(f"cannot open database {url!r}: not a path or URL") from None
    backend = u.get_backend_name()
    if backend == "postgresql":
        if u.drivername == "postgresql":  # the driver timeline ships with, not psycopg2
            u = u.set(drivername="postgresql+psycopg")
        try:
            return create_engine(u, pool_pre_ping=True)
        except (NoSuchModuleError, ImportError) as e:
            raise DatabaseError(
                f"cannot open database {describe(url)}: {e} (install timeline[postgres])"
            ) from None
    if backend != "sqlite":
        raise DatabaseError(
            f"cannot open database {describe(url)}: timeline works with "
            "SQLite files and PostgreSQL (postgresql://...)"
        )
    if u.query:
        # the driver would ignore them with a warning (a read-only mode that is not
        # read-only): timeline sets up SQLite itself
        raise DatabaseError(
            f"cannot open database {describe(url)}: timeline takes no URL arguments for "
            f"SQLite ({', '.join(sorted(u.query))}); give the file's path or sqlite:///PATH"
        )
    path = u.database
    if path and path != ":memory:":
        _check_sqlite_path(Path(path), create_dirs=create_dirs, must_exist=must_exist)
        _check_ours(Path(path))
    engine = create_engine(u, connect_args={"timeout": busy_timeout})
    # an empty file only read stays empty: the switch to WAL would make it a database
    empty = bool(path) and must_exist and _is_empty(Path(str(path)))
    _sqlite_setup(engine, busy_timeout, wal=not empty, cache=_WRITE_CACHE if writes else None)
    return engine


def _check_sqlite_path(path: Path, *, create_dirs: bool, must_exist: bool) -> None:
    """Raise DatabaseError for a file SQLite should not open (or create)."""
    if create_dirs:
        _make_folder(path.parent)
    elif not path.parent.is_dir():
        raise DatabaseError(f"cannot open database {path}: folder {path.parent} does not exist")
    if must_exist and not path.exists():  # before SQLite would create it
        raise DatabaseError(f"no database at {path}; {CREATES}")
    if path.is_dir():
        raise DatabaseError(f"cannot open database {path}: it is a folder")


def _check_ours(path: Path) -> None:
    """Refuse an existing SQLite file that is not timeline's before anything opens it
    for writing: the switch to WAL alone rewrites its header, and would leave -wal and
    -shm files beside another application's database."""
    try:
        size = path.stat().st_size if path.is_file() else None
    except OSError:
        return
    why, rev = (None, None) if not size else _foreign_sqlite(path)
    if why is not None:
        raise DatabaseError(f"database {path} is not a timeline database: {why}; use a new --db")
    if rev is not None and not _known_revision(rev):
        raise _unknown_revision(str(path), rev)


def _foreign_sqlite(path: Path) -> tuple[str | None, str | None]:
    """(why an SQLite file is another application's, or None; its Alembic revision, or
    None), read without changing a byte (``immutable``: no lock, no -wal, no -shm): a
    schema object beside no timeline schema, or a ``user_version`` (timeline sets none)."""
    uri = f"file:{quote(str(path.resolve()))}?mode=ro&immutable=1"
    try:
        conn = sqlite3.connect(uri, uri=True)
        try:
            rows = conn.execute(
                "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
            ).fetchall()
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            names = {name for _, name in rows}
            rev = None
            if "alembic_version" in names:
                found = conn.execute("SELECT version_num FROM alembic_version").fetchone()
                rev = None if found is None else str(found[0])
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return None, None  # not a database, or damaged: opening it says so, in its words
    if version:
        return f"its user_version is {version} (another application's mark)", None
    if "alembic_version" not in names:
        tables = sorted(n for t, n in rows if t == "table")
        others = sorted(f"{t} {n}" for t, n in rows if t != "table")
        if tables:
            more = f" and {len(tables) - 5} more" if len(tables) > 5 else ""
            return f"it holds other tables ({', '.join(tables[:5])}{more})", None
        return (f"it holds {', '.join(others[:5])}" if others else None), None
    return None, rev


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DatabaseError(f"cannot create the data folder {folder}: {e.strerror or e}") from None


def _is_empty(path: Path) -> bool:
    try:
        return path.is_file() and path.stat().st_size == 0
    except OSError:
        return False


# The page cache of an engine that writes: 64 MiB, so that a large import's index pages
# stay in memory instead of being written out and read back for every batch. One that
# only reads keeps SQLite's own 2 MiB: a service holds a connection for each request at
# once, and with 64 MiB each, fifty readers of a calendar of a big log took a gigabyte
# and more in one worker.
_WRITE_CACHE = "PRAGMA cache_size = -65536"


def _sqlite_setup(
    engine: Engine, busy_timeout: float, *, wal: bool = True, cache: str | None = None
) -> None:
    # pysqlite's own transaction handling is off (isolation_level=None) and we emit
    # BEGIN ourselves: DEFERRED for reads, IMMEDIATE for writes, so a writer takes the
    # lock up front and waits out the busy timeout instead of failing halfway.
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        if wal:
            cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        if cache is not None:
            cur.execute(cache)
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        if conn.get_execution_options().get("timeline_write", False):
            _begin_write(conn, busy_timeout)
        else:
            conn.exec_driver_sql("BEGIN")


# A writer waits for the write lock in slices of this long: SQLite's own wait backs off
# to 100 ms between tries, so a writer that has waited long loses each race to the
# newcomers; a new slice starts it over.
_SLICE_S = 0.25


def _begin_write(conn: Any, limit: float) -> None:
    """``BEGIN IMMEDIATE``, waiting for the lock as long as other writers keep
    committing (``PRAGMA data_version`` moves: the queue ahead is shrinking), and up to
    ``limit`` seconds in which none did. A fixed timeout failed writers that would have
    got through: on a loaded machine, eight writers at once kept one waiting past it."""
    conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(min(limit, _SLICE_S) * 1000)}")
    try:
        version, idle_since = _data_version(conn), time.monotonic()
        while True:
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                return
            except OperationalError as e:
                if "locked" not in str(e) and "busy" not in str(e):
                    raise
                seen = _data_version(conn)
                if seen != version:
                    version, idle_since = seen, time.monotonic()
                elif time.monotonic() - idle_since >= limit:
                    raise
                time.sleep(random.uniform(0, 0.01))  # let one of the others in first
    finally:
        conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(limit * 1000)}")


def _data_version(conn: Any) -> int:  # changes whenever another connection commits
    return int(conn.exec_driver_sql("PRAGMA data_version").scalar_one())


def migrations_dir() -> Path:
    """The Alembic script folder: inside the installed package, or the checkout's alembic/."""
    package = Path(__file__).resolve().parent.parent  # timeline/, beside the checkout's alembic/
    for candidate in (package / "_data" / "alembic", package.parent / "alembic"):
        if (candidate / "env.py").is_file():
            return candidate
    raise DatabaseError("the database migrations are missing from this installation")


def _alembic_config() -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    return cfg


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (None: empty database)."""
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError as e:
        raise DatabaseError(
            f"cannot open database {describe(str(engine.url))}: {error_reason(e)}"
        ) from None


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` in one transaction."""
    from alembic import command

    cfg = _alembic_config()
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(timeline_write=True)
            with conn.begin():
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
    except SQLAlchemyError as e:
        raise DatabaseError(
            f"cannot upgrade database {describe(str(engine.url))}: {error_reason(e)}"
        ) from None


CREATES = "`timeline import --bundled`, `timeline import PATH` or `timeline add` creates one"


def _schema_state(engine: Engine) -> tuple[str | None, set[str]]:
    """The revision (None: no alembic_version table) and the tables of the database."""
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            if "alembic_version" not in tables:
                return None, tables
            rev = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            return rev, tables
    except SQLAlchemyError as e:
        raise DatabaseError(
            f"cannot open database {describe(str(engine.url))}: {error_reason(e)}"
        ) from None


def ensure_schema(engine: Engine, access: str = "write") -> None:
    """Check the database's schema for ``access`` and, for ``write`` only, create it or
    apply pending migrations (cheap when it is current).

    ``read`` needs a timeline schema at head; ``inspect`` (``db current``) any timeline
    schema or none. No access adds timeline's tables beside another application's.
    """
    name = describe(str(engine.url))
    rev, tables = _schema_state(engine)
    if rev is None:
        others = sorted(tables - {"alembic_version"})
        if others:
            shown = ", ".join(others[:5]) + (
                f" and {len(others) - 5} more" if len(others) > 5 else ""
            )
            raise DatabaseError(
                f"database {name} is not a timeline database: it holds other tables "
                f"({shown}); use a new --db"
            )
        if access == "read":
            raise DatabaseError(f"database {name} holds no timeline log yet; {CREATES}")
    elif not _known_revision(rev):
        raise _unknown_revision(name, rev)
    if rev == SCHEMA_HEAD or access == "inspect":
        return
    if access == "read":
        raise DatabaseError(
            f"database {name} is at schema {rev}, behind this version of timeline "
            f"({SCHEMA_HEAD}); `timeline db upgrade` brings it up to date"
        )
    upgrade(engine)
    if rev is None:  # a new database: its projections, empty, are as this version makes them
        with engine.begin() as conn:
            for name, version in VERSIONS.items():
                conn.execute(
                    text("UPDATE progress SET version = :v WHERE name = :n"),
                    {"v": version, "n": name},
                )


def _unknown_revision(name: str, rev: str) -> DatabaseError:
    if _later_revision(rev):
        return DatabaseError(
            f"database {name} is at revision {rev!r}, newer than this version of "
            f"timeline knows (newest: {SCHEMA_HEAD}): a later timeline made it; "
            "upgrade timeline to open it"
        )
    return DatabaseError(
        f"database {name} is at revision {rev!r}, which is not a timeline database "
        f"revision (timeline's are numbered, the newest this version knows {SCHEMA_HEAD}); "
        "use a new --db"
    )


def _later_revision(rev: str) -> bool:
    """Is ``rev`` one a later timeline would write? Its revisions are numbered 0001,
    0002...: a number past this version's newest is; any other text is not ours."""
    return len(rev) == len(SCHEMA_HEAD) and rev.isascii() and rev.isdigit() and rev > SCHEMA_HEAD


def _known_revision(rev: str) -> bool:
    return any(p.name.startswith(rev + "_") for p in (migrations_dir() / "versions").glob("*.py"))


def error_reason(e: Exception) -> str:
    """The driver's own message, first line only (no SQL, no parameters)."""
    orig = getattr(e, "orig", None)
    return str(orig if orig is not None else e).strip().splitlines()[0]


def grant_appender(engine: Engine, role: str) -> None:
    """Let ``role`` read and append to the log but never change or delete it (PostgreSQL):
    beside the trigger, the database's own privileges then refuse UPDATE, DELETE and
    TRUNCATE on events to that role, which cannot drop the trigger either (not the owner)."""
    if engine.dialect.name != "postgresql":
        raise DatabaseError(
            "roles are a PostgreSQL feature; on SQLite the triggers already "
            "refuse UPDATE and DELETE"
        )
    q = engine.dialect.identifier_preparer.quote(role)
    try:
        with engine.begin() as conn:
            for statement in (
                f"GRANT SELECT, INSERT ON events TO {q}",
                f"REVOKE UPDATE, DELETE, TRUNCATE ON events FROM {q}",
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON thread_states TO {q}",
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON checkpoints TO {q}",
                f"GRANT SELECT, INSERT, DELETE ON event_texts TO {q}",
                f"GRANT SELECT, INSERT, DELETE ON merkle_nodes TO {q}",
                f"GRANT SELECT, UPDATE ON progress TO {q}",
                f"GRANT USAGE ON SEQUENCE event_texts_id_seq TO {q}",
                f"GRANT SELECT ON alembic_version TO {q}",
            ):
                conn.execute(text(statement))
    except SQLAlchemyError as e:
        raise DatabaseError(f"cannot grant to {role}: {error_reason(e)}") from None
