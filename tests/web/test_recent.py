"""Each thread's latest events, as the page lists them: ``log`` of those events alone,
chosen in the database without decoding the whole log."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Run
from timeline import api
from timeline.core.model import EventView, Record
from timeline.web import ServeConfig, create_app
from timeline.web import page as page_module

THREAD = "russia-nato-security-guarantees"


@pytest.fixture
def store(imported: Run, db_url: str) -> Iterator[api.Timeline]:
    with api.open(db_url) as opened:
        yield opened


def _keys(views: list[EventView[Record]]) -> list[str]:
    return [str(v.record.entry.key) for v in views]


def test_with_room_for_every_event_recent_is_the_log_known_by_the_day(
    store: api.Timeline, run: Run
) -> None:
    assert run("retract", f"{THREAD}/nato-russia-council", "--reason", "test").exit_code == 0
    assert run("correct", f"{THREAD}/geneva-ssd", "--title", "Geneva talks").exit_code == 0
    for day in ("2021-12-31", "2022-01-26", "2022-02-02", "2026-11-28"):
        found = store.recent(per_thread=1000, known_by=day)
        log = store.log(known_by=day)
        assert found.views == log, day
        counts: dict[str, int] = {}
        for view in log:
            counts[view.record.event.thread] = counts.get(view.record.event.thread, 0) + 1
        assert found.counts == counts, day
        assert found.first == min(v.record.event.date.first for v in log)
        assert found.last == max(v.record.event.known for v in log)


def test_recent_keeps_each_threads_latest_events_by_date(store: api.Timeline) -> None:
    found = store.recent(per_thread=2, known_by="2022-02-02")
    log = store.log(known_by="2022-02-02")
    by_thread: dict[str, list[EventView[Record]]] = {}
    for view in log:
        by_thread.setdefault(view.record.event.thread, []).append(view)
    latest = [
        v
        for views in by_thread.values()
        for v in sorted(
            views,
            key=lambda v: (v.record.event.date.first, v.record.event.known, v.record.seq),
        )[-2:]
    ]
    assert sorted(_keys(found.views)) == sorted(_keys(latest))
    assert len(found.views) == 2 * len(by_thread)
    # El País published the replies on 2 February: the latest of its thread from then
    assert f"{THREAD}/el-pais-publishes" in _keys(found.views)
    before = store.recent(per_thread=2, known_by="2022-02-01")
    assert f"{THREAD}/el-pais-publishes" not in _keys(before.views)


def test_an_event_corrected_to_be_known_earlier_is_among_the_latest(
    store: api.Timeline, run: Run, tmp_path: Path
) -> None:
    late = {"thread": "late-news", "id": "leak", "date": "2022-01-05", "type": "disclosure"}
    late |= {"actors": ["El País"], "title": "A leak", "known": "2022-03-01"}
    (tmp_path / "late.jsonl").write_text(json.dumps(late) + "\n")
    assert run("import", str(tmp_path / "late.jsonl")).exit_code == 0
    found = store.recent(per_thread=5, known_by="2022-02-02")
    assert "late-news" not in found.counts
    assert all(v.record.event.thread != "late-news" for v in found.views)
    # a data-entry fix: it was public on 6 January, in every view
    fix = run("correct", "late-news/leak", "--event-known", "2022-01-06")
    assert fix.exit_code == 0, fix.output
    found = store.recent(per_thread=5, known_by="2022-02-02")
    leaks = [v for v in found.views if v.record.event.thread == "late-news"]
    assert leaks == store.log(thread="late-news", known_by="2022-02-02")
    assert _keys(leaks) == ["late-news/leak"]


def test_the_page_lists_each_threads_latest_events_and_how_many_more(
    imported: Run, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(page_module, "PER_THREAD", 2)  # (3 threads: 2 each)
    app = create_app(ServeConfig(db=db_url, rate_limit=None, access_log=io.StringIO()))
    with TestClient(app) as client:
        html = client.get("/", params={"asof": "2022-02-02"}).text
    with api.open(db_url, access="read") as tl:
        known = tl.recent(per_thread=1000, known_by=dt.date(2022, 2, 2))
    for thread, n in known.counts.items():
        if n > 2:
            assert f"And {n - 2} earlier events" in html, thread
    # many threads share the page: 3 threads and room for 3 events, one each
    monkeypatch.setattr(page_module, "PER_THREAD", 200)
    monkeypatch.setattr(page_module, "PAGE_EVENTS", 3)
    # a new service: the first holds its answers (the same log, the same page)
    app = create_app(ServeConfig(db=db_url, rate_limit=None, access_log=io.StringIO()))
    with TestClient(app) as client:
        html = client.get("/", params={"asof": "2022-02-02"}).text
    for thread, n in known.counts.items():
        assert f"And {n - 1} earlier events" in html, thread
