"""The names the log uses, in plain SQL: every actor and every issue, for the checks that
a name asked for exists (and the suggestions when it does not). Read on a miss only: the
names asked for are nearly always among the stored states' (``usecases._common``)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from timeline.core.mapper import actor_names as payload_actor_names

if TYPE_CHECKING:
    from timeline.storage.driver import Driver

__all__ = ["PlainNames"]


class PlainNames:
    """The names of the log, read over a connection inside its user's transaction."""

    def __init__(self, db: Driver) -> None:
        self._db = db

    def _positions(self) -> list[list[str]]:
        rows = self._db.rows("SELECT DISTINCT positions FROM events WHERE positions IS NOT NULL")
        return [p for (text,) in rows for p in json.loads(text)]

    def _corrections(self, more: str = "", params: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        """The payloads of every correction (and of the rows ``more`` adds)."""
        where = "(target IS NOT NULL AND kind = 'correction')" + (f" OR {more}" if more else "")
        rows = self._db.rows(f"SELECT payload FROM events WHERE {where}", params)
        return [json.loads(text) for (text,) in rows]

    def actor_names(self) -> set[str]:
        """Every name the log gives an actor: parties, positions' actors and ``known_to``,
        as recorded and as corrected."""
        names: set[str] = set()
        for (actors,) in self._db.rows("SELECT DISTINCT actors FROM events"):
            names.update(json.loads(actors))
        names.update(actor for actor, _, _ in self._positions())
        known_to = f"payload LIKE {self._db.mark}"
        for payload in self._corrections(known_to, ('%"known_to"%',)):
            names.update(payload_actor_names(payload))
        return names

    def issue_names(self) -> set[str]:
        """Every issue a stance was recorded on, as recorded and as corrected."""
        names = {issue for _, issue, _ in self._positions()}
        for payload in self._corrections():
            changes = payload["set"]
            names.update(str(x["issue"]).strip() for x in changes.get("positions") or ())
        return names
