"""The version of timeline (one place, read by the package, the CLI and the exports), and
the newest schema revision it writes (read by the store without loading SQLAlchemy or
Alembic; a test keeps it in step with the migrations)."""

__version__ = "0.1.0"
SCHEMA_HEAD = "0010"
