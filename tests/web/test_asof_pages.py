"""``/api/v1/asof/{date}`` a page of threads at a time (``limit``, ``after``): the pages
followed by their ``next`` links hold exactly the threads of the whole answer, in slug
order, and the public view never names a thread known later, not even as a cursor."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Run
from timeline.web import ServeConfig, create_app


@pytest.fixture
def client(imported: Run, db_url: str) -> Iterator[TestClient]:
    """The bundled events, and a thread whose only event is public in 2099 (its slug
    sorts between two public ones)."""
    added = imported(
        "add", "--thread", "russia-nato-zzz-later", "--date", "2099-01-01",
        "--type", "meeting", "--actor", "France", "--title", "Far ahead", "--allow-future",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    config = ServeConfig(db=db_url, rate_limit=None, access_log=io.StringIO())
    with TestClient(create_app(config)) as opened:
        yield opened


def pages(client: TestClient, first: str) -> list[dict[str, Any]]:
    out, url = [], first
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.text
        doc = response.json()
        out.append(doc)
        url = doc.get("next")
        if url:
            assert response.headers["link"] == f'<{url}>; rel="next"'
        else:
            assert "link" not in response.headers
    return out


def test_the_pages_hold_the_whole_answer_in_slug_order(client: TestClient) -> None:
    whole = client.get("/api/v1/asof/2022-02-02").json()["threads"]
    found = pages(client, "/api/v1/asof/2022-02-02?limit=1")
    assert len(found) == len(whole) == 3
    assert [t for doc in found for t in doc["threads"]] == sorted(whole, key=lambda t: t["thread"])
    assert all(len(doc["threads"]) == 1 for doc in found)
    two = pages(client, "/api/v1/asof/2022-02-02?limit=2")
    assert [len(doc["threads"]) for doc in two] == [2, 1]


def test_a_cursor_never_names_a_thread_known_later(client: TestClient) -> None:
    for doc in pages(client, "/api/v1/asof/today?limit=1"):
        assert "zzz" not in str(doc)
    past = client.get("/api/v1/asof/today", params={"limit": 5, "after": "zzzz"}).json()
    assert past["threads"] == [] and "next" not in past


@pytest.mark.parametrize(
    ("params", "status"),
    [({"limit": "0"}, 422), ({"limit": "1001"}, 422), ({"limit": "1", "thread": "nope"}, 404)],
)
def test_a_bad_page_is_a_problem(client: TestClient, params: dict[str, str], status: int) -> None:
    response = client.get("/api/v1/asof/2022-02-02", params=params)
    assert response.status_code == status, response.text
