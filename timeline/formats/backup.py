"""The lossless backup: every record as appended, one JSON object per line. Pure: no I/O.

A line is ``{"seq", "version", "recorded_at", "kind", "thread", "id", "thread_title",
"payload", "prev_hash", "hash"}`` (and ``recorded_by`` when the record has one) in
``seq`` order; ``payload`` is the record's stored payload. The last line is the
trailer, ``{"trailer": {"records": N, "digest": "N:hex"}}``, with the log digest
(``chain.log_digest``) of the records above it.

Reading a backup checks each record's hash, the chains, and the trailer, so a backup
altered or cut off on the way is refused, not restored.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from typing import Any

from timeline.core.chain import LogDigest, check_chains, fold_digest, record_hash
from timeline.core.codec import canonical, dumps, format_recorded_at
from timeline.core.errors import Problem, TimelineError
from timeline.core.mapper import chain_row, entry_from_payload, entry_to_payload, to_row
from timeline.core.model import RECORD_KINDS, Record

__all__ = [
    "NOT_A_BACKUP",
    "backup_line",
    "backup_lines",
    "backup_text",
    "is_backup_line",
    "read_backup",
    "trailer_line",
]

_KEYS = (
    "seq",
    "version",
    "recorded_at",
    "kind",
    "thread",
    "id",
    "thread_title",
    "payload",
    "prev_hash",
    "hash",
)


def backup_line(r: Record) -> str:
    e = r.entry
    line = {
        "seq": r.seq,
        "version": r.version,
        "recorded_at": format_recorded_at(r.recorded_at),
        "kind": r.kind,
        "thread": e.thread,
        "id": e.id,
        "thread_title": r.thread_title,
        "payload": entry_to_payload(e),
        "prev_hash": r.prev_hash,
        "hash": r.hash,
    }
    if r.recorded_by is not None:
        line["recorded_by"] = r.recorded_by
    return dumps(line) + "\n"


NOT_A_BACKUP = "not a backup made by `timeline export jsonl`"


def is_backup_line(obj: object) -> bool:
    """Does this (parsed) line look like a backup's, rather than an event's?"""
    if not isinstance(obj, dict):
        return False
    return {"seq", "payload", "hash"} <= obj.keys() or set(obj) == {"trailer"}


def _digest(records: Iterable[Record]) -> LogDigest:
    return fold_digest((r.entry.thread, r.hash) for r in records)


def _trailer(count: int, digest: str) -> str:
    return dumps({"trailer": {"records": count, "digest": digest}}) + "\n"


def trailer_line(records: Iterable[Record]) -> str:
    """The backup's last line: how many records it holds, and their log digest."""
    records = list(records)
    return _trailer(len(records), _digest(records).value)


def backup_text(records: Iterable[Record]) -> str:
    """The whole backup: a line per record in seq order, then the trailer."""
    return "".join(backup_lines(records))


def backup_lines(records: Iterable[Record]) -> Iterator[str]:
    """The backup a line at a time, records as they come (in seq order), then the
    trailer: nothing but the digest as it folds is kept, so a backup of any size streams."""
    digest = LogDigest()
    for r in records:
        digest.add(r.entry.thread, r.hash)
        yield backup_line(r)
    yield _trailer(digest.count, digest.value)


def _check_shape(obj: Any) -> None:
    """The line's keys and the types of what the store assigned; ValueError if not."""
    keys = sorted(k for k in obj if k != "recorded_by") if isinstance(obj, dict) else None
    if keys != sorted(_KEYS):
        raise ValueError(f"expected a record with exactly {', '.join(_KEYS)} (and recorded_by)")
    if not isinstance(obj.get("recorded_by", ""), str):
        raise ValueError(f"recorded_by {obj['recorded_by']!r} is not text")
    if obj["kind"] not in RECORD_KINDS:
        raise ValueError(f"unknown kind {obj['kind']!r}")
    for name in ("seq", "version"):
        value = obj[name]
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} {value!r} is not a whole number from 1 up")
    for name in ("recorded_at", "prev_hash", "hash", "thread", "id"):
        if not isinstance(obj[name], str):
            raise ValueError(f"{name} {obj[name]!r} is not text")
    if obj["thread_title"] is not None and not isinstance(obj["thread_title"], str):
        raise ValueError(f"thread_title {obj['thread_title']!r} is not text or null")


def _record(obj: Any) -> Record:
    """One backup line as a record; ValueError says what is wrong with it."""
    _check_shape(obj)
    try:
        entry = entry_from_payload(obj["payload"], obj["kind"])
        recorded_at = dt.datetime.fromisoformat(obj["recorded_at"])
    except (KeyError, TypeError, ValueError, TimelineError, AttributeError) as e:
        raise ValueError(f"unreadable {obj['kind']}: {e}") from None
    payload = canonical(obj["payload"])
    if canonical(entry_to_payload(entry)) != payload:
        raise ValueError("the payload is not in timeline's stored form")
    if (entry.thread, entry.id) != (obj["thread"], obj["id"]):
        raise ValueError("thread and id differ from the payload's")
    if format_recorded_at(recorded_at) != obj["recorded_at"]:
        raise ValueError(f"recorded_at {obj['recorded_at']!r} is not YYYY-MM-DDTHH:MM:SS.ffffffZ")
    by = obj.get("recorded_by")
    stamp, title = obj["recorded_at"], obj["thread_title"]
    if record_hash(obj["kind"], payload, obj["prev_hash"], stamp, title, by) != obj["hash"]:
        raise ValueError("its hash does not match its content: the backup was altered")
    return Record(
        obj["seq"],
        obj["version"],
        recorded_at,
        entry,
        obj["thread_title"],
        obj["hash"],
        obj["prev_hash"],
        by,
    )


def _check_trailer(
    trailer: Any, records: list[Record], source: str, line: int | None
) -> list[Problem]:
    """The trailer must be there, last, and agree with the records above it."""
    if trailer is None:
        return [
            Problem(
                source,
                None,
                "the backup has no trailer line: it was cut off, or not "
                "made by `timeline export jsonl`",
            )
        ]
    said = trailer if isinstance(trailer, dict) else {}
    folded = _digest(records)
    digest = folded.value
    # a backup made before digests committed to the order of seq holds the earlier form
    if said.get("records") != len(records) or said.get("digest") not in (
        digest,
        folded.heads_only,
    ):
        return [
            Problem(
                source,
                line,
                f"the trailer says {said.get('records')!r} records "
                f"(digest {said.get('digest')!r}) but the backup holds "
                f"{len(records)} (digest {digest}): lines were cut or "
                "altered",
            )
        ]
    return []


class _Reader:
    """Reads a backup line by line, collecting records, problems and the trailer."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.records: list[Record] = []
        self.problems: list[Problem] = []
        self.line_of: dict[str, int] = {}
        self.trailer: Any = None
        self.trailer_at: int | None = None

    def problem(self, line: int | None, message: str) -> None:
        self.problems.append(Problem(self.source, line, message))

    def line(self, n: int, obj: Any) -> None:
        if self.trailer_at is not None:
            self.problem(n, "a line after the trailer: the backup was altered")
        elif isinstance(obj, dict) and set(obj) == {"trailer"}:
            self.trailer, self.trailer_at = obj["trailer"], n
        else:
            try:
                record = _record(obj)
            except ValueError as e:
                self.problem(n, str(e).splitlines()[0])
                return
            self.records.append(record)
            self.line_of[str(record.entry.key)] = n

    def finish(self) -> None:
        rows = [
            chain_row(
                to_row(r, format_recorded_at(r.recorded_at), canonical(entry_to_payload(r.entry)))
            )
            for r in self.records
        ]
        for finding in check_chains(rows):
            self.problem(self.line_of.get(finding.where), str(finding))
        if not self.problems:  # a record refused above already makes the counts differ
            self.problems += _check_trailer(
                self.trailer, self.records, self.source, self.trailer_at
            )


def read_backup(lines: Iterable[str], source: str) -> tuple[list[Record], list[Problem]]:
    """Records from a backup's lines, and every problem found (with its line)."""
    reader = _Reader(source)
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            obj = None
        first = not (reader.records or reader.problems or reader.trailer_at)
        if first and not is_backup_line(obj):
            return [], [Problem(source, n, NOT_A_BACKUP)]
        reader.line(n, obj)
    if not (reader.records or reader.problems or reader.trailer_at):
        return [], [Problem(source, None, f"the file is empty; {NOT_A_BACKUP}")]
    reader.finish()
    return reader.records, reader.problems
