"""The store: the log and its projections in one database; rows never leave this package.

``EventStore`` (``eventstore``) reads and writes through SQLAlchemy, one transaction per
use case; ``Snapshot`` (``snapshot``) reads what ``asof`` needs through the driver
alone. The names below load on first use, so that a command which only needs a snapshot
never imports SQLAlchemy.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from timeline.storage.eventstore import EventStore
    from timeline.storage.reader import Reader
    from timeline.storage.snapshot import Snapshot, Unavailable
    from timeline.storage.writer import Writer

__all__ = ["EventStore", "Reader", "Snapshot", "Unavailable", "Writer"]

_HOMES = {
    "EventStore": "eventstore",
    "Reader": "reader",
    "Snapshot": "snapshot",
    "Unavailable": "snapshot",
    "Writer": "writer",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{home}"), name)
