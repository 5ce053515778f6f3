"""timeline: an append-only record of diplomatic events — what was publicly known, when.

The library face (``timeline.api``), importable from here::

    import timeline

    store = timeline.open_store("timeline.db")
    timeline.import_paths(store, ["events/"])
    for state in timeline.as_of(store, "2022-02-02"):
        print(state.thread, state.status)

The names are loaded on first use, so that importing a pure module (``timeline.core.dates``)
or running ``timeline --help`` does not load the database layer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from timeline._version import __version__

if TYPE_CHECKING:
    from timeline.api import (
        add,
        alias,
        as_of,
        bundled_events,
        diff,
        digest,
        export,
        history,
        import_paths,
        lag,
        log,
        open_store,
        retitle,
        secrets,
        upcoming,
        verify,
    )

__all__ = [
    "__version__",
    "add",
    "alias",
    "as_of",
    "bundled_events",
    "diff",
    "digest",
    "export",
    "history",
    "import_paths",
    "lag",
    "log",
    "open_store",
    "retitle",
    "secrets",
    "upcoming",
    "verify",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from timeline import api

        return getattr(api, name)
    raise AttributeError(f"module 'timeline' has no attribute {name!r}")
