"""Records' rows: the columns copied from the payload, a whole record from its row, a
record as replays read it, and a row as verify sees it. Pure: no SQL.
"""

from __future__ import annotations

import datetime as dt
import json
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any, Protocol, TypeVar

import orjson

from timeline.core.chain import ChainRow
from timeline.core.codec import dumps, dumps_without_floats
from timeline.core.dates import parse_edtf
from timeline.core.errors import InvalidDate, InvalidEvent, TimelineError, UnreadableRecord
from timeline.core.mapper.payload import (
    PAYLOAD_SCHEMA,
    entry_from_payload,
    entry_summary,
    stored_value,
    upcast,
)
from timeline.core.model import (
    Alias,
    Correction,
    Entry,
    Event,
    EventHead,
    FoldRecord,
    Position,
    Record,
    Retitle,
    Token,
    TreeHead,
    TreeKey,
)

__all__ = [
    "COPIED",
    "FOLD_FIELDS",
    "ROW_FIELDS",
    "Row",
    "chain_row",
    "copied_columns",
    "fold_record_from_row",
    "fold_record_from_values",
    "readable",
    "record_from_row",
    "row_values",
    "to_row",
]

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
    "announced",
    "type",
    "title",
    "actors",
    "status",
    "positions",
)


class Row(Protocol):
    """A row read by column name (SQLAlchemy's ``Row._mapping``, or a plain dict)."""

    def __getitem__(self, name: str, /) -> Any: ...


# ---- entry <-> row -----------------------------------------------------------------------


def copied_columns(entry: Entry) -> dict[str, Any]:
    """The query columns for an entry (dates as ``datetime.date``), in COPIED order."""
    return dict(zip(COPIED, _copied_values(entry), strict=True))


def _copied_values(entry: Entry) -> tuple[Any, ...]:
    if isinstance(entry, Event):
        e = entry
        date = e.date
        positions = e.positions
        return (
            e.thread,
            e.id,
            "event",
            None,
            date.text,
            date.first,
            date.last,
            e.known,
            e.known_given,
            e.announced,
            e.type,
            e.title,
            dumps_without_floats(e.actors),
            e.status,
            dumps_without_floats([[p.actor, p.issue, p.stance] for p in positions])
            if positions
            else None,
        )
    if isinstance(entry, Retitle | Alias | Token | TreeKey | TreeHead):  # known when recorded
        k = entry.known
        # an alias's two names are the log's: `--actor` and `--as` accept either
        names = dumps([entry.alias, entry.canonical]) if isinstance(entry, Alias) else "[]"
        return (
            *(entry.thread, entry.id, entry.kind, None, k.isoformat(), k, k, k, True, None),
            *(entry.kind, entry_summary(entry), names, None, None),
        )
    # a correction or retraction "happens" when it becomes known
    k = entry.known
    return (
        entry.thread,
        entry.id,
        entry.kind,
        str(entry.target),
        k.isoformat(),
        k,
        k,
        k,
        entry.known_given,
        None,
        entry.kind,
        entry_summary(entry),
        "[]",
        None,
        None,
    )


# Every column of a record's row, in the order ``row_values`` gives them.
ROW_FIELDS = (
    "seq",
    "version",
    *COPIED,
    "thread_title",
    "recorded_at",
    "payload_schema",
    "payload",
    "prev_hash",
    "hash",
    "recorded_by",
)


def row_values(record: Record, recorded_at: str, payload: str) -> tuple[Any, ...]:
    """The ``events`` row of a record, its values in ROW_FIELDS order (a bulk insert's
    form: no dict per row); ``payload`` is its canonical text."""
    return (
        record.seq,
        record.version,
        *_copied_values(record.entry),
        record.thread_title,
        recorded_at,
        PAYLOAD_SCHEMA,
        payload,
        record.prev_hash,
        record.hash,
        record.recorded_by,
    )


def to_row(record: Record, recorded_at: str, payload: str) -> dict[str, Any]:
    """The ``events`` row of a record, by column name; ``payload`` is its canonical text."""
    return dict(zip(ROW_FIELDS, row_values(record, recorded_at, payload), strict=True))


def _stored_entry(payload: Any, kind: str) -> Entry:
    """The entry a stored payload holds; a correction's values must read as their
    fields' types here, where a row that does not is left out whole (``readable``),
    rather than halfway through a fold."""
    entry = entry_from_payload(payload, kind)
    if isinstance(entry, Correction):
        for field, value in entry.changes.items():
            stored_value(field, value, entry.thread)
    return entry


def _payload(text: str, kind: str) -> Any:
    """A stored payload, read as ``json.loads`` reads it. An event's by orjson, five times
    faster: it holds texts and booleans only (``canonical_payload``), which both read
    alike; orjson differs on numbers (an integer past 64 bits comes back a float), which
    the other kinds may hold. What orjson refuses (an escaped lone surrogate, NaN),
    json reads."""
    if kind == "event":
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)


# What a whole record reads of its row, in this order (see ``record_from_values``).
RECORD_FIELDS = (
    "seq",
    "version",
    "recorded_at",
    "thread_title",
    "kind",
    "payload_schema",
    "payload",
    "prev_hash",
    "hash",
    "recorded_by",
)


def record_from_row(row: Row) -> Record:
    """A whole record from its row, read by name (RECORD_FIELDS)."""
    return record_from_values(tuple(row[name] for name in RECORD_FIELDS))


def record_from_values(values: Sequence[Any]) -> Record:
    """A whole record from the RECORD_FIELDS of its row, in order."""
    seq, version, recorded_at, thread_title, kind, schema, payload, prev_hash, hash_, by = values
    return Record(
        seq,
        version,
        _moment(recorded_at),
        _stored_entry(upcast(_payload(payload, kind), schema, seq), kind),
        thread_title,
        hash_,
        prev_hash,
        by,
    )


@lru_cache(maxsize=4096)  # an import records its events at one moment
def _moment(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _day(value: Any) -> dt.date:
    # text on SQLite (read without SQLAlchemy's per-row conversion), a date elsewhere
    return value if isinstance(value, dt.date) else _iso_day(value)


@lru_cache(maxsize=65536)  # a log's records fall on far fewer days than it has records
def _iso_day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


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
    "announced",
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
    known_given, announced, type, title, actors, status, positions); a correction or retraction
    from its payload (``payload`` is read for those only)."""
    (seq, thread_title, kind, schema, payload, thread, event_id, date_text, known) = values[:9]
    if kind != "event":
        entry = _stored_entry(upcast(json.loads(payload), schema, seq), kind)
        return FoldRecord(seq, entry, thread_title)
    known_given, announced, type_, title, actors, status, positions = values[9:]
    head = EventHead(
        thread,
        event_id,
        parse_edtf(date_text),
        _day(known),
        type_,
        _names(actors),
        title,
        status,
        tuple([Position(*p) for p in orjson.loads(positions)]) if positions else (),
        bool(known_given),
        None if announced is None else _day(announced),
    )
    return FoldRecord(seq, head, thread_title)


T = TypeVar("T")

# What a row that no longer reads as a record raises while it is made one: bad JSON,
# a missing key, a value of the wrong type, a date that is no date. Not DatabaseError
# (a payload schema from a newer version): that one is the user's to act on.
_UNREADABLE = (
    ValueError,
    KeyError,
    TypeError,
    AttributeError,
    IndexError,
    InvalidDate,
    InvalidEvent,
)


def readable(make: Callable[[Any], T], rows: Iterable[Any]) -> Iterator[T]:
    """Each row made a record by ``make``, leaving out (with an ``UnreadableRecord``
    warning) any row that does not read as one: reading trusts stored data and never
    applies today's input rules, so one bad row costs its own record, not the log.
    ``rows``: mappings with a ``seq``, or sequences that start with it."""
    for row in rows:
        try:
            yield make(row)
        except _UNREADABLE as e:
            seq = row[0] if isinstance(row, Sequence) else row["seq"]
            warnings.warn(UnreadableRecord(seq, e), stacklevel=2)


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
        row["recorded_by"],
    )
