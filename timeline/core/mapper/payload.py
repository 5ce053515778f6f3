"""Records' payloads: entry <-> payload, and what makes two entries the same. Pure.

``PAYLOAD_SCHEMA`` names the payload's version. When it changes, ``upcast`` turns an
older payload into the current one on read; rows are never rewritten.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from timeline.core.codec import canonical, canonical_without_floats, nfc
from timeline.core.dates import EdtfDate, parse_day, parse_edtf
from timeline.core.errors import DatabaseError
from timeline.core.model import (
    Alias,
    Correction,
    Entry,
    Event,
    Key,
    Label,
    Position,
    Retitle,
    Retraction,
    Source,
    Token,
    TreeHead,
    TreeKey,
    takes_place,
)
from timeline.core.validate.fields import as_date_text

__all__ = [
    "PAYLOAD_SCHEMA",
    "actor_names",
    "canonical_payload",
    "differing_fields",
    "entry_content",
    "entry_from_payload",
    "entry_summary",
    "entry_to_payload",
    "first_difference",
    "same_content",
    "stored_value",
    "upcast",
]

PAYLOAD_SCHEMA = 1


def upcast(payload: dict[str, Any], schema: int, seq: int | None = None) -> dict[str, Any]:
    """The payload in today's form. The one place that knows older forms; none exists yet."""
    if schema != PAYLOAD_SCHEMA:
        where = f"record {seq}" if seq is not None else "a record"
        raise DatabaseError(
            f"{where} has payload schema {schema}, unknown to this version of timeline"
        )
    return payload


# ---- entry <-> payload ------------------------------------------------------------------


def _event_payload(event: Event) -> dict[str, Any]:
    p: dict[str, Any] = {
        "thread": event.thread,
        "id": event.id,
        "date": event.date.text,
        "known": event.disclosed.isoformat(),
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
        p["refs"] = [str(r) for r in event.refs]
    if event.known_to:
        p["known_to"] = {actor: when.text for actor, when in event.known_to}
    if event.announced is not None:
        p["scheduled"] = True
    if event.codes:
        p["codes"] = dict(event.codes)
    return p


def entry_to_payload(entry: Entry) -> dict[str, Any]:
    """The stored form: plain JSON types, fixed key order, empty parts left out."""
    if isinstance(entry, Event):
        return _event_payload(entry)
    p: dict[str, Any] = {"thread": entry.thread, "id": entry.id, "kind": entry.kind}
    if isinstance(entry, Retitle):
        p["title"] = entry.title
        p["known"] = entry.known.isoformat()
        return p
    if isinstance(entry, Alias):
        p["alias"] = entry.alias
        p["canonical"] = entry.canonical
        p["known"] = entry.known.isoformat()
        return p
    if isinstance(entry, Token):
        p["name"] = entry.name
        p["digest"] = entry.digest
        p["known"] = entry.known.isoformat()
        if entry.scopes is not None:
            p["scopes"] = list(entry.scopes)
        return p
    if isinstance(entry, TreeKey):
        p["vkey"] = entry.vkey
        p["known"] = entry.known.isoformat()
        return p
    if isinstance(entry, TreeHead):
        p["size"] = entry.size
        p["note"] = entry.note
        p["known"] = entry.known.isoformat()
        return p
    if isinstance(entry, Correction):
        p["corrects"] = str(entry.target)
        p["set"] = dict(entry.changes)
        if entry.note is not None:
            p["note"] = entry.note
    else:
        p["retracts"] = str(entry.target)
        p["reason"] = entry.reason
    p["known"] = entry.known.isoformat()
    p["known_given"] = entry.known_given
    return p


def canonical_payload(entry: Entry) -> str:
    """The payload as stored and hashed: the canonical text of ``entry_to_payload``."""
    payload = entry_to_payload(entry)
    # an event's payload holds texts and booleans only (a correction's may hold any value)
    return canonical_without_floats(payload) if isinstance(entry, Event) else canonical(payload)


def _event_from_payload(p: Mapping[str, Any]) -> Event:
    date = parse_edtf(p["date"])
    known = dt.date.fromisoformat(p["known"])
    announced = known if p.get("scheduled") else None
    return Event(
        thread=p["thread"],
        id=p["id"],
        date=date,
        known=known if announced is None else takes_place(announced, date),
        type=p["type"],
        actors=tuple(p["actors"]),
        title=p["title"],
        summary=p.get("summary"),
        sources=tuple(
            [Source(s["name"], s.get("url"), s.get("date")) for s in p.get("sources", ())]
        ),
        status=p.get("status"),
        positions=tuple(
            [Position(x["actor"], x["issue"], x["stance"]) for x in p.get("positions", ())]
        ),
        refs=tuple([Key.stored(r) for r in p.get("refs", ())]),
        known_given=p.get("known_given", True),
        known_to=_known_to(p.get("known_to")),
        announced=announced,
        codes=_codes(p.get("codes")),
    )


def _known_to(value: Mapping[str, Any] | None) -> tuple[tuple[str, EdtfDate], ...]:
    if not value:  # (most events)
        return ()
    return tuple(sorted((_text(a), parse_edtf(as_date_text(d))) for a, d in value.items()))


def _codes(value: Mapping[str, Any] | None) -> tuple[tuple[str, str], ...]:
    if not value:  # (all but coded data's)
        return ()
    return tuple(sorted((str(k), _text(v)) for k, v in value.items()))


def entry_from_payload(p: Mapping[str, Any], kind: str) -> Entry:
    """Rebuild an entry from its stored payload (trusted: no validation)."""
    if kind == "event":
        return _event_from_payload(p)
    known = dt.date.fromisoformat(p["known"])
    if kind == "title":
        return Retitle(p["thread"], p["id"], p["title"], known)
    if kind == "alias":
        return Alias(p["thread"], p["id"], p["alias"], p["canonical"], known)
    if kind == "token":
        scopes = p.get("scopes")
        return Token(
            p["thread"],
            p["id"],
            p["name"],
            p["digest"],
            known,
            None if scopes is None else tuple(scopes),
        )
    if kind == "tree-key":
        return TreeKey(p["thread"], p["id"], p["vkey"], known)
    if kind == "tree-head":
        return TreeHead(p["thread"], p["id"], p["size"], p["note"], known)
    if kind == "correction":
        return Correction(
            p["thread"],
            p["id"],
            Key.stored(p["corrects"]),
            p["set"],
            known,
            p["known_given"],
            p.get("note"),
        )
    if kind == "retraction":
        return Retraction(
            p["thread"], p["id"], Key.stored(p["retracts"]), p["reason"], known, p["known_given"]
        )
    raise ValueError(f"unknown kind {kind!r}")


def actor_names(p: Mapping[str, Any]) -> set[str]:
    """The names a payload gives actors that its row's ``actors`` and ``positions``
    columns do not hold: an event's ``known_to``; what a correction sets."""
    changes = p.get("set") or {}
    names = {_text(a) for a in p.get("known_to") or ()}
    names.update(_text(a) for a in changes.get("known_to") or ())
    names.update(_texts(changes.get("actors")))
    names.update(_text(x["actor"]) for x in changes.get("positions") or ())
    return names


def _text(value: Any) -> Any:
    return nfc(value.strip()) if isinstance(value, str) else value


def _texts(value: Any) -> tuple[Any, ...]:
    items = [value] if isinstance(value, str) else list(value or ())
    out: list[Any] = []
    for item in (_text(v) for v in items):
        if item not in out:
            out.append(item)
    return tuple(out)


def _stored_source(s: Mapping[str, Any]) -> Source:
    url, date = s.get("url"), s.get("date")
    text = None if date is None else parse_edtf(as_date_text(date)).text
    return Source(_text(s["name"]), url.strip() if url else None, text)


def _stored_ref(ref: str, thread: str) -> Key:
    return Key.stored(ref) if "/" in ref else Key(thread, ref)


_STORED: dict[str, Any] = {
    "date": lambda v, t: parse_edtf(as_date_text(v)),
    "known": lambda v, t: parse_day(as_date_text(v)),
    "actors": lambda v, t: _texts(v),
    "sources": lambda v, t: tuple(_stored_source(s) for s in v or ()),
    "positions": lambda v, t: tuple(
        Position(_text(p["actor"]), _text(p["issue"]), _text(p["stance"])) for p in v or ()
    ),
    "refs": lambda v, t: tuple(dict.fromkeys(_stored_ref(r, t) for r in _texts(v))),
    "known_to": lambda v, t: _known_to(v),
    "codes": lambda v, t: _codes(v),
}


def stored_value(field: str, value: Any, thread: str) -> Any:
    """A corrected field's value as a correction stores it (``set``, as the user wrote
    it, checked when recorded), in the event's own type: stripped, NFC, dates parsed.
    Trusted: no rule is checked again (see ``amend.apply_corrections``)."""
    if value is None:
        empty = ("actors", "sources", "positions", "refs", "known_to", "codes")
        return None if field not in empty else ()
    decode = _STORED.get(field)
    return decode(value, thread) if decode is not None else _text(value)


def _compared(entry: Entry) -> dict[str, Any]:
    """The payload as two entries are compared: ``known`` however it was arrived at
    (written out or defaulted to the same day), and an event's parties as a set (the
    same parties named in another order are the same event)."""
    p = entry_to_payload(entry)
    p.pop("known_given", None)
    if isinstance(entry, Event):
        p["actors"] = sorted(p["actors"])
    return p


def entry_content(entry: Entry) -> str:
    """What makes two records "the same" for idempotent import (``_compared``)."""
    return canonical(_compared(entry))


def differing_fields(a: Entry, b: Entry) -> list[str]:
    """The payload fields in which two entries differ, in payload order (["content"] if
    none does, though they are not the same)."""
    ca, cb = _compared(a), _compared(b)
    names = [k for k in dict.fromkeys((*ca, *cb)) if ca.get(k) != cb.get(k)]
    return names or ["content"]


def first_difference(a: Entry, b: Entry) -> str:
    """The first payload field in which two entries differ ("content" if none does)."""
    return differing_fields(a, b)[0]


def same_content(a: Entry, b: Entry) -> bool:
    """Are two entries the same record, for idempotent adds and imports?"""
    return a.kind == b.kind and entry_content(a) == entry_content(b)


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else canonical(value)
    return text if len(text) <= 60 else text[:57] + "..."


def entry_summary(entry: Correction | Retraction | Label) -> str:
    """One line for logs (and the row's title column) of a record that is not an event:
    what a correction changes, why an event was retracted, a thread's new title, the
    two names of an actor, a token granted or revoked, a key or a checkpoint."""
    if isinstance(entry, Retitle):
        return entry.title
    if isinstance(entry, Alias):
        return f"{entry.alias} is shown as {entry.canonical}"
    if isinstance(entry, Token):
        return f"{'granted to' if entry.digest else 'revoked from'} {entry.name}"
    if isinstance(entry, TreeKey):
        return f"signs checkpoints: {entry.vkey.split('+', 1)[0]}"
    if isinstance(entry, TreeHead):
        return f"checkpoint of the first {entry.size} records"
    if isinstance(entry, Correction):
        # sorted, as in the hashed payload: the row must read the same from either
        parts = [f"{k}: {_short(v)}" for k, v in sorted(entry.changes.items())]
        return f"corrects {entry.target} — " + "; ".join(parts)
    return f"retracts {entry.target} — {entry.reason}"
