"""Shell completion (``timeline --install-completion``): thread slugs and actor names from
the database the command line names, types and statuses from their vocabularies. A
completion never fails and never writes: no database, no candidates."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import typer

from timeline.core.errors import TimelineError
from timeline.core.model import EVENT_TYPES, STATUSES

if TYPE_CHECKING:
    from timeline.api import Timeline

__all__ = ["actors", "statuses", "threads", "types"]


def _from_database(ctx: typer.Context, read: Callable[[Timeline], list[str]]) -> list[str]:
    from timeline import api

    try:
        with api.open(ctx.find_root().params.get("db"), access="read") as tl:
            return read(tl)
    except TimelineError:  # no database there (yet), or not a timeline one
        return []


def threads(ctx: typer.Context, incomplete: str) -> list[str]:
    names = _from_database(ctx, lambda tl: tl.thread_slugs())
    return [n for n in names if n.startswith(incomplete)]


def actors(ctx: typer.Context, incomplete: str) -> list[str]:
    names = _from_database(ctx, lambda tl: tl.actor_names())
    return [n for n in names if n.startswith(incomplete)]


def types(incomplete: str) -> list[str]:
    return [t for t in EVENT_TYPES if t.startswith(incomplete)]


def statuses(incomplete: str) -> list[str]:
    return [s for s in STATUSES if s.startswith(incomplete)]
