"""Use cases: add, import, asof, threads, log, rebuild. The CLI calls one of these per command.

Time is passed in (``now``), never read here, so reports are reproducible.
"""

from __future__ import annotations

import datetime as dt
import gc
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from timeline.codec import event_content, event_from_input
from timeline.errors import ImportErrors, InvalidEvent, Problem, UnknownThread
from timeline.formats.eventfile import SUFFIXES, RawEvent, parse
from timeline.model import Event, Record, ThreadState
from timeline.projector import apply_all, project
from timeline.store import EventStore, Writer

__all__ = [
    "AddResult",
    "ImportResult",
    "add_event",
    "as_of",
    "generate_id",
    "import_paths",
    "log",
    "open_store",
    "rebuild",
    "threads",
]

_APPEND_CHUNK = 5000
Progress = Callable[[int, int], None]


def open_store(url: str, *, create_dirs: bool = False) -> EventStore:
    """Open (and, if behind, migrate) the database at ``url``."""
    from timeline.db import ensure_schema, make_engine

    engine = make_engine(url, create_dirs=create_dirs)
    ensure_schema(engine)
    return EventStore(engine)


# ---- add ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AddResult:
    record: Record
    new_thread: bool


def add_event(store: EventStore, fields: Mapping[str, Any], now: dt.datetime,
              thread_title: str | None = None) -> AddResult:
    """Record one event given as fields (``id`` may be missing: it is generated)."""
    data = dict(fields)
    generate = not data.get("id")
    if generate:
        data["id"] = "placeholder"  # validated first, replaced below under the write lock
    event = event_from_input(data)
    with store.writing() as w:
        if generate:
            event = _with_generated_id(w, event)
        else:
            taken = w.find([(event.thread, event.id)])
            if taken:
                raise InvalidEvent([("id", f"event {event.key} is already recorded "
                                           f"(seq {taken[(event.thread, event.id)].seq})")])
        _check_refs(w, [event], known_keys=set())
        states = w.states([event.thread])
        current = states.get(event.thread)
        title = thread_title.strip() if thread_title and thread_title.strip() else None
        if title is not None and current is not None and current.title == title:
            title = None
        (record,) = w.append([(event, title)], now)
        w.save_states(apply_all(states, [record]))
    return AddResult(record, current is None)


def generate_id(date_text: str, title: str, taken: Callable[[str], bool]) -> str:
    """``2022-01-26-us-and-nato-deliver-written-replies``: the date, then up to 6 title words."""
    words = _slug_words(title)
    stem = date_text.rstrip("~?%")
    base = "-".join([stem, *words[:6]])[:60].rstrip("-")
    candidate, n = base, 2
    while taken(candidate):
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def _slug_words(text: str) -> list[str]:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.findall(r"[a-z0-9]+", ascii_text.lower())


def _with_generated_id(w: Writer, event: Event) -> Event:
    from dataclasses import replace

    def taken(candidate: str) -> bool:
        return bool(w.find([(event.thread, candidate)]))

    new_id = generate_id(event.date.text, event.title, taken)
    return replace(event, id=new_id)


def _check_refs(w: Writer, events: Sequence[Event], known_keys: set[str]) -> list[str]:
    """Messages for refs that name no recorded event and none in ``known_keys``."""
    wanted = {r for e in events for r in e.refs if r not in known_keys}
    found = w.find(tuple(r.split("/", 1)) for r in wanted) if wanted else {}  # type: ignore[misc]
    found_keys = {f"{t}/{i}" for t, i in found}
    missing = wanted - found_keys
    if len(events) == 1 and missing:
        raise InvalidEvent([("refs", f"refs: no event {m} is recorded") for m in sorted(missing)])
    return sorted(missing)


# ---- import ---------------------------------------------------------------------------


@dataclass
class ImportResult:
    files: int = 0
    added: int = 0
    present: int = 0
    new_threads: list[str] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def expand_paths(paths: Iterable[str]) -> tuple[list[Path], list[Problem]]:
    """Files named, and event files found (recursively) in folders named, in a stable order."""
    files: list[Path] = []
    problems: list[Problem] = []
    for name in paths:
        p = Path(name)
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES)
            if not found:
                problems.append(Problem(name, None, "no event files (*.yaml, *.yml, *.json, "
                                                    "*.jsonl) in this folder"))
            files.extend(found)
        elif p.is_file():
            if p.suffix.lower() not in SUFFIXES:
                problems.append(Problem(name, None, "not an event file: expected .yaml, .yml, "
                                                    ".json or .jsonl"))
            else:
                files.append(p)
        else:
            problems.append(Problem(name, None, "no such file or folder"))
    return files, problems


@contextmanager
def _bulk() -> Iterator[None]:
    """Pause the cyclic garbage collector: a big import makes many long-lived objects and
    no cycles, and each collection would walk all of them again (~15% of import time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def import_paths(store: EventStore, paths: Iterable[str], now: dt.datetime,
                 progress: Progress | None = None) -> ImportResult:
    """Validate every event in the files first; then append all new ones in one transaction.

    On any problem nothing is written and ImportErrors lists every problem found.
    Re-importing an identical event is skipped and counted as already present.
    """
    with _bulk():
        return _import_paths(store, paths, now, progress)


def _import_paths(store: EventStore, paths: Iterable[str], now: dt.datetime,
                  progress: Progress | None) -> ImportResult:
    files, problems = expand_paths(paths)
    raws: list[RawEvent] = []
    titles: dict[str, tuple[str, str]] = {}  # thread -> (title, where)
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            problems.append(Problem(str(path), None, f"cannot read: {e}"))
            continue
        parsed = parse(text, str(path))
        problems.extend(parsed.problems)
        raws.extend(parsed.events)
        for thread, (title, line) in parsed.titles.items():
            where = f"{path}:{line}" if line else str(path)
            if thread in titles and titles[thread][0] != title:
                problems.append(Problem(str(path), line, f"thread {thread} is titled "
                                        f"{titles[thread][0]!r} in {titles[thread][1]}"))
            titles.setdefault(thread, (title, where))

    # Validate each event; within the batch an id may repeat only with identical content.
    batch: dict[str, tuple[Event, RawEvent]] = {}
    duplicates = 0
    for raw in raws:
        try:
            event = event_from_input(raw.data, raw.thread)
        except InvalidEvent as e:
            problems.extend(Problem(raw.source, raw.line_of(f), m) for f, m in e.problems)
            continue
        seen = batch.get(event.key)
        if seen is None:
            batch[event.key] = (event, raw)
        elif event_content(seen[0]) == event_content(event):
            duplicates += 1
        else:
            problems.append(Problem(raw.source, raw.line, f"event {event.key} differs from the "
                                    f"one at {seen[1].source}:{seen[1].line}"))

    result = ImportResult(files=len(files), present=duplicates)
    with store.writing() as w:
        stored = w.find(tuple(k.split("/", 1)) for k in batch)  # type: ignore[misc]
        new: list[Event] = []
        for key, (event, raw) in batch.items():
            old = stored.get((event.thread, event.id))
            if old is None:
                new.append(event)
            elif event_content(old.event) == event_content(event):
                result.present += 1
            else:
                field_name = _first_difference(old.event, event)
                problems.append(Problem(raw.source, raw.line_of(field_name),
                                        f"event {key} is already recorded (seq {old.seq}) with "
                                        f"a different {field_name}"))
        missing = set(_check_refs(w, new, known_keys=set(batch)))
        for event in new:
            for ref in event.refs:
                if ref in missing:
                    raw = batch[event.key][1]
                    problems.append(Problem(raw.source, raw.line_of("refs"),
                                            f"refs: no event {ref} is recorded or in this import"))
        if problems:
            raise ImportErrors(problems)  # leaves the transaction: nothing is written

        states = w.states({e.thread for e in new} | set(titles))
        items: list[tuple[Event, str | None]] = []
        named: set[str] = set()
        for event in new:
            title = None
            if event.thread in titles and event.thread not in named:
                named.add(event.thread)
                current = states.get(event.thread)
                if current is None or current.title != titles[event.thread][0]:
                    title = titles[event.thread][0]
            items.append((event, title))
        for thread, (title, where) in titles.items():
            current = states.get(thread)
            if thread not in named and current is not None and current.title != title:
                result.warnings.append(Problem(where, None, (
                    f"thread {thread} keeps its recorded title {current.title!r}: a new "
                    "title is recorded only with a new event")))

        records: list[Record] = []
        for start in range(0, len(items), _APPEND_CHUNK):
            records.extend(w.append(items[start:start + _APPEND_CHUNK], now))
            if progress is not None:
                progress(len(records), len(items))
        w.save_states(apply_all(states, records))
    result.added = len(records)
    result.new_threads = sorted({e.thread for e in new} - set(states))
    return result


def _first_difference(a: Event, b: Event) -> str:
    ca, cb = event_content(a), event_content(b)
    for k in (*ca, *cb):
        if ca.get(k) != cb.get(k):
            return k
    return "content"


# ---- reading --------------------------------------------------------------------------


def _require_thread(store: EventStore, thread: str) -> ThreadState:
    states = store.states([thread])
    if thread not in states:
        raise UnknownThread(f"unknown thread {thread!r}; `timeline threads` lists them")
    return states[thread]


def as_of(store: EventStore, day: dt.date, thread: str | None = None) -> list[ThreadState]:
    """The state of every thread (or one) as publicly known at the end of ``day``.

    A thread whose stored current state has nothing known after ``day`` is served
    from the projection table; only the others are replayed from the log.
    """
    states = store.states() if thread is None else {thread: _require_thread(store, thread)}
    result = {t: s for t, s in states.items() if s.last_key[0] <= day}
    stale = [t for t in states if t not in result]
    if stale:
        result.update(project(store.records(threads=stale, known_by=day, with_titles=True,
                                            for_projection=True), as_of=day))
    return [result[t] for t in sorted(result)]


def threads(store: EventStore) -> list[ThreadState]:
    """Every thread's current state (all its events), sorted by slug."""
    return list(store.states().values())


def log(store: EventStore, *, thread: str | None = None, since: dt.date | None = None,
        until: dt.date | None = None, known_by: dt.date | None = None) -> list[Record]:
    """Records in timeline order (date, then known, then seq), filtered.

    ``since``/``until`` keep events whose date interval overlaps that range;
    ``known_by`` keeps events publicly known by that day.
    """
    if thread is not None:
        _require_thread(store, thread)
    records = store.records(threads=None if thread is None else [thread], known_by=known_by,
                            since=since, until=until)
    records.sort(key=lambda r: (r.event.date.first, r.event.known, r.seq))
    return records


def rebuild(store: EventStore) -> tuple[int, int]:
    """Drop and replay the projection table from the log; returns (records, threads)."""
    with store.writing() as w:
        w.clear_states()
        count = 0

        def counted() -> Iterable[Record]:
            nonlocal count
            for r in w.iter_records_for_projection():
                count += 1
                yield r

        with _bulk():
            states = project(counted())
        w.save_states(states)
    return count, len(states)
