"""TimelineJS (Knight Lab) JSON export: one slide per known event. Pure: no I/O.

The format: ``{"title": {"text": {"headline", "text"}}, "events": [slide, ...]}``; a
slide has ``start_date`` (``{"year", "month"?, "day"?}``, as precise as the event's
date: a month-precision event has no day, a year-only one only a year),
``display_date`` (the date as written, with "day unknown" and the like), ``text``
(``headline``, HTML ``text``),
``group`` (the thread), ``unique_id`` (``thread_id``: ``_`` is in no slug, so two
events never share one) and, when the first source is a web address,
``media`` (``url``, ``caption``). Retracted events are left out. A document cut at a
signed checkpoint names it in ``checkpoint``, which TimelineJS leaves alone.
"""

from __future__ import annotations

import base64
import html
import json
import textwrap
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeGuard

from timeline.core.dates import EdtfDate, date_note
from timeline.core.model import EventView, Record
from timeline.core.signing import SignedCheckpoint
from timeline.core.viewpoints import knew_early

__all__ = ["timeline_chunks", "timeline_json"]


def _esc(text: str) -> str:
    """Text for TimelineJS's HTML fields (quotes need no escaping outside attributes)."""
    return html.escape(text, quote=False)


def _web(url: str | None) -> TypeGuard[str]:
    """Only a web address goes into an href or media (input allows nothing else; this
    holds for logs recorded before that rule too)."""
    return url is not None and url.startswith(("http://", "https://"))


def _date(d: EdtfDate) -> dict[str, int]:
    if d.precision == "day":
        return {"year": d.first.year, "month": d.first.month, "day": d.first.day}
    if d.precision == "month":
        return {"year": d.first.year, "month": d.first.month}
    return {"year": d.first.year}


def _slide(a: EventView[Record]) -> dict[str, Any]:
    e = a.record.event
    note = date_note(e.date)
    parts = []
    if e.summary:
        parts.append(f"<p>{_esc(e.summary)}</p>")
    public = (a.public or a.record).event
    written = {actor: when.text for actor, when in public.known_to}  # as recorded
    earlier = "".join(
        f"; known to {_esc(x)} on {written.get(x, d.isoformat())}" for x, d in knew_early(public)
    )
    parts.append(
        f"<p>{_esc(', '.join(e.actors))} · {_esc(e.type)} · publicly "
        f"known {a.public_known.isoformat()}{earlier}</p>"
    )
    if e.positions:
        parts.append(
            "<ul>"
            + "".join(
                f"<li>{_esc(p.actor)} on {_esc(p.issue)}: {_esc(p.stance)}</li>"
                for p in e.positions
            )
            + "</ul>"
        )
    if e.sources:
        links = []
        for s in e.sources:
            name = _esc(s.name)
            links.append(
                f'<a href="{html.escape(s.url, quote=True)}">{name}</a>' if _web(s.url) else name
            )
        parts.append("<p>Sources: " + ", ".join(links) + "</p>")
    slide: dict[str, Any] = {
        "start_date": _date(e.date),
        "display_date": e.date.text + (f" ({note})" if note else ""),
        "text": {"headline": _esc(e.title), "text": "".join(parts)},
        "group": e.thread,
        "unique_id": f"{e.thread}_{e.id}",
    }
    url = e.sources[0].url if e.sources else None
    if _web(url):
        slide["media"] = {"url": url, "caption": _esc(e.sources[0].name)}
    return slide


def timeline_chunks(
    batches: Iterable[Sequence[EventView[Record]]],
    headline: str,
    text: str,
    cut: SignedCheckpoint | None = None,
) -> Iterator[str]:
    """The document a piece at a time (the title, then each batch's slides by date),
    laid out exactly as ``json.dumps(..., indent=2)`` would lay out the whole. ``cut``:
    the signed checkpoint it was computed at, as ``checkpoint`` (origin, size, base64
    root, the day signed; TimelineJS reads only what it knows)."""
    title = {"text": {"headline": _esc(headline), "text": _esc(text)}}
    doc: dict[str, Any] = {"title": title}
    if cut is not None:
        root = base64.b64encode(cut.root).decode()
        doc["checkpoint"] = {
            "origin": cut.origin,
            "size": cut.size,
            "root": root,
            "signed": cut.signed.isoformat(),
        }
    empty = json.dumps(doc | {"events": []}, ensure_ascii=False, indent=2)
    yield empty[: empty.rindex("[]") + 1]
    first = True
    for items in batches:
        for a in sorted((a for a in items if a.retraction is None), key=lambda a: a.date_order):
            slide = json.dumps(_slide(a), ensure_ascii=False, indent=2)
            yield ("\n" if first else ",\n") + textwrap.indent(slide, "    ")
            first = False
    yield ("]" if first else "\n  ]") + "\n}\n"


def timeline_json(items: Sequence[EventView[Record]], headline: str, text: str) -> str:
    """The whole document (slides by date), as one piece."""
    return "".join(timeline_chunks([items], headline, text))
