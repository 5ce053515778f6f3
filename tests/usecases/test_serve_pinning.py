"""The library's positions, which the service's cursors and pinned answers rest on:
``head``, ``records_after`` and ``at_seq`` on ``as_of`` and ``diff``, on every backend."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from timeline import api
from timeline.core.errors import TimelineError

NOW = dt.datetime(2026, 11, 28, 12, tzinfo=dt.UTC)
THREAD = "russia-nato-security-guarantees"
MACRON = {
    "thread": THREAD,
    "date": "2022-02-02",
    "type": "meeting",
    "actors": ["France", "Russia"],
    "title": "Macron calls Putin",
    "status": "negotiating",
}


@pytest.fixture
def store(db_url: str) -> Iterator[api.Timeline]:
    with api.open(db_url) as opened:
        opened.import_paths([api.bundled_events()])
        yield opened


def test_the_head_is_the_last_seq_and_the_listing_carries_it(store: api.Timeline) -> None:
    assert store.head() == 27
    assert max(s.max_seq for s in store.threads(NOW.date())) == 27
    store.add(MACRON)
    assert store.head() == 28


def test_an_answer_pinned_to_a_seq_stays_the_same_after_later_appends(
    store: api.Timeline,
) -> None:
    before = [s.to_dict() for s in store.as_of("2022-02-02", at_seq=27)]
    changes = store.diff("2022-02-01", "2022-02-02", thread=THREAD, at_seq=27)
    store.add(MACRON)
    assert [s.to_dict() for s in store.as_of("2022-02-02", at_seq=27)] == before
    assert store.diff("2022-02-01", "2022-02-02", thread=THREAD, at_seq=27) == changes
    now = {s.thread: s for s in store.as_of("2022-02-02")}
    assert now[THREAD].status == "negotiating"
    assert {s["thread"]: s for s in before}[THREAD]["status"] == "stalled"
    newer = store.diff("2022-02-01", "2022-02-02", thread=THREAD)
    assert len(newer.threads[0].known) == len(changes.threads[0].known) + 1


def test_an_early_pin_replays_only_the_records_up_to_it(store: api.Timeline) -> None:
    (state,) = store.as_of("2022-02-02", thread=THREAD, at_seq=10)
    assert state.max_seq <= 10
    assert store.as_of("2022-02-02", at_seq=0) == []


def test_a_pin_beyond_the_head_or_with_a_text_search_is_refused(store: api.Timeline) -> None:
    with pytest.raises(TimelineError, match=r"^at_seq 28 is not a position of the log \(0..27\)$"):
        store.as_of("2022-02-02", at_seq=28)
    store.add(MACRON)
    only = api.EventFilter.of(text="Macron")
    with pytest.raises(TimelineError, match="cannot be pinned to seq 27"):
        store.as_of("2022-02-02", at_seq=27, only=only)
    assert [s.thread for s in store.as_of("2022-02-02", at_seq=28, only=only)] == [THREAD]


def test_records_after_pages_through_the_log_in_seq_order(store: api.Timeline) -> None:
    pages, after = [], 0
    while page := store.records_after(after, 10):
        pages.append([r.seq for r in page])
        after = page[-1].seq
    assert pages == [list(range(1, 11)), list(range(11, 21)), list(range(21, 28))]
    one = store.records_after(0, 100, thread="arms-control-missile-deployment")
    assert {r.entry.thread for r in one} == {"arms-control-missile-deployment"}
    assert len(one) == 6


def test_a_filtered_page_keeps_the_amendments_of_what_it_matched(
    store: api.Timeline, tmp_path: Path
) -> None:
    store.add(MACRON)
    fix = tmp_path / "fix.yaml"
    fix.write_text(
        f"thread: {THREAD}\nevents:\n  - type: correction\n"
        "    corrects: 2022-02-02-macron-calls-putin\n"
        "    set: {title: Macron and Putin talk by phone}\n"
    )
    store.import_paths([fix])
    only = api.EventFilter.of(actors=["France"])
    assert [(r.seq, r.kind) for r in store.records_after(0, 10, only=only)] == [
        (28, "event"),
        (29, "correction"),
    ]
    assert [r.seq for r in store.records_after(28, 10, only=only)] == [29]
