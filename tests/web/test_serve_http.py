"""`timeline serve` as HTTP: conditional answers, problems, the body and rate limits,
CORS, the security headers and the access log, the feeds as calendar clients read them,
the OpenAPI document, and one real server process on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar

from tests.conftest import EVENTS, NOW, Run, stop
from timeline.web import ServeConfig, create_app
from timeline.web.access import Publish
from timeline.web.caching import GZIP_OVER, accepts_gzip
from timeline.web.guard import Buckets
from timeline.web.problems import http_words
from timeline.web.warm import WARMED

THREAD = "russia-nato-security-guarantees"
IMMUTABLE = "public, max-age=31536000, immutable"
Client = Callable[..., TestClient]


@pytest.fixture
def make_client(imported: Run, db_url: str) -> Iterator[Client]:
    """A client of an app over the bundled events, with the settings given (by default
    everything published: what each mode cuts is tested in test_serve_publish)."""
    opened: list[TestClient] = []

    def make(**settings: object) -> TestClient:
        config = replace(ServeConfig(db=db_url, rate_limit=None, publish=Publish.OPEN), **settings)
        client = TestClient(create_app(config))
        client.__enter__()
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Client) -> TestClient:
    return make_client()


READS = [
    "/api/v1/status",
    "/api/v1/threads",
    f"/api/v1/threads/{THREAD}?asof=2022-02-01",
    "/api/v1/asof/2022-02-02?as=Russia",
    "/api/v1/diff?from=2022-02-01&to=2022-02-02",
    "/api/v1/events?limit=5",
    f"/api/v1/events/{THREAD}/replies-open-door",
    "/feeds/all.ics",
    f"/feeds/threads/{THREAD}.ics",
    "/export/timelinejs.json?asof=2022-02-02",
    "/export/events.jsonl",
]


@pytest.mark.parametrize("url", READS)
def test_every_read_answers_304_to_its_own_etag(client: TestClient, url: str) -> None:
    first = client.get(url)
    assert first.status_code == 200
    tag = first.headers["etag"]
    assert tag.startswith('"') and not tag.startswith("W/")
    again = client.get(url, headers={"If-None-Match": f'"other", {tag}'})
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", tag)
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    assert client.head(url).headers["etag"] == tag


@pytest.mark.parametrize("url", READS)
def test_a_client_that_takes_gzip_gets_the_same_bytes_gzipped_under_their_own_tag(
    client: TestClient, url: str
) -> None:
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    packed = client.get(url, headers={"Accept-Encoding": "br;q=1.0, gzip;q=0.8"})
    if len(plain.content) <= GZIP_OVER:  # too small to gain
        assert "content-encoding" not in packed.headers
        assert packed.headers["etag"] == plain.headers["etag"]
        return
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.headers["vary"] == plain.headers["vary"] == "Accept-Encoding"
    assert int(packed.headers["content-length"]) < len(plain.content)
    assert packed.content == plain.content  # decoded by the client: the same answer
    tags = plain.headers["etag"], packed.headers["etag"]
    assert tags[1] == tags[0][:-1] + '-gzip"'
    for held in tags:  # a cache holding either representation is up to date
        for encoding in ("gzip", "identity"):
            again = client.get(url, headers={"If-None-Match": held, "Accept-Encoding": encoding})
            assert again.status_code == 304, (held, encoding)
    refused = client.get(url, headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "content-encoding" not in refused.headers


def test_accept_encoding_is_read_as_rfc_9110_writes_it() -> None:
    assert accepts_gzip("gzip") and accepts_gzip("deflate, GZIP;q=0.5") and accepts_gzip("*")
    assert not accepts_gzip(None) and not accepts_gzip("") and not accepts_gzip("br, deflate")
    assert not accepts_gzip("gzip;q=0") and not accepts_gzip("*, gzip;q=0")
    assert not accepts_gzip("gzip;q=zero") and accepts_gzip("x-gzip")


@pytest.mark.parametrize(
    "day", ["2022-02-30", "20220202", "2022-2-2", "1643760000", "tomorrow", "Today"]
)
def test_a_day_not_written_yyyy_mm_dd_is_a_400_problem(client: TestClient, day: str) -> None:
    for url in [
        f"/api/v1/asof/{day}",
        f"/api/v1/threads?asof={day}",
        f"/api/v1/diff?from=2022-02-01&to={day}",
        f"/feeds/all.ics?asof={day}",
    ]:
        response = client.get(url)
        assert response.status_code == 400, url
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert set(problem) == {"type", "title", "status", "detail"}
        assert (problem["title"], problem["status"]) == ("Bad Request", 400)
        assert day in problem["detail"]


def test_today_and_yesterday_are_days_wherever_a_day_is(client: TestClient) -> None:
    today = client.get("/api/v1/asof/today").json()
    yesterday = client.get("/api/v1/asof/yesterday").json()
    day = dt.date.fromisoformat(today["as_of"])
    assert dt.date.fromisoformat(yesterday["as_of"]) == day - dt.timedelta(days=1)
    assert client.get(f"/api/v1/asof/{day.isoformat()}").json() == today
    listed = client.get("/api/v1/threads?asof=yesterday").json()
    assert listed["as_of"] == yesterday["as_of"]
    changes = client.get("/api/v1/diff?from=yesterday&to=today").json()
    assert (changes["from"], changes["to"]) == (yesterday["as_of"], today["as_of"])
    assert client.get("/feeds/all.ics?asof=today").status_code == 200


def test_a_parameter_of_the_wrong_kind_is_a_422_problem_naming_it(client: TestClient) -> None:
    for url, name in [
        ("/api/v1/events?limit=0", "limit"),
        ("/api/v1/events?after=x", "after"),
        ("/api/v1/asof/2022-02-02?at_seq=-1", "at_seq"),
        ("/api/v1/diff?from=2022-02-01", "to"),
    ]:
        response = client.get(url)
        assert response.status_code == 422, url
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["detail"].startswith(f"query parameter '{name}': ")
        assert problem["errors"][0]["name"] == name


def test_a_name_the_log_does_not_use_is_a_422_problem_with_a_hint(client: TestClient) -> None:
    problem = client.get("/api/v1/asof/2022-01-28?as=Rusia").json()
    assert problem["status"] == 422
    assert problem["detail"] == "no actor 'Rusia' in the log; did you mean 'Russia'?"


def test_an_unknown_path_or_method_is_a_problem_too(client: TestClient) -> None:
    missing = client.get("/api/v1/nothing")
    assert (missing.status_code, missing.json()["detail"]) == (
        404,
        "no such resource: /api/v1/nothing",
    )
    assert client.delete("/api/v1/status").headers["content-type"] == "application/problem+json"
    assert client.get("/redoc").status_code == 404  # FastAPI's own pages load from a CDN: off


def test_a_request_body_over_1_mb_is_refused_with_413(client: TestClient) -> None:
    big = client.post("/api/v1/events", content=b"x" * (1024 * 1024 + 1))
    assert big.status_code == 413
    assert big.json()["detail"] == "the request body is larger than 1048576 bytes"

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams in
        for _ in range(17):
            yield b"x" * 65536

    assert client.post("/api/v1/events", content=chunks()).status_code == 413
    assert client.post("/api/v1/events", content=b"x" * 10).status_code == 405


def test_past_the_rate_limit_a_client_gets_429_with_retry_after(make_client: Client) -> None:
    client = make_client(rate_limit=0.5)  # one request, then one every 2 s
    assert client.get("/api/v1/status").status_code == 200
    refused = client.get("/api/v1/status")
    assert refused.status_code == 429 and refused.headers["retry-after"] in ("1", "2")
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["detail"].startswith("more than 0.5 requests a second; retry in ")
    assert client.get("/api/v1/health").status_code == 200  # a load balancer is never refused


def test_a_bucket_refills_at_the_rate_and_holds_a_burst_of_it() -> None:
    now = [100.0]
    buckets = Buckets(4, clock=lambda: now[0])
    assert [buckets.take("a") for _ in range(4)] == [0.0] * 4
    assert buckets.take("a") == pytest.approx(0.25)
    assert buckets.take("b") == 0.0  # each client has its own
    now[0] += 0.25
    assert buckets.take("a") == 0.0
    now[0] += 60
    assert [buckets.take("a") for _ in range(5)][-1] > 0  # the burst is the rate, no more


def test_cors_is_off_unless_an_origin_is_named(make_client: Client) -> None:
    origin = {"Origin": "https://news.example.org"}
    off = make_client().get("/api/v1/status", headers=origin)
    assert "access-control-allow-origin" not in off.headers
    on = make_client(cors=("https://news.example.org",))
    allowed = on.get("/api/v1/status", headers=origin)
    assert allowed.headers["access-control-allow-origin"] == "https://news.example.org"
    assert "ETag" in allowed.headers["access-control-expose-headers"]
    other = on.get("/api/v1/status", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_every_response_is_logged_as_one_json_line_with_its_security_headers(
    make_client: Client,
) -> None:
    log = io.StringIO()
    client = make_client(access_log=log)
    for url in ("/api/v1/asof/2022-02-02?thread=" + THREAD, "/api/v1/asof/2022-02-30"):
        response = client.get(url)
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
    lines = [json.loads(line) for line in log.getvalue().splitlines()]
    assert [(x["method"], x["path"], x["query"], x["status"]) for x in lines] == [
        ("GET", "/api/v1/asof/2022-02-02", f"thread={THREAD}", 200),
        ("GET", "/api/v1/asof/2022-02-30", "", 400),
    ]
    assert all(x["ms"] >= 0 and x["client"] == "testclient" for x in lines)


def test_a_feed_reads_in_two_independent_calendar_parsers(client: TestClient, run: Run) -> None:
    from ical.calendar_stream import IcsCalendarStream

    response = client.get(f"/feeds/threads/{THREAD}.ics")
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.headers["content-disposition"] == f'inline; filename="{THREAD}.ics"'
    assert response.content == run("export", "ics", "--thread", THREAD).stdout_bytes
    ours = [str(e["UID"]) for e in Calendar.from_ical(response.content).walk("VEVENT")]
    strict = IcsCalendarStream.calendar_from_ics(response.text).events
    assert sorted(ours) == sorted(e.uid for e in strict)
    assert f"{THREAD}/replies-open-door@timeline" in ours and len(ours) == 14
    everything = client.get("/feeds/all.ics?asof=2022-02-01")
    assert len(Calendar.from_ical(everything.content).walk("VEVENT")) == 17


def test_the_exports_are_the_cli_exports(client: TestClient, run: Run) -> None:
    timelinejs = client.get("/export/timelinejs.json?asof=2022-02-02")
    cli = run("export", "timelinejs", "--asof", "2022-02-02")
    assert timelinejs.json() == json.loads(cli.stdout)
    shared = client.get(f"/export/events.jsonl?thread={THREAD}")
    assert shared.content == run("export", "events", "--thread", THREAD).stdout_bytes


def test_the_openapi_document_gives_every_error_as_a_problem(client: TestClient) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    found = set(doc["components"]["schemas"])
    assert "Problem" in found and not found & {"HTTPValidationError", "ValidationError"}
    operations = [op for path in doc["paths"].values() for op in path.values()]
    assert len(operations) == 22  # with /api/v1/tokens, for a token holding admin
    for op in operations:
        for code, response in op["responses"].items():
            if code[0] in "45":
                assert list(response["content"]) == ["application/problem+json"], (op, code)
        assert {"304", "429"} <= set(op["responses"])
    asof = doc["paths"]["/api/v1/asof/{date}"]["get"]
    assert {"400", "404", "422"} <= set(asof["responses"])
    names = {p["name"] for p in asof["parameters"]}
    assert names == {
        "date",
        "thread",
        "as",
        "at_seq",
        "actor",
        "type",
        "issue",
        "status",
        "text",
    } | {
        "limit",
        "after",
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_timeline_serve_answers_over_a_real_socket(tmp_path: Path) -> None:
    db = tmp_path / "served.db"
    env = {**os.environ, "TIMELINE_DB": str(db), "TIMELINE_NOW": NOW}
    timeline = [sys.executable, "-m", "timeline"]
    done = subprocess.run([*timeline, "import", str(EVENTS)], env=env, capture_output=True)
    assert done.returncode == 0, done.stderr
    port = _free_port()
    server = subprocess.Popen(
        [*timeline, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/api/v1/health"
        for _ in range(200):
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    assert json.load(response) == {"status": "ok", "seq": 27}
                    break
            except OSError:
                assert server.poll() is None, server.communicate()[1]
                time.sleep(0.1)
        else:
            pytest.fail("timeline serve did not answer within 20 s")
    finally:
        _, stderr = stop(server)
    access = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    assert [(x["path"], x["status"], x["client"]) for x in access if x["client"] != "warm"] == [
        ("/api/v1/health", 200, "127.0.0.1")
    ]
    # what the workers made ahead, as a reader without a token (web.warm)
    warm = {(x["path"], x["status"]) for x in access if x["client"] == "warm"}
    assert warm <= {(path, 200) for path in WARMED}
    site = f"http://127.0.0.1:{port}"
    assert stderr.splitlines()[0] == (
        f"The page: {site}/ (the API: {site}/api/v1, its reference: {site}/docs); Ctrl-C stops"
    )


def test_serve_refuses_a_database_that_is_not_there_in_one_line(tmp_path: Path, run: Run) -> None:
    missing = tmp_path / "missing.db"
    result = run("serve", env={"TIMELINE_DB": str(missing)})
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: no database at {missing}")
    assert not missing.exists()


def test_timeline_help_loads_neither_fastapi_nor_uvicorn() -> None:
    code = (
        "import sys\nfrom timeline.cli import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('fastapi', 'starlette', 'uvicorn', 'pydantic') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines()[-1] == "[]"


@pytest.mark.parametrize(
    ("library", "http"),
    [
        ("no 'x'; `timeline threads` lists them", "no 'x'; GET /api/v1/threads lists them"),
        ("no checkpoint: `timeline checkpoint` signs one", "no checkpoint yet"),
        ("no size 7: `timeline checkpoints`", "no size 7 (GET /api/v1/checkpoints lists them)"),
        ("no actor 'X' (or make it an alias: `timeline alias`)", "no actor 'X'"),
        ("'x' holds a token: `timeline token revoke` it first", "'x' holds a token"),
        ("x: bad (`timeline verify` names it)", "x: bad"),
        ("a plain sentence, with a comma", "a plain sentence, with a comma"),
    ],
)  # fmt: skip
def test_a_problem_names_a_route_never_a_command(library: str, http: str) -> None:
    assert http_words(library) == http
