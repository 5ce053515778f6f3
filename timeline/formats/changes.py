"""Renders how things changed: a thread's history, and the diff between two dates. Pure.

``diff --format json`` is::

    {"from": "YYYY-MM-DD", "to": "YYYY-MM-DD",
     "threads": [{
        "thread": slug, "title": text or null,
        "change": "appeared" | "changed" | "disappeared",
        "status": {"from": status, "to": status} or null,
        "positions": {
            "added":   [{"actor", "issue", "stance", "since", "event"}],
            "changed": [{"actor", "issue", "from": {"stance", "since", "event"},
                                           "to":   {"stance", "since", "event"}}],
            "dropped": [{"actor", "issue", "stance", "since", "event"}]},
        "events": {
            "known":     [{"id", "date", "known", "type", "title"}],
            "retracted": [{"id", "date", "known", "type", "title", "reason"}],
            "corrected": [{"id", "date", "known", "type", "title", "fields": [name]}]}}]}

Only threads where something changed are listed, sorted by slug. A viewpoint (``diff
--as ACTOR``) adds ``"as": ACTOR`` after ``"to"``.
"""

from __future__ import annotations

import json
from typing import Any

from timeline.core.codec import format_recorded_at, pretty
from timeline.core.mapper import entry_to_payload
from timeline.core.model import (
    Correction,
    Event,
    EventSummary,
    EventView,
    PositionState,
    Record,
    Retraction,
)
from timeline.core.views import Diff, History, ThreadDiff
from timeline.formats._markdown import md_text, md_url
from timeline.formats.render import record_dict

__all__ = [
    "change_lines",
    "diff_json",
    "diff_markdown",
    "diff_text",
    "history_json",
    "history_markdown",
    "history_text",
]


def _position(p: PositionState) -> str:
    return f"{p.actor} on {p.issue}: {p.stance}  [since {p.since}, {p.event}]"


def _story_lines(h: History, a: EventView[Record]) -> list[str]:
    """What happened to one event after it was recorded: each correction (withdrawn ones
    too) and retraction, the values first recorded, the status it set."""
    o = a.original
    out: list[str] = []
    changed: dict[str, None] = {}
    for r in h.amendments.get(o.entry.key, ()):
        x = r.entry
        when = f"known {x.known.isoformat()}, recorded {format_recorded_at(r.recorded_at)}"
        if r.recorded_by is not None:
            when += f" by {r.recorded_by}"
        if isinstance(x, Correction):
            changed.update(dict.fromkeys(x.changes))
            fields = ", ".join(f"{k} → {_plain(v)}" for k, v in x.changes.items())
            out.append(f"corrected by {x.id} ({when}): {fields}")
            if x.note:
                out.append(f"  note: {x.note}")
        elif isinstance(x, Retraction) and x.target == o.entry.key:
            out.append(f"retracted by {x.id} ({when}): {x.reason}")
        elif isinstance(x, Retraction):
            out.append(f"  withdrawn by {x.id} ({when}): {x.reason}")
    if changed:
        first = entry_to_payload(o.entry)
        out.append(
            "as first recorded: " + ", ".join(f"{k}: {_plain(first.get(k))}" for k in changed)
        )
    if a.record.seq in h.status_changes:
        before, after = h.status_changes[a.record.seq]
        out.append(f"status: {before} → {after}")
    return out


def history_text(h: History) -> str:
    out = [
        f"{h.thread} — {h.title}" if h.title else h.thread,
        "In the order it became known. date: when it happened · known: when it became "
        "public · recorded: when this database got it",
        "",
    ]
    if len(h.titles) > 1:
        out.append("Titles, as recorded:")
        out += [
            f"    {format_recorded_at(r.recorded_at)} · seq {r.seq} · {r.thread_title}"
            for r in h.titles
        ]
        out.append("")
    for a in h.items:
        e, o = a.record.event, a.original
        mark = "  [RETRACTED]" if a.retraction is not None else ""
        out.append(f"{e.date.text:<11} {e.type:<14} {e.id}{mark}")
        out.append(f"    {e.title}")
        by = "" if o.recorded_by is None else f" by {o.recorded_by}"
        known = f"known {e.known.isoformat()}"
        if e.announced is not None:
            known = f"scheduled, announced {e.announced.isoformat()}"
        out.append(f"    {known} · recorded {format_recorded_at(o.recorded_at)}{by} · seq {o.seq}")
        out += [f"    {line}" for line in _story_lines(h, a)]
        out.append("")
    return "\n".join(out)


def history_markdown(h: History) -> str:
    title = f"{md_text(h.title)} (`{h.thread}`)" if h.title else f"`{h.thread}`"
    out = [f"# {title}", "", "_In the order it became known._", ""]
    if len(h.titles) > 1:
        out += [
            f"- Titled _{md_text(r.thread_title or '')}_ (recorded "
            f"{format_recorded_at(r.recorded_at)}, seq {r.seq})"
            for r in h.titles
        ]
        out.append("")
    for a in h.items:
        e, o = a.record.event, a.original
        mark = " — **retracted**" if a.retraction is not None else ""
        out += [f"## {e.date.text} · {e.type} · {md_text(e.title)}{mark}", ""]
        by = "" if o.recorded_by is None else f" by {md_text(o.recorded_by)}"
        out.append(
            f"- `{e.id}`: known {e.known.isoformat()}, recorded "
            f"{format_recorded_at(o.recorded_at)}{by}, seq {o.seq}"
        )
        out.append(f"- Actors: {md_text(', '.join(e.actors))}")
        if isinstance(e, Event) and e.sources:
            links = [
                f"[{md_text(x.name)}]({md_url(x.url)})" if x.url else md_text(x.name)
                for x in e.sources
            ]
            out.append(f"- Sources: {', '.join(links)}")
        out += [f"- {md_text(line.strip())}" for line in _story_lines(h, a)]
        out.append("")
    return "\n".join(out)


def history_json(h: History) -> str:
    """Each event as ``log --format json`` shows it (its values as corrected), with its
    amendments as records and the status change it made."""
    events = []
    for a in h.items:
        d = record_dict(a.record)
        change = h.status_changes.get(a.record.seq)
        d["retracted"] = a.retraction is not None
        d["status_change"] = None if change is None else {"from": change[0], "to": change[1]}
        d["amendments"] = [record_dict(r) for r in h.amendments.get(a.original.entry.key, ())]
        events.append(d)
    titles = [
        {"title": r.thread_title, "seq": r.seq, "recorded_at": format_recorded_at(r.recorded_at)}
        for r in h.titles
    ]
    doc = {"thread": h.thread, "title": h.title, "titles": titles, "events": events}
    return pretty(doc) + "\n"


def _plain(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def diff_text(d: Diff) -> str:
    who = "" if d.viewer is None else f" to {d.viewer}"
    head = f"What became known{who} after {d.start.isoformat()}, up to {d.end.isoformat()}:"
    if not d.threads:
        return head + " nothing.\n"
    out = [head, ""]
    for t in d.threads:
        label = f"{t.thread} — {t.title}" if t.title else t.thread
        out.append(label + ("" if t.change == "changed" else f"  ({t.change})"))
        if t.status:
            out.append(f"  status: {t.status[0]} → {t.status[1]}")
        if t.added or t.changed or t.dropped:
            out.append("  positions:")
            out += [f"    + {_position(p)}" for p in t.added]
            for old, new in t.changed:
                out.append(
                    f"    ~ {new.actor} on {new.issue}: {old.stance} → {new.stance}"
                    f"  [since {new.since}, {new.event}]"
                )
            out += [f"    - {_position(p)}" for p in t.dropped]
        if t.known:
            out.append("  newly known:")
            out += [f"    {e.date:<10} {e.type:<13} {e.id}: {e.title}" for e in t.known]
        if t.retracted:
            out.append("  retracted:")
            out += [f"    {e.date:<10} {e.id}: {e.title} — {reason}" for e, reason in t.retracted]
        if t.corrected:
            out.append("  corrected:")
            out += [f"    {e.date:<10} {e.id}: {', '.join(fields)}" for e, fields in t.corrected]
        out.append("")
    return "\n".join(out)


def diff_markdown(d: Diff) -> str:
    """``timeline diff --format markdown``: a section per thread, as the text says it."""
    who = "" if d.viewer is None else f" to {md_text(d.viewer)}"
    out = [f"# What became known{who} after {d.start.isoformat()}, up to {d.end.isoformat()}", ""]
    if not d.threads:
        return "\n".join([*out, "_Nothing._", ""])
    for t in d.threads:
        heading = f"{md_text(t.title)} (`{t.thread}`)" if t.title else f"`{t.thread}`"
        out += [f"## {heading}" + ("" if t.change == "changed" else f" — {t.change}"), ""]
        out += [*change_lines(t), ""]
    return "\n".join(out)


def change_lines(t: ThreadDiff) -> list[str]:
    """A thread's changes as Markdown list items: its status, each position added,
    changed or dropped, each event newly known, retracted or corrected."""
    out = []
    if t.status:
        out.append(f"- **Status:** {t.status[0]} → {t.status[1]}")
    out += [f"- **Position added:** {md_text(_position(p))}" for p in t.added]
    out += [
        f"- **Position changed:** {md_text(new.actor)} on {md_text(new.issue)}: "
        f"{md_text(old.stance)} → {md_text(new.stance)} (since {new.since}, `{new.event}`)"
        for old, new in t.changed
    ]
    out += [f"- **Position dropped:** {md_text(_position(p))}" for p in t.dropped]
    out += [
        f"- **Newly known:** {e.date} — {e.type} — {md_text(e.title)} (`{e.id}`)" for e in t.known
    ]
    out += [
        f"- **Retracted:** {e.date} — {md_text(e.title)} (`{e.id}`): {md_text(reason)}"
        for e, reason in t.retracted
    ]
    out += [
        f"- **Corrected:** {e.date} — {md_text(e.title)} (`{e.id}`): {', '.join(fields)}"
        for e, fields in t.corrected
    ]
    return out


def _stance(p: PositionState) -> dict[str, str]:
    return {"stance": p.stance, "since": p.since, "event": p.event}


def diff_json(d: Diff) -> str:
    def summary(e: EventSummary, **extra: Any) -> dict[str, Any]:
        return {**e.to_dict(), **extra}

    doc: dict[str, Any] = {"from": d.start.isoformat(), "to": d.end.isoformat()}
    if d.viewer is not None:
        doc["as"] = d.viewer
    doc |= {
        "threads": [
            {
                "thread": t.thread,
                "title": t.title,
                "change": t.change,
                "status": {"from": t.status[0], "to": t.status[1]} if t.status else None,
                "positions": {
                    "added": [p.to_dict() for p in t.added],
                    "changed": [
                        {"actor": n.actor, "issue": n.issue, "from": _stance(o), "to": _stance(n)}
                        for o, n in t.changed
                    ],
                    "dropped": [p.to_dict() for p in t.dropped],
                },
                "events": {
                    "known": [e.to_dict() for e in t.known],
                    "retracted": [summary(e, reason=r) for e, r in t.retracted],
                    "corrected": [summary(e, fields=f) for e, f in t.corrected],
                },
            }
            for t in d.threads
        ],
    }
    return pretty(doc) + "\n"
