"""Where timeline keeps its data by default (the per-user data folder: the database and
the key that signs its checkpoints), and how long it waits for a database another
process holds locked."""

from __future__ import annotations

from pathlib import Path

__all__ = ["BUSY_TIMEOUT_S", "default_db_path", "default_db_url", "default_key_path"]

BUSY_TIMEOUT_S = 30.0


def default_db_path() -> Path:
    """``~/.local/share/timeline/timeline.db`` on Linux; the platform's equivalent elsewhere."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("timeline", appauthor=False)) / "timeline.db"


def default_db_url() -> str:
    return "sqlite:///" + str(default_db_path())


def default_key_path() -> Path:
    """The signing key's file: ``signing.key`` beside the default database."""
    return default_db_path().parent / "signing.key"
