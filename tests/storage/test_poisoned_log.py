"""No write can make the log unreadable: amendments never reach the log's own threads,
and a stored record that today's rules refuse (an old version's, or a crafted row's)
costs that record only: every read answers without it, with a warning, and `verify`
names it. Each test here failed before the fix (a 201 for the first POST, then
"unexpected ValueError: invalid ref '_aliases/alias-1'" from every read)."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.conftest import Run, count_rows
from tests.storage.test_verify import tampering
from timeline.core.model import ALIASES, TOKENS, Correction, Key, Retraction
from timeline.usecases import open_store
from timeline.usecases._append import append
from timeline.web import ServeConfig, create_app
from timeline.web.access import Publish

THREAD = "russia-nato-security-guarantees"
NOW = "2026-11-29T08:00:00Z"
AT = dt.datetime(2026, 11, 29, 9, tzinfo=dt.UTC)


@pytest.fixture
def named(imported: Run) -> Run:
    """The bundled events, an alias and a token: records in both of the log's threads."""
    assert imported("alias", "USA", "United States", now=NOW).exit_code == 0
    assert imported("token", "create", "desk", now=NOW).exit_code == 0
    return imported


@pytest.fixture
def token(named: Run) -> str:
    assert named("token", "revoke", "desk", now=NOW).exit_code == 0
    result = named("token", "create", "desk", now=NOW)
    (line,) = result.stdout.splitlines()
    return line


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    config = ServeConfig(db=db_url, rate_limit=None, access_log=io.StringIO())
    with TestClient(create_app(config)) as c:
        yield c


SYSTEM_AMENDMENTS = [
    {"type": "retraction", "thread": ALIASES, "retracts": "alias-1", "reason": "x"},
    {"type": "retraction", "thread": TOKENS, "retracts": "token-1", "reason": "x"},
    {"type": "retraction", "retracts": f"{TOKENS}/token-1", "reason": "x"},
    {"type": "correction", "thread": ALIASES, "corrects": "alias-1", "set": {"title": "x"}},
    {"type": "correction", "thread": TOKENS, "corrects": "token-2", "set": {"title": "x"}},
    {"type": "correction", "thread": "Not A Slug", "corrects": "a", "set": {"title": "x"}},
]


@pytest.mark.parametrize("entry", SYSTEM_AMENDMENTS, ids=lambda e: f"{e['type']}-{e.get('thread')}")
def test_an_amendment_aimed_at_the_logs_own_threads_is_refused_by_the_api(
    token: str, client: TestClient, db_url: str, entry: dict[str, object]
) -> None:
    before = count_rows(db_url)
    response = client.post(
        "/api/v1/events", json=entry, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 422, response.text
    assert "invalid" in response.json()["detail"]
    assert count_rows(db_url) == before
    assert client.get("/api/v1/asof/2022-02-02").status_code == 200


def test_an_amendment_aimed_at_the_logs_own_threads_is_refused_by_import_and_the_cli(
    named: Run, db_url: str, tmp_path: Path
) -> None:
    before = count_rows(db_url)
    path = tmp_path / "poison.yaml"
    path.write_text(
        "- type: retraction\n  thread: _aliases\n  retracts: alias-1\n  reason: x\n",
        encoding="utf-8",
    )
    result = named("import", str(path))
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        f"Error: {path}:2: invalid thread '_aliases': use lowercase letters, digits and '-', "
        "starting with a letter or digit\n"
    )
    for args in (
        ("retract", "_aliases/alias-1", "--reason", "x"),
        ("correct", "_tokens/token-1", "--title", "x"),
    ):
        result = named(*args, now=NOW)
        assert result.exit_code == 1
        assert result.stderr.startswith("Error: ") and "invalid ref '_" in result.stderr
    assert count_rows(db_url) == before


def _append_unchecked(db_url: str, *entries: Correction | Retraction) -> None:
    """Records written as an older version or a crafted database could hold them: through
    the store, past every input rule, with valid hashes."""
    store = open_store(db_url)
    try:
        for entry in entries:
            with store.writing([entry.thread]) as w:
                append(w, [(entry, None)], AT)
    finally:
        store.close()


POISON = (
    Retraction(ALIASES, "alias-1-retracted", Key(ALIASES, "alias-1"), "x", AT.date(), False),
    Correction(TOKENS, "token-1-fix", Key(TOKENS, "token-1"), {"title": "x"}, AT.date(), False),
)

READS = [
    ("asof", "2022-02-02"),
    ("asof", "2022-02-02", "--format", "json"),
    ("threads",),
    ("log",),
    ("log", "--raw", "--format", "json"),
    ("history", THREAD),
    ("report", THREAD),
    ("secrets", "2022-02-01"),
    ("export", "ics", "-o", "{tmp}/all.ics"),
    ("export", "jsonl", "-o", "{tmp}/backup.jsonl"),
    ("token", "list"),
    ("rebuild", "--all"),
]

ROUTES = [
    "/",
    "/api/v1/asof/2022-02-02",
    "/api/v1/threads",
    f"/api/v1/threads/{THREAD}",
    "/api/v1/events",
    "/api/v1/status",
    "/feeds/all.ics",
    "/export/events.jsonl",
]


def test_records_todays_rules_refuse_are_named_by_verify_and_every_read_still_answers(
    named: Run, db_url: str, tmp_path: Path
) -> None:
    _append_unchecked(db_url, *POISON)
    for args in READS:
        result = named(*(a.format(tmp=tmp_path) for a in args), now=NOW)
        assert result.exit_code == 0, (args, result.output)
    asof = json.loads(named("asof", "2022-02-02", "--format", "json", now=NOW).stdout)
    assert [t["thread"] for t in asof["threads"]] == [
        "arms-control-missile-deployment",
        THREAD,
        "russian-troops-georgia-moldova-ukraine",
    ]
    result = named("verify")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "_aliases/alias-1-retracted: refused by the input rules: invalid thread '_aliases': "
        "use lowercase letters, digits and '-', starting with a letter or digit",
        "_tokens/token-1-fix: refused by the input rules: invalid thread '_tokens': "
        "use lowercase letters, digits and '-', starting with a letter or digit",
    ]
    config = ServeConfig(db=db_url, rate_limit=None, access_log=io.StringIO(), publish=Publish.OPEN)
    with TestClient(create_app(config)) as c:
        for route in ROUTES:
            assert c.get(route).status_code == 200, route


def test_a_row_that_no_longer_reads_is_left_out_of_every_read_with_one_warning(
    named: Run, db_url: str, tmp_path: Path
) -> None:
    seq = named("log", "--raw", "--format", "json").stdout
    by_id = {r["id"]: r["seq"] for r in json.loads(seq) if r["thread"] == THREAD}
    broken, bad_fix = by_id["geneva-ssd"], by_id["putin-concerns-ignored"]
    with tampering(db_url) as conn:  # rows rewritten behind timeline's back
        for statement in (
            f"UPDATE events SET date_text = 'soon', payload = 'not json' WHERE seq = {broken}",
            f"UPDATE events SET kind = 'correction', target = '{THREAD}/replies-open-door', "
            f'payload = \'{{"thread": "{THREAD}", "id": "f", "corrects": '
            f'"{THREAD}/replies-open-door", "set": {{"date": "someday"}}, '
            f'"known": "2022-02-01", "known_given": true}}\' WHERE seq = {bad_fix}',
        ):
            conn.execute(text(statement))
    # rebuild first: the projections stored before the rows were rewritten still hold them
    for args in (("rebuild", "--all"), ("asof", "2022-02-02"), ("log",), ("history", THREAD)):
        result = named(*args, now=NOW)
        assert result.exit_code == 0, (args, result.output)
        assert f"{THREAD}/geneva-ssd" not in result.stdout, args
        warned = {line.split(" (")[0] for line in result.stderr.splitlines()}
        assert warned <= {
            f"Warning: record {broken} cannot be read",
            f"Warning: record {bad_fix} cannot be read",
        }, result.stderr
        if args[0] != "asof":  # asof reads the stored states, without either record
            assert len(warned) == 2, (args, result.stderr)
        assert all(
            line.endswith("is left out; `timeline verify` reports it")
            for line in result.stderr.splitlines()
        )
    thread = named("asof", "2022-02-02", "--thread", THREAD, "--format", "json", now=NOW)
    assert thread.exit_code == 0 and "geneva-ssd" not in thread.stdout
    result = named("verify")
    assert result.exit_code == 1
    assert f"{THREAD}/geneva-ssd: modified row: its content does not match its hash" in (
        result.stdout.splitlines()
    )


def test_health_reports_degraded_with_the_reason_when_verifys_quick_checks_fail(
    imported: Run, db_url: str
) -> None:
    config = ServeConfig(db=db_url, rate_limit=None, access_log=io.StringIO())
    with TestClient(create_app(config)) as c:
        assert c.get("/api/v1/health").json() == {"status": "ok", "seq": 27}
    with tampering(db_url) as conn:
        conn.execute(text("DELETE FROM events WHERE seq = 3"))
    with TestClient(create_app(config)) as c:
        response = c.get("/api/v1/health")
    assert response.status_code == 200  # it still answers: a load balancer keeps it
    assert response.json() == {
        "status": "degraded",
        "seq": 27,
        "problems": ["the log holds 26 records, but its seqs run to 27"],
    }


def test_a_backup_holding_such_a_record_is_refused_by_restore_with_its_line(
    named: Run, run: Run, db_url: str, tmp_path: Path
) -> None:
    _append_unchecked(db_url, POISON[0])
    backup = tmp_path / "backup.jsonl"
    assert named("export", "jsonl", "-o", str(backup)).exit_code == 0
    lines = backup.read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, 1) if "alias-1-retracted" in text)
    restored = tmp_path / "restored.db"
    result = run("restore", str(backup), env={"TIMELINE_DB": str(restored)})
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        f"Error: {backup}:{line}: _aliases/alias-1-retracted: invalid thread '_aliases': "
        "use lowercase letters, digits and '-', starting with a letter or digit\n"
    )
    assert count_rows(restored) == 0
