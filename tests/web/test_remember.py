"""Answers held per state of the log (``web.remember``): the same request with the same
head, day and scopes is answered from memory, a new record changes the answer at once,
a client holding the answer gets a 304 from memory, and what one reader may see is
never handed to another."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Run
from timeline.web import ServeConfig, create_app
from timeline.web import remember as remember_module

THREAD = "russia-nato-security-guarantees"
FAR = "A meeting far ahead"


@pytest.fixture
def analyst(imported: Run) -> str:
    """A read:all token, and an event recorded ahead (public only in 2099)."""
    added = imported(
        "add", "--thread", THREAD, "--date", "2099-01-01", "--type", "meeting",
        "--actor", "France", "--title", FAR, "--allow-future",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    made = imported("token", "create", "analyst", "--scope", "read:all")
    assert made.exit_code == 0, made.output
    return made.stdout.strip()


@pytest.fixture
def client(analyst: str, db_url: str) -> Iterator[TestClient]:
    config = ServeConfig(db=db_url, rate_limit=None, access_log=io.StringIO())
    with TestClient(create_app(config)) as opened:
        yield opened


def test_the_same_request_on_the_same_log_is_computed_once(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, run: Run
) -> None:
    store = client.app.state.store  # type: ignore[attr-defined]
    computed: list[object] = []
    original = store.as_of

    def counting(*args: object, **kwargs: object) -> object:
        computed.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(store, "as_of", counting)
    url = "/api/v1/asof/2022-02-02"
    first = client.get(url)
    assert first.status_code == 200 and len(computed) == 1
    again = client.get(url)
    assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
    revalidated = client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert revalidated.status_code == 304 and revalidated.content == b""
    assert len(computed) == 1  # both from memory
    # a new record: a new head, a new answer (the seq it echoes)
    assert run("retitle", THREAD, "Security guarantees, retitled").exit_code == 0
    after = client.get(url)
    assert len(computed) == 2
    assert after.json()["seq"] == first.json()["seq"] + 1
    assert after.headers["etag"] != first.headers["etag"]


def test_what_read_all_sees_is_never_handed_to_the_public(client: TestClient, analyst: str) -> None:
    url = f"/api/v1/threads/{THREAD}?asof=2099-12-31"
    everything = client.get(url, headers={"Authorization": f"Bearer {analyst}"})
    assert everything.status_code == 200 and FAR in everything.text
    public = client.get(url)
    assert public.status_code == 400  # a day after today, in the public view
    listing = "/api/v1/events?limit=1000"
    assert FAR in client.get(listing, headers={"Authorization": f"Bearer {analyst}"}).text
    assert FAR not in client.get(listing).text
    # and the other way round: the public answer first, then read:all's
    window = "/api/v1/window?from=2021-01-01&to=2099-12-31&asof=today"
    assert FAR not in client.get(window).text
    assert FAR not in client.get(window, headers={"Authorization": f"Bearer {analyst}"}).text


def test_a_held_answer_is_sent_as_the_client_takes_it(client: TestClient) -> None:
    url = "/api/v1/asof/2022-02-02"
    zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert zipped.headers.get("content-encoding") == "gzip"
    assert "content-encoding" not in plain.headers
    assert zipped.json() == plain.json()
    assert zipped.headers["etag"] == plain.headers["etag"][:-1] + '-gzip"'
    # either tag is the same content: a 304 from memory for each
    for tag in (zipped.headers["etag"], plain.headers["etag"]):
        again = client.get(url, headers={"If-None-Match": tag, "Accept-Encoding": "gzip"})
        assert again.status_code == 304


def test_the_memory_is_bounded(monkeypatch: pytest.MonkeyPatch, client: TestClient) -> None:
    held = _remembered(client)
    held.held_bytes = 20_000
    for day in ("2022-01-10", "2022-01-20", "2022-01-30", "2022-02-02", "2022-02-10"):
        assert client.get(f"/api/v1/asof/{day}").status_code == 200
    assert 0 < held.size <= 20_000
    assert held.size == sum(a.size for a in held.held.values())
    # what it is held under counts too: a long query the route ignores is no way round
    held.held_bytes = 10**6
    assert client.get("/api/v1/checkpoints", params={"junk": "x" * 8000}).status_code == 200
    (junk,) = [a for a in held.held.values() if a.asked > 8000]
    assert junk.size > 8000 + len(junk.body)


def test_a_problem_is_never_held(client: TestClient) -> None:
    held = _remembered(client)
    for _ in range(2):
        assert client.get("/api/v1/threads/no-such-thread").status_code == 404
    assert not held.held


def _remembered(client: TestClient) -> remember_module.Remembered:
    app = client.app.middleware_stack  # type: ignore[attr-defined]
    while not isinstance(app, remember_module.Remembered):
        app = app.app
    return app


def _app_over(db_url: str, shelf: Path) -> TestClient:
    config = ServeConfig(db=db_url, rate_limit=None, access_log=io.StringIO(), shelf=str(shelf))
    return TestClient(create_app(config))


def test_workers_share_what_one_computed_through_the_shelf(
    analyst: str, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(remember_module, "SHELF_OVER", 0)  # (its answers are small)
    shelf = tmp_path / "answers"
    shelf.mkdir()
    with _app_over(db_url, shelf) as first, _app_over(db_url, shelf) as second:
        computed: list[object] = []
        store = second.app.state.store  # type: ignore[attr-defined]
        original = store.as_of
        monkeypatch.setattr(store, "as_of", lambda *a, **k: computed.append(a) or original(*a, **k))
        url = "/api/v1/asof/2022-02-02"
        one = first.get(url, headers={"Accept-Encoding": "gzip"})
        other = second.get(url, headers={"Accept-Encoding": "gzip"})
        assert other.status_code == 200 and not computed  # from the shelf
        assert other.content == one.content and other.headers["etag"] == one.headers["etag"]
        assert other.headers["content-encoding"] == "gzip"
        # and what read:all sees stays under read:all's key there too
        bearer = {"Authorization": f"Bearer {analyst}"}
        assert FAR in first.get("/api/v1/events?limit=1000", headers=bearer).text
        assert FAR not in second.get("/api/v1/events?limit=1000").text


def test_a_worker_waits_for_the_answer_another_worker_is_computing(
    imported: Run, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two workers asked at once for one answer: the second waits on the first's lock
    and sends what the first kept, rather than compute it too (the calendar of a big
    log: seconds of CPU and a hundred megabytes each)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.setattr(remember_module, "SHELF_OVER", 0)
    shelf = tmp_path / "answers"
    shelf.mkdir()
    began, waiting, go = threading.Event(), threading.Event(), threading.Event()
    claim = remember_module.Shelf.claim

    def noting(self: remember_module.Shelf, key: Any) -> int | None:
        got = claim(self, key)
        if got is None:
            waiting.set()
        return got

    monkeypatch.setattr(remember_module.Shelf, "claim", noting)
    computed: list[str] = []
    with _app_over(db_url, shelf) as first, _app_over(db_url, shelf) as second:
        for name, client in (("first", first), ("second", second)):
            store = client.app.state.store  # type: ignore[attr-defined]
            original = store.as_of

            def slow(*a: Any, _name: str = name, _original: Any = original, **k: Any) -> Any:
                computed.append(_name)
                began.set()
                assert go.wait(60)
                return _original(*a, **k)

            monkeypatch.setattr(store, "as_of", slow)
        url = "/api/v1/asof/2022-02-02"
        with ThreadPoolExecutor(2) as pool:
            one = pool.submit(first.get, url)
            assert began.wait(60)  # the first is computing, its lock held
            other = pool.submit(second.get, url)
            assert waiting.wait(60)  # the second found the lock held
            go.set()
            answers = [one.result(60), other.result(60)]
    assert computed == ["first"]
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].content == answers[1].content
    assert answers[0].headers["etag"] == answers[1].headers["etag"]
    assert [p.name for p in shelf.iterdir() if p.name.startswith(".lock")] == []


def test_an_answer_too_big_to_hold_is_kept_whole_on_the_shelf(
    imported: Run, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(remember_module, "ONE_AT_MOST", 2000)
    shelf = tmp_path / "answers"
    shelf.mkdir()
    url = "/feeds/all.ics"
    with _app_over(db_url, shelf) as first:
        whole = first.get(url, headers={"Accept-Encoding": "identity"})
    assert whole.status_code == 200 and len(whole.content) > 2000
    assert [p.name for p in shelf.iterdir() if p.name.startswith(".")] == []  # no half file
    assert len(list(shelf.iterdir())) == 1, list(shelf.iterdir())
    streamed: list = []  # read from its file a piece at a time, never whole
    pieces = remember_module._send_pieces
    monkeypatch.setattr(remember_module, "PIECE", 500)
    monkeypatch.setattr(
        remember_module,
        "_send_pieces",
        lambda found, send: streamed.append(found) or pieces(found, send),
    )
    with _app_over(db_url, shelf) as second:
        store = second.app.state.store  # type: ignore[attr-defined]
        monkeypatch.setattr(store, "export_chunks", lambda *a, **k: pytest.fail("computed again"))
        again = second.get(url, headers={"Accept-Encoding": "identity"})
        assert again.content == whole.content and again.headers["etag"] == whole.headers["etag"]
        assert len(streamed) == 1 and streamed[0].body.closed
        tag = whole.headers["etag"]
        revalidated = second.get(url, headers={"If-None-Match": tag, "Accept-Encoding": "identity"})
        assert revalidated.status_code == 304


def test_the_shelf_keeps_to_its_size_and_ignores_what_is_not_an_answer(
    imported: Run, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(remember_module, "SHELF_OVER", 0)
    shelf = remember_module.Shelf(tmp_path, limit=30_000)
    (tmp_path / ("0" * 64)).write_bytes(b"not an answer")
    assert shelf.get(("/x", b"", 1, False, None)) is None
    with _app_over(db_url, tmp_path) as client:
        _remembered(client).shelf = shelf
        for day in ("2022-01-10", "2022-01-20", "2022-01-30", "2022-02-02", "2022-02-10"):
            assert client.get(f"/api/v1/asof/{day}").status_code == 200
    assert sum(p.stat().st_size for p in tmp_path.iterdir()) <= 30_000


def test_many_readers_at_once_of_one_answer_all_get_it(
    imported: Run, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Readers arriving together, as under load: each gets the answer (once a request
    looked for it on the shelf while another began computing it, and the second to end
    found its place in the table taken: a 500)."""
    from concurrent.futures import ThreadPoolExecutor

    with _app_over(db_url, tmp_path) as client:
        store = client.app.state.store  # type: ignore[attr-defined]
        computed: list[object] = []
        original = store.as_of
        monkeypatch.setattr(store, "as_of", lambda *a, **k: computed.append(a) or original(*a, **k))
        urls = [f"/api/v1/asof/2022-02-0{1 + n % 3}" for n in range(60)]
        with ThreadPoolExecutor(20) as pool:
            answers = list(pool.map(client.get, urls))
    assert all(a.status_code == 200 for a in answers), {a.status_code for a in answers}
    by_url: dict[str, set[bytes]] = {}
    for url, a in zip(urls, answers, strict=True):
        by_url.setdefault(url, set()).add(a.content)
    assert all(len(bodies) == 1 for bodies in by_url.values())
    assert len(computed) < len(urls)  # most from memory or the shelf


def test_a_shelf_that_cannot_be_written_costs_nothing_but_itself(
    imported: Run, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(remember_module, "ONE_AT_MOST", 2000)
    monkeypatch.setattr(remember_module, "SHELF_OVER", 0)
    shelf = tmp_path / "answers"
    shelf.mkdir()
    with _app_over(db_url, shelf) as client:
        shelf.rmdir()  # gone (a full disk answers the same: OSError)
        big = client.get("/feeds/all.ics", headers={"Accept-Encoding": "identity"})
        small = client.get("/api/v1/asof/2022-02-02")
    assert big.status_code == 200 and big.content.endswith(b"END:VCALENDAR\r\n")
    assert small.status_code == 200 and small.json()["threads"]


def test_an_answer_made_from_a_wrong_projection_is_not_held_past_its_rebuild(
    client: TestClient, db_url: str, run: Run
) -> None:
    from sqlalchemy import create_engine, text

    from timeline.storage.db import resolve_url

    engine = create_engine(resolve_url(db_url))
    try:  # the stored titles changed behind timeline's back: no record, the same head
        with engine.begin() as conn:
            conn.execute(text("UPDATE thread_states SET title = 'Wrong'"))
    finally:
        engine.dispose()

    def titles() -> set[str]:
        return {t["title"] for t in client.get("/api/v1/threads").json()["threads"]}

    assert "Wrong" in titles()  # wrong, and held
    assert run("rebuild", "--only", "states").exit_code == 0
    assert "Wrong" not in titles()  # made again from the rebuilt states


@pytest.mark.parametrize("encoding", ["identity", "gzip"])
def test_a_calendar_made_in_a_file_is_the_one_made_in_memory(
    imported: Run, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, encoding: str
) -> None:
    """A whole export past caching.IN_MEMORY is made in a temporary file, gzipped there,
    and sent from it a piece at a time: the same bytes (once unzipped), the same tag,
    the same 304, as when it is made in memory."""
    from timeline.web import caching

    asked = {"Accept-Encoding": encoding}
    config = ServeConfig(db=db_url, rate_limit=None, access_log=io.StringIO())
    with TestClient(create_app(config)) as client:  # (no shelf: only the route's own)
        _remembered(client).held_bytes = 0  # nothing held: each answer made anew
        in_memory = client.get("/feeds/all.ics", headers=asked)
        monkeypatch.setattr(caching, "IN_MEMORY", 1000)
        monkeypatch.setattr(caching, "PIECE", 700)
        sent: list[caching._FileAnswer] = []

        class Sent(caching._FileAnswer):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                sent.append(self)

        monkeypatch.setattr(caching, "_FileAnswer", Sent)
        in_a_file = client.get("/feeds/all.ics", headers=asked)
        assert len(sent) == 1 and sent[0].file.closed  # sent from its file, which is gone
        tag = in_a_file.headers["etag"]
        held = client.get("/feeds/all.ics", headers={**asked, "If-None-Match": tag})
    assert in_memory.status_code == in_a_file.status_code == 200
    assert in_a_file.headers.get("content-encoding") == in_memory.headers.get("content-encoding")
    assert in_a_file.content == in_memory.content  # (the client unzips both)
    assert len(in_a_file.content) > 1000 and in_a_file.content.endswith(b"END:VCALENDAR\r\n")
    assert tag == in_memory.headers["etag"] and held.status_code == 304
    if encoding == "gzip":
        assert in_a_file.headers["content-encoding"] == "gzip"
        assert int(in_a_file.headers["content-length"]) < len(in_a_file.content)


@pytest.mark.parametrize("size", [500, 5000])  # held in memory / passed on and shelved
def test_an_answer_cut_off_is_never_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    """A route whose answer stops before its last piece (a streamed answer whose reader
    left) leaves nothing held and nothing on the shelf: the next reader gets it whole."""
    import asyncio

    monkeypatch.setattr(remember_module, "ONE_AT_MOST", 2000)
    monkeypatch.setattr(remember_module, "_key", lambda scope: ("/feeds/all.ics", b"", 1))
    sent: list[dict] = []

    async def cut_off(scope: dict, receive: object, send: object) -> None:
        start = {"type": "http.response.start", "status": 200, "headers": [(b"etag", b'"x"')]}
        await send(start)  # type: ignore[operator]
        await send({"type": "http.response.body", "body": b"a" * size, "more_body": True})  # type: ignore[operator]

    async def receive() -> dict:
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    shelf = tmp_path / "shelf"
    shelf.mkdir()
    remembered = remember_module.Remembered(cut_off, shelf=remember_module.Shelf(shelf))  # type: ignore[arg-type]
    scope = {"type": "http", "method": "GET", "path": "/feeds/all.ics", "query_string": b""}
    scope["headers"] = []
    asyncio.run(remembered(scope, receive, send))  # type: ignore[arg-type]
    assert all(m.get("status", 200) == 200 for m in sent)  # (a big one: what there was)
    assert remembered.held == {} and list(shelf.iterdir()) == []
