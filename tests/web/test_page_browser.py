"""The page at `/` in a real browser: Debian's Chromium, driven by Playwright, loads it
from a real `timeline serve` on 127.0.0.1 and moves the day; no request may leave
127.0.0.1, no dialog may open, and no Content-Security-Policy violation may happen.

Skipped when /usr/bin/chromium or Playwright is missing (`.ci/run` installs Chromium);
Playwright never downloads a browser here.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

from tests.conftest import NOW, stop
from tests.web.test_page import DISCLOSED, IMG, SCRIPT, write_hostile

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, Route

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
THREAD = "russia-nato-security-guarantees"
TITLES = [
    "Arms control and missile deployment in Europe",
    "Russia–US/NATO security guarantees",
    "Russian troops in Ukraine, Georgia and Moldova and NATO activity in the post-Soviet space",
]
ITEMS = ".vis-item.vis-box, .vis-item.vis-range:not(.gap), .vis-item.vis-point"
GAPS = ".vis-item.vis-range.gap"
# the page's script adds no listener of its own: this one is put in before any script
WATCH_CSP = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}`);
});
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"no {CHROMIUM}: `apt-get install chromium` (.ci/run does)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _timeline(env: dict[str, str], *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "timeline", *args], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


@dataclass
class Served:
    url: str
    server: subprocess.Popen[str]


def _serve(folder: Path, *extra_files: Path) -> Iterator[Served]:
    """`timeline serve` on a free port of 127.0.0.1 over a new database holding the
    bundled events (and the files given), until the test is done."""
    env = {**os.environ, "TIMELINE_DB": str(folder / "served.db"), "TIMELINE_NOW": NOW}
    _timeline(env, "import", "--bundled")
    for extra in extra_files:
        _timeline(env, "import", str(extra))
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "timeline", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                with urllib.request.urlopen(f"{url}/api/v1/health", timeout=2):
                    break
            except OSError:
                assert server.poll() is None, server.communicate()[1]
                time.sleep(0.1)
        else:
            pytest.fail("timeline serve did not answer within 20 s")
        yield Served(url, server)
    finally:
        stop(server)


@pytest.fixture
def story(tmp_path: Path) -> Iterator[Served]:
    yield from _serve(tmp_path)


@pytest.fixture
def hostile(tmp_path: Path) -> Iterator[Served]:
    yield from _serve(tmp_path, write_hostile(tmp_path))


@dataclass
class Watched:
    """What a page did that it must not: leave 127.0.0.1, open a dialog, break the CSP."""

    page: Page
    elsewhere: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)

    def failures(self) -> dict[str, Any]:
        violations = self.page.evaluate("window.__violations")
        found = {
            "requests beyond 127.0.0.1": self.elsewhere,
            "dialogs": self.dialogs,
            "CSP violations": violations,
            "CSP console messages": [m for m in self.console if "Content Security Policy" in m],
            "script errors": [m for m in self.console if m.startswith("pageerror")],
        }
        return {k: v for k, v in found.items() if v}


def watch(browser: Browser, width: int = 1280, height: int = 900) -> Watched:
    page = browser.new_page(viewport={"width": width, "height": height})
    watched = Watched(page)

    def guard(route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            watched.elsewhere.append(route.request.url)
            route.abort()

    def dialog(d: Dialog) -> None:
        watched.dialogs.append(f"{d.type}: {d.message}")
        d.dismiss()

    def console(m: ConsoleMessage) -> None:
        watched.console.append(m.text)

    page.route("**/*", guard)
    page.on("dialog", dialog)
    page.on("console", console)
    page.on("pageerror", lambda e: watched.console.append(f"pageerror {e}"))
    page.add_init_script(WATCH_CSP)
    return watched


def move_to(page: Page, day: str) -> None:
    """Set the date input as a person would, and wait for the states of that day."""
    page.fill("#asof-date", day)
    page.press("#asof-date", "Enter")
    page.wait_for_selector(f"body[data-shown-asof='{day}']")


def state_text(page: Page, thread: str) -> str:
    return page.inner_text(f"[data-state-of='{thread}']")


def known_events(page: Page, day: str) -> int:
    """How many events the API says were public by the end of ``day``."""
    doc = json.loads(page.evaluate(f"fetch('/api/v1/asof/{day}').then(r => r.text())"))
    return sum(t["events"] for t in doc["threads"])


def expect_items(page: Page, day: str, count: int) -> None:
    """The timeline draws exactly the events public on ``day`` (and the list shows them)."""
    from playwright.sync_api import expect

    assert known_events(page, day) == count
    expect(page.locator(ITEMS)).to_have_count(count)
    expect(page.locator("li.event:not([hidden])")).to_have_count(count)


def test_the_day_slider_discloses_the_replies_only_once_they_were_public(
    browser: Browser, story: Served, tmp_path: Path
) -> None:
    # tall enough for the whole timeline: vis-timeline draws only the rows in view
    watched = watch(browser, height=2400)
    page = watched.page
    page.goto(f"{story.url}/?asof=2022-01-20")
    page.wait_for_selector(".vis-timeline")
    assert page.locator(".vis-label").all_inner_texts() == TITLES
    expect_items(page, "2022-01-20", 14)

    move_to(page, "2022-02-01")
    assert DISCLOSED not in state_text(page, THREAD)
    assert "US and NATO deliver written replies" in page.inner_text("#timeline")
    assert "reaffirm NATO's open door" not in page.inner_text("#timeline")
    expect_items(page, "2022-02-01", 17)

    # the slider, by keyboard: one day on
    page.focus("#asof-range")
    page.keyboard.press("ArrowRight")
    page.wait_for_selector("body[data-shown-asof='2022-02-02']")
    assert page.input_value("#asof-date") == "2022-02-02"
    assert page.get_attribute("#asof-range", "aria-valuetext") == "2022-02-02"
    assert DISCLOSED in state_text(page, THREAD)
    assert "reaffirm NATO's open door" in page.inner_text("#timeline")
    expect_items(page, "2022-02-02", 26)
    assert page.url.endswith("?asof=2022-02-02")

    shot = tmp_path / "page.png"
    page.screenshot(path=str(shot))  # the viewport: header, timeline, a thread
    print(f"screenshot: {shot}")
    assert watched.failures() == {}


def test_the_page_fits_a_phone_s_width(browser: Browser, story: Served) -> None:
    watched = watch(browser, width=360)
    page = watched.page
    page.goto(f"{story.url}/?asof=2022-02-02")
    page.wait_for_selector(".vis-timeline")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.is_visible("#asof-range") and page.is_visible("#asof-date")
    assert watched.failures() == {}


def test_hostile_text_stays_text_in_the_page_the_timeline_and_the_states(
    browser: Browser, hostile: Served
) -> None:
    watched = watch(browser)
    page = watched.page
    page.goto(f"{hostile.url}/?asof=2022-02-01")
    page.wait_for_selector(".vis-timeline")
    title = f"{SCRIPT} says {IMG}"
    assert page.inner_text("#thread-hostile-text .title") == title
    assert f"{SCRIPT} talks" in page.locator(".vis-label").all_inner_texts()
    assert title in page.locator(".vis-item-content").all_inner_texts()
    # the states drawn by the script from the API's JSON
    move_to(page, "2022-02-02")
    stance = page.inner_text("[data-state-of='hostile-text'] .stance")
    assert stance == f"</dd>{SCRIPT}"
    assert IMG in state_text(page, "hostile-text")
    planted = "img, svg, iframe, object, [onerror], [onload], [onmouseover], a[href^='javascript']"
    assert page.locator(planted).count() == 0
    assert page.locator("script").count() == 2
    assert watched.failures() == {}


AMENDED = """\
- type: correction
  corrects: russia-nato-security-guarantees/putin-concerns-ignored
  set:
    title: Putin says the replies ignored Russia's concerns, and that talks go on
  known: 2022-02-10
- type: correction
  corrects: russia-nato-security-guarantees/replies-open-door
  set:
    known: 2022-02-03
  known: 2022-02-09
- type: retraction
  retracts: russia-nato-security-guarantees/blinken-lavrov-geneva
  reason: a test of hindsight
  known: 2022-02-12
"""


@pytest.fixture
def amended(tmp_path: Path) -> Iterator[Served]:
    path = tmp_path / "amended.yaml"
    path.write_text(AMENDED, encoding="utf-8")
    yield from _serve(tmp_path, path)


def test_the_page_shows_each_event_as_amended_on_the_day_shown_and_never_after(
    browser: Browser, amended: Served
) -> None:
    watched = watch(browser, height=2400)
    page = watched.page
    page.goto(f"{amended.url}/?asof=2022-02-05")
    page.wait_for_selector(".vis-timeline")
    putin = f"#event-{THREAD}--putin-concerns-ignored"
    doors = f"#event-{THREAD}--replies-open-door"
    blinken = f"#event-{THREAD}--blinken-lavrov-geneva"
    # on 5 February: the title as it read then, "public on" as known then, no retraction
    assert "ignored Russia's fundamental concerns" in page.inner_text(f"{putin} .title")
    assert "public on 2022-02-02" in page.inner_text(f"{doors} .meta")
    assert "retracted" not in page.inner_text(f"#thread-{THREAD}")
    assert page.is_visible(blinken)
    # on 12 February, every amendment is public
    move_to(page, "2022-02-12")
    assert "and that talks go on" in page.inner_text(f"{putin} .title")
    assert "and that talks go on" in page.inner_text("#timeline")
    assert "public on 2022-02-03" in page.inner_text(f"{doors} .meta")
    assert not page.is_visible(blinken)
    # and back: nothing learned later stays, in the list, the timeline or the state
    move_to(page, "2022-02-05")
    assert "ignored Russia's fundamental concerns" in page.inner_text(f"{putin} .title")
    assert "talks go on" not in page.inner_text("body")
    assert "public on 2022-02-02" in page.inner_text(f"{doors} .meta")
    assert page.is_visible(blinken)
    assert "retracted" not in page.inner_text(f"#thread-{THREAD}")
    assert watched.failures() == {}


def test_the_api_reference_renders_every_operation_under_its_csp(
    browser: Browser, story: Served
) -> None:
    """/docs: the vendored Swagger UI reads the service's own document and lists every
    operation by its summary; nothing loads from elsewhere, nothing breaks the CSP."""
    watched = watch(browser)
    page = watched.page
    page.goto(f"{story.url}/docs")
    page.wait_for_selector(".opblock", timeout=15_000)
    with urllib.request.urlopen(f"{story.url}/openapi.json", timeout=10) as r:
        doc = json.load(r)
    operations = [op["operationId"] for ops in doc["paths"].values() for op in ops.values()]
    shown = page.locator(".opblock").count()
    assert shown == len(operations) > 15
    assert page.locator(".opblock-summary-path", has_text="/api/v1/asof/{date}").count() == 1
    assert watched.failures() == {}


def test_the_first_screen_says_where_each_negotiation_stands_and_what_changed(
    browser: Browser, story: Served, tmp_path: Path
) -> None:
    watched = watch(browser, width=1280, height=800)
    page = watched.page
    page.goto(f"{story.url}/?asof=2022-02-01")
    page.wait_for_selector(".vis-timeline")
    rows = page.locator("#glance tr[data-glance-of]")
    assert rows.count() == len(TITLES)
    for n in range(rows.count()):  # every row on the first screen, before any scrolling
        box = rows.nth(n).bounding_box()
        assert box is not None and box["y"] + box["height"] <= 800
    doc = json.loads(page.evaluate("fetch('/api/v1/asof/2022-02-01').then(r => r.text())"))
    for state in doc["threads"]:
        row = page.locator(f"#glance tr[data-glance-of='{state['thread']}']")
        assert row.locator(".status").inner_text() == state["status"]
        assert state["last"]["title"] in row.locator(".latest").inner_text()
    page.screenshot(path=str(tmp_path / "first-screen.png"))
    # one day on: what changed is counted since the day shown before
    move_to(page, "2022-02-02")
    page.wait_for_selector("#glance[data-since='2022-02-01']")
    changed = page.inner_text(f"#glance tr[data-glance-of='{THREAD}'] .changed")
    assert "more events known" in changed and "status" not in changed
    print(f"screenshots: {tmp_path}")
    assert watched.failures() == {}


def test_the_timeline_draws_the_disclosure_gap_colours_by_type_and_opens_a_popover(
    browser: Browser, story: Served, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    watched = watch(browser, height=2400)
    page = watched.page
    page.goto(f"{story.url}/?asof=2022-02-02")
    page.wait_for_selector(".vis-timeline")
    late = page.locator("li.event:not([hidden])[data-late]:not([data-late='0'])")
    expect(page.locator(GAPS)).to_have_count(late.count())
    assert late.count() >= 5  # the replies' content, public a week after delivery
    legend = page.inner_text("#legend")
    assert "made public later" in legend and "offer" in legend and "demand" in legend
    kinds = {c for item in page.locator(ITEMS).all() for c in item.get_attribute("class").split()}
    assert {"family-talks", "family-proposals", "family-pressure"} <= kinds
    # the popover: the event's texts and sources, by the item clicked; Escape closes it
    published = page.locator(".vis-item", has_text="El País publishes the confidential")
    box = published.bounding_box()
    assert box is not None  # clicked by its right edge: the as-of line runs through it
    published.click(position={"x": box["width"] - 4, "y": box["height"] / 2})
    popover = page.locator("#popover")
    expect(popover).to_be_visible()
    assert "El País publishes the confidential" in popover.inner_text()
    assert "Sources" in popover.inner_text()
    assert page.evaluate("window.scrollY") == 0  # clicking no longer scrolls the page away
    page.screenshot(path=str(tmp_path / "popover.png"))
    page.keyboard.press("Escape")
    expect(popover).to_be_hidden()
    assert watched.failures() == {}


def test_without_javascript_the_page_is_whole_and_has_no_dead_control(
    browser: Browser, story: Served
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{story.url}/?asof=2022-02-02")
    assert not page.is_visible("#asof-range")  # a slider needs the script
    assert not page.is_visible("#timeline")
    assert page.is_visible("#asof-date") and page.is_visible("#glance")
    assert page.locator("#glance tr[data-glance-of]").count() == len(TITLES)
    links = page.locator(".subscribe a").all_inner_texts()
    assert links and all(text != "http" for text in links)
    assert all(t.startswith(("subscribe", "http://127.0.0.1")) for t in links)
    context.close()


def test_the_address_keeps_the_filters_so_that_a_view_can_be_shared(
    browser: Browser, story: Served
) -> None:
    watched = watch(browser, height=2400)
    page = watched.page
    page.goto(f"{story.url}/?asof=2022-02-01&type=offer")
    page.wait_for_selector(".vis-timeline")
    move_to(page, "2022-02-02")
    assert "type=offer" in page.url and "asof=2022-02-02" in page.url
    listed = page.locator("li.event:not([hidden])")
    assert listed.count() > 0
    assert {t.lower() for t in listed.locator(".type").all_inner_texts()} == {"offer"}  # CSS caps
    # the same address in another tab shows the same view
    again = browser.new_page()
    again.goto(page.url)
    assert again.locator("li.event:not([hidden])").count() == listed.count()
    assert again.input_value("#filter-type") == "offer"
    again.close()
    assert watched.failures() == {}
