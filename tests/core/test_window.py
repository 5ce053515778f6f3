"""The window's calendar units and its arrangement: every day in exactly one unit of
each kind, a window touching no more units than it was cut for, and no thread drawing
more than its share of items, however many events it holds."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from timeline.core.model import Key
from timeline.core.window import (
    MIN_PER_THREAD,
    UNITS,
    Spot,
    Unit,
    arrange,
    share_of,
    tally,
    unit_for,
)

days = st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31))


@given(day=days, unit=st.sampled_from(UNITS))
def test_every_day_lies_in_one_unit_and_the_next_unit_follows_it(day: dt.date, unit: Unit) -> None:
    index = unit.index(day)
    assert unit.start(index) <= day <= unit.end(index)
    assert unit.index(unit.start(index)) == index == unit.index(unit.end(index))
    if unit.end(index) < dt.date.max:
        assert unit.index(unit.end(index) + dt.timedelta(days=1)) == index + 1
    if unit.start(index) > dt.date.min and unit.end(index) < dt.date.max:  # (not cut short)
        assert (unit.end(index) - unit.start(index)).days + 1 >= unit.days


@given(first=days, last=days, buckets=st.integers(2, 400))
def test_a_window_touches_no_more_units_than_it_was_cut_into(
    first: dt.date, last: dt.date, buckets: int
) -> None:
    start, end = min(first, last), max(first, last)
    unit = unit_for(start, end, buckets)
    assert unit.index(end) - unit.index(start) + 1 <= buckets
    finer = UNITS[: UNITS.index(unit)]
    # the shortest that does: each finer unit is refused by its least length
    assert all(-(-((end - start).days + 1) // u.days) + 1 > buckets for u in finer)


spots = st.lists(
    st.builds(
        lambda thread, n, first, length, lag, kind: Spot(
            Key(f"t{thread}", f"e{n}"),
            first,
            first + dt.timedelta(days=length),
            first + dt.timedelta(days=length + lag),
            None,
            kind,
        ),
        st.integers(0, 5),
        st.integers(0, 10**6),
        st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31)),
        st.integers(0, 400),
        st.integers(0, 30),
        st.sampled_from(["talks", "statement", "offer"]),
    ),
    unique_by=lambda s: s.key,
    max_size=300,
)


@given(
    found=spots,
    first=st.dates(dt.date(1999, 1, 1), dt.date(2031, 12, 31)),
    length=st.integers(0, 20000),
    budget=st.integers(1, 200),
)
def test_arrange_counts_every_event_once_and_keeps_to_the_budget(
    found: list[Spot], first: dt.date, length: int, budget: int
) -> None:
    last = min(first + dt.timedelta(days=length), dt.date.max)
    inside = [s for s in found if s.last >= first and s.first <= last]
    threads = 6
    share = share_of(budget, threads)
    unit = unit_for(first, last, share)
    drawn, clusters = arrange(tally(inside, unit, first, share), unit, share)
    assert len(set(drawn)) == len(drawn)
    assert set(drawn) <= {s.key for s in inside}
    assert len(drawn) + sum(c.count for c in clusters) == len(inside)
    assert all(c.count >= 2 for c in clusters)
    assert len(drawn) + len(clusters) <= max(budget, MIN_PER_THREAD * threads)
    for c in clusters:  # each cluster counts the events of its thread in its unit
        members = [
            s
            for s in inside
            if s.key.thread == c.thread and c.start <= max(s.first, first) <= c.end
        ]
        assert c.count == len(members) == sum(c.types.values())
        assert c.late == sum(s.late for s in members)
        assert not {s.key for s in members} & set(drawn)
