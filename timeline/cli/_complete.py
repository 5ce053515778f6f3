"""Shell completion (``timeline --install-completion``): thread slugs and actor names from
the database the command line names, types and statuses from their vocabularies. A
completion never fails and never writes: no database, no candidates."""

from __future__ import annotations

from collections.abc import Callable

import typer

from timeline.core.errors import TimelineError
from timeline.core.model import EVENT_TYPES, STATUSES

__all__ = ["actors", "statuses", "threads", "types"]


def _from_database(ctx: typer.Context, read: Callable[..., set[str]]) -> list[str]:
    from timeline.storage.settings import default_db_url
    from timeline.usecases.maintenance import open_store

    db = ctx.find_root().params.get("db")
    try:
        store = open_store(db or default_db_url(), access="read")
        try:
            with store.reading() as r:
                return sorted(read(r))
        finally:
            store.engine.dispose()
    except TimelineError:  # no database there (yet), or not a timeline one
        return []


def threads(ctx: typer.Context, incomplete: str) -> list[str]:
    names = _from_database(ctx, lambda r: set(r.horizons()))
    return [n for n in names if n.startswith(incomplete)]


def actors(ctx: typer.Context, incomplete: str) -> list[str]:
    names = _from_database(ctx, lambda r: r.actor_names())
    return [n for n in names if n.startswith(incomplete)]


def types(incomplete: str) -> list[str]:
    return [t for t in EVENT_TYPES if t.startswith(incomplete)]


def statuses(incomplete: str) -> list[str]:
    return [s for s in STATUSES if s.startswith(incomplete)]
