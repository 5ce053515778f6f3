"""Projections rebuilt one at a time, in any order, stopped and resumed, give the tables a
full rebuild gives.

Hypothesis draws a log (the commands of ``test_verify_property``: adds, imports,
corrections, retractions, titles, aliases), then a plan: projections to rebuild one at a
time, or all at once (the search index's pass beside the others, on a thread), each
stopped after some steps as Ctrl-C would stop it (after a committed step: a step that
does not commit leaves nothing), in steps of a few records so that a small log takes
many. A plain ``rebuild`` then finishes what was stopped. Every projection's rows must
be those of a full rebuild (and, the checkpoints aside, those the appends kept before
it), and verify must find nothing."""

from __future__ import annotations

import contextlib
import datetime as dt
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.conftest import BACKENDS, examples, fresh_database
from tests.usecases.test_verify_property import START, _run, operations
from timeline.core.errors import TimelineError
from timeline.storage import EventStore
from timeline.storage.schema import checkpoints, event_texts, merkle_nodes, thread_states
from timeline.usecases import PROJECTIONS, open_store, rebuild, verify


class Stopped(Exception):
    """What stops a rebuild half-way in these tests."""


def stop_after(n: int) -> Any:
    """A ``step`` callback that stops the rebuild after ``n`` committed steps."""
    seen = 0

    def step(_names: Sequence[str], _done: int, _total: int) -> None:
        nonlocal seen
        seen += 1
        if seen >= n:
            raise Stopped

    return step


def tables(store: EventStore) -> dict[str, list[tuple[Any, ...]]]:
    """Every projection's rows, sorted (the search index's without its row ids, which
    only number the order rows were written in)."""
    t = event_texts.c
    queries = {
        "states": select(thread_states),
        "checkpoints": select(checkpoints),
        "search": select(t.thread, t.event_id, t.since, t.until, t.body),
        "tree": select(merkle_nodes),
    }
    with store.reading() as r:
        conn = r._conn
        return {
            n: sorted((tuple(row) for row in conn.execute(q)), key=repr) for n, q in queries.items()
        }


def words(store: EventStore) -> dict[str, set[str]]:
    """What the search engine finds for a few words: the index answers, not just its rows."""
    with store.reading() as r:
        return {w: {str(k) for k in r.search.find([w], None)} for w in ("nato", "talks", "a")}


plans = st.lists(
    st.tuples(st.sampled_from([*PROJECTIONS, "all"]), st.integers(1, 3)), min_size=1, max_size=6
)


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=operations, plan=plans, group=st.integers(1, 3))
def test_projections_rebuilt_one_at_a_time_stopped_and_resumed_equal_a_full_rebuild(
    backend: str, ops: list[tuple[Any, ...]], plan: list[tuple[str, int]], group: int
) -> None:
    with tempfile.TemporaryDirectory() as tmp, fresh_database(backend, Path(tmp)) as url:
        store = open_store(url)
        try:
            keys: list[str] = []
            for n, op in enumerate(ops):
                with contextlib.suppress(TimelineError):  # refused: nothing was written
                    _run(store, op, n, START + dt.timedelta(minutes=n), Path(tmp), keys)
            kept = tables(store)  # as the appends kept them
            assert rebuild(store) == []  # nothing is out of step
            rebuild(store, every=True)
            full = tables(store)
            # as appends kept them, but the checkpoints: appends place them by what each
            # brought (any place holds, verify checks), a replay by the whole thread
            assert {**full, "checkpoints": []} == {**kept, "checkpoints": []}
            found = words(store)
            for name, steps in plan:
                only = [] if name == "all" else [name]  # all: the index's pass on a thread
                with contextlib.suppress(Stopped):
                    rebuild(store, only=only, every=not only, step=stop_after(steps), group=group)
            finished = rebuild(store, group=group)  # whatever was stopped
            event(f"finished {len(finished)} stopped passes")
            assert tables(store) == full
            assert words(store) == found
            assert verify(store).findings == []
            assert rebuild(store) == []
        finally:
            store.close()
