"""``GET /api/v1/window``: what the page's timeline draws between two days, as known on a
day, dense stretches counted by calendar unit; and ``getEvent`` as known on a day."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Run
from timeline import api
from timeline.web import ServeConfig, create_app

THREAD = "russia-nato-security-guarantees"
FAR = "A meeting far ahead"


@pytest.fixture
def client(imported: Run, db_url: str) -> Iterator[TestClient]:
    """The bundled events, an event recorded ahead (public only in 2099), in the public
    view: what is public as of today."""
    added = imported(
        "add", "--thread", THREAD, "--date", "2099-01-01", "--type", "meeting",
        "--actor", "France", "--title", FAR, "--allow-future",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    config = ServeConfig(db=db_url, rate_limit=None, access_log=io.StringIO())
    with TestClient(create_app(config)) as opened:
        yield opened


def window(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get(
        "/api/v1/window", params={"from": "2021-01-01", "to": "2099-12-31"} | params
    )
    assert response.status_code == 200, response.text
    doc: dict[str, Any] = response.json()
    return doc


def ids(doc: dict[str, Any]) -> set[str]:
    return {f"{d['thread']}/{d['id']}" for d in doc["drawn"]}


def test_the_replies_content_is_drawn_from_the_day_it_became_public(
    client: TestClient, db_url: str
) -> None:
    before = window(client, asof="2022-02-01")
    after = window(client, asof="2022-02-02")
    assert f"{THREAD}/el-pais-publishes" not in ids(before)
    assert f"{THREAD}/el-pais-publishes" in ids(after)
    assert ids(before) < ids(after) and after["events"] == len(ids(after))
    assert not after["clusters"]  # room for every event of the seed story
    (published,) = [d for d in after["drawn"] if d["id"] == "el-pais-publishes"]
    assert published["known"] == "2022-02-02"
    # what is recorded ahead of its day is counted nowhere, however wide the window
    today = window(client)
    assert FAR not in {d["title"] for d in today["drawn"]}
    with api.open(db_url, access="read") as tl:
        assert today["events"] == len(tl.log(known_by="today"))


def test_a_small_budget_counts_dense_threads_in_clusters(client: TestClient) -> None:
    doc = window(client, asof="2022-02-02", limit=10)
    assert doc["clusters"], doc
    assert len(doc["drawn"]) + sum(c["count"] for c in doc["clusters"]) == doc["events"]
    assert len(doc["drawn"]) + len(doc["clusters"]) <= 4 * 3  # a share of 4, 3 threads
    for c in doc["clusters"]:
        assert c["count"] == sum(c["types"].values()) >= 2
        assert c["start"] <= c["end"]
    assert doc["unit"] in {"year", "5 years", "decade", "50 years", "century"}


def test_filters_keep_their_events_and_the_window_its_days(client: TestClient, db_url: str) -> None:
    doc = window(client, asof="2022-02-02", type="disclosure")
    assert doc["drawn"] and {d["type"] for d in doc["drawn"]} == {"disclosure"}
    january = window(client, asof="2022-02-02", **{"from": "2022-01-01", "to": "2022-01-31"})
    assert all(d["end"] >= "2022-01-01" and d["start"] <= "2022-01-31" for d in january["drawn"])
    russia = window(client, asof="2022-02-02", actor="Russia", thread=THREAD)
    with api.open(db_url, access="read") as tl:
        only = api.EventFilter.of(actors=["Russia"])
        log = tl.log(thread=THREAD, known_by="2022-02-02", only=only)
    assert ids(russia) == {str(v.record.event.key) for v in log}
    assert len(log) < len(window(client, asof="2022-02-02", thread=THREAD)["drawn"])


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"from": "2022-02-01", "to": "2022-01-01"}, 400),
        ({"from": "2022-13-01"}, 400),
        ({"asof": "2099-01-01"}, 400),  # after today, in the public view
        ({"limit": "5"}, 422),
        ({"limit": "100000"}, 422),
        ({"thread": "no-such-thread"}, 404),
        ({"thread": "_tokens"}, 404),
        ({"type": "nonsense"}, 400),
        ({"actor": "France"}, 422),  # named only by what is not public yet
    ],
)
def test_a_bad_window_is_one_problem(
    client: TestClient, params: dict[str, str], status: int
) -> None:
    response = client.get(
        "/api/v1/window", params={"from": "2021-01-01", "to": "2022-12-31"} | params
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_one_event_as_known_on_a_day(client: TestClient, run: Run) -> None:
    fix = run(
        "correct", f"{THREAD}/geneva-ssd", "--title", "Geneva, corrected", "--known", "2022-03-01"
    )
    assert fix.exit_code == 0, fix.output
    now = client.get(f"/api/v1/events/{THREAD}/geneva-ssd").json()
    then = client.get(f"/api/v1/events/{THREAD}/geneva-ssd", params={"asof": "2022-01-11"}).json()
    assert now["title"] == "Geneva, corrected"
    assert then["title"] != now["title"]
    early = client.get(f"/api/v1/events/{THREAD}/el-pais-publishes", params={"asof": "2022-02-01"})
    assert early.status_code == 404
