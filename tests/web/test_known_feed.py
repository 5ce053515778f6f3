"""The Atom feeds of what became known (/feeds/known.atom, /feeds/threads/T.atom), read
by feedparser as a feed reader reads them: an entry per event on the day it became
public, the latest first, as amended now; retracted and not-yet-public events left out."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import feedparser
import pytest
from fastapi.testclient import TestClient

from tests.conftest import EVENTS, Run
from timeline.web import ServeConfig, create_app

THREAD = "russia-nato-security-guarantees"
AMENDED = """\
thread: russia-nato-security-guarantees
events:
  - id: rumour
    date: 2022-03-03
    type: statement
    actors: [Russia]
    title: A rumour, withdrawn the next day
  - type: retraction
    id: rumour-withdrawn
    retracts: rumour
    known: 2022-03-04
    reason: not borne out
  - id: talks-planned
    date: 2022-03-04
    type: meeting
    actors: [Russia, United States]
    title: Talks plannd
  - type: correction
    id: talks-planned-spelling
    corrects: talks-planned
    known: 2022-03-05
    set: {title: Talks planned}
  - id: far-ahead
    date: 2030-01-01
    type: meeting
    actors: [Russia]
    title: Not public yet
"""


@pytest.fixture
def client(run: Run, db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    extra = tmp_path / "amended.yaml"
    extra.write_text(AMENDED)
    assert run("import", str(EVENTS)).exit_code == 0
    imported = run("import", str(extra), "--allow-future")
    assert imported.exit_code == 0, imported.output
    app = create_app(ServeConfig(db=db_url, rate_limit=None, public_url="https://example.org"))
    with TestClient(app) as c:
        yield c


def _feed(client: TestClient, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.bozo_exception  # well-formed, as a reader takes it
    assert parsed.version == "atom10"
    return parsed


def test_an_entry_per_event_on_the_day_it_became_public_latest_first(
    client: TestClient,
) -> None:
    feed = _feed(client, "/feeds/known.atom")
    titles = [e.title for e in feed.entries]
    assert "A rumour, withdrawn the next day" not in titles  # retracted
    assert "Not public yet" not in titles
    assert titles[0] == "Talks planned"  # as corrected
    first = feed.entries[0]
    assert (first.published, first.updated) == ("2022-03-04T00:00:00Z", "2022-03-05T00:00:00Z")
    published = [e.published for e in feed.entries]
    assert published == sorted(published, reverse=True)
    assert feed.feed.updated == "2022-03-05T00:00:00Z"
    assert feed.feed.id == "https://example.org/feeds/known.atom"
    ids = [e.id for e in feed.entries]
    assert len(set(ids)) == len(ids) == 28  # the 27 bundled events and the planned talks

    # the replies' content: dated 26 January, an entry of 2 February, when El País
    # published it
    (terms,) = [e for e in feed.entries if e.id.endswith("/replies-dialogue-terms")]
    assert terms.id == f"tag:example.org,2022-02-02:{THREAD}/replies-dialogue-terms"
    assert terms.published == "2022-02-02T00:00:00Z"
    assert "Dated 2022-01-26" in terms.content[0].value
    assert "Became public on 2022-02-02, 7 days after it." in terms.content[0].value
    assert terms.link == f"https://example.org/?asof=2022-02-02#thread-{THREAD}"
    assert {t.term for t in terms.tags} == {"offer", THREAD}


def test_a_thread_s_feed_and_the_limit(client: TestClient) -> None:
    own = _feed(client, f"/feeds/threads/{THREAD}.atom")
    asked = _feed(client, f"/feeds/known.atom?thread={THREAD}")
    assert [e.id for e in own.entries] == [e.id for e in asked.entries]
    assert all(e.id.split(":")[-1].startswith(f"{THREAD}/") for e in own.entries)
    assert len(_feed(client, "/feeds/known.atom?limit=3").entries) == 3
    missing = client.get("/feeds/threads/no-such-thread.atom")
    assert missing.status_code == 404
    assert missing.json()["detail"].endswith("GET /api/v1/threads lists them")
    unchanged = client.get("/feeds/known.atom")
    again = client.get("/feeds/known.atom", headers={"If-None-Match": unchanged.headers["etag"]})
    assert again.status_code == 304
