"""Writes through `timeline serve`: tokens granted and revoked by records, `POST
/api/v1/events` from a token's holder only, retries answered with the first record,
conflicts as 409, and every write recorded with its token's name."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

import timeline
from tests.conftest import Run, count_rows
from timeline.web import ServeConfig, create_app

THREAD = "russia-nato-security-guarantees"
NOW = "2026-11-29T08:00:00Z"
EVENT: dict[str, Any] = {
    "thread": THREAD,
    "id": "us-doors-open",
    "date": "2022-02-03",
    "type": "statement",
    "actors": ["United States"],
    "title": "US says NATO's doors stay open",
}


def _app(db_url: str, read_only: bool = False) -> TestClient:
    config = ServeConfig(db=db_url, read_only=read_only, rate_limit=None, access_log=io.StringIO())
    return TestClient(create_app(config))


@pytest.fixture
def token(imported: Run) -> str:
    result = imported("token", "create", "desk", now=NOW)
    assert result.stderr.startswith("Granted a token to 'desk' (write): it is shown this once")
    (line,) = result.stdout.splitlines()
    return line


@pytest.fixture
def writer(token: str, db_url: str) -> Iterator[TestClient]:
    with _app(db_url) as c:
        yield c


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    doc: dict[str, Any] = response.json()
    assert doc["status"] == status
    return doc


def test_without_a_token_in_force_there_is_no_write_route(imported: Run, db_url: str) -> None:
    with _app(db_url) as c:
        assert c.get("/api/v1/status").json()["writes"] is False
        _problem(c.post("/api/v1/events", json=EVENT), 405)
        assert "post" not in c.get("/api/v1/openapi.json").json()["paths"]["/api/v1/events"]


def test_read_only_mounts_no_write_route_even_with_a_token(token: str, db_url: str) -> None:
    with _app(db_url, read_only=True) as c:
        _problem(c.post("/api/v1/events", json=EVENT, headers=_auth(token)), 405)


def test_a_holder_records_an_event_and_history_names_the_token(
    writer: TestClient, token: str, imported: Run
) -> None:
    assert writer.get("/api/v1/status").json()["writes"] is True
    response = writer.post("/api/v1/events", json=EVENT, headers=_auth(token))
    assert response.status_code == 201, response.text
    record = response.json()
    assert (record["seq"], record["recorded_by"], record["id"]) == (29, "desk", "us-doors-open")
    assert response.headers["location"] == f"/api/v1/events/{THREAD}/us-doors-open"
    assert writer.get(response.headers["location"]).status_code == 200
    history = imported("history", THREAD).stdout
    assert " by desk · seq 29" in history
    assert "projections match" in imported("verify").stdout


def test_a_retry_is_answered_with_the_first_record(
    writer: TestClient, token: str, db_url: str
) -> None:
    first = writer.post("/api/v1/events", json=EVENT, headers=_auth(token))
    rows = count_rows(db_url)
    again = writer.post("/api/v1/events", json=EVENT, headers=_auth(token))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json() and count_rows(db_url) == rows


def test_another_entry_under_a_recorded_key_is_a_conflict(
    writer: TestClient, token: str, db_url: str
) -> None:
    writer.post("/api/v1/events", json=EVENT, headers=_auth(token))
    rows = count_rows(db_url)
    changed = {**EVENT, "title": "Something else"}
    doc = _problem(writer.post("/api/v1/events", json=changed, headers=_auth(token)), 409)
    assert "already recorded" in doc["detail"] and "title" in doc["detail"]
    assert count_rows(db_url) == rows


def test_an_expected_version_that_moved_on_is_a_conflict(
    writer: TestClient, token: str, db_url: str
) -> None:
    # the bundled thread holds 14 records
    doc = _problem(writer.post("/api/v1/events?expected=13", json=EVENT, headers=_auth(token)), 409)
    assert doc["detail"] == (
        f"thread {THREAD} is at version 14, not 13: someone recorded in it since; read it again"
    )
    ok = writer.post("/api/v1/events?expected=14", json=EVENT, headers=_auth(token))
    assert ok.status_code == 201 and ok.json()["version"] == 15


def test_corrections_and_retractions_go_the_same_way(writer: TestClient, token: str) -> None:
    writer.post("/api/v1/events", json=EVENT, headers=_auth(token))
    fix = {
        "type": "correction",
        "corrects": f"{THREAD}/us-doors-open",
        "set": {"date": "2022-02-04"},
    }
    made = writer.post("/api/v1/events", json=fix, headers=_auth(token))
    assert made.status_code == 201 and made.json()["kind"] == "correction"
    assert writer.post("/api/v1/events", json=fix, headers=_auth(token)).status_code == 200
    gone = {"type": "retraction", "retracts": f"{THREAD}/us-doors-open", "reason": "a test"}
    assert writer.post("/api/v1/events", json=gone, headers=_auth(token)).status_code == 201


@pytest.mark.parametrize(
    ("headers", "status", "detail"),
    [
        ({}, 401, "writes need a token: send 'Authorization: Bearer TOKEN'"),
        (
            {"Authorization": "Basic abc"},
            401,
            "send the token as 'Authorization: Bearer TOKEN'",
        ),
        ({"Authorization": "Bearer tl_not-a-token"}, 401, "this token was never granted"),
    ],
)
def test_a_write_without_a_granted_token_is_refused(
    writer: TestClient, db_url: str, headers: dict[str, str], status: int, detail: str
) -> None:
    rows = count_rows(db_url)
    response = writer.post("/api/v1/events", json=EVENT, headers=headers)
    assert _problem(response, status)["detail"] == detail
    assert response.headers["www-authenticate"] == 'Bearer realm="timeline"'
    assert count_rows(db_url) == rows


def test_a_revoked_token_is_refused_at_once(
    writer: TestClient, token: str, imported: Run, db_url: str
) -> None:
    assert imported("token", "revoke", "desk", now=NOW).stdout.startswith(
        "Revoked the token of 'desk' (seq "
    )
    rows = count_rows(db_url)
    doc = _problem(writer.post("/api/v1/events", json=EVENT, headers=_auth(token)), 403)
    assert doc["detail"] == "this token was revoked"
    assert count_rows(db_url) == rows


def test_an_entry_that_breaks_the_input_rules_is_a_422_problem(
    writer: TestClient, token: str, db_url: str
) -> None:
    rows = count_rows(db_url)
    bad = {k: v for k, v in EVENT.items() if k != "title"}
    doc = _problem(writer.post("/api/v1/events", json=bad, headers=_auth(token)), 422)
    assert doc["detail"] == "missing required field 'title'"
    assert count_rows(db_url) == rows


def test_token_commands_keep_only_hashes_and_say_who_holds_what(
    token: str, imported: Run, db_url: str
) -> None:
    listed = imported("token", "list").stdout
    assert listed.startswith("desk  write  granted 2026-11-29T08:00:00.000000Z  in force")
    raw = imported("log", "--raw", "--format", "json").stdout
    assert token not in raw and "token" in raw
    again = imported("token", "create", "desk")
    assert (again.exit_code, again.stdout) == (1, "")
    assert again.stderr == "Error: 'desk' holds a token already: `timeline token revoke` it first\n"
    missing = imported("token", "revoke", "nobody")
    assert missing.stderr == "Error: no token in force is named 'nobody'; `timeline token list`\n"


def test_a_backup_keeps_who_wrote_each_record(
    writer: TestClient, token: str, imported: Run, run: Run, tmp_path: Path
) -> None:
    writer.post("/api/v1/events", json=EVENT, headers=_auth(token))
    backup = tmp_path / "backup.jsonl"
    imported("export", "jsonl", "-o", str(backup))
    lines = [json.loads(x) for x in backup.read_text().splitlines()]
    assert [x.get("recorded_by") for x in lines if x.get("id") == "us-doors-open"] == ["desk"]
    env = {"TIMELINE_DB": str(tmp_path / "restored.db")}
    assert run("restore", str(backup), env=env).exit_code == 0
    assert "projections match" in run("verify", env=env).stdout
    assert " by desk · seq 29" in run("history", THREAD, env=env).stdout
    with timeline.open(tmp_path / "restored.db", access="read") as tl:
        assert tl.token_holder(token) == timeline.api.Bearer("desk", frozenset({"read", "write"}))


def test_a_thread_name_holding_nul_is_an_unknown_thread_not_a_database_error(
    writer: TestClient, token: str
) -> None:
    # PostgreSQL refuses text with NUL outright: such a name must never reach it
    for url in ("/api/v1/events?thread=a%00b", "/api/v1/asof/2022-02-02?thread=%26%00"):
        doc = _problem(writer.get(url), 404)
        assert doc["detail"].startswith("unknown thread ")
