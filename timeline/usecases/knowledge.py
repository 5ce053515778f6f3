"""Use cases about knowledge itself: what was secret on a day, how long events stayed out
of public view, the names the events use, and a thread's briefing."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import TYPE_CHECKING, Literal

from timeline.core.amend import annotate
from timeline.core.filters import EventFilter
from timeline.core.model import Event
from timeline.core.names import Name, NameIndex
from timeline.core.projector import project
from timeline.core.viewpoints import Lag, Secret, lag_of, secret_of
from timeline.core.views import event_views, log_views
from timeline.usecases._common import (
    EXPORT_BATCH,
    Readable,
    Threads,
    names_of,
    narrowed,
    only_threads,
    pinned,
    require_actor,
    require_filter,
    require_threads,
    search_for,
)
from timeline.usecases.reading import stored_as_of
from timeline.usecases.scheduled import upcoming

if TYPE_CHECKING:
    from timeline.storage import EventStore

if TYPE_CHECKING:  # only ``report`` builds one: the HTML renderer loads on its first use
    from timeline.core.views import Report

__all__ = ["lag", "names", "published", "report", "secrets"]


def secrets(
    store: EventStore, day: dt.date, thread: Threads = None, only: EventFilter | None = None
) -> list[Secret]:
    """Events that at least one actor knew by the end of ``day`` and the public did not,
    as known on ``day`` (the corrections and retractions in effect then), by thread,
    then date, then id; ``only``: those it matches."""
    found: list[Secret] = []
    with store.reading() as r:
        require_threads(r, only_threads(thread) or ())
        require_filter(r, only)
        names_ = names_of(r)
        only = names_.widened(search_for(r, only, [day]))
        for group in r.log.thread_groups(narrowed(only_threads(thread), only), EXPORT_BATCH):
            titles = r.projections.titles(group)
            for a in annotate(names_.records(r.log.records(group)), day):
                secret = None if a.retraction else secret_of(a.record.event, day)
                if secret is not None and (not only or only.matches(secret.event)):
                    found.append(
                        replace(secret, title=titles.get(secret.event.thread, (None, 0))[0])
                    )
    found.sort(key=lambda s: (s.event.thread, s.event.date.first, s.event.id))
    return found


def lag(
    store: EventStore,
    thread: Threads = None,
    actor: str | None = None,
    by: Literal["thread", "code"] = "thread",
) -> list[Lag]:
    """Disclosure lag per thread (or, ``by`` code, per code a dataset gave the events,
    across the threads): the events (those ``actor`` is a party to, when given) whose
    public ``known`` came after their date, as corrected; groups without one are left
    out."""
    if by == "code":
        return _lag_by_code(store, thread, actor)
    found: list[Lag] = []
    with store.reading() as r:
        require_threads(r, only_threads(thread) or ())
        require_actor(r, actor)
        names_ = names_of(r)
        actor = None if actor is None else names_.actor(actor)
        for group in r.log.thread_groups(only_threads(thread), EXPORT_BATCH):
            titles = r.projections.titles(group)
            events: dict[str, list[Event]] = {}
            for a in annotate(names_.records(r.log.records(group))):
                e = a.record.event
                if a.retraction is None and (actor is None or actor in e.actors):
                    events.setdefault(e.thread, []).append(e)
            for slug in group:
                found_lag = lag_of(slug, titles.get(slug, (None, 0))[0], events.get(slug, ()))
                if found_lag is not None:
                    found.append(found_lag)
    return found


def _lag_by_code(store: EventStore, thread: Threads, actor: str | None) -> list[Lag]:
    """Disclosure lag per code (CAMEO, or else PLOVER; ``no code`` for events without)."""
    from timeline.core.cameo import NAMES

    groups: dict[str, list[Event]] = {}
    with store.reading() as r:
        require_threads(r, only_threads(thread) or ())
        require_actor(r, actor)
        names_ = names_of(r)
        actor = None if actor is None else names_.actor(actor)
        for group in r.log.thread_groups(only_threads(thread), EXPORT_BATCH):
            for a in annotate(names_.records(r.log.records(group))):
                e = a.record.event
                if a.retraction is None and (actor is None or actor in e.actors):
                    codes = dict(e.codes)
                    key = next((f"{s} {codes[s]}" for s in ("cameo", "plover") if s in codes), None)
                    groups.setdefault(key or "no code", []).append(e)
    found = []
    for key in sorted(groups, key=lambda k: (k == "no code", k)):
        scheme, _, code = key.partition(" ")
        title = NAMES.get(code) if scheme == "cameo" else None
        found_lag = lag_of(key, title, groups[key])
        if found_lag is not None:
            found.append(found_lag)
    return found


def names(store: EventStore, kind: str, day: dt.date | None = None) -> list[Name]:
    """Every actor (``kind`` "actors") or issue ("issues") in the events known on ``day``
    (all if None), as corrected then, retracted ones left out (see ``core.names``)."""
    index = NameIndex(kind)
    with store.reading() as r:
        names_ = names_of(r)
        for group in r.log.thread_groups(None, EXPORT_BATCH):
            views = event_views(names_.records(r.log.records(group, known_by=day)), day)
            index.add(a.record.event for a in views if a.retraction is None)
    found = index.names()
    if kind == "actors":
        found = [replace(n, aliases=tuple(names_.aliases_of(n.name))) for n in found]
    return found


def published(
    store: Readable, day: dt.date
) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """What the public view names on ``day``: the threads with an event public (or
    announced) by then, the actors of those events (parties and stance holders, as
    corrected, retracted ones left out) under each of their names, and their issues.
    ``names`` gives the same actors and issues by reading every event; here they come
    from the states on the day (their checkpoints) and the few events announced and not
    yet happened, so that a service answers it at once, whatever the log's size."""
    states = stored_as_of(store, day)
    coming = upcoming(store, day)
    with store.reading() as r:
        threads = frozenset(r.log.event_spans(day))
        aliases = names_of(r)
    actors = {p for s in states for p in s.parties}
    actors.update(a for e in coming for a in (*e.actors, *(p.actor for p in e.positions)))
    issues = {p.issue for s in states for p in s.positions}
    issues.update(p.issue for e in coming for p in e.positions)
    every = frozenset(n for a in actors for n in (a, *aliases.aliases_of(a)))
    return threads, every, frozenset(issues)


def report(
    store: EventStore, thread: str, day: dt.date, at_seq: int | None = None, changes: int = 0
) -> Report:
    """A thread's briefing as publicly known on ``day``: its state, the events known by
    then (retracted ones left out), what some actors knew that the public did not, and
    (``changes`` > 0) what changed in the ``changes`` days before, from one read of its
    records (as the log stood at ``at_seq``)."""
    from timeline.core.views import Report, compute_diff

    with store.reading() as r:
        require_threads(r, [thread])
        through = pinned(r, at_seq)
        read = r.log.records([thread], with_titles=True, through_seq=through)
        records = names_of(r, through_seq=through).records(read)
        title = r.projections.titles([thread]).get(thread, (None, 0))[0]
        if through is not None:  # the title as it stood then
            title = next((x.thread_title for x in reversed(read) if x.thread_title), None)
    state = project(records, as_of=day).get(thread)
    events = [a for a in log_views(records, known_by=day) if a.retraction is None]
    hidden = [
        secret_of(a.record.event, day) for a in annotate(records, day) if a.retraction is None
    ]
    secrets = sorted(
        (s for s in hidden if s is not None), key=lambda s: (s.event.date.first, s.event.id)
    )
    if changes <= 0:
        return Report(thread, title, day, state, events, secrets)
    since = day - dt.timedelta(days=changes)
    found = compute_diff(records, since, day, None, None).threads
    changed = next((t for t in found if t.thread == thread), None)
    return Report(thread, title, day, state, events, secrets, changes=changed, changes_since=since)
