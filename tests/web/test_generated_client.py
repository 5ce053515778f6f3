"""A client generated from the service's own OpenAPI document by openapi-python-client
(a real generator, in its own environment: `make test` makes `.venv-tools`) calls a
real `timeline serve` over a socket and gets typed models back, not dicts."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.web.test_page_browser import Served, _serve

pytestmark = pytest.mark.slow

GENERATOR = Path(
    os.environ.get("OPENAPI_PYTHON_CLIENT", REPO / ".venv-tools" / "bin" / "openapi-python-client")
)
THREAD = "russia-nato-security-guarantees"
# no formatter run on the output; JSON Lines and Atom, which the generator does not know,
# as bytes
CONFIG = """\
post_hooks: []
content_type_overrides:
  application/jsonl: application/octet-stream
  application/atom+xml: application/octet-stream
"""


@pytest.fixture
def story(tmp_path: Path) -> Iterator[Served]:
    yield from _serve(tmp_path)


def _generate(document: Path, out: Path) -> None:
    if not GENERATOR.exists():
        pytest.skip(f"no {GENERATOR}: `make test` installs openapi-python-client there")
    config = out.parent / "generator.yaml"
    config.write_text(CONFIG)
    done = subprocess.run(
        [
            str(GENERATOR), "generate", "--path", str(document), "--output-path", str(out),
            "--meta", "none", "--config", str(config),
        ],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Warning" not in done.stdout + done.stderr, done.stdout + done.stderr


def test_a_generated_client_calls_the_service_and_gets_typed_models(
    story: Served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = tmp_path / "openapi.json"
    with urllib.request.urlopen(f"{story.url}/openapi.json", timeout=10) as r:
        document.write_bytes(r.read())
    _generate(document, tmp_path / "timeline_client")
    monkeypatch.syspath_prepend(str(tmp_path))
    client_module = importlib.import_module("timeline_client")
    get_as_of = importlib.import_module("timeline_client.api.default.get_as_of")
    list_threads = importlib.import_module("timeline_client.api.default.list_threads")
    get_thread = importlib.import_module("timeline_client.api.default.get_thread")
    models = importlib.import_module("timeline_client.models")
    try:
        client = client_module.Client(base_url=story.url, raise_on_unexpected_status=True)

        asof = get_as_of.sync(client=client, date="2022-02-02", thread=[THREAD])
        assert isinstance(asof, models.AsOf)
        (state,) = asof.threads
        assert isinstance(state, models.ThreadState) and state.thread == THREAD
        assert isinstance(state.last, models.EventSummary)
        assert (
            state.last.title
            == "US State and Defense departments confirm the published copies are genuine"
        )
        assert {p.actor for p in state.positions} >= {"NATO", "Russia", "United States"}
        assert state.types.additional_properties["meeting"] == 3

        listed = list_threads.sync(client=client)
        assert isinstance(listed, models.ThreadList)
        assert [t.thread for t in listed.threads] == sorted(t.thread for t in listed.threads)
        assert all(isinstance(t, models.ThreadListing) for t in listed.threads)

        before = get_thread.sync(client=client, thread=THREAD, asof="2021-11-01")
        assert isinstance(before, models.ThreadAnswer) and before.thread is None
        missing = get_thread.sync_detailed(client=client, thread="no-such-thread")
        assert missing.status_code == 404 and isinstance(missing.parsed, models.Problem)
        assert "GET /api/v1/threads" in missing.parsed.detail
    finally:
        for name in [m for m in sys.modules if m.startswith("timeline_client")]:
            del sys.modules[name]
