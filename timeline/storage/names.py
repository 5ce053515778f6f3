"""Reads of the names a log uses: every actor and every issue, for the checks that a name
asked for exists (and the suggestions when it does not)."""

from __future__ import annotations

import json

from sqlalchemy import Connection, select

from timeline.core.mapper import actor_names as payload_actor_names
from timeline.storage.schema import events

__all__ = ["NameReader"]


class NameReader:
    """The names of the log, read on a connection's transaction."""

    _conn: Connection

    def actor_names(self) -> set[str]:
        """Every name the log gives an actor: parties, positions' actors and ``known_to``,
        as recorded and as corrected."""
        names: set[str] = set()
        for (actors,) in self._conn.execute(select(events.c.actors).distinct()):
            names.update(json.loads(actors))
        held = events.c.positions.is_not(None)
        for (positions,) in self._conn.execute(select(events.c.positions).distinct().where(held)):
            names.update(actor for actor, _, _ in json.loads(positions))
        corrections = events.c.target.is_not(None) & (events.c.kind == "correction")
        more = corrections | events.c.payload.like('%"known_to"%')
        for (payload,) in self._conn.execute(select(events.c.payload).where(more)):
            names.update(payload_actor_names(json.loads(payload)))
        return names

    def issue_names(self) -> set[str]:
        """Every issue a stance was recorded on, as recorded and as corrected."""
        names: set[str] = set()
        held = events.c.positions.is_not(None)
        for (positions,) in self._conn.execute(select(events.c.positions).distinct().where(held)):
            names.update(issue for _, issue, _ in json.loads(positions))
        amended = events.c.target.is_not(None) & (events.c.kind == "correction")  # by index
        for (payload,) in self._conn.execute(select(events.c.payload).where(amended)):
            changes = json.loads(payload)["set"]
            names.update(str(x["issue"]).strip() for x in changes.get("positions") or ())
        return names
