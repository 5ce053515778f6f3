"""What became known, as an Atom feed (RFC 4287): an entry per event, on the day it
became public, so that a feed reader shows "what became known today". Pure: views in,
XML bytes out (``xml.etree``, which escapes every text).

An entry's id is a tag URI (RFC 4151) made of the service's host, the day the event
became public and its ``thread/id``: the same entry keeps it wherever the feed is read.
Its ``published`` is that day; its ``updated`` the day of the latest correction in it,
if later. Its link leads to the page as of that day, at the event's thread.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from timeline.core.model import Event, EventView, Record

__all__ = ["AtomFeed", "known_atom"]

ATOM = "http://www.w3.org/2005/Atom"
ET.register_namespace("", ATOM)  # written as the default namespace: <feed xmlns=...>


@dataclass(frozen=True)
class AtomFeed:
    """The feed's own: its address (``self_url``, also its id), its title, and the
    service's address, from which entries link to the page."""

    self_url: str
    title: str
    site: str


def _stamp(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def _content(e: Event, lag: int) -> str:
    lines = [f"{e.type}: {', '.join(e.actors)}. Dated {e.date.text}."]
    if lag > 0:
        lines.append(f"Became public on {e.known.isoformat()}, {lag} days after it.")
    if e.summary:
        lines.append(e.summary)
    lines += [f"{p.actor} on {p.issue}: {p.stance}" for p in e.positions]
    return "\n\n".join(lines)


def _entry(feed: ET.Element, view: EventView[Record], site: str, host: str) -> None:
    e = view.record.event
    entry = _add(feed, "entry")
    _add(entry, "id", f"tag:{host},{e.known.isoformat()}:{e.thread}/{e.id}")
    _add(entry, "title", e.title)
    updated = max([e.known, *(c.entry.known for c in view.corrections)])
    _add(entry, "published", _stamp(e.known))
    _add(entry, "updated", _stamp(updated))
    page = f"{site}/?asof={e.known.isoformat()}#thread-{quote(e.thread)}"
    _add(entry, "link", href=page, rel="alternate", type="text/html")
    for source in e.sources:
        if source.url:
            _add(entry, "link", href=source.url, rel="related", title=source.name)
    _add(entry, "category", term=e.type)
    _add(entry, "category", term=e.thread, label=f"thread {e.thread}")
    for actor in e.actors:
        author = _add(entry, "author")
        _add(author, "name", actor)
    lag = (e.known - e.date.last).days
    _add(entry, "content", _content(e, lag), type="text")


def known_atom(views: Sequence[EventView[Record]], feed: AtomFeed, today: dt.date) -> bytes:
    """The feed of ``views`` (latest first), as of ``today``: its ``updated`` is the day
    the latest of them became public (``today`` when there is none)."""
    root = ET.Element(f"{{{ATOM}}}feed")
    _add(root, "id", feed.self_url)
    _add(root, "title", feed.title)
    _add(root, "subtitle", "What became publicly known, an entry per event on that day.")
    newest = [max([v.record.event.known, *(c.entry.known for c in v.corrections)]) for v in views]
    _add(root, "updated", _stamp(max(newest, default=today)))
    _add(root, "link", href=feed.self_url, rel="self", type="application/atom+xml")
    _add(root, "link", href=f"{feed.site}/", rel="alternate", type="text/html")
    author = _add(root, "author")
    _add(author, "name", "timeline")
    _add(root, "generator", "timeline")
    host = urlsplit(feed.site).hostname or "localhost"
    for view in views:
        _entry(root, view, feed.site, host)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True)) + b"\n"
