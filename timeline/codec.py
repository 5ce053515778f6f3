"""Events and states <-> plain dicts: validation of user input, stored payloads. Pure: no I/O.

``event_from_input`` is the one gate for user data (event files, ``timeline add``):
it checks every rule and reports every problem of an event at once.
``event_to_payload``/``event_from_payload`` are the stored form (trusted on read);
``PAYLOAD_SCHEMA`` names its version so a later change can upcast old rows on read
instead of rewriting them.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from timeline.dates import EdtfDate, parse_day, parse_edtf
from timeline.errors import InvalidDate, InvalidEvent
from timeline.model import (
    EVENT_TYPES,
    STATUSES,
    Event,
    EventSummary,
    Position,
    PositionState,
    SortKey,
    Source,
    ThreadState,
    is_slug,
)

__all__ = [
    "EVENT_FIELDS",
    "PAYLOAD_SCHEMA",
    "as_date_text",
    "canonical",
    "event_from_input",
    "event_from_payload",
    "event_to_payload",
    "format_recorded_at",
    "parse_ref",
    "state_from_json",
    "state_to_json",
    "text_field",
]

PAYLOAD_SCHEMA = 1

EVENT_FIELDS: tuple[str, ...] = (
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
)
_REQUIRED = ("id", "date", "type", "actors", "title")
_SOURCE_FIELDS = ("name", "url", "date")
_POSITION_FIELDS = ("actor", "issue", "stance")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")
_SLUG_HINT = "use lowercase letters, digits and '-', starting with a letter or digit"


def as_date_text(value: object) -> object:
    """YAML turns 2022-01-26 into a date and 2022 into an int: take both back to text."""
    if value.__class__ is str:
        return value
    if isinstance(value, dt.datetime):
        return value  # a timestamp is not a date; let the parser reject it
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:04d}"
    return value


def _valid_unicode(text: str, what: str) -> None:
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(
            f"{what} holds bytes that are not valid text (check the file's "
            "or the terminal's encoding)"
        ) from None


def text_field(value: object, what: str, *, one_line: bool = False) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise ValueError(f"{what} must be non-empty text")
    _valid_unicode(text, what)
    if one_line and ("\n" in text or "\r" in text):
        raise ValueError(f"{what} must be one line")
    # one spelling per text: "é" typed as e + combining accent is stored as "é"
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def parse_ref(ref: object, thread: str) -> str:
    """``thread/id`` or a bare ``id`` (same thread) -> ``thread/id``."""
    if not isinstance(ref, str):
        raise ValueError(f"ref {ref!r} must be text 'thread/id' or 'id'")
    parts = ref.strip().split("/")
    if len(parts) == 1 and is_slug(parts[0]):
        return f"{thread}/{parts[0]}"
    if len(parts) == 2 and is_slug(parts[0]) and is_slug(parts[1]):
        return f"{parts[0]}/{parts[1]}"
    raise ValueError(f"invalid ref {ref!r}: expected 'thread/id' or 'id'")


def event_from_input(raw: Mapping[str, Any], thread: str | None = None) -> Event:
    """Validate one event as a user wrote it; raises InvalidEvent listing every problem.

    ``thread`` is the file's thread, used when the event does not name its own.
    """
    problems: list[tuple[str | None, str]] = []

    def check(name: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (ValueError, InvalidDate) as e:
            problems.append((name, str(e)))
            return None

    if not isinstance(raw, Mapping):
        raise InvalidEvent([(None, "an event must be a mapping of fields")])
    unknown = [k for k in raw if k not in EVENT_FIELDS]
    for k in unknown:
        problems.append((str(k), f"unknown field {k!r} (valid: {', '.join(EVENT_FIELDS)})"))
    missing = [k for k in _REQUIRED if raw.get(k) in (None, "", [])]
    for k in missing:
        problems.append((k, f"missing required field {k!r}"))

    thread = raw.get("thread", thread)
    if thread is None:
        problems.append(("thread", "missing required field 'thread'"))
    elif not is_slug(thread):
        problems.append(("thread", f"invalid thread {thread!r}: {_SLUG_HINT}"))
        thread = None

    event_id = raw.get("id")
    if isinstance(event_id, int) and not isinstance(event_id, bool):
        event_id = str(event_id)
    if event_id not in (None, "") and not is_slug(event_id):
        problems.append(("id", f"invalid id {event_id!r}: {_SLUG_HINT}"))

    date: EdtfDate | None = None
    if "date" not in missing:
        date = check("date", parse_edtf, as_date_text(raw["date"]))

    known: dt.date | None = None
    known_given = raw.get("known") not in (None, "")
    if known_given:
        known = check("known", parse_day, as_date_text(raw["known"]), "known date")
    elif date is not None:
        known = date.last
    if known_given and known is not None and date is not None and known < date.first:
        problems.append(
            (
                "known",
                f"known {known.isoformat()} is before the date "
                f"{date.text} (starts {date.first.isoformat()})",
            )
        )

    etype = raw.get("type")
    if etype not in (None, "") and etype not in EVENT_TYPES:
        problems.append(("type", f"unknown type {etype!r} (valid: {', '.join(EVENT_TYPES)})"))

    status = raw.get("status")
    if status is not None and status not in STATUSES:
        problems.append(("status", f"unknown status {status!r} (valid: {', '.join(STATUSES)})"))

    actors = None if "actors" in missing else check("actors", _actors, raw["actors"])
    title = (
        None
        if "title" in missing
        else check("title", text_field, raw["title"], "title", one_line=True)
    )
    summary = raw.get("summary")
    if summary is not None:
        summary = check("summary", text_field, summary, "summary")
    sources = check("sources", _sources, raw.get("sources") or [])
    positions = check("positions", _positions, raw.get("positions") or [])
    refs = ()
    if thread is not None:
        refs = check("refs", _refs, raw.get("refs") or [], thread, event_id)

    if problems:
        raise InvalidEvent(problems)
    assert date is not None and known is not None and actors is not None
    return Event(
        thread=thread,
        id=event_id,
        date=date,
        known=known,
        type=etype,
        actors=actors,
        title=title,
        summary=summary,
        sources=sources,
        status=status,
        positions=positions,
        refs=refs,
        known_given=known_given,
    )


def _actors(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise ValueError("actors must be a non-empty list of names")
    out: list[str] = []
    for a in value:
        name = text_field(a, "each actor", one_line=True)
        if name not in out:
            out.append(name)
    return tuple(out)


def _sources(value: object) -> tuple[Source, ...]:
    if not isinstance(value, list):
        raise ValueError("sources must be a list of {name, url, date}")
    out = []
    for s in value:
        if not isinstance(s, Mapping):
            raise ValueError("each source must be a mapping {name, url, date}")
        extra = [k for k in s if k not in _SOURCE_FIELDS]
        if extra:
            raise ValueError(f"unknown source field {extra[0]!r} (valid: name, url, date)")
        name = text_field(s.get("name"), "source name", one_line=True)
        url = s.get("url")
        if url is not None and (not isinstance(url, str) or not _URI.fullmatch(url.strip())):
            raise ValueError(f"source url {url!r} is not a URL")
        if url is not None:
            _valid_unicode(url, "source url")
        date = s.get("date")
        if date is not None:
            date = parse_edtf(as_date_text(date)).text
        out.append(Source(name, url.strip() if url else None, date))
    return tuple(out)


def _positions(value: object) -> tuple[Position, ...]:
    if not isinstance(value, list):
        raise ValueError("positions must be a list of {actor, issue, stance}")
    out: list[Position] = []
    seen: set[tuple[str, str]] = set()
    for p in value:
        if not isinstance(p, Mapping):
            raise ValueError("each position must be a mapping {actor, issue, stance}")
        extra = [k for k in p if k not in _POSITION_FIELDS]
        if extra:
            raise ValueError(f"unknown position field {extra[0]!r} (valid: actor, issue, stance)")
        pos = Position(
            text_field(p.get("actor"), "position actor", one_line=True),
            text_field(p.get("issue"), "position issue", one_line=True),
            text_field(p.get("stance"), "position stance", one_line=True),
        )
        if (pos.actor, pos.issue) in seen:
            raise ValueError(f"two stances of {pos.actor!r} on {pos.issue!r} in one event")
        seen.add((pos.actor, pos.issue))
        out.append(pos)
    return tuple(out)


def _refs(value: object, thread: str, event_id: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise ValueError("refs must be a list of 'thread/id'")
    out: list[str] = []
    for r in value:
        ref = parse_ref(r, thread)
        if ref == f"{thread}/{event_id}":
            raise ValueError(f"event {ref} cannot refer to itself")
        if ref not in out:
            out.append(ref)
    return tuple(out)


# ---- stored form -------------------------------------------------------------------


def event_to_payload(event: Event) -> dict[str, Any]:
    """The stored form of an event: plain JSON types, fixed key order, empty parts left out."""
    p: dict[str, Any] = {
        "thread": event.thread,
        "id": event.id,
        "date": event.date.text,
        "known": event.known.isoformat(),
        "known_given": event.known_given,
        "type": event.type,
        "actors": list(event.actors),
        "title": event.title,
    }
    if event.summary is not None:
        p["summary"] = event.summary
    if event.sources:
        p["sources"] = [
            {k: v for k, v in (("name", s.name), ("url", s.url), ("date", s.date)) if v is not None}
            for s in event.sources
        ]
    if event.status is not None:
        p["status"] = event.status
    if event.positions:
        p["positions"] = [
            {"actor": x.actor, "issue": x.issue, "stance": x.stance} for x in event.positions
        ]
    if event.refs:
        p["refs"] = list(event.refs)
    return p


def event_from_payload(p: Mapping[str, Any], schema: int = PAYLOAD_SCHEMA) -> Event:
    """Rebuild an Event from its stored payload (trusted: no validation)."""
    if schema != PAYLOAD_SCHEMA:  # no older schema exists yet; upcasters go here
        raise ValueError(f"unknown payload schema {schema}")
    return Event(
        thread=p["thread"],
        id=p["id"],
        date=parse_edtf(p["date"]),
        known=dt.date.fromisoformat(p["known"]),
        type=p["type"],
        actors=tuple(p["actors"]),
        title=p["title"],
        summary=p.get("summary"),
        sources=tuple(Source(s["name"], s.get("url"), s.get("date")) for s in p.get("sources", ())),
        status=p.get("status"),
        positions=tuple(
            Position(x["actor"], x["issue"], x["stance"]) for x in p.get("positions", ())
        ),
        refs=tuple(p.get("refs", ())),
        known_given=p.get("known_given", True),
    )


def format_recorded_at(when: dt.datetime) -> str:
    """UTC, microseconds, trailing Z: sorts as text and reads the same on every backend."""
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_CANONICAL = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _nfc(value: Any) -> Any:
    if isinstance(value, str):
        return (
            value
            if unicodedata.is_normalized("NFC", value)
            else unicodedata.normalize("NFC", value)
        )
    if isinstance(value, dict):
        return {_nfc(k): _nfc(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_nfc(v) for v in value]
    return value


def canonical(value: Any) -> str:
    """The canonical JSON text of plain data, as hashed (see README, "Tamper evidence"):
    keys sorted at every level, no whitespace, non-ASCII as UTF-8 (not escaped), every
    string in Unicode NFC."""
    text = _CANONICAL.encode(value)
    # Fast path: recorded text is already NFC. Checking the whole JSON text is the same
    # as checking each string, since quotes (ASCII) separate them.
    if text.isascii() or unicodedata.is_normalized("NFC", text):
        return text
    return _CANONICAL.encode(_nfc(value))


def dumps(value: Any) -> str:
    """Compact, deterministic JSON (non-ASCII kept as is)."""
    return _ENCODER.encode(value)


def state_to_json(state: ThreadState) -> str:
    """A projection-table row's state column."""
    return dumps(
        {
            "thread": state.thread,
            "title": state.title,
            "title_seq": state.title_seq,
            "status": state.status,
            "status_key": _key_out(state.status_key),
            "parties": list(state.parties),
            "positions": [
                [p.actor, p.issue, p.stance, p.since, p.event, _key_out(p.key)]
                for p in state.positions
            ],
            "events": state.events,
            "first": state.first.to_dict(),
            "first_key": _key_out(state.first_key),
            "last": state.last.to_dict(),
            "last_key": _key_out(state.last_key),
            "max_seq": state.max_seq,
            "horizon": state.horizon.isoformat(),
        }
    )


def _key_out(key: SortKey | None) -> list[Any] | None:
    return None if key is None else [key[0].isoformat(), key[1].isoformat(), key[2]]


def _key(value: list[Any] | None) -> Any:
    if value is None:
        return None
    return (dt.date.fromisoformat(value[0]), dt.date.fromisoformat(value[1]), value[2])


def state_from_json(text: str) -> ThreadState:
    d = json.loads(text)
    return ThreadState(
        thread=d["thread"],
        title=d["title"],
        status=d["status"],
        parties=tuple(d["parties"]),
        positions=tuple(
            PositionState(a, i, s, since, ev, _key(k)) for a, i, s, since, ev, k in d["positions"]
        ),
        events=d["events"],
        first=EventSummary(**d["first"]),
        last=EventSummary(**d["last"]),
        first_key=_key(d["first_key"]),
        last_key=_key(d["last_key"]),
        status_key=_key(d["status_key"]),
        title_seq=d["title_seq"],
        max_seq=d["max_seq"],
        horizon=dt.date.fromisoformat(d["horizon"]),
    )
