"""The big answers of the public view are made ahead, once per state of the log: after an
append, the calendar of every thread is made in the background, and the reader who
then asks for it gets it without it being made again."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Run
from timeline import api
from timeline.api.face import Timeline
from timeline.web import ServeConfig, create_app
from timeline.web.access import Publish
from timeline.web.warm import WARMED

GZIP = {"Accept-Encoding": "gzip"}


def wait_for(done: Callable[[], bool], what: str, limit: float = 60.0) -> None:
    """Wait for the background to do something (a generous bound: a loaded machine)."""
    end = time.monotonic() + limit
    while not done():
        if time.monotonic() > end:
            raise AssertionError(f"not done in {limit:g} s: {what}")
        time.sleep(0.02)


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The formats of every export the service makes, in order."""
    formats: list[str] = []
    original = Timeline.export_chunks

    def counting(self: Timeline, fmt: Any, **options: Any) -> Iterator[bytes]:
        formats.append(str(fmt))
        return original(self, fmt, **options)

    monkeypatch.setattr(Timeline, "export_chunks", counting)
    return formats


def test_after_an_append_the_calendar_is_made_ahead_and_served_as_made(
    imported: Run, db_url: str, tmp_path: Path, made: list[str]
) -> None:
    log = io.StringIO()
    shelf = tmp_path / "shelf"
    shelf.mkdir()
    config = ServeConfig(
        db=db_url, rate_limit=None, access_log=log, warm_every=0.05, shelf=str(shelf)
    )
    with TestClient(create_app(config)) as client:
        wait_for(lambda: made.count("ics") == 1, "the calendar made at start")
        first = client.get("/feeds/all.ics", headers=GZIP)
        assert first.status_code == 200 and "BEGIN:VCALENDAR" in first.text
        assert made.count("ics") == 1  # the reader got the answer made ahead
        with api.open(db_url) as tl:
            tl.add(
                {
                    "thread": "russia-nato-security-guarantees",
                    "id": "made-ahead",
                    "date": "2022-02-03",
                    "type": "statement",
                    "actors": ["NATO"],
                    "title": "A statement made after the service started",
                }
            )
        wait_for(lambda: made.count("ics") == 2, "the calendar made again after the append")
        after = client.get("/feeds/all.ics", headers=GZIP)
        assert "A statement made after the service started" in after.text
        assert after.headers["etag"] != first.headers["etag"]
        assert made.count("ics") == 2
        # a reader that asks without gzip gets the same calendar, made for it
        plain = client.get("/feeds/all.ics", headers={"Accept-Encoding": "identity"})
        assert plain.text == after.text
    lines = [json.loads(line) for line in log.getvalue().splitlines()]
    warmed = [line for line in lines if line["client"] == "warm"]
    assert {line["path"] for line in warmed} >= {"/feeds/all.ics", "/export/timelinejs.json"}
    refused = [(x["path"], x["status"]) for x in warmed if x["status"] != 200]
    assert refused == []


def test_a_private_service_makes_nothing_ahead(imported: Run, db_url: str, made: list[str]) -> None:
    config = ServeConfig(
        db=db_url,
        rate_limit=None,
        access_log=io.StringIO(),
        warm_every=0.01,
        publish=Publish.PRIVATE,
    )
    with TestClient(create_app(config)) as client:
        assert client.get("/feeds/all.ics").status_code == 401
        time.sleep(0.2)
    assert made == []


def test_what_the_rate_limit_turned_away_is_asked_for_again_until_made(
    imported: Run, db_url: str
) -> None:
    log = io.StringIO()
    config = ServeConfig(db=db_url, rate_limit=2.0, access_log=log, warm_every=0.05)

    def made_ahead() -> set[str]:
        lines = [json.loads(line) for line in log.getvalue().splitlines()]
        return {x["path"] for x in lines if x["client"] == "warm" and x["status"] == 200}

    with TestClient(create_app(config)):
        wait_for(lambda: made_ahead() == set(WARMED), "every answer made ahead")
    lines = [json.loads(line) for line in log.getvalue().splitlines()]
    assert any(x["status"] == 429 for x in lines)  # the limit did turn some away
