"""The projector alone: a pure fold, tested without a database."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import examples, make_event, make_record
from timeline.core.model import STATUSES, Key, Record, Retraction
from timeline.core.projector import apply, apply_all, project

D = dt.date.fromisoformat


def test_a_thread_starts_open_and_takes_the_last_status_in_known_order() -> None:
    recs = [
        make_record(1, make_event(id="talks", date="2022-01-10", status="negotiating")),
        # recorded later, but it happened (and was known) earlier: it must not win
        make_record(2, make_event(id="drafts", date="2021-12-17", status="open")),
        make_record(3, make_event(id="plain", date="2021-12-01")),
    ]
    assert project(recs[2:])["t"].status == "open"
    assert project(recs)["t"].status == "negotiating"


def test_what_became_known_later_is_not_shown_before_its_known_date() -> None:
    delivered = make_event(
        id="delivered", date="2022-01-26", type="response", actors=["United States", "NATO"]
    )
    content = make_event(
        id="content",
        date="2022-01-26",
        known="2022-02-02",
        type="response",
        actors=["United States"],
        positions=[("United States", "NATO enlargement", "open door")],
    )
    recs = [make_record(1, delivered), make_record(2, content)]
    before = project(recs, as_of=D("2022-02-01"))["t"]
    after = project(recs, as_of=D("2022-02-02"))["t"]
    assert before.positions == () and before.events == 1
    assert [(p.actor, p.issue, p.stance, p.since, p.event) for p in after.positions] == [
        ("United States", "NATO enlargement", "open door", "2022-01-26", "content")
    ]
    assert after.last.id == "content" and after.last.known == "2022-02-02"


def test_a_thread_with_nothing_known_yet_does_not_appear() -> None:
    recs = [
        make_record(1, make_event(thread="a", date="2022-03-01")),
        make_record(2, make_event(thread="b", date="2021-05-01")),
    ]
    assert list(project(recs, as_of=D("2022-01-01"))) == ["b"]


def test_a_month_precision_event_counts_as_known_from_the_last_day_of_the_month() -> None:
    recs = [make_record(1, make_event(date="2021-12"))]
    assert project(recs, as_of=D("2021-12-30")) == {}
    assert project(recs, as_of=D("2021-12-31"))["t"].first.date == "2021-12"


def test_parties_are_every_actor_and_position_holder_sorted() -> None:
    recs = [
        make_record(1, make_event(actors=["Russia", "NATO"])),
        make_record(
            2, make_event(id="p", actors=["El País"], positions=[("United States", "x", "y")])
        ),
    ]
    assert project(recs)["t"].parties == ("El País", "NATO", "Russia", "United States")


def test_the_thread_title_is_the_latest_recorded_even_before_that_record_is_known() -> None:
    recs = [
        make_record(1, make_event(id="a", date="2021-12-01"), thread_title="Old name"),
        make_record(2, make_event(id="b", date="2022-05-01"), thread_title="New name"),
    ]
    assert project(recs, as_of=D("2022-01-01"))["t"].title == "New name"


def test_ties_on_known_and_date_go_to_the_later_record() -> None:
    recs = [
        make_record(1, make_event(id="a", status="stalled")),
        make_record(2, make_event(id="b", status="agreed")),
    ]
    assert project(reversed(recs))["t"].status == "agreed"
    assert project(recs)["t"].last.id == "b"


def test_a_state_counts_its_events_by_type_and_keeps_the_latest_three() -> None:
    recs = [
        make_record(1, make_event(id="a", date="2022-01-10", type="talks")),
        make_record(2, make_event(id="b", date="2022-01-12", type="statement")),
        # happened first, known last: the latest development, whatever its date
        make_record(3, make_event(id="c", date="2022-01-05", known="2022-01-20", type="talks")),
        make_record(4, make_event(id="d", date="2022-01-14", type="demand")),
    ]
    state = project(recs)["t"]
    assert state.type_counts() == [("talks", 2), ("demand", 1), ("statement", 1)]
    assert [e.id for e in state.latest] == ["c", "d", "b"]
    assert state.to_dict()["types"] == {"talks": 2, "demand": 1, "statement": 1}
    before = project(recs, as_of=D("2022-01-12"))["t"]
    assert [e.id for e in before.latest] == ["b", "a"] and before.events == 2
    withdrawal = Retraction("t", "withdrawn", Key("t", "d"), "wrong code", D("2022-01-21"))
    retracted = make_record(5, withdrawal)
    after = project([*recs, retracted])["t"]
    assert [e.id for e in after.latest] == ["c", "b", "a"]
    assert after.type_counts() == [("talks", 2), ("statement", 1)]


# ---- properties -------------------------------------------------------------------------

DAYS = [dt.date(2022, 1, 1) + dt.timedelta(days=n) for n in range(0, 60, 3)]


@st.composite
def event_sets(draw: st.DrawFn) -> list:
    """Events over two threads, no two of one thread tied on (known, date)."""
    n = draw(st.integers(min_value=1, max_value=12))
    events, used = [], set()
    for i in range(n):
        thread = draw(st.sampled_from(["alpha", "beta"]))
        first = draw(st.sampled_from(DAYS))
        known = first + dt.timedelta(days=draw(st.integers(0, 20)))
        if (thread, known, first) in used:
            continue
        used.add((thread, known, first))
        positions = draw(
            st.lists(
                st.tuples(
                    st.sampled_from(["Russia", "NATO"]),
                    st.sampled_from(["x", "y"]),
                    st.sampled_from(["yes", "no", "maybe"]),
                ),
                max_size=2,
                unique_by=lambda p: (p[0], p[1]),
            )
        )
        events.append(
            make_event(
                thread=thread,
                id=f"e{i}",
                date=first.isoformat(),
                known=known.isoformat(),
                status=draw(st.none() | st.sampled_from(STATUSES)),
                actors=draw(
                    st.lists(
                        st.sampled_from(["Russia", "NATO", "United States"]),
                        min_size=1,
                        max_size=2,
                        unique=True,
                    )
                ),
                positions=positions,
            )
        )
    return events


def _append(events: list) -> list[Record]:
    """What the store does: seq in the order of appending."""
    return [make_record(i + 1, e) for i, e in enumerate(events)]


def _public(states: dict) -> dict:
    return {t: s.to_dict() for t, s in states.items()}


@settings(max_examples=examples(150), deadline=None)
@given(events=event_sets(), data=st.data())
def test_appending_the_same_events_in_any_order_gives_the_same_asof(events, data) -> None:
    shuffled = data.draw(st.permutations(events))
    a, b = _append(events), _append(shuffled)
    for day in [None, *DAYS]:
        assert _public(project(a, as_of=day)) == _public(project(b, as_of=day))


@settings(max_examples=examples(150), deadline=None)
@given(events=event_sets(), cut=st.integers(min_value=0, max_value=12))
def test_projecting_a_prefix_then_the_rest_equals_projecting_everything(events, cut) -> None:
    records = _append(events)
    prefix, rest = records[:cut], records[cut:]
    assert apply_all(project(prefix), rest) == {
        t: s for t, s in project(records).items() if any(r.event.thread == t for r in rest)
    }
    combined = {**project(prefix), **apply_all(project(prefix), rest)}
    assert combined == project(records)
    for day in DAYS:
        known_rest = [r for r in rest if r.event.known <= day]
        from_prefix = project(prefix, as_of=day)
        assert {**from_prefix, **apply_all(from_prefix, known_rest)} == project(records, as_of=day)


@settings(max_examples=examples(100), deadline=None)
@given(events=event_sets())
def test_applying_records_one_at_a_time_equals_projecting_them(events) -> None:
    records = _append(events)
    states: dict = {}
    for r in records:
        states[r.event.thread] = apply(states.get(r.event.thread), r)
    assert dict(sorted(states.items())) == project(records)
