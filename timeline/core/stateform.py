"""The stored form of a thread's state: the projection table's ``state`` column. Pure.

It keeps the replay keys the projector needs to extend a stored state (see
``projector``), which the public JSON of ``asof`` leaves out.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from timeline.core.codec import dumps
from timeline.core.errors import DatabaseError
from timeline.core.model import EventSummary, PositionState, SortKey, ThreadState

__all__ = ["state_from_json", "state_to_json"]


def _key_out(key: SortKey | None) -> list[Any] | None:
    return None if key is None else [key[0].isoformat(), key[1].isoformat(), key[2]]


def _key_in(value: list[Any]) -> SortKey:
    return (dt.date.fromisoformat(value[0]), dt.date.fromisoformat(value[1]), value[2])


def state_to_json(state: ThreadState) -> str:
    """A projection-table row's state column."""
    return dumps(
        {
            "thread": state.thread,
            "title": state.title,
            "title_seq": state.title_seq,
            "status": state.status,
            "status_key": _key_out(state.status_key),
            "parties": list(state.parties),
            "positions": [
                [p.actor, p.issue, p.stance, p.since, p.event, _key_out(p.key)]
                for p in state.positions
            ],
            "events": state.events,
            "first": state.first.to_dict(),
            "first_key": _key_out(state.first_key),
            "last": state.last.to_dict(),
            "last_key": _key_out(state.last_key),
            "max_seq": state.max_seq,
            "horizon": state.horizon.isoformat(),
            "types": [list(t) for t in state.types],
            "earlier": [
                [e.to_dict(), _key_out(k)]
                for e, k in zip(state.earlier, state.earlier_keys, strict=True)
            ],
        }
    )


def state_from_json(text: str, projection: str = "states") -> ThreadState:
    """A stored state of ``projection`` ("states" or "checkpoints"); DatabaseError if it
    no longer reads as one (changed behind timeline's back: it is a projection, and
    ``timeline rebuild --only`` it makes it again)."""
    try:
        return _state(json.loads(text))
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as e:
        raise DatabaseError(
            f"a stored thread state cannot be read ({type(e).__name__}: {e}); "
            f"`timeline rebuild --only {projection}` replays it from the log"
        ) from None


def _state(d: Any) -> ThreadState:
    return ThreadState(
        thread=d["thread"],
        title=d["title"],
        status=d["status"],
        parties=tuple(d["parties"]),
        positions=tuple(
            PositionState(a, i, s, since, ev, _key_in(k))
            for a, i, s, since, ev, k in d["positions"]
        ),
        events=d["events"],
        first=EventSummary(**d["first"]),
        last=EventSummary(**d["last"]),
        first_key=_key_in(d["first_key"]),
        last_key=_key_in(d["last_key"]),
        status_key=None if d["status_key"] is None else _key_in(d["status_key"]),
        title_seq=d["title_seq"],
        max_seq=d["max_seq"],
        horizon=dt.date.fromisoformat(d["horizon"]),
        types=tuple((t, n) for t, n in d["types"]),
        earlier=tuple(EventSummary(**e) for e, _ in d["earlier"]),
        earlier_keys=tuple(_key_in(k) for _, k in d["earlier"]),
    )
