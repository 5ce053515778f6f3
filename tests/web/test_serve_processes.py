"""Two `timeline serve` processes on one database (PostgreSQL when the suite has a
server; an SQLite file too): the same answers from both, and a write through one is
there through the other on the very next request."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.conftest import EVENTS, NOW, stop

THREAD = "russia-nato-security-guarantees"
EVENT = {
    "thread": THREAD,
    "id": "us-doors-open",
    "date": "2022-02-03",
    "type": "statement",
    "actors": ["United States"],
    "title": "US says NATO's doors stay open",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "timeline", *args], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _call(url: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="POST" if data else "GET")
    request.add_header("Content-Type", "application/json")
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.load(response)


@contextmanager
def _serving(env: dict[str, str], workers: int) -> Iterator[str]:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "timeline", "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                _call(f"{base}/api/v1/health")
                break
            except OSError:
                assert server.poll() is None, "timeline serve stopped"
                time.sleep(0.1)
        else:
            pytest.fail("timeline serve did not answer within 30 s")
        yield base
    finally:
        stop(server)


@pytest.mark.slow
def test_two_services_on_one_database_answer_alike_and_see_each_others_writes(
    db_url: str,
) -> None:
    env = {**os.environ, "TIMELINE_DB": db_url, "TIMELINE_NOW": NOW}
    _cli(env, "import", str(EVENTS))
    token = _cli(env, "token", "create", "desk").strip()
    with _serving(env, workers=2) as one, _serving(env, workers=1) as two:
        url = f"/api/v1/asof/2022-02-05?thread={THREAD}"
        assert _call(one + url) == _call(two + url)
        status, record = _call(one + "/api/v1/events", EVENT, token)
        assert (status, record["recorded_by"]) == (201, "desk")
        # the next request to the other process sees it
        status, shown = _call(f"{two}/api/v1/events/{THREAD}/us-doors-open")
        assert status == 200 and shown["title"] == EVENT["title"]
        _, after = _call(two + url)
        assert after["threads"][0]["last"]["id"] == "us-doors-open"
        assert _call(one + url) == _call(two + url)
