"""timeline: an append-only record of diplomatic events — what was publicly known, when.

The library face (``timeline.api``), importable from here::

    import timeline

    with timeline.open("timeline.db") as tl:
        tl.import_paths(["events/"])
        for state in tl.as_of("2022-02-02"):
            print(state.thread, state.status)

The names are loaded on first use, so that importing a pure module (``timeline.core.dates``)
or running ``timeline --help`` does not load the database layer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from timeline._version import __version__

if TYPE_CHECKING:
    from timeline.api import EventFilter, Timeline, bundled_events, open

__all__ = ["EventFilter", "Timeline", "__version__", "bundled_events", "open"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from timeline import api

        return getattr(api, name)
    raise AttributeError(f"module 'timeline' has no attribute {name!r}")
