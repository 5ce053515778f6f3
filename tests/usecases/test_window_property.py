"""The window a page draws equals the log it summarises, for any history.

Hypothesis writes random histories (``test_asof_property``'s: back-fills, scheduled
events, corrections of dates and known days, retractions, aliases); then, for a day, a
window of days, a budget and a filter, the window's drawn events and clusters must
account for exactly the events ``log`` gives for that window as known that day (the
retracted ones left out): each drawn one as ``log`` shows it, each cluster counting
those of its thread in its unit. Counted by the database (a window without a filter,
or one on types) or event by event (an actor, a search): both on each backend.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path
from typing import Any
from unittest import mock

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.conftest import examples
from tests.usecases.test_asof_property import DAYS, History, events, steps
from timeline.core import window as window_module
from timeline.core.errors import TimelineError
from timeline.core.filters import EventFilter
from timeline.storage import Snapshot
from timeline.usecases import log, open_store, window

filters = st.sampled_from(
    [
        None,
        EventFilter.of(types=["statement"]),
        EventFilter.of(types=["talks"]),
        EventFilter.of(actors=["Russia"]),
        EventFilter.of(actors=["NATO"]),
        EventFilter.of(text="Event"),
        EventFilter.of(issue="a"),
    ]
)


@settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    first=st.lists(events, min_size=2, max_size=16),
    drawn=steps,
    day=st.sampled_from(DAYS[6:]),
    ends=st.tuples(st.sampled_from(DAYS[:14]), st.sampled_from(DAYS[6:])),
    budget=st.integers(1, 16),
    only=filters,
)
def test_the_window_accounts_for_every_event_the_log_shows(
    db_url: str,
    tmp_path: Path,
    first: list[dict[str, Any]],
    drawn: list[tuple[Any, Any]],
    day: dt.date,
    ends: tuple[dt.date, dt.date],
    budget: int,
    only: EventFilter | None,
) -> None:
    store = open_store(str(db_url))
    history = History(store, Snapshot.open(db_url, 30.0), tmp_path)
    since, until = min(ends), max(ends)
    try:
        for step in [*(("add", e) for e in first), *drawn]:
            with contextlib.suppress(TimelineError):  # refused: nothing was written
                history.step(step)
        with store.reading() as r:
            written = [t for t in history.threads if t in r.projections.horizons([t])]
        if not written:
            event("nothing written")
            return
        try:
            shown = log(store, thread=written, since=since, until=until, known_by=day, only=only)
        except TimelineError:  # an actor no record of these threads names
            event("an unknown name")
            return
        shown = [v for v in shown if v.retraction_entry is None]
        # a share of one item a thread: the least budget clusters most
        with mock.patch.object(window_module, "MIN_PER_THREAD", 1):
            found = window(store, day, since, until, written, only, budget)
        event(f"clusters: {bool(found.clusters)}, drawn: {bool(found.views)}")
        expected = {v.record.event.key: v for v in shown}
        assert found.events == len(shown)
        assert len(found.views) + sum(c.count for c in found.clusters) == len(shown)
        for view in found.views:
            assert view == expected[view.record.event.key]
        assert len(found.views) + len(found.clusters) <= max(budget, len(written))
        drawn_keys = {v.record.event.key for v in found.views}
        for c in found.clusters:
            members = [
                v
                for v in shown
                if v.record.event.thread == c.thread
                and c.start <= max(v.record.event.date.first, since) <= c.end
                and v.record.event.key not in drawn_keys
            ]
            assert c.count == len(members) == sum(c.types.values())
            counted: dict[str, int] = {}
            for v in members:
                counted[v.record.event.type] = counted.get(v.record.event.type, 0) + 1
            assert c.types == counted
    finally:
        history.snapshot.close()
        store.close()
