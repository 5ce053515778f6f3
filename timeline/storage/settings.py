"""Where timeline keeps its data by default (the per-user data folder), and how long it
waits for a database another process holds locked."""

from __future__ import annotations

from pathlib import Path

__all__ = ["BUSY_TIMEOUT_S", "default_db_path", "default_db_url"]

BUSY_TIMEOUT_S = 30.0


def default_db_path() -> Path:
    """``~/.local/share/timeline/timeline.db`` on Linux; the platform's equivalent elsewhere."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("timeline", appauthor=False)) / "timeline.db"


def default_db_url() -> str:
    return "sqlite:///" + str(default_db_path())
