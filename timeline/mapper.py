"""The stored form of records, in one place: entry <-> payload <-> row <-> chain row.
Pure: no I/O, no SQL (``stateform`` holds the projection table's state column).

A record is stored as its **payload** (plain JSON, canonical text, hashed) plus copies
of a few payload fields in their own columns, for queries and for replays that do not
decode payloads. ``to_row`` writes both; ``record_from_row`` trusts the payload and
``chain_row`` checks that the copies still agree with it (``timeline verify``).

``PAYLOAD_SCHEMA`` names the payload's version. When it changes, ``upcast`` turns an
older payload into the current one on read; rows are never rewritten.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any, Protocol

from timeline.chain import ChainRow
from timeline.codec import canonical, dumps, nfc
from timeline.dates import parse_day, parse_edtf
from timeline.errors import DatabaseError, TimelineError
from timeline.model import (
    Correction,
    Entry,
    Event,
    EventHead,
    FoldRecord,
    Key,
    Position,
    Record,
    Retraction,
    Source,
)
from timeline.validate.fields import as_date_text

__all__ = [
    "COPIED",
    "FOLD_FIELDS",
    "PAYLOAD_SCHEMA",
    "amendment_summary",
    "chain_row",
    "copied_columns",
    "differing_fields",
    "entry_content",
    "entry_from_payload",
    "entry_to_payload",
    "first_difference",
    "fold_record_from_row",
    "fold_record_from_values",
    "record_from_row",
    "same_content",
    "stored_value",
    "to_row",
    "upcast",
]

PAYLOAD_SCHEMA = 1

# The columns copied from the payload, which verify checks against it.
COPIED = (
    "thread",
    "event_id",
    "kind",
    "target",
    "date_text",
    "date_first",
    "date_last",
    "known",
    "known_given",
    "type",
    "title",
    "actors",
    "status",
    "positions",
)


class Row(Protocol):
    """A row read by column name (SQLAlchemy's ``Row._mapping``, or a plain dict)."""

    def __getitem__(self, name: str, /) -> Any: ...


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
        p["refs"] = [str(r) for r in event.refs]
    return p


def entry_to_payload(entry: Entry) -> dict[str, Any]:
    """The stored form: plain JSON types, fixed key order, empty parts left out."""
    if isinstance(entry, Event):
        return _event_payload(entry)
    p: dict[str, Any] = {"thread": entry.thread, "id": entry.id, "kind": entry.kind}
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


def _event_from_payload(p: Mapping[str, Any]) -> Event:
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
        refs=tuple(Key.parse(r) for r in p.get("refs", ())),
        known_given=p.get("known_given", True),
    )


def entry_from_payload(p: Mapping[str, Any], kind: str) -> Entry:
    """Rebuild an entry from its stored payload (trusted: no validation)."""
    if kind == "event":
        return _event_from_payload(p)
    known = dt.date.fromisoformat(p["known"])
    if kind == "correction":
        return Correction(
            p["thread"],
            p["id"],
            Key.parse(p["corrects"]),
            p["set"],
            known,
            p["known_given"],
            p.get("note"),
        )
    if kind == "retraction":
        return Retraction(
            p["thread"], p["id"], Key.parse(p["retracts"]), p["reason"], known, p["known_given"]
        )
    raise ValueError(f"unknown kind {kind!r}")


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


_STORED: dict[str, Any] = {
    "date": lambda v, t: parse_edtf(as_date_text(v)),
    "known": lambda v, t: parse_day(as_date_text(v)),
    "actors": lambda v, t: _texts(v),
    "sources": lambda v, t: tuple(_stored_source(s) for s in v or ()),
    "positions": lambda v, t: tuple(
        Position(_text(p["actor"]), _text(p["issue"]), _text(p["stance"])) for p in v or ()
    ),
    "refs": lambda v, t: tuple(dict.fromkeys(Key.parse(r, t) for r in _texts(v))),
}


def stored_value(field: str, value: Any, thread: str) -> Any:
    """A corrected field's value as a correction stores it (``set``, as the user wrote
    it, checked when recorded), in the event's own type: stripped, NFC, dates parsed.
    Trusted: no rule is checked again (see ``amend.apply_corrections``)."""
    if value is None:
        return None if field not in ("actors", "sources", "positions", "refs") else ()
    decode = _STORED.get(field)
    return decode(value, thread) if decode is not None else _text(value)


def entry_content(entry: Entry) -> str:
    """What makes two records "the same" for idempotent import: the canonical payload,
    whatever way ``known`` was arrived at (written out or defaulted to the same day)."""
    p = entry_to_payload(entry)
    del p["known_given"]
    return canonical(p)


def differing_fields(a: Entry, b: Entry) -> list[str]:
    """The payload fields in which two entries differ, in payload order (["content"] if
    none does, though they are not the same)."""
    ca, cb = entry_to_payload(a), entry_to_payload(b)
    names = [k for k in dict.fromkeys((*ca, *cb)) if k != "known_given" and ca.get(k) != cb.get(k)]
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


def amendment_summary(entry: Correction | Retraction) -> str:
    """One line for logs: what the correction changes, or why the event was retracted."""
    if isinstance(entry, Correction):
        # sorted, as in the hashed payload: the row must read the same from either
        parts = [f"{k}: {_short(v)}" for k, v in sorted(entry.changes.items())]
        return f"corrects {entry.target} — " + "; ".join(parts)
    return f"retracts {entry.target} — {entry.reason}"


# ---- entry <-> row -----------------------------------------------------------------------


def copied_columns(entry: Entry) -> dict[str, Any]:
    """The query columns for an entry (dates as ``datetime.date``), in COPIED order."""
    if isinstance(entry, Event):
        e = entry
        positions = [[p.actor, p.issue, p.stance] for p in e.positions]
        values: tuple[Any, ...] = (
            e.thread,
            e.id,
            "event",
            None,
            e.date.text,
            e.date.first,
            e.date.last,
            e.known,
            e.known_given,
            e.type,
            e.title,
            dumps(list(e.actors)),
            e.status,
            dumps(positions) if positions else None,
        )
    else:  # a correction or retraction "happens" when it becomes known
        k = entry.known
        values = (
            entry.thread,
            entry.id,
            entry.kind,
            str(entry.target),
            k.isoformat(),
            k,
            k,
            k,
            entry.known_given,
            entry.kind,
            amendment_summary(entry),
            "[]",
            None,
            None,
        )
    return dict(zip(COPIED, values, strict=True))


def to_row(record: Record, recorded_at: str, payload: str) -> dict[str, Any]:
    """The ``events`` row of a record, by column name; ``payload`` is its canonical text."""
    return {
        "seq": record.seq,
        "version": record.version,
        **copied_columns(record.entry),
        "thread_title": record.thread_title,
        "recorded_at": recorded_at,
        "payload_schema": PAYLOAD_SCHEMA,
        "payload": payload,
        "prev_hash": record.prev_hash,
        "hash": record.hash,
    }


def record_from_row(row: Row) -> Record:
    """A whole record from its row (seq, version, recorded_at, thread_title, kind,
    payload_schema, payload, prev_hash, hash)."""
    payload = upcast(json.loads(row["payload"]), row["payload_schema"], row["seq"])
    return Record(
        row["seq"],
        row["version"],
        dt.datetime.fromisoformat(row["recorded_at"]),
        entry_from_payload(payload, row["kind"]),
        row["thread_title"],
        row["hash"],
        row["prev_hash"],
    )


def _day(value: Any) -> dt.date:
    # text on SQLite (read without SQLAlchemy's per-row conversion), a date elsewhere
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


@lru_cache(maxsize=4096)  # a thread's events name the same few parties, over and over
def _names(text: str) -> tuple[str, ...]:
    return tuple(json.loads(text))


# What a replay reads of a row, in this order (see ``fold_record_from_values``).
FOLD_FIELDS = (
    "seq",
    "thread_title",
    "kind",
    "payload_schema",
    "payload",
    "thread",
    "event_id",
    "date_text",
    "known",
    "known_given",
    "type",
    "title",
    "actors",
    "status",
    "positions",
)


def fold_record_from_row(row: Row) -> FoldRecord:
    """A record as the projector needs it, from a row read by name (FOLD_FIELDS)."""
    return fold_record_from_values(tuple(row[name] for name in FOLD_FIELDS))


def fold_record_from_values(values: Sequence[Any]) -> FoldRecord:
    """A record as the projector needs it, from the FOLD_FIELDS of its row in order. An
    event is read from the copied columns only (thread, event_id, date_text, known,
    known_given, type, title, actors, status, positions); a correction or retraction
    from its payload (``payload`` is read for those only)."""
    (seq, thread_title, kind, schema, payload, thread, event_id, date_text, known) = values[:9]
    if kind != "event":
        entry = entry_from_payload(upcast(json.loads(payload), schema, seq), kind)
        return FoldRecord(seq, entry, thread_title)
    known_given, type_, title, actors, status, positions = values[9:]
    head = EventHead(
        thread,
        event_id,
        parse_edtf(date_text),
        _day(known),
        type_,
        _names(actors),
        title,
        status,
        tuple(Position(*p) for p in json.loads(positions)) if positions else (),
        bool(known_given),
    )
    return FoldRecord(seq, head, thread_title)


def chain_row(row: Row) -> ChainRow:
    """A row as verify sees it, with the first copied column (if any) that disagrees with
    what its payload says it should hold. Needs the record columns and COPIED."""
    mismatch = None if row["payload_schema"] == PAYLOAD_SCHEMA else "payload_schema"
    try:
        expected = copied_columns(entry_from_payload(json.loads(row["payload"]), row["kind"]))
    except (ValueError, KeyError, TypeError, AttributeError, TimelineError):
        mismatch = "payload"
    else:
        mismatch = mismatch or next((c for c in COPIED if row[c] != expected[c]), None)
    return ChainRow(
        row["seq"],
        row["thread"],
        row["event_id"],
        row["version"],
        row["kind"],
        row["recorded_at"],
        row["thread_title"],
        row["payload"],
        row["prev_hash"],
        row["hash"],
        mismatch,
    )
