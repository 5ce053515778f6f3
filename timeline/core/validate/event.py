"""The input rules of an event, as a user wrote it (event files, ``timeline add``). Pure."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from timeline.core.dates import EdtfDate, parse_day, parse_edtf, years_after
from timeline.core.errors import InvalidDate, InvalidEvent
from timeline.core.model import (
    EVENT_TYPES,
    STATUSES,
    Event,
    Key,
    Position,
    Source,
    is_slug,
    takes_place,
)
from timeline.core.validate.fields import (
    Checker,
    as_date_text,
    choice,
    one_line,
    text_field,
)

__all__ = ["EVENT_FIELDS", "SLUG_HINT", "event_from_input"]

EVENT_FIELDS: tuple[str, ...] = tuple(
    [
        "thread",
        "id",
        "date",
        "known",
        "type",
        "actors",
        "title",
        "summary",
        "sources",
        "status",
        "positions",
        "refs",
        "known_to",
        "scheduled",
        "codes",
    ]
)
_FIELD_SET = frozenset(EVENT_FIELDS)
_TYPE_SET = frozenset(EVENT_TYPES)
_STATUS_SET = frozenset(STATUSES)
_REQUIRED = ("id", "date", "type", "actors", "title")
_SOURCE_FIELDS = ("name", "url", "date")
_POSITION_FIELDS = ("actor", "issue", "stance")
# How far ahead an announcement may lie: the longest real ones are leases and treaty
# terms (the New Territories were leased in 1898 for 99 years, to 1997). A scheduled
# event announced more than a century before its date is a mistyped year.
MAX_LEAD_YEARS = 100
SLUG_HINT = "use lowercase letters, digits and '-', starting with a letter or digit"


def _actors(value: object) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise ValueError("actors must be a non-empty list of names")
    out: list[str] = []
    for a in items:
        name = text_field(a, "each actor", one_line=True, name=True)
        if name not in out:
            out.append(name)
    return tuple(out)


def _mapping(item: object, what: str, fields: Sequence[str]) -> Mapping[str, Any]:
    if not isinstance(item, Mapping):
        raise ValueError(f"each {what} must be a mapping {{{', '.join(fields)}}}")
    extra = [k for k in item if k not in fields]
    if extra:
        raise ValueError(f"unknown {what} field {extra[0]!r} (valid: {', '.join(fields)})")
    return item


# The common web address (a plain host name, an optional port, no spaces), checked
# without urlsplit's cost; anything else goes through urlsplit.
_PLAIN_URL = re.compile(r"https?://[A-Za-z0-9.-]*[A-Za-z0-9](?::[0-9]{1,5})?(?:[/?#]\S*)?")
_SPACE = re.compile(r"\s")


def _is_web_address(text: str) -> bool:
    if _PLAIN_URL.fullmatch(text):
        return True
    try:
        parts = urlsplit(text)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # a malformed address (an unclosed [ of an IPv6 host, a bad port)
        return False


def _check_url(url: object) -> None:
    """Only a web address: http or https, with a host, and nothing a reader's software
    could run (javascript:, data:) or misread (spaces, control characters)."""
    if not isinstance(url, str):
        raise ValueError(f"source url {url!r} is not a URL")
    text = url.strip()
    if not _is_web_address(text) or _SPACE.search(text):
        raise ValueError(f"source url {url!r} is not a web address (http:// or https://)")
    text_field(text, "source url", one_line=True)  # valid text, the control-character rule


def _source(item: object) -> Source:
    s = _mapping(item, "source", _SOURCE_FIELDS)
    name = text_field(s.get("name"), "source name", one_line=True, name=True)
    url = s.get("url")
    if url is not None:
        _check_url(url)
    date = s.get("date")
    text = None if date is None else parse_edtf(as_date_text(date)).text
    return Source(name, url.strip() if url else None, text)


def _sources(value: object) -> tuple[Source, ...]:
    if not value:
        return ()
    if not isinstance(value, list):
        raise ValueError("sources must be a list of {name, url, date}")
    return tuple(_source(s) for s in value)


def _positions(value: object) -> tuple[Position, ...]:
    if not value:
        return ()
    if not isinstance(value, list):
        raise ValueError("positions must be a list of {actor, issue, stance}")
    out: list[Position] = []
    for item in value:
        p = _mapping(item, "position", _POSITION_FIELDS)
        pos = Position(
            text_field(p.get("actor"), "position actor", one_line=True, name=True),
            text_field(p.get("issue"), "position issue", one_line=True, name=True),
            text_field(p.get("stance"), "position stance", one_line=True),
        )
        if any((pos.actor, pos.issue) == (x.actor, x.issue) for x in out):
            raise ValueError(f"two stances of {pos.actor!r} on {pos.issue!r} in one event")
        out.append(pos)
    return tuple(out)


def _refs(value: object, own: Key) -> tuple[Key, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        raise ValueError("refs must be a list of 'thread/id'")
    out: list[Key] = []
    for r in items:
        ref = Key.parse(r, own.thread)
        if ref == own:
            raise ValueError(f"event {ref} cannot refer to itself")
        if ref not in out:
            out.append(ref)
    return tuple(out)


def _known_to(value: object) -> tuple[tuple[str, EdtfDate], ...]:
    """``{actor: EDTF date}``: who learned of it before the public, and when."""
    if not value:
        return ()
    if not isinstance(value, Mapping):
        raise ValueError("known_to must be a mapping of actor to the date they knew it")
    out: dict[str, EdtfDate] = {}
    for actor, date in value.items():
        name = text_field(actor, "each known_to actor", one_line=True, name=True)
        if name in out:
            raise ValueError(f"known_to names {name!r} twice")
        out[name] = parse_edtf(as_date_text(date))
    return tuple(sorted(out.items()))


CODE_SCHEME = re.compile(r"[a-z][a-z0-9_-]{0,31}")


def _codes(value: object) -> tuple[tuple[str, str], ...]:
    """``{scheme: code}``: what a dataset called the event (``cameo: "046"``)."""
    if not value:
        return ()
    if not isinstance(value, Mapping):
        raise ValueError("codes must be a mapping of scheme to code, e.g. {cameo: '046'}")
    out: dict[str, str] = {}
    for scheme, code in value.items():
        if not isinstance(scheme, str) or CODE_SCHEME.fullmatch(scheme) is None:
            raise ValueError(
                f"codes: {scheme!r} is not a scheme: lowercase letters, digits, '-', '_'"
            )
        if not isinstance(code, str):  # YAML reads 046 as a number: 38, in YAML 1.1
            raise ValueError(f"codes: {scheme}'s code must be text: quote it ('{code}')")
        text = text_field(code, f"codes: {scheme}'s code", one_line=True)
        if len(text) > 200:
            raise ValueError(f"codes: {scheme}'s code is longer than 200 characters")
        out[scheme] = text
    return tuple(sorted(out.items()))


def _check_known_to(
    known_to: tuple[tuple[str, EdtfDate], ...], date: EdtfDate, known: dt.date, c: Checker
) -> None:
    """An actor learns of an event on the last day of its ``known_to`` date: no earlier
    than the event's date begins (the rule ``known`` follows), no later than the public."""
    for actor, when in known_to:
        if when.first > known:
            c.add(
                "known_to",
                f"known_to {actor!r} {when.text} is after known {known.isoformat()}: "
                "public knowledge already includes everyone",
            )
        elif when.last < date.first:
            c.add(
                "known_to",
                f"known_to {actor!r} {when.text} is before the date {date.text} "
                f"(starts {date.first.isoformat()})",
            )


# Each optional or free-form field: (name, check, value when absent). A check takes the
# value as written and returns it as stored, or raises ValueError / InvalidDate.
_FIELD_CHECKS: tuple[tuple[str, Callable[[Any], Any], Any], ...] = (
    ("type", choice("type", EVENT_TYPES), None),
    ("status", choice("status", STATUSES), None),
    ("actors", _actors, None),
    ("title", one_line("title"), None),
    ("summary", lambda v: text_field(v, "summary"), None),
    ("sources", _sources, ()),
    ("positions", _positions, ()),
    ("known_to", _known_to, ()),
    ("codes", _codes, ()),
)


def _known_fields(raw: Mapping[str, Any], c: Checker) -> list[str]:
    """Reports unknown and missing fields; returns the missing required ones."""
    for k in raw:
        if k not in EVENT_FIELDS:
            c.add(str(k), f"unknown field {k!r} (valid: {', '.join(EVENT_FIELDS)})")
    missing = [k for k in _REQUIRED if raw.get(k) in (None, "", [])]
    for k in missing:
        c.add(k, f"missing required field {k!r}")
    return missing


def _thread_and_id(raw: Mapping[str, Any], thread: str | None, c: Checker) -> Key | None:
    thread = raw.get("thread", thread)
    if thread is None:
        c.add("thread", "missing required field 'thread'")
    elif not is_slug(thread):
        c.add("thread", f"invalid thread {thread!r}: {SLUG_HINT}")
        thread = None
    event_id = raw.get("id")
    if isinstance(event_id, int) and not isinstance(event_id, bool):
        event_id = str(event_id)
    if event_id in (None, ""):
        return None if thread is None else Key(thread, "")
    if not is_slug(event_id):
        c.add("id", f"invalid id {event_id!r}: {SLUG_HINT}")
    return None if thread is None else Key(thread, str(event_id))


def _scheduled(raw: Mapping[str, Any], c: Checker) -> bool | None:
    """``scheduled``: true or false (YAML files give plain scalars as text: the YAML 1.2
    words ``true`` and ``false`` are taken); None when it is neither, reported."""
    value = raw.get("scheduled", False)
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    if value is None or isinstance(value, bool):
        return bool(value)
    c.add("scheduled", f"scheduled must be true or false, not {value!r}")
    return None


def _dates(
    raw: Mapping[str, Any], scheduled: bool | None, c: Checker
) -> tuple[EdtfDate | None, dt.date | None, bool]:
    """(date, known, known_given): ``known`` defaults to the last day of ``date``; only
    a scheduled event may be known before its date begins (None: not said, reported)."""
    date = None
    if raw.get("date") not in (None, "", []):
        date = c.check("date", parse_edtf, as_date_text(raw["date"]))
    known_given = raw.get("known") not in (None, "")
    if not known_given:
        if scheduled:
            c.add("known", "a scheduled event needs 'known': the day it was announced")
        return date, None if date is None else date.last, False
    known = c.check("known", parse_day, as_date_text(raw["known"]), "known date")
    if known is not None and date is not None and known < date.first and scheduled is False:
        c.add(
            "known",
            f"known {known.isoformat()} is before the date {date.text} "
            f"(starts {date.first.isoformat()})",
        )
    if known is not None and date is not None and known >= date.first and scheduled:
        # announced in advance, or it is an event like any other: record it so
        c.add(
            "known",
            f"a scheduled event is announced before its date begins: known "
            f"{known.isoformat()} is not before {date.text} (starts {date.first.isoformat()})",
        )
    if (
        known is not None
        and date is not None
        and scheduled
        and date.first > years_after(known, MAX_LEAD_YEARS)
    ):
        c.add(
            "known",
            f"a scheduled event is announced at most {MAX_LEAD_YEARS} years ahead: known "
            f"{known.isoformat()} is {date.first.year - known.year} years before {date.text}",
        )
    return date, known, True


def event_from_input(raw: Mapping[str, Any], thread: str | None = None) -> Event:
    """Validate one event as a user wrote it; raises InvalidEvent listing every problem.

    ``thread`` is the file's thread, used when the event does not name its own.
    """
    if not isinstance(raw, Mapping):
        raise InvalidEvent([(None, "an event must be a mapping of fields")])
    event = _plain_event(raw, thread)
    return event if event is not None else _checked_event(raw, thread)


def _checked_event(raw: Mapping[str, Any], thread: str | None) -> Event:
    """Every rule, each problem collected (the long way, for what ``_plain_event`` does
    not take)."""
    c = Checker()
    missing = _known_fields(raw, c)
    key = _thread_and_id(raw, thread, c)
    scheduled = _scheduled(raw, c)
    date, known, known_given = _dates(raw, scheduled, c)
    values = {
        name: default if raw.get(name) is None or name in missing else c.check(name, fn, raw[name])
        for name, fn, default in _FIELD_CHECKS
    }
    refs = () if key is None else c.check("refs", _refs, raw.get("refs") or [], key)
    announced = known if known_given and scheduled else None
    if announced is not None and date is not None:
        known = takes_place(announced, date)
    if values["known_to"] and date is not None and known is not None:
        _check_known_to(values["known_to"], date, known, c)
    c.raise_if_any()
    if key is None or date is None or known is None:  # each absence was reported above
        raise InvalidEvent([(None, "an event needs a thread, an id and a date")])
    return Event(
        thread=key.thread,
        id=key.id,
        date=date,
        known=known,
        known_given=known_given,
        refs=refs,
        announced=announced,
        **values,
    )


def _plain_event(raw: Mapping[str, Any], thread: str | None) -> Event | None:
    """The common event, by the same rules at a fraction of the cost: every check, but
    no problems collected. None at the first problem, or at anything out of the
    ordinary (a scheduled event, an id written as a number, a value of another type):
    ``event_from_input`` then checks it the long way, which names every problem.

    An import spent most of its validation time on the generic machinery (a Checker
    call per field, a closure per rule): this path takes about a quarter off it.
    ``tests/test_validate_paths.py`` holds the two paths to the same events."""
    get = raw.get
    thread = get("thread", thread)
    event_id, kind, status = get("id"), get("type"), get("status")
    scheduled = get("scheduled")
    if not (
        _FIELD_SET.issuperset(raw)
        and (scheduled is None or scheduled is False)
        and thread.__class__ is str
        and is_slug(thread)
        and event_id.__class__ is str
        and is_slug(event_id)
        and kind.__class__ is str
        and kind in _TYPE_SET
        and (status is None or (status.__class__ is str and status in _STATUS_SET))
    ):
        return None
    written, written_known = get("date"), get("known")
    if written.__class__ is not str:  # a YAML date or year: as_date_text, the long way
        return None
    try:
        date = parse_edtf(written)
        known_given = written_known is not None and written_known != ""
        if not known_given:
            known = date.last
        elif written_known.__class__ is str:
            known = parse_day(written_known, "known date")
            if known < date.first:
                return None
        else:
            return None
        summary = get("summary")
        known_to = _known_to(get("known_to"))
        event = Event(
            thread=thread,
            id=event_id,
            date=date,
            known=known,
            known_given=known_given,
            type=kind,
            status=status,
            actors=_actors(get("actors")),
            title=text_field(get("title"), "title", one_line=True),
            summary=None if summary is None else text_field(summary, "summary"),
            sources=_sources(get("sources")),
            positions=_positions(get("positions")),
            refs=_refs(get("refs") or [], Key(thread, event_id)),
            known_to=known_to,
            codes=_codes(get("codes")),
        )
    except (ValueError, InvalidDate, TypeError):
        return None
    for _, when in known_to:
        if when.first > known or when.last < date.first:
            return None
    return event
