"""What `timeline serve` publishes, and to whom: the public view (what is public as of
today, and nothing else), a private service (a token for everything, the page through
a sign-in form), scopes (read, read:all, write, admin), and token digests never served.
Each test here failed before the publication model: every route handed everything to
anyone, `?as=` included, and `/api/v1/events` gave out the token records."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Run, count_rows
from timeline.web import ServeConfig, create_app
from timeline.web.access import Publish

THREAD = "russia-nato-security-guarantees"
NOW = "2026-11-29T08:00:00Z"
FAR = "A meeting far ahead"
Client = Callable[..., TestClient]


@pytest.fixture
def tokens(imported: Run) -> dict[str, str]:
    """A token of each kind, and an event known only in 2099 (recorded ahead)."""
    added = imported(
        "add", "--thread", THREAD, "--date", "2099-01-01", "--type", "meeting",
        "--actor", "France", "--title", FAR, "--allow-future", now=NOW,
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    out = {}
    for name, scopes in [
        ("reader", ["read"]),
        ("analyst", ["read:all"]),
        ("desk", ["write"]),
        ("operator", ["admin"]),
    ]:
        args = [a for s in scopes for a in ("--scope", s)]
        result = imported("token", "create", name, *args, now=NOW)
        assert result.exit_code == 0, result.output
        out[name] = result.stdout.strip()
    return out


@pytest.fixture
def make_client(tokens: dict[str, str], db_url: str) -> Iterator[Client]:
    opened: list[TestClient] = []

    def make(**settings: object) -> TestClient:
        base = ServeConfig(db=db_url, rate_limit=None, access_log=io.StringIO())
        client = TestClient(create_app(replace(base, **settings)))
        client.__enter__()
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def problem(response: object, status: int) -> str:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    return str(response.json()["detail"])  # type: ignore[attr-defined]


PAST_DAY_READS = [
    "/api/v1/asof/2022-02-02",
    f"/api/v1/threads/{THREAD}?asof=2022-02-02",
    "/api/v1/threads?asof=2022-02-02",
    "/api/v1/diff?from=2022-02-01&to=2022-02-02",
    "/feeds/all.ics?asof=2022-02-02",
    "/?asof=2022-02-02",
]
EVERY_READ = [
    *PAST_DAY_READS,
    "/",
    "/api/v1/status",
    "/api/v1/threads",
    f"/api/v1/threads/{THREAD}",
    "/api/v1/events?limit=1000",
    f"/api/v1/events/{THREAD}/replies-open-door",
    "/feeds/all.ics",
    f"/feeds/threads/{THREAD}.ics",
    "/export/timelinejs.json",
    "/export/events.jsonl",
    "/api/v1/tokens",
]


def test_the_public_view_refuses_days_after_today_and_viewpoints(make_client: Client) -> None:
    client = make_client()
    for url in [
        "/api/v1/asof/2099-01-02",
        "/api/v1/threads?asof=2099-01-02",
        f"/api/v1/threads/{THREAD}?asof=2099-01-02",
        "/api/v1/diff?from=2022-02-01&to=2099-01-02",
        "/feeds/all.ics?asof=2099-01-02",
        "/export/timelinejs.json?asof=2099-01-02",
        "/?asof=2099-01-02",
    ]:
        assert "is after today" in problem(client.get(url), 400), url
    for url in [
        "/api/v1/asof/2022-01-28?as=Russia",
        f"/api/v1/threads/{THREAD}?asof=2022-01-28&as=Russia",
        "/api/v1/diff?from=2022-01-27&to=2022-01-28&as=Russia",
        "/feeds/all.ics?asof=2022-01-28&as=Russia",
    ]:
        assert problem(client.get(url), 403) == "as: viewpoints need a token holding read:all"
    assert problem(client.get("/export/events.jsonl"), 403) == (
        "the event files to share needs a token holding read:all"
    )


def test_the_public_view_serves_nothing_known_after_today_nor_who_knew_early(
    make_client: Client, tokens: dict[str, str], db_url: str
) -> None:
    client = make_client()
    for url in EVERY_READ:
        response = client.get(url)
        if response.status_code != 200:
            continue
        body = response.text
        assert FAR not in body, url
        assert "known_to" not in body and "KNOWN-TO" not in body, url
        assert "recorded_by" not in body, url
    # parties know their own events on their dates (public facts); Russia's earlier
    # knowledge of the replies is the log's known_to, which the public view leaves out
    assert "known to Russia" not in client.get("/export/timelinejs.json").text
    log = client.get("/api/v1/events?limit=1000").json()["events"]
    assert {r["thread"] for r in log} == {
        "arms-control-missile-deployment",
        THREAD,
        "russian-troops-georgia-moldova-ukraine",
    }
    status = client.get("/api/v1/status").json()
    assert status["records"] == status["seq"] == count_rows(db_url)
    # a token that reads the public view sees the same
    assert client.get("/api/v1/events?limit=1000", headers=bearer(tokens["reader"])).json() == {
        "events": log,
        "next": None,
    }


def test_read_all_sees_what_is_not_public_yet_and_every_viewpoint(
    make_client: Client, tokens: dict[str, str]
) -> None:
    client = make_client()
    everything = bearer(tokens["analyst"])
    log = client.get("/api/v1/events?limit=1000", headers=everything).text
    assert FAR in log and "known_to" in log
    assert "known to Russia" in client.get("/export/timelinejs.json", headers=everything).text
    assert client.get("/api/v1/asof/2022-01-28?as=Russia", headers=everything).status_code == 200
    assert client.get("/api/v1/asof/2099-01-02", headers=everything).status_code == 200
    assert client.get("/export/events.jsonl", headers=everything).status_code == 200
    # the listing says where each thread stands today: the meeting of 2099 lies ahead
    listed = client.get("/api/v1/threads", headers=everything).json()["threads"]
    assert listed == client.get("/api/v1/threads").json()["threads"]
    assert {t["thread"]: t["last"]["date"] for t in listed}[THREAD] == "2022-02-17"
    assert problem(client.get("/api/v1/tokens", headers=everything), 403) == (
        "this token's scopes do not include admin"
    )


def test_no_route_in_any_mode_serves_a_token_or_its_digest(
    make_client: Client, tokens: dict[str, str]
) -> None:
    secrets = [*tokens.values(), *(hashlib.sha256(t.encode()).hexdigest() for t in tokens.values())]
    for publish in Publish:
        client = make_client(publish=publish)
        for token in [None, *tokens.values()]:
            headers = {} if token is None else bearer(token)
            for url in EVERY_READ:
                body = client.get(url, headers=headers).text
                assert not any(s in body for s in secrets), (publish, url)
    admin = make_client().get("/api/v1/tokens", headers=bearer(tokens["operator"])).json()
    assert [(t["name"], t["scopes"], t["revoked"]) for t in admin["tokens"]] == [
        ("reader", ["read"], None),
        ("analyst", ["read:all"], None),
        ("desk", ["write"], None),
        ("operator", ["admin"], None),
    ]


def test_recorded_by_is_published_only_when_the_operator_says_so(
    make_client: Client, tokens: dict[str, str]
) -> None:
    writer = make_client()
    event = {
        "thread": THREAD, "id": "us-doors-open", "date": "2022-02-03", "type": "statement",
        "actors": ["United States"], "title": "US says NATO's doors stay open",
    }  # fmt: skip
    response = writer.post("/api/v1/events", json=event, headers=bearer(tokens["desk"]))
    assert response.status_code == 201, response.text
    url = f"/api/v1/events/{THREAD}/us-doors-open"
    assert "recorded_by" not in writer.get(url).json()
    assert make_client(show_recorded_by=True).get(url).json()["recorded_by"] == "desk"


def test_a_private_service_answers_only_a_token_that_reads(
    make_client: Client, tokens: dict[str, str]
) -> None:
    client = make_client(publish=Publish.PRIVATE)
    for url in EVERY_READ:
        response = client.get(url)
        assert response.status_code == 401, url
        assert "token" in response.text
    assert client.get("/api/v1/health").status_code == 200
    assert client.get("/static/page.css").status_code == 200
    feed = client.get("/feeds/all.ics")
    assert feed.headers["www-authenticate"] == 'Basic realm="timeline", charset="UTF-8"'
    # a calendar app sends the token as a Basic password
    assert client.get("/feeds/all.ics", auth=("me", tokens["reader"])).status_code == 200
    reader = bearer(tokens["reader"])
    assert client.get("/api/v1/asof/2022-02-02", headers=reader).status_code == 200
    assert problem(client.get("/api/v1/asof/2022-01-28?as=Russia", headers=reader), 403)
    assert problem(client.get("/api/v1/asof/2022-02-02", headers=bearer("tl_nope")), 401) == (
        "this token was never granted"
    )


def test_the_page_of_a_private_service_signs_in_by_a_form_and_a_cookie(
    make_client: Client, tokens: dict[str, str], imported: Run, db_url: str
) -> None:
    log = io.StringIO()
    client = make_client(publish=Publish.PRIVATE, access_log=log)
    first = client.get("/")
    assert first.status_code == 401 and '<form class="sign-in" method="post"' in first.text
    assert "form-action 'self'" in first.headers["content-security-policy"]
    refused = client.post("/session", data={"token": "tl_nope"}, follow_redirects=False)
    assert refused.status_code == 401 and "not a token in force" in refused.text
    signed = client.post("/session", data={"token": tokens["reader"]}, follow_redirects=False)
    assert (signed.status_code, signed.headers["location"]) == (303, "/")
    cookie = signed.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    page = client.get("/?asof=2022-02-02")
    assert page.status_code == 200 and "Russia–US/NATO security guarantees" in page.text
    # the cookie reads, it never writes: no other site can make a browser write
    rows = count_rows(db_url)
    post = client.post("/api/v1/events", json={"thread": THREAD})
    assert post.status_code == 401
    assert count_rows(db_url) == rows
    assert tokens["reader"] not in log.getvalue()
    # a revoked token's cookie is as none: the form again
    assert imported("token", "revoke", "reader", now=NOW).exit_code == 0
    assert client.get("/").status_code == 401
    out = client.post("/session/end", follow_redirects=False)
    assert out.status_code == 303 and 'timeline_token=""' in out.headers["set-cookie"]


def test_a_write_is_refused_before_its_body_is_read(
    make_client: Client, tokens: dict[str, str], db_url: str
) -> None:
    client = make_client()
    rows = count_rows(db_url)
    junk = b"{" + b"x" * (1024 * 1024 - 2)  # 1 MB that is not JSON
    for headers, status in [
        ({}, 401),
        (bearer("tl_nope"), 401),
        (bearer(tokens["reader"]), 403),
        (bearer(tokens["analyst"]), 403),
    ]:
        response = client.post(
            "/api/v1/events", content=junk, headers={**headers, "Content-Type": "application/json"}
        )
        assert response.status_code == status, response.text
    assert count_rows(db_url) == rows
    written = client.post("/api/v1/events", content=junk, headers=bearer(tokens["desk"]))
    assert written.status_code == 422  # a holder of write is read, and told what is wrong


def test_open_publishing_is_refused_on_any_address_but_loopback(run: Run) -> None:
    result = run("serve", "--host", "0.0.0.0", "--publish", "open")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "Error: --publish open serves everything to anyone: only on a loopback address "
        "(127.0.0.1, ::1, localhost), not 0.0.0.0\n"
    )


def test_a_token_granted_before_scopes_writes_and_reads_the_public_view(
    imported: Run, db_url: str
) -> None:
    import datetime as dt

    from timeline import api
    from timeline.core.access import token_digest
    from timeline.core.model import TOKENS, Token
    from timeline.formats.render import record_dict
    from timeline.usecases import open_store
    from timeline.usecases._append import append

    store = open_store(db_url)
    try:
        old = Token(TOKENS, "token-1", "old-desk", token_digest("tl_old"), dt.date(2026, 11, 28))
        with store.writing([TOKENS]) as w:
            (record,) = append(w, [(old, None)], dt.datetime(2026, 11, 28, 12, tzinfo=dt.UTC))
        assert '"scopes"' not in json.dumps(record_dict(record))  # as the old version wrote it
        assert api.Timeline.over(store).token_holder("tl_old").scopes == frozenset(
            {"read", "write"}
        )
    finally:
        store.close()
    assert "old-desk  write  granted" in imported("token", "list").stdout
    assert imported("verify").exit_code == 0


@pytest.fixture
def secrets_ahead(tokens: dict[str, str], imported: Run) -> dict[str, str]:
    """What is recorded ahead of its day: a correction of a public event, a thread, an
    actor and an issue that only 2099's records name."""
    for args in [
        (
            "correct", f"{THREAD}/replies-open-door", "--title", "SECRETFUTURETITLE",
            "--known", "2099-02-01", "--allow-future",
        ),
        (
            "add", "--thread", "secret-summit", "--date", "2099-05-01", "--type", "meeting",
            "--actor", "Narnia", "--title", "A summit", "--thread-title", "SECRET SUMMIT",
            "--position", "Narnia|secrecy|kept", "--allow-future",
        ),
    ]:  # fmt: skip
        result = imported(*args, now=NOW)
        assert result.exit_code == 0, result.output
    return tokens


def test_a_text_search_in_the_public_view_reads_the_texts_as_they_are_today(
    make_client: Client, secrets_ahead: dict[str, str]
) -> None:
    # before: ?text=SECRETFUT found the event whose title a 2099 correction sets
    client = make_client()
    for words in ["SECRETFUT", "Far", "summit"]:
        doc = client.get(f"/api/v1/events?text={words}&limit=1").json()
        assert doc == {"events": [], "next": None}, words
    everything = bearer(secrets_ahead["analyst"])
    found = client.get("/api/v1/events?text=SECRETFUT", headers=everything).json()["events"]
    assert any("SECRETFUTURETITLE" in json.dumps(r) for r in found)


def test_a_public_cursor_never_points_at_a_record_not_public_yet(
    make_client: Client, secrets_ahead: dict[str, str]
) -> None:
    client = make_client()
    served, url = [], "/api/v1/events?limit=1"
    while url:
        doc = client.get(url).json()
        served += [r["seq"] for r in doc["events"]]
        url = doc["next"]
        if url:  # the cursor is the last record served
            assert url.endswith(f"after={served[-1]}"), url
    everything = client.get("/api/v1/events?limit=1000", headers=bearer(secrets_ahead["analyst"]))
    hidden = {r["seq"] for r in everything.json()["events"]} - set(served)
    assert hidden and not hidden & set(served)


def test_a_thread_or_a_name_only_later_records_give_is_as_unknown_as_none(
    make_client: Client, secrets_ahead: dict[str, str]
) -> None:
    client = make_client()
    for known_later, never in [("secret-summit", "never-recorded")]:
        for url in [
            "/feeds/threads/{}.ics",
            "/export/timelinejs.json?thread={}",
            "/api/v1/events?thread={}",
            "/api/v1/asof/2022-02-02?thread={}",
            "/api/v1/threads/{}?asof=2022-02-02",
            "/api/v1/threads/{}",
            "/api/v1/events/{}/x",
        ]:
            later, none = client.get(url.format(known_later)), client.get(url.format(never))
            assert later.status_code == none.status_code == 404, url
            assert later.json()["detail"].replace(known_later, never) == none.json()["detail"]
            assert "SECRET SUMMIT" not in later.text
    for param, known_later, never in [("actor", "Narnia", "Atlantis"), ("issue", "secrecy", "zzz")]:
        for url in [
            "/api/v1/events?{}={}",
            "/api/v1/asof/2022-02-02?{}={}",
            "/feeds/all.ics?{}={}",
        ]:
            later = client.get(url.format(param, known_later))
            none = client.get(url.format(param, never))
            assert later.status_code == none.status_code == 422, url
            assert later.json()["detail"] == f"no {param} {known_later!r} in the log"
    everything = bearer(secrets_ahead["analyst"])
    assert client.get("/feeds/threads/secret-summit.ics", headers=everything).status_code == 200
    assert client.get("/api/v1/events?actor=Narnia", headers=everything).status_code == 200


def test_an_unauthenticated_body_of_any_size_or_framing_is_refused_before_it_is_read(
    make_client: Client, tokens: dict[str, str]
) -> None:
    # before: 413 for 2 MB without a token (the size was checked first), and a chunked
    # body was read before the token was looked at
    client = make_client()
    big = b"x" * (2 * 1024 * 1024)
    for headers in [{}, bearer("tl_nope")]:
        assert client.post("/api/v1/events", content=big, headers=headers).status_code == 401

    def chunks() -> Iterator[bytes]:
        yield b"{"
        raise AssertionError("the body was read")

    response = client.post("/api/v1/events", content=chunks())
    assert response.status_code == 401
    written = client.post("/api/v1/events", content=big, headers=bearer(tokens["desk"]))
    assert written.status_code == 413
