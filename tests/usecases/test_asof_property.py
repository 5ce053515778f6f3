"""asof through the checkpoints equals a plain full replay, on every day, for any history.

Hypothesis writes random histories through the library face: events appended in any
order of their known dates (back-fills), scheduled events announced before they happen,
ties on a day, imports, new titles, an actor alias (whose stances then merge),
corrections of dates,
known dates, statuses and positions (with and without a known date of their own: the
latter are data-entry fixes that apply in every view), retractions of events and of
corrections. Checkpoints are made every two records, so that every history has many
and each append makes some stale. After each step, `asof` on every day of the range
must equal a full replay of the log (what `--recorded-before` does), and so must the
answer of a ``Snapshot`` (the driver-only read of a whole command), and at the end
`verify` must find every checkpoint right. Runs on each backend of the suite.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
from pathlib import Path
from typing import Any
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import examples
from timeline.core import checkpoints
from timeline.core.errors import TimelineError
from timeline.storage import Snapshot
from timeline.usecases import (
    add_event,
    as_of,
    import_paths,
    open_store,
    record_alias,
    record_amendment,
    retitle,
    stored_as_of,
    verify,
)

START = dt.date(2022, 1, 1)
DAYS = [START + dt.timedelta(days=n) for n in range(-1, 24)]
FAR = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
_examples = itertools.count()  # each example writes threads of its own into the database
# one clock for every example: they share the database, which refuses a write stamped
# before its last record (an earlier example's)
_minutes = itertools.count()

day_offsets = st.integers(0, 20)
events = st.fixed_dictionaries(
    {
        "thread": st.integers(0, 1),
        "date": day_offsets,
        "lag": st.one_of(st.none(), st.integers(0, 6)),
        # scheduled: announced this many days before its date (counts from its date)
        "ahead": st.one_of(st.none(), st.integers(1, 6)),
        "status": st.one_of(st.none(), st.sampled_from(["open", "stalled", "agreed"])),
        "positions": st.lists(
            st.tuples(st.sampled_from(["Russia", "NATO"]), st.sampled_from(["a", "b"])),
            max_size=2,
            unique=True,
        ),
        "stance": st.sampled_from(["yes", "no"]),
    }
)
corrections = st.fixed_dictionaries(
    {
        "target": st.integers(0, 40),
        "date": st.one_of(st.none(), day_offsets),
        "known": st.one_of(st.none(), day_offsets),
        "status": st.one_of(st.none(), st.sampled_from(["open", "suspended"])),
        "stance": st.one_of(st.none(), st.sampled_from(["maybe"])),
        "own_known": st.one_of(st.none(), day_offsets),
    }
)
retractions = st.tuples(st.integers(0, 40), st.one_of(st.none(), day_offsets))
steps = st.lists(
    st.one_of(
        st.tuples(st.just("add"), events),
        st.tuples(st.just("import"), st.lists(events, min_size=1, max_size=6)),
        st.tuples(st.just("correct"), corrections),
        st.tuples(st.just("retract"), retractions),
        st.tuples(st.just("retitle"), st.integers(0, 1)),
        st.tuples(st.just("alias"), st.sampled_from([("NATO", "Russia"), ("Russia", "NATO")])),
    ),
    min_size=1,
    max_size=14,
)


def _day(offset: int) -> str:
    return (START + dt.timedelta(days=offset)).isoformat()


class History:
    """Writes the drawn steps into the store, in threads of this example's own."""

    def __init__(self, store: Any, snapshot: Snapshot, folder: Path) -> None:
        self.store, self.snapshot, self.folder = store, snapshot, folder
        self.prefix = f"x{next(_examples)}"
        self.threads = [f"{self.prefix}-alpha", f"{self.prefix}-beta"]
        self.keys: list[str] = []  # every record appended, as thread/id
        self.n = 0

    def event(self, e: dict[str, Any]) -> dict[str, Any]:
        self.n += 1
        out: dict[str, Any] = {
            "thread": self.threads[e["thread"]],
            "id": f"e{self.n}",
            "date": _day(e["date"]),
            "type": "statement",
            "actors": ["Russia"],
            "title": f"Event {self.n}",
        }
        if e["lag"] is not None:
            out["known"] = _day(e["date"] + e["lag"])
        if e["ahead"] is not None:
            out["known"], out["scheduled"] = _day(e["date"] - e["ahead"]), True
        if e["status"] is not None:
            out["status"] = e["status"]
        if e["positions"]:
            out["positions"] = [
                {"actor": a, "issue": i, "stance": e["stance"]} for a, i in e["positions"]
            ]
        return out

    def step(self, step: tuple[Any, Any]) -> None:
        kind, value = step
        now = NOW + dt.timedelta(minutes=next(_minutes))
        if kind == "add":
            record = add_event(self.store, self.event(value), now).record
            self.keys.append(str(record.entry.key))
        elif kind == "import":
            drawn = [self.event(e) for e in value]
            path = self.folder / f"import{self.n}.jsonl"
            path.write_text("".join(json.dumps(e) + "\n" for e in drawn))
            import_paths(self.store, [path], now)
            self.keys += [f"{e['thread']}/{e['id']}" for e in drawn]
        elif kind == "retitle":
            self.n += 1
            retitle(self.store, self.threads[value], f"Title {self.n}", now)
        elif kind == "alias":  # (the database's: later examples keep it, or refuse another)
            record_alias(self.store, *value, now)
        elif self.keys:
            fields = self.correction(value) if kind == "correct" else self.retraction(value)
            self.n += 1
            record = record_amendment(self.store, fields, now).record
            self.keys.append(str(record.entry.key))

    def correction(self, c: dict[str, Any]) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        if c["date"] is not None:
            changes["date"] = _day(c["date"])
        if c["known"] is not None:
            changes["known"] = _day(c["known"])
        if c["status"] is not None:
            changes["status"] = c["status"]
        if c["stance"] is not None:
            changes["positions"] = [{"actor": "NATO", "issue": "a", "stance": c["stance"]}]
        fields = {
            "type": "correction",
            "corrects": self.keys[c["target"] % len(self.keys)],
            "set": changes or {"title": "Corrected"},
        }
        if c["own_known"] is not None:
            fields["known"] = _day(c["own_known"])
        return fields

    def retraction(self, r: tuple[int, int | None]) -> dict[str, Any]:
        fields = {
            "type": "retraction",
            "retracts": self.keys[r[0] % len(self.keys)],
            "reason": "withdrawn",
        }
        if r[1] is not None:
            fields["known"] = _day(r[1])
        return fields

    def check_asof(self, days: list[dt.date]) -> None:
        with self.store.reading() as r:
            written = [t for t in self.threads if t in r.projections.horizons([t])]
        for day in days if written else ():
            fast = as_of(self.store, day, written)
            assert fast == as_of(self.store, day, written, recorded_before=FAR), day
            # the same reads through the driver alone, as a whole `timeline asof` makes them
            assert stored_as_of(self.snapshot, day, written) == fast, day

    def check_tails(self) -> None:
        """No thread is left with a long run of records after its last checkpoint."""
        with self.store.reading() as r:
            last = r.projections.last_checkpoints(self.threads)
            after = r.log.known_after(
                {t: p.day for t, p in last.items()}
                | {t: None for t in self.threads if t not in last}
            )
        assert all(not checkpoints.due(n) for n in after.values()), after


@settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(drawn=steps, days=st.lists(st.sampled_from(DAYS), min_size=1, max_size=5))
def test_asof_from_checkpoints_equals_a_full_replay_on_every_day(
    db_url: str, tmp_path: Path, drawn: list[tuple[Any, Any]], days: list[dt.date]
) -> None:
    store = open_store(str(db_url))
    history = History(store, Snapshot.open(db_url, 30.0), tmp_path)
    try:
        with mock.patch.object(checkpoints, "SPACING", 2):
            for step in drawn:
                with contextlib.suppress(TimelineError):  # refused: nothing was written
                    history.step(step)
                history.check_asof(days)  # some days after each step, every day at the end
                history.check_tails()
            history.check_asof(DAYS)
        result = verify(store)
        assert result.findings == [], [str(f) for f in result.findings]
    finally:
        history.snapshot.close()
        store.close()


def test_a_data_entry_fix_that_makes_an_event_known_earlier_reaches_older_checkpoints(
    db_url: str,
) -> None:
    """A fix with no known date of its own applies in every view: setting an event's
    known day earlier changes views before the day the fix itself is filed under."""
    store = open_store(str(db_url))
    thread = "fix-reaches-back"

    def event(n: int, date: int, known: int) -> dict[str, Any]:
        return {
            "thread": thread,
            "id": f"e{n}",
            "date": _day(date),
            "known": _day(known),
            "type": "statement",
            "actors": ["NATO"],
            "title": f"Event {n}",
            "positions": [{"actor": "NATO", "issue": "a", "stance": f"stance {n}"}],
        }

    try:
        with mock.patch.object(checkpoints, "SPACING", 2):
            for n, (date, known) in enumerate([(0, 0), (1, 1), (2, 2), (3, 3), (1, 10)]):
                add_event(store, event(n, date, known), NOW)
            with store.reading() as r:
                assert [p.day.day for p in r.projections.all_checkpoints()[thread]] == [2, 4]
            fix = {"type": "correction", "corrects": f"{thread}/e4", "set": {"known": _day(1)}}
            record_amendment(store, fix, NOW)
            for day in DAYS:
                full = as_of(store, day, thread, recorded_before=FAR)
                assert as_of(store, day, thread) == full, day
            (state,) = as_of(store, START + dt.timedelta(days=2), thread)
            assert state.events == 4  # e4 shows from day 1 now
    finally:
        store.close()


def test_undoing_a_data_entry_fix_reaches_the_checkpoints_the_fix_had_reached(
    db_url: str,
) -> None:
    """A fix moved an event to an earlier day; retracting the fix (or fixing it again)
    changes the views from that earlier day on, not only from the event's own day."""
    store = open_store(str(db_url))
    thread = "fix-undone"

    def event(event_id: str, date: str) -> dict[str, Any]:
        return {
            "thread": thread,
            "id": event_id,
            "date": date,
            "type": "statement",
            "actors": ["NATO"],
            "title": f"Event {event_id}",
        }

    try:
        add_event(store, event("e", "2022-01-05"), NOW)
        add_event(store, event("g", "2022-01-01"), NOW)
        dated = {"type": "correction", "corrects": f"{thread}/g", "known": "2022-01-03"}
        record_amendment(store, {**dated, "set": {"title": "G, corrected"}}, NOW)
        fix = {"type": "correction", "corrects": f"{thread}/e", "set": {"date": "2022-01-02"}}
        moved = record_amendment(store, fix, NOW).record
        undo = {"type": "retraction", "retracts": str(moved.entry.key), "reason": "wrong fix"}
        record_amendment(store, undo, NOW)
        for day in DAYS:
            full = as_of(store, day, thread, recorded_before=FAR)
            assert as_of(store, day, thread) == full, day
        assert verify(store).findings == []
    finally:
        store.close()
