"""The API describes itself: every answer has a model in the OpenAPI document (held here
to what each route really sends: every key, and no other), operation ids a person would
write, the document at /openapi.json too, and /api/v1 listing the routes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel, TypeAdapter

from tests.conftest import EVENTS, Run
from timeline.web import ServeConfig, create_app, schemas
from timeline.web.access import Publish

THREAD = "russia-nato-security-guarantees"
CORRECTION = """\
thread: russia-nato-security-guarantees
events:
  - type: correction
    id: fix-geneva-title
    corrects: geneva-ssd
    known: 2022-01-11
    set: {title: "US–Russia Strategic Stability Dialogue in Geneva (corrected)"}
  - type: retraction
    id: withdraw-putin
    retracts: putin-concerns-ignored
    known: 2022-02-03
    reason: a test of a retraction
"""


@pytest.fixture
def served(run: Run, db_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    """The bundled events with a correction and a retraction, a signed checkpoint and an
    admin token; every record published (a viewpoint, the log's own threads)."""
    amend = tmp_path / "amend.yaml"
    amend.write_text(CORRECTION)
    for args in (("import", str(EVENTS)), ("import", str(amend))):
        assert run(*args).exit_code == 0
    key = tmp_path / "signing.key"
    assert run("key", "create", "example.org/timeline", "--key", str(key)).exit_code == 0
    assert run("checkpoint", "--key", str(key)).exit_code == 0
    token = run("token", "create", "ops", "--scope", "admin").stdout.strip()
    app = create_app(ServeConfig(db=db_url, rate_limit=None, publish=Publish.OPEN))
    with TestClient(app) as client:
        yield client, token


ANSWERS: list[tuple[str, Any]] = [
    ("/api/v1", schemas.Routes),
    ("/api/v1/health", schemas.Health),
    ("/api/v1/status", schemas.Status),
    ("/api/v1/threads", schemas.ThreadList),
    ("/api/v1/threads?asof=2022-01-26", schemas.ThreadList),
    (f"/api/v1/threads/{THREAD}", schemas.ThreadAnswer),
    (f"/api/v1/threads/{THREAD}?asof=2021-11-01", schemas.ThreadAnswer),
    (f"/api/v1/threads/{THREAD}?asof=2022-02-01&as=Russia", schemas.ThreadAnswer),
    ("/api/v1/asof/2022-02-02", schemas.AsOf),
    ("/api/v1/asof/today?as=NATO", schemas.AsOf),
    ("/api/v1/asof/2022-02-02?limit=1", schemas.AsOf),
    ("/api/v1/diff?from=2022-01-01&to=2022-02-03", schemas.Diff),
    ("/api/v1/window?from=2021-01-01&to=2022-12-31&asof=2022-02-02", schemas.Window),
    ("/api/v1/window?from=2021-01-01&to=2022-12-31&limit=10", schemas.Window),
    ("/api/v1/diff?from=2022-01-25&to=2022-02-02&as=Russia", schemas.Diff),
    ("/api/v1/events?limit=1000", schemas.EventsPage),
    ("/api/v1/events?limit=3", schemas.EventsPage),
    (f"/api/v1/events/{THREAD}/geneva-ssd", schemas.LogRecord),
    (f"/api/v1/events/{THREAD}/putin-concerns-ignored", schemas.LogRecord),
    ("/api/v1/checkpoints", list[schemas.Checkpoint]),
    (f"/api/v1/proof/inclusion?thread={THREAD}&id=el-pais-publishes", schemas.InclusionProof),
]


def _exactly(shape: Any, doc: Any) -> None:
    """``doc`` is of ``shape``, and dumping what was read gives ``doc`` back: no key the
    model lacks (it forbids them), none it has that the route left out."""
    adapter = TypeAdapter(shape)
    value = adapter.validate_python(doc)
    again = adapter.dump_python(value, mode="json", by_alias=True, exclude_unset=True)
    assert again == doc


def test_every_answer_is_exactly_its_documented_model(served: tuple[TestClient, str]) -> None:
    client, token = served
    for url, shape in ANSWERS:
        response = client.get(url)
        assert response.status_code == 200, (url, response.text)
        _exactly(shape, response.json())
    kinds = {r.get("kind") for r in client.get("/api/v1/events?limit=1000").json()["events"]}
    assert {None, "correction", "retraction", "tree-key", "tree-head"} <= kinds
    tokens = client.get("/api/v1/tokens", headers={"Authorization": f"Bearer {token}"})
    _exactly(schemas.Tokens, tokens.json())
    consistency = client.get("/api/v1/proof/consistency?from=1")
    assert consistency.status_code == 404  # one checkpoint: nothing to be consistent with


def test_the_document_names_each_answer_and_each_operation(
    served: tuple[TestClient, str],
) -> None:
    client, _ = served
    doc = client.get("/api/v1/openapi.json").json()
    assert client.get("/openapi.json").json() == doc
    operations = [
        (path, method, op) for path, ops in doc["paths"].items() for method, op in ops.items()
    ]
    ids = [op["operationId"] for _, _, op in operations]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[a-z]+(?:[A-Z][a-z]+|JS)*", i) for i in ids), ids
    assert {"getAsOf", "listThreads", "getThread", "listEvents", "getEvent"} <= set(ids)
    for path, method, op in operations:
        answer = op["responses"].get("200") or op["responses"]["201"]
        content = answer["content"]
        assert content and all(c.get("schema") for c in content.values()), (path, method)
    listed = client.get("/api/v1").json()["routes"]
    assert [(r["method"], r["path"], r["operation"]) for r in listed] == [
        (method.upper(), path, op["operationId"]) for path, method, op in operations
    ]


def test_every_model_forbids_keys_it_does_not_name() -> None:
    for name in schemas.__all__:
        model = getattr(schemas, name)
        if isinstance(model, type) and issubclass(model, BaseModel):
            assert model.model_config.get("extra") == "forbid", name
