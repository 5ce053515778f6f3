"""The edge of the network: Host headers the service answers (DNS rebinding), links from
where it is reached and never from the request, proxies it believes, the rate limit's
headers, caching of text searches, alias-aware filters, and the report's own policy.
Each test here failed before: any Host was served and echoed into the page's links,
behind a proxy every client shared one bucket, and the report carried no policy."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import replace

import html5lib
import pytest
from fastapi.testclient import TestClient

from tests.conftest import Run
from timeline.web import ServeConfig, create_app
from timeline.web.access import Publish

THREAD = "russia-nato-security-guarantees"
IMMUTABLE = "public, max-age=31536000, immutable"
Client = Callable[..., TestClient]


@pytest.fixture
def make_client(imported: Run, db_url: str) -> Iterator[Client]:
    opened: list[TestClient] = []

    def make(peer: str = "testclient", **settings: object) -> TestClient:
        base = ServeConfig(db=db_url, rate_limit=None, access_log=io.StringIO())
        client = TestClient(create_app(replace(base, **settings)), client=(peer, 50000))
        client.__enter__()
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


def test_a_host_the_service_does_not_answer_to_is_a_400_problem(make_client: Client) -> None:
    client = make_client(allowed_hosts=("127.0.0.1", "localhost", "::1"))
    for host in [
        "attacker.example",
        "127.0.0.1.attacker.example",
        "localhost.",
        "",
        "[127.0.0.1]attacker.example",  # not name[:port]: matched 127.0.0.1 before
        "localhost:evil.example",
    ]:
        response = client.get("/api/v1/status", headers={"Host": host})
        assert response.status_code == 400, host
        assert response.headers["content-type"] == "application/problem+json"
        assert "serve --allowed-host" in response.json()["detail"]
    for host in ["127.0.0.1:8000", "localhost", "LOCALHOST:8000", "[::1]:8000"]:
        assert client.get("/", headers={"Host": host}).status_code == 200, host


def test_the_page_links_its_feeds_from_where_it_is_reached_not_from_the_request(
    make_client: Client,
) -> None:
    client = make_client(public_url="https://timeline.example.org")
    page = client.get("/", headers={"Host": "evil.example"}).text
    assert "evil.example" not in page
    assert 'href="https://timeline.example.org/feeds/all.ics"' in page
    assert 'href="webcal://timeline.example.org/feeds/all.ics"' in page


def test_serve_names_the_hosts_and_the_public_url_it_was_given(run: Run) -> None:
    result = run("serve", "--public-url", "ftp://x")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "Error: --public-url 'ftp://x': give an http(s) address, e.g. https://host\n"
    )
    assert "--allowed-host" in run("serve", "--help").stdout


def test_behind_a_trusted_proxy_the_log_and_the_rate_limit_see_the_real_client(
    make_client: Client,
) -> None:
    log = io.StringIO()
    proxied = make_client(
        peer="10.0.0.2", forwarded_allow=("10.0.0.2",), rate_limit=1.0, access_log=log
    )
    for client_ip in ["203.0.113.7", "198.51.100.9"]:  # one request each: no shared bucket
        headers = {"X-Forwarded-For": client_ip, "X-Forwarded-Proto": "https"}
        assert proxied.get("/api/v1/status", headers=headers).status_code == 200
    clients = [json.loads(line)["client"] for line in log.getvalue().splitlines()]
    assert clients == ["203.0.113.7", "198.51.100.9"]
    # from anyone else the header is a claim, not an address
    log = io.StringIO()
    direct = make_client(peer="10.0.0.3", forwarded_allow=("10.0.0.2",), access_log=log)
    direct.get("/api/v1/status", headers={"X-Forwarded-For": "203.0.113.7"})
    assert json.loads(log.getvalue())["client"] == "10.0.0.3"


def test_rate_limited_answers_say_where_the_client_stands(make_client: Client) -> None:
    client = make_client(rate_limit=2.0)
    first = client.get("/api/v1/status")
    assert (first.headers["ratelimit-limit"], first.headers["ratelimit-remaining"]) == ("2", "1")
    client.get("/api/v1/status")
    refused = client.get("/api/v1/status")
    assert refused.status_code == 429
    assert refused.headers["ratelimit-remaining"] == "0"
    assert int(refused.headers["retry-after"]) >= 1
    assert int(refused.headers["ratelimit-reset"]) >= 1
    assert "ratelimit-limit" not in client.get("/static/page.css").headers


def test_a_reader_fetching_the_page_its_files_and_every_feed_never_meets_a_429(
    make_client: Client,
) -> None:
    client = make_client(rate_limit=ServeConfig(db="").rate_limit)  # the default
    page = client.get("/")
    assert page.status_code == 200
    doc: ET.Element = html5lib.parse(page.text, namespaceHTMLElements=False)
    wanted = [
        e.attrib.get("href") or e.attrib.get("src")
        for e in doc.iter()
        if e.tag in ("link", "script")
    ]
    feeds = [a.attrib["href"] for a in doc.iter("a") if a.attrib["href"].startswith("http://")]
    feeds = [f for f in feeds if "/feeds/" in f]
    assert len(feeds) == 5  # every thread's calendar, all of them, and what became known
    for url in [*wanted, *(re.sub(r"^https?://[^/]+", "", f) for f in feeds)]:
        assert url and client.get(url).status_code == 200, url


def test_a_text_search_is_never_sent_as_immutable(make_client: Client) -> None:
    client = make_client(publish=Publish.OPEN)
    pinned = client.get("/api/v1/asof/2022-02-02?at_seq=27")
    assert pinned.headers["cache-control"] == IMMUTABLE
    for url in [
        "/api/v1/asof/2022-02-02?at_seq=27&text=nato",
        "/api/v1/diff?from=2022-02-01&to=2022-02-02&at_seq=27&text=nato",
        "/api/v1/events?text=nato&limit=1",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["cache-control"] == "no-cache", url


def test_the_events_route_matches_an_actor_under_each_of_its_names(
    make_client: Client, imported: Run
) -> None:
    assert imported("alias", "USA", "United States").exit_code == 0
    client = make_client(publish=Publish.OPEN)
    served = client.get("/api/v1/events?actor=USA&limit=1000").json()["events"]
    cli = json.loads(imported("log", "--raw", "--actor", "USA", "--format", "json").stdout)
    assert [r["seq"] for r in served] == [r["seq"] for r in cli]
    assert len(served) > 5


def test_the_html_report_carries_a_policy_that_allows_its_own_style_and_nothing_else(
    imported: Run,
) -> None:
    out = imported("report", THREAD, "--asof", "2022-02-02", "--format", "html").stdout
    doc: ET.Element = html5lib.parse(out, namespaceHTMLElements=False)
    meta = [m for m in doc.iter("meta") if m.attrib.get("http-equiv") == "Content-Security-Policy"]
    assert len(meta) == 1
    policy = meta[0].attrib["content"]
    style = next(doc.iter("style")).text or ""
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert policy == (
        f"default-src 'none'; style-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'"
    )
    assert not list(doc.iter("script"))
