"""A one-page chronology of a thread for a briefing (``timeline report``), as Markdown or
as one self-contained HTML file. Pure: no I/O.

The page: title, status (and since when) and parties; what changed in the days before;
each party's positions with the date each was taken; the events known by the day with
their summaries and sources (links for web addresses); where some actors knew more
than the public, what was still secret; and a footer with the log's digest (or the
signed checkpoint it was cut at), which a reader checks a copy of the log against. The
HTML has its style inline, prints on A4 or Letter, and draws the events on a small SVG
time axis (dated ticks; events of one day stacked): no JavaScript, nothing fetched.
Every text is escaped: an event's words are never markup.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
from collections.abc import Sequence
from itertools import groupby

from timeline.core.model import Event, EventView, PositionState, Record, ThreadState
from timeline.core.viewpoints import Secret
from timeline.core.views import Report, ThreadDiff
from timeline.formats._markdown import md_text, md_url
from timeline.formats.changes import change_lines

__all__ = ["report_html", "report_markdown"]


def _known(e: Event, day: dt.date) -> str:
    """What a chronology says of an event's known day: a scheduled one still to come is
    marked, with the day it was announced."""
    if e.upcoming_on(day) and e.announced is not None:
        return f" (scheduled; announced {e.announced.isoformat()})"
    return "" if e.known == e.date.last else f" (known {e.known.isoformat()})"


def _since(s: ThreadState) -> str:
    """The day the status took hold: when the record that set it became public."""
    return s.status_key[0].isoformat() if s.status_key else s.first.known


def _digest_note(r: Report) -> str | None:
    if r.digest is None:
        return None
    return (
        f"The log's digest when this was made: {r.digest}. `timeline verify --expect "
        f"{r.digest}` on a copy of the log shows it still holds these records."
    )


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
    note = _digest_note(r)
    if cut is None:
        return [] if note is None else ["---", "", note, ""]  # a count and hex: plain
    which, again = cut  # a slug, a day and a number: nothing a code span cannot hold
    return ["---", "", f"{md_text(which)}: `{again}` on a copy of that log makes it again.", ""]


def _changes_md(r: Report) -> list[str]:
    if r.changes_since is None:
        return []
    days = (r.day - r.changes_since).days
    out = [f"## What changed in the last {days} days", ""]
    lines = change_lines(r.changes) if r.changes is not None else []
    out += lines or [f"Nothing became known after {r.changes_since.isoformat()}."]
    return [*out, ""]


def _markdown(r: Report) -> list[str]:
    out = [f"# {md_text(_heading(r))}", "", f"_As publicly known on {r.day.isoformat()}._", ""]
    s = r.state
    if s is None:
        out += ["Nothing about this thread was publicly known by then.", ""]
        return out + _secrets_md(r.secrets)
    out += [
        f"- **Status:** {s.status} (since {_since(s)})",
        f"- **Parties:** {md_text(', '.join(s.parties))}",
        "",
        *_changes_md(r),
    ]
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
        if e.summary:
            out.append(f"  {md_text(e.summary)}")
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
.summary { font-size: 0.95rem; }
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


def _ticks(first: dt.date, last: dt.date) -> list[dt.date]:
    """Days to label on the axis: the first of each month (of each year, over a long
    span; each week's Monday, over a short one), at most eight, and the two ends."""
    span = (last - first).days
    if span <= 45:
        days = [first + dt.timedelta(days=n) for n in range(span + 1)]
        marks = [d for d in days if d.weekday() == 0]
    else:
        months = [
            dt.date(y, m, 1)
            for y in range(first.year, last.year + 1)
            for m in range(1, 13)
            if first < dt.date(y, m, 1) <= last
        ]
        marks = months if len(months) <= 8 else [d for d in months if d.month == 1]
    step = max(1, -(-len(marks) // 8))
    return marks[::step]


def _svg(events: Sequence[EventView[Record]]) -> str:
    """The events on a time axis: a dot per event (a bar for an imprecise date), events
    of one day stacked above each other, dated ticks under it; each mark's <title> names
    the event."""
    if not events:
        return ""
    first = min(a.record.event.date.first for a in events)
    last = max(a.record.event.date.last for a in events)
    span = max((last - first).days, 1)
    width, left, right = 600, 10, 590
    stacked: dict[tuple[dt.date, dt.date], int] = {}
    for a in events:
        d = a.record.event.date
        stacked[d.first, d.last] = stacked.get((d.first, d.last), 0) + 1
    tall = min(max(stacked.values()), 12)  # a taller pile is drawn to 12, the count written
    axis = 12 + 10 * tall  # the axis' y: room above it for the highest pile

    def x(day: dt.date) -> float:
        return left + (right - left) * (day - first).days / span

    marks = []
    placed: dict[tuple[dt.date, dt.date], int] = {}
    for a in events:
        e = a.record.event
        key = (e.date.first, e.date.last)
        level = placed[key] = placed.get(key, -1) + 1
        if level >= tall:
            continue
        x0, x1, y = x(e.date.first), x(e.date.last), axis - 10 * level
        label = _e(f"{e.date.text} — {e.title}")
        if x1 - x0 >= 2:
            marks.append(
                f'<rect class="event" x="{x0:.1f}" y="{y - 4}" width="{x1 - x0:.1f}" '
                f'height="8" opacity="0.5"><title>{label}</title></rect>'
            )
        else:
            dot = f'<circle class="event" cx="{x0:.1f}" cy="{y}" r="4">'
            marks.append(f"{dot}<title>{label}</title></circle>")
    for (day, _), n in stacked.items():
        if n > tall:
            marks.append(f'<text x="{x(day) + 6:.1f}" y="{axis - 10 * (tall - 1)}">{n}</text>')
    ticks = []
    for day in _ticks(first, last):
        at = x(day)
        ticks.append(
            f'<line class="axis" x1="{at:.1f}" y1="{axis}" x2="{at:.1f}" y2="{axis + 4}"/>'
            f'<text x="{at:.1f}" y="{axis + 14}" text-anchor="middle">{day.isoformat()}</text>'
        )
    height = axis + 30
    return (
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="The events on a time axis">'
        f'<line class="axis" x1="{left}" y1="{axis}" x2="{right}" y2="{axis}"/>'
        + "".join(marks)
        + "".join(ticks)
        + f'<text x="{left}" y="{axis + 26}">{_e(first.isoformat())}</text>'
        f'<text x="{right}" y="{axis + 26}" text-anchor="end">{_e(last.isoformat())}</text></svg>'
    )


def _changes_html(r: Report) -> list[str]:
    """What changed in the days before, from the same lines as the Markdown (their
    ``**label:**`` as bold; the rest escaped)."""
    if r.changes_since is None:
        return []
    days = (r.day - r.changes_since).days
    out = [f"<h2>What changed in the last {days} days</h2>"]
    changes = _change_items(r.changes) if r.changes is not None else []
    if not changes:
        return [*out, f"<p>Nothing became known after {r.changes_since.isoformat()}.</p>"]
    return [*out, "<ul>", *changes, "</ul>"]


def _change_items(t: ThreadDiff) -> list[str]:
    def li(label: str, text: str) -> str:
        return f"<li><strong>{label}:</strong> {_e(text)}</li>"

    items = [li("Status", f"{t.status[0]} → {t.status[1]}")] if t.status else []
    items += [li("Position added", _stance_text(p)) for p in t.added]
    items += [
        li(
            "Position changed",
            f"{new.actor} on {new.issue}: {old.stance} → {new.stance} (since {new.since})",
        )
        for old, new in t.changed
    ]
    items += [li("Position dropped", _stance_text(p)) for p in t.dropped]
    items += [li("Newly known", f"{e.date} — {e.type} — {e.title}") for e in t.known]
    items += [li("Retracted", f"{e.date} — {e.title}: {reason}") for e, reason in t.retracted]
    items += [
        li("Corrected", f"{e.date} — {e.title}: {', '.join(fields)}") for e, fields in t.corrected
    ]
    return items


def _stance_text(p: PositionState) -> str:
    return f"{p.actor} on {p.issue}: {p.stance} (since {p.since})"


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
            f"<dt>Status</dt><dd>{_e(s.status)} (since {_e(_since(s))})</dd>",
            f"<dt>Parties</dt><dd>{_e(', '.join(s.parties))}</dd>",
            f"<dt>Events</dt><dd>{s.events} known ({_e(s.first.date)} … {_e(s.last.date)})</dd>",
            "</dl>",
            _svg(r.events),
            *_changes_html(r),
        ]
        if s.positions:
            out += _positions_html(s)
        out += ["<h2>Chronology</h2>", '<ol class="chronology">']
        for a in r.events:
            e = a.record.event
            known = _known(e, r.day)
            summary = f'<div class="summary">{_e(e.summary)}</div>' if e.summary else ""
            out.append(
                f'<li><span class="when">{_e(e.date.text)}</span>{known} · {_e(e.type)}: '
                f"{_e(e.title)}{summary}{_sources_html(e)}</li>"
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
    elif r.digest is not None:
        check = f"timeline verify --expect {r.digest}"
        out.append(
            f'<footer class="basis">The log\'s digest when this was made: <code>'
            f"{_e(r.digest)}</code>. <code>{_e(check)}</code> on a copy of the log shows it "
            "still holds these records.</footer>"
        )
    out += ["</body>", "</html>", ""]
    return "\n".join(out)
