"""timeline report: a thread's briefing as Markdown, and as one HTML file that a strict
HTML5 parser accepts, with nothing to fetch or run and every text escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import html5lib

from tests.conftest import Run

THREAD = "russia-nato-security-guarantees"
NS = {"h": "http://www.w3.org/1999/xhtml", "svg": "http://www.w3.org/2000/svg"}


def _page(run: Run, *args: str) -> tuple[str, ET.Element]:
    result = run("report", THREAD, "--format", "html", *args)
    assert result.exit_code == 0, result.output
    # strict: any parse error (a stray tag, an unclosed element, a bad entity) raises
    tree = html5lib.HTMLParser(strict=True, namespaceHTMLElements=True).parse(result.stdout)
    return result.stdout, tree


def test_the_html_page_is_valid_self_contained_and_complete(imported: Run) -> None:
    text, page = _page(imported, "--asof", "2022-01-28")
    assert page.findtext(".//h:h1", namespaces=NS) == "Russia–US/NATO security guarantees"
    headings = [h.text for h in page.iterfind(".//h:h2", NS)]
    assert headings == [
        "What changed in the last 7 days",
        "Positions",
        "Chronology",
        "Still secret",
    ]
    items = page.findall(".//h:ol/h:li", NS)
    assert len(items) == 7  # the events publicly known on 28 January
    assert len(page.findall(".//svg:svg/svg:circle", NS)) == 7
    links = [a.get("href") for a in page.iterfind(".//h:a", NS)]
    assert links and all(href.startswith("https://") for href in links)
    for outside in ("<script", "<link", " src=", "@import", "url("):
        assert outside not in text
    secret = page.findall(".//h:ul", NS)[-1]
    assert "known to NATO (since 2022-01-26), Russia (since 2022-01-26)" in "".join(
        secret.itertext()
    )


def test_once_public_nothing_is_secret_and_the_replies_are_in(imported: Run) -> None:
    _, page = _page(imported, "--asof", "2022-02-02")
    assert [h.text for h in page.iterfind(".//h:h2", NS)] == [
        "What changed in the last 7 days", "Positions", "Chronology",
    ]  # fmt: skip
    assert len(page.findall(".//h:ol/h:li", NS)) == 13


def test_event_text_is_never_markup(run_ok: Run) -> None:
    hostile = "<script>alert(1)</script> & <b>bold</b>"
    run_ok(
        "add", "--thread", THREAD, "--date", "2022-01-10", "--type", "statement",
        "--actor", "<Russia>", "--title", hostile, "--source", "A&B=https://x.example/?a=1&b=<2>",
    )  # fmt: skip
    text, page = _page(run_ok, "--asof", "2022-01-10")
    assert "<script>" not in text and "<b>" not in text
    assert hostile in "".join(page.find(".//h:ol", NS).itertext())
    assert page.find(".//h:ol//h:a", NS).get("href") == "https://x.example/?a=1&b=<2>"
    markdown = run_ok("report", THREAD, "--asof", "2022-01-10").stdout
    assert "\\<script\\>" in markdown


def test_markdown_and_a_file(imported: Run, tmp_path: Path) -> None:
    out = tmp_path / "brief.md"
    assert imported("report", THREAD, "--asof", "2022-01-28", "-o", str(out)).exit_code == 0
    lines = out.read_text().splitlines()
    assert lines[:3] == [
        "# Russia–US/NATO security guarantees",
        "",
        "_As publicly known on 2022-01-28._",
    ]
    assert "## Still secret" in lines
    early = imported("report", THREAD, "--asof", "2021-11-01").stdout
    assert "Nothing about this thread was publicly known by then." in early
    result = imported("report", "no-such-thread")
    assert result.exit_code == 1 and result.stderr.startswith("Error: unknown thread")


def test_what_was_secret_shows_even_when_nothing_was_public(run_ok: Run) -> None:
    run_ok(
        "add", "--thread", THREAD, "--date", "2022-01-26", "--known", "2022-02-02",
        "--type", "response", "--actor", "NATO", "--title", "Replies",
        "--known-to", "Russia=2022-01-26",
    )  # fmt: skip
    markdown = run_ok("report", THREAD, "--asof", "2022-01-28").stdout
    assert "Nothing about this thread was publicly known by then." in markdown
    assert "## Still secret" in markdown and "Russia (since 2022-01-26)" in markdown
    _, page = _page(run_ok, "--asof", "2022-01-28")
    assert [h.text for h in page.iterfind(".//h:h2", NS)] == ["Still secret"]


def test_the_report_says_since_when_what_changed_the_summaries_and_the_digest(
    imported: Run,
) -> None:
    import json

    _, page = _page(imported, "--asof", "2022-02-02")
    facts = "".join(page.find(".//h:dl", NS).itertext())
    assert "stalled (since 2022-02-01)" in facts  # Putin's statement set it, public that day
    diff = json.loads(
        imported("diff", "2022-01-26", "2022-02-02", "--thread", THREAD, "--format", "json").stdout
    )["threads"][0]
    changed = page.findall(".//h:h2", NS)[0]
    assert changed.text == "What changed in the last 7 days"
    items = ["".join(li.itertext()) for li in page.findall(".//h:ul", NS)[0]]
    assert len([i for i in items if i.startswith("Newly known:")]) == len(diff["events"]["known"])
    assert len([i for i in items if i.startswith("Position added:")]) == len(
        diff["positions"]["added"]
    )
    assert any(i.startswith("Status: negotiating → stalled") for i in items)
    summaries = ["".join(d.itertext()) for d in page.iterfind(".//h:div[@class='summary']", NS)]
    assert any("El País published the full texts" in t for t in summaries)
    digest = imported("digest").stdout.strip()
    assert f"The log's digest when this was made: {digest}" in "".join(
        page.find(".//h:footer", NS).itertext()
    )
    assert imported("verify", "--expect", digest).exit_code == 0
    markdown = imported("report", THREAD, "--asof", "2022-02-02", "--changes", "0").stdout
    assert "What changed" not in markdown and f"`timeline verify --expect {digest}`" in markdown
    assert imported("report", THREAD, "--changes", "-1").exit_code != 0


def test_the_chart_labels_its_dates_and_stacks_the_events_of_one_day(imported: Run) -> None:
    _, page = _page(imported, "--asof", "2022-02-02")
    svg = page.find(".//svg:svg", NS)
    labels = [t.text for t in svg.iterfind("svg:text", NS)]
    assert "2022-01-01" in labels and "2022-02-01" in labels  # the months between the ends
    dots = [(c.get("cx"), c.get("cy")) for c in svg.iterfind("svg:circle", NS)]
    assert len(dots) == len(set(dots)) == 13  # four replies of 26 January: four heights
    per_day = Counter(cx for cx, _ in dots)
    busiest = max(per_day, key=lambda cx: per_day[cx])
    heights = [cy for cx, cy in dots if cx == busiest]
    assert len(heights) >= 4 and len(set(heights)) == len(heights)
