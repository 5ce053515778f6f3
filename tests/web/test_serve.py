"""`timeline serve`'s JSON API, in process (FastAPI's TestClient) on every backend: each
route answers what the matching command prints as JSON, with the log position it was
computed at, and the seed story reads the same over HTTP."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Run
from timeline.web import ServeConfig, create_app
from timeline.web.access import Publish

THREAD = "russia-nato-security-guarantees"
LATER = "2026-11-29T08:00:00Z"


@pytest.fixture
def client(imported: Run, db_url: str) -> Iterator[TestClient]:
    """The API over the bundled events (27 records), no rate limit, everything published
    (``--publish open``: what each mode cuts is tested in test_serve_publish)."""
    config = ServeConfig(db=db_url, rate_limit=None, access_log=io.StringIO(), publish=Publish.OPEN)
    app = create_app(config)
    with TestClient(app) as c:
        yield c


def get(client: TestClient, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, response.text
    return response.json()


def positions(doc: dict[str, Any], actor: str) -> dict[str, str]:
    (state,) = doc["threads"]
    return {p["issue"]: p["event"] for p in state["positions"] if p["actor"] == actor}


def test_health_and_status_name_the_head_of_the_log(client: TestClient) -> None:
    assert get(client, "/api/v1/health") == {"status": "ok", "seq": 27}
    status = get(client, "/api/v1/status")
    assert status == {
        "version": status["version"],
        "seq": 27,
        "records": 27,
        "threads": 3,
        "events": 27,
        "writes": False,
    }


def test_the_replies_positions_appear_only_on_the_day_they_became_public(
    client: TestClient,
) -> None:
    before = get(client, f"/api/v1/asof/2022-02-01?thread={THREAD}")
    after = get(client, f"/api/v1/asof/2022-02-02?thread={THREAD}")
    assert (before["as_of"], before["seq"], after["as_of"], after["seq"]) == (
        "2022-02-01",
        27,
        "2022-02-02",
        27,
    )
    assert positions(before, "United States") == {"NATO enlargement": "geneva-ssd"}
    assert positions(after, "United States") == {
        "NATO enlargement": "replies-open-door",
        "NATO infrastructure rollback to 1997": "replies-1997-rollback",
        "security dialogue with Russia": "replies-dialogue-terms",
    }


def test_russia_knew_the_replies_positions_on_28_january_and_the_public_did_not(
    client: TestClient,
) -> None:
    russia = get(client, f"/api/v1/asof/2022-01-28?thread={THREAD}&as=Russia")
    public = get(client, f"/api/v1/asof/2022-01-28?thread={THREAD}")
    assert russia["as"] == "Russia" and "as" not in public
    assert positions(russia, "NATO")["NATO enlargement"] == "replies-open-door"
    assert positions(public, "NATO")["NATO enlargement"] == "nato-russia-council"
    assert (russia["threads"][0]["events"], public["threads"][0]["events"]) == (10, 7)


def test_asof_and_diff_answer_the_cli_json_with_the_seq_added(client: TestClient, run: Run) -> None:
    for url, args in [
        ("/api/v1/asof/2022-02-02?as=Russia", ["asof", "2022-02-02", "--as", "Russia"]),
        (
            "/api/v1/asof/2022-02-02?actor=El%20Pa%C3%ADs",
            ["asof", "2022-02-02", "--actor", "El País"],
        ),
        ("/api/v1/diff?from=2022-02-01&to=2022-02-02", ["diff", "2022-02-01", "2022-02-02"]),
    ]:
        cli = run(*args, "--format", "json")
        assert cli.exit_code == 0, cli.output
        doc = get(client, url)
        assert doc.pop("seq") == 27
        assert doc == json.loads(cli.stdout)


def test_the_threads_listing_is_the_cli_listing_with_its_seq(client: TestClient, run: Run) -> None:
    listing = get(client, "/api/v1/threads")
    assert listing.pop("seq") == 27
    assert listing == json.loads(run("threads", "--format", "json").stdout)
    early = get(client, "/api/v1/threads?asof=2021-12-10")
    assert [(t["thread"], t["events"]) for t in early["threads"]] == [(THREAD, 1)]
    assert (early["as_of"], early["seq"]) == ("2021-12-10", 27)


def test_one_thread_as_it_stands_and_as_known_on_a_day(client: TestClient) -> None:
    now = get(client, f"/api/v1/threads/{THREAD}")
    assert (now["seq"], now["thread"]["thread"], now["thread"]["events"]) == (27, THREAD, 14)
    then = get(client, f"/api/v1/threads/{THREAD}?asof=2022-02-01")
    assert (then["as_of"], then["thread"]["events"], then["thread"]["status"]) == (
        "2022-02-01",
        8,
        "stalled",
    )
    assert get(client, f"/api/v1/threads/{THREAD}?asof=2021-11-01")["thread"] is None
    viewed = get(client, f"/api/v1/threads/{THREAD}?asof=2022-01-28&as=Russia")
    assert (viewed["as"], viewed["thread"]["events"]) == ("Russia", 10)


def test_an_unknown_thread_is_a_404_problem(client: TestClient) -> None:
    for url in [
        "/api/v1/threads/russia-nato",
        "/api/v1/asof/2022-02-02?thread=russia-nato",
        "/feeds/threads/russia-nato.ics",
    ]:
        response = client.get(url)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json() == {
            "type": "about:blank",
            "title": "Not Found",
            "status": 404,
            "detail": "unknown thread 'russia-nato'; GET /api/v1/threads lists them",
        }


def test_one_event_is_shown_as_corrected_with_its_corrections(
    client: TestClient, run_ok: Run
) -> None:
    url = f"/api/v1/events/{THREAD}/putin-concerns-ignored"
    assert get(client, url)["title"].endswith("ignored Russia's fundamental concerns")
    run_ok(
        "correct",
        f"{THREAD}/putin-concerns-ignored",
        "--title",
        "Putin says the US and NATO replies ignored Russia's main concerns",
        "--id",
        "fix",
    )
    event = get(client, url)
    assert event["title"].endswith("ignored Russia's main concerns")
    assert event["corrected_by"] == [f"{THREAD}/fix"]
    missing = get(client, f"/api/v1/events/{THREAD}/no-such-event", 404)
    assert missing["detail"] == f"no event 'no-such-event' in thread '{THREAD}'"


def test_the_log_pages_by_seq_with_a_next_link_until_a_partial_page(client: TestClient) -> None:
    url, seqs, pages = "/api/v1/events?limit=10", [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        doc = response.json()
        seqs += [e["seq"] for e in doc["events"]]
        link = response.headers.get("link")
        assert link == (None if doc["next"] is None else f'<{doc["next"]}>; rel="next"')
        full = len(doc["events"]) == 10
        immutable = response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert immutable == full
        url, pages = doc["next"], pages + 1
    assert seqs == list(range(1, 28)) and pages == 3


def test_a_cursor_past_the_head_or_past_any_integer_has_an_empty_page(client: TestClient) -> None:
    for after in (28, 2**63, 10**30):  # the head is 27; SQLite and PostgreSQL end at 2**63 - 1
        response = client.get(f"/api/v1/events?after={after}")
        assert response.status_code == 200
        assert response.json()["events"] == [] and response.json()["next"] is None
        assert response.headers["cache-control"] != "public, max-age=31536000, immutable"


def test_a_filtered_page_keeps_its_filters_in_the_next_link(client: TestClient) -> None:
    doc = get(client, f"/api/v1/events?thread={THREAD}&type=response&limit=2")
    assert [(e["id"], e["type"]) for e in doc["events"]] == [
        ("replies-delivered", "response"),
        ("replies-open-door", "response"),
    ]
    last = doc["events"][-1]["seq"]
    assert doc["next"] == f"/api/v1/events?thread={THREAD}&type=response&limit=2&after={last}"
    rest = get(client, doc["next"])
    assert [e["id"] for e in rest["events"]] == ["russia-written-reply"]
    assert rest["next"] is None


def test_an_answer_pinned_to_its_seq_is_the_same_after_a_later_append(
    client: TestClient, run_ok: Run
) -> None:
    urls = [
        f"/api/v1/asof/2022-02-02?thread={THREAD}",
        "/api/v1/diff?from=2022-02-01&to=2022-02-02",
        "/api/v1/threads?asof=2022-02-02",
        f"/api/v1/threads/{THREAD}?asof=2022-02-02",
    ]
    first = {url: client.get(url).content for url in urls}
    pinned = {url: client.get(f"{url}&at_seq=27") for url in urls}
    run_ok(
        "add", "--thread", THREAD, "--date", "2022-02-02", "--type", "meeting",
        "--actor", "France", "--actor", "Russia", "--title", "Macron calls Putin",
        "--status", "negotiating", now=LATER,
    )  # fmt: skip
    for url in urls:
        again = client.get(f"{url}&at_seq=27")
        assert again.content == first[url] == pinned[url].content
        assert again.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert again.headers["etag"] == pinned[url].headers["etag"]
        now = client.get(url)
        assert now.content != first[url] and now.json()["seq"] == 28
        assert now.headers["cache-control"] == "no-cache"


def test_a_pin_beyond_the_head_is_a_400_problem(client: TestClient) -> None:
    problem = get(client, "/api/v1/asof/2022-02-02?at_seq=28", 400)
    assert problem["detail"] == "at_seq 28 is not a position of the log (0..27)"
