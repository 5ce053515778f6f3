"""What the public view names on a day (the threads, actors and issues a request may
name) is the same from the states on the day as from reading every event, for any
history (``test_asof_property``'s: aliases, retractions, corrections of stances,
scheduled events)."""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import examples
from tests.usecases.test_asof_property import DAYS, History, events, steps
from timeline.core.errors import TimelineError
from timeline.storage import Snapshot
from timeline.usecases import names, open_store, published, recent


@settings(
    max_examples=examples(40),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    first=st.lists(events, min_size=1, max_size=8),
    drawn=steps,
    days=st.lists(st.sampled_from(DAYS), min_size=1, max_size=4),
)
def test_what_the_public_view_names_is_what_its_events_name(
    db_url: str,
    tmp_path: Path,
    first: list[dict[str, Any]],
    drawn: list[tuple[Any, Any]],
    days: list[dt.date],
) -> None:
    store = open_store(str(db_url))
    history = History(store, Snapshot.open(db_url, 30.0), tmp_path)
    try:
        for step in [*(("add", e) for e in first), *drawn]:
            with contextlib.suppress(TimelineError):  # refused: nothing was written
                history.step(step)
        for day in days:
            threads, actors, issues = published(store, day)
            assert threads == set(recent(store, 1, day).counts), day
            named = {n for x in names(store, "actors", day) for n in (x.name, *x.aliases)}
            assert actors == named, day
            assert issues == {x.name for x in names(store, "issues", day)}, day
    finally:
        history.snapshot.close()
        store.close()
