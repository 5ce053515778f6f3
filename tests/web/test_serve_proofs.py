"""The service's checkpoints and proofs: served as the CLI writes them, checked as a
reader checks them (``timeline.api.verify_proof``, no database), immutable once their
sizes are fixed; and the public view proves only a record it serves unchanged."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Run
from timeline import api
from timeline.web import ServeConfig, create_app
from timeline.web.caching import IMMUTABLE, REVALIDATE

THREAD = "russia-nato-security-guarantees"
PUBLIC = f"{THREAD}/el-pais-publishes"  # public since 2 February 2022, nothing held back
EARLY = f"{THREAD}/replies-open-door"  # known to the parties before the public (known_to)
NOW = "2026-11-29T08:00:00Z"


@pytest.fixture
def signed(imported: Run, tmp_path: Path) -> tuple[Run, str, dict[str, str], Path]:
    """The bundled story, an event known only in 2099, tokens, a key and a checkpoint."""
    added = imported(
        "add", "--thread", THREAD, "--id", "far", "--date", "2099-01-01", "--type", "meeting",
        "--actor", "France", "--title", "A meeting far ahead", "--allow-future", now=NOW,
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    tokens = {}
    for name, scope in [("reader", "read"), ("analyst", "read:all")]:
        tokens[name] = imported("token", "create", name, "--scope", scope, now=NOW).stdout.strip()
    key = tmp_path / "signing.key"
    created = imported("key", "create", "example.org/timeline", "--key", str(key), now=NOW)
    assert created.exit_code == 0, created.output
    assert imported("checkpoint", "--key", str(key), now=NOW).exit_code == 0
    return imported, created.stdout.splitlines()[1], tokens, key


@pytest.fixture
def client(db_url: str, signed: object) -> Iterator[TestClient]:
    config = ServeConfig(db=db_url, rate_limit=None, access_log=io.StringIO())
    with TestClient(create_app(config)) as c:
        yield c


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_the_latest_checkpoint_is_the_signed_note_the_cli_shows(
    client: TestClient, signed: tuple[Run, str, dict[str, str], Path]
) -> None:
    run, _, _, _ = signed
    note = run("checkpoints", "--format", "note").stdout
    latest = client.get("/api/v1/checkpoint")
    assert latest.status_code == 200
    assert latest.headers["content-type"] == "text/plain; charset=utf-8"
    assert latest.headers["cache-control"] == REVALIDATE  # a later one replaces it
    assert latest.text == note
    size = int(note.splitlines()[1])
    fixed = client.get(f"/api/v1/checkpoints/{size}")
    assert fixed.text == note and fixed.headers["cache-control"] == IMMUTABLE
    again = client.get(
        f"/api/v1/checkpoints/{size}", headers={"If-None-Match": fixed.headers["etag"]}
    )
    assert again.status_code == 304
    listed = client.get("/api/v1/checkpoints").json()
    assert [(c["size"], c["note"]) for c in listed] == [(size, note)]
    missing = client.get("/api/v1/checkpoints/3")
    assert missing.status_code == 404
    assert missing.json()["detail"] == f"no checkpoint of size 3 (the log has: {size})"
    assert client.get("/api/v1/checkpoints/0").status_code == 422


def test_an_inclusion_proof_from_the_service_verifies_with_no_database(
    client: TestClient, signed: tuple[Run, str, dict[str, str], Path]
) -> None:
    _, vkey, _, _ = signed
    thread, event_id = PUBLIC.split("/")
    latest = client.get("/api/v1/proof/inclusion", params={"thread": thread, "id": event_id})
    assert latest.status_code == 200 and latest.headers["cache-control"] == REVALIDATE
    proved, trusted = api.verify_proof(latest.text, [vkey])
    assert trusted and proved.record == PUBLIC
    size = proved.size
    pinned = client.get(
        "/api/v1/proof/inclusion", params={"thread": thread, "id": event_id, "size": size}
    )
    assert pinned.text == latest.text and pinned.headers["cache-control"] == IMMUTABLE
    # the log's own keys and checkpoints are public facts: provable too
    key = client.get("/api/v1/proof/inclusion", params={"thread": "_tree", "id": "key-1"})
    assert api.verify_proof(key.text, [vkey])[0].record == "_tree/key-1"


@pytest.mark.parametrize(
    ("record", "public", "everything"),
    [
        (PUBLIC, 200, 200),
        (EARLY, 404, 200),  # its known_to is private: a bundle holds the record whole
        (f"{THREAD}/far", 404, 200),  # public only in 2099
        (f"{THREAD}/no-such-event", 404, 404),
        ("_tokens/reader", 404, 404),  # a token's digest: never
    ],
)
def test_the_public_view_proves_only_a_record_it_serves_unchanged(
    client: TestClient,
    signed: tuple[Run, str, dict[str, str], Path],
    record: str,
    public: int,
    everything: int,
) -> None:
    _, vkey, tokens, _ = signed
    thread, event_id = record.split("/")
    params = {"thread": thread, "id": event_id}
    for headers, status in [
        ({}, public),
        (_bearer(tokens["reader"]), public),
        (_bearer(tokens["analyst"]), everything),
    ]:
        response = client.get("/api/v1/proof/inclusion", params=params, headers=headers)
        assert response.status_code == status, (headers, response.text)
        if status == 404:  # as unknown as one never recorded: the same words
            assert response.json()["detail"] == f"no record {record} in the log"
        else:
            assert api.verify_proof(response.text, [vkey])[0].record == record


def test_a_consistency_proof_from_the_service_verifies_with_no_database(
    client: TestClient, signed: tuple[Run, str, dict[str, str], Path]
) -> None:
    run, vkey, _, key = signed
    first = int(client.get("/api/v1/checkpoint").text.splitlines()[1])
    assert run("retitle", THREAD, "Security guarantees", now=NOW).exit_code == 0
    assert run("checkpoint", "--key", str(key), now=NOW).exit_code == 0
    second = int(client.get("/api/v1/checkpoint").text.splitlines()[1])
    assert second == first + 2  # the checkpoint record and the title
    latest = client.get("/api/v1/proof/consistency", params={"from": first})
    assert latest.headers["cache-control"] == REVALIDATE
    proved, trusted = api.verify_proof(latest.text, [vkey])
    assert trusted and (proved.old_size, proved.size) == (first, second)
    pinned = client.get("/api/v1/proof/consistency", params={"from": first, "to": second})
    assert pinned.text == latest.text and pinned.headers["cache-control"] == IMMUTABLE
    backwards = client.get("/api/v1/proof/consistency", params={"from": second, "to": first})
    assert backwards.status_code == 400
    unknown = client.get("/api/v1/proof/consistency", params={"from": 5})
    assert unknown.status_code == 404


def test_a_log_with_no_checkpoint_answers_404_not_an_error(imported: Run, db_url: str) -> None:
    config = ServeConfig(db=db_url, rate_limit=None, access_log=io.StringIO())
    with TestClient(create_app(config)) as client:
        latest = client.get("/api/v1/checkpoint")
        assert latest.status_code == 404
        assert latest.json()["detail"] == "the log holds no checkpoint yet"
        assert client.get("/api/v1/checkpoints").json() == []
        thread, event_id = PUBLIC.split("/")
        proof = client.get("/api/v1/proof/inclusion", params={"thread": thread, "id": event_id})
        assert proof.status_code == 404


def test_the_feeds_name_the_checkpoint_they_were_cut_at(client: TestClient) -> None:
    from icalendar import Calendar

    note = client.get("/api/v1/checkpoint").text
    stamp = " ".join(note.splitlines()[:3])
    feed = Calendar.from_ical(client.get("/feeds/all.ics").text)
    assert str(feed["X-TIMELINE-CHECKPOINT"]) == stamp
    cut = client.get("/export/timelinejs.json").json()["checkpoint"]
    assert f"{cut['origin']} {cut['size']} {cut['root']}" == stamp


def _wait_for(check: object, seconds: float = 30.0) -> bool:
    """Poll ``check`` until it holds: the signer runs beside the requests, on its own
    time (generous: a loaded machine is slow, and a pass comes as soon as it holds)."""
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def test_a_service_with_a_key_signs_one_checkpoint_a_day(
    imported: Run, db_url: str, tmp_path: Path
) -> None:
    key = tmp_path / "signing.key"
    assert imported("key", "create", "example.org/timeline", "--key", str(key)).exit_code == 0
    config = ServeConfig(
        db=db_url, rate_limit=None, access_log=io.StringIO(), sign_key=str(key), sign_every=0.05
    )
    with TestClient(create_app(config)) as client:
        assert _wait_for(lambda: client.get("/api/v1/checkpoint").status_code == 200)
        first = client.get("/api/v1/checkpoint").text
        assert first.splitlines()[1] == "28"  # the story and the key
        # more records the same day wait for tomorrow's: one a day, however many checks
        import datetime as dt

        now = dt.datetime.now(dt.UTC).isoformat()  # the service signs by this machine's clock
        assert imported("retitle", THREAD, "Security guarantees", now=now).exit_code == 0
        import time

        time.sleep(0.5)  # ten checks, were the machine idle
        assert client.get("/api/v1/status").json()["seq"] == 30
        sizes = [c["size"] for c in client.get("/api/v1/checkpoints").json()]
        if dt.datetime.now(dt.UTC).date().isoformat() == now[:10]:  # (not past midnight)
            assert sizes == [28]


def test_serve_refuses_a_key_that_cannot_sign_before_it_starts(
    imported: Run, tmp_path: Path
) -> None:
    missing = imported("serve", "--sign-key", str(tmp_path / "absent.key"))
    assert missing.exit_code == 1
    assert missing.stderr.startswith(f"Error: no signing key at {tmp_path / 'absent.key'}")


@pytest.mark.parametrize(
    ("thread", "event_id"),
    [("a\x00b", "x"), ("<script>", "x"), (THREAD, "x" * 10_000), ("", "x"), ("_tokens", "")],
)
def test_a_hostile_record_name_is_a_problem_never_a_crash(
    client: TestClient, thread: str, event_id: str
) -> None:
    response = client.get("/api/v1/proof/inclusion", params={"thread": thread, "id": event_id})
    assert response.status_code in (400, 404), response.text
    assert response.headers["content-type"] == "application/problem+json"
