"""timeline report: a thread's briefing as Markdown, and as one HTML file that a strict
HTML5 parser accepts, with nothing to fetch or run and every text escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET
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
    assert headings == ["Positions", "Chronology", "Still secret"]
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
    assert [h.text for h in page.iterfind(".//h:h2", NS)] == ["Positions", "Chronology"]
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
