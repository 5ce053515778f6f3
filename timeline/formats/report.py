"""A one-page chronology of a thread for a briefing (``timeline report``), as Markdown or
as one self-contained HTML file. Pure: no I/O.

The page: title, status and parties; each party's positions with the date each was
taken; the events known by the day with their sources (links for web addresses); and,
where some actors knew more than the public, what was still secret. The HTML has its
style inline, prints on A4 or Letter, and draws the events on a small SVG time axis: no
JavaScript, nothing fetched. Every text is escaped: an event's words are never markup.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
from collections.abc import Sequence
from itertools import groupby

from timeline.core.model import Event, EventView, Record, ThreadState
from timeline.core.viewpoints import Secret
from timeline.core.views import Report
from timeline.formats._markdown import md_text, md_url

__all__ = ["report_html", "report_markdown"]


def _known(e: Event, day: dt.date) -> str:
    """What a chronology says of an event's known day: a scheduled one still to come is
    marked, with the day it was announced."""
    if e.upcoming_on(day) and e.announced is not None:
        return f" (scheduled; announced {e.announced.isoformat()})"
    return "" if e.known == e.date.last else f" (known {e.known.isoformat()})"


def _web(url: str | None) -> bool:
    return url is not None and url.startswith(("https://", "http://"))


def _heading(r: Report) -> str:
    return r.title or r.thread


def _sources_md(e: Event) -> str:
    names = [
        f"[{md_text(s.name)}]({md_url(s.url)})" if s.url and _web(s.url) else md_text(s.name)
        for s in e.sources
    ]
    return ", ".join(names)


def _cut(r: Report) -> tuple[str, str] | None:
    """The footer of a report cut at a signed checkpoint: which, and the command that
    makes the report again from a copy of that log."""
    c = r.checkpoint
    if c is None:
        return None
    root = base64.b64encode(c.root).decode()
    which = (
        f"From the log {c.origin} at its signed checkpoint of size {c.size} "
        f"({c.signed.isoformat()}, root {root})"
    )
    again = f"timeline report {r.thread} --asof {r.day.isoformat()} --at-checkpoint {c.size}"
    return which, again


def report_markdown(r: Report) -> str:
    return "\n".join(_markdown(r) + _footer_md(r))


def _footer_md(r: Report) -> list[str]:
    cut = _cut(r)
    if cut is None:
        return []
    which, again = cut  # a slug, a day and a number: nothing a code span cannot hold
    return ["---", "", f"{md_text(which)}: `{again}` on a copy of that log makes it again.", ""]


def _markdown(r: Report) -> list[str]:
    out = [f"# {md_text(_heading(r))}", "", f"_As publicly known on {r.day.isoformat()}._", ""]
    s = r.state
    if s is None:
        out += ["Nothing about this thread was publicly known by then.", ""]
        return out + _secrets_md(r.secrets)
    out += [f"- **Status:** {s.status}", f"- **Parties:** {md_text(', '.join(s.parties))}", ""]
    if s.positions:
        out += ["## Positions", ""]
        for actor, group in groupby(s.positions, key=lambda p: p.actor):
            out.append(f"**{md_text(actor)}**")
            out.append("")
            out += [f"- {md_text(p.issue)}: {md_text(p.stance)} (since {p.since})" for p in group]
            out.append("")
    out += ["## Chronology", ""]
    for a in r.events:
        e = a.record.event
        known = _known(e, r.day)
        out.append(f"- **{e.date.text}**{known} — {e.type}: {md_text(e.title)}")
        if e.sources:
            out.append(f"  Sources: {_sources_md(e)}")
    out.append("")
    return out + _secrets_md(r.secrets)


def _secrets_md(secrets: Sequence[Secret]) -> list[str]:
    if not secrets:
        return []
    out = ["## Still secret", ""]
    for x in secrets:
        who = ", ".join(f"{md_text(a)} (since {d.isoformat()})" for a, d in x.knowers)
        out.append(
            f"- **{x.event.date.text}** {md_text(x.event.title)} — known to {who}; "
            f"public {x.event.known.isoformat()}"
        )
    return [*out, ""]


# ---- HTML -------------------------------------------------------------------------------

_STYLE = """
body { font: 11pt/1.45 Georgia, 'Times New Roman', serif; max-width: 46rem; margin: 2rem auto;
  padding: 0 1rem; color: #111; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.1rem; border-bottom: 1px solid #999; margin-top: 1.6rem; }
.basis { color: #555; margin-top: 0; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; }
dt { font-weight: bold; }
ol.chronology { list-style: none; padding: 0; }
ol.chronology li { margin: 0 0 0.6rem; break-inside: avoid; }
.when { font-weight: bold; font-variant-numeric: tabular-nums; }
.sources { color: #444; font-size: 0.9rem; }
svg { width: 100%; height: auto; }
svg text { font: 9px sans-serif; fill: #333; }
svg .axis { stroke: #666; }
svg .event { fill: #1f4e79; }
@media print { body { margin: 0; max-width: none; } a { color: inherit; }
  h2 { break-after: avoid; } }
@page { margin: 18mm; }
"""

# A file opened from disk has no headers: the policy travels in the page. It runs
# nothing, loads nothing, and allows exactly its own stylesheet (by digest), so markup
# that slipped into a title could neither run nor restyle the page.
_CSP = (
    "default-src 'none'; style-src 'sha256-"
    + base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()
    + "'; base-uri 'none'; form-action 'none'"
)


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _svg(events: Sequence[EventView[Record]]) -> str:
    """The events on a time axis: a dot per event (a bar for an imprecise date), the
    first and last dates written under it; each mark's <title> names the event."""
    if not events:
        return ""
    first = min(a.record.event.date.first for a in events)
    last = max(a.record.event.date.last for a in events)
    span = max((last - first).days, 1)
    width, left, right = 600, 10, 590

    def x(day: dt.date) -> float:
        return left + (right - left) * (day - first).days / span

    marks = []
    for a in events:
        e = a.record.event
        x0, x1 = x(e.date.first), x(e.date.last)
        label = _e(f"{e.date.text} — {e.title}")
        if x1 - x0 >= 2:
            marks.append(
                f'<rect class="event" x="{x0:.1f}" y="16" width="{x1 - x0:.1f}" height="8" '
                f'opacity="0.5"><title>{label}</title></rect>'
            )
        else:
            marks.append(
                f'<circle class="event" cx="{x0:.1f}" cy="20" r="4"><title>{label}</title></circle>'
            )
    return (
        f'<svg viewBox="0 0 {width} 44" role="img" aria-label="The events on a time axis">'
        f'<line class="axis" x1="{left}" y1="20" x2="{right}" y2="20"/>'
        + "".join(marks)
        + f'<text x="{left}" y="40">{_e(first.isoformat())}</text>'
        f'<text x="{right}" y="40" text-anchor="end">{_e(last.isoformat())}</text></svg>'
    )


def _sources_html(e: Event) -> str:
    links = [
        f'<a href="{_e(s.url)}" rel="noopener noreferrer">{_e(s.name)}</a>'
        if s.url and _web(s.url)
        else _e(s.name)
        for s in e.sources
    ]
    return f'<div class="sources">Sources: {", ".join(links)}</div>' if links else ""


def _positions_html(s: ThreadState) -> list[str]:
    out = ["<h2>Positions</h2>"]
    for actor, group in groupby(s.positions, key=lambda p: p.actor):
        out.append(f"<h3>{_e(actor)}</h3><ul>")
        out += [
            f"<li>{_e(p.issue)}: {_e(p.stance)} <i>(since {_e(p.since)})</i></li>" for p in group
        ]
        out.append("</ul>")
    return out


def _secrets_html(secrets: Sequence[Secret]) -> list[str]:
    out = ["<h2>Still secret</h2>", "<ul>"]
    for x in secrets:
        who = ", ".join(f"{_e(a)} (since {d.isoformat()})" for a, d in x.knowers)
        out.append(
            f'<li><span class="when">{_e(x.event.date.text)}</span> {_e(x.event.title)} — '
            f"known to {who}; public {x.event.known.isoformat()}</li>"
        )
    return [*out, "</ul>"]


def report_html(r: Report) -> str:
    heading = _e(_heading(r))
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{heading} — as of {r.day.isoformat()}</title>",
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
        f"<h1>{heading}</h1>",
        f'<p class="basis">As publicly known on {r.day.isoformat()} · thread '
        f"<code>{_e(r.thread)}</code></p>",
    ]
    s = r.state
    if s is None:
        out.append("<p>Nothing about this thread was publicly known by then.</p>")
    else:
        out += [
            "<dl>",
            f"<dt>Status</dt><dd>{_e(s.status)}</dd>",
            f"<dt>Parties</dt><dd>{_e(', '.join(s.parties))}</dd>",
            f"<dt>Events</dt><dd>{s.events} known ({_e(s.first.date)} … {_e(s.last.date)})</dd>",
            "</dl>",
            _svg(r.events),
        ]
        if s.positions:
            out += _positions_html(s)
        out += ["<h2>Chronology</h2>", '<ol class="chronology">']
        for a in r.events:
            e = a.record.event
            known = _known(e, r.day)
            out.append(
                f'<li><span class="when">{_e(e.date.text)}</span>{known} · {_e(e.type)}: '
                f"{_e(e.title)}{_sources_html(e)}</li>"
            )
        out.append("</ol>")
    if r.secrets:  # what some knew, even when the public knew nothing yet
        out += _secrets_html(r.secrets)
    cut = _cut(r)
    if cut is not None:
        which, again = cut
        out.append(
            f'<footer class="basis">{_e(which)}: <code>{_e(again)}</code> on a copy of that '
            "log makes it again.</footer>"
        )
    out += ["</body>", "</html>", ""]
    return "\n".join(out)
