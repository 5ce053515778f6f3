"""Use cases that write: add, correct, retract, import, rebuild; and verify.

Time is passed in (``now``), never read here, so reports are reproducible. Reads
(asof, log, history, diff) are in ``queries``.
"""

from __future__ import annotations

import datetime as dt
import gc
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from timeline.amend import (
    annotate,
    apply_corrections,
    entry_content,
    entry_from_input,
    entry_to_payload,
    with_known,
)
from timeline.chain import Finding, check_chains
from timeline.codec import event_from_input
from timeline.errors import DatabaseError, ImportErrors, InvalidEvent, Problem
from timeline.formats.eventfile import SUFFIXES, RawEvent, parse
from timeline.model import Correction, Entry, Event, Record, Retraction
from timeline.projector import Hidden, apply_all, project
from timeline.store import EventStore, Writer

__all__ = [
    "AddResult",
    "ImportResult",
    "add_event",
    "amend",
    "generate_id",
    "import_paths",
    "open_store",
    "rebuild",
    "restore",
    "verify",
]

_APPEND_CHUNK = 5000
Progress = Callable[[int, int], None]


def open_store(
    url: str, *, create_dirs: bool = False, busy_timeout: float | None = None
) -> EventStore:
    """Open (and, if behind, migrate) the database at ``url``.

    ``busy_timeout``: how long an SQLite writer waits for another to finish (seconds).
    """
    from timeline.db import BUSY_TIMEOUT_S, ensure_schema, make_engine

    timeout = BUSY_TIMEOUT_S if busy_timeout is None else busy_timeout
    engine = make_engine(url, create_dirs=create_dirs, busy_timeout=timeout)
    ensure_schema(engine)
    return EventStore(engine, timeout)


def _append(
    w: Writer,
    items: Sequence[tuple[Entry, str | None]],
    now: dt.datetime,
    progress: Progress | None = None,
) -> list[Record]:
    """Append and bring the projection table along, in the caller's transaction.

    Events extend the stored states; a correction or retraction re-projects its thread.
    """
    records: list[Record] = []
    for start in range(0, len(items), _APPEND_CHUNK):
        records.extend(w.append(items[start : start + _APPEND_CHUNK], now))
        if progress is not None:
            progress(len(records), len(items))
    touched = {r.entry.thread for r in records}
    states = w.states(touched)
    # A state can be extended only by events, and only if the thread had one: after a
    # correction or retraction, or on a thread that showed nothing, replay the thread.
    replay = {r.entry.thread for r in records if r.kind != "event"} | (
        set(w.horizons(touched)) - set(states)
    )
    w.save_states(apply_all(states, [r for r in records if r.entry.thread not in replay]))
    if replay:
        hidden: dict[str, Hidden] = {}
        w.save_states(
            project(w.records(threads=replay, for_projection=True), hidden=hidden), hidden
        )
    return records


# ---- add, correct, retract ----------------------------------------------------------------


@dataclass(frozen=True)
class AddResult:
    record: Record
    new_thread: bool


def add_event(
    store: EventStore, fields: Mapping[str, Any], now: dt.datetime, thread_title: str | None = None
) -> AddResult:
    """Record one event given as fields (``id`` may be missing: it is generated)."""
    data = dict(fields)
    generate = not data.get("id")
    if generate:
        data["id"] = "placeholder"  # validated first, replaced below under the write lock
    event = event_from_input(data)
    with store.writing([event.thread]) as w:
        if generate:
            event = replace(
                event,
                id=generate_id(
                    event.date.text, event.title, lambda c: bool(w.find([(event.thread, c)]))
                ),
            )
        else:
            taken = w.find([(event.thread, event.id)])
            if taken:
                raise InvalidEvent(
                    [
                        (
                            "id",
                            f"event {event.key} is already recorded "
                            f"(seq {taken[(event.thread, event.id)].seq})",
                        )
                    ]
                )
        missing = _missing_refs(w, [event], set())
        if missing:
            raise InvalidEvent([("refs", f"refs: no event {m} is recorded") for m in missing])
        current = w.states([event.thread]).get(event.thread)
        title = thread_title.strip() if thread_title and thread_title.strip() else None
        if title is not None and current is not None and current.title == title:
            title = None
        (record,) = _append(w, [(event, title)], now)
    return AddResult(record, current is None)


def amend(store: EventStore, fields: Mapping[str, Any], now: dt.datetime) -> Record:
    """Record one correction (``type: correction``) or retraction, as from an event file."""
    entry = entry_from_input(fields)
    assert not isinstance(entry, Event)
    with store.writing([entry.thread]) as w:
        stored = w.find([_key(entry.target), (entry.thread, entry.id)])
        if (entry.thread, entry.id) in stored:
            raise InvalidEvent([("id", f"{entry.key} is already recorded")])
        target = stored.get(_key(entry.target))
        entry = _fill_amendment(entry, target)
        assert target is not None
        _check_views(w, entry, _event_of(w, target), [])
        (record,) = _append(w, [(entry, None)], now)
    return record


def _key(ref: str) -> tuple[str, str]:
    thread, _, event_id = ref.partition("/")
    return thread, event_id


def _event_of(w: Writer, target: Record) -> Record:
    """The event an amendment is about: its target, or the event a correction corrects."""
    if isinstance(target.entry, Correction):
        return w.find([_key(target.entry.target)])[_key(target.entry.target)]
    return target


def _fill_amendment(
    entry: Correction | Retraction, target: Record | None
) -> Correction | Retraction:
    """The amendment with its default ``known`` (the target's) filled in, if its target
    allows it; raises InvalidEvent naming the problem."""
    what = "corrects" if isinstance(entry, Correction) else "retracts"
    if target is None:
        raise InvalidEvent([(what, f"{what}: no event {entry.target} is recorded")])
    if isinstance(target.entry, Retraction):
        raise InvalidEvent(
            [
                (
                    what,
                    f"{what}: {entry.target} is a retraction, which cannot be "
                    "corrected or retracted; record the event again instead",
                )
            ]
        )
    if isinstance(entry, Correction) and isinstance(target.entry, Correction):
        raise InvalidEvent(
            [
                (
                    what,
                    f"corrects: {entry.target} is a correction; correct "
                    f"{target.entry.target} itself",
                )
            ]
        )
    return with_known(entry, target.entry.known)


def _check_views(
    w: Writer,
    entry: Correction | Retraction,
    event: Record,
    pending: Sequence[Correction | Retraction],
) -> None:
    """Every view of ``event`` a reader can get once ``entry`` is recorded — as known on
    each day an amendment of it takes effect — must still be a valid event.

    ``pending``: amendments of the same event earlier in the same import.
    """
    if isinstance(entry, Correction) and "refs" in entry.changes:
        try:
            refs = apply_corrections(event.event, [entry]).refs
        except InvalidEvent:
            refs = ()
        missing = _missing_refs(w, [replace(event.event, refs=refs)], set())
        if missing:
            raise InvalidEvent(
                [("set", f"refs: no event {m} is recorded") for m in sorted(missing)]
            )
    stored = w.amendments_of([event.entry.key]).get(event.entry.key, [])
    fixes = [r.entry.key for r in stored if isinstance(r.entry, Correction)]
    stored += [r for rs in w.amendments_of(fixes).values() for r in rs]
    top = max([event.seq, *(r.seq for r in stored)])
    records = [
        event,
        *stored,
        *(Record(top + i + 1, 0, event.recorded_at, e) for i, e in enumerate([*pending, entry])),
    ]
    days = sorted({dt.date.min, *(r.entry.known for r in records[1:])})
    for day in days:
        try:
            annotate(records, day)
        except InvalidEvent as e:
            when = "" if day == dt.date.min else f" as known on {day.isoformat()}"
            raise InvalidEvent(
                [
                    ("set", f"the {entry.kind} would make {event.entry.key} invalid{when}: {m}")
                    for _, m in e.problems
                ]
            ) from None


def generate_id(date_text: str, title: str, taken: Callable[[str], bool]) -> str:
    """``2022-01-26-us-and-nato-deliver-written-replies``: the date, then up to 6 title words."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    base = "-".join([date_text.rstrip("~?%"), *words[:6]])[:60].rstrip("-")
    candidate, n = base, 2
    while taken(candidate):
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def _missing_refs(w: Writer, events: Sequence[Event], in_batch: set[str]) -> set[str]:
    """Refs that name neither a recorded event nor one in ``in_batch``."""
    wanted = {r for e in events for r in e.refs if r not in in_batch}
    found = w.find(tuple(r.split("/", 1)) for r in wanted) if wanted else {}  # type: ignore[misc]
    return wanted - {f"{t}/{i}" for t, i in found}


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
                problems.append(
                    Problem(
                        name, None, "no event files (*.yaml, *.yml, *.json, *.jsonl) in this folder"
                    )
                )
            files.extend(found)
        elif p.exists() and not p.is_file():
            problems.append(Problem(name, None, "not a regular file or folder"))
        elif p.is_file():
            if p.suffix.lower() not in SUFFIXES:
                problems.append(
                    Problem(name, None, "not an event file: expected .yaml, .yml, .json or .jsonl")
                )
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


def import_paths(
    store: EventStore, paths: Iterable[str], now: dt.datetime, progress: Progress | None = None
) -> ImportResult:
    """Validate everything in the files first; then append all new records in one
    transaction (events first, then corrections and retractions, each in file order).

    On any problem nothing is written and ImportErrors lists every problem found.
    Re-importing an identical record is skipped and counted as already present.
    """
    with _bulk():
        return _Import(store, now, progress).run(paths)


class _Import:
    def __init__(self, store: EventStore, now: dt.datetime, progress: Progress | None) -> None:
        self.store, self.now, self.progress = store, now, progress
        self.problems: list[Problem] = []
        self.result = ImportResult()

    def problem(self, raw: RawEvent, field_name: str | None, message: str) -> None:
        self.problems.append(Problem(raw.source, raw.line_of(field_name), message))

    def run(self, paths: Iterable[str]) -> ImportResult:
        raws, titles = self.read(paths)
        batch = self.validate(raws)
        with self.store.writing({e.thread for e, _ in batch.values()} | set(titles)) as w:
            targets = {_key(e.target) for e, _ in batch.values() if not isinstance(e, Event)}
            stored = w.find({(e.thread, e.id) for e, _ in batch.values()} | targets)
            # retractions of stored corrections need the corrected events as well
            stored.update(
                w.find(
                    _key(r.entry.target)
                    for r in list(stored.values())
                    if isinstance(r.entry, Correction)
                )
            )
            new = self.compare(w, batch, stored)
            if self.problems:
                raise ImportErrors(self.problems)  # leaves the transaction: nothing written
            items = self.titled(w, new, titles)
            records = _append(w, items, self.now, self.progress)
        self.result.added = len(records)
        return self.result

    def read(self, paths: Iterable[str]) -> tuple[list[RawEvent], dict[str, tuple[str, str]]]:
        files, self.problems = expand_paths(paths)
        self.result.files = len(files)
        raws: list[RawEvent] = []
        titles: dict[str, tuple[str, str]] = {}  # thread -> (title, where)
        for path in files:
            try:
                text = path.read_text(encoding="utf-8-sig")  # a BOM is not content
            except (OSError, UnicodeDecodeError) as e:
                self.problems.append(Problem(str(path), None, f"cannot read: {e}"))
                continue
            parsed = parse(text, str(path))
            self.problems.extend(parsed.problems)
            raws.extend(parsed.events)
            for thread, (title, line) in parsed.titles.items():
                where = f"{path}:{line}" if line else str(path)
                if thread in titles and titles[thread][0] != title:
                    self.problems.append(
                        Problem(
                            str(path),
                            line,
                            f"thread {thread} is titled "
                            f"{titles[thread][0]!r} in {titles[thread][1]}",
                        )
                    )
                titles.setdefault(thread, (title, where))
        return raws, titles

    def validate(self, raws: list[RawEvent]) -> dict[str, tuple[Entry, RawEvent]]:
        """Each entry on its own; within the batch a key may repeat only with the same content."""
        batch: dict[str, tuple[Entry, RawEvent]] = {}
        for raw in raws:
            try:
                entry = entry_from_input(raw.data, raw.thread)
            except InvalidEvent as e:
                for f, m in e.problems:
                    self.problem(raw, f, m)
                continue
            seen = batch.get(entry.key)
            if seen is None:
                batch[entry.key] = (entry, raw)
            elif seen[0].kind != entry.kind:
                self.problem(
                    raw,
                    "id",
                    f"{entry.key} is already used by the {seen[0].kind} at "
                    f"{seen[1].source}:{seen[1].line}: choose another id",
                )
            elif entry_content(seen[0]) == entry_content(entry):
                self.result.present += 1
            else:
                self.problem(
                    raw,
                    None,
                    f"{entry.kind} {entry.key} differs from the one at "
                    f"{seen[1].source}:{seen[1].line}",
                )
        return batch

    def compare(
        self,
        w: Writer,
        batch: dict[str, tuple[Entry, RawEvent]],
        stored: dict[tuple[str, str], Record],
    ) -> list[Entry]:
        """The entries not yet recorded, amendments checked against their targets."""
        new: list[Entry] = []
        filled: dict[str, Entry] = {}  # batch entries as they will be recorded
        pending: dict[str, list[Correction | Retraction]] = {}  # by the event they amend
        for kind in ("event", "correction", "retraction"):
            for entry, raw in batch.values():
                if entry.kind != kind:
                    continue
                target = event = None
                if not isinstance(entry, Event):
                    target = stored.get(_key(entry.target))
                    if target is None and entry.target in filled:
                        target = Record(0, 0, self.now, filled[entry.target])
                    try:
                        entry = _fill_amendment(entry, target)
                    except InvalidEvent as e:
                        for f, m in e.problems:
                            self.problem(raw, f, m)
                        continue
                filled[entry.key] = entry
                old = stored.get((entry.thread, entry.id))
                if old is not None:
                    if old.kind != entry.kind:
                        self.problem(
                            raw,
                            "id",
                            f"{entry.key} is already recorded (seq "
                            f"{old.seq}) as a {old.kind}: choose another id",
                        )
                    elif entry_content(old.entry) == entry_content(entry):
                        self.result.present += 1
                    else:
                        name = _first_difference(old.entry, entry)
                        self.problem(
                            raw,
                            name,
                            f"{entry.kind} {entry.key} is already recorded "
                            f"(seq {old.seq}) with a different {name}",
                        )
                    continue
                if target is not None:
                    assert not isinstance(entry, Event)
                    event_key = (
                        target.entry.target
                        if isinstance(target.entry, Correction)
                        else target.entry.key
                    )
                    event = stored.get(_key(event_key))
                    if event is None:  # the event is new in this import too
                        event = Record(0, 0, self.now, filled[event_key])
                    try:
                        _check_views(w, entry, event, pending.get(event_key, []))
                    except InvalidEvent as e:
                        for f, m in e.problems:
                            self.problem(raw, f, m)
                        continue
                    pending.setdefault(event_key, []).append(entry)
                new.append(entry)
        events = [e for e in new if isinstance(e, Event)]
        for ref in sorted(_missing_refs(w, events, set(batch))):
            for e in events:
                if ref in e.refs:
                    self.problem(
                        batch[e.key][1],
                        "refs",
                        f"refs: no event {ref} is recorded or in this import",
                    )
        return new

    def titled(
        self, w: Writer, new: list[Entry], titles: dict[str, tuple[str, str]]
    ) -> list[tuple[Entry, str | None]]:
        """Each new entry with the thread title it records, if any (one per thread)."""
        states = w.states({e.thread for e in new} | set(titles))
        items: list[tuple[Entry, str | None]] = []
        named: set[str] = set()
        for entry in new:
            title = None
            if isinstance(entry, Event) and entry.thread in titles and entry.thread not in named:
                named.add(entry.thread)
                current = states.get(entry.thread)
                if current is None or current.title != titles[entry.thread][0]:
                    title = titles[entry.thread][0]
            items.append((entry, title))
        for thread, (title, where) in titles.items():
            current = states.get(thread)
            if thread not in named and current is not None and current.title != title:
                self.result.warnings.append(
                    Problem(
                        where,
                        None,
                        (
                            f"thread {thread} keeps its recorded title {current.title!r}: a new "
                            "title is recorded only with a new event"
                        ),
                    )
                )
        self.result.new_threads = sorted(
            {e.thread for e in new if isinstance(e, Event)} - set(states)
        )
        return items


def _first_difference(a: Entry, b: Entry) -> str:
    ca, cb = entry_to_payload(a), entry_to_payload(b)
    for k in (*ca, *cb):
        if k != "known_given" and ca.get(k) != cb.get(k):
            return k
    return "content"


# ---- maintenance ----------------------------------------------------------------------


def rebuild(store: EventStore) -> tuple[int, int]:
    """Drop and replay the projection table from the log; returns (records, threads)."""
    with store.writing(None) as w:
        w.clear_states()
        with _bulk():
            records = list(w.iter_records_for_projection())
            hidden: dict[str, Hidden] = {}
            states = project(records, hidden=hidden)
        w.save_states(states, hidden)
    return len(records), len(states) + len(hidden)


@dataclass
class VerifyResult:
    records: int
    threads: int
    findings: list[Finding]


def verify(store: EventStore) -> VerifyResult:
    """Walk every hash chain and the sequence numbers; replay the projections in memory
    and compare them with the stored ones."""
    with store.writing(None) as w, _bulk():  # a still log: concurrent writers wait
        rows = list(w.chain_rows())
        findings = check_chains(rows)
        stored = w.states()
        shows_none = set(w.horizons()) - set(stored)
        hidden: dict[str, Hidden] = {}
        try:
            replayed = project(w.iter_records_for_projection(), hidden=hidden)
        except (InvalidEvent, DatabaseError, ValueError, KeyError, TypeError) as e:
            # a tampered row may no longer even read as a record
            findings.append(Finding("projection", f"the log cannot be replayed: {e}"))
            replayed, hidden = stored, dict.fromkeys(shows_none)  # type: ignore[arg-type]
        columns = w.summary_mismatches(replayed, {t: h for t, h in hidden.items() if h})
    for thread, column in sorted(columns.items()):
        if stored.get(thread) != replayed.get(thread):
            continue  # the state itself differs: reported below
        findings.append(
            Finding(
                thread, f"projection differs from the log: column {column} of the projection table"
            )
        )
    for thread in sorted(set(hidden) ^ shows_none):
        findings.append(
            Finding(
                thread,
                "projection differs from the log: the thread "
                + (
                    "shows no event"
                    if thread in hidden
                    else "is missing from the table or shows no event there"
                ),
            )
        )
    for thread in sorted(set(stored) | set(replayed)):
        if thread not in stored:
            findings.append(
                Finding(
                    thread,
                    "projection missing: the thread is in the log but not in the projection table",
                )
            )
        elif thread not in replayed:
            findings.append(
                Finding(
                    thread, "projection stale: the projection table has a thread the log does not"
                )
            )
        elif stored[thread] != replayed[thread]:
            s, r = stored[thread], replayed[thread]
            why = (
                f"it has {s.events} events up to seq {s.max_seq}, the log {r.events} up to "
                f"seq {r.max_seq}"
                if (s.events, s.max_seq) != (r.events, r.max_seq)
                else "its state differs from a replay of the log"
            )
            findings.append(Finding(thread, f"projection differs from the log: {why}"))
    return VerifyResult(len(rows), len({r.thread for r in rows}), findings)


def restore(store: EventStore, path: str) -> int:
    """Restore a backup (``export jsonl``) into an empty database, record for record:
    same seq, recorded_at and hashes. Returns the number of records."""
    from timeline.formats.backup import read_backup

    try:
        with open(path, encoding="utf-8-sig") as f:
            records, problems = read_backup(f, path)
    except (OSError, UnicodeDecodeError) as e:
        raise ImportErrors([Problem(path, None, f"cannot read: {e}")]) from None
    if problems:
        raise ImportErrors(problems)
    with store.writing(None) as w, _bulk():
        present = w.count()
        if present:
            raise DatabaseError(
                f"restore needs an empty database: {store.name} already holds "
                f"{present} records (use a new --db)"
            )
        w.restore(records)
        hidden: dict[str, Hidden] = {}
        w.save_states(project(records, hidden=hidden), hidden)
    return len(records)
