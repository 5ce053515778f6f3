"""The page at `/`, in process: what it says without a script (each thread's state as
known on the day asked, its events, the feeds to subscribe to), the headers it is sent
with, hostile text shown as text, and the static files it loads (the vendored
vis-timeline checked against its recorded digests)."""

from __future__ import annotations

import hashlib
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import html5lib
import pytest
from fastapi.testclient import TestClient

from tests.conftest import Run
from timeline.web import ServeConfig, create_app
from timeline.web.page import CSP, STATIC

THREAD = "russia-nato-security-guarantees"
VENDOR = STATIC / "vendor" / "vis-timeline"
IMMUTABLE = "public, max-age=31536000, immutable"
DISCLOSED = "open-door policy reaffirmed in the written"

# Markup where a page could be fooled into running it: titles, actors, stances, issues,
# summaries, source and thread names (the input rules refuse javascript: source URLs).
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
HOSTILE = f"""\
thread: hostile-text
title: "{SCRIPT} talks"
events:
  - id: markup
    date: 2022-01-30
    type: statement
    actors: ["{IMG}", Russia]
    title: "{SCRIPT} says {IMG}"
    summary: "javascript:alert(1) <a href=\\"javascript:alert(1)\\">click</a>"
    status: stalled
    sources:
      - {{name: "<b onmouseover=alert(1)>El País</b>", url: "https://example.org/?q=%3Cscript%3E"}}
    positions:
      - {{actor: "{IMG}", issue: "\\"><svg onload=alert(1)>", stance: "</dd>{SCRIPT}"}}
"""


def write_hostile(folder: Path) -> Path:
    path = folder / "hostile.yaml"
    path.write_text(HOSTILE, encoding="utf-8")
    return path


@pytest.fixture
def client(imported: Run, db_url: str) -> Iterator[TestClient]:
    app = create_app(ServeConfig(db=db_url, rate_limit=None, access_log=io.StringIO()))
    with TestClient(app) as c:
        yield c


def parse(html: str) -> ET.Element:
    tree: ET.Element = html5lib.parse(html, namespaceHTMLElements=False)
    return tree


def text(node: ET.Element | None) -> str:
    assert node is not None
    return " ".join("".join(node.itertext()).split())


def section(doc: ET.Element, slug: str) -> ET.Element:
    found = doc.find(f".//section[@data-thread='{slug}']")
    assert found is not None, slug
    return found


def shown_events(sec: ET.Element) -> list[str]:
    return [li.attrib["data-id"] for li in sec.iter("li") if "hidden" not in li.attrib]


def test_the_page_shows_each_thread_as_known_on_the_day_asked(client: TestClient) -> None:
    before = parse(client.get("/?asof=2022-02-01").text)
    after = parse(client.get("/?asof=2022-02-02").text)
    threads = [s.attrib["data-thread"] for s in before.iter("section") if "data-thread" in s.attrib]
    assert threads == [
        "arms-control-missile-deployment",
        THREAD,
        "russian-troops-georgia-moldova-ukraine",
    ]
    then, now = section(before, THREAD), section(after, THREAD)
    assert text(then.find(".//dd[@class='status status-stalled']")) == "stalled"
    assert text(then.find(".//dd[@class='count']")) == "8 (2021-12-01 … 2022-02-01)"
    assert DISCLOSED not in text(then.find(".//div[@class='state']"))
    assert DISCLOSED in text(now.find(".//div[@class='state']"))
    assert "El País" in text(now.find(".//dd[@class='parties']"))
    # the page of a day holds the events known by its end, as amended then: one learned
    # later is not in it at all (the script asks for the page of the day it moves to)
    assert len(list(then.iter("li"))) == len(shown_events(then)) == 8
    assert len(list(now.iter("li"))) == len(shown_events(now)) == 13
    assert "replies-open-door" not in shown_events(then)
    assert "replies-open-door" in shown_events(now)


def test_without_a_day_the_page_shows_the_latest_day_anything_became_known(
    client: TestClient,
) -> None:
    doc = parse(client.get("/").text)
    day = doc.find(".//input[@id='asof-date']")
    assert day is not None and day.attrib["value"] == "2022-02-17"
    assert len(shown_events(section(doc, THREAD))) == 14


def test_a_retracted_event_shows_until_its_retraction_became_public(
    client: TestClient, run_ok: Run
) -> None:
    key = f"{THREAD}/putin-concerns-ignored"
    run_ok("retract", key, "--reason", "a rumour, later denied", "--known", "2022-02-10")
    before = section(parse(client.get("/?asof=2022-02-09").text), THREAD)
    after = section(parse(client.get("/?asof=2022-02-10").text), THREAD)
    assert "putin-concerns-ignored" in shown_events(before)
    assert "putin-concerns-ignored" not in shown_events(after)


def test_an_event_not_yet_public_is_not_in_the_page_on_any_day(
    client: TestClient, run_ok: Run
) -> None:
    run_ok(
        "add", "--thread", THREAD, "--date", "2099-01-01", "--type", "meeting",
        "--actor", "France", "--title", "A meeting far ahead", "--allow-future",
    )  # fmt: skip
    for url in ["/", "/?asof=2099-01-02"]:
        assert "A meeting far ahead" not in client.get(url).text


def test_the_page_answers_304_to_its_own_etag(client: TestClient) -> None:
    first = client.get("/?asof=2022-02-02")
    tag = first.headers["etag"]
    again = client.get("/?asof=2022-02-02", headers={"If-None-Match": tag})
    assert (again.status_code, again.content) == (304, b"")
    assert first.headers["cache-control"] == "no-cache"


def test_a_day_not_written_yyyy_mm_dd_is_a_400_problem(client: TestClient) -> None:
    response = client.get("/?asof=2022-02-30")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


def test_the_page_is_sent_with_a_strict_policy_and_runs_no_inline_code(
    client: TestClient,
) -> None:
    response = client.get("/")
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["content-security-policy"] == CSP
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    policy = dict(p.split(" ", 1) for p in CSP.split("; "))
    assert policy["default-src"] == policy["script-src"] == "'self'"
    assert "unsafe" not in CSP and "*" not in CSP
    doc = parse(response.text)
    scripts = list(doc.iter("script"))
    assert len(scripts) == 2
    for script in scripts:
        assert script.attrib["src"].startswith("/static/") and not text(script)
    assert not list(doc.iter("style"))
    for node in doc.iter():
        assert "style" not in node.attrib, node.tag
        assert not [a for a in node.attrib if a.startswith("on")], node.tag


def test_the_page_links_every_feed_for_the_web_and_for_calendar_apps(
    client: TestClient,
) -> None:
    # the address the service is reached at (serve --public-url; here the default)
    doc = parse(client.get("/").text)
    links = {a.attrib["href"] for a in doc.iter("a")}
    for path in ["/feeds/all.ics", *(f"/feeds/threads/{s}.ics" for s in [THREAD])]:
        assert f"webcal://127.0.0.1:8000{path}" in links
        assert f"http://127.0.0.1:8000{path}" in links
    for slug in [s.attrib["data-thread"] for s in doc.iter("section") if "data-thread" in s.attrib]:
        assert f"webcal://127.0.0.1:8000/feeds/threads/{slug}.ics" in links
        assert client.get(f"/feeds/threads/{slug}.ics").status_code == 200


def test_markup_in_titles_actors_stances_and_sources_is_shown_as_text(
    client: TestClient, run: Run, tmp_path: Path
) -> None:
    done = run("import", str(write_hostile(tmp_path)))
    assert done.exit_code == 0, done.output
    html = client.get("/?asof=2022-02-02").text
    assert SCRIPT not in html and IMG not in html and "<svg" not in html
    doc = parse(html)
    hostile = section(doc, "hostile-text")
    assert text(hostile.find("h2")) == f"{SCRIPT} talks"
    (event,) = hostile.iter("li")
    assert text(event.find(".//span[@class='title']")) == f"{SCRIPT} says {IMG}"
    assert text(event.find(".//span[@class='actors']")) == f"{IMG}, Russia"
    assert text(event.find(".//p[@class='summary']")).startswith("javascript:alert(1) <a href=")
    assert text(hostile.find(".//span[@class='stance']")) == f"</dd>{SCRIPT}"
    assert text(hostile.find(".//span[@class='issue']")) == '"><svg onload=alert(1)>'
    (source,) = event.iter("a")
    assert text(source) == "<b onmouseover=alert(1)>El País</b>"
    assert source.attrib["href"] == "https://example.org/?q=%3Cscript%3E"
    assert {n.tag for n in doc.iter()}.isdisjoint({"img", "svg", "b", "iframe", "object"})
    assert len(list(doc.iter("script"))) == 2
    for node in doc.iter():
        assert not node.attrib.get("href", "").lower().startswith("javascript:")


def test_the_static_files_the_page_names_are_served_for_a_year(client: TestClient) -> None:
    doc = parse(client.get("/").text)
    named = [s.attrib["src"] for s in doc.iter("script")] + [
        link.attrib["href"] for link in doc.iter("link") if link.attrib["rel"] != "preload"
    ]
    # the timeline's first window, fetched ahead: the API's answer, not a static file
    (ahead,) = [link for link in doc.iter("link") if link.attrib["rel"] == "preload"]
    assert ahead.attrib["href"].startswith("/api/v1/window?") and ahead.attrib["as"] == "fetch"
    assert client.get(ahead.attrib["href"]).status_code == 200
    kinds = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
    assert len(named) == 5
    for url in named:
        path, digest = url.split("?v=")
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["cache-control"] == IMMUTABLE
        assert response.headers["content-type"].startswith(kinds[Path(path).suffix])
        assert hashlib.sha256(response.content).hexdigest().startswith(digest)
    assert client.get("/static/nothing.js").status_code == 404
    assert client.get("/static/../page.py").status_code == 404


def _recorded_digests(vendor: Path = VENDOR) -> dict[str, str]:
    notes = (vendor / "VENDORED.md").read_text()
    rows = re.findall(r"^\| `([^`]+)` \| `[^`]+` \| `([0-9a-f]{64})` \|$", notes, re.M)
    return dict(rows)


def test_the_vendored_vis_timeline_is_the_registry_s_files_with_their_licence() -> None:
    recorded = _recorded_digests()
    present = {p.name for p in VENDOR.iterdir()} - {"VENDORED.md"}
    assert set(recorded) == present
    assert {"LICENSE.md", "LICENSE.MIT.txt", "LICENSE.Apache-2.0.txt"} <= present
    for name, digest in recorded.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name
    script = (VENDOR / "vis-timeline-graph2d.min.js").read_text()
    assert "@version 7.7.4" in script


def test_the_vendored_swagger_ui_is_the_registry_s_files_with_their_licence() -> None:
    vendor = STATIC / "vendor" / "swagger-ui"
    recorded = _recorded_digests(vendor)
    present = {p.name for p in vendor.iterdir()} - {"VENDORED.md"}
    assert set(recorded) == present
    assert {"LICENSE", "NOTICE", "swagger-ui-bundle.js.LICENSE.txt"} <= present
    for name, digest in recorded.items():
        assert hashlib.sha256((vendor / name).read_bytes()).hexdigest() == digest, name


def test_every_event_type_has_one_colour_family() -> None:
    from timeline.core.model import EVENT_TYPES
    from timeline.web.page import FAMILIES

    listed = [t for types in FAMILIES.values() for t in types]
    assert sorted(listed) == sorted(EVENT_TYPES)


def _listed(doc: ET.Element) -> list[ET.Element]:
    return [li for li in doc.iter("li") if "event" in li.attrib.get("class", "").split()]


def test_the_filters_narrow_the_page_as_the_api_s_filters_do_and_the_form_keeps_them(
    client: TestClient,
) -> None:
    day = "2022-02-02"
    offers = parse(client.get(f"/?asof={day}&type=offer").text)
    listed = _listed(offers)
    assert listed and all("type-offer" in li.attrib["class"].split() for li in listed)
    api = client.get("/api/v1/events?type=offer&limit=1000").json()["events"]
    assert {li.attrib["data-id"] for li in listed} <= {e["id"] for e in api}
    kept = offers.find(".//select[@id='filter-type']/option[@selected]")
    assert kept is not None and kept.text == "offer"  # the form says what is shown

    russia = _listed(parse(client.get(f"/?asof={day}&actor=Russia").text))
    assert russia and all("Russia" in text(li.find(".//span[@class='actors']")) for li in russia)

    found = parse(client.get(f"/?asof={day}&text=El+País").text)
    searched = client.get("/api/v1/events?text=El+Pa%C3%ADs&limit=1000").json()["events"]
    ids = [li.attrib["data-id"] for li in _listed(found)]
    assert "el-pais-publishes" in ids and set(ids) <= {e["id"] for e in searched}
    assert len(ids) < len(_listed(parse(client.get(f"/?asof={day}").text)))

    one = parse(client.get(f"/?asof={day}&thread={THREAD}").text)
    assert {s.attrib["data-thread"] for s in one.iter("section") if "data-thread" in s.attrib} == {
        THREAD
    }
    assert [r.attrib["data-glance-of"] for r in one.iter("tr") if "data-glance-of" in r.attrib] == [
        THREAD
    ]
    none = parse(client.get("/?asof=2021-12-20&type=signing").text)
    assert "No event known by the end of 2021-12-20 matches the filters." in text(none)
    assert client.get(f"/?asof={day}&thread=nope").status_code == 404
    assert client.get(f"/?asof={day}&type=nonsense").status_code == 400


SCHEDULED = f"""\
thread: {THREAD}
events:
  - id: summit-planned
    date: 2030-03-15
    known: 2022-02-05
    scheduled: true
    type: meeting
    actors: [Russia, United States]
    title: Summit announced for March
"""


def test_an_announced_event_shows_from_its_announcement_drawn_as_scheduled(
    imported: Run, db_url: str, tmp_path: Path
) -> None:
    extra = tmp_path / "scheduled.yaml"
    extra.write_text(SCHEDULED)
    assert imported("import", str(extra)).exit_code == 0
    app = create_app(ServeConfig(db=db_url, rate_limit=None, access_log=io.StringIO()))
    with TestClient(app) as client:
        before = parse(client.get("/?asof=2022-02-04").text)
        after = parse(client.get("/?asof=2022-02-10").text)
        default = client.get("/").text
    assert "summit-planned" not in shown_events(section(before, THREAD))
    assert "summit-planned" in shown_events(section(after, THREAD))
    (li,) = [
        x for x in section(after, THREAD).iter("li") if x.attrib.get("data-id") == "summit-planned"
    ]
    assert "scheduled" in li.attrib["class"].split()
    assert "scheduled: announced on 2022-02-05" in text(li)
    row = after.find(f".//tr[@data-glance-of='{THREAD}']")
    assert "Next: 2030-03-15 meeting: Summit announced for March (announced 2022-02-05)" in text(
        row
    )
    # the latest day anything became public stays the default: an event ahead moves nothing
    assert 'data-shown-asof="2022-02-17"' in default


def test_the_actor_filter_offers_only_the_parties_of_what_is_public(
    imported: Run, db_url: str, tmp_path: Path
) -> None:
    later = tmp_path / "later.yaml"
    later.write_text(
        f"thread: {THREAD}\nevents:\n  - {{id: ahead, date: 2022-02-03, known: 2099-01-01, "
        "type: statement, actors: [Secret Envoy], title: Not public yet}\n"
    )
    assert imported("import", str(later), "--allow-future").exit_code == 0
    app = create_app(ServeConfig(db=db_url, rate_limit=None, access_log=io.StringIO()))
    with TestClient(app) as client:
        doc = parse(client.get("/").text)
    offered = [o.text for o in doc.iterfind(".//select[@id='filter-actor']/option")]
    assert "Russia" in offered and "Secret Envoy" not in offered


def test_a_log_reaching_back_to_antiquity_still_has_a_page(imported: Run, db_url: str) -> None:
    """The timeline's first window reaches half the log's span again before its first
    day: for a treaty of the year 5 that is before the calendar's first day, and the
    window stops there instead of failing the page."""
    added = imported(
        "add", "--thread", "ancient-treaty", "--date", "0005-06-01", "--type", "agreement",
        "--actor", "Rome", "--title", "A treaty of the year 5",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    app = create_app(ServeConfig(db=db_url, rate_limit=None, access_log=io.StringIO()))
    with TestClient(app) as client:
        page = client.get("/")
        assert page.status_code == 200
        (ahead,) = [x for x in parse(page.text).iter("link") if x.attrib["rel"] == "preload"]
        assert "from=0001-01-01" in ahead.attrib["href"]
        window = client.get(ahead.attrib["href"])
        assert window.status_code == 200
        assert "A treaty of the year 5" in {d["title"] for d in window.json()["drawn"]}
